# make install into a temporary DESTDIR, and a program built against it with
# pkg-config; the installed "mshv-emu run" and mshv-conformance
# (tests/install/test-install).
TESTS += tests/install/test-install
EXTRA_DIST += tests/install/test-install tests/install/use-mshv.c
if SYSTEM_MSHV_H
INST_SYSTEM_MSHV_H = yes
else
INST_SYSTEM_MSHV_H = no
endif
AM_TESTS_ENVIRONMENT += \
	INST_BUILDDIR='$(abs_top_builddir)'; INST_SRCDIR='$(abs_top_srcdir)'; \
	INST_BINDIR='$(bindir)'; INST_LIBDIR='$(libdir)'; INST_INCLUDEDIR='$(includedir)'; \
	INST_PKGLIBDIR='$(pkglibdir)'; INST_MANDIR='$(mandir)'; INST_DOCDIR='$(docdir)'; \
	INST_SYSTEM_MSHV_H=$(INST_SYSTEM_MSHV_H); INST_VERSION='$(PACKAGE_VERSION)'; \
	INST_CC='$(CC)'; INST_SAN_CFLAGS='$(SAN_CFLAGS)'; MAKE='$(MAKE)'; PKG_CONFIG='$(PKG_CONFIG)'; \
	export INST_BUILDDIR INST_SRCDIR INST_BINDIR INST_LIBDIR INST_INCLUDEDIR INST_PKGLIBDIR \
		INST_MANDIR INST_DOCDIR INST_SYSTEM_MSHV_H INST_VERSION INST_CC INST_SAN_CFLAGS \
		MAKE PKG_CONFIG;
