/* SPDX-License-Identifier: MIT */
/*
 * x86_insn.h - compact table-driven x86 instruction decoder.
 *
 * Decodes instruction length, prefixes, ModRM/SIB, displacement and
 * immediates for the legacy (non-VEX/EVEX/XOP) opcode maps.  Used to find
 * the length of an intercepted instruction, to recognise IO / HLT / MSR /
 * CPUID instructions and to compute memory operand effective addresses.
 *
 * All input bytes are treated as hostile: the decoder never reads beyond
 * bytes[avail - 1] nor beyond 15 bytes, and has no unbounded loops.
 */
#ifndef MSHV_EMU_X86_INSN_H
#define MSHV_EMU_X86_INSN_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define X86_MAX_INSN_LEN 15

/* PROT16/32 = default operand/address size 16/32 (also covers compat mode);
 * REAL = 16-bit defaults (VEX/EVEX are not recognised in real mode). */
enum x86_mode { X86_MODE_REAL, X86_MODE_PROT16, X86_MODE_PROT32, X86_MODE_LONG64 };

enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS,
	X86_SEG_NONE = -1
};

struct x86_insn {
	uint8_t len;	 /* total length incl. prefixes, 1..15 */
	uint8_t nprefix; /* legacy prefixes + REX */
	bool opsize, adsize, lock, rep /*F3*/, repne /*F2*/; /* of F2/F3 the last one wins */
	/* enum x86_seg override (last one wins) or X86_SEG_NONE; recorded as
	 * encoded even where 64-bit mode ignores it */
	int8_t seg;
	/* 0 if none (64-bit mode only; a REX followed by a legacy prefix is
	 * ignored and reported as 0) */
	uint8_t rex;
	uint8_t map; /* 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A */
	uint8_t opcode;
	bool has_modrm;
	uint8_t modrm;
	bool has_sib;
	uint8_t sib;
	int64_t disp;
	uint8_t disp_size; /* disp is sign-extended */
	uint64_t imm;
	uint8_t imm_size;  /* imm is zero-extended raw value */
	uint8_t op_size;   /* effective operand size in bytes: 1 (byte-op forms), 2, 4, 8 */
	uint8_t addr_size; /* 2, 4, 8 */
	/* extensions */
	uint8_t mode; /* enum x86_mode used for decoding */
	uint64_t imm2;
	/* second immediate: ENTER imm8, far-ptr selector (9A/EA), EXTRQ/INSERTQ
	 * index */
	uint8_t imm2_size;
	uint8_t modrm_off; /* offset of the ModRM byte within the instruction */
	uint8_t disp_off;  /* offset of displacement (valid if disp_size) */
	uint8_t imm_off;   /* offset of the immediate (valid if imm_size) */
};

/* Decodes one instruction from bytes[0..avail). Returns 0, or -1 if the bytes
 * are not a valid/complete instruction (truncated, > 15 bytes, unknown/invalid
 * opcode, VEX/EVEX/XOP encodings). */
int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out);

struct x86_io {
	bool in;
	bool string;
	bool rep;
	uint8_t size; /* 1,2,4 */
	bool port_is_dx;
	uint8_t imm_port;
};
/* true if the instruction is IN/OUT (imm8 and DX forms) or INS/OUTS (with rep).
 * For INS/OUTS both F3 and F2 are reported as rep. */
bool x86_insn_is_io(const struct x86_insn *, struct x86_io *out);
bool x86_insn_is_hlt(const struct x86_insn *);
bool x86_insn_is_rdmsr(const struct x86_insn *);
bool x86_insn_is_wrmsr(const struct x86_insn *);
bool x86_insn_is_cpuid(const struct x86_insn *);
/* The cheap classifier, for hot paths that only need the opcode (the
 * scanner's sites, the ioeventfd store test, SYSCALL/SYSENTER): legacy
 * prefixes are skipped, and 0x40-0x4f as REX when rex is set (64-bit
 * code, or callers that look only for opcodes that are never INC/DEC).
 * The full decoder (x86_decode) is for everything else. */
struct x86_opcode {
	size_t at; /* index of the opcode's first byte; n if none */
	/* 0x00-0xff, 0x0f00 | second byte for the 0F map; -1 if the bytes end
	 * first */
	int op;
	bool lock;  /* an F0 prefix */
	bool rex_w; /* the byte before the opcode is REX with W set */
};
void x86_opcode_peek(const uint8_t *p, size_t n, bool rex, struct x86_opcode *o);
/* IN/OUT/INS/OUTS (any form), by the opcode x86_opcode_peek found. */
bool x86_opcode_is_io(int op);

/* Register file needed for effective addresses: gpr in hardware order
 * rax,rcx,rdx,rbx,rsp,rbp,rsi,rdi,r8..r15. */
struct x86_ea {
	uint64_t offset; /* effective address before segment base, truncated to addr_size */
	/* segment used (override or default: SS for rsp/rbp-based, DS otherwise;
	 * ES for string destination). In 64-bit mode ES/CS/SS/DS overrides are
	 * ignored (hardware treats them as null prefixes), FS/GS overrides are
	 * honoured. */
	enum x86_seg seg;
};

/* Memory operand of a ModRM instruction (mod != 3); rip_next = address of the
 * next instruction (for RIP-relative). Returns false if the instruction has no
 * ModRM memory operand (incl. MOV CR/DR, which always use register form). */
bool x86_insn_modrm_ea(const struct x86_insn *, const uint64_t gpr[16], uint64_t rip_next,
		       struct x86_ea *out);
/* For string instructions MOVS/CMPS/STOS/LODS/SCAS/INS/OUTS: the source
 * (DS:rSI, overridable) and destination (ES:rDI) operands; returns false for
 * non-string instructions. has_src/has_dst tell which apply. */
bool x86_insn_string_ea(const struct x86_insn *, const uint64_t gpr[16], bool *has_src,
			struct x86_ea *src, bool *has_dst, struct x86_ea *dst);
/* Extension: MOV A0-A3 moffs operand (DS default, overridable).  Returns false
 * for other instructions. */
bool x86_insn_moffs_ea(const struct x86_insn *, struct x86_ea *out);

#endif
