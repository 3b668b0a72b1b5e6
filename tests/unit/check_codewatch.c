/* SPDX-License-Identifier: MIT */
/*
 * The write watch on executed pages (emu/codewatch.c): every write to a
 * watched page is reported once, by whichever thread (or the kernel) makes
 * it, with no limit on the number of pages, and the memory stays writable
 * whatever happens to the watch.
 */
#define _GNU_SOURCE
#include "../../emu/codewatch.h"

#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096u
#define NPAGES 2048u

static uint8_t *region(int shared)
{
	uint8_t *p = mmap(NULL, (size_t)NPAGES * PAGE, PROT_READ | PROT_WRITE,
			  (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	for (unsigned i = 0; i < NPAGES; i++)
		p[(size_t)i * PAGE] = (uint8_t)i;	/* executed code was read */
	return p;
}

static struct codewatch *watch_all(uint8_t *p)
{
	struct codewatch *cw = codewatch_new();

	ck_assert_ptr_nonnull(cw);
	for (unsigned i = 0; i < NPAGES; i++)
		ck_assert(codewatch_track(cw, p, (size_t)NPAGES * PAGE, p + (size_t)i * PAGE));
	ck_assert_uint_eq(codewatch_count(cw), NPAGES);
	ck_assert(!codewatch_take_changed(cw));
	return cw;
}

static void check_pages(int shared)
{
	uint8_t *p = region(shared);
	struct codewatch *cw = watch_all(p);

	/* Far beyond any copy-comparing limit: the last page. */
	p[(size_t)(NPAGES - 1) * PAGE + 7] = 0x90;
	ck_assert(codewatch_take_changed(cw));
	ck_assert(!codewatch_take_changed(cw));
	ck_assert_uint_eq(codewatch_count(cw), NPAGES - 1);
	/* Reported once: the page is no longer watched until tracked again. */
	p[(size_t)(NPAGES - 1) * PAGE + 8] = 0x90;
	ck_assert(!codewatch_take_changed(cw));
	ck_assert(codewatch_track(cw, p, (size_t)NPAGES * PAGE, p + (size_t)(NPAGES - 1) * PAGE));
	p[(size_t)(NPAGES - 1) * PAGE + 9] = 0x90;
	ck_assert(codewatch_take_changed(cw));
	ck_assert_uint_eq(p[(size_t)(NPAGES - 1) * PAGE + 9], 0x90);
	/* Reads never count. */
	volatile uint8_t sum = 0;
	for (unsigned i = 0; i < NPAGES; i++)
		sum += p[(size_t)i * PAGE];
	(void)sum;
	ck_assert(!codewatch_take_changed(cw));
	codewatch_free(cw);
	munmap(p, (size_t)NPAGES * PAGE);
}

START_TEST(test_private_pages)
{
	check_pages(0);
}
END_TEST

/* The conformance library's and QEMU's shared RAM (shmem). */
START_TEST(test_shared_pages)
{
	check_pages(1);
}
END_TEST

static void *writer(void *arg)
{
	((uint8_t *)arg)[100] = 0xcc;
	return NULL;
}

START_TEST(test_other_thread_and_kernel)
{
	uint8_t *p = region(0);
	struct codewatch *cw = watch_all(p);
	pthread_t t;
	int fds[2];

	ck_assert_int_eq(pthread_create(&t, NULL, writer, p + 5 * PAGE), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(codewatch_take_changed(cw));
	/* A VMM loading an image with read(2): the kernel's write waits for
	 * the watch instead of failing with EFAULT. */
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "\x0f\x0b\xf4\x90", 4), 4);
	ck_assert_int_eq(read(fds[0], p + 10 * PAGE, 4), 4);
	ck_assert(!memcmp(p + 10 * PAGE, "\x0f\x0b\xf4\x90", 4));
	ck_assert(codewatch_take_changed(cw));
	close(fds[0]);
	close(fds[1]);
	codewatch_free(cw);
	munmap(p, (size_t)NPAGES * PAGE);
}
END_TEST

/* A balloon-style discard changes the contents (to zero) without a write. */
START_TEST(test_discard)
{
	uint8_t *p = region(0);
	struct codewatch *cw = watch_all(p);

	ck_assert_int_eq(madvise(p + 20 * PAGE, 2 * PAGE, MADV_DONTNEED), 0);
	ck_assert(codewatch_take_changed(cw));
	ck_assert_uint_eq(codewatch_count(cw), NPAGES - 2);
	ck_assert_uint_eq(p[20 * PAGE], 0);
	codewatch_free(cw);
	munmap(p, (size_t)NPAGES * PAGE);
}
END_TEST

START_TEST(test_reset_and_free_leave_memory_writable)
{
	uint8_t *p = region(0);
	struct codewatch *cw = watch_all(p);

	codewatch_reset(cw);
	ck_assert_uint_eq(codewatch_count(cw), 0);
	p[3 * PAGE] = 1;
	ck_assert(!codewatch_take_changed(cw));
	/* Watched again after a reset, then the watch goes away. */
	ck_assert(codewatch_track(cw, p, (size_t)NPAGES * PAGE, p + 4 * PAGE));
	codewatch_free(cw);
	p[4 * PAGE] = 2;
	ck_assert_uint_eq(p[4 * PAGE], 2);
	munmap(p, (size_t)NPAGES * PAGE);
}
END_TEST

START_TEST(test_outside_range)
{
	uint8_t *p = region(0);
	struct codewatch *cw = codewatch_new();

	ck_assert_ptr_nonnull(cw);
	ck_assert(!codewatch_track(cw, p, 16 * PAGE, p + 16 * PAGE));
	ck_assert_uint_eq(codewatch_count(cw), 0);
	codewatch_free(cw);
	munmap(p, (size_t)NPAGES * PAGE);
}
END_TEST

/* The CUSE daemon's case: the userfaultfd is another process's (the VMM
 * opened it), and so are the addresses watched. */
START_TEST(test_adopted_from_another_process)
{
	uint8_t *p =
		mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int up[2], down[2], fd = -1;

	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 0x90, 64 * PAGE);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) { /* the VMM */
		char go;
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		if (write(up[1], &fd, sizeof fd) != sizeof fd || read(down[0], &go, 1) != 1)
			_exit(1);
		close(fd); /* the watcher's duplicate is the one */
		p[33 * PAGE + 5] = 0xcc;
		_exit(0);
	}
	ck_assert_int_eq(read(up[0], &fd, sizeof fd), sizeof fd);
	ck_assert_int_ge(fd, 0);
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	int uffd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	ck_assert_int_ge(uffd, 0);
	struct codewatch *cw;
	ck_assert_int_eq(codewatch_adopt(uffd, &cw), 0);
	ck_assert_ptr_nonnull(cw);
	for (unsigned i = 0; i < 64; i++)
		ck_assert(codewatch_track(cw, p, 64 * PAGE, p + (size_t)i * PAGE));
	/* Our own writes are not the other process's. */
	p[40 * PAGE] = 0xc3;
	ck_assert(!codewatch_take_changed(cw));
	ck_assert_int_eq(write(down[1], "g", 1), 1);
	int st;
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(codewatch_take_changed(cw));
	ck_assert_uint_eq(codewatch_count(cw), 63);
	ck_assert_uint_eq(p[33 * PAGE + 5], 0xcc);
	codewatch_free(cw);
	close(pidfd);
	munmap(p, 64 * PAGE);
}
END_TEST

/* A descriptor a client names may be anything: only a fresh userfaultfd
 * is taken (an ioctl number means something else to another driver). */
START_TEST(test_adopt_refuses)
{
	struct codewatch *cw = (void *)1;
	ck_assert_int_eq(codewatch_adopt(eventfd(0, EFD_CLOEXEC), &cw), -EINVAL);
	ck_assert_ptr_null(cw);
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API };
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ioctl(fd, UFFDIO_API, &api), 0);
	ck_assert_int_eq(codewatch_adopt(fd, &cw), -EINVAL);
	ck_assert_ptr_null(cw);
	/* Both were taken: closed. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

int main(void)
{
	struct codewatch *probe = codewatch_new();

	if (!probe) {
		printf("SKIP: no userfaultfd write protection here "
		       "(or MSHV_EMU_CODEWATCH=off)\n");
		return 77;
	}
	codewatch_free(probe);

	Suite *s = suite_create("codewatch");
	TCase *tc = tcase_create("watch");
	tcase_add_test(tc, test_private_pages);
	tcase_add_test(tc, test_shared_pages);
	tcase_add_test(tc, test_other_thread_and_kernel);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_reset_and_free_leave_memory_writable);
	tcase_add_test(tc, test_outside_range);
	tcase_add_test(tc, test_adopted_from_another_process);
	tcase_add_test(tc, test_adopt_refuses);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	return check_run(s);
}
