/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor CPUID leaves 0x40000000-0x4000000A (TLFS "Feature and
 * Interface Discovery"; bit names as in Linux's
 * include/asm-generic/hyperv-tlfs.h and arch/x86/include/asm/hyperv-tlfs.h).
 * They follow the partition's synthetic processor features: a guest is
 * told about an enlightenment only where the VMM granted it, and only
 * granted ones that this hypervisor implements exist (props.c).
 */
#include "emu_limits.h"
#include "vp.h"
#include "partition.h"
#include "hv.h"

#include <hyperv/hv_all.h>

#include <string.h>

#define LEAF_MAX	0x4000000a

/* Synthetic feature bit -> privilege bit (HV_MSR_*_AVAILABLE in EAX of
 * 0x40000003): bits 2-8 move down by two, 9-11 keep their place. */
static const uint8_t priv_of[][2] = {
	{ HV_SYN_REF_COUNTER, 1 },	/* HV_MSR_TIME_REF_COUNT_AVAILABLE */
	{ HV_SYN_SYNIC, 2 },		/* HV_MSR_SYNIC_AVAILABLE */
	{ HV_SYN_STIMER, 3 },		/* HV_MSR_SYNTIMER_AVAILABLE */
	{ HV_SYN_HYPERCALL, 5 },	/* HV_MSR_HYPERCALL_AVAILABLE */
	{ HV_SYN_VP_INDEX, 6 },		/* HV_MSR_VP_INDEX_AVAILABLE */
	{ HV_SYN_REF_TSC, 9 },		/* HV_MSR_REFERENCE_TSC_AVAILABLE */
	{ HV_SYN_FREQUENCY, 11 },	/* HV_ACCESS_FREQUENCY_MSRS */
};

uint32_t hv_privileges_low(uint64_t synthetic_features)
{
	uint32_t p = 0;

	for (size_t i = 0; i < sizeof priv_of / sizeof priv_of[0]; i++)
		if ((synthetic_features >> priv_of[i][0]) & 1)
			p |= 1u << priv_of[i][1];
	return p;
}

void hv_cpuid(const struct emu_vp *vp, uint32_t leaf, uint32_t r[4])
{
	const struct emu_partition *pt = vp->pt;
	uint64_t synth = pt->props.synthetic_features;

	memset(r, 0, 16);
	if (!(synth & 1) || leaf > LEAF_MAX)	/* hypervisor_present */
		return;
	switch (leaf) {
	case 0x40000000:
		r[0] = LEAF_MAX;
		memcpy(&r[1], "Micr", 4), memcpy(&r[2], "osof", 4), memcpy(&r[3], "t Hv", 4);
		break;
	case 0x40000001:
		if (synth & (1ull << HV_SYN_HV1))
			memcpy(&r[0], "Hv#1", 4);
		break;
	case 0x40000002:
		r[0] = 27751;			/* build */
		r[1] = (10u << 16) | 0;		/* 10.0 */
		break;
	case 0x40000003:
		r[0] = hv_privileges_low(synth);
		/* HV_POST_MESSAGES, HV_SIGNAL_EVENTS: the calls are
		 * handled (emu/hv_hypercall_page.c) */
		if (hv_granted(pt, HV_SYN_SYNIC) && hv_granted(pt, HV_SYN_HYPERCALL))
			r[1] = (1u << 4) | (1u << 5);
		if (hv_granted(pt, HV_SYN_FREQUENCY))
			r[3] |= 1u << 8;	/* HV_FEATURE_FREQUENCY_MSRS_AVAILABLE */
		if (hv_granted(pt, HV_SYN_STIMER) && hv_granted(pt, HV_SYN_DIRECT_STIMER))
			r[3] |= 1u << 19;	/* HV_STIMER_DIRECT_MODE_AVAILABLE */
		break;
	case 0x40000004:
		/* Recommendations: no auto-EOI (HV_DEPRECATING_AEOI_RECOMMENDED:
		 * a guest EOIs its SINTs through the LAPIC); never notify
		 * about long spin waits (EBX all ones). */
		if (hv_granted(pt, HV_SYN_SYNIC))
			r[0] = 1u << 9;
		r[1] = 0xffffffffu;
		break;
	case 0x40000005:
		r[0] = EMU_MAX_VPS;	/* virtual processors */
		r[1] = EMU_MAX_VPS;	/* logical processors */
		break;
	default:
		/* 0x40000006 hardware features, 0x40000007/8 CPU management,
		 * 0x40000009/A nested: nothing of theirs is implemented */
		break;
	}
}
