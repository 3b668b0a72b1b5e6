/* SPDX-License-Identifier: MIT */
/* What the x86_insn unit tests share: mode names and DEC(mode, bytes...),
 * which decodes bytes that must be one valid instruction. */
#ifndef MSHV_EMU_X86_INSN_HELPERS_H
#define MSHV_EMU_X86_INSN_HELPERS_H

#include <check.h>

#include "x86_insn.h"

#define R   X86_MODE_REAL
#define P16 X86_MODE_PROT16
#define P32 X86_MODE_PROT32
#define L64 X86_MODE_LONG64

static inline struct x86_insn dec(enum x86_mode mode, const uint8_t *b, size_t n)
{
	struct x86_insn in;
	ck_assert_int_eq(x86_decode(b, n, mode, &in), 0);
	return in;
}
#define DEC(mode, ...) \
	dec(mode, (const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }))

#endif
