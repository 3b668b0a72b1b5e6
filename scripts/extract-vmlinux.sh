#!/bin/sh
# extract-vmlinux.sh BZIMAGE OUT: the uncompressed ELF kernel inside a
# bzImage.  The boot protocol's setup header gives where the compressed
# payload starts (payload_offset at 0x248, from the start of the
# protected-mode code, which follows (setup_sects + 1) * 512 bytes) and
# its length (0x24c).  Booting the ELF skips the guest's own
# decompression, which is most of an emulated boot's time.
set -eu
in=$1 out=$2
u8() { od -An -tu1 -j "$1" -N1 "$in" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$in" | tr -d ' '; }
[ "$(od -An -c -j 514 -N4 "$in" | tr -d ' ')" = HdrS ] || { echo "$in: not a bzImage" >&2; exit 1; }
sects=$(u8 497)
[ "$sects" -eq 0 ] && sects=4
start=$(( (sects + 1) * 512 + $(u32 584) ))
len=$(u32 588)
magic=$(od -An -tx1 -j "$start" -N6 "$in" | tr -d ' ')
case $magic in
fd377a585a00) dec="xz -dc" ;;
1f8b*) dec="gzip -dc" ;;
28b52ffd*) dec="zstd -dc" ;;
*) echo "$in: payload format $magic not handled" >&2; exit 1 ;;
esac
# The kernel's build appends the uncompressed size (4 bytes) to the stream.
tail -c +$((start + 1)) "$in" | head -c $((len - 4)) | $dec > "$out.tmp"
[ "$(od -An -c -N4 "$out.tmp" | tr -d ' ')" = 177ELF ] || { echo "$in: payload is not ELF" >&2; rm -f "$out.tmp"; exit 1; }
mv "$out.tmp" "$out"
