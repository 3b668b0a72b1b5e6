// SPDX-License-Identifier: MIT
/*
 * Compile-time ABI checks: the VP register page and VP state blobs,
 * <hyperv/hv_vp_state.h> (the kernel's include/hyperv/hvhdk.h, hv_vp_state_data).
 * No code; compiling is the test (see abi_asserts.h).
 */
#include "abi_asserts.h"

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
