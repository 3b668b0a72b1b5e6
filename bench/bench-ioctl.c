/* SPDX-License-Identifier: MIT */
/*
 * Round trips of single /dev/mshv ioctls, the same under either face:
 * in-process ("mshv-emu run -- bench-ioctl") or over the kernel's CUSE
 * driver ("mshv-emu run --cuse -- bench-ioctl" with mshv-emud serving
 * /dev/mshv). bench/bench-cuse.sh runs both inside one User-Mode Linux
 * boot and compares them (make bench-cuse).
 *
 *   hvcall-dev  MSHV_ROOT_HVCALL(HVCALL_GET_PARTITION_PROPERTY,
 *               PROCESSOR_VENDOR) on the device fd: the cheapest ioctl with
 *               a full argument round (argument struct in and out, input
 *               and output buffers behind pointers).
 *   setreg-vp   MSHV_ROOT_HVCALL(HVCALL_SET_VP_REGISTERS, RIP) on a VP fd:
 *               the call a QEMU-style VMM makes after each exit.
 *   run-vp      MSHV_RUN_VP to an IO-port exit ("outb %al, $0x10"); RIP is
 *               not advanced, so every RUN_VP re-executes the OUT and
 *               exits again: one RUN_VP/exit round trip and nothing else.
 *
 * Output: one line per case, "bench-ioctl CASE US_PER_CALL CALLS" (best of
 * BENCH_REPS interleaved runs, see bench.h). BENCH_QUICK=1 shortens runs.
 * No mmap is used, so it runs over CUSE unchanged.
 */
#include "bench.h"

GUEST_CODE(ioctl_io_loop,
	".code64\n"
	"xorl %eax, %eax\n"
	"5:\n"
	GUEST_LABEL(iol_out) "outb %al, $0x10\n"
	"jmp 5b\n");
GUEST_EXTERN(iol_out);

struct ctx {
	int dev_fd;
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t out_rip;
	struct hv_input_get_partition_property prop_in;
	struct hv_output_get_partition_property prop_out;
	struct mshv_root_hvcall prop_call;
	struct bench_setreg rip;
	struct mshv_run_vp run;
};

static double hvcall_dev(void *opaque, uint64_t n)
{
	struct ctx *c = opaque;
	double t0 = bench_now();

	for (uint64_t i = 0; i < n; i++) {
		c->prop_call.status = 0;
		c->prop_call.reps = 0;
		if (ioctl(c->dev_fd, MSHV_ROOT_HVCALL, &c->prop_call) != 0 ||
		    c->prop_call.status)
			test_fail(__FILE__, __LINE__, "GET_PARTITION_PROPERTY",
				  "errno %s status %#x", strerror(errno),
				  c->prop_call.status);
	}
	return bench_now() - t0;
}

static double setreg_vp(void *opaque, uint64_t n)
{
	struct ctx *c = opaque;
	double t0 = bench_now();

	/* The VP is stopped at the OUT: keep RIP there. */
	for (uint64_t i = 0; i < n; i++)
		bench_setreg(c->vcpu->fd, &c->rip, c->out_rip);
	return bench_now() - t0;
}

static double run_vp(void *opaque, uint64_t n)
{
	struct ctx *c = opaque;
	struct hv_message *msg = (struct hv_message *)c->run.msg_buf;
	struct hv_x64_intercept_message_header *h = msg_hdr(msg);
	double t0 = bench_now();

	for (uint64_t i = 0; i < n; i++) {
		if (ioctl(c->vcpu->fd, MSHV_RUN_VP, &c->run) != 0)
			test_fail(__FILE__, __LINE__, "MSHV_RUN_VP", "%s",
				  strerror(errno));
		if (msg->header.message_type != HVMSG_X64_IO_PORT_INTERCEPT ||
		    h->rip != c->out_rip)
			test_fail(__FILE__, __LINE__, "exit",
				  "got %s (%#x) at %#llx, expected the IO exit at %#llx",
				  msg_type_name(msg->header.message_type),
				  msg->header.message_type,
				  (unsigned long long)h->rip,
				  (unsigned long long)c->out_rip);
	}
	return bench_now() - t0;
}

int main(void)
{
	struct ctx c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!bench_have_mshv())
		return 77;
	memset(&c, 0, sizeof(c));
	c.dev_fd = mshv_open(O_RDWR | O_CLOEXEC);
	c.prop_in.property_code = HV_PARTITION_PROPERTY_PROCESSOR_VENDOR;
	c.prop_call.code = HVCALL_GET_PARTITION_PROPERTY;
	c.prop_call.in_sz = sizeof(c.prop_in);
	c.prop_call.out_sz = sizeof(c.prop_out);
	c.prop_call.in_ptr = (uint64_t)(uintptr_t)&c.prop_in;
	c.prop_call.out_ptr = (uint64_t)(uintptr_t)&c.prop_out;

	c.vm = vm_create_default(0);
	c.vcpu = vcpu_create(c.vm, 0);
	GUEST_LOAD(c.vm, CODE_GPA, ioctl_io_loop);
	c.out_rip = CODE_GPA + GUEST_OFF(ioctl_io_loop, iol_out);
	vcpu_setup_long_mode(c.vcpu, CODE_GPA, STACK_TOP);
	bench_setreg_init(&c.rip, 0, HV_X64_REGISTER_RIP);
	/* Reach the OUT once so that every measured call starts there. */
	run_vp(&c, 1);

	struct bench_case cases[] = {
		{ "hvcall-dev", hvcall_dev, &c, 100, 0 },
		{ "setreg-vp", setreg_vp, &c, 100, 0 },
		{ "run-vp", run_vp, &c, 100, 0 },
	};
	size_t k = sizeof(cases) / sizeof(cases[0]);

	bench_measure(cases, k);
	for (size_t i = 0; i < k; i++)
		printf("bench-ioctl %s %.3f %llu\n", cases[i].label,
		       1e6 * cases[i].best / (double)cases[i].n,
		       (unsigned long long)cases[i].n);
	vcpu_destroy(c.vcpu);
	vm_destroy(c.vm);
	close(c.dev_fd);
	return 0;
}
