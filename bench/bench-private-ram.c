/* SPDX-License-Identifier: MIT */
/*
 * The cost of registering guest RAM (MSHV_SET_GUEST_MEMORY) by kind of
 * memory. Over CUSE ("mshv-emu run --cuse -- bench-private-ram", run by
 * bench/bench-cuse.sh) private anonymous memory is first made shared by
 * the launcher (docs/cuse.md §2.1): the difference to the shared rows is
 * the conversion. In-process nothing is converted.
 *
 *   shared-1g        MAP_SHARED|MAP_ANONYMOUS, 1 GiB, untouched
 *   private-1g       MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, 1 GiB, untouched:
 *                    the pagemap scan alone
 *   private-8g       the same, 8 GiB
 *   private-touched  MAP_PRIVATE|MAP_ANONYMOUS, BENCH_TOUCHED_MIB (default
 *                    256) MiB, every page written: scan + copy
 *
 * Output: "bench-private-ram CASE MS_PER_REGISTRATION MS_PER_GIB" (best of
 * BENCH_REPS). Each registration is undone (MSHV_SET_MEM_BIT_UNMAP) and its
 * memory unmapped before the next.
 */
#include "bench.h"

#define GIB (1ull << 30)
#define GPA (1ull << 32)

static double register_once(struct vm *vm, uint64_t size, int flags, bool touch)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap %#llx: %s", (unsigned long long)size, strerror(errno));
	if (touch)
		for (uint64_t o = 0; o < size; o += 4096)
			p[o] = (uint8_t)(o >> 12 | 1);
	double t0 = bench_now();
	TEST_ASSERT_OK(vm_set_memory(vm, GPA, size, p, MEM_RWX));
	double t = bench_now() - t0;
	if (touch)
		TEST_ASSERT_EQ(p[size - 4096], (uint8_t)((size - 4096) >> 12 | 1));
	TEST_ASSERT_OK(vm_set_memory(vm, GPA, size, p, MEM_UNMAP));
	munmap(p, size);
	return t;
}

static void row(struct vm *vm, const char *name, uint64_t size, int flags, bool touch)
{
	double best = 1e9;
	int reps = getenv("BENCH_QUICK") ? 1 : BENCH_REPS;

	for (int i = 0; i < reps; i++) {
		double t = register_once(vm, size, flags, touch);
		best = t < best ? t : best;
	}
	printf("bench-private-ram %-16s %10.3f ms %10.3f ms/GiB\n", name, best * 1e3,
	       best * 1e3 / ((double)size / GIB));
	fflush(stdout);
}

int main(void)
{
	const char *e = getenv("BENCH_TOUCHED_MIB");
	uint64_t touched = (e && atoi(e) > 0 ? (uint64_t)atoi(e) : 256) << 20;
	struct vm *vm = vm_create_default(0);

	row(vm, "shared-1g", GIB, MAP_SHARED | MAP_NORESERVE, false);
	row(vm, "private-1g", GIB, MAP_PRIVATE | MAP_NORESERVE, false);
	row(vm, "private-8g", 8 * GIB, MAP_PRIVATE | MAP_NORESERVE, false);
	row(vm, "shared-touched", touched, MAP_SHARED, true);
	row(vm, "private-touched", touched, MAP_PRIVATE, true);
	vm_destroy(vm);
	return 0;
}
