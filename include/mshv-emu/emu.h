/* SPDX-License-Identifier: MIT */
/*
 * libmshvemu: the software hypervisor behind mshv-emu.
 *
 * This is the core's public API. It knows nothing about file descriptors,
 * CUSE or LD_PRELOAD: the faces in src/ translate /dev/mshv ioctls into
 * these calls. Errors are returned as negative errno values (the errno the
 * real mshv_root driver would return); hypercalls return an HV_STATUS.
 */
#ifndef MSHV_EMU_EMU_H
#define MSHV_EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility: only this API is exported. */
#pragma GCC visibility push(default)

struct hv_message;
struct emu_partition;
struct emu_vp;

/* Partition creation, already validated against the UAPI by the caller. */
struct emu_partition_config {
	uint64_t pt_flags;		/* MSHV_PT_BIT_* mask */
	uint64_t isolation;		/* MSHV_PT_ISOLATION_* */
	uint64_t disabled_features[2];	/* processor feature banks (v2) */
	uint64_t disabled_xsave;	/* (v2) */
};

int emu_partition_create(const struct emu_partition_config *cfg,
			 struct emu_partition **out);
void emu_partition_get(struct emu_partition *pt);
/* Drops a reference; the last one destroys the partition and its VPs. */
void emu_partition_put(struct emu_partition *pt);
int emu_partition_initialize(struct emu_partition *pt);
uint64_t emu_partition_id(const struct emu_partition *pt);
/*
 * One face object per partition that lives exactly as long as the partition
 * (the downstream VFIO bridge device, which the driver keeps on the
 * partition's device list until the partition is destroyed). -EBUSY if one
 * is attached already; `release` runs at the partition's destruction.
 */
int emu_partition_attach(struct emu_partition *pt, void *obj, void (*release)(void *obj));

/* Guest memory: the VMM's pages are used in place, never copied. */
#define EMU_MEM_WRITABLE   0x1u
#define EMU_MEM_EXECUTABLE 0x2u
/* host is the caller's own mapping, which it writes directly (in-process):
 * the core may watch it for writes to executed code. */
#define EMU_MEM_VMM_VIEW   0x4u
int emu_map_gpa(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		void *host, unsigned flags);
int emu_unmap_gpa(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		  void *host);
/*
 * The same for a face whose pointer differs from the caller's address
 * (MSHV_SET_GUEST_MEMORY's userspace_addr): key is that address, which
 * unmap must name, as the kernel's unmap does; emu_unmap_guest hands back
 * in *host (may be NULL) the pointer the region was mapped with, for the
 * face to release. emu_map_gpa/emu_unmap_gpa: key = host.
 */
int emu_map_guest(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		  void *host, uint64_t key, unsigned flags);
int emu_unmap_guest(struct emu_partition *pt, uint64_t gfn, uint64_t size,
		    uint64_t key, void **host);

/*
 * For a face whose VMM shares this process (LD_PRELOAD): call before the
 * VMM's own munmap, MAP_FIXED mmap, mremap or access-dropping mprotect of
 * [addr, addr + len). The kernel pins guest pages when they are mapped, so
 * what the VMM later does to its range never reaches the guest; likewise,
 * guest memory backed there is moved to (or shared with) pages the core
 * keeps until the region is unmapped. EMU_HOST_GONE: the VMM's range is
 * about to be unmapped or replaced. EMU_HOST_WRITE_ONLY: only write access
 * goes (mprotect keeping PROT_READ), read-only regions are unaffected.
 * Cheap when no guest memory lies there. Memory that cannot be kept is
 * dropped from the guest: its next access fails RUN_VP with -EFAULT.
 */
#define EMU_HOST_GONE       0x1u
#define EMU_HOST_WRITE_ONLY 0x2u
void emu_host_release(void *addr, size_t len, unsigned how);

/*
 * VPs. The two shared pages (register page, intercept-message page) are
 * 4 KiB each, contiguous, page aligned. A face that must hand them out via
 * mmap passes its own storage; NULL makes the core allocate them.
 */
#define EMU_VP_PAGES_SIZE (2 * 4096)
int emu_vp_create(struct emu_partition *pt, uint32_t vp_index, void *pages,
		  struct emu_vp **out);
/* Face-provided pages are handed back through `release` when the VP is
 * destroyed (with its partition). */
void emu_vp_set_release(struct emu_vp *vp,
			void (*release)(void *ctx, void *pages, void *cookie),
			void *ctx, void *cookie);
struct emu_vp *emu_partition_vp(struct emu_partition *pt, uint32_t index);
uint32_t emu_vp_index(const struct emu_vp *vp);
void *emu_vp_register_page(struct emu_vp *vp);
struct hv_message *emu_vp_message_page(struct emu_vp *vp);

/* Runs until an intercept (0, *msg filled) or a kick (-EINTR). */
int emu_vp_run(struct emu_vp *vp, struct hv_message *msg);
/* Makes a concurrent or later emu_vp_run on vp return -EINTR promptly.
 * Async-signal-safe and callable from any thread. */
void emu_vp_kick(struct emu_vp *vp);
/*
 * MSHV_RUN_VP as the driver and hypervisor do it: releases the VP from its
 * explicit and intercept suspend (a new VP starts explicitly suspended),
 * runs it (emu_vp_run) and leaves it intercept-suspended when it returns a
 * message.
 */
int emu_vp_dispatch(struct emu_vp *vp, struct hv_message *msg);

/*
 * Hypercalls as issued through MSHV_ROOT_HVCALL. `pt` is NULL for calls on
 * /dev/mshv itself (HV_PARTITION_ID_SELF). `in` is a 4 KiB page whose first
 * in_sz bytes came from the caller (the rest is zero), `out` a zeroed 4 KiB
 * page. `*reps` holds the requested rep count and receives the number of
 * reps completed. Returns an HV_STATUS value.
 */
#define EMU_HVCALL_PAGE 4096
uint16_t emu_hvcall(struct emu_partition *pt, uint16_t code, uint16_t *reps,
		    const void *in, size_t in_sz, void *out, size_t out_sz);

/*
 * MSHV_GET_GPAP_ACCESS_BITMAP's hypercalls, in one go: HVCALL_GET_GPA_
 * PAGES_ACCESS_STATES for count pages from gfn in batches of `batch`
 * with `flags` (its flag word), bit i of `bitmap` set where page i's
 * state has a bit of `mask` (1 accessed, 2 dirty). `bitmap` holds
 * (count + 7) / 8 zeroed bytes. Stops at the first failing batch; returns
 * its HV_STATUS (0: all done).
 */
uint16_t emu_gpa_access_bitmap(struct emu_partition *pt, uint64_t gfn, uint32_t count,
			       uint32_t batch, uint64_t flags, unsigned mask, uint8_t *bitmap);

/* MSHV_GET/SET_VP_STATE. *size: buffer size in, required size out. */
int emu_vp_get_state(struct emu_vp *vp, unsigned type, void *buf,
		     size_t *size);
int emu_vp_set_state(struct emu_vp *vp, unsigned type, const void *buf,
		     size_t *size);

/* Size of a VP state blob (MSHV_VP_STATE_*), 0 for an unknown type. */
size_t emu_vp_state_size(unsigned type);

/* MSHV_SET_MSI_ROUTING, already validated (gsi < 4096, unique). */
struct emu_msi_entry { uint32_t gsi, address_lo, address_hi, data; };
int emu_set_msi_routing(struct emu_partition *pt, const struct emu_msi_entry *e,
			size_t n);

/*
 * MSHV_IRQFD and MSHV_IOEVENTFD. The eventfds are file descriptors of the
 * calling process, which the core duplicates and keeps (it owns its
 * duplicates, never the caller's fds): in-process they are the VMM's own.
 * A face in another process (the CUSE daemon) must first obtain them with
 * pidfd_getfd() and pass its local numbers. Errors are the kernel's:
 * -EBADF (fd not open), -EINVAL (not an eventfd), ...
 *
 * irqfd: a signal on efd injects the MSI that the routing table holds for
 * gsi (no route: ignored), while VPs run. efd already bound in this
 * partition -> -EBUSY; resample needs a level-triggered route for gsi
 * (else -EINVAL), and resample_fd is signalled when the guest EOIs the
 * vector that route delivered. Deassign removes every irqfd with this
 * eventfd and gsi (0 even if none); no injection from them after return.
 */
/*
 * A face whose guest memory is its own mapping of another process's (the
 * CUSE daemon) gives the core a userfaultfd that process opened (not
 * UFFD_USER_MODE_ONLY, not yet initialised with UFFDIO_API): the core then
 * write-protects the executed pages in that process and sees its writes
 * to code, however many pages (else only 512 code pages are compared by
 * copies at each entry). Takes uffd. 0; -EOPNOTSUPP if this kernel has
 * no userfaultfd write protection (or MSHV_EMU_CODEWATCH=off); -EINVAL if
 * uffd is not a fresh userfaultfd; -EEXIST if one is set.
 */
int emu_partition_watch_vmm_writes(struct emu_partition *pt, int uffd);

/* An interrupt the core raised itself from an irqfd signal, for a face's
 * trace (no real driver shows these): the MSI route it used and what
 * delivery answered (0 or -errno). */
struct emu_irq_event {
	uint32_t gsi, vector, dest;
	uint32_t type;		/* HV_X64_INTERRUPT_TYPE_* */
	bool level, logical;
	int rc;
};
/* Calls fn(ctx, ev) on the partition's irqfd thread after each such
 * delivery. Set it before the first irqfd is assigned; NULL removes it. */
void emu_partition_set_irq_observer(struct emu_partition *pt,
				    void (*fn)(void *ctx, const struct emu_irq_event *ev),
				    void *ctx);
int emu_irqfd_assign(struct emu_partition *pt, int efd, int resample_fd,
		     uint32_t gsi, bool resample);
int emu_irqfd_deassign(struct emu_partition *pt, int efd, uint32_t gsi);

/*
 * ioeventfd (MMIO; already validated: len in {0,1,2,4,8}, no overflow): a
 * guest write to addr of len bytes (len 0: any size) whose value equals
 * value (datamatch) or any value (!datamatch) signals efd and completes
 * without an exit. Collision with an entry of the same addr and len, one
 * of them wildcard or equal datamatch -> -EEXIST. Deassign needs the same
 * eventfd, addr, len, wildcard-ness and datamatch, else -ENOENT.
 */
int emu_ioeventfd_assign(struct emu_partition *pt, uint64_t addr, uint32_t len,
			 int efd, bool datamatch, uint64_t value);
int emu_ioeventfd_deassign(struct emu_partition *pt, uint64_t addr,
			   uint32_t len, int efd, bool datamatch,
			   uint64_t value);

/* One-time process setup (Unicorn calibration); idempotent, thread-safe. */
int emu_init(void);
const char *emu_version(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
