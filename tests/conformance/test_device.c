/* SPDX-License-Identifier: MIT */
/*
 * /dev/mshv itself: open modes, CREATE_PARTITION (v1 and v2) validation,
 * partition fds, ROOT_HVCALL on the device fd.  docs/abi.md §2.0-§2.2.
 */
#include "vmm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int create_v1(int sys_fd, uint64_t flags, uint64_t isolation)
{
	struct mshv_create_partition a = {
		.pt_flags = flags, .pt_isolation = isolation,
	};

	return ioctl(sys_fd, MSHV_CREATE_PARTITION, &a);
}

static void v2_default(struct mshv_create_partition_v2 *a)
{
	memset(a, 0, sizeof(*a));
	a->pt_flags = (1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC) |
		      (1ull << MSHV_PT_BIT_GPA_SUPER_PAGES) |
		      (1ull << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES);
	a->pt_isolation = MSHV_PT_ISOLATION_NONE;
	a->pt_num_cpu_fbanks = MSHV_NUM_CPU_FEATURES_BANKS;
}

static void assert_cloexec_rdwr(int fd)
{
	int fdfl = fcntl(fd, F_GETFD);
	int fl = fcntl(fd, F_GETFL);

	TEST_ASSERT(fdfl >= 0 && (fdfl & FD_CLOEXEC),
		    "fd %d lacks FD_CLOEXEC (F_GETFD=%#x)", fd, fdfl);
	TEST_ASSERT(fl >= 0 && (fl & O_ACCMODE) == O_RDWR,
		    "fd %d is not O_RDWR (F_GETFL=%#x)", fd, fl);
}

TEST(open_modes)
{
	/* rust-vmm: read-only, non-blocking, close-on-exec */
	int fd = mshv_open(O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int fdfl = fcntl(fd, F_GETFD);
	int pt;

	TEST_ASSERT(fdfl >= 0 && (fdfl & FD_CLOEXEC), "no FD_CLOEXEC on /dev/mshv");
	pt = create_v1(fd, 0, 0);
	TEST_ASSERT_OK(pt);
	close(pt);
	close(fd);

	/* QEMU: read-write */
	fd = mshv_open(O_RDWR | O_CLOEXEC);
	pt = create_v1(fd, 0, 0);
	TEST_ASSERT_OK(pt);
	/* The partition outlives the device fd. */
	close(fd);
	TEST_ASSERT_OK(ioctl(pt, MSHV_INITIALIZE_PARTITION));
	close(pt);

	/* plain O_RDWR without O_CLOEXEC */
	fd = mshv_open(O_RDWR);
	fdfl = fcntl(fd, F_GETFD);
	TEST_ASSERT(fdfl >= 0 && !(fdfl & FD_CLOEXEC), "unexpected FD_CLOEXEC");
	close(fd);
}

TEST(unknown_ioctl)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);
	int pt, vp;
	struct mshv_create_vp cv = { .vp_index = 0 };
	char buf[256];

	memset(buf, 0, sizeof(buf));
	TEST_ASSERT_ERRNO(ioctl(fd, _IO(MSHV_IOCTL, 0x3f)), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(fd, _IOW('X', 0x00, struct mshv_create_partition), buf), ENOTTY);
	/* partition / VP requests on the device fd */
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_INITIALIZE_PARTITION), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_VP, &cv), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_RUN_VP, buf), ENOTTY);

	pt = create_v1(fd, 0, 0);
	TEST_ASSERT_OK(pt);
	TEST_ASSERT_ERRNO(ioctl(pt, _IO(MSHV_IOCTL, 0x3f)), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(pt, MSHV_RUN_VP, buf), ENOTTY);
	TEST_ASSERT_OK(ioctl(pt, MSHV_INITIALIZE_PARTITION));
	vp = ioctl(pt, MSHV_CREATE_VP, &cv);
	TEST_ASSERT_OK(vp);
	TEST_ASSERT_ERRNO(ioctl(vp, _IO(MSHV_IOCTL, 0x3f)), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(vp, MSHV_CREATE_VP, &cv), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(vp, MSHV_SET_GUEST_MEMORY, buf), ENOTTY);
	close(vp);
	close(pt);
	close(fd);
}

TEST(create_v1_flags)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);
	const uint64_t good[] = {
		0,
		1ull << MSHV_PT_BIT_LAPIC,
		(1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC),
		(1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC) |
			(1ull << MSHV_PT_BIT_GPA_SUPER_PAGES),
	};

	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int pt = create_v1(fd, good[i], MSHV_PT_ISOLATION_NONE);

		TEST_ASSERT(pt >= 0, "flags %#llx: %s",
			    (unsigned long long)good[i], strerror(errno));
		TEST_ASSERT_OK(ioctl(pt, MSHV_INITIALIZE_PARTITION));
		close(pt);
	}
	close(fd);
}

TEST(create_bad_flags)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);

	TEST_ASSERT_ERRNO(create_v1(fd, 1ull << MSHV_PT_BIT_COUNT, 0), EINVAL);
	TEST_ASSERT_ERRNO(create_v1(fd, 1ull << 31, 0), EINVAL);
	TEST_ASSERT_ERRNO(create_v1(fd, 1ull << 63, 0), EINVAL);
	TEST_ASSERT_ERRNO(create_v1(fd, ~0ull, 0), EINVAL);
	close(fd);
}

TEST(create_bad_isolation)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);

	/* SNP is a downstream-only isolation type; upstream has only NONE */
	TEST_ASSERT_ERRNO(create_v1(fd, 0, 1), EINVAL);
	TEST_ASSERT_ERRNO(create_v1(fd, 0, 7), EINVAL);
	TEST_ASSERT_ERRNO(create_v1(fd, 0, ~0ull), EINVAL);
	close(fd);
}

TEST(create_v2)
{
	int fd = mshv_open(O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct mshv_create_partition_v2 a;
	int pt;

	_Static_assert(sizeof(struct mshv_create_partition_v2) == 64, "v2 size");
	v2_default(&a);
	pt = ioctl(fd, MSHV_CREATE_PARTITION, &a);
	TEST_ASSERT_OK(pt);
	TEST_ASSERT_OK(ioctl(pt, MSHV_INITIALIZE_PARTITION));
	close(pt);

	/* rust-vmm style: everything the host lacks disabled */
	v2_default(&a);
	a.pt_cpu_fbanks[0] = 0;
	a.pt_cpu_fbanks[1] = ~0ull << 40;
	a.pt_disabled_xsave = 0xffffffffffffe7e0ull;
	pt = ioctl(fd, MSHV_CREATE_PARTITION, &a);
	TEST_ASSERT_OK(pt);
	close(pt);

	v2_default(&a);
	a.pt_num_cpu_fbanks = 1;
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);
	a.pt_num_cpu_fbanks = 3;
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);
	a.pt_num_cpu_fbanks = 0;
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);

	for (unsigned i = 0; i < sizeof(a.pt_rsvd); i++) {
		v2_default(&a);
		a.pt_rsvd[i] = 1;
		TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);
	}
	for (unsigned i = 0; i < 2; i++) {
		v2_default(&a);
		a.pt_rsvd1[i] = 1ull << 40;
		TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);
	}
	/* flags / isolation are re-validated on the v2 struct */
	v2_default(&a);
	a.pt_flags |= 1ull << MSHV_PT_BIT_COUNT;
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);
	v2_default(&a);
	a.pt_isolation = 1;
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, &a), EINVAL);
	close(fd);
}

TEST(create_efault)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);
	long psz = sysconf(_SC_PAGESIZE);
	uint8_t *pages;
	struct mshv_create_partition_v2 a;

	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, NULL), EFAULT);
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, (void *)8), EFAULT);

	/* v2: first 16 bytes readable, the rest of the 64 bytes not */
	pages = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(pages != MAP_FAILED, "mmap");
	TEST_ASSERT_OK(mprotect(pages + psz, psz, PROT_NONE));
	v2_default(&a);
	memcpy(pages + psz - 16, &a, 16);
	TEST_ASSERT_ERRNO(ioctl(fd, MSHV_CREATE_PARTITION, pages + psz - 16),
			  EFAULT);
	/* the same v1 struct at the same place is fine */
	a.pt_flags = 0;
	memcpy(pages + psz - 16, &a, 16);
	int pt = ioctl(fd, MSHV_CREATE_PARTITION, pages + psz - 16);
	TEST_ASSERT_OK(pt);
	close(pt);
	munmap(pages, 2 * psz);
	close(fd);
}

TEST(partition_fds)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);
	int pts[8];

	for (int i = 0; i < 8; i++) {
		pts[i] = create_v1(fd, i & 1 ? 0 : 1ull << MSHV_PT_BIT_LAPIC, 0);
		TEST_ASSERT_OK(pts[i]);
		TEST_ASSERT(pts[i] != fd, "partition fd equals device fd");
		for (int j = 0; j < i; j++)
			TEST_ASSERT(pts[i] != pts[j], "fd %d returned twice", pts[i]);
		assert_cloexec_rdwr(pts[i]);
	}
	/* VP fds too */
	struct mshv_create_vp cv = { .vp_index = 0 };

	TEST_ASSERT_OK(ioctl(pts[0], MSHV_INITIALIZE_PARTITION));
	int vp = ioctl(pts[0], MSHV_CREATE_VP, &cv);

	TEST_ASSERT_OK(vp);
	assert_cloexec_rdwr(vp);
	close(vp);
	for (int i = 0; i < 8; i++)
		close(pts[i]);
	close(fd);
}

GUEST_CODE(ident_guest,
	".code16\n"
	"outw %ax, $0x10\n"
	"hlt\n");

TEST(several_partitions)
{
	struct vm *vms[4];
	struct vcpu *vcpus[4];

	for (int i = 0; i < 4; i++) {
		vms[i] = vm_create_default(0);
		vcpus[i] = vcpu_create(vms[i], 0);
		GUEST_LOAD(vms[i], CODE_GPA, ident_guest);
		vcpu_setup_real_mode(vcpus[i], 0, CODE_GPA);
		vcpu_set_reg(vcpus[i], HV_X64_REGISTER_RAX, 0x100 + i);
	}
	/* interleave runs: each partition keeps its own state */
	for (int i = 3; i >= 0; i--)
		TEST_ASSERT_EQ(vcpu_expect_out(vcpus[i], 0x10) & 0xffff, 0x100 + i);
	for (int i = 0; i < 4; i++) {
		struct hv_message msg;

		TEST_ASSERT_EQ(vcpu_run_ok(vcpus[i], &msg), HVMSG_X64_HALT);
		vcpu_destroy(vcpus[i]);
		vm_destroy(vms[i]);
	}
}

struct prop_ex_out {
	uint8_t bytes[HV_PARTITION_PROPERTY_EX_MAX_VAR_SIZE];
};

TEST(dev_hvcall_properties)
{
	int fd = mshv_open(O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct hv_input_get_partition_property in;
	struct hv_output_get_partition_property out;
	uint16_t status;
	const uint32_t codes[] = {
		HV_PARTITION_PROPERTY_PROCESSOR_FEATURES0,
		HV_PARTITION_PROPERTY_PROCESSOR_FEATURES1,
	};

	for (unsigned i = 0; i < 2; i++) {
		memset(&in, 0, sizeof(in));
		in.property_code = codes[i];
		out.property_value = 0xdeadbeef;
		status = 0xffff;
		TEST_ASSERT_OK(hvcall(fd, HVCALL_GET_PARTITION_PROPERTY, 0, &in,
				      sizeof(in), &out, sizeof(out), &status));
		TEST_ASSERT_EQ(status, HV_STATUS_SUCCESS);
	}
	close(fd);
}

TEST(dev_hvcall_property_ex)
{
	int fd = mshv_open(O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct hv_input_get_partition_property_ex in;
	struct prop_ex_out *out = calloc(1, sizeof(*out));
	uint16_t status = 0xffff;
	uint64_t feats;

	TEST_ASSERT(out, "calloc");
	memset(&in, 0, sizeof(in));
	in.property_code = HV_PARTITION_PROPERTY_ASSIGNABLE_SYNTHETIC_PROC_FEATURES;
	TEST_ASSERT_OK(hvcall(fd, HVCALL_GET_PARTITION_PROPERTY_EX, 0, &in,
			      sizeof(in), out, 4072, &status));
	TEST_ASSERT_EQ(status, HV_STATUS_SUCCESS);
	/* rust-vmm reads the u64 at byte offset 8 */
	memcpy(&feats, out->bytes + 8, 8);
	TEST_ASSERT((feats & 3) == 3,
		    "hypervisor_present|hv1 missing: %#llx",
		    (unsigned long long)feats);
	/* access_partition_reference_counter and access_vp_index (bits 3, 8),
	 * which QEMU and Cloud Hypervisor both request. */
	TEST_ASSERT((feats & 0x108) == 0x108, "reference counter/vp index missing: %#llx",
		    (unsigned long long)feats);
	free(out);
	close(fd);
}

TEST(dev_hvcall_other_codes)
{
	int fd = mshv_open(O_RDWR | O_CLOEXEC);
	uint8_t in[64], out[64];
	uint16_t status;
	const uint16_t codes[] = {
		HVCALL_SET_VP_REGISTERS, HVCALL_GET_VP_REGISTERS,
		HVCALL_SET_PARTITION_PROPERTY, HVCALL_TRANSLATE_VIRTUAL_ADDRESS,
		HVCALL_CREATE_PARTITION, HVCALL_ASSERT_VIRTUAL_INTERRUPT,
		HVCALL_INSTALL_INTERCEPT, 0x7fff,
	};

	memset(in, 0, sizeof(in));
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		uint16_t reps = (codes[i] == HVCALL_SET_VP_REGISTERS ||
				 codes[i] == HVCALL_GET_VP_REGISTERS) ? 1 : 0;

		status = 0;
		TEST_ASSERT_ERRNO(hvcall_ex(fd, codes[i], reps, in, 48, out,
					    sizeof(out), &status, NULL), EINVAL);
	}
	close(fd);
}

TEST_MAIN(
	TEST_ENTRY(open_modes),
	TEST_ENTRY(unknown_ioctl),
	TEST_ENTRY(create_v1_flags),
	TEST_ENTRY(create_bad_flags),
	TEST_ENTRY(create_bad_isolation),
	TEST_ENTRY(create_v2),
	TEST_ENTRY(create_efault),
	TEST_ENTRY(partition_fds),
	TEST_ENTRY(several_partitions),
	TEST_ENTRY(dev_hvcall_properties),
	TEST_ENTRY(dev_hvcall_property_ex),
	TEST_ENTRY(dev_hvcall_other_codes),
)
