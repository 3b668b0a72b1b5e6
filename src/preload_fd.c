/* SPDX-License-Identifier: MIT */
/*
 * Descriptors of the emulated device: the VP pages behind VP fds (the
 * face ops given to the core), ioctl and the installation of the objects
 * it creates as real fds, and close/dup/fcntl/close_range/closefrom
 * keeping the fd table in step with the process's real fd table.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE

#include "preload.h"

/* Prototypes glibc only declares under some feature/fortify settings. */
int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ------------------------------------------------------------------ */
/* VP pages: the face ops given to the core                           */
/* ------------------------------------------------------------------ */

/*
 * Cookie for a VP's pages. The memfd backs both the mapping the core uses
 * and the VP fd handed to the VMM: when the VP fd is created, ownership of
 * the memfd passes to that fd (fd becomes -1 here), so the face keeps no
 * hidden descriptor that the VMM could close or reuse behind our back.
 */
struct vp_pages {
	atomic_int fd;
};

static void *face_alloc_vp_pages(void *face_ctx, void **cookie)
{
	struct vp_pages *vpp;
	void *pages;
	int fd;

	(void)face_ctx;
	vpp = malloc(sizeof(*vpp));
	if (!vpp)
		return NULL;
	fd = memfd_create("mshv_vp", MFD_CLOEXEC);
	if (fd < 0)
		goto fail_free;
	if (ftruncate(fd, VP_MEMFD_SIZE) < 0)
		goto fail_close;
	pages = next_mmap(NULL, EMU_VP_PAGES_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0);
	if (pages == MAP_FAILED)
		goto fail_close;
	atomic_init(&vpp->fd, fd);
	*cookie = vpp;
	return pages;

fail_close:
	next_close(fd);
fail_free:
	free(vpp);
	return NULL;
}

static void face_free_vp_pages(void *face_ctx, void *pages, void *cookie)
{
	struct vp_pages *vpp = cookie;
	int saved = errno;

	(void)face_ctx;
	if (pages)
		munmap(pages, EMU_VP_PAGES_SIZE);
	if (vpp) {
		int fd = atomic_exchange(&vpp->fd, -1);

		if (fd >= 0)
			next_close(fd);
		free(vpp);
	}
	errno = saved;
}

static const struct mshv_face_ops face_ops = {
	.alloc_vp_pages = face_alloc_vp_pages,
	.free_vp_pages = face_free_vp_pages,
	.face_ctx = NULL,
};

/* ------------------------------------------------------------------ */
/* ioctl                                                               */
/* ------------------------------------------------------------------ */

/* The VP a thread is running (MSHV_RUN_VP), for the signal trampoline. */
__thread struct emu_vp *volatile tls_current_vp TLS_IE;

/* Gives a freshly created object (one reference, consumed) a real fd. */
static int install_created(struct mshv_obj *created)
{
	int fd = -1, ret;

	switch (created->kind) {
	case MSHV_OBJ_VP: {
		struct vp_pages *vpp = created->face;

		if (vpp)
			fd = atomic_exchange(&vpp->fd, -1);
		if (fd < 0) {
			/* Pages allocated by the core: nothing to expose;
			 * mmap on this fd fails with ENODEV. */
			fd = memfd_create("mshv_vp", MFD_CLOEXEC);
		}
		break;
	}
	case MSHV_OBJ_PARTITION:
		fd = memfd_create("mshv_partition", MFD_CLOEXEC);
		break;
	case MSHV_OBJ_VFIO:
		fd = memfd_create("mshv-vfio", MFD_CLOEXEC);
		break;
	case MSHV_OBJ_DEVICE:
	default:
		fd = memfd_create("mshv", MFD_CLOEXEC);
		break;
	}
	if (fd < 0) {
		ret = -errno;
		mshv_obj_put(created);
		return ret;
	}
	ret = fdtable_insert(fd, created);
	if (ret < 0) {
		mshv_obj_put(created);
		next_close(fd);
		return ret;
	}
	return fd;
}

static int mshv_ioctl(int fd, struct mshv_obj *obj, unsigned long request,
		      void *arg)
{
	struct mshv_obj *created = NULL;
	long ret;

	/* The VFS answers these before the driver sees them. */
	switch (request) {
	case FIOCLEX:
	case FIONCLEX:
	case FIONBIO:
	case FIOASYNC: {
		ioctl_fn f = (ioctl_fn)real(R_ioctl);

		return f ? f(fd, request, arg)
			 : (int)syscall(SYS_ioctl, fd, request, arg);
	}
	}

	if (obj->kind == MSHV_OBJ_VP && request == (unsigned long)MSHV_RUN_VP) {
		struct emu_vp *prev = tls_current_vp;

		tls_current_vp = obj->vp;
		atomic_signal_fence(memory_order_seq_cst);
		ret = mshv_dev_ioctl(obj, request, (uint64_t)(uintptr_t)arg,
				     mshv_uaccess_self(), &face_ops, &created);
		atomic_signal_fence(memory_order_seq_cst);
		tls_current_vp = prev;
	} else {
		ret = mshv_dev_ioctl(obj, request, (uint64_t)(uintptr_t)arg,
				     mshv_uaccess_self(), &face_ops, &created);
	}

	if (ret < 0) {
		if (created)
			mshv_obj_put(created);
		return (int)ret;
	}
	if (created) {
		int nfd = install_created(created);

		return nfd < 0 ? nfd : (int)mshv_dev_created(request, (uint64_t)(uintptr_t)arg,
							      mshv_uaccess_self(), nfd);
	}
	return (int)ret;
}

PRELOAD_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	struct mshv_obj *obj;
	va_list ap;
	void *arg;
	int saved, ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	obj = fdtable_lookup(fd);
	if (!obj) {
		ioctl_fn f = (ioctl_fn)real(R_ioctl);

		if (f)
			return f(fd, request, arg);
		return (int)syscall(SYS_ioctl, fd, request, arg);
	}

	saved = errno;
	/* The kernel's cmd is 32 bits wide: ignore sign extension. */
	ret = mshv_ioctl(fd, obj, (unsigned int)request, arg);
	mshv_obj_put(obj);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	errno = saved;
	return ret;
}

/* ------------------------------------------------------------------ */
/* close / dup                                                         */
/* ------------------------------------------------------------------ */

PRELOAD_EXPORT int close(int fd)
{
	struct mshv_obj *obj;
	int ret, e;

	if (!fdtable_is_bound(fd))
		return next_close(fd);
	/* Unbind before the number can be reused by another thread. */
	obj = fdtable_remove(fd);
	ret = next_close(fd);
	e = errno;
	if (obj)
		mshv_obj_put(obj);
	errno = e;
	return ret;
}

/* After a successful dup of oldfd onto newfd: mirror the binding. */
static int after_dup(int oldfd, int newfd)
{
	int saved = errno, r;

	if (newfd < 0 || oldfd == newfd)
		return newfd;
	if (!fdtable_is_bound(oldfd) && !fdtable_is_bound(newfd))
		return newfd;
	r = fdtable_dup(oldfd, newfd);
	if (r < 0) {
		next_close(newfd);
		errno = -r;
		return -1;
	}
	errno = saved;
	return newfd;
}

PRELOAD_EXPORT int dup(int oldfd)
{
	int1_fn f = (int1_fn)real(R_dup);
	int r = f ? f(oldfd) : (int)syscall(SYS_dup, oldfd);

	return after_dup(oldfd, r);
}

PRELOAD_EXPORT int dup2(int oldfd, int newfd)
{
	int2_fn f = (int2_fn)real(R_dup2);
	int r;

	if (f)
		r = f(oldfd, newfd);
	else if (oldfd == newfd)
		r = next_fcntl(R_fcntl, oldfd, F_GETFD, NULL) < 0 ? -1 : newfd;
	else
		r = (int)syscall(SYS_dup3, oldfd, newfd, 0);
	return after_dup(oldfd, r);
}

PRELOAD_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int3_fn f = (int3_fn)real(R_dup3);
	int r = f ? f(oldfd, newfd, flags)
		  : (int)syscall(SYS_dup3, oldfd, newfd, flags);

	return after_dup(oldfd, r);
}

static int do_fcntl(enum real_id id, int fd, int cmd, void *arg)
{
	int r = next_fcntl(id, fd, cmd, arg);

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return after_dup(fd, r);
	return r;
}

/*
 * fcntl's third argument is an int for some commands and a pointer for
 * others; like glibc, read it as a pointer-sized value and pass it on as
 * such (an int passed through varargs occupies a full register/slot).
 */
PRELOAD_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(R_fcntl, fd, cmd, arg);
}

PRELOAD_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(R_fcntl64, fd, cmd, arg);
}

/* Drops the bindings of [first, last] after the kernel closed them. */
static void unbind_range(unsigned int first, unsigned int last)
{
	int saved = errno;
	int fd = first > INT_MAX ? -1 : fdtable_next_bound((int)first);

	while (fd >= 0 && (unsigned int)fd <= last) {
		struct mshv_obj *obj = fdtable_remove(fd);

		if (obj)
			mshv_obj_put(obj);
		if (fd == INT_MAX)
			break;
		fd = fdtable_next_bound(fd + 1);
	}
	errno = saved;
}

PRELOAD_EXPORT int close_range(unsigned int first, unsigned int last,
			       int flags)
{
	close_range_fn f = (close_range_fn)real(R_close_range);
	int r = f ? f(first, last, flags)
		  : (int)syscall(SYS_close_range, first, last, flags);

	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		unbind_range(first, last);
	return r;
}

PRELOAD_EXPORT void closefrom(int lowfd)
{
	closefrom_fn f = (closefrom_fn)real(R_closefrom);

	if (lowfd < 0)
		lowfd = 0;
	if (f)
		f(lowfd);
	else
		(void)syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0);
	unbind_range((unsigned int)lowfd, ~0U);
}
