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
 *
 * This file: the per-VP register file, the xAPIC page, the x2APIC MSRs
 * and MSHV_VP_STATE_LAPIC. Delivery, IPIs, INIT/SIPI and injection are in
 * emu/lapic_deliver.c, the timer thread in emu/lapic_timer.c.
 */
#include "util.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "lapic.h"
#include "lapic_internal.h"
#include "irq.h"
#include "svm.h"

#include <hyperv/hv_all.h>
#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/mshv.h>

/* Irqfd resampling lives in emu/irqfd.c; this default keeps the LAPIC
 * linkable without it. */
__attribute__((weak)) void irqfd_notify_eoi(struct emu_partition *pt, uint8_t vector)
{
	(void)pt, (void)vector;
}

static bool x2apic_pt(const struct emu_partition *pt)
{
	return pt->cfg.pt_flags & (1ull << MSHV_PT_BIT_X2APIC);
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
	if (emu_pt_has_lapic(pt))
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
	svm_npt_sync(pt);
}

void lapic_mmio_sync(struct emu_partition *pt)
{
	if (!emu_pt_has_lapic(pt) || pt->lapic.mmio_mapped || apic_page_covered(pt))
		return;
	if (uc_mmio_map(pt->eng.uc, EMU_APIC_DEFAULT_BASE, EMU_PAGE, mmio_read, pt,
			mmio_write, pt) == UC_ERR_OK) {
		pt->lapic.mmio_mapped = true;
		svm_npt_sync(pt);
	}
}

/* --- register file --- */


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
	case 0x39: v = lapic_current_count(a); break;
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
		lapic_timer_changed(vp->pt);
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
		lapic_timer_arm(vp, a->period_ns);
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
		lapic_send_ipi(vp, af->lo, af->hi, x2);
	if (af->kick)
		engine_kick(vp, EMU_KICK_IRQ);
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

	if (!emu_pt_has_lapic(vp->pt))
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

	if (!emu_pt_has_lapic(vp->pt))
		return false;
	pthread_mutex_lock(&a->m);
	if (msr == 0x6e0) {
		if (timer_mode(a) == 2) {
			a->tsc_deadline = val;
			lapic_timer_arm(vp, val ? lapic_tsc_to_ns(val) : 0);
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
	if (!emu_pt_has_lapic(vp->pt))
		return vp->cr8;
	pthread_mutex_lock(&vp->apic.m);
	uint64_t v = (vp->apic.tpr >> 4) & 0xf;
	pthread_mutex_unlock(&vp->apic.m);
	return v;
}

void lapic_set_cr8(struct emu_vp *vp, uint64_t val)
{
	vp->cr8 = val;
	if (!emu_pt_has_lapic(vp->pt))
		return;
	pthread_mutex_lock(&vp->apic.m);
	vp->apic.tpr = (uint32_t)(val & 0xf) << 4;
	pthread_mutex_unlock(&vp->apic.m);
	engine_kick(vp, EMU_KICK_IRQ);
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
		lapic_kick(vp);
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
	s->apic_counter_value = lapic_current_count(a);
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
		lapic_timer_arm(vp, (uint64_t)s->apic_counter_value * divisor(a));
	pthread_mutex_unlock(&a->m);
	lapic_kick(vp);
}
