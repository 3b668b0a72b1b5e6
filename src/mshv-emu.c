/* SPDX-License-Identifier: MIT */
/*
 * mshv-emu: runs a program with /dev/mshv served in-process (LD_PRELOAD of
 * libmshvemu-preload.so), or the bundled demo VMM.
 */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "launcher.h"
#include "tap.h"

#define PRELOAD_NAME "libmshvemu-preload.so"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mshv-emu run [TRACE/FAULT OPTIONS] [--] PROGRAM [ARGS...]\n"
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
		"Trace and fault options of run (mshv-emu(1)):\n"
		"  --trace[=FILE]       one line per ioctl, hypercall, exit and interrupt\n"
		"                       (to FILE, appended; default standard error)\n"
		"  --trace-filter=LIST  only these classes: ioctl,hvcall,exit,irq\n"
		"  --fault=SPEC         fail chosen calls, e.g. ioctl=CREATE_VP:errno=ENOMEM,\n"
		"                       hvcall=SET_VP_REGISTERS:status=INSUFFICIENT_MEMORY:nth=3,\n"
		"                       exit=UNRECOVERABLE_EXCEPTION:after=1000 (repeatable)\n"
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

/*
 * An installed tree staged with DESTDIR (or copied whole under another root):
 * this executable runs from ROOT + BINDIR, so INSTALLED is at ROOT + INSTALLED.
 * Only then, not in the build tree nor in the real bindir.
 */
static int staged(const char *dir, const char *installed, char *out, size_t len)
{
	size_t d = strlen(dir), b = strlen(BINDIR);

	if (BINDIR[0] != '/' || d <= b || strcmp(dir + d - b, BINDIR))
		return -1;
	if ((size_t)snprintf(out, len, "%.*s%s", (int)(d - b), dir, installed) >= len)
		return -1;
	return exists(out) ? 0 : -1;
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
		if (exists(out) || staged(dir, installed, out, len) == 0)
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

/* --trace, --trace-filter and --fault of "run": checked here (a bad spec is
 * a usage error, not a failure deep inside the VMM) and passed down to the
 * preload library in the environment. Returns the first argument after the
 * options, or NULL after a message. */
static char **run_options(char **a, bool *cuse)
{
	char faults[4096] = "", why[160];
	const char *trace = NULL, *filter = NULL;
	size_t fl = 0;

	*cuse = false;
	for (; *a; a++) {
		const char *v = NULL;

		if (!strcmp(*a, "--")) {
			a++;
			break;
		} else if (!strcmp(*a, "--cuse")) {
			*cuse = true;
		} else if (!strcmp(*a, "--trace")) {
			trace = "-";
		} else if (!strncmp(*a, "--trace=", 8)) {
			trace = *a + 8;
		} else if (!strncmp(*a, "--trace-filter", 14)) {
			filter = (*a)[14] == '=' ? *a + 15 : (*a)[14] ? NULL : *++a;
			if (!filter)
				goto bad;
		} else if (!strncmp(*a, "--fault", 7)) {
			v = (*a)[7] == '=' ? *a + 8 : (*a)[7] ? NULL : *++a;
			if (!v)
				goto bad;
			struct fault_set *fs = NULL;
			int rc = fault_parse(&fs, v, why, sizeof why);
			fault_free(fs);
			if (rc) {
				fprintf(stderr, "mshv-emu: bad fault spec '%s': %s\n", v, why);
				return NULL;
			}
			int n = snprintf(faults + fl, sizeof faults - fl, "%s%s", fl ? "," : "", v);
			if (n < 0 || (size_t)n >= sizeof faults - fl) {
				fprintf(stderr, "mshv-emu: fault specs too long\n");
				return NULL;
			}
			fl += (size_t)n;
		} else if (**a == '-') {
			goto bad;
		} else {
			break;
		}
	}
	unsigned mask;
	if (filter && trace_parse_filter(filter, &mask)) {
		fprintf(stderr, "mshv-emu: bad --trace-filter '%s' (ioctl,hvcall,exit,irq or all)\n",
			filter);
		return NULL;
	}
	if (*cuse && (trace || fl)) {
		fprintf(stderr, "mshv-emu: with --cuse the daemon traces and injects faults: "
			"give --trace and --fault to mshv-emud\n");
		return NULL;
	}
	if (trace) {
		char abs[PATH_MAX + 1], cwd[PATH_MAX / 2];
		/* The VMM may change directory before it opens /dev/mshv. */
		if (*trace != '/' && strcmp(trace, "-") && getcwd(cwd, sizeof cwd))
			snprintf(abs, sizeof abs, "%s/%s", cwd, trace);
		else
			snprintf(abs, sizeof abs, "%s", trace);
		setenv("MSHV_EMU_TRACE", abs, 1);
	}
	if (filter)
		setenv("MSHV_EMU_TRACE_FILTER", filter, 1);
	if (fl)
		setenv("MSHV_EMU_FAULT", faults, 1);
	return a;
bad:
	fprintf(stderr, "mshv-emu: run: bad option '%s'\n", *a ? *a : a[-1]);
	usage(stderr);
	return NULL;
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
		bool cuse;
		char **a = run_options(argv + 2, &cuse);

		if (!a)
			return 2;
		return cuse ? launcher_cuse_main(a) : cli_run(a);
	}
	if (!strcmp(argv[1], "demo"))
		return demo_main(argv + 2);
	fprintf(stderr, "mshv-emu: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
