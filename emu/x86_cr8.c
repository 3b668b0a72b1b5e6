/* SPDX-License-Identifier: MIT */
/*
 * MOV to/from CR8 executed by the guest. CR8 is the LAPIC's task priority
 * (TPR[7:4], Intel SDM vol. 3A 10.8.6.5); 64-bit Windows changes it on
 * every IRQL change. The engine's helper only keeps a private copy for its
 * SVM model and reads back 0 (Unicorn 2.1.1 misc_helper.c helper_read_crN/
 * helper_write_crN), so the engine's CR8 intercepts (svm_exit.c) emulate
 * the instruction instead.
 */
#include "vp.h"
#include "regs.h"
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
