/* SPDX-License-Identifier: MIT */
/*
 * Port I/O intercepts: HVMSG_X64_IO_PORT_INTERCEPT contents for every
 * IN/OUT form (docs/abi-hv.md §2, §3), and the VMM's completion protocol.
 */
#include "vmm.h"

struct io_case {
	const uint8_t *label;
	uint16_t port;
	uint8_t size;
	uint8_t len;
	uint32_t value;		/* OUT value / IN value to return */
};

/* Common checks for one non-string I/O exit at code_gpa + off. */
static struct hv_x64_io_port_intercept_message *
check_io_exit(struct vcpu *vcpu, struct hv_message *msg, const uint8_t *code,
	      uint64_t code_gpa, uint64_t off, uint16_t port, uint8_t size,
	      uint8_t len, uint8_t access, bool string, bool rep)
{
	struct hv_x64_io_port_intercept_message *io = vcpu_run_io(vcpu, msg);

	TEST_ASSERT(io->header.rip == code_gpa + off,
		    "rip %#llx, expected %#llx (port %#x)",
		    (unsigned long long)io->header.rip,
		    (unsigned long long)(code_gpa + off), port);
	TEST_ASSERT(io->header.instruction_length == len,
		    "instruction_length %u, expected %u at %#llx",
		    io->header.instruction_length, len,
		    (unsigned long long)io->header.rip);
	TEST_ASSERT_EQ(io->header.intercept_access_type, access);
	TEST_ASSERT_EQ(io->header.vp_index, vcpu->index);
	TEST_ASSERT_EQ(io->port_number, port);
	TEST_ASSERT_EQ(io->access_info.access_size, size);
	TEST_ASSERT_EQ(io->access_info.string_op, string);
	TEST_ASSERT_EQ(io->access_info.rep_prefix, rep);
	TEST_ASSERT(io->instruction_byte_count <= 16, "instruction_byte_count %u",
		    io->instruction_byte_count);
	for (unsigned i = 0; i < io->instruction_byte_count && i < len; i++)
		TEST_ASSERT(io->instruction_bytes[i] == code[off + i],
			    "instruction byte %u: %#x, expected %#x", i,
			    io->instruction_bytes[i], code[off + i]);
	/* nothing after the instruction ran; RIP still at the instruction */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), io->header.rip);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RFLAGS), io->header.rflags);
	return io;
}

GUEST_CODE(out_guest,
	".code64\n"
	"xorl %ebx, %ebx\n"
	"movl $0x11, %eax\n"
	GUEST_LABEL(io_o1) "outb %al, $0x80\n"
	"incq %rbx\n"
	"movl $0x2233, %eax\n"
	GUEST_LABEL(io_o2) "outw %ax, $0x81\n"
	"incq %rbx\n"
	"movl $0x44556677, %eax\n"
	GUEST_LABEL(io_o3) "outl %eax, $0x82\n"
	"incq %rbx\n"
	"movl $0x3f8, %edx\n"
	"movl $0x88, %eax\n"
	GUEST_LABEL(io_o4) "outb %al, %dx\n"
	"incq %rbx\n"
	"movl $0x99aa, %eax\n"
	GUEST_LABEL(io_o5) "outw %ax, %dx\n"
	"incq %rbx\n"
	"movl $0xbbccddee, %eax\n"
	GUEST_LABEL(io_o6) "outl %eax, %dx\n"
	"incq %rbx\n"
	"hlt\n");
GUEST_EXTERN(io_o1); GUEST_EXTERN(io_o2); GUEST_EXTERN(io_o3);
GUEST_EXTERN(io_o4); GUEST_EXTERN(io_o5); GUEST_EXTERN(io_o6);

static struct vcpu *long_mode_vcpu(struct vm **vmp, const uint8_t *code,
				   size_t size)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	vm_load(vm, CODE_GPA, code, size);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	*vmp = vm;
	return vcpu;
}

TEST(out_forms)
{
	struct vm *vm;
	struct vcpu *vcpu = long_mode_vcpu(&vm, out_guest_start,
					   GUEST_SIZE(out_guest));
	const struct io_case cases[] = {
		{ io_o1, 0x80, 1, 2, 0x11 },
		{ io_o2, 0x81, 2, 3, 0x2233 },
		{ io_o3, 0x82, 4, 2, 0x44556677 },
		{ io_o4, 0x3f8, 1, 1, 0x88 },
		{ io_o5, 0x3f8, 2, 2, 0x99aa },
		{ io_o6, 0x3f8, 4, 1, 0xbbccddee },
	};
	struct hv_message msg;

	for (unsigned i = 0; i < 6; i++) {
		const struct io_case *c = &cases[i];
		uint64_t mask = c->size == 4 ? 0xffffffff : (1u << (8 * c->size)) - 1;
		struct hv_x64_io_port_intercept_message *io =
			check_io_exit(vcpu, &msg, out_guest_start, CODE_GPA,
				      c->label - out_guest_start, c->port,
				      c->size, c->len, 1, false, false);

		TEST_ASSERT_EQ(io->rax & mask, c->value);
		/* the following inc %rbx has not run */
		TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), i);
		vcpu_advance_rip(vcpu, &msg);
	}
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), 6);
	vm_destroy(vm);
}

GUEST_CODE(in_guest,
	".code64\n"
	"movabs $0x1122334455667700, %rax\n"
	GUEST_LABEL(io_i1) "inb $0x90, %al\n"
	"movq %rax, 0x8000\n"
	"movabs $0x1122334455660000, %rax\n"
	GUEST_LABEL(io_i2) "inw $0x91, %ax\n"
	"movq %rax, 0x8008\n"
	"movabs $0x1122334400000000, %rax\n"
	GUEST_LABEL(io_i3) "inl $0x92, %eax\n"
	"movq %rax, 0x8010\n"
	"movl $0x94, %edx\n"
	"movq $-256, %rax\n"
	GUEST_LABEL(io_i4) "inb %dx, %al\n"
	"movq %rax, 0x8018\n"
	GUEST_LABEL(io_i5) "inw %dx, %ax\n"
	"movq %rax, 0x8020\n"
	GUEST_LABEL(io_i6) "inl %dx, %eax\n"
	"movq %rax, 0x8028\n"
	"hlt\n");
GUEST_EXTERN(io_i1); GUEST_EXTERN(io_i2); GUEST_EXTERN(io_i3);
GUEST_EXTERN(io_i4); GUEST_EXTERN(io_i5); GUEST_EXTERN(io_i6);

TEST(in_forms)
{
	struct vm *vm;
	struct vcpu *vcpu = long_mode_vcpu(&vm, in_guest_start,
					   GUEST_SIZE(in_guest));
	const struct io_case cases[] = {
		{ io_i1, 0x90, 1, 2, 0xab },
		{ io_i2, 0x91, 2, 3, 0xbeef },
		{ io_i3, 0x92, 4, 2, 0xdeadbeef },
		{ io_i4, 0x94, 1, 1, 0x5a },
		{ io_i5, 0x94, 2, 2, 0x1234 },
		{ io_i6, 0x94, 4, 1, 0x87654321 },
	};
	const uint64_t rax_before[] = {
		0x1122334455667700ull, 0x1122334455660000ull,
		0x1122334400000000ull, 0xffffffffffffff00ull,
		0xffffffffffffff5aull, 0xffffffffffff1234ull,
	};
	const uint64_t expect[] = {
		0x11223344556677abull, 0x112233445566beefull,
		0x00000000deadbeefull, 0xffffffffffffff5aull,
		0xffffffffffff1234ull, 0x0000000087654321ull,
	};
	struct hv_message msg;
	uint64_t *data = vm_gpa2hva(vm, DATA_GPA);

	for (unsigned i = 0; i < 6; i++) {
		const struct io_case *c = &cases[i];
		struct hv_x64_io_port_intercept_message *io =
			check_io_exit(vcpu, &msg, in_guest_start, CODE_GPA,
				      c->label - in_guest_start, c->port,
				      c->size, c->len, 0, false, false);

		/* for IN, the message carries the current RAX */
		TEST_ASSERT_EQ(io->rax, rax_before[i]);
		vcpu_complete_in(vcpu, &msg, c->value);
	}
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	for (unsigned i = 0; i < 6; i++)
		TEST_ASSERT(data[i] == expect[i], "IN %u: guest saw %#llx, expected %#llx", i,
			    (unsigned long long)data[i], (unsigned long long)expect[i]);
	vm_destroy(vm);
}

GUEST_CODE(real_io_guest,
	".code16\n"
	"movw $0x3f8, %dx\n"
	"movl $0x12345678, %eax\n"
	GUEST_LABEL(io_r1) "outl %eax, %dx\n"
	GUEST_LABEL(io_r2) "outw %ax, %dx\n"
	GUEST_LABEL(io_r3) "inw $0x60, %ax\n"
	"movw %ax, 0x8000\n"
	"hlt\n");
GUEST_EXTERN(io_r1); GUEST_EXTERN(io_r2); GUEST_EXTERN(io_r3);

TEST(real_mode_forms)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io;

	GUEST_LOAD(vm, CODE_GPA, real_io_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	/* in 16-bit code, 66 ef is OUT DX, EAX */
	io = check_io_exit(vcpu, &msg, real_io_guest_start, CODE_GPA,
			   GUEST_OFF(real_io_guest, io_r1), 0x3f8, 4, 2, 1,
			   false, false);
	TEST_ASSERT_EQ(io->rax & 0xffffffff, 0x12345678);
	vcpu_advance_rip(vcpu, &msg);
	io = check_io_exit(vcpu, &msg, real_io_guest_start, CODE_GPA,
			   GUEST_OFF(real_io_guest, io_r2), 0x3f8, 2, 1, 1,
			   false, false);
	TEST_ASSERT_EQ(io->rax & 0xffff, 0x5678);
	TEST_ASSERT_EQ(io->header.execution_state.cr0_pe, 0);
	vcpu_advance_rip(vcpu, &msg);
	io = check_io_exit(vcpu, &msg, real_io_guest_start, CODE_GPA,
			   GUEST_OFF(real_io_guest, io_r3), 0x60, 2, 2, 0,
			   false, false);
	vcpu_complete_in(vcpu, &msg, 0xc0de);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(*(uint16_t *)vm_gpa2hva(vm, DATA_GPA), 0xc0de);
	vm_destroy(vm);
}

GUEST_CODE(str_guest,
	".code64\n"
	"leaq io_str_msg(%rip), %rsi\n"
	"movl $0x3f8, %edx\n"
	"movl $5, %ecx\n"
	GUEST_LABEL(io_s1) "rep outsb\n"
	"movl $0x9000, %edi\n"
	"movl $3, %ecx\n"
	GUEST_LABEL(io_s2) "rep insw\n"
	"leaq io_str_msg(%rip), %rsi\n"
	GUEST_LABEL(io_s3) "outsb\n"
	"hlt\n"
	GUEST_LABEL(io_str_msg) ".ascii \"hello\"\n");
GUEST_EXTERN(io_s1); GUEST_EXTERN(io_s2); GUEST_EXTERN(io_s3);
GUEST_EXTERN(io_str_msg);

/* Byte length of a (prefixed) string I/O instruction in our guest */
static uint8_t str_len(const uint8_t *p)
{
	uint8_t n = 0;

	while (p[n] == 0x66 || p[n] == 0xf3 || p[n] == 0xf2)
		n++;
	return n + 1;
}

TEST(string_forms)
{
	struct vm *vm;
	struct vcpu *vcpu = long_mode_vcpu(&vm, str_guest_start,
					   GUEST_SIZE(str_guest));
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io;
	uint64_t msg_gva = CODE_GPA + GUEST_OFF(str_guest, io_str_msg);
	uint64_t off;
	const uint32_t names[4] = {
		HV_X64_REGISTER_RCX, HV_X64_REGISTER_RSI, HV_X64_REGISTER_RDI,
		HV_X64_REGISTER_RIP,
	};
	union hv_register_value v[4];

	/* rep outsb: the whole string in one exit */
	off = GUEST_OFF(str_guest, io_s1);
	io = check_io_exit(vcpu, &msg, str_guest_start, CODE_GPA, off, 0x3f8, 1,
			   str_len(io_s1), 1, true, true);
	TEST_ASSERT_EQ(io->rcx, 5);
	TEST_ASSERT_EQ(io->rsi, msg_gva);
	TEST_ASSERT_EQ(io->ds_segment.selector, SEL_DATA);
	TEST_ASSERT_EQ(io->es_segment.selector, SEL_DATA);
	TEST_ASSERT(!memcmp(vm_gpa2hva(vm, io->rsi), "hello", 5), "string");
	memset(v, 0, sizeof(v));
	v[0].reg64 = 0;
	v[1].reg64 = io->rsi + 5;
	v[2].reg64 = 0;
	v[3].reg64 = io->header.rip + io->header.instruction_length;
	vcpu_set_regs(vcpu, names, v, 4);

	/* rep insw */
	off = GUEST_OFF(str_guest, io_s2);
	io = check_io_exit(vcpu, &msg, str_guest_start, CODE_GPA, off, 0x3f8, 2,
			   str_len(io_s2), 0, true, true);
	TEST_ASSERT_EQ(io->rcx, 3);
	TEST_ASSERT_EQ(io->rdi, 0x9000);
	TEST_ASSERT_EQ(io->es_segment.selector, SEL_DATA);
	uint16_t *buf = vm_gpa2hva(vm, io->rdi);

	buf[0] = 0x1111;
	buf[1] = 0x2222;
	buf[2] = 0x3333;
	v[0].reg64 = 0;
	v[1].reg64 = io->rsi;
	v[2].reg64 = io->rdi + 6;
	v[3].reg64 = io->header.rip + io->header.instruction_length;
	vcpu_set_regs(vcpu, names, v, 4);

	/* outsb without rep */
	off = GUEST_OFF(str_guest, io_s3);
	io = check_io_exit(vcpu, &msg, str_guest_start, CODE_GPA, off, 0x3f8, 1,
			   1, 1, true, false);
	TEST_ASSERT_EQ(io->rsi, msg_gva);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RSI, io->rsi + 1);
	vcpu_advance_rip(vcpu, &msg);

	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RDI), 0x9006);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RCX), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RSI), msg_gva + 1);
	vm_destroy(vm);
}

GUEST_CODE(loop_io_guest,
	".code64\n"
	"xorl %eax, %eax\n"
	"io_loop:\n"
	"incl %eax\n"
	"outl %eax, $0x10\n"
	"jmp io_loop\n");

TEST(many_exits)
{
	struct vm *vm;
	struct vcpu *vcpu = long_mode_vcpu(&vm, loop_io_guest_start,
					   GUEST_SIZE(loop_io_guest));

	for (uint32_t i = 1; i <= 10000; i++) {
		uint64_t v = vcpu_expect_out(vcpu, 0x10);

		TEST_ASSERT(v == i, "exit %u: value %llu", i, (unsigned long long)v);
	}
	vm_destroy(vm);
}

/*
 * The same linear address, remapped by the guest to other code (a PTE
 * rewrite, INVLPG): the IO exit reports the instruction the new page holds.
 * An emulator that remembers how it last read the code at that address
 * must notice the changed entry.
 */
#define REMAP_VA 0x600000ull
#define REMAP_A	 0x100000ull
#define REMAP_B	 0x101000ull

GUEST_CODE(remap_guest,
	".code64\n"
	"movq $0x600000, %r12\n"
	"movl $0x5a, %eax\n"
	"invlpg (%r12)\n"
	"call *%r12\n"
	"outb %al, $0x30\n"
	"invlpg (%r12)\n"
	"call *%r12\n"
	"hlt\n");
GUEST_CODE(remap_a, ".code64\n" "outb %al, $0x21\n" "ret\n");
GUEST_CODE(remap_b, ".code64\n" "outb %al, $0x22\n" "ret\n");

TEST(remapped_code)
{
	struct vm *vm;
	struct vcpu *vcpu = long_mode_vcpu(&vm, remap_guest_start, GUEST_SIZE(remap_guest));
	struct hv_message msg;

	GUEST_LOAD(vm, REMAP_A, remap_a);
	GUEST_LOAD(vm, REMAP_B, remap_b);
	vm_map_page(vm, REMAP_VA, REMAP_A, 0);
	for (int round = 0; round < 2; round++) {
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x21) & 0xff, 0x5a);
		/* the VMM moves the page while the guest is stopped; the
		 * guest's INVLPG follows */
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0x5a);
		vm_map_page(vm, REMAP_VA, REMAP_B, 0);
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x22) & 0xff, 0x5a);
		TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
		/* again from the start, translated code and all */
		vm_map_page(vm, REMAP_VA, REMAP_A, 0);
		vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, CODE_GPA);
	}
	vm_destroy(vm);
}

/* clang-format off */
TEST_MAIN(
	TEST_ENTRY(out_forms),
	TEST_ENTRY(in_forms),
	TEST_ENTRY(real_mode_forms),
	TEST_ENTRY(string_forms),
	TEST_ENTRY(many_exits),
	TEST_ENTRY(remapped_code),
)
/* clang-format on */
