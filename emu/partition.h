/* SPDX-License-Identifier: MIT */
/*
 * A partition (partition.c; emu_partition_* of <mshv-emu/emu.h>): its
 * memory, VPs, properties, intercepts, MSI routes, irqfds, ioeventfds,
 * LAPIC timer, enlightenments and engine, and partition-wide helpers.
 */
#ifndef MSHV_EMU_PARTITION_H
#define MSHV_EMU_PARTITION_H

#include "util.h"
#include "emu_limits.h"
#include "engine.h"
#include "hv.h"
#include "lapic.h"

#include <pthread.h>
#include <stdatomic.h>

#include <linux/mshv.h>
#include <mshv-emu/emu.h>

struct emu_region;
struct emu_vp;
struct emu_irqfd;
struct emu_ioeventfd;

/* Partition properties the VMM can get/set (hv_partition.h codes). */
struct emu_props {
	uint64_t synthetic_features;
	uint64_t unimplemented_msr_action;
	uint64_t time_freeze;
	uint64_t reference_time_offset;	/* 100 ns units added to host time */
	uint64_t frozen_reference_time;
	uint64_t gpa_access_tracking;
	uint64_t processors_per_socket;
	uint64_t privilege_flags;
};

struct emu_msi_route {
	uint32_t gsi, address_lo, address_hi, data;
};

struct emu_partition {
	_Atomic int refs;
	uint64_t id;
	struct emu_partition_config cfg;
	bool initialized;

	pthread_mutex_t lock;		/* regions, vps, props, cpuid */
	struct emu_region *regions;	/* pieces, under the engine */
	size_t nregions, capregions;
	size_t nregs;			/* registrations */
	struct emu_vp *vps[EMU_MAX_VPS];
	struct emu_props props;
	bool intercept_cpuid_all;	/* X64_GLOBAL_CPUID installed */
	uint32_t intercept_cpuid[EMU_MAX_INTERCEPTS];	/* X64_CPUID leaves */
	size_t nintercept_cpuid;
	uint32_t intercept_msr[EMU_MAX_INTERCEPTS];	/* X64_MSR_INDEX */
	uint32_t intercept_msr_access[EMU_MAX_INTERCEPTS]; /* HV_INTERCEPT_ACCESS_MASK_* */
	size_t nintercept_msr;
	uint32_t intercept_msr_all;	/* X64_MSR: access mask */
	uint32_t intercept_exception;	/* EXCEPTION: bit n = vector n */
	uint64_t created_ref;		/* hv_ref_ticks() at creation */
	struct emu_msi_route *routes;	/* MSHV_SET_MSI_ROUTING table */
	size_t nroutes;
	void *attached;			/* emu_partition_attach() */
	void (*attached_release)(void *obj);

	/* irqfd.c: MSHV_IRQFD. irqfd_lock guards the list and is held while
	 * injecting (deassign waits for an injection in flight); rs_lock
	 * guards the resampler fields and is all the EOI path takes. */
	pthread_mutex_t irqfd_lock, irqfd_rs_lock;
	struct emu_irqfd *irqfds;
	int irqfd_epfd, irqfd_ctl;	/* -1 until the service thread runs */
	pthread_t irqfd_thread;
	bool irqfd_running;
	uint64_t irqfd_next_id;
	/* emu_partition_set_irq_observer (under irqfd_lock) */
	void (*irq_obs)(void *ctx, const struct emu_irq_event *ev);
	void *irq_obs_ctx;
	/* ioeventfd.c: MSHV_IOEVENTFD (MMIO doorbells) */
	pthread_mutex_t ioev_lock;
	struct emu_ioeventfd *ioev;
	size_t nioev, capioev;
	_Atomic size_t nioev_live;	/* lock-free "any at all?" for run.c */

	struct emu_lapic_pt lapic;	/* lapic.c: timer thread, MMIO page */
	struct emu_hv_pt hv;		/* hv_*.c, stimer.c: enlightenments */
	struct dirty_log *dlog;		/* dirty.c: NULL unless tracking */
	struct emu_engine eng;
};

/* Was the partition created with a LAPIC (MSHV_PT_BIT_LAPIC)? */
static inline bool emu_pt_has_lapic(const struct emu_partition *pt)
{
	return pt->cfg.pt_flags & (1ull << MSHV_PT_BIT_LAPIC);
}

#endif
