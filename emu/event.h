/* SPDX-License-Identifier: MIT */
#ifndef MSHV_EMU_EVENT_H
#define MSHV_EMU_EVENT_H

#include "util.h"

struct emu_vp;

/* event.c: delivering events through the guest's IVT/IDT.
 *
 * An event is delivered the way the CPU would at an instruction boundary:
 * real mode through the IVT (push FLAGS, CS, IP; clear IF/TF/AC), protected
 * mode through 16/32-bit interrupt and trap gates, long mode through 64-bit
 * gates (IST and TSS.RSPn stack switches, 16-byte alignment, SS:RSP always
 * pushed). Gate DPL is checked for INT n/INT3/INTO; faults raised while
 * delivering combine into #DF, and a fault while delivering #DF is a triple
 * fault. NMI delivery sets NMI blocking (hflags2), which the engine's IRET
 * clears. Delivery clears the STI/MOV SS interrupt shadow. */
enum emu_event_type {
	EMU_EV_EXCEPTION,	/* hardware exception (fault, trap or abort) */
	EMU_EV_SOFT_INT,	/* INT n */
	EMU_EV_SOFT_EXC,	/* INT3, INTO */
	EMU_EV_PRIV_SOFT_EXC,	/* ICEBP (INT1) */
	EMU_EV_EXTINT,		/* external (maskable) interrupt */
	EMU_EV_NMI,
};

struct emu_event {
	uint8_t vector;
	uint8_t type;		/* enum emu_event_type */
	bool has_error;		/* push error_code (ignored in real mode) */
	uint32_t error_code;
	bool has_cr2;		/* write CR2 (an engine #PF has set it already) */
	uint64_t cr2;
	uint64_t rip;		/* RIP pushed: faults the faulting instruction,
				 * traps/INT n the next one */
	uint8_t insn_len;	/* INT n/INT3/INTO/ICEBP: its length (a fault
				 * raised while delivering reports rip - len) */
};

enum event_result {
	EVENT_DELIVERED,	/* the VP continues in the handler */
	EVENT_TRIPLE_FAULT,	/* -> HVMSG_UNRECOVERABLE_EXCEPTION */
	EVENT_UNSUPPORTED,	/* task gate, VM86, non-RAM touched: as fatal */
	EVENT_BLOCKED,		/* event_inject only: IF=0, shadow, NMI blocked */
	EVENT_UNMAPPED_GPA,	/* an IDT/GDT/TSS/stack/page-table access met a GPA
				 * without memory: vp->x is that EXIT_MEM, nothing
				 * delivered, the event can be retried */
};

/* Delivers ev. The engine is held and vp is loaded and not executing; raw
 * is a snapshot of the engine's current state (uc_context_save into
 * vp->ctx). On EVENT_DELIVERED the new state has been restored into the
 * engine (hidden CS/SS, hflags, old_exception reset) and RSP, RIP, RFLAGS
 * and CR2 written through the engine API; raw no longer matches the
 * engine. Otherwise the engine is unchanged (guest memory may hold a
 * partial frame, as on hardware). */
enum event_result event_deliver(struct emu_vp *vp, void *raw, const struct emu_event *ev);
/* Does a hardware exception with this vector push an error code? */
bool event_has_error_code(int vector);

/* Interrupt-injection API (for an interrupt controller). Both need the
 * engine held with vp loaded and not inside uc_emu_start (e.g. from the run
 * loop between two uc_emu_start calls, or from a hypercall after
 * engine_acquire + engine_load).
 *
 * event_can_inject: may an event of this type be delivered now? EXTINT
 * needs RFLAGS.IF = 1 and no STI/MOV SS shadow; NMI needs no NMI blocking
 * and no shadow; exceptions always can. raw is a current snapshot.
 *
 * event_inject: delivers an external interrupt (type EMU_EV_EXTINT, vector
 * 0-255) or an NMI (EMU_EV_NMI, vector forced to 2) at the current
 * instruction boundary (pushed RIP = current RIP) if event_can_inject
 * allows, else returns EVENT_BLOCKED and changes nothing. A delivered event
 * ends a HLT (vp->halted = false). EVENT_TRIPLE_FAULT/UNSUPPORTED leave the
 * VP unchanged: the caller should make the next RUN_VP report
 * HVMSG_UNRECOVERABLE_EXCEPTION. Uses vp->ctx as scratch. Interrupt-window
 * exits are the caller's business: nothing calls back when IF becomes 1. */
bool event_can_inject(struct emu_vp *vp, const void *raw, enum emu_event_type type);
enum event_result event_inject(struct emu_vp *vp, enum emu_event_type type, uint8_t vector);

#endif
