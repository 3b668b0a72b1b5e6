/* SPDX-License-Identifier: MIT */
/*
 * Interrupt plumbing (docs/abi.md §2.6-§2.8): MSHV_IRQFD and MSHV_IOEVENTFD
 * argument checks and errnos; MMIO ioeventfds (wildcard, datamatch, any
 * size) whose matching guest writes signal the eventfd and complete
 * without an exit while other writes exit with HVMSG_UNMAPPED_GPA; an
 * irqfd with an MSI route whose signal reaches the guest's IDT handler
 * while the guest sits in STI; HLT, and a level-triggered route whose EOI
 * signals the resamplefd.
 */
#include "vmm.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BIT(n) (1u << (n))
#define IRQFD_DEASSIGN BIT(MSHV_IRQFD_BIT_DEASSIGN)
#define IRQFD_RESAMPLE BIT(MSHV_IRQFD_BIT_RESAMPLE)
#define IOEV_DATAMATCH BIT(MSHV_IOEVENTFD_BIT_DATAMATCH)
#define IOEV_PIO BIT(MSHV_IOEVENTFD_BIT_PIO)
#define IOEV_DEASSIGN BIT(MSHV_IOEVENTFD_BIT_DEASSIGN)

#define PT_LAPIC (1ull << MSHV_PT_BIT_LAPIC)

#define MMIO_GPA	0xd0000000ull	/* never mapped */
#define MMIO_VA		0x600000ull
#define APIC_BASE	0xfee00000ull
#define PTE_PCD		(1ull << 4)
#define IRQ_IDT		0x20000ull

static int irqfd(struct vm *vm, int fd, int resamplefd, uint32_t gsi, uint32_t flags)
{
	struct mshv_user_irqfd a = { .fd = fd, .resamplefd = resamplefd, .gsi = gsi,
				     .flags = flags };

	return ioctl(vm->pt_fd, MSHV_IRQFD, &a);
}

static int ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, int fd, uint32_t flags,
		     uint64_t datamatch)
{
	struct mshv_user_ioeventfd a;

	memset(&a, 0, sizeof(a));
	a.addr = addr;
	a.len = len;
	a.fd = fd;
	a.flags = flags;
	a.datamatch = datamatch;
	return ioctl(vm->pt_fd, MSHV_IOEVENTFD, &a);
}

struct route { uint32_t gsi, address_lo, data; };

static int set_routes(struct vm *vm, const struct route *r, unsigned n)
{
	struct mshv_user_irq_table *t = calloc(1, sizeof(*t) + n * sizeof(t->entries[0]));
	int ret;

	TEST_ASSERT(t, "calloc");
	t->nr = n;
	for (unsigned i = 0; i < n; i++) {
		t->entries[i].gsi = r[i].gsi;
		t->entries[i].address_lo = r[i].address_lo;
		t->entries[i].data = r[i].data;
	}
	ret = ioctl(vm->pt_fd, MSHV_SET_MSI_ROUTING, t);
	free(t);
	return ret;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	TEST_ASSERT(fd >= 0, "eventfd: %s", strerror(errno));
	return fd;
}

/* The eventfd's counter, consumed (0 if not signalled). */
static uint64_t efd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		TEST_ASSERT(errno == EAGAIN, "read eventfd: %s", strerror(errno));
	return v;
}

/* An fd number that is not open. */
static int closed_fd(void)
{
	int fd = new_eventfd();

	close(fd);
	return fd;
}

/* ------------------------------------------------------------------ */
/* argument checks                                                     */
/* ------------------------------------------------------------------ */

TEST(irqfd_errnos)
{
	struct vm *vm = vm_create_default(PT_LAPIC);
	int efd = new_eventfd(), efd2 = new_eventfd(), rfd = new_eventfd();
	int notefd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	const struct route routes[] = {
		{ 5, APIC_BASE, 0x40 },			/* edge */
		{ 6, APIC_BASE, 0x8041 },		/* level */
	};

	TEST_ASSERT(notefd >= 0, "open /dev/null");
	TEST_ASSERT_OK(set_routes(vm, routes, 2));
	/* flags */
	TEST_ASSERT_ERRNO(irqfd(vm, efd, -1, 5, 4), EINVAL);
	TEST_ASSERT_ERRNO(irqfd(vm, efd, -1, 5, ~0u), EINVAL);
	/* not an fd, not an eventfd */
	TEST_ASSERT_ERRNO(irqfd(vm, -1, -1, 5, 0), EBADF);
	TEST_ASSERT_ERRNO(irqfd(vm, closed_fd(), -1, 5, 0), EBADF);
	TEST_ASSERT_ERRNO(irqfd(vm, notefd, -1, 5, 0), EINVAL);
	TEST_ASSERT_ERRNO(irqfd(vm, -1, -1, 5, IRQFD_DEASSIGN), EBADF);
	TEST_ASSERT_ERRNO(irqfd(vm, notefd, -1, 5, IRQFD_DEASSIGN), EINVAL);

	/* an eventfd binds once per partition, whatever the GSI or fd number */
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 5, 0));
	TEST_ASSERT_ERRNO(irqfd(vm, efd, -1, 5, 0), EBUSY);
	TEST_ASSERT_ERRNO(irqfd(vm, efd, -1, 7, 0), EBUSY);
	int dupfd = dup(efd);
	TEST_ASSERT_ERRNO(irqfd(vm, dupfd, -1, 9, 0), EBUSY);
	/* a GSI without a route is fine */
	TEST_ASSERT_OK(irqfd(vm, efd2, -1, 100, 0));
	/* deassign: same eventfd and GSI; no match is still 0 */
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 7, IRQFD_DEASSIGN));
	TEST_ASSERT_ERRNO(irqfd(vm, efd, -1, 5, 0), EBUSY);
	TEST_ASSERT_OK(irqfd(vm, dupfd, -1, 5, IRQFD_DEASSIGN));
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 7, 0));
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 7, IRQFD_DEASSIGN));
	TEST_ASSERT_OK(irqfd(vm, efd2, -1, 100, IRQFD_DEASSIGN));

	/* resample: the resamplefd must be an eventfd, the route level */
	TEST_ASSERT_ERRNO(irqfd(vm, efd, closed_fd(), 6, IRQFD_RESAMPLE), EBADF);
	TEST_ASSERT_ERRNO(irqfd(vm, efd, notefd, 6, IRQFD_RESAMPLE), EINVAL);
	TEST_ASSERT_ERRNO(irqfd(vm, efd, rfd, 5, IRQFD_RESAMPLE), EINVAL);
	TEST_ASSERT_ERRNO(irqfd(vm, efd, rfd, 100, IRQFD_RESAMPLE), EINVAL);
	TEST_ASSERT_OK(irqfd(vm, efd, rfd, 6, IRQFD_RESAMPLE));
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 6, IRQFD_DEASSIGN));
	/* left assigned: closing the partition releases it */
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 5, 0));
	close(dupfd);
	close(notefd);
	vm_destroy(vm);
	close(efd);
	close(efd2);
	close(rfd);
}

TEST(ioeventfd_errnos)
{
	struct vm *vm = vm_create_default(0);
	int efd = new_eventfd(), efd2 = new_eventfd();
	int notefd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct mshv_user_ioeventfd a;
	const uint64_t A = MMIO_GPA, B = MMIO_GPA + 0x100;

	TEST_ASSERT(notefd >= 0, "open /dev/null");
	/* flags, reserved bytes */
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, efd, 8, 0), EINVAL);
	memset(&a, 0, sizeof(a));
	a.addr = A;
	a.len = 4;
	a.fd = efd;
	a.rsvd[3] = 1;
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_IOEVENTFD, &a), EINVAL);
	/* port IO is not supported, even with bad other arguments */
	TEST_ASSERT_ERRNO(ioeventfd(vm, 0x60, 1, efd, IOEV_PIO, 0), EOPNOTSUPP);
	TEST_ASSERT_ERRNO(ioeventfd(vm, 0x60, 3, -1, IOEV_PIO | IOEV_DATAMATCH, 0),
			  EOPNOTSUPP);
	/* sizes, overflow */
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 3, efd, 0, 0), EINVAL);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 16, efd, 0, 0), EINVAL);
	TEST_ASSERT_ERRNO(ioeventfd(vm, ~0ull - 1, 4, efd, 0, 0), EINVAL);
	/* the fd */
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, -1, 0, 0), EBADF);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, closed_fd(), 0, 0), EBADF);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, notefd, 0, 0), EINVAL);

	/* collisions: same address and length, a wildcard or equal data */
	TEST_ASSERT_OK(ioeventfd(vm, A, 4, efd, 0, 0));
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, efd2, IOEV_DATAMATCH, 7), EEXIST);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, efd2, 0, 0), EEXIST);
	TEST_ASSERT_OK(ioeventfd(vm, A, 8, efd2, IOEV_DATAMATCH, 7));
	TEST_ASSERT_OK(ioeventfd(vm, B, 4, efd, IOEV_DATAMATCH, 1));
	TEST_ASSERT_OK(ioeventfd(vm, B, 4, efd, IOEV_DATAMATCH, 2));
	TEST_ASSERT_ERRNO(ioeventfd(vm, B, 4, efd2, IOEV_DATAMATCH, 1), EEXIST);
	TEST_ASSERT_ERRNO(ioeventfd(vm, B, 4, efd2, 0, 0), EEXIST);
	TEST_ASSERT_OK(ioeventfd(vm, B, 0, efd2, 0, 0));

	/* deassign needs an exact match */
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, -1, IOEV_DEASSIGN, 0), EBADF);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, notefd, IOEV_DEASSIGN, 0), EINVAL);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, efd2, IOEV_DEASSIGN, 0), ENOENT);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 0, efd, IOEV_DEASSIGN, 0), ENOENT);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A + 1, 4, efd, IOEV_DEASSIGN, 0), ENOENT);
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, efd, IOEV_DEASSIGN | IOEV_DATAMATCH, 0),
			  ENOENT);
	TEST_ASSERT_ERRNO(ioeventfd(vm, B, 4, efd, IOEV_DEASSIGN | IOEV_DATAMATCH, 3),
			  ENOENT);
	TEST_ASSERT_ERRNO(ioeventfd(vm, B, 4, efd, IOEV_DEASSIGN, 0), ENOENT);
	TEST_ASSERT_OK(ioeventfd(vm, A, 4, efd, IOEV_DEASSIGN, 0));
	TEST_ASSERT_ERRNO(ioeventfd(vm, A, 4, efd, IOEV_DEASSIGN, 0), ENOENT);
	TEST_ASSERT_OK(ioeventfd(vm, B, 4, efd, IOEV_DEASSIGN | IOEV_DATAMATCH, 2));
	TEST_ASSERT_OK(ioeventfd(vm, A, 8, efd2, IOEV_DEASSIGN | IOEV_DATAMATCH, 7));
	/* the wildcard is gone: a datamatch entry fits at A again */
	TEST_ASSERT_OK(ioeventfd(vm, A, 4, efd2, IOEV_DATAMATCH, 7));
	close(notefd);
	vm_destroy(vm);
	close(efd);
	close(efd2);
}

/* ------------------------------------------------------------------ */
/* ioeventfd: writes absorbed or not                                   */
/* ------------------------------------------------------------------ */

GUEST_CODE(ioev_guest,
	".code64\n"
	/* wildcard, any size, at +0 */
	"movl $0x11111111, 0x600000\n"
	"movb $0x22, 0x600000\n"
	"movl $1, %eax\n"
	"outl %eax, $0x30\n"
	/* datamatch 0x2a, 4 bytes, at +8 */
	"movl $0x2a, %ecx\n"
	"movl %ecx, 0x600008\n"
	"movl $2, %eax\n"
	"outl %eax, $0x30\n"
	/* other value: exit */
	GUEST_LABEL(ioev_w1) "movl $0x2b, 0x600008\n"
	GUEST_LABEL(ioev_w1_end)
	/* other size: exit */
	GUEST_LABEL(ioev_w2) "movw $0x2a, 0x600008\n"
	GUEST_LABEL(ioev_w2_end)
	/* 8 bytes, datamatch, at +0x10 */
	"movabsq $0x1122334455667788, %rdx\n"
	"movq %rdx, 0x600010\n"
	"movl $3, %eax\n"
	"outl %eax, $0x30\n"
	/* +0 after deassign: exit */
	GUEST_LABEL(ioev_w3) "movl $0x11111111, 0x600000\n"
	GUEST_LABEL(ioev_w3_end)
	"movl $4, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n");
GUEST_EXTERN(ioev_w1); GUEST_EXTERN(ioev_w1_end);
GUEST_EXTERN(ioev_w2); GUEST_EXTERN(ioev_w2_end);
GUEST_EXTERN(ioev_w3); GUEST_EXTERN(ioev_w3_end);

#define IOEV_ADDR(l) (CODE_GPA + GUEST_OFF(ioev_guest, l))

static void expect_unmapped_write(struct vcpu *vcpu, uint64_t gpa, uint64_t rip,
				  uint64_t next)
{
	struct hv_message msg;
	uint32_t t = vcpu_run_ok(vcpu, &msg);

	TEST_ASSERT(t == HVMSG_UNMAPPED_GPA, "got %s (%#x) at rip %#llx", msg_type_name(t), t,
		    (unsigned long long)msg_hdr(&msg)->rip);
	TEST_ASSERT_EQ(msg_mem(&msg)->header.intercept_access_type,
		       HV_INTERCEPT_ACCESS_WRITE);
	TEST_ASSERT_EQ(msg_mem(&msg)->guest_physical_address, gpa);
	TEST_ASSERT_EQ(msg_mem(&msg)->header.rip, rip);
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP, next);
}

TEST(ioeventfd_mmio)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	int wild = new_eventfd(), dm4 = new_eventfd(), dm8 = new_eventfd();

	vm_setup_paging(vm);
	vm_map_page(vm, MMIO_VA, MMIO_GPA, PTE_W);
	GUEST_LOAD(vm, CODE_GPA, ioev_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	TEST_ASSERT_OK(ioeventfd(vm, MMIO_GPA, 0, wild, 0, 0));
	TEST_ASSERT_OK(ioeventfd(vm, MMIO_GPA + 8, 4, dm4, IOEV_DATAMATCH, 0x2a));
	TEST_ASSERT_OK(ioeventfd(vm, MMIO_GPA + 0x10, 8, dm8, IOEV_DATAMATCH,
				 0x1122334455667788ull));

	/* both writes absorbed, the guest went on to its OUT */
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 1);
	TEST_ASSERT_EQ(efd_count(wild), 2);
	TEST_ASSERT_EQ(efd_count(dm4), 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 2);
	TEST_ASSERT_EQ(efd_count(dm4), 1);
	TEST_ASSERT_EQ(efd_count(wild), 0);

	/* a different value, then a different size, exit as usual */
	expect_unmapped_write(vcpu, MMIO_GPA + 8, IOEV_ADDR(ioev_w1), IOEV_ADDR(ioev_w1_end));
	expect_unmapped_write(vcpu, MMIO_GPA + 8, IOEV_ADDR(ioev_w2), IOEV_ADDR(ioev_w2_end));
	TEST_ASSERT_EQ(efd_count(dm4), 0);

	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 3);
	TEST_ASSERT_EQ(efd_count(dm8), 1);

	/* deassigned: the write exits */
	TEST_ASSERT_OK(ioeventfd(vm, MMIO_GPA, 0, wild, IOEV_DEASSIGN, 0));
	expect_unmapped_write(vcpu, MMIO_GPA, IOEV_ADDR(ioev_w3), IOEV_ADDR(ioev_w3_end));
	TEST_ASSERT_EQ(efd_count(wild), 0);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 4);

	vm_destroy(vm);
	close(wild);
	close(dm4);
	close(dm8);
}

/* ------------------------------------------------------------------ */
/* irqfd: an MSI into the guest's handler                              */
/* ------------------------------------------------------------------ */

GUEST_CODE(irq_guest,
	".code64\n"
	/* xAPIC software enable, spurious vector 0xff */
	"movl $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"movl $0xa0, %eax\n"
	"outl %eax, $0x30\n"
	"sti\n"
	"hlt\n"
	"movl $0xa1, %eax\n"
	"outl %eax, $0x30\n"
	"hlt\n"
	GUEST_LABEL(irq_isr)
	"pushq %rax\n"
	"pushq %rdx\n"
	"movl $0xfee00000, %edx\n"
	"movl $0, 0xb0(%rdx)\n"		/* EOI */
	"movl $0x40, %eax\n"
	"outl %eax, $0x20\n"
	"popq %rdx\n"
	"popq %rax\n"
	"iretq\n");
GUEST_EXTERN(irq_isr);

static struct vcpu *irq_setup(struct vm *vm)
{
	struct vcpu *vcpu = vcpu_create(vm, 0);
	union hv_register_value v;

	vm_setup_paging(vm);
	vm_map_page(vm, APIC_BASE, APIC_BASE, PTE_W | PTE_PCD);
	GUEST_LOAD(vm, CODE_GPA, irq_guest);
	vcpu_setup_long_mode(vcpu, CODE_GPA, STACK_TOP);
	memset(vm_gpa2hva(vm, IRQ_IDT), 0, 0x1000);
	vm_set_gate64(vm, IRQ_IDT, 0x40, CODE_GPA + GUEST_OFF(irq_guest, irq_isr));
	memset(&v, 0, sizeof(v));
	v.table.base = IRQ_IDT;
	v.table.limit = 0xfff;
	vcpu_set_reg128(vcpu, HV_X64_REGISTER_IDTR, &v);
	return vcpu;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* Signals efd after a while (the VP is in HLT by then), then kicks the
 * VP thread if the interrupt has not ended the run within 5 s. */
struct signaller {
	pthread_t vp_thread;
	int efd;
	int done;		/* __atomic: read by the signaller thread */
};

static void *signaller(void *arg)
{
	struct signaller *s = arg;
	struct timespec d = { 0, 100 * 1000 * 1000 };
	uint64_t one = 1;

	nanosleep(&d, NULL);
	TEST_ASSERT(write(s->efd, &one, sizeof(one)) == sizeof(one), "write eventfd");
	for (int i = 0; i < 500 && !__atomic_load_n(&s->done, __ATOMIC_ACQUIRE); i++) {
		d.tv_nsec = 10 * 1000 * 1000;
		nanosleep(&d, NULL);
	}
	if (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
		pthread_kill(s->vp_thread, SIGUSR1);
	return NULL;
}

/* Runs the guest from its STI; HLT until the handler's OUT; the eventfd
 * is signalled from another thread meanwhile. */
static void expect_irq_in_hlt(struct vcpu *vcpu, int efd)
{
	struct signaller s = { .vp_thread = pthread_self(), .efd = efd };
	struct sigaction sa;
	struct hv_message msg;
	pthread_t th;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;	/* no SA_RESTART: RUN_VP fails with EINTR */
	TEST_ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	TEST_ASSERT_OK(pthread_create(&th, NULL, signaller, &s));
	int ret, err;
	/* The EOI of a level-triggered vector may be reported (as Cloud
	 * Hypervisor expects): carry on. */
	do {
		ret = vcpu_run(vcpu, &msg);
		err = errno;
	} while (ret == 0 && MSG_TYPE(&msg) == HVMSG_X64_APIC_EOI);
	__atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	TEST_ASSERT(ret == 0, "RUN_VP: %s: the irqfd interrupt did not end the HLT",
		    strerror(err));
	TEST_ASSERT(MSG_TYPE(&msg) == HVMSG_X64_IO_PORT_INTERCEPT, "got %s",
		    msg_type_name(MSG_TYPE(&msg)));
	TEST_ASSERT_EQ(msg_io(&msg)->port_number, 0x20);
	TEST_ASSERT_EQ(msg_io(&msg)->rax & 0xff, 0x40);
	vcpu_advance_rip(vcpu, &msg);
}

TEST(irqfd_msi_to_handler)
{
	struct vm *vm = vm_create_default(PT_LAPIC);
	struct vcpu *vcpu = irq_setup(vm);
	int efd = new_eventfd();
	/* physical destination APIC 0 (VP 0), fixed, edge, vector 0x40 */
	const struct route r = { 3, APIC_BASE | (0 << 12), 0x40 };

	TEST_ASSERT_OK(set_routes(vm, &r, 1));
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 3, 0));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa0);
	expect_irq_in_hlt(vcpu, efd);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa1);
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 3, IRQFD_DEASSIGN));
	vm_destroy(vm);
	close(efd);
}

TEST(irqfd_resample_on_eoi)
{
	struct vm *vm = vm_create_default(PT_LAPIC);
	struct vcpu *vcpu = irq_setup(vm);
	int efd = new_eventfd(), rfd = new_eventfd();
	/* level-triggered, vector 0x40, on GSI 9 (GSI != vector) */
	const struct route r = { 9, APIC_BASE, 0x8040 };

	TEST_ASSERT_OK(set_routes(vm, &r, 1));
	TEST_ASSERT_OK(irqfd(vm, efd, rfd, 9, IRQFD_RESAMPLE));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa0);
	TEST_ASSERT_EQ(efd_count(rfd), 0);
	expect_irq_in_hlt(vcpu, efd);
	/* the handler EOIed before its OUT (on Hyper-V the kernel learns
	 * of the EOI by a message: allow it a moment) */
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	TEST_ASSERT(poll(&p, 1, 2000) == 1, "resamplefd not signalled after the EOI");
	TEST_ASSERT_EQ(efd_count(rfd), 1);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x30) & 0xff, 0xa1);
	TEST_ASSERT_OK(irqfd(vm, efd, -1, 9, IRQFD_DEASSIGN));
	vm_destroy(vm);
	close(efd);
	close(rfd);
}

TEST_MAIN(TEST_ENTRY(irqfd_errnos), TEST_ENTRY(ioeventfd_errnos),
	  TEST_ENTRY(ioeventfd_mmio), TEST_ENTRY(irqfd_msi_to_handler),
	  TEST_ENTRY(irqfd_resample_on_eoi))
