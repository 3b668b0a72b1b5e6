#!/bin/sh
# Runs every test (unit, conformance) and prints one summary line.
set -u
cd "$(dirname "$0")/.."
[ -f Makefile ] || scripts/setup.sh || exit 1
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
[ $rc -ne 0 ] && cat tests/test-suite.log 2>/dev/null | tail -80
echo "tests: $pass passed, $fail failed, $skip skipped"
exit $rc
