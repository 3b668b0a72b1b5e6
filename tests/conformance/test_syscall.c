/* SPDX-License-Identifier: MIT */
/*
 * Fast system calls between CPL 0 and CPL 3, with the MSRs set as Linux
 * sets them (arch/x86/kernel/cpu/common.c syscall_init; the i386 GDT and
 * SYSENTER_CS of arch/x86/include/asm/segment.h): SYSCALL/SYSRETQ and
 * SYSRETL to compatibility mode in long mode, SYSENTER/SYSEXIT in 32-bit
 * protected mode, and #UD for SYSCALL while EFER.SCE is 0. The privilege
 * level is checked where the VMM sees it: execution_state.cpl of each OUT
 * intercept. User code runs with IOPL 3 so that its OUTs are allowed.
 */
#include "vmm.h"

#define LX_GDT_GPA	0x600ull	/* Linux-style GDT (16 entries) */
#define USER_STACK	0x9ff0ull
#define KERNEL_STACK	0xe000ull
/* Linux x86-64 selectors */
#define KERNEL_CS	0x10
#define KERNEL_DS	0x18
#define USER32_CS	0x23
#define USER_DS		0x2b
#define USER_CS		0x33
/* SFMASK: CF PF AF ZF SF TF IF DF OF IOPL NT RF AC ID */
#define LX_SFMASK	0x257fd5u
/* user RFLAGS: AC, IOPL 3, DF, IF */
#define USER_FLAGS	0x43602u

GUEST_CODE(sc_guest,
	".code64\n"
	/* STAR: SYSCALL CS = 0x10, SYSRET base = 0x23; LSTAR; SFMASK */
	"movl $0xc0000081, %ecx\n xorl %eax, %eax\n movl $0x00230010, %edx\n wrmsr\n"
	"movl $0xc0000082, %ecx\n leaq sc_entry(%rip), %rax\n"
	"movq %rax, %rdx\n shrq $32, %rdx\n wrmsr\n"
	"movl $0xc0000084, %ecx\n movl $0x257fd5, %eax\n xorl %edx, %edx\n wrmsr\n"
	/* first entry to user mode */
	"leaq sc_user(%rip), %rcx\n"
	"movq $0x43602, %r11\n"
	"movq $0x9ff0, %rsp\n"
	"sysretq\n"
	GUEST_LABEL(sc_user)
	"movl %cs, %eax\n outl %eax, $0x20\n"
	"movl %ss, %eax\n outl %eax, $0x21\n"
	"pushfq\n popq %rax\n outl %eax, $0x22\n"
	"movl $0x1234, %eax\n"
	"movq $0x5555, %r11\n"
	"syscall\n"
	GUEST_LABEL(sc_after)
	"outl %eax, $0x26\n"			/* the kernel's return value */
	"pushfq\n popq %rax\n outl %eax, $0x27\n"
	"movl %cs, %eax\n outl %eax, $0x28\n"
	"movl $2, %eax\n"
	"syscall\n"				/* returns with SYSRETL */
	GUEST_LABEL(sc_after2)
	"ud2\n"

	GUEST_LABEL(sc_entry)
	"movl %eax, %r12d\n"
	"movl %cs, %eax\n outl %eax, $0x23\n"
	"movl %ss, %eax\n outl %eax, $0x24\n"
	"pushfq\n popq %rax\n outl %eax, $0x25\n"
	"movq %rcx, %rax\n outl %eax, $0x29\n"
	"movq %r11, %rax\n outl %eax, $0x2a\n"
	"cmpl $2, %r12d\n je 1f\n"
	"movl $0x4321, %eax\n"
	"sysretq\n"
	"1: leaq sc_compat(%rip), %rcx\n"
	"sysretl\n"
	".code32\n"
	GUEST_LABEL(sc_compat)
	"movl %cs, %eax\n outl %eax, $0x2b\n"
	"movl %ss, %eax\n outl %eax, $0x2c\n"
	"2: jmp 2b\n");
GUEST_EXTERN(sc_user); GUEST_EXTERN(sc_after); GUEST_EXTERN(sc_after2); GUEST_EXTERN(sc_entry);
GUEST_EXTERN(sc_compat);

/* SYSCALL with EFER.SCE = 0: #UD through the IDT, RIP at the SYSCALL. */
GUEST_CODE(ud_guest,
	".code64\n"
	GUEST_LABEL(ud_syscall)
	"syscall\n"
	"movl $0xbad, %eax\n outl %eax, $0x30\n"
	GUEST_LABEL(ud_handler)
	"movq (%rsp), %rax\n outl %eax, $0x31\n"
	"1: jmp 1b\n");
GUEST_EXTERN(ud_syscall); GUEST_EXTERN(ud_handler);

/* i386 Linux: SYSENTER_CS = __KERNEL_CS 0x60, so SYSEXIT returns to
 * __USER_CS 0x73 / __USER_DS 0x7b. Position-independent (call/pop). */
GUEST_CODE(se_guest,
	".code32\n"
	"call 1f\n"
	"1: popl %ebx\n"
	"movl $0x174, %ecx\n movl $0x60, %eax\n xorl %edx, %edx\n wrmsr\n"
	"movl $0x175, %ecx\n movl $0xe000, %eax\n wrmsr\n"
	"movl $0x176, %ecx\n leal (se_entry - 1b)(%ebx), %eax\n wrmsr\n"
	"pushfl\n orl $0x3000, (%esp)\n popfl\n"	/* IOPL 3 */
	"movl $0x9ff0, %ecx\n"
	"leal (se_user - 1b)(%ebx), %edx\n"
	"sysexit\n"
	GUEST_LABEL(se_user)
	"movl %cs, %eax\n outl %eax, $0x40\n"
	"movl %ss, %eax\n outl %eax, $0x41\n"
	"movl %esp, %eax\n outl %eax, $0x42\n"
	"call 2f\n"
	"2: popl %esi\n"
	"leal (se_back - 2b)(%esi), %edx\n"
	"movl %esp, %ecx\n"
	"sti\n"
	"sysenter\n"
	GUEST_LABEL(se_back)
	"movl %cs, %eax\n outl %eax, $0x48\n"
	"movl %esp, %eax\n outl %eax, $0x49\n"
	"3: jmp 3b\n"
	GUEST_LABEL(se_entry)
	"movl %cs, %eax\n outl %eax, $0x43\n"
	"movl %ss, %eax\n outl %eax, $0x44\n"
	"movl %esp, %eax\n outl %eax, $0x45\n"
	"pushfl\n popl %eax\n outl %eax, $0x46\n"
	"movl %edx, %eax\n outl %eax, $0x47\n"
	"sysexit\n");
GUEST_EXTERN(se_user); GUEST_EXTERN(se_back); GUEST_EXTERN(se_entry);

static void lx_gdt(struct vm *vm)
{
	uint64_t *g = vm_gpa2hva(vm, LX_GDT_GPA);

	memset(g, 0, 16 * 8);
	g[1] = 0x00cf9b000000ffffull;		/* 0x08 kernel 32-bit code */
	g[2] = 0x00af9b000000ffffull;		/* 0x10 kernel 64-bit code */
	g[3] = 0x00cf93000000ffffull;		/* 0x18 kernel data */
	g[4] = 0x00cffb000000ffffull;		/* 0x23 user 32-bit code */
	g[5] = 0x00cff3000000ffffull;		/* 0x2b user data */
	g[6] = 0x00affb000000ffffull;		/* 0x33 user 64-bit code */
	g[12] = 0x00cf9b000000ffffull;		/* 0x60 i386 kernel code */
	g[13] = 0x00cf93000000ffffull;		/* 0x68 i386 kernel data */
	g[14] = 0x00cffb000000ffffull;		/* 0x73 i386 user code */
	g[15] = 0x00cff3000000ffffull;		/* 0x7b i386 user data */
}

/* An OUT to port, made at privilege level cpl; returns EAX. */
static uint32_t out_at(struct vcpu *vcpu, uint16_t port, unsigned cpl)
{
	struct hv_message msg;
	struct hv_x64_io_port_intercept_message *io = vcpu_run_io(vcpu, &msg);

	TEST_ASSERT(io->port_number == port, "OUT to port %#x, expected %#x",
		    io->port_number, port);
	TEST_ASSERT(io->header.execution_state.cpl == cpl,
		    "OUT to %#x at CPL %u, expected CPL %u", port,
		    io->header.execution_state.cpl, cpl);
	vcpu_advance_rip(vcpu, &msg);
	return (uint32_t)io->rax;
}

#define SC(l) (CODE_GPA + GUEST_OFF(sc_guest, l))

/* SYSRETQ to CPL 3, SYSCALL back through LSTAR with RCX/R11 saved and
 * RFLAGS masked by SFMASK, SYSRETQ restoring them, SYSRETL to a 32-bit
 * user segment. */
TEST(syscall_sysret_linux_msrs)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, sc_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, KERNEL_STACK);
	lx_gdt(vm);
	for (uint64_t a = CODE_GPA; a < CODE_GPA + 0x2000; a += PAGE_SIZE_4K)
		vm_map_page(vm, a, a, PTE_W | PTE_U);
	vm_map_page(vm, USER_STACK & ~0xfffull, USER_STACK & ~0xfffull, PTE_W | PTE_U);
	vcpu_set_table(vcpu, HV_X64_REGISTER_GDTR, LX_GDT_GPA, 16 * 8 - 1);
	vcpu_set_segment(vcpu, HV_X64_REGISTER_CS, KERNEL_CS, 0, 0xffffffff, 0xa09b);
	vcpu_set_segment(vcpu, HV_X64_REGISTER_SS, KERNEL_DS, 0, 0xffffffff, 0xc093);

	TEST_ASSERT_EQ(out_at(vcpu, 0x20, 3), USER_CS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x21, 3), USER_DS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x22, 3), USER_FLAGS);
	/* SYSCALL: kernel entry */
	TEST_ASSERT_EQ(out_at(vcpu, 0x23, 0), KERNEL_CS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x24, 0), KERNEL_DS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x25, 0), 0x2);	/* all masked */
	TEST_ASSERT_EQ(out_at(vcpu, 0x29, 0), (uint32_t)SC(sc_after));
	TEST_ASSERT_EQ(out_at(vcpu, 0x2a, 0), USER_FLAGS);
	/* SYSRETQ: back after the SYSCALL with the user's RFLAGS */
	TEST_ASSERT_EQ(out_at(vcpu, 0x26, 3), 0x4321);
	TEST_ASSERT_EQ(out_at(vcpu, 0x27, 3), USER_FLAGS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x28, 3), USER_CS);
	/* second SYSCALL, SYSRETL to compatibility mode */
	TEST_ASSERT_EQ(out_at(vcpu, 0x23, 0), KERNEL_CS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x24, 0), KERNEL_DS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x25, 0), 0x2);
	TEST_ASSERT_EQ(out_at(vcpu, 0x29, 0), (uint32_t)SC(sc_after2));
	out_at(vcpu, 0x2a, 0);
	TEST_ASSERT_EQ(out_at(vcpu, 0x2b, 3), USER32_CS);
	TEST_ASSERT_EQ(out_at(vcpu, 0x2c, 3), USER_DS);
	struct hv_x64_segment_register cs;
	vcpu_get_segment(vcpu, HV_X64_REGISTER_CS, &cs);
	TEST_ASSERT_EQ(cs.selector, USER32_CS);
	TEST_ASSERT_EQ(cs.attributes & 0x20ff, 0x00fb); /* DPL 3 code, L = 0 */
	vm_destroy(vm);
}

TEST(syscall_ud_without_sce)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, ud_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	memset(vm_gpa2hva(vm, IDT_GPA), 0, 16 * 32);
	vm_set_gate64(vm, IDT_GPA, 6, CODE_GPA + GUEST_OFF(ud_guest, ud_handler));
	vcpu_set_table(vcpu, HV_X64_REGISTER_IDTR, IDT_GPA, 16 * 32 - 1);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_EFER,
		     X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE);
	TEST_ASSERT_EQ(out_at(vcpu, 0x31, 0), CODE_GPA + GUEST_OFF(ud_guest, ud_syscall));
	vm_destroy(vm);
}

/* SYSRETQ to a non-canonical RCX (CVE-2012-0217's case): Intel raises
 * #GP(0) at CPL 0 with nothing changed (SDM vol. 2B SYSRET). */
GUEST_CODE(nc_guest,
	".code64\n"
	"movabsq $0x8000000000001000, %rcx\n"
	"movq $0x2, %r11\n"
	GUEST_LABEL(nc_sysret)
	"sysretq\n"
	"1: jmp 1b\n");
GUEST_EXTERN(nc_sysret);

static void cpuid_intel(struct vcpu *vcpu)
{
	struct hv_input_register_intercept_result in;
	uint16_t st = 0xffff;

	memset(&in, 0, sizeof(in));
	in.vp_index = vcpu->index;
	in.intercept_type = HV_INTERCEPT_TYPE_X64_CPUID;
	in.parameters.cpuid.input.eax = 0;
	in.parameters.cpuid.input.always_override = 1;
	in.parameters.cpuid.result.ebx = 0x756e6547;	/* "GenuineIntel" */
	in.parameters.cpuid.result.edx = 0x49656e69;
	in.parameters.cpuid.result.ecx = 0x6c65746e;
	in.parameters.cpuid.result.ebx_mask = ~0u;
	in.parameters.cpuid.result.edx_mask = ~0u;
	in.parameters.cpuid.result.ecx_mask = ~0u;
	TEST_ASSERT_OK(hvcall(vcpu->fd, HVCALL_REGISTER_INTERCEPT_RESULT, 0, &in,
			      sizeof(in), NULL, 0, &st));
	TEST_ASSERT_EQ(st, 0);
}

TEST(sysret_noncanonical_gp_intel)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	uint64_t at = CODE_GPA + GUEST_OFF(nc_guest, nc_sysret);
	struct hv_message msg;

	GUEST_LOAD(vm, CODE_GPA, nc_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, KERNEL_STACK);
	cpuid_intel(vcpu);
	vm_intercept_exception(vm, 13);
	uint32_t t = vcpu_run_ok(vcpu, &msg);
	TEST_ASSERT(t == HVMSG_X64_EXCEPTION_INTERCEPT, "got %#x at %#llx", t,
		    (unsigned long long)msg_hdr(&msg)->rip);
	struct hv_x64_exception_intercept_message *m = (void *)msg.u.payload;
	TEST_ASSERT_EQ(m->exception_vector, 13);
	TEST_ASSERT_EQ(m->exception_info.error_code_valid, 1);
	TEST_ASSERT_EQ(m->error_code, 0);
	TEST_ASSERT_EQ(m->header.rip, at);
	TEST_ASSERT_EQ(m->header.execution_state.cpl, 0);
	/* nothing of the SYSRET happened */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP), at);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RCX), 0x8000000000001000ull);
	vm_destroy(vm);
}

#define SE(l) (CODE_GPA + GUEST_OFF(se_guest, l))

/* SYSEXIT to CPL 3 at EDX/ECX, SYSENTER back through SYSENTER_CS/ESP/EIP
 * with IF cleared, SYSEXIT again. */
TEST(sysenter_sysexit_linux_msrs)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	GUEST_LOAD(vm, CODE_GPA, se_guest);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, KERNEL_STACK);
	lx_gdt(vm);
	vcpu_set_table(vcpu, HV_X64_REGISTER_GDTR, LX_GDT_GPA, 16 * 8 - 1);
	vcpu_set_segment(vcpu, HV_X64_REGISTER_CS, 0x60, 0, 0xffffffff, 0xc09b);
	vcpu_set_segment(vcpu, HV_X64_REGISTER_SS, 0x68, 0, 0xffffffff, 0xc093);

	TEST_ASSERT_EQ(out_at(vcpu, 0x40, 3), 0x73);
	TEST_ASSERT_EQ(out_at(vcpu, 0x41, 3), 0x7b);
	TEST_ASSERT_EQ(out_at(vcpu, 0x42, 3), 0x9ff0);
	TEST_ASSERT_EQ(out_at(vcpu, 0x43, 0), 0x60);
	TEST_ASSERT_EQ(out_at(vcpu, 0x44, 0), 0x68);
	TEST_ASSERT_EQ(out_at(vcpu, 0x45, 0), KERNEL_STACK);
	uint32_t fl = out_at(vcpu, 0x46, 0);
	TEST_ASSERT(!(fl & X86_RFLAGS_IF), "IF set after SYSENTER (%#x)", fl);
	TEST_ASSERT_EQ(fl & 0x3000, 0x3000);		/* IOPL untouched */
	TEST_ASSERT_EQ(out_at(vcpu, 0x47, 0), SE(se_back));
	TEST_ASSERT_EQ(out_at(vcpu, 0x48, 3), 0x73);
	TEST_ASSERT_EQ(out_at(vcpu, 0x49, 3), 0x9ff0); /* ECX at the SYSENTER */
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(syscall_sysret_linux_msrs),
	TEST_ENTRY(syscall_ud_without_sce),
	TEST_ENTRY(sysenter_sysexit_linux_msrs),
	TEST_ENTRY(sysret_noncanonical_gp_intel),
)
