/* SPDX-License-Identifier: MIT */
/* Virtual processors: creation with the x86 reset state, kicks, teardown. */
#include "util.h"
#include "emu_limits.h"
#include "engine.h"
#include "vp.h"
#include "partition.h"
#include "regs.h"
#include "hv.h"
#include "lapic.h"

#include <hyperv/hv_all.h>
#include <mshv-emu/emu.h>
#include <unicorn/unicorn.h>

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/mshv.h>

static void set_seg(struct emu_vp *vp, uint32_t name, uint16_t sel,
		    uint64_t base, uint32_t limit, uint16_t attr)
{
	union hv_register_value v = { 0 };

	v.segment.selector = sel;
	v.segment.base = base;
	v.segment.limit = limit;
	v.segment.attributes = attr;
	regs_set(vp, name, &v);
}

static void set64(struct emu_vp *vp, uint32_t name, uint64_t val)
{
	union hv_register_value v = { 0 };

	v.reg64 = val;
	regs_set(vp, name, &v);
}

/* Architectural power-on state (Intel SDM vol. 3, table 9-1). */
void vp_reset_state(struct emu_vp *vp)
{
	union hv_register_value v = { 0 };

	for (uint32_t r = HV_X64_REGISTER_RAX; r <= HV_X64_REGISTER_R15; r++)
		set64(vp, r, 0);
	set64(vp, HV_X64_REGISTER_RDX, 0x600);	/* family 6 */
	set64(vp, HV_X64_REGISTER_RIP, 0xfff0);
	set64(vp, HV_X64_REGISTER_RFLAGS, 0x2);
	set64(vp, HV_X64_REGISTER_CR2, 0);
	set64(vp, HV_X64_REGISTER_DR6, 0xffff0ff0);
	set64(vp, HV_X64_REGISTER_DR7, 0x400);
	set64(vp, HV_X64_REGISTER_PAT, 0x0007040600070406ull);
	for (uint32_t r = HV_X64_REGISTER_XMM0; r <= HV_X64_REGISTER_XMM15; r++)
		regs_set(vp, r, &v);
	v.xmm_control_status.xmm_status_control = 0x1f80;
	regs_set(vp, HV_X64_REGISTER_XMM_CONTROL_STATUS, &v);
	memset(&v, 0, sizeof v);
	v.fp_control_status.fp_control = 0x37f;
	regs_set(vp, HV_X64_REGISTER_FP_CONTROL_STATUS, &v);

	regs_begin(vp);
	set_seg(vp, HV_X64_REGISTER_CS, 0xf000, 0xffff0000, 0xffff, 0x9b);
	set_seg(vp, HV_X64_REGISTER_DS, 0, 0, 0xffff, 0x93);
	set_seg(vp, HV_X64_REGISTER_ES, 0, 0, 0xffff, 0x93);
	set_seg(vp, HV_X64_REGISTER_SS, 0, 0, 0xffff, 0x93);
	set_seg(vp, HV_X64_REGISTER_FS, 0, 0, 0xffff, 0x93);
	set_seg(vp, HV_X64_REGISTER_GS, 0, 0, 0xffff, 0x93);
	set_seg(vp, HV_X64_REGISTER_LDTR, 0, 0, 0xffff, 0x82);
	set_seg(vp, HV_X64_REGISTER_TR, 0, 0, 0xffff, 0x8b);
	memset(&v, 0, sizeof v);
	v.table.limit = 0xffff;
	regs_set(vp, HV_X64_REGISTER_GDTR, &v);
	regs_set(vp, HV_X64_REGISTER_IDTR, &v);
	set64(vp, HV_X64_REGISTER_CR0, 0x60000010);
	set64(vp, HV_X64_REGISTER_CR3, 0);
	set64(vp, HV_X64_REGISTER_CR4, 0);
	set64(vp, HV_X64_REGISTER_EFER, 0);
	regs_commit(vp);

	vp->cr8 = 0;
	vp->xfem = 1;		/* x87 */
	vpstate_reset(vp);
}

int emu_vp_create(struct emu_partition *pt, uint32_t index, void *pages,
		  struct emu_vp **out)
{
	struct emu_vp *vp;
	int rc = 0;

	if (index >= EMU_MAX_VPS)
		return -EINVAL;
	vp = calloc(1, sizeof *vp);
	if (!vp)
		return -ENOMEM;
	vp->pt = pt;
	vp->index = index;
	pthread_mutex_init(&vp->run_lock, NULL);
	lapic_vp_init(vp);
	hv_vp_init(vp);
	synth_vp_init(vp);
	vp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!pages) {
		pages = mmap(NULL, EMU_VP_PAGES_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		vp->own_pages = pages != MAP_FAILED;
		if (pages == MAP_FAILED)
			pages = NULL;
	}
	if (!pages || vp->wake_fd < 0 ||
	    uc_context_alloc(pt->eng.uc, &vp->ctx) != UC_ERR_OK) {
		rc = -ENOMEM;
		goto fail;
	}
	vp->pages = pages;
	vp->rp = pages;
	vp->msg = (struct hv_message *)((uint8_t *)pages + EMU_PAGE);
	memset(pages, 0, EMU_VP_PAGES_SIZE);

	engine_acquire(pt, NULL);
	pthread_mutex_lock(&pt->lock);
	if (pt->vps[index]) {
		rc = -EEXIST;
	} else {
		pt->vps[index] = vp;
	}
	pthread_mutex_unlock(&pt->lock);
	if (rc == 0) {
		/* Start from the engine's pristine state, then reset. */
		struct emu_engine *e = &pt->eng;
		if (e->loaded) {
			uc_context_save(e->uc, e->loaded->ctx);
			e->loaded->ctx_valid = true;
		}
		if (!e->pristine) {
			uc_context_alloc(e->uc, &e->pristine);
			uc_context_save(e->uc, e->pristine);
		}
		uc_context_restore(e->uc, e->pristine);
		e->loaded = vp;
		vp->svm_guest = false;
		vp_reset_state(vp);
		/* Power-on: in a LAPIC partition only the BSP runs; an AP
		 * waits for INIT/SIPI (or for the VMM to clear startup
		 * suspend in HV_REGISTER_INTERNAL_ACTIVITY_STATE). */
		if (emu_pt_has_lapic(pt) && index != 0)
			lapic_set_wait_sipi(vp, true);
		uc_context_save(e->uc, vp->ctx);
		vp->ctx_valid = true;
		vp->rp->version = HV_VP_REGISTER_PAGE_VERSION_1;
		regpage_refresh(vp);
	}
	engine_release(pt);
	if (rc)
		goto fail;
	*out = vp;
	return 0;
fail:
	if (vp->ctx)
		uc_context_free(vp->ctx);
	if (vp->own_pages)
		munmap(pages, EMU_VP_PAGES_SIZE);
	if (vp->wake_fd >= 0)
		close(vp->wake_fd);
	pthread_mutex_destroy(&vp->run_lock);
	lapic_vp_fini(vp);
	hv_vp_fini(vp);
	free(vp);
	return rc;
}

void vp_destroy(struct emu_vp *vp)
{
	free(vp->cpuid);
	free(vp->simp);
	free(vp->siefp);
	if (vp->ctx)
		uc_context_free(vp->ctx);
	if (vp->own_pages)
		munmap(vp->pages, EMU_VP_PAGES_SIZE);
	else if (vp->release)
		vp->release(vp->release_ctx, vp->pages, vp->release_cookie);
	close(vp->wake_fd);
	pthread_mutex_destroy(&vp->run_lock);
	lapic_vp_fini(vp);
	hv_vp_fini(vp);
	free(vp);
}

void emu_vp_set_release(struct emu_vp *vp,
			void (*release)(void *ctx, void *pages, void *cookie),
			void *ctx, void *cookie)
{
	vp->release = release;
	vp->release_ctx = ctx;
	vp->release_cookie = cookie;
}

uint32_t emu_vp_index(const struct emu_vp *vp) { return vp->index; }
void *emu_vp_register_page(struct emu_vp *vp) { return vp->rp; }
struct hv_message *emu_vp_message_page(struct emu_vp *vp) { return vp->msg; }

void emu_vp_kick(struct emu_vp *vp)
{
	uint64_t one = 1;

	/* Wakes a VP halted in RUN_VP; a running VP stops at its next
	 * block (emu/kick.c). */
	engine_kick(vp, EMU_KICK_SIGNAL);
	ssize_t r = write(vp->wake_fd, &one, sizeof one);
	(void)r;
}
