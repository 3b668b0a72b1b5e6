/* SPDX-License-Identifier: MIT */
/*
 * Protocol-level test of mshv-emud, no kernel CUSE needed: the daemon's
 * real request handlers run in a fuse_session whose I/O is a SOCK_SEQPACKET
 * socketpair (fuse_session_custom_io), and this test plays the kernel on
 * the other end: CUSE_INIT, OPEN, IOCTL (unrestricted, replied in round 1:
 * the daemon reaches the buffers of this process with process_vm_*),
 * INTERRUPT and RELEASE, checking every reply.
 */
#define _GNU_SOURCE
#include <config.h>

#include "cuse/daemon.h"
#include "cuse/mshvd_proto.h"

#include <errno.h>
#include <linux/fuse.h>
#ifndef FUSE_INT_REQ_BIT
#define FUSE_INT_REQ_BIT (1ULL << 0)
#endif
#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

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

/* ---- the daemon side ---- */

static ssize_t io_read(int fd, void *buf, size_t len, void *ud)
{
	(void)ud;
	ssize_t n = recv(fd, buf, len, 0);
	if (n == 0) {		/* the fake kernel hung up: end the loop */
		errno = ENODEV;
		return -1;
	}
	return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int cnt, void *ud)
{
	(void)ud;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static void *loop_main(void *se)
{
	fuse_session_loop(se);
	return NULL;
}

/* ---- the fake kernel ---- */

static int kfd;
static uint64_t next_unique = 2;	/* even: bit 0 marks interrupts */

struct reply {
	uint64_t unique;
	int32_t error;
	size_t len;
	uint8_t data[8192];
};

#define STASH 8
static struct reply stash[STASH];
static bool stash_used[STASH];

static uint64_t send_req(uint32_t opcode, uint64_t unique, pid_t pid, uid_t uid,
			 const void *body, size_t blen, const void *extra, size_t elen)
{
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof h + blen + elen), .opcode = opcode,
		.unique = unique ? unique : (next_unique += 2), .nodeid = 0,
		.uid = uid, .gid = uid, .pid = (uint32_t)pid,
	};
	struct iovec iov[3] = { { &h, sizeof h }, { (void *)body, blen }, { (void *)extra, elen } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };

	if (sendmsg(kfd, &m, MSG_NOSIGNAL) != (ssize_t)h.len) {
		perror("fake kernel: sendmsg");
		exit(1);
	}
	return h.unique;
}

/* Waits (up to ms) for the reply to unique; others are stashed. */
static int wait_reply(uint64_t unique, struct reply *out, int ms)
{
	for (int i = 0; i < STASH; i++)
		if (stash_used[i] && stash[i].unique == unique) {
			*out = stash[i];
			stash_used[i] = false;
			return 0;
		}
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	setsockopt(kfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		uint8_t buf[sizeof(struct fuse_out_header) + 8192];
		ssize_t n = recv(kfd, buf, sizeof buf, 0);
		if (n < (ssize_t)sizeof(struct fuse_out_header))
			return -1;
		struct fuse_out_header *oh = (void *)buf;
		struct reply r = { .unique = oh->unique, .error = oh->error,
				   .len = (size_t)n - sizeof *oh };
		memcpy(r.data, buf + sizeof *oh, r.len);
		if (r.unique == unique) {
			*out = r;
			return 0;
		}
		for (int i = 0; i < STASH; i++)
			if (!stash_used[i]) {
				stash[i] = r;
				stash_used[i] = true;
				break;
			}
	}
}

static pid_t me;

static uint64_t do_open(pid_t pid, uid_t uid)
{
	struct fuse_open_in in = { .flags = 02 /* O_RDWR */ };
	struct reply r;
	uint64_t u = send_req(FUSE_OPEN, 0, pid, uid, &in, sizeof in, NULL, 0);

	if (wait_reply(u, &r, 2000) || r.error) {
		printf("FAIL - OPEN: error %d\n", r.error);
		exit(1);
	}
	return ((struct fuse_open_out *)r.data)->fh;
}

static uint64_t ioctl_send(uint64_t fh, unsigned cmd, const void *arg, pid_t pid, uid_t uid)
{
	struct fuse_ioctl_in in = { .fh = fh, .flags = FUSE_IOCTL_UNRESTRICTED, .cmd = cmd,
				    .arg = (uint64_t)(uintptr_t)arg };
	return send_req(FUSE_IOCTL, 0, pid, uid, &in, sizeof in, NULL, 0);
}

/* Returns the ioctl result, or -errno. */
static long ioctl_wait(uint64_t u, int ms)
{
	struct reply r;

	if (wait_reply(u, &r, ms))
		return -ETIMEDOUT;
	if (r.error)
		return r.error;
	const struct fuse_ioctl_out *o = (const void *)r.data;
	if (o->flags & FUSE_IOCTL_RETRY)
		return -EPROTO;		/* the daemon never asks to retry */
	return o->result;
}

static long do_ioctl_as(uint64_t fh, unsigned cmd, const void *arg, pid_t pid, uid_t uid)
{
	return ioctl_wait(ioctl_send(fh, cmd, arg, pid, uid), 5000);
}

static long do_ioctl(uint64_t fh, unsigned cmd, const void *arg)
{
	return do_ioctl_as(fh, cmd, arg, me, 1000);
}

static void do_release(uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	struct reply r;
	/* The kernel sends RELEASE without credentials. */
	uint64_t u = send_req(FUSE_RELEASE, 0, 0, 0, &in, sizeof in, NULL, 0);

	if (wait_reply(u, &r, 2000) || r.error)
		printf("FAIL - RELEASE: error %d\n", r.error), failures++;
}

static long bind_as(uint64_t fh, uint64_t parent, unsigned request, const void *arg,
		    size_t len, pid_t pid, uid_t uid)
{
	static struct mshvd_bind b;

	memset(&b, 0, sizeof b);
	b.parent_handle = parent;
	b.request = request;
	b.arg_size = (uint32_t)len;
	b.caller_pid = (uint32_t)me;
	memcpy(b.arg, arg, len);
	return do_ioctl_as(fh, MSHVD_IOC_BIND, &b, pid, uid);
}

static uint64_t whoami(uint64_t fh, uint32_t *kind)
{
	struct mshvd_whoami w;

	memset(&w, 0xff, sizeof w);
	if (do_ioctl(fh, MSHVD_IOC_WHOAMI, &w))
		return 0;
	*kind = w.kind;
	return w.handle;
}

static int wait_stats(long opens, long partitions, long regions, long workers)
{
	struct mshvd_stats s;

	for (int i = 0; i < 200; i++) {
		mshvd_get_stats(&s);
		if (s.opens == opens && s.partitions == partitions && s.regions == regions &&
		    s.workers == workers)
			return 0;
		usleep(10000);
	}
	printf("# stats: opens %ld partitions %ld regions %ld workers %ld\n", s.opens,
	       s.partitions, s.regions, s.workers);
	return -1;
}

static long set_mem(uint64_t fh, uint64_t gpa, uint64_t size, void *host, unsigned flags)
{
	static struct mshv_user_mem_region r;

	memset(&r, 0, sizeof r);
	r.guest_pfn = gpa >> 12;
	r.size = size;
	r.userspace_addr = (uintptr_t)host;
	r.flags = (uint8_t)flags;
	return do_ioctl(fh, MSHV_SET_GUEST_MEMORY, &r);
}

int main(void)
{
	int sv[2];
	char *argv0 = "mshv-emud";
	struct fuse_args args = FUSE_ARGS_INIT(1, &argv0);
	struct cuse_info ci;
	struct mshvd_opts o = { .name = "mshv", .mode = -1, .uid = (uid_t)-1, .gid = (gid_t)-1,
				.log_level = getenv("MSHVD_TEST_LOG") ? MSHVD_LOG_DEBUG
								      : MSHVD_LOG_ERR };
	pthread_t th;

	setvbuf(stdout, NULL, _IOLBF, 0);
	me = getpid();
	if (mshvd_init(&o) < 0) {
		printf("SKIP - the core cannot start here\n");
		return 77;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	kfd = sv[0];
	mshvd_cuse_info(&ci);
	struct fuse_session *se = cuse_lowlevel_new(&args, &ci, mshvd_ops(), NULL);
	fuse_opt_free_args(&args);	/* the session keeps what it needs */
	const struct fuse_custom_io io = { .writev = io_writev, .read = io_read };
	if (!se || fuse_session_custom_io(se, &io, sv[1])) {
		printf("FAIL - cannot create the CUSE session\n");
		return 1;
	}
	pthread_create(&th, NULL, loop_main, se);

	/* CUSE_INIT: unrestricted ioctls accepted, DEVNAME announced. */
	{
		struct cuse_init_in in = { .major = 7, .minor = 31, .flags = CUSE_UNRESTRICTED_IOCTL };
		struct reply r;
		uint64_t u = send_req(CUSE_INIT, 0, 0, 0, &in, sizeof in, NULL, 0);
		int rc = wait_reply(u, &r, 2000);
		const struct cuse_init_out *out = (const void *)r.data;
		CHECK(rc == 0 && r.error == 0 && r.len > sizeof *out &&
		      (out->flags & CUSE_UNRESTRICTED_IOCTL) && out->major == 7,
		      "CUSE_INIT reply: unrestricted ioctls");
		CHECK(rc == 0 && memmem(r.data + sizeof *out, r.len - sizeof *out, "DEVNAME=mshv", 12),
		      "CUSE_INIT reply carries DEVNAME=mshv");
	}

	/* A VMM's open of the device. */
	uint64_t dev = do_open(me, 1000);
	uint32_t kind = 99;
	uint64_t dev_handle = whoami(dev, &kind);
	CHECK(dev_handle && kind == MSHVD_KIND_DEVICE, "WHOAMI on a fresh open: device");

	CHECK(do_ioctl(dev, _IO(MSHV_IOCTL, 0x77), NULL) == -ENOTTY, "unknown ioctl: ENOTTY");
	CHECK(do_ioctl(dev, MSHV_RUN_VP, NULL) == -ENOTTY, "RUN_VP on the device: ENOTTY");
	struct mshv_create_partition cp = { .pt_flags = 0, .pt_isolation = MSHV_PT_ISOLATION_NONE };
	CHECK(do_ioctl(dev, MSHV_CREATE_PARTITION, &cp) == -EOPNOTSUPP,
	      "CREATE_PARTITION without the launcher: EOPNOTSUPP");
	CHECK(do_ioctl(dev, MSHVD_IOC_WHOAMI, (void *)8) == -EFAULT, "WHOAMI to a bad pointer: EFAULT");

	/* CREATE_PARTITION through the private bind path. */
	uint64_t pt = do_open(me, 1000);
	struct mshv_create_partition bad = { .pt_flags = 1ull << 63 };
	CHECK(bind_as(pt, dev_handle, MSHV_CREATE_PARTITION, &bad, sizeof bad, me, 1000) == -EINVAL,
	      "BIND with invalid create flags: the driver's EINVAL");
	CHECK(bind_as(pt, dev_handle, MSHV_CREATE_PARTITION, &cp, 8, me, 1000) == -EFAULT,
	      "BIND with a short create struct: EFAULT");
	CHECK(bind_as(pt, dev_handle, MSHV_CREATE_PARTITION, &cp, sizeof cp, me, 1000) == 0,
	      "BIND: CREATE_PARTITION on the device's handle");
	uint64_t pt_handle = whoami(pt, &kind);
	CHECK(pt_handle && kind == MSHVD_KIND_PARTITION, "the bound open is a partition");
	CHECK(bind_as(pt, dev_handle, MSHV_CREATE_PARTITION, &cp, sizeof cp, me, 1000) == -EBUSY,
	      "BIND on an already bound open: EBUSY");

	/* A hypercall round trip: struct, input and output in this process. */
	{
		static struct hv_input_get_partition_property in;
		static struct hv_output_get_partition_property out;
		static struct mshv_root_hvcall hc;

		in.property_code = HV_PARTITION_PROPERTY_PHYSICAL_ADDRESS_WIDTH;
		hc.code = HVCALL_GET_PARTITION_PROPERTY;
		hc.in_sz = sizeof in;
		hc.out_sz = sizeof out;
		hc.in_ptr = (uintptr_t)&in;
		hc.out_ptr = (uintptr_t)&out;
		long rc = do_ioctl(pt, MSHV_ROOT_HVCALL, &hc);
		CHECK(rc == 0 && hc.status == HV_STATUS_SUCCESS && out.property_value >= 36 &&
		      out.property_value <= 52,
		      "ROOT_HVCALL round trip (rc %ld, status %u, PA width %llu)", rc, hc.status,
		      (unsigned long long)out.property_value);
		hc.out_ptr = 16;	/* unmapped output buffer */
		hc.status = 0;
		CHECK(do_ioctl(pt, MSHV_ROOT_HVCALL, &hc) == -EFAULT, "ROOT_HVCALL, bad out_ptr: EFAULT");
	}

	/* Isolation: another process of another user cannot bind the objects
	 * of this one, nor can anybody with a guessed handle. */
	{
		static struct mshvd_bind b;	/* same address in the forked child */
		memset(&b, 0, sizeof b);
		b.parent_handle = dev_handle;
		b.request = MSHV_CREATE_PARTITION;
		b.arg_size = sizeof cp;
		memcpy(b.arg, &cp, sizeof cp);
		pid_t other = fork();
		if (other == 0) {
			pause();
			_exit(0);
		}
		uint64_t intruder = do_open(other, 1001);
		CHECK(do_ioctl_as(intruder, MSHVD_IOC_BIND, &b, other, 1001) == -EPERM,
		      "BIND from another pid and uid with a real handle: EPERM");
		b.parent_handle = pt_handle;
		b.request = MSHV_CREATE_VP;
		b.arg_size = sizeof(struct mshv_create_vp);
		memset(b.arg, 0, sizeof b.arg);
		CHECK(do_ioctl_as(intruder, MSHVD_IOC_BIND, &b, other, 1001) == -EPERM,
		      "BIND of a VP on someone else's partition: EPERM");
		b.parent_handle = dev_handle ^ 0x5a5a5a5a5a5a5a5aull;
		b.request = MSHV_CREATE_PARTITION;
		b.arg_size = sizeof cp;
		CHECK(do_ioctl_as(intruder, MSHVD_IOC_BIND, &b, other, 1001) == -EPERM,
		      "BIND with a guessed handle: EPERM");
		do_release(intruder);
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
	}
	{
		uint64_t x = do_open(me, 1000);
		struct mshv_create_vp cv = { .vp_index = 0 };
		CHECK(bind_as(x, dev_handle, MSHV_CREATE_VP, &cv, sizeof cv, me, 1000) == -EPERM,
		      "BIND of a VP on a device handle (wrong kind): EPERM");
		do_release(x);
	}

	/* A VP, bound on the partition's handle. */
	uint64_t vp = do_open(me, 1000);
	{
		struct mshv_create_vp cv = { .vp_index = 0 };
		CHECK(bind_as(vp, pt_handle, MSHV_CREATE_VP, &cv, sizeof cv, me, 1000) == 0,
		      "BIND: CREATE_VP on the partition's handle");
		CHECK(whoami(vp, &kind) && kind == MSHVD_KIND_VP, "the bound open is a VP");
		CHECK(do_ioctl(pt, MSHV_CREATE_VP, &cv) == -EOPNOTSUPP,
		      "CREATE_VP without the launcher: EOPNOTSUPP");
	}

	/* Guest memory: shared is mapped zero-copy, private is refused. */
	const uint64_t gpa = 0xffff0000, size = 0x10000;
	uint8_t *ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint8_t *priv = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *ram2 = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const unsigned rwx = (1u << MSHV_SET_MEM_BIT_WRITABLE) | (1u << MSHV_SET_MEM_BIT_EXECUTABLE);
	CHECK(set_mem(pt, 0x100000, size, priv, rwx) == -EOPNOTSUPP,
	      "SET_GUEST_MEMORY of private memory: EOPNOTSUPP");
	long mrc = set_mem(pt, gpa, size, ram, rwx);
	CHECK(mrc == 0, "SET_GUEST_MEMORY of shared memory (%ld)", mrc);
	CHECK(set_mem(pt, 0x200000, 0x2000, ram2, rwx) == 0, "a second region");
	CHECK(set_mem(pt, gpa, size, ram, rwx) == -EEXIST, "overlapping region: EEXIST");
	{
		struct mshvd_stats s;
		mshvd_get_stats(&s);
		CHECK(s.regions == 2, "the daemon holds 2 region mappings (%ld)", s.regions);
	}

	/* RUN_VP: a HLT at the reset vector gives a HALT message, written into
	 * this process by the VP's worker thread. */
	static struct hv_message msg;
	ram[0xfff0] = 0xf4;			/* hlt */
	ram[0xfff1] = 0xeb, ram[0xfff2] = 0xfe;	/* jmp $ */
	memset(&msg, 0, sizeof msg);
	long rrc = do_ioctl(vp, MSHV_RUN_VP, &msg);
	CHECK(rrc == 0 && msg.header.message_type == HVMSG_X64_HALT,
	      "RUN_VP: HALT intercept (rc %ld, type %#x)", rrc, msg.header.message_type);

	/* The next run spins in "jmp $": the daemon keeps answering other
	 * requests meanwhile, and FUSE_INTERRUPT makes the run return EINTR. */
	{
		uint64_t u = ioctl_send(vp, MSHV_RUN_VP, &msg, me, 1000);
		CHECK(ioctl_wait(u, 300) == -ETIMEDOUT, "RUN_VP of a spinning guest blocks");
		static struct hv_input_get_partition_property in;
		static struct hv_output_get_partition_property out;
		static struct mshv_root_hvcall hc;
		in.property_code = HV_PARTITION_PROPERTY_PHYSICAL_ADDRESS_WIDTH;
		hc.code = HVCALL_GET_PARTITION_PROPERTY;
		hc.in_sz = sizeof in;
		hc.out_sz = sizeof out;
		hc.in_ptr = (uintptr_t)&in;
		hc.out_ptr = (uintptr_t)&out;
		CHECK(do_ioctl(pt, MSHV_ROOT_HVCALL, &hc) == 0,
		      "a hypercall on the partition is answered while the VP runs");
		uint64_t other_dev = do_open(me, 1000);
		CHECK(do_ioctl(other_dev, _IO(MSHV_IOCTL, 0x77), NULL) == -ENOTTY,
		      "another client is served while the VP runs");
		do_release(other_dev);
		struct fuse_interrupt_in ii = { .unique = u };
		send_req(FUSE_INTERRUPT, u | FUSE_INT_REQ_BIT, me, 1000, &ii, sizeof ii, NULL, 0);
		CHECK(ioctl_wait(u, 3000) == -EINTR, "FUSE_INTERRUPT: RUN_VP returns EINTR");
	}

	/* Unmap one region: the daemon's mapping goes with it. */
	CHECK(set_mem(pt, 0x200000, 0x2000, ram, (1u << MSHV_SET_MEM_BIT_UNMAP)) == -EINVAL,
	      "unmap with the wrong address: EINVAL");
	CHECK(set_mem(pt, 0x200000, 0x2000, ram2, (1u << MSHV_SET_MEM_BIT_UNMAP)) == 0,
	      "unmap with the VMM's address");
	CHECK(set_mem(pt, 0x200000, 0x2000, ram2, (1u << MSHV_SET_MEM_BIT_UNMAP)) == -ENOENT,
	      "unmap again: ENOENT");
	CHECK(wait_stats(3, 1, 1, 1) == 0, "3 opens, 1 partition, 1 region, 1 worker left");

	/* Release tears everything down: the partition goes with its last
	 * fd, then its guest RAM mapping; its handles are dead. */
	do_release(dev);
	CHECK(wait_stats(2, 1, 1, 1) == 0, "closing the device fd keeps the partition");
	do_release(pt);
	CHECK(wait_stats(1, 1, 1, 1) == 0, "the VP fd still holds the partition");
	do_release(vp);
	CHECK(wait_stats(0, 0, 0, 0) == 0, "last release: partition, RAM mapping and worker gone");
	{
		uint64_t x = do_open(me, 1000);
		struct mshv_create_vp cv = { .vp_index = 1 };
		CHECK(bind_as(x, pt_handle, MSHV_CREATE_VP, &cv, sizeof cv, me, 1000) == -EPERM,
		      "the released partition's handle is dead");
		do_release(x);
	}

	close(kfd);
	pthread_join(th, NULL);
	fuse_session_destroy(se);
	munmap(ram, size);
	munmap(priv, size);
	munmap(ram2, 0x2000);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
