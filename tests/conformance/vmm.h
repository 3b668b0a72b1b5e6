/* SPDX-License-Identifier: MIT */
/*
 * Tiny VMM helper library for the /dev/mshv conformance tests
 * (in the style of the KVM selftests).
 *
 * Everything here goes through the public UAPI only: open("/dev/mshv"),
 * ioctl() and mmap().  The same programs must pass on a real Hyper-V root
 * partition with the mshv_root driver, so nothing from the emulator's
 * internal headers may be used.
 */
#ifndef MSHV_CONFORMANCE_VMM_H
#define MSHV_CONFORMANCE_VMM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>

/* ------------------------------------------------------------------ */
/* Test framework                                                      */
/* ------------------------------------------------------------------ */

/* A test program's or case's exit status: automake's "skipped". */
#define EXIT_SKIP 77

void test_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...) __attribute__((noreturn, format(printf, 4, 5)));
void test_skip(const char *reason) __attribute__((noreturn));
/*
 * Marks the running case as checking what only the emulator promises (its
 * documented caps, its own limits): skipped, and reported apart by
 * mshv-conformance(1), when MSHV_CONFORMANCE_HARDWARE=1 says the device
 * is a real mshv_root driver; a no-op otherwise.
 */
void test_emulator_only(const char *why);
#define EXIT_EMULATOR_ONLY 76 /* a case's exit status: skipped, emulator-only */

/* TEST_ASSERT(cond, fmt, ...): on failure print file:line and exit 1. */
#define TEST_ASSERT(cond, ...)						\
	do {								\
		if (!(cond))						\
			test_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

#define TEST_ASSERT_EQ(a, b)						\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
		if (__a != __b)						\
			test_fail(__FILE__, __LINE__, #a " == " #b,	\
				  "0x%llx != 0x%llx", __a, __b);	\
	} while (0)

/* Assert that an ioctl-style call returned -1 with the given errno. */
#define TEST_ASSERT_ERRNO(ret, err)					\
	do {								\
		int __r = (ret);					\
		int __e = errno;					\
		if (__r != -1 || __e != (err))				\
			test_fail(__FILE__, __LINE__, #ret " fails with " #err, \
				  "ret %d errno %d (%s), expected -1 / %d (%s)", \
				  __r, __r == -1 ? __e : 0,		\
				  __r == -1 ? strerror(__e) : "none",	\
				  (err), strerror(err));		\
	} while (0)

/* Assert that an ioctl-style call succeeded (ret >= 0). */
#define TEST_ASSERT_OK(ret)						\
	do {								\
		int __r = (ret);					\
		if (__r < 0)						\
			test_fail(__FILE__, __LINE__, #ret " succeeds",	\
				  "ret %d errno %d (%s)", __r, errno,	\
				  strerror(errno));			\
	} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void name(void)
#define TEST_ENTRY(name) { #name, name }

/*
 * Run every case (each in a forked child, with a timeout) and print
 * "N passed, N failed, N skipped".  Exit status: 1 if anything failed,
 * 77 if everything was skipped, else 0.  Arguments select cases by name;
 * "--list" prints the names instead. MSHV_TEST_NOFORK=1 runs the cases
 * in-process (for debugging). The device opened is $MSHV_CONFORMANCE_DEVICE
 * (default /dev/mshv).
 */
int test_main(int argc, char **argv, const struct test_case *cases,
	      size_t n_cases);

#define TEST_MAIN(...)							\
	int main(int argc, char **argv)					\
	{								\
		static const struct test_case __cases[] = { __VA_ARGS__ }; \
		return test_main(argc, argv, __cases,			\
				 sizeof(__cases) / sizeof(__cases[0]));	\
	}

/* ------------------------------------------------------------------ */
/* Guest code assembled from source at build time                      */
/* ------------------------------------------------------------------ */

/*
 * GUEST_CODE(name, "asm text") emits the code into .rodata.guest between
 * the labels name_start and name_end.  The text should start with the
 * mode directive (.code16 / .code32 / .code64).  Absolute addresses can be
 * computed from a fixed load address, e.g.
 *   ".set BASE, 0x1000\n" "mov $(BASE + (msg - name_start)), %si\n"
 * Local labels must be unique within one test program.
 */
#define GUEST_CODE(name, text)						\
	extern const uint8_t name##_start[], name##_end[];		\
	__asm__(".pushsection .rodata.guest,\"a\"\n"			\
		".balign 16\n"						\
		".globl " #name "_start\n"				\
		".hidden " #name "_start\n"				\
		".globl " #name "_end\n"				\
		".hidden " #name "_end\n"				\
		#name "_start:\n"					\
		text "\n"						\
		#name "_end:\n"						\
		".code64\n"						\
		".popsection\n")

/*
 * Exported label inside guest code: GUEST_LABEL(foo) in the asm text,
 * GUEST_EXTERN(foo); in C, GUEST_OFF(name, foo) = offset from name_start.
 */
#define GUEST_LABEL(l) ".globl " #l "\n.hidden " #l "\n" #l ":\n"
#define GUEST_EXTERN(l) extern const uint8_t l[]
#define GUEST_OFF(name, l) ((uint64_t)(l - name##_start))

#define GUEST_SIZE(name) ((size_t)(name##_end - name##_start))

/* Copy guest code into guest memory at gpa; returns gpa. */
#define GUEST_LOAD(vm, gpa, name)					\
	vm_load((vm), (gpa), name##_start, GUEST_SIZE(name))

/* ------------------------------------------------------------------ */
/* Standard guest physical memory layout (used by the setup helpers)   */
/* ------------------------------------------------------------------ */

#define PAGE_SIZE_4K	0x1000ull
#define LOW_MEM_SIZE	0x200000ull	/* vm_create_default maps 2 MiB at 0 */
#define GDT_GPA		0x0500ull	/* GDT (6 entries) */
#define IDT_GPA		0x0800ull
#define CODE_GPA	0x1000ull	/* conventional guest code load address */
#define DATA_GPA	0x8000ull
#define STACK_TOP	0xf000ull
#define PT_POOL_GPA	0x10000ull	/* page-table pages for long mode */
#define PT_POOL_PAGES	32

/* GDT selectors provided by vm_setup_gdt() */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_CODE16	0x20
#define SEL_DATA16	0x28

/* x86 bits */
#define X86_CR0_PE	(1ull << 0)
#define X86_CR0_MP	(1ull << 1)
#define X86_CR0_ET	(1ull << 4)
#define X86_CR0_NE	(1ull << 5)
#define X86_CR0_WP	(1ull << 16)
#define X86_CR0_AM	(1ull << 18)
#define X86_CR0_PG	(1ull << 31)
#define X86_CR4_PAE	(1ull << 5)
#define X86_CR4_OSFXSR	(1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_EFER_SCE	(1ull << 0)
#define X86_EFER_LME	(1ull << 8)
#define X86_EFER_LMA	(1ull << 10)
#define X86_EFER_NXE	(1ull << 11)
#define X86_RFLAGS_IF	(1ull << 9)

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_PS		(1ull << 7)
#define PTE_NX		(1ull << 63)

/* SET_GUEST_MEMORY flag values */
#define MEM_W	(1u << MSHV_SET_MEM_BIT_WRITABLE)
#define MEM_X	(1u << MSHV_SET_MEM_BIT_EXECUTABLE)
#define MEM_RWX	(MEM_W | MEM_X)
#define MEM_UNMAP (1u << MSHV_SET_MEM_BIT_UNMAP)

/* hv_message types / hypercall codes etc. (values per docs/abi-hv.md) */
#define MSG_TYPE(m) ((m)->header.message_type)

/* ------------------------------------------------------------------ */
/* VM / VP objects                                                      */
/* ------------------------------------------------------------------ */

#define VM_MAX_REGIONS 32

struct vm_region {
	uint64_t gpa, size;
	void *hva;
	uint8_t flags;
	bool owned;		/* munmap on vm_destroy */
};

struct vm {
	int sys_fd;		/* /dev/mshv */
	int pt_fd;		/* partition */
	uint64_t pt_flags;
	struct vm_region regions[VM_MAX_REGIONS];
	int nr_regions;
	unsigned pt_pool_used;	/* page-table pool pages handed out */
	uint64_t pml4_gpa;	/* 0 until vm_setup_paging() */
	struct vcpu *vcpus;	/* created on it; vm_destroy destroys them */
};

struct vcpu {
	int fd;
	uint32_t index;
	struct vm *vm;
	struct hv_vp_register_page *regpage;	/* NULL if mmap gave ENODEV */
	struct vcpu *next;			/* in vm->vcpus */
};

/* Open /dev/mshv (skips the test with 77 if there is none). */
int mshv_open(int flags);

/* v1 create; asserts success.  Does not initialize. */
struct vm *vm_create(uint64_t pt_flags);
/* v2 create (pt_flags must include CPU_AND_XSAVE_FEATURES); asserts. */
struct vm *vm_create_v2(uint64_t pt_flags, const uint64_t fbanks[2],
			uint64_t disabled_xsave);
void vm_init(struct vm *vm);
/*
 * Create (v1), set SYNTHETIC_PROC_FEATURES like a VMM would, initialize,
 * map LOW_MEM_SIZE bytes of RWX memory at GPA 0 and write the GDT.
 */
struct vm *vm_create_default(uint64_t pt_flags);
/* The same with the given SYNTHETIC_PROC_FEATURES (set before init). */
struct vm *vm_create_features(uint64_t pt_flags, uint64_t synthetic_features);
/* vm_create_default with ram_size bytes of RAM at GPA 0 (>= LOW_MEM_SIZE,
 * MAP_NORESERVE: only what the guest touches is allocated). */
struct vm *vm_create_default_ram(uint64_t pt_flags, uint64_t ram_size);
/* vm_create_default() and its VP 0 in *vcpu (as KVM selftests' helper). */
struct vm *vm_create_with_one_vcpu(uint64_t pt_flags, struct vcpu **vcpu);
/* Destroys the VPs still alive on vm first, then the partition. */
void vm_destroy(struct vm *vm);

/* Raw SET_GUEST_MEMORY; returns the ioctl result. */
int vm_set_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva,
		  uint8_t flags);
/* mmap(MAP_SHARED|MAP_ANONYMOUS) + map; asserts; returns host pointer. */
void *vm_add_memory(struct vm *vm, uint64_t gpa, uint64_t size,
		    uint8_t mem_flags);
/* Host pointer for a guest physical address (asserts it is mapped). */
void *vm_gpa2hva(struct vm *vm, uint64_t gpa);
void vm_load(struct vm *vm, uint64_t gpa, const void *src, size_t len);

/* Write the standard GDT at GDT_GPA. */
void vm_setup_gdt(struct vm *vm);
/* Build 4-level page tables; identity-map the first 2 MiB (4K pages). */
void vm_setup_paging(struct vm *vm);
/* Map one 4 KiB page va -> gpa with PTE flags (P always added). */
void vm_map_page(struct vm *vm, uint64_t va, uint64_t gpa, uint64_t pte_flags);
/* A 64-bit interrupt gate (DPL 0, SEL_CODE64) for vec in the IDT at idt. */
void vm_set_gate64(struct vm *vm, uint64_t idt, unsigned vec, uint64_t handler);
/* Any 64-bit gate: type GATE_INTR or GATE_TRAP, the DPL an INTn needs,
 * the IST slot (0: none). */
#define GATE_INTR 0xe
#define GATE_TRAP 0xf
void vm_set_gate(struct vm *vm, uint64_t idt, unsigned vec, uint64_t handler, unsigned type,
		 unsigned dpl, unsigned ist);

/* Hypercall-style partition property helpers (assert success). */
uint64_t vm_get_property(struct vm *vm, uint32_t code);
/* ASSIGNABLE_SYNTHETIC_PROC_FEATURES as /dev/mshv reports it. */
uint64_t dev_assignable_features(void);
void vm_set_property(struct vm *vm, uint32_t code, uint64_t value);

struct vcpu *vcpu_create(struct vm *vm, uint32_t index);
/* Before vm_destroy, for a test that looks at the partition without it. */
void vcpu_destroy(struct vcpu *vcpu);

/*
 * MSHV_ROOT_HVCALL.  Returns the raw ioctl result (errno preserved);
 * *status receives the returned HV status, *reps_done the reps completed.
 */
int hvcall(int fd, uint16_t code, uint16_t reps, const void *in,
	   size_t in_sz, void *out, size_t out_sz, uint16_t *status);
int hvcall_ex(int fd, uint16_t code, uint16_t reps, const void *in,
	      size_t in_sz, void *out, size_t out_sz, uint16_t *status,
	      uint16_t *reps_done);

/*
 * GET/SET_VP_REGISTERS on any fd (partition or VP) for vp_index.
 * Return the ioctl result; status/reps_done may be NULL.
 */
int vp_get_registers(int fd, uint32_t vp_index, const uint32_t *names,
		     union hv_register_value *vals, unsigned n, uint16_t *status,
		     uint16_t *reps_done);
int vp_set_registers(int fd, uint32_t vp_index, const uint32_t *names,
		     const union hv_register_value *vals, unsigned n, uint16_t *status,
		     uint16_t *reps_done);

/* Asserting VP register accessors. */
uint64_t vcpu_get_reg(struct vcpu *vcpu, uint32_t name);
void vcpu_get_reg128(struct vcpu *vcpu, uint32_t name,
		     union hv_register_value *val);
void vcpu_set_reg(struct vcpu *vcpu, uint32_t name, uint64_t value);
void vcpu_set_reg128(struct vcpu *vcpu, uint32_t name,
		     const union hv_register_value *val);
void vcpu_get_regs(struct vcpu *vcpu, const uint32_t *names,
		   union hv_register_value *vals, unsigned n);
void vcpu_set_regs(struct vcpu *vcpu, const uint32_t *names,
		   const union hv_register_value *vals, unsigned n);
void vcpu_set_segment(struct vcpu *vcpu, uint32_t name, uint16_t sel,
		      uint64_t base, uint32_t limit, uint16_t attr);
/* GDTR/IDTR */
void vcpu_set_table(struct vcpu *vcpu, uint32_t name, uint64_t base,
		    uint16_t limit);
void vcpu_get_segment(struct vcpu *vcpu, uint32_t name,
		      struct hv_x64_segment_register *seg);

/* MSHV_RUN_VP: raw ioctl result. */
int vcpu_run(struct vcpu *vcpu, struct hv_message *msg);
/* Run, assert success, return message type. */
uint32_t vcpu_run_ok(struct vcpu *vcpu, struct hv_message *msg);
/* Run and assert an I/O port intercept; returns the payload. */
struct hv_x64_io_port_intercept_message *
vcpu_run_io(struct vcpu *vcpu, struct hv_message *msg);
/* Run until an OUT to port; assert access is OUT and return RAX value. */
uint64_t vcpu_expect_out(struct vcpu *vcpu, uint16_t port);
/* The VP must stay in HLT inside RUN_VP until the thread is signalled
 * (EINTR, SIGUSR1 repeatedly), and report halt_suspend afterwards. */
void vcpu_expect_halted(struct vcpu *vcpu);
/* Likewise for an AP in wait-for-SIPI (startup_suspend). */
void vcpu_expect_wait_sipi(struct vcpu *vcpu);
/* RIP = header.rip + header.instruction_length */
void vcpu_advance_rip(struct vcpu *vcpu, const struct hv_message *msg);
/* HVCALL_INSTALL_INTERCEPT of an exception vector. */
void vm_intercept_exception(struct vm *vm, uint16_t vector);
/* Complete an IN: merge value into RAX (size bytes) and advance RIP. */
void vcpu_complete_in(struct vcpu *vcpu, const struct hv_message *msg,
		      uint32_t value);

static inline struct hv_x64_intercept_message_header *
msg_hdr(struct hv_message *msg)
{
	return (struct hv_x64_intercept_message_header *)msg->u.payload;
}

static inline struct hv_x64_io_port_intercept_message *
msg_io(struct hv_message *msg)
{
	return (struct hv_x64_io_port_intercept_message *)msg->u.payload;
}

static inline struct hv_x64_memory_intercept_message *
msg_mem(struct hv_message *msg)
{
	return (struct hv_x64_memory_intercept_message *)msg->u.payload;
}

const char *msg_type_name(uint32_t type);

/* hv_result_to_errno() as in drivers/hv/hv_common.c (docs/abi.md §2.14),
 * positive. */
int hv_status_errno(uint16_t status);
/* Is this one of the HV_STATUS_* values of docs/abi.md §2.14? */
bool hv_status_known(uint16_t status);

/*
 * Assert a failed hypercall ioctl: ret == -1, status != 0, and errno is
 * what the kernel derives from status.
 */
#define TEST_ASSERT_HV_FAIL(ret, status)				\
	do {								\
		int __r = (ret);					\
		int __e = errno;					\
		uint16_t __s = (status);				\
		TEST_ASSERT(__r == -1 && __s != 0 &&			\
			    __e == hv_status_errno(__s),		\
			    "ret %d errno %d (%s) status %#x", __r, __e,\
			    strerror(__e), __s);			\
	} while (0)

/* Mode setup, purely via SET_VP_REGISTERS. Each also writes
 * HV_REGISTER_INTERNAL_ACTIVITY_STATE = 0: a VP other than the BSP of a
 * LAPIC partition starts in wait-for-SIPI (startup suspend), and a VMM
 * that sets an AP's registers itself must make it runnable. */
void vcpu_setup_real_mode(struct vcpu *vcpu, uint16_t cs, uint16_t ip);
void vcpu_setup_protected_mode(struct vcpu *vcpu, uint32_t eip,
			       uint32_t esp);
/* Calls vm_setup_paging() on first use. */
void vcpu_setup_long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsp);

#endif /* MSHV_CONFORMANCE_VMM_H */
