/* SPDX-License-Identifier: MIT */
/*
 * mshv-emu: runs a program with /dev/mshv served in-process (LD_PRELOAD of
 * libmshvemu-preload.so), or the bundled demo VMM.
 */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "launcher.h"

#define PRELOAD_NAME "libmshvemu-preload.so"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mshv-emu run [--] PROGRAM [ARGS...]\n"
		"       mshv-emu run --cuse [--] PROGRAM [ARGS...]\n"
		"       mshv-emu demo [--smp N] [--mem SIZE] [--shell] [--kernel PATH]\n"
		"                     [--initrd PATH] [--append ARGS] | demo --tiny\n"
		"       mshv-emu --help | --version\n"
		"\n"
		"  run   run PROGRAM (an unmodified, dynamically linked VMM) with a\n"
		"        software /dev/mshv served inside its own process; with --cuse,\n"
		"        run any VMM (also static) against the mshv-emud CUSE device\n"
		"  demo  boot Linux (Debian's kernel, a busybox initramfs) through\n"
		"        /dev/mshv with the reference VMM; --tiny runs the smallest\n"
		"        example VMM and its 16-bit guest instead\n"
		"\n"
		"Environment: MSHV_EMU_PRELOAD (path of %s),\n"
		"MSHV_EMU_DEVICE (device path to serve, default /dev/mshv).\n",
		PRELOAD_NAME);
}

static int exists(const char *p) { return access(p, R_OK) == 0; }

/* The directory this executable lives in (build tree or bindir). */
static int self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *d = dirname(buf);
	memmove(buf, d, strlen(d) + 1);
	return 0;
}

int cli_find(const char *env, const char *installed, const char *rel, char *out, size_t len)
{
	const char *e = getenv(env);
	char dir[PATH_MAX / 2];

	if (e && *e) {
		snprintf(out, len, "%s", e);
		return exists(out) ? 0 : -1;
	}
	if (self_dir(dir, sizeof dir) == 0) {
		snprintf(out, len, "%s/%s", dir, rel);
		if (exists(out))
			return 0;
	}
	snprintf(out, len, "%s", installed);
	return exists(out) ? 0 : -1;
}

int cli_run(char **argv)
{
	char lib[PATH_MAX], pre[2 * PATH_MAX + 2];

	if (!argv[0]) {
		usage(stderr);
		return 2;
	}
	if (cli_find("MSHV_EMU_PRELOAD", PKGLIBDIR "/" PRELOAD_NAME, ".libs/" PRELOAD_NAME,
		 lib, sizeof lib)) {
		fprintf(stderr, "mshv-emu: cannot find %s (set MSHV_EMU_PRELOAD)\n", PRELOAD_NAME);
		return 127;
	}
	const char *old = getenv("LD_PRELOAD");
	if (old && *old)
		snprintf(pre, sizeof pre, "%s:%s", lib, old);
	else
		snprintf(pre, sizeof pre, "%s", lib);
	setenv("LD_PRELOAD", pre, 1);
	execvp(argv[0], argv);
	fprintf(stderr, "mshv-emu: %s: %s\n", argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mshv-emu %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run")) {
		char **a = argv + 2;
		if (*a && !strcmp(*a, "--cuse")) {
			a++;
			if (*a && !strcmp(*a, "--"))
				a++;
			return launcher_cuse_main(a);
		}
		if (*a && !strcmp(*a, "--"))
			a++;
		return cli_run(a);
	}
	if (!strcmp(argv[1], "demo"))
		return demo_main(argv + 2);
	fprintf(stderr, "mshv-emu: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
