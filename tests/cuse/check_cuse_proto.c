/* SPDX-License-Identifier: MIT */
/*
 * Protocol-level test of mshv-emud, no kernel CUSE needed: the daemon's
 * real request handlers behind a fake kernel (fake_kernel.h) that checks
 * every reply: CUSE_INIT, OPEN, WHOAMI/BIND, ioctls, guest memory, RUN_VP,
 * INTERRUPT and RELEASE.
 */
#define _GNU_SOURCE
#include <config.h>

#include "fake_kernel.h"

#include <errno.h>
#include <fcntl.h>
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
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct mshvd_opts o = { .name = "mshv", .mode = -1, .uid = (uid_t)-1, .gid = (gid_t)-1,
				.log_level = getenv("MSHVD_TEST_LOG") ? MSHVD_LOG_DEBUG
								      : MSHVD_LOG_ERR };

	if (fk_start(&o))
		return 77;

	/* CUSE_INIT: unrestricted ioctls accepted, DEVNAME announced. */
	{
		const struct reply r = fk_init_reply;
		const int rc = 0;
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

	/* WATCH_WRITES: the VMM's userfaultfd for the watch on guest code. */
	{
		struct mshvd_watch w = { .uffd = -1 };
		CHECK(do_ioctl(dev, MSHVD_IOC_WATCH_WRITES, &w) == -ENOTTY,
		      "WATCH_WRITES on a device open: ENOTTY");
		CHECK(do_ioctl(pt, MSHVD_IOC_WATCH_WRITES, &w) == -EBADF,
		      "WATCH_WRITES of a negative fd: EBADF");
		w = (struct mshvd_watch){ .uffd = 0, .rsvd = 1 };
		CHECK(do_ioctl(pt, MSHVD_IOC_WATCH_WRITES, &w) == -EINVAL,
		      "WATCH_WRITES with rsvd set: EINVAL");
		int efd = eventfd(0, EFD_CLOEXEC);
		w = (struct mshvd_watch){ .uffd = efd };
		long not_uffd = do_ioctl(pt, MSHVD_IOC_WATCH_WRITES, &w);
		w.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		long rc = w.uffd < 0 ? -ENOSYS : do_ioctl(pt, MSHVD_IOC_WATCH_WRITES, &w);
		if (rc == -ENOSYS || rc == -EOPNOTSUPP) {
			/* No userfaultfd, no pidfd_getfd (valgrind), or no
			 * write protection: every fd gets the same answer. */
			printf("note: no write watch here (%ld)\n", rc);
			CHECK(not_uffd == rc, "WATCH_WRITES without a watch: %ld", not_uffd);
		} else {
			CHECK(not_uffd == -EINVAL, "WATCH_WRITES of an eventfd: EINVAL (%ld)",
			      not_uffd);
			CHECK(rc == 0, "WATCH_WRITES of a fresh userfaultfd: 0 (%ld)", rc);
			CHECK(do_ioctl(pt, MSHVD_IOC_WATCH_WRITES, &w) == -EEXIST,
			      "a second WATCH_WRITES: EEXIST");
		}
		if (w.uffd >= 0)
			close(w.uffd);
		close(efd);
	}

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

	/* The VFIO bridge, bound on the partition's handle; a create that
	 * makes nothing is answered on the partition open itself. */
	{
		static struct mshv_create_device cd = { .type = MSHV_DEV_TYPE_VFIO };
		static struct mshv_device_attr at = { .group = MSHV_DEV_VFIO_FILE,
						      .attr = MSHV_DEV_VFIO_FILE_ADD };
		uint64_t vf = do_open(me, 1000);

		CHECK(bind_as(vf, pt_handle, MSHV_CREATE_DEVICE, &cd, sizeof cd, me, 1000) == 0,
		      "BIND: CREATE_DEVICE on the partition's handle");
		CHECK(whoami(vf, &kind) && kind == MSHVD_KIND_VFIO, "the bound open is the bridge");
		CHECK(do_ioctl(vf, MSHV_HAS_DEVICE_ATTR, &at) == 0, "HAS_DEVICE_ATTR on it");
		CHECK(do_ioctl(vf, MSHV_GET_DEVICE_ATTR, &at) == -EPERM, "GET_DEVICE_ATTR: EPERM");
		CHECK(do_ioctl(pt, MSHV_CREATE_DEVICE, &cd) == -EOPNOTSUPP,
		      "CREATE_DEVICE without the launcher: EOPNOTSUPP");
		uint64_t vf2 = do_open(me, 1000);
		CHECK(bind_as(vf2, pt_handle, MSHV_CREATE_DEVICE, &cd, sizeof cd, me, 1000) ==
		      -EBUSY, "BIND of a second bridge: the driver's EBUSY");
		do_release(vf2);
		cd.flags = MSHV_CREATE_DEVICE_TEST;
		CHECK(do_ioctl(pt, MSHV_CREATE_DEVICE, &cd) == 0, "CREATE_DEVICE_TEST: 0");
		cd.type = MSHV_DEV_TYPE_MAX;
		CHECK(do_ioctl(pt, MSHV_CREATE_DEVICE, &cd) == -ENODEV, "unknown type: ENODEV");
		do_release(vf);
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
	/* A map the core refuses leaves no mapping in the daemon. */
	CHECK(set_mem(pt, gpa, 0x2000, ram2, rwx) == -EEXIST, "a region over the first: EEXIST");
	CHECK(wait_stats(3, 1, 1, 1) == 0, "the refused region's daemon view is gone");

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

	fk_stop();
	munmap(ram, size);
	munmap(priv, size);
	munmap(ram2, 0x2000);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
