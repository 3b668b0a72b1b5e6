/* SPDX-License-Identifier: MIT */
/* The set of nonzero 64-bit keys (u64set.h). */
#include "u64set.h"

#include <stdlib.h>
#include <string.h>

static size_t home(uint64_t key, size_t cap)
{
	/* Fibonacci hashing: page-aligned keys spread as well as others. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static size_t find(const struct u64set *s, uint64_t key)
{
	size_t i = home(key, s->cap);

	while (s->slot[i] && s->slot[i] != key)
		i = (i + 1) & (s->cap - 1);
	return i;
}

bool u64set_init(struct u64set *s, size_t cap)
{
	s->cap = cap;
	s->n = 0;
	s->slot = calloc(cap, sizeof *s->slot);
	return s->slot != NULL;
}

void u64set_fini(struct u64set *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}

bool u64set_has(const struct u64set *s, uint64_t key)
{
	return key && s->slot[find(s, key)] == key;
}

static bool grow(struct u64set *s)
{
	size_t cap = s->cap * 2;
	uint64_t *n = calloc(cap, sizeof *n);

	if (!n)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->slot[i])
			continue;
		size_t j = home(s->slot[i], cap);
		while (n[j])
			j = (j + 1) & (cap - 1);
		n[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = n;
	s->cap = cap;
	return true;
}

bool u64set_add(struct u64set *s, uint64_t key)
{
	if (!key)
		return false;
	size_t i = find(s, key);
	if (s->slot[i])
		return true;
	if ((s->n + 1) * 2 > s->cap) {
		if (!grow(s))
			return false;
		i = find(s, key);
	}
	s->slot[i] = key;
	s->n++;
	return true;
}

/* Empties slot i, moving back the entries of its probe run that would
 * otherwise become unreachable. */
static void del_at(struct u64set *s, size_t i)
{
	size_t mask = s->cap - 1;

	for (size_t j = (i + 1) & mask; s->slot[j]; j = (j + 1) & mask) {
		size_t h = home(s->slot[j], s->cap);
		/* j stays unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stays) {
			s->slot[i] = s->slot[j];
			i = j;
		}
	}
	s->slot[i] = 0;
	s->n--;
}

bool u64set_del(struct u64set *s, uint64_t key)
{
	if (!key)
		return false;
	size_t i = find(s, key);
	if (!s->slot[i])
		return false;
	del_at(s, i);
	return true;
}

void u64set_del_range(struct u64set *s, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < s->cap;) {
		uint64_t k = s->slot[i];
		if (k && k >= lo && k < hi)
			del_at(s, i);	/* slot i may be refilled: look again */
		else
			i++;
	}
}

void u64set_clear(struct u64set *s)
{
	memset(s->slot, 0, s->cap * sizeof *s->slot);
	s->n = 0;
}
