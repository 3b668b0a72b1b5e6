/* SPDX-License-Identifier: MIT */
/*
 * Partition + VP setup time through /dev/mshv, step by step, as a VMM does
 * it: open /dev/mshv, MSHV_CREATE_PARTITION, MSHV_INITIALIZE_PARTITION,
 * mmap 64 MiB + MSHV_SET_GUEST_MEMORY, MSHV_CREATE_VP, SET_VP_REGISTERS
 * (CS:IP to a HLT), the first MSHV_RUN_VP (to HVMSG_X64_HALT); then
 * teardown (close the fds, munmap).  Median and best of 50 iterations.
 *
 * Baseline, raw Unicorn in the same process: uc_open(UC_MODE_64), mmap
 * 64 MiB + uc_mem_map_ptr, set RIP, first uc_emu_start to the HLT;
 * teardown uc_close + munmap.  Also shown: the same with the 32 MiB
 * translation buffer mshv-emu's engine uses (Unicorn's default is 1 GiB).
 */
#include "bench.h"

#define ITERS 50
#define GUEST_MEM (64ull << 20)
#define HLT_GPA 0x1000ull

enum {
	S_OPEN, S_CREATE, S_INIT, S_MEM, S_VP, S_REGS, S_RUN, S_TOTAL,
	S_TEARDOWN, S_COUNT
};

static const char *const step_name[S_COUNT] = {
	[S_OPEN] = "open(/dev/mshv)",
	[S_CREATE] = "CREATE_PARTITION",
	[S_INIT] = "INITIALIZE_PARTITION",
	[S_MEM] = "mmap 64 MiB + SET_GUEST_MEMORY",
	[S_VP] = "CREATE_VP",
	[S_REGS] = "SET_VP_REGISTERS (CS, RIP)",
	[S_RUN] = "first RUN_VP to HLT",
	[S_TOTAL] = "setup total",
	[S_TEARDOWN] = "teardown (close fds, munmap)",
};

enum { R_OPEN, R_MAP, R_REGS, R_RUN, R_TOTAL, R_TEARDOWN, R_COUNT };

static const char *const raw_name[R_COUNT] = {
	[R_OPEN] = "uc_open(UC_MODE_64)",
	[R_MAP] = "mmap 64 MiB + uc_mem_map_ptr",
	[R_REGS] = "uc_reg_write(RIP)",
	[R_RUN] = "first uc_emu_start to HLT",
	[R_TOTAL] = "setup total",
	[R_TEARDOWN] = "teardown (uc_close, munmap)",
};

static void mshv_once(double *t)
{
	struct mshv_create_partition cp = {
		.pt_flags = 0,
		.pt_isolation = MSHV_PT_ISOLATION_NONE,
	};
	struct mshv_create_vp cv = { .vp_index = 0 };
	struct mshv_user_mem_region r;
	struct mshv_run_vp run;
	struct hv_message *msg = (struct hv_message *)run.msg_buf;
	const uint32_t names[2] = { HV_X64_REGISTER_CS, HV_X64_REGISTER_RIP };
	union hv_register_value vals[2];
	uint16_t status = 0;
	double t0, t1;
	int sys, pt, vp;
	uint8_t *mem;

	t0 = bench_now();
	sys = open("/dev/mshv", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(sys >= 0, "open: %s", strerror(errno));
	t1 = bench_now(); t[S_OPEN] = t1 - t0; t0 = t1;

	pt = ioctl(sys, MSHV_CREATE_PARTITION, &cp);
	TEST_ASSERT(pt >= 0, "CREATE_PARTITION: %s", strerror(errno));
	t1 = bench_now(); t[S_CREATE] = t1 - t0; t0 = t1;

	TEST_ASSERT_OK(ioctl(pt, MSHV_INITIALIZE_PARTITION));
	t1 = bench_now(); t[S_INIT] = t1 - t0; t0 = t1;

	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	mem[HLT_GPA] = 0xf4;	/* hlt */
	memset(&r, 0, sizeof(r));
	r.guest_pfn = 0;
	r.size = GUEST_MEM;
	r.userspace_addr = (uint64_t)(uintptr_t)mem;
	r.flags = MEM_RWX;
	TEST_ASSERT_OK(ioctl(pt, MSHV_SET_GUEST_MEMORY, &r));
	t1 = bench_now(); t[S_MEM] = t1 - t0; t0 = t1;

	vp = ioctl(pt, MSHV_CREATE_VP, &cv);
	TEST_ASSERT(vp >= 0, "CREATE_VP: %s", strerror(errno));
	t1 = bench_now(); t[S_VP] = t1 - t0; t0 = t1;

	/* Real mode from reset; only CS (base 0) and IP need changing. */
	memset(vals, 0, sizeof(vals));
	vals[0].segment.base = 0;
	vals[0].segment.limit = 0xffff;
	vals[0].segment.selector = 0;
	vals[0].segment.attributes = 0x9b;
	vals[1].reg64 = HLT_GPA;
	TEST_ASSERT(vp_set_registers(vp, 0, names, vals, 2, &status, NULL) == 0 && status == 0,
		    "SET_VP_REGISTERS: %s status %#x", strerror(errno), status);
	t1 = bench_now(); t[S_REGS] = t1 - t0; t0 = t1;

	TEST_ASSERT_OK(ioctl(vp, MSHV_RUN_VP, &run));
	TEST_ASSERT(msg->header.message_type == HVMSG_X64_HALT,
		    "first exit %s (%#x)", msg_type_name(msg->header.message_type),
		    msg->header.message_type);
	TEST_ASSERT_EQ(msg_hdr(msg)->rip, HLT_GPA);
	t1 = bench_now(); t[S_RUN] = t1 - t0; t0 = t1;

	t[S_TOTAL] = 0;
	for (int i = S_OPEN; i < S_TOTAL; i++)
		t[S_TOTAL] += t[i];

	close(vp);
	close(pt);
	close(sys);
	munmap(mem, GUEST_MEM);
	t[S_TEARDOWN] = bench_now() - t0;
}

static void raw_once(double *t, bool small_tcg)
{
	uc_engine *uc;
	uint8_t *mem;
	uc_err err;
	double t0, t1;

	t0 = bench_now();
	UC_CHECK(uc_open(UC_ARCH_X86, UC_MODE_64, &uc));
	if (small_tcg)
		UC_CHECK(uc_ctl_set_tcg_buffer_size(uc, 32u << 20));
	t1 = bench_now(); t[R_OPEN] = t1 - t0; t0 = t1;

	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	mem[HLT_GPA] = 0x90;	/* nop */
	mem[HLT_GPA + 1] = 0xf4;	/* hlt: the run stops in front of it */
	UC_CHECK(uc_mem_map_ptr(uc, 0, GUEST_MEM, UC_PROT_ALL, mem));
	t1 = bench_now(); t[R_MAP] = t1 - t0; t0 = t1;

	raw_set_reg(uc, UC_X86_REG_RIP, HLT_GPA);
	t1 = bench_now(); t[R_REGS] = t1 - t0; t0 = t1;

	err = uc_emu_start(uc, HLT_GPA, HLT_GPA + 1, 0, 0);
	TEST_ASSERT(err == UC_ERR_OK, "uc_emu_start: %s", uc_strerror(err));
	TEST_ASSERT_EQ(raw_reg(uc, UC_X86_REG_RIP), HLT_GPA + 1);
	t1 = bench_now(); t[R_RUN] = t1 - t0; t0 = t1;

	t[R_TOTAL] = 0;
	for (int i = R_OPEN; i < R_TOTAL; i++)
		t[R_TOTAL] += t[i];

	uc_close(uc);
	munmap(mem, GUEST_MEM);
	t[R_TEARDOWN] = bench_now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* samples[iter][step] -> median and best of each step */
static void stats(double (*samples)[S_COUNT], int nsteps, double *med,
		  double *best)
{
	double col[ITERS];

	for (int s = 0; s < nsteps; s++) {
		for (int i = 0; i < ITERS; i++)
			col[i] = samples[i][s];
		qsort(col, ITERS, sizeof(col[0]), cmp_double);
		med[s] = (col[ITERS / 2 - 1] + col[ITERS / 2]) / 2;
		best[s] = col[0];
	}
}

static void print_table(const char *title, const char *const *names,
			int nsteps, double (*samples)[S_COUNT])
{
	double med[S_COUNT], best[S_COUNT];

	stats(samples, nsteps, med, best);
	printf("%s\n", title);
	for (int s = 0; s < nsteps; s++)
		printf("  %-34s %10.1f %10.1f\n", names[s], med[s] * 1e6,
		       best[s] * 1e6);
}

static double samples[ITERS][S_COUNT];

int main(void)
{
	int total_raw = R_TOTAL, total_mshv = S_TOTAL;
	double raw_med, raw_small_med, mshv_med;
	double med[S_COUNT], best[S_COUNT];
	bool mshv;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== bench-setup: partition + VP setup, %d iterations, "
	       "64 MiB guest memory ==\n", ITERS);
	mshv = bench_have_mshv();
	printf("  %-34s %10s %10s\n", "step", "median us", "best us");

	/* warm-up: first-time costs (page faults in the libraries etc.) */
	raw_once(samples[0], false);
	if (mshv)
		mshv_once(samples[0]);

	for (int i = 0; i < ITERS; i++)
		raw_once(samples[i], false);
	print_table("raw Unicorn (default 1 GiB TCG buffer) -- baseline",
		    raw_name, R_COUNT, samples);
	stats(samples, R_COUNT, med, best);
	raw_med = med[total_raw];

	for (int i = 0; i < ITERS; i++)
		raw_once(samples[i], true);
	print_table("raw Unicorn, 32 MiB TCG buffer (as mshv-emu's engine)", raw_name, R_COUNT,
		    samples);
	stats(samples, R_COUNT, med, best);
	raw_small_med = med[total_raw];

	if (!mshv)
		return 0;
	for (int i = 0; i < ITERS; i++)
		mshv_once(samples[i]);
	print_table("mshv-emu (/dev/mshv)", step_name, S_COUNT, samples);
	stats(samples, S_COUNT, med, best);
	mshv_med = med[total_mshv];
	printf("setup median: mshv-emu %.2f ms = %.2fx raw Unicorn "
	       "(%.2fx raw with the same 32 MiB TCG buffer); target <= 5 ms: %s\n",
	       mshv_med * 1e3, mshv_med / raw_med, mshv_med / raw_small_med,
	       mshv_med <= 5e-3 ? "met" : "NOT met");
	return 0;
}
