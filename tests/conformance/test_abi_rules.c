/* SPDX-License-Identifier: MIT */
/*
 * The driver's and hypervisor's answers as tables: each row is one rule of
 * docs/abi.md §2 (an ioctl's errno, from drivers/hv/mshv_root_main.c and
 * friends) or of docs/abi-hv.md (a hypercall's HV_STATUS), with the fd it
 * is tried on and the argument that breaks it. A row names its rule, so a
 * failure says which one no longer holds.
 */
#include "vmm.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Pointer values in a row's argument, replaced before the call. */
#define P_RW	0x5e5e000000000001ull	/* a readable and writable page */
#define P_RO	0x5e5e000000000002ull	/* a read-only page */
#define P_BAD	0x5e5e000000000003ull	/* an inaccessible page */
#define P_ODD	0x5e5e000000000004ull	/* P_RW + 8: not page aligned */
#define P_IN	0x5e5e000000000005ull	/* a GET_PARTITION_PROPERTY input */

enum fdk { FD_DEV, FD_PT, FD_PT_NEW, FD_VP };
static const char *const fdk_names[] = { "/dev/mshv", "partition", "new partition", "VP" };

/* Where the argument struct itself goes. */
enum place {
	AT_RW,		/* a writable page */
	AT_RO,		/* a read-only page: read, but not written back */
	AT_BAD,		/* inaccessible */
	AT_EDGE,	/* its first 8 bytes end a page; an inaccessible one follows */
};

struct irq_table3 {
	uint32_t nr, rsvd;
	struct mshv_user_irq_entry e[3];
};

union rule_arg {
	struct mshv_create_partition cp;
	struct mshv_create_partition_v2 cp2;
	struct mshv_create_vp cv;
	struct mshv_user_mem_region mem;
	struct mshv_user_irqfd irqfd;
	struct mshv_user_ioeventfd ioev;
	struct irq_table3 irqt;
	struct mshv_gpap_access_bitmap gpap;
	struct mshv_root_hvcall hc;
	struct mshv_get_set_vp_state st;
	uint64_t raw[12];
};

struct ioctl_rule {
	const char *rule;
	enum fdk fd;
	unsigned long req;
	enum place at;
	union rule_arg a;
	int err;		/* 0: succeeds */
};

#define V2_BIT (1ull << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES)
#define HC(...) { .hc = { .in_ptr = P_IN, .in_sz = 16, __VA_ARGS__ } }

static const struct ioctl_rule ioctl_table[] = {
	/* mshv_ioctl_create_partition() */
	{ "create: argument unreadable", FD_DEV, MSHV_CREATE_PARTITION, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "create: unknown pt_flags bit", FD_DEV, MSHV_CREATE_PARTITION, AT_RW,
	  { .cp = { .pt_flags = 1ull << 6 } }, EINVAL },
	{ "create: isolation beyond NONE", FD_DEV, MSHV_CREATE_PARTITION, AT_RW,
	  { .cp = { .pt_isolation = 1 } }, EINVAL },
	{ "create v2: pt_num_cpu_fbanks != 2", FD_DEV, MSHV_CREATE_PARTITION, AT_RW,
	  { .cp2 = { .pt_flags = V2_BIT, .pt_num_cpu_fbanks = 1 } }, EINVAL },
	{ "create v2: reserved bytes", FD_DEV, MSHV_CREATE_PARTITION, AT_RW,
	  { .cp2 = { .pt_flags = V2_BIT, .pt_num_cpu_fbanks = 2, .pt_rsvd = { 1 } } }, EINVAL },
	{ "create v2: only the v1 part readable", FD_DEV, MSHV_CREATE_PARTITION, AT_EDGE,
	  { .cp2 = { .pt_flags = V2_BIT } }, EFAULT },
	{ "partition ioctls on /dev/mshv", FD_DEV, MSHV_INITIALIZE_PARTITION, AT_RW, { .raw = { 0 } }, ENOTTY },
	/* mshv_partition_ioctl_create_vp() */
	{ "create VP: argument unreadable", FD_PT, MSHV_CREATE_VP, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "create VP: index >= MSHV_MAX_VPS", FD_PT, MSHV_CREATE_VP, AT_RW, { .cv = { .vp_index = 256 } }, EINVAL },
	{ "create VP: index taken", FD_PT, MSHV_CREATE_VP, AT_RW, { .cv = { .vp_index = 0 } }, EEXIST },
	/* mshv_partition_ioctl_set_memory() */
	{ "memory: argument unreadable", FD_PT, MSHV_SET_GUEST_MEMORY, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "memory: size 0", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .guest_pfn = 0x1000, .userspace_addr = P_RW } }, EINVAL },
	{ "memory: size not page aligned", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 100, .guest_pfn = 0x1000, .userspace_addr = P_RW } }, EINVAL },
	{ "memory: address not page aligned", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0x1000, .userspace_addr = P_ODD } }, EINVAL },
	{ "memory: unknown flag", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0x1000, .userspace_addr = P_RW, .flags = 8 } }, EINVAL },
	{ "memory: reserved bytes", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0x1000, .userspace_addr = P_RW, .rsvd = { 1 } } }, EINVAL },
	{ "memory: no VMA at userspace_addr 0", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0x1000 } }, EINVAL },
	{ "memory: GPA overlaps a region", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0, .userspace_addr = P_RW } }, EEXIST },
	{ "unmap: gfn, size or address differ from the region", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0, .userspace_addr = P_RW,
		     .flags = 1u << MSHV_SET_MEM_BIT_UNMAP } }, EINVAL },
	{ "unmap: no region at the gfn (newer kernels)", FD_PT, MSHV_SET_GUEST_MEMORY, AT_RW,
	  { .mem = { .size = 4096, .guest_pfn = 0x5000, .userspace_addr = P_RW,
		     .flags = 1u << MSHV_SET_MEM_BIT_UNMAP } }, ENOENT },
	/* mshv_partition_ioctl_irqfd(), mshv_irqfd_assign() */
	{ "irqfd: argument unreadable", FD_PT, MSHV_IRQFD, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "irqfd: unknown flag", FD_PT, MSHV_IRQFD, AT_RW, { .irqfd = { .fd = 0, .flags = 4 } }, EINVAL },
	{ "irqfd: fd not open", FD_PT, MSHV_IRQFD, AT_RW, { .irqfd = { .fd = -1 } }, EBADF },
	/* mshv_partition_ioctl_ioeventfd(), mshv_set_unset_ioeventfd() */
	{ "ioeventfd: argument unreadable", FD_PT, MSHV_IOEVENTFD, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "ioeventfd: unknown flag", FD_PT, MSHV_IOEVENTFD, AT_RW, { .ioev = { .flags = 8 } }, EINVAL },
	{ "ioeventfd: reserved bytes", FD_PT, MSHV_IOEVENTFD, AT_RW, { .ioev = { .rsvd = { 1 } } }, EINVAL },
	{ "ioeventfd: PIO", FD_PT, MSHV_IOEVENTFD, AT_RW,
	  { .ioev = { .flags = 1u << MSHV_IOEVENTFD_BIT_PIO } }, EOPNOTSUPP },
	{ "ioeventfd: length 3", FD_PT, MSHV_IOEVENTFD, AT_RW,
	  { .ioev = { .addr = 0xd0000000, .len = 3 } }, EINVAL },
	{ "ioeventfd: addr + len wraps", FD_PT, MSHV_IOEVENTFD, AT_RW,
	  { .ioev = { .addr = ~0ull - 1, .len = 4 } }, EINVAL },
	/* mshv_partition_ioctl_set_msi_routing(), mshv_update_routing_table() */
	{ "MSI routing: argument unreadable", FD_PT, MSHV_SET_MSI_ROUTING, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "MSI routing: nr > MSHV_MAX_GUEST_IRQS", FD_PT, MSHV_SET_MSI_ROUTING, AT_RW,
	  { .irqt = { .nr = 4097 } }, EINVAL },
	{ "MSI routing: reserved word", FD_PT, MSHV_SET_MSI_ROUTING, AT_RW,
	  { .irqt = { .rsvd = 1 } }, EINVAL },
	{ "MSI routing: entries unreadable", FD_PT, MSHV_SET_MSI_ROUTING, AT_EDGE,
	  { .irqt = { .nr = 1 } }, EFAULT },
	{ "MSI routing: gsi >= MSHV_MAX_GUEST_IRQS", FD_PT, MSHV_SET_MSI_ROUTING, AT_RW,
	  { .irqt = { .nr = 1, .e = { { .gsi = 4096 } } } }, EINVAL },
	{ "MSI routing: address_hi set", FD_PT, MSHV_SET_MSI_ROUTING, AT_RW,
	  { .irqt = { .nr = 1, .e = { { .gsi = 1, .address_hi = 1 } } } }, EINVAL },
	{ "MSI routing: a GSI twice", FD_PT, MSHV_SET_MSI_ROUTING, AT_RW,
	  { .irqt = { .nr = 3, .e = { { .gsi = 5 }, { .gsi = 6 }, { .gsi = 5 } } } }, EINVAL },
	{ "MSI routing: only nr entries are read", FD_PT, MSHV_SET_MSI_ROUTING, AT_RW,
	  { .irqt = { .nr = 2, .e = { { .gsi = 5 }, { .gsi = 6 }, { .gsi = 5 } } } }, 0 },
	{ "MSI routing: nr 0 clears the table", FD_PT, MSHV_SET_MSI_ROUTING, AT_EDGE,
	  { .irqt = { .nr = 0 } }, 0 },
	/* mshv_partition_ioctl_get_gpap_access_bitmap() */
	{ "GPAP bitmap: argument unreadable", FD_PT, MSHV_GET_GPAP_ACCESS_BITMAP, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "GPAP bitmap: access_type >= 2", FD_PT, MSHV_GET_GPAP_ACCESS_BITMAP, AT_RW,
	  { .gpap = { .access_type = 2, .page_count = 1, .bitmap_ptr = P_RW } }, EINVAL },
	{ "GPAP bitmap: access_op >= 3", FD_PT, MSHV_GET_GPAP_ACCESS_BITMAP, AT_RW,
	  { .gpap = { .access_op = 3, .page_count = 1, .bitmap_ptr = P_RW } }, EINVAL },
	{ "GPAP bitmap: reserved bytes", FD_PT, MSHV_GET_GPAP_ACCESS_BITMAP, AT_RW,
	  { .gpap = { .rsvd = { 1 }, .page_count = 1, .bitmap_ptr = P_RW } }, EINVAL },
	{ "GPAP bitmap: page_count 0", FD_PT, MSHV_GET_GPAP_ACCESS_BITMAP, AT_RW,
	  { .gpap = { .bitmap_ptr = P_RW } }, EINVAL },
	{ "GPAP bitmap: bitmap_ptr 0", FD_PT, MSHV_GET_GPAP_ACCESS_BITMAP, AT_RW,
	  { .gpap = { .page_count = 1 } }, EINVAL },
	/* mshv_ioctl_passthru_hvcall(): argument checks */
	{ "hvcall: argument unreadable", FD_PT, MSHV_ROOT_HVCALL, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "hvcall: status not 0", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY, .status = 1), EINVAL },
	{ "hvcall: in_ptr 0", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  { .hc = { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 16 } }, EINVAL },
	{ "hvcall: in_sz < 8", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  { .hc = { .code = HVCALL_GET_PARTITION_PROPERTY, .in_ptr = P_IN, .in_sz = 7 } }, EINVAL },
	{ "hvcall: in_sz > 4096", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  { .hc = { .code = HVCALL_GET_PARTITION_PROPERTY, .in_ptr = P_IN, .in_sz = 4097 } }, EINVAL },
	{ "hvcall: reserved bytes", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY, .rsvd = { 1 }), EINVAL },
	{ "hvcall: out_ptr with out_sz 0", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY, .out_ptr = P_RW), EINVAL },
	{ "hvcall: out_sz > 4096", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY, .out_ptr = P_RW, .out_sz = 4097), EINVAL },
	{ "hvcall: code not in the allow-list", FD_PT, MSHV_ROOT_HVCALL, AT_RW, HC(.code = 0x0001), EINVAL },
	{ "hvcall: the asynchronous call on a VP fd", FD_VP, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_SET_PARTITION_PROPERTY), EINVAL },
	{ "hvcall: the asynchronous call on /dev/mshv", FD_DEV, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_SET_PARTITION_PROPERTY), EINVAL },
	{ "hvcall: a partition call on /dev/mshv", FD_DEV, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_VP_REGISTERS, .reps = 1), EINVAL },
	{ "hvcall: input unreadable", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  { .hc = { .code = HVCALL_GET_PARTITION_PROPERTY, .in_ptr = P_BAD, .in_sz = 16 } }, EFAULT },
	{ "hvcall: out_sz without out_ptr is not checked", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY, .out_sz = 9999), 0 },
	{ "hvcall: output not writable", FD_PT, MSHV_ROOT_HVCALL, AT_RW,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY, .out_ptr = P_RO, .out_sz = 8), EFAULT },
	{ "hvcall: status cannot be written back", FD_PT, MSHV_ROOT_HVCALL, AT_RO,
	  HC(.code = HVCALL_GET_PARTITION_PROPERTY), EFAULT },
	/* mshv_vp_ioctl_get_set_state() */
	{ "VP state: argument unreadable", FD_VP, MSHV_GET_VP_STATE, AT_BAD, { .raw = { 0 } }, EFAULT },
	{ "VP state: type >= 5", FD_VP, MSHV_GET_VP_STATE, AT_RW,
	  { .st = { .type = 5, .buf_sz = 4096, .buf_ptr = P_RW } }, EINVAL },
	{ "VP state: reserved bytes", FD_VP, MSHV_GET_VP_STATE, AT_RW,
	  { .st = { .rsvd = { 1 }, .buf_sz = 4096, .buf_ptr = P_RW } }, EINVAL },
	{ "VP state: buf_sz 0", FD_VP, MSHV_GET_VP_STATE, AT_RW, { .st = { .buf_ptr = P_RW } }, EINVAL },
	{ "VP state: buf_sz not page aligned", FD_VP, MSHV_SET_VP_STATE, AT_RW,
	  { .st = { .buf_sz = 100, .buf_ptr = P_RW } }, EINVAL },
	{ "VP state: buf_ptr not page aligned", FD_VP, MSHV_GET_VP_STATE, AT_RW,
	  { .st = { .buf_sz = 4096, .buf_ptr = P_ODD } }, EINVAL },
	{ "VP state: buffer inaccessible", FD_VP, MSHV_GET_VP_STATE, AT_RW,
	  { .st = { .buf_sz = 4096, .buf_ptr = P_BAD } }, EFAULT },
	{ "VP state: LAPIC into a page", FD_VP, MSHV_GET_VP_STATE, AT_RW,
	  { .st = { .type = MSHV_VP_STATE_LAPIC, .buf_sz = 4096, .buf_ptr = P_RW } }, 0 },
	{ "VP: partition ioctls", FD_VP, MSHV_SET_GUEST_MEMORY, AT_RW, { .raw = { 0 } }, ENOTTY },
};

struct ctx {
	struct vm *vm, *fresh;
	struct vcpu *vcpu;
	uint8_t *rw, *ro, *bad, *edge;	/* 2 pages each; edge: RW then none */
	uint8_t *in;			/* P_IN */
};

static void ctx_init(struct ctx *c)
{
	c->vm = vm_create_default(1ull << MSHV_PT_BIT_LAPIC);
	c->fresh = vm_create(0);
	c->vcpu = vcpu_create(c->vm, 0);
	uint8_t *p = mmap(NULL, 9 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap");
	c->rw = p;
	c->ro = p + 2 * 4096;
	c->bad = p + 4 * 4096;
	c->edge = p + 6 * 4096;
	c->in = p + 8 * 4096;
	struct hv_input_get_partition_property gp = {
		.property_code = HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET,
	};
	memcpy(c->in, &gp, sizeof gp);
	TEST_ASSERT_OK(mprotect(c->ro, 2 * 4096, PROT_READ));
	TEST_ASSERT_OK(mprotect(c->bad, 2 * 4096, PROT_NONE));
	TEST_ASSERT_OK(mprotect(c->edge + 4096, 4096, PROT_NONE));
}

static int ctx_fd(const struct ctx *c, enum fdk k)
{
	switch (k) {
	case FD_DEV: return c->vm->sys_fd;
	case FD_PT: return c->vm->pt_fd;
	case FD_PT_NEW: return c->fresh->pt_fd;
	default: return c->vcpu->fd;
	}
}

static void patch(const struct ctx *c, uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (w[i]) {
		case P_RW: w[i] = (uintptr_t)c->rw; break;
		case P_RO: w[i] = (uintptr_t)c->ro; break;
		case P_BAD: w[i] = (uintptr_t)c->bad; break;
		case P_ODD: w[i] = (uintptr_t)c->rw + 8; break;
		case P_IN: w[i] = (uintptr_t)c->in; break;
		}
	}
}

/* The argument laid out as the row says; returns the pointer to pass. */
static void *place_arg(const struct ctx *c, const union rule_arg *a, enum place at,
		       union rule_arg *buf)
{
	*buf = *a;
	patch(c, buf->raw, sizeof buf->raw / 8);
	switch (at) {
	case AT_RW:
		return buf;
	case AT_RO:
		TEST_ASSERT_OK(mprotect(c->ro, 4096, PROT_READ | PROT_WRITE));
		memcpy(c->ro + 4096 - sizeof *buf, buf, sizeof *buf);
		TEST_ASSERT_OK(mprotect(c->ro, 4096, PROT_READ));
		return c->ro + 4096 - sizeof *buf;
	case AT_BAD:
		return c->bad;
	case AT_EDGE:
		memcpy(c->edge + 4096 - 8, buf, 8);
		return c->edge + 4096 - 8;
	}
	return NULL;
}

TEST(ioctl_rules)
{
	struct ctx c;

	ctx_init(&c);
	for (size_t i = 0; i < sizeof ioctl_table / sizeof ioctl_table[0]; i++) {
		const struct ioctl_rule *r = &ioctl_table[i];
		union rule_arg buf;
		void *arg = place_arg(&c, &r->a, r->at, &buf);

		errno = 0;
		int ret = ioctl(ctx_fd(&c, r->fd), r->req, arg);
		int e = errno;
		if (ret >= 0 && (r->req == MSHV_CREATE_PARTITION || r->req == MSHV_CREATE_VP))
			close(ret);
		TEST_ASSERT(r->err ? ret == -1 && e == r->err : ret >= 0,
			    "rule \"%s\" (%s fd): ret %d errno %s, expected %s", r->rule,
			    fdk_names[r->fd], ret, ret < 0 ? strerror(e) : "-",
			    r->err ? strerror(r->err) : "success");
	}
	vcpu_destroy(c.vcpu);
	vm_destroy(c.fresh);
	vm_destroy(c.vm);
}

/* ---- hypercalls: status, reps and what comes back ---- */

enum outp { OUT_NONE, OUT_BUF };

struct hv_rule {
	const char *rule;
	enum fdk fd;
	uint16_t code, reps;
	uint64_t in[4];		/* in[0] is the partition id the driver writes */
	uint16_t in_sz;
	enum outp out;
	uint16_t out_sz;
	int err;
	uint16_t status;
	int reps_back;		/* -1: not checked */
	uint64_t out0;		/* first output word, masked to out_sz bytes */
};

#define PROP(code) ((uint64_t)(code))
#define REGS2(a, b) ((uint64_t)(a) | (uint64_t)(b) << 32)

static const struct hv_rule hv_table[] = {
	/* The driver gives the hypervisor a whole output page and copies
	 * out_sz bytes back (mshv_ioctl_passthru_hvcall()). */
	{ "GET_PARTITION_PROPERTY with out_sz 4", FD_PT, HVCALL_GET_PARTITION_PROPERTY, 0,
	  { 0, PROP(HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET) }, 16, OUT_BUF, 4, 0, 0, 0, 1 },
	{ "GET_PARTITION_PROPERTY without an output buffer", FD_PT, HVCALL_GET_PARTITION_PROPERTY,
	  0, { 0, PROP(HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET) }, 16, OUT_NONE, 0, 0, 0, 0, 0 },
	{ "GET_PARTITION_PROPERTY_EX with out_sz 8", FD_DEV, HVCALL_GET_PARTITION_PROPERTY_EX, 0,
	  { 0, PROP(HV_PARTITION_PROPERTY_VMM_CAPABILITIES) }, 24, OUT_BUF, 8, 0, 0, 0, 1 },
	{ "GET_VP_REGISTERS: 2 reps, out_sz for 1", FD_VP, HVCALL_GET_VP_REGISTERS, 2,
	  { 0, 0, REGS2(HV_X64_REGISTER_RIP, HV_X64_REGISTER_CR0) }, 24, OUT_BUF, 16,
	  0, 0, 2, 0xfff0 },
	{ "GET_VP_REGISTERS: reps 0", FD_VP, HVCALL_GET_VP_REGISTERS, 0,
	  { 0, 0, REGS2(HV_X64_REGISTER_RIP, 0) }, 20, OUT_BUF, 16,
	  EINVAL, HV_STATUS_INVALID_HYPERCALL_INPUT, 0, 0 },
	{ "GET_VP_REGISTERS: stops at an unknown name", FD_VP, HVCALL_GET_VP_REGISTERS, 2,
	  { 0, 0, REGS2(HV_X64_REGISTER_RIP, 0x7fffffff) }, 24, OUT_BUF, 32,
	  EINVAL, HV_STATUS_INVALID_PARAMETER, 1, 0 },
	{ "GET_VP_REGISTERS: unknown VP", FD_PT, HVCALL_GET_VP_REGISTERS, 1,
	  { 0, 7, REGS2(HV_X64_REGISTER_RIP, 0) }, 20, OUT_BUF, 16,
	  EINVAL, HV_STATUS_INVALID_VP_INDEX, 0, 0 },
	{ "a non-rep call with reps", FD_PT, HVCALL_GET_PARTITION_PROPERTY, 1,
	  { 0, PROP(HV_PARTITION_PROPERTY_PROCESSORS_PER_SOCKET) }, 16, OUT_BUF, 8,
	  EINVAL, HV_STATUS_INVALID_HYPERCALL_INPUT, 0, 0 },
	{ "SET_PARTITION_PROPERTY: PRIVILEGE_FLAGS after initialization", FD_PT,
	  HVCALL_SET_PARTITION_PROPERTY, 0, { 0, PROP(HV_PARTITION_PROPERTY_PRIVILEGE_FLAGS), 1 },
	  24, OUT_NONE, 0, EIO, HV_STATUS_INVALID_PARTITION_STATE, 0, 0 },
	{ "SET_PARTITION_PROPERTY: SYNTHETIC_PROC_FEATURES after initialization", FD_PT,
	  HVCALL_SET_PARTITION_PROPERTY, 0,
	  { 0, PROP(HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 1 },
	  24, OUT_NONE, 0, EIO, HV_STATUS_INVALID_PARTITION_STATE, 0, 0 },
	{ "SET_PARTITION_PROPERTY: SYNTHETIC_PROC_FEATURES before", FD_PT_NEW,
	  HVCALL_SET_PARTITION_PROPERTY, 0,
	  { 0, PROP(HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES), 1 },
	  24, OUT_NONE, 0, 0, 0, 0, 0 },
	{ "SET_PARTITION_PROPERTY: a host property", FD_PT, HVCALL_SET_PARTITION_PROPERTY, 0,
	  { 0, PROP(HV_PARTITION_PROPERTY_PROCESSOR_VENDOR), 1 },
	  24, OUT_NONE, 0, EIO, HV_STATUS_ACCESS_DENIED, 0, 0 },
	{ "SET_PARTITION_PROPERTY: an unknown property", FD_PT, HVCALL_SET_PARTITION_PROPERTY, 0,
	  { 0, 0x7fff0000, 1 }, 24, OUT_NONE, 0, EIO, HV_STATUS_UNKNOWN_PROPERTY, 0, 0 },
	{ "GET_PARTITION_PROPERTY: a partition property on /dev/mshv", FD_DEV,
	  HVCALL_GET_PARTITION_PROPERTY, 0, { 0, PROP(HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES) },
	  16, OUT_BUF, 8, EIO, HV_STATUS_UNKNOWN_PROPERTY, 0, 0 },
};

TEST(hvcall_rules)
{
	struct ctx c;

	ctx_init(&c);
	for (size_t i = 0; i < sizeof hv_table / sizeof hv_table[0]; i++) {
		const struct hv_rule *r = &hv_table[i];
		uint64_t in[4], out[512];
		uint16_t st = 0xffff, reps = 0xffff;

		memcpy(in, r->in, sizeof in);
		memset(out, 0xaa, sizeof out);
		int ret = hvcall_ex(ctx_fd(&c, r->fd), r->code, r->reps, in, r->in_sz,
				    r->out == OUT_BUF ? out : NULL, r->out_sz, &st, &reps);
		int e = errno;
		TEST_ASSERT(r->err ? ret == -1 && e == r->err : ret == 0,
			    "rule \"%s\": ret %d errno %s, expected %s", r->rule, ret,
			    ret < 0 ? strerror(e) : "-", r->err ? strerror(r->err) : "success");
		TEST_ASSERT(st == r->status, "rule \"%s\": status %#x, expected %#x", r->rule, st,
			    r->status);
		if (r->reps_back >= 0)
			TEST_ASSERT(reps == r->reps_back, "rule \"%s\": reps %u, expected %d",
				    r->rule, reps, r->reps_back);
		if (r->out != OUT_BUF || r->err)
			continue;
		uint8_t *o = (uint8_t *)out;
		uint64_t w = 0;
		memcpy(&w, o, r->out_sz < 8 ? r->out_sz : 8);
		TEST_ASSERT(w == r->out0, "rule \"%s\": output %#llx, expected %#llx", r->rule,
			    (unsigned long long)w, (unsigned long long)r->out0);
		TEST_ASSERT(o[r->out_sz] == 0xaa, "rule \"%s\": more than out_sz bytes copied",
			    r->rule);
	}
	vcpu_destroy(c.vcpu);
	vm_destroy(c.fresh);
	vm_destroy(c.vm);
}

/* ---- synthetic registers: the values the hypervisor accepts ---- */

struct reg_rule {
	const char *rule;
	uint32_t name;
	uint64_t value;
	uint16_t status;
};

static const struct reg_rule reg_table[] = {
	{ "EXPLICIT_SUSPEND: bit 0", HV_REGISTER_EXPLICIT_SUSPEND, 1, 0 },
	{ "EXPLICIT_SUSPEND: reserved bits", HV_REGISTER_EXPLICIT_SUSPEND, 2,
	  HV_STATUS_INVALID_PARAMETER },
	{ "INTERCEPT_SUSPEND: reserved bits", HV_REGISTER_INTERCEPT_SUSPEND, 1ull << 63,
	  HV_STATUS_INVALID_PARAMETER },
	{ "DISPATCH_SUSPEND: bit 0", HV_REGISTER_DISPATCH_SUSPEND, 1, 0 },
	{ "DISPATCH_SUSPEND: reserved bits", HV_REGISTER_DISPATCH_SUSPEND, 3,
	  HV_STATUS_INVALID_PARAMETER },
	{ "DELIVERABILITY_NOTIFICATIONS: NMI, interrupt, priority, SINTs",
	  HV_REGISTER_DELIVERABILITY_NOTIFICATIONS, 0xffff00000000003full, 0 },
	{ "DELIVERABILITY_NOTIFICATIONS: reserved bits 6-47",
	  HV_REGISTER_DELIVERABILITY_NOTIFICATIONS, 1ull << 6, HV_STATUS_INVALID_PARAMETER },
	{ "DELIVERABILITY_NOTIFICATIONS: reserved bit 47",
	  HV_REGISTER_DELIVERABILITY_NOTIFICATIONS, 1ull << 47, HV_STATUS_INVALID_PARAMETER },
	{ "GUEST_CRASH_CTL: crash_notify and crash_message", HV_REGISTER_GUEST_CRASH_CTL,
	  3ull << 62, 0 },
	{ "GUEST_CRASH_CTL: reserved bits", HV_REGISTER_GUEST_CRASH_CTL, 1,
	  HV_STATUS_INVALID_PARAMETER },
	{ "INTERNAL_ACTIVITY_STATE: reserved bits", HV_REGISTER_INTERNAL_ACTIVITY_STATE, 8,
	  HV_STATUS_INVALID_PARAMETER },
	{ "CR8: above 15", HV_X64_REGISTER_CR8, 16, HV_STATUS_INVALID_PARAMETER },
	{ "VP_INDEX: read-only", HV_REGISTER_VP_INDEX, 0, HV_STATUS_INVALID_PARAMETER },
};

TEST(register_rules)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	for (size_t i = 0; i < sizeof reg_table / sizeof reg_table[0]; i++) {
		const struct reg_rule *r = &reg_table[i];
		union hv_register_value v, back;
		uint16_t st = 0xffff;

		memset(&v, 0, sizeof v);
		v.reg64 = r->value;
		int ret = vp_set_registers(vcpu->fd, 0, &r->name, &v, 1, &st, NULL);
		TEST_ASSERT(st == r->status && (ret == 0) == (r->status == 0),
			    "rule \"%s\": ret %d status %#x, expected %#x", r->rule, ret, st,
			    r->status);
		if (r->status)
			continue;
		TEST_ASSERT_OK(vp_get_registers(vcpu->fd, 0, &r->name, &back, 1, NULL, NULL));
		TEST_ASSERT(back.reg64 == r->value, "rule \"%s\": reads back %#llx", r->rule,
			    (unsigned long long)back.reg64);
	}
	vm_destroy(vm);
}

/* A new VP is explicitly suspended; RUN_VP releases it and clears the
 * intercept suspend; an intercept leaves it intercept-suspended
 * (mshv_run_vp_with_root_scheduler(), docs/abi-hv.md §6). */
GUEST_CODE(suspend_guest,
	".code16\n"
	"out %al, $0x10\n"
	"out %al, $0x11\n"
	"hlt\n");

TEST(suspend_registers)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	struct hv_message msg;

	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND), 1);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERCEPT_SUSPEND), 0);
	GUEST_LOAD(vm, CODE_GPA, suspend_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND), 1);
	vcpu_run_io(vcpu, &msg);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERCEPT_SUSPEND), 1);
	vcpu_advance_rip(vcpu, &msg);
	/* Suspended again by the VMM: the next run releases it all the same. */
	vcpu_set_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND, 1);
	TEST_ASSERT_EQ(vcpu_run_io(vcpu, &msg)->port_number, 0x11);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_EXPLICIT_SUSPEND), 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERCEPT_SUSPEND), 1);
	/* The VMM may clear the intercept suspend itself. */
	vcpu_set_reg(vcpu, HV_REGISTER_INTERCEPT_SUSPEND, 0);
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_REGISTER_INTERCEPT_SUSPEND), 0);
	vm_destroy(vm);
}

TEST_MAIN(TEST_ENTRY(ioctl_rules), TEST_ENTRY(hvcall_rules), TEST_ENTRY(register_rules),
	  TEST_ENTRY(suspend_registers))
