/* SPDX-License-Identifier: MIT */
/*
 * The LAPIC timer (one-shot, periodic, TSC-deadline) in real time: one
 * thread per partition, started by the first armed timer, sleeps until
 * the earliest deadline of its VPs and sets their timer vectors the way
 * lapic_deliver does (see emu/lapic.c for the threading rules).
 */
#include "emu_limits.h"
#include "vp.h"
#include "partition.h"
#include "lapic.h"
#include "lapic_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/mshv.h>

uint64_t lapic_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- the timer thread --- */

static void *timer_thread(void *arg);

void lapic_timer_changed(struct emu_partition *pt)
{
	struct emu_lapic_pt *t = &pt->lapic;

	pthread_mutex_lock(&t->m);
	if (!t->started && !t->stop) {
		t->started = pthread_create(&t->thread, NULL, timer_thread, pt) == 0;
	}
	t->changed = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->m);
}

void lapic_timer_arm(struct emu_vp *vp, uint64_t count_ns)
{
	struct emu_lapic *a = &vp->apic;

	a->deadline_ns = count_ns ? lapic_now_ns() + count_ns : 0;
	lapic_timer_changed(vp->pt);
}

/* TSC ticks per ns, measured once. */
static double tsc_per_ns;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;

static void tsc_calibrate(void)
{
	uint64_t t0 = lapic_now_ns(), c0 = __rdtsc();
	struct timespec d = { 0, 10 * 1000 * 1000 };

	nanosleep(&d, NULL);
	uint64_t t1 = lapic_now_ns(), c1 = __rdtsc();
	tsc_per_ns = t1 > t0 ? (double)(c1 - c0) / (double)(t1 - t0) : 1.0;
	if (tsc_per_ns <= 0)
		tsc_per_ns = 1.0;
}

uint64_t lapic_tsc_to_ns(uint64_t val)
{
	pthread_once(&tsc_once, tsc_calibrate);
	uint64_t tsc = __rdtsc();
	uint64_t ns = val > tsc ? (uint64_t)((double)(val - tsc) / tsc_per_ns) : 0;
	return ns ? ns : 1;
}

/* Expired timers: set their vector (a->m held); true if the VP needs a kick. */
static bool timer_fire(struct emu_lapic *a, uint64_t now)
{
	if (!a->deadline_ns || a->deadline_ns > now)
		return false;
	bool fired = false;
	uint32_t lvt = a->lvt[LVT_TIMER];
	if (!(lvt & LVT_MASKED) && hw_enabled(a) && sw_enabled(a)) {
		lapic_accept_fixed(a, lvt & 0xff, false, false);
		fired = true;
	}
	if (timer_mode(a) == 1 && a->period_ns) {
		a->deadline_ns += a->period_ns;
		if (a->deadline_ns <= now)	/* missed ticks are dropped */
			a->deadline_ns = now + a->period_ns;
	} else {
		a->deadline_ns = 0;
		if (timer_mode(a) == 2)
			a->tsc_deadline = 0;
	}
	return fired;
}

static void *timer_thread(void *arg)
{
	struct emu_partition *pt = arg;
	struct emu_lapic_pt *t = &pt->lapic;
	struct emu_vp *vps[EMU_MAX_VPS];

	for (;;) {
		uint64_t now = lapic_now_ns(), next = UINT64_MAX;

		pthread_mutex_lock(&pt->lock);
		memcpy(vps, pt->vps, sizeof vps);
		pthread_mutex_unlock(&pt->lock);
		for (size_t i = 0; i < EMU_MAX_VPS; i++) {
			struct emu_vp *vp = vps[i];
			if (!vp)
				continue;
			pthread_mutex_lock(&vp->apic.m);
			bool fired = timer_fire(&vp->apic, now);
			if (vp->apic.deadline_ns && vp->apic.deadline_ns < next)
				next = vp->apic.deadline_ns;
			pthread_mutex_unlock(&vp->apic.m);
			if (fired)
				lapic_kick(vp);
		}
		pthread_mutex_lock(&t->m);
		while (!t->stop && !t->changed) {
			if (next == UINT64_MAX) {
				pthread_cond_wait(&t->cv, &t->m);
				continue;
			}
			struct timespec ts = { (time_t)(next / 1000000000ull),
					       (long)(next % 1000000000ull) };
			if (pthread_cond_timedwait(&t->cv, &t->m, &ts) == ETIMEDOUT)
				break;
		}
		t->changed = false;
		bool stop = t->stop;
		pthread_mutex_unlock(&t->m);
		if (stop)
			return NULL;
	}
}

uint32_t lapic_current_count(const struct emu_lapic *a)
{
	if (!a->deadline_ns || timer_mode(a) == 2)
		return 0;
	uint64_t now = lapic_now_ns(), left = 0;
	if (a->deadline_ns > now)
		left = a->deadline_ns - now;
	else if (timer_mode(a) == 1 && a->period_ns)	/* reloaded, tick not yet taken */
		left = a->period_ns - (now - a->deadline_ns) % a->period_ns;
	uint64_t c = left / divisor(a);
	return c > a->initial_count ? a->initial_count : (uint32_t)c;
}
