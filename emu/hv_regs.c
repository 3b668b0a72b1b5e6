/* SPDX-License-Identifier: MIT */
/*
 * The enlightenments' registers by name: GET/SET_VP_REGISTERS from the VMM
 * and the guest's RDMSR/WRMSR (msr.c maps the MSR to its name) reach the
 * same live state here. A guest reaches a synthetic MSR only if the
 * partition holds its privilege (TLFS "Partition Privilege Flags"); the
 * VMM always can.
 */
#include "vp.h"
#include "partition.h"
#include "hv.h"
#include "synic.h"

#include <hyperv/hv_all.h>

#include <string.h>

bool hv_granted(const struct emu_partition *pt, unsigned feature)
{
	uint64_t f = pt->props.synthetic_features;

	return (f & 1) && ((f >> feature) & 1);
}

void hv_pt_init(struct emu_partition *pt)
{
	struct emu_hv_pt *h = &pt->hv;
	pthread_condattr_t ca;

	pthread_mutex_init(&h->m, NULL);
	pthread_mutex_init(&h->tm, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
}

void hv_pt_fini(struct emu_partition *pt)
{
	stimer_pt_fini(pt);
	pthread_mutex_destroy(&pt->hv.m);
	pthread_mutex_destroy(&pt->hv.tm);
	pthread_cond_destroy(&pt->hv.cv);
}

void hv_vp_init(struct emu_vp *vp)
{
	struct emu_hv_vp *h = &vp->hv;

	pthread_mutex_init(&h->m, NULL);
	/* TLFS: every SINT starts masked */
	for (unsigned i = 0; i < HV_SINTS; i++)
		h->sint[i] = HV_SINT_MASKED;
}

void hv_vp_fini(struct emu_vp *vp)
{
	pthread_mutex_destroy(&vp->hv.m);
}

bool hv_reg_owned(uint32_t name)
{
	return name == HV_REGISTER_GUEST_OS_ID || name == HV_REGISTER_HYPERCALL ||
	       name == HV_REGISTER_REFERENCE_TSC ||
	       (name >= HV_REGISTER_SINT0 && name <= HV_REGISTER_SIRBP) ||
	       (name >= HV_REGISTER_STIMER0_CONFIG && name <= HV_REGISTER_STIMER3_COUNT);
}

uint16_t hv_reg_get(struct emu_vp *vp, uint32_t name, uint64_t *val)
{
	struct emu_hv_pt *h = &vp->pt->hv;

	switch (name) {
	case HV_REGISTER_GUEST_OS_ID:
	case HV_REGISTER_HYPERCALL:
	case HV_REGISTER_REFERENCE_TSC:
		pthread_mutex_lock(&h->m);
		*val = name == HV_REGISTER_GUEST_OS_ID ? h->guest_os_id :
		       name == HV_REGISTER_HYPERCALL ? h->hypercall : h->ref_tsc;
		pthread_mutex_unlock(&h->m);
		return HV_STATUS_SUCCESS;
	default:
		break;
	}
	if (name >= HV_REGISTER_STIMER0_CONFIG)
		return stimer_reg_get(vp, name, val);
	return synic_reg_get(vp, name, val);
}

uint16_t hv_reg_set(struct emu_vp *vp, uint32_t name, uint64_t val)
{
	switch (name) {
	case HV_REGISTER_GUEST_OS_ID:
		return hv_guest_os_id_set(vp->pt, val);
	case HV_REGISTER_HYPERCALL:
		return hv_hypercall_msr_set(vp->pt, val);
	case HV_REGISTER_REFERENCE_TSC:
		return hv_ref_tsc_set(vp->pt, val);
	default:
		break;
	}
	if (name >= HV_REGISTER_STIMER0_CONFIG)
		return stimer_reg_set(vp, name, val);
	return synic_reg_set(vp, name, val);
}

bool hv_msr_granted(const struct emu_partition *pt, uint32_t msr)
{
	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID:
	case HV_X64_MSR_HYPERCALL:
		return hv_granted(pt, HV_SYN_HYPERCALL);
	case HV_X64_MSR_VP_INDEX:
		return hv_granted(pt, HV_SYN_VP_INDEX);
	case HV_X64_MSR_TIME_REF_COUNT:
		return hv_granted(pt, HV_SYN_REF_COUNTER);
	case HV_X64_MSR_REFERENCE_TSC:
		return hv_granted(pt, HV_SYN_REF_TSC);
	case HV_X64_MSR_TSC_FREQUENCY:
	case HV_X64_MSR_APIC_FREQUENCY:
		return hv_granted(pt, HV_SYN_FREQUENCY);
	default:
		break;
	}
	if (msr >= HV_X64_MSR_SCONTROL && msr <= HV_X64_MSR_SINT15)
		return hv_granted(pt, HV_SYN_SYNIC);
	if (msr >= HV_X64_MSR_STIMER0_CONFIG && msr <= HV_X64_MSR_STIMER3_COUNT)
		return hv_granted(pt, HV_SYN_STIMER);
	return true;	/* the rest need hypervisor_present only */
}

bool hv_msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val)
{
	/* not granted: an unimplemented MSR (UNIMPLEMENTED_MSR_ACTION) */
	if ((msr != HV_X64_MSR_TSC_FREQUENCY && msr != HV_X64_MSR_APIC_FREQUENCY) ||
	    !hv_granted(vp->pt, HV_SYN_FREQUENCY))
		return false;
	/* The LAPIC timer counts nanoseconds (emu/lapic_timer.c): 1 GHz. */
	*val = msr == HV_X64_MSR_TSC_FREQUENCY ? hv_tsc_frequency() : 1000000000ull;
	return true;
}
