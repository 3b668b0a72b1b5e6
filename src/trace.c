/* SPDX-License-Identifier: MIT */
/*
 * The trace sink: one line per event, written with a single write(2) to a
 * file opened O_APPEND, so lines from several threads (VPs) or processes
 * never interleave and need no lock.
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct trace_sink {
	int fd;
	unsigned classes;
	char prefix[64];
	struct timespec t0;
};

/* Above the descriptors a VMM normally uses, so a VMM that closes or
 * dup2()s over its low fds does not take the trace with it. */
#define TRACE_FD_MIN 500

struct trace_sink *trace_open(const char *path, unsigned classes, const char *prefix, int *err)
{
	struct trace_sink *t = calloc(1, sizeof *t);
	int fd;

	*err = 0;
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	/* No symbolic link followed: the daemon, as root, may be told to
	 * trace into a directory others can write (FILE.PID in /tmp). */
	if (!path || !*path || !strcmp(path, "-"))
		fd = dup(2);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		*err = -errno;
		free(t);
		return NULL;
	}
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, TRACE_FD_MIN);
	if (hi >= 0) {
		close(fd);
		fd = hi;
	} else {
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	t->fd = fd;
	t->classes = classes;
	snprintf(t->prefix, sizeof t->prefix, "%s", prefix ? prefix : "");
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	return t;
}

void trace_close(struct trace_sink *t)
{
	if (!t)
		return;
	close(t->fd);
	free(t);
}

bool trace_wants(const struct trace_sink *t, unsigned cls)
{
	return t && (t->classes & cls);
}

static const struct { const char *name; unsigned cls; } class_names[] = {
	{ "ioctl", TRACE_IOCTL }, { "hvcall", TRACE_HVCALL },
	{ "exit", TRACE_EXIT }, { "irq", TRACE_IRQ }, { "all", TRACE_ALL },
};

static const char *class_name(unsigned cls)
{
	for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
		if (class_names[i].cls == cls)
			return class_names[i].name;
	return "?";
}

int trace_parse_filter(const char *s, unsigned *mask)
{
	*mask = 0;
	while (s && *s) {
		size_t n = strcspn(s, ",");
		bool found = false;

		for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
			if (strlen(class_names[i].name) == n && !strncmp(s, class_names[i].name, n)) {
				*mask |= class_names[i].cls;
				found = true;
			}
		if (!found)
			return -EINVAL;
		s += n;
		if (*s)
			s++;
	}
	return *mask ? 0 : -EINVAL;
}

void tl_add(struct tline *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n >= sizeof l->s - 1)
		return;
	va_start(ap, fmt);
	int r = vsnprintf(l->s + l->n, sizeof l->s - l->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		l->n += (size_t)r < sizeof l->s - l->n ? (size_t)r : sizeof l->s - l->n - 1;
}

void trace_emit(struct trace_sink *t, unsigned cls, int vp, const struct tline *body)
{
	struct timespec now;
	char line[TRACE_LINE_MAX + 128];

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ns = (long long)(now.tv_sec - t->t0.tv_sec) * 1000000000LL +
		       (now.tv_nsec - t->t0.tv_nsec);
	int n = snprintf(line, sizeof line - 1, "%s%lld.%06lld %s ", t->prefix, ns / 1000000000LL,
			 (ns % 1000000000LL) / 1000, class_name(cls));
	if (n < 0)
		return;
	if (vp >= 0)
		n += snprintf(line + n, sizeof line - 1 - (size_t)n, "vp=%d ", vp);
	n += snprintf(line + n, sizeof line - 1 - (size_t)n, "%.*s", (int)body->n, body->s);
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* A trace that cannot be written is dropped, never the VMM's call. */
	ssize_t w = write(t->fd, line, (size_t)n);
	(void)w;
}
