/* SPDX-License-Identifier: MIT */
/*
 * The step engine (MSHV_EMU_ENGINE=step; docs/engine.md): a UC_HOOK_CODE
 * runs before every guest instruction, which makes Unicorn keep RIP
 * precise and honour uc_emu_stop() before the next instruction executes.
 * The hook stops *before* IO instructions and HLT, so the VMM sees RIP at
 * the intercepted instruction with nothing after it (nor the instruction
 * itself) executed, and emulates RDMSR/WRMSR for the MSRs the engine does
 * not implement. The fetch cache maps linear code pages to host pointers.
 */
#include "internal.h"
#include "vp_mmu.h"
#include "x86_insn.h"
#include "x86_syscall.h"

#include <pthread.h>
#include <string.h>

void run_flush_fetch(struct emu_vp *vp)
{
	memset(vp->fetch, 0, sizeof vp->fetch);
}

static const uint8_t *fetch_page(struct emu_vp *vp, uint64_t lpage)
{
	struct emu_fetch_entry *f = &vp->fetch[lpage % EMU_FETCH_WAYS];
	uint64_t gpa;

	if (f->lpage == lpage + 1)
		return f->host;
	struct x86_mmu m = vp_mmu(vp);
	if (x86_mmu_translate(&m, lpage << 12, 0, &gpa, NULL) != X86_XLATE_OK)
		return NULL;
	gpa &= ~(EMU_PAGE - 1);
	const uint8_t *host = mem_host(vp->pt, gpa, EMU_PAGE, false);
	if (!host)
		return NULL;
	run_track_code_page(vp->pt, gpa, host);
	f->lpage = lpage + 1;
	f->host = host;
	return host;
}

static const uint8_t *fetch(struct emu_vp *vp, uint64_t lin, uint32_t size, uint8_t *buf)
{
	unsigned off = lin & (EMU_PAGE - 1);
	const uint8_t *a = fetch_page(vp, lin >> 12);

	if (!a)
		return NULL;
	if (off + size <= EMU_PAGE)
		return a + off;
	const uint8_t *b = fetch_page(vp, (lin >> 12) + 1);
	if (!b)
		return NULL;
	memcpy(buf, a + off, EMU_PAGE - off);
	memcpy(buf + (EMU_PAGE - off), b, size - (EMU_PAGE - off));
	return buf;
}

/* First bytes worth a closer look: prefixes, IO, HLT, two-byte opcodes. */
static bool hot[256];

static void hot_init(void)
{
	static const uint8_t b[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67,
				     0xf0, 0xf2, 0xf3, 0x6c, 0x6d, 0x6e, 0x6f, 0xe4,
				     0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0xf4, 0x0f };
	for (size_t i = 0; i < sizeof b; i++)
		hot[b[i]] = true;
	for (int i = 0x40; i <= 0x4f; i++)
		hot[i] = true;
}

static void stop_here(struct emu_vp *vp, enum emu_exit_reason why, uint32_t size)
{
	if (vp->cur) {
		memcpy(vp->x.bytes, vp->cur, vp->cur_size);
		vp->x.nbytes = vp->cur_size;
	}
	vp->x.reason = why;
	vp->x.rip = regs_rip(vp);
	vp->x.insn_len = (uint8_t)size;
	uc_emu_stop(vp->pt->eng.uc);
}

static void emulate_msr(struct emu_vp *vp, bool write, uint32_t size)
{
	uint32_t msr = (uint32_t)regs_gpr(vp, 1);
	uint64_t val;

	if (msr_intercepted(vp, msr, write)) {
		vp->x.msr = msr;
		vp->x.msr_write = write;
		vp->x.msr_intercepted = true;
		stop_here(vp, EXIT_MSR, size);
		return;
	}
	val = (regs_gpr(vp, 2) << 32) | (uint32_t)regs_gpr(vp, 0);
	/* EFER.SVME is reserved: the partition has no SVM (cpuid.c). */
	if (write && msr == 0xc0000080 && (val & (1ull << 12)))
		goto fault;
	if (engine_native_msr(msr))
		return;
	if (write) {
		if (!msr_write(vp, msr, val))
			goto fault;
	} else {
		if (!msr_read(vp, msr, &val))
			goto fault;
		regs_set_gpr(vp, 0, (uint32_t)val);
		regs_set_gpr(vp, 2, val >> 32);
	}
	/* Writing RIP from a code hook makes Unicorn resume there. */
	regs_set_rip(vp, regs_rip(vp) + size);
	return;
fault:
	vp->x.msr = msr;
	vp->x.msr_write = write;
	stop_here(vp, EXIT_MSR, size);
}

static void classify(struct emu_vp *vp, const uint8_t *p, uint32_t size)
{
	/* 0x40-0x4f is REX only in 64-bit mode, where it never ends an
	 * instruction; in 16/32-bit mode it is a one-byte INC/DEC. */
	uint32_t i = (uint32_t)x86_skip_prefixes(p, size);
	switch (p[i]) {
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		stop_here(vp, EXIT_IO, size);
		return;
	case 0xf4:
		stop_here(vp, EXIT_HLT, size);
		return;
	case 0x90:
		/* PAUSE in a spin-wait while another VP waits for the engine:
		 * hand it over now, the lock holder may be that VP (as a CPU's
		 * pause-loop exiting does). */
		if (i > 0 && p[i - 1] == 0xf3 && engine_contended(vp->pt)) {
			engine_kick(vp, EMU_KICK_YIELD);
			stop_here(vp, EXIT_KICK, size);
		}
		return;
	case 0x0f:
		if (i + 1 >= size)
			return;
		switch (p[i + 1]) {
		case 0x30: emulate_msr(vp, true, size); return;
		case 0x32: emulate_msr(vp, false, size); return;
		case 0x07: {
			/* Intel's SYSRET faults on a non-canonical RCX before
			 * changing anything; the engine's would not. */
			bool w = i > 0 && (p[i - 1] & 0xf8) == 0x48;
			if (EMU_UNLIKELY(w && x86_sysret_faults(vp, true))) {
				vp->x.sys_insn = X86_SYS_SYSRET;
				vp->x.sys_rex_w = true;
				stop_here(vp, EXIT_SYSCALL, size);
				return;
			}
			vp->flush_after = 1;
			return;
		}
		case 0x20:
		case 0x22: {
			int r = x86_mov_cr8(vp, p, i, size);
			if (r > 0) {
				vp->x.vector = r;
				stop_here(vp, EXIT_FAULT, size);
			}
			if (r >= 0 || p[i + 1] == 0x20)
				return;
		}
			/* fall through */
		case 0x01: case 0x35:
			/* INVLPG/LGDT.., MOV CRn, SYSRET, SYSEXIT: the
			 * translation of code addresses may change. */
			vp->flush_after = 1;
			return;
		default:
			return;
		}
	default:
		return;
	}
}

static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = pt->eng.running;

	/* A stop requested by another hook (CPUID, ...) takes effect only
	 * after this hook: keep its reason. */
	if (EMU_UNLIKELY(vp->x.reason != EXIT_NONE))
		return;
	if (EMU_UNLIKELY(vp->flush_after)) {
		run_flush_fetch(vp);
		vp->flush_after = 0;
	}
	if (EMU_UNLIKELY(atomic_load_explicit(&vp->kick, memory_order_relaxed))) {
		vp->x.reason = EXIT_KICK;
		uc_emu_stop(uc);
		return;
	}
	/* A LAPIC interrupt waits for RFLAGS.IF (lapic_service). */
	if (EMU_UNLIKELY(vp->irq_window)) {
		uint64_t fl = 0;
		if (vp->irq_window == 2) {
			vp->irq_window = 1;	/* the instruction in the shadow */
		} else if (uc_reg_read(uc, UC_X86_REG_EFLAGS, &fl) == UC_ERR_OK && (fl & 0x200)) {
			vp->irq_window = 0;
			vp->x.reason = EXIT_KICK;
			uc_emu_stop(uc);
			return;
		}
	}
	if (EMU_UNLIKELY(size == 0 || size > 15))
		return;
	const uint8_t *p = fetch(vp, addr, size, vp->cur_buf);
	/* Remembered for exits in this instruction (memory intercepts). */
	vp->cur = p;
	vp->cur_size = (uint8_t)size;
	if (EMU_LIKELY(p == NULL || !hot[p[0]]))
		return;
	/* Most 64-bit instructions carry a REX prefix: look past it before
	 * taking the slow path (REX never ends an instruction). */
	if ((p[0] & 0xf0) == 0x40 && size > 1 && !hot[p[1]])
		return;
	classify(vp, p, size);
}

static int hook_cpuid(uc_engine *uc, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = pt->eng.running;
	uint32_t leaf = (uint32_t)regs_gpr(vp, 0), sub = (uint32_t)regs_gpr(vp, 1);
	uint32_t out[4];

	(void)uc;
	bool intercept = pt->intercept_cpuid_all;
	for (size_t i = 0; !intercept && i < pt->nintercept_cpuid; i++)
		intercept = pt->intercept_cpuid[i] == leaf;
	if (intercept) {
		/* Reported to the VMM with RIP at the CPUID (0F A2). */
		vp->x.reason = EXIT_CPUID;
		vp->x.rip = regs_rip(vp);
		vp->x.insn_len = 2;
		uc_emu_stop(uc);
		return 1;
	}
	cpuid_compute(vp, leaf, sub, true, out);
	regs_set_gpr(vp, 0, out[0]);
	regs_set_gpr(vp, 3, out[1]);
	regs_set_gpr(vp, 1, out[2]);
	regs_set_gpr(vp, 2, out[3]);
	return 1;
}

int step_hooks_install(struct emu_partition *pt)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uc_hook h;

	pthread_once(&once, hot_init);
	if (uc_hook_add(pt->eng.uc, &h, UC_HOOK_CODE, hook_code, pt, 1, 0) ||
	    uc_hook_add(pt->eng.uc, &h, UC_HOOK_INSN, hook_cpuid, pt, 1, 0, UC_X86_INS_CPUID))
		return -ENOMEM;
	return 0;
}
