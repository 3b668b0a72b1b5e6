/* SPDX-License-Identifier: MIT */
/*
 * The local APIC as a guest sees it: HVCALL_ASSERT_VIRTUAL_INTERRUPT
 * waking a halted VP and running its handler (fixed and NMI), TPR masking
 * and EOI, xAPIC MMIO and x2APIC MSR registers with self-IPIs, the timer
 * (masked one-shot, periodic, TSC-deadline), and MSHV_GET/SET_VP_STATE
 * (LAPIC) round trips the way QEMU sets LINT0/LINT1.
 *
 * Handlers report on port 0x31 (vector) and 0x34 (PPR inside the handler).
 */
#include "vmm.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define APIC_GPA	0xfee00000ull
#define LA_IDT		0x20000ull
#define D_X2		0x8008ull	/* guest flag: EOI through x2APIC MSRs */
#define D_TICKS		0x8010ull	/* timer interrupts taken */
#define D_IRQS		0x8018ull	/* reported interrupts taken */

#define PT_LAPIC ((1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC))

GUEST_CODE(lapic_guest,
	".code64\n"
	GUEST_LABEL(la_enable)
	"movl $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"		/* SVR: enabled, spurious 0xff */
	"ret\n"

	/* halt with interrupts on; handlers run from the HLT */
	GUEST_LABEL(la_halt)
	"call la_enable\n"
	"movl $0xa0, %eax\n outl %eax, $0x30\n"
	"sti\n"
	"1: hlt\n jmp 1b\n"

	/* TPR 0x50 holds 0x45 back and lets 0x61 through */
	GUEST_LABEL(la_tpr)
	"call la_enable\n"
	"movl $0x50, 0x80(%rbx)\n"
	"movl $0xa1, %eax\n outl %eax, $0x30\n"
	"sti\n nop\n nop\n nop\n"
	"movl $0xa2, %eax\n outl %eax, $0x32\n"
	"movl $0, 0x80(%rbx)\n nop\n nop\n"
	"movl $0xa3, %eax\n outl %eax, $0x33\n"
	"cli\n hlt\n"

	/* registers: xAPIC MMIO, then x2APIC MSRs */
	GUEST_LABEL(la_regs)
	"call la_enable\n"
	"movl 0x20(%rbx), %eax\n outl %eax, $0x35\n"	/* ID */
	"movl 0x30(%rbx), %eax\n outl %eax, $0x35\n"	/* version */
	"movl $0x03000000, 0xd0(%rbx)\n"
	"movl 0xd0(%rbx), %eax\n outl %eax, $0x35\n"	/* LDR */
	"movl 0xf0(%rbx), %eax\n outl %eax, $0x35\n"	/* SVR */
	"sti\n"
	"movl $0x40061, 0x300(%rbx)\n"			/* self IPI, 0x61 */
	"1: pause\n cmpl $1, 0x8018\n jb 1b\n"
	"movl $0xb0, %eax\n outl %eax, $0x36\n"
	"movl $0x1b, %ecx\n rdmsr\n orl $0x400, %eax\n wrmsr\n"	/* x2APIC on */
	"movl $1, 0x8008\n"
	"movl $0x802, %ecx\n rdmsr\n outl %eax, $0x35\n"	/* ID */
	"movl $0x80d, %ecx\n rdmsr\n outl %eax, $0x35\n"	/* LDR */
	"movl $0x80f, %ecx\n rdmsr\n outl %eax, $0x35\n"	/* SVR */
	"movl $0x83f, %ecx\n movl $0x61, %eax\n xorl %edx, %edx\n wrmsr\n"	/* SELF IPI */
	"2: pause\n cmpl $2, 0x8018\n jb 2b\n"
	"movl $0xb1, %eax\n outl %eax, $0x36\n"
	"cli\n hlt\n"

	/* timer: a masked one-shot never fires, a periodic one ticks */
	GUEST_LABEL(la_timer)
	"call la_enable\n"
	"movl $0xb, 0x3e0(%rbx)\n"			/* divide by 1 */
	"movl $0x10050, 0x320(%rbx)\n"			/* one-shot, masked */
	"movl $1000, 0x380(%rbx)\n"
	"1: movl 0x390(%rbx), %eax\n testl %eax, %eax\n jnz 1b\n"
	"movl 0x220(%rbx), %eax\n outl %eax, $0x37\n"	/* IRR 0x40-0x5f */
	"movl $0x20050, 0x320(%rbx)\n"			/* periodic */
	"movl $200000, 0x380(%rbx)\n"
	"movl 0x390(%rbx), %eax\n outl %eax, $0x38\n"
	"sti\n"
	"2: hlt\n cmpl $10, 0x8010\n jb 2b\n"
	"cli\n"
	"movl $0x10050, 0x320(%rbx)\n movl $0, 0x380(%rbx)\n"
	"movl 0x8010, %eax\n outl %eax, $0x38\n"
	"hlt\n"

	/* TSC-deadline timer, if CPUID says so */
	GUEST_LABEL(la_tscdl)
	"movl $1, %eax\n cpuid\n"
	"btl $24, %ecx\n jc 1f\n"
	"xorl %eax, %eax\n outl %eax, $0x39\n cli\n hlt\n"
	"1: movl $1, %eax\n outl %eax, $0x39\n"
	"call la_enable\n"
	"movl $0x40050, 0x320(%rbx)\n"			/* TSC-deadline mode */
	"rdtsc\n shlq $32, %rdx\n orq %rax, %rdx\n addq $2000000, %rdx\n"
	"movl %edx, %eax\n shrq $32, %rdx\n movl $0x6e0, %ecx\n wrmsr\n"
	"sti\n"
	"2: hlt\n cmpl $1, 0x8010\n jb 2b\n"
	"cli\n"
	"movl 0x8010, %eax\n outl %eax, $0x3a\n"
	"movl $0x6e0, %ecx\n rdmsr\n outl %eax, $0x3b\n"	/* 0 once fired */
	"hlt\n"

	/* MOV CR8 is the TPR (bits 7:4) */
	GUEST_LABEL(la_cr8)
	"call la_enable\n"
	"movl $9, %eax\n movq %rax, %cr8\n"
	"movl 0x80(%rbx), %eax\n outl %eax, $0x3c\n"
	"movl $0x30, 0x80(%rbx)\n"
	"movq %cr8, %rax\n outl %eax, $0x3c\n"
	"xorl %eax, %eax\n movq %rax, %cr8\n"
	"movq %cr8, %r9\n movl %r9d, %eax\n outl %eax, $0x3c\n"
	"movl $7, %eax\n movq %rax, %cr8\n"
	"movl $0x17, %eax\n"
	GUEST_LABEL(la_cr8_gp)
	"movq %rax, %cr8\n"		/* reserved bit 4: #GP(0) */
	"1: jmp 1b\n"

	/* LINT0/LINT1 as the VMM set them */
	GUEST_LABEL(la_lint)
	"movl $0xfee00000, %ebx\n"
	"movl 0x350(%rbx), %eax\n outl %eax, $0x35\n"
	"movl 0x360(%rbx), %eax\n outl %eax, $0x35\n"
	"cli\n hlt\n"

	/* handlers */
	GUEST_LABEL(la_isr2) "pushq $2\n jmp la_common\n"
	GUEST_LABEL(la_isr40) "pushq $0x40\n jmp la_common\n"
	GUEST_LABEL(la_isr45) "pushq $0x45\n jmp la_common\n"
	GUEST_LABEL(la_isr61) "pushq $0x61\n jmp la_common\n"
	"la_common:\n"
	"pushq %rax\n pushq %rcx\n pushq %rdx\n"
	"incl 0x8018\n"
	"movq 24(%rsp), %rax\n outl %eax, $0x31\n"
	"cmpq $2, 24(%rsp)\n je 3f\n"			/* NMI: no EOI */
	"cmpl $0, 0x8008\n jne 2f\n"
	"movl $0xfee00000, %ecx\n"
	"movl 0xa0(%rcx), %eax\n outl %eax, $0x34\n"	/* PPR */
	"movl $0, 0xb0(%rcx)\n"				/* EOI */
	"jmp 3f\n"
	"2: movl $0x80a, %ecx\n rdmsr\n outl %eax, $0x34\n"
	"movl $0x80b, %ecx\n xorl %eax, %eax\n xorl %edx, %edx\n wrmsr\n"
	"3: popq %rdx\n popq %rcx\n popq %rax\n addq $8, %rsp\n"
	"iretq\n"
	GUEST_LABEL(la_isr50)
	"pushq %rcx\n"
	"incl 0x8010\n"
	"movl $0xfee00000, %ecx\n movl $0, 0xb0(%rcx)\n"
	"popq %rcx\n"
	"iretq\n");
GUEST_EXTERN(la_halt); GUEST_EXTERN(la_tpr); GUEST_EXTERN(la_regs);
GUEST_EXTERN(la_timer); GUEST_EXTERN(la_tscdl); GUEST_EXTERN(la_lint); GUEST_EXTERN(la_cr8); GUEST_EXTERN(la_cr8_gp);
GUEST_EXTERN(la_isr2); GUEST_EXTERN(la_isr40); GUEST_EXTERN(la_isr45);
GUEST_EXTERN(la_isr50); GUEST_EXTERN(la_isr61);

#define LA_ADDR(l) (CODE_GPA + GUEST_OFF(lapic_guest, l))

/* A long-mode VP 0 at entry with the handlers installed and the APIC page
 * mapped. */
static struct vcpu *la_setup(struct vm **out, uint64_t entry)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(PT_LAPIC, &vcpu);
	union hv_register_value v;

	GUEST_LOAD(vm, CODE_GPA, lapic_guest);
	vcpu_setup_long_mode(vcpu, entry, STACK_TOP);
	vm_map_page(vm, APIC_GPA, APIC_GPA, PTE_W);
	memset(vm_gpa2hva(vm, LA_IDT), 0, 0x1000);
	memset(vm_gpa2hva(vm, DATA_GPA), 0, 0x100);
	vm_set_gate64(vm, LA_IDT, 2, LA_ADDR(la_isr2));
	vm_set_gate64(vm, LA_IDT, 0x40, LA_ADDR(la_isr40));
	vm_set_gate64(vm, LA_IDT, 0x45, LA_ADDR(la_isr45));
	vm_set_gate64(vm, LA_IDT, 0x50, LA_ADDR(la_isr50));
	vm_set_gate64(vm, LA_IDT, 0x61, LA_ADDR(la_isr61));
	memset(&v, 0, sizeof(v));
	v.table.base = LA_IDT;
	v.table.limit = 0xfff;
	vcpu_set_reg128(vcpu, HV_X64_REGISTER_IDTR, &v);
	*out = vm;
	return vcpu;
}

static int assert_irq(struct vm *vm, uint32_t type, uint64_t dest, uint32_t vector,
		      bool level, uint16_t *st)
{
	struct hv_input_assert_virtual_interrupt in;

	memset(&in, 0, sizeof(in));
	in.control.interrupt_type = type;
	in.control.level_triggered = level;
	in.dest_addr = dest;
	in.vector = vector;
	*st = 0xffff;
	return hvcall(vm->pt_fd, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0, &in, sizeof(in),
		      NULL, 0, st);
}

static void assert_irq_ok(struct vm *vm, uint32_t type, uint64_t dest, uint32_t vector,
			  bool level)
{
	uint16_t st;

	TEST_ASSERT_OK(assert_irq(vm, type, dest, vector, level, &st));
	TEST_ASSERT_EQ(st, HV_STATUS_SUCCESS);
}

/* Runs to an OUT to port and returns RAX. An HVMSG_X64_APIC_EOI on the way
 * (a level-triggered interrupt was EOIed) must name this VP; its vector is
 * stored in *eoi. */
static uint64_t expect_out_eoi(struct vcpu *vcpu, uint16_t port, int *eoi)
{
	struct hv_message msg;

	for (;;) {
		uint32_t t = vcpu_run_ok(vcpu, &msg);

		if (t == HVMSG_X64_APIC_EOI) {
			struct hv_x64_apic_eoi_message *m = (void *)msg.u.payload;

			TEST_ASSERT_EQ(m->vp_index, vcpu->index);
			if (eoi)
				*eoi = (int)m->interrupt_vector;
			continue;
		}
		TEST_ASSERT(t == HVMSG_X64_IO_PORT_INTERCEPT, "unexpected %s",
			    msg_type_name(t));
		struct hv_x64_io_port_intercept_message *io = msg_io(&msg);
		TEST_ASSERT(io->header.intercept_access_type == 1 && io->port_number == port,
			    "access %u to port %#x, expected OUT to %#x",
			    io->header.intercept_access_type, io->port_number, port);
		vcpu_advance_rip(vcpu, &msg);
		return io->rax;
	}
}

/* The handler's two reports: vector, then PPR (not for NMI). */
static void expect_irq(struct vcpu *vcpu, unsigned vector)
{
	TEST_ASSERT_EQ(expect_out_eoi(vcpu, 0x31, NULL) & 0xff, vector);
	if (vector != 2)
		TEST_ASSERT_EQ(expect_out_eoi(vcpu, 0x34, NULL) & 0xf0, vector & 0xf0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct later {
	struct vm *vm;
	uint32_t type, vector;
	unsigned delay_ms;
};

static void *assert_later(void *arg)
{
	struct later *l = arg;
	struct timespec d = { 0, (long)l->delay_ms * 1000000L };

	nanosleep(&d, NULL);
	assert_irq_ok(l->vm, l->type, 0, l->vector, false);
	return NULL;
}

/* A VP halted with IF=1 stays in RUN_VP until an interrupt arrives; the
 * interrupt runs the guest's handler. */
TEST(assert_wakes_halted_vp)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_halt));
	pthread_t th;

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa0);
	const uint32_t types[] = { HV_X64_INTERRUPT_TYPE_FIXED, HV_X64_INTERRUPT_TYPE_NMI };
	const uint32_t vecs[] = { 0x40, 2 };
	for (int i = 0; i < 2; i++) {
		struct later l = { vm, types[i], vecs[i], 100 };
		uint64_t t0 = now_ms();

		TEST_ASSERT_OK(pthread_create(&th, NULL, assert_later, &l));
		expect_irq(vcpu, vecs[i]);
		TEST_ASSERT(now_ms() - t0 >= 50, "RUN_VP returned after %llu ms",
			    (unsigned long long)(now_ms() - t0));
		pthread_join(th, NULL);
	}
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, D_IRQS), 2);
	vm_destroy(vm);
}

/* Interrupts asserted while the VP is stopped are taken in priority order
 * as TPR and IF allow; a level-triggered one is EOIed like the others. */
TEST(tpr_and_eoi)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_tpr));
	int eoi = -1;

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa1);
	assert_irq_ok(vm, HV_X64_INTERRUPT_TYPE_FIXED, 0, 0x45, true);
	assert_irq_ok(vm, HV_X64_INTERRUPT_TYPE_FIXED, 0, 0x61, false);
	expect_irq(vcpu, 0x61);			/* above TPR 0x50 */
	TEST_ASSERT_EQ(expect_out_eoi(vcpu, 0x32, &eoi) & 0xff, 0xa2);
	TEST_ASSERT_EQ(eoi, -1);		/* 0x61 was edge-triggered */
	expect_irq(vcpu, 0x45);			/* after TPR = 0 */
	TEST_ASSERT_EQ(expect_out_eoi(vcpu, 0x33, &eoi) & 0xff, 0xa3);
	/* an EOI message, if the hypervisor sends one, names 0x45 */
	TEST_ASSERT(eoi == -1 || eoi == 0x45, "EOI message for vector %#x", eoi);
	vm_destroy(vm);
}

TEST(assert_invalid)
{
	struct vm *vm;
	uint16_t st;

	la_setup(&vm, LA_ADDR(la_halt));
	TEST_ASSERT_HV_FAIL(assert_irq(vm, HV_X64_INTERRUPT_TYPE_MAXIMUM, 0, 0x40, false, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	vm_destroy(vm);
}

TEST(xapic_x2apic_registers)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_regs));

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0xffffffff, 0);	/* ID of VP 0 */
	uint64_t ver = vcpu_expect_out(vcpu, 0x35);
	TEST_ASSERT((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15, "version %#llx",
		    (unsigned long long)ver);
	TEST_ASSERT(((ver >> 16) & 0xff) >= 3, "max LVT %#llx", (unsigned long long)ver);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0xffffffff, 0x03000000);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0x1ff, 0x1ff);
	expect_irq(vcpu, 0x61);				/* xAPIC self IPI */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x36) & 0xff, 0xb0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0xffffffff, 0);	/* x2APIC ID */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0xffffffff, 1);	/* cluster 0, bit 0 */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0x1ff, 0x1ff);
	expect_irq(vcpu, 0x61);				/* SELF IPI MSR */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x36) & 0xff, 0xb1);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_APIC_BASE) & 0xc00, 0xc00);
	vm_destroy(vm);
}

TEST(timer_periodic)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_timer));

	/* the masked one-shot counted down without setting IRR */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x37) & (1u << 16), 0);
	TEST_ASSERT(vcpu_expect_out(vcpu, 0x38) & 0xffffffff, "current count is 0");
	uint64_t t0 = now_ms();
	uint64_t n = vcpu_expect_out(vcpu, 0x38) & 0xffffffff;
	TEST_ASSERT(n >= 10, "%llu ticks", (unsigned long long)n);
	TEST_ASSERT(now_ms() - t0 < 5000, "10 ticks took %llu ms",
		    (unsigned long long)(now_ms() - t0));
	vm_destroy(vm);
}

TEST(timer_tsc_deadline)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_tscdl));

	if (!(vcpu_expect_out(vcpu, 0x39) & 1)) {
		vm_destroy(vm);
		test_skip("no TSC-deadline timer");
	}
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x3a) & 0xffffffff, 1);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x3b) & 0xffffffff, 0);
	vm_destroy(vm);
}

static void *page_alloc(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	memset(p, 0, 4096);
	return p;
}

static int lapic_state(struct vcpu *vcpu, unsigned long req, void *buf)
{
	struct mshv_get_set_vp_state s;

	memset(&s, 0, sizeof(s));
	s.type = MSHV_VP_STATE_LAPIC;
	s.buf_sz = 4096;
	s.buf_ptr = (uint64_t)(uintptr_t)buf;
	return ioctl(vcpu->fd, req, &s);
}

/* QEMU's set_lint: get, LINT0 = ExtINT, LINT1 = NMI, set. The state reads
 * back exactly and the guest sees it. */
TEST(state_roundtrip_lint)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_lint));
	struct hv_local_interrupt_controller_state *a = page_alloc(), *b = page_alloc();

	TEST_ASSERT_OK(lapic_state(vcpu, MSHV_GET_VP_STATE, a));
	TEST_ASSERT_EQ(a->apic_lvt_lint0 & 0x10000, 0x10000);	/* masked at reset */
	TEST_ASSERT_EQ(a->apic_lvt_lint1 & 0x10000, 0x10000);
	TEST_ASSERT((a->apic_version & 0xff) >= 0x10, "version %#x", a->apic_version);
	a->apic_lvt_lint0 = 0x700;
	a->apic_lvt_lint1 = 0x400;
	TEST_ASSERT_OK(lapic_state(vcpu, MSHV_SET_VP_STATE, a));
	TEST_ASSERT_OK(lapic_state(vcpu, MSHV_GET_VP_STATE, b));
	TEST_ASSERT(!memcmp(a, b, sizeof(*a)), "LAPIC state changed in a round trip");
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0xffffffff, 0x700);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x35) & 0xffffffff, 0x400);
	munmap(a, 4096);
	munmap(b, 4096);
	vm_destroy(vm);
}

/* An interrupt made pending through SET_VP_STATE is delivered. */
TEST(state_sets_irr)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_halt));
	struct hv_local_interrupt_controller_state *a = page_alloc();

	TEST_ASSERT_OK(lapic_state(vcpu, MSHV_GET_VP_STATE, a));
	a->apic_spurious = 0x1ff;
	a->apic_irr[0x61 / 32] |= 1u << (0x61 % 32);
	TEST_ASSERT_OK(lapic_state(vcpu, MSHV_SET_VP_STATE, a));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa0);
	expect_irq(vcpu, 0x61);
	TEST_ASSERT_OK(lapic_state(vcpu, MSHV_GET_VP_STATE, a));
	/* stopped in the handler, before its EOI: in service */
	TEST_ASSERT_EQ(a->apic_irr[0x61 / 32] & (1u << (0x61 % 32)), 0);
	TEST_ASSERT_EQ(a->apic_isr[0x61 / 32] & (1u << (0x61 % 32)), 1u << (0x61 % 32));
	munmap(a, 4096);
	vm_destroy(vm);
}

/* The guest's MOV to/from CR8 reads and writes the LAPIC's TPR, as the
 * VMM sees it too (64-bit Windows keeps its IRQL there). */
TEST(guest_mov_cr8)
{
	struct vm *vm;
	struct vcpu *vcpu = la_setup(&vm, LA_ADDR(la_cr8));

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x3c) & 0xffffffff, 0x90);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR8), 9);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x3c) & 0xffffffff, 3);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x3c) & 0xffffffff, 0);
	/* a value with reserved bits: #GP(0), TPR unchanged */
	vm_intercept_exception(vm, 13);
	struct hv_message msg;
	uint32_t t = vcpu_run_ok(vcpu, &msg);
	TEST_ASSERT(t == HVMSG_X64_EXCEPTION_INTERCEPT, "got %#x at %#llx", t,
		    (unsigned long long)msg_hdr(&msg)->rip);
	struct hv_x64_exception_intercept_message *m = (void *)msg.u.payload;
	TEST_ASSERT_EQ(m->exception_vector, 13);
	TEST_ASSERT_EQ(m->error_code, 0);
	TEST_ASSERT_EQ(m->header.rip, LA_ADDR(la_cr8_gp));
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_CR8), 7);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(assert_wakes_halted_vp),
	TEST_ENTRY(tpr_and_eoi),
	TEST_ENTRY(assert_invalid),
	TEST_ENTRY(xapic_x2apic_registers),
	TEST_ENTRY(timer_periodic),
	TEST_ENTRY(timer_tsc_deadline),
	TEST_ENTRY(state_roundtrip_lint),
	TEST_ENTRY(state_sets_irr),
	TEST_ENTRY(guest_mov_cr8),
)
