/* SPDX-License-Identifier: MIT */
/*
 * Partition-level hypervisor ABI: property codes, synthetic / processor /
 * XSAVE feature banks, creation flags, isolation, GPA map flags, special
 * ids, and the guest-visible Hyper-V synthetic MSR numbers.
 * Values: docs/abi-hv.md §8, §9, §12.
 */
#ifndef _MSHV_EMU_HYPERV_HV_PARTITION_H
#define _MSHV_EMU_HYPERV_HV_PARTITION_H

#include <stdint.h>

/* Special ids */
#define HV_PARTITION_ID_SELF		((uint64_t)-1)
#define HV_VP_INDEX_SELF		((uint32_t)-2)
#define HV_ANY_VP			((uint32_t)-1)
#define HV_MAXIMUM_PROCESSORS		2048

#define HV_HYP_PAGE_SHIFT		12
#define HV_HYP_PAGE_SIZE		4096

/* Compatibility version passed in HVCALL_CREATE_PARTITION */
#define HV_COMPATIBILITY_21_H2		0x0609

enum hv_partition_property_code {
	/* Privilege properties */
	HV_PARTITION_PROPERTY_PRIVILEGE_FLAGS			= 0x00010000,
	HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES		= 0x00010001,

	/* Scheduling properties */
	HV_PARTITION_PROPERTY_SUSPEND				= 0x00020000,
	HV_PARTITION_PROPERTY_CPU_RESERVE			= 0x00020001,
	HV_PARTITION_PROPERTY_CPU_CAP				= 0x00020002,
	HV_PARTITION_PROPERTY_CPU_WEIGHT			= 0x00020003,
	HV_PARTITION_PROPERTY_CPU_GROUP_ID			= 0x00020004,
	HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED	= 0x00020005,

	/* Time properties */
	HV_PARTITION_PROPERTY_TIME_FREEZE			= 0x00030003,
	HV_PARTITION_PROPERTY_REFERENCE_TIME			= 0x00030005,

	/* Debugging properties */
	HV_PARTITION_PROPERTY_DEBUG_CHANNEL_ID			= 0x00040000,

	/* Resource properties */
	HV_PARTITION_PROPERTY_VIRTUAL_TLB_PAGE_COUNT		= 0x00050000,
	HV_PARTITION_PROPERTY_VSM_CONFIG			= 0x00050001,
	HV_PARTITION_PROPERTY_ZERO_MEMORY_ON_RESET		= 0x00050002,
	HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET		= 0x00050003,
	HV_PARTITION_PROPERTY_NESTED_TLB_SIZE			= 0x00050004,
	HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING		= 0x00050005,
	HV_PARTITION_PROPERTY_VSM_PERMISSIONS_DIRTY_SINCE_LAST_QUERY = 0x00050006,
	HV_PARTITION_PROPERTY_SGX_LAUNCH_CONTROL_CONFIG		= 0x00050007,
	HV_PARTITION_PROPERTY_DEFAULT_SGX_LAUNCH_CONTROL0	= 0x00050008,
	HV_PARTITION_PROPERTY_DEFAULT_SGX_LAUNCH_CONTROL1	= 0x00050009,
	HV_PARTITION_PROPERTY_DEFAULT_SGX_LAUNCH_CONTROL2	= 0x0005000a,
	HV_PARTITION_PROPERTY_DEFAULT_SGX_LAUNCH_CONTROL3	= 0x0005000b,
	HV_PARTITION_PROPERTY_ISOLATION_STATE			= 0x0005000c,
	HV_PARTITION_PROPERTY_ISOLATION_CONTROL			= 0x0005000d,
	HV_PARTITION_PROPERTY_ALLOCATION_ID			= 0x0005000e,
	HV_PARTITION_PROPERTY_MONITORING_ID			= 0x0005000f,
	HV_PARTITION_PROPERTY_IMPLEMENTED_PHYSICAL_ADDRESS_BITS	= 0x00050010,
	HV_PARTITION_PROPERTY_NON_ARCHITECTURAL_CORE_SHARING	= 0x00050011,
	HV_PARTITION_PROPERTY_HYPERCALL_DOORBELL_PAGE		= 0x00050012,
	HV_PARTITION_PROPERTY_ISOLATION_POLICY			= 0x00050014,
	HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION		= 0x00050017,
	HV_PARTITION_PROPERTY_SEV_VMGEXIT_OFFLOADS		= 0x00050022,
	HV_PARTITION_PROPERTY_PARTITION_DIAG_BUFFER_CONFIG	= 0x00050026,
	HV_PARTITION_PROPERTY_GICD_BASE_ADDRESS			= 0x00050028,
	HV_PARTITION_PROPERTY_GITS_TRANSLATER_BASE_ADDRESS	= 0x00050029,
	HV_PARTITION_PROPERTY_GIC_LPI_INT_ID_BITS		= 0x0005002A,
	HV_PARTITION_PROPERTY_GIC_PPI_OVERFLOW_INTERRUPT_FROM_CNTV = 0x0005002B,
	HV_PARTITION_PROPERTY_GIC_PPI_OVERFLOW_INTERRUPT_FROM_CNTP = 0x0005002C,
	HV_PARTITION_PROPERTY_GIC_PPI_PERFORMANCE_MONITORS_INTERRUPT = 0x0005002D,
	HV_PARTITION_PROPERTY_GIC_PPI_PMBIRQ			= 0x0005002E,

	/* Compatibility properties */
	HV_PARTITION_PROPERTY_PROCESSOR_VENDOR			= 0x00060000,
	HV_PARTITION_PROPERTY_PROCESSOR_FEATURES_DEPRECATED	= 0x00060001,
	HV_PARTITION_PROPERTY_PROCESSOR_XSAVE_FEATURES		= 0x00060002,
	HV_PARTITION_PROPERTY_PROCESSOR_CL_FLUSH_SIZE		= 0x00060003,
	HV_PARTITION_PROPERTY_ENLIGHTENMENT_MODIFICATIONS	= 0x00060004,
	HV_PARTITION_PROPERTY_COMPATIBILITY_VERSION		= 0x00060005,
	HV_PARTITION_PROPERTY_PHYSICAL_ADDRESS_WIDTH		= 0x00060006,
	HV_PARTITION_PROPERTY_XSAVE_STATES			= 0x00060007,
	HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE		= 0x00060008,
	HV_PARTITION_PROPERTY_PROCESSOR_CLOCK_FREQUENCY		= 0x00060009,
	HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0		= 0x0006000a,
	HV_PARTITION_PROPERTY_PROCESSOR_FEATURES1		= 0x0006000b,

	/* Guest software properties */
	HV_PARTITION_PROPERTY_GUEST_OS_ID			= 0x00070000,

	/* Nested virtualization properties */
	HV_PARTITION_PROPERTY_PROCESSOR_VIRTUALIZATION_FEATURES	= 0x00080000,

	/* Extended properties (HVCALL_GET_PARTITION_PROPERTY_EX) */
	HV_PARTITION_PROPERTY_VMM_CAPABILITIES			= 0x00090007,
	HV_PARTITION_PROPERTY_ASSIGNABLE_SYNTHETIC_PROC_FEATURES = 0x00090009,
};

/* HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION values */
enum hv_unimplemented_msr_action {
	HV_UNIMPLEMENTED_MSR_ACTION_FAULT			= 0,
	HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO	= 1,
	HV_UNIMPLEMENTED_MSR_ACTION_COUNT			= 2,
};

/* HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES (bank 0) */
#define HV_PARTITION_SYNTHETIC_PROCESSOR_FEATURES_BANKS 1

union hv_partition_synthetic_processor_features {
	uint64_t as_uint64[HV_PARTITION_SYNTHETIC_PROCESSOR_FEATURES_BANKS];
	struct {
		uint64_t hypervisor_present:1;			/* 0 */
		uint64_t hv1:1;					/* 1 */
		uint64_t access_vp_run_time_reg:1;		/* 2 */
		uint64_t access_partition_reference_counter:1;	/* 3 */
		uint64_t access_synic_regs:1;			/* 4 */
		uint64_t access_synthetic_timer_regs:1;		/* 5 */
		uint64_t access_intr_ctrl_regs:1;		/* 6 */
		uint64_t access_hypercall_regs:1;		/* 7 */
		uint64_t access_vp_index:1;			/* 8 */
		uint64_t access_partition_reference_tsc:1;	/* 9 */
		uint64_t access_guest_idle_reg:1;		/* 10 */
		uint64_t access_frequency_regs:1;		/* 11 */
		uint64_t reserved_z12:1;
		uint64_t reserved_z13:1;
		uint64_t reserved_z14:1;
		uint64_t enable_extended_gva_ranges_for_flush_virtual_address_list:1; /* 15 */
		uint64_t access_vsm:1;				/* 16 */
		uint64_t reserved_z17:1;
		uint64_t fast_hypercall_output:1;		/* 18 */
		uint64_t reserved_z19:1;
		uint64_t start_virtual_processor:1;		/* 20 */
		uint64_t reserved_z21:1;
		uint64_t direct_synthetic_timers:1;		/* 22 */
		uint64_t reserved_z23:1;
		uint64_t extended_processor_masks:1;		/* 24 */
		uint64_t tb_flush_hypercalls:1;			/* 25 */
		uint64_t synthetic_cluster_ipi:1;		/* 26 */
		uint64_t notify_long_spin_wait:1;		/* 27 */
		uint64_t query_numa_distance:1;			/* 28 */
		uint64_t signal_events:1;			/* 29 */
		uint64_t retarget_device_interrupt:1;		/* 30 */
		uint64_t restore_time:1;			/* 31 */
		uint64_t enlightened_vmcs:1;			/* 32 */
		uint64_t nested_debug_ctl:1;			/* 33 */
		uint64_t synthetic_time_unhalted_timer:1;	/* 34 */
		uint64_t idle_spec_ctrl:1;			/* 35 */
		uint64_t reserved_z36:1;
		uint64_t wake_vps:1;				/* 37 */
		uint64_t access_vp_regs:1;			/* 38 */
		uint64_t reserved_z39:1;
		uint64_t management_vtl_synic_support:1;	/* 40 */
		uint64_t proxy_interrupt_doorbell_support:1;	/* 41 */
		uint64_t reserved_z42:1;
		uint64_t mmio_hypercalls:1;			/* 43 */
		uint64_t reserved_z44:1;
		uint64_t map_partition_event_log_buffer:1;	/* 45 */
		uint64_t lower_vtl_guest_request_support:1;	/* 46 */
		uint64_t proxy_interrupt_redirect_support:1;	/* 47 */
		uint64_t install_intercept:1;			/* 48 */
		uint64_t reserved_z49:1;
		uint64_t pin_gpa_page_range_support:1;		/* 50 */
		uint64_t heat_hint_beneficial_support:1;	/* 51 */
		uint64_t ring_buffer_message_port_support:1;	/* 52 */
		uint64_t flush_guest_physical_address_space:1;	/* 53 */
		uint64_t reserved_z54:10;
	} __attribute__((packed));
};

/* HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0/1: two raw 64-bit banks */
#define HV_PARTITION_PROCESSOR_FEATURES_BANKS 2

union hv_partition_processor_features {
	uint64_t as_uint64[HV_PARTITION_PROCESSOR_FEATURES_BANKS];
};

/* HV_PARTITION_PROPERTY_PROCESSOR_XSAVE_FEATURES */
union hv_partition_processor_xsave_features {
	struct {
		uint64_t xsave_support:1;		/* 0 */
		uint64_t xsaveopt_support:1;		/* 1 */
		uint64_t avx_support:1;			/* 2 */
		uint64_t avx2_support:1;		/* 3 */
		uint64_t fma_support:1;			/* 4 */
		uint64_t mpx_support:1;			/* 5 */
		uint64_t avx512_support:1;		/* 6 */
		uint64_t avx512_dq_support:1;		/* 7 */
		uint64_t avx512_cd_support:1;		/* 8 */
		uint64_t avx512_bw_support:1;		/* 9 */
		uint64_t avx512_vl_support:1;		/* 10 */
		uint64_t xsave_comp_support:1;		/* 11 */
		uint64_t xsave_supervisor_support:1;	/* 12 */
		uint64_t reserved:51;
	} __attribute__((packed));
	uint64_t as_uint64;
};

/* Passed to HVCALL_CREATE_PARTITION: 24 bytes */
struct hv_partition_creation_properties {
	union hv_partition_processor_features disabled_processor_features;
	union hv_partition_processor_xsave_features disabled_processor_xsave_features;
} __attribute__((packed));

/* Partition creation flags (HVCALL_CREATE_PARTITION) */
#define HV_PARTITION_CREATION_FLAG_SMT_ENABLED_GUEST			(1ULL << 0)
#define HV_PARTITION_CREATION_FLAG_NESTED_VIRTUALIZATION_CAPABLE	(1ULL << 1)
#define HV_PARTITION_CREATION_FLAG_GPA_SUPER_PAGES_ENABLED		(1ULL << 4)
#define HV_PARTITION_CREATION_FLAG_EXO_PARTITION			(1ULL << 8)
#define HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED			(1ULL << 13)
#define HV_PARTITION_CREATION_FLAG_INTERCEPT_MESSAGE_PAGE_ENABLED	(1ULL << 19)
#define HV_PARTITION_CREATION_FLAG_X2APIC_CAPABLE			(1ULL << 22)

/* Isolation */
#define HV_PARTITION_ISOLATION_TYPE_NONE	0
#define HV_PARTITION_ISOLATION_TYPE_VBS		1
#define HV_PARTITION_ISOLATION_TYPE_SNP		2
#define HV_PARTITION_ISOLATION_TYPE_TDX		3

union hv_partition_isolation_properties {
	uint64_t as_uint64;
	struct {
		uint64_t isolation_type:5;
		uint64_t isolation_host_type:2;
		uint64_t rsvd_z:5;
		uint64_t shared_gpa_boundary_page_number:52;
	} __attribute__((packed));
};

/* HVCALL_MAP_GPA_PAGES flags */
#define HV_MAP_GPA_READABLE		0x00000001
#define HV_MAP_GPA_WRITABLE		0x00000002
#define HV_MAP_GPA_KERNEL_EXECUTABLE	0x00000004
#define HV_MAP_GPA_USER_EXECUTABLE	0x00000008
#define HV_MAP_GPA_EXECUTABLE		0x0000000C
#define HV_MAP_GPA_PERMISSIONS_MASK	0x0000000F
#define HV_MAP_GPA_ADJUSTABLE		0x00008000
#define HV_MAP_GPA_NO_ACCESS		0x00010000
#define HV_MAP_GPA_NOT_CACHED		0x00200000
#define HV_MAP_GPA_LARGE_PAGE		0x80000000

/* Root partition SynIC SINT assignment */
#define HV_SYNIC_INTERCEPTION_SINT_INDEX	0
#define HV_SYNIC_IOMMU_FAULT_SINT_INDEX		1
#define HV_SYNIC_VMBUS_SINT_INDEX		2
#define HV_SYNIC_DOORBELL_SINT_INDEX		5

/* Hyper-V synthetic MSRs (guest visible) */
#define HV_X64_MSR_GUEST_OS_ID			0x40000000
#define HV_X64_MSR_HYPERCALL			0x40000001
#define HV_X64_MSR_VP_INDEX			0x40000002
#define HV_X64_MSR_RESET			0x40000003
#define HV_X64_MSR_VP_RUNTIME			0x40000010
#define HV_X64_MSR_TIME_REF_COUNT		0x40000020
#define HV_X64_MSR_REFERENCE_TSC		0x40000021
#define HV_X64_MSR_TSC_FREQUENCY		0x40000022
#define HV_X64_MSR_APIC_FREQUENCY		0x40000023
#define HV_X64_MSR_EOI				0x40000070
#define HV_X64_MSR_ICR				0x40000071
#define HV_X64_MSR_TPR				0x40000072
#define HV_X64_MSR_VP_ASSIST_PAGE		0x40000073
#define HV_X64_MSR_SCONTROL			0x40000080
#define HV_X64_MSR_SVERSION			0x40000081
#define HV_X64_MSR_SIEFP			0x40000082
#define HV_X64_MSR_SIMP				0x40000083
#define HV_X64_MSR_EOM				0x40000084
#define HV_X64_MSR_SIRBP			0x40000085
#define HV_X64_MSR_SINT0			0x40000090
#define HV_X64_MSR_SINT1			0x40000091
#define HV_X64_MSR_SINT2			0x40000092
#define HV_X64_MSR_SINT3			0x40000093
#define HV_X64_MSR_SINT4			0x40000094
#define HV_X64_MSR_SINT5			0x40000095
#define HV_X64_MSR_SINT6			0x40000096
#define HV_X64_MSR_SINT7			0x40000097
#define HV_X64_MSR_SINT8			0x40000098
#define HV_X64_MSR_SINT9			0x40000099
#define HV_X64_MSR_SINT10			0x4000009A
#define HV_X64_MSR_SINT11			0x4000009B
#define HV_X64_MSR_SINT12			0x4000009C
#define HV_X64_MSR_SINT13			0x4000009D
#define HV_X64_MSR_SINT14			0x4000009E
#define HV_X64_MSR_SINT15			0x4000009F
#define HV_X64_MSR_STIMER0_CONFIG		0x400000B0
#define HV_X64_MSR_STIMER0_COUNT		0x400000B1
#define HV_X64_MSR_STIMER1_CONFIG		0x400000B2
#define HV_X64_MSR_STIMER1_COUNT		0x400000B3
#define HV_X64_MSR_STIMER2_CONFIG		0x400000B4
#define HV_X64_MSR_STIMER2_COUNT		0x400000B5
#define HV_X64_MSR_STIMER3_CONFIG		0x400000B6
#define HV_X64_MSR_STIMER3_COUNT		0x400000B7
#define HV_X64_MSR_GUEST_IDLE			0x400000F0
#define HV_X64_MSR_CRASH_P0			0x40000100
#define HV_X64_MSR_CRASH_P1			0x40000101
#define HV_X64_MSR_CRASH_P2			0x40000102
#define HV_X64_MSR_CRASH_P3			0x40000103
#define HV_X64_MSR_CRASH_P4			0x40000104
#define HV_X64_MSR_CRASH_CTL			0x40000105
#define HV_X64_MSR_REENLIGHTENMENT_CONTROL	0x40000106
#define HV_X64_MSR_TSC_EMULATION_CONTROL	0x40000107
#define HV_X64_MSR_TSC_EMULATION_STATUS		0x40000108
#define HV_X64_MSR_TSC_INVARIANT_CONTROL	0x40000118

#endif /* _MSHV_EMU_HYPERV_HV_PARTITION_H */
