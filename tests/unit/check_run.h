/* SPDX-License-Identifier: MIT */
/* The Check runner every unit test ends with. */
#ifndef MSHV_EMU_CHECK_RUN_H
#define MSHV_EMU_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/* Runs every case of s (forked, as Check does by default); the exit
 * status for automake's test driver. */
static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
