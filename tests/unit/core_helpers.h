/* SPDX-License-Identifier: MIT */
/* Helpers for the core unit tests (check_core.c, check_core_regs.c): partitions, hypercalls
 * issued as MSHV_ROOT_HVCALL does, registers, CPUID and tiny guests. */
#ifndef MSHV_EMU_TESTS_CORE_HELPERS_H
#define MSHV_EMU_TESTS_CORE_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

struct emu_partition *pt_new(uint64_t pt_flags);
uint16_t hv(struct emu_partition *pt, uint16_t code, uint16_t *reps, const void *in, size_t in_sz, void *out);
uint16_t set_prop(struct emu_partition *pt, uint32_t code, uint64_t v);
uint64_t get_prop(struct emu_partition *pt, uint32_t code);
uint16_t get_regs(struct emu_partition *pt, uint32_t vp, const uint32_t *names, unsigned n, union hv_register_value *vals, uint16_t *done);
uint16_t set_regs(struct emu_partition *pt, uint32_t vp, const uint32_t *names, const union hv_register_value *vals, unsigned n, uint16_t *done);
uint64_t get64(struct emu_partition *pt, uint32_t vp, uint32_t name);
uint16_t set1(struct emu_partition *pt, uint32_t vp, uint32_t name, const union hv_register_value *v);
void set64(struct emu_partition *pt, uint32_t vp, uint32_t name, uint64_t val);
union hv_register_value seg(uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr);
void assert_seg_eq(const struct hv_x64_segment_register *got, const struct hv_x64_segment_register *want);
void vp_cpuid(struct emu_partition *pt, uint32_t vp, uint32_t leaf, uint32_t sub, bool apply, uint32_t r[4]);
uint16_t register_cpuid(struct emu_partition *pt, uint32_t vp, uint32_t leaf, const uint32_t val[4], const uint32_t mask[4]);
uint8_t *guest_page(struct emu_partition *pt, uint64_t gpa, const uint8_t *code, size_t len);
void real_mode_at(struct emu_partition *pt, uint32_t vp, uint16_t cs, uint16_t ip);

#endif
