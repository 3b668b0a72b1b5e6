/* SPDX-License-Identifier: MIT */
/*
 * Kicks: making the VP inside uc_emu_start leave it, from any thread or
 * a signal handler, with nothing polled by the guest's code.
 *
 * The kicker sets the VP's kick bits, then, if that VP is inside
 * uc_emu_start (e->in_uc), calls uc_emu_stop. With Unicorn's exit checks
 * after memory accesses turned off (emu/ucpriv.c), the stop lands at the
 * start of the next block, exactly: nothing of that block has run and
 * Unicorn sets RIP to it. The VP thread publishes in_uc before it looks at
 * its kick bits for the last time, and the kicker sets the bits before it
 * looks at in_uc (both sequentially consistent), so either the VP sees the
 * bits and does not enter, or the kicker sees the VP inside.
 *
 * One stop can still be lost: uc_emu_start clears Unicorn's stop request
 * in its prologue (uc.c, "uc->stop_request = false"), after in_uc is set.
 * So every stop is followed up by the engine's kick thread, which asks
 * again every KICK_RETRY_NS for as long as the run the kicker saw goes on
 * (e->uc_runs counts the runs that ended); a stop that landed ends it.
 * The exception is a hook on the VP's own thread inside the run: it is
 * past the prologue, so its stop lands without a follow-up.
 */
#include "engine.h"
#include "partition.h"
#include "vp.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define KICK_RETRY_NS 20000L

static void *kick_thread(void *arg)
{
	struct emu_engine *e = arg;
	const struct timespec retry = { 0, KICK_RETRY_NS };
	uint64_t n;

	for (;;) {
		if (read(e->kick_fd, &n, sizeof n) < 0 && errno != EINTR)
			break;
		if (atomic_load(&e->kick_stop))
			break;
		/* No VP is looked at: one may be gone by now. */
		uint64_t run = atomic_load(&e->kick_run);
		while (atomic_load(&e->in_uc) && atomic_load(&e->uc_runs) == run) {
			nanosleep(&retry, NULL);
			if (atomic_load(&e->in_uc) && atomic_load(&e->uc_runs) == run)
				uc_emu_stop(e->uc);
		}
	}
	return NULL;
}

void engine_kick(struct emu_vp *vp, unsigned bits)
{
	struct emu_engine *e = &vp->pt->eng;
	uint64_t one = 1;

	atomic_fetch_or(&vp->kick, bits);
	if (atomic_load(&e->in_uc) != vp)
		return;
	/* Async-signal-safe: called from signal handlers too. */
	uc_emu_stop(e->uc);
	/* The VP's own thread inside the run is in a hook (its EOI, a CR8
	 * write), past uc_emu_start's prologue: this stop lands and needs no
	 * follow-up. Only a signal handler (EMU_KICK_SIGNAL, emu_vp_kick) can
	 * run on that thread before the prologue. Waking the kick thread for
	 * every EOI cost bench-irq's irqfd injection ~12 us at the median. */
	if (!(bits & EMU_KICK_SIGNAL) &&
	    atomic_load_explicit(&e->in_uc_thread, memory_order_relaxed) ==
		    (uintptr_t)pthread_self())
		return;
	atomic_store(&e->kick_run, atomic_load(&e->uc_runs));
	ssize_t r = write(e->kick_fd, &one, sizeof one);
	(void)r;
}

bool kick_enter(struct emu_engine *e, struct emu_vp *vp)
{
	/* Published before in_uc: a kicker that sees in_uc sees this. */
	atomic_store_explicit(&e->in_uc_thread, (uintptr_t)pthread_self(), memory_order_relaxed);
	atomic_store(&e->in_uc, vp);
	if (atomic_load(&vp->kick)) {
		atomic_store(&e->in_uc, NULL);
		return false;
	}
	return true;
}

/* A kicker that still sees the VP inside after this only stops an engine
 * that is not running (harmless): the kick bits it set first are what the
 * VP looks at. So the store needs no fence; the count's locked add is one. */
void kick_leave(struct emu_engine *e)
{
	atomic_store_explicit(&e->in_uc, NULL, memory_order_release);
	atomic_fetch_add(&e->uc_runs, 1);
}

int kick_init(struct emu_engine *e)
{
	e->kick_fd = eventfd(0, EFD_CLOEXEC);
	if (e->kick_fd < 0)
		return -errno;
	int rc = pthread_create(&e->kick_th, NULL, kick_thread, e);
	e->kick_started = rc == 0;
	return -rc;
}

void kick_fini(struct emu_engine *e)
{
	uint64_t one = 1;

	if (e->kick_started) {
		atomic_store(&e->kick_stop, true);
		ssize_t r = write(e->kick_fd, &one, sizeof one);
		(void)r;
		pthread_join(e->kick_th, NULL);
	}
	if (e->kick_fd >= 0)
		close(e->kick_fd);
}
