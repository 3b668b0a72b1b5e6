/* SPDX-License-Identifier: MIT */
/*
 * Host memory behind guest memory (issue 7).
 *
 * MSHV_SET_GUEST_MEMORY pins the pages with FOLL_WRITE (mshv_region_pin):
 * memory the caller cannot write (a read-only file or mapping, PROT_NONE,
 * a memfd sealed against writes) is refused with EFAULT, whatever the
 * region's own flags. Once mapped, the pages are the guest's until the
 * region is unmapped: the VMM's later munmap, mprotect, MAP_FIXED mmap or
 * mremap of its range changes its own view only. The guest keeps reading
 * and writing its memory; the parts the VMM still maps stay shared.
 */
#define _GNU_SOURCE
#include "vmm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RGN_GPA 0x300000ull
#define PG 0x1000ull

static void *map(size_t size, int prot, int flags, int fd)
{
	void *p = mmap(NULL, size, prot, flags | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

TEST(readonly_file_refused)
{
	struct vm *vm = vm_create_default(0);
	char path[] = "/tmp/mshv-hostmem-XXXXXX";
	int fd = mkstemp(path), ro;
	void *p;

	TEST_ASSERT(fd >= 0, "mkstemp: %s", strerror(errno));
	TEST_ASSERT_OK(ftruncate(fd, 0x4000));
	ro = open(path, O_RDONLY);
	TEST_ASSERT(ro >= 0, "open read-only: %s", strerror(errno));
	unlink(path);
	/* The attack of issue 7: a read-only shared file mapping as RAM. */
	p = map(0x4000, PROT_READ, MAP_SHARED, ro);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, MEM_RWX), EFAULT);
	/* Read-only for the guest too: the pin is FOLL_WRITE regardless. */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, 0), EFAULT);
	/* Nothing was mapped: the GPA range is still free. */
	void *ok = map(0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, -1);
	TEST_ASSERT_OK(vm_set_memory(vm, RGN_GPA, 0x4000, ok, MEM_RWX));
	close(ro);
	close(fd);
	vm_destroy(vm);
}

TEST(prot_none_and_partly_readonly_refused)
{
	struct vm *vm = vm_create_default(0);
	uint8_t *p = map(0x4000, PROT_NONE, MAP_SHARED, -1);

	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, MEM_RWX), EFAULT);
	/* Writable but for its last page. */
	TEST_ASSERT_OK(mprotect(p, 0x4000, PROT_READ | PROT_WRITE));
	TEST_ASSERT_OK(mprotect(p + 0x3000, 0x1000, PROT_READ));
	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, MEM_RWX), EFAULT);
	/* A hole after the start is a pin failure too. */
	TEST_ASSERT_OK(munmap(p + 0x3000, 0x1000));
	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, MEM_RWX), EFAULT);
	TEST_ASSERT_OK(vm_set_memory(vm, RGN_GPA, 0x3000, p, MEM_RWX));
	vm_destroy(vm);
}

TEST(sealed_memfd_refused)
{
	struct vm *vm = vm_create_default(0);
	int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
	void *p;

	TEST_ASSERT(fd >= 0, "memfd_create: %s", strerror(errno));
	TEST_ASSERT_OK(ftruncate(fd, 0x4000));
	TEST_ASSERT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW));
	/* Only a read-only shared mapping is possible now. */
	TEST_ASSERT(mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED,
		    "writable mapping of a sealed memfd");
	p = map(0x4000, PROT_READ, MAP_SHARED, fd);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, MEM_RWX), EFAULT);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, RGN_GPA, 0x4000, p, MEM_X), EFAULT);
	/* The VMM goes on as before. */
	struct vcpu *vcpu = vcpu_create(vm, 0);
	vcpu_destroy(vcpu);
	close(fd);
	vm_destroy(vm);
}

/* Reads the first word of three pages at RGN_GPA (ports 0x10-0x12),
 * then writes a word at offset 4 of each. */
GUEST_CODE(three_pages,
	".code32\n"
	"movl 0x300000, %eax\n"
	"outl %eax, $0x10\n"
	"movl 0x301000, %eax\n"
	"outl %eax, $0x11\n"
	"movl 0x302000, %eax\n"
	"outl %eax, $0x12\n"
	"movl $0x11111111, 0x300004\n"
	"movl $0x22222222, 0x301004\n"
	"movl $0x33333333, 0x302004\n"
	"hlt\n");

struct rig {
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *h;
};

static uint32_t *word(uint8_t *h, unsigned page, unsigned off)
{
	return (uint32_t *)(h + page * PG + off);
}

/* A VM with three pages of host memory h (mapped as given) at RGN_GPA. */
static struct rig rig_new(int mflags)
{
	struct rig r = { .vm = vm_create_default(0) };

	r.vcpu = vcpu_create(r.vm, 0);
	r.h = map(3 * PG, PROT_READ | PROT_WRITE, mflags, -1);
	for (unsigned i = 0; i < 3; i++)
		*word(r.h, i, 0) = 0xa0 + i;
	int rc = vm_set_memory(r.vm, RGN_GPA, 3 * PG, r.h, MEM_RWX);
	/* A face that cannot share private memory says so (CUSE:
	 * docs/cuse.md); the kernel takes it. */
	if (rc < 0 && errno == EOPNOTSUPP && mflags == MAP_PRIVATE)
		test_skip("private memory cannot be shared by this /dev/mshv");
	TEST_ASSERT_OK(rc);
	GUEST_LOAD(r.vm, CODE_GPA, three_pages);
	return r;
}

/* Runs three_pages: it must read want[] and halt. */
static void rig_run(struct rig *r, const uint32_t want[3])
{
	struct hv_message msg;

	vcpu_setup_protected_mode(r->vcpu, CODE_GPA, STACK_TOP);
	for (unsigned i = 0; i < 3; i++)
		TEST_ASSERT_EQ(vcpu_expect_out(r->vcpu, 0x10 + i), want[i]);
	TEST_ASSERT_EQ(vcpu_run_ok(r->vcpu, &msg), HVMSG_X64_HALT);
}

/* The registration is still the one the VMM made. */
static void rig_done(struct rig *r, void *reg_host)
{
	TEST_ASSERT_OK(vm_set_memory(r->vm, RGN_GPA, 3 * PG, reg_host, MEM_UNMAP));
	vcpu_destroy(r->vcpu);
	vm_destroy(r->vm);
}

static void munmap_part_case(int mflags)
{
	struct rig r = rig_new(mflags);
	static const uint32_t want[3] = { 0xb0, 0xa1, 0xa2 };

	TEST_ASSERT_OK(munmap(r.h + PG, PG));
	*word(r.h, 0, 0) = 0xb0;	/* the rest is still shared */
	rig_run(&r, want);
	TEST_ASSERT_EQ(*word(r.h, 0, 4), 0x11111111);
	TEST_ASSERT_EQ(*word(r.h, 2, 4), 0x33333333);
	/* New memory at the hole is the VMM's alone. */
	uint8_t *n = mmap(r.h + PG, PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TEST_ASSERT(n == r.h + PG, "mmap: %s", strerror(errno));
	TEST_ASSERT_EQ(*word(n, 0, 4), 0);
	*word(n, 0, 0) = 0xc1;
	rig_run(&r, want);
	rig_done(&r, r.h);
}

TEST(munmap_part_private)
{
	munmap_part_case(MAP_PRIVATE);
}

TEST(munmap_part_shared)
{
	munmap_part_case(MAP_SHARED);
}

TEST(munmap_whole_region)
{
	struct rig r = rig_new(MAP_SHARED);
	static const uint32_t want[3] = { 0xa0, 0xa1, 0xa2 };

	TEST_ASSERT_OK(munmap(r.h, 3 * PG));
	rig_run(&r, want);
	rig_run(&r, want);	/* and again: the guest's writes stayed */
	rig_done(&r, r.h);
}

static void prot_none_case(int mflags)
{
	struct rig r = rig_new(mflags);
	static const uint32_t want[3] = { 0xa0, 0xa1, 0xa2 };
	static const uint32_t want2[3] = { 0xd0, 0xa1, 0xa2 };

	TEST_ASSERT_OK(mprotect(r.h, 3 * PG, PROT_NONE));
	rig_run(&r, want);
	/* The VMM's view follows its own calls, on the same pages. */
	TEST_ASSERT_OK(mprotect(r.h, 3 * PG, PROT_READ | PROT_WRITE));
	for (unsigned i = 0; i < 3; i++)
		TEST_ASSERT_EQ(*word(r.h, i, 4), 0x11111111u * (i + 1));
	*word(r.h, 0, 0) = 0xd0;
	rig_run(&r, want2);
	rig_done(&r, r.h);
}

TEST(prot_none_private)
{
	prot_none_case(MAP_PRIVATE);
}

TEST(prot_none_shared)
{
	prot_none_case(MAP_SHARED);
}

static void read_only_case(int mflags)
{
	struct rig r = rig_new(mflags);
	static const uint32_t want[3] = { 0xa0, 0xe1, 0xa2 };

	*word(r.h, 1, 0) = 0xe1;
	TEST_ASSERT_OK(mprotect(r.h + PG, PG, PROT_READ));
	rig_run(&r, want);	/* guest writes to the read-only page */
	TEST_ASSERT_EQ(*word(r.h, 1, 4), 0x22222222);
	rig_done(&r, r.h);
}

TEST(read_only_private)
{
	read_only_case(MAP_PRIVATE);
}

TEST(read_only_shared)
{
	read_only_case(MAP_SHARED);
}

static void map_fixed_case(int mflags)
{
	struct rig r = rig_new(mflags);
	static const uint32_t want[3] = { 0xa0, 0xa1, 0xa2 };
	uint8_t *n = mmap(r.h, 3 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	TEST_ASSERT(n == r.h, "mmap: %s", strerror(errno));
	TEST_ASSERT_EQ(*word(n, 0, 0), 0);
	rig_run(&r, want);
	TEST_ASSERT_EQ(*word(n, 0, 4), 0);	/* not the guest's any more */
	rig_done(&r, r.h);
}

TEST(map_fixed_private)
{
	map_fixed_case(MAP_PRIVATE);
}

TEST(map_fixed_shared)
{
	map_fixed_case(MAP_SHARED);
}

static void mremap_case(int mflags)
{
	struct rig r = rig_new(mflags);
	static const uint32_t want[3] = { 0xf0, 0xa1, 0xa2 };
	uint8_t *dst = map(3 * PG, PROT_NONE, MAP_PRIVATE, -1);
	uint8_t *n = mremap(r.h, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);

	TEST_ASSERT(n == dst, "mremap: %s", strerror(errno));
	TEST_ASSERT_EQ(*word(n, 1, 0), 0xa1);
	*word(n, 0, 0) = 0xf0;	/* the moved pages are still the guest's */
	rig_run(&r, want);
	TEST_ASSERT_EQ(*word(n, 2, 4), 0x33333333);
	rig_done(&r, r.h);
}

TEST(mremap_private)
{
	mremap_case(MAP_PRIVATE);
}

TEST(mremap_shared)
{
	mremap_case(MAP_SHARED);
}

TEST_MAIN(TEST_ENTRY(readonly_file_refused),
	  TEST_ENTRY(prot_none_and_partly_readonly_refused),
	  TEST_ENTRY(sealed_memfd_refused),
	  TEST_ENTRY(munmap_part_private),
	  TEST_ENTRY(munmap_part_shared),
	  TEST_ENTRY(munmap_whole_region),
	  TEST_ENTRY(prot_none_private),
	  TEST_ENTRY(prot_none_shared),
	  TEST_ENTRY(read_only_private),
	  TEST_ENTRY(read_only_shared),
	  TEST_ENTRY(map_fixed_private),
	  TEST_ENTRY(map_fixed_shared),
	  TEST_ENTRY(mremap_private),
	  TEST_ENTRY(mremap_shared))
