/* SPDX-License-Identifier: MIT */
/* A VP's view of guest memory for the page walker (emu/x86_mmu.h): its
 * paging registers and the partition's memory (emu/regs.c). The one place
 * that builds it. */
#ifndef MSHV_EMU_VP_MMU_H
#define MSHV_EMU_VP_MMU_H

#include "x86_insn.h"
#include "x86_mmu.h"

struct emu_partition;
struct emu_vp;

/* The VP's CR0/CR3/CR4/EFER (engine held, VP loaded) over mem_read_phys
 * and mem_write_phys. */
struct x86_mmu vp_mmu(struct emu_vp *vp);
/* The same from raw, a snapshot of the VP's context (uc_context_save),
 * for callers that hold one instead of the loaded engine. */
struct x86_mmu vp_mmu_raw(struct emu_partition *pt, const void *raw);
/* The mode to decode the VP's code in (CS.L, CS.D, CR0.PE), from raw. */
enum x86_mode vp_mode_raw(const void *raw);

#endif
