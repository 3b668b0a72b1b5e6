# Conformance tests for /dev/mshv (UAPI only; must also pass on real Hyper-V).
# Included from the top-level Makefile.am; paths are relative to $(top_srcdir).
# LOG_COMPILER (running each test under "mshv-emu run --") is set by the
# top-level Makefile.am; a test exits 77 (skip) when /dev/mshv is absent.

CONFORMANCE_TESTS = \
	tests/conformance/test_device \
	tests/conformance/test_partition \
	tests/conformance/test_memory \
	tests/conformance/test_dirty \
	tests/conformance/test_vp \
	tests/conformance/test_run_modes \
	tests/conformance/test_io \
	tests/conformance/test_mmio \
	tests/conformance/test_hlt_fault \
	tests/conformance/test_signal \
	tests/conformance/test_regpage \
	tests/conformance/test_hypercalls \
	tests/conformance/test_selfmod \
	tests/conformance/test_threads \
	tests/conformance/test_host_memory \
	tests/conformance/test_limits \
	tests/conformance/test_hidden \
	tests/conformance/test_vfio \
	tests/conformance/test_abi_rules

# Installed too, for mshv-conformance(1) (mshv-conformance.in).
conformancedir = $(pkglibexecdir)/conformance
conformance_PROGRAMS = $(CONFORMANCE_TESTS)
TESTS += $(CONFORMANCE_TESTS)

CONFORMANCE_COMMON = tests/conformance/vmm.c tests/conformance/vmm_run.c tests/conformance/vmm_test.c tests/conformance/vmm.h

tests_conformance_test_hidden_SOURCES = tests/conformance/test_hidden.c $(CONFORMANCE_COMMON)
tests_conformance_test_device_SOURCES = tests/conformance/test_device.c $(CONFORMANCE_COMMON)
tests_conformance_test_partition_SOURCES = tests/conformance/test_partition.c $(CONFORMANCE_COMMON)
tests_conformance_test_memory_SOURCES = tests/conformance/test_memory.c $(CONFORMANCE_COMMON)
tests_conformance_test_dirty_SOURCES = tests/conformance/test_dirty.c $(CONFORMANCE_COMMON)
tests_conformance_test_vp_SOURCES = tests/conformance/test_vp.c $(CONFORMANCE_COMMON)
tests_conformance_test_run_modes_SOURCES = tests/conformance/test_run_modes.c $(CONFORMANCE_COMMON)
tests_conformance_test_io_SOURCES = tests/conformance/test_io.c $(CONFORMANCE_COMMON)
tests_conformance_test_mmio_SOURCES = tests/conformance/test_mmio.c $(CONFORMANCE_COMMON)
tests_conformance_test_hlt_fault_SOURCES = tests/conformance/test_hlt_fault.c $(CONFORMANCE_COMMON)
tests_conformance_test_signal_SOURCES = tests/conformance/test_signal.c $(CONFORMANCE_COMMON)
tests_conformance_test_regpage_SOURCES = tests/conformance/test_regpage.c $(CONFORMANCE_COMMON)
tests_conformance_test_hypercalls_SOURCES = tests/conformance/test_hypercalls.c $(CONFORMANCE_COMMON)
tests_conformance_test_selfmod_SOURCES = tests/conformance/test_selfmod.c $(CONFORMANCE_COMMON)
tests_conformance_test_threads_SOURCES = tests/conformance/test_threads.c $(CONFORMANCE_COMMON)
tests_conformance_test_host_memory_SOURCES = tests/conformance/test_host_memory.c $(CONFORMANCE_COMMON)
tests_conformance_test_limits_SOURCES = tests/conformance/test_limits.c $(CONFORMANCE_COMMON)
tests_conformance_test_vfio_SOURCES = tests/conformance/test_vfio.c $(CONFORMANCE_COMMON)
tests_conformance_test_abi_rules_SOURCES = tests/conformance/test_abi_rules.c $(CONFORMANCE_COMMON)

# Only the ABI headers (include/linux, include/hyperv) may be used here.
tests_conformance_test_device_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_vfio_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_abi_rules_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_partition_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_memory_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_dirty_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_vp_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_run_modes_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_io_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_mmio_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_hlt_fault_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_signal_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_regpage_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_hypercalls_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_selfmod_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_threads_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_signal_LDADD = -lpthread
tests_conformance_test_threads_LDADD = -lpthread

# MSRs and CPUID as the guest sees them.
CONFORMANCE_TESTS += tests/conformance/test_msr tests/conformance/test_cpuid
tests_conformance_test_msr_SOURCES = tests/conformance/test_msr.c $(CONFORMANCE_COMMON)
tests_conformance_test_cpuid_SOURCES = tests/conformance/test_cpuid.c $(CONFORMANCE_COMMON)
tests_conformance_test_msr_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_cpuid_CPPFLAGS = -I$(top_srcdir)/include

# Exceptions and interrupts through the guest's IVT/IDT, exception intercepts.
CONFORMANCE_TESTS += tests/conformance/test_exceptions
tests_conformance_test_exceptions_SOURCES = tests/conformance/test_exceptions.c tests/conformance/exceptions.h $(CONFORMANCE_COMMON)
tests_conformance_test_exceptions_CPPFLAGS = -I$(top_srcdir)/include
CONFORMANCE_TESTS += tests/conformance/test_exceptions_legacy
tests_conformance_test_exceptions_legacy_SOURCES = tests/conformance/test_exceptions_legacy.c \
	tests/conformance/exceptions.h $(CONFORMANCE_COMMON)
tests_conformance_test_exceptions_legacy_CPPFLAGS = -I$(top_srcdir)/include

# Interrupt plumbing: MSHV_IRQFD, MSHV_IOEVENTFD, MSI routes into the guest.
CONFORMANCE_TESTS += tests/conformance/test_irqfd
tests_conformance_test_irqfd_SOURCES = tests/conformance/test_irqfd.c $(CONFORMANCE_COMMON)
tests_conformance_test_irqfd_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_irqfd_LDADD = -lpthread

# The local APIC (interrupts, timer, registers, VP state) and SMP (IPIs,
# INIT/SIPI, a shared spinlock across VPs on several threads).
CONFORMANCE_TESTS += tests/conformance/test_lapic tests/conformance/test_smp
tests_conformance_test_lapic_SOURCES = tests/conformance/test_lapic.c $(CONFORMANCE_COMMON)
tests_conformance_test_smp_SOURCES = tests/conformance/test_smp.c $(CONFORMANCE_COMMON)
tests_conformance_test_lapic_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_smp_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_lapic_LDADD = -lpthread
tests_conformance_test_smp_LDADD = -lpthread

# SYSCALL/SYSRET and SYSENTER/SYSEXIT between CPL 0 and 3.
CONFORMANCE_TESTS += tests/conformance/test_syscall
tests_conformance_test_syscall_SOURCES = tests/conformance/test_syscall.c $(CONFORMANCE_COMMON)
tests_conformance_test_syscall_CPPFLAGS = -I$(top_srcdir)/include

# mshv-conformance: the suite as one program against any device (TAP).
bin_SCRIPTS = mshv-conformance
mshv-conformance: $(top_srcdir)/tests/conformance/mshv-conformance.in Makefile
	$(AM_V_GEN)sed -e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	  -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	  $(top_srcdir)/tests/conformance/mshv-conformance.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
CLEANFILES += mshv-conformance
EXTRA_DIST += tests/conformance/mshv-conformance.in
# The runner in the build tree, over the in-process face (the CUSE face:
# inside UML, tests/uml/test-uml-cuse via UML_CUSE_EXTRA_TESTS).
TESTS += tests/conformance/run-conformance
EXTRA_DIST += tests/conformance/run-conformance
# Hyper-V enlightenments: SynIC and synthetic timers; the hypercall page,
# reference time and the CPUID leaves.
CONFORMANCE_TESTS += tests/conformance/test_synic tests/conformance/test_hv_guest
tests_conformance_test_synic_SOURCES = tests/conformance/test_synic.c $(CONFORMANCE_COMMON)
tests_conformance_test_synic_CPPFLAGS = -I$(top_srcdir)/include
tests_conformance_test_synic_LDADD = -lpthread
tests_conformance_test_hv_guest_SOURCES = tests/conformance/test_hv_guest.c $(CONFORMANCE_COMMON)
tests_conformance_test_hv_guest_CPPFLAGS = -I$(top_srcdir)/include
