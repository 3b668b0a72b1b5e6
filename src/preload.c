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
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE

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

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define MSHV_DEFAULT_DEVICE "/dev/mshv"
#define VP_PAGE_SIZE 4096
#define VP_MEMFD_SIZE (3 * VP_PAGE_SIZE)	/* register, message, GHCB */

#define PRELOAD_EXPORT __attribute__((visibility("default")))
#define TLS_IE __attribute__((tls_model("initial-exec")))

/* Prototypes glibc only declares under some feature/fortify settings. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
sighandler_t __sysv_signal(int sig, sighandler_t handler);
sighandler_t sysv_signal(int sig, sighandler_t handler);
sighandler_t bsd_signal(int sig, sighandler_t handler);
int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags);
int pkey_mprotect(void *addr, size_t len, int prot, int pkey);
int shmdt(const void *addr);
int brk(void *addr);
void *sbrk(intptr_t incr);

/* ------------------------------------------------------------------ */
/* Resolution of the next definitions                                  */
/* ------------------------------------------------------------------ */

/*
 * dlsym() may allocate, and an interposed allocator may call mmap()/open()
 * through us while we are still resolving. A thread-local guard detects
 * that; the forwarders then fall back to the raw system call.
 */
#define REAL_MISSING ((void *)1)

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

/* Returns the next definition of symbol id, or NULL if there is none (or
 * we are inside dlsym on this thread): callers then use a syscall. */
static void *real(enum real_id id)
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

static int next_close(int fd)
{
	int1_fn f = (int1_fn)real(R_close);

	return f ? f(fd) : (int)syscall(SYS_close, fd);
}

static void *next_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	mmap_fn f = (mmap_fn)real(R_mmap);

	if (f)
		return f(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int next_fcntl(enum real_id id, int fd, int cmd, void *arg)
{
	fcntl_fn f = (fcntl_fn)real(id);

	if (!f && id == R_fcntl64)
		f = (fcntl_fn)real(R_fcntl);
	return f ? f(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
}

/* ------------------------------------------------------------------ */
/* Path matching                                                       */
/* ------------------------------------------------------------------ */

/* Static storage: path matching runs inside open(), which an allocator
 * may call during its own initialization, so it must not allocate. */
static pthread_once_t devpath_once = PTHREAD_ONCE_INIT;
static char devpath_env_buf[PATH_MAX];
static const char *devpath_env;	/* normalized MSHV_EMU_DEVICE, or NULL */

/*
 * Lexical normalization of an absolute path into out (collapses "//",
 * "." and ".."; symlinks are not followed). Returns false if it does not
 * fit.
 */
static bool path_normalize(const char *in, char *out, size_t outsz)
{
	size_t len = 0;

	if (in[0] != '/' || outsz < 2)
		return false;
	out[len++] = '/';
	out[len] = 0;
	while (*in) {
		const char *comp;
		size_t clen;

		while (*in == '/')
			in++;
		if (!*in)
			break;
		comp = in;
		while (*in && *in != '/')
			in++;
		clen = (size_t)(in - comp);
		if (clen == 1 && comp[0] == '.')
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--;	/* drop the separator */
			out[len] = 0;
			continue;
		}
		if (len + (len > 1) + clen + 1 > outsz)
			return false;
		if (len > 1)
			out[len++] = '/';
		memcpy(out + len, comp, clen);
		len += clen;
		out[len] = 0;
	}
	return true;
}

static void devpath_init(void)
{
	const char *env = getenv("MSHV_EMU_DEVICE");
	char buf[PATH_MAX];

	if (env && env[0] == '/' && path_normalize(env, buf, sizeof(buf)) &&
	    strcmp(buf, MSHV_DEFAULT_DEVICE) != 0) {
		memcpy(devpath_env_buf, buf, sizeof(buf));
		devpath_env = devpath_env_buf;
	}
}

static bool path_is_device_norm(const char *norm)
{
	return strcmp(norm, MSHV_DEFAULT_DEVICE) == 0 ||
	       (devpath_env && strcmp(norm, devpath_env) == 0);
}

/* Cheap filter: the last component of path equals a device's basename. */
static bool path_basename_could_match(const char *path)
{
	const char *end = path + strlen(path), *b;
	size_t blen;

	while (end > path && end[-1] == '/')
		end--;
	b = end;
	while (b > path && b[-1] != '/')
		b--;
	blen = (size_t)(end - b);
	if (blen == 4 && memcmp(b, "mshv", 4) == 0)
		return true;
	if (devpath_env) {
		const char *eb = strrchr(devpath_env, '/') + 1;

		if (strlen(eb) == blen && memcmp(b, eb, blen) == 0)
			return true;
	}
	return false;
}

/* Does (dirfd, path) name the emulated device? Preserves errno. */
static bool is_mshv_path(int dirfd, const char *path)
{
	char dir[PATH_MAX], full[2 * PATH_MAX], norm[PATH_MAX];
	int saved;
	bool match = false;

	if (!path || !path[0])
		return false;
	if (strcmp(path, MSHV_DEFAULT_DEVICE) == 0)
		return true;
	pthread_once(&devpath_once, devpath_init);
	if (!path_basename_could_match(path))
		return false;

	saved = errno;
	if (path[0] == '/') {
		match = path_normalize(path, norm, sizeof(norm)) &&
			path_is_device_norm(norm);
		goto out;
	}
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof(dir)))
			goto out;
	} else {
		char link[64];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		n = readlink(link, dir, sizeof(dir) - 1);
		if (n <= 0)
			goto out;
		dir[n] = 0;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, path) >=
	    sizeof(full))
		goto out;
	match = path_normalize(full, norm, sizeof(norm)) &&
		path_is_device_norm(norm);
out:
	errno = saved;
	return match;
}

/* ------------------------------------------------------------------ */
/* Core glue: user access, VP pages                                    */
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

static atomic_bool core_ready;
static pthread_mutex_t core_init_lock = PTHREAD_MUTEX_INITIALIZER;

static int core_init_once(void)
{
	int ret = 0;

	if (atomic_load_explicit(&core_ready, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&core_init_lock);
	if (!atomic_load_explicit(&core_ready, memory_order_relaxed)) {
		ret = emu_init();
		if (ret >= 0) {
			ret = 0;
			atomic_store_explicit(&core_ready, true,
					      memory_order_release);
		}
	}
	pthread_mutex_unlock(&core_init_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* open                                                                */
/* ------------------------------------------------------------------ */

#define OPEN_NEEDS_MODE(f) \
	(((f) & O_CREAT) != 0 || ((f) & O_TMPFILE) == O_TMPFILE)

static int mshv_open_device(int flags)
{
	struct mshv_obj *obj;
	int saved = errno, fd, ret;

	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		errno = EEXIST;
		return -1;
	}
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	ret = core_init_once();
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	fd = memfd_create("mshv", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (flags & O_NONBLOCK)
		(void)next_fcntl(R_fcntl, fd, F_SETFL,
				 (void *)(intptr_t)O_NONBLOCK);
	obj = mshv_obj_new_device();
	if (!obj) {
		next_close(fd);
		errno = ENOMEM;
		return -1;
	}
	ret = fdtable_insert(fd, obj);
	if (ret < 0) {
		mshv_obj_put(obj);
		next_close(fd);
		errno = -ret;
		return -1;
	}
	errno = saved;
	return fd;
}

static int fwd_openat(enum real_id id, int dirfd, const char *path,
		      int flags, mode_t mode)
{
	openat_fn f = (openat_fn)real(id);

	if (f)
		return f(dirfd, path, flags, mode);
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static int fwd_open(enum real_id id, const char *path, int flags, mode_t mode)
{
	open_fn f = (open_fn)real(id);

	if (f)
		return f(path, flags, mode);
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

PRELOAD_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (OPEN_NEEDS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (is_mshv_path(AT_FDCWD, path))
		return mshv_open_device(flags);
	return fwd_open(R_open, path, flags, mode);
}

PRELOAD_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (OPEN_NEEDS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (is_mshv_path(AT_FDCWD, path))
		return mshv_open_device(flags);
	return fwd_open(R_open64, path, flags, mode);
}

PRELOAD_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (OPEN_NEEDS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (is_mshv_path(dirfd, path))
		return mshv_open_device(flags);
	return fwd_openat(R_openat, dirfd, path, flags, mode);
}

PRELOAD_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (OPEN_NEEDS_MODE(flags)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (is_mshv_path(dirfd, path))
		return mshv_open_device(flags);
	return fwd_openat(R_openat64, dirfd, path, flags, mode);
}

static int fwd_open2(enum real_id id, const char *path, int flags)
{
	open2_fn f = (open2_fn)real(id);

	if (f)
		return f(path, flags);
	return fwd_open(R_open, path, flags, 0);
}

static int fwd_openat2(enum real_id id, int dirfd, const char *path,
		       int flags)
{
	openat2_fn f = (openat2_fn)real(id);

	if (f)
		return f(dirfd, path, flags);
	return fwd_openat(R_openat, dirfd, path, flags, 0);
}

PRELOAD_EXPORT int __open_2(const char *path, int flags)
{
	if (is_mshv_path(AT_FDCWD, path))
		return mshv_open_device(flags);
	return fwd_open2(R___open_2, path, flags);
}

PRELOAD_EXPORT int __open64_2(const char *path, int flags)
{
	if (is_mshv_path(AT_FDCWD, path))
		return mshv_open_device(flags);
	return fwd_open2(R___open64_2, path, flags);
}

PRELOAD_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	if (is_mshv_path(dirfd, path))
		return mshv_open_device(flags);
	return fwd_openat2(R___openat_2, dirfd, path, flags);
}

PRELOAD_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	if (is_mshv_path(dirfd, path))
		return mshv_open_device(flags);
	return fwd_openat2(R___openat64_2, dirfd, path, flags);
}

/* ------------------------------------------------------------------ */
/* stat / access on the device path                                    */
/* ------------------------------------------------------------------ */

/*
 * Some VMMs probe for the device before opening it (Cloud Hypervisor's
 * MshvHypervisor::is_available() calls std::fs::metadata("/dev/mshv"),
 * i.e. statx/stat). The device path therefore stats as a character device
 * owned by the caller, mode 0600, misc major 10. fstat() on an open fd is
 * not faked (it reports the backing memfd).
 */
#define MSHV_FAKE_RDEV_MAJOR 10
#define MSHV_FAKE_RDEV_MINOR 120
#define MSHV_FAKE_DEV_MINOR 5
#define MSHV_FAKE_INO 0x6d736876ULL	/* "mshv" */

#define FILL_FAKE_STAT(st)                                                    \
	do {                                                                  \
		memset((st), 0, sizeof(*(st)));                               \
		(st)->st_dev = makedev(0, MSHV_FAKE_DEV_MINOR);               \
		(st)->st_ino = MSHV_FAKE_INO;                                 \
		(st)->st_mode = S_IFCHR | 0600;                               \
		(st)->st_nlink = 1;                                           \
		(st)->st_uid = geteuid();                                     \
		(st)->st_gid = getegid();                                     \
		(st)->st_rdev = makedev(MSHV_FAKE_RDEV_MAJOR,                 \
					MSHV_FAKE_RDEV_MINOR);                \
		(st)->st_blksize = 4096;                                      \
	} while (0)

static int fake_stat(struct stat *st)
{
	if (!st) {
		errno = EFAULT;
		return -1;
	}
	FILL_FAKE_STAT(st);
	return 0;
}

static int fake_stat64(struct stat64 *st)
{
	if (!st) {
		errno = EFAULT;
		return -1;
	}
	FILL_FAKE_STAT(st);
	return 0;
}

static int fake_statx(struct statx *stx)
{
	if (!stx) {
		errno = EFAULT;
		return -1;
	}
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS & ~(unsigned)STATX_BTIME;
	stx->stx_blksize = 4096;
	stx->stx_nlink = 1;
	stx->stx_uid = geteuid();
	stx->stx_gid = getegid();
	stx->stx_mode = S_IFCHR | 0600;
	stx->stx_ino = MSHV_FAKE_INO;
	stx->stx_rdev_major = MSHV_FAKE_RDEV_MAJOR;
	stx->stx_rdev_minor = MSHV_FAKE_RDEV_MINOR;
	stx->stx_dev_major = 0;
	stx->stx_dev_minor = MSHV_FAKE_DEV_MINOR;
	return 0;
}

typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*stat64_fn)(const char *, struct stat64 *);
typedef int (*fstatat_fn)(int, const char *, struct stat *, int);
typedef int (*fstatat64_fn)(int, const char *, struct stat64 *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);
typedef int (*xstat_fn)(int, const char *, struct stat *);
typedef int (*xstat64_fn)(int, const char *, struct stat64 *);
typedef int (*fxstatat_fn)(int, int, const char *, struct stat *, int);
typedef int (*fxstatat64_fn)(int, int, const char *, struct stat64 *, int);
typedef int (*access_fn)(const char *, int);
typedef int (*faccessat_fn)(int, const char *, int, int);

static int sys_fstatat(int dirfd, const char *path, void *st, int flags)
{
#ifdef SYS_newfstatat
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
#else
	(void)dirfd; (void)path; (void)st; (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

static int enosys(void)
{
	errno = ENOSYS;
	return -1;
}

PRELOAD_EXPORT int stat(const char *path, struct stat *st)
{
	stat_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat(st);
	f = (stat_fn)real(R_stat);
	return f ? f(path, st) : sys_fstatat(AT_FDCWD, path, st, 0);
}

PRELOAD_EXPORT int stat64(const char *path, struct stat64 *st)
{
	stat64_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat64(st);
	f = (stat64_fn)real(R_stat64);
	return f ? f(path, st) : sys_fstatat(AT_FDCWD, path, st, 0);
}

PRELOAD_EXPORT int lstat(const char *path, struct stat *st)
{
	stat_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat(st);
	f = (stat_fn)real(R_lstat);
	return f ? f(path, st)
		 : sys_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

PRELOAD_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	stat64_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat64(st);
	f = (stat64_fn)real(R_lstat64);
	return f ? f(path, st)
		 : sys_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

PRELOAD_EXPORT int fstatat(int dirfd, const char *path, struct stat *st,
			   int flags)
{
	fstatat_fn f;

	if (is_mshv_path(dirfd, path))
		return fake_stat(st);
	f = (fstatat_fn)real(R_fstatat);
	return f ? f(dirfd, path, st, flags)
		 : sys_fstatat(dirfd, path, st, flags);
}

PRELOAD_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
			     int flags)
{
	fstatat64_fn f;

	if (is_mshv_path(dirfd, path))
		return fake_stat64(st);
	f = (fstatat64_fn)real(R_fstatat64);
	return f ? f(dirfd, path, st, flags)
		 : sys_fstatat(dirfd, path, st, flags);
}

PRELOAD_EXPORT int statx(int dirfd, const char *path, int flags,
			 unsigned int mask, struct statx *stx)
{
	statx_fn f;

	if (is_mshv_path(dirfd, path))
		return fake_statx(stx);
	f = (statx_fn)real(R_statx);
	if (f)
		return f(dirfd, path, flags, mask, stx);
#ifdef SYS_statx
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, stx);
#else
	return enosys();
#endif
}

/* Pre-2.33 glibc binaries stat through these. */
PRELOAD_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	xstat_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat(st);
	f = (xstat_fn)real(R___xstat);
	return f ? f(ver, path, st) : enosys();
}

PRELOAD_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	xstat64_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat64(st);
	f = (xstat64_fn)real(R___xstat64);
	return f ? f(ver, path, st) : enosys();
}

PRELOAD_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	xstat_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat(st);
	f = (xstat_fn)real(R___lxstat);
	return f ? f(ver, path, st) : enosys();
}

PRELOAD_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	xstat64_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return fake_stat64(st);
	f = (xstat64_fn)real(R___lxstat64);
	return f ? f(ver, path, st) : enosys();
}

PRELOAD_EXPORT int __fxstatat(int ver, int dirfd, const char *path,
			      struct stat *st, int flags)
{
	fxstatat_fn f;

	if (is_mshv_path(dirfd, path))
		return fake_stat(st);
	f = (fxstatat_fn)real(R___fxstatat);
	return f ? f(ver, dirfd, path, st, flags) : enosys();
}

PRELOAD_EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
				struct stat64 *st, int flags)
{
	fxstatat64_fn f;

	if (is_mshv_path(dirfd, path))
		return fake_stat64(st);
	f = (fxstatat64_fn)real(R___fxstatat64);
	return f ? f(ver, dirfd, path, st, flags) : enosys();
}

PRELOAD_EXPORT int access(const char *path, int mode)
{
	access_fn f;

	if (is_mshv_path(AT_FDCWD, path))
		return (mode & X_OK) ? (errno = EACCES, -1) : 0;
	f = (access_fn)real(R_access);
	return f ? f(path, mode)
		 : (int)syscall(SYS_faccessat, AT_FDCWD, path, mode);
}

PRELOAD_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	faccessat_fn f;

	if (is_mshv_path(dirfd, path))
		return (mode & X_OK) ? (errno = EACCES, -1) : 0;
	f = (faccessat_fn)real(R_faccessat);
	return f ? f(dirfd, path, mode, flags)
		 : (int)syscall(SYS_faccessat, dirfd, path, mode);
}

/* ------------------------------------------------------------------ */
/* ioctl                                                               */
/* ------------------------------------------------------------------ */

/* The VP a thread is running (MSHV_RUN_VP), for the signal trampoline. */
static __thread struct emu_vp *volatile tls_current_vp TLS_IE;

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
	if (created)
		return install_created(created);
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
 * unchanged. They are interposed only to drop the user-memory accessor's
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

PRELOAD_EXPORT int munmap(void *addr, size_t len)
{
	munmap_fn f = (munmap_fn)real(R_munmap);
	int r = f ? f(addr, len) : (int)syscall(SYS_munmap, addr, len);

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
	}
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
	int r = f ? f(addr, len, prot)
		  : (int)syscall(SYS_mprotect, addr, len, prot);

	uaccess_self_invalidate();
	return r;
}

PRELOAD_EXPORT int pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
	pkey_mprotect_fn f = (pkey_mprotect_fn)real(R_pkey_mprotect);
	int r = f ? f(addr, len, prot, pkey)
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

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

/*
 * When the program installs a handler, the kernel gets our trampoline
 * instead (always SA_SIGINFO, with the program's mask and other flags);
 * the program's handler is published in sig_cur[sig] as an immutable,
 * never-freed record, so the trampoline reads it with one atomic load.
 * Records are interned by (handler, flags), so re-installing the same
 * handler does not allocate. SA_RESETHAND handlers are passed through
 * unchanged (the kernel resets them to SIG_DFL behind our back).
 *
 * Updates are serialized by a mutex taken with all signals blocked, so
 * sigaction stays usable from signal handlers.
 */
struct sig_rec {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *);
	} fn;
	int flags;		/* the program's sa_flags */
	struct sig_rec *next;	/* intern list */
};

#define SIG_REC_POOL 256

static _Atomic(const struct sig_rec *) sig_cur[_NSIG];
static struct sig_rec sig_pool[SIG_REC_POOL];
static unsigned sig_pool_used;
static struct sig_rec *sig_interned;
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;

static void sig_trampoline(int sig, siginfo_t *info, void *uc)
{
	struct emu_vp *vp = tls_current_vp;
	const struct sig_rec *rec;

	if (vp) {
		int saved = errno;

		emu_vp_kick(vp);
		errno = saved;
	}
	if (sig <= 0 || sig >= _NSIG)
		return;
	rec = atomic_load_explicit(&sig_cur[sig], memory_order_acquire);
	if (!rec)
		return;
	if (rec->flags & SA_SIGINFO)
		rec->fn.action(sig, info, uc);
	else
		rec->fn.handler(sig);
}

/* Under sig_lock. */
static const struct sig_rec *sig_intern(const struct sigaction *act)
{
	struct sig_rec *r;
	bool si = (act->sa_flags & SA_SIGINFO) != 0;

	for (r = sig_interned; r; r = r->next) {
		if (r->flags != act->sa_flags)
			continue;
		if (si ? r->fn.action == act->sa_sigaction
		       : r->fn.handler == act->sa_handler)
			return r;
	}
	if (sig_pool_used < SIG_REC_POOL)
		r = &sig_pool[sig_pool_used++];
	else if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	if (si)
		r->fn.action = act->sa_sigaction;
	else
		r->fn.handler = act->sa_handler;
	r->flags = act->sa_flags;
	r->next = sig_interned;
	sig_interned = r;
	return r;
}

static bool sig_wrappable(int sig, const struct sigaction *act)
{
	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	if (act->sa_flags & SA_RESETHAND)
		return false;
	if (act->sa_flags & SA_SIGINFO)
		return act->sa_sigaction != NULL;
	return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

static int do_sigaction(enum real_id id, int sig, const struct sigaction *act,
			struct sigaction *oact)
{
	sigaction_fn f = (sigaction_fn)real(id);
	const struct sig_rec *prev, *rec = NULL;
	struct sigaction kact, kold;
	const struct sigaction *pass = act;
	sigset_t all, oldmask;
	int ret, e;

	if (!f && id == R___sigaction)
		f = (sigaction_fn)real(R_sigaction);
	if (!f) {
		errno = ENOSYS;
		return -1;
	}
	if (sig <= 0 || sig >= _NSIG)
		return f(sig, act, oact);

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &oldmask);
	pthread_mutex_lock(&sig_lock);

	prev = atomic_load_explicit(&sig_cur[sig], memory_order_relaxed);
	if (act && sig_wrappable(sig, act)) {
		rec = sig_intern(act);
		if (rec) {
			kact = *act;
			kact.sa_sigaction = sig_trampoline;
			kact.sa_flags |= SA_SIGINFO;
			pass = &kact;
			/* Published before the kernel switch-over so a signal
			 * taken meanwhile never finds an empty record. */
			atomic_store_explicit(&sig_cur[sig], rec,
					      memory_order_release);
		}
	}
	memset(&kold, 0, sizeof(kold));
	ret = f(sig, pass, &kold);
	e = errno;
	if (ret < 0) {
		if (rec)
			atomic_store_explicit(&sig_cur[sig], prev,
					      memory_order_release);
	} else if (oact) {
		*oact = kold;
		if ((kold.sa_flags & SA_SIGINFO) &&
		    kold.sa_sigaction == sig_trampoline && prev) {
			if (prev->flags & SA_SIGINFO)
				oact->sa_sigaction = prev->fn.action;
			else
				oact->sa_handler = prev->fn.handler;
			oact->sa_flags = (kold.sa_flags & ~SA_SIGINFO) |
					 (prev->flags & SA_SIGINFO);
		}
	}

	pthread_mutex_unlock(&sig_lock);
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	errno = e;
	return ret;
}

PRELOAD_EXPORT int sigaction(int sig, const struct sigaction *act,
			     struct sigaction *oact)
{
	return do_sigaction(R_sigaction, sig, act, oact);
}

PRELOAD_EXPORT int __sigaction(int sig, const struct sigaction *act,
			       struct sigaction *oact)
{
	return do_sigaction(R___sigaction, sig, act, oact);
}

static sighandler_t signal_with_flags(int sig, sighandler_t handler,
				      int flags, bool mask_self)
{
	struct sigaction act, old;

	if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	if (mask_self && sigaddset(&act.sa_mask, sig) < 0)
		return SIG_ERR;
	act.sa_flags = flags;
	if (do_sigaction(R_sigaction, sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* BSD semantics, as glibc's signal(). */
PRELOAD_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESTART, true);
}

PRELOAD_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESTART, true);
}

/* System V semantics: one-shot (SA_RESETHAND, so never wrapped). */
PRELOAD_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESETHAND | SA_NODEFER,
				 false);
}

PRELOAD_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return signal_with_flags(sig, handler, SA_RESETHAND | SA_NODEFER,
				 false);
}
