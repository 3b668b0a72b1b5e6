/* SPDX-License-Identifier: MIT */
/*
 * Hyper-V enlightenments a guest sees (emu/hv_*.c, emu/synic.c,
 * emu/stimer.c): the CPUID leaves 0x40000000-0x4000000A, the hypercall
 * page and guest hypercalls, the reference TSC page and frequency MSRs,
 * the synthetic interrupt controller and the synthetic timers. Each is
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

#include <hyperv/hv_all.h>

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

#define HV_SINTS	16
#define HV_STIMERS	4

/* SINTx register bits (TLFS "SINTx Registers"). */
#define HV_SINT_VECTOR(v)	((unsigned)((v) & 0xff))
#define HV_SINT_MASKED		(1ull << 16)
#define HV_SINT_AUTO_EOI	(1ull << 17)
#define HV_SINT_POLLING		(1ull << 18)

/* STIMERx_CONFIG bits (TLFS "Synthetic Timer Configuration Register"). */
#define HV_STIMER_ENABLE	(1ull << 0)
#define HV_STIMER_PERIODIC	(1ull << 1)
#define HV_STIMER_LAZY		(1ull << 2)
#define HV_STIMER_AUTO_ENABLE	(1ull << 3)
#define HV_STIMER_VECTOR(c)	((unsigned)(((c) >> 4) & 0xff))
#define HV_STIMER_DIRECT	(1ull << 12)
#define HV_STIMER_SINT(c)	((unsigned)(((c) >> 16) & 0xf))

struct emu_stimer {
	uint64_t config, count;
	uint64_t due;		/* reference time of the next expiry; 0 = idle */
	uint64_t exp_time;	/* expiry whose message waits for its slot */
	bool msg_pending;
};

/* Per VP: SynIC registers, the messages waiting for a slot, the timers. */
struct emu_hv_vp {
	pthread_mutex_t m;
	uint64_t scontrol, simp, siefp, sint[HV_SINTS];
	struct hv_message queued[HV_SINTS];	/* one waits per SINT */
	uint16_t queued_mask;
	struct emu_stimer st[HV_STIMERS];
};

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

/* synic.c */
uint16_t synic_reg_get(struct emu_vp *vp, uint32_t name, uint64_t *val);
uint16_t synic_reg_set(struct emu_vp *vp, uint32_t name, uint64_t val);
/* Posts msg to vp's SINT sint (engine held): HV_STATUS_*. */
uint16_t synic_post(struct emu_vp *vp, unsigned sint, const struct hv_message *msg);
uint16_t synic_signal(struct emu_vp *vp, unsigned sint, unsigned flag, bool *newly);
/* Puts msg into sint's slot (engine and hv.m held): 0 delivered, 1 the
 * slot is busy (its msg_pending flag now set), -1 no SIMP page. */
int synic_slot_put(struct emu_vp *vp, unsigned sint, const struct hv_message *msg);
/* Interrupts vp through SINT sint if it is unmasked (hv.m held). */
void synic_raise(struct emu_vp *vp, unsigned sint);
/* Sets vector at vp's LAPIC and wakes it (no lock needed). */
void synic_raise_vector(struct emu_vp *vp, unsigned vector);
/* MSHV_VP_STATE_SIMP/SIEFP: the live page (engine held, vp loaded). */
int synic_state_page(struct emu_vp *vp, bool simp, void *buf, bool set);
/* ROOT_HVCALL POST_MESSAGE_DIRECT / SIGNAL_EVENT_DIRECT. */
uint16_t synic_post_direct(struct emu_partition *pt, const void *in);
uint16_t synic_signal_direct(struct emu_partition *pt, const void *in, void *out,
			     size_t out_sz);

/* stimer.c */
uint16_t stimer_reg_get(struct emu_vp *vp, uint32_t name, uint64_t *val);
uint16_t stimer_reg_set(struct emu_vp *vp, uint32_t name, uint64_t val);
/* A message slot was freed (EOM; engine and hv.m held): retry pending
 * expiry messages of SINT sint. */
void stimer_retry(struct emu_vp *vp, unsigned sint);
void stimer_state_get(struct emu_vp *vp, struct hv_synthetic_timers_state *s);
int stimer_state_set(struct emu_vp *vp, const struct hv_synthetic_timers_state *s);
void stimer_pt_fini(struct emu_partition *pt);
/* Partition time jumped or froze: the thread recomputes its sleep. */
void stimer_time_changed(struct emu_partition *pt);

#endif
