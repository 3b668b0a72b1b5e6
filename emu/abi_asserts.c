// SPDX-License-Identifier: MIT
/*
 * Compile-time checks of every number, size and offset that
 * mshv-abi.md lists for the /dev/mshv UAPI (<linux/mshv.h>) and the
 * hypervisor ABI (<hyperv/hv_all.h>).  No code; compiling is the test:
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Iinclude -c emu/abi_asserts.c
 * (x86-64 only.)
 */
#include <stddef.h>
#include <linux/mshv.h>
#include <hyperv/hv_all.h>

#if !defined(__x86_64__)
#error "mshv-emu ABI checks assume x86-64"
#endif

#define SZ(T, n)	_Static_assert(sizeof(T) == (n), "sizeof(" #T ") != " #n)
#define OFF(T, f, n)	_Static_assert(offsetof(T, f) == (n), "offsetof(" #T ", " #f ") != " #n)
#define EQ(a, b)	_Static_assert((unsigned long long)(a) == (unsigned long long)(b), #a " != " #b)

/* ====================================================================
 * Section 1.1 constants
 * ==================================================================== */
EQ(MSHV_IOCTL, 0xB8);
EQ(MSHV_HV_PAGE_SIZE, 0x1000);
EQ(MSHV_RUN_VP_BUF_SZ, 256);
EQ(MSHV_NUM_CPU_FEATURES_BANKS, 2);
EQ(MSHV_PT_FLAGS_MASK, 0x3F);
EQ(MSHV_SET_MEM_FLAGS_MASK, 0x7);
EQ(MSHV_IRQFD_FLAGS_MASK, 0x3);
EQ(MSHV_IOEVENTFD_FLAGS_MASK, 0x7);
EQ(MSHV_RUN_VP_BUF_SZ, sizeof(struct hv_message));

/* ====================================================================
 * Section 1.2 enums / flag bits
 * ==================================================================== */
EQ(MSHV_PT_BIT_LAPIC, 0);
EQ(MSHV_PT_BIT_X2APIC, 1);
EQ(MSHV_PT_BIT_GPA_SUPER_PAGES, 2);
EQ(MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES, 3);
EQ(MSHV_PT_BIT_NESTED_VIRTUALIZATION, 4);
EQ(MSHV_PT_BIT_SMT_ENABLED_GUEST, 5);
EQ(MSHV_PT_BIT_COUNT, 6);
EQ(MSHV_PT_ISOLATION_NONE, 0);
EQ(MSHV_PT_ISOLATION_COUNT, 1);
EQ(MSHV_PT_ISOLATION_SNP, 1);
EQ(MSHV_PT_ISOLATION_COUNT_DOWNSTREAM, 2);
EQ(MSHV_SET_MEM_BIT_WRITABLE, 0);
EQ(MSHV_SET_MEM_BIT_EXECUTABLE, 1);
EQ(MSHV_SET_MEM_BIT_UNMAP, 2);
EQ(MSHV_IRQFD_BIT_DEASSIGN, 0);
EQ(MSHV_IRQFD_BIT_RESAMPLE, 1);
EQ(MSHV_IOEVENTFD_BIT_DATAMATCH, 0);
EQ(MSHV_IOEVENTFD_BIT_PIO, 1);
EQ(MSHV_IOEVENTFD_BIT_DEASSIGN, 2);
EQ(MSHV_GPAP_ACCESS_TYPE_ACCESSED, 0);
EQ(MSHV_GPAP_ACCESS_TYPE_DIRTY, 1);
EQ(MSHV_GPAP_ACCESS_TYPE_COUNT, 2);
EQ(MSHV_GPAP_ACCESS_OP_NOOP, 0);
EQ(MSHV_GPAP_ACCESS_OP_CLEAR, 1);
EQ(MSHV_GPAP_ACCESS_OP_SET, 2);
EQ(MSHV_GPAP_ACCESS_OP_COUNT, 3);
EQ(MSHV_VP_MMAP_OFFSET_REGISTERS, 0);
EQ(MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE, 1);
EQ(MSHV_VP_MMAP_OFFSET_GHCB, 2);
EQ(MSHV_VP_MMAP_OFFSET_COUNT, 3);
EQ(MSHV_VP_STATE_LAPIC, 0);
EQ(MSHV_VP_STATE_XSAVE, 1);
EQ(MSHV_VP_STATE_SIMP, 2);
EQ(MSHV_VP_STATE_SIEFP, 3);
EQ(MSHV_VP_STATE_SYNTHETIC_TIMERS, 4);
EQ(MSHV_VP_STATE_COUNT, 5);
/* downstream */
EQ(MSHV_GPA_HOST_ACCESS_BIT_ACQUIRE, 0);
EQ(MSHV_GPA_HOST_ACCESS_BIT_READABLE, 1);
EQ(MSHV_GPA_HOST_ACCESS_BIT_WRITABLE, 2);
EQ(MSHV_GPA_HOST_ACCESS_BIT_LARGE_PAGE, 3);
EQ(MSHV_ISOLATED_PAGE_NORMAL, 0);
EQ(MSHV_ISOLATED_PAGE_VMSA, 1);
EQ(MSHV_ISOLATED_PAGE_ZERO, 2);
EQ(MSHV_ISOLATED_PAGE_UNMEASURED, 3);
EQ(MSHV_ISOLATED_PAGE_SECRETS, 4);
EQ(MSHV_ISOLATED_PAGE_CPUID, 5);
EQ(MSHV_DEV_TYPE_VFIO, 0);
EQ(MSHV_DEV_VFIO_FILE, 1);
EQ(MSHV_DEV_VFIO_FILE_ADD, 1);
EQ(MSHV_DEV_VFIO_FILE_DEL, 2);
EQ(MSHV_DIAG_IOCTL, 185);
EQ(MSHV_TRACE_IOCTL, 186);

/* ====================================================================
 * Section 1.3 structures
 * ==================================================================== */
SZ(struct mshv_create_partition, 16);
OFF(struct mshv_create_partition, pt_flags, 0);
OFF(struct mshv_create_partition, pt_isolation, 8);

SZ(struct mshv_create_partition_v2, 64);
OFF(struct mshv_create_partition_v2, pt_flags, 0);
OFF(struct mshv_create_partition_v2, pt_isolation, 8);
OFF(struct mshv_create_partition_v2, pt_num_cpu_fbanks, 16);
OFF(struct mshv_create_partition_v2, pt_rsvd, 18);
SZ(((struct mshv_create_partition_v2 *)0)->pt_rsvd, 6);
OFF(struct mshv_create_partition_v2, pt_cpu_fbanks, 24);
SZ(((struct mshv_create_partition_v2 *)0)->pt_cpu_fbanks, 16);
OFF(struct mshv_create_partition_v2, pt_rsvd1, 40);
SZ(((struct mshv_create_partition_v2 *)0)->pt_rsvd1, 16);
OFF(struct mshv_create_partition_v2, pt_disabled_xsave, 56);

SZ(struct mshv_create_vp, 4);
OFF(struct mshv_create_vp, vp_index, 0);

SZ(struct mshv_user_mem_region, 32);
OFF(struct mshv_user_mem_region, size, 0);
OFF(struct mshv_user_mem_region, guest_pfn, 8);
OFF(struct mshv_user_mem_region, userspace_addr, 16);
OFF(struct mshv_user_mem_region, flags, 24);
SZ(((struct mshv_user_mem_region *)0)->flags, 1);
OFF(struct mshv_user_mem_region, rsvd, 25);
SZ(((struct mshv_user_mem_region *)0)->rsvd, 7);

SZ(struct mshv_user_irqfd, 16);
OFF(struct mshv_user_irqfd, fd, 0);
OFF(struct mshv_user_irqfd, resamplefd, 4);
OFF(struct mshv_user_irqfd, gsi, 8);
OFF(struct mshv_user_irqfd, flags, 12);

SZ(struct mshv_user_ioeventfd, 32);
OFF(struct mshv_user_ioeventfd, datamatch, 0);
OFF(struct mshv_user_ioeventfd, addr, 8);
OFF(struct mshv_user_ioeventfd, len, 16);
OFF(struct mshv_user_ioeventfd, fd, 20);
OFF(struct mshv_user_ioeventfd, flags, 24);
OFF(struct mshv_user_ioeventfd, rsvd, 28);
SZ(((struct mshv_user_ioeventfd *)0)->rsvd, 4);

SZ(struct mshv_user_irq_entry, 16);
OFF(struct mshv_user_irq_entry, gsi, 0);
OFF(struct mshv_user_irq_entry, address_lo, 4);
OFF(struct mshv_user_irq_entry, address_hi, 8);
OFF(struct mshv_user_irq_entry, data, 12);

SZ(struct mshv_user_irq_table, 8);
OFF(struct mshv_user_irq_table, nr, 0);
OFF(struct mshv_user_irq_table, rsvd, 4);
OFF(struct mshv_user_irq_table, entries, 8);

SZ(struct mshv_gpap_access_bitmap, 32);
OFF(struct mshv_gpap_access_bitmap, access_type, 0);
OFF(struct mshv_gpap_access_bitmap, access_op, 1);
OFF(struct mshv_gpap_access_bitmap, rsvd, 2);
SZ(((struct mshv_gpap_access_bitmap *)0)->rsvd, 6);
OFF(struct mshv_gpap_access_bitmap, page_count, 8);
OFF(struct mshv_gpap_access_bitmap, gpap_base, 16);
OFF(struct mshv_gpap_access_bitmap, bitmap_ptr, 24);

SZ(struct mshv_root_hvcall, 32);
OFF(struct mshv_root_hvcall, code, 0);
OFF(struct mshv_root_hvcall, reps, 2);
OFF(struct mshv_root_hvcall, in_sz, 4);
OFF(struct mshv_root_hvcall, out_sz, 6);
OFF(struct mshv_root_hvcall, status, 8);
OFF(struct mshv_root_hvcall, rsvd, 10);
SZ(((struct mshv_root_hvcall *)0)->rsvd, 6);
OFF(struct mshv_root_hvcall, in_ptr, 16);
OFF(struct mshv_root_hvcall, out_ptr, 24);

SZ(struct mshv_run_vp, 256);
OFF(struct mshv_run_vp, msg_buf, 0);

SZ(struct mshv_get_set_vp_state, 16);
OFF(struct mshv_get_set_vp_state, type, 0);
OFF(struct mshv_get_set_vp_state, rsvd, 1);
SZ(((struct mshv_get_set_vp_state *)0)->rsvd, 3);
OFF(struct mshv_get_set_vp_state, buf_sz, 4);
OFF(struct mshv_get_set_vp_state, buf_ptr, 8);

/* Downstream-only structs */
SZ(struct mshv_partition_property, 16);
OFF(struct mshv_partition_property, property_code, 0);
OFF(struct mshv_partition_property, property_value, 8);

SZ(struct mshv_create_device, 12);
OFF(struct mshv_create_device, type, 0);
OFF(struct mshv_create_device, fd, 4);
OFF(struct mshv_create_device, flags, 8);

SZ(struct mshv_device_attr, 24);
OFF(struct mshv_device_attr, flags, 0);
OFF(struct mshv_device_attr, group, 4);
OFF(struct mshv_device_attr, attr, 8);
OFF(struct mshv_device_attr, addr, 16);

SZ(struct mshv_modify_gpa_host_access, 16);
OFF(struct mshv_modify_gpa_host_access, flags, 0);
OFF(struct mshv_modify_gpa_host_access, rsvd, 1);
OFF(struct mshv_modify_gpa_host_access, page_count, 8);
OFF(struct mshv_modify_gpa_host_access, guest_pfns, 16);

SZ(struct mshv_import_isolated_pages, 16);
OFF(struct mshv_import_isolated_pages, page_type, 0);
OFF(struct mshv_import_isolated_pages, rsvd, 1);
OFF(struct mshv_import_isolated_pages, page_count, 8);
OFF(struct mshv_import_isolated_pages, guest_pfns, 16);

SZ(struct mshv_complete_isolated_import, 3334);

SZ(struct mshv_issue_psp_guest_request, 16);
OFF(struct mshv_issue_psp_guest_request, req_gpa, 0);
OFF(struct mshv_issue_psp_guest_request, rsp_gpa, 8);

SZ(struct mshv_sev_snp_ap_create, 16);
OFF(struct mshv_sev_snp_ap_create, vp_id, 0);
OFF(struct mshv_sev_snp_ap_create, vmsa_gpa, 8);

SZ(struct mshv_install_intercept, 16);
OFF(struct mshv_install_intercept, access_type_mask, 0);
OFF(struct mshv_install_intercept, intercept_type, 4);
OFF(struct mshv_install_intercept, intercept_parameter, 8);

SZ(struct mshv_assert_interrupt, 24);
OFF(struct mshv_assert_interrupt, control, 0);
OFF(struct mshv_assert_interrupt, dest_addr, 8);
OFF(struct mshv_assert_interrupt, vector, 16);
OFF(struct mshv_assert_interrupt, rsvd, 20);

SZ(struct mshv_signal_event_direct, 12);
OFF(struct mshv_signal_event_direct, vp, 0);
OFF(struct mshv_signal_event_direct, vtl, 4);
OFF(struct mshv_signal_event_direct, sint, 5);
OFF(struct mshv_signal_event_direct, flag, 6);
OFF(struct mshv_signal_event_direct, newly_signaled, 8);

SZ(struct mshv_post_message_direct, 16);
OFF(struct mshv_post_message_direct, vp, 0);
OFF(struct mshv_post_message_direct, vtl, 4);
OFF(struct mshv_post_message_direct, sint, 5);
OFF(struct mshv_post_message_direct, length, 6);
OFF(struct mshv_post_message_direct, message, 8);

SZ(struct mshv_register_deliverabilty_notifications, 16);
OFF(struct mshv_register_deliverabilty_notifications, vp, 0);
OFF(struct mshv_register_deliverabilty_notifications, pad, 4);
OFF(struct mshv_register_deliverabilty_notifications, flag, 8);

SZ(struct mshv_vp_registers, 16);
OFF(struct mshv_vp_registers, count, 0);
OFF(struct mshv_vp_registers, regs, 8);

SZ(struct mshv_translate_gva, 32);
OFF(struct mshv_translate_gva, gva, 0);
OFF(struct mshv_translate_gva, flags, 8);
OFF(struct mshv_translate_gva, result, 16);
OFF(struct mshv_translate_gva, gpa, 24);

SZ(struct mshv_register_intercept_result, 48);
OFF(struct mshv_register_intercept_result, intercept_type, 0);
OFF(struct mshv_register_intercept_result, parameters, 4);
SZ(((struct mshv_register_intercept_result *)0)->parameters,
   sizeof(union hv_register_intercept_result_parameters));

SZ(struct mshv_get_vp_cpuid_values, 40);
OFF(struct mshv_get_vp_cpuid_values, function, 0);
OFF(struct mshv_get_vp_cpuid_values, index, 4);
OFF(struct mshv_get_vp_cpuid_values, xfem, 8);
OFF(struct mshv_get_vp_cpuid_values, xss, 16);
OFF(struct mshv_get_vp_cpuid_values, eax, 24);
OFF(struct mshv_get_vp_cpuid_values, ebx, 28);
OFF(struct mshv_get_vp_cpuid_values, ecx, 32);
OFF(struct mshv_get_vp_cpuid_values, edx, 36);

SZ(struct mshv_read_write_gpa, 32);
OFF(struct mshv_read_write_gpa, base_gpa, 0);
OFF(struct mshv_read_write_gpa, byte_count, 8);
OFF(struct mshv_read_write_gpa, flags, 12);
OFF(struct mshv_read_write_gpa, data, 16);

/* ====================================================================
 * Section 1.4 upstream ioctl request values
 * ==================================================================== */
EQ(MSHV_CREATE_PARTITION, 0x4010B800);
EQ(MSHV_ROOT_HVCALL, 0xC020B807);
EQ(MSHV_INITIALIZE_PARTITION, 0x0000B800);
EQ(MSHV_CREATE_VP, 0x4004B801);
EQ(MSHV_SET_GUEST_MEMORY, 0x4020B802);
EQ(MSHV_IRQFD, 0x4010B803);
EQ(MSHV_IOEVENTFD, 0x4020B804);
EQ(MSHV_SET_MSI_ROUTING, 0x4008B805);
EQ(MSHV_GET_GPAP_ACCESS_BITMAP, 0xC020B806);
EQ(MSHV_RUN_VP, 0x8100B800);
EQ(MSHV_GET_VP_STATE, 0xC010B801);
EQ(MSHV_SET_VP_STATE, 0xC010B802);

/* Section 1.5(b) downstream request values */
EQ(MSHV_GET_HOST_PARTITION_PROPERTY, 0xC010B801);
EQ(MSHV_CREATE_DEVICE, 0xC00CB808);
EQ(MSHV_MODIFY_GPA_HOST_ACCESS, 0x4010B809);
EQ(MSHV_IMPORT_ISOLATED_PAGES, 0x4010B80A);
EQ(MSHV_INSTALL_INTERCEPT, 0x4010B8F0);
EQ(MSHV_ASSERT_INTERRUPT, 0x4018B8F1);
EQ(MSHV_SET_PARTITION_PROPERTY, 0x4010B8F2);
EQ(MSHV_GET_PARTITION_PROPERTY, 0xC010B8F3);
EQ(MSHV_COMPLETE_ISOLATED_IMPORT, 0x4D06B8F4);
EQ(MSHV_ISSUE_PSP_GUEST_REQUEST, 0x4010B8F5);
EQ(MSHV_SEV_SNP_AP_CREATE, 0x4010B8F6);
EQ(MSHV_SIGNAL_EVENT_DIRECT, 0xC00CB8F7);
EQ(MSHV_POST_MESSAGE_DIRECT, 0x4010B8F8);
EQ(MSHV_REGISTER_DELIVERABILITY_NOTIFICATIONS, 0x4010B8F9);
EQ(MSHV_GET_VP_REGISTERS, 0xC010B8F0);
EQ(MSHV_SET_VP_REGISTERS, 0x4010B8F1);
EQ(MSHV_VP_TRANSLATE_GVA, 0xC020B8F2);
EQ(MSHV_VP_REGISTER_INTERCEPT_RESULT, 0x4030B8F3);
EQ(MSHV_GET_VP_CPUID_VALUES, 0xC028B8F4);
EQ(MSHV_READ_GPA, 0xC020B8F5);
EQ(MSHV_WRITE_GPA, 0x4020B8F6);
EQ(MSHV_SET_DEVICE_ATTR, 0x4018B800);
EQ(MSHV_GET_DEVICE_ATTR, 0x4018B801);
EQ(MSHV_HAS_DEVICE_ATTR, 0x4018B802);

/* ====================================================================
 * Section 2.14 / 3.5 HV_STATUS values
 * ==================================================================== */
EQ(HV_STATUS_SUCCESS, 0x0);
EQ(HV_STATUS_INVALID_HYPERCALL_CODE, 0x2);
EQ(HV_STATUS_INVALID_HYPERCALL_INPUT, 0x3);
EQ(HV_STATUS_INVALID_ALIGNMENT, 0x4);
EQ(HV_STATUS_INVALID_PARAMETER, 0x5);
EQ(HV_STATUS_ACCESS_DENIED, 0x6);
EQ(HV_STATUS_INVALID_PARTITION_STATE, 0x7);
EQ(HV_STATUS_OPERATION_DENIED, 0x8);
EQ(HV_STATUS_UNKNOWN_PROPERTY, 0x9);
EQ(HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE, 0xA);
EQ(HV_STATUS_INSUFFICIENT_MEMORY, 0xB);
EQ(HV_STATUS_INVALID_PARTITION_ID, 0xD);
EQ(HV_STATUS_INVALID_VP_INDEX, 0xE);
EQ(HV_STATUS_NOT_FOUND, 0x10);
EQ(HV_STATUS_INVALID_PORT_ID, 0x11);
EQ(HV_STATUS_INVALID_CONNECTION_ID, 0x12);
EQ(HV_STATUS_INSUFFICIENT_BUFFERS, 0x13);
EQ(HV_STATUS_NOT_ACKNOWLEDGED, 0x14);
EQ(HV_STATUS_INVALID_VP_STATE, 0x15);
EQ(HV_STATUS_NO_RESOURCES, 0x1D);
EQ(HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED, 0x20);
EQ(HV_STATUS_INVALID_LP_INDEX, 0x41);
EQ(HV_STATUS_INVALID_REGISTER_VALUE, 0x50);
EQ(HV_STATUS_OPERATION_FAILED, 0x71);
EQ(HV_STATUS_TIME_OUT, 0x78);
EQ(HV_STATUS_CALL_PENDING, 0x79);
EQ(HV_STATUS_VTL_ALREADY_ENABLED, 0x86);

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

/* ====================================================================
 * Section 3.4 hypercalls
 * ==================================================================== */
EQ(HVCALL_GET_PARTITION_PROPERTY, 0x0044);
EQ(HVCALL_SET_PARTITION_PROPERTY, 0x0045);
EQ(HVCALL_GET_PARTITION_PROPERTY_EX, 0x0101);
EQ(HVCALL_INSTALL_INTERCEPT, 0x004d);
EQ(HVCALL_GET_VP_REGISTERS, 0x0050);
EQ(HVCALL_SET_VP_REGISTERS, 0x0051);
EQ(HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0x0052);
EQ(HVCALL_READ_GPA, 0x0053);
EQ(HVCALL_WRITE_GPA, 0x0054);
EQ(HVCALL_CLEAR_VIRTUAL_INTERRUPT, 0x0056);
EQ(HVCALL_REGISTER_INTERCEPT_RESULT, 0x0091);
EQ(HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0x0094);
EQ(HVCALL_SIGNAL_EVENT_DIRECT, 0x00c0);
EQ(HVCALL_POST_MESSAGE_DIRECT, 0x00c1);
EQ(HVCALL_GET_GPA_PAGES_ACCESS_STATES, 0x00c9);
EQ(HVCALL_GET_VP_CPUID_VALUES, 0x00f4);
EQ(HVCALL_SCRUB_PARTITION, 0x008d);
EQ(HVCALL_CREATE_PARTITION, 0x0040);
EQ(HVCALL_INITIALIZE_PARTITION, 0x0041);
EQ(HVCALL_FINALIZE_PARTITION, 0x0042);
EQ(HVCALL_DELETE_PARTITION, 0x0043);
EQ(HVCALL_GET_PARTITION_ID, 0x0046);
EQ(HVCALL_DEPOSIT_MEMORY, 0x0048);
EQ(HVCALL_WITHDRAW_MEMORY, 0x0049);
EQ(HVCALL_MAP_GPA_PAGES, 0x004b);
EQ(HVCALL_UNMAP_GPA_PAGES, 0x004c);
EQ(HVCALL_CREATE_VP, 0x004e);
EQ(HVCALL_DELETE_VP, 0x004f);
EQ(HVCALL_POST_MESSAGE, 0x005c);
EQ(HVCALL_SIGNAL_EVENT, 0x005d);
EQ(HVCALL_MAP_STATS_PAGE, 0x006c);
EQ(HVCALL_UNMAP_STATS_PAGE, 0x006d);
EQ(HVCALL_GET_SYSTEM_PROPERTY, 0x007b);
EQ(HVCALL_NOTIFY_PORT_RING_EMPTY, 0x008b);
EQ(HVCALL_CREATE_PORT, 0x0095);
EQ(HVCALL_CONNECT_PORT, 0x0096);
EQ(HVCALL_DISPATCH_VP, 0x00c2);
EQ(HVCALL_MAP_VP_STATE_PAGE, 0x00e1);
EQ(HVCALL_UNMAP_VP_STATE_PAGE, 0x00e2);
EQ(HVCALL_GET_VP_STATE, 0x00e3);
EQ(HVCALL_SET_VP_STATE, 0x00e4);
EQ(HVCALL_IMPORT_ISOLATED_PAGES, 0x00ef);
EQ(HVCALL_COMPLETE_ISOLATED_IMPORT, 0x00f1);
EQ(HVCALL_ISSUE_SNP_PSP_GUEST_REQUEST, 0x00f2);
EQ(HVCALL_MMIO_READ, 0x0106);
EQ(HVCALL_MMIO_WRITE, 0x0107);

/* Control word */
EQ(HV_HYPERCALL_FAST_BIT, 1ULL << 16);
EQ(HV_HYPERCALL_VARHEAD_MASK, 0x3FFULL << 17);
EQ(HV_HYPERCALL_NESTED, 1ULL << 31);
EQ(HV_HYPERCALL_REP_COMP_MASK, 0xFFFULL << 32);
EQ(HV_HYPERCALL_REP_START_MASK, 0xFFFULL << 48);
EQ(HV_HYPERCALL_CONTROL_REP_COUNT(HV_HYPERCALL_MAKE_CONTROL(0x50, 5, 2)), 5);
EQ(HV_HYPERCALL_CONTROL_REP_START(HV_HYPERCALL_MAKE_CONTROL(0x50, 5, 2)), 2);
EQ(HV_HYPERCALL_CONTROL_CODE(HV_HYPERCALL_MAKE_CONTROL(0x50, 5, 2)), 0x50);

/* GET_PARTITION_PROPERTY */
SZ(struct hv_input_get_partition_property, 16);
OFF(struct hv_input_get_partition_property, partition_id, 0);
OFF(struct hv_input_get_partition_property, property_code, 8);
OFF(struct hv_input_get_partition_property, padding, 12);
SZ(struct hv_output_get_partition_property, 8);
/* SET_PARTITION_PROPERTY */
SZ(struct hv_input_set_partition_property, 24);
OFF(struct hv_input_set_partition_property, property_code, 8);
OFF(struct hv_input_set_partition_property, padding, 12);
OFF(struct hv_input_set_partition_property, property_value, 16);
/* GET_PARTITION_PROPERTY_EX */
SZ(struct hv_input_get_partition_property_ex, 24);
OFF(struct hv_input_get_partition_property_ex, property_code, 8);
OFF(struct hv_input_get_partition_property_ex, padding, 12);
OFF(struct hv_input_get_partition_property_ex, arg, 16);
EQ(HV_PARTITION_PROPERTY_EX_MAX_VAR_SIZE, 4072);
SZ(struct hv_output_get_partition_property_ex, 4072);
SZ(struct hv_partition_property_vmm_capabilities, 16);
OFF(struct hv_partition_property_vmm_capabilities, bank_count, 0);
OFF(struct hv_partition_property_vmm_capabilities, reserved, 2);
OFF(struct hv_partition_property_vmm_capabilities, as_uint64, 8);
/* INSTALL_INTERCEPT */
SZ(struct hv_input_install_intercept, 24);
OFF(struct hv_input_install_intercept, access_type, 8);
OFF(struct hv_input_install_intercept, intercept_type, 12);
OFF(struct hv_input_install_intercept, intercept_parameter, 16);
OFF(struct hv_input_install_intercept, parameters, 16);
SZ(union hv_intercept_parameters, 8);
EQ(HV_INTERCEPT_TYPE_X64_IO_PORT, 0);
EQ(HV_INTERCEPT_TYPE_X64_MSR, 1);
EQ(HV_INTERCEPT_TYPE_X64_CPUID, 2);
EQ(HV_INTERCEPT_TYPE_EXCEPTION, 3);
EQ(HV_INTERCEPT_TYPE_RESERVED0, 4);
EQ(HV_INTERCEPT_TYPE_MMIO, 5);
EQ(HV_INTERCEPT_TYPE_X64_GLOBAL_CPUID, 6);
EQ(HV_INTERCEPT_TYPE_X64_APIC_SMI, 7);
EQ(HV_INTERCEPT_TYPE_HYPERCALL, 8);
EQ(HV_INTERCEPT_TYPE_X64_APIC_INIT_SIPI, 9);
EQ(HV_INTERCEPT_MC_UPDATE_PATCH_LEVEL_MSR_READ, 0xA);
EQ(HV_INTERCEPT_TYPE_X64_APIC_WRITE, 0xB);
EQ(HV_INTERCEPT_TYPE_X64_MSR_INDEX, 0xC);
/* GET_VP_REGISTERS */
SZ(struct hv_input_get_vp_registers, 16);
OFF(struct hv_input_get_vp_registers, vp_index, 8);
OFF(struct hv_input_get_vp_registers, input_vtl, 12);
OFF(struct hv_input_get_vp_registers, rsvd_z8, 13);
OFF(struct hv_input_get_vp_registers, rsvd_z16, 14);
OFF(struct hv_input_get_vp_registers, names, 16);
/* SET_VP_REGISTERS */
SZ(struct hv_input_set_vp_registers, 16);
OFF(struct hv_input_set_vp_registers, vp_index, 8);
OFF(struct hv_input_set_vp_registers, input_vtl, 12);
OFF(struct hv_input_set_vp_registers, elements, 16);
/* TRANSLATE_VIRTUAL_ADDRESS */
SZ(struct hv_input_translate_virtual_address, 32);
OFF(struct hv_input_translate_virtual_address, vp_index, 8);
OFF(struct hv_input_translate_virtual_address, padding, 12);
OFF(struct hv_input_translate_virtual_address, control_flags, 16);
OFF(struct hv_input_translate_virtual_address, gva_page, 24);
SZ(struct hv_output_translate_virtual_address, 16);
OFF(struct hv_output_translate_virtual_address, translation_result, 0);
OFF(struct hv_output_translate_virtual_address, gpa_page, 8);
SZ(union hv_translate_gva_result, 8);
OFF(union hv_translate_gva_result, result_code, 0);
EQ(HV_TRANSLATE_GVA_VALIDATE_READ, 0x1);
EQ(HV_TRANSLATE_GVA_VALIDATE_WRITE, 0x2);
EQ(HV_TRANSLATE_GVA_VALIDATE_EXECUTE, 0x4);
EQ(HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT, 0x8);
EQ(HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS, 0x10);
EQ(HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT, 0x20);
EQ(HV_TRANSLATE_GVA_SUPERVISOR_ACCESS, 0x40);
EQ(HV_TRANSLATE_GVA_USER_ACCESS, 0x80);
EQ(HV_TRANSLATE_GVA_ENFORCE_SMAP, 0x100);
EQ(HV_TRANSLATE_GVA_OVERRIDE_SMAP, 0x200);
EQ(HV_TRANSLATE_GVA_SHADOW_STACK, 0x400);
EQ(HV_TRANSLATE_GVA_SUCCESS, 0);
EQ(HV_TRANSLATE_GVA_PAGE_NOT_PRESENT, 1);
EQ(HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION, 2);
EQ(HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS, 3);
EQ(HV_TRANSLATE_GVA_GPA_UNMAPPED, 4);
EQ(HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS, 5);
EQ(HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS, 6);
EQ(HV_TRANSLATE_GVA_GPA_ILLEGAL_OVERLAY_ACCESS, 7);
EQ(HV_TRANSLATE_GVA_INTERCEPT, 8);
EQ(HV_TRANSLATE_GVA_GPA_UNACCEPTED, 9);
/* READ_GPA / WRITE_GPA */
SZ(struct hv_input_read_gpa, 32);
OFF(struct hv_input_read_gpa, vp_index, 8);
OFF(struct hv_input_read_gpa, byte_count, 12);
OFF(struct hv_input_read_gpa, base_gpa, 16);
OFF(struct hv_input_read_gpa, control_flags, 24);
SZ(struct hv_output_read_gpa, 24);
OFF(struct hv_output_read_gpa, access_result, 0);
OFF(struct hv_output_read_gpa, data, 8);
SZ(struct hv_input_write_gpa, 48);
OFF(struct hv_input_write_gpa, control_flags, 24);
OFF(struct hv_input_write_gpa, data, 32);
SZ(struct hv_output_write_gpa, 8);
/* CLEAR_VIRTUAL_INTERRUPT */
SZ(struct hv_input_clear_virtual_interrupt, 8);
/* REGISTER_INTERCEPT_RESULT */
SZ(struct hv_input_register_intercept_result, 60);
OFF(struct hv_input_register_intercept_result, vp_index, 8);
OFF(struct hv_input_register_intercept_result, intercept_type, 12);
OFF(struct hv_input_register_intercept_result, parameters, 16);
SZ(union hv_register_intercept_result_parameters, 44);
SZ(struct hv_register_x64_cpuid_result_parameters, 44);
OFF(struct hv_register_x64_cpuid_result_parameters, input.eax, 0);
OFF(struct hv_register_x64_cpuid_result_parameters, input.ecx, 4);
OFF(struct hv_register_x64_cpuid_result_parameters, input.subleaf_specific, 8);
OFF(struct hv_register_x64_cpuid_result_parameters, input.always_override, 9);
OFF(struct hv_register_x64_cpuid_result_parameters, input.padding, 10);
OFF(struct hv_register_x64_cpuid_result_parameters, result.eax, 12);
OFF(struct hv_register_x64_cpuid_result_parameters, result.eax_mask, 16);
OFF(struct hv_register_x64_cpuid_result_parameters, result.ebx, 20);
OFF(struct hv_register_x64_cpuid_result_parameters, result.ebx_mask, 24);
OFF(struct hv_register_x64_cpuid_result_parameters, result.ecx, 28);
OFF(struct hv_register_x64_cpuid_result_parameters, result.ecx_mask, 32);
OFF(struct hv_register_x64_cpuid_result_parameters, result.edx, 36);
OFF(struct hv_register_x64_cpuid_result_parameters, result.edx_mask, 40);
SZ(struct hv_register_x64_msr_result_parameters, 12);
OFF(struct hv_register_x64_msr_result_parameters, msr_index, 0);
OFF(struct hv_register_x64_msr_result_parameters, access_type, 4);
OFF(struct hv_register_x64_msr_result_parameters, action, 8);
/* ASSERT_VIRTUAL_INTERRUPT */
SZ(struct hv_input_assert_virtual_interrupt, 32);
OFF(struct hv_input_assert_virtual_interrupt, control, 8);
OFF(struct hv_input_assert_virtual_interrupt, dest_addr, 16);
OFF(struct hv_input_assert_virtual_interrupt, vector, 24);
OFF(struct hv_input_assert_virtual_interrupt, target_vtl, 28);
OFF(struct hv_input_assert_virtual_interrupt, rsvd_z0, 29);
OFF(struct hv_input_assert_virtual_interrupt, rsvd_z1, 30);
SZ(union hv_interrupt_control, 8);
OFF(union hv_interrupt_control, interrupt_type, 0);
EQ(HV_X64_INTERRUPT_TYPE_FIXED, 0);
EQ(HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY, 1);
EQ(HV_X64_INTERRUPT_TYPE_SMI, 2);
EQ(HV_X64_INTERRUPT_TYPE_REMOTEREAD, 3);
EQ(HV_X64_INTERRUPT_TYPE_NMI, 4);
EQ(HV_X64_INTERRUPT_TYPE_INIT, 5);
EQ(HV_X64_INTERRUPT_TYPE_SIPI, 6);
EQ(HV_X64_INTERRUPT_TYPE_EXTINT, 7);
EQ(HV_X64_INTERRUPT_TYPE_LOCALINT0, 8);
EQ(HV_X64_INTERRUPT_TYPE_LOCALINT1, 9);
/* SIGNAL_EVENT_DIRECT */
SZ(struct hv_input_signal_event_direct, 16);
OFF(struct hv_input_signal_event_direct, target_vp, 8);
OFF(struct hv_input_signal_event_direct, target_vtl, 12);
OFF(struct hv_input_signal_event_direct, target_sint, 13);
OFF(struct hv_input_signal_event_direct, flag_number, 14);
SZ(struct hv_output_signal_event_direct, 8);
/* POST_MESSAGE_DIRECT */
SZ(struct hv_input_post_message_direct, 280);
OFF(struct hv_input_post_message_direct, vp_index, 8);
OFF(struct hv_input_post_message_direct, vtl, 12);
OFF(struct hv_input_post_message_direct, padding, 13);
OFF(struct hv_input_post_message_direct, sint_index, 16);
OFF(struct hv_input_post_message_direct, message, 20);
OFF(struct hv_input_post_message_direct, padding2, 276);
/* GET_GPA_PAGES_ACCESS_STATES */
SZ(struct hv_input_get_gpa_pages_access_state, 24);
OFF(struct hv_input_get_gpa_pages_access_state, flags, 8);
OFF(struct hv_input_get_gpa_pages_access_state, hv_gpa_page_number, 16);
SZ(union hv_gpa_page_access_state_flags, 8);
SZ(union hv_gpa_page_access_state, 1);
/* GET_VP_CPUID_VALUES */
SZ(struct hv_input_get_vp_cpuid_values, 24);
OFF(struct hv_input_get_vp_cpuid_values, vp_index, 8);
OFF(struct hv_input_get_vp_cpuid_values, flags, 12);
OFF(struct hv_input_get_vp_cpuid_values, reserved, 16);
OFF(struct hv_input_get_vp_cpuid_values, padding, 20);
OFF(struct hv_input_get_vp_cpuid_values, cpuid_leaf_info, 24);
SZ(struct hv_cpuid_leaf_info, 24);
OFF(struct hv_cpuid_leaf_info, eax, 0);
OFF(struct hv_cpuid_leaf_info, ecx, 4);
OFF(struct hv_cpuid_leaf_info, xfem, 8);
OFF(struct hv_cpuid_leaf_info, xss, 16);
SZ(union hv_output_get_vp_cpuid_values, 16);
OFF(union hv_output_get_vp_cpuid_values, eax, 0);
OFF(union hv_output_get_vp_cpuid_values, ebx, 4);
OFF(union hv_output_get_vp_cpuid_values, ecx, 8);
OFF(union hv_output_get_vp_cpuid_values, edx, 12);
/* Kernel-internal */
SZ(struct hv_input_map_gpa_pages, 24);
OFF(struct hv_input_map_gpa_pages, target_gpa_base, 8);
OFF(struct hv_input_map_gpa_pages, map_flags, 16);
OFF(struct hv_input_map_gpa_pages, source_gpa_page_list, 24);
SZ(struct hv_input_unmap_gpa_pages, 24);
SZ(struct hv_input_get_vp_state, 40);
OFF(struct hv_input_get_vp_state, state_data, 16);
OFF(struct hv_input_get_vp_state, output_data_pfns, 40);
SZ(struct hv_input_set_vp_state, 40);
OFF(struct hv_input_set_vp_state, data, 40);
SZ(struct hv_vp_state_data, 24);
SZ(struct hv_input_dispatch_vp, 32);
OFF(struct hv_input_dispatch_vp, flags, 12);
OFF(struct hv_input_dispatch_vp, time_slice, 16);
OFF(struct hv_input_dispatch_vp, spec_ctrl, 24);
SZ(struct hv_output_dispatch_vp, 8);
SZ(struct hv_partition_creation_properties, 24);
SZ(struct hv_input_create_partition, 56);
OFF(struct hv_input_create_partition, compatibility_version, 16);
OFF(struct hv_input_create_partition, partition_creation_properties, 24);
OFF(struct hv_input_create_partition, isolation_properties, 48);
SZ(struct hv_input_map_vp_state_page, 16);

/* Page-size limits implied by the 4K input/output pages */
EQ((4096 - sizeof(struct hv_input_get_vp_registers)) / sizeof(uint32_t), 1020);
EQ(4096 / sizeof(union hv_register_value), 256);
EQ((4096 - sizeof(struct hv_input_set_vp_registers)) / sizeof(struct hv_register_assoc), 127);

/* ====================================================================
 * Section 3.6 register names (spot checks of every group)
 * ==================================================================== */
EQ(HV_REGISTER_EXPLICIT_SUSPEND, 0x0);
EQ(HV_REGISTER_INTERCEPT_SUSPEND, 0x1);
EQ(HV_REGISTER_INSTRUCTION_EMULATION_HINTS, 0x2);
EQ(HV_REGISTER_DISPATCH_SUSPEND, 0x3);
EQ(HV_REGISTER_INTERNAL_ACTIVITY_STATE, 0x4);
EQ(HV_REGISTER_HYPERVISOR_VERSION, 0x100);
EQ(HV_REGISTER_PRIVILEGES_AND_FEATURES_INFO, 0x200);
EQ(HV_REGISTER_IPT_FEATURES_INFO, 0x208);
EQ(HV_REGISTER_GUEST_CRASH_P0, 0x210);
EQ(HV_REGISTER_GUEST_CRASH_CTL, 0x215);
EQ(HV_REGISTER_PENDING_INTERRUPTION, 0x10002);
EQ(HV_REGISTER_INTERRUPT_STATE, 0x10003);
EQ(HV_REGISTER_PENDING_EVENT0, 0x10004);
EQ(HV_REGISTER_PENDING_EVENT1, 0x10005);
EQ(HV_REGISTER_DELIVERABILITY_NOTIFICATIONS, 0x10006);
EQ(HV_X64_REGISTER_PENDING_DEBUG_EXCEPTION, 0x10007);
EQ(HV_X64_REGISTER_RAX, 0x20000);
EQ(HV_X64_REGISTER_R15, 0x2000F);
EQ(HV_X64_REGISTER_RIP, 0x20010);
EQ(HV_X64_REGISTER_RFLAGS, 0x20011);
EQ(HV_X64_REGISTER_XMM15, 0x3000F);
EQ(HV_X64_REGISTER_FP_MMX7, 0x30017);
EQ(HV_X64_REGISTER_FP_CONTROL_STATUS, 0x30018);
EQ(HV_X64_REGISTER_XMM_CONTROL_STATUS, 0x30019);
EQ(HV_X64_REGISTER_CR0, 0x40000);
EQ(HV_X64_REGISTER_CR8, 0x40004);
EQ(HV_X64_REGISTER_XFEM, 0x40005);
EQ(HV_X64_REGISTER_INTERMEDIATE_CR0, 0x41000);
EQ(HV_X64_REGISTER_INTERMEDIATE_CR3, 0x41002);
EQ(HV_X64_REGISTER_INTERMEDIATE_CR4, 0x41003);
EQ(HV_X64_REGISTER_INTERMEDIATE_CR8, 0x41004);
EQ(HV_X64_REGISTER_DR6, 0x50004);
EQ(HV_X64_REGISTER_DR7, 0x50005);
EQ(HV_X64_REGISTER_ES, 0x60000);
EQ(HV_X64_REGISTER_TR, 0x60007);
EQ(HV_X64_REGISTER_IDTR, 0x70000);
EQ(HV_X64_REGISTER_GDTR, 0x70001);
EQ(HV_X64_REGISTER_TSC, 0x80000);
EQ(HV_X64_REGISTER_INITIAL_APIC_ID, 0x8000C);
EQ(HV_X64_REGISTER_MSR_MTRR_CAP, 0x8000D);
EQ(HV_X64_REGISTER_MSR_MTRR_DEF_TYPE, 0x8000E);
EQ(HV_X64_REGISTER_MSR_MTRR_PHYS_BASEF, 0x8001F);
EQ(HV_X64_REGISTER_MSR_MTRR_PHYS_MASK0, 0x80040);
EQ(HV_X64_REGISTER_MSR_MTRR_PHYS_MASKF, 0x8004F);
EQ(HV_X64_REGISTER_MSR_MTRR_FIX64K00000, 0x80070);
EQ(HV_X64_REGISTER_MSR_MTRR_FIX4KF8000, 0x8007A);
EQ(HV_X64_REGISTER_TSC_AUX, 0x8007B);
EQ(HV_X64_REGISTER_DEBUG_CTL, 0x8007D);
EQ(HV_X64_REGISTER_SPEC_CTRL, 0x80084);
EQ(HV_X64_REGISTER_VIRT_SPEC_CTRL, 0x80086);
EQ(HV_X64_REGISTER_U_XSS, 0x8008B);
EQ(HV_X64_REGISTER_PL3_SSP, 0x80092);
EQ(HV_X64_REGISTER_INTERRUPT_SSP_TABLE_ADDR, 0x80093);
EQ(HV_X64_REGISTER_TSC_ADJUST, 0x80096);
EQ(HV_X64_REGISTER_MSR_IA32_MISC_ENABLE, 0x800A0);
EQ(HV_X64_REGISTER_IA32_FEATURE_CONTROL, 0x800A1);
EQ(HV_X64_REGISTER_IA32_VMX_TRUE_ENTRY_CTLS, 0x800B2);
EQ(HV_X64_REGISTER_APIC_ID, 0x84802);
EQ(HV_X64_REGISTER_APIC_VERSION, 0x84803);
EQ(HV_REGISTER_VP_RUNTIME, 0x90000);
EQ(HV_REGISTER_HYPERCALL, 0x90001);
EQ(HV_REGISTER_GUEST_OS_ID, 0x90002);
EQ(HV_REGISTER_VP_INDEX, 0x90003);
EQ(HV_REGISTER_TIME_REF_COUNT, 0x90004);
EQ(HV_REGISTER_REFERENCE_TSC, 0x90017);
EQ(HV_REGISTER_REG_PAGE, 0x9001C);
EQ(HV_REGISTER_NESTED_VP_INDEX, 0x91003);
EQ(HV_REGISTER_SINT0, 0xA0000);
EQ(HV_REGISTER_SINT15, 0xA000F);
EQ(HV_REGISTER_SCONTROL, 0xA0010);
EQ(HV_REGISTER_SIRBP, 0xA0015);
EQ(HV_REGISTER_STIMER0_CONFIG, 0xB0000);
EQ(HV_REGISTER_STIMER3_COUNT, 0xB0007);
EQ(HV_REGISTER_VSM_CODE_PAGE_OFFSETS, 0xD0002);
EQ(HV_REGISTER_ISOLATION_CAPABILITIES, 0xD0100);
EQ(HV_X64_REGISTER_CR_INTERCEPT_CONTROL, 0xE0000);
EQ(HV_X64_REGISTER_CR_INTERCEPT_IA32_MISC_ENABLE_MASK, 0xE0003);

/* ====================================================================
 * Section 3.7 register value layouts
 * ==================================================================== */
SZ(union hv_register_value, 16);
SZ(struct hv_u128, 16);
OFF(struct hv_u128, low_part, 0);
OFF(struct hv_u128, high_part, 8);
SZ(struct hv_register_assoc, 32);
OFF(struct hv_register_assoc, name, 0);
OFF(struct hv_register_assoc, reserved1, 4);
OFF(struct hv_register_assoc, reserved2, 8);
OFF(struct hv_register_assoc, value, 16);
SZ(struct hv_x64_segment_register, 16);
OFF(struct hv_x64_segment_register, base, 0);
OFF(struct hv_x64_segment_register, limit, 8);
OFF(struct hv_x64_segment_register, selector, 12);
OFF(struct hv_x64_segment_register, attributes, 14);
SZ(struct hv_x64_table_register, 16);
OFF(struct hv_x64_table_register, pad, 0);
OFF(struct hv_x64_table_register, limit, 6);
OFF(struct hv_x64_table_register, base, 8);
SZ(union hv_x64_fp_register, 16);
OFF(union hv_x64_fp_register, mantissa, 0);
SZ(union hv_x64_fp_control_status_register, 16);
OFF(union hv_x64_fp_control_status_register, fp_control, 0);
OFF(union hv_x64_fp_control_status_register, fp_status, 2);
OFF(union hv_x64_fp_control_status_register, fp_tag, 4);
OFF(union hv_x64_fp_control_status_register, reserved, 5);
OFF(union hv_x64_fp_control_status_register, last_fp_op, 6);
OFF(union hv_x64_fp_control_status_register, last_fp_rip, 8);
OFF(union hv_x64_fp_control_status_register, last_fp_eip, 8);
OFF(union hv_x64_fp_control_status_register, last_fp_cs, 12);
SZ(union hv_x64_xmm_control_status_register, 16);
OFF(union hv_x64_xmm_control_status_register, last_fp_rdp, 0);
OFF(union hv_x64_xmm_control_status_register, last_fp_dp, 0);
OFF(union hv_x64_xmm_control_status_register, last_fp_ds, 4);
OFF(union hv_x64_xmm_control_status_register, xmm_status_control, 8);
OFF(union hv_x64_xmm_control_status_register, xmm_status_control_mask, 12);
SZ(union hv_x64_pending_interruption_register, 8);
OFF(union hv_x64_pending_interruption_register, error_code, 4);
SZ(union hv_x64_interrupt_state_register, 8);
SZ(union hv_internal_activity_register, 8);
SZ(union hv_explicit_suspend_register, 8);
SZ(union hv_intercept_suspend_register, 8);
SZ(union hv_x64_pending_exception_event, 16);
OFF(union hv_x64_pending_exception_event, error_code, 4);
OFF(union hv_x64_pending_exception_event, exception_parameter, 8);
SZ(union hv_x64_pending_virtualization_fault_event, 16);
OFF(union hv_x64_pending_virtualization_fault_event, code, 4);
OFF(union hv_x64_pending_virtualization_fault_event, parameter1, 8);
SZ(union hv_x64_register_sev_control, 8);
EQ(HV_X64_PENDING_INTERRUPT, 0);
EQ(HV_X64_PENDING_NMI, 2);
EQ(HV_X64_PENDING_EXCEPTION, 3);

/* ====================================================================
 * Section 3.8 / 3.9 / 3.12 partition ABI
 * ==================================================================== */
EQ(HV_PARTITION_PROPERTY_PRIVILEGE_FLAGS, 0x00010000);
EQ(HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 0x00010001);
EQ(HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED, 0x00020005);
EQ(HV_PARTITION_PROPERTY_TIME_FREEZE, 0x00030003);
EQ(HV_PARTITION_PROPERTY_REFERENCE_TIME, 0x00030005);
EQ(HV_PARTITION_PROPERTY_DEBUG_CHANNEL_ID, 0x00040000);
EQ(HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET, 0x00050003);
EQ(HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 0x00050005);
EQ(HV_PARTITION_PROPERTY_ISOLATION_STATE, 0x0005000c);
EQ(HV_PARTITION_PROPERTY_ISOLATION_CONTROL, 0x0005000d);
EQ(HV_PARTITION_PROPERTY_HYPERCALL_DOORBELL_PAGE, 0x00050012);
EQ(HV_PARTITION_PROPERTY_ISOLATION_POLICY, 0x00050014);
EQ(HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION, 0x00050017);
EQ(HV_PARTITION_PROPERTY_SEV_VMGEXIT_OFFLOADS, 0x00050022);
EQ(HV_PARTITION_PROPERTY_PARTITION_DIAG_BUFFER_CONFIG, 0x00050026);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_VENDOR, 0x00060000);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_FEATURES_DEPRECATED, 0x00060001);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_XSAVE_FEATURES, 0x00060002);
EQ(HV_PARTITION_PROPERTY_PHYSICAL_ADDRESS_WIDTH, 0x00060006);
EQ(HV_PARTITION_PROPERTY_XSAVE_STATES, 0x00060007);
EQ(HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE, 0x00060008);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_CLOCK_FREQUENCY, 0x00060009);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0, 0x0006000a);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_FEATURES1, 0x0006000b);
EQ(HV_PARTITION_PROPERTY_GUEST_OS_ID, 0x00070000);
EQ(HV_PARTITION_PROPERTY_PROCESSOR_VIRTUALIZATION_FEATURES, 0x00080000);
EQ(HV_PARTITION_PROPERTY_VMM_CAPABILITIES, 0x00090007);
EQ(HV_PARTITION_PROPERTY_ASSIGNABLE_SYNTHETIC_PROC_FEATURES, 0x00090009);
EQ(HV_UNIMPLEMENTED_MSR_ACTION_FAULT, 0);
EQ(HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO, 1);
SZ(union hv_partition_synthetic_processor_features, 8);
SZ(union hv_partition_processor_features, 16);
SZ(union hv_partition_processor_xsave_features, 8);
SZ(union hv_partition_isolation_properties, 8);
EQ(HV_PARTITION_CREATION_FLAG_SMT_ENABLED_GUEST, 1ULL << 0);
EQ(HV_PARTITION_CREATION_FLAG_NESTED_VIRTUALIZATION_CAPABLE, 1ULL << 1);
EQ(HV_PARTITION_CREATION_FLAG_GPA_SUPER_PAGES_ENABLED, 1ULL << 4);
EQ(HV_PARTITION_CREATION_FLAG_EXO_PARTITION, 1ULL << 8);
EQ(HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED, 1ULL << 13);
EQ(HV_PARTITION_CREATION_FLAG_INTERCEPT_MESSAGE_PAGE_ENABLED, 1ULL << 19);
EQ(HV_PARTITION_CREATION_FLAG_X2APIC_CAPABLE, 1ULL << 22);
EQ(HV_COMPATIBILITY_21_H2, 0x0609);
EQ(HV_MAP_GPA_READABLE, 0x1);
EQ(HV_MAP_GPA_WRITABLE, 0x2);
EQ(HV_MAP_GPA_KERNEL_EXECUTABLE, 0x4);
EQ(HV_MAP_GPA_USER_EXECUTABLE, 0x8);
EQ(HV_MAP_GPA_EXECUTABLE, 0xC);
EQ(HV_MAP_GPA_PERMISSIONS_MASK, 0xF);
EQ(HV_MAP_GPA_ADJUSTABLE, 0x8000);
EQ(HV_MAP_GPA_NO_ACCESS, 0x10000);
EQ(HV_MAP_GPA_NOT_CACHED, 0x200000);
EQ(HV_MAP_GPA_LARGE_PAGE, 0x80000000);
EQ(HV_PARTITION_ID_SELF, 0xFFFFFFFFFFFFFFFFULL);
EQ(HV_VP_INDEX_SELF, 0xFFFFFFFEu);
EQ(HV_ANY_VP, 0xFFFFFFFFu);
EQ(HV_MAXIMUM_PROCESSORS, 2048);
EQ(HV_VP_STATE_PAGE_REGISTERS, 0);
EQ(HV_VP_STATE_PAGE_INTERCEPT_MESSAGE, 1);
EQ(HV_VP_STATE_PAGE_GHCB, 2);
EQ(HV_SYNIC_INTERCEPTION_SINT_INDEX, 0);
EQ(HV_SYNIC_IOMMU_FAULT_SINT_INDEX, 1);
EQ(HV_SYNIC_VMBUS_SINT_INDEX, 2);
EQ(HV_SYNIC_DOORBELL_SINT_INDEX, 5);
EQ(HV_X64_MSR_GUEST_OS_ID, 0x40000000);
EQ(HV_X64_MSR_HYPERCALL, 0x40000001);
EQ(HV_X64_MSR_VP_INDEX, 0x40000002);
EQ(HV_X64_MSR_RESET, 0x40000003);
EQ(HV_X64_MSR_VP_RUNTIME, 0x40000010);
EQ(HV_X64_MSR_TIME_REF_COUNT, 0x40000020);
EQ(HV_X64_MSR_REFERENCE_TSC, 0x40000021);
EQ(HV_X64_MSR_TSC_FREQUENCY, 0x40000022);
EQ(HV_X64_MSR_APIC_FREQUENCY, 0x40000023);
EQ(HV_X64_MSR_EOI, 0x40000070);
EQ(HV_X64_MSR_ICR, 0x40000071);
EQ(HV_X64_MSR_TPR, 0x40000072);
EQ(HV_X64_MSR_VP_ASSIST_PAGE, 0x40000073);
EQ(HV_X64_MSR_SCONTROL, 0x40000080);
EQ(HV_X64_MSR_SIRBP, 0x40000085);
EQ(HV_X64_MSR_SINT0, 0x40000090);
EQ(HV_X64_MSR_SINT15, 0x4000009F);
EQ(HV_X64_MSR_STIMER0_CONFIG, 0x400000B0);
EQ(HV_X64_MSR_STIMER3_COUNT, 0x400000B7);
EQ(HV_X64_MSR_GUEST_IDLE, 0x400000F0);
EQ(HV_X64_MSR_CRASH_P0, 0x40000100);
EQ(HV_X64_MSR_CRASH_P4, 0x40000104);
EQ(HV_X64_MSR_CRASH_CTL, 0x40000105);
EQ(HV_X64_MSR_REENLIGHTENMENT_CONTROL, 0x40000106);
EQ(HV_X64_MSR_TSC_EMULATION_CONTROL, 0x40000107);
EQ(HV_X64_MSR_TSC_EMULATION_STATUS, 0x40000108);
EQ(HV_X64_MSR_TSC_INVARIANT_CONTROL, 0x40000118);

/* ====================================================================
 * Section 3.10 VP register page (every row)
 * ==================================================================== */
EQ(HV_VP_REGISTER_PAGE_VERSION_1, 1);
EQ(HV_X64_REGISTER_CLASS_GENERAL, 0);
EQ(HV_X64_REGISTER_CLASS_IP, 1);
EQ(HV_X64_REGISTER_CLASS_XMM, 2);
EQ(HV_X64_REGISTER_CLASS_SEGMENT, 3);
EQ(HV_X64_REGISTER_CLASS_FLAGS, 4);
SZ(struct hv_vp_register_page, 696);
OFF(struct hv_vp_register_page, version, 0);
SZ(((struct hv_vp_register_page *)0)->version, 2);
OFF(struct hv_vp_register_page, isvalid, 2);
OFF(struct hv_vp_register_page, rsvdz, 3);
OFF(struct hv_vp_register_page, dirty, 4);
SZ(((struct hv_vp_register_page *)0)->dirty, 4);
OFF(struct hv_vp_register_page, gp_registers, 8);
OFF(struct hv_vp_register_page, rax, 8);
OFF(struct hv_vp_register_page, rcx, 16);
OFF(struct hv_vp_register_page, rdx, 24);
OFF(struct hv_vp_register_page, rbx, 32);
OFF(struct hv_vp_register_page, rsp, 40);
OFF(struct hv_vp_register_page, rbp, 48);
OFF(struct hv_vp_register_page, rsi, 56);
OFF(struct hv_vp_register_page, rdi, 64);
OFF(struct hv_vp_register_page, r8, 72);
OFF(struct hv_vp_register_page, r9, 80);
OFF(struct hv_vp_register_page, r10, 88);
OFF(struct hv_vp_register_page, r11, 96);
OFF(struct hv_vp_register_page, r12, 104);
OFF(struct hv_vp_register_page, r13, 112);
OFF(struct hv_vp_register_page, r14, 120);
OFF(struct hv_vp_register_page, r15, 128);
OFF(struct hv_vp_register_page, rip, 136);
OFF(struct hv_vp_register_page, rflags, 144);
OFF(struct hv_vp_register_page, reserved, 152);
SZ(((struct hv_vp_register_page *)0)->reserved, 8);
OFF(struct hv_vp_register_page, xmm, 160);
SZ(((struct hv_vp_register_page *)0)->xmm, 96);
OFF(struct hv_vp_register_page, xmm0, 160);
OFF(struct hv_vp_register_page, xmm5, 240);
OFF(struct hv_vp_register_page, segment, 256);
SZ(((struct hv_vp_register_page *)0)->segment, 96);
OFF(struct hv_vp_register_page, es, 256);
OFF(struct hv_vp_register_page, cs, 272);
OFF(struct hv_vp_register_page, ss, 288);
OFF(struct hv_vp_register_page, ds, 304);
OFF(struct hv_vp_register_page, fs, 320);
OFF(struct hv_vp_register_page, gs, 336);
OFF(struct hv_vp_register_page, cr0, 352);
OFF(struct hv_vp_register_page, cr3, 360);
OFF(struct hv_vp_register_page, cr4, 368);
OFF(struct hv_vp_register_page, cr8, 376);
OFF(struct hv_vp_register_page, efer, 384);
OFF(struct hv_vp_register_page, dr7, 392);
OFF(struct hv_vp_register_page, pending_interruption, 400);
OFF(struct hv_vp_register_page, interrupt_state, 408);
OFF(struct hv_vp_register_page, instruction_emulation_hints, 416);
OFF(struct hv_vp_register_page, xfem, 424);
OFF(struct hv_vp_register_page, reserved1, 432);
SZ(((struct hv_vp_register_page *)0)->reserved1, 256);
OFF(struct hv_vp_register_page, interrupt_vectors, 688);
SZ(union hv_vp_register_page_interrupt_vectors, 8);
OFF(union hv_vp_register_page_interrupt_vectors, vector_count, 0);
OFF(union hv_vp_register_page_interrupt_vectors, vector, 1);
_Static_assert(sizeof(struct hv_vp_register_page) <= 4096, "register page fits in 4K");

/* ====================================================================
 * Section 3.11 VP state blobs
 * ==================================================================== */
SZ(struct hv_local_interrupt_controller_state, 176);
OFF(struct hv_local_interrupt_controller_state, apic_id, 0);
OFF(struct hv_local_interrupt_controller_state, apic_version, 4);
OFF(struct hv_local_interrupt_controller_state, apic_ldr, 8);
OFF(struct hv_local_interrupt_controller_state, apic_dfr, 12);
OFF(struct hv_local_interrupt_controller_state, apic_spurious, 16);
OFF(struct hv_local_interrupt_controller_state, apic_isr, 20);
OFF(struct hv_local_interrupt_controller_state, apic_tmr, 52);
OFF(struct hv_local_interrupt_controller_state, apic_irr, 84);
OFF(struct hv_local_interrupt_controller_state, apic_esr, 116);
OFF(struct hv_local_interrupt_controller_state, apic_icr_high, 120);
OFF(struct hv_local_interrupt_controller_state, apic_icr_low, 124);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_timer, 128);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_thermal, 132);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_perfmon, 136);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_lint0, 140);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_lint1, 144);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_error, 148);
OFF(struct hv_local_interrupt_controller_state, apic_lvt_cmci, 152);
OFF(struct hv_local_interrupt_controller_state, apic_error_status, 156);
OFF(struct hv_local_interrupt_controller_state, apic_initial_count, 160);
OFF(struct hv_local_interrupt_controller_state, apic_counter_value, 164);
OFF(struct hv_local_interrupt_controller_state, apic_divide_configuration, 168);
OFF(struct hv_local_interrupt_controller_state, apic_remote_read, 172);

SZ(struct hv_stimer_state, 40);
OFF(struct hv_stimer_state, flags, 0);
OFF(struct hv_stimer_state, resvd, 4);
OFF(struct hv_stimer_state, config, 8);
OFF(struct hv_stimer_state, count, 16);
OFF(struct hv_stimer_state, adjustment, 24);
OFF(struct hv_stimer_state, undelivered_exp_time, 32);
SZ(struct hv_synthetic_timers_state, 200);
OFF(struct hv_synthetic_timers_state, timers, 0);
OFF(struct hv_synthetic_timers_state, reserved, 160);
SZ(union hv_stimer_config, 8);
SZ(union hv_output_get_vp_state, 200);

EQ(HV_GET_SET_VP_STATE_TYPE_PFN, 0x80000000u);
EQ(HV_GET_SET_VP_STATE_LAPIC_STATE, 0x80000000u);
EQ(HV_GET_SET_VP_STATE_XSAVE, 0x80000001u);
EQ(HV_GET_SET_VP_STATE_SIM_PAGE, 0x80000002u);
EQ(HV_GET_SET_VP_STATE_SIEF_PAGE, 0x80000003u);
EQ(HV_GET_SET_VP_STATE_SYNTHETIC_TIMERS, 4);
