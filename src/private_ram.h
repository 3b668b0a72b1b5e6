/* SPDX-License-Identifier: MIT */
/*
 * "mshv-emu run --cuse": private anonymous guest RAM made shareable at
 * registration time (docs/cuse.md §2.1). The daemon can only map shared
 * memory; when the VMM registers a private anonymous range, the launcher
 * stops the registering thread with ptrace, makes it create a memfd, copies
 * the range's populated pages into it and makes the thread map the memfd
 * MAP_SHARED|MAP_FIXED over the same addresses, then restarts the ioctl.
 */
#ifndef MSHV_EMU_PRIVATE_RAM_H
#define MSHV_EMU_PRIVATE_RAM_H

#include <stdint.h>
#include <sys/types.h>

/* What private_ram_register() did with a trapped MSHV_SET_GUEST_MEMORY. */
enum {
	PRIVATE_RAM_LET_THROUGH = 0,	/* nothing to convert: continue the ioctl */
	PRIVATE_RAM_CONSUMED = 1,	/* the notification is gone: the thread
					 * re-issues the ioctl, or got the errno */
};

/*
 * tid issued MSHV_SET_GUEST_MEMORY(argp) on one of the daemon's partition
 * fds and waits in seccomp notification id on listener lfd; leader is the
 * VMM's first thread (the launcher's child, whose exit status the launcher
 * itself must reap). Returns PRIVATE_RAM_* or -errno to answer the
 * notification with.
 */
int private_ram_register(int lfd, uint64_t id, pid_t leader, pid_t tid, uint64_t argp);

#endif
