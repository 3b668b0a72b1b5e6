/* SPDX-License-Identifier: MIT */
/*
 * Unicorn 2.1.0-2.1.2's code buffer, reused without a flush the first time
 * it fills (why and how: tcg_region.c).
 */
#ifndef EMU_TCG_REGION_H
#define EMU_TCG_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

/* Whether the linked libunicorn has the defect. */
bool tcg_region_needs_fix(void);

/* Records the region of engine uc's code buffer, just mapped at buf with
 * size bytes, as allocated; false if its bookkeeping cannot be found
 * unambiguously (then flush instead). */
bool tcg_region_fix(uc_engine *uc, uintptr_t buf, size_t size);

#endif
