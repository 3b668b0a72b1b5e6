/* SPDX-License-Identifier: MIT */
/*
 * The seccomp-notify launcher for the CUSE face (see launcher.h and
 * docs/cuse.md §3).
 *
 *  - The child sets no_new_privs, installs a filter that returns
 *    SECCOMP_RET_USER_NOTIF for ioctl(fd, MSHV_CREATE_PARTITION | MSHV_CREATE_VP
 *    | MSHV_CREATE_DEVICE | MSHV_SET_GUEST_MEMORY) (low 32 bits of the
 *    request; everything else is
 *    allowed), sends the
 *    listener to the parent over SCM_RIGHTS and execs the VMM, which may be
 *    statically linked.
 *  - The parent polls the listener and a pidfd of the child (the listener
 *    alone may never report POLLHUP while the child is an unreaped zombie).
 *  - A trapped ioctl on an fd that is not the device, or not of the right
 *    kind, is let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE): the kernel or
 *    the daemon gives the errno it would give anyway.
 *  - Otherwise the argument struct is copied from the calling thread, the
 *    notification re-validated, the device opened afresh and bound, and the
 *    new fd injected with SECCOMP_ADDFD_FLAG_SEND (O_CLOEXEC, as the driver
 *    does), which also completes the ioctl with the fd number. A
 *    MSHV_CREATE_DEVICE completes with 0 and the fd number written into its
 *    argument, as the downstream driver does; one that creates nothing (the
 *    TEST flag, an unknown type) goes through to the daemon.
 *  - MSHV_SET_GUEST_MEMORY of private anonymous memory on a partition fd:
 *    the range is made shared first (private_ram.c), else it goes through.
 *  - A notification whose target has gone (killed, or interrupted by a
 *    signal: ENOENT from ID_VALID, ADDFD or SEND) is dropped; the fresh open
 *    is closed and the daemon destroys its object. A restarted ioctl comes
 *    back as a new notification.
 */
#define _GNU_SOURCE
#include <config.h>

#include "launcher.h"
#include "cuse/bind_arg.h"
#include "private_ram.h"
#include "procfs.h"
#include "vmm_uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/mshv.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

static int verbose;

#define LOG(...) do { if (verbose) fprintf(stderr, "mshv-emu: " __VA_ARGS__); } while (0)

static int sys_seccomp(unsigned op, unsigned flags, void *arg)
{
	return (int)syscall(SYS_seccomp, op, flags, arg);
}

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_getfd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

/* ---- the child ---- */

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* Low 32 bits of the request (little-endian): the kernel
		 * truncates it, and callers may sign-extend. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)MSHV_CREATE_PARTITION, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)MSHV_CREATE_VP, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)MSHV_CREATE_DEVICE, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)MSHV_SET_GUEST_MEMORY, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static void send_fd(int sock, int fd)
{
	char c = 'L';
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof u.b };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof u);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	while (sendmsg(sock, &m, 0) < 0 && errno == EINTR)
		;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof u.b };
	ssize_t n;

	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm), sizeof fd);
			return fd;
		}
	return -1;
}

static void child(int sock, char **argv)
{
	int lfd = install_filter();

	if (lfd < 0) {
		fprintf(stderr, "mshv-emu: cannot install the seccomp filter: %s "
			"(needs Linux >= 5.14 with CONFIG_SECCOMP_FILTER)\n", strerror(errno));
		_exit(127);
	}
	send_fd(sock, lfd);
	close(lfd);
	close(sock);
	execvp(argv[0], argv);
	fprintf(stderr, "mshv-emu: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* ---- the supervisor ---- */

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static int notif_send(int lfd, struct seccomp_notif_resp *resp)
{
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0)
		return 0;
	if (errno != ENOENT)	/* ENOENT: the target went away meanwhile */
		LOG("NOTIF_SEND: %s\n", strerror(errno));
	return -1;
}

static void let_through(int lfd, struct seccomp_notif_resp *resp)
{
	resp->error = 0;
	resp->val = 0;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	notif_send(lfd, resp);
}

static void fail(int lfd, struct seccomp_notif_resp *resp, int err)
{
	resp->error = -err;
	resp->val = 0;
	resp->flags = 0;
	notif_send(lfd, resp);
}

static int write_target(pid_t tid, uint64_t addr, const void *buf, size_t n)
{
	struct iovec l = { (void *)buf, n }, r = { (void *)(uintptr_t)addr, n };

	return process_vm_writev(tid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* MSHV_CREATE_DEVICE: the new fd goes into the target, its number into the
 * argument's fd field, and the ioctl returns 0 (EFAULT if the field cannot
 * be written: the fd stays, as in the driver). */
static void add_device_fd(int lfd, struct seccomp_notif *req, struct seccomp_notif_resp *resp,
			  int nfd, uint64_t argp)
{
	struct seccomp_notif_addfd add = {
		.id = req->id, .srcfd = (uint32_t)nfd, .newfd_flags = O_CLOEXEC,
	};
	int r = ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	int err = errno;

	close(nfd);
	if (r < 0) {
		if (err != ENOENT)
			fail(lfd, resp, err);
		return;
	}
	uint32_t v = (uint32_t)r;
	if (write_target(req->pid, argp + offsetof(struct mshv_create_device, fd), &v, sizeof v))
		resp->error = -EFAULT;
	notif_send(lfd, resp);
	LOG("pid %d: CREATE_DEVICE -> fd %d\n", (int)req->pid, r);
}

/* Partitions whose write watch was tried (once each, success or not). */
static struct {
	uint64_t *id;
	size_t n, cap;
} watched;

static bool watch_tried(uint64_t id)
{
	for (size_t i = 0; i < watched.n; i++)
		if (watched.id[i] == id)
			return true;
	if (watched.n == watched.cap) {
		size_t cap = watched.cap ? watched.cap * 2 : 8;
		uint64_t *n = realloc(watched.id, cap * sizeof *n);
		if (!n)
			return true; /* no memory: do without */
		watched.id = n;
		watched.cap = cap;
	}
	watched.id[watched.n++] = id;
	return false;
}

/* The first MSHV_SET_GUEST_MEMORY on a partition: the daemon gets a
 * userfaultfd of the VMM (vmm_uffd.h). True if the notification is gone
 * (the thread issues the ioctl again). Failing only costs the daemon's
 * fallback (copies of 512 code pages, docs/engine.md). */
static bool give_watch(const struct launcher_backend *be, int lfd, struct seccomp_notif *req,
		       int dfd, uint64_t partition_id)
{
	int consumed;

	if (!be->watch_writes || watch_tried(partition_id))
		return false;
	int ufd = vmm_uffd_open(lfd, req->id, child_pid, (pid_t)req->pid, &consumed);
	int rc = ufd < 0 ? ufd : be->watch_writes(be->ctx, dfd, ufd);
	if (ufd >= 0)
		close(ufd);
	if (rc)
		LOG("pid %d: partition %llu: no write watch on guest code (%s)\n", (int)req->pid,
		    (unsigned long long)partition_id, strerror(-rc));
	else
		LOG("pid %d: partition %llu: write watch on guest code\n", (int)req->pid,
		    (unsigned long long)partition_id);
	return consumed;
}

static void handle(const struct launcher_backend *be, int lfd, struct seccomp_notif *req,
		   struct seccomp_notif_resp *resp)
{
	unsigned cmd = (unsigned)req->data.args[1];
	int tfd = (int)req->data.args[0];
	uint64_t argp = req->data.args[2];
	enum mshvd_kind want = cmd == (unsigned)MSHV_CREATE_PARTITION ? MSHVD_KIND_DEVICE
								      : MSHVD_KIND_PARTITION;
	struct mshvd_bind b;
	struct mshvd_whoami w;
	int pidfd = -1, dfd = -1;

	memset(resp, 0, sizeof *resp);
	resp->id = req->id;

	/* Which open is the target's fd? The same open file, duplicated. */
	pid_t tgid = procfs_tgid_of((pid_t)req->pid);
	if (tgid <= 0 || (pidfd = sys_pidfd_open(tgid)) < 0) {
		let_through(lfd, resp);
		return;
	}
	dfd = sys_pidfd_getfd(pidfd, tfd);
	close(pidfd);
	if (dfd < 0 || !be->is_device(be->ctx, dfd) || be->whoami(be->ctx, dfd, &w) ||
	    w.kind != (uint32_t)want) {
		if (dfd >= 0)
			close(dfd);
		let_through(lfd, resp);	/* not ours: the kernel/daemon answers */
		return;
	}
	if (cmd == (unsigned)MSHV_SET_GUEST_MEMORY &&
	    give_watch(be, lfd, req, dfd, w.partition_id)) {
		close(dfd);
		return;
	}
	close(dfd);
	if (cmd == (unsigned)MSHV_SET_GUEST_MEMORY) {
		int r = private_ram_register(lfd, req->id, child_pid, (pid_t)req->pid, argp);
		if (r == PRIVATE_RAM_LET_THROUGH)
			let_through(lfd, resp);
		else if (r < 0)
			fail(lfd, resp, -r);
		return;
	}

	memset(&b, 0, sizeof b);
	b.parent_handle = w.handle;
	b.caller_pid = req->pid;
	int ar = mshvd_bind_arg(&b, cmd, (pid_t)req->pid, argp);
	if (ar < 0) {
		fail(lfd, resp, -ar);
		return;
	}
	if (ar == 1) {
		let_through(lfd, resp);
		return;
	}
	/* The arguments were read from the right process only if the
	 * notification is still pending. */
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id))
		return;

	int nfd = be->open_bind(be->ctx, &b);
	if (nfd < 0) {
		fail(lfd, resp, -nfd);
		return;
	}
	if (cmd == (unsigned)MSHV_CREATE_DEVICE) {
		add_device_fd(lfd, req, resp, nfd, argp);
		return;
	}
	struct seccomp_notif_addfd add = {
		.id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)nfd,
		.newfd = 0, .newfd_flags = O_CLOEXEC,
	};
	int r = ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	int err = errno;
	close(nfd);	/* the target holds it now, or nobody: the daemon cleans up */
	if (r < 0) {
		if (err == EBUSY || err == EINVAL)	/* no SEND support (< 5.14) */
			fail(lfd, resp, ENOSYS);
		else if (err != ENOENT)
			LOG("NOTIF_ADDFD: %s\n", strerror(err));
		return;
	}
	LOG("pid %d: %s -> fd %d\n", (int)req->pid,
	    cmd == (unsigned)MSHV_CREATE_VP ? "CREATE_VP" : "CREATE_PARTITION", r);
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

int launcher_run(const struct launcher_backend *be, char **argv)
{
	int sv[2], lfd, pidfd, st = 0;
	pid_t pid;

	verbose = getenv("MSHV_EMU_VERBOSE") && *getenv("MSHV_EMU_VERBOSE") == '1';
	if (!argv[0]) {
		fprintf(stderr, "mshv-emu: run --cuse: no program given\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("mshv-emu: socketpair");
		return 126;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("mshv-emu: fork");
		return 126;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], argv);
	}
	close(sv[1]);
	child_pid = pid;
	lfd = recv_fd(sv[0]);
	close(sv[0]);
	if (lfd < 0) {		/* the child could not set up; it says why */
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return exit_status(st) ? exit_status(st) : 127;
	}

	struct sigaction sa = { .sa_handler = forward };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* The terminal sends these to the child too. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);

	struct seccomp_notif_sizes sz = { 0 };
	if (sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sz)) {
		sz.seccomp_notif = sizeof(struct seccomp_notif);
		sz.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	}
	size_t nsz = sz.seccomp_notif > sizeof(struct seccomp_notif) ? sz.seccomp_notif
								    : sizeof(struct seccomp_notif);
	size_t rsz = sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
			     ? sz.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
	struct seccomp_notif *req = malloc(nsz);
	struct seccomp_notif_resp *resp = malloc(rsz);

	pidfd = sys_pidfd_open(pid);
	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		int n = poll(p, 2, pidfd < 0 ? 100 : -1);

		if (n < 0 && errno != EINTR)
			break;
		/* The child has exited (pidfd readable, or no pidfd support). */
		if (pidfd < 0 || (n > 0 && (p[1].revents & POLLIN))) {
			pid_t r = waitpid(pid, &st, pidfd < 0 ? WNOHANG : 0);
			if (r == pid)
				break;
			if (r < 0 && errno != EINTR)
				break;
		}
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			memset(req, 0, nsz);
			if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, req) == 0)
				handle(be, lfd, req, resp);
			/* EINTR, or ENOENT (the target died or was
			 * interrupted before we got it): just go on. */
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			lfd = lfd >= 0 ? (close(lfd), -1) : -1;	/* no filter users left */
		}
	}
	child_pid = 0;
	if (lfd >= 0)
		close(lfd);
	if (pidfd >= 0)
		close(pidfd);
	free(req);
	free(resp);
	return exit_status(st);
}

/* ---- the real device ---- */

struct cuse_dev {
	const char *path;
	dev_t rdev;
};

static bool cd_is_device(void *ctx, int fd)
{
	struct cuse_dev *d = ctx;
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == d->rdev;
}

static int cd_whoami(void *ctx, int fd, struct mshvd_whoami *w)
{
	(void)ctx;
	memset(w, 0, sizeof *w);
	return ioctl(fd, MSHVD_IOC_WHOAMI, w) ? -errno : 0;
}

static int cd_watch_writes(void *ctx, int fd, int uffd)
{
	struct mshvd_watch w = { .uffd = uffd };

	(void)ctx;
	return ioctl(fd, MSHVD_IOC_WATCH_WRITES, &w) ? -errno : 0;
}

static int cd_open_bind(void *ctx, const struct mshvd_bind *b)
{
	struct cuse_dev *d = ctx;
	int fd = open(d->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, MSHVD_IOC_BIND, b)) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int launcher_cuse_main(char **argv)
{
	static struct cuse_dev d;
	struct stat st;
	const char *e = getenv("MSHV_EMU_DEVICE");

	d.path = e && *e ? e : "/dev/mshv";
	if (stat(d.path, &st) || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "mshv-emu: %s is not a character device: is mshv-emud running? "
			"(modprobe cuse; mshv-emud -n mshv)\n", d.path);
		return 127;
	}
	d.rdev = st.st_rdev;
	const struct launcher_backend be = { cd_is_device, cd_whoami, cd_open_bind, cd_watch_writes,
					     &d };
	return launcher_run(&be, argv);
}
