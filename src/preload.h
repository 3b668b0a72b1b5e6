/* SPDX-License-Identifier: MIT */
/*
 * libmshvemu-preload.so: the in-process face of mshv-emu.
 *
 * Loaded with LD_PRELOAD into an unmodified, dynamically linked VMM, it
 * makes /dev/mshv exist:
 *
 *  - open*("/dev/mshv") returns a real file descriptor (a memfd) bound to a
 *    device object in fdtable; MSHV_CREATE_PARTITION / MSHV_CREATE_VP return
 *    further real fds ("mshv_partition" memfd, and the VP's page memfd).
 *    Using real fds keeps poll/dup/close/fork/CLOEXEC semantics and keeps
 *    the numbers out of anyone else's way.
 *  - ioctl() on a bound fd goes to the shared decoder (mshv_dev.h); every
 *    other ioctl is forwarded untouched after one or two atomic loads.
 *  - mmap() of a VP fd maps the VP's register/message page straight from
 *    its memfd, so the core and the VMM share the pages.
 *  - close/dup/dup2/dup3/fcntl(F_DUPFD*)/close_range/closefrom keep the
 *    fd table in step with the process's real fd table.
 *  - sigaction/signal install a trampoline in front of the program's
 *    handlers so that a signal sent to a thread blocked in MSHV_RUN_VP
 *    kicks the VP (the run returns EINTR, as in the kernel).
 *
 * Everything not ours is forwarded to the next definition (RTLD_NEXT), and
 * errno is preserved on every path that does not fail.
 *
 * The core is initialized lazily on the first /dev/mshv open, so a process
 * that never opens it only pays for the interposition checks.
 *
 * The module is built with -fvisibility=hidden: only the interposed libc
 * entry points (PRELOAD_EXPORT) are exported. Its files:
 *
 *   preload.h         this header: what the files below share
 *   preload_real.c    resolution of the next definitions (RTLD_NEXT)
 *   preload_open.c    device path matching, open, stat and access families
 *   preload_fd.c      ioctl, VP pages, close/dup/fcntl/close_range
 *   preload_mem.c     mmap of VP fds, munmap/mremap/mprotect/... hooks
 *   preload_signal.c  sigaction/signal and the VP-kicking trampoline
 *
 * Every file defines _GNU_SOURCE and undefines _FORTIFY_SOURCE, then
 * includes this header before anything else.
 */
#ifndef MSHV_EMU_PRELOAD_H
#define MSHV_EMU_PRELOAD_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/mshv.h>)
#include <linux/mshv.h>
#endif
#endif

#include "mshv-emu/emu.h"
#include "mshv_dev.h"
#include "fdtable.h"
#include "uaccess_self.h"

#ifndef MSHV_RUN_VP
#define MSHV_RUN_VP 0x8100B800UL
#endif

#define VP_PAGE_SIZE 4096
#define VP_MEMFD_SIZE (3 * VP_PAGE_SIZE)	/* register, message, GHCB */

#define PRELOAD_EXPORT __attribute__((visibility("default")))
#define TLS_IE __attribute__((tls_model("initial-exec")))

#pragma GCC visibility push(hidden)

/* ------------------------------------------------------------------ */
/* Resolution of the next definitions (preload_real.c)                 */
/* ------------------------------------------------------------------ */

enum real_id {
	R_open, R_open64, R_openat, R_openat64,
	R___open_2, R___open64_2, R___openat_2, R___openat64_2,
	R_ioctl, R_mmap, R_mmap64, R_close, R_dup, R_dup2, R_dup3,
	R_fcntl, R_fcntl64, R_sigaction, R___sigaction, R_close_range,
	R_closefrom,
	R_stat, R_stat64, R_lstat, R_lstat64, R_fstatat, R_fstatat64,
	R_statx, R___xstat, R___xstat64, R___lxstat, R___lxstat64,
	R___fxstatat, R___fxstatat64, R_access, R_faccessat,
	R_munmap, R_mremap, R_mprotect, R_pkey_mprotect, R_madvise, R_shmdt,
	R_brk, R_sbrk,
	R_COUNT
};

/* Returns the next definition of symbol id, or NULL if there is none (or
 * we are inside dlsym on this thread): callers then use a syscall. */
void *real(enum real_id id);

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*int1_fn)(int);
typedef int (*int2_fn)(int, int);
typedef int (*int3_fn)(int, int, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void (*closefrom_fn)(int);

/* The next close/mmap/fcntl, or the raw system call. */
int next_close(int fd);
void *next_mmap(void *addr, size_t len, int prot, int flags, int fd,
		off_t off);
int next_fcntl(enum real_id id, int fd, int cmd, void *arg);

/* ------------------------------------------------------------------ */
/* Running VP (preload_fd.c)                                           */
/* ------------------------------------------------------------------ */

/* The VP a thread is running (MSHV_RUN_VP), for the signal trampoline. */
extern __thread struct emu_vp *volatile tls_current_vp TLS_IE;

#pragma GCC visibility pop

#endif /* MSHV_EMU_PRELOAD_H */
