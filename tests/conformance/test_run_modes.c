/* SPDX-License-Identifier: MIT */
/*
 * Running guests in every x86 mode: real, 32-bit protected, 64-bit long
 * mode with paging, and a guest that switches modes by itself.
 */
#include "vmm.h"

GUEST_CODE(real_guest,
	".code16\n"
	"movb $0x42, %al\n"
	"outb %al, $0x10\n"
	"movw %cs, %ax\n"
	"outw %ax, $0x11\n"
	"movw $0x1234, %bx\n"
	"addw %bx, %bx\n"
	"movw %bx, %ax\n"
	"outw %ax, $0x12\n"
	"hlt\n");

TEST(real_mode)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, real_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x42);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffff, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x12) & 0xffff, 0x2468);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);

	/* same code at CS=0x100, IP=0 (linear 0x1000) */
	vcpu_setup_real_mode(vcpu, CODE_GPA >> 4, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x42);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffff, CODE_GPA >> 4);
	vm_destroy(vm);
}

GUEST_CODE(reset_guest,
	".code16\n"
	"movb $0x99, %al\n"
	"outb %al, $0x10\n"
	"hlt\n");

TEST(reset_vector)
{
	/* a fresh VP starts at F000:FFF0 = physical 0xFFFFFFF0 */
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *rom = vm_add_memory(vm, 0xffff0000ull, 0x10000, MEM_X);
	struct hv_message msg;

	memcpy(rom + 0xfff0, reset_guest_start, GUEST_SIZE(reset_guest));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x99);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

GUEST_CODE(pm_guest,
	".code32\n"
	"movl $0x12345678, %eax\n"
	"outl %eax, $0x10\n"
	"movl 0x8000, %eax\n"
	"outl %eax, $0x11\n"
	"movl $0xa5a5a5a5, 0x8004\n"
	"pushl $0x5a5a5a5a\n"
	"popl %ebx\n"
	"movl %ebx, %eax\n"
	"outl %eax, $0x12\n"
	"hlt\n");

TEST(protected_mode)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint32_t *data = vm_gpa2hva(vm, DATA_GPA);

	data[0] = 0xcafef00d;
	GUEST_LOAD(vm, CODE_GPA, pm_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x12345678);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffffffff, 0xcafef00d);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x12) & 0xffffffff, 0x5a5a5a5a);
	TEST_ASSERT_EQ(data[1], 0xa5a5a5a5);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	/* the execution state in the intercept header says protected mode */
	TEST_ASSERT_EQ(msg_hdr(&msg)->execution_state.cr0_pe, 1);
	TEST_ASSERT_EQ(msg_hdr(&msg)->execution_state.efer_lma, 0);
	vm_destroy(vm);
}

GUEST_CODE(lm_guest,
	".code64\n"
	"movabs $0x400000, %rsi\n"
	"movq (%rsi), %rax\n"
	"outl %eax, $0x10\n"
	"shrq $32, %rax\n"
	"outl %eax, $0x11\n"
	"movq 8(%rsi), %rax\n"
	"outl %eax, $0x12\n"
	"movq $0x5566, 16(%rsi)\n"
	"movabs $0x8877665544332211, %rax\n"
	"outb %al, $0x13\n"
	"hlt\n");

TEST(long_mode_paging)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	/* GPA 0x150000 holds the data, mapped at VA 0x400000 */
	uint64_t *phys = vm_gpa2hva(vm, 0x150000);

	phys[0] = 0x1122334455667788ull;
	phys[1] = 0xabcd;
	vm_setup_paging(vm);
	vm_map_page(vm, 0x400000, 0x150000, PTE_W);
	GUEST_LOAD(vm, CODE_GPA, lm_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xffffffff, 0x55667788);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffffffff, 0x11223344);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x12) & 0xffffffff, 0xabcd);
	/* the store after that OUT has not run yet */
	TEST_ASSERT_EQ(phys[2], 0);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT_EQ(phys[2], 0x5566);
	/* 64-bit RAX is intact */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RAX), 0x8877665544332211ull);
	TEST_ASSERT_EQ(msg_hdr(&msg)->execution_state.efer_lma, 1);
	TEST_ASSERT_EQ(msg_hdr(&msg)->cs_segment.selector, SEL_CODE64);
	TEST_ASSERT_EQ(msg_hdr(&msg)->cs_segment._long, 1);
	vcpu_advance_rip(vcpu, &msg);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

/*
 * Real mode -> protected mode -> long mode, done by the guest itself.
 * The host only provides page tables at PT_POOL_GPA and the GDT at
 * GDT_GPA (the guest loads GDTR itself).
 */
GUEST_CODE(switch_guest,
	".code16\n"
	".set SW_BASE, 0x1000\n"
	"cli\n"
	"xorw %ax, %ax\n"
	"movw %ax, %ds\n"
	"lgdtl SW_BASE + (sw_gdtr - switch_guest_start)\n"
	"movb $1, %al\n"
	"outb %al, $0x10\n"
	"movl %cr0, %eax\n"
	"orl $1, %eax\n"
	"movl %eax, %cr0\n"
	"ljmpl $0x18, $(SW_BASE + (sw_pm32 - switch_guest_start))\n"
	".code32\n"
	"sw_pm32:\n"
	"movw $0x10, %ax\n"
	"movw %ax, %ds\n"
	"movw %ax, %es\n"
	"movw %ax, %ss\n"
	"movl $0xf000, %esp\n"
	"movb $2, %al\n"
	"outb %al, $0x10\n"
	"movl %cr4, %eax\n"
	"orl $0x20, %eax\n"
	"movl %eax, %cr4\n"
	"movl $0x10000, %eax\n"
	"movl %eax, %cr3\n"
	"movl $0xc0000080, %ecx\n"
	"rdmsr\n"
	"orl $0x100, %eax\n"
	"wrmsr\n"
	"movl %cr0, %eax\n"
	"orl $0x80000000, %eax\n"
	"movl %eax, %cr0\n"
	"ljmpl $0x08, $(SW_BASE + (sw_lm64 - switch_guest_start))\n"
	".code64\n"
	"sw_lm64:\n"
	"movb $3, %al\n"
	"outb %al, $0x10\n"
	"movabs $0x123456789abcdef0, %rax\n"
	"movq %rax, %rbx\n"
	"shrq $32, %rax\n"
	"outl %eax, $0x11\n"
	"pushq %rbx\n"
	"popq %rcx\n"
	"movl %ecx, %eax\n"
	"outl %eax, $0x12\n"
	"hlt\n"
	"sw_gdtr:\n"
	".word 47\n"
	".long 0x500\n");

TEST(mode_switch)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	TEST_ASSERT_EQ(CODE_GPA, 0x1000);
	TEST_ASSERT_EQ(GDT_GPA, 0x500);
	vm_setup_paging(vm);
	TEST_ASSERT_EQ(vm->pml4_gpa, 0x10000);
	GUEST_LOAD(vm, CODE_GPA, switch_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	/* start from a real-mode GDTR/IDTR that is not the guest's */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_CR0, X86_CR0_ET);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 1);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 2);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 3);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffffffff, 0x12345678);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x12) & 0xffffffff, 0x9abcdef0);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);

	uint64_t efer = vcpu_get_reg(vcpu, HV_X64_REGISTER_EFER);
	uint64_t cr0 = vcpu_get_reg(vcpu, HV_X64_REGISTER_CR0);
	struct hv_x64_segment_register cs;

	TEST_ASSERT((efer & (X86_EFER_LME | X86_EFER_LMA)) ==
		    (X86_EFER_LME | X86_EFER_LMA), "EFER %#llx",
		    (unsigned long long)efer);
	TEST_ASSERT((cr0 & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG),
		    "CR0 %#llx", (unsigned long long)cr0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR3), 0x10000);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR4) & X86_CR4_PAE, X86_CR4_PAE);
	vcpu_get_segment(vcpu, HV_X64_REGISTER_CS, &cs);
	TEST_ASSERT_EQ(cs.selector, 0x08);
	TEST_ASSERT_EQ(cs._long, 1);
	union hv_register_value gdtr;

	vcpu_get_reg128(vcpu, HV_X64_REGISTER_GDTR, &gdtr);
	TEST_ASSERT_EQ(gdtr.table.base, 0x500);
	TEST_ASSERT_EQ(gdtr.table.limit, 47);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(real_mode),
	TEST_ENTRY(reset_vector),
	TEST_ENTRY(protected_mode),
	TEST_ENTRY(long_mode_paging),
	TEST_ENTRY(mode_switch),
)
