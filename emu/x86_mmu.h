/* SPDX-License-Identifier: MIT */
/*
 * x86_mmu.h - guest page-table walker.
 *
 * Supports paging disabled, 32-bit 2-level paging (with PSE 4 MiB pages and
 * PSE-36 high address bits), PAE 3-level paging, and 4-level (and 5-level if
 * CR4.LA57) long-mode paging with 2 MiB / 1 GiB pages.  MAXPHYADDR is 52.
 *
 * Guest page tables are hostile input: every entry is read through
 * read_phys, the walk has a fixed maximum depth, and nothing is cached.
 */
#ifndef MSHV_EMU_X86_MMU_H
#define MSHV_EMU_X86_MMU_H

#include <stdint.h>
#include <stddef.h>

struct x86_mmu {
	uint64_t cr0, cr3, cr4, efer;
	/* read guest-physical memory; return 0 on success, -1 if gpa is not backed by guest RAM */
	int (*read_phys)(void *opaque, uint64_t gpa, void *buf, size_t len);
	/* optional (may be NULL): write guest-physical memory, used only when setting A/D bits */
	int (*write_phys)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	void *opaque;
};

#define X86_ACC_WRITE  0x1u
#define X86_ACC_USER   0x2u /* CPL3 access */
#define X86_ACC_EXEC   0x4u
#define X86_ACC_SET_AD 0x8u /* set accessed (and dirty on write) bits in the entries walked */
/* extension: supervisor data access with EFLAGS.AC=1 (or an explicit SMAP
 * override): skip the SMAP check */
#define X86_ACC_NO_SMAP 0x10u

/* Control register / EFER bits used by the walker. */
#define X86_CR0_WP   (1ull << 16)
#define X86_CR0_PG   (1ull << 31)
#define X86_CR4_PSE  (1ull << 4)
#define X86_CR4_PAE  (1ull << 5)
#define X86_CR4_LA57 (1ull << 12)
#define X86_CR4_SMEP (1ull << 20)
#define X86_CR4_SMAP (1ull << 21)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)

/* #PF error code bits */
#define X86_PF_P    0x01u
#define X86_PF_W    0x02u
#define X86_PF_U    0x04u
#define X86_PF_RSVD 0x08u
#define X86_PF_I    0x10u

/* Result codes deliberately match Hyper-V's HV_TRANSLATE_GVA_* result codes. */
enum x86_xlate {
	X86_XLATE_OK = 0,
	X86_XLATE_PAGE_NOT_PRESENT = 1,
	X86_XLATE_PRIVILEGE_VIOLATION = 2,
	X86_XLATE_INVALID_PAGE_TABLE_FLAGS = 3,
	X86_XLATE_GPA_UNMAPPED = 4,
};

/* Translate gva. On success *gpa is the full physical address (page base |
 * offset). pf_error (may be NULL) receives the #PF error code that hardware
 * would push (P, W, U, RSVD, I/D bits).
 *
 * Notes:
 *  - A non-canonical gva in long mode (hardware: #GP, not #PF) is reported as
 *    X86_XLATE_PAGE_NOT_PRESENT with *pf_error = 0.
 *  - With paging disabled the result is gva & 0xffffffff and is not checked
 *    against guest RAM.
 *  - A page-table entry in unbacked memory gives X86_XLATE_GPA_UNMAPPED
 *    (*pf_error = 0, *gpa = the entry's address); the final data page is
 *    not checked for backing.
 *  - A/D bits (X86_ACC_SET_AD, needs write_phys) are only set when the
 *    translation succeeds; only the low byte of each entry is written.
 *  - SMAP ignores EFLAGS.AC unless X86_ACC_NO_SMAP is passed. */
enum x86_xlate x86_mmu_translate(const struct x86_mmu *, uint64_t gva, unsigned access,
				 uint64_t *gpa, uint32_t *pf_error);

/* The paging-structure entries a successful translation read, in walk
 * order: with the same CR0/CR3/CR4/EFER and these entries still holding
 * these values, the translation is the same (a cache checks that instead
 * of walking again). */
struct x86_walk {
	unsigned n;
	unsigned size; /* bytes per entry: 4 (32-bit paging) or 8 */
	uint64_t gpa[6], val[6];
};

enum x86_xlate x86_mmu_translate_walk(const struct x86_mmu *, uint64_t gva, unsigned access,
				      uint64_t *gpa, uint32_t *pf_error, struct x86_walk *w);

/* Copy len bytes from guest-virtual gva (crossing pages as needed); returns
 * number of bytes copied before the first failure (so a short count means a
 * translation or read failure). */
size_t x86_mmu_read_virt(const struct x86_mmu *, uint64_t gva, void *buf, size_t len,
			 unsigned access);

#endif
