/* SPDX-License-Identifier: MIT */
/*
 * One Unicorn engine per partition. Two engines executing at once on shared
 * memory would break locked instructions and cross-VP code coherence, so the
 * partition's VPs take turns on a single engine: whoever needs it (a VP's
 * RUN_VP, a hypercall touching VP state, a memory map change) acquires it,
 * and a VP inside uc_emu_start is asked to yield via its kick flag.
 */
#include "internal.h"
#include "rawenv.h"
#include "svm.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The code cache is per engine. Unicorn's default (1 GiB) is slow to set
 * up, and every TB flush clears the whole buffer (measured: 7-8 ms for
 * 128 MiB), so keep it modest. */
#define EMU_TCG_BUFFER (32u << 20)

/* How long a VP runs before a waiting VP (or hypercall) gets the engine. */
#define EMU_SLICE_NS 2000000L

/* How often the kicker repeats uc_emu_stop: a stop issued just before
 * uc_emu_start begins is forgotten (uc_emu_start clears the request). */
#define EMU_KICK_RETRY_NS 50000L

/* SVM engine: nothing polls the kick flag inside the guest, so a kick is
 * a uc_emu_stop from here, repeated while the kicked VP is still inside
 * the engine with its flag set. The VP clears its flags only outside
 * uc_emu_start, and checks them after engine_enter (which publishes
 * e->running under e->m) and before uc_emu_start: a flag set before that
 * check is seen there; one set after it finds e->running == vp here and
 * is repeated until the VP has left. No kick is lost. */
static void *kicker_main(void *arg)
{
	struct emu_engine *e = arg;

	pthread_mutex_lock(&e->m);
	while (!e->kquit) {
		struct emu_vp *vp = e->running;
		if (vp && atomic_load(&vp->kick)) {
			uc_emu_stop(e->uc);
			pthread_mutex_unlock(&e->m);
			struct timespec d = { 0, EMU_KICK_RETRY_NS };
			nanosleep(&d, NULL);
			pthread_mutex_lock(&e->m);
			continue;
		}
		pthread_cond_wait(&e->kcv, &e->m);
	}
	pthread_mutex_unlock(&e->m);
	return NULL;
}

void engine_kick(struct emu_vp *vp, unsigned bits)
{
	struct emu_engine *e = &vp->pt->eng;

	atomic_fetch_or(&vp->kick, bits);
	if (!e->svm)
		return;	/* the code hook polls the flag */
	pthread_mutex_lock(&e->m);
	pthread_cond_signal(&e->kcv);
	pthread_mutex_unlock(&e->m);
}

static int engine_svm_init(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;
	int rc = svm_init(pt);

	if (rc)
		return rc;
	pthread_cond_init(&e->kcv, NULL);
	if (pthread_create(&e->kicker, NULL, kicker_main, e))
		return -ENOMEM;
	e->kicker_running = true;
	return 0;
}

int engine_init(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;
	pthread_condattr_t ca;

	pthread_mutex_init(&e->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc) != UC_ERR_OK)
		return -ENOMEM;
	uc_ctl_set_tcg_buffer_size(e->uc, EMU_TCG_BUFFER);
	/* No stop address: a guest may legitimately execute at linear 0. */
	uc_ctl_exits_enable(e->uc);
	if (uc_context_alloc(e->uc, &e->scratch) != UC_ERR_OK)
		return -ENOMEM;
	if (svm_engine_wanted()) {
		int rc = engine_svm_init(pt);
		if (rc)
			return rc;
	}
	return run_hooks_install(pt);
}

void engine_fini(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;

	if (e->kicker_running) {
		pthread_mutex_lock(&e->m);
		e->kquit = true;
		pthread_cond_signal(&e->kcv);
		pthread_mutex_unlock(&e->m);
		pthread_join(e->kicker, NULL);
		pthread_cond_destroy(&e->kcv);
		e->kicker_running = false;
	}
	for (size_t i = 0; i < e->ncode; i++)
		free(e->code[i].shadow);
	free(e->code);
	if (e->scratch)
		uc_context_free(e->scratch);
	if (e->pristine)
		uc_context_free(e->pristine);
	if (e->uc)
		uc_close(e->uc);
	/* Unicorn has let go of the host area and the hooks' data. */
	scanner_fini(pt);
	svm_fini(pt);
	pthread_mutex_destroy(&e->m);
	pthread_cond_destroy(&e->cv);
}

static void slice_deadline(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_nsec += EMU_SLICE_NS;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

void engine_acquire(struct emu_partition *pt, struct emu_vp *who)
{
	struct emu_engine *e = &pt->eng;

	(void)who;
	struct timespec slice;

	pthread_mutex_lock(&e->m);
	e->waiters++;
	/* The running VP keeps the engine for a time slice before it is asked
	 * to yield: a turn costs a context switch and a TLB flush. */
	slice_deadline(&slice);
	while (e->busy) {
		if (pthread_cond_timedwait(&e->cv, &e->m, &slice) == ETIMEDOUT) {
			if (e->running) {
				atomic_fetch_or(&e->running->kick, EMU_KICK_YIELD);
				if (e->svm)
					pthread_cond_signal(&e->kcv);
			}
			slice_deadline(&slice);
		}
	}
	e->waiters--;
	e->busy = true;
	e->generation++;
	/* A VP in engine_yield waits for this generation change. */
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->m);
}

void engine_release(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;

	pthread_mutex_lock(&e->m);
	e->busy = false;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->m);
}

/* Hands the engine to a waiter and takes it back after someone else ran. */
void engine_yield(struct emu_partition *pt, struct emu_vp *vp)
{
	struct emu_engine *e = &pt->eng;

	pthread_mutex_lock(&e->m);
	uint64_t gen = e->generation;
	e->busy = false;
	pthread_cond_broadcast(&e->cv);
	while (e->waiters > 0 && e->generation == gen)
		pthread_cond_wait(&e->cv, &e->m);
	pthread_mutex_unlock(&e->m);
	engine_acquire(pt, vp);
}

/* Marks vp as inside uc_emu_start; false if someone is already waiting. */
bool engine_enter(struct emu_partition *pt, struct emu_vp *vp)
{
	struct emu_engine *e = &pt->eng;
	bool ok;

	pthread_mutex_lock(&e->m);
	ok = e->waiters == 0;
	if (ok)
		e->running = vp;
	pthread_mutex_unlock(&e->m);
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
	vp->svm_guest = e->svm && (raw_get_hflags(vp->ctx) & HF_GUEST);
	run_flush_fetch(vp);
}
