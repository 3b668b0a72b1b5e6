/* SPDX-License-Identifier: MIT */
/*
 * The partition's one Unicorn engine, which its VPs take turns on
 * (engine.c), the hooks installed on it (hooks.c; the SVM engine's own in
 * svm.h) and the code pages it translated (codepages.c).
 */
#ifndef MSHV_EMU_ENGINE_H
#define MSHV_EMU_ENGINE_H

#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unicorn/unicorn.h>

struct emu_partition;
struct emu_vp;
struct codewatch;
struct svm_host;
struct scanner;

struct emu_code_page {
	uint64_t gpa;
	uint8_t *shadow;	/* copy of the page when first executed */
};

struct emu_engine {
	pthread_mutex_t m;
	pthread_cond_t cv;
	uc_engine *uc;
	struct emu_vp *loaded;		/* whose state the engine holds */
	struct emu_vp *running;		/* VP inside uc_emu_start */
	bool busy;			/* someone owns the engine */
	_Atomic unsigned waiters;	/* changed under m; read without it */
	_Atomic unsigned yielders;	/* preempted VPs waiting for a turn */
	uint64_t generation;		/* bumped on every acquire */
	uc_context *scratch;
	int codebuf;			/* codebuf.c slot + 1; 0: none */
	uc_context *pristine;		/* engine state before any VP */
	bool flush_tb;			/* code changed behind the engine */
	bool npt_stale;			/* nested tables to rebuild before entry */
	bool translated;		/* code cache not empty */
	struct emu_code_page *code;	/* pages executed, for staleness */
	size_t ncode, capcode;
	/* Executed pages of the engine's mapping, the VMM's own in-process
	 * (emu/codewatch.h); cw_tried: codewatch_new was called (NULL: not
	 * available). vmm_cw: the same pages in the VMM's mapping where that
	 * is another process's (emu_partition_watch_vmm_writes). */
	struct codewatch *cw, *vmm_cw;
	bool cw_tried;
	/* SVM engine: host structures, scanner */
	struct svm_host *svm;
	struct scanner *scan;
	/* tlb_tick.c, under m: the tick thread and what it asks for */
	pthread_t tick;
	pthread_cond_t tick_cv;
	bool tick_started, tick_armed, tick_stop;
	bool tlb_due;			/* flush at the next entry */
	/* kick.c: the VP inside uc_emu_start, runs ended, the kick thread */
	_Atomic(struct emu_vp *) in_uc;
	_Atomic uintptr_t in_uc_thread; /* pthread_self() of in_uc's run */
	_Atomic uint64_t uc_runs, kick_run;
	int kick_fd;
	pthread_t kick_th;
	bool kick_started;
	_Atomic bool kick_stop;
};

/* engine.c */
int engine_init(struct emu_partition *pt);
void engine_fini(struct emu_partition *pt);
void engine_acquire(struct emu_partition *pt, struct emu_vp *who);
void engine_release(struct emu_partition *pt);
void engine_yield(struct emu_partition *pt, struct emu_vp *vp);
bool engine_enter(struct emu_partition *pt, struct emu_vp *vp);
void engine_leave(struct emu_partition *pt);
/* Makes vp the engine's current CPU state (engine must be held). */
void engine_load(struct emu_partition *pt, struct emu_vp *vp);

/* kick.c: sets kick bits on vp and makes sure a running VP notices them
 * (async-signal-safe). */
void engine_kick(struct emu_vp *vp, unsigned bits);
int kick_init(struct emu_engine *e);
void kick_fini(struct emu_engine *e);
/* Around each uc_emu_start of vp's guest code: false (not entered) if vp
 * has kick bits pending. */
bool kick_enter(struct emu_engine *e, struct emu_vp *vp);
void kick_leave(struct emu_engine *e);

/* tlb_tick.c: periodic TLB flushes, so QEMU can size the TLB (why: there) */
void tlb_tick_init(struct emu_engine *e);
void tlb_tick_fini(struct emu_engine *e);
/* At entry, m held: arms the tick; true if a flush is due first. */
bool tlb_tick_entry(struct emu_engine *e);

/* hooks.c: the Unicorn hooks besides the SVM intercepts */
int run_hooks_install(struct emu_partition *pt);

/* codepages.c: code the VMM rewrites under the engine (docs/design.md §6) */
void run_track_code_page(struct emu_partition *pt, uint64_t gpa, const uint8_t *host);
/* At entry (engine held): flushes translations if tracked code changed. */
void run_check_code_pages(struct emu_partition *pt);

#endif
