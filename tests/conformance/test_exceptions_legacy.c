/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts outside long mode: real mode through the IVT,
 * 32-bit protected mode through the IDT, and a privilege change through a
 * 32-bit TSS. The guest's handlers report what the CPU pushed through OUT
 * instructions (exceptions.h), as in test_exceptions.c.
 */
#include "vmm.h"
#include "exceptions.h"

/* --- real mode: the IVT --- */

GUEST_CODE(rm_guest,
	".code16\n"
	".set RMBASE, 0x1000\n"
	"sti\n"
	"movw $(RMBASE + (rm_de_resume - rm_guest_start)), %di\n"
	"movw $1, %ax\n"
	"xorb %bl, %bl\n"
	GUEST_LABEL(rm_de_insn) "divb %bl\n"
	GUEST_LABEL(rm_de_resume)
	"movw $0xd0, %ax\n"
	"outw %ax, $0x30\n"
	GUEST_LABEL(rm_int_insn) "int $0x30\n"
	GUEST_LABEL(rm_int_next)
	"movw $0xd1, %ax\n"
	"outw %ax, $0x30\n"
	"hlt\n"
	GUEST_LABEL(rm_isr0) "pushw $0\n jmp rm_common\n"
	GUEST_LABEL(rm_isr30) "pushw $0x30\n jmp rm_common\n"
	"rm_common:\n"
	"pushw %bp\n"
	"movw %sp, %bp\n"
	/* [bp+2] vector, [bp+4] IP, [bp+6] CS, [bp+8] FLAGS */
	"movw 2(%bp), %ax\n outw %ax, $0x20\n"
	"movw 4(%bp), %ax\n outw %ax, $0x22\n"
	"movw 6(%bp), %ax\n outw %ax, $0x23\n"
	"movw 8(%bp), %ax\n outw %ax, $0x24\n"
	"movw %sp, %ax\n outw %ax, $0x26\n"
	"pushfw\n popw %ax\n outw %ax, $0x28\n"
	"testw %di, %di\n"
	"jz 1f\n"
	"movw %di, 4(%bp)\n"
	"xorw %di, %di\n"
	"1: popw %bp\n"
	"addw $2, %sp\n"
	"iretw\n");
GUEST_EXTERN(rm_de_insn); GUEST_EXTERN(rm_int_next);
GUEST_EXTERN(rm_isr0); GUEST_EXTERN(rm_isr30);

TEST(real_mode_ivt)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint16_t *ivt = vm_gpa2hva(vm, 0);

	GUEST_LOAD(vm, CODE_GPA, rm_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	ivt[0 * 2] = (uint16_t)(CODE_GPA + GUEST_OFF(rm_guest, rm_isr0));
	ivt[0 * 2 + 1] = 0;
	ivt[0x30 * 2] = (uint16_t)(CODE_GPA + GUEST_OFF(rm_guest, rm_isr30));
	ivt[0x30 * 2 + 1] = 0;

	/* #DE: IP of the DIV, FLAGS with IF pushed, IF clear in the handler */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_VEC) & 0xffff, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RIP) & 0xffff,
		       CODE_GPA + GUEST_OFF(rm_guest, rm_de_insn));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CS) & 0xffff, 0);
	TEST_ASSERT(vcpu_expect_out(vcpu, P_ORSP) & X86_RFLAGS_IF, "pushed FLAGS without IF");
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RSP) & 0xffff, STACK_TOP - 10);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_FLAGS) & X86_RFLAGS_IF, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd0);

	/* INT 0x30: IP after the INT */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_VEC) & 0xffff, 0x30);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RIP) & 0xffff,
		       CODE_GPA + GUEST_OFF(rm_guest, rm_int_next));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CS) & 0xffff, 0);
	(void)vcpu_expect_out(vcpu, P_ORSP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RSP) & 0xffff, STACK_TOP - 10);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_FLAGS) & X86_RFLAGS_IF, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd1);
	/* IRET restored IF */
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT(msg_hdr(&msg)->rflags & X86_RFLAGS_IF, "IF lost across IRET");
	vm_destroy(vm);
}

/* --- 32-bit protected mode --- */

GUEST_CODE(pm_guest,
	".code32\n"
	".set PMBASE, 0x1000\n"
	"sti\n"
	"movl $(PMBASE + (pm_de_resume - pm_guest_start)), %edi\n"
	"xorl %ecx, %ecx\n"
	"movl $1, %eax\n"
	"xorl %edx, %edx\n"
	GUEST_LABEL(pm_de_insn) "divl %ecx\n"
	GUEST_LABEL(pm_de_resume)
	"movl $0xd0, %eax\n"
	"outl %eax, $0x30\n"
	"movl $(PMBASE + (pm_ud_resume - pm_guest_start)), %edi\n"
	GUEST_LABEL(pm_ud_insn) "ud2\n"
	GUEST_LABEL(pm_ud_resume)
	"movl $0xd1, %eax\n"
	"outl %eax, $0x30\n"
	GUEST_LABEL(pm_bp_insn) "int3\n"
	GUEST_LABEL(pm_bp_next)
	"movl $0xd2, %eax\n"
	"outl %eax, $0x30\n"
	"movl $(PMBASE + (pm_gp_resume - pm_guest_start)), %edi\n"
	"movl $0x1234, %eax\n"
	GUEST_LABEL(pm_gp_insn) "movw %ax, %ds\n"
	GUEST_LABEL(pm_gp_resume)
	"movl $0xd3, %eax\n"
	"outl %eax, $0x30\n"
	GUEST_LABEL(pm_int_insn) "int $0x40\n"
	GUEST_LABEL(pm_int_next)
	"movl $0xd4, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n"
	GUEST_LABEL(pm_isr0) "pushl $0\n pushl $0\n jmp pm_common\n"
	GUEST_LABEL(pm_isr3) "pushl $0\n pushl $3\n jmp pm_common\n"
	GUEST_LABEL(pm_isr6) "pushl $0\n pushl $6\n jmp pm_common\n"
	GUEST_LABEL(pm_isr13) "pushl $13\n jmp pm_common\n"
	GUEST_LABEL(pm_isr40) "pushl $0\n pushl $0x40\n jmp pm_common\n"
	"pm_common:\n"
	"pushl %eax\n"
	/* [esp+4] vector, +8 error, +12 EIP, +16 CS, +20 EFLAGS */
	"movl 4(%esp), %eax\n outl %eax, $0x20\n"
	"movl 8(%esp), %eax\n outl %eax, $0x21\n"
	"movl 12(%esp), %eax\n outl %eax, $0x22\n"
	"movl 16(%esp), %eax\n outl %eax, $0x23\n"
	"movl 20(%esp), %eax\n outl %eax, $0x24\n"
	"movl %esp, %eax\n outl %eax, $0x26\n"
	"pushfl\n popl %eax\n outl %eax, $0x28\n"
	"testl %edi, %edi\n"
	"jz 1f\n"
	"movl %edi, 12(%esp)\n"
	"xorl %edi, %edi\n"
	"1: popl %eax\n"
	"addl $8, %esp\n"
	"iretl\n");
GUEST_EXTERN(pm_de_insn); GUEST_EXTERN(pm_ud_insn); GUEST_EXTERN(pm_bp_next);
GUEST_EXTERN(pm_gp_insn); GUEST_EXTERN(pm_int_next);
GUEST_EXTERN(pm_isr0); GUEST_EXTERN(pm_isr3); GUEST_EXTERN(pm_isr6);
GUEST_EXTERN(pm_isr13); GUEST_EXTERN(pm_isr40);

#define PM_IDT 0x20000ull
#define PM_ADDR(l) (CODE_GPA + GUEST_OFF(pm_guest, l))

static void set_gate32(struct vm *vm, unsigned vec, uint32_t off, unsigned type)
{
	uint32_t *g = vm_gpa2hva(vm, PM_IDT + 8 * vec);

	g[0] = (off & 0xffff) | ((uint32_t)SEL_CODE32 << 16);
	g[1] = (off & 0xffff0000u) | 0x8000u | (type << 8);
}

struct pm_report {
	uint32_t vec, err, eip, cs, eflags, esp, flags;
};

static void pm_expect_report(struct vcpu *vcpu, struct pm_report *r)
{
	r->vec = (uint32_t)vcpu_expect_out(vcpu, P_VEC);
	r->err = (uint32_t)vcpu_expect_out(vcpu, P_ERR);
	r->eip = (uint32_t)vcpu_expect_out(vcpu, P_RIP);
	r->cs = (uint32_t)vcpu_expect_out(vcpu, P_CS) & 0xffff;
	r->eflags = (uint32_t)vcpu_expect_out(vcpu, P_ORSP);
	r->esp = (uint32_t)vcpu_expect_out(vcpu, P_RSP);
	r->flags = (uint32_t)vcpu_expect_out(vcpu, P_FLAGS);
}

TEST(protected_mode_idt)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	struct pm_report r;

	GUEST_LOAD(vm, CODE_GPA, pm_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	memset(vm_gpa2hva(vm, PM_IDT), 0, 0x800);
	set_gate32(vm, 0, (uint32_t)PM_ADDR(pm_isr0), 0xe);
	set_gate32(vm, 3, (uint32_t)PM_ADDR(pm_isr3), 0xf);	/* trap gate */
	set_gate32(vm, 6, (uint32_t)PM_ADDR(pm_isr6), 0xe);
	set_gate32(vm, 13, (uint32_t)PM_ADDR(pm_isr13), 0xe);
	set_gate32(vm, 0x40, (uint32_t)PM_ADDR(pm_isr40), 0xe);
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, PM_IDT, 0x7ff);

	pm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 0);
	TEST_ASSERT_EQ(r.eip, PM_ADDR(pm_de_insn));
	TEST_ASSERT_EQ(r.cs, SEL_CODE32);
	TEST_ASSERT(r.eflags & X86_RFLAGS_IF, "pushed EFLAGS without IF");
	TEST_ASSERT_EQ(r.esp, STACK_TOP - 24);
	TEST_ASSERT_EQ(r.flags & X86_RFLAGS_IF, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd0);

	pm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 6);
	TEST_ASSERT_EQ(r.eip, PM_ADDR(pm_ud_insn));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd1);

	pm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 3);
	TEST_ASSERT_EQ(r.eip, PM_ADDR(pm_bp_next));
	TEST_ASSERT(r.flags & X86_RFLAGS_IF, "trap gate cleared IF");
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd2);

	pm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 13);
	TEST_ASSERT_EQ(r.err, 0x1234);
	TEST_ASSERT_EQ(r.eip, PM_ADDR(pm_gp_insn));
	TEST_ASSERT_EQ(r.esp, STACK_TOP - 24);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd3);

	pm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 0x40);
	TEST_ASSERT_EQ(r.eip, PM_ADDR(pm_int_next));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd4);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

/* CPL3 -> CPL0 in 32-bit protected mode: SS0:ESP0 from the TSS. */
GUEST_CODE(pmu_guest,
	".code32\n"
	".set PMUBASE, 0x1000\n"
	"pushl $0x33\n"
	"pushl $0x32000\n"
	"pushl $0x2\n"
	"pushl $0x3b\n"
	"pushl $(PMUBASE + (pmu_user - pmu_guest_start))\n"
	"iretl\n"
	"pmu_user:\n"
	"movl $(PMUBASE + (pmu_resume - pmu_guest_start)), %edi\n"
	GUEST_LABEL(pmu_int) "int $0x40\n"
	"pmu_resume:\n"
	"int $0x41\n"
	"ud2\n"
	GUEST_LABEL(pmu_isr13)
	/* [esp] error, +4 EIP, +8 CS, +12 EFLAGS, +16 ESP, +20 SS */
	"pushl %eax\n"
	"movl 4(%esp), %eax\n outl %eax, $0x21\n"
	"movl 8(%esp), %eax\n outl %eax, $0x22\n"
	"movl 12(%esp), %eax\n outl %eax, $0x23\n"
	"movl 20(%esp), %eax\n outl %eax, $0x24\n"
	"movl 24(%esp), %eax\n outl %eax, $0x25\n"
	"movl %esp, %eax\n outl %eax, $0x26\n"
	"xorl %eax, %eax\n movw %ss, %ax\n outl %eax, $0x29\n"
	"movl %edi, 8(%esp)\n"
	"popl %eax\n"
	"addl $4, %esp\n"
	"iretl\n"
	GUEST_LABEL(pmu_isr41)
	"movl %esp, %eax\n outl %eax, $0x26\n"
	"movl 4(%esp), %eax\n outl %eax, $0x23\n"
	"movl $0xf000, %esp\n"
	"movl $0xd6, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n");
GUEST_EXTERN(pmu_int); GUEST_EXTERN(pmu_isr13); GUEST_EXTERN(pmu_isr41);

#define PMU_ADDR(l) (CODE_GPA + GUEST_OFF(pmu_guest, l))

TEST(protected_mode_privilege_change)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint64_t *gdt = vm_gpa2hva(vm, GDT_GPA);
	uint32_t *tss = vm_gpa2hva(vm, LM_TSS);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, pmu_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	gdt[6] = 0x00cff3000000ffffull;		/* user data */
	gdt[7] = 0x00cffb000000ffffull;		/* user code32 */
	gdt[8] = 0x67 | ((LM_TSS & 0xffffff) << 16) | (0x89ull << 40) |
		 (((LM_TSS >> 24) & 0xff) << 56);
	vcpu_set_table(vcpu, HV_X64_REGISTER_GDTR, GDT_GPA, 9 * 8 - 1);
	memset(tss, 0, 0x68);
	tss[1] = (uint32_t)LM_RSP0;		/* ESP0 */
	tss[2] = SEL_DATA;			/* SS0 */
	vcpu_set_segment(vcpu, HV_X64_REGISTER_TR, SEL_TSS, LM_TSS, 0x67, 0x8b);
	memset(vm_gpa2hva(vm, PM_IDT), 0, 0x800);
	set_gate32(vm, 13, (uint32_t)PMU_ADDR(pmu_isr13), 0xe);
	set_gate32(vm, 0x40, (uint32_t)PMU_ADDR(pmu_isr13), 0xe);	/* DPL0 */
	set_gate32(vm, 0x41, (uint32_t)PMU_ADDR(pmu_isr41), 0xe);
	((uint32_t *)vm_gpa2hva(vm, PM_IDT + 8 * 0x41))[1] |= 3u << 13;	/* DPL3 */
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, PM_IDT, 0x7ff);

	/* INT 0x40 at CPL3 to a DPL0 gate: #GP(0x202) on SS0:ESP0 */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_ERR) & 0xffffffff, 0x40 * 8 + 2);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RIP) & 0xffffffff, PMU_ADDR(pmu_int));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CS) & 0xffff, SEL_UCODE);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_ORSP) & 0xffffffff, LM_USTACK);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_OSS) & 0xffff, SEL_UDATA);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RSP) & 0xffffffff, LM_RSP0 - 28);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_SS) & 0xffff, SEL_DATA);
	/* back at CPL3, INT 0x41 through a DPL3 gate */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RSP) & 0xffffffff, LM_RSP0 - 20);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CS) & 0xffff, SEL_UCODE);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd6);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(real_mode_ivt),
	TEST_ENTRY(protected_mode_idt),
	TEST_ENTRY(protected_mode_privilege_change),
)
