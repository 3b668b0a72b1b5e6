/* SPDX-License-Identifier: MIT */
/* The fake kernel of the CUSE protocol tests (see fake_kernel.h). */
#define _GNU_SOURCE
#include <config.h>

#include "fake_kernel.h"

#include <errno.h>
#include <linux/fuse.h>
#include <linux/mshv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int failures;

/* ---- the daemon side ---- */

static void *loop_main(void *se)
{
	fuse_session_loop(se);
	return NULL;
}

/* ---- the fake kernel ---- */

static int kfd;
static uint64_t next_unique = 2;	/* even: bit 0 marks interrupts */

#define STASH 8
static struct reply stash[STASH];
static bool stash_used[STASH];

uint64_t send_req(uint32_t opcode, uint64_t unique, pid_t pid, uid_t uid,
			 const void *body, size_t blen, const void *extra, size_t elen)
{
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof h + blen + elen), .opcode = opcode,
		.unique = unique ? unique : (next_unique += 2), .nodeid = 0,
		.uid = uid, .gid = uid, .pid = (uint32_t)pid,
	};
	struct iovec iov[3] = { { &h, sizeof h }, { (void *)body, blen }, { (void *)extra, elen } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };

	if (sendmsg(kfd, &m, MSG_NOSIGNAL) != (ssize_t)h.len) {
		perror("fake kernel: sendmsg");
		exit(1);
	}
	return h.unique;
}

int wait_reply(uint64_t unique, struct reply *out, int ms)
{
	for (int i = 0; i < STASH; i++)
		if (stash_used[i] && stash[i].unique == unique) {
			*out = stash[i];
			stash_used[i] = false;
			return 0;
		}
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	setsockopt(kfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		uint8_t buf[sizeof(struct fuse_out_header) + 8192];
		ssize_t n = recv(kfd, buf, sizeof buf, 0);
		if (n < (ssize_t)sizeof(struct fuse_out_header))
			return -1;
		struct fuse_out_header *oh = (void *)buf;
		struct reply r = { .unique = oh->unique, .error = oh->error,
				   .len = (size_t)n - sizeof *oh };
		memcpy(r.data, buf + sizeof *oh, r.len);
		if (r.unique == unique) {
			*out = r;
			return 0;
		}
		for (int i = 0; i < STASH; i++)
			if (!stash_used[i]) {
				stash[i] = r;
				stash_used[i] = true;
				break;
			}
	}
}

pid_t me;

int64_t try_open(pid_t pid, uid_t uid)
{
	struct fuse_open_in in = { .flags = 02 /* O_RDWR */ };
	struct reply r;
	uint64_t u = send_req(FUSE_OPEN, 0, pid, uid, &in, sizeof in, NULL, 0);

	if (wait_reply(u, &r, 2000)) {
		printf("FAIL - OPEN: no reply\n");
		exit(1);
	}
	if (r.error)
		return r.error;
	return (int64_t)((struct fuse_open_out *)r.data)->fh;
}

uint64_t do_open(pid_t pid, uid_t uid)
{
	int64_t fh = try_open(pid, uid);

	if (fh < 0) {
		printf("FAIL - OPEN: error %d\n", (int)fh);
		exit(1);
	}
	return (uint64_t)fh;
}

uint64_t ioctl_send(uint64_t fh, unsigned cmd, const void *arg, pid_t pid, uid_t uid)
{
	struct fuse_ioctl_in in = { .fh = fh, .flags = FUSE_IOCTL_UNRESTRICTED, .cmd = cmd,
				    .arg = (uint64_t)(uintptr_t)arg };
	return send_req(FUSE_IOCTL, 0, pid, uid, &in, sizeof in, NULL, 0);
}

/* Returns the ioctl result, or -errno. */
long ioctl_wait(uint64_t u, int ms)
{
	struct reply r;

	if (wait_reply(u, &r, ms))
		return -ETIMEDOUT;
	if (r.error)
		return r.error;
	const struct fuse_ioctl_out *o = (const void *)r.data;
	if (o->flags & FUSE_IOCTL_RETRY)
		return -EPROTO;		/* the daemon never asks to retry */
	return o->result;
}

long do_ioctl_as(uint64_t fh, unsigned cmd, const void *arg, pid_t pid, uid_t uid)
{
	return ioctl_wait(ioctl_send(fh, cmd, arg, pid, uid), 5000);
}

long do_ioctl(uint64_t fh, unsigned cmd, const void *arg)
{
	return do_ioctl_as(fh, cmd, arg, me, 1000);
}

void do_release(uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	struct reply r;
	/* The kernel sends RELEASE without credentials. */
	uint64_t u = send_req(FUSE_RELEASE, 0, 0, 0, &in, sizeof in, NULL, 0);

	if (wait_reply(u, &r, 2000) || r.error)
		printf("FAIL - RELEASE: error %d\n", r.error), failures++;
}

long bind_as(uint64_t fh, uint64_t parent, unsigned request, const void *arg,
		    size_t len, pid_t pid, uid_t uid)
{
	static struct mshvd_bind b;

	memset(&b, 0, sizeof b);
	b.parent_handle = parent;
	b.request = request;
	b.arg_size = (uint32_t)len;
	b.caller_pid = (uint32_t)me;
	memcpy(b.arg, arg, len);
	return do_ioctl_as(fh, MSHVD_IOC_BIND, &b, pid, uid);
}

uint64_t whoami(uint64_t fh, uint32_t *kind)
{
	struct mshvd_whoami w;

	memset(&w, 0xff, sizeof w);
	if (do_ioctl(fh, MSHVD_IOC_WHOAMI, &w))
		return 0;
	*kind = w.kind;
	return w.handle;
}

int wait_stats(long opens, long partitions, long regions, long workers)
{
	struct mshvd_stats s;

	for (int i = 0; i < 200; i++) {
		mshvd_get_stats(&s);
		if (s.opens == opens && s.partitions == partitions && s.regions == regions &&
		    s.workers == workers)
			return 0;
		usleep(10000);
	}
	printf("# stats: opens %ld partitions %ld regions %ld workers %ld\n", s.opens,
	       s.partitions, s.regions, s.workers);
	return -1;
}

long set_mem(uint64_t fh, uint64_t gpa, uint64_t size, void *host, unsigned flags)
{
	static struct mshv_user_mem_region r;

	memset(&r, 0, sizeof r);
	r.guest_pfn = gpa >> 12;
	r.size = size;
	r.userspace_addr = (uintptr_t)host;
	r.flags = (uint8_t)flags;
	return do_ioctl(fh, MSHV_SET_GUEST_MEMORY, &r);
}


int fk_vm_create(struct fk_vm *vm, uid_t uid)
{
	struct mshv_create_partition cp = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	struct mshv_create_vp cv = { .vp_index = 0 };
	uint32_t kind;
	long rc;

	vm->dev = do_open(me, uid);
	vm->pt = do_open(me, uid);
	vm->vp = do_open(me, uid);
	rc = bind_as(vm->pt, whoami(vm->dev, &kind), MSHV_CREATE_PARTITION, &cp, sizeof cp, me, uid);
	if (rc)
		return (int)rc;
	return (int)bind_as(vm->vp, whoami(vm->pt, &kind), MSHV_CREATE_VP, &cv, sizeof cv, me, uid);
}

void fk_vm_release(const struct fk_vm *vm)
{
	do_release(vm->vp);
	do_release(vm->pt);
	do_release(vm->dev);
}

struct reply fk_init_reply;
static struct fuse_session *g_se;
static pthread_t g_loop;

int fk_start(const struct mshvd_opts *o)
{
	int sv[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	me = getpid();
	if (mshvd_init(o) < 0) {
		printf("SKIP - the core cannot start here\n");
		return 77;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		perror("socketpair");
		exit(1);
	}
	kfd = sv[0];
	g_se = mshvd_socket_session(sv[1]);
	if (!g_se) {
		printf("FAIL - cannot create the CUSE session\n");
		exit(1);
	}
	pthread_create(&g_loop, NULL, loop_main, g_se);
	/* CUSE_INIT, as the kernel sends first: unrestricted ioctls. */
	struct cuse_init_in in = { .major = 7, .minor = 31, .flags = CUSE_UNRESTRICTED_IOCTL };
	uint64_t u = send_req(CUSE_INIT, 0, 0, 0, &in, sizeof in, NULL, 0);
	if (wait_reply(u, &fk_init_reply, 2000)) {
		printf("FAIL - no CUSE_INIT reply\n");
		exit(1);
	}
	return 0;
}

void fk_stop(void)
{
	close(kfd);
	pthread_join(g_loop, NULL);
	fuse_session_destroy(g_se);
}
