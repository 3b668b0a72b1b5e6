/* SPDX-License-Identifier: MIT */
/* Unit tests for emu/x86_insn.c: effective addresses (ModRM/SIB and the
 * string instructions' implicit operands); decoding is check_x86_insn.c. */
#include "check_run.h"
#include <check.h>

#include "x86_insn.h"
#include "x86_insn_helpers.h"

static uint64_t gpr[16];

static void set_regs(void)
{
	for (int i = 0; i < 16; i++)
		gpr[i] = 0x1000ull * (uint64_t)(i + 1);
}

#define RAX 0
#define RCX 1
#define RBX 3
#define RSP 4
#define RBP 5
#define RSI 6
#define RDI 7
#define R12 12
#define R13 13

static struct x86_ea ea_of(enum x86_mode mode, const uint8_t *b, size_t n, uint64_t rip)
{
	struct x86_insn in;
	struct x86_ea ea;
	ck_assert_int_eq(x86_decode(b, n, mode, &in), 0);
	ck_assert_uint_eq(in.len, n);
	ck_assert(x86_insn_modrm_ea(&in, gpr, rip + in.len, &ea));
	return ea;
}
#define EA(mode, rip, ...) \
	ea_of(mode, (const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), rip)

START_TEST(test_modrm_ea)
{
	struct x86_ea ea;
	set_regs();

	ea = EA(L64, 0, 0x8b, 0x45, 0xf8); /* [rbp-8] */
	ck_assert_uint_eq(ea.offset, gpr[RBP] - 8);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(L64, 0, 0x8b, 0x04, 0x24); /* [rsp] */
	ck_assert_uint_eq(ea.offset, gpr[RSP]);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(L64, 0, 0x48, 0x8d, 0x44, 0x24, 0x08); /* [rsp+8] */
	ck_assert_uint_eq(ea.offset, gpr[RSP] + 8);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(L64, 0, 0x8b, 0x00); /* [rax] */
	ck_assert_uint_eq(ea.offset, gpr[RAX]);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(L64, 0x400000, 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00); /* [rip+0x10] */
	ck_assert_uint_eq(ea.offset, 0x400007 + 0x10);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(L64, 0x400000, 0xc7, 0x05, 0xf0, 0xff, 0xff, 0xff, 1, 2, 3,
		4); /* [rip-0x10], imm follows */
	ck_assert_uint_eq(ea.offset, 0x40000a - 0x10);
	ea = EA(L64, 0xfffffffffffffff0ull, 0x8b, 0x05, 0x20, 0, 0, 0); /* rip wraps */
	ck_assert_uint_eq(ea.offset, 0x16);
	ea = EA(L64, 0x1fffffff0ull, 0x67, 0x8b, 0x05, 0x20, 0, 0, 0); /* eip-relative */
	ck_assert_uint_eq(ea.offset, (0x1fffffff0ull + 7 + 0x20) & 0xffffffffu);
	ea = EA(L64, 0, 0x42, 0x8b, 0x04, 0xa0); /* [rax+r12*4] */
	ck_assert_uint_eq(ea.offset, gpr[RAX] + gpr[R12] * 4);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(L64, 0, 0x41, 0x8b, 0x04, 0x24); /* [r12] */
	ck_assert_uint_eq(ea.offset, gpr[R12]);
	ea = EA(L64, 0, 0x41, 0x8b, 0x45, 0x10); /* [r13+0x10] */
	ck_assert_uint_eq(ea.offset, gpr[R13] + 0x10);
	ea = EA(L64, 0, 0x43, 0x8b, 0x44, 0x25, 0x04); /* [r13+r12+4] */
	ck_assert_uint_eq(ea.offset, gpr[R13] + gpr[R12] + 4);
	ea = EA(L64, 0, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0); /* [0x28] */
	ck_assert_uint_eq(ea.offset, 0x28);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(L64, 0, 0x8b, 0x04, 0x25, 0xf0, 0xff, 0xff, 0xff); /* [-0x10] sign-extended */
	ck_assert_uint_eq(ea.offset, 0xfffffffffffffff0ull);
	ea = EA(L64, 0, 0x8b, 0x04, 0x8d, 0x10, 0, 0, 0); /* [rcx*4+0x10] */
	ck_assert_uint_eq(ea.offset, gpr[RCX] * 4 + 0x10);
	ea = EA(L64, 0, 0x8b, 0x44, 0xcd, 0x08); /* [rbp+rcx*8+8] */
	ck_assert_uint_eq(ea.offset, gpr[RBP] + gpr[RCX] * 8 + 8);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(L64, 0, 0x8b, 0x84, 0x1c, 0x00, 0x01, 0x00, 0x00); /* [rsp+rbx+0x100] */
	ck_assert_uint_eq(ea.offset, gpr[RSP] + gpr[RBX] + 0x100);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(L64, 0, 0x64, 0x8b, 0x00); /* fs:[rax] */
	ck_assert_int_eq(ea.seg, X86_SEG_FS);
	ea = EA(L64, 0, 0x65, 0x8b, 0x45, 0x00); /* gs:[rbp] */
	ck_assert_int_eq(ea.seg, X86_SEG_GS);
	ea = EA(L64, 0, 0x26, 0x8b, 0x00); /* es ignored in 64-bit */
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	gpr[RAX] = 0x1fffffff0ull;
	ea = EA(L64, 0, 0x67, 0x8b, 0x40, 0x20); /* [eax+0x20] truncated */
	ck_assert_uint_eq(ea.offset, 0x10);
	set_regs();

	/* 32-bit mode */
	ea = EA(P32, 0x1000, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12); /* absolute, not rip-rel */
	ck_assert_uint_eq(ea.offset, 0x12345678);
	gpr[RAX] = 0;
	ea = EA(P32, 0, 0x8b, 0x40, 0xfc); /* [eax-4] wraps */
	ck_assert_uint_eq(ea.offset, 0xfffffffcu);
	ea = EA(P32, 0, 0x36, 0x8b, 0x00); /* ss:[eax] */
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(P32, 0, 0x3e, 0x8b, 0x45, 0x00); /* ds:[ebp] */
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(P32, 0, 0x26, 0x8b, 0x00); /* es:[eax] */
	ck_assert_int_eq(ea.seg, X86_SEG_ES);
	gpr[RSI] = 0x12345678abcdull;
	ea = EA(P32, 0, 0x8b, 0x06); /* [esi] upper bits dropped */
	ck_assert_uint_eq(ea.offset, 0x5678abcdu);
	set_regs();

	/* 16-bit addressing */
	gpr[RBX] = 0x100;
	gpr[RSI] = 0x20;
	gpr[RDI] = 0x30;
	gpr[RBP] = 0x200;
	ea = EA(R, 0, 0x8b, 0x40, 0x10); /* [bx+si+0x10] */
	ck_assert_uint_eq(ea.offset, 0x130);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(R, 0, 0x8b, 0x41, 0x10); /* [bx+di+0x10] */
	ck_assert_uint_eq(ea.offset, 0x140);
	ea = EA(R, 0, 0x8b, 0x46, 0x08); /* [bp+8] */
	ck_assert_uint_eq(ea.offset, 0x208);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(R, 0, 0x8b, 0x03); /* [bp+di] */
	ck_assert_uint_eq(ea.offset, 0x230);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	ea = EA(R, 0, 0x8b, 0x06, 0x34, 0x12); /* [0x1234] */
	ck_assert_uint_eq(ea.offset, 0x1234);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	ea = EA(R, 0, 0x8b, 0x07); /* [bx] */
	ck_assert_uint_eq(ea.offset, 0x100);
	ea = EA(R, 0, 0x8b, 0x04); /* [si] */
	ck_assert_uint_eq(ea.offset, 0x20);
	ea = EA(R, 0, 0x8b, 0x85, 0x00, 0x10); /* [di+0x1000] */
	ck_assert_uint_eq(ea.offset, 0x1030);
	ea = EA(R, 0, 0x2e, 0x8b, 0x07); /* cs:[bx] */
	ck_assert_int_eq(ea.seg, X86_SEG_CS);
	ea = EA(R, 0, 0x3e, 0x8b, 0x46, 0x00); /* ds:[bp] */
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	gpr[RBP] = 0;
	gpr[RSI] = 0;
	ea = EA(R, 0, 0x8b, 0x42, 0xff); /* [bp+si-1] wraps */
	ck_assert_uint_eq(ea.offset, 0xffff);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);
	gpr[RBX] = 0xfff0;
	ea = EA(P16, 0, 0x8b, 0x87, 0x20, 0x00); /* [bx+0x20] wraps at 64K */
	ck_assert_uint_eq(ea.offset, 0x10);
	set_regs();
	ea = EA(R, 0, 0x67, 0x8b, 0x04, 0x24); /* 32-bit addressing in real mode */
	ck_assert_uint_eq(ea.offset, gpr[RSP]);
	ck_assert_int_eq(ea.seg, X86_SEG_SS);

	/* no memory operand */
	struct x86_insn in;
	in = DEC(L64, 0x89, 0xc0);
	ck_assert(!x86_insn_modrm_ea(&in, gpr, 0, &ea));
	in = DEC(L64, 0x90);
	ck_assert(!x86_insn_modrm_ea(&in, gpr, 0, &ea));
	in = DEC(L64, 0x0f, 0x20, 0x00); /* mov rax,cr0 with mod=0 */
	ck_assert(!x86_insn_modrm_ea(&in, gpr, 0, &ea));
	in = DEC(L64, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8);
	ck_assert(!x86_insn_modrm_ea(&in, gpr, 0, &ea));

	/* moffs */
	ck_assert(x86_insn_moffs_ea(&in, &ea));
	ck_assert_uint_eq(ea.offset, 0x0807060504030201ull);
	ck_assert_int_eq(ea.seg, X86_SEG_DS);
	in = DEC(L64, 0x64, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8);
	ck_assert(x86_insn_moffs_ea(&in, &ea));
	ck_assert_int_eq(ea.seg, X86_SEG_FS);
	in = DEC(R, 0x26, 0xa0, 0x34, 0x12);
	ck_assert(x86_insn_moffs_ea(&in, &ea));
	ck_assert_uint_eq(ea.offset, 0x1234);
	ck_assert_int_eq(ea.seg, X86_SEG_ES);
	in = DEC(L64, 0x90);
	ck_assert(!x86_insn_moffs_ea(&in, &ea));
}
END_TEST

START_TEST(test_string_ea)
{
	struct x86_insn in;
	struct x86_ea s, d;
	bool hs, hd;
	set_regs();
	gpr[RSI] = 0x10;
	gpr[RDI] = 0x20;

	in = DEC(L64, 0xa4); /* movsb */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(hs && hd);
	ck_assert_uint_eq(s.offset, 0x10);
	ck_assert_int_eq(s.seg, X86_SEG_DS);
	ck_assert_uint_eq(d.offset, 0x20);
	ck_assert_int_eq(d.seg, X86_SEG_ES);

	in = DEC(L64, 0x64, 0xf3, 0x48, 0xa5); /* rep movsq fs: */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert_int_eq(s.seg, X86_SEG_FS);
	ck_assert_int_eq(d.seg, X86_SEG_ES);

	in = DEC(P32, 0x26, 0xa6); /* cmpsb es: */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(hs && hd);
	ck_assert_int_eq(s.seg, X86_SEG_ES);
	ck_assert_int_eq(d.seg, X86_SEG_ES);

	in = DEC(P32, 0x2e, 0xab); /* stosd: no source, ES not overridable */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(!hs && hd);
	ck_assert_int_eq(d.seg, X86_SEG_ES);
	ck_assert_uint_eq(d.offset, 0x20);

	in = DEC(P32, 0xac); /* lodsb */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(hs && !hd);
	in = DEC(P32, 0xaf); /* scasd */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(!hs && hd);
	in = DEC(P32, 0x6d); /* insd */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(!hs && hd);
	ck_assert_uint_eq(d.offset, 0x20);
	in = DEC(P32, 0x65, 0x6e); /* outsb gs: */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert(hs && !hd);
	ck_assert_int_eq(s.seg, X86_SEG_GS);

	gpr[RSI] = 0x100000010ull;
	gpr[RDI] = 0x12345ull;
	in = DEC(L64, 0x67, 0xa5); /* 32-bit address size */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert_uint_eq(s.offset, 0x10);
	ck_assert_uint_eq(d.offset, 0x12345);
	in = DEC(R, 0xa5); /* 16-bit address size */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert_uint_eq(s.offset, 0x10);
	ck_assert_uint_eq(d.offset, 0x2345);
	in = DEC(L64, 0x26, 0xa5); /* es: ignored in 64-bit */
	ck_assert(x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	ck_assert_int_eq(s.seg, X86_SEG_DS);

	in = DEC(L64, 0x90);
	ck_assert(!x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
	in = DEC(L64, 0x0f, 0xa4, 0xc0, 0x01); /* shld: map 1, not movs */
	ck_assert(!x86_insn_string_ea(&in, gpr, &hs, &s, &hd, &d));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x86_insn_ea");
	TCase *tc = tcase_create("ea");
	tcase_add_test(tc, test_modrm_ea);
	tcase_add_test(tc, test_string_ea);
	suite_add_tcase(s, tc);

	return check_run(s);
}
