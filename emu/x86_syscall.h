/* SPDX-License-Identifier: MIT */
/*
 * SYSCALL/SYSRET and SYSENTER/SYSEXIT with their architectural semantics
 * (x86_syscall.c). Unicorn 2.1.1 turns SYSCALL and SYSENTER into "call the
 * UC_HOOK_INSN hooks and skip the instruction"; the run loop stops in that
 * hook and hands the instruction to x86_sys_emulate.
 */
#ifndef MSHV_EMU_X86_SYSCALL_H
#define MSHV_EMU_X86_SYSCALL_H

#include <stdbool.h>
#include <stdint.h>

struct emu_vp;

enum x86_sys_insn {
	X86_SYS_NONE = 0,
	X86_SYS_SYSCALL,
	X86_SYS_SYSRET,
	X86_SYS_SYSENTER,
	X86_SYS_SYSEXIT,
};

/* Recognises SYSCALL/SYSRET/SYSENTER/SYSEXIT (legacy prefixes, REX) at p
 * (x86_opcode_peek); *rex_w says whether REX.W is present (64-bit mode
 * only), *len is the instruction's length if it is one of them. */
enum x86_sys_insn x86_sys_decode(const uint8_t *p, unsigned n, bool mode64,
				 bool *rex_w, unsigned *len);

/* Executes the instruction at rip (len bytes) for the VP loaded on the
 * engine; raw is a current snapshot of its context. Returns 0 when done
 * (the engine holds the new state), or the vector of the fault it raises
 * instead (6 = #UD, 13 = #GP(0)), with nothing changed. */
int x86_sys_emulate(struct emu_vp *vp, void *raw, enum x86_sys_insn insn,
		    uint64_t rip, unsigned len, bool rex_w);

/* Intel's SYSRET #GP(0) for a non-canonical return address (checked before
 * the engine's own SYSRET, which would load it at CPL 3). True if the
 * instruction faults. */
bool x86_sysret_faults(struct emu_vp *vp, bool rex_w);

#endif
