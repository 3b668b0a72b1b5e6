/* SPDX-License-Identifier: MIT */
/*
 * Code pages: the engine must not run stale translations of code the VMM
 * rewrote through its own mapping (docs/design.md §6). Every page code is
 * translated from is tracked by write watches (codewatch.h): on the
 * engine's mapping where that is the VMM's own, else on the VMM's mapping
 * through a userfaultfd the face got from the VMM plus on the face's
 * mapping; failing those, by a copy compared at each entry.
 */
#include "util.h"
#include "memory.h"
#include "engine.h"
#include "partition.h"
#include "codewatch.h"
#include "svm.h"

#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Executed pages whose contents are compared at every entry, where no
 * write watch can be used (memory the core owns, no userfaultfd, a CUSE
 * client that gave none); beyond this a VMM's rewrite of code might stay
 * unnoticed (docs/engine.md). */
#define EMU_CODE_TRACK_MAX 512

static bool own_watch(struct emu_engine *e, const struct emu_region *r, const uint8_t *host)
{
	if (!e->cw_tried) {
		e->cw = codewatch_new();
		e->cw_tried = true;
	}
	return e->cw && codewatch_track(e->cw, r->host, r->size, host);
}

/* Whether every write to the page, by the VMM or the engine, will raise a
 * watch's flag. */
static bool watched(struct emu_engine *e, const struct emu_region *r, uint64_t gpa,
		    const uint8_t *host)
{
	if (!r || r->owned || r->lost)
		return false;
	/* In-process: the VMM writes through the very pointer the engine uses. */
	if (r->flags & EMU_MEM_VMM_VIEW)
		return own_watch(e, r, host);
	/* A face's mapping of the VMM's memory: the VMM's writes land in its
	 * own mapping, the engine's (Unicorn's, the hypervisor's pages) in
	 * the face's, which it needs watched only where it can write. */
	if (!e->vmm_cw)
		return false;
	uintptr_t vmm = (uintptr_t)(r->reg_key + (gpa - r->reg_gpa));
	if (!codewatch_track(e->vmm_cw, (void *)(uintptr_t)r->reg_key, r->reg_size, (void *)vmm))
		return false;
	return !(r->flags & EMU_MEM_WRITABLE) || own_watch(e, r, host);
}

void run_track_code_page(struct emu_partition *pt, uint64_t gpa, const uint8_t *host)
{
	struct emu_engine *e = &pt->eng;

	if (watched(e, mem_find(pt, gpa), gpa, host))
		return;
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

	written |= e->vmm_cw && codewatch_take_changed(e->vmm_cw);

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
		scanner_flushed(pt);
		e->translated = false;
	}
	e->flush_tb = false;
}

int emu_partition_watch_vmm_writes(struct emu_partition *pt, int uffd)
{
	struct emu_engine *e = &pt->eng;
	int rc = 0;

	engine_acquire(pt, NULL);
	if (e->vmm_cw) {
		close(uffd);
		rc = -EEXIST;
	} else {
		rc = codewatch_adopt(uffd, &e->vmm_cw);
	}
	engine_release(pt);
	return rc;
}
