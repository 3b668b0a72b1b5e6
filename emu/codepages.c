/* SPDX-License-Identifier: MIT */
/*
 * Code pages: the engine must not run stale translations of code the VMM
 * rewrote through its own mapping (docs/design.md §6). Every page code is
 * translated from is tracked, by the write watch (codewatch.h) where the
 * VMM's mapping is the engine's, else by a copy compared at each entry.
 */
#include "util.h"
#include "memory.h"
#include "engine.h"
#include "partition.h"
#include "codewatch.h"

#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>

/* Executed pages whose contents are compared at every entry, where the
 * write watch cannot be used (codewatch.h: the CUSE face, memory the core
 * owns, no userfaultfd); beyond this a VMM's rewrite of code might stay
 * unnoticed (docs/engine.md). */
#define EMU_CODE_TRACK_MAX 512

void run_track_code_page(struct emu_partition *pt, uint64_t gpa, const uint8_t *host)
{
	struct emu_engine *e = &pt->eng;
	const struct emu_region *r = mem_find(pt, gpa);

	/* A piece the VMM writes through the very pointer the engine uses. */
	if (r && (r->flags & EMU_MEM_VMM_VIEW) && !r->owned && !r->lost) {
		if (!e->cw_tried) {
			e->cw = codewatch_new();
			e->cw_tried = true;
		}
		if (e->cw && codewatch_track(e->cw, r->host, r->size, host))
			return;
	}
	for (size_t i = 0; i < e->ncode; i++)
		if (e->code[i].gpa == gpa)
			return;
	if (e->ncode >= EMU_CODE_TRACK_MAX)
		return;
	if (e->ncode == e->capcode) {
		size_t cap = e->capcode ? e->capcode * 2 : 16;
		struct emu_code_page *n = realloc(e->code, cap * sizeof *n);
		if (!n)
			return;
		e->code = n;
		e->capcode = cap;
	}
	uint8_t *shadow = malloc(EMU_PAGE);
	if (!shadow)
		return;
	memcpy(shadow, host, EMU_PAGE);
	e->code[e->ncode++] = (struct emu_code_page){ .gpa = gpa, .shadow = shadow };
}

/* The VMM writes guest memory through its own mapping, which Unicorn never
 * sees: discard translations if any executed page changed since. */
void run_check_code_pages(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;
	bool stale = e->flush_tb;
	bool written = e->cw && codewatch_take_changed(e->cw);

	for (size_t i = 0; i < e->ncode;) {
		const uint8_t *host = mem_host(pt, e->code[i].gpa, EMU_PAGE, false);
		if (!host) {
			free(e->code[i].shadow);
			e->code[i] = e->code[--e->ncode];
			stale = true;
			continue;
		}
		if (memcmp(host, e->code[i].shadow, EMU_PAGE)) {
			memcpy(e->code[i].shadow, host, EMU_PAGE);
			written = true;
		}
		i++;
	}
	stale |= written;
	/* A flush clears the whole code buffer: only when it holds code. */
	if (stale && e->translated) {
		uc_ctl_flush_tb(e->uc);
		e->translated = false;
	}
	e->flush_tb = false;
}

