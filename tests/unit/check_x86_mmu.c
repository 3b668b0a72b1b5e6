/* SPDX-License-Identifier: MIT */
/* Unit tests for emu/x86_mmu.c: page tables are built in a fake guest RAM. */
#include "check_run.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "x86_mmu.h"

#define MEMSZ 0x100000u /* 1 MiB of fake guest RAM */
static uint8_t mem[MEMSZ];
static uint64_t mem_limit = MEMSZ;
static unsigned nwrites;

static int rd(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	(void)opaque;
	if (gpa >= mem_limit || len > mem_limit - gpa)
		return -1;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static int wr(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	(void)opaque;
	if (gpa >= mem_limit || len > mem_limit - gpa)
		return -1;
	memcpy(mem + gpa, buf, len);
	nwrites++;
	return 0;
}

static void put32(uint64_t a, uint32_t v)
{
	memcpy(mem + a, &v, 4);
}
static void put64(uint64_t a, uint64_t v)
{
	memcpy(mem + a, &v, 8);
}
static uint64_t get64(uint64_t a)
{
	uint64_t v;
	memcpy(&v, mem + a, 8);
	return v;
}
static uint32_t get32(uint64_t a)
{
	uint32_t v;
	memcpy(&v, mem + a, 4);
	return v;
}

#define P  0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A  0x20ull
#define D  0x40ull
#define PS 0x80ull
#define NX (1ull << 63)

static struct x86_mmu mmu;

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	mem_limit = MEMSZ;
	nwrites = 0;
	memset(&mmu, 0, sizeof(mmu));
	mmu.read_phys = rd;
	mmu.write_phys = wr;
}

static enum x86_xlate xl(uint64_t gva, unsigned acc, uint64_t *gpa, uint32_t *pfe)
{
	return x86_mmu_translate(&mmu, gva, acc, gpa, pfe);
}

#define OK_TO(gva, acc, expect)                                         \
	do {                                                            \
		uint64_t g_ = 0;                                        \
		uint32_t e_ = 0xdead;                                   \
		ck_assert_int_eq(xl(gva, acc, &g_, &e_), X86_XLATE_OK); \
		ck_assert_uint_eq(g_, (expect));                        \
	} while (0)

#define FAIL(gva, acc, res, pfe)                                 \
	do {                                                     \
		uint64_t g_ = 0;                                 \
		uint32_t e_ = 0xdead;                            \
		ck_assert_int_eq(xl(gva, acc, &g_, &e_), (res)); \
		ck_assert_uint_eq(e_, (pfe));                    \
	} while (0)

START_TEST(test_nopaging)
{
	reset();
	OK_TO(0x12345678, 0, 0x12345678);
	OK_TO(0x123456789ull, X86_ACC_WRITE | X86_ACC_EXEC | X86_ACC_USER, 0x23456789);
	mmu.cr4 = X86_CR4_PAE; /* PAE without PG: still no translation */
	OK_TO(0xfffff000, 0, 0xfffff000);
	ck_assert_int_eq(x86_mmu_translate(&mmu, 0x1000, 0, NULL, NULL), X86_XLATE_OK);
}
END_TEST

/* 32-bit two-level paging */
static void setup_legacy(void)
{
	reset();
	mmu.cr0 = X86_CR0_PG;
	mmu.cr3 = 0x1000;
	put32(0x1000 + 0 * 4, 0x2000 | P | RW | US);		   /* PD[0] -> PT */
	put32(0x2000 + 5 * 4, 0x5000 | P | RW | US);		   /* 0x5000: user rw */
	put32(0x2000 + 6 * 4, 0x6000 | P);			   /* 0x6000: supervisor ro */
	put32(0x1000 + 1 * 4, 0x00c00000 | P | RW | PS);	   /* 4 MiB @ 0x400000 */
	put32(0x1000 + 2 * 4, 0x00400000 | (0x1u << 13) | P | PS); /* PSE-36: bit 32 */
	put32(0x1000 + 3 * 4, 0x00800000 | (1u << 21) | P | PS);   /* reserved bit 21 */
	put32(0x1000 + 5 * 4, 0x00fff000 | P | RW | US);	   /* PT outside fake RAM */
}

START_TEST(test_legacy)
{
	setup_legacy();
	OK_TO(0x5123, 0, 0x5123);
	OK_TO(0x5123, X86_ACC_USER | X86_ACC_WRITE, 0x5123);
	OK_TO(0x6ffc, 0, 0x6ffc);
	OK_TO(0x100005123ull, 0, 0x5123); /* gva truncated to 32 bits */

	/* without CR4.PSE the PS bit is ignored: PDE[1] is a PT at 0xc00000 (unbacked) */
	FAIL(0x00412345, 0, X86_XLATE_GPA_UNMAPPED, 0);
	mmu.cr4 = X86_CR4_PSE;
	OK_TO(0x00412345, 0, 0x00c12345);
	OK_TO(0x00801234, 0, 0x100401234ull); /* PSE-36 */
	FAIL(0x00c00000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	FAIL(0x00c00000, X86_ACC_WRITE | X86_ACC_USER, X86_XLATE_INVALID_PAGE_TABLE_FLAGS,
	     X86_PF_P | X86_PF_RSVD | X86_PF_W | X86_PF_U);

	/* not present: PDE and PTE */
	FAIL(0x01000000, X86_ACC_WRITE, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_W);
	FAIL(0x7000, X86_ACC_USER, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_U);
	/* PT located outside guest RAM */
	FAIL(0x01400000, 0, X86_XLATE_GPA_UNMAPPED, 0);

	/* U/S and R/W */
	FAIL(0x6000, X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_U);
	OK_TO(0x6000, X86_ACC_WRITE, 0x6000); /* CR0.WP=0 */
	mmu.cr0 |= X86_CR0_WP;
	FAIL(0x6000, X86_ACC_WRITE, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_W);
	/* no NX in 32-bit paging even if EFER.NXE is set */
	mmu.efer = X86_EFER_NXE;
	put32(0x2000 + 7 * 4, 0x7000 | P | RW | US);
	OK_TO(0x7010, X86_ACC_EXEC, 0x7010);
	/* SMEP in 32-bit paging */
	mmu.cr4 |= X86_CR4_SMEP;
	FAIL(0x7010, X86_ACC_EXEC, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_I);
	OK_TO(0x7010, X86_ACC_EXEC | X86_ACC_USER, 0x7010);

	/* A/D bits in 4-byte entries */
	mmu.cr4 = X86_CR4_PSE;
	OK_TO(0x5000, X86_ACC_SET_AD, 0x5000);
	ck_assert_uint_eq(get32(0x1000) & (A | D), A);
	ck_assert_uint_eq(get32(0x2000 + 5 * 4), 0x5000 | P | RW | US | A);
	OK_TO(0x5000, X86_ACC_SET_AD | X86_ACC_WRITE, 0x5000);
	ck_assert_uint_eq(get32(0x2000 + 5 * 4), 0x5000 | P | RW | US | A | D);
	ck_assert_uint_eq(get32(0x1000) & D, 0); /* no D on non-leaf */
	OK_TO(0x00400000, X86_ACC_SET_AD | X86_ACC_WRITE, 0x00c00000);
	ck_assert_uint_eq(get32(0x1004), 0x00c00000 | P | RW | PS | A | D);
}
END_TEST

/* PAE paging */
static void setup_pae(void)
{
	reset();
	mmu.cr0 = X86_CR0_PG | X86_CR0_WP;
	mmu.cr4 = X86_CR4_PAE;
	mmu.cr3 = 0x1020; /* 32-byte aligned PDPT */
	put64(0x1020 + 0 * 8, 0x2000 | P);
	put64(0x1020 + 1 * 8, 0x2000 | P | RW); /* RW reserved in PDPTE */
	/* PDPT[2] = 0: not present */
	put64(0x1020 + 3 * 8, 0xfff00000ull | P);		   /* PD outside RAM */
	put64(0x2000 + 0 * 8, 0x3000 | P | RW | US);		   /* PD[0] -> PT */
	put64(0x2000 + 1 * 8, 0x00400000 | P | RW | PS);	   /* 2 MiB @ 0x200000 */
	put64(0x2000 + 2 * 8, 0x00600000 | (1ull << 13) | P | PS); /* reserved bit 13 */
	put64(0x2000 + 3 * 8, 0x123400000000ull | P | RW | PS);	   /* 2 MiB above 4G */
	put64(0x3000 + 1 * 8, 0x7000 | P | RW | US | NX);
	put64(0x3000 + 2 * 8, 0x8000 | P | RW | US | (1ull << 55)); /* bits 62:52 reserved */
	put64(0x3000 + 3 * 8, 0x9000 | P | RW | US);
}

START_TEST(test_pae)
{
	setup_pae();
	OK_TO(0x3abc, 0, 0x9abc);
	OK_TO(0x212345, 0, 0x412345);
	OK_TO(0x612345, X86_ACC_WRITE, 0x123400012345ull);
	FAIL(0x40000000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	FAIL(0x80000000, X86_ACC_USER, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_U);
	FAIL(0xc0000000, 0, X86_XLATE_GPA_UNMAPPED, 0);
	FAIL(0x400000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	FAIL(0x2000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	/* NX bit is reserved when EFER.NXE = 0 */
	FAIL(0x1000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	mmu.efer = X86_EFER_NXE;
	OK_TO(0x1010, 0, 0x7010);
	OK_TO(0x1010, X86_ACC_USER | X86_ACC_WRITE, 0x7010);
	FAIL(0x1010, X86_ACC_EXEC, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_I);
	FAIL(0x1010, X86_ACC_EXEC | X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION,
	     X86_PF_P | X86_PF_I | X86_PF_U);
	/* I/D bit is reported for fetches when NXE is on, even on not-present */
	FAIL(0x5000, X86_ACC_EXEC, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_I);
	/* user access to the supervisor 2 MiB page */
	FAIL(0x200000, X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_U);

	/* A/D: the PDPTE has no A bit in PAE mode and must stay untouched */
	uint64_t pdpte = get64(0x1020);
	OK_TO(0x3000, X86_ACC_SET_AD | X86_ACC_WRITE, 0x9000);
	ck_assert_uint_eq(get64(0x1020), pdpte);
	ck_assert_uint_eq(get64(0x2000), 0x3000 | P | RW | US | A);
	ck_assert_uint_eq(get64(0x3000 + 3 * 8), 0x9000 | P | RW | US | A | D);
}
END_TEST

/* 4-level long-mode paging */
static void setup_long(void)
{
	reset();
	mmu.cr0 = X86_CR0_PG | X86_CR0_WP;
	mmu.cr4 = X86_CR4_PAE;
	mmu.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	mmu.cr3 = 0x1000 | 0x5;					      /* low bits (PCID) ignored */
	put64(0x1000 + 0 * 8, 0x2000 | P | RW | US);		      /* PML4[0] */
	put64(0x1000 + 1 * 8, 0x2000 | P | RW | US | PS);	      /* PS reserved in PML4E */
	put64(0x1000 + 2 * 8, 0x0ff00000ull | P | RW | US);	      /* PDPT outside RAM */
	put64(0x1000 + 511 * 8, 0x5000 | P | RW);		      /* kernel half */
	put64(0x2000 + 0 * 8, 0x3000 | P | RW | US);		      /* PDPT[0] -> PD */
	put64(0x2000 + 1 * 8, 0x80000000ull | P | RW | US | PS);      /* 1 GiB @ 1G -> 2G */
	put64(0x2000 + 2 * 8, 0xc0000000ull | (1ull << 13) | P | PS); /* reserved */
	put64(0x2000 + 3 * 8, 0x3000 | P | RW | US | (1ull << 60));   /* 62:52 ignored in LM */
	put64(0x3000 + 0 * 8, 0x4000 | P | RW | US);		      /* PD[0] -> PT */
	put64(0x3000 + 1 * 8, 0x00600000 | P | RW | US | PS);	      /* 2 MiB @ 2M */
	put64(0x3000 + 2 * 8, 0x7ff00000ull | P | RW | US);	      /* PT outside RAM */
	put64(0x3000 + 3 * 8, 0x8000 | P | RW);			      /* supervisor-only PT */
	put64(0x3000 + 4 * 8, 0x9000 | P | RW | US | NX);	      /* NX at PD level */
	put64(0x3000 + 5 * 8, 0x00a00000 | (1ull << 20) | P | PS);    /* reserved bit 20 */
	put64(0x4000 + 0 * 8, 0x10000 | P | RW | US);
	put64(0x4000 + 1 * 8, 0x11000 | P | US); /* user read-only */
	put64(0x4000 + 2 * 8, 0x12000 | P | RW); /* supervisor */
	put64(0x4000 + 3 * 8, 0x13000 | P | RW | US | NX);
	put64(0x4000 + 4 * 8, 0x14000 | P | RW | US);
	/* PT[5] = 0: not present */
	put64(0x4000 + 7 * 8, 0xff000 | P | RW | US);  /* last backed page */
	put64(0x4000 + 8 * 8, 0x100000 | P | RW | US); /* unbacked data page */
	put64(0x8000 + 0 * 8, 0x20000 | P | RW | US);
	put64(0x9000 + 0 * 8, 0x21000 | P | RW | US);
	put64(0x5000 + 510 * 8, 0x0 | P | RW | PS); /* 1 GiB @ -2G -> 0 */
}

START_TEST(test_long)
{
	setup_long();
	OK_TO(0x0, 0, 0x10000);
	OK_TO(0x1abc, 0, 0x11abc);
	OK_TO(0x4fff, X86_ACC_WRITE | X86_ACC_USER | X86_ACC_EXEC, 0x14fff);
	OK_TO(0x212345, X86_ACC_USER, 0x612345);	    /* 2 MiB */
	OK_TO(0x4abcdef0ull, X86_ACC_WRITE, 0x8abcdef0ull); /* 1 GiB */
	OK_TO(0xffffffff80001234ull, X86_ACC_EXEC, 0x1234); /* kernel 1 GiB */
	OK_TO(0xc0001234ull, 0, 0x11234);		    /* ignored bits 62:52 */

	/* non-canonical: reported as not present with error code 0 */
	FAIL(0x0000800000000000ull, 0, X86_XLATE_PAGE_NOT_PRESENT, 0);
	FAIL(0xffff7fffffffffffull, X86_ACC_WRITE, X86_XLATE_PAGE_NOT_PRESENT, 0);

	/* not present at each level */
	FAIL(0x0000008000000000ull * 3, 0, X86_XLATE_PAGE_NOT_PRESENT, 0); /* PML4E */
	FAIL(0x0000000100000000ull, X86_ACC_WRITE, X86_XLATE_PAGE_NOT_PRESENT,
	     X86_PF_W);							      /* PDPTE */
	FAIL(0x00c00000, X86_ACC_USER, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_U); /* PDE */
	FAIL(0x5000, X86_ACC_USER | X86_ACC_WRITE, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_U | X86_PF_W);
	FAIL(0x5000, X86_ACC_EXEC, X86_XLATE_PAGE_NOT_PRESENT, X86_PF_I);

	/* reserved bits */
	FAIL(0x0000008000000000ull, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	FAIL(0x80000000ull, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	FAIL(0x00a00000, X86_ACC_WRITE, X86_XLATE_INVALID_PAGE_TABLE_FLAGS,
	     X86_PF_P | X86_PF_RSVD | X86_PF_W);
	mmu.efer &= ~X86_EFER_NXE; /* NX bit becomes reserved */
	FAIL(0x3000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	FAIL(0x00800000, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
	OK_TO(0x0, X86_ACC_EXEC, 0x10000);
	mmu.efer |= X86_EFER_NXE;

	/* tables in unbacked memory */
	FAIL(0x0000010000000000ull, 0, X86_XLATE_GPA_UNMAPPED, 0); /* PDPT */
	FAIL(0x00400000, 0, X86_XLATE_GPA_UNMAPPED, 0);		   /* PT */

	/* R/W and WP */
	OK_TO(0x1000, X86_ACC_USER, 0x11000);
	FAIL(0x1000, X86_ACC_USER | X86_ACC_WRITE, X86_XLATE_PRIVILEGE_VIOLATION,
	     X86_PF_P | X86_PF_W | X86_PF_U);
	FAIL(0x1000, X86_ACC_WRITE, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_W);
	mmu.cr0 &= ~X86_CR0_WP;
	OK_TO(0x1000, X86_ACC_WRITE, 0x11000);
	FAIL(0x1000, X86_ACC_USER | X86_ACC_WRITE, X86_XLATE_PRIVILEGE_VIOLATION,
	     X86_PF_P | X86_PF_W | X86_PF_U);
	mmu.cr0 |= X86_CR0_WP;

	/* U/S: leaf and combined across levels */
	OK_TO(0x2000, X86_ACC_WRITE, 0x12000);
	FAIL(0x2000, X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_U);
	OK_TO(0x600000, 0, 0x20000);
	FAIL(0x600000, X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_U);
	FAIL(0xffffffff80000000ull, X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION,
	     X86_PF_P | X86_PF_U);

	/* NX: leaf and combined across levels */
	OK_TO(0x3000, X86_ACC_WRITE | X86_ACC_USER, 0x13000);
	FAIL(0x3000, X86_ACC_EXEC, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_I);
	OK_TO(0x800000, X86_ACC_USER, 0x21000);
	FAIL(0x800000, X86_ACC_EXEC | X86_ACC_USER, X86_XLATE_PRIVILEGE_VIOLATION,
	     X86_PF_P | X86_PF_I | X86_PF_U);

	/* SMEP */
	OK_TO(0x0, X86_ACC_EXEC, 0x10000);
	mmu.cr4 |= X86_CR4_SMEP;
	FAIL(0x0, X86_ACC_EXEC, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_I);
	OK_TO(0x0, X86_ACC_EXEC | X86_ACC_USER, 0x10000);
	OK_TO(0x2000, X86_ACC_EXEC, 0x12000); /* supervisor page fine */
	OK_TO(0x0, 0, 0x10000);		      /* data access unaffected */
	mmu.cr4 &= ~X86_CR4_SMEP;

	/* SMAP */
	mmu.cr4 |= X86_CR4_SMAP;
	FAIL(0x0, 0, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P);
	FAIL(0x0, X86_ACC_WRITE, X86_XLATE_PRIVILEGE_VIOLATION, X86_PF_P | X86_PF_W);
	OK_TO(0x0, X86_ACC_USER, 0x10000);
	OK_TO(0x0, X86_ACC_NO_SMAP, 0x10000);
	OK_TO(0x0, X86_ACC_EXEC, 0x10000); /* fetch: SMEP's business */
	OK_TO(0x2000, 0, 0x12000);
	mmu.cr4 &= ~X86_CR4_SMAP;
}
END_TEST

/* x86_mmu_translate_walk reports the entries it read, in walk order, with
 * their values: 4 for a 4 KiB page, 3 for a 2 MiB one, 2 for 1 GiB, none
 * without paging; nothing is reported when the walk fails. */
START_TEST(test_walk_entries)
{
	struct x86_walk w;
	uint64_t gpa;

	setup_long();
	ck_assert_int_eq(x86_mmu_translate_walk(&mmu, 0x1abc, 0, &gpa, NULL, &w), X86_XLATE_OK);
	ck_assert_uint_eq(gpa, 0x11abc);
	ck_assert_uint_eq(w.n, 4);
	ck_assert_uint_eq(w.size, 8);
	const uint64_t at[4] = { 0x1000, 0x2000, 0x3000, 0x4000 + 1 * 8 };
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(w.gpa[i], at[i]);
		ck_assert_uint_eq(w.val[i], get64(at[i]));
	}
	ck_assert_int_eq(x86_mmu_translate_walk(&mmu, 0x212345, 0, &gpa, NULL, &w), X86_XLATE_OK);
	ck_assert_uint_eq(w.n, 3);
	ck_assert_uint_eq(w.gpa[2], 0x3000 + 1 * 8);
	ck_assert_int_eq(x86_mmu_translate_walk(&mmu, 0x4abcdef0ull, 0, &gpa, NULL, &w),
			 X86_XLATE_OK);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.val[1], get64(0x2000 + 1 * 8));
	w.n = 99;
	ck_assert_int_eq(x86_mmu_translate_walk(&mmu, 0x5000, 0, &gpa, NULL, &w),
			 X86_XLATE_PAGE_NOT_PRESENT);
	ck_assert_uint_eq(w.n, 99);

	setup_legacy();
	ck_assert_int_eq(x86_mmu_translate_walk(&mmu, 0x5123, 0, &gpa, NULL, &w), X86_XLATE_OK);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.size, 4);
	ck_assert_uint_eq(w.gpa[1], 0x2000 + 5 * 4);
	ck_assert_uint_eq(w.val[1], get32(0x2000 + 5 * 4));

	reset();
	ck_assert_int_eq(x86_mmu_translate_walk(&mmu, 0x1234, 0, &gpa, NULL, &w), X86_XLATE_OK);
	ck_assert_uint_eq(w.n, 0);
}
END_TEST

START_TEST(test_long_ad)
{
	setup_long();

	/* no A/D without X86_ACC_SET_AD */
	OK_TO(0x1000, X86_ACC_USER, 0x11000);
	ck_assert_uint_eq(nwrites, 0);

	OK_TO(0x0, X86_ACC_SET_AD, 0x10000);
	ck_assert_uint_eq(get64(0x1000), 0x2000 | P | RW | US | A);
	ck_assert_uint_eq(get64(0x2000), 0x3000 | P | RW | US | A);
	ck_assert_uint_eq(get64(0x3000), 0x4000 | P | RW | US | A);
	ck_assert_uint_eq(get64(0x4000), 0x10000 | P | RW | US | A);
	unsigned w = nwrites;
	OK_TO(0x0, X86_ACC_SET_AD, 0x10000); /* already set: no writes */
	ck_assert_uint_eq(nwrites, w);
	OK_TO(0x0, X86_ACC_SET_AD | X86_ACC_WRITE, 0x10000);
	ck_assert_uint_eq(get64(0x4000), 0x10000 | P | RW | US | A | D);
	ck_assert_uint_eq(get64(0x3000), 0x4000 | P | RW | US | A); /* D only on leaf */
	ck_assert_uint_eq(nwrites, w + 1);

	/* large page leaf gets D */
	OK_TO(0x4abcdef0ull, X86_ACC_SET_AD | X86_ACC_WRITE, 0x8abcdef0ull);
	ck_assert_uint_eq(get64(0x2000 + 8), 0x80000000ull | P | RW | US | PS | A | D);

	/* failed translation does not set A */
	FAIL(0x1000, X86_ACC_SET_AD | X86_ACC_USER | X86_ACC_WRITE, X86_XLATE_PRIVILEGE_VIOLATION,
	     X86_PF_P | X86_PF_W | X86_PF_U);
	ck_assert_uint_eq(get64(0x4000 + 8), 0x11000 | P | US);

	/* high bits (NX) of entries preserved */
	OK_TO(0x3000, X86_ACC_SET_AD, 0x13000);
	ck_assert_uint_eq(get64(0x4000 + 3 * 8), 0x13000 | P | RW | US | NX | A);

	/* write_phys == NULL: A/D silently not set */
	mmu.write_phys = NULL;
	OK_TO(0x4000, X86_ACC_SET_AD | X86_ACC_WRITE, 0x14000);
	ck_assert_uint_eq(get64(0x4000 + 4 * 8), 0x14000 | P | RW | US);
}
END_TEST

START_TEST(test_la57)
{
	setup_long();
	mmu.cr4 |= X86_CR4_LA57;
	mmu.cr3 = 0xa000;
	put64(0xa000, 0x1000 | P | RW | US); /* PML5[0] -> PML4 */
	OK_TO(0x1abc, 0, 0x11abc);
	FAIL(0x0000800000001abcull, 0, X86_XLATE_PAGE_NOT_PRESENT, 0); /* PML4[256] empty */
	put64(0x1000 + 256 * 8, 0x2000 | P | RW | US);
	OK_TO(0x0000800000001abcull, 0, 0x11abc);		       /* canonical under LA57 */
	FAIL(0x0100000000000000ull, 0, X86_XLATE_PAGE_NOT_PRESENT, 0); /* non-canonical */
	put64(0xa000 + 1 * 8, 0x1000 | P | RW | US | PS);	       /* PS reserved in PML5E */
	FAIL(0x0001000000000000ull, 0, X86_XLATE_INVALID_PAGE_TABLE_FLAGS, X86_PF_P | X86_PF_RSVD);
}
END_TEST

START_TEST(test_read_virt)
{
	setup_long();
	for (unsigned i = 0; i < 0x5000; i++)
		mem[0x10000 + i] = (uint8_t)(i * 7 + 1);
	for (unsigned i = 0; i < 0x1000; i++)
		mem[0xff000 + i] = (uint8_t)(i ^ 0x5a);

	uint8_t buf[64];
	/* crossing from PT[0] into PT[1] (physically contiguous here) */
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0xff0, buf, 32, 0), 32);
	ck_assert_mem_eq(buf, mem + 0x10ff0, 32);

	/* PT[4] -> 0x14000, then PT[5] not present: short count */
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x4ff0, buf, 32, 0), 16);
	ck_assert_mem_eq(buf, mem + 0x14ff0, 16);

	/* into a page whose data is not backed by RAM */
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x7ff8, buf, 32, 0), 8);
	ck_assert_mem_eq(buf, mem + 0xffff8, 8);

	/* data page only partially backed: exact count of readable bytes */
	mem_limit = 0xff800;
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x77f0, buf, 32, 0), 16);
	ck_assert_mem_eq(buf, mem + 0xff7f0, 16);
	mem_limit = MEMSZ;

	/* permission failure on the second page */
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x1ff0, buf, 32, X86_ACC_USER), 16);
	/* non-present first page */
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x5000, buf, 32, 0), 0);
	/* zero length */
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x5000, buf, 0, 0), 0);
	/* large read spanning several pages */
	static uint8_t big[0x3000];
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0x0800, big, sizeof(big), 0), sizeof(big));
	ck_assert_mem_eq(big, mem + 0x10800, sizeof(big));

	/* paging disabled: wraps at 4 GiB */
	reset();
	mem[0xffff] = 0x11;
	mem[0] = 0x22;
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0xffff, buf, 1, 0), 1);
	ck_assert_uint_eq(buf[0], 0x11);
	ck_assert_uint_eq(x86_mmu_read_virt(&mmu, 0xffffffffull, buf, 2, 0), 0);
}
END_TEST

/* Hostile page tables: random contents must never crash or loop. */
START_TEST(test_fuzz)
{
	uint32_t seed = 1;
	for (int iter = 0; iter < 2000; iter++) {
		reset();
		for (unsigned i = 0; i < 0x10000; i += 4) {
			seed = seed * 1103515245u + 12345u;
			uint32_t v = seed;
			seed = seed * 1103515245u + 12345u;
			/* keep pointers mostly inside the first 64 KiB */
			v = (v & 0x0000ffffu) | ((seed >> 16) & 0x80000000u ? 0x80000000u : 0);
			put32(i, v);
		}
		mmu.cr0 = X86_CR0_PG | ((iter & 4) ? X86_CR0_WP : 0);
		mmu.cr3 = (uint64_t)(seed & 0xf000u);
		switch (iter % 4) {
		case 0:
			mmu.cr4 = X86_CR4_PSE;
			break;
		case 1:
			mmu.cr4 = X86_CR4_PAE;
			mmu.efer = X86_EFER_NXE;
			break;
		case 2:
			mmu.cr4 = X86_CR4_PAE | X86_CR4_SMEP | X86_CR4_SMAP;
			mmu.efer = X86_EFER_LMA | X86_EFER_NXE;
			break;
		case 3:
			mmu.cr4 = X86_CR4_PAE | X86_CR4_LA57;
			mmu.efer = X86_EFER_LMA;
			break;
		}
		for (int j = 0; j < 16; j++) {
			seed = seed * 1103515245u + 12345u;
			uint64_t gva = ((uint64_t)seed << 20) ^ seed;
			if (j & 1)
				gva = (uint64_t)(int64_t)(int32_t)seed;
			uint64_t gpa;
			uint32_t pfe;
			enum x86_xlate r =
				x86_mmu_translate(&mmu, gva, (unsigned)j & 0xf, &gpa, &pfe);
			ck_assert(r <= X86_XLATE_GPA_UNMAPPED);
			uint8_t buf[40];
			ck_assert(x86_mmu_read_virt(&mmu, gva, buf, sizeof(buf), 0) <= sizeof(buf));
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x86_mmu");
	TCase *tc = tcase_create("walk");
	tcase_add_test(tc, test_nopaging);
	tcase_add_test(tc, test_legacy);
	tcase_add_test(tc, test_pae);
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_walk_entries);
	tcase_add_test(tc, test_long_ad);
	tcase_add_test(tc, test_la57);
	tcase_add_test(tc, test_read_virt);
	tcase_add_test(tc, test_fuzz);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	return check_run(s);
}
