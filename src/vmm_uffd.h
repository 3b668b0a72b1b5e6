/* SPDX-License-Identifier: MIT */
/*
 * "mshv-emu run --cuse": a userfaultfd opened inside the VMM for the
 * daemon's write watch on guest code (MSHVD_IOC_WATCH_WRITES in
 * cuse/mshvd_proto.h, docs/cuse.md §2.2). A userfaultfd serves the address
 * space of the process that opened it, and an unmodified VMM opens none,
 * so the launcher has the VMM's thread open one (stopped_thread.h) while
 * it registers guest memory, takes a duplicate and closes the VMM's: the
 * VMM never sees it, and when the daemon exits nothing is left protected.
 */
#ifndef MSHV_EMU_VMM_UFFD_H
#define MSHV_EMU_VMM_UFFD_H

#include <stdint.h>
#include <sys/types.h>

/*
 * tid waits in seccomp notification id on listener lfd (an ioctl on a
 * partition fd); leader as for private_ram_register(). On success the
 * notification is consumed (the thread issues its ioctl again) and the
 * launcher's own descriptor of the VMM's new userfaultfd is returned.
 * -errno if none could be made; *consumed tells whether the notification
 * is gone all the same (the thread re-issues the ioctl, or has exited).
 * -EPERM, untouched, when the thread has a seccomp filter of the VMM's own
 * (which may kill it for the call) or the launcher's own filters refuse
 * the call.
 */
int vmm_uffd_open(int lfd, uint64_t id, pid_t leader, pid_t tid, int *consumed);

#endif
