/* SPDX-License-Identifier: MIT */
/*
 * The test library's run helpers: MSHV_RUN_VP, message names, expecting an
 * exit (IO, a halt or wait-for-SIPI that only a signal ends) and completing
 * it as a VMM does. The rest of the library is in vmm.c.
 */
#include "vmm.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

int vcpu_run(struct vcpu *vcpu, struct hv_message *msg)
{
	struct mshv_run_vp run;
	int ret;

	memset(&run, 0, sizeof(run));
	ret = ioctl(vcpu->fd, MSHV_RUN_VP, &run);
	if (ret == 0 && msg)
		memcpy(msg, run.msg_buf, sizeof(*msg));
	return ret;
}

const char *msg_type_name(uint32_t type)
{
	switch (type) {
	case HVMSG_NONE: return "NONE";
	case HVMSG_UNMAPPED_GPA: return "UNMAPPED_GPA";
	case HVMSG_GPA_INTERCEPT: return "GPA_INTERCEPT";
	case HVMSG_UNRECOVERABLE_EXCEPTION: return "UNRECOVERABLE_EXCEPTION";
	case HVMSG_INVALID_VP_REGISTER_VALUE: return "INVALID_VP_REGISTER_VALUE";
	case HVMSG_UNSUPPORTED_FEATURE: return "UNSUPPORTED_FEATURE";
	case HVMSG_X64_IO_PORT_INTERCEPT: return "X64_IO_PORT_INTERCEPT";
	case HVMSG_X64_MSR_INTERCEPT: return "X64_MSR_INTERCEPT";
	case HVMSG_X64_CPUID_INTERCEPT: return "X64_CPUID_INTERCEPT";
	case HVMSG_X64_EXCEPTION_INTERCEPT: return "X64_EXCEPTION_INTERCEPT";
	case HVMSG_X64_APIC_EOI: return "X64_APIC_EOI";
	case HVMSG_X64_HALT: return "X64_HALT";
	default: return "?";
	}
}

int hv_status_errno(uint16_t status)
{
	switch (status) {
	case HV_STATUS_SUCCESS:
		return 0;
	case HV_STATUS_INVALID_HYPERCALL_CODE:
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
	case HV_STATUS_INVALID_PARAMETER:
	case HV_STATUS_INVALID_PARTITION_ID:
	case HV_STATUS_INVALID_VP_INDEX:
	case HV_STATUS_INVALID_PORT_ID:
	case HV_STATUS_INVALID_CONNECTION_ID:
	case HV_STATUS_INVALID_LP_INDEX:
	case HV_STATUS_INVALID_REGISTER_VALUE:
		return EINVAL;
	case HV_STATUS_INSUFFICIENT_MEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

bool hv_status_known(uint16_t status)
{
	static const uint16_t known[] = {
		0x0, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xA, 0xB, 0xD,
		0xE, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x1D, 0x20, 0x41,
		0x50, 0x71, 0x78, 0x79, 0x86,
	};

	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == status)
			return true;
	return false;
}

uint32_t vcpu_run_ok(struct vcpu *vcpu, struct hv_message *msg)
{
	int ret = vcpu_run(vcpu, msg);

	TEST_ASSERT(ret == 0, "MSHV_RUN_VP: ret %d errno %s", ret,
		    strerror(errno));
	return MSG_TYPE(msg);
}

/* Kicks the thread in RUN_VP with SIGUSR1 until told to stop: a signal
 * that lands just before the ioctl is consumed there, so one is not enough. */
struct halt_kicker {
	pthread_t target;
	atomic_int stop;
};

static void on_halt_kick(int sig)
{
	(void)sig;
}

static void *halt_kicker_thread(void *arg)
{
	struct halt_kicker *k = arg;
	struct timespec d = { 0, 20 * 1000 * 1000 };

	while (!atomic_load(&k->stop)) {
		nanosleep(&d, NULL);
		if (!atomic_load(&k->stop))
			pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

/* RUN_VP must return only on a signal, with the activity bit set. */
static void expect_blocked(struct vcpu *vcpu, bool startup)
{
	struct halt_kicker k = { .target = pthread_self() };
	struct sigaction sa, old;
	struct hv_message msg;
	pthread_t th;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_halt_kick;
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT_OK(sigaction(SIGUSR1, &sa, &old));
	TEST_ASSERT_OK(pthread_create(&th, NULL, halt_kicker_thread, &k));
	/* A signal may also land before the guest reaches its HLT. */
	union hv_internal_activity_register a = { .as_uint64 = 0 };
	int ret = 0, err = 0;
	for (int i = 0; i < 1000 && !(startup ? a.startup_suspend : a.halt_suspend); i++) {
		ret = vcpu_run(vcpu, &msg);
		err = errno;
		if (ret == 0)
			break;
		a.as_uint64 = vcpu_get_reg(vcpu, HV_REGISTER_INTERNAL_ACTIVITY_STATE);
	}
	atomic_store(&k.stop, 1);
	TEST_ASSERT_OK(pthread_join(th, NULL));
	TEST_ASSERT_OK(sigaction(SIGUSR1, &old, NULL));
	TEST_ASSERT(ret == -1 && err == EINTR,
		    "RUN_VP of a %s VP: %s instead of EINTR on the signal",
		    startup ? "wait-for-SIPI" : "halted",
		    ret == 0 ? msg_type_name(MSG_TYPE(&msg)) : strerror(err));
	TEST_ASSERT(startup ? a.startup_suspend : a.halt_suspend,
		    "VP not %s after EINTR (activity %#llx)",
		    startup ? "in wait-for-SIPI" : "halted",
		    (unsigned long long)a.as_uint64);
}

void vcpu_expect_halted(struct vcpu *vcpu)
{
	expect_blocked(vcpu, false);
}

void vcpu_expect_wait_sipi(struct vcpu *vcpu)
{
	expect_blocked(vcpu, true);
}

static void describe_unexpected(struct hv_message *msg, const char *want)
{
	struct hv_x64_intercept_message_header *h = msg_hdr(msg);

	TEST_ASSERT(0, "expected %s, got %s (%#x) at rip %#llx",
		    want, msg_type_name(MSG_TYPE(msg)), MSG_TYPE(msg),
		    (unsigned long long)h->rip);
}

struct hv_x64_io_port_intercept_message *
vcpu_run_io(struct vcpu *vcpu, struct hv_message *msg)
{
	if (vcpu_run_ok(vcpu, msg) != HVMSG_X64_IO_PORT_INTERCEPT)
		describe_unexpected(msg, "X64_IO_PORT_INTERCEPT");
	return msg_io(msg);
}

uint64_t vcpu_expect_out(struct vcpu *vcpu, uint16_t port)
{
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io = vcpu_run_io(vcpu, &msg);

	TEST_ASSERT(io->header.intercept_access_type == 1,
		    "expected OUT to %#x, got IN from %#x", port,
		    io->port_number);
	TEST_ASSERT(io->port_number == port, "OUT to port %#x, expected %#x",
		    io->port_number, port);
	vcpu_advance_rip(vcpu, &msg);
	return io->rax;
}

void vm_intercept_exception(struct vm *vm, uint16_t vector)
{
	struct hv_input_install_intercept in;
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.access_type = HV_INTERCEPT_ACCESS_MASK_EXECUTE;
	in.intercept_type = HV_INTERCEPT_TYPE_EXCEPTION;
	in.intercept_parameter.exception_vector = vector;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in, sizeof(in),
			      NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
}

void vcpu_advance_rip(struct vcpu *vcpu, const struct hv_message *msg)
{
	const struct hv_x64_intercept_message_header *h =
		(const void *)msg->u.payload;

	TEST_ASSERT(h->instruction_length != 0,
		    "instruction_length is 0 in %s message",
		    msg_type_name(MSG_TYPE(msg)));
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, h->rip + h->instruction_length);
}

void vcpu_complete_in(struct vcpu *vcpu, const struct hv_message *msg,
		      uint32_t value)
{
	const struct hv_x64_io_port_intercept_message *io =
		(const void *)msg->u.payload;
	unsigned size = io->access_info.access_size;
	uint64_t rax = io->rax;
	uint32_t names[2] = { HV_X64_REGISTER_RAX, HV_X64_REGISTER_RIP };
	union hv_register_value v[2];

	if (size == 4) {
		rax = value;	/* 32-bit result zero-extends */
	} else {
		uint64_t mask = size == 1 ? 0xff : 0xffff;

		rax = (rax & ~mask) | (value & mask);
	}
	memset(v, 0, sizeof(v));
	v[0].reg64 = rax;
	v[1].reg64 = io->header.rip + io->header.instruction_length;
	vcpu_set_regs(vcpu, names, v, 2);
}

