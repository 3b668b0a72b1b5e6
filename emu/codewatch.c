/* SPDX-License-Identifier: MIT */
/*
 * Write watch on executed pages (codewatch.h), with userfaultfd in
 * write-protect mode (Linux Documentation/admin-guide/mm/userfaultfd.rst):
 * a range is registered with UFFDIO_REGISTER_MODE_WP once, each executed
 * page is protected with UFFDIO_WRITEPROTECT, and a write to it blocks the
 * writer until the service thread has raised the flag and lifted the
 * protection. The kernel's own writes (read(2) into guest memory) wait the
 * same way, which is why the descriptor is not opened user-mode-only.
 *
 * The page set and the protections change together under m: a page is in
 * the set exactly when it is protected, so a racing track and fault cannot
 * leave a tracked page writable.
 */
#define _GNU_SOURCE
#include "codewatch.h"
#include "u64set.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CW_PAGE 4096u

struct cw_range {
	uintptr_t start, end;
	bool ok;		/* registered; false: cannot be watched */
};

struct codewatch {
	int uffd, stopfd;
	pthread_t thread;
	atomic_bool changed;
	/* Messages read but not yet acted on. A REMOVE event lets the
	 * madvise(2) caller return once it is read, before the flag is raised:
	 * the reader waits for this to drop (codewatch_take_changed). */
	atomic_uint inflight;
	pthread_mutex_t m;	/* everything below */
	bool dead;		/* the service thread is gone: watch nothing */
	struct u64set pages;	/* watched (protected) pages */
	struct cw_range *ranges;
	size_t nranges, capranges;
};

/* ---- the kernel side ---- */

static int protect(struct codewatch *cw, uintptr_t page, bool on)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = page, .len = CW_PAGE },
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,	/* 0 also wakes */
	};

	return ioctl(cw->uffd, UFFDIO_WRITEPROTECT, &wp);
}

static void wake(struct codewatch *cw, uintptr_t page)
{
	struct uffdio_range r = { .start = page, .len = CW_PAGE };

	ioctl(cw->uffd, UFFDIO_WAKE, &r);
}

/* A write to a watched page: raise the flag first, so that once the write
 * lands the next entry sees it; then let the writer go. */
static void on_fault(struct codewatch *cw, uintptr_t addr, uint64_t flags)
{
	uintptr_t page = addr & ~(uintptr_t)(CW_PAGE - 1);

	if (!(flags & UFFD_PAGEFAULT_FLAG_WP)) {
		wake(cw, page);	/* only WP is registered; never expected */
		return;
	}
	pthread_mutex_lock(&cw->m);
	u64set_del(&cw->pages, page);
	atomic_store(&cw->changed, true);
	if (protect(cw, page, false))
		wake(cw, page);
	pthread_mutex_unlock(&cw->m);
}

/* MADV_DONTNEED/REMOVE dropped pages: their contents (now zero) changed and
 * their protection is gone. */
static void on_remove(struct codewatch *cw, uintptr_t start, uintptr_t end)
{
	pthread_mutex_lock(&cw->m);
	u64set_del_range(&cw->pages, start, end);
	atomic_store(&cw->changed, true);
	pthread_mutex_unlock(&cw->m);
}

static void unregister_all(struct codewatch *cw)
{
	for (size_t i = 0; i < cw->nranges; i++) {
		if (!cw->ranges[i].ok)
			continue;
		struct uffdio_range r = { .start = cw->ranges[i].start,
					  .len = cw->ranges[i].end - cw->ranges[i].start };
		/* Fails harmlessly where the VMM has unmapped the range. */
		ioctl(cw->uffd, UFFDIO_UNREGISTER, &r);
	}
	cw->nranges = 0;
	u64set_clear(&cw->pages);
}

/* The service thread cannot go on: nobody would let a writer through, so
 * lift every protection (which also wakes the writers) and stop watching. */
static void *give_up(struct codewatch *cw)
{
	pthread_mutex_lock(&cw->m);
	unregister_all(cw);
	cw->dead = true;
	atomic_store(&cw->changed, true);
	pthread_mutex_unlock(&cw->m);
	return NULL;
}

static void *service(void *arg)
{
	struct codewatch *cw = arg;
	struct pollfd p[2] = { { .fd = cw->uffd, .events = POLLIN },
			       { .fd = cw->stopfd, .events = POLLIN } };
	struct uffd_msg msg[16];

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return give_up(cw);
		}
		if (p[1].revents)
			return NULL;
		atomic_fetch_add(&cw->inflight, 1);	/* before the read */
		ssize_t got = read(cw->uffd, msg, sizeof msg);
		for (ssize_t k = 0; k < got / (ssize_t)sizeof msg[0]; k++) {
			if (msg[k].event == UFFD_EVENT_PAGEFAULT)
				on_fault(cw, (uintptr_t)msg[k].arg.pagefault.address,
					 msg[k].arg.pagefault.flags);
			else if (msg[k].event == UFFD_EVENT_REMOVE)
				on_remove(cw, (uintptr_t)msg[k].arg.remove.start,
					  (uintptr_t)msg[k].arg.remove.end);
		}
		atomic_fetch_sub(&cw->inflight, 1);
		if (got < 0 && errno != EAGAIN && errno != EINTR)
			return give_up(cw);
	}
}

static int uffd_api(int fd, uint64_t want, uint64_t *have)
{
	struct uffdio_api api = { .api = UFFD_API, .features = want };

	if (ioctl(fd, UFFDIO_API, &api))
		return -1;
	*have = api.features;
	return 0;
}

static int uffd_open(void)
{
	return (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
}

/* The features this kernel has, asked of a descriptor of our own (they
 * can only be asked for once per descriptor). An unprivileged daemon may
 * only open user-mode-only ones; the answer is the same. */
static uint64_t features_wanted(void)
{
	uint64_t have = 0;
	int fd = uffd_open();

	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return 0;
	int rc = uffd_api(fd, 0, &have);
	close(fd);
	if (rc || !(have & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		return 0;
	return UFFD_FEATURE_PAGEFAULT_FLAG_WP |
	       (have & (UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_WP_HUGETLBFS_SHMEM));
}

/* A watch on fd's address space, which is not initialised yet. */
static struct codewatch *start(int fd, uint64_t want)
{
	uint64_t have = 0;
	sigset_t all, old;

	if (uffd_api(fd, want, &have))
		goto fail_fd;
	struct codewatch *cw = calloc(1, sizeof *cw);
	if (!cw)
		goto fail_fd;
	cw->uffd = fd;
	cw->stopfd = eventfd(0, EFD_CLOEXEC);
	if (!u64set_init(&cw->pages, 256) || cw->stopfd < 0)
		goto fail;
	pthread_mutex_init(&cw->m, NULL);
	/* The VMM's signals are not for this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&cw->thread, NULL, service, cw);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_mutex_destroy(&cw->m);
		goto fail;
	}
	return cw;
fail:
	if (cw->stopfd >= 0)
		close(cw->stopfd);
	u64set_fini(&cw->pages);
	free(cw);
fail_fd:
	close(fd);
	return NULL;
}

static bool disabled(void)
{
	const char *env = getenv("MSHV_EMU_CODEWATCH");

	return env && !strcmp(env, "off");
}

struct codewatch *codewatch_new(void)
{
	uint64_t want = disabled() ? 0 : features_wanted();

	if (!want)
		return NULL;
	/* Not user-mode-only: the kernel's writes (read(2) into guest
	 * memory) must be seen, and wait, too. */
	int fd = uffd_open();
	return fd < 0 ? NULL : start(fd, want);
}

/* Another process's descriptor may be anything; an ioctl number means
 * something else to another driver, so only a userfaultfd gets one. */
static bool is_uffd(int fd)
{
	char path[32], link[64];

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[userfaultfd]");
}

int codewatch_adopt(int uffd, struct codewatch **out)
{
	uint64_t want = disabled() ? 0 : features_wanted();

	*out = NULL;
	if (!want || !is_uffd(uffd)) {
		close(uffd);
		return want ? -EINVAL : -EOPNOTSUPP;
	}
	*out = start(uffd, want);
	return *out ? 0 : -EINVAL;
}

void codewatch_free(struct codewatch *cw)
{
	uint64_t one = 1;

	if (!cw)
		return;
	if (write(cw->stopfd, &one, sizeof one) == sizeof one)
		pthread_join(cw->thread, NULL);
	/* Closing the descriptor unregisters every range and lifts the
	 * protections, so the VMM's memory stays writable. */
	close(cw->uffd);
	close(cw->stopfd);
	pthread_mutex_destroy(&cw->m);
	u64set_fini(&cw->pages);
	free(cw->ranges);
	free(cw);
}

static const struct cw_range *range_for(struct codewatch *cw, uintptr_t start, size_t len)
{
	for (size_t i = 0; i < cw->nranges; i++)
		if (cw->ranges[i].start == start && cw->ranges[i].end == start + len)
			return &cw->ranges[i];
	if (cw->nranges == cw->capranges) {
		size_t cap = cw->capranges ? cw->capranges * 2 : 8;
		struct cw_range *r = realloc(cw->ranges, cap * sizeof *r);
		if (!r)
			return NULL;
		cw->ranges = r;
		cw->capranges = cap;
	}
	struct uffdio_register reg = {
		.range = { .start = start, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	bool ok = !ioctl(cw->uffd, UFFDIO_REGISTER, &reg);
	if (ok && !(reg.ioctls & (1ull << _UFFDIO_WRITEPROTECT))) {
		ioctl(cw->uffd, UFFDIO_UNREGISTER, &reg.range);
		ok = false;
	}
	cw->ranges[cw->nranges] = (struct cw_range){ start, start + len, ok };
	return &cw->ranges[cw->nranges++];
}

bool codewatch_track(struct codewatch *cw, void *start, size_t len, const void *page)
{
	uintptr_t p = (uintptr_t)page & ~(uintptr_t)(CW_PAGE - 1);
	bool ok = false;

	pthread_mutex_lock(&cw->m);
	if (cw->dead)
		goto out;
	const struct cw_range *r = range_for(cw, (uintptr_t)start, len);
	if (!r || !r->ok || p < r->start || p >= r->end)
		goto out;
	if (u64set_has(&cw->pages, p)) {
		ok = true;
		goto out;
	}
	/* In the set first (it may need memory), protected second. */
	if (!u64set_add(&cw->pages, p))
		goto out;
	if (protect(cw, p, true)) {
		u64set_del(&cw->pages, p);
		goto out;
	}
	ok = true;
out:
	pthread_mutex_unlock(&cw->m);
	return ok;
}

bool codewatch_take_changed(struct codewatch *cw)
{
	/* Messages being handled (rare: a write or discard this very
	 * moment) take microseconds; their flag must be seen. */
	while (atomic_load(&cw->inflight))
		sched_yield();
	/* The common answer costs two loads. */
	if (!atomic_load_explicit(&cw->changed, memory_order_acquire))
		return false;
	return atomic_exchange(&cw->changed, false);
}

void codewatch_reset(struct codewatch *cw)
{
	pthread_mutex_lock(&cw->m);
	unregister_all(cw);
	pthread_mutex_unlock(&cw->m);
}

size_t codewatch_count(struct codewatch *cw)
{
	pthread_mutex_lock(&cw->m);
	size_t n = cw->pages.n;
	pthread_mutex_unlock(&cw->m);
	return n;
}
