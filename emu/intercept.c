/* SPDX-License-Identifier: MIT */
/* Building the hv_message a VMM receives from MSHV_RUN_VP. vp->ctx holds the
 * VP's state as it stopped. */
#include "exit.h"
#include "vp.h"
#include "event.h"
#include "regs.h"
#include "cpuid.h"
#include "msr.h"
#include "rawenv.h"
#include "x86_insn.h"
#include "x86_mmu.h"
#include "vp_mmu.h"

#include <hyperv/hv_all.h>

#include <string.h>

static void seg_out(const void *raw, int which, struct hv_x64_segment_register *s)
{
	struct raw_seg r;

	raw_get_seg(raw, which, &r);
	s->base = r.base;
	s->limit = r.limit;
	s->selector = (uint16_t)r.selector;
	s->attributes = raw_flags_to_attr(r.flags);
}

static void header(struct emu_vp *vp, struct hv_x64_intercept_message_header *h,
		   uint8_t access)
{
	const void *raw = vp->ctx;
	uint32_t hf = raw_get_hflags(raw);
	uint64_t cr0 = raw_get_cr(raw, 0);

	h->vp_index = vp->index;
	h->instruction_length = vp->x.insn_len & 0xf;
	h->cr8 = vp->cr8 & 0xf;
	h->intercept_access_type = access;
	h->execution_state.as_uint16 = 0;
	h->execution_state.cpl = hf & HF_CPL_MASK;
	h->execution_state.cr0_pe = cr0 & 1;
	h->execution_state.cr0_am = (cr0 >> 18) & 1;
	h->execution_state.efer_lma = (raw_get_efer(raw) >> 10) & 1;
	h->execution_state.interrupt_shadow = !!(hf & HF_INHIBIT_IRQ);
	seg_out(raw, RAW_CS, &h->cs_segment);
	h->rip = vp->x.rip;
	h->rflags = regs_rflags(vp);
}

/* The instruction's bytes as the exit recorded them; otherwise up to 16
 * bytes at CS:RIP (fewer if the fetch crosses into nothing). */
static uint8_t insn_bytes(struct emu_vp *vp, uint8_t out[16])
{
	struct raw_seg cs;
	struct x86_mmu m;

	memset(out, 0, 16);
	if (vp->x.nbytes) {
		memcpy(out, vp->x.bytes, vp->x.nbytes);
		return vp->x.nbytes;
	}
	m = vp_mmu_raw(vp->pt, vp->ctx);
	raw_get_seg(vp->ctx, RAW_CS, &cs);
	return (uint8_t)x86_mmu_read_virt(&m, cs.base + vp->x.rip, out, 16, 0);
}

/* Guest virtual address of the faulting data access, if decodable. */
static bool data_gva(struct emu_vp *vp, const uint8_t *bytes, uint8_t n, uint64_t *gva)
{
	const void *raw = vp->ctx;
	enum x86_mode mode = vp_mode_raw(raw);
	struct x86_insn in;
	struct x86_ea ea, src, dst;
	uint64_t gpr[16];
	bool has_src = false, has_dst = false, ok;

	if (x86_decode(bytes, n, mode, &in))
		return false;
	vp->x.insn_len = in.len;
	for (int i = 0; i < 16; i++)
		gpr[i] = raw_get_gpr(raw, i);
	if (x86_insn_string_ea(&in, gpr, &has_src, &src, &has_dst, &dst)) {
		bool write = vp->x.access == HV_INTERCEPT_ACCESS_WRITE;
		ok = write ? has_dst : has_src;
		ea = write ? dst : src;
	} else if (x86_insn_moffs_ea(&in, &ea)) {
		ok = true;
	} else {
		ok = x86_insn_modrm_ea(&in, gpr, vp->x.rip + in.len, &ea);
	}
	if (!ok)
		return false;
	uint64_t base = 0;
	if (ea.seg != X86_SEG_NONE &&
	    (mode != X86_MODE_LONG64 || ea.seg == X86_SEG_FS || ea.seg == X86_SEG_GS)) {
		struct raw_seg s;
		raw_get_seg(raw, ea.seg, &s);
		base = s.base;
	}
	*gva = base + ea.offset;
	if (mode != X86_MODE_LONG64)
		*gva &= 0xffffffffull;
	return true;
}

static void build_io(struct emu_vp *vp, struct hv_message *msg)
{
	struct hv_x64_io_port_intercept_message *m = (void *)msg->u.payload;
	const void *raw = vp->ctx;

	msg->header.message_type = HVMSG_X64_IO_PORT_INTERCEPT;
	msg->header.payload_size = sizeof *m;
	header(vp, &m->header, vp->x.io_in ? HV_INTERCEPT_ACCESS_READ : HV_INTERCEPT_ACCESS_WRITE);
	m->port_number = vp->x.port;
	m->access_info.as_uint8 = 0;
	m->access_info.access_size = vp->x.io_size;
	m->access_info.string_op = vp->x.io_string;
	m->access_info.rep_prefix = vp->x.io_rep;
	m->instruction_byte_count = insn_bytes(vp, m->instruction_bytes);
	m->rax = raw_get_gpr(raw, 0);
	seg_out(raw, RAW_DS, &m->ds_segment);
	seg_out(raw, RAW_ES, &m->es_segment);
	m->rcx = raw_get_gpr(raw, 1);
	m->rsi = raw_get_gpr(raw, 6);
	m->rdi = raw_get_gpr(raw, 7);
}

static void build_mem(struct emu_vp *vp, struct hv_message *msg)
{
	struct hv_x64_memory_intercept_message *m = (void *)msg->u.payload;
	uint64_t gva = 0;
	bool gva_ok;

	msg->header.message_type = vp->x.unmapped ? HVMSG_UNMAPPED_GPA : HVMSG_GPA_INTERCEPT;
	msg->header.payload_size = sizeof *m;
	m->instruction_byte_count = insn_bytes(vp, m->instruction_bytes);
	if (vp->x.access == HV_INTERCEPT_ACCESS_EXECUTE) {
		struct raw_seg cs;
		raw_get_seg(vp->ctx, RAW_CS, &cs);
		gva = cs.base + vp->x.rip;
		gva_ok = true;
		vp->x.insn_len = 0;
	} else {
		gva_ok = data_gva(vp, m->instruction_bytes, m->instruction_byte_count, &gva);
	}
	header(vp, &m->header, vp->x.access);
	m->cache_type = HV_CACHE_TYPE_X64_WB;
	m->memory_access_info.as_uint8 = 0;
	m->tpr_priority = 0;
	m->reserved1 = 0;
	m->guest_physical_address = vp->x.gpa;
	if (gva_ok) {
		struct x86_mmu mmu = vp_mmu_raw(vp->pt, vp->ctx);
		uint64_t gpa;
		m->guest_virtual_address = gva;
		m->memory_access_info.gva_valid = 1;
		/* The pair is consistent only if the GVA really maps there. */
		if (x86_mmu_translate(&mmu, gva, 0, &gpa, NULL) == X86_XLATE_OK &&
		    gpa >> 12 == vp->x.gpa >> 12)
			m->memory_access_info.gva_gpa_valid = 1;
	} else {
		m->guest_virtual_address = 0;
	}
}

static void build_cpuid(struct emu_vp *vp, struct hv_message *msg)
{
	struct hv_x64_cpuid_intercept_message *m = (void *)msg->u.payload;
	const void *raw = vp->ctx;
	uint32_t def[4];

	msg->header.message_type = HVMSG_X64_CPUID_INTERCEPT;
	msg->header.payload_size = sizeof *m;
	header(vp, &m->header, HV_INTERCEPT_ACCESS_EXECUTE);
	m->rax = raw_get_gpr(raw, 0);
	m->rcx = raw_get_gpr(raw, 1);
	m->rdx = raw_get_gpr(raw, 2);
	m->rbx = raw_get_gpr(raw, 3);
	cpuid_compute(vp, (uint32_t)m->rax, (uint32_t)m->rcx, true, def);
	m->default_result_rax = def[0];
	m->default_result_rbx = def[1];
	m->default_result_rcx = def[2];
	m->default_result_rdx = def[3];
}

static void build_msr(struct emu_vp *vp, struct hv_message *msg)
{
	struct hv_x64_msr_intercept_message *m = (void *)msg->u.payload;
	const void *raw = vp->ctx;

	msg->header.message_type = HVMSG_X64_MSR_INTERCEPT;
	msg->header.payload_size = sizeof *m;
	header(vp, &m->header, vp->x.msr_write ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ);
	m->msr_number = vp->x.msr;
	m->rdx = raw_get_gpr(raw, 2);
	m->rax = raw_get_gpr(raw, 0);
}

static void build_exception(struct emu_vp *vp, struct hv_message *msg)
{
	struct hv_x64_exception_intercept_message *m = (void *)msg->u.payload;
	const void *raw = vp->ctx;

	msg->header.message_type = HVMSG_X64_EXCEPTION_INTERCEPT;
	msg->header.payload_size = sizeof *m;
	header(vp, &m->header, HV_INTERCEPT_ACCESS_EXECUTE);
	m->exception_vector = (uint16_t)vp->x.vector;
	m->exception_info.as_uint8 = 0;
	m->exception_info.error_code_valid = vp->x.exc_error_valid;
	m->exception_info.software_exception = vp->x.exc_type == EMU_EV_SOFT_EXC;
	m->instruction_byte_count = insn_bytes(vp, m->instruction_bytes);
	m->error_code = vp->x.exc_error_valid ? vp->x.error_code : 0;
	m->exception_parameter = vp->x.exc_param;
	m->reserved = 0;
	seg_out(raw, RAW_DS, &m->ds_segment);
	seg_out(raw, RAW_SS, &m->ss_segment);
	m->rax = raw_get_gpr(raw, 0);
	m->rcx = raw_get_gpr(raw, 1);
	m->rdx = raw_get_gpr(raw, 2);
	m->rbx = raw_get_gpr(raw, 3);
	m->rsp = raw_get_gpr(raw, 4);
	m->rbp = raw_get_gpr(raw, 5);
	m->rsi = raw_get_gpr(raw, 6);
	m->rdi = raw_get_gpr(raw, 7);
	m->r8 = raw_get_gpr(raw, 8);
	m->r9 = raw_get_gpr(raw, 9);
	m->r10 = raw_get_gpr(raw, 10);
	m->r11 = raw_get_gpr(raw, 11);
	m->r12 = raw_get_gpr(raw, 12);
	m->r13 = raw_get_gpr(raw, 13);
	m->r14 = raw_get_gpr(raw, 14);
	m->r15 = raw_get_gpr(raw, 15);
}

void intercept_build(struct emu_vp *vp, struct hv_message *msg)
{
	memset(msg, 0, sizeof *msg);
	switch (vp->x.reason) {
	case EXIT_IO:
		build_io(vp, msg);
		break;
	case EXIT_MEM:
		build_mem(vp, msg);
		break;
	case EXIT_HLT:
		msg->header.message_type = HVMSG_X64_HALT;
		msg->header.payload_size = sizeof(struct hv_x64_intercept_message_header);
		header(vp, (void *)msg->u.payload, HV_INTERCEPT_ACCESS_EXECUTE);
		break;
	case EXIT_CPUID:
		build_cpuid(vp, msg);
		break;
	case EXIT_APIC_EOI: {
		/* no intercept header: {vp_index, interrupt_vector} */
		struct hv_x64_apic_eoi_message *m = (void *)msg->u.payload;
		msg->header.message_type = HVMSG_X64_APIC_EOI;
		msg->header.payload_size = sizeof *m;
		m->vp_index = vp->index;
		m->interrupt_vector = (uint32_t)vp->x.vector;
		break;
	}
	case EXIT_MSR:
		build_msr(vp, msg);
		break;
	case EXIT_EXCEPTION:
		if (vp->x.exc_intercept) {
			build_exception(vp, msg);
			break;
		}
		__attribute__((fallthrough));
	default:
		/* An event the guest could not take (triple fault), or an
		 * engine stop the VP cannot continue from. */
		msg->header.message_type = HVMSG_UNRECOVERABLE_EXCEPTION;
		msg->header.payload_size = sizeof(struct hv_x64_intercept_message_header);
		header(vp, (void *)msg->u.payload, HV_INTERCEPT_ACCESS_EXECUTE);
		break;
	}
}
