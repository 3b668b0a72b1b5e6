/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: the caller's memory (docs/cuse.md).
 *
 * The user-memory accessor (struct mshv_uaccess) the daemon hands to the
 * shared decoder for every request: reads and writes go to the calling
 * thread with process_vm_readv/writev (FUSE request pid = the caller's TID);
 * guest RAM is mapped into the daemon, zero-copy, through
 * /proc/PID/map_files; the caller's eventfds are fetched with pidfd_getfd.
 *
 * Also the partition's face record (struct ptrec), which tracks those guest
 * RAM mappings per MSHV_SET_GUEST_MEMORY region and unmaps them when the
 * partition is destroyed.
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"
#include "../mshv_dev.h"
#include "../procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/mshv.h>
#include <mshv-emu/emu.h>

/* ---- per-partition face record ---- */

struct greg {			/* one MSHV_SET_GUEST_MEMORY region */
	uint64_t gfn, size, uaddr;
	void *base;		/* the daemon's mapping of the VMM's pages */
	struct greg *next;
};

struct ptrec {
	atomic_int refs;
	pthread_mutex_t mu;
	struct greg *regions;
};

struct ptrec *mshvd_ptrec_new(void)
{
	struct ptrec *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	pthread_mutex_init(&p->mu, NULL);
	atomic_fetch_add(&mshvd_st_partitions, 1);
	return p;
}

struct ptrec *mshvd_ptrec_get(struct ptrec *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

/* The last reference goes after the last mshv_obj of the partition, i.e.
 * after the core destroyed it: the guest RAM mappings can go now. */
void mshvd_ptrec_put(struct ptrec *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	for (struct greg *g = p->regions, *n; g; g = n) {
		n = g->next;
		munmap(g->base, g->size);
		atomic_fetch_sub(&mshvd_st_regions, 1);
		free(g);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
	atomic_fetch_sub(&mshvd_st_partitions, 1);
}

/* ---- the caller's memory ---- */

struct pending_map {
	void *base;
	uint64_t size;
};

static void pvm_error(int err, pid_t tid)
{
	static atomic_bool once;

	if (!atomic_exchange(&once, true))
		mshvd_log(MSHVD_LOG_ERR,
			  "cannot access the memory of caller %d: %s (mshv-emud needs to run as root, "
			  "or with CAP_SYS_PTRACE, in the callers' pid namespace)",
			  (int)tid, strerror(err));
}

static int ua_read(void *c, void *dst, uint64_t uaddr, size_t n)
{
	struct ua_ctx *u = c;

	if (!n)
		return 0;
	if (u->patch && uaddr == u->patch_addr && n == u->patch_len) {
		memcpy(dst, u->patch, n);
		return 0;
	}
	if (u->tid <= 0) {
		pvm_error(ESRCH, u->tid);
		return -EFAULT;
	}
	struct iovec l = { dst, n }, r = { (void *)(uintptr_t)uaddr, n };
	ssize_t k = process_vm_readv(u->tid, &l, 1, &r, 1, 0);
	if (k == (ssize_t)n)
		return 0;
	if (k < 0 && errno != EFAULT)
		pvm_error(errno, u->tid);
	return -EFAULT;
}

static int ua_write(void *c, uint64_t uaddr, const void *src, size_t n)
{
	struct ua_ctx *u = c;

	if (!n)
		return 0;
	if (u->tid <= 0) {
		pvm_error(ESRCH, u->tid);
		return -EFAULT;
	}
	struct iovec l = { (void *)src, n }, r = { (void *)(uintptr_t)uaddr, n };
	ssize_t k = process_vm_writev(u->tid, &l, 1, &r, 1, 0);
	if (k == (ssize_t)n)
		return 0;
	if (k < 0 && errno != EFAULT)
		pvm_error(errno, u->tid);
	return -EFAULT;
}

struct piece {
	uint64_t vstart, vend, start, end, off;
};

static void private_memory_hint(pid_t tgid, uint64_t uaddr, uint64_t size)
{
	mshvd_log(MSHVD_LOG_WARN,
		  "pid %d: guest memory %#" PRIx64 "+%#" PRIx64 " is a private mapping and cannot be "
		  "shared with mshv-emud (EOPNOTSUPP); back guest RAM with shared memory: QEMU "
		  "-object memory-backend-memfd,share=on, Cloud Hypervisor --memory shared=on, or "
		  "mmap(MAP_SHARED) of a memfd, /dev/shm file or anonymous memory",
		  (int)tgid, uaddr, size);
}

/* Collects the vmas of tgid covering [uaddr, uaddr + size). 0 or -errno. */
static int find_pieces(pid_t tgid, uint64_t uaddr, uint64_t size, struct piece **out, size_t *np)
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
		unsigned long vs, ve, off;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx", &vs, &ve, perms, &off) != 4)
			continue;
		if (ve <= cur)
			continue;
		if (vs > cur) {
			rc = -EFAULT;	/* a hole in the range */
			break;
		}
		if (perms[3] != 's') {
			private_memory_hint(tgid, uaddr, size);
			rc = -EOPNOTSUPP;
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
		p[n++] = (struct piece){ .vstart = vs, .vend = ve, .start = cur, .end = pe,
					  .off = off + (cur - vs) };
		cur = pe;
	}
	fclose(f);
	if (!rc && cur < end)
		rc = -EFAULT;
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	*np = n;
	return 0;
}

/*
 * Maps the VMM's guest RAM into the daemon, zero-copy: every vma of the
 * range is opened through /proc/TGID/map_files (the backing file: memfd,
 * /dev/shm, shared anonymous, hugetlbfs) and mapped MAP_SHARED at the same
 * relative place inside one reservation.
 */
static void *ua_map_guest(void *c, uint64_t uaddr, uint64_t size, int *err)
{
	struct ua_ctx *u = c;
	pid_t tgid = procfs_tgid_of(u->tid);
	struct piece *p;
	size_t n;
	int rc;

	if (tgid <= 0) {
		*err = -EFAULT;
		return NULL;
	}
	rc = find_pieces(tgid, uaddr, size, &p, &n);
	if (rc) {
		*err = rc;
		return NULL;
	}
	uint8_t *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		free(p);
		*err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char path[96];
		int prot = PROT_READ | PROT_WRITE;

		snprintf(path, sizeof path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)tgid,
			 p[i].vstart, p[i].vend);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EROFS)) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			prot = PROT_READ;
		}
		if (fd < 0) {
			rc = -errno;
			mshvd_log(MSHVD_LOG_ERR, "pid %d: cannot open %s: %s (mapping guest RAM needs "
				  "CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the initial user namespace)",
				  (int)tgid, path, strerror(errno));
			if (rc == -EPERM || rc == -EACCES || rc == -ENOENT)
				rc = rc == -ENOENT ? -EFAULT : -EPERM;
			goto fail;
		}
		void *m = mmap(base + (p[i].start - uaddr), p[i].end - p[i].start, prot,
			       MAP_SHARED | MAP_FIXED, fd, (off_t)p[i].off);
		if (m == MAP_FAILED && prot != PROT_READ && (errno == EACCES || errno == EPERM))
			m = mmap(base + (p[i].start - uaddr), p[i].end - p[i].start, PROT_READ,
				 MAP_SHARED | MAP_FIXED, fd, (off_t)p[i].off);
		if (m == MAP_FAILED) {
			rc = -errno;
			mshvd_log(MSHVD_LOG_ERR, "pid %d: cannot map guest RAM %#" PRIx64 "+%#" PRIx64
				  ": %s", (int)tgid, p[i].start, p[i].end - p[i].start, strerror(errno));
			close(fd);
			goto fail;
		}
		close(fd);
	}
	free(p);
	if (u->pm) {
		u->pm->base = base;
		u->pm->size = size;
	}
	return base;
fail:
	free(p);
	munmap(base, size);
	*err = rc;
	return NULL;
}

/* The caller's eventfds (irqfd/ioeventfd) are fetched with pidfd_getfd. */
static int ua_get_fd(void *c, int fd)
{
	struct ua_ctx *u = c;
	pid_t tgid = procfs_tgid_of(u->tid);
	if (tgid <= 0)
		return -ESRCH;
	int pfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pfd < 0)
		return -errno;
	int l = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	int err = errno;
	close(pfd);
	if (l < 0)
		return err == EBADF ? -EBADF : -err;
	return l;
}

void mshvd_ua_init(struct mshv_uaccess *ua, struct ua_ctx *u, pid_t tid)
{
	memset(u, 0, sizeof *u);
	u->tid = tid;
	ua->read = ua_read;
	ua->write = ua_write;
	ua->map_guest = ua_map_guest;
	ua->get_fd = ua_get_fd;
	ua->ctx = u;
}

/* ---- MSHV_SET_GUEST_MEMORY: map and unmap the daemon's view too ---- */

long mshvd_set_guest_memory(struct fh *f, uint64_t arg, struct mshv_uaccess *ua,
			    struct ua_ctx *u)
{
	struct mshv_user_mem_region r, patched;
	struct pending_map pm = { 0 };
	struct greg *g = NULL;
	struct mshv_obj *created = NULL;
	bool unmap = false;
	long rc;

	u->pm = &pm;
	if (ua_read(u, &r, arg, sizeof r) == 0 && (r.flags & (1u << MSHV_SET_MEM_BIT_UNMAP))) {
		/* The core knows the region by the daemon's address. */
		unmap = true;
		pthread_mutex_lock(&f->pr->mu);
		for (g = f->pr->regions; g; g = g->next)
			if (g->gfn == r.guest_pfn && g->size == r.size && g->uaddr == r.userspace_addr)
				break;
		pthread_mutex_unlock(&f->pr->mu);
		patched = r;
		if (g)
			patched.userspace_addr = (uintptr_t)g->base;
		else if (!(r.userspace_addr & 4095))
			patched.userspace_addr = 0;	/* matches no region */
		u->patch = &patched;
		u->patch_addr = arg;
		u->patch_len = sizeof patched;
	}
	rc = mshv_dev_ioctl(f->obj, MSHV_SET_GUEST_MEMORY, arg, ua, NULL, &created);
	if (pm.base) {
		struct greg *n = rc == 0 ? calloc(1, sizeof *n) : NULL;

		if (rc == 0 && !n) {
			/* Cannot track it: undo. */
			emu_unmap_gpa(f->obj->pt, r.guest_pfn, pm.size, pm.base);
			rc = -ENOMEM;
		}
		if (rc) {
			munmap(pm.base, pm.size);
		} else {
			*n = (struct greg){ .gfn = r.guest_pfn, .size = pm.size,
					    .uaddr = r.userspace_addr, .base = pm.base };
			pthread_mutex_lock(&f->pr->mu);
			n->next = f->pr->regions;
			f->pr->regions = n;
			pthread_mutex_unlock(&f->pr->mu);
			atomic_fetch_add(&mshvd_st_regions, 1);
		}
	}
	if (unmap && g && rc == 0) {
		pthread_mutex_lock(&f->pr->mu);
		for (struct greg **pp = &f->pr->regions; *pp; pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				break;
			}
		pthread_mutex_unlock(&f->pr->mu);
		munmap(g->base, g->size);
		free(g);
		atomic_fetch_sub(&mshvd_st_regions, 1);
	}
	return rc;
}
