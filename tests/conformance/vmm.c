/* SPDX-License-Identifier: MIT */
/*
 * Tiny VMM helper library for the /dev/mshv conformance tests.
 * UAPI only: open, ioctl, mmap.
 */
#include "vmm.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Device / partition                                                  */
/* ------------------------------------------------------------------ */

int mshv_open(int flags)
{
	const char *dev = getenv("MSHV_CONFORMANCE_DEVICE");
	int fd;

	if (!dev || !*dev)
		dev = "/dev/mshv";
	fd = open(dev, flags);
	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		test_skip("/dev/mshv not available");
	TEST_ASSERT(fd >= 0, "open(%s): %s", dev, strerror(errno));
	return fd;
}

static struct vm *vm_alloc(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "calloc");
	vm->sys_fd = mshv_open(O_RDWR | O_CLOEXEC);
	vm->pt_fd = -1;
	return vm;
}

struct vm *vm_create(uint64_t pt_flags)
{
	struct vm *vm = vm_alloc();
	struct mshv_create_partition args = {
		.pt_flags = pt_flags,
		.pt_isolation = MSHV_PT_ISOLATION_NONE,
	};

	vm->pt_flags = pt_flags;
	vm->pt_fd = ioctl(vm->sys_fd, MSHV_CREATE_PARTITION, &args);
	TEST_ASSERT(vm->pt_fd >= 0, "MSHV_CREATE_PARTITION: %s",
		    strerror(errno));
	return vm;
}

struct vm *vm_create_v2(uint64_t pt_flags, const uint64_t fbanks[2],
			uint64_t disabled_xsave)
{
	struct vm *vm = vm_alloc();
	struct mshv_create_partition_v2 args;

	memset(&args, 0, sizeof(args));
	args.pt_flags = pt_flags;
	args.pt_isolation = MSHV_PT_ISOLATION_NONE;
	args.pt_num_cpu_fbanks = MSHV_NUM_CPU_FEATURES_BANKS;
	args.pt_cpu_fbanks[0] = fbanks ? fbanks[0] : 0;
	args.pt_cpu_fbanks[1] = fbanks ? fbanks[1] : 0;
	args.pt_disabled_xsave = disabled_xsave;
	vm->pt_flags = pt_flags;
	vm->pt_fd = ioctl(vm->sys_fd, MSHV_CREATE_PARTITION, &args);
	TEST_ASSERT(vm->pt_fd >= 0, "MSHV_CREATE_PARTITION(v2): %s",
		    strerror(errno));
	return vm;
}

void vm_init(struct vm *vm)
{
	TEST_ASSERT_OK(ioctl(vm->pt_fd, MSHV_INITIALIZE_PARTITION));
}

/* QEMU's fixed synthetic feature mask (docs/abi-hv.md §9) */
#define DEFAULT_SYNTH_FEATURES 0x06400FFBull

struct vm *vm_create_default(uint64_t pt_flags)
{
	return vm_create_features(pt_flags, DEFAULT_SYNTH_FEATURES);
}

static struct vm *create_with_ram(uint64_t pt_flags, uint64_t synthetic_features, uint64_t ram_size)
{
	struct vm *vm = vm_create(pt_flags);

	vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES,
			synthetic_features);
	vm_init(vm);
	vm_add_memory(vm, 0, ram_size, MEM_RWX);
	vm_setup_gdt(vm);
	return vm;
}

struct vm *vm_create_features(uint64_t pt_flags, uint64_t synthetic_features)
{
	return create_with_ram(pt_flags, synthetic_features, LOW_MEM_SIZE);
}

struct vm *vm_create_default_ram(uint64_t pt_flags, uint64_t ram_size)
{
	return create_with_ram(pt_flags, DEFAULT_SYNTH_FEATURES, ram_size);
}

struct vm *vm_create_with_one_vcpu(uint64_t pt_flags, struct vcpu **vcpu)
{
	struct vm *vm = vm_create_default(pt_flags);

	*vcpu = vcpu_create(vm, 0);
	return vm;
}

void vm_destroy(struct vm *vm)
{
	while (vm->vcpus)
		vcpu_destroy(vm->vcpus);
	if (vm->pt_fd >= 0)
		close(vm->pt_fd);
	close(vm->sys_fd);
	for (int i = 0; i < vm->nr_regions; i++)
		if (vm->regions[i].owned)
			munmap(vm->regions[i].hva, vm->regions[i].size);
	free(vm);
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

int vm_set_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva,
		  uint8_t flags)
{
	struct mshv_user_mem_region r;

	memset(&r, 0, sizeof(r));
	r.size = size;
	r.guest_pfn = gpa >> 12;
	r.userspace_addr = (uint64_t)(uintptr_t)hva;
	r.flags = flags;
	return ioctl(vm->pt_fd, MSHV_SET_GUEST_MEMORY, &r);
}

/*
 * Guest RAM is shared anonymous memory, or with MSHV_TEST_PRIVATE_RAM=1
 * private anonymous memory, the default of QEMU and Cloud Hypervisor (over
 * CUSE, "mshv-emu run --cuse" makes it shared at registration).
 */
static int ram_sharing(void)
{
	const char *e = getenv("MSHV_TEST_PRIVATE_RAM");

	return e && *e == '1' ? MAP_PRIVATE : MAP_SHARED;
}

void *vm_add_memory(struct vm *vm, uint64_t gpa, uint64_t size,
		    uint8_t mem_flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       ram_sharing() | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap %#llx bytes: %s",
		    (unsigned long long)size, strerror(errno));
	TEST_ASSERT(vm->nr_regions < VM_MAX_REGIONS, "too many regions");
	TEST_ASSERT(vm_set_memory(vm, gpa, size, p, mem_flags) == 0,
		    "SET_GUEST_MEMORY gpa %#llx size %#llx flags %#x: %s",
		    (unsigned long long)gpa, (unsigned long long)size,
		    mem_flags, strerror(errno));
	vm->regions[vm->nr_regions++] = (struct vm_region){
		.gpa = gpa, .size = size, .hva = p, .flags = mem_flags,
		.owned = true,
	};
	return p;
}

void *vm_gpa2hva(struct vm *vm, uint64_t gpa)
{
	for (int i = 0; i < vm->nr_regions; i++) {
		struct vm_region *r = &vm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return (uint8_t *)r->hva + (gpa - r->gpa);
	}
	TEST_ASSERT(0, "gpa %#llx not mapped", (unsigned long long)gpa);
	return NULL;
}

void vm_load(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	memcpy(vm_gpa2hva(vm, gpa), src, len);
}

void vm_setup_gdt(struct vm *vm)
{
	uint64_t *gdt = vm_gpa2hva(vm, GDT_GPA);

	gdt[0] = 0;
	gdt[SEL_CODE64 / 8] = 0x00af9b000000ffffull;	/* 64-bit code */
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffull;	/* flat data */
	gdt[SEL_CODE32 / 8] = 0x00cf9b000000ffffull;	/* 32-bit code */
	gdt[SEL_CODE16 / 8] = 0x00009b000000ffffull;	/* 16-bit code */
	gdt[SEL_DATA16 / 8] = 0x000093000000ffffull;	/* 16-bit data */
}

static uint64_t pt_alloc(struct vm *vm)
{
	TEST_ASSERT(vm->pt_pool_used < PT_POOL_PAGES, "page-table pool full");
	uint64_t gpa = PT_POOL_GPA + PAGE_SIZE_4K * vm->pt_pool_used++;

	memset(vm_gpa2hva(vm, gpa), 0, PAGE_SIZE_4K);
	return gpa;
}

void vm_set_gate(struct vm *vm, uint64_t idt, unsigned vec, uint64_t handler, unsigned type,
		 unsigned dpl, unsigned ist)
{
	uint32_t *g = vm_gpa2hva(vm, idt + 16 * vec);

	g[0] = (uint32_t)(handler & 0xffff) | ((uint32_t)SEL_CODE64 << 16);
	g[1] = (uint32_t)(handler & 0xffff0000u) | 0x8000u | (dpl << 13) | (type << 8) | ist;
	g[2] = (uint32_t)(handler >> 32);
	g[3] = 0;
}

void vm_set_gate64(struct vm *vm, uint64_t idt, unsigned vec, uint64_t handler)
{
	vm_set_gate(vm, idt, vec, handler, GATE_INTR, 0, 0);
}

void vm_map_page(struct vm *vm, uint64_t va, uint64_t gpa, uint64_t pte_flags)
{
	uint64_t table = vm->pml4_gpa;

	TEST_ASSERT(table, "vm_setup_paging() not called");
	for (int level = 3; level >= 1; level--) {
		uint64_t *t = vm_gpa2hva(vm, table);
		unsigned idx = (va >> (12 + 9 * level)) & 511;

		if (!(t[idx] & PTE_P))
			t[idx] = pt_alloc(vm) | PTE_P | PTE_W | PTE_U;
		TEST_ASSERT(!(t[idx] & PTE_PS), "large page in the way");
		table = t[idx] & 0x000ffffffffff000ull;
	}
	uint64_t *pt = vm_gpa2hva(vm, table);

	pt[(va >> 12) & 511] = (gpa & ~0xfffull) | pte_flags | PTE_P;
}

void vm_setup_paging(struct vm *vm)
{
	if (vm->pml4_gpa)
		return;
	vm->pml4_gpa = pt_alloc(vm);
	for (uint64_t a = 0; a < 0x200000; a += PAGE_SIZE_4K)
		vm_map_page(vm, a, a, PTE_W);
}

/* ------------------------------------------------------------------ */
/* Hypercalls                                                          */
/* ------------------------------------------------------------------ */

int hvcall_ex(int fd, uint16_t code, uint16_t reps, const void *in,
	      size_t in_sz, void *out, size_t out_sz, uint16_t *status,
	      uint16_t *reps_done)
{
	struct mshv_root_hvcall args;
	int ret, saved;

	memset(&args, 0, sizeof(args));
	args.code = code;
	args.reps = reps;
	args.in_sz = (uint16_t)in_sz;
	args.out_sz = (uint16_t)out_sz;
	args.in_ptr = (uint64_t)(uintptr_t)in;
	args.out_ptr = (uint64_t)(uintptr_t)out;
	ret = ioctl(fd, MSHV_ROOT_HVCALL, &args);
	saved = errno;
	if (status)
		*status = args.status;
	if (reps_done)
		*reps_done = args.reps;
	errno = saved;
	return ret;
}

int hvcall(int fd, uint16_t code, uint16_t reps, const void *in,
	   size_t in_sz, void *out, size_t out_sz, uint16_t *status)
{
	return hvcall_ex(fd, code, reps, in, in_sz, out, out_sz, status, NULL);
}

struct prop_in {
	uint64_t partition_id;
	uint32_t property_code;
	uint32_t padding;
	uint64_t value;
};

uint64_t vm_get_property(struct vm *vm, uint32_t code)
{
	struct prop_in in = { .property_code = code };
	uint64_t out = 0;
	uint16_t status = 0xffff;
	int ret = hvcall(vm->pt_fd, HVCALL_GET_PARTITION_PROPERTY, 0, &in, 16,
			 &out, sizeof(out), &status);

	TEST_ASSERT(ret == 0 && status == 0,
		    "GET_PARTITION_PROPERTY(%#x): ret %d errno %s status %#x",
		    code, ret, strerror(errno), status);
	return out;
}

void vm_set_property(struct vm *vm, uint32_t code, uint64_t value)
{
	struct prop_in in = { .property_code = code, .value = value };
	uint16_t status = 0xffff;
	int ret = hvcall(vm->pt_fd, HVCALL_SET_PARTITION_PROPERTY, 0, &in,
			 sizeof(in), NULL, 0, &status);

	TEST_ASSERT(ret == 0 && status == 0,
		    "SET_PARTITION_PROPERTY(%#x, %#llx): ret %d errno %s status %#x",
		    code, (unsigned long long)value, ret, strerror(errno),
		    status);
}

/* ------------------------------------------------------------------ */
/* VPs and registers                                                   */
/* ------------------------------------------------------------------ */

struct vcpu *vcpu_create(struct vm *vm, uint32_t index)
{
	struct mshv_create_vp args = { .vp_index = index };
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	void *p;

	TEST_ASSERT(vcpu, "calloc");
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = ioctl(vm->pt_fd, MSHV_CREATE_VP, &args);
	TEST_ASSERT(vcpu->fd >= 0, "MSHV_CREATE_VP(%u): %s", index,
		    strerror(errno));
	p = mmap(NULL, PAGE_SIZE_4K, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vcpu->fd, MSHV_VP_MMAP_OFFSET_REGISTERS * sysconf(_SC_PAGESIZE));
	if (p == MAP_FAILED) {
		TEST_ASSERT(errno == ENODEV, "mmap register page: %s",
			    strerror(errno));
		vcpu->regpage = NULL;
	} else {
		vcpu->regpage = p;
	}
	vcpu->next = vm->vcpus;
	vm->vcpus = vcpu;
	return vcpu;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	struct vcpu **p = &vcpu->vm->vcpus;

	while (*p && *p != vcpu)
		p = &(*p)->next;
	if (*p)
		*p = vcpu->next;
	if (vcpu->regpage)
		munmap(vcpu->regpage, PAGE_SIZE_4K);
	close(vcpu->fd);
	free(vcpu);
}

/* 16-byte header shared by GET/SET_VP_REGISTERS input */
struct vp_regs_hdr {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd8;
	uint16_t rsvd16;
} __attribute__((packed));

int vp_get_registers(int fd, uint32_t vp_index, const uint32_t *names,
		     union hv_register_value *vals, unsigned n, uint16_t *status,
		     uint16_t *reps_done)
{
	size_t in_sz = sizeof(struct vp_regs_hdr) + 4 * n;
	uint8_t *in = calloc(1, in_sz);
	struct vp_regs_hdr *h = (void *)in;
	int ret, saved;

	TEST_ASSERT(in, "calloc");
	h->vp_index = vp_index;
	memcpy(in + sizeof(*h), names, 4 * n);
	ret = hvcall_ex(fd, HVCALL_GET_VP_REGISTERS, (uint16_t)n, in, in_sz,
			vals, sizeof(*vals) * n, status, reps_done);
	saved = errno;
	free(in);
	errno = saved;
	return ret;
}

int vp_set_registers(int fd, uint32_t vp_index, const uint32_t *names,
		     const union hv_register_value *vals, unsigned n, uint16_t *status,
		     uint16_t *reps_done)
{
	size_t in_sz = sizeof(struct vp_regs_hdr) +
		       sizeof(struct hv_register_assoc) * n;
	uint8_t *in = calloc(1, in_sz);
	struct vp_regs_hdr *h = (void *)in;
	struct hv_register_assoc *a =
		(struct hv_register_assoc *)(in + sizeof(*h));
	int ret, saved;

	TEST_ASSERT(in, "calloc");
	h->vp_index = vp_index;
	for (unsigned i = 0; i < n; i++) {
		a[i].name = names[i];
		memcpy(&a[i].value, &vals[i], sizeof(vals[i]));
	}
	ret = hvcall_ex(fd, HVCALL_SET_VP_REGISTERS, (uint16_t)n, in, in_sz,
			NULL, 0, status, reps_done);
	saved = errno;
	free(in);
	errno = saved;
	return ret;
}

void vcpu_get_regs(struct vcpu *vcpu, const uint32_t *names,
		   union hv_register_value *vals, unsigned n)
{
	uint16_t status = 0xffff, done = 0;
	int ret = vp_get_registers(vcpu->fd, vcpu->index, names, vals, n, &status, &done);

	TEST_ASSERT(ret == 0 && status == 0 && done == n,
		    "GET_VP_REGISTERS(%#x, n=%u): ret %d errno %s status %#x reps %u",
		    names[0], n, ret, strerror(errno), status, done);
}

void vcpu_set_regs(struct vcpu *vcpu, const uint32_t *names,
		   const union hv_register_value *vals, unsigned n)
{
	uint16_t status = 0xffff, done = 0;
	int ret = vp_set_registers(vcpu->fd, vcpu->index, names, vals, n, &status, &done);

	TEST_ASSERT(ret == 0 && status == 0 && done == n,
		    "SET_VP_REGISTERS(%#x, n=%u): ret %d errno %s status %#x reps %u",
		    names[0], n, ret, strerror(errno), status, done);
}

uint64_t vcpu_get_reg(struct vcpu *vcpu, uint32_t name)
{
	union hv_register_value v;

	memset(&v, 0, sizeof(v));
	vcpu_get_regs(vcpu, &name, &v, 1);
	return v.reg64;
}

void vcpu_get_reg128(struct vcpu *vcpu, uint32_t name,
		     union hv_register_value *val)
{
	vcpu_get_regs(vcpu, &name, val, 1);
}

void vcpu_set_reg(struct vcpu *vcpu, uint32_t name, uint64_t value)
{
	union hv_register_value v;

	memset(&v, 0, sizeof(v));
	v.reg64 = value;
	vcpu_set_regs(vcpu, &name, &v, 1);
}

void vcpu_set_reg128(struct vcpu *vcpu, uint32_t name,
		     const union hv_register_value *val)
{
	vcpu_set_regs(vcpu, &name, val, 1);
}

static void seg_val(union hv_register_value *v, uint16_t sel, uint64_t base,
		    uint32_t limit, uint16_t attr)
{
	memset(v, 0, sizeof(*v));
	v->segment.base = base;
	v->segment.limit = limit;
	v->segment.selector = sel;
	v->segment.attributes = attr;
}

void vcpu_set_segment(struct vcpu *vcpu, uint32_t name, uint16_t sel,
		      uint64_t base, uint32_t limit, uint16_t attr)
{
	union hv_register_value v;

	seg_val(&v, sel, base, limit, attr);
	vcpu_set_regs(vcpu, &name, &v, 1);
}

void vcpu_set_table(struct vcpu *vcpu, uint32_t name, uint64_t base,
		    uint16_t limit)
{
	union hv_register_value v;

	memset(&v, 0, sizeof(v));
	v.table.base = base;
	v.table.limit = limit;
	vcpu_set_reg128(vcpu, name, &v);
}

void vcpu_get_segment(struct vcpu *vcpu, uint32_t name,
		      struct hv_x64_segment_register *seg)
{
	union hv_register_value v;

	vcpu_get_regs(vcpu, &name, &v, 1);
	memcpy(seg, &v.segment, sizeof(*seg));
}

/* ------------------------------------------------------------------ */
/* Mode setup                                                          */
/* ------------------------------------------------------------------ */

#define NREGS_MAX 32

struct regset {
	uint32_t names[NREGS_MAX];
	union hv_register_value vals[NREGS_MAX];
	unsigned n;
};

static void rs_add(struct regset *rs, uint32_t name, uint64_t v)
{
	TEST_ASSERT(rs->n < NREGS_MAX, "regset full");
	rs->names[rs->n] = name;
	memset(&rs->vals[rs->n], 0, sizeof(rs->vals[0]));
	rs->vals[rs->n].reg64 = v;
	rs->n++;
}

static void rs_seg(struct regset *rs, uint32_t name, uint16_t sel,
		   uint64_t base, uint32_t limit, uint16_t attr)
{
	TEST_ASSERT(rs->n < NREGS_MAX, "regset full");
	rs->names[rs->n] = name;
	seg_val(&rs->vals[rs->n], sel, base, limit, attr);
	rs->n++;
}

static void rs_table(struct regset *rs, uint32_t name, uint64_t base,
		     uint16_t limit)
{
	TEST_ASSERT(rs->n < NREGS_MAX, "regset full");
	rs->names[rs->n] = name;
	memset(&rs->vals[rs->n], 0, sizeof(rs->vals[0]));
	rs->vals[rs->n].table.base = base;
	rs->vals[rs->n].table.limit = limit;
	rs->n++;
}

static const uint32_t data_segs[] = {
	HV_X64_REGISTER_DS, HV_X64_REGISTER_ES, HV_X64_REGISTER_SS,
	HV_X64_REGISTER_FS, HV_X64_REGISTER_GS,
};

void vcpu_setup_real_mode(struct vcpu *vcpu, uint16_t cs, uint16_t ip)
{
	struct regset rs = { .n = 0 };

	rs_seg(&rs, HV_X64_REGISTER_CS, cs, (uint64_t)cs << 4, 0xffff, 0x9b);
	for (unsigned i = 0; i < 5; i++)
		rs_seg(&rs, data_segs[i], 0, 0, 0xffff, 0x93);
	rs_table(&rs, HV_X64_REGISTER_GDTR, GDT_GPA, 6 * 8 - 1);
	rs_table(&rs, HV_X64_REGISTER_IDTR, 0, 0x3ff);
	rs_add(&rs, HV_X64_REGISTER_CR0, X86_CR0_ET);
	rs_add(&rs, HV_X64_REGISTER_CR4, 0);
	rs_add(&rs, HV_X64_REGISTER_EFER, 0);
	rs_add(&rs, HV_X64_REGISTER_RIP, ip);
	rs_add(&rs, HV_X64_REGISTER_RSP, STACK_TOP);
	rs_add(&rs, HV_X64_REGISTER_RFLAGS, 0x2);
	/* Runnable now, like a VMM that starts an AP itself. */
	rs_add(&rs, HV_REGISTER_INTERNAL_ACTIVITY_STATE, 0);
	vcpu_set_regs(vcpu, rs.names, rs.vals, rs.n);
}

void vcpu_setup_protected_mode(struct vcpu *vcpu, uint32_t eip, uint32_t esp)
{
	struct regset rs = { .n = 0 };

	vm_setup_gdt(vcpu->vm);
	rs_seg(&rs, HV_X64_REGISTER_CS, SEL_CODE32, 0, 0xffffffff, 0xc09b);
	for (unsigned i = 0; i < 5; i++)
		rs_seg(&rs, data_segs[i], SEL_DATA, 0, 0xffffffff, 0xc093);
	rs_table(&rs, HV_X64_REGISTER_GDTR, GDT_GPA, 6 * 8 - 1);
	rs_table(&rs, HV_X64_REGISTER_IDTR, 0, 0);
	rs_add(&rs, HV_X64_REGISTER_CR0, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	rs_add(&rs, HV_X64_REGISTER_CR4, 0);
	rs_add(&rs, HV_X64_REGISTER_EFER, 0);
	rs_add(&rs, HV_X64_REGISTER_RIP, eip);
	rs_add(&rs, HV_X64_REGISTER_RSP, esp);
	rs_add(&rs, HV_X64_REGISTER_RFLAGS, 0x2);
	/* Runnable now, like a VMM that starts an AP itself. */
	rs_add(&rs, HV_REGISTER_INTERNAL_ACTIVITY_STATE, 0);
	vcpu_set_regs(vcpu, rs.names, rs.vals, rs.n);
}

void vcpu_setup_long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsp)
{
	struct regset rs = { .n = 0 };

	vm_setup_gdt(vcpu->vm);
	vm_setup_paging(vcpu->vm);
	rs_seg(&rs, HV_X64_REGISTER_CS, SEL_CODE64, 0, 0xffffffff, 0xa09b);
	for (unsigned i = 0; i < 5; i++)
		rs_seg(&rs, data_segs[i], SEL_DATA, 0, 0xffffffff, 0xc093);
	rs_table(&rs, HV_X64_REGISTER_GDTR, GDT_GPA, 6 * 8 - 1);
	rs_table(&rs, HV_X64_REGISTER_IDTR, 0, 0);
	rs_add(&rs, HV_X64_REGISTER_CR3, vcpu->vm->pml4_gpa);
	rs_add(&rs, HV_X64_REGISTER_CR4,
	       X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	rs_add(&rs, HV_X64_REGISTER_EFER,
	       X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE);
	rs_add(&rs, HV_X64_REGISTER_CR0,
	       X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
	       X86_CR0_WP | X86_CR0_PG);
	rs_add(&rs, HV_X64_REGISTER_RIP, rip);
	rs_add(&rs, HV_X64_REGISTER_RSP, rsp);
	rs_add(&rs, HV_X64_REGISTER_RFLAGS, 0x2);
	/* Runnable now, like a VMM that starts an AP itself. */
	rs_add(&rs, HV_REGISTER_INTERNAL_ACTIVITY_STATE, 0);
	vcpu_set_regs(vcpu, rs.names, rs.vals, rs.n);
}

uint64_t dev_assignable_features(void)
{
	struct hv_input_get_partition_property_ex in;
	uint8_t *out = calloc(1, 4072);
	uint16_t st = 0;
	uint64_t v;
	int fd = mshv_open(O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	TEST_ASSERT(out, "calloc");
	memset(&in, 0, sizeof(in));
	in.property_code = HV_PARTITION_PROPERTY_ASSIGNABLE_SYNTHETIC_PROC_FEATURES;
	TEST_ASSERT_OK(hvcall(fd, HVCALL_GET_PARTITION_PROPERTY_EX, 0, &in, sizeof(in),
			      out, 4072, &st));
	memcpy(&v, out + 8, 8);	/* where rust-vmm reads it */
	free(out);
	close(fd);
	return v;
}
