/* SPDX-License-Identifier: MIT */
/*
 * The machine described by an Intel MultiProcessor Specification 1.4 table
 * (chapter 4): one processor entry per VP (APIC ID = VP index), the ISA
 * bus, the IOAPIC and the ISA IRQ -> IOAPIC pin routing.  Linux finds the
 * floating pointer in the BIOS area (0xf0000-0xfffff) when there is no
 * ACPI, and reads its CPUs and interrupt routing from here.
 */
#include <string.h>

#include "vmm.h"

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return (uint8_t)-s;
}

static uint8_t *entry8(uint8_t *p, uint8_t type, uint8_t a, uint8_t b, uint8_t c,
		       uint8_t d, uint8_t e, uint8_t f, uint8_t g)
{
	const uint8_t e8[8] = { type, a, b, c, d, e, f, g };

	memcpy(p, e8, 8);
	return p + 8;
}

int mptable_write(struct vm *vm)
{
	uint8_t *base = gpa_ptr(vm, MPTABLE_GPA, 0x1000);
	uint8_t *mpf = base, *cfg = base + 16, *p = cfg + 44;
	uint8_t ioapic_id = (uint8_t)vm->ncpus;
	uint16_t count = 0;
	uint32_t v;

	if (!base)
		return -1;
	memset(base, 0, 0x1000);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		memset(p, 0, 20);
		p[0] = MP_PROCESSOR;
		p[1] = (uint8_t)i;		/* local APIC ID */
		p[2] = 0x14;			/* local APIC version */
		p[3] = 1 | (i == 0 ? 2 : 0);	/* enabled, bootstrap */
		v = 0x600;			/* family 6 signature */
		memcpy(p + 4, &v, 4);
		v = (1u << 9) | 1;		/* APIC, FPU */
		memcpy(p + 8, &v, 4);
		p += 20, count++;
	}
	p = entry8(p, MP_BUS, 0, 'I', 'S', 'A', ' ', ' ', ' '), count++;
	p = entry8(p, MP_IOAPIC, ioapic_id, 0x11, 1, 0, 0, 0, 0), count++;
	v = (uint32_t)IOAPIC_GPA;
	memcpy(p - 4, &v, 4);
	/* ISA IRQ n on pin n, IRQ 0 on pin 2 (the usual override); edge, high. */
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		p = entry8(p, MP_INTSRC, MP_INT, 0, 0, 0, irq, ioapic_id,
			   irq ? irq : 2), count++;
	}
	p = entry8(p, MP_LINTSRC, MP_EXTINT, 0, 0, 0, 0, 0xff, 0), count++;
	p = entry8(p, MP_LINTSRC, MP_NMI, 0, 0, 0, 0, 0xff, 1), count++;

	memcpy(cfg, "PCMP", 4);
	v = (uint32_t)(p - cfg);
	memcpy(cfg + 4, &v, 2);			/* base table length */
	cfg[6] = 4;				/* spec revision 1.4 */
	memcpy(cfg + 8, "MSHV-EMU", 8);
	memcpy(cfg + 16, "REFERENCEVMM", 12);
	memcpy(cfg + 34, &count, 2);
	v = 0xfee00000;
	memcpy(cfg + 36, &v, 4);		/* local APIC address */
	cfg[7] = checksum(cfg, (size_t)(p - cfg));

	memcpy(mpf, "_MP_", 4);
	v = (uint32_t)(MPTABLE_GPA + 16);
	memcpy(mpf + 4, &v, 4);
	mpf[8] = 1;				/* length in 16-byte units */
	mpf[9] = 4;
	mpf[10] = checksum(mpf, 16);
	return 0;
}
