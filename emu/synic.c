/* SPDX-License-Identifier: MIT */
/*
 * The synthetic interrupt controller of each VP (TLFS "Synthetic
 * Interrupt Controller"): SCONTROL, SVERSION, SIMP, SIEFP, SINT0-15, EOM.
 *
 * Messages go into the 256-byte slot of their SINT in the SIMP page; a
 * slot is free while its message_type is HVMSG_NONE. A message for a busy
 * slot waits in the hypervisor (one per SINT) with msg_pending set in the
 * occupant, and goes in when the guest writes EOM after freeing the slot;
 * one more finds no buffer (HV_STATUS_INSUFFICIENT_BUFFERS). Event flags
 * are bits of the SINT's 256-byte row in the SIEF page. Both raise the
 * SINT's vector at the LAPIC unless it is masked or polled.
 *
 * The pages are the guest's own RAM at the GPA it chose (the hypervisor's
 * overlay, without hiding what was there); MSHV_VP_STATE_SIMP/SIEFP read
 * and write that page while it is enabled.
 */
#include "util.h"
#include "emu_limits.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "synic.h"
#include "lapic.h"
#include "lapic_internal.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <stdlib.h>
#include <string.h>
#include <linux/mshv.h>

#define SINT_RSVD	(~0x700ffull)	/* vector, masked, auto-EOI, polling */
#define PAGE_RSVD	0xffeull	/* bits 1-11 of SIMP/SIEFP */

static bool enabled(const struct emu_hv_vp *h, uint64_t page)
{
	return (h->scontrol & 1) && (page & 1);
}

/* The LAPIC's auto-EOI vectors follow the SINTs (hv.m held). */
static void sync_auto_eoi(struct emu_vp *vp)
{
	struct emu_lapic *a = &vp->apic;
	uint32_t set[8] = { 0 };

	for (unsigned i = 0; i < HV_SINTS; i++) {
		uint64_t s = vp->hv.sint[i];
		if ((s & HV_SINT_AUTO_EOI) && !(s & HV_SINT_MASKED))
			set_bit256(set, HV_SINT_VECTOR(s));
	}
	pthread_mutex_lock(&a->m);
	memcpy(a->auto_eoi, set, sizeof set);
	pthread_mutex_unlock(&a->m);
}

void synic_raise_vector(struct emu_vp *vp, unsigned vector)
{
	struct emu_lapic *a = &vp->apic;

	if (!emu_pt_has_lapic(vp->pt) || vector < 16)
		return;
	pthread_mutex_lock(&a->m);
	lapic_accept_fixed(a, vector, false, false);
	pthread_mutex_unlock(&a->m);
	lapic_kick(vp);
}

void synic_raise(struct emu_vp *vp, unsigned sint)
{
	uint64_t s = vp->hv.sint[sint];

	if (!(s & (HV_SINT_MASKED | HV_SINT_POLLING)))
		synic_raise_vector(vp, HV_SINT_VECTOR(s));
}

int synic_slot_put(struct emu_vp *vp, unsigned sint, const struct hv_message *msg)
{
	struct emu_hv_vp *h = &vp->hv;

	if (!enabled(h, h->simp))
		return -1;
	void *raw = mem_host(vp->pt, (h->simp & ~0xfffull) + sint * HV_MESSAGE_SIZE,
			     HV_MESSAGE_SIZE, true);
	if (!raw)
		return -1;
	struct hv_message *slot = raw;
	/* The slot is 256-byte aligned in the page and the type its first
	 * 32 bits: aligned, whatever the packed struct says. */
	uint32_t *type = raw;
	if (__atomic_load_n(type, __ATOMIC_ACQUIRE) != HVMSG_NONE) {
		__atomic_fetch_or(&slot->header.message_flags.asu8, 1, __ATOMIC_SEQ_CST);
		return 1;
	}
	/* payload first, the type last: the guest polls the type */
	memcpy((uint8_t *)slot + 4, (const uint8_t *)msg + 4, HV_MESSAGE_SIZE - 4);
	slot->header.message_flags.asu8 = 0;
	__atomic_store_n(type, msg->header.message_type, __ATOMIC_RELEASE);
	synic_raise(vp, sint);
	return 0;
}

uint16_t synic_post(struct emu_vp *vp, unsigned sint, const struct hv_message *msg)
{
	struct emu_hv_vp *h = &vp->hv;
	uint16_t st = HV_STATUS_SUCCESS;

	pthread_mutex_lock(&h->m);
	if (!enabled(h, h->simp)) {
		st = HV_STATUS_INVALID_VP_STATE;
	} else if (h->queued_mask & (1u << sint)) {
		st = HV_STATUS_INSUFFICIENT_BUFFERS;	/* order is kept */
	} else {
		int r = synic_slot_put(vp, sint, msg);
		if (r < 0) {
			st = HV_STATUS_INVALID_VP_STATE;
		} else if (r > 0) {
			h->queued[sint] = *msg;
			h->queued_mask |= (uint16_t)(1u << sint);
		}
	}
	pthread_mutex_unlock(&h->m);
	return st;
}

uint16_t synic_signal(struct emu_vp *vp, unsigned sint, unsigned flag, bool *newly)
{
	struct emu_hv_vp *h = &vp->hv;
	uint16_t st = HV_STATUS_SUCCESS;

	pthread_mutex_lock(&h->m);
	uint8_t *row = enabled(h, h->siefp) ?
		       mem_host(vp->pt, (h->siefp & ~0xfffull) + sint * 256u, 256, true) : NULL;
	if (!row) {
		st = HV_STATUS_INVALID_VP_STATE;
	} else {
		uint8_t bit = (uint8_t)(1u << (flag & 7));
		*newly = !(__atomic_fetch_or(&row[flag / 8], bit, __ATOMIC_SEQ_CST) & bit);
		if (*newly)
			synic_raise(vp, sint);
	}
	pthread_mutex_unlock(&h->m);
	return st;
}

/* EOM or a change that may let waiting messages in (hv.m held). */
static void redeliver(struct emu_vp *vp)
{
	struct emu_hv_vp *h = &vp->hv;

	for (unsigned i = 0; i < HV_SINTS; i++) {
		if ((h->queued_mask & (1u << i)) && synic_slot_put(vp, i, &h->queued[i]) == 0)
			h->queued_mask &= (uint16_t)~(1u << i);
		stimer_retry(vp, i);
	}
}

uint16_t synic_reg_get(struct emu_vp *vp, uint32_t name, uint64_t *val)
{
	struct emu_hv_vp *h = &vp->hv;

	pthread_mutex_lock(&h->m);
	if (name >= HV_REGISTER_SINT0 && name <= HV_REGISTER_SINT15)
		*val = h->sint[name - HV_REGISTER_SINT0];
	else if (name == HV_REGISTER_SCONTROL)
		*val = h->scontrol;
	else if (name == HV_REGISTER_SVERSION)
		*val = 1;	/* TLFS: SynIC version 1 */
	else if (name == HV_REGISTER_SIMP)
		*val = h->simp;
	else if (name == HV_REGISTER_SIEFP)
		*val = h->siefp;
	else		/* EOM is write-only, SIRBP unused: read as 0 */
		*val = 0;
	pthread_mutex_unlock(&h->m);
	return HV_STATUS_SUCCESS;
}

/* A page state set while its page was off goes in when it is enabled. */
static void page_enabled(struct emu_vp *vp, uint64_t reg, uint8_t **saved)
{
	if (!*saved || !enabled(&vp->hv, reg))
		return;
	void *p = mem_host(vp->pt, reg & ~0xfffull, EMU_PAGE, true);
	if (p)
		memcpy(p, *saved, EMU_PAGE);
	free(*saved);
	*saved = NULL;
}

uint16_t synic_reg_set(struct emu_vp *vp, uint32_t name, uint64_t val)
{
	struct emu_hv_vp *h = &vp->hv;
	uint16_t st = HV_STATUS_SUCCESS;

	pthread_mutex_lock(&h->m);
	if (name >= HV_REGISTER_SINT0 && name <= HV_REGISTER_SINT15) {
		/* an unmasked SINT needs a vector of 16 or more */
		if ((val & SINT_RSVD) || (!(val & HV_SINT_MASKED) && HV_SINT_VECTOR(val) < 16)) {
			st = HV_STATUS_INVALID_PARAMETER;
		} else {
			h->sint[name - HV_REGISTER_SINT0] = val;
			sync_auto_eoi(vp);
			redeliver(vp);
		}
	} else if (name == HV_REGISTER_SCONTROL) {
		h->scontrol = val & 1;
		page_enabled(vp, h->simp, &vp->simp);
		page_enabled(vp, h->siefp, &vp->siefp);
		redeliver(vp);
	} else if (name == HV_REGISTER_SIMP || name == HV_REGISTER_SIEFP) {
		if (val & PAGE_RSVD) {
			st = HV_STATUS_INVALID_PARAMETER;
		} else if (name == HV_REGISTER_SIMP) {
			h->simp = val;
			page_enabled(vp, val, &vp->simp);
			redeliver(vp);
		} else {
			h->siefp = val;
			page_enabled(vp, val, &vp->siefp);
		}
	} else if (name == HV_REGISTER_EOM) {
		redeliver(vp);
	} else if (name == HV_REGISTER_SVERSION) {
		st = HV_STATUS_INVALID_PARAMETER;	/* read-only */
	}
	pthread_mutex_unlock(&h->m);
	return st;
}

int synic_state_page(struct emu_vp *vp, bool simp, void *buf, bool set)
{
	struct emu_hv_vp *h = &vp->hv;
	uint8_t **saved = simp ? &vp->simp : &vp->siefp;
	int rc = 0;

	pthread_mutex_lock(&h->m);
	uint64_t reg = simp ? h->simp : h->siefp;
	void *p = enabled(h, reg) ? mem_host(vp->pt, reg & ~0xfffull, EMU_PAGE, set) : NULL;
	if (p) {
		memcpy(set ? p : buf, set ? buf : p, EMU_PAGE);
		if (set)
			redeliver(vp);
	} else if (set) {
		if (!*saved && !(*saved = malloc(EMU_PAGE)))
			rc = -ENOMEM;
		else
			memcpy(*saved, buf, EMU_PAGE);
	} else if (*saved) {
		memcpy(buf, *saved, EMU_PAGE);
	} else {
		memset(buf, 0, EMU_PAGE);
	}
	pthread_mutex_unlock(&h->m);
	return rc;
}

static struct emu_vp *target(struct emu_partition *pt, uint32_t index)
{
	return index < EMU_MAX_VPS ? emu_partition_vp(pt, index) : NULL;
}

uint16_t synic_post_direct(struct emu_partition *pt, const void *in)
{
	const struct hv_input_post_message_direct *i = in;
	struct hv_message msg;

	memcpy(&msg, i->message, sizeof msg);
	if (i->vtl || i->padding[0] || i->padding[1] || i->padding[2] ||
	    i->sint_index >= HV_SINTS || msg.header.message_type == HVMSG_NONE ||
	    msg.header.payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		return HV_STATUS_INVALID_PARAMETER;
	struct emu_vp *vp = target(pt, i->vp_index);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	engine_acquire(pt, NULL);
	uint16_t st = synic_post(vp, i->sint_index, &msg);
	engine_release(pt);
	return st;
}

uint16_t synic_signal_direct(struct emu_partition *pt, const void *in, void *out,
			     size_t out_sz)
{
	const struct hv_input_signal_event_direct *i = in;
	struct hv_output_signal_event_direct *o = out;
	bool newly = false;

	if (out_sz < sizeof *o)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	if (i->target_vtl || i->target_sint >= HV_SINTS || i->flag_number >= 2048)
		return HV_STATUS_INVALID_PARAMETER;
	struct emu_vp *vp = target(pt, i->target_vp);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	engine_acquire(pt, NULL);
	uint16_t st = synic_signal(vp, i->target_sint, i->flag_number, &newly);
	engine_release(pt);
	memset(o, 0, sizeof *o);
	o->newly_signaled = newly;
	return st;
}
