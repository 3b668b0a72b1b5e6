# Sourced by scripts/test.sh and scripts/fuzz.sh: fresh_tree DIR FLAGS...
# makes DIR a clean copy of the sources (git ls-files, else a plain copy),
# configured with FLAGS; the caller then runs make there.
fresh_tree()
{
	_dir=$1
	shift
	rm -rf "$_dir" && mkdir "$_dir" || return 1
	git ls-files -z 2>/dev/null | tar --null -T - -cf - | tar -C "$_dir" -xf - 2>/dev/null ||
		cp -a $(ls -A | grep -v '^build-') "$_dir"/
	(cd "$_dir" && autoreconf -fi && ./configure "$@") >/dev/null
}
