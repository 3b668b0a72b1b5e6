/* SPDX-License-Identifier: MIT */
/*
 * VPs: CREATE_VP validation, reset state, register round trips for every
 * register group (docs/abi-hv.md §6, §7), rep counts, error statuses.
 */
#include "vmm.h"

#include <sys/ioctl.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int create_vp(struct vm *vm, uint32_t index)
{
	struct mshv_create_vp a = { .vp_index = index };

	return ioctl(vm->pt_fd, MSHV_CREATE_VP, &a);
}

TEST(create_vp_limits)
{
	struct vm *vm = vm_create_default(0);
	int fd;

	TEST_ASSERT_ERRNO(create_vp(vm, 256), EINVAL);
	TEST_ASSERT_ERRNO(create_vp(vm, 0x10000), EINVAL);
	TEST_ASSERT_ERRNO(create_vp(vm, ~0u), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_VP, (void *)8), EFAULT);
	fd = create_vp(vm, 255);
	TEST_ASSERT_OK(fd);
	close(fd);
	vm_destroy(vm);
}

TEST(create_vp_duplicate)
{
	struct vm *vm = vm_create_default(0);
	int fd = create_vp(vm, 0);

	TEST_ASSERT_OK(fd);
	TEST_ASSERT_ERRNO(create_vp(vm, 0), EEXIST);
	close(fd);
	/* the VP lives on with the partition */
	TEST_ASSERT_ERRNO(create_vp(vm, 0), EEXIST);
	/* and is still reachable through the partition fd */
	uint32_t name = HV_X64_REGISTER_RIP;
	union hv_register_value v;
	uint16_t st = 0xffff;

	TEST_ASSERT_OK(vp_get_registers(vm->pt_fd, 0, &name, &v, 1, &st, NULL));
	TEST_ASSERT_EQ(st, 0);
	fd = create_vp(vm, 1);
	TEST_ASSERT_OK(fd);
	close(fd);
	vm_destroy(vm);
}

TEST(max_vps)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	static int fds[256];

	for (unsigned i = 0; i < 256; i++) {
		fds[i] = create_vp(vm, 255 - i);
		TEST_ASSERT(fds[i] >= 0, "VP %u: %s", 255 - i, strerror(errno));
	}
	TEST_ASSERT_ERRNO(create_vp(vm, 256), EINVAL);
	TEST_ASSERT_ERRNO(create_vp(vm, 17), EEXIST);
	/* each VP is addressable */
	for (unsigned i = 0; i < 256; i += 51) {
		uint32_t name = HV_X64_REGISTER_RBX;
		union hv_register_value v;

		memset(&v, 0, sizeof(v));
		v.reg64 = 0x1000 + i;
		TEST_ASSERT_OK(vp_set_registers(fds[i], 255 - i, &name, &v, 1, NULL, NULL));
	}
	for (unsigned i = 0; i < 256; i += 51) {
		uint32_t name = HV_X64_REGISTER_RBX;
		union hv_register_value v;

		TEST_ASSERT_OK(vp_get_registers(vm->pt_fd, 255 - i, &name, &v, 1, NULL, NULL));
		TEST_ASSERT_EQ(v.reg64, 0x1000 + i);
	}
	for (unsigned i = 0; i < 256; i++)
		close(fds[i]);
	vm_destroy(vm);
}

TEST(reset_state)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(1ull << MSHV_PT_BIT_LAPIC, &vcpu);
	struct hv_x64_segment_register cs, ds;

	vcpu_get_segment(vcpu, HV_X64_REGISTER_CS, &cs);
	TEST_ASSERT_EQ(cs.selector, 0xf000);
	TEST_ASSERT_EQ(cs.base, 0xffff0000);
	TEST_ASSERT_EQ(cs.limit, 0xffff);
	TEST_ASSERT_EQ(cs.present, 1);
	TEST_ASSERT_EQ(cs.non_system_segment, 1);
	vcpu_get_segment(vcpu, HV_X64_REGISTER_DS, &ds);
	TEST_ASSERT_EQ(ds.selector, 0);
	TEST_ASSERT_EQ(ds.base, 0);
	TEST_ASSERT_EQ(ds.limit, 0xffff);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), 0xfff0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RFLAGS), 0x2);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR0), 0x60000010);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR3), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR4), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_EFER) &
		       (X86_EFER_LME | X86_EFER_LMA), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RSP), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_DR7), 0x400);
	/* EDX holds a processor signature at reset; just non-zero */
	TEST_ASSERT(vcpu_get_reg(vcpu, HV_X64_REGISTER_RDX) != 0, "EDX is 0 at reset");
	vm_destroy(vm);
}

/* Set n 64-bit registers, read them back in one call, compare. */
static void roundtrip64(struct vcpu *vcpu, const uint32_t *names,
			const uint64_t *values, unsigned n)
{
	union hv_register_value in[64], out[64];

	TEST_ASSERT(n <= 64, "n");
	memset(in, 0, sizeof(in));
	memset(out, 0xa5, sizeof(out));
	for (unsigned i = 0; i < n; i++)
		in[i].reg64 = values[i];
	vcpu_set_regs(vcpu, names, in, n);
	vcpu_get_regs(vcpu, names, out, n);
	for (unsigned i = 0; i < n; i++)
		TEST_ASSERT(out[i].reg64 == values[i],
			    "register %#x: wrote %#llx read %#llx", names[i],
			    (unsigned long long)values[i],
			    (unsigned long long)out[i].reg64);
	/* and one at a time */
	for (unsigned i = 0; i < n; i++)
		TEST_ASSERT(vcpu_get_reg(vcpu, names[i]) == values[i],
			    "register %#x (single read)", names[i]);
}

static void roundtrip128(struct vcpu *vcpu, const uint32_t *names,
			 const union hv_register_value *in, unsigned n)
{
	union hv_register_value out[32];

	TEST_ASSERT(n <= 32, "n");
	memset(out, 0xa5, sizeof(out));
	vcpu_set_regs(vcpu, names, in, n);
	vcpu_get_regs(vcpu, names, out, n);
	for (unsigned i = 0; i < n; i++)
		TEST_ASSERT(!memcmp(&in[i], &out[i], 16),
			    "register %#x: wrote %#llx:%#llx read %#llx:%#llx",
			    names[i],
			    (unsigned long long)in[i].reg128.high_part,
			    (unsigned long long)in[i].reg128.low_part,
			    (unsigned long long)out[i].reg128.high_part,
			    (unsigned long long)out[i].reg128.low_part);
}

static struct vm *g_vm;

static struct vcpu *fresh_vcpu(void)
{
	g_vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	return vcpu_create(g_vm, 0);
}

TEST(gprs)
{
	struct vcpu *vcpu = fresh_vcpu();
	uint32_t names[18];
	uint64_t vals[18];

	for (unsigned i = 0; i < 16; i++) {
		names[i] = HV_X64_REGISTER_RAX + i;
		vals[i] = 0x0101010101010101ull * (i + 1) ^ (0xf00dull << i);
	}
	names[16] = HV_X64_REGISTER_RIP;
	vals[16] = 0xffffffff81000123ull;
	names[17] = HV_X64_REGISTER_RFLAGS;
	vals[17] = 0x246;
	roundtrip64(vcpu, names, vals, 18);
	/* RFLAGS with IF and some arithmetic flags */
	names[0] = HV_X64_REGISTER_RFLAGS;
	vals[0] = 0x2c3;
	roundtrip64(vcpu, names, vals, 1);
	vm_destroy(g_vm);
}

TEST(segments)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[8] = {
		HV_X64_REGISTER_ES, HV_X64_REGISTER_CS, HV_X64_REGISTER_SS,
		HV_X64_REGISTER_DS, HV_X64_REGISTER_FS, HV_X64_REGISTER_GS,
		HV_X64_REGISTER_LDTR, HV_X64_REGISTER_TR,
	};
	const uint16_t attrs[8] = {
		0xc093, 0xa09b, 0xc093, 0x0093, 0x8093, 0xc0f3, 0x0082, 0x008b,
	};
	union hv_register_value in[8];

	memset(in, 0, sizeof(in));
	for (unsigned i = 0; i < 8; i++) {
		in[i].segment.base = 0x12340000ull + 0x1000 * i +
				     (i == 4 || i == 5 ? 0x7fff00000000ull : 0);
		in[i].segment.limit = i == 6 || i == 7 ? 0x67 + i : 0xfffff - i;
		in[i].segment.selector = (uint16_t)(0x08 * (i + 1) | (i == 5 ? 3 : 0));
		in[i].segment.attributes = attrs[i];
	}
	/* G=1 segments: limits as seen by the CPU have the low 12 bits set */
	in[0].segment.limit = 0xffffffff;
	in[1].segment.limit = 0xffffffff;
	in[2].segment.limit = 0xffffffff;
	in[4].segment.limit = 0xffffffff;
	in[5].segment.limit = 0xffffffff;
	roundtrip128(vcpu, names, in, 8);

	/* a fresh 16-bit real-mode style value */
	vcpu_set_segment(vcpu, HV_X64_REGISTER_CS, 0x1234, 0x12340, 0xffff, 0x9b);
	struct hv_x64_segment_register cs;

	vcpu_get_segment(vcpu, HV_X64_REGISTER_CS, &cs);
	TEST_ASSERT_EQ(cs.selector, 0x1234);
	TEST_ASSERT_EQ(cs.base, 0x12340);
	TEST_ASSERT_EQ(cs.limit, 0xffff);
	TEST_ASSERT_EQ(cs.attributes, 0x9b);
	vm_destroy(g_vm);
}

TEST(tables)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[2] = { HV_X64_REGISTER_GDTR, HV_X64_REGISTER_IDTR };
	union hv_register_value in[2];

	memset(in, 0, sizeof(in));
	in[0].table.base = 0xffffffff82001000ull;
	in[0].table.limit = 0x7f;
	in[1].table.base = 0xfffffe0000000000ull;
	in[1].table.limit = 0xfff;
	roundtrip128(vcpu, names, in, 2);
	vm_destroy(g_vm);
}

TEST(control_registers)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[5] = {
		HV_X64_REGISTER_CR0, HV_X64_REGISTER_CR2, HV_X64_REGISTER_CR3,
		HV_X64_REGISTER_CR4, HV_X64_REGISTER_CR8,
	};
	const uint64_t vals[5] = {
		X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP,
		0xdeadbeef000ull, 0x5000, X86_CR4_PAE | X86_CR4_OSFXSR, 5,
	};

	roundtrip64(vcpu, names, vals, 5);

	/* INTERMEDIATE_CRx alias CRx (rust-vmm uses them) */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_INTERMEDIATE_CR0,
		     X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR0),
		       X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_CR0, X86_CR0_PE | X86_CR0_ET);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_INTERMEDIATE_CR0),
		       X86_CR0_PE | X86_CR0_ET);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_INTERMEDIATE_CR3, 0x7000);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR3), 0x7000);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_CR3, 0x9000);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_INTERMEDIATE_CR3), 0x9000);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_INTERMEDIATE_CR4, X86_CR4_PAE);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR4), X86_CR4_PAE);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_CR4, X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_INTERMEDIATE_CR4),
		       X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	vm_destroy(g_vm);
}

TEST(xfem_efer)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[2] = { HV_X64_REGISTER_XFEM, HV_X64_REGISTER_EFER };
	const uint64_t vals[2] = { 0x3, X86_EFER_SCE | X86_EFER_NXE };

	vcpu_set_reg(vcpu, HV_X64_REGISTER_CR4,
		     X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | (1ull << 18));
	roundtrip64(vcpu, names, vals, 2);
	vm_destroy(g_vm);
}

TEST(msr_registers)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[] = {
		HV_X64_REGISTER_PAT,
		HV_X64_REGISTER_SYSENTER_CS, HV_X64_REGISTER_SYSENTER_EIP,
		HV_X64_REGISTER_SYSENTER_ESP,
		HV_X64_REGISTER_STAR, HV_X64_REGISTER_LSTAR,
		HV_X64_REGISTER_CSTAR, HV_X64_REGISTER_SFMASK,
		HV_X64_REGISTER_KERNEL_GS_BASE, HV_X64_REGISTER_TSC_AUX,
		HV_X64_REGISTER_MSR_MTRR_DEF_TYPE,
		HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0,
		HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0,
		HV_X64_REGISTER_MSR_MTRR_PHYS_BASE1,
		HV_X64_REGISTER_MSR_MTRR_PHYS_MASK1,
		HV_X64_REGISTER_MSR_MTRR_FIX64K00000,
		HV_X64_REGISTER_MSR_MTRR_FIX16K80000,
		HV_X64_REGISTER_MSR_MTRR_FIX16KA0000,
		HV_X64_REGISTER_MSR_MTRR_FIX4KC0000,
		HV_X64_REGISTER_MSR_MTRR_FIX4KF8000,
	};
	const uint64_t vals[] = {
		0x0007010600070106ull,
		0x10, 0xffffffff81a00000ull, 0xfffffe0000003000ull,
		0x0023001000000000ull, 0xffffffff81800000ull,
		0xffffffff81800100ull, 0x47700,
		0xffff888012345000ull, 3,
		0xc06,
		0x80000006, 0xff80000800ull,
		0xc0000000, 0xffc0000800ull,
		0x0606060606060606ull,
		0x0606060606060606ull,
		0x0000000000000000ull,
		0x0505050505050505ull,
		0x0606060606060606ull,
	};

	_Static_assert(ARRAY_SIZE(names) == ARRAY_SIZE(vals), "tables");
	roundtrip64(vcpu, names, vals, ARRAY_SIZE(names));
	/* TSC is writable and keeps counting from the written value */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_TSC, 1ull << 40);
	TEST_ASSERT(vcpu_get_reg(vcpu, HV_X64_REGISTER_TSC) >= 1ull << 40, "TSC went backwards");
	vm_destroy(g_vm);
}

TEST(debug_registers)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[6] = {
		HV_X64_REGISTER_DR0, HV_X64_REGISTER_DR1, HV_X64_REGISTER_DR2,
		HV_X64_REGISTER_DR3, HV_X64_REGISTER_DR6, HV_X64_REGISTER_DR7,
	};
	const uint64_t vals[6] = {
		0x1000, 0xffffffff81000000ull, 0x7fff00001234ull, 0x4000,
		0xffff0ff1, 0x403,
	};

	roundtrip64(vcpu, names, vals, 6);
	vm_destroy(g_vm);
}

TEST(xmm_registers)
{
	struct vcpu *vcpu = fresh_vcpu();
	uint32_t names[16];
	union hv_register_value in[16];

	memset(in, 0, sizeof(in));
	for (unsigned i = 0; i < 16; i++) {
		names[i] = HV_X64_REGISTER_XMM0 + i;
		in[i].reg128.low_part = 0x0123456789abcdefull + i;
		in[i].reg128.high_part = 0xfedcba9876543210ull - ((uint64_t)i << 32);
	}
	roundtrip128(vcpu, names, in, 16);
	vm_destroy(g_vm);
}

TEST(fp_registers)
{
	struct vcpu *vcpu = fresh_vcpu();
	uint32_t names[8];
	union hv_register_value in[8], out;

	memset(in, 0, sizeof(in));
	for (unsigned i = 0; i < 8; i++) {
		names[i] = HV_X64_REGISTER_FP_MMX0 + i;
		in[i].fp.mantissa = 0x8000000000000000ull | (0x1111ull * (i + 1));
		in[i].fp.biased_exponent = 0x3fff + i;
		in[i].fp.sign = i & 1;
	}
	roundtrip128(vcpu, names, in, 8);

	/* FCW/FSW/abridged tag */
	union hv_register_value fcs;

	memset(&fcs, 0, sizeof(fcs));
	fcs.fp_control_status.fp_control = 0x027f;
	fcs.fp_control_status.fp_status = 0x0000;
	fcs.fp_control_status.fp_tag = 0xff;
	fcs.fp_control_status.last_fp_op = 0x0123;
	fcs.fp_control_status.last_fp_rip = 0x401000;
	vcpu_set_reg128(vcpu, HV_X64_REGISTER_FP_CONTROL_STATUS, &fcs);
	vcpu_get_reg128(vcpu, HV_X64_REGISTER_FP_CONTROL_STATUS, &out);
	TEST_ASSERT_EQ(out.fp_control_status.fp_control, 0x027f);
	TEST_ASSERT_EQ(out.fp_control_status.fp_status, 0);
	TEST_ASSERT_EQ(out.fp_control_status.fp_tag, 0xff);

	/* MXCSR */
	union hv_register_value xcs;

	memset(&xcs, 0, sizeof(xcs));
	xcs.xmm_control_status.xmm_status_control = 0x1fa0;
	vcpu_set_reg128(vcpu, HV_X64_REGISTER_XMM_CONTROL_STATUS, &xcs);
	vcpu_get_reg128(vcpu, HV_X64_REGISTER_XMM_CONTROL_STATUS, &out);
	TEST_ASSERT_EQ(out.xmm_control_status.xmm_status_control, 0x1fa0);
	vm_destroy(g_vm);
}

TEST(event_registers)
{
	struct vcpu *vcpu = fresh_vcpu();
	union hv_register_value v, out;

	/* PENDING_INTERRUPTION: an exception (#UD) waiting for delivery */
	memset(&v, 0, sizeof(v));
	v.pending_interruption.interruption_pending = 1;
	v.pending_interruption.interruption_type = HV_X64_PENDING_EXCEPTION;
	v.pending_interruption.interruption_vector = 6;
	vcpu_set_reg128(vcpu, HV_REGISTER_PENDING_INTERRUPTION, &v);
	vcpu_get_reg128(vcpu, HV_REGISTER_PENDING_INTERRUPTION, &out);
	TEST_ASSERT_EQ(out.reg64, v.reg64);
	memset(&v, 0, sizeof(v));
	vcpu_set_reg128(vcpu, HV_REGISTER_PENDING_INTERRUPTION, &v);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_PENDING_INTERRUPTION), 0);

	/* INTERRUPT_STATE */
	memset(&v, 0, sizeof(v));
	v.interrupt_state.interrupt_shadow = 1;
	vcpu_set_reg128(vcpu, HV_REGISTER_INTERRUPT_STATE, &v);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERRUPT_STATE) & 1, 1);
	vcpu_set_reg(vcpu, HV_REGISTER_INTERRUPT_STATE, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERRUPT_STATE), 0);

	/* EXPLICIT_SUSPEND: a new VP may be suspended; setting 1 sticks */
	uint64_t s = vcpu_get_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND);

	TEST_ASSERT(s <= 1, "EXPLICIT_SUSPEND %#llx", (unsigned long long)s);
	vcpu_set_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND, 1);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND), 1);
	/* INTERCEPT_SUSPEND / INTERNAL_ACTIVITY_STATE are readable */
	(void)vcpu_get_reg(vcpu, HV_REGISTER_INTERCEPT_SUSPEND);
	(void)vcpu_get_reg(vcpu, HV_REGISTER_INTERNAL_ACTIVITY_STATE);
	/* PENDING_EVENT0 round trip (cleared) */
	memset(&v, 0, sizeof(v));
	vcpu_set_reg128(vcpu, HV_REGISTER_PENDING_EVENT0, &v);
	vcpu_get_reg128(vcpu, HV_REGISTER_PENDING_EVENT0, &out);
	TEST_ASSERT_EQ(out.reg128.low_part & 1, 0);
	vm_destroy(g_vm);
}

TEST(mixed_reps)
{
	struct vcpu *vcpu = fresh_vcpu();
	const uint32_t names[] = {
		HV_X64_REGISTER_RAX, HV_X64_REGISTER_CS, HV_X64_REGISTER_CR0,
		HV_X64_REGISTER_XMM3, HV_X64_REGISTER_EFER, HV_X64_REGISTER_GDTR,
		HV_X64_REGISTER_DR7, HV_X64_REGISTER_RIP, HV_X64_REGISTER_LSTAR,
		HV_X64_REGISTER_APIC_BASE, HV_X64_REGISTER_TSC,
		HV_X64_REGISTER_FP_CONTROL_STATUS, HV_X64_REGISTER_XFEM,
		HV_X64_REGISTER_TR, HV_X64_REGISTER_PAT, HV_X64_REGISTER_RFLAGS,
		HV_REGISTER_INTERRUPT_STATE, HV_X64_REGISTER_CR8,
		HV_X64_REGISTER_R15, HV_X64_REGISTER_SS,
	};
	union hv_register_value vals[ARRAY_SIZE(names)];
	uint16_t st = 0xffff, done = 0;

	TEST_ASSERT_OK(vp_get_registers(vcpu->fd, 0, names, vals, ARRAY_SIZE(names), &st, &done));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(done, ARRAY_SIZE(names));
	/* writing back what was read is accepted */
	done = 0;
	TEST_ASSERT_OK(vp_set_registers(vcpu->fd, 0, names, vals, ARRAY_SIZE(names), &st, &done));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(done, ARRAY_SIZE(names));
	/* APIC base of a LAPIC partition: enabled, BSP, default address */
	TEST_ASSERT_EQ(vals[9].reg64 & 0xfffff900ull, 0xfee00900ull);
	vm_destroy(g_vm);
}

TEST(unknown_register)
{
	struct vcpu *vcpu = fresh_vcpu();
	uint32_t names[3] = { HV_X64_REGISTER_RAX, 0x12345678, HV_X64_REGISTER_RBX };
	union hv_register_value vals[3];
	uint16_t st = 0, done = 0xffff;

	memset(vals, 0, sizeof(vals));
	TEST_ASSERT_HV_FAIL(vp_get_registers(vcpu->fd, 0, names + 1, vals, 1, &st, &done), st);
	st = 0;
	TEST_ASSERT_HV_FAIL(vp_set_registers(vcpu->fd, 0, names + 1, vals, 1, &st, &done), st);
	/* in the middle of a batch: fails, the first one completed at most */
	st = 0;
	TEST_ASSERT_HV_FAIL(vp_get_registers(vcpu->fd, 0, names, vals, 3, &st, &done), st);
	TEST_ASSERT(done < 3, "reps completed %u for a failing batch", done);
	vm_destroy(g_vm);
}

TEST(partition_fd_vp_index)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	struct vcpu *v0 = vcpu_create(vm, 0), *v1 = vcpu_create(vm, 1);
	uint32_t name = HV_X64_REGISTER_RAX;
	union hv_register_value val;
	uint16_t st = 0xffff;

	vcpu_set_reg(v0, HV_X64_REGISTER_RAX, 0x1111);
	memset(&val, 0, sizeof(val));
	val.reg64 = 0x2222;
	TEST_ASSERT_OK(vp_set_registers(vm->pt_fd, 1, &name, &val, 1, &st, NULL));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(v1, HV_X64_REGISTER_RAX), 0x2222);
	TEST_ASSERT_EQ(vcpu_get_reg(v0, HV_X64_REGISTER_RAX), 0x1111);
	TEST_ASSERT_OK(vp_get_registers(vm->pt_fd, 0, &name, &val, 1, &st, NULL));
	TEST_ASSERT_EQ(val.reg64, 0x1111);
	/* the VP fd does not fill in vp_index: VP 1's fd can address VP 0 */
	TEST_ASSERT_OK(vp_get_registers(v1->fd, 0, &name, &val, 1, &st, NULL));
	TEST_ASSERT_EQ(val.reg64, 0x1111);
	vm_destroy(vm);
}

TEST(bad_vp_index)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint32_t name = HV_X64_REGISTER_RAX;
	union hv_register_value val;
	uint16_t st = 0;

	memset(&val, 0, sizeof(val));
	TEST_ASSERT_ERRNO(vp_get_registers(vm->pt_fd, 7, &name, &val, 1, &st, NULL), EINVAL);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_INDEX);
	st = 0;
	TEST_ASSERT_ERRNO(vp_set_registers(vm->pt_fd, 7, &name, &val, 1, &st, NULL), EINVAL);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_INDEX);
	st = 0;
	TEST_ASSERT_ERRNO(vp_get_registers(vcpu->fd, 300, &name, &val, 1, &st, NULL), EINVAL);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_INDEX);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(create_vp_limits),
	TEST_ENTRY(create_vp_duplicate),
	TEST_ENTRY(max_vps),
	TEST_ENTRY(reset_state),
	TEST_ENTRY(gprs),
	TEST_ENTRY(segments),
	TEST_ENTRY(tables),
	TEST_ENTRY(control_registers),
	TEST_ENTRY(xfem_efer),
	TEST_ENTRY(msr_registers),
	TEST_ENTRY(debug_registers),
	TEST_ENTRY(xmm_registers),
	TEST_ENTRY(fp_registers),
	TEST_ENTRY(event_registers),
	TEST_ENTRY(mixed_reps),
	TEST_ENTRY(unknown_register),
	TEST_ENTRY(partition_fd_vp_index),
	TEST_ENTRY(bad_vp_index),
)
