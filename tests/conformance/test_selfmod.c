/* SPDX-License-Identifier: MIT */
/*
 * Code written into guest memory by the host (or by the guest) between
 * runs executes as written: no stale translations.
 */
#include "vmm.h"

GUEST_CODE(sm_once,
	".code16\n"
	GUEST_LABEL(sm_once_imm) "movb $1, %al\n"
	"outb %al, $0x10\n"
	"hlt\n");
GUEST_EXTERN(sm_once_imm);

TEST(host_patch_and_restart)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;
	uint8_t *imm;

	GUEST_LOAD(vm, CODE_GPA, sm_once);
	imm = (uint8_t *)vm_gpa2hva(vm, CODE_GPA + GUEST_OFF(sm_once, sm_once_imm)) + 1;
	TEST_ASSERT_EQ(*imm, 1);
	for (unsigned v = 1; v <= 5; v++) {
		*imm = (uint8_t)v;
		vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, v);
		TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	}
	vm_destroy(vm);
}

GUEST_CODE(sm_loop,
	".code64\n"
	"sm_top:\n"
	GUEST_LABEL(sm_loop_imm) "movl $0x11111111, %eax\n"
	"outl %eax, $0x10\n"
	"jmp sm_top\n");
GUEST_EXTERN(sm_loop_imm);

TEST(host_patch_hot_loop)
{
	/* the loop has run (and been translated) many times before the patch */
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *imm;

	GUEST_LOAD(vm, CODE_GPA, sm_loop);
	imm = ((uint8_t *)vm_gpa2hva(vm, CODE_GPA +
			   GUEST_OFF(sm_loop, sm_loop_imm)) + 1);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	for (unsigned i = 0; i < 100; i++)
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x11111111);
	for (uint32_t v = 0x22222222; v < 0x99999999u; v += 0x11111111) {
		memcpy(imm, &v, sizeof v);	/* unaligned immediate */
		for (unsigned i = 0; i < 3; i++)
			TEST_ASSERT(vcpu_expect_out(vcpu, 0x10) == v,
				    "stale code after patching to %#x", v);
	}
	vm_destroy(vm);
}

TEST(write_gpa_patch)
{
	/* same, but the patch is made through WRITE_GPA */
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_input_write_gpa in;
	struct hv_output_write_gpa out;
	uint16_t st = 0;
	uint32_t v = 0x5a5a5a5a;
	int ret;

	GUEST_LOAD(vm, CODE_GPA, sm_loop);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	for (unsigned i = 0; i < 10; i++)
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0x11111111);
	memset(&in, 0, sizeof(in));
	in.byte_count = 4;
	in.base_gpa = CODE_GPA + GUEST_OFF(sm_loop, sm_loop_imm) + 1;
	memcpy(in.data, &v, 4);
	ret = hvcall(vcpu->fd, HVCALL_WRITE_GPA, 0, &in, sizeof(in), &out,
		     sizeof(out), &st);
	if (ret == -1 && errno == EINVAL && st == 0)
		test_skip("WRITE_GPA not in this kernel's allow-list");
	TEST_ASSERT_OK(ret);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), v);
	vm_destroy(vm);
}

GUEST_CODE(sm_guest_writes,
	".code64\n"
	"movl $3, %ecx\n"
	"sm_g_loop:\n"
	GUEST_LABEL(sm_g_imm) "movl $0, %eax\n"
	"outl %eax, $0x10\n"
	"leaq sm_g_imm+1(%rip), %rdx\n"
	"addl $7, (%rdx)\n"
	"decl %ecx\n"
	"jnz sm_g_loop\n"
	"hlt\n");
GUEST_EXTERN(sm_g_imm);

TEST(guest_self_modifying)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, sm_guest_writes);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 7);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10), 14);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vm_destroy(vm);
}

/*
 * More executed pages than a copy-comparing emulator keeps (it compared up
 * to 512): a chain of NP pages, each adding its immediate to EAX and jumping
 * to the next, the last reporting EAX. The VMM then rewrites pages far down
 * the chain; every rewrite must be executed.
 */
#define MP_GPA	0x200000ull
#define MP_N	600u

static void mp_write_imm(uint8_t *base, unsigned k, uint32_t v)
{
	memcpy(base + (size_t)k * 4096 + 1, &v, sizeof v);	/* add $imm32, %eax */
}

static uint32_t mp_run(struct vcpu *vcpu)
{
	struct hv_message msg;
	uint32_t got;

	vcpu_setup_long_mode(vcpu, MP_GPA, STACK_TOP);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RAX, 0);
	got = (uint32_t)vcpu_expect_out(vcpu, 0x10);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	return got;
}

TEST(host_patch_many_pages)
{
	const char *cw = getenv("MSHV_EMU_CODEWATCH");

	if (cw && !strcmp(cw, "off"))
		test_skip("MSHV_EMU_CODEWATCH=off: the emulator notices VMM "
			  "rewrites in its first 512 executed pages only");
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *base = vm_add_memory(vm, MP_GPA, (uint64_t)MP_N * 4096, MEM_RWX);
	uint32_t sum = 0;

	for (unsigned k = 0; k < MP_N; k++) {
		uint8_t *p = base + (size_t)k * 4096;
		int32_t rel = 4096 - 10;

		p[0] = 0x05;				/* add $imm32, %eax */
		mp_write_imm(base, k, k + 1);
		sum += k + 1;
		if (k + 1 < MP_N) {
			p[5] = 0xe9;			/* jmp next page */
			memcpy(p + 6, &rel, sizeof rel);
		} else {
			p[5] = 0xe7, p[6] = 0x10;	/* out %eax, $0x10 */
			p[7] = 0xf4;			/* hlt */
		}
	}
	vcpu_setup_long_mode(vcpu, MP_GPA, STACK_TOP);
	for (unsigned k = 0; k < MP_N; k++)
		vm_map_page(vm, MP_GPA + (uint64_t)k * 4096, MP_GPA + (uint64_t)k * 4096, PTE_W);
	TEST_ASSERT_EQ(mp_run(vcpu), sum);
	TEST_ASSERT_EQ(mp_run(vcpu), sum);	/* now from translated code */
	static const unsigned patch[] = { MP_N - 1, 550, 513, 3 };
	for (unsigned i = 0; i < sizeof patch / sizeof patch[0]; i++) {
		mp_write_imm(base, patch[i], patch[i] + 1 + 1000);
		sum += 1000;
		TEST_ASSERT(mp_run(vcpu) == sum, "page %u rewritten by the VMM: stale code",
			    patch[i]);
	}
	vm_destroy(vm);
}

/*
 * More distinct code than an emulator's translation cache holds: mshv-emu
 * keeps 32 MiB of translated code, and each of these 2^18 blocks takes more
 * than 128 bytes of it (Unicorn's block descriptor alone is ~200). Every
 * pass over the chain must compute the same sum. Unicorn 2.1.1 reuses a
 * full buffer once without forgetting the blocks in it (emu/engine.c): the
 * emulator then crashed.
 */
#define BC_GPA 0x400000ull
#define BC_N   (1u << 18) /* blocks of 10 bytes: 2.5 MiB */

TEST(code_outgrows_translation_cache)
{
	const char *vg = getenv("MSHV_EMU_VALGRIND");

	if (vg && !strcmp(vg, "1"))
		test_skip("translating 2.5 MiB of code takes minutes under valgrind");
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint8_t *p = vm_add_memory(vm, BC_GPA, 4u << 20, MEM_RWX);
	uint32_t sum = 0;

	*p++ = 0x31, *p++ = 0xc0; /* xor %eax, %eax */
	for (uint32_t k = 0; k < BC_N; k++) {
		uint32_t v = k * 0x9e3779b9u;
		int32_t rel = 0;

		*p++ = 0x05; /* add $imm32, %eax */
		memcpy(p, &v, 4), p += 4;
		*p++ = 0xe9; /* jmp to the next block: one block each */
		memcpy(p, &rel, 4), p += 4;
		sum += v;
	}
	*p++ = 0xe7, *p++ = 0x10; /* out %eax, $0x10 */
	*p++ = 0xf4;		  /* hlt */
	for (unsigned pass = 0; pass < 2; pass++) {
		struct hv_message msg;

		vcpu_setup_protected_mode(vcpu, (uint32_t)BC_GPA, STACK_TOP);
		TEST_ASSERT((uint32_t)vcpu_expect_out(vcpu, 0x10) == sum, "pass %u: wrong sum",
			    pass);
		TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	}
	vm_destroy(vm);
}

/* clang-format off */
TEST_MAIN(
	TEST_ENTRY(host_patch_and_restart),
	TEST_ENTRY(host_patch_hot_loop),
	TEST_ENTRY(write_gpa_patch),
	TEST_ENTRY(guest_self_modifying),
	TEST_ENTRY(host_patch_many_pages),
	TEST_ENTRY(code_outgrows_translation_cache),
)
/* clang-format on */
