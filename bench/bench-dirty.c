/* SPDX-License-Identifier: MIT */
/*
 * Dirty-logging overhead: the same 64-bit guest, a loop that stores to
 * every page of a 256 KiB buffer (64 pages) between stretches of register
 * work, run through /dev/mshv
 *   - without access tracking (the baseline),
 *   - with GPA_PAGE_ACCESS_TRACKING on but the log never cleared,
 *   - with a VMM thread reading and clearing the dirty log (DIRTY/CLEAR,
 *     as a live migration's pre-copy does) every 10 ms and every 1 ms:
 *     each round closes all 64 pages again, so each costs 64 nested
 *     page faults.
 * Ratios are against the baseline measured in the same run.
 */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>

#define PARAM_GPA 0x9000ull
#define BUF_GPA 0x100000ull
#define BUF_PAGES 64

/* Per iteration: 64 stores, one per page, each after 16 register
 * instructions (about 1.3k instructions). Page k is stored to at offset
 * 64 * k. With every store at offset 0 one of the four partitions ran
 * ~30 % slower, whatever its configuration, depending only on the
 * program's allocation order (most likely 4K aliasing in the host CPU:
 * the stores against hot host loads with the same address bits 11:0). */
GUEST_CODE(sweep_loop,
	".code64\n"
	"movq 0x9000, %rcx\n"
	"1:\n"
	"movl $0x100000, %edi\n"
	"movl $64, %esi\n"
	"2:\n"
	".rept 4\n"
	"addq %rcx, %rax\n"
	"xorq %rax, %rdx\n"
	"addq $3, %rbx\n"
	"incq %r8\n"
	".endr\n"
	"movq %rax, (%rdi)\n"
	"addq $4160, %rdi\n"
	"decl %esi\n"
	"jnz 2b\n"
	"decq %rcx\n"
	"jnz 1b\n"
	GUEST_LABEL(sweep_loop_hlt) "hlt\n");
GUEST_EXTERN(sweep_loop_hlt);

struct ctx {
	struct vm *vm;
	struct vcpu *vcpu;
	struct bench_setreg rip;
	uint64_t *param;
	unsigned clear_us;	/* 0: no clearing thread */
	pthread_t thread;
	atomic_bool running, quit;
	uint64_t rounds;
};

static void *clear_thread(void *arg)
{
	struct ctx *c = arg;
	uint8_t bm[LOW_MEM_SIZE / 4096 / 8];
	struct timespec ts = { 0, (long)c->clear_us * 1000 };

	while (!atomic_load(&c->quit)) {
		nanosleep(&ts, NULL);
		if (!atomic_load(&c->running))
			continue;
		struct mshv_gpap_access_bitmap a = {
			.access_type = MSHV_GPAP_ACCESS_TYPE_DIRTY,
			.access_op = MSHV_GPAP_ACCESS_OP_CLEAR,
			.page_count = LOW_MEM_SIZE / 4096,
			.bitmap_ptr = (uintptr_t)bm,
		};
		TEST_ASSERT(ioctl(c->vm->pt_fd, MSHV_GET_GPAP_ACCESS_BITMAP, &a) == 0,
			    "GET_GPAP_ACCESS_BITMAP: %s", strerror(errno));
		c->rounds++;
	}
	return NULL;
}

static void setup(struct ctx *c, bool tracking, unsigned clear_us)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm_create_default(0);
	c->vcpu = vcpu_create(c->vm, 0);
	GUEST_LOAD(c->vm, CODE_GPA, sweep_loop);
	vcpu_setup_long_mode(c->vcpu, CODE_GPA, STACK_TOP);
	c->param = vm_gpa2hva(c->vm, PARAM_GPA);
	bench_setreg_init(&c->rip, 0, HV_X64_REGISTER_RIP);
	if (tracking)
		vm_set_property(c->vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	c->clear_us = clear_us;
	if (clear_us)
		TEST_ASSERT(!pthread_create(&c->thread, NULL, clear_thread, c), "pthread_create");
}

static void teardown(struct ctx *c)
{
	atomic_store(&c->quit, true);
	if (c->clear_us)
		pthread_join(c->thread, NULL);
	vcpu_destroy(c->vcpu);
	vm_destroy(c->vm);
}

static double run(void *opaque, uint64_t n)
{
	struct ctx *c = opaque;
	struct hv_message msg;

	*c->param = n;
	bench_setreg(c->vcpu->fd, &c->rip, CODE_GPA);
	atomic_store(&c->running, true);
	double t0 = bench_now();
	uint32_t type = vcpu_run_ok(c->vcpu, &msg);
	double t1 = bench_now();
	atomic_store(&c->running, false);
	TEST_ASSERT(type == HVMSG_X64_HALT, "expected HALT, got %s (%#x)", msg_type_name(type),
		    type);
	TEST_ASSERT_EQ(msg_hdr(&msg)->rip, CODE_GPA + GUEST_OFF(sweep_loop, sweep_loop_hlt));
	return t1 - t0;
}

int main(void)
{
	struct ctx c[4];
	struct bench_case cases[4] = {
		{ "no tracking", run, &c[0], 64, 0 },
		{ "tracking, never cleared", run, &c[1], 64, 0 },
		{ "cleared every 10 ms", run, &c[2], 64, 0 },
		{ "cleared every 1 ms", run, &c[3], 64, 0 },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== bench-dirty: dirty-logging overhead (64-bit guest storing to %d pages "
	       "per iteration, best of %d) ==\n", BUF_PAGES, BENCH_REPS);
	if (!bench_have_mshv()) {
		printf("  skipped: no /dev/mshv\n");
		return 0;
	}
	setup(&c[0], false, 0);
	setup(&c[1], true, 0);
	setup(&c[2], true, 10000);
	setup(&c[3], true, 1000);
	bench_measure(cases, 4);
	double base = cases[0].best / (double)cases[0].n;
	printf("%-26s %10s %10s %8s %12s\n", "dirty log", "iterations", "us/iter", "rounds",
	       "vs untracked");
	for (int i = 0; i < 4; i++) {
		double per = cases[i].best / (double)cases[i].n;
		printf("%-26s %10llu %10.2f %8llu", cases[i].label, (unsigned long long)cases[i].n,
		       per * 1e6, (unsigned long long)c[i].rounds);
		if (i)
			printf(" %10.1f %%\n", 100.0 * base / per);
		else
			printf(" %12s\n", "(base)");
	}
	for (int i = 0; i < 4; i++)
		teardown(&c[i]);
	return 0;
}
