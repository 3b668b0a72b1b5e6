/* SPDX-License-Identifier: MIT */
/*
 * The register file: every hv_register_name the VMM can get or set, mapped
 * onto the engine (Unicorn API), the engine's raw CPU state (hidden segment
 * state, control registers, EFER, interrupt shadow) or per-VP storage for
 * registers the engine does not model. The VP must be loaded on its
 * partition's engine, which the caller holds.
 */
#include "memory.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "msr.h"
#include "hv.h"
#include "lapic.h"
#include "svm.h"
#include "rawenv.h"
#include "x86_insn.h"
#include "x86_mmu.h"
#include "vp_mmu.h"

#include <hyperv/hv_all.h>
#include <unicorn/unicorn.h>

#include <string.h>
#include <x86intrin.h>

/* Unicorn reads/writes x87 registers as a 64-bit mantissa then a 16-bit
 * sign+exponent. */
struct fp80 { uint64_t mantissa; uint16_t exponent; uint8_t pad[6]; };

static const int uc_gpr[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static uc_engine *UC(struct emu_vp *vp) { return vp->pt->eng.uc; }
static void *SCRATCH(struct emu_vp *vp) { return vp->pt->eng.scratch; }

uint64_t regs_gpr(struct emu_vp *vp, int idx)
{
	uint64_t v = 0;
	uc_reg_read(UC(vp), uc_gpr[idx], &v);
	return v;
}

void regs_set_gpr(struct emu_vp *vp, int idx, uint64_t val)
{
	uc_reg_write(UC(vp), uc_gpr[idx], &val);
}

uint64_t regs_rip(struct emu_vp *vp)
{
	uint64_t v = 0;
	uc_reg_read(UC(vp), UC_X86_REG_RIP, &v);
	return v;
}

void regs_set_rip(struct emu_vp *vp, uint64_t rip)
{
	uc_reg_write(UC(vp), UC_X86_REG_RIP, &rip);
}

uint64_t regs_rflags(struct emu_vp *vp)
{
	uint64_t v = 0;
	uc_reg_read(UC(vp), UC_X86_REG_RFLAGS, &v);
	return v;
}

/* In SVM guest mode Unicorn's MSR helpers check the MSR permission map
 * and would #VMEXIT out of the API call: open the map for the access. */
static uint64_t msr_get(struct emu_vp *vp, uint32_t msr)
{
	uc_x86_msr m = { .rid = msr };
	bool svm = vp->svm_guest;

	if (svm && !svm_msr_open(vp->pt, msr))
		return 0;
	uc_reg_read(UC(vp), UC_X86_REG_MSR, &m);
	if (svm)
		svm_msr_close(vp->pt, msr);
	return m.value;
}

static void msr_set(struct emu_vp *vp, uint32_t msr, uint64_t val)
{
	uc_x86_msr m = { .rid = msr, .value = val };
	bool svm = vp->svm_guest;

	if (svm && !svm_msr_open(vp->pt, msr))
		return;
	uc_reg_write(UC(vp), UC_X86_REG_MSR, &m);
	if (svm)
		svm_msr_close(vp->pt, msr);
}

void regs_mmu(struct emu_vp *vp, uint64_t *cr0, uint64_t *cr3, uint64_t *cr4,
	      uint64_t *efer)
{
	uc_reg_read(UC(vp), UC_X86_REG_CR0, cr0);
	uc_reg_read(UC(vp), UC_X86_REG_CR3, cr3);
	uc_reg_read(UC(vp), UC_X86_REG_CR4, cr4);
	*efer = msr_get(vp, 0xc0000080);
}

struct x86_mmu vp_mmu(struct emu_vp *vp)
{
	struct x86_mmu m = { .read_phys = mem_read_phys, .write_phys = mem_write_phys,
			     .opaque = vp->pt };

	regs_mmu(vp, &m.cr0, &m.cr3, &m.cr4, &m.efer);
	return m;
}

enum x86_mode vp_mode_raw(const void *raw)
{
	uint32_t hf = raw_get_hflags(raw);

	return (hf & HF_CS64) ? X86_MODE_LONG64 : (hf & HF_CS32) ? X86_MODE_PROT32 :
	       (hf & HF_PE) ? X86_MODE_PROT16 : X86_MODE_REAL;
}

struct x86_mmu vp_mmu_raw(struct emu_partition *pt, const void *raw)
{
	return (struct x86_mmu){ .cr0 = raw_get_cr(raw, 0), .cr3 = raw_get_cr(raw, 3),
				 .cr4 = raw_get_cr(raw, 4), .efer = raw_get_efer(raw),
				 .read_phys = mem_read_phys, .write_phys = mem_write_phys,
				 .opaque = pt };
}

/* --- raw (hidden) state, batched through the engine's scratch context --- */

/* A batch snapshots the engine's raw state only when a register that lives
 * there is touched (GPR/RIP-only batches, the hot case, never copy it). */
void regs_begin(struct emu_vp *vp)
{
	vp->raw_batch = true;
	vp->raw_snap = false;
	vp->raw_dirty = false;
}

static void raw_flush(struct emu_vp *vp)
{
	if (!vp->raw_dirty)
		return;
	raw_update_hflags(SCRATCH(vp));
	uc_context_restore(UC(vp), vp->pt->eng.scratch);
	uc_ctl_flush_tlb(UC(vp));
	vp->raw_dirty = false;
}

void regs_commit(struct emu_vp *vp)
{
	raw_flush(vp);
	vp->raw_batch = false;
}

/* A current snapshot of the raw state (reused within a batch). */
static void *raw_view(struct emu_vp *vp)
{
	if (!vp->raw_batch || !vp->raw_snap) {
		uc_context_save(UC(vp), vp->pt->eng.scratch);
		vp->raw_snap = vp->raw_batch;
	}
	return SCRATCH(vp);
}

/* API writes inside a batch must not be undone by the batch's restore, and
 * make the snapshot stale. */
static void api_begin(struct emu_vp *vp) { if (vp->raw_batch) raw_flush(vp); }
static void api_end(struct emu_vp *vp) { vp->raw_snap = false; }

static int raw_seg_index(uint32_t name)
{
	switch (name) {
	case HV_X64_REGISTER_ES: return RAW_ES;
	case HV_X64_REGISTER_CS: return RAW_CS;
	case HV_X64_REGISTER_SS: return RAW_SS;
	case HV_X64_REGISTER_DS: return RAW_DS;
	case HV_X64_REGISTER_FS: return RAW_FS;
	case HV_X64_REGISTER_GS: return RAW_GS;
	case HV_X64_REGISTER_LDTR: return RAW_LDT;
	case HV_X64_REGISTER_TR: return RAW_TR;
	default: return -1;
	}
}

void regs_segment(struct emu_vp *vp, int seg, struct hv_x64_segment_register *s)
{
	struct raw_seg r;

	raw_get_seg(raw_view(vp), seg, &r);
	s->base = r.base;
	s->limit = r.limit;
	s->selector = (uint16_t)r.selector;
	s->attributes = raw_flags_to_attr(r.flags);
}

/* --- plain storage for registers the engine does not model --- */

static bool storable(uint32_t n)
{
	static const uint32_t ranges[][2] = {
		{ 0x0, 0x4 }, { 0x210, 0x215 }, { 0x10002, 0x10002 },
		{ 0x10004, 0x10007 }, { 0x80003, 0x80003 },
		{ 0x8000d, 0x8000e }, { 0x80010, 0x8001f }, { 0x80040, 0x8004f },
		{ 0x80070, 0x8007a }, { 0x8007c, 0x8007d }, { 0x80080, 0x80086 },
		{ 0x8008b, 0x80093 }, { 0x80096, 0x80096 }, { 0x800a0, 0x800b2 },
		{ 0x90000, 0x90002 }, { 0x90010, 0x90014 }, { 0x90017, 0x90017 },
		{ 0x90019, 0x90019 }, { 0x9001c, 0x9001c }, { 0x90030, 0x90032 },
		{ 0xa0000, 0xa0015 }, { 0xb0000, 0xb0007 }, { 0xb0100, 0xb0101 },
		{ 0xe0000, 0xe0003 },
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (n >= ranges[i][0] && n <= ranges[i][1])
			return true;
	return false;
}

static union hv_register_value *shadow(struct emu_vp *vp, uint32_t name, bool create)
{
	unsigned h = (name * 2654435761u) % EMU_SHADOW_SLOTS;

	for (unsigned i = 0; i < EMU_SHADOW_SLOTS; i++, h = (h + 1) % EMU_SHADOW_SLOTS) {
		if (vp->shadow[h].used && vp->shadow[h].name == name)
			return &vp->shadow[h].v;
		if (!vp->shadow[h].used) {
			if (!create)
				return NULL;
			vp->shadow[h].used = true;
			vp->shadow[h].name = name;
			memset(&vp->shadow[h].v, 0, sizeof vp->shadow[h].v);
			return &vp->shadow[h].v;
		}
	}
	return NULL;
}

static uint32_t engine_msr(uint32_t name)
{
	switch (name) {
	case HV_X64_REGISTER_KERNEL_GS_BASE: return 0xc0000102;
	case HV_X64_REGISTER_PAT: return 0x277;
	case HV_X64_REGISTER_SYSENTER_CS: return 0x174;
	case HV_X64_REGISTER_SYSENTER_ESP: return 0x175;
	case HV_X64_REGISTER_SYSENTER_EIP: return 0x176;
	case HV_X64_REGISTER_STAR: return 0xc0000081;
	case HV_X64_REGISTER_LSTAR: return 0xc0000082;
	case HV_X64_REGISTER_CSTAR: return 0xc0000083;
	case HV_X64_REGISTER_SFMASK: return 0xc0000084;
	case HV_X64_REGISTER_TSC_AUX: return 0xc0000103;
	default: return 0;
	}
}

/* Abridged (FXSAVE) tag byte <-> full x87 tag word. */
static uint8_t tag_abridge(uint16_t full)
{
	uint8_t t = 0;
	for (int i = 0; i < 8; i++)
		if (((full >> (2 * i)) & 3) != 3)
			t |= (uint8_t)(1u << i);
	return t;
}

static uint16_t tag_expand(uint8_t ab)
{
	uint16_t t = 0;
	for (int i = 0; i < 8; i++)
		if (!(ab & (1u << i)))
			t |= (uint16_t)(3u << (2 * i));
	return t;
}

uint16_t regs_get(struct emu_vp *vp, uint32_t name, union hv_register_value *v)
{
	uc_engine *uc = UC(vp);
	uint32_t msr;
	int seg;

	memset(v, 0, sizeof *v);
	if (hv_reg_owned(name)) {
		uint64_t val = 0;
		uint16_t st = hv_reg_get(vp, name, &val);
		v->reg64 = val;
		return st;
	}
	if (name >= HV_X64_REGISTER_RAX && name <= HV_X64_REGISTER_R15) {
		v->reg64 = regs_gpr(vp, (int)(name - HV_X64_REGISTER_RAX));
		return HV_STATUS_SUCCESS;
	}
	if (name >= HV_X64_REGISTER_XMM0 && name <= HV_X64_REGISTER_XMM15) {
		uc_reg_read(uc, UC_X86_REG_XMM0 + (int)(name - HV_X64_REGISTER_XMM0), v);
		return HV_STATUS_SUCCESS;
	}
	if (name >= HV_X64_REGISTER_FP_MMX0 && name <= HV_X64_REGISTER_FP_MMX7) {
		struct fp80 f = { 0 };
		uc_reg_read(uc, UC_X86_REG_FP0 + (int)(name - HV_X64_REGISTER_FP_MMX0), &f);
		v->reg128.low_part = f.mantissa;
		v->reg128.high_part = f.exponent;
		return HV_STATUS_SUCCESS;
	}
	if ((seg = raw_seg_index(name)) >= 0) {
		regs_segment(vp, seg, &v->segment);
		return HV_STATUS_SUCCESS;
	}
	if ((msr = engine_msr(name))) {
		v->reg64 = msr_get(vp, msr);
		return HV_STATUS_SUCCESS;
	}
	switch (name) {
	case HV_X64_REGISTER_RIP: v->reg64 = regs_rip(vp); return 0;
	case HV_X64_REGISTER_RFLAGS: v->reg64 = regs_rflags(vp); return 0;
	case HV_X64_REGISTER_CR0: case HV_X64_REGISTER_INTERMEDIATE_CR0:
		v->reg64 = raw_get_cr(raw_view(vp), 0); return 0;
	case HV_X64_REGISTER_CR2: uc_reg_read(uc, UC_X86_REG_CR2, &v->reg64); return 0;
	case HV_X64_REGISTER_CR3: case HV_X64_REGISTER_INTERMEDIATE_CR3:
		v->reg64 = raw_get_cr(raw_view(vp), 3); return 0;
	case HV_X64_REGISTER_CR4: case HV_X64_REGISTER_INTERMEDIATE_CR4:
		v->reg64 = raw_get_cr(raw_view(vp), 4); return 0;
	case HV_X64_REGISTER_CR8: case HV_X64_REGISTER_INTERMEDIATE_CR8:
		v->reg64 = lapic_get_cr8(vp); return 0;
	case HV_X64_REGISTER_XFEM: v->reg64 = vp->xfem; return 0;
	case HV_X64_REGISTER_EFER: v->reg64 = raw_get_efer(raw_view(vp)); return 0;
	case HV_X64_REGISTER_DR0: case HV_X64_REGISTER_DR1:
	case HV_X64_REGISTER_DR2: case HV_X64_REGISTER_DR3:
		uc_reg_read(uc, UC_X86_REG_DR0 + (int)(name - HV_X64_REGISTER_DR0), &v->reg64);
		return 0;
	case HV_X64_REGISTER_DR6: uc_reg_read(uc, UC_X86_REG_DR6, &v->reg64); return 0;
	case HV_X64_REGISTER_DR7: uc_reg_read(uc, UC_X86_REG_DR7, &v->reg64); return 0;
	case HV_X64_REGISTER_GDTR: case HV_X64_REGISTER_IDTR: {
		struct raw_seg r;
		raw_get_seg(raw_view(vp), name == HV_X64_REGISTER_GDTR ? RAW_GDT : RAW_IDT, &r);
		v->table.base = r.base;
		v->table.limit = (uint16_t)r.limit;
		return 0;
	}
	case HV_X64_REGISTER_FP_CONTROL_STATUS: {
		uint64_t cw = 0, sw = 0, tag = 0;
		uc_reg_read(uc, UC_X86_REG_FPCW, &cw);
		uc_reg_read(uc, UC_X86_REG_FPSW, &sw);
		uc_reg_read(uc, UC_X86_REG_FPTAG, &tag);
		v->fp_control_status.fp_control = (uint16_t)cw;
		v->fp_control_status.fp_status = (uint16_t)sw;
		v->fp_control_status.fp_tag = tag_abridge((uint16_t)tag);
		return 0;
	}
	case HV_X64_REGISTER_XMM_CONTROL_STATUS: {
		uint64_t mxcsr = 0;
		uc_reg_read(uc, UC_X86_REG_MXCSR, &mxcsr);
		v->xmm_control_status.xmm_status_control = (uint32_t)mxcsr;
		v->xmm_control_status.xmm_status_control_mask = 0xffff;
		return 0;
	}
	case HV_REGISTER_INTERRUPT_STATE: {
		const void *raw = raw_view(vp);
		v->interrupt_state.interrupt_shadow = !!(raw_get_hflags(raw) & HF_INHIBIT_IRQ);
		v->interrupt_state.nmi_masked = !!(raw_get_hflags2(raw) & HF2_NMI);
		return 0;
	}
	case HV_X64_REGISTER_TSC: v->reg64 = __rdtsc() + vp->tsc_offset; return 0;
	case HV_REGISTER_VP_INDEX: v->reg64 = vp->index; return 0;
	case HV_X64_REGISTER_APIC_ID: case HV_X64_REGISTER_INITIAL_APIC_ID:
		v->reg64 = vp->index; return 0;
	case HV_X64_REGISTER_APIC_VERSION: v->reg64 = 0x50014; return 0;
	case HV_REGISTER_TIME_REF_COUNT:
		v->reg64 = emu_reference_time(vp->pt);
		return 0;
	case HV_X64_REGISTER_APIC_BASE:
		v->reg64 = lapic_get_base(vp);
		return 0;
	case HV_REGISTER_INTERNAL_ACTIVITY_STATE:
		v->internal_activity.halt_suspend = vp->halted;
		v->internal_activity.startup_suspend = lapic_wait_sipi(vp);
		return 0;
	case HV_REGISTER_HYPERVISOR_VERSION:
		/* build, major.minor, service pack: a 10.0 hypervisor */
		v->reg128.low_part = 27751;
		v->reg128.high_part = (10ull << 16) | 0;
		return 0;
	case HV_REGISTER_PRIVILEGES_AND_FEATURES_INFO:
	case HV_REGISTER_FEATURES_INFO:
	case HV_REGISTER_IMPLEMENTATION_LIMITS_INFO:
	case HV_REGISTER_HARDWARE_FEATURES_INFO:
	case HV_REGISTER_CPU_MANAGEMENT_FEATURES_INFO:
	case HV_REGISTER_SVM_FEATURES_INFO:
	case HV_REGISTER_SKIP_LEVEL_FEATURES_INFO:
	case HV_REGISTER_NESTED_VIRT_FEATURES_INFO:
	case HV_REGISTER_IPT_FEATURES_INFO:
		return 0;	/* no optional features advertised */
	default:
		break;
	}
	if (synth_reg_get(vp, name, v))
		return HV_STATUS_SUCCESS;
	if (storable(name)) {
		union hv_register_value *s = shadow(vp, name, false);
		if (s)
			*v = *s;
		else if (name == HV_X64_REGISTER_APIC_BASE)
			v->reg64 = 0xfee00000ull | 0x800 | (vp->index == 0 ? 0x100 : 0);
		else if (name == HV_X64_REGISTER_MSR_MTRR_CAP)
			v->reg64 = 0x508;	/* 8 variable ranges, fixed, WC */
		return HV_STATUS_SUCCESS;
	}
	return HV_STATUS_INVALID_PARAMETER;
}

static uint16_t raw_set(struct emu_vp *vp, uint32_t name, const union hv_register_value *v)
{
	bool batch = vp->raw_batch;
	int seg;

	if (!batch)
		regs_begin(vp);
	void *raw = raw_view(vp);
	if ((seg = raw_seg_index(name)) >= 0) {
		struct raw_seg r = {
			.selector = v->segment.selector, .base = v->segment.base,
			.limit = v->segment.limit,
			.flags = raw_attr_to_flags(v->segment.attributes),
		};
		raw_set_seg(raw, seg, &r);
	} else if (name == HV_X64_REGISTER_GDTR || name == HV_X64_REGISTER_IDTR) {
		struct raw_seg r = { .base = v->table.base, .limit = v->table.limit };
		raw_set_seg(raw, name == HV_X64_REGISTER_GDTR ? RAW_GDT : RAW_IDT, &r);
	} else if (name == HV_X64_REGISTER_CR0 || name == HV_X64_REGISTER_INTERMEDIATE_CR0) {
		raw_set_cr(raw, 0, v->reg64);
	} else if (name == HV_X64_REGISTER_CR3 || name == HV_X64_REGISTER_INTERMEDIATE_CR3) {
		raw_set_cr(raw, 3, v->reg64);
	} else if (name == HV_X64_REGISTER_CR4 || name == HV_X64_REGISTER_INTERMEDIATE_CR4) {
		raw_set_cr(raw, 4, v->reg64);
	} else if (name == HV_X64_REGISTER_CR2) {
		raw_set_cr(raw, 2, v->reg64);
	} else if (name == HV_X64_REGISTER_EFER) {
		raw_set_efer(raw, v->reg64);
	} else if (name == HV_REGISTER_INTERRUPT_STATE) {
		uint32_t hf = raw_get_hflags(raw) & ~HF_INHIBIT_IRQ;
		uint32_t hf2 = raw_get_hflags2(raw) & ~HF2_NMI;
		if (v->interrupt_state.interrupt_shadow)
			hf |= HF_INHIBIT_IRQ;
		if (v->interrupt_state.nmi_masked)
			hf2 |= HF2_NMI;
		raw_set_hflags(raw, hf);
		raw_set_hflags2(raw, hf2);
	}
	vp->raw_dirty = true;
	if (!batch)
		regs_commit(vp);
	return HV_STATUS_SUCCESS;
}

uint16_t regs_set(struct emu_vp *vp, uint32_t name, const union hv_register_value *v)
{
	uc_engine *uc = UC(vp);
	uint16_t st = HV_STATUS_SUCCESS;
	uint32_t msr;

	if (raw_seg_index(name) >= 0)
		return raw_set(vp, name, v);
	if (hv_reg_owned(name))
		return hv_reg_set(vp, name, v->reg64);
	if (synth_reg_set(vp, name, v, &st))
		return st;
	switch (name) {
	case HV_X64_REGISTER_GDTR: case HV_X64_REGISTER_IDTR:
	case HV_X64_REGISTER_CR0: case HV_X64_REGISTER_INTERMEDIATE_CR0:
	case HV_X64_REGISTER_CR3: case HV_X64_REGISTER_INTERMEDIATE_CR3:
	case HV_X64_REGISTER_CR4: case HV_X64_REGISTER_INTERMEDIATE_CR4:
	case HV_X64_REGISTER_EFER: case HV_REGISTER_INTERRUPT_STATE:
	case HV_X64_REGISTER_CR2:
		/* CR2 too: Unicorn 2.1.1's uc_reg_write(CR2) also loads the
		 * value into CR3 (unicorn.c reg_write falls through into
		 * cpu_x86_update_cr3). */
		return raw_set(vp, name, v);
	case HV_X64_REGISTER_CR8: case HV_X64_REGISTER_INTERMEDIATE_CR8:
		if (v->reg64 > 15)
			return HV_STATUS_INVALID_PARAMETER;
		lapic_set_cr8(vp, v->reg64);
		return st;
	case HV_X64_REGISTER_XFEM:
		/* x87 is mandatory; the engine has no AVX state. */
		if (!(v->reg64 & 1) || (v->reg64 & ~3ull))
			return HV_STATUS_INVALID_PARAMETER;
		vp->xfem = v->reg64;
		return st;
	case HV_X64_REGISTER_TSC:
		vp->tsc_offset = v->reg64 - __rdtsc();
		return st;
	case HV_REGISTER_VP_INDEX: case HV_X64_REGISTER_APIC_ID:
	case HV_X64_REGISTER_INITIAL_APIC_ID: case HV_X64_REGISTER_APIC_VERSION:
	case HV_REGISTER_HYPERVISOR_VERSION: case HV_X64_REGISTER_MSR_MTRR_CAP:
	case HV_REGISTER_TIME_REF_COUNT:
		return HV_STATUS_INVALID_PARAMETER;	/* read-only */
	case HV_X64_REGISTER_APIC_BASE:
		return lapic_set_base(vp, v->reg64, false) ? st : HV_STATUS_INVALID_PARAMETER;
	case HV_REGISTER_INTERNAL_ACTIVITY_STATE:
		/* halt_suspend is the VP's halted state; the VMM may wake it */
		if (v->reg64 & ~7ull)
			return HV_STATUS_INVALID_PARAMETER;
		vp->halted = v->internal_activity.halt_suspend;
		if (lapic_wait_sipi(vp) != (bool)v->internal_activity.startup_suspend)
			lapic_set_wait_sipi(vp, v->internal_activity.startup_suspend);
		return st;
	default:
		break;
	}
	api_begin(vp);
	if (name >= HV_X64_REGISTER_RAX && name <= HV_X64_REGISTER_R15) {
		regs_set_gpr(vp, (int)(name - HV_X64_REGISTER_RAX), v->reg64);
	} else if (name >= HV_X64_REGISTER_XMM0 && name <= HV_X64_REGISTER_XMM15) {
		uc_reg_write(uc, UC_X86_REG_XMM0 + (int)(name - HV_X64_REGISTER_XMM0), v);
	} else if (name >= HV_X64_REGISTER_FP_MMX0 && name <= HV_X64_REGISTER_FP_MMX7) {
		struct fp80 f = { .mantissa = v->reg128.low_part,
				     .exponent = (uint16_t)v->reg128.high_part };
		uc_reg_write(uc, UC_X86_REG_FP0 + (int)(name - HV_X64_REGISTER_FP_MMX0), &f);
	} else if ((msr = engine_msr(name))) {
		msr_set(vp, msr, v->reg64);
	} else if (name == HV_X64_REGISTER_RIP) {
		regs_set_rip(vp, v->reg64);
	} else if (name == HV_X64_REGISTER_RFLAGS) {
		uint64_t f = v->reg64 | 2;
		uc_reg_write(uc, UC_X86_REG_RFLAGS, &f);
	} else if (name >= HV_X64_REGISTER_DR0 && name <= HV_X64_REGISTER_DR3) {
		uc_reg_write(uc, UC_X86_REG_DR0 + (int)(name - HV_X64_REGISTER_DR0), &v->reg64);
	} else if (name == HV_X64_REGISTER_DR6) {
		uc_reg_write(uc, UC_X86_REG_DR6, &v->reg64);
	} else if (name == HV_X64_REGISTER_DR7) {
		uc_reg_write(uc, UC_X86_REG_DR7, &v->reg64);
	} else if (name == HV_X64_REGISTER_FP_CONTROL_STATUS) {
		uint64_t cw = v->fp_control_status.fp_control;
		uint64_t sw = v->fp_control_status.fp_status;
		uint64_t tag = tag_expand(v->fp_control_status.fp_tag);
		uc_reg_write(uc, UC_X86_REG_FPCW, &cw);
		uc_reg_write(uc, UC_X86_REG_FPSW, &sw);
		uc_reg_write(uc, UC_X86_REG_FPTAG, &tag);
	} else if (name == HV_X64_REGISTER_XMM_CONTROL_STATUS) {
		uint64_t mxcsr = v->xmm_control_status.xmm_status_control;
		if (mxcsr & ~0xffffull)
			st = HV_STATUS_INVALID_PARAMETER;
		else
			uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
	} else if (storable(name)) {
		union hv_register_value *s = shadow(vp, name, true);
		if (s)
			*s = *v;
		else
			st = HV_STATUS_INSUFFICIENT_BUFFERS;
	} else {
		st = HV_STATUS_INVALID_PARAMETER;
	}
	api_end(vp);
	return st;
}
