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
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum { MSHVD_LOG_ERR, MSHVD_LOG_WARN, MSHVD_LOG_INFO, MSHVD_LOG_DEBUG };

/* Resources capped per user and for the whole daemon (quota.c). */
enum mshvd_res { MSHVD_RES_OPENS, MSHVD_RES_PARTITIONS, MSHVD_RES_MAPS, MSHVD_RES_N };

struct mshvd_limits {
	long per_user[MSHVD_RES_N];
	long total[MSHVD_RES_N];
};

/* Opens: 256 VPs x 16 partitions per user. Mappings: the daemon's own
 * vm.max_map_count (65530) minus room for its libraries and engines. */
#define MSHVD_LIMITS_DEFAULT { .per_user = { 4096, 64, 16384 }, .total = { 16384, 256, 49152 } }

struct mshvd_opts {
	const char *name;	/* device name (DEVNAME=), default "mshv" */
	unsigned major, minor;	/* 0: let the kernel choose */
	int mode;		/* node mode set in init_done, -1: leave it */
	uid_t uid;		/* node owner, (uid_t)-1: leave it */
	gid_t gid;		/* node group, (gid_t)-1: leave it */
	int log_level;		/* MSHVD_LOG_* */
	bool syslog;		/* log to syslog instead of stderr */
	const struct mshvd_limits *limits;	/* NULL: MSHVD_LIMITS_DEFAULT */
	/* --trace FILE (each client to FILE.PID), --trace-filter, --fault
	 * (src/tap.h); NULL: none. */
	const char *trace, *trace_filter, *faults;
};

/* Stores the options (before mshvd_cuse_info). */
void mshvd_set_opts(const struct mshvd_opts *o);
void mshvd_set_log_level(int level);
/* Process-wide start-up: core (emu_init), kicker thread; o may be NULL
 * (options already set). 0 or -errno. Call after daemonizing. */
int mshvd_init(const struct mshvd_opts *o);
/* The CUSE description (DEVNAME, numbers, CUSE_UNRESTRICTED_IOCTL). */
void mshvd_cuse_info(struct cuse_info *ci);
const struct cuse_lowlevel_ops *mshvd_ops(void);
/* The handlers as a session on a SOCK_SEQPACKET socket whose peer plays the
 * kernel (mshv-emud --session-fd, the protocol tests), or NULL. */
struct fuse_session *mshvd_socket_session(int fd);

void mshvd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A log line a client can provoke at will: at most a burst of them per
 * interval, then one line saying how many were suppressed. */
struct mshvd_ratelimit {
	pthread_mutex_t mu;
	bool init;
	long long window;	/* start, in seconds */
	unsigned shown, suppressed;
};
void mshvd_log_limited(struct mshvd_ratelimit *rl, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* For tests: live opens, live partitions (face records) and mapped guest
 * regions the daemon holds. */
struct mshvd_stats { long opens, partitions, regions, workers; };
void mshvd_get_stats(struct mshvd_stats *s);

/* ---- internal to src/cuse/: shared by daemon.c, caller_mem.c and
 * vp_worker.c ---- */

struct mshv_obj;
struct mshv_uaccess;
struct ptrec;
struct vpw;
struct pending_map;
struct emu_vp;

/* Live counts behind mshvd_get_stats(). */
extern atomic_long mshvd_st_opens, mshvd_st_partitions, mshvd_st_regions, mshvd_st_workers;

/* One open of the device (daemon.c). */
struct fh {
	atomic_int refs;
	struct mshv_obj *obj;
	struct ptrec *pr;	/* partition and VP opens */
	struct vpw *w;		/* VP opens: RUN_VP worker, made on demand */
	uint64_t handle;
	uid_t uid;		/* opener */
	gid_t gid;
	pid_t opener;		/* tgid of the opener */
	pid_t client;		/* tgid of the VMM the object belongs to */
	bool used;		/* an mshv ioctl or a BIND happened on it */
	bool warned_create;
	struct fh *next;
};

/* Answers an ioctl request: -errno or a result (daemon.c). */
void mshvd_reply(fuse_req_t req, long rc);

/* ---- caller_mem.c: the per-partition face record and the caller's memory */

/* The partition's face record (the daemon's mappings of guest RAM) of a
 * partition made for uid (charged one partition by the caller): new with
 * one reference; the last put unmaps the guest RAM and releases the
 * charges. NULL-safe. */
struct ptrec *mshvd_ptrec_new(uid_t uid);
struct ptrec *mshvd_ptrec_get(struct ptrec *p);
void mshvd_ptrec_put(struct ptrec *p);

/* Set when the partition's guest RAM lost pages under it (ram_guard.c):
 * its RUN_VPs fail with EFAULT from then on. Async-signal-safe. */
void mshvd_ptrec_poison(struct ptrec *p);
bool mshvd_ptrec_poisoned(const struct ptrec *p);

/* The user-memory accessor of one request of calling thread tid. */
struct ua_ctx {
	pid_t tid;			/* calling thread (FUSE request pid) */
	uid_t uid;			/* its user, charged for mappings */
	struct ptrec *pr;		/* the partition mappings go to */
	struct pending_map *pm;		/* map_guest result, for the caller */
	const void *patch;		/* replaces one read of the arg struct */
	uint64_t patch_addr;
	size_t patch_len;
};
void mshvd_ua_init(struct mshv_uaccess *ua, struct ua_ctx *u, pid_t tid);

struct pending_map {		/* what mshvd_map_guest mapped */
	void *base;
	uint64_t size;
	long maps;		/* daemon mappings charged */
};

/* ---- guest_map.c: the map_guest accessor (grants only what the caller
 * has; 0 or -errno in *err) */
void *mshvd_map_guest(void *c, uint64_t uaddr, uint64_t size, unsigned access, int *err);
/* Learns the internal shmem/hugetlbfs devices (once, at start-up). */
void mshvd_map_init(void);

/* ---- ram_guard.c: SIGBUS from guest RAM whose file shrank */
int mshvd_guard_install(void);
/* Registers a guest RAM mapping of partition pr: 0, or -ENOMEM when the
 * daemon's table (its cap on regions) is full. */
int mshvd_guard_add(void *base, size_t size, struct ptrec *pr);
void mshvd_guard_del(void *base);
/* The VP the calling thread runs (NULL: none), kicked on such a SIGBUS. */
void mshvd_guard_set_vp(struct emu_vp *vp);

/* ---- quota.c: per-user and daemon-wide caps */
void mshvd_quota_set(const struct mshvd_limits *l);
/* 0, or the errno of exhaustion (EMFILE, ENFILE, ENOMEM) as -errno. */
int mshvd_quota_charge(uid_t uid, enum mshvd_res r, long n);
void mshvd_quota_release(uid_t uid, enum mshvd_res r, long n);
void mshvd_quota_usage(uid_t uid, long used[MSHVD_RES_N]);

/* MSHV_SET_GUEST_MEMORY on a partition open: maps and unmaps the daemon's
 * view of guest RAM too. */
long mshvd_set_guest_memory(struct fh *f, uint64_t arg, struct mshv_uaccess *ua,
			    struct ua_ctx *u);

/* ---- vp_worker.c: RUN_VP worker threads ---- */

/* Queues a RUN_VP of a VP open for its worker (made on demand), which
 * answers it asynchronously; a FUSE_INTERRUPT kicks the VP. */
void mshvd_run_async(fuse_req_t req, struct fh *f, uint64_t arg, pid_t tid);
/* The open is gone (no request can be in flight): the worker exits. */
void mshvd_vpw_stop(struct vpw *w);
/* Starts the kicker thread once per process: 0 or -errno. */
int mshvd_kicker_start(void);

#endif
