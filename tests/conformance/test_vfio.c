/* SPDX-License-Identifier: MIT */
/*
 * The downstream VFIO bridge device: MSHV_CREATE_DEVICE on a partition fd and
 * the attribute ioctls on its fd, with the downstream driver's numbers and
 * errnos (docs/abi.md "MSHV_CREATE_DEVICE"). An upstream kernel has no
 * MSHV_CREATE_DEVICE: there every case is skipped (ENOTTY).
 */
#include "vmm.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* A device fd on a fresh partition (or a skip when the driver has none). */
static int create_vfio(struct vm *vm)
{
	struct mshv_create_device cd = { .type = MSHV_DEV_TYPE_VFIO, .fd = 0xdeadbeef };
	int r = ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd);

	if (r < 0 && errno == ENOTTY)
		test_skip("no MSHV_CREATE_DEVICE (upstream driver)");
	TEST_ASSERT(r == 0, "MSHV_CREATE_DEVICE returns 0, not %d (%s)", r, strerror(errno));
	TEST_ASSERT(cd.fd != 0xdeadbeef && fcntl((int)cd.fd, F_GETFD) >= 0,
		    "the new fd %u is written into the argument", cd.fd);
	TEST_ASSERT(fcntl((int)cd.fd, F_GETFD) & FD_CLOEXEC, "device fd lacks FD_CLOEXEC");
	return (int)cd.fd;
}

static int attr(int fd, unsigned long req, uint32_t group, uint64_t a, const void *addr)
{
	struct mshv_device_attr at = {
		.group = group, .attr = a, .addr = (uint64_t)(uintptr_t)addr,
	};

	return ioctl(fd, req, &at);
}

TEST(create_device_rules)
{
	struct vm *vm = vm_create(0);
	struct mshv_create_device cd = { .type = MSHV_DEV_TYPE_MAX };
	int r = ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd);

	if (r < 0 && errno == ENOTTY)
		test_skip("no MSHV_CREATE_DEVICE (upstream driver)");
	/* Unknown type, then a bad address: ENODEV, EFAULT. */
	TEST_ASSERT_ERRNO(r, ENODEV);
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, (void *)8), EFAULT);
	/* TEST: the type exists; no fd, nothing written back, no device. */
	cd = (struct mshv_create_device){ .type = MSHV_DEV_TYPE_VFIO,
					  .flags = MSHV_CREATE_DEVICE_TEST, .fd = 77 };
	TEST_ASSERT_EQ(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd), 0);
	TEST_ASSERT_EQ(cd.fd, 77);
	cd.type = 5;
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd), ENODEV);
	/* Not on /dev/mshv or a VP fd. */
	cd = (struct mshv_create_device){ .type = MSHV_DEV_TYPE_VFIO };
	TEST_ASSERT_ERRNO(ioctl(vm->sys_fd, MSHV_CREATE_DEVICE, &cd), ENOTTY);
	struct vcpu *vcpu = vcpu_create(vm, 0);
	TEST_ASSERT_ERRNO(ioctl(vcpu->fd, MSHV_CREATE_DEVICE, &cd), ENOTTY);
	/* One bridge per partition, kept until the partition goes: closing
	 * its fd does not free it. Other flag bits are ignored. */
	int dev = create_vfio(vm);
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd), EBUSY);
	close(dev);
	cd.flags = 0x80000000u;
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd), EBUSY);
	cd.flags = MSHV_CREATE_DEVICE_TEST;
	TEST_ASSERT_EQ(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd), 0);
	vm_destroy(vm);

	/* An argument that can be read but not written back: EFAULT, and
	 * the device was made all the same. */
	vm = vm_create(0);
	void *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	cd = (struct mshv_create_device){ .type = MSHV_DEV_TYPE_VFIO };
	memcpy(ro, &cd, sizeof cd);
	TEST_ASSERT_OK(mprotect(ro, 4096, PROT_READ));
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, ro), EFAULT);
	TEST_ASSERT_ERRNO(ioctl(vm->pt_fd, MSHV_CREATE_DEVICE, &cd), EBUSY);
	munmap(ro, 4096);
	vm_destroy(vm);
}

TEST(device_attr_rules)
{
	struct vm *vm = vm_create(0);
	int dev = create_vfio(vm);
	int efd = eventfd(0, EFD_CLOEXEC);
	int32_t fd = efd, closed = 1000, neg = -1;

	TEST_ASSERT(efd >= 0, "eventfd");
	TEST_ASSERT(fcntl(closed, F_GETFD) < 0, "fd 1000 is free");
	/* HAS: the VFIO file group with ADD and DEL, nothing else. */
	TEST_ASSERT_EQ(attr(dev, MSHV_HAS_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			    MSHV_DEV_VFIO_FILE_ADD, NULL), 0);
	TEST_ASSERT_EQ(attr(dev, MSHV_HAS_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			    MSHV_DEV_VFIO_FILE_DEL, NULL), 0);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_HAS_DEVICE_ATTR, MSHV_DEV_VFIO_FILE, 3, NULL), ENXIO);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_HAS_DEVICE_ATTR, 0, MSHV_DEV_VFIO_FILE_ADD, NULL),
			  ENXIO);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_HAS_DEVICE_ATTR, 2, 1, NULL), ENXIO);
	TEST_ASSERT_ERRNO(ioctl(dev, MSHV_HAS_DEVICE_ATTR, (void *)8), EFAULT);
	/* GET: the bridge has no readable attributes, whatever the address. */
	TEST_ASSERT_ERRNO(attr(dev, MSHV_GET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &fd), EPERM);
	TEST_ASSERT_ERRNO(ioctl(dev, MSHV_GET_DEVICE_ATTR, (void *)8), EPERM);
	/* SET: the struct, the group and attribute, then the fd pointer. */
	TEST_ASSERT_ERRNO(ioctl(dev, MSHV_SET_DEVICE_ATTR, (void *)8), EFAULT);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, 0, MSHV_DEV_VFIO_FILE_ADD, &fd), ENXIO);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE, 0, (void *)8),
			  ENXIO);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, (void *)8), EFAULT);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_DEL, (void *)8), EFAULT);
	/* ADD: an fd that is not open, then one that is not a VFIO file. */
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &closed), EBADF);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &neg), EBADF);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &fd), EINVAL);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &vm->pt_fd), EINVAL);
	/* DEL: not open, then open but never added. */
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_DEL, &closed), EBADF);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_DEL, &fd), ENOENT);
	/* Unknown requests; the partition's and VP's ioctls are not here. */
	TEST_ASSERT_ERRNO(ioctl(dev, _IO(MSHV_IOCTL, 0x3f)), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(dev, MSHV_INITIALIZE_PARTITION), ENOTTY);
	struct mshv_create_vp cv = { 0 };
	TEST_ASSERT_ERRNO(ioctl(dev, MSHV_CREATE_VP, &cv), ENOTTY);
	/* The attribute ioctls on other fds. */
	TEST_ASSERT_ERRNO(attr(vm->pt_fd, MSHV_HAS_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, NULL), ENOTTY);
	TEST_ASSERT_ERRNO(attr(vm->sys_fd, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &fd), ENOTTY);
	close(efd);
	close(dev);
	vm_destroy(vm);
}

/* A real VFIO group, when this machine has one the caller may open. */
TEST(vfio_group_add_del)
{
	char path[64];
	int g = -1;

	for (int i = 0; i < 256 && g < 0; i++) {
		snprintf(path, sizeof path, "/dev/vfio/%d", i);
		g = open(path, O_RDWR | O_CLOEXEC);
	}
	if (g < 0)
		test_skip("no openable VFIO group");
	struct vm *vm = vm_create(0);
	int dev = create_vfio(vm);
	int32_t fd = g;

	TEST_ASSERT_EQ(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			    MSHV_DEV_VFIO_FILE_ADD, &fd), 0);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_ADD, &fd), EEXIST);
	TEST_ASSERT_EQ(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			    MSHV_DEV_VFIO_FILE_DEL, &fd), 0);
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_DEL, &fd), ENOENT);
	close(dev);
	close(g);
	vm_destroy(vm);
}

/* The device fd pins the partition: with every other fd closed, the device
 * still answers, and a partition created afterwards is a different one. */
TEST(device_outlives_partition_fd)
{
	struct vm *vm = vm_create(0);
	int dev = create_vfio(vm);
	int sys = vm->sys_fd;

	vm->sys_fd = -1;
	close(vm->pt_fd);
	vm->pt_fd = -1;
	TEST_ASSERT_EQ(attr(dev, MSHV_HAS_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			    MSHV_DEV_VFIO_FILE_ADD, NULL), 0);
	int32_t none = 1000;
	TEST_ASSERT_ERRNO(attr(dev, MSHV_SET_DEVICE_ATTR, MSHV_DEV_VFIO_FILE,
			       MSHV_DEV_VFIO_FILE_DEL, &none), EBADF);
	/* A new partition gets its own bridge. */
	struct mshv_create_partition cp = { 0 };
	int pt = ioctl(sys, MSHV_CREATE_PARTITION, &cp);
	TEST_ASSERT_OK(pt);
	struct mshv_create_device cd = { .type = MSHV_DEV_TYPE_VFIO };
	TEST_ASSERT_EQ(ioctl(pt, MSHV_CREATE_DEVICE, &cd), 0);
	close((int)cd.fd);
	close(pt);
	close(dev);
	close(sys);
	free(vm);
}

TEST_MAIN(TEST_ENTRY(create_device_rules), TEST_ENTRY(device_attr_rules),
	  TEST_ENTRY(vfio_group_add_del), TEST_ENTRY(device_outlives_partition_fd))
