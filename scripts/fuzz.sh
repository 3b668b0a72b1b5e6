#!/bin/sh
# A bounded libFuzzer campaign on tests/fuzz/fuzz_mshv (docs/fuzzing.md);
# "make fuzz" runs it.
#   scripts/fuzz.sh            FUZZ_SECONDS (default 300) of fuzzing
#   scripts/fuzz.sh --smoke    60 s unless FUZZ_SECONDS says otherwise (CI)
#   scripts/fuzz.sh FILE...    runs the target once on each input (replay
#                              a crash or the regression corpus)
# The target is built in build-fuzz/ (clang, --enable-fuzzing) unless
# FUZZ_BIN names one. The seed corpus tests/fuzz/corpus is only read; the
# inputs the campaign adds go to build-fuzz/corpus, crashes to
# build-fuzz/artifacts/. Exit status: 0, or 1 if the target crashed.
set -u
cd "$(dirname "$0")/.."
top=$PWD
secs=${FUZZ_SECONDS:-300}
if [ "${1:-}" = --smoke ]; then
	secs=${FUZZ_SECONDS:-60}
	shift
fi
work=$top/build-fuzz
if [ -z "${FUZZ_BIN:-}" ]; then
	. scripts/build-tree.sh
	fresh_tree build-fuzz --enable-fuzzing --enable-werror || exit 1
	make -C build-fuzz -j"$(nproc)" tests/fuzz/fuzz_mshv >/dev/null || exit 1
	FUZZ_BIN=$work/tests/fuzz/fuzz_mshv
fi
mkdir -p "$work/corpus" "$work/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0
if [ $# -gt 0 ]; then
	exec "$FUZZ_BIN" -runs=1 -malloc_limit_mb=64 "$@"
fi
log=$work/fuzz.log
# A single allocation over 64 MiB is a bug: no valid request needs one,
# so a client-chosen size reached an allocator unchecked.
"$FUZZ_BIN" -max_total_time="$secs" -timeout=20 -max_len=4096 -rss_limit_mb=4096 -malloc_limit_mb=64 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "$top/tests/fuzz/corpus" >"$log" 2>&1
rc=$?
# libFuzzer's last status line: executions, coverage (cov: edges, ft:
# features), corpus, speed.
done_line=$(grep -a 'DONE\|#[0-9]*	\(pulse\|NEW\|REDUCE\)' "$log" | tail -1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "fuzz: ${secs}s, ${execs:-?} execs: $done_line"
if [ $rc -ne 0 ]; then
	grep -a -A40 '^==[0-9]*==ERROR\|^SUMMARY\|deadly signal\|Test unit written' "$log" | head -80
	echo "fuzz: target failed (rc $rc); full log $log; replay: scripts/fuzz.sh FILE"
	exit 1
fi
