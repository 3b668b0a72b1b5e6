/* SPDX-License-Identifier: MIT */
/* The mshv-emu command's pieces (src/mshv-emu.c, src/demo.c). */
#ifndef MSHV_EMU_CLI_H
#define MSHV_EMU_CLI_H

#include <stddef.h>

/*
 * Locate a file: $env if set, else REL beside this executable (the build
 * tree), else INSTALLED under the root of a staged install (DESTDIR), else
 * INSTALLED.  0 and the path in OUT when it exists.
 */
int cli_find(const char *env, const char *installed, const char *rel, char *out, size_t len);
/* exec ARGV with /dev/mshv served in-process (LD_PRELOAD); returns on failure. */
int cli_run(char **argv);
/* "mshv-emu demo [options]" */
int demo_main(char **argv);

#endif
