/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the hypervisor core through its library API
 * (include/mshv-emu/emu.h): partitions, the memory map, VPs, properties
 * via emu_hvcall, CPUID results, and running guest code (the register
 * file: check_core_regs.c).
 *
 * Hypercall convention (as the faces use it): `in` and `out` are zeroed
 * 4 KiB pages and the first 8 bytes of `in` hold the partition id.
 */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <hyperv/hv_all.h>
#include <linux/mshv.h>
#include <mshv-emu/emu.h>

#include "core_helpers.h"

/* ------------------------------------------------------------------ */
/* partitions, memory, VPs                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_partition_create)
{
	struct emu_partition_config cfg;
	struct emu_partition *a = NULL, *b = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.pt_flags = 1ull << MSHV_PT_BIT_COUNT;	/* first unknown bit */
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	cfg.pt_flags = 1ull << 63;
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	cfg.pt_flags = 0;
	cfg.isolation = MSHV_PT_ISOLATION_COUNT;
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	cfg.isolation = 3;	/* TDX: not supported */
	ck_assert_int_eq(emu_partition_create(&cfg, &a), -EINVAL);
	ck_assert_ptr_null(a);

	/* every defined bit together is fine */
	cfg.isolation = MSHV_PT_ISOLATION_NONE;
	cfg.pt_flags = MSHV_PT_FLAGS_MASK;
	ck_assert_int_eq(emu_partition_create(&cfg, &a), 0);
	ck_assert_ptr_nonnull(a);
	cfg.pt_flags = 0;
	ck_assert_int_eq(emu_partition_create(&cfg, &b), 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_ne(emu_partition_id(a), emu_partition_id(b));
	ck_assert_int_eq(emu_partition_initialize(a), 0);
	ck_assert_int_eq(emu_partition_initialize(a), 0);	/* idempotent */
	emu_partition_put(a);
	emu_partition_put(b);
}
END_TEST

START_TEST(test_map_gpa_rules)
{
	struct emu_partition *pt = pt_new(0);
	uint8_t *mem = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned rw = EMU_MEM_WRITABLE | EMU_MEM_EXECUTABLE;
	struct emu_vp *vp;

	ck_assert_ptr_ne(mem, MAP_FAILED);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);

	/* size 0, unaligned size, unaligned host address */
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 0, mem, rw), -EINVAL);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 0x800, mem, rw), -EINVAL);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 4096 + 1, mem, rw), -EINVAL);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 4096, mem + 8, rw), -EINVAL);

	/* [0x10, 0x12) */
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 2 * 4096, mem, rw), 0);
	/* any GPA overlap, even with different host pages */
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 4096, mem + 2 * 4096, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0x11, 4096, mem + 2 * 4096, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0xf, 2 * 4096, mem + 2 * 4096, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0x8, 16 * 4096, mem, rw), -EEXIST);
	/* adjacent on both sides is fine */
	ck_assert_int_eq(emu_map_gpa(pt, 0x12, 4096, mem + 2 * 4096, rw), 0);
	ck_assert_int_eq(emu_map_gpa(pt, 0xe, 2 * 4096, mem + 3 * 4096, rw), 0);

	/* the mapping is live: READ_GPA sees the host bytes */
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	memcpy(mem + 4096 + 0x20, "mshv-emu", 8);
	{
		struct hv_input_read_gpa in;
		uint8_t page[EMU_HVCALL_PAGE];
		struct hv_output_read_gpa *out = (void *)page;

		memset(&in, 0, sizeof in);
		in.vp_index = 0;
		in.byte_count = 8;
		in.base_gpa = (0x11ull << 12) + 0x20;
		ck_assert_uint_eq(hv(pt, HVCALL_READ_GPA, NULL, &in, sizeof in, page),
				  HV_STATUS_SUCCESS);
		ck_assert_uint_eq(out->access_result.result_code, HV_ACCESS_GPA_SUCCESS);
		ck_assert_mem_eq(out->data, "mshv-emu", 8);
	}

	/* unmap must name the region exactly */
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 4096, mem), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 3 * 4096, mem), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 2 * 4096, mem + 4096), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x11, 4096, mem + 4096), -EINVAL);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x100, 4096, mem), -ENOENT);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 2 * 4096, mem), 0);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x10, 2 * 4096, mem), -ENOENT);
	/* neighbours untouched; the hole can be mapped again */
	ck_assert_int_eq(emu_map_gpa(pt, 0x12, 4096, mem, rw), -EEXIST);
	ck_assert_int_eq(emu_map_gpa(pt, 0x10, 2 * 4096, mem + 4 * 4096, rw), 0);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0x12, 4096, mem + 2 * 4096), 0);
	ck_assert_int_eq(emu_unmap_gpa(pt, 0xe, 2 * 4096, mem + 3 * 4096), 0);
	emu_partition_put(pt);
	munmap(mem, 8 * 4096);
}
END_TEST

START_TEST(test_vp_create)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp = NULL, *dup = NULL;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 256, NULL, &vp), -EINVAL);
	ck_assert_int_eq(emu_vp_create(pt, 0xffffffffu, NULL, &vp), -EINVAL);
	ck_assert_ptr_null(vp);
	ck_assert_int_eq(emu_vp_create(pt, 255, NULL, &vp), 0);
	ck_assert_ptr_nonnull(vp);
	ck_assert_uint_eq(emu_vp_index(vp), 255);
	ck_assert_ptr_eq(emu_partition_vp(pt, 255), vp);
	ck_assert_ptr_null(emu_partition_vp(pt, 3));
	ck_assert_int_eq(emu_vp_create(pt, 255, NULL, &dup), -EEXIST);
	ck_assert_ptr_null(dup);
	ck_assert_ptr_eq(emu_partition_vp(pt, 255), vp);
	/* VP_INDEX and INITIAL_APIC_ID report the index */
	ck_assert_uint_eq(get64(pt, 255, HV_REGISTER_VP_INDEX), 255);
	/* registers of a VP that does not exist */
	{
		uint32_t n = HV_X64_REGISTER_RAX;
		union hv_register_value v;
		ck_assert_uint_eq(get_regs(pt, 3, &n, 1, &v, NULL),
				  HV_STATUS_INVALID_VP_INDEX);
	}
	emu_partition_put(pt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* properties                                                          */
/* ------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

START_TEST(test_properties)
{
	struct emu_partition *pt = pt_new(0);

	/* early property: settable before initialize, fixed after */
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 1),
			  HV_STATUS_SUCCESS);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 1);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 3),
			  HV_STATUS_INVALID_PARTITION_STATE);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 0),
			  HV_STATUS_INVALID_PARTITION_STATE);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 1);

	/* UNIMPLEMENTED_MSR_ACTION: FAULT by default, 0..1 */
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
			  HV_UNIMPLEMENTED_MSR_ACTION_FAULT);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
				   HV_UNIMPLEMENTED_MSR_ACTION_COUNT),
			  HV_STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
			  HV_UNIMPLEMENTED_MSR_ACTION_FAULT);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
				   HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO),
			  HV_STATUS_SUCCESS);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
			  HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_time_freeze)
{
	struct emu_partition *pt = pt_new(0);
	const uint32_t RT = HV_PARTITION_PROPERTY_REFERENCE_TIME;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	uint64_t a = get_prop(pt, RT);
	usleep(20000);
	uint64_t b = get_prop(pt, RT);
	ck_assert_uint_ge(b - a, 100000);	/* >= 10 ms in 100 ns units */

	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE, 1), 0);
	ck_assert_uint_eq(get_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE), 1);
	uint64_t f1 = get_prop(pt, RT);
	usleep(300000);
	uint64_t f2 = get_prop(pt, RT);
	ck_assert_uint_eq(f1, f2);
	ck_assert_uint_ge(f1, b);
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE, 2),
			  HV_STATUS_INVALID_PARAMETER);

	uint64_t t0 = now_ns();
	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_TIME_FREEZE, 0), 0);
	usleep(20000);
	uint64_t r = get_prop(pt, RT);
	uint64_t wall = (now_ns() - t0) / 100;
	/* runs again, from where it stopped: the frozen 300 ms are not counted */
	ck_assert_uint_gt(r, f2);
	ck_assert_uint_ge(r - f2, 100000);
	ck_assert_uint_le(r - f2, wall + 10000);
	emu_partition_put(pt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* CPUID                                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_cpuid_values_registered)
{
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	uint32_t base[4], raw[4], merged[4];

	ck_assert_uint_eq(set_prop(pt, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 1), 0);
	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 1, NULL, &vp), 0);

	vp_cpuid(pt, 1, 1, 0, false, base);
	ck_assert_uint_eq(base[1] >> 24, 1);		/* initial APIC id = VP index */
	ck_assert_uint_eq((base[2] >> 31) & 1, 1);	/* hypervisor present */
	ck_assert_uint_eq((base[2] >> 28) & 1, 0);	/* no AVX */
	ck_assert_uint_eq((base[2] >> 21) & 1, 0);	/* no x2APIC */

	/* override CLFLUSH size (EBX[15:8]), force SSE3 off, try AVX and x2APIC */
	const uint32_t val[4] = { 0, 0x00001000, (1u << 28) | (1u << 21), 0 };
	const uint32_t mask[4] = { 0, 0x0000ff00, (1u << 28) | (1u << 21) | 1u, 0 };
	ck_assert_uint_eq(register_cpuid(pt, 1, 1, val, mask), HV_STATUS_SUCCESS);

	vp_cpuid(pt, 1, 1, 0, false, raw);
	ck_assert_mem_eq(raw, base, sizeof raw);	/* not applied unless asked */
	vp_cpuid(pt, 1, 1, 0, true, merged);
	ck_assert_uint_eq(merged[0], base[0]);
	ck_assert_uint_eq(merged[1], (base[1] & ~0x0000ff00u) | 0x00001000);
	ck_assert_uint_eq(merged[2] & 1u, 0);		/* SSE3 masked off */
	ck_assert_uint_eq(merged[2] & ~1u, base[2] & ~1u);	/* AVX/x2APIC stay off */
	ck_assert_uint_eq(merged[3], base[3]);

	/* a full override of another leaf */
	const uint32_t brand[4] = { 0x6873646d, 0x6d652d76, 0x00000075, 0 };
	const uint32_t all[4] = { ~0u, ~0u, ~0u, ~0u };
	ck_assert_uint_eq(register_cpuid(pt, 1, 0x80000002, brand, all), 0);
	vp_cpuid(pt, 1, 0x80000002, 0, true, merged);
	ck_assert_mem_eq(merged, brand, sizeof merged);

	/* registration is per VP: another VP is unaffected */
	struct emu_vp *vp0;
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp0), 0);
	vp_cpuid(pt, 0, 1, 0, true, merged);
	ck_assert_uint_eq(merged[1] & 0x0000ff00u, base[1] & 0x0000ff00u);
	ck_assert_uint_eq(merged[1] >> 24, 0);
	emu_partition_put(pt);
}
END_TEST

START_TEST(test_cpuid_hv_leaves)
{
	struct emu_partition *on = pt_new(0), *off = pt_new(0);
	struct emu_vp *vp;
	uint32_t r[4];

	ck_assert_uint_eq(set_prop(on, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 3), 0);
	ck_assert_int_eq(emu_partition_initialize(on), 0);
	ck_assert_int_eq(emu_partition_initialize(off), 0);
	ck_assert_int_eq(emu_vp_create(on, 0, NULL, &vp), 0);
	ck_assert_int_eq(emu_vp_create(off, 0, NULL, &vp), 0);

	vp_cpuid(on, 0, 0x40000000, 0, true, r);
	ck_assert_uint_ge(r[0], 0x40000001);
	ck_assert_mem_eq(&r[1], "Microsoft Hv", 12);
	vp_cpuid(on, 0, 0x40000001, 0, true, r);
	ck_assert_mem_eq(&r[0], "Hv#1", 4);

	vp_cpuid(off, 0, 0x40000000, 0, true, r);
	ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);
	vp_cpuid(off, 0, 1, 0, true, r);
	ck_assert_uint_eq(r[2] >> 31, 0);
	emu_partition_put(on);
	emu_partition_put(off);
}
END_TEST

/* ------------------------------------------------------------------ */
/* running guest code                                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_run_io_intercept)
{
	static const uint8_t code[] = {
		0xb0, 0x42,				/* 0: mov al, 0x42 */
		0xe6, 0x80,				/* 2: out 0x80, al */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* 4: mov eax, 0x12345678 */
		0x66, 0xe7, 0x84,			/* 10: out 0x84, eax */
		0xf4,					/* 13: hlt */
	};
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io = (void *)msg.u.payload;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	uint8_t *page = guest_page(pt, 0x3000, code, sizeof code);
	real_mode_at(pt, 0, 0x0300, 0);	/* CS.base = 0x3000, IP = 0 */

	memset(&msg, 0xa5, sizeof msg);
	ck_assert_int_eq(emu_vp_run(vp, &msg), 0);
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_IO_PORT_INTERCEPT);
	ck_assert_uint_eq(io->header.vp_index, 0);
	ck_assert_uint_eq(io->header.rip, 2);		/* IP, not linear */
	ck_assert_uint_eq(io->header.instruction_length, 2);
	ck_assert_uint_eq(io->header.intercept_access_type, HV_INTERCEPT_ACCESS_WRITE);
	ck_assert_uint_eq(io->header.cs_segment.selector, 0x0300);
	ck_assert_uint_eq(io->header.cs_segment.base, 0x3000);
	ck_assert_uint_eq(io->port_number, 0x80);
	ck_assert_uint_eq(io->access_info.access_size, 1);
	ck_assert_uint_eq(io->access_info.string_op, 0);
	ck_assert_uint_eq(io->rax & 0xff, 0x42);
	/* nothing after the OUT ran, and the OUT is not retired */
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_RIP), 2);
	ck_assert_mem_eq(emu_vp_message_page(vp), &msg, sizeof msg);

	set64(pt, 0, HV_X64_REGISTER_RIP, io->header.rip + io->header.instruction_length);
	ck_assert_int_eq(emu_vp_run(vp, &msg), 0);
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_IO_PORT_INTERCEPT);
	ck_assert_uint_eq(io->header.rip, 10);
	ck_assert_uint_eq(io->header.instruction_length, 3);	/* 66 e7 84 */
	ck_assert_uint_eq(io->port_number, 0x84);
	ck_assert_uint_eq(io->access_info.access_size, 4);
	ck_assert_uint_eq(io->rax & 0xffffffffu, 0x12345678);

	set64(pt, 0, HV_X64_REGISTER_RIP, io->header.rip + io->header.instruction_length);
	ck_assert_int_eq(emu_vp_run(vp, &msg), 0);
	ck_assert_uint_eq(msg.header.message_type, HVMSG_X64_HALT);
	emu_partition_put(pt);
	munmap(page, 4096);
}
END_TEST

struct kicker {
	struct emu_vp *vp;
	atomic_bool done;
	atomic_int kicks;
};

static void *kick_thread(void *arg)
{
	struct kicker *k = arg;

	/* A kick that lands before RUN_VP starts is dropped at entry (a
	 * handled signal is no longer pending), so keep kicking. */
	while (!atomic_load(&k->done)) {
		usleep(20000);
		emu_vp_kick(k->vp);
		atomic_fetch_add(&k->kicks, 1);
	}
	return NULL;
}

START_TEST(test_run_kick)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp . */
	struct emu_partition *pt = pt_new(0);
	struct emu_vp *vp;
	struct hv_message msg;
	struct kicker k;
	pthread_t th;

	ck_assert_int_eq(emu_partition_initialize(pt), 0);
	ck_assert_int_eq(emu_vp_create(pt, 0, NULL, &vp), 0);
	uint8_t *page = guest_page(pt, 0x1000, code, sizeof code);
	real_mode_at(pt, 0, 0x0100, 0);

	k.vp = vp;
	atomic_init(&k.done, false);
	atomic_init(&k.kicks, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, kick_thread, &k), 0);
	int rc = emu_vp_run(vp, &msg);
	atomic_store(&k.done, true);
	pthread_join(th, NULL);
	ck_assert_int_eq(rc, -EINTR);
	ck_assert_int_ge(atomic_load(&k.kicks), 1);
	/* the guest is still spinning on its jmp */
	ck_assert_uint_eq(get64(pt, 0, HV_X64_REGISTER_RIP), 0);
	struct hv_vp_register_page *rp = emu_vp_register_page(vp);
	ck_assert_uint_eq(rp->isvalid, 1);
	ck_assert_uint_eq(rp->rip, 0);
	emu_partition_put(pt);
	munmap(page, 4096);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("objects");
	tcase_add_test(tc, test_partition_create);
	tcase_add_test(tc, test_map_gpa_rules);
	tcase_add_test(tc, test_vp_create);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("properties");
	tcase_add_test(tc, test_properties);
	tcase_add_test(tc, test_time_freeze);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("cpuid");
	tcase_add_test(tc, test_cpuid_values_registered);
	tcase_add_test(tc, test_cpuid_hv_leaves);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("run");
	tcase_add_test(tc, test_run_io_intercept);
	tcase_add_test(tc, test_run_kick);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	return check_run(s);
}
