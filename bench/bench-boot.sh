#!/bin/sh
# Linux boot to userspace through the in-process /dev/mshv (make bench):
# Debian's kernel (the ELF scripts/setup.sh extracted) and the busybox
# initramfs, booted by the reference VMM (examples/linux) with 1 and 2
# VPs, BENCH_BOOT_RUNS times each. The time is the VMM's own
# figure: from its start to the guest's /init reporting on the console.
# There is no raw-Unicorn row: a bare engine has no devices to boot on.
# A VP count with a "d" (1d) boots with the VMM's dirty-log pre-copy
# running every 10 ms (mshv-linux --dirty-log 10): its cost against the
# same boot without, and a boot whose copy differs from guest RAM fails.
#   BENCH_BOOT_RUNS=3  BENCH_BOOT_SMP="1 2 1d"
set -u
top=${BENCH_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
kernel=${MSHV_EMU_KERNEL:-$top/.cache/linux/vmlinux}
[ -s "$kernel" ] || [ -n "${MSHV_EMU_KERNEL:-}" ] || kernel=$top/../.cache/linux/vmlinux
initrd=$top/examples/linux/initramfs.cpio
vmm=$top/examples/linux/mshv-linux
runs=${BENCH_BOOT_RUNS:-3}

echo "Linux boot to userspace (reference VMM, in-process; $runs boots each)"
if [ ! -s "$kernel" ] || [ ! -s "$initrd" ]; then
	echo "  skipped: no kernel or initramfs (scripts/setup.sh unpacks Debian's)"
	exit 0
fi
printf '  %-16s %10s %10s %s\n' VPs best median failures
for cfg in ${BENCH_BOOT_SMP:-1 2 1d}; do
	n=${cfg%d} dirty= label="$cfg"
	[ "$n" = "$cfg" ] || { dirty="--dirty-log 10"; label="$n, dirty log"; }
	times= fails=0 why=
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		out=$("$top/mshv-emu" run -- "$vmm" \
			--kernel "$kernel" --initrd "$initrd" --smp "$n" --timeout 300 \
			$dirty --tag bench 2>&1)
		t=$(echo "$out" | sed -n 's/^bench: Linux .* reached userspace in \([0-9.]*\) s .*/\1/p' | tail -n 1)
		# with the dirty log, the copy must equal guest RAM
		[ -z "$dirty" ] || echo "$out" | grep -q '^bench: dirty log: .* 0 pages differ$' || t=
		if [ -n "$t" ]; then
			times="$times $t"
		else
			fails=$((fails + 1))
			# the guest's own verdict if it gave one, else the VMM's
			why=$(echo "$out" | grep -E 'Kernel panic|BUG:|segfault' | tail -n 1)
			[ -n "$why" ] || why=$(echo "$out" | grep -E '^bench: ' | tail -n 1)
			why=$(echo "$why" | sed 's/^\[ *[0-9.]*\] //' | cut -c1-70)
		fi
	done
	sorted=$(for t in $times; do echo "$t"; done | sort -n)
	cnt=$(echo "$times" | wc -w)
	best=- med=-
	if [ "$cnt" -gt 0 ]; then
		best=$(echo "$sorted" | head -n 1)
		med=$(echo "$sorted" | sed -n "$(( (cnt + 1) / 2 ))p")
	fi
	printf '  %-16s %9s%s %9s%s %s/%s %s\n' "$label" "$best" \
		"$([ "$best" = - ] && echo ' ' || echo s)" "$med" \
		"$([ "$med" = - ] && echo ' ' || echo s)" "$fails" "$runs" "$why"
done
