/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of each VP: xAPIC MMIO at the APIC base, x2APIC MSRs,
 * TPR/PPR, IRR/ISR/TMR, EOI, LVTs, the timer (one-shot, periodic,
 * TSC-deadline) in real time, IPIs through the ICR, INIT/SIPI, and the
 * delivery entry point shared with ASSERT_VIRTUAL_INTERRUPT and irqfds
 * (emu/irq.h).
 *
 * Threads. lapic_deliver may run on any thread; it only sets bits in the
 * target LAPIC (under its mutex) and kicks the VP (EMU_KICK_IRQ + its
 * eventfd). The VP's own run loop is the only place that injects
 * (lapic_service, engine held). A per-partition timer thread, started by
 * the first armed timer, sets the timer vector the same way.
 */
#include "internal.h"
#include "rawenv.h"
#include "irq.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/mshv.h>

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

/* Irqfd resampling lives in emu/irqfd.c; this default keeps the LAPIC
 * linkable without it. */
__attribute__((weak)) void irqfd_notify_eoi(struct emu_partition *pt, uint8_t vector)
{
	(void)pt, (void)vector;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool lapic_pt(const struct emu_partition *pt)
{
	return pt->cfg.pt_flags & (1ull << MSHV_PT_BIT_LAPIC);
}

static bool x2apic_pt(const struct emu_partition *pt)
{
	return pt->cfg.pt_flags & (1ull << MSHV_PT_BIT_X2APIC);
}

/* --- bit arrays --- */

static void set_bit256(uint32_t *a, unsigned v) { a[v >> 5] |= 1u << (v & 31); }
static void clr_bit256(uint32_t *a, unsigned v) { a[v >> 5] &= ~(1u << (v & 31)); }
static bool tst_bit256(const uint32_t *a, unsigned v) { return a[v >> 5] & (1u << (v & 31)); }

static int highest(const uint32_t *a)
{
	for (int i = 7; i >= 0; i--)
		if (a[i])
			return i * 32 + 31 - __builtin_clz(a[i]);
	return -1;
}

/* --- state helpers (a->m held) --- */

static bool hw_enabled(const struct emu_lapic *a) { return a->base & BASE_EN; }
static bool x2_mode(const struct emu_lapic *a) { return (a->base & (BASE_EN | BASE_EXTD)) == (BASE_EN | BASE_EXTD); }
static bool sw_enabled(const struct emu_lapic *a) { return a->svr & SVR_ENABLE; }

static uint32_t ppr(const struct emu_lapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isrc ? a->tpr & 0xff : isrc;
}

/* Highest IRR vector above PPR, or -1. */
static int deliverable(const struct emu_lapic *a)
{
	int v = highest(a->irr);

	if (v < 0 || !hw_enabled(a))
		return -1;
	return ((uint32_t)v & 0xf0) > (ppr(a) & 0xf0) ? v : -1;
}

static uint32_t divisor(const struct emu_lapic *a)
{
	uint32_t v = (a->dcr & 3) | ((a->dcr & 8) >> 1);

	return v == 7 ? 1 : 2u << v;
}

static unsigned timer_mode(const struct emu_lapic *a)
{
	return (a->lvt[LVT_TIMER] >> 17) & 3;
}

static void kick(struct emu_vp *vp)
{
	uint64_t one = 1;

	atomic_fetch_or(&vp->kick, EMU_KICK_IRQ);
	ssize_t r = write(vp->wake_fd, &one, sizeof one);
	(void)r;
}

/* --- the timer thread --- */

static void *timer_thread(void *arg);

/* Tells the timer thread a deadline changed (a->m may be held). */
static void timer_changed(struct emu_partition *pt)
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

static void timer_arm(struct emu_vp *vp, uint64_t count_ns)
{
	struct emu_lapic *a = &vp->apic;

	a->deadline_ns = count_ns ? now_ns() + count_ns : 0;
	timer_changed(vp->pt);
}

/* TSC ticks per ns, measured once. */
static double tsc_per_ns;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;

static void tsc_calibrate(void)
{
	uint64_t t0 = now_ns(), c0 = __rdtsc();
	struct timespec d = { 0, 10 * 1000 * 1000 };

	nanosleep(&d, NULL);
	uint64_t t1 = now_ns(), c1 = __rdtsc();
	tsc_per_ns = t1 > t0 ? (double)(c1 - c0) / (double)(t1 - t0) : 1.0;
	if (tsc_per_ns <= 0)
		tsc_per_ns = 1.0;
}

static void accept_fixed(struct emu_lapic *a, unsigned vector, bool level, bool extint)
{
	if (vector < 16) {
		a->esr_pending |= ESR_RECV_ILLEGAL;
		return;
	}
	set_bit256(a->irr, vector);
	if (level)
		set_bit256(a->tmr, vector);
	else
		clr_bit256(a->tmr, vector);
	if (extint)
		set_bit256(a->extint, vector);
	else
		clr_bit256(a->extint, vector);
}

/* Expired timers: set their vector (a->m held); true if the VP needs a kick. */
static bool timer_fire(struct emu_lapic *a, uint64_t now)
{
	if (!a->deadline_ns || a->deadline_ns > now)
		return false;
	bool fired = false;
	uint32_t lvt = a->lvt[LVT_TIMER];
	if (!(lvt & LVT_MASKED) && hw_enabled(a) && sw_enabled(a)) {
		accept_fixed(a, lvt & 0xff, false, false);
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
		uint64_t now = now_ns(), next = UINT64_MAX;

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
				kick(vp);
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

/* --- lifecycle --- */

static uint64_t mono_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

static uint64_t mmio_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque);
static void mmio_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *opaque);

void lapic_pt_init(struct emu_partition *pt)
{
	struct emu_lapic_pt *t = &pt->lapic;

	pthread_mutex_init(&t->m, NULL);
	mono_cond_init(&t->cv);
	if (lapic_pt(pt))
		lapic_mmio_sync(pt);
}

void lapic_pt_fini(struct emu_partition *pt)
{
	struct emu_lapic_pt *t = &pt->lapic;

	pthread_mutex_lock(&t->m);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	bool started = t->started;
	pthread_mutex_unlock(&t->m);
	if (started)
		pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->m);
	pthread_cond_destroy(&t->cv);
}

void lapic_vp_init(struct emu_vp *vp)
{
	pthread_mutex_init(&vp->apic.m, NULL);
}

void lapic_vp_fini(struct emu_vp *vp)
{
	pthread_mutex_destroy(&vp->apic.m);
}

void lapic_reset(struct emu_vp *vp, bool power_on)
{
	struct emu_lapic *a = &vp->apic;

	pthread_mutex_lock(&a->m);
	uint64_t base = a->base;
	bool sipi = a->sipi_pending;
	uint8_t sipi_vec = a->sipi_vector;
	bool wait = a->wait_sipi;
	memset((char *)a + offsetof(struct emu_lapic, base), 0,
	       sizeof *a - offsetof(struct emu_lapic, base));
	if (power_on) {
		a->base = EMU_APIC_DEFAULT_BASE | BASE_EN | (vp->index == 0 ? BASE_BSP : 0);
	} else {
		a->base = base;
		a->sipi_pending = sipi;
		a->sipi_vector = sipi_vec;
		a->wait_sipi = wait;
	}
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	for (int i = 0; i < LVT_N; i++)
		a->lvt[i] = LVT_MASKED;
	pthread_mutex_unlock(&a->m);
}

/* --- the xAPIC page --- */

static bool apic_page_covered(struct emu_partition *pt)
{
	uint64_t g = EMU_APIC_DEFAULT_BASE;

	for (size_t i = 0; i < pt->nregions; i++) {
		const struct emu_region *r = &pt->regions[i];
		if (g < r->gpa + r->size && r->gpa < g + EMU_PAGE)
			return true;
	}
	return false;
}

void lapic_mmio_yield(struct emu_partition *pt, uint64_t gpa, uint64_t size)
{
	uint64_t g = EMU_APIC_DEFAULT_BASE;

	if (!pt->lapic.mmio_mapped || !(gpa < g + EMU_PAGE && g < gpa + size))
		return;
	uc_mem_unmap(pt->eng.uc, g, EMU_PAGE);
	pt->lapic.mmio_mapped = false;
}

void lapic_mmio_sync(struct emu_partition *pt)
{
	if (!lapic_pt(pt) || pt->lapic.mmio_mapped || apic_page_covered(pt))
		return;
	if (uc_mmio_map(pt->eng.uc, EMU_APIC_DEFAULT_BASE, EMU_PAGE, mmio_read, pt,
			mmio_write, pt) == UC_ERR_OK)
		pt->lapic.mmio_mapped = true;
}

/* --- delivery --- */

/* Does vp's LAPIC take irq's destination? (a->m held) */
static bool dest_match(struct emu_vp *vp, const struct emu_lapic *a, uint32_t dest, bool logical)
{
	if (x2_mode(a)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == vp->index;
		uint32_t ldr = ((vp->index >> 4) << 16) | (1u << (vp->index & 15));
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == (vp->index & 0xff);
	uint32_t ldr = a->ldr >> 24;
	if ((a->dfr >> 28) == 0xf)		/* flat */
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);	/* cluster */
}

/* Accepts one interrupt at vp (type as in HV_X64_INTERRUPT_TYPE_*). */
static void accept(struct emu_vp *vp, unsigned type, unsigned vector, bool level)
{
	struct emu_lapic *a = &vp->apic;

	pthread_mutex_lock(&a->m);
	if (!hw_enabled(a))
		goto out;
	if (type == HV_X64_INTERRUPT_TYPE_LOCALINT0 || type == HV_X64_INTERRUPT_TYPE_LOCALINT1) {
		uint32_t lvt = a->lvt[type == HV_X64_INTERRUPT_TYPE_LOCALINT0 ? LVT_LINT0 : LVT_LINT1];
		if (lvt & LVT_MASKED)
			goto out;
		type = (lvt >> 8) & 7;
		if (type != HV_X64_INTERRUPT_TYPE_EXTINT) {
			vector = lvt & 0xff;
			level = lvt & 0x8000;
		}
	}
	switch (type) {
	case HV_X64_INTERRUPT_TYPE_FIXED:
	case HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY:
	case HV_X64_INTERRUPT_TYPE_EXTINT:
		if (!sw_enabled(a))
			goto out;
		accept_fixed(a, vector, level, type == HV_X64_INTERRUPT_TYPE_EXTINT);
		break;
	case HV_X64_INTERRUPT_TYPE_NMI:
		a->nmi_pending = true;
		break;
	case HV_X64_INTERRUPT_TYPE_INIT:
		a->init_pending = true;
		break;
	case HV_X64_INTERRUPT_TYPE_SIPI:
		if (a->wait_sipi || a->init_pending) {
			a->sipi_pending = true;
			a->sipi_vector = (uint8_t)vector;
		}
		break;
	default:
		goto out;
	}
	pthread_mutex_unlock(&a->m);
	kick(vp);
	return;
out:
	pthread_mutex_unlock(&a->m);
}

/* shorthand: 0 none (irq->dest), 1 self, 2 all including self, 3 all but self. */
static int deliver(struct emu_partition *pt, const struct emu_irq *irq, struct emu_vp *self,
		   unsigned shorthand)
{
	struct emu_vp *vps[EMU_MAX_VPS];
	unsigned type = irq->type;

	switch (type) {
	case HV_X64_INTERRUPT_TYPE_FIXED: case HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY:
	case HV_X64_INTERRUPT_TYPE_NMI: case HV_X64_INTERRUPT_TYPE_INIT:
	case HV_X64_INTERRUPT_TYPE_SIPI: case HV_X64_INTERRUPT_TYPE_EXTINT:
	case HV_X64_INTERRUPT_TYPE_LOCALINT0: case HV_X64_INTERRUPT_TYPE_LOCALINT1:
		break;
	default:
		return -EINVAL;		/* SMI, remote read: not emulated */
	}
	pthread_mutex_lock(&pt->lock);
	memcpy(vps, pt->vps, sizeof vps);
	pthread_mutex_unlock(&pt->lock);
	bool any = false, lowest = type == HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY;
	for (size_t i = 0; i < EMU_MAX_VPS; i++) {
		struct emu_vp *vp = vps[i];
		bool match;
		if (!vp)
			continue;
		switch (shorthand) {
		case 1: match = vp == self; break;
		case 2: match = true; break;
		case 3: match = vp != self; break;
		default:
			pthread_mutex_lock(&vp->apic.m);
			match = dest_match(vp, &vp->apic, irq->dest, irq->logical);
			/* lowest priority: the first VP that can take it */
			if (match && lowest && !(hw_enabled(&vp->apic) && sw_enabled(&vp->apic)))
				match = false;
			pthread_mutex_unlock(&vp->apic.m);
			break;
		}
		if (!match)
			continue;
		any = true;
		accept(vp, type, irq->vector, irq->level);
		if (lowest)
			break;
	}
	if (!any && lowest) {
		/* nobody enabled: the first addressed VP holds it */
		for (size_t i = 0; i < EMU_MAX_VPS && !any; i++) {
			struct emu_vp *vp = vps[i];
			if (!vp)
				continue;
			pthread_mutex_lock(&vp->apic.m);
			bool match = dest_match(vp, &vp->apic, irq->dest, irq->logical);
			pthread_mutex_unlock(&vp->apic.m);
			if (match) {
				any = true;
				accept(vp, type, irq->vector, irq->level);
			}
		}
	}
	return any ? 0 : -EINVAL;
}

int lapic_deliver(struct emu_partition *pt, const struct emu_irq *irq)
{
	return deliver(pt, irq, NULL, 0);
}

void irq_from_msi(uint32_t address_lo, uint32_t data, struct emu_irq *irq)
{
	irq->vector = data & 0xff;
	irq->dest = (address_lo >> 12) & 0xff;
	irq->type = (data >> 8) & 7;
	irq->level = (data >> 15) & 1;
	irq->logical = (address_lo >> 2) & 1;
}

void lapic_clear_extint(struct emu_partition *pt)
{
	for (size_t i = 0; i < EMU_MAX_VPS; i++) {
		struct emu_vp *vp = emu_partition_vp(pt, (uint32_t)i);
		if (!vp)
			continue;
		pthread_mutex_lock(&vp->apic.m);
		for (int w = 0; w < 8; w++) {
			vp->apic.irr[w] &= ~vp->apic.extint[w];
			vp->apic.extint[w] = 0;
		}
		pthread_mutex_unlock(&vp->apic.m);
	}
}

/* ICR write (a->m not held). */
static void send_ipi(struct emu_vp *vp, uint32_t lo, uint32_t hi, bool x2)
{
	unsigned mode = (lo >> 8) & 7;
	struct emu_irq irq = {
		.dest = x2 ? hi : hi >> 24,
		.vector = (uint8_t)lo,
		.type = (uint8_t)mode,
		.level = (lo >> 15) & 1,
		.logical = (lo >> 11) & 1,
	};
	unsigned shorthand = (lo >> 18) & 3;

	/* INIT level de-assert: no effect on modern processors. */
	if (mode == HV_X64_INTERRUPT_TYPE_INIT && irq.level && !(lo & 0x4000))
		return;
	if (mode == HV_X64_INTERRUPT_TYPE_FIXED && irq.vector < 16) {
		pthread_mutex_lock(&vp->apic.m);
		vp->apic.esr_pending |= ESR_SEND_ILLEGAL;
		pthread_mutex_unlock(&vp->apic.m);
		return;
	}
	if (mode == HV_X64_INTERRUPT_TYPE_FIXED || mode == HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY)
		irq.level = false;	/* IPIs are edge: no EOI to report */
	deliver(vp->pt, &irq, vp, shorthand);
}

/* --- register file --- */

static uint32_t current_count(const struct emu_lapic *a)
{
	if (!a->deadline_ns || timer_mode(a) == 2)
		return 0;
	uint64_t now = now_ns(), left = 0;
	if (a->deadline_ns > now)
		left = a->deadline_ns - now;
	else if (timer_mode(a) == 1 && a->period_ns)	/* reloaded, tick not yet taken */
		left = a->period_ns - (now - a->deadline_ns) % a->period_ns;
	uint64_t c = left / divisor(a);
	return c > a->initial_count ? a->initial_count : (uint32_t)c;
}

/* Ends the highest in-service interrupt (a->m held); the vector if it was
 * level-triggered, else -1. */
static int do_eoi(struct emu_vp *vp)
{
	struct emu_lapic *a = &vp->apic;
	int v = highest(a->isr);

	if (v < 0)
		return -1;
	clr_bit256(a->isr, (unsigned)v);
	if (!tst_bit256(a->tmr, (unsigned)v))
		return -1;
	clr_bit256(a->tmr, (unsigned)v);
	a->eoi_exit = (uint16_t)(v + 1);	/* HVMSG_X64_APIC_EOI */
	return v;
}

/* Reads register reg (offset >> 4). False: no such register (x2APIC #GP). */
static bool reg_read(struct emu_vp *vp, unsigned reg, uint32_t *out, bool x2)
{
	struct emu_lapic *a = &vp->apic;
	uint32_t v = 0;

	switch (reg) {
	case 0x02: v = x2 ? vp->index : vp->index << 24; break;
	case 0x03: v = APIC_VERSION; break;
	case 0x08: v = a->tpr; break;
	case 0x09: if (x2) return false; v = 0; break;	/* APR */
	case 0x0a: v = ppr(a); break;
	case 0x0b: if (x2) return false; v = 0; break;	/* EOI: write-only */
	case 0x0c: if (x2) return false; v = 0; break;	/* RRD */
	case 0x0d:
		v = x2 ? ((vp->index >> 4) << 16) | (1u << (vp->index & 15)) : a->ldr;
		break;
	case 0x0e: if (x2) return false; v = a->dfr; break;
	case 0x0f: v = a->svr; break;
	case 0x28: v = a->esr; break;
	case 0x2f: v = a->lvt[LVT_CMCI]; break;
	case 0x30: v = a->icr_lo & ~0x1000u; break;
	case 0x31: if (x2) return false; v = a->icr_hi; break;
	case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
		v = a->lvt[reg - 0x32];
		break;
	case 0x38: v = a->initial_count; break;
	case 0x39: v = current_count(a); break;
	case 0x3e: v = a->dcr; break;
	case 0x3f: if (x2) return false; v = 0; break;	/* self IPI: write-only */
	default:
		if (reg >= 0x10 && reg < 0x18)
			v = a->isr[reg - 0x10];
		else if (reg >= 0x18 && reg < 0x20)
			v = a->tmr[reg - 0x18];
		else if (reg >= 0x20 && reg < 0x28)
			v = a->irr[reg - 0x20];
		else if (x2)
			return false;
		break;
	}
	*out = v;
	return true;
}

static const uint32_t lvt_mask[LVT_N] = {
	[LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
	[LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
	[LVT_CMCI] = 0x107ff,
};

static void write_lvt(struct emu_vp *vp, int slot, uint32_t val)
{
	struct emu_lapic *a = &vp->apic;
	unsigned old_mode = timer_mode(a);

	val &= lvt_mask[slot];
	if (slot == LVT_LINT0 || slot == LVT_LINT1)
		val |= a->lvt[slot] & 0x5000;	/* remote IRR, status: read-only */
	if (!sw_enabled(a))
		val |= LVT_MASKED;
	a->lvt[slot] = val;
	if (slot == LVT_TIMER && timer_mode(a) != old_mode) {
		a->deadline_ns = 0;
		a->tsc_deadline = 0;
		a->initial_count = 0;
		timer_changed(vp->pt);
	}
}

/* What a register write does once a->m is dropped. */
struct after { bool ipi; uint32_t lo, hi; bool kick; int eoi_level; };

static bool reg_write(struct emu_vp *vp, unsigned reg, uint64_t val64, bool x2, struct after *af)
{
	struct emu_lapic *a = &vp->apic;
	uint32_t val = (uint32_t)val64;

	switch (reg) {
	case 0x08:
		a->tpr = val & 0xff;
		af->kick = true;
		break;
	case 0x0b:
		if (x2 && val)
			return false;
		af->eoi_level = do_eoi(vp);
		af->kick = true;
		break;
	case 0x0d:
		if (x2)
			return false;
		a->ldr = val & 0xff000000u;
		break;
	case 0x0e:
		if (x2)
			return false;
		a->dfr = val | 0x0fffffffu;
		break;
	case 0x0f:
		a->svr = val & 0x3ff;
		if (!sw_enabled(a))
			for (int i = 0; i < LVT_N; i++)
				a->lvt[i] |= LVT_MASKED;
		af->kick = true;
		break;
	case 0x28:
		if (x2 && val)
			return false;
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case 0x2f: write_lvt(vp, LVT_CMCI, val); break;
	case 0x30:
		if (x2) {
			a->icr_lo = val & ~0x1000u;
			a->icr_hi = (uint32_t)(val64 >> 32);
		} else {
			a->icr_lo = val & 0xccfffu;
		}
		af->ipi = true;
		af->lo = a->icr_lo;
		af->hi = a->icr_hi;
		break;
	case 0x31:
		if (x2)
			return false;
		a->icr_hi = val & 0xff000000u;
		break;
	case 0x32: write_lvt(vp, LVT_TIMER, val); break;
	case 0x33: write_lvt(vp, LVT_THERMAL, val); break;
	case 0x34: write_lvt(vp, LVT_PERF, val); break;
	case 0x35: write_lvt(vp, LVT_LINT0, val); break;
	case 0x36: write_lvt(vp, LVT_LINT1, val); break;
	case 0x37: write_lvt(vp, LVT_ERROR, val); break;
	case 0x38:
		if (timer_mode(a) == 2)
			break;		/* ignored in TSC-deadline mode */
		a->initial_count = val;
		a->period_ns = (uint64_t)val * divisor(a);
		if (timer_mode(a) == 1 && val && a->period_ns < MIN_PERIOD_NS)
			a->period_ns = MIN_PERIOD_NS;
		timer_arm(vp, a->period_ns);
		break;
	case 0x3e:
		a->dcr = val & 0xb;
		break;
	case 0x3f:
		if (!x2)
			return false;
		af->ipi = true;
		af->lo = 0x40000 | (val & 0xff);	/* fixed, self */
		af->hi = 0;
		break;
	default:
		/* read-only or reserved */
		if (x2)
			return false;
		break;
	}
	return true;
}

static void after_write(struct emu_vp *vp, const struct after *af, bool x2)
{
	/* irqfd resamplers (emu/irqfd.c) may assert again: no lock held */
	if (af->eoi_level >= 0)
		irqfd_notify_eoi(vp->pt, (uint8_t)af->eoi_level);
	if (af->ipi)
		send_ipi(vp, af->lo, af->hi, x2);
	if (af->kick)
		atomic_fetch_or(&vp->kick, EMU_KICK_IRQ);
}

/* The running VP's view of the xAPIC page. */
static struct emu_vp *mmio_vp(struct emu_partition *pt)
{
	struct emu_vp *vp = pt->eng.running;

	if (!vp)
		return NULL;
	uint64_t base = vp->apic.base;	/* only its own thread writes it */
	if ((base & (BASE_EN | BASE_EXTD)) != BASE_EN ||
	    (base & ~0xfffull & ((1ull << 52) - 1)) != EMU_APIC_DEFAULT_BASE)
		return NULL;
	return vp;
}

static uint64_t mmio_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	struct emu_vp *vp = mmio_vp(opaque);
	uint32_t v = 0;

	(void)uc;
	if (!vp)
		return 0;
	pthread_mutex_lock(&vp->apic.m);
	reg_read(vp, (unsigned)(off >> 4) & 0xff, &v, false);
	pthread_mutex_unlock(&vp->apic.m);
	unsigned sh = (unsigned)(off & 3) * 8;
	uint64_t r = (uint64_t)v >> sh;
	return size >= 4 ? r : r & ((1ull << (size * 8)) - 1);
}

static void mmio_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *opaque)
{
	struct emu_vp *vp = mmio_vp(opaque);
	struct after af = { .eoi_level = -1 };

	(void)uc;
	/* Registers are 32 bits at 16-byte boundaries: other writes are
	 * dropped, as on hardware (no error is raised). */
	if (!vp || (off & 0xf) || size < 4)
		return;
	pthread_mutex_lock(&vp->apic.m);
	reg_write(vp, (unsigned)(off >> 4) & 0xff, (uint32_t)val, false, &af);
	pthread_mutex_unlock(&vp->apic.m);
	after_write(vp, &af, false);
}

bool lapic_msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val)
{
	struct emu_lapic *a = &vp->apic;
	bool ok = true;

	if (!lapic_pt(vp->pt))
		return false;
	pthread_mutex_lock(&a->m);
	if (msr == 0x6e0) {
		*val = timer_mode(a) == 2 ? a->tsc_deadline : 0;
	} else if (!x2_mode(a)) {
		ok = false;
	} else {
		uint32_t v;
		ok = reg_read(vp, msr - 0x800, &v, true);
		*val = v;
		if (ok && msr == 0x830)
			*val |= (uint64_t)a->icr_hi << 32;
	}
	pthread_mutex_unlock(&a->m);
	return ok;
}

bool lapic_msr_write(struct emu_vp *vp, uint32_t msr, uint64_t val)
{
	struct emu_lapic *a = &vp->apic;
	struct after af = { .eoi_level = -1 };
	bool ok = true;

	if (!lapic_pt(vp->pt))
		return false;
	pthread_mutex_lock(&a->m);
	if (msr == 0x6e0) {
		if (timer_mode(a) == 2) {
			a->tsc_deadline = val;
			uint64_t ns = 0;
			if (val) {
				pthread_once(&tsc_once, tsc_calibrate);
				uint64_t tsc = __rdtsc();
				ns = val > tsc ? (uint64_t)((double)(val - tsc) / tsc_per_ns) : 0;
				if (!ns)
					ns = 1;
			}
			timer_arm(vp, ns);
		}
	} else if (!x2_mode(a) || (msr != 0x830 && (val >> 32))) {
		ok = false;
	} else {
		ok = reg_write(vp, msr - 0x800, val, true, &af);
	}
	pthread_mutex_unlock(&a->m);
	if (ok)
		after_write(vp, &af, true);
	return ok;
}

uint64_t lapic_get_base(struct emu_vp *vp)
{
	pthread_mutex_lock(&vp->apic.m);
	uint64_t b = vp->apic.base;
	pthread_mutex_unlock(&vp->apic.m);
	return b;
}

bool lapic_set_base(struct emu_vp *vp, uint64_t val, bool from_guest)
{
	struct emu_lapic *a = &vp->apic;
	uint64_t phys = (1ull << 52) - 1;

	/* reserved bits, x2APIC without the APIC, x2APIC the partition lacks */
	if ((val & 0x2ffull) || (val & ~phys))
		return false;
	if ((val & BASE_EXTD) && !(val & BASE_EN))
		return false;
	if ((val & BASE_EXTD) && !x2apic_pt(vp->pt))
		return false;
	pthread_mutex_lock(&a->m);
	bool ok = true;
	/* x2APIC -> xAPIC directly is illegal for the guest (SDM 10.12.5) */
	if (from_guest && x2_mode(a) && (val & BASE_EN) && !(val & BASE_EXTD))
		ok = false;
	if (ok)
		a->base = val;
	pthread_mutex_unlock(&a->m);
	return ok;
}

uint64_t lapic_get_cr8(struct emu_vp *vp)
{
	if (!lapic_pt(vp->pt))
		return vp->cr8;
	pthread_mutex_lock(&vp->apic.m);
	uint64_t v = (vp->apic.tpr >> 4) & 0xf;
	pthread_mutex_unlock(&vp->apic.m);
	return v;
}

void lapic_set_cr8(struct emu_vp *vp, uint64_t val)
{
	vp->cr8 = val;
	if (!lapic_pt(vp->pt))
		return;
	pthread_mutex_lock(&vp->apic.m);
	vp->apic.tpr = (uint32_t)(val & 0xf) << 4;
	pthread_mutex_unlock(&vp->apic.m);
	atomic_fetch_or(&vp->kick, EMU_KICK_IRQ);
}

bool lapic_wait_sipi(struct emu_vp *vp)
{
	pthread_mutex_lock(&vp->apic.m);
	bool w = vp->apic.wait_sipi;
	pthread_mutex_unlock(&vp->apic.m);
	return w;
}

void lapic_set_wait_sipi(struct emu_vp *vp, bool on)
{
	pthread_mutex_lock(&vp->apic.m);
	vp->apic.wait_sipi = on;
	pthread_mutex_unlock(&vp->apic.m);
	if (!on)
		kick(vp);
}

/* --- the run loop side --- */

bool lapic_wake_pending(struct emu_vp *vp, bool if_set)
{
	struct emu_lapic *a = &vp->apic;

	pthread_mutex_lock(&a->m);
	bool w = a->init_pending || a->sipi_pending;
	if (!a->wait_sipi)
		w = w || a->nmi_pending || (if_set && deliverable(a) >= 0);
	pthread_mutex_unlock(&a->m);
	return w;
}

int lapic_take_eoi_exit(struct emu_vp *vp)
{
	struct emu_lapic *a = &vp->apic;
	int v = -1;

	pthread_mutex_lock(&a->m);
	if (a->eoi_exit) {
		v = a->eoi_exit - 1;
		a->eoi_exit = 0;
	}
	pthread_mutex_unlock(&a->m);
	return v;
}

static void start_at_sipi(struct emu_vp *vp, uint8_t vector)
{
	union hv_register_value v;

	memset(&v, 0, sizeof v);
	regs_begin(vp);
	v.segment.selector = (uint16_t)(vector << 8);
	v.segment.base = (uint64_t)vector << 12;
	v.segment.limit = 0xffff;
	v.segment.attributes = 0x9b;
	regs_set(vp, HV_X64_REGISTER_CS, &v);
	regs_commit(vp);
	regs_set_rip(vp, 0);
	run_flush_fetch(vp);
}

int lapic_service(struct emu_vp *vp)
{
	struct emu_lapic *a = &vp->apic;

	vp->irq_window = 0;
	pthread_mutex_lock(&a->m);
	bool init = a->init_pending;
	a->init_pending = false;
	pthread_mutex_unlock(&a->m);
	if (init) {
		/* INIT: the architectural INIT state; the BSP restarts at the
		 * reset vector, an AP waits for a SIPI. */
		bool bsp = lapic_get_base(vp) & BASE_BSP;
		vp_reset_state(vp);
		vp->halted = false;
		pthread_mutex_lock(&a->m);
		a->wait_sipi = !bsp;
		a->nmi_pending = false;
		pthread_mutex_unlock(&a->m);
	}
	pthread_mutex_lock(&a->m);
	bool sipi = a->sipi_pending && a->wait_sipi;
	uint8_t sv = a->sipi_vector;
	a->sipi_pending = false;
	if (sipi)
		a->wait_sipi = false;
	bool waiting = a->wait_sipi;
	bool nmi = a->nmi_pending;
	int vec = deliverable(a);
	pthread_mutex_unlock(&a->m);
	if (sipi) {
		start_at_sipi(vp, sv);
		vp->halted = false;
	}
	if (waiting)
		return 0;
	if (nmi) {
		enum event_result r = event_inject(vp, EMU_EV_NMI, 2);
		if (r == EVENT_DELIVERED) {
			pthread_mutex_lock(&a->m);
			a->nmi_pending = false;
			pthread_mutex_unlock(&a->m);
			return 0;	/* the handler runs first */
		}
		if (r != EVENT_BLOCKED)
			return -1;
	}
	if (vec < 0)
		return 0;
	enum event_result r = event_inject(vp, EMU_EV_EXTINT, (uint8_t)vec);
	if (r == EVENT_DELIVERED) {
		pthread_mutex_lock(&a->m);
		clr_bit256(a->irr, (unsigned)vec);
		clr_bit256(a->extint, (unsigned)vec);
		set_bit256(a->isr, (unsigned)vec);
		pthread_mutex_unlock(&a->m);
		return 0;
	}
	if (r != EVENT_BLOCKED)
		return -1;
	/* Wait for IF = 1; with IF already 1 the STI/MOV SS shadow blocks:
	 * let one instruction run first. */
	vp->irq_window = (regs_rflags(vp) & 0x200) ? 2 : 1;
	return 0;
}

/* --- MSHV_VP_STATE_LAPIC --- */

void lapic_state_get(struct emu_vp *vp, void *buf)
{
	struct hv_local_interrupt_controller_state *s = buf;
	struct emu_lapic *a = &vp->apic;

	memset(s, 0, sizeof *s);
	pthread_mutex_lock(&a->m);
	s->apic_id = x2_mode(a) ? vp->index : vp->index << 24;
	s->apic_version = APIC_VERSION;
	s->apic_ldr = x2_mode(a) ? ((vp->index >> 4) << 16) | (1u << (vp->index & 15)) : a->ldr;
	s->apic_dfr = a->dfr;
	s->apic_spurious = a->svr;
	memcpy(s->apic_isr, a->isr, sizeof a->isr);
	memcpy(s->apic_tmr, a->tmr, sizeof a->tmr);
	memcpy(s->apic_irr, a->irr, sizeof a->irr);
	s->apic_esr = a->esr;
	s->apic_icr_high = a->icr_hi;
	s->apic_icr_low = a->icr_lo;
	s->apic_lvt_timer = a->lvt[LVT_TIMER];
	s->apic_lvt_thermal = a->lvt[LVT_THERMAL];
	s->apic_lvt_perfmon = a->lvt[LVT_PERF];
	s->apic_lvt_lint0 = a->lvt[LVT_LINT0];
	s->apic_lvt_lint1 = a->lvt[LVT_LINT1];
	s->apic_lvt_error = a->lvt[LVT_ERROR];
	s->apic_lvt_cmci = a->lvt[LVT_CMCI];
	s->apic_error_status = a->esr_pending;
	s->apic_initial_count = a->initial_count;
	s->apic_counter_value = current_count(a);
	s->apic_divide_configuration = a->dcr;
	s->apic_remote_read = 0;
	pthread_mutex_unlock(&a->m);
}

void lapic_state_set(struct emu_vp *vp, const void *buf)
{
	const struct hv_local_interrupt_controller_state *s = buf;
	struct emu_lapic *a = &vp->apic;

	pthread_mutex_lock(&a->m);
	/* ID and version are read-only. */
	a->ldr = s->apic_ldr & 0xff000000u;
	a->dfr = s->apic_dfr | 0x0fffffffu;
	a->svr = s->apic_spurious & 0x3ff;
	memcpy(a->isr, s->apic_isr, sizeof a->isr);
	memcpy(a->tmr, s->apic_tmr, sizeof a->tmr);
	memcpy(a->irr, s->apic_irr, sizeof a->irr);
	memset(a->extint, 0, sizeof a->extint);
	a->esr = s->apic_esr;
	a->icr_hi = s->apic_icr_high;
	a->icr_lo = s->apic_icr_low;
	a->lvt[LVT_TIMER] = s->apic_lvt_timer & lvt_mask[LVT_TIMER];
	a->lvt[LVT_THERMAL] = s->apic_lvt_thermal & lvt_mask[LVT_THERMAL];
	a->lvt[LVT_PERF] = s->apic_lvt_perfmon & lvt_mask[LVT_PERF];
	a->lvt[LVT_LINT0] = s->apic_lvt_lint0 & (lvt_mask[LVT_LINT0] | 0x5000);
	a->lvt[LVT_LINT1] = s->apic_lvt_lint1 & (lvt_mask[LVT_LINT1] | 0x5000);
	a->lvt[LVT_ERROR] = s->apic_lvt_error & lvt_mask[LVT_ERROR];
	a->lvt[LVT_CMCI] = s->apic_lvt_cmci & lvt_mask[LVT_CMCI];
	a->esr_pending = s->apic_error_status;
	a->dcr = s->apic_divide_configuration & 0xb;
	a->initial_count = s->apic_initial_count;
	a->period_ns = (uint64_t)a->initial_count * divisor(a);
	if (timer_mode(a) == 1 && a->initial_count && a->period_ns < MIN_PERIOD_NS)
		a->period_ns = MIN_PERIOD_NS;
	if (timer_mode(a) != 2)
		timer_arm(vp, (uint64_t)s->apic_counter_value * divisor(a));
	pthread_mutex_unlock(&a->m);
	kick(vp);
}
