/* SPDX-License-Identifier: MIT */
/*
 * The guest's hypercall interface (TLFS "Hypercall Interface"): the guest
 * names a page in HV_X64_MSR_HYPERCALL once its OS id is set; the page
 * then holds VMCALL (Intel) or VMMCALL (AMD) and RET. The engine raises
 * #UD on both, so the run loop hands such a #UD here: at CPL 0 with the
 * interface enabled the call is executed and the guest goes on after the
 * instruction; otherwise the #UD stands, as on Hyper-V.
 *
 * Calls handled by the hypervisor itself: the TLB flushes (flushing the
 * shared engine's TLB covers every VP: the engine flushes it whenever it
 * switches VPs), HvCallSendSyntheticClusterIpi,
 * HvCallNotifyLongSpinWait, and HvCallPostMessage/HvCallSignalEvent,
 * which find no connection (a VMM on mshv cannot create ports).
 * Anything else answers HV_STATUS_INVALID_HYPERCALL_CODE.
 */
#include "util.h"
#include "emu_limits.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "cpuid.h"
#include "hv.h"
#include "irq.h"
#include "rawenv.h"
#include "x86_mmu.h"
#include "vp_mmu.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <string.h>

#define HC_ENABLE	1ull
#define HC_LOCKED	2ull

/* Hypercall codes of the guest interface (TLFS appendix "Hypercall Code
 * Reference"; Linux include/asm-generic/hyperv-tlfs.h). */
#define HC_FLUSH_SPACE		0x0002
#define HC_FLUSH_LIST		0x0003
#define HC_NOTIFY_SPIN_WAIT	0x0008
#define HC_SEND_IPI		0x000b
#define HC_FLUSH_SPACE_EX	0x0013
#define HC_FLUSH_LIST_EX	0x0014

uint16_t hv_guest_os_id_set(struct emu_partition *pt, uint64_t val)
{
	struct emu_hv_pt *h = &pt->hv;

	pthread_mutex_lock(&h->m);
	h->guest_os_id = val;
	if (!val)	/* no OS id, no hypercalls */
		h->hypercall &= ~HC_ENABLE;
	pthread_mutex_unlock(&h->m);
	return HV_STATUS_SUCCESS;
}

/* Engine held: writes the page's code. */
static void write_page(struct emu_partition *pt, uint64_t gpa)
{
	uint8_t *p = mem_host(pt, gpa, EMU_PAGE, true);

	if (!p)
		return;
	memset(p, 0xcc, EMU_PAGE);	/* int3 past the stub */
	p[0] = 0x0f, p[1] = 0x01, p[2] = cpuid_is_intel() ? 0xc1 : 0xd9;
	p[3] = 0xc3;			/* ret */
	pt->eng.flush_tb = true;
}

uint16_t hv_hypercall_msr_set(struct emu_partition *pt, uint64_t val)
{
	struct emu_hv_pt *h = &pt->hv;

	if (val & 0xffcull)	/* reserved bits 2-11 */
		return HV_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&h->m);
	/* Locked: fixed until reset. Without an OS id it stays off. */
	if (!(h->hypercall & HC_LOCKED) && (h->guest_os_id || !(val & HC_ENABLE))) {
		h->hypercall = val;
		if (val & HC_ENABLE)
			write_page(pt, val & ~0xfffull);
	}
	pthread_mutex_unlock(&h->m);
	return HV_STATUS_SUCCESS;
}

/* A decoded hypercall: TLFS "Hypercall Inputs" register mapping. */
struct hcall {
	uint16_t code, reps, start;
	bool fast;
	uint64_t in, out;	/* GPAs, or the fast input's two registers */
};

static bool is_rep(uint16_t code)
{
	return code == HC_FLUSH_LIST || code == HC_FLUSH_LIST_EX;
}

static uint16_t read_input(struct emu_vp *vp, const struct hcall *c, void *buf, size_t len)
{
	if (c->fast) {
		uint64_t r[2] = { c->in, c->out };
		memcpy(buf, r, len < sizeof r ? len : sizeof r);
		return HV_STATUS_SUCCESS;
	}
	if (c->in & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((c->in & 0xfff) + len > EMU_PAGE || mem_read_phys(vp->pt, c->in, buf, len))
		return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_SUCCESS;
}

static void flush_tlb(struct emu_vp *vp)
{
	uc_ctl_flush_tlb(vp->pt->eng.uc);
}

static uint16_t send_ipi(struct emu_vp *vp, const struct hcall *c)
{
	struct { uint32_t vector; uint8_t vtl, rsvd[3]; uint64_t mask; } in;
	uint16_t st = read_input(vp, c, &in, sizeof in);

	if (st)
		return st;
	if (in.vector < 16 || in.vector > 255 || in.vtl || in.rsvd[0] || in.rsvd[1] || in.rsvd[2])
		return HV_STATUS_INVALID_PARAMETER;
	for (unsigned i = 0; i < 64 && i < EMU_MAX_VPS; i++) {
		if (!((in.mask >> i) & 1) || !emu_partition_vp(vp->pt, i))
			continue;
		/* APIC ID = VP index here (regs.c) */
		struct emu_irq irq = { .dest = i, .vector = (uint8_t)in.vector,
				       .type = HV_X64_INTERRUPT_TYPE_FIXED };
		lapic_deliver(vp->pt, &irq);
	}
	return HV_STATUS_SUCCESS;
}

/* HvCallPostMessage / HvCallSignalEvent: the input is checked, then no
 * connection matches. */
static uint16_t to_connection(struct emu_vp *vp, const struct hcall *c)
{
	if (c->code == HVCALL_SIGNAL_EVENT) {
		if (!c->fast)
			return c->in & 7 ? HV_STATUS_INVALID_ALIGNMENT : HV_STATUS_INVALID_CONNECTION_ID;
		return HV_STATUS_INVALID_CONNECTION_ID;
	}
	struct { uint32_t conn, rsvd, type, size; } in;
	if (c->fast)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;	/* a 256-byte input */
	uint16_t st = read_input(vp, c, &in, sizeof in);
	if (st)
		return st;
	if (in.size > HV_MESSAGE_PAYLOAD_BYTE_COUNT || (in.type & 0x80000000u) || in.rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_INVALID_CONNECTION_ID;
}

static uint16_t dispatch(struct emu_vp *vp, struct hcall *c, uint16_t *done)
{
	struct emu_partition *pt = vp->pt;

	*done = 0;
	if (is_rep(c->code) ? c->start > c->reps : (c->reps || c->start))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	switch (c->code) {
	case HC_FLUSH_SPACE: case HC_FLUSH_LIST:
	case HC_FLUSH_SPACE_EX: case HC_FLUSH_LIST_EX:
		if (!hv_granted(pt, HV_SYN_TB_FLUSH))
			return HV_STATUS_ACCESS_DENIED;
		if (!c->fast && (c->in & 7))
			return HV_STATUS_INVALID_ALIGNMENT;
		flush_tlb(vp);
		*done = c->reps;
		return HV_STATUS_SUCCESS;
	case HC_NOTIFY_SPIN_WAIT:
		if (!hv_granted(pt, HV_SYN_LONG_SPIN_WAIT))
			return HV_STATUS_ACCESS_DENIED;
		/* another VP may hold the lock: offer the engine */
		engine_kick(vp, EMU_KICK_YIELD);
		return HV_STATUS_SUCCESS;
	case HC_SEND_IPI:
		if (!hv_granted(pt, HV_SYN_CLUSTER_IPI))
			return HV_STATUS_ACCESS_DENIED;
		return send_ipi(vp, c);
	case HVCALL_POST_MESSAGE:
	case HVCALL_SIGNAL_EVENT:
		if (!hv_granted(pt, HV_SYN_SYNIC))
			return HV_STATUS_ACCESS_DENIED;
		return to_connection(vp, c);
	default:
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
}

/* Is the #UD at RIP a VMCALL or VMMCALL? */
static bool at_vmcall(struct emu_vp *vp)
{
	struct x86_mmu m = vp_mmu(vp);
	struct raw_seg cs;
	uint8_t b[3];

	raw_get_seg(vp->ctx, RAW_CS, &cs);
	if (x86_mmu_read_virt(&m, cs.base + vp->x.rip, b, 3, X86_ACC_EXEC) != 3)
		return false;
	return b[0] == 0x0f && b[1] == 0x01 && (b[2] == 0xc1 || b[2] == 0xd9);
}

bool hv_vmcall(struct emu_vp *vp)
{
	struct emu_partition *pt = vp->pt;
	uint32_t hf = raw_get_hflags(vp->ctx);

	pthread_mutex_lock(&pt->hv.m);
	bool on = hv_granted(pt, HV_SYN_HYPERCALL) && (pt->hv.hypercall & HC_ENABLE);
	pthread_mutex_unlock(&pt->hv.m);
	/* Real mode, VM86 and CPL > 0 get the #UD (TLFS). */
	if (!on || !(hf & HF_PE) || (hf & HF_VM) || (hf & HF_CPL_MASK) || !at_vmcall(vp))
		return false;
	bool wide = hf & HF_CS64;
	uint64_t ctl, ret;
	struct hcall c;

	if (wide) {	/* RCX control, RDX input, R8 output */
		ctl = regs_gpr(vp, 1);
		c.in = regs_gpr(vp, 2);
		c.out = regs_gpr(vp, 8);
	} else {	/* EDX:EAX control, EBX:ECX input, EDI:ESI output */
		ctl = (regs_gpr(vp, 2) << 32) | (uint32_t)regs_gpr(vp, 0);
		c.in = (regs_gpr(vp, 3) << 32) | (uint32_t)regs_gpr(vp, 1);
		c.out = (regs_gpr(vp, 7) << 32) | (uint32_t)regs_gpr(vp, 6);
	}
	c.code = (uint16_t)ctl;
	c.fast = (ctl >> 16) & 1;
	c.reps = (uint16_t)((ctl >> 32) & 0xfff);
	c.start = (uint16_t)((ctl >> 48) & 0xfff);
	uint16_t done = 0, st;
	/* reserved: bits 27-31 (VTL, nested), 44-47, 60-63; a variable
	 * header (17-26) no call here takes */
	if (ctl & ((0x3ffull << 17) | (0x1full << 27) | (0xfull << 44) | (0xfull << 60)))
		st = HV_STATUS_INVALID_HYPERCALL_INPUT;
	else
		st = dispatch(vp, &c, &done);
	ret = st | ((uint64_t)done << 32);
	if (wide) {
		regs_set_gpr(vp, 0, ret);
	} else {
		regs_set_gpr(vp, 0, (uint32_t)ret);
		regs_set_gpr(vp, 2, ret >> 32);
	}
	regs_set_rip(vp, vp->x.rip + 3);
	return true;
}
