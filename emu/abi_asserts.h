// SPDX-License-Identifier: MIT
/*
 * Shared by the emu/abi_asserts_*.c files: compile-time checks of every
 * number, size and offset that the kernel UAPI (include/uapi/linux/mshv.h) and the Hyper-V headers (include/hyperv/hvgdk*.h, hvhdk*.h) define for the /dev/mshv UAPI
 * (<linux/mshv.h>) and the hypervisor ABI (<hyperv/hv_all.h>). The files
 * hold no code; compiling them is the test, e.g.
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Iinclude -c emu/abi_asserts_uapi.c
 * (x86-64 only.)
 */
#ifndef MSHV_EMU_ABI_ASSERTS_H
#define MSHV_EMU_ABI_ASSERTS_H

#include <stddef.h>
#include <linux/mshv.h>
#include <hyperv/hv_all.h>

#if !defined(__x86_64__)
#error "mshv-emu ABI checks assume x86-64"
#endif

#define SZ(T, n)	_Static_assert(sizeof(T) == (n), "sizeof(" #T ") != " #n)
#define OFF(T, f, n)	_Static_assert(offsetof(T, f) == (n), "offsetof(" #T ", " #f ") != " #n)
#define EQ(a, b)	_Static_assert((unsigned long long)(a) == (unsigned long long)(b), #a " != " #b)

#endif /* MSHV_EMU_ABI_ASSERTS_H */
