/* SPDX-License-Identifier: MIT */
/*
 * bench-synic: the SynIC and the synthetic timers (docs/synic.md).
 *
 *  (a) Message delivery latency. VP 0 enables its SynIC (SIMP, SINT2) and
 *      sits in STI; HLT. The host posts a message with
 *      HVCALL_POST_MESSAGE_DIRECT; the guest's SINT handler frees the slot,
 *      EOIs and does OUT. The latency runs from just before the hypercall
 *      to the moment RUN_VP returns that OUT in the VMM's thread. Baseline:
 *      a fixed interrupt by HVCALL_ASSERT_VIRTUAL_INTERRUPT timed the same
 *      way in the same run. Median and p99.
 *  (b) stimer0 accuracy at 1 kHz and 10 kHz: periodic, direct mode. The
 *      handler stores the reference time of each tick; the host reports
 *      ticks per second against the configured rate and the spread of the
 *      intervals between ticks (median, p99 distance from the period).
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define APIC_GPA	0xfee00000ull
#define SG_IDT		0x20000ull
#define D_READY		0x8000ull
#define D_STOP		0x8004ull
#define D_TICKS		0x8010ull
#define RING_GPA	0x40000ull
#define RING_N		8192
#define PORT_IRQ	0x50
#define PORT_DONE	0x5f

#define PT_LAPIC ((1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC))

GUEST_CODE(synic_bench_guest,
	".code64\n"
	"sg_wr64: movq %rax, %rdx\n shrq $32, %rdx\n wrmsr\n ret\n"
	"sg_enable: movl $0xfee00000, %ebx\n movl $0x1ff, 0xf0(%rbx)\n ret\n"

	/* (a) SIMP at 0x30000, SINT2 -> 0x52; wait in STI; HLT */
	GUEST_LABEL(sg_wait)
	"call sg_enable\n"
	"movl $0x40000083, %ecx\n movq $0x30001, %rax\n call sg_wr64\n"
	"movl $0x40000092, %ecx\n movq $0x52, %rax\n call sg_wr64\n"
	"movl $0x40000080, %ecx\n movq $1, %rax\n call sg_wr64\n"
	"sti\n"
	"1: movl $1, 0x8000\n hlt\n"
	"cmpl $0, 0x8004\n je 1b\n"
	"cli\n movl $0xdd, %eax\n outl %eax, $0x5f\n hlt\n"
	GUEST_LABEL(sg_isr)			/* RBX = APIC base */
	"pushq %rax\n"
	"movl $0, 0x8000\n"
	"movl $0, 0x30200\n"			/* free SINT2's slot */
	"movl $0, 0xb0(%rbx)\n"
	"outb %al, $0x50\n"
	"popq %rax\n iretq\n"

	/* (b) stimer0 periodic, direct, vector 0x54; RSI = period */
	GUEST_LABEL(sg_timer)
	"call sg_enable\n"
	"movl $0x400000b1, %ecx\n movq %rsi, %rax\n call sg_wr64\n"
	"movl $0x400000b0, %ecx\n movq $0x1543, %rax\n call sg_wr64\n"
	"sti\n"
	"1: hlt\n cmpl $0, 0x8004\n je 1b\n"
	"cli\n"
	"movl $0x400000b0, %ecx\n xorl %eax, %eax\n call sg_wr64\n"
	"movl $0xdd, %eax\n outl %eax, $0x5f\n hlt\n"
	GUEST_LABEL(sg_tisr)
	"pushq %rax\n pushq %rcx\n pushq %rdx\n pushq %rdi\n"
	"movl $0x40000020, %ecx\n rdmsr\n shlq $32, %rdx\n orq %rdx, %rax\n"
	"movq 0x8010, %rdi\n andq $8191, %rdi\n movq %rax, 0x40000(,%rdi,8)\n"
	"incq 0x8010\n"
	"movl $0, 0xb0(%rbx)\n"
	"popq %rdi\n popq %rdx\n popq %rcx\n popq %rax\n iretq\n");
GUEST_EXTERN(sg_wait); GUEST_EXTERN(sg_isr); GUEST_EXTERN(sg_timer); GUEST_EXTERN(sg_tisr);

#define SG_ADDR(l) (CODE_GPA + GUEST_OFF(synic_bench_guest, l))

static volatile uint32_t *g32(struct vm *vm, uint64_t gpa) { return vm_gpa2hva(vm, gpa); }
static volatile uint64_t *g64(struct vm *vm, uint64_t gpa) { return vm_gpa2hva(vm, gpa); }

static struct vcpu *sg_setup(struct vm **out, uint64_t rip, uint64_t rsi)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(PT_LAPIC, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, synic_bench_guest);
	memset(vm_gpa2hva(vm, DATA_GPA), 0, 0x100);
	memset(vm_gpa2hva(vm, SG_IDT), 0, 0x1000);
	memset(vm_gpa2hva(vm, 0x30000), 0, 0x1000);
	vm_set_gate64(vm, SG_IDT, 0x40, SG_ADDR(sg_isr));
	vm_set_gate64(vm, SG_IDT, 0x52, SG_ADDR(sg_isr));
	vm_set_gate64(vm, SG_IDT, 0x54, SG_ADDR(sg_tisr));
	vcpu_setup_long_mode(vcpu, rip, STACK_TOP);
	vm_map_page(vm, APIC_GPA, APIC_GPA, PTE_W);
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, SG_IDT, 0xfff);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RSI, rsi);
	*out = vm;
	return vcpu;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The VP's thread: RUN_VP until PORT_DONE, timestamping PORT_IRQ exits. */
struct vmm {
	struct vcpu *vcpu;
	_Atomic uint64_t handled;
	double t_exit[4096];
};

static void *vmm_thread(void *arg)
{
	struct vmm *m = arg;
	struct hv_message msg;

	for (;;) {
		TEST_ASSERT_EQ(vcpu_run_ok(m->vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
		double t = bench_now();
		uint16_t port = msg_io(&msg)->port_number;
		vcpu_advance_rip(m->vcpu, &msg);
		if (port == PORT_DONE)
			return NULL;
		uint64_t i = atomic_load(&m->handled);
		if (i < 4096)
			m->t_exit[i] = t;
		atomic_store(&m->handled, i + 1);
	}
}

static void post_message(struct vm *vm)
{
	static struct hv_input_post_message_direct in;
	struct hv_message m;
	uint16_t st = 0;

	memset(&m, 0, sizeof(m));
	m.header.message_type = 1;
	m.header.payload_size = 8;
	in.sint_index = 2;
	memcpy(in.message, &m, sizeof(m));
	if (hvcall(vm->pt_fd, HVCALL_POST_MESSAGE_DIRECT, 0, &in, sizeof(in), NULL, 0, &st) || st)
		test_fail(__FILE__, __LINE__, "POST_MESSAGE_DIRECT", "status %#x", st);
}

static void assert_irq(struct vm *vm)
{
	struct hv_input_assert_virtual_interrupt in;
	uint16_t st = 0;

	memset(&in, 0, sizeof(in));
	in.control.interrupt_type = HV_X64_INTERRUPT_TYPE_FIXED;
	in.vector = 0x40;
	if (hvcall(vm->pt_fd, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0, &in, sizeof(in), NULL, 0, &st) || st)
		test_fail(__FILE__, __LINE__, "ASSERT_VIRTUAL_INTERRUPT", "status %#x", st);
}

/* Median and p99 latency (us) of n deliveries by send(). */
static void latency(const char *label, void (*send)(struct vm *), size_t n)
{
	struct vm *vm;
	struct vcpu *vcpu = sg_setup(&vm, SG_ADDR(sg_wait), 0);
	static struct vmm m;
	double *lat = calloc(n, sizeof(*lat));
	pthread_t th;

	memset(&m, 0, sizeof(m));
	m.vcpu = vcpu;
	TEST_ASSERT(lat && n <= 4096, "samples");
	TEST_ASSERT_OK(pthread_create(&th, NULL, vmm_thread, &m));
	for (size_t i = 0; i < n; i++) {
		while (!*g32(vm, D_READY))	/* the guest is about to halt */
			sched_yield();
		struct timespec d = { 0, 200000 };	/* and has halted */
		nanosleep(&d, NULL);
		double t0 = bench_now();
		send(vm);
		while (atomic_load(&m.handled) <= i)
			sched_yield();
		lat[i] = (m.t_exit[i] - t0) * 1e6;
	}
	*g32(vm, D_STOP) = 1;
	assert_irq(vm);		/* wake it to see the stop flag */
	pthread_join(th, NULL);
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("  %-34s median %8.1f us   p99 %8.1f us\n", label, lat[n / 2],
	       lat[(size_t)((double)(n - 1) * 0.99)]);
	free(lat);
	vm_destroy(vm);
}

static void stimer_rate(unsigned hz, double window)
{
	struct vm *vm;
	uint64_t period = 10000000ull / hz;	/* 100 ns units */
	struct vcpu *vcpu = sg_setup(&vm, SG_ADDR(sg_timer), period);
	static struct vmm m;
	pthread_t th;

	memset(&m, 0, sizeof(m));
	m.vcpu = vcpu;
	TEST_ASSERT_OK(pthread_create(&th, NULL, vmm_thread, &m));
	while (*g64(vm, D_TICKS) == 0)
		sched_yield();
	uint64_t n0 = *g64(vm, D_TICKS);
	double t0 = bench_now();
	struct timespec d = { (time_t)window, (long)((window - (double)(time_t)window) * 1e9) };
	nanosleep(&d, NULL);
	uint64_t n1 = *g64(vm, D_TICKS);
	double t1 = bench_now();
	*g32(vm, D_STOP) = 1;
	pthread_join(th, NULL);
	uint64_t n = *g64(vm, D_TICKS);
	size_t k = n < RING_N ? (size_t)n : RING_N;
	double *dev = calloc(k, sizeof(*dev)), *iv = calloc(k, sizeof(*iv));
	size_t m_iv = 0;
	volatile uint64_t *ring = g64(vm, RING_GPA);
	for (size_t i = 1; i < k; i++) {	/* the last k ticks, in order */
		int64_t a = (int64_t)ring[(n - k + i - 1) % RING_N];
		int64_t b = (int64_t)ring[(n - k + i) % RING_N];
		iv[m_iv] = (double)(b - a) / 10.0;			/* us */
		dev[m_iv] = fabs(iv[m_iv] - (double)period / 10.0);
		m_iv++;
	}
	double rate = (double)(n1 - n0) / (t1 - t0);
	if (m_iv) {
		qsort(iv, m_iv, sizeof(*iv), cmp_double);
		qsort(dev, m_iv, sizeof(*dev), cmp_double);
		printf("  stimer0 %5u Hz: %8.0f ticks/s (%5.1f%% of configured); interval median %7.1f us, "
		       "p99 off by %7.1f us\n", hz, rate, 100.0 * rate / hz, iv[m_iv / 2],
		       dev[(size_t)((double)(m_iv - 1) * 0.99)]);
	}
	free(dev);
	free(iv);
	vm_destroy(vm);
}

int main(void)
{
	bool q = bench_min_seconds() < BENCH_MIN_SECONDS;
	size_t n = q ? 20 : 400;

	printf("bench-synic: SynIC messages and synthetic timers (docs/synic.md)\n");
	printf(" (a) delivery latency, hypercall to the guest handler's exit in the VMM:\n");
	latency("ASSERT_VIRTUAL_INTERRUPT (baseline)", assert_irq, n);
	latency("POST_MESSAGE_DIRECT -> SINT handler", post_message, n);
	printf(" (b) synthetic timer accuracy (periodic, direct mode):\n");
	stimer_rate(1000, q ? 0.1 : 1.0);
	stimer_rate(10000, q ? 0.1 : 1.0);
	return 0;
}
