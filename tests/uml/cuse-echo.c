/* SPDX-License-Identifier: MIT */
/*
 * cuse-echo: the smallest CUSE device that proves the kernel CUSE path
 * works end to end, independently of mshv-emud (tests/uml/test-uml-cuse runs
 * it inside User-Mode Linux, whose kernel has cuse.ko).
 *
 *   cuse-echo -n NAME [-f] [-s] [-d]   serve /dev/NAME (libfuse3 cuse_lowlevel)
 *   cuse-echo --client DEV [N]         open DEV, check the ioctl, time N calls
 *
 * The device answers one ioctl, CUSE_ECHO_ADD1. It is encoded _IO (no size,
 * no direction) but its argument points at a struct echo_arg, so it works
 * only in unrestricted mode (CUSE_UNRESTRICTED_IOCTL) through the retry
 * protocol: round 1 arrives with no data and the server asks for the
 * struct with fuse_reply_ioctl_retry; round 2 carries it and the reply is
 * written back. That is the path mshv-emud relies on for ioctls whose
 * arguments carry pointers or are larger than their _IOC_SIZE. Any other
 * ioctl gets ENOTTY.
 *
 * The client prints the mean round trip of N ioctls and, for scale, of a
 * pipe ping-pong between two processes in the same run (UML timings are
 * inflated 30-50x; ratios are what can be compared).
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

struct echo_arg {
	uint64_t in;	/* set by the caller */
	uint64_t out;	/* in + 1, set by the device */
	uint64_t calls;	/* ioctls served so far by this open, set by the device */
};

#define CUSE_ECHO_ADD1 _IO('E', 1)
#define CUSE_ECHO_BOGUS _IO('E', 2)

/* ---- server ---------------------------------------------------------- */

/* Per-open state: a call counter, bound to the open through fi->fh. */
static void echo_open(fuse_req_t req, struct fuse_file_info *fi)
{
	uint64_t *calls = calloc(1, sizeof *calls);

	if (!calls) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)calls;
	fi->nonseekable = 1;
	if (fuse_reply_open(req, fi))
		free(calls);
}

static void echo_release(fuse_req_t req, struct fuse_file_info *fi)
{
	free((void *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void echo_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		       unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct echo_arg a;

	if ((unsigned)cmd != CUSE_ECHO_ADD1) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (in_bufsz < sizeof a || out_bufsz < sizeof a) {
		/* Round 1: ask the kernel for the struct behind the pointer. */
		struct iovec iov = { arg, sizeof a };
		fuse_reply_ioctl_retry(req, &iov, 1, &iov, 1);
		return;
	}
	memcpy(&a, in_buf, sizeof a);
	a.out = a.in + 1;
	a.calls = ++*(uint64_t *)(uintptr_t)fi->fh;
	fuse_reply_ioctl(req, 0, &a, sizeof a);
}

static const struct cuse_lowlevel_ops echo_ops = {
	.open = echo_open,
	.release = echo_release,
	.ioctl = echo_ioctl,
};

static int serve(int argc, char **argv)
{
	char devname[256] = "";
	char *fargv[16];
	int fargc = 0;

	fargv[fargc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			snprintf(devname, sizeof devname, "DEVNAME=%s", argv[++i]);
		} else if (fargc < (int)(sizeof fargv / sizeof fargv[0]) - 1) {
			fargv[fargc++] = argv[i];
		} else {
			fprintf(stderr, "cuse-echo: too many arguments\n");
			return 2;
		}
	}
	fargv[fargc] = NULL;
	if (!devname[0]) {
		fprintf(stderr, "usage: cuse-echo -n NAME [-f] [-s] [-d]\n"
				"       cuse-echo --client DEVICE [COUNT]\n");
		return 2;
	}
	const char *dev_info[] = { devname };
	struct cuse_info ci = {
		.dev_info_argc = 1,
		.dev_info_argv = dev_info,
		.flags = CUSE_UNRESTRICTED_IOCTL,
	};
	return cuse_lowlevel_main(fargc, fargv, &ci, &echo_ops, NULL) ? 1 : 0;
}

/* ---- client ---------------------------------------------------------- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Mean round trip of a one-byte pipe ping-pong between two processes. */
static double pipe_pingpong_us(long n)
{
	int a[2], b[2];
	char c = 0;

	if (pipe(a) || pipe(b))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		while (read(a[0], &c, 1) == 1)
			if (write(b[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	double t0 = now_us();
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			return -1;
	double t = (now_us() - t0) / n;
	close(a[1]);
	close(b[0]);
	waitpid(pid, NULL, 0);
	return t;
}

static int client(const char *dev, long n)
{
	struct echo_arg a = { .in = 41 };
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "cuse-echo: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (ioctl(fd, CUSE_ECHO_ADD1, &a) != 0) {
		fprintf(stderr, "cuse-echo: ioctl CUSE_ECHO_ADD1: %s\n", strerror(errno));
		return 1;
	}
	if (a.out != 42 || a.calls != 1) {
		fprintf(stderr, "cuse-echo: ioctl returned out=%llu calls=%llu, expected 42 and 1\n",
			(unsigned long long)a.out, (unsigned long long)a.calls);
		return 1;
	}
	errno = 0;
	if (ioctl(fd, CUSE_ECHO_BOGUS, &a) != -1 || errno != ENOTTY) {
		fprintf(stderr, "cuse-echo: unknown ioctl: %s, expected ENOTTY\n", strerror(errno));
		return 1;
	}
	/* A second open has its own state. */
	int fd2 = open(dev, O_RDWR | O_CLOEXEC);
	struct echo_arg b = { .in = 7 };
	if (fd2 < 0 || ioctl(fd2, CUSE_ECHO_ADD1, &b) != 0 || b.out != 8 || b.calls != 1) {
		fprintf(stderr, "cuse-echo: second open: %s (out=%llu calls=%llu)\n", strerror(errno),
			(unsigned long long)b.out, (unsigned long long)b.calls);
		return 1;
	}
	close(fd2);

	double t0 = now_us();
	for (long i = 0; i < n; i++) {
		a.in = (uint64_t)i;
		if (ioctl(fd, CUSE_ECHO_ADD1, &a) != 0 || a.out != (uint64_t)i + 1) {
			fprintf(stderr, "cuse-echo: ioctl %ld failed: %s\n", i, strerror(errno));
			return 1;
		}
	}
	double ioctl_us = n ? (now_us() - t0) / n : 0;
	close(fd);
	double pipe_us = pipe_pingpong_us(n ? n : 1);
	printf("cuse-echo: %s: ioctl with retry OK, ENOTTY OK, per-open state OK\n", dev);
	printf("cuse-echo: %ld ioctls: %.1f us/ioctl (2 FUSE rounds); pipe ping-pong %.1f us; ratio %.1f\n",
	       n, ioctl_us, pipe_us, pipe_us > 0 ? ioctl_us / pipe_us : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--client"))
		return client(argv[2], argc >= 4 ? strtol(argv[3], NULL, 10) : 1000);
	return serve(argc, argv);
}
