/* SPDX-License-Identifier: MIT */
/* Partition properties (GET/SET_PARTITION_PROPERTY and the _EX form). */
#include "emu_limits.h"
#include "partition.h"
#include "cpuid.h"
#include "msr.h"
#include "hv.h"
#include "hypercall.h"
#include "dirty.h"

#include <hyperv/hv_all.h>

#include <string.h>

/* Synthetic features this hypervisor implements and lets VMMs assign
 * (emu/hv.h: the CPUID leaves, reference counter and TSC page, SynIC,
 * synthetic timers with direct mode, hypercall page, VP index, frequency
 * MSRs, the TLB flush, cluster IPI and long spin wait hypercalls). */
#define EMU_ASSIGNABLE_SYNTHETIC HV_SYN_IMPLEMENTED

static uint16_t host_property(uint32_t code, uint64_t *val)
{
	switch (code) {
	case HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0:
		*val = cpuid_host_features(0);
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_PROCESSOR_FEATURES1:
		*val = cpuid_host_features(1);
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_PROCESSOR_XSAVE_FEATURES:
		*val = 0;	/* the engine has no XSAVE */
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_XSAVE_STATES:
		*val = 3;	/* x87 | SSE */
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE:
		*val = 576;	/* legacy area + XSAVE header */
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_PROCESSOR_VENDOR:
		*val = cpuid_is_intel() ? 1 : 0;	/* hv_processor_vendor: AMD 0, Intel 1 */
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_PHYSICAL_ADDRESS_WIDTH:
		*val = cpuid_phys_bits();
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_PROCESSOR_CLOCK_FREQUENCY:
		*val = 1000000000ull;	/* nominal: the engine has no fixed clock */
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_PROCESSOR_CL_FLUSH_SIZE:
		*val = 8;	/* in 8-byte units: 64-byte lines */
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_UNKNOWN_PROPERTY;
	}
}

uint16_t hv_get_property(struct emu_partition *pt, const void *in, void *out)
{
	const struct hv_input_get_partition_property *i = in;
	struct hv_output_get_partition_property *o = out;
	uint16_t st = HV_STATUS_SUCCESS;

	uint64_t v = 0;

	if (!pt) {
		st = host_property(i->property_code, &v);
		o->property_value = v;
		return st;
	}
	pthread_mutex_lock(&pt->lock);
	switch (i->property_code) {
	case HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES:
		o->property_value = pt->props.synthetic_features;
		break;
	case HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION:
		o->property_value = pt->props.unimplemented_msr_action;
		break;
	case HV_PARTITION_PROPERTY_TIME_FREEZE:
		o->property_value = pt->props.time_freeze;
		break;
	case HV_PARTITION_PROPERTY_REFERENCE_TIME:
		o->property_value = emu_reference_time(pt);
		break;
	case HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING:
		o->property_value = pt->props.gpa_access_tracking;
		break;
	case HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET:
		o->property_value = pt->props.processors_per_socket;
		break;
	case HV_PARTITION_PROPERTY_PRIVILEGE_FLAGS:
		o->property_value = hv_privileges_low(pt->props.synthetic_features);
		break;
	default:
		st = host_property(i->property_code, &v);
		o->property_value = v;
		break;
	}
	pthread_mutex_unlock(&pt->lock);
	return st;
}

uint16_t hv_set_property(struct emu_partition *pt, const void *in)
{
	const struct hv_input_set_partition_property *i = in;
	uint64_t v = i->property_value, dummy;
	uint16_t st = HV_STATUS_SUCCESS;

	/* Tracking changes the nested tables: the engine first (the lock
	 * order is engine, then pt->lock). */
	if (i->property_code == HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING && v <= 1 &&
	    dirty_set_tracking(pt, v))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	pthread_mutex_lock(&pt->lock);
	switch (i->property_code) {
	case HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES:
		/* An early property: fixed once the partition is initialized. */
		if (pt->initialized)
			st = HV_STATUS_INVALID_PARTITION_STATE;
		else	/* like the hypervisor: unsupported bits stay off;
			 * the VMM reads back what it got */
			pt->props.synthetic_features = v & EMU_ASSIGNABLE_SYNTHETIC;
		break;
	case HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION:
		if (v >= HV_UNIMPLEMENTED_MSR_ACTION_COUNT)
			st = HV_STATUS_INVALID_PARAMETER;
		else
			pt->props.unimplemented_msr_action = v;
		break;
	case HV_PARTITION_PROPERTY_TIME_FREEZE:
		if (v > 1) {
			st = HV_STATUS_INVALID_PARAMETER;
		} else if (v != pt->props.time_freeze) {
			/* Reference time stands still while frozen. */
			if (v) {
				pt->props.frozen_reference_time = emu_reference_time(pt);
				pt->props.time_freeze = 1;
			} else {
				pt->props.time_freeze = 0;
				uint64_t now = emu_reference_time(pt);
				pt->props.reference_time_offset += pt->props.frozen_reference_time - now;
			}
		}
		break;
	case HV_PARTITION_PROPERTY_REFERENCE_TIME:
		if (pt->props.time_freeze) {
			pt->props.frozen_reference_time = v;
		} else {
			uint64_t now = emu_reference_time(pt);
			pt->props.reference_time_offset += v - now;
		}
		break;
	case HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING:
		if (v > 1)
			st = HV_STATUS_INVALID_PARAMETER;
		else
			pt->props.gpa_access_tracking = v;
		break;
	case HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET:
		if (v == 0 || v > EMU_MAX_VPS)
			st = HV_STATUS_INVALID_PARAMETER;
		else
			pt->props.processors_per_socket = v;
		break;
	case HV_PARTITION_PROPERTY_PRIVILEGE_FLAGS:
		/* Early, like SYNTHETIC_PROC_FEATURES: after initialization
		 * the partition's state forbids it. Before, it is refused:
		 * the privileges follow SYNTHETIC_PROC_FEATURES here. */
		st = pt->initialized ? HV_STATUS_INVALID_PARTITION_STATE : HV_STATUS_ACCESS_DENIED;
		break;
	default:
		/* Known but read-only, or unknown. */
		st = host_property(i->property_code, &dummy) == HV_STATUS_SUCCESS
			     ? HV_STATUS_ACCESS_DENIED : HV_STATUS_UNKNOWN_PROPERTY;
		break;
	}
	pthread_mutex_unlock(&pt->lock);
	/* the reference TSC page and the timers follow partition time */
	if (st == HV_STATUS_SUCCESS && (i->property_code == HV_PARTITION_PROPERTY_TIME_FREEZE ||
					i->property_code == HV_PARTITION_PROPERTY_REFERENCE_TIME))
		hv_ref_tsc_refresh(pt);
	return st;
}

uint16_t hv_get_property_ex(struct emu_partition *pt, const void *in, void *out, size_t out_sz)
{
	const struct hv_input_get_partition_property_ex *i = in;
	struct hv_partition_property_vmm_capabilities *caps = out;

	(void)pt;
	if (out_sz < 16)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	switch (i->property_code) {
	case HV_PARTITION_PROPERTY_VMM_CAPABILITIES:
		caps->bank_count = 1;
		caps->as_uint64[0] = 0;
		caps->assignable_synthetic_proc_features = 1;
		return HV_STATUS_SUCCESS;
	case HV_PARTITION_PROPERTY_ASSIGNABLE_SYNTHETIC_PROC_FEATURES:
		caps->bank_count = 1;
		caps->as_uint64[0] = EMU_ASSIGNABLE_SYNTHETIC;
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_UNKNOWN_PROPERTY;
	}
}
