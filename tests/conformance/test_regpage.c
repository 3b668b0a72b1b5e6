/* SPDX-License-Identifier: MIT */
/*
 * VP fd mmap: register page (offset 0), intercept-message page (offset 1),
 * GHCB (2, absent), invalid offsets; dirty-bit protocol (docs/abi.md
 * §2.12, docs/abi-hv.md §10).
 */
#include "vmm.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static void *vp_mmap(int fd, long pgoff)
{
	return mmap(NULL, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    pgoff * sysconf(_SC_PAGESIZE));
}

static struct vcpu *need_regpage(struct vm **vmp, uint64_t flags)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(flags, &vcpu);

	*vmp = vm;
	if (!vcpu->regpage)
		test_skip("register page not available (ENODEV)");
	return vcpu;
}

TEST(layout)
{
	_Static_assert(sizeof(struct hv_vp_register_page) == 696, "size");
	_Static_assert(offsetof(struct hv_vp_register_page, rip) == 136, "rip");
	_Static_assert(offsetof(struct hv_vp_register_page, xmm) == 160, "xmm");
	_Static_assert(offsetof(struct hv_vp_register_page, es) == 256, "es");
	_Static_assert(offsetof(struct hv_vp_register_page, cr0) == 352, "cr0");
	_Static_assert(offsetof(struct hv_vp_register_page, xfem) == 424, "xfem");
	_Static_assert(sizeof(struct hv_message) == 256, "message");
	_Static_assert(sizeof(struct hv_x64_io_port_intercept_message) == 128, "io");
	_Static_assert(sizeof(struct hv_x64_memory_intercept_message) == 80, "mem");
}

TEST(register_page)
{
	struct vm *vm;
	struct vcpu *vcpu = need_regpage(&vm, 1ull << MSHV_PT_BIT_LAPIC);
	struct hv_vp_register_page *rp = vcpu->regpage;

	TEST_ASSERT_EQ(rp->version, HV_VP_REGISTER_PAGE_VERSION_1);
	TEST_ASSERT_EQ(rp->isvalid, 1);
	TEST_ASSERT_EQ(rp->dirty, 0);
	/* reset state */
	TEST_ASSERT_EQ(rp->rip, 0xfff0);
	TEST_ASSERT_EQ(rp->cs.selector, 0xf000);
	TEST_ASSERT_EQ(rp->cs.base, 0xffff0000);
	TEST_ASSERT_EQ(rp->rflags, 2);
	TEST_ASSERT_EQ(rp->cr0, 0x60000010);

	/* coherent with hypercall writes */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RAX, 0x1122334455667788ull);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_R15, 0xf15);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(rp->version, 1);
	TEST_ASSERT_EQ(rp->isvalid, 1);
	TEST_ASSERT_EQ(rp->dirty, 0);
	TEST_ASSERT_EQ(rp->rax, 0x1122334455667788ull);
	TEST_ASSERT_EQ(rp->r15, 0xf15);
	TEST_ASSERT_EQ(rp->rip, CODE_GPA);
	TEST_ASSERT_EQ(rp->rsp, STACK_TOP);
	TEST_ASSERT_EQ(rp->cs.selector, SEL_CODE64);
	TEST_ASSERT_EQ(rp->cs.attributes, 0xa09b);
	TEST_ASSERT_EQ(rp->ds.selector, SEL_DATA);
	TEST_ASSERT_EQ(rp->cr3, vm->pml4_gpa);
	TEST_ASSERT_EQ(rp->efer & X86_EFER_LMA, X86_EFER_LMA);
	TEST_ASSERT_EQ(rp->cr0 & X86_CR0_PG, X86_CR0_PG);

	/* a second mapping shows the same page */
	struct hv_vp_register_page *rp2 = vp_mmap(vcpu->fd, 0);

	TEST_ASSERT(rp2 != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT_EQ(rp2->rax, 0x1122334455667788ull);
	munmap(rp2, PAGE_SIZE_4K);
	vm_destroy(vm);
}

GUEST_CODE(rp_guest,
	".code64\n"
	"movl $0x11, %eax\n"
	GUEST_LABEL(rp_out1) "outb %al, $0x10\n"
	"incl %eax\n"
	GUEST_LABEL(rp_out2) "outb %al, $0x11\n"
	"hlt\n");
GUEST_EXTERN(rp_out1); GUEST_EXTERN(rp_out2);

TEST(intercept_message_page)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	struct hv_message *mp = vp_mmap(vcpu->fd, MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE);

	/* A device without mmap at all (the kernel's CUSE) is tolerated by
	 * VMMs; one that maps the register page must map this one too. */
	if (mp == MAP_FAILED && errno == ENODEV && !vcpu->regpage)
		test_skip("this /dev/mshv has no mmap (ENODEV)");
	TEST_ASSERT(mp != MAP_FAILED, "mmap offset 1: %s", strerror(errno));
	GUEST_LOAD(vm, CODE_GPA, rp_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT(!memcmp(mp, &msg, sizeof(msg)),
		    "intercept page differs from the RUN_VP message");
	vcpu_advance_rip(vcpu, &msg);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT_EQ(msg_io(&msg)->port_number, 0x11);
	TEST_ASSERT(!memcmp(mp, &msg, sizeof(msg)),
		    "intercept page differs from the second message");
	munmap(mp, PAGE_SIZE_4K);
	vm_destroy(vm);
}

TEST(mmap_offsets)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	void *p;
	int fd;

	if (!vcpu->regpage) {
		/* No mmap on this device (CUSE): every offset is ENODEV. */
		for (long off = 0; off < 4; off++) {
			p = vp_mmap(vcpu->fd, off);
			TEST_ASSERT(p == MAP_FAILED && errno == ENODEV, "offset %ld: %s", off,
				    strerror(errno));
		}
		vm_destroy(vm);
		return;
	}
	p = vp_mmap(vcpu->fd, MSHV_VP_MMAP_OFFSET_GHCB);
	TEST_ASSERT(p == MAP_FAILED && errno == ENODEV, "GHCB mmap: %s",
		    p == MAP_FAILED ? strerror(errno) : "succeeded");
	p = vp_mmap(vcpu->fd, 3);
	TEST_ASSERT(p == MAP_FAILED && errno == EINVAL, "offset 3 mmap: %s",
		    p == MAP_FAILED ? strerror(errno) : "succeeded");
	p = vp_mmap(vcpu->fd, 100);
	TEST_ASSERT(p == MAP_FAILED && errno == EINVAL, "offset 100 mmap: %s",
		    p == MAP_FAILED ? strerror(errno) : "succeeded");
	/* partition fds and /dev/mshv have no mmap */
	p = vp_mmap(vm->pt_fd, 0);
	TEST_ASSERT(p == MAP_FAILED && errno == ENODEV, "partition mmap: %s",
		    p == MAP_FAILED ? strerror(errno) : "succeeded");
	fd = mshv_open(O_RDWR | O_CLOEXEC);
	p = vp_mmap(fd, 0);
	TEST_ASSERT(p == MAP_FAILED && errno == ENODEV, "/dev/mshv mmap: %s",
		    p == MAP_FAILED ? strerror(errno) : "succeeded");
	close(fd);
	vm_destroy(vm);
}

/* A VP with a register page, stopped at rp_guest's first OUT. */
static struct vcpu *at_first_out(struct vm **vm, struct hv_message *msg)
{
	struct vcpu *vcpu = need_regpage(vm, 0);

	GUEST_LOAD(*vm, CODE_GPA, rp_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT_EQ(msg_hdr(msg)->rip, CODE_GPA + GUEST_OFF(rp_guest, rp_out1));
	return vcpu;
}

TEST(dirty_bits)
{
	struct vm *vm;
	struct hv_message msg;
	struct vcpu *vcpu = at_first_out(&vm, &msg);
	struct hv_vp_register_page *rp = vcpu->regpage;
	uint64_t rip1 = CODE_GPA + GUEST_OFF(rp_guest, rp_out1);

	/* after an exit the page is valid and current */
	TEST_ASSERT_EQ(rp->isvalid, 1);
	TEST_ASSERT_EQ(rp->rip, rip1);
	TEST_ASSERT_EQ(rp->rax & 0xff, 0x11);
	TEST_ASSERT_EQ(rp->rflags, msg_hdr(&msg)->rflags);

	/* CH advance_rip_update_rax: write RAX and RIP, mark GENERAL|IP */
	rp->rax = 0x77;
	rp->rip = rip1 + msg_hdr(&msg)->instruction_length;
	rp->dirty |= (1u << HV_X64_REGISTER_CLASS_GENERAL) |
		     (1u << HV_X64_REGISTER_CLASS_IP);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT_EQ(msg_io(&msg)->port_number, 0x11);
	TEST_ASSERT_EQ(msg_io(&msg)->rax & 0xff, 0x78);
	TEST_ASSERT_EQ(rp->dirty, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RAX), 0x78);

	/* RIP only via the page, then HLT */
	rp->rip = msg_hdr(&msg)->rip + msg_hdr(&msg)->instruction_length;
	rp->dirty |= 1u << HV_X64_REGISTER_CLASS_IP;
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

/* QEMU's way: after an exit the VMM advances RIP with HvSetVpRegisters;
 * the page shows every register so set, and a batch that also sets a
 * register the page holds in another form (a segment) shows that too. */
TEST(hypercall_writes_show_in_page)
{
	struct vm *vm;
	struct hv_message msg;
	struct vcpu *vcpu = at_first_out(&vm, &msg);
	struct hv_vp_register_page *rp = vcpu->regpage;
	uint64_t rip1 = CODE_GPA + GUEST_OFF(rp_guest, rp_out1);
	uint64_t next = rip1 + msg_hdr(&msg)->instruction_length;

	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, next);
	TEST_ASSERT_EQ(rp->rip, next);
	TEST_ASSERT_EQ(rp->dirty, 0);

	const uint32_t names[] = { HV_X64_REGISTER_RBX, HV_X64_REGISTER_R9,
				   HV_X64_REGISTER_RFLAGS };
	union hv_register_value vals[3];

	memset(vals, 0, sizeof vals);
	vals[0].reg64 = 0xb0b0;
	vals[1].reg64 = 0x9999;
	vals[2].reg64 = 0x2 | 0x1 | 0x80;
	vcpu_set_regs(vcpu, names, vals, 3);
	TEST_ASSERT_EQ(rp->rbx, 0xb0b0);
	TEST_ASSERT_EQ(rp->r9, 0x9999);
	TEST_ASSERT_EQ(rp->rflags, 0x83);
	TEST_ASSERT_EQ(rp->rip, next);
	TEST_ASSERT_EQ(rp->rax & 0xff, 0x11); /* untouched */

	/* RIP with a segment: the whole page */
	const uint32_t mixed[] = { HV_X64_REGISTER_RIP, HV_X64_REGISTER_FS };

	memset(vals, 0, sizeof vals);
	vals[0].reg64 = rip1;
	vcpu_get_segment(vcpu, HV_X64_REGISTER_FS, &vals[1].segment);
	vals[1].segment.base = 0x456000;
	vcpu_set_regs(vcpu, mixed, vals, 2);
	TEST_ASSERT_EQ(rp->rip, rip1);
	TEST_ASSERT_EQ(rp->fs.base, 0x456000);

	/* the guest runs from the page's view: OUT 0x10 again */
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT_EQ(msg_hdr(&msg)->rip, rip1);
	TEST_ASSERT_EQ(msg_io(&msg)->port_number, 0x10);
	TEST_ASSERT_EQ(rp->rbx, 0xb0b0);
	vm_destroy(vm);
}

TEST(dirty_flags_and_segments)
{
	struct vm *vm;
	struct hv_message msg;
	struct vcpu *vcpu = at_first_out(&vm, &msg);
	struct hv_vp_register_page *rp = vcpu->regpage;

	rp->rflags = 0x2 | 0x1 | 0x40;	/* CF, ZF */
	rp->fs.base = 0x123000;
	rp->rip = msg_hdr(&msg)->rip + msg_hdr(&msg)->instruction_length;
	rp->dirty |= (1u << HV_X64_REGISTER_CLASS_FLAGS) |
		     (1u << HV_X64_REGISTER_CLASS_SEGMENT) |
		     (1u << HV_X64_REGISTER_CLASS_IP);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	/* incl %eax cleared ZF and kept CF */
	TEST_ASSERT_EQ(msg_hdr(&msg)->rflags & 0x41, 0x1);
	struct hv_x64_segment_register fs;

	vcpu_get_segment(vcpu, HV_X64_REGISTER_FS, &fs);
	TEST_ASSERT_EQ(fs.base, 0x123000);
	vm_destroy(vm);
}

/* clang-format off */
TEST_MAIN(
	TEST_ENTRY(layout),
	TEST_ENTRY(register_page),
	TEST_ENTRY(intercept_message_page),
	TEST_ENTRY(mmap_offsets),
	TEST_ENTRY(dirty_bits),
	TEST_ENTRY(hypercall_writes_show_in_page),
	TEST_ENTRY(dirty_flags_and_segments),
)
/* clang-format on */
