/* SPDX-License-Identifier: MIT */
/*
 * What the engine relies on from libunicorn's private fields
 * (emu/ucpriv.c), checked on a bare engine, each against the same engine
 * without them where the difference shows:
 * - a stop asked while guest code runs lands at a block's start with RIP
 *   set to it and nothing of that block run (no exit check after memory
 *   accesses; the code hook hidden, so Unicorn sets RIP) — from a hook and
 *   from another thread;
 * - the code hook runs only in blocks translated while it is shown, only
 *   inside its bounds, and ucpriv_stop_here leaves before the instruction.
 */
#include "../../emu/ucpriv.h"
#include "check_run.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define MEM_SIZE (2u << 20)
#define CODE	 0x1000u
#define DATA	 0x8000u

struct eng {
	uc_engine *uc;
	uint8_t *mem;
	struct ucpriv priv;
	bool attached;
	unsigned calls;
	uint64_t last_call;
	uint64_t stop_at; /* the code hook stops here */
};

static void code_cb(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	struct eng *e = data;

	(void)uc;
	(void)size;
	e->calls++;
	e->last_call = addr;
	if (addr == e->stop_at)
		ucpriv_stop_here(&e->priv);
}

static void eng_open(struct eng *e, bool attach, const uint8_t *code, size_t n)
{
	memset(e, 0, sizeof *e);
	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc), UC_ERR_OK);
	ck_assert_int_eq(uc_ctl_set_tcg_buffer_size(e->uc, 8u << 20), UC_ERR_OK);
	e->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(e->mem, MAP_FAILED);
	ck_assert_int_eq(uc_mem_map_ptr(e->uc, 0, MEM_SIZE, UC_PROT_ALL, e->mem), UC_ERR_OK);
	memcpy(e->mem + CODE, code, n);
	if (attach) {
		ck_assert_msg(ucpriv_attach(&e->priv, e->uc, code_cb, e) == 0, "%s",
			      ucpriv_error());
		e->attached = true;
	}
}

static void eng_close(struct eng *e)
{
	if (e->attached)
		ucpriv_detach(&e->priv);
	uc_close(e->uc);
	munmap(e->mem, MEM_SIZE);
}

static uint64_t reg(struct eng *e, int r)
{
	uint64_t v = 0;

	uc_reg_read(e->uc, r, &v);
	return v;
}

/* mov [DATA], rax; inc rbx; inc rbx; jmp next; next: inc rcx; hlt */
static const uint8_t store_then_more[] = {
	0x48, 0x89, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00, /* mov [0x8000], rax */
	0x48, 0xff, 0xc3, 0x48, 0xff, 0xc3,		/* inc rbx; inc rbx */
	0xeb, 0x00,					/* jmp next */
	0x48, 0xff, 0xc1, 0xf4,				/* next: inc rcx; hlt */
};
#define NEXT_BLOCK (CODE + 16)

static void stop_on_write(uc_engine *uc, uc_mem_type t, uint64_t a, int sz, int64_t v, void *d)
{
	(void)t, (void)a, (void)sz, (void)v, (void)d;
	uc_emu_stop(uc);
}

/* A stop asked during a block lands at the next block's start. Without
 * the private field Unicorn stops right after the store, RIP stale. */
static void run_store(bool attach, uint64_t *rip, uint64_t *rbx)
{
	struct eng e;
	uc_hook h;

	eng_open(&e, attach, store_then_more, sizeof store_then_more);
	ck_assert_int_eq(uc_hook_add(e.uc, &h, UC_HOOK_MEM_WRITE, stop_on_write, NULL, 1, 0),
			 UC_ERR_OK);
	ck_assert_int_eq(uc_emu_start(e.uc, CODE, 0, 0, 0), UC_ERR_OK);
	*rip = reg(&e, UC_X86_REG_RIP);
	*rbx = reg(&e, UC_X86_REG_RBX);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RCX), 0);
	eng_close(&e);
}

START_TEST(test_stop_lands_at_next_block)
{
	uint64_t rip, rbx;

	run_store(true, &rip, &rbx);
	ck_assert_uint_eq(rip, NEXT_BLOCK);
	ck_assert_uint_eq(rbx, 2);
	run_store(false, &rip, &rbx);
	ck_assert_uint_eq(rbx, 0); /* Unicorn's own: mid-block */
}
END_TEST

/* inc rax; inc rbx; nop; inc rcx; hlt */
static const uint8_t straight[] = {
	0x48, 0xff, 0xc0, 0x48, 0xff, 0xc3, 0x90, 0x48, 0xff, 0xc1, 0xf4
};
#define SITE (CODE + 6)

START_TEST(test_code_hook_shown_hidden_and_stop_here)
{
	struct eng e;

	eng_open(&e, true, straight, sizeof straight);
	/* Hidden: translated without it, never called. */
	e.stop_at = SITE;
	ck_assert_int_eq(uc_emu_start(e.uc, CODE, 0, 0, 0), UC_ERR_OK);
	ck_assert_uint_eq(e.calls, 0);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RCX), 1);
	/* Shown over the site: only the site calls it, and stop_here leaves
	 * before the nop with the earlier instructions done. */
	ck_assert_int_eq(uc_ctl_remove_cache(e.uc, CODE, CODE + sizeof straight), UC_ERR_OK);
	ucpriv_show_code_hook(&e.priv, SITE, SITE);
	uint64_t zero = 0;
	uc_reg_write(e.uc, UC_X86_REG_RAX, &zero);
	uc_reg_write(e.uc, UC_X86_REG_RBX, &zero);
	uc_reg_write(e.uc, UC_X86_REG_RCX, &zero);
	ck_assert_int_eq(uc_emu_start(e.uc, CODE, 0, 0, 0), UC_ERR_OK);
	ucpriv_hide_code_hook(&e.priv);
	ck_assert_uint_eq(e.calls, 1);
	ck_assert_uint_eq(e.last_call, SITE);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RIP), SITE);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RAX), 1);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RBX), 1);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RCX), 0);
	/* The block keeps its call once hidden; resuming at the site with
	 * no stop asked runs on. */
	e.stop_at = 0;
	ck_assert_int_eq(uc_emu_start(e.uc, SITE, 0, 0, 0), UC_ERR_OK);
	ck_assert_uint_eq(reg(&e, UC_X86_REG_RCX), 1);
	eng_close(&e);
}
END_TEST

/* Two blocks that jump to each other:
 * loop: mov [DATA], rbx; inc rbx; jmp mid
 * mid:  mov rdx, [DATA]; inc rcx; jmp loop */
static const uint8_t counting_loop[] = {
	0x48, 0x89, 0x1c, 0x25, 0x00, 0x80, 0x00, 0x00, /* mov [0x8000], rbx */
	0x48, 0xff, 0xc3,				/* inc rbx */
	0xeb, 0x00,					/* jmp mid */
	0x48, 0x8b, 0x14, 0x25, 0x00, 0x80, 0x00, 0x00, /* mid: mov rdx, [0x8000] */
	0x48, 0xff, 0xc1,				/* inc rcx */
	0xeb, 0xe6,					/* jmp loop */
};
#define MID (CODE + 13)

struct kicker {
	struct eng *e;
	_Atomic bool running;
};

static void *kick_later(void *arg)
{
	struct kicker *k = arg;
	const struct timespec t = { 0, 2000000 };

	while (!atomic_load(&k->running))
		;
	nanosleep(&t, NULL);
	/* Retried as emu/kick.c does: uc_emu_start clears a stop asked
	 * during its prologue. */
	while (atomic_load(&k->running)) {
		uc_emu_stop(k->e->uc);
		nanosleep(&t, NULL);
	}
	return NULL;
}

/* A stop from another thread, with the code hook present (hidden) as in
 * the engine: every one lands at the loop's start, with the loop's
 * registers and memory in step. (Shown, the hook makes Unicorn leave RIP
 * at the last indirectly entered block: stops at "mid" read as "loop".) */
START_TEST(test_stop_from_another_thread_is_exact)
{
	struct eng e;

	eng_open(&e, true, counting_loop, sizeof counting_loop);
	for (int i = 0; i < 20; i++) {
		struct kicker k = { .e = &e };
		pthread_t th;
		ck_assert_int_eq(pthread_create(&th, NULL, kick_later, &k), 0);
		uint64_t at = reg(&e, UC_X86_REG_RIP);
		atomic_store(&k.running, true);
		ck_assert_int_eq(uc_emu_start(e.uc, i ? at : CODE, 0, 0, 0), UC_ERR_OK);
		atomic_store(&k.running, false);
		pthread_join(th, NULL);
		uint64_t rbx = reg(&e, UC_X86_REG_RBX), rcx = reg(&e, UC_X86_REG_RCX);
		uint64_t rdx = reg(&e, UC_X86_REG_RDX), rip = reg(&e, UC_X86_REG_RIP), stored;
		memcpy(&stored, e.mem + DATA, sizeof stored);
		/* At either block's start, with what its predecessor did. */
		ck_assert_msg(rip == CODE || rip == MID, "rip %#lx", (unsigned long)rip);
		ck_assert_uint_eq(stored, rbx - (rbx != 0));
		if (rip == CODE) {
			ck_assert_uint_eq(rbx, rcx);
			ck_assert_uint_eq(rdx, stored);
		} else {
			ck_assert_uint_eq(rbx, rcx + 1);
			ck_assert_uint_eq(rdx, rbx >= 2 ? rbx - 2 : 0);
		}
	}
	ck_assert_uint_eq(e.calls, 0);
	eng_close(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ucpriv");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stop_lands_at_next_block);
	tcase_add_test(tc, test_code_hook_shown_hidden_and_stop_here);
	tcase_add_test(tc, test_stop_from_another_thread_is_exact);
	suite_add_tcase(s, tc);
	return check_run(s);
}
