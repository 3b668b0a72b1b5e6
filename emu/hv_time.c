/* SPDX-License-Identifier: MIT */
/*
 * The reference TSC page (TLFS "Partition Reference Time Enlightenment"):
 * the guest computes reference time as ((TSC * scale) >> 64) + offset from
 * a page it names in HV_X64_MSR_REFERENCE_TSC, without an exit. The
 * engine's RDTSC reads the host TSC (measured, see docs/synic.md), so the
 * page maps host TSC ticks onto emu_reference_time(). A sequence of 0
 * tells the guest to use the TIME_REF_COUNT MSR instead: so it is while
 * partition time is frozen (the page cannot express a stopped clock).
 */
#include "memory.h"
#include "engine.h"
#include "partition.h"
#include "hv.h"
#include "synic.h"

#include <hyperv/hv_all.h>

#include <time.h>
#include <x86intrin.h>

struct tsc_page {
	uint32_t sequence;
	uint32_t reserved;
	uint64_t scale;
	int64_t offset;
};

static double tsc_per_ns;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One (ns, TSC) pair: the TSC read between two clock reads, taken as at
 * their midpoint; the tightest of a few tries bounds the error. */
static void sample(uint64_t *ns, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t a = mono_ns(), c = __rdtsc(), b = mono_ns();
		if (b - a < best) {
			best = b - a;
			*ns = a + (b - a) / 2;
			*tsc = c;
		}
	}
}

/* TSC ticks per ns over 50 ms, once per process. */
static void calibrate(void)
{
	uint64_t t0, c0, t1, c1;
	struct timespec d = { 0, 50 * 1000 * 1000 };

	sample(&t0, &c0);
	nanosleep(&d, NULL);
	sample(&t1, &c1);
	tsc_per_ns = t1 > t0 && c1 > c0 ? (double)(c1 - c0) / (double)(t1 - t0) : 1.0;
}

uint64_t hv_tsc_frequency(void)
{
	pthread_once(&once, calibrate);
	return (uint64_t)(tsc_per_ns * 1e9);
}

/* 100 ns units per tick, as a 64.64 fixed-point scale (the page's). */
static uint64_t ref_scale(void)
{
	pthread_once(&once, calibrate);
	return (uint64_t)(18446744073709551616.0L / (100.0L * (long double)tsc_per_ns));
}

static uint64_t ticks_at(uint64_t tsc, uint64_t scale)
{
	return (uint64_t)(((unsigned __int128)tsc * scale) >> 64);
}

uint64_t hv_ref_ticks(void)
{
	return ticks_at(__rdtsc(), ref_scale());
}

/* Writes the page (engine and hv.m held). */
static void write_page(struct emu_partition *pt)
{
	struct emu_hv_pt *h = &pt->hv;

	if (!(h->ref_tsc & 1))
		return;
	struct tsc_page *p = mem_host(pt, h->ref_tsc & ~0xfffull, sizeof *p, true);
	if (!p)
		return;		/* not RAM: nothing to overlay */
	if (++h->tsc_seq == 0xffffffffu || h->tsc_seq == 0)
		h->tsc_seq = 1;
	if (pt->props.time_freeze) {
		p->sequence = 0;
		return;
	}
	/* reference time = ticks_at(TSC) - created_ref + offset: exactly
	 * emu_reference_time's formula. Sequentially consistent stores keep
	 * the sequence protocol's order (ThreadSanitizer has no fences). */
	__atomic_store_n(&p->sequence, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->scale, ref_scale(), __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->offset, (int64_t)(pt->props.reference_time_offset - pt->created_ref),
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->sequence, h->tsc_seq, __ATOMIC_SEQ_CST);
}

uint16_t hv_ref_tsc_set(struct emu_partition *pt, uint64_t val)
{
	struct emu_hv_pt *h = &pt->hv;

	if (val & 0xffeull)	/* reserved bits 1-11 */
		return HV_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&h->m);
	h->ref_tsc = val;
	write_page(pt);
	pthread_mutex_unlock(&h->m);
	return HV_STATUS_SUCCESS;
}

void hv_ref_tsc_refresh(struct emu_partition *pt)
{
	engine_acquire(pt, NULL);
	pthread_mutex_lock(&pt->hv.m);
	write_page(pt);
	pthread_mutex_unlock(&pt->hv.m);
	engine_release(pt);
	stimer_time_changed(pt);
}
