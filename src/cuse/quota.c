/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: per-user and daemon-wide caps (docs/security.md "CUSE
 * daemon"), so one client cannot starve the others of the daemon's opens,
 * partitions or address-space mappings. Charged before the engine is
 * touched; a client is a uid (a VMM can fork, so a per-process cap would
 * bound nothing).
 *
 * Errnos, as the kernel reports the same exhaustion:
 *   opens per user     EMFILE  (a process's open-file limit, RLIMIT_NOFILE)
 *   opens, whole daemon ENFILE (the system-wide file table)
 *   partitions         ENOMEM  (the driver's answer when the hypervisor
 *                              cannot create another partition:
 *                              HV_STATUS_INSUFFICIENT_MEMORY → -ENOMEM)
 *   guest RAM mappings ENOMEM  (what mmap gives at vm.max_map_count, the
 *                              resource these mappings use up)
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct urec {
	uid_t uid;
	long used[MSHVD_RES_N];
	struct urec *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct urec *g_users;
static long g_total[MSHVD_RES_N];
static struct mshvd_limits g_lim = MSHVD_LIMITS_DEFAULT;

static const char *const res_name[MSHVD_RES_N] = { "opens", "partitions", "guest RAM mappings" };

void mshvd_quota_set(const struct mshvd_limits *l)
{
	pthread_mutex_lock(&g_mu);
	g_lim = *l;
	pthread_mutex_unlock(&g_mu);
}

static int exhausted(enum mshvd_res r, bool per_user)
{
	if (r == MSHVD_RES_OPENS)
		return per_user ? -EMFILE : -ENFILE;
	return -ENOMEM;
}

int mshvd_quota_charge(uid_t uid, enum mshvd_res r, long n)
{
	static struct mshvd_ratelimit rl;
	struct urec *u;
	int rc = 0;

	pthread_mutex_lock(&g_mu);
	for (u = g_users; u && u->uid != uid; u = u->next)
		;
	if (!u && (u = calloc(1, sizeof *u))) {
		u->uid = uid;
		u->next = g_users;
		g_users = u;
	}
	if (!u)
		rc = -ENOMEM;
	else if (u->used[r] + n > g_lim.per_user[r])
		rc = exhausted(r, true);
	else if (g_total[r] + n > g_lim.total[r])
		rc = exhausted(r, false);
	if (!rc) {
		u->used[r] += n;
		g_total[r] += n;
	}
	pthread_mutex_unlock(&g_mu);
	if (rc && u)
		mshvd_quota_release(uid, r, 0);	/* frees a record left idle */
	if (rc)
		mshvd_log_limited(&rl, MSHVD_LOG_WARN, "uid %u: %s cap reached (%ld per user, %ld "
				  "in all): refused", (unsigned)uid, res_name[r], g_lim.per_user[r],
				  g_lim.total[r]);
	return rc;
}

void mshvd_quota_release(uid_t uid, enum mshvd_res r, long n)
{
	pthread_mutex_lock(&g_mu);
	for (struct urec **pp = &g_users, *u; (u = *pp); pp = &u->next) {
		if (u->uid != uid)
			continue;
		u->used[r] -= n;
		g_total[r] -= n;
		bool idle = true;
		for (int i = 0; i < MSHVD_RES_N; i++)
			idle &= !u->used[i];
		if (idle) {
			*pp = u->next;
			free(u);
		}
		break;
	}
	pthread_mutex_unlock(&g_mu);
}

void mshvd_quota_usage(uid_t uid, long used[MSHVD_RES_N])
{
	pthread_mutex_lock(&g_mu);
	struct urec *u = g_users;
	while (u && u->uid != uid)
		u = u->next;
	for (int i = 0; i < MSHVD_RES_N; i++)
		used[i] = u ? u->used[i] : 0;
	pthread_mutex_unlock(&g_mu);
}
