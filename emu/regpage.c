/* SPDX-License-Identifier: MIT */
/*
 * The VP register page (mmap offset 0): a view of the stopped VP that the
 * VMM may edit, marking what it changed in `dirty`; changes apply at the
 * next RUN_VP. Kept coherent with hypercall register access.
 */
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "lapic.h"
#include "rawenv.h"

#include <hyperv/hv_all.h>
#include <unicorn/unicorn.h>

#include <stddef.h>
#include <string.h>

static const uint32_t seg_names[6] = {
	HV_X64_REGISTER_ES, HV_X64_REGISTER_CS, HV_X64_REGISTER_SS,
	HV_X64_REGISTER_DS, HV_X64_REGISTER_FS, HV_X64_REGISTER_GS,
};

void regpage_refresh(struct emu_vp *vp)
{
	uc_context_save(vp->pt->eng.uc, vp->pt->eng.scratch);
	regpage_fill(vp, vp->pt->eng.scratch);
}

/* Where the page holds `name` as a field of its own, or 0 (the packed
 * page is written through memcpy). */
static size_t field(uint32_t name)
{
	if (name >= HV_X64_REGISTER_RAX && name <= HV_X64_REGISTER_R15)
		return offsetof(struct hv_vp_register_page, gp_registers) +
		       8 * (name - HV_X64_REGISTER_RAX);
	if (name == HV_X64_REGISTER_RIP)
		return offsetof(struct hv_vp_register_page, rip);
	if (name == HV_X64_REGISTER_RFLAGS)
		return offsetof(struct hv_vp_register_page, rflags);
	return 0;
}

/* Where only registers the page holds one-to-one were set (a VMM
 * advancing RIP after an exit), just those fields are rewritten; else all
 * of it, from a 5.5 KiB snapshot. */
void regpage_after_set(struct emu_vp *vp, const struct hv_register_assoc *set, unsigned n,
		       bool complete)
{
	union hv_register_value v;

	for (unsigned k = 0; k < n && complete; k++)
		complete = field(set[k].name) != 0;
	if (!complete) {
		regpage_refresh(vp);
		return;
	}
	for (unsigned k = 0; k < n; k++)
		if (regs_get(vp, set[k].name, &v) == HV_STATUS_SUCCESS)
			memcpy((char *)vp->rp + field(set[k].name), &v.reg64, 8);
}

/* raw: a snapshot of the loaded VP's engine state. */
void regpage_fill(struct emu_vp *vp, const void *raw)
{
	struct hv_vp_register_page *rp = vp->rp;
	uc_engine *uc = vp->pt->eng.uc;

	for (int i = 0; i < 16; i++)
		rp->gp_registers[i] = raw_get_gpr(raw, i);
	rp->rip = raw_get_eip(raw);
	uc_reg_read(uc, UC_X86_REG_RFLAGS, &rp->rflags);
	for (int i = 0; i < 6; i++)
		uc_reg_read(uc, UC_X86_REG_XMM0 + i, &rp->xmm[i]);
	for (int i = 0; i < 6; i++) {
		struct raw_seg r;
		raw_get_seg(raw, i, &r);
		rp->segment[i].base = r.base;
		rp->segment[i].limit = r.limit;
		rp->segment[i].selector = (uint16_t)r.selector;
		rp->segment[i].attributes = raw_flags_to_attr(r.flags);
	}
	rp->cr0 = raw_get_cr(raw, 0);
	rp->cr3 = raw_get_cr(raw, 3);
	rp->cr4 = raw_get_cr(raw, 4);
	rp->cr8 = lapic_get_cr8(vp);
	rp->efer = raw_get_efer(raw);
	rp->dr7 = raw_get_dr(raw, 7);
	union hv_register_value v;
	regs_get(vp, HV_REGISTER_PENDING_INTERRUPTION, &v);
	rp->pending_interruption.as_uint64 = v.reg64;
	rp->interrupt_state.as_uint64 = (raw_get_hflags(raw) & HF_INHIBIT_IRQ ? 1 : 0) |
			      (raw_get_hflags2(raw) & HF2_NMI ? 2 : 0);
	rp->instruction_emulation_hints = 0;
	rp->xfem = vp->xfem;
	rp->dirty = 0;
	rp->isvalid = 1;
}

void regpage_apply_dirty(struct emu_vp *vp)
{
	struct hv_vp_register_page *rp = vp->rp;
	uc_engine *uc = vp->pt->eng.uc;
	uint32_t d = rp->dirty;

	if (!d)
		return;
	if (d & (1u << HV_X64_REGISTER_CLASS_GENERAL))
		for (int i = 0; i < 16; i++)
			regs_set_gpr(vp, i, rp->gp_registers[i]);
	if (d & (1u << HV_X64_REGISTER_CLASS_IP)) {
		regs_set_rip(vp, rp->rip);
		vp->shutdown = false;	/* the VMM resets the VP */
	}
	if (d & (1u << HV_X64_REGISTER_CLASS_FLAGS)) {
		uint64_t f = rp->rflags | 2;
		uc_reg_write(uc, UC_X86_REG_RFLAGS, &f);
	}
	if (d & (1u << HV_X64_REGISTER_CLASS_XMM))
		for (int i = 0; i < 6; i++)
			uc_reg_write(uc, UC_X86_REG_XMM0 + i, &rp->xmm[i]);
	if (d & (1u << HV_X64_REGISTER_CLASS_SEGMENT)) {
		union hv_register_value v;
		regs_begin(vp);
		for (int i = 0; i < 6; i++) {
			memset(&v, 0, sizeof v);
			v.segment = rp->segment[i];
			regs_set(vp, seg_names[i], &v);
		}
		regs_commit(vp);
	}
	rp->dirty = 0;
}
