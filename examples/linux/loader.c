/* SPDX-License-Identifier: MIT */
/*
 * Loads Linux by the x86 boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst, "64-bit boot protocol"): a bzImage's
 * protected-mode part goes to its preferred address and is entered at
 * +0x200 in long mode; an uncompressed ELF vmlinux is loaded by its
 * program headers and entered at its physical entry point.  Either way the
 * CPU starts with paging on (identity map of the first 4 GiB), a GDT with
 * __BOOT_CS = 0x10 and __BOOT_DS = 0x18, interrupts off and RSI pointing at
 * the zero page (struct boot_params).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

/* Offsets in struct boot_params / the setup header (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR			0x1f1	/* struct setup_header */
#define BP_SETUP_SECTS		0x1f1
#define BP_BOOT_FLAG		0x1fe
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_HEAP_END_PTR		0x224
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_CMDLINE_SIZE		0x238
#define BP_XLOADFLAGS		0x236
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_E820_TABLE		0x2d0
#define E820_MAX		128

#define XLF_KERNEL_64		(1u << 0)
#define LOADED_HIGH		(1u << 0)
#define CAN_USE_HEAP		(1u << 7)

/* First byte past the kernel image and its decompression area. */
static uint64_t kernel_end;

#define E820_RAM		1
#define E820_RESERVED		2

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
		goto fail;
	buf = malloc((size_t)st.st_size);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	fprintf(stderr, "mshv-linux: %s: %s\n", path, errno ? strerror(errno) : "empty");
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t n = bp[BP_E820_ENTRIES];
	uint8_t *e = bp + BP_E820_TABLE + 20 * n;

	if (n >= E820_MAX)
		return -1;
	memcpy(e, &addr, 8);
	memcpy(e + 8, &size, 8);
	put32(e + 16, type);
	bp[BP_E820_ENTRIES] = n + 1;
	return 0;
}

static void build_e820(struct vm *vm, uint8_t *bp)
{
	e820_add(bp, 0, EBDA_GPA, E820_RAM);
	e820_add(bp, EBDA_GPA, 0xa0000 - EBDA_GPA, E820_RESERVED);
	e820_add(bp, MPTABLE_GPA, 0x100000 - MPTABLE_GPA, E820_RESERVED);
	e820_add(bp, 0x100000, vm->low_size - 0x100000, E820_RAM);
	if (vm->high_size)
		e820_add(bp, HIGH_RAM_GPA, vm->high_size, E820_RAM);
}

/* Returns the 64-bit entry point, or 0. */
static uint64_t load_bzimage(struct vm *vm, const uint8_t *img, size_t len, uint8_t *bp)
{
	unsigned setup_sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
	size_t setup_len = (size_t)(setup_sects + 1) * 512;
	size_t hdr_end = 0x202 + img[0x201];
	uint64_t pref = get64(img + BP_PREF_ADDRESS);
	uint32_t init_size = get32(img + BP_INIT_SIZE);
	void *dst;

	if (len < setup_len || hdr_end > setup_len || hdr_end > 0x1000) {
		fprintf(stderr, "mshv-linux: truncated bzImage\n");
		return 0;
	}
	if (get32(img + BP_VERSION) < 0x20c || !(img[BP_XLOADFLAGS] & XLF_KERNEL_64)) {
		fprintf(stderr, "mshv-linux: kernel lacks the 64-bit boot protocol (2.12+)\n");
		return 0;
	}
	if (!(img[BP_LOADFLAGS] & LOADED_HIGH))
		return 0;
	/* The setup header travels in the zero page; the loader fills in the rest. */
	memcpy(bp + BP_HDR, img + BP_HDR, hdr_end - BP_HDR);
	if (pref < 0x100000)
		pref = 0x1000000;
	if (init_size < len - setup_len)
		init_size = (uint32_t)(len - setup_len);
	dst = gpa_ptr(vm, pref, init_size);
	if (!dst) {
		fprintf(stderr, "mshv-linux: kernel needs %u bytes at %#llx: not enough RAM\n",
			init_size, (unsigned long long)pref);
		return 0;
	}
	memcpy(dst, img + setup_len, len - setup_len);
	kernel_end = pref + init_size;
	return pref + 0x200;
}

static uint64_t load_elf(struct vm *vm, const uint8_t *img, size_t len, uint8_t *bp)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;

	if (len < sizeof(*eh) || eh->e_machine != EM_X86_64 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
	    (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum) {
		fprintf(stderr, "mshv-linux: not an x86-64 ELF kernel\n");
		return 0;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, img + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || len - ph.p_offset < ph.p_filesz ||
		    !(dst = gpa_ptr(vm, ph.p_paddr, ph.p_memsz))) {
			fprintf(stderr, "mshv-linux: ELF segment %u does not fit in RAM\n", i);
			return 0;
		}
		memcpy(dst, img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > kernel_end)
			kernel_end = ph.p_paddr + ph.p_memsz;
	}
	/* A minimal setup header, as a bzImage would have carried it. */
	put16(bp + BP_BOOT_FLAG, 0xaa55);
	memcpy(bp + BP_HEADER, "HdrS", 4);
	put16(bp + BP_VERSION, 0x20f);
	put32(bp + BP_KERNEL_ALIGNMENT, 0x200000);
	bp[BP_LOADFLAGS] = LOADED_HIGH;
	put32(bp + BP_INITRD_ADDR_MAX, 0x7fffffff);
	put32(bp + BP_CMDLINE_SIZE, CMDLINE_MAX - 1);
	/* vmlinux's e_entry is the physical address of startup_64. */
	return eh->e_entry;
}

static int load_initrd(struct vm *vm, const char *path, uint8_t *bp)
{
	size_t len;
	uint8_t *img = read_file(path, &len);
	uint64_t max = get32(bp + BP_INITRD_ADDR_MAX), addr;
	void *dst;

	if (!img)
		return -1;
	if (!max || max > vm->low_size - 1)
		max = vm->low_size - 1;
	/* As high as allowed, page aligned (where GRUB puts it too). */
	addr = ((max + 1 - len) & ~0xfffull);
	dst = len < max ? gpa_ptr(vm, addr, len) : NULL;
	if (!dst || addr < kernel_end) {
		fprintf(stderr, "mshv-linux: initrd of %zu bytes does not fit\n", len);
		free(img);
		return -1;
	}
	memcpy(dst, img, len);
	free(img);
	put32(bp + BP_RAMDISK_IMAGE, (uint32_t)addr);
	put32(bp + BP_RAMDISK_SIZE, (uint32_t)len);
	put32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(addr >> 32));
	put32(bp + BP_EXT_RAMDISK_SIZE, 0);
	return 0;
}

/* Identity map of 0-4 GiB with 2 MiB pages, and the boot GDT. */
static void build_tables(struct vm *vm)
{
	uint64_t *pml4 = gpa_ptr(vm, PML4_GPA, 0x1000);
	uint64_t *pdpt = gpa_ptr(vm, PML4_GPA + 0x1000, 0x1000);
	uint64_t *pd = gpa_ptr(vm, PML4_GPA + 0x2000, 0x4000);
	uint64_t *gdt = gpa_ptr(vm, GDT_GPA, 4 * 8);

	memset(pml4, 0, 0x6000);
	pml4[0] = (PML4_GPA + 0x1000) | 3;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (PML4_GPA + 0x2000 + i * 0x1000) | 3;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* P, RW, PS */
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffull;	/* 0x10: 64-bit code */
	gdt[3] = 0x00cf93000000ffffull;	/* 0x18: flat data */
}

static void seg(struct hv_register_assoc *r, uint32_t name, uint16_t sel, uint16_t attr)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->value.segment.selector = sel;
	r->value.segment.limit = 0xffffffff;
	r->value.segment.attributes = attr;
}

static void reg(struct hv_register_assoc *r, uint32_t name, uint64_t v)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->value.reg64 = v;
}

static int set_entry_state(struct vm *vm, uint64_t entry)
{
	static const uint32_t data_segs[] = { HV_X64_REGISTER_DS, HV_X64_REGISTER_ES,
		HV_X64_REGISTER_SS, HV_X64_REGISTER_FS, HV_X64_REGISTER_GS };
	struct hv_register_assoc r[16];
	unsigned n = 0;

	seg(&r[n++], HV_X64_REGISTER_CS, 0x10, 0xa09b);
	for (unsigned i = 0; i < 5; i++)
		seg(&r[n++], data_segs[i], 0x18, 0xc093);
	memset(&r[n], 0, sizeof(r[n]));
	r[n].name = HV_X64_REGISTER_GDTR;
	r[n].value.table.base = GDT_GPA;
	r[n++].value.table.limit = 4 * 8 - 1;
	reg(&r[n++], HV_X64_REGISTER_CR3, PML4_GPA);
	reg(&r[n++], HV_X64_REGISTER_CR4, 1u << 5);			/* PAE */
	reg(&r[n++], HV_X64_REGISTER_EFER, (1u << 8) | (1u << 10));	/* LME, LMA */
	reg(&r[n++], HV_X64_REGISTER_CR0, 0x80000031u);		/* PG, NE, ET, PE */
	reg(&r[n++], HV_X64_REGISTER_RIP, entry);
	reg(&r[n++], HV_X64_REGISTER_RSI, BOOT_PARAMS_GPA);
	reg(&r[n++], HV_X64_REGISTER_RFLAGS, 2);
	return vp_set_regs(vm, 0, r, n);
}

int load_linux(struct vm *vm, const struct boot_cfg *cfg)
{
	uint8_t *bp = gpa_ptr(vm, BOOT_PARAMS_GPA, 0x1000);
	char *cmdline = gpa_ptr(vm, CMDLINE_GPA, CMDLINE_MAX);
	size_t len, clen = strlen(cfg->cmdline);
	uint8_t *img = read_file(cfg->kernel, &len);
	uint64_t entry = 0;

	if (!img)
		return -1;
	memset(bp, 0, 0x1000);
	if (len > 0x210 && !memcmp(img + BP_HEADER, "HdrS", 4))
		entry = load_bzimage(vm, img, len, bp);
	else if (len > 4 && !memcmp(img, ELFMAG, SELFMAG))
		entry = load_elf(vm, img, len, bp);
	else
		fprintf(stderr, "mshv-linux: %s: neither a bzImage nor an ELF vmlinux\n",
			cfg->kernel);
	free(img);
	if (!entry)
		return -1;
	if (clen >= CMDLINE_MAX || (get32(bp + BP_CMDLINE_SIZE) && clen > get32(bp + BP_CMDLINE_SIZE))) {
		fprintf(stderr, "mshv-linux: command line too long\n");
		return -1;
	}
	memcpy(cmdline, cfg->cmdline, clen + 1);
	bp[BP_TYPE_OF_LOADER] = 0xff;		/* undefined boot loader */
	bp[BP_LOADFLAGS] |= CAN_USE_HEAP;
	put16(bp + BP_HEAP_END_PTR, 0xfe00);
	put32(bp + BP_CMD_LINE_PTR, (uint32_t)CMDLINE_GPA);
	put32(bp + BP_EXT_CMD_LINE_PTR, 0);
	build_e820(vm, bp);
	if (cfg->initrd && load_initrd(vm, cfg->initrd, bp) < 0)
		return -1;
	build_tables(vm);
	return set_entry_state(vm, entry);
}
