# Benchmarks (bench/): see bench/README.md.
# Built and run only by "make bench" -- never by "make" or "make check".
# Each program runs under "mshv-emu run --" (the in-process /dev/mshv) and
# reports its /dev/mshv figures as ratios against raw Unicorn measured in
# the same run.

BENCH_PROGS = bench/bench-guest bench/bench-exits bench/bench-setup
# Only for "make bench-cuse" (works under either face, no mmap).
BENCH_CUSE_PROGS = bench/bench-ioctl bench/bench-private-ram
EXTRA_PROGRAMS = $(BENCH_PROGS) $(BENCH_CUSE_PROGS)

# The UAPI-only VMM helpers of the conformance suite, plus direct Unicorn.
BENCH_COMMON = bench/bench.h tests/conformance/vmm.c tests/conformance/vmm_run.c tests/conformance/vmm_test.c tests/conformance/vmm.h
BENCH_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/tests/conformance
BENCH_CFLAGS = $(AM_CFLAGS) $(UNICORN_CFLAGS)

bench_bench_guest_SOURCES = bench/bench-guest.c $(BENCH_COMMON)
bench_bench_guest_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_guest_CFLAGS = $(BENCH_CFLAGS)
bench_bench_guest_LDADD = $(UNICORN_LIBS)

bench_bench_exits_SOURCES = bench/bench-exits.c $(BENCH_COMMON)
bench_bench_exits_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_exits_CFLAGS = $(BENCH_CFLAGS)
bench_bench_exits_LDADD = $(UNICORN_LIBS)

bench_bench_setup_SOURCES = bench/bench-setup.c $(BENCH_COMMON)
bench_bench_setup_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_setup_CFLAGS = $(BENCH_CFLAGS)
bench_bench_setup_LDADD = $(UNICORN_LIBS)

bench_bench_ioctl_SOURCES = bench/bench-ioctl.c $(BENCH_COMMON)
bench_bench_ioctl_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_ioctl_CFLAGS = $(BENCH_CFLAGS)
bench_bench_ioctl_LDADD = $(UNICORN_LIBS)

bench_bench_private_ram_SOURCES = bench/bench-private-ram.c $(BENCH_COMMON)
bench_bench_private_ram_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_private_ram_CFLAGS = $(BENCH_CFLAGS)
bench_bench_private_ram_LDADD = $(UNICORN_LIBS)

# Dirty-logging overhead (GET_GPAP_ACCESS_BITMAP from a second thread).
BENCH_PROGS += bench/bench-dirty
EXTRA_PROGRAMS += bench/bench-dirty
bench_bench_dirty_SOURCES = bench/bench-dirty.c $(BENCH_COMMON)
bench_bench_dirty_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_dirty_CFLAGS = $(BENCH_CFLAGS)
bench_bench_dirty_LDADD = $(UNICORN_LIBS) -lpthread

# Translation cost per block, cold against warm, vs raw Unicorn.
BENCH_PROGS += bench/bench-translate
EXTRA_PROGRAMS += bench/bench-translate
bench_bench_translate_SOURCES = bench/bench-translate.c $(BENCH_COMMON)
bench_bench_translate_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_translate_CFLAGS = $(BENCH_CFLAGS)
bench_bench_translate_LDADD = $(UNICORN_LIBS)

CLEANFILES += $(BENCH_PROGS) $(BENCH_CUSE_PROGS)
EXTRA_DIST += bench/README.md bench/bench-cuse.sh bench/bench-boot.sh

BENCH_ENV = MSHV_EMU_PRELOAD=$(abs_top_builddir)/.libs/libmshvemu-preload.so

bench: $(BENCH_PROGS:=$(EXEEXT)) mshv-emu$(EXEEXT) libmshvemu-preload.la \
       examples/linux/mshv-linux$(EXEEXT)
	@for p in $(BENCH_PROGS); do \
	  echo; \
	  $(BENCH_ENV) $(abs_top_builddir)/mshv-emu run -- \
	    $(abs_top_builddir)/$$p$(EXEEXT) || exit 1; \
	done
	@echo; $(BENCH_ENV) BENCH_BUILDDIR=$(abs_top_builddir) $(SHELL) $(top_srcdir)/bench/bench-boot.sh

# Over CUSE vs in-process, inside one User-Mode Linux boot (the host kernel
# may have no CONFIG_CUSE): bench/bench-cuse.sh boots UML once through
# tests/uml/run-in-uml and prints one table. Never run by "make check".
bench-cuse: $(BENCH_CUSE_PROGS:=$(EXEEXT)) bench/bench-exits$(EXEEXT) \
	    mshv-emu$(EXEEXT) mshv-emud$(EXEEXT) libmshvemu-preload.la \
	    tests/uml/cuse-echo$(EXEEXT)
	$(BENCH_ENV) BENCH_BUILDDIR=$(abs_top_builddir) \
	  $(SHELL) $(top_srcdir)/bench/bench-cuse.sh

.PHONY: bench bench-cuse

# Interrupt injection latency, LAPIC timer rate, SMP spinlock throughput
# (issue 4 item 7); run by "make bench" with the others.
BENCH_PROGS += bench/bench-irq
bench_bench_irq_SOURCES = bench/bench-irq.c $(BENCH_COMMON)
bench_bench_irq_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_irq_CFLAGS = $(BENCH_CFLAGS)
bench_bench_irq_LDADD = $(UNICORN_LIBS) -lpthread

# SynIC message latency and synthetic timer accuracy (issue 11 item 7).
BENCH_PROGS += bench/bench-synic
bench_bench_synic_SOURCES = bench/bench-synic.c $(BENCH_COMMON)
bench_bench_synic_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_bench_synic_CFLAGS = $(BENCH_CFLAGS)
bench_bench_synic_LDADD = $(UNICORN_LIBS) -lpthread -lm
