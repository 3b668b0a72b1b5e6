/* SPDX-License-Identifier: MIT */
/*
 * The private open+bind protocol of mshv-emud (docs/cuse.md §3).
 *
 * A CUSE device cannot hand out new file descriptors, so the fds that
 * MSHV_CREATE_PARTITION, MSHV_CREATE_VP and MSHV_CREATE_DEVICE return are made by a
 * supervisor (mshv-emu run --cuse, or any client that wants to do it
 * itself):
 *
 *   1. WHOAMI on the fd the create was issued on (in the supervisor: a
 *      pidfd_getfd() duplicate of the VMM's fd, i.e. the same open file)
 *      returns that open's handle: 64 random bits, known only to holders
 *      of the open file.
 *   2. open() the device afresh and issue BIND on the new, unused open
 *      with the parent's handle, the create request number and its
 *      argument bytes. The daemon performs the create on the parent's
 *      object (the same decoder, the same errnos as the real driver) and
 *      binds the new object to the new open. BIND returns 0 or -errno.
 *   3. The new open is now the partition (or VP) fd: hand it to the VMM
 *      (SECCOMP_IOCTL_NOTIF_ADDFD). For MSHV_CREATE_DEVICE the ioctl returns
 *      0 and the fd number goes into the argument's `fd` field instead.
 *
 * BIND is refused with EPERM unless the handle names a live open whose
 * opener has the caller's uid (or the caller is root), the kind fits the
 * request (CREATE_PARTITION on a device open, CREATE_VP and CREATE_DEVICE
 * on a partition open), and the new open has never been used for anything else. Unknown
 * and foreign handles get the same EPERM.
 *
 * Type 0xBF is used by no mshv ioctl (mshv uses 0xB8, 0xB9, 0xBA).
 */
#ifndef MSHV_EMU_MSHVD_PROTO_H
#define MSHV_EMU_MSHVD_PROTO_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MSHVD_IOCTL_TYPE 0xBF

enum mshvd_kind {
	MSHVD_KIND_DEVICE = 0, MSHVD_KIND_PARTITION = 1, MSHVD_KIND_VP = 2,
	MSHVD_KIND_VFIO = 3,	/* the VFIO bridge device (MSHV_CREATE_DEVICE) */
};

struct mshvd_whoami {
	__u64 handle;		/* out: this open's handle */
	__u32 kind;		/* out: enum mshvd_kind */
	__u32 vp_index;		/* out: VP opens */
	__u64 partition_id;	/* out: partition and VP opens, else 0 */
};

#define MSHVD_BIND_ARG_MAX 64

struct mshvd_bind {
	__u64 parent_handle;	/* from WHOAMI on the fd the create came on */
	__u32 request;		/* MSHV_CREATE_PARTITION, _VP or _DEVICE */
	__u32 arg_size;		/* bytes of arg that could be read (<= 64) */
	__u32 caller_pid;	/* the VMM thread that issued the create (logs) */
	__u32 rsvd;		/* 0 */
	__u8 arg[MSHVD_BIND_ARG_MAX];	/* the create's argument struct */
};

/*
 * WATCH_WRITES, on a partition open: uffd is a userfaultfd in the caller's
 * fd table, opened by the process whose memory backs the guest RAM (the
 * VMM: mshv-emu run --cuse opens it there), without UFFD_USER_MODE_ONLY
 * and not yet initialised. The daemon takes a duplicate (the caller should
 * close its own, and the VMM its own, so that the daemon's exit lifts the
 * protections) and write-protects the pages the guest executes in the
 * VMM's mapping: the VMM's rewrites of guest code are then seen however
 * many pages the guest runs (emu_partition_watch_vmm_writes). Without it
 * only 512 code pages are compared by copies (docs/engine.md).
 * 0; EBADF not an fd of the caller; EINVAL not a fresh userfaultfd (or
 * rsvd not 0); EOPNOTSUPP no userfaultfd write protection in the daemon's
 * kernel; EEXIST the partition has one.
 */
struct mshvd_watch {
	__s32 uffd;
	__u32 rsvd; /* 0 */
};

#define MSHVD_IOC_WHOAMI _IOR(MSHVD_IOCTL_TYPE, 0x00, struct mshvd_whoami)
#define MSHVD_IOC_BIND   _IOW(MSHVD_IOCTL_TYPE, 0x01, struct mshvd_bind)
#define MSHVD_IOC_WATCH_WRITES _IOW(MSHVD_IOCTL_TYPE, 0x02, struct mshvd_watch)

#endif
