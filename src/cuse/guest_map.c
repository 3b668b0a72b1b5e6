/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: the VMM's guest RAM mapped into the daemon (docs/cuse.md §2,
 * docs/security.md "CUSE daemon").
 *
 * Every vma of the range is opened through /proc/TGID/map_files (the
 * backing file: memfd, /dev/shm, shared anonymous, hugetlbfs) and mapped
 * MAP_SHARED at the same relative place inside one reservation, zero-copy.
 *
 * The daemon is root and map_files opens with the opener's rights, so the
 * caller's own vma is the authority: a page is mapped writable only if the
 * caller's vma is writable and shared, the file is opened with no more
 * access than that, and a write-sealed memfd is never mapped writable. A
 * writable request the caller could not honour fails with EFAULT, the
 * errno of the kernel driver's pin_user_pages(FOLL_WRITE); nothing falls
 * back to a weaker mapping, so the core's permissions are what is mapped.
 * The daemon never maps guest RAM executable: Unicorn translates guest
 * code, it never runs it in place, so a guest-executable region needs only
 * read access.
 *
 * Files on FUSE mounts are refused: opening one would wait on its server,
 * which the client may run (check_fs).
 *
 * Races: the caller may remap the range while we look. The files are
 * opened after reading /proc/TGID/maps, then the maps are read again and
 * every vma must still be there with the same bounds, offset and
 * permissions, and map the very file we opened (st_dev, st_ino); the
 * process start time, read first and last, proves the pid was not reused
 * meanwhile.
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"
#include "../procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <mshv-emu/emu.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010	/* Linux 5.1 */
#endif

/* A region spanning more vmas than this is refused (ENOMEM): each one
 * costs the daemon a mapping of its own (vm.max_map_count). */
#define MAX_PIECES 256

struct piece {
	uint64_t vstart, vend;	/* the caller's vma */
	uint64_t start, end;	/* the part of it inside the region */
	uint64_t off;		/* file offset of start */
	char perms[5];
	dev_t dev;
	ino_t ino;
	int fd;
};

static void private_memory_hint(pid_t tgid, uint64_t uaddr, uint64_t size)
{
	static struct mshvd_ratelimit rl;

	mshvd_log_limited(&rl, MSHVD_LOG_WARN,
			  "pid %d: guest memory %#" PRIx64 "+%#" PRIx64 " is a private mapping and "
			  "cannot be shared with mshv-emud (EOPNOTSUPP); back guest RAM with shared "
			  "memory: QEMU -object memory-backend-memfd,share=on, Cloud Hypervisor "
			  "--memory shared=on, or mmap(MAP_SHARED) of a memfd, /dev/shm file or "
			  "anonymous memory", (int)tgid, uaddr, size);
}

/* Collects the vmas of tgid covering [uaddr, uaddr + size), checked
 * against the access asked for. 0 or -errno. */
static int read_pieces(pid_t tgid, uint64_t uaddr, uint64_t size, unsigned access,
		       struct piece **out, size_t *np)
{
	char path[64], line[512];
	uint64_t cur = uaddr, end = uaddr + size;
	struct piece *p = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)tgid);
	f = fopen(path, "re");
	if (!f)
		return -EFAULT;
	while (cur < end && fgets(line, sizeof line, f)) {
		unsigned long vs, ve, off, ino;
		unsigned maj, min;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &vs, &ve, perms, &off, &maj, &min,
			   &ino) != 7 || strlen(perms) != 4)
			continue;
		if (ve <= cur)
			continue;
		if (vs > cur) {
			/* No vma at the start: the driver's EINVAL; a hole
			 * further on fails its pin: EFAULT. */
			rc = cur == uaddr ? -EINVAL : -EFAULT;
			break;
		}
		if (perms[3] != 's') {
			private_memory_hint(tgid, uaddr, size);
			rc = -EOPNOTSUPP;
			break;
		}
		/* The driver pins every page for writing whatever the region's
		 * flags (mshv_region_pin: pin_user_pages_fast with FOLL_WRITE |
		 * FOLL_LONGTERM, drivers/hv/mshv_regions.c), so memory the
		 * caller cannot write is EFAULT even for a read-only region. */
		if (perms[0] != 'r' || perms[1] != 'w') {
			rc = -EFAULT;
			break;
		}
		if (n == MAX_PIECES) {
			rc = -ENOMEM;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 4;
			struct piece *q = realloc(p, nc * sizeof *q);
			if (!q) {
				rc = -ENOMEM;
				break;
			}
			p = q, cap = nc;
		}
		uint64_t pe = ve < end ? ve : end;
		p[n] = (struct piece){ .vstart = vs, .vend = ve, .start = cur, .end = pe,
				       .off = off + (cur - vs), .dev = makedev(maj, min),
				       .ino = (ino_t)ino, .fd = -1 };
		memcpy(p[n].perms, perms, 5);
		n++;
		cur = pe;
	}
	fclose(f);
	if (!rc && cur < end)
		rc = cur == uaddr ? -EINVAL : -EFAULT;
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	*np = n;
	return 0;
}

/* The devices of the kernel's internal shmem and hugetlbfs mounts (memfds,
 * MAP_SHARED|MAP_ANONYMOUS), which no mountinfo lists; 0: unknown. */
static dev_t g_shm_dev, g_huge_dev;

static dev_t memfd_dev(unsigned flags)
{
	struct stat st;
	int fd = memfd_create("mshv-emud-probe", MFD_CLOEXEC | flags);
	dev_t d = fd >= 0 && !fstat(fd, &st) ? st.st_dev : 0;

	if (fd >= 0)
		close(fd);
	return d;
}

void mshvd_map_init(void)
{
	g_shm_dev = memfd_dev(0);
	g_huge_dev = memfd_dev(MFD_HUGETLB);
}

/* The type of mount mnt_id in the caller's namespace into fstype, or "". */
static void mount_type(pid_t tgid, uint64_t mnt_id, char *fstype, size_t len)
{
	char path[64], line[1024];
	FILE *f;

	*fstype = 0;
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)tgid);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof line, f)) {
		const char *sep = strstr(line, " - ");
		char type[64];

		if (strtoull(line, NULL, 10) != mnt_id || !sep || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		snprintf(fstype, len, "%s", type);
		break;
	}
	fclose(f);
}

/*
 * The dispatch thread must never wait for a client: opening a file on a
 * FUSE mount sends FUSE_OPEN to its server, which the client may run and
 * stall. The file is looked at through an O_PATH open (no ->open call) and
 * statx without a sync (no FUSE_GETATTR); a FUSE mount, or a detached mount
 * (umount -l) that is not the kernel's internal shmem or hugetlbfs, is
 * refused with EOPNOTSUPP before the real open.
 */
static int check_fs(pid_t tgid, const char *path, const struct piece *p)
{
	static struct mshvd_ratelimit rl;
	struct statx sx;
	char type[64];
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return 0;	/* the real open reports it */
	int r = statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx);
	close(fd);
	if (r || !(sx.stx_mask & STATX_MNT_ID))
		return 0;	/* before Linux 5.8: cannot tell */
	mount_type(tgid, sx.stx_mnt_id, type, sizeof type);
	if (*type ? strncmp(type, "fuse", 4) != 0 :
		    (g_shm_dev && p->dev == g_shm_dev) || (g_huge_dev && p->dev == g_huge_dev))
		return 0;
	mshvd_log_limited(&rl, MSHVD_LOG_WARN, "pid %d: guest memory at %#" PRIx64 " is a file "
			  "on a %s mount, which mshv-emud does not open (EOPNOTSUPP)", (int)tgid,
			  p->start, *type ? type : "detached");
	return -EOPNOTSUPP;
}

/* Opens each piece's file with the caller's access, no more. */
static int open_pieces(pid_t tgid, struct piece *p, size_t n, unsigned access)
{
	static struct mshvd_ratelimit rl;
	bool wr = access & EMU_MEM_WRITABLE;

	for (size_t i = 0; i < n; i++) {
		char path[96];
		struct stat st;

		snprintf(path, sizeof path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)tgid,
			 p[i].vstart, p[i].vend);
		int rc = check_fs(tgid, path, &p[i]);
		if (rc)
			return rc;
		p[i].fd = open(path, (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (p[i].fd < 0) {
			int e = errno;

			if (e == ENOENT)
				return -EFAULT;	/* remapped under us */
			if (e == EACCES || e == EROFS || e == ETXTBSY)
				return -EFAULT;	/* e.g. a file on a read-only mount */
			mshvd_log_limited(&rl, MSHVD_LOG_ERR, "pid %d: cannot open %s: %s (mapping "
					  "guest RAM needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE "
					  "in the initial user namespace)", (int)tgid, path,
					  strerror(e));
			return e == EPERM ? -EPERM : -EFAULT;
		}
		if (fstat(p[i].fd, &st) || st.st_dev != p[i].dev || st.st_ino != p[i].ino)
			return -EFAULT;
		if (wr) {
			int seals = fcntl(p[i].fd, F_GET_SEALS);

			if (seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
				return -EFAULT;
		}
	}
	return 0;
}

/* The caller's vmas still are what we opened, with the same rights. */
static int verify_pieces(pid_t tgid, uint64_t uaddr, uint64_t size, unsigned access,
			 const struct piece *p, size_t n)
{
	struct piece *q;
	size_t m;
	int rc = read_pieces(tgid, uaddr, size, access, &q, &m);

	if (rc)
		return rc;
	if (m != n)
		rc = -EFAULT;
	for (size_t i = 0; !rc && i < n; i++)
		if (q[i].vstart != p[i].vstart || q[i].vend != p[i].vend || q[i].off != p[i].off ||
		    q[i].dev != p[i].dev || q[i].ino != p[i].ino || strcmp(q[i].perms, p[i].perms))
			rc = -EFAULT;
	free(q);
	return rc;
}

static void close_pieces(struct piece *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
}

/* The start time of process tgid (/proc/TGID/stat field 22), or 0. Taken
 * before reading its maps and compared after, it proves the pid was not
 * reused meanwhile by another process (whose maps would be read). */
static unsigned long long start_time(pid_t tgid)
{
	char path[64], buf[1024];
	unsigned long long t = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)tgid);
	if (!(f = fopen(path, "re")))
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');	/* the name may hold spaces and ')' */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

void *mshvd_map_guest(void *c, uint64_t uaddr, uint64_t size, unsigned access, int *err)
{
	struct ua_ctx *u = c;
	pid_t tgid = procfs_tgid_of(u->tid);
	struct piece *p = NULL;
	uint8_t *base = MAP_FAILED;
	unsigned long long t0 = tgid > 0 ? start_time(tgid) : 0;
	size_t n = 0;
	int rc;

	*err = -EFAULT;
	if (!t0)
		return NULL;
	rc = read_pieces(tgid, uaddr, size, access, &p, &n);
	if (rc)
		goto out;
	rc = open_pieces(tgid, p, n, access);
	if (!rc)
		rc = verify_pieces(tgid, uaddr, size, access, p, n);
	if (!rc && start_time(tgid) != t0)
		rc = -EFAULT;
	if (!rc)
		rc = mshvd_quota_charge(u->uid, MSHVD_RES_MAPS, (long)n);
	if (rc)
		goto out;
	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		rc = -ENOMEM;
		goto uncharge;
	}
	int prot = PROT_READ | ((access & EMU_MEM_WRITABLE) ? PROT_WRITE : 0);
	for (size_t i = 0; i < n; i++) {
		void *m = mmap(base + (p[i].start - uaddr), p[i].end - p[i].start, prot,
			       MAP_SHARED | MAP_FIXED, p[i].fd, (off_t)p[i].off);
		if (m == MAP_FAILED) {
			/* EPERM/EACCES: a seal or mount forbids what we checked
			 * for: the pin's EFAULT. ENOMEM: out of mappings. */
			rc = errno == ENOMEM ? -ENOMEM : -EFAULT;
			goto unmap;
		}
	}
	rc = mshvd_guard_add(base, size, u->pr);
	if (rc)
		goto unmap;
	if (u->pm) {
		u->pm->base = base;
		u->pm->size = size;
		u->pm->maps = (long)n;
	}
	close_pieces(p, n);
	*err = 0;
	return base;
unmap:
	munmap(base, size);
uncharge:
	mshvd_quota_release(u->uid, MSHVD_RES_MAPS, (long)n);
out:
	close_pieces(p, n);
	*err = rc;
	return NULL;
}
