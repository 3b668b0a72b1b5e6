/* SPDX-License-Identifier: MIT */
/*
 * CPUID as the guest sees it: the Hyper-V leaves and the hypervisor bit
 * follow the partition's hypervisor_present feature, leaf 1 carries the VP
 * index as initial APIC id, CPUID intercepts stop at the instruction, and
 * results registered with REGISTER_INTERCEPT_RESULT merge through their
 * masks without advertising what the partition cannot execute, and
 * processor features disabled at v2 create are gone from CPUID.
 */
#include "vmm.h"

/*
 * The host loads EAX/ECX and points RIP at cpuid_at; the guest reports
 * EAX, EBX, ECX, EDX on ports 0x10..0x13.
 */
GUEST_CODE(cpuid_guest,
	".code64\n"
	GUEST_LABEL(cpuid_at)
	"cpuid\n"
	"outl %eax, $0x10\n"
	"movl %ebx, %eax\n"
	"outl %eax, $0x11\n"
	"movl %ecx, %eax\n"
	"outl %eax, $0x12\n"
	"movl %edx, %eax\n"
	"outl %eax, $0x13\n"
	"hlt\n");
GUEST_EXTERN(cpuid_at);

#define CPUID_RIP (CODE_GPA + GUEST_OFF(cpuid_guest, cpuid_at))

#define SYNTH_DEFAULT 0x06400FFBull	/* QEMU's set, incl. hypervisor_present */

#define LEAF1_ECX_AVX		(1u << 28)
#define LEAF1_ECX_HYPERVISOR	(1u << 31)

static void prepare(struct vcpu *vcpu, uint32_t leaf, uint32_t sub)
{
	uint32_t names[5] = { HV_X64_REGISTER_RIP, HV_X64_REGISTER_RAX,
			      HV_X64_REGISTER_RCX, HV_X64_REGISTER_RBX,
			      HV_X64_REGISTER_RDX };
	union hv_register_value v[5];

	memset(v, 0, sizeof(v));
	v[0].reg64 = CPUID_RIP;
	v[1].reg64 = leaf;
	v[2].reg64 = sub;
	v[3].reg64 = 0xb0b0b0b0;	/* junk: CPUID must overwrite it */
	v[4].reg64 = 0xd0d0d0d0;
	vcpu_set_regs(vcpu, names, v, 5);
}

static void collect(struct vcpu *vcpu, uint32_t r[4])
{
	for (int i = 0; i < 4; i++)
		r[i] = (uint32_t)vcpu_expect_out(vcpu, (uint16_t)(0x10 + i));
}

/* The guest executes CPUID(leaf, sub). */
static void guest_cpuid(struct vcpu *vcpu, uint32_t leaf, uint32_t sub,
			uint32_t r[4])
{
	prepare(vcpu, leaf, sub);
	collect(vcpu, r);
}

static struct vm *cpuid_vm(uint64_t synthetic_features)
{
	struct vm *vm = vm_create_features(1ull << MSHV_PT_BIT_LAPIC, synthetic_features);

	GUEST_LOAD(vm, CODE_GPA, cpuid_guest);
	return vm;
}

static struct vcpu *cpuid_vcpu(struct vm *vm, uint32_t index)
{
	struct vcpu *vcpu = vcpu_create(vm, index);

	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	return vcpu;
}

/* GET_VP_CPUID_VALUES for one leaf, registered results applied. */
static void vp_cpuid_values(struct vcpu *vcpu, uint32_t leaf, uint32_t sub,
			    uint32_t r[4])
{
	struct {
		struct hv_input_get_vp_cpuid_values hdr;
		struct hv_cpuid_leaf_info leaf[1];
	} __attribute__((packed)) in;
	union hv_output_get_vp_cpuid_values out;
	uint16_t st = 0xffff, done = 0;

	memset(&in, 0, sizeof(in));
	in.hdr.vp_index = vcpu->index;
	in.hdr.flags.use_vp_xfem_xss = 1;
	in.hdr.flags.apply_registered_values = 1;
	in.leaf[0].eax = leaf;
	in.leaf[0].ecx = sub;
	TEST_ASSERT_OK(hvcall_ex(vcpu->fd, HVCALL_GET_VP_CPUID_VALUES, 1, &in,
				 sizeof(in), &out, sizeof(out), &st, &done));
	TEST_ASSERT_EQ(st, 0);
	TEST_ASSERT_EQ(done, 1);
	memcpy(r, out.as_uint32, 16);
}

static void register_result(struct vcpu *vcpu, uint32_t leaf,
			    const uint32_t val[4], const uint32_t mask[4])
{
	struct hv_input_register_intercept_result in;
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.vp_index = vcpu->index;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_CPUID;
	in.parameters.cpuid.input.eax = leaf;
	in.parameters.cpuid.input.always_override = 1;
	in.parameters.cpuid.result.eax = val[0];
	in.parameters.cpuid.result.eax_mask = mask[0];
	in.parameters.cpuid.result.ebx = val[1];
	in.parameters.cpuid.result.ebx_mask = mask[1];
	in.parameters.cpuid.result.ecx = val[2];
	in.parameters.cpuid.result.ecx_mask = mask[2];
	in.parameters.cpuid.result.edx = val[3];
	in.parameters.cpuid.result.edx_mask = mask[3];
	TEST_ASSERT_OK(hvcall(vcpu->fd, HVCALL_REGISTER_INTERCEPT_RESULT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
}

TEST(hv_leaves_present)
{
	struct vm *vm = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);
	uint32_t r[4];

	guest_cpuid(vcpu, 0x40000000, 0, r);
	TEST_ASSERT(r[0] >= 0x40000001 && r[0] <= 0x400000ff,
		    "max hypervisor leaf %#x", r[0]);
	TEST_ASSERT(!memcmp(&r[1], "Microsoft Hv", 12),
		    "vendor \"%.12s\"", (const char *)&r[1]);
	guest_cpuid(vcpu, 0x40000001, 0, r);
	TEST_ASSERT(!memcmp(&r[0], "Hv#1", 4), "interface %#x", r[0]);
	guest_cpuid(vcpu, 1, 0, r);
	TEST_ASSERT(r[2] & LEAF1_ECX_HYPERVISOR, "leaf 1 ECX %#x lacks bit 31", r[2]);
	vm_destroy(vm);
}

TEST(hv_leaves_absent)
{
	struct vm *vm = cpuid_vm(0);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);
	uint32_t r[4];

	TEST_ASSERT_EQ(vm_get_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES) & 1, 0);
	guest_cpuid(vcpu, 0x40000000, 0, r);
	TEST_ASSERT(!r[0] && !r[1] && !r[2] && !r[3],
		    "0x40000000 = %#x %#x %#x %#x", r[0], r[1], r[2], r[3]);
	guest_cpuid(vcpu, 0x40000001, 0, r);
	TEST_ASSERT(!r[0] && !r[1] && !r[2] && !r[3],
		    "0x40000001 = %#x %#x %#x %#x", r[0], r[1], r[2], r[3]);
	guest_cpuid(vcpu, 1, 0, r);
	TEST_ASSERT(!(r[2] & LEAF1_ECX_HYPERVISOR), "leaf 1 ECX %#x has bit 31", r[2]);
	vm_destroy(vm);
}

TEST(leaf1_apic_id)
{
	struct vm *vm = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *v0 = cpuid_vcpu(vm, 0);
	struct vcpu *v1 = cpuid_vcpu(vm, 1);
	uint32_t r0[4], r1[4];

	guest_cpuid(v1, 1, 0, r1);
	guest_cpuid(v0, 1, 0, r0);
	TEST_ASSERT_EQ(r0[1] >> 24, 0);
	TEST_ASSERT_EQ(r1[1] >> 24, 1);
	/* otherwise the same processor */
	TEST_ASSERT_EQ(r0[0], r1[0]);
	TEST_ASSERT_EQ(r0[2], r1[2]);
	TEST_ASSERT_EQ(r0[3], r1[3]);
	vm_destroy(vm);
}

TEST(global_cpuid_intercept)
{
	struct vm *vm = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);
	struct hv_input_install_intercept in;
	struct hv_message msg;
	struct hv_x64_cpuid_intercept_message *m = (void *)msg.u.payload;
	uint32_t def[4], r[4];
	uint16_t st = 0xffff;

	vp_cpuid_values(vcpu, 0x40000000, 0, def);
	memset(&in, 0, sizeof(in));
	in.access_type = HV_INTERCEPT_ACCESS_MASK_EXECUTE;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_GLOBAL_CPUID;
	TEST_ASSERT_OK(hvcall(vm->pt_fd, HVCALL_INSTALL_INTERCEPT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);

	prepare(vcpu, 0x40000000, 0x7);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_CPUID_INTERCEPT);
	TEST_ASSERT_EQ(m->header.vp_index, 0);
	TEST_ASSERT_EQ(m->header.rip, CPUID_RIP);
	TEST_ASSERT_EQ(m->header.instruction_length, 2);
	TEST_ASSERT_EQ(m->header.intercept_access_type, HV_INTERCEPT_ACCESS_EXECUTE);
	TEST_ASSERT_EQ(m->rax, 0x40000000);
	TEST_ASSERT_EQ(m->rcx, 0x7);
	TEST_ASSERT_EQ(m->rbx, 0xb0b0b0b0);
	TEST_ASSERT_EQ(m->rdx, 0xd0d0d0d0);
	TEST_ASSERT_EQ(m->default_result_rax, def[0]);
	TEST_ASSERT_EQ(m->default_result_rbx, def[1]);
	TEST_ASSERT_EQ(m->default_result_rcx, def[2]);
	TEST_ASSERT_EQ(m->default_result_rdx, def[3]);
	TEST_ASSERT(!memcmp(&def[1], "Microsoft Hv", 12), "default vendor");
	/* nothing executed */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), CPUID_RIP);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RAX), 0x40000000);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RBX), 0xb0b0b0b0);

	/* the VMM completes the CPUID with its own answer */
	{
		uint32_t names[5] = { HV_X64_REGISTER_RAX, HV_X64_REGISTER_RBX,
				      HV_X64_REGISTER_RCX, HV_X64_REGISTER_RDX,
				      HV_X64_REGISTER_RIP };
		union hv_register_value v[5];

		memset(v, 0, sizeof(v));
		v[0].reg64 = 0x11;
		v[1].reg64 = 0x22;
		v[2].reg64 = 0x33;
		v[3].reg64 = 0x44;
		v[4].reg64 = m->header.rip + m->header.instruction_length;
		vcpu_set_regs(vcpu, names, v, 5);
		collect(vcpu, r);
		TEST_ASSERT(r[0] == 0x11 && r[1] == 0x22 && r[2] == 0x33 && r[3] == 0x44,
			    "guest got %#x %#x %#x %#x", r[0], r[1], r[2], r[3]);
	}

	/* every leaf is intercepted, including basic ones */
	prepare(vcpu, 1, 0);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_X64_CPUID_INTERCEPT);
	TEST_ASSERT_EQ(m->rax, 1);
	vp_cpuid_values(vcpu, 1, 0, def);
	TEST_ASSERT_EQ(m->default_result_rbx, def[1]);
	TEST_ASSERT_EQ(m->default_result_rcx, def[2]);
	vm_destroy(vm);
}

TEST(registered_result_masks)
{
	struct vm *vm = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);
	uint32_t d[4], r[4];
	const uint32_t leaf = 0x80000002;	/* processor brand string */
	const uint32_t val[4] = { 0x41420000, 0xffffffff, 0x0000005a, 0 };
	const uint32_t mask[4] = { 0xffff0000, 0, 0x000000ff, 0 };

	guest_cpuid(vcpu, leaf, 0, d);
	register_result(vcpu, leaf, val, mask);
	guest_cpuid(vcpu, leaf, 0, r);
	TEST_ASSERT_EQ(r[0], (d[0] & 0x0000ffff) | 0x41420000);
	TEST_ASSERT_EQ(r[1], d[1]);	/* mask 0: the value is ignored */
	TEST_ASSERT_EQ(r[2], (d[2] & 0xffffff00) | 0x5a);
	TEST_ASSERT_EQ(r[3], d[3]);

	/* a partial override of leaf 1: CLFLUSH line size (EBX[15:8]) */
	const uint32_t v1[4] = { 0, 0x00001000, 0, 0 };
	const uint32_t m1[4] = { 0, 0x0000ff00, 0, 0 };
	guest_cpuid(vcpu, 1, 0, d);
	register_result(vcpu, 1, v1, m1);
	guest_cpuid(vcpu, 1, 0, r);
	TEST_ASSERT_EQ(r[0], d[0]);
	TEST_ASSERT_EQ(r[1], (d[1] & 0xffff00ff) | 0x00001000);
	TEST_ASSERT_EQ(r[1] >> 24, 0);	/* APIC id still the VP's */
	TEST_ASSERT_EQ(r[2], d[2]);
	TEST_ASSERT_EQ(r[3], d[3]);
	vm_destroy(vm);
}

TEST(avx_never_advertised)
{
	struct vm *vm = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);
	uint64_t xsave = vm_get_property(vm, HV_PARTITION_PROPERTY_PROCESSOR_XSAVE_FEATURES);
	const uint32_t val[4] = { 0, 0, LEAF1_ECX_AVX, 0 };
	const uint32_t mask[4] = { 0, 0, LEAF1_ECX_AVX, 0 };
	uint32_t r[4];

	/* A partition whose XSAVE features include AVX may show it. */
	if (xsave & (1ull << 2))
		test_skip("the partition supports AVX");
	guest_cpuid(vcpu, 1, 0, r);
	TEST_ASSERT(!(r[2] & LEAF1_ECX_AVX), "AVX advertised: leaf 1 ECX %#x", r[2]);
	register_result(vcpu, 1, val, mask);
	guest_cpuid(vcpu, 1, 0, r);
	TEST_ASSERT(!(r[2] & LEAF1_ECX_AVX),
		    "registered AVX advertised: leaf 1 ECX %#x", r[2]);
	vp_cpuid_values(vcpu, 1, 0, r);
	TEST_ASSERT(!(r[2] & LEAF1_ECX_AVX), "GET_VP_CPUID_VALUES advertises AVX: ECX %#x", r[2]);
	vm_destroy(vm);
}

GUEST_CODE(rdtscp_guest,
	".code64\n"
	"rdtscp\n"
	"movl $1, %eax\n outl %eax, $0x20\n"
	GUEST_LABEL(rdpid_at)
	".byte 0xf3, 0x0f, 0xc7, 0xf8\n"	/* rdpid %rax */
	"movl $2, %eax\n outl %eax, $0x20\n");
GUEST_EXTERN(rdpid_at);

#define EXT1_EDX_RDTSCP	(1u << 27)
#define LEAF7_ECX_RDPID	(1u << 22)

/* RDTSCP and RDPID are advertised only where they execute, whatever the
 * VMM registers (Linux's rdtsc_ordered() and vDSO getcpu use them when
 * CPUID says so; the engine's CPU model may #UD them). */
TEST(rdtscp_rdpid_only_if_executable)
{
	struct vm *vm = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);
	const uint32_t v1[4] = { 0, 0, 0, EXT1_EDX_RDTSCP };
	const uint32_t v7[4] = { 0, 0, LEAF7_ECX_RDPID, 0 };
	const uint64_t code = CODE_GPA + 0x800;
	uint32_t r1[4], r7[4];

	register_result(vcpu, 0x80000001, v1, v1);
	register_result(vcpu, 7, v7, v7);
	guest_cpuid(vcpu, 0x80000001, 0, r1);
	guest_cpuid(vcpu, 7, 0, r7);
	vm_load(vm, code, rdtscp_guest_start, GUEST_SIZE(rdtscp_guest));
	if (r1[3] & EXT1_EDX_RDTSCP) {
		vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, code);
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x20) & 0xff, 1);
	}
	if (r7[2] & LEAF7_ECX_RDPID) {
		vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, code + GUEST_OFF(rdtscp_guest, rdpid_at));
		TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x20) & 0xff, 2);
	}
	vm_destroy(vm);
}

/* hv_partition_processor_features bank 0 bits and their CPUID bits */
#define FB_SSE3		(1ull << 0)
#define FB_LAHF_SAHF	(1ull << 1)
#define FB_SSE4_2	(1ull << 4)
#define FB_POPCNT	(1ull << 7)
#define FB_CX16		(1ull << 8)
#define FB_LZCNT	(1ull << 10)
#define LEAF1_ECX_SSE3		(1u << 0)
#define LEAF1_ECX_CX16		(1u << 13)
#define EXT1_ECX_LAHF		(1u << 0)
#define LEAF1_ECX_SSE4_2	(1u << 20)
#define LEAF1_ECX_POPCNT	(1u << 23)
#define EXT1_ECX_LZCNT		(1u << 5)

/*
 * Processor features disabled at v2 create (pt_cpu_fbanks) disappear from
 * the guest's CPUID and from GET_VP_CPUID_VALUES; features left enabled
 * read as in a partition created without a feature bank.
 */
TEST(disabled_feature_banks)
{
	/* SSE4.2/POPCNT/LZCNT as a VMM would for an older CPU model;
	 * CMPXCHG16B and LAHF/SAHF because every engine has them */
	const uint64_t banks[2] = { FB_SSE4_2 | FB_POPCNT | FB_LZCNT |
				    FB_CX16 | FB_LAHF_SAHF, 0 };
	const uint32_t off1 = LEAF1_ECX_SSE4_2 | LEAF1_ECX_POPCNT | LEAF1_ECX_CX16;
	const uint32_t offe = EXT1_ECX_LZCNT | EXT1_ECX_LAHF;
	struct vm *ref = cpuid_vm(SYNTH_DEFAULT);
	struct vcpu *rv = cpuid_vcpu(ref, 0);
	uint32_t d1[4], de[4], r1[4], re[4], v[4];

	guest_cpuid(rv, 1, 0, d1);
	guest_cpuid(rv, 0x80000001, 0, de);
	vm_destroy(ref);

	struct vm *vm = vm_create_v2((1ull << MSHV_PT_BIT_LAPIC) |
				     (1ull << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES),
				     banks, 0);
	vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES,
			SYNTH_DEFAULT);
	vm_init(vm);
	vm_add_memory(vm, 0, LOW_MEM_SIZE, MEM_RWX);
	vm_setup_gdt(vm);
	GUEST_LOAD(vm, CODE_GPA, cpuid_guest);
	struct vcpu *vcpu = cpuid_vcpu(vm, 0);

	guest_cpuid(vcpu, 1, 0, r1);
	guest_cpuid(vcpu, 0x80000001, 0, re);
	/* the check means something only if the features were there */
	TEST_ASSERT((d1[2] & LEAF1_ECX_CX16) && (de[2] & EXT1_ECX_LAHF),
		    "no CMPXCHG16B/LAHF to disable: ECX %#x / %#x", d1[2], de[2]);
	TEST_ASSERT(!(r1[2] & off1),
		    "disabled features advertised: leaf 1 ECX %#x", r1[2]);
	TEST_ASSERT(!(re[2] & offe),
		    "disabled features advertised: 0x80000001 ECX %#x", re[2]);
	/* what was not disabled is unchanged */
	TEST_ASSERT_EQ(r1[2] & LEAF1_ECX_SSE3, d1[2] & LEAF1_ECX_SSE3);
	TEST_ASSERT_EQ(r1[2] & ~off1, d1[2] & ~off1);
	TEST_ASSERT_EQ(re[2] & ~offe, de[2] & ~offe);
	TEST_ASSERT_EQ(r1[3], d1[3]);
	TEST_ASSERT_EQ(re[3], de[3]);
	vp_cpuid_values(vcpu, 1, 0, v);
	TEST_ASSERT(!(v[2] & off1), "GET_VP_CPUID_VALUES advertises disabled features: ECX %#x",
		    v[2]);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(hv_leaves_present),
	TEST_ENTRY(hv_leaves_absent),
	TEST_ENTRY(leaf1_apic_id),
	TEST_ENTRY(global_cpuid_intercept),
	TEST_ENTRY(registered_result_masks),
	TEST_ENTRY(avx_never_advertised),
	TEST_ENTRY(rdtscp_rdpid_only_if_executable),
	TEST_ENTRY(disabled_feature_banks),
)
