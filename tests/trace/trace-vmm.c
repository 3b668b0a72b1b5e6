// SPDX-License-Identifier: MIT
/*
 * The VMM of tests/trace/test-trace: a known guest whose trace is compared
 * line by line with tests/trace/known-guest.expected, and one case per
 * fault kind, each run by the script under the --fault that it expects and
 * asserting what a VMM sees of it (errno, status, exit).
 */
#include "vmm.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* 16-bit: a serial-port write, a store into the VGA hole, HLT. */
GUEST_CODE(known_guest,
	".code16\n"
	"movb $0x41, %al\n"
	"movw $0x3f8, %dx\n"
	GUEST_LABEL(kg_out) "outb %al, %dx\n"
	"movw $0xb800, %ax\n"
	"movw %ax, %es\n"
	GUEST_LABEL(kg_st) "movw $0x0741, %es:0x10\n"
	GUEST_LABEL(kg_st_end) "hlt\n");
GUEST_EXTERN(kg_out); GUEST_EXTERN(kg_st); GUEST_EXTERN(kg_st_end);

static struct vm *known_vm(struct vcpu **vcpu)
{
	struct vm *vm = vm_create(0);

	vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 0);
	vm_init(vm);
	vm_add_memory(vm, 0, 0xa0000, MEM_RWX);	/* the VGA hole stays unmapped */
	*vcpu = vcpu_create(vm, 0);
	GUEST_LOAD(vm, CODE_GPA, known_guest);
	vcpu_setup_real_mode(*vcpu, 0, CODE_GPA);
	return vm;
}

/* Runs the known guest to its HLT (no fault expected). */
TEST(known)
{
	struct vcpu *vcpu;
	struct vm *vm = known_vm(&vcpu);
	struct hv_message msg;

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x3f8) & 0xff, 0x41);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNMAPPED_GPA);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, CODE_GPA + GUEST_OFF(known_guest, kg_st_end));
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_HALT);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

/* --fault ioctl=CREATE_VP:errno=ENOMEM:nth=1 */
TEST(create_vp_enomem)
{
	struct vm *vm = vm_create_default(0);
	struct mshv_create_vp cv = { .vp_index = 0 };

	errno = 0;
	TEST_ASSERT(ioctl(vm->pt_fd, MSHV_CREATE_VP, &cv) == -1 && errno == ENOMEM,
		    "CREATE_VP: %s instead of the injected ENOMEM", strerror(errno));
	int fd = ioctl(vm->pt_fd, MSHV_CREATE_VP, &cv);
	TEST_ASSERT(fd >= 0, "CREATE_VP after the one injected failure: %s", strerror(errno));
	close(fd);
	vm_destroy(vm);
}

/* --fault ioctl=RUN_VP:errno=EINTR:nth=1 (or EAGAIN): the VMM retries. */
static void run_vp_retry(int err)
{
	struct vcpu *vcpu;
	struct vm *vm = known_vm(&vcpu);
	struct hv_message msg;

	errno = 0;
	TEST_ASSERT(vcpu_run(vcpu, &msg) == -1 && errno == err,
		    "RUN_VP: %s instead of the injected %s", strerror(errno), strerror(err));
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_IO_PORT_INTERCEPT);
	TEST_ASSERT_EQ(msg_io(&msg)->port_number, 0x3f8);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

TEST(run_vp_eintr) { run_vp_retry(EINTR); }
TEST(run_vp_eagain) { run_vp_retry(EAGAIN); }

/* --fault hvcall=TRANSLATE_VIRTUAL_ADDRESS:status=INSUFFICIENT_MEMORY:nth=1:
 * status set, EAGAIN (Linux 6.15's deposit-and-retry contract); the retry
 * goes through. */
TEST(hvcall_insufficient_memory)
{
	struct vcpu *vcpu;
	struct vm *vm = known_vm(&vcpu);
	struct hv_input_translate_virtual_address in = {
		.vp_index = 0, .control_flags = HV_TRANSLATE_GVA_VALIDATE_READ,
		.gva_page = CODE_GPA >> 12 };
	struct hv_output_translate_virtual_address out;
	uint16_t status = 0;

	errno = 0;
	int ret = hvcall(vm->pt_fd, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, &in, sizeof in, &out,
			 sizeof out, &status);
	TEST_ASSERT(ret == -1 && errno == EAGAIN && status == HV_STATUS_INSUFFICIENT_MEMORY,
		    "ret %d errno %s status 0x%x", ret, strerror(errno), status);
	ret = hvcall(vm->pt_fd, HVCALL_TRANSLATE_VIRTUAL_ADDRESS, 0, &in, sizeof in, &out,
		     sizeof out, &status);
	TEST_ASSERT(ret == 0 && status == HV_STATUS_SUCCESS && out.gpa_page == CODE_GPA >> 12,
		    "retry: ret %d status 0x%x gpa_page 0x%llx", ret, status,
		    (unsigned long long)out.gpa_page);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

/* --fault hvcall=CLEAR_VIRTUAL_INTERRUPT:status=INVALID_PARTITION_STATE */
TEST(hvcall_invalid_partition_state)
{
	struct vm *vm = vm_create_default(0);
	uint64_t in = 0;
	uint16_t status = 0;

	errno = 0;
	int ret = hvcall(vm->pt_fd, HVCALL_CLEAR_VIRTUAL_INTERRUPT, 0, &in, sizeof in, NULL, 0,
			 &status);
	TEST_ASSERT(ret == -1 && errno == EIO && status == HV_STATUS_INVALID_PARTITION_STATE,
		    "ret %d errno %s status 0x%x", ret, strerror(errno), status);
	vm_destroy(vm);
}

/* --fault exit=UNRECOVERABLE_EXCEPTION:nth=1: the first exit, replaced,
 * still says where the guest was. */
TEST(exit_unrecoverable)
{
	struct vcpu *vcpu;
	struct vm *vm = known_vm(&vcpu);
	struct hv_message msg;

	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNRECOVERABLE_EXCEPTION);
	TEST_ASSERT_EQ(msg_hdr(&msg)->rip, CODE_GPA + GUEST_OFF(known_guest, kg_out));
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

/* An interrupt the core raises itself from an irqfd (MSI route: GSI 3,
 * fixed, vector 0x40, APIC 0), which the trace shows as class irq. */
TEST(irqfd)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	struct vcpu *vcpu = vcpu_create(vm, 0);
	struct mshv_user_irq_table *t = calloc(1, sizeof(*t) + sizeof(t->entries[0]));
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t one = 1;

	TEST_ASSERT(t && efd >= 0, "calloc/eventfd");
	t->nr = 1;
	t->entries[0].gsi = 3;
	t->entries[0].address_lo = 0xfee00000u;
	t->entries[0].data = 0x40;
	TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_SET_MSI_ROUTING, t));
	free(t);
	struct mshv_user_irqfd a = { .fd = efd, .resamplefd = -1, .gsi = 3 };
	TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_IRQFD, &a));
	TEST_ASSERT(write(efd, &one, sizeof one) == sizeof one, "write eventfd");
	/* The core's irqfd thread drains the eventfd, then injects; the
	 * deassign waits for an injection in flight. */
	struct pollfd p = { .fd = efd, .events = POLLIN };
	for (int i = 0; i < 500 && poll(&p, 1, 0) == 1; i++)
		usleep(10000);
	TEST_ASSERT(poll(&p, 1, 0) == 0, "the irqfd was never consumed");
	a.flags = 1u << MSHV_IRQFD_BIT_DEASSIGN;
	TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_IRQFD, &a));
	close(efd);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

TEST_MAIN(TEST_ENTRY(known), TEST_ENTRY(irqfd), TEST_ENTRY(create_vp_enomem), TEST_ENTRY(run_vp_eintr),
	  TEST_ENTRY(run_vp_eagain), TEST_ENTRY(hvcall_insufficient_memory),
	  TEST_ENTRY(hvcall_invalid_partition_state), TEST_ENTRY(exit_unrecoverable))
