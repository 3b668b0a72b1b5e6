# The libFuzzer target over the ioctl decoder and the core (configure
# --enable-fuzzing; docs/fuzzing.md). "make fuzz" runs a
# bounded campaign (FUZZ_SECONDS, default 300): here if this tree was
# configured for fuzzing, else in a build-fuzz/ tree of its own.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/hostile tests/fuzz/gen-corpus tests/fuzz/fuzz_mshv.c \
	tests/fuzz/fuzz_ops.c tests/fuzz/fuzz_ops.h scripts/fuzz.sh
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_mshv
tests_fuzz_fuzz_mshv_SOURCES = tests/fuzz/fuzz_mshv.c tests/fuzz/fuzz_ops.c tests/fuzz/fuzz_ops.h
tests_fuzz_fuzz_mshv_CPPFLAGS = $(FACE_CPPFLAGS)
tests_fuzz_fuzz_mshv_LDADD = libmshvdev.la -lrt
tests_fuzz_fuzz_mshv_LDFLAGS = -fsanitize=fuzzer
fuzz: tests/fuzz/fuzz_mshv
	FUZZ_BIN=$(abs_builddir)/tests/fuzz/fuzz_mshv $(top_srcdir)/scripts/fuzz.sh
else
fuzz:
	$(top_srcdir)/scripts/fuzz.sh
endif
.PHONY: fuzz
