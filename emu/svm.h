/* SPDX-License-Identifier: MIT */
/*
 * The engine: guest code runs as an SVM guest of
 * the AMD CPU model inside Unicorn, so QEMU's own intercept machinery stops
 * it exactly at CPUID, MSR, HLT, exceptions, INT n and nested page faults
 * without a per-instruction hook. IO instructions, which Unicorn 2.1.1 lets
 * through whatever the IO permission map says (translate.c gen_check_io),
 * are found by the translation-time scanner (scanner.c). See docs/engine.md.
 */
#ifndef MSHV_EMU_SVM_H
#define MSHV_EMU_SVM_H

#include <stdbool.h>
#include <stdint.h>

struct emu_partition;
struct emu_vp;

/* QEMU's exception number for "#VMEXIT with this exit code". */
#define SVM_EXCP_VMEXIT 0x100
#define SVM_EXIT_READ_CR8 0x008
#define SVM_EXIT_WRITE_CR8 0x018
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_SWINT 0x075
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_NPF 0x400

/* hflags / hflags2 bits the SVM engine reads (QEMU 5.0 cpu.h) */
#define HF_SVME (1u << 20)
#define HF_GUEST (1u << 21)
#define HF2_GIF (1u << 0)
#define HF2_NPT (1u << 6)

/* svm.c: host-only structures, nested paging, guest entry */
int svm_init(struct emu_partition *pt);
void svm_fini(struct emu_partition *pt);
/* Rebuilds the nested page tables from the memory slots (and the xAPIC
 * page); the engine is held. -ENOMEM if the table pool is exhausted. */
int svm_npt_sync(struct emu_partition *pt);
int svm_npt_page(struct emu_partition *pt, const struct emu_region *r, uint64_t gpa);
/* Is a slot at [gpa, gpa+size) representable (below the host-only area)? */
void svm_npt_lapic(struct emu_partition *pt, bool present);
bool svm_gpa_ok(const struct emu_partition *pt, uint64_t gpa, uint64_t size);
/* Puts the loaded VP into guest mode if it is not (first run, reset). */
int svm_ensure_guest(struct emu_vp *vp);
/* Rewrites the MSR permission map from the VMM's MSR intercepts. */
void svm_msrpm_refresh(struct emu_vp *vp);
/* Around an engine MSR access from outside the guest (regs.c): lets it
 * through the MSR map; false if Unicorn would #VMEXIT on it anyway. */
bool svm_msr_open(struct emu_partition *pt, uint32_t msr);
void svm_msr_close(struct emu_partition *pt, uint32_t msr);
uint64_t svm_exit_info_2(struct emu_partition *pt);

/* svm_exit.c: one run of the guest with the exits translated into vp->x
 * (run.c completes them); handles CPUID, native MSRs and the
 * interrupt-window single steps itself. Returns uc_emu_start's result. */
int svm_run(struct emu_vp *vp);
void svm_hook_intr(struct emu_vp *vp, uint32_t intno);

/* scanner.c */
int scanner_install(struct emu_partition *pt);
/* Before each uc_emu_start: the code hook hidden (emu/ucpriv.h). */
void scanner_before_run(struct emu_partition *pt, struct emu_vp *vp, bool step);
/* The translation cache was flushed: blocks translated ahead are gone. */
void scanner_flushed(struct emu_partition *pt);
/* Before uc_close. */
void scanner_detach(struct emu_partition *pt);
void scanner_fini(struct emu_partition *pt);

#endif
