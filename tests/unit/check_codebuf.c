/* SPDX-License-Identifier: MIT */
/*
 * Code buffers within call reach of libunicorn (emu/codebuf.c): after a
 * process has mapped gigabytes, an engine initialised through a codebuf
 * slot still gets its code buffer near libunicorn, slots run out and come
 * back. The placement cases do not run under valgrind, which places
 * mappings itself.
 */
#include "../../emu/codebuf.h"
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

int main(void)
{
	Suite *s = suite_create("codebuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_engine_buffer_lands_near);
	tcase_add_test(tc, test_slots_run_out_and_come_back);
	suite_add_tcase(s, tc);
	return check_run(s);
}
