/* SPDX-License-Identifier: MIT */
/*
 * RDMSR/WRMSR for the MSRs Unicorn does not implement. Each MSR maps to a
 * register name, so the guest and the VMM (GET/SET_VP_REGISTERS) see one
 * value. Anything else follows the partition's UNIMPLEMENTED_MSR_ACTION.
 */
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "msr.h"
#include "hv.h"
#include "lapic.h"

#include <hyperv/hv_all.h>

#include <time.h>

/* The same TSC-based clock the reference TSC page describes (hv_time.c),
 * so the MSR and the page agree to the tick. */
uint64_t emu_reference_time(struct emu_partition *pt)
{
	if (pt->props.time_freeze)
		return pt->props.frozen_reference_time;
	return hv_ref_ticks() - pt->created_ref + pt->props.reference_time_offset;
}

bool msr_intercepted(struct emu_vp *vp, uint32_t msr, bool write)
{
	struct emu_partition *pt = vp->pt;
	uint32_t want = write ? HV_INTERCEPT_ACCESS_MASK_WRITE : HV_INTERCEPT_ACCESS_MASK_READ;

	if (pt->intercept_msr_all & want)
		return true;
	for (size_t i = 0; i < pt->nintercept_msr; i++)
		if (pt->intercept_msr[i] == msr)
			return pt->intercept_msr_access[i] & want;
	return false;
}

enum { RW, RO, WO };

/* MSR -> register name (0 if none); *mode tells read-only/write-only. */
static uint32_t msr_name(struct emu_vp *vp, uint32_t msr, int *mode)
{
	bool hv = vp->pt->props.synthetic_features & 1;

	*mode = RW;
	switch (msr) {
	case 0x1b: return HV_X64_REGISTER_APIC_BASE;
	case 0xfe: *mode = RO; return HV_X64_REGISTER_MSR_MTRR_CAP;
	case 0x2ff: return HV_X64_REGISTER_MSR_MTRR_DEF_TYPE;
	case 0x250: return HV_X64_REGISTER_MSR_MTRR_FIX64K00000;
	case 0x258: return HV_X64_REGISTER_MSR_MTRR_FIX16K80000;
	case 0x259: return HV_X64_REGISTER_MSR_MTRR_FIX16KA0000;
	case 0x1a0: return HV_X64_REGISTER_MSR_IA32_MISC_ENABLE;
	case 0x1d9: return HV_X64_REGISTER_DEBUG_CTL;
	case 0x48: return HV_X64_REGISTER_SPEC_CTRL;
	case 0x49: *mode = WO; return HV_X64_REGISTER_PRED_CMD;
	case 0x3b: return HV_X64_REGISTER_TSC_ADJUST;
	case 0x3a: return HV_X64_REGISTER_IA32_FEATURE_CONTROL;
	case 0xd90: return HV_X64_REGISTER_BNDCFGS;
	case 0xda0: return HV_X64_REGISTER_U_XSS;
	default: break;
	}
	if (msr >= 0x200 && msr <= 0x20f)
		return (msr & 1) ? HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0 + (msr - 0x200) / 2
				 : HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0 + (msr - 0x200) / 2;
	if (msr >= 0x268 && msr <= 0x26f)
		return HV_X64_REGISTER_MSR_MTRR_FIX4KC0000 + (msr - 0x268);
	if (!hv || !hv_msr_granted(vp->pt, msr))
		return 0;
	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID: return HV_REGISTER_GUEST_OS_ID;
	case HV_X64_MSR_HYPERCALL: return HV_X64_REGISTER_HYPERCALL;
	case HV_X64_MSR_VP_INDEX: *mode = RO; return HV_REGISTER_VP_INDEX;
	case HV_X64_MSR_TIME_REF_COUNT: *mode = RO; return HV_REGISTER_TIME_REF_COUNT;
	case HV_X64_MSR_REFERENCE_TSC: return HV_REGISTER_REFERENCE_TSC;
	default: break;
	}
	if (msr >= HV_X64_MSR_SCONTROL && msr <= HV_X64_MSR_SIRBP) {
		if (msr == HV_X64_MSR_SVERSION)
			*mode = RO;
		else if (msr == HV_X64_MSR_EOM)
			*mode = WO;
		return HV_REGISTER_SCONTROL + (msr - HV_X64_MSR_SCONTROL);
	}
	if (msr >= HV_X64_MSR_SINT0 && msr <= HV_X64_MSR_SINT0 + 15)
		return HV_REGISTER_SINT0 + (msr - HV_X64_MSR_SINT0);
	if (msr >= HV_X64_MSR_STIMER0_CONFIG && msr <= HV_X64_MSR_STIMER0_CONFIG + 7)
		return HV_REGISTER_STIMER0_CONFIG + (msr - HV_X64_MSR_STIMER0_CONFIG);
	if (msr >= HV_X64_MSR_CRASH_P0 && msr <= HV_X64_MSR_CRASH_CTL)
		return HV_REGISTER_GUEST_CRASH_P0 + (msr - HV_X64_MSR_CRASH_P0);
	return 0;
}

/* The LAPIC's MSRs: x2APIC registers and IA32_TSC_DEADLINE. Without a
 * LAPIC (or outside x2APIC mode for 0x800-0x8ff) they fault. */
static bool lapic_msr(uint32_t msr)
{
	return (msr >= 0x800 && msr <= 0x8ff) || msr == 0x6e0;
}

bool msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val)
{
	union hv_register_value v;
	int mode;

	if (lapic_msr(msr))
		return lapic_msr_read(vp, msr, val);
	if ((vp->pt->props.synthetic_features & 1) && hv_msr_read(vp, msr, val))
		return true;
	uint32_t name = msr_name(vp, msr, &mode);

	if (name && mode != WO) {
		if (name == HV_REGISTER_TIME_REF_COUNT)
			*val = emu_reference_time(vp->pt);
		else if (regs_get(vp, name, &v) == HV_STATUS_SUCCESS)
			*val = v.reg64;
		else
			return false;
		return true;
	}
	if (vp->pt->props.unimplemented_msr_action == HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO) {
		*val = 0;
		return true;
	}
	return false;
}

bool msr_write(struct emu_vp *vp, uint32_t msr, uint64_t val)
{
	union hv_register_value v = { .reg64 = val };
	int mode;

	if (lapic_msr(msr))
		return lapic_msr_write(vp, msr, val);
	if (msr == 0x1b)	/* IA32_APIC_BASE: the guest's transitions */
		return lapic_set_base(vp, val, true);
	uint32_t name = msr_name(vp, msr, &mode);

	if (name && mode != RO)
		return regs_set(vp, name, &v) == HV_STATUS_SUCCESS;
	return vp->pt->props.unimplemented_msr_action ==
	       HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO && !name;
}

/* MSRs Unicorn implements itself; they execute natively. */
bool engine_native_msr(uint32_t msr)
{
	switch (msr) {
	case 0x10: case 0x174: case 0x175: case 0x176: case 0x277:
	case 0xc0000080: case 0xc0000081: case 0xc0000082: case 0xc0000083:
	case 0xc0000084: case 0xc0000100: case 0xc0000101: case 0xc0000102:
	case 0xc0000103:
		return true;
	default:
		return false;
	}
}
