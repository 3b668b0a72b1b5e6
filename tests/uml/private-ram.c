/* SPDX-License-Identifier: MIT */
/*
 * Private anonymous guest RAM over the kernel CUSE path, through
 * "mshv-emu run --cuse" (docs/cuse.md §2.1), run by test-uml-cuse. Linked
 * statically: the launcher must serve static VMMs.
 *
 * The VMM allocates guest RAM as QEMU and Cloud Hypervisor do by default,
 * mmap(MAP_PRIVATE | MAP_ANONYMOUS), and registers it unchanged: the
 * launcher makes it shared memory the daemon can map. The guest sees what
 * the VMM wrote before and after registration, the VMM sees what the
 * guest wrote, an 8 GiB MAP_NORESERVE region costs no memory, and a
 * region registered while another VP runs does not disturb it.
 */
#define _GNU_SOURCE
#include "../conformance/vmm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define RGN_GPA 0x300000ull
#define PG 0x1000ull
#define BIG (8ull << 30)
#define BIG_GPA (1ull << 32)
#define BIG_VA 0x400000ull

static uint8_t *private_map(size_t size, int extra)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/* The vma holding p: 's' or 'p', and its Rss in KiB. */
static char vma_share(const void *p, long *rss_kb)
{
	char line[512], share = '?';
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	TEST_ASSERT(f, "smaps: %s", strerror(errno));
	*rss_kb = -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s ", &s, &e, perms) == 3 && strchr(line, '-') <
		    strchr(line, ' ')) {
			in = (uintptr_t)p >= s && (uintptr_t)p < e;
			if (in)
				share = perms[3];
		} else if (in && sscanf(line, "Rss: %ld kB", rss_kb) == 1) {
			break;
		}
	}
	fclose(f);
	return share;
}

/* For each of three pages at RGN_GPA: OUT its first word to port 0x10,
 * then store 0x5eed at offset 4. */
GUEST_CODE(walk_pages,
	".code32\n"
	"movl $0x300000, %ebx\n"
	"1: movl (%ebx), %eax\n"
	"outl %eax, $0x10\n"
	"movl $0x5eed, 4(%ebx)\n"
	"addl $0x1000, %ebx\n"
	"cmpl $0x303000, %ebx\n"
	"jne 1b\n"
	"hlt\n");

static uint32_t *word(uint8_t *h, unsigned page, unsigned off)
{
	return (uint32_t *)(h + page * PG + off);
}

TEST(pointer_both_ways)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = vcpu_create(vm, 0);
	uint8_t *h = private_map(3 * PG, 0);
	struct hv_message msg;
	long rss;

	*word(h, 0, 0) = 0xa0;	/* before registration */
	TEST_ASSERT_EQ(vma_share(h, &rss), 'p');
	TEST_ASSERT_OK(vm_set_memory(vm, RGN_GPA, 3 * PG, h, MEM_RWX));
	TEST_ASSERT_EQ(vma_share(h, &rss), 's');
	*word(h, 1, 0) = 0xb1;	/* after, through the VMM's own pointer */
	*word(h, 2, 0) = 0xb2;
	GUEST_LOAD(vm, CODE_GPA, walk_pages);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0xa0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0xb1);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0xb2);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	for (unsigned i = 0; i < 3; i++)	/* the guest's writes */
		TEST_ASSERT_EQ(*word(h, i, 4), 0x5eed);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

/* Reads the word at BIG_VA (the last page of the 8 GiB region), writes one
 * after it. */
GUEST_CODE(big_last_page,
	".code64\n"
	"movl 0x400000, %eax\n"
	"outl %eax, $0x10\n"
	"movl $0x77777777, 0x400004\n"
	"hlt\n");

TEST(large_noreserve)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = vcpu_create(vm, 0);
	uint8_t *big = private_map(BIG, MAP_NORESERVE);
	struct hv_message msg;
	long rss;

	*word(big, (unsigned)(BIG / PG - 1), 0) = 0x5a5a5a5a;
	big[BIG / 2] = 0x42;
	TEST_ASSERT_OK(vm_set_memory(vm, BIG_GPA, BIG, big, MEM_RWX));
	/* Shared now, the two written pages copied, nothing else touched. */
	TEST_ASSERT_EQ(vma_share(big + BIG / 2, &rss), 's');
	TEST_ASSERT(rss >= 0 && rss <= 256, "Rss of the 8 GiB region: %ld KiB", rss);
	TEST_ASSERT_EQ(big[BIG / 2], 0x42);
	GUEST_LOAD(vm, CODE_GPA, big_last_page);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	vm_map_page(vm, BIG_VA, BIG_GPA + BIG - PG, PTE_W);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x5a5a5a5a);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(*word(big, (unsigned)(BIG / PG - 1), 4), 0x77777777);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

/* One OUT to 0x20 per loop, forever. */
GUEST_CODE(spin_out,
	".code32\n"
	"1: outb %al, $0x20\n"
	"jmp 1b\n");

static atomic_int spin_stop;
static atomic_long spin_exits;

static void *spin_vp(void *arg)
{
	struct vcpu *vcpu = arg;

	while (!atomic_load(&spin_stop)) {
		vcpu_expect_out(vcpu, 0x20);
		atomic_fetch_add(&spin_exits, 1);
	}
	return NULL;
}

TEST(registered_while_a_vp_runs)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *v1 = vcpu_create(vm, 1);
	pthread_t th;

	GUEST_LOAD(vm, 0x8000, spin_out);
	vcpu_setup_protected_mode(v1, 0x8000, STACK_TOP);
	TEST_ASSERT_EQ(pthread_create(&th, NULL, spin_vp, v1), 0);
	while (atomic_load(&spin_exits) < 5)
		sched_yield();
	for (unsigned i = 0; i < 4; i++) {
		uint8_t *h = private_map(16 * PG, 0);
		long rss;

		h[PG * i] = (uint8_t)(0xc0 + i);
		TEST_ASSERT_OK(vm_set_memory(vm, RGN_GPA + i * 16 * PG, 16 * PG, h, MEM_RWX));
		TEST_ASSERT_EQ(vma_share(h, &rss), 's');
		TEST_ASSERT_EQ(h[PG * i], 0xc0 + i);
	}
	long at = atomic_load(&spin_exits);
	while (atomic_load(&spin_exits) < at + 5)
		sched_yield();	/* the other VP still runs */
	atomic_store(&spin_stop, 1);
	pthread_join(th, NULL);
	vcpu_destroy(v1);
	vm_destroy(vm);
}

TEST_MAIN(TEST_ENTRY(pointer_both_ways),
	  TEST_ENTRY(large_noreserve),
	  TEST_ENTRY(registered_while_a_vp_runs))
