#!/bin/sh
# Checks that the C lines changed since BASE follow .clang-format (one
# indentation style; docs/contributing.md). BASE defaults to the commit
# that last changed .clang-format, so every line written since the style
# was adopted is checked and older code is reformatted only when touched.
#   scripts/check-format.sh [BASE]
# Prints clang-format's diff and fails if any changed line differs.
set -eu
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "check-format: not a git checkout; nothing to compare"
	exit 0
fi
command -v git-clang-format >/dev/null || {
	echo "check-format: git-clang-format not found (apt install clang-format)" >&2
	exit 1
}
base=${1:-$(git log -1 --format=%H -- .clang-format)}
# include/linux/mshv.h keeps the kernel's own layout.
out=$(git clang-format --diff --extensions c,h "$base" -- \
	emu src tests bench examples include/hyperv include/mshv-emu) || true
case "$out" in
"" | "no modified files to format" | "clang-format did not modify any files")
	echo "check-format: lines changed since ${base%"${base#???????????}"} follow .clang-format"
	;;
*)
	printf '%s\n' "$out"
	echo "check-format: the lines above differ from .clang-format (fix: git clang-format $base)" >&2
	exit 1
	;;
esac
