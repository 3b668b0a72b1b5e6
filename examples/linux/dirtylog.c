/* SPDX-License-Identifier: MIT */
/*
 * --dirty-log MS: the memory half of a live migration's pre-copy, run
 * against the booting guest. Guest RAM is copied once, then every MS ms
 * the pages MSHV_GET_GPAP_ACCESS_BITMAP reports dirty (read and cleared
 * at once, the DIRTY/CLEAR pair Cloud Hypervisor uses) are copied again.
 * After the VPs stopped, one last round and a page-by-page comparison: a
 * page the guest wrote that the log missed shows up as a difference.
 *
 * This VMM writes guest RAM itself only while loading, before the first
 * copy, so any difference is a page the log failed to report.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "vmm.h"

#define BATCH 0x10000ull	/* pages per ioctl, as rust-vmm asks */

struct dirtylog {
	struct vm *vm;
	unsigned ms;
	pthread_t thread;
	atomic_bool stop;
	uint8_t *copy_low, *copy_high;
	unsigned rounds;
	uint64_t pages;		/* copied again after the first copy */
	int err;
};

/* Copies the pages of [gpa, gpa + size) the log reports dirty. */
static int sync_range(struct dirtylog *d, uint64_t gpa, const uint8_t *ram, uint8_t *copy,
		      uint64_t size)
{
	static uint8_t bm[BATCH / 8];
	uint64_t npages = size >> 12;

	for (uint64_t p = 0; p < npages; p += BATCH) {
		uint64_t n = npages - p < BATCH ? npages - p : BATCH;
		struct mshv_gpap_access_bitmap a = {
			.access_type = MSHV_GPAP_ACCESS_TYPE_DIRTY,
			.access_op = MSHV_GPAP_ACCESS_OP_CLEAR,
			.page_count = n,
			.gpap_base = (gpa >> 12) + p,
			.bitmap_ptr = (uintptr_t)bm,
		};
		if (ioctl(d->vm->pt_fd, MSHV_GET_GPAP_ACCESS_BITMAP, &a) < 0)
			return -errno;
		for (uint64_t i = 0; i < n; i++) {
			if (!(bm[i / 8] >> (i % 8) & 1))
				continue;
			memcpy(copy + ((p + i) << 12), ram + ((p + i) << 12), 4096);
			d->pages++;
		}
	}
	return 0;
}

static int sync_all(struct dirtylog *d)
{
	struct vm *vm = d->vm;
	int rc = sync_range(d, 0, vm->ram, d->copy_low, vm->low_size);

	if (!rc && vm->high_size)
		rc = sync_range(d, HIGH_RAM_GPA, vm->high_ram, d->copy_high, vm->high_size);
	d->rounds++;
	return rc;
}

static void *dirtylog_thread(void *arg)
{
	struct dirtylog *d = arg;
	struct timespec ts = { d->ms / 1000, (long)(d->ms % 1000) * 1000000 };

	while (!atomic_load(&d->stop) && !d->err) {
		nanosleep(&ts, NULL);
		/* The thread is the only caller until dirtylog_finish joins it. */
		d->err = sync_all(d);
	}
	return NULL;
}

struct dirtylog *dirtylog_start(struct vm *vm, unsigned ms)
{
	struct dirtylog *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->vm = vm;
	d->ms = ms ? ms : 1;
	d->copy_low = malloc(vm->low_size);
	d->copy_high = vm->high_size ? malloc(vm->high_size) : NULL;
	if (!d->copy_low || (vm->high_size && !d->copy_high) ||
	    vm_set_property(vm, HV_PARTITION_PROPERTY_GPA_PAGE_ACCESS_TRACKING, 1) < 0)
		goto fail;
	/* Clear the log, then take the first full copy. */
	if (sync_all(d) < 0)
		goto fail;
	memcpy(d->copy_low, vm->ram, vm->low_size);
	if (vm->high_size)
		memcpy(d->copy_high, vm->high_ram, vm->high_size);
	d->pages = 0;
	d->rounds = 0;
	if (pthread_create(&d->thread, NULL, dirtylog_thread, d))
		goto fail;
	return d;
fail:
	fprintf(stderr, "mshv-linux: --dirty-log: %s\n", strerror(errno));
	free(d->copy_low);
	free(d->copy_high);
	free(d);
	return NULL;
}

static uint64_t differing(const uint8_t *a, const uint8_t *b, uint64_t size)
{
	uint64_t n = 0;

	for (uint64_t off = 0; off < size; off += 4096)
		n += memcmp(a + off, b + off, 4096) != 0;
	return n;
}

/* After the VPs stopped: the last round, the comparison, the report. */
int dirtylog_finish(struct dirtylog *d, const char *tag)
{
	struct vm *vm = d->vm;
	uint64_t diff;

	atomic_store(&d->stop, true);
	pthread_join(d->thread, NULL);
	if (!d->err)
		d->err = sync_all(d);
	diff = differing(d->copy_low, vm->ram, vm->low_size);
	if (vm->high_size)
		diff += differing(d->copy_high, vm->high_ram, vm->high_size);
	if (d->err)
		printf("%s: dirty log: failed after %u rounds: %s\n", tag, d->rounds,
		       strerror(-d->err));
	else
		printf("%s: dirty log: %u rounds, %llu pages copied again, %llu pages differ\n",
		       tag, d->rounds, (unsigned long long)d->pages, (unsigned long long)diff);
	int rc = d->err || diff ? -1 : 0;
	free(d->copy_low);
	free(d->copy_high);
	free(d);
	return rc;
}
