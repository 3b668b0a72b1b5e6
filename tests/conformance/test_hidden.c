// SPDX-License-Identifier: MIT
/*
 * What the guest must not see of the machinery under it: a partition
 * without nested virtualization has no SVM (no CPUID bit, EFER.SVME is
 * reserved: #GP, VMRUN is #UD), whatever engine runs it; and writing CR2
 * from the VMM leaves CR3 alone.
 */
#include "vmm.h"

GUEST_CODE(hidden_guest,
	".code64\n"
	"movl $0x80000001, %eax\n"
	"xorl %ecx, %ecx\n"
	"cpuid\n"
	"movl %ecx, %eax\n"
	"outl %eax, $0x30\n"
	"movl $0xc0000080, %ecx\n"
	"rdmsr\n"
	"outl %eax, $0x31\n"
	"orl $0x1000, %eax\n"
	GUEST_LABEL(hidden_wrmsr) "wrmsr\n"
	"hlt\n"
	GUEST_LABEL(hidden_vmrun) "movq $0x2000, %rax\n"
	GUEST_LABEL(hidden_vmrun_insn) "vmrun\n"
	"hlt\n");
GUEST_EXTERN(hidden_wrmsr);
GUEST_EXTERN(hidden_vmrun);
GUEST_EXTERN(hidden_vmrun_insn);

static const struct hv_x64_exception_intercept_message *
expect_exception(struct vcpu *vcpu, struct hv_message *msg, uint16_t vector, uint64_t rip)
{
	uint32_t t = vcpu_run_ok(vcpu, msg);
	const struct hv_x64_exception_intercept_message *x = (const void *)msg->u.payload;

	TEST_ASSERT(t == HVMSG_X64_EXCEPTION_INTERCEPT, "got %s (%#x) at %#llx",
		    msg_type_name(t), t, (unsigned long long)msg_hdr(msg)->rip);
	TEST_ASSERT_EQ(x->exception_vector, vector);
	TEST_ASSERT_EQ(msg_hdr(msg)->rip, rip);
	return x;
}

TEST(svm_invisible)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, hidden_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	vm_intercept_exception(vm, 13);
	vm_intercept_exception(vm, 6);
	uint64_t ecx = vcpu_expect_out(vcpu, 0x30);
	TEST_ASSERT(!(ecx & (1u << 2)), "CPUID 0x80000001 ECX %#llx has SVM",
		    (unsigned long long)ecx);
	uint64_t efer = vcpu_expect_out(vcpu, 0x31);
	TEST_ASSERT(!(efer & (1u << 12)), "guest EFER %#llx has SVME", (unsigned long long)efer);
	/* EFER.SVME is reserved without SVM: WRMSR faults, nothing changes */
	const struct hv_x64_exception_intercept_message *x =
		expect_exception(vcpu, &msg, 13, CODE_GPA + GUEST_OFF(hidden_guest, hidden_wrmsr));
	TEST_ASSERT_EQ(x->error_code, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_EFER) & (1u << 12), 0);
	/* VMRUN is an invalid opcode */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, CODE_GPA + GUEST_OFF(hidden_guest, hidden_vmrun));
	expect_exception(vcpu, &msg, 6, CODE_GPA + GUEST_OFF(hidden_guest, hidden_vmrun_insn));
	vm_destroy(vm);
}

/* SET_VP_REGISTERS of CR2 alone: CR3 (and the guest's paging) unchanged. */
TEST(cr2_write_keeps_cr3)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, hidden_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	uint64_t cr3 = vcpu_get_reg(vcpu, HV_X64_REGISTER_CR3);
	TEST_ASSERT(cr3 != 0, "long mode without CR3");
	vcpu_set_reg(vcpu, HV_X64_REGISTER_CR2, 0xdead0000);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR2), 0xdead0000);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR3), cr3);
	/* and the guest still runs on its page tables */
	uint64_t ecx = vcpu_expect_out(vcpu, 0x30);
	(void)ecx;
	vm_destroy(vm);
}

TEST_MAIN(TEST_ENTRY(svm_invisible), TEST_ENTRY(cr2_write_keeps_cr3))
