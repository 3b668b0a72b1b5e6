/* SPDX-License-Identifier: MIT */
/*
 * mshv-linux [options]: boot a Linux kernel through /dev/mshv.
 *
 *   --kernel PATH    bzImage or ELF vmlinux (required)
 *   --initrd PATH    initramfs
 *   --append ARGS    added to the kernel command line
 *   --smp N          VPs (1-16, default 1)
 *   --mem SIZE       RAM, e.g. 256M or 2G (default 256M)
 *   --shell          interactive: the terminal is the serial console
 *   --timeout SEC    fail if the machine has not stopped by then
 *   --tag NAME       prefix of the final report line
 *   --hyperv         offer the Hyper-V enlightenments (CPUID 0x40000000+,
 *                    hypercall page, reference TSC page, SynIC, stimers)
 *
 * The guest may print "mshv-guest: release=R cpus=N result=ok" on its
 * console; the VMM then reports "TAG: Linux R reached userspace in S s
 * (N CPUs)" after the guest resets the machine, and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "vmm.h"

#define MARKER "mshv-guest: "
#define TAIL_LINES 16

static struct {
	double t0, t_user;
	char release[64];
	unsigned cpus;
	bool ok, shell;
	char tail[TAIL_LINES][256];
	unsigned tail_pos;
	struct termios saved_tio;
	bool tio_saved;
} run;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void *gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < vm->low_size && len <= vm->low_size - gpa)
		return vm->ram + gpa;
	if (gpa >= HIGH_RAM_GPA && gpa - HIGH_RAM_GPA < vm->high_size &&
	    len <= vm->high_size - (gpa - HIGH_RAM_GPA))
		return vm->high_ram + (gpa - HIGH_RAM_GPA);
	return NULL;
}

static void console_line(struct vm *vm, const char *line)
{
	const char *m = strstr(line, MARKER);

	(void)vm;
	snprintf(run.tail[run.tail_pos++ % TAIL_LINES], 256, "%s", line);
	if (!m || run.ok)
		return;
	if (sscanf(m + strlen(MARKER), "release=%63s cpus=%u", run.release, &run.cpus) == 2 &&
	    strstr(m, "result=ok")) {
		run.ok = true;
		run.t_user = now_s();
	}
}

/* The host's TSC rate; the guest's TSC is the host's (plus an offset). */
static uint64_t measure_tsc_khz(void)
{
	double t0 = now_s(), t1;
	uint64_t c0 = __rdtsc(), c1;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	c1 = __rdtsc(), t1 = now_s();
	return (uint64_t)((double)(c1 - c0) / (t1 - t0) / 1000.0);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	if (*end || v < (64ull << 20) || v > (64ull << 30))
		return -1;
	*out = v & ~0x1fffffull;
	return 0;
}

static void *map_ram(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int add_region(struct vm *vm, uint64_t gpa, void *hva, uint64_t size)
{
	struct mshv_user_mem_region r;

	memset(&r, 0, sizeof(r));
	r.guest_pfn = gpa >> 12;
	r.size = size;
	r.userspace_addr = (uintptr_t)hva;
	r.flags = (1u << MSHV_SET_MEM_BIT_WRITABLE) | (1u << MSHV_SET_MEM_BIT_EXECUTABLE);
	if (ioctl(vm->pt_fd, MSHV_SET_GUEST_MEMORY, &r) < 0) {
		perror("mshv-linux: MSHV_SET_GUEST_MEMORY");
		return -1;
	}
	return 0;
}

/* CPUID results the hypervisor leaves to the VMM: "always running APIC
 * timer" (leaf 6 EAX bit 2), so Linux needs no PIT beside the TSC-deadline
 * LAPIC timer (arch/x86/kernel/apic/apic.c, apic_needs_pit()). */
static int setup_cpuid(struct vm *vm, unsigned vp)
{
	const uint32_t arat[4] = { 1u << 2, 0, 0, 0 }, arat_mask[4] = { 1u << 2, 0, 0, 0 };

	return vp_register_cpuid(vm, vp, 6, arat, arat_mask);
}

/* --hyperv: the enlightenments Linux uses (synthetic processor feature
 * bits, hv_partition_synthetic_processor_features): hypervisor present,
 * hv1, reference counter, SynIC, synthetic timers, hypercall MSRs, VP
 * index, reference TSC page, frequency MSRs, direct-mode timers. The
 * hypervisor keeps those it does not offer off. */
#define HV_LINUX_FEATURES 0x00400bbbull

static int create_machine(struct vm *vm, uint64_t mem)
{
	struct mshv_create_partition cp = {
		.pt_flags = (1ull << MSHV_PT_BIT_LAPIC) | (1ull << MSHV_PT_BIT_X2APIC),
		.pt_isolation = MSHV_PT_ISOLATION_NONE,
	};

	vm->sys_fd = open("/dev/mshv", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		fprintf(stderr, "mshv-linux: /dev/mshv: %s (run it as \"mshv-emu run -- mshv-linux\")\n",
			strerror(errno));
		return -1;
	}
	vm->pt_fd = ioctl(vm->sys_fd, MSHV_CREATE_PARTITION, &cp);
	if (vm->pt_fd < 0) {
		perror("mshv-linux: MSHV_CREATE_PARTITION");
		return -1;
	}
	if (vm_set_property(vm, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES, vm->hv_features) < 0)
		return -1;
	if (ioctl(vm->pt_fd, MSHV_INITIALIZE_PARTITION) < 0) {
		perror("mshv-linux: MSHV_INITIALIZE_PARTITION");
		return -1;
	}
	/* As QEMU and Cloud Hypervisor do: Linux on Hyper-V writes MSRs it
	 * was not offered (HV_X64_MSR_VP_ASSIST_PAGE in hv_cpu_init). */
	if (vm->hv_features &&
	    vm_set_property(vm, HV_PARTITION_PROPERTY_UNIMPLEMENTED_MSR_ACTION,
			    HV_UNIMPLEMENTED_MSR_ACTION_IGNORE_WRITE_READ_ZERO) < 0)
		return -1;
	vm->low_size = mem < LOW_RAM_MAX ? mem : LOW_RAM_MAX;
	vm->high_size = mem - vm->low_size;
	if (!(vm->ram = map_ram(vm->low_size)) ||
	    (vm->high_size && !(vm->high_ram = map_ram(vm->high_size)))) {
		perror("mshv-linux: guest RAM");
		return -1;
	}
	if (add_region(vm, 0, vm->ram, vm->low_size) < 0 ||
	    (vm->high_size && add_region(vm, HIGH_RAM_GPA, vm->high_ram, vm->high_size) < 0))
		return -1;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct mshv_create_vp cv = { .vp_index = i };

		vm->vp_fd[i] = ioctl(vm->pt_fd, MSHV_CREATE_VP, &cv);
		if (vm->vp_fd[i] < 0) {
			perror("mshv-linux: MSHV_CREATE_VP");
			return -1;
		}
		if (setup_cpuid(vm, i) < 0)
			return -1;
	}
	return 0;
}

static void restore_tty(void)
{
	if (run.tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &run.saved_tio);
}

/* --shell: the terminal, raw, is the UART's other end. */
static void *console_thread(void *p)
{
	struct vm *vm = p;
	uint8_t buf[64];
	ssize_t n;

	while (!atomic_load(&vm->stop) && (n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		uart_input(vm, &vm->com1, buf, (size_t)n);
	return NULL;
}

static void start_console(struct vm *vm)
{
	pthread_t t;
	struct termios tio;

	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &run.saved_tio)) {
		run.tio_saved = true;
		atexit(restore_tty);
		tio = run.saved_tio;
		cfmakeraw(&tio);
		tio.c_lflag |= ISIG;	/* Ctrl-C still stops the VMM */
		tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	}
	if (!pthread_create(&t, NULL, console_thread, vm))
		pthread_detach(t);
}

static struct vm *the_vm;

/* Signal handlers only flag the stop (lock-free atomics); the VP
 * supervisor in vcpus_run() does the kicking. */
static void on_signal(int sig)
{
	int expected = 0;

	atomic_compare_exchange_strong(&the_vm->exit_code, &expected, sig == SIGALRM ? 2 : 130);
	atomic_store(&the_vm->stop, true);
}

static void usage(void)
{
	fprintf(stderr, "usage: mshv-linux --kernel PATH [--initrd PATH] [--append ARGS] "
		"[--smp N] [--mem SIZE] [--shell] [--timeout SEC] [--tag NAME] [--hyperv] "
		"[--dirty-log MS]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' }, { "initrd", required_argument, 0, 'i' },
		{ "append", required_argument, 0, 'a' }, { "smp", required_argument, 0, 's' },
		{ "mem", required_argument, 0, 'm' }, { "shell", no_argument, 0, 'S' },
		{ "timeout", required_argument, 0, 't' }, { "tag", required_argument, 0, 'T' },
		{ "hyperv", no_argument, 0, 'H' }, { "dirty-log", required_argument, 0, 'D' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	static struct vm vm;
	struct boot_cfg cfg = { 0 };
	const char *append = "", *tag = "mshv-linux";
	uint64_t mem = 256ull << 20;
	unsigned timeout = 0, dirty_ms = 0;
	struct dirtylog *dlog = NULL;
	char cmdline[CMDLINE_MAX];
	int c, rc;

	vm.ncpus = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': cfg.kernel = optarg; break;
		case 'i': cfg.initrd = optarg; break;
		case 'a': append = optarg; break;
		case 's':
			vm.ncpus = (unsigned)atoi(optarg);
			if (vm.ncpus < 1 || vm.ncpus > VMM_MAX_CPUS) {
				fprintf(stderr, "mshv-linux: --smp must be 1-%d\n", VMM_MAX_CPUS);
				return 1;
			}
			break;
		case 'm':
			if (parse_size(optarg, &mem) < 0) {
				fprintf(stderr, "mshv-linux: --mem must be 64M-64G\n");
				return 1;
			}
			break;
		case 'S': run.shell = true; break;
		case 't': timeout = (unsigned)atoi(optarg); break;
		case 'T': tag = optarg; break;
		case 'H': vm.hv_features = HV_LINUX_FEATURES; break;
		case 'D': dirty_ms = (unsigned)atoi(optarg) + 1; break;
		default: usage(); return c == 'h' ? 0 : 1;
		}
	}
	if (!cfg.kernel || optind != argc) {
		usage();
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	the_vm = &vm;
	pthread_mutex_init(&vm.ring_lock, NULL);
	uart_init(&vm.com1, STDOUT_FILENO);
	vm.com1.line_cb = console_line;
	ioapic_init(&vm.ioapic);
	vm.ioapic.id = vm.ncpus;
	vm.pic_imr[0] = vm.pic_imr[1] = 0xff;
	vm.tsc_khz = measure_tsc_khz();
	snprintf(cmdline, sizeof(cmdline),
		 "console=ttyS0 earlyprintk=serial,ttyS0,115200 tsc_early_khz=%llu tsc=reliable "
		 "nokaslr reboot=k panic=-1 %s%s",
		 (unsigned long long)vm.tsc_khz, run.shell ? "mshv.shell=1 " : "", append);
	cfg.cmdline = cmdline;
	run.t0 = now_s();
	if (create_machine(&vm, mem) < 0 || mptable_write(&vm) < 0 || load_linux(&vm, &cfg) < 0)
		return 1;
	signal(SIGALRM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (timeout)
		alarm(timeout);
	if (run.shell)
		start_console(&vm);
	if (dirty_ms && !(dlog = dirtylog_start(&vm, dirty_ms - 1)))
		return 1;
	rc = vcpus_run(&vm);
	restore_tty();
	int dirty_rc = dlog ? dirtylog_finish(dlog, tag) : 0;
	if (rc == 2)
		fprintf(stderr, "%s: timed out after %u s\n", tag, timeout);
	if (!rc && (run.ok || run.shell)) {
		if (run.ok)
			printf("%s: Linux %s reached userspace in %.1f s (%u CPU%s)\n", tag,
			       run.release, run.t_user - run.t0, run.cpus, run.cpus == 1 ? "" : "s");
		return dirty_rc ? 1 : 0;
	}
	fprintf(stderr, "%s: the guest did not report success; its last console lines:\n", tag);
	for (unsigned i = run.tail_pos > TAIL_LINES ? run.tail_pos - TAIL_LINES : 0; i < run.tail_pos; i++)
		fprintf(stderr, "  | %s\n", run.tail[i % TAIL_LINES]);
	if (!rc)
		vm_dump_exits(&vm);
	return 1;
}
