/* SPDX-License-Identifier: MIT */
/*
 * The fake kernel of the CUSE protocol tests: the daemon's real request
 * handlers run in a fuse_session whose I/O is a SOCK_SEQPACKET socketpair
 * (fuse_session_custom_io), and the test plays the kernel on the other
 * end: CUSE_INIT, OPEN, IOCTL (unrestricted, replied in round 1: the daemon
 * reaches the buffers of the test process with process_vm_*), INTERRUPT
 * and RELEASE.
 */
#ifndef MSHV_EMU_TESTS_FAKE_KERNEL_H
#define MSHV_EMU_TESTS_FAKE_KERNEL_H

#include "cuse/daemon.h"
#include "cuse/mshvd_proto.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

extern int failures;
extern pid_t me;	/* this process: the "client" of every request */

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok - " __VA_ARGS__);				\
	} else {							\
		printf("FAIL (%s:%d) - ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		failures++;						\
	}								\
	printf("\n");							\
} while (0)

struct reply {
	uint64_t unique;
	int32_t error;
	size_t len;
	uint8_t data[8192];
};

/* The daemon's reply to CUSE_INIT, which fk_start sends. */
extern struct reply fk_init_reply;
/* Starts the daemon's handlers (options o) in a session thread and sends
 * CUSE_INIT: 0, or 77 when the core cannot start here. */
int fk_start(const struct mshvd_opts *o);
/* Hangs up and joins the session. */
void fk_stop(void);

uint64_t send_req(uint32_t opcode, uint64_t unique, pid_t pid, uid_t uid,
		  const void *body, size_t blen, const void *extra, size_t elen);
/* Waits (up to ms) for the reply to unique; others are stashed. */
int wait_reply(uint64_t unique, struct reply *out, int ms);
/* OPEN: the handle, or -errno (exits on a time-out). */
int64_t try_open(pid_t pid, uid_t uid);
uint64_t do_open(pid_t pid, uid_t uid);
uint64_t ioctl_send(uint64_t fh, unsigned cmd, const void *arg, pid_t pid, uid_t uid);
/* The ioctl result, or -errno (-ETIMEDOUT: no reply within ms). */
long ioctl_wait(uint64_t u, int ms);
long do_ioctl_as(uint64_t fh, unsigned cmd, const void *arg, pid_t pid, uid_t uid);
long do_ioctl(uint64_t fh, unsigned cmd, const void *arg);
void do_release(uint64_t fh);
long bind_as(uint64_t fh, uint64_t parent, unsigned request, const void *arg, size_t len,
	     pid_t pid, uid_t uid);
uint64_t whoami(uint64_t fh, uint32_t *kind);
/* Waits until the daemon's counts are these: 0 or -1. */
int wait_stats(long opens, long partitions, long regions, long workers);
long set_mem(uint64_t fh, uint64_t gpa, uint64_t size, void *host, unsigned flags);
/* A device open, a partition and VP 0 bound on it, as uid. */
struct fk_vm { uint64_t dev, pt, vp; };
int fk_vm_create(struct fk_vm *vm, uid_t uid);
void fk_vm_release(const struct fk_vm *vm);

#endif
