/* SPDX-License-Identifier: MIT */
/*
 * Shared by the LAPIC's own files (emu/lapic.c: register file, xAPIC page,
 * MSRs, VP state; emu/lapic_deliver.c: delivery, IPIs, INIT/SIPI,
 * injection; emu/lapic_timer.c: the timer thread) and the SynIC's, which
 * set vectors in the LAPIC directly (emu/synic.c, emu/stimer.c).
 */
#ifndef MSHV_EMU_LAPIC_INTERNAL_H
#define MSHV_EMU_LAPIC_INTERNAL_H

#include "lapic.h"

#define APIC_VERSION	0x50014u	/* version 0x14, max LVT 5 */
#define SVR_ENABLE	0x100u
#define LVT_MASKED	0x10000u
#define BASE_BSP	(1ull << 8)
#define BASE_EXTD	(1ull << 10)
#define BASE_EN		(1ull << 11)
#define ESR_RECV_ILLEGAL 0x40u
#define ESR_SEND_ILLEGAL 0x20u
#define ESR_ILLEGAL_REG	0x80u
#define MIN_PERIOD_NS	100000ull	/* periodic timers: at most 10 kHz */

/* --- bit arrays --- */

static inline void set_bit256(uint32_t *a, unsigned v) { a[v >> 5] |= 1u << (v & 31); }
static inline void clr_bit256(uint32_t *a, unsigned v) { a[v >> 5] &= ~(1u << (v & 31)); }
static inline bool tst_bit256(const uint32_t *a, unsigned v) { return a[v >> 5] & (1u << (v & 31)); }

static inline int highest(const uint32_t *a)
{
	for (int i = 7; i >= 0; i--)
		if (a[i])
			return i * 32 + 31 - __builtin_clz(a[i]);
	return -1;
}

/* --- state helpers (a->m held) --- */

static inline bool hw_enabled(const struct emu_lapic *a) { return a->base & BASE_EN; }
static inline bool x2_mode(const struct emu_lapic *a) { return (a->base & (BASE_EN | BASE_EXTD)) == (BASE_EN | BASE_EXTD); }
static inline bool sw_enabled(const struct emu_lapic *a) { return a->svr & SVR_ENABLE; }

static inline uint32_t ppr(const struct emu_lapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isrc ? a->tpr & 0xff : isrc;
}

/* Highest IRR vector above PPR, or -1. */
static inline int deliverable(const struct emu_lapic *a)
{
	int v = highest(a->irr);

	if (v < 0 || !hw_enabled(a))
		return -1;
	return ((uint32_t)v & 0xf0) > (ppr(a) & 0xf0) ? v : -1;
}

static inline uint32_t divisor(const struct emu_lapic *a)
{
	uint32_t v = (a->dcr & 3) | ((a->dcr & 8) >> 1);

	return v == 7 ? 1 : 2u << v;
}

static inline unsigned timer_mode(const struct emu_lapic *a)
{
	return (a->lvt[LVT_TIMER] >> 17) & 3;
}

/* emu/lapic_timer.c */
uint64_t lapic_now_ns(void);
/* Tells the timer thread a deadline changed (a->m may be held). */
void lapic_timer_changed(struct emu_partition *pt);
/* Arms vp's timer count_ns from now; 0 disarms (a->m held). */
void lapic_timer_arm(struct emu_vp *vp, uint64_t count_ns);
/* Nanoseconds until TSC value tsc (nonzero), at least 1. */
uint64_t lapic_tsc_to_ns(uint64_t tsc);
/* Current-count register (a->m held). */
uint32_t lapic_current_count(const struct emu_lapic *a);

/* emu/lapic_deliver.c */
/* Flags an interrupt for vp and wakes it. */
void lapic_kick(struct emu_vp *vp);
/* Sets vector in IRR (a->m held). */
void lapic_accept_fixed(struct emu_lapic *a, unsigned vector, bool level, bool extint);
/* ICR write (a->m not held). */
void lapic_send_ipi(struct emu_vp *vp, uint32_t lo, uint32_t hi, bool x2);

#endif
