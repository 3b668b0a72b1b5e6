/* SPDX-License-Identifier: MIT */
/*
 * mshv-emu demo: boots Linux through the in-process /dev/mshv with the
 * reference VMM (examples/linux, installed as mshv-linux), Debian's kernel
 * unpacked by scripts/setup.sh and the busybox initramfs the build makes.
 * The guest reports its release and CPU count; the VMM's last line is
 * "mshv-emu demo: Linux R reached userspace in S s (N CPUs)". The guest
 * is offered the Hyper-V enlightenments (mshv-linux --hyperv, see
 * docs/synic.md) unless --no-hyperv is given.
 * "mshv-emu demo --tiny" runs the smallest example VMM instead.
 */
#include <config.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 24

static int tiny(void)
{
	char demo[PATH_MAX];
	char *a[] = { demo, NULL };

	if (cli_find("MSHV_EMU_DEMO", PKGLIBEXECDIR "/demo-vmm", "examples/demo-vmm",
		     demo, sizeof demo)) {
		fprintf(stderr, "mshv-emu: cannot find the demo VMM (set MSHV_EMU_DEMO)\n");
		return 127;
	}
	return cli_run(a);
}

int demo_main(char **argv)
{
	static char vmm[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX];
	static char tag[] = "--tag=mshv-emu demo";
	char *a[MAX_ARGS], *user_kernel = NULL, *user_initrd = NULL;
	unsigned n = 0;
	bool hyperv = true;

	if (argv[0] && !strcmp(argv[0], "--tiny") && !argv[1])
		return tiny();
	if (cli_find("MSHV_EMU_LINUX_VMM", PKGLIBEXECDIR "/mshv-linux", "examples/linux/mshv-linux",
		     vmm, sizeof vmm)) {
		fprintf(stderr, "mshv-emu: cannot find mshv-linux (set MSHV_EMU_LINUX_VMM)\n");
		return 127;
	}
	a[n++] = vmm;
	a[n++] = tag;
	for (; *argv; argv++) {
		/* room for this one, --hyperv, --kernel K --initrd I and NULL */
		if (n + 7 > MAX_ARGS) {
			fprintf(stderr, "mshv-emu demo: too many options\n");
			return 2;
		}
		if (!strcmp(*argv, "--kernel") && argv[1])
			user_kernel = *++argv;
		else if (!strcmp(*argv, "--initrd") && argv[1])
			user_initrd = *++argv;
		else if (!strcmp(*argv, "--no-hyperv") || !strcmp(*argv, "--hyperv"))
			hyperv = !strcmp(*argv, "--hyperv");
		else
			a[n++] = *argv;	/* --smp N, --mem SIZE, --shell, --append ARGS */
	}
	/* The ELF kernel setup.sh extracted boots faster than the bzImage,
	 * which first decompresses itself inside the guest. */
	if (!user_kernel &&
	    cli_find("MSHV_EMU_KERNEL", PKGDATADIR "/vmlinux", ".cache/linux/vmlinux",
		     kernel, sizeof kernel) &&
	    cli_find("MSHV_EMU_KERNEL", PKGDATADIR "/vmlinuz", ".cache/linux/vmlinuz",
		     kernel, sizeof kernel)) {
		fprintf(stderr, "mshv-emu demo: no kernel: run scripts/setup.sh (it unpacks Debian's), "
			"or pass --kernel PATH\n");
		return 127;
	}
	/* Our initramfs goes with any kernel unless the user brings one. */
	if (!user_initrd &&
	    cli_find("MSHV_EMU_INITRD", PKGDATADIR "/initramfs.cpio", "examples/linux/initramfs.cpio",
		     initrd, sizeof initrd)) {
		fprintf(stderr, "mshv-emu demo: no initramfs: build the tree (make), or pass --initrd PATH\n");
		return 127;
	}
	if (hyperv)
		a[n++] = "--hyperv";
	a[n++] = "--kernel";
	a[n++] = user_kernel ? user_kernel : kernel;
	a[n++] = "--initrd";
	a[n++] = user_initrd ? user_initrd : initrd;
	a[n] = NULL;
	return cli_run(a);
}
