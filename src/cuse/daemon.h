/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud internals: the CUSE request handlers, shared by the daemon's
 * main() and the protocol-level test (which drives them over a socketpair
 * with fuse_session_custom_io, no kernel).
 */
#ifndef MSHV_EMU_CUSE_DAEMON_H
#define MSHV_EMU_CUSE_DAEMON_H

#define FUSE_USE_VERSION 31
#include <fuse3/cuse_lowlevel.h>
#include <stdbool.h>
#include <sys/types.h>

enum { MSHVD_LOG_ERR, MSHVD_LOG_WARN, MSHVD_LOG_INFO, MSHVD_LOG_DEBUG };

struct mshvd_opts {
	const char *name;	/* device name (DEVNAME=), default "mshv" */
	unsigned major, minor;	/* 0: let the kernel choose */
	int mode;		/* node mode set in init_done, -1: leave it */
	uid_t uid;		/* node owner, (uid_t)-1: leave it */
	gid_t gid;		/* node group, (gid_t)-1: leave it */
	int log_level;		/* MSHVD_LOG_* */
	bool syslog;		/* log to syslog instead of stderr */
};

/* Stores the options (before mshvd_cuse_info). */
void mshvd_set_opts(const struct mshvd_opts *o);
/* Process-wide start-up: core (emu_init), kicker thread; o may be NULL
 * (options already set). 0 or -errno. Call after daemonizing. */
int mshvd_init(const struct mshvd_opts *o);
/* The CUSE description (DEVNAME, numbers, CUSE_UNRESTRICTED_IOCTL). */
void mshvd_cuse_info(struct cuse_info *ci);
const struct cuse_lowlevel_ops *mshvd_ops(void);

void mshvd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* For tests: live opens, live partitions (face records) and mapped guest
 * regions the daemon holds. */
struct mshvd_stats { long opens, partitions, regions, workers; };
void mshvd_get_stats(struct mshvd_stats *s);

#endif
