// SPDX-License-Identifier: MIT
/*
 * Compile-time ABI checks: the /dev/mshv UAPI, <linux/mshv.h>
 * (the kernel's include/uapi/linux/mshv.h).
 * No code; compiling is the test (see abi_asserts.h).
 */
#include "abi_asserts.h"

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
