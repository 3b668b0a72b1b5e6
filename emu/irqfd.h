/* SPDX-License-Identifier: MIT */
#ifndef MSHV_EMU_IRQFD_H
#define MSHV_EMU_IRQFD_H

#include "util.h"

struct emu_partition;

/* irqfd.c: MSHV_IRQFD. A per-partition service thread (started with the
 * first irqfd) epolls the eventfds and injects through lapic_deliver. The
 * core holds its own duplicate of every eventfd it is given. */
struct emu_irqfd {
	struct emu_irqfd *next;
	uint64_t id;		/* epoll key (0 = the control eventfd) */
	int efd;		/* own duplicate of the VMM's eventfd */
	int rfd;		/* own duplicate of the resamplefd, or -1 */
	long eid;		/* the eventfd's id (fdinfo), or -1 */
	uint32_t gsi;
	bool rs_armed;		/* a level interrupt is in flight ... */
	uint8_t rs_vector;	/* ... with this vector (rs_lock) */
};
void irqfd_init(struct emu_partition *pt);
/* Stops the service thread and drops every irqfd; before VPs go away. */
void irqfd_fini(struct emu_partition *pt);
/* Shared with ioeventfd.c: 0, -EBADF (not open) or -EINVAL (no eventfd). */
int emu_check_eventfd(int fd);
/* Do two fds of this process refer to the same open file? */
bool emu_same_file(int a, int b);

#endif
