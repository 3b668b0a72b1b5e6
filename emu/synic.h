/* SPDX-License-Identifier: MIT */
/*
 * The synthetic interrupt controller (emu/synic.c) and the synthetic
 * timers (emu/stimer.c) of each VP, granted by the partition's synthetic
 * processor features (hv.h). Locks as in hv.h: the engine, then vp->hv.m,
 * then the LAPIC's m.
 */
#ifndef MSHV_EMU_SYNIC_H
#define MSHV_EMU_SYNIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyperv/hv_all.h>

struct emu_vp;
struct emu_partition;

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
