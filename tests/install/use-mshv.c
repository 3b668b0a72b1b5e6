/* SPDX-License-Identifier: MIT */
/*
 * A program built by tests/install/test-install against the *installed*
 * headers and libmshvemu, with nothing but "pkg-config mshv-emu":
 *   use-mshv lib VERSION  the library's API: version, a partition and a hypercall
 *   use-mshv dev          /dev/mshv through the UAPI (run under "mshv-emu run")
 * Exit 0 when everything behaves, 1 with a message otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <hyperv/hv_all.h>
#include <linux/mshv.h>
#include <mshv-emu/emu.h>

#define FAIL(...) do { fprintf(stderr, "use-mshv: " __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)

static int use_lib(const char *version)
{
	struct emu_partition_config cfg = { .pt_flags = 1ull << MSHV_PT_BIT_LAPIC };
	struct emu_partition *pt = NULL;
	uint16_t reps = 0, st;
	int r;

	if (strcmp(emu_version(), version))
		FAIL("emu_version() is %s, installed %s", emu_version(), version);
	if ((r = emu_init()))
		FAIL("emu_init: %s", strerror(-r));
	if ((r = emu_partition_create(&cfg, &pt)) || !pt)
		FAIL("emu_partition_create: %s", strerror(-r));
	if ((r = emu_partition_initialize(pt)))
		FAIL("emu_partition_initialize: %s", strerror(-r));
	/* A code no hypervisor defines gets the TLFS's status, not success. */
	st = emu_hvcall(pt, 0xfff, &reps, NULL, 0, NULL, 0);
	if (st != HV_STATUS_INVALID_HYPERCALL_CODE)
		FAIL("hypercall 0xfff: status %#x, want %#x", st, HV_STATUS_INVALID_HYPERCALL_CODE);
	emu_partition_put(pt);
	return 0;
}

static int use_dev(void)
{
	struct mshv_create_partition a = { .pt_flags = 1ull << MSHV_PT_BIT_LAPIC };
	int fd = open("/dev/mshv", O_RDWR | O_CLOEXEC), pt;

	if (fd < 0)
		FAIL("open /dev/mshv: %s", strerror(errno));
	pt = ioctl(fd, MSHV_CREATE_PARTITION, &a);
	if (pt < 0)
		FAIL("MSHV_CREATE_PARTITION: %s", strerror(errno));
	if (ioctl(pt, MSHV_INITIALIZE_PARTITION))
		FAIL("MSHV_INITIALIZE_PARTITION: %s", strerror(errno));
	close(pt);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "lib"))
		return use_lib(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "dev"))
		return use_dev();
	fprintf(stderr, "usage: use-mshv lib VERSION | use-mshv dev\n");
	return 2;
}
