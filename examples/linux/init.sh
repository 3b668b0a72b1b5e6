#!/bin/busybox sh
# /init of the demo initramfs: report who we are on the console, then reset
# the machine (the VMM treats the reset as power-off).  With mshv.shell=1 on
# the kernel command line, an interactive shell first; `reboot -f` ends it.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "mshv-guest: userspace is up, running /init"
cpus=$(grep -c '^processor' /proc/cpuinfo)
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
ce=/sys/devices/system/clockevents/clockevent0/current_device
echo "mshv-guest: clocksource=$(cat $cs 2>/dev/null) clockevent=$(cat $ce 2>/dev/null)"
echo "mshv-guest: release=$(uname -r) cpus=$cpus result=ok"
if grep -q 'mshv.shell=1' /proc/cmdline; then
	echo "mshv-guest: interactive shell; 'reboot -f' powers off"
	setsid cttyhack sh
fi
reboot -f
