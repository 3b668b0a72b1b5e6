/* SPDX-License-Identifier: MIT */
/*
 * Map from a real file descriptor number to the mshv object bound to it.
 *
 * The table holds one reference on each bound object. Lookups are
 * lock-free and async-signal-safe (a couple of atomic loads, plus one
 * atomic increment/decrement pair when the fd is actually bound), so they
 * can sit on the path of every ioctl()/mmap() in the process. Updates
 * (insert/remove/dup) are rare and may wait briefly for concurrent lookups
 * of the same fd to finish taking their reference.
 */
#ifndef MSHV_EMU_FDTABLE_H
#define MSHV_EMU_FDTABLE_H

struct mshv_obj;

/* File descriptors at or above this value cannot be bound (-EMFILE). */
#define FDTABLE_MAX_FD (1 << 24)

/*
 * Binds fd to obj, consuming the caller's reference on obj (on success
 * only). A binding already present on fd (left over from an fd closed
 * behind our back) is replaced and its reference dropped.
 * Returns 0, -EBADF (fd < 0), -EMFILE (fd too large) or -ENOMEM.
 */
int fdtable_insert(int fd, struct mshv_obj *obj);

/* Returns the object bound to fd with a new reference taken, or NULL. */
struct mshv_obj *fdtable_lookup(int fd);

/* Cheap test without taking a reference (the answer may be stale). */
int fdtable_is_bound(int fd);

/* Unbinds fd; returns the table's reference (caller drops it) or NULL. */
struct mshv_obj *fdtable_remove(int fd);

/*
 * Makes newfd refer to whatever oldfd refers to: if oldfd is bound, newfd
 * is bound to the same object (new reference), replacing any previous
 * binding of newfd; if oldfd is not bound, any binding of newfd is dropped.
 * Returns 1 if newfd is now bound, 0 if not, or a negative errno.
 */
int fdtable_dup(int oldfd, int newfd);

/* Smallest bound fd >= from, or -1 (skips unallocated ranges quickly). */
int fdtable_next_bound(int from);

#endif
