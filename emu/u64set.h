/* SPDX-License-Identifier: MIT */
/* A set of nonzero 64-bit keys (emu/u64set.c): open addressing with
 * linear probing and backward-shift deletion, grown at half full. Used for
 * the scanner's hooked sites and the write watch's pages. Not locked. */
#ifndef MSHV_EMU_U64SET_H
#define MSHV_EMU_U64SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64set {
	uint64_t *slot;		/* 0 = free */
	size_t cap, n;		/* cap: a power of two */
};

/* false: no memory */
bool u64set_init(struct u64set *s, size_t cap);
void u64set_fini(struct u64set *s);
bool u64set_has(const struct u64set *s, uint64_t key);
/* true if key is in the set afterwards (false: no memory to grow) */
bool u64set_add(struct u64set *s, uint64_t key);
/* true if key was there */
bool u64set_del(struct u64set *s, uint64_t key);
/* Drops every key in [lo, hi). */
void u64set_del_range(struct u64set *s, uint64_t lo, uint64_t hi);
void u64set_clear(struct u64set *s);

#endif
