/* SPDX-License-Identifier: MIT */
/*
 * A TLB flush every EMU_TLB_TICK_NS while a partition's VPs run.
 *
 * QEMU sizes a CPU's software TLB from its use, and only when the TLB is
 * flushed (Unicorn 2.1.1 qemu/accel/tcg/cputlb.c, tlb_mmu_resize_locked):
 * a flush after a 100 ms window in which under 30 % of the entries were
 * used shrinks it, down to 64 entries; only a flush with over 70 % in use
 * grows it. A VP that sat idle for more than 100 ms after its set-up
 * meets such a shrinking flush on its first entry (the guest-mode entry
 * loads CR3). A guest that then never flushes its TLB itself (no CR3
 * write: a test program, a Hyperlight-style function, a compute loop)
 * keeps 64 entries for ever: measured 90x slower on a 256-page working
 * set (bench-dirty's sweep), run after run. The tick gives QEMU's
 * heuristic the flushes it expects from an operating system: the running
 * VP is kicked (it stops at a block entry, emu/kick.c) and the run
 * loop flushes; a VP that ran since the last tick but is out of the
 * engine gets its flush at the next entry. With no entry between two
 * ticks the thread sleeps until the next one. One flush costs a refill
 * (one page walk per page touched afterwards): nothing at 10 per second.
 */
#include "engine.h"
#include "partition.h"
#include "vp.h"

#include <errno.h>
#include <time.h>

#define EMU_TLB_TICK_NS 100000000L	/* QEMU's resize window */

static void *tick_thread(void *arg)
{
	struct emu_engine *e = arg;
	struct timespec t;

	pthread_mutex_lock(&e->m);
	uint64_t seen = e->generation;
	while (!e->tick_stop) {
		if (!e->tick_armed) {
			pthread_cond_wait(&e->tick_cv, &e->m);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += EMU_TLB_TICK_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		while (!e->tick_stop && pthread_cond_timedwait(&e->tick_cv, &e->m, &t) != ETIMEDOUT)
			;
		if (e->tick_stop)
			break;
		if (e->running)
			engine_kick(e->running, EMU_KICK_TLB);
		else if (e->generation != seen)
			e->tlb_due = true;
		else
			e->tick_armed = false;
		seen = e->generation;
	}
	pthread_mutex_unlock(&e->m);
	return NULL;
}

bool tlb_tick_entry(struct emu_engine *e)
{
	bool due = e->tlb_due;

	e->tlb_due = false;
	if (e->tick_armed)
		return due;
	e->tick_armed = true;
	if (e->tick_started)
		pthread_cond_signal(&e->tick_cv);
	else
		e->tick_started = pthread_create(&e->tick, NULL, tick_thread, e) == 0;
	return due;
}

void tlb_tick_init(struct emu_engine *e)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->tick_cv, &ca);
	pthread_condattr_destroy(&ca);
}

void tlb_tick_fini(struct emu_engine *e)
{
	pthread_mutex_lock(&e->m);
	e->tick_stop = true;
	pthread_cond_signal(&e->tick_cv);
	pthread_mutex_unlock(&e->m);
	if (e->tick_started)
		pthread_join(e->tick, NULL);
	pthread_cond_destroy(&e->tick_cv);
}
