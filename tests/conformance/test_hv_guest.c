/* SPDX-License-Identifier: MIT */
/*
 * Enlightenments a guest discovers and calls, as Linux does: the CPUID
 * leaves 0x40000000-0x4000000A following the partition's synthetic
 * features, the frequency MSRs, the hypercall page (OS id first; fast,
 * slow and rep calls and their statuses; a synthetic cluster IPI), and
 * reference time: the TSC page against the TIME_REF_COUNT MSR, across
 * VPs, time freeze and a save/restore of partition time.
 */
#include "vmm.h"

#define PT_LAPIC ((1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC))
#define SYNTH_DEFAULT	0x06400FFBull	/* QEMU's (docs/abi-hv.md §9) */
#define APIC_GPA	0xfee00000ull
#define HG_IDT		0x20000ull
#define HC_GPA		0x32000ull
#define TSC_GPA		0x33000ull
#define IN_GPA		0x34000ull
#define D_IPIS		0x8018ull
#define OS_ID		0x8100060100000000ull	/* open source, Linux 6.1 */

GUEST_CODE(hv_guest,
	".code64\n"
	"hg_rd64: rdmsr\n shlq $32, %rdx\n orq %rdx, %rax\n ret\n"
	GUEST_LABEL(hg_rdmsr)
	"call hg_rd64\n"
	"outl %eax, $0x10\n shrq $32, %rax\n outl %eax, $0x11\n hlt\n"
	GUEST_LABEL(hg_wrmsr)
	"wrmsr\n outl %eax, $0x12\n hlt\n"
	GUEST_LABEL(hg_cpuid)
	"cpuid\n"
	"outl %eax, $0x20\n movl %ebx, %eax\n outl %eax, $0x21\n"
	"movl %ecx, %eax\n outl %eax, $0x22\n movl %edx, %eax\n outl %eax, $0x23\n hlt\n"
	/* a call through the hypercall page, RCX/RDX/R8 from the VMM */
	GUEST_LABEL(hg_call)
	"movq $0x32000, %r11\n call *%r11\n"
	"outl %eax, $0x50\n shrq $32, %rax\n outl %eax, $0x51\n hlt\n"

	/* the guest's clock: page, MSR, page */
	GUEST_LABEL(hg_tsc)
	"movq $0x33000, %rsi\n"
	"call hg_page\n movq %rax, %r12\n"
	"movl $0x40000020, %ecx\n call hg_rd64\n movq %rax, %r13\n"
	"call hg_page\n movq %rax, %r14\n"
	"movq %r12, 0x8040\n movq %r13, 0x8048\n movq %r14, 0x8050\n"
	"outl %eax, $0x60\n hlt\n"
	/* Linux's hv_read_tsc_page_tsc(): ((tsc * scale) >> 64) + offset */
	"hg_page: movl (%rsi), %r9d\n"
	"rdtsc\n shlq $32, %rdx\n orq %rdx, %rax\n"
	"mulq 8(%rsi)\n movq %rdx, %rax\n addq 16(%rsi), %rax\n"
	"cmpl (%rsi), %r9d\n jne hg_page\n ret\n"

	/* a synthetic cluster IPI to itself (vector 0x53) */
	GUEST_LABEL(hg_ipi)
	"movl $0xfee00000, %ebx\n movl $0x1ff, 0xf0(%rbx)\n"
	"sti\n"
	"movq $0x1000b, %rcx\n movq $0x53, %rdx\n movq $1, %r8\n"
	"movq $0x32000, %r11\n call *%r11\n"
	"outl %eax, $0x50\n"
	"1: cmpl $1, 0x8018\n jae 2f\n hlt\n jmp 1b\n"
	"2: movl 0x8018, %eax\n outl %eax, $0x52\n cli\n hlt\n"
	GUEST_LABEL(hg_isr53)
	"incl 0x8018\n"
	"pushq %rcx\n movl $0xfee00000, %ecx\n movl $0, 0xb0(%rcx)\n popq %rcx\n"
	"iretq\n");
GUEST_EXTERN(hg_rdmsr); GUEST_EXTERN(hg_wrmsr); GUEST_EXTERN(hg_cpuid);
GUEST_EXTERN(hg_call); GUEST_EXTERN(hg_tsc); GUEST_EXTERN(hg_ipi); GUEST_EXTERN(hg_isr53);

#define HG_ADDR(l) (CODE_GPA + GUEST_OFF(hv_guest, l))

static struct vm *hg_vm(uint64_t features)
{
	struct vm *vm = vm_create_features(PT_LAPIC, features);

	GUEST_LOAD(vm, CODE_GPA, hv_guest);
	memset(vm_gpa2hva(vm, HC_GPA), 0, 0x3000);
	return vm;
}

static struct vcpu *hg_vcpu(struct vm *vm, uint32_t index)
{
	struct vcpu *vcpu = vcpu_create(vm, index);

	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP - index * 0x800);
	return vcpu;
}

static void set3(struct vcpu *vcpu, uint64_t rip, uint32_t r1, uint64_t v1,
		 uint32_t r2, uint64_t v2, uint32_t r3, uint64_t v3)
{
	uint32_t n[4] = { HV_X64_REGISTER_RIP, r1, r2, r3 };
	union hv_register_value v[4];

	memset(v, 0, sizeof(v));
	v[0].reg64 = rip, v[1].reg64 = v1, v[2].reg64 = v2, v[3].reg64 = v3;
	vcpu_set_regs(vcpu, n, v, 4);
}

static uint64_t rdmsr_g(struct vcpu *vcpu, uint32_t msr)
{
	set3(vcpu, HG_ADDR(hg_rdmsr), HV_X64_REGISTER_RCX, msr, HV_X64_REGISTER_RAX, 0,
	     HV_X64_REGISTER_RDX, 0);
	uint64_t lo = vcpu_expect_out(vcpu, 0x10) & 0xffffffffull;
	return (vcpu_expect_out(vcpu, 0x11) << 32) | lo;
}

static void wrmsr_g(struct vcpu *vcpu, uint32_t msr, uint64_t val)
{
	set3(vcpu, HG_ADDR(hg_wrmsr), HV_X64_REGISTER_RCX, msr, HV_X64_REGISTER_RAX,
	     val & 0xffffffffull, HV_X64_REGISTER_RDX, val >> 32);
	vcpu_expect_out(vcpu, 0x12);
}

static void cpuid_g(struct vcpu *vcpu, uint32_t leaf, uint32_t r[4])
{
	set3(vcpu, HG_ADDR(hg_cpuid), HV_X64_REGISTER_RAX, leaf, HV_X64_REGISTER_RCX, 0,
	     HV_X64_REGISTER_RDX, 0);
	for (int i = 0; i < 4; i++)
		r[i] = (uint32_t)vcpu_expect_out(vcpu, (uint16_t)(0x20 + i));
}

/* A hypercall through the page: returns the guest's RAX. */
static uint64_t call_g(struct vcpu *vcpu, uint64_t control, uint64_t in, uint64_t out)
{
	set3(vcpu, HG_ADDR(hg_call), HV_X64_REGISTER_RCX, control, HV_X64_REGISTER_RDX, in,
	     HV_X64_REGISTER_R8, out);
	uint64_t lo = vcpu_expect_out(vcpu, 0x50) & 0xffffffffull;
	return (vcpu_expect_out(vcpu, 0x51) << 32) | lo;
}

/* The leaves tell exactly what the partition was granted. */
TEST(cpuid_leaves_follow_features)
{
	struct vm *vm = hg_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = hg_vcpu(vm, 0);
	uint32_t r[4];

	cpuid_g(vcpu, 0x40000000, r);
	TEST_ASSERT_EQ(r[0], 0x4000000a);
	TEST_ASSERT(!memcmp(&r[1], "Microsoft Hv", 12), "vendor");
	cpuid_g(vcpu, 0x40000001, r);
	TEST_ASSERT(!memcmp(&r[0], "Hv#1", 4), "interface");
	cpuid_g(vcpu, 0x40000003, r);
	/* ref counter, SynIC, stimers, hypercall, VP index, TSC page,
	 * frequencies (HV_MSR_*_AVAILABLE, HV_ACCESS_FREQUENCY_MSRS) */
	TEST_ASSERT_EQ(r[0], 0xa6e);
	TEST_ASSERT_EQ(r[1], 0x30);	/* post messages, signal events */
	TEST_ASSERT_EQ(r[3], (1u << 8) | (1u << 19));	/* frequency MSRs, direct stimers */
	cpuid_g(vcpu, 0x40000004, r);
	TEST_ASSERT_EQ(r[0], 1u << 9); /* deprecating auto-EOI */
	vm_destroy(vm);

	/* only the hypercall page on top of the leaves themselves */
	vm = hg_vm(0x83);
	vcpu = hg_vcpu(vm, 0);
	cpuid_g(vcpu, 0x40000003, r);
	TEST_ASSERT_EQ(r[0], 0x20);
	TEST_ASSERT_EQ(r[1], 0);
	TEST_ASSERT_EQ(r[3], 0);
	cpuid_g(vcpu, 0x40000004, r);
	TEST_ASSERT_EQ(r[0], 0);
	vm_destroy(vm);
}

TEST(frequency_msrs)
{
	struct vm *vm = hg_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = hg_vcpu(vm, 0);
	struct hv_message msg;

	TEST_ASSERT(rdmsr_g(vcpu, HV_X64_MSR_TSC_FREQUENCY) > 1000000ull, "TSC frequency");
	TEST_ASSERT_EQ(rdmsr_g(vcpu, HV_X64_MSR_APIC_FREQUENCY), 1000000000ull);
	vm_destroy(vm);
	/* not granted: #GP (no IDT here: the VP cannot go on) */
	vm = hg_vm(0x3);
	vcpu = hg_vcpu(vm, 0);
	set3(vcpu, HG_ADDR(hg_rdmsr), HV_X64_REGISTER_RCX, HV_X64_MSR_TSC_FREQUENCY,
	     HV_X64_REGISTER_RAX, 0, HV_X64_REGISTER_RDX, 0);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNRECOVERABLE_EXCEPTION);
	vm_destroy(vm);
}

/* The page appears once the OS id is set; calls return their statuses
 * in RAX with the reps completed in bits 32-43. */
TEST(hypercall_page_calls)
{
	/* QEMU's set and notify_long_spin_wait */
	struct vm *vm = hg_vm(SYNTH_DEFAULT | (1ull << 27));
	struct vcpu *vcpu = hg_vcpu(vm, 0);
	uint8_t *page = vm_gpa2hva(vm, HC_GPA);
	uint32_t *in = vm_gpa2hva(vm, IN_GPA);

	wrmsr_g(vcpu, HV_X64_MSR_HYPERCALL, HC_GPA | 1);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_HYPERCALL), 0);
	TEST_ASSERT_EQ(page[0], 0);
	wrmsr_g(vcpu, HV_X64_MSR_GUEST_OS_ID, OS_ID);
	wrmsr_g(vcpu, HV_X64_MSR_HYPERCALL, HC_GPA | 1);
	TEST_ASSERT_EQ(rdmsr_g(vcpu, HV_X64_MSR_HYPERCALL), HC_GPA | 1);
	TEST_ASSERT(page[0] == 0x0f && page[1] == 0x01 && (page[2] == 0xc1 || page[2] == 0xd9) &&
		    page[3] == 0xc3, "page %02x %02x %02x %02x", page[0], page[1], page[2], page[3]);

	TEST_ASSERT_EQ(call_g(vcpu, 0x7777, 0, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
	/* slow HvCallPostMessage: checked, then no connection 1 */
	in[0] = 1, in[1] = 0, in[2] = 1, in[3] = 8;
	TEST_ASSERT_EQ(call_g(vcpu, HVCALL_POST_MESSAGE, IN_GPA, 0), HV_STATUS_INVALID_CONNECTION_ID);
	in[3] = HV_MESSAGE_PAYLOAD_BYTE_COUNT + 1;
	TEST_ASSERT_EQ(call_g(vcpu, HVCALL_POST_MESSAGE, IN_GPA, 0), HV_STATUS_INVALID_PARAMETER);
	TEST_ASSERT_EQ(call_g(vcpu, HVCALL_POST_MESSAGE, IN_GPA + 4, 0), HV_STATUS_INVALID_ALIGNMENT);
	/* fast HvCallSignalEvent, HvCallNotifyLongSpinWait */
	TEST_ASSERT_EQ(call_g(vcpu, HVCALL_SIGNAL_EVENT | (1u << 16), 1, 0),
		       HV_STATUS_INVALID_CONNECTION_ID);
	TEST_ASSERT_EQ(call_g(vcpu, 0x0008 | (1u << 16), 1, 0), HV_STATUS_SUCCESS);
	/* rep HvCallFlushVirtualAddressList: all three reps done */
	TEST_ASSERT_EQ(call_g(vcpu, 0x0003 | (3ull << 32), IN_GPA, 0), 3ull << 32);
	TEST_ASSERT_EQ(call_g(vcpu, 0x0003 | (3ull << 32) | (4ull << 48), IN_GPA, 0),
		       HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* a rep count on a simple call, a reserved control bit */
	TEST_ASSERT_EQ(call_g(vcpu, 0x0002 | (1ull << 32), IN_GPA, 0),
		       HV_STATUS_INVALID_HYPERCALL_INPUT);
	TEST_ASSERT_EQ(call_g(vcpu, 0x0008 | (1u << 16) | (1ull << 44), 1, 0),
		       HV_STATUS_INVALID_HYPERCALL_INPUT);

	/* OS id 0 turns the interface off: VMCALL is #UD again */
	wrmsr_g(vcpu, HV_X64_MSR_GUEST_OS_ID, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_HYPERCALL) & 1, 0);
	struct hv_message msg;
	set3(vcpu, HG_ADDR(hg_call), HV_X64_REGISTER_RCX, 0x0008 | (1u << 16),
	     HV_X64_REGISTER_RDX, 0, HV_X64_REGISTER_R8, 0);
	TEST_ASSERT_EQ(vcpu_run_ok(vcpu, &msg), HVMSG_UNRECOVERABLE_EXCEPTION);
	vm_destroy(vm);
}

/* HvCallSendSyntheticClusterIpi (fast) interrupts the VPs in the mask. */
TEST(synthetic_cluster_ipi)
{
	struct vm *vm = hg_vm(SYNTH_DEFAULT);
	struct vcpu *vcpu = hg_vcpu(vm, 0);

	vm_map_page(vm, APIC_GPA, APIC_GPA, PTE_W);
	memset(vm_gpa2hva(vm, HG_IDT), 0, 0x1000);
	memset(vm_gpa2hva(vm, DATA_GPA), 0, 0x100);
	vm_set_gate64(vm, HG_IDT, 0x53, HG_ADDR(hg_isr53));
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, HG_IDT, 0xfff);
	wrmsr_g(vcpu, HV_X64_MSR_GUEST_OS_ID, OS_ID);
	wrmsr_g(vcpu, HV_X64_MSR_HYPERCALL, HC_GPA | 1);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, HG_ADDR(hg_ipi));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x50) & 0xffff, HV_STATUS_SUCCESS);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x52), 1);
	/* not granted to this partition */
	TEST_ASSERT_EQ(call_g(vcpu, 0x0008 | (1u << 16), 1, 0), HV_STATUS_ACCESS_DENIED);
	/* a vector below 16 is refused */
	TEST_ASSERT_EQ(call_g(vcpu, 0x000b | (1u << 16), 0x5, 1), HV_STATUS_INVALID_PARAMETER);
	vm_destroy(vm);
}

static uint64_t data64(struct vm *vm, uint64_t gpa)
{
	return *(volatile uint64_t *)vm_gpa2hva(vm, gpa);
}

/* Page time, MSR time, page time: in order. */
static void expect_clock_ordered(struct vcpu *vcpu, uint64_t floor)
{
	struct vm *vm = vcpu->vm;

	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, HG_ADDR(hg_tsc));
	vcpu_expect_out(vcpu, 0x60);
	uint64_t a = data64(vm, 0x8040), m = data64(vm, 0x8048), b = data64(vm, 0x8050);
	TEST_ASSERT(floor <= a && a <= m && m <= b,
		    "floor %llu page %llu msr %llu page %llu", (unsigned long long)floor,
		    (unsigned long long)a, (unsigned long long)m, (unsigned long long)b);
}

struct tsc_page { uint32_t seq, rsvd; uint64_t scale; int64_t offset; };

/* The reference TSC page agrees with the reference counter, on every VP;
 * frozen partition time invalidates it (sequence 0). */
TEST(reference_tsc_page)
{
	struct vm *vm = hg_vm(SYNTH_DEFAULT);
	struct vcpu *v0 = hg_vcpu(vm, 0), *v1 = hg_vcpu(vm, 1);
	volatile struct tsc_page *p = vm_gpa2hva(vm, TSC_GPA);

	wrmsr_g(v0, HV_X64_MSR_REFERENCE_TSC, TSC_GPA | 1);
	TEST_ASSERT(p->seq != 0 && p->scale != 0, "page not written");
	uint32_t seq = p->seq;
	expect_clock_ordered(v0, 0);
	expect_clock_ordered(v1, data64(vm, 0x8050));
	vm_set_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE, 1);
	TEST_ASSERT_EQ(p->seq, 0);
	vm_set_property(vm, HV_PARTITION_PROPERTY_TIME_FREEZE, 0);
	TEST_ASSERT(p->seq != 0 && p->seq != seq, "sequence %u after thaw", p->seq);
	expect_clock_ordered(v0, data64(vm, 0x8050));
	vm_destroy(vm);
}

/* Partition time saved from one partition and restored into another
 * never runs backwards, through the MSR or the TSC page. */
TEST(reference_time_save_restore)
{
	struct vm *a = hg_vm(SYNTH_DEFAULT), *b = hg_vm(SYNTH_DEFAULT);
	struct vcpu *va = hg_vcpu(a, 0), *vb = hg_vcpu(b, 0);

	uint64_t ta = rdmsr_g(va, HV_X64_MSR_TIME_REF_COUNT);
	vm_set_property(a, HV_PARTITION_PROPERTY_TIME_FREEZE, 1);
	uint64_t saved = vm_get_property(a, HV_PARTITION_PROPERTY_REFERENCE_TIME);
	TEST_ASSERT(saved >= ta, "saved %llu < read %llu", (unsigned long long)saved,
		    (unsigned long long)ta);
	/* far ahead of b's own clock, as after a long-running source */
	saved += 36000000000ull;
	vm_set_property(b, HV_PARTITION_PROPERTY_TIME_FREEZE, 1);
	vm_set_property(b, HV_PARTITION_PROPERTY_REFERENCE_TIME, saved);
	wrmsr_g(vb, HV_X64_MSR_REFERENCE_TSC, TSC_GPA | 1);
	TEST_ASSERT_EQ(rdmsr_g(vb, HV_X64_MSR_TIME_REF_COUNT), saved);
	vm_set_property(b, HV_PARTITION_PROPERTY_TIME_FREEZE, 0);
	expect_clock_ordered(vb, saved);
	vm_destroy(a);
	vm_destroy(b);
}

TEST_MAIN(
	TEST_ENTRY(cpuid_leaves_follow_features),
	TEST_ENTRY(frequency_msrs),
	TEST_ENTRY(hypercall_page_calls),
	TEST_ENTRY(synthetic_cluster_ipi),
	TEST_ENTRY(reference_tsc_page),
	TEST_ENTRY(reference_time_save_restore),
)
