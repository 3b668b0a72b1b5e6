/* SPDX-License-Identifier: MIT */
/*
 * MSHV_RUN_VP on Unicorn.
 *
 * Exactness: a UC_HOOK_CODE runs before every instruction, which makes
 * Unicorn keep RIP precise and honour uc_emu_stop() before the next
 * instruction executes. The hook stops *before* IO instructions and HLT, so
 * the VMM sees RIP at the intercepted instruction with nothing after it (nor
 * the instruction itself) executed, and emulates RDMSR/WRMSR for the MSRs
 * the engine does not implement. Memory exits come from Unicorn's unmapped
 * and protection hooks, exceptions from its interrupt hook.
 */
#include "internal.h"
#include "codewatch.h"
#include "rawenv.h"
#include "svm.h"
#include "x86_insn.h"
#include "x86_mmu.h"
#include "x86_syscall.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mshv.h>

/* Executed pages whose contents are compared at every entry, where the
 * write watch cannot be used (codewatch.h: the CUSE face, memory the core
 * owns, no userfaultfd); beyond this a VMM's rewrite of code might stay
 * unnoticed (docs/engine.md). */
#define EMU_CODE_TRACK_MAX 512

void run_flush_fetch(struct emu_vp *vp)
{
	memset(vp->fetch, 0, sizeof vp->fetch);
}

static struct x86_mmu vp_mmu(struct emu_vp *vp)
{
	struct x86_mmu m = { .read_phys = mem_read_phys, .write_phys = mem_write_phys,
			     .opaque = vp->pt };
	regs_mmu(vp, &m.cr0, &m.cr3, &m.cr4, &m.efer);
	return m;
}

void run_track_code_page(struct emu_partition *pt, uint64_t gpa, const uint8_t *host)
{
	struct emu_engine *e = &pt->eng;
	const struct emu_region *r = mem_find(pt, gpa);

	/* A piece the VMM writes through the very pointer the engine uses. */
	if (r && (r->flags & EMU_MEM_VMM_VIEW) && !r->owned && !r->lost) {
		if (!e->cw_tried) {
			e->cw = codewatch_new();
			e->cw_tried = true;
		}
		if (e->cw && codewatch_track(e->cw, r->host, r->size, (void *)host))
			return;
	}
	for (size_t i = 0; i < e->ncode; i++)
		if (e->code[i].gpa == gpa)
			return;
	if (e->ncode >= EMU_CODE_TRACK_MAX)
		return;
	if (e->ncode == e->capcode) {
		size_t cap = e->capcode ? e->capcode * 2 : 16;
		struct emu_code_page *n = realloc(e->code, cap * sizeof *n);
		if (!n)
			return;
		e->code = n;
		e->capcode = cap;
	}
	uint8_t *shadow = malloc(EMU_PAGE);
	if (!shadow)
		return;
	memcpy(shadow, host, EMU_PAGE);
	e->code[e->ncode++] = (struct emu_code_page){ .gpa = gpa, .shadow = shadow };
}

/* The VMM writes guest memory through its own mapping, which Unicorn never
 * sees: discard translations if any executed page changed since. */
static void check_code_pages(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;
	bool stale = e->flush_tb;

	if (e->cw && codewatch_take_changed(e->cw)) {
		stale = true;
		if (e->loaded)
			run_flush_fetch(e->loaded);
	}

	for (size_t i = 0; i < e->ncode;) {
		const uint8_t *host = mem_host(pt, e->code[i].gpa, EMU_PAGE, false);
		if (!host) {
			free(e->code[i].shadow);
			e->code[i] = e->code[--e->ncode];
			stale = true;
			continue;
		}
		if (memcmp(host, e->code[i].shadow, EMU_PAGE)) {
			memcpy(e->code[i].shadow, host, EMU_PAGE);
			stale = true;
			if (e->loaded)
				run_flush_fetch(e->loaded);
		}
		i++;
	}
	/* A flush clears the whole code buffer: only when it holds code. */
	if (stale && e->translated) {
		uc_ctl_flush_tb(e->uc);
		e->translated = false;
	}
	e->flush_tb = false;
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

/* The VP executing: the SVM engine also runs without e->running (its
 * guest-mode entry), with the VP loaded. */
static struct emu_vp *hook_vp(struct emu_partition *pt)
{
	return pt->eng.running ? pt->eng.running : pt->eng.loaded;
}

/* SYSCALL and SYSENTER: the engine only calls this and skips the
 * instruction; stop and emulate it (RIP afterwards is past it). */
static void hook_sys(uc_engine *uc, void *opaque, uint8_t insn)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = hook_vp(pt);

	vp->x.reason = EXIT_SYSCALL;
	vp->x.sys_insn = insn;
	vp->x.rip = regs_rip(vp);
	vp->x.insn_len = 0;	/* measured after the stop */
	uc_emu_stop(uc);
}

static void hook_syscall(uc_engine *uc, void *opaque)
{
	hook_sys(uc, opaque, X86_SYS_SYSCALL);
}

static void hook_sysenter(uc_engine *uc, void *opaque)
{
	hook_sys(uc, opaque, X86_SYS_SYSENTER);
}

static bool hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
		     int64_t value, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = hook_vp(pt);

	(void)uc;
	vp->x.reason = EXIT_MEM;
	vp->x.gpa = addr;
	/* The write's value and size, for ioeventfd matching. */
	vp->x.mem_value = (uint64_t)value;
	vp->x.mem_size = size > 0 && size <= 8 ? (uint8_t)size : 0;
	vp->x.rip = regs_rip(vp);
	switch (type) {
	case UC_MEM_WRITE_UNMAPPED: case UC_MEM_WRITE_PROT:
		vp->x.access = HV_INTERCEPT_ACCESS_WRITE;
		break;
	case UC_MEM_FETCH_UNMAPPED: case UC_MEM_FETCH_PROT:
		vp->x.access = HV_INTERCEPT_ACCESS_EXECUTE;
		break;
	default:
		vp->x.access = HV_INTERCEPT_ACCESS_READ;
		break;
	}
	vp->x.unmapped = type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED ||
			 type == UC_MEM_FETCH_UNMAPPED;
	/* A data access belongs to the instruction the code hook just saw; a
	 * failed fetch has no instruction bytes. */
	if (vp->x.access != HV_INTERCEPT_ACCESS_EXECUTE && vp->cur) {
		memcpy(vp->x.bytes, vp->cur, vp->cur_size);
		vp->x.nbytes = vp->cur_size;
	}
	return false;
}

/* INT n, INT3 and INTO reach the interrupt hook with RIP after them, faults
 * with RIP at the instruction. The code hook saw the instruction that
 * raised the event (every INT stops the run, so a stale one is never an
 * INT), which tells a software event from an exception. */
static void classify_soft_event(struct emu_vp *vp, uint32_t intno)
{
	const uint8_t *p = vp->cur;
	uint32_t n = vp->cur_size, i = (uint32_t)x86_skip_prefixes(p, n);
	switch (p[i]) {
	case 0xcc:
		if (intno == 3)
			vp->x.exc_type = EMU_EV_SOFT_EXC;
		break;
	case 0xce:
		if (intno == 4)
			vp->x.exc_type = EMU_EV_SOFT_EXC;
		break;
	case 0xcd:
		if (i + 1 < n && p[i + 1] == intno)
			vp->x.exc_type = EMU_EV_SOFT_INT;
		break;
	default:
		break;
	}
	if (vp->x.exc_type != EMU_EV_EXCEPTION) {
		memcpy(vp->x.bytes, p, n);
		vp->x.nbytes = (uint8_t)n;
		vp->x.insn_len = (uint8_t)n;
	}
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = hook_vp(pt);

	if (pt->eng.svm) {
		svm_hook_intr(vp, intno);
		return;
	}

	vp->x.reason = EXIT_EXCEPTION;
	vp->x.vector = (int)intno;
	vp->x.rip = regs_rip(vp);
	vp->x.exc_type = EMU_EV_EXCEPTION;
	if (vp->cur)
		classify_soft_event(vp, intno);
	uc_emu_stop(uc);
}

static bool hook_invalid(uc_engine *uc, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = hook_vp(pt);

	(void)uc;
	vp->x.reason = EXIT_INVALID;
	vp->x.vector = 6;
	vp->x.rip = regs_rip(vp);
	return false;
}

/* Safety net: an IO instruction the code hook did not stop in front of. */
static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *opaque)
{
	struct emu_partition *pt = opaque;
	struct emu_vp *vp = hook_vp(pt);
	uint64_t rax = regs_gpr(vp, 0);

	(void)port;
	if (vp->x.reason == EXIT_NONE) {
		vp->x.reason = EXIT_IO;
		vp->x.rip = regs_rip(vp);
		vp->x.insn_len = 0;	/* re-decoded afterwards */
		vp->x.saved_rax = rax;
		vp->x.saved_rcx = regs_gpr(vp, 1);
		vp->x.saved_rsi = regs_gpr(vp, 6);
		vp->x.saved_rdi = regs_gpr(vp, 7);
		uc_emu_stop(uc);
	}
	/* Leave the destination unchanged. */
	return (uint32_t)(rax & (size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff));
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *opaque)
{
	(void)value;
	hook_in(uc, port, size, opaque);
}

int run_hooks_install(struct emu_partition *pt)
{
	uc_engine *uc = pt->eng.uc;
	uc_hook h;
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, hot_init);
	if (pt->eng.svm) {
		/* No per-instruction hook: SVM intercepts and the scanner;
		 * the IO and memory hooks are safety nets. */
		if (uc_hook_add(uc, &h, UC_HOOK_INSN, hook_in, pt, 1, 0, UC_X86_INS_IN) ||
		    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_out, pt, 1, 0, UC_X86_INS_OUT) ||
		    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_syscall, pt, 1, 0, UC_X86_INS_SYSCALL) ||
		    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_sysenter, pt, 1, 0, UC_X86_INS_SYSENTER) ||
		    uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, hook_mem, pt, 1, 0) ||
		    uc_hook_add(uc, &h, UC_HOOK_INTR, hook_intr, pt, 1, 0) ||
		    uc_hook_add(uc, &h, UC_HOOK_INSN_INVALID, hook_invalid, pt, 1, 0))
			return -ENOMEM;
		return scanner_install(pt);
	}
	if (uc_hook_add(uc, &h, UC_HOOK_CODE, hook_code, pt, 1, 0) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_cpuid, pt, 1, 0, UC_X86_INS_CPUID) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_in, pt, 1, 0, UC_X86_INS_IN) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_out, pt, 1, 0, UC_X86_INS_OUT) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_syscall, pt, 1, 0, UC_X86_INS_SYSCALL) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_sysenter, pt, 1, 0, UC_X86_INS_SYSENTER) ||
	    uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, hook_mem, pt, 1, 0) ||
	    uc_hook_add(uc, &h, UC_HOOK_INTR, hook_intr, pt, 1, 0) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN_INVALID, hook_invalid, pt, 1, 0))
		return -ENOMEM;
	return 0;
}

/* --- the run loop --- */

static bool lapic_partition(const struct emu_vp *vp)
{
	return vp->pt->cfg.pt_flags & (1ull << MSHV_PT_BIT_LAPIC);
}

/* Blocks a halted (or wait-for-SIPI) VP, engine released, until it is
 * kicked, woken by the VMM, or its LAPIC has something for it (if_set: the
 * VP's RFLAGS.IF, which a maskable interrupt needs to end a HLT). */
static int halt_wait(struct emu_vp *vp, bool if_set)
{
	struct pollfd pfd = { .fd = vp->wake_fd, .events = POLLIN };
	uint64_t cnt;

	for (;;) {
		if (atomic_load(&vp->kick) & EMU_KICK_SIGNAL)
			return -EINTR;
		if (!vp->halted && !lapic_wait_sipi(vp))
			return 0;
		if (lapic_partition(vp) && lapic_wake_pending(vp, if_set))
			return 0;
		int r = poll(&pfd, 1, -1);
		if (r > 0) {
			ssize_t n = read(vp->wake_fd, &cnt, sizeof cnt);
			(void)n;
		}
	}
}

static enum x86_mode cpu_mode(const void *raw)
{
	uint32_t hf = raw_get_hflags(raw);

	return (hf & HF_CS64) ? X86_MODE_LONG64 : (hf & HF_CS32) ? X86_MODE_PROT32 :
	       (hf & HF_PE) ? X86_MODE_PROT16 : X86_MODE_REAL;
}

/* Fills x.bytes from guest memory when no hook saw the instruction. */
static void read_insn_bytes(struct emu_vp *vp)
{
	struct raw_seg cs;
	struct x86_mmu m = vp_mmu(vp);

	raw_get_seg(vp->ctx, RAW_CS, &cs);
	vp->x.nbytes = (uint8_t)x86_mmu_read_virt(&m, cs.base + vp->x.rip, vp->x.bytes,
						  sizeof vp->x.bytes, 0);
}

/* Completes an IO exit from the instruction's bytes; false if they do not
 * hold an IO instruction after all (the caller resumes the guest). */
static bool finish_io(struct emu_vp *vp)
{
	struct x86_insn in;
	struct x86_io io;

	if (!vp->x.nbytes)
		read_insn_bytes(vp);
	memset(&io, 0, sizeof io);
	if (x86_decode(vp->x.bytes, vp->x.nbytes, cpu_mode(vp->ctx), &in) ||
	    !x86_insn_is_io(&in, &io))
		return false;
	vp->x.insn_len = in.len;
	vp->x.nbytes = in.len;
	vp->x.io_in = io.in;
	vp->x.io_string = io.string;
	vp->x.io_rep = io.rep;
	vp->x.io_size = io.size;
	vp->x.port = io.port_is_dx ? (uint16_t)raw_get_gpr(vp->ctx, 2) : io.imm_port;
	return true;
}

/* Rewinds the safety-net path: the IO instruction (one string iteration)
 * already ran in the engine. */
static void undo_executed_io(struct emu_vp *vp)
{
	regs_set_rip(vp, vp->x.rip);
	regs_set_gpr(vp, 0, vp->x.saved_rax);
	regs_set_gpr(vp, 1, vp->x.saved_rcx);
	regs_set_gpr(vp, 6, vp->x.saved_rsi);
	regs_set_gpr(vp, 7, vp->x.saved_rdi);
}

static bool exception_intercepted(const struct emu_vp *vp, const struct emu_event *ev)
{
	/* Like the exception bitmap: INT n is not an exception. */
	return ev->type != EMU_EV_SOFT_INT && ev->vector < 32 &&
	       (vp->pt->intercept_exception & (1u << ev->vector));
}

/* Ends the run with HVMSG_UNRECOVERABLE_EXCEPTION (triple fault). The VP
 * is then in the shutdown state: every RUN_VP reports the same until the
 * VMM resets it (sets RIP), as on Hyper-V. */
static void unrecoverable(struct emu_vp *vp)
{
	vp->shutdown = true;
	vp->x.reason = EXIT_EXCEPTION;
	vp->x.exc_intercept = false;
	vp->x.insn_len = 0;
}

/* An event the guest raised: an exception or INT n (EXIT_EXCEPTION), #UD
 * (EXIT_INVALID) or an MSR access that faults (EXIT_MSR, #GP(0)). vp->ctx
 * is a current snapshot. Reported to the VMM if it intercepts the vector,
 * else delivered through the guest's IDT. True if the guest runs on. */
static bool guest_event(struct emu_vp *vp)
{
	struct emu_partition *pt = vp->pt;
	struct emu_event ev = { .type = EMU_EV_EXCEPTION, .rip = vp->x.rip };

	switch (vp->x.reason) {
	case EXIT_EXCEPTION:
		ev.vector = (uint8_t)vp->x.vector;
		ev.type = vp->x.exc_type;
		if (ev.type != EMU_EV_EXCEPTION)
			ev.insn_len = vp->x.insn_len;
		else
			ev.error_code = (uint32_t)raw_get_error_code(vp->ctx);
		break;
	case EXIT_INVALID:
		ev.vector = 6;
		break;
	case EXIT_SYSCALL:	/* #UD or #GP(0) */
	case EXIT_FAULT:
		ev.vector = (uint8_t)vp->x.vector;
		break;
	default:	/* EXIT_MSR */
		ev.vector = 13;
		ev.error_code = 0;
		break;
	}
	if (ev.type == EMU_EV_EXCEPTION)
		ev.has_error = event_has_error_code(ev.vector);
	if (!ev.has_error)
		ev.error_code = 0;
	vp->x.reason = EXIT_EXCEPTION;
	vp->x.vector = ev.vector;
	vp->x.exc_type = ev.type;
	vp->x.error_code = ev.error_code;
	vp->x.exc_error_valid = ev.has_error;
	/* The engine has set CR2 for its own #PF. */
	vp->x.exc_param = ev.type == EMU_EV_EXCEPTION && ev.vector == 14 ?
			  raw_get_cr(vp->ctx, 2) : 0;
	bool intercepted = exception_intercepted(vp, &ev);
	enum event_result r = intercepted ? EVENT_BLOCKED : event_deliver(vp, vp->ctx, &ev);
	if (r == EVENT_DELIVERED)
		return true;
	if (intercepted || r == EVENT_UNMAPPED_GPA) {
		/* Reported with RIP at the instruction, nothing delivered: an
		 * intercepted exception, or a delivery that needs memory the
		 * VMM may map (the instruction then raises it again). */
		vp->x.exc_intercept = intercepted;
		if (ev.type != EMU_EV_EXCEPTION) {
			vp->x.rip = ev.rip - ev.insn_len;
			regs_set_rip(vp, vp->x.rip);
			uc_context_save(pt->eng.uc, vp->ctx);
		} else if (intercepted) {
			vp->x.insn_len = 0;
		}
		return false;
	}
	unrecoverable(vp);
	return false;
}

/* SYSCALL/SYSENTER the engine skipped, a SYSRET that faults, or a #UD
 * that is SYSENTER/SYSEXIT in 64-bit mode (the engine's AMD model refuses
 * them; an Intel guest may use them). vp->ctx is a current snapshot. True
 * if the instruction completed; otherwise a #UD stays EXIT_INVALID and an
 * EXIT_SYSCALL carries the fault (x.vector) with RIP at the instruction. */
static bool fast_syscall(struct emu_vp *vp)
{
	enum x86_sys_insn insn = vp->x.sys_insn;
	bool rex_w = vp->x.sys_rex_w;
	unsigned len = vp->x.insn_len;

	if (vp->x.reason == EXIT_INVALID) {
		if (!(raw_get_hflags(vp->ctx) & HF_CS64))
			return false;
		if (!vp->x.nbytes)
			read_insn_bytes(vp);
		insn = x86_sys_decode(vp->x.bytes, vp->x.nbytes, true, &rex_w);
		if (insn != X86_SYS_SYSENTER && insn != X86_SYS_SYSEXIT)
			return false;
		for (len = 0; len < vp->x.nbytes && vp->x.bytes[len] != 0x0f; len++)
			;
		len += 2;
	} else if (insn != X86_SYS_SYSRET) {
		/* The engine skipped it: RIP is past the instruction. */
		len = (unsigned)(regs_rip(vp) - vp->x.rip);
	}
	int vec = x86_sys_emulate(vp, vp->ctx, insn, vp->x.rip, len, rex_w);
	if (vec == 0)
		return true;
	if (vp->x.reason == EXIT_INVALID && vec == 6)
		return false;
	regs_set_rip(vp, vp->x.rip);
	uc_context_save(vp->pt->eng.uc, vp->ctx);
	vp->x.reason = EXIT_SYSCALL;
	vp->x.vector = vec;
	return false;
}

/* HV_REGISTER_PENDING_INTERRUPTION set by the VMM is injected at entry,
 * as a VM entry would, and cleared. False if that is a triple fault. */
static bool inject_pending(struct emu_vp *vp)
{
	union hv_register_value v, zero;
	struct emu_event ev;

	regs_get(vp, HV_REGISTER_PENDING_INTERRUPTION, &v);
	if (!v.pending_interruption.interruption_pending)
		return true;
	union hv_x64_pending_interruption_register pi = v.pending_interruption;
	memset(&zero, 0, sizeof zero);
	regs_set(vp, HV_REGISTER_PENDING_INTERRUPTION, &zero);
	memset(&ev, 0, sizeof ev);
	ev.vector = (uint8_t)pi.interruption_vector;
	ev.rip = regs_rip(vp);
	switch (pi.interruption_type) {
	case HV_X64_PENDING_INTERRUPT: ev.type = EMU_EV_EXTINT; break;
	case HV_X64_PENDING_NMI: ev.type = EMU_EV_NMI; break;
	case HV_X64_PENDING_EXCEPTION:
		ev.type = EMU_EV_EXCEPTION;
		ev.has_error = pi.deliver_error_code;
		ev.error_code = pi.error_code;
		break;
	case 4: ev.type = EMU_EV_SOFT_INT; break;		/* INT n */
	case 5: ev.type = EMU_EV_PRIV_SOFT_EXC; break;	/* ICEBP */
	case 6: ev.type = EMU_EV_SOFT_EXC; break;		/* INT3/INTO */
	default:
		return true;
	}
	if (pi.interruption_vector > 255)
		return true;
	if (ev.type == EMU_EV_SOFT_INT || ev.type == EMU_EV_PRIV_SOFT_EXC ||
	    ev.type == EMU_EV_SOFT_EXC) {
		ev.insn_len = (uint8_t)pi.instruction_length;
		ev.rip += ev.insn_len;
	}
	uc_context_save(vp->pt->eng.uc, vp->ctx);
	if (event_deliver(vp, vp->ctx, &ev) == EVENT_DELIVERED) {
		vp->halted = false;
		return true;
	}
	memset(&vp->x, 0, sizeof vp->x);
	unrecoverable(vp);
	vp->x.vector = ev.vector;
	vp->x.rip = regs_rip(vp);
	return false;
}

int emu_vp_run(struct emu_vp *vp, struct hv_message *out)
{
	struct emu_partition *pt = vp->pt;
	struct emu_engine *e = &pt->eng;
	int rc = 0;

	pthread_mutex_lock(&vp->run_lock);
	/* A signal handled before entry is not pending any more. */
	atomic_fetch_and(&vp->kick, ~EMU_KICK_SIGNAL);
	engine_acquire(pt, vp);
	engine_load(pt, vp);
	regpage_apply_dirty(vp);
	if (vp->shutdown) {
		memset(&vp->x, 0, sizeof vp->x);
		unrecoverable(vp);
		vp->x.vector = 8;
		vp->x.rip = regs_rip(vp);
		goto report;
	}
	if (!inject_pending(vp))
		goto report;
	/* The VMM changes guest memory only while this VP is out of the
	 * engine: at entry, after a yield and after a halt. */
	bool recheck = true;
	for (;;) {
		if (lapic_partition(vp)) {
			/* INIT/SIPI, NMIs and interrupts the LAPIC holds are
			 * taken here, at an instruction boundary. */
			atomic_fetch_and(&vp->kick, ~EMU_KICK_IRQ);
			if (lapic_service(vp) < 0) {
				memset(&vp->x, 0, sizeof vp->x);
				unrecoverable(vp);
				vp->x.rip = regs_rip(vp);
				goto report;
			}
			int eoi = lapic_take_eoi_exit(vp);
			if (eoi >= 0) {
				memset(&vp->x, 0, sizeof vp->x);
				vp->x.reason = EXIT_APIC_EOI;
				vp->x.vector = eoi;
				goto report;
			}
		}
		if (vp->halted || lapic_wait_sipi(vp)) {
			bool if_set = regs_rflags(vp) & 0x200;
			engine_release(pt);
			rc = halt_wait(vp, if_set);
			engine_acquire(pt, vp);
			engine_load(pt, vp);
			if (rc)
				goto out;
			recheck = true;
			continue;
		}
		if (recheck) {
			check_code_pages(pt);
			recheck = false;
		}
		memset(&vp->x, 0, sizeof vp->x);
		vp->cur = NULL;
		if (!engine_enter(pt, vp)) {
			engine_yield(pt, vp);
			engine_load(pt, vp);
			recheck = true;
			continue;
		}
		uc_err err = e->svm ? (uc_err)svm_run(vp) :
			     uc_emu_start(e->uc, regs_rip(vp), 0, 0, 0);
		bool stopped = false;
		engine_leave(pt);
		e->translated = true;
		switch (vp->x.reason) {
		case EXIT_KICK: {
			unsigned k = atomic_load(&vp->kick);
			if (k & EMU_KICK_SIGNAL) {
				rc = -EINTR;
				goto out;
			}
			/* EMU_KICK_IRQ (or an interrupt window) is handled at
			 * the top of the loop. */
			if (k & EMU_KICK_YIELD) {
				atomic_fetch_and(&vp->kick, ~EMU_KICK_YIELD);
				engine_yield(pt, vp);
				engine_load(pt, vp);
				recheck = true;
			}
			continue;
		}
		case EXIT_IO:
			if (vp->x.insn_len == 0)
				undo_executed_io(vp);
			break;
		case EXIT_HLT:
			regs_set_rip(vp, vp->x.rip + vp->x.insn_len);
			if (lapic_partition(vp)) {
				/* The VP stays halted inside RUN_VP, whatever IF
				 * is: with IF=0 only NMI/INIT/SIPI or a signal
				 * (EINTR) end the wait, as on Hyper-V; HALT is
				 * reported only without a LAPIC. HLT ends an
				 * STI/MOV SS shadow; the top of the loop blocks
				 * or takes a pending interrupt. */
				union hv_register_value is;
				regs_get(vp, HV_REGISTER_INTERRUPT_STATE, &is);
				if (is.interrupt_state.interrupt_shadow) {
					is.interrupt_state.interrupt_shadow = 0;
					regs_set(vp, HV_REGISTER_INTERRUPT_STATE, &is);
				}
				vp->halted = true;
				continue;
			}
			break;
		case EXIT_CPUID:
			regs_set_rip(vp, vp->x.rip);
			break;
		case EXIT_MEM: {
			/* Guest RAM the core could not keep when the VMM took
			 * its host range away (hostmem.c): an errno, as the
			 * kernel's failing page fault-in would be. */
			const struct emu_region *r = mem_find(pt, vp->x.gpa);
			if (r && r->lost) {
				rc = -EFAULT;
				goto out;
			}
			/* ioeventfd (emu/ioeventfd.c): a matching MMIO write
			 * signals the eventfd and the guest continues. */
			if (ioeventfd_absorb(vp))
				continue;
			break;
		}
		case EXIT_EXCEPTION:
		case EXIT_INVALID:
		case EXIT_MSR:
		case EXIT_SYSCALL:
		case EXIT_FAULT:
			break;
		case EXIT_NONE:
		default:
			/* Unicorn stopped on its own (e.g. its triple-fault
			 * path) or failed: the VP cannot continue. */
			vp->x.reason = EXIT_EXCEPTION;
			vp->x.vector = err == UC_ERR_OK ? 8 : -1;
			vp->x.rip = regs_rip(vp);
			stopped = true;
			break;
		}
		/* One snapshot serves the message and the register page. */
		uc_context_save(e->uc, vp->ctx);
		if (vp->x.reason == EXIT_EXCEPTION || vp->x.reason == EXIT_INVALID) {
			/* Unicorn never clears this itself (spurious #DF). */
			raw_reset_old_exception(vp->ctx);
			uc_context_restore(e->uc, vp->ctx);
		}
		/* a hypercall through the hypercall page (hv_hypercall_page.c) */
		if (vp->x.reason == EXIT_INVALID && hv_vmcall(vp))
			continue;
		if ((vp->x.reason == EXIT_SYSCALL || vp->x.reason == EXIT_INVALID) &&
		    fast_syscall(vp))
			continue;
		if (vp->x.reason == EXIT_IO && !finish_io(vp)) {
			/* Classified from a stale code translation (SVM: a
			 * scanner site whose code changed: pass it once). */
			run_flush_fetch(vp);
			vp->svm_skip_rip = vp->x.rip + 1;
			continue;
		}
		if (stopped) {
			unrecoverable(vp);
		} else if (vp->x.reason == EXIT_EXCEPTION || vp->x.reason == EXIT_INVALID ||
			   vp->x.reason == EXIT_SYSCALL || vp->x.reason == EXIT_FAULT ||
			   (vp->x.reason == EXIT_MSR && !vp->x.msr_intercepted)) {
			if (guest_event(vp)) {
				/* A handler that faults before its first
				 * instruction never reaches the code hook. */
				if (atomic_load(&vp->kick) & EMU_KICK_SIGNAL) {
					rc = -EINTR;
					goto out;
				}
				continue;
			}
			break;
		}
		break;
	}
	goto build;
report:
	uc_context_save(e->uc, vp->ctx);
build:
	intercept_build(vp, vp->msg);
	memcpy(out, vp->msg, sizeof *vp->msg);
	regpage_fill(vp, vp->ctx);
	goto unlock;
out:
	regpage_refresh(vp);
unlock:
	engine_release(pt);
	pthread_mutex_unlock(&vp->run_lock);
	return rc;
}
