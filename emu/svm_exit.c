/* SPDX-License-Identifier: MIT */
/*
 * SVM engine, guest side: runs the guest until something the VMM or the
 * run loop must see, with one handler per #VMEXIT reason. Exits are
 * translated into vp->x, which the run loop (run.c) completes like the
 * exits the other hooks (hooks.c) record.
 *
 * Interrupt window (vp->irq_window from lapic_service): 2 = IF is 1 but an
 * STI/MOV SS shadow blocks: single-step one instruction with RFLAGS.TF
 * (the #DB trap is intercepted); 1 = IF is 0: the scanner's STI/POPF/IRET/
 * SYSRET sites stop before such an instruction, which is then stepped the
 * same way. After a step the run loop re-evaluates (EXIT_KICK).
 */
#include "util.h"
#include "exit.h"
#include "memory.h"
#include "vp.h"
#include "partition.h"
#include "event.h"
#include "regs.h"
#include "cpuid.h"
#include "msr.h"
#include "dirty.h"
#include "lapic.h"
#include "svm.h"
#include "rawenv.h"
#include "x86_insn.h"
#include "x86_mmu.h"
#include "vp_mmu.h"

#include <hyperv/hv_all.h>
#include <unicorn/unicorn.h>

#include <string.h>

enum { RESUME, REPORT, STEP };

#define RFLAGS_TF 0x100ull

/* The instruction at RIP (exits leave RIP at it): bytes into vp->x and
 * decoded; false if it cannot be read or decoded. ctx: a current snapshot. */
static bool insn_at_rip(struct emu_vp *vp, void *ctx, struct x86_insn *in)
{
	struct raw_seg cs;
	struct x86_mmu m = vp_mmu(vp);

	uc_context_save(vp->pt->eng.uc, ctx);
	raw_get_seg(ctx, RAW_CS, &cs);
	vp->x.nbytes = (uint8_t)x86_mmu_read_virt(&m, cs.base + vp->x.rip, vp->x.bytes,
						  sizeof vp->x.bytes - 1, 0);
	if (x86_decode(vp->x.bytes, vp->x.nbytes, vp_mode_raw(ctx), in))
		return false;
	vp->x.nbytes = in->len;
	return true;
}

static int insn_len_at_rip(struct emu_vp *vp, int fallback)
{
	struct x86_insn in;

	return insn_at_rip(vp, vp->ctx, &in) ? in.len : fallback;
}

static int exit_cpuid(struct emu_vp *vp, uint32_t code)
{
	struct emu_partition *pt = vp->pt;
	uint32_t leaf = (uint32_t)regs_gpr(vp, 0), sub = (uint32_t)regs_gpr(vp, 1);
	uint32_t out[4];
	int len = insn_len_at_rip(vp, 2);
	bool intercept = pt->intercept_cpuid_all;

	(void)code;
	for (size_t i = 0; !intercept && i < pt->nintercept_cpuid; i++)
		intercept = pt->intercept_cpuid[i] == leaf;
	if (intercept) {
		vp->x.reason = EXIT_CPUID;
		vp->x.insn_len = (uint8_t)len;
		return REPORT;
	}
	cpuid_compute(vp, leaf, sub, true, out);
	regs_set_gpr(vp, 0, out[0]);
	regs_set_gpr(vp, 3, out[1]);
	regs_set_gpr(vp, 1, out[2]);
	regs_set_gpr(vp, 2, out[3]);
	regs_set_rip(vp, vp->x.rip + (uint64_t)len);
	return RESUME;
}

static int msr_fault(struct emu_vp *vp, uint32_t msr, bool write)
{
	vp->x.msr = msr;
	vp->x.msr_write = write;
	vp->x.reason = EXIT_MSR;	/* #GP(0) through guest_event */
	return REPORT;
}

static int exit_msr(struct emu_vp *vp, uint32_t code)
{
	struct emu_partition *pt = vp->pt;
	struct x86_insn in;
	uint32_t msr = (uint32_t)regs_gpr(vp, 1);
	uint64_t val;

	(void)code;
	if (!insn_at_rip(vp, vp->ctx, &in))
		return msr_fault(vp, msr, false);
	bool write = x86_insn_is_wrmsr(&in);
	vp->x.insn_len = in.len;
	if (msr_intercepted(vp, msr, write)) {
		vp->x.msr = msr;
		vp->x.msr_write = write;
		vp->x.msr_intercepted = true;
		vp->x.reason = EXIT_MSR;
		return REPORT;
	}
	val = (regs_gpr(vp, 2) << 32) | (uint32_t)regs_gpr(vp, 0);
	if (engine_native_msr(msr)) {
		/* EFER.SVME is reserved for a guest that has no SVM. */
		if (write && msr == 0xc0000080 && (val & (1ull << 12)))
			return msr_fault(vp, msr, write);
		uc_x86_msr m = { .rid = msr, .value = val };
		svm_msr_open(pt, msr);
		if (write)
			uc_reg_write(pt->eng.uc, UC_X86_REG_MSR, &m);
		else
			uc_reg_read(pt->eng.uc, UC_X86_REG_MSR, &m);
		svm_msr_close(pt, msr);
		val = m.value;
	} else if (write ? !msr_write(vp, msr, val) : !msr_read(vp, msr, &val)) {
		return msr_fault(vp, msr, write);
	}
	if (!write) {
		regs_set_gpr(vp, 0, (uint32_t)val);
		regs_set_gpr(vp, 2, val >> 32);
	}
	regs_set_rip(vp, vp->x.rip + in.len);
	return RESUME;
}

static int exit_hlt(struct emu_vp *vp, uint32_t code)
{
	(void)code;
	vp->x.reason = EXIT_HLT;
	vp->x.insn_len = (uint8_t)insn_len_at_rip(vp, 1);
	return REPORT;
}

/* INT n, INT3, INTO: reported with RIP after the instruction, as
 * guest_event (run.c) expects of a software event. */
static int exit_swint(struct emu_vp *vp, uint32_t code)
{
	struct x86_insn in;

	(void)code;
	vp->x.reason = EXIT_EXCEPTION;
	vp->x.exc_type = EMU_EV_EXCEPTION;
	if (!insn_at_rip(vp, vp->ctx, &in)) {
		vp->x.vector = 13;
		return REPORT;
	}
	if (in.map == 0 && in.opcode == 0xcd) {
		vp->x.vector = (int)(in.imm & 0xff);
		vp->x.exc_type = EMU_EV_SOFT_INT;
	} else if (in.map == 0 && in.opcode == 0xcc) {
		vp->x.vector = 3;
		vp->x.exc_type = EMU_EV_SOFT_EXC;
	} else {
		vp->x.vector = 4;
		vp->x.exc_type = EMU_EV_SOFT_EXC;
	}
	vp->x.insn_len = in.len;
	vp->x.rip += in.len;
	regs_set_rip(vp, vp->x.rip);
	return REPORT;
}

static int exit_exception(struct emu_vp *vp, uint32_t code)
{
	int v = (int)(code - SVM_EXIT_EXCP_BASE);

	if (v == 6) {
		vp->x.reason = EXIT_INVALID;
		vp->x.vector = 6;
		return REPORT;
	}
	/* In guest mode the engine leaves CR2 alone and puts the address in
	 * exit_info_2 (QEMU handle_mmu_fault); a CPU would have set CR2. */
	if (v == 14) {
		uc_context_save(vp->pt->eng.uc, vp->ctx);
		raw_set_cr(vp->ctx, 2, svm_exit_info_2(vp->pt));
		uc_context_restore(vp->pt->eng.uc, vp->ctx);
	}
	vp->x.reason = EXIT_EXCEPTION;
	vp->x.vector = v;
	vp->x.exc_type = EMU_EV_EXCEPTION;
	return REPORT;
}

/* The value and size of a plain MOV store, for ioeventfd matching. */
static void store_value(struct emu_vp *vp, const struct x86_insn *in)
{
	unsigned sz = in->op_size;
	uint64_t v;

	if (in->map != 0 || !in->has_modrm || (in->modrm >> 6) == 3)
		return;
	if (in->opcode == 0x88 || in->opcode == 0x89) {
		int r = ((in->modrm >> 3) & 7) | ((in->rex & 4) << 1);
		if (in->opcode == 0x88 && !in->rex && r >= 4)
			v = regs_gpr(vp, r - 4) >> 8;	/* AH..BH */
		else
			v = regs_gpr(vp, r);
	} else if (in->opcode == 0xc6 || in->opcode == 0xc7) {
		v = in->imm;
		if (sz == 8 && (v & 0x80000000u))
			v |= 0xffffffff00000000ull;
	} else {
		return;
	}
	if (sz < 8)
		v &= (1ull << (sz * 8)) - 1;
	vp->x.mem_value = v;
	vp->x.mem_size = (uint8_t)sz;
}

/* Nested page fault: the guest touched a GPA outside its slots or broke a
 * slot's protection. exit_info_1 is the #PF-style error code. */
static int exit_npf(struct emu_vp *vp, uint32_t code)
{
	struct x86_insn in;
	uint32_t info;

	(void)code;
	vp->x.gpa = svm_exit_info_2(vp->pt);
	/* A page dirty tracking had closed: open it and run on (before the
	 * context save, which would cost more than the fault). */
	const struct emu_region *r = vp->pt->dlog ? mem_find(vp->pt, vp->x.gpa) : NULL;
	if (r && dirty_npf(vp->pt, r, vp->x.gpa))
		return RESUME;
	uc_context_save(vp->pt->eng.uc, vp->ctx);
	info = (uint32_t)raw_get_error_code(vp->ctx);
	if (vp->pt->lapic.mmio_mapped && !(info & X86_PF_I) &&
	    (vp->x.gpa & ~(EMU_PAGE - 1)) == EMU_APIC_DEFAULT_BASE) {
		/* The xAPIC: run this one instruction with the page mapped
		 * (Unicorn's MMIO callbacks emulate it); what it changes
		 * (EOI, TPR, IPIs) is then seen before the next one. */
		svm_npt_lapic(vp->pt, true);
		return STEP;
	}
	vp->x.reason = EXIT_MEM;
	vp->x.access = (info & X86_PF_I) ? HV_INTERCEPT_ACCESS_EXECUTE :
		       (info & X86_PF_W) ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ;
	vp->x.unmapped = !mem_find(vp->pt, vp->x.gpa);
	if (vp->x.access == HV_INTERCEPT_ACCESS_EXECUTE)
		return REPORT;
	if (insn_at_rip(vp, vp->ctx, &in)) {
		if (vp->x.access == HV_INTERCEPT_ACCESS_WRITE)
			store_value(vp, &in);
	}
	return REPORT;
}

/* MOV to/from CR8. The engine raises #GP at CPL > 0 and #UD for CR9-15
 * before it checks the intercept (translate.c, misc_helper.c
 * helper_read_crN), so this is CR8 at CPL 0: 0F 20/22 with REX.R, or
 * LOCK MOV CR0 where CPUID offers that alias. */
static int exit_cr8(struct emu_vp *vp, uint32_t code)
{
	struct x86_insn in;

	if (!insn_at_rip(vp, vp->ctx, &in) || in.map != 1 || !in.has_modrm) {
		/* Not what was intercepted any more (rewritten): #UD. */
		vp->x.reason = EXIT_INVALID;
		return REPORT;
	}
	int rm = (in.modrm & 7) | ((in.rex & 1) << 3);
	int r = x86_cr8_move(vp, code == SVM_EXIT_WRITE_CR8, rm);
	if (r) {
		vp->x.reason = EXIT_FAULT;
		vp->x.vector = r;
		return REPORT;
	}
	regs_set_rip(vp, vp->x.rip + in.len);
	return RESUME;
}

static int exit_fatal(struct emu_vp *vp, uint32_t code)
{
	(void)code;
	vp->x.reason = EXIT_NONE;	/* the run loop: unrecoverable */
	return REPORT;
}

typedef int (*exit_handler)(struct emu_vp *vp, uint32_t code);

static exit_handler handler_for(uint32_t code)
{
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
		return exit_exception;
	switch (code) {
	case SVM_EXIT_CPUID: return exit_cpuid;
	case SVM_EXIT_MSR: return exit_msr;
	case SVM_EXIT_HLT: return exit_hlt;
	case SVM_EXIT_SWINT: return exit_swint;
	case SVM_EXIT_NPF: return exit_npf;
	case SVM_EXIT_READ_CR8:
	case SVM_EXIT_WRITE_CR8: return exit_cr8;
	default: return exit_fatal;	/* shutdown, VMRUN, unknown */
	}
}

void svm_hook_intr(struct emu_vp *vp, uint32_t intno)
{
	vp->svm_exit = intno;
	uc_emu_stop(vp->pt->eng.uc);
}

/* One uc_emu_start, single-stepping with TF if asked; *kicked (nothing
 * run) if the VP has kick bits pending. */
static uc_err run_once(struct emu_vp *vp, bool step, bool *stepped, bool *kicked)
{
	struct emu_engine *e = &vp->pt->eng;
	uc_engine *uc = e->uc;
	uint64_t fl = regs_rflags(vp), dr6 = 0;
	bool own_tf = step && !(fl & RFLAGS_TF);
	uc_err err = UC_ERR_OK;

	if (own_tf) {
		uc_reg_read(uc, UC_X86_REG_DR6, &dr6);
		fl |= RFLAGS_TF;
		uc_reg_write(uc, UC_X86_REG_RFLAGS, &fl);
	}
	vp->svm_exit = 0;
	scanner_before_run(vp->pt, vp, step);
	*kicked = !kick_enter(e, vp);
	if (!*kicked) {
		err = uc_emu_start(uc, regs_rip(vp), 0, 0, 0);
		kick_leave(e);
	}
	*stepped = false;
	if (own_tf) {
		fl = regs_rflags(vp) & ~RFLAGS_TF;
		uc_reg_write(uc, UC_X86_REG_RFLAGS, &fl);
		if (vp->svm_exit == SVM_EXCP_VMEXIT + SVM_EXIT_EXCP_BASE + 1) {
			uc_reg_write(uc, UC_X86_REG_DR6, &dr6);
			*stepped = true;
		}
	}
	return err;
}

/* After a step with the xAPIC page mapped. */
static void lapic_unmap(struct emu_vp *vp, bool *mapped)
{
	if (*mapped)
		svm_npt_lapic(vp->pt, false);
	*mapped = false;
}

int svm_run(struct emu_vp *vp)
{
	bool lapic = false;

	if (svm_ensure_guest(vp)) {
		vp->x.reason = EXIT_NONE;
		return UC_ERR_EXCEPTION;
	}
	svm_msrpm_refresh(vp);
	bool step = vp->irq_window == 2, step_lapic = false;
	for (;;) {
		bool stepped, kicked;
		if (vp->pt->eng.npt_stale)
			svm_npt_sync(vp->pt);
		uc_err err = run_once(vp, step, &stepped, &kicked);
		lapic_unmap(vp, &lapic);
		if (err)
			return err;
		if (kicked) {
			vp->x.reason = EXIT_KICK;
			return UC_ERR_OK;
		}
		if (stepped && step_lapic) {
			step_lapic = false;
			step = false;
			memset(&vp->x, 0, sizeof vp->x);
			continue;
		}
		if (stepped) {
			/* Back to the run loop: lapic_service decides. */
			vp->x.reason = EXIT_KICK;
			return UC_ERR_OK;
		}
		if (vp->x.reason == EXIT_WINDOW) {
			/* Stopped before STI/POPF/IRET/SYSRET: step it
			 * (its site passes once). */
			vp->x.reason = EXIT_NONE;
			vp->svm_skip_rip = regs_rip(vp) + 1;
			step = true;
			continue;
		}
		if (vp->x.reason != EXIT_NONE)
			return UC_ERR_OK;	/* a scanner site (IO) */
		if (vp->svm_exit < SVM_EXCP_VMEXIT) {
			/* A kick (or a stop left over from one): the run loop
			 * looks at the flags. */
			if (!vp->svm_exit) {
				vp->x.reason = EXIT_KICK;
				return UC_ERR_OK;
			}
			vp->x.reason = EXIT_NONE;	/* not intercepted: cannot happen */
			return UC_ERR_OK;
		}
		uint32_t code = vp->svm_exit - SVM_EXCP_VMEXIT;
		vp->x.rip = regs_rip(vp);
		int r = handler_for(code)(vp, code);
		if (r == REPORT)
			return UC_ERR_OK;
		memset(&vp->x, 0, sizeof vp->x);
		step = r == STEP;
		step_lapic = lapic = r == STEP;
	}
}
