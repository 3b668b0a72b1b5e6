/* SPDX-License-Identifier: MIT */
/*
 * Address space for the engines' code buffers within call reach of
 * libunicorn (why: codebuf.c).
 */
#ifndef EMU_CODEBUF_H
#define EMU_CODEBUF_H

#include <unicorn/unicorn.h>

/* An engine's code cache. Unicorn's default (1 GiB) is slow to set up, and
 * every TB flush clears the whole buffer (measured: 7-8 ms for 128 MiB),
 * so keep it modest. */
#define EMU_TCG_BUFFER (32u << 20)

/* Opens a reserved hole near libunicorn, for the code buffer of an engine
 * about to be initialised; returns its slot, or -1 if none is left (the
 * kernel then places the buffer wherever it likes). */
int codebuf_open(void);

/* Reserves again what of the slot nobody maps: after the engine's
 * initialisation, what its code buffer did not take; after uc_close, the
 * whole slot, for the next engine. */
void codebuf_return(int slot);

/* Initialises engine uc with a code buffer of size bytes (EMU_TCG_BUFFER
 * at most, for a slot) through a slot, as
 * codebuf_open/codebuf_return would, with *ctx allocated on the way (*err:
 * Unicorn's answer), and flushes it once: Unicorn 2.1.1 would otherwise
 * reuse its buffer without a flush the first time it fills (codebuf.c).
 * Returns the slot, for codebuf_return after uc_close. */
int codebuf_engine_init(uc_engine *uc, uint32_t size, uc_context **ctx, uc_err *err);

#endif
