/* SPDX-License-Identifier: MIT */
/*
 * The operations of the fuzz target's input language (see fuzz_ops.h).
 * Each builds one ioctl argument from the input: mostly well-formed enough
 * to get past the first checks (known codes, small counts, in-arena
 * pointers), with a selector bit that makes any field raw, so both the
 * decoder's argument checks and the core behind them are reached.
 */
#define _GNU_SOURCE
#include "fuzz_ops.h"

#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include "mshv_dev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	OP_CREATE_PT, OP_INIT_PT, OP_CREATE_VP, OP_SET_MEM, OP_HVCALL,
	OP_RUN, OP_VP_STATE, OP_IRQFD, OP_IOEVENTFD, OP_MSI, OP_GPAP,
	OP_RAW_IOCTL, OP_POKE_ARENA, OP_POKE_REGPAGE, OP_CLOSE,
	OP_COUNT
};

/* Copies len bytes of arg to where p points, if that is in the arena. */
static uint64_t place(uint64_t p, const void *arg, size_t len)
{
	void *at = fz_at(p, len);

	if (at)
		memcpy(at, arg, len);
	return p;
}

static uint64_t place_arg(struct fz *f, const void *arg, size_t len)
{
	return place(fz_ptr(f, len), arg, len);
}

static void op_create_pt(struct fz *f)
{
	struct mshv_create_partition_v2 v = { 0 };
	uint8_t k = fz_u8(f);

	v.pt_flags = (k & 0x80) ? fz_u64(f) : (fz_u8(f) & MSHV_PT_FLAGS_MASK);
	v.pt_isolation = (k & 0x40) ? fz_u64(f) : 0;
	v.pt_num_cpu_fbanks = (k & 0x20) ? fz_u16(f) : MSHV_NUM_CPU_FEATURES_BANKS;
	if (k & 0x10)
		fz_bytes(f, v.pt_rsvd, sizeof v.pt_rsvd);
	v.pt_cpu_fbanks[0] = (k & 0x08) ? fz_u64(f) : 0;
	v.pt_cpu_fbanks[1] = (k & 0x04) ? fz_u64(f) : 0;
	v.pt_disabled_xsave = (k & 0x02) ? fz_u64(f) : 0;
	fz_ioctl(fz_obj(f, MSHV_OBJ_DEVICE), MSHV_CREATE_PARTITION, place_arg(f, &v, sizeof v));
}

static void op_create_vp(struct fz *f)
{
	uint8_t k = fz_u8(f);
	struct mshv_create_vp a = { .vp_index = (k & 0x80) ? fz_u32(f) : k % 4 };

	fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_CREATE_VP, place_arg(f, &a, sizeof a));
}

static void op_set_mem(struct fz *f)
{
	struct mshv_user_mem_region r = { 0 };
	uint8_t k = fz_u8(f), pages = fz_u8(f), first = fz_u8(f) % FZ_ARENA_PAGES;
	uint64_t a = (uint64_t)(uintptr_t)fz_arena;

	r.flags = (k & 0x80) ? fz_u8(f) : (fz_u8(f) & MSHV_SET_MEM_FLAGS_MASK);
	/* Low RAM, the reset vector's page (0xfffff000), or anywhere. */
	switch ((k >> 4) & 3) {
	case 0: case 1: r.guest_pfn = fz_u8(f); break;
	case 2: r.guest_pfn = 0xfffffu - fz_u8(f) % FZ_ARENA_PAGES; break;
	default: r.guest_pfn = fz_u64(f); break;
	}
	switch (k & 7) {
	default:	/* inside the arena */
		r.userspace_addr = a + first * 4096ull;
		r.size = (1 + pages % (FZ_ARENA_PAGES - first)) * 4096ull;
		break;
	case 5:
		if (fz_hostile_mem()) {
			/* Over the guard or the read-only page. */
			r.userspace_addr = a + (FZ_ARENA_SIZE & ~4095ull) + (pages & 1) * 4096ull;
			r.size = (1 + (pages >> 1) % 2) * 4096ull;
			break;
		}
		/* fall through */
	case 6:		/* misaligned, empty, overflowing, unmapped */
		r.userspace_addr = (pages & 1) ? a + (pages & 0xfff) : (pages & 2) ? 0 : ~0xfffull;
		r.size = (pages & 4) ? 0 : (pages & 8) ? ~0xfffull : 4096ull + (pages & 0xf0);
		break;
	case 7:
		r.userspace_addr = fz_raw_addr(f);
		r.size = fz_u64(f);
		break;
	}
	if (k & 0x40)
		fz_bytes(f, r.rsvd, sizeof r.rsvd);
	fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_SET_GUEST_MEMORY, place_arg(f, &r, sizeof r));
}

static const uint16_t hvcall_codes[] = {
	HVCALL_GET_PARTITION_PROPERTY, HVCALL_SET_PARTITION_PROPERTY,
	HVCALL_GET_PARTITION_PROPERTY_EX, HVCALL_INSTALL_INTERCEPT,
	HVCALL_GET_VP_REGISTERS, HVCALL_SET_VP_REGISTERS,
	HVCALL_TRANSLATE_VIRTUAL_ADDRESS, HVCALL_READ_GPA, HVCALL_WRITE_GPA,
	HVCALL_CLEAR_VIRTUAL_INTERRUPT, HVCALL_REGISTER_INTERCEPT_RESULT,
	HVCALL_ASSERT_VIRTUAL_INTERRUPT, HVCALL_GET_GPA_PAGES_ACCESS_STATES,
	HVCALL_SIGNAL_EVENT_DIRECT, HVCALL_POST_MESSAGE_DIRECT,
	HVCALL_GET_VP_CPUID_VALUES,
	/* refused by the allow-list */
	HVCALL_CREATE_VP, HVCALL_MAP_GPA_PAGES, HVCALL_DELETE_PARTITION,
};

/* Names the guest's behaviour depends on most, for register hypercalls. */
static const uint32_t reg_names[] = {
	HV_X64_REGISTER_RAX, HV_X64_REGISTER_RCX, HV_X64_REGISTER_RDX,
	HV_X64_REGISTER_RBX, HV_X64_REGISTER_RSP, HV_X64_REGISTER_RBP,
	HV_X64_REGISTER_RSI, HV_X64_REGISTER_RDI, HV_X64_REGISTER_R8,
	HV_X64_REGISTER_RIP, HV_X64_REGISTER_RFLAGS, HV_X64_REGISTER_CR0,
	HV_X64_REGISTER_CR2, HV_X64_REGISTER_CR3, HV_X64_REGISTER_CR4,
	HV_X64_REGISTER_CR8, HV_X64_REGISTER_EFER, HV_X64_REGISTER_XFEM,
	HV_X64_REGISTER_CS, HV_X64_REGISTER_SS, HV_X64_REGISTER_DS,
	HV_X64_REGISTER_ES, HV_X64_REGISTER_FS, HV_X64_REGISTER_GS,
	HV_X64_REGISTER_TR, HV_X64_REGISTER_LDTR, HV_X64_REGISTER_GDTR,
	HV_X64_REGISTER_IDTR, HV_X64_REGISTER_DR0, HV_X64_REGISTER_DR6,
	HV_X64_REGISTER_DR7, HV_X64_REGISTER_XMM0, HV_X64_REGISTER_FP_MMX0,
	HV_X64_REGISTER_FP_CONTROL_STATUS, HV_X64_REGISTER_XMM_CONTROL_STATUS,
	HV_X64_REGISTER_TSC, HV_X64_REGISTER_APIC_BASE, HV_X64_REGISTER_PAT,
	HV_X64_REGISTER_LSTAR, HV_X64_REGISTER_STAR, HV_X64_REGISTER_SYSENTER_CS,
	HV_X64_REGISTER_KERNEL_GS_BASE, HV_X64_REGISTER_MSR_MTRR_DEF_TYPE,
	HV_REGISTER_INTERRUPT_STATE, HV_REGISTER_PENDING_INTERRUPTION,
	HV_REGISTER_PENDING_EVENT0, HV_REGISTER_INTERNAL_ACTIVITY_STATE,
	HV_REGISTER_SIMP, HV_REGISTER_SIEFP, HV_REGISTER_SCONTROL,
	HV_REGISTER_SINT0, HV_REGISTER_STIMER0_CONFIG, HV_REGISTER_GUEST_OS_ID,
	HV_REGISTER_HYPERCALL, HV_REGISTER_VP_INDEX, HV_REGISTER_REFERENCE_TSC,
	HV_X64_REGISTER_DELIVERABILITY_NOTIFICATIONS, HV_X64_REGISTER_REG_PAGE,
};

static uint32_t reg_name(struct fz *f)
{
	uint8_t k = fz_u8(f);

	return k < 0xf0 ? reg_names[k % ARRAY_SIZE(reg_names)] : fz_u32(f);
}

/* A register-list input: the header, then names (GET) or associations
 * (SET) built from the table, so the guest state is in reach. */
static size_t hvcall_regs(struct fz *f, uint8_t *in, uint16_t reps, bool set)
{
	struct hv_input_set_vp_registers *s = (void *)in;
	struct hv_input_get_vp_registers *g = (void *)in;
	size_t n = 16;

	s->vp_index = fz_u8(f) % 4;
	for (uint16_t i = 0; i < reps && n + (set ? 32 : 4) <= EMU_HVCALL_PAGE; i++) {
		if (set) {
			s->elements[i].name = reg_name(f);
			fz_bytes(f, &s->elements[i].value, sizeof s->elements[i].value);
			n += 32;
		} else {
			g->names[i] = reg_name(f);
			n += 4;
		}
	}
	return n;
}

static void op_hvcall(struct fz *f)
{
	struct mshv_root_hvcall h = { 0 };
	uint8_t in[EMU_HVCALL_PAGE] = { 0 };
	uint8_t k = fz_u8(f), c = fz_u8(f);

	h.code = c < 0xf0 ? hvcall_codes[c % ARRAY_SIZE(hvcall_codes)] : fz_u16(f);
	h.reps = (k & 0x80) ? fz_u16(f) : fz_u8(f) % 8;
	if ((k & 0x40) && (h.code == HVCALL_GET_VP_REGISTERS || h.code == HVCALL_SET_VP_REGISTERS)) {
		h.in_sz = (uint16_t)hvcall_regs(f, in, h.reps, h.code == HVCALL_SET_VP_REGISTERS);
	} else {
		h.in_sz = (k & 0x20) ? fz_u16(f) : 8 + fz_u8(f);
		fz_bytes(f, in + 8, h.in_sz > 8 ? (h.in_sz < sizeof in ? h.in_sz : sizeof in) - 8 : 0);
	}
	h.out_sz = (k & 0x10) ? fz_u16(f) : 8u * (1 + fz_u8(f) % 64);
	if (k & 0x08)
		h.status = fz_u16(f);
	if (k & 0x04)
		fz_bytes(f, h.rsvd, sizeof h.rsvd);
	h.in_ptr = place_arg(f, in, h.in_sz < sizeof in ? h.in_sz : sizeof in);
	h.out_ptr = (k & 0x02) ? 0 : fz_ptr(f, h.out_sz);
	fz_ioctl(fz_obj(f, (k & 1) ? MSHV_OBJ_VP : MSHV_OBJ_PARTITION), MSHV_ROOT_HVCALL,
		 place_arg(f, &h, sizeof h));
}

static void op_vp_state(struct fz *f)
{
	struct mshv_get_set_vp_state s = { 0 };
	uint8_t k = fz_u8(f);

	s.type = (k & 0x80) ? fz_u8(f) : fz_u8(f) % (MSHV_VP_STATE_COUNT + 1);
	if (k & 0x40)
		fz_bytes(f, s.rsvd, sizeof s.rsvd);
	s.buf_sz = (k & 0x20) ? fz_u32(f) : 4096u * (1 + (k & 1));
	/* A page-aligned buffer in the arena, or anything. */
	s.buf_ptr = (k & 0x10) ? fz_raw_addr(f) :
		(uint64_t)(uintptr_t)fz_arena + 4096ull * (fz_u8(f) % (FZ_ARENA_PAGES - 1));
	fz_ioctl(fz_obj(f, MSHV_OBJ_VP), (k & 4) ? MSHV_SET_VP_STATE : MSHV_GET_VP_STATE,
		 place_arg(f, &s, sizeof s));
}

static void op_irqfd(struct fz *f)
{
	struct mshv_user_irqfd a = { 0 };
	uint8_t k = fz_u8(f);

	a.fd = fz_efd(f);
	a.resamplefd = fz_efd(f);
	a.gsi = (k & 0x80) ? fz_u32(f) : fz_u8(f) % 16;
	a.flags = (k & 0x40) ? fz_u32(f) : k & MSHV_IRQFD_FLAGS_MASK;
	fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_IRQFD, place_arg(f, &a, sizeof a));
}

static void op_ioeventfd(struct fz *f)
{
	static const uint32_t lens[] = { 0, 1, 2, 4, 8 };
	struct mshv_user_ioeventfd a = { 0 };
	uint8_t k = fz_u8(f);

	a.datamatch = fz_u64(f);
	a.addr = (k & 0x80) ? fz_u64(f) : 0x10000ull + fz_u16(f);
	a.len = (k & 0x40) ? fz_u32(f) : lens[fz_u8(f) % ARRAY_SIZE(lens)];
	a.fd = fz_efd(f);
	a.flags = (k & 0x20) ? fz_u32(f) : k & MSHV_IOEVENTFD_FLAGS_MASK;
	if (k & 0x10)
		fz_bytes(f, a.rsvd, sizeof a.rsvd);
	fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_IOEVENTFD, place_arg(f, &a, sizeof a));
}

static void op_msi(struct fz *f)
{
	struct mshv_user_irq_table t = { 0 };
	struct mshv_user_irq_entry e[8] = { 0 };
	uint8_t buf[sizeof t + sizeof e], k = fz_u8(f);

	t.nr = (k & 0x80) ? fz_u32(f) : k % 9;
	if (k & 0x40)
		t.rsvd = fz_u32(f);
	for (unsigned i = 0; i < 8 && i < t.nr; i++) {
		uint8_t s = fz_u8(f);
		e[i].gsi = (s & 0x80) ? fz_u32(f) : s % 16;
		e[i].address_lo = (s & 0x40) ? fz_u32(f) : 0xfee00000u | (fz_u16(f) & 0xff0cu);
		e[i].address_hi = (s & 0x20) ? fz_u32(f) : 0;
		e[i].data = fz_u32(f);
	}
	memcpy(buf, &t, sizeof t);
	memcpy(buf + sizeof t, e, sizeof e);
	fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_SET_MSI_ROUTING, place_arg(f, buf, sizeof buf));
}

static void op_raw_ioctl(struct fz *f)
{
	static const unsigned long reqs[] = {
		MSHV_CREATE_PARTITION, MSHV_INITIALIZE_PARTITION, MSHV_CREATE_VP,
		MSHV_SET_GUEST_MEMORY, MSHV_IRQFD, MSHV_IOEVENTFD, MSHV_SET_MSI_ROUTING,
		MSHV_GET_GPAP_ACCESS_BITMAP, MSHV_ROOT_HVCALL, MSHV_RUN_VP,
		MSHV_GET_VP_STATE, MSHV_SET_VP_STATE,
	};
	uint8_t k = fz_u8(f), raw[64];
	unsigned long req = k < 0xf0 ? reqs[k % ARRAY_SIZE(reqs)] : fz_u32(f);
	struct mshv_obj *o = fz_obj(f, 3);	/* any kind */

	fz_bytes(f, raw, sizeof raw);
	fz_ioctl(o, req, place_arg(f, raw, sizeof raw));
}

/* Input bytes into the arena: guest code and data, argument buffers. */
static void op_poke(struct fz *f, uint8_t *base, size_t size)
{
	size_t off = fz_u16(f) % size, len = fz_u8(f);

	if (!base)
		return;
	if (len > size - off)
		len = size - off;
	fz_bytes(f, base + off, len);
}

void fz_op(struct fz *f)
{
	switch (fz_u8(f) % OP_COUNT) {
	case OP_CREATE_PT: op_create_pt(f); break;
	case OP_INIT_PT:
		fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_INITIALIZE_PARTITION, 0);
		break;
	case OP_CREATE_VP: op_create_vp(f); break;
	case OP_SET_MEM: op_set_mem(f); break;
	case OP_HVCALL: op_hvcall(f); break;
	case OP_RUN:
		fz_ioctl(fz_obj(f, MSHV_OBJ_VP), MSHV_RUN_VP,
			 fz_ptr(f, sizeof(struct hv_message)));
		break;
	case OP_VP_STATE: op_vp_state(f); break;
	case OP_IRQFD: op_irqfd(f); break;
	case OP_IOEVENTFD: op_ioeventfd(f); break;
	case OP_MSI: op_msi(f); break;
	case OP_GPAP: {
		uint8_t raw[sizeof(struct mshv_gpap_access_bitmap)];
		fz_bytes(f, raw, sizeof raw);
		fz_ioctl(fz_obj(f, MSHV_OBJ_PARTITION), MSHV_GET_GPAP_ACCESS_BITMAP,
			 place_arg(f, raw, sizeof raw));
		break;
	}
	case OP_RAW_IOCTL: op_raw_ioctl(f); break;
	case OP_POKE_ARENA: op_poke(f, fz_arena, FZ_ARENA_SIZE); break;
	case OP_POKE_REGPAGE: op_poke(f, fz_vp_page(f), 4096); break;
	case OP_CLOSE: fz_close(f); break;
	}
}
