/* SPDX-License-Identifier: MIT */
/*
 * Write watch on executed pages of the VMM's own mapping (emu/codewatch.c).
 *
 * In-process the engine executes guest code straight from the VMM's pages,
 * and the VMM may rewrite that code between runs without Unicorn seeing it.
 * The watch write-protects each executed page with userfaultfd (the kernel's
 * UFFDIO_WRITEPROTECT, sync mode): the first write to it, by any thread,
 * raises a flag the run loop reads in O(1) at entry, whatever the number of
 * pages. Knows nothing of partitions: the caller names the host range a page
 * lies in (the VMM mapping of one guest-memory piece). Over CUSE the VMM is
 * another process, and the watch works on a userfaultfd it opened
 * (codewatch_adopt): the ranges and pages are then its addresses.
 */
#ifndef MSHV_EMU_CODEWATCH_H
#define MSHV_EMU_CODEWATCH_H

#include <stdbool.h>
#include <stddef.h>

struct codewatch;

/* NULL when the kernel has no usable userfaultfd write protection (no
 * syscall, EPERM without privilege, no WP feature) or when
 * MSHV_EMU_CODEWATCH=off: the caller then falls back to comparing copies. */
struct codewatch *codewatch_new(void);
/* The same on a userfaultfd another process opened for its own address
 * space and nobody has initialised (UFFDIO_API) yet: the watched ranges
 * and pages are then addresses of that process (a CUSE client's mapping
 * of guest memory). Takes uffd. 0 with *out set; -EOPNOTSUPP where
 * codewatch_new would give NULL; -EINVAL if uffd is not such a
 * descriptor. */
int codewatch_adopt(int uffd, struct codewatch **out);
void codewatch_free(struct codewatch *cw);

/* Watches the 4 KiB page at page, inside the host range [start, start+len)
 * (registered with the kernel on first use). False if that range cannot be
 * watched (e.g. the VMM registered it with its own userfaultfd, or a file
 * mapping without WP support): the caller falls back for this page. */
bool codewatch_track(struct codewatch *cw, void *start, size_t len, const void *page);

/* Whether a watched page was written (or a watched range had pages
 * dropped by MADV_DONTNEED/REMOVE) since the last call; clears the flag.
 * A written page is no longer watched until it is tracked again. */
bool codewatch_take_changed(struct codewatch *cw);

/* The guest-memory layout changed: stop watching everything (the ranges
 * are unregistered, which clears their write protection). */
void codewatch_reset(struct codewatch *cw);

/* Pages currently watched (tests, statistics). */
size_t codewatch_count(struct codewatch *cw);

#endif
