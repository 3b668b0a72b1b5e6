/* SPDX-License-Identifier: MIT */
/*
 * Translation-time scanner (SVM engine). Unicorn 2.1.1 executes IN/OUT
 * without consulting the IO permission map (translate.c gen_check_io
 * returns early) and stops only at the end of the block, so IO exits cannot
 * come from SVM. Instead, UC_HOOK_EDGE_GENERATED runs after a block is
 * translated and before it executes (cpu-exec.c tb_find): the block's bytes
 * are decoded, and a block with an IO instruction (or one that may set
 * RFLAGS.IF: STI, POPF, IRET, SYSRET) is dropped and translated again with
 * the engine's one code hook shown over its sites (emu/ucpriv.h), so only
 * such blocks call it. A site's callback runs with RIP exact and nothing
 * of the instruction executed, and leaves the engine from there
 * (ucpriv_stop_here) when the site must stop.
 *
 * Sites are recognised by their bytes, decoded again at each call
 * (mode-independently, with x86_opcode_peek), so code that changed since is
 * passed through, as are the instructions between two sites of a block.
 * Undecodable bytes (VEX/EVEX, unknown opcodes) hook the rest of their
 * block instruction by instruction. The edge hook also records the pages
 * code was translated from, for the VMM-write check
 * (run_track_code_page).
 *
 * Kicks need no hook: another thread's uc_emu_stop lands at the start of
 * the next block (emu/kick.c).
 */
#include "util.h"
#include "exit.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "svm.h"
#include "rawenv.h"
#include "x86_insn.h"
#include "x86_mmu.h"
#include "vp_mmu.h"
#include "x86_syscall.h"
#include "ucpriv.h"
#include "u64set.h"
#include "code_tlb.h"
#include "regs.h"

#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>

struct scanner {
	struct ucpriv priv;
	bool attached;
	bool hooked_next;   /* the next block translated has the hook */
	uint64_t hooked_pc; /* ... which is the one at this address */
	uc_context *ctx;
	/* The engine's CPU state in place (rawenv_live), or NULL: then the
	 * hooks read it from ctx, saved each time (scan_raw). */
	const void *live;
	struct code_tlb tlb; /* the site hook's code-page walks */
	/* Resume addresses whose block was translated before a run with its
	 * sites hooked (pretranslate); cleared by a flush of the cache. */
	struct u64set pre;
	unsigned long tbs, retranslated, undecodable, pretranslated;
};

enum site { SITE_NONE, SITE_IO, SITE_WINDOW };

/* What the bytes at a site are, in any mode (0x40-0x4f is skipped as a
 * REX prefix: in 16/32-bit code it is an INC/DEC, never an IO opcode). */
static enum site site_kind(const uint8_t *p, size_t n)
{
	struct x86_opcode o;

	x86_opcode_peek(p, n, true, &o);
	if (x86_opcode_is_io(o.op))
		return SITE_IO;
	switch (o.op) {
	case 0xfb: case 0x9d: case 0xcf: case 0x0f07:	/* STI POPF IRET SYSRET */
		return SITE_WINDOW;
	default:
		return SITE_NONE;
	}
}

static enum site insn_kind(const struct x86_insn *in)
{
	if (x86_insn_is_io(in, NULL))
		return SITE_IO;
	if (in->map == 0 && (in->opcode == 0xfb || in->opcode == 0x9d || in->opcode == 0xcf))
		return SITE_WINDOW;
	if (in->map == 1 && in->opcode == 0x07)
		return SITE_WINDOW;
	return SITE_NONE;
}

/* Copies up to len bytes of code at linear lin; returns how many. */
static size_t fetch_code(struct emu_partition *pt, const struct x86_mmu *m, uint64_t lin,
			 uint8_t *buf, size_t len, bool track)
{
	size_t got = 0;

	while (got < len) {
		uint64_t va = lin + got, gpa;
		if (x86_mmu_translate(m, va, 0, &gpa, NULL) != X86_XLATE_OK)
			break;
		size_t n = EMU_PAGE - (va & (EMU_PAGE - 1));
		if (n > len - got)
			n = len - got;
		const uint8_t *host = mem_host(pt, gpa & ~(EMU_PAGE - 1), EMU_PAGE, false);
		if (!host)
			break;
		if (track)
			run_track_code_page(pt, gpa & ~(EMU_PAGE - 1), host);
		/* An instruction's bytes at a site (up to 15): a loop, not a
		 * call to memcpy (bench-exits). */
		const uint8_t *src = host + (gpa & (EMU_PAGE - 1));
		if (n <= 16) {
			for (size_t i = 0; i < n; i++)
				buf[got + i] = src[i];
		} else {
			memcpy(buf + got, src, n);
		}
		got += n;
	}
	return got;
}

/* A 64-bit SYSRET that an Intel CPU refuses (non-canonical RCX: #GP(0)
 * before anything changes); the engine would load RCX into RIP. Reported
 * for x86_syscall.c (EXIT_SYSCALL). */
static bool sysret_faults(struct emu_vp *vp, const uint8_t *b, size_t n)
{
	struct x86_opcode o;

	x86_opcode_peek(b, n, true, &o);
	if (o.op != 0x0f07 || !o.rex_w || !x86_sysret_faults(vp, true))
		return false;
	vp->x.sys_insn = X86_SYS_SYSRET;
	vp->x.sys_rex_w = true;
	vp->x.reason = EXIT_SYSCALL;
	vp->x.insn_len = (uint8_t)(o.at + 2);
	return true;
}

/* The engine's CPU state as the raw_get_* accessors read it: in place
 * where rawenv_live found it, else a context saved now. */
static const void *scan_raw(struct emu_partition *pt, struct scanner *s)
{
	if (s->live)
		return s->live;
	uc_context_save(pt->eng.uc, s->ctx);
	return s->ctx;
}

static void site_cb(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = pt->eng.loaded;
	uint8_t b[16];

	(void)size;
	if (!vp || vp->x.reason != EXIT_NONE)
		return;
	uint64_t rip = 0;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	if (vp->svm_skip_rip == rip + 1) {
		vp->svm_skip_rip = 0;
		return;
	}
	struct scanner *s = pt->eng.scan;
	struct x86_mmu m = vp_mmu_raw(pt, scan_raw(pt, s));
	size_t n = 15;
	if (!code_tlb_read(&s->tlb, pt, &m, addr, b, n))
		n = fetch_code(pt, &m, addr, b, n, false);
	if (!n)
		return;
	switch (site_kind(b, n)) {
	case SITE_IO:
		/* finish_io (run.c) decodes the length in the CPU's mode. */
		memcpy(vp->x.bytes, b, n);
		vp->x.nbytes = (uint8_t)n;
		vp->x.insn_len = 1;
		vp->x.reason = EXIT_IO;
		break;
	case SITE_WINDOW:
		if (sysret_faults(vp, b, n))
			break;
		if (!vp->irq_window)
			return;
		vp->x.reason = EXIT_WINDOW;
		break;
	default:
		return;
	}
	vp->x.rip = rip;
	ucpriv_stop_here(&pt->eng.scan->priv);
}

/* The addresses a block's code hook must cover: its first and last site. */
struct span {
	bool any;
	uint64_t first, last;
};

static void span_add(struct span *sp, uint64_t lo, uint64_t hi)
{
	if (!sp->any)
		sp->first = lo;
	sp->any = true;
	sp->last = hi;
}

static void edge_cb(uc_engine *uc, uc_tb *cur, uc_tb *prev, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct scanner *s = pt->eng.scan;
	uint8_t buf[4096 + 16];
	struct span sp = { false, 0, 0 };

	(void)prev;
	s->tbs++;
	/* Translated ahead once, dropped since (a full buffer flushes): ahead
	 * again at the next resume there. */
	u64set_del(&s->pre, cur->pc + 1);
	if (s->hooked_next) {
		/* The block dropped below, translated again with the hook
		 * (another block is scanned as any). */
		s->hooked_next = false;
		ucpriv_hide_code_hook(&s->priv);
		if (cur->pc == s->hooked_pc)
			return;
	}
	const void *raw = scan_raw(pt, s);
	struct x86_mmu m = vp_mmu_raw(pt, raw);
	enum x86_mode mode = vp_mode_raw(raw);
	size_t want = (size_t)cur->size + 15;
	if (want > sizeof buf)
		want = sizeof buf;
	size_t got = fetch_code(pt, &m, cur->pc, buf, want, true);
	size_t off = 0;
	for (unsigned i = 0; i < cur->icount && off < cur->size && off < got; i++) {
		struct x86_insn in;
		uint64_t a = cur->pc + off;
		if (x86_decode(buf + off, got - off, mode, &in) < 0) {
			s->undecodable++;
			span_add(&sp, a, cur->pc + cur->size - 1);
			break;
		}
		if (insn_kind(&in) != SITE_NONE)
			span_add(&sp, a, a);
		off += in.len;
	}
	if (!sp.any)
		return;
	/* Translated without the hook: drop it, look it up again (writing
	 * RIP restarts Unicorn's loop without returning). */
	s->retranslated++;
	ucpriv_show_code_hook(&s->priv, sp.first, sp.last);
	s->hooked_next = true;
	s->hooked_pc = cur->pc;
	uc_ctl_remove_cache(uc, cur->pc, cur->pc + cur->size);
	uint64_t rip;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	uc_reg_write(uc, UC_X86_REG_RIP, &rip);
}

/* Whether QEMU ends a translation block after this instruction: every
 * control transfer does (and a few more, which only make the block
 * shorter than the decode assumes; never longer). */
static bool ends_block(const struct x86_insn *in)
{
	uint8_t op = in->opcode, reg = (uint8_t)((in->modrm >> 3) & 7);

	if (in->map == 1)
		return (op >= 0x80 && op <= 0x8f) || op == 0x05 || op == 0x07 || op == 0x34 ||
		       op == 0x35 || op == 0x0b;
	if (in->map != 0)
		return false;
	return (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3) || op == 0xe8 ||
	       op == 0xe9 || op == 0xea || op == 0xeb || op == 0xc2 || op == 0xc3 || op == 0xca ||
	       op == 0xcb || (op >= 0xcc && op <= 0xcf) || op == 0xf4 || op == 0x9a ||
	       (op == 0xff && reg >= 2 && reg <= 5);
}

/*
 * A run that resumes in the middle of a block (after an IO or MMIO exit,
 * a step) starts a new block there. Found with sites by the edge hook, it
 * would be dropped and translated again, and the drop takes every block
 * that overlaps it: the enclosing block too, translated twice more the
 * next time, which in turn drops this one (an interrupt handler was
 * translated six times per interrupt, bench-irq's injection took 4x as
 * long). So the block at the resume address is translated before the run,
 * with the hook shown over the sites it can hold: from there to the first
 * instruction that surely ends a block, within the 4 KiB a block spans at
 * most. Once per address until the cache is flushed; where the code cannot
 * be read in full, the edge hook does as before.
 */
static void pretranslate(struct emu_partition *pt, struct scanner *s, uint64_t rip)
{
	uint8_t buf[4096 + 16];
	struct span sp = { false, 0, 0 };

	if (u64set_has(&s->pre, rip + 1))
		return;
	const void *raw = scan_raw(pt, s);
	struct x86_mmu m = vp_mmu_raw(pt, raw);
	enum x86_mode mode = vp_mode_raw(raw);
	if (fetch_code(pt, &m, rip, buf, sizeof buf, true) != sizeof buf)
		return;
	for (size_t off = 0; off < 4096;) {
		struct x86_insn in;
		uint64_t a = rip + off;
		if (x86_decode(buf + off, sizeof buf - off, mode, &in) < 0) {
			span_add(&sp, a, rip + 4096 + 15);
			break;
		}
		if (insn_kind(&in) != SITE_NONE)
			span_add(&sp, a, a);
		if (ends_block(&in))
			break;
		off += in.len;
	}
	if (!u64set_add(&s->pre, rip + 1) || !sp.any)
		return;
	ucpriv_show_code_hook(&s->priv, sp.first, sp.last);
	if (ucpriv_translate_at(&s->priv, rip))
		s->pretranslated++;
	ucpriv_hide_code_hook(&s->priv);
}

void scanner_before_run(struct emu_partition *pt, struct emu_vp *vp, bool step)
{
	struct scanner *s = pt->eng.scan;

	/* A run that ended between the drop and the new translation. */
	s->hooked_next = false;
	ucpriv_hide_code_hook(&s->priv);
	if (!step)
		pretranslate(pt, s, regs_rip(vp));
}

void scanner_flushed(struct emu_partition *pt)
{
	u64set_clear(&pt->eng.scan->pre);
}

int scanner_install(struct emu_partition *pt)
{
	struct scanner *s = calloc(1, sizeof *s);
	uc_hook h;

	if (!s)
		return -ENOMEM;
	pt->eng.scan = s;
	if (!u64set_init(&s->pre, 64) || uc_context_alloc(pt->eng.uc, &s->ctx) != UC_ERR_OK)
		return -ENOMEM;
	uc_context_save(pt->eng.uc, s->ctx);
	s->live = rawenv_live(pt->eng.uc, s->ctx);
	int rc = ucpriv_attach(&s->priv, pt->eng.uc, site_cb, pt);
	if (rc) {
		if (rc == -ENOTSUP)
			fprintf(stderr, "mshv-emu: %s\n", ucpriv_error());
		return rc;
	}
	s->attached = true;
	if (uc_hook_add(pt->eng.uc, &h, UC_HOOK_EDGE_GENERATED, edge_cb, pt, 1, 0))
		return -ENOMEM;
	return 0;
}

void scanner_detach(struct emu_partition *pt)
{
	struct scanner *s = pt->eng.scan;

	if (s && s->attached)
		ucpriv_detach(&s->priv);
}

void scanner_fini(struct emu_partition *pt)
{
	struct scanner *s = pt->eng.scan;

	if (!s)
		return;
	if (s->ctx)
		uc_context_free(s->ctx);
	u64set_fini(&s->pre);
	free(s);
	pt->eng.scan = NULL;
}
