/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface of /dev/mshv (Linux driver mshv_root), as seen by
 * VMMs.  Numbers, names and layouts follow the upstream UAPI header
 * include/uapi/linux/mshv.h (described in docs/abi.md §1).
 *
 * Written for mshv-emu; this is an independent transcription of the ABI.
 *
 * The first part is the upstream UAPI.  The last part (clearly marked)
 * holds the Microsoft downstream additions known to rust-vmm
 * mshv-ioctls >= 0.3; mshv-emu recognises them (and mostly answers ENOTTY).
 */
#ifndef _UAPI_LINUX_MSHV_H
#define _UAPI_LINUX_MSHV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MSHV_IOCTL	0xB8

/*
 *******************************************
 * Entry point to main VMM APIs: /dev/mshv *
 *******************************************
 */

enum {
	MSHV_PT_BIT_LAPIC,
	MSHV_PT_BIT_X2APIC,
	MSHV_PT_BIT_GPA_SUPER_PAGES,
	MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES,
	MSHV_PT_BIT_NESTED_VIRTUALIZATION,
	MSHV_PT_BIT_SMT_ENABLED_GUEST,
	MSHV_PT_BIT_COUNT,
};

#define MSHV_PT_FLAGS_MASK ((1 << MSHV_PT_BIT_COUNT) - 1)

enum {
	MSHV_PT_ISOLATION_NONE,
	MSHV_PT_ISOLATION_COUNT,
};

/**
 * struct mshv_create_partition - arguments for MSHV_CREATE_PARTITION
 * @pt_flags: Bitmask of 1 << MSHV_PT_BIT_*
 * @pt_isolation: MSHV_PT_ISOLATION_*
 *
 * Returns a file descriptor to act as a handle to a guest partition.
 * At this point the partition is not yet initialized in the hypervisor.
 * Some operations must be done with the partition in this state, e.g.
 * setting so-called "early" partition properties.  The partition can then
 * be initialized with MSHV_INITIALIZE_PARTITION.
 */
struct mshv_create_partition {
	__u64 pt_flags;
	__u64 pt_isolation;
};

#define MSHV_NUM_CPU_FEATURES_BANKS 2

/**
 * struct mshv_create_partition_v2 - extended MSHV_CREATE_PARTITION argument
 *
 * Used instead of struct mshv_create_partition when pt_flags has
 * 1 << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES set.  The ioctl request number
 * is unchanged (it encodes the size of the v1 struct).
 *
 * @pt_flags: Bitmask of 1 << MSHV_PT_BIT_*
 * @pt_isolation: MSHV_PT_ISOLATION_*
 * @pt_num_cpu_fbanks: Must be MSHV_NUM_CPU_FEATURES_BANKS
 * @pt_rsvd: Reserved, must be zero
 * @pt_cpu_fbanks: Processor feature banks to DISABLE (bit set = disabled)
 * @pt_rsvd1: Reserved, must be zero
 * @pt_disabled_xsave: XSAVE features to disable (x86-64 only)
 * @pt_rsvd2: Reserved, must be zero (other architectures)
 */
struct mshv_create_partition_v2 {
	__u64 pt_flags;
	__u64 pt_isolation;
	__u16 pt_num_cpu_fbanks;
	__u8  pt_rsvd[6];
	__u64 pt_cpu_fbanks[MSHV_NUM_CPU_FEATURES_BANKS];
	__u64 pt_rsvd1[2];
#if defined(__x86_64__)
	__u64 pt_disabled_xsave;
#else
	__u64 pt_rsvd2;
#endif
} __attribute__((packed));

/* /dev/mshv */
#define MSHV_CREATE_PARTITION	_IOW(MSHV_IOCTL, 0x00, struct mshv_create_partition)

/*
 ************************
 * Child partition APIs *
 ************************
 */

struct mshv_create_vp {
	__u32 vp_index;
};

enum {
	MSHV_SET_MEM_BIT_WRITABLE,
	MSHV_SET_MEM_BIT_EXECUTABLE,
	MSHV_SET_MEM_BIT_UNMAP,
	MSHV_SET_MEM_BIT_COUNT
};

#define MSHV_SET_MEM_FLAGS_MASK ((1 << MSHV_SET_MEM_BIT_COUNT) - 1)

/* The hypervisor's "native" page size */
#define MSHV_HV_PAGE_SIZE	0x1000

/**
 * struct mshv_user_mem_region - arguments for MSHV_SET_GUEST_MEMORY
 * @size: Size of the memory region (bytes). Must be aligned to
 *        MSHV_HV_PAGE_SIZE
 * @guest_pfn: Base guest page number to map
 * @userspace_addr: Base address of userspace memory. Must be aligned to
 *                  MSHV_HV_PAGE_SIZE
 * @flags: Bitmask of 1 << MSHV_SET_MEM_BIT_*. If (1 << MSHV_SET_MEM_BIT_UNMAP)
 *         is set, ignore other bits.
 * @rsvd: MBZ
 *
 * Map or unmap a region of userspace memory to Guest Physical Addresses (GPA).
 * Mappings can't overlap in GPA space.
 * To unmap, these fields must match an existing mapping.
 */
struct mshv_user_mem_region {
	__u64 size;
	__u64 guest_pfn;
	__u64 userspace_addr;
	__u8 flags;
	__u8 rsvd[7];
};

enum {
	MSHV_IRQFD_BIT_DEASSIGN,
	MSHV_IRQFD_BIT_RESAMPLE,
	MSHV_IRQFD_BIT_COUNT,
};

#define MSHV_IRQFD_FLAGS_MASK	((1 << MSHV_IRQFD_BIT_COUNT) - 1)

struct mshv_user_irqfd {
	__s32 fd;
	__s32 resamplefd;
	__u32 gsi;
	__u32 flags;
};

enum {
	MSHV_IOEVENTFD_BIT_DATAMATCH,
	MSHV_IOEVENTFD_BIT_PIO,
	MSHV_IOEVENTFD_BIT_DEASSIGN,
	MSHV_IOEVENTFD_BIT_COUNT,
};

#define MSHV_IOEVENTFD_FLAGS_MASK	((1 << MSHV_IOEVENTFD_BIT_COUNT) - 1)

struct mshv_user_ioeventfd {
	__u64 datamatch;
	__u64 addr;	   /* Guest physical address of the doorbell */
	__u32 len;	   /* 1, 2, 4 or 8 bytes; 0 = any size */
	__s32 fd;
	__u32 flags;	   /* Bitmask of 1 << MSHV_IOEVENTFD_BIT_* */
	__u8  rsvd[4];
};

struct mshv_user_irq_entry {
	__u32 gsi;
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
};

struct mshv_user_irq_table {
	__u32 nr;
	__u32 rsvd; /* MBZ */
	struct mshv_user_irq_entry entries[];
};

enum {
	MSHV_GPAP_ACCESS_TYPE_ACCESSED,
	MSHV_GPAP_ACCESS_TYPE_DIRTY,
	MSHV_GPAP_ACCESS_TYPE_COUNT		/* Count of enum members */
};

enum {
	MSHV_GPAP_ACCESS_OP_NOOP,
	MSHV_GPAP_ACCESS_OP_CLEAR,
	MSHV_GPAP_ACCESS_OP_SET,
	MSHV_GPAP_ACCESS_OP_COUNT		/* Count of enum members */
};

/**
 * struct mshv_gpap_access_bitmap - get (and optionally clear or set) the
 *                                  accessed or dirty bits of guest pages
 * @access_type: MSHV_GPAP_ACCESS_TYPE_* - the bit to query
 * @access_op: MSHV_GPAP_ACCESS_OP_* - what to do with the bits afterwards
 * @rsvd: MBZ
 * @page_count: Number of pages
 * @gpap_base: Base guest page number
 * @bitmap_ptr: Output buffer of at least (page_count + 7) / 8 bytes
 */
struct mshv_gpap_access_bitmap {
	__u8 access_type;
	__u8 access_op;
	__u8 rsvd[6];
	__u64 page_count;
	__u64 gpap_base;
	__u64 bitmap_ptr;
};

/**
 * struct mshv_root_hvcall - arguments for MSHV_ROOT_HVCALL
 * @code: Hypercall code (HVCALL_*)
 * @reps: in: Rep count ('repcount'); out: Reps completed ('repcomp').
 *        MBZ unless rep hypercall
 * @in_sz: Size of input incl rep data. <= MSHV_HV_PAGE_SIZE
 * @out_sz: Size of output buffer. <= MSHV_HV_PAGE_SIZE. MBZ if out_ptr is 0
 * @status: in: MBZ; out: Hypercall status (HV_STATUS_*)
 * @rsvd: MBZ
 * @in_ptr: Input data buffer (struct hv_input_*). If used with partition or
 *          vp fd, partition id field is populated by the kernel.
 * @out_ptr: Output data buffer (optional)
 */
struct mshv_root_hvcall {
	__u16 code;
	__u16 reps;
	__u16 in_sz;
	__u16 out_sz;
	__u16 status;
	__u8 rsvd[6];
	__u64 in_ptr;
	__u64 out_ptr;
};

/* Partition fds created with MSHV_CREATE_PARTITION */
#define MSHV_INITIALIZE_PARTITION	_IO(MSHV_IOCTL, 0x00)
#define MSHV_CREATE_VP			_IOW(MSHV_IOCTL, 0x01, struct mshv_create_vp)
#define MSHV_SET_GUEST_MEMORY		_IOW(MSHV_IOCTL, 0x02, struct mshv_user_mem_region)
#define MSHV_IRQFD			_IOW(MSHV_IOCTL, 0x03, struct mshv_user_irqfd)
#define MSHV_IOEVENTFD			_IOW(MSHV_IOCTL, 0x04, struct mshv_user_ioeventfd)
#define MSHV_SET_MSI_ROUTING		_IOW(MSHV_IOCTL, 0x05, struct mshv_user_irq_table)
#define MSHV_GET_GPAP_ACCESS_BITMAP	_IOWR(MSHV_IOCTL, 0x06, struct mshv_gpap_access_bitmap)
/* Generic hypercall; also accepted on /dev/mshv and on VP fds */
#define MSHV_ROOT_HVCALL		_IOWR(MSHV_IOCTL, 0x07, struct mshv_root_hvcall)

/*
 ********************************
 * VP APIs for child partitions *
 ********************************
 */

#define MSHV_RUN_VP_BUF_SZ 256

/*
 * VP state pages may be mapped to userspace via mmap().
 * To specify which state page, use MSHV_VP_MMAP_OFFSET_ values multiplied by
 * the system page size.
 * e.g.
 * long page_size = sysconf(_SC_PAGE_SIZE);
 * void *reg_page = mmap(NULL, MSHV_HV_PAGE_SIZE, PROT_READ|PROT_WRITE,
 *                       MAP_SHARED, vp_fd,
 *                       MSHV_VP_MMAP_OFFSET_REGISTERS * page_size);
 */
enum {
	MSHV_VP_MMAP_OFFSET_REGISTERS,
	MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE,
	MSHV_VP_MMAP_OFFSET_GHCB,
	MSHV_VP_MMAP_OFFSET_COUNT
};

/**
 * struct mshv_run_vp - argument for MSHV_RUN_VP
 * @msg_buf: On success, the intercept message (struct hv_message) is
 *           copied here.  It can also be read from the mmapped
 *           MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE page.
 */
struct mshv_run_vp {
	__u8 msg_buf[MSHV_RUN_VP_BUF_SZ];
};

enum {
	MSHV_VP_STATE_LAPIC,		/* Local interrupt controller state (either arch) */
	MSHV_VP_STATE_XSAVE,		/* XSAVE data in compacted form (x86_64) */
	MSHV_VP_STATE_SIMP,
	MSHV_VP_STATE_SIEFP,
	MSHV_VP_STATE_SYNTHETIC_TIMERS,
	MSHV_VP_STATE_COUNT,
};

/**
 * struct mshv_get_set_vp_state - arguments for MSHV_[GET,SET]_VP_STATE
 * @type: MSHV_VP_STATE_*
 * @rsvd: MBZ
 * @buf_sz: in: 4k page-aligned size of buffer
 *          out: Actual size of data (on EINVAL, check this to see if the
 *               buffer was too small)
 * @buf_ptr: 4k page-aligned data buffer
 */
struct mshv_get_set_vp_state {
	__u8 type;
	__u8 rsvd[3];
	__u32 buf_sz;
	__u64 buf_ptr;
};

/* VP fds created with MSHV_CREATE_VP */
#define MSHV_RUN_VP			_IOR(MSHV_IOCTL, 0x00, struct mshv_run_vp)
#define MSHV_GET_VP_STATE		_IOWR(MSHV_IOCTL, 0x01, struct mshv_get_set_vp_state)
#define MSHV_SET_VP_STATE		_IOWR(MSHV_IOCTL, 0x02, struct mshv_get_set_vp_state)
/*
 * Generic hypercall
 * Defined above in partition IOCTLs, avoid redefining it here
 * #define MSHV_ROOT_HVCALL	_IOWR(MSHV_IOCTL, 0x07, struct mshv_root_hvcall)
 */

/*
 * The /dev/mshv_vtl section of the upstream header (MSHV_CHECK_EXTENSION,
 * MSHV_CREATE_VTL, MSHV_HVCALL, ...) is intentionally omitted: it is not
 * part of the VMM ABI, and its MSHV_GET_VP_REGISTERS / MSHV_SET_VP_REGISTERS
 * names clash with the downstream definitions below.
 */

/*
 *****************************************************************
 * Microsoft downstream / rust-vmm mshv-ioctls >= 0.3 additions   *
 *****************************************************************
 *
 * Not part of the upstream kernel UAPI.  Defined so that mshv-emu can
 * recognise these requests (and answer most of them with ENOTTY on
 * purpose, as an upstream kernel would).  Structures that embed
 * hypervisor types use raw integer/byte fields of identical layout so
 * this header stays self-contained; see <hyperv/hv_all.h> for the typed
 * views.
 */

/* Downstream isolation type (upstream only knows MSHV_PT_ISOLATION_NONE) */
#define MSHV_PT_ISOLATION_SNP		1
#define MSHV_PT_ISOLATION_COUNT_DOWNSTREAM 2

/* Other downstream ioctl "types" */
#define MSHV_DIAG_IOCTL			0xB9
#define MSHV_TRACE_IOCTL		0xBA

enum {
	MSHV_GPA_HOST_ACCESS_BIT_ACQUIRE,
	MSHV_GPA_HOST_ACCESS_BIT_READABLE,
	MSHV_GPA_HOST_ACCESS_BIT_WRITABLE,
	MSHV_GPA_HOST_ACCESS_BIT_LARGE_PAGE,
	MSHV_GPA_HOST_ACCESS_BIT_COUNT,
};

enum {
	MSHV_ISOLATED_PAGE_NORMAL,
	MSHV_ISOLATED_PAGE_VMSA,
	MSHV_ISOLATED_PAGE_ZERO,
	MSHV_ISOLATED_PAGE_UNMEASURED,
	MSHV_ISOLATED_PAGE_SECRETS,
	MSHV_ISOLATED_PAGE_CPUID,
	MSHV_ISOLATED_PAGE_COUNT,
};

enum {
	MSHV_DEV_TYPE_VFIO,
	MSHV_DEV_TYPE_MAX,
};

/* mshv_create_device.flags: only check that the type exists */
#define MSHV_CREATE_DEVICE_TEST		1

#define MSHV_DEV_VFIO_FILE		1
#define MSHV_DEV_VFIO_FILE_ADD		1
#define MSHV_DEV_VFIO_FILE_DEL		2

/* 16 bytes */
struct mshv_partition_property {
	__u64 property_code;	/* enum hv_partition_property_code */
	__u64 property_value;
};

/* 12 bytes */
struct mshv_create_device {
	__u32 type;	/* MSHV_DEV_TYPE_* */
	__u32 fd;	/* out: device handle */
	__u32 flags;
};

/* 24 bytes */
struct mshv_device_attr {
	__u32 flags;	/* no flags currently defined */
	__u32 group;	/* device-defined */
	__u64 attr;	/* group-defined */
	__u64 addr;	/* userspace address of attr data */
};

/* 16 bytes + 8 per page */
struct mshv_modify_gpa_host_access {
	__u8 flags;	/* 1 << MSHV_GPA_HOST_ACCESS_BIT_* */
	__u8 rsvd[7];
	__u64 page_count;
	__u64 guest_pfns[];
};

/* 16 bytes + 8 per page */
struct mshv_import_isolated_pages {
	__u8 page_type;	/* MSHV_ISOLATED_PAGE_* */
	__u8 rsvd[7];
	__u64 page_count;
	__u64 guest_pfns[];
};

/* 3334 bytes: struct hv_partition_complete_isolated_import_data */
struct mshv_complete_isolated_import {
	__u8 import_data[3334];
};

/* 16 bytes */
struct mshv_issue_psp_guest_request {
	__u64 req_gpa;
	__u64 rsp_gpa;
};

/* 16 bytes */
struct mshv_sev_snp_ap_create {
	__u64 vp_id;
	__u64 vmsa_gpa;
};

/* 16 bytes */
struct mshv_install_intercept {
	__u32 access_type_mask;	/* HV_INTERCEPT_ACCESS_MASK_* */
	__u32 intercept_type;	/* enum hv_intercept_type */
	__u64 intercept_parameter; /* union hv_intercept_parameters */
};

/* 24 bytes */
struct mshv_assert_interrupt {
	__u64 control;		/* union hv_interrupt_control */
	__u64 dest_addr;
	__u32 vector;
	__u32 rsvd;
};

/* 12 bytes */
struct mshv_signal_event_direct {
	__u32 vp;
	__u8 vtl;
	__u8 sint;
	__u16 flag;
	/* output */
	__u8 newly_signaled;
};

/* 16 bytes */
struct mshv_post_message_direct {
	__u32 vp;
	__u8 vtl;
	__u8 sint;
	__u16 length;
	const __u8 *message;
};

/* 16 bytes (the misspelling is the downstream name) */
struct mshv_register_deliverabilty_notifications {
	__u32 vp;
	__u32 pad;
	__u64 flag;
};

/* 16 bytes */
struct mshv_vp_registers {
	int count;	/* at most 128 */
	struct hv_register_assoc *regs;
};

/* 32 bytes */
struct mshv_translate_gva {
	__u64 gva;
	__u64 flags;			/* HV_TRANSLATE_GVA_* */
	union hv_translate_gva_result *result;
	__u64 *gpa;
};

/* 48 bytes */
struct mshv_register_intercept_result {
	__u32 intercept_type;	/* enum hv_intercept_type */
	/* union hv_register_intercept_result_parameters (44 bytes) */
	__u8 parameters[44];
};

/* 40 bytes */
struct mshv_get_vp_cpuid_values {
	__u32 function;
	__u32 index;
	__u64 xfem;
	__u64 xss;
	/* output */
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
};

/* 32 bytes */
struct mshv_read_write_gpa {
	__u64 base_gpa;
	__u32 byte_count;
	__u32 flags;
	__u8 data[16];
};

/* /dev/mshv (downstream) */
#define MSHV_GET_HOST_PARTITION_PROPERTY \
	_IOWR(MSHV_IOCTL, 0x01, struct mshv_partition_property)

/* Partition fd (downstream) */
#define MSHV_CREATE_DEVICE \
	_IOWR(MSHV_IOCTL, 0x08, struct mshv_create_device)
#define MSHV_MODIFY_GPA_HOST_ACCESS \
	_IOW(MSHV_IOCTL, 0x09, struct mshv_modify_gpa_host_access)
#define MSHV_IMPORT_ISOLATED_PAGES \
	_IOW(MSHV_IOCTL, 0x0A, struct mshv_import_isolated_pages)
/* Deprecated partition ioctls 0xF0 - 0xF9 */
#define MSHV_INSTALL_INTERCEPT \
	_IOW(MSHV_IOCTL, 0xF0, struct mshv_install_intercept)
#define MSHV_ASSERT_INTERRUPT \
	_IOW(MSHV_IOCTL, 0xF1, struct mshv_assert_interrupt)
#define MSHV_SET_PARTITION_PROPERTY \
	_IOW(MSHV_IOCTL, 0xF2, struct mshv_partition_property)
#define MSHV_GET_PARTITION_PROPERTY \
	_IOWR(MSHV_IOCTL, 0xF3, struct mshv_partition_property)
#define MSHV_COMPLETE_ISOLATED_IMPORT \
	_IOW(MSHV_IOCTL, 0xF4, struct mshv_complete_isolated_import)
#define MSHV_ISSUE_PSP_GUEST_REQUEST \
	_IOW(MSHV_IOCTL, 0xF5, struct mshv_issue_psp_guest_request)
#define MSHV_SEV_SNP_AP_CREATE \
	_IOW(MSHV_IOCTL, 0xF6, struct mshv_sev_snp_ap_create)
#define MSHV_SIGNAL_EVENT_DIRECT \
	_IOWR(MSHV_IOCTL, 0xF7, struct mshv_signal_event_direct)
#define MSHV_POST_MESSAGE_DIRECT \
	_IOW(MSHV_IOCTL, 0xF8, struct mshv_post_message_direct)
#define MSHV_REGISTER_DELIVERABILITY_NOTIFICATIONS \
	_IOW(MSHV_IOCTL, 0xF9, struct mshv_register_deliverabilty_notifications)

/* VP fd (downstream, deprecated except MSHV_VP_TRANSLATE_GVA) */
#define MSHV_GET_VP_REGISTERS \
	_IOWR(MSHV_IOCTL, 0xF0, struct mshv_vp_registers)
#define MSHV_SET_VP_REGISTERS \
	_IOW(MSHV_IOCTL, 0xF1, struct mshv_vp_registers)
#define MSHV_VP_TRANSLATE_GVA \
	_IOWR(MSHV_IOCTL, 0xF2, struct mshv_translate_gva)
#define MSHV_VP_REGISTER_INTERCEPT_RESULT \
	_IOW(MSHV_IOCTL, 0xF3, struct mshv_register_intercept_result)
#define MSHV_GET_VP_CPUID_VALUES \
	_IOWR(MSHV_IOCTL, 0xF4, struct mshv_get_vp_cpuid_values)
#define MSHV_READ_GPA \
	_IOWR(MSHV_IOCTL, 0xF5, struct mshv_read_write_gpa)
#define MSHV_WRITE_GPA \
	_IOW(MSHV_IOCTL, 0xF6, struct mshv_read_write_gpa)

/* Device fd created with MSHV_CREATE_DEVICE (downstream) */
#define MSHV_SET_DEVICE_ATTR \
	_IOW(MSHV_IOCTL, 0x00, struct mshv_device_attr)
#define MSHV_GET_DEVICE_ATTR \
	_IOW(MSHV_IOCTL, 0x01, struct mshv_device_attr)
#define MSHV_HAS_DEVICE_ATTR \
	_IOW(MSHV_IOCTL, 0x02, struct mshv_device_attr)

#endif /* _UAPI_LINUX_MSHV_H */
