/* SPDX-License-Identifier: MIT */
/*
 * The scanner's site hook reads the instruction at every IO exit: a guest
 * page walk each time (four table reads and their checks in 64-bit mode).
 * This keeps the walks of a few code pages and, instead of walking again,
 * reads back the entries a walk used: with the same CR0/CR3/CR4/EFER and
 * the same entries the walk gives the same page, so nothing is ever stale.
 */
#ifndef MSHV_EMU_CODE_TLB_H
#define MSHV_EMU_CODE_TLB_H

#include "x86_mmu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_partition;

#define CODE_TLB_WAYS 8

struct code_tlb_entry {
	bool valid;
	uint64_t lpage, gpage;	      /* linear and physical page numbers */
	uint64_t cr0, cr3, cr4, efer; /* the walk's registers */
	struct x86_walk w;	      /* the entries it read */
};

struct code_tlb {
	struct code_tlb_entry e[CODE_TLB_WAYS];
};

/* Copies n bytes of code at linear lin, all within one page, as m maps
 * them; false if the page cannot be read. */
bool code_tlb_read(struct code_tlb *t, struct emu_partition *pt, const struct x86_mmu *m,
		   uint64_t lin, uint8_t *buf, size_t n);

#endif
