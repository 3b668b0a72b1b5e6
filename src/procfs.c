/* SPDX-License-Identifier: MIT */
/* Small /proc helpers (see procfs.h). */
#define _GNU_SOURCE
#include <config.h>

#include "procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pid_t procfs_tgid_of(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	if (tid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = (pid_t)strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}
