/* SPDX-License-Identifier: MIT */
/*
 * A virtual processor (vp.c; emu_vp_* of <mshv-emu/emu.h>): its state
 * while off the engine, its pages, its run lock and kick word, and the
 * per-VP state of the LAPIC, SynIC and CPUID results.
 */
#ifndef MSHV_EMU_VP_H
#define MSHV_EMU_VP_H

#include "util.h"
#include "exit.h"
#include "lapic.h"
#include "synic.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unicorn/unicorn.h>

#include <hyperv/hv_all.h>

struct emu_partition;
struct emu_cpuid_override;

#define EMU_KICK_SIGNAL 0x1u
#define EMU_KICK_YIELD  0x2u
#define EMU_KICK_IRQ    0x4u	/* the LAPIC has something to deliver */
#define EMU_KICK_TLB    0x8u	/* flush the TLB (emu/tlb_tick.c) */

struct emu_vp {
	struct emu_partition *pt;
	uint32_t index;
	uc_context *ctx;		/* state while not loaded on the engine */
	bool ctx_valid;

	void *pages;
	bool own_pages;
	void (*release)(void *ctx, void *pages, void *cookie);
	void *release_ctx, *release_cookie;
	struct hv_vp_register_page *rp;
	struct hv_message *msg;

	pthread_mutex_t run_lock;	/* MSHV_RUN_VP and VP-fd calls */
	_Atomic unsigned kick;
	int wake_fd;			/* eventfd: wakes a halted VP */

	struct emu_exit x;

	/* State the engine does not keep: plain-storage registers by name. */
#define EMU_SHADOW_SLOTS 256
	struct { uint32_t name; bool used; union hv_register_value v; } shadow[EMU_SHADOW_SLOTS];
	uint64_t cr8;			/* TPR; the engine ignores CR8 */
	uint64_t xfem;
	uint64_t tsc_offset;
	struct emu_cpuid_override *cpuid;	/* REGISTER_INTERCEPT_RESULT */
	size_t ncpuid, capcpuid;
	struct emu_lapic apic;		/* lapic.c */
	/* An interrupt waits for RFLAGS.IF: 1 = stop when IF is 1, 2 = let
	 * one instruction run first (STI/MOV SS shadow). */
	uint8_t irq_window;
	struct emu_hv_vp hv;		/* SynIC, stimers (synic.c, stimer.c) */
	uint8_t *simp, *siefp;		/* page state set while the page is off */
	bool raw_batch, raw_snap, raw_dirty;	/* regs_begin/regs_commit */
	bool halted;
	/* after HVMSG_UNRECOVERABLE_EXCEPTION: stays until the VMM sets RIP */
	bool shutdown;
	/* synth_regs.c: the suspend registers (read by other threads) */
	_Atomic bool explicit_suspend, intercept_suspend, dispatch_suspend;
	/* SVM engine (svm*.c) */
	bool svm_guest;			/* the engine state is in guest mode */
	uint32_t svm_exit;		/* UC_HOOK_INTR number of the last stop */
	uint64_t svm_skip_rip;		/* a scanner site to pass once (+1) */
};

/* vp.c */
void vp_reset_state(struct emu_vp *vp);
void vp_destroy(struct emu_vp *vp);

/* vpstate.c */
void vpstate_reset(struct emu_vp *vp);

#endif
