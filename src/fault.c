/* SPDX-License-Identifier: MIT */
/*
 * Fault injection specs: "KIND=NAME[:RESULT][:SELECTOR]...", several joined
 * by ','.
 *
 *   ioctl=NAME:errno=EXXX      the ioctl fails with that errno before it
 *                              reaches the decoder (RUN_VP: EINTR, EAGAIN)
 *   hvcall=NAME:status=STATUS  MSHV_ROOT_HVCALL of that hypercall fails with
 *                              that hypervisor status, the call not made
 *   exit=MSGTYPE               a RUN_VP exit is replaced by that message
 *                              type (intercept header kept)
 *
 * NAME may be '*' (every ioctl, hypercall or exit). Selectors, counted per
 * spec over all VPs: nth=N (only the Nth occurrence), after=N (every one
 * after the first N), prob=P with seed=S (each with probability P, from a
 * generator seeded with S: the same run fails the same calls). Without a
 * selector every occurrence fails.
 */
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fault_kind { F_IOCTL, F_HVCALL, F_EXIT };

struct fault_spec {
	enum fault_kind kind;
	bool any;
	uint32_t what;		/* ioctl index, hypercall code */
	int err;		/* F_IOCTL */
	uint16_t status;	/* F_HVCALL */
	uint32_t msg;		/* F_EXIT: the type injected */
	uint64_t nth, after;
	double prob;		/* < 0: not given */
	uint64_t rng;
	uint64_t seen;
};

struct fault_set {
	pthread_mutex_t mu;	/* counters and generators */
	size_t n;
	struct fault_spec s[];
};

static int __attribute__((format(printf, 3, 4))) bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

/* One spec, NUL-terminated and writable. */
static int parse_one(struct fault_spec *f, char *s, char *why, size_t len)
{
	char *save = NULL, *tok = strtok_r(s, ":", &save);
	bool have_result = false, have_seed = false;

	memset(f, 0, sizeof *f);
	f->prob = -1;
	if (!tok || !strchr(tok, '='))
		return bad(why, len, "'%s': expected ioctl=, hvcall= or exit=", tok ? tok : "");
	char *name = strchr(tok, '=');
	*name++ = 0;
	if (!strcmp(tok, "ioctl"))
		f->kind = F_IOCTL;
	else if (!strcmp(tok, "hvcall"))
		f->kind = F_HVCALL;
	else if (!strcmp(tok, "exit"))
		f->kind = F_EXIT;
	else
		return bad(why, len, "unknown selector '%s' (ioctl, hvcall, exit)", tok);
	f->any = !strcmp(name, "*");
	if (f->kind == F_IOCTL && !f->any) {
		int i = trace_ioctl_index(name);
		if (i < 0)
			return bad(why, len, "unknown ioctl '%s'", name);
		f->what = (uint32_t)i;
	} else if (f->kind == F_HVCALL && !f->any) {
		uint16_t c;
		if (trace_hvcall_code(name, &c))
			return bad(why, len, "unknown hypercall '%s'", name);
		f->what = c;
	} else if (f->kind == F_EXIT) {
		if (f->any || trace_msg_type(name, &f->msg))
			return bad(why, len, "unknown message type '%s'", name);
		have_result = true;
	}
	while ((tok = strtok_r(NULL, ":", &save))) {
		char *v = strchr(tok, '=');
		if (!v)
			return bad(why, len, "'%s': expected KEY=VALUE", tok);
		*v++ = 0;
		if (!strcmp(tok, "errno") && f->kind == F_IOCTL) {
			if (trace_errno_value(v, &f->err))
				return bad(why, len, "unknown errno '%s'", v);
			have_result = true;
		} else if (!strcmp(tok, "status") && f->kind == F_HVCALL) {
			if (trace_status_code(v, &f->status) || !f->status)
				return bad(why, len, "unknown or success status '%s'", v);
			have_result = true;
		} else if (!strcmp(tok, "nth")) {
			if (parse_u64(v, &f->nth) || !f->nth)
				return bad(why, len, "bad nth '%s' (1, 2, ...)", v);
		} else if (!strcmp(tok, "after")) {
			if (parse_u64(v, &f->after))
				return bad(why, len, "bad after '%s'", v);
		} else if (!strcmp(tok, "prob")) {
			char *end;
			f->prob = strtod(v, &end);
			if (*end || !(f->prob >= 0 && f->prob <= 1))
				return bad(why, len, "bad prob '%s' (0 to 1)", v);
		} else if (!strcmp(tok, "seed")) {
			if (parse_u64(v, &f->rng))
				return bad(why, len, "bad seed '%s'", v);
			have_seed = true;
		} else {
			return bad(why, len, "unknown or misplaced key '%s'", tok);
		}
	}
	if (!have_result)
		return bad(why, len, "%s", f->kind == F_IOCTL ? "ioctl= needs errno=" :
						       "hvcall= needs status=");
	if (f->nth && f->after)
		return bad(why, len, "%s", "nth= and after= exclude each other");
	/* splitmix64 state: any seed, 0 included, gives a usable sequence. */
	if (!have_seed)
		f->rng = 1;
	return 0;
}

int fault_parse(struct fault_set **set, const char *spec, char *why, size_t why_len)
{
	char *dup = strdup(spec ? spec : ""), *save = NULL;
	size_t count = 0;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	for (const char *p = spec; p && *p; p++)
		count += *p == ',';
	count++;
	size_t old = *set ? (*set)->n : 0;
	struct fault_set *s = realloc(*set, sizeof *s + (old + count) * sizeof s->s[0]);
	if (!s) {
		free(dup);
		return -ENOMEM;
	}
	if (!*set) {
		pthread_mutex_init(&s->mu, NULL);
		s->n = 0;
	}
	*set = s;
	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		rc = parse_one(&s->s[s->n], tok, why, why_len);
		if (rc)
			break;
		s->n++;
	}
	if (!rc && s->n == old)
		rc = bad(why, why_len, "%s", "empty fault spec");
	free(dup);
	return rc;
}

void fault_free(struct fault_set *set)
{
	if (!set)
		return;
	pthread_mutex_destroy(&set->mu);
	free(set);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Counts one occurrence against f; true to fail it. Under set->mu. */
static bool fires(struct fault_spec *f)
{
	uint64_t n = ++f->seen;

	if (f->nth && n != f->nth)
		return false;
	if (n <= f->after)
		return false;
	if (f->prob >= 0)
		return (double)(splitmix64(&f->rng) >> 11) * 0x1.0p-53 < f->prob;
	return true;
}

static struct fault_spec *match(struct fault_set *set, enum fault_kind kind, uint32_t what)
{
	struct fault_spec *hit = NULL;

	pthread_mutex_lock(&set->mu);
	/* Every matching spec counts the event; the first that fires wins. */
	for (size_t i = 0; i < set->n; i++) {
		struct fault_spec *f = &set->s[i];

		if (f->kind == kind && (f->any || f->kind == F_EXIT || f->what == what) &&
		    fires(f) && !hit)
			hit = f;
	}
	pthread_mutex_unlock(&set->mu);
	return hit;
}

bool fault_ioctl(struct fault_set *set, int ioctl_index, int *err)
{
	struct fault_spec *f = match(set, F_IOCTL, (uint32_t)ioctl_index);

	if (f)
		*err = f->err;
	return f;
}

bool fault_hvcall(struct fault_set *set, uint16_t code, uint16_t *status)
{
	struct fault_spec *f = match(set, F_HVCALL, code);

	if (f)
		*status = f->status;
	return f;
}

bool fault_exit(struct fault_set *set, uint32_t *msg_type)
{
	struct fault_spec *f = match(set, F_EXIT, 0);

	if (f)
		*msg_type = f->msg;
	return f;
}
