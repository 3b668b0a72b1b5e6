/* SPDX-License-Identifier: MIT */
/*
 * MSHV_GET/SET_VP_STATE blobs. XSAVE is converted to and from the engine's
 * x87/SSE registers (the engine has no AVX state); the LAPIC state is the
 * live LAPIC (lapic.c) in hv_local_interrupt_controller_state form; SIMP
 * and SIEFP are the live SynIC pages (synic.c) and SYNTHETIC_TIMERS the
 * live timers (stimer.c), in the hypervisor's layouts.
 */
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "synic.h"
#include "lapic.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <stdlib.h>
#include <string.h>
#include <linux/mshv.h>

#define XSAVE_SIZE 576u	/* legacy area (512) + XSAVE header (64) */
#define LAPIC_SIZE 4096u
#define PAGE_STATE_SIZE 4096u
#define STIMER_SIZE ((size_t)sizeof(struct hv_synthetic_timers_state))

void vpstate_reset(struct emu_vp *vp)
{
	/* A VP's first reset is its power-on; later ones (INIT) keep
	 * IA32_APIC_BASE. */
	lapic_reset(vp, vp->apic.base == 0);
}

static size_t state_size(unsigned type)
{
	switch (type) {
	case MSHV_VP_STATE_LAPIC: return LAPIC_SIZE;
	case MSHV_VP_STATE_XSAVE: return XSAVE_SIZE;
	case MSHV_VP_STATE_SIMP: case MSHV_VP_STATE_SIEFP: return PAGE_STATE_SIZE;
	case MSHV_VP_STATE_SYNTHETIC_TIMERS: return STIMER_SIZE;
	default: return 0;
	}
}

static void xsave_get(struct emu_vp *vp, uint8_t *b)
{
	union hv_register_value v;

	memset(b, 0, XSAVE_SIZE);
	regs_get(vp, HV_X64_REGISTER_FP_CONTROL_STATUS, &v);
	memcpy(b + 0, &v.fp_control_status.fp_control, 2);
	memcpy(b + 2, &v.fp_control_status.fp_status, 2);
	b[4] = v.fp_control_status.fp_tag;
	regs_get(vp, HV_X64_REGISTER_XMM_CONTROL_STATUS, &v);
	memcpy(b + 24, &v.xmm_control_status.xmm_status_control, 4);
	uint32_t mask = 0xffff;
	memcpy(b + 28, &mask, 4);
	for (int i = 0; i < 8; i++) {
		regs_get(vp, HV_X64_REGISTER_FP_MMX0 + (uint32_t)i, &v);
		memcpy(b + 32 + 16 * i, &v.reg128.low_part, 8);
		memcpy(b + 40 + 16 * i, &v.reg128.high_part, 2);
	}
	for (int i = 0; i < 16; i++) {
		regs_get(vp, HV_X64_REGISTER_XMM0 + (uint32_t)i, &v);
		memcpy(b + 160 + 16 * i, &v.reg128, 16);
	}
	uint64_t xstate_bv = 3, xcomp_bv = (1ull << 63) | 3;	/* compacted */
	memcpy(b + 512, &xstate_bv, 8);
	memcpy(b + 520, &xcomp_bv, 8);
}

static int xsave_set(struct emu_vp *vp, const uint8_t *b)
{
	union hv_register_value v;
	uint64_t xstate_bv;

	memcpy(&xstate_bv, b + 512, 8);
	if (xstate_bv & ~3ull)
		return -EINVAL;		/* components the engine does not have */
	memset(&v, 0, sizeof v);
	memcpy(&v.fp_control_status.fp_control, b + 0, 2);
	memcpy(&v.fp_control_status.fp_status, b + 2, 2);
	v.fp_control_status.fp_tag = b[4];
	regs_set(vp, HV_X64_REGISTER_FP_CONTROL_STATUS, &v);
	memset(&v, 0, sizeof v);
	memcpy(&v.xmm_control_status.xmm_status_control, b + 24, 4);
	if (regs_set(vp, HV_X64_REGISTER_XMM_CONTROL_STATUS, &v))
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		memset(&v, 0, sizeof v);
		memcpy(&v.reg128.low_part, b + 32 + 16 * i, 8);
		memcpy(&v.reg128.high_part, b + 40 + 16 * i, 2);
		regs_set(vp, HV_X64_REGISTER_FP_MMX0 + (uint32_t)i, &v);
	}
	for (int i = 0; i < 16; i++) {
		memcpy(&v.reg128, b + 160 + 16 * i, 16);
		regs_set(vp, HV_X64_REGISTER_XMM0 + (uint32_t)i, &v);
	}
	return 0;
}

static int vp_state(struct emu_vp *vp, unsigned type, void *buf, size_t *size, bool set)
{
	struct emu_partition *pt = vp->pt;
	size_t need = state_size(type);
	int rc = 0;

	if (!need)
		return -EINVAL;
	size_t have = *size;
	*size = need;		/* written back before the size check, like the kernel */
	if (need > have)
		return -EINVAL;
	engine_acquire(pt, NULL);
	engine_load(pt, vp);
	regpage_apply_dirty(vp);
	switch (type) {
	case MSHV_VP_STATE_LAPIC:
		/* hv_local_interrupt_controller_state: the live LAPIC */
		if (set) {
			lapic_state_set(vp, buf);
		} else {
			memset(buf, 0, LAPIC_SIZE);
			lapic_state_get(vp, buf);
		}
		break;
	case MSHV_VP_STATE_XSAVE:
		if (set)
			rc = xsave_set(vp, buf);
		else
			xsave_get(vp, buf);
		break;
	case MSHV_VP_STATE_SIMP:
	case MSHV_VP_STATE_SIEFP:
		rc = synic_state_page(vp, type == MSHV_VP_STATE_SIMP, buf, set);
		break;
	case MSHV_VP_STATE_SYNTHETIC_TIMERS:
		if (set)
			rc = stimer_state_set(vp, buf);
		else
			stimer_state_get(vp, buf);
		break;
	}
	if (set)
		regpage_refresh(vp);
	engine_release(pt);
	return rc;
}

int emu_vp_get_state(struct emu_vp *vp, unsigned type, void *buf, size_t *size)
{
	return vp_state(vp, type, buf, size, false);
}

int emu_vp_set_state(struct emu_vp *vp, unsigned type, const void *buf, size_t *size)
{
	return vp_state(vp, type, (void *)buf, size, true);
}

size_t emu_vp_state_size(unsigned type)
{
	return state_size(type);
}

/* MSHV_SET_MSI_ROUTING: the table replaces the previous one atomically. */
int emu_set_msi_routing(struct emu_partition *pt, const struct emu_msi_entry *e, size_t n)
{
	struct emu_msi_route *t = NULL;

	if (n) {
		t = calloc(n, sizeof *t);
		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			t[i] = (struct emu_msi_route){ e[i].gsi, e[i].address_lo, e[i].address_hi, e[i].data };
	}
	pthread_mutex_lock(&pt->lock);
	free(pt->routes);
	pt->routes = t;
	pt->nroutes = n;
	pthread_mutex_unlock(&pt->lock);
	return 0;
}
