/* SPDX-License-Identifier: MIT */
/*
 * Unicorn 2.1.0-2.1.2 never allocate the code buffer's one region at
 * start-up (qemu/tcg/tcg.c tcg_region_init leaves region.current at 0;
 * fixed in 2.1.3, commit 2128e01e). The first time the buffer fills,
 * tcg_tb_alloc then "allocates" region 0: it zeroes the buffer and starts
 * again at its beginning while every block translated so far stays in the
 * lookup tables, so a later lookup runs another block's code or zeroes.
 *
 * A flush allocates the region, but on these versions it also zeroes the
 * whole buffer (7 ms for 32 MiB; 0.5 s in User-Mode Linux), which turned
 * partition creation from 0.35 ms into 11 ms. So the allocation is
 * recorded directly: region.current = 1, what tcg_region_alloc__locked
 * leaves behind. The TCGContext is found from the engine (uc->tcg_ctx is
 * one of its words) by what it holds about the buffer just mapped at buf:
 * code_gen_prologue = initial_buffer = buf, initial_buffer_size = the
 * size, code_gen_epilogue and code_gen_buffer just past the prologue; and
 * its region by start = code_gen_buffer, start_aligned = the next page,
 * n = 1, current = 0. Memory is read and written through /proc/self/mem,
 * so a wrong guess reads nothing it should not and nothing is written
 * unless exactly one place matches. Otherwise the caller flushes.
 */
#include "tcg_region.h"

#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTX_HEAD_SCAN 512	   /* code_gen_prologue lies ~150 bytes in */
#define CTX_SCAN      (256u << 10) /* TCGContext is ~40 KiB in 2.1.1 */

static uint64_t word(const uint8_t *p, size_t o)
{
	uint64_t v;

	memcpy(&v, p + o, sizeof v);
	return v;
}

bool tcg_region_needs_fix(void)
{
	unsigned v = uc_version(NULL, NULL) >> 8; /* 0xMMmmpp */

	return v >= 0x020100 && v < 0x020103;
}

/* Offset in p[0..n) of code_gen_prologue, or -1 (none or ambiguous). */
static long find_head(const uint8_t *p, size_t n, uint64_t buf, uint64_t size, uint64_t page)
{
	long at = -1;

	for (size_t o = 0; o + 6 * 8 <= n; o += 8) {
		uint64_t epi = word(p, o + 8), gen = word(p, o + 16);
		if (word(p, o) != buf || epi <= buf || epi >= buf + page || gen <= buf ||
		    gen >= buf + page || word(p, o + 24) != buf || word(p, o + 32) != size ||
		    word(p, o + 40) > size || word(p, o + 40) + page < size)
			continue;
		if (at >= 0)
			return -1;
		at = (long)o;
	}
	return at;
}

/* Offset in p[0..n) of region.current, or -1 (none or ambiguous). */
static long find_current(const uint8_t *p, size_t n, uint64_t gen, uint64_t buf, uint64_t page)
{
	long at = -1;

	for (size_t o = 0; o + 8 * 8 <= n; o += 8) {
		if (word(p, o) != gen || word(p, o + 8) != buf + page || word(p, o + 24) != 1 ||
		    word(p, o + 48) != 0)
			continue;
		if (at >= 0)
			return -1;
		at = (long)o + 48;
	}
	return at;
}

bool tcg_region_fix(uc_engine *uc, uintptr_t buf, size_t size)
{
	size_t n = malloc_usable_size(uc), page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *self = malloc(n), *scan = malloc(CTX_SCAN), head[CTX_HEAD_SCAN];
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	uint64_t ctx = 0, gen = 0;
	bool done = false;

	if (!self || !scan || fd < 0)
		goto out;
	memcpy(self, uc, n);
	for (size_t o = 0; o + 8 <= n; o += 8) {
		uint64_t w = word(self, o);
		if (!w || (w & 7) || w == ctx ||
		    pread(fd, head, sizeof head, (off_t)w) != (ssize_t)sizeof head)
			continue;
		long h = find_head(head, sizeof head, buf, size, page);
		if (h < 0)
			continue;
		if (ctx)
			goto out; /* two engines' worth: not sure which */
		ctx = w;
		gen = word(head, (size_t)h + 16);
	}
	if (!ctx)
		goto out;
	/* Only the context itself: a freed one of an earlier engine may lie
	 * beyond it, with the same buffer address. ctx is the start of a
	 * heap block (it held what only a TCGContext holds). */
	size_t len = malloc_usable_size((void *)(uintptr_t)ctx);
	if (len > CTX_SCAN)
		len = CTX_SCAN;
	ssize_t got = pread(fd, scan, len, (off_t)ctx);
	if (got < (ssize_t)CTX_HEAD_SCAN)
		goto out;
	long cur = find_current(scan, (size_t)got, gen, buf, page);
	if (cur < 0)
		goto out;
	uint64_t one = 1;
	done = pwrite(fd, &one, sizeof one, (off_t)(ctx + (uint64_t)cur)) == (ssize_t)sizeof one;
out:
	if (fd >= 0)
		close(fd);
	free(self);
	free(scan);
	return done;
}
