/* SPDX-License-Identifier: MIT */
/*
 * Private fields of libunicorn 2.1.1's struct uc_struct (include/uc_priv.h),
 * x86-64 with glibc. Nothing is taken on trust: each field is found by what
 * the engine holds there at this point, and a mismatch refuses.
 *
 * - no_exit_request: while set, Unicorn emits no exit check after each
 *   guest load and store (qemu/tcg/tcg-op.c check_exit_request), so a stop
 *   asked by another thread lands at the next block's start, where QEMU
 *   checks too and the state is exact. Found from tcg_buffer_size, which
 *   ends the struct, through the fields between (next_pc, four bools,
 *   jmp_bufs, nested_level, last_tb, empty_view).
 * - jmp_bufs[nested_level - 1]: where cpu_loop_exit jumps to; a site's
 *   code hook jumps there to stop before its instruction.
 * - hook[UC_HOOK_CODE_IDX]: a list whose head Unicorn reads when it
 *   translates (is any code hook bounded here?) and after a stop at a
 *   block's start (any code hook at all? then it leaves RIP as it is,
 *   which is stale after a direct jump between blocks:
 *   qemu/accel/tcg/cpu-exec.c cpu_tb_exec). With one code hook, translated
 *   blocks call it directly (tcg-op.h gen_uc_tracecode), not through the
 *   list; so the list is emptied except while a block with sites is
 *   translated. Found by adding the hook and looking for its list item.
 */
#include "ucpriv.h"

#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NESTED_MAX    64 /* UC_MAX_NESTED_LEVEL */
#define HOOK_IDX_CODE 2
#define HOOK_IDX_MAX  18 /* UC_HOOK_MAX */
#define LIST_SIZE     24 /* head, tail, delete_fn */
/* hooks_count[CODE] from hook[CODE]: the rest of hook[], hooks_to_del */
#define COUNT_FROM_CODE_LIST ((HOOK_IDX_MAX - HOOK_IDX_CODE + 1) * LIST_SIZE + HOOK_IDX_CODE * 4)
/* struct hook */
#define HK_TYPE	     0
#define HK_BEGIN     24
#define HK_END	     32
#define HK_CALLBACK  40
#define HK_USER_DATA 48
/* Bounds the hook is added with, to recognise it. */
#define MAGIC_BEGIN 0x5ca11ab1e0000000ull
#define MAGIC_END   0x5ca11ab1e0000fffull

static char err_buf[200];

static uint64_t rd64(const void *p, size_t o)
{
	uint64_t v;
	memcpy(&v, (const char *)p + o, 8);
	return v;
}
static uint32_t rd32(const void *p, size_t o)
{
	uint32_t v;
	memcpy(&v, (const char *)p + o, 4);
	return v;
}
static uint8_t rd8(const void *p, size_t o)
{
	return ((const uint8_t *)p)[o];
}
static void wr64(void *p, size_t o, uint64_t v)
{
	memcpy((char *)p + o, &v, 8);
}

/* The version, as "2.1.1". */
static void version(char *buf, size_t n)
{
	unsigned v = uc_version(NULL, NULL);

	snprintf(buf, n, "%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff);
}

static int refuse(const char *what)
{
	char v[16];

	version(v, sizeof v);
	snprintf(err_buf, sizeof err_buf,
		 "libunicorn %s is not laid out as 2.1.1 (x86-64): cannot find %s", v, what);
	return -ENOTSUP;
}

const char *ucpriv_error(void)
{
	return err_buf;
}

/* Offset of jmp_bufs, from where tcg_buffer_size holds want. */
static long find_jmpbufs(const uint8_t *s, size_t n, uint32_t want)
{
	const size_t tail = NESTED_MAX * sizeof(sigjmp_buf) + 24;
	long found = -1;

	for (size_t o = tail + 8; o + 4 <= n; o += 8) {
		if (rd32(s, o) != want)
			continue;
		size_t j = o - tail;
		if (rd32(s, j + NESTED_MAX * sizeof(sigjmp_buf)) != 0 || /* nested_level */
		    rd8(s, j - 5) != 1 ||				 /* init_done */
		    rd8(s, j - 6) != 0 ||				 /* no_exit_request */
		    rd8(s, j - 7) > 1 ||				 /* first_tb */
		    rd8(s, j - 8) != 0)					 /* hook_insert */
			continue;
		if (found >= 0)
			return -2; /* ambiguous */
		found = (long)j;
	}
	return found;
}

/* Offset of the code hook list: empty before, one item after (head ==
 * tail), hooks_count[CODE] 0 then 1, the item's hook ours. */
static long find_code_list(const uint8_t *before, const uint8_t *after, size_t n,
			   uc_cb_hookcode_t cb, void *data, void **item, void **hook)
{
	for (size_t o = 0; o + COUNT_FROM_CODE_LIST + 4 <= n; o += 8) {
		uint64_t v = rd64(after, o);
		if (!v || rd64(after, o + 8) != v || rd64(before, o) || rd64(before, o + 8) ||
		    rd32(before, o + COUNT_FROM_CODE_LIST) != 0 ||
		    rd32(after, o + COUNT_FROM_CODE_LIST) != 1)
			continue;
		const void *it = (const void *)(uintptr_t)v;
		if (rd64(it, 0) != 0)
			continue;
		const void *hk = (const void *)(uintptr_t)rd64(it, 8);
		if (!hk || rd32(hk, HK_TYPE) != UC_HOOK_CODE || rd64(hk, HK_BEGIN) != MAGIC_BEGIN ||
		    rd64(hk, HK_END) != MAGIC_END || rd64(hk, HK_CALLBACK) != (uintptr_t)cb ||
		    rd64(hk, HK_USER_DATA) != (uintptr_t)data)
			continue;
		*item = (void *)it;
		*hook = (void *)hk;
		return (long)o;
	}
	return -1;
}

int ucpriv_attach(struct ucpriv *p, uc_engine *uc, uc_cb_hookcode_t cb, void *data)
{
	size_t n = malloc_usable_size(uc);
	uint8_t *before = malloc(n), *after = malloc(n);
	uint32_t tcg = 0;
	uc_hook h;
	int rc = 0;

	memset(p, 0, sizeof *p);
	p->uc = uc;
	if ((uc_version(NULL, NULL) >> 8) != 0x020101) {
		char v[16];
		version(v, sizeof v);
		snprintf(err_buf, sizeof err_buf,
			 "the engine relies on libunicorn 2.1.1's private layout (found %s)", v);
		rc = -ENOTSUP;
		goto out;
	}
	if (!before || !after) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(before, uc, n);
	/* uc_ctl_get_tcg_buffer_size, without its int overflow (2 << 30). */
	const uc_control_type get_tcg =
		(uc_control_type)((unsigned)UC_CTL_TCG_BUFFER_SIZE | (1u << 26) |
				  ((unsigned)UC_CTL_IO_READ << 30));
	if (uc_ctl(uc, get_tcg, &tcg) != UC_ERR_OK) {
		rc = refuse("tcg_buffer_size");
		goto out;
	}
	long j = find_jmpbufs(before, n, tcg);
	if (j < 0) {
		rc = refuse("jmp_bufs and no_exit_request");
		goto out;
	}
	if (uc_hook_add(uc, &h, UC_HOOK_CODE, cb, data, MAGIC_BEGIN, MAGIC_END) != UC_ERR_OK) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(after, uc, n);
	long c = find_code_list(before, after, n, cb, data, &p->code_item, &p->code_hook);
	if (c < 0) {
		rc = refuse("the code hook list");
		goto out;
	}
	p->jmpbufs = (size_t)j;
	p->nested = (size_t)j + NESTED_MAX * sizeof(sigjmp_buf);
	p->code_list = (size_t)c;
	((uint8_t *)uc)[j - 6] = 1; /* no_exit_request */
	p->shown = true;
	ucpriv_hide_code_hook(p);
out:
	free(before);
	free(after);
	return rc;
}

void ucpriv_detach(struct ucpriv *p)
{
	if (p->code_item)
		ucpriv_show_code_hook(p, MAGIC_BEGIN, MAGIC_END);
}

void ucpriv_show_code_hook(struct ucpriv *p, uint64_t begin, uint64_t end)
{
	wr64(p->code_hook, HK_BEGIN, begin);
	wr64(p->code_hook, HK_END, end);
	wr64(p->uc, p->code_list, (uintptr_t)p->code_item);
	wr64(p->uc, p->code_list + 8, (uintptr_t)p->code_item);
	p->shown = true;
}

void ucpriv_hide_code_hook(struct ucpriv *p)
{
	if (!p->shown)
		return;
	wr64(p->uc, p->code_list, 0);
	wr64(p->uc, p->code_list + 8, 0);
	p->shown = false;
}

bool ucpriv_translate_at(struct ucpriv *p, uint64_t addr)
{
	sigjmp_buf *jb = (sigjmp_buf *)((char *)p->uc + p->jmpbufs);
	int *level = (int *)((char *)p->uc + p->nested);
	volatile bool ok = false;

	if (*level != 0)
		return false;
	*level = 1;
	if (!sigsetjmp(jb[0], 0)) {
		/* uc_ctl_request_cache, without its int overflow (3 << 30). */
		const uc_control_type req =
			(uc_control_type)((unsigned)UC_CTL_TB_REQUEST_CACHE | (2u << 26) |
					  ((unsigned)UC_CTL_IO_READ_WRITE << 30));
		uc_tb tb;
		ok = uc_ctl(p->uc, req, addr, &tb) == UC_ERR_OK;
	}
	*level = 0;
	return ok;
}

_Noreturn void ucpriv_stop_here(struct ucpriv *p)
{
	int level = (int)rd32(p->uc, p->nested);
	sigjmp_buf *jb = (sigjmp_buf *)((char *)p->uc + p->jmpbufs);

	if (level < 1 || level > NESTED_MAX) {
		fprintf(stderr, "mshv-emu: libunicorn's nested_level is %d inside a hook\n", level);
		abort();
	}
	uc_emu_stop(p->uc);
	siglongjmp(jb[level - 1], 1);
}
