// SPDX-License-Identifier: MIT
/*
 * Compile-time ABI checks: HV_STATUS values (<hyperv/hv_status.h>) and
 * hypercalls (<hyperv/hv_hypercall.h>), as the kernel's include/hyperv/hvgdk_mini.h and hvhdk_mini.h define them (statuses: hv_result_to_errno in drivers/hv).
 * No code; compiling is the test (see abi_asserts.h).
 */
#include "abi_asserts.h"

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
