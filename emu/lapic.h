/* SPDX-License-Identifier: MIT */
/* The local APIC of each VP (emu/lapic.c, emu/lapic_deliver.c,
 * emu/lapic_timer.c): what the rest of the core uses (lapic_internal.h
 * has what the LAPIC's files share; irq.h the delivery entry point). */
#ifndef MSHV_EMU_LAPIC_H
#define MSHV_EMU_LAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct emu_vp;
struct emu_partition;

/* LVT slots, in register order. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI, LVT_N };

/* Per-VP LAPIC. Everything is under m: the VP's own thread (MMIO, MSRs,
 * injection), other threads delivering interrupts (hypercalls, irqfds,
 * IPIs from other VPs) and the partition's timer thread all take it. */
struct emu_lapic {
	pthread_mutex_t m;
	uint64_t base;			/* IA32_APIC_BASE */
	uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_N];
	uint32_t isr[8], irr[8], tmr[8];
	uint32_t extint[8];		/* IRR bits asserted as ExtINT */
	uint32_t auto_eoi[8];		/* SynIC auto-EOI vectors (emu/synic.c) */
	uint32_t initial_count, dcr;
	uint64_t period_ns;		/* one-shot/periodic: count * divisor */
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC expiry, 0 = disarmed */
	uint64_t tsc_deadline;		/* IA32_TSC_DEADLINE */
	bool nmi_pending, init_pending, sipi_pending, wait_sipi;
	uint8_t sipi_vector;
	uint16_t eoi_exit;		/* level EOI to report: vector + 1 */
};

/* Per-partition: the LAPIC timer thread and the xAPIC MMIO page. */
struct emu_lapic_pt {
	pthread_mutex_t m;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop, changed;
	bool mmio_mapped;
};

#define EMU_APIC_DEFAULT_BASE 0xfee00000ull

void lapic_pt_init(struct emu_partition *pt);
void lapic_pt_fini(struct emu_partition *pt);
void lapic_vp_init(struct emu_vp *vp);
void lapic_vp_fini(struct emu_vp *vp);
/* Power-on (or INIT) state; keeps APIC_BASE unless power_on. */
void lapic_reset(struct emu_vp *vp, bool power_on);

/* Guest-physical map changes (engine held): a VMM mapping over the APIC
 * page wins; the page comes back when the mapping goes. */
void lapic_mmio_yield(struct emu_partition *pt, uint64_t gpa, uint64_t size);
void lapic_mmio_sync(struct emu_partition *pt);

/* MSRs: x2APIC range 0x800-0x8ff and IA32_TSC_DEADLINE (0x6e0). */
bool lapic_msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val);
bool lapic_msr_write(struct emu_vp *vp, uint32_t msr, uint64_t val);
uint64_t lapic_get_base(struct emu_vp *vp);
bool lapic_set_base(struct emu_vp *vp, uint64_t val, bool from_guest);
uint64_t lapic_get_cr8(struct emu_vp *vp);
void lapic_set_cr8(struct emu_vp *vp, uint64_t val);
/* x86_cr8.c: MOV to (write) or from CR8 at CPL 0 with general register
 * gpr; 0, or 13 for the #GP(0) of a write to reserved bits (nothing done). */
int x86_cr8_move(struct emu_vp *vp, bool write, int gpr);
bool lapic_wait_sipi(struct emu_vp *vp);
void lapic_set_wait_sipi(struct emu_vp *vp, bool on);

/* Run loop (engine held, vp loaded, not executing). lapic_service
 * performs a pending INIT/SIPI and injects the highest deliverable
 * NMI/interrupt; -1 if the delivery is a triple fault. */
int lapic_service(struct emu_vp *vp);
/* May a VP blocked in HLT (if_set: its RFLAGS.IF) or wait-for-SIPI wake? */
bool lapic_wake_pending(struct emu_vp *vp, bool if_set);
/* A level-triggered EOI to report as HVMSG_X64_APIC_EOI: vector or -1. */
int lapic_take_eoi_exit(struct emu_vp *vp);

/* MSHV_VP_STATE_LAPIC (hv_local_interrupt_controller_state). */
void lapic_state_get(struct emu_vp *vp, void *buf);
void lapic_state_set(struct emu_vp *vp, const void *buf);

/* HVCALL_CLEAR_VIRTUAL_INTERRUPT: drops pending ExtINT interrupts. */
void lapic_clear_extint(struct emu_partition *pt);

#endif
