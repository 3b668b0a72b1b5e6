/* SPDX-License-Identifier: MIT */
/* Small /proc helpers (see procfs.h). */
#define _GNU_SOURCE
#include <config.h>

#include "procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long procfs_status(pid_t tid, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f;

	if (tid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

pid_t procfs_tgid_of(pid_t tid)
{
	return (pid_t)procfs_status(tid, "Tgid");
}
