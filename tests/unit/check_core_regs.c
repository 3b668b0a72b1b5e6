/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the register file through the core's library API
 * (include/mshv-emu/emu.h): GET/SET_VP_REGISTERS through emu_hvcall in
 * every mode, their errors, and the register page kept coherent with them.
 *
 * Hypercall convention (as the faces use it): `in` and `out` are zeroed
 * 4 KiB pages and the first 8 bytes of `in` hold the partition id.
 */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <hyperv/hv_all.h>
#include <linux/mshv.h>
#include <mshv-emu/emu.h>

#include "core_helpers.h"


/* ------------------------------------------------------------------ */
/* registers                                                           */
/* ------------------------------------------------------------------ */

#define CR0_LM	0x80050033ull	/* PG WP NE ET MP PE */
#define CR4_LM	0x00000620ull	/* OSXMMEXCPT OSFXSR PAE */
#define EFER_LM	0x00000d01ull	/* NXE LMA LME SCE */

START_TEST(test_regs_long_mode_segments)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	uint32_t names[] = {
		HV_X64_REGISTER_CR3, HV_X64_REGISTER_CR4, HV_X64_REGISTER_EFER,
		HV_X64_REGISTER_CR0, HV_X64_REGISTER_CS, HV_X64_REGISTER_SS,
		HV_X64_REGISTER_FS, HV_X64_REGISTER_GS, HV_X64_REGISTER_TR,
	};
	union hv_register_value in[9], out[9];
	uint16_t done = 0;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	memset(in, 0, sizeof in);
	in[0].reg64 = 0x7000;
	in[1].reg64 = CR4_LM;
	in[2].reg64 = EFER_LM;
	in[3].reg64 = CR0_LM;
	in[4] = seg(0x08, 0, 0xffffffff, 0xa09b);		/* L=1 code */
	in[5] = seg(0x10, 0, 0xffffffff, 0xc093);
	in[6] = seg(0x10, 0x00007f1234567000ull, 0xffffffff, 0xc093);
	in[7] = seg(0x10, 0xffff888000001000ull, 0xffffffff, 0xc093);
	in[8] = seg(0x30, 0x0000000012340000ull, 0x67, 0x8b);	/* busy TSS */
	ck_assert_uint_eq(set_regs(pt, 0, names, in, 9, &done), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(done, 9);

	memset(out, 0xcc, sizeof out);
	ck_assert_uint_eq(get_regs(pt, 0, names, 9, out, &done), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(done, 9);
	ck_assert_uint_eq(out[0].reg64, 0x7000);
	ck_assert_uint_eq(out[1].reg64, CR4_LM);
	ck_assert_uint_eq(out[2].reg64, EFER_LM);
	ck_assert_uint_eq(out[3].reg64, CR0_LM);
	for (int i = 4; i < 9; i++)
		assert_seg_eq(&out[i].segment, &in[i].segment);
	/* the L bit travels in the attributes */
	ck_assert_uint_eq(out[4].segment._long, 1);
	ck_assert_uint_eq(out[4].segment._default, 0);

	/* a real-mode CS afterwards replaces every hidden field */
	union hv_register_value rm = seg(0xf000, 0xffff0000, 0xffff, 0x9b);
	ck_assert_uint_eq(set1(pt, 0, HV_X64_REGISTER_CS, &rm), HV_STATUS_SUCCESS);
	uint32_t cs = HV_X64_REGISTER_CS;
	ck_assert_uint_eq(get_regs(pt, 0, &cs, 1, out, NULL), HV_STATUS_SUCCESS);
	assert_seg_eq(&out[0].segment, &rm.segment);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_regs_intermediate_cr)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	set64(pt, 0, HV_X64_REGISTER_CR3, 0x5000);
	set64(pt, 0, HV_X64_REGISTER_CR4, CR4_LM);
	set64(pt, 0, HV_X64_REGISTER_EFER, EFER_LM);
	set64(pt, 0, HV_X64_REGISTER_CR0, CR0_LM);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR0), CR0_LM);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR3), 0x5000);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR4), CR4_LM);

	/* writes through the INTERMEDIATE names land in the real registers */
	set64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR3, 0x9000);
	set64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR4, CR4_LM | 0x80 /* PGE */);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_CR3), 0x9000);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_CR4), CR4_LM | 0x80);
	set64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR0, CR0_LM & ~0x10000ull /* WP */);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_CR0), CR0_LM & ~0x10000ull);

	/* CR8: 0..15, aliased by INTERMEDIATE_CR8 */
	set64(pt, 0, HV_X64_REGISTER_CR8, 9);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR8), 9);
	set64(pt, 0, HV_X64_REGISTER_INTERMEDIATE_CR8, 15);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_CR8), 15);
	union hv_register_value v;
	memset(&v, 0, sizeof v);
	v.reg64 = 16;
	ck_assert_uint_eq(set1(pt, 0, HV_X64_REGISTER_CR8, &v), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_CR8), 15);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_regs_fp_sse)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	union hv_register_value v, r[3];
	uint32_t names[3] = { HV_X64_REGISTER_XMM0, HV_X64_REGISTER_XMM7,
			      HV_X64_REGISTER_XMM15 };
	union hv_register_value x[3];
	uint16_t done;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);

	/* XMM: all 128 bits, several registers in one call */
	for (int i = 0; i < 3; i++) {
		x[i].reg128.low_part = 0x0123456789abcdefull ^ (uint64_t)i;
		x[i].reg128.high_part = 0xfedcba9876543210ull + (uint64_t)i;
	}
	ck_assert_uint_eq(set_regs(pt, 0, names, x, 3, &done), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(done, 3);
	ck_assert_uint_eq(get_regs(pt, 0, names, 3, r, &done), HV_STATUS_SUCCESS);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(r[i].reg128.low_part, x[i].reg128.low_part);
		ck_assert_uint_eq(r[i].reg128.high_part, x[i].reg128.high_part);
	}

	/* FP control/status: FCW, FSW, abridged tag */
	memset(&v, 0, sizeof v);
	v.fp_control_status.fp_control = 0x027f;	/* PC=53 bits */
	v.fp_control_status.fp_status = 0x0020;		/* PE */
	v.fp_control_status.fp_tag = 0x81;		/* st regs 0 and 7 valid */
	ck_assert_uint_eq(set1(pt, 0, HV_X64_REGISTER_FP_CONTROL_STATUS, &v),
			  HV_STATUS_SUCCESS);
	uint32_t n = HV_X64_REGISTER_FP_CONTROL_STATUS;
	ck_assert_uint_eq(get_regs(pt, 0, &n, 1, r, NULL), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(r[0].fp_control_status.fp_control, 0x027f);
	ck_assert_uint_eq(r[0].fp_control_status.fp_status, 0x0020);
	ck_assert_uint_eq(r[0].fp_control_status.fp_tag, 0x81);

	/* MXCSR: a valid value round-trips, reserved bits are refused */
	n = HV_X64_REGISTER_XMM_CONTROL_STATUS;
	memset(&v, 0, sizeof v);
	v.xmm_control_status.xmm_status_control = 0x7f80;	/* RC=11, masks */
	ck_assert_uint_eq(set1(pt, 0, n, &v), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(get_regs(pt, 0, &n, 1, r, NULL), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(r[0].xmm_control_status.xmm_status_control, 0x7f80);
	v.xmm_control_status.xmm_status_control = 0x10000 | 0x1f80;
	ck_assert_uint_eq(set1(pt, 0, n, &v), HV_STATUS_INVALID_PARAMETER);
	v.xmm_control_status.xmm_status_control = 0x80000000u;
	ck_assert_uint_eq(set1(pt, 0, n, &v), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get_regs(pt, 0, &n, 1, r, NULL), HV_STATUS_SUCCESS);
	ck_assert_uint_eq(r[0].xmm_control_status.xmm_status_control, 0x7f80);

	/* XFEM: x87 is mandatory */
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_XFEM) & 1, 1);
	set64(pt, 0, HV_X64_REGISTER_XFEM, 3);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_XFEM), 3);
	memset(&v, 0, sizeof v);
	v.reg64 = 2;
	ck_assert_uint_eq(set1(pt, 0, HV_X64_REGISTER_XFEM, &v), HV_STATUS_INVALID_PARAMETER);
	v.reg64 = 0;
	ck_assert_uint_eq(set1(pt, 0, HV_X64_REGISTER_XFEM, &v), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_XFEM), 3);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_regs_errors)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	union hv_register_value v, r[4];
	uint16_t done = 0xffff;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 7, NULL, &vp), 0);

	/* read-only */
	memset(&v, 0, sizeof v);
	v.reg64 = 3;
	ck_assert_uint_eq(set1(pt, 7, HV_REGISTER_VP_INDEX, &v), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get64(pt, 7, HV_REGISTER_VP_INDEX), 7);

	/* an unknown name stops a GET at its index */
	const uint32_t bogus = 0x00ABCDEF;
	uint32_t gnames[4] = { HV_X64_REGISTER_RAX, HV_X64_REGISTER_RBX, bogus,
			       HV_X64_REGISTER_RCX };
	ck_assert_uint_eq(get_regs(pt, 7, gnames, 4, r, &done), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 2);
	uint32_t first_bad[2] = { bogus, HV_X64_REGISTER_RAX };
	ck_assert_uint_eq(get_regs(pt, 7, first_bad, 2, r, &done), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 0);

	/* ... and a SET: elements before it took effect, after it did not */
	set64(pt, 7, HV_X64_REGISTER_RCX, 0x5555);
	union hv_register_value s[4];
	memset(s, 0, sizeof s);
	s[0].reg64 = 0x1111;
	s[1].reg64 = 0x2222;
	s[2].reg64 = 0x3333;
	s[3].reg64 = 0x4444;
	ck_assert_uint_eq(set_regs(pt, 7, gnames, s, 4, &done), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 2);
	ck_assert_uint_eq(get64(pt, 7, HV_X64_REGISTER_RAX), 0x1111);
	ck_assert_uint_eq(get64(pt, 7, HV_X64_REGISTER_RBX), 0x2222);
	ck_assert_uint_eq(get64(pt, 7, HV_X64_REGISTER_RCX), 0x5555);

	/* an invalid value in the middle reports its index too */
	uint32_t snames[3] = { HV_X64_REGISTER_RDX, HV_X64_REGISTER_CR8,
			       HV_X64_REGISTER_RSI };
	s[0].reg64 = 0xd0d0;
	s[1].reg64 = 0x20;
	s[2].reg64 = 0xe0e0;
	ck_assert_uint_eq(set_regs(pt, 7, snames, s, 3, &done), HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(get64(pt, 7, HV_X64_REGISTER_RDX), 0xd0d0);
	ck_assert_uint_ne(get64(pt, 7, HV_X64_REGISTER_RSI), 0xe0e0);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_register_page_coherent)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	struct hv_vp_register_page *rp;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	rp = emu_vp_register_page(vp);
	ck_assert_ptr_nonnull(rp);
	ck_assert_uint_eq(rp->version, HV_VP_REGISTER_PAGE_VERSION_1);
	ck_assert_uint_eq(rp->isvalid, 1);
	ck_assert_uint_eq(rp->rip, get64(pt, 0, HV_X64_REGISTER_RIP));

	uint32_t names[] = { HV_X64_REGISTER_RAX, HV_X64_REGISTER_R15,
			     HV_X64_REGISTER_RIP, HV_X64_REGISTER_RFLAGS,
			     HV_X64_REGISTER_XMM5, HV_X64_REGISTER_DS,
			     HV_X64_REGISTER_CR8, HV_X64_REGISTER_CR4,
			     HV_X64_REGISTER_EFER, HV_X64_REGISTER_CR0 };
	union hv_register_value v[10];
	memset(v, 0, sizeof v);
	v[0].reg64 = 0xa1a2a3a4a5a6a7a8ull;
	v[1].reg64 = 0x1515151515151515ull;
	v[2].reg64 = 0x4321;
	v[3].reg64 = 0x246;
	v[4].reg128.low_part = 0x55;
	v[4].reg128.high_part = 0x5500000000000000ull;
	v[5] = seg(0x10, 0x10000, 0xfffff, 0x93);
	v[6].reg64 = 4;
	v[7].reg64 = 0x20;	/* PAE */
	v[8].reg64 = 0x500;	/* LME | LMA */
	v[9].reg64 = 0x80000011ull;
	ck_assert_uint_eq(set_regs(pt, 0, names, v, 10, NULL), HV_STATUS_SUCCESS);

	ck_assert_uint_eq(rp->isvalid, 1);
	ck_assert_uint_eq(rp->dirty, 0);
	ck_assert_uint_eq(rp->rax, v[0].reg64);
	ck_assert_uint_eq(rp->r15, v[1].reg64);
	ck_assert_uint_eq(rp->rip, 0x4321);
	ck_assert_uint_eq(rp->rflags, 0x246);
	ck_assert_uint_eq(rp->xmm5.low_part, 0x55);
	ck_assert_uint_eq(rp->xmm5.high_part, 0x5500000000000000ull);
	assert_seg_eq(&rp->ds, &v[5].segment);
	ck_assert_uint_eq(rp->cr8, 4);
	ck_assert_uint_eq(rp->cr4, 0x20);
	ck_assert_uint_eq(rp->efer, 0x500);
	ck_assert_uint_eq(rp->cr0, 0x80000011ull);
	emu_partition_put(pt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_regs");
	TCase *tc = tcase_create("registers");

	tcase_add_test(tc, test_regs_long_mode_segments);
	tcase_add_test(tc, test_regs_intermediate_cr);
	tcase_add_test(tc, test_regs_fp_sse);
	tcase_add_test(tc, test_regs_errors);
	tcase_add_test(tc, test_register_page_coherent);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return check_run(s);
}
