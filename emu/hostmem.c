/* SPDX-License-Identifier: MIT */
/*
 * Guest memory whose host range the VMM takes away (emu_host_release).
 *
 * The kernel pins a region's pages at MSHV_SET_GUEST_MEMORY time
 * (mshv_region_pin: pin_user_pages_fast, FOLL_WRITE | FOLL_LONGTERM), so a
 * later munmap, mprotect or MAP_FIXED mmap of the VMM's range changes the
 * VMM's view only; the guest keeps its pages until the region is unmapped.
 * In-process the engine uses the VMM's pointer, so before such a call the
 * affected part of a region becomes a piece of its own whose pages the core
 * keeps:
 *  - the range goes away (munmap, MAP_FIXED): its pages are moved with
 *    mremap to an address the core reserved. Nothing is copied and the
 *    VMM's range ends up unmapped, which is what it asked for.
 *  - the range stays but loses access (mprotect) or moves (mremap): both
 *    views must keep sharing the same pages. A shared mapping gets a second
 *    mapping of its pages (mremap with old_size 0); private memory is copied
 *    into a memfd (zero pages skipped, so untouched memory stays free) that
 *    replaces the VMM's range in place and is mapped again for the guest.
 *    The VMM's own call then applies to its view only.
 * What cannot be kept (no room for another engine region, no memfd) is
 * dropped from the engine and marked lost: a guest access to it makes
 * RUN_VP fail with -EFAULT instead of faulting inside the engine.
 *
 * The process-wide list of VMM ranges backing guest memory lets the
 * interposers answer "nothing to do" with one atomic load in the common
 * case. Lock order: engine, then hm_lock. Every mapping call here is a
 * raw syscall: the interposers must not see the core's own calls.
 */
#define _GNU_SOURCE
#include "util.h"
#include "emu_limits.h"
#include "memory.h"
#include "engine.h"
#include "partition.h"

#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct hm_range {
	uintptr_t start, end;
	struct emu_partition *pt;
};

static pthread_mutex_t hm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_partition *hm_pts[EMU_MAX_PARTITIONS];
static size_t hm_npts;
static struct hm_range *hm_ranges;
static size_t hm_nranges, hm_capranges;
static _Atomic size_t hm_live;		/* hm_nranges, for the fast path */

int hostmem_add(struct emu_partition *pt)
{
	int rc = -ENOMEM;

	pthread_mutex_lock(&hm_lock);
	if (hm_npts < EMU_MAX_PARTITIONS) {
		hm_pts[hm_npts++] = pt;
		rc = 0;
	}
	pthread_mutex_unlock(&hm_lock);
	return rc;
}

static void ranges_drop(struct emu_partition *pt)
{
	for (size_t i = 0; i < hm_nranges;)
		if (hm_ranges[i].pt == pt)
			hm_ranges[i] = hm_ranges[--hm_nranges];
		else
			i++;
}

void hostmem_remove(struct emu_partition *pt)
{
	pthread_mutex_lock(&hm_lock);
	for (size_t i = 0; i < hm_npts; i++)
		if (hm_pts[i] == pt) {
			hm_pts[i] = hm_pts[--hm_npts];
			break;
		}
	ranges_drop(pt);
	atomic_store(&hm_live, hm_nranges);
	pthread_mutex_unlock(&hm_lock);
}

void hostmem_sync(struct emu_partition *pt)
{
	pthread_mutex_lock(&hm_lock);
	ranges_drop(pt);
	for (size_t i = 0; i < pt->nregions; i++) {
		const struct emu_region *r = &pt->regions[i];

		if (r->owned || r->lost)
			continue;
		if (hm_nranges == hm_capranges) {
			size_t cap = hm_capranges ? 2 * hm_capranges : 16;
			struct hm_range *n = realloc(hm_ranges, cap * sizeof *n);
			if (!n)
				break;	/* untracked: as before this file existed */
			hm_ranges = n;
			hm_capranges = cap;
		}
		hm_ranges[hm_nranges++] = (struct hm_range){
			.start = (uintptr_t)r->host,
			.end = (uintptr_t)r->host + r->size, .pt = pt };
	}
	atomic_store(&hm_live, hm_nranges);
	pthread_mutex_unlock(&hm_lock);
}

/* ---- keeping pages --------------------------------------------------- */

static void *raw_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, 0L);
}

static bool page_is_zero(const uint64_t *p)
{
	for (size_t i = 0; i < EMU_PAGE / sizeof *p; i++)
		if (p[i])
			return false;
	return true;
}

/* Both the VMM's range and the returned mapping show the same pages. */
static void *share_pages(uintptr_t a, size_t len)
{
	void *g = (void *)syscall(SYS_mremap, a, 0UL, len, MREMAP_MAYMOVE, NULL);

	if (g != MAP_FAILED)
		return g;	/* a shared mapping: a second view of it */
	int fd = (int)syscall(SYS_memfd_create, "mshv-emu-guest", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)len) ||
	    (g = raw_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	for (size_t off = 0; off < len; off += EMU_PAGE)
		if (!page_is_zero((const uint64_t *)(a + off)))
			memcpy((uint8_t *)g + off, (const void *)(a + off), EMU_PAGE);
	/* The VMM's call that follows sets its view's protection. */
	if (raw_mmap((void *)a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd) ==
	    MAP_FAILED) {
		syscall(SYS_munmap, g, len);
		g = NULL;
	}
	close(fd);
	return g;
}

/* Moves the pages of [a, a + len) away; the VMM's range is left empty. */
static void *move_pages(uintptr_t a, size_t len)
{
	void *p = raw_mmap(NULL, len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);

	if (p == MAP_FAILED)
		return NULL;
	if ((void *)syscall(SYS_mremap, a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, p) == p)
		return p;
	/* Several mappings (mremap takes one): share, then it goes. */
	syscall(SYS_munmap, p, len);
	return share_pages(a, len);
}

/* Maps piece i in the engine, or marks it lost. */
static void piece_map(struct emu_partition *pt, size_t i)
{
	struct emu_region *r = &pt->regions[i];

	if (!r->lost && mem_map_engine(pt, r)) {
		if (r->owned)
			syscall(SYS_munmap, r->host, (size_t)r->size);
		r->owned = false;
		r->lost = true;
	}
}

/*
 * Keeps the guest's pages of [ds, de), part of piece i. With room for two
 * more pieces the part becomes a piece of its own; without, the whole
 * piece is shared instead (its other pages stay the VMM's too).
 */
static void keep_piece(struct emu_partition *pt, size_t i, uintptr_t ds, uintptr_t de,
		       unsigned how)
{
	struct emu_region *r = &pt->regions[i];
	uintptr_t s = (uintptr_t)r->host, e = s + r->size;
	size_t extra = (ds > s) + (de < e);

	if (extra && mem_reserve(pt, extra)) {
		ds = s, de = e, extra = 0;
		how &= ~EMU_HOST_GONE;
	}
	r = &pt->regions[i];	/* mem_reserve may have moved the array */
	void *keep = (how & EMU_HOST_GONE) ? move_pages(ds, de - ds) : share_pages(ds, de - ds);

	uc_mem_unmap(pt->eng.uc, r->gpa, r->size);
	struct emu_region whole = *r, *mid = r;
	if (ds > s) {
		pt->regions[pt->nregions] = whole;
		pt->regions[pt->nregions].size = ds - s;
		piece_map(pt, pt->nregions++);
	}
	if (de < e) {
		pt->regions[pt->nregions] = whole;
		pt->regions[pt->nregions].gpa = whole.gpa + (de - s);
		pt->regions[pt->nregions].size = e - de;
		pt->regions[pt->nregions].host = (void *)de;
		piece_map(pt, pt->nregions++);
	}
	mid = &pt->regions[i];
	mid->gpa = whole.gpa + (ds - s);
	mid->size = de - ds;
	mid->host = keep;
	mid->owned = keep != NULL;
	mid->lost = keep == NULL;
	piece_map(pt, i);
}

static bool get_unless_zero(struct emu_partition *pt)
{
	int n = atomic_load(&pt->refs);

	while (n > 0)
		if (atomic_compare_exchange_weak(&pt->refs, &n, n + 1))
			return true;
	return false;
}

void emu_host_release(void *addr, size_t len, unsigned how)
{
	struct emu_partition *pts[EMU_MAX_PARTITIONS];
	size_t npts = 0;
	uintptr_t a = (uintptr_t)addr & ~(uintptr_t)(EMU_PAGE - 1), b;

	if (!len || atomic_load_explicit(&hm_live, memory_order_acquire) == 0)
		return;
	b = (uintptr_t)addr + len;
	b = b < (uintptr_t)addr ? UINTPTR_MAX & ~(uintptr_t)(EMU_PAGE - 1)
				: (b + EMU_PAGE - 1) & ~(uintptr_t)(EMU_PAGE - 1);
	pthread_mutex_lock(&hm_lock);
	for (size_t i = 0; i < hm_nranges; i++) {
		const struct hm_range *h = &hm_ranges[i];
		size_t k;

		if (h->end <= a || b <= h->start)
			continue;
		for (k = 0; k < npts && pts[k] != h->pt; k++)
			;
		if (k == npts && get_unless_zero(h->pt))
			pts[npts++] = h->pt;
	}
	pthread_mutex_unlock(&hm_lock);

	for (size_t k = 0; k < npts; k++) {
		struct emu_partition *pt = pts[k];
		bool changed = false;

		engine_acquire(pt, NULL);
		/* Pieces appended by keep_piece lie outside [a, b). */
		for (size_t i = 0; i < pt->nregions; i++) {
			const struct emu_region *r = &pt->regions[i];
			uintptr_t s = (uintptr_t)r->host, e = s + r->size;

			if (r->owned || r->lost || e <= a || b <= s)
				continue;
			if ((how & EMU_HOST_WRITE_ONLY) && !(r->flags & EMU_MEM_WRITABLE))
				continue;
			keep_piece(pt, i, s > a ? s : a, e < b ? e : b, how);
			changed = true;
		}
		if (changed) {
			mem_changed(pt);
			hostmem_sync(pt);
		}
		engine_release(pt);
		emu_partition_put(pt);
	}
}
