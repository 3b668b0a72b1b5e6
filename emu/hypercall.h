/* SPDX-License-Identifier: MIT */
#ifndef MSHV_EMU_HYPERCALL_H
#define MSHV_EMU_HYPERCALL_H

#include "util.h"

struct emu_partition;

/* The partition property hypercalls (props.c), which hypercall.c
 * dispatches: HV_STATUS_* results. */
uint16_t hv_get_property(struct emu_partition *pt, const void *in, void *out);
uint16_t hv_set_property(struct emu_partition *pt, const void *in);
uint16_t hv_get_property_ex(struct emu_partition *pt, const void *in, void *out, size_t out_sz);

#endif
