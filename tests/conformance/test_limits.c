/* SPDX-License-Identifier: MIT */
/*
 * Exhaustion is an errno, never a crash (issue 7). Each resource a VMM can
 * make the driver allocate is flooded past any plausible cap; every refusal
 * must carry the errno the kernel gives when that resource runs out, and
 * the VMM must keep working afterwards (freeing one lets the next succeed,
 * and a guest still runs). A driver without a cap simply accepts them all.
 *
 *   partitions        ENOMEM (hypervisor memory for a new partition)
 *   memory regions    ENOMEM (the region's vzalloc)
 *   irqfds            ENOMEM (the irqfd's kzalloc)
 *   ioeventfds        ENOSPC (doorbell port id IDR, mshv_portid_alloc)
 *   VPs               EINVAL past vp_index 255
 *   MSI routes        EINVAL past 4096 entries
 */
#define _GNU_SOURCE
#include "vmm.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Beyond every cap the emulator documents (docs/security.md). */
#define FLOOD_PARTITIONS 160
#define FLOOD_REGIONS 4200	/* Unicorn 2.1.1 aborts at its 4,096th */
#define FLOOD_FDS 1100
/* The floods target the emulator's caps; on a real host they would take
 * hypervisor memory from every other partition. */
#define FLOOD_ON_HOST "floods the host hypervisor past the emulator's caps"

/* Enough descriptors for the floods (the core duplicates eventfds). */
static void want_fds(rlim_t n)
{
	struct rlimit rl;

	TEST_ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur >= n)
		return;
	if (rl.rlim_max < n)
		test_skip("RLIMIT_NOFILE hard limit too low for the flood");
	rl.rlim_cur = n;
	TEST_ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
}

/* A guest still runs: OUT of a constant. */
GUEST_CODE(alive_guest,
	".code16\n"
	"mov $0x4321, %ax\n"
	"out %ax, $0x44\n"
	"hlt\n");

static void guest_runs(struct vm *vm, uint32_t vp_index)
{
	struct vcpu *vcpu = vcpu_create(vm, vp_index);

	GUEST_LOAD(vm, CODE_GPA, alive_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x44) & 0xffff, 0x4321);
	vcpu_destroy(vcpu);
}

TEST(partition_flood)
{
	test_emulator_only(FLOOD_ON_HOST);
	struct mshv_create_partition args = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	int fds[FLOOD_PARTITIONS], n = 0, refused = 0;
	int sys = mshv_open(O_RDWR);

	want_fds(4 * FLOOD_PARTITIONS);
	for (int i = 0; i < FLOOD_PARTITIONS; i++) {
		int fd = ioctl(sys, MSHV_CREATE_PARTITION, &args);

		if (fd < 0) {
			TEST_ASSERT(errno == ENOMEM, "partition %d: %s", i, strerror(errno));
			refused++;
			continue;
		}
		fds[n++] = fd;
	}
	printf("# %d partitions created, %d refused\n", n, refused);
	if (refused) {
		/* One gone, one more fits. */
		close(fds[--n]);
		int fd = ioctl(sys, MSHV_CREATE_PARTITION, &args);
		TEST_ASSERT(fd >= 0, "after a close: %s", strerror(errno));
		fds[n++] = fd;
		close(fds[--n]);
	}
	while (n)
		close(fds[--n]);
	struct vm *vm = vm_create_default(0);
	guest_runs(vm, 0);
	vm_destroy(vm);
	close(sys);
}

TEST(region_flood)
{
	test_emulator_only(FLOOD_ON_HOST);
	struct vm *vm = vm_create_default(0);
	const uint64_t base = 0x10000000;	/* 256 MiB, above vm_create_default's */
	uint8_t *mem = mmap(NULL, FLOOD_REGIONS * PAGE_SIZE_4K, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int ok = 0, refused = 0, first_refused = -1;

	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	/* One page each, a page apart in GPA: nothing merges. */
	for (int i = 0; i < FLOOD_REGIONS; i++) {
		int r = vm_set_memory(vm, base + 2 * i * PAGE_SIZE_4K, PAGE_SIZE_4K,
				      mem + i * PAGE_SIZE_4K, MEM_RWX);
		if (r < 0) {
			TEST_ASSERT(errno == ENOMEM, "region %d: %s", i, strerror(errno));
			if (first_refused < 0)
				first_refused = i;
			refused++;
		} else {
			ok++;
		}
	}
	printf("# %d regions mapped, %d refused\n", ok, refused);
	if (refused) {
		int last = first_refused - 1;

		TEST_ASSERT_OK(vm_set_memory(vm, base + 2 * last * PAGE_SIZE_4K, PAGE_SIZE_4K,
					     mem + last * PAGE_SIZE_4K, MEM_UNMAP));
		TEST_ASSERT_OK(vm_set_memory(vm, base + 2 * first_refused * PAGE_SIZE_4K,
					     PAGE_SIZE_4K, mem + first_refused * PAGE_SIZE_4K,
					     MEM_RWX));
	}
	guest_runs(vm, 0);
	vm_destroy(vm);
	munmap(mem, FLOOD_REGIONS * PAGE_SIZE_4K);
}

TEST(irqfd_flood)
{
	test_emulator_only(FLOOD_ON_HOST);
	struct vm *vm = vm_create_default(0);
	int efd[FLOOD_FDS], ok = 0, refused = 0;
	struct mshv_user_irqfd a;

	want_fds(2 * FLOOD_FDS + 64);	/* ours and the core's duplicates */
	for (int i = 0; i < FLOOD_FDS; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC);
		TEST_ASSERT(efd[i] >= 0, "eventfd: %s", strerror(errno));
		memset(&a, 0, sizeof(a));
		a.fd = efd[i];
		a.gsi = (uint32_t)i;
		if (ioctl(vm->pt_fd, MSHV_IRQFD, &a) < 0) {
			TEST_ASSERT(errno == ENOMEM, "irqfd %d: %s", i, strerror(errno));
			refused++;
		} else {
			ok++;
		}
	}
	printf("# %d irqfds assigned, %d refused\n", ok, refused);
	if (refused) {
		memset(&a, 0, sizeof(a));
		a.fd = efd[0];
		a.gsi = 0;
		a.flags = 1u << MSHV_IRQFD_BIT_DEASSIGN;
		TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_IRQFD, &a));
		a.fd = efd[FLOOD_FDS - 1];
		a.gsi = FLOOD_FDS - 1;
		a.flags = 0;
		TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_IRQFD, &a));
	}
	guest_runs(vm, 0);
	vm_destroy(vm);
	for (int i = 0; i < FLOOD_FDS; i++)
		close(efd[i]);
}

TEST(ioeventfd_flood)
{
	test_emulator_only(FLOOD_ON_HOST);
	struct vm *vm = vm_create_default(0);
	int efd = eventfd(0, EFD_CLOEXEC), ok = 0, refused = 0, first_refused = -1;
	const uint64_t base = 0xd0000000;
	struct mshv_user_ioeventfd a;

	want_fds(2 * FLOOD_FDS + 64);
	TEST_ASSERT(efd >= 0, "eventfd: %s", strerror(errno));
	for (int i = 0; i < FLOOD_FDS; i++) {
		memset(&a, 0, sizeof(a));
		a.fd = efd;
		a.addr = base + 8ull * i;
		a.len = 4;
		if (ioctl(vm->pt_fd, MSHV_IOEVENTFD, &a) < 0) {
			TEST_ASSERT(errno == ENOSPC, "ioeventfd %d: %s", i, strerror(errno));
			if (first_refused < 0)
				first_refused = i;
			refused++;
		} else {
			ok++;
		}
	}
	printf("# %d ioeventfds assigned, %d refused\n", ok, refused);
	if (refused) {
		memset(&a, 0, sizeof(a));
		a.fd = efd;
		a.addr = base;
		a.len = 4;
		a.flags = 1u << MSHV_IOEVENTFD_BIT_DEASSIGN;
		TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_IOEVENTFD, &a));
		a.addr = base + 8ull * first_refused;
		a.flags = 0;
		TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_IOEVENTFD, &a));
	}
	guest_runs(vm, 0);
	vm_destroy(vm);
	close(efd);
}

TEST(vp_index_and_route_caps)
{
	struct vm *vm = vm_create_default(0);
	struct mshv_create_vp vp = { .vp_index = 256 };
	size_t sz = sizeof(struct mshv_user_irq_table) + 4097 * sizeof(struct mshv_user_irq_entry);
	struct mshv_user_irq_table *t = calloc(1, sz);

	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_VP, &vp), EINVAL);
	TEST_ASSERT(t, "calloc");
	t->nr = 4097;
	for (uint32_t i = 0; i < t->nr; i++)
		t->entries[i].gsi = i;
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_SET_MSI_ROUTING, t), EINVAL);
	t->nr = 4096;	/* the largest table is fine */
	TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_SET_MSI_ROUTING, t));
	free(t);
	guest_runs(vm, 255);
	vm_destroy(vm);
}

TEST_MAIN(TEST_ENTRY(partition_flood),
	  TEST_ENTRY(region_flood),
	  TEST_ENTRY(irqfd_flood),
	  TEST_ENTRY(ioeventfd_flood),
	  TEST_ENTRY(vp_index_and_route_caps))
