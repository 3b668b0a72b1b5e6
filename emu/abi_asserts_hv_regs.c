// SPDX-License-Identifier: MIT
/*
 * Compile-time ABI checks: register names and value layouts,
 * <hyperv/hv_regs.h> (the kernel's include/hyperv/hvgdk_mini.h, TLFS "Virtual Processor Register Names").
 * No code; compiling is the test (see abi_asserts.h).
 */
#include "abi_asserts.h"

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
