/* SPDX-License-Identifier: MIT */
/*
 * The test library's framework: assertions that fail a case, skips with
 * kselftest's meaning, emulator-only cases, and test_main, which runs the
 * cases of one program (each in a child process) with --list and name
 * filters. The VMM helpers are in vmm.c and vmm_run.c.
 */
#include "vmm.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *current_test = "?";

void test_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s:%d: [%s] assertion failed: %s: ", file, line,
		current_test, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	exit(1);
}

void test_skip(const char *reason)
{
	fflush(stdout);
	fprintf(stderr, "[%s] skipped: %s\n", current_test, reason);
	fflush(stderr);
	exit(EXIT_SKIP);
}

void test_emulator_only(const char *why)
{
	const char *hw = getenv("MSHV_CONFORMANCE_HARDWARE");

	if (!hw || strcmp(hw, "1"))
		return;
	fflush(stdout);
	fprintf(stderr, "[%s] skipped: emulator-only: %s\n", current_test, why);
	fflush(stderr);
	exit(EXIT_EMULATOR_ONLY);
}

static bool selected(int argc, char **argv, const char *name)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int test_main(int argc, char **argv, const struct test_case *cases,
	      size_t n_cases)
{
	const char *nofork = getenv("MSHV_TEST_NOFORK");
	const char *tmo = getenv("MSHV_TEST_TIMEOUT");
	unsigned timeout = tmo ? (unsigned)atoi(tmo) : 60;
	unsigned passed = 0, failed = 0, skipped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < n_cases; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	for (size_t i = 0; i < n_cases; i++) {
		const struct test_case *tc = &cases[i];
		int st;

		if (!selected(argc, argv, tc->name))
			continue;
		current_test = tc->name;
		if (nofork && *nofork && strcmp(nofork, "0")) {
			tc->fn();
			printf("ok      %s\n", tc->name);
			passed++;
			continue;
		}
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			alarm(timeout);
			tc->fn();
			fflush(stdout);
			_exit(0);
		}
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				perror("waitpid");
				return 1;
			}
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("ok      %s\n", tc->name);
			passed++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_SKIP) {
			printf("skip    %s\n", tc->name);
			skipped++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_EMULATOR_ONLY) {
			printf("skip    %s (emulator-only)\n", tc->name);
			skipped++;
		} else {
			if (WIFSIGNALED(st))
				printf("FAIL    %s (killed by signal %d%s)\n",
				       tc->name, WTERMSIG(st),
				       WTERMSIG(st) == SIGALRM ? ", timeout" : "");
			else
				printf("FAIL    %s\n", tc->name);
			failed++;
		}
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	if (failed)
		return 1;
	if (!passed && skipped)
		return EXIT_SKIP;
	return 0;
}

