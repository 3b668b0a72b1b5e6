/* SPDX-License-Identifier: MIT */
/*
 * Why the guest stopped (vp->x): recorded by the engine (svm_exit.c,
 * scanner.c) and the other hooks (hooks.c), completed by the run loop
 * (run.c), turned into the VMM's message by intercept.c.
 */
#ifndef MSHV_EMU_EXIT_H
#define MSHV_EMU_EXIT_H

#include "util.h"

struct emu_vp;
struct hv_message;

/* Why uc_emu_start returned (set by hooks). */
enum emu_exit_reason {
	EXIT_NONE = 0,
	EXIT_KICK,		/* kick flag seen */
	EXIT_IO,
	EXIT_MEM,		/* unmapped or protection fault */
	EXIT_HLT,
	EXIT_EXCEPTION,		/* CPU exception / INT n */
	EXIT_INVALID,		/* #UD */
	EXIT_CPUID,		/* installed CPUID intercept */
	EXIT_MSR,		/* MSR intercept, or an MSR access that faults (#GP) */
	EXIT_APIC_EOI,		/* level-triggered EOI: HVMSG_X64_APIC_EOI (vector) */
	EXIT_SYSCALL,		/* SYSCALL/SYSENTER/.. to emulate (x86_syscall.c) */
	EXIT_WINDOW,		/* svm_exit.c, internal: an instruction that may
				 * open the interrupt window is next */
	EXIT_FAULT,		/* the instruction at rip faults: x.vector,
				 * error code 0 (MOV CR8 reserved bits) */
};

struct emu_exit {
	enum emu_exit_reason reason;
	uint64_t rip;		/* RIP of the instruction (offset from CS.base) */
	uint8_t insn_len;
	/* IO */
	uint16_t port;
	uint8_t io_size;
	bool io_in, io_string, io_rep;
	uint64_t saved_rax, saved_rcx, saved_rsi, saved_rdi;
	/* memory */
	uint64_t gpa;
	uint8_t access;		/* HV_INTERCEPT_ACCESS_* */
	bool unmapped;
	/* exceptions */
	int vector;
	uint32_t error_code;
	uint8_t exc_type;	/* enum emu_event_type of the event raised */
	bool exc_error_valid;
	bool exc_intercept;	/* report HVMSG_X64_EXCEPTION_INTERCEPT */
	uint64_t exc_param;	/* CR2 for #PF */
	/* MSR */
	uint32_t msr;
	bool msr_write, msr_intercepted;
	uint8_t bytes[16], nbytes;	/* the instruction, when known */
	/* memory write: the value and size Unicorn reported (ioeventfd) */
	uint64_t mem_value;
	uint8_t mem_size;
	/* EXIT_SYSCALL: enum x86_sys_insn, REX.W */
	uint8_t sys_insn;
	bool sys_rex_w;
};

/* intercept.c: the VMM's message for vp->x. */
void intercept_build(struct emu_vp *vp, struct hv_message *msg);

#endif
