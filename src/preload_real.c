/* SPDX-License-Identifier: MIT */
/*
 * Resolution of the next definitions of the symbols the preload module
 * interposes (dlsym RTLD_NEXT), and the next_* forwarders shared by the
 * other preload_*.c files.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE

#include "preload.h"

/*
 * dlsym() may allocate, and an interposed allocator may call mmap()/open()
 * through us while we are still resolving. A thread-local guard detects
 * that; the forwarders then fall back to the raw system call.
 */
#define REAL_MISSING ((void *)1)

static const char *const real_names[R_COUNT] = {
	[R_open] = "open", [R_open64] = "open64", [R_openat] = "openat",
	[R_openat64] = "openat64", [R___open_2] = "__open_2",
	[R___open64_2] = "__open64_2", [R___openat_2] = "__openat_2",
	[R___openat64_2] = "__openat64_2", [R_ioctl] = "ioctl",
	[R_mmap] = "mmap", [R_mmap64] = "mmap64", [R_close] = "close",
	[R_dup] = "dup", [R_dup2] = "dup2", [R_dup3] = "dup3",
	[R_fcntl] = "fcntl", [R_fcntl64] = "fcntl64",
	[R_sigaction] = "sigaction", [R___sigaction] = "__sigaction",
	[R_close_range] = "close_range", [R_closefrom] = "closefrom",
	[R_stat] = "stat", [R_stat64] = "stat64", [R_lstat] = "lstat",
	[R_lstat64] = "lstat64", [R_fstatat] = "fstatat",
	[R_fstatat64] = "fstatat64", [R_statx] = "statx",
	[R___xstat] = "__xstat", [R___xstat64] = "__xstat64",
	[R___lxstat] = "__lxstat", [R___lxstat64] = "__lxstat64",
	[R___fxstatat] = "__fxstatat", [R___fxstatat64] = "__fxstatat64",
	[R_access] = "access", [R_faccessat] = "faccessat",
	[R_munmap] = "munmap", [R_mremap] = "mremap",
	[R_mprotect] = "mprotect", [R_pkey_mprotect] = "pkey_mprotect",
	[R_madvise] = "madvise", [R_shmdt] = "shmdt", [R_brk] = "brk",
	[R_sbrk] = "sbrk",
};

static _Atomic(void *) real_ptr[R_COUNT];
static __thread int tls_resolving TLS_IE;

void *real(enum real_id id)
{
	void *p = atomic_load_explicit(&real_ptr[id], memory_order_acquire);

	if (p == REAL_MISSING)
		return NULL;
	if (p)
		return p;
	if (tls_resolving)
		return NULL;
	tls_resolving = 1;
	{
		int saved = errno;

		p = dlsym(RTLD_NEXT, real_names[id]);
		errno = saved;
	}
	tls_resolving = 0;
	atomic_store_explicit(&real_ptr[id], p ? p : REAL_MISSING,
			      memory_order_release);
	return p;
}

__attribute__((constructor(101))) static void preload_resolve_all(void)
{
	for (int i = 0; i < R_COUNT; i++)
		(void)real((enum real_id)i);
}

int next_close(int fd)
{
	int1_fn f = (int1_fn)real(R_close);

	return f ? f(fd) : (int)syscall(SYS_close, fd);
}

void *next_mmap(void *addr, size_t len, int prot, int flags, int fd,
		off_t off)
{
	mmap_fn f = (mmap_fn)real(R_mmap);

	if (f)
		return f(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int next_fcntl(enum real_id id, int fd, int cmd, void *arg)
{
	fcntl_fn f = (fcntl_fn)real(id);

	if (!f && id == R_fcntl64)
		f = (fcntl_fn)real(R_fcntl);
	return f ? f(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
}
