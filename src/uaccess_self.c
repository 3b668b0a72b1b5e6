/* SPDX-License-Identifier: MIT */
/*
 * In-process user-memory accessor (see uaccess_self.h).
 *
 * process_vm_readv/process_vm_writev on our own pid copy in one syscall
 * and report EFAULT instead of faulting, which is exactly copy_from_user /
 * copy_to_user semantics. The pid is cached (getpid() is a real syscall
 * in current glibc) and reset in the child after fork().
 *
 * If those syscalls are unavailable (ENOSYS, or EPERM from a seccomp
 * filter such as Cloud Hypervisor's default vCPU filter), we fall back to
 * checking that the range is mapped (msync) and copying with memcpy. That
 * fallback still rejects unmapped addresses but can fault on a mapped
 * range without the needed permission (PROT_NONE, read-only target).
 *
 * Access cache. A syscall per copy is over half of a RUN_VP round trip,
 * and a VMM passes the same few buffers (its run/hvcall structs on the
 * stack, its register page) over and over. So each thread keeps a few
 * page ranges already proven readable or writable by a successful
 * process_vm_* copy; a copy that lies entirely in such ranges, with the
 * access it needs, is a plain memcpy. Proofs are tagged with a global
 * generation, read before the proving syscall; every call that can unmap
 * memory or take access away bumps it once it has returned
 * (uaccess_self_invalidate(), called by the LD_PRELOAD wrappers of munmap,
 * mremap, mprotect, pkey_mprotect, MAP_FIXED mmap, shmdt, brk/sbrk,
 * madvise(MADV_GUARD_INSTALL)), and entries of an older generation are
 * ignored. A copy racing with an unmap in another thread is the same race
 * the VMM would have with itself.
 *
 * Not seen, hence not invalidating (docs/design.md §10): glibc-internal
 * unmaps through its private __munmap/__sbrk (thread stacks returned by
 * pthread, malloc's mmap'ed chunks and heap trimming), raw syscalls,
 * PKRU changes and truncation of a mapped file. All of them only take
 * away memory the VMM has freed, so passing such a pointer is already a
 * use-after-free in the VMM; the kernel would answer EFAULT, we may crash.
 * The fallback path (no process_vm_*) proves mapping only, never access,
 * so it never fills the cache.
 */
#define _GNU_SOURCE
#include "uaccess_self.h"
#include "vma_perm.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a), (void)(n))
#endif

static atomic_int self_pid_cache;
static atomic_bool pvm_unavailable;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void self_pid_atfork_child(void)
{
	atomic_store_explicit(&self_pid_cache, 0, memory_order_relaxed);
}

static void self_pid_register_atfork(void)
{
	pthread_atfork(NULL, NULL, self_pid_atfork_child);
}

static pid_t self_pid(int refresh)
{
	pid_t pid = atomic_load_explicit(&self_pid_cache, memory_order_relaxed);

	if (pid && !refresh)
		return pid;
	pthread_once(&atfork_once, self_pid_register_atfork);
	pid = getpid();
	atomic_store_explicit(&self_pid_cache, pid, memory_order_relaxed);
	return pid;
}

/* 0 if [addr, addr + n) is entirely mapped, else -EFAULT/-EINVAL-style
 * errno from msync (ENOMEM = hole). */
static int range_mapped(uint64_t addr, uint64_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start, end;

	if (n == 0)
		return 0;
	if (addr + n < addr || addr + n > UINTPTR_MAX)
		return -ENOMEM;
	start = (uintptr_t)addr & ~(page - 1);
	end = (uintptr_t)(addr + n);
	if (msync((void *)start, end - start, MS_ASYNC) < 0)
		return -errno;
	return 0;
}

/* ---- access cache ---- */

#define UA_READ 1u
#define UA_WRITE 2u
#define UA_CACHE_ENTRIES 8
#define UA_CACHE_MAX_BYTES (64u * 1024)	/* larger copies are not cached */

struct ua_entry {
	uintptr_t start, end;	/* page-aligned, [start, end) */
	uint64_t gen;		/* 0: empty */
	unsigned access;	/* UA_READ | UA_WRITE proven */
};

/* Starts at 1 so that zeroed (empty) entries never match. */
static _Atomic uint64_t ua_gen = 1;
static __thread struct ua_entry ua_cache[UA_CACHE_ENTRIES];
static __thread unsigned ua_next;

/* Not instrumented by ThreadSanitizer: the LD_PRELOAD munmap/mprotect/...
 * wrappers call this, also from the sanitizer runtime's own start-up,
 * before instrumented code may run (the access is atomic anyway). */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
__attribute__((no_sanitize("thread")))
#endif
void uaccess_self_invalidate(void)
{
	atomic_fetch_add_explicit(&ua_gen, 1, memory_order_seq_cst);
}

static uint64_t ua_gen_now(void)
{
	return atomic_load_explicit(&ua_gen, memory_order_acquire);
}

/* True if [addr, end) is covered by current entries granting access. */
static bool ua_cached(uintptr_t addr, uintptr_t end, unsigned access)
{
	uint64_t gen = ua_gen_now();

	while (addr < end) {
		uintptr_t next = 0;

		for (int i = 0; i < UA_CACHE_ENTRIES; i++) {
			const struct ua_entry *e = &ua_cache[i];

			if (e->gen == gen && (e->access & access) == access &&
			    addr >= e->start && addr < e->end) {
				next = e->end;
				break;
			}
		}
		if (!next)
			return false;
		addr = next;
	}
	return true;
}

/* Records that [addr, addr + n) allowed access at generation gen. */
static void ua_insert(uintptr_t addr, size_t n, unsigned access, uint64_t gen)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);	/* no syscall */
	uintptr_t start, end;
	struct ua_entry *e = NULL;

	if (n > UA_CACHE_MAX_BYTES)
		return;
	start = addr & ~(page - 1);
	end = (addr + n + page - 1) & ~(page - 1);
	if (end < start || end == 0)
		return;		/* the last page of the address space */
	for (int i = 0; i < UA_CACHE_ENTRIES; i++) {
		struct ua_entry *c = &ua_cache[i];

		if (c->gen == gen && c->start == start && c->end == end) {
			c->access |= access;	/* same proof epoch: merge */
			return;
		}
		if (!e && c->gen != gen)
			e = c;		/* empty or stale: reuse first */
	}
	if (!e)
		e = &ua_cache[ua_next++ % UA_CACHE_ENTRIES];
	/* A signal handler on this thread may look the cache up meanwhile:
	 * the entry is invalid while its fields change. */
	e->gen = 0;
	atomic_signal_fence(memory_order_seq_cst);
	e->start = start;
	e->end = end;
	e->access = access;
	atomic_signal_fence(memory_order_seq_cst);
	e->gen = gen;
}

static int self_copy(int write, uint64_t uaddr, void *local, size_t n)
{
	struct iovec liov, riov;
	ssize_t r;
	uint64_t gen;
	int saved = errno, ret = 0;

	if (n == 0)
		return 0;
	if (uaddr + n < uaddr || uaddr + n > UINTPTR_MAX)
		return -EFAULT;

	if (ua_cached((uintptr_t)uaddr, (uintptr_t)(uaddr + n),
		      write ? UA_WRITE : UA_READ)) {
		if (write) {
			memcpy((void *)(uintptr_t)uaddr, local, n);
		} else {
			memcpy(local, (const void *)(uintptr_t)uaddr, n);
			/* as after process_vm_readv: the kernel's view */
			VALGRIND_MAKE_MEM_DEFINED(local, n);
		}
		return 0;
	}

	/* Read before the proof: an unmap racing with it bumps past gen. */
	gen = ua_gen_now();
	if (!atomic_load_explicit(&pvm_unavailable, memory_order_relaxed)) {
		liov.iov_base = local;
		liov.iov_len = n;
		riov.iov_base = (void *)(uintptr_t)uaddr;
		riov.iov_len = n;
		for (int attempt = 0; attempt < 2; attempt++) {
			pid_t pid = self_pid(attempt);

			r = write ? process_vm_writev(pid, &liov, 1, &riov, 1, 0)
				  : process_vm_readv(pid, &liov, 1, &riov, 1, 0);
			if (r == (ssize_t)n) {
				/* memcheck cannot see a write to our own
				 * memory made by the kernel on our behalf */
				if (write)
					VALGRIND_MAKE_MEM_DEFINED((void *)(uintptr_t)uaddr, n);
				ua_insert((uintptr_t)uaddr, n,
					  write ? UA_WRITE : UA_READ, gen);
				goto out;
			}
			if (r >= 0) {
				ret = -EFAULT;	/* partial: faulted midway */
				goto out;
			}
			if (errno == ESRCH)
				continue;	/* stale cached pid */
			break;
		}
		if (errno != ENOSYS && errno != EPERM) {
			ret = -EFAULT;
			goto out;
		}
		atomic_store_explicit(&pvm_unavailable, true,
				      memory_order_relaxed);
	}

	/* Fallback (see the file comment). */
	if (range_mapped(uaddr, n) < 0) {
		ret = -EFAULT;
		goto out;
	}
	if (write)
		memcpy((void *)(uintptr_t)uaddr, local, n);
	else
		memcpy(local, (const void *)(uintptr_t)uaddr, n);
out:
	errno = saved;
	return ret;
}

static int self_read(void *ctx, void *dst, uint64_t uaddr, size_t n)
{
	(void)ctx;
	return self_copy(0, uaddr, dst, n);
}

static int self_write(void *ctx, uint64_t uaddr, const void *src, size_t n)
{
	(void)ctx;
	return self_copy(1, uaddr, (void *)src, n);
}

static void *self_map_guest(void *ctx, uint64_t uaddr, uint64_t size,
			    unsigned access, int *err)
{
	int saved = errno, r;

	(void)ctx, (void)access;
	if (uaddr == 0 || uaddr > UINTPTR_MAX) {
		*err = -EINVAL;	/* the kernel finds no VMA there */
		return NULL;
	}
	/* The kernel pins the pages writable at map time (vma_perm.h). */
	r = vma_check_pinnable(0, uaddr, size);
	if (r != -ENOSYS) {
		errno = saved;
		*err = r;
		return r ? NULL : (void *)(uintptr_t)uaddr;
	}
	/* No /proc: at least the whole range must be mapped. */
	r = range_mapped(uaddr, size);
	errno = saved;
	if (r < 0) {
		/* ENOMEM: part of the range has no mapping (the kernel finds
		 * no VMA). Anything else (EINVAL, ...) is a bad range too. */
		*err = (r == -ENOMEM || r == -EINVAL) ? -EINVAL : -EFAULT;
		return NULL;
	}
	*err = 0;
	return (void *)(uintptr_t)uaddr;
}

static const struct mshv_uaccess uaccess_self = {
	.read = self_read,
	.write = self_write,
	.map_guest = self_map_guest,
	.ctx = NULL,
	.same_view = true,
};

const struct mshv_uaccess *mshv_uaccess_self(void)
{
	return &uaccess_self;
}
