/* SPDX-License-Identifier: MIT */
/* A VP's view of guest memory for the page walker (emu/x86_mmu.h): its
 * paging registers and the partition's memory (emu/regs.c). */
#ifndef MSHV_EMU_VP_MMU_H
#define MSHV_EMU_VP_MMU_H

#include "x86_mmu.h"

struct emu_vp;

/* The VP's CR0/CR3/CR4/EFER (engine held, VP loaded) over mem_read_phys
 * and mem_write_phys. */
struct x86_mmu vp_mmu(struct emu_vp *vp);

#endif
