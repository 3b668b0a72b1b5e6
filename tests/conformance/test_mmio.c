/* SPDX-License-Identifier: MIT */
/*
 * Memory intercepts: HVMSG_UNMAPPED_GPA for reads, writes and fetches
 * from unmapped guest-physical addresses, HVMSG_GPA_INTERCEPT for writes
 * to read-only and fetches from non-executable slots (docs/abi-hv.md §3).
 */
#include "vmm.h"

#include <sys/mman.h>

#define MMIO_GPA	0xd0000000ull	/* never mapped */
#define MMIO_VA		0x600000ull	/* VA != GPA */

GUEST_CODE(mmio_guest,
	".code64\n"
	"xorl %ebx, %ebx\n"
	GUEST_LABEL(mm_read) "movl 0x600010, %eax\n"
	GUEST_LABEL(mm_read_end) "incq %rbx\n"
	"movl %eax, 0x8000\n"
	GUEST_LABEL(mm_write) "movl $0xcafebabe, 0x600020\n"
	GUEST_LABEL(mm_write_end) "incq %rbx\n"
	"movq $0x601000, %rax\n"
	GUEST_LABEL(mm_call) "call *%rax\n"
	GUEST_LABEL(mm_ret) "incq %rbx\n"
	"movabs $0x1122334455667788, %rcx\n"
	GUEST_LABEL(mm_write8) "movq %rcx, 0x600ff8\n"
	GUEST_LABEL(mm_write8_end) "incq %rbx\n"
	"hlt\n");
GUEST_EXTERN(mm_read); GUEST_EXTERN(mm_read_end);
GUEST_EXTERN(mm_write); GUEST_EXTERN(mm_write_end);
GUEST_EXTERN(mm_call); GUEST_EXTERN(mm_ret);
GUEST_EXTERN(mm_write8); GUEST_EXTERN(mm_write8_end);

static void check_mem_exit(struct vcpu *vcpu, struct hv_message *msg,
			   uint32_t type, uint8_t access, uint64_t gpa,
			   uint64_t gva, uint64_t rip, const uint8_t *insn,
			   unsigned insn_len)
{
	struct hv_x64_memory_intercept_message *m;
	uint32_t t = vcpu_run_ok(vcpu, msg);

	TEST_ASSERT(t == type, "got %s (%#x), expected %s at rip %#llx",
		    msg_type_name(t), t, msg_type_name(type),
		    (unsigned long long)msg_hdr(msg)->rip);
	m = msg_mem(msg);
	TEST_ASSERT_EQ(m->header.intercept_access_type, access);
	TEST_ASSERT_EQ(m->header.vp_index, vcpu->index);
	TEST_ASSERT(m->guest_physical_address == gpa, "gpa %#llx, expected %#llx",
		    (unsigned long long)m->guest_physical_address,
		    (unsigned long long)gpa);
	TEST_ASSERT(m->header.rip == rip, "rip %#llx, expected %#llx",
		    (unsigned long long)m->header.rip, (unsigned long long)rip);
	if (m->memory_access_info.gva_valid)
		TEST_ASSERT(m->guest_virtual_address == gva,
			    "gva %#llx, expected %#llx",
			    (unsigned long long)m->guest_virtual_address,
			    (unsigned long long)gva);
	TEST_ASSERT(m->instruction_byte_count <= 16, "instruction_byte_count %u",
		    m->instruction_byte_count);
	if (insn) {
		TEST_ASSERT(m->instruction_byte_count >= insn_len,
			    "instruction_byte_count %u < %u",
			    m->instruction_byte_count, insn_len);
		TEST_ASSERT(!memcmp(m->instruction_bytes, insn, insn_len),
			    "instruction bytes differ from the guest's");
	}
	/* the exit happened before the instruction completed */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), rip);
}

TEST(unmapped_gpa)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint64_t base = CODE_GPA;
	uint64_t off, len;

	vm_setup_paging(vm);
	vm_map_page(vm, MMIO_VA, MMIO_GPA, PTE_W);
	vm_map_page(vm, MMIO_VA + 0x1000, MMIO_GPA + 0x1000, PTE_W);
	GUEST_LOAD(vm, CODE_GPA, mmio_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);

	/* read */
	off = GUEST_OFF(mmio_guest, mm_read);
	len = mm_read_end - mm_read;
	check_mem_exit(vcpu, &msg, HVMSG_UNMAPPED_GPA, HV_INTERCEPT_ACCESS_READ,
		       MMIO_GPA + 0x10, MMIO_VA + 0x10, base + off, mm_read,
		       (unsigned)len);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), 0);
	/* emulate: eax = device value, rip += decoded length */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RAX, 0x5a5aa5a5);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, base + off + len);

	/* write */
	off = GUEST_OFF(mmio_guest, mm_write);
	len = mm_write_end - mm_write;
	check_mem_exit(vcpu, &msg, HVMSG_UNMAPPED_GPA, HV_INTERCEPT_ACCESS_WRITE,
		       MMIO_GPA + 0x20, MMIO_VA + 0x20, base + off, mm_write,
		       (unsigned)len);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), 1);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, DATA_GPA), 0x5a5aa5a5);
	/* the value is the immediate of the instruction */
	uint32_t imm32;

	memcpy(&imm32, mm_write + len - 4, 4);
	TEST_ASSERT_EQ(imm32, 0xcafebabe);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, base + off + len);

	/* fetch: call into unmapped memory */
	check_mem_exit(vcpu, &msg, HVMSG_UNMAPPED_GPA, HV_INTERCEPT_ACCESS_EXECUTE,
		       MMIO_GPA + 0x1000, MMIO_VA + 0x1000, MMIO_VA + 0x1000,
		       NULL, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), 2);
	/* emulate a "ret" */
	uint64_t rsp = vcpu_get_reg(vcpu, HV_X64_REGISTER_RSP);
	uint64_t ret = *(uint64_t *)vm_gpa2hva(vm, rsp);

	TEST_ASSERT_EQ(ret, base + GUEST_OFF(mmio_guest, mm_ret));
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RSP, rsp + 8);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, ret);

	/* 8-byte write to the last bytes of the page */
	off = GUEST_OFF(mmio_guest, mm_write8);
	len = mm_write8_end - mm_write8;
	check_mem_exit(vcpu, &msg, HVMSG_UNMAPPED_GPA, HV_INTERCEPT_ACCESS_WRITE,
		       MMIO_GPA + 0xff8, MMIO_VA + 0xff8, base + off, mm_write8,
		       (unsigned)len);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RCX), 0x1122334455667788ull);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, base + off + len);

	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), 4);
	vm_destroy(vm);
}

GUEST_CODE(rm_mmio_guest,
	".code16\n"
	"movw $0xb800, %ax\n"
	"movw %ax, %es\n"
	GUEST_LABEL(rm_mm_w) "movw $0x0741, %es:0x10\n"
	GUEST_LABEL(rm_mm_w_end) "hlt\n");
GUEST_EXTERN(rm_mm_w); GUEST_EXTERN(rm_mm_w_end);

TEST(unmapped_gpa_real_mode)
{
	/* only 0-640K is RAM: the VGA window at 0xb8000 is unmapped */
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu;
	struct hv_message msg;
	uint64_t off = GUEST_OFF(rm_mmio_guest, rm_mm_w);

	vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 0);
	vm_init(vm);
	vm_add_memory(vm, 0, 0xa0000, MEM_RWX);
	vcpu = vcpu_create(vm, 0);
	GUEST_LOAD(vm, CODE_GPA, rm_mmio_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	check_mem_exit(vcpu, &msg, HVMSG_UNMAPPED_GPA, HV_INTERCEPT_ACCESS_WRITE,
		       0xb8010, 0xb8010, CODE_GPA + off, rm_mm_w,
		       (unsigned)(rm_mm_w_end - rm_mm_w));
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP,
		     CODE_GPA + GUEST_OFF(rm_mmio_guest, rm_mm_w_end));
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

GUEST_CODE(ro_guest,
	".code64\n"
	GUEST_LABEL(ro_w) "movl $0x99, 0x300000\n"
	GUEST_LABEL(ro_w_end) "movl 0x300000, %eax\n"
	"outl %eax, $0x10\n"
	"movq $0x301000, %rax\n"
	GUEST_LABEL(ro_x) "call *%rax\n"
	"hlt\n");
GUEST_EXTERN(ro_w); GUEST_EXTERN(ro_w_end); GUEST_EXTERN(ro_x);

TEST(gpa_intercept)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint32_t *ro, *nx;
	uint64_t off = GUEST_OFF(ro_guest, ro_w);

	/* read+execute only; then read+write only */
	ro = vm_add_memory(vm, 0x300000, 0x1000, MEM_X);
	nx = vm_add_memory(vm, 0x301000, 0x1000, MEM_W);
	ro[0] = 0x11223344;
	memset(nx, 0xf4, 0x1000);	/* hlt */
	vm_setup_paging(vm);
	vm_map_page(vm, 0x300000, 0x300000, PTE_W);
	vm_map_page(vm, 0x301000, 0x301000, PTE_W);
	GUEST_LOAD(vm, CODE_GPA, ro_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);

	check_mem_exit(vcpu, &msg, HVMSG_GPA_INTERCEPT, HV_INTERCEPT_ACCESS_WRITE,
		       0x300000, 0x300000, CODE_GPA + off, ro_w,
		       (unsigned)(ro_w_end - ro_w));
	TEST_ASSERT_EQ(ro[0], 0x11223344);
	/* skip the write */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP,
		     CODE_GPA + GUEST_OFF(ro_guest, ro_w_end));
	/* reads are allowed */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xffffffff, 0x11223344);
	TEST_ASSERT_EQ(ro[0], 0x11223344);

	/* fetch from a non-executable slot */
	check_mem_exit(vcpu, &msg, HVMSG_GPA_INTERCEPT, HV_INTERCEPT_ACCESS_EXECUTE, 0x301000,
		       0x301000, 0x301000, NULL, 0);
	vm_destroy(vm);
}

TEST(readonly_remap_retry)
{
	/* QEMU-style: on GPA_INTERCEPT the VMM remaps writable and retries */
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint32_t *page = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(page != MAP_FAILED, "mmap");
	page[0] = 0x11223344;
	memset((uint8_t *)page + 0x1000 - 0x100, 0, 0x100);
	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, page, MEM_X));
	TEST_ASSERT_OK(vm_set_memory(vm, 0x301000, 0x1000, page, MEM_W));
	vm_setup_paging(vm);
	vm_map_page(vm, 0x300000, 0x300000, PTE_W);
	vm_map_page(vm, 0x301000, 0x301000, PTE_W);
	GUEST_LOAD(vm, CODE_GPA, ro_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_GPA_INTERCEPT);
	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, page, MEM_UNMAP));
	TEST_ASSERT_OK(vm_set_memory(vm, 0x300000, 0x1000, page, MEM_RWX));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xffffffff, 0x99);
	TEST_ASSERT_EQ(page[0], 0x99);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(unmapped_gpa),
	TEST_ENTRY(unmapped_gpa_real_mode),
	TEST_ENTRY(gpa_intercept),
	TEST_ENTRY(readonly_remap_retry),
)
