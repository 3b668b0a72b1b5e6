/* SPDX-License-Identifier: MIT */
/*
 * Interrupt delivery into a partition's local APICs: the one entry point
 * shared by HVCALL_ASSERT_VIRTUAL_INTERRUPT, irqfd/MSI routes and IPIs.
 * Implemented by emu/lapic_deliver.c (with emu/lapic.c, emu/lapic_timer.c).
 */
#ifndef MSHV_EMU_IRQ_H
#define MSHV_EMU_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct emu_partition;

struct emu_irq {
	uint32_t dest;		/* APIC ID (physical) or logical destination */
	uint8_t vector;
	uint8_t type;		/* HV_X64_INTERRUPT_TYPE_* (fixed, lowest prio, NMI, INIT, SIPI, ExtINT) */
	bool level;		/* level-triggered (sets TMR; EOI reported) */
	bool logical;		/* logical destination mode */
};

/* Queues irq at the target LAPIC(s) and wakes/kicks the target VPs so it is
 * delivered at the next instruction boundary where it is deliverable.
 * Thread-safe; callable while VPs run. Returns 0 or -EINVAL (bad type or
 * no such destination). */
int lapic_deliver(struct emu_partition *pt, const struct emu_irq *irq);

/* Decodes an MSI (address_lo/data as in MSHV_SET_MSI_ROUTING) into an irq,
 * the way the kernel's mshv_copy_girq_info does. */
void irq_from_msi(uint32_t address_lo, uint32_t data, struct emu_irq *irq);

/* Called when a level-triggered vector is EOIed on a VP (for irqfd
 * resamplers); implemented by emu/irqfd.c. */
void irqfd_notify_eoi(struct emu_partition *pt, uint8_t vector);

#endif
