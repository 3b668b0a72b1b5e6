/* SPDX-License-Identifier: MIT */
/*
 * Memory-mapped IO exits (HVMSG_UNMAPPED_GPA): the hypervisor reports the
 * GPA and the instruction bytes, and the VMM emulates the access, as
 * every mshv VMM does.  Linux touches MMIO devices with plain MOVs
 * (readl/writel), so this decodes the MOV forms only (Intel SDM vol. 2:
 * 88/89/8A/8B, C6/C7 /0, 0F B6/B7 MOVZX) with their prefixes and REX, and
 * refuses anything else loudly rather than guessing.
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

struct mov {
	unsigned size;		/* operand bytes */
	bool to_reg;		/* memory -> register */
	bool has_imm;
	bool zext;		/* MOVZX: read size differs from register size */
	unsigned reg;		/* register number 0-15 */
	bool high_byte;		/* AH/CH/DH/BH */
	uint64_t imm;
	unsigned mem_size;	/* bytes accessed in memory */
};

static int decode(const uint8_t *b, unsigned n, bool long_mode, struct mov *m)
{
	unsigned i = 0, rex = 0, modrm, mod, rm;
	bool opsize = false;

	memset(m, 0, sizeof(*m));
	for (; i < n; i++) {
		uint8_t p = b[i];
		if (p == 0x66)
			opsize = true;
		else if (!(p == 0x67 || p == 0xf0 || p == 0x26 || p == 0x2e || p == 0x36 ||
			   p == 0x3e || p == 0x64 || p == 0x65))
			break;
	}
	if (i < n && long_mode && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 2 > n)
		return -1;
	m->size = (rex & 8) ? 8 : opsize ? 2 : 4;
	switch (b[i]) {
	case 0x88: m->size = 1; /* fall through */
	case 0x89: break;
	case 0x8a: m->size = 1; /* fall through */
	case 0x8b: m->to_reg = true; break;
	case 0xc6: m->size = 1; /* fall through */
	case 0xc7: m->has_imm = true; break;
	case 0x0f:
		if (b[i + 1] != 0xb6 && b[i + 1] != 0xb7)
			return -1;
		m->zext = m->to_reg = true;
		m->mem_size = b[++i] == 0xb6 ? 1 : 2;
		break;
	default:
		return -1;
	}
	if (!m->mem_size)
		m->mem_size = m->size;
	modrm = b[++i];
	mod = modrm >> 6, rm = modrm & 7;
	m->reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	if (mod == 3 || (m->has_imm && m->reg & 7))
		return -1;
	m->high_byte = m->size == 1 && !rex && m->reg >= 4 && m->reg < 8;
	if (m->high_byte)
		m->reg -= 4;
	i++;
	if (rm == 4) {			/* SIB */
		if (i >= n)
			return -1;
		if (mod == 0 && (b[i] & 7) == 5)
			i += 4;
		i++;
	} else if (mod == 0 && rm == 5) {
		i += 4;			/* disp32 / RIP-relative */
	}
	i += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (m->has_imm) {
		unsigned isz = m->size > 4 ? 4 : m->size;
		if (i + isz > n)
			return -1;
		for (unsigned k = 0; k < isz; k++)
			m->imm |= (uint64_t)b[i + k] << (8 * k);
		if (m->size == 8 && (m->imm & 0x80000000u))
			m->imm |= 0xffffffff00000000ull;	/* sign-extended imm32 */
	}
	return 0;
}

/* One device access; unknown addresses read all ones, writes vanish. */
static uint64_t device(struct vm *vm, uint64_t gpa, unsigned size, bool write, uint64_t val)
{
	if (gpa >= IOAPIC_GPA && gpa < IOAPIC_GPA + 0x20 && size == 4)
		return ioapic_mmio(vm, &vm->ioapic, gpa - IOAPIC_GPA, write, (uint32_t)val);
	return write ? 0 : ~0ull;
}

int mmio_exit(struct vm *vm, unsigned vp, const struct hv_x64_memory_intercept_message *msg)
{
	const struct hv_x64_intercept_message_header *h = &msg->header;
	uint32_t name;
	union hv_register_value val;
	struct hv_register_assoc set[2];
	uint64_t mask, v;
	struct mov m;
	unsigned n = msg->instruction_byte_count > 16 ? 16 : msg->instruction_byte_count;

	if (h->intercept_access_type > HV_INTERCEPT_ACCESS_WRITE ||
	    decode(msg->instruction_bytes, n, h->cs_segment._long, &m) < 0) {
		fprintf(stderr, "mshv-linux: cannot emulate MMIO at gpa %#llx rip %#llx "
			"(access %u, bytes %02x %02x %02x %02x)\n",
			(unsigned long long)msg->guest_physical_address,
			(unsigned long long)h->rip, h->intercept_access_type,
			msg->instruction_bytes[0], msg->instruction_bytes[1],
			msg->instruction_bytes[2], msg->instruction_bytes[3]);
		return -1;
	}
	name = HV_X64_REGISTER_RAX + m.reg;
	if (vp_get_regs(vm, vp, &name, &val, 1) < 0)
		return -1;
	mask = m.mem_size == 8 ? ~0ull : (1ull << (8 * m.mem_size)) - 1;
	if (!m.to_reg) {
		v = m.has_imm ? m.imm : val.reg64 >> (m.high_byte ? 8 : 0);
		device(vm, msg->guest_physical_address, m.mem_size, true, v & mask);
	} else {
		v = device(vm, msg->guest_physical_address, m.mem_size, false, 0) & mask;
		if (m.size == 4 || m.size == 8 || m.zext)
			val.reg64 = m.size == 2 ? (val.reg64 & ~0xffffull) | v : v;
		else if (m.high_byte)
			val.reg64 = (val.reg64 & ~0xff00ull) | (v << 8);
		else
			val.reg64 = (val.reg64 & ~mask) | v;
	}
	memset(set, 0, sizeof(set));
	set[0].name = name;
	set[0].value = val;
	set[1].name = HV_X64_REGISTER_RIP;
	set[1].value.reg64 = h->rip + h->instruction_length;
	return vp_set_regs(vm, vp, m.to_reg ? set : set + 1, m.to_reg ? 2 : 1);
}
