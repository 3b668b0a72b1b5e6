/* SPDX-License-Identifier: MIT */
/*
 * A VMM thread stopped out of its seccomp notification (stopped_thread.h).
 */
#define _GNU_SOURCE
#include <config.h>

#include "stopped_thread.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ERESTARTSYS
#define ERESTARTSYS    512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#endif

static void hold_signal(struct stopped_thread *t, int sig)
{
	if (t->nsigs < STOPPED_THREAD_SIGS)
		t->sigs[t->nsigs++] = sig;
}

/*
 * The thread's next ptrace stop (ptrace's status: signal | event << 8), or
 * -ESRCH if it exited. The exit of the VMM's first thread is left for the
 * launcher's own waitpid, which reports the VMM's status.
 */
static int wait_stop(struct stopped_thread *t)
{
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof si);
		if (waitid(P_PID, t->tid, &si, WEXITED | WSTOPPED | __WALL | WNOWAIT)) {
			if (errno == EINTR)
				continue;
			return -ESRCH;
		}
		if (si.si_code != CLD_TRAPPED && si.si_code != CLD_STOPPED) {
			if (t->tid != t->leader)
				waitpid(t->tid, NULL, __WALL);
			return -ESRCH;
		}
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, t->tid, &si, WSTOPPED | __WALL | WNOHANG)) {
			if (errno == EINTR)
				continue;
			return -ESRCH;
		}
		if (si.si_pid)
			return si.si_status;
	}
}

/* Resumes the thread up to its next syscall stop; signals that arrive
 * meanwhile are held back and sent again once it is released. */
static int to_syscall_stop(struct stopped_thread *t)
{
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0))
			return -ESRCH;
		int st = wait_stop(t);
		if (st < 0)
			return st;
		if ((st & 0xff) == (SIGTRAP | 0x80))
			return 0;
		if (!(st >> 8))
			hold_signal(t, st & 0xff);
		/* else an event stop (our interrupt, a group stop): go on */
	}
}

/* Has the thread run syscall nr with the arguments given: its result. */
long stopped_thread_syscall(struct stopped_thread *t, long nr, uint64_t a0, uint64_t a1,
			    uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct user_regs_struct r = t->saved;
	int e;

	r.rip = t->saved.rip - 2; /* the syscall instruction it ran */
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1; /* no restart of the ioctl meanwhile */
	r.rdi = a0, r.rsi = a1, r.rdx = a2, r.r10 = a3, r.r8 = a4, r.r9 = a5;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r))
		return -ESRCH;
	if ((e = to_syscall_stop(t)) || (e = to_syscall_stop(t))) /* entry, exit */
		return e;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r))
		return -ESRCH;
	return (long)r.rax;
}

/* Detaches, and sends again the signals held back meanwhile. */
static void let_go(struct stopped_thread *t)
{
	ptrace(PTRACE_DETACH, t->tid, 0, 0);
	for (int i = 0; i < t->nsigs; i++)
		syscall(SYS_tgkill, t->tgid, t->tid, t->sigs[i]);
}

/* Stops the thread out of its notification: 0 with t->saved, or -errno. */
int stopped_thread_seize(struct stopped_thread *t)
{
	if (ptrace(PTRACE_SEIZE, t->tid, 0, PTRACE_O_TRACESYSGOOD))
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0)) {
		int e = errno;
		ptrace(PTRACE_DETACH, t->tid, 0, 0);
		return -e;
	}
	int st = wait_stop(t);
	if (st < 0)
		return st;
	if (!(st >> 8))
		hold_signal(t, st & 0xff);
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &t->saved))
		return -ESRCH;
	errno = 0;
	long insn = ptrace(PTRACE_PEEKTEXT, t->tid, t->saved.rip - 2, 0);
	long ret = (long)t->saved.rax;
	/* In the ioctl, leaving the notification to restart it. */
	if (errno || (insn & 0xffff) != 0x050f || t->saved.orig_rax != SYS_ioctl ||
	    (ret != -ERESTARTSYS && ret != -ERESTARTNOINTR && ret != -ERESTARTNOHAND)) {
		let_go(t);
		return -EAGAIN;
	}
	return 0;
}

/* Lets the thread go: the ioctl is issued again (err 0) or fails with err. */
void stopped_thread_release(struct stopped_thread *t, int err)
{
	struct user_regs_struct r = t->saved;

	if (err) {
		r.rax = (uint64_t)(long)err;
	} else {
		r.rip -= 2;
		r.rax = t->saved.orig_rax;
	}
	r.orig_rax = (uint64_t)-1;
	ptrace(PTRACE_SETREGS, t->tid, 0, &r);
	let_go(t);
}
