/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the mshv-emu benchmarks in bench/.
 *
 * The /dev/mshv side goes through the public UAPI only (open, ioctl,
 * mmap), reusing the conformance suite's tiny VMM library
 * (tests/conformance/vmm.c); the baselines call Unicorn directly in the
 * same process.  Speed is always reported as a ratio against a baseline
 * measured in the same run, never asserted.
 */
#ifndef MSHV_BENCH_H
#define MSHV_BENCH_H

#include "vmm.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

/* Each measured run lasts at least this long (seconds). */
#define BENCH_MIN_SECONDS 0.5
/* Best of this many measured runs. */
#define BENCH_REPS 3

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* BENCH_QUICK=1 (e.g. under valgrind) shortens every measurement. */
static inline double bench_min_seconds(void)
{
	const char *q = getenv("BENCH_QUICK");

	return q && *q && strcmp(q, "0") ? 0.02 : BENCH_MIN_SECONDS;
}

/*
 * A workload run with a repeat count n that returns its wall time.
 *
 * Other work on the machine (two cores, shared) makes single runs noisy,
 * so the configurations being compared are measured interleaved:
 * bench_calibrate() grows each case's n until one run takes >= 1.25x the
 * minimum time, then bench_measure() runs every case once per round for
 * BENCH_REPS rounds and keeps each case's best time.
 */
typedef double (*bench_fn)(void *ctx, uint64_t n);

struct bench_case {
	const char *label;
	bench_fn fn;
	void *ctx;
	uint64_t n;	/* initial guess in, calibrated count out */
	double best;	/* seconds for n */
};

static inline void bench_calibrate(struct bench_case *c)
{
	double min_s = bench_min_seconds();
	double t = c->fn(c->ctx, c->n);

	/* Aim 25 % above the minimum so that no measured run falls below. */
	while (t < 1.25 * min_s) {
		double scale = t > 0 ? 1.5 * min_s / t : 16;

		if (scale < 2)
			scale = 2;
		if (scale > 64)
			scale = 64;
		c->n = (uint64_t)((double)c->n * scale);
		t = c->fn(c->ctx, c->n);
	}
	c->best = t;
}

static inline void bench_measure(struct bench_case *cases, size_t k)
{
	double min_s = bench_min_seconds();
	bool again = true;

	for (size_t i = 0; i < k; i++)
		bench_calibrate(&cases[i]);
	while (again) {
		for (int r = 0; r < BENCH_REPS; r++)
			for (size_t i = 0; i < k; i++) {
				double t = cases[i].fn(cases[i].ctx, cases[i].n);

				if (t < cases[i].best)
					cases[i].best = t;
			}
		/* Calibrated while the machine was busier: grow and redo. */
		again = false;
		for (size_t i = 0; i < k; i++)
			if (cases[i].best < min_s) {
				cases[i].n = (uint64_t)((double)cases[i].n *
						1.4 * min_s / cases[i].best);
				cases[i].best = 1e30;
				again = true;
			}
	}
}

#define UC_CHECK(call)							\
	do {								\
		uc_err __e = (call);					\
		TEST_ASSERT(__e == UC_ERR_OK, "%s: %s", #call,		\
			    uc_strerror(__e));				\
	} while (0)

/*
 * Opens /dev/mshv; false (with a note) if it is absent, so that the raw
 * baselines still print when the program is not run under "mshv-emu run".
 */
static inline bool bench_have_mshv(void)
{
	int fd = open("/dev/mshv", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("# /dev/mshv: %s -- run under \"mshv-emu run --\" "
		       "(make bench); mshv-emu rows skipped\n", strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

/* Cheap single-register SET_VP_REGISTERS (no allocation per call). */
struct bench_setreg {
	struct {
		uint64_t partition_id;
		uint32_t vp_index;
		uint8_t input_vtl;
		uint8_t rsvd8;
		uint16_t rsvd16;
		struct hv_register_assoc assoc;
	} __attribute__((packed)) in;
	struct mshv_root_hvcall call;
};

static inline void bench_setreg_init(struct bench_setreg *s, uint32_t vp_index,
				     uint32_t name)
{
	memset(s, 0, sizeof(*s));
	s->in.vp_index = vp_index;
	s->in.assoc.name = name;
	s->call.code = HVCALL_SET_VP_REGISTERS;
	s->call.in_sz = sizeof(s->in);
	s->call.in_ptr = (uint64_t)(uintptr_t)&s->in;
}

static inline void bench_setreg(int vp_fd, struct bench_setreg *s, uint64_t v)
{
	s->in.assoc.value.reg64 = v;
	s->call.reps = 1;
	s->call.status = 0;
	if (ioctl(vp_fd, MSHV_ROOT_HVCALL, &s->call) != 0 || s->call.status)
		test_fail(__FILE__, __LINE__, "SET_VP_REGISTERS",
			  "errno %s status %#x", strerror(errno),
			  s->call.status);
}

/* Raw Unicorn machine: 64-bit engine over a host buffer at GPA 0. */
struct raw_vm {
	uc_engine *uc;
	uint8_t *mem;
	size_t size;
};

static inline void raw_vm_open(struct raw_vm *r, size_t size)
{
	UC_CHECK(uc_open(UC_ARCH_X86, UC_MODE_64, &r->uc));
	r->size = size;
	r->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(r->mem != MAP_FAILED, "mmap: %s", strerror(errno));
	UC_CHECK(uc_mem_map_ptr(r->uc, 0, size, UC_PROT_ALL, r->mem));
}

static inline void raw_vm_close(struct raw_vm *r)
{
	uc_close(r->uc);
	munmap(r->mem, r->size);
}

static inline uint64_t raw_reg(uc_engine *uc, int reg)
{
	uint64_t v = 0;

	UC_CHECK(uc_reg_read(uc, reg, &v));
	return v;
}

static inline void raw_set_reg(uc_engine *uc, int reg, uint64_t v)
{
	UC_CHECK(uc_reg_write(uc, reg, &v));
}

/*
 * The same 4-level identity map of the first 2 MiB (4 KiB pages) as the
 * /dev/mshv guest gets from vcpu_setup_long_mode(), and paging switched
 * on: separates the cost of the guest's page tables from mshv-emu's.
 */
static inline void raw_vm_paging(struct raw_vm *r)
{
	uint64_t *pml4 = (uint64_t *)(r->mem + PT_POOL_GPA);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024, *pt = pml4 + 1536;

	memset(pml4, 0, 4 * PAGE_SIZE_4K);
	pml4[0] = (PT_POOL_GPA + 0x1000) | PTE_P | PTE_W | PTE_U;
	pdpt[0] = (PT_POOL_GPA + 0x2000) | PTE_P | PTE_W | PTE_U;
	pd[0] = (PT_POOL_GPA + 0x3000) | PTE_P | PTE_W | PTE_U;
	for (uint64_t i = 0; i < 512; i++)
		pt[i] = (i << 12) | PTE_P | PTE_W;
	raw_set_reg(r->uc, UC_X86_REG_CR3, PT_POOL_GPA);
	raw_set_reg(r->uc, UC_X86_REG_CR4,
		    X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	uc_x86_msr efer = {
		.rid = 0xc0000080,
		.value = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
	};
	UC_CHECK(uc_reg_write(r->uc, UC_X86_REG_MSR, &efer));
	raw_set_reg(r->uc, UC_X86_REG_CR0,
		    X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		    X86_CR0_WP | X86_CR0_PG);
	TEST_ASSERT(raw_reg(r->uc, UC_X86_REG_CR0) & X86_CR0_PG, "CR0.PG");
}

#endif /* MSHV_BENCH_H */
