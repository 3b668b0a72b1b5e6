/* SPDX-License-Identifier: MIT */
/* Internal structures of the hypervisor core (emu/). */
#ifndef MSHV_EMU_INTERNAL_H
#define MSHV_EMU_INTERNAL_H

#include <config.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include "lapic.h"
#include "hv.h"
#include "emu_limits.h"

#define EMU_PAGE 4096ull

#define EMU_LIKELY(x)   __builtin_expect(!!(x), 1)
#define EMU_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* One piece of guest memory as the engine maps it. A registration starts
 * as one piece; when the VMM takes part of its host range away, that part
 * becomes a piece of its own on pages the core keeps (hostmem.c). */
struct emu_region {
	uint64_t gpa, size;
	void *host;		/* what the engine uses; NULL if lost */
	unsigned flags;		/* EMU_MEM_* */
	/* The registration (MSHV_SET_GUEST_MEMORY unmap must name it). */
	uint64_t reg_gpa, reg_size;
	void *reg_host;
	bool owned;		/* host is the core's own mapping */
	bool lost;		/* could not be kept: guest access -> -EFAULT */
};

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

/* A REGISTER_INTERCEPT_RESULT CPUID override. */
struct emu_cpuid_override {
	uint32_t leaf, subleaf;
	bool subleaf_specific, always_override;
	uint32_t val[4], mask[4];	/* eax, ebx, ecx, edx */
};

/* Why uc_emu_start returned (set by hooks). */
enum emu_exit_reason {
	EXIT_NONE = 0,
	EXIT_KICK,		/* kick flag seen */
	EXIT_IO,
	EXIT_MEM,		/* unmapped or protection fault */
	EXIT_HLT,
	EXIT_EXCEPTION,		/* CPU exception / INT n */
	EXIT_INVALID,		/* #UD */
	EXIT_CPUID,		/* installed CPUID intercept */
	EXIT_MSR,		/* MSR intercept, or an MSR access that faults (#GP) */
	EXIT_APIC_EOI,		/* level-triggered EOI: HVMSG_X64_APIC_EOI (vector) */
	EXIT_SYSCALL,		/* SYSCALL/SYSENTER/.. to emulate (x86_syscall.c) */
	EXIT_WINDOW,		/* svm_exit.c, internal: an instruction that may
				 * open the interrupt window is next */
	EXIT_FAULT,		/* the instruction at rip faults: x.vector,
				 * error code 0 (MOV CR8 reserved bits) */
};

struct emu_exit {
	enum emu_exit_reason reason;
	uint64_t rip;		/* RIP of the instruction (offset from CS.base) */
	uint8_t insn_len;
	/* IO */
	uint16_t port;
	uint8_t io_size;
	bool io_in, io_string, io_rep;
	uint64_t saved_rax, saved_rcx, saved_rsi, saved_rdi;
	/* memory */
	uint64_t gpa;
	uint8_t access;		/* HV_INTERCEPT_ACCESS_* */
	bool unmapped;
	/* exceptions */
	int vector;
	uint32_t error_code;
	uint8_t exc_type;	/* enum emu_event_type of the event raised */
	bool exc_error_valid;
	bool exc_intercept;	/* report HVMSG_X64_EXCEPTION_INTERCEPT */
	uint64_t exc_param;	/* CR2 for #PF */
	/* MSR */
	uint32_t msr;
	bool msr_write, msr_intercepted;
	uint8_t bytes[16], nbytes;	/* the instruction, when known */
	/* memory write: the value and size Unicorn reported (ioeventfd) */
	uint64_t mem_value;
	uint8_t mem_size;
	/* EXIT_SYSCALL: enum x86_sys_insn, REX.W */
	uint8_t sys_insn;
	bool sys_rex_w;
};

#define EMU_KICK_SIGNAL 0x1u
#define EMU_KICK_YIELD  0x2u
#define EMU_KICK_IRQ    0x4u	/* the LAPIC has something to deliver */

struct emu_code_page {
	uint64_t gpa;
	uint8_t *shadow;	/* copy of the page when first executed */
};

struct emu_vp {
	struct emu_partition *pt;
	uint32_t index;
	uc_context *ctx;		/* state while not loaded on the engine */
	bool ctx_valid;

	void *pages;
	bool own_pages;
	void (*release)(void *ctx, void *pages, void *cookie);
	void *release_ctx, *release_cookie;
	struct hv_vp_register_page *rp;
	struct hv_message *msg;

	pthread_mutex_t run_lock;	/* MSHV_RUN_VP and VP-fd calls */
	_Atomic unsigned kick;
	int wake_fd;			/* eventfd: wakes a halted VP */

	struct emu_exit x;

	/* State the engine does not keep: plain-storage registers by name. */
#define EMU_SHADOW_SLOTS 256
	struct { uint32_t name; bool used; union hv_register_value v; } shadow[EMU_SHADOW_SLOTS];
	uint64_t cr8;			/* TPR; the engine ignores CR8 */
	uint64_t xfem;
	uint64_t tsc_offset;
	struct emu_cpuid_override *cpuid;	/* REGISTER_INTERCEPT_RESULT */
	size_t ncpuid, capcpuid;
	struct emu_lapic apic;		/* lapic.c */
	/* An interrupt waits for RFLAGS.IF: 1 = stop when IF is 1, 2 = let
	 * one instruction run first (STI/MOV SS shadow). */
	uint8_t irq_window;
	struct emu_hv_vp hv;		/* SynIC, stimers (synic.c, stimer.c) */
	uint8_t *simp, *siefp;		/* page state set while the page is off */
	bool raw_batch, raw_snap, raw_dirty;	/* regs_begin/regs_commit */
	bool halted;
	/* after HVMSG_UNRECOVERABLE_EXCEPTION: stays until the VMM sets RIP */
	bool shutdown;
	/* synth_regs.c: the suspend registers (read by other threads) */
	_Atomic bool explicit_suspend, intercept_suspend, dispatch_suspend;
	/* SVM engine (svm*.c) */
	bool svm_guest;			/* the engine state is in guest mode */
	uint32_t svm_exit;		/* UC_HOOK_INTR number of the last stop */
	uint64_t svm_skip_rip;		/* a scanner site to pass once (+1) */
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
	uc_context *pristine;		/* engine state before any VP */
	bool flush_tb;			/* code changed behind the engine */
	bool translated;		/* code cache not empty */
	struct emu_code_page *code;	/* pages executed, for staleness */
	size_t ncode, capcode;
	/* Executed pages of the VMM's own mapping (emu/codewatch.h);
	 * cw_tried: codewatch_new was called (NULL: not available). */
	struct codewatch *cw;
	bool cw_tried;
	/* SVM engine: host structures, scanner */
	struct svm_host *svm;
	struct scanner *scan;
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
	struct emu_engine eng;
};

/* engine.c */
int engine_init(struct emu_partition *pt);
void engine_fini(struct emu_partition *pt);
void engine_acquire(struct emu_partition *pt, struct emu_vp *who);
void engine_release(struct emu_partition *pt);
void engine_yield(struct emu_partition *pt, struct emu_vp *vp);
/* Is anyone waiting for the engine? (a hint for spin-wait loops) */
bool engine_contended(struct emu_partition *pt);
bool engine_enter(struct emu_partition *pt, struct emu_vp *vp);
void engine_leave(struct emu_partition *pt);
/* Makes vp the engine's current CPU state (engine must be held). */
void engine_load(struct emu_partition *pt, struct emu_vp *vp);
/* Sets kick bits on vp and makes sure a running VP notices them. */
void engine_kick(struct emu_vp *vp, unsigned bits);

/* memory.c */
const struct emu_region *mem_find(struct emu_partition *pt, uint64_t gpa);
void *mem_host(struct emu_partition *pt, uint64_t gpa, uint64_t len,
	       bool write);
int mem_read_phys(void *pt, uint64_t gpa, void *buf, size_t len);
int mem_write_phys(void *pt, uint64_t gpa, const void *buf, size_t len);
int mem_map_engine(struct emu_partition *pt, const struct emu_region *r);
int mem_reserve(struct emu_partition *pt, size_t n);
void mem_drop_piece(struct emu_partition *pt, size_t i);
void mem_changed(struct emu_partition *pt);
void mem_fini(struct emu_partition *pt);

/* hostmem.c: guest memory whose host range the VMM takes away, and the
 * process-wide partition count. */
int hostmem_add(struct emu_partition *pt);	/* -ENOMEM past the cap */
void hostmem_remove(struct emu_partition *pt);
/* Publishes pt's VMM-backed pieces to emu_host_release (engine held). */
void hostmem_sync(struct emu_partition *pt);

/* vp.c */
void vp_reset_state(struct emu_vp *vp);
void vp_destroy(struct emu_vp *vp);

/* hooks.c: the Unicorn hooks besides the SVM intercepts */
int run_hooks_install(struct emu_partition *pt);
/* codepages.c: code the VMM rewrites under the engine (docs/design.md §6) */
void run_track_code_page(struct emu_partition *pt, uint64_t gpa, const uint8_t *host);
/* At entry (engine held): flushes translations if tracked code changed. */
void run_check_code_pages(struct emu_partition *pt);

/* event.c: delivering events through the guest's IVT/IDT.
 *
 * An event is delivered the way the CPU would at an instruction boundary:
 * real mode through the IVT (push FLAGS, CS, IP; clear IF/TF/AC), protected
 * mode through 16/32-bit interrupt and trap gates, long mode through 64-bit
 * gates (IST and TSS.RSPn stack switches, 16-byte alignment, SS:RSP always
 * pushed). Gate DPL is checked for INT n/INT3/INTO; faults raised while
 * delivering combine into #DF, and a fault while delivering #DF is a triple
 * fault. NMI delivery sets NMI blocking (hflags2), which the engine's IRET
 * clears. Delivery clears the STI/MOV SS interrupt shadow. */
enum emu_event_type {
	EMU_EV_EXCEPTION,	/* hardware exception (fault, trap or abort) */
	EMU_EV_SOFT_INT,	/* INT n */
	EMU_EV_SOFT_EXC,	/* INT3, INTO */
	EMU_EV_PRIV_SOFT_EXC,	/* ICEBP (INT1) */
	EMU_EV_EXTINT,		/* external (maskable) interrupt */
	EMU_EV_NMI,
};

struct emu_event {
	uint8_t vector;
	uint8_t type;		/* enum emu_event_type */
	bool has_error;		/* push error_code (ignored in real mode) */
	uint32_t error_code;
	bool has_cr2;		/* write CR2 (an engine #PF has set it already) */
	uint64_t cr2;
	uint64_t rip;		/* RIP pushed: faults the faulting instruction,
				 * traps/INT n the next one */
	uint8_t insn_len;	/* INT n/INT3/INTO/ICEBP: its length (a fault
				 * raised while delivering reports rip - len) */
};

enum event_result {
	EVENT_DELIVERED,	/* the VP continues in the handler */
	EVENT_TRIPLE_FAULT,	/* -> HVMSG_UNRECOVERABLE_EXCEPTION */
	EVENT_UNSUPPORTED,	/* task gate, VM86, non-RAM touched: as fatal */
	EVENT_BLOCKED,		/* event_inject only: IF=0, shadow, NMI blocked */
	EVENT_UNMAPPED_GPA,	/* an IDT/GDT/TSS/stack/page-table access met a GPA
				 * without memory: vp->x is that EXIT_MEM, nothing
				 * delivered, the event can be retried */
};

/* Delivers ev. The engine is held and vp is loaded and not executing; raw
 * is a snapshot of the engine's current state (uc_context_save into
 * vp->ctx). On EVENT_DELIVERED the new state has been restored into the
 * engine (hidden CS/SS, hflags, old_exception reset) and RSP, RIP, RFLAGS
 * and CR2 written through the engine API; raw no longer matches the
 * engine. Otherwise the engine is unchanged (guest memory may hold a
 * partial frame, as on hardware). */
enum event_result event_deliver(struct emu_vp *vp, void *raw, const struct emu_event *ev);
/* Does a hardware exception with this vector push an error code? */
bool event_has_error_code(int vector);

/* Interrupt-injection API (for an interrupt controller). Both need the
 * engine held with vp loaded and not inside uc_emu_start (e.g. from the run
 * loop between two uc_emu_start calls, or from a hypercall after
 * engine_acquire + engine_load).
 *
 * event_can_inject: may an event of this type be delivered now? EXTINT
 * needs RFLAGS.IF = 1 and no STI/MOV SS shadow; NMI needs no NMI blocking
 * and no shadow; exceptions always can. raw is a current snapshot.
 *
 * event_inject: delivers an external interrupt (type EMU_EV_EXTINT, vector
 * 0-255) or an NMI (EMU_EV_NMI, vector forced to 2) at the current
 * instruction boundary (pushed RIP = current RIP) if event_can_inject
 * allows, else returns EVENT_BLOCKED and changes nothing. A delivered event
 * ends a HLT (vp->halted = false). EVENT_TRIPLE_FAULT/UNSUPPORTED leave the
 * VP unchanged: the caller should make the next RUN_VP report
 * HVMSG_UNRECOVERABLE_EXCEPTION. Uses vp->ctx as scratch. Interrupt-window
 * exits are the caller's business: nothing calls back when IF becomes 1. */
bool event_can_inject(struct emu_vp *vp, const void *raw, enum emu_event_type type);
enum event_result event_inject(struct emu_vp *vp, enum emu_event_type type, uint8_t vector);

/* regs.c: the register file, on the loaded engine. */
uint16_t regs_get(struct emu_vp *vp, uint32_t name, union hv_register_value *v);
/* synth_regs.c: true when the name was handled (*st set on failure). */
void synth_vp_init(struct emu_vp *vp);
bool synth_reg_get(struct emu_vp *vp, uint32_t name, union hv_register_value *v);
bool synth_reg_set(struct emu_vp *vp, uint32_t name, const union hv_register_value *v,
		   uint16_t *st);
uint16_t regs_set(struct emu_vp *vp, uint32_t name,
		  const union hv_register_value *v);
/* Begins/ends a batch of sets that may touch hidden state. */
void regs_begin(struct emu_vp *vp);
void regs_commit(struct emu_vp *vp);
uint64_t regs_gpr(struct emu_vp *vp, int idx);
void regs_set_gpr(struct emu_vp *vp, int idx, uint64_t val);
uint64_t regs_rip(struct emu_vp *vp);
void regs_set_rip(struct emu_vp *vp, uint64_t rip);
uint64_t regs_rflags(struct emu_vp *vp);
void regs_segment(struct emu_vp *vp, int seg, struct hv_x64_segment_register *s);
void regs_mmu(struct emu_vp *vp, uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
	      uint64_t *efer);

/* vpstate.c */
void vpstate_reset(struct emu_vp *vp);

/* irqfd.c: MSHV_IRQFD. A per-partition service thread (started with the
 * first irqfd) epolls the eventfds and injects through lapic_deliver. The
 * core holds its own duplicate of every eventfd it is given. */
struct emu_irqfd {
	struct emu_irqfd *next;
	uint64_t id;		/* epoll key (0 = the control eventfd) */
	int efd;		/* own duplicate of the VMM's eventfd */
	int rfd;		/* own duplicate of the resamplefd, or -1 */
	long eid;		/* the eventfd's id (fdinfo), or -1 */
	uint32_t gsi;
	bool rs_armed;		/* a level interrupt is in flight ... */
	uint8_t rs_vector;	/* ... with this vector (rs_lock) */
};
void irqfd_init(struct emu_partition *pt);
/* Stops the service thread and drops every irqfd; before VPs go away. */
void irqfd_fini(struct emu_partition *pt);
/* Shared with ioeventfd.c: 0, -EBADF (not open) or -EINVAL (no eventfd). */
int emu_check_eventfd(int fd);
/* Do two fds of this process refer to the same open file? */
bool emu_same_file(int a, int b);

/* ioeventfd.c: MSHV_IOEVENTFD (MMIO only). */
struct emu_ioeventfd {
	uint64_t addr, datamatch;
	uint32_t len;		/* 0 = any access size */
	bool wildcard;		/* no DATAMATCH: any value */
	int fd;			/* own duplicate of the VMM's eventfd */
};
void ioeventfd_init(struct emu_partition *pt);
void ioeventfd_fini(struct emu_partition *pt);
/* Does a write of size bytes of value at gpa trigger e? */
bool ioeventfd_matches(const struct emu_ioeventfd *e, uint64_t gpa,
		       unsigned size, uint64_t value);
/* Run loop, after an EXIT_MEM: if the exit is an unmapped plain MOV store
 * that matches ioeventfds, signals them, moves RIP past the instruction
 * and returns true (the guest continues, no exit). */
bool ioeventfd_absorb(struct emu_vp *vp);

/* regpage.c */
void regpage_refresh(struct emu_vp *vp);
void regpage_fill(struct emu_vp *vp, const void *raw);
void regpage_apply_dirty(struct emu_vp *vp);

/* intercept.c */
void intercept_build(struct emu_vp *vp, struct hv_message *msg);

/* cpuid.c / msr.c */
void cpuid_compute(struct emu_vp *vp, uint32_t leaf, uint32_t subleaf,
		   bool apply_registered, uint32_t out[4]);
/* Returns true if handled; false → the access faults. */
bool msr_read(struct emu_vp *vp, uint32_t msr, uint64_t *val);
bool msr_write(struct emu_vp *vp, uint32_t msr, uint64_t val);

int cpuid_init(void);
uint64_t cpuid_host_features(int bank);
uint32_t cpuid_phys_bits(void);
bool cpuid_is_intel(void);
uint64_t emu_reference_time(struct emu_partition *pt);
bool msr_intercepted(struct emu_vp *vp, uint32_t msr, bool write);
/* MSRs Unicorn implements itself (the engine lets them run natively). */
bool engine_native_msr(uint32_t msr);

#endif
