/* SPDX-License-Identifier: MIT */
/*
 * MSHV_IOEVENTFD: MMIO doorbells.
 *
 * On Hyper-V the kernel registers a doorbell port per ioeventfd and a
 * matching guest write completes inside the hypervisor, the eventfd being
 * signalled from the doorbell interrupt. Here the run loop consults this
 * table after an unmapped write (EXIT_MEM): a plain MOV store to a
 * registered address with a matching size and value signals the eventfd(s)
 * and the VP continues after the instruction, without an exit. Anything
 * else (other sizes or values, reads, string or read-modify-write
 * instructions) exits with HVMSG_UNMAPPED_GPA as before, and the VMM
 * emulates it: for QEMU and Cloud Hypervisor that ends in the same device
 * notification.
 *
 * The table is guarded by ioev_lock, which the VP thread holds while
 * signalling: once a deassign returns, its eventfd is not signalled again.
 */
#include "util.h"
#include "emu_limits.h"
#include "exit.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "irqfd.h"
#include "ioeventfd.h"
#include "x86_insn.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ioeventfd_init(struct emu_partition *pt)
{
	pthread_mutex_init(&pt->ioev_lock, NULL);
	pt->ioev = NULL;
	pt->nioev = pt->capioev = 0;
	atomic_init(&pt->nioev_live, 0);
}

void ioeventfd_fini(struct emu_partition *pt)
{
	for (size_t i = 0; i < pt->nioev; i++)
		close(pt->ioev[i].fd);
	free(pt->ioev);
	pt->ioev = NULL;
	pt->nioev = pt->capioev = 0;
	pthread_mutex_destroy(&pt->ioev_lock);
}

bool ioeventfd_matches(const struct emu_ioeventfd *e, uint64_t gpa, unsigned size,
		       uint64_t value)
{
	if (e->addr != gpa || (e->len && e->len != size))
		return false;
	if (size < 8)
		value &= (1ull << (8 * size)) - 1;
	return e->wildcard || e->datamatch == value;
}

/* Same addr and len, and either a wildcard or equal datamatch: the
 * kernel's ioeventfd_check_collision() in drivers/hv/mshv_eventfd.c
 * (docs/abi.md §2.7). */
static bool collides(const struct emu_ioeventfd *a, const struct emu_ioeventfd *b)
{
	return a->addr == b->addr && a->len == b->len &&
	       (a->wildcard || b->wildcard || a->datamatch == b->datamatch);
}

int emu_ioeventfd_assign(struct emu_partition *pt, uint64_t addr, uint32_t len,
			 int efd, bool datamatch, uint64_t value)
{
	struct emu_ioeventfd n = { .addr = addr, .len = len, .wildcard = !datamatch,
				   .datamatch = datamatch ? value : 0 };
	int rc = emu_check_eventfd(efd);

	if (rc)
		return rc;
	if (len != 0 && len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	if (addr + len < addr)
		return -EINVAL;
	pthread_mutex_lock(&pt->ioev_lock);
	for (size_t i = 0; i < pt->nioev; i++)
		if (collides(&pt->ioev[i], &n)) {
			rc = -EEXIST;
			goto out;
		}
	/* Doorbell port ids come from an IDR in the kernel (emu_limits.h). */
	if (pt->nioev >= EMU_MAX_IOEVENTFDS) {
		rc = -ENOSPC;
		goto out;
	}
	if (pt->nioev == pt->capioev) {
		size_t cap = pt->capioev ? 2 * pt->capioev : 16;
		struct emu_ioeventfd *t = realloc(pt->ioev, cap * sizeof *t);
		if (!t) {
			rc = -ENOMEM;
			goto out;
		}
		pt->ioev = t;
		pt->capioev = cap;
	}
	n.fd = fcntl(efd, F_DUPFD_CLOEXEC, 3);
	if (n.fd < 0) {
		rc = -EMFILE;
		goto out;
	}
	pt->ioev[pt->nioev++] = n;
	atomic_store(&pt->nioev_live, pt->nioev);
out:
	pthread_mutex_unlock(&pt->ioev_lock);
	return rc;
}

int emu_ioeventfd_deassign(struct emu_partition *pt, uint64_t addr, uint32_t len,
			   int efd, bool datamatch, uint64_t value)
{
	int rc = emu_check_eventfd(efd);

	if (rc)
		return rc;
	rc = -ENOENT;
	pthread_mutex_lock(&pt->ioev_lock);
	for (size_t i = 0; i < pt->nioev; i++) {
		struct emu_ioeventfd *e = &pt->ioev[i];
		if (e->addr != addr || e->len != len || e->wildcard == datamatch ||
		    (datamatch && e->datamatch != value) || !emu_same_file(e->fd, efd))
			continue;
		close(e->fd);
		memmove(e, e + 1, (pt->nioev - i - 1) * sizeof *e);
		pt->nioev--;
		atomic_store(&pt->nioev_live, pt->nioev);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&pt->ioev_lock);
	return rc;
}

/* A store whose only effect is the memory write: MOV r/m,r (88/89), MOV
 * r/m,imm (C6/C7 /0), MOV moffs,AL/eAX (A2/A3), MOVNTI (0F C3), without
 * LOCK. 0x40-0x4f is read as REX in every mode (outside long mode it is
 * INC/DEC, which never writes memory, so that cannot misclassify a store). */
static bool plain_store(const uint8_t *p, unsigned n)
{
	struct x86_opcode o;

	x86_opcode_peek(p, n, true, &o);
	if (o.lock)
		return false;
	/* the ModRM byte, when there is one */
	size_t m = o.at + (o.op > 0xff ? 2 : 1);
	switch (o.op) {
	case 0xa2: case 0xa3:
		return true;
	case 0x88: case 0x89:
		return m < n && (p[m] >> 6) != 3;
	case 0xc6: case 0xc7:
		return m < n && (p[m] >> 6) != 3 && ((p[m] >> 3) & 7) == 0;
	case 0x0fc3:
		return m < n && (p[m] >> 6) != 3;
	default:
		return false;
	}
}

bool ioeventfd_absorb(struct emu_vp *vp)
{
	struct emu_partition *pt = vp->pt;
	const struct emu_exit *x = &vp->x;
	bool hit = false;

	if (EMU_LIKELY(!atomic_load_explicit(&pt->nioev_live, memory_order_relaxed)))
		return false;
	if (x->access != HV_INTERCEPT_ACCESS_WRITE || !x->unmapped || !x->mem_size ||
	    !x->nbytes || !plain_store(x->bytes, x->nbytes))
		return false;
	pthread_mutex_lock(&pt->ioev_lock);
	for (size_t i = 0; i < pt->nioev; i++)
		if (ioeventfd_matches(&pt->ioev[i], x->gpa, x->mem_size, x->mem_value)) {
			uint64_t one = 1;
			ssize_t r = write(pt->ioev[i].fd, &one, sizeof one);
			(void)r;
			hit = true;
		}
	pthread_mutex_unlock(&pt->ioev_lock);
	if (!hit)
		return false;
	/* x->nbytes is the instruction's length (decoded at the nested page
	 * fault, svm_exit.c). */
	regs_set_rip(vp, x->rip + x->nbytes);
	return true;
}
