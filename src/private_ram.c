/* SPDX-License-Identifier: MIT */
/*
 * Private anonymous guest RAM made shareable when the VMM registers it
 * (private_ram.h, docs/cuse.md §2.1).
 *
 * The registering thread is parked in the seccomp notification. The
 * launcher ptrace-seizes that one thread and interrupts it, which cancels
 * the notification and leaves the ioctl to be restarted (the kernel's
 * seccomp_do_user_notification() answers an interrupted wait with
 * -ERESTARTSYS). On the stopped thread it then runs, through the syscall
 * instruction the thread has just executed:
 *   memfd_create + ftruncate      per private piece of the range;
 *   (the launcher copies the piece's present pages into the memfd, taken
 *    with pidfd_getfd, from /proc/PID/pagemap runs with process_vm_readv)
 *   mmap(MAP_SHARED | MAP_FIXED)  over the same addresses, same protection;
 *   close                         the mapping keeps the file.
 * and restores the registers so that the ioctl is issued again; it comes
 * back as a new notification on a range that is now shared, which goes
 * through to the daemon. On failure before the first MAP_FIXED nothing of
 * the VMM's memory has changed: the memfds are closed and the ioctl
 * returns the errno instead.
 *
 * Other threads are not stopped: VPs keep running in other regions. A
 * range being registered is not yet guest memory, and a VMM does not write
 * it from another thread while it registers it (docs/cuse.md §2.1).
 */
#define _GNU_SOURCE
#include <config.h>

#include "private_ram.h"
#include "stopped_thread.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/mshv.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

#define PG 4096ull
#define MAX_PIECES 256 /* as many as the daemon maps (guest_map.c) */

struct piece {
	uint64_t start, end;	/* part of a private anonymous vma, in the range */
	uint64_t huge;		/* hugetlb page size; 0: ordinary pages */
	unsigned adv;		/* advices[] bits, ADV_* */
	int prot;
	long tfd;		/* the memfd in the VMM, or -1 */
};

struct conv {
	struct stopped_thread t;
	int pidfd;
	struct piece p[MAX_PIECES];
	size_t n;
	uint64_t copied;	/* bytes */
};

/* ---- the range ---- */

/* Advice a fresh mapping would lose, from smaps VmFlags: re-applied after
 * the MAP_FIXED (mlock last). */
static const struct { char flag[3]; int advice; } advices[] = {
	{ "dc", MADV_DONTFORK }, { "dd", MADV_DONTDUMP },
	{ "hg", MADV_HUGEPAGE }, { "nh", MADV_NOHUGEPAGE },
};
#define ADV_LOCKED (1u << 8)	/* "lo": mlock'ed */
#define ADV_ONFAULT (1u << 9)	/* "lf": MLOCK_ONFAULT */

/* tgid's vma at vstart: its page size (smaps KernelPageSize) and advice. */
static uint64_t vma_info(pid_t tgid, unsigned long vstart, unsigned *adv)
{
	char path[64], line[512];
	bool in = false;
	uint64_t kb = 0;
	FILE *f;

	*adv = 0;
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)tgid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = s == vstart;
		} else if (in && sscanf(line, "KernelPageSize: %" SCNu64 " kB", &kb) == 1) {
			continue;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			for (char *t = strtok(line + 8, " \n"); t; t = strtok(NULL, " \n")) {
				for (unsigned i = 0; i < sizeof advices / sizeof advices[0]; i++)
					if (!strcmp(t, advices[i].flag))
						*adv |= 1u << i;
				*adv |= !strcmp(t, "lo") ? ADV_LOCKED : !strcmp(t, "lf") ? ADV_ONFAULT : 0;
			}
			break;
		}
	}
	fclose(f);
	return kb * 1024;
}

/* Anonymous memory the VMM owns alone: no file, or the hugetlb file the
 * kernel makes for MAP_HUGETLB (nobody else can open it). */
static bool anon_path(const char *path, bool *hugetlb)
{
	*hugetlb = !strncmp(path, "/anon_hugepage", 14);
	return !*path || *hugetlb || !strcmp(path, "[heap]") || !strncmp(path, "[anon:", 6);
}

/* The private anonymous, writable parts of [start, end): 0 or -errno. */
static int find_pieces(struct conv *c, uint64_t start, uint64_t end)
{
	char path[64], line[512];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)c->t.tgid);
	if (!(f = fopen(path, "re")))
		return -ESRCH;
	while (fgets(line, sizeof line, f)) {
		unsigned long vs, ve, off, ino;
		unsigned maj, min;
		char perms[8];
		int at = 0;
		bool huge;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &vs, &ve, perms, &off, &maj, &min,
			   &ino, &at) < 7 || strlen(perms) != 4)
			continue;
		if (ve <= start || vs >= end)
			continue;
		line[strcspn(line, "\n")] = 0;
		/* The daemon needs rw (the driver pins for writing): anything
		 * else is left for its errno. */
		if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p' ||
		    !anon_path(line + at, &huge))
			continue;
		struct piece pc = { .start = vs > start ? vs : start, .end = ve < end ? ve : end,
				    .prot = PROT_READ | PROT_WRITE |
					    (perms[2] == 'x' ? PROT_EXEC : 0), .tfd = -1 };
		uint64_t psz = vma_info(c->t.tgid, vs, &pc.adv);
		if (huge) {
			pc.huge = psz;
			/* MAP_FIXED of hugetlb needs its alignment; else the
			 * daemon answers as for any private memory. */
			if (!pc.huge || (pc.huge & (pc.huge - 1)) || pc.start % pc.huge ||
			    pc.end % pc.huge)
				continue;
		}
		if (c->n == MAX_PIECES) {
			rc = -ENOMEM;
			break;
		}
		c->p[c->n++] = pc;
	}
	fclose(f);
	return rc;
}

/* ---- the conversion ---- */

/*
 * Where a piece's pages go: the memfd written with pwrite through a bounce
 * buffer (no page faults in the launcher: a shared mapping would take a
 * write fault per page, 5x slower as measured), or for hugetlbfs, which
 * has no write(), the launcher's mapping of it.
 */
struct sink {
	int fd;
	uint8_t *map;
};

static int copy_run(struct conv *c, const struct piece *p, const struct sink *k, uint64_t run,
		    uint64_t len)
{
	static uint8_t buf[1 << 20];

	c->copied += len;
	if (k->map) {
		struct iovec l = { k->map + (run - p->start), len };
		struct iovec r = { (void *)(uintptr_t)run, len };

		return process_vm_readv(c->t.tid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
	}
	for (uint64_t o = 0; o < len; o += sizeof buf) {
		size_t n = len - o < sizeof buf ? len - o : sizeof buf;
		struct iovec l = { buf, n }, r = { (void *)(uintptr_t)(run + o), n };

		if (process_vm_readv(c->t.tid, &l, 1, &r, 1, 0) != (ssize_t)n)
			return -EFAULT;
		if (pwrite(k->fd, buf, n, (off_t)(run + o - p->start)) != (ssize_t)n)
			return errno == ENOSPC ? -ENOMEM : -EIO;
	}
	return 0;
}

/* Copies the present (or swapped) pages of p from the VMM into k: an
 * untouched page is zero in the memfd as in the VMM, and is not touched. */
static int copy_present(struct conv *c, const struct piece *p, const struct sink *k)
{
	static uint64_t ent[8192];
	char path[64];
	uint64_t run = 0, len = 0;
	size_t cnt;
	int fd, rc = 0;

	snprintf(path, sizeof path, "/proc/%d/pagemap", (int)c->t.tgid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	for (uint64_t a = p->start; a < p->end && !rc; a += cnt * PG) {
		cnt = (p->end - a) / PG < 8192 ? (p->end - a) / PG : 8192;
		if (pread(fd, ent, cnt * 8, (off_t)(a / PG * 8)) != (ssize_t)(cnt * 8)) {
			rc = -EFAULT;
			break;
		}
		for (size_t i = 0; i < cnt && !rc; i++) {
			if (ent[i] & (3ull << 62)) {	/* present | swapped */
				if (!len)
					run = a + i * PG;
				len += PG;
			} else if (len) {
				rc = copy_run(c, p, k, run, len);
				len = 0;
			}
		}
	}
	if (!rc && len)
		rc = copy_run(c, p, k, run, len);
	close(fd);
	return rc;
}

/* Creates piece p's memfd in the VMM, sized and filled. */
static int fill_piece(struct conv *c, struct piece *p, uint64_t name)
{
	uint64_t len = p->end - p->start;
	unsigned flags = MFD_CLOEXEC;

	if (p->huge)
		flags |= MFD_HUGETLB | ((unsigned)__builtin_ctzll(p->huge) << MFD_HUGE_SHIFT);
	p->tfd = stopped_thread_syscall(&c->t, SYS_memfd_create, name, flags, 0, 0, 0, 0);
	if (p->tfd < 0)
		return (int)p->tfd;
	long r = stopped_thread_syscall(&c->t, SYS_ftruncate, (uint64_t)p->tfd, len, 0, 0, 0, 0);
	if (r < 0)
		return (int)r;
	struct sink k = { (int)syscall(SYS_pidfd_getfd, c->pidfd, (int)p->tfd, 0), NULL };
	if (k.fd < 0)
		return -errno;
	if (p->huge) {
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, k.fd, 0);

		if (m == MAP_FAILED) {
			int e = errno;
			close(k.fd);
			return -e;	/* e.g. ENOMEM: too few huge pages */
		}
		k.map = m;
	}
	int rc = copy_present(c, p, &k);
	if (k.map)
		munmap(k.map, len);
	close(k.fd);
	return rc;
}

/* The piece's advice, as on the private mapping (best effort: advice is
 * not contents; MADV_HUGEPAGE on shmem follows shmem_enabled). */
static void readvise(struct conv *c, const struct piece *p)
{
	uint64_t len = p->end - p->start;

	for (unsigned i = 0; i < sizeof advices / sizeof advices[0]; i++)
		if (p->adv & (1u << i))
			stopped_thread_syscall(&c->t, SYS_madvise, p->start, len,
					       (uint64_t)advices[i].advice, 0, 0, 0);
	if (p->adv & ADV_LOCKED)
		stopped_thread_syscall(&c->t, SYS_mlock2, p->start, len,
				       (p->adv & ADV_ONFAULT) ? MLOCK_ONFAULT : 0, 0, 0, 0);
}

static int convert(struct conv *c)
{
	static const char name[] = "mshv-guest-ram";
	/* Below the red zone of the stopped thread's stack. */
	uint64_t at = (c->t.saved.rsp - 256) & ~15ull;
	struct iovec l = { (void *)name, sizeof name }, r = { (void *)(uintptr_t)at, sizeof name };
	int rc = 0;

	if (process_vm_writev(c->t.tid, &l, 1, &r, 1, 0) != (ssize_t)sizeof name)
		return -EFAULT;
	for (size_t i = 0; i < c->n && !rc; i++)
		rc = fill_piece(c, &c->p[i], at);
	/* Past this point the VMM's memory changes: every piece is ready. */
	for (size_t i = 0; i < c->n && !rc; i++) {
		long m = stopped_thread_syscall(&c->t, SYS_mmap, c->p[i].start,
						c->p[i].end - c->p[i].start, (uint64_t)c->p[i].prot,
						MAP_SHARED | MAP_FIXED, (uint64_t)c->p[i].tfd, 0);
		if (m != (long)c->p[i].start) {
			rc = m < 0 ? (int)m : -EFAULT;
			if (i)
				fprintf(stderr,
					"mshv-emu: pid %d: %zu of %zu pieces of the range are "
					"already shared memory (same contents)\n",
					(int)c->t.tgid, i, c->n);
			break;
		}
		readvise(c, &c->p[i]);
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->p[i].tfd >= 0)
			stopped_thread_syscall(&c->t, SYS_close, (uint64_t)c->p[i].tfd, 0, 0, 0, 0,
					       0);
	return rc;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int private_ram_register(int lfd, uint64_t id, pid_t leader, pid_t tid, uint64_t argp)
{
	static struct conv c;
	struct mshv_user_mem_region mr;
	struct iovec l = { &mr, sizeof mr }, r = { (void *)(uintptr_t)argp, sizeof mr };
	const char *v = getenv("MSHV_EMU_VERBOSE");

	/* Anything odd is the daemon's to refuse, with the driver's errno. */
	if (process_vm_readv(tid, &l, 1, &r, 1, 0) != (ssize_t)sizeof mr ||
	    (mr.flags & (1u << MSHV_SET_MEM_BIT_UNMAP)) || !mr.size || mr.size % PG ||
	    mr.userspace_addr % PG || mr.userspace_addr + mr.size < mr.userspace_addr)
		return PRIVATE_RAM_LET_THROUGH;
	memset(&c, 0, sizeof c);
	c.t.leader = leader;
	c.t.tid = tid;
	c.t.tgid = procfs_tgid_of(tid);
	if (c.t.tgid <= 0 || find_pieces(&c, mr.userspace_addr, mr.userspace_addr + mr.size) ||
	    !c.n)
		return PRIVATE_RAM_LET_THROUGH;
	/* What we read is the caller's only while the notification waits. */
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		return PRIVATE_RAM_CONSUMED;
	if ((c.pidfd = (int)syscall(SYS_pidfd_open, c.t.tgid, 0)) < 0)
		return -ENOMEM;

	double t0 = now_ms();
	int rc = stopped_thread_seize(&c.t);
	if (rc == -ESRCH) {	/* gone */
		close(c.pidfd);
		return PRIVATE_RAM_CONSUMED;
	}
	if (rc == -EAGAIN) { /* not where we stopped it: let go as it was */
		close(c.pidfd);
		fprintf(stderr,
			"mshv-emu: pid %d: thread %d was not in MSHV_SET_GUEST_MEMORY when "
			"stopped; its private guest memory stays private\n",
			(int)c.t.tgid, (int)tid);
		return ioctl(lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) ? PRIVATE_RAM_CONSUMED : rc;
	}
	if (rc == -EPERM || rc == -EBUSY) {	/* not ours to trace: nothing changed */
		close(c.pidfd);
		fprintf(stderr,
			"mshv-emu: pid %d: cannot stop thread %d to make private guest "
			"memory %#" PRIx64 "+%#" PRIx64 " shareable: %s\n",
			(int)c.t.tgid, (int)tid, (uint64_t)mr.userspace_addr, (uint64_t)mr.size,
			strerror(-rc));
		return rc;
	}
	if (!rc)
		rc = convert(&c);
	stopped_thread_release(&c.t, rc);
	close(c.pidfd);
	if (rc)
		fprintf(stderr,
			"mshv-emu: pid %d: cannot make private guest memory %#" PRIx64 "+%#" PRIx64
			" shareable (%s): MSHV_SET_GUEST_MEMORY fails with it\n",
			(int)c.t.tgid, (uint64_t)mr.userspace_addr, (uint64_t)mr.size,
			strerror(-rc));
	else if (v && *v == '1')
		fprintf(stderr,
			"mshv-emu: pid %d: private guest memory %#" PRIx64 "+%#" PRIx64
			" is now shared (%zu piece(s), %" PRIu64 " KiB copied, %.3f ms)\n",
			(int)c.t.tgid, (uint64_t)mr.userspace_addr, (uint64_t)mr.size, c.n,
			c.copied / 1024, now_ms() - t0);
	return PRIVATE_RAM_CONSUMED;
}
