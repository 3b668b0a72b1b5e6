/* SPDX-License-Identifier: MIT */
/*
 * MOV to/from CR8 executed by the guest. CR8 is the LAPIC's task priority
 * (TPR[7:4], Intel SDM vol. 3A 10.8.6.5); 64-bit Windows changes it on
 * every IRQL change. The engine's helper only keeps a private copy for its
 * SVM model and reads back 0 (Unicorn 2.1.1 misc_helper.c helper_read_crN/
 * helper_write_crN), so the step engine's code hook and the SVM engine's
 * CR8 intercepts emulate the instruction instead.
 */
#include "internal.h"
#include "lapic.h"

int x86_cr8_move(struct emu_vp *vp, bool write, int gpr)
{
	if (write) {
		uint64_t v = regs_gpr(vp, gpr);
		/* Bits 63:4 are reserved (SDM vol. 2B MOV CR: #GP(0)). */
		if (v & ~0xfull)
			return 13;
		lapic_set_cr8(vp, v);
	} else {
		regs_set_gpr(vp, gpr, lapic_get_cr8(vp));
	}
	return 0;
}

int x86_mov_cr8(struct emu_vp *vp, const uint8_t *p, unsigned op, unsigned size)
{
	uint64_t cs = 0;

	/* REX.R selects CR8 (only in 64-bit mode, where REX exists). */
	if (op == 0 || (p[op - 1] & 0xf4) != 0x44 || op + 2 >= size)
		return -1;
	uint8_t modrm = p[op + 2];
	if ((modrm >> 3) & 7)
		return -1;	/* CR9-CR15: the engine's #UD */
	/* CPL != 0: left to the engine (#GP). */
	uc_reg_read(vp->pt->eng.uc, UC_X86_REG_CS, &cs);
	if (cs & 3)
		return -1;
	int rm = (modrm & 7) | ((p[op - 1] & 1) << 3);
	int r = x86_cr8_move(vp, p[op + 1] == 0x22, rm);
	if (r)
		return r;
	/* Writing RIP from the code hook makes the engine resume there. */
	regs_set_rip(vp, regs_rip(vp) + size);
	return 0;
}
