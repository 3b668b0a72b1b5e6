/* SPDX-License-Identifier: MIT */
/*
 * Passthrough hypercalls a VMM uses (docs/abi-hv.md §4): GVA translation,
 * GPA read/write, CPUID result registration, intercept installation,
 * interrupt/SynIC calls; guest MSR access seen through GET_VP_REGISTERS.
 */
#include "vmm.h"

#define VA_RW	0x400000ull
#define VA_RO	0x401000ull
#define VA_NP	0x402000ull

static struct vcpu *paging_vcpu(struct vm **vmp, uint64_t flags)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(flags, &vcpu);

	vm_setup_paging(vm);
	vm_map_page(vm, VA_RW, 0x150000, PTE_W);
	vm_map_page(vm, VA_RO, 0x151000, 0);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	*vmp = vm;
	return vcpu;
}

static int translate(struct vcpu *vcpu, uint64_t gva, uint64_t flags,
		     struct hv_output_translate_virtual_address *out,
		     uint16_t *status)
{
	struct hv_input_translate_virtual_address in;

	memset(&in, 0, sizeof(in));
	memset(out, 0xee, sizeof(*out));
	in.vp_index = vcpu->index;
	in.control_flags = flags;
	in.gva_page = gva >> 12;
	return hvcall(vcpu->fd, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, &in,
		      sizeof(in), out, sizeof(*out), status);
}

TEST(translate_gva)
{
	struct vm *vm;
	struct vcpu *vcpu = paging_vcpu(&vm, 0);
	struct hv_output_translate_virtual_address out;
	uint16_t st;

	st = 0xffff;
	TEST_ASSERT_OK(translate(vcpu, VA_RW + 0x123, HV_TRANSLATE_GVA_VALIDATE_READ,
				 &out, &st));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(out.translation_result.result_code, HV_TRANSLATE_GVA_SUCCESS);
	TEST_ASSERT_EQ(out.gpa_page, 0x150);

	TEST_ASSERT_OK(translate(vcpu, VA_RW, HV_TRANSLATE_GVA_VALIDATE_READ |
				 HV_TRANSLATE_GVA_VALIDATE_WRITE, &out, &st));
	TEST_ASSERT_EQ(out.translation_result.result_code, HV_TRANSLATE_GVA_SUCCESS);
	TEST_ASSERT_EQ(out.gpa_page, 0x150);

	/* identity-mapped code page */
	TEST_ASSERT_OK(translate(vcpu, CODE_GPA, HV_TRANSLATE_GVA_VALIDATE_EXECUTE,
				 &out, &st));
	TEST_ASSERT_EQ(out.translation_result.result_code, HV_TRANSLATE_GVA_SUCCESS);
	TEST_ASSERT_EQ(out.gpa_page, CODE_GPA >> 12);

	/* not present */
	TEST_ASSERT_OK(translate(vcpu, VA_NP, HV_TRANSLATE_GVA_VALIDATE_READ, &out, &st));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(out.translation_result.result_code,
		       HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	TEST_ASSERT_OK(translate(vcpu, 0x7f0000000000ull,
				 HV_TRANSLATE_GVA_VALIDATE_READ, &out, &st));
	TEST_ASSERT_EQ(out.translation_result.result_code,
		       HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);

	/* read-only PTE: read ok, write is a privilege violation (CR0.WP=1) */
	TEST_ASSERT_OK(translate(vcpu, VA_RO, HV_TRANSLATE_GVA_VALIDATE_READ, &out, &st));
	TEST_ASSERT_EQ(out.translation_result.result_code, HV_TRANSLATE_GVA_SUCCESS);
	TEST_ASSERT_EQ(out.gpa_page, 0x151);
	TEST_ASSERT_OK(translate(vcpu, VA_RO, HV_TRANSLATE_GVA_VALIDATE_WRITE, &out, &st));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(out.translation_result.result_code, HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	vm_destroy(vm);
}

TEST(translate_real_mode)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_output_translate_virtual_address out;
	uint16_t st;

	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	TEST_ASSERT_OK(translate(vcpu, 0x12345, HV_TRANSLATE_GVA_VALIDATE_READ,
				 &out, &st));
	TEST_ASSERT_EQ(out.translation_result.result_code, HV_TRANSLATE_GVA_SUCCESS);
	TEST_ASSERT_EQ(out.gpa_page, 0x12);
	vm_destroy(vm);
}

TEST(read_write_gpa)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_input_write_gpa win;
	struct hv_output_write_gpa wout;
	struct hv_input_read_gpa rin;
	struct hv_output_read_gpa rout;
	uint8_t *host = vm_gpa2hva(vm, DATA_GPA);
	uint16_t st = 0;
	int ret;

	memset(&win, 0, sizeof(win));
	win.vp_index = 0;
	win.byte_count = 16;
	win.base_gpa = DATA_GPA + 8;
	for (int i = 0; i < 16; i++)
		win.data[i] = (uint8_t)(0xa0 + i);
	ret = hvcall(vcpu->fd, HVCALL_WRITE_GPA, 0, &win, sizeof(win), &wout,
		     sizeof(wout), &st);
	if (ret == -1 && errno == EINVAL && st == 0)
		test_skip("WRITE_GPA not in this kernel's allow-list");
	TEST_ASSERT_OK(ret);
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(wout.access_result.result_code, HV_ACCESS_GPA_SUCCESS);
	TEST_ASSERT(!memcmp(host + 8, win.data, 16), "WRITE_GPA not visible");

	memset(host + 0x100, 0x5c, 16);
	host[0x100] = 0x01;
	memset(&rin, 0, sizeof(rin));
	rin.byte_count = 16;
	rin.base_gpa = DATA_GPA + 0x100;
	TEST_ASSERT_OK(hvcall(vcpu->fd, HVCALL_READ_GPA, 0, &rin, sizeof(rin),
			      &rout, sizeof(rout), &st));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(rout.access_result.result_code, HV_ACCESS_GPA_SUCCESS);
	TEST_ASSERT(!memcmp(rout.data, host + 0x100, 16), "READ_GPA data");

	/* partial reads */
	rin.byte_count = 3;
	rin.base_gpa = DATA_GPA + 9;
	TEST_ASSERT_OK(hvcall(vcpu->fd, HVCALL_READ_GPA, 0, &rin, sizeof(rin),
			      &rout, sizeof(rout), &st));
	TEST_ASSERT(!memcmp(rout.data, host + 9, 3), "3-byte READ_GPA");

	/* more than 16 bytes */
	st = 0;
	rin.byte_count = 17;
	TEST_ASSERT_HV_FAIL(hvcall(vcpu->fd, HVCALL_READ_GPA, 0, &rin, sizeof(rin),
				   &rout, sizeof(rout), &st), st);
	st = 0;
	win.byte_count = 17;
	TEST_ASSERT_HV_FAIL(hvcall(vcpu->fd, HVCALL_WRITE_GPA, 0, &win, sizeof(win),
				   &wout, sizeof(wout), &st), st);

	/* unmapped GPA: not a crash; either a failed status or a result code */
	rin.byte_count = 8;
	rin.base_gpa = 0xd0000000ull;
	st = 0;
	ret = hvcall(vcpu->fd, HVCALL_READ_GPA, 0, &rin, sizeof(rin), &rout,
		     sizeof(rout), &st);
	TEST_ASSERT(
		(ret == 0 && st == 0 && rout.access_result.result_code == HV_ACCESS_GPA_UNMAPPED) ||
			(ret == -1 && st != 0),
		"READ_GPA of unmapped memory: ret %d status %#x result %u", ret, st,
		rout.access_result.result_code);
	vm_destroy(vm);
}

GUEST_CODE(cpuid_guest,
	".code64\n"
	"movl $0x80000002, %eax\n"
	"xorl %ecx, %ecx\n"
	"cpuid\n"
	"movl %edx, %esi\n"
	"outl %eax, $0x10\n"
	"movl %ebx, %eax\n"
	"outl %eax, $0x11\n"
	"movl %ecx, %eax\n"
	"outl %eax, $0x12\n"
	"movl %esi, %eax\n"
	"outl %eax, $0x13\n"
	"hlt\n");

TEST(cpuid_intercept_result)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(1ull << MSHV_PT_BIT_LAPIC, &vcpu);
	struct hv_input_register_intercept_result in;
	const uint32_t want[4] = { 0x7668736d, 0x756d652d, 0x4d564d20, 0x00217321 };
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.vp_index = 0;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_CPUID;
	in.parameters.cpuid.input.eax = 0x80000002;
	in.parameters.cpuid.input.ecx = 0;
	in.parameters.cpuid.input.subleaf_specific = 0;
	in.parameters.cpuid.input.always_override = 1;
	in.parameters.cpuid.result.eax = want[0];
	in.parameters.cpuid.result.eax_mask = 0xffffffff;
	in.parameters.cpuid.result.ebx = want[1];
	in.parameters.cpuid.result.ebx_mask = 0xffffffff;
	in.parameters.cpuid.result.ecx = want[2];
	in.parameters.cpuid.result.ecx_mask = 0xffffffff;
	in.parameters.cpuid.result.edx = want[3];
	in.parameters.cpuid.result.edx_mask = 0xffffffff;
	_Static_assert(sizeof(in) == 60, "register intercept result size");
	TEST_ASSERT_OK(hvcall(vcpu->fd, HVCALL_REGISTER_INTERCEPT_RESULT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);

	GUEST_LOAD(vm, CODE_GPA, cpuid_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	for (int i = 0; i < 4; i++) {
		uint64_t v = vcpu_expect_out(vcpu, (uint16_t)(0x10 + i));

		TEST_ASSERT((uint32_t)v == want[i],
			    "CPUID reg %d: %#x, registered %#x", i, (uint32_t)v,
			    want[i]);
	}
	vcpu_expect_halted(vcpu);	/* HLT, IF=0, LAPIC partition */

	/* GET_VP_CPUID_VALUES with the registered values applied */
	struct {
		struct hv_input_get_vp_cpuid_values hdr;
		struct hv_cpuid_leaf_info leaf[1];
	} __attribute__((packed)) cin;
	union hv_output_get_vp_cpuid_values cout;
	uint16_t done = 0;

	memset(&cin, 0, sizeof(cin));
	cin.hdr.vp_index = 0;
	cin.hdr.flags.use_vp_xfem_xss = 1;
	cin.hdr.flags.apply_registered_values = 1;
	cin.leaf[0].eax = 0x80000002;
	cin.leaf[0].ecx = 0;
	_Static_assert(sizeof(cin) == 48, "cpuid values input size");
	TEST_ASSERT_OK(hvcall_ex(vcpu->fd, HVCALL_GET_VP_CPUID_VALUES, 1, &cin,
				 sizeof(cin), &cout, sizeof(cout), &st, &done));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(done, 1);
	TEST_ASSERT_EQ(cout.eax, want[0]);
	TEST_ASSERT_EQ(cout.ebx, want[1]);
	TEST_ASSERT_EQ(cout.ecx, want[2]);
	TEST_ASSERT_EQ(cout.edx, want[3]);
	vm_destroy(vm);
}

TEST(install_intercept)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	struct hv_input_install_intercept in;
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.access_type = HV_INTERCEPT_ACCESS_MASK_READ | HV_INTERCEPT_ACCESS_MASK_WRITE;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_IO_PORT;
	in.intercept_parameter.io_port = 0x1234;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
	memset(&in, 0, sizeof(in));
	in.access_type = HV_INTERCEPT_ACCESS_MASK_EXECUTE;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_CPUID;
	in.intercept_parameter.cpuid_index = 0x40000000;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
	/* an empty access mask and an unknown type are invalid */
	in.access_type = 0;
	TEST_ASSERT(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in, sizeof(in),
			   NULL, 0, &st) < 0 && errno == EINVAL, "empty access mask accepted");
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	in.access_type = HV_INTERCEPT_ACCESS_MASK_EXECUTE;
	in.intercept_type = 0x1000;
	TEST_ASSERT(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in, sizeof(in),
			   NULL, 0, &st) < 0 && errno == EINVAL, "unknown intercept type accepted");
	/* exception intercepts: defined answer (needs event delivery) */
	in.intercept_type = HV_INTERCEPT_TYPE_EXCEPTION;
	in.intercept_parameter.exception_vector = 3;
	st = 0xffff;
	int ret = hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in, sizeof(in), NULL, 0, &st);
	TEST_ASSERT(hv_status_known(st) && (ret == 0) == (st == 0), "undefined answer %#x", st);
	vm_destroy(vm);
}

/* ret/status of a call that must "return something defined" */
static void check_defined(const char *what, int ret, uint16_t st)
{
	TEST_ASSERT(hv_status_known(st), "%s: unknown status %#x", what, st);
	if (ret == 0)
		TEST_ASSERT(st == 0, "%s: success with status %#x", what, st);
	else
		TEST_ASSERT(st != 0 && errno == hv_status_errno(st),
			    "%s: ret %d errno %s status %#x", what, ret,
			    strerror(errno), st);
}

TEST(interrupt_and_synic_calls)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(
		(1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC), &vcpu);
	uint16_t st;
	int ret;

	{
		struct hv_input_assert_virtual_interrupt in;

		memset(&in, 0, sizeof(in));
		in.control.interrupt_type = HV_X64_INTERRUPT_TYPE_FIXED;
		in.dest_addr = 0;
		in.vector = 0x30;
		st = 0xffff;
		ret = hvcall(vm->pt_fd, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0, &in,
			     sizeof(in), NULL, 0, &st);
		check_defined("ASSERT_VIRTUAL_INTERRUPT", ret, st);
	}
	{
		struct hv_input_signal_event_direct in;
		struct hv_output_signal_event_direct out;

		memset(&in, 0, sizeof(in));
		in.target_vp = 0;
		in.target_sint = 2;
		in.flag_number = 1;
		st = 0xffff;
		ret = hvcall(vm->pt_fd, HVCALL_SIGNAL_EVENT_DIRECT, 0, &in,
			     sizeof(in), &out, sizeof(out), &st);
		check_defined("SIGNAL_EVENT_DIRECT", ret, st);
	}
	{
		struct hv_input_post_message_direct *in = calloc(1, sizeof(*in));
		struct hv_message m;

		TEST_ASSERT(in, "calloc");
		memset(&m, 0, sizeof(m));
		m.header.message_type = 1;
		m.header.payload_size = 8;
		in->vp_index = 0;
		in->sint_index = 2;
		memcpy(in->message, &m, sizeof(m));
		st = 0xffff;
		ret = hvcall(vm->pt_fd, HVCALL_POST_MESSAGE_DIRECT, 0, in,
			     sizeof(*in), NULL, 0, &st);
		check_defined("POST_MESSAGE_DIRECT", ret, st);
		free(in);
	}
	{
		struct hv_input_get_gpa_pages_access_state in;
		uint8_t states[16];
		uint16_t done = 0;

		memset(&in, 0, sizeof(in));
		in.hv_gpa_page_number = 0;
		st = 0xffff;
		ret = hvcall_ex(vm->pt_fd, HVCALL_GET_GPA_PAGES_ACCESS_STATES, 16,
				&in, sizeof(in), states, sizeof(states), &st, &done);
		check_defined("GET_GPA_PAGES_ACCESS_STATES", ret, st);
		if (ret == 0)
			TEST_ASSERT_EQ(done, 16);
	}
	{
		struct hv_input_clear_virtual_interrupt in = { 0 };

		st = 0xffff;
		ret = hvcall(vm->pt_fd, HVCALL_CLEAR_VIRTUAL_INTERRUPT, 0, &in,
			     sizeof(in), NULL, 0, &st);
		check_defined("CLEAR_VIRTUAL_INTERRUPT", ret, st);
	}
	vm_destroy(vm);
}

GUEST_CODE(msr_guest,
	".code64\n"
	/* LSTAR */
	"movl $0xc0000082, %ecx\n"
	"movl $0x81234560, %eax\n"
	"movl $0xffffffff, %edx\n"
	"wrmsr\n"
	"xorl %eax, %eax\n"
	"xorl %edx, %edx\n"
	"rdmsr\n"
	"outl %eax, $0x10\n"
	"movl %edx, %eax\n"
	"outl %eax, $0x11\n"
	/* STAR */
	"movl $0xc0000081, %ecx\n"
	"xorl %eax, %eax\n"
	"movl $0x00230010, %edx\n"
	"wrmsr\n"
	"rdmsr\n"
	"movl %edx, %eax\n"
	"outl %eax, $0x12\n"
	/* KERNEL_GS_BASE */
	"movl $0xc0000102, %ecx\n"
	"movl $0x12345000, %eax\n"
	"movl $0xffff8880, %edx\n"
	"wrmsr\n"
	"rdmsr\n"
	"outl %eax, $0x13\n"
	"movl %edx, %eax\n"
	"outl %eax, $0x14\n"
	/* CSTAR: value set by the host */
	"movl $0xc0000083, %ecx\n"
	"rdmsr\n"
	"outl %eax, $0x15\n"
	"hlt\n");

TEST(guest_msrs)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(1ull << MSHV_PT_BIT_LAPIC, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, msr_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_CSTAR, 0xffffffff8badf00dull);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xffffffff, 0x81234560);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x11) & 0xffffffff, 0xffffffff);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x12) & 0xffffffff, 0x00230010);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x13) & 0xffffffff, 0x12345000);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x14) & 0xffffffff, 0xffff8880);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x15) & 0xffffffff, 0x8badf00d);
	vcpu_expect_halted(vcpu);	/* HLT, IF=0, LAPIC partition */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_LSTAR), 0xffffffff81234560ull);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_STAR), 0x0023001000000000ull);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_KERNEL_GS_BASE), 0xffff888012345000ull);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(translate_gva),
	TEST_ENTRY(translate_real_mode),
	TEST_ENTRY(read_write_gpa),
	TEST_ENTRY(cpuid_intercept_result),
	TEST_ENTRY(install_intercept),
	TEST_ENTRY(interrupt_and_synic_calls),
	TEST_ENTRY(guest_msrs),
)
