# Documentation: installed under $(docdir) and $(mandir), shipped in the tarball.
dist_doc_DATA += docs/design.md docs/user-guide.md docs/abi-coverage.md
dist_man_MANS += docs/mshv-emu.1
