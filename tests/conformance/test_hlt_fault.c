/* SPDX-License-Identifier: MIT */
/*
 * HLT and triple faults: HVMSG_X64_HALT for a partition without LAPIC; in
 * a LAPIC partition HLT stays inside RUN_VP even with interrupts disabled;
 * HVMSG_UNRECOVERABLE_EXCEPTION for a triple fault.
 */
#include "vmm.h"

GUEST_CODE(hlt_guest,
	".code16\n"
	"movb $1, %al\n"
	"outb %al, $0x10\n"
	GUEST_LABEL(hlt_insn) "hlt\n"
	"movb $2, %al\n"
	"outb %al, $0x10\n"
	"hlt\n");
GUEST_EXTERN(hlt_insn);

TEST(hlt_without_lapic)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint64_t rip;

	GUEST_LOAD(vm, CODE_GPA, hlt_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	/* even with IF=1 */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RFLAGS, 0x202);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 1);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(msg_hdr(&msg)->vp_index, 0);
	/* RIP is at or just past the HLT; running again continues after it */
	rip = vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP);
	TEST_ASSERT(rip == CODE_GPA + GUEST_OFF(hlt_guest, hlt_insn) ||
		    rip == CODE_GPA + GUEST_OFF(hlt_guest, hlt_insn) + 1,
		    "rip %#llx after HLT", (unsigned long long)rip);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP,
		     CODE_GPA + GUEST_OFF(hlt_guest, hlt_insn) + 1);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 2);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

GUEST_CODE(cli_hlt_guest,
	".code16\n"
	"cli\n"
	"hlt\n"
	GUEST_LABEL(cli_hlt_after)
	"movb $1, %al\n"
	"outb %al, $0x10\n"
	"1: jmp 1b\n"
	GUEST_LABEL(cli_hlt_nmi)
	"movb $2, %al\n"
	"outb %al, $0x11\n"
	"iret\n");
GUEST_EXTERN(cli_hlt_after); GUEST_EXTERN(cli_hlt_nmi);

/* In a LAPIC partition the VP stays halted inside RUN_VP whatever IF is:
 * CLI; HLT returns only on a signal (EINTR) and stays halted across
 * re-entry, until an NMI wakes it (no HVMSG_X64_HALT, which QEMU would
 * answer by re-entering at once, forever). */
TEST(hlt_if0_lapic)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(
		(1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC), &vcpu);
	struct hv_input_assert_virtual_interrupt in;
	uint16_t *ivt = vm_gpa2hva(vm, 0);
	uint16_t st = 0xffff;

	GUEST_LOAD(vm, CODE_GPA, cli_hlt_guest);
	ivt[2 * 2] = (uint16_t)(CODE_GPA + GUEST_OFF(cli_hlt_guest, cli_hlt_nmi));
	ivt[2 * 2 + 1] = 0;
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RFLAGS, 0x202);
	vcpu_expect_halted(vcpu);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP),
		       CODE_GPA + GUEST_OFF(cli_hlt_guest, cli_hlt_after));
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RFLAGS) & X86_RFLAGS_IF, 0);
	vcpu_expect_halted(vcpu);	/* re-entering does not end the HLT */

	memset(&in, 0, sizeof(in));
	in.control.interrupt_type = HV_X64_INTERRUPT_TYPE_NMI;
	in.vector = 2;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xff, 2);	/* NMI handler */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 1);	/* after the HLT */
	vm_destroy(vm);
}

GUEST_CODE(ud2_guest,
	".code32\n"
	"movb $1, %al\n"
	"outb %al, $0x10\n"
	"ud2\n"
	"hlt\n");

TEST(triple_fault_ud2)
{
	/* protected mode, IDTR limit 0: #UD -> #GP -> #DF -> triple fault */
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint32_t t;

	GUEST_LOAD(vm, CODE_GPA, ud2_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 1);
	t = vcpu_run_ok(vcpu, &msg);
	TEST_ASSERT(t == HVMSG_UNRECOVERABLE_EXCEPTION, "got %s (%#x)",
		    msg_type_name(t), t);
	TEST_ASSERT_EQ(msg_hdr(&msg)->vp_index, 0);
	vm_destroy(vm);
}

GUEST_CODE(int3_guest,
	".code64\n"
	"lidt (0x8000)\n"
	"movb $1, %al\n"
	"outb %al, $0x10\n"
	"int3\n"
	"hlt\n");

TEST(triple_fault_bogus_idt)
{
	/* long mode, IDT full of not-present gates */
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint8_t *desc = vm_gpa2hva(vm, DATA_GPA);
	uint32_t t;

	/* 16-bit limit, 64-bit base -> 0x20000 (zeroed) */
	desc[0] = 0xff;
	desc[1] = 0x0f;
	uint64_t base = 0x20000;

	memcpy(desc + 2, &base, 8);
	memset(vm_gpa2hva(vm, base), 0, 0x1000);
	GUEST_LOAD(vm, CODE_GPA, int3_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 1);
	t = vcpu_run_ok(vcpu, &msg);
	TEST_ASSERT(t == HVMSG_UNRECOVERABLE_EXCEPTION, "got %s (%#x)", msg_type_name(t), t);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(hlt_without_lapic),
	TEST_ENTRY(hlt_if0_lapic),
	TEST_ENTRY(triple_fault_ud2),
	TEST_ENTRY(triple_fault_bogus_idt),
)
