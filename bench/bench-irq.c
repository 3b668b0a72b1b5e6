/* SPDX-License-Identifier: MIT */
/*
 * bench-irq: interrupts and SMP through /dev/mshv (bench/README.md,
 * "Interrupts and SMP").
 *
 *  (a) Injection latency.  VP 0 of a LAPIC partition sits in STI; HLT.  A
 *      host thread injects a fixed interrupt, either with
 *      HVCALL_ASSERT_VIRTUAL_INTERRUPT (MSHV_ROOT_HVCALL on the partition)
 *      or by writing an eventfd bound with MSHV_IRQFD to an MSI route.
 *      The guest's handler EOIs and does OUT; the latency is from just
 *      before the host call to the moment RUN_VP returns that OUT exit in
 *      the VMM's thread.  Median and p99 over all samples.  Baseline: one
 *      IO exit round trip (RUN_VP in, OUT exit back, RIP advanced in the
 *      register page) timed the same way in the same run.
 *  (b) LAPIC timer interrupts per second.  Periodic timer, divide by 1;
 *      the handler counts and EOIs, the host reads the count over a time
 *      window and compares it with the configured rate.  Baseline: a host
 *      thread reading a periodic timerfd of the same period.
 *  (c) SMP spinlock throughput.  1, 2 and 4 VPs, each RUN_VP on its own
 *      thread, take a lock cmpxchg spinlock around a plain counter until
 *      the host raises a stop flag.  Acquisitions per second in total and
 *      the cost per acquisition relative to 1 VP.  Baseline: the same loop
 *      on raw Unicorn (one thread, no contention).
 */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#define APIC_GPA	0xfee00000ull
#define IRQ_IDT		0x20000ull
#define D_READY		0x8000ull	/* guest: about to HLT */
#define D_STOP		0x8004ull	/* host: stop */
#define D_TICKS		0x8010ull	/* timer interrupts handled */
#define LOCK_GPA	0x9000ull
#define COUNT_GPA	0x9008ull
#define PERVP_GPA	0x9100ull	/* per-VP counters, 64 bytes apart */
#define VEC_HVCALL	0x40
#define VEC_IRQFD	0x41
#define VEC_TIMER	0x42
#define PORT_IRQ	0x50
#define PORT_DONE	0x5f
#define IRQFD_GSI	1

#define PT_LAPIC ((1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC))

GUEST_CODE(irq_guest,
	".code64\n"
	"ig_enable:\n"
	"movl $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"		/* SVR: enabled */
	"ret\n"

	/* (a) wait for interrupts in STI; HLT: "ready" is set with IF=0, so
	 * an interrupt that follows it at once still ends the HLT */
	GUEST_LABEL(ig_wait)
	"call ig_enable\n"
	"1: cli\n movl $1, 0x8000\n sti\n"
	"hlt\n"
	"cmpl $0, 0x8004\n je 1b\n"
	"cli\n movl $0xdd, %eax\n outl %eax, $0x5f\n hlt\n"
	GUEST_LABEL(ig_isr)			/* RBX = APIC base */
	"pushq %rax\n"
	"movl $0, 0x8000\n"
	"movl $0, 0xb0(%rbx)\n"			/* EOI */
	"outb %al, $0x50\n"
	"popq %rax\n iretq\n"

	/* (b) periodic LAPIC timer, ESI = initial count */
	GUEST_LABEL(ig_timer)
	"call ig_enable\n"
	"movl $0xb, 0x3e0(%rbx)\n"		/* divide by 1 */
	"movl $0x20042, 0x320(%rbx)\n"		/* periodic, vector 0x42 */
	"movl %esi, 0x380(%rbx)\n"
	"sti\n"
	"1: hlt\n"
	"cmpl $0, 0x8004\n je 1b\n"
	"cli\n"
	"movl $0x10042, 0x320(%rbx)\n movl $0, 0x380(%rbx)\n"
	"movl $0xdd, %eax\n outl %eax, $0x5f\n hlt\n"
	GUEST_LABEL(ig_tisr)
	"incq 0x8010\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n"

	/* (c) spinlock until the stop flag; RDI = this VP's counter.
	 * ESI = iteration limit (0: none, the raw baseline sets one). */
	GUEST_LABEL(ig_spin)
	"movl $1, %edx\n"
	"1: xorl %eax, %eax\n"
	"lock cmpxchgl %edx, 0x9000\n"
	"jnz 3f\n"
	"movq 0x9008, %rax\n incq %rax\n movq %rax, 0x9008\n"
	"incq (%rdi)\n"
	"movl $0, 0x9000\n"
	"cmpl $0, 0x8004\n jne 4f\n"
	"decl %esi\n jnz 1b\n"
	"jmp 4f\n"
	"3: pause\n"
	"cmpl $0, 0x8004\n je 1b\n"
	"4: movl $0xdd, %eax\n"
	GUEST_LABEL(ig_spin_out)
	"outl %eax, $0x5f\n"
	"cli\n hlt\n");
GUEST_EXTERN(ig_wait); GUEST_EXTERN(ig_isr); GUEST_EXTERN(ig_timer);
GUEST_EXTERN(ig_tisr); GUEST_EXTERN(ig_spin); GUEST_EXTERN(ig_spin_out);

/* The baseline exit: OUT in a loop. */
GUEST_CODE(irq_io_loop,
	".code64\n"
	"1: outb %al, $0x10\n"
	"jmp 1b\n");

#define IG_ADDR(l) (CODE_GPA + GUEST_OFF(irq_guest, l))

static bool quick(void)
{
	return bench_min_seconds() < BENCH_MIN_SECONDS;
}

static volatile uint32_t *gmem32(struct vm *vm, uint64_t gpa)
{
	return vm_gpa2hva(vm, gpa);
}

static volatile uint64_t *gmem64(struct vm *vm, uint64_t gpa)
{
	return vm_gpa2hva(vm, gpa);
}

static struct vm *irq_vm(void)
{
	struct vm *vm = vm_create_default(PT_LAPIC);

	GUEST_LOAD(vm, CODE_GPA, irq_guest);
	memset(vm_gpa2hva(vm, DATA_GPA), 0, 0x100);
	memset(vm_gpa2hva(vm, IRQ_IDT), 0, 0x1000);
	memset(vm_gpa2hva(vm, LOCK_GPA), 0, 0x400);
	vm_set_gate64(vm, IRQ_IDT, VEC_HVCALL, IG_ADDR(ig_isr));
	vm_set_gate64(vm, IRQ_IDT, VEC_IRQFD, IG_ADDR(ig_isr));
	vm_set_gate64(vm, IRQ_IDT, VEC_TIMER, IG_ADDR(ig_tisr));
	return vm;
}

static struct vcpu *irq_vcpu(struct vm *vm, uint32_t index, uint64_t rip)
{
	struct vcpu *vcpu = vcpu_create(vm, index);
	union hv_register_value v;

	vcpu_setup_long_mode(vcpu, rip, STACK_TOP - 0x1000 * index);
	if (index == 0)
		vm_map_page(vm, APIC_GPA, APIC_GPA, PTE_W);
	memset(&v, 0, sizeof(v));
	v.table.base = IRQ_IDT;
	v.table.limit = 0xfff;
	vcpu_set_reg128(vcpu, HV_X64_REGISTER_IDTR, &v);
	return vcpu;
}

static void advance(struct vcpu *vcpu, struct hv_message *msg)
{
	struct hv_x64_intercept_message_header *h = msg_hdr(msg);

	if (vcpu->regpage && h->instruction_length) {
		vcpu->regpage->rip = h->rip + h->instruction_length;
		vcpu->regpage->dirty |= 1u << HV_X64_REGISTER_CLASS_IP;
	} else {
		vcpu_advance_rip(vcpu, msg);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats { double med, p99, min; };

static struct stats stats_of(double *v, size_t n)
{
	struct stats s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.med = v[n / 2];
	s.p99 = v[(size_t)((double)(n - 1) * 0.99)];
	return s;
}

/* ------------------------------------------------------------------ */
/* (a) injection latency                                               */
/* ------------------------------------------------------------------ */

struct lat {
	struct vm *vm;
	struct vcpu *vcpu;
	int efd;
	_Atomic uint64_t handled;	/* OUT exits seen by the VMM thread */
	double *t_exit;			/* indexed by handled */
	size_t cap;
};

static void *lat_vmm(void *arg)
{
	struct lat *l = arg;
	struct mshv_run_vp run;
	struct hv_message *msg = (struct hv_message *)run.msg_buf;

	for (;;) {
		if (ioctl(l->vcpu->fd, MSHV_RUN_VP, &run) != 0)
			test_fail(__FILE__, __LINE__, "MSHV_RUN_VP", "%s",
				  strerror(errno));
		double t = bench_now();

		TEST_ASSERT(MSG_TYPE(msg) == HVMSG_X64_IO_PORT_INTERCEPT,
			    "got %s", msg_type_name(MSG_TYPE(msg)));
		uint16_t port = msg_io(msg)->port_number;

		if (port == PORT_DONE)
			return NULL;
		TEST_ASSERT_EQ(port, PORT_IRQ);
		uint64_t i = atomic_load(&l->handled);

		if (i < l->cap)
			l->t_exit[i] = t;
		advance(l->vcpu, msg);
		atomic_store(&l->handled, i + 1);
	}
}

static void inject_hvcall(struct lat *l)
{
	struct hv_input_assert_virtual_interrupt in;
	uint16_t st = 0;

	memset(&in, 0, sizeof(in));
	in.control.interrupt_type = HV_X64_INTERRUPT_TYPE_FIXED;
	in.dest_addr = 0;
	in.vector = VEC_HVCALL;
	if (hvcall(l->vm->pt_fd, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0, &in,
		   sizeof(in), NULL, 0, &st) != 0 || st)
		test_fail(__FILE__, __LINE__, "ASSERT_VIRTUAL_INTERRUPT",
			  "%s status %#x", strerror(errno), st);
}

static void inject_irqfd(struct lat *l)
{
	uint64_t one = 1;

	TEST_ASSERT(write(l->efd, &one, sizeof(one)) == sizeof(one),
		    "write eventfd: %s", strerror(errno));
}

static void spin_us(double us)
{
	double end = bench_now() + us * 1e-6;

	while (bench_now() < end)
		;
}

/* n injections; latencies (seconds) appended to out */
static void lat_series(struct lat *l, void (*inject)(struct lat *), size_t n,
		       double *out)
{
	volatile uint32_t *ready = gmem32(l->vm, D_READY);

	for (size_t k = 0; k < n; k++) {
		uint64_t i = atomic_load(&l->handled);

		/* the VP is back in its loop: give it time to reach HLT */
		while (!*ready)
			;
		spin_us(30);
		double t0 = bench_now();

		inject(l);
		/* yield: on a 2-core host the irqfd service thread and the
		 * VP thread need the CPU this loop would spin on; t_exit is
		 * taken by the VMM thread, so yielding adds nothing to it */
		while (atomic_load(&l->handled) == i)
			sched_yield();
		out[k] = l->t_exit[i] - t0;
	}
}

/* RUN_VP round trips of an OUT loop, each timed; seconds into out */
static void io_series(struct vcpu *vcpu, size_t n, double *out)
{
	struct mshv_run_vp run;
	struct hv_message *msg = (struct hv_message *)run.msg_buf;

	for (size_t k = 0; k < n; k++) {
		double t0 = bench_now();

		if (ioctl(vcpu->fd, MSHV_RUN_VP, &run) != 0)
			test_fail(__FILE__, __LINE__, "MSHV_RUN_VP", "%s",
				  strerror(errno));
		out[k] = bench_now() - t0;
		TEST_ASSERT(MSG_TYPE(msg) == HVMSG_X64_IO_PORT_INTERCEPT,
			    "got %s", msg_type_name(MSG_TYPE(msg)));
		advance(vcpu, msg);
	}
}

static void lat_row(const char *label, double *v, size_t n, double base_med)
{
	struct stats s = stats_of(v, n);

	printf("%-52s %7zu %9.2f %9.2f %9.2f %8.1fx\n", label, n, s.min * 1e6,
	       s.med * 1e6, s.p99 * 1e6, s.med / base_med);
}

static void bench_latency(void)
{
	const int rounds = BENCH_REPS;
	const size_t n = quick() ? 200 : 2000;	/* per round and method */
	const size_t nio = quick() ? 2000 : 20000;
	struct lat l;
	pthread_t th;
	double *hv = calloc(rounds * n, sizeof(double));
	double *fd = calloc(rounds * n, sizeof(double));
	double *io = calloc(rounds * nio, sizeof(double));

	TEST_ASSERT(hv && fd && io, "calloc");
	memset(&l, 0, sizeof(l));
	l.cap = 2 * rounds * n + 128;	/* + warm-up and the stop */
	l.t_exit = calloc(l.cap, sizeof(double));
	TEST_ASSERT(l.t_exit, "calloc");
	l.vm = irq_vm();
	l.vcpu = irq_vcpu(l.vm, 0, IG_ADDR(ig_wait));

	/* irqfd -> GSI 1 -> MSI to APIC 0, fixed, edge, vector 0x41 */
	struct mshv_user_irq_table *t = calloc(1, sizeof(*t) + sizeof(t->entries[0]));

	TEST_ASSERT(t, "calloc");
	t->nr = 1;
	t->entries[0].gsi = IRQFD_GSI;
	t->entries[0].address_lo = (uint32_t)APIC_GPA;
	t->entries[0].data = VEC_IRQFD;
	TEST_ASSERT_OK(ioctl(l.vm->pt_fd, MSHV_SET_MSI_ROUTING, t));
	free(t);
	l.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	TEST_ASSERT(l.efd >= 0, "eventfd: %s", strerror(errno));
	struct mshv_user_irqfd a = { .fd = l.efd, .resamplefd = -1, .gsi = IRQFD_GSI };

	TEST_ASSERT_OK(ioctl(l.vm->pt_fd, MSHV_IRQFD, &a));

	/* the baseline partition */
	struct vcpu *bvp;
	struct vm *bvm = vm_create_with_one_vcpu(0, &bvp);

	GUEST_LOAD(bvm, CODE_GPA, irq_io_loop);
	vcpu_setup_long_mode(bvp, CODE_GPA, STACK_TOP);

	TEST_ASSERT_OK(pthread_create(&th, NULL, lat_vmm, &l));
	/* warm up: translate the handler and both paths */
	{
		double w[64];

		lat_series(&l, inject_hvcall, 32, w);
		lat_series(&l, inject_irqfd, 32, w);
		io_series(bvp, 64, w);
	}
	/* interleaved rounds, all samples pooled */
	for (int r = 0; r < rounds; r++) {
		io_series(bvp, nio, io + r * nio);
		lat_series(&l, inject_hvcall, n, hv + r * n);
		lat_series(&l, inject_irqfd, n, fd + r * n);
	}
	/* Stop only once the VP is back in its loop: set between its stop
	 * check and its next "ready", the flag would end the loop with no
	 * interrupt left to wait for, and the last series would wait for
	 * ever (seen once). */
	while (!*gmem32(l.vm, D_READY))
		;
	*gmem32(l.vm, D_STOP) = 1;
	{
		double w[1];

		lat_series(&l, inject_hvcall, 1, w);	/* wakes it to stop */
	}
	TEST_ASSERT_OK(pthread_join(th, NULL));

	struct stats bs;
	double *io_copy = malloc(rounds * nio * sizeof(double));

	TEST_ASSERT(io_copy, "malloc");
	memcpy(io_copy, io, rounds * nio * sizeof(double));
	bs = stats_of(io_copy, rounds * nio);
	printf("%-52s %7s %9s %9s %9s %9s\n", "(a) injection -> handler's OUT at the VMM",
	       "samples", "min us", "median us", "p99 us", "vs base");
	lat_row("IO exit round trip, RUN_VP -> OUT exit (baseline)", io,
		rounds * nio, bs.med);
	lat_row("HVCALL_ASSERT_VIRTUAL_INTERRUPT -> handler OUT", hv,
		rounds * n, bs.med);
	lat_row("irqfd eventfd write (MSI route) -> handler OUT", fd,
		rounds * n, bs.med);

	close(l.efd);
	vcpu_destroy(l.vcpu);
	vm_destroy(l.vm);
	vm_destroy(bvm);
	free(hv), free(fd), free(io), free(io_copy), free(l.t_exit);
}

/* ------------------------------------------------------------------ */
/* (b) LAPIC timer interrupts per second                               */
/* ------------------------------------------------------------------ */

struct vp_job {
	struct vcpu *vcpu;
	uint64_t got;
};

static void *vp_until_done(void *arg)
{
	struct vp_job *j = arg;

	j->got = vcpu_expect_out(j->vcpu, PORT_DONE);
	return NULL;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* handled timer interrupts per second with the given initial count */
static double timer_rate(uint32_t count, double window)
{
	struct vm *vm = irq_vm();
	struct vp_job j = { .vcpu = irq_vcpu(vm, 0, IG_ADDR(ig_timer)) };
	volatile uint64_t *ticks = gmem64(vm, D_TICKS);
	pthread_t th;

	vcpu_set_reg(j.vcpu, HV_X64_REGISTER_RSI, count);
	TEST_ASSERT_OK(pthread_create(&th, NULL, vp_until_done, &j));
	sleep_s(quick() ? 0.02 : 0.1);
	uint64_t c0 = *ticks;
	double t0 = bench_now();

	sleep_s(window);
	uint64_t c1 = *ticks;
	double t1 = bench_now();

	*gmem32(vm, D_STOP) = 1;
	TEST_ASSERT_OK(pthread_join(th, NULL));
	vcpu_destroy(j.vcpu);
	vm_destroy(vm);
	return (double)(c1 - c0) / (t1 - t0);
}

/* host baseline: wakeups/s of a thread reading a periodic timerfd */
static double timerfd_rate(uint64_t period_ns, double window)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = {
		.it_interval = { 0, (long)period_ns },
		.it_value = { 0, (long)period_ns },
	};
	uint64_t exp, wakeups = 0;

	TEST_ASSERT(fd >= 0, "timerfd_create: %s", strerror(errno));
	TEST_ASSERT_OK(timerfd_settime(fd, 0, &its, NULL));
	double t0 = bench_now(), t;

	do {
		TEST_ASSERT(read(fd, &exp, sizeof(exp)) == sizeof(exp), "read timerfd");
		wakeups++;
		t = bench_now();
	} while (t - t0 < window);
	close(fd);
	return (double)wakeups / (t - t0);
}

static void bench_timer(void)
{
	/* divide by 1: one count is 1 ns on mshv-emu's 1 GHz APIC timer clock */
	static const struct { uint32_t count; double rate; const char *what; } cfg[] = {
		{ 1000000, 1000, "periodic, initial count 1000000 (1 ms)" },
		{ 100000, 10000, "periodic, initial count 100000 (100 us)" },
		{ 1, 10000, "periodic, initial count 1 (clamped to 100 us)" },
	};
	const size_t k = sizeof(cfg) / sizeof(cfg[0]);
	double window = quick() ? 0.05 : 1.0, best[3] = { 0 }, host = 0;

	for (int r = 0; r < BENCH_REPS; r++) {
		double h = timerfd_rate(100000, window);

		if (h > host)
			host = h;
		for (size_t i = 0; i < k; i++) {
			double v = timer_rate(cfg[i].count, window);

			if (v > best[i])
				best[i] = v;
		}
	}
	printf("\n%-52s %12s %12s %9s\n", "(b) LAPIC timer, handled interrupts",
	       "configured/s", "handled/s", "ratio");
	printf("%-52s %12.0f %12.0f %8.1f%%\n",
	       "host timerfd 100 us, wakeups (baseline)", 10000.0, host,
	       100.0 * host / 10000.0);
	for (size_t i = 0; i < k; i++)
		printf("%-52s %12.0f %12.0f %8.1f%%\n", cfg[i].what, cfg[i].rate,
		       best[i], 100.0 * best[i] / cfg[i].rate);
}

/* ------------------------------------------------------------------ */
/* (c) SMP spinlock throughput                                         */
/* ------------------------------------------------------------------ */

/* total acquisitions per second with nvp VPs */
static double spin_rate(unsigned nvp, double window)
{
	struct vm *vm = irq_vm();
	struct vp_job j[4];
	pthread_t th[4];
	volatile uint64_t *count = gmem64(vm, COUNT_GPA);

	for (unsigned i = 0; i < nvp; i++) {
		j[i].vcpu = irq_vcpu(vm, i, IG_ADDR(ig_spin));
		vcpu_set_reg(j[i].vcpu, HV_X64_REGISTER_RDI, PERVP_GPA + 64 * i);
		vcpu_set_reg(j[i].vcpu, HV_X64_REGISTER_RSI, 0);	/* no limit */
	}
	for (unsigned i = 0; i < nvp; i++)
		TEST_ASSERT_OK(pthread_create(&th[i], NULL, vp_until_done, &j[i]));
	sleep_s(quick() ? 0.02 : 0.1);
	uint64_t c0 = *count;
	double t0 = bench_now();

	sleep_s(window);
	uint64_t c1 = *count;
	double t1 = bench_now();

	*gmem32(vm, D_STOP) = 1;
	uint64_t sum = 0;

	for (unsigned i = 0; i < nvp; i++) {
		TEST_ASSERT_OK(pthread_join(th[i], NULL));
		sum += *gmem64(vm, PERVP_GPA + 64 * i);
		vcpu_destroy(j[i].vcpu);
	}
	/* the lock kept the plain counter exact */
	TEST_ASSERT_EQ(*count, sum);
	vm_destroy(vm);
	return (double)(c1 - c0) / (t1 - t0);
}

struct raw_spin { struct raw_vm r; };

static double raw_spin_run(void *opaque, uint64_t n)
{
	struct raw_spin *c = opaque;
	uint64_t end = IG_ADDR(ig_spin_out);
	double t0, t1;

	raw_set_reg(c->r.uc, UC_X86_REG_RSI, n);
	raw_set_reg(c->r.uc, UC_X86_REG_RDI, PERVP_GPA);
	t0 = bench_now();
	UC_CHECK(uc_emu_start(c->r.uc, IG_ADDR(ig_spin), end, 0, 0));
	t1 = bench_now();
	TEST_ASSERT_EQ(raw_reg(c->r.uc, UC_X86_REG_RIP), end);
	TEST_ASSERT_EQ(raw_reg(c->r.uc, UC_X86_REG_RSI), 0);
	return t1 - t0;
}

static void bench_spin(bool mshv)
{
	static const unsigned nvps[] = { 1, 2, 4 };
	double window = quick() ? 0.05 : BENCH_MIN_SECONDS, best[3] = { 0 };
	struct raw_spin raw;

	raw_vm_open(&raw.r, LOW_MEM_SIZE);
	memcpy(raw.r.mem + CODE_GPA, irq_guest_start, GUEST_SIZE(irq_guest));
	raw_set_reg(raw.r.uc, UC_X86_REG_RSP, STACK_TOP);
	struct bench_case rc = { "raw", raw_spin_run, &raw, 100000, 0 };

	bench_measure(&rc, 1);
	raw_vm_close(&raw.r);
	double raw_rate = (double)rc.n / rc.best;

	for (int r = 0; mshv && r < BENCH_REPS; r++)
		for (size_t i = 0; i < 3; i++) {
			double v = spin_rate(nvps[i], window);

			if (v > best[i])
				best[i] = v;
		}
	printf("\n%-52s %12s %10s %9s %9s\n", "(c) lock cmpxchg spinlock + counter",
	       "acq/s total", "ns/acq", "vs 1 VP", "% of raw");
	printf("%-52s %12.0f %10.1f %9s %8.2f%%\n",
	       "raw Unicorn, 1 thread, no contention (baseline)", raw_rate,
	       1e9 / raw_rate, "-", 100.0);
	for (size_t i = 0; mshv && i < 3; i++) {
		char label[64];

		snprintf(label, sizeof(label), "mshv-emu, %u VP%s on %u thread%s",
			 nvps[i], nvps[i] > 1 ? "s" : "", nvps[i],
			 nvps[i] > 1 ? "s" : "");
		printf("%-52s %12.0f %10.1f %8.2fx %8.2f%%\n", label, best[i],
		       1e9 / best[i], best[0] / best[i], 100.0 * best[i] / raw_rate);
	}
}

int main(void)
{
	bool mshv;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== bench-irq: interrupt injection, LAPIC timer, SMP spinlock "
	       "(%d rounds) ==\n", BENCH_REPS);
	mshv = bench_have_mshv();
	if (mshv) {
		bench_latency();
		bench_timer();
	}
	bench_spin(mshv);
	return 0;
}
