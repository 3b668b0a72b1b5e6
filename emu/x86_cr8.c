/* SPDX-License-Identifier: MIT */
/*
 * MOV to/from CR8 executed by the guest. CR8 is the LAPIC's task priority
 * (TPR[7:4], Intel SDM vol. 3A 10.8.6.5); 64-bit Windows changes it on
 * every IRQL change. The engine's helper only keeps a private copy for its
 * SVM model and reads back 0 (Unicorn 2.1.1 misc_helper.c helper_read_crN/
 * helper_write_crN), so the code hook emulates the instruction instead.
 */
#include "internal.h"
#include "lapic.h"

bool x86_mov_cr8(struct emu_vp *vp, const uint8_t *p, unsigned op, unsigned size)
{
	uint64_t cs = 0;

	/* REX.R selects CR8 (only in 64-bit mode, where REX exists). */
	if (op == 0 || (p[op - 1] & 0xf4) != 0x44 || op + 2 >= size)
		return false;
	uint8_t modrm = p[op + 2];
	if ((modrm >> 3) & 7)
		return false;	/* CR9-CR15: the engine's #UD */
	/* CPL != 0 or reserved bits: left to the engine (#GP / ignored). */
	uc_reg_read(vp->pt->eng.uc, UC_X86_REG_CS, &cs);
	if (cs & 3)
		return false;
	int rm = (modrm & 7) | ((p[op - 1] & 1) << 3);
	if (p[op + 1] == 0x22) {
		uint64_t v = regs_gpr(vp, rm);
		if (v & ~0xfull)
			return false;
		lapic_set_cr8(vp, v);
	} else {
		regs_set_gpr(vp, rm, lapic_get_cr8(vp));
	}
	/* Writing RIP from the code hook makes the engine resume there. */
	regs_set_rip(vp, regs_rip(vp) + size);
	return true;
}
