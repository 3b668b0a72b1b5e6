/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical memory map. Regions are the VMM's own pages, handed to
 * Unicorn by pointer (uc_mem_map_ptr), so guest and VMM see the same bytes
 * and multi-GiB regions cost nothing up front. The region array is only
 * changed with the partition's engine held, which is also what every reader
 * (hooks, hypercalls) holds.
 */
#include "util.h"
#include "emu_limits.h"
#include "memory.h"
#include "engine.h"
#include "partition.h"
#include "lapic.h"
#include "codewatch.h"
#include "dirty.h"
#include "svm.h"
#include "codewatch.h"

#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

const struct emu_region *mem_find(struct emu_partition *pt, uint64_t gpa)
{
	for (size_t i = 0; i < pt->nregions; i++) {
		const struct emu_region *r = &pt->regions[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *mem_host(struct emu_partition *pt, uint64_t gpa, uint64_t len, bool write)
{
	const struct emu_region *r = mem_find(pt, gpa);

	if (!r || r->lost || len > r->size - (gpa - r->gpa))
		return NULL;
	if (write && !(r->flags & EMU_MEM_WRITABLE))
		return NULL;
	if (write)
		dirty_note_write(pt, gpa, len);
	return (uint8_t *)r->host + (gpa - r->gpa);
}

/* Copies that may span regions, page by page. */
int mem_read_phys(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct emu_partition *pt = opaque;
	uint8_t *d = buf;

	/* A page-table entry (every level of a page walk): fixed-size copies
	 * the compiler inlines; a call to memcpy cost an IO exit 13 % of its
	 * time (bench-exits). */
	if ((len == 8 || len == 4) && (gpa & (len - 1)) == 0) {
		const void *s = mem_host(pt, gpa, len, false);
		if (!s)
			return -1;
		if (len == 8) {
			uint64_t v;
			memcpy(&v, s, 8);
			memcpy(d, &v, 8);
		} else {
			uint32_t v;
			memcpy(&v, s, 4);
			memcpy(d, &v, 4);
		}
		return 0;
	}
	while (len) {
		size_t n = EMU_PAGE - (gpa & (EMU_PAGE - 1));
		if (n > len)
			n = len;
		const void *s = mem_host(pt, gpa, n, false);
		if (!s)
			return -1;
		memcpy(d, s, n);
		d += n, gpa += n, len -= n;
	}
	return 0;
}

int mem_write_phys(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct emu_partition *pt = opaque;
	const uint8_t *s = buf;

	while (len) {
		size_t n = EMU_PAGE - (gpa & (EMU_PAGE - 1));
		if (n > len)
			n = len;
		void *d = mem_host(pt, gpa, n, false);
		if (!d)
			return -1;
		memcpy(d, s, n);
		dirty_note_write(pt, gpa, n);
		s += n, gpa += n, len -= n;
	}
	return 0;
}

int mem_map_engine(struct emu_partition *pt, const struct emu_region *r)
{
	uint32_t perms = UC_PROT_READ;

	if (r->flags & EMU_MEM_WRITABLE)
		perms |= UC_PROT_WRITE;
	if (r->flags & EMU_MEM_EXECUTABLE)
		perms |= UC_PROT_EXEC;
	/* The VMM's RAM wins over the xAPIC page. */
	lapic_mmio_yield(pt, r->gpa, r->size);
	uc_err err = uc_mem_map_ptr(pt->eng.uc, r->gpa, r->size, perms, r->host);
	if (err == UC_ERR_NOMEM)
		return -ENOMEM;
	return err == UC_ERR_OK ? 0 : -EINVAL;
}

/* Room for n more pieces (engine held). */
int mem_reserve(struct emu_partition *pt, size_t n)
{
	if (pt->nregions + n > EMU_MAX_ENGINE_REGIONS)
		return -ENOMEM;
	if (pt->nregions + n > pt->capregions) {
		size_t cap = pt->capregions ? pt->capregions * 2 : 8;
		while (cap < pt->nregions + n)
			cap *= 2;
		struct emu_region *r = realloc(pt->regions, cap * sizeof *r);
		if (!r)
			return -ENOMEM;
		pt->regions = r;
		pt->capregions = cap;
	}
	return 0;
}

/* Guest physical addresses the engine can represent (x86-64: 52 bits). */
#define EMU_GPA_LIMIT (1ull << 52)

int emu_map_gpa(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		void *host, unsigned flags)
{
	return emu_map_guest(pt, gfn, size, host, (uintptr_t)host, flags);
}

int emu_map_guest(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		  void *host, uint64_t key, unsigned flags)
{
	uint64_t gpa = gfn << 12;
	int rc;

	if (size == 0 || (size & (EMU_PAGE - 1)) || ((uintptr_t)host & (EMU_PAGE - 1)))
		return -EINVAL;
	if (gfn >= (EMU_GPA_LIMIT >> 12) || size > EMU_GPA_LIMIT - gpa)
		return -EINVAL;
	engine_acquire(pt, NULL);
	/* The SVM engine's host-only area is no place for a slot. */
	if (!svm_gpa_ok(pt, gpa, size)) {
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < pt->nregions; i++) {
		const struct emu_region *r = &pt->regions[i];
		if (gpa < r->gpa + r->size && r->gpa < gpa + size) {
			rc = -EEXIST;
			goto out;
		}
	}
	/* The kernel's vzalloc of a region failing (emu_limits.h). */
	if (pt->nregs >= EMU_MAX_REGIONS || (rc = mem_reserve(pt, 1))) {
		rc = -ENOMEM;
		goto out;
	}
	struct emu_region *r = &pt->regions[pt->nregions];
	*r = (struct emu_region){ .gpa = gpa, .size = size, .host = host, .flags = flags,
				  .reg_gpa = gpa, .reg_size = size, .reg_key = key,
				  .reg_host = host };
	rc = mem_map_engine(pt, r);
	if (rc == 0 && dirty_region_added(pt, gpa, size)) {
		uc_mem_unmap(pt->eng.uc, r->gpa, r->size);
		lapic_mmio_sync(pt);
		rc = -ENOMEM;
	} else if (rc == 0) {
		pt->nregions++;	/* new memory: no translation can refer to it */
		pt->nregs++;
		if (svm_npt_sync(pt)) {
			/* No room in the nested tables: undo. */
			dirty_region_removed(pt, gpa);
			uc_mem_unmap(pt->eng.uc, r->gpa, r->size);
			pt->nregions--;
			pt->nregs--;
			lapic_mmio_sync(pt);
			rc = -ENOMEM;
		} else {
			hostmem_sync(pt);
		}
	} else {
		lapic_mmio_sync(pt);
	}
out:
	engine_release(pt);
	return rc;
}

/* Drops piece i (engine held): the engine's mapping and the core's pages. */
void mem_drop_piece(struct emu_partition *pt, size_t i)
{
	struct emu_region *r = &pt->regions[i];

	if (!r->lost)
		uc_mem_unmap(pt->eng.uc, r->gpa, r->size);
	if (r->owned)
		syscall(SYS_munmap, r->host, (size_t)r->size);
	pt->regions[i] = pt->regions[--pt->nregions];
}

/* Translations and cached host pointers may refer to pieces that changed;
 * the SVM engine's nested tables mirror the pieces. */
void mem_changed(struct emu_partition *pt)
{
	lapic_mmio_sync(pt);
	svm_npt_sync(pt);
	pt->eng.flush_tb = true;
	if (pt->eng.cw)
		codewatch_reset(pt->eng.cw);
	if (pt->eng.vmm_cw)
		codewatch_reset(pt->eng.vmm_cw);
}

int emu_unmap_gpa(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		  void *host)
{
	return emu_unmap_guest(pt, gfn, size, (uintptr_t)host, NULL);
}

/* As mshv_unmap_user_memory(): the region holding the GFN (ENOENT if
 * none) must be named exactly, size and caller address (EINVAL). */
int emu_unmap_guest(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		    uint64_t key, void **host)
{
	uint64_t gpa = gfn << 12;
	const struct emu_region *r;
	int rc = 0;

	engine_acquire(pt, NULL);
	r = mem_find(pt, gpa);
	if (!r) {
		rc = -ENOENT;
	} else if (r->reg_gpa != gpa || r->reg_size != size || r->reg_key != key) {
		rc = -EINVAL;
	} else {
		if (host)
			*host = r->reg_host;
		for (size_t i = 0; i < pt->nregions;)
			if (pt->regions[i].reg_gpa == gpa)
				mem_drop_piece(pt, i);
			else
				i++;
		pt->nregs--;
		dirty_region_removed(pt, gpa);
		mem_changed(pt);
		hostmem_sync(pt);
	}
	engine_release(pt);
	return rc;
}

/* Partition teardown: the pages the core kept for the guest. */
void mem_fini(struct emu_partition *pt)
{
	for (size_t i = 0; i < pt->nregions; i++)
		if (pt->regions[i].owned)
			syscall(SYS_munmap, pt->regions[i].host, (size_t)pt->regions[i].size);
	free(pt->regions);
	dirty_fini(pt);
}
