/* SPDX-License-Identifier: MIT */
/*
 * Hyper-V enlightenments a guest sees (emu/hv_*.c; the synthetic
 * interrupt controller and timers are in synic.h): the CPUID leaves
 * 0x40000000-0x4000000A, the hypercall page and guest hypercalls, the
 * reference TSC page and frequency MSRs. Each is
 * there only where the partition's synthetic processor features
 * (SYNTHETIC_PROC_FEATURES, TLFS "Partition Privilege Flags") grant it.
 *
 * Locks: the engine, then vp->hv.m, then the LAPIC's m. Guest memory
 * (SIMP/SIEFP slots, the hypercall and TSC pages) is written with the
 * engine held; a direct-mode timer needs no memory and fires without it.
 */
#ifndef MSHV_EMU_HV_H
#define MSHV_EMU_HV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct emu_vp;
struct emu_partition;

/* Synthetic processor feature bits (hv_partition_synthetic_processor_features). */
#define HV_SYN_PRESENT		0
#define HV_SYN_HV1		1
#define HV_SYN_REF_COUNTER	3
#define HV_SYN_SYNIC		4
#define HV_SYN_STIMER		5
#define HV_SYN_HYPERCALL	7
#define HV_SYN_VP_INDEX		8
#define HV_SYN_REF_TSC		9
#define HV_SYN_FREQUENCY	11
#define HV_SYN_DIRECT_STIMER	22
#define HV_SYN_TB_FLUSH		25
#define HV_SYN_CLUSTER_IPI	26
#define HV_SYN_LONG_SPIN_WAIT	27

/* The ones this hypervisor implements (and lets VMMs assign). */
#define HV_SYN_IMPLEMENTED						\
	((1ull << HV_SYN_PRESENT) | (1ull << HV_SYN_HV1) |		\
	 (1ull << HV_SYN_REF_COUNTER) | (1ull << HV_SYN_SYNIC) |	\
	 (1ull << HV_SYN_STIMER) | (1ull << HV_SYN_HYPERCALL) |		\
	 (1ull << HV_SYN_VP_INDEX) | (1ull << HV_SYN_REF_TSC) |		\
	 (1ull << HV_SYN_FREQUENCY) | (1ull << HV_SYN_DIRECT_STIMER) |	\
	 (1ull << HV_SYN_TB_FLUSH) | (1ull << HV_SYN_CLUSTER_IPI) |	\
	 (1ull << HV_SYN_LONG_SPIN_WAIT))

/* Per partition: the partition-wide MSRs and the timer thread. */
struct emu_hv_pt {
	pthread_mutex_t m;
	uint64_t guest_os_id, hypercall, ref_tsc;
	uint32_t tsc_seq;
	/* stimer.c */
	pthread_mutex_t tm;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop, changed;
};

/* hv_regs.c: partition/VP lifetime, the registers and MSRs by name. */
void hv_pt_init(struct emu_partition *pt);
void hv_pt_fini(struct emu_partition *pt);
void hv_vp_init(struct emu_vp *vp);
void hv_vp_fini(struct emu_vp *vp);
bool hv_granted(const struct emu_partition *pt, unsigned feature);
/* Is name a register this code owns? Then get/set go here (vp loaded). */
bool hv_reg_owned(uint32_t name);
uint16_t hv_reg_get(struct emu_vp *vp, uint32_t name, uint64_t *val);
uint16_t hv_reg_set(struct emu_vp *vp, uint32_t name, uint64_t val);
/* May the guest access this synthetic MSR (its privilege granted)? */
bool hv_msr_granted(const struct emu_partition *pt, uint32_t msr);
/* Synthetic MSRs without a register name (the frequencies, read-only):
 * false if msr is not one or not granted. */
bool hv_msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val);

/* hv_cpuid.c */
void hv_cpuid(const struct emu_vp *vp, uint32_t leaf, uint32_t r[4]);
uint32_t hv_privileges_low(uint64_t synthetic_features);

/* hv_time.c: reference TSC page, TSC frequency. */
uint64_t hv_tsc_frequency(void);
/* The host TSC in 100 ns units, by the calibrated rate: the clock behind
 * partition reference time (the MSR and the reference TSC page alike). */
uint64_t hv_ref_ticks(void);
uint16_t hv_ref_tsc_set(struct emu_partition *pt, uint64_t val);
/* Partition time changed (freeze, REFERENCE_TIME): rewrite the page. */
void hv_ref_tsc_refresh(struct emu_partition *pt);

/* hv_hypercall_page.c */
uint16_t hv_hypercall_msr_set(struct emu_partition *pt, uint64_t val);
uint16_t hv_guest_os_id_set(struct emu_partition *pt, uint64_t val);
/* Run loop, on a #UD: a VMCALL/VMMCALL through an enabled hypercall
 * interface is executed and the guest continues (true). */
bool hv_vmcall(struct emu_vp *vp);


#endif
