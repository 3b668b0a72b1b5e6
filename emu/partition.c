/* SPDX-License-Identifier: MIT */
/* Partition lifecycle: create, initialize, reference counting, teardown. */
#include "emu_limits.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "irqfd.h"
#include "ioeventfd.h"
#include "cpuid.h"
#include "hv.h"
#include "lapic.h"
#include "rawenv.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/mshv.h>

static _Atomic uint64_t next_partition_id = 0x1000;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void do_init(void)
{
	if (rawenv_calibrate()) {
		fprintf(stderr, "mshv-emu: %s\n", rawenv_error());
		init_rc = -ENODEV;
	} else if (cpuid_init()) {
		fprintf(stderr, "mshv-emu: cannot probe the engine's CPUID\n");
		init_rc = -ENODEV;
	}
}

int emu_init(void)
{
	pthread_once(&init_once, do_init);
	return init_rc;
}

const char *emu_version(void)
{
	return PACKAGE_VERSION;
}

int emu_partition_create(const struct emu_partition_config *cfg,
			 struct emu_partition **out)
{
	struct emu_partition *pt;
	int rc = emu_init();

	if (rc)
		return rc;
	if (cfg->pt_flags & ~(uint64_t)MSHV_PT_FLAGS_MASK)
		return -EINVAL;
	if (cfg->isolation != MSHV_PT_ISOLATION_NONE)
		return -EINVAL;
	pt = calloc(1, sizeof *pt);
	if (!pt)
		return -ENOMEM;
	/* The process-wide cap (emu_limits.h), before any engine exists. */
	if (hostmem_add(pt)) {
		free(pt);
		return -ENOMEM;
	}
	atomic_init(&pt->refs, 1);
	pt->id = atomic_fetch_add(&next_partition_id, 1);
	pt->cfg = *cfg;
	pthread_mutex_init(&pt->lock, NULL);
	irqfd_init(pt);
	ioeventfd_init(pt);
	pt->props.unimplemented_msr_action = HV_UNIMPLEMENTED_MSR_ACTION_FAULT;
	pt->props.processors_per_socket = 1;
	pt->created_ref = hv_ref_ticks();
	rc = engine_init(pt);
	if (rc) {
		engine_fini(pt);
		irqfd_fini(pt);
		ioeventfd_fini(pt);
		hostmem_remove(pt);
		pthread_mutex_destroy(&pt->lock);
		free(pt);
		return rc;
	}
	lapic_pt_init(pt);
	hv_pt_init(pt);
	*out = pt;
	return 0;
}

void emu_partition_get(struct emu_partition *pt)
{
	atomic_fetch_add(&pt->refs, 1);
}

void emu_partition_put(struct emu_partition *pt)
{
	if (atomic_fetch_sub(&pt->refs, 1) != 1)
		return;
	hostmem_remove(pt);
	/* No injection or doorbell may reach a VP being destroyed. */
	irqfd_fini(pt);
	ioeventfd_fini(pt);
	lapic_pt_fini(pt);
	hv_pt_fini(pt);
	for (size_t i = 0; i < EMU_MAX_VPS; i++)
		if (pt->vps[i])
			vp_destroy(pt->vps[i]);
	engine_fini(pt);
	mem_fini(pt);
	free(pt->routes);
	if (pt->attached)
		pt->attached_release(pt->attached);
	pthread_mutex_destroy(&pt->lock);
	free(pt);
}

int emu_partition_attach(struct emu_partition *pt, void *obj, void (*release)(void *obj))
{
	int rc = -EBUSY;

	pthread_mutex_lock(&pt->lock);
	if (!pt->attached) {
		pt->attached = obj;
		pt->attached_release = release;
		rc = 0;
	}
	pthread_mutex_unlock(&pt->lock);
	return rc;
}

int emu_partition_initialize(struct emu_partition *pt)
{
	pthread_mutex_lock(&pt->lock);
	pt->initialized = true;
	pthread_mutex_unlock(&pt->lock);
	return 0;
}

uint64_t emu_partition_id(const struct emu_partition *pt)
{
	return pt->id;
}

struct emu_vp *emu_partition_vp(struct emu_partition *pt, uint32_t index)
{
	struct emu_vp *vp = NULL;

	if (index < EMU_MAX_VPS) {
		pthread_mutex_lock(&pt->lock);
		vp = pt->vps[index];
		pthread_mutex_unlock(&pt->lock);
	}
	return vp;
}
