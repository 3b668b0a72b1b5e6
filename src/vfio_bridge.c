/* SPDX-License-Identifier: MIT */
/*
 * The downstream VFIO bridge device (docs/abi.md §1.5(b), "MSHV_CREATE_DEVICE"):
 * MSHV_CREATE_DEVICE on a partition fd and the attribute ioctls on the
 * device fd it returns, with the answers of Microsoft's downstream driver
 * (drivers/hv/mshv_vfio.c: mshv_partition_ioctl_create_device,
 * mshv_device_ioctl, mshv_vfio_set_file, mshv_vfio_has_attr), which is
 * what rust-vmm mshv-ioctls and Cloud Hypervisor call.
 *
 * The bridge only records which VFIO files the VMM uses with the partition
 * (the driver holds a reference to each); device passthrough itself goes
 * through VFIO and the ordinary memory and irqfd ioctls. One bridge per
 * partition, kept until the partition is destroyed: the driver's device has
 * no release operation, so closing its fd does not free it and a second
 * create answers EBUSY. The device fd pins the partition.
 */
#define _GNU_SOURCE
#include "mshv_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kcmp.h>
#include <linux/mshv.h>
#include <mshv-emu/emu.h>

struct vfio_bridge {
	pthread_mutex_t lock;
	int *files;		/* our own duplicates: the driver's references */
	size_t n, cap;
};

static void bridge_release(void *p)
{
	struct vfio_bridge *b = p;

	for (size_t i = 0; i < b->n; i++)
		close(b->files[i]);
	free(b->files);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

long mshv_vfio_create_device(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua,
			     struct mshv_obj **created)
{
	struct mshv_create_device a;

	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (a.type >= MSHV_DEV_TYPE_MAX)
		return -ENODEV;
	/* Other flag bits are ignored, as by the driver. */
	if (a.flags & MSHV_CREATE_DEVICE_TEST)
		return 0;
	struct vfio_bridge *b = calloc(1, sizeof *b);
	struct mshv_obj *o = mshv_obj_alloc(MSHV_OBJ_VFIO);
	if (!b || !o) {
		free(b);
		free(o);
		return -ENOMEM;
	}
	pthread_mutex_init(&b->lock, NULL);
	int rc = emu_partition_attach(obj->pt, b, bridge_release);
	if (rc) {
		bridge_release(b);
		free(o);
		return rc;
	}
	emu_partition_get(obj->pt);
	o->pt = obj->pt;
	o->bridge = b;
	*created = o;
	return 0;
}

/* Is fd a VFIO group or device file (vfio_file_is_valid())? Their nodes
 * live under /dev/vfio/; the container (/dev/vfio/vfio) is neither. */
static bool is_vfio_file(int fd)
{
	char link[64], path[256];
	struct stat st;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0 || fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return false;
	path[n] = 0;
	return !strncmp(path, "/dev/vfio/", 10) && strcmp(path, "/dev/vfio/vfio");
}

/* The driver compares struct file pointers: the same open file. */
static bool same_file(int a, int b)
{
	long r = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b);

	if (r >= 0)
		return r == 0;
	struct stat sa, sb;	/* no kcmp: the same node is the best guess */
	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino && sa.st_rdev == sb.st_rdev;
}

/* The caller's fd made ours (a duplicate we own), or -EBADF. */
static int take_fd(const struct mshv_uaccess *ua, int32_t fd)
{
	if (fd < 0)
		return -EBADF;
	if (ua->get_fd) {
		int l = ua->get_fd(ua->ctx, fd);
		return l < 0 ? -EBADF : l;
	}
	int l = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return l < 0 ? -EBADF : l;
}

static long file_add(struct vfio_bridge *b, int fd)
{
	long rc = 0;

	if (!is_vfio_file(fd)) {
		close(fd);
		return -EINVAL;
	}
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n && !rc; i++)
		if (same_file(b->files[i], fd))
			rc = -EEXIST;
	if (!rc && b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4;
		int *f = realloc(b->files, cap * sizeof *f);
		if (f) {
			b->files = f;
			b->cap = cap;
		} else {
			rc = -ENOMEM;
		}
	}
	if (!rc)
		b->files[b->n++] = fd;
	pthread_mutex_unlock(&b->lock);
	if (rc)
		close(fd);
	return rc;
}

static long file_del(struct vfio_bridge *b, int fd)
{
	long rc = -ENOENT;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n; i++)
		if (same_file(b->files[i], fd)) {
			close(b->files[i]);
			b->files[i] = b->files[--b->n];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&b->lock);
	close(fd);
	return rc;
}

static long set_attr(struct mshv_obj *obj, const struct mshv_device_attr *a,
		     const struct mshv_uaccess *ua)
{
	int32_t fd;

	/* flags is not checked by the driver. */
	if (a->group != MSHV_DEV_VFIO_FILE ||
	    (a->attr != MSHV_DEV_VFIO_FILE_ADD && a->attr != MSHV_DEV_VFIO_FILE_DEL))
		return -ENXIO;
	if (ua->read(ua->ctx, &fd, a->addr, sizeof fd))
		return -EFAULT;
	int l = take_fd(ua, fd);
	if (l < 0)
		return l;
	return a->attr == MSHV_DEV_VFIO_FILE_ADD ? file_add(obj->bridge, l)
						 : file_del(obj->bridge, l);
}

long mshv_vfio_ioctl(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		     const struct mshv_uaccess *ua)
{
	struct mshv_device_attr a;

	switch (request) {
	case MSHV_SET_DEVICE_ATTR:
	case MSHV_HAS_DEVICE_ATTR:
		break;
	case MSHV_GET_DEVICE_ATTR:
		return -EPERM;	/* the bridge has no get_attr: before any copy */
	default:
		return -ENOTTY;
	}
	if (ua->read(ua->ctx, &a, arg, sizeof a))
		return -EFAULT;
	if (request == MSHV_SET_DEVICE_ATTR)
		return set_attr(obj, &a, ua);
	return a.group == MSHV_DEV_VFIO_FILE &&
	       (a.attr == MSHV_DEV_VFIO_FILE_ADD || a.attr == MSHV_DEV_VFIO_FILE_DEL) ? 0 : -ENXIO;
}

long mshv_dev_created(unsigned long request, uint64_t arg, const struct mshv_uaccess *ua,
		      int fd)
{
	uint32_t v = (uint32_t)fd;

	if (request != MSHV_CREATE_DEVICE)
		return fd;
	/* The fd stays installed when this fails, as in the driver. */
	return ua->write(ua->ctx, arg + offsetof(struct mshv_create_device, fd), &v, sizeof v)
		       ? -EFAULT : 0;
}
