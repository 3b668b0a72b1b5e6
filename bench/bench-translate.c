/* SPDX-License-Identifier: MIT */
/*
 * Translation cost: a 64-bit guest runs once through 16383 distinct
 * blocks of straight-line code (8 ADDs and a JMP each, 1 MiB in all)
 * and halts, so nearly all of its time is spent translating. Each
 * configuration runs on a fresh engine (nothing translated yet: "cold"),
 * then the same code again ("warm", every block cached); cold minus warm
 * is the translation cost per block.
 *   - through /dev/mshv (long mode, 4-level paging; what mshv-emu adds at
 *     translation time: the scanner's look at every new block for
 *     intercepted instructions and the write watch on each new code page),
 *   - on a bare Unicorn engine without hooks, paging off and on (the
 *     baselines).
 * Fresh engines per round, interleaved; best of BENCH_TRANSLATE_ROUNDS.
 */
#include "bench.h"

#define BLOCK_GPA 0x100000ull
#define BLOCK_SIZE 64
#define BLOCKS (0x100000 / BLOCK_SIZE - 1)	/* the last slot holds the HLT */
#define ADDS 8
#define ROUNDS 5

static uint64_t hlt_gpa(void)
{
	return BLOCK_GPA + (uint64_t)BLOCKS * BLOCK_SIZE;
}

/* Block i: ADDS x "add $(i * ADDS + j), %rax", then "jmp" to block i+1,
 * the rest INT3 (never reached). RAX ends as the sum of all immediates. */
static uint64_t write_blocks(uint8_t *code)
{
	uint64_t sum = 0;

	memset(code, 0xcc, (size_t)(BLOCKS + 1) * BLOCK_SIZE);
	for (uint32_t i = 0; i < BLOCKS; i++) {
		uint8_t *p = code + (size_t)i * BLOCK_SIZE;

		for (uint32_t j = 0; j < ADDS; j++) {
			uint32_t imm = i * ADDS + j;

			*p++ = 0x48, *p++ = 0x05;	/* add imm32, %rax */
			memcpy(p, &imm, 4), p += 4;
			sum += imm;
		}
		/* to the start of the next block, relative to the JMP's end */
		int32_t rel = BLOCK_SIZE - (ADDS * 6 + 5);
		*p++ = 0xe9;			/* jmp rel32 */
		memcpy(p, &rel, 4);
	}
	code[(size_t)BLOCKS * BLOCK_SIZE] = 0xf4;	/* hlt */
	return sum;
}

struct sample {
	double cold, warm;
};

static struct sample mshv_round(void)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct bench_setreg rip;
	struct hv_message msg;
	struct sample s;
	double t[3];
	uint64_t sum = write_blocks(vm_gpa2hva(vm, BLOCK_GPA));

	vcpu_setup_long_mode(vcpu, BLOCK_GPA, STACK_TOP);
	bench_setreg_init(&rip, 0, HV_X64_REGISTER_RIP);
	for (int pass = 0; pass < 2; pass++) {
		vcpu_set_reg(vcpu, HV_X64_REGISTER_RAX, 0);
		bench_setreg(vcpu->fd, &rip, BLOCK_GPA);
		t[pass] = bench_now();
		uint32_t type = vcpu_run_ok(vcpu, &msg);
		t[pass + 1] = bench_now();
		TEST_ASSERT(type == HVMSG_X64_HALT, "expected HALT, got %s (%#x)",
			    msg_type_name(type), type);
		TEST_ASSERT_EQ(msg_hdr(&msg)->rip, hlt_gpa());
		TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RAX), sum);
		if (pass == 0)
			s.cold = t[1] - t[0];
		else
			s.warm = t[2] - t[1];
	}
	vm_destroy(vm);
	return s;
}

static struct sample raw_round(bool paging)
{
	struct raw_vm r;
	struct sample s;
	uint64_t sum;

	raw_vm_open(&r, LOW_MEM_SIZE);
	sum = write_blocks(r.mem + BLOCK_GPA);
	raw_set_reg(r.uc, UC_X86_REG_RSP, STACK_TOP);
	if (paging)
		raw_vm_paging(&r);
	for (int pass = 0; pass < 2; pass++) {
		raw_set_reg(r.uc, UC_X86_REG_RAX, 0);
		double t0 = bench_now();
		UC_CHECK(uc_emu_start(r.uc, BLOCK_GPA, hlt_gpa(), 0, 0));
		double t1 = bench_now();
		TEST_ASSERT_EQ(raw_reg(r.uc, UC_X86_REG_RIP), hlt_gpa());
		TEST_ASSERT_EQ(raw_reg(r.uc, UC_X86_REG_RAX), sum);
		if (pass == 0)
			s.cold = t1 - t0;
		else
			s.warm = t1 - t0;
	}
	raw_vm_close(&r);
	return s;
}

static void keep_best(struct sample *best, struct sample s)
{
	if (s.cold < best->cold)
		best->cold = s.cold;
	if (s.warm < best->warm)
		best->warm = s.warm;
}

static void row(const char *label, struct sample s, double base_us)
{
	double cold = s.cold * 1e6 / BLOCKS, warm = s.warm * 1e6 / BLOCKS;
	double tr = cold - warm;

	printf("%-28s %9.3f %9.3f %12.3f", label, cold, warm, tr);
	if (base_us > 0)
		printf(" %9.2fx\n", tr / base_us);
	else
		printf(" %10s\n", "(base)");
}

int main(void)
{
	struct sample raw = { 1e30, 1e30 }, paged = raw, mshv = raw;
	bool have = bench_have_mshv();

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== bench-translate: translation cost (%d blocks of %d ADDs + JMP, "
	       "fresh engine each round, best of %d) ==\n", BLOCKS, ADDS, ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		keep_best(&raw, raw_round(false));
		keep_best(&paged, raw_round(true));
		if (have)
			keep_best(&mshv, mshv_round());
	}
	printf("%-28s %9s %9s %12s %10s\n", "engine", "cold us", "warm us", "translate us",
	       "vs raw");
	printf("%-28s %9s %9s %12s\n", "(per block)", "", "", "(cold-warm)");
	double base = (raw.cold - raw.warm) * 1e6 / BLOCKS;
	row("raw Unicorn (no hooks)", raw, 0);
	row("raw Unicorn, paging on", paged, base);
	if (have)
		row("mshv-emu (/dev/mshv)", mshv, base);
	return 0;
}
