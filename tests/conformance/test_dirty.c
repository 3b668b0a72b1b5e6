/* SPDX-License-Identifier: MIT */
/*
 * Accessed/dirty page tracking: MSHV_GET_GPAP_ACCESS_BITMAP and
 * HVCALL_GET_GPA_PAGES_ACCESS_STATES after the VMM enables the
 * GPA_PAGE_ACCESS_TRACKING property (docs/abi.md §2.9). The bitmap is the
 * state before the op; guest accesses set the bits, the VMM's own writes
 * through its mapping do not.
 */
#include "vmm.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPAGES 512	/* the 2 MiB vm_create_default maps at 0 */

static int gpap(struct vm *vm, uint8_t type, uint8_t op, uint64_t gfn, uint64_t count,
		void *bitmap)
{
	struct mshv_gpap_access_bitmap a = {
		.access_type = type,
		.access_op = op,
		.page_count = count,
		.gpap_base = gfn,
		.bitmap_ptr = (uint64_t)(uintptr_t)bitmap,
	};

	return ioctl(vm->pt_fd, MSHV_GET_GPAP_ACCESS_BITMAP, &a);
}

/* The pages whose bit is set, as a list, for readable failures. */
static unsigned set_pages(const uint8_t *bm, unsigned npages, unsigned *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < npages; i++)
		if (bm[i / 8] >> (i % 8) & 1) {
			if (n < max)
				out[n] = i;
			n++;
		}
	return n;
}

static void expect_pages(const uint8_t *bm, const unsigned *want, unsigned nwant,
			 const char *what)
{
	unsigned got[16];
	unsigned n = set_pages(bm, NPAGES, got, 16);
	bool same = n == nwant;

	for (unsigned i = 0; same && i < n; i++)
		same = got[i] == want[i];
	TEST_ASSERT(same, "%s: %u pages set (first: %#x %#x %#x %#x), expected %u (first %#x)",
		    what, n, n > 0 ? got[0] : 0, n > 1 ? got[1] : 0, n > 2 ? got[2] : 0,
		    n > 3 ? got[3] : 0, nwant, nwant ? want[0] : 0);
}

/* Reads and clears one kind of bit over the low 2 MiB. */
static void take(struct vm *vm, uint8_t type, uint8_t *bm)
{
	memset(bm, 0xa5, NPAGES / 8);
	TEST_ASSERT_OK(gpap(vm, type, MSHV_GPAP_ACCESS_OP_CLEAR, 0, NPAGES, bm));
}

/* 32-bit protected mode without paging: only the pages named are touched
 * (no stack, no descriptor loads). */
GUEST_CODE(dirty_guest,
	".code32\n"
	"movl $0x11, 0x5000\n"		/* write page 5 */
	"movl 0x7000, %eax\n"		/* read page 7 */
	"movl $0x22, 0x9004\n"		/* write page 9 */
	"outb %al, $0x80\n"
	"movl $0x33, 0x5008\n"		/* page 5 again, after the clear */
	"movl $0x44, 0xb000\n"		/* write page 0xb */
	"outb %al, $0x81\n"
	"hlt\n");

static struct vcpu *dirty_vm(struct vm **vmp)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, dirty_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	*vmp = vm;
	return vcpu;
}

TEST(guest_accesses_set_bits)
{
	struct vm *vm;
	struct vcpu *vcpu = dirty_vm(&vm);
	struct hv_message msg;
	uint8_t bm[NPAGES / 8];

	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	take(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, bm);	/* clears dirty too */
	take(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, bm);
	expect_pages(bm, NULL, 0, "dirty right after clearing everything");

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x80), 0);
	/* The VMM's own write through its mapping is not the guest's. */
	memset((uint8_t *)vm_gpa2hva(vm, 0x20000), 1, 0x1000);
	take(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, bm);
	expect_pages(bm, (const unsigned[]){ 5, 9 }, 2, "dirty after the first run");
	take(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, bm);
	expect_pages(bm, (const unsigned[]){ 1, 5, 7, 9 }, 4, "accessed after the first run");

	/* Cleared pages are tracked again: page 5 is written a second time. */
	vcpu_expect_out(vcpu, 0x81);
	take(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, bm);
	expect_pages(bm, (const unsigned[]){ 5, 0xb }, 2, "dirty after the second run");
	take(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, bm);
	expect_pages(bm, (const unsigned[]){ 1, 5, 0xb }, 3, "accessed after the second run");
	/* What the guest wrote is there: the faults were resolved, not
	 * dropped. */
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, 0x5000), 0x11);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, 0x5008), 0x33);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, 0xb000), 0x44);

	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 0);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

/* rust-vmm mshv-ioctls' dirty-log test, on a MAP_NORESERVE region: the
 * CLEAR answers what was set, SET then finds nothing set, NOOP (which the
 * kernel turns into SET) reads the same twice. */
static void clear_set_get(uint64_t size)
{
	struct vm *vm = vm_create(0);
	uint64_t npages = size / 0x1000, chunk = npages < 0x10000 ? npages : 0x10000;
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *a = malloc(chunk / 8), *b = malloc(chunk / 8);
	unsigned char vec[64];

	TEST_ASSERT(mem != MAP_FAILED && a && b, "mmap %#llx: %s", (unsigned long long)size,
		    strerror(errno));
	vm_init(vm);
	TEST_ASSERT_OK(vm_set_memory(vm, 0x100000000ull, size, mem, MEM_RWX));
	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING), 1);
	for (uint64_t p = 0; p < npages; p += chunk) {
		uint64_t gfn = 0x100000 + p;
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_CLEAR, gfn,
				    chunk, a));
		memset(a, 0xff, chunk / 8);
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_SET, gfn,
				    chunk, a));
		for (uint64_t i = 0; i < chunk / 8; i++)
			TEST_ASSERT(a[i] == 0, "page %#llx dirty right after CLEAR",
				    (unsigned long long)(gfn + i * 8));
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_NOOP, gfn,
				    chunk, a));
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_NOOP, gfn,
				    chunk, b));
		TEST_ASSERT(!memcmp(a, b, chunk / 8), "NOOP twice differs at gfn %#llx",
			    (unsigned long long)gfn);
		/* SET made every page of guest RAM dirty (no MMIO or overlay
		 * pages in this range). */
		for (uint64_t i = 0; i < chunk / 8; i++)
			TEST_ASSERT(a[i] == 0xff, "page %#llx not dirty after SET",
				    (unsigned long long)(gfn + i * 8));
	}
	/* None of it touched guest memory: nothing is resident. */
	for (uint64_t off = 0; off < size; off += size / 64) {
		TEST_ASSERT_OK(mincore(mem + off, 0x1000, vec));
		TEST_ASSERT(!(vec[0] & 1), "guest page at offset %#llx became resident",
			    (unsigned long long)off);
	}
	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 0);
	TEST_ASSERT_OK(vm_set_memory(vm, 0x100000000ull, size, mem, MEM_UNMAP));
	vm_destroy(vm);
	munmap(mem, size);
	free(a);
	free(b);
}

TEST(clear_set_get_32m)
{
	clear_set_get(32ull << 20);
}

TEST(clear_set_get_8g)
{
	clear_set_get(8ull << 30);
}

/* 32-bit protected mode: pages of a 1 GiB slot at 1 GiB. */
GUEST_CODE(gib_guest,
	".code32\n"
	"movl $0x55, 0x40005000\n"	/* write: its 2 MiB and 4 KiB entries open */
	"movl 0x40200000, %eax\n"	/* read, in the next 2 MiB */
	"movl $0x66, 0x7ffff000\n"	/* write the slot's last page */
	"outb %al, $0x80\n"
	"hlt\n");

/* Every page of a large slot accessed and clean: the nested tables map it
 * with the largest read-only leaves, which a write must split down to its
 * one page, keeping the rest of the mapping. */
TEST(uniform_slot_split_by_writes)
{
	const uint64_t gpa = 1ull << 30, size = 1ull << 30, chunk = 0x10000;
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *mem = vm_add_memory(vm, gpa, size, MEM_RWX);
	static uint8_t bm[0x10000 / 8];
	unsigned got[4];

	*(uint32_t *)(mem + 0x200000) = 0x77;
	GUEST_LOAD(vm, CODE_GPA, gib_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	for (uint64_t p = 0; p < size / 4096; p += chunk) {
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, MSHV_GPAP_ACCESS_OP_SET,
				    gpa / 4096 + p, chunk, bm));
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_CLEAR,
				    gpa / 4096 + p, chunk, bm));
	}
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x80) & 0xff, 0x77);
	unsigned n = 0;
	for (uint64_t p = 0; p < size / 4096; p += chunk) {
		TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_CLEAR,
				    gpa / 4096 + p, chunk, bm));
		unsigned here[4], k = set_pages(bm, (unsigned)chunk, here, 4);
		for (unsigned i = 0; i < k; i++, n++)
			if (i < 4 && n < 4)
				got[n] = (unsigned)p + here[i];
	}
	TEST_ASSERT_EQ(n, 2);
	TEST_ASSERT_EQ(got[0], 0x5);
	TEST_ASSERT_EQ(got[1], 0x3ffff);
	TEST_ASSERT_EQ(*(uint32_t *)(mem + 0x5000), 0x55);
	TEST_ASSERT_EQ(*(uint32_t *)(mem + size - 0x1000), 0x66);
	vm_destroy(vm);
}

/* The kernel's argument rules (mshv_partition_ioctl_get_gpap_access_bitmap)
 * and its packing: tail bits of the last byte are zero. */
TEST(bitmap_rules)
{
	struct vm *vm = vm_create_default(0);
	uint8_t bm[8];
	struct mshv_gpap_access_bitmap a = { .page_count = 8, .bitmap_ptr = (uintptr_t)bm };

	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	TEST_ASSERT_ERRNO(gpap(vm, 2, 0, 0, 8, bm), EINVAL);
	TEST_ASSERT_ERRNO(gpap(vm, 0, 3, 0, 8, bm), EINVAL);
	TEST_ASSERT_ERRNO(gpap(vm, 0, 0, 0, 0, bm), EINVAL);
	TEST_ASSERT_ERRNO(gpap(vm, 0, 0, 0, 8, NULL), EINVAL);
	a.rsvd[5] = 1;
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_GET_GPAP_ACCESS_BITMAP, &a), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_GET_GPAP_ACCESS_BITMAP, (void *)8), EFAULT);
	TEST_ASSERT_ERRNO(gpap(vm, 1, 2, 0, 8, (void *)8), EFAULT);

	/* 13 pages, all set by SET: one byte and five bits. */
	TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_SET, 0, 13, bm));
	memset(bm, 0xff, sizeof(bm));
	TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_NOOP, 0, 13, bm));
	TEST_ASSERT_EQ(bm[0], 0xff);
	TEST_ASSERT_EQ(bm[1], 0x1f);
	TEST_ASSERT_EQ(bm[2], 0xff);	/* beyond (13 + 7) / 8 bytes: untouched */
	/* DIRTY SET sets "accessed" too; ACCESSED CLEAR clears "dirty" too. */
	TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, MSHV_GPAP_ACCESS_OP_CLEAR, 0, 16, bm));
	TEST_ASSERT_EQ(bm[0] | bm[1] << 8, 0xffff);
	TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, MSHV_GPAP_ACCESS_OP_CLEAR, 0, 16, bm));
	TEST_ASSERT_EQ(bm[0] | bm[1] << 8, 0);
	/* Pages beyond guest memory are never accessed, whatever the op. */
	TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, MSHV_GPAP_ACCESS_OP_SET, NPAGES - 4,
			    16, bm));
	TEST_ASSERT_OK(gpap(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, MSHV_GPAP_ACCESS_OP_NOOP, NPAGES - 4,
			    16, bm));
	TEST_ASSERT_EQ(bm[0] | bm[1] << 8, 0x000f);
	vm_destroy(vm);
}

/* What the emulator chose where the hypervisor's answer is not known. */
TEST(emulator_choices)
{
	struct vm *vm = vm_create_default(0);
	uint8_t bm[NPAGES / 8];
	struct hv_input_get_gpa_pages_access_state in = { .hv_gpa_page_number = 0 };
	uint8_t out[4096];
	uint16_t st = 0;

	test_emulator_only("tracking-off answer and the first state are not documented");
	/* Without tracking: INVALID_PARTITION_STATE (EIO). */
	TEST_ASSERT_ERRNO(gpap(vm, 1, 0, 0, NPAGES, bm), EIO);
	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	/* Every page starts accessed and dirty: a VMM that never cleared
	 * sends everything, which is always safe. */
	take(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, bm);
	for (unsigned i = 0; i < NPAGES / 8; i++)
		TEST_ASSERT_EQ(bm[i], 0xff);
	/* Reserved flag bits and contradicting flags: INVALID_PARAMETER. */
	in.flags.as_uint64 = 1ull << 4;
	TEST_ASSERT_HV_FAIL(hvcall(vm->pt_fd, HVCALL_GET_GPA_PAGES_ACCESS_STATES, 8, &in,
				   sizeof(in), out, sizeof(out), &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	in.flags.as_uint64 = 3;
	TEST_ASSERT_HV_FAIL(hvcall(vm->pt_fd, HVCALL_GET_GPA_PAGES_ACCESS_STATES, 8, &in,
				   sizeof(in), out, sizeof(out), &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	/* More states than an output page holds. */
	in.flags.as_uint64 = 0;
	TEST_ASSERT_HV_FAIL(hvcall(vm->pt_fd, HVCALL_GET_GPA_PAGES_ACCESS_STATES, 4097, &in,
				   sizeof(in), out, sizeof(out), &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_HYPERCALL_INPUT);
	vm_destroy(vm);
}

/* Writes the hypervisor makes for the VMM (WRITE_GPA) count as dirty. */
TEST(write_gpa_is_dirty)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_input_write_gpa in = { .vp_index = 0, .base_gpa = 0x33008, .byte_count = 8 };
	struct hv_output_write_gpa out;
	uint8_t bm[NPAGES / 8];
	uint16_t st = 0;

	vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1);
	take(vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED, bm);
	memset(in.data, 0x5a, 8);
	int ret = hvcall(vcpu->fd, HVCALL_WRITE_GPA, 0, &in, sizeof(in), &out, sizeof(out), &st);
	if (ret == -1 && errno == EINVAL && st == 0)
		test_skip("the driver does not pass WRITE_GPA through");
	TEST_ASSERT(ret == 0 && st == 0, "WRITE_GPA: ret %d errno %s status %#x", ret,
		    strerror(errno), st);
	take(vm, MSHV_GPAP_ACCESS_TYPE_DIRTY, bm);
	expect_pages(bm, (const unsigned[]){ 0x33 }, 1, "dirty after WRITE_GPA");
	vm_destroy(vm);
}

/* clang-format off */
TEST_MAIN(
	TEST_ENTRY(guest_accesses_set_bits),
	TEST_ENTRY(clear_set_get_32m),
	TEST_ENTRY(clear_set_get_8g),
	TEST_ENTRY(uniform_slot_split_by_writes),
	TEST_ENTRY(bitmap_rules),
	TEST_ENTRY(emulator_choices),
	TEST_ENTRY(write_gpa_is_dirty),
)
/* clang-format on */
