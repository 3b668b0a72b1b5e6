/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: serves /dev/mshv (or /dev/NAME) as a CUSE character device.
 * See mshv-emud(8) and docs/cuse.md.
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"
#include "tap.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <syslog.h>

#include <mshv-emu/emu.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mshv-emud [OPTIONS]\n"
		"Serve a software /dev/mshv (the mshv_root UAPI) as a CUSE character device.\n"
		"\n"
		"  -n, --name NAME        device name under /dev (default: mshv)\n"
		"  -M, --maj MAJOR        device major number (default: chosen by the kernel)\n"
		"  -m, --min MINOR        device minor number (default: chosen by the kernel)\n"
		"      --mode MODE        set the node's mode (octal) once it exists, e.g. 0660\n"
		"      --owner USER[:GROUP]\n"
		"                         set the node's owner and group once it exists\n"
		"  -f, --foreground       stay in the foreground, log to stderr\n"
		"  -l, --log-level LEVEL  error, warning, info or debug (default: warning)\n"
		"  -L, --limit NAME=N     a cap (docs/security.md): opens, opens-per-user,\n"
		"                         partitions, partitions-per-user, mappings,\n"
		"                         mappings-per-user\n"
		"  -d, --fuse-debug       print every FUSE request (implies -f)\n"
		"  -t, --trace FILE       trace each client to FILE.PID (mshv-emu(1) TRACE)\n"
		"      --trace-filter LIST  only these classes: ioctl,hvcall,exit,irq\n"
		"      --fault SPEC       inject failures into every client (repeatable;\n"
		"                         mshv-emu(1) FAULT INJECTION)\n"
		"      --session-fd FD    speak the CUSE protocol on the inherited socket FD\n"
		"                         instead of /dev/cuse (for tests: tests/cuse/loopback.c)\n"
		"  -h, --help             show this help\n"
		"  -V, --version          show the version\n"
		"\n"
		"Needs the cuse kernel module (modprobe cuse) and root, or CAP_SYS_ADMIN\n"
		"and CAP_SYS_PTRACE. Start VMMs with 'mshv-emu run --cuse -- VMM ARGS'.\n");
}

/* --session-fd: the requests come from a peer that plays the kernel's
 * part (tests/cuse/loopback.c). */
static int serve_socket(int fd)
{
	struct fuse_session *se = mshvd_socket_session(fd);

	if (!se) {
		mshvd_log(MSHVD_LOG_ERR, "cannot serve the CUSE protocol on fd %d", fd);
		return 1;
	}
	if (mshvd_init(NULL) < 0)
		return 1;
	fuse_session_loop(se);
	fuse_session_destroy(se);
	return 0;
}

static int parse_level(const char *s)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]) || (!strcmp(s, "warn") && i == MSHVD_LOG_WARN))
			return i;
	if (s[0] >= '0' && s[0] <= '3' && !s[1])
		return s[0] - '0';
	return -1;
}

static int parse_owner(const char *s, uid_t *uid, gid_t *gid)
{
	char buf[256], *colon, *end;

	snprintf(buf, sizeof buf, "%s", s);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	if (*buf) {
		struct passwd *pw = getpwnam(buf);
		unsigned long v = strtoul(buf, &end, 10);
		if (pw)
			*uid = pw->pw_uid, *gid = pw->pw_gid;
		else if (!*end)
			*uid = (uid_t)v;
		else
			return -1;
	}
	if (colon && *colon) {
		struct group *gr = getgrnam(colon);
		unsigned long v = strtoul(colon, &end, 10);
		if (gr)
			*gid = gr->gr_gid;
		else if (!*end)
			*gid = (gid_t)v;
		else
			return -1;
	}
	return 0;
}

/* --limit NAME=N: 0 or -1 (unknown name or bad number). */
static int parse_limit(const char *s, struct mshvd_limits *l)
{
	static const char *const names[MSHVD_RES_N] = { "opens", "partitions", "mappings" };
	const char *eq = strchr(s, '=');
	char *end;

	if (!eq || !eq[1])
		return -1;
	long v = strtol(eq + 1, &end, 10);
	if (*end || v < 0)
		return -1;
	for (int i = 0; i < MSHVD_RES_N; i++) {
		size_t n = strlen(names[i]);

		if (strncmp(s, names[i], n))
			continue;
		if (s + n == eq) {
			l->total[i] = v;
			return 0;
		}
		if (!strncmp(s + n, "-per-user", 9) && s + n + 9 == eq) {
			l->per_user[i] = v;
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "maj", required_argument, NULL, 'M' },
		{ "min", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 1 },
		{ "owner", required_argument, NULL, 2 },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "limit", required_argument, NULL, 'L' },
		{ "fuse-debug", no_argument, NULL, 'd' },
		{ "trace", required_argument, NULL, 't' },
		{ "trace-filter", required_argument, NULL, 3 },
		{ "fault", required_argument, NULL, 4 },
		{ "session-fd", required_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct mshvd_opts o = {
		.name = "mshv", .mode = -1, .uid = (uid_t)-1, .gid = (gid_t)-1,
		.log_level = MSHVD_LOG_WARN,
	};
	static struct mshvd_limits limits = MSHVD_LIMITS_DEFAULT;
	bool fg = false, fdebug = false;
	int session_fd = -1;
	static char faults[4096], trace[4096];
	size_t fl = 0;
	int c;

	while ((c = getopt_long(argc, argv, "n:M:m:fl:L:dt:hV", lopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'n':
			if (!*optarg || strchr(optarg, '/') || strlen(optarg) > 64) {
				fprintf(stderr, "mshv-emud: bad device name '%s'\n", optarg);
				return 2;
			}
			o.name = optarg;
			break;
		case 'M':
		case 'm': {
			unsigned long v = strtoul(optarg, &end, 0);
			if (*end || v > 0xfffff) {
				fprintf(stderr, "mshv-emud: bad device number '%s'\n", optarg);
				return 2;
			}
			if (c == 'M')
				o.major = (unsigned)v;
			else
				o.minor = (unsigned)v;
			break;
		}
		case 1: {
			unsigned long v = strtoul(optarg, &end, 8);
			if (*end || v > 07777) {
				fprintf(stderr, "mshv-emud: bad mode '%s'\n", optarg);
				return 2;
			}
			o.mode = (int)v;
			break;
		}
		case 2:
			if (parse_owner(optarg, &o.uid, &o.gid)) {
				fprintf(stderr, "mshv-emud: unknown owner '%s'\n", optarg);
				return 2;
			}
			break;
		case 'f':
			fg = true;
			break;
		case 'l':
			o.log_level = parse_level(optarg);
			if (o.log_level < 0) {
				fprintf(stderr, "mshv-emud: bad log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'L':
			if (parse_limit(optarg, &limits)) {
				fprintf(stderr, "mshv-emud: bad limit '%s'\n", optarg);
				return 2;
			}
			o.limits = &limits;
			break;
		case 'd':
			fdebug = fg = true;
			break;
		case 't': {
			char cwd[2048];
			/* The daemon leaves its directory when it detaches. */
			if (*optarg != '/' && getcwd(cwd, sizeof cwd))
				snprintf(trace, sizeof trace, "%s/%s", cwd, optarg);
			else
				snprintf(trace, sizeof trace, "%s", optarg);
			o.trace = trace;
			break;
		}
		case 3: {
			unsigned mask;
			if (trace_parse_filter(optarg, &mask)) {
				fprintf(stderr, "mshv-emud: bad trace filter '%s'\n", optarg);
				return 2;
			}
			o.trace_filter = optarg;
			break;
		}
		case 4: {
			struct fault_set *fs = NULL;
			char why[160];
			int rc = fault_parse(&fs, optarg, why, sizeof why);
			fault_free(fs);
			int n = rc ? 0 : snprintf(faults + fl, sizeof faults - fl, "%s%s",
						  fl ? "," : "", optarg);
			if (rc || n < 0 || (size_t)n >= sizeof faults - fl) {
				fprintf(stderr, "mshv-emud: bad fault spec '%s': %s\n", optarg,
					rc ? why : "too long");
				return 2;
			}
			fl += (size_t)n;
			o.faults = faults;
			break;
		}
		case 5:
			session_fd = (int)strtol(optarg, &end, 10);
			if (*end || session_fd < 0) {
				fprintf(stderr, "mshv-emud: bad --session-fd '%s'\n", optarg);
				return 2;
			}
			fg = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mshv-emud %s (core %s)\n", PACKAGE_VERSION, emu_version());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mshv-emud: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	o.syslog = !fg;
	if (o.syslog)
		openlog("mshv-emud", LOG_PID, LOG_DAEMON);
	mshvd_set_opts(&o);

	/* libfuse's own options: foreground, debug, single-threaded. */
	char *fargv[5];
	int fargc = 0;
	fargv[fargc++] = argv[0];
	fargv[fargc++] = "-s";
	if (fg)
		fargv[fargc++] = "-f";
	if (fdebug)
		fargv[fargc++] = "-d";
	fargv[fargc] = NULL;

	/* Every client's eventfds (irqfd, resamplefd, ioeventfd) are imported
	 * into this one process: take the whole hard limit, or the daemon
	 * would hit EMFILE long before the per-partition caps (emu_limits.h)
	 * and the per-user open caps give the client their errno. */
	struct rlimit nofile;
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

	if (session_fd >= 0)
		return serve_socket(session_fd);
	struct cuse_info ci;
	int mt = 0;
	mshvd_cuse_info(&ci);
	/* Opens /dev/cuse, installs signal handlers, daemonizes unless -f. */
	struct fuse_session *se = cuse_lowlevel_setup(fargc, fargv, &ci, mshvd_ops(), &mt, NULL);
	if (!se) {
		mshvd_log(MSHVD_LOG_ERR, "cannot create the CUSE device (is the cuse module loaded? "
			  "try 'modprobe cuse'; /dev/cuse needs root)");
		return 1;
	}
	/* After daemonizing: the core and the kicker have threads. */
	if (mshvd_init(NULL) < 0) {
		cuse_lowlevel_teardown(se);
		return 1;
	}
	/* One dispatch thread (the multi-threaded loop costs ~3x per
	 * round); RUN_VP is answered by per-VP workers. */
	int rc = fuse_session_loop(se);
	cuse_lowlevel_teardown(se);
	return rc < 0 ? 1 : 0;
}
