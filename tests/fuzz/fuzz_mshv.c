/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target over the shared ioctl decoder (src/ioctl.c) and the
 * hypervisor core, through a face of its own: no LD_PRELOAD, no fds. The
 * harness owns the objects the decoder hands out (device, partitions, VPs)
 * exactly as a face does, and follows pointers with the in-process
 * accessor (src/uaccess_self.c), so a bad pointer is an EFAULT as it would
 * be for a VMM.
 *
 * An input is a program: a sequence of operations, each an opcode byte and
 * the bytes it consumes (tests/fuzz/fuzz_ops.h), run against fresh state.
 * Arguments point into a fuzzer-owned arena (page-aligned, with a guard
 * page behind it) or are hostile (NULL, unmapped, kernel half, straddling
 * the guard). The arena doubles as guest RAM; RUN_VP runs whatever the
 * input wrote there, bounded by a timer that kicks the VP (the run returns
 * EINTR, as when a VMM's thread is signalled). docs/fuzzing.md.
 */
#define _GNU_SOURCE
#include "fuzz_ops.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include "mshv_dev.h"
#include "uaccess_self.h"

#define NPT 2
#define NVP 4
#define NEFD 2

uint8_t *fz_arena;		/* FZ_ARENA_PAGES RW pages, then a guard page */

static struct {
	struct mshv_obj *dev, *pt[NPT], *vp[NVP];
	int efd[NEFD];
} st;

static const struct mshv_uaccess *ua;
static bool hostile_mem;	/* MSHV_FUZZ_HOSTILE_MEM=1, see fuzz_ops.h */
static bool trace;		/* MSHV_FUZZ_TRACE=1: each ioctl on stderr */
static timer_t run_timer;
static _Atomic(struct emu_vp *) running_vp;
static long run_budget_ns = 2 * 1000 * 1000;

/* ---- the run bound: a thread timer whose signal kicks the VP ---- */

static void on_run_timer(int sig)
{
	struct emu_vp *vp = atomic_load(&running_vp);

	(void)sig;
	if (vp)
		emu_vp_kick(vp);	/* async-signal-safe */
}

static void run_timer_init(void)
{
	struct sigaction sa = { .sa_handler = on_run_timer };
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGRTMIN + 2 };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGRTMIN + 2, &sa, NULL);
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &run_timer)) {
		perror("fuzz_mshv: timer_create");
		abort();
	}
}

/* Re-arms every budget until the run ends: one kick can land before the
 * run clears stale kicks at entry. */
static void run_timer_arm(struct emu_vp *vp)
{
	struct itimerspec it = {
		.it_value = { 0, run_budget_ns },
		.it_interval = { 0, run_budget_ns },
	};

	atomic_store(&running_vp, vp);
	timer_settime(run_timer, 0, &it, NULL);
}

static void run_timer_disarm(void)
{
	struct itimerspec it = { 0 };

	timer_settime(run_timer, 0, &it, NULL);
	atomic_store(&running_vp, NULL);
}

/* ---- operations on the harness's objects ---- */

struct mshv_obj *fz_obj(struct fz *f, int kind)
{
	uint8_t k = fz_u8(f);

	if (k >= 0xc0 || kind < MSHV_OBJ_DEVICE || kind > MSHV_OBJ_VP)
		kind = k % 3;	/* the wrong kind of fd */
	switch (kind) {
	case MSHV_OBJ_DEVICE: return st.dev;
	case MSHV_OBJ_PARTITION: return st.pt[(k >> 2) % NPT];
	default: return st.vp[(k >> 2) % NVP];
	}
}

int fz_efd(struct fz *f)
{
	uint8_t k = fz_u8(f);

	if (k < 0xc0)
		return st.efd[k % NEFD];
	if (k < 0xf0)
		return (int)(k & 0x1f);	/* whatever the process has open */
	return -(int)(k & 0xf);		/* negative */
}

uint64_t fz_ptr(struct fz *f, size_t len)
{
	uint8_t k = fz_u8(f);
	uint64_t arena = (uint64_t)(uintptr_t)fz_arena;

	switch (k >> 5) {
	case 0: case 1: case 2: case 3: {
		/* In the arena, the argument fully inside. */
		uint64_t room = FZ_ARENA_SIZE - (len < FZ_ARENA_SIZE ? len : FZ_ARENA_SIZE);
		return arena + (fz_u16(f) % (room + 1));
	}
	case 4: return 0;
	case 5: return arena + FZ_ARENA_SIZE - (k & 0x1f);	/* into the guard */
	case 6: return 0xffff800000000000ull + fz_u16(f);	/* kernel half */
	default: return fz_raw_addr(f);
	}
}

/*
 * Any address, except the process's own memory beyond the arena: a VMM
 * that passes a pointer to its own data gets that data used, which is not
 * a bug; and under ASan its shadow memory is mapped, so such a pointer
 * "works" (process_vm_readv reads it) and then trips ASan itself. So: the
 * kernel half and non-canonical addresses, or the low 1 GiB, where
 * nothing is mapped (PIE binaries, libraries and ASan's shadow all lie
 * higher).
 */
uint64_t fz_raw_addr(struct fz *f)
{
	uint64_t v = fz_u64(f);

	return (v >> 63) ? v : v & 0x3fffffffull;
}

/* The arena offset of an in-arena pointer (where to build an argument). */
void *fz_at(uint64_t p, size_t len)
{
	uint64_t a = (uint64_t)(uintptr_t)fz_arena;

	if (p >= a && p + len <= a + FZ_ARENA_SIZE && p + len >= p)
		return (void *)(uintptr_t)p;
	return NULL;
}

bool fz_hostile_mem(void)
{
	return hostile_mem;
}

long fz_ioctl(struct mshv_obj *obj, unsigned long req, uint64_t arg)
{
	struct mshv_obj *created = NULL;
	long rc;

	if (!obj) {
		if (trace)
			fprintf(stderr, "fuzz: ioctl %#lx on a closed fd\n", req);
		return -EBADF;
	}
	if (obj->kind == MSHV_OBJ_VP && req == MSHV_RUN_VP) {
		run_timer_arm(obj->vp);
		rc = mshv_dev_ioctl(obj, req, arg, ua, NULL, &created);
		run_timer_disarm();
	} else {
		rc = mshv_dev_ioctl(obj, req, arg, ua, NULL, &created);
	}
	if (trace)
		fprintf(stderr, "fuzz: %s ioctl %#lx arg %#llx -> %ld%s\n",
			obj->kind == MSHV_OBJ_DEVICE ? "dev" : obj->kind == MSHV_OBJ_PARTITION ? "pt" : "vp",
			req, (unsigned long long)arg, rc, created ? " (new fd)" : "");
	/* Errors are negative errnos, never anything else. */
	if (rc < 0 && rc < -4095)
		abort();
	if (!created)
		return rc;
	if (rc != 0)
		abort();	/* an object and an error at once */
	/* Keep it in a free slot (as a face binds a new fd), else drop it. */
	struct mshv_obj **slots = created->kind == MSHV_OBJ_PARTITION ? st.pt : st.vp;
	int n = created->kind == MSHV_OBJ_PARTITION ? NPT : NVP;
	for (int i = 0; i < n; i++)
		if (!slots[i]) {
			slots[i] = created;
			return 0;
		}
	mshv_obj_put(created);
	return 0;
}

/* Like close(): drops the harness's reference. */
void fz_close(struct fz *f)
{
	uint8_t k = fz_u8(f);
	struct mshv_obj **o = (k & 1) ? &st.pt[(k >> 1) % NPT] : &st.vp[(k >> 1) % NVP];

	mshv_obj_put(*o);
	*o = NULL;
}

/* The register page of a VP the input names, as a VMM maps it. */
void *fz_vp_page(struct fz *f)
{
	struct mshv_obj *o = st.vp[fz_u8(f) % NVP];

	return o ? emu_vp_register_page(o->vp) : NULL;
}

static void reset_state(void)
{
	for (int i = 0; i < NVP; i++) {
		mshv_obj_put(st.vp[i]);
		st.vp[i] = NULL;
	}
	for (int i = 0; i < NPT; i++) {
		mshv_obj_put(st.pt[i]);
		st.pt[i] = NULL;
	}
	for (int i = 0; i < NEFD; i++) {
		uint64_t drain;
		/* Leftover counts must not carry over to the next input. */
		while (read(st.efd[i], &drain, sizeof drain) == sizeof drain)
			;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *b = getenv("MSHV_FUZZ_RUN_US");
	const char *h = getenv("MSHV_FUZZ_HOSTILE_MEM");

	(void)argc;
	(void)argv;
	if (b && atol(b) > 0)
		run_budget_ns = atol(b) * 1000;
	hostile_mem = h && *h == '1';
	trace = getenv("MSHV_FUZZ_TRACE") && *getenv("MSHV_FUZZ_TRACE") == '1';
	ua = mshv_uaccess_self();
	/* Arena, guard page, and a read-only page after the guard. */
	uint8_t *m = mmap(NULL, FZ_ARENA_SIZE + 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + FZ_ARENA_SIZE, 4096, PROT_NONE) ||
	    mprotect(m + FZ_ARENA_SIZE + 4096, 4096, PROT_READ))
		abort();
	fz_arena = m;
	for (int i = 0; i < NEFD; i++)
		if ((st.efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
			abort();
	st.dev = mshv_obj_new_device();
	if (!st.dev || emu_init())
		abort();
	run_timer_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	memset(fz_arena, 0, FZ_ARENA_SIZE);
	for (int n = 0; f.n && n < FZ_MAX_OPS; n++)
		fz_op(&f);
	reset_state();
	return 0;
}
