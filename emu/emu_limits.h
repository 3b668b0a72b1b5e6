/* SPDX-License-Identifier: MIT */
/*
 * Caps on everything a client can make the core allocate. Each is checked
 * before the engine (or the allocator) is touched, and exceeding it returns
 * the errno (or hypercall status) the real driver returns when the same
 * resource runs out. The table with the reasons is docs/security.md,
 * "Limits"; keep the two in step.
 */
#ifndef MSHV_EMU_EMU_LIMITS_H
#define MSHV_EMU_EMU_LIMITS_H

/* Live partitions in one process (the in-process face's VMM, or every
 * client of one mshv-emud together). Each holds a Unicorn engine with a
 * 32 MiB code buffer and threads. The kernel has no count: creation fails
 * when the hypervisor cannot get memory for one -> ENOMEM. */
#define EMU_MAX_PARTITIONS 128

/* VPs per partition: vp_index < 256 (mshv_partition_ioctl_create_vp,
 * -EINVAL beyond), so at most 256 exist. */
#define EMU_MAX_VPS 256

/* MSHV_SET_GUEST_MEMORY registrations per partition. The kernel keeps
 * regions in a list and fails only when vzalloc of one fails -> ENOMEM.
 * Unicorn 2.1.1 aborts (phys_section_add: sections_nb < TARGET_PAGE_SIZE)
 * at its 4,096th memory section, and every map rebuilds its flat view, so
 * n maps cost O(n^2) (measured: 9 s for 4,095 one-page maps; 1,023 take
 * 1.5 s, 34 s under ASan). 512 is KVM's old slot count (509 usable) that
 * VMMs are sized for, and leaves room for the pieces a region splits into
 * when the VMM takes part of its host range away (hostmem.c). */
#define EMU_MAX_REGIONS 512

/* Engine regions (registrations and their split pieces, plus the xAPIC
 * page) stay below Unicorn's 4,096 sections, 4 of which are its own. A
 * split that would pass this loses the piece instead (guest access to it
 * -> RUN_VP -EFAULT). */
#define EMU_MAX_ENGINE_REGIONS 4000

/* MSHV_IRQFD assignments per partition. The kernel allocates one struct
 * per irqfd (kzalloc) and has no count -> ENOMEM. One eventfd per GSI of
 * the largest routing table (4096) would be 4096; VMMs use one per MSI
 * vector, a few hundred at most. */
#define EMU_MAX_IRQFDS 1024

/* MSHV_IOEVENTFD assignments per partition. The kernel backs each with a
 * hypervisor doorbell port whose id comes from an IDR (mshv_portid_alloc):
 * its exhaustion is -ENOSPC, the one counted limit on this path. */
#define EMU_MAX_IOEVENTFDS 1024

/* MSHV_SET_MSI_ROUTING: nr > 4096 or gsi >= 4096 -> -EINVAL
 * (mshv_partition_ioctl_set_msi_routing), checked by the decoder. */
#define EMU_MAX_MSI_ROUTES 4096

/* HVCALL_INSTALL_INTERCEPT: X64_CPUID leaves and X64_MSR_INDEX MSRs per
 * partition -> HV_STATUS_INSUFFICIENT_BUFFERS. */
#define EMU_MAX_INTERCEPTS 64

/* HVCALL_REGISTER_INTERCEPT_RESULT CPUID results per VP
 * -> HV_STATUS_INSUFFICIENT_MEMORY. */
#define EMU_MAX_CPUID_RESULTS 4096

#endif
