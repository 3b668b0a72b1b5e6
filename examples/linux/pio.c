/* SPDX-License-Identifier: MIT */
/*
 * Port IO of the machine: COM1, a CMOS RTC with the host's UTC time, a
 * pair of 8259 PICs that only keep their masks (Linux sees a PIC, masks
 * it and routes everything through the IOAPIC), reset through the i8042
 * (0xfe to port 0x64) and port 0xcf9.  No PIT: its ports read 0, which
 * makes Linux's quick PIT calibration give up at its first read instead
 * of spinning.  Anything else reads all ones, as an empty ISA bus does.
 */
#include <stdio.h>
#include <time.h>

#include "vmm.h"

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t cmos_read(uint8_t idx)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (idx) {
	case 0x00: return bcd(tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd(19 + tm.tm_year / 100);
	case 0x0a: return 0x26;		/* 32.768 kHz base, no update in progress */
	case 0x0b: return 0x02;		/* 24-hour, BCD */
	case 0x0d: return 0x80;		/* valid RAM and time */
	default: return 0;
	}
}

/* 8259: ICW1 on the command port starts ICW2..ICW4 on the data port; OCW1
 * (the mask) is then what the data port stores and returns. */
static uint8_t pic_io(struct vm *vm, unsigned pic, bool cmd, bool write, uint8_t v)
{
	if (!write)
		return cmd ? 0 : vm->pic_imr[pic];
	if (cmd) {
		if (v & 0x10)
			vm->pic_icw_left[pic] = (v & 1) ? 3 : 2;
	} else if (vm->pic_icw_left[pic]) {
		vm->pic_icw_left[pic]--;
	} else {
		vm->pic_imr[pic] = v;
	}
	return 0;
}

void pio_access(struct vm *vm, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	uint8_t v = (uint8_t)*val, r = 0xff;

	if (size != 1) {		/* no 16/32-bit device here */
		if (!write)
			*val = 0xffffffffu;
		return;
	}
	switch (port) {
	case COM1_BASE ... COM1_BASE + 7:
		r = uart_io(vm, &vm->com1, port - COM1_BASE, write, v);
		break;
	case 0x20: case 0x21:
		r = pic_io(vm, 0, port == 0x20, write, v);
		break;
	case 0xa0: case 0xa1:
		r = pic_io(vm, 1, port == 0xa0, write, v);
		break;
	case 0x70:
		if (write)
			vm->cmos_index = v & 0x7f;
		break;
	case 0x71:
		if (!write)
			r = cmos_read(vm->cmos_index);
		break;
	case 0x40 ... 0x43: case 0x61:
		r = 0;
		break;
	case 0x64:
		/* No i8042, but its status port reads 0xfd, not 0xff: the
		 * output buffer looks stuck full, so Linux's probe gives up
		 * at once ("No controller found"), while "input buffer
		 * empty" (bit 1 clear) lets its reset path write 0xfe here
		 * without first polling 65536 times. */
		if (!write)
			r = 0xfd;
		else if (v == 0xfe)
			vm_request_stop(vm, 0, "reset through the i8042");
		break;
	case 0xcf9:
		if (write && (v & 0x04))
			vm_request_stop(vm, 0, "reset through port 0xcf9");
		break;
	default:
		break;
	}
	if (!write)
		*val = r;
}
