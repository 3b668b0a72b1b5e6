#!/bin/sh
# make bench-cuse: /dev/mshv over the kernel's CUSE driver against the
# in-process face, inside one User-Mode Linux boot (tests/uml/run-in-uml;
# the host kernel may have no CONFIG_CUSE). See bench/README.md "Over CUSE".
#
# Inside UML: cuse-echo (a bare two-round CUSE ioctl) and a pipe ping-pong
# for scale, then bench-ioctl and bench-exits (io-hvcall) under
# "mshv-emu run --" and "mshv-emu run --cuse --", bench-ioctl once more over
# CUSE with private anonymous guest RAM (MSHV_TEST_PRIVATE_RAM=1, converted
# by the launcher: any effect on exits), and bench-private-ram (the cost of
# that conversion per GiB). BENCH_CUSE_ROUNDS rounds (default 2),
# interleaved; the best figure of each row is printed in one table.
#
# Environment: BENCH_BUILDDIR (top build directory), MSHV_EMU_PRELOAD (the
# in-process library), BENCH_CUSE_ROUNDS, BENCH_QUICK, UML_TIMEOUT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
b=${BENCH_BUILDDIR:-$PWD}

if [ "${1:-}" != --inside ]; then
	exec "$here/../tests/uml/run-in-uml" --timeout "${UML_TIMEOUT:-1800}" --mem 2560M -- \
		"$here/bench-cuse.sh" --inside
fi

# ---- inside UML ----------------------------------------------------------
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-cuse.XXXXXX") || exit 1
pids=
trap 'for p in $pids; do kill -TERM "$p" 2>/dev/null; done; rm -rf "$out"' EXIT

wait_chardev() {
	n=0
	while [ ! -c "$1" ]; do
		[ "$n" -ge 300 ] && { echo "bench-cuse: $1 did not appear" >&2; exit 1; }
		sleep 0.1
		n=$((n + 1))
	done
}

"$b/tests/uml/cuse-echo" -n bench-echo -f -s >"$out/echo.log" 2>&1 &
pids="$pids $!"
"$b/mshv-emud" -f -n mshv -l warning >"$out/emud.log" 2>&1 &
pids="$pids $!"
wait_chardev /dev/bench-echo
wait_chardev /dev/mshv

emu=$b/mshv-emu
# record ROW VALUE: keeps every figure; the table takes the minimum.
record() { echo "$1|$2" >>"$out/rows"; }

rounds=${BENCH_CUSE_ROUNDS:-2}
r=0
while [ "$r" -lt "$rounds" ]; do
	r=$((r + 1))
	echo "bench-cuse: round $r of $rounds" >&2
	"$b/tests/uml/cuse-echo" --client /dev/bench-echo 5000 >"$out/echo" 2>&1 &&
		sed -n 's/.*ioctls: \([0-9.]*\) us\/ioctl.*ping-pong \([0-9.]*\) us.*/\1 \2/p' \
			"$out/echo" | {
			read -r io pp
			record "raw CUSE ioctl (cuse-echo, 2 FUSE rounds)|cuse" "$io"
			record "pipe ping-pong, 2 processes|cuse" "$pp"
		}
	for face in in cuse; do
		run="$emu run --"
		[ "$face" = cuse ] && run="$emu run --cuse --"
		$run "$b/bench/bench-ioctl" 2>/dev/null | while read -r _ c us _; do
			record "bench-ioctl $c|$face" "$us"
		done
		BENCH_ONLY=io-hvcall $run "$b/bench/bench-exits" 2>/dev/null |
			awk '$1 == "only" { print $5 }' | while read -r us; do
			record "IO exit round trip (bench-exits io-hvcall)|$face" "$us"
		done
		$run "$b/bench/bench-private-ram" 2>/dev/null | while read -r _ c ms _ g _; do
			record "SET_GUEST_MEMORY $c: ms|$face" "$ms"
			record "SET_GUEST_MEMORY $c: ms per GiB|$face" "$g"
		done
	done
	MSHV_TEST_PRIVATE_RAM=1 $emu run --cuse -- "$b/bench/bench-ioctl" 2>/dev/null |
		while read -r _ c us _; do
			record "bench-ioctl $c|cuse-private" "$us"
		done
done

echo
echo "Over CUSE inside UML (UML $(uname -r)); best of $rounds; us unless marked ms."
echo "cuse-private: over CUSE with private guest RAM converted by the launcher."
echo
awk -F'|' '
	{ k = $1; f = $2; v = $3 + 0
	  if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	  if (!((k, f) in best) || v < best[k, f]) best[k, f] = v }
	END {
		printf "| %-58s | %12s | %12s | %12s |\n", "row", "in-process", "over CUSE", "cuse-private"
		printf "|%s|%s|%s|%s|\n", "------------------------------------------------------------",
			"--------------", "--------------", "--------------"
		for (i = 1; i <= n; i++) {
			k = order[i]
			printf "| %-58s |", k
			split("in cuse cuse-private", fs, " ")
			for (j = 1; j <= 3; j++)
				if ((k, fs[j]) in best) printf " %12.3f |", best[k, fs[j]]
				else printf " %12s |", "-"
			printf "\n"
		}
	}' "$out/rows"
