/* SPDX-License-Identifier: MIT */
/*
 * Small /proc helpers shared by the CUSE daemon (src/cuse/) and the
 * seccomp-notify launcher (src/launcher.c).
 */
#ifndef MSHV_EMU_PROCFS_H
#define MSHV_EMU_PROCFS_H

#include <sys/types.h>

/* The number after "name:" in /proc/TID/status (name without the colon),
 * or -1 if there is none (or no such thread). */
long procfs_status(pid_t tid, const char *name);

/* The thread group (process) of thread tid, from /proc/TID/status, or -1. */
pid_t procfs_tgid_of(pid_t tid);

#endif
