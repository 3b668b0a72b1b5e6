/* SPDX-License-Identifier: MIT */
/*
 * The synthetic interrupt controller and the synthetic timers as a Linux
 * guest uses them: the guest enables its SIMP and SIEF pages and SINTs by
 * MSR; messages posted by the VMM (HVCALL_POST_MESSAGE_DIRECT) and event
 * flags it signals (HVCALL_SIGNAL_EVENT_DIRECT) run the SINT's handler;
 * a message for a busy slot goes in at the guest's EOM; stimer0 in direct
 * mode (one-shot, periodic) and stimer1 in message mode interrupt the
 * guest; MSHV_GET/SET_VP_STATE SIMP and SYNTHETIC_TIMERS are the live
 * state. Statuses for a bad VP, SINT, size or flag, and for a full queue.
 *
 * The SINT handler reports on ports 0x40 (message type), 0x41 (payload
 * dword 0), 0x44 (payload dword 2), 0x42 (SIEF row dword 0), then stops
 * on 0x43 (the VMM acts while the slot is still taken), frees the slot,
 * writes EOM if a message is pending, and EOIs.
 */
#include "vmm.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>

#define PT_LAPIC ((1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC))
#define APIC_GPA	0xfee00000ull
#define SY_IDT		0x20000ull
#define SIMP_GPA	0x30000ull
#define SIEF_GPA	0x31000ull
#define D_TICKS		0x8010ull	/* direct timer interrupts */
#define D_TICK_TIME	0x8020ull	/* reference time in the last one */
#define D_DUE		0x8028ull	/* the one-shot's expiry */

GUEST_CODE(synic_guest,
	".code64\n"
	"sy_wr64: movq %rax, %rdx\n shrq $32, %rdx\n wrmsr\n ret\n"
	"sy_rd64: rdmsr\n shlq $32, %rdx\n orq %rdx, %rax\n ret\n"
	"sy_apic: movl $0xfee00000, %ebx\n movl $0x1ff, 0xf0(%rbx)\n ret\n"

	/* SIMP, SIEFP, SINT2 -> 0x52, SINT3 -> 0x55, SCONTROL on */
	"sy_synic:\n"
	"call sy_apic\n"
	"movl $0x40000083, %ecx\n movq $0x30001, %rax\n call sy_wr64\n"
	"movl $0x40000082, %ecx\n movq $0x31001, %rax\n call sy_wr64\n"
	"movl $0x40000092, %ecx\n movq $0x52, %rax\n call sy_wr64\n"
	"movl $0x40000093, %ecx\n movq $0x55, %rax\n call sy_wr64\n"
	"movl $0x40000080, %ecx\n movq $1, %rax\n call sy_wr64\n"
	"ret\n"

	GUEST_LABEL(sy_idle)
	"call sy_synic\n"
	"movl $0x5e, %eax\n outl %eax, $0x30\n"
	"sti\n"
	"1: hlt\n jmp 1b\n"

	/* stimer0 one-shot, direct, vector 0x54, armed like Linux: config
	 * with auto-enable first, then the absolute expiry in the count */
	GUEST_LABEL(sy_oneshot)
	"call sy_apic\n"
	"movl $0x400000b0, %ecx\n movq $0x1549, %rax\n call sy_wr64\n"
	"movl $0x40000020, %ecx\n call sy_rd64\n addq $20000, %rax\n"
	"movq %rax, 0x8028\n"
	"movl $0x400000b1, %ecx\n call sy_wr64\n"
	"sti\n"
	"1: hlt\n cmpl $1, 0x8010\n jb 1b\n"
	"cli\n"
	"movl $0x400000b0, %ecx\n call sy_rd64\n outl %eax, $0x45\n"
	"hlt\n"

	/* stimer0 periodic (1 ms), direct: five ticks, then off */
	GUEST_LABEL(sy_periodic)
	"call sy_apic\n"
	"movl $0x400000b1, %ecx\n movq $10000, %rax\n call sy_wr64\n"
	"movl $0x400000b0, %ecx\n movq $0x1543, %rax\n call sy_wr64\n"
	"sti\n"
	"1: hlt\n cmpl $5, 0x8010\n jb 1b\n"
	"cli\n"
	"movl $0x400000b0, %ecx\n xorl %eax, %eax\n call sy_wr64\n"
	"movl 0x8010, %eax\n outl %eax, $0x45\n"
	"hlt\n"

	/* stimer1 one-shot in message mode through SINT3 */
	GUEST_LABEL(sy_msgtimer)
	"call sy_synic\n"
	"movl $0x400000b2, %ecx\n movq $0x30009, %rax\n call sy_wr64\n"
	"movl $0x40000020, %ecx\n call sy_rd64\n addq $20000, %rax\n"
	"movq %rax, 0x8028\n"
	"movl $0x400000b3, %ecx\n call sy_wr64\n"
	"sti\n"
	"1: hlt\n jmp 1b\n"

	GUEST_LABEL(sy_isr52) "pushq $2\n jmp sy_common\n"
	GUEST_LABEL(sy_isr55) "pushq $3\n jmp sy_common\n"
	"sy_common:\n"
	"pushq %rax\n pushq %rbx\n pushq %rcx\n pushq %rdx\n pushq %rsi\n"
	"movq 40(%rsp), %rsi\n shlq $8, %rsi\n"
	"leaq 0x30000(%rsi), %rbx\n"
	"movl (%rbx), %eax\n outl %eax, $0x40\n"
	"movl 16(%rbx), %eax\n outl %eax, $0x41\n"
	"movl 24(%rbx), %eax\n outl %eax, $0x44\n"
	"movl 0x31000(%rsi), %eax\n outl %eax, $0x42\n"
	"outl %eax, $0x43\n"
	"movl $0, 0x31000(%rsi)\n"
	"movb 5(%rbx), %al\n"
	"movl $0, (%rbx)\n"
	"mfence\n"
	"testb $1, %al\n jz 2f\n"
	"movl $0x40000084, %ecx\n xorl %eax, %eax\n xorl %edx, %edx\n wrmsr\n"
	"2: movl $0xfee00000, %ecx\n movl $0, 0xb0(%rcx)\n"
	"popq %rsi\n popq %rdx\n popq %rcx\n popq %rbx\n popq %rax\n addq $8, %rsp\n"
	"iretq\n"

	GUEST_LABEL(sy_isr54)
	"pushq %rax\n pushq %rcx\n pushq %rdx\n"
	"incl 0x8010\n"
	"movl $0x40000020, %ecx\n rdmsr\n movl %eax, 0x8020\n movl %edx, 0x8024\n"
	"movl $0xfee00000, %ecx\n movl $0, 0xb0(%rcx)\n"
	"popq %rdx\n popq %rcx\n popq %rax\n"
	"iretq\n");
GUEST_EXTERN(sy_idle); GUEST_EXTERN(sy_oneshot); GUEST_EXTERN(sy_periodic);
GUEST_EXTERN(sy_msgtimer); GUEST_EXTERN(sy_isr52); GUEST_EXTERN(sy_isr55);
GUEST_EXTERN(sy_isr54);

#define SY_ADDR(l) (CODE_GPA + GUEST_OFF(synic_guest, l))

/* VP index of a long-mode VP at entry, with the handlers and APIC page. */
static struct vcpu *sy_vcpu(struct vm *vm, uint32_t index, uint64_t entry)
{
	struct vcpu *vcpu = vcpu_create(vm, index);

	vcpu_setup_long_mode(vcpu, entry, STACK_TOP - index * 0x800);
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, SY_IDT, 0xfff);
	return vcpu;
}

/* The QEMU feature set (SynIC, timers, direct mode included). */
static struct vm *sy_vm(void)
{
	struct vm *vm = vm_create_default(PT_LAPIC);

	GUEST_LOAD(vm, CODE_GPA, synic_guest);
	vm_setup_paging(vm);
	vm_map_page(vm, APIC_GPA, APIC_GPA, PTE_W);
	memset(vm_gpa2hva(vm, SY_IDT), 0, 0x1000);
	memset(vm_gpa2hva(vm, DATA_GPA), 0, 0x100);
	memset(vm_gpa2hva(vm, SIMP_GPA), 0, 0x2000);
	vm_set_gate64(vm, SY_IDT, 0x52, SY_ADDR(sy_isr52));
	vm_set_gate64(vm, SY_IDT, 0x54, SY_ADDR(sy_isr54));
	vm_set_gate64(vm, SY_IDT, 0x55, SY_ADDR(sy_isr55));
	return vm;
}

static int post(struct vm *vm, uint32_t vp, uint32_t sint, uint32_t type,
		uint32_t word, uint8_t size, uint16_t *st)
{
	struct hv_input_post_message_direct *in = calloc(1, sizeof(*in));
	struct hv_message m;

	TEST_ASSERT(in, "calloc");
	memset(&m, 0, sizeof(m));
	m.header.message_type = type;
	m.header.payload_size = size;
	memcpy(m.u.payload, &word, 4);
	in->vp_index = vp;
	in->sint_index = sint;
	memcpy(in->message, &m, sizeof(m));
	*st = 0xffff;
	int ret = hvcall(vm->pt_fd, HVCALL_POST_MESSAGE_DIRECT, 0, in, sizeof(*in), NULL, 0, st);
	free(in);
	return ret;
}

static void post_ok(struct vm *vm, uint32_t sint, uint32_t type, uint32_t word)
{
	uint16_t st;

	TEST_ASSERT_OK(post(vm, 0, sint, type, word, 8, &st));
	TEST_ASSERT_EQ(st, HV_STATUS_SUCCESS);
}

static int signal_ev(struct vm *vm, uint32_t vp, uint8_t sint, uint16_t flag,
		     uint16_t *st, uint8_t *newly)
{
	struct hv_input_signal_event_direct in;
	struct hv_output_signal_event_direct out;

	memset(&in, 0, sizeof(in));
	memset(&out, 0xff, sizeof(out));
	in.target_vp = vp;
	in.target_sint = sint;
	in.flag_number = flag;
	*st = 0xffff;
	int ret = hvcall(vm->pt_fd, HVCALL_SIGNAL_EVENT_DIRECT, 0, &in, sizeof(in),
			 &out, sizeof(out), st);
	*newly = out.newly_signaled;
	return ret;
}

/* The handler's reports for one interrupt, up to its checkpoint. */
struct sint_report { uint32_t type, word0, word2, sief; };

static struct sint_report expect_sint(struct vcpu *vcpu)
{
	struct sint_report r;

	r.type = (uint32_t)vcpu_expect_out(vcpu, 0x40);
	r.word0 = (uint32_t)vcpu_expect_out(vcpu, 0x41);
	r.word2 = (uint32_t)vcpu_expect_out(vcpu, 0x44);
	r.sief = (uint32_t)vcpu_expect_out(vcpu, 0x42);
	vcpu_expect_out(vcpu, 0x43);
	return r;
}

/* Posts (flag < 0) or signals flag on SINT2 from another thread while
 * the VP is halted in RUN_VP. */
struct later { struct vm *vm; int flag; pthread_t th; };

static void *later_fn(void *arg)
{
	struct later *l = arg;
	struct timespec d = { 0, 50 * 1000 * 1000 };
	uint16_t st;
	uint8_t newly;

	nanosleep(&d, NULL);
	if (l->flag < 0) {
		post_ok(l->vm, 2, 0x1234, 0xcafe);
	} else {
		TEST_ASSERT_OK(signal_ev(l->vm, 0, 2, (uint16_t)l->flag, &st, &newly));
		TEST_ASSERT_EQ(newly, 1);
	}
	return NULL;
}

static void later(struct later *l, struct vm *vm, int flag)
{
	l->vm = vm;
	l->flag = flag;
	TEST_ASSERT_OK(pthread_create(&l->th, NULL, later_fn, l));
}

/* A message the VMM posts wakes the halted VP and its SINT handler sees
 * it in the slot; with the SynIC off there is nowhere to post. */
TEST(post_message_runs_sint_handler)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_idle));
	struct later l;
	uint16_t st;

	TEST_ASSERT_HV_FAIL(post(vm, 0, 2, 0x1234, 1, 8, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_STATE);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30), 0x5e);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_SIMP), SIMP_GPA | 1);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_SINT2), 0x52);
	later(&l, vm, -1);
	struct sint_report r = expect_sint(vcpu);
	pthread_join(l.th, NULL);
	TEST_ASSERT_EQ(r.type, 0x1234);
	TEST_ASSERT_EQ(r.word0, 0xcafe);
	TEST_ASSERT_EQ(r.sief, 0);
	/* the guest frees the slot; the next one is delivered as well */
	post_ok(vm, 2, 0x77, 0xbeef);
	r = expect_sint(vcpu);
	TEST_ASSERT_EQ(r.type, 0x77);
	TEST_ASSERT_EQ(r.word0, 0xbeef);
	vm_destroy(vm);
}

/* A message for a busy slot waits with msg_pending set in the occupant;
 * the guest's EOM lets it in; one more finds no buffer. */
TEST(eom_delivers_pending_message)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_idle));
	struct hv_message *slot = vm_gpa2hva(vm, SIMP_GPA + 2 * HV_MESSAGE_SIZE);
	uint16_t st;

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30), 0x5e);
	post_ok(vm, 2, 0x1001, 1);
	struct sint_report r = expect_sint(vcpu);
	TEST_ASSERT_EQ(r.word0, 1);
	/* the handler holds the slot at its checkpoint */
	TEST_ASSERT_EQ(slot->header.message_flags.msg_pending, 0);
	post_ok(vm, 2, 0x1002, 2);
	TEST_ASSERT_EQ(slot->header.message_type, 0x1001);
	TEST_ASSERT_EQ(slot->header.message_flags.msg_pending, 1);
	TEST_ASSERT_HV_FAIL(post(vm, 0, 2, 0x1003, 3, 8, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INSUFFICIENT_BUFFERS);
	/* free + EOM: the second message arrives */
	r = expect_sint(vcpu);
	TEST_ASSERT_EQ(r.type, 0x1002);
	TEST_ASSERT_EQ(r.word0, 2);
	/* the queue is empty again */
	post_ok(vm, 2, 0x1004, 4);
	r = expect_sint(vcpu);
	TEST_ASSERT_EQ(r.word0, 4);
	vm_destroy(vm);
}

/* An event flag sets its bit in the SINT's SIEF row and interrupts once:
 * signalling a flag already set reports newly_signaled = 0. */
TEST(signal_event_sets_flag)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_idle));
	uint16_t st;
	uint8_t newly;

	TEST_ASSERT_HV_FAIL(signal_ev(vm, 0, 2, 5, &st, &newly), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_STATE);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30), 0x5e);
	TEST_ASSERT_OK(signal_ev(vm, 0, 2, 5, &st, &newly));
	TEST_ASSERT_EQ(st, HV_STATUS_SUCCESS);
	TEST_ASSERT_EQ(newly, 1);
	struct sint_report r = expect_sint(vcpu);
	TEST_ASSERT_EQ(r.type, HVMSG_NONE);
	TEST_ASSERT_EQ(r.sief, 1u << 5);
	/* still set: not newly signalled */
	TEST_ASSERT_OK(signal_ev(vm, 0, 2, 5, &st, &newly));
	TEST_ASSERT_EQ(newly, 0);
	/* the handler clears the row and halts; the next flag wakes it */
	struct later l;
	later(&l, vm, 31);
	r = expect_sint(vcpu);
	pthread_join(l.th, NULL);
	TEST_ASSERT_EQ(r.sief, 1u << 31);
	vm_destroy(vm);
}

/* The hypervisor's statuses for bad targets and inputs. */
TEST(direct_calls_reject_bad_input)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_idle));
	uint16_t st;
	uint8_t newly;

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30), 0x5e);
	TEST_ASSERT_HV_FAIL(post(vm, 7, 2, 1, 1, 8, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_INDEX);
	TEST_ASSERT_HV_FAIL(post(vm, 0, 16, 1, 1, 8, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	TEST_ASSERT_HV_FAIL(post(vm, 0, 2, 1, 1, HV_MESSAGE_PAYLOAD_BYTE_COUNT + 1, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	TEST_ASSERT_HV_FAIL(post(vm, 0, 2, HVMSG_NONE, 1, 8, &st), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	TEST_ASSERT_HV_FAIL(signal_ev(vm, 9, 2, 1, &st, &newly), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_VP_INDEX);
	TEST_ASSERT_HV_FAIL(signal_ev(vm, 0, 16, 1, &st, &newly), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	TEST_ASSERT_HV_FAIL(signal_ev(vm, 0, 2, 2048, &st, &newly), st);
	TEST_ASSERT_EQ(st, HV_STATUS_INVALID_PARAMETER);
	/* nothing reached the guest's pages */
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, SIMP_GPA + 2 * HV_MESSAGE_SIZE), 0);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, SIEF_GPA + 2 * 256), 0);
	vm_destroy(vm);
}

static uint64_t data64(struct vm *vm, uint64_t gpa)
{
	return *(volatile uint64_t *)vm_gpa2hva(vm, gpa);
}

/* stimer0 in direct mode, one-shot: one interrupt at or after its
 * expiry, and the enable bit is clear afterwards. */
TEST(stimer_direct_oneshot)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_oneshot));

	uint64_t config = vcpu_expect_out(vcpu, 0x45);
	TEST_ASSERT_EQ(config & 1, 0);
	TEST_ASSERT_EQ(config & ~1ull, 0x1548);
	TEST_ASSERT_EQ(*(uint32_t *)vm_gpa2hva(vm, D_TICKS), 1);
	TEST_ASSERT(data64(vm, D_TICK_TIME) >= data64(vm, D_DUE), "tick at %llu before expiry %llu",
		    (unsigned long long)data64(vm, D_TICK_TIME),
		    (unsigned long long)data64(vm, D_DUE));
	vm_destroy(vm);
}

/* stimer0 periodic in direct mode ticks until switched off. */
TEST(stimer_direct_periodic)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_periodic));

	TEST_ASSERT(vcpu_expect_out(vcpu, 0x45) >= 5, "fewer than 5 ticks");
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_STIMER0_CONFIG), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_STIMER0_COUNT), 10000);
	vm_destroy(vm);
}

/* stimer1 in message mode: HVMSG_TIMER_EXPIRED in SINT3's slot, naming
 * the timer and its expiry. */
TEST(stimer_message_mode)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_msgtimer));
	struct sint_report r = expect_sint(vcpu);

	TEST_ASSERT_EQ(r.type, HVMSG_TIMER_EXPIRED);
	TEST_ASSERT_EQ(r.word0, 1);		/* timer_index */
	TEST_ASSERT_EQ(r.word2, (uint32_t)data64(vm, D_DUE));	/* expiration_time */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_STIMER1_CONFIG), 0x30008);
	vm_destroy(vm);
}

static int vp_state(struct vcpu *vcpu, unsigned long req, uint8_t type, void *buf)
{
	struct mshv_get_set_vp_state s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.buf_sz = 4096;
	s.buf_ptr = (uint64_t)(uintptr_t)buf;
	return ioctl(vcpu->fd, req, &s);
}

/* SIMP state is the guest's live message page, both ways. */
TEST(vp_state_simp_is_live)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_idle));
	struct hv_message *page = aligned_alloc(4096, 4096);

	TEST_ASSERT(page, "aligned_alloc");
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30), 0x5e);
	/* a message the guest has not taken yet (SINT4 is masked) */
	uint16_t st;
	TEST_ASSERT_OK(post(vm, 0, 4, 0x4444, 0x99, 8, &st));
	TEST_ASSERT_OK(vp_state(vcpu, MSHV_GET_VP_STATE, MSHV_VP_STATE_SIMP, page));
	TEST_ASSERT_EQ(page[4].header.message_type, 0x4444);
	TEST_ASSERT_EQ(page[4].u.payload[0], 0x99);
	/* a restored page lands in the guest's SIMP */
	page[5].header.message_type = 0x5555;
	page[5].header.payload_size = 8;
	TEST_ASSERT_OK(vp_state(vcpu, MSHV_SET_VP_STATE, MSHV_VP_STATE_SIMP, page));
	struct hv_message *g = vm_gpa2hva(vm, SIMP_GPA);
	TEST_ASSERT_EQ(g[5].header.message_type, 0x5555);
	TEST_ASSERT_EQ(g[4].header.message_type, 0x4444);
	free(page);
	vm_destroy(vm);
}

/* SYNTHETIC_TIMERS state is the timers' registers in the hypervisor's
 * layout; setting it on another partition's VP restores them. */
TEST(vp_state_timers_round_trip)
{
	struct vm *vm = sy_vm();
	struct vcpu *vcpu = sy_vcpu(vm, 0, SY_ADDR(sy_idle));
	struct hv_synthetic_timers_state *s = aligned_alloc(4096, 4096);

	TEST_ASSERT(s, "aligned_alloc");
	/* periodic, message mode via SINT2, not enabled */
	vcpu_set_reg(vcpu, HV_REGISTER_STIMER2_CONFIG, 0x20002);
	vcpu_set_reg(vcpu, HV_REGISTER_STIMER2_COUNT, 123456);
	TEST_ASSERT_OK(vp_state(vcpu, MSHV_GET_VP_STATE, MSHV_VP_STATE_SYNTHETIC_TIMERS, s));
	TEST_ASSERT_EQ(s->timers[2].config, 0x20002);
	TEST_ASSERT_EQ(s->timers[2].count, 123456);
	TEST_ASSERT_EQ(s->timers[0].config, 0);
	s->timers[3].config = 0x30002;
	s->timers[3].count = 777;
	TEST_ASSERT_OK(vp_state(vcpu, MSHV_SET_VP_STATE, MSHV_VP_STATE_SYNTHETIC_TIMERS, s));
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_STIMER3_CONFIG), 0x30002);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_STIMER3_COUNT), 777);

	struct vm *vm2 = sy_vm();
	struct vcpu *v2 = sy_vcpu(vm2, 0, SY_ADDR(sy_idle));
	TEST_ASSERT_OK(vp_state(v2, MSHV_SET_VP_STATE, MSHV_VP_STATE_SYNTHETIC_TIMERS, s));
	TEST_ASSERT_EQ(vcpu_get_reg(v2, HV_REGISTER_STIMER2_CONFIG), 0x20002);
	TEST_ASSERT_EQ(vcpu_get_reg(v2, HV_REGISTER_STIMER2_COUNT), 123456);
	/* reserved config bits are refused */
	s->timers[1].config = 1ull << 40;
	TEST_ASSERT_ERRNO(vp_state(v2, MSHV_SET_VP_STATE, MSHV_VP_STATE_SYNTHETIC_TIMERS, s),
			  EINVAL);
	free(s);
	vm_destroy(vm2);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(post_message_runs_sint_handler),
	TEST_ENTRY(eom_delivers_pending_message),
	TEST_ENTRY(signal_event_sets_flag),
	TEST_ENTRY(direct_calls_reject_bad_input),
	TEST_ENTRY(stimer_direct_oneshot),
	TEST_ENTRY(stimer_direct_periodic),
	TEST_ENTRY(stimer_message_mode),
	TEST_ENTRY(vp_state_simp_is_live),
	TEST_ENTRY(vp_state_timers_round_trip),
)
