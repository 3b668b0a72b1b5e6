/* SPDX-License-Identifier: MIT */
/* Small definitions every part of the core (emu/) uses. */
#ifndef MSHV_EMU_UTIL_H
#define MSHV_EMU_UTIL_H

#include <config.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_PAGE 4096ull

#define EMU_LIKELY(x)   __builtin_expect(!!(x), 1)
#define EMU_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
