/* SPDX-License-Identifier: MIT */
/*
 * x86_insn.c - compact table-driven x86 instruction decoder.
 * See x86_insn.h.
 */
#include "x86_insn.h"

#include <string.h>

/* Per-opcode attribute flags. */
#define M   0x0001u /* has ModRM */
#define B   0x0002u /* byte operand */
#define I8  0x0004u /* imm8 */
#define IZ  0x0008u /* imm16/32 (by operand size) */
#define IV  0x0010u /* imm16/32/64 (by operand size) */
#define IW  0x0020u /* imm16 */
#define MO  0x0040u /* moffs (address sized) */
#define AP  0x0080u /* far pointer: offset16/32 + selector16 */
#define XX  0x0100u /* invalid */
#define N64 0x0200u /* invalid in 64-bit mode */
#define D64 0x0400u /* default 64-bit operand size in 64-bit mode */
#define F64 0x0800u /* forced 64-bit operand size in 64-bit mode (near branches) */
#define PF  0x1000u /* prefix or escape (handled before the table) */
#define RO  0x2000u /* ModRM always register form (MOV CR/DR) */
#define MB  (M | B)
#define IB  (I8 | B)

/* One-byte opcode map. */
/* clang-format off */
static const uint16_t map0[256] = {
/*          0       1       2       3       4       5       6       7       8       9       A       B       C       D       E       F */
/* 0 */    MB,     M,      MB,     M,      IB,     IZ,     N64,    N64,    MB,     M,      MB,     M,      IB,     IZ,     N64,    PF,
/* 1 */    MB,     M,      MB,     M,      IB,     IZ,     N64,    N64,    MB,     M,      MB,     M,      IB,     IZ,     N64,    N64,
/* 2 */    MB,     M,      MB,     M,      IB,     IZ,     PF,     N64,    MB,     M,      MB,     M,      IB,     IZ,     PF,     N64,
/* 3 */    MB,     M,      MB,     M,      IB,     IZ,     PF,     N64,    MB,     M,      MB,     M,      IB,     IZ,     PF,     N64,
/* 4 */    0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,
/* 5 */    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,
/* 6 */    N64,    N64,    M|N64,  M,      PF,     PF,     PF,     PF,     IZ|D64, M|IZ,   I8|D64, M|I8,   B,      0,      B,      0,
/* 7 */    I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64, I8|F64,
/* 8 */    MB|I8,  M|IZ,   MB|I8|N64, M|I8, MB,    M,      MB,     M,      MB,     M,      MB,     M,      M,      M,      M,      M|D64,
/* 9 */    0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      AP|N64, 0,      D64,    D64,    0,      0,
/* A */    MO|B,   MO,     MO|B,   MO,     B,      0,      B,      0,      IB,     IZ,     B,      0,      B,      0,      B,      0,
/* B */    IB,     IB,     IB,     IB,     IB,     IB,     IB,     IB,     IV,     IV,     IV,     IV,     IV,     IV,     IV,     IV,
/* C */    MB|I8,  M|I8,   IW|F64, F64,    M|N64,  M|N64,  MB|I8,  M|IZ,   IW|I8|D64, D64, IW,     0,      0,      I8,     N64,    0,
/* D */    MB,     M,      MB,     M,      I8|N64, I8|N64, XX,     0,      M,      M,      M,      M,      M,      M,      M,      M,
/* E */    I8|F64, I8|F64, I8|F64, I8|F64, IB,     I8,     IB,     I8,     IZ|F64, IZ|F64, AP|N64, I8|F64, B,      0,      B,      0,
/* F */    PF,     0,      PF,     PF,     0,      0,      MB,     M,      0,      0,      0,      0,      0,      0,      MB,     M,
};
/* clang-format on */

/* Two-byte opcode map (0F xx). */
/* clang-format off */
static const uint16_t map1[256] = {
/*          0       1       2       3       4       5       6       7       8       9       A       B       C       D       E       F */
/* 0 */    M,      M,      M,      M,      XX,     0,      0,      0,      0,      0,      XX,     0,      XX,     M,      XX,     XX,
/* 1 */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
/* 2 */    M|RO,   M|RO,   M|RO,   M|RO,   XX,     XX,     XX,     XX,     M,      M,      M,      M,      M,      M,      M,      M,
/* 3 */    0,      0,      0,      0,      0,      0,      XX,     0,      PF,     XX,     PF,     XX,     XX,     XX,     XX,     XX,
/* 4 */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
/* 5 */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
/* 6 */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
/* 7 */    M|I8,   M|I8,   M|I8,   M|I8,   M,      M,      M,      0,      M,      M,      XX,     XX,     M,      M,      M,      M,
/* 8 */    IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64, IZ|F64,
/* 9 */    MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,
/* A */    D64,    D64,    0,      M,      M|I8,   M,      XX,     XX,     D64,    D64,    0,      M,      M|I8,   M,      M,      M,
/* B */    MB,     M,      M,      M,      M,      M,      M,      M,      M,      M,      M|I8,   M,      M,      M,      M,      M,
/* C */    MB,     M,      M|I8,   M,      M|I8,   M|I8,   M|I8,   M,      0,      0,      0,      0,      0,      0,      0,      0,
/* D */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
/* E */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
/* F */    M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,      M,
};
/* clang-format on */

/* Segment override prefix byte -> enum x86_seg, or -2 if not a segment prefix. */
static int seg_prefix(uint8_t b)
{
	switch (b) {
	case 0x26:
		return X86_SEG_ES;
	case 0x2e:
		return X86_SEG_CS;
	case 0x36:
		return X86_SEG_SS;
	case 0x3e:
		return X86_SEG_DS;
	case 0x64:
		return X86_SEG_FS;
	case 0x65:
		return X86_SEG_GS;
	default:
		return -2;
	}
}

/* Bounded little-endian fetch; returns false if it would cross the limit. */
static bool fetch(const uint8_t *p, size_t lim, size_t *pos, unsigned n, uint64_t *v)
{
	if (*pos + n > lim)
		return false;
	uint64_t r = 0;
	for (unsigned i = 0; i < n; i++)
		r |= (uint64_t)p[*pos + i] << (8 * i);
	*pos += n;
	*v = r;
	return true;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
	if (bytes == 0 || bytes >= 8)
		return (int64_t)v;
	unsigned sh = 64 - 8 * bytes;
	return (int64_t)(v << sh) >> sh;
}

int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
	struct x86_insn d;
	memset(&d, 0, sizeof(d));
	d.seg = X86_SEG_NONE;
	d.mode = (uint8_t)mode;
	if (!bytes || !out || (unsigned)mode > X86_MODE_LONG64)
		return -1;

	const bool lm = mode == X86_MODE_LONG64;
	const size_t lim = avail < X86_MAX_INSN_LEN ? avail : X86_MAX_INSN_LEN;
	size_t pos = 0;
	uint8_t b;

	/* Prefixes: at most 14 can precede an opcode inside 15 bytes. */
	for (;;) {
		if (pos >= lim)
			return -1;
		b = bytes[pos];
		int s = seg_prefix(b);
		if (s != -2)
			d.seg = (int8_t)s;
		else if (b == 0x66)
			d.opsize = true;
		else if (b == 0x67)
			d.adsize = true;
		else if (b == 0xf0)
			d.lock = true;
		else if (b == 0xf2) {
			d.repne = true;
			d.rep = false;
		} else if (b == 0xf3) {
			d.rep = true;
			d.repne = false;
		} else if (lm && (b & 0xf0) == 0x40) {
			d.rex = b;
			pos++;
			continue;
		} else
			break;
		d.rex = 0; /* a legacy prefix after REX cancels the REX */
		pos++;
	}
	d.nprefix = (uint8_t)pos;
	const bool rexw = (d.rex & 8) != 0;

	/* Opcode and map escapes. */
	uint16_t fl;
	d.opcode = bytes[pos++];
	if (d.opcode == 0x0f) {
		if (pos >= lim)
			return -1;
		d.opcode = bytes[pos++];
		if (d.opcode == 0x38 || d.opcode == 0x3a) {
			d.map = d.opcode == 0x38 ? 2 : 3;
			if (pos >= lim)
				return -1;
			d.opcode = bytes[pos++];
			fl = d.map == 2 ? M : (M | I8);
		} else {
			d.map = 1;
			fl = map1[d.opcode];
		}
	} else {
		d.map = 0;
		fl = map0[d.opcode];
	}
	if (fl & (XX | PF))
		return -1;
	if (lm && (fl & N64))
		return -1;

	/* VEX (C4/C5), EVEX (62) in 16/32-bit protected mode: recognised when
	 * the following byte has mod == 3.  XOP: 8F with ModRM.reg != 0. */
	if (d.map == 0 &&
	    (d.opcode == 0xc4 || d.opcode == 0xc5 || d.opcode == 0x62 || d.opcode == 0x8f)) {
		if (pos >= lim)
			return -1;
		uint8_t nb = bytes[pos];
		if (d.opcode == 0x8f) {
			if ((nb >> 3) & 7)
				return -1;
		} else if (mode != X86_MODE_REAL && (nb >> 6) == 3) {
			return -1;
		}
	}

	/* Sizes. */
	if (lm) {
		d.addr_size = d.adsize ? 4 : 8;
		if (fl & F64)
			d.op_size = 8;
		else if (rexw)
			d.op_size = 8;
		else if (d.opsize)
			d.op_size = 2;
		else
			d.op_size = (fl & D64) ? 8 : 4;
	} else {
		bool def16 = mode != X86_MODE_PROT32;
		d.addr_size = (def16 != d.adsize) ? 2 : 4;
		d.op_size = (def16 != d.opsize) ? 2 : 4;
	}
	if (fl & B)
		d.op_size = 1;

	/* ModRM, SIB, displacement. */
	if (fl & M) {
		if (pos >= lim)
			return -1;
		d.has_modrm = true;
		d.modrm_off = (uint8_t)pos;
		d.modrm = bytes[pos++];
		unsigned mod = d.modrm >> 6, rm = d.modrm & 7;
		if (!(fl & RO) && mod != 3) {
			unsigned ds = 0;
			if (d.addr_size == 2) {
				if (mod == 0 && rm == 6)
					ds = 2;
				else
					ds = mod == 1 ? 1 : mod == 2 ? 2 : 0;
			} else {
				if (rm == 4) {
					if (pos >= lim)
						return -1;
					d.has_sib = true;
					d.sib = bytes[pos++];
					if (mod == 0 && (d.sib & 7) == 5)
						ds = 4;
				}
				if (mod == 0 && rm == 5)
					ds = 4;
				else if (mod == 1)
					ds = 1;
				else if (mod == 2)
					ds = 4;
			}
			if (ds) {
				uint64_t v;
				d.disp_off = (uint8_t)pos;
				if (!fetch(bytes, lim, &pos, ds, &v))
					return -1;
				d.disp = sext(v, ds);
				d.disp_size = (uint8_t)ds;
			}
		}
	}

	/* Undefined group encodings: FE /2-/7, FF /7. */
	if (d.map == 0 && d.has_modrm) {
		unsigned reg = (d.modrm >> 3) & 7;
		if ((d.opcode == 0xfe && reg >= 2) || (d.opcode == 0xff && reg == 7))
			return -1;
	}

	/* Immediates. */
	unsigned isz = 0, isz2 = 0;
	if (fl & I8)
		isz = 1;
	if (fl & IZ)
		isz = d.op_size == 2 ? 2 : 4;
	if (fl & IV)
		isz = d.op_size;
	if (fl & IW) {
		isz2 = isz; /* ENTER: iw, ib */
		isz = 2;
	}
	if (fl & MO)
		isz = d.addr_size;
	if (fl & AP) {
		isz = d.op_size == 2 ? 2 : 4;
		isz2 = 2;
	}
	if (d.map == 0 && (d.opcode == 0xf6 || d.opcode == 0xf7) && ((d.modrm >> 3) & 7) < 2)
		isz = d.opcode == 0xf6 ? 1 : (d.op_size == 2 ? 2 : 4);
	/* SSE4a EXTRQ/INSERTQ imm8, imm8 forms (66 0F 78 /0, F2 0F 78). */
	if (d.map == 1 && d.opcode == 0x78 && (d.opsize || d.repne) && !d.rep) {
		isz = 1;
		isz2 = 1;
	}
	if (isz) {
		d.imm_off = (uint8_t)pos;
		if (!fetch(bytes, lim, &pos, isz, &d.imm))
			return -1;
		d.imm_size = (uint8_t)isz;
	}
	if (isz2) {
		if (!fetch(bytes, lim, &pos, isz2, &d.imm2))
			return -1;
		d.imm2_size = (uint8_t)isz2;
	}

	d.len = (uint8_t)pos;
	*out = d;
	return 0;
}

bool x86_insn_is_io(const struct x86_insn *in, struct x86_io *io)
{
	struct x86_io r;
	memset(&r, 0, sizeof(r));
	if (!in || in->map != 0)
		return false;
	uint8_t op = in->opcode;
	uint8_t wsize = in->op_size == 2 ? 2 : 4; /* REX.W does not make IO 64-bit */
	switch (op) {
	case 0xe4:
	case 0xe5:
	case 0xe6:
	case 0xe7:
		r.in = op < 0xe6;
		r.size = (op & 1) ? wsize : 1;
		r.imm_port = (uint8_t)in->imm;
		break;
	case 0xec:
	case 0xed:
	case 0xee:
	case 0xef:
		r.in = op < 0xee;
		r.size = (op & 1) ? wsize : 1;
		r.port_is_dx = true;
		break;
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f:
		r.in = op < 0x6e;
		r.size = (op & 1) ? wsize : 1;
		r.port_is_dx = true;
		r.string = true;
		r.rep = in->rep || in->repne;
		break;
	default:
		return false;
	}
	if (io)
		*io = r;
	return true;
}

bool x86_insn_is_hlt(const struct x86_insn *in)
{
	return in && in->map == 0 && in->opcode == 0xf4;
}

bool x86_insn_is_rdmsr(const struct x86_insn *in)
{
	return in && in->map == 1 && in->opcode == 0x32;
}

bool x86_insn_is_wrmsr(const struct x86_insn *in)
{
	return in && in->map == 1 && in->opcode == 0x30;
}

bool x86_insn_is_cpuid(const struct x86_insn *in)
{
	return in && in->map == 1 && in->opcode == 0xa2;
}

void x86_opcode_peek(const uint8_t *p, size_t n, bool rex, struct x86_opcode *o)
{
	size_t i;

	o->lock = o->rex_w = false;
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case 0xf0:
			o->lock = true;
			/* fall through */
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
		case 0x66:
		case 0x67:
		case 0xf2:
		case 0xf3:
			o->rex_w = false; /* REX counts only right before the opcode */
			continue;
		default:
			break;
		}
		if (rex && (p[i] & 0xf0) == 0x40) {
			o->rex_w = p[i] & 8;
			continue;
		}
		break;
	}
	o->at = i;
	if (i >= n)
		o->op = -1;
	else if (p[i] != 0x0f)
		o->op = p[i];
	else
		o->op = i + 1 < n ? 0x0f00 | p[i + 1] : -1;
}

bool x86_opcode_is_io(int op)
{
	switch (op) {
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f:
	case 0xe4:
	case 0xe5:
	case 0xe6:
	case 0xe7:
	case 0xec:
	case 0xed:
	case 0xee:
	case 0xef:
		return true;
	default:
		return false;
	}
}

static uint64_t addr_mask(unsigned addr_size)
{
	return addr_size >= 8 ? ~0ull : addr_size == 4 ? 0xffffffffull : 0xffffull;
}

/* Effective segment given an override and a default. */
static enum x86_seg eff_seg(const struct x86_insn *in, enum x86_seg def)
{
	if (in->seg == X86_SEG_NONE)
		return def;
	if (in->mode == X86_MODE_LONG64 && in->seg != X86_SEG_FS && in->seg != X86_SEG_GS)
		return def;
	return (enum x86_seg)in->seg;
}

bool x86_insn_modrm_ea(const struct x86_insn *in, const uint64_t gpr[16], uint64_t rip_next,
		       struct x86_ea *out)
{
	if (!in || !gpr || !in->has_modrm || (in->modrm >> 6) == 3)
		return false;
	if (in->map == 1 && (in->opcode & 0xfc) == 0x20) /* MOV CR/DR: register only */
		return false;

	unsigned mod = in->modrm >> 6, rm = in->modrm & 7;
	uint64_t ea = (uint64_t)in->disp;
	enum x86_seg def = X86_SEG_DS;

	if (in->addr_size == 2) {
		static const int8_t base16[8] = {
			3, 3, 5, 5, 6, 7, 5, 3
		}; /* bx bx bp bp si di bp bx */
		static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
		if (!(mod == 0 && rm == 6)) {
			ea += gpr[base16[rm]];
			if (index16[rm] >= 0)
				ea += gpr[index16[rm]];
			if (base16[rm] == 5)
				def = X86_SEG_SS;
		}
	} else if (in->has_sib) {
		unsigned scale = in->sib >> 6;
		unsigned idx = ((in->sib >> 3) & 7) | ((in->rex & 2) ? 8 : 0);
		unsigned base = (in->sib & 7) | ((in->rex & 1) ? 8 : 0);
		if (idx != 4)
			ea += gpr[idx] << scale;
		if (!(mod == 0 && (in->sib & 7) == 5)) {
			ea += gpr[base];
			if (base == 4 || base == 5)
				def = X86_SEG_SS;
		}
	} else if (mod == 0 && rm == 5) {
		if (in->mode == X86_MODE_LONG64)
			ea += rip_next; /* RIP/EIP-relative */
	} else {
		unsigned base = rm | ((in->rex & 1) ? 8 : 0);
		ea += gpr[base];
		if (base == 4 || base == 5)
			def = X86_SEG_SS;
	}

	if (out) {
		out->offset = ea & addr_mask(in->addr_size);
		out->seg = eff_seg(in, def);
	}
	return true;
}

bool x86_insn_string_ea(const struct x86_insn *in, const uint64_t gpr[16], bool *has_src,
			struct x86_ea *src, bool *has_dst, struct x86_ea *dst)
{
	if (!in || !gpr || in->map != 0)
		return false;
	bool s, t;
	switch (in->opcode) {
	case 0xa4:
	case 0xa5:
	case 0xa6:
	case 0xa7: /* MOVS, CMPS */
		s = t = true;
		break;
	case 0xaa:
	case 0xab:
	case 0xae:
	case 0xaf: /* STOS, SCAS */
	case 0x6c:
	case 0x6d: /* INS */
		s = false;
		t = true;
		break;
	case 0xac:
	case 0xad: /* LODS */
	case 0x6e:
	case 0x6f: /* OUTS */
		s = true;
		t = false;
		break;
	default:
		return false;
	}
	uint64_t m = addr_mask(in->addr_size);
	if (has_src)
		*has_src = s;
	if (has_dst)
		*has_dst = t;
	if (s && src) {
		src->offset = gpr[6] & m;
		src->seg = eff_seg(in, X86_SEG_DS);
	}
	if (t && dst) {
		dst->offset = gpr[7] & m;
		dst->seg = X86_SEG_ES;
	}
	return true;
}

bool x86_insn_moffs_ea(const struct x86_insn *in, struct x86_ea *out)
{
	if (!in || in->map != 0 || (in->opcode & 0xfc) != 0xa0)
		return false;
	if (out) {
		out->offset = in->imm & addr_mask(in->addr_size);
		out->seg = eff_seg(in, X86_SEG_DS);
	}
	return true;
}
