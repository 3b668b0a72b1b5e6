/* SPDX-License-Identifier: MIT */
/*
 * Guest RDMSR/WRMSR of MSRs the hypervisor implements itself (not the ones
 * a CPU executes natively), seen from inside the guest and through
 * GET/SET_VP_REGISTERS; the Hyper-V synthetic MSRs; the partition's
 * UNIMPLEMENTED_MSR_ACTION; and MSR intercepts.
 *
 * The guests run in long mode without an IDT (IDTR.limit = 0), so a #GP
 * cannot be delivered and escalates to a triple fault: on real hardware as
 * well, an unhandled MSR fault ends in HVMSG_UNRECOVERABLE_EXCEPTION.
 */
#include "vmm.h"

#include <unistd.h>

/*
 * Host-driven MSR access: the host loads RCX (and EDX:EAX) and points RIP at
 * msr_rd or msr_wr.  RDMSR reports EAX on port 0x10 and EDX on 0x11; WRMSR
 * reports completion on port 0x12.
 */
GUEST_CODE(msr_guest,
	".code64\n"
	GUEST_LABEL(msr_rd)
	"rdmsr\n"
	"outl %eax, $0x10\n"
	"movl %edx, %eax\n"
	"outl %eax, $0x11\n"
	"hlt\n"
	GUEST_LABEL(msr_wr)
	"wrmsr\n"
	"outl %eax, $0x12\n"
	"hlt\n");
GUEST_EXTERN(msr_rd);
GUEST_EXTERN(msr_wr);

#define RD_RIP (CODE_GPA + GUEST_OFF(msr_guest, msr_rd))
#define WR_RIP (CODE_GPA + GUEST_OFF(msr_guest, msr_wr))

/* Junk in RAX/RDX before an RDMSR, so that a result of 0 means something. */
#define JUNK_RAX 0x5a5a5a5a5a5a5a5aull
#define JUNK_RDX 0xa5a5a5a5a5a5a5a5ull

static void prepare(struct vcpu *vcpu, uint64_t rip, uint32_t msr,
		    uint64_t rax, uint64_t rdx)
{
	uint32_t names[4] = { HV_X64_REGISTER_RIP, HV_X64_REGISTER_RCX,
			      HV_X64_REGISTER_RAX, HV_X64_REGISTER_RDX };
	union hv_register_value v[4];

	memset(v, 0, sizeof(v));
	v[0].reg64 = rip;
	v[1].reg64 = msr;
	v[2].reg64 = rax;
	v[3].reg64 = rdx;
	vcpu_set_regs(vcpu, names, v, 4);
}

/* The guest executes RDMSR(msr); returns EDX:EAX as the guest saw it. */
static uint64_t guest_rdmsr(struct vcpu *vcpu, uint32_t msr)
{
	prepare(vcpu, RD_RIP, msr, JUNK_RAX, JUNK_RDX);
	uint64_t lo = vcpu_expect_out(vcpu, 0x10) & 0xffffffffull;
	uint64_t hi = vcpu_expect_out(vcpu, 0x11) & 0xffffffffull;

	return hi << 32 | lo;
}

/* The guest executes WRMSR(msr, val) and it completes. */
static void guest_wrmsr(struct vcpu *vcpu, uint32_t msr, uint64_t val)
{
	prepare(vcpu, WR_RIP, msr, val & 0xffffffffull, val >> 32);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x12) & 0xffffffffull,
		       val & 0xffffffffull);
}

/* Runs the access and returns the message type it ends in. */
static uint32_t guest_msr_exit(struct vcpu *vcpu, bool write, uint32_t msr,
			       uint64_t val, struct hv_message *msg)
{
	if (write)
		prepare(vcpu, WR_RIP, msr, val & 0xffffffffull, val >> 32);
	else
		prepare(vcpu, RD_RIP, msr, JUNK_RAX, JUNK_RDX);
	return vcpu_run_ok(vcpu, msg);
}

static struct vcpu *msr_vcpu(struct vm *vm, uint32_t index)
{
	struct vcpu *vcpu = vcpu_create(vm, index);

	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	return vcpu;
}

static struct vm *msr_vm(uint64_t synthetic_features)
{
	struct vm *vm = vm_create_features(1ull << MSHV_PT_BIT_LAPIC, synthetic_features);

	GUEST_LOAD(vm, CODE_GPA, msr_guest);
	return vm;
}

/* QEMU's synthetic feature set: hypervisor_present, hv1, reference
 * counter, VP index, ... (docs/abi-hv.md §9). */
#define SYNTH_DEFAULT 0x06400FFBull

TEST(apic_base)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);
	uint64_t host = vcpu_get_reg(vcpu, HV_X64_REGISTER_APIC_BASE);
	uint64_t guest = guest_rdmsr(vcpu, 0x1b);

	TEST_ASSERT_EQ(guest, host);
	/* xAPIC enabled at the architectural base; VP 0 is the BSP */
	TEST_ASSERT_EQ(guest & ~0xfffull, 0xfee00000ull);
	TEST_ASSERT((guest >> 11) & 1, "APIC not enabled: %#llx",
		    (unsigned long long)guest);
	TEST_ASSERT((guest >> 8) & 1, "VP 0 not BSP: %#llx",
		    (unsigned long long)guest);

	/* guest disables its APIC (xAPIC -> disabled is a legal transition) */
	guest_wrmsr(vcpu, 0x1b, guest & ~(1ull << 11));
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_APIC_BASE),
		       guest & ~(1ull << 11));
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x1b), guest & ~(1ull << 11));

	/* the VMM re-enables it; the guest sees that */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_APIC_BASE, guest);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x1b), guest);
	vm_destroy(vm);
}

TEST(mtrrs)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);
	/* 256 MiB at 256 MiB, write-back; mask valid on any MAXPHYADDR >= 36 */
	const uint64_t base = 0x10000006ull, mask = 0xff0000800ull;
	const uint64_t def = 0xc06ull;	/* E | FE | WB */

	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x2ff),
		       vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE));
	guest_wrmsr(vcpu, 0x200, base);
	guest_wrmsr(vcpu, 0x201, mask);
	guest_wrmsr(vcpu, 0x2ff, def);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x200), base);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x201), mask);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x2ff), def);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0), base);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0), mask);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE), def);
	/* the pair is not aliased with its neighbours */
	TEST_ASSERT(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_PHYS_BASE1) != base,
		    "PHYS_BASE1 took PHYS_BASE0's value");

	/* the VMM's values reach the guest */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0, 0x20000000ull);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, 0x800ull);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x200), 0x20000000ull);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x201), mask);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x2ff), 0x800ull);
	vm_destroy(vm);
}

TEST(misc_enable)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);

	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x1a0),
		       vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_IA32_MISC_ENABLE));
	vcpu_set_reg(vcpu, HV_X64_REGISTER_MSR_IA32_MISC_ENABLE, 0x1);	/* fast strings */
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x1a0), 0x1);
	guest_wrmsr(vcpu, 0x1a0, 0x9);	/* + TCC */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_IA32_MISC_ENABLE), 0x9);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x1a0), 0x9);
	vm_destroy(vm);
}

TEST(hv_guest_os_id)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);
	/* open-source OS id: bit 63, OS type 1 (Linux), version 6.1 */
	const uint64_t id = 0x8100060100000000ull | 0x1234;

	TEST_ASSERT_EQ(guest_rdmsr(vcpu, HV_X64_MSR_GUEST_OS_ID), 0);
	guest_wrmsr(vcpu, HV_X64_MSR_GUEST_OS_ID, id);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, HV_X64_MSR_GUEST_OS_ID), id);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_GUEST_OS_ID), id);
	vcpu_set_reg(vcpu, HV_REGISTER_GUEST_OS_ID, id + 1);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, HV_X64_MSR_GUEST_OS_ID), id + 1);
	vm_destroy(vm);
}

TEST(hv_vp_index)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *v0 = msr_vcpu(vm, 0);
	struct vcpu *v3 = msr_vcpu(vm, 3);

	TEST_ASSERT_EQ(guest_rdmsr(v3, HV_X64_MSR_VP_INDEX), 3);
	TEST_ASSERT_EQ(guest_rdmsr(v0, HV_X64_MSR_VP_INDEX), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(v3, HV_REGISTER_VP_INDEX), 3);
	vm_destroy(vm);
}

TEST(hv_time_ref_count)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);
	uint64_t t1 = guest_rdmsr(vcpu, HV_X64_MSR_TIME_REF_COUNT);

	usleep(20000);
	/* the VMM reads the same partition reference counter */
	uint64_t reg = vcpu_get_reg(vcpu, HV_REGISTER_TIME_REF_COUNT);
	usleep(20000);
	uint64_t t2 = guest_rdmsr(vcpu, HV_X64_MSR_TIME_REF_COUNT);

	TEST_ASSERT(reg > t1 && reg < t2,
		    "HV_REGISTER_TIME_REF_COUNT %#llx not between guest reads %#llx and %#llx",
		    (unsigned long long)reg, (unsigned long long)t1,
		    (unsigned long long)t2);

	TEST_ASSERT(t2 > t1, "TIME_REF_COUNT did not advance: %#llx -> %#llx",
		    (unsigned long long)t1, (unsigned long long)t2);
	/* 100 ns units: at least the 40 ms slept between the two reads */
	TEST_ASSERT(t2 - t1 >= 400000 - 100, "TIME_REF_COUNT advanced by %llu over 40 ms",
		    (unsigned long long)(t2 - t1));
	vm_destroy(vm);
}

/* Without hypervisor_present the synthetic MSRs do not exist. */
TEST(hv_msrs_need_hypervisor_present)
{
	struct vm *vm = msr_vm(0);
	struct vcpu *v0 = msr_vcpu(vm, 0);
	struct vcpu *v1 = msr_vcpu(vm, 1);
	struct hv_message msg;

	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES) & 1, 0);
	TEST_ASSERT_EQ(guest_msr_exit(v0, false, HV_X64_MSR_GUEST_OS_ID, 0, &msg),
		       HVMSG_UNRECOVERABLE_EXCEPTION);
	TEST_ASSERT_EQ(guest_msr_exit(v1, false, HV_X64_MSR_VP_INDEX, 0, &msg),
		       HVMSG_UNRECOVERABLE_EXCEPTION);
	vm_destroy(vm);
}

/* An MSR index no x86 CPU or Hyper-V implements (KVM's paravirt range). */
#define UNKNOWN_MSR 0x4b564d7fu

TEST(unimplemented_ignore)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);

	vm_set_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
			HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, UNKNOWN_MSR), 0);
	guest_wrmsr(vcpu, UNKNOWN_MSR, 0xdeadbeefcafef00dull);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, UNKNOWN_MSR), 0);
	/* RDMSR really wrote EDX:EAX (upper halves cleared as well) */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RDX), 0);
	/* implemented MSRs are unaffected by the action */
	guest_wrmsr(vcpu, 0x2ff, 0xc06);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x2ff), 0xc06);
	vm_destroy(vm);
}

TEST(unimplemented_fault)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *v0 = msr_vcpu(vm, 0);
	struct vcpu *v1 = msr_vcpu(vm, 1);
	struct hv_message msg;

	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
		       HV_UNIMPLEMENTED_MSR_ACTION_FAULT);
	TEST_ASSERT_EQ(guest_msr_exit(v0, false, UNKNOWN_MSR, 0, &msg),
		       HVMSG_UNRECOVERABLE_EXCEPTION);
	TEST_ASSERT_EQ(msg_hdr(&msg)->vp_index, 0);
	TEST_ASSERT_EQ(guest_msr_exit(v1, true, UNKNOWN_MSR, 0x1234, &msg),
		       HVMSG_UNRECOVERABLE_EXCEPTION);
	TEST_ASSERT_EQ(msg_hdr(&msg)->vp_index, 1);
	vm_destroy(vm);
}

static void install_msr_intercept(struct vm *vm, uint32_t msr)
{
	struct hv_input_install_intercept in;
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.access_type = HV_INTERCEPT_ACCESS_MASK_READ | HV_INTERCEPT_ACCESS_MASK_WRITE;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_MSR_INDEX;
	in.intercept_parameter.msr_index = msr;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
}

TEST(msr_intercept)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);
	struct hv_message msg;
	struct hv_x64_msr_intercept_message *m = (void *)msg.u.payload;
	const uint32_t msr = 0x1a0;	/* MISC_ENABLE: implemented, but intercepted */

	vcpu_set_reg(vcpu, HV_X64_REGISTER_MSR_IA32_MISC_ENABLE, 0x1);
	install_msr_intercept(vm, msr);

	/* read */
	prepare(vcpu, RD_RIP, msr, 0x1111, 0x2222);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_MSR_INTERCEPT);
	TEST_ASSERT_EQ(m->msr_number, msr);
	TEST_ASSERT_EQ(m->header.intercept_access_type, HV_INTERCEPT_ACCESS_READ);
	TEST_ASSERT_EQ(m->header.vp_index, 0);
	TEST_ASSERT_EQ(m->header.rip, RD_RIP);
	TEST_ASSERT_EQ(m->header.instruction_length, 2);
	TEST_ASSERT_EQ(m->rax, 0x1111);
	TEST_ASSERT_EQ(m->rdx, 0x2222);
	/* nothing executed: RIP at the RDMSR, EDX:EAX untouched */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), RD_RIP);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RAX), 0x1111);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RDX), 0x2222);

	/* the VMM completes the read; the guest goes on with its value */
	{
		uint32_t names[3] = { HV_X64_REGISTER_RAX, HV_X64_REGISTER_RDX,
				      HV_X64_REGISTER_RIP };
		union hv_register_value v[3];

		memset(v, 0, sizeof(v));
		v[0].reg64 = 0x87654321;
		v[1].reg64 = 0x0fedcba9;
		v[2].reg64 = m->header.rip + m->header.instruction_length;
		vcpu_set_regs(vcpu, names, v, 3);
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xffffffff, 0x87654321);
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffffffff, 0x0fedcba9);
	}

	/* write */
	prepare(vcpu, WR_RIP, msr, 0x89abcdef, 0x01234567);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_MSR_INTERCEPT);
	TEST_ASSERT_EQ(m->msr_number, msr);
	TEST_ASSERT_EQ(m->header.intercept_access_type, HV_INTERCEPT_ACCESS_WRITE);
	TEST_ASSERT_EQ(m->header.rip, WR_RIP);
	TEST_ASSERT_EQ(m->header.instruction_length, 2);
	TEST_ASSERT_EQ(m->rax, 0x89abcdef);
	TEST_ASSERT_EQ(m->rdx, 0x01234567);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), WR_RIP);
	/* the write did not happen */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_IA32_MISC_ENABLE), 0x1);

	/* other MSRs still execute in the hypervisor */
	uint64_t def = vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE);
	TEST_ASSERT_EQ(guest_rdmsr(vcpu, 0x2ff), def);
	vm_destroy(vm);
}

/* The access mask counts: a read intercept leaves writes to the hypervisor. */
TEST(msr_intercept_read_only)
{
	struct vm *vm = msr_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = msr_vcpu(vm, 0);
	struct hv_input_install_intercept in;
	struct hv_message msg;
	struct hv_x64_msr_intercept_message *m = (void *)msg.u.payload;
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.access_type = HV_INTERCEPT_ACCESS_MASK_READ;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_MSR_INDEX;
	in.intercept_parameter.msr_index = 0x2ff;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);

	guest_wrmsr(vcpu, 0x2ff, 0xc06);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE), 0xc06);
	TEST_ASSERT_EQ(guest_msr_exit(vcpu, false, 0x2ff, 0, &msg), HVMSG_X64_MSR_INTERCEPT);
	TEST_ASSERT_EQ(m->msr_number, 0x2ff);
	TEST_ASSERT_EQ(m->header.intercept_access_type, HV_INTERCEPT_ACCESS_READ);
	TEST_ASSERT_EQ(m->header.rip, RD_RIP);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(apic_base),
	TEST_ENTRY(mtrrs),
	TEST_ENTRY(misc_enable),
	TEST_ENTRY(hv_guest_os_id),
	TEST_ENTRY(hv_vp_index),
	TEST_ENTRY(hv_time_ref_count),
	TEST_ENTRY(hv_msrs_need_hypervisor_present),
	TEST_ENTRY(unimplemented_ignore),
	TEST_ENTRY(unimplemented_fault),
	TEST_ENTRY(msr_intercept),
	TEST_ENTRY(msr_intercept_read_only),
)
