/* SPDX-License-Identifier: MIT */
/*
 * The seccomp-notify launcher (src/launcher.c) on this kernel, without
 * CUSE: the same supervisor code runs with a fake backend whose "device"
 * is any memfd named fake-mshv-dev and whose BIND makes a new memfd
 * (fake-mshv-pt / fake-mshv-vp) holding the create arguments. The child
 * is the statically linked launcher_child.
 */
#define _GNU_SOURCE
#include <config.h>

#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <linux/mshv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int link_has(int fd, const char *what)
{
	char path[64], target[256];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strstr(target, what) != NULL;
}

static bool fake_is_device(void *ctx, int fd)
{
	(void)ctx;
	return link_has(fd, "/memfd:fake-mshv-");
}

static int fake_whoami(void *ctx, int fd, struct mshvd_whoami *w)
{
	struct stat st;

	(void)ctx;
	memset(w, 0, sizeof *w);
	if (fstat(fd, &st))
		return -errno;
	w->handle = st.st_ino;
	w->kind = link_has(fd, "fake-mshv-dev") ? MSHVD_KIND_DEVICE
		: link_has(fd, "fake-mshv-pt") ? MSHVD_KIND_PARTITION : MSHVD_KIND_VP;
	if (w->kind == MSHVD_KIND_PARTITION)
		w->partition_id = st.st_ino;
	return 0;
}

static int watches;

/* As the daemon takes it: a userfaultfd nobody has initialised. */
static int fake_watch_writes(void *ctx, int fd, int uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	int d = dup(uffd);

	(void)ctx;
	if (!link_has(fd, "fake-mshv-pt") || !link_has(uffd, "[userfaultfd]") || d < 0)
		return -EINVAL;
	int rc = ioctl(d, UFFDIO_API, &api) ? -errno : 0;
	close(d);
	watches += !rc;
	return rc;
}

static int binds;

static int fake_open_bind(void *ctx, const struct mshvd_bind *b)
{
	(void)ctx;
	if (b->request == (uint32_t)MSHV_CREATE_VP) {
		const struct mshv_create_vp *cv = (const void *)b->arg;
		if (b->arg_size < sizeof *cv || cv->vp_index >= 256)
			return -EINVAL;
	}
	int fd = memfd_create(b->request == (uint32_t)MSHV_CREATE_VP ? "fake-mshv-vp" :
			      b->request == (uint32_t)MSHV_CREATE_DEVICE ? "fake-mshv-vfio" :
									   "fake-mshv-pt", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, b->arg, b->arg_size) != (ssize_t)b->arg_size) {
		close(fd);
		return -EIO;
	}
	binds++;
	return fd;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], child[PATH_MAX + 32];
	const struct launcher_backend be = { fake_is_device, fake_whoami, fake_open_bind,
					     fake_watch_writes, NULL };
	int fails = 0;

	(void)argc;
	snprintf(dir, sizeof dir, "%s", argv[0]);
	snprintf(child, sizeof child, "%s/launcher_child", dirname(dir));
	if (access(child, X_OK)) {
		printf("SKIP - %s not built\n", child);
		return 77;
	}

	char *ok[] = { child, NULL };
	int rc = launcher_run(&be, ok);
	if (rc == 127 && binds == 0) {
		printf("SKIP - no seccomp user notification on this kernel\n");
		return 77;
	}
	printf("%s - static child: distinct CLOEXEC fds for CREATE_PARTITION/CREATE_VP/"
	       "CREATE_DEVICE, everything else let through (rc %d, %d binds)\n",
	       rc == 0 ? "ok" : "FAIL", rc, binds);
	fails += rc != 0 || binds != 3;

	char *ex[] = { child, "exit", "42", NULL };
	rc = launcher_run(&be, ex);
	printf("%s - exit status passed on (%d)\n", rc == 42 ? "ok" : "FAIL", rc);
	fails += rc != 42;

	char *k[] = { child, "kill", NULL };
	rc = launcher_run(&be, k);
	printf("%s - killed child: 128 + SIGKILL, no hang (%d)\n", rc == 137 ? "ok" : "FAIL", rc);
	fails += rc != 137;

	char *priv[] = { child, "private", NULL };
	rc = launcher_run(&be, priv);
	printf("%s - private anonymous RAM (8 GiB, NORESERVE) registered: converted to a shared "
	       "memfd with its contents, untouched pages untouched; EMFILE leaves it private (%d)\n",
	       rc == 0 ? "ok" : "FAIL", rc);
	fails += rc != 0;
	printf("%s - the partition's first SET_GUEST_MEMORY gave the backend a fresh userfaultfd "
	       "of the VMM, once, none left in the VMM (%d watches)\n",
	       rc == 0 && watches == 1 ? "ok" : "FAIL", watches);
	fails += rc != 0 || watches != 1;

	watches = 0;
	char *filt[] = { child, "filtered", NULL };
	rc = launcher_run(&be, filt);
	printf("%s - a VMM with a seccomp filter of its own (one that kills for userfaultfd) gets "
	       "no call injected for the write watch: it lives, no watch (%d, %d watches)\n",
	       rc == 0 && watches == 0 ? "ok" : "FAIL", rc, watches);
	fails += rc != 0 || watches != 0;

	char *missing[] = { "/nonexistent/vmm", NULL };
	rc = launcher_run(&be, missing);
	printf("%s - missing program: 127 (%d)\n", rc == 127 ? "ok" : "FAIL", rc);
	fails += rc != 127;

	printf("%s\n", fails ? "FAIL" : "PASS");
	return fails ? 1 : 0;
}
