/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the interrupt plumbing: MSI decoding (irq_from_msi), the
 * ioeventfd matcher, and the irqfd resampler (irqfd_notify_eoi), which the
 * conformance suite can only reach through a guest's EOI.
 */
#include "check_run.h"
#include <check.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ioeventfd.h"
#include "irq.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <linux/mshv.h>

START_TEST(msi_decode)
{
	struct emu_irq irq;

	/* physical APIC 3, fixed, edge, vector 0x41 */
	irq_from_msi(0xfee03000, 0x0041, &irq);
	ck_assert_uint_eq(irq.dest, 3);
	ck_assert_uint_eq(irq.vector, 0x41);
	ck_assert_uint_eq(irq.type, HV_X64_INTERRUPT_TYPE_FIXED);
	ck_assert(!irq.level);
	ck_assert(!irq.logical);
	/* logical destination 0x0f, lowest priority, level, vector 0xe0 */
	irq_from_msi(0xfee0f004, 0x81e0, &irq);
	ck_assert_uint_eq(irq.dest, 0x0f);
	ck_assert_uint_eq(irq.vector, 0xe0);
	ck_assert_uint_eq(irq.type, HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY);
	ck_assert(irq.level);
	ck_assert(irq.logical);
	/* NMI, INIT, ExtINT delivery modes map 1:1 */
	irq_from_msi(0xfee00000, 0x0400, &irq);
	ck_assert_uint_eq(irq.type, HV_X64_INTERRUPT_TYPE_NMI);
	irq_from_msi(0xfee00000, 0x0500, &irq);
	ck_assert_uint_eq(irq.type, HV_X64_INTERRUPT_TYPE_INIT);
	irq_from_msi(0xfee00000, 0x0700, &irq);
	ck_assert_uint_eq(irq.type, HV_X64_INTERRUPT_TYPE_EXTINT);
	/* QEMU's reserved IOAPIC entries (address 0, data 0) */
	irq_from_msi(0, 0, &irq);
	ck_assert_uint_eq(irq.vector, 0);
	ck_assert_uint_eq(irq.dest, 0);
}
END_TEST

START_TEST(ioeventfd_match)
{
	struct emu_ioeventfd wild0 = { .addr = 0x1000, .len = 0, .wildcard = true };
	struct emu_ioeventfd wild4 = { .addr = 0x1000, .len = 4, .wildcard = true };
	struct emu_ioeventfd dm4 = { .addr = 0x1000, .len = 4, .datamatch = 0x2a };
	struct emu_ioeventfd dm0 = { .addr = 0x1000, .len = 0, .datamatch = 0x2a };
	struct emu_ioeventfd dm8 = { .addr = 0x2000, .len = 8,
				     .datamatch = 0x1122334455667788ull };
	struct emu_ioeventfd big = { .addr = 0x1000, .len = 2, .datamatch = 0x1002a };

	ck_assert(ioeventfd_matches(&wild0, 0x1000, 1, 5));
	ck_assert(ioeventfd_matches(&wild0, 0x1000, 8, ~0ull));
	ck_assert(!ioeventfd_matches(&wild0, 0x1001, 1, 5));
	ck_assert(ioeventfd_matches(&wild4, 0x1000, 4, 7));
	ck_assert(!ioeventfd_matches(&wild4, 0x1000, 2, 7));
	ck_assert(ioeventfd_matches(&dm4, 0x1000, 4, 0x2a));
	ck_assert(!ioeventfd_matches(&dm4, 0x1000, 4, 0x2b));
	ck_assert(!ioeventfd_matches(&dm4, 0x1000, 2, 0x2a));
	/* only the written bytes count */
	ck_assert(ioeventfd_matches(&dm4, 0x1000, 4, 0xffffffff0000002aull));
	ck_assert(ioeventfd_matches(&dm0, 0x1000, 1, 0x2a));
	ck_assert(ioeventfd_matches(&dm0, 0x1000, 8, 0x2a));
	ck_assert(ioeventfd_matches(&dm0, 0x1000, 1, 0x12a));
	ck_assert(!ioeventfd_matches(&dm0, 0x1000, 2, 0x12a));
	ck_assert(ioeventfd_matches(&dm8, 0x2000, 8, 0x1122334455667788ull));
	ck_assert(!ioeventfd_matches(&dm8, 0x2000, 4, 0x55667788));
	/* a datamatch wider than the access never matches */
	ck_assert(!ioeventfd_matches(&big, 0x1000, 2, 0x2a));
}
END_TEST

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static uint64_t take(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, sizeof v) == sizeof v ? v : 0;
}

START_TEST(irqfd_resampler)
{
	struct emu_partition_config cfg = { .pt_flags = 1ull << MSHV_PT_BIT_LAPIC };
	struct emu_partition *pt;
	struct emu_vp *vp;
	const struct emu_msi_entry routes[] = {
		{ .gsi = 9, .address_lo = 0xfee00000, .data = 0x8040 },	/* level */
		{ .gsi = 10, .address_lo = 0xfee00000, .data = 0x0041 },	/* edge */
	};
	int efd = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	int efd2 = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_ge(efd, 0);
	ck_assert_int_ge(rfd, 0);
	ck_assert_int_eq(emu_partition_create(&cfg, &pt), 0);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	ck_assert_int_eq(emu_set_msi_routing(pt, routes, 2), 0);
	ck_assert_int_eq(emu_irqfd_assign(pt, efd, rfd, 10, true), -EINVAL);
	ck_assert_int_eq(emu_irqfd_assign(pt, efd, rfd, 9, true), 0);
	ck_assert_int_eq(emu_irqfd_assign(pt, efd, -1, 10, false), -EBUSY);
	ck_assert_int_eq(emu_irqfd_assign(pt, efd2, -1, 10, false), 0);

	/* nothing delivered yet: an EOI of 0x40 is not ours */
	irqfd_notify_eoi(pt, 0x40);
	ck_assert(!readable(rfd, 0));
	/* signalled: the service thread injects 0x40 (level) */
	uint64_t one = 1;
	ck_assert_int_eq(write(efd, &one, sizeof one), sizeof one);
	for (int i = 0; i < 2000 && readable(efd, 0); i++)
		usleep(1000);
	ck_assert(!readable(efd, 0));		/* consumed */
	usleep(10000);
	irqfd_notify_eoi(pt, 0x41);		/* another vector */
	ck_assert(!readable(rfd, 0));
	irqfd_notify_eoi(pt, 0x40);
	ck_assert(readable(rfd, 0));
	ck_assert_uint_eq(take(rfd), 1);
	/* once per delivery */
	irqfd_notify_eoi(pt, 0x40);
	ck_assert(!readable(rfd, 0));

	/* deassigned: no more resampling or injection */
	ck_assert_int_eq(emu_irqfd_deassign(pt, efd, 9), 0);
	ck_assert_int_eq(write(efd, &one, sizeof one), sizeof one);
	usleep(20000);
	ck_assert(readable(efd, 0));		/* nobody consumed it */
	irqfd_notify_eoi(pt, 0x40);
	ck_assert(!readable(rfd, 0));
	/* already signalled at assign: injected (consumed) at once */
	ck_assert_int_eq(emu_irqfd_assign(pt, efd, rfd, 9, true), 0);
	ck_assert(!readable(efd, 0));
	irqfd_notify_eoi(pt, 0x40);
	ck_assert_uint_eq(take(rfd), 1);

	emu_partition_put(pt);		/* stops the service thread */
	close(efd);
	close(efd2);
	close(rfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("irq");
	TCase *tc = tcase_create("irq");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, msi_decode);
	tcase_add_test(tc, ioeventfd_match);
	tcase_add_test(tc, irqfd_resampler);
	suite_add_tcase(s, tc);
	return check_run(s);
}
