/* SPDX-License-Identifier: MIT */
/*
 * MSHV_IRQFD: eventfds that inject MSIs.
 *
 * Each partition with at least one irqfd has a service thread that epolls
 * the eventfds (and a control eventfd that stops it). When one is
 * signalled the thread reads its counter, looks the GSI up in the current
 * MSI routing table (pt->routes, under pt->lock, so a table replaced by
 * MSHV_SET_MSI_ROUTING applies to the next signal), decodes the route with
 * irq_from_msi and hands the interrupt to lapic_deliver, which wakes or
 * kicks the target VP. A GSI without a route is ignored.
 *
 * The core keeps its own duplicate of every eventfd (F_DUPFD_CLOEXEC), so
 * a VMM closing its fd does not leave a dangling number behind; identity
 * ("the same eventfd") is decided with kcmp(KCMP_FILE), or the fdinfo
 * eventfd-id where kcmp is not permitted.
 *
 * Locking: irqfd_lock guards the list and is held while injecting, so a
 * deassign that returns has no injection in flight and none to come.
 * irqfd_rs_lock guards the resampler fields and is the only lock the EOI
 * path (irqfd_notify_eoi, called by the LAPIC on a VP thread) takes, so it
 * never waits for an injection that waits for the LAPIC. Order:
 * irqfd_lock -> pt->lock, irqfd_lock -> irqfd_rs_lock.
 */
#include "emu_limits.h"
#include "partition.h"
#include "irqfd.h"
#include "irq.h"

#include <mshv-emu/emu.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

/* ---- eventfds --------------------------------------------------------- */

int emu_check_eventfd(int fd)
{
	char path[64], link[64];

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n < 0)
		return 0;	/* no /proc: cannot tell, accept */
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static long eventfd_id(int fd)
{
	char path[64], line[128];
	long id = -1;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "eventfd-id: %ld", &id) == 1)
			break;
	fclose(f);
	return id;
}

bool emu_same_file(int a, int b)
{
	pid_t pid = getpid();
	long r = syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b);

	if (r >= 0)
		return r == 0;
	long ia = eventfd_id(a), ib = eventfd_id(b);
	return ia >= 0 && ia == ib;
}

/* Drains an eventfd without blocking (the VMM's fd may be blocking; the
 * poll makes a read that would block unlikely: only if someone else
 * reads it in between). True if it was signalled. */
static bool drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t cnt;

	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return false;
	return read(fd, &cnt, sizeof cnt) == sizeof cnt && cnt;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;
	ssize_t r = write(fd, &one, sizeof one);

	(void)r;
}

/* ---- routes ------------------------------------------------------------ */

/* The GSI's route decoded; false if it has none. */
static bool route_lookup(struct emu_partition *pt, uint32_t gsi, struct emu_irq *irq)
{
	uint32_t lo = 0, data = 0;
	bool found = false;

	pthread_mutex_lock(&pt->lock);
	for (size_t i = 0; i < pt->nroutes; i++)
		if (pt->routes[i].gsi == gsi) {
			lo = pt->routes[i].address_lo;
			data = pt->routes[i].data;
			found = true;
			break;
		}
	pthread_mutex_unlock(&pt->lock);
	if (found)
		irq_from_msi(lo, data, irq);
	return found;
}

/* One signal of f (irqfd_lock held). The kernel asserts a zeroed interrupt
 * (vector 0) for GSI 0 without a route, which the hypervisor cannot
 * deliver; here a missing route is ignored for every GSI. */
static void irqfd_inject(struct emu_partition *pt, struct emu_irqfd *f)
{
	struct emu_irq irq;

	if (!route_lookup(pt, f->gsi, &irq))
		return;
	if (f->rfd >= 0 && irq.level) {
		pthread_mutex_lock(&pt->irqfd_rs_lock);
		f->rs_armed = true;
		f->rs_vector = irq.vector;
		pthread_mutex_unlock(&pt->irqfd_rs_lock);
	}
	int rc = lapic_deliver(pt, &irq);
	if (pt->irq_obs) {
		struct emu_irq_event ev = {
			.gsi = f->gsi, .vector = irq.vector, .dest = irq.dest, .type = irq.type,
			.level = irq.level, .logical = irq.logical, .rc = rc,
		};
		pt->irq_obs(pt->irq_obs_ctx, &ev);
	}
}

void emu_partition_set_irq_observer(struct emu_partition *pt,
				    void (*fn)(void *ctx, const struct emu_irq_event *ev),
				    void *ctx)
{
	pthread_mutex_lock(&pt->irqfd_lock);
	pt->irq_obs = fn;
	pt->irq_obs_ctx = ctx;
	pthread_mutex_unlock(&pt->irqfd_lock);
}

static struct emu_irqfd *find_id(struct emu_partition *pt, uint64_t id)
{
	for (struct emu_irqfd *f = pt->irqfds; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

/* ---- the service thread ---------------------------------------------- */

static void *irqfd_thread(void *arg)
{
	struct emu_partition *pt = arg;
	struct epoll_event ev[32];

	for (;;) {
		int n = epoll_wait(pt->irqfd_epfd, ev, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		pthread_mutex_lock(&pt->irqfd_lock);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == 0) {
				if (!pt->irqfd_running) {
					pthread_mutex_unlock(&pt->irqfd_lock);
					return NULL;
				}
				drain(pt->irqfd_ctl);
				continue;
			}
			/* Deassigned since epoll_wait returned: gone. */
			struct emu_irqfd *f = find_id(pt, ev[i].data.u64);
			if (f && drain(f->efd))
				irqfd_inject(pt, f);
		}
		pthread_mutex_unlock(&pt->irqfd_lock);
	}
}

/* irqfd_lock held. */
static int start_thread(struct emu_partition *pt)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };

	if (pt->irqfd_running)
		return 0;
	pt->irqfd_epfd = epoll_create1(EPOLL_CLOEXEC);
	pt->irqfd_ctl = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pt->irqfd_epfd < 0 || pt->irqfd_ctl < 0 ||
	    epoll_ctl(pt->irqfd_epfd, EPOLL_CTL_ADD, pt->irqfd_ctl, &ev))
		goto fail;
	pt->irqfd_running = true;
	if (pthread_create(&pt->irqfd_thread, NULL, irqfd_thread, pt)) {
		pt->irqfd_running = false;
		goto fail;
	}
	return 0;
fail:
	if (pt->irqfd_epfd >= 0)
		close(pt->irqfd_epfd);
	if (pt->irqfd_ctl >= 0)
		close(pt->irqfd_ctl);
	pt->irqfd_epfd = pt->irqfd_ctl = -1;
	return -ENOMEM;
}

void irqfd_init(struct emu_partition *pt)
{
	pthread_mutex_init(&pt->irqfd_lock, NULL);
	pthread_mutex_init(&pt->irqfd_rs_lock, NULL);
	pt->irqfds = NULL;
	pt->irqfd_epfd = pt->irqfd_ctl = -1;
	pt->irqfd_running = false;
	pt->irqfd_next_id = 1;
}

static void irqfd_free(struct emu_irqfd *f)
{
	close(f->efd);
	if (f->rfd >= 0)
		close(f->rfd);
	free(f);
}

void irqfd_fini(struct emu_partition *pt)
{
	pthread_mutex_lock(&pt->irqfd_lock);
	bool running = pt->irqfd_running;
	pt->irqfd_running = false;
	if (running)
		signal_fd(pt->irqfd_ctl);
	pthread_mutex_unlock(&pt->irqfd_lock);
	if (running)
		pthread_join(pt->irqfd_thread, NULL);
	while (pt->irqfds) {
		struct emu_irqfd *f = pt->irqfds;
		pt->irqfds = f->next;
		irqfd_free(f);
	}
	if (pt->irqfd_epfd >= 0)
		close(pt->irqfd_epfd);
	if (pt->irqfd_ctl >= 0)
		close(pt->irqfd_ctl);
	pt->irqfd_epfd = pt->irqfd_ctl = -1;
	pthread_mutex_destroy(&pt->irqfd_rs_lock);
	pthread_mutex_destroy(&pt->irqfd_lock);
}

/* ---- the API ----------------------------------------------------------- */

int emu_irqfd_assign(struct emu_partition *pt, int efd, int resample_fd,
		     uint32_t gsi, bool resample)
{
	struct emu_irq irq;
	int rc = emu_check_eventfd(efd);

	if (rc)
		return rc;
	if (resample && (rc = emu_check_eventfd(resample_fd)))
		return rc;
	struct emu_irqfd *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	f->efd = f->rfd = -1;
	/* Compared by id where the kernel shows one: a kcmp per irqfd made
	 * a full table cost half a million syscalls. */
	f->eid = eventfd_id(efd);
	pthread_mutex_lock(&pt->irqfd_lock);
	size_t n = 0;
	for (struct emu_irqfd *o = pt->irqfds; o; o = o->next, n++)
		if (f->eid >= 0 && o->eid >= 0 ? f->eid == o->eid : emu_same_file(o->efd, efd)) {
			rc = -EBUSY;
			goto fail;
		}
	/* The kernel's kzalloc failing is its only limit (emu_limits.h). */
	if (n >= EMU_MAX_IRQFDS) {
		rc = -ENOMEM;
		goto fail;
	}
	/* x86: a resampler needs a level-triggered route (checked after the
	 * lookup, as in the kernel: no route is not level either). */
	if (resample && (!route_lookup(pt, gsi, &irq) || !irq.level)) {
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = start_thread(pt)))
		goto fail;
	f->efd = fcntl(efd, F_DUPFD_CLOEXEC, 3);
	if (resample)
		f->rfd = fcntl(resample_fd, F_DUPFD_CLOEXEC, 3);
	if (f->efd < 0 || (resample && f->rfd < 0)) {
		rc = -EMFILE;
		goto fail;
	}
	f->gsi = gsi;
	f->id = pt->irqfd_next_id++;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = f->id };
	if (epoll_ctl(pt->irqfd_epfd, EPOLL_CTL_ADD, f->efd, &ev)) {
		rc = -errno;
		goto fail;
	}
	pthread_mutex_lock(&pt->irqfd_rs_lock);
	f->next = pt->irqfds;
	pt->irqfds = f;
	pthread_mutex_unlock(&pt->irqfd_rs_lock);
	/* Already signalled: inject now, as the kernel does at assign. */
	if (drain(f->efd))
		irqfd_inject(pt, f);
	pthread_mutex_unlock(&pt->irqfd_lock);
	return 0;
fail:
	pthread_mutex_unlock(&pt->irqfd_lock);
	if (f->efd >= 0)
		close(f->efd);
	if (f->rfd >= 0)
		close(f->rfd);
	free(f);
	return rc;
}

int emu_irqfd_deassign(struct emu_partition *pt, int efd, uint32_t gsi)
{
	int rc = emu_check_eventfd(efd);

	if (rc)
		return rc;
	pthread_mutex_lock(&pt->irqfd_lock);
	for (struct emu_irqfd **pp = &pt->irqfds; *pp;) {
		struct emu_irqfd *f = *pp;
		if (f->gsi != gsi || !emu_same_file(f->efd, efd)) {
			pp = &f->next;
			continue;
		}
		epoll_ctl(pt->irqfd_epfd, EPOLL_CTL_DEL, f->efd, NULL);
		pthread_mutex_lock(&pt->irqfd_rs_lock);
		*pp = f->next;
		pthread_mutex_unlock(&pt->irqfd_rs_lock);
		irqfd_free(f);
	}
	pthread_mutex_unlock(&pt->irqfd_lock);
	return 0;
}

/* A level-triggered vector was EOIed: signal the resamplers whose route
 * delivered it (once per delivery). The kernel instead compares the EOI
 * vector with the resampler's GSI number (drivers/hv/mshv_synic.c,
 * docs/abi.md §2.6), which only works when GSI and vector coincide; we
 * match the route's vector. */
void irqfd_notify_eoi(struct emu_partition *pt, uint8_t vector)
{
	pthread_mutex_lock(&pt->irqfd_rs_lock);
	for (struct emu_irqfd *f = pt->irqfds; f; f = f->next)
		if (f->rfd >= 0 && f->rs_armed && f->rs_vector == vector) {
			f->rs_armed = false;
			signal_fd(f->rfd);
		}
	pthread_mutex_unlock(&pt->irqfd_rs_lock);
}
