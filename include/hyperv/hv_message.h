/* SPDX-License-Identifier: MIT */
/*
 * SynIC messages (struct hv_message) and the x86-64 intercept message
 * payloads returned by MSHV_RUN_VP.  Layouts: docs/abi-hv.md §1-§3.
 */
#ifndef _MSHV_EMU_HYPERV_HV_MESSAGE_H
#define _MSHV_EMU_HYPERV_HV_MESSAGE_H

#include <stdint.h>
#include "hv_regs.h"

#define HV_MESSAGE_SIZE			256
#define HV_MESSAGE_PAYLOAD_BYTE_COUNT	240
#define HV_MESSAGE_PAYLOAD_QWORD_COUNT	30

/* Define hypervisor message types. */
enum hv_message_type {
	HVMSG_NONE				= 0x00000000,

	/* Memory access messages. */
	HVMSG_UNMAPPED_GPA			= 0x80000000,
	HVMSG_GPA_INTERCEPT			= 0x80000001,
	HVMSG_UNACCEPTED_GPA			= 0x80000003,
	HVMSG_GPA_ATTRIBUTE_INTERCEPT		= 0x80000004,

	/* Timer notification messages. */
	HVMSG_TIMER_EXPIRED			= 0x80000010,

	/* Error messages. */
	HVMSG_INVALID_VP_REGISTER_VALUE		= 0x80000020,
	HVMSG_UNRECOVERABLE_EXCEPTION		= 0x80000021,
	HVMSG_UNSUPPORTED_FEATURE		= 0x80000022,

	/* Opaque intercept message (root SINT0 only). */
	HVMSG_OPAQUE_INTERCEPT			= 0x8000003F,

	/* Trace buffer complete messages. */
	HVMSG_EVENTLOG_BUFFERCOMPLETE		= 0x80000040,

	/* Hypercall intercept */
	HVMSG_HYPERCALL_INTERCEPT		= 0x80000050,

	/* SynIC intercepts */
	HVMSG_SYNIC_EVENT_INTERCEPT		= 0x80000060,
	HVMSG_SYNIC_SINT_INTERCEPT		= 0x80000061,
	HVMSG_SYNIC_SINT_DELIVERABLE		= 0x80000062,

	/* Async call completion intercept */
	HVMSG_ASYNC_CALL_COMPLETION		= 0x80000070,

	/* Root scheduler messages */
	HVMSG_SCHEDULER_VP_SIGNAL_BITSET	= 0x80000100,
	HVMSG_SCHEDULER_VP_SIGNAL_PAIR		= 0x80000101,

	/* Platform-specific processor intercept messages. */
	HVMSG_X64_IO_PORT_INTERCEPT		= 0x80010000,
	HVMSG_X64_MSR_INTERCEPT			= 0x80010001,
	HVMSG_X64_CPUID_INTERCEPT		= 0x80010002,
	HVMSG_X64_EXCEPTION_INTERCEPT		= 0x80010003,
	HVMSG_X64_APIC_EOI			= 0x80010004,
	HVMSG_X64_LEGACY_FP_ERROR		= 0x80010005,
	HVMSG_X64_IOMMU_PRQ			= 0x80010006,
	HVMSG_X64_HALT				= 0x80010007,
	HVMSG_X64_INTERRUPTION_DELIVERABLE	= 0x80010008,
	HVMSG_X64_SIPI_INTERCEPT		= 0x80010009,
	HVMSG_ARM64_RESET_INTERCEPT		= 0x8001000C,
	HVMSG_X64_SEV_VMGEXIT_INTERCEPT		= 0x80010013,
};

/* Define port identifier type. */
union hv_port_id {
	uint32_t as_uint32;
	struct {
		uint32_t id:24;
		uint32_t reserved:8;
	} __attribute__((packed)) u;
};

/* Define synthetic interrupt controller message flags. */
union hv_message_flags {
	uint8_t asu8;
	struct {
		uint8_t msg_pending:1;
		uint8_t reserved:7;
	} __attribute__((packed));
};

/* Define synthetic interrupt controller message header. */
struct hv_message_header {
	uint32_t message_type;		/* enum hv_message_type */
	uint8_t payload_size;
	union hv_message_flags message_flags;
	uint8_t reserved[2];
	union {
		uint64_t sender;
		union hv_port_id port;
	};
} __attribute__((packed));

/* Define synthetic interrupt controller message format. */
struct hv_message {
	struct hv_message_header header;
	union {
		uint64_t payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
	} u;
} __attribute__((packed));

/* Memory cache types (hv_x64_memory_intercept_message.cache_type etc.) */
enum hv_cache_type {
	HV_CACHE_TYPE_UNCACHED		= 0,
	HV_CACHE_TYPE_WRITE_COMBINING	= 1,
	HV_CACHE_TYPE_WRITE_THROUGH	= 4,
	HV_CACHE_TYPE_WRITE_PROTECTED	= 5,
	HV_CACHE_TYPE_WRITE_BACK	= 6,
};

#define HV_CACHE_TYPE_X64_UC	0
#define HV_CACHE_TYPE_X64_WC	1
#define HV_CACHE_TYPE_X64_WT	4
#define HV_CACHE_TYPE_X64_WP	5
#define HV_CACHE_TYPE_X64_WB	6

/* Intercept access types (hv_x64_intercept_message_header.intercept_access_type) */
#define HV_INTERCEPT_ACCESS_READ	0
#define HV_INTERCEPT_ACCESS_WRITE	1
#define HV_INTERCEPT_ACCESS_EXECUTE	2

/* Access type masks for the install intercept hypercall */
#define HV_INTERCEPT_ACCESS_MASK_NONE		0x00
#define HV_INTERCEPT_ACCESS_MASK_READ		0x01
#define HV_INTERCEPT_ACCESS_MASK_WRITE		0x02
#define HV_INTERCEPT_ACCESS_MASK_EXECUTE	0x04

union hv_x64_vp_execution_state {
	uint16_t as_uint16;
	struct {
		uint16_t cpl:2;
		uint16_t cr0_pe:1;
		uint16_t cr0_am:1;
		uint16_t efer_lma:1;
		uint16_t debug_active:1;
		uint16_t interruption_pending:1;
		uint16_t vtl:4;
		uint16_t enclave_mode:1;
		uint16_t interrupt_shadow:1;
		uint16_t virtualization_fault_active:1;
		uint16_t reserved:2;
	} __attribute__((packed));
};

/* 40 bytes */
struct hv_x64_intercept_message_header {
	uint32_t vp_index;
	uint8_t instruction_length:4;
	uint8_t cr8:4;			/* Only set for exo partitions */
	uint8_t intercept_access_type;	/* HV_INTERCEPT_ACCESS_* */
	union hv_x64_vp_execution_state execution_state;
	struct hv_x64_segment_register cs_segment;
	uint64_t rip;
	uint64_t rflags;
} __attribute__((packed));

union hv_x64_io_port_access_info {
	uint8_t as_uint8;
	struct {
		uint8_t access_size:3;	/* 1, 2 or 4 bytes */
		uint8_t string_op:1;
		uint8_t rep_prefix:1;
		uint8_t reserved:3;
	} __attribute__((packed));
};

/* 128 bytes */
struct hv_x64_io_port_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint16_t port_number;
	union hv_x64_io_port_access_info access_info;
	uint8_t instruction_byte_count;
	uint32_t reserved;
	uint64_t rax;
	uint8_t instruction_bytes[16];
	struct hv_x64_segment_register ds_segment;
	struct hv_x64_segment_register es_segment;
	uint64_t rcx;
	uint64_t rsi;
	uint64_t rdi;
} __attribute__((packed));

union hv_x64_memory_access_info {
	uint8_t as_uint8;
	struct {
		uint8_t gva_valid:1;
		uint8_t gva_gpa_valid:1;
		uint8_t hypercall_output_pending:1;
		uint8_t tlb_locked_no_overlay:1;
		uint8_t reserved:4;
	} __attribute__((packed));
};

/* 80 bytes: HVMSG_UNMAPPED_GPA, HVMSG_GPA_INTERCEPT, HVMSG_UNACCEPTED_GPA */
struct hv_x64_memory_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint32_t cache_type;		/* enum hv_cache_type */
	uint8_t instruction_byte_count;
	union hv_x64_memory_access_info memory_access_info;
	uint8_t tpr_priority;
	uint8_t reserved1;
	uint64_t guest_virtual_address;
	uint64_t guest_physical_address;
	uint8_t instruction_bytes[16];
} __attribute__((packed));

/* 104 bytes */
struct hv_x64_cpuid_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rbx;
	uint64_t default_result_rax;
	uint64_t default_result_rcx;
	uint64_t default_result_rdx;
	uint64_t default_result_rbx;
} __attribute__((packed));

/* 64 bytes */
struct hv_x64_msr_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint32_t msr_number;
	uint32_t reserved;
	uint64_t rdx;
	uint64_t rax;
} __attribute__((packed));

union hv_x64_exception_info {
	uint8_t as_uint8;
	struct {
		uint8_t error_code_valid:1;
		uint8_t software_exception:1;
		uint8_t reserved:6;
	} __attribute__((packed));
};

/* 240 bytes */
struct hv_x64_exception_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint16_t exception_vector;
	union hv_x64_exception_info exception_info;
	uint8_t instruction_byte_count;
	uint32_t error_code;
	uint64_t exception_parameter;
	uint64_t reserved;
	uint8_t instruction_bytes[16];
	struct hv_x64_segment_register ds_segment;
	struct hv_x64_segment_register ss_segment;
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

/* 196 bytes */
struct hv_x64_hypercall_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint64_t rax;
	uint64_t rbx;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t r8;
	uint64_t rsi;
	uint64_t rdi;
	struct hv_u128 xmmregisters[6];
	union {
		uint32_t as_uint32;
		struct {
			uint32_t isolated:1;
			uint32_t reserved_z:31;
		} __attribute__((packed));
	};
} __attribute__((packed));

/* 64 bytes */
struct hv_x64_register_intercept_message {
	struct hv_x64_intercept_message_header header;
	union {
		uint8_t as_uint8;
		struct {
			uint8_t is_memory_op:1;
			uint8_t reserved:7;
		} __attribute__((packed));
	} access_info_flags;
	uint8_t reserved8;
	uint16_t reserved16;
	uint32_t register_name;		/* enum hv_register_name */
	union {
		union hv_register_value source_value;
		uint32_t destination_register;	/* enum hv_register_name */
		uint64_t address;
	} access_info;
} __attribute__((packed));

/* 8 bytes */
struct hv_x64_apic_eoi_message {
	uint32_t vp_index;
	uint32_t interrupt_vector;
} __attribute__((packed));

/* Header only (40 bytes) */
struct hv_x64_halt_message {
	struct hv_x64_intercept_message_header header;
} __attribute__((packed));

/* Header only (40 bytes) */
struct hv_x64_unrecoverable_exception_message {
	struct hv_x64_intercept_message_header header;
} __attribute__((packed));

/* hv_x64_interruption_deliverable_message.deliverable_type */
enum hv_x64_pending_interruption_type {
	HV_X64_PENDING_INTERRUPTION_TYPE_INTERRUPT	= 0,
	HV_X64_PENDING_INTERRUPTION_TYPE_NMI		= 2,
	HV_X64_PENDING_INTERRUPTION_TYPE_EXCEPTION	= 3,
};

/* 48 bytes */
struct hv_x64_interruption_deliverable_message {
	struct hv_x64_intercept_message_header header;
	uint32_t deliverable_type;	/* enum hv_x64_pending_interruption_type */
	uint32_t rsvd;
} __attribute__((packed));

/* 48 bytes */
struct hv_x64_sipi_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint32_t target_vp_index;
	uint32_t interrupt_vector;
} __attribute__((packed));

/* 48 bytes */
struct hv_x64_sint_deliverable_message {
	struct hv_x64_intercept_message_header header;
	uint16_t deliverable_sints;
	uint16_t rsvd1;
	uint32_t rsvd2;
} __attribute__((packed));

/* 8 bytes */
struct hv_x64_invalid_vp_register_message {
	uint32_t vp_index;
	uint32_t reserved;
} __attribute__((packed));

/* hv_x64_unsupported_feature_message.feature_code */
enum hv_x64_unsupported_feature_code {
	HV_X64_UNSUPPORTED_FEATURE_INTERCEPT	= 1,
	HV_X64_UNSUPPORTED_FEATURE_TASK_SWITCH_TSS = 2,
};

/* 16 bytes */
struct hv_x64_unsupported_feature_message {
	uint32_t vp_index;
	uint32_t feature_code;		/* enum hv_x64_unsupported_feature_code */
	uint64_t feature_parameter;
} __attribute__((packed));

/* 24 bytes: HVMSG_TIMER_EXPIRED */
struct hv_timer_message_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time;	/* When the timer expired */
	uint64_t delivery_time;		/* When the message was delivered */
} __attribute__((packed));

/* 4 bytes: HVMSG_OPAQUE_INTERCEPT (root SINT0) */
struct hv_opaque_intercept_message {
	uint32_t vp_index;
} __attribute__((packed));

/* HVMSG_SYNIC_SINT_INTERCEPT (doorbell notification) */
struct hv_synic_sint_intercept_message {
	uint32_t sint_index;
} __attribute__((packed));

/* 104 bytes: HVMSG_X64_SEV_VMGEXIT_INTERCEPT */
struct hv_x64_vmgexit_intercept_message {
	struct hv_x64_intercept_message_header header;
	uint64_t ghcb_msr;
	union {
		uint64_t as_uint64;
		struct {
			uint64_t ghcb_page_valid:1;
			uint64_t reserved:63;
		} __attribute__((packed));
	} flags;
	uint32_t ghcb_usage;
	uint32_t rsvd;
	uint16_t protocol_version;
	uint16_t rsvd1[3];
	uint64_t sw_exit_code;
	uint64_t sw_exit_info1;
	uint64_t sw_exit_info2;
	uint64_t sw_scratch;
} __attribute__((packed));

#endif /* _MSHV_EMU_HYPERV_HV_MESSAGE_H */
