/* SPDX-License-Identifier: MIT */
/*
 * Synthetic timers stimer0-3 of each VP (TLFS "Synthetic Timers"), in
 * reference time (100 ns units). One thread per partition, started by the
 * first armed timer, sleeps until the earliest expiry like the LAPIC
 * timer's (emu/lapic_timer.c). A direct-mode timer sets its vector at the
 * LAPIC and kicks the VP (a halted VP wakes through the LAPIC's wake-up);
 * a message-mode timer posts HVMSG_TIMER_EXPIRED into its SINT's slot,
 * which needs guest memory and so the engine; a busy slot keeps the
 * expiry pending until the guest's EOM (synic.c).
 *
 * Config: one-shot counts are absolute reference times (a past one fires
 * at once); periodic counts are periods, at least 100 us here (the LAPIC
 * timer's limit), and missed periods are dropped (the lazy behaviour).
 * A one-shot timer clears its enable bit when it expires.
 */
#include "emu_limits.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "msr.h"
#include "hv.h"
#include "synic.h"
#include "lapic_internal.h"

#include <hyperv/hv_all.h>

#include <string.h>
#include <time.h>
#include <linux/mshv.h>

#define MIN_PERIOD	1000ull		/* 100 us in 100 ns units */
#define CONFIG_RSVD	(~0xf1fffull)	/* bits 13-15, 20-63 */

static void *timer_thread(void *arg);

static void changed(struct emu_partition *pt)
{
	struct emu_hv_pt *h = &pt->hv;

	pthread_mutex_lock(&h->tm);
	if (!h->started && !h->stop)
		h->started = pthread_create(&h->thread, NULL, timer_thread, pt) == 0;
	h->changed = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->tm);
}

void stimer_time_changed(struct emu_partition *pt)
{
	struct emu_hv_pt *h = &pt->hv;

	pthread_mutex_lock(&h->tm);
	h->changed = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->tm);
}

void stimer_pt_fini(struct emu_partition *pt)
{
	struct emu_hv_pt *h = &pt->hv;

	pthread_mutex_lock(&h->tm);
	h->stop = true;
	pthread_cond_signal(&h->cv);
	bool started = h->started;
	pthread_mutex_unlock(&h->tm);
	if (started)
		pthread_join(h->thread, NULL);
}

/* Arms t from its config and count (hv.m held). */
static void start(struct emu_vp *vp, struct emu_stimer *t)
{
	t->due = 0;
	if (!(t->config & HV_STIMER_ENABLE) || !t->count)
		return;
	uint64_t now = emu_reference_time(vp->pt);
	if (t->config & HV_STIMER_PERIODIC)
		t->due = now + (t->count < MIN_PERIOD ? MIN_PERIOD : t->count);
	else	/* a past expiry fires at once, still naming its time */
		t->due = t->count;
	changed(vp->pt);
}

static uint16_t set_config(struct emu_vp *vp, struct emu_stimer *t, uint64_t val)
{
	if (val & CONFIG_RSVD)
		return HV_STATUS_INVALID_PARAMETER;
	if ((val & HV_STIMER_DIRECT) && !hv_granted(vp->pt, HV_SYN_DIRECT_STIMER))
		return HV_STATUS_INVALID_PARAMETER;
	/* a message timer without a SINT does not run */
	if (!(val & HV_STIMER_DIRECT) && HV_STIMER_SINT(val) == 0)
		val &= ~HV_STIMER_ENABLE;
	t->config = val;
	start(vp, t);
	return HV_STATUS_SUCCESS;
}

static void set_count(struct emu_vp *vp, struct emu_stimer *t, uint64_t val)
{
	t->count = val;
	if (!val)
		t->config &= ~HV_STIMER_ENABLE;
	else if (t->config & HV_STIMER_AUTO_ENABLE)
		t->config |= HV_STIMER_ENABLE;
	start(vp, t);
}

uint16_t stimer_reg_get(struct emu_vp *vp, uint32_t name, uint64_t *val)
{
	unsigned k = name - HV_REGISTER_STIMER0_CONFIG;
	struct emu_stimer *t = &vp->hv.st[k / 2];

	pthread_mutex_lock(&vp->hv.m);
	*val = k & 1 ? t->count : t->config;
	pthread_mutex_unlock(&vp->hv.m);
	return HV_STATUS_SUCCESS;
}

uint16_t stimer_reg_set(struct emu_vp *vp, uint32_t name, uint64_t val)
{
	unsigned k = name - HV_REGISTER_STIMER0_CONFIG;
	struct emu_stimer *t = &vp->hv.st[k / 2];
	uint16_t st = HV_STATUS_SUCCESS;

	pthread_mutex_lock(&vp->hv.m);
	if (k & 1)
		set_count(vp, t, val);
	else
		st = set_config(vp, t, val);
	pthread_mutex_unlock(&vp->hv.m);
	return st;
}

/* Posts t's expiry message (engine and hv.m held). */
static void post(struct emu_vp *vp, unsigned idx)
{
	struct emu_stimer *t = &vp->hv.st[idx];
	struct hv_message m;
	struct hv_timer_message_payload p = {
		.timer_index = idx, .expiration_time = t->exp_time,
		.delivery_time = emu_reference_time(vp->pt),
	};

	memset(&m, 0, sizeof m);
	m.header.message_type = HVMSG_TIMER_EXPIRED;
	m.header.payload_size = sizeof p;
	memcpy(m.u.payload, &p, sizeof p);
	/* delivered, or no SIMP to hold it: either way done */
	if (synic_slot_put(vp, HV_STIMER_SINT(t->config), &m) != 1)
		t->msg_pending = false;
}

void stimer_retry(struct emu_vp *vp, unsigned sint)
{
	for (unsigned i = 0; i < HV_STIMERS; i++) {
		struct emu_stimer *t = &vp->hv.st[i];
		if (t->msg_pending && HV_STIMER_SINT(t->config) == sint)
			post(vp, i);
	}
}

/* Expires vp's due timers (hv.m held); true if a message waits to go. */
static bool expire(struct emu_vp *vp, uint64_t now, uint64_t *next)
{
	bool msgs = false;

	for (unsigned i = 0; i < HV_STIMERS; i++) {
		struct emu_stimer *t = &vp->hv.st[i];
		if (t->due && t->due <= now) {
			if (t->config & HV_STIMER_DIRECT) {
				synic_raise_vector(vp, HV_STIMER_VECTOR(t->config));
			} else if (!t->msg_pending) {
				t->msg_pending = true;
				t->exp_time = t->due;
				msgs = true;
			}
			if (t->config & HV_STIMER_PERIODIC) {
				uint64_t p = t->count < MIN_PERIOD ? MIN_PERIOD : t->count;
				t->due += p;
				if (t->due <= now)
					t->due = now + p;
			} else {
				t->due = 0;
				t->config &= ~HV_STIMER_ENABLE;
			}
		}
		if (t->due && t->due < *next)
			*next = t->due;
	}
	return msgs;
}

static void post_pending(struct emu_partition *pt, struct emu_vp **vps)
{
	engine_acquire(pt, NULL);
	for (size_t i = 0; i < EMU_MAX_VPS; i++) {
		if (!vps[i])
			continue;
		pthread_mutex_lock(&vps[i]->hv.m);
		for (unsigned k = 0; k < HV_STIMERS; k++)
			if (vps[i]->hv.st[k].msg_pending)
				post(vps[i], k);
		pthread_mutex_unlock(&vps[i]->hv.m);
	}
	engine_release(pt);
}

static void *timer_thread(void *arg)
{
	struct emu_partition *pt = arg;
	struct emu_hv_pt *h = &pt->hv;
	struct emu_vp *vps[EMU_MAX_VPS];

	for (;;) {
		uint64_t now = emu_reference_time(pt), next = UINT64_MAX;
		bool msgs = false;

		pthread_mutex_lock(&pt->lock);
		memcpy(vps, pt->vps, sizeof vps);
		pthread_mutex_unlock(&pt->lock);
		for (size_t i = 0; i < EMU_MAX_VPS; i++) {
			if (!vps[i])
				continue;
			pthread_mutex_lock(&vps[i]->hv.m);
			msgs |= expire(vps[i], now, &next);
			pthread_mutex_unlock(&vps[i]->hv.m);
		}
		if (msgs)
			post_pending(pt, vps);
		pthread_mutex_lock(&h->tm);
		while (!h->stop && !h->changed) {
			if (next == UINT64_MAX) {
				pthread_cond_wait(&h->cv, &h->tm);
				continue;
			}
			/* reference time runs at CLOCK_MONOTONIC's pace */
			uint64_t at = lapic_now_ns() + (next - now) * 100;
			struct timespec ts = { (time_t)(at / 1000000000ull),
					       (long)(at % 1000000000ull) };
			if (pthread_cond_timedwait(&h->cv, &h->tm, &ts) == ETIMEDOUT)
				break;
		}
		h->changed = false;
		bool stop = h->stop;
		pthread_mutex_unlock(&h->tm);
		if (stop)
			return NULL;
	}
}

void stimer_state_get(struct emu_vp *vp, struct hv_synthetic_timers_state *s)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_lock(&vp->hv.m);
	for (unsigned i = 0; i < HV_STIMERS; i++) {
		const struct emu_stimer *t = &vp->hv.st[i];
		s->timers[i].flags.undelivered_msg_pending = t->msg_pending;
		s->timers[i].config = t->config;
		s->timers[i].count = t->count;
		s->timers[i].undelivered_exp_time = t->msg_pending ? t->exp_time : 0;
	}
	pthread_mutex_unlock(&vp->hv.m);
}

int stimer_state_set(struct emu_vp *vp, const struct hv_synthetic_timers_state *s)
{
	for (unsigned i = 0; i < HV_STIMERS; i++)
		if ((s->timers[i].config & CONFIG_RSVD) || (s->timers[i].flags.as_uint32 & ~1u))
			return -EINVAL;
	pthread_mutex_lock(&vp->hv.m);
	for (unsigned i = 0; i < HV_STIMERS; i++) {
		struct emu_stimer *t = &vp->hv.st[i];
		t->config = s->timers[i].config;
		t->count = s->timers[i].count;
		t->msg_pending = s->timers[i].flags.undelivered_msg_pending;
		t->exp_time = s->timers[i].undelivered_exp_time;
		start(vp, t);
	}
	/* an undelivered expiry goes as soon as its slot allows */
	for (unsigned i = 0; i < HV_SINTS; i++)
		stimer_retry(vp, i);
	pthread_mutex_unlock(&vp->hv.m);
	return 0;
}
