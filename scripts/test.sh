#!/bin/sh
# Runs every test (unit, conformance) and prints one summary line.
#   scripts/test.sh              the suite
#   scripts/test.sh --valgrind   the suite under valgrind memcheck
#   scripts/test.sh --sanitizers the suite built with ASan+UBSan (in build-san/)
set -u
cd "$(dirname "$0")/.."
top=$PWD
mode=${1:-}
[ -f Makefile ] || scripts/setup.sh || exit 1
case "$mode" in
--sanitizers)
	# A separate build tree from a clean copy of the sources.
	rm -rf build-san && mkdir build-san
	git ls-files -z 2>/dev/null | tar --null -T - -cf - | tar -C build-san -xf - 2>/dev/null ||
		cp -a $(ls -A | grep -v '^build-san$') build-san/
	cd build-san && (autoreconf -fi && ./configure --enable-sanitizers --enable-werror) >/dev/null || exit 1
	make -j"$(nproc)" >/dev/null || exit 1
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp
	;;
--valgrind)
	export MSHV_EMU_VALGRIND=1
	;;
esac
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
