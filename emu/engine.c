/* SPDX-License-Identifier: MIT */
/*
 * One Unicorn engine per partition. Two engines executing at once on shared
 * memory would break locked instructions and cross-VP code coherence, so the
 * partition's VPs take turns on a single engine: whoever needs it (a VP's
 * RUN_VP, a hypercall touching VP state, a memory map change) acquires it,
 * and a VP inside uc_emu_start is asked to yield via its kick flag.
 */
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "svm.h"
#include "rawenv.h"
#include "codewatch.h"
#include "codebuf.h"

#include <unicorn/unicorn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a VP runs before a preempted VP gets the engine back, and the
 * least a VP runs before anyone else preempts it. */
#define EMU_SLICE_NS 2000000L
#define EMU_MIN_TURN_NS 100000L

int engine_init(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;
	pthread_condattr_t ca;

	e->kick_fd = -1;
	pthread_mutex_init(&e->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	tlb_tick_init(e);
	if (kick_init(e))
		return -EAGAIN;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc) != UC_ERR_OK)
		return -ENOMEM;
	/* No stop address: a guest may legitimately execute at linear 0. */
	uc_ctl_exits_enable(e->uc);
	/* Maps the code buffer near libunicorn and gets it past Unicorn
	 * 2.1.1's first-fill defect (codebuf.c). */
	uc_err err;
	e->codebuf = codebuf_engine_init(e->uc, EMU_TCG_BUFFER, &e->scratch, &err) + 1;
	if (err != UC_ERR_OK)
		return -ENOMEM;
	int rc = svm_init(pt);
	if (rc) {
		/* There is no other engine to fall back to. */
		fprintf(stderr, "mshv-emu: cannot set up the SVM engine: %s\n", strerror(-rc));
		return rc;
	}
	return run_hooks_install(pt);
}

void engine_fini(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;

	tlb_tick_fini(e);
	kick_fini(e);
	codewatch_free(e->cw);
	codewatch_free(e->vmm_cw);
	for (size_t i = 0; i < e->ncode; i++)
		free(e->code[i].shadow);
	free(e->code);
	if (e->scratch)
		uc_context_free(e->scratch);
	if (e->pristine)
		uc_context_free(e->pristine);
	if (e->uc) {
		scanner_detach(pt);
		uc_close(e->uc);
	}
	if (e->codebuf)
		codebuf_return(e->codebuf - 1);
	/* Unicorn has let go of the host area and the hooks' data. */
	scanner_fini(pt);
	svm_fini(pt);
	pthread_mutex_destroy(&e->m);
	pthread_cond_destroy(&e->cv);
}

static void deadline_in(struct timespec *t, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_nsec += ns;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* first_wait_ns: how long the running VP may go on before it is asked to
 * yield, then EMU_SLICE_NS between requests. A preempted VP (yielder)
 * waits apart from the others: see engine_enter. */
static void acquire(struct emu_partition *pt, long first_wait_ns, bool yielder)
{
	struct emu_engine *e = &pt->eng;
	_Atomic unsigned *count = yielder ? &e->yielders : &e->waiters;
	struct timespec slice;

	pthread_mutex_lock(&e->m);
	(*count)++;
	/* The clock is read only when there is a wait (a VMM call or an
	 * entry on a free engine, the common case, does not). */
	if (e->busy)
		deadline_in(&slice, first_wait_ns);
	while (e->busy) {
		if (pthread_cond_timedwait(&e->cv, &e->m, &slice) == ETIMEDOUT) {
			if (e->running)
				engine_kick(e->running, EMU_KICK_YIELD);
			deadline_in(&slice, EMU_SLICE_NS);
		}
	}
	(*count)--;
	e->busy = true;
	e->generation++;
	/* A VP in engine_yield waits for this generation change. */
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->m);
}

/* A VMM call, a VP entering RUN_VP or woken from a halt: short work or an
 * interrupt to take, so the running VP is asked to yield almost at once
 * (measured: waiting out a whole slice made every IPI to an idle VP and
 * every exit completed beside a running VP cost ~2 ms). The running VP
 * gets its minimum turn first, so two busy VPs do not thrash. */
void engine_acquire(struct emu_partition *pt, struct emu_vp *who)
{
	(void)who;
	acquire(pt, EMU_MIN_TURN_NS, false);
}

void engine_release(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;

	pthread_mutex_lock(&e->m);
	e->busy = false;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->m);
}

/* Hands the engine to a waiter and takes it back after someone else ran:
 * a preempted VP waits a whole slice before it asks for its turn back. */
void engine_yield(struct emu_partition *pt, struct emu_vp *vp)
{
	struct emu_engine *e = &pt->eng;

	(void)vp;
	pthread_mutex_lock(&e->m);
	uint64_t gen = e->generation;
	e->busy = false;
	pthread_cond_broadcast(&e->cv);
	while (e->waiters + e->yielders > 0 && e->generation == gen)
		pthread_cond_wait(&e->cv, &e->m);
	pthread_mutex_unlock(&e->m);
	acquire(pt, EMU_SLICE_NS, true);
}

/* Marks vp as inside uc_emu_start; false if a VMM call or a VP that is
 * not a yielder is waiting. A VP that just yielded must not stop the VP
 * it yielded to from running: two VPs each refusing to enter while the
 * other waited handed the engine back and forth for ever without running
 * either (a 2-VP Linux boot under ASan stalled at AP bring-up, both VPs
 * frozen with no exit for 300 s). A yielder asks for its turn only after
 * its slice, through the running VP's kick. */
bool engine_enter(struct emu_partition *pt, struct emu_vp *vp)
{
	struct emu_engine *e = &pt->eng;
	bool ok, flush = false;

	pthread_mutex_lock(&e->m);
	ok = e->waiters == 0;
	if (ok) {
		e->running = vp;
		flush = tlb_tick_entry(e);
	}
	pthread_mutex_unlock(&e->m);
	if (flush)
		uc_ctl_flush_tlb(e->uc);
	return ok;
}

void engine_leave(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;

	pthread_mutex_lock(&e->m);
	e->running = NULL;
	pthread_mutex_unlock(&e->m);
}

void engine_load(struct emu_partition *pt, struct emu_vp *vp)
{
	struct emu_engine *e = &pt->eng;

	if (e->loaded == vp)
		return;
	if (e->loaded) {
		uc_context_save(e->uc, e->loaded->ctx);
		e->loaded->ctx_valid = true;
	}
	uc_context_restore(e->uc, vp->ctx);
	uc_ctl_flush_tlb(e->uc);
	e->loaded = vp;
	/* Guest mode travels with the context (svm.c). */
	vp->svm_guest = raw_get_hflags(vp->ctx) & HF_GUEST;
}
