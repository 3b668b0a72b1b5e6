#!/bin/sh
# One-time set-up on Debian 12 (run as root): installs every build and test
# dependency with apt, then builds mshv-emu in this directory.
#
# Unicorn 2.1.1 exactly is required (the engine uses private fields of its
# engine, docs/engine.md) and Debian 12 ships 2.0.1, which ignores guest page
# tables. Debian 13's libunicorn 2.1.1 needs only libc >= 2.34, so it is
# taken from the trixie suite with an apt pin that lets nothing else in.
set -eu
cd "$(dirname "$0")/.."

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

if ! pkg-config --exact-version=2.1.1 unicorn 2>/dev/null || ! command -v autoreconf >/dev/null ||
   ! pkg-config --exists fuse3 check 2>/dev/null || ! command -v valgrind >/dev/null ||
   ! dpkg -s user-mode-linux kmod busybox-static xz-utils clang libclang-rt-dev clang-format >/dev/null 2>&1; then
	. /etc/os-release
	if [ "${VERSION_CODENAME:-}" = bookworm ]; then
		$SUDO tee /etc/apt/sources.list.d/mshv-emu-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		$SUDO tee /etc/apt/preferences.d/mshv-emu-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: -10

Package: libunicorn2t64 libunicorn-dev
Pin: release n=trixie
Pin-Priority: 990
PIN
	fi
	$SUDO apt-get update -q
	# clang and libclang-rt-dev: libFuzzer (docs/fuzzing.md);
	# clang-format and git: scripts/check-format.sh.
	$SUDO apt-get install -y -q --no-install-recommends \
		build-essential autoconf automake libtool pkg-config \
		libunicorn-dev libunicorn2t64 libfuse3-dev fuse3 check valgrind \
		ca-certificates user-mode-linux kmod \
		busybox-static xz-utils	\
		clang libclang-rt-dev clang-format git
fi

# Debian 12's kernel for "mshv-emu demo" and the boot tests: the package is
# downloaded and unpacked into .cache/linux, never installed into /boot.
if [ ! -s .cache/linux/vmlinuz ]; then
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
	kdir=$(mktemp -d)
	chmod 777 "$kdir"	# apt-get download drops to the _apt user
	if [ -n "$kpkg" ] && (cd "$kdir" && apt-get download -q "$kpkg") &&
	   dpkg-deb -x "$kdir"/*.deb "$kdir/x"; then
		mkdir -p .cache/linux
		cp "$kdir"/x/boot/vmlinuz-* .cache/linux/vmlinuz
		basename "$kdir"/x/boot/vmlinuz-* | sed 's/^vmlinuz-//' > .cache/linux/release
	else
		echo "setup.sh: could not fetch Debian's kernel ($kpkg); the Linux demo and boot tests will skip" >&2
	fi
	rm -rf "$kdir"
fi
if [ -s .cache/linux/vmlinuz ] && [ ! -s .cache/linux/vmlinux ]; then
	scripts/extract-vmlinux.sh .cache/linux/vmlinuz .cache/linux/vmlinux || rm -f .cache/linux/vmlinux
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure ${MSHV_EMU_CONFIGURE_FLAGS:-}
make -j"$(nproc)"
