/* SPDX-License-Identifier: MIT */
/*
 * demo-vmm: the smallest useful VMM for /dev/mshv.
 *
 * Creates a partition, gives it 2 MiB of RAM, loads a tiny 16-bit
 * real-mode guest that prints a greeting through a 16550-style serial
 * port (polling the line-status register like a real driver), and
 * emulates that port until the guest halts.
 *
 * Written against the kernel UAPI only (open/ioctl/mmap on /dev/mshv), so
 * it runs unchanged on a real Hyper-V root partition and, through
 * "mshv-emu run --" (or "mshv-emu demo"), on the mshv-emu software
 * hypervisor.  Exit status: 0 after HVMSG_X64_HALT, 1 on anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>

#define MEM_SIZE	(2u << 20)
#define LOAD_ADDR	0x1000u

#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20	/* transmit holding register empty */

/*
 * The guest: for each character, wait until LSR.THRE is set, then write
 * it to THR.  Runs at CS:IP = 0000:1000 with DS = 0.
 */
extern const uint8_t demo_guest_start[], demo_guest_end[];
__asm__(
	".pushsection .rodata.guest,\"a\"\n"
	".globl demo_guest_start\n.hidden demo_guest_start\n"
	".globl demo_guest_end\n.hidden demo_guest_end\n"
	"demo_guest_start:\n"
	".code16\n"
	".set DEMO_BASE, 0x1000\n"
	"	cld\n"
	"	movw $(DEMO_BASE + (demo_msg - demo_guest_start)), %si\n"
	"demo_next:\n"
	"	lodsb\n"
	"	testb %al, %al\n"
	"	jz demo_done\n"
	"	movb %al, %bl\n"
	"	movw $0x3fd, %dx\n"
	"demo_wait:\n"
	"	inb %dx, %al\n"
	"	testb $0x20, %al\n"
	"	jz demo_wait\n"
	"	movw $0x3f8, %dx\n"
	"	movb %bl, %al\n"
	"	outb %al, %dx\n"
	"	jmp demo_next\n"
	"demo_done:\n"
	"	hlt\n"
	"	jmp demo_done\n"
	"demo_msg:\n"
	"	.asciz \"Hello from a guest running on mshv-emu!\\n\"\n"
	"demo_guest_end:\n"
	".code64\n"
	".popsection\n");

static int hvcall(int fd, uint16_t code, uint16_t reps, void *in,
		  size_t in_sz, void *out, size_t out_sz)
{
	struct mshv_root_hvcall args;
	int ret;

	memset(&args, 0, sizeof(args));
	args.code = code;
	args.reps = reps;
	args.in_sz = (uint16_t)in_sz;
	args.out_sz = (uint16_t)out_sz;
	args.in_ptr = (uintptr_t)in;
	args.out_ptr = (uintptr_t)out;
	ret = ioctl(fd, MSHV_ROOT_HVCALL, &args);
	if (ret < 0)
		fprintf(stderr, "demo-vmm: hypercall %#x failed: %s (status %#x)\n",
			code, strerror(errno), args.status);
	else if (reps && args.reps != reps) {
		fprintf(stderr, "demo-vmm: hypercall %#x completed %u of %u reps\n",
			code, args.reps, reps);
		ret = -1;
	}
	return ret;
}

#define MAX_REGS 16

struct reg_batch {
	struct hv_input_set_vp_registers hdr;
	struct hv_register_assoc regs[MAX_REGS];
};

static void add_reg(struct reg_batch *b, unsigned *n, uint32_t name,
		    uint64_t value)
{
	memset(&b->regs[*n], 0, sizeof(b->regs[*n]));
	b->regs[*n].name = name;
	b->regs[*n].value.reg64 = value;
	(*n)++;
}

static void add_seg(struct reg_batch *b, unsigned *n, uint32_t name,
		    uint16_t sel, uint16_t attr)
{
	memset(&b->regs[*n], 0, sizeof(b->regs[*n]));
	b->regs[*n].name = name;
	b->regs[*n].value.segment.base = (uint64_t)sel << 4;
	b->regs[*n].value.segment.limit = 0xffff;
	b->regs[*n].value.segment.selector = sel;
	b->regs[*n].value.segment.attributes = attr;
	(*n)++;
}

static int set_regs(int vp_fd, uint32_t vp_index, struct reg_batch *b,
		    unsigned n)
{
	b->hdr.partition_id = 0;	/* filled in by the kernel */
	b->hdr.vp_index = vp_index;
	return hvcall(vp_fd, HVCALL_SET_VP_REGISTERS, (uint16_t)n, b,
		      sizeof(b->hdr) + n * sizeof(b->regs[0]), NULL, 0);
}

/* Complete an I/O exit: optionally merge an IN result, step over it. */
static int complete_io(int vp_fd, const struct hv_x64_io_port_intercept_message *io,
		       int is_in, uint8_t value)
{
	struct reg_batch b = { 0 };
	unsigned n = 0;

	add_reg(&b, &n, HV_X64_REGISTER_RIP,
		io->header.rip + io->header.instruction_length);
	if (is_in)
		add_reg(&b, &n, HV_X64_REGISTER_RAX, (io->rax & ~0xffull) | value);
	return set_regs(vp_fd, io->header.vp_index, &b, n);
}

int main(void)
{
	struct mshv_create_partition cp = { .pt_flags = 0,
					    .pt_isolation = MSHV_PT_ISOLATION_NONE };
	struct mshv_create_vp cv = { .vp_index = 0 };
	struct mshv_user_mem_region mr;
	struct hv_input_set_partition_property prop;
	struct reg_batch b = { 0 };
	unsigned n = 0, exits = 0;
	int sys_fd, pt_fd, vp_fd;
	uint8_t *mem;

	setvbuf(stdout, NULL, _IONBF, 0);
	sys_fd = open("/dev/mshv", O_RDWR | O_CLOEXEC);
	if (sys_fd < 0) {
		fprintf(stderr, "demo-vmm: /dev/mshv: %s (run it as \"mshv-emu demo\")\n",
			strerror(errno));
		return 1;
	}
	/* pt_flags 0: no LAPIC, so the guest's HLT comes back as HVMSG_X64_HALT */
	pt_fd = ioctl(sys_fd, MSHV_CREATE_PARTITION, &cp);
	if (pt_fd < 0) {
		perror("demo-vmm: MSHV_CREATE_PARTITION");
		return 1;
	}
	memset(&prop, 0, sizeof(prop));
	prop.property_code = HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES;
	prop.property_value = 0;
	if (hvcall(pt_fd, HVCALL_SET_PARTITION_PROPERTY, 0, &prop, sizeof(prop),
		   NULL, 0) < 0)
		return 1;
	if (ioctl(pt_fd, MSHV_INITIALIZE_PARTITION) < 0) {
		perror("demo-vmm: MSHV_INITIALIZE_PARTITION");
		return 1;
	}

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("demo-vmm: mmap");
		return 1;
	}
	memcpy(mem + LOAD_ADDR, demo_guest_start,
	       (size_t)(demo_guest_end - demo_guest_start));
	memset(&mr, 0, sizeof(mr));
	mr.size = MEM_SIZE;
	mr.guest_pfn = 0;
	mr.userspace_addr = (uintptr_t)mem;
	mr.flags = (1 << MSHV_SET_MEM_BIT_WRITABLE) | (1 << MSHV_SET_MEM_BIT_EXECUTABLE);
	if (ioctl(pt_fd, MSHV_SET_GUEST_MEMORY, &mr) < 0) {
		perror("demo-vmm: MSHV_SET_GUEST_MEMORY");
		return 1;
	}

	vp_fd = ioctl(pt_fd, MSHV_CREATE_VP, &cv);
	if (vp_fd < 0) {
		perror("demo-vmm: MSHV_CREATE_VP");
		return 1;
	}
	/* real mode, CS:IP = 0000:1000 */
	add_seg(&b, &n, HV_X64_REGISTER_CS, 0, 0x9b);
	add_seg(&b, &n, HV_X64_REGISTER_DS, 0, 0x93);
	add_seg(&b, &n, HV_X64_REGISTER_ES, 0, 0x93);
	add_seg(&b, &n, HV_X64_REGISTER_SS, 0, 0x93);
	add_reg(&b, &n, HV_X64_REGISTER_RIP, LOAD_ADDR);
	add_reg(&b, &n, HV_X64_REGISTER_RSP, 0x8000);
	add_reg(&b, &n, HV_X64_REGISTER_RFLAGS, 0x2);
	if (set_regs(vp_fd, 0, &b, n) < 0)
		return 1;

	for (;;) {
		struct mshv_run_vp run;
		struct hv_message *msg = (struct hv_message *)run.msg_buf;
		struct hv_x64_io_port_intercept_message *io;

		if (ioctl(vp_fd, MSHV_RUN_VP, &run) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("demo-vmm: MSHV_RUN_VP");
			return 1;
		}
		exits++;
		switch (msg->header.message_type) {
		case HVMSG_X64_HALT:
			fprintf(stderr, "demo-vmm: guest halted after %u exits\n",
				exits);
			return 0;
		case HVMSG_X64_IO_PORT_INTERCEPT:
			io = (struct hv_x64_io_port_intercept_message *)msg->u.payload;
			if (io->access_info.string_op || io->access_info.access_size != 1)
				goto unexpected;
			if (io->header.intercept_access_type == HV_INTERCEPT_ACCESS_WRITE &&
			    io->port_number == COM1) {
				putchar((int)(io->rax & 0xff));
				if (complete_io(vp_fd, io, 0, 0) < 0)
					return 1;
			} else if (io->header.intercept_access_type == HV_INTERCEPT_ACCESS_READ &&
				   io->port_number == COM1_LSR) {
				if (complete_io(vp_fd, io, 1, LSR_THRE) < 0)
					return 1;
			} else {
				goto unexpected;
			}
			break;
		default:
			goto unexpected;
		}
		continue;
unexpected:
		fprintf(stderr, "demo-vmm: unexpected exit, message type %#x at rip %#llx\n",
			msg->header.message_type,
			(unsigned long long)((struct hv_x64_intercept_message_header *)
					     msg->u.payload)->rip);
		return 1;
	}
}
