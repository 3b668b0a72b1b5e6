/* SPDX-License-Identifier: MIT */
/*
 * The /dev/mshv ioctl decoder shared by every face: argument validation,
 * errnos and hypercall allow-lists exactly as the mshv_root driver has them
 * (see docs/abi-coverage.md), then a call into the hypervisor core.
 */
#include "mshv_dev.h"
#include "tap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

/* ---- objects ---- */

struct mshv_obj *mshv_obj_alloc(enum mshv_obj_kind kind)
{
	struct mshv_obj *o = calloc(1, sizeof *o);

	if (o) {
		o->kind = kind;
		__atomic_store_n(&o->refs, 1, __ATOMIC_RELAXED);
	}
	return o;
}

struct mshv_obj *mshv_obj_new_device(void)
{
	return mshv_obj_alloc(MSHV_OBJ_DEVICE);
}

void mshv_obj_get(struct mshv_obj *o)
{
	__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
}

void mshv_obj_put(struct mshv_obj *o)
{
	if (!o || __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* A VP fd pins its partition; the VP itself lives as long as the
	 * partition (its index cannot be reused), as in the kernel. */
	if (o->pt)
		emu_partition_put(o->pt);
	tap_put(o->tap);
	free(o);
}

/* ---- hv_status -> errno, as hv_result_to_errno() ---- */

static int hv_errno(uint16_t st)
{
	switch (st) {
	case HV_STATUS_SUCCESS: return 0;
	case HV_STATUS_INVALID_HYPERCALL_CODE:
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
	case HV_STATUS_INVALID_PARAMETER:
	case HV_STATUS_INVALID_PARTITION_ID:
	case HV_STATUS_INVALID_VP_INDEX:
	case HV_STATUS_INVALID_PORT_ID:
	case HV_STATUS_INVALID_CONNECTION_ID:
	case HV_STATUS_INVALID_LP_INDEX:
	case HV_STATUS_INVALID_REGISTER_VALUE:
		return -EINVAL;
	case HV_STATUS_INSUFFICIENT_MEMORY: return -ENOMEM;
	default: return -EIO;
	}
}

/* ---- ROOT_HVCALL ---- */

enum fd_kind_bits { ON_DEV = 1, ON_PT = 2, ON_VP = 4 };

static unsigned hvcall_allowed(uint16_t code)
{
	switch (code) {
	case HVCALL_GET_PARTITION_PROPERTY:
	case HVCALL_GET_PARTITION_PROPERTY_EX:
		return ON_DEV | ON_PT | ON_VP;
	case HVCALL_SET_PARTITION_PROPERTY:
	case HVCALL_INSTALL_INTERCEPT:
	case HVCALL_GET_VP_REGISTERS:
	case HVCALL_SET_VP_REGISTERS:
	case HVCALL_TRANSLATE_VIRTUAL_ADDRESS:
	case HVCALL_READ_GPA:
	case HVCALL_WRITE_GPA:
	case HVCALL_CLEAR_VIRTUAL_INTERRUPT:
	case HVCALL_REGISTER_INTERCEPT_RESULT:
	case HVCALL_ASSERT_VIRTUAL_INTERRUPT:
	case HVCALL_GET_GPA_PAGES_ACCESS_STATES:
	case HVCALL_SIGNAL_EVENT_DIRECT:
	case HVCALL_POST_MESSAGE_DIRECT:
	case HVCALL_GET_VP_CPUID_VALUES:
		return ON_PT | ON_VP;
	default:
		return 0;
	}
}

static long root_hvcall(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_root_hvcall a;
	unsigned kind = obj->kind == MSHV_OBJ_DEVICE ? ON_DEV :
			obj->kind == MSHV_OBJ_PARTITION ? ON_PT : ON_VP;
	static const uint8_t zero[6];
	/* The kernel's input and output pages. */
	uint64_t in[EMU_HVCALL_PAGE / 8], out[EMU_HVCALL_PAGE / 8];
	long rc;

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (a.status || !a.in_ptr || a.in_sz < 8 || memcmp(a.rsvd, zero, sizeof a.rsvd) ||
	    a.in_sz > EMU_HVCALL_PAGE ||
	    (a.out_ptr && (!a.out_sz || a.out_sz > EMU_HVCALL_PAGE)))
		return -EINVAL;
	if (!(hvcall_allowed(a.code) & kind))
		return -EINVAL;
	/* The asynchronous SET_PARTITION_PROPERTY only on partition fds. */
	if (a.code == HVCALL_SET_PARTITION_PROPERTY && kind != ON_PT)
		return -EINVAL;
	if (ua->read(ua->ctx, in, a.in_ptr, a.in_sz))
		return -EFAULT;
	/* Deterministic beyond what the caller gave (the kernel's page holds
	 * stale bytes there; the hypervisor must not depend on them). */
	memset((uint8_t *)in + a.in_sz, 0, EMU_HVCALL_PAGE - a.in_sz);
	/* The hypervisor always gets a whole output page, whatever out_sz
	 * says (mshv_ioctl_passthru_hvcall()): out_sz only bounds the copy
	 * back, and without out_ptr the output is dropped. */
	memset(out, 0, sizeof out);
	in[0] = obj->pt ? emu_partition_id(obj->pt) : HV_PARTITION_ID_SELF;
	uint16_t reps = a.reps, st;
	bool injected = false;
	if (__builtin_expect(obj->tap != NULL, 0))
		st = tap_hvcall(obj, a.code, &reps, in, a.in_sz, out, sizeof out, &injected);
	else
		st = emu_hvcall(obj->pt, a.code, &reps, in, a.in_sz, out, sizeof out);
	rc = hv_errno(st);
	/* An injected INSUFFICIENT_MEMORY as Linux 6.15's passthrough gives it:
	 * the driver deposits a page and the caller retries on -EAGAIN (newer
	 * kernels deposit and retry internally, never showing it). */
	if (injected && st == HV_STATUS_INSUFFICIENT_MEMORY)
		rc = -EAGAIN;
	a.status = st;
	a.reps = a.reps ? reps : 0;
	/* status and reps go back even when the call failed; the output only
	 * on success (newer kernels; 6.15 copied it always). */
	if (ua->write(ua->ctx, arg, &a, sizeof a))
		rc = -EFAULT;
	else if (rc == 0 && a.out_ptr && ua->write(ua->ctx, a.out_ptr, out, a.out_sz))
		rc = -EFAULT;
	return rc;
}

/* ---- /dev/mshv ---- */

static long create_partition(uint64_t arg, const struct mshv_uaccess *ua, struct mshv_obj **created)
{
	struct mshv_create_partition_v2 v2;
	struct emu_partition_config cfg = { 0 };
	struct emu_partition *pt;
	static const uint8_t zero[16];

	memset(&v2, 0, sizeof v2);
	if (ua->read(ua->ctx, &v2, arg, sizeof(struct mshv_create_partition)))
		return -EFAULT;
	if ((v2.pt_flags & ~(uint64_t)MSHV_PT_FLAGS_MASK) || v2.pt_isolation >= MSHV_PT_ISOLATION_COUNT)
		return -EINVAL;
	if (v2.pt_flags & (1ull << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES)) {
		if (ua->read(ua->ctx, &v2, arg, sizeof v2))
			return -EFAULT;
		if ((v2.pt_flags & ~(uint64_t)MSHV_PT_FLAGS_MASK) ||
		    v2.pt_isolation >= MSHV_PT_ISOLATION_COUNT)
			return -EINVAL;
		if (v2.pt_num_cpu_fbanks != MSHV_NUM_CPU_FEATURES_BANKS ||
		    memcmp(v2.pt_rsvd, zero, sizeof v2.pt_rsvd) ||
		    memcmp(v2.pt_rsvd1, zero, sizeof v2.pt_rsvd1))
			return -EINVAL;
		cfg.disabled_features[0] = v2.pt_cpu_fbanks[0];
		cfg.disabled_features[1] = v2.pt_cpu_fbanks[1];
		cfg.disabled_xsave = v2.pt_disabled_xsave;
	}
	cfg.pt_flags = v2.pt_flags;
	cfg.isolation = v2.pt_isolation;
	struct mshv_obj *o = mshv_obj_alloc(MSHV_OBJ_PARTITION);
	if (!o)
		return -ENOMEM;
	int rc = emu_partition_create(&cfg, &pt);
	if (rc) {
		free(o);
		return rc;
	}
	o->pt = pt;
	*created = o;
	return 0;
}

/* ---- partition fd ---- */

static long create_vp(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua,
		      const struct mshv_face_ops *fops, struct mshv_obj **created)
{
	struct mshv_create_vp a;
	void *pages = NULL, *cookie = NULL;
	struct emu_vp *vp;

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (a.vp_index >= 256)
		return -EINVAL;
	struct mshv_obj *o = mshv_obj_alloc(MSHV_OBJ_VP);
	if (!o)
		return -ENOMEM;
	if (fops && fops->alloc_vp_pages && !(pages = fops->alloc_vp_pages(fops->face_ctx, &cookie))) {
		free(o);
		return -ENOMEM;
	}
	int rc = emu_vp_create(obj->pt, a.vp_index, pages, &vp);
	if (rc) {
		if (pages)
			fops->free_vp_pages(fops->face_ctx, pages, cookie);
		free(o);
		return rc;
	}
	if (pages)
		emu_vp_set_release(vp, fops->free_vp_pages, fops->face_ctx, cookie);
	emu_partition_get(obj->pt);
	o->pt = obj->pt;
	o->vp = vp;
	o->face = cookie;
	*created = o;
	return 0;
}

static long set_guest_memory(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_user_mem_region r;
	static const uint8_t zero[7];
	const uint64_t page = 4096;

	if (ua->read(ua->ctx, &r, arg, sizeof r))
		return -EFAULT;
	if (!r.size || (r.size & (page - 1)) || (r.userspace_addr & (page - 1)) ||
	    (r.flags & ~MSHV_SET_MEM_FLAGS_MASK) || memcmp(r.rsvd, zero, sizeof r.rsvd))
		return -EINVAL;
	/* Unmap names the region as the caller mapped it; the face gets its
	 * own pointer back. */
	if (r.flags & (1u << MSHV_SET_MEM_BIT_UNMAP)) {
		void *host = NULL;
		int rc = emu_unmap_guest(obj->pt, r.guest_pfn, r.size, r.userspace_addr, &host);
		if (rc == 0 && ua->unmap_guest)
			ua->unmap_guest(ua->ctx, host, r.size);
		return rc;
	}
	/* Address 0 has no VMA (vma_lookup() in mshv_map_user_memory()). */
	if (!r.userspace_addr || r.userspace_addr + r.size < r.userspace_addr || !ua->map_guest)
		return -EINVAL;
	unsigned flags = 0;
	if (r.flags & (1u << MSHV_SET_MEM_BIT_WRITABLE))
		flags |= EMU_MEM_WRITABLE;
	if (r.flags & (1u << MSHV_SET_MEM_BIT_EXECUTABLE))
		flags |= EMU_MEM_EXECUTABLE;
	if (ua->same_view)
		flags |= EMU_MEM_VMM_VIEW;
	int err = 0;
	void *host = ua->map_guest(ua->ctx, r.userspace_addr, r.size, flags, &err);
	if (!host)
		return err ? err : -EINVAL;
	int rc = emu_map_guest(obj->pt, r.guest_pfn, r.size, host, r.userspace_addr, flags);
	if (rc && ua->unmap_guest)
		ua->unmap_guest(ua->ctx, host, r.size);
	return rc;
}

static long set_msi_routing(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_user_irq_table t;
	struct emu_msi_entry *e = NULL;
	long rc;

	if (ua->read(ua->ctx, &t, arg, sizeof t))
		return -EFAULT;
	if (t.nr > 4096 || t.rsvd)
		return -EINVAL;
	if (t.nr) {
		e = calloc(t.nr, sizeof *e);
		if (!e)
			return -ENOMEM;
		if (ua->read(ua->ctx, e, arg + sizeof t, (size_t)t.nr * sizeof *e)) {
			free(e);
			return -EFAULT;
		}
	}
	for (uint32_t i = 0; i < t.nr; i++) {
		if (e[i].gsi >= 4096 || e[i].address_hi) {
			free(e);
			return -EINVAL;
		}
		for (uint32_t j = 0; j < i; j++)
			if (e[j].gsi == e[i].gsi) {
				free(e);
				return -EINVAL;
			}
	}
	rc = emu_set_msi_routing(obj->pt, e, t.nr);
	free(e);
	return rc;
}

/* MSHV_IRQFD (docs/abi.md §2.6): flags checked here, the eventfds (open?
 * an eventfd?) and the rest by the core. */
/* The caller's fd number made usable here (a face in another process
 * imports it); *own: close it after use (the core keeps its own dup). */
static int import_fd(const struct mshv_uaccess *ua, int fd, bool *own)
{
	*own = false;
	if (fd < 0)
		return -EBADF;
	if (!ua->get_fd)
		return fd;
	int l = ua->get_fd(ua->ctx, fd);
	*own = l >= 0;
	return l;
}

static void release_fd(int fd, bool own)
{
	if (own)
		close(fd);
}

static long irqfd(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_user_irqfd a;
	bool own_e, own_r = false;
	long rc;

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (a.flags & ~MSHV_IRQFD_FLAGS_MASK)
		return -EINVAL;
	int efd = import_fd(ua, a.fd, &own_e);
	if (efd < 0)
		return efd;
	if (a.flags & (1u << MSHV_IRQFD_BIT_DEASSIGN)) {
		rc = emu_irqfd_deassign(obj->pt, efd, a.gsi);
		release_fd(efd, own_e);
		return rc;
	}
	bool resample = a.flags & (1u << MSHV_IRQFD_BIT_RESAMPLE);
	int rfd = a.resamplefd;
	if (resample && (rfd = import_fd(ua, a.resamplefd, &own_r)) < 0) {
		release_fd(efd, own_e);
		return rfd;
	}
	rc = emu_irqfd_assign(obj->pt, efd, rfd, a.gsi, resample);
	release_fd(efd, own_e);
	release_fd(rfd, own_r);
	return rc;
}

/* MSHV_IOEVENTFD (docs/abi.md §2.7): MMIO only, as the kernel. Size and
 * overflow are checked on assign only (a deassign that names no
 * registration is ENOENT). */
static long ioeventfd(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_user_ioeventfd a;
	static const uint8_t zero[4];

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if ((a.flags & ~MSHV_IOEVENTFD_FLAGS_MASK) || memcmp(a.rsvd, zero, sizeof a.rsvd))
		return -EINVAL;
	if (a.flags & (1u << MSHV_IOEVENTFD_BIT_PIO))
		return -EOPNOTSUPP;
	bool datamatch = a.flags & (1u << MSHV_IOEVENTFD_BIT_DATAMATCH), own;
	long rc;
	if (a.flags & (1u << MSHV_IOEVENTFD_BIT_DEASSIGN)) {
		int efd = import_fd(ua, a.fd, &own);
		if (efd < 0)
			return efd;
		rc = emu_ioeventfd_deassign(obj->pt, a.addr, a.len, efd, datamatch, a.datamatch);
		release_fd(efd, own);
		return rc;
	}
	if (a.len != 0 && a.len != 1 && a.len != 2 && a.len != 4 && a.len != 8)
		return -EINVAL;
	if (a.addr + a.len < a.addr)
		return -EINVAL;
	int efd = import_fd(ua, a.fd, &own);
	if (efd < 0)
		return efd;
	rc = emu_ioeventfd_assign(obj->pt, a.addr, a.len, efd, datamatch, a.datamatch);
	release_fd(efd, own);
	return rc;
}

/* Pages per HVCALL_GET_GPA_PAGES_ACCESS_STATES: one output page of state
 * bytes, less one (the kernel's HV_GET_GPA_ACCESS_STATES_BATCH_SIZE). */
#define GPAP_BATCH (EMU_HVCALL_PAGE - 1)
/* The kernel allocates page_count state bytes (vzalloc): far beyond any
 * guest's memory that fails with ENOMEM; here the bitmap is the buffer. */
#define GPAP_MAX_PAGES (1ull << 32)

/* As mshv_partition_ioctl_get_gpap_access_bitmap(): the op becomes
 * hypercall flags (CLEAR of "accessed" clears "dirty" too; every other op,
 * NOOP included, takes the SET branch, and SET of "dirty" sets
 * "accessed"), the states come back in batches and the requested bit is
 * packed least significant first. The hypercall's count is a u32. */
static long gpap_bitmap(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct mshv_gpap_access_bitmap a;
	static const uint8_t zero[6];
	long rc = 0;

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (a.access_type >= MSHV_GPAP_ACCESS_TYPE_COUNT || a.access_op >= MSHV_GPAP_ACCESS_OP_COUNT ||
	    memcmp(a.rsvd, zero, sizeof a.rsvd) || !a.page_count || !a.bitmap_ptr)
		return -EINVAL;
	bool dirty = a.access_type == MSHV_GPAP_ACCESS_TYPE_DIRTY;
	bool clear = a.access_op == MSHV_GPAP_ACCESS_OP_CLEAR;
	union hv_gpa_page_access_state_flags f = { .as_uint64 = 0 };
	if (dirty && clear) {
		f.clear_dirty = 1;
	} else if (dirty) {
		f.set_dirty = 1;
		f.set_accessed = 1;
	} else if (clear) {
		f.clear_accessed = 1;
		f.clear_dirty = 1;
	} else {
		f.set_accessed = 1;
	}
	uint8_t mask = dirty ? 2 : 1;
	if (a.page_count > GPAP_MAX_PAGES)
		return -ENOMEM;
	size_t bytes = (size_t)((a.page_count + 7) / 8);
	uint8_t *bm = calloc(1, bytes);
	if (!bm)
		return -ENOMEM;
	uint16_t st = emu_gpa_access_bitmap(obj->pt, a.gpap_base, (uint32_t)a.page_count,
					    GPAP_BATCH, f.as_uint64, mask, bm);
	if (st != HV_STATUS_SUCCESS)
		rc = hv_errno(st);
	if (!rc && ua->write(ua->ctx, a.bitmap_ptr, bm, bytes))
		rc = -EFAULT;
	free(bm);
	return rc;
}

/* ---- VP fd ---- */

static long run_vp(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua)
{
	struct hv_message msg;
	int rc = __builtin_expect(obj->tap != NULL, 0) ? tap_run_vp(obj, &msg)
						       : emu_vp_dispatch(obj->vp, &msg);

	if (rc)
		return rc;
	return ua->write(ua->ctx, arg, &msg, sizeof msg) ? -EFAULT : 0;
}

static long vp_state(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua, bool set)
{
	struct mshv_get_set_vp_state a;
	static const uint8_t zero[3];

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (a.type >= MSHV_VP_STATE_COUNT || memcmp(a.rsvd, zero, sizeof a.rsvd) || !a.buf_sz ||
	    (a.buf_sz & 4095) || (a.buf_ptr & 4095))
		return -EINVAL;
	size_t need = emu_vp_state_size(a.type);
	/* The core never touches more than need bytes: a client's buf_sz
	 * (up to 4 GiB) must not size our allocation. */
	uint8_t *buf = calloc(1, need ? need : 1);
	if (!buf)
		return -ENOMEM;
	long rc = 0;
	/* The buffer must be accessible, whatever the required size. */
	if (ua->read(ua->ctx, buf, a.buf_ptr, set ? (need < a.buf_sz ? need : a.buf_sz) : 1))
		rc = -EFAULT;
	size_t sz = a.buf_sz;
	if (!rc)
		rc = set ? emu_vp_set_state(obj->vp, a.type, buf, &sz)
			 : emu_vp_get_state(obj->vp, a.type, buf, &sz);
	/* The required size is always written back. */
	if (rc != -EFAULT) {
		a.buf_sz = (uint32_t)need;
		if (ua->write(ua->ctx, arg, &a, sizeof a))
			rc = -EFAULT;
		else if (!rc && !set && ua->write(ua->ctx, a.buf_ptr, buf, need))
			rc = -EFAULT;
	}
	free(buf);
	return rc;
}

/* ---- dispatch by the object bound to the file ---- */

static long dispatch(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		     const struct mshv_uaccess *ua, const struct mshv_face_ops *fops,
		     struct mshv_obj **created)
{
	switch (obj->kind) {
	case MSHV_OBJ_DEVICE:
		switch (request) {
		case MSHV_CREATE_PARTITION: return create_partition(arg, ua, created);
		case MSHV_ROOT_HVCALL: return root_hvcall(obj, arg, ua);
		default: return -ENOTTY;
		}
	case MSHV_OBJ_PARTITION:
		switch (request) {
		case MSHV_INITIALIZE_PARTITION: return emu_partition_initialize(obj->pt);
		case MSHV_CREATE_VP: return create_vp(obj, arg, ua, fops, created);
		case MSHV_SET_GUEST_MEMORY: return set_guest_memory(obj, arg, ua);
		case MSHV_IRQFD: return irqfd(obj, arg, ua);
		case MSHV_IOEVENTFD: return ioeventfd(obj, arg, ua);
		case MSHV_SET_MSI_ROUTING: return set_msi_routing(obj, arg, ua);
		case MSHV_GET_GPAP_ACCESS_BITMAP: return gpap_bitmap(obj, arg, ua);
		case MSHV_ROOT_HVCALL: return root_hvcall(obj, arg, ua);
		case MSHV_CREATE_DEVICE: return mshv_vfio_create_device(obj, arg, ua, created);
		default: return -ENOTTY;
		}
	case MSHV_OBJ_VP:
		switch (request) {
		case MSHV_RUN_VP: return run_vp(obj, arg, ua);
		case MSHV_GET_VP_STATE: return vp_state(obj, arg, ua, false);
		case MSHV_SET_VP_STATE: return vp_state(obj, arg, ua, true);
		case MSHV_ROOT_HVCALL: return root_hvcall(obj, arg, ua);
		default: return -ENOTTY;
		}
	case MSHV_OBJ_VFIO:
		return mshv_vfio_ioctl(obj, request, arg, ua);
	}
	return -ENOTTY;
}

long mshv_dev_dispatch(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		       const struct mshv_uaccess *ua, const struct mshv_face_ops *fops,
		       struct mshv_obj **created)
{
	*created = NULL;
	long rc = dispatch(obj, request, arg, ua, fops, created);

	/* What is created through a traced object is traced the same way. */
	if (*created && obj->tap) {
		tap_get(obj->tap);
		(*created)->tap = obj->tap;
		if ((*created)->kind == MSHV_OBJ_PARTITION)
			tap_partition_created(*created);
	}
	return rc;
}

long mshv_dev_ioctl(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		    const struct mshv_uaccess *ua, const struct mshv_face_ops *fops,
		    struct mshv_obj **created)
{
	/* Free when off: one predictable branch. */
	if (__builtin_expect(obj->tap != NULL, 0))
		return tap_ioctl(obj, request, arg, ua, fops, created);
	return mshv_dev_dispatch(obj, request, arg, ua, fops, created);
}

int mshv_dev_mmap_check(struct mshv_obj *obj, uint64_t pgoff)
{
	if (obj->kind != MSHV_OBJ_VP)
		return -ENODEV;
	switch (pgoff) {
	case MSHV_VP_MMAP_OFFSET_REGISTERS: return 0;
	case MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE: return 1;
	case MSHV_VP_MMAP_OFFSET_GHCB: return -ENODEV;	/* SNP only */
	default: return -EINVAL;
	}
}
