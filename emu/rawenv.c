/* SPDX-License-Identifier: MIT */
#include "rawenv.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Offsets inside the uc_context blob (header included). */
static struct {
	size_t regs, eip, eflags, hflags, hflags2, segs, cr, efer;
	size_t error_code, dr, old_exception;
	bool ok;
} off;
static char calib_err[160];

/* Layout of QEMU's SegmentCache in the env. */
#define SEG_SIZE 24
#define SEG_OFF_SEL 0
#define SEG_OFF_BASE 8
#define SEG_OFF_LIMIT 16
#define SEG_OFF_FLAGS 20
/* Distances inside CPUX86State (QEMU 5.0, as in Unicorn 2.x). */
#define ENV_EIP 128
#define ENV_EFLAGS 136
#define ENV_HFLAGS 176
#define ENV_HFLAGS2 180
#define ENV_SEGS 184		/* es..gs, ldt, tr, gdt, idt */
#define ENV_CR 424

static uint64_t rd64(const void *p, size_t o) { uint64_t v; memcpy(&v, (const char *)p + o, 8); return v; }
static uint32_t rd32(const void *p, size_t o) { uint32_t v; memcpy(&v, (const char *)p + o, 4); return v; }
static void wr64(void *p, size_t o, uint64_t v) { memcpy((char *)p + o, &v, 8); }
static void wr32(void *p, size_t o, uint32_t v) { memcpy((char *)p + o, &v, 4); }

static long scan64(const void *p, size_t from, size_t to, uint64_t v)
{
	for (size_t o = from; o + 8 <= to; o += 4)
		if (rd64(p, o) == v)
			return (long)o;
	return -1;
}

static int fail(const char *what)
{
	snprintf(calib_err, sizeof calib_err,
		 "cannot locate %s in this libunicorn's CPU context (%s)", what,
		 uc_version(NULL, NULL) ? "unsupported version" : "?");
	return -1;
}

int rawenv_calibrate(void)
{
	uc_engine *uc;
	uc_context *ctx;
	int rc = -1;

	if (off.ok)
		return 0;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		return fail("engine");
	if (uc_context_alloc(uc, &ctx) != UC_ERR_OK) {
		uc_close(uc);
		return fail("context");
	}
	size_t sz = uc_context_size(uc);
	const uint64_t s_rax = 0x5a17c0de11223344ull, s_rip = 0x0000123456789abcull;
	const uint64_t s_cr3 = 0x0000000abcdef000ull, s_dr7 = 0x00000000000f0400ull;
	uc_x86_mmr gdt = { .base = 0x00007766554433000ull, .limit = 0x1ff };
	uc_x86_msr efer = { .rid = 0xc0000080, .value = 0x101 };

	uc_reg_write(uc, UC_X86_REG_RAX, &s_rax);
	uc_reg_write(uc, UC_X86_REG_RIP, &s_rip);
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdt);
	uc_reg_write(uc, UC_X86_REG_CR3, &s_cr3);
	uc_reg_write(uc, UC_X86_REG_DR7, &s_dr7);
	uc_reg_write(uc, UC_X86_REG_MSR, &efer);
	/* The engine keeps bits it owns (LMA): look for what it reports. */
	uc_reg_read(uc, UC_X86_REG_MSR, &efer);
	uc_context_save(uc, ctx);
	const void *raw = ctx;

	long h = scan64(raw, 0, 128, s_rax);
	if (h < 0) { fail("RAX"); goto out; }
	off.regs = (size_t)h;
	off.eip = off.regs + ENV_EIP;
	off.eflags = off.regs + ENV_EFLAGS;
	off.hflags = off.regs + ENV_HFLAGS;
	off.hflags2 = off.regs + ENV_HFLAGS2;
	off.segs = off.regs + ENV_SEGS;
	off.cr = off.regs + ENV_CR;
	if (rd64(raw, off.eip) != s_rip) { fail("RIP"); goto out; }
	if (rd64(raw, off.segs + 8 * SEG_SIZE + SEG_OFF_BASE) != gdt.base ||
	    rd32(raw, off.segs + 8 * SEG_SIZE + SEG_OFF_LIMIT) != gdt.limit) {
		fail("GDTR"); goto out;
	}
	if (rd64(raw, off.cr + 3 * 8) != s_cr3) { fail("CR3"); goto out; }
	long e = scan64(raw, off.cr + 5 * 8, off.cr + 400, efer.value);
	if (e < 0) { fail("EFER"); goto out; }
	off.efer = (size_t)e;
	/* error_code, exception_is_int, exception_next_eip, dr[8],
	 * breakpoints[4], old_exception: contiguous in every 2.x. */
	long d = scan64(raw, off.efer, sz, s_dr7);
	if (d < 0) { fail("DR7"); goto out; }
	off.dr = (size_t)d - 7 * 8;
	off.error_code = off.dr - 16;
	off.old_exception = off.dr + 8 * 8 + 4 * 8;
	if (off.old_exception + 4 > sz || (int32_t)rd32(raw, off.old_exception) != -1) {
		fail("old_exception"); goto out;
	}
	off.ok = true;
	rc = 0;
out:
	uc_context_free(ctx);
	uc_close(uc);
	return rc;
}

const char *rawenv_error(void) { return calib_err; }
size_t rawenv_regs_offset(void)
{
	return off.regs;
}

static size_t segoff(int which) { return off.segs + (size_t)which * SEG_SIZE; }

void raw_get_seg(const void *ctx, int which, struct raw_seg *s)
{
	size_t o = segoff(which);
	s->selector = rd32(ctx, o + SEG_OFF_SEL);
	s->base = rd64(ctx, o + SEG_OFF_BASE);
	s->limit = rd32(ctx, o + SEG_OFF_LIMIT);
	s->flags = rd32(ctx, o + SEG_OFF_FLAGS);
}

void raw_set_seg(void *ctx, int which, const struct raw_seg *s)
{
	size_t o = segoff(which);
	wr32(ctx, o + SEG_OFF_SEL, s->selector);
	wr32(ctx, o + SEG_OFF_SEL + 4, 0);
	wr64(ctx, o + SEG_OFF_BASE, s->base);
	wr32(ctx, o + SEG_OFF_LIMIT, s->limit);
	wr32(ctx, o + SEG_OFF_FLAGS, s->flags);
}

uint64_t raw_get_cr(const void *ctx, int n) { return rd64(ctx, off.cr + (size_t)n * 8); }
void raw_set_cr(void *ctx, int n, uint64_t v) { wr64(ctx, off.cr + (size_t)n * 8, v); }
uint64_t raw_get_efer(const void *ctx) { return rd64(ctx, off.efer); }
void raw_set_efer(void *ctx, uint64_t v) { wr64(ctx, off.efer, v); }
uint32_t raw_get_hflags(const void *ctx) { return rd32(ctx, off.hflags); }
void raw_set_hflags(void *ctx, uint32_t v) { wr32(ctx, off.hflags, v); }
uint32_t raw_get_hflags2(const void *ctx) { return rd32(ctx, off.hflags2); }
void raw_set_hflags2(void *ctx, uint32_t v) { wr32(ctx, off.hflags2, v); }
uint64_t raw_get_eflags(const void *ctx) { return rd64(ctx, off.eflags); }
uint64_t raw_get_gpr(const void *ctx, int n) { return rd64(ctx, off.regs + (size_t)n * 8); }
uint64_t raw_get_eip(const void *ctx) { return rd64(ctx, off.eip); }
int32_t raw_get_error_code(const void *ctx) { return (int32_t)rd32(ctx, off.error_code); }
void raw_reset_old_exception(void *ctx) { wr32(ctx, off.old_exception, 0xffffffffu); }
uint64_t raw_get_dr(const void *ctx, int n) { return rd64(ctx, off.dr + (size_t)n * 8); }
void raw_set_dr(void *ctx, int n, uint64_t v) { wr64(ctx, off.dr + (size_t)n * 8, v); }

#define DESC_DPL_SHIFT 13
#define DESC_B_MASK (1u << 22)
#define DESC_L_MASK (1u << 21)

void raw_update_hflags(void *ctx)
{
	struct raw_seg cs, ss, ds, es;
	uint64_t cr0 = raw_get_cr(ctx, 0), cr4 = raw_get_cr(ctx, 4);
	uint64_t eflags = raw_get_eflags(ctx);
	uint32_t hf = raw_get_hflags(ctx);

	raw_get_seg(ctx, RAW_CS, &cs);
	raw_get_seg(ctx, RAW_SS, &ss);
	raw_get_seg(ctx, RAW_DS, &ds);
	raw_get_seg(ctx, RAW_ES, &es);
	hf &= ~(HF_CPL_MASK | HF_PE | HF_MP | HF_EM | HF_TS | HF_TF | HF_VM |
		HF_IOPL | HF_OSFXSR | HF_LMA | HF_CS32 | HF_SS32 | HF_CS64 |
		HF_ADDSEG | HF_SMAP);
	hf |= (ss.flags >> DESC_DPL_SHIFT) & HF_CPL_MASK;
	hf |= (uint32_t)(cr0 & 1) << 7;
	hf |= (uint32_t)(cr0 << 8) & (HF_MP | HF_EM | HF_TS);
	hf |= (uint32_t)eflags & (HF_TF | HF_VM | HF_IOPL);
	if (cr4 & (1u << 9))
		hf |= HF_OSFXSR;
	if (cr4 & (1u << 21))
		hf |= HF_SMAP;
	if (raw_get_efer(ctx) & (1u << 10))
		hf |= HF_LMA;
	if ((hf & HF_LMA) && (cs.flags & DESC_L_MASK)) {
		hf |= HF_CS32 | HF_SS32 | HF_CS64;
	} else {
		hf |= (cs.flags & DESC_B_MASK) >> (22 - 4);
		hf |= (ss.flags & DESC_B_MASK) >> (22 - 5);
		if (!(cr0 & 1) || (eflags & (1u << 17)) || !(hf & HF_CS32))
			hf |= HF_ADDSEG;
		else if ((ds.base | es.base | ss.base) != 0)
			hf |= HF_ADDSEG;
	}
	raw_set_hflags(ctx, hf);
}
