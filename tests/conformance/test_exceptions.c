/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts delivered through the guest's IVT/IDT: the
 * guest's handlers report what the CPU pushed (vector, error code, RIP, CS,
 * stack) and CR2 through OUT instructions, fix the cause and return. Long
 * mode (#DE, #UD, INT3, #GP, #PF, a CPL3 INT to a DPL0 gate, TSS.RSP0 and
 * IST stack switches, NMI and external interrupt injection through
 * HV_REGISTER_PENDING_INTERRUPTION), #DF, triple faults and the shutdown
 * state, and exception intercepts. Real mode and 32-bit protected mode:
 * test_exceptions_legacy.c.
 */
#include "vmm.h"
#include "exceptions.h"

GUEST_CODE(lm_guest,
	".code64\n"
	GUEST_LABEL(lm_main)
	"sti\n"
	/* #DE */
	"lea lm_de_resume(%rip), %r15\n"
	"xorl %ecx, %ecx\n"
	"movl $1, %eax\n"
	"xorl %edx, %edx\n"
	GUEST_LABEL(lm_de_insn) "divl %ecx\n"
	GUEST_LABEL(lm_de_resume)
	"movl $0xd0, %eax\n"
	"outl %eax, $0x30\n"
	/* #UD */
	"lea lm_ud_resume(%rip), %r15\n"
	GUEST_LABEL(lm_ud_insn) "ud2\n"
	GUEST_LABEL(lm_ud_resume)
	"movl $0xd1, %eax\n"
	"outl %eax, $0x30\n"
	/* INT3 (trap gate) on a stack that is not 16-byte aligned */
	"subq $8, %rsp\n"
	GUEST_LABEL(lm_bp_insn) "int3\n"
	GUEST_LABEL(lm_bp_next)
	"addq $8, %rsp\n"
	"movl $0xd2, %eax\n"
	"outl %eax, $0x30\n"
	/* #GP: selector beyond the GDT limit */
	"lea lm_gp_resume(%rip), %r15\n"
	"movl $0x1234, %eax\n"
	GUEST_LABEL(lm_gp_insn) "movw %ax, %ds\n"
	GUEST_LABEL(lm_gp_resume)
	"movl $0xd3, %eax\n"
	"outl %eax, $0x30\n"
	/* #GP: non-canonical address */
	"lea lm_gp2_resume(%rip), %r15\n"
	"movabsq $0x8000000000000000, %rbx\n"
	GUEST_LABEL(lm_gp2_insn) "movq %rax, (%rbx)\n"
	GUEST_LABEL(lm_gp2_resume)
	"movl $0xd4, %eax\n"
	"outl %eax, $0x30\n"
	/* #PF on a not-present page: the handler maps it, the store completes */
	"xorl %r15d, %r15d\n"
	"movl $0x400008, %ebx\n"
	"movl $0x5a5a5a5a, %eax\n"
	GUEST_LABEL(lm_pf_insn) "movl %eax, (%rbx)\n"
	"movl (%rbx), %eax\n"
	"outl %eax, $0x30\n"
	/* IST stack switch at CPL0 */
	GUEST_LABEL(lm_ist_insn) "int $0x42\n"
	GUEST_LABEL(lm_ist_next)
	"movl $0xd5, %eax\n"
	"outl %eax, $0x30\n"
	/* to CPL3 */
	"pushq $0x33\n"
	"pushq $0x32000\n"
	"pushq $0x2\n"
	"pushq $0x3b\n"
	"pushq $0x30000\n"
	"iretq\n"
	GUEST_LABEL(lm_user_back)
	"movl $0xd6, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n"

	/* entry for the injection, #DF and triple-fault tests */
	GUEST_LABEL(lm_idle)
	"movl $0xe0, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n"
	GUEST_LABEL(lm_pf_only)
	"xorl %r15d, %r15d\n"
	"movl $0x400008, %ebx\n"
	GUEST_LABEL(lm_pf_only_insn) "movl %eax, (%rbx)\n"
	"hlt\n"
	/* entry for the intercept test */
	GUEST_LABEL(lm_icpt)
	"movabsq $0x1122334455667788, %rbx\n"
	GUEST_LABEL(lm_icpt_bp) "int3\n"
	GUEST_LABEL(lm_icpt_ud) "ud2\n"
	"movl $0xe1, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n"

	/* handlers: [vector] [error] rip cs rflags rsp ss */
	GUEST_LABEL(lm_isr0) "pushq $0\n pushq $0\n jmp lm_common\n"
	GUEST_LABEL(lm_isr2) "pushq $0\n pushq $2\n jmp lm_common\n"
	GUEST_LABEL(lm_isr3) "pushq $0\n pushq $3\n jmp lm_common\n"
	GUEST_LABEL(lm_isr6) "pushq $0\n pushq $6\n jmp lm_common\n"
	GUEST_LABEL(lm_isr8) "pushq $8\n jmp lm_common\n"
	GUEST_LABEL(lm_isr13) "pushq $13\n jmp lm_common\n"
	GUEST_LABEL(lm_isr14) "pushq $14\n jmp lm_common\n"
	GUEST_LABEL(lm_isr40) "pushq $0\n pushq $0x40\n jmp lm_common\n"
	GUEST_LABEL(lm_isr42) "pushq $0\n pushq $0x42\n jmp lm_common\n"
	GUEST_LABEL(lm_isr50) "pushq $0\n pushq $0x50\n jmp lm_common\n"
	GUEST_LABEL(lm_isr41)
	"movl $0x41, %eax\n"
	"outl %eax, $0x20\n"
	"movq 8(%rsp), %rax\n"
	"outl %eax, $0x23\n"
	"movq %rsp, %rax\n"
	"outl %eax, $0x26\n"
	"movq $0xf000, %rsp\n"
	"jmp lm_user_back\n"
	"lm_common:\n"
	"pushq %rax\n"
	"pushq %rdx\n"
	"movq 16(%rsp), %rax\n outl %eax, $0x20\n"
	"movq 24(%rsp), %rax\n outl %eax, $0x21\n"
	"movq 32(%rsp), %rax\n outl %eax, $0x22\n"
	"movq 40(%rsp), %rax\n outl %eax, $0x23\n"
	"movq 56(%rsp), %rax\n outl %eax, $0x24\n"
	"movq 64(%rsp), %rax\n outl %eax, $0x25\n"
	"movq %rsp, %rax\n outl %eax, $0x26\n"
	"movq %cr2, %rax\n outl %eax, $0x27\n"
	"pushfq\n popq %rax\n outl %eax, $0x28\n"
	"xorl %eax, %eax\n movw %ss, %ax\n outl %eax, $0x29\n"
	"cmpq $14, 16(%rsp)\n"
	"jne 1f\n"
	"movq %r13, (%r14)\n"
	"movq %cr2, %rax\n"
	"invlpg (%rax)\n"
	"1: testq %r15, %r15\n"
	"jz 2f\n"
	"movq %r15, 32(%rsp)\n"
	"xorl %r15d, %r15d\n"
	"2: popq %rdx\n"
	"popq %rax\n"
	"addq $16, %rsp\n"
	"iretq\n");
GUEST_EXTERN(lm_main); GUEST_EXTERN(lm_de_insn); GUEST_EXTERN(lm_ud_insn);
GUEST_EXTERN(lm_bp_next); GUEST_EXTERN(lm_gp_insn); GUEST_EXTERN(lm_gp2_insn);
GUEST_EXTERN(lm_pf_insn); GUEST_EXTERN(lm_ist_next); GUEST_EXTERN(lm_idle);
GUEST_EXTERN(lm_pf_only); GUEST_EXTERN(lm_pf_only_insn); GUEST_EXTERN(lm_icpt);
GUEST_EXTERN(lm_icpt_bp); GUEST_EXTERN(lm_icpt_ud);
GUEST_EXTERN(lm_isr0); GUEST_EXTERN(lm_isr2); GUEST_EXTERN(lm_isr3);
GUEST_EXTERN(lm_isr6); GUEST_EXTERN(lm_isr8); GUEST_EXTERN(lm_isr13);
GUEST_EXTERN(lm_isr14); GUEST_EXTERN(lm_isr40); GUEST_EXTERN(lm_isr41);
GUEST_EXTERN(lm_isr42); GUEST_EXTERN(lm_isr50);

/* CPL3 code at LM_UCODE. */
GUEST_CODE(lm_user,
	".code64\n"
	"lea lm_user_resume(%rip), %r15\n"
	GUEST_LABEL(lm_user_int) "int $0x40\n"
	GUEST_LABEL(lm_user_resume)
	"int $0x41\n"
	"ud2\n");
GUEST_EXTERN(lm_user_int);

#define LM_ADDR(l) (CODE_GPA + GUEST_OFF(lm_guest, l))

/* Long-mode VP with user segments, a 64-bit TSS (RSP0, IST1) and an IDT
 * holding the handlers above (all but #PF and #DF, see lm_idt_pf_df). */
static struct vcpu *lm_setup(struct vm *vm, uint64_t rip)
{
	struct vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *gdt = vm_gpa2hva(vm, GDT_GPA);
	uint8_t *tss = vm_gpa2hva(vm, LM_TSS);

	GUEST_LOAD(vm, CODE_GPA, lm_guest);
	vcpu_setup_long_mode(vcpu, rip, STACK_TOP);
	gdt[6] = 0x00cff3000000ffffull;		/* user data */
	gdt[7] = 0x00affb000000ffffull;		/* user code64 */
	gdt[8] = 0x67 | ((LM_TSS & 0xffffff) << 16) | (0x89ull << 40) |
		 (((LM_TSS >> 24) & 0xff) << 56);
	gdt[9] = LM_TSS >> 32;
	vcpu_set_table(vcpu, HV_X64_REGISTER_GDTR, GDT_GPA, 10 * 8 - 1);
	memset(tss, 0, 0x68);
	uint64_t rsp0 = LM_RSP0, ist1 = LM_IST1;
	memcpy(tss + 4, &rsp0, 8);
	memcpy(tss + 36, &ist1, 8);
	vcpu_set_segment(vcpu, HV_X64_REGISTER_TR, SEL_TSS, LM_TSS, 0x67, 0x8b);
	memset(vm_gpa2hva(vm, LM_IDT), 0, 0x1000);
	vm_set_gate64(vm, LM_IDT, 0, LM_ADDR(lm_isr0));
	vm_set_gate64(vm, LM_IDT, 2, LM_ADDR(lm_isr2));
	vm_set_gate(vm, LM_IDT, 3, LM_ADDR(lm_isr3), GATE_TRAP, 3, 0);
	vm_set_gate64(vm, LM_IDT, 6, LM_ADDR(lm_isr6));
	vm_set_gate64(vm, LM_IDT, 13, LM_ADDR(lm_isr13));
	vm_set_gate64(vm, LM_IDT, 0x40, LM_ADDR(lm_isr40));
	vm_set_gate(vm, LM_IDT, 0x41, LM_ADDR(lm_isr41), GATE_INTR, 3, 0);
	vm_set_gate(vm, LM_IDT, 0x42, LM_ADDR(lm_isr42), GATE_INTR, 0, 1);
	vm_set_gate64(vm, LM_IDT, 0x50, LM_ADDR(lm_isr50));
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, LM_IDT, 0xfff);
	/* CPL3 code and stack */
	GUEST_LOAD(vm, LM_UCODE, lm_user);
	vm_map_page(vm, LM_UCODE, LM_UCODE, PTE_U);
	vm_map_page(vm, LM_USTACK - 0x1000, LM_USTACK - 0x1000, PTE_W | PTE_U);
	return vcpu;
}

struct lm_report {
	uint64_t vec, err, rip, cs, orsp, oss, rsp, cr2, flags, ss;
};

static void lm_expect_report(struct vcpu *vcpu, struct lm_report *r)
{
	r->vec = vcpu_expect_out(vcpu, P_VEC) & 0xffffffff;
	r->err = vcpu_expect_out(vcpu, P_ERR) & 0xffffffff;
	r->rip = vcpu_expect_out(vcpu, P_RIP);
	r->cs = vcpu_expect_out(vcpu, P_CS) & 0xffff;
	r->orsp = vcpu_expect_out(vcpu, P_ORSP);
	r->oss = vcpu_expect_out(vcpu, P_OSS) & 0xffff;
	r->rsp = vcpu_expect_out(vcpu, P_RSP);
	r->cr2 = vcpu_expect_out(vcpu, P_CR2);
	r->flags = vcpu_expect_out(vcpu, P_FLAGS);
	r->ss = vcpu_expect_out(vcpu, P_SS) & 0xffff;
}

static uint64_t pte_gpa(struct vm *vm, uint64_t va)
{
	uint64_t table = vm->pml4_gpa;

	for (int level = 3; level >= 1; level--) {
		uint64_t *t = vm_gpa2hva(vm, table);
		table = t[(va >> (12 + 9 * level)) & 511] & 0x000ffffffffff000ull;
	}
	return table + 8 * ((va >> 12) & 511);
}

/* RSP in lm_common: the CPU's frame (5 qwords, or 6 with an error code)
 * plus the stub's (2, or 1) plus RAX and RDX: always 9 qwords. */
#define LM_HANDLER_RSP(top) ((top) - 72)

TEST(long_mode_exceptions)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = lm_setup(vm, LM_ADDR(lm_main));
	struct hv_message msg;
	struct lm_report r;

	/* #PF handler: maps LM_PF_VA -> LM_PF_GPA (PTE address in r14) */
	vm_set_gate64(vm, LM_IDT, 14, LM_ADDR(lm_isr14));
	vm_map_page(vm, LM_PF_VA, LM_PF_GPA, PTE_W);
	uint64_t pte = pte_gpa(vm, LM_PF_VA);
	*(uint64_t *)vm_gpa2hva(vm, pte) = 0;
	vcpu_set_reg(vcpu, HV_X64_REGISTER_R14, pte);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_R13, LM_PF_GPA | PTE_P | PTE_W);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_R15, 0);

	/* #DE: fault, RIP at the DIV, interrupt gate clears IF */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 0);
	TEST_ASSERT_EQ(r.err, 0);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_de_insn));
	TEST_ASSERT_EQ(r.cs, SEL_CODE64);
	TEST_ASSERT_EQ(r.orsp, STACK_TOP);
	TEST_ASSERT_EQ(r.oss, SEL_DATA);
	TEST_ASSERT_EQ(r.rsp, LM_HANDLER_RSP(STACK_TOP));
	TEST_ASSERT_EQ(r.flags & X86_RFLAGS_IF, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd0);

	/* #UD */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 6);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_ud_insn));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd1);

	/* INT3: trap, RIP after it; trap gate keeps IF; stack aligned to 16 */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 3);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_bp_next));
	TEST_ASSERT_EQ(r.orsp, STACK_TOP - 8);
	TEST_ASSERT_EQ(r.rsp, LM_HANDLER_RSP(STACK_TOP - 16));
	TEST_ASSERT(r.flags & X86_RFLAGS_IF, "trap gate cleared IF: %#llx",
		    (unsigned long long)r.flags);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd2);

	/* #GP(selector) */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 13);
	TEST_ASSERT_EQ(r.err, 0x1234);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_gp_insn));
	TEST_ASSERT_EQ(r.rsp, LM_HANDLER_RSP(STACK_TOP));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd3);

	/* #GP(0): non-canonical address */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 13);
	TEST_ASSERT_EQ(r.err, 0);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_gp2_insn));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd4);

	/* #PF: write to a not-present page; CR2 and error code (W) */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 14);
	TEST_ASSERT_EQ(r.err, 0x2);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_pf_insn));
	TEST_ASSERT_EQ(r.cr2, LM_PF_VA + 8);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xffffffff, 0x5a5a5a5a);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, LM_PF_GPA + 8), 0x5a5a5a5a);

	/* INT 0x42 through an IST gate: the stack switches at CPL0 */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 0x42);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_ist_next));
	TEST_ASSERT_EQ(r.orsp, STACK_TOP);
	TEST_ASSERT_EQ(r.oss, SEL_DATA);
	TEST_ASSERT_EQ(r.rsp, LM_HANDLER_RSP(LM_IST1));
	TEST_ASSERT_EQ(r.ss, SEL_DATA);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd5);

	/* CPL3: INT 0x40 to a DPL0 gate is #GP(0x40 * 8 + 2), delivered on
	 * TSS.RSP0 with a NULL SS */
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 13);
	TEST_ASSERT_EQ(r.err, 0x40 * 8 + 2);
	TEST_ASSERT_EQ(r.rip, LM_UCODE + GUEST_OFF(lm_user, lm_user_int));
	TEST_ASSERT_EQ(r.cs, SEL_UCODE);
	TEST_ASSERT_EQ(r.orsp, LM_USTACK);
	TEST_ASSERT_EQ(r.oss, SEL_UDATA);
	TEST_ASSERT_EQ(r.rsp, LM_HANDLER_RSP(LM_RSP0));
	TEST_ASSERT_EQ(r.ss, 0);
	/* INT 0x41 (DPL3 gate) from CPL3 */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_VEC) & 0xff, 0x41);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CS) & 0xffff, SEL_UCODE);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RSP), LM_RSP0 - 40);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xd6);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

/* HV_REGISTER_PENDING_INTERRUPTION: injected at the next RUN_VP, cleared. */
TEST(pending_interruption)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = lm_setup(vm, LM_ADDR(lm_idle));
	union hv_register_value v;
	struct lm_report r;

	/* NMI: blocks further NMIs until IRET */
	memset(&v, 0, sizeof(v));
	v.pending_interruption.interruption_pending = 1;
	v.pending_interruption.interruption_type = HV_X64_PENDING_NMI;
	v.pending_interruption.interruption_vector = 2;
	vcpu_set_reg128(vcpu, HV_REGISTER_PENDING_INTERRUPTION, &v);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_VEC) & 0xff, 2);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_PENDING_INTERRUPTION) & 1, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERRUPT_STATE) & 2, 2);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_ERR), 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_RIP), LM_ADDR(lm_idle));
	for (int p = P_CS; p <= P_SS; p++)
		(void)vcpu_expect_out(vcpu, (uint16_t)p);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xe0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERRUPT_STATE) & 2, 0);

	/* external interrupt vector 0x50, IF = 1 */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, LM_ADDR(lm_idle));
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RFLAGS, 0x202);
	memset(&v, 0, sizeof(v));
	v.pending_interruption.interruption_pending = 1;
	v.pending_interruption.interruption_type = HV_X64_PENDING_INTERRUPT;
	v.pending_interruption.interruption_vector = 0x50;
	vcpu_set_reg128(vcpu, HV_REGISTER_PENDING_INTERRUPTION, &v);
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 0x50);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_idle));
	TEST_ASSERT_EQ(r.flags & X86_RFLAGS_IF, 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xe0);

	/* an exception with an error code */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, LM_ADDR(lm_idle));
	memset(&v, 0, sizeof(v));
	v.pending_interruption.interruption_pending = 1;
	v.pending_interruption.interruption_type = HV_X64_PENDING_EXCEPTION;
	v.pending_interruption.interruption_vector = 13;
	v.pending_interruption.deliver_error_code = 1;
	v.pending_interruption.error_code = 0x18;
	vcpu_set_reg128(vcpu, HV_REGISTER_PENDING_INTERRUPTION, &v);
	lm_expect_report(vcpu, &r);
	TEST_ASSERT_EQ(r.vec, 13);
	TEST_ASSERT_EQ(r.err, 0x18);
	TEST_ASSERT_EQ(r.rip, LM_ADDR(lm_idle));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xe0);
	vm_destroy(vm);
}

/* #PF whose IDT entry is not present: #NP while delivering it -> #DF. */
TEST(double_fault)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = lm_setup(vm, LM_ADDR(lm_pf_only));

	vm_set_gate64(vm, LM_IDT, 8, LM_ADDR(lm_isr8));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_VEC) & 0xff, 8);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_ERR) & 0xffffffff, 0);
	/* the saved CS:RIP of a #DF are undefined; CR2 is the #PF's */
	(void)vcpu_expect_out(vcpu, P_RIP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CS) & 0xffff, SEL_CODE64);
	(void)vcpu_expect_out(vcpu, P_ORSP);
	(void)vcpu_expect_out(vcpu, P_OSS);
	(void)vcpu_expect_out(vcpu, P_RSP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_CR2), LM_PF_VA + 8);
	vm_destroy(vm);
}

/* ... and with the #DF entry missing too: a triple fault. */
TEST(triple_fault)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = lm_setup(vm, LM_ADDR(lm_pf_only));
	struct hv_message msg;
	uint32_t t = vcpu_run_ok(vcpu, &msg);

	TEST_ASSERT(t == HVMSG_UNRECOVERABLE_EXCEPTION, "got %s (%#x)", msg_type_name(t), t);
	TEST_ASSERT_EQ(msg_hdr(&msg)->vp_index, 0);
	vm_destroy(vm);
}

/* A trap with no IDT at all (INT3, limit 0): a triple fault after which
 * the VP stays in the shutdown state, whatever follows the INT3, until
 * the VMM resets it. */
TEST(shutdown_persists)
{
	/* int3; mov $0x77,%al; out %al,$0x10; hlt -- then a reset target */
	static const uint8_t code[] = { 0xcc, 0xb0, 0x77, 0xe6, 0x10, 0xf4 };
	static const uint8_t reset[] = { 0xb0, 0x5c, 0xe6, 0x10, 0xf4 };
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	vm_load(vm, 0x9000, code, sizeof code);
	vm_load(vm, 0x9800, reset, sizeof reset);
	vcpu_setup_long_mode(vcpu, 0x9000, STACK_TOP);
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, 0, 0);
	for (int i = 0; i < 3; i++) {
		uint32_t t = vcpu_run_ok(vcpu, &msg);
		TEST_ASSERT(t == HVMSG_UNRECOVERABLE_EXCEPTION, "run %d: %s (%#x) at %#llx", i,
			    msg_type_name(t), t, (unsigned long long)msg_hdr(&msg)->rip);
	}
	vcpu_setup_long_mode(vcpu, 0x9800, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x5c);
	vm_destroy(vm);
}

static struct hv_x64_exception_intercept_message *
expect_exception_intercept(struct vcpu *vcpu, struct hv_message *msg)
{
	uint32_t t = vcpu_run_ok(vcpu, msg);

	TEST_ASSERT(t == HVMSG_X64_EXCEPTION_INTERCEPT, "got %s (%#x) at %#llx",
		    msg_type_name(t), t, (unsigned long long)msg_hdr(msg)->rip);
	return (struct hv_x64_exception_intercept_message *)msg->u.payload;
}

TEST(exception_intercept)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = lm_setup(vm, LM_ADDR(lm_icpt));
	struct hv_message msg;
	struct hv_x64_exception_intercept_message *m;

	vm_intercept_exception(vm, 3);
	vm_intercept_exception(vm, 6);

	m = expect_exception_intercept(vcpu, &msg);
	TEST_ASSERT_EQ(m->exception_vector, 3);
	TEST_ASSERT_EQ(m->exception_info.error_code_valid, 0);
	TEST_ASSERT_EQ(m->exception_info.software_exception, 1);
	TEST_ASSERT_EQ(m->header.rip, LM_ADDR(lm_icpt_bp));
	TEST_ASSERT_EQ(m->header.vp_index, 0);
	TEST_ASSERT_EQ(m->header.cs_segment.selector, SEL_CODE64);
	TEST_ASSERT(m->instruction_byte_count >= 1 && m->instruction_bytes[0] == 0xcc,
		    "instruction bytes: %u, %#x", m->instruction_byte_count,
		    m->instruction_bytes[0]);
	TEST_ASSERT_EQ(m->rbx, 0x1122334455667788ull);
	TEST_ASSERT_EQ(m->rsp, STACK_TOP);
	TEST_ASSERT_EQ(m->ds_segment.selector, SEL_DATA);
	TEST_ASSERT_EQ(m->ss_segment.selector, SEL_DATA);
	/* nothing was delivered or executed */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), LM_ADDR(lm_icpt_bp));
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RSP), STACK_TOP);

	/* the VMM skips the INT3: #UD is intercepted too */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, LM_ADDR(lm_icpt_bp) + 1);
	m = expect_exception_intercept(vcpu, &msg);
	TEST_ASSERT_EQ(m->exception_vector, 6);
	TEST_ASSERT_EQ(m->exception_info.error_code_valid, 0);
	TEST_ASSERT_EQ(m->exception_info.software_exception, 0);
	TEST_ASSERT_EQ(m->header.rip, LM_ADDR(lm_icpt_ud));
	TEST_ASSERT(m->instruction_byte_count >= 2 && m->instruction_bytes[0] == 0x0f &&
		    m->instruction_bytes[1] == 0x0b, "instruction bytes: %u, %#x %#x",
		    m->instruction_byte_count, m->instruction_bytes[0],
		    m->instruction_bytes[1]);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), LM_ADDR(lm_icpt_ud));
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, LM_ADDR(lm_icpt_ud) + 2);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, P_MARK) & 0xff, 0xe1);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(long_mode_exceptions),
	TEST_ENTRY(pending_interruption),
	TEST_ENTRY(double_fault),
	TEST_ENTRY(triple_fault),
	TEST_ENTRY(shutdown_persists),
	TEST_ENTRY(exception_intercept),
)
