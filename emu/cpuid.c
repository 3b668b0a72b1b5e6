/* SPDX-License-Identifier: MIT */
/*
 * CPUID as the partition's guest sees it. The baseline is what the engine
 * itself reports (probed once), minus what it cannot execute or what this
 * hypervisor does not emulate, plus the Hyper-V leaves, then the VMM's
 * registered results (REGISTER_INTERCEPT_RESULT) applied through their masks.
 */
#include "vp.h"
#include "partition.h"
#include "cpuid.h"
#include "hv.h"

#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>
#include <linux/mshv.h>

struct leaf { uint32_t leaf, sub, r[4]; };
static struct leaf *base;
static size_t nbase;
static uint32_t max_basic, max_ext;

static bool sub_indexed(uint32_t l)
{
	return l == 4 || l == 7 || l == 0xb || l == 0xd || l == 0xf || l == 0x10 ||
	       l == 0x12 || l == 0x14 || l == 0x17 || l == 0x18 || l == 0x1f ||
	       l == 0x8000001d || l == 0x80000020;
}

static int probe(uc_engine *uc, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint64_t a = leaf, c = sub, b = 0, d = 0;

	uc_reg_write(uc, UC_X86_REG_RAX, &a);
	uc_reg_write(uc, UC_X86_REG_RCX, &c);
	if (uc_emu_start(uc, 0x1000, 0x1002, 0, 0) != UC_ERR_OK)
		return -1;
	uc_reg_read(uc, UC_X86_REG_RAX, &a);
	uc_reg_read(uc, UC_X86_REG_RBX, &b);
	uc_reg_read(uc, UC_X86_REG_RCX, &c);
	uc_reg_read(uc, UC_X86_REG_RDX, &d);
	r[0] = (uint32_t)a, r[1] = (uint32_t)b, r[2] = (uint32_t)c, r[3] = (uint32_t)d;
	return 0;
}

static int add(uc_engine *uc, uint32_t leaf, uint32_t sub)
{
	struct leaf *n = realloc(base, (nbase + 1) * sizeof *n);

	if (!n)
		return -1;
	base = n;
	base[nbase] = (struct leaf){ .leaf = leaf, .sub = sub };
	if (probe(uc, leaf, sub, base[nbase].r))
		return -1;
	nbase++;
	return 0;
}

int cpuid_init(void)
{
	static const uint8_t code[] = { 0x0f, 0xa2, 0xf4 };	/* cpuid; hlt */
	uc_engine *uc;
	int rc = -1;

	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc))
		return -1;
	uc_ctl_set_tcg_buffer_size(uc, 4u << 20);
	if (uc_mem_map(uc, 0x1000, 0x1000, UC_PROT_ALL) ||
	    uc_mem_write(uc, 0x1000, code, sizeof code))
		goto out;
	uint32_t r[4];
	if (probe(uc, 0, 0, r))
		goto out;
	max_basic = r[0] > 0x1f ? 0x1f : r[0];
	if (probe(uc, 0x80000000, 0, r))
		goto out;
	max_ext = r[0] > 0x80000021 ? 0x80000021 : r[0];
	for (uint32_t l = 0; l <= max_basic; l++)
		for (uint32_t s = 0; s < (sub_indexed(l) ? 8u : 1u); s++)
			if (add(uc, l, s))
				goto out;
	for (uint32_t l = 0x80000000; l <= max_ext; l++)
		for (uint32_t s = 0; s < (sub_indexed(l) ? 8u : 1u); s++)
			if (add(uc, l, s))
				goto out;
	rc = 0;
out:
	uc_close(uc);
	return rc;
}

static const uint32_t *lookup(uint32_t leaf, uint32_t sub)
{
	if (!sub_indexed(leaf))
		sub = 0;
	for (size_t i = 0; i < nbase; i++)
		if (base[i].leaf == leaf && base[i].sub == sub)
			return base[i].r;
	return NULL;
}

bool cpuid_is_intel(void)
{
	const uint32_t *r = lookup(0, 0);
	return r && r[1] == 0x756e6547;	/* "Genu" */
}

uint32_t cpuid_phys_bits(void)
{
	const uint32_t *r = lookup(0x80000008, 0);
	return r ? (r[0] & 0xff) : 36;
}

static bool bit(uint32_t leaf, int reg, int b)
{
	const uint32_t *r = lookup(leaf, 0);
	return r && (r[reg] >> b) & 1;
}

/*
 * The bank-0 bits of hv_partition_processor_features that have a one-to-one
 * CPUID bit: reported by cpuid_host_features() and, when the VMM disables
 * them at v2 create (pt_cpu_fbanks), cleared from the guest's CPUID.
 */
static const struct fbit {
	uint8_t fbit;		/* bit in bank 0 */
	uint32_t leaf;
	uint8_t reg;		/* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	uint8_t bit;
} fbits[] = {
	{ 0, 1, 2, 0 },			/* sse3 */
	{ 1, 0x80000001, 2, 0 },	/* lahf_sahf */
	{ 2, 1, 2, 9 },			/* ssse3 */
	{ 3, 1, 2, 19 },		/* sse4_1 */
	{ 4, 1, 2, 20 },		/* sse4_2 */
	{ 5, 0x80000001, 2, 6 },	/* sse4a */
	{ 7, 1, 2, 23 },		/* popcnt */
	{ 8, 1, 2, 13 },		/* cmpxchg16b */
	{ 10, 0x80000001, 2, 5 },	/* lzcnt (ABM) */
	{ 15, 0x80000001, 3, 26 },	/* 1 GiB pages */
	{ 16, 1, 2, 25 },		/* aes */
	{ 17, 1, 2, 1 },		/* pclmulqdq */
	{ 21, 1, 2, 30 },		/* rdrand */
};

/* hv_partition_processor_features bank 0/1 from what the engine executes. */
uint64_t cpuid_host_features(int bankno)
{
	uint64_t f = 0;

	if (bankno != 0)
		return 0;
	for (size_t i = 0; i < sizeof fbits / sizeof fbits[0]; i++)
		f |= (uint64_t)bit(fbits[i].leaf, fbits[i].reg, fbits[i].bit)
		     << fbits[i].fbit;
	return f;
}

/* Clear the CPUID bits of the bank-0 features disabled at create (v2). */
static void apply_disabled(const struct emu_vp *vp, uint32_t leaf, uint32_t out[4])
{
	uint64_t off = vp->pt->cfg.disabled_features[0];

	if (!off)
		return;
	for (size_t i = 0; i < sizeof fbits / sizeof fbits[0]; i++)
		if (fbits[i].leaf == leaf && (off >> fbits[i].fbit) & 1)
			out[fbits[i].reg] &= ~(1u << fbits[i].bit);
}

/* Features the engine cannot execute or this hypervisor does not emulate:
 * never advertised, whatever the VMM registers. */
static void restrict_features(const struct emu_vp *vp, uint32_t leaf, uint32_t sub,
			      uint32_t out[4])
{
	uint64_t f = vp->pt->cfg.pt_flags;

	switch (leaf) {
	case 1:
		/* XSAVE/OSXSAVE, AVX, MONITOR, VMX, PCID */
		out[2] &= ~((1u << 3) | (1u << 5) | (1u << 17) |
			    (1u << 26) | (1u << 27) | (1u << 28));
		/* MCE, MCA: no machine-check MSRs (MCG_CAP/STATUS, banks)
		 * behind them; Linux panics reading MCG_STATUS otherwise */
		out[3] &= ~((1u << 7) | (1u << 14));
		/* the APIC and TSC-deadline with a LAPIC, x2APIC with X2APIC */
		if (!(f & (1ull << MSHV_PT_BIT_LAPIC))) {
			out[3] &= ~(1u << 9);
			out[2] &= ~(1u << 24);
		}
		if (!(f & (1ull << MSHV_PT_BIT_LAPIC)) || !(f & (1ull << MSHV_PT_BIT_X2APIC)))
			out[2] &= ~(1u << 21);
		break;
	case 7:
		if (sub == 0) {	/* AVX2, INVPCID, AVX-512; RDPID (no engine has it) */
			out[1] &= ~((1u << 5) | (1u << 10) | (0xffffu << 16));
			out[2] &= ~(1u << 22);
		}
		break;
	case 0x80000001:
		/* RDTSCP #UDs where the engine's CPU model lacks it (2.1.1) */
		if (!bit(0x80000001, 3, 27))
			out[3] &= ~(1u << 27);
		/* SVM: the engine's CPU model has it, the guest must not see
		 * it (VMRUN and the VM_HSAVE_PA MSR are not the guest's) */
		out[2] &= ~(1u << 2);
		break;
	case 0xd:
		memset(out, 0, 16);	/* no XSAVE */
		break;
	default:
		break;
	}
}

void cpuid_compute(struct emu_vp *vp, uint32_t leaf, uint32_t sub,
		   bool apply_registered, uint32_t out[4])
{
	const uint32_t *r;

	memset(out, 0, 16);
	if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
		hv_cpuid(vp, leaf, out);
	} else if ((r = lookup(leaf, sub))) {
		memcpy(out, r, 16);
	}
	switch (leaf) {
	case 0:
		out[0] = max_basic;
		break;
	case 1:
		out[1] = (out[1] & 0x00ffffff) | (vp->index << 24);
		if (vp->pt->props.synthetic_features & 1)
			out[2] |= 1u << 31;
		else
			out[2] &= ~(1u << 31);
		/* advertised by default where the partition has them
		 * (restrict_features removes them otherwise) */
		out[3] |= 1u << 9;			/* APIC */
		out[2] |= (1u << 21) | (1u << 24);	/* x2APIC, TSC-deadline */
		break;
	case 0xb: case 0x1f:
		out[3] = vp->index;
		break;
	case 0x80000001:
		/* The engine's CPU model has SVM; a partition does not (and the
		 * SVM engine uses it underneath). */
		out[2] &= ~(1u << 2);
		break;
	case 0x8000000a:
		memset(out, 0, 16);
		break;
	default:
		break;
	}
	if (apply_registered) {
		for (size_t i = 0; i < vp->ncpuid; i++) {
			const struct emu_cpuid_override *o = &vp->cpuid[i];
			if (o->leaf != leaf || (o->subleaf_specific && o->subleaf != sub))
				continue;
			for (int k = 0; k < 4; k++)
				out[k] = (out[k] & ~o->mask[k]) | (o->val[k] & o->mask[k]);
		}
	}
	restrict_features(vp, leaf, sub, out);
	apply_disabled(vp, leaf, out);
}
