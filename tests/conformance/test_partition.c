/* SPDX-License-Identifier: MIT */
/*
 * Partition fd: INITIALIZE, partition properties, MSHV_ROOT_HVCALL
 * argument validation.  docs/abi.md §2.2, §2.3; docs/abi-hv.md §4, §8.
 */
#include "vmm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int get_prop(int fd, uint32_t code, uint64_t *val, uint16_t *status)
{
	struct hv_input_get_partition_property in;
	struct hv_output_get_partition_property out = { .property_value = 0 };
	int ret;

	memset(&in, 0, sizeof(in));
	in.property_code = code;
	ret = hvcall(fd, HVCALL_GET_PARTITION_PROPERTY, 0, &in, sizeof(in),
		     &out, sizeof(out), status);
	*val = out.property_value;
	return ret;
}

static int set_prop(int fd, uint32_t code, uint64_t val, uint16_t *status)
{
	struct hv_input_set_partition_property in;

	memset(&in, 0, sizeof(in));
	in.property_code = code;
	in.property_value = val;
	return hvcall(fd, HVCALL_SET_PARTITION_PROPERTY, 0, &in, sizeof(in),
		      NULL, 0, status);
}

TEST(initialize_idempotent)
{
	struct vm *vm = vm_create(1ull << MSHV_PT_BIT_LAPIC);

	vm_init(vm);
	vm_init(vm);
	vm_init(vm);
	vcpu_create(vm, 0); /* and again with a VP */
	vm_init(vm);
	vm_destroy(vm);
}

TEST(early_synthetic_features)
{
	struct vm *vm = vm_create((1ull << MSHV_PT_BIT_LAPIC) |
				  (1ull << MSHV_PT_BIT_X2APIC));
	/* QEMU's mask */
	const uint64_t qemu = 0x06400FFBull;

	/* Features the hypervisor cannot assign stay off: the partition gets
	 * exactly the requested ones it offers (rust-vmm ANDs them first). */
	const uint64_t granted = qemu & dev_assignable_features();

	TEST_ASSERT((granted & 3) == 3, "hypervisor_present|hv1 not assignable");
	vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, qemu);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES),
		       granted);
	vm_init(vm);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES),
		       granted);
	vm_destroy(vm);

	/* Hyperlight sets 0 */
	vm = vm_create(0);
	vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, 0);
	vm_init(vm);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 0);
	vm_destroy(vm);
}

TEST(msr_action_and_time_freeze)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);

	vm_set_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
			HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
		       HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO);
	vm_set_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
			HV_UNIMPLEMENTED_MSR_ACTION_FAULT);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION),
		       HV_UNIMPLEMENTED_MSR_ACTION_FAULT);

	vm_set_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE, 1);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE), 1);
	vm_set_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE, 0);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE), 0);
	vm_destroy(vm);
}

TEST(other_properties)
{
	struct vm *vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	uint64_t v;
	uint16_t st;

	/* those read by rust-vmm / the kernel must work */
	const uint32_t codes[] = {
		HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0,
		HV_PARTITION_PROPERTY_PROCESSOR_FEATURES1,
		HV_PARTITION_PROPERTY_PROCESSOR_XSAVE_FEATURES,
		HV_PARTITION_PROPERTY_XSAVE_STATES,
		HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE,
	};
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		st = 0xffff;
		TEST_ASSERT(get_prop(vm->pt_fd, codes[i], &v, &st) == 0 && st == 0,
			    "property %#x: %s status %#x", codes[i],
			    strerror(errno), st);
	}
	/* rust-vmm needs XSAVE data to fit the 4 KiB VP-state buffer */
	get_prop(vm->pt_fd, HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE, &v, &st);
	TEST_ASSERT(v > 0 && v <= 4096, "MAX_XSAVE_DATA_SIZE %llu",
		    (unsigned long long)v);
	vm_destroy(vm);
}

TEST(unknown_property)
{
	struct vm *vm = vm_create_default(0);
	uint64_t v;
	uint16_t st = 0;

	TEST_ASSERT_HV_FAIL(get_prop(vm->pt_fd, 0x00ff00ff, &v, &st), st);
	if (st == HV_STATUS_UNKNOWN_PROPERTY)
		TEST_ASSERT_EQ(hv_status_errno(st), EIO);
	st = 0;
	TEST_ASSERT_HV_FAIL(set_prop(vm->pt_fd, 0x00ff00ff, 1, &st), st);
	vm_destroy(vm);
}

/* Issue MSHV_ROOT_HVCALL with a hand-made argument block. */
static int raw_hvcall(int fd, struct mshv_root_hvcall *a)
{
	return ioctl(fd, MSHV_ROOT_HVCALL, a);
}

static void good_args(struct mshv_root_hvcall *a, void *in, void *out)
{
	memset(a, 0, sizeof(*a));
	a->code = HVCALL_GET_PARTITION_PROPERTY;
	a->in_sz = sizeof(struct hv_input_get_partition_property);
	a->out_sz = sizeof(struct hv_output_get_partition_property);
	a->in_ptr = (uint64_t)(uintptr_t)in;
	a->out_ptr = (uint64_t)(uintptr_t)out;
}

static void check_hvcall_validation(int fd)
{
	struct hv_input_get_partition_property in;
	uint8_t *big = calloc(1, 8192);
	uint64_t out;
	struct mshv_root_hvcall a;

	TEST_ASSERT(big, "calloc");
	memset(&in, 0, sizeof(in));
	in.property_code = HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0;

	good_args(&a, &in, &out);
	TEST_ASSERT_OK(raw_hvcall(fd, &a));
	TEST_ASSERT_EQ(a.status, 0);

	good_args(&a, &in, &out);
	a.status = 1;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);

	good_args(&a, &in, &out);
	a.in_ptr = 0;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);

	good_args(&a, &in, &out);
	a.in_sz = 7;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);
	a.in_sz = 0;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);

	good_args(&a, big, &out);
	memcpy(big, &in, sizeof(in));
	a.in_sz = 4097;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);
	a.in_sz = 0xffff;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);

	for (unsigned i = 0; i < sizeof(a.rsvd); i++) {
		good_args(&a, &in, &out);
		a.rsvd[i] = 0x80;
		TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);
	}

	good_args(&a, &in, big);
	a.out_sz = 0;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);
	a.out_sz = 4097;
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EINVAL);

	/* kernel-internal codes are not in the allow-list */
	const uint16_t bad[] = {
		HVCALL_CREATE_PARTITION, HVCALL_INITIALIZE_PARTITION,
		HVCALL_DELETE_PARTITION, HVCALL_MAP_GPA_PAGES,
		HVCALL_CREATE_VP, HVCALL_DISPATCH_VP, HVCALL_GET_VP_STATE,
		0x0000, 0x7fff, 0xffff,
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good_args(&a, big, big + 4096);
		a.code = bad[i];
		a.in_sz = 64;
		a.out_sz = 64;
		TEST_ASSERT(raw_hvcall(fd, &a) == -1 && errno == EINVAL,
			    "code %#x: errno %s", bad[i], strerror(errno));
	}

	/* unreadable input -> EFAULT */
	good_args(&a, (void *)8, &out);
	TEST_ASSERT_ERRNO(raw_hvcall(fd, &a), EFAULT);
	/* unreadable argument block -> EFAULT */
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_ROOT_HVCALL, (void *)8), EFAULT);
	free(big);
}

TEST(hvcall_validation_partition)
{
	struct vm *vm = vm_create_default(0);

	check_hvcall_validation(vm->pt_fd);
	vm_destroy(vm);
}

TEST(hvcall_validation_vp)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	check_hvcall_validation(vcpu->fd);
	vm_destroy(vm);
}

TEST(hvcall_validation_dev)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);

	check_hvcall_validation(fd);
	close(fd);
}

TEST(set_property_not_via_vp)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint16_t st = 0;
	uint64_t v = 0;

	/* async hypercall: only on the partition fd */
	TEST_ASSERT_ERRNO(set_prop(vcpu->fd, HV_PARTITION_PROPERTY_TIME_FREEZE,
				   1, &st), EINVAL);
	TEST_ASSERT_ERRNO(set_prop(vm->sys_fd, HV_PARTITION_PROPERTY_TIME_FREEZE,
				   1, &st), EINVAL);
	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE), 0);
	/* GET works on the VP fd */
	TEST_ASSERT_OK(get_prop(vcpu->fd, HV_PARTITION_PROPERTY_TIME_FREEZE,
				&v, &st));
	TEST_ASSERT_EQ(st, 0);
	vm_destroy(vm);
}

TEST(reps_returned)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	const uint32_t names[5] = {
		HV_X64_REGISTER_RAX, HV_X64_REGISTER_RBX, HV_X64_REGISTER_RIP,
		HV_X64_REGISTER_CR0, HV_X64_REGISTER_CS,
	};
	union hv_register_value vals[5];
	uint16_t st = 0xffff, done = 0;
	struct hv_input_get_partition_property in;
	uint64_t out;

	TEST_ASSERT_OK(vp_get_registers(vm->pt_fd, 0, names, vals, 5, &st, &done));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(done, 5);
	done = 0;
	TEST_ASSERT_OK(vp_set_registers(vcpu->fd, 0, names, vals, 2, &st, &done));
	TEST_ASSERT_EQ(done, 2);

	/* non-rep call: reps stays 0 */
	memset(&in, 0, sizeof(in));
	in.property_code = HV_PARTITION_PROPERTY_TIME_FREEZE;
	done = 0xffff;
	TEST_ASSERT_OK(hvcall_ex(vm->pt_fd, HVCALL_GET_PARTITION_PROPERTY, 0,
				 &in, sizeof(in), &out, sizeof(out), &st, &done));
	TEST_ASSERT_EQ(done, 0);
	vm_destroy(vm);
}

TEST(partition_id_overwritten)
{
	struct vm *vm = vm_create_default(0);
	struct hv_input_get_partition_property in;
	uint64_t out = 0;
	uint16_t st = 0xffff;

	/* garbage in the partition id field is replaced by the kernel */
	memset(&in, 0, sizeof(in));
	in.partition_id = 0x123456789abcdefull;
	in.property_code = HV_PARTITION_PROPERTY_TIME_FREEZE;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_GET_PARTITION_PROPERTY, 0, &in,
			      sizeof(in), &out, sizeof(out), &st));
	TEST_ASSERT_EQ(st, 0);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(initialize_idempotent),
	TEST_ENTRY(early_synthetic_features),
	TEST_ENTRY(msr_action_and_time_freeze),
	TEST_ENTRY(other_properties),
	TEST_ENTRY(unknown_property),
	TEST_ENTRY(hvcall_validation_partition),
	TEST_ENTRY(hvcall_validation_vp),
	TEST_ENTRY(hvcall_validation_dev),
	TEST_ENTRY(set_property_not_via_vp),
	TEST_ENTRY(reps_returned),
	TEST_ENTRY(partition_id_overwritten),
)
