/* SPDX-License-Identifier: MIT */
/*
 * Unicorn hooks besides the scanner's (scanner.c): memory faults,
 * interrupts and exceptions (the SVM #VMEXITs among them, svm_exit.c),
 * invalid opcodes, SYSCALL/SYSENTER (which Unicorn only reports and
 * skips), and IN/OUT as a safety net. Each records the exit in
 * the running VP's vp->x and stops the engine; emu/run.c completes it.
 */
#include "exit.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "svm.h"
#include "x86_syscall.h"

#include <hyperv/hv_all.h>
#include <unicorn/unicorn.h>


/* The VP executing: the engine also runs without e->running (its
 * guest-mode entry, svm.c), with the VP loaded. */
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
	return false;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct emu_partition *pt = opaque;

	(void)uc;
	svm_hook_intr(hook_vp(pt), intno);
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

/* Safety net: an IO instruction the scanner did not stop in front of. */
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

	/* The IO and memory hooks are safety nets (SVM intercepts and the
	 * scanner come first). */
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
