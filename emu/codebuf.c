/* SPDX-License-Identifier: MIT */
/*
 * Keeps each engine's code buffer within call reach of libunicorn.
 *
 * Translated code calls Unicorn's helpers (memory slow paths, flag
 * computation, the scanner's site hook). When the code buffer is within
 * +-2 GiB of libunicorn the x86 TCG backend emits a direct call; otherwise
 * it loads the address and calls through a register. Measured on the
 * register loop of bench-guest while a hook polled kicks in every block
 * (until 2026-12-04): 93-101 % of raw Unicorn with the buffer near, 71-73 %
 * with it 2.1 GiB or more away (bench/README.md).
 *
 * Unicorn maps the buffer itself, with mmap(NULL, ...) when the engine is
 * initialised, and the kernel puts it in the highest free gap that fits.
 * At start-up the gaps below the libraries are near; once a process has
 * mapped a few GiB (guest RAM, other engines) they are gone. So at load
 * this file reserves a few slots of address space just below the
 * libraries (PROT_NONE, no memory behind them), and an engine about to be
 * initialised unmaps one slot: that hole is then the highest gap that
 * fits, and Unicorn's buffer lands in it. Each slot is twice the buffer,
 * since Unicorn maps smaller things before the buffer. Another thread
 * mapping memory at the same moment may take the hole first: the engine
 * is then merely slower, never wrong.
 */
#include "codebuf.h"
#include "tcg_region.h"

#include <unicorn/unicorn.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CODEBUF_SLOT  (2 * (size_t)EMU_TCG_BUFFER)
#define CODEBUF_SLOTS 4
#define CODEBUF_CHUNK ((size_t)1 << 20)
/* The reservation's farthest byte from uc_open; libunicorn's text is
 * ~12 MiB, so everything in it stays well within 2 GiB. */
#define CODEBUF_REACH ((uintptr_t)1 << 30)

static pthread_mutex_t codebuf_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *codebuf_base;
/* Which 1 MiB chunks of each slot are reserved: a slot can serve an
 * engine when all of them are. */
static uint64_t codebuf_held[CODEBUF_SLOTS];
#define CODEBUF_ALL UINT64_MAX
_Static_assert(CODEBUF_SLOT / CODEBUF_CHUNK == 64, "one bit per chunk");

static uintptr_t distance(uintptr_t a, uintptr_t b)
{
	return a > b ? a - b : b - a;
}

__attribute__((constructor)) static void codebuf_reserve(void)
{
	size_t len = CODEBUF_SLOTS * CODEBUF_SLOT;
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t uc = (uintptr_t)&uc_open;

	if (p == MAP_FAILED)
		return;
	if (distance((uintptr_t)p, uc) > CODEBUF_REACH ||
	    distance((uintptr_t)p + len, uc) > CODEBUF_REACH) {
		munmap(p, len);
		return;
	}
	codebuf_base = p;
	for (int i = 0; i < CODEBUF_SLOTS; i++)
		codebuf_held[i] = CODEBUF_ALL;
}

/* Reserves again every chunk of slot i nobody maps now. */
static void rereserve(int i)
{
	uint8_t *s = codebuf_base + (size_t)i * CODEBUF_SLOT;

	for (unsigned c = 0; c < 64; c++) {
		void *want = s + c * CODEBUF_CHUNK;

		if (codebuf_held[i] & (1ull << c))
			continue;
		void *p = mmap(want, CODEBUF_CHUNK, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
			       -1, 0);

		if (p == want) {
			codebuf_held[i] |= 1ull << c;
			continue;
		}
		/* EEXIST: the engine (or someone) lives there. A kernel
		 * older than 4.17 takes the address as a hint only. */
		if (p != MAP_FAILED)
			munmap(p, CODEBUF_CHUNK);
	}
}

static int open_locked(void)
{
	for (int i = 0; i < CODEBUF_SLOTS; i++) {
		if (codebuf_base && codebuf_held[i] == CODEBUF_ALL) {
			codebuf_held[i] = 0;
			munmap(codebuf_base + (size_t)i * CODEBUF_SLOT, CODEBUF_SLOT);
			return i;
		}
	}
	return -1;
}

int codebuf_open(void)
{
	pthread_mutex_lock(&codebuf_lock);
	int slot = open_locked();
	pthread_mutex_unlock(&codebuf_lock);
	return slot;
}

void codebuf_return(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&codebuf_lock);
	/* A slot another mapping now shares is not used again. */
	rereserve(slot);
	pthread_mutex_unlock(&codebuf_lock);
}

/*
 * The first fill. Unicorn 2.1.0-2.1.2 reuse the buffer without a flush the
 * first time it fills (tcg_region.c). The region is recorded as allocated
 * there, given where the buffer lies; failing that, a flush allocates it,
 * before any guest code (a flush in the middle of a guest's run once broke
 * Linux's code patching, docs/engine.md). Such a flush zeroes the 32 MiB
 * (~7 ms; 0.5 s in User-Mode Linux) and so makes it resident: the zeroed
 * pages are given back (MADV_DONTNEED: they read as zero again), all but
 * the first, which holds TCG's prologue. The buffer is the new rwx memory
 * of its size that initialisation added; engines are initialised one at a
 * time under the lock, so another engine's cannot be mistaken for it. If
 * it cannot be told (no /proc, another JIT mapping at the same moment),
 * the flush's pages stay: memory, never correctness.
 */

struct rwx {
	uintptr_t lo, hi;
};

/* The process's rwx mappings into *out (free it); false if they cannot
 * be read. */
static bool rwx_maps(struct rwx **out, size_t *n)
{
	FILE *f = fopen("/proc/self/maps", "re");
	struct rwx *v = NULL;
	size_t cap = 0;
	char line[512];

	*out = NULL;
	*n = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		char perms[8];

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) != 3 ||
		    strncmp(perms, "rwx", 3))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct rwx *nv = realloc(v, cap * sizeof *v);
			if (!nv) {
				free(v);
				fclose(f);
				*n = 0;
				return false;
			}
			v = nv;
		}
		v[(*n)++] = (struct rwx){ lo, hi };
	}
	fclose(f);
	*out = v;
	return true;
}

/* Whether [lo, hi) can be the rwx part of a new code buffer of size
 * bytes: Unicorn maps exactly size and makes the last page a guard. */
static bool buffer_sized(uintptr_t lo, uintptr_t hi, size_t size, size_t page)
{
	return hi - lo <= size && hi - lo + 2 * page >= size;
}

/* The one range of rwx memory in after that was not in before and has a
 * code buffer's size; false if not exactly one. The kernel merges a new
 * mapping with an adjacent one of the same kind, so a range is compared
 * by what it adds, not by its bounds; and other memory may turn up too (on
 * a kernel where data is executable, as User-Mode Linux's, the heap grows
 * as rwx). Both lists are sorted and disjoint, as /proc/self/maps lists
 * them. */
static bool added(const struct rwx *before, size_t nb, const struct rwx *after, size_t na,
		  size_t size, size_t page, struct rwx *out)
{
	size_t found = 0, j = 0;

	for (size_t i = 0; i < na; i++) {
		uintptr_t at = after[i].lo;

		while (j < nb && before[j].hi <= at)
			j++;
		for (; j < nb && before[j].lo < after[i].hi; j++) {
			if (before[j].lo > at && buffer_sized(at, before[j].lo, size, page) &&
			    found++ == 0)
				*out = (struct rwx){ at, before[j].lo };
			if (before[j].hi > at)
				at = before[j].hi;
		}
		if (at < after[i].hi && buffer_sized(at, after[i].hi, size, page) && found++ == 0)
			*out = (struct rwx){ at, after[i].hi };
	}
	return found == 1;
}

int codebuf_engine_init(uc_engine *uc, uint32_t size, uc_context **ctx, uc_err *err)
{
	struct rwx *before, *after = NULL, buf = { 0, 0 };
	size_t nb, na = 0;

	uc_ctl_set_tcg_buffer_size(uc, size);
	pthread_mutex_lock(&codebuf_lock);
	bool known = rwx_maps(&before, &nb);
	int slot = open_locked();
	*err = uc_context_alloc(uc, ctx); /* initialises: maps the buffer */
	if (slot >= 0)
		rereserve(slot);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	known = known && rwx_maps(&after, &na) && added(before, nb, after, na, size, page, &buf);
	pthread_mutex_unlock(&codebuf_lock);
	free(before);
	free(after);
	if (*err != UC_ERR_OK || !tcg_region_needs_fix() ||
	    (known && tcg_region_fix(uc, buf.lo, size)))
		return slot;
	uc_ctl_flush_tb(uc);
	if (known)
		madvise((void *)(buf.lo + page), buf.hi - buf.lo - page, MADV_DONTNEED);
	return slot;
}
