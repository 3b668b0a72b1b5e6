# Documentation: installed under $(docdir) and $(mandir), shipped in the tarball.
dist_doc_DATA += docs/design.md docs/user-guide.md docs/abi.md docs/abi-hv.md \
	docs/abi-coverage.md docs/security.md docs/engine.md
dist_man_MANS += docs/mshv-emu.1

# The CUSE face: daemon man page and protocol notes.
dist_man_MANS += docs/mshv-emud.8
dist_doc_DATA += docs/cuse.md
dist_doc_DATA += docs/fuzzing.md
dist_man_MANS += docs/mshv-conformance.1
dist_doc_DATA += docs/synic.md
dist_man_MANS += docs/libmshvemu.3
