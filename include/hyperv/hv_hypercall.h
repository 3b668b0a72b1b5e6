/* SPDX-License-Identifier: MIT */
/*
 * Hypercall codes, control-word helpers, intercept types and the
 * input/output layouts of the hypercalls reachable through
 * MSHV_ROOT_HVCALL (plus some kernel-internal ones the emulator models).
 * Values and sizes: docs/abi-hv.md §4 (from the kernel's
 * include/hyperv/hvgdk_mini.h and hvhdk*.h).  All inputs start with a u64
 * partition id that the kernel overwrites.
 */
#ifndef _MSHV_EMU_HYPERV_HV_HYPERCALL_H
#define _MSHV_EMU_HYPERV_HV_HYPERCALL_H

#include <stdint.h>
#include "hv_status.h"
#include "hv_regs.h"
#include "hv_message.h"
#include "hv_partition.h"

/* ---- Hypercall codes ---- */
#define HVCALL_CREATE_PARTITION			0x0040
#define HVCALL_INITIALIZE_PARTITION		0x0041
#define HVCALL_FINALIZE_PARTITION		0x0042
#define HVCALL_DELETE_PARTITION			0x0043
#define HVCALL_GET_PARTITION_PROPERTY		0x0044
#define HVCALL_SET_PARTITION_PROPERTY		0x0045
#define HVCALL_GET_PARTITION_ID			0x0046
#define HVCALL_DEPOSIT_MEMORY			0x0048
#define HVCALL_WITHDRAW_MEMORY			0x0049
#define HVCALL_MAP_GPA_PAGES			0x004b
#define HVCALL_UNMAP_GPA_PAGES			0x004c
#define HVCALL_INSTALL_INTERCEPT		0x004d
#define HVCALL_CREATE_VP			0x004e
#define HVCALL_DELETE_VP			0x004f
#define HVCALL_GET_VP_REGISTERS			0x0050
#define HVCALL_SET_VP_REGISTERS			0x0051
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS	0x0052
#define HVCALL_READ_GPA				0x0053
#define HVCALL_WRITE_GPA			0x0054
#define HVCALL_CLEAR_VIRTUAL_INTERRUPT		0x0056
#define HVCALL_POST_MESSAGE			0x005c
#define HVCALL_SIGNAL_EVENT			0x005d
#define HVCALL_MAP_STATS_PAGE			0x006c
#define HVCALL_UNMAP_STATS_PAGE			0x006d
#define HVCALL_GET_SYSTEM_PROPERTY		0x007b
#define HVCALL_NOTIFY_PORT_RING_EMPTY		0x008b
#define HVCALL_SCRUB_PARTITION			0x008d
#define HVCALL_REGISTER_INTERCEPT_RESULT	0x0091
#define HVCALL_ASSERT_VIRTUAL_INTERRUPT		0x0094
#define HVCALL_CREATE_PORT			0x0095
#define HVCALL_CONNECT_PORT			0x0096
#define HVCALL_SIGNAL_EVENT_DIRECT		0x00c0
#define HVCALL_POST_MESSAGE_DIRECT		0x00c1
#define HVCALL_DISPATCH_VP			0x00c2
#define HVCALL_GET_GPA_PAGES_ACCESS_STATES	0x00c9
#define HVCALL_MAP_VP_STATE_PAGE		0x00e1
#define HVCALL_UNMAP_VP_STATE_PAGE		0x00e2
#define HVCALL_GET_VP_STATE			0x00e3
#define HVCALL_SET_VP_STATE			0x00e4
#define HVCALL_IMPORT_ISOLATED_PAGES		0x00ef
#define HVCALL_COMPLETE_ISOLATED_IMPORT		0x00f1
#define HVCALL_ISSUE_SNP_PSP_GUEST_REQUEST	0x00f2
#define HVCALL_GET_VP_CPUID_VALUES		0x00f4
#define HVCALL_GET_PARTITION_PROPERTY_EX	0x0101
#define HVCALL_MMIO_READ			0x0106
#define HVCALL_MMIO_WRITE			0x0107

/* ---- Hypercall control word (input) ---- */
#define HV_HYPERCALL_CODE_MASK		0x000000000000FFFFULL
#define HV_HYPERCALL_FAST_BIT		(1ULL << 16)
#define HV_HYPERCALL_VARHEAD_OFFSET	17
#define HV_HYPERCALL_VARHEAD_MASK	(0x3FFULL << HV_HYPERCALL_VARHEAD_OFFSET)
#define HV_HYPERCALL_NESTED		(1ULL << 31)
#define HV_HYPERCALL_REP_COMP_OFFSET	32
#define HV_HYPERCALL_REP_COMP_1		(1ULL << HV_HYPERCALL_REP_COMP_OFFSET)
#define HV_HYPERCALL_REP_COMP_MASK	(0xFFFULL << HV_HYPERCALL_REP_COMP_OFFSET)
#define HV_HYPERCALL_REP_START_OFFSET	48
#define HV_HYPERCALL_REP_START_MASK	(0xFFFULL << HV_HYPERCALL_REP_START_OFFSET)

/* ---- Hypercall result value (output) ---- */
#define HV_HYPERCALL_RESULT_MASK	0x000000000000FFFFULL

/* Accessors.  In the input control word the rep count occupies the
 * same bits (32-43) as "reps completed" in the result value. */
#define HV_HYPERCALL_CONTROL_CODE(ctl)		((uint16_t)((ctl) & HV_HYPERCALL_CODE_MASK))
#define HV_HYPERCALL_CONTROL_IS_FAST(ctl)	(!!((ctl) & HV_HYPERCALL_FAST_BIT))
#define HV_HYPERCALL_CONTROL_VARHEAD(ctl)	\
	((uint32_t)(((ctl) & HV_HYPERCALL_VARHEAD_MASK) >> HV_HYPERCALL_VARHEAD_OFFSET))
#define HV_HYPERCALL_CONTROL_REP_COUNT(ctl)	\
	((uint32_t)(((ctl) & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET))
#define HV_HYPERCALL_CONTROL_REP_START(ctl)	\
	((uint32_t)(((ctl) & HV_HYPERCALL_REP_START_MASK) >> HV_HYPERCALL_REP_START_OFFSET))
#define HV_HYPERCALL_MAKE_CONTROL(code, rep_count, rep_start)		\
	(((uint64_t)(code) & HV_HYPERCALL_CODE_MASK) |			\
	 (((uint64_t)(rep_count) << HV_HYPERCALL_REP_COMP_OFFSET) &	\
	  HV_HYPERCALL_REP_COMP_MASK) |					\
	 (((uint64_t)(rep_start) << HV_HYPERCALL_REP_START_OFFSET) &	\
	  HV_HYPERCALL_REP_START_MASK))
#define HV_HYPERCALL_MAKE_RESULT(status, reps_completed)		\
	(((uint64_t)(status) & HV_HYPERCALL_RESULT_MASK) |		\
	 (((uint64_t)(reps_completed) << HV_HYPERCALL_REP_COMP_OFFSET) &	\
	  HV_HYPERCALL_REP_COMP_MASK))

static inline uint16_t hv_result(uint64_t status)
{
	return (uint16_t)(status & HV_HYPERCALL_RESULT_MASK);
}

static inline int hv_result_success(uint64_t status)
{
	return hv_result(status) == HV_STATUS_SUCCESS;
}

static inline uint32_t hv_repcomp(uint64_t status)
{
	return (uint32_t)((status & HV_HYPERCALL_REP_COMP_MASK) >>
			  HV_HYPERCALL_REP_COMP_OFFSET);
}

/* ---- Intercepts ---- */
enum hv_intercept_type {
	HV_INTERCEPT_TYPE_X64_IO_PORT			= 0x00000000,
	HV_INTERCEPT_TYPE_X64_MSR			= 0x00000001,
	HV_INTERCEPT_TYPE_X64_CPUID			= 0x00000002,
	HV_INTERCEPT_TYPE_EXCEPTION			= 0x00000003,
	HV_INTERCEPT_TYPE_RESERVED0			= 0x00000004,
	HV_INTERCEPT_TYPE_MMIO				= 0x00000005,
	HV_INTERCEPT_TYPE_X64_GLOBAL_CPUID		= 0x00000006,
	HV_INTERCEPT_TYPE_X64_APIC_SMI			= 0x00000007,
	HV_INTERCEPT_TYPE_HYPERCALL			= 0x00000008,
	HV_INTERCEPT_TYPE_X64_APIC_INIT_SIPI		= 0x00000009,
	HV_INTERCEPT_MC_UPDATE_PATCH_LEVEL_MSR_READ	= 0x0000000A,
	HV_INTERCEPT_TYPE_X64_APIC_WRITE		= 0x0000000B,
	HV_INTERCEPT_TYPE_X64_MSR_INDEX			= 0x0000000C,
	HV_INTERCEPT_TYPE_MAX,
	HV_INTERCEPT_TYPE_INVALID			= 0xFFFFFFFF,
};

union hv_intercept_parameters {
	/* HV_INTERCEPT_PARAMETERS is defined to be an 8-byte field. */
	uint64_t as_uint64;
	/* HV_INTERCEPT_TYPE_X64_IO_PORT */
	uint16_t io_port;
	/* HV_INTERCEPT_TYPE_X64_CPUID */
	uint32_t cpuid_index;
	/* HV_INTERCEPT_TYPE_X64_APIC_WRITE */
	uint32_t apic_write_mask;
	/* HV_INTERCEPT_TYPE_EXCEPTION */
	uint16_t exception_vector;
	/* HV_INTERCEPT_TYPE_X64_MSR_INDEX */
	uint32_t msr_index;
	/* Other intercept types have no parameters. */
};

/* HVCALL_INSTALL_INTERCEPT: 24 bytes */
struct hv_input_install_intercept {
	uint64_t partition_id;
	uint32_t access_type;		/* mask of HV_INTERCEPT_ACCESS_MASK_* */
	uint32_t intercept_type;	/* enum hv_intercept_type */
	union {
		/* kernel name */
		union hv_intercept_parameters intercept_parameter;
		/* alias */
		union hv_intercept_parameters parameters;
	};
} __attribute__((packed));

/* ---- Partition properties ---- */

/* HVCALL_GET_PARTITION_PROPERTY: 16 -> 8 bytes */
struct hv_input_get_partition_property {
	uint64_t partition_id;
	uint32_t property_code;		/* enum hv_partition_property_code */
	uint32_t padding;
} __attribute__((packed));

struct hv_output_get_partition_property {
	uint64_t property_value;
} __attribute__((packed));

/* HVCALL_SET_PARTITION_PROPERTY: 24 bytes */
struct hv_input_set_partition_property {
	uint64_t partition_id;
	uint32_t property_code;		/* enum hv_partition_property_code */
	uint32_t padding;
	uint64_t property_value;
} __attribute__((packed));

/* HVCALL_GET_PARTITION_PROPERTY_EX: 24 -> up to 4072 bytes */
struct hv_input_get_partition_property_ex {
	uint64_t partition_id;
	uint32_t property_code;		/* enum hv_partition_property_code */
	uint32_t padding;
	union {
		uint64_t arg;
		uint64_t as_uint64;
	};
} __attribute__((packed));

#define HV_PARTITION_PROPERTY_EX_MAX_VAR_SIZE	(HV_HYP_PAGE_SIZE - 3 * 8)	/* 4072 */
#define HV_PARTITION_VMM_CAPABILITIES_BANK_COUNT 1

struct hv_partition_property_vmm_capabilities {
	uint16_t bank_count;
	uint16_t reserved[3];
	union {
		uint64_t as_uint64[HV_PARTITION_VMM_CAPABILITIES_BANK_COUNT];
		struct {
			uint64_t map_gpa_preserve_adjustable:1;
			uint64_t vmm_can_provide_overlay_gpfn:1;
			uint64_t vp_affinity_property:1;
			uint64_t vmm_can_provide_gic_overlay_locations:1; /* arm64 */
			uint64_t assignable_synthetic_proc_features:1;
			uint64_t reserved0:59;
		} __attribute__((packed));
	};
} __attribute__((packed));

union hv_partition_property_ex {
	uint8_t buffer[HV_PARTITION_PROPERTY_EX_MAX_VAR_SIZE];
	struct hv_partition_property_vmm_capabilities vmm_capabilities;
	/* HV_PARTITION_PROPERTY_ASSIGNABLE_SYNTHETIC_PROC_FEATURES: rust-vmm
	 * reads the u64 at byte offset 8 (same place as the vmm caps bank). */
};

struct hv_output_get_partition_property_ex {
	union hv_partition_property_ex property_value;
} __attribute__((packed));

/* ---- VP registers ---- */

/* HVCALL_GET_VP_REGISTERS (rep): 16 + 4n -> 16n (union hv_register_value[n]) */
struct hv_input_get_vp_registers {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd_z8;
	uint16_t rsvd_z16;
	uint32_t names[];		/* enum hv_register_name */
} __attribute__((packed));

/* HVCALL_SET_VP_REGISTERS (rep): 16 + 32n */
struct hv_input_set_vp_registers {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd_z8;
	uint16_t rsvd_z16;
	struct hv_register_assoc elements[];
} __attribute__((packed));

/* ---- GVA translation ---- */

/* control_flags */
#define HV_TRANSLATE_GVA_VALIDATE_READ		0x0001
#define HV_TRANSLATE_GVA_VALIDATE_WRITE		0x0002
#define HV_TRANSLATE_GVA_VALIDATE_EXECUTE	0x0004
#define HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT	0x0008
#define HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS	0x0010
#define HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT	0x0020
#define HV_TRANSLATE_GVA_SUPERVISOR_ACCESS	0x0040
#define HV_TRANSLATE_GVA_USER_ACCESS		0x0080
#define HV_TRANSLATE_GVA_ENFORCE_SMAP		0x0100
#define HV_TRANSLATE_GVA_OVERRIDE_SMAP		0x0200
#define HV_TRANSLATE_GVA_SHADOW_STACK		0x0400
#define HV_TRANSLATE_GVA_INPUT_VTL_SHIFT	56
#define HV_TRANSLATE_GVA_INPUT_VTL_MASK		(0xFFULL << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT)

enum hv_translate_gva_result_code {
	HV_TRANSLATE_GVA_SUCCESS			= 0,
	/* Translation failures */
	HV_TRANSLATE_GVA_PAGE_NOT_PRESENT		= 1,
	HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION		= 2,
	HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS	= 3,
	/* GPA access failures */
	HV_TRANSLATE_GVA_GPA_UNMAPPED			= 4,
	HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS		= 5,
	HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS		= 6,
	HV_TRANSLATE_GVA_GPA_ILLEGAL_OVERLAY_ACCESS	= 7,
	/* Intercept by a higher VTL or a nested hypervisor */
	HV_TRANSLATE_GVA_INTERCEPT			= 8,
	HV_TRANSLATE_GVA_GPA_UNACCEPTED			= 9,
};

union hv_translate_gva_result {
	uint64_t as_uint64;
	struct {
		uint32_t result_code;	/* enum hv_translate_gva_result_code */
		uint32_t cache_type:8;	/* enum hv_cache_type */
		uint32_t overlay_page:1;
		uint32_t reserved:23;
	} __attribute__((packed));
};

/* HVCALL_TRANSLATE_VIRTUAL_ADDRESS: 32 -> 16 bytes */
struct hv_input_translate_virtual_address {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t padding;
	uint64_t control_flags;		/* HV_TRANSLATE_GVA_* */
	uint64_t gva_page;
} __attribute__((packed));

struct hv_output_translate_virtual_address {
	union hv_translate_gva_result translation_result;
	uint64_t gpa_page;
} __attribute__((packed));

/* ---- GPA read / write ---- */

#define HV_READ_WRITE_GPA_MAX_SIZE	16

enum hv_access_gpa_result_code {
	HV_ACCESS_GPA_SUCCESS			= 0,
	HV_ACCESS_GPA_UNMAPPED			= 1,
	HV_ACCESS_GPA_READ_INTERCEPT		= 2,
	HV_ACCESS_GPA_WRITE_INTERCEPT		= 3,
	HV_ACCESS_GPA_ILLEGAL_OVERLAY_ACCESS	= 4,
};

union hv_access_gpa_result {
	uint64_t as_uint64;
	struct {
		uint32_t result_code;	/* enum hv_access_gpa_result_code */
		uint32_t reserved;
	} __attribute__((packed));
};

union hv_access_gpa_control_flags {
	uint64_t as_uint64;
	struct {
		uint64_t cache_type:8;	/* enum hv_cache_type */
		uint64_t reserved:56;
	} __attribute__((packed));
};

/* HVCALL_READ_GPA: 32 -> 24 bytes */
struct hv_input_read_gpa {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t byte_count;
	uint64_t base_gpa;
	union hv_access_gpa_control_flags control_flags;
} __attribute__((packed));

struct hv_output_read_gpa {
	union hv_access_gpa_result access_result;
	uint8_t data[HV_READ_WRITE_GPA_MAX_SIZE];
} __attribute__((packed));

/* HVCALL_WRITE_GPA: 48 -> 8 bytes */
struct hv_input_write_gpa {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t byte_count;
	uint64_t base_gpa;
	union hv_access_gpa_control_flags control_flags;
	uint8_t data[HV_READ_WRITE_GPA_MAX_SIZE];
} __attribute__((packed));

struct hv_output_write_gpa {
	union hv_access_gpa_result access_result;
} __attribute__((packed));

/* ---- Interrupts ---- */

/* HVCALL_CLEAR_VIRTUAL_INTERRUPT: 8 bytes */
struct hv_input_clear_virtual_interrupt {
	uint64_t partition_id;
} __attribute__((packed));

enum hv_interrupt_type {
	HV_X64_INTERRUPT_TYPE_FIXED		= 0x0000,
	HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY	= 0x0001,
	HV_X64_INTERRUPT_TYPE_SMI		= 0x0002,
	HV_X64_INTERRUPT_TYPE_REMOTEREAD	= 0x0003,
	HV_X64_INTERRUPT_TYPE_NMI		= 0x0004,
	HV_X64_INTERRUPT_TYPE_INIT		= 0x0005,
	HV_X64_INTERRUPT_TYPE_SIPI		= 0x0006,
	HV_X64_INTERRUPT_TYPE_EXTINT		= 0x0007,
	HV_X64_INTERRUPT_TYPE_LOCALINT0		= 0x0008,
	HV_X64_INTERRUPT_TYPE_LOCALINT1		= 0x0009,
	HV_X64_INTERRUPT_TYPE_MAXIMUM		= 0x000A,
};

union hv_interrupt_control {
	uint64_t as_uint64;
	struct {
		uint32_t interrupt_type;	/* enum hv_interrupt_type */
		uint32_t level_triggered:1;	/* bit 32 */
		uint32_t logical_dest_mode:1;	/* bit 33 */
		uint32_t rsvd:28;
		uint32_t long_mode:1;		/* bit 62 (set by rust-vmm) */
		uint32_t rsvd1:1;
	} __attribute__((packed));
};

/* HVCALL_ASSERT_VIRTUAL_INTERRUPT: 32 bytes */
struct hv_input_assert_virtual_interrupt {
	uint64_t partition_id;
	union hv_interrupt_control control;
	uint64_t dest_addr;		/* cpu's apic id */
	uint32_t vector;
	uint8_t target_vtl;
	uint8_t rsvd_z0;
	uint16_t rsvd_z1;
} __attribute__((packed));

/* ---- Register intercept result ---- */

struct hv_register_x64_cpuid_result_parameters {
	struct {
		uint32_t eax;
		uint32_t ecx;
		uint8_t subleaf_specific;
		uint8_t always_override;
		uint16_t padding;
	} __attribute__((packed)) input;
	struct {
		uint32_t eax;
		uint32_t eax_mask;
		uint32_t ebx;
		uint32_t ebx_mask;
		uint32_t ecx;
		uint32_t ecx_mask;
		uint32_t edx;
		uint32_t edx_mask;
	} __attribute__((packed)) result;
} __attribute__((packed));

struct hv_register_x64_msr_result_parameters {
	uint32_t msr_index;
	uint32_t access_type;		/* HV_INTERCEPT_ACCESS_MASK_* */
	uint32_t action;		/* enum hv_unimplemented_msr_action */
} __attribute__((packed));

union hv_register_intercept_result_parameters {
	struct hv_register_x64_cpuid_result_parameters cpuid;
	struct hv_register_x64_msr_result_parameters msr;
} __attribute__((packed));

/* HVCALL_REGISTER_INTERCEPT_RESULT: 60 bytes */
struct hv_input_register_intercept_result {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t intercept_type;	/* enum hv_intercept_type */
	union hv_register_intercept_result_parameters parameters;
} __attribute__((packed));

/* ---- SynIC direct signalling / messages ---- */

/* HVCALL_SIGNAL_EVENT_DIRECT: 16 -> 8 bytes */
struct hv_input_signal_event_direct {
	uint64_t target_partition;
	uint32_t target_vp;
	uint8_t target_vtl;
	uint8_t target_sint;
	uint16_t flag_number;
} __attribute__((packed));

struct hv_output_signal_event_direct {
	uint8_t newly_signaled;
	uint8_t reserved[7];
} __attribute__((packed));

/* HVCALL_POST_MESSAGE_DIRECT: 280 bytes */
struct hv_input_post_message_direct {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t vtl;
	uint8_t padding[3];
	uint32_t sint_index;
	uint8_t message[HV_MESSAGE_SIZE];
	uint32_t padding2;
} __attribute__((packed));

/* ---- GPA access (dirty) tracking ---- */

union hv_gpa_page_access_state_flags {
	struct {
		uint64_t clear_accessed:1;
		uint64_t set_accessed:1;
		uint64_t clear_dirty:1;
		uint64_t set_dirty:1;
		uint64_t reserved:60;
	} __attribute__((packed));
	uint64_t as_uint64;
};

/* HVCALL_GET_GPA_PAGES_ACCESS_STATES (rep): 24 -> n bytes */
struct hv_input_get_gpa_pages_access_state {
	uint64_t partition_id;
	union hv_gpa_page_access_state_flags flags;
	uint64_t hv_gpa_page_number;
} __attribute__((packed));

union hv_gpa_page_access_state {
	struct {
		uint8_t accessed:1;
		uint8_t dirty:1;
		uint8_t reserved:6;
	} __attribute__((packed));
	uint8_t as_uint8;
};

/* ---- CPUID values ---- */

union hv_get_vp_cpuid_values_flags {
	uint32_t as_uint32;
	struct {
		uint32_t use_vp_xfem_xss:1;
		uint32_t apply_registered_values:1;
		uint32_t reserved:30;
	} __attribute__((packed));
};

struct hv_cpuid_leaf_info {
	uint32_t eax;
	uint32_t ecx;
	uint64_t xfem;
	uint64_t xss;
} __attribute__((packed));

/* HVCALL_GET_VP_CPUID_VALUES (rep): 24 + 24n -> 16n bytes */
struct hv_input_get_vp_cpuid_values {
	uint64_t partition_id;
	uint32_t vp_index;
	union hv_get_vp_cpuid_values_flags flags;
	uint32_t reserved;
	uint32_t padding;
	struct hv_cpuid_leaf_info cpuid_leaf_info[];
} __attribute__((packed));

union hv_output_get_vp_cpuid_values {
	uint32_t as_uint32[4];
	struct {
		uint32_t eax;
		uint32_t ebx;
		uint32_t ecx;
		uint32_t edx;
	} __attribute__((packed));
};

/* ---- Kernel-internal hypercalls (not reachable via MSHV_ROOT_HVCALL) ---- */

/* HVCALL_CREATE_PARTITION: 56 -> 8 bytes */
struct hv_input_create_partition {
	uint64_t flags;			/* HV_PARTITION_CREATION_FLAG_* */
	uint64_t proximity_domain_info;
	uint32_t compatibility_version;
	uint32_t padding;
	struct hv_partition_creation_properties partition_creation_properties;
	union hv_partition_isolation_properties isolation_properties;
} __attribute__((packed));

struct hv_output_create_partition {
	uint64_t partition_id;
} __attribute__((packed));

/* HVCALL_MAP_GPA_PAGES (rep): 24 + 8n */
struct hv_input_map_gpa_pages {
	uint64_t target_partition_id;
	uint64_t target_gpa_base;	/* gfn */
	uint32_t map_flags;		/* HV_MAP_GPA_* */
	uint32_t padding;
	uint64_t source_gpa_page_list[];
} __attribute__((packed));

/* HVCALL_UNMAP_GPA_PAGES (rep) */
struct hv_input_unmap_gpa_pages {
	uint64_t target_partition_id;
	uint64_t target_gpa_base;
	uint32_t unmap_flags;
	uint32_t padding;
} __attribute__((packed));

/* HVCALL_DISPATCH_VP (root scheduler) */
#define HV_DISPATCH_VP_FLAG_CLEAR_INTERCEPT_SUSPEND	0x1
#define HV_DISPATCH_VP_FLAG_ENABLE_CALLER_INTERRUPTS	0x2
#define HV_DISPATCH_VP_FLAG_SET_CALLER_SPEC_CTRL	0x4
#define HV_DISPATCH_VP_FLAG_SKIP_VP_SPEC_FLUSH		0x8
#define HV_DISPATCH_VP_FLAG_SKIP_CALLER_SPEC_FLUSH	0x10
#define HV_DISPATCH_VP_FLAG_SKIP_CALLER_USER_SPEC_FLUSH	0x20

enum hv_vp_dispatch_state {
	HV_VP_DISPATCH_STATE_INVALID	= 0,
	HV_VP_DISPATCH_STATE_BLOCKED	= 1,
	HV_VP_DISPATCH_STATE_READY	= 2,
};

enum hv_vp_dispatch_event {
	HV_VP_DISPATCH_EVENT_INVALID	= 0,
	HV_VP_DISPATCH_EVENT_SUSPEND	= 1,
	HV_VP_DISPATCH_EVENT_INTERCEPT	= 2,
};

struct hv_input_dispatch_vp {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t flags;			/* HV_DISPATCH_VP_FLAG_* */
	uint64_t time_slice;		/* 100ns units, 0 = until event */
	uint64_t spec_ctrl;
} __attribute__((packed));

struct hv_output_dispatch_vp {
	uint32_t dispatch_state;	/* enum hv_vp_dispatch_state */
	uint32_t dispatch_event;	/* enum hv_vp_dispatch_event */
} __attribute__((packed));

#endif /* _MSHV_EMU_HYPERV_HV_HYPERCALL_H */
