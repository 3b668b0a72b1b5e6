/* SPDX-License-Identifier: MIT */
/* What the exception tests' guest handlers report on, and the memory and
 * selectors their long-mode and legacy guests share (test_exceptions.c,
 * test_exceptions_legacy.c). */
#ifndef MSHV_TEST_EXCEPTIONS_H
#define MSHV_TEST_EXCEPTIONS_H

/* Ports the handlers report on. */
#define P_VEC	0x20
#define P_ERR	0x21
#define P_RIP	0x22
#define P_CS	0x23
#define P_ORSP	0x24	/* long mode: pushed RSP; legacy: pushed FLAGS */
#define P_OSS	0x25
#define P_RSP	0x26	/* stack pointer inside the handler */
#define P_CR2	0x27
#define P_FLAGS	0x28	/* RFLAGS inside the handler */
#define P_SS	0x29
#define P_MARK	0x30	/* guest progress marker */

/* Long-mode layout (identity-mapped low 2 MiB). */
#define LM_IDT		0x20000ull
#define LM_TSS		0x21000ull
#define LM_RSP0		0x23000ull
#define LM_IST1		0x25000ull
#define LM_UCODE	0x30000ull
#define LM_USTACK	0x32000ull	/* top; page 0x31000 */
#define LM_PF_VA	0x400000ull
#define LM_PF_GPA	0x50000ull
#define SEL_UDATA	0x33		/* GDT 6, RPL 3 */
#define SEL_UCODE	0x3b		/* GDT 7, RPL 3 */
#define SEL_TSS		0x40		/* GDT 8-9 */

#endif
