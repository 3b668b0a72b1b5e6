/* SPDX-License-Identifier: MIT */
/*
 * One thread per VP, each looping on MSHV_RUN_VP.  Secondary VPs simply
 * enter RUN_VP too: the hypervisor holds them until the guest's INIT/SIPI.
 * A stop (reset, failure) is broadcast with a signal that interrupts
 * RUN_VP (EINTR).  Every exit is recorded (diag.c), so a failed boot says
 * where it was.
 */
#define _GNU_SOURCE	/* pthread_tryjoin_np */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "vmm.h"

#define KICK_SIGNAL SIGUSR1

struct vcpu_arg {
	struct vm *vm;
	unsigned index;
};

static void kick_handler(int sig)
{
	(void)sig;
}

void vm_request_stop(struct vm *vm, int code, const char *why)
{
	bool was = atomic_exchange(&vm->stop, true);

	if (was)
		return;
	atomic_store(&vm->exit_code, code);
	if (code)
		fprintf(stderr, "\nmshv-linux: stopping: %s\n", why);
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->threads[i])
			pthread_kill(vm->threads[i], KICK_SIGNAL);
}

static int io_exit(struct vm *vm, unsigned vp, const struct hv_x64_io_port_intercept_message *io)
{
	struct hv_register_assoc r[2];
	bool write = io->header.intercept_access_type == HV_INTERCEPT_ACCESS_WRITE;
	unsigned size = io->access_info.access_size;
	uint32_t val = (uint32_t)io->rax;

	if (io->access_info.string_op) {
		fprintf(stderr, "mshv-linux: string IO on port %#x is not emulated\n",
			io->port_number);
		return -1;
	}
	pio_access(vm, io->port_number, size, write, &val);
	memset(r, 0, sizeof(r));
	r[0].name = HV_X64_REGISTER_RIP;
	r[0].value.reg64 = io->header.rip + io->header.instruction_length;
	if (write)
		return vp_set_regs(vm, vp, r, 1);
	r[1].name = HV_X64_REGISTER_RAX;
	if (size == 4)
		r[1].value.reg64 = val;		/* a 32-bit IN zero-extends */
	else {
		uint64_t mask = size == 2 ? 0xffff : 0xff;
		r[1].value.reg64 = (io->rax & ~mask) | (val & mask);
	}
	return vp_set_regs(vm, vp, r, 2);
}

static int handle(struct vm *vm, unsigned vp, struct hv_message *msg)
{
	const struct hv_x64_intercept_message_header *h = (const void *)msg->u.payload;
	uint32_t type = msg->header.message_type;

	switch (type) {
	case HVMSG_X64_IO_PORT_INTERCEPT: {
		const struct hv_x64_io_port_intercept_message *io = (const void *)msg->u.payload;
		vm_record_exit(vm, vp, type, h->rip, io->port_number);
		return io_exit(vm, vp, io);
	}
	case HVMSG_UNMAPPED_GPA: {
		const struct hv_x64_memory_intercept_message *m = (const void *)msg->u.payload;
		vm_record_exit(vm, vp, type, h->rip, m->guest_physical_address);
		return mmio_exit(vm, vp, m);
	}
	case HVMSG_X64_HALT:
		/* HLT with interrupts enabled wakes on the next interrupt. */
		vm_record_exit(vm, vp, type, h->rip, 0);
		return 0;
	case HVMSG_X64_APIC_EOI:
		vm_record_exit(vm, vp, type, 0, 0);
		return 0;
	default:
		vm_record_exit(vm, vp, type, h->rip, 0);
		fprintf(stderr, "mshv-linux: vp%u: unexpected exit %s (%#x) at rip %#llx\n", vp,
			vm_exit_name(type), type, (unsigned long long)h->rip);
		return -1;
	}
}

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct vm *vm = a->vm;
	struct mshv_run_vp run;
	struct hv_message *msg = (struct hv_message *)run.msg_buf;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&vm->stop)) {
		if (ioctl(vm->vp_fd[a->index], MSHV_RUN_VP, &run) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "mshv-linux: vp%u: MSHV_RUN_VP: %s\n", a->index,
				strerror(errno));
			vm_request_stop(vm, 1, "RUN_VP failed");
			break;
		}
		if (handle(vm, a->index, msg) < 0) {
			vm_request_stop(vm, 1, "exit not handled");
			break;
		}
	}
	return NULL;
}

int vcpus_run(struct vm *vm)
{
	struct vcpu_arg args[VMM_MAX_CPUS];
	bool joined[VMM_MAX_CPUS] = { false };
	struct sigaction sa;
	sigset_t set, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: RUN_VP returns EINTR */
	sigaction(KICK_SIGNAL, &sa, NULL);
	/* Threads start with the kick blocked and unblock it themselves, so a
	 * kick never lands on a thread that is not a VP. */
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		args[i] = (struct vcpu_arg){ vm, i };
		if (pthread_create(&vm->threads[i], NULL, vcpu_thread, &args[i])) {
			vm_request_stop(vm, 1, "cannot start a VP thread");
			break;
		}
	}
	/* A kick that lands between a thread's stop check and its RUN_VP is
	 * lost, so kicks repeat until every VP thread has left. */
	for (unsigned left = vm->ncpus; left;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		left = 0;
		for (unsigned i = 0; i < vm->ncpus; i++) {
			if (!vm->threads[i] || joined[i])
				continue;
			if (!pthread_tryjoin_np(vm->threads[i], NULL)) {
				joined[i] = true;
				continue;
			}
			left++;
			if (atomic_load(&vm->stop))
				pthread_kill(vm->threads[i], KICK_SIGNAL);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (atomic_load(&vm->exit_code)) {
		vm_dump_exits(vm);
		vm_dump_vps(vm);
	}
	return atomic_load(&vm->exit_code);
}
