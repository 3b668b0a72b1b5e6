/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical page access tracking: the accessed and dirty state behind
 * HVCALL_GET_GPA_PAGES_ACCESS_STATES and MSHV_GET_GPAP_ACCESS_BITMAP
 * (docs/abi.md §2.9, docs/design.md "Dirty-page tracking").
 *
 * While the GPA_PAGE_ACCESS_TRACKING property is 1, every registered
 * region has one bit per page for "not accessed" and one for "not dirty"
 * (so a fresh region reads as accessed and dirty without touching a
 * bitmap page). The SVM engine's nested tables follow the bits: a page not
 * accessed is not present, a page not dirty is read-only; the nested page
 * fault that follows sets the bit and opens the page (dirty_npf).
 */
#ifndef MSHV_EMU_DIRTY_H
#define MSHV_EMU_DIRTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_partition;
struct emu_region;

/* Flags of HVCALL_GET_GPA_PAGES_ACCESS_STATES (TLFS; the kernel's
 * union hv_gpa_page_access_state_flags). */
#define DIRTY_CLEAR_ACCESSED 0x1ull
#define DIRTY_SET_ACCESSED 0x2ull
#define DIRTY_CLEAR_DIRTY 0x4ull
#define DIRTY_SET_DIRTY 0x8ull
/* One state byte per page. */
#define DIRTY_STATE_ACCESSED 0x1u
#define DIRTY_STATE_DIRTY 0x2u

/* GPA_PAGE_ACCESS_TRACKING set to on or off (engine not held). */
int dirty_set_tracking(struct emu_partition *pt, bool on);
bool dirty_tracking(struct emu_partition *pt);

/* A registration was added or removed (engine held). */
int dirty_region_added(struct emu_partition *pt, uint64_t gpa, uint64_t size);
void dirty_region_removed(struct emu_partition *pt, uint64_t gpa);
void dirty_fini(struct emu_partition *pt);

/* The hypercall: n states from page gfn, then the flags' changes
 * (engine not held). Returns an HV_STATUS; *done counts pages answered. */
uint16_t dirty_get_states(struct emu_partition *pt, uint64_t gfn, uint32_t n,
			  uint64_t flags, uint8_t *states, uint32_t *done);

/* Out of room in the nested tables for page-sized entries: every tracked
 * page reads as accessed and dirty again (a dirty log may always say more
 * than happened, never less). Engine held. */
void dirty_forget(struct emu_partition *pt);

/* The core wrote guest memory itself (hypercalls, event delivery, SynIC
 * pages): dirty, as the hypervisor's own writes are (engine held). */
void dirty_note_write(struct emu_partition *pt, uint64_t gpa, uint64_t len);

/* A nested page fault at gpa inside region r: true if tracking caused it
 * and the page is now open further (engine held). */
bool dirty_npf(struct emu_partition *pt, const struct emu_region *r, uint64_t gpa);

/* For the nested tables: the DIRTY_STATE_* bits of the page at gpa, and
 * whether every page of [gpa, gpa + size) has the same (engine held).
 * Untracked memory reads as accessed and dirty. */
unsigned dirty_range_state(struct emu_partition *pt, uint64_t gpa, uint64_t size,
			   bool *uniform);

#endif
