/* SPDX-License-Identifier: MIT */
/*
 * A userfaultfd opened inside the VMM (vmm_uffd.h).
 */
#define _GNU_SOURCE
#include <config.h>

#include "vmm_uffd.h"
#include "stopped_thread.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Would every filter on the thread let userfaultfd() through? A filter
 * does not say, and many kill or trap what they do not list (Cloud
 * Hypervisor's, by default, on its VMM thread): a thread with a filter of
 * the VMM's own, beyond the launcher's, gets no injected call. Filters the
 * launcher itself runs under are the VMM's too: the call is tried once in
 * a child of the launcher first.
 */
static bool syscall_safe(pid_t tid)
{
	static int inherited_ok = -1;
	long mine = procfs_status(getpid(), "Seccomp_filters");

	if (mine < 0 || procfs_status(tid, "Seccomp_filters") != mine + 1)
		return false;
	if (mine == 0)
		return true;
	if (inherited_ok < 0) {
		int st = 0;
		pid_t p = fork();
		if (p == 0) {
			long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
			_exit(fd >= 0 ? 0 : 1);
		}
		inherited_ok =
			p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	return inherited_ok;
}

int vmm_uffd_open(int lfd, uint64_t id, pid_t leader, pid_t tid, int *consumed)
{
	struct stopped_thread t = { .leader = leader, .tid = tid, .tgid = procfs_tgid_of(tid) };

	*consumed = 0;
	if (t.tgid <= 0)
		return -ESRCH;
	if (!syscall_safe(tid))
		return -EPERM;
	int pidfd = (int)syscall(SYS_pidfd_open, t.tgid, 0);
	if (pidfd < 0)
		return -errno;
	int rc = stopped_thread_seize(&t);
	if (rc) {
		close(pidfd);
		*consumed = rc == -ESRCH || ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0;
		return rc;
	}
	*consumed = 1;
	/* Not UFFD_USER_MODE_ONLY: the kernel's writes to guest code (the
	 * VMM's read(2) of an image) must wait for the watch too. Without
	 * the privilege for that (vm.unprivileged_userfaultfd) it fails, and
	 * the daemon falls back to copies. */
	long vfd =
		stopped_thread_syscall(&t, SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0);
	int fd = -ENOMEM;
	if (vfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)vfd, 0);
		if (fd < 0)
			fd = -errno;
		stopped_thread_syscall(&t, SYS_close, (uint64_t)vfd, 0, 0, 0, 0, 0);
	} else {
		fd = (int)vfd;
	}
	stopped_thread_release(&t, 0);
	close(pidfd);
	return fd;
}
