/* SPDX-License-Identifier: MIT */
/*
 * fd → mshv_obj table.
 *
 * Layout: a static top-level array of chunk pointers, each chunk holding
 * FDT_CHUNK slots. Chunks are allocated on first insert into their range
 * (under a mutex) and never freed, so a reader that loaded a chunk pointer
 * can always dereference it. Each slot is one cache line (VP fds of
 * different vCPU threads are usually adjacent numbers; padding keeps their
 * hot counters apart).
 *
 * Reference safety without locks: a slot holds the object pointer and a
 * count of lookups in flight. A lookup announces itself (readers++), loads
 * the pointer, takes its own reference, and retires (readers--). A remover
 * swaps the pointer out and then waits until readers drops to zero before
 * handing the table's reference to its caller. Both sides use sequentially
 * consistent operations (store-buffer pattern), so either the lookup sees
 * the pointer already cleared, or the remover sees the lookup in flight
 * and waits for it: the object cannot be freed between a lookup's load and
 * its mshv_obj_get(). Readers never wait; they only hold the slot for a
 * handful of instructions, so the remover's wait is short.
 */
#include "fdtable.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mshv_dev.h"

#define FDT_CHUNK_SHIFT 10
#define FDT_CHUNK (1u << FDT_CHUNK_SHIFT)
#define FDT_NCHUNKS (FDTABLE_MAX_FD >> FDT_CHUNK_SHIFT)

struct fdt_slot {
	alignas(64) _Atomic(struct mshv_obj *) obj;
	atomic_uint readers;
};

struct fdt_chunk {
	struct fdt_slot slot[FDT_CHUNK];
};

static _Atomic(struct fdt_chunk *) fdt_top[FDT_NCHUNKS];
static pthread_mutex_t fdt_grow_lock = PTHREAD_MUTEX_INITIALIZER;

static struct fdt_slot *slot_peek(int fd)
{
	struct fdt_chunk *c;

	if (fd < 0 || fd >= FDTABLE_MAX_FD)
		return NULL;
	c = atomic_load_explicit(&fdt_top[(unsigned)fd >> FDT_CHUNK_SHIFT],
				 memory_order_acquire);
	if (!c)
		return NULL;
	return &c->slot[(unsigned)fd & (FDT_CHUNK - 1)];
}

static struct fdt_slot *slot_get_or_alloc(int fd, int *err)
{
	struct fdt_slot *s;
	struct fdt_chunk *c;
	unsigned idx;

	if (fd < 0) {
		*err = -EBADF;
		return NULL;
	}
	if (fd >= FDTABLE_MAX_FD) {
		*err = -EMFILE;
		return NULL;
	}
	s = slot_peek(fd);
	if (s)
		return s;

	idx = (unsigned)fd >> FDT_CHUNK_SHIFT;
	pthread_mutex_lock(&fdt_grow_lock);
	c = atomic_load_explicit(&fdt_top[idx], memory_order_relaxed);
	if (!c) {
		/* aligned_alloc keeps the cache-line alignment of slots */
		c = aligned_alloc(64, sizeof(*c));
		if (c) {
			for (unsigned i = 0; i < FDT_CHUNK; i++) {
				atomic_init(&c->slot[i].obj, NULL);
				atomic_init(&c->slot[i].readers, 0);
			}
			atomic_store_explicit(&fdt_top[idx], c,
					      memory_order_release);
		}
	}
	pthread_mutex_unlock(&fdt_grow_lock);
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	return &c->slot[(unsigned)fd & (FDT_CHUNK - 1)];
}

/* Waits until no lookup that might have loaded an old pointer is still
 * between its load and its mshv_obj_get(). */
static void slot_drain(struct fdt_slot *s)
{
	unsigned spins = 0;

	while (atomic_load(&s->readers) != 0) {
		if (++spins > 64) {
			sched_yield();
			spins = 0;
		}
	}
}

/* Swaps in obj (may be NULL) and returns the previous, now unreachable,
 * pointer with the table's reference. */
static struct mshv_obj *slot_exchange(struct fdt_slot *s, struct mshv_obj *obj)
{
	struct mshv_obj *old = atomic_exchange(&s->obj, obj);

	if (old)
		slot_drain(s);
	return old;
}

int fdtable_insert(int fd, struct mshv_obj *obj)
{
	struct fdt_slot *s;
	struct mshv_obj *old;
	int err = 0;

	s = slot_get_or_alloc(fd, &err);
	if (!s)
		return err;
	old = slot_exchange(s, obj);
	if (old)
		mshv_obj_put(old);
	return 0;
}

struct mshv_obj *fdtable_lookup(int fd)
{
	struct fdt_slot *s = slot_peek(fd);
	struct mshv_obj *obj;

	if (!s)
		return NULL;
	/* Fast negative answer for fds that are not ours (the common case
	 * for a VMM's other ioctls): no shared-memory writes. */
	if (!atomic_load_explicit(&s->obj, memory_order_acquire))
		return NULL;

	atomic_fetch_add(&s->readers, 1);
	obj = atomic_load(&s->obj);
	if (obj)
		mshv_obj_get(obj);
	atomic_fetch_sub_explicit(&s->readers, 1, memory_order_release);
	return obj;
}

int fdtable_is_bound(int fd)
{
	struct fdt_slot *s = slot_peek(fd);

	return s && atomic_load_explicit(&s->obj, memory_order_acquire);
}

struct mshv_obj *fdtable_remove(int fd)
{
	struct fdt_slot *s = slot_peek(fd);

	if (!s || !atomic_load_explicit(&s->obj, memory_order_acquire))
		return NULL;
	return slot_exchange(s, NULL);
}

int fdtable_dup(int oldfd, int newfd)
{
	struct mshv_obj *obj, *old;
	int ret;

	if (oldfd == newfd)
		return fdtable_is_bound(newfd);

	obj = fdtable_lookup(oldfd);
	if (!obj) {
		old = fdtable_remove(newfd);
		if (old)
			mshv_obj_put(old);
		return 0;
	}
	ret = fdtable_insert(newfd, obj);
	if (ret < 0) {
		mshv_obj_put(obj);
		old = fdtable_remove(newfd);
		if (old)
			mshv_obj_put(old);
		return ret;
	}
	return 1;
}

int fdtable_next_bound(int from)
{
	if (from < 0)
		from = 0;
	while (from < FDTABLE_MAX_FD) {
		struct fdt_chunk *c = atomic_load_explicit(
			&fdt_top[(unsigned)from >> FDT_CHUNK_SHIFT],
			memory_order_acquire);

		if (!c) {
			from = (int)(((unsigned)from | (FDT_CHUNK - 1)) + 1);
			continue;
		}
		if (atomic_load_explicit(
			    &c->slot[(unsigned)from & (FDT_CHUNK - 1)].obj,
			    memory_order_acquire))
			return from;
		from++;
	}
	return -1;
}
