/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: the caller's memory (docs/cuse.md).
 *
 * The user-memory accessor (struct mshv_uaccess) the daemon hands to the
 * shared decoder for every request: reads and writes go to the calling
 * thread with process_vm_readv/writev (FUSE request pid = the caller's TID);
 * guest RAM is mapped into the daemon, zero-copy (guest_map.c); the
 * caller's eventfds are fetched with pidfd_getfd.
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
	long maps;		/* daemon mappings charged to the user */
	struct greg *next;
};

struct ptrec {
	atomic_int refs;
	atomic_bool poisoned;
	uid_t uid;		/* charged for the partition and its mappings */
	pthread_mutex_t mu;
	struct greg *regions;
};

struct ptrec *mshvd_ptrec_new(uid_t uid)
{
	struct ptrec *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	atomic_init(&p->poisoned, false);
	p->uid = uid;
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

/* Drops a region's mapping and its charge. */
static void unmap_region(struct ptrec *p, void *base, uint64_t size, long maps)
{
	mshvd_guard_del(base);
	munmap(base, size);
	mshvd_quota_release(p->uid, MSHVD_RES_MAPS, maps);
}

static void greg_free(struct ptrec *p, struct greg *g)
{
	unmap_region(p, g->base, g->size, g->maps);
	atomic_fetch_sub(&mshvd_st_regions, 1);
	free(g);
}

/* The last reference goes after the last mshv_obj of the partition, i.e.
 * after the core destroyed it: the guest RAM mappings can go now. */
void mshvd_ptrec_put(struct ptrec *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	for (struct greg *g = p->regions, *n; g; g = n) {
		n = g->next;
		greg_free(p, g);
	}
	mshvd_quota_release(p->uid, MSHVD_RES_PARTITIONS, 1);
	pthread_mutex_destroy(&p->mu);
	free(p);
	atomic_fetch_sub(&mshvd_st_partitions, 1);
}

void mshvd_ptrec_poison(struct ptrec *p)
{
	if (p)
		atomic_store(&p->poisoned, true);
}

bool mshvd_ptrec_poisoned(const struct ptrec *p)
{
	return p && atomic_load(&p->poisoned);
}

/* ---- the caller's memory ---- */

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

/* What mshvd_map_guest mapped for this call and the core did not take, or
 * a region the core dropped at unmap: the daemon's view goes too. */
static void ua_unmap_guest(void *c, void *host, uint64_t size)
{
	struct ua_ctx *u = c;
	struct greg *g = NULL;

	(void)size;
	if (!u->pr)
		return;
	if (u->pm && u->pm->base == host) {
		unmap_region(u->pr, u->pm->base, u->pm->size, u->pm->maps);
		memset(u->pm, 0, sizeof *u->pm);
		return;
	}
	pthread_mutex_lock(&u->pr->mu);
	for (struct greg **pp = &u->pr->regions; *pp; pp = &(*pp)->next)
		if ((*pp)->base == host) {
			g = *pp;
			*pp = g->next;
			break;
		}
	pthread_mutex_unlock(&u->pr->mu);
	if (g)
		greg_free(u->pr, g);
}

void mshvd_ua_init(struct mshv_uaccess *ua, struct ua_ctx *u, pid_t tid)
{
	memset(u, 0, sizeof *u);
	u->tid = tid;
	ua->read = ua_read;
	ua->write = ua_write;
	ua->map_guest = mshvd_map_guest;
	ua->unmap_guest = ua_unmap_guest;
	ua->get_fd = ua_get_fd;
	ua->ctx = u;
	ua->same_view = false;	/* the client writes through its own process */
}

/* ---- MSHV_SET_GUEST_MEMORY: map and unmap the daemon's view too ---- */

long mshvd_set_guest_memory(struct fh *f, uint64_t arg, struct mshv_uaccess *ua,
			    struct ua_ctx *u)
{
	struct mshv_user_mem_region r;
	struct pending_map pm = { 0 };
	struct mshv_obj *created = NULL;
	long rc;

	if (ua_read(u, &r, arg, sizeof r))
		return -EFAULT;
	/* The decoder reads the struct again: it must see these very bytes,
	 * or a racing caller could make the daemon record another region
	 * than the core maps. Unmap needs nothing of the daemon's: the core
	 * knows the region by the caller's address and hands back the
	 * daemon's view (ua_unmap_guest). */
	u->patch = &r;
	u->patch_addr = arg;
	u->patch_len = sizeof r;
	u->pm = &pm;
	u->pr = f->pr;
	u->uid = f->pr->uid;	/* released to the same user (unmap_region) */
	rc = mshv_dev_ioctl(f->obj, MSHV_SET_GUEST_MEMORY, arg, ua, NULL, &created);
	/* pm.base: mapped here and taken by the core (a refusal released it). */
	if (pm.base) {
		struct greg *n = calloc(1, sizeof *n);

		if (!n) {
			/* Cannot track it: undo. */
			emu_unmap_guest(f->obj->pt, r.guest_pfn, pm.size, r.userspace_addr, NULL);
			unmap_region(f->pr, pm.base, pm.size, pm.maps);
			return -ENOMEM;
		}
		*n = (struct greg){ .gfn = r.guest_pfn, .size = pm.size, .maps = pm.maps,
				    .uaddr = r.userspace_addr, .base = pm.base };
		pthread_mutex_lock(&f->pr->mu);
		n->next = f->pr->regions;
		f->pr->regions = n;
		pthread_mutex_unlock(&f->pr->mu);
		atomic_fetch_add(&mshvd_st_regions, 1);
	}
	return rc;
}
