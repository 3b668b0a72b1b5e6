/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: /dev/mshv as a CUSE character device (docs/cuse.md).
 *
 * Every open of the device gets a handle (struct fh) in fi->fh, bound to one
 * mshv_obj: a fresh open is the device; the private BIND ioctl
 * (mshvd_proto.h) turns a fresh open into a partition or VP created on a
 * parent open. Ioctls go to the shared decoder (mshv_dev.h) with a
 * user-memory accessor that copies from the calling thread with
 * process_vm_readv/writev (FUSE request pid = the caller's TID), so every
 * ioctl is answered in its first round (unrestricted ioctls, no retry).
 *
 * Threads: one dispatch thread (fuse_session_loop) answers everything but
 * MSHV_RUN_VP, which goes to the VP's own worker thread and is answered
 * asynchronously; a FUSE_INTERRUPT for it kicks the VP (EINTR). A kicker
 * thread repeats the kick until the run has returned, because the core
 * forgets a kick that lands just before emu_vp_run() starts.
 *
 * Lifetime: each fh holds one reference on its object; a partition's
 * face record (struct ptrec: the daemon's mappings of guest RAM) is held by
 * every fh and worker of that partition, so it goes away, and the RAM is
 * unmapped, exactly when the partition itself is destroyed (the last
 * release of its fds, which the kernel also sends when a client dies).
 *
 * This file: options, logging, the opens, the bind protocol and the CUSE
 * operations; the caller's memory and the face record are in caller_mem.c,
 * the RUN_VP workers and the kicker in vp_worker.c.
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"
#include "tap.h"
#include "mshvd_proto.h"
#include "../mshv_dev.h"
#include "../procfs.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/mshv.h>
#include <mshv-emu/emu.h>

/* ---- options, logging, statistics ---- */

static struct mshvd_opts g_opts = {
	.name = "mshv", .mode = -1, .uid = (uid_t)-1, .gid = (gid_t)-1,
	.log_level = MSHVD_LOG_WARN,
};
static char g_devinfo[128];
static const char *g_devinfo_argv[1] = { g_devinfo };

atomic_long mshvd_st_opens, mshvd_st_partitions, mshvd_st_regions, mshvd_st_workers;

void mshvd_get_stats(struct mshvd_stats *s)
{
	s->opens = atomic_load(&mshvd_st_opens);
	s->partitions = atomic_load(&mshvd_st_partitions);
	s->regions = atomic_load(&mshvd_st_regions);
	s->workers = atomic_load(&mshvd_st_workers);
}

void mshvd_log(int level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > g_opts.log_level)
		return;
	va_start(ap, fmt);
	if (g_opts.syslog) {
		vsyslog(prio[level], fmt, ap);
	} else {
		char buf[1024];

		vsnprintf(buf, sizeof buf, fmt, ap);
		fprintf(stderr, "mshv-emud: %s: %s\n", tag[level], buf);
	}
	va_end(ap);
}

void mshvd_log_limited(struct mshvd_ratelimit *rl, int level, const char *fmt, ...)
{
	static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
	enum { INTERVAL = 10, BURST = 5 };
	struct timespec now;
	unsigned dropped = 0;
	bool show;
	va_list ap;

	if (level > g_opts.log_level)
		return;
	pthread_mutex_lock(&init_mu);
	if (!rl->init) {
		pthread_mutex_init(&rl->mu, NULL);
		rl->init = true;
	}
	pthread_mutex_unlock(&init_mu);
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&rl->mu);
	if (now.tv_sec - rl->window >= INTERVAL) {
		dropped = rl->suppressed;
		rl->window = now.tv_sec;
		rl->shown = rl->suppressed = 0;
	}
	show = rl->shown < BURST;
	if (show)
		rl->shown++;
	else
		rl->suppressed++;
	pthread_mutex_unlock(&rl->mu);
	if (dropped)
		mshvd_log(level, "%u similar messages suppressed", dropped);
	if (show) {
		char buf[1024];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		mshvd_log(level, "%s", buf);
	}
}

static uint64_t new_handle(void)
{
	uint64_t h = 0;

	while (!h)
		if (getrandom(&h, sizeof h, 0) != (ssize_t)sizeof h)
			h = 0;
	return h;
}

/* ---- opens ---- */

static pthread_mutex_t g_fh_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fh *g_fh_list;

static void fh_put(struct fh *f)
{
	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->w)
		mshvd_vpw_stop(f->w);
	mshv_obj_put(f->obj);
	mshvd_ptrec_put(f->pr);
	mshvd_quota_release(f->uid, MSHVD_RES_OPENS, 1);
	free(f);
	atomic_fetch_sub(&mshvd_st_opens, 1);
}

/* A live open by handle, with a reference, or NULL. */
static struct fh *fh_lookup(uint64_t handle)
{
	struct fh *f;

	pthread_mutex_lock(&g_fh_mu);
	for (f = g_fh_list; f; f = f->next)
		if (f->handle == handle) {
			atomic_fetch_add(&f->refs, 1);
			break;
		}
	pthread_mutex_unlock(&g_fh_mu);
	return f;
}

static enum mshvd_kind fh_kind(const struct fh *f)
{
	switch (f->obj->kind) {
	case MSHV_OBJ_PARTITION: return MSHVD_KIND_PARTITION;
	case MSHV_OBJ_VP: return MSHVD_KIND_VP;
	case MSHV_OBJ_VFIO: return MSHVD_KIND_VFIO;
	default: return MSHVD_KIND_DEVICE;
	}
}

static const char *kind_name(enum mshvd_kind k)
{
	return k == MSHVD_KIND_PARTITION ? "partition" : k == MSHVD_KIND_VP ? "vp" :
	       k == MSHVD_KIND_VFIO ? "vfio device" : "device";
}

/* The create arguments of a BIND, already in the daemon (offsets). */
struct buf_ctx {
	const uint8_t *buf;
	size_t len;
};

static int buf_read(void *c, void *dst, uint64_t off, size_t n)
{
	struct buf_ctx *b = c;

	if (off > b->len || n > b->len - off)
		return -EFAULT;
	memcpy(dst, b->buf + off, n);
	return 0;
}

static int buf_write(void *c, uint64_t off, const void *src, size_t n)
{
	(void)c, (void)off, (void)src, (void)n;
	return -EFAULT;
}

/* ---- replies ---- */

void mshvd_reply(fuse_req_t req, long rc)
{
	if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	else
		fuse_reply_ioctl(req, (int)rc, NULL, 0);
}

/* ---- private ioctls ---- */

static long do_whoami(struct fh *f, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshvd_whoami w = { .handle = f->handle, .kind = fh_kind(f) };

	if (f->obj->vp)
		w.vp_index = emu_vp_index(f->obj->vp);
	if (f->obj->pt)
		w.partition_id = emu_partition_id(f->obj->pt);
	return ua->write(ua->ctx, arg, &w, sizeof w) ? -EFAULT : 0;
}

static long do_watch(struct fh *f, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshvd_watch w;

	if (fh_kind(f) != MSHVD_KIND_PARTITION)
		return -ENOTTY;
	if (ua->read(ua->ctx, &w, arg, sizeof w))
		return -EFAULT;
	if (w.rsvd)
		return -EINVAL;
	if (w.uffd < 0)
		return -EBADF;
	int fd = ua->get_fd(ua->ctx, w.uffd);
	if (fd < 0)
		return fd;
	return emu_partition_watch_vmm_writes(f->obj->pt, fd);
}

static long do_bind(struct fh *f, uint64_t arg, const struct mshv_uaccess *ua,
		    const struct fuse_ctx *c)
{
	struct mshvd_bind b;
	enum mshvd_kind want;
	long rc;

	if (ua->read(ua->ctx, &b, arg, sizeof b))
		return -EFAULT;
	if (b.rsvd || b.arg_size > MSHVD_BIND_ARG_MAX)
		return -EINVAL;
	if (b.request == (uint32_t)MSHV_CREATE_PARTITION)
		want = MSHVD_KIND_DEVICE;
	else if (b.request == (uint32_t)MSHV_CREATE_VP ||
		 b.request == (uint32_t)MSHV_CREATE_DEVICE)
		want = MSHVD_KIND_PARTITION;
	else
		return -EINVAL;
	if (f->used || fh_kind(f) != MSHVD_KIND_DEVICE)
		return -EBUSY;

	struct fh *p = fh_lookup(b.parent_handle);
	if (!p || p == f || fh_kind(p) != want ||
	    (c->uid != 0 && c->uid != p->uid) || (f->uid != 0 && f->uid != p->uid)) {
		static struct mshvd_ratelimit rl;	/* a client can flood these */

		mshvd_log_limited(&rl, MSHVD_LOG_WARN, "BIND refused: pid %d uid %u, handle %s",
				  (int)c->pid, (unsigned)c->uid, !p ? "unknown" :
				  p == f || fh_kind(p) != want ? "of the wrong kind" :
				  "owned by another user");
		if (p)
			fh_put(p);
		return -EPERM;
	}

	struct buf_ctx bc = { b.arg, b.arg_size };
	struct mshv_uaccess bua = { .read = buf_read, .write = buf_write, .ctx = &bc };
	struct mshv_obj *created = NULL;
	struct ptrec *pr = NULL;

	if (want == MSHVD_KIND_DEVICE) {
		/* The partition is charged to the user who opened the device. */
		rc = mshvd_quota_charge(p->uid, MSHVD_RES_PARTITIONS, 1);
		if (!rc && !(pr = mshvd_ptrec_new(p->uid))) {
			mshvd_quota_release(p->uid, MSHVD_RES_PARTITIONS, 1);
			rc = -ENOMEM;
		}
		if (rc) {
			fh_put(p);
			return rc;
		}
	}
	rc = mshv_dev_ioctl(p->obj, b.request, 0, &bua, NULL, &created);
	if (rc >= 0 && !created)
		rc = -EIO;
	if (rc < 0) {
		if (created)
			mshv_obj_put(created);
		mshvd_ptrec_put(pr);
		fh_put(p);
		return rc;
	}
	if (!pr)
		pr = mshvd_ptrec_get(p->pr);
	mshv_obj_put(f->obj);
	f->obj = created;
	f->pr = pr;
	f->client = p->client;
	f->used = true;
	mshvd_log(MSHVD_LOG_INFO, "client %d (thread %u): %s %" PRIu64 "%s%u created", (int)p->client,
		  b.caller_pid, kind_name(fh_kind(f)), emu_partition_id(created->pt),
		  created->vp ? " vp " : "", created->vp ? emu_vp_index(created->vp) : 0);
	fh_put(p);
	return 0;
}

/* ---- CUSE operations ---- */

static void op_init_done(void *userdata)
{
	char path[256];

	(void)userdata;
	snprintf(path, sizeof path, "/dev/%s", g_opts.name);
	if (g_opts.mode >= 0 && chmod(path, (mode_t)g_opts.mode))
		mshvd_log(MSHVD_LOG_WARN, "chmod %s: %s", path, strerror(errno));
	if ((g_opts.uid != (uid_t)-1 || g_opts.gid != (gid_t)-1) &&
	    chown(path, g_opts.uid, g_opts.gid))
		mshvd_log(MSHVD_LOG_WARN, "chown %s: %s", path, strerror(errno));
	mshvd_log(MSHVD_LOG_INFO, "serving %s", path);
}

static void op_open(fuse_req_t req, struct fuse_file_info *fi)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	int rc = mshvd_quota_charge(c->uid, MSHVD_RES_OPENS, 1);
	struct fh *f = rc ? NULL : calloc(1, sizeof *f);

	if (!f || !(f->obj = mshv_obj_new_device())) {
		if (!rc)
			mshvd_quota_release(c->uid, MSHVD_RES_OPENS, 1);
		free(f);
		fuse_reply_err(req, rc ? -rc : ENOMEM);
		return;
	}
	atomic_init(&f->refs, 1);
	f->uid = c->uid;
	f->gid = c->gid;
	f->opener = procfs_tgid_of(c->pid);
	if (f->opener <= 0)
		f->opener = c->pid;
	f->client = f->opener;
	if (g_opts.trace || g_opts.faults) {
		/* Each client's trace in its own file, its own fault counters. */
		char path[4096] = "";
		int err;

		if (g_opts.trace)
			snprintf(path, sizeof path, "%s.%d", g_opts.trace, (int)f->opener);
		f->obj->tap = tap_new(g_opts.trace ? path : NULL, g_opts.trace_filter, NULL,
				      g_opts.faults, &err);
		if (err)
			mshvd_log(MSHVD_LOG_ERR, "pid %d: no trace (%s): %s", (int)f->opener, path,
				  strerror(-err));
	}
	pthread_mutex_lock(&g_fh_mu);
	for (bool dup = true; dup;) {
		f->handle = new_handle();
		dup = false;
		for (struct fh *o = g_fh_list; o; o = o->next)
			dup |= o->handle == f->handle;
	}
	f->next = g_fh_list;
	g_fh_list = f;
	pthread_mutex_unlock(&g_fh_mu);
	atomic_fetch_add(&mshvd_st_opens, 1);
	fi->fh = (uint64_t)(uintptr_t)f;
	fi->nonseekable = 1;
	mshvd_log(MSHVD_LOG_DEBUG, "open by pid %d uid %u", (int)f->opener, (unsigned)f->uid);
	fuse_reply_open(req, fi);
}

static void op_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct fh *f = (struct fh *)(uintptr_t)fi->fh;

	pthread_mutex_lock(&g_fh_mu);
	for (struct fh **pp = &g_fh_list; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	pthread_mutex_unlock(&g_fh_mu);
	mshvd_log(MSHVD_LOG_DEBUG, "release of a %s open of client %d", kind_name(fh_kind(f)),
		  (int)f->client);
	fh_put(f);
	fuse_reply_err(req, 0);
}

/* Would this MSHV_CREATE_DEVICE make a device (and so need a new fd)? If
 * not, the decoder answers it here (EFAULT, ENODEV, or 0 for the TEST flag). */
static bool device_creates(uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_create_device a;

	return !ua->read(ua->ctx, &a, arg, sizeof a) && a.type < MSHV_DEV_TYPE_MAX &&
	       !(a.flags & MSHV_CREATE_DEVICE_TEST);
}

static void op_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		     unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct fh *f = (struct fh *)(uintptr_t)fi->fh;
	const struct fuse_ctx *c = fuse_req_ctx(req);
	unsigned request = (unsigned)cmd;	/* MSHV_ROOT_HVCALL is negative as int */
	uint64_t uarg = (uint64_t)(uintptr_t)arg;
	struct mshv_obj *created = NULL;
	struct mshv_uaccess ua;
	struct ua_ctx u;
	long rc;

	(void)in_buf, (void)in_bufsz, (void)out_bufsz;
	if (flags & FUSE_IOCTL_COMPAT) {	/* 32-bit callers: mshv has no compat ioctls */
		fuse_reply_err(req, ENOTTY);
		return;
	}
	mshvd_ua_init(&ua, &u, c->pid);
	switch (request) {
	case MSHVD_IOC_WHOAMI:
		mshvd_reply(req, do_whoami(f, uarg, &ua));
		return;
	case MSHVD_IOC_BIND:
		mshvd_reply(req, do_bind(f, uarg, &ua, c));
		return;
	case MSHVD_IOC_WATCH_WRITES:
		mshvd_reply(req, do_watch(f, uarg, &ua));
		return;
	}
	f->used = true;
	switch (fh_kind(f)) {
	case MSHVD_KIND_DEVICE:
		if (request == MSHV_CREATE_PARTITION)
			goto needs_launcher;
		break;
	case MSHVD_KIND_PARTITION:
		if (request == MSHV_CREATE_VP ||
		    (request == MSHV_CREATE_DEVICE && device_creates(uarg, &ua)))
			goto needs_launcher;
		if (request == MSHV_SET_GUEST_MEMORY) {
			mshvd_reply(req, mshvd_set_guest_memory(f, uarg, &ua, &u));
			return;
		}
		break;
	case MSHVD_KIND_VP:
		if (request == MSHV_RUN_VP) {
			mshvd_run_async(req, f, uarg, c->pid);
			return;
		}
		break;
	case MSHVD_KIND_VFIO:
		break;
	}
	rc = mshv_dev_ioctl(f->obj, request, uarg, &ua, NULL, &created);
	if (created) {			/* cannot happen: creates are handled above */
		mshv_obj_put(created);
		rc = -EIO;
	}
	mshvd_reply(req, rc);
	return;

needs_launcher:
	if (!f->warned_create) {
		static struct mshvd_ratelimit rl;	/* once per open, many opens */

		f->warned_create = true;
		mshvd_log_limited(&rl, MSHVD_LOG_WARN, "pid %d: %s over CUSE needs a new file "
				  "descriptor, which only the launcher can install: start the VMM "
				  "with 'mshv-emu run --cuse -- VMM ARGS'", (int)f->client,
				  request == MSHV_CREATE_VP ? "MSHV_CREATE_VP" :
				  request == MSHV_CREATE_DEVICE ? "MSHV_CREATE_DEVICE" :
				  "MSHV_CREATE_PARTITION");
	}
	fuse_reply_err(req, EOPNOTSUPP);
}

static const struct cuse_lowlevel_ops g_ops = {
	.init_done = op_init_done,
	.open = op_open,
	.release = op_release,
	.ioctl = op_ioctl,
};

const struct cuse_lowlevel_ops *mshvd_ops(void)
{
	return &g_ops;
}

void mshvd_cuse_info(struct cuse_info *ci)
{
	snprintf(g_devinfo, sizeof g_devinfo, "DEVNAME=%s", g_opts.name);
	memset(ci, 0, sizeof *ci);
	ci->dev_major = g_opts.major;
	ci->dev_minor = g_opts.minor;
	ci->dev_info_argc = 1;
	ci->dev_info_argv = g_devinfo_argv;
	ci->flags = CUSE_UNRESTRICTED_IOCTL;
}

/* A peer that plays the kernel's part sends one FUSE message per
 * SOCK_SEQPACKET packet; its hang-up ends the session loop. */
static ssize_t sock_read(int fd, void *buf, size_t len, void *ud)
{
	(void)ud;
	ssize_t n = recv(fd, buf, len, 0);

	if (n == 0) {
		errno = ENODEV;
		return -1;
	}
	return n;
}

static ssize_t sock_writev(int fd, struct iovec *iov, int cnt, void *ud)
{
	(void)ud;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };

	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

struct fuse_session *mshvd_socket_session(int fd)
{
	char *argv0 = "mshv-emud";
	struct fuse_args args = FUSE_ARGS_INIT(1, &argv0);
	const struct fuse_custom_io io = { .writev = sock_writev, .read = sock_read };
	struct cuse_info ci;

	mshvd_cuse_info(&ci);
	struct fuse_session *se = cuse_lowlevel_new(&args, &ci, mshvd_ops(), NULL);
	fuse_opt_free_args(&args); /* the session keeps what it needs */
	if (se && fuse_session_custom_io(se, &io, fd)) {
		fuse_session_destroy(se);
		se = NULL;
	}
	return se;
}

void mshvd_set_opts(const struct mshvd_opts *o)
{
	g_opts = *o;
	if (!g_opts.name)
		g_opts.name = "mshv";
}

void mshvd_set_log_level(int level)
{
	g_opts.log_level = level;
}

int mshvd_init(const struct mshvd_opts *o)
{
	static const struct mshvd_limits defaults = MSHVD_LIMITS_DEFAULT;

	if (o)
		mshvd_set_opts(o);
	mshvd_quota_set(g_opts.limits ? g_opts.limits : &defaults);
	mshvd_map_init();
	int r = mshvd_guard_install();
	if (r < 0) {
		mshvd_log(MSHVD_LOG_ERR, "cannot install the SIGBUS handler: %s", strerror(-r));
		return r;
	}
	r = emu_init();
	if (r < 0) {
		mshvd_log(MSHVD_LOG_ERR, "cannot start the hypervisor core: %s", strerror(-r));
		return r;
	}
	return mshvd_kicker_start();
}
