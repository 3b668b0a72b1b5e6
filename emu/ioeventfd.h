/* SPDX-License-Identifier: MIT */
#ifndef MSHV_EMU_IOEVENTFD_H
#define MSHV_EMU_IOEVENTFD_H

#include "util.h"

struct emu_partition;
struct emu_vp;

/* ioeventfd.c: MSHV_IOEVENTFD (MMIO only). */
struct emu_ioeventfd {
	uint64_t addr, datamatch;
	uint32_t len;		/* 0 = any access size */
	bool wildcard;		/* no DATAMATCH: any value */
	int fd;			/* own duplicate of the VMM's eventfd */
};
void ioeventfd_init(struct emu_partition *pt);
void ioeventfd_fini(struct emu_partition *pt);
/* Does a write of size bytes of value at gpa trigger e? */
bool ioeventfd_matches(const struct emu_ioeventfd *e, uint64_t gpa,
		       unsigned size, uint64_t value);
/* Run loop, after an EXIT_MEM: if the exit is an unmapped plain MOV store
 * that matches ioeventfds, signals them, moves RIP past the instruction
 * and returns true (the guest continues, no exit). */
bool ioeventfd_absorb(struct emu_vp *vp);

#endif
