/* SPDX-License-Identifier: MIT */
/*
 * The "VMM" run by check_launcher under the seccomp-notify launcher, linked
 * statically (LD_PRELOAD could not reach it). Its "device" is a memfd named
 * fake-mshv-dev; the test's fake backend binds new memfds and writes the
 * create arguments it received into them, so this program can check that
 * the injected fds are new, CLOEXEC and carry its own arguments.
 * Usage: launcher_child [ok | exit N | kill]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mshv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fails;

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "child: FAIL " __VA_ARGS__); \
	fprintf(stderr, " (errno %d)\n", errno); fails++; } } while (0)

static int fd_is(int fd, const char *name)
{
	char path[64], target[256];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strstr(target, name) != NULL;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "kill"))
		raise(SIGKILL);

	int dev = memfd_create("fake-mshv-dev", 0);
	struct mshv_create_partition cp = { .pt_flags = 1ull << MSHV_PT_BIT_LAPIC,
					    .pt_isolation = MSHV_PT_ISOLATION_NONE };
	int pt = ioctl(dev, MSHV_CREATE_PARTITION, &cp);
	CHECK(pt > dev && fd_is(pt, "fake-mshv-pt"), "CREATE_PARTITION gave fd %d", pt);
	CHECK((fcntl(pt, F_GETFD) & FD_CLOEXEC) != 0, "partition fd not CLOEXEC");
	struct mshv_create_partition got;
	CHECK(pread(pt, &got, sizeof got, 0) == sizeof got && !memcmp(&got, &cp, sizeof cp),
	      "the supervisor did not pass the create arguments");

	/* Sign-extended request numbers are trapped as well. */
	struct mshv_create_vp cv = { .vp_index = 7 };
	long req = (long)(int)MSHV_CREATE_VP;
	int vp = ioctl(pt, (unsigned long)req, &cv);
	CHECK(vp > pt && fd_is(vp, "fake-mshv-vp"), "CREATE_VP gave fd %d", vp);
	struct mshv_create_vp gv;
	CHECK(pread(vp, &gv, sizeof gv, 0) == sizeof gv && gv.vp_index == 7, "VP arguments");

	/* Not on the device: let through, the kernel answers. */
	errno = 0;
	CHECK(ioctl(dev, MSHV_CREATE_VP, &cv) == -1 && errno == ENOTTY, "CREATE_VP on a device fd");
	int null = open("/dev/null", O_RDWR);
	errno = 0;
	CHECK(ioctl(null, MSHV_CREATE_PARTITION, &cp) == -1 && errno == ENOTTY,
	      "CREATE_PARTITION on /dev/null");
	errno = 0;
	CHECK(ioctl(999, MSHV_CREATE_PARTITION, &cp) == -1 && errno == EBADF, "bad fd");
	/* A bad argument pointer: EFAULT, as from the driver. */
	errno = 0;
	CHECK(ioctl(dev, MSHV_CREATE_PARTITION, (void *)16) == -1 && errno == EFAULT,
	      "bad argument pointer");
	/* The backend's refusal comes back as the ioctl's errno. */
	struct mshv_create_vp bad = { .vp_index = 9999 };
	errno = 0;
	CHECK(ioctl(pt, MSHV_CREATE_VP, &bad) == -1 && errno == EINVAL, "refused create");
	/* Untrapped ioctls are untouched. */
	int avail = -1;
	CHECK(ioctl(null, FIONREAD, &avail) == -1 || avail >= 0, "FIONREAD");
	return fails ? 1 : 0;
}
