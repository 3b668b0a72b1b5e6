/* SPDX-License-Identifier: MIT */
/* Convenience header: the whole hypervisor ABI used by mshv-emu. */
#ifndef _MSHV_EMU_HYPERV_HV_ALL_H
#define _MSHV_EMU_HYPERV_HV_ALL_H

#include "hv_status.h"
#include "hv_regs.h"
#include "hv_message.h"
#include "hv_partition.h"
#include "hv_hypercall.h"
#include "hv_vp_state.h"

#endif /* _MSHV_EMU_HYPERV_HV_ALL_H */
