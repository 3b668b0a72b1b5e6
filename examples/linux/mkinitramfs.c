/* SPDX-License-Identifier: MIT */
/*
 * mkinitramfs OUT BUSYBOX INIT: writes an uncompressed initramfs (the
 * kernel's "newc" cpio format, Documentation/driver-api/early-userspace/
 * buffer-format.rst) holding a static busybox, an /init script and the
 * directories and /dev/console node init needs before devtmpfs is up.
 * Written by hand so the build needs neither root (mknod) nor cpio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static FILE *out;
static unsigned long ino = 1, written;

static void pad4(void)
{
	while (written & 3) {
		fputc(0, out);
		written++;
	}
}

static void entry(const char *name, unsigned mode, unsigned rmaj, unsigned rmin,
		  const void *data, size_t len)
{
	size_t nlen = strlen(name) + 1;

	written += (unsigned long)fprintf(out,
		"070701%08lX%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08lX%08X",
		ino++, mode, 0u, 0u, (mode & S_IFDIR) ? 2u : 1u, 0u, (unsigned long)len,
		0u, 0u, rmaj, rmin, (unsigned long)nlen, 0u);
	fwrite(name, 1, nlen, out);
	written += nlen;
	pad4();
	if (len) {
		fwrite(data, 1, len, out);
		written += len;
		pad4();
	}
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	static const char *dirs[] = { "bin", "dev", "proc", "sys", "tmp", "root" };
	size_t bb_len, init_len;
	void *bb, *init;

	if (argc != 4) {
		fprintf(stderr, "usage: mkinitramfs OUT BUSYBOX INIT\n");
		return 1;
	}
	bb = slurp(argv[2], &bb_len);
	init = slurp(argv[3], &init_len);
	if (!(out = fopen(argv[1], "wb"))) {
		perror(argv[1]);
		return 1;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		entry(dirs[i], S_IFDIR | 0755, 0, 0, NULL, 0);
	entry("dev/console", S_IFCHR | 0600, 5, 1, NULL, 0);
	entry("bin/busybox", S_IFREG | 0755, 0, 0, bb, bb_len);
	entry("bin/sh", S_IFLNK | 0777, 0, 0, "busybox", 7);
	entry("init", S_IFREG | 0755, 0, 0, init, init_len);
	entry("TRAILER!!!", 0, 0, 0, NULL, 0);
	free(bb);
	free(init);
	if (fclose(out)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
