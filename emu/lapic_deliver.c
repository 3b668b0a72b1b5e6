/* SPDX-License-Identifier: MIT */
/*
 * LAPIC interrupt delivery: lapic_deliver (shared with
 * ASSERT_VIRTUAL_INTERRUPT and irqfds, emu/irq.h), destination
 * resolution, IPIs through the ICR, INIT/SIPI, and the run loop's
 * injection side (lapic_service). See emu/lapic.c for the threading rules.
 */
#include "emu_limits.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "event.h"
#include "regs.h"
#include "lapic.h"
#include "lapic_internal.h"
#include "irq.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/mshv.h>

void lapic_kick(struct emu_vp *vp)
{
	uint64_t one = 1;

	engine_kick(vp, EMU_KICK_IRQ);
	ssize_t r = write(vp->wake_fd, &one, sizeof one);
	(void)r;
}

void lapic_accept_fixed(struct emu_lapic *a, unsigned vector, bool level, bool extint)
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
		lapic_accept_fixed(a, vector, level, type == HV_X64_INTERRUPT_TYPE_EXTINT);
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
	lapic_kick(vp);
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

void lapic_send_ipi(struct emu_vp *vp, uint32_t lo, uint32_t hi, bool x2)
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
		if (!tst_bit256(a->auto_eoi, (unsigned)vec))	/* SynIC auto-EOI */
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
