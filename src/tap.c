/* SPDX-License-Identifier: MIT */
/*
 * The decoder's trace and fault hooks (src/tap.h): reached only through
 * obj->tap, so a face without --trace or --fault never calls in here.
 * Injected failures are decided before the call is made (the core never
 * sees it) and marked "(injected)" on their trace line.
 */
#include "tap.h"
#include "mshv_dev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

struct mshv_tap *tap_new(const char *trace, const char *filter, const char *prefix,
			 const char *faults, int *err)
{
	unsigned classes = TRACE_ALL;
	struct mshv_tap *tap;
	char why[160];

	*err = 0;
	if (!trace && !faults)
		return NULL;
	if (filter && trace_parse_filter(filter, &classes)) {
		fprintf(stderr, "mshv-emu: bad trace filter '%s' (ioctl,hvcall,exit,irq or all)\n",
			filter);
		*err = -EINVAL;
		return NULL;
	}
	tap = calloc(1, sizeof *tap);
	if (!tap) {
		*err = -ENOMEM;
		return NULL;
	}
	tap->refs = 1;
	if (faults && (*err = fault_parse(&tap->faults, faults, why, sizeof why))) {
		fprintf(stderr, "mshv-emu: bad fault spec '%s': %s\n", faults,
			*err == -EINVAL ? why : strerror(-*err));
		goto fail;
	}
	if (trace && !(tap->trace = trace_open(trace, classes, prefix, err))) {
		fprintf(stderr, "mshv-emu: trace %s: %s\n", trace, strerror(-*err));
		goto fail;
	}
	return tap;
fail:
	fault_free(tap->faults);
	free(tap);
	return NULL;
}

void tap_get(struct mshv_tap *tap)
{
	__atomic_add_fetch(&tap->refs, 1, __ATOMIC_RELAXED);
}

void tap_put(struct mshv_tap *tap)
{
	if (!tap || __atomic_sub_fetch(&tap->refs, 1, __ATOMIC_ACQ_REL))
		return;
	trace_close(tap->trace);
	fault_free(tap->faults);
	free(tap);
}

static int obj_vp(const struct mshv_obj *obj)
{
	return obj->kind == MSHV_OBJ_VP ? (int)emu_vp_index(obj->vp) : -1;
}

static const char *const kind_names[] = { "dev", "pt", "vp", "vfio" };

long tap_ioctl(struct mshv_obj *obj, unsigned long request, uint64_t arg,
	       const struct mshv_uaccess *ua, const struct mshv_face_ops *fops,
	       struct mshv_obj **created)
{
	struct mshv_tap *tap = obj->tap;
	int idx = trace_ioctl_index_of(obj->kind, request), err = 0;
	bool tracing = trace_wants(tap->trace, TRACE_IOCTL), injected = false;
	/* The argument as the caller passed it (before the call may write
	 * it back): the largest argument struct decoded is 32 bytes. */
	uint8_t a[32];
	size_t alen = _IOC_SIZE(request) < sizeof a ? _IOC_SIZE(request) : sizeof a;
	bool have_arg = tracing && idx >= 0 && (_IOC_DIR(request) & _IOC_WRITE) &&
			ua->read(ua->ctx, a, arg, alen) == 0;
	long rc;

	if (tap->faults && idx >= 0 && fault_ioctl(tap->faults, idx, &err)) {
		*created = NULL;
		rc = -err;
		injected = true;
	} else {
		rc = mshv_dev_dispatch(obj, request, arg, ua, fops, created);
	}
	if (!tracing)
		return rc;

	struct tline l = { .n = 0 };
	const char *name = trace_ioctl_name(obj->kind, request);
	/* A VP's lines carry "vp=N" already. */
	if (obj->kind != MSHV_OBJ_VP)
		tl_add(&l, "%s ", kind_names[obj->kind]);
	if (name)
		tl_add(&l, "%s", name);
	else
		tl_add(&l, "0x%lx", request);
	if (have_arg)
		trace_decode_ioctl(&l, obj->kind, request, a, alen);
	if (rc < 0)
		tl_add(&l, " = -1 %s", trace_errno_name((int)-rc));
	else if (*created && (*created)->kind == MSHV_OBJ_VP)
		tl_add(&l, " = vp %u", emu_vp_index((*created)->vp));
	else if (*created && (*created)->kind == MSHV_OBJ_VFIO)
		tl_add(&l, " = vfio device");
	else if (*created)
		tl_add(&l, " = partition %llu",
		       (unsigned long long)emu_partition_id((*created)->pt));
	else
		tl_add(&l, " = %ld", rc);
	if (injected)
		tl_add(&l, " (injected)");
	trace_emit(tap->trace, TRACE_IOCTL, obj_vp(obj), &l);
	return rc;
}

uint16_t tap_hvcall(struct mshv_obj *obj, uint16_t code, uint16_t *reps, const void *in,
		    size_t in_sz, void *out, size_t out_sz, bool *injected)
{
	struct mshv_tap *tap = obj->tap;
	uint16_t reps_in = *reps, st;

	*injected = false;
	if (tap->faults && fault_hvcall(tap->faults, code, &st)) {
		*reps = 0;
		*injected = true;
	} else {
		st = emu_hvcall(obj->pt, code, reps, in, in_sz, out, out_sz);
	}
	if (trace_wants(tap->trace, TRACE_HVCALL)) {
		struct tline l = { .n = 0 };
		const char *n = trace_hvcall_name(code), *s = trace_status_name(st);

		if (n)
			tl_add(&l, "%s", n);
		else
			tl_add(&l, "0x%x", code);
		trace_decode_hvcall_in(&l, code, reps_in, in, in_sz);
		if (s)
			tl_add(&l, " = %s", s);
		else
			tl_add(&l, " = 0x%x", st);
		tl_add(&l, " reps=%u", *reps);
		if (*injected)
			tl_add(&l, " (injected)");
		else if (st == HV_STATUS_SUCCESS)
			trace_decode_hvcall_out(&l, code, reps_in, in, in_sz, out, out_sz);
		trace_emit(tap->trace, TRACE_HVCALL, obj_vp(obj), &l);
	}
	if (code == HVCALL_ASSERT_VIRTUAL_INTERRUPT && trace_wants(tap->trace, TRACE_IRQ)) {
		struct tline l = { .n = 0 };

		tl_add(&l, "ASSERT_INTERRUPT");
		trace_decode_hvcall_in(&l, code, reps_in, in, in_sz);
		tl_add(&l, " = %s%s", st == HV_STATUS_SUCCESS ? "delivered" : "refused",
		       *injected ? " (injected)" : "");
		trace_emit(tap->trace, TRACE_IRQ, obj_vp(obj), &l);
	}
	return st;
}

/* The core's own interrupts from irqfds (emu_partition_set_irq_observer),
 * on the partition's irqfd thread. */
static void irqfd_line(void *ctx, const struct emu_irq_event *ev)
{
	struct mshv_tap *tap = ctx;
	struct tline l = { .n = 0 };

	tl_add(&l, "IRQFD gsi=%u", ev->gsi);
	trace_decode_irq(&l, ev->type, ev->vector, ev->dest, ev->level, ev->logical);
	tl_add(&l, " = %s", ev->rc ? trace_errno_name(-ev->rc) : "delivered");
	trace_emit(tap->trace, TRACE_IRQ, -1, &l);
}

void tap_partition_created(struct mshv_obj *pt_obj)
{
	struct mshv_tap *tap = pt_obj->tap;

	/* The tap outlives the partition: every object of it holds a
	 * reference and drops it after the partition (mshv_obj_put). */
	if (pt_obj->pt && tap->trace && trace_wants(tap->trace, TRACE_IRQ))
		emu_partition_set_irq_observer(pt_obj->pt, irqfd_line, tap);
}

int tap_run_vp(struct mshv_obj *obj, struct hv_message *msg)
{
	struct mshv_tap *tap = obj->tap;
	bool injected = false;
	uint32_t type;
	int rc = emu_vp_dispatch(obj->vp, msg);

	if (rc)
		return rc;
	if (tap->faults && fault_exit(tap->faults, &type)) {
		/* The intercept header (VP, RIP, CS...) stays: a VMM that
		 * reports the failure finds where the guest was. */
		msg->header.message_type = type;
		injected = true;
	}
	if (trace_wants(tap->trace, TRACE_EXIT)) {
		struct tline l = { .n = 0 };

		trace_decode_exit(&l, msg);
		if (injected)
			tl_add(&l, " (injected)");
		trace_emit(tap->trace, TRACE_EXIT, obj_vp(obj), &l);
	}
	return 0;
}
