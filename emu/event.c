/* SPDX-License-Identifier: MIT */
/*
 * Event delivery: exceptions, software interrupts, external interrupts and
 * NMIs through the guest's IVT (real mode) or IDT (protected and long mode),
 * done in software because Unicorn never delivers anything itself.
 *
 * Delivery reads the gate, the target code segment and (on a privilege
 * change or an IST gate) the stack from the TSS, pushes the frame through
 * the guest's page tables and then commits everything at once: hidden CS/SS
 * state, hflags (CPL, shadow, NMI blocking) and old_exception in the raw
 * context, RSP/RIP/RFLAGS/CR2 through the engine's API (the engine keeps
 * the arithmetic flags outside env->eflags). A fault raised while
 * delivering is combined with the event being delivered as the SDM's
 * double-fault table says; a fault while delivering #DF is a triple fault.
 *
 * Not emulated (the result is EVENT_UNSUPPORTED): task gates, delivery from
 * virtual-8086 mode, delivery touching guest-physical memory that is not
 * RAM. Segment-limit checks on stack pushes are not made.
 */
#include "util.h"
#include "exit.h"
#include "memory.h"
#include "vp.h"
#include "partition.h"
#include "event.h"
#include "regs.h"
#include "rawenv.h"
#include "x86_mmu.h"
#include "vp_mmu.h"

#include <hyperv/hv_all.h>
#include <unicorn/unicorn.h>

#include <string.h>

#define FL_TF	(1ull << 8)
#define FL_IF	(1ull << 9)
#define FL_NT	(1ull << 14)
#define FL_RF	(1ull << 16)
#define FL_VM	(1ull << 17)
#define FL_AC	(1ull << 18)

#define D_ACCESSED	(1u << 8)
#define D_WRITABLE	(1u << 9)	/* data: writable */
#define D_CONFORMING	(1u << 10)	/* code: conforming */
#define D_CODE		(1u << 11)
#define D_S		(1u << 12)
#define D_P		(1u << 15)
#define D_L		(1u << 21)
#define D_B		(1u << 22)
#define D_G		(1u << 23)
#define D_ATTR_MASK	0x00f0ff00u	/* the bits the register file keeps */

/* State of one delivery attempt. */
struct ectx {
	struct emu_vp *vp;
	void *raw;
	struct x86_mmu mmu;
	bool lma;
	int ext;		/* EXT bit of selector error codes */
	/* the fault that stopped the attempt */
	int fvec;
	uint32_t ferr;
	bool fcr2_valid;
	uint64_t fcr2;
	bool fatal;		/* cannot be emulated */
	/* a table, stack or TSS access met a GPA without memory */
	bool unmapped;
	uint64_t ugpa;
	bool uwrite;
};

/* What a successful attempt commits. */
struct frame_out {
	uint64_t rip, rsp, rflags;
	struct raw_seg cs, ss;
	bool load_ss;
};

bool event_has_error_code(int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

static bool contributory(const struct emu_event *e)
{
	return e->type == EMU_EV_EXCEPTION &&
	       (e->vector == 0 || (e->vector >= 10 && e->vector <= 13));
}

static bool is_soft(const struct emu_event *e)
{
	return e->type == EMU_EV_SOFT_INT || e->type == EMU_EV_SOFT_EXC;
}

static int raise_exc(struct ectx *c, int vec, uint32_t err)
{
	c->fvec = vec;
	c->ferr = err;
	return -1;
}

static int fatal(struct ectx *c)
{
	c->fatal = true;
	return -1;
}

/* The VMM can map the page and let the guest retry (Hyper-V reports such
 * accesses as HVMSG_UNMAPPED_GPA, TLFS memory intercepts). Memory that
 * exists but refuses the access stays fatal. */
static int no_memory(struct ectx *c, uint64_t gpa, bool write)
{
	if (mem_find(c->vp->pt, gpa))
		return fatal(c);
	c->unmapped = true;
	c->ugpa = gpa;
	c->uwrite = write;
	return -1;
}

static bool canonical(uint64_t a)
{
	/* shift unsigned: a left shift of a negative value is undefined */
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Linear-address access as a system/stack access of the delivery. */
static int lin_rw(struct ectx *c, uint64_t lin, void *buf, size_t len, bool write, bool user)
{
	uint8_t *p = buf;

	if (!c->lma)
		lin &= 0xffffffffull;
	while (len) {
		size_t n = EMU_PAGE - (lin & (EMU_PAGE - 1));
		uint64_t gpa;
		uint32_t pferr = 0;
		unsigned acc = X86_ACC_SET_AD | (write ? X86_ACC_WRITE : 0) |
			       (user ? X86_ACC_USER : 0);

		if (n > len)
			n = len;
		if (c->lma && !canonical(lin))
			return raise_exc(c, 13, 0);
		enum x86_xlate r = x86_mmu_translate(&c->mmu, lin, acc, &gpa, &pferr);
		if (r == X86_XLATE_GPA_UNMAPPED)
			return no_memory(c, gpa, false);
		if (r != X86_XLATE_OK) {
			c->fcr2_valid = true;
			c->fcr2 = lin;
			return raise_exc(c, 14, pferr);
		}
		if (write) {
			void *h = mem_host(c->vp->pt, gpa, n, true);
			if (!h)
				return no_memory(c, gpa, true);
			memcpy(h, p, n);
		} else if (mem_read_phys(c->vp->pt, gpa, p, n)) {
			return no_memory(c, gpa, false);
		}
		p += n, lin += n, len -= n;
	}
	return 0;
}

static uint64_t desc_base(uint32_t e1, uint32_t e2)
{
	return (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000u);
}

static uint32_t desc_limit(uint32_t e1, uint32_t e2)
{
	uint32_t l = (e1 & 0xffff) | (e2 & 0x000f0000u);
	return (e2 & D_G) ? (l << 12) | 0xfff : l;
}

static void desc_to_seg(uint32_t sel, uint32_t e1, uint32_t e2, struct raw_seg *s)
{
	s->selector = sel;
	s->base = desc_base(e1, e2);
	s->limit = desc_limit(e1, e2);
	s->flags = (e2 & D_ATTR_MASK) | D_ACCESSED;
}

/* Reads the GDT/LDT descriptor of sel; a selector beyond the table is
 * fault vector vec with the selector as error code. */
static int load_desc(struct ectx *c, uint32_t sel, int vec, uint32_t *e1, uint32_t *e2)
{
	struct raw_seg t;
	uint32_t d[2];

	raw_get_seg(c->raw, (sel & 4) ? RAW_LDT : RAW_GDT, &t);
	if ((sel & ~7u) + 7 > t.limit)
		return raise_exc(c, vec, (sel & 0xfffc) | (uint32_t)c->ext);
	if (lin_rw(c, t.base + (sel & ~7u), d, 8, false, false))
		return -1;
	*e1 = d[0];
	*e2 = d[1];
	return 0;
}

/* Stack pushes of one frame. */
struct stack {
	struct raw_seg ss;
	uint64_t sp, mask;
	bool user;
};

static int push(struct ectx *c, struct stack *s, uint64_t val, unsigned size)
{
	s->sp = (s->sp - size) & s->mask;
	uint64_t lin = c->lma && s->mask == ~0ull ? s->sp : s->ss.base + s->sp;
	if (c->lma && !canonical(lin))
		return raise_exc(c, 12, (uint32_t)c->ext);
	return lin_rw(c, lin, &val, size, true, s->user);
}

static int deliver_real(struct ectx *c, const struct emu_event *ev, uint64_t rflags,
			struct frame_out *o)
{
	struct raw_seg idt, cs;
	struct stack st;
	uint16_t ent[2];

	raw_get_seg(c->raw, RAW_IDT, &idt);
	raw_get_seg(c->raw, RAW_CS, &cs);
	raw_get_seg(c->raw, RAW_SS, &st.ss);
	if ((uint32_t)ev->vector * 4 + 3 > idt.limit)
		return raise_exc(c, 13, 0);
	if (lin_rw(c, idt.base + ev->vector * 4u, ent, 4, false, false))
		return -1;
	st.mask = (st.ss.flags & D_B) ? 0xffffffffull : 0xffffull;
	st.sp = raw_get_gpr(c->raw, 4) & st.mask;
	st.user = false;
	/* real mode never pushes an error code */
	if (push(c, &st, rflags & 0xffff, 2) || push(c, &st, cs.selector & 0xffff, 2) ||
	    push(c, &st, ev->rip & 0xffff, 2))
		return -1;
	o->rsp = (raw_get_gpr(c->raw, 4) & ~st.mask) | st.sp;
	o->rip = ent[0];
	o->cs = cs;
	o->cs.selector = ent[1];
	o->cs.base = (uint64_t)ent[1] << 4;
	o->load_ss = false;
	o->rflags = rflags & ~(FL_IF | FL_TF | FL_AC | FL_RF);
	return 0;
}

/* The gate's target code segment: checks shared by both IDT formats. */
static int gate_target(struct ectx *c, uint32_t sel, int cpl, bool need64,
		       uint32_t *e1, uint32_t *e2, int *new_cpl)
{
	uint32_t err = (sel & 0xfffc) | (uint32_t)c->ext;

	if ((sel & 0xfffc) == 0)
		return raise_exc(c, 13, (uint32_t)c->ext);
	if (load_desc(c, sel, 13, e1, e2))
		return -1;
	int dpl = (*e2 >> 13) & 3;
	if (!(*e2 & D_S) || !(*e2 & D_CODE) || dpl > cpl)
		return raise_exc(c, 13, err);
	if (need64 && (!(*e2 & D_L) || (*e2 & D_B)))
		return raise_exc(c, 13, err);
	if (!(*e2 & D_P))
		return raise_exc(c, 11, err);
	*new_cpl = (*e2 & D_CONFORMING) ? cpl : dpl;
	return 0;
}

static int read_tss(struct ectx *c, uint32_t off, void *buf, unsigned len)
{
	struct raw_seg tr;

	raw_get_seg(c->raw, RAW_TR, &tr);
	if (off + len - 1 > tr.limit)
		return raise_exc(c, 10, (tr.selector & 0xfffc) | (uint32_t)c->ext);
	return lin_rw(c, tr.base + off, buf, len, false, false);
}

/* Reads ev's gate (8 bytes in protected mode, 16 in long mode) from the
 * IDT into g and checks it as the CPU does (SDM vol. 3A 6.12.1): the IDT
 * limit and the type (#GP), the DPL for software events (#GP), presence
 * (#NP). A task gate (protected mode only) is not emulated. */
static int read_gate(struct ectx *c, const struct emu_event *ev, int cpl, bool long_mode,
		     uint32_t *g, unsigned *type)
{
	struct raw_seg idt;
	unsigned size = long_mode ? 16 : 8;
	uint32_t idt_err = ev->vector * 8u + 2 + (uint32_t)c->ext;

	raw_get_seg(c->raw, RAW_IDT, &idt);
	if ((uint32_t)ev->vector * size + size - 1 > idt.limit)
		return raise_exc(c, 13, idt_err);
	if (lin_rw(c, idt.base + ev->vector * size, g, size, false, false))
		return -1;
	*type = (g[1] >> 8) & 0x1f;
	if (!long_mode && *type == 5)
		return fatal(c);	/* task gate: task switches are not emulated */
	/* 64-bit interrupt/trap gates; 16/32-bit ones in protected mode */
	bool ok = *type == 14 || *type == 15 || (!long_mode && (*type == 6 || *type == 7));
	if (!ok)
		return raise_exc(c, 13, idt_err);
	if (is_soft(ev) && (int)((g[1] >> 13) & 3) < cpl)
		return raise_exc(c, 13, ev->vector * 8u + 2);
	if (!(g[1] & D_P))
		return raise_exc(c, 11, idt_err);
	return 0;
}

static int deliver_prot(struct ectx *c, const struct emu_event *ev, uint64_t rflags,
			struct frame_out *o)
{
	struct raw_seg cs;
	uint32_t g[2], e1, e2;
	int cpl = raw_get_hflags(c->raw) & HF_CPL_MASK, new_cpl;
	unsigned type;
	struct stack st;

	raw_get_seg(c->raw, RAW_CS, &cs);
	if (read_gate(c, ev, cpl, false, g, &type))
		return -1;
	uint32_t sel = g[0] >> 16;
	uint32_t off = (g[1] & 0xffff0000u) | (g[0] & 0xffff);
	if (!(type & 8))
		off &= 0xffff;
	if (gate_target(c, sel, cpl, false, &e1, &e2, &new_cpl))
		return -1;
	unsigned sz = (type & 8) ? 4 : 2;
	uint64_t old_sp = raw_get_gpr(c->raw, 4);
	struct raw_seg old_ss;
	raw_get_seg(c->raw, RAW_SS, &old_ss);

	o->load_ss = new_cpl != cpl;
	st.user = new_cpl == 3;
	if (o->load_ss) {
		struct raw_seg tr;
		uint32_t ss_sel, esp, s1, s2;
		raw_get_seg(c->raw, RAW_TR, &tr);
		unsigned ttype = (tr.flags >> 8) & 0xf;
		if (ttype == 9 || ttype == 11) {
			uint32_t v[2];
			if (read_tss(c, 4 + 8u * (unsigned)new_cpl, v, 8))
				return -1;
			esp = v[0];
			ss_sel = v[1] & 0xffff;
		} else {
			uint16_t v[2];
			if (read_tss(c, 2 + 4u * (unsigned)new_cpl, v, 4))
				return -1;
			esp = v[0];
			ss_sel = v[1];
		}
		uint32_t ts_err = (ss_sel & 0xfffc) | (uint32_t)c->ext;
		if ((ss_sel & 0xfffc) == 0)
			return raise_exc(c, 10, (uint32_t)c->ext);
		if ((int)(ss_sel & 3) != new_cpl)
			return raise_exc(c, 10, ts_err);
		if (load_desc(c, ss_sel, 10, &s1, &s2))
			return -1;
		if ((int)((s2 >> 13) & 3) != new_cpl || !(s2 & D_S) || (s2 & D_CODE) ||
		    !(s2 & D_WRITABLE))
			return raise_exc(c, 10, ts_err);
		if (!(s2 & D_P))
			return raise_exc(c, 12, ts_err);
		desc_to_seg(ss_sel, s1, s2, &st.ss);
		st.mask = (s2 & D_B) ? 0xffffffffull : 0xffffull;
		st.sp = esp & st.mask;
		if (push(c, &st, old_ss.selector, sz) || push(c, &st, old_sp, sz))
			return -1;
	} else {
		st.ss = old_ss;
		st.mask = (old_ss.flags & D_B) ? 0xffffffffull : 0xffffull;
		st.sp = old_sp & st.mask;
	}
	if (push(c, &st, rflags, sz) || push(c, &st, cs.selector, sz) ||
	    push(c, &st, ev->rip, sz))
		return -1;
	if (ev->has_error && push(c, &st, ev->error_code, sz))
		return -1;
	desc_to_seg((sel & 0xfffc) | (uint32_t)new_cpl, e1, e2, &o->cs);
	if (off > o->cs.limit)
		return raise_exc(c, 13, 0);
	o->ss = st.ss;
	o->rsp = o->load_ss ? st.sp : (old_sp & ~st.mask) | st.sp;
	o->rip = off;
	o->rflags = rflags & ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!(type & 1))
		o->rflags &= ~FL_IF;
	return 0;
}

static int deliver_long(struct ectx *c, const struct emu_event *ev, uint64_t rflags,
			struct frame_out *o)
{
	struct raw_seg cs, old_ss;
	uint32_t g[4], e1, e2;
	int cpl = raw_get_hflags(c->raw) & HF_CPL_MASK, new_cpl;
	unsigned type;
	struct stack st;

	raw_get_seg(c->raw, RAW_CS, &cs);
	raw_get_seg(c->raw, RAW_SS, &old_ss);
	if (read_gate(c, ev, cpl, true, g, &type))
		return -1;
	uint32_t sel = g[0] >> 16;
	uint64_t off = (g[1] & 0xffff0000u) | (g[0] & 0xffff) | ((uint64_t)g[2] << 32);
	unsigned ist = g[1] & 7;
	if (gate_target(c, sel, cpl, true, &e1, &e2, &new_cpl))
		return -1;
	uint64_t old_sp = raw_get_gpr(c->raw, 4), sp = old_sp;
	if (ist || new_cpl != cpl) {
		if (read_tss(c, ist ? 36 + 8 * (ist - 1) : 4 + 8u * (unsigned)new_cpl, &sp, 8))
			return -1;
		if (!canonical(sp))
			return raise_exc(c, 12, (uint32_t)c->ext);
	}
	st.ss = old_ss;
	st.sp = sp & ~0xfull;
	st.mask = ~0ull;
	st.user = new_cpl == 3;
	if (push(c, &st, old_ss.selector, 8) || push(c, &st, old_sp, 8) ||
	    push(c, &st, rflags, 8) || push(c, &st, cs.selector, 8) ||
	    push(c, &st, ev->rip, 8))
		return -1;
	if (ev->has_error && push(c, &st, ev->error_code, 8))
		return -1;
	if (!canonical(off))
		return raise_exc(c, 13, 0);
	desc_to_seg((sel & 0xfffc) | (uint32_t)new_cpl, e1, e2, &o->cs);
	o->load_ss = new_cpl != cpl;
	if (o->load_ss) {
		/* a NULL SS whose RPL (and cached DPL) is the new CPL */
		memset(&o->ss, 0, sizeof o->ss);
		o->ss.selector = (uint32_t)new_cpl;
		o->ss.flags = (uint32_t)new_cpl << 13;
	}
	o->rsp = st.sp;
	o->rip = off;
	o->rflags = rflags & ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!(type & 1))
		o->rflags &= ~FL_IF;
	return 0;
}

static void commit(struct emu_vp *vp, void *raw, const struct emu_event *ev,
		   const struct frame_out *o)
{
	uc_engine *uc = vp->pt->eng.uc;

	raw_set_seg(raw, RAW_CS, &o->cs);
	if (o->load_ss)
		raw_set_seg(raw, RAW_SS, &o->ss);
	raw_update_hflags(raw);
	/* raw eflags is still the old value; the new one has TF/VM clear.
	 * Delivery ends any STI/MOV SS shadow. */
	raw_set_hflags(raw, raw_get_hflags(raw) & ~(HF_TF | HF_VM | HF_INHIBIT_IRQ));
	if (ev->type == EMU_EV_NMI)
		raw_set_hflags2(raw, raw_get_hflags2(raw) | HF2_NMI);
	raw_reset_old_exception(raw);
	/* Not uc_reg_write: in Unicorn 2.1.1 that also loads CR3. */
	if (ev->has_cr2)
		raw_set_cr(raw, 2, ev->cr2);
	uc_context_restore(uc, raw);
	regs_set_gpr(vp, 4, o->rsp);
	regs_set_rip(vp, o->rip);
	uint64_t fl = o->rflags | 2;
	uc_reg_write(uc, UC_X86_REG_RFLAGS, &fl);
	uc_ctl_flush_tlb(uc);
}

/* Where a fault raised while delivering ev is reported to have happened. */
static uint64_t fault_rip(const struct emu_event *ev)
{
	return ev->type == EMU_EV_SOFT_INT || ev->type == EMU_EV_SOFT_EXC ||
	       ev->type == EMU_EV_PRIV_SOFT_EXC ? ev->rip - ev->insn_len : ev->rip;
}

enum event_result event_deliver(struct emu_vp *vp, void *raw, const struct emu_event *first)
{
	struct emu_event ev = *first;
	uint64_t rflags = regs_rflags(vp);

	for (int depth = 0; depth < 8; depth++) {
		struct ectx c = { .vp = vp, .raw = raw };
		struct frame_out o;

		c.mmu = vp_mmu_raw(vp->pt, raw);
		c.lma = (c.mmu.efer & X86_EFER_LMA) && (c.mmu.cr0 & 1);
		c.ext = is_soft(&ev) ? 0 : 1;
		memset(&o, 0, sizeof o);

		int r;
		if (!(c.mmu.cr0 & 1))
			r = deliver_real(&c, &ev, rflags, &o);
		else if (raw_get_eflags(raw) & FL_VM)
			r = fatal(&c);	/* virtual-8086 mode */
		else if (c.lma)
			r = deliver_long(&c, &ev, rflags, &o);
		else
			r = deliver_prot(&c, &ev, rflags, &o);
		if (r == 0) {
			commit(vp, raw, &ev, &o);
			return EVENT_DELIVERED;
		}
		if (c.fatal)
			return EVENT_UNSUPPORTED;
		if (c.unmapped) {
			vp->x.reason = EXIT_MEM;
			vp->x.gpa = c.ugpa;
			vp->x.access = c.uwrite ? HV_INTERCEPT_ACCESS_WRITE :
				       HV_INTERCEPT_ACCESS_READ;
			vp->x.unmapped = true;
			return EVENT_UNMAPPED_GPA;
		}
		/* A fault while delivering ev. */
		if (ev.type == EMU_EV_EXCEPTION && ev.vector == 8)
			return EVENT_TRIPLE_FAULT;
		struct emu_event f = {
			.vector = (uint8_t)c.fvec, .type = EMU_EV_EXCEPTION,
			.has_error = event_has_error_code(c.fvec), .error_code = c.ferr,
			.has_cr2 = c.fcr2_valid, .cr2 = c.fcr2, .rip = fault_rip(&ev),
		};
		bool f_contrib = contributory(&f), f_pf = f.vector == 14;
		if ((contributory(&ev) && f_contrib) ||
		    (ev.type == EMU_EV_EXCEPTION && ev.vector == 14 && (f_contrib || f_pf))) {
			f.vector = 8;
			f.has_error = true;
			f.error_code = 0;
			f.has_cr2 = false;
		}
		ev = f;
	}
	return EVENT_TRIPLE_FAULT;
}

bool event_can_inject(struct emu_vp *vp, const void *raw, enum emu_event_type type)
{
	(void)vp;
	if (type == EMU_EV_NMI)
		return !(raw_get_hflags2(raw) & HF2_NMI) &&
		       !(raw_get_hflags(raw) & HF_INHIBIT_IRQ);
	if (type == EMU_EV_EXTINT)
		return (raw_get_eflags(raw) & FL_IF) && !(raw_get_hflags(raw) & HF_INHIBIT_IRQ);
	return true;
}

enum event_result event_inject(struct emu_vp *vp, enum emu_event_type type, uint8_t vector)
{
	uc_engine *uc = vp->pt->eng.uc;
	struct emu_event ev = { .vector = type == EMU_EV_NMI ? 2 : vector, .type = (uint8_t)type };

	uc_context_save(uc, vp->ctx);
	if (!event_can_inject(vp, vp->ctx, type))
		return EVENT_BLOCKED;
	ev.rip = regs_rip(vp);
	enum event_result r = event_deliver(vp, vp->ctx, &ev);
	if (r == EVENT_DELIVERED)
		vp->halted = false;
	return r;
}
