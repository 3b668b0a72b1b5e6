/* SPDX-License-Identifier: MIT */
/*
 * Signals: sigaction/signal and friends put a trampoline in front of the
 * program's handlers, so that a signal sent to a thread blocked in
 * MSHV_RUN_VP kicks the VP (the run returns EINTR, as in the kernel).
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE

#include "preload.h"

/* Prototypes glibc only declares under some feature/fortify settings. */
int __sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
sighandler_t __sysv_signal(int sig, sighandler_t handler);
sighandler_t sysv_signal(int sig, sighandler_t handler);
sighandler_t bsd_signal(int sig, sighandler_t handler);

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

/*
 * When the program installs a handler, the kernel gets our trampoline
 * instead (always SA_SIGINFO, with the program's mask and other flags);
 * the program's handler is published in sig_cur[sig] as an immutable,
 * never-freed record, so the trampoline reads it with one atomic load.
 * Records are interned by (handler, flags), so re-installing the same
 * handler does not allocate. SA_RESETHAND handlers are passed through
 * unchanged (the kernel resets them to SIG_DFL behind our back).
 *
 * Updates are serialized by a mutex taken with all signals blocked, so
 * sigaction stays usable from signal handlers.
 */
struct sig_rec {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *);
	} fn;
	int flags;		/* the program's sa_flags */
	struct sig_rec *next;	/* intern list */
};

#define SIG_REC_POOL 256

static _Atomic(const struct sig_rec *) sig_cur[_NSIG];
static struct sig_rec sig_pool[SIG_REC_POOL];
static unsigned sig_pool_used;
static struct sig_rec *sig_interned;
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;

static void sig_trampoline(int sig, siginfo_t *info, void *uc)
{
	struct emu_vp *vp = tls_current_vp;
	const struct sig_rec *rec;

	if (vp) {
		int saved = errno;

		emu_vp_kick(vp);
		errno = saved;
	}
	if (sig <= 0 || sig >= _NSIG)
		return;
	rec = atomic_load_explicit(&sig_cur[sig], memory_order_acquire);
	if (!rec)
		return;
	if (rec->flags & SA_SIGINFO)
		rec->fn.action(sig, info, uc);
	else
		rec->fn.handler(sig);
}

/* Under sig_lock. */
static const struct sig_rec *sig_intern(const struct sigaction *act)
{
	struct sig_rec *r;
	bool si = (act->sa_flags & SA_SIGINFO) != 0;

	for (r = sig_interned; r; r = r->next) {
		if (r->flags != act->sa_flags)
			continue;
		if (si ? r->fn.action == act->sa_sigaction
		       : r->fn.handler == act->sa_handler)
			return r;
	}
	if (sig_pool_used < SIG_REC_POOL)
		r = &sig_pool[sig_pool_used++];
	else if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	if (si)
		r->fn.action = act->sa_sigaction;
	else
		r->fn.handler = act->sa_handler;
	r->flags = act->sa_flags;
	r->next = sig_interned;
	sig_interned = r;
	return r;
}

static bool sig_wrappable(int sig, const struct sigaction *act)
{
	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	if (act->sa_flags & SA_RESETHAND)
		return false;
	if (act->sa_flags & SA_SIGINFO)
		return act->sa_sigaction != NULL;
	return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

static int do_sigaction(enum real_id id, int sig, const struct sigaction *act,
			struct sigaction *oact)
{
	sigaction_fn f = (sigaction_fn)real(id);
	const struct sig_rec *prev, *rec = NULL;
	struct sigaction kact, kold;
	const struct sigaction *pass = act;
	sigset_t all, oldmask;
	int ret, e;

	if (!f && id == R___sigaction)
		f = (sigaction_fn)real(R_sigaction);
	if (!f) {
		errno = ENOSYS;
		return -1;
	}
	if (sig <= 0 || sig >= _NSIG)
		return f(sig, act, oact);

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &oldmask);
	pthread_mutex_lock(&sig_lock);

	prev = atomic_load_explicit(&sig_cur[sig], memory_order_relaxed);
	if (act && sig_wrappable(sig, act)) {
		rec = sig_intern(act);
		if (rec) {
			kact = *act;
			kact.sa_sigaction = sig_trampoline;
			kact.sa_flags |= SA_SIGINFO;
			pass = &kact;
			/* Published before the kernel switch-over so a signal
			 * taken meanwhile never finds an empty record. */
			atomic_store_explicit(&sig_cur[sig], rec,
					      memory_order_release);
		}
	}
	memset(&kold, 0, sizeof(kold));
	ret = f(sig, pass, &kold);
	e = errno;
	if (ret < 0) {
		if (rec)
			atomic_store_explicit(&sig_cur[sig], prev,
					      memory_order_release);
	} else if (oact) {
		*oact = kold;
		if ((kold.sa_flags & SA_SIGINFO) &&
		    kold.sa_sigaction == sig_trampoline && prev) {
			if (prev->flags & SA_SIGINFO)
				oact->sa_sigaction = prev->fn.action;
			else
				oact->sa_handler = prev->fn.handler;
			oact->sa_flags = (kold.sa_flags & ~SA_SIGINFO) |
					 (prev->flags & SA_SIGINFO);
		}
	}

	pthread_mutex_unlock(&sig_lock);
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	errno = e;
	return ret;
}

PRELOAD_EXPORT int sigaction(int sig, const struct sigaction *act,
			     struct sigaction *oact)
{
	return do_sigaction(R_sigaction, sig, act, oact);
}

PRELOAD_EXPORT int __sigaction(int sig, const struct sigaction *act,
			       struct sigaction *oact)
{
	return do_sigaction(R___sigaction, sig, act, oact);
}

static sighandler_t signal_with_flags(int sig, sighandler_t handler,
				      int flags, bool mask_self)
{
	struct sigaction act, old;

	if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	if (mask_self && sigaddset(&act.sa_mask, sig) < 0)
		return SIG_ERR;
	act.sa_flags = flags;
	if (do_sigaction(R_sigaction, sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* BSD semantics, as glibc's signal(). */
PRELOAD_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESTART, true);
}

PRELOAD_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESTART, true);
}

/* System V semantics: one-shot (SA_RESETHAND, so never wrapped). */
PRELOAD_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESETHAND | SA_NODEFER,
				 false);
}

PRELOAD_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESETHAND | SA_NODEFER,
				 false);
}
