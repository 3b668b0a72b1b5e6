/* SPDX-License-Identifier: MIT */
/* CPUID as the guest sees it (cpuid.c; the Hyper-V leaves in hv.h). */
#ifndef MSHV_EMU_CPUID_H
#define MSHV_EMU_CPUID_H

#include "util.h"

struct emu_vp;

/* A REGISTER_INTERCEPT_RESULT CPUID override. */
struct emu_cpuid_override {
	uint32_t leaf, subleaf;
	bool subleaf_specific, always_override;
	uint32_t val[4], mask[4];	/* eax, ebx, ecx, edx */
};

void cpuid_compute(struct emu_vp *vp, uint32_t leaf, uint32_t subleaf,
		   bool apply_registered, uint32_t out[4]);
int cpuid_init(void);
uint64_t cpuid_host_features(int bank);
uint32_t cpuid_phys_bits(void);
bool cpuid_is_intel(void);

#endif
