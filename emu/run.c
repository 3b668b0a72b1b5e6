/* SPDX-License-Identifier: MIT */
/*
 * MSHV_RUN_VP: the run loop and the completion of each exit. The engine
 * (emu/svm.c, emu/svm_exit.c with emu/scanner.c) and the other hooks
 * (emu/hooks.c) record why the guest stopped in vp->x; here
 * the exit is resumed inside RUN_VP, reported to the VMM as a message, or
 * ends the call with an errno.
 */
#include "exit.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "event.h"
#include "regs.h"
#include "ioeventfd.h"
#include "msr.h"
#include "hv.h"
#include "lapic.h"
#include "svm.h"
#include "rawenv.h"
#include "x86_insn.h"
#include "x86_mmu.h"
#include "vp_mmu.h"
#include "x86_syscall.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mshv.h>

/* --- the run loop --- */

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
		if (emu_pt_has_lapic(vp->pt) && lapic_wake_pending(vp, if_set))
			return 0;
		int r = poll(&pfd, 1, -1);
		if (r > 0) {
			ssize_t n = read(vp->wake_fd, &cnt, sizeof cnt);
			(void)n;
		}
	}
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
	if (x86_decode(vp->x.bytes, vp->x.nbytes, vp_mode_raw(vp->ctx), &in) ||
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

/* The same, with nothing else of the exit: the VP is stopped at RIP. */
static void unrecoverable_at_rip(struct emu_vp *vp, int vector)
{
	memset(&vp->x, 0, sizeof vp->x);
	unrecoverable(vp);
	vp->x.vector = vector;
	vp->x.rip = regs_rip(vp);
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
	if (!intercepted) {
		enum event_result r = event_deliver(vp, vp->ctx, &ev);
		if (r == EVENT_DELIVERED)
			return true;
		if (r != EVENT_UNMAPPED_GPA) {
			unrecoverable(vp);
			return false;
		}
	}
	/* Reported with RIP at the instruction, nothing delivered: an
	 * intercepted exception, or a delivery that needs memory the VMM may
	 * map (the instruction then raises it again). */
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
		insn = x86_sys_decode(vp->x.bytes, vp->x.nbytes, true, &rex_w, &len);
		if (insn != X86_SYS_SYSENTER && insn != X86_SYS_SYSEXIT)
			return false;
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
	unrecoverable_at_rip(vp, ev.vector);
	return false;
}

/* --- one handler per exit reason --- */

/* What a handler decides: run the guest on inside RUN_VP, or report vp->x
 * to the VMM as a message (a negative errno ends RUN_VP with it). */
enum { RESUME = 0, REPORT = 1 };

struct run_state {
	uc_err err;		/* what the engine returned */
	bool recheck;		/* code pages to check before the next entry */
};

typedef int (*exit_handler)(struct emu_vp *vp, struct run_state *rs);

/* One snapshot serves the handler, the message and the register page. */
static void snapshot(struct emu_vp *vp)
{
	struct emu_engine *e = &vp->pt->eng;

	uc_context_save(e->uc, vp->ctx);
	if (vp->x.reason == EXIT_EXCEPTION || vp->x.reason == EXIT_INVALID) {
		/* Unicorn never clears this itself (spurious #DF). */
		raw_reset_old_exception(vp->ctx);
		uc_context_restore(e->uc, vp->ctx);
	}
}

/* An event for the guest's IDT (or the VMM, if it intercepts it). */
static int deliver_or_report(struct emu_vp *vp)
{
	if (!guest_event(vp))
		return REPORT;
	/* A handler that faults before its first instruction never
	 * reaches a kick poll. */
	return (atomic_load(&vp->kick) & EMU_KICK_SIGNAL) ? -EINTR : RESUME;
}

static int on_kick(struct emu_vp *vp, struct run_state *rs)
{
	unsigned k = atomic_load(&vp->kick);

	(void)rs;
	if (k & EMU_KICK_SIGNAL)
		return -EINTR;
	if (k & EMU_KICK_TLB) {
		atomic_fetch_and(&vp->kick, ~EMU_KICK_TLB);
		uc_ctl_flush_tlb(vp->pt->eng.uc);
	}
	/* EMU_KICK_IRQ (or an interrupt window) is handled at the top of
	 * the loop. */
	if (k & EMU_KICK_YIELD) {
		atomic_fetch_and(&vp->kick, ~EMU_KICK_YIELD);
		/* No code-page check here: a whole-cache flush at a yield
		 * broke Linux's own code patching (docs/engine.md "Code
		 * pages and yields"); the VMM's writes are checked at the
		 * next entry. */
		engine_yield(vp->pt, vp);
		engine_load(vp->pt, vp);
	}
	return RESUME;
}

static int on_io(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	if (vp->x.insn_len == 0)
		undo_executed_io(vp);
	snapshot(vp);
	if (finish_io(vp))
		return REPORT;
	/* Classified from a stale code translation (a scanner site whose
	 * code changed): pass it once. */
	vp->svm_skip_rip = vp->x.rip + 1;
	return RESUME;
}

static int on_hlt(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	regs_set_rip(vp, vp->x.rip + vp->x.insn_len);
	if (emu_pt_has_lapic(vp->pt)) {
		/* The VP stays halted inside RUN_VP, whatever IF is: with IF=0
		 * only NMI/INIT/SIPI or a signal (EINTR) end the wait, as on
		 * Hyper-V; HALT is reported only without a LAPIC. HLT ends an
		 * STI/MOV SS shadow; the top of the loop blocks or takes a
		 * pending interrupt. */
		union hv_register_value is;
		regs_get(vp, HV_REGISTER_INTERRUPT_STATE, &is);
		if (is.interrupt_state.interrupt_shadow) {
			is.interrupt_state.interrupt_shadow = 0;
			regs_set(vp, HV_REGISTER_INTERRUPT_STATE, &is);
		}
		vp->halted = true;
		return RESUME;
	}
	snapshot(vp);
	return REPORT;
}

static int on_cpuid(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	regs_set_rip(vp, vp->x.rip);
	snapshot(vp);
	return REPORT;
}

static int on_mem(struct emu_vp *vp, struct run_state *rs)
{
	const struct emu_region *r = mem_find(vp->pt, vp->x.gpa);

	(void)rs;
	/* Guest RAM the core could not keep when the VMM took its host range
	 * away (hostmem.c): an errno, as the kernel's failing page fault-in
	 * would be. */
	if (r && r->lost)
		return -EFAULT;
	/* ioeventfd (emu/ioeventfd.c): a matching MMIO write signals the
	 * eventfd and the guest continues. */
	if (ioeventfd_absorb(vp))
		return RESUME;
	snapshot(vp);
	return REPORT;
}

static int on_exception(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	snapshot(vp);
	return deliver_or_report(vp);
}

static int on_invalid(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	snapshot(vp);
	/* a hypercall through the hypercall page (hv_hypercall_page.c), or
	 * SYSENTER/SYSEXIT the engine's AMD model refuses */
	if (hv_vmcall(vp) || fast_syscall(vp))
		return RESUME;
	return deliver_or_report(vp);
}

static int on_syscall(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	snapshot(vp);
	return fast_syscall(vp) ? RESUME : deliver_or_report(vp);
}

static int on_msr(struct emu_vp *vp, struct run_state *rs)
{
	(void)rs;
	snapshot(vp);
	return vp->x.msr_intercepted ? REPORT : deliver_or_report(vp);
}

/* Unicorn stopped on its own (e.g. its triple-fault path) or failed: the
 * VP cannot continue. */
static int on_stop(struct emu_vp *vp, struct run_state *rs)
{
	vp->x.reason = EXIT_EXCEPTION;
	vp->x.vector = rs->err == UC_ERR_OK ? 8 : -1;
	vp->x.rip = regs_rip(vp);
	snapshot(vp);
	unrecoverable(vp);
	return REPORT;
}

static const exit_handler exit_handlers[] = {
	[EXIT_NONE] = on_stop,
	[EXIT_KICK] = on_kick,
	[EXIT_IO] = on_io,
	[EXIT_MEM] = on_mem,
	[EXIT_HLT] = on_hlt,
	[EXIT_EXCEPTION] = on_exception,
	[EXIT_INVALID] = on_invalid,
	[EXIT_CPUID] = on_cpuid,
	[EXIT_MSR] = on_msr,
	[EXIT_SYSCALL] = on_syscall,
	[EXIT_FAULT] = on_exception,
	/* EXIT_APIC_EOI comes from the LAPIC, EXIT_WINDOW stays inside the
	 * engine (svm_exit.c): from the engine either is a stop without reason. */
	[EXIT_APIC_EOI] = on_stop,
	[EXIT_WINDOW] = on_stop,
};

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
		unrecoverable_at_rip(vp, 8);
		goto report;
	}
	if (!inject_pending(vp))
		goto report;
	/* Code the VMM rewrote is looked for when the VP comes back from
	 * the VMM (entry) or from a halt, not at yields (on_kick). */
	struct run_state rs = { .recheck = true };
	for (;;) {
		if (emu_pt_has_lapic(vp->pt)) {
			/* INIT/SIPI, NMIs and interrupts the LAPIC holds are
			 * taken here, at an instruction boundary. */
			atomic_fetch_and(&vp->kick, ~EMU_KICK_IRQ);
			if (lapic_service(vp) < 0) {
				unrecoverable_at_rip(vp, 0);
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
			rs.recheck = true;
			continue;
		}
		if (rs.recheck) {
			run_check_code_pages(pt);
			rs.recheck = false;
		}
		memset(&vp->x, 0, sizeof vp->x);
		if (!engine_enter(pt, vp)) {
			engine_yield(pt, vp);
			engine_load(pt, vp);
			continue;
		}
		rs.err = (uc_err)svm_run(vp);
		engine_leave(pt);
		e->translated = true;
		unsigned why = vp->x.reason;
		exit_handler h = why < sizeof exit_handlers / sizeof exit_handlers[0] &&
				 exit_handlers[why] ? exit_handlers[why] : on_stop;
		rc = h(vp, &rs);
		if (rc == RESUME)
			continue;
		if (rc < 0)
			goto out;
		rc = 0;
		goto build;
	}
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
