/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/uaccess_self.c: copies to and from our own memory
 * succeed on valid memory and fail with -EFAULT on unmapped or
 * inaccessible memory, also once pages have been remembered as accessible
 * (the per-thread access cache). This program is not LD_PRELOADed, so it
 * calls uaccess_self_invalidate() itself after munmap/mprotect, as the
 * preload wrappers do.
 */
#define _GNU_SOURCE
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uaccess_self.h"

static const struct mshv_uaccess *ua;
static size_t psz;

static void setup(void)
{
	ua = mshv_uaccess_self();
	psz = (size_t)sysconf(_SC_PAGESIZE);
}

static int rd(void *dst, const void *src, size_t n)
{
	return ua->read(ua->ctx, dst, (uint64_t)(uintptr_t)src, n);
}

static int wr(void *dst, const void *src, size_t n)
{
	return ua->write(ua->ctx, (uint64_t)(uintptr_t)dst, src, n);
}

static uint8_t *map_pages(size_t n, int prot)
{
	uint8_t *p = mmap(NULL, n * psz, prot, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

static void unmap_pages(void *p, size_t n)
{
	ck_assert_int_eq(munmap(p, n * psz), 0);
	uaccess_self_invalidate();
}

static void protect(void *p, size_t n, int prot)
{
	ck_assert_int_eq(mprotect(p, n * psz, prot), 0);
	uaccess_self_invalidate();
}

START_TEST(test_valid)
{
	uint8_t *p = map_pages(2, PROT_READ | PROT_WRITE);
	uint8_t buf[64], out[64];
	uint64_t stackvar = 0x1122334455667788ull, v = 0;

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	/* twice: the second time from the cache */
	for (int round = 0; round < 2; round++) {
		memset(p, 0, 2 * psz);
		ck_assert_int_eq(wr(p + 100, buf, sizeof(buf)), 0);
		ck_assert_mem_eq(p + 100, buf, sizeof(buf));
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(rd(out, p + 100, sizeof(out)), 0);
		ck_assert_mem_eq(out, buf, sizeof(buf));
		/* across the page boundary */
		ck_assert_int_eq(wr(p + psz - 20, buf, sizeof(buf)), 0);
		ck_assert_mem_eq(p + psz - 20, buf, sizeof(buf));
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(rd(out, p + psz - 20, sizeof(out)), 0);
		ck_assert_mem_eq(out, buf, sizeof(buf));
		/* the stack */
		ck_assert_int_eq(rd(&v, &stackvar, sizeof(v)), 0);
		ck_assert_uint_eq(v, stackvar);
		/* zero length is a no-op, even at a bad address */
		ck_assert_int_eq(rd(out, NULL, 0), 0);
		ck_assert_int_eq(wr(NULL, buf, 0), 0);
	}
	unmap_pages(p, 2);
}
END_TEST

START_TEST(test_large)
{
	size_t n = 40 * psz;	/* more than the cache keeps */
	uint8_t *p = map_pages(40, PROT_READ | PROT_WRITE);
	uint8_t *buf = malloc(n);

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i ^ (i >> 8));
	for (int round = 0; round < 2; round++) {
		memset(p, 0, n);
		ck_assert_int_eq(wr(p, buf, n), 0);
		ck_assert_mem_eq(p, buf, n);
		memset(buf, 0, n);
		ck_assert_int_eq(rd(buf, p, n), 0);
		ck_assert_mem_eq(p, buf, n);
	}
	unmap_pages(p, 40);
	ck_assert_int_eq(rd(buf, p + psz, 16), -EFAULT);
	free(buf);
}
END_TEST

START_TEST(test_bad_pointers)
{
	uint8_t buf[16] = { 0 };

	ck_assert_int_eq(rd(buf, NULL, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(NULL, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(rd(buf, (void *)8, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(ua->read(ua->ctx, buf, UINT64_MAX - 4, sizeof(buf)),
			 -EFAULT);
	ck_assert_int_eq(ua->write(ua->ctx, UINT64_MAX - 4, buf, sizeof(buf)),
			 -EFAULT);
	/* errno is left alone */
	errno = 1234;
	ck_assert_int_eq(rd(buf, NULL, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(errno, 1234);
}
END_TEST

START_TEST(test_unmapped)
{
	uint8_t *p = map_pages(2, PROT_READ | PROT_WRITE);
	uint8_t buf[32];

	memset(buf, 0x5a, sizeof(buf));
	/* prove both pages readable and writable */
	ck_assert_int_eq(wr(p + 8, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rd(buf, p + 8, sizeof(buf)), 0);
	ck_assert_int_eq(wr(p + psz + 8, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rd(buf, p + psz + 8, sizeof(buf)), 0);
	unmap_pages(p, 2);
	ck_assert_int_eq(rd(buf, p + 8, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p + 8, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(rd(buf, p + psz + 8, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p + psz + 8, buf, sizeof(buf)), -EFAULT);
	/* and again, now that the failures went through the slow path */
	ck_assert_int_eq(rd(buf, p + 8, sizeof(buf)), -EFAULT);
}
END_TEST

START_TEST(test_read_only)
{
	uint8_t *p = map_pages(1, PROT_READ | PROT_WRITE);
	uint8_t buf[32], out[32];

	memset(p, 0x11, psz);
	memset(buf, 0x22, sizeof(buf));
	protect(p, 1, PROT_READ);
	/* a successful (cached) read does not make the page writable */
	ck_assert_int_eq(rd(out, p + 64, sizeof(out)), 0);
	ck_assert_int_eq(rd(out, p + 64, sizeof(out)), 0);
	ck_assert_uint_eq(out[0], 0x11);
	ck_assert_int_eq(wr(p + 64, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p + 64, buf, sizeof(buf)), -EFAULT);
	ck_assert_uint_eq(p[64], 0x11);
	/* reads keep working after the failed writes */
	ck_assert_int_eq(rd(out, p + 64, sizeof(out)), 0);
	/* writable again: writes succeed */
	protect(p, 1, PROT_READ | PROT_WRITE);
	ck_assert_int_eq(wr(p + 64, buf, sizeof(buf)), 0);
	ck_assert_int_eq(wr(p + 64, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(p[64], 0x22);
	/* and read-only once more: the cached write proof is forgotten */
	protect(p, 1, PROT_READ);
	ck_assert_int_eq(wr(p + 64, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(rd(out, p + 64, sizeof(out)), 0);
	unmap_pages(p, 1);
}
END_TEST

START_TEST(test_prot_none)
{
	uint8_t *p = map_pages(1, PROT_READ | PROT_WRITE);
	uint8_t buf[32];

	memset(buf, 0x33, sizeof(buf));
	ck_assert_int_eq(wr(p, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rd(buf, p, sizeof(buf)), 0);
	ck_assert_int_eq(wr(p, buf, sizeof(buf)), 0);	/* cached */
	ck_assert_int_eq(rd(buf, p, sizeof(buf)), 0);	/* cached */
	protect(p, 1, PROT_NONE);
	ck_assert_int_eq(rd(buf, p, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p, buf, sizeof(buf)), -EFAULT);
	protect(p, 1, PROT_READ | PROT_WRITE);
	ck_assert_int_eq(rd(buf, p, sizeof(buf)), 0);
	ck_assert_uint_eq(buf[0], 0x33);
	unmap_pages(p, 1);
}
END_TEST

START_TEST(test_crossing)
{
	uint8_t *p = map_pages(3, PROT_READ | PROT_WRITE);
	uint8_t buf[32];

	memset(buf, 0x44, sizeof(buf));
	/* cache the first page, and the third */
	ck_assert_int_eq(wr(p + psz - 64, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rd(buf, p + psz - 64, sizeof(buf)), 0);
	ck_assert_int_eq(rd(buf, p + 2 * psz, sizeof(buf)), 0);
	ck_assert_int_eq(wr(p + 2 * psz, buf, sizeof(buf)), 0);
	/* a copy into an unmapped page right after a mapped one */
	unmap_pages(p + psz, 1);
	ck_assert_int_eq(rd(buf, p + psz - 16, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p + psz - 16, buf, sizeof(buf)), -EFAULT);
	/* ... and from an unmapped page into a mapped one */
	ck_assert_int_eq(rd(buf, p + 2 * psz - 16, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p + 2 * psz - 16, buf, sizeof(buf)), -EFAULT);
	/* the pages around it still work, also spanning the whole hole */
	ck_assert_int_eq(rd(buf, p + psz - 64, sizeof(buf)), 0);
	ck_assert_int_eq(wr(p + 2 * psz, buf, sizeof(buf)), 0);
	{
		uint8_t *big = malloc(psz + 64);

		ck_assert_ptr_nonnull(big);
		ck_assert_int_eq(rd(big, p + psz - 32, psz + 64), -EFAULT);
		free(big);
	}
	unmap_pages(p, 1);
	unmap_pages(p + 2 * psz, 1);
}
END_TEST

/* Entries proven in two copies together cover a copy spanning both. */
START_TEST(test_adjacent_entries)
{
	uint8_t *p = map_pages(2, PROT_READ | PROT_WRITE);
	uint8_t buf[64], out[64];

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	ck_assert_int_eq(wr(p, buf, 8), 0);
	ck_assert_int_eq(wr(p + psz, buf, 8), 0);
	ck_assert_int_eq(wr(p + psz - 32, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rd(out, p + psz - 32, sizeof(out)), 0);
	ck_assert_mem_eq(out, buf, sizeof(buf));
	/* then the second page goes away: the spanning copy fails */
	unmap_pages(p + psz, 1);
	ck_assert_int_eq(wr(p + psz - 32, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(wr(p, buf, 8), 0);
	unmap_pages(p, 1);
}
END_TEST

/* More ranges than cache entries: evictions never lose correctness. */
START_TEST(test_many_ranges)
{
	enum { N = 40 };
	uint8_t *p = map_pages(N, PROT_READ | PROT_WRITE);
	uint8_t v;

	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N; i++) {
			v = (uint8_t)(i + round);
			ck_assert_int_eq(wr(p + (size_t)i * psz + 5, &v, 1), 0);
			v = 0;
			ck_assert_int_eq(rd(&v, p + (size_t)i * psz + 5, 1), 0);
			ck_assert_uint_eq(v, (uint8_t)(i + round));
		}
	protect(p + 7 * psz, 1, PROT_READ);
	for (int i = 0; i < N; i++) {
		v = 1;
		ck_assert_int_eq(wr(p + (size_t)i * psz + 5, &v, 1),
				 i == 7 ? -EFAULT : 0);
	}
	unmap_pages(p, N);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(rd(&v, p + (size_t)i * psz + 5, 1), -EFAULT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uaccess_self");
	TCase *tc = tcase_create("copy");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_bad_pointers);
	tcase_add_test(tc, test_unmapped);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_prot_none);
	tcase_add_test(tc, test_crossing);
	tcase_add_test(tc, test_adjacent_entries);
	tcase_add_test(tc, test_many_ranges);
	suite_add_tcase(s, tc);
	return check_run(s);
}
