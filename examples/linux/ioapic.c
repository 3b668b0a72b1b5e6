/* SPDX-License-Identifier: MIT */
/*
 * An 82093AA-style IOAPIC (Intel datasheet 290566): IOREGSEL at +0x00,
 * IOWIN at +0x10, ID/version/arbitration and 24 redirection entries.  A
 * rising edge on an unmasked pin is sent to the local APICs with
 * HVCALL_ASSERT_VIRTUAL_INTERRUPT: the redirection entry's vector,
 * delivery mode, destination mode and destination map one to one onto
 * the hypercall's fields.  The machine's ISA devices are edge-triggered.
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define REDIR_MASKED	(1ull << 16)

void ioapic_init(struct ioapic *io)
{
	memset(io, 0, sizeof(*io));
	pthread_mutex_init(&io->lock, NULL);
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = REDIR_MASKED;
}

static uint32_t reg_read(const struct ioapic *io, uint32_t idx)
{
	switch (idx) {
	case 0:
		return io->id << 24;
	case 1:
		return 0x11 | ((IOAPIC_PINS - 1) << 16);
	case 2:
		return io->id << 24;
	default:
		if (idx >= 0x10 && idx < 0x10 + 2 * IOAPIC_PINS) {
			uint64_t r = io->redir[(idx - 0x10) / 2];
			return (uint32_t)(idx & 1 ? r >> 32 : r);
		}
		return 0;
	}
}

static void reg_write(struct ioapic *io, uint32_t idx, uint32_t val)
{
	if (idx == 0) {
		io->id = (val >> 24) & 0xf;
	} else if (idx >= 0x10 && idx < 0x10 + 2 * IOAPIC_PINS) {
		uint64_t *r = &io->redir[(idx - 0x10) / 2];

		if (idx & 1)
			*r = (*r & 0xffffffffull) | ((uint64_t)val << 32);
		else	/* delivery status and remote IRR (bits 12, 14) are read-only */
			*r = (*r & (0xffffffff00000000ull | (1u << 12) | (1u << 14))) |
			     (val & ~((1u << 12) | (1u << 14)));
	}
}

uint32_t ioapic_mmio(struct vm *vm, struct ioapic *io, uint64_t off, bool write, uint32_t val)
{
	(void)vm;
	pthread_mutex_lock(&io->lock);
	if (off == 0) {
		if (write)
			io->index = val & 0xff;
		else
			val = io->index;
	} else if (off == 0x10) {
		if (write)
			reg_write(io, io->index, val);
		else
			val = reg_read(io, io->index);
	} else if (!write) {
		val = 0;
	}
	pthread_mutex_unlock(&io->lock);
	return val;
}

void ioapic_set_irq(struct vm *vm, unsigned pin, bool level)
{
	struct ioapic *io = &vm->ioapic;
	uint64_t r;
	bool edge;

	if (pin >= IOAPIC_PINS)
		return;
	pthread_mutex_lock(&io->lock);
	edge = level && !io->level[pin];
	io->level[pin] = level;
	r = io->redir[pin];
	pthread_mutex_unlock(&io->lock);
	if (!edge || (r & REDIR_MASKED))
		return;
	if (vm_assert_irq(vm, r & 0xff, (uint32_t)(r >> 56), (r >> 11) & 1,
			  (r >> 8) & 7) < 0)
		fprintf(stderr, "mshv-linux: IOAPIC pin %u: interrupt not delivered\n", pin);
}
