/* SPDX-License-Identifier: MIT */
/*
 * Guest memory: the pieces the engine maps (memory.c; emu_map_gpa and
 * emu_unmap_gpa of <mshv-emu/emu.h>), GPA lookups, and memory whose host
 * range the VMM takes away (hostmem.c).
 */
#ifndef MSHV_EMU_MEMORY_H
#define MSHV_EMU_MEMORY_H

#include "util.h"

struct emu_partition;

/* One piece of guest memory as the engine maps it. A registration starts
 * as one piece; when the VMM takes part of its host range away, that part
 * becomes a piece of its own on pages the core keeps (hostmem.c). */
struct emu_region {
	uint64_t gpa, size;
	void *host;		/* what the engine uses; NULL if lost */
	unsigned flags;		/* EMU_MEM_* */
	/* The registration: unmap names it by GPA, size and the caller's own
	 * address (reg_key), as the kernel does; reg_host is what the face
	 * mapped for it, handed back at unmap. */
	uint64_t reg_gpa, reg_size, reg_key;
	void *reg_host;
	bool owned;		/* host is the core's own mapping */
	bool lost;		/* could not be kept: guest access -> -EFAULT */
};

/* memory.c */
const struct emu_region *mem_find(struct emu_partition *pt, uint64_t gpa);
void *mem_host(struct emu_partition *pt, uint64_t gpa, uint64_t len,
	       bool write);
int mem_read_phys(void *pt, uint64_t gpa, void *buf, size_t len);
int mem_write_phys(void *pt, uint64_t gpa, const void *buf, size_t len);
int mem_map_engine(struct emu_partition *pt, const struct emu_region *r);
int mem_reserve(struct emu_partition *pt, size_t n);
void mem_drop_piece(struct emu_partition *pt, size_t i);
void mem_changed(struct emu_partition *pt);
void mem_fini(struct emu_partition *pt);

/* hostmem.c: guest memory whose host range the VMM takes away, and the
 * process-wide partition count. */
int hostmem_add(struct emu_partition *pt);	/* -ENOMEM past the cap */
void hostmem_remove(struct emu_partition *pt);
/* Publishes pt's VMM-backed pieces to emu_host_release (engine held). */
void hostmem_sync(struct emu_partition *pt);

#endif
