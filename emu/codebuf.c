/* SPDX-License-Identifier: MIT */
/*
 * Keeps each engine's code buffer within call reach of libunicorn.
 *
 * Translated code calls Unicorn's helpers (the block hook that polls
 * kicks, memory slow paths, flag computation). When the code buffer is
 * within +-2 GiB of libunicorn the x86 TCG backend emits a direct call;
 * otherwise it loads the address and calls through a register. Measured
 * on the register loop of bench-guest: 93-101 % of raw Unicorn with the
 * buffer near, 71-73 % with it 2.1 GiB or more away (bench/README.md).
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

#include <unicorn/unicorn.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

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

int codebuf_open(void)
{
	int slot = -1;

	pthread_mutex_lock(&codebuf_lock);
	for (int i = 0; i < CODEBUF_SLOTS && slot < 0; i++) {
		if (codebuf_base && codebuf_held[i] == CODEBUF_ALL) {
			codebuf_held[i] = 0;
			slot = i;
			munmap(codebuf_base + (size_t)i * CODEBUF_SLOT, CODEBUF_SLOT);
		}
	}
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
