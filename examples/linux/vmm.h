/* SPDX-License-Identifier: MIT */
/*
 * mshv-linux: a reference VMM that boots Linux through /dev/mshv, in the
 * shape of kvmtool's "lkvm run".  UAPI only (include/linux/mshv.h and the
 * hypervisor ABI in include/hyperv/), so it runs unchanged on a real
 * Hyper-V root partition.
 *
 * The machine: RAM at 0 (and above 4 GiB past 3 GiB), the hypervisor's
 * local APICs, one IOAPIC at 0xfec00000, a 16550A UART on COM1 (IRQ 4), a
 * CMOS RTC, a PIC that only stores its masks, and an MP table describing
 * it.  No PIT or ACPI: the kernel is told the TSC frequency
 * (tsc_early_khz=) and keeps time with the TSC and the TSC-deadline LAPIC
 * timer.  Reset (i8042 pulse or port 0xcf9) powers the machine off.
 */
#ifndef MSHV_LINUX_VMM_H
#define MSHV_LINUX_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>

#define VMM_MAX_CPUS	16
#define LOW_RAM_MAX	0xc0000000ull	/* RAM below the 32-bit hole */
#define HIGH_RAM_GPA	0x100000000ull

/* Fixed guest-physical layout (all below 1 MiB except the kernel). */
#define GDT_GPA		0x500ull
#define BOOT_PARAMS_GPA	0x7000ull
#define PML4_GPA	0x9000ull	/* + PDPT at 0xa000, 4 PDs at 0xb000 */
#define CMDLINE_GPA	0x20000ull
#define CMDLINE_MAX	0x1000u
#define EBDA_GPA	0x9fc00ull
#define MPTABLE_GPA	0xf0000ull
#define IOAPIC_GPA	0xfec00000ull
#define IOAPIC_PINS	24

#define COM1_BASE	0x3f8
#define COM1_IRQ	4

struct vm;

/* 16550A UART (uart.c) */
struct uart {
	pthread_mutex_t lock;
	pthread_cond_t rx_room;	/* signalled when the guest reads a byte */
	uint8_t ier, lcr, mcr, lsr_extra, scr, dll, dlm, fcr;
	bool thre_pending;	/* THR-empty interrupt not yet acknowledged */
	bool irq_line;		/* last level sent to the IOAPIC */
	uint8_t rx[64];
	unsigned rx_head, rx_count;
	int out_fd;		/* where the guest's output goes */
	/* the last console line, for the boot markers and failure reports */
	char line[256];
	unsigned line_len;
	void (*line_cb)(struct vm *vm, const char *line);
};

void uart_init(struct uart *u, int out_fd);
/* Port access at offset 0-7; returns the value read. */
uint8_t uart_io(struct vm *vm, struct uart *u, unsigned off, bool write, uint8_t val);
/* Feed input bytes (from the console thread). */
void uart_input(struct vm *vm, struct uart *u, const uint8_t *buf, size_t n);

/* IOAPIC (ioapic.c) */
struct ioapic {
	pthread_mutex_t lock;
	uint32_t index, id;
	uint64_t redir[IOAPIC_PINS];
	bool level[IOAPIC_PINS];
};

void ioapic_init(struct ioapic *io);
/* 32-bit MMIO at offset 0 (index) or 0x10 (data). */
uint32_t ioapic_mmio(struct vm *vm, struct ioapic *io, uint64_t off, bool write, uint32_t val);
/* A device's interrupt line: edge on 0 -> 1. */
void ioapic_set_irq(struct vm *vm, unsigned pin, bool level);

/* Exit history, printed when the boot fails (vcpu.c). */
#define EXIT_RING 32
struct exit_rec {
	uint32_t vp, type;
	uint64_t rip, info;
};

struct vm {
	int sys_fd, pt_fd;
	unsigned ncpus;
	int vp_fd[VMM_MAX_CPUS];
	uint8_t *ram;		/* [0, low_size) */
	uint8_t *high_ram;	/* [4 GiB, 4 GiB + high_size) */
	uint64_t low_size, high_size;
	uint64_t tsc_khz;
	uint64_t hv_features;	/* SYNTHETIC_PROC_FEATURES (--hyperv) */

	struct uart com1;
	struct ioapic ioapic;
	uint8_t pic_imr[2], pic_icw_left[2];
	uint8_t cmos_index;

	atomic_bool stop;	/* reset/power-off requested or a VP failed */
	atomic_int exit_code;	/* 0 clean power-off, else failure */
	pthread_t threads[VMM_MAX_CPUS];

	pthread_mutex_t ring_lock;
	struct exit_rec ring[EXIT_RING];
	unsigned ring_pos;
	uint64_t exits;
};

/* --dirty-log (dirtylog.c): pre-copy rounds every ms milliseconds while
 * the guest runs; finish checks the copy against guest RAM (0 if equal). */
struct dirtylog *dirtylog_start(struct vm *vm, unsigned ms);
int dirtylog_finish(struct dirtylog *d, const char *tag);

/* Guest physical memory: host pointer or NULL if [gpa, gpa+len) is not RAM. */
void *gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);

/* UAPI helpers (hv.c). */
int hv_call(int fd, uint16_t code, uint16_t reps, const void *in, size_t in_sz,
	    void *out, size_t out_sz);
int vp_set_regs(struct vm *vm, unsigned vp, const struct hv_register_assoc *regs,
		unsigned n);
int vp_get_regs(struct vm *vm, unsigned vp, const uint32_t *names,
		union hv_register_value *vals, unsigned n);
int vp_set_reg64(struct vm *vm, unsigned vp, uint32_t name, uint64_t val);
int vm_assert_irq(struct vm *vm, uint32_t vector, uint32_t dest, bool logical,
		  uint32_t type);
int vm_set_property(struct vm *vm, uint32_t code, uint64_t val);
int vp_register_cpuid(struct vm *vm, unsigned vp, uint32_t leaf, const uint32_t val[4],
		      const uint32_t mask[4]);

/* Kernel, initrd, boot parameters, entry state (loader.c). */
struct boot_cfg {
	const char *kernel, *initrd, *cmdline;
};
int load_linux(struct vm *vm, const struct boot_cfg *cfg);

/* MP table (mptable.c). */
int mptable_write(struct vm *vm);

/* Port and memory-mapped IO (pio.c, mmio.c). */
void pio_access(struct vm *vm, uint16_t port, unsigned size, bool write, uint32_t *val);
int mmio_exit(struct vm *vm, unsigned vp, const struct hv_x64_memory_intercept_message *m);

/* VP threads (vcpu.c). */
int vcpus_run(struct vm *vm);
void vm_request_stop(struct vm *vm, int code, const char *why);
/* diag.c: every exit goes into a ring; a failed run prints it and the VPs. */
void vm_record_exit(struct vm *vm, uint32_t vp, uint32_t type, uint64_t rip, uint64_t info);
const char *vm_exit_name(uint32_t type);
void vm_dump_exits(struct vm *vm);
void vm_dump_vps(struct vm *vm);

#endif /* MSHV_LINUX_VMM_H */
