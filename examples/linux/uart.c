/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART (National Semiconductor PC16550D datasheet): registers,
 * 64-byte receive FIFO, loopback as Linux's 8250 autoconfig probes it, and
 * the interrupt identification priorities (receive data, then THR empty).
 * Transmission is instantaneous: a byte written to THR goes straight to
 * the console, so THR is always empty again right after a write.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

void uart_init(struct uart *u, int out_fd)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->rx_room, NULL);
	u->out_fd = out_fd;
	u->mcr = MCR_OUT2;
}

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & 1) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDI) && u->rx_count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* The line to the IOAPIC follows IIR; OUT2 gates it as on a PC. The
 * IOAPIC is told with the UART lock held, so levels arrive in order. */
static bool irq_level(const struct uart *u)
{
	return !(iir(u) & IIR_NO_INT) && (u->mcr & MCR_OUT2);
}

static void emit(struct vm *vm, struct uart *u, uint8_t c)
{
	ssize_t r = write(u->out_fd, &c, 1);

	(void)r;
	if (c == '\n' || u->line_len == sizeof(u->line) - 1) {
		u->line[u->line_len] = 0;
		if (u->line_cb)
			u->line_cb(vm, u->line);
		u->line_len = 0;
	} else if (c != '\r') {
		u->line[u->line_len++] = (char)c;
	}
}

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count < sizeof(u->rx))
		u->rx[(u->rx_head + u->rx_count++) % sizeof(u->rx)] = c;
}

static uint8_t msr(const struct uart *u)
{
	uint8_t m = u->mcr, r = 0;

	if (!(m & MCR_LOOP))
		return 0xb0;	/* DCD, DSR, CTS: a cable with a terminal on it */
	if (m & MCR_RTS) r |= 0x10;
	if (m & MCR_DTR) r |= 0x20;
	if (m & MCR_OUT1) r |= 0x40;
	if (m & MCR_OUT2) r |= 0x80;
	return r;
}

static uint8_t do_read(struct uart *u, unsigned off)
{
	uint8_t v;

	switch (off) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!u->rx_count)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % sizeof(u->rx);
		u->rx_count--;
		pthread_cond_signal(&u->rx_room);
		return v;
	case IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case IIR_FCR:
		v = iir(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thre_pending = false;	/* reading IIR acknowledges THRE */
		return v;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) | u->lsr_extra;
		u->lsr_extra = 0;
		return v;
	case MSR:
		return msr(u);
	default:
		return u->scr;
	}
}

static void do_write(struct vm *vm, struct uart *u, unsigned off, uint8_t val)
{
	switch (off) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
		} else {
			if (u->mcr & MCR_LOOP)
				rx_push(u, val);
			else
				emit(vm, u, val);
			u->thre_pending = true;	/* sent at once: empty again */
		}
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
		} else {
			/* Enabling THRI while THR is empty raises the interrupt. */
			if ((val & IER_THRI) && !(u->ier & IER_THRI))
				u->thre_pending = true;
			u->ier = val & 0x0f;
		}
		break;
	case IIR_FCR:
		if (val & 0x02)
			u->rx_count = 0;
		u->fcr = val & 0xc9;
		break;
	case LCR:
		u->lcr = val;
		break;
	case MCR:
		u->mcr = val & 0x1f;
		break;
	case SCR:
		u->scr = val;
		break;
	default:
		break;
	}
}

uint8_t uart_io(struct vm *vm, struct uart *u, unsigned off, bool write, uint8_t val)
{
	pthread_mutex_lock(&u->lock);
	if (write)
		do_write(vm, u, off & 7, val);
	else
		val = do_read(u, off & 7);
	ioapic_set_irq(vm, COM1_IRQ, irq_level(u));
	pthread_mutex_unlock(&u->lock);
	return val;
}

void uart_input(struct vm *vm, struct uart *u, const uint8_t *buf, size_t n)
{
	pthread_mutex_lock(&u->lock);
	for (size_t i = 0; i < n; i++) {
		/* Host input waits for room in the FIFO instead of overrunning
		 * it (a pasted line lost characters): the guest drains it at
		 * its own pace, raising the interrupt again meanwhile. */
		while (u->rx_count == sizeof(u->rx) && !atomic_load(&vm->stop)) {
			struct timespec t;
			ioapic_set_irq(vm, COM1_IRQ, irq_level(u));
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += 100 * 1000 * 1000;
			if (t.tv_nsec >= 1000000000L) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&u->rx_room, &u->lock, &t);
		}
		if (u->rx_count == sizeof(u->rx))
			break;		/* stopping */
		rx_push(u, buf[i]);
	}
	ioapic_set_irq(vm, COM1_IRQ, irq_level(u));
	pthread_mutex_unlock(&u->lock);
}
