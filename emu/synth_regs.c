/* SPDX-License-Identifier: MIT */
/*
 * Synthetic registers with the hypervisor's semantics that the engine does
 * not model: the suspend registers and the checks on the event registers'
 * values (docs/abi-hv.md §6; TLFS "Virtual Processor Registers").
 *
 * Suspend: a new VP is explicitly suspended (EXPLICIT_SUSPEND = 1). Running
 * it is what releases it: the driver clears the explicit suspend the
 * hypervisor reports on the first dispatch, and asks the hypervisor to
 * clear the intercept suspend left by the previous intercept
 * (drivers/hv/mshv_root_main.c, mshv_run_vp_with_root_scheduler()). Each
 * intercept message suspends the VP (INTERCEPT_SUSPEND = 1) until the next
 * run. emu_vp_dispatch() is that run.
 */
#include "vp.h"
#include "regs.h"

#include <hyperv/hv_all.h>

#include <mshv-emu/emu.h>

void synth_vp_init(struct emu_vp *vp)
{
	atomic_store(&vp->explicit_suspend, true);
}

int emu_vp_dispatch(struct emu_vp *vp, struct hv_message *msg)
{
	atomic_store(&vp->intercept_suspend, false);
	atomic_store(&vp->explicit_suspend, false);
	int rc = emu_vp_run(vp, msg);
	if (!rc)
		atomic_store(&vp->intercept_suspend, true);
	return rc;
}

static _Atomic bool *suspend_flag(struct emu_vp *vp, uint32_t name)
{
	switch (name) {
	case HV_REGISTER_EXPLICIT_SUSPEND: return &vp->explicit_suspend;
	case HV_REGISTER_INTERCEPT_SUSPEND: return &vp->intercept_suspend;
	case HV_REGISTER_DISPATCH_SUSPEND: return &vp->dispatch_suspend;
	default: return NULL;
	}
}

bool synth_reg_get(struct emu_vp *vp, uint32_t name, union hv_register_value *v)
{
	_Atomic bool *f = suspend_flag(vp, name);

	if (!f)
		return false;
	v->reg64 = atomic_load(f);
	return true;
}

/* DELIVERABILITY_NOTIFICATIONS: NMI (bit 0), interrupt (bit 1), priority
 * (bits 2-5), SINTs (48-63); bits 6-47 are reserved-zero. */
#define DELIVERABILITY_RSVD 0x0000ffffffffffc0ull

bool synth_reg_set(struct emu_vp *vp, uint32_t name, const union hv_register_value *v,
		   uint16_t *st)
{
	_Atomic bool *f = suspend_flag(vp, name);

	if (f) {
		/* One bit each; the rest is reserved-zero. */
		if (v->reg64 > 1)
			*st = HV_STATUS_INVALID_PARAMETER;
		else
			atomic_store(f, v->reg64 != 0);
		return true;
	}
	switch (name) {
	case HV_REGISTER_DELIVERABILITY_NOTIFICATIONS:
		if (v->reg64 & DELIVERABILITY_RSVD) {
			*st = HV_STATUS_INVALID_PARAMETER;
			return true;
		}
		return false;	/* valid: kept as plain storage */
	case HV_REGISTER_GUEST_CRASH_CTL:
		/* crash_notify (63) and crash_message (62) only */
		if (v->reg64 & ~(3ull << 62)) {
			*st = HV_STATUS_INVALID_PARAMETER;
			return true;
		}
		return false;
	default:
		return false;
	}
}
