/* SPDX-License-Identifier: MIT */
/*
 * Several VPs of one partition, each on its own thread: IPIs between VPs
 * through the ICR (physical, all-but-self, logical flat), INIT/SIPI bring-up of an AP into a real-mode
 * trampoline, and a lock-cmpxchg spinlock shared by 4 VPs guarding a
 * non-atomic counter, whose total must be exact, and code written by one
 * VP that another VP has already executed, run again in its new form.
 */
#include "vmm.h"

#include <pthread.h>
#include <time.h>

#define APIC_GPA	0xfee00000ull
#define SM_IDT		0x20000ull
#define SM_TRAMP	0x30000ull	/* SIPI vector 0x30 */
#define SM_SPIN16	0x3000ull	/* AP's real-mode spin loop */
#define LOCK_GPA	0x9000ull
#define COUNT_GPA	0x9008ull
#define PERVP_GPA	0x9100ull
#define SPIN_N		20000
#define XMC_GPA		0x6000ull	/* code page rewritten by VP 0 */

#define PT_LAPIC ((1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC))

GUEST_CODE(smp_guest,
	".code64\n"
	GUEST_LABEL(sm_enable)
	"movl $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"ret\n"

	/* VP 1: waits for IPI 0x50 */
	GUEST_LABEL(sm_vp1)
	"call sm_enable\n"
	"sti\n"
	"movl $1, 0x8000\n"
	"1: hlt\n jmp 1b\n"
	/* VP 0: IPI 0x50 to APIC 1, then waits for 0x51 back */
	GUEST_LABEL(sm_vp0)
	"call sm_enable\n"
	"sti\n"
	"1: pause\n cmpl $1, 0x8000\n jne 1b\n"
	"movl $0x01000000, 0x310(%rbx)\n"
	"movl $0x4050, 0x300(%rbx)\n"
	/* Wait for the flag the 0x51 handler sets, idling as Linux does
	 * (check with IF=0, then STI;HLT, which takes no interrupt between
	 * them): the answer may arrive before this VP reaches its HLT. */
	"2: cli\n cmpl $1, 0x8004\n je 3f\n sti\n hlt\n jmp 2b\n"
	"3: sti\n"
	"movl $0xc0, %eax\n outl %eax, $0x40\n"
	"cli\n hlt\n"
	/* on VP 1: answer VP 0, report our APIC ID */
	GUEST_LABEL(sm_isr50)
	"pushq %rax\n pushq %rcx\n"
	"movl $0xfee00000, %ecx\n"
	"movl $0, 0x310(%rcx)\n movl $0x4051, 0x300(%rcx)\n"
	"movl $0, 0xb0(%rcx)\n"
	"movl 0x20(%rcx), %eax\n outl %eax, $0x41\n"
	"popq %rcx\n popq %rax\n iretq\n"
	/* on VP 0 */
	GUEST_LABEL(sm_isr51)
	"pushq %rax\n pushq %rcx\n"
	"movl $0xfee00000, %ecx\n"
	"movl 0x20(%rcx), %eax\n outl %eax, $0x40\n"
	"movl $1, 0x8004\n"
	"movl $0, 0xb0(%rcx)\n"
	"popq %rcx\n popq %rax\n iretq\n"

	/* VP 0: INIT, INIT de-assert, SIPI, SIPI to APIC 1 */
	GUEST_LABEL(sm_boot)
	"call sm_enable\n"
	"movl $0x01000000, 0x310(%rbx)\n movl $0x4500, 0x300(%rbx)\n"
	"movl $0x01000000, 0x310(%rbx)\n movl $0x8500, 0x300(%rbx)\n"
	"movl $0x01000000, 0x310(%rbx)\n movl $0x4630, 0x300(%rbx)\n"
	"movl $0xc1, %eax\n outl %eax, $0x40\n"
	"1: pause\n cmpw $1, 0x30100\n jne 1b\n"	/* the AP ran */
	"movl $0x01000000, 0x310(%rbx)\n movl $0x4630, 0x300(%rbx)\n"
	"movl $0xc2, %eax\n outl %eax, $0x40\n"
	"cli\n hlt\n"

	/* APs: logical ID (flat) 1 << APIC ID, then wait for IPIs */
	GUEST_LABEL(sm_ap)
	"call sm_enable\n"
	"movl 0x20(%rbx), %ecx\n shrl $24, %ecx\n"
	"movl $1, %eax\n shll %cl, %eax\n shll $24, %eax\n"
	"movl %eax, 0xd0(%rbx)\n"
	"lock incl 0x8000\n"
	"sti\n"
	"1: hlt\n jmp 1b\n"
	/* VP 0: fixed 0x52 to all but self, then 0x53 to logical 0x0c */
	GUEST_LABEL(sm_bcast)
	"call sm_enable\n"
	"1: pause\n cmpl $3, 0x8000\n jne 1b\n"
	"movl $0, 0x310(%rbx)\n movl $0xc4052, 0x300(%rbx)\n"
	"2: pause\n cmpl $3, 0x8008\n jne 2b\n"
	"movl $0x0c000000, 0x310(%rbx)\n movl $0x4853, 0x300(%rbx)\n"
	"3: pause\n cmpl $5, 0x8008\n jne 3b\n"
	"movl $0xc3, %eax\n outl %eax, $0x40\n"
	"cli\n hlt\n"
	GUEST_LABEL(sm_isr52) "pushq $0x52\n jmp sm_report\n"
	GUEST_LABEL(sm_isr53) "pushq $0x53\n jmp sm_report\n"
	"sm_report:\n"
	"pushq %rax\n pushq %rcx\n"
	"movl $0xfee00000, %ecx\n"
	"movl $0, 0xb0(%rcx)\n"
	"lock incl 0x8008\n"
	"movl 0x20(%rcx), %eax\n shrl $24, %eax\n"
	"movb 16(%rsp), %ah\n"			/* vector << 8 | APIC ID */
	"outl %eax, $0x45\n"
	"popq %rcx\n popq %rax\n addq $8, %rsp\n iretq\n"

	/* spinlock: ESI iterations, RDI = this VP's own counter */
	GUEST_LABEL(sm_spin)
	"movl $1, %edx\n"
	"1: xorl %eax, %eax\n"
	"lock cmpxchgl %edx, 0x9000\n"
	"jz 2f\n"
	"pause\n jmp 1b\n"
	"2: movq 0x9008, %rax\n"			/* not atomic: the lock */
	"incq %rax\n"					/* must make it so */
	"movq %rax, 0x9008\n"
	"incq (%rdi)\n"
	"movl $0, 0x9000\n"
	"decl %esi\n jnz 1b\n"
	"movl $0xd0, %eax\n outl %eax, $0x44\n"
	"cli\n hlt\n"

	/* cross-modifying code: VP 0 rewrites the routine at XMC_GPA that
	 * VP 1 has already executed once, VP 1 runs it again */
	GUEST_LABEL(sm_xmc0)
	"1: pause\n cmpl $1, 0x8010\n jne 1b\n"	/* VP 1 ran the old code */
	"leaq sm_new(%rip), %rsi\n"
	"movl $0x6000, %edi\n"
	"movl $(sm_new_end - sm_new), %ecx\n"
	"rep movsb\n"
	"movl $1, 0x8014\n"
	"movl $0xe0, %eax\n outl %eax, $0x40\n"
	"cli\n hlt\n"
	GUEST_LABEL(sm_xmc1)
	"movl $0x6000, %eax\n call *%rax\n"
	"outl %eax, $0x46\n"
	"movl $1, 0x8010\n"
	"1: pause\n cmpl $1, 0x8014\n jne 1b\n"
	"xorl %eax, %eax\n cpuid\n"			/* serialize (SDM 8.1.3) */
	"movl $0x6000, %eax\n call *%rax\n"
	"outl %eax, $0x46\n"
	"cli\n hlt\n"
	/* idle VP 1, as Linux's idle loop: CLI, check for work, STI; HLT */
	GUEST_LABEL(sm_idle)
	"call sm_enable\n"
	"movl $1, 0x8018\n"
	"1: cli\n cmpl $0, 0x801c\n jne 2f\n"
	"sti\n hlt\n jmp 1b\n"
	"2: movl 0x8020, %eax\n outl %eax, $0x41\n"
	"cli\n hlt\n"
	GUEST_LABEL(sm_isr60)
	"pushq %rcx\n"
	"movl $0xfee00000, %ecx\n"
	"incl 0x8020\n"
	"movl $0, 0xb0(%rcx)\n"
	"popq %rcx\n iretq\n"
	/* VP 0: ESI IPIs 0x60 to APIC 1, each waiting for its handler */
	GUEST_LABEL(sm_storm)
	"call sm_enable\n"
	"1: pause\n cmpl $1, 0x8018\n jne 1b\n"
	"2: movl 0x8020, %eax\n"
	"movl $0x01000000, 0x310(%rbx)\n movl $0x4060, 0x300(%rbx)\n"
	"3: pause\n cmpl 0x8020, %eax\n je 3b\n"
	"decl %esi\n jnz 2b\n"
	"movl $1, 0x801c\n"
	"movl $0x01000000, 0x310(%rbx)\n movl $0x4060, 0x300(%rbx)\n"
	"movl $0xc5, %eax\n outl %eax, $0x40\n"
	"cli\n hlt\n"
	GUEST_LABEL(sm_old)
	"movl $0x1111, %eax\n ret\n"
	GUEST_LABEL(sm_old_end)
	GUEST_LABEL(sm_new)
	"movl $0x1234, %eax\n xorl $0x560000, %eax\n addl $0x21, %eax\n ret\n"
	GUEST_LABEL(sm_new_end));
GUEST_EXTERN(sm_vp0); GUEST_EXTERN(sm_vp1); GUEST_EXTERN(sm_isr50);
GUEST_EXTERN(sm_isr51); GUEST_EXTERN(sm_boot); GUEST_EXTERN(sm_spin);
GUEST_EXTERN(sm_ap); GUEST_EXTERN(sm_bcast); GUEST_EXTERN(sm_isr52);
GUEST_EXTERN(sm_isr53); GUEST_EXTERN(sm_xmc0); GUEST_EXTERN(sm_xmc1);
GUEST_EXTERN(sm_old); GUEST_EXTERN(sm_old_end); GUEST_EXTERN(sm_idle);
GUEST_EXTERN(sm_isr60); GUEST_EXTERN(sm_storm);

/* The AP's start: real mode at SIPI vector 0x30 (CS 0x3000, IP 0). */
GUEST_CODE(smp_tramp,
	".code16\n"
	"movw %cs, %ax\n outw %ax, $0x42\n"
	"incw %cs:0x100\n"
	"movw %cs:0x100, %ax\n outw %ax, $0x43\n"
	"cli\n hlt\n");

/* What the AP runs before INIT: a spin loop. */
GUEST_CODE(smp_spin16,
	".code16\n"
	"1: pause\n jmp 1b\n");

#define SM_ADDR(l) (CODE_GPA + GUEST_OFF(smp_guest, l))

static struct vm *sm_vm(void)
{
	struct vm *vm = vm_create_default(PT_LAPIC);

	GUEST_LOAD(vm, CODE_GPA, smp_guest);
	memset(vm_gpa2hva(vm, DATA_GPA), 0, 0x100);
	memset(vm_gpa2hva(vm, SM_IDT), 0, 0x1000);
	memset(vm_gpa2hva(vm, LOCK_GPA), 0, 0x200);
	vm_set_gate64(vm, SM_IDT, 0x50, SM_ADDR(sm_isr50));
	vm_set_gate64(vm, SM_IDT, 0x51, SM_ADDR(sm_isr51));
	vm_set_gate64(vm, SM_IDT, 0x52, SM_ADDR(sm_isr52));
	vm_set_gate64(vm, SM_IDT, 0x53, SM_ADDR(sm_isr53));
	vm_set_gate64(vm, SM_IDT, 0x60, SM_ADDR(sm_isr60));
	return vm;
}

static struct vcpu *sm_vcpu(struct vm *vm, uint32_t index, uint64_t rip)
{
	struct vcpu *vcpu = vcpu_create(vm, index);
	union hv_register_value v;

	vcpu_setup_long_mode(vcpu, rip, STACK_TOP - 0x1000 * index);
	if (index == 0)
		vm_map_page(vm, APIC_GPA, APIC_GPA, PTE_W);
	memset(&v, 0, sizeof(v));
	v.table.base = SM_IDT;
	v.table.limit = 0xfff;
	vcpu_set_reg128(vcpu, HV_X64_REGISTER_IDTR, &v);
	return vcpu;
}

struct job {
	struct vcpu *vcpu;
	void (*fn)(struct job *);
	uint64_t got[4];
};

static void *job_thread(void *arg)
{
	struct job *j = arg;

	j->fn(j);
	return NULL;
}

static void run_jobs(struct job *j, int n)
{
	pthread_t th[8];

	for (int i = 0; i < n; i++)
		TEST_ASSERT_OK(pthread_create(&th[i], NULL, job_thread, &j[i]));
	for (int i = 0; i < n; i++)
		TEST_ASSERT_OK(pthread_join(th[i], NULL));
}

static void ipi_vp0(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x40);	/* from the 0x51 handler */
	j->got[1] = vcpu_expect_out(j->vcpu, 0x40);
}

static void ipi_vp1(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x41);
}

/* VP 0 sends a fixed IPI to APIC 1, whose handler answers with another. */
TEST(ipi_between_vps)
{
	struct vm *vm = sm_vm();
	struct job j[2] = {
		{ .vcpu = sm_vcpu(vm, 0, SM_ADDR(sm_vp0)), .fn = ipi_vp0 },
		{ .vcpu = sm_vcpu(vm, 1, SM_ADDR(sm_vp1)), .fn = ipi_vp1 },
	};

	run_jobs(j, 2);
	TEST_ASSERT_EQ(j[1].got[0] & 0xffffffff, 0x01000000);	/* VP 1's ID */
	TEST_ASSERT_EQ(j[0].got[0] & 0xffffffff, 0);		/* VP 0's ID */
	TEST_ASSERT_EQ(j[0].got[1] & 0xff, 0xc0);
	vcpu_destroy(j[0].vcpu);
	vcpu_destroy(j[1].vcpu);
	vm_destroy(vm);
}

static void bcast_bsp(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x40);
}

/* got[0] = how many reports to wait for; then the reports */
static void bcast_ap(struct job *j)
{
	uint64_t n = j->got[0];

	for (uint64_t i = 0; i < n; i++)
		j->got[1 + i] = vcpu_expect_out(j->vcpu, 0x45) & 0xffff;
}

/* The ICR's all-excluding-self shorthand reaches VPs 1-3 and not VP 0;
 * a logical (flat) destination reaches exactly the VPs whose LDR bits it
 * names. */
TEST(ipi_broadcast_logical)
{
	struct vm *vm = sm_vm();
	struct job j[4];

	memset(j, 0, sizeof(j));
	j[0].vcpu = sm_vcpu(vm, 0, SM_ADDR(sm_bcast));
	j[0].fn = bcast_bsp;
	for (uint32_t i = 1; i < 4; i++) {
		j[i].vcpu = sm_vcpu(vm, i, SM_ADDR(sm_ap));
		j[i].fn = bcast_ap;
		j[i].got[0] = i == 1 ? 1 : 2;	/* LDR 1<<2, 1<<3 match 0x0c */
	}
	run_jobs(j, 4);
	TEST_ASSERT_EQ(j[0].got[0] & 0xff, 0xc3);
	for (uint32_t i = 1; i < 4; i++) {
		TEST_ASSERT_EQ(j[i].got[1], 0x5200u | i);
		if (i > 1)
			TEST_ASSERT_EQ(j[i].got[2], 0x5300u | i);
	}
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, DATA_GPA + 8), 5);
	for (int i = 0; i < 4; i++)
		vcpu_destroy(j[i].vcpu);
	vm_destroy(vm);
}

static void boot_bsp(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x40);
	j->got[1] = vcpu_expect_out(j->vcpu, 0x40);
}

static void boot_ap(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x42);
	j->got[1] = vcpu_expect_out(j->vcpu, 0x43);
	/* CLI; HLT in a LAPIC partition: halted until a signal */
	vcpu_expect_halted(j->vcpu);
}

/* VP 1 spins in real mode until VP 0's INIT puts it into wait-for-SIPI;
 * the SIPI starts it at vector << 12; a second SIPI is ignored. */
TEST(init_sipi_bringup)
{
	struct vm *vm = sm_vm();
	struct vcpu *ap = vcpu_create(vm, 1);

	GUEST_LOAD(vm, SM_TRAMP, smp_tramp);
	GUEST_LOAD(vm, SM_SPIN16, smp_spin16);
	*(uint16_t *)vm_gpa2hva(vm, SM_TRAMP + 0x100) = 0;
	vcpu_setup_real_mode(ap, SM_SPIN16 >> 4, 0);

	struct job j[2] = {
		{ .vcpu = ap, .fn = boot_ap },
		{ .vcpu = sm_vcpu(vm, 0, SM_ADDR(sm_boot)), .fn = boot_bsp },
	};
	run_jobs(j, 2);
	TEST_ASSERT_EQ(j[1].got[0] & 0xff, 0xc1);
	TEST_ASSERT_EQ(j[1].got[1] & 0xff, 0xc2);
	TEST_ASSERT_EQ(j[0].got[0] & 0xffff, SM_TRAMP >> 4);	/* CS = vector << 8 */
	TEST_ASSERT_EQ(j[0].got[1] & 0xffff, 1);
	TEST_ASSERT_EQ(*(uint16_t *)vm_gpa2hva(vm, SM_TRAMP + 0x100), 1);
	vcpu_destroy(j[0].vcpu);
	vcpu_destroy(j[1].vcpu);
	vm_destroy(vm);
}

/* An AP the VMM never touched waits for INIT/SIPI: RUN_VP runs nothing
 * (no fetch from the reset vector, nothing written) until the BSP's SIPI,
 * which starts it in real mode at CS = vector << 8, IP = 0. */
TEST(ap_waits_for_sipi)
{
	struct vm *vm = sm_vm();
	struct vcpu *ap = vcpu_create(vm, 1);
	uint16_t *count = vm_gpa2hva(vm, SM_TRAMP + 0x100);

	GUEST_LOAD(vm, SM_TRAMP, smp_tramp);
	*count = 0;
	union hv_internal_activity_register a = {
		.as_uint64 = vcpu_get_reg(ap, HV_REGISTER_INTERNAL_ACTIVITY_STATE),
	};
	TEST_ASSERT_EQ(a.startup_suspend, 1);
	vcpu_expect_wait_sipi(ap);
	vcpu_expect_wait_sipi(ap);
	TEST_ASSERT_EQ(*count, 0);

	struct job j[2] = {
		{ .vcpu = ap, .fn = boot_ap },
		{ .vcpu = sm_vcpu(vm, 0, SM_ADDR(sm_boot)), .fn = boot_bsp },
	};
	run_jobs(j, 2);
	TEST_ASSERT_EQ(j[0].got[0] & 0xffff, SM_TRAMP >> 4);	/* CS = vector << 8 */
	TEST_ASSERT_EQ(j[0].got[1] & 0xffff, 1);
	TEST_ASSERT_EQ(*count, 1);		/* the second SIPI is ignored */
	TEST_ASSERT_EQ(vcpu_get_reg(ap, HV_X64_REGISTER_RIP), 0x11);	/* after its HLT */
	vcpu_destroy(j[0].vcpu);
	vcpu_destroy(j[1].vcpu);
	vm_destroy(vm);
}

static void spin_job(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x44);
}

/* 4 VPs on 4 threads, RUN_VP at once: a lock cmpxchg spinlock keeps a
 * plain read-increment-write counter exact. */
TEST(spinlock_4vps)
{
	struct vm *vm = sm_vm();
	struct job j[4];

	memset(j, 0, sizeof(j));
	for (uint32_t i = 0; i < 4; i++) {
		j[i].vcpu = sm_vcpu(vm, i, SM_ADDR(sm_spin));
		j[i].fn = spin_job;
		vcpu_set_reg(j[i].vcpu, HV_X64_REGISTER_RSI, SPIN_N);
		vcpu_set_reg(j[i].vcpu, HV_X64_REGISTER_RDI, PERVP_GPA + 8 * i);
	}
	run_jobs(j, 4);
	for (int i = 0; i < 4; i++) {
		TEST_ASSERT_EQ(j[i].got[0] & 0xff, 0xd0);
		TEST_ASSERT_EQ(*(uint64_t *)vm_gpa2hva(vm, PERVP_GPA + 8 * i), SPIN_N);
	}
	TEST_ASSERT_EQ(*(uint64_t *)vm_gpa2hva(vm, COUNT_GPA), 4ull * SPIN_N);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, LOCK_GPA), 0);
	for (int i = 0; i < 4; i++)
		vcpu_destroy(j[i].vcpu);
	vm_destroy(vm);
}

static void xmc_vp0(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x40);
}

static void xmc_vp1(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x46);	/* old routine */
	j->got[1] = vcpu_expect_out(j->vcpu, 0x46);	/* rewritten by VP 0 */
}

/* Code written by one VP is executed correctly by another: VP 1 runs a
 * routine (so it is translated), VP 0 overwrites it with a different
 * instruction sequence, and VP 1's second call returns the new value. */
TEST(cross_vp_code_write)
{
	struct vm *vm = sm_vm();

	vm_load(vm, XMC_GPA, sm_old, (size_t)(sm_old_end - sm_old));
	memset(vm_gpa2hva(vm, DATA_GPA + 0x10), 0, 8);

	struct job j[2] = {
		{ .vcpu = sm_vcpu(vm, 0, SM_ADDR(sm_xmc0)), .fn = xmc_vp0 },
		{ .vcpu = sm_vcpu(vm, 1, SM_ADDR(sm_xmc1)), .fn = xmc_vp1 },
	};
	run_jobs(j, 2);
	TEST_ASSERT_EQ(j[0].got[0] & 0xff, 0xe0);
	TEST_ASSERT_EQ(j[1].got[0] & 0xffffffff, 0x1111);
	TEST_ASSERT_EQ(j[1].got[1] & 0xffffffff, (0x1234 ^ 0x560000) + 0x21);
	vcpu_destroy(j[0].vcpu);
	vcpu_destroy(j[1].vcpu);
	vm_destroy(vm);
}

static void storm_vp0(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x40);
}

static void storm_vp1(struct job *j)
{
	j->got[0] = vcpu_expect_out(j->vcpu, 0x41);
}

/* A VP idling as Linux does (CLI, check, STI; HLT) takes every one of
 * many IPIs, each sent only after the previous one was handled: one lost
 * wake-up and VP 0 spins for ever (the test's time limit). */
TEST(ipi_storm_to_idle_vp)
{
	struct vm *vm = sm_vm();
	struct job j[2] = {
		{ .vcpu = sm_vcpu(vm, 0, SM_ADDR(sm_storm)), .fn = storm_vp0 },
		{ .vcpu = sm_vcpu(vm, 1, SM_ADDR(sm_idle)), .fn = storm_vp1 },
	};
	unsigned n = getenv("SMP_STORM_N") ? (unsigned)atoi(getenv("SMP_STORM_N")) : 2000;

	vcpu_set_reg(j[0].vcpu, HV_X64_REGISTER_RSI, n);
	run_jobs(j, 2);
	TEST_ASSERT_EQ(j[0].got[0] & 0xff, 0xc5);
	/* n IPIs and the last one that ends the idle loop (it may or may
	 * not be taken before VP 1 sees the flag) */
	TEST_ASSERT(j[1].got[0] >= n && j[1].got[0] <= n + 1, "VP 1 took %llu IPIs of %u",
		    (unsigned long long)j[1].got[0], n);
	vcpu_destroy(j[0].vcpu);
	vcpu_destroy(j[1].vcpu);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(ipi_between_vps),
	TEST_ENTRY(ipi_broadcast_logical),
	TEST_ENTRY(init_sipi_bringup),
	TEST_ENTRY(ap_waits_for_sipi),
	TEST_ENTRY(spinlock_4vps),
	TEST_ENTRY(cross_vp_code_write),
	TEST_ENTRY(ipi_storm_to_idle_vp),
)
