/* SPDX-License-Identifier: MIT */
/*
 * Raw access to Unicorn's saved CPU state (QEMU's CPUX86State inside a
 * uc_context). Unicorn's API cannot set hidden segment state, hflags or the
 * exception bookkeeping; mshv needs all three. Offsets are calibrated at
 * start-up against the running libunicorn and refused if they do not match.
 */
#ifndef MSHV_EMU_RAWENV_H
#define MSHV_EMU_RAWENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct raw_seg {
	uint32_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t flags;		/* QEMU format: descriptor high dword bits */
};

enum { RAW_ES, RAW_CS, RAW_SS, RAW_DS, RAW_FS, RAW_GS,
       RAW_LDT, RAW_TR, RAW_GDT, RAW_IDT, RAW_NSEGS };

/* QEMU hflags bits we maintain. */
#define HF_CPL_MASK	0x3u
#define HF_INHIBIT_IRQ	(1u << 3)
#define HF_CS32		(1u << 4)
#define HF_SS32		(1u << 5)
#define HF_ADDSEG	(1u << 6)
#define HF_PE		(1u << 7)
#define HF_TF		(1u << 8)
#define HF_MP		(1u << 9)
#define HF_EM		(1u << 10)
#define HF_TS		(1u << 11)
#define HF_IOPL		(3u << 12)
#define HF_LMA		(1u << 14)
#define HF_CS64		(1u << 15)
#define HF_VM		(1u << 17)
#define HF_OSFXSR	(1u << 22)
#define HF_SMAP		(1u << 23)
#define HF2_NMI		(1u << 2)

int rawenv_calibrate(void);
/* Where a uc_context blob holds RAX (the start of CPUX86State). */
size_t rawenv_regs_offset(void);
/* rawenv_live.c: engine uc's CPU state in place, as a view for the
 * raw_get_* accessors (no copy; valid while uc lives), checked against
 * `saved`, a context just saved from uc; NULL if it cannot be found. */
const void *rawenv_live(uc_engine *uc, const void *saved);
const char *rawenv_error(void);

/* ctx: a uc_context blob as produced by uc_context_save. */
void raw_get_seg(const void *ctx, int which, struct raw_seg *s);
void raw_set_seg(void *ctx, int which, const struct raw_seg *s);
uint64_t raw_get_cr(const void *ctx, int n);
void raw_set_cr(void *ctx, int n, uint64_t v);
uint64_t raw_get_efer(const void *ctx);
void raw_set_efer(void *ctx, uint64_t v);
uint32_t raw_get_hflags(const void *ctx);
void raw_set_hflags(void *ctx, uint32_t v);
uint32_t raw_get_hflags2(const void *ctx);
void raw_set_hflags2(void *ctx, uint32_t v);
uint64_t raw_get_eflags(const void *ctx);
uint64_t raw_get_gpr(const void *ctx, int n);
uint64_t raw_get_eip(const void *ctx);
int32_t raw_get_error_code(const void *ctx);
void raw_reset_old_exception(void *ctx);
uint64_t raw_get_dr(const void *ctx, int n);
void raw_set_dr(void *ctx, int n, uint64_t v);
/* Recomputes hflags from CR0/CR4/EFER/segments/eflags, like QEMU does
 * after state is loaded from outside the CPU. */
void raw_update_hflags(void *ctx);

/* mshv segment attributes <-> QEMU descriptor flags. */
static inline uint32_t raw_attr_to_flags(uint16_t attr)
{
	return ((uint32_t)(attr & 0xff) << 8) | ((uint32_t)((attr >> 12) & 0xf) << 20);
}
static inline uint16_t raw_flags_to_attr(uint32_t flags)
{
	return (uint16_t)(((flags >> 8) & 0xff) | (((flags >> 20) & 0xf) << 12));
}

#endif
