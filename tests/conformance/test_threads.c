/* SPDX-License-Identifier: MIT */
/*
 * Concurrency: independent partitions on separate threads, and two VPs
 * of one partition running at the same time.
 */
#include "vmm.h"

#include <stdatomic.h>

#include <pthread.h>
#include <time.h>

#define ITERATIONS 3000

GUEST_CODE(count_guest,
	".code64\n"
	"xorl %eax, %eax\n"
	"th_loop:\n"
	"incl %eax\n"
	"outl %eax, %dx\n"
	"incq 0(%rdi)\n"
	"jmp th_loop\n");

struct worker {
	struct vm *vm;
	struct vcpu *vcpu;
	uint16_t port;
	atomic_uint progress;
	atomic_uint *other;	/* partner's progress, or NULL */
	pthread_barrier_t *barrier;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->barrier);
	for (uint32_t i = 1; i <= ITERATIONS; i++) {
		uint64_t v = vcpu_expect_out(w->vcpu, w->port);

		TEST_ASSERT(v == i, "port %#x: exit %u value %llu", w->port, i,
			    (unsigned long long)v);
		atomic_store(&w->progress, i);
		if (w->other && i == ITERATIONS / 2) {
			/* the partner must make progress while we are alive */
			struct timespec d = { 0, 1000 * 1000 };

			for (int t = 0; t < 10000 && atomic_load(w->other) < ITERATIONS / 4; t++)
				nanosleep(&d, NULL);
			TEST_ASSERT(atomic_load(w->other) >= ITERATIONS / 4,
				    "partner VP made no progress (%u)", atomic_load(w->other));
		}
	}
	return NULL;
}

static void setup_worker(struct worker *w, struct vm *vm, uint32_t index,
			 uint16_t port, uint64_t counter_gpa)
{
	w->vm = vm;
	w->vcpu = vcpu_create(vm, index);
	w->port = port;
	vcpu_setup_long_mode(w->vcpu, CODE_GPA, STACK_TOP - 0x1000 * index);
	vcpu_set_reg(w->vcpu, HV_X64_REGISTER_RDX, port);
	vcpu_set_reg(w->vcpu, HV_X64_REGISTER_RDI, counter_gpa);
}

TEST(four_partitions)
{
	struct worker w[4];
	pthread_t th[4];
	pthread_barrier_t barrier;

	memset(w, 0, sizeof(w));
	pthread_barrier_init(&barrier, NULL, 4);
	for (int i = 0; i < 4; i++) {
		struct vm *vm = vm_create_default(0);

		GUEST_LOAD(vm, CODE_GPA, count_guest);
		setup_worker(&w[i], vm, 0, (uint16_t)(0x10 + i), DATA_GPA);
		w[i].barrier = &barrier;
	}
	for (int i = 0; i < 4; i++)
		TEST_ASSERT_OK(pthread_create(&th[i], NULL, worker_fn, &w[i]));
	for (int i = 0; i < 4; i++)
		TEST_ASSERT_OK(pthread_join(th[i], NULL));
	for (int i = 0; i < 4; i++) {
		/* each guest counted in its own memory */
		TEST_ASSERT_EQ(*(uint64_t *)vm_gpa2hva(w[i].vm, DATA_GPA),
			       ITERATIONS - 1);
		vcpu_destroy(w[i].vcpu);
		vm_destroy(w[i].vm);
	}
	pthread_barrier_destroy(&barrier);
}

TEST(two_vps_one_partition)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	struct worker w[2];
	pthread_t th[2];
	pthread_barrier_t barrier;

	memset(w, 0, sizeof(w));
	pthread_barrier_init(&barrier, NULL, 2);
	GUEST_LOAD(vm, CODE_GPA, count_guest);
	setup_worker(&w[0], vm, 0, 0x10, DATA_GPA);
	setup_worker(&w[1], vm, 1, 0x11, DATA_GPA + 0x100);
	w[0].other = &w[1].progress;
	w[1].other = &w[0].progress;
	w[0].barrier = w[1].barrier = &barrier;
	for (int i = 0; i < 2; i++)
		TEST_ASSERT_OK(pthread_create(&th[i], NULL, worker_fn, &w[i]));
	for (int i = 0; i < 2; i++)
		TEST_ASSERT_OK(pthread_join(th[i], NULL));
	TEST_ASSERT_EQ(*(uint64_t *)vm_gpa2hva(vm, DATA_GPA), ITERATIONS - 1);
	TEST_ASSERT_EQ(*(uint64_t *)vm_gpa2hva(vm, DATA_GPA + 0x100), ITERATIONS - 1);
	vcpu_destroy(w[0].vcpu);
	vcpu_destroy(w[1].vcpu);
	vm_destroy(vm);
	pthread_barrier_destroy(&barrier);
}

TEST_MAIN(
	TEST_ENTRY(four_partitions),
	TEST_ENTRY(two_vps_one_partition),
)
