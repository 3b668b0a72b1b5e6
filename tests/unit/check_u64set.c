/* SPDX-License-Identifier: MIT */
/*
 * The key set behind the scanner's sites and the write watch's pages
 * (emu/u64set.c): after any mix of adds and deletes (single and by range)
 * it holds exactly what a plain array says it should, growing as needed.
 */
#include "../../emu/u64set.h"
#include "check_run.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#define NKEYS 20000u

/* Page-aligned keys that collide a lot in a small table. */
static uint64_t key(unsigned i)
{
	return 0x7f0000000000ull + (uint64_t)i * 4096u;
}

START_TEST(test_add_del_against_reference)
{
	struct u64set s;
	static bool in[NKEYS];
	uint64_t seed = 12345;

	ck_assert(u64set_init(&s, 8));
	for (unsigned round = 0; round < 200000; round++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned i = (unsigned)(seed >> 33) % NKEYS;
		if ((seed >> 20) & 1) {
			ck_assert(u64set_add(&s, key(i)));
			in[i] = true;
		} else {
			ck_assert_int_eq(u64set_del(&s, key(i)), in[i]);
			in[i] = false;
		}
	}
	size_t n = 0;
	for (unsigned i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(u64set_has(&s, key(i)), in[i]);
		n += in[i];
	}
	ck_assert_uint_eq(s.n, n);
	/* A range in the middle goes, nothing else does. */
	u64set_del_range(&s, key(5000), key(15000));
	for (unsigned i = 0; i < NKEYS; i++)
		ck_assert_int_eq(u64set_has(&s, key(i)), in[i] && (i < 5000 || i >= 15000));
	u64set_clear(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(!u64set_has(&s, key(1)));
	ck_assert(!u64set_add(&s, 0));	/* 0 marks a free slot */
	u64set_fini(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("u64set");
	TCase *tc = tcase_create("set");

	tcase_add_test(tc, test_add_del_against_reference);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
