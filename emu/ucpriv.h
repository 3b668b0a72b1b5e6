/* SPDX-License-Identifier: MIT */
/*
 * The few private parts of libunicorn 2.1.1's engine that let the SVM
 * engine run without a per-block hook (docs/engine.md, "Unicorn's private
 * fields"). Each is located on the engine itself and checked against
 * what this build of the engine must hold there; anything else refuses the
 * partition with a message, never a guess.
 */
#ifndef MSHV_EMU_UCPRIV_H
#define MSHV_EMU_UCPRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct ucpriv {
	uc_engine *uc;
	size_t nested;	  /* int nested_level */
	size_t jmpbufs;	  /* sigjmp_buf jmp_bufs[UC_MAX_NESTED_LEVEL] */
	size_t code_list; /* struct list hook[UC_HOOK_CODE_IDX] */
	void *code_item;  /* the one code hook's list item */
	void *code_hook;  /* its struct hook */
	bool shown;
};

/* Adds the engine's one UC_HOOK_CODE hook (cb, data), locates the private
 * fields, turns off Unicorn's exit checks after guest memory accesses and
 * hides the hook. 0, or -ENOTSUP with the reason in ucpriv_error(). */
int ucpriv_attach(struct ucpriv *p, uc_engine *uc, uc_cb_hookcode_t cb, void *data);
const char *ucpriv_error(void);
/* Puts the code hook back in its list, for uc_close to free. */
void ucpriv_detach(struct ucpriv *p);

/* The code hook is compiled into blocks translated while it is shown,
 * at addresses in [begin, end]. Hidden, blocks get none, and Unicorn
 * sets RIP exactly when a stop lands at a block's start. */
void ucpriv_show_code_hook(struct ucpriv *p, uint64_t begin, uint64_t end);
void ucpriv_hide_code_hook(struct ucpriv *p);

/* Translates the block at addr now, outside uc_emu_start (the block
 * uc_emu_start would translate first if it started there); false if it
 * was not (a fault or a full code buffer while translating: Unicorn then
 * leaves through jmp_bufs, which only uc_emu_start sets, so this sets one
 * as uc_invalidate_tb does). Only outside uc_emu_start. */
bool ucpriv_translate_at(struct ucpriv *p, uint64_t addr);

/* From the code hook: leaves uc_emu_start at once, before the hooked
 * instruction (RIP and flags were synced for the hook). */
_Noreturn void ucpriv_stop_here(struct ucpriv *p);

#endif
