/* SPDX-License-Identifier: MIT */
/*
 * Accessed/dirty tracking of guest-physical pages (dirty.h).
 *
 * Why write-protect-and-fault and not the nested tables' A/D bits: the
 * engine's nested walk (Unicorn 2.1.1 qemu/target/i386/excp_helper.c
 * get_hphys) sets the accessed bit only in the upper levels and never sets
 * a leaf's accessed or dirty bit, so the hardware-style bits would say
 * nothing. Instead a page whose bit is clear is mapped more tightly in the
 * nested tables, and its first access after the clear exits with a nested
 * page fault that dirty_npf resolves without leaving the run loop. The
 * VMM's own writes through its mapping never reach the engine, so they do
 * not count, as on Hyper-V.
 */
#include "util.h"
#include "memory.h"
#include "engine.h"
#include "partition.h"
#include "dirty.h"
#include "svm.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <stdlib.h>
#include <string.h>

/* One registration's bits: na = not accessed, nd = not dirty. Zero is the
 * state of a page the guest may have used, so a new bitmap costs nothing
 * until a bit is cleared (calloc of a large size maps fresh zero pages). */
struct dirty_span {
	uint64_t gpa, npages;
	uint64_t *na, *nd;
};

struct dirty_log {
	struct dirty_span *s;
	size_t n, cap;
};

static bool bit(const uint64_t *b, uint64_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

static void put_bit(uint64_t *b, uint64_t i, bool v)
{
	if (v)
		b[i / 64] |= 1ull << (i % 64);
	else
		b[i / 64] &= ~(1ull << (i % 64));
}

/* Whether bits [i, i + n) all equal bit i. */
static bool bits_uniform(const uint64_t *b, uint64_t i, uint64_t n)
{
	bool v = bit(b, i);
	uint64_t want = v ? ~0ull : 0;

	while (n && i % 64) {
		if (bit(b, i) != v)
			return false;
		i++, n--;
	}
	for (; n >= 64; i += 64, n -= 64)
		if (b[i / 64] != want)
			return false;
	for (; n; i++, n--)
		if (bit(b, i) != v)
			return false;
	return true;
}

static struct dirty_span *span_of(struct emu_partition *pt, uint64_t gpa)
{
	struct dirty_log *d = pt->dlog;

	for (size_t i = 0; d && i < d->n; i++)
		if (gpa - d->s[i].gpa < d->s[i].npages * EMU_PAGE)
			return &d->s[i];
	return NULL;
}

bool dirty_tracking(struct emu_partition *pt)
{
	return pt->dlog != NULL;
}

int dirty_region_added(struct emu_partition *pt, uint64_t gpa, uint64_t size)
{
	struct dirty_log *d = pt->dlog;

	if (!d)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct dirty_span *s = realloc(d->s, cap * sizeof *s);
		if (!s)
			return -ENOMEM;
		d->s = s, d->cap = cap;
	}
	uint64_t np = size / EMU_PAGE, words = (np + 63) / 64;
	struct dirty_span sp = { gpa, np, calloc(words, 8), calloc(words, 8) };
	if (!sp.na || !sp.nd) {
		free(sp.na);
		free(sp.nd);
		return -ENOMEM;
	}
	d->s[d->n++] = sp;
	return 0;
}

void dirty_region_removed(struct emu_partition *pt, uint64_t gpa)
{
	struct dirty_log *d = pt->dlog;

	for (size_t i = 0; d && i < d->n; i++) {
		if (d->s[i].gpa != gpa)
			continue;
		free(d->s[i].na);
		free(d->s[i].nd);
		d->s[i] = d->s[--d->n];
		return;
	}
}

void dirty_fini(struct emu_partition *pt)
{
	struct dirty_log *d = pt->dlog;

	if (!d)
		return;
	while (d->n)
		dirty_region_removed(pt, d->s[0].gpa);
	free(d->s);
	free(d);
	pt->dlog = NULL;
}

/* Every registration once (pieces share their registration's reg_gpa). */
static int add_all(struct emu_partition *pt)
{
	for (size_t i = 0; i < pt->nregions; i++) {
		const struct emu_region *r = &pt->regions[i];
		if (span_of(pt, r->reg_gpa))
			continue;
		int rc = dirty_region_added(pt, r->reg_gpa, r->reg_size);
		if (rc)
			return rc;
	}
	return 0;
}

int dirty_set_tracking(struct emu_partition *pt, bool on)
{
	int rc = 0;

	engine_acquire(pt, NULL);
	if (on && !pt->dlog) {
		pt->dlog = calloc(1, sizeof *pt->dlog);
		rc = pt->dlog ? add_all(pt) : -ENOMEM;
		if (rc)
			dirty_fini(pt);
		/* All pages start accessed and dirty: the tables stay open. */
	} else if (!on && pt->dlog) {
		/* Pages still closed open again. */
		dirty_fini(pt);
		pt->eng.npt_stale = true;
	}
	engine_release(pt);
	return rc;
}

static unsigned page_state(const struct dirty_span *s, uint64_t i)
{
	return (bit(s->na, i) ? 0 : DIRTY_STATE_ACCESSED) | (bit(s->nd, i) ? 0 : DIRTY_STATE_DIRTY);
}

unsigned dirty_range_state(struct emu_partition *pt, uint64_t gpa, uint64_t size,
			   bool *uniform)
{
	const struct dirty_span *s = span_of(pt, gpa);

	*uniform = true;
	if (!s)
		return DIRTY_STATE_ACCESSED | DIRTY_STATE_DIRTY;
	uint64_t i = (gpa - s->gpa) / EMU_PAGE, n = size / EMU_PAGE;
	if (n > s->npages - i)
		n = s->npages - i;
	*uniform = bits_uniform(s->na, i, n) && bits_uniform(s->nd, i, n);
	return page_state(s, i);
}

/* One hypercall's worth (engine held). */
static uint16_t states_locked(struct emu_partition *pt, uint64_t gfn, uint32_t n, uint64_t flags,
			      uint8_t *states)
{
	const uint64_t known = DIRTY_CLEAR_ACCESSED | DIRTY_SET_ACCESSED | DIRTY_CLEAR_DIRTY |
			       DIRTY_SET_DIRTY;

	if ((flags & ~known) ||
	    (flags & (DIRTY_CLEAR_ACCESSED | DIRTY_SET_ACCESSED)) ==
		    (DIRTY_CLEAR_ACCESSED | DIRTY_SET_ACCESSED) ||
	    (flags & (DIRTY_CLEAR_DIRTY | DIRTY_SET_DIRTY)) == (DIRTY_CLEAR_DIRTY | DIRTY_SET_DIRTY))
		return HV_STATUS_INVALID_PARAMETER;
	if (gfn >= (1ull << 40) || n > (1ull << 40) - gfn)
		return HV_STATUS_INVALID_PARAMETER;
	if (!pt->dlog)
		return HV_STATUS_INVALID_PARTITION_STATE;
	struct dirty_span *s = NULL;
	bool changed = false;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t gpa = (gfn + k) * EMU_PAGE;
		if (!s || gpa - s->gpa >= s->npages * EMU_PAGE)
			s = span_of(pt, gpa);
		if (!s) {
			states[k] = 0;	/* no memory there: never used */
			continue;
		}
		uint64_t i = (gpa - s->gpa) / EMU_PAGE;
		unsigned st = page_state(s, i), now = st;
		states[k] = (uint8_t)st;
		if (flags & DIRTY_CLEAR_ACCESSED)
			now &= ~DIRTY_STATE_ACCESSED;
		if (flags & DIRTY_SET_ACCESSED)
			now |= DIRTY_STATE_ACCESSED;
		if (flags & DIRTY_CLEAR_DIRTY)
			now &= ~DIRTY_STATE_DIRTY;
		if (flags & DIRTY_SET_DIRTY)
			now |= DIRTY_STATE_DIRTY;
		if (now != st) {
			put_bit(s->na, i, !(now & DIRTY_STATE_ACCESSED));
			put_bit(s->nd, i, !(now & DIRTY_STATE_DIRTY));
			changed = true;
		}
	}
	/* The nested tables follow before the next guest entry: once for a
	 * whole run of calls. */
	if (changed)
		pt->eng.npt_stale = true;
	return HV_STATUS_SUCCESS;
}

uint16_t dirty_get_states(struct emu_partition *pt, uint64_t gfn, uint32_t n,
			  uint64_t flags, uint8_t *states, uint32_t *done)
{
	engine_acquire(pt, NULL);
	uint16_t st = states_locked(pt, gfn, n, flags, states);
	engine_release(pt);
	*done = st == HV_STATUS_SUCCESS ? n : 0;
	return st;
}

/* The kernel asks 4095 pages per hypercall and rust-vmm 65,536 per ioctl:
 * taking the engine from a running VP once per hypercall cost a boot with
 * a 10 ms dirty log more than the log itself, so one ioctl takes it once. */
uint16_t emu_gpa_access_bitmap(struct emu_partition *pt, uint64_t gfn, uint32_t count,
			       uint32_t batch, uint64_t flags, unsigned mask, uint8_t *bitmap)
{
	uint8_t states[EMU_HVCALL_PAGE];
	uint16_t st = HV_STATUS_SUCCESS;

	if (!batch || batch > sizeof states)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	engine_acquire(pt, NULL);
	for (uint32_t done = 0; done < count && st == HV_STATUS_SUCCESS;) {
		uint32_t n = count - done < batch ? count - done : batch;
		st = states_locked(pt, gfn + done, n, flags, states);
		for (uint32_t i = 0; st == HV_STATUS_SUCCESS && i < n; i++)
			if (states[i] & mask)
				bitmap[(done + i) / 8] |= (uint8_t)(1u << ((done + i) % 8));
		done += n;
	}
	engine_release(pt);
	return st;
}

void dirty_forget(struct emu_partition *pt)
{
	struct dirty_log *d = pt->dlog;

	for (size_t i = 0; d && i < d->n; i++) {
		memset(d->s[i].na, 0, (d->s[i].npages + 63) / 64 * 8);
		memset(d->s[i].nd, 0, (d->s[i].npages + 63) / 64 * 8);
	}
}

void dirty_note_write(struct emu_partition *pt, uint64_t gpa, uint64_t len)
{
	if (!pt->dlog || !len)
		return;
	for (uint64_t p = gpa & ~(EMU_PAGE - 1); p < gpa + len; p += EMU_PAGE) {
		struct dirty_span *s = span_of(pt, p);
		if (!s)
			continue;
		uint64_t i = (p - s->gpa) / EMU_PAGE;
		if (page_state(s, i) == (DIRTY_STATE_ACCESSED | DIRTY_STATE_DIRTY))
			continue;
		put_bit(s->na, i, false);
		put_bit(s->nd, i, false);
		/* The nested entry follows the bits (dirty_npf tells a closed
		 * page from the slot's own protection by them). */
		const struct emu_region *r = mem_find(pt, p);
		if (r && svm_npt_page(pt, r, p)) {
			dirty_forget(pt);
			pt->eng.npt_stale = true;
		}
	}
}

/* The fault's access type is not needed (reading it would cost a context
 * save per fault): a page not accessed faults on any access and opens for
 * reading first; a page accessed but not dirty in a writable slot can
 * only have faulted on a write. A write to a page not yet accessed so
 * takes two faults. An instruction fetch from a non-executable slot's
 * page that is accessed but clean reads as a write once (marked dirty,
 * then the next fault is the VMM's intercept): a dirty log may say more. */
bool dirty_npf(struct emu_partition *pt, const struct emu_region *r, uint64_t gpa)
{
	struct dirty_span *s = span_of(pt, gpa);

	if (!s || r->lost)
		return false;
	uint64_t i = (gpa - s->gpa) / EMU_PAGE;
	unsigned st = page_state(s, i);
	if (!(st & DIRTY_STATE_ACCESSED))
		put_bit(s->na, i, false);
	else if (!(st & DIRTY_STATE_DIRTY) && (r->flags & EMU_MEM_WRITABLE))
		put_bit(s->nd, i, false);
	else
		return false;	/* not ours: the slot's own protection */
	if (svm_npt_page(pt, r, gpa)) {
		dirty_forget(pt);
		pt->eng.npt_stale = true;
	}
	return true;
}
