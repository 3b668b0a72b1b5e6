/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls issued by the VMM through MSHV_ROOT_HVCALL. The face has
 * already applied the kernel's allow-list and argument checks; here each
 * call is validated as the hypervisor would and answers an HV_STATUS.
 */
#include "emu_limits.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "cpuid.h"
#include "synic.h"
#include "lapic.h"
#include "irq.h"
#include "hypercall.h"
#include "x86_mmu.h"
#include "vp_mmu.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>
#include "dirty.h"

#include <stdlib.h>
#include <string.h>
#include <linux/mshv.h>

/* A VP addressed by index from the root: must exist. */
static struct emu_vp *vp_of(struct emu_partition *pt, uint32_t index)
{
	return index < EMU_MAX_VPS ? emu_partition_vp(pt, index) : NULL;
}

/* Runs with the engine held and vp's state loaded. */
static struct emu_vp *vp_acquire(struct emu_partition *pt, uint32_t index)
{
	struct emu_vp *vp = vp_of(pt, index);

	if (vp) {
		engine_acquire(pt, NULL);
		engine_load(pt, vp);
		/* Edits the VMM made on the register page count as made. */
		regpage_apply_dirty(vp);
	}
	return vp;
}

/* The prologue GET_VP_REGISTERS and SET_VP_REGISTERS share: n reps of
 * elem input bytes after the 16-byte header fit the input page and
 * out_ok (the output fits), else HV_STATUS_INVALID_HYPERCALL_INPUT; the
 * VTL and reserved fields (or-ed into vtl_rsvd) are 0, else
 * INVALID_PARAMETER; the VP exists. On success the engine is held with
 * the VP loaded and a register batch begun: the caller commits it and
 * releases the engine. */
static uint16_t regs_call_begin(struct emu_partition *pt, uint16_t *reps, unsigned elem,
				bool out_ok, uint32_t vp_index, uint32_t vtl_rsvd,
				struct emu_vp **vp)
{
	uint16_t n = *reps;

	*reps = 0;
	if (n == 0 || 16u + elem * n > EMU_HVCALL_PAGE || !out_ok)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (vtl_rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	*vp = vp_acquire(pt, vp_index);
	if (!*vp)
		return HV_STATUS_INVALID_VP_INDEX;
	regs_begin(*vp);
	return HV_STATUS_SUCCESS;
}

static uint16_t get_vp_registers(struct emu_partition *pt, uint16_t *reps,
				 const void *in, void *out, size_t out_sz)
{
	const struct hv_input_get_vp_registers *i = in;
	union hv_register_value *o = out;
	uint16_t n = *reps, done = 0;
	struct emu_vp *vp;
	uint16_t st = regs_call_begin(pt, reps, 4, 16u * n <= out_sz, i->vp_index,
				      i->input_vtl | i->rsvd_z8 | i->rsvd_z16, &vp);

	if (st != HV_STATUS_SUCCESS)
		return st;
	for (; done < n; done++) {
		st = regs_get(vp, i->names[done], &o[done]);
		if (st != HV_STATUS_SUCCESS)
			break;
	}
	regs_commit(vp);
	engine_release(pt);
	*reps = done;
	return st;
}

static uint16_t set_vp_registers(struct emu_partition *pt, uint16_t *reps, const void *in)
{
	const struct hv_input_set_vp_registers *i = in;
	uint16_t n = *reps, done = 0;
	struct emu_vp *vp;
	uint16_t st = regs_call_begin(pt, reps, 32, true, i->vp_index,
				      i->input_vtl | i->rsvd_z8 | i->rsvd_z16, &vp);

	if (st != HV_STATUS_SUCCESS)
		return st;
	for (; done < n; done++) {
		const struct hv_register_assoc *a = &i->elements[done];
		if (a->reserved1 || a->reserved2) {
			st = HV_STATUS_INVALID_PARAMETER;
			break;
		}
		st = regs_set(vp, a->name, &a->value);
		if (st != HV_STATUS_SUCCESS)
			break;
		if (a->name == HV_X64_REGISTER_RIP)
			vp->shutdown = false;	/* the VMM resets the VP */
	}
	regs_commit(vp);
	/* The register page always shows the stopped VP as it is. */
	regpage_after_set(vp, i->elements, done, st == HV_STATUS_SUCCESS);
	engine_release(pt);
	*reps = done;
	return st;
}

static uint16_t translate_va(struct emu_partition *pt, const void *in, void *out)
{
	const struct hv_input_translate_virtual_address *i = in;
	struct hv_output_translate_virtual_address *o = out;
	uint64_t f = i->control_flags, gpa = 0;
	unsigned acc = 0;

	if (f & ~(0x7ffull | HV_TRANSLATE_GVA_INPUT_VTL_MASK))
		return HV_STATUS_INVALID_PARAMETER;
	struct emu_vp *vp = vp_acquire(pt, i->vp_index);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	if (!(f & HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT)) {
		if (f & HV_TRANSLATE_GVA_VALIDATE_WRITE)
			acc |= X86_ACC_WRITE;
		if (f & HV_TRANSLATE_GVA_VALIDATE_EXECUTE)
			acc |= X86_ACC_EXEC;
		if (f & HV_TRANSLATE_GVA_USER_ACCESS)
			acc |= X86_ACC_USER;
		if (f & HV_TRANSLATE_GVA_OVERRIDE_SMAP)
			acc |= X86_ACC_NO_SMAP;
	}
	if (f & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS)
		acc |= X86_ACC_SET_AD;
	struct x86_mmu m = vp_mmu(vp);
	enum x86_xlate r = x86_mmu_translate(&m, i->gva_page << 12, acc, &gpa, NULL);
	engine_release(pt);
	o->translation_result.as_uint64 = 0;
	o->translation_result.result_code = (uint32_t)r;
	o->translation_result.cache_type = HV_CACHE_TYPE_X64_WB;
	o->gpa_page = r == X86_XLATE_OK ? gpa >> 12 : 0;
	return HV_STATUS_SUCCESS;
}

static uint16_t access_gpa(struct emu_partition *pt, bool write, const void *in, void *out)
{
	const struct hv_input_read_gpa *i = in;
	const struct hv_input_write_gpa *w = in;

	if (i->byte_count == 0 || i->byte_count > HV_READ_WRITE_GPA_MAX_SIZE)
		return HV_STATUS_INVALID_PARAMETER;
	if (i->control_flags.as_uint64 & ~0xffull)
		return HV_STATUS_INVALID_PARAMETER;
	if (!vp_of(pt, i->vp_index))
		return HV_STATUS_INVALID_VP_INDEX;
	engine_acquire(pt, NULL);
	union hv_access_gpa_result *res = out;
	res->as_uint64 = 0;
	if (write) {
		/* At most two pages: check both before writing either. */
		uint64_t last = i->base_gpa + i->byte_count - 1;
		const struct emu_region *a = mem_find(pt, i->base_gpa), *b = mem_find(pt, last);
		if (!a || !b)
			res->result_code = HV_ACCESS_GPA_UNMAPPED;
		else if (!(a->flags & EMU_MEM_WRITABLE) || !(b->flags & EMU_MEM_WRITABLE))
			res->result_code = HV_ACCESS_GPA_WRITE_INTERCEPT;
		else if (mem_write_phys(pt, i->base_gpa, w->data, i->byte_count))
			res->result_code = HV_ACCESS_GPA_UNMAPPED;
	} else {
		struct hv_output_read_gpa *o = out;
		if (mem_read_phys(pt, i->base_gpa, o->data, i->byte_count))
			res->result_code = HV_ACCESS_GPA_UNMAPPED;
	}
	if (write && res->result_code == HV_ACCESS_GPA_SUCCESS)
		pt->eng.flush_tb = true;
	engine_release(pt);
	return HV_STATUS_SUCCESS;
}

static uint16_t install_intercept(struct emu_partition *pt, const void *in)
{
	const struct hv_input_install_intercept *i = in;
	uint16_t st = HV_STATUS_SUCCESS;

	if (i->access_type == 0 || (i->access_type & ~7u))
		return HV_STATUS_INVALID_PARAMETER;
	engine_acquire(pt, NULL);
	pthread_mutex_lock(&pt->lock);
	switch (i->intercept_type) {
	case HV_INTERCEPT_TYPE_X64_IO_PORT:
		break;	/* every port access exits already */
	case HV_INTERCEPT_TYPE_X64_GLOBAL_CPUID:
		pt->intercept_cpuid_all = true;
		break;
	case HV_INTERCEPT_TYPE_X64_CPUID:
	case HV_INTERCEPT_TYPE_X64_MSR_INDEX: {
		bool cpuid = i->intercept_type == HV_INTERCEPT_TYPE_X64_CPUID;
		uint32_t key = cpuid ? i->intercept_parameter.cpuid_index
				     : i->intercept_parameter.msr_index;
		uint32_t *list = cpuid ? pt->intercept_cpuid : pt->intercept_msr;
		size_t *n = cpuid ? &pt->nintercept_cpuid : &pt->nintercept_msr;
		size_t k;
		for (k = 0; k < *n && list[k] != key; k++)
			;
		if (k == *n) {
			if (*n == EMU_MAX_INTERCEPTS) {
				st = HV_STATUS_INSUFFICIENT_BUFFERS;
				break;
			}
			list[(*n)++] = key;
		}
		/* a later install replaces the access mask */
		if (!cpuid)
			pt->intercept_msr_access[k] = i->access_type;
		break;
	}
	case HV_INTERCEPT_TYPE_X64_MSR:
		pt->intercept_msr_all = i->access_type;
		break;
	case HV_INTERCEPT_TYPE_EXCEPTION:
		if (i->intercept_parameter.exception_vector >= 32) {
			st = HV_STATUS_INVALID_PARAMETER;
			break;
		}
		pt->intercept_exception |= 1u << i->intercept_parameter.exception_vector;
		break;
	default:
		/* APIC and hypercall intercepts (and the rest) have nothing
		 * behind them yet: refused, not ignored. */
		st = i->intercept_type < HV_INTERCEPT_TYPE_MAX ? HV_STATUS_OPERATION_DENIED
							       : HV_STATUS_INVALID_PARAMETER;
		break;
	}
	pthread_mutex_unlock(&pt->lock);
	engine_release(pt);
	return st;
}

static uint16_t register_intercept_result(struct emu_partition *pt, const void *in)
{
	const struct hv_input_register_intercept_result *i = in;
	const struct hv_register_x64_cpuid_result_parameters *c = &i->parameters.cpuid;
	uint16_t st = HV_STATUS_SUCCESS;

	if (i->intercept_type != HV_INTERCEPT_TYPE_X64_CPUID)
		return HV_STATUS_INVALID_PARAMETER;
	struct emu_vp *vp = vp_acquire(pt, i->vp_index);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	struct emu_cpuid_override o = {
		.leaf = c->input.eax, .subleaf = c->input.ecx,
		.subleaf_specific = c->input.subleaf_specific,
		.always_override = c->input.always_override,
		.val = { c->result.eax, c->result.ebx, c->result.ecx, c->result.edx },
		.mask = { c->result.eax_mask, c->result.ebx_mask, c->result.ecx_mask,
			  c->result.edx_mask },
	};
	size_t k;
	for (k = 0; k < vp->ncpuid; k++)
		if (vp->cpuid[k].leaf == o.leaf && vp->cpuid[k].subleaf_specific == o.subleaf_specific &&
		    (!o.subleaf_specific || vp->cpuid[k].subleaf == o.subleaf))
			break;
	if (k == vp->ncpuid) {
		if (vp->ncpuid == vp->capcpuid) {
			size_t cap = vp->capcpuid ? vp->capcpuid * 2 : 32;
			struct emu_cpuid_override *n = cap <= EMU_MAX_CPUID_RESULTS ? realloc(vp->cpuid, cap * sizeof *n) : NULL;
			if (!n) {
				st = HV_STATUS_INSUFFICIENT_MEMORY;
				goto out;
			}
			vp->cpuid = n;
			vp->capcpuid = cap;
		}
		vp->ncpuid++;
	}
	vp->cpuid[k] = o;
out:
	engine_release(pt);
	return st;
}

static uint16_t get_vp_cpuid_values(struct emu_partition *pt, uint16_t *reps,
				    const void *in, void *out, size_t out_sz)
{
	const struct hv_input_get_vp_cpuid_values *i = in;
	union hv_output_get_vp_cpuid_values *o = out;
	uint16_t n = *reps;

	*reps = 0;
	if (n == 0 || 24u + 24u * n > EMU_HVCALL_PAGE || 16u * n > out_sz)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (i->flags.as_uint32 & ~3u)
		return HV_STATUS_INVALID_PARAMETER;
	struct emu_vp *vp = vp_acquire(pt, i->vp_index);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	for (uint16_t k = 0; k < n; k++)
		cpuid_compute(vp, i->cpuid_leaf_info[k].eax, i->cpuid_leaf_info[k].ecx,
			      i->flags.apply_registered_values, o[k].as_uint32);
	engine_release(pt);
	*reps = n;
	return HV_STATUS_SUCCESS;
}

static uint16_t assert_virtual_interrupt(struct emu_partition *pt, const void *in)
{
	const struct hv_input_assert_virtual_interrupt *i = in;
	union hv_interrupt_control c = i->control;

	/* Without a LAPIC there is nothing to deliver to. */
	if (!emu_pt_has_lapic(pt))
		return HV_STATUS_INVALID_PARAMETER;
	if (i->target_vtl || i->rsvd_z0 || i->rsvd_z1 || c.rsvd || c.rsvd1)
		return HV_STATUS_INVALID_PARAMETER;
	if (c.interrupt_type >= HV_X64_INTERRUPT_TYPE_MAXIMUM || i->vector > 255 ||
	    i->dest_addr > 0xffffffffull)
		return HV_STATUS_INVALID_PARAMETER;
	struct emu_irq irq = {
		.dest = (uint32_t)i->dest_addr,
		.vector = (uint8_t)i->vector,
		.type = (uint8_t)c.interrupt_type,
		.level = c.level_triggered,
		.logical = c.logical_dest_mode,
	};
	return lapic_deliver(pt, &irq) ? HV_STATUS_INVALID_PARAMETER : HV_STATUS_SUCCESS;
}

/* One state byte per page of the output page (docs/abi-hv.md). */
static uint16_t gpa_access_states(struct emu_partition *pt, uint16_t *reps, const void *in,
				  void *out, size_t out_sz)
{
	const struct hv_input_get_gpa_pages_access_state *i = in;
	uint16_t n = *reps;
	uint32_t done;

	*reps = 0;
	if (n == 0 || n > out_sz)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	uint16_t st = dirty_get_states(pt, i->hv_gpa_page_number, n, i->flags.as_uint64, out, &done);
	*reps = (uint16_t)done;
	return st;
}

static bool is_rep(uint16_t code)
{
	return code == HVCALL_GET_VP_REGISTERS || code == HVCALL_SET_VP_REGISTERS ||
	       code == HVCALL_GET_VP_CPUID_VALUES || code == HVCALL_GET_GPA_PAGES_ACCESS_STATES;
}

uint16_t emu_hvcall(struct emu_partition *pt, uint16_t code, uint16_t *reps,
		    const void *in, size_t in_sz, void *out, size_t out_sz)
{
	(void)in_sz;
	if (!is_rep(code) && *reps) {
		*reps = 0;	/* no rep completed */
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (!pt) {
		switch (code) {
		case HVCALL_GET_PARTITION_PROPERTY:
			return out_sz < 8 ? HV_STATUS_INSUFFICIENT_BUFFERS : hv_get_property(NULL, in, out);
		case HVCALL_GET_PARTITION_PROPERTY_EX:
			return hv_get_property_ex(NULL, in, out, out_sz);
		default:
			return HV_STATUS_INVALID_HYPERCALL_CODE;
		}
	}
	switch (code) {
	case HVCALL_GET_PARTITION_PROPERTY:
		return out_sz < 8 ? HV_STATUS_INSUFFICIENT_BUFFERS : hv_get_property(pt, in, out);
	case HVCALL_SET_PARTITION_PROPERTY:
		return hv_set_property(pt, in);
	case HVCALL_GET_PARTITION_PROPERTY_EX:
		return hv_get_property_ex(pt, in, out, out_sz);
	case HVCALL_GET_VP_REGISTERS:
		return get_vp_registers(pt, reps, in, out, out_sz);
	case HVCALL_SET_VP_REGISTERS:
		return set_vp_registers(pt, reps, in);
	case HVCALL_TRANSLATE_VIRTUAL_ADDRESS:
		return out_sz < 16 ? HV_STATUS_INSUFFICIENT_BUFFERS : translate_va(pt, in, out);
	case HVCALL_READ_GPA:
		return out_sz < 24 ? HV_STATUS_INSUFFICIENT_BUFFERS : access_gpa(pt, false, in, out);
	case HVCALL_WRITE_GPA:
		return out_sz < 8 ? HV_STATUS_INSUFFICIENT_BUFFERS : access_gpa(pt, true, in, out);
	case HVCALL_INSTALL_INTERCEPT:
		return install_intercept(pt, in);
	case HVCALL_REGISTER_INTERCEPT_RESULT:
		return register_intercept_result(pt, in);
	case HVCALL_GET_VP_CPUID_VALUES:
		return get_vp_cpuid_values(pt, reps, in, out, out_sz);
	case HVCALL_ASSERT_VIRTUAL_INTERRUPT:
		return assert_virtual_interrupt(pt, in);
	case HVCALL_CLEAR_VIRTUAL_INTERRUPT:
		/* Drops ExtINT interrupts not yet taken (the PIC line went
		 * down: the kernel's resampler issues this for ExtINT routes). */
		if (!emu_pt_has_lapic(pt))
			return HV_STATUS_INVALID_PARAMETER;
		lapic_clear_extint(pt);
		return HV_STATUS_SUCCESS;
	case HVCALL_SIGNAL_EVENT_DIRECT:
		return synic_signal_direct(pt, in, out, out_sz);
	case HVCALL_POST_MESSAGE_DIRECT:
		return synic_post_direct(pt, in);
	case HVCALL_GET_GPA_PAGES_ACCESS_STATES:
		return gpa_access_states(pt, reps, in, out, out_sz);
	default:
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
}
