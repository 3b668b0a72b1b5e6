/* SPDX-License-Identifier: MIT */
/*
 * The CUSE face without a kernel CUSE driver, for the conformance suite
 * (docs/cuse.md "Tests"). Preloaded into a test program, it plays the
 * parts the kernel and the launcher play for "mshv-emu run --cuse":
 *   - open("/dev/mshv") sends FUSE_OPEN to a mshv-emud started for this
 *     process with --session-fd (the real daemon, in its own process) and
 *     hands out a placeholder fd;
 *   - ioctl() on it sends FUSE_IOCTL (unrestricted, as CUSE does: the
 *     daemon reaches the arguments with process_vm_readv/writev), and a
 *     signal during the wait sends FUSE_INTERRUPT, as the kernel does;
 *   - MSHV_CREATE_PARTITION/VP/DEVICE become a fresh open + MSHVD_IOC_BIND,
 *     with the create struct sized as the launcher sizes it;
 *   - mmap() of it fails with ENODEV (CUSE has no mmap), close() sends
 *     FUSE_RELEASE.
 * What it cannot show: the kernel's own CUSE code, and sharing opens with
 * forked children (a child of a test starts its own daemon).
 *
 * MSHV_EMUD names the daemon (default: mshv-emud in PATH).
 */
#define _GNU_SOURCE
#include <config.h>

#include "cuse/bind_arg.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/mshv.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef FUSE_INT_REQ_BIT /* linux/fuse.h before 7.28 */
#define FUSE_INT_REQ_BIT (1ULL << 0)
#endif

extern char **environ;

#define MAX_FDS	    4096
#define MAX_PENDING 256

struct pending {
	bool used, done, int_again;
	uint64_t unique;
	int efd;
	int32_t error;
	struct fuse_ioctl_out out;
	uint64_t fh; /* FUSE_OPEN's answer */
};

static struct {
	pthread_mutex_t mu;
	pid_t owner; /* the process the session serves */
	bool dead;   /* the daemon hung up */
	int sock;
	uint64_t next_unique;
	struct pending p[MAX_PENDING];
	uint64_t fh[MAX_FDS]; /* fh + 1 per placeholder fd, 0: not ours */
} lb = { .mu = PTHREAD_MUTEX_INITIALIZER, .sock = -1 };

/* The next definitions (the sanitizers' interceptors, libc). dlsym may
 * allocate, and an allocator may call open or mmap through us while we
 * resolve: then, and if there is no next definition, the system call. */
static __thread int resolving;

static void *next(const char *name, void **slot)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p || resolving)
		return p;
	resolving = 1;
	int saved = errno;
	p = dlsym(RTLD_NEXT, name);
	errno = saved;
	resolving = 0;
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}

#define NEXT(name) next(#name, (void **)&next_##name)
static int (*next_close)(int);
static int (*next_ioctl)(int, unsigned long, ...);
static void *(*next_mmap)(void *, size_t, int, int, int, off_t);
static int (*next_openat)(int, const char *, int, ...);

static int real_close(int fd)
{
	return NEXT(close) ? next_close(fd) : (int)syscall(SYS_close, fd);
}

static int real_ioctl(int fd, unsigned long req, void *arg)
{
	return NEXT(ioctl) ? next_ioctl(fd, req, arg) : (int)syscall(SYS_ioctl, fd, req, arg);
}

static void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return NEXT(mmap) ? next_mmap(addr, len, prot, flags, fd, off) :
			    (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return NEXT(openat) ? next_openat(dirfd, path, flags, mode) :
			      (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static void die(const char *what)
{
	fprintf(stderr, "cuse loopback: %s: %s\n", what, strerror(errno));
	abort();
}

/* ---- requests and replies ---- */

static void *receiver(void *arg)
{
	int sock = (int)(intptr_t)arg;
	uint8_t buf[sizeof(struct fuse_out_header) + 4096];

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof buf, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		const struct fuse_out_header *oh = (const void *)buf;
		uint64_t target = oh->unique & ~(uint64_t)FUSE_INT_REQ_BIT;

		pthread_mutex_lock(&lb.mu);
		for (int i = 0; i < MAX_PENDING; i++) {
			struct pending *p = &lb.p[i];
			if (!p->used || p->unique != target)
				continue;
			if (oh->unique & FUSE_INT_REQ_BIT) {
				/* libfuse had not seen the request yet: the kernel
				 * sends the interrupt again. */
				p->int_again = oh->error == -EAGAIN;
			} else {
				p->done = true;
				p->error = oh->error;
				size_t body = (size_t)n - sizeof *oh;
				if (body >= sizeof(struct fuse_open_out))
					p->fh = ((const struct fuse_open_out *)(oh + 1))->fh;
				if (body >= sizeof p->out)
					memcpy(&p->out, oh + 1, sizeof p->out);
			}
			eventfd_write(p->efd, 1);
			break;
		}
		pthread_mutex_unlock(&lb.mu);
	}
	/* The daemon is gone: what waits, and what comes, fails as with an
	 * aborted FUSE connection. */
	pthread_mutex_lock(&lb.mu);
	lb.dead = true;
	for (int i = 0; i < MAX_PENDING; i++)
		if (lb.p[i].used && !lb.p[i].done) {
			lb.p[i].done = true;
			lb.p[i].error = -ENOTCONN;
			eventfd_write(lb.p[i].efd, 1);
		}
	pthread_mutex_unlock(&lb.mu);
	return NULL;
}

static bool send_msg(uint32_t opcode, uint64_t unique, const void *body, size_t blen)
{
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof h + blen),
		.opcode = opcode,
		.unique = unique,
		.uid = getuid(),
		.gid = getgid(),
		.pid = (uint32_t)gettid(),
	};
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)body, blen } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	return sendmsg(lb.sock, &m, MSG_NOSIGNAL) == (ssize_t)h.len;
}

/* Sends one request and waits for its reply; interruptible ones turn a
 * signal into FUSE_INTERRUPT, as the kernel does for a task waiting in a
 * FUSE request. Returns the reply's error (0 or -errno). */
static int request(uint32_t opcode, const void *body, size_t blen, bool interruptible,
		   struct pending *out)
{
	struct pending *p = NULL;

	pthread_mutex_lock(&lb.mu);
	for (int i = 0; i < MAX_PENDING && !p; i++)
		if (!lb.p[i].used)
			p = &lb.p[i];
	if (!p || lb.dead) {
		pthread_mutex_unlock(&lb.mu);
		return p ? -ENOTCONN : -EAGAIN;
	}
	/* One wake-up eventfd per thread, kept: an fd made per request would
	 * take the numbers a test expects to stay closed (EBADF checks). */
	static __thread int efd = -1;
	static __thread pid_t efd_pid;
	if (efd < 0 || efd_pid != getpid()) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		efd_pid = getpid();
		if (efd < 0)
			die("eventfd");
	}
	memset(p, 0, sizeof *p);
	p->used = true;
	p->unique = lb.next_unique += 2;
	p->efd = efd;
	pthread_mutex_unlock(&lb.mu);

	if (!send_msg(opcode, p->unique, body, blen)) {
		pthread_mutex_lock(&lb.mu);
		p->used = false;
		pthread_mutex_unlock(&lb.mu);
		return -ENOTCONN; /* the daemon is gone */
	}
	bool interrupted = false;
	for (;;) {
		struct pollfd pfd = { .fd = p->efd, .events = POLLIN };
		/* poll is never restarted: it sees every signal. */
		bool signalled = poll(&pfd, 1, -1) < 0 && errno == EINTR;
		eventfd_t v;
		/* Drained before looking: a reply posted after the look leaves
		 * the count set for the next poll. */
		eventfd_read(p->efd, &v);
		pthread_mutex_lock(&lb.mu);
		bool done = p->done, again = p->int_again;
		p->int_again = false;
		pthread_mutex_unlock(&lb.mu);
		if (done)
			break;
		if (interruptible && ((signalled && !interrupted) || again)) {
			struct fuse_interrupt_in ii = { .unique = p->unique };
			interrupted = true;
			if (again)
				usleep(1000);
			send_msg(FUSE_INTERRUPT, p->unique | FUSE_INT_REQ_BIT, &ii, sizeof ii);
		}
	}
	pthread_mutex_lock(&lb.mu);
	*out = *p;
	p->used = false;
	pthread_mutex_unlock(&lb.mu);
	return out->error;
}

/* ---- the session: one daemon per process ---- */

static void start_session(void)
{
	const char *emud = getenv("MSHV_EMUD");
	int sv[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3); /* dup2 clears CLOEXEC */
	char *argv[] = { (char *)(emud ? emud : "mshv-emud"), "--session-fd", "3", NULL };
	/* The daemon must not load this library into itself. */
	char **env = calloc(1, sizeof(char *) * 512);
	size_t n = 0;
	for (char **e = environ; *e && n < 510; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11))
			env[n++] = *e;
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, env))
		die("spawn mshv-emud");
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	real_close(sv[1]);
	/* The daemon reaches this process's memory as the kernel's CUSE
	 * daemon reaches its clients' (Yama: allow it explicitly). */
	prctl(PR_SET_PTRACER, pid, 0, 0, 0);

	for (int i = 0; i < MAX_FDS; i++)
		lb.fh[i] = 0; /* a parent's opens are not this process's */
	lb.sock = sv[0];
	lb.owner = getpid();
	lb.dead = false;
	lb.next_unique = 2;
	pthread_t t;
	if (pthread_create(&t, NULL, receiver, (void *)(intptr_t)sv[0]))
		die("receiver thread");
	pthread_detach(t);
	struct cuse_init_in in = { .major = FUSE_KERNEL_VERSION,
				   .minor = FUSE_KERNEL_MINOR_VERSION,
				   .flags = CUSE_UNRESTRICTED_IOCTL };
	struct pending r;
	if (request(CUSE_INIT, &in, sizeof in, false, &r))
		die("CUSE_INIT");
}

static bool ours(int fd)
{
	return fd >= 0 && fd < MAX_FDS && lb.owner == getpid() && lb.fh[fd];
}

/* A new open of the device: a placeholder fd carrying the daemon's fh. */
static int lb_open(int flags)
{
	static pthread_mutex_t start = PTHREAD_MUTEX_INITIALIZER;
	struct fuse_open_in in = { .flags = (uint32_t)(flags & ~O_CLOEXEC) };
	struct pending r;

	pthread_mutex_lock(&start);
	if (lb.owner != getpid())
		start_session();
	pthread_mutex_unlock(&start);
	int err = request(FUSE_OPEN, &in, sizeof in, false, &r);
	if (err) {
		errno = -err;
		return -1;
	}
	int fd = memfd_create("mshv-loopback", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0 || fd >= MAX_FDS) {
		struct fuse_release_in ri = { .fh = r.fh };
		request(FUSE_RELEASE, &ri, sizeof ri, false, &r);
		if (fd >= 0)
			real_close(fd);
		errno = EMFILE;
		return -1;
	}
	lb.fh[fd] = r.fh + 1;
	return fd;
}

static long lb_ioctl(int fd, unsigned cmd, void *arg)
{
	struct fuse_ioctl_in in = { .fh = lb.fh[fd] - 1,
				    .flags = FUSE_IOCTL_UNRESTRICTED,
				    .cmd = cmd,
				    .arg = (uint64_t)(uintptr_t)arg };
	struct pending r;
	int err = request(FUSE_IOCTL, &in, sizeof in, true, &r);

	if (err)
		return err;
	return r.out.result;
}

/* Writes the caller's argument as the launcher does (process_vm_writev):
 * a bad pointer is EFAULT, not a crash. */
static int put_arg(void *dst, const void *src, size_t n)
{
	struct iovec l = { (void *)src, n }, r = { dst, n };

	return process_vm_writev(getpid(), &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -EFAULT;
}

/* A new partition gets a userfaultfd of this process, as the launcher
 * gives one, so that the daemon sees this process rewrite guest code. The
 * daemon keeps its duplicate; ours goes. Failure leaves the daemon's
 * fallback (copies of 512 code pages), as with the launcher. */
static void give_write_watch(int pfd)
{
	struct mshvd_watch w = { .uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK) };

	if (w.uffd < 0)
		return;
	lb_ioctl(pfd, MSHVD_IOC_WATCH_WRITES, &w);
	real_close(w.uffd);
}

/* MSHV_CREATE_*: a fresh open bound to the new object, as the launcher
 * does it (src/launcher.c); 1 if this is not such a create (let through). */
static long lb_create(int fd, unsigned cmd, void *arg, int *newfd)
{
	struct mshvd_whoami w;
	struct mshvd_bind b = { .caller_pid = (uint32_t)getpid() };
	uint32_t want = cmd == MSHV_CREATE_PARTITION ? MSHVD_KIND_DEVICE : MSHVD_KIND_PARTITION;

	if (lb_ioctl(fd, MSHVD_IOC_WHOAMI, &w) || w.kind != want)
		return 1;
	int ar = mshvd_bind_arg(&b, cmd, gettid(), (uint64_t)(uintptr_t)arg);
	if (ar)
		return ar;
	b.parent_handle = w.handle;
	int nfd = lb_open(O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	long rc = lb_ioctl(nfd, MSHVD_IOC_BIND, &b);
	if (rc) {
		close(nfd);
		return rc;
	}
	if (cmd == MSHV_CREATE_PARTITION)
		give_write_watch(nfd);
	*newfd = nfd;
	return 0;
}

/* ---- the interposed calls ---- */

static bool is_mshv(const char *path)
{
	return path && !strcmp(path, "/dev/mshv");
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return is_mshv(path) ? lb_open(flags) : real_openat(AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return is_mshv(path) ? lb_open(flags) : real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!ours(fd))
		return real_ioctl(fd, request, arg);

	unsigned cmd = (unsigned)request;
	long rc = 1;
	int nfd = -1;
	if (cmd == MSHV_CREATE_PARTITION || cmd == MSHV_CREATE_VP || cmd == MSHV_CREATE_DEVICE)
		rc = lb_create(fd, cmd, arg, &nfd);
	if (rc == 1)
		rc = lb_ioctl(fd, cmd, arg);
	else if (!rc && cmd == MSHV_CREATE_DEVICE) {
		uint32_t v = (uint32_t)nfd;
		/* As the driver: EFAULT, the fd staying. */
		rc = put_arg((char *)arg + offsetof(struct mshv_create_device, fd), &v, sizeof v);
	} else if (!rc)
		rc = nfd;
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return (int)rc;
}

int close(int fd)
{
	if (ours(fd)) {
		struct fuse_release_in in = { .fh = lb.fh[fd] - 1 };
		struct pending r;
		lb.fh[fd] = 0;
		request(FUSE_RELEASE, &in, sizeof in, false, &r);
	}
	return real_close(fd);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (!(flags & MAP_ANONYMOUS) && ours(fd)) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));
