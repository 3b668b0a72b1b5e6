/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for emu/hostmem.c through the core API: guest memory whose
 * host range the VMM takes away (emu_host_release, called here as the
 * preload interposers call it) stays the guest's, keeps its registration,
 * and where it cannot be kept the next guest access fails RUN_VP with
 * -EFAULT instead of faulting in the engine.
 */
#define _GNU_SOURCE
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core_helpers.h"

/* Real mode at 0x3000: al = [0x4000 + 0x1100]; out 0x80, al; hlt. */
static const uint8_t reader[] = {
	0xb8, 0x00, 0x04,	/* mov ax, 0x400 */
	0x8e, 0xd8,		/* mov ds, ax */
	0xa0, 0x00, 0x11,	/* mov al, [0x1100] */
	0xe6, 0x80,		/* out 0x80, al */
	0xf4,			/* hlt */
};

struct setup {
	struct emu_partition *pt;
	struct emu_vp *vp;
	uint8_t *code, *data;	/* data: 3 pages at GPA 0x4000 */
};

static struct setup setup_new(void)
{
	struct setup s = { .pt = pt_new(0) };

	ck_assert_int_eq(emu_partition_initialize(s.pt), 0);
	ck_assert_int_eq(emu_vp_create(s.pt, 0, NULL, &s.vp), 0);
	s.code = guest_page(s.pt, 0x3000, reader, sizeof reader);
	s.data = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(s.data, MAP_FAILED);
	s.data[0x1100] = 0x5a;
	ck_assert_int_eq(emu_map_gpa(s.pt, 4, 3 * 4096, s.data, EMU_MEM_WRITABLE), 0);
	real_mode_at(s.pt, 0, 0x0300, 0);
	return s;
}

/* Runs reader from the start: 0 and the byte it read, or -errno. */
static int run_reader(struct setup *s)
{
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io = (void *)msg.u.payload;

	real_mode_at(s->pt, 0, 0x0300, 0);
	int rc = emu_vp_run(s->vp, &msg);
	if (rc)
		return rc;
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_IO_PORT_INTERCEPT);
	return (int)(io->rax & 0xff);
}

START_TEST(test_kept_after_unmap)
{
	struct setup s = setup_new();

	emu_host_release(s.data + 4096, 4096, EMU_HOST_GONE);
	ck_assert_int_eq(munmap(s.data + 4096, 4096), 0);
	ck_assert_int_eq(run_reader(&s), 0x5a);
	/* The registration is still the VMM's, not a piece of it. */
	ck_assert_int_eq(emu_unmap_gpa(s.pt, 5, 4096, s.data + 4096), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(s.pt, 4, 3 * 4096, s.data), 0);
	ck_assert_int_eq(emu_unmap_gpa(s.pt, 4, 3 * 4096, s.data), -ENOENT);
	emu_partition_put(s.pt);
}
END_TEST

START_TEST(test_lost_is_efault)
{
	struct setup s = setup_new();
	struct rlimit rl, none;

	/* No descriptor left for a memfd: private memory cannot be kept. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	none = rl;
	none.rlim_cur = 0;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	emu_host_release(s.data, 3 * 4096, 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(mprotect(s.data, 3 * 4096, PROT_NONE), 0);
	ck_assert_int_eq(run_reader(&s), -EFAULT);
	ck_assert_int_eq(run_reader(&s), -EFAULT);	/* and stays so */
	/* Unmapping the lost region works; new memory there runs again. */
	ck_assert_int_eq(emu_unmap_gpa(s.pt, 4, 3 * 4096, s.data), 0);
	ck_assert_int_eq(mprotect(s.data, 3 * 4096, PROT_READ | PROT_WRITE), 0);
	ck_assert_int_eq(emu_map_gpa(s.pt, 4, 3 * 4096, s.data, EMU_MEM_WRITABLE), 0);
	ck_assert_int_eq(run_reader(&s), 0x5a);
	emu_partition_put(s.pt);
}
END_TEST

START_TEST(test_untouched_range_is_free)
{
	struct setup s = setup_new();
	uint8_t *other = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* Ranges with no guest memory are left alone. */
	emu_host_release(other, 4096, EMU_HOST_GONE);
	other[0] = 1;
	/* Read-only guest memory does not care about losing write access. */
	ck_assert_int_eq(emu_unmap_gpa(s.pt, 4, 3 * 4096, s.data), 0);
	ck_assert_int_eq(emu_map_gpa(s.pt, 4, 3 * 4096, s.data, 0), 0);
	emu_host_release(s.data, 3 * 4096, EMU_HOST_WRITE_ONLY);
	s.data[0x1100] = 0x77;	/* still the same pages */
	ck_assert_int_eq(run_reader(&s), 0x77);
	emu_partition_put(s.pt);
	munmap(other, 4096);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostmem");
	TCase *tc = tcase_create("release");

	tcase_add_test(tc, test_kept_after_unmap);
	tcase_add_test(tc, test_lost_is_efault);
	tcase_add_test(tc, test_untouched_range_is_free);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return check_run(s);
}
