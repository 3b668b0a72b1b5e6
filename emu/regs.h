/* SPDX-License-Identifier: MIT */
/*
 * A VP's registers by name (regs.c; the synthetic ones in synth_regs.c)
 * and the mmap'ed register page (regpage.c). The VP is loaded on the
 * engine, which the caller holds.
 */
#ifndef MSHV_EMU_REGS_H
#define MSHV_EMU_REGS_H

#include "util.h"

#include <hyperv/hv_all.h>

struct emu_vp;

/* regs.c: the register file, on the loaded engine. */
uint16_t regs_get(struct emu_vp *vp, uint32_t name, union hv_register_value *v);
uint16_t regs_set(struct emu_vp *vp, uint32_t name,
		  const union hv_register_value *v);
/* Begins/ends a batch of sets that may touch hidden state. */
void regs_begin(struct emu_vp *vp);
void regs_commit(struct emu_vp *vp);
uint64_t regs_gpr(struct emu_vp *vp, int idx);
void regs_set_gpr(struct emu_vp *vp, int idx, uint64_t val);
uint64_t regs_rip(struct emu_vp *vp);
void regs_set_rip(struct emu_vp *vp, uint64_t rip);
uint64_t regs_rflags(struct emu_vp *vp);
void regs_segment(struct emu_vp *vp, int seg, struct hv_x64_segment_register *s);
void regs_mmu(struct emu_vp *vp, uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
	      uint64_t *efer);

/* synth_regs.c: true when the name was handled (*st set on failure). */
void synth_vp_init(struct emu_vp *vp);
bool synth_reg_get(struct emu_vp *vp, uint32_t name, union hv_register_value *v);
bool synth_reg_set(struct emu_vp *vp, uint32_t name, const union hv_register_value *v,
		   uint16_t *st);

/* regpage.c */
void regpage_refresh(struct emu_vp *vp);
/* After the n registers in set were written (complete: every one the
 * caller asked for), the page shows them. */
void regpage_after_set(struct emu_vp *vp, const struct hv_register_assoc *set, unsigned n,
		       bool complete);
void regpage_fill(struct emu_vp *vp, const void *raw);
void regpage_apply_dirty(struct emu_vp *vp);

#endif
