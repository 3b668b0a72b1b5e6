/* SPDX-License-Identifier: MIT */
/*
 * emu/rawenv_live.c: an engine's CPU state read in place, without a
 * context copy; each engine gets its own, and a context that is not the
 * engine's is refused.
 */
#include "../../emu/rawenv.h"
#include "check_run.h"

#include <check.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct eng {
	uc_engine *uc;
	uc_context *ctx;
	const void *live;
};

static void open_eng(struct eng *e, uint64_t rax)
{
	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc), UC_ERR_OK);
	ck_assert_int_eq(uc_context_alloc(e->uc, &e->ctx), UC_ERR_OK);
	uc_reg_write(e->uc, UC_X86_REG_RAX, &rax);
	uc_context_save(e->uc, e->ctx);
	e->live = rawenv_live(e->uc, e->ctx);
}

static void close_eng(struct eng *e)
{
	uc_context_free(e->ctx);
	uc_close(e->uc);
}

START_TEST(test_live_reads_in_place)
{
	struct eng a, b;
	uint64_t v = 0x1122334455667788ull, cr3 = 0x7000;

	ck_assert_int_eq(rawenv_calibrate(), 0);
	open_eng(&a, 0xaaaa);
	open_eng(&b, 0xbbbb);
	ck_assert_ptr_nonnull(a.live);
	ck_assert_ptr_nonnull(b.live);
	ck_assert_ptr_ne(a.live, b.live);
	ck_assert_uint_eq(raw_get_gpr(a.live, 0), 0xaaaa);
	ck_assert_uint_eq(raw_get_gpr(b.live, 0), 0xbbbb);
	/* later writes show without another save */
	uc_reg_write(a.uc, UC_X86_REG_RBX, &v);
	uc_reg_write(a.uc, UC_X86_REG_CR3, &cr3);
	ck_assert_uint_eq(raw_get_gpr(a.live, 3), v);
	ck_assert_uint_eq(raw_get_cr(a.live, 3), cr3);
	ck_assert_uint_eq(raw_get_gpr(b.live, 3), 0);
	/* another engine's context is not this engine's state */
	ck_assert_ptr_null(rawenv_live(a.uc, b.ctx));
	close_eng(&a);
	close_eng(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rawenv");
	TCase *tc = tcase_create("live");

	tcase_add_test(tc, test_live_reads_in_place);
	suite_add_tcase(s, tc);
	return check_run(s);
}
