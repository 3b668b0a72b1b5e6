/* SPDX-License-Identifier: MIT */
/*
 * x86_mmu.c - guest page-table walker.  See x86_mmu.h.
 */
#include "x86_mmu.h"

#include <stdbool.h>
#include <string.h>

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A  (1ull << 5)
#define PTE_D  (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

#define ADDR_MASK_52 0x000ffffffffff000ull /* bits 51:12 (MAXPHYADDR = 52) */
#define PAE_HI_RSVD  0x7ff0000000000000ull /* bits 62:52, reserved in PAE entries */
#define PAGE_SIZE    4096u

#define MAX_LEVELS 6

static int read_entry(const struct x86_mmu *m, uint64_t addr, unsigned size, uint64_t *e)
{
	uint8_t b[8];
	if (!m->read_phys || m->read_phys(m->opaque, addr, b, size) != 0)
		return -1;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	*e = v;
	return 0;
}

static uint64_t bits(unsigned hi, unsigned lo)
{
	return ((hi >= 63) ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}

enum x86_xlate x86_mmu_translate(const struct x86_mmu *m, uint64_t gva, unsigned access,
				 uint64_t *gpa, uint32_t *pf_error)
{
	return x86_mmu_translate_walk(m, gva, access, gpa, pf_error, NULL);
}

enum x86_xlate x86_mmu_translate_walk(const struct x86_mmu *m, uint64_t gva, unsigned access,
				      uint64_t *gpa, uint32_t *pf_error, struct x86_walk *w)
{
	uint32_t dummy_pf;
	uint64_t dummy_gpa;
	if (!pf_error)
		pf_error = &dummy_pf;
	if (!gpa)
		gpa = &dummy_gpa;
	*pf_error = 0;
	if (!m)
		return X86_XLATE_GPA_UNMAPPED;

	const bool write = access & X86_ACC_WRITE;
	const bool user = access & X86_ACC_USER;
	const bool exec = access & X86_ACC_EXEC;

	if (!(m->cr0 & X86_CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		if (w)
			w->n = 0;
		return X86_XLATE_OK;
	}

	const bool lm = (m->efer & X86_EFER_LMA) != 0;
	const bool pae = lm || (m->cr4 & X86_CR4_PAE);
	const bool nxe = pae && (m->efer & X86_EFER_NXE);
	const bool smep = (m->cr4 & X86_CR4_SMEP) != 0;
	const bool smap = (m->cr4 & X86_CR4_SMAP) != 0;

	const uint32_t pf_base = (write ? X86_PF_W : 0) | (user ? X86_PF_U : 0) |
				 ((exec && (nxe || smep)) ? X86_PF_I : 0);

	/* Walk description. */
	uint64_t ent_addr[MAX_LEVELS];
	uint64_t ent_val[MAX_LEVELS];
	bool ent_has_a[MAX_LEVELS];
	unsigned nent = 0;

	bool rw = true, us = true, nx = false;
	uint64_t page_base = 0, page_size = PAGE_SIZE;

	if (!pae) {
		/* 32-bit 2-level paging */
		gva &= 0xffffffffull;
		uint64_t table = m->cr3 & 0xfffff000ull;
		for (int lvl = 1; lvl >= 0; lvl--) {
			unsigned shift = lvl ? 22 : 12;
			uint64_t a = table + ((gva >> shift) & 0x3ff) * 4;
			uint64_t e;
			if (read_entry(m, a, 4, &e)) {
				*gpa = a;
				return X86_XLATE_GPA_UNMAPPED;
			}
			if (!(e & PTE_P)) {
				*pf_error = pf_base;
				return X86_XLATE_PAGE_NOT_PRESENT;
			}
			bool leaf = lvl == 0 || ((e & PTE_PS) && (m->cr4 & X86_CR4_PSE));
			if (lvl == 1 && leaf && (e & (1ull << 21))) {
				*pf_error = pf_base | X86_PF_P | X86_PF_RSVD;
				return X86_XLATE_INVALID_PAGE_TABLE_FLAGS;
			}
			rw = rw && (e & PTE_RW);
			us = us && (e & PTE_US);
			ent_addr[nent] = a;
			ent_val[nent] = e;
			ent_has_a[nent] = true;
			nent++;
			if (leaf) {
				if (lvl == 1) {
					page_size = 4u << 20;
					page_base = (e & 0xffc00000ull) |
						    (((e >> 13) & 0xff) << 32); /* PSE-36 */
				} else {
					page_base = e & 0xfffff000ull;
				}
				break;
			}
			table = e & 0xfffff000ull;
		}
	} else {
		uint64_t table;
		int top;
		if (lm) {
			unsigned vbits = (m->cr4 & X86_CR4_LA57) ? 57 : 48;
			int64_t s = (int64_t)(gva << (64 - vbits)) >> (64 - vbits);
			if ((uint64_t)s != gva)
				return X86_XLATE_PAGE_NOT_PRESENT; /* non-canonical: pf_error 0 */
			top = (m->cr4 & X86_CR4_LA57) ? 4 : 3;
			table = m->cr3 & ADDR_MASK_52;
		} else {
			/* PAE: PDPTE selected by bits 31:30 from the 32-byte aligned table at CR3 */
			gva &= 0xffffffffull;
			uint64_t a = (m->cr3 & 0xffffffe0ull) + ((gva >> 30) & 3) * 8;
			uint64_t e;
			if (read_entry(m, a, 8, &e)) {
				*gpa = a;
				return X86_XLATE_GPA_UNMAPPED;
			}
			if (!(e & PTE_P)) {
				*pf_error = pf_base;
				return X86_XLATE_PAGE_NOT_PRESENT;
			}
			if (e & (PTE_NX | PAE_HI_RSVD | 0x1e6ull)) {
				*pf_error = pf_base | X86_PF_P | X86_PF_RSVD;
				return X86_XLATE_INVALID_PAGE_TABLE_FLAGS;
			}
			ent_addr[nent] = a;
			ent_val[nent] = e;
			ent_has_a[nent] = false;
			nent++;
			top = 1;
			table = e & ADDR_MASK_52;
		}
		for (int lvl = top; lvl >= 0; lvl--) {
			unsigned shift = 12 + 9 * (unsigned)lvl;
			uint64_t a = table + ((gva >> shift) & 0x1ff) * 8;
			uint64_t e;
			if (read_entry(m, a, 8, &e)) {
				*gpa = a;
				return X86_XLATE_GPA_UNMAPPED;
			}
			if (!(e & PTE_P)) {
				*pf_error = pf_base;
				return X86_XLATE_PAGE_NOT_PRESENT;
			}
			uint64_t rsvd = nxe ? 0 : PTE_NX;
			if (!lm)
				rsvd |= PAE_HI_RSVD;
			bool leaf = lvl == 0;
			if (lvl >= 3) {
				rsvd |= PTE_PS; /* PS reserved in PML4E/PML5E */
			} else if ((lvl == 2 && lm) || lvl == 1) {
				if (e & PTE_PS) {
					leaf = true;
					rsvd |= bits(shift - 1,
						     13); /* 1 GiB: 29:13, 2 MiB: 20:13 */
				}
			}
			if (e & rsvd) {
				*pf_error = pf_base | X86_PF_P | X86_PF_RSVD;
				return X86_XLATE_INVALID_PAGE_TABLE_FLAGS;
			}
			rw = rw && (e & PTE_RW);
			us = us && (e & PTE_US);
			nx = nx || (nxe && (e & PTE_NX));
			ent_addr[nent] = a;
			ent_val[nent] = e;
			ent_has_a[nent] = true;
			nent++;
			if (leaf) {
				page_size = 1ull << shift;
				page_base = e & ADDR_MASK_52 & ~(page_size - 1);
				break;
			}
			table = e & ADDR_MASK_52;
		}
	}

	/* Permission checks on the combined rights. */
	bool viol = false;
	if (user) {
		if (!us || (write && !rw))
			viol = true;
	} else {
		if (write && !rw && (m->cr0 & X86_CR0_WP))
			viol = true;
		if (exec && us && smep)
			viol = true;
		if (!exec && us && smap && !(access & X86_ACC_NO_SMAP))
			viol = true;
	}
	if (exec && nx)
		viol = true;
	if (viol) {
		*pf_error = pf_base | X86_PF_P;
		return X86_XLATE_PRIVILEGE_VIOLATION;
	}

	if ((access & X86_ACC_SET_AD) && m->write_phys) {
		for (unsigned i = 0; i < nent; i++) {
			if (!ent_has_a[i])
				continue;
			uint8_t lo = (uint8_t)ent_val[i];
			uint8_t nv = lo | (uint8_t)PTE_A;
			if (i == nent - 1 && write)
				nv |= (uint8_t)PTE_D;
			if (nv != lo)
				(void)m->write_phys(m->opaque, ent_addr[i], &nv, 1);
		}
	}

	*gpa = page_base | (gva & (page_size - 1));
	if (w) {
		w->n = nent;
		for (unsigned i = 0; i < nent; i++) {
			w->gpa[i] = ent_addr[i];
			w->val[i] = ent_val[i];
		}
		w->size = pae ? 8 : 4;
	}
	return X86_XLATE_OK;
}

size_t x86_mmu_read_virt(const struct x86_mmu *m, uint64_t gva, void *buf, size_t len,
			 unsigned access)
{
	uint8_t *out = buf;
	size_t done = 0;
	if (!m || !m->read_phys || (!out && len))
		return 0;
	while (done < len) {
		uint64_t va = gva + done;
		uint64_t gpa;
		if (x86_mmu_translate(m, va, access, &gpa, NULL) != X86_XLATE_OK)
			break;
		size_t chunk = PAGE_SIZE - (size_t)(va & (PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (m->read_phys(m->opaque, gpa, out + done, chunk) != 0) {
			/* find the exact point of failure within this page */
			size_t i = 0;
			while (i < chunk &&
			       m->read_phys(m->opaque, gpa + i, out + done + i, 1) == 0)
				i++;
			return done + i;
		}
		done += chunk;
	}
	return done;
}
