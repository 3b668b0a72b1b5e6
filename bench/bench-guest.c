/* SPDX-License-Identifier: MIT */
/*
 * Guest throughput: the same 64-bit machine code run
 *   - through /dev/mshv (long mode with 4-level paging, until its HLT),
 *   - on a bare Unicorn engine with no hooks (the raw baseline),
 *   - on a bare Unicorn engine with one empty UC_HOOK_CODE (what the
 *     per-instruction hook that makes intercepts exact costs by itself),
 *   - and with one empty UC_HOOK_BLOCK (the floor of mshv-emu's kick poll,
 *     a block hook, docs/engine.md "Kicks").
 * Two workloads: a register-only loop and a load/store loop.  Each
 * configuration is calibrated to run >= 0.5 s; best of 3.
 */
#include "bench.h"

#define PARAM_GPA 0x9000ull	/* the guest reads its iteration count here */
#define LS_DATA_GPA 0xa000ull	/* the load/store loop's data */

/* 5 instructions per iteration, registers only. */
GUEST_CODE(reg_loop,
	".code64\n"
	"movq 0x9000, %rcx\n"
	"xorl %eax, %eax\n"
	"movl $1, %ebx\n"
	"xorl %edx, %edx\n"
	"1:\n"
	"addq %rbx, %rax\n"
	"xorq %rax, %rdx\n"
	"addq $3, %rbx\n"
	"decq %rcx\n"
	"jnz 1b\n"
	GUEST_LABEL(reg_loop_hlt) "hlt\n");
GUEST_EXTERN(reg_loop_hlt);

/* 7 instructions per iteration: 4 loads and 3 stores to guest RAM. */
GUEST_CODE(ls_loop,
	".code64\n"
	"movq 0x9000, %rcx\n"
	"movl $0xa000, %edi\n"
	"2:\n"
	"movq (%rdi), %rax\n"
	"addq %rax, 8(%rdi)\n"
	"movq %rcx, 16(%rdi)\n"
	"movq 24(%rdi), %rdx\n"
	"addq %rdx, 32(%rdi)\n"
	"decq %rcx\n"
	"jnz 2b\n"
	GUEST_LABEL(ls_loop_hlt) "hlt\n");
GUEST_EXTERN(ls_loop_hlt);

/* TLB-miss heavy: a CR3 reload flushes the TLB, then 4 loads from 4
 * pages each need a page walk (under nested paging a 2D walk). */
GUEST_CODE(tlb_loop,
	".code64\n"
	"movq 0x9000, %rcx\n"
	"3:\n"
	"movq %cr3, %rax\n"
	"movq %rax, %cr3\n"
	"movq 0x100000, %rdx\n"
	"movq 0x140000, %rdx\n"
	"movq 0x180000, %rdx\n"
	"movq 0x1c0000, %rdx\n"
	"decq %rcx\n"
	"jnz 3b\n"
	GUEST_LABEL(tlb_loop_hlt) "hlt\n");
GUEST_EXTERN(tlb_loop_hlt);

/* A 1 MiB working set: one store to each of 256 pages per iteration.
 * Unicorn's TLB starts with 256 entries and is resized only at flushes,
 * which this loop never does (emu/tlb_tick.c). */
GUEST_CODE(sweep_loop,
	".code64\n"
	"movq 0x9000, %rcx\n"
	"4:\n"
	"movl $0x100000, %edi\n"
	"movl $256, %esi\n"
	"5:\n"
	"movq %rcx, (%rdi)\n"
	"addq $4096, %rdi\n"
	"decl %esi\n"
	"jnz 5b\n"
	"decq %rcx\n"
	"jnz 4b\n"
	GUEST_LABEL(sweep_loop_hlt) "hlt\n");
GUEST_EXTERN(sweep_loop_hlt);

struct workload {
	const char *name;
	const uint8_t *code;
	size_t size;
	uint64_t hlt_off;
	unsigned insns_per_iter;	/* loop body */
	const char *what;
	bool gib_row; /* also through a partition with a 1 GiB slot */
};

/* ---- /dev/mshv ---- */

struct mshv_ctx {
	const struct workload *w;
	struct vm *vm;
	struct vcpu *vcpu;
	struct bench_setreg rip;
	uint64_t *param;
};

static void mshv_setup(struct mshv_ctx *c, const struct workload *w, uint64_t ram)
{
	c->w = w;
	c->vm = vm_create_default_ram(0, ram);
	c->vcpu = vcpu_create(c->vm, 0);
	vm_load(c->vm, CODE_GPA, w->code, w->size);
	vcpu_setup_long_mode(c->vcpu, CODE_GPA, STACK_TOP);
	c->param = vm_gpa2hva(c->vm, PARAM_GPA);
	memset(vm_gpa2hva(c->vm, LS_DATA_GPA), 0, 64);
	bench_setreg_init(&c->rip, 0, HV_X64_REGISTER_RIP);
}

static void mshv_teardown(struct mshv_ctx *c)
{
	vcpu_destroy(c->vcpu);
	vm_destroy(c->vm);
}

static double mshv_run(void *opaque, uint64_t n)
{
	struct mshv_ctx *c = opaque;
	struct hv_message msg;
	double t0, t1;

	*c->param = n;
	bench_setreg(c->vcpu->fd, &c->rip, CODE_GPA);
	t0 = bench_now();
	uint32_t type = vcpu_run_ok(c->vcpu, &msg);
	t1 = bench_now();
	TEST_ASSERT(type == HVMSG_X64_HALT, "expected HALT, got %s (%#x) at %#llx",
		    msg_type_name(type), type,
		    (unsigned long long)msg_hdr(&msg)->rip);
	TEST_ASSERT_EQ(msg_hdr(&msg)->rip, CODE_GPA + c->w->hlt_off);
	TEST_ASSERT_EQ(vcpu_get_reg(c->vcpu, HV_X64_REGISTER_RCX), 0);
	return t1 - t0;
}

/* ---- raw Unicorn ---- */

struct raw_ctx {
	const struct workload *w;
	struct raw_vm r;
	uint64_t *param;
};

static void empty_code_hook(uc_engine *uc, uint64_t addr, uint32_t size,
			    void *opaque)
{
	(void)uc, (void)addr, (void)size, (void)opaque;
}

enum raw_hook { NO_HOOK, CODE_HOOK, BLOCK_HOOK };

static void raw_setup(struct raw_ctx *c, const struct workload *w, enum raw_hook hook, bool paging)
{
	c->w = w;
	raw_vm_open(&c->r, LOW_MEM_SIZE);
	memcpy(c->r.mem + CODE_GPA, w->code, w->size);
	c->param = (uint64_t *)(c->r.mem + PARAM_GPA);
	raw_set_reg(c->r.uc, UC_X86_REG_RSP, STACK_TOP);
	if (paging)
		raw_vm_paging(&c->r);
	if (hook != NO_HOOK) {
		uc_hook h;

		UC_CHECK(uc_hook_add(c->r.uc, &h, hook == CODE_HOOK ? UC_HOOK_CODE : UC_HOOK_BLOCK,
				     empty_code_hook, NULL, 1, 0));
	}
}

static double raw_run(void *opaque, uint64_t n)
{
	struct raw_ctx *c = opaque;
	uint64_t end = CODE_GPA + c->w->hlt_off;
	double t0, t1;

	*c->param = n;
	t0 = bench_now();
	UC_CHECK(uc_emu_start(c->r.uc, CODE_GPA, end, 0, 0));
	t1 = bench_now();
	TEST_ASSERT_EQ(raw_reg(c->r.uc, UC_X86_REG_RIP), end);
	TEST_ASSERT_EQ(raw_reg(c->r.uc, UC_X86_REG_RCX), 0);
	return t1 - t0;
}

/* ---- report ---- */

static void row(const struct workload *w, const char *engine, uint64_t n,
		double t, double raw_t_per_iter)
{
	double ns = t * 1e9 / (double)n;
	double mips = (double)n * w->insns_per_iter / t / 1e6;

	printf("%-10s %-26s %12llu %8.3f %9.3f %9.1f", w->name, engine,
	       (unsigned long long)n, t, ns, mips);
	if (raw_t_per_iter > 0)
		printf("   %6.1f %%\n", 100.0 * raw_t_per_iter / (t / (double)n));
	else
		printf("   %8s\n", "(base)");
}

static void bench_workload(const struct workload *w, bool mshv)
{
	struct raw_ctx raw, paged, hooked, blocked;
	struct mshv_ctx s, big;
	struct bench_case cases[6] = {
		{ "raw Unicorn (no hooks)", raw_run, &raw, 1u << 22, 0 },
		{ "raw Unicorn, paging on", raw_run, &paged, 1u << 22, 0 },
		{ "raw Unicorn + empty hook", raw_run, &hooked, 1u << 18, 0 },
		{ "raw + empty block hook", raw_run, &blocked, 1u << 22, 0 },
		{ "mshv-emu (/dev/mshv)", mshv_run, &s, 1u << 20, 0 },
		/* Nested tables with a 1 GiB leaf instead of a 2 MiB one: one
		 * read less per step of a guest page walk. */
		{ "mshv-emu, 1 GiB slot", mshv_run, &big, 1u << 20, 0 },
	};
	/* First guesses for calibration, for a loop of about 8 instructions. */
	for (size_t i = 0; i < 6; i++)
		cases[i].n = cases[i].n * 8 / w->insns_per_iter + 1;
	size_t k = mshv ? (w->gib_row ? 6 : 5) : 4;

	raw_setup(&raw, w, NO_HOOK, false);
	raw_setup(&paged, w, NO_HOOK, true);
	raw_setup(&hooked, w, CODE_HOOK, false);
	raw_setup(&blocked, w, BLOCK_HOOK, false);
	if (mshv)
		mshv_setup(&s, w, LOW_MEM_SIZE);
	if (k == 6)
		mshv_setup(&big, w, 1ull << 30);
	bench_measure(cases, k);
	double raw_per_iter = cases[0].best / (double)cases[0].n;

	for (size_t i = 0; i < k; i++)
		row(w, cases[i].label, cases[i].n, cases[i].best,
		    i ? raw_per_iter : 0);
	raw_vm_close(&raw.r);
	raw_vm_close(&paged.r);
	raw_vm_close(&hooked.r);
	raw_vm_close(&blocked.r);
	if (mshv)
		mshv_teardown(&s);
	if (k == 6)
		mshv_teardown(&big);
}

int main(void)
{
	const struct workload loads[] = {
		{ "register", reg_loop_start, GUEST_SIZE(reg_loop),
		  GUEST_OFF(reg_loop, reg_loop_hlt), 5, "add/xor/add/dec/jnz", false },
		{ "load/store", ls_loop_start, GUEST_SIZE(ls_loop), GUEST_OFF(ls_loop, ls_loop_hlt),
		  7, "4 loads + 3 stores, dec/jnz", false },
		{ "tlb-miss", tlb_loop_start, GUEST_SIZE(tlb_loop),
		  GUEST_OFF(tlb_loop, tlb_loop_hlt), 8,
		  "CR3 reload + 4 loads from 4 pages, dec/jnz", true },
		{ "sweep", sweep_loop_start, GUEST_SIZE(sweep_loop),
		  GUEST_OFF(sweep_loop, sweep_loop_hlt), 1028,
		  "a store to each of 256 pages, 1 MiB", false },
	};
	bool mshv;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== bench-guest: guest code throughput (64-bit, best of %d, "
	       ">= %.2f s per run) ==\n", BENCH_REPS, bench_min_seconds());
	mshv = bench_have_mshv();
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
		printf("# %s loop: %u instructions per iteration (%s)\n",
		       loads[i].name, loads[i].insns_per_iter, loads[i].what);
	printf("%-10s %-26s %12s %8s %9s %9s   %8s\n", "workload", "engine",
	       "iterations", "time s", "ns/iter", "MIPS", "vs raw");
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
		bench_workload(&loads[i], mshv);
	return 0;
}
