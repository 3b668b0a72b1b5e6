/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor hypercall status codes (HV_STATUS_*), as returned in bits 0-15
 * of the hypercall result value and in mshv_root_hvcall.status.
 * Values and the kernel's errno for each: docs/abi.md §2.14.
 */
#ifndef _MSHV_EMU_HYPERV_HV_STATUS_H
#define _MSHV_EMU_HYPERV_HV_STATUS_H

#include <stdint.h>

#define HV_STATUS_SUCCESS				0x0
#define HV_STATUS_INVALID_HYPERCALL_CODE		0x2
#define HV_STATUS_INVALID_HYPERCALL_INPUT		0x3
#define HV_STATUS_INVALID_ALIGNMENT			0x4
#define HV_STATUS_INVALID_PARAMETER			0x5
#define HV_STATUS_ACCESS_DENIED				0x6
#define HV_STATUS_INVALID_PARTITION_STATE		0x7
#define HV_STATUS_OPERATION_DENIED			0x8
#define HV_STATUS_UNKNOWN_PROPERTY			0x9
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE		0xA
#define HV_STATUS_INSUFFICIENT_MEMORY			0xB
#define HV_STATUS_INVALID_PARTITION_ID			0xD
#define HV_STATUS_INVALID_VP_INDEX			0xE
#define HV_STATUS_NOT_FOUND				0x10
#define HV_STATUS_INVALID_PORT_ID			0x11
#define HV_STATUS_INVALID_CONNECTION_ID			0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS			0x13
#define HV_STATUS_NOT_ACKNOWLEDGED			0x14
#define HV_STATUS_INVALID_VP_STATE			0x15
#define HV_STATUS_NO_RESOURCES				0x1D
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED	0x20
#define HV_STATUS_INVALID_LP_INDEX			0x41
#define HV_STATUS_INVALID_REGISTER_VALUE		0x50
#define HV_STATUS_OPERATION_FAILED			0x71
#define HV_STATUS_TIME_OUT				0x78
#define HV_STATUS_CALL_PENDING				0x79
#define HV_STATUS_VTL_ALREADY_ENABLED			0x86

/* The status occupies the low 16 bits of a hypercall result value. */
#define HV_STATUS_MASK					0xFFFFu

#endif /* _MSHV_EMU_HYPERV_HV_STATUS_H */
