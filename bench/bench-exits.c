/* SPDX-License-Identifier: MIT */
/*
 * Exit round trips per second: a guest looping on one exiting instruction
 * and a VMM that handles each exit by advancing RIP past it.
 *
 *   IO:   "outb %al, $0x10" -> HVMSG_X64_IO_PORT_INTERCEPT, RIP advanced
 *         (a) with HVCALL_SET_VP_REGISTERS through MSHV_ROOT_HVCALL
 *             (QEMU style), or
 *         (b) in the mmap'ed register page, dirty bit IP (Cloud
 *             Hypervisor style).
 *   MMIO: "movl %eax, (%rdi)" to an unmapped GPA -> HVMSG_UNMAPPED_GPA,
 *         RIP advanced by the instruction length, (a) and (b) likewise.
 *
 * Baselines on raw Unicorn in the same process:
 *   IO:   an UC_HOOK_INSN(OUT) hook calling uc_emu_stop(), the host loop
 *         restarting uc_emu_start() at the current RIP; and, for
 *         reference, mshv-emu's own method on a bare engine: a
 *         UC_HOOK_CODE stopping in front of the OUT, the host advancing RIP.
 *   MMIO: UC_HOOK_MEM_WRITE_UNMAPPED returning false (uc_emu_start fails
 *         with UC_ERR_WRITE_UNMAPPED at the store), the host advancing RIP.
 *         Unicorn 2.1.1 leaves RIP at the start of the translation block
 *         after such a fault unless the instruction is covered by a code
 *         hook, so an empty UC_HOOK_CODE on just the store's address
 *         makes RIP exact (the cost of one hook call per exit).
 *
 * BENCH_QUICK=1 shortens the runs (for profiling under valgrind);
 * BENCH_ONLY=io-hvcall|io-regpage|mmio-hvcall|mmio-regpage runs only that
 * /dev/mshv case (no baselines).
 *
 * Without a register page (mmap fails with ENODEV, as over CUSE) the
 * register-page rows are left out with a note; BENCH_ONLY=*-regpage then
 * exits 77 (skipped).
 */
#include "bench.h"

#define IO_PORT 0x10
#define MMIO_GPA 0xd0000000ull	/* never mapped */
#define MMIO_VA 0x600000ull	/* mapped to MMIO_GPA in the guest page tables */

GUEST_CODE(io_loop,
	".code64\n"
	"xorl %eax, %eax\n"
	"3:\n"
	"incl %eax\n"
	GUEST_LABEL(io_out) "outb %al, $0x10\n"
	GUEST_LABEL(io_out_end) "jmp 3b\n");
GUEST_EXTERN(io_out); GUEST_EXTERN(io_out_end);

GUEST_CODE(mmio_loop,
	".code64\n"
	"movl $0x600000, %edi\n"
	"xorl %eax, %eax\n"
	"4:\n"
	"incl %eax\n"
	GUEST_LABEL(mm_st) "movl %eax, (%rdi)\n"
	GUEST_LABEL(mm_st_end) "jmp 4b\n");
GUEST_EXTERN(mm_st); GUEST_EXTERN(mm_st_end);

/* ---- /dev/mshv ---- */

enum style { STYLE_HVCALL, STYLE_REGPAGE };

struct mshv_ctx {
	struct vm *vm;
	struct vcpu *vcpu;
	enum style style;
	bool mmio;
	uint64_t exit_rip;	/* GPA (= GVA) of the exiting instruction */
	uint8_t insn_len;
	struct bench_setreg rip;
	struct mshv_run_vp run;
};

/* False (and nothing left set up) for STYLE_REGPAGE without a register page. */
static bool mshv_setup(struct mshv_ctx *c, bool mmio, enum style style)
{
	memset(c, 0, sizeof(*c));
	c->mmio = mmio;
	c->style = style;
	c->vm = vm_create_default(0);
	c->vcpu = vcpu_create(c->vm, 0);
	if (mmio) {
		GUEST_LOAD(c->vm, CODE_GPA, mmio_loop);
		vm_setup_paging(c->vm);
		vm_map_page(c->vm, MMIO_VA, MMIO_GPA, PTE_W);
		c->exit_rip = CODE_GPA + GUEST_OFF(mmio_loop, mm_st);
		c->insn_len = (uint8_t)(mm_st_end - mm_st);
	} else {
		GUEST_LOAD(c->vm, CODE_GPA, io_loop);
		c->exit_rip = CODE_GPA + GUEST_OFF(io_loop, io_out);
		c->insn_len = (uint8_t)(io_out_end - io_out);
	}
	vcpu_setup_long_mode(c->vcpu, CODE_GPA, STACK_TOP);
	bench_setreg_init(&c->rip, 0, HV_X64_REGISTER_RIP);
	if (style == STYLE_REGPAGE && !c->vcpu->regpage) {
		vcpu_destroy(c->vcpu);
		vm_destroy(c->vm);
		return false;
	}
	return true;
}

static void no_regpage_note(const char *what)
{
	printf("# %s: no register page (mmap gives ENODEV, e.g. over CUSE); "
	       "register-page row skipped\n", what);
}

static void mshv_teardown(struct mshv_ctx *c)
{
	vcpu_destroy(c->vcpu);
	vm_destroy(c->vm);
}

static double mshv_exits(void *opaque, uint64_t n)
{
	struct mshv_ctx *c = opaque;
	struct hv_message *msg = (struct hv_message *)c->run.msg_buf;
	struct hv_x64_intercept_message_header *h = msg_hdr(msg);
	struct hv_vp_register_page *rp = c->vcpu->regpage;
	uint32_t want = c->mmio ? HVMSG_UNMAPPED_GPA : HVMSG_X64_IO_PORT_INTERCEPT;
	int fd = c->vcpu->fd;
	double t0 = bench_now();

	for (uint64_t i = 0; i < n; i++) {
		if (ioctl(fd, MSHV_RUN_VP, &c->run) != 0)
			test_fail(__FILE__, __LINE__, "MSHV_RUN_VP", "%s",
				  strerror(errno));
		if (msg->header.message_type != want || h->rip != c->exit_rip)
			test_fail(__FILE__, __LINE__, "exit",
				  "got %s (%#x) at %#llx, expected %s at %#llx",
				  msg_type_name(msg->header.message_type),
				  msg->header.message_type,
				  (unsigned long long)h->rip,
				  msg_type_name(want),
				  (unsigned long long)c->exit_rip);
		/* A VMM decodes the instruction when the length is absent. */
		uint8_t len = h->instruction_length ? h->instruction_length
						    : c->insn_len;
		if (c->style == STYLE_HVCALL) {
			bench_setreg(fd, &c->rip, h->rip + len);
		} else {
			rp->rip = h->rip + len;
			rp->dirty |= 1u << HV_X64_REGISTER_CLASS_IP;
		}
	}
	return bench_now() - t0;
}

/* ---- raw Unicorn ---- */

enum raw_kind { RAW_IO_OUT_HOOK, RAW_IO_CODE_HOOK, RAW_MMIO };

struct raw_ctx {
	struct raw_vm r;
	enum raw_kind kind;
	uint64_t exit_rip;
	uint8_t insn_len;
	uint64_t hits;
	uint64_t fault_rip;	/* RIP as read in the unmapped hook */
};

static void raw_out_hook(uc_engine *uc, uint32_t port, int size,
			 uint32_t value, void *opaque)
{
	struct raw_ctx *c = opaque;

	(void)port, (void)size, (void)value;
	c->hits++;
	uc_emu_stop(uc);
}

static void raw_code_hook(uc_engine *uc, uint64_t addr, uint32_t size,
			  void *opaque)
{
	struct raw_ctx *c = opaque;

	(void)size;
	if (addr == c->exit_rip) {
		c->hits++;
		uc_emu_stop(uc);
	}
}

static void raw_sync_hook(uc_engine *uc, uint64_t addr, uint32_t size,
			  void *opaque)
{
	(void)uc, (void)addr, (void)size, (void)opaque;
}

static bool raw_unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr,
			      int size, int64_t value, void *opaque)
{
	struct raw_ctx *c = opaque;

	(void)type, (void)addr, (void)size, (void)value;
	c->hits++;
	c->fault_rip = raw_reg(uc, UC_X86_REG_RIP);
	return false;
}

static void raw_setup(struct raw_ctx *c, enum raw_kind kind)
{
	uc_hook h;

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	raw_vm_open(&c->r, LOW_MEM_SIZE);
	raw_set_reg(c->r.uc, UC_X86_REG_RSP, STACK_TOP);
	if (kind == RAW_MMIO) {
		memcpy(c->r.mem + CODE_GPA, mmio_loop_start, GUEST_SIZE(mmio_loop));
		c->exit_rip = CODE_GPA + GUEST_OFF(mmio_loop, mm_st);
		c->insn_len = (uint8_t)(mm_st_end - mm_st);
		UC_CHECK(uc_hook_add(c->r.uc, &h, UC_HOOK_MEM_WRITE_UNMAPPED,
				     raw_unmapped_hook, c, 1, 0));
		UC_CHECK(uc_hook_add(c->r.uc, &h, UC_HOOK_CODE, raw_sync_hook,
				     c, c->exit_rip, c->exit_rip));
	} else {
		memcpy(c->r.mem + CODE_GPA, io_loop_start, GUEST_SIZE(io_loop));
		c->exit_rip = CODE_GPA + GUEST_OFF(io_loop, io_out);
		c->insn_len = (uint8_t)(io_out_end - io_out);
		if (kind == RAW_IO_OUT_HOOK)
			UC_CHECK(uc_hook_add(c->r.uc, &h, UC_HOOK_INSN,
					     raw_out_hook, c, 1, 0,
					     UC_X86_INS_OUT));
		else
			UC_CHECK(uc_hook_add(c->r.uc, &h, UC_HOOK_CODE,
					     raw_code_hook, c, 1, 0));
	}
	raw_set_reg(c->r.uc, UC_X86_REG_RIP, CODE_GPA);
}

static double raw_exits(void *opaque, uint64_t n)
{
	struct raw_ctx *c = opaque;
	uc_engine *uc = c->r.uc;
	uint64_t rip, end = c->hits + n;
	double t0 = bench_now();

	while (c->hits < end) {
		uint64_t before = c->hits;
		uc_err err;

		UC_CHECK(uc_reg_read(uc, UC_X86_REG_RIP, &rip));
		err = uc_emu_start(uc, rip, 0, 0, 0);
		TEST_ASSERT(c->hits == before + 1, "%llu exits in one run",
			    (unsigned long long)(c->hits - before));
		switch (c->kind) {
		case RAW_IO_OUT_HOOK:
			/* The OUT has executed; restart wherever it stopped. */
			UC_CHECK(err);
			break;
		case RAW_IO_CODE_HOOK:
			UC_CHECK(err);
			UC_CHECK(uc_reg_read(uc, UC_X86_REG_RIP, &rip));
			TEST_ASSERT_EQ(rip, c->exit_rip);
			raw_set_reg(uc, UC_X86_REG_RIP, rip + c->insn_len);
			break;
		case RAW_MMIO:
			TEST_ASSERT(err == UC_ERR_WRITE_UNMAPPED, "%s",
				    uc_strerror(err));
			UC_CHECK(uc_reg_read(uc, UC_X86_REG_RIP, &rip));
			TEST_ASSERT_EQ(rip, c->exit_rip);
			TEST_ASSERT_EQ(c->fault_rip, c->exit_rip);
			raw_set_reg(uc, UC_X86_REG_RIP, rip + c->insn_len);
			break;
		}
	}
	return bench_now() - t0;
}

/* ---- report ---- */

static void rows(const char *what, struct bench_case *cases, size_t k)
{
	double base = (double)cases[0].n / cases[0].best;

	for (size_t i = 0; i < k; i++) {
		double rate = (double)cases[i].n / cases[i].best;

		printf("%-5s %-44s %10llu %7.3f %8.3f %12.0f", what,
		       cases[i].label, (unsigned long long)cases[i].n,
		       cases[i].best, 1e6 * cases[i].best / (double)cases[i].n,
		       rate);
		if (i)
			printf("   %6.1f %%\n", 100.0 * rate / base);
		else
			printf("   %8s\n", "(base)");
	}
}

static int only(const char *sel)
{
	struct mshv_ctx c;
	struct bench_case bc = { sel, mshv_exits, &c, 1000, 0 };
	bool ok;

	if (!strcmp(sel, "io-hvcall"))
		ok = mshv_setup(&c, false, STYLE_HVCALL);
	else if (!strcmp(sel, "io-regpage"))
		ok = mshv_setup(&c, false, STYLE_REGPAGE);
	else if (!strcmp(sel, "mmio-hvcall"))
		ok = mshv_setup(&c, true, STYLE_HVCALL);
	else if (!strcmp(sel, "mmio-regpage"))
		ok = mshv_setup(&c, true, STYLE_REGPAGE);
	else {
		fprintf(stderr, "BENCH_ONLY: unknown case %s\n", sel);
		return 2;
	}
	if (!ok) {
		no_regpage_note(sel);
		return 77;
	}
	bench_measure(&bc, 1);
	rows("only", &bc, 1);
	mshv_teardown(&c);
	return 0;
}

int main(void)
{
	const char *sel = getenv("BENCH_ONLY");
	struct raw_ctx raw_out, raw_code, raw_mmio;
	struct mshv_ctx io_hv, io_rp, mm_hv, mm_rp;
	bool mshv, io_rp_ok = false, mm_rp_ok = false;
	size_t k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sel && *sel)
		return only(sel);
	printf("== bench-exits: exit round trips (best of %d, >= %.2f s per "
	       "run) ==\n", BENCH_REPS, bench_min_seconds());
	mshv = bench_have_mshv();
	printf("%-5s %-44s %10s %7s %8s %12s   %8s\n", "exit", "handled by",
	       "exits", "time s", "us/exit", "exits/s", "vs raw");

	struct bench_case io[4] = {
		{ "raw Unicorn: OUT hook + uc_emu_stop", raw_exits, &raw_out, 1000, 0 },
		{ "raw Unicorn: code hook stops before OUT", raw_exits, &raw_code, 1000, 0 },
		{ "mshv-emu: RIP via SET_VP_REGISTERS (QEMU)", mshv_exits, &io_hv, 1000, 0 },
		{ "mshv-emu: RIP via register page (CH)", mshv_exits, &io_rp, 1000, 0 },
	};
	raw_setup(&raw_out, RAW_IO_OUT_HOOK);
	raw_setup(&raw_code, RAW_IO_CODE_HOOK);
	if (mshv) {
		mshv_setup(&io_hv, false, STYLE_HVCALL);
		io_rp_ok = mshv_setup(&io_rp, false, STYLE_REGPAGE);
		if (!io_rp_ok)
			no_regpage_note("IO");
	}
	k = mshv ? (io_rp_ok ? 4 : 3) : 2;
	bench_measure(io, k);
	rows("IO", io, k);
	raw_vm_close(&raw_out.r);
	raw_vm_close(&raw_code.r);
	if (mshv) {
		mshv_teardown(&io_hv);
		if (io_rp_ok)
			mshv_teardown(&io_rp);
	}

	struct bench_case mm[3] = {
		{ "raw Unicorn: unmapped-write hook, RIP += len", raw_exits, &raw_mmio, 1000, 0 },
		{ "mshv-emu: RIP via SET_VP_REGISTERS (QEMU)", mshv_exits, &mm_hv, 1000, 0 },
		{ "mshv-emu: RIP via register page (CH)", mshv_exits, &mm_rp, 1000, 0 },
	};
	raw_setup(&raw_mmio, RAW_MMIO);
	if (mshv) {
		mshv_setup(&mm_hv, true, STYLE_HVCALL);
		mm_rp_ok = mshv_setup(&mm_rp, true, STYLE_REGPAGE);
		if (!mm_rp_ok)
			no_regpage_note("MMIO");
	}
	k = mshv ? (mm_rp_ok ? 3 : 2) : 1;
	bench_measure(mm, k);
	rows("MMIO", mm, k);
	raw_vm_close(&raw_mmio.r);
	if (mshv) {
		mshv_teardown(&mm_hv);
		if (mm_rp_ok)
			mshv_teardown(&mm_rp);
	}
	return 0;
}
