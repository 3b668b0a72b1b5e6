/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the hypervisor core through its library API
 * (include/mshv-emu/emu.h): partitions, the memory map, VPs, the register
 * file and properties via emu_hvcall, CPUID results, and running guest code.
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
/* partitions, memory, VPs                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_partition_create)
{
	struct emu_partition_config cfg;
	struct emu_partition *a = NULL, *b = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.pt_flags = 1ull << MSHV_PT_BIT_COUNT;	/* first unknown bit */
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	cfg.pt_flags = 1ull << 63;
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	cfg.pt_flags = 0;
	cfg.isolation = MSHV_PT_ISOLATION_COUNT;
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	cfg.isolation = 3;	/* TDX: not supported */
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	ck_assert_ptr_null(a);

	/* every defined bit together is fine */
	cfg.isolation = MSHV_PT_ISOLATION_NONE;
	cfg.pt_flags = MSHV_PT_FLAGS_MASK;
	ck_assert_int_eq(emu_partition_create(&cfg, &a), 0);
	ck_assert_ptr_nonnull(a);
	cfg.pt_flags = 0;
	ck_assert_int_eq(emu_partition_create(&cfg, &b), 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_ne(emu_partition_id(a), emu_partition_id(b));
	ck_assert_int_eq(emu_partition_initialize(a), 0);
	ck_assert_int_eq(emu_partition_initialize(a), 0);	/* idempotent */
	emu_partition_put(a);
	emu_partition_put(b);
}
END_TEST

START_TEST(test_map_gpa_rules)
{
	struct emu_partition *pt = pt_new(0);
	uint8_t *mem = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned rw = EMU_MEM_WRITABLE | EMU_MEM_EXECUTABLE;
	struct emu_vp *vp;

	ck_assert_ptr_ne(mem, MAP_FAILED);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);

	/* size 0, unaligned size, unaligned host address */
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 0, mem, rw), -EINVAL);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 0x800, mem, rw), -EINVAL);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 4096 + 1, mem, rw), -EINVAL);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 4096, mem + 8, rw), -EINVAL);

	/* [0x10, 0x12) */
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 2 * 4096, mem, rw), 0);
	/* any GPA overlap, even with different host pages */
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 4096, mem + 2 * 4096, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0x11, 4096, mem + 2 * 4096, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0xf, 2 * 4096, mem + 2 * 4096, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0x8, 16 * 4096, mem, rw), -EEXIST);
	/* adjacent on both sides is fine */
	ck_assert_int_eq(emu_map_gpa(pt, 0x12, 4096, mem + 2 * 4096, rw), 0);
	ck_assert_int_eq(emu_map_gpa(pt, 0xe, 2 * 4096, mem + 3 * 4096, rw), 0);

	/* the mapping is live: READ_GPA sees the host bytes */
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	memcpy(mem + 4096 + 0x20, "mshv-emu", 8);
	{
		struct hv_input_read_gpa in;
		uint8_t page[EMU_HVCALL_PAGE];
		struct hv_output_read_gpa *out = (void *)page;

		memset(&in, 0, sizeof in);
		in.vp_index = 0;
		in.byte_count = 8;
		in.base_gpa = (0x11ull << 12) + 0x20;
		ck_assert_uint_eq(hv(pt, HVCALL_READ_GPA, NULL, &in, sizeof in, page),
				  HV_STATUS_SUCCESS);
		ck_assert_uint_eq(out->access_result.result_code, HV_ACCESS_GPA_SUCCESS);
		ck_assert_mem_eq(out->data, "mshv-emu", 8);
	}

	/* unmap must name the region exactly */
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 4096, mem), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 3 * 4096, mem), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 2 * 4096, mem + 4096), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x11, 4096, mem + 4096), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x100, 4096, mem), -ENOENT);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 2 * 4096, mem), 0);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 2 * 4096, mem), -ENOENT);
	/* neighbours untouched; the hole can be mapped again */
	ck_assert_int_eq(emu_map_gpa(pt, 0x12, 4096, mem, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 2 * 4096, mem + 4 * 4096, rw), 0);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x12, 4096, mem + 2 * 4096), 0);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0xe, 2 * 4096, mem + 3 * 4096), 0);
	emu_partition_put(pt);
	munmap(mem, 8 * 4096);
}
END_TEST

START_TEST(test_vp_create)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp = NULL, *dup = NULL;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 256, NULL, &vp), -EINVAL);
	ck_assert_int_eq(emu_vp_create(pt, 0xffffffffu, NULL, &vp), -EINVAL);
	ck_assert_ptr_null(vp);
	ck_assert_int_eq(emu_vp_create(pt, 255, NULL, &vp), 0);
	ck_assert_ptr_nonnull(vp);
	ck_assert_uint_eq(emu_vp_index(vp), 255);
	ck_assert_ptr_eq(emu_partition_vp(pt, 255), vp);
	ck_assert_ptr_null(emu_partition_vp(pt, 3));
	ck_assert_int_eq(emu_vp_create(pt, 255, NULL, &dup), -EEXIST);
	ck_assert_ptr_null(dup);
	ck_assert_ptr_eq(emu_partition_vp(pt, 255), vp);
	/* VP_INDEX and INITIAL_APIC_ID report the index */
	ck_assert_uint_eq(get64(pt, 255, HV_REGISTER_VP_INDEX), 255);
	/* registers of a VP that does not exist */
	{
		uint32_t n = HV_X64_REGISTER_RAX;
		union hv_register_value v;
		ck_assert_uint_eq(get_regs(pt, 3, &n, 1, &v, NULL),
				  HV_STATUS_INVALID_VP_INDEX);
	}
	emu_partition_put(pt);
}
END_TEST

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

/* ------------------------------------------------------------------ */
/* properties                                                          */
/* ------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

START_TEST(test_properties)
{
	struct emu_partition *pt = pt_new(0);

	/* early property: settable before initialize, fixed after */
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 1),
			  HV_STATUS_SUCCESS);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 1);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 3),
			  HV_STATUS_INVALID_PARTITION_STATE);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 0),
			  HV_STATUS_INVALID_PARTITION_STATE);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 1);

	/* UNIMPLEMENTED_MSR_ACTION: FAULT by default, 0..1 */
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
			  HV_UNIMPLEMENTED_MSR_ACTION_FAULT);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
				   HV_UNIMPLEMENTED_MSR_ACTION_COUNT),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
			  HV_UNIMPLEMENTED_MSR_ACTION_FAULT);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
				   HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO),
			  HV_STATUS_SUCCESS);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
			  HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_time_freeze)
{
	struct emu_partition *pt = pt_new(0);
	const uint32_t RT = HV_PARTITION_PROPERTY_REFERENCE_TIME;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	uint64_t a = get_prop(pt, RT);
	usleep(20000);
	uint64_t b = get_prop(pt, RT);
	ck_assert_uint_ge(b - a, 100000);	/* >= 10 ms in 100 ns units */

	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE, 1), 0);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE), 1);
	uint64_t f1 = get_prop(pt, RT);
	usleep(300000);
	uint64_t f2 = get_prop(pt, RT);
	ck_assert_uint_eq(f1, f2);
	ck_assert_uint_ge(f1, b);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE, 2),
			  HV_STATUS_INVALID_PARAMETER);

	uint64_t t0 = now_ns();
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE, 0), 0);
	usleep(20000);
	uint64_t r = get_prop(pt, RT);
	uint64_t wall = (now_ns() - t0) / 100;
	/* runs again, from where it stopped: the frozen 300 ms are not counted */
	ck_assert_uint_gt(r, f2);
	ck_assert_uint_ge(r - f2, 100000);
	ck_assert_uint_le(r - f2, wall + 10000);
	emu_partition_put(pt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* CPUID                                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_cpuid_values_registered)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	uint32_t base[4], raw[4], merged[4];

	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 1), 0);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 1, NULL, &vp), 0);

	vp_cpuid(pt, 1, 1, 0, false, base);
	ck_assert_uint_eq(base[1] >> 24, 1);		/* initial APIC id = VP index */
	ck_assert_uint_eq((base[2] >> 31) & 1, 1);	/* hypervisor present */
	ck_assert_uint_eq((base[2] >> 28) & 1, 0);	/* no AVX */
	ck_assert_uint_eq((base[2] >> 21) & 1, 0);	/* no x2APIC */

	/* override CLFLUSH size (EBX[15:8]), force SSE3 off, try AVX and x2APIC */
	const uint32_t val[4] = { 0, 0x00001000, (1u << 28) | (1u << 21), 0 };
	const uint32_t mask[4] = { 0, 0x0000ff00, (1u << 28) | (1u << 21) | 1u, 0 };
	ck_assert_uint_eq(register_cpuid(pt, 1, 1, val, mask), HV_STATUS_SUCCESS);

	vp_cpuid(pt, 1, 1, 0, false, raw);
	ck_assert_mem_eq(raw, base, sizeof raw);	/* not applied unless asked */
	vp_cpuid(pt, 1, 1, 0, true, merged);
	ck_assert_uint_eq(merged[0], base[0]);
	ck_assert_uint_eq(merged[1], (base[1] & ~0x0000ff00u) | 0x00001000);
	ck_assert_uint_eq(merged[2] & 1u, 0);		/* SSE3 masked off */
	ck_assert_uint_eq(merged[2] & ~1u, base[2] & ~1u);	/* AVX/x2APIC stay off */
	ck_assert_uint_eq(merged[3], base[3]);

	/* a full override of another leaf */
	const uint32_t brand[4] = { 0x6873646d, 0x6d652d76, 0x00000075, 0 };
	const uint32_t all[4] = { ~0u, ~0u, ~0u, ~0u };
	ck_assert_uint_eq(register_cpuid(pt, 1, 0x80000002, brand, all), 0);
	vp_cpuid(pt, 1, 0x80000002, 0, true, merged);
	ck_assert_mem_eq(merged, brand, sizeof merged);

	/* registration is per VP: another VP is unaffected */
	struct emu_vp *vp0;
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp0), 0);
	vp_cpuid(pt, 0, 1, 0, true, merged);
	ck_assert_uint_eq(merged[1] & 0x0000ff00u, base[1] & 0x0000ff00u);
	ck_assert_uint_eq(merged[1] >> 24, 0);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_cpuid_hv_leaves)
{
	struct emu_partition *on = pt_new(0), *off = pt_new(0);
	struct emu_vp *vp;
	uint32_t r[4];

	ck_assert_uint_eq(set_prop(on, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 3), 0);
	ck_assert_int_eq(emu_partition_initialize(on), 0);
	ck_assert_int_eq(emu_partition_initialize(off), 0);
	ck_assert_int_eq(emu_vp_create(on, 0, NULL, &vp), 0);
	ck_assert_int_eq(emu_vp_create(off, 0, NULL, &vp), 0);

	vp_cpuid(on, 0, 0x40000000, 0, true, r);
	ck_assert_uint_ge(r[0], 0x40000001);
	ck_assert_mem_eq(&r[1], "Microsoft Hv", 12);
	vp_cpuid(on, 0, 0x40000001, 0, true, r);
	ck_assert_mem_eq(&r[0], "Hv#1", 4);

	vp_cpuid(off, 0, 0x40000000, 0, true, r);
	ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);
	vp_cpuid(off, 0, 1, 0, true, r);
	ck_assert_uint_eq(r[2] >> 31, 0);
	emu_partition_put(on);
	emu_partition_put(off);
}
END_TEST

/* ------------------------------------------------------------------ */
/* running guest code                                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_run_io_intercept)
{
	static const uint8_t code[] = {
		0xb0, 0x42,				/* 0: mov al, 0x42 */
		0xe6, 0x80,				/* 2: out 0x80, al */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* 4: mov eax, 0x12345678 */
		0x66, 0xe7, 0x84,			/* 10: out 0x84, eax */
		0xf4,					/* 13: hlt */
	};
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io = (void *)msg.u.payload;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	uint8_t *page = guest_page(pt, 0x3000, code, sizeof code);
	real_mode_at(pt, 0, 0x0300, 0);	/* CS.base = 0x3000, IP = 0 */

	memset(&msg, 0xa5, sizeof msg);
	ck_assert_int_eq(emu_vp_run(vp, &msg), 0);
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_IO_PORT_INTERCEPT);
	ck_assert_uint_eq(io->header.vp_index, 0);
	ck_assert_uint_eq(io->header.rip, 2);		/* IP, not linear */
	ck_assert_uint_eq(io->header.instruction_length, 2);
	ck_assert_uint_eq(io->header.intercept_access_type, HV_INTERCEPT_ACCESS_WRITE);
	ck_assert_uint_eq(io->header.cs_segment.selector, 0x0300);
	ck_assert_uint_eq(io->header.cs_segment.base, 0x3000);
	ck_assert_uint_eq(io->port_number, 0x80);
	ck_assert_uint_eq(io->access_info.access_size, 1);
	ck_assert_uint_eq(io->access_info.string_op, 0);
	ck_assert_uint_eq(io->rax & 0xff, 0x42);
	/* nothing after the OUT ran, and the OUT is not retired */
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_RIP), 2);
	ck_assert_mem_eq(emu_vp_message_page(vp), &msg, sizeof msg);

	set64(pt, 0, HV_X64_REGISTER_RIP, io->header.rip + io->header.instruction_length);
	ck_assert_int_eq(emu_vp_run(vp, &msg), 0);
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_IO_PORT_INTERCEPT);
	ck_assert_uint_eq(io->header.rip, 10);
	ck_assert_uint_eq(io->header.instruction_length, 3);	/* 66 e7 84 */
	ck_assert_uint_eq(io->port_number, 0x84);
	ck_assert_uint_eq(io->access_info.access_size, 4);
	ck_assert_uint_eq(io->rax & 0xffffffffu, 0x12345678);

	set64(pt, 0, HV_X64_REGISTER_RIP, io->header.rip + io->header.instruction_length);
	ck_assert_int_eq(emu_vp_run(vp, &msg), 0);
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_HALT);
	emu_partition_put(pt);
	munmap(page, 4096);
}
END_TEST

struct kicker {
	struct emu_vp *vp;
	atomic_bool done;
	atomic_int kicks;
};

static void *kick_thread(void *arg)
{
	struct kicker *k = arg;

	/* A kick that lands before RUN_VP starts is dropped at entry (a
	 * handled signal is no longer pending), so keep kicking. */
	while (!atomic_load(&k->done)) {
		usleep(20000);
		emu_vp_kick(k->vp);
		atomic_fetch_add(&k->kicks, 1);
	}
	return NULL;
}

START_TEST(test_run_kick)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp . */
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	struct hv_message msg;
	struct kicker k;
	pthread_t th;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	uint8_t *page = guest_page(pt, 0x1000, code, sizeof code);
	real_mode_at(pt, 0, 0x0100, 0);

	k.vp = vp;
	atomic_init(&k.done, false);
	atomic_init(&k.kicks, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, kick_thread, &k), 0);
	int rc = emu_vp_run(vp, &msg);
	atomic_store(&k.done, true);
	pthread_join(th, NULL);
	ck_assert_int_eq(rc, -EINTR);
	ck_assert_int_ge(atomic_load(&k.kicks), 1);
	/* the guest is still spinning on its jmp */
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_RIP), 0);
	struct hv_vp_register_page *rp = emu_vp_register_page(vp);
	ck_assert_uint_eq(rp->isvalid, 1);
	ck_assert_uint_eq(rp->rip, 0);
	emu_partition_put(pt);
	munmap(page, 4096);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("objects");
	tcase_add_test(tc, test_partition_create);
	tcase_add_test(tc, test_map_gpa_rules);
	tcase_add_test(tc, test_vp_create);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("registers");
	tcase_add_test(tc, test_regs_long_mode_segments);
	tcase_add_test(tc, test_regs_intermediate_cr);
	tcase_add_test(tc, test_regs_fp_sse);
	tcase_add_test(tc, test_regs_errors);
	tcase_add_test(tc, test_register_page_coherent);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("properties");
	tcase_add_test(tc, test_properties);
	tcase_add_test(tc, test_time_freeze);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("cpuid");
	tcase_add_test(tc, test_cpuid_values_registered);
	tcase_add_test(tc, test_cpuid_hv_leaves);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("run");
	tcase_add_test(tc, test_run_io_intercept);
	tcase_add_test(tc, test_run_kick);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	return check_run(s);
}
