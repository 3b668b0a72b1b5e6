/* SPDX-License-Identifier: MIT */
/*
 * User-memory accessor for a caller that lives in this very process (the
 * LD_PRELOAD face, the CLI's built-in demo). Reads and writes never crash
 * on a bad pointer: they go through process_vm_readv/process_vm_writev on
 * our own pid, which fail with EFAULT for unmapped or inaccessible
 * addresses (with a per-thread cache of proven pages, see below).
 * map_guest() checks that a range is entirely mapped and hands
 * the pointer back unchanged (guest RAM is used in place).
 */
#ifndef MSHV_EMU_UACCESS_SELF_H
#define MSHV_EMU_UACCESS_SELF_H

#include "mshv_dev.h"

const struct mshv_uaccess *mshv_uaccess_self(void);

/*
 * Reads and writes remember, per thread, the pages they proved accessible
 * and then copy with plain memcpy. Call this after anything that unmaps
 * memory or reduces its access (munmap, mprotect, ...): every remembered
 * proof is forgotten. Async-signal-safe.
 */
void uaccess_self_invalidate(void);

#endif
