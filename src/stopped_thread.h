/* SPDX-License-Identifier: MIT */
/*
 * A VMM thread parked in a seccomp notification of the launcher, stopped
 * with ptrace so that the launcher can run system calls in the VMM on its
 * behalf (private_ram.c, vmm_uffd.c), then made to issue its ioctl again.
 *
 * Seizing the thread and interrupting it cancels the notification: the
 * kernel's seccomp_do_user_notification() answers an interrupted wait with
 * -ERESTARTSYS, so the thread stops at the exit of its ioctl, right after
 * the syscall instruction. The launcher runs its calls through that very
 * instruction and restores the registers; the ioctl then comes back as a
 * new notification. Signals that arrive meanwhile are held back and sent
 * again at release.
 */
#ifndef MSHV_EMU_STOPPED_THREAD_H
#define MSHV_EMU_STOPPED_THREAD_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define STOPPED_THREAD_SIGS 16

struct stopped_thread {
	/* In: the thread, its process, and the VMM's first thread (the
	 * launcher's child, whose exit status the launcher reaps itself). */
	pid_t leader, tid, tgid;
	/* Set by stopped_thread_seize. */
	struct user_regs_struct saved;
	int sigs[STOPPED_THREAD_SIGS]; /* held back while the thread was ours */
	int nsigs;
};

/* Stops the thread out of its notification: 0; -ESRCH gone; -EAGAIN not in
 * an ioctl to restart (it has been let go as it was); -EPERM/-EBUSY not
 * ours to trace (nothing happened). */
int stopped_thread_seize(struct stopped_thread *t);

/* Has the thread run syscall nr with these arguments: its result. */
long stopped_thread_syscall(struct stopped_thread *t, long nr, uint64_t a0, uint64_t a1,
			    uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* Lets the thread go: the ioctl is issued again (err 0) or fails with err. */
void stopped_thread_release(struct stopped_thread *t, int err);

#endif
