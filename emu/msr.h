/* SPDX-License-Identifier: MIT */
/* Guest RDMSR/WRMSR the engine does not implement itself (msr.c). */
#ifndef MSHV_EMU_MSR_H
#define MSHV_EMU_MSR_H

#include "util.h"

struct emu_partition;
struct emu_vp;

/* Returns true if handled; false → the access faults. */
bool msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val);
bool msr_write(struct emu_vp *vp, uint32_t msr, uint64_t val);
/* Does the VMM intercept this access (INSTALL_INTERCEPT X64_MSR*)? */
bool msr_intercepted(struct emu_vp *vp, uint32_t msr, bool write);
/* MSRs Unicorn implements itself (the engine lets them run natively). */
bool engine_native_msr(uint32_t msr);
/* Partition reference time (HV_X64_MSR_TIME_REF_COUNT), 100 ns units. */
uint64_t emu_reference_time(struct emu_partition *pt);

#endif
