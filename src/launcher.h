/* SPDX-License-Identifier: MIT */
/*
 * "mshv-emu run --cuse": runs a VMM under a seccomp user-notification
 * filter that traps only MSHV_CREATE_PARTITION and MSHV_CREATE_VP, and
 * answers them with a fresh open of the CUSE device bound to the new
 * object (mshvd_proto.h), injected with SECCOMP_IOCTL_NOTIF_ADDFD; it also
 * traps MSHV_SET_GUEST_MEMORY to make private guest RAM shared first
 * (private_ram.h) and, once per partition, to give the daemon a
 * userfaultfd of the VMM for its write watch on guest code (vmm_uffd.h).
 */
#ifndef MSHV_EMU_LAUNCHER_H
#define MSHV_EMU_LAUNCHER_H

#include <stdbool.h>

#include "cuse/mshvd_proto.h"

/* How the supervisor talks to the device (a fake one in tests). */
struct launcher_backend {
	/* Is fd (the supervisor's duplicate of the target's fd) an open of
	 * the device? */
	bool (*is_device)(void *ctx, int fd);
	/* WHOAMI on that open: 0 or -errno. */
	int (*whoami)(void *ctx, int fd, struct mshvd_whoami *w);
	/* Opens the device afresh and BINDs it: the new fd or -errno. */
	int (*open_bind)(void *ctx, const struct mshvd_bind *b);
	/* Gives the partition open fd (a duplicate of the target's) the
	 * VMM's userfaultfd uffd (the supervisor's descriptor of it;
	 * MSHVD_IOC_WATCH_WRITES): 0 or -errno. Optional. */
	int (*watch_writes)(void *ctx, int fd, int uffd);
	void *ctx;
};

/* Runs argv under the supervisor. Returns the exit status to use: the
 * program's, 128 + signal if it was killed, 126/127 if it could not run. */
int launcher_run(const struct launcher_backend *be, char **argv);

/* With the CUSE device at $MSHV_EMU_DEVICE (default /dev/mshv). */
int launcher_cuse_main(char **argv);

#endif
