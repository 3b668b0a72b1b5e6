/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor register names (enum hv_register_name, x86-64) and register
 * value layouts (union hv_register_value, struct hv_register_assoc, ...).
 * Values: docs/abi-hv.md §6, §7.  Names follow the kernel's
 * include/hyperv/hvgdk_mini.h.
 */
#ifndef _MSHV_EMU_HYPERV_HV_REGS_H
#define _MSHV_EMU_HYPERV_HV_REGS_H

#include <stdint.h>

enum hv_register_name {
	/* Suspend / activity */
	HV_REGISTER_EXPLICIT_SUSPEND			= 0x00000000,
	HV_REGISTER_INTERCEPT_SUSPEND			= 0x00000001,
	HV_REGISTER_INSTRUCTION_EMULATION_HINTS		= 0x00000002,
	HV_REGISTER_DISPATCH_SUSPEND			= 0x00000003,
	HV_REGISTER_INTERNAL_ACTIVITY_STATE		= 0x00000004,

	/* Version (128-bit) */
	HV_REGISTER_HYPERVISOR_VERSION			= 0x00000100,

	/* Feature access (128-bit) */
	HV_REGISTER_PRIVILEGES_AND_FEATURES_INFO	= 0x00000200,
	HV_REGISTER_FEATURES_INFO			= 0x00000201,
	HV_REGISTER_IMPLEMENTATION_LIMITS_INFO		= 0x00000202,
	HV_REGISTER_HARDWARE_FEATURES_INFO		= 0x00000203,
	HV_REGISTER_CPU_MANAGEMENT_FEATURES_INFO	= 0x00000204,
	HV_REGISTER_SVM_FEATURES_INFO			= 0x00000205,
	HV_REGISTER_SKIP_LEVEL_FEATURES_INFO		= 0x00000206,
	HV_REGISTER_NESTED_VIRT_FEATURES_INFO		= 0x00000207,
	HV_REGISTER_IPT_FEATURES_INFO			= 0x00000208,

	/* Guest crash registers */
	HV_REGISTER_GUEST_CRASH_P0			= 0x00000210,
	HV_REGISTER_GUEST_CRASH_P1			= 0x00000211,
	HV_REGISTER_GUEST_CRASH_P2			= 0x00000212,
	HV_REGISTER_GUEST_CRASH_P3			= 0x00000213,
	HV_REGISTER_GUEST_CRASH_P4			= 0x00000214,
	HV_REGISTER_GUEST_CRASH_CTL			= 0x00000215,

	/* Pending events / interrupt state */
	HV_REGISTER_PENDING_INTERRUPTION		= 0x00010002,
	HV_REGISTER_INTERRUPT_STATE			= 0x00010003,
	HV_REGISTER_PENDING_EVENT0			= 0x00010004,
	HV_REGISTER_PENDING_EVENT1			= 0x00010005,
	HV_REGISTER_DELIVERABILITY_NOTIFICATIONS	= 0x00010006,
	HV_X64_REGISTER_DELIVERABILITY_NOTIFICATIONS	= 0x00010006,
	HV_X64_REGISTER_PENDING_DEBUG_EXCEPTION		= 0x00010007,

	/* General purpose registers */
	HV_X64_REGISTER_RAX				= 0x00020000,
	HV_X64_REGISTER_RCX				= 0x00020001,
	HV_X64_REGISTER_RDX				= 0x00020002,
	HV_X64_REGISTER_RBX				= 0x00020003,
	HV_X64_REGISTER_RSP				= 0x00020004,
	HV_X64_REGISTER_RBP				= 0x00020005,
	HV_X64_REGISTER_RSI				= 0x00020006,
	HV_X64_REGISTER_RDI				= 0x00020007,
	HV_X64_REGISTER_R8				= 0x00020008,
	HV_X64_REGISTER_R9				= 0x00020009,
	HV_X64_REGISTER_R10				= 0x0002000A,
	HV_X64_REGISTER_R11				= 0x0002000B,
	HV_X64_REGISTER_R12				= 0x0002000C,
	HV_X64_REGISTER_R13				= 0x0002000D,
	HV_X64_REGISTER_R14				= 0x0002000E,
	HV_X64_REGISTER_R15				= 0x0002000F,
	HV_X64_REGISTER_RIP				= 0x00020010,
	HV_X64_REGISTER_RFLAGS				= 0x00020011,

	/* Floating point and vector registers */
	HV_X64_REGISTER_XMM0				= 0x00030000,
	HV_X64_REGISTER_XMM1				= 0x00030001,
	HV_X64_REGISTER_XMM2				= 0x00030002,
	HV_X64_REGISTER_XMM3				= 0x00030003,
	HV_X64_REGISTER_XMM4				= 0x00030004,
	HV_X64_REGISTER_XMM5				= 0x00030005,
	HV_X64_REGISTER_XMM6				= 0x00030006,
	HV_X64_REGISTER_XMM7				= 0x00030007,
	HV_X64_REGISTER_XMM8				= 0x00030008,
	HV_X64_REGISTER_XMM9				= 0x00030009,
	HV_X64_REGISTER_XMM10				= 0x0003000A,
	HV_X64_REGISTER_XMM11				= 0x0003000B,
	HV_X64_REGISTER_XMM12				= 0x0003000C,
	HV_X64_REGISTER_XMM13				= 0x0003000D,
	HV_X64_REGISTER_XMM14				= 0x0003000E,
	HV_X64_REGISTER_XMM15				= 0x0003000F,
	HV_X64_REGISTER_FP_MMX0				= 0x00030010,
	HV_X64_REGISTER_FP_MMX1				= 0x00030011,
	HV_X64_REGISTER_FP_MMX2				= 0x00030012,
	HV_X64_REGISTER_FP_MMX3				= 0x00030013,
	HV_X64_REGISTER_FP_MMX4				= 0x00030014,
	HV_X64_REGISTER_FP_MMX5				= 0x00030015,
	HV_X64_REGISTER_FP_MMX6				= 0x00030016,
	HV_X64_REGISTER_FP_MMX7				= 0x00030017,
	HV_X64_REGISTER_FP_CONTROL_STATUS		= 0x00030018,
	HV_X64_REGISTER_XMM_CONTROL_STATUS		= 0x00030019,

	/* Control registers */
	HV_X64_REGISTER_CR0				= 0x00040000,
	HV_X64_REGISTER_CR2				= 0x00040001,
	HV_X64_REGISTER_CR3				= 0x00040002,
	HV_X64_REGISTER_CR4				= 0x00040003,
	HV_X64_REGISTER_CR8				= 0x00040004,
	HV_X64_REGISTER_XFEM				= 0x00040005,

	/* Intermediate control registers */
	HV_X64_REGISTER_INTERMEDIATE_CR0		= 0x00041000,
	HV_X64_REGISTER_INTERMEDIATE_CR3		= 0x00041002,
	HV_X64_REGISTER_INTERMEDIATE_CR4		= 0x00041003,
	HV_X64_REGISTER_INTERMEDIATE_CR8		= 0x00041004,

	/* Debug registers */
	HV_X64_REGISTER_DR0				= 0x00050000,
	HV_X64_REGISTER_DR1				= 0x00050001,
	HV_X64_REGISTER_DR2				= 0x00050002,
	HV_X64_REGISTER_DR3				= 0x00050003,
	HV_X64_REGISTER_DR6				= 0x00050004,
	HV_X64_REGISTER_DR7				= 0x00050005,

	/* Segment registers */
	HV_X64_REGISTER_ES				= 0x00060000,
	HV_X64_REGISTER_CS				= 0x00060001,
	HV_X64_REGISTER_SS				= 0x00060002,
	HV_X64_REGISTER_DS				= 0x00060003,
	HV_X64_REGISTER_FS				= 0x00060004,
	HV_X64_REGISTER_GS				= 0x00060005,
	HV_X64_REGISTER_LDTR				= 0x00060006,
	HV_X64_REGISTER_TR				= 0x00060007,

	/* Table registers */
	HV_X64_REGISTER_IDTR				= 0x00070000,
	HV_X64_REGISTER_GDTR				= 0x00070001,

	/* Virtualized MSRs */
	HV_X64_REGISTER_TSC				= 0x00080000,
	HV_X64_REGISTER_EFER				= 0x00080001,
	HV_X64_REGISTER_KERNEL_GS_BASE			= 0x00080002,
	HV_X64_REGISTER_APIC_BASE			= 0x00080003,
	HV_X64_REGISTER_PAT				= 0x00080004,
	HV_X64_REGISTER_SYSENTER_CS			= 0x00080005,
	HV_X64_REGISTER_SYSENTER_EIP			= 0x00080006,
	HV_X64_REGISTER_SYSENTER_ESP			= 0x00080007,
	HV_X64_REGISTER_STAR				= 0x00080008,
	HV_X64_REGISTER_LSTAR				= 0x00080009,
	HV_X64_REGISTER_CSTAR				= 0x0008000A,
	HV_X64_REGISTER_SFMASK				= 0x0008000B,
	HV_X64_REGISTER_INITIAL_APIC_ID			= 0x0008000C,

	/* Cache control MSRs */
	HV_X64_REGISTER_MSR_MTRR_CAP			= 0x0008000D,
	HV_X64_REGISTER_MSR_MTRR_DEF_TYPE		= 0x0008000E,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE0		= 0x00080010,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE1		= 0x00080011,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE2		= 0x00080012,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE3		= 0x00080013,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE4		= 0x00080014,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE5		= 0x00080015,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE6		= 0x00080016,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE7		= 0x00080017,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE8		= 0x00080018,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASE9		= 0x00080019,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASEA		= 0x0008001A,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASEB		= 0x0008001B,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASEC		= 0x0008001C,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASED		= 0x0008001D,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASEE		= 0x0008001E,
	HV_X64_REGISTER_MSR_MTRR_PHYS_BASEF		= 0x0008001F,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0		= 0x00080040,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK1		= 0x00080041,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK2		= 0x00080042,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK3		= 0x00080043,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK4		= 0x00080044,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK5		= 0x00080045,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK6		= 0x00080046,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK7		= 0x00080047,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK8		= 0x00080048,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASK9		= 0x00080049,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASKA		= 0x0008004A,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASKB		= 0x0008004B,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASKC		= 0x0008004C,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASKD		= 0x0008004D,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASKE		= 0x0008004E,
	HV_X64_REGISTER_MSR_MTRR_PHYS_MASKF		= 0x0008004F,
	HV_X64_REGISTER_MSR_MTRR_FIX64K00000		= 0x00080070,
	HV_X64_REGISTER_MSR_MTRR_FIX16K80000		= 0x00080071,
	HV_X64_REGISTER_MSR_MTRR_FIX16KA0000		= 0x00080072,
	HV_X64_REGISTER_MSR_MTRR_FIX4KC0000		= 0x00080073,
	HV_X64_REGISTER_MSR_MTRR_FIX4KC8000		= 0x00080074,
	HV_X64_REGISTER_MSR_MTRR_FIX4KD0000		= 0x00080075,
	HV_X64_REGISTER_MSR_MTRR_FIX4KD8000		= 0x00080076,
	HV_X64_REGISTER_MSR_MTRR_FIX4KE0000		= 0x00080077,
	HV_X64_REGISTER_MSR_MTRR_FIX4KE8000		= 0x00080078,
	HV_X64_REGISTER_MSR_MTRR_FIX4KF0000		= 0x00080079,
	HV_X64_REGISTER_MSR_MTRR_FIX4KF8000		= 0x0008007A,

	HV_X64_REGISTER_TSC_AUX				= 0x0008007B,
	HV_X64_REGISTER_BNDCFGS				= 0x0008007C,
	HV_X64_REGISTER_DEBUG_CTL			= 0x0008007D,
	HV_X64_REGISTER_SGX_LAUNCH_CONTROL0		= 0x00080080,
	HV_X64_REGISTER_SGX_LAUNCH_CONTROL1		= 0x00080081,
	HV_X64_REGISTER_SGX_LAUNCH_CONTROL2		= 0x00080082,
	HV_X64_REGISTER_SGX_LAUNCH_CONTROL3		= 0x00080083,
	HV_X64_REGISTER_SPEC_CTRL			= 0x00080084,
	HV_X64_REGISTER_PRED_CMD			= 0x00080085,
	HV_X64_REGISTER_VIRT_SPEC_CTRL			= 0x00080086,
	HV_X64_REGISTER_U_XSS				= 0x0008008B,
	HV_X64_REGISTER_U_CET				= 0x0008008C,
	HV_X64_REGISTER_S_CET				= 0x0008008D,
	HV_X64_REGISTER_SSP				= 0x0008008E,
	HV_X64_REGISTER_PL0_SSP				= 0x0008008F,
	HV_X64_REGISTER_PL1_SSP				= 0x00080090,
	HV_X64_REGISTER_PL2_SSP				= 0x00080091,
	HV_X64_REGISTER_PL3_SSP				= 0x00080092,
	HV_X64_REGISTER_INTERRUPT_SSP_TABLE_ADDR	= 0x00080093,
	HV_X64_REGISTER_TSC_ADJUST			= 0x00080096,

	/* Other MSRs */
	HV_X64_REGISTER_MSR_IA32_MISC_ENABLE		= 0x000800A0,
	HV_X64_REGISTER_IA32_FEATURE_CONTROL		= 0x000800A1,
	HV_X64_REGISTER_IA32_VMX_BASIC			= 0x000800A2,
	HV_X64_REGISTER_IA32_VMX_PINBASED_CTLS		= 0x000800A3,
	HV_X64_REGISTER_IA32_VMX_PROCBASED_CTLS		= 0x000800A4,
	HV_X64_REGISTER_IA32_VMX_EXIT_CTLS		= 0x000800A5,
	HV_X64_REGISTER_IA32_VMX_ENTRY_CTLS		= 0x000800A6,
	HV_X64_REGISTER_IA32_VMX_MISC			= 0x000800A7,
	HV_X64_REGISTER_IA32_VMX_CR0_FIXED0		= 0x000800A8,
	HV_X64_REGISTER_IA32_VMX_CR0_FIXED1		= 0x000800A9,
	HV_X64_REGISTER_IA32_VMX_CR4_FIXED0		= 0x000800AA,
	HV_X64_REGISTER_IA32_VMX_CR4_FIXED1		= 0x000800AB,
	HV_X64_REGISTER_IA32_VMX_VMCS_ENUM		= 0x000800AC,
	HV_X64_REGISTER_IA32_VMX_PROCBASED_CTLS2	= 0x000800AD,
	HV_X64_REGISTER_IA32_VMX_EPT_VPID_CAP		= 0x000800AE,
	HV_X64_REGISTER_IA32_VMX_TRUE_PINBASED_CTLS	= 0x000800AF,
	HV_X64_REGISTER_IA32_VMX_TRUE_PROCBASED_CTLS	= 0x000800B0,
	HV_X64_REGISTER_IA32_VMX_TRUE_EXIT_CTLS		= 0x000800B1,
	HV_X64_REGISTER_IA32_VMX_TRUE_ENTRY_CTLS	= 0x000800B2,

	/* Performance monitoring (first of each range only) */
	HV_X64_REGISTER_PERF_GLOBAL_CTRL		= 0x00081000,
	HV_X64_REGISTER_PMC0				= 0x00081200,
	HV_X64_REGISTER_LBR_TOS				= 0x00082000,

	/* APIC registers (x2APIC MSR offsets) */
	HV_X64_REGISTER_APIC_ID				= 0x00084802,
	HV_X64_REGISTER_APIC_VERSION			= 0x00084803,

	/* Hyper-V synthetic registers */
	HV_REGISTER_VP_RUNTIME				= 0x00090000,
	HV_REGISTER_HYPERCALL				= 0x00090001,
	HV_X64_REGISTER_HYPERCALL			= 0x00090001,
	HV_REGISTER_GUEST_OS_ID				= 0x00090002,
	HV_REGISTER_VP_INDEX				= 0x00090003,
	HV_REGISTER_TIME_REF_COUNT			= 0x00090004,
	HV_REGISTER_CPU_MANAGEMENT_VERSION		= 0x00090007,
	HV_X64_REGISTER_SYNTHETIC_EOI			= 0x00090010,
	HV_X64_REGISTER_SYNTHETIC_ICR			= 0x00090011,
	HV_X64_REGISTER_SYNTHETIC_TPR			= 0x00090012,
	HV_REGISTER_VP_ASSIST_PAGE			= 0x00090013,
	HV_REGISTER_VP_ROOT_SIGNAL_COUNT		= 0x00090014,
	HV_REGISTER_REFERENCE_TSC			= 0x00090017,
	HV_X64_REGISTER_GHCB				= 0x00090019,
	HV_X64_REGISTER_REG_PAGE			= 0x0009001C,
	HV_REGISTER_REG_PAGE				= 0x0009001C,
	HV_REGISTER_STATS_PARTITION_RETAIL		= 0x00090020,
	HV_REGISTER_STATS_PARTITION_INTERNAL		= 0x00090021,
	HV_REGISTER_STATS_VP_RETAIL			= 0x00090022,
	HV_REGISTER_STATS_VP_INTERNAL			= 0x00090023,
	HV_X64_REGISTER_EMULATED_TIMER_PERIOD		= 0x00090030,
	HV_X64_REGISTER_EMULATED_TIMER_CONTROL		= 0x00090031,
	HV_X64_REGISTER_PM_TIMER_ASSIST			= 0x00090032,
	HV_X64_REGISTER_SEV_CONTROL			= 0x00090040,
	HV_X64_REGISTER_SEV_GHCB_GPA			= 0x00090041,
	HV_X64_REGISTER_SEV_DOORBELL_GPA		= 0x00090042,
	HV_REGISTER_NESTED_VP_INDEX			= 0x00091003,

	/* SynIC */
	HV_REGISTER_SINT0				= 0x000A0000,
	HV_REGISTER_SINT1				= 0x000A0001,
	HV_REGISTER_SINT2				= 0x000A0002,
	HV_REGISTER_SINT3				= 0x000A0003,
	HV_REGISTER_SINT4				= 0x000A0004,
	HV_REGISTER_SINT5				= 0x000A0005,
	HV_REGISTER_SINT6				= 0x000A0006,
	HV_REGISTER_SINT7				= 0x000A0007,
	HV_REGISTER_SINT8				= 0x000A0008,
	HV_REGISTER_SINT9				= 0x000A0009,
	HV_REGISTER_SINT10				= 0x000A000A,
	HV_REGISTER_SINT11				= 0x000A000B,
	HV_REGISTER_SINT12				= 0x000A000C,
	HV_REGISTER_SINT13				= 0x000A000D,
	HV_REGISTER_SINT14				= 0x000A000E,
	HV_REGISTER_SINT15				= 0x000A000F,
	HV_REGISTER_SCONTROL				= 0x000A0010,
	HV_REGISTER_SVERSION				= 0x000A0011,
	HV_REGISTER_SIEFP				= 0x000A0012,
	HV_REGISTER_SIMP				= 0x000A0013,
	HV_REGISTER_EOM					= 0x000A0014,
	HV_REGISTER_SIRBP				= 0x000A0015,
	HV_REGISTER_NESTED_SINT0			= 0x000A1000,

	/* Synthetic timers */
	HV_REGISTER_STIMER0_CONFIG			= 0x000B0000,
	HV_REGISTER_STIMER0_COUNT			= 0x000B0001,
	HV_REGISTER_STIMER1_CONFIG			= 0x000B0002,
	HV_REGISTER_STIMER1_COUNT			= 0x000B0003,
	HV_REGISTER_STIMER2_CONFIG			= 0x000B0004,
	HV_REGISTER_STIMER2_COUNT			= 0x000B0005,
	HV_REGISTER_STIMER3_CONFIG			= 0x000B0006,
	HV_REGISTER_STIMER3_COUNT			= 0x000B0007,
	HV_REGISTER_STIME_UNHALTED_TIMER_CONFIG		= 0x000B0100,
	HV_REGISTER_STIME_UNHALTED_TIMER_COUNT		= 0x000B0101,

	/* VSM */
	HV_REGISTER_VSM_CODE_PAGE_OFFSETS		= 0x000D0002,
	HV_REGISTER_VSM_VP_STATUS			= 0x000D0003,
	HV_REGISTER_VSM_PARTITION_STATUS		= 0x000D0004,
	HV_REGISTER_ISOLATION_CAPABILITIES		= 0x000D0100,

	/* Intercept control */
	HV_X64_REGISTER_CR_INTERCEPT_CONTROL		= 0x000E0000,
	HV_X64_REGISTER_CR_INTERCEPT_CR0_MASK		= 0x000E0001,
	HV_X64_REGISTER_CR_INTERCEPT_CR4_MASK		= 0x000E0002,
	HV_X64_REGISTER_CR_INTERCEPT_IA32_MISC_ENABLE_MASK = 0x000E0003,
};

/* ---- Register value layouts ---- */

struct hv_u128 {
	uint64_t low_part;
	uint64_t high_part;
} __attribute__((packed));

/* FP_MMXn: 80-bit x87 value */
union hv_x64_fp_register {
	struct hv_u128 as_uint128;
	struct {
		uint64_t mantissa;
		uint64_t biased_exponent:15;
		uint64_t sign:1;
		uint64_t reserved:48;
	} __attribute__((packed));
} __attribute__((packed));

union hv_x64_fp_control_status_register {
	struct hv_u128 as_uint128;
	struct {
		uint16_t fp_control;
		uint16_t fp_status;
		uint8_t fp_tag;
		uint8_t reserved;
		uint16_t last_fp_op;
		union {
			/* long mode */
			uint64_t last_fp_rip;
			/* 32 bit mode */
			struct {
				uint32_t last_fp_eip;
				uint16_t last_fp_cs;
				uint16_t padding;
			} __attribute__((packed));
		};
	} __attribute__((packed));
} __attribute__((packed));

union hv_x64_xmm_control_status_register {
	struct hv_u128 as_uint128;
	struct {
		union {
			/* long mode */
			uint64_t last_fp_rdp;
			/* 32 bit mode */
			struct {
				uint32_t last_fp_dp;
				uint16_t last_fp_ds;
				uint16_t padding;
			} __attribute__((packed));
		};
		uint32_t xmm_status_control;
		uint32_t xmm_status_control_mask;
	} __attribute__((packed));
} __attribute__((packed));

struct hv_x64_segment_register {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	union {
		struct {
			uint16_t segment_type:4;
			uint16_t non_system_segment:1;
			uint16_t descriptor_privilege_level:2;
			uint16_t present:1;
			uint16_t reserved:4;
			uint16_t available:1;
			uint16_t _long:1;
			uint16_t _default:1;
			uint16_t granularity:1;
		} __attribute__((packed));
		uint16_t attributes;
	};
} __attribute__((packed));

struct hv_x64_table_register {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* HV_REGISTER_PENDING_INTERRUPTION interruption_type values */
#define HV_X64_PENDING_INTERRUPT	0
#define HV_X64_PENDING_NMI		2
#define HV_X64_PENDING_EXCEPTION	3

union hv_x64_pending_interruption_register {
	uint64_t as_uint64;
	struct {
		uint32_t interruption_pending:1;
		uint32_t interruption_type:3;	/* HV_X64_PENDING_* */
		uint32_t deliver_error_code:1;
		uint32_t instruction_length:4;
		uint32_t nested_event:1;
		uint32_t reserved:6;
		uint32_t interruption_vector:16;
		uint32_t error_code;
	} __attribute__((packed));
} __attribute__((packed));

union hv_x64_interrupt_state_register {
	uint64_t as_uint64;
	struct {
		uint64_t interrupt_shadow:1;
		uint64_t nmi_masked:1;
		uint64_t reserved:62;
	} __attribute__((packed));
} __attribute__((packed));

union hv_explicit_suspend_register {
	uint64_t as_uint64;
	struct {
		uint64_t suspended:1;
		uint64_t reserved:63;
	} __attribute__((packed));
} __attribute__((packed));

union hv_intercept_suspend_register {
	uint64_t as_uint64;
	struct {
		uint64_t suspended:1;
		uint64_t reserved:63;
	} __attribute__((packed));
} __attribute__((packed));

union hv_dispatch_suspend_register {
	uint64_t as_uint64;
	struct {
		uint64_t suspended:1;
		uint64_t reserved:63;
	} __attribute__((packed));
} __attribute__((packed));

union hv_internal_activity_register {
	uint64_t as_uint64;
	struct {
		uint64_t startup_suspend:1;
		uint64_t halt_suspend:1;
		uint64_t idle_suspend:1;
		uint64_t rsvd_z:61;
	} __attribute__((packed));
} __attribute__((packed));

/* HV_REGISTER_PENDING_EVENT0/1 event_type values */
#define HV_X64_PENDING_EVENT_EXCEPTION			0
#define HV_X64_PENDING_EVENT_VIRTUALIZATION_FAULT	5

union hv_x64_pending_exception_event {
	uint64_t as_uint64[2];
	struct {
		uint32_t event_pending:1;
		uint32_t event_type:3;
		uint32_t reserved0:4;
		uint32_t deliver_error_code:1;
		uint32_t reserved1:7;
		uint32_t vector:16;
		uint32_t error_code;
		uint64_t exception_parameter;
	} __attribute__((packed));
} __attribute__((packed));

union hv_x64_pending_virtualization_fault_event {
	uint64_t as_uint64[2];
	struct {
		uint32_t event_pending:1;
		uint32_t event_type:3;
		uint32_t reserved0:4;
		uint32_t reserved1:8;
		uint32_t parameter0:16;
		uint32_t code;
		uint64_t parameter1;
	} __attribute__((packed));
} __attribute__((packed));

union hv_x64_register_sev_control {
	uint64_t as_uint64;
	struct {
		uint64_t enable_encrypted_state:1;
		uint64_t reserved_z:11;
		uint64_t vmsa_gpa_page_number:52;
	} __attribute__((packed));
} __attribute__((packed));

union hv_register_value {
	struct hv_u128 reg128;
	uint64_t reg64;
	uint32_t reg32;
	uint16_t reg16;
	uint8_t reg8;
	union hv_x64_fp_register fp;
	union hv_x64_fp_control_status_register fp_control_status;
	union hv_x64_xmm_control_status_register xmm_control_status;
	struct hv_x64_segment_register segment;
	struct hv_x64_table_register table;
	union hv_explicit_suspend_register explicit_suspend;
	union hv_intercept_suspend_register intercept_suspend;
	union hv_dispatch_suspend_register dispatch_suspend;
	union hv_internal_activity_register internal_activity;
	union hv_x64_interrupt_state_register interrupt_state;
	union hv_x64_pending_interruption_register pending_interruption;
	union hv_x64_pending_exception_event pending_exception_event;
	union hv_x64_pending_virtualization_fault_event pending_virtualization_fault_event;
	union hv_x64_register_sev_control sev_control;
} __attribute__((packed));

/* Element of HVCALL_SET_VP_REGISTERS input: 32 bytes */
struct hv_register_assoc {
	uint32_t name;			/* enum hv_register_name */
	uint32_t reserved1;
	uint64_t reserved2;
	union hv_register_value value;
} __attribute__((packed));

#endif /* _MSHV_EMU_HYPERV_HV_REGS_H */
