#!/bin/sh
# The tree stands alone (issue 9): no tracked file may point a reader at a
# document that is not in the repository. The ABI is docs/abi.md and
# docs/abi-hv.md, measured Unicorn behaviour is in docs/engine.md, CUSE
# costs in docs/cuse.md; code and docs cite those or a primary source
# (kernel file and function, TLFS chapter, VMM file).
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v git >/dev/null || { echo "SKIP: no git"; exit 77; }
# Only a git checkout knows which files are tracked; the copies that
# scripts/test.sh builds in (build-san/, ...) are checked in the plain run.
root=$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)
[ "$root" = "$top" ] || { echo "SKIP: $top is not a git checkout"; exit 77; }

# Names of the outside notes and of where they lived, each spelt with a
# bracket so this file does not itself cite them. A bare "cuse[.]md" is the
# outside note; the project's own is always written docs/cuse.md.
outside='mshv[-]abi|vmm[-]clients|unicorn[.]md|style[.]md|fast[-]engine|reference[ ]notes|shared[/]reference|/work[/]shared|[.][.]/shared|(^|[^/])cuse[.]md'

hits=$(cd "$top" && git ls-files -z | xargs -0 -r grep -I -n -i -E "$outside" --)
if [ -n "$hits" ]; then
	echo "FAIL: references to documents outside the tree:"
	printf '%s\n' "$hits"
	echo "Cite docs/abi.md, docs/abi-hv.md or another file in docs/, or the"
	echo "primary source (kernel file and function, TLFS chapter, VMM file)."
	exit 1
fi
echo "ok: $(cd "$top" && git ls-files | wc -l) tracked files, no outside references"
