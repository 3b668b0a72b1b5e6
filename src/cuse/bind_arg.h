/* SPDX-License-Identifier: MIT */
/*
 * The create struct a supervisor puts into MSHVD_IOC_BIND (mshvd_proto.h),
 * read from the thread that issued the create, as many bytes as the
 * driver reads (docs/cuse.md §3). Shared by the launcher (src/launcher.c)
 * and the CUSE loopback of the tests (tests/cuse/loopback.c).
 */
#ifndef MSHV_EMU_BIND_ARG_H
#define MSHV_EMU_BIND_ARG_H

#include "mshvd_proto.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/mshv.h>

static inline int mshvd_read_caller(pid_t tid, uint64_t addr, void *buf, size_t n)
{
	struct iovec l = { buf, n }, r = { (void *)(uintptr_t)addr, n };

	return process_vm_readv(tid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/*
 * Fills b's request, arg and arg_size for create cmd at argp in thread tid:
 * 0, -EFAULT if the struct cannot be read, or 1 for a MSHV_CREATE_DEVICE
 * that creates nothing (the TEST flag, an unknown type), which goes to the
 * daemon unchanged. A v2 partition struct is taken whole only if all of it
 * is readable; otherwise the daemon answers the driver's EFAULT.
 */
static inline int mshvd_bind_arg(struct mshvd_bind *b, unsigned cmd, pid_t tid, uint64_t argp)
{
	b->request = cmd;
	if (cmd == (unsigned)MSHV_CREATE_VP) {
		b->arg_size = sizeof(struct mshv_create_vp);
		return mshvd_read_caller(tid, argp, b->arg, b->arg_size) ? -EFAULT : 0;
	}
	if (cmd == (unsigned)MSHV_CREATE_DEVICE) {
		struct mshv_create_device cd;

		if (mshvd_read_caller(tid, argp, &cd, sizeof cd))
			return -EFAULT;
		if (cd.type >= MSHV_DEV_TYPE_MAX || (cd.flags & MSHV_CREATE_DEVICE_TEST))
			return 1;
		b->arg_size = sizeof cd;
		memcpy(b->arg, &cd, sizeof cd);
		return 0;
	}
	struct mshv_create_partition cp;

	if (mshvd_read_caller(tid, argp, &cp, sizeof cp))
		return -EFAULT;
	b->arg_size = sizeof cp;
	memcpy(b->arg, &cp, sizeof cp);
	if ((cp.pt_flags & (1ull << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES)) &&
	    mshvd_read_caller(tid, argp, b->arg, sizeof(struct mshv_create_partition_v2)) == 0)
		b->arg_size = sizeof(struct mshv_create_partition_v2);
	return 0;
}

#endif
