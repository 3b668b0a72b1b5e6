/* SPDX-License-Identifier: MIT */
#include "code_tlb.h"
#include "memory.h"
#include "util.h"

static bool same_regs(const struct code_tlb_entry *c, const struct x86_mmu *m)
{
	return c->cr0 == m->cr0 && c->cr3 == m->cr3 && c->cr4 == m->cr4 && c->efer == m->efer;
}

/* Whether every entry the walk read still holds what it held. */
static bool walk_unchanged(struct emu_partition *pt, const struct x86_walk *w)
{
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t v = 0;
		if (mem_read_phys(pt, w->gpa[i], &v, w->size) || v != w->val[i])
			return false;
	}
	return true;
}

bool code_tlb_read(struct code_tlb *t, struct emu_partition *pt, const struct x86_mmu *m,
		   uint64_t lin, uint8_t *buf, size_t n)
{
	uint64_t lpage = lin >> 12, off = lin & (EMU_PAGE - 1);
	struct code_tlb_entry *c = &t->e[lpage % CODE_TLB_WAYS];

	if (off + n > EMU_PAGE)
		return false;
	if (!c->valid || c->lpage != lpage || !same_regs(c, m) || !walk_unchanged(pt, &c->w)) {
		uint64_t gpa;
		c->valid = false;
		if (x86_mmu_translate_walk(m, lpage << 12, 0, &gpa, NULL, &c->w) != X86_XLATE_OK)
			return false;
		c->lpage = lpage;
		c->gpage = gpa >> 12;
		c->cr0 = m->cr0;
		c->cr3 = m->cr3;
		c->cr4 = m->cr4;
		c->efer = m->efer;
		c->valid = true;
	}
	const uint8_t *host = mem_host(pt, c->gpage << 12, EMU_PAGE, false);
	if (!host)
		return false;
	/* An instruction's bytes: a loop, not a call to memcpy. */
	for (size_t i = 0; i < n; i++)
		buf[i] = host[off + i];
	return true;
}
