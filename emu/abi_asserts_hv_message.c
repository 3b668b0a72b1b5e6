// SPDX-License-Identifier: MIT
/*
 * Compile-time ABI checks: messages and intercept payloads,
 * <hyperv/hv_message.h> (the kernel's include/hyperv/hvhdk.h, TLFS "Intercept messages").
 * No code; compiling is the test (see abi_asserts.h).
 */
#include "abi_asserts.h"

/* ====================================================================
 * Section 3.1 struct hv_message and message types
 * ==================================================================== */
EQ(HV_MESSAGE_SIZE, 256);
EQ(HV_MESSAGE_PAYLOAD_BYTE_COUNT, 240);
EQ(HV_MESSAGE_PAYLOAD_QWORD_COUNT, 30);
SZ(struct hv_message, 256);
SZ(struct hv_message_header, 16);
OFF(struct hv_message, header.message_type, 0);
OFF(struct hv_message, header.payload_size, 4);
OFF(struct hv_message, header.message_flags, 5);
OFF(struct hv_message, header.reserved, 6);
OFF(struct hv_message, header.sender, 8);
OFF(struct hv_message, header.port, 8);
OFF(struct hv_message, u.payload, 16);
SZ(((struct hv_message *)0)->u.payload, 240);
SZ(union hv_message_flags, 1);
SZ(union hv_port_id, 4);

EQ(HVMSG_NONE, 0x00000000);
EQ(HVMSG_UNMAPPED_GPA, 0x80000000);
EQ(HVMSG_GPA_INTERCEPT, 0x80000001);
EQ(HVMSG_UNACCEPTED_GPA, 0x80000003);
EQ(HVMSG_GPA_ATTRIBUTE_INTERCEPT, 0x80000004);
EQ(HVMSG_TIMER_EXPIRED, 0x80000010);
EQ(HVMSG_INVALID_VP_REGISTER_VALUE, 0x80000020);
EQ(HVMSG_UNRECOVERABLE_EXCEPTION, 0x80000021);
EQ(HVMSG_UNSUPPORTED_FEATURE, 0x80000022);
EQ(HVMSG_OPAQUE_INTERCEPT, 0x8000003F);
EQ(HVMSG_EVENTLOG_BUFFERCOMPLETE, 0x80000040);
EQ(HVMSG_HYPERCALL_INTERCEPT, 0x80000050);
EQ(HVMSG_SYNIC_EVENT_INTERCEPT, 0x80000060);
EQ(HVMSG_SYNIC_SINT_INTERCEPT, 0x80000061);
EQ(HVMSG_SYNIC_SINT_DELIVERABLE, 0x80000062);
EQ(HVMSG_ASYNC_CALL_COMPLETION, 0x80000070);
EQ(HVMSG_SCHEDULER_VP_SIGNAL_BITSET, 0x80000100);
EQ(HVMSG_SCHEDULER_VP_SIGNAL_PAIR, 0x80000101);
EQ(HVMSG_X64_IO_PORT_INTERCEPT, 0x80010000);
EQ(HVMSG_X64_MSR_INTERCEPT, 0x80010001);
EQ(HVMSG_X64_CPUID_INTERCEPT, 0x80010002);
EQ(HVMSG_X64_EXCEPTION_INTERCEPT, 0x80010003);
EQ(HVMSG_X64_APIC_EOI, 0x80010004);
EQ(HVMSG_X64_LEGACY_FP_ERROR, 0x80010005);
EQ(HVMSG_X64_IOMMU_PRQ, 0x80010006);
EQ(HVMSG_X64_HALT, 0x80010007);
EQ(HVMSG_X64_INTERRUPTION_DELIVERABLE, 0x80010008);
EQ(HVMSG_X64_SIPI_INTERCEPT, 0x80010009);
EQ(HVMSG_ARM64_RESET_INTERCEPT, 0x8001000C);
EQ(HVMSG_X64_SEV_VMGEXIT_INTERCEPT, 0x80010013);

SZ(struct hv_timer_message_payload, 24);
OFF(struct hv_timer_message_payload, timer_index, 0);
OFF(struct hv_timer_message_payload, reserved, 4);
OFF(struct hv_timer_message_payload, expiration_time, 8);
OFF(struct hv_timer_message_payload, delivery_time, 16);
SZ(struct hv_x64_invalid_vp_register_message, 8);
OFF(struct hv_x64_invalid_vp_register_message, vp_index, 0);
OFF(struct hv_x64_invalid_vp_register_message, reserved, 4);
SZ(struct hv_x64_unsupported_feature_message, 16);
OFF(struct hv_x64_unsupported_feature_message, vp_index, 0);
OFF(struct hv_x64_unsupported_feature_message, feature_code, 4);
OFF(struct hv_x64_unsupported_feature_message, feature_parameter, 8);
EQ(HV_X64_UNSUPPORTED_FEATURE_INTERCEPT, 1);
EQ(HV_X64_UNSUPPORTED_FEATURE_TASK_SWITCH_TSS, 2);
SZ(struct hv_opaque_intercept_message, 4);
SZ(struct hv_synic_sint_intercept_message, 4);
SZ(struct hv_x64_apic_eoi_message, 8);
OFF(struct hv_x64_apic_eoi_message, vp_index, 0);
OFF(struct hv_x64_apic_eoi_message, interrupt_vector, 4);

/* ====================================================================
 * Section 3.2 struct hv_x64_intercept_message_header (40 bytes)
 * ==================================================================== */
SZ(struct hv_x64_intercept_message_header, 40);
OFF(struct hv_x64_intercept_message_header, vp_index, 0);
/* byte 4: instruction_length:4 / cr8:4 (bitfields) */
OFF(struct hv_x64_intercept_message_header, intercept_access_type, 5);
OFF(struct hv_x64_intercept_message_header, execution_state, 6);
SZ(union hv_x64_vp_execution_state, 2);
OFF(struct hv_x64_intercept_message_header, cs_segment, 8);
OFF(struct hv_x64_intercept_message_header, rip, 24);
OFF(struct hv_x64_intercept_message_header, rflags, 32);
EQ(HV_INTERCEPT_ACCESS_READ, 0);
EQ(HV_INTERCEPT_ACCESS_WRITE, 1);
EQ(HV_INTERCEPT_ACCESS_EXECUTE, 2);
EQ(HV_INTERCEPT_ACCESS_MASK_READ, 1);
EQ(HV_INTERCEPT_ACCESS_MASK_WRITE, 2);
EQ(HV_INTERCEPT_ACCESS_MASK_EXECUTE, 4);

/* ====================================================================
 * Section 3.3 intercept payloads
 * ==================================================================== */
SZ(struct hv_x64_io_port_intercept_message, 128);
OFF(struct hv_x64_io_port_intercept_message, header, 0);
OFF(struct hv_x64_io_port_intercept_message, port_number, 40);
OFF(struct hv_x64_io_port_intercept_message, access_info, 42);
SZ(union hv_x64_io_port_access_info, 1);
OFF(struct hv_x64_io_port_intercept_message, instruction_byte_count, 43);
OFF(struct hv_x64_io_port_intercept_message, reserved, 44);
OFF(struct hv_x64_io_port_intercept_message, rax, 48);
OFF(struct hv_x64_io_port_intercept_message, instruction_bytes, 56);
OFF(struct hv_x64_io_port_intercept_message, ds_segment, 72);
OFF(struct hv_x64_io_port_intercept_message, es_segment, 88);
OFF(struct hv_x64_io_port_intercept_message, rcx, 104);
OFF(struct hv_x64_io_port_intercept_message, rsi, 112);
OFF(struct hv_x64_io_port_intercept_message, rdi, 120);

SZ(struct hv_x64_memory_intercept_message, 80);
OFF(struct hv_x64_memory_intercept_message, header, 0);
OFF(struct hv_x64_memory_intercept_message, cache_type, 40);
OFF(struct hv_x64_memory_intercept_message, instruction_byte_count, 44);
OFF(struct hv_x64_memory_intercept_message, memory_access_info, 45);
SZ(union hv_x64_memory_access_info, 1);
OFF(struct hv_x64_memory_intercept_message, tpr_priority, 46);
OFF(struct hv_x64_memory_intercept_message, reserved1, 47);
OFF(struct hv_x64_memory_intercept_message, guest_virtual_address, 48);
OFF(struct hv_x64_memory_intercept_message, guest_physical_address, 56);
OFF(struct hv_x64_memory_intercept_message, instruction_bytes, 64);
SZ(((struct hv_x64_memory_intercept_message *)0)->instruction_bytes, 16);

SZ(struct hv_x64_cpuid_intercept_message, 104);
OFF(struct hv_x64_cpuid_intercept_message, rax, 40);
OFF(struct hv_x64_cpuid_intercept_message, rcx, 48);
OFF(struct hv_x64_cpuid_intercept_message, rdx, 56);
OFF(struct hv_x64_cpuid_intercept_message, rbx, 64);
OFF(struct hv_x64_cpuid_intercept_message, default_result_rax, 72);
OFF(struct hv_x64_cpuid_intercept_message, default_result_rcx, 80);
OFF(struct hv_x64_cpuid_intercept_message, default_result_rdx, 88);
OFF(struct hv_x64_cpuid_intercept_message, default_result_rbx, 96);

SZ(struct hv_x64_msr_intercept_message, 64);
OFF(struct hv_x64_msr_intercept_message, msr_number, 40);
OFF(struct hv_x64_msr_intercept_message, reserved, 44);
OFF(struct hv_x64_msr_intercept_message, rdx, 48);
OFF(struct hv_x64_msr_intercept_message, rax, 56);

SZ(struct hv_x64_exception_intercept_message, 240);
OFF(struct hv_x64_exception_intercept_message, exception_vector, 40);
OFF(struct hv_x64_exception_intercept_message, exception_info, 42);
OFF(struct hv_x64_exception_intercept_message, instruction_byte_count, 43);
OFF(struct hv_x64_exception_intercept_message, error_code, 44);
OFF(struct hv_x64_exception_intercept_message, exception_parameter, 48);
OFF(struct hv_x64_exception_intercept_message, reserved, 56);
OFF(struct hv_x64_exception_intercept_message, instruction_bytes, 64);
OFF(struct hv_x64_exception_intercept_message, ds_segment, 80);
OFF(struct hv_x64_exception_intercept_message, ss_segment, 96);
OFF(struct hv_x64_exception_intercept_message, rax, 112);
OFF(struct hv_x64_exception_intercept_message, rcx, 120);
OFF(struct hv_x64_exception_intercept_message, rdx, 128);
OFF(struct hv_x64_exception_intercept_message, rbx, 136);
OFF(struct hv_x64_exception_intercept_message, rsp, 144);
OFF(struct hv_x64_exception_intercept_message, rbp, 152);
OFF(struct hv_x64_exception_intercept_message, rsi, 160);
OFF(struct hv_x64_exception_intercept_message, rdi, 168);
OFF(struct hv_x64_exception_intercept_message, r8, 176);
OFF(struct hv_x64_exception_intercept_message, r15, 232);

SZ(struct hv_x64_hypercall_intercept_message, 196);
OFF(struct hv_x64_hypercall_intercept_message, rax, 40);
OFF(struct hv_x64_hypercall_intercept_message, rbx, 48);
OFF(struct hv_x64_hypercall_intercept_message, rcx, 56);
OFF(struct hv_x64_hypercall_intercept_message, rdx, 64);
OFF(struct hv_x64_hypercall_intercept_message, r8, 72);
OFF(struct hv_x64_hypercall_intercept_message, rsi, 80);
OFF(struct hv_x64_hypercall_intercept_message, rdi, 88);
OFF(struct hv_x64_hypercall_intercept_message, xmmregisters, 96);
OFF(struct hv_x64_hypercall_intercept_message, as_uint32, 192);

SZ(struct hv_x64_register_intercept_message, 64);
OFF(struct hv_x64_register_intercept_message, access_info_flags, 40);
OFF(struct hv_x64_register_intercept_message, reserved8, 41);
OFF(struct hv_x64_register_intercept_message, reserved16, 42);
OFF(struct hv_x64_register_intercept_message, register_name, 44);
OFF(struct hv_x64_register_intercept_message, access_info, 48);

SZ(struct hv_x64_halt_message, 40);
SZ(struct hv_x64_unrecoverable_exception_message, 40);
SZ(struct hv_x64_sint_deliverable_message, 48);
OFF(struct hv_x64_sint_deliverable_message, deliverable_sints, 40);
SZ(struct hv_x64_interruption_deliverable_message, 48);
OFF(struct hv_x64_interruption_deliverable_message, deliverable_type, 40);
OFF(struct hv_x64_interruption_deliverable_message, rsvd, 44);
EQ(HV_X64_PENDING_INTERRUPTION_TYPE_INTERRUPT, 0);
EQ(HV_X64_PENDING_INTERRUPTION_TYPE_NMI, 2);
EQ(HV_X64_PENDING_INTERRUPTION_TYPE_EXCEPTION, 3);
SZ(struct hv_x64_sipi_intercept_message, 48);
OFF(struct hv_x64_sipi_intercept_message, target_vp_index, 40);
OFF(struct hv_x64_sipi_intercept_message, interrupt_vector, 44);

SZ(struct hv_x64_vmgexit_intercept_message, 104);
OFF(struct hv_x64_vmgexit_intercept_message, ghcb_msr, 40);
OFF(struct hv_x64_vmgexit_intercept_message, flags, 48);
OFF(struct hv_x64_vmgexit_intercept_message, ghcb_usage, 56);
OFF(struct hv_x64_vmgexit_intercept_message, rsvd, 60);
OFF(struct hv_x64_vmgexit_intercept_message, protocol_version, 64);
OFF(struct hv_x64_vmgexit_intercept_message, rsvd1, 66);
OFF(struct hv_x64_vmgexit_intercept_message, sw_exit_code, 72);
OFF(struct hv_x64_vmgexit_intercept_message, sw_exit_info1, 80);
OFF(struct hv_x64_vmgexit_intercept_message, sw_exit_info2, 88);
OFF(struct hv_x64_vmgexit_intercept_message, sw_scratch, 96);

/* Every payload must fit in the 240-byte message payload */
_Static_assert(sizeof(struct hv_x64_exception_intercept_message) <= HV_MESSAGE_PAYLOAD_BYTE_COUNT, "payload");
_Static_assert(sizeof(struct hv_x64_hypercall_intercept_message) <= HV_MESSAGE_PAYLOAD_BYTE_COUNT, "payload");

EQ(HV_CACHE_TYPE_X64_UC, 0);
EQ(HV_CACHE_TYPE_X64_WC, 1);
EQ(HV_CACHE_TYPE_X64_WT, 4);
EQ(HV_CACHE_TYPE_X64_WP, 5);
EQ(HV_CACHE_TYPE_X64_WB, 6);
