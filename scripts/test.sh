#!/bin/sh
# Runs every test (unit, conformance) and prints one summary line.
#   scripts/test.sh              the suite
#   scripts/test.sh --valgrind   the suite under valgrind memcheck
#   scripts/test.sh --sanitizers the suite built with ASan+UBSan (in build-san/)
#   scripts/test.sh --tsan       the suite built with ThreadSanitizer (in build-tsan/)
set -u
cd "$(dirname "$0")/.."
top=$PWD
mode=${1:-}
[ -f Makefile ] || scripts/setup.sh || exit 1
. scripts/build-tree.sh
# Slow modes scale every time limit instead of raising fixed numbers: Check
# multiplies its test-case timeouts by CK_TIMEOUT_MULTIPLIER, and the
# conformance runner (MSHV_TEST_TIMEOUT, 60 s a case) and the UML harness
# (UML_TEST_TIMEOUT 300 s a program, UML_TIMEOUT 900 s a boot) take
# seconds. The factors are generous: a limit only catches hangs.
scale=1
case "$mode" in
--sanitizers)
	# A separate build tree from a clean copy of the sources.
	fresh_tree build-san --enable-sanitizers --enable-werror || exit 1
	cd build-san && make -j"$(nproc)" >/dev/null || exit 1
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp
	scale=4
	;;
--tsan)
	# ThreadSanitizer (docs/fuzzing.md): every data race is an error,
	# except the suppressed ones, each with its reason in tests/tsan.supp.
	fresh_tree build-tsan --enable-tsan --enable-werror || exit 1
	cd build-tsan && make -j"$(nproc)" >/dev/null || exit 1
	export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$top/tests/tsan.supp"
	scale=6
	;;
--valgrind)
	export MSHV_EMU_VALGRIND=1
	scale=12
	;;
"") ;;
*)
	echo "usage: $0 [--sanitizers | --tsan | --valgrind]" >&2
	exit 2
	;;
esac
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-$scale}
export MSHV_TEST_TIMEOUT=${MSHV_TEST_TIMEOUT:-$((60 * scale))}
export UML_TEST_TIMEOUT=${UML_TEST_TIMEOUT:-$((300 * scale))}
export UML_TIMEOUT=${UML_TIMEOUT:-$((900 * scale))}
make -j"$(nproc)" check
rc=$?
pass=0 fail=0 skip=0
for t in $(find tests -name '*.trs'); do
	case "$(sed -n 's/^:test-result: //p' "$t")" in
	PASS|XFAIL) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
[ $rc -ne 0 ] && [ $fail -eq 0 ] && fail=1
[ $rc -ne 0 ] && tail -80 tests/test-suite.log 2>/dev/null
echo "tests${mode:+ ($mode)}: $pass passed, $fail failed, $skip skipped"
cd "$top"
exit $rc
