/* SPDX-License-Identifier: MIT */
/* Helpers for the core unit tests; see core_helpers.h. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <hyperv/hv_all.h>
#include <linux/mshv.h>
#include <mshv-emu/emu.h>

#include "core_helpers.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

struct emu_partition *pt_new(uint64_t pt_flags)
{
	struct emu_partition_config cfg = { .pt_flags = pt_flags,
					     .isolation = MSHV_PT_ISOLATION_NONE };
	struct emu_partition *pt = NULL;

	ck_assert_int_eq(emu_partition_create(&cfg, &pt), 0);
	ck_assert_ptr_nonnull(pt);
	return pt;
}

/* Issues a hypercall the way MSHV_ROOT_HVCALL does. */
uint16_t hv(struct emu_partition *pt, uint16_t code, uint16_t *reps,
		   const void *in, size_t in_sz, void *out)
{
	uint8_t *page = calloc(1, EMU_HVCALL_PAGE);
	uint64_t id = pt ? emu_partition_id(pt) : HV_PARTITION_ID_SELF;
	uint16_t r = 0, st;

	ck_assert_ptr_nonnull(page);
	ck_assert_uint_le(in_sz, EMU_HVCALL_PAGE);
	memcpy(page, in, in_sz);
	memcpy(page, &id, sizeof id);
	memset(out, 0, EMU_HVCALL_PAGE);
	st = emu_hvcall(pt, code, reps ? reps : &r, page, in_sz, out,
			EMU_HVCALL_PAGE);
	free(page);
	return st;
}

uint16_t set_prop(struct emu_partition *pt, uint32_t code, uint64_t v)
{
	struct hv_input_set_partition_property in = { .property_code = code,
						       .property_value = v };
	uint8_t out[EMU_HVCALL_PAGE];

	return hv(pt, HVCALL_SET_PARTITION_PROPERTY, NULL, &in, sizeof in, out);
}

uint64_t get_prop(struct emu_partition *pt, uint32_t code)
{
	struct hv_input_get_partition_property in = { .property_code = code };
	uint8_t out[EMU_HVCALL_PAGE];
	uint64_t v;

	ck_assert_uint_eq(hv(pt, HVCALL_GET_PARTITION_PROPERTY, NULL, &in,
			     sizeof in, out), HV_STATUS_SUCCESS);
	memcpy(&v, out, sizeof v);
	return v;
}

/* GET_VP_REGISTERS for n names; returns the status, *done the reps. */
uint16_t get_regs(struct emu_partition *pt, uint32_t vp,
			 const uint32_t *names, unsigned n,
			 union hv_register_value *vals, uint16_t *done)
{
	size_t in_sz = sizeof(struct hv_input_get_vp_registers) + 4 * n;
	struct hv_input_get_vp_registers *in = calloc(1, in_sz);
	uint8_t *out = malloc(EMU_HVCALL_PAGE);
	uint16_t reps = (uint16_t)n, st;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	in->vp_index = vp;
	memcpy(in->names, names, 4 * n);
	st = hv(pt, HVCALL_GET_VP_REGISTERS, &reps, in, in_sz, out);
	memcpy(vals, out, sizeof(*vals) * n);
	if (done)
		*done = reps;
	free(in);
	free(out);
	return st;
}

uint16_t set_regs(struct emu_partition *pt, uint32_t vp,
			 const uint32_t *names,
			 const union hv_register_value *vals, unsigned n,
			 uint16_t *done)
{
	size_t in_sz = sizeof(struct hv_input_set_vp_registers) +
		       sizeof(struct hv_register_assoc) * n;
	struct hv_input_set_vp_registers *in = calloc(1, in_sz);
	uint8_t *out = malloc(EMU_HVCALL_PAGE);
	uint16_t reps = (uint16_t)n, st;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	in->vp_index = vp;
	for (unsigned i = 0; i < n; i++) {
		in->elements[i].name = names[i];
		in->elements[i].value = vals[i];
	}
	st = hv(pt, HVCALL_SET_VP_REGISTERS, &reps, in, in_sz, out);
	if (done)
		*done = reps;
	free(in);
	free(out);
	return st;
}

uint64_t get64(struct emu_partition *pt, uint32_t vp, uint32_t name)
{
	union hv_register_value v;
	uint16_t done = 0;

	ck_assert_uint_eq(get_regs(pt, vp, &name, 1, &v, &done), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(done, 1);
	return v.reg64;
}

uint16_t set1(struct emu_partition *pt, uint32_t vp, uint32_t name,
		     const union hv_register_value *v)
{
	return set_regs(pt, vp, &name, v, 1, NULL);
}

void set64(struct emu_partition *pt, uint32_t vp, uint32_t name,
		  uint64_t val)
{
	union hv_register_value v;

	memset(&v, 0, sizeof v);
	v.reg64 = val;
	ck_assert_uint_eq(set1(pt, vp, name, &v), HV_STATUS_SUCCESS);
}

union hv_register_value seg(uint16_t sel, uint64_t base, uint32_t limit,
				   uint16_t attr)
{
	union hv_register_value v;

	memset(&v, 0, sizeof v);
	v.segment.selector = sel;
	v.segment.base = base;
	v.segment.limit = limit;
	v.segment.attributes = attr;
	return v;
}

void assert_seg_eq(const struct hv_x64_segment_register *got,
			  const struct hv_x64_segment_register *want)
{
	ck_assert_uint_eq(got->selector, want->selector);
	ck_assert_uint_eq(got->base, want->base);
	ck_assert_uint_eq(got->limit, want->limit);
	ck_assert_uint_eq(got->attributes, want->attributes);
}

/* GET_VP_CPUID_VALUES for one leaf. */
void vp_cpuid(struct emu_partition *pt, uint32_t vp, uint32_t leaf,
		     uint32_t sub, bool apply, uint32_t r[4])
{
	struct {
		struct hv_input_get_vp_cpuid_values hdr;
		struct hv_cpuid_leaf_info leaf[1];
	} __attribute__((packed)) in;
	uint8_t out[EMU_HVCALL_PAGE];
	uint16_t reps = 1;

	memset(&in, 0, sizeof in);
	in.hdr.vp_index = vp;
	in.hdr.flags.apply_registered_values = apply;
	in.leaf[0].eax = leaf;
	in.leaf[0].ecx = sub;
	ck_assert_uint_eq(hv(pt, HVCALL_GET_VP_CPUID_VALUES, &reps, &in, sizeof in,
			     out), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(reps, 1);
	memcpy(r, out, 16);
}

uint16_t register_cpuid(struct emu_partition *pt, uint32_t vp,
			       uint32_t leaf, const uint32_t val[4],
			       const uint32_t mask[4])
{
	struct hv_input_register_intercept_result in;
	uint8_t out[EMU_HVCALL_PAGE];

	memset(&in, 0, sizeof in);
	in.vp_index = vp;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_CPUID;
	in.parameters.cpuid.input.eax = leaf;
	in.parameters.cpuid.input.always_override = 1;
	in.parameters.cpuid.result.eax = val[0];
	in.parameters.cpuid.result.eax_mask = mask[0];
	in.parameters.cpuid.result.ebx = val[1];
	in.parameters.cpuid.result.ebx_mask = mask[1];
	in.parameters.cpuid.result.ecx = val[2];
	in.parameters.cpuid.result.ecx_mask = mask[2];
	in.parameters.cpuid.result.edx = val[3];
	in.parameters.cpuid.result.edx_mask = mask[3];
	return hv(pt, HVCALL_REGISTER_INTERCEPT_RESULT, NULL, &in, sizeof in, out);
}

/* One page of guest memory at gpa, filled with code; real mode CS:IP. */
uint8_t *guest_page(struct emu_partition *pt, uint64_t gpa,
			   const uint8_t *code, size_t len)
{
	uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	memcpy(p, code, len);
	ck_assert_int_eq(emu_map_gpa(pt, gpa >> 12, 4096, p,
				     EMU_MEM_WRITABLE | EMU_MEM_EXECUTABLE), 0);
	return p;
}

void real_mode_at(struct emu_partition *pt, uint32_t vp, uint16_t cs,
			 uint16_t ip)
{
	uint32_t names[] = { HV_X64_REGISTER_CS, HV_X64_REGISTER_RIP,
			     HV_X64_REGISTER_RFLAGS };
	union hv_register_value v[3];

	v[0] = seg(cs, (uint64_t)cs << 4, 0xffff, 0x9b);
	memset(&v[1], 0, sizeof v[1]);
	v[1].reg64 = ip;
	memset(&v[2], 0, sizeof v[2]);
	v[2].reg64 = 0x2;
	ck_assert_uint_eq(set_regs(pt, vp, names, v, 3, NULL), HV_STATUS_SUCCESS);
}
