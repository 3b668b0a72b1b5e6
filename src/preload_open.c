/* SPDX-License-Identifier: MIT */
/*
 * The device path: deciding whether a path names the emulated device,
 * opening it (open/openat and their 64-bit and fortified variants, which
 * also initialize the core on first use), and making it stat/access like
 * a character device.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE

#include "preload.h"
#include "tap.h"

/* Prototypes glibc only declares under some feature/fortify settings. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags);

#define MSHV_DEFAULT_DEVICE "/dev/mshv"

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
/* Core initialization, on the first open of the device               */
/* ------------------------------------------------------------------ */

static atomic_bool core_ready;
static pthread_mutex_t core_init_lock = PTHREAD_MUTEX_INITIALIZER;

/* --trace and --fault of "mshv-emu run", passed down in the environment
 * (src/mshv-emu.c); attached to every device open. */
static struct mshv_tap *preload_tap;

static int core_init_once(void)
{
	int ret = 0;

	if (atomic_load_explicit(&core_ready, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&core_init_lock);
	if (!atomic_load_explicit(&core_ready, memory_order_relaxed)) {
		ret = emu_init();
		if (ret >= 0)
			preload_tap = tap_new(getenv("MSHV_EMU_TRACE"),
					      getenv("MSHV_EMU_TRACE_FILTER"), NULL,
					      getenv("MSHV_EMU_FAULT"), &ret);
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

/* Reads open's optional mode argument into mode (a macro: only the
 * variadic function itself can walk its arguments). */
#define OPEN_VA_MODE(flags, mode)                                             \
	do {                                                                  \
		if (OPEN_NEEDS_MODE(flags)) {                                 \
			va_list ap;                                           \
                                                                              \
			va_start(ap, flags);                                  \
			(mode) = (mode_t)va_arg(ap, int);                     \
			va_end(ap);                                           \
		}                                                             \
	} while (0)

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
	if (preload_tap) {
		tap_get(preload_tap);
		obj->tap = preload_tap;
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

	OPEN_VA_MODE(flags, mode);
	if (is_mshv_path(AT_FDCWD, path))
		return mshv_open_device(flags);
	return fwd_open(R_open, path, flags, mode);
}

PRELOAD_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_VA_MODE(flags, mode);
	if (is_mshv_path(AT_FDCWD, path))
		return mshv_open_device(flags);
	return fwd_open(R_open64, path, flags, mode);
}

PRELOAD_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_VA_MODE(flags, mode);
	if (is_mshv_path(dirfd, path))
		return mshv_open_device(flags);
	return fwd_openat(R_openat, dirfd, path, flags, mode);
}

PRELOAD_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_VA_MODE(flags, mode);
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

#define DEFINE_FAKE_STAT(name, type)                                          \
	static int name(type *st)                                             \
	{                                                                     \
		if (!st) {                                                    \
			errno = EFAULT;                                       \
			return -1;                                            \
		}                                                             \
		FILL_FAKE_STAT(st);                                           \
		return 0;                                                     \
	}

DEFINE_FAKE_STAT(fake_stat, struct stat)
DEFINE_FAKE_STAT(fake_stat64, struct stat64)

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
