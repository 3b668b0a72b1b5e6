/* SPDX-License-Identifier: MIT */
/* Unit tests for emu/x86_insn.c */
#include "check_run.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "x86_insn.h"
#include "x86_insn_helpers.h"

struct len_case {
	enum x86_mode mode;
	int len;   /* expected length, -1 = invalid */
	uint8_t n; /* number of bytes given */
	uint8_t b[16];
	const char *what;
};

#define C(m, l, what, ...)                                                      \
	{                                                                       \
		m, l, sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ }, what \
	}

/* clang-format off */
static const struct len_case len_cases[] = {
	/* ---- 64-bit mode ---- */
	C(L64, 1, "nop", 0x90),
	C(L64, 1, "ret", 0xc3),
	C(L64, 1, "hlt", 0xf4),
	C(L64, 3, "mov rbp,rsp", 0x48, 0x89, 0xe5),
	C(L64, 4, "sub rsp,0x20", 0x48, 0x83, 0xec, 0x20),
	C(L64, 7, "mov rax,[rip+d32]", 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
	C(L64, 10, "mov rax,imm64", 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 10, "mov r15,imm64", 0x49, 0xbf, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 5, "mov eax,imm32", 0xb8, 1, 2, 3, 4),
	C(L64, 4, "mov ax,imm16", 0x66, 0xb8, 1, 2),
	C(L64, 6, "mov r8d,imm32", 0x41, 0xb8, 1, 2, 3, 4),
	C(L64, 7, "mov rax,simm32", 0x48, 0xc7, 0xc0, 1, 2, 3, 4),
	C(L64, 5, "lea rax,[rsp+8]", 0x48, 0x8d, 0x44, 0x24, 0x08),
	C(L64, 3, "mov eax,[rsp]", 0x8b, 0x04, 0x24),
	C(L64, 7, "mov eax,[d32] sib", 0x8b, 0x04, 0x25, 0x28, 0, 0, 0),
	C(L64, 3, "mov eax,[rbp-8]", 0x8b, 0x45, 0xf8),
	C(L64, 6, "mov eax,[rbp+d32]", 0x8b, 0x85, 0x00, 0x01, 0x00, 0x00),
	C(L64, 4, "mov eax,[rbp+rcx*4+0]", 0x8b, 0x44, 0x8d, 0x00),
	C(L64, 7, "mov eax,[rcx*4+d32]", 0x8b, 0x04, 0x8d, 0, 0, 0, 0),
	C(L64, 4, "mov eax,[rax+r12*4]", 0x42, 0x8b, 0x04, 0xa0),
	C(L64, 4, "mov eax,[r12]", 0x41, 0x8b, 0x04, 0x24),
	C(L64, 4, "mov eax,[r13+0]", 0x41, 0x8b, 0x45, 0x00),
	C(L64, 6, "nopw [rax+rax]", 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00),
	C(L64, 7, "nopl [rax+d32]", 0x0f, 0x1f, 0x80, 0, 0, 0, 0),
	C(L64, 10, "nopw cs:[rax+rax+d32]", 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0),
	C(L64, 5, "call rel32", 0xe8, 1, 2, 3, 4),
	C(L64, 5, "jmp rel32", 0xe9, 1, 2, 3, 4),
	C(L64, 6, "66 call rel32 (intel)", 0x66, 0xe8, 1, 2, 3, 4),
	C(L64, 2, "jmp rel8", 0xeb, 0x10),
	C(L64, 2, "je rel8", 0x74, 0x10),
	C(L64, 6, "je rel32", 0x0f, 0x84, 1, 2, 3, 4),
	C(L64, 9, "mov eax,moffs64", 0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 9, "mov al,moffs64", 0xa0, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 10, "mov rax,moffs64", 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 6, "mov eax,moffs32 (67)", 0x67, 0xa1, 1, 2, 3, 4),
	C(L64, 10, "mov moffs64,rax", 0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 4, "enter", 0xc8, 0x10, 0x00, 0x01),
	C(L64, 3, "ret imm16", 0xc2, 0x08, 0x00),
	C(L64, 3, "test al,1", 0xf6, 0xc0, 0x01),
	C(L64, 2, "not al", 0xf6, 0xd0),
	C(L64, 6, "test eax,imm32", 0xf7, 0xc0, 1, 2, 3, 4),
	C(L64, 5, "test ax,imm16", 0x66, 0xf7, 0xc0, 1, 2),
	C(L64, 7, "test rax,imm32", 0x48, 0xf7, 0xc0, 1, 2, 3, 4),
	C(L64, 2, "neg eax", 0xf7, 0xd8),
	C(L64, 3, "div qword [rcx]", 0x48, 0xf7, 0x31),
	C(L64, 3, "rep movsq", 0xf3, 0x48, 0xa5),
	C(L64, 5, "lock cmpxchg [rdx],rcx", 0xf0, 0x48, 0x0f, 0xb1, 0x0a),
	C(L64, 2, "syscall", 0x0f, 0x05),
	C(L64, 2, "ud2", 0x0f, 0x0b),
	C(L64, 3, "mov rax,cr0", 0x0f, 0x20, 0xc0),
	C(L64, 3, "mov cr3,rax", 0x0f, 0x22, 0xd8),
	C(L64, 3, "mov cr0 with mod=0 (reg form)", 0x0f, 0x20, 0x05),
	C(L64, 4, "mov cr8,rax", 0x44, 0x0f, 0x22, 0xc0),
	C(L64, 3, "mov rax,dr7", 0x0f, 0x21, 0xf8),
	C(L64, 2, "wrmsr", 0x0f, 0x30),
	C(L64, 2, "rdtsc", 0x0f, 0x31),
	C(L64, 2, "rdmsr", 0x0f, 0x32),
	C(L64, 2, "cpuid", 0x0f, 0xa2),
	C(L64, 5, "pshufb", 0x66, 0x0f, 0x38, 0x00, 0xc1),
	C(L64, 9, "pshufb xmm0,[rip+d]", 0x66, 0x0f, 0x38, 0x00, 0x05, 1, 2, 3, 4),
	C(L64, 6, "palignr", 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
	C(L64, 6, "pextrd eax,xmm0,1", 0x66, 0x0f, 0x3a, 0x16, 0xc0, 0x01),
	C(L64, 8, "roundps xmm0,[rax+rbx*2+8],4", 0x66, 0x0f, 0x3a, 0x08, 0x44, 0x58, 0x08, 0x04),
	C(L64, 5, "crc32 eax,ecx", 0xf2, 0x0f, 0x38, 0xf1, 0xc1),
	C(L64, 4, "movbe eax,[rdi]", 0x0f, 0x38, 0xf0, 0x07),
	C(L64, 4, "shld edx,eax,4", 0x0f, 0xa4, 0xc2, 0x04),
	C(L64, 3, "shld edx,eax,cl", 0x0f, 0xa5, 0xc2),
	C(L64, 4, "shrd edx,eax,4", 0x0f, 0xac, 0xc2, 0x04),
	C(L64, 4, "bt eax,3", 0x0f, 0xba, 0xe0, 0x03),
	C(L64, 4, "cmpps", 0x0f, 0xc2, 0xc1, 0x00),
	C(L64, 5, "pinsrw", 0x66, 0x0f, 0xc4, 0xc0, 0x01),
	C(L64, 5, "pextrw", 0x66, 0x0f, 0xc5, 0xc0, 0x01),
	C(L64, 4, "shufps", 0x0f, 0xc6, 0xc1, 0x00),
	C(L64, 3, "movups xmm0,[rdi]", 0x0f, 0x10, 0x07),
	C(L64, 4, "movsd xmm0,[rdi]", 0xf2, 0x0f, 0x10, 0x07),
	C(L64, 3, "movaps", 0x0f, 0x28, 0xc1),
	C(L64, 4, "movdqa xmm0,[rsi]", 0x66, 0x0f, 0x6f, 0x06),
	C(L64, 5, "movdqu xmm8,[rsi]", 0xf3, 0x44, 0x0f, 0x6f, 0x06),
	C(L64, 5, "pshufd", 0x66, 0x0f, 0x70, 0xc1, 0x1b),
	C(L64, 5, "psrldq", 0x66, 0x0f, 0x73, 0xd8, 0x08),
	C(L64, 5, "movq rax,xmm0", 0x66, 0x48, 0x0f, 0x7e, 0xc0),
	C(L64, 3, "movzx eax,al", 0x0f, 0xb6, 0xc0),
	C(L64, 4, "movsx rax,ax", 0x48, 0x0f, 0xbf, 0xc0),
	C(L64, 3, "rdrand eax", 0x0f, 0xc7, 0xf0),
	C(L64, 3, "cmpxchg8b [rdi]", 0x0f, 0xc7, 0x0f),
	C(L64, 3, "xgetbv", 0x0f, 0x01, 0xd0),
	C(L64, 3, "vmcall", 0x0f, 0x01, 0xc1),
	C(L64, 3, "rdtscp", 0x0f, 0x01, 0xf9),
	C(L64, 7, "lgdt [rip+d]", 0x0f, 0x01, 0x15, 1, 2, 3, 4),
	C(L64, 3, "mfence", 0x0f, 0xae, 0xf0),
	C(L64, 3, "clflush [rax]", 0x0f, 0xae, 0x38),
	C(L64, 3, "bswap r8", 0x49, 0x0f, 0xc8),
	C(L64, 3, "sete al", 0x0f, 0x94, 0xc0),
	C(L64, 4, "cmovne eax,[rax+0]", 0x0f, 0x45, 0x40, 0x00),
	C(L64, 3, "movsxd rax,edi", 0x48, 0x63, 0xc7),
	C(L64, 4, "endbr64", 0xf3, 0x0f, 0x1e, 0xfa),
	C(L64, 9, "mov rax,gs:[0x28]", 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0),
	C(L64, 7, "imul rax,rax,imm32", 0x48, 0x69, 0xc0, 1, 2, 3, 4),
	C(L64, 3, "imul eax,eax,5", 0x6b, 0xc0, 0x05),
	C(L64, 5, "push imm32", 0x68, 1, 2, 3, 4),
	C(L64, 2, "push imm8", 0x6a, 0x01),
	C(L64, 1, "push rbp", 0x55),
	C(L64, 2, "push r12", 0x41, 0x54),
	C(L64, 7, "mov byte [rip+d],1", 0xc6, 0x05, 1, 2, 3, 4, 0x01),
	C(L64, 10, "mov dword [rip+d],imm32", 0xc7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8),
	C(L64, 9, "mov qword [rsp+8],imm32", 0x48, 0xc7, 0x44, 0x24, 0x08, 1, 2, 3, 4),
	C(L64, 7, "cmp dword [rbp-8],imm32", 0x81, 0x7d, 0xf8, 1, 2, 3, 4),
	C(L64, 4, "cmp dword [rbp-8],imm8", 0x83, 0x7d, 0xf8, 0x01),
	C(L64, 3, "mov eax,[eax]", 0x67, 0x8b, 0x00),
	C(L64, 2, "fxch", 0xd9, 0xc9),
	C(L64, 3, "fld qword [rbp-8]", 0xdd, 0x45, 0xf8),
	C(L64, 2, "int 0x80", 0xcd, 0x80),
	C(L64, 3, "mov sil,al", 0x40, 0x88, 0xc6),
	C(L64, 3, "shl eax,4", 0xc1, 0xe0, 0x04),
	C(L64, 2, "shl eax,1", 0xd1, 0xe0),
	C(L64, 2, "pop [rax]", 0x8f, 0x00),
	C(L64, 2, "call [rax]", 0xff, 0x10),
	C(L64, 6, "jmp [rip+d]", 0xff, 0x25, 1, 2, 3, 4),
	C(L64, 2, "inc eax (ff /0)", 0xff, 0xc0),
	C(L64, 2, "in al,imm8", 0xe4, 0x60),
	C(L64, 1, "iretq..", 0xcf),
	C(L64, 2, "loop", 0xe2, 0xfe),
	C(L64, 6, "xbegin rel32", 0xc7, 0xf8, 1, 2, 3, 4),
	C(L64, 3, "xabort", 0xc6, 0xf8, 0x01),
	C(L64, 6, "extrq (sse4a)", 0x66, 0x0f, 0x78, 0xc0, 0x04, 0x08),
	C(L64, 15, "14 prefixes + nop", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	C(L64, 15, "rex+long mov", 0x66, 0x67, 0x2e, 0x48, 0xc7, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8),
	/* invalid in 64-bit mode */
	C(L64, -1, "vex c5", 0xc5, 0xf8, 0x77),
	C(L64, -1, "vex c4", 0xc4, 0xe2, 0x79, 0x00, 0xc1),
	C(L64, -1, "evex", 0x62, 0xf1, 0x7c, 0x48, 0x28, 0xc1),
	C(L64, -1, "push es", 0x06),
	C(L64, -1, "pusha", 0x60),
	C(L64, -1, "call far", 0x9a, 1, 2, 3, 4, 5, 6),
	C(L64, -1, "jmp far", 0xea, 1, 2, 3, 4, 5, 6),
	C(L64, -1, "aam", 0xd4, 0x0a),
	C(L64, -1, "into", 0xce),
	C(L64, -1, "salc", 0xd6),
	C(L64, -1, "0f 04", 0x0f, 0x04),
	C(L64, -1, "3dnow", 0x0f, 0x0f, 0xc1, 0xb4),
	C(L64, -1, "0f 24", 0x0f, 0x24, 0xc0),
	C(L64, -1, "xop", 0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x00),
	C(L64, -1, "0f 0f", 0x0f, 0x0f),
	C(L64, -1, "0f 39", 0x0f, 0x39),
	C(L64, -1, "fe /7", 0xfe, 0xf8),
	C(L64, -1, "ff /7", 0xff, 0x38),
	C(L64, 2, "dec byte [rax]", 0xfe, 0x08),
	/* truncated */
	C(L64, -1, "empty prefix", 0x66),
	C(L64, -1, "imm64 truncated", 0x48, 0xb8, 1, 2, 3, 4),
	C(L64, -1, "lone 0f", 0x0f),
	C(L64, -1, "0f 38 no opcode", 0x0f, 0x38),
	C(L64, -1, "0f 3a no imm", 0x66, 0x0f, 0x3a, 0x0f, 0xc1),
	C(L64, -1, "missing modrm", 0x8b),
	C(L64, -1, "missing sib", 0x8b, 0x44),
	C(L64, -1, "missing disp", 0x8b, 0x80, 0x00, 0x00),
	C(L64, -1, "missing imm", 0x81, 0xc0, 0x01),
	C(L64, -1, "missing enter ib", 0xc8, 0x10, 0x00),
	C(L64, -1, "15 prefixes", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66),
	C(L64, -1, "16 bytes of 66", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66),
	C(L64, -1, "16-byte insn", 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xb8, 1, 2),
	C(L64, -1, "16-byte mov", 0x66, 0x67, 0x2e, 0x3e, 0x48, 0xc7, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8),

	/* ---- 32-bit protected mode ---- */
	C(P32, 1, "inc eax", 0x40, 0x90),
	C(P32, 1, "dec eax", 0x48, 0xb8),
	C(P32, 5, "mov eax,imm32", 0xb8, 1, 2, 3, 4),
	C(P32, 4, "mov ax,imm16", 0x66, 0xb8, 1, 2),
	C(P32, 5, "mov eax,moffs32", 0xa1, 1, 2, 3, 4),
	C(P32, 4, "mov eax,moffs16", 0x67, 0xa1, 1, 2),
	C(P32, 3, "mov eax,[esp]", 0x8b, 0x04, 0x24),
	C(P32, 6, "mov eax,[d32]", 0x8b, 0x05, 1, 2, 3, 4),
	C(P32, 7, "call far ptr16:32", 0x9a, 1, 2, 3, 4, 5, 6),
	C(P32, 6, "call far ptr16:16", 0x66, 0x9a, 1, 2, 3, 4),
	C(P32, 7, "jmp far ptr16:32", 0xea, 1, 2, 3, 4, 0x08, 0x00),
	C(P32, 5, "call rel32", 0xe8, 1, 2, 3, 4),
	C(P32, 4, "call rel16", 0x66, 0xe8, 1, 2),
	C(P32, 6, "je rel32", 0x0f, 0x84, 1, 2, 3, 4),
	C(P32, 5, "je rel16", 0x66, 0x0f, 0x84, 1, 2),
	C(P32, 2, "lds eax,[esi]", 0xc5, 0x06),
	C(P32, 2, "les eax,[esi]", 0xc4, 0x06),
	C(P32, -1, "vex c5 in pm32", 0xc5, 0xf8, 0x77),
	C(P32, -1, "vex c4 in pm32", 0xc4, 0xe2, 0x79, 0x00, 0xc1),
	C(P32, -1, "evex in pm32", 0x62, 0xf1, 0x7c, 0x48, 0x28, 0xc1),
	C(P32, 2, "bound", 0x62, 0x00),
	C(P32, 1, "pusha", 0x60),
	C(P32, 1, "push es", 0x06),
	C(P32, 1, "daa", 0x27),
	C(P32, 4, "mov eax,[bp+8] (67)", 0x67, 0x8b, 0x46, 0x08),
	C(P32, 2, "aam", 0xd4, 0x0a),
	C(P32, 10, "test dword [d32],imm32", 0xf7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8),
	C(P32, 2, "arpl", 0x63, 0x00, 0x90),
	C(P32, 4, "enter", 0xc8, 0x10, 0x00, 0x00),
	C(P32, 8, "mov dword [ebp-4],imm32 ss", 0x36, 0xc7, 0x45, 0xfc, 1, 2, 3, 4),

	/* ---- 16-bit (real and protected) ---- */
	C(R, 3, "mov ax,imm16", 0xb8, 1, 2),
	C(R, 6, "mov eax,imm32", 0x66, 0xb8, 1, 2, 3, 4),
	C(R, 3, "mov ax,[bp+8]", 0x8b, 0x46, 0x08),
	C(R, 3, "mov ax,[bx+si+0x10]", 0x8b, 0x40, 0x10),
	C(R, 4, "mov ax,[bp+d16]", 0x8b, 0x86, 0x00, 0x01),
	C(R, 4, "mov ax,[d16]", 0x8b, 0x06, 0x34, 0x12),
	C(R, 2, "mov ax,[bx]", 0x8b, 0x07),
	C(R, 2, "mov ax,[bx+si] (no sib in 16-bit)", 0x8b, 0x04),
	C(R, 4, "mov ax,[esp] (67)", 0x67, 0x8b, 0x04, 0x24),
	C(R, 3, "mov ax,moffs16", 0xa1, 1, 2),
	C(R, 6, "mov ax,moffs32", 0x67, 0xa1, 1, 2, 3, 4),
	C(R, 5, "jmp far f000:e05b", 0xea, 0x5b, 0xe0, 0x00, 0xf0),
	C(R, 8, "jmp far ptr16:32 (66)", 0x66, 0xea, 1, 2, 3, 4, 0x08, 0x00),
	C(R, 3, "call rel16", 0xe8, 1, 2),
	C(R, 3, "jmp rel16", 0xe9, 1, 2),
	C(R, 4, "je rel16", 0x0f, 0x84, 1, 2),
	C(R, 4, "les ax,[d16]", 0xc4, 0x06, 0x00, 0x10),
	C(R, 2, "les mod3 in real mode (not vex)", 0xc4, 0xc0),
	C(P16, -1, "vex in pm16", 0xc5, 0xf8, 0x77),
	C(R, 3, "mov eax,cr0", 0x0f, 0x20, 0xc0),
	C(R, 6, "test word [d16],imm16", 0xf7, 0x06, 1, 2, 3, 4),
	C(R, 4, "add word [bx+di+d8], imm8", 0x83, 0x41, 0x02, 0x05),
	C(R, 5, "cmp word [bp+si-1],imm16", 0x81, 0x7a, 0xff, 1, 2),
	C(P16, 3, "mov ax,[bp+8] pm16", 0x8b, 0x46, 0x08),
	C(P16, 6, "66 67 mov eax,[ebx+esi*2+d8]...", 0x66, 0x67, 0x8b, 0x44, 0x73, 0x08, 0x90, 0x90),
	C(R, 2, "int 0x10", 0xcd, 0x10),
	C(R, 2, "in al,0x60", 0xe4, 0x60),
};
/* clang-format on */

START_TEST(test_lengths)
{
	const struct len_case *c = &len_cases[_i];
	struct x86_insn in;
	int r = x86_decode(c->b, c->n, c->mode, &in);
	if (c->len < 0) {
		ck_assert_msg(r == -1, "%s: expected -1, got %d (len %u)", c->what, r,
			      r == 0 ? in.len : 0);
	} else {
		ck_assert_msg(r == 0, "%s: decode failed", c->what);
		ck_assert_msg(in.len == c->len, "%s: len %u expected %d", c->what, in.len, c->len);
		/* giving exactly len bytes must also work; len-1 must fail */
		ck_assert_msg(x86_decode(c->b, (size_t)c->len, c->mode, &in) == 0, "%s: exact",
			      c->what);
		ck_assert_msg(x86_decode(c->b, (size_t)c->len - 1, c->mode, &in) == -1, "%s: short",
			      c->what);
	}
}
END_TEST

START_TEST(test_fields)
{
	struct x86_insn in;

	in = DEC(L64, 0xf3, 0x48, 0xa5);
	ck_assert(in.rep && !in.repne);
	ck_assert_uint_eq(in.rex, 0x48);
	ck_assert_uint_eq(in.nprefix, 2);
	ck_assert_uint_eq(in.op_size, 8);
	ck_assert_uint_eq(in.addr_size, 8);

	/* REX followed by legacy prefix is ignored */
	in = DEC(L64, 0x48, 0xf3, 0xa5);
	ck_assert_uint_eq(in.rex, 0);
	ck_assert_uint_eq(in.nprefix, 2);
	ck_assert_uint_eq(in.op_size, 4);

	in = DEC(L64, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8);
	ck_assert_uint_eq(in.imm, 0x0807060504030201ull);
	ck_assert_uint_eq(in.imm_size, 8);
	ck_assert_uint_eq(in.op_size, 8);

	in = DEC(L64, 0x8b, 0x45, 0xf8);
	ck_assert(in.has_modrm && !in.has_sib);
	ck_assert_uint_eq(in.modrm, 0x45);
	ck_assert_int_eq(in.disp, -8);
	ck_assert_uint_eq(in.disp_size, 1);
	ck_assert_uint_eq(in.op_size, 4);

	in = DEC(L64, 0x66, 0x01, 0xc0);
	ck_assert_uint_eq(in.op_size, 2);
	ck_assert(in.opsize);
	in = DEC(L64, 0x00, 0xc0);
	ck_assert_uint_eq(in.op_size, 1);
	in = DEC(L64, 0x50);
	ck_assert_uint_eq(in.op_size, 8);
	in = DEC(L64, 0x66, 0x50);
	ck_assert_uint_eq(in.op_size, 2);
	in = DEC(L64, 0x67, 0x8b, 0x00);
	ck_assert_uint_eq(in.addr_size, 4);
	ck_assert(in.adsize);
	in = DEC(R, 0x66, 0x01, 0xc0);
	ck_assert_uint_eq(in.op_size, 4);
	ck_assert_uint_eq(in.addr_size, 2);
	in = DEC(P32, 0x66, 0x67, 0x01, 0x00);
	ck_assert_uint_eq(in.op_size, 2);
	ck_assert_uint_eq(in.addr_size, 2);

	in = DEC(L64, 0xf0, 0x65, 0xf2, 0x0f, 0x38, 0xf1, 0xc1);
	ck_assert(in.lock && in.repne && !in.rep);
	ck_assert_int_eq(in.seg, X86_SEG_GS);
	ck_assert_uint_eq(in.map, 2);
	ck_assert_uint_eq(in.opcode, 0xf1);

	in = DEC(L64, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08);
	ck_assert_uint_eq(in.map, 3);
	ck_assert_uint_eq(in.imm, 8);
	ck_assert_uint_eq(in.imm_size, 1);

	in = DEC(L64, 0x0f, 0x84, 0xfe, 0xff, 0xff, 0xff);
	ck_assert_uint_eq(in.map, 1);
	ck_assert_uint_eq(in.opcode, 0x84);
	ck_assert_uint_eq(in.imm, 0xfffffffeu);
	ck_assert_uint_eq(in.imm_size, 4);

	in = DEC(L64, 0xc8, 0x10, 0x00, 0x02);
	ck_assert_uint_eq(in.imm, 0x10);
	ck_assert_uint_eq(in.imm_size, 2);
	ck_assert_uint_eq(in.imm2, 2);
	ck_assert_uint_eq(in.imm2_size, 1);

	in = DEC(P32, 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00);
	ck_assert_uint_eq(in.imm, 0x12345678);
	ck_assert_uint_eq(in.imm2, 8);

	in = DEC(R, 0x8b, 0x86, 0xfe, 0xff);
	ck_assert_int_eq(in.disp, -2);
	ck_assert_uint_eq(in.disp_size, 2);

	in = DEC(L64, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x80);
	ck_assert(in.has_sib);
	ck_assert_uint_eq(in.sib, 0x25);
	ck_assert_int_eq(in.disp, (int64_t)(int32_t)0x80000000u);
	ck_assert_uint_eq(in.disp_size, 4);

	/* last segment override / last of F2/F3 wins */
	in = DEC(P32, 0x2e, 0x64, 0xf2, 0xf3, 0xa4);
	ck_assert_int_eq(in.seg, X86_SEG_FS);
	ck_assert(in.rep && !in.repne);

	/* decoder doesn't write *out on failure, and never reads past avail:
	 * give it a buffer that ends exactly at a page-like boundary */
	uint8_t *heap = malloc(2);
	heap[0] = 0x48;
	heap[1] = 0xb8;
	memset(&in, 0xaa, sizeof(in));
	ck_assert_int_eq(x86_decode(heap, 2, L64, &in), -1);
	ck_assert_uint_eq(in.len, 0xaa);
	free(heap);
	ck_assert_int_eq(x86_decode(NULL, 0, L64, &in), -1);
	ck_assert_int_eq(x86_decode((const uint8_t *)"", 0, L64, &in), -1);
}
END_TEST

struct io_case {
	enum x86_mode mode;
	uint8_t n, b[4];
	bool in, string, rep, dx;
	uint8_t size, port;
};

/* clang-format off */
static const struct io_case io_cases[] = {
	{ P32, 2, {0xe4, 0x60}, true, false, false, false, 1, 0x60 },
	{ P32, 2, {0xe5, 0x71}, true, false, false, false, 4, 0x71 },
	{ P32, 3, {0x66, 0xe5, 0x71}, true, false, false, false, 2, 0x71 },
	{ P32, 2, {0xe6, 0x80}, false, false, false, false, 1, 0x80 },
	{ P32, 2, {0xe7, 0x80}, false, false, false, false, 4, 0x80 },
	{ P32, 3, {0x66, 0xe7, 0x80}, false, false, false, false, 2, 0x80 },
	{ P32, 1, {0xec}, true, false, false, true, 1, 0 },
	{ P32, 1, {0xed}, true, false, false, true, 4, 0 },
	{ P32, 2, {0x66, 0xed}, true, false, false, true, 2, 0 },
	{ P32, 1, {0xee}, false, false, false, true, 1, 0 },
	{ P32, 1, {0xef}, false, false, false, true, 4, 0 },
	{ P32, 2, {0x66, 0xef}, false, false, false, true, 2, 0 },
	{ P32, 1, {0x6c}, true, true, false, true, 1, 0 },
	{ P32, 2, {0xf3, 0x6c}, true, true, true, true, 1, 0 },
	{ P32, 1, {0x6d}, true, true, false, true, 4, 0 },
	{ P32, 3, {0xf3, 0x66, 0x6d}, true, true, true, true, 2, 0 },
	{ P32, 1, {0x6e}, false, true, false, true, 1, 0 },
	{ P32, 3, {0x67, 0xf3, 0x6e}, false, true, true, true, 1, 0 },
	{ P32, 1, {0x6f}, false, true, false, true, 4, 0 },
	{ P32, 3, {0xf3, 0x66, 0x6f}, false, true, true, true, 2, 0 },
	{ R,   1, {0xed}, true, false, false, true, 2, 0 },
	{ R,   2, {0x66, 0xed}, true, false, false, true, 4, 0 },
	{ R,   2, {0xe5, 0x40}, true, false, false, false, 2, 0x40 },
	{ R,   2, {0xf3, 0x6d}, true, true, true, true, 2, 0 },
	{ P16, 3, {0xf3, 0x66, 0x6f}, false, true, true, true, 4, 0 },
	{ L64, 1, {0xed}, true, false, false, true, 4, 0 },
	{ L64, 2, {0x48, 0xed}, true, false, false, true, 4, 0 },
	{ L64, 2, {0x66, 0xef}, false, false, false, true, 2, 0 },
	{ L64, 2, {0xe7, 0xff}, false, false, false, false, 4, 0xff },
	{ L64, 3, {0xf3, 0x48, 0x6f}, false, true, true, true, 4, 0 },
	{ L64, 3, {0x67, 0xf3, 0x6c}, true, true, true, true, 1, 0 },
};
/* clang-format on */

START_TEST(test_io)
{
	const struct io_case *c = &io_cases[_i];
	struct x86_insn in;
	struct x86_io io;
	ck_assert_int_eq(x86_decode(c->b, c->n, c->mode, &in), 0);
	ck_assert_uint_eq(in.len, c->n);
	ck_assert(x86_insn_is_io(&in, &io));
	ck_assert_int_eq(io.in, c->in);
	ck_assert_int_eq(io.string, c->string);
	ck_assert_int_eq(io.rep, c->rep);
	ck_assert_int_eq(io.port_is_dx, c->dx);
	ck_assert_uint_eq(io.size, c->size);
	if (!c->dx)
		ck_assert_uint_eq(io.imm_port, c->port);
	ck_assert(!x86_insn_is_hlt(&in));
}
END_TEST

START_TEST(test_special)
{
	struct x86_insn in;
	struct x86_io io;

	in = DEC(L64, 0xf4);
	ck_assert(x86_insn_is_hlt(&in));
	ck_assert(!x86_insn_is_io(&in, &io));
	ck_assert(!x86_insn_is_cpuid(&in));
	in = DEC(R, 0xf4);
	ck_assert(x86_insn_is_hlt(&in));

	in = DEC(L64, 0x0f, 0x32);
	ck_assert(x86_insn_is_rdmsr(&in));
	ck_assert(!x86_insn_is_wrmsr(&in));
	in = DEC(P32, 0x0f, 0x30);
	ck_assert(x86_insn_is_wrmsr(&in));
	ck_assert(!x86_insn_is_rdmsr(&in));
	in = DEC(L64, 0x0f, 0xa2);
	ck_assert(x86_insn_is_cpuid(&in));
	ck_assert(!x86_insn_is_hlt(&in));
	in = DEC(R, 0x0f, 0xa2);
	ck_assert(x86_insn_is_cpuid(&in));

	/* same opcode bytes in another map are not matches */
	in = DEC(L64, 0x0f, 0x38, 0x32, 0xc0); /* pmovzxbq */
	ck_assert(!x86_insn_is_rdmsr(&in));
	in = DEC(L64, 0xa2, 1, 2, 3, 4, 5, 6, 7, 8); /* mov moffs,al */
	ck_assert(!x86_insn_is_cpuid(&in));
	in = DEC(L64, 0x0f, 0xe4, 0xc0); /* pmulhuw, not IN */
	ck_assert(!x86_insn_is_io(&in, &io));
}
END_TEST

/* Hostile input: decode random bytes in every mode; every success must be
 * self-consistent and within bounds. */
START_TEST(test_fuzz)
{
	uint32_t seed = 12345;
	uint8_t buf[32];
	for (int iter = 0; iter < 200000; iter++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (uint8_t)(seed >> 16);
		}
		/* bias towards prefixes */
		if (iter & 1)
			buf[0] = (uint8_t[]){ 0x66, 0x67, 0xf3, 0x48, 0x0f, 0x2e }[iter % 6];
		size_t avail = (size_t)(seed >> 8) % 20;
		enum x86_mode mode = (enum x86_mode)(iter & 3);
		struct x86_insn in;
		/* exact-size heap copy so sanitizers catch any over-read */
		uint8_t *h = malloc(avail ? avail : 1);
		ck_assert_ptr_nonnull(h);
		memcpy(h, buf, avail);
		int r = x86_decode(h, avail, mode, &in);
		free(h);
		if (r == 0) {
			ck_assert(in.len >= 1 && in.len <= 15 && in.len <= avail);
			ck_assert(in.nprefix < in.len);
			struct x86_ea ea;
			struct x86_io io;
			bool a, b;
			uint64_t regs[16] = { 0 };
			(void)x86_insn_modrm_ea(&in, regs, 0, &ea);
			(void)x86_insn_string_ea(&in, regs, &a, &ea, &b, &ea);
			(void)x86_insn_is_io(&in, &io);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x86_insn");
	TCase *tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_lengths, 0, (int)(sizeof(len_cases) / sizeof(len_cases[0])));
	tcase_add_test(tc, test_fields);
	tcase_add_loop_test(tc, test_io, 0, (int)(sizeof(io_cases) / sizeof(io_cases[0])));
	tcase_add_test(tc, test_special);
	tcase_add_test(tc, test_fuzz);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	return check_run(s);
}
