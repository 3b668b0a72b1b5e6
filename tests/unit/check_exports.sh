#!/bin/sh
# The libraries export only their interface (issue 7): the preload library
# only the calls it interposes (PRELOAD_EXPORT in src/), libmshvemu only the
# API of include/mshv-emu/emu.h. An internal name (regs_get, mem_find, ...)
# in a VMM's dynamic symbol scope would be replaced by a VMM symbol of the
# same name.
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top
# The build tree: make check exports it (as UML_BUILDDIR), so an
# out-of-tree build (make distcheck) is checked too.
build=${UML_BUILDDIR:-$top}
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
fail=0

# check LIB ALLOWED-LIST
check() {
	[ -f "$1" ] || { echo "SKIP: $1 not built"; exit 77; }
	n=0
	for s in $(nm -D --defined-only "$1" | awk '{print $3}'); do
		n=$((n + 1))
		if ! printf '%s\n' $2 | grep -qx "$s"; then
			echo "FAIL: $1 exports $s"
			fail=1
		fi
	done
	[ "$n" -gt 0 ] || { echo "FAIL: $1 exports nothing"; fail=1; }
	echo "$1: $n exported symbols"
}

# Interposed names: every PRELOAD_EXPORT definition, plus the glibc aliases
# (open64, __open_2, ...) that are defined the same way.
preload=$(grep -ho 'PRELOAD_EXPORT[^(]*(' "$src"/src/preload_*.c |
	sed 's/($//; s/.*[ *]//')
check "$build/.libs/libmshvemu-preload.so" "$preload"

api=$(sed -n '/visibility push(default)/,/visibility pop/p' \
	"$src/include/mshv-emu/emu.h" | grep -o '\bemu_[a-z0-9_]*(' | sed 's/($//')
check "$build/.libs/libmshvemu.so" "$api"

# An internal name must not be visible, whatever the lists say.
for lib in libmshvemu-preload.so libmshvemu.so; do
	for s in regs_get mem_find engine_acquire mshv_dev_ioctl; do
		if nm -D --defined-only "$build/.libs/$lib" | awk '{print $3}' | grep -qx "$s"; then
			echo "FAIL: $lib exports $s"
			fail=1
		fi
	done
done
exit $fail
