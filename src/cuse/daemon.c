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
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"
#include "mshvd_proto.h"
#include "../mshv_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <sys/syscall.h>
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

static atomic_long st_opens, st_partitions, st_regions, st_workers;

void mshvd_get_stats(struct mshvd_stats *s)
{
	s->opens = atomic_load(&st_opens);
	s->partitions = atomic_load(&st_partitions);
	s->regions = atomic_load(&st_regions);
	s->workers = atomic_load(&st_workers);
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

/* ---- caller identity ---- */

static pid_t tgid_of(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	if (tid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}

static uint64_t new_handle(void)
{
	uint64_t h = 0;

	while (!h)
		if (getrandom(&h, sizeof h, 0) != (ssize_t)sizeof h)
			h = 0;
	return h;
}

/* ---- per-partition face record ---- */

struct greg {			/* one MSHV_SET_GUEST_MEMORY region */
	uint64_t gfn, size, uaddr;
	void *base;		/* the daemon's mapping of the VMM's pages */
	struct greg *next;
};

struct ptrec {
	atomic_int refs;
	pthread_mutex_t mu;
	struct greg *regions;
};

static struct ptrec *ptrec_new(void)
{
	struct ptrec *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	pthread_mutex_init(&p->mu, NULL);
	atomic_fetch_add(&st_partitions, 1);
	return p;
}

static struct ptrec *ptrec_get(struct ptrec *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

/* The last reference goes after the last mshv_obj of the partition, i.e.
 * after the core destroyed it: the guest RAM mappings can go now. */
static void ptrec_put(struct ptrec *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	for (struct greg *g = p->regions, *n; g; g = n) {
		n = g->next;
		munmap(g->base, g->size);
		atomic_fetch_sub(&st_regions, 1);
		free(g);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
	atomic_fetch_sub(&st_partitions, 1);
}

/* ---- opens ---- */

struct vpw;

struct fh {
	atomic_int refs;
	struct mshv_obj *obj;
	struct ptrec *pr;	/* partition and VP opens */
	struct vpw *w;		/* VP opens: RUN_VP worker, made on demand */
	uint64_t handle;
	uid_t uid;		/* opener */
	gid_t gid;
	pid_t opener;		/* tgid of the opener */
	pid_t client;		/* tgid of the VMM the object belongs to */
	bool used;		/* an mshv ioctl or a BIND happened on it */
	bool warned_create;
	struct fh *next;
};

static pthread_mutex_t g_fh_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fh *g_fh_list;

static void vpw_stop(struct vpw *w);

static void fh_put(struct fh *f)
{
	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->w)
		vpw_stop(f->w);
	mshv_obj_put(f->obj);
	ptrec_put(f->pr);
	free(f);
	atomic_fetch_sub(&st_opens, 1);
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
	default: return MSHVD_KIND_DEVICE;
	}
}

static const char *kind_name(enum mshvd_kind k)
{
	return k == MSHVD_KIND_PARTITION ? "partition" : k == MSHVD_KIND_VP ? "vp" : "device";
}

/* ---- the caller's memory ---- */

struct pending_map {
	void *base;
	uint64_t size;
};

struct ua_ctx {
	pid_t tid;			/* calling thread (FUSE request pid) */
	struct pending_map *pm;		/* map_guest result, for the caller */
	const void *patch;		/* replaces one read of the arg struct */
	uint64_t patch_addr;
	size_t patch_len;
};

static void pvm_error(int err, pid_t tid)
{
	static atomic_bool once;

	if (!atomic_exchange(&once, true))
		mshvd_log(MSHVD_LOG_ERR,
			  "cannot access the memory of caller %d: %s (mshv-emud needs to run as root, "
			  "or with CAP_SYS_PTRACE, in the callers' pid namespace)",
			  (int)tid, strerror(err));
}

static int ua_read(void *c, void *dst, uint64_t uaddr, size_t n)
{
	struct ua_ctx *u = c;

	if (!n)
		return 0;
	if (u->patch && uaddr == u->patch_addr && n == u->patch_len) {
		memcpy(dst, u->patch, n);
		return 0;
	}
	if (u->tid <= 0) {
		pvm_error(ESRCH, u->tid);
		return -EFAULT;
	}
	struct iovec l = { dst, n }, r = { (void *)(uintptr_t)uaddr, n };
	ssize_t k = process_vm_readv(u->tid, &l, 1, &r, 1, 0);
	if (k == (ssize_t)n)
		return 0;
	if (k < 0 && errno != EFAULT)
		pvm_error(errno, u->tid);
	return -EFAULT;
}

static int ua_write(void *c, uint64_t uaddr, const void *src, size_t n)
{
	struct ua_ctx *u = c;

	if (!n)
		return 0;
	if (u->tid <= 0) {
		pvm_error(ESRCH, u->tid);
		return -EFAULT;
	}
	struct iovec l = { (void *)src, n }, r = { (void *)(uintptr_t)uaddr, n };
	ssize_t k = process_vm_writev(u->tid, &l, 1, &r, 1, 0);
	if (k == (ssize_t)n)
		return 0;
	if (k < 0 && errno != EFAULT)
		pvm_error(errno, u->tid);
	return -EFAULT;
}

struct piece {
	uint64_t vstart, vend, start, end, off;
};

static void private_memory_hint(pid_t tgid, uint64_t uaddr, uint64_t size)
{
	mshvd_log(MSHVD_LOG_WARN,
		  "pid %d: guest memory %#" PRIx64 "+%#" PRIx64 " is a private mapping and cannot be "
		  "shared with mshv-emud (EOPNOTSUPP); back guest RAM with shared memory: QEMU "
		  "-object memory-backend-memfd,share=on, Cloud Hypervisor --memory shared=on, or "
		  "mmap(MAP_SHARED) of a memfd, /dev/shm file or anonymous memory",
		  (int)tgid, uaddr, size);
}

/* Collects the vmas of tgid covering [uaddr, uaddr + size). 0 or -errno. */
static int find_pieces(pid_t tgid, uint64_t uaddr, uint64_t size, struct piece **out, size_t *np)
{
	char path[64], line[512];
	uint64_t cur = uaddr, end = uaddr + size;
	struct piece *p = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)tgid);
	f = fopen(path, "re");
	if (!f)
		return -EFAULT;
	while (cur < end && fgets(line, sizeof line, f)) {
		unsigned long vs, ve, off;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx", &vs, &ve, perms, &off) != 4)
			continue;
		if (ve <= cur)
			continue;
		if (vs > cur) {
			rc = -EFAULT;	/* a hole in the range */
			break;
		}
		if (perms[3] != 's') {
			private_memory_hint(tgid, uaddr, size);
			rc = -EOPNOTSUPP;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 4;
			struct piece *q = realloc(p, nc * sizeof *q);
			if (!q) {
				rc = -ENOMEM;
				break;
			}
			p = q, cap = nc;
		}
		uint64_t pe = ve < end ? ve : end;
		p[n++] = (struct piece){ .vstart = vs, .vend = ve, .start = cur, .end = pe,
					  .off = off + (cur - vs) };
		cur = pe;
	}
	fclose(f);
	if (!rc && cur < end)
		rc = -EFAULT;
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	*np = n;
	return 0;
}

/*
 * Maps the VMM's guest RAM into the daemon, zero-copy: every vma of the
 * range is opened through /proc/TGID/map_files (the backing file: memfd,
 * /dev/shm, shared anonymous, hugetlbfs) and mapped MAP_SHARED at the same
 * relative place inside one reservation.
 */
static void *ua_map_guest(void *c, uint64_t uaddr, uint64_t size, int *err)
{
	struct ua_ctx *u = c;
	pid_t tgid = tgid_of(u->tid);
	struct piece *p;
	size_t n;
	int rc;

	if (tgid <= 0) {
		*err = -EFAULT;
		return NULL;
	}
	rc = find_pieces(tgid, uaddr, size, &p, &n);
	if (rc) {
		*err = rc;
		return NULL;
	}
	uint8_t *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		free(p);
		*err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char path[96];
		int prot = PROT_READ | PROT_WRITE;

		snprintf(path, sizeof path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)tgid,
			 p[i].vstart, p[i].vend);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EROFS)) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			prot = PROT_READ;
		}
		if (fd < 0) {
			rc = -errno;
			mshvd_log(MSHVD_LOG_ERR, "pid %d: cannot open %s: %s (mapping guest RAM needs "
				  "CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the initial user namespace)",
				  (int)tgid, path, strerror(errno));
			if (rc == -EPERM || rc == -EACCES || rc == -ENOENT)
				rc = rc == -ENOENT ? -EFAULT : -EPERM;
			goto fail;
		}
		void *m = mmap(base + (p[i].start - uaddr), p[i].end - p[i].start, prot,
			       MAP_SHARED | MAP_FIXED, fd, (off_t)p[i].off);
		if (m == MAP_FAILED && prot != PROT_READ && (errno == EACCES || errno == EPERM))
			m = mmap(base + (p[i].start - uaddr), p[i].end - p[i].start, PROT_READ,
				 MAP_SHARED | MAP_FIXED, fd, (off_t)p[i].off);
		if (m == MAP_FAILED) {
			rc = -errno;
			mshvd_log(MSHVD_LOG_ERR, "pid %d: cannot map guest RAM %#" PRIx64 "+%#" PRIx64
				  ": %s", (int)tgid, p[i].start, p[i].end - p[i].start, strerror(errno));
			close(fd);
			goto fail;
		}
		close(fd);
	}
	free(p);
	if (u->pm) {
		u->pm->base = base;
		u->pm->size = size;
	}
	return base;
fail:
	free(p);
	munmap(base, size);
	*err = rc;
	return NULL;
}

/* The caller's eventfds (irqfd/ioeventfd) are fetched with pidfd_getfd. */
static int ua_get_fd(void *c, int fd)
{
	struct ua_ctx *u = c;
	pid_t tgid = tgid_of(u->tid);
	if (tgid <= 0)
		return -ESRCH;
	int pfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pfd < 0)
		return -errno;
	int l = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	int err = errno;
	close(pfd);
	if (l < 0)
		return err == EBADF ? -EBADF : -err;
	return l;
}

static void ua_init(struct mshv_uaccess *ua, struct ua_ctx *u, pid_t tid)
{
	memset(u, 0, sizeof *u);
	u->tid = tid;
	ua->read = ua_read;
	ua->write = ua_write;
	ua->map_guest = ua_map_guest;
	ua->get_fd = ua_get_fd;
	ua->ctx = u;
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

static void reply(fuse_req_t req, long rc)
{
	if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	else
		fuse_reply_ioctl(req, (int)rc, NULL, 0);
}

/* ---- RUN_VP workers ---- */

struct runreq {
	fuse_req_t req;
	uint64_t arg;
	pid_t tid;
	bool intr;
	struct runreq *next;
};

struct vpw {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct runreq *head, **tail;
	struct runreq *cur;
	bool quit;
	struct mshv_obj *obj;	/* own reference */
	struct ptrec *pr;	/* own reference */
	struct vpw *gnext;	/* kicker list */
};

static pthread_mutex_t g_kick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_kick_cv = PTHREAD_COND_INITIALIZER;
static struct vpw *g_workers;
static int g_kick_pending;

static void *kicker_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&g_kick_mu);
	for (;;) {
		while (!g_kick_pending)
			pthread_cond_wait(&g_kick_cv, &g_kick_mu);
		bool still = false;
		for (struct vpw *w = g_workers; w; w = w->gnext) {
			pthread_mutex_lock(&w->mu);
			if (w->cur && w->cur->intr) {
				emu_vp_kick(w->obj->vp);
				still = true;
			}
			pthread_mutex_unlock(&w->mu);
		}
		if (!still) {
			g_kick_pending = 0;
			continue;
		}
		pthread_mutex_unlock(&g_kick_mu);
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
		pthread_mutex_lock(&g_kick_mu);
	}
	return NULL;
}

/* FUSE_INTERRUPT for a RUN_VP (dispatch thread, under the request's lock). */
static void run_interrupt(fuse_req_t req, void *data)
{
	struct vpw *w = data;
	bool running = false;

	pthread_mutex_lock(&w->mu);
	if (w->cur && w->cur->req == req) {
		w->cur->intr = true;
		emu_vp_kick(w->obj->vp);
		running = true;
	} else {
		for (struct runreq *r = w->head; r; r = r->next)
			if (r->req == req)
				r->intr = true;
	}
	pthread_mutex_unlock(&w->mu);
	if (running) {
		pthread_mutex_lock(&g_kick_mu);
		g_kick_pending = 1;
		pthread_cond_signal(&g_kick_cv);
		pthread_mutex_unlock(&g_kick_mu);
	}
}

static void *vpw_main(void *arg)
{
	struct vpw *w = arg;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		struct runreq *r = w->head;
		if (!r) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		w->head = r->next;
		if (!w->head)
			w->tail = &w->head;
		if (r->intr) {
			pthread_mutex_unlock(&w->mu);
			fuse_reply_err(r->req, EINTR);
			free(r);
			continue;
		}
		w->cur = r;
		pthread_mutex_unlock(&w->mu);

		struct mshv_uaccess ua;
		struct ua_ctx u;
		struct mshv_obj *created = NULL;
		ua_init(&ua, &u, r->tid);
		long rc = mshv_dev_ioctl(w->obj, MSHV_RUN_VP, r->arg, &ua, NULL, &created);

		pthread_mutex_lock(&w->mu);
		w->cur = NULL;
		pthread_mutex_unlock(&w->mu);
		reply(r->req, rc);
		free(r);
	}
	pthread_mutex_lock(&g_kick_mu);
	for (struct vpw **pp = &g_workers; *pp; pp = &(*pp)->gnext)
		if (*pp == w) {
			*pp = w->gnext;
			break;
		}
	pthread_mutex_unlock(&g_kick_mu);
	mshv_obj_put(w->obj);
	ptrec_put(w->pr);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	atomic_fetch_sub(&st_workers, 1);
	return NULL;
}

static struct vpw *vpw_new(struct fh *f)
{
	struct vpw *w = calloc(1, sizeof *w);
	pthread_attr_t at;
	pthread_t th;

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->tail = &w->head;
	mshv_obj_get(f->obj);
	w->obj = f->obj;
	w->pr = ptrec_get(f->pr);
	pthread_mutex_lock(&g_kick_mu);
	w->gnext = g_workers;
	g_workers = w;
	pthread_mutex_unlock(&g_kick_mu);
	atomic_fetch_add(&st_workers, 1);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, vpw_main, w)) {
		pthread_attr_destroy(&at);
		w->quit = true;
		vpw_main(w);	/* unlinks and frees */
		return NULL;
	}
	pthread_attr_destroy(&at);
	return w;
}

/* The open is gone (no request can be in flight): the worker exits. */
static void vpw_stop(struct vpw *w)
{
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void run_async(fuse_req_t req, struct fh *f, uint64_t arg, pid_t tid)
{
	struct runreq *r;

	if (!f->w && !(f->w = vpw_new(f))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->req = req;
	r->arg = arg;
	r->tid = tid;
	/* Before queueing: once queued, the worker may answer (and free req)
	 * at any time. An interrupt that came first shows here. */
	fuse_req_interrupt_func(req, run_interrupt, f->w);
	if (fuse_req_interrupted(req)) {
		free(r);
		fuse_reply_err(req, EINTR);
		return;
	}
	pthread_mutex_lock(&f->w->mu);
	*f->w->tail = r;
	f->w->tail = &r->next;
	pthread_cond_signal(&f->w->cv);
	pthread_mutex_unlock(&f->w->mu);
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
	else if (b.request == (uint32_t)MSHV_CREATE_VP)
		want = MSHVD_KIND_PARTITION;
	else
		return -EINVAL;
	if (f->used || fh_kind(f) != MSHVD_KIND_DEVICE)
		return -EBUSY;

	struct fh *p = fh_lookup(b.parent_handle);
	if (!p || p == f || fh_kind(p) != want ||
	    (c->uid != 0 && c->uid != p->uid) || (f->uid != 0 && f->uid != p->uid)) {
		mshvd_log(MSHVD_LOG_WARN, "BIND refused: pid %d uid %u, handle %s", (int)c->pid,
			  (unsigned)c->uid, !p ? "unknown" : p == f || fh_kind(p) != want ?
			  "of the wrong kind" : "owned by another user");
		if (p)
			fh_put(p);
		return -EPERM;
	}

	struct buf_ctx bc = { b.arg, b.arg_size };
	struct mshv_uaccess bua = { .read = buf_read, .write = buf_write, .ctx = &bc };
	struct mshv_obj *created = NULL;
	struct ptrec *pr = NULL;

	if (want == MSHVD_KIND_DEVICE && !(pr = ptrec_new())) {
		fh_put(p);
		return -ENOMEM;
	}
	rc = mshv_dev_ioctl(p->obj, b.request, 0, &bua, NULL, &created);
	if (rc >= 0 && !created)
		rc = -EIO;
	if (rc < 0) {
		if (created)
			mshv_obj_put(created);
		ptrec_put(pr);
		fh_put(p);
		return rc;
	}
	if (!pr)
		pr = ptrec_get(p->pr);
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

/* ---- MSHV_SET_GUEST_MEMORY: map and unmap the daemon's view too ---- */

static long set_guest_memory(struct fh *f, uint64_t arg, struct mshv_uaccess *ua, struct ua_ctx *u)
{
	struct mshv_user_mem_region r, patched;
	struct pending_map pm = { 0 };
	struct greg *g = NULL;
	struct mshv_obj *created = NULL;
	bool unmap = false;
	long rc;

	u->pm = &pm;
	if (ua_read(u, &r, arg, sizeof r) == 0 && (r.flags & (1u << MSHV_SET_MEM_BIT_UNMAP))) {
		/* The core knows the region by the daemon's address. */
		unmap = true;
		pthread_mutex_lock(&f->pr->mu);
		for (g = f->pr->regions; g; g = g->next)
			if (g->gfn == r.guest_pfn && g->size == r.size && g->uaddr == r.userspace_addr)
				break;
		pthread_mutex_unlock(&f->pr->mu);
		patched = r;
		if (g)
			patched.userspace_addr = (uintptr_t)g->base;
		else if (!(r.userspace_addr & 4095))
			patched.userspace_addr = 0;	/* matches no region */
		u->patch = &patched;
		u->patch_addr = arg;
		u->patch_len = sizeof patched;
	}
	rc = mshv_dev_ioctl(f->obj, MSHV_SET_GUEST_MEMORY, arg, ua, NULL, &created);
	if (pm.base) {
		struct greg *n = rc == 0 ? calloc(1, sizeof *n) : NULL;

		if (rc == 0 && !n) {
			/* Cannot track it: undo. */
			emu_unmap_gpa(f->obj->pt, r.guest_pfn, pm.size, pm.base);
			rc = -ENOMEM;
		}
		if (rc) {
			munmap(pm.base, pm.size);
		} else {
			*n = (struct greg){ .gfn = r.guest_pfn, .size = pm.size,
					    .uaddr = r.userspace_addr, .base = pm.base };
			pthread_mutex_lock(&f->pr->mu);
			n->next = f->pr->regions;
			f->pr->regions = n;
			pthread_mutex_unlock(&f->pr->mu);
			atomic_fetch_add(&st_regions, 1);
		}
	}
	if (unmap && g && rc == 0) {
		pthread_mutex_lock(&f->pr->mu);
		for (struct greg **pp = &f->pr->regions; *pp; pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				break;
			}
		pthread_mutex_unlock(&f->pr->mu);
		munmap(g->base, g->size);
		free(g);
		atomic_fetch_sub(&st_regions, 1);
	}
	return rc;
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
	struct fh *f = calloc(1, sizeof *f);

	if (!f || !(f->obj = mshv_obj_new_device())) {
		free(f);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	atomic_init(&f->refs, 1);
	f->uid = c->uid;
	f->gid = c->gid;
	f->opener = tgid_of(c->pid);
	if (f->opener <= 0)
		f->opener = c->pid;
	f->client = f->opener;
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
	atomic_fetch_add(&st_opens, 1);
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
	ua_init(&ua, &u, c->pid);
	switch (request) {
	case MSHVD_IOC_WHOAMI:
		reply(req, do_whoami(f, uarg, &ua));
		return;
	case MSHVD_IOC_BIND:
		reply(req, do_bind(f, uarg, &ua, c));
		return;
	}
	f->used = true;
	switch (fh_kind(f)) {
	case MSHVD_KIND_DEVICE:
		if (request == MSHV_CREATE_PARTITION)
			goto needs_launcher;
		break;
	case MSHVD_KIND_PARTITION:
		if (request == MSHV_CREATE_VP)
			goto needs_launcher;
		if (request == MSHV_SET_GUEST_MEMORY) {
			reply(req, set_guest_memory(f, uarg, &ua, &u));
			return;
		}
		break;
	case MSHVD_KIND_VP:
		if (request == MSHV_RUN_VP) {
			run_async(req, f, uarg, c->pid);
			return;
		}
		break;
	}
	rc = mshv_dev_ioctl(f->obj, request, uarg, &ua, NULL, &created);
	if (created) {			/* cannot happen: creates are handled above */
		mshv_obj_put(created);
		rc = -EIO;
	}
	reply(req, rc);
	return;

needs_launcher:
	if (!f->warned_create) {
		f->warned_create = true;
		mshvd_log(MSHVD_LOG_WARN, "pid %d: %s over CUSE needs a new file descriptor, which only "
			  "the launcher can install: start the VMM with 'mshv-emu run --cuse -- VMM ARGS'",
			  (int)f->client, request == MSHV_CREATE_VP ? "MSHV_CREATE_VP" :
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

static int g_kicker_rc;

static void start_kicker(void)
{
	pthread_attr_t at;
	pthread_t th;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	g_kicker_rc = -pthread_create(&th, &at, kicker_main, NULL);
	pthread_attr_destroy(&at);
}

void mshvd_set_opts(const struct mshvd_opts *o)
{
	g_opts = *o;
	if (!g_opts.name)
		g_opts.name = "mshv";
}

int mshvd_init(const struct mshvd_opts *o)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (o)
		mshvd_set_opts(o);
	int r = emu_init();
	if (r < 0) {
		mshvd_log(MSHVD_LOG_ERR, "cannot start the hypervisor core: %s", strerror(-r));
		return r;
	}
	pthread_once(&once, start_kicker);
	return g_kicker_rc;
}
