/* SPDX-License-Identifier: MIT */
/* Pinnability of a memory range, from /proc/PID/maps (see vma_perm.h). */
#define _GNU_SOURCE
#include <config.h>

#include "vma_perm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* One "start-end perms ..." line; false if it is not one. */
static bool parse_line(const char *l, uint64_t *s, uint64_t *e, bool *w)
{
	char *p;

	*s = strtoull(l, &p, 16);
	if (*p != '-')
		return false;
	*e = strtoull(p + 1, &p, 16);
	if (*p != ' ' || strlen(p) < 5)
		return false;
	*w = p[2] == 'w';
	return true;
}

int vma_check_pinnable(pid_t pid, uint64_t addr, uint64_t len)
{
	char path[64], buf[4096];
	uint64_t want = addr, end = addr + len;
	size_t have = 0;
	int fd, rc = -EFAULT;
	bool first = true;

	if (pid)
		snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/maps");
	/* Raw: the in-process face interposes open(). */
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOSYS;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		/* Lines come in address order; stop once the range is seen. */
		while ((nl = strchr(line, '\n'))) {
			uint64_t s, e;
			bool w;

			*nl = 0;
			if (parse_line(line, &s, &e, &w) && e > want) {
				if (s > want) {	/* a hole */
					rc = first ? -EINVAL : -EFAULT;
					goto out;
				}
				if (!w)
					goto out;	/* -EFAULT */
				first = false;
				want = e;
				if (want >= end) {
					rc = 0;
					goto out;
				}
			}
			line = nl + 1;
		}
		have = (size_t)(buf + have - line);
		memmove(buf, line, have);
		if (have == sizeof buf - 1)
			have = 0;	/* no line is this long: skip it */
	}
	/* Past the last mapping. */
	rc = first ? -EINVAL : -EFAULT;
out:
	close(fd);
	return rc;
}
