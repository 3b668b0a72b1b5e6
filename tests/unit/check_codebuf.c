/* SPDX-License-Identifier: MIT */
/*
 * Code buffers within call reach of libunicorn (emu/codebuf.c): after a
 * process has mapped gigabytes, an engine initialised through a codebuf
 * slot still gets its code buffer near libunicorn, slots run out and come
 * back; the engine's set-up flushes its buffer once and leaves it lazy.
 * The placement and laziness cases do not run under valgrind, which places
 * mappings itself.
 */
#include "../../emu/codebuf.h"
#include "../../emu/tcg_region.h"
#include "check_run.h"

#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#define GiB   ((size_t)1 << 30)
#define REACH ((uintptr_t)2 << 30) /* a rel32 call */

static uintptr_t dist_to_unicorn(uintptr_t p)
{
	uintptr_t uc = (uintptr_t)&uc_open;

	return p > uc ? p - uc : uc - p;
}

static bool under_valgrind(void)
{
	const char *v = getenv("MSHV_EMU_VALGRIND");

	return v && !strcmp(v, "1");
}

/* Takes the address space near libunicorn, as guest RAM or other engines
 * do: afterwards a fresh mapping lands out of reach. */
static void *fill_near(void)
{
	void *big =
		mmap(NULL, 4 * GiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	ck_assert_ptr_ne(big, MAP_FAILED);
	void *probe = mmap(NULL, EMU_TCG_BUFFER, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(probe, MAP_FAILED);
	ck_assert_msg(dist_to_unicorn((uintptr_t)probe) > REACH,
		      "premise: after 4 GiB a new mapping is out of reach (%p)", probe);
	munmap(probe, EMU_TCG_BUFFER);
	return big;
}

/* The start of the engine's code buffer: the only 32 MiB rwx mapping. */
static uintptr_t find_code_buffer(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t found = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		char perms[8];

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) == 3 &&
		    !strcmp(perms, "rwxp") && hi - lo >= EMU_TCG_BUFFER - 4096 &&
		    hi - lo <= EMU_TCG_BUFFER)
			found = lo;
	}
	fclose(f);
	return found;
}

START_TEST(test_engine_buffer_lands_near)
{
	if (under_valgrind())
		return;
	void *big = fill_near();
	uc_engine *uc;
	uc_context *ctx;

	int slot = codebuf_open();
	ck_assert_int_ge(slot, 0);
	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	ck_assert_int_eq(uc_ctl_set_tcg_buffer_size(uc, EMU_TCG_BUFFER), UC_ERR_OK);
	ck_assert_int_eq(uc_context_alloc(uc, &ctx), UC_ERR_OK); /* maps the buffer */
	codebuf_return(slot);
	uintptr_t buf = find_code_buffer();
	ck_assert_msg(buf && dist_to_unicorn(buf) < REACH, "code buffer at %#" PRIxPTR, buf);

	/* The rest of the hole is reserved again: a new mapping goes
	 * elsewhere, out of reach as before. */
	void *probe = mmap(NULL, EMU_TCG_BUFFER, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(dist_to_unicorn((uintptr_t)probe) > REACH);
	munmap(probe, EMU_TCG_BUFFER);

	uc_context_free(ctx);
	uc_close(uc);
	codebuf_return(slot);
	/* ... and the slot serves the next engine. */
	ck_assert_int_eq(codebuf_open(), slot);
	codebuf_return(slot);
	munmap(big, 4 * GiB);
}
END_TEST

START_TEST(test_slots_run_out_and_come_back)
{
	int s[4];

	if (under_valgrind())
		return;
	for (int i = 0; i < 4; i++) {
		s[i] = codebuf_open();
		ck_assert_int_ge(s[i], 0);
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(s[i], s[j]);
	}
	/* A fifth engine gets no slot: the kernel places its buffer. */
	ck_assert_int_eq(codebuf_open(), -1);
	codebuf_return(-1);
	codebuf_return(s[2]);
	ck_assert_int_eq(codebuf_open(), s[2]);
	for (int i = 0; i < 4; i++)
		codebuf_return(s[i]);
}
END_TEST

/* Resident kilobytes of all rwx mappings (/proc/self/smaps). */
static long rwx_rss_kb(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512], perms[8];
	bool in = false;
	long kb, sum = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		uintptr_t a, b;

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &a, &b, perms) == 3)
			in = !strcmp(perms, "rwxp");
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			sum += kb;
	}
	fclose(f);
	return sum;
}

/* Engines set up as the emulator's do not hold their 32 MiB buffers
 * resident (a flush, the fallback of emu/tcg_region.c, would: fifty idle
 * partitions would hold 1.6 GiB). Six of them: past the four slots the
 * kernel places buffers side by side, and merges their mappings. */
#define LAZY_ENGINES 6

START_TEST(test_engine_init_leaves_buffer_lazy)
{
	uc_engine *uc[LAZY_ENGINES];
	uc_context *ctx[LAZY_ENGINES];
	int slot[LAZY_ENGINES];
	uc_err err;

	/* valgrind adds rwx mappings of its own as it translates: the
	 * buffer cannot be told, and its pages stay (codebuf.c). */
	if (under_valgrind())
		return;
	long base = rwx_rss_kb();
	for (int i = 0; i < LAZY_ENGINES; i++) {
		ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc[i]), UC_ERR_OK);
		slot[i] = codebuf_engine_init(uc[i], EMU_TCG_BUFFER, &ctx[i], &err);
		ck_assert_int_eq(err, UC_ERR_OK);
	}
	long kb = rwx_rss_kb() - base;
	/* A transparent huge page may back the buffer's first page. */
	ck_assert_msg(kb <= LAZY_ENGINES * 4096, "%ld kB of %d engines' buffers resident", kb,
		      LAZY_ENGINES);
	for (int i = 0; i < LAZY_ENGINES; i++) {
		uc_context_free(ctx[i]);
		uc_close(uc[i]);
		codebuf_return(slot[i]);
	}
}
END_TEST

/* Unicorn 2.1.1 reused a full code buffer the first time without a flush
 * (emu/tcg_region.c): run more distinct blocks than a 1 MiB buffer holds
 * (each takes over 128 bytes), twice. Without the flush the second pass
 * ran other blocks' code or zeroes. */
#define FILL_BASE   0x100000ull
#define FILL_BLOCKS (1u << 13)

static uint64_t run_blocks(uc_engine *uc, uint64_t end)
{
	uint64_t rax = 0;

	ck_assert_int_eq(uc_reg_write(uc, UC_X86_REG_RAX, &rax), UC_ERR_OK);
	ck_assert_int_eq(uc_emu_start(uc, FILL_BASE, end, 0, 0), UC_ERR_OK);
	ck_assert_int_eq(uc_reg_read(uc, UC_X86_REG_RAX, &rax), UC_ERR_OK);
	return rax;
}

START_TEST(test_first_fill_flushes)
{
	uc_engine *uc;
	uc_context *ctx;
	uc_err err;
	uint8_t *code = calloc(1, 1u << 20);
	uint8_t *p = code;
	uint64_t sum = 0;

	ck_assert_ptr_nonnull(code);
	for (uint32_t k = 0; k < FILL_BLOCKS; k++) {
		uint32_t v = k * 0x9e3779b9u;
		int32_t rel = 0;

		*p++ = 0x48, *p++ = 0x05; /* add $imm32, %rax (sign-extended) */
		memcpy(p, &v, 4), p += 4;
		*p++ = 0xe9; /* jmp to the next block */
		memcpy(p, &rel, 4), p += 4;
		sum += (uint64_t)(int64_t)(int32_t)v;
	}
	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	int slot = codebuf_engine_init(uc, 1u << 20, &ctx, &err);
	ck_assert_int_eq(err, UC_ERR_OK);
	ck_assert_int_eq(uc_mem_map(uc, FILL_BASE, 1u << 20, UC_PROT_ALL), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_write(uc, FILL_BASE, code, (size_t)(p - code)), UC_ERR_OK);
	uint64_t end = FILL_BASE + (uint64_t)(p - code);
	for (int pass = 0; pass < 2; pass++)
		ck_assert_msg(run_blocks(uc, end) == sum, "pass %d: wrong sum", pass);
	uc_context_free(ctx);
	uc_close(uc);
	codebuf_return(slot);
	free(code);
}
END_TEST

/* On a libunicorn with the first-fill defect (2.1.0-2.1.2; the project
 * installs 2.1.1), the region is found and recorded once: a second try
 * finds it allocated already. */
START_TEST(test_region_recorded)
{
	uc_engine *uc;
	uc_context *ctx;

	if (!tcg_region_needs_fix())
		return;
	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	ck_assert_int_eq(uc_ctl_set_tcg_buffer_size(uc, EMU_TCG_BUFFER), UC_ERR_OK);
	ck_assert_int_eq(uc_context_alloc(uc, &ctx), UC_ERR_OK);
	uintptr_t buf = find_code_buffer();
	ck_assert(buf != 0);
	ck_assert(tcg_region_fix(uc, buf, EMU_TCG_BUFFER));
	ck_assert(!tcg_region_fix(uc, buf, EMU_TCG_BUFFER));
	uc_context_free(ctx);
	uc_close(uc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("codebuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_engine_buffer_lands_near);
	tcase_add_test(tc, test_slots_run_out_and_come_back);
	tcase_add_test(tc, test_engine_init_leaves_buffer_lazy);
	tcase_add_test(tc, test_first_fill_flushes);
	tcase_add_test(tc, test_region_recorded);
	suite_add_tcase(s, tc);
	return check_run(s);
}
