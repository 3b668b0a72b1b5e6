/* SPDX-License-Identifier: MIT */
/*
 * Per-VP state shared with userspace: the VP register page (mmap offset 0),
 * VP state page types, and the VP state blobs exchanged by
 * MSHV_GET/SET_VP_STATE (LAPIC, synthetic timers).
 * Layouts: docs/abi-hv.md §10, §11, §12.
 */
#ifndef _MSHV_EMU_HYPERV_HV_VP_STATE_H
#define _MSHV_EMU_HYPERV_HV_VP_STATE_H

#include <stdint.h>
#include "hv_regs.h"

/* VP state pages (HVCALL_MAP_VP_STATE_PAGE type) */
#define HV_VP_STATE_PAGE_REGISTERS		0
#define HV_VP_STATE_PAGE_INTERCEPT_MESSAGE	1
#define HV_VP_STATE_PAGE_GHCB			2
#define HV_VP_STATE_PAGE_COUNT			3

/* ---- VP register page ---- */

#define HV_VP_REGISTER_PAGE_VERSION_1		1u
#define HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT	7

/* Bits of hv_vp_register_page.dirty */
#define HV_X64_REGISTER_CLASS_GENERAL	0
#define HV_X64_REGISTER_CLASS_IP	1
#define HV_X64_REGISTER_CLASS_XMM	2
#define HV_X64_REGISTER_CLASS_SEGMENT	3
#define HV_X64_REGISTER_CLASS_FLAGS	4

union hv_vp_register_page_interrupt_vectors {
	uint64_t as_uint64;
	struct {
		uint8_t vector_count;
		uint8_t vector[HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT];
	} __attribute__((packed));
};

/* 696 bytes used of a 4K page */
struct hv_vp_register_page {
	uint16_t version;
	uint8_t isvalid;
	uint8_t rsvdz;
	uint32_t dirty;

	/* Dirty class GENERAL */
	union {
		struct {
			/* Hardware order (same as HV_X64_REGISTER_RAX...) */
			uint64_t rax;
			uint64_t rcx;
			uint64_t rdx;
			uint64_t rbx;
			uint64_t rsp;
			uint64_t rbp;
			uint64_t rsi;
			uint64_t rdi;
			uint64_t r8;
			uint64_t r9;
			uint64_t r10;
			uint64_t r11;
			uint64_t r12;
			uint64_t r13;
			uint64_t r14;
			uint64_t r15;
		} __attribute__((packed));
		uint64_t gp_registers[16];
	};
	/* Dirty class IP */
	uint64_t rip;
	/* Dirty class FLAGS */
	uint64_t rflags;

	uint8_t reserved[8];

	/* Dirty class XMM */
	union {
		struct hv_u128 xmm[6];
		struct hv_u128 xmm_registers[6];
		struct {
			struct hv_u128 xmm0;
			struct hv_u128 xmm1;
			struct hv_u128 xmm2;
			struct hv_u128 xmm3;
			struct hv_u128 xmm4;
			struct hv_u128 xmm5;
		} __attribute__((packed));
	};

	/* Dirty class SEGMENT */
	union {
		struct hv_x64_segment_register segment[6];
		struct hv_x64_segment_register segment_registers[6];
		struct {
			struct hv_x64_segment_register es;
			struct hv_x64_segment_register cs;
			struct hv_x64_segment_register ss;
			struct hv_x64_segment_register ds;
			struct hv_x64_segment_register fs;
			struct hv_x64_segment_register gs;
		} __attribute__((packed));
	};

	/* Misc. control registers (cannot be set via this interface) */
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t cr8;
	uint64_t efer;
	uint64_t dr7;
	union hv_x64_pending_interruption_register pending_interruption;
	union hv_x64_interrupt_state_register interrupt_state;
	uint64_t instruction_emulation_hints;
	uint64_t xfem;

	/* Not included in the register page save chunk */
	uint8_t reserved1[256];

	/* Interrupt injection queue (root scheduler) */
	union hv_vp_register_page_interrupt_vectors interrupt_vectors;
} __attribute__((packed));

/* ---- VP state blobs (HVCALL_GET/SET_VP_STATE, MSHV_GET/SET_VP_STATE) ---- */

/* HV state type codes; PFN = data passed by page frame numbers */
#define HV_GET_SET_VP_STATE_TYPE_PFN		(1u << 31)
#define HV_GET_SET_VP_STATE_LAPIC_STATE		(0u | HV_GET_SET_VP_STATE_TYPE_PFN)
#define HV_GET_SET_VP_STATE_XSAVE		(1u | HV_GET_SET_VP_STATE_TYPE_PFN)
#define HV_GET_SET_VP_STATE_SIM_PAGE		(2u | HV_GET_SET_VP_STATE_TYPE_PFN)
#define HV_GET_SET_VP_STATE_SIEF_PAGE		(3u | HV_GET_SET_VP_STATE_TYPE_PFN)
#define HV_GET_SET_VP_STATE_SYNTHETIC_TIMERS	4u

/* 176 bytes, at the start of the 4K LAPIC buffer */
struct hv_local_interrupt_controller_state {
	uint32_t apic_id;
	uint32_t apic_version;
	uint32_t apic_ldr;
	uint32_t apic_dfr;
	uint32_t apic_spurious;
	uint32_t apic_isr[8];
	uint32_t apic_tmr[8];
	uint32_t apic_irr[8];
	uint32_t apic_esr;
	uint32_t apic_icr_high;
	uint32_t apic_icr_low;
	uint32_t apic_lvt_timer;
	uint32_t apic_lvt_thermal;
	uint32_t apic_lvt_perfmon;
	uint32_t apic_lvt_lint0;
	uint32_t apic_lvt_lint1;
	uint32_t apic_lvt_error;
	uint32_t apic_lvt_cmci;
	uint32_t apic_error_status;
	uint32_t apic_initial_count;
	uint32_t apic_counter_value;
	uint32_t apic_divide_configuration;
	uint32_t apic_remote_read;
} __attribute__((packed));

/* Synthetic timer configuration (HV_REGISTER_STIMERn_CONFIG) */
union hv_stimer_config {
	uint64_t as_uint64;
	struct {
		uint64_t enable:1;
		uint64_t periodic:1;
		uint64_t lazy:1;
		uint64_t auto_enable:1;
		uint64_t apic_vector:8;
		uint64_t direct_mode:1;
		uint64_t reserved_z0:3;
		uint64_t sintx:4;
		uint64_t reserved_z1:44;
	} __attribute__((packed));
};

/* 40 bytes */
struct hv_stimer_state {
	union {
		uint32_t as_uint32;
		struct {
			uint32_t undelivered_msg_pending:1;
			uint32_t reserved:31;
		} __attribute__((packed));
	} flags;
	uint32_t resvd;
	uint64_t config;	/* union hv_stimer_config */
	uint64_t count;
	uint64_t adjustment;
	uint64_t undelivered_exp_time;
} __attribute__((packed));

#define HV_SYNIC_STIMER_COUNT	4

/* 200 bytes */
struct hv_synthetic_timers_state {
	struct hv_stimer_state timers[HV_SYNIC_STIMER_COUNT];
	uint64_t reserved[5];
} __attribute__((packed));

/* ---- Kernel-internal VP state hypercalls ---- */

struct hv_vp_state_data_xsave {
	uint64_t flags;
	uint64_t states;	/* XSAVE component mask */
} __attribute__((packed));

/* 24 bytes */
struct hv_vp_state_data {
	uint32_t type;		/* HV_GET_SET_VP_STATE_* */
	uint32_t rsvd;
	struct hv_vp_state_data_xsave xsave;
} __attribute__((packed));

/* HVCALL_GET_VP_STATE: 40 + 8n */
struct hv_input_get_vp_state {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd0;
	uint16_t rsvd1;
	struct hv_vp_state_data state_data;
	uint64_t output_data_pfns[];
} __attribute__((packed));

union hv_output_get_vp_state {
	struct hv_synthetic_timers_state synthetic_timers_state;
} __attribute__((packed));

union hv_input_set_vp_state_data {
	uint64_t pfns;
	uint8_t bytes;
} __attribute__((packed));

/* HVCALL_SET_VP_STATE: 40 + data */
struct hv_input_set_vp_state {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd0;
	uint16_t rsvd1;
	struct hv_vp_state_data state_data;
	union hv_input_set_vp_state_data data[];
} __attribute__((packed));

/* HVCALL_MAP_VP_STATE_PAGE (layout as of U-hvhdk @0b119045) */
struct hv_input_map_vp_state_page {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t type;		/* HV_VP_STATE_PAGE_* */
} __attribute__((packed));

struct hv_output_map_vp_state_page {
	uint64_t map_location;	/* gpfn */
} __attribute__((packed));

#endif /* _MSHV_EMU_HYPERV_HV_VP_STATE_H */
