/* SPDX-License-Identifier: MIT */
/*
 * The decoded trace and fault injection (docs/user-guide.md "Tracing" and
 * "Fault injection"). A face attaches a tap to the device object it opens
 * and every partition and VP created through it inherits it; the shared
 * decoder (src/ioctl.c) tests obj->tap once per ioctl and otherwise pays
 * nothing. Everything here lives in the faces' layer: the core (emu/) is
 * called exactly as without a tap.
 */
#ifndef MSHV_EMU_TAP_H
#define MSHV_EMU_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_message;
struct mshv_obj;
struct mshv_uaccess;
struct mshv_face_ops;

/* Event classes, for --trace-filter. */
enum trace_class {
	TRACE_IOCTL = 1,
	TRACE_HVCALL = 2,
	TRACE_EXIT = 4,
	TRACE_IRQ = 8,
	TRACE_ALL = 15,
};

/* ---- trace sink (src/trace.c) ---- */

struct trace_sink;

/* A sink writing to PATH (appended; NULL or "-": standard error) for the
 * classes in mask, each line after the optional prefix. NULL and -errno in
 * *err on failure. */
struct trace_sink *trace_open(const char *path, unsigned classes, const char *prefix, int *err);
void trace_close(struct trace_sink *t);
bool trace_wants(const struct trace_sink *t, unsigned cls);
/* Parses "ioctl,hvcall,exit,irq" (or "all") into a class mask; -EINVAL on
 * an unknown word. */
int trace_parse_filter(const char *s, unsigned *mask);

/* A line under construction: bounded, never fails (truncates). */
#define TRACE_LINE_MAX 1024
struct tline {
	char s[TRACE_LINE_MAX];
	size_t n;
};
void tl_add(struct tline *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes "SECONDS CLASS [vp=N] BODY\n" in one write(2), vp < 0: none. */
void trace_emit(struct trace_sink *t, unsigned cls, int vp, const struct tline *body);

/* ---- names and decoders (src/trace_decode.c) ---- */

const char *trace_hvcall_name(uint16_t code);		/* NULL if unknown */
const char *trace_status_name(uint16_t status);
const char *trace_msg_name(uint32_t type);
const char *trace_errno_name(int err);			/* err > 0 */
const char *trace_ioctl_name(int kind, unsigned long request);
/* Reverse lookups for fault specs: 0, or -EINVAL for an unknown name. */
int trace_hvcall_code(const char *name, uint16_t *code);
int trace_status_code(const char *name, uint16_t *status);
int trace_msg_type(const char *name, uint32_t *type);
int trace_errno_value(const char *name, int *err);
/* Index into the ioctl table (any fd kind), or -EINVAL. */
int trace_ioctl_index(const char *name);
int trace_ioctl_index_of(int kind, unsigned long request);

/* The ioctl's argument struct (already read from the caller), decoded. */
void trace_decode_ioctl(struct tline *l, int kind, unsigned long request, const void *arg,
			size_t len);
/* A hypercall's input (in_sz bytes), and its output after success. */
void trace_decode_hvcall_in(struct tline *l, uint16_t code, uint16_t reps, const void *in,
			    size_t in_sz);
void trace_decode_hvcall_out(struct tline *l, uint16_t code, uint16_t reps, const void *in,
			     size_t in_sz, const void *out, size_t out_sz);
/* A RUN_VP exit: message type and its payload. */
void trace_decode_exit(struct tline *l, const struct hv_message *msg);
/* " type=FIXED vector=0x40 dest=0x0 edge[ logical]" */
void trace_decode_irq(struct tline *l, uint32_t type, uint32_t vector, uint64_t dest,
		      bool level, bool logical);

/* ---- fault injection (src/fault.c) ---- */

struct fault_set;

/* Parses SPEC (one or several, separated by ',') into *set (allocated on
 * first use, appended to after). 0, or -EINVAL with a reason in why. */
int fault_parse(struct fault_set **set, const char *spec, char *why, size_t why_len);
void fault_free(struct fault_set *set);
/* Each counts one occurrence of the event against every spec that selects
 * it and says whether to fail it, and how. */
bool fault_ioctl(struct fault_set *set, int ioctl_index, int *err);
bool fault_hvcall(struct fault_set *set, uint16_t code, uint16_t *status);
bool fault_exit(struct fault_set *set, uint32_t *msg_type);

/* ---- the tap (src/tap.c) ---- */

struct mshv_tap {
	int refs;			/* atomic */
	struct trace_sink *trace;	/* NULL: no trace */
	struct fault_set *faults;	/* NULL: no faults */
};

/* A tap from a trace path (NULL: no trace), class filter (NULL: all),
 * line prefix and fault spec (NULL: none); NULL when neither a trace nor
 * faults are asked for, or on error (a message on stderr, *err set). */
struct mshv_tap *tap_new(const char *trace, const char *filter, const char *prefix,
			 const char *faults, int *err);
void tap_get(struct mshv_tap *tap);
void tap_put(struct mshv_tap *tap);

/* The decoder's hooks (src/ioctl.c), used only when obj->tap is set. */
long tap_ioctl(struct mshv_obj *obj, unsigned long request, uint64_t arg,
	       const struct mshv_uaccess *ua, const struct mshv_face_ops *fops,
	       struct mshv_obj **created);
uint16_t tap_hvcall(struct mshv_obj *obj, uint16_t code, uint16_t *reps, const void *in,
		    size_t in_sz, void *out, size_t out_sz, bool *injected);
int tap_run_vp(struct mshv_obj *obj, struct hv_message *msg);
/* A traced partition: its irqfd interrupts are traced (class irq). */
void tap_partition_created(struct mshv_obj *pt_obj);

#endif
