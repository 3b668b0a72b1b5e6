/* SPDX-License-Identifier: MIT */
/*
 * What a failed boot prints, so a red CI run says why: the last exits of
 * every VP (a ring filled by vcpu.c) and, once the VP threads have left
 * RUN_VP, each VP's state as the hypervisor reports it -- where it is,
 * whether it is halted or can take interrupts, and what its LAPIC holds
 * (a VP halted with IF = 1 and an interrupt in IRR is a lost wake-up; one
 * with a vector stuck in ISR missed an EOI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

void vm_record_exit(struct vm *vm, uint32_t vp, uint32_t type, uint64_t rip, uint64_t info)
{
	pthread_mutex_lock(&vm->ring_lock);
	vm->ring[vm->ring_pos % EXIT_RING] = (struct exit_rec){ vp, type, rip, info };
	vm->ring_pos++;
	vm->exits++;
	pthread_mutex_unlock(&vm->ring_lock);
}

const char *vm_exit_name(uint32_t t)
{
	switch (t) {
	case HVMSG_X64_IO_PORT_INTERCEPT: return "IO";
	case HVMSG_UNMAPPED_GPA: return "UNMAPPED_GPA";
	case HVMSG_GPA_INTERCEPT: return "GPA_INTERCEPT";
	case HVMSG_X64_HALT: return "HALT";
	case HVMSG_X64_CPUID_INTERCEPT: return "CPUID";
	case HVMSG_X64_MSR_INTERCEPT: return "MSR";
	case HVMSG_X64_EXCEPTION_INTERCEPT: return "EXCEPTION";
	case HVMSG_UNRECOVERABLE_EXCEPTION: return "UNRECOVERABLE_EXCEPTION";
	case HVMSG_X64_APIC_EOI: return "APIC_EOI";
	default: return "OTHER";
	}
}

void vm_dump_exits(struct vm *vm)
{
	unsigned n = vm->ring_pos < EXIT_RING ? vm->ring_pos : EXIT_RING;

	fprintf(stderr, "mshv-linux: %llu exits; the last %u:\n",
		(unsigned long long)vm->exits, n);
	for (unsigned i = vm->ring_pos - n; i != vm->ring_pos; i++) {
		const struct exit_rec *e = &vm->ring[i % EXIT_RING];
		fprintf(stderr, "  vp%u %-24s rip %#llx info %#llx\n", e->vp, vm_exit_name(e->type),
			(unsigned long long)e->rip, (unsigned long long)e->info);
	}
}


/* "0x31 0xec" for the bits set in a 256-bit LAPIC vector register. */
static void print_vectors(const char *what, const uint32_t v[8])
{
	fprintf(stderr, " %s", what);
	bool any = false;
	for (unsigned w = 0; w < 8; w++)
		for (unsigned b = 0; b < 32; b++)
			if (v[w] & (1u << b)) {
				fprintf(stderr, "%s%#x", any ? "," : "=", w * 32 + b);
				any = true;
			}
	if (!any)
		fprintf(stderr, "=-");
}

static void dump_lapic(struct vm *vm, unsigned vp)
{
	/* The state buffer must be a page-aligned page (mshv.h). */
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mshv_get_set_vp_state st = { .type = MSHV_VP_STATE_LAPIC, .buf_sz = 4096 };

	if (page == MAP_FAILED)
		return;
	st.buf_ptr = (uintptr_t)page;
	if (ioctl(vm->vp_fd[vp], MSHV_GET_VP_STATE, &st) == 0) {
		const struct hv_local_interrupt_controller_state *l = page;
		uint32_t isr[8], irr[8];
		memcpy(isr, (const char *)page + offsetof(typeof(*l), apic_isr), sizeof isr);
		memcpy(irr, (const char *)page + offsetof(typeof(*l), apic_irr), sizeof irr);
		fprintf(stderr, "  vp%u lapic: svr %#x", vp, l->apic_spurious);
		print_vectors("isr", isr);
		print_vectors("irr", irr);
		fprintf(stderr, " lvt-timer %#x count %u/%u esr %#x\n", l->apic_lvt_timer,
			l->apic_counter_value, l->apic_initial_count, l->apic_error_status);
	}
	munmap(page, 4096);
}

void vm_dump_vps(struct vm *vm)
{
	static const uint32_t names[] = {
		HV_X64_REGISTER_RIP, HV_X64_REGISTER_RFLAGS, HV_X64_REGISTER_CR8,
		HV_REGISTER_INTERRUPT_STATE, HV_REGISTER_INTERNAL_ACTIVITY_STATE,
		HV_REGISTER_PENDING_INTERRUPTION,
	};
	union hv_register_value v[6];

	fprintf(stderr, "mshv-linux: VP state at the stop:\n");
	for (unsigned i = 0; i < vm->ncpus; i++) {
		if (vp_get_regs(vm, i, names, v, 6) < 0) {
			fprintf(stderr, "  vp%u: registers unreadable\n", i);
			continue;
		}
		fprintf(stderr, "  vp%u rip %#llx rflags %#llx (IF=%d) tpr %llu shadow %d"
			" halted %d wait-sipi %d pending-event %d\n", i,
			(unsigned long long)v[0].reg64, (unsigned long long)v[1].reg64,
			(int)((v[1].reg64 >> 9) & 1), (unsigned long long)v[2].reg64,
			(int)v[3].interrupt_state.interrupt_shadow,
			(int)v[4].internal_activity.halt_suspend,
			(int)v[4].internal_activity.startup_suspend,
			(int)v[5].pending_interruption.interruption_pending);
		dump_lapic(vm, i);
	}
}
