/* SPDX-License-Identifier: MIT */
/*
 * Fast system calls: SYSCALL/SYSRET (AMD APM vol. 3, Intel SDM vol. 2B) and
 * SYSENTER/SYSEXIT (Intel SDM vol. 2B).
 *
 * Unicorn 2.1.1 replaced QEMU's helper_syscall and helper_sysenter
 * (qemu/target/i386/seg_helper.c) with "call the UC_HOOK_INSN hooks, then
 * skip the instruction": without this file every SYSCALL is a no-op and a
 * 64-bit user space dies at its first system call. Its helper_sysret and
 * helper_sysexit are QEMU's and are correct, except that SYSRET loads a
 * non-canonical RCX at CPL 3 (AMD behaviour; Intel raises #GP(0) at CPL 0,
 * x86_sysret_faults) and that the engine's CPU model (AMD vendor) makes
 * SYSENTER/SYSEXIT #UD in 64-bit mode, which an Intel guest may use (the
 * run loop hands that #UD back here).
 *
 * Which variant applies follows the vendor the guest sees in CPUID leaf 0:
 * Intel allows SYSCALL/SYSRET only in 64-bit mode and SYSENTER/SYSEXIT in
 * every protected mode; AMD allows SYSCALL/SYSRET in legacy and
 * compatibility mode too, and SYSENTER/SYSEXIT only outside long mode.
 *
 * The new CS/SS are the fixed flat descriptors the instructions define
 * (nothing is read from the GDT); they are written as hidden state into
 * the raw context so that the engine really runs at the new CPL.
 */
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "cpuid.h"
#include "rawenv.h"
#include "x86_insn.h"
#include "x86_syscall.h"

#include <unicorn/unicorn.h>

#define FL_TF	(1ull << 8)
#define FL_IF	(1ull << 9)
#define FL_RF	(1ull << 16)
#define FL_VM	(1ull << 17)
#define FL_IOPL	(3ull << 12)

#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define EFER_SCE		(1ull << 0)

/* QEMU descriptor flags (high dword of a descriptor). */
#define D_TYPE_CODE	0xb00u		/* execute/read, accessed */
#define D_TYPE_DATA	0x300u		/* read/write, accessed */
#define D_S		(1u << 12)
#define D_DPL3		(3u << 13)
#define D_P		(1u << 15)
#define D_L		(1u << 21)
#define D_B		(1u << 22)
#define D_G		(1u << 23)

enum { BITS16, BITS32, BITS64 };

static uint64_t msr(struct emu_vp *vp, uint32_t index)
{
	uc_x86_msr m = { .rid = index };

	uc_reg_read(vp->pt->eng.uc, UC_X86_REG_MSR, &m);
	return m.value;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static bool guest_intel(struct emu_vp *vp)
{
	uint32_t r[4];

	cpuid_compute(vp, 0, 0, true, r);
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

/* A flat 4 GiB segment, as SYSCALL/SYSENTER and their returns load it. */
static void flat(struct raw_seg *s, uint32_t sel, bool code, int bits, int dpl)
{
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->flags = D_S | D_P | D_G | ((uint32_t)dpl << 13) | (code ? D_TYPE_CODE : D_TYPE_DATA);
	if (!code || bits == BITS32)
		s->flags |= D_B;
	else if (bits == BITS64)
		s->flags |= D_L;
}

/* Loads CS/SS and the new CPL into the engine, then the registers that
 * change (rcx/r11/rsp only when the instruction writes them). */
struct sys_out {
	struct raw_seg cs, ss;
	uint64_t rip, rflags;
	bool set_rcx, set_r11, set_rsp;
	uint64_t rcx, r11, rsp;
};

static void commit(struct emu_vp *vp, void *raw, const struct sys_out *o)
{
	uc_engine *uc = vp->pt->eng.uc;

	raw_set_seg(raw, RAW_CS, &o->cs);
	raw_set_seg(raw, RAW_SS, &o->ss);
	raw_update_hflags(raw);
	/* raw eflags is still the old value: take TF/VM/IOPL from the new
	 * one (SFMASK clears IOPL); the instruction ends any STI/MOV SS
	 * shadow. */
	uint32_t hf = raw_get_hflags(raw) & ~(HF_TF | HF_VM | HF_IOPL | HF_INHIBIT_IRQ);
	hf |= (uint32_t)(o->rflags & (FL_TF | FL_VM | FL_IOPL));
	raw_set_hflags(raw, hf);
	uc_context_restore(uc, raw);
	if (o->set_rcx)
		regs_set_gpr(vp, 1, o->rcx);
	if (o->set_r11)
		regs_set_gpr(vp, 11, o->r11);
	if (o->set_rsp)
		regs_set_gpr(vp, 4, o->rsp);
	regs_set_rip(vp, o->rip);
	uint64_t fl = o->rflags | 2;
	uc_reg_write(uc, UC_X86_REG_RFLAGS, &fl);
}

static int do_syscall(struct emu_vp *vp, void *raw, uint64_t next, struct sys_out *o)
{
	uint32_t hf = raw_get_hflags(raw);
	bool lma = hf & HF_LMA, mode64 = hf & HF_CS64;
	uint64_t star = msr(vp, MSR_STAR), fl = regs_rflags(vp);
	uint32_t sel = (uint32_t)(star >> 32) & 0xfffc;

	if (!(raw_get_efer(raw) & EFER_SCE))
		return 6;
	if (!mode64 && guest_intel(vp))
		return 6;	/* Intel: only in 64-bit mode */
	if (!(hf & HF_PE) || (fl & FL_VM))
		return 6;	/* no flat segments to load outside protected mode */
	o->set_rcx = true;
	if (lma) {
		o->rcx = next;
		o->set_r11 = true;
		o->r11 = fl & ~FL_RF;
		o->rflags = fl & ~(msr(vp, MSR_SFMASK) & 0xffffffffu) & ~FL_RF;
		o->rip = msr(vp, mode64 ? MSR_LSTAR : MSR_CSTAR);
		flat(&o->cs, sel, true, BITS64, 0);
	} else {
		/* AMD legacy mode: ECX = return EIP, EIP = STAR[31:0]. */
		o->rcx = (uint32_t)next;
		o->rflags = fl & ~(FL_VM | FL_IF | FL_RF);
		o->rip = (uint32_t)star;
		flat(&o->cs, sel, true, BITS32, 0);
	}
	flat(&o->ss, sel + 8, false, BITS32, 0);
	return 0;
}

static int do_sysenter(struct emu_vp *vp, void *raw, struct sys_out *o)
{
	uint32_t hf = raw_get_hflags(raw);
	bool lma = hf & HF_LMA;
	uint32_t cs = (uint32_t)msr(vp, MSR_SYSENTER_CS) & 0xfffc;
	uint64_t fl = regs_rflags(vp);

	if (lma && !guest_intel(vp))
		return 6;	/* AMD: #UD in long mode */
	if (!(hf & HF_PE))
		return 13;
	if (!cs)
		return 13;
	o->rflags = fl & ~(FL_VM | FL_IF | FL_RF);
	o->set_rsp = true;
	o->rsp = msr(vp, MSR_SYSENTER_ESP);
	o->rip = msr(vp, MSR_SYSENTER_EIP);
	if (!lma) {
		o->rsp = (uint32_t)o->rsp;
		o->rip = (uint32_t)o->rip;
	}
	flat(&o->cs, cs, true, lma ? BITS64 : BITS32, 0);
	flat(&o->ss, cs + 8, false, BITS32, 0);
	return 0;
}

static int do_sysexit(struct emu_vp *vp, void *raw, bool rex_w, struct sys_out *o)
{
	uint32_t hf = raw_get_hflags(raw);
	uint32_t cs = (uint32_t)msr(vp, MSR_SYSENTER_CS) & 0xfffc;
	uint64_t rcx = regs_gpr(vp, 1), rdx = regs_gpr(vp, 2);

	if ((hf & HF_LMA) && !guest_intel(vp))
		return 6;
	if (!(hf & HF_PE) || (hf & HF_CPL_MASK) || !cs)
		return 13;
	o->rflags = regs_rflags(vp);
	o->set_rsp = true;
	if (rex_w) {
		if (!canonical(rcx) || !canonical(rdx))
			return 13;
		o->rsp = rcx;
		o->rip = rdx;
		flat(&o->cs, (cs + 32) | 3, true, BITS64, 3);
		flat(&o->ss, (cs + 40) | 3, false, BITS32, 3);
	} else {
		o->rsp = (uint32_t)rcx;
		o->rip = (uint32_t)rdx;
		flat(&o->cs, (cs + 16) | 3, true, BITS32, 3);
		flat(&o->ss, (cs + 24) | 3, false, BITS32, 3);
	}
	return 0;
}

enum x86_sys_insn x86_sys_decode(const uint8_t *p, unsigned n, bool mode64, bool *rex_w,
				 unsigned *len)
{
	struct x86_opcode o;

	x86_opcode_peek(p, n, mode64, &o);
	*rex_w = o.rex_w;
	*len = (unsigned)o.at + 2;
	switch (o.op) {
	case 0x0f05: return X86_SYS_SYSCALL;
	case 0x0f07: return X86_SYS_SYSRET;
	case 0x0f34: return X86_SYS_SYSENTER;
	case 0x0f35: return X86_SYS_SYSEXIT;
	default: return X86_SYS_NONE;
	}
}

bool x86_sysret_faults(struct emu_vp *vp, bool rex_w)
{
	/* Only 64-bit SYSRET can return to a non-canonical RIP. */
	return rex_w && !canonical(regs_gpr(vp, 1)) && guest_intel(vp);
}

int x86_sys_emulate(struct emu_vp *vp, void *raw, enum x86_sys_insn insn,
		    uint64_t rip, unsigned len, bool rex_w)
{
	struct sys_out o = { 0 };
	int r;

	switch (insn) {
	case X86_SYS_SYSCALL:
		r = do_syscall(vp, raw, rip + len, &o);
		break;
	case X86_SYS_SYSENTER:
		r = do_sysenter(vp, raw, &o);
		break;
	case X86_SYS_SYSEXIT:
		r = do_sysexit(vp, raw, rex_w, &o);
		break;
	case X86_SYS_SYSRET:
		/* The engine runs SYSRET itself; only its faults come here. */
		return x86_sysret_faults(vp, rex_w) ? 13 : 0;
	default:
		return 6;
	}
	if (r)
		return r;
	commit(vp, raw, &o);
	return 0;
}
