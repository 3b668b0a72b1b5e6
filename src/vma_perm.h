/* SPDX-License-Identifier: MIT */
/*
 * Can guest memory be registered over a range of a process's memory? The
 * answer MSHV_SET_GUEST_MEMORY gives (mshv_partition_ioctl_set_memory):
 * no mapping at the start address -> -EINVAL (vma_lookup); then the kernel
 * pins every page with pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)
 * (mshv_region_pin), whatever the region's own flags, so a hole later in
 * the range, or any page whose mapping is not writable (read-only,
 * PROT_NONE, a memfd sealed with F_SEAL_WRITE, which can only be mapped
 * shared read-only) -> -EFAULT.
 */
#ifndef MSHV_EMU_VMA_PERM_H
#define MSHV_EMU_VMA_PERM_H

#include <stdint.h>
#include <sys/types.h>

/* 0, -EINVAL or -EFAULT as above, read from /proc/PID/maps (pid 0: this
 * process); -ENOSYS if that cannot be read. */
int vma_check_pinnable(pid_t pid, uint64_t addr, uint64_t len);

#endif
