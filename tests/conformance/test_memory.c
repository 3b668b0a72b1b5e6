/* SPDX-License-Identifier: MIT */
/*
 * MSHV_SET_GUEST_MEMORY: validation, overlap rules, unmap, large regions,
 * zero-copy sharing between host and guest.  docs/abi.md §2.5.
 */
#include "vmm.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void *anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static int set_mem_raw(struct vm *vm, struct mshv_user_mem_region *r)
{
	return ioctl(vm->pt_fd, MSHV_SET_GUEST_MEMORY, r);
}

static void region(struct mshv_user_mem_region *r, uint64_t gpa,
		   uint64_t size, void *hva, uint8_t flags)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->guest_pfn = gpa >> 12;
	r->userspace_addr = (uint64_t)(uintptr_t)hva;
	r->flags = flags;
}

TEST(bad_arguments)
{
	struct vm *vm = vm_create(0);
	uint8_t *p = anon(0x10000);
	struct mshv_user_mem_region r;

	vm_init(vm);
	region(&r, 0x100000, 0, p, MEM_RWX);
	TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	region(&r, 0x100000, 0x800, p, MEM_RWX);
	TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	region(&r, 0x100000, 0x1001, p, MEM_RWX);
	TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	region(&r, 0x100000, 0x1000, p + 0x10, MEM_RWX);
	TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	region(&r, 0x100000, 0x1000, p + 0x800, MEM_RWX);
	TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	for (unsigned bit = 3; bit < 8; bit++) {
		region(&r, 0x100000, 0x1000, p, (uint8_t)(1u << bit));
		TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	}
	for (unsigned i = 0; i < sizeof(r.rsvd); i++) {
		region(&r, 0x100000, 0x1000, p, MEM_RWX);
		r.rsvd[i] = 1;
		TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	}
	/* the common checks also apply to unmap */
	region(&r, 0x100000, 0, p, MEM_UNMAP);
	TEST_ASSERT_ERRNO(set_mem_raw(vm, &r), EINVAL);
	/* bad argument pointer */
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_SET_GUEST_MEMORY, (void *)8), EFAULT);

	/* and nothing got mapped: the good one now succeeds */
	region(&r, 0x100000, 0x10000, p, MEM_RWX);
	TEST_ASSERT_OK(set_mem_raw(vm, &r));
	/* flags 0 (read-only, no execute) is a valid mapping */
	region(&r, 0x200000, 0x1000, p, 0);
	TEST_ASSERT_OK(set_mem_raw(vm, &r));
	vm_destroy(vm);
}

TEST(unmapped_userspace)
{
	struct vm *vm = vm_create(0);
	void *p = anon(0x4000);
	struct mshv_user_mem_region r;
	int ret, err;

	vm_init(vm);
	munmap(p, 0x4000);
	region(&r, 0x100000, 0x4000, p, MEM_RWX);
	ret = set_mem_raw(vm, &r);
	err = errno;
	TEST_ASSERT(ret == -1 && (err == EINVAL || err == EFAULT),
		    "ret %d errno %s", ret, strerror(err));
	/* non-canonical / kernel address */
	region(&r, 0x100000, 0x4000, (void *)0xffff800000000000ull, MEM_RWX);
	ret = set_mem_raw(vm, &r);
	err = errno;
	TEST_ASSERT(ret == -1 && (err == EINVAL || err == EFAULT),
		    "ret %d errno %s", ret, strerror(err));
	vm_destroy(vm);
}

TEST(gpa_overlap)
{
	struct vm *vm = vm_create(0);
	uint8_t *a = anon(0x200000), *b = anon(0x200000), *c = anon(0x600000);

	vm_init(vm);
	TEST_ASSERT_OK(vm_set_memory(vm, 0x400000, 0x200000, a, MEM_RWX));
	/* same range, other memory */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x400000, 0x200000, b, MEM_RWX), EEXIST);
	/* partial overlaps at either end and containment */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x500000, 0x200000, b, MEM_RWX), EEXIST);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x300000, 0x101000, b, MEM_RWX), EEXIST);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x5ff000, 0x1000, b, MEM_RWX), EEXIST);
	/* a range containing the whole region */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x200000, 0x600000, c, 0), EEXIST);
	/* adjacent on both sides is fine */
	TEST_ASSERT_OK(vm_set_memory(vm, 0x600000, 0x1000, b, MEM_RWX));
	TEST_ASSERT_OK(vm_set_memory(vm, 0x3ff000, 0x1000, b + 0x1000, MEM_RWX));
	vm_destroy(vm);
}

GUEST_CODE(alias_guest,
	".code32\n"
	"movl $0x12345678, 0x300010\n"
	"movl 0x400010, %eax\n"
	"outl %eax, $0x10\n"
	"movl $0x9abcdef0, 0x400020\n"
	"movl 0x300020, %eax\n"
	"outl %eax, $0x11\n"
	"hlt\n");

TEST(userspace_overlap_allowed)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *p = anon(0x2000);

	/* one host page, two disjoint guest-physical ranges */
	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, p, MEM_RWX));
	TEST_ASSERT_OK(vm_set_memory(vm, 0x400000, 0x2000, p, MEM_RWX));
	GUEST_LOAD(vm, CODE_GPA, alias_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x12345678);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11), 0x9abcdef0);
	TEST_ASSERT_EQ(*(uint32_t *)(p + 0x10), 0x12345678);
	TEST_ASSERT_EQ(*(uint32_t *)(p + 0x20), 0x9abcdef0);
	vm_destroy(vm);
}

TEST(unmap_rules)
{
	struct vm *vm = vm_create(0);
	uint8_t *p = anon(0x4000);

	vm_init(vm);
	/* nothing mapped there */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x50000000, 0x1000, p, MEM_UNMAP), ENOENT);

	TEST_ASSERT_OK(vm_set_memory(vm, 0x100000, 0x2000, p, MEM_RWX));
	/* size mismatch */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x100000, 0x1000, p, MEM_UNMAP), EINVAL);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x100000, 0x3000, p, MEM_UNMAP), EINVAL);
	/* userspace address mismatch */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x100000, 0x2000, p + 0x1000, MEM_UNMAP), EINVAL);
	/* gfn inside the region but not its start */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x101000, 0x1000, p + 0x1000, MEM_UNMAP), EINVAL);
	/* other flag bits are ignored with UNMAP */
	TEST_ASSERT_OK(vm_set_memory(vm, 0x100000, 0x2000, p, MEM_UNMAP | MEM_RWX));
	/* gone */
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 0x100000, 0x2000, p, MEM_UNMAP), ENOENT);
	/* and the range can be mapped again, with other memory */
	TEST_ASSERT_OK(vm_set_memory(vm, 0x100000, 0x2000, p + 0x2000, MEM_W));
	TEST_ASSERT_OK(vm_set_memory(vm, 0x100000, 0x2000, p + 0x2000, MEM_UNMAP));
	vm_destroy(vm);
}

GUEST_CODE(remap_guest,
	".code32\n"
	"movl 0x300000, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n");

TEST(unmap_then_access)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *a = anon(0x1000), *b = anon(0x1000);
	struct hv_message msg;

	*(uint32_t *)a = 0xaaaa0001;
	*(uint32_t *)b = 0xbbbb0002;
	GUEST_LOAD(vm, CODE_GPA, remap_guest);

	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, a, MEM_RWX));
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0xaaaa0001);

	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, a, MEM_UNMAP));
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNMAPPED_GPA);
	TEST_ASSERT_EQ(msg_mem(&msg)->guest_physical_address, 0x300000);

	/* QEMU-style remap on UNMAPPED_GPA: the access is retried */
	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, b, MEM_RWX));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0xbbbb0002);
	vm_destroy(vm);
}

GUEST_CODE(big_guest,
	".code64\n"
	"movabs $0x600ff8, %rbx\n"
	"movq (%rbx), %rax\n"
	"outl %eax, $0x10\n"
	"movabs $0x1122334455667788, %rax\n"
	"movq %rax, (%rbx)\n"
	"movq $0x601000, %rbx\n"
	"movq $0x77, (%rbx)\n"
	"hlt\n");

TEST(eight_gib_region)
{
	const uint64_t size = 8ull << 30, gpa = 4ull << 30;
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *p = vm_add_memory(vm, gpa, size, MEM_RWX);
	struct hv_message msg;

	/* VA 0x600000 -> last page of the region, VA 0x601000 -> first */
	vm_setup_paging(vm);
	vm_map_page(vm, 0x600000, gpa + size - 0x1000, PTE_W);
	vm_map_page(vm, 0x601000, gpa, PTE_W);
	*(uint64_t *)(p + size - 8) = 0xfeedface;
	GUEST_LOAD(vm, CODE_GPA, big_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xffffffff, 0xfeedface);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(*(uint64_t *)(p + size - 8), 0x1122334455667788ull);
	TEST_ASSERT_EQ(*(uint64_t *)p, 0x77);
	vm_destroy(vm);
}

GUEST_CODE(share_guest,
	".code16\n"
	"share_loop:\n"
	"movb (0x8000), %al\n"
	"incb %al\n"
	"movb %al, (0x8001)\n"
	"outb %al, $0x10\n"
	"jmp share_loop\n");

TEST(shared_no_copy)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	volatile uint8_t *data = vm_gpa2hva(vm, DATA_GPA);

	GUEST_LOAD(vm, CODE_GPA, share_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	for (unsigned v = 5; v < 250; v += 37) {
		data[0] = (uint8_t)v;	/* host store, seen by the guest */
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, v + 1);
		/* guest store, seen by the host right at the exit */
		TEST_ASSERT_EQ(data[1], v + 1);
	}
	vm_destroy(vm);
}

GUEST_CODE(walk_guest,
	".code64\n"
	"movl $0x40000000, %ebx\n"
	"movl (%rbx), %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n");

#define WALK_PT_GPA 0x500000ull
#define PTE_ADDR(e) ((e) & 0x000ffffffffff000ull)

/*
 * The page table the guest's walk needs lies at a GPA with no memory: the
 * walk exits as HVMSG_UNMAPPED_GPA at that GPA (not a guest #PF), the VMM
 * maps the page, and the same instruction completes.
 */
TEST(page_walk_through_unmapped_gpa)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *pt = anon(0x1000);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, walk_guest);
	*(uint32_t *)vm_gpa2hva(vm, DATA_GPA) = 0x5a5a0003;
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	vm_map_page(vm, 0x40000000, DATA_GPA, PTE_W);
	/* Move the page table of VA 1 GiB (PML4 0, PDPT 1, PD 0) out of
	 * guest memory: its copy becomes the page the VMM maps later. */
	uint64_t *pml4 = vm_gpa2hva(vm, vm->pml4_gpa);
	uint64_t *pdpt = vm_gpa2hva(vm, PTE_ADDR(pml4[0]));
	uint64_t *pd = vm_gpa2hva(vm, PTE_ADDR(pdpt[1]));
	memcpy(pt, vm_gpa2hva(vm, PTE_ADDR(pd[0])), 0x1000);
	pd[0] = WALK_PT_GPA | (pd[0] & 0xfff);

	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNMAPPED_GPA);
	TEST_ASSERT_EQ(msg_mem(&msg)->guest_physical_address & ~0xfffull, WALK_PT_GPA);
	uint64_t rip = msg_mem(&msg)->header.rip;
	TEST_ASSERT_OK(vm_set_memory(vm, WALK_PT_GPA, 0x1000, pt, MEM_RWX));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x5a5a0003);
	TEST_ASSERT(rip == CODE_GPA + 5, "the exit names the load (rip %#llx)",
		    (unsigned long long)rip);
	vm_destroy(vm);
}

GUEST_CODE(idt_guest,
	".code64\n"
	"ud2\n"
	GUEST_LABEL(idt_guest_ud) "movl $0x66, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n");
GUEST_EXTERN(idt_guest_ud);

#define WALK_IDT_GPA 0x600000ull

/* The same for the IDT: delivering the guest's #UD reads its gate from a
 * GPA with no memory, which exits for the VMM to map. */
TEST(idt_through_unmapped_gpa)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, idt_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	void *idt = vm_add_memory(vm, WALK_IDT_GPA, 0x1000, MEM_RWX);
	vm_set_gate64(vm, WALK_IDT_GPA, 6, CODE_GPA + GUEST_OFF(idt_guest, idt_guest_ud));
	TEST_ASSERT_OK(vm_set_memory(vm, WALK_IDT_GPA, 0x1000, idt, MEM_UNMAP));
	vm_map_page(vm, WALK_IDT_GPA, WALK_IDT_GPA, PTE_W);	/* IDT linear = physical */
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, WALK_IDT_GPA, 0xfff);

	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNMAPPED_GPA);
	TEST_ASSERT_EQ(msg_mem(&msg)->guest_physical_address & ~0xfffull, WALK_IDT_GPA);
	TEST_ASSERT_OK(vm_set_memory(vm, WALK_IDT_GPA, 0x1000, idt, MEM_RWX));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x66);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(bad_arguments),
	TEST_ENTRY(unmapped_userspace),
	TEST_ENTRY(gpa_overlap),
	TEST_ENTRY(userspace_overlap_allowed),
	TEST_ENTRY(unmap_rules),
	TEST_ENTRY(unmap_then_access),
	TEST_ENTRY(eight_gib_region),
	TEST_ENTRY(shared_no_copy),
	TEST_ENTRY(page_walk_through_unmapped_gpa),
	TEST_ENTRY(idt_through_unmapped_gpa),
)
