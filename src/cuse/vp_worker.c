/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud: the RUN_VP workers (docs/cuse.md).
 *
 * MSHV_RUN_VP blocks for as long as the guest runs, so the dispatch thread
 * hands it to the VP's own worker thread (made on the first RUN_VP of a VP
 * open), which answers it asynchronously. A FUSE_INTERRUPT for it kicks the
 * VP (EINTR). A kicker thread repeats the kick until the run has returned,
 * because the core forgets a kick that lands just before emu_vp_run()
 * starts.
 */
#define _GNU_SOURCE
#include <config.h>

#include "daemon.h"
#include "../mshv_dev.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <linux/mshv.h>
#include <mshv-emu/emu.h>

/* ---- RUN_VP workers ---- */

struct runreq {
	fuse_req_t req;
	uint64_t arg;
	pid_t tid;
	bool intr;
	struct runreq *next;
};

struct vpw {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct runreq *head, **tail;
	struct runreq *cur;
	bool quit;
	struct mshv_obj *obj;	/* own reference */
	struct ptrec *pr;	/* own reference */
	struct vpw *gnext;	/* kicker list */
};

static pthread_mutex_t g_kick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_kick_cv = PTHREAD_COND_INITIALIZER;
static struct vpw *g_workers;
static int g_kick_pending;

static void *kicker_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&g_kick_mu);
	for (;;) {
		while (!g_kick_pending)
			pthread_cond_wait(&g_kick_cv, &g_kick_mu);
		bool still = false;
		for (struct vpw *w = g_workers; w; w = w->gnext) {
			pthread_mutex_lock(&w->mu);
			if (w->cur && w->cur->intr) {
				emu_vp_kick(w->obj->vp);
				still = true;
			}
			pthread_mutex_unlock(&w->mu);
		}
		if (!still) {
			g_kick_pending = 0;
			continue;
		}
		pthread_mutex_unlock(&g_kick_mu);
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
		pthread_mutex_lock(&g_kick_mu);
	}
	return NULL;
}

/* FUSE_INTERRUPT for a RUN_VP (dispatch thread, under the request's lock). */
static void run_interrupt(fuse_req_t req, void *data)
{
	struct vpw *w = data;
	bool running = false;

	pthread_mutex_lock(&w->mu);
	if (w->cur && w->cur->req == req) {
		w->cur->intr = true;
		emu_vp_kick(w->obj->vp);
		running = true;
	} else {
		for (struct runreq *r = w->head; r; r = r->next)
			if (r->req == req)
				r->intr = true;
	}
	pthread_mutex_unlock(&w->mu);
	if (running) {
		pthread_mutex_lock(&g_kick_mu);
		g_kick_pending = 1;
		pthread_cond_signal(&g_kick_cv);
		pthread_mutex_unlock(&g_kick_mu);
	}
}

static void *vpw_main(void *arg)
{
	struct vpw *w = arg;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		struct runreq *r = w->head;
		if (!r) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		w->head = r->next;
		if (!w->head)
			w->tail = &w->head;
		if (r->intr) {
			pthread_mutex_unlock(&w->mu);
			fuse_reply_err(r->req, EINTR);
			free(r);
			continue;
		}
		w->cur = r;
		pthread_mutex_unlock(&w->mu);

		struct mshv_uaccess ua;
		struct ua_ctx u;
		struct mshv_obj *created = NULL;
		mshvd_ua_init(&ua, &u, r->tid);
		long rc = -EFAULT;
		if (!mshvd_ptrec_poisoned(w->pr)) {
			mshvd_guard_set_vp(w->obj->vp);
			rc = mshv_dev_ioctl(w->obj, MSHV_RUN_VP, r->arg, &ua, NULL, &created);
			mshvd_guard_set_vp(NULL);
		}
		/* Guest RAM lost pages during the run (ram_guard.c): whatever
		 * the run returned, the guest read zeros instead of them. */
		if (mshvd_ptrec_poisoned(w->pr))
			rc = -EFAULT;

		pthread_mutex_lock(&w->mu);
		w->cur = NULL;
		pthread_mutex_unlock(&w->mu);
		mshvd_reply(r->req, rc);
		free(r);
	}
	pthread_mutex_lock(&g_kick_mu);
	for (struct vpw **pp = &g_workers; *pp; pp = &(*pp)->gnext)
		if (*pp == w) {
			*pp = w->gnext;
			break;
		}
	pthread_mutex_unlock(&g_kick_mu);
	mshv_obj_put(w->obj);
	mshvd_ptrec_put(w->pr);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	atomic_fetch_sub(&mshvd_st_workers, 1);
	return NULL;
}

static struct vpw *vpw_new(struct fh *f)
{
	struct vpw *w = calloc(1, sizeof *w);
	pthread_attr_t at;
	pthread_t th;

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->tail = &w->head;
	mshv_obj_get(f->obj);
	w->obj = f->obj;
	w->pr = mshvd_ptrec_get(f->pr);
	pthread_mutex_lock(&g_kick_mu);
	w->gnext = g_workers;
	g_workers = w;
	pthread_mutex_unlock(&g_kick_mu);
	atomic_fetch_add(&mshvd_st_workers, 1);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, vpw_main, w)) {
		pthread_attr_destroy(&at);
		w->quit = true;
		vpw_main(w);	/* unlinks and frees */
		return NULL;
	}
	pthread_attr_destroy(&at);
	return w;
}

void mshvd_vpw_stop(struct vpw *w)
{
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void mshvd_run_async(fuse_req_t req, struct fh *f, uint64_t arg, pid_t tid)
{
	struct runreq *r;

	if (!f->w && !(f->w = vpw_new(f))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->req = req;
	r->arg = arg;
	r->tid = tid;
	/* Before queueing: once queued, the worker may answer (and free req)
	 * at any time. An interrupt that came first shows here. */
	fuse_req_interrupt_func(req, run_interrupt, f->w);
	if (fuse_req_interrupted(req)) {
		free(r);
		fuse_reply_err(req, EINTR);
		return;
	}
	pthread_mutex_lock(&f->w->mu);
	*f->w->tail = r;
	f->w->tail = &r->next;
	pthread_cond_signal(&f->w->cv);
	pthread_mutex_unlock(&f->w->mu);
}

static int g_kicker_rc;

static void start_kicker(void)
{
	pthread_attr_t at;
	pthread_t th;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	g_kicker_rc = -pthread_create(&th, &at, kicker_main, NULL);
	pthread_attr_destroy(&at);
}

int mshvd_kicker_start(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, start_kicker);
	return g_kicker_rc;
}
