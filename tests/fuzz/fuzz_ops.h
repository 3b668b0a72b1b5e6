/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's input language (fuzz_ops.c) and what the harness
 * (fuzz_mshv.c) gives the operations.
 *
 * An input is read front to back; each operation takes an opcode byte,
 * then the bytes it needs. Reads past the end yield zeros, so every input
 * is a valid program and a short one is a short program.
 */
#ifndef MSHV_EMU_FUZZ_OPS_H
#define MSHV_EMU_FUZZ_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mshv_obj;

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void fz_bytes(struct fz *f, void *dst, size_t n)
{
	size_t k = n < f->n ? n : f->n;

	memcpy(dst, f->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	f->p += k;
	f->n -= k;
}

static inline uint8_t fz_u8(struct fz *f) { uint8_t v; fz_bytes(f, &v, sizeof v); return v; }
static inline uint16_t fz_u16(struct fz *f) { uint16_t v; fz_bytes(f, &v, sizeof v); return v; }
static inline uint32_t fz_u32(struct fz *f) { uint32_t v; fz_bytes(f, &v, sizeof v); return v; }
static inline uint64_t fz_u64(struct fz *f) { uint64_t v; fz_bytes(f, &v, sizeof v); return v; }

/* Guest RAM and argument space, page-aligned: guard page behind it
 * (PROT_NONE), then one read-only page. */
#define FZ_ARENA_PAGES 16
#define FZ_ARENA_SIZE (FZ_ARENA_PAGES * 4096u)
#define FZ_MAX_OPS 64
extern uint8_t *fz_arena;

/* Harness services (fuzz_mshv.c). */
/* Mostly an object of the kind given (enum mshv_obj_kind; other: any),
 * sometimes of another kind; NULL for an empty slot. */
struct mshv_obj *fz_obj(struct fz *f, int kind);
uint64_t fz_ptr(struct fz *f, size_t len);	/* in the arena or hostile */
uint64_t fz_raw_addr(struct fz *f);		/* an address nothing owns */
void *fz_at(uint64_t p, size_t len);		/* p as a pointer if in the arena */
int fz_efd(struct fz *f);			/* an eventfd, or any fd number */
long fz_ioctl(struct mshv_obj *obj, unsigned long req, uint64_t arg);
void fz_close(struct fz *f);
void *fz_vp_page(struct fz *f);
/*
 * Guest RAM over the guard page or the read-only page, registered
 * writable: off by default, because the core faults on it today (issue 7
 * items 1 and 3, handled at map time by the faces); MSHV_FUZZ_HOSTILE_MEM=1
 * turns it on.
 */
bool fz_hostile_mem(void);

/* Runs one operation (fuzz_ops.c). */
void fz_op(struct fz *f);

#endif
