/* SPDX-License-Identifier: MIT */
/*
 * The fault spec parser and matcher (src/fault.c), the trace's class
 * filter (src/trace.c) and its decoders (src/trace_decode.c), built alone.
 */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "mshv_dev.h"

#include <linux/mshv.h>
#include <hyperv/hv_all.h>

static struct fault_set *parse_ok(const char *spec)
{
	struct fault_set *s = NULL;
	char why[160] = "";

	ck_assert_msg(fault_parse(&s, spec, why, sizeof why) == 0, "%s: %s", spec, why);
	return s;
}

static void parse_bad(const char *spec, const char *reason)
{
	struct fault_set *s = NULL;
	char why[160] = "";

	ck_assert_int_eq(fault_parse(&s, spec, why, sizeof why), -EINVAL);
	ck_assert_msg(strstr(why, reason), "%s: '%s' lacks '%s'", spec, why, reason);
	fault_free(s);
}

START_TEST(spec_errors)
{
	parse_bad("", "empty");
	parse_bad("syscall=open:errno=EIO", "unknown selector");
	parse_bad("ioctl=FROB:errno=EIO", "unknown ioctl");
	parse_bad("ioctl=CREATE_VP", "needs errno");
	parse_bad("ioctl=CREATE_VP:errno=ENOTANERRNO", "unknown errno");
	parse_bad("ioctl=CREATE_VP:status=INVALID_PARAMETER", "misplaced");
	parse_bad("hvcall=NOPE:status=INVALID_PARAMETER", "unknown hypercall");
	parse_bad("hvcall=SET_VP_REGISTERS:status=SUCCESS", "success");
	parse_bad("hvcall=SET_VP_REGISTERS:status=ACCESS_DENIED:nth=0", "bad nth");
	parse_bad("hvcall=SET_VP_REGISTERS:status=ACCESS_DENIED:nth=-1", "bad nth");
	parse_bad("hvcall=*:status=ACCESS_DENIED:prob=1.5", "bad prob");
	parse_bad("hvcall=*:status=ACCESS_DENIED:nth=2:after=3", "exclude");
	parse_bad("exit=NOT_A_MESSAGE", "unknown message");
	parse_bad("exit=*", "unknown message");
	parse_bad("ioctl=RUN_VP:errno=EINTR,bogus", "expected");
}
END_TEST

START_TEST(nth_and_after)
{
	struct fault_set *s = parse_ok("ioctl=CREATE_VP:errno=ENOMEM:nth=3,"
				       "hvcall=HVCALL_SET_VP_REGISTERS:status=HV_STATUS_INSUFFICIENT_MEMORY:after=2");
	int cv = trace_ioctl_index("CREATE_VP"), run = trace_ioctl_index("MSHV_RUN_VP"), err;
	uint16_t st;

	ck_assert_int_ge(cv, 0);
	ck_assert_int_ge(run, 0);
	for (int i = 1; i <= 5; i++) {
		err = 0;
		/* Other ioctls neither fail nor count. */
		ck_assert(!fault_ioctl(s, run, &err));
		ck_assert_int_eq(fault_ioctl(s, cv, &err), i == 3);
		ck_assert_int_eq(err, i == 3 ? ENOMEM : 0);
	}
	for (int i = 1; i <= 5; i++) {
		ck_assert(!fault_hvcall(s, HVCALL_GET_VP_REGISTERS, &st));
		ck_assert_int_eq(fault_hvcall(s, HVCALL_SET_VP_REGISTERS, &st), i > 2);
	}
	ck_assert_int_eq(st, HV_STATUS_INSUFFICIENT_MEMORY);
	fault_free(s);
}
END_TEST

static unsigned long pattern(const char *spec, int n)
{
	struct fault_set *s = parse_ok(spec);
	unsigned long bits = 0;
	uint16_t st;

	for (int i = 0; i < n; i++)
		if (fault_hvcall(s, HVCALL_GET_VP_REGISTERS, &st))
			bits |= 1ul << i;
	fault_free(s);
	return bits;
}

START_TEST(probability_is_seeded)
{
	const char *a = "hvcall=*:status=TIME_OUT:prob=0.5:seed=42";
	unsigned long p = pattern(a, 64);

	/* The same seed fails the same calls; another seed others. */
	ck_assert_uint_eq(p, pattern(a, 64));
	ck_assert_uint_ne(p, pattern("hvcall=*:status=TIME_OUT:prob=0.5:seed=43", 64));
	int ones = __builtin_popcountl(p);
	ck_assert_msg(ones > 16 && ones < 48, "%d of 64 at p=0.5", ones);
	ck_assert_uint_eq(pattern("hvcall=*:status=TIME_OUT:prob=0", 64), 0);
	ck_assert_uint_eq(pattern("hvcall=*:status=TIME_OUT:prob=1", 64), ~0ul);
}
END_TEST

START_TEST(exit_spec)
{
	struct fault_set *s = parse_ok("exit=UNRECOVERABLE_EXCEPTION:after=1000");
	uint32_t t = 0;

	for (int i = 0; i < 1000; i++)
		ck_assert(!fault_exit(s, &t));
	ck_assert(fault_exit(s, &t));
	ck_assert_uint_eq(t, HVMSG_UNRECOVERABLE_EXCEPTION);
	fault_free(s);
}
END_TEST

START_TEST(filter)
{
	unsigned m;

	ck_assert_int_eq(trace_parse_filter("exit,irq", &m), 0);
	ck_assert_uint_eq(m, TRACE_EXIT | TRACE_IRQ);
	ck_assert_int_eq(trace_parse_filter("all", &m), 0);
	ck_assert_uint_eq(m, TRACE_ALL);
	ck_assert_int_eq(trace_parse_filter("exits", &m), -EINVAL);
	ck_assert_int_eq(trace_parse_filter("", &m), -EINVAL);
	ck_assert_int_eq(trace_parse_filter("ioctl,", &m), 0);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(trace_status_name(HV_STATUS_INSUFFICIENT_MEMORY), "INSUFFICIENT_MEMORY");
	ck_assert_str_eq(trace_hvcall_name(HVCALL_ASSERT_VIRTUAL_INTERRUPT),
			 "ASSERT_VIRTUAL_INTERRUPT");
	ck_assert_ptr_null(trace_hvcall_name(0xffff));
	ck_assert_str_eq(trace_msg_name(HVMSG_X64_HALT), "X64_HALT");
	ck_assert_str_eq(trace_errno_name(EAGAIN), "EAGAIN");
	ck_assert_str_eq(trace_ioctl_name(MSHV_OBJ_VP, MSHV_RUN_VP), "RUN_VP");
	/* Request numbers collide across fd kinds: the kind decides. */
	ck_assert_ptr_null(trace_ioctl_name(MSHV_OBJ_DEVICE, MSHV_RUN_VP));
	ck_assert_str_eq(trace_ioctl_name(MSHV_OBJ_PARTITION, MSHV_ROOT_HVCALL), "ROOT_HVCALL");
}
END_TEST

START_TEST(decode_io_exit)
{
	struct hv_message m = { 0 };
	struct hv_x64_io_port_intercept_message io = { 0 };
	struct tline l = { .n = 0 };

	m.header.message_type = HVMSG_X64_IO_PORT_INTERCEPT;
	io.header.rip = 0x1004;
	io.header.intercept_access_type = HV_INTERCEPT_ACCESS_WRITE;
	io.port_number = 0x3f8;
	io.access_info.access_size = 1;
	io.rax = 0x41;
	memcpy(m.u.payload, &io, sizeof io);
	trace_decode_exit(&l, &m);
	ck_assert_str_eq(l.s, "X64_IO_PORT_INTERCEPT port=0x3f8 write size=1 rax=0x41 rip=0x1004");
}
END_TEST

START_TEST(decode_mmio_exit)
{
	struct hv_message m = { 0 };
	struct hv_x64_memory_intercept_message mi = { 0 };
	struct tline l = { .n = 0 };
	static const uint8_t insn[] = { 0x89, 0x07, 0x90, 0x90 };

	m.header.message_type = HVMSG_UNMAPPED_GPA;
	mi.header.rip = 0x2000;
	mi.header.instruction_length = 2;
	mi.header.intercept_access_type = HV_INTERCEPT_ACCESS_WRITE;
	mi.guest_physical_address = 0xd0000000;
	mi.guest_virtual_address = 0x600000;
	/* A hostile count is capped at the 16 bytes there are. */
	mi.instruction_byte_count = 200;
	memcpy(mi.instruction_bytes, insn, sizeof insn);
	memcpy(m.u.payload, &mi, sizeof mi);
	trace_decode_exit(&l, &m);
	ck_assert_str_eq(l.s, "UNMAPPED_GPA gpa=0xd0000000 gva=0x600000 write ilen=2 "
			      "bytes=89079090000000000000000000000000 rip=0x2000");
}
END_TEST

START_TEST(decode_registers)
{
	uint8_t in[16 + 2 * 32] = { 0 };
	struct hv_register_assoc e = { .name = HV_X64_REGISTER_RIP };
	struct tline l = { .n = 0 };

	e.value.reg64 = 0x1000;
	memcpy(in + 16, &e, sizeof e);
	e.name = 0x7fff0000;	/* no such register */
	e.value.reg64 = 5;
	memcpy(in + 48, &e, sizeof e);
	/* reps beyond in_sz: only what is there is decoded. */
	trace_decode_hvcall_in(&l, HVCALL_SET_VP_REGISTERS, 9, in, sizeof in);
	ck_assert_str_eq(l.s, " vp_index=0 RIP=0x1000 reg0x7fff0000=0x5");

	struct hv_input_get_partition_property gp = {
		.property_code = HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET };
	l.n = 0;
	trace_decode_hvcall_in(&l, HVCALL_GET_PARTITION_PROPERTY, 0, &gp, sizeof gp);
	ck_assert_str_eq(l.s, " property=PROCESSORS_PER_SOCKET");
	/* Too short an input: nothing read past it. */
	l.n = 0;
	l.s[0] = 0;
	trace_decode_hvcall_in(&l, HVCALL_GET_PARTITION_PROPERTY, 0, &gp, 8);
	ck_assert_str_eq(l.s, "");

	/* 20 names asked for and present: 16 on the line, then "...". */
	uint32_t get[4 + 20] = { 0 };
	for (int i = 0; i < 20; i++)
		get[4 + i] = HV_X64_REGISTER_RAX + (uint32_t)i;
	l.n = 0;
	trace_decode_hvcall_in(&l, HVCALL_GET_VP_REGISTERS, 20, get, sizeof get);
	ck_assert_msg(strstr(l.s, " reg=R15 ...") && !strstr(l.s, "RIP"), "%s", l.s);
}
END_TEST

START_TEST(line_is_bounded)
{
	struct tline l = { .n = 0 };

	for (int i = 0; i < 500; i++)
		tl_add(&l, "0123456789");
	ck_assert_uint_eq(l.n, sizeof l.s - 1);
	ck_assert_uint_eq(strlen(l.s), l.n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");

	tcase_add_test(tc, spec_errors);
	tcase_add_test(tc, nth_and_after);
	tcase_add_test(tc, probability_is_seeded);
	tcase_add_test(tc, exit_spec);
	tcase_add_test(tc, filter);
	tcase_add_test(tc, names);
	tcase_add_test(tc, decode_io_exit);
	tcase_add_test(tc, decode_mmio_exit);
	tcase_add_test(tc, decode_registers);
	tcase_add_test(tc, line_is_bounded);
	suite_add_tcase(s, tc);
	return check_run(s);
}
