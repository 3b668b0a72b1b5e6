/* SPDX-License-Identifier: MIT */
/*
 * Memory: mmap/mmap64 of VP fds (the VP's register/message pages), and
 * the interposers of the calls that may remove or restrict memory, which
 * invalidate the user-memory accessor's cache.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE

#include "preload.h"

/* Prototypes glibc only declares under some feature/fortify settings. */
int pkey_mprotect(void *addr, size_t len, int prot, int pkey);
int shmdt(const void *addr);
int brk(void *addr);
void *sbrk(intptr_t incr);

/* Keeps guest memory in [addr, addr + len) for the guest; errno kept. */
static void host_release(void *addr, size_t len, unsigned how)
{
	int saved = errno;

	emu_host_release(addr, len, how);
	errno = saved;
}

/* ------------------------------------------------------------------ */
/* mmap                                                                */
/* ------------------------------------------------------------------ */

/*
 * mmap of a VP fd. The kernel's VMA maps the selected page for every page
 * of the VMA (its fault handler switches on vm_pgoff, not on the faulting
 * offset). A one-page request (what every known client does) is a single
 * mmap of the memfd at page index * 4096. A longer request reserves the
 * whole range and then maps the same memfd page at every page of it, which
 * reproduces the kernel's layout exactly (one mmap per page).
 */
static void *mshv_mmap(struct mshv_obj *obj, void *addr, size_t len, int prot,
		       int flags, int fd, off_t off)
{
	size_t npages;
	off_t foff;
	int idx;
	char *base;

	if (obj->kind != MSHV_OBJ_VP) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	if (len == 0 || off < 0 || (off & (VP_PAGE_SIZE - 1))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (sysconf(_SC_PAGESIZE) != VP_PAGE_SIZE) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	idx = mshv_dev_mmap_check(obj, (uint64_t)off / VP_PAGE_SIZE);
	if (idx < 0) {
		errno = -idx;
		return MAP_FAILED;
	}
	if (!obj->face || idx * VP_PAGE_SIZE >= VP_MEMFD_SIZE) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	foff = (off_t)idx * VP_PAGE_SIZE;
	npages = (len + VP_PAGE_SIZE - 1) / VP_PAGE_SIZE;
	if (npages == 1)
		return next_mmap(addr, len, prot, flags, fd, foff);

	base = next_mmap(addr, npages * VP_PAGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				 (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)),
			 -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	for (size_t i = 0; i < npages; i++) {
		void *p = next_mmap(base + i * VP_PAGE_SIZE, VP_PAGE_SIZE, prot,
				    (flags & ~MAP_FIXED_NOREPLACE) | MAP_FIXED,
				    fd, foff);
		if (p == MAP_FAILED) {
			int e = errno;

			munmap(base, npages * VP_PAGE_SIZE);
			errno = e;
			return MAP_FAILED;
		}
	}
	return base;
}

static void *do_mmap(enum real_id id, void *addr, size_t len, int prot,
		     int flags, int fd, off_t off)
{
	struct mshv_obj *obj;
	void *p;
	int saved;

	/* MAP_FIXED replaces whatever is there: guest memory there stays
	 * the guest's (emu_host_release). */
	if ((flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE) && len)
		host_release(addr, len, EMU_HOST_GONE);
	if (fd >= 0 && !(flags & MAP_ANONYMOUS) && fdtable_is_bound(fd)) {
		obj = fdtable_lookup(fd);
		if (obj) {
			saved = errno;
			p = mshv_mmap(obj, addr, len, prot, flags, fd, off);
			if (p != MAP_FAILED) {
				mshv_obj_put(obj);
				errno = saved;
			} else {
				int e = errno;

				mshv_obj_put(obj);
				errno = e;
			}
			return p;
		}
	}
	{
		mmap_fn f = (mmap_fn)real(id);

		if (f)
			p = f(addr, len, prot, flags, fd, off);
		else
			p = (void *)syscall(SYS_mmap, addr, len, prot, flags,
					    fd, off);
		/* MAP_FIXED may replace a mapping with a less accessible
		 * one: forget proven user pages (uaccess_self.c). */
		if (flags & MAP_FIXED)
			uaccess_self_invalidate();
		return p;
	}
}

PRELOAD_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
			  off_t off)
{
	return do_mmap(R_mmap, addr, len, prot, flags, fd, off);
}

PRELOAD_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags,
			    int fd, off64_t off)
{
	return do_mmap(R_mmap64, addr, len, prot, flags, fd, (off_t)off);
}

/* ------------------------------------------------------------------ */
/* Unmapping and access changes                                        */
/* ------------------------------------------------------------------ */

/*
 * Every mapping we hand out is a real one, so these are forwarded
 * unchanged. They are interposed to keep guest memory the VMM unmaps or
 * re-protects alive for the guest, as the kernel's pinning does (before
 * the call, emu_host_release), and to drop the user-memory accessor's
 * cache of proven pages (uaccess_self.c) once memory may have gone or lost
 * access; the invalidation comes after the call and never touches errno.
 * glibc-internal unmaps (thread stacks, malloc) bypass these entry points:
 * see docs/design.md §10.
 */
typedef int (*munmap_fn)(void *, size_t);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);
typedef int (*mprotect_fn)(void *, size_t, int);
typedef int (*pkey_mprotect_fn)(void *, size_t, int, int);
typedef int (*shmdt_fn)(const void *);
typedef int (*brk_fn)(void *);
typedef void *(*sbrk_fn)(intptr_t);

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

/* mprotect: the guest loses nothing unless access goes. */
static void release_for_prot(void *addr, size_t len, int prot)
{
	if (!(prot & PROT_READ))
		host_release(addr, len, 0);
	else if (!(prot & PROT_WRITE))
		host_release(addr, len, EMU_HOST_WRITE_ONLY);
}

PRELOAD_EXPORT int munmap(void *addr, size_t len)
{
	munmap_fn f = (munmap_fn)real(R_munmap);
	int r;

	host_release(addr, len, EMU_HOST_GONE);
	r = f ? f(addr, len) : (int)syscall(SYS_munmap, addr, len);

	uaccess_self_invalidate();
	return r;
}

PRELOAD_EXPORT void *mremap(void *old, size_t old_len, size_t new_len,
			    int flags, ...)
{
	mremap_fn f = (mremap_fn)real(R_mremap);
	void *new_addr = NULL, *r;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
		host_release(new_addr, new_len, EMU_HOST_GONE);
	}
	/* The VMM's pages move (or shrink away): the guest keeps its view.
	 * old_len 0 only adds a second mapping of shared memory. */
	if (old_len)
		host_release(old, old_len, 0);
	if (f)
		r = f(old, old_len, new_len, flags, new_addr);
	else
		r = (void *)syscall(SYS_mremap, old, old_len, new_len, flags,
				    new_addr);
	uaccess_self_invalidate();
	return r;
}

PRELOAD_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	mprotect_fn f = (mprotect_fn)real(R_mprotect);
	int r;

	release_for_prot(addr, len, prot);
	r = f ? f(addr, len, prot) : (int)syscall(SYS_mprotect, addr, len, prot);

	uaccess_self_invalidate();
	return r;
}

PRELOAD_EXPORT int pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
	pkey_mprotect_fn f = (pkey_mprotect_fn)real(R_pkey_mprotect);
	int r;

	release_for_prot(addr, len, prot);
	r = f ? f(addr, len, prot, pkey)
	      : (int)syscall(SYS_pkey_mprotect, addr, len, prot, pkey);

	uaccess_self_invalidate();
	return r;
}

/* MADV_DONTNEED/FREE/REMOVE keep the pages accessible: only guard
 * regions take access away. */
PRELOAD_EXPORT int madvise(void *addr, size_t len, int advice)
{
	mprotect_fn f = (mprotect_fn)real(R_madvise);
	int r = f ? f(addr, len, advice)
		  : (int)syscall(SYS_madvise, addr, len, advice);

	if (advice == MADV_GUARD_INSTALL)
		uaccess_self_invalidate();
	return r;
}

PRELOAD_EXPORT int shmdt(const void *addr)
{
	shmdt_fn f = (shmdt_fn)real(R_shmdt);
	int r = f ? f(addr) : (int)syscall(SYS_shmdt, addr);

	uaccess_self_invalidate();
	return r;
}

PRELOAD_EXPORT int brk(void *addr)
{
	brk_fn f = (brk_fn)real(R_brk);
	int r;

	if (!f) {
		errno = ENOSYS;
		return -1;
	}
	r = f(addr);
	uaccess_self_invalidate();	/* may have shrunk */
	return r;
}

PRELOAD_EXPORT void *sbrk(intptr_t incr)
{
	sbrk_fn f = (sbrk_fn)real(R_sbrk);
	void *r;

	if (!f) {
		errno = ENOSYS;
		return (void *)-1;
	}
	r = f(incr);
	if (incr < 0)
		uaccess_self_invalidate();
	return r;
}
