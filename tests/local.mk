# Unit tests (Check) for the core, and the conformance suite, which runs
# every test program under "mshv-emu run --" (the in-process /dev/mshv).
UNIT_TESTS = tests/unit/check_x86_insn tests/unit/check_x86_mmu
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_check_x86_insn_SOURCES = tests/unit/check_x86_insn.c tests/unit/x86_insn_helpers.h emu/x86_insn.c
tests_unit_check_x86_insn_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_x86_insn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_x86_insn_LDADD = $(CHECK_LIBS)
UNIT_TESTS += tests/unit/check_x86_ea
tests_unit_check_x86_ea_SOURCES = tests/unit/check_x86_ea.c tests/unit/x86_insn_helpers.h emu/x86_insn.c
tests_unit_check_x86_ea_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_x86_ea_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_x86_ea_LDADD = $(CHECK_LIBS)
tests_unit_check_x86_mmu_SOURCES = tests/unit/check_x86_mmu.c emu/x86_mmu.c
tests_unit_check_x86_mmu_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_x86_mmu_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_x86_mmu_LDADD = $(CHECK_LIBS)
UNIT_TESTS += tests/unit/check_codewatch
tests_unit_check_codewatch_SOURCES = tests/unit/check_codewatch.c emu/codewatch.c emu/u64set.c
tests_unit_check_codewatch_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_codewatch_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_unit_check_codewatch_LDADD = $(CHECK_LIBS) -lpthread
UNIT_TESTS += tests/unit/check_rawenv
tests_unit_check_rawenv_SOURCES = tests/unit/check_rawenv.c emu/rawenv.c emu/rawenv_live.c
tests_unit_check_rawenv_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_rawenv_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_rawenv_LDADD = $(CHECK_LIBS) $(UNICORN_LIBS) -lpthread
UNIT_TESTS += tests/unit/check_ucpriv
tests_unit_check_ucpriv_SOURCES = tests/unit/check_ucpriv.c emu/ucpriv.c
tests_unit_check_ucpriv_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_ucpriv_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_ucpriv_LDADD = $(CHECK_LIBS) $(UNICORN_LIBS) -lpthread
UNIT_TESTS += tests/unit/check_codebuf
tests_unit_check_codebuf_SOURCES = tests/unit/check_codebuf.c emu/codebuf.c emu/tcg_region.c
tests_unit_check_codebuf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_codebuf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_codebuf_LDADD = $(CHECK_LIBS) $(UNICORN_LIBS)
UNIT_TESTS += tests/unit/check_u64set
tests_unit_check_u64set_SOURCES = tests/unit/check_u64set.c emu/u64set.c
tests_unit_check_u64set_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_u64set_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_u64set_LDADD = $(CHECK_LIBS)

include tests/conformance/local.mk

# Unit tests run directly; everything else through the in-process face.
LOG_COMPILER = $(top_srcdir)/tests/run-test
AM_TESTS_ENVIRONMENT = \
	MSHV_EMU=$(abs_top_builddir)/mshv-emu; \
	MSHV_EMU_PRELOAD=$(abs_top_builddir)/.libs/libmshvemu-preload.so; \
	export MSHV_EMU MSHV_EMU_PRELOAD;
EXTRA_DIST += tests/run-test tests/valgrind.supp tests/lsan.supp tests/tsan.supp

# Core library API (include/mshv-emu/emu.h), linked against the core.
UNIT_TESTS += tests/unit/check_core
tests_unit_check_core_SOURCES = tests/unit/check_core.c tests/unit/core_helpers.c tests/unit/core_helpers.h
tests_unit_check_core_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_core_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_core_LDADD = libmshvemu-core.la $(CHECK_LIBS)

UNIT_TESTS += tests/unit/check_core_regs
tests_unit_check_core_regs_SOURCES = tests/unit/check_core_regs.c tests/unit/core_helpers.c tests/unit/core_helpers.h
tests_unit_check_core_regs_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_core_regs_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_core_regs_LDADD = libmshvemu-core.la $(CHECK_LIBS)

# The in-process user-memory accessor (src/uaccess_self.c), built alone.
UNIT_TESTS += tests/unit/check_uaccess
tests_unit_check_uaccess_SOURCES = tests/unit/check_uaccess.c src/uaccess_self.c src/vma_perm.c
tests_unit_check_uaccess_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_uaccess_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_uaccess_LDADD = $(CHECK_LIBS)

# The CUSE face without a kernel CUSE: the daemon's request handlers driven
# over a socketpair by a fake kernel (fuse_session_custom_io). Built under
# tests/unit/ so tests/run-test runs it directly, not through the preload.
UNIT_TESTS += tests/unit/check_cuse_proto
tests_unit_check_cuse_proto_SOURCES = tests/cuse/check_cuse_proto.c $(CUSE_FAKE_KERNEL)
tests_unit_check_cuse_proto_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_cuse_proto_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
tests_unit_check_cuse_proto_LDADD = libmshvcuse.la $(FUSE3_LIBS)
# The daemon's defences (docs/security.md "CUSE daemon") through the same
# fake kernel: VMA permissions, write seals, truncated guest RAM, caps,
# hostile requests.
CUSE_FAKE_KERNEL = tests/cuse/fake_kernel.c tests/cuse/fake_kernel.h
UNIT_TESTS += tests/unit/check_cuse_security
tests_unit_check_cuse_security_SOURCES = tests/cuse/check_cuse_security.c $(CUSE_FAKE_KERNEL)
tests_unit_check_cuse_security_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_cuse_security_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
tests_unit_check_cuse_security_LDADD = libmshvcuse.la $(FUSE3_LIBS)

# The seccomp-notify launcher with a fake (memfd) device, no CUSE needed;
# its "VMM" is statically linked.
UNIT_TESTS += tests/unit/check_launcher
tests_unit_check_launcher_SOURCES = tests/cuse/check_launcher.c src/launcher.c src/launcher.h \
	src/private_ram.c src/private_ram.h src/stopped_thread.c src/stopped_thread.h \
	src/vmm_uffd.c src/vmm_uffd.h src/procfs.c src/procfs.h
tests_unit_check_launcher_CPPFLAGS = $(UNIT_CPPFLAGS)
check_PROGRAMS += tests/unit/launcher_child
tests_unit_launcher_child_SOURCES = tests/cuse/launcher_child.c
# Static on purpose (the launcher must serve static VMMs), hence no
# sanitizers: they cannot link statically.
tests_unit_launcher_child_CFLAGS = -std=gnu11 -pthread $(WARN_CFLAGS)
tests_unit_launcher_child_LDFLAGS = -all-static -pthread

# The real kernel CUSE driver, inside User-Mode Linux (the host kernel may
# lack CONFIG_CUSE): tests/uml/run-in-uml boots Debian's UML kernel with the
# host's / as root and loads fuse.ko and cuse.ko; test-uml-cuse checks a
# minimal CUSE device (cuse-echo), then runs the conformance suite through
# mshv-emud and "mshv-emu run --cuse" (a SKIP until those exist).
check_PROGRAMS += tests/uml/cuse-echo
tests_uml_cuse_echo_SOURCES = tests/uml/cuse-echo.c
tests_uml_cuse_echo_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
tests_uml_cuse_echo_LDADD = $(FUSE3_LIBS)
TESTS += tests/uml/test-uml-cuse
EXTRA_DIST += tests/uml/test-uml-cuse tests/uml/run-in-uml tests/uml/uml-init
UML_MSHV_EMUD = $(abs_top_builddir)/mshv-emud
AM_TESTS_ENVIRONMENT += \
	UML_BUILDDIR=$(abs_top_builddir); \
	CUSE_ECHO=$(abs_top_builddir)/tests/uml/cuse-echo; \
	MSHV_EMUD=$(UML_MSHV_EMUD); \
	UML_CONFORMANCE_TESTS='$(CONFORMANCE_TESTS)'; \
	UML_SAN_CFLAGS='$(SAN_CFLAGS)'; \
	UML_CUSE_EXTRA_TESTS='$(UML_CUSE_EXTRA_TESTS)'; \
	UML_HOSTILE_CLIENT=tests/uml/hostile-client; \
	export UML_BUILDDIR CUSE_ECHO MSHV_EMUD UML_CONFORMANCE_TESTS UML_SAN_CFLAGS UML_CUSE_EXTRA_TESTS \
		UML_HOSTILE_CLIENT;

# Interrupt plumbing: MSI decoding, the ioeventfd matcher, irqfd resampling.
UNIT_TESTS += tests/unit/check_irq
tests_unit_check_irq_SOURCES = tests/unit/check_irq.c
tests_unit_check_irq_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_irq_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_irq_LDADD = libmshvemu-core.la $(CHECK_LIBS)

# Extra clients for the CUSE run in UML: one that is killed in the middle of
# RUN_VP (the daemon must survive and keep serving), a statically linked
# VMM (test_io), which LD_PRELOAD could never reach, and a static VMM with
# private anonymous guest RAM (private-ram: docs/cuse.md §2.1).
UML_CUSE_EXTRA_PROGS = tests/uml/crash-client tests/uml/static-io tests/uml/private-ram
check_PROGRAMS += $(UML_CUSE_EXTRA_PROGS)
# and one Linux boot (a script: examples/linux/mshv-linux with its options)
UML_CUSE_EXTRA_TESTS = $(UML_CUSE_EXTRA_PROGS) tests/linux/boot-over-cuse
# and mshv-conformance over the CUSE face (its in-process run:
# tests/conformance/run-conformance)
UML_CUSE_EXTRA_TESTS += tests/uml/conformance-over-cuse
EXTRA_DIST += tests/uml/conformance-over-cuse
# The attacks of an unprivileged second user (test-uml-cuse step 4).
check_PROGRAMS += tests/uml/hostile-client
tests_uml_hostile_client_SOURCES = tests/uml/hostile-client.c $(CONFORMANCE_COMMON)
tests_uml_hostile_client_CPPFLAGS = -I$(top_srcdir)/include
tests_uml_hostile_client_LDADD = -lpthread
tests_uml_crash_client_SOURCES = tests/uml/crash-client.c $(CONFORMANCE_COMMON)
tests_uml_crash_client_CPPFLAGS = -I$(top_srcdir)/include
tests_uml_static_io_SOURCES = tests/conformance/test_io.c $(CONFORMANCE_COMMON)
tests_uml_static_io_CPPFLAGS = -I$(top_srcdir)/include
tests_uml_static_io_CFLAGS = -std=gnu11 -pthread $(WARN_CFLAGS)
tests_uml_static_io_LDFLAGS = -all-static -pthread
# Private anonymous guest RAM made shared by the launcher (static as well).
tests_uml_private_ram_SOURCES = tests/uml/private-ram.c $(CONFORMANCE_COMMON)
tests_uml_private_ram_CPPFLAGS = -I$(top_srcdir)/include
tests_uml_private_ram_CFLAGS = -std=gnu11 -pthread $(WARN_CFLAGS)
tests_uml_private_ram_LDFLAGS = -all-static -pthread

# Linux boots through /dev/mshv: the reference VMM with Debian's kernel.
TESTS += tests/linux/test-linux-boot
EXTRA_DIST += tests/linux/test-linux-boot tests/linux/boot-over-cuse

# What the libraries export (nm -D): the preload library only its
# interposers, libmshvemu only include/mshv-emu/emu.h.
TESTS += tests/unit/check_exports.sh
EXTRA_DIST += tests/unit/check_exports.sh

# The tree stands alone: no tracked file cites a document outside it
# (docs/abi.md, docs/abi-hv.md hold the ABI with its primary sources).
TESTS += tests/unit/check_doc_refs.sh
EXTRA_DIST += tests/unit/check_doc_refs.sh

# Guest memory whose host range the VMM takes away (emu/hostmem.c).
UNIT_TESTS += tests/unit/check_hostmem
tests_unit_check_hostmem_SOURCES = tests/unit/check_hostmem.c tests/unit/core_helpers.c tests/unit/core_helpers.h
tests_unit_check_hostmem_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_hostmem_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(UNICORN_CFLAGS)
tests_unit_check_hostmem_LDADD = libmshvemu-core.la $(CHECK_LIBS)

include tests/fuzz/local.mk

# mshv-emud --trace and --fault (src/tap.h) through the same fake kernel.
UNIT_TESTS += tests/unit/check_cuse_trace
tests_unit_check_cuse_trace_SOURCES = tests/cuse/check_cuse_trace.c $(CUSE_FAKE_KERNEL)
tests_unit_check_cuse_trace_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_cuse_trace_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
tests_unit_check_cuse_trace_LDADD = libmshvcuse.la $(FUSE3_LIBS)

# The fault spec parser and the trace's decoders, built alone.
UNIT_TESTS += tests/unit/check_trace
tests_unit_check_trace_SOURCES = tests/unit/check_trace.c src/fault.c src/trace.c src/trace_decode.c
nodist_tests_unit_check_trace_SOURCES = src/hv_names.h
tests_unit_check_trace_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_trace_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_trace_LDADD = $(CHECK_LIBS)

# The trace of a known guest against an expected file, and each fault kind
# seen by a VMM (tests/trace/test-trace runs tests/trace/trace-vmm under
# "mshv-emu run --trace --fault").
check_PROGRAMS += tests/trace/trace-vmm
tests_trace_trace_vmm_SOURCES = tests/trace/trace-vmm.c $(CONFORMANCE_COMMON)
tests_trace_trace_vmm_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir)/tests/conformance
TESTS += tests/trace/test-trace
EXTRA_DIST += tests/trace/test-trace tests/trace/known-guest.expected

include tests/install/local.mk
EXTRA_DIST += tests/unit/check_run.h

# The conformance suite through the CUSE face without a kernel CUSE driver:
# tests/cuse/loopback.c plays the kernel's and the launcher's parts for a
# real mshv-emud (--session-fd), preloaded into each test program
# (tests/cuse/run-loopback).
check_LTLIBRARIES += tests/cuse/libmshv-loopback.la
tests_cuse_libmshv_loopback_la_SOURCES = tests/cuse/loopback.c
tests_cuse_libmshv_loopback_la_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_cuse_libmshv_loopback_la_CFLAGS = $(AM_CFLAGS) $(PRELOAD_SAN_CFLAGS)
tests_cuse_libmshv_loopback_la_LIBADD = -ldl
tests_cuse_libmshv_loopback_la_LDFLAGS = -module -avoid-version -shared -rpath $(abs_builddir)
TESTS += tests/cuse/test-loopback
EXTRA_DIST += tests/cuse/test-loopback tests/cuse/loopback.xfail
AM_TESTS_ENVIRONMENT += \
	LOOPBACK_TESTS='$(CONFORMANCE_TESTS)'; \
	LOOPBACK_SO=$(abs_top_builddir)/tests/cuse/.libs/libmshv-loopback.so; \
	export LOOPBACK_TESTS LOOPBACK_SO;
