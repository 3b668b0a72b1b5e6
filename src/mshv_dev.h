/* SPDX-License-Identifier: MIT */
/*
 * The /dev/mshv ioctl decoder shared by every face (in-process, CUSE).
 *
 * A face owns file descriptors; each open file is bound to one mshv_obj
 * (the device itself, a partition or a VP). The decoder validates every
 * ioctl exactly as the mshv_root driver does, follows the pointers inside
 * ioctl arguments through the face's user-memory accessor, and calls the
 * hypervisor core. Dispatch goes by the object's kind, never by number
 * alone (request numbers collide across fd kinds).
 */
#ifndef MSHV_EMU_MSHV_DEV_H
#define MSHV_EMU_MSHV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_partition;
struct emu_vp;
struct mshv_tap;
struct vfio_bridge;

/* MSHV_OBJ_VFIO: the downstream VFIO bridge device (src/vfio_bridge.c). */
enum mshv_obj_kind { MSHV_OBJ_DEVICE, MSHV_OBJ_PARTITION, MSHV_OBJ_VP, MSHV_OBJ_VFIO };

struct mshv_obj {
	enum mshv_obj_kind kind;
	int refs;			/* atomic */
	struct emu_partition *pt;	/* PARTITION, VP, VFIO */
	struct emu_vp *vp;		/* VP */
	void *face;			/* owned by the face (e.g. VP page fd) */
	struct vfio_bridge *bridge;	/* VFIO: owned by the partition */
	/* Trace and fault injection (src/tap.h): set by the face on the
	 * device object, inherited by what is created through it. */
	struct mshv_tap *tap;
};

/* Access to the caller's memory. Both return 0 or -EFAULT. */
struct mshv_uaccess {
	int (*read)(void *ctx, void *dst, uint64_t uaddr, size_t n);
	int (*write)(void *ctx, uint64_t uaddr, const void *src, size_t n);
	/* Turns a caller address range into a pointer usable by the core for
	 * guest RAM (in-process: identity), with the guest access asked for
	 * (EMU_MEM_WRITABLE, EMU_MEM_EXECUTABLE): a face grants no more than
	 * the caller has (a writable request over memory the caller cannot
	 * write is -EFAULT, as the driver's pin with FOLL_WRITE). NULL →
	 * -EINVAL/-EFAULT set in *err. Optional; NULL means guest memory
	 * cannot be mapped. */
	void *(*map_guest)(void *ctx, uint64_t uaddr, uint64_t size, unsigned access,
			   int *err);
	/* Gives back what map_guest returned: the core dropped the region
	 * (unmap), or did not take it (the map failed). Optional (NULL:
	 * nothing to release, as in-process). */
	void (*unmap_guest)(void *ctx, void *host, uint64_t size);
	/* Turns a file descriptor number of the caller (irqfd/ioeventfd
	 * eventfds) into one usable here, which the decoder closes after use;
	 * -errno on failure. NULL: the caller's fds are ours (in-process). */
	int (*get_fd)(void *ctx, int fd);
	void *ctx;
	/* map_guest returns the caller's own addresses (in-process): the
	 * caller's writes to guest memory land in the engine's view. */
	bool same_view;
};

/* How a face provides the VP's shared pages (register + message page). */
struct mshv_face_ops {
	/* Returns 2 page-aligned 4 KiB pages, or NULL. *cookie is stored in
	 * obj->face. May be NULL (the core allocates the pages). */
	void *(*alloc_vp_pages)(void *face_ctx, void **cookie);
	void (*free_vp_pages)(void *face_ctx, void *pages, void *cookie);
	void *face_ctx;
};

struct mshv_obj *mshv_obj_new_device(void);
struct mshv_obj *mshv_obj_alloc(enum mshv_obj_kind kind);
void mshv_obj_get(struct mshv_obj *obj);
void mshv_obj_put(struct mshv_obj *obj);

/*
 * Decodes and executes one ioctl on obj. Returns >= 0 or -errno. For
 * MSHV_CREATE_PARTITION, MSHV_CREATE_VP and MSHV_CREATE_DEVICE the new
 * object is returned in *created (one reference, owned by the caller) and
 * the return value is 0: the face turns it into a file descriptor and
 * returns mshv_dev_created() instead.
 */
long mshv_dev_ioctl(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		    const struct mshv_uaccess *ua,
		    const struct mshv_face_ops *fops,
		    struct mshv_obj **created);

/* The create's result once the face has installed fd for it: fd itself, or
 * for MSHV_CREATE_DEVICE 0 with fd written into the caller's struct
 * (-EFAULT if it cannot be; the fd stays, as in the driver). */
long mshv_dev_created(unsigned long request, uint64_t arg, const struct mshv_uaccess *ua,
		      int fd);

/* src/vfio_bridge.c, called by the dispatcher. */
long mshv_vfio_create_device(struct mshv_obj *obj, uint64_t arg, const struct mshv_uaccess *ua,
			     struct mshv_obj **created);
long mshv_vfio_ioctl(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		     const struct mshv_uaccess *ua);

/* mshv_dev_ioctl without the trace and fault hooks (src/tap.c calls it). */
long mshv_dev_dispatch(struct mshv_obj *obj, unsigned long request, uint64_t arg,
		       const struct mshv_uaccess *ua, const struct mshv_face_ops *fops,
		       struct mshv_obj **created);

/* mmap of a VP object: returns the page index to map (0 register page,
 * 1 intercept-message page) or -ENODEV/-EINVAL as the driver would. */
int mshv_dev_mmap_check(struct mshv_obj *obj, uint64_t pgoff);

#endif
