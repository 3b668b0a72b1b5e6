/* SPDX-License-Identifier: MIT */
/*
 * SVM engine, host side: the structures QEMU's SVM emulation reads (VMCB,
 * MSR permission map, nested page tables, a "vmrun" stub) live in a
 * host-only physical area that no guest slot may overlap and the nested
 * page tables never map, so the guest cannot see or touch them.
 *
 * Facts this relies on (Unicorn 2.1.1, qemu/target/i386/svm_helper.c):
 * helper_vmrun loads ES/CS/SS/DS, GDTR/IDTR, CR0/CR2/CR3/CR4, EFER, RFLAGS,
 * RIP, RSP, RAX, DR6/DR7 from the VMCB and copies the intercept bitmaps
 * and nested CR3 into the CPU state; everything else (FS/GS/TR/LDTR, the
 * other GPRs and MSRs) stays as it was. cpu_vmexit only restores the
 * guest state of the intercepted instruction and raises exception
 * 0x100 + exit code, which Unicorn hands to UC_HOOK_INTR: no world switch
 * ever happens, the CPU stays in guest mode, and all of that state is
 * inside the uc_context blob (up to CPUX86State.retaddr), so saving and
 * restoring a VP's context keeps its guest mode.
 */
#include "util.h"
#include "memory.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "msr.h"
#include "lapic.h"
#include "dirty.h"
#include "rawenv.h"
#include "svm.h"

#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Host-only area: just below 1 TiB (the CPU model's 40 physical address
 * bits; nested table entries above that are reserved-bit faults). */
#define H_SIZE (64ull << 20)
#define H_PA ((1ull << 40) - H_SIZE)
#define H_STUB 0x0000
#define H_VMCB 0x1000
#define H_HSAVE 0x2000
#define H_PML4 0x3000
#define H_PDPT 0x4000
#define H_PD 0x5000
#define H_MSRPM 0x6000		/* 8 KiB */
#define H_IOPM 0x8000		/* 12 KiB */
#define H_NPT 0x10000		/* nested page table pool */
#define NPT_PAGES ((H_SIZE - H_NPT) / EMU_PAGE)

/* VMCB offsets (AMD APM vol. 2, appendix B) */
#define VC_INTERCEPT_CR 0x000	/* u16 reads, u16 writes */
#define VC_INTERCEPT_EXC 0x008
#define VC_INTERCEPT 0x00c
#define VC_IOPM 0x040
#define VC_MSRPM 0x048
#define VC_ASID 0x058
#define VC_INT_STATE 0x068
#define VC_EXIT_INFO_2 0x080
#define VC_NESTED_CTL 0x090
#define VC_NESTED_CR3 0x0b0
#define VS_ES 0x400		/* es, cs, ss, ds: 16 bytes each */
#define VS_GDTR 0x460
#define VS_IDTR 0x480
#define VS_EFER 0x4d0
#define VS_CR4 0x548
#define VS_CR3 0x550
#define VS_CR0 0x558
#define VS_DR7 0x560
#define VS_DR6 0x568
#define VS_RFLAGS 0x570
#define VS_RIP 0x578
#define VS_RSP 0x5d8
#define VS_RAX 0x5f8
#define VS_CR2 0x640
#define VS_GPAT 0x668

#define ICPT(code) (1ull << ((code) - 0x60))
#define EFER_SVME (1ull << 12)
#define MSR_VM_HSAVE_PA 0xc0010117u

#define NPT_P 1ull
#define NPT_RW 2ull
#define NPT_US 4ull
#define NPT_PS 0x80ull
#define NPT_NX (1ull << 63)
#define NPT_ADDR 0x000ffffffffff000ull

struct svm_host {
	uint8_t *mem;
	size_t npt_used;		/* pool pages in use (root = 0) */
	uc_context *ctx;		/* scratch for entry and exits */
	uint8_t root_copy[EMU_PAGE];
	uint8_t msr_byte;		/* svm_msr_open: saved map byte */
	uint64_t msr_sig;		/* VMM intercepts the map reflects */
};

static uint8_t *hp(struct svm_host *h, uint64_t off) { return h->mem + off; }
static void put64(struct svm_host *h, uint64_t off, uint64_t v) { memcpy(hp(h, off), &v, 8); }
static void put32(struct svm_host *h, uint64_t off, uint32_t v) { memcpy(hp(h, off), &v, 4); }

uint64_t svm_exit_info_2(struct emu_partition *pt)
{
	uint64_t v;

	memcpy(&v, hp(pt->eng.svm, H_VMCB + VC_EXIT_INFO_2), 8);
	return v;
}

bool svm_gpa_ok(const struct emu_partition *pt, uint64_t gpa, uint64_t size)
{
	(void)pt;
	return gpa < H_PA && size <= H_PA - gpa;
}

/* --- nested page tables --- */

/* The table below *entry, made if absent. A leaf there (1 GiB with child
 * 2 MiB, 2 MiB with child 4 KiB) is first split into 512 entries of child
 * bytes that map and allow the same. */
static uint64_t *npt_table(struct svm_host *h, uint64_t *entry, uint64_t child)
{
	if (!(*entry & NPT_P) || (*entry & NPT_PS)) {
		if (h->npt_used >= NPT_PAGES)
			return NULL;
		uint64_t off = H_NPT + h->npt_used++ * EMU_PAGE;
		uint64_t *t = (uint64_t *)hp(h, off);
		if (*entry & NPT_P) {
			uint64_t base = *entry & NPT_ADDR & ~(child * 512 - 1);
			uint64_t perm = *entry & (NPT_P | NPT_RW | NPT_US | NPT_NX);
			uint64_t ps = child > EMU_PAGE ? NPT_PS : 0;
			for (unsigned i = 0; i < 512; i++)
				t[i] = (base + i * child) | perm | ps;
		} else {
			memset(t, 0, EMU_PAGE);
		}
		*entry = (H_PA + off) | NPT_P | NPT_RW | NPT_US;
	}
	return (uint64_t *)hp(h, (*entry & NPT_ADDR) - H_PA);
}

#define NPT_1G (1ull << 30)
#define NPT_2M (2ull << 20)

/* A slot's nested permissions. */
static uint64_t region_perm(const struct emu_region *r)
{
	uint64_t perm = NPT_P | NPT_US;

	if (r->flags & EMU_MEM_WRITABLE)
		perm |= NPT_RW;
	if (!(r->flags & EMU_MEM_EXECUTABLE))
		perm |= NPT_NX;
	return perm;
}

/* What dirty tracking leaves of perm (dirty.h): a page not accessed is
 * not present, a page not dirty is read-only. */
static uint64_t tracked_perm(uint64_t perm, unsigned st)
{
	if (!(st & DIRTY_STATE_ACCESSED))
		return 0;
	return st & DIRTY_STATE_DIRTY ? perm : perm & ~NPT_RW;
}

/* A leaf of chunk bytes for gpa at *entry, if the chunk is aligned, whole
 * inside the range and (when tracked) in one state: true if placed. */
static bool npt_leaf(struct emu_partition *p, uint64_t *entry, uint64_t gpa, uint64_t size,
		     uint64_t chunk, uint64_t perm, bool tracked)
{
	bool uniform = true;
	unsigned st = DIRTY_STATE_ACCESSED | DIRTY_STATE_DIRTY;

	if ((gpa & (chunk - 1)) || size < chunk)
		return false;
	if (tracked)
		st = dirty_range_state(p, gpa, chunk, &uniform);
	if (!uniform)
		return false;
	uint64_t q = tracked_perm(perm, st);
	*entry = q ? gpa | q | (chunk > EMU_PAGE ? NPT_PS : 0) : 0;
	return true;
}

/* Maps [gpa, gpa+size) to itself: 1 GiB and 2 MiB leaves where a whole
 * aligned chunk is inside the range (and, when tracked, in one state), 4
 * KiB leaves elsewhere. Each level a leaf saves is one read less in every
 * nested walk, i.e. in each of a guest page walk's steps. */
static int npt_map(struct emu_partition *p, uint64_t gpa, uint64_t size, uint64_t perm,
		   bool tracked)
{
	struct svm_host *h = p->eng.svm;
	uint64_t *root = (uint64_t *)hp(h, H_NPT);

	while (size) {
		uint64_t *pdpt = npt_table(h, &root[(gpa >> 39) & 511], NPT_1G);
		if (!pdpt)
			return -ENOMEM;
		uint64_t *pdpte = &pdpt[(gpa >> 30) & 511], step = NPT_1G;
		if (!npt_leaf(p, pdpte, gpa, size, NPT_1G, perm, tracked)) {
			uint64_t *pd = npt_table(h, pdpte, NPT_2M);
			if (!pd)
				return -ENOMEM;
			uint64_t *pde = &pd[(gpa >> 21) & 511];
			step = NPT_2M;
			if (!npt_leaf(p, pde, gpa, size, NPT_2M, perm, tracked)) {
				uint64_t *pt = npt_table(h, pde, EMU_PAGE);
				if (!pt)
					return -ENOMEM;
				npt_leaf(p, &pt[(gpa >> 12) & 511], gpa, size, EMU_PAGE, perm,
					 tracked);
				step = EMU_PAGE;
			}
		}
		gpa += step, size -= step;
	}
	return 0;
}

static int npt_build(struct emu_partition *pt, bool tracked)
{
	struct svm_host *h = pt->eng.svm;
	int rc = 0;

	h->npt_used = 1;
	memset(hp(h, H_NPT), 0, EMU_PAGE);
	for (size_t i = 0; i < pt->nregions && !rc; i++) {
		const struct emu_region *r = &pt->regions[i];
		rc = npt_map(pt, r->gpa, r->size, region_perm(r), tracked);
	}
	return rc;
}

int svm_npt_sync(struct emu_partition *pt)
{
	bool tracked = dirty_tracking(pt);
	int rc;

	if (!pt->eng.svm)
		return 0;
	pt->eng.npt_stale = false;
	rc = npt_build(pt, tracked);
	if (rc && tracked) {
		/* Page-sized entries did not fit: open every page again. */
		dirty_forget(pt);
		rc = npt_build(pt, false);
	}
	/* The xAPIC page is Unicorn MMIO, mapped in the nested tables only
	 * for the one instruction that touches it (svm_npt_lapic). */
	if (!rc && pt->lapic.mmio_mapped) {
		rc = npt_map(pt, EMU_APIC_DEFAULT_BASE, EMU_PAGE, NPT_P | NPT_RW | NPT_US | NPT_NX,
			     false);
		if (!rc)
			svm_npt_lapic(pt, false);
	}
	uc_ctl_flush_tlb(pt->eng.uc);
	return rc;
}

/* One page's entry after its tracking state changed (dirty_npf). It only
 * ever opens the page further, so no translation the engine cached is
 * wrong. Leaves above it are split into entries like them (npt_table). */
int svm_npt_page(struct emu_partition *pt, const struct emu_region *r, uint64_t gpa)
{
	struct svm_host *h = pt->eng.svm;
	uint64_t *root = (uint64_t *)hp(h, H_NPT);
	bool uniform;

	gpa &= ~(EMU_PAGE - 1);
	uint64_t *pdpt = npt_table(h, &root[(gpa >> 39) & 511], NPT_1G);
	uint64_t *pd = pdpt ? npt_table(h, &pdpt[(gpa >> 30) & 511], NPT_2M) : NULL;
	if (!pd)
		return -ENOMEM;
	uint64_t *pde = &pd[(gpa >> 21) & 511];
	uint64_t *t = npt_table(h, pde, EMU_PAGE);
	if (!t)
		return -ENOMEM;
	uint64_t q = tracked_perm(region_perm(r), dirty_range_state(pt, gpa, EMU_PAGE, &uniform));
	t[(gpa >> 12) & 511] = q ? gpa | q : 0;
	return 0;
}

/* The xAPIC page's nested entry (its table exists: svm_npt_sync). */
void svm_npt_lapic(struct emu_partition *pt, bool present)
{
	struct svm_host *h = pt->eng.svm;
	uint64_t g = EMU_APIC_DEFAULT_BASE, *t = (uint64_t *)hp(h, H_NPT);

	for (int lvl = 3; lvl > 0; lvl--) {
		uint64_t e = t[(g >> (12 + 9 * lvl)) & 511];
		if (!(e & NPT_P) || (e & NPT_PS))
			return;
		t = (uint64_t *)hp(h, (e & NPT_ADDR) - H_PA);
	}
	if (present)
		t[(g >> 12) & 511] |= NPT_P;
	else
		t[(g >> 12) & 511] &= ~NPT_P;
	uc_ctl_flush_tlb(pt->eng.uc);
}

/* --- MSR permission map --- */

/* Byte and bit of an MSR's read bit in the map, or -1 if the MSR is
 * outside the three ranges (QEMU then always exits). */
static long msrpm_bit(uint32_t msr)
{
	if (msr <= 0x1fff)
		return (long)msr * 2;
	if (msr - 0xc0000000u <= 0x1fff)
		return (long)(0x2000 + msr - 0xc0000000u) * 2;
	if (msr - 0xc0010000u <= 0x1fff)
		return (long)(0x4000 + msr - 0xc0010000u) * 2;
	return -1;
}

static void msrpm_set(struct svm_host *h, uint32_t msr, bool rd, bool wr)
{
	long b = msrpm_bit(msr);
	uint8_t *m = hp(h, H_MSRPM);

	if (b < 0)
		return;
	m[b / 8] &= (uint8_t)~(3u << (b % 8));
	m[b / 8] |= (uint8_t)(((rd ? 1u : 0) | (wr ? 2u : 0)) << (b % 8));
}

static const uint32_t native_msrs[] = {
	0x10, 0x174, 0x175, 0x176, 0x277, 0xc0000080, 0xc0000081, 0xc0000082,
	0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
};

void svm_msrpm_refresh(struct emu_vp *vp)
{
	struct emu_partition *pt = vp->pt;
	struct svm_host *h = pt->eng.svm;
	uint64_t sig = pt->nintercept_msr * 0x9e3779b97f4a7c15ull ^ pt->intercept_msr_all;

	for (size_t i = 0; i < pt->nintercept_msr; i++)
		sig = sig * 31 + ((uint64_t)pt->intercept_msr[i] << 8 ^ pt->intercept_msr_access[i]);
	if (sig == h->msr_sig)
		return;
	h->msr_sig = sig;
	/* MSRs the engine implements run natively unless the VMM intercepts
	 * them; EFER writes always exit (the guest must never set SVME). */
	for (size_t i = 0; i < sizeof native_msrs / sizeof native_msrs[0]; i++) {
		uint32_t m = native_msrs[i];
		msrpm_set(h, m, msr_intercepted(vp, m, false),
			  m == 0xc0000080 || msr_intercepted(vp, m, true));
	}
}

bool svm_msr_open(struct emu_partition *pt, uint32_t msr)
{
	struct svm_host *h = pt->eng.svm;
	long b = msrpm_bit(msr);

	if (b < 0)
		return false;
	h->msr_byte = hp(h, H_MSRPM)[b / 8];
	hp(h, H_MSRPM)[b / 8] &= (uint8_t)~(3u << (b % 8));
	return true;
}

void svm_msr_close(struct emu_partition *pt, uint32_t msr)
{
	struct svm_host *h = pt->eng.svm;
	long b = msrpm_bit(msr);

	if (b >= 0)
		hp(h, H_MSRPM)[b / 8] = h->msr_byte;
}

/* --- set-up --- */

int svm_init(struct emu_partition *pt)
{
	struct emu_engine *e = &pt->eng;
	unsigned maj, min;
	struct svm_host *h;

	uc_version(&maj, &min);
	if (maj != 2 || min != 1) {
		fprintf(stderr, "mshv-emu: the SVM engine needs libunicorn 2.1 (found %u.%u)\n",
			maj, min);
		return -ENOTSUP;
	}
	h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	h->mem = mmap(NULL, H_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->mem == MAP_FAILED || uc_context_alloc(e->uc, &h->ctx) != UC_ERR_OK ||
	    uc_mem_map_ptr(e->uc, H_PA, H_SIZE, UC_PROT_ALL, h->mem) != UC_ERR_OK) {
		if (h->mem != MAP_FAILED)
			munmap(h->mem, H_SIZE);
		if (h->ctx)
			uc_context_free(h->ctx);
		free(h);
		return -ENOMEM;
	}
	e->svm = h;
	static const uint8_t stub[] = { 0x0f, 0x01, 0xd8, 0xf4 };	/* vmrun; hlt */
	memcpy(hp(h, H_STUB), stub, sizeof stub);
	/* Host page tables: the area itself, identity, 2 MiB pages. */
	put64(h, H_PML4 + ((H_PA >> 39) & 511) * 8, (H_PA + H_PDPT) | 3);
	put64(h, H_PDPT + ((H_PA >> 30) & 511) * 8, (H_PA + H_PD) | 3);
	for (uint64_t o = 0; o < H_SIZE; o += 2ull << 20)
		put64(h, H_PD + (((H_PA + o) >> 21) & 511) * 8, (H_PA + o) | 0x83);
	memset(hp(h, H_MSRPM), 0xff, 0x2000);
	memset(hp(h, H_IOPM), 0xff, 0x3000);
	h->msr_sig = ~0ull;
	/* Intercepts: CPUID, HLT, MSR, INT n (an INT n left to the engine
	 * corrupts the next exit's RIP: exception_is_int stays set), VMRUN
	 * (required), shutdown, and every exception (CR2 is not written in
	 * guest mode: the #PF address arrives in exit_info_2). */
	put64(h, H_VMCB + VC_INTERCEPT, ICPT(SVM_EXIT_CPUID) | ICPT(SVM_EXIT_HLT) |
	      ICPT(SVM_EXIT_MSR) | ICPT(SVM_EXIT_SWINT) | ICPT(SVM_EXIT_VMRUN) |
	      ICPT(SVM_EXIT_SHUTDOWN));
	put32(h, H_VMCB + VC_INTERCEPT_EXC, 0xffffffffu);
	/* CR8 reads and writes: the engine keeps a private TPR (x86_cr8.c). */
	put32(h, H_VMCB + VC_INTERCEPT_CR, (1u << 8) | (1u << (16 + 8)));
	put64(h, H_VMCB + VC_IOPM, H_PA + H_IOPM);
	put64(h, H_VMCB + VC_MSRPM, H_PA + H_MSRPM);
	put32(h, H_VMCB + VC_ASID, 1);
	put64(h, H_VMCB + VC_NESTED_CTL, 1);
	put64(h, H_VMCB + VC_NESTED_CR3, H_PA + H_NPT);
	return svm_npt_sync(pt);
}

void svm_fini(struct emu_partition *pt)
{
	struct svm_host *h = pt->eng.svm;

	if (!h)
		return;
	uc_context_free(h->ctx);
	munmap(h->mem, H_SIZE);
	free(h);
	pt->eng.svm = NULL;
}

/* --- entering guest mode --- */

static void vmcb_seg(struct svm_host *h, uint64_t off, const struct raw_seg *s)
{
	uint16_t sel = (uint16_t)s->selector;
	uint16_t attr = (uint16_t)(((s->flags >> 8) & 0xff) | ((s->flags >> 12) & 0xf00));

	memcpy(hp(h, off), &sel, 2);
	memcpy(hp(h, off + 2), &attr, 2);
	put32(h, off + 4, s->limit);
	put64(h, off + 8, s->base);
}

/* The VMCB save area from the VP's state (ctx: its current snapshot). */
static void vmcb_from_state(struct emu_vp *vp, const void *ctx, uint64_t rflags)
{
	struct svm_host *h = vp->pt->eng.svm;
	static const int segs[] = { RAW_ES, RAW_CS, RAW_SS, RAW_DS };
	struct raw_seg s;

	for (int i = 0; i < 4; i++) {
		raw_get_seg(ctx, segs[i], &s);
		vmcb_seg(h, H_VMCB + VS_ES + (uint64_t)i * 16, &s);
	}
	raw_get_seg(ctx, RAW_GDT, &s);
	vmcb_seg(h, H_VMCB + VS_GDTR, &s);
	raw_get_seg(ctx, RAW_IDT, &s);
	vmcb_seg(h, H_VMCB + VS_IDTR, &s);
	put64(h, H_VMCB + VS_EFER, raw_get_efer(ctx) & ~EFER_SVME);
	put64(h, H_VMCB + VS_CR0, raw_get_cr(ctx, 0));
	put64(h, H_VMCB + VS_CR2, raw_get_cr(ctx, 2));
	put64(h, H_VMCB + VS_CR3, raw_get_cr(ctx, 3));
	put64(h, H_VMCB + VS_CR4, raw_get_cr(ctx, 4));
	put64(h, H_VMCB + VS_DR6, raw_get_dr(ctx, 6));
	put64(h, H_VMCB + VS_DR7, raw_get_dr(ctx, 7));
	put64(h, H_VMCB + VS_RFLAGS, rflags);
	put64(h, H_VMCB + VS_RIP, raw_get_eip(ctx));
	put64(h, H_VMCB + VS_RSP, raw_get_gpr(ctx, 4));
	put64(h, H_VMCB + VS_RAX, raw_get_gpr(ctx, 0));
	put64(h, H_VMCB + VS_GPAT, 0x0007040600070406ull);
	put32(h, H_VMCB + VC_INT_STATE, 0);
}

/* A flat 64-bit CPL 0 host that can execute the stub. */
static void host_state(struct svm_host *h, void *ctx)
{
	struct raw_seg code = { .selector = 8, .limit = 0xffffffff, .flags = 0x00a09b00 };
	struct raw_seg data = { .selector = 16, .limit = 0xffffffff, .flags = 0x00c09300 };

	raw_set_seg(ctx, RAW_CS, &code);
	raw_set_seg(ctx, RAW_SS, &data);
	raw_set_seg(ctx, RAW_DS, &data);
	raw_set_seg(ctx, RAW_ES, &data);
	raw_set_cr(ctx, 0, 0x80000011ull);
	raw_set_cr(ctx, 3, H_PA + H_PML4);
	raw_set_cr(ctx, 4, 0x20);
	raw_set_efer(ctx, 0xd00 | EFER_SVME);	/* LME LMA NXE: 4-level NPT with NX */
	raw_update_hflags(ctx);
	raw_set_hflags(ctx, (raw_get_hflags(ctx) & ~(HF_INHIBIT_IRQ | HF_TF)) | HF_SVME);
	(void)h;
}

int svm_ensure_guest(struct emu_vp *vp)
{
	struct emu_partition *pt = vp->pt;
	struct emu_engine *e = &pt->eng;
	struct svm_host *h = e->svm;
	uc_engine *uc = e->uc;
	uint64_t rflags, v;

	if (vp->svm_guest)
		return 0;
	uc_context_save(uc, vp->ctx);
	if (raw_get_hflags(vp->ctx) & HF_GUEST) {
		vp->svm_guest = true;
		return 0;
	}
	uint32_t hf = raw_get_hflags(vp->ctx), hf2 = raw_get_hflags2(vp->ctx);
	uc_reg_read(uc, UC_X86_REG_RFLAGS, &rflags);
	vmcb_from_state(vp, vp->ctx, rflags);
	memcpy(h->ctx, vp->ctx, uc_context_size(uc));
	host_state(h, h->ctx);
	uc_context_restore(uc, h->ctx);
	v = 2;
	uc_reg_write(uc, UC_X86_REG_RFLAGS, &v);
	v = H_PA + H_VMCB;
	uc_reg_write(uc, UC_X86_REG_RAX, &v);
	uc_x86_msr m = { .rid = MSR_VM_HSAVE_PA, .value = H_PA + H_HSAVE };
	uc_reg_write(uc, UC_X86_REG_MSR, &m);
	uc_ctl_flush_tlb(uc);
	/* With an empty nested root the guest's first access (fetch or page
	 * walk) is a nested page fault: guest mode, nothing executed. */
	memcpy(h->root_copy, hp(h, H_NPT), EMU_PAGE);
	memset(hp(h, H_NPT), 0, EMU_PAGE);
	vp->svm_exit = 0;
	uc_err err = uc_emu_start(uc, H_PA + H_STUB, 0, 0, 0);
	memcpy(hp(h, H_NPT), h->root_copy, EMU_PAGE);
	uc_ctl_flush_tlb(uc);
	uc_context_save(uc, h->ctx);
	if (err || vp->svm_exit != SVM_EXCP_VMEXIT + SVM_EXIT_NPF ||
	    !(raw_get_hflags(h->ctx) & HF_GUEST)) {
		/* Leave the VP as it was. */
		uc_context_restore(uc, vp->ctx);
		uc_ctl_flush_tlb(uc);
		return -EIO;
	}
	/* What VMRUN does not load from the VMCB: the STI/MOV SS shadow and
	 * NMI blocking. */
	raw_set_hflags(h->ctx, raw_get_hflags(h->ctx) | (hf & HF_INHIBIT_IRQ));
	raw_set_hflags2(h->ctx, (raw_get_hflags2(h->ctx) & ~HF2_NMI) | (hf2 & HF2_NMI));
	uc_context_restore(uc, h->ctx);
	uc_reg_write(uc, UC_X86_REG_RFLAGS, &rflags);
	uc_context_save(uc, vp->ctx);
	vp->svm_guest = true;
	return 0;
}
