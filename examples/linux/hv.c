/* SPDX-License-Identifier: MIT */
/* Thin wrappers over MSHV_ROOT_HVCALL: registers, interrupts, properties. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

int hv_call(int fd, uint16_t code, uint16_t reps, const void *in, size_t in_sz,
	    void *out, size_t out_sz)
{
	struct mshv_root_hvcall a;

	memset(&a, 0, sizeof(a));
	a.code = code;
	a.reps = reps;
	a.in_sz = (uint16_t)in_sz;
	a.out_sz = (uint16_t)out_sz;
	a.in_ptr = (uintptr_t)in;
	a.out_ptr = (uintptr_t)out;
	if (ioctl(fd, MSHV_ROOT_HVCALL, &a) < 0) {
		fprintf(stderr, "mshv-linux: hypercall %#x: %s (status %#x)\n", code,
			strerror(errno), a.status);
		return -1;
	}
	if (reps && a.reps != reps) {
		fprintf(stderr, "mshv-linux: hypercall %#x: %u of %u reps\n", code,
			a.reps, reps);
		return -1;
	}
	return 0;
}

#define MAX_BATCH 32

int vp_set_regs(struct vm *vm, unsigned vp, const struct hv_register_assoc *regs,
		unsigned n)
{
	struct {
		struct hv_input_set_vp_registers hdr;
		struct hv_register_assoc r[MAX_BATCH];
	} in;

	if (n > MAX_BATCH)
		return -1;
	memset(&in.hdr, 0, sizeof(in.hdr));
	in.hdr.vp_index = vp;
	memcpy(in.r, regs, n * sizeof(regs[0]));
	return hv_call(vm->vp_fd[vp], HVCALL_SET_VP_REGISTERS, (uint16_t)n, &in,
		       sizeof(in.hdr) + n * sizeof(regs[0]), NULL, 0);
}

int vp_get_regs(struct vm *vm, unsigned vp, const uint32_t *names,
		union hv_register_value *vals, unsigned n)
{
	struct {
		struct hv_input_get_vp_registers hdr;
		uint32_t names[MAX_BATCH];
	} in;

	if (n > MAX_BATCH)
		return -1;
	memset(&in.hdr, 0, sizeof(in.hdr));
	in.hdr.vp_index = vp;
	memcpy(in.names, names, n * sizeof(names[0]));
	return hv_call(vm->vp_fd[vp], HVCALL_GET_VP_REGISTERS, (uint16_t)n, &in,
		       sizeof(in.hdr) + n * sizeof(names[0]), vals, n * sizeof(vals[0]));
}

int vp_set_reg64(struct vm *vm, unsigned vp, uint32_t name, uint64_t val)
{
	struct hv_register_assoc r;

	memset(&r, 0, sizeof(r));
	r.name = name;
	r.value.reg64 = val;
	return vp_set_regs(vm, vp, &r, 1);
}

int vm_assert_irq(struct vm *vm, uint32_t vector, uint32_t dest, bool logical,
		  uint32_t type)
{
	struct hv_input_assert_virtual_interrupt in;

	memset(&in, 0, sizeof(in));
	in.control.interrupt_type = type;
	in.control.logical_dest_mode = logical;
	in.dest_addr = dest;
	in.vector = vector;
	return hv_call(vm->pt_fd, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0, &in, sizeof(in),
		       NULL, 0);
}

int vm_set_property(struct vm *vm, uint32_t code, uint64_t val)
{
	struct hv_input_set_partition_property in;

	memset(&in, 0, sizeof(in));
	in.property_code = code;
	in.property_value = val;
	return hv_call(vm->pt_fd, HVCALL_SET_PARTITION_PROPERTY, 0, &in, sizeof(in),
		       NULL, 0);
}

int vp_register_cpuid(struct vm *vm, unsigned vp, uint32_t leaf, const uint32_t val[4],
		      const uint32_t mask[4])
{
	struct hv_input_register_intercept_result in;
	struct hv_register_x64_cpuid_result_parameters *c = &in.parameters.cpuid;

	memset(&in, 0, sizeof(in));
	in.vp_index = vp;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_CPUID;
	c->input.eax = leaf;
	c->input.always_override = 1;
	c->result.eax = val[0], c->result.eax_mask = mask[0];
	c->result.ebx = val[1], c->result.ebx_mask = mask[1];
	c->result.ecx = val[2], c->result.ecx_mask = mask[2];
	c->result.edx = val[3], c->result.edx_mask = mask[3];
	return hv_call(vm->vp_fd[vp], HVCALL_REGISTER_INTERCEPT_RESULT, 0, &in,
		       sizeof(in), NULL, 0);
}
