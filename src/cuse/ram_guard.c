/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: guest RAM whose backing file shrinks under a running guest.
 *
 * The daemon maps the VMM's file (guest_map.c); the kernel driver would
 * have pinned the pages, but a mapping does not pin: when the VMM truncates
 * its memfd or /dev/shm file, the next access to a page past the new end
 * raises SIGBUS in whichever daemon thread touched it (a VP's engine, in
 * practice). Unhandled, that kills the daemon and every tenant with it.
 *
 * The SIGBUS handler looks the address up among the guest RAM mappings; if
 * it is one, it maps a private zero page over the faulting page (so the
 * access completes when the handler returns, no longjmp out of Unicorn,
 * whose state stays consistent), marks the partition poisoned and kicks the
 * VP this thread runs. RUN_VP then fails with EFAULT, as does every later
 * RUN_VP of that partition: its RAM no longer is what the VMM shares. A
 * SIGBUS anywhere else is not ours: the default action (a core dump) runs.
 *
 * The table is a fixed array read lock-free by the handler; it also caps
 * the guest RAM mappings of the whole daemon (ENOMEM when full).
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mshv-emu/emu.h>

#define GUARD_SLOTS 16384

struct slot {
	_Atomic uintptr_t base;	/* 0: free */
	_Atomic uintptr_t size;
	struct ptrec *_Atomic pr;
};

static struct slot g_slots[GUARD_SLOTS];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;	/* writers */
static atomic_int g_in_handler;
static _Thread_local struct emu_vp *tl_vp;
static uintptr_t g_page = 4096;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;
	bool ours = false;

	(void)uc;
	atomic_fetch_add(&g_in_handler, 1);
	for (size_t i = 0; i < GUARD_SLOTS && !ours; i++) {
		uintptr_t b = atomic_load(&g_slots[i].base);

		if (!b || a < b || a - b >= atomic_load(&g_slots[i].size))
			continue;
		/* A hugetlbfs mapping cannot be split below its page size:
		 * then replace the whole 2 MiB or 1 GiB page. */
		static const uintptr_t huge[] = { 2ul << 20, 1ul << 30 };
		uintptr_t sz = g_page, pg = a & ~(sz - 1);
		void *m = mmap((void *)pg, sz, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		for (size_t k = 0; m == MAP_FAILED && k < 2; k++) {
			sz = huge[k], pg = a & ~(sz - 1);
			if (pg >= b && pg + sz <= b + atomic_load(&g_slots[i].size))
				m = mmap((void *)pg, sz, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		}
		if (m == MAP_FAILED)
			break;
		mshvd_ptrec_poison(atomic_load(&g_slots[i].pr));
		ours = true;
	}
	atomic_fetch_sub(&g_in_handler, 1);
	if (ours) {
		if (tl_vp)
			emu_vp_kick(tl_vp);	/* an atomic and a write(): safe here */
	} else {
		signal(sig, SIG_DFL);	/* re-executed: dies as it would have */
	}
	errno = saved;
}

int mshvd_guard_install(void)
{
	struct sigaction sa;
	long pg = sysconf(_SC_PAGESIZE);

	if (pg > 0)
		g_page = (uintptr_t)pg;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) ? -errno : 0;
}

int mshvd_guard_add(void *base, size_t size, struct ptrec *pr)
{
	int rc = -ENOMEM;

	pthread_mutex_lock(&g_mu);
	for (size_t i = 0; i < GUARD_SLOTS; i++)
		if (!atomic_load(&g_slots[i].base)) {
			atomic_store(&g_slots[i].pr, pr);
			atomic_store(&g_slots[i].size, (uintptr_t)size);
			atomic_store(&g_slots[i].base, (uintptr_t)base);
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&g_mu);
	return rc;
}

/* Before munmap(base): after this no handler still looks at the range, so
 * it cannot map a zero page over whatever is mapped there next. */
void mshvd_guard_del(void *base)
{
	pthread_mutex_lock(&g_mu);
	for (size_t i = 0; i < GUARD_SLOTS; i++)
		if (atomic_load(&g_slots[i].base) == (uintptr_t)base) {
			atomic_store(&g_slots[i].base, 0);
			break;
		}
	pthread_mutex_unlock(&g_mu);
	while (atomic_load(&g_in_handler))
		sched_yield();
}

void mshvd_guard_set_vp(struct emu_vp *vp)
{
	tl_vp = vp;
}
