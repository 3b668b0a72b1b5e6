# The hypervisor core: a convenience library linked into every face, and
# the installable libmshvemu (shared and static).
noinst_LTLIBRARIES += libmshvemu-core.la
libmshvemu_core_la_SOURCES = \
	emu/util.h emu/exit.h emu/memory.h emu/engine.h emu/vp.h emu/partition.h \
	emu/event.h emu/regs.h emu/cpuid.h emu/msr.h emu/irqfd.h emu/ioeventfd.h \
	emu/lapic.h emu/lapic_internal.h emu/hypercall.h emu/rawenv.h emu/x86_insn.h emu/x86_mmu.h \
	emu/abi_asserts.h emu/abi_asserts_uapi.c emu/abi_asserts_hv_hypercall.c \
	emu/abi_asserts_hv_message.c emu/abi_asserts_hv_partition.c \
	emu/abi_asserts_hv_regs.c emu/abi_asserts_hv_vp_state.c \
	emu/cpuid.c emu/engine.c emu/codebuf.h emu/codebuf.c emu/tcg_region.h emu/tcg_region.c emu/tlb_tick.c emu/event.c emu/hypercall.c \
	emu/intercept.c emu/lapic.c emu/lapic_deliver.c emu/lapic_timer.c emu/hostmem.c emu/emu_limits.h emu/memory.c emu/msr.c emu/partition.c emu/props.c \
	emu/rawenv.c emu/rawenv_live.c emu/code_tlb.c emu/code_tlb.h emu/regpage.c emu/regs.c emu/run.c emu/hooks.c emu/codepages.c emu/vp_mmu.h emu/synth_regs.c emu/vp.c \
	emu/svm.h emu/svm.c emu/svm_exit.c emu/scanner.c emu/ucpriv.h emu/ucpriv.c emu/kick.c \
	emu/vpstate.c emu/x86_insn.c emu/x86_mmu.c
# Write watch on executed pages of the VMM's mapping (userfaultfd).
libmshvemu_core_la_SOURCES += emu/codewatch.h emu/codewatch.c emu/u64set.h emu/u64set.c
# SYSCALL/SYSRET, SYSENTER/SYSEXIT (the engine skips SYSCALL and SYSENTER).
libmshvemu_core_la_SOURCES += emu/x86_syscall.h emu/x86_syscall.c
# Hyper-V enlightenments: CPUID leaves, hypercall page, reference TSC
# page, SynIC, synthetic timers.
libmshvemu_core_la_SOURCES += emu/hv.h emu/synic.h emu/hv_regs.c emu/hv_cpuid.c emu/hv_time.c \
	emu/hv_hypercall_page.c emu/synic.c emu/stimer.c
# MOV CR8 (the engine ignores it).
libmshvemu_core_la_SOURCES += emu/x86_cr8.c
# Accessed/dirty page tracking (MSHV_GET_GPAP_ACCESS_BITMAP).
libmshvemu_core_la_SOURCES += emu/dirty.h emu/dirty.c
# Interrupt plumbing: irqfd service thread, ioeventfd doorbells.
libmshvemu_core_la_SOURCES += emu/irq.h emu/irqfd.c emu/ioeventfd.c
# Hidden by default: libmshvemu exports only include/mshv-emu/emu.h.
libmshvemu_core_la_CPPFLAGS = $(CORE_CPPFLAGS)
libmshvemu_core_la_CFLAGS = $(AM_CFLAGS) $(UNICORN_CFLAGS) -fvisibility=hidden
libmshvemu_core_la_LIBADD = $(UNICORN_LIBS)

lib_LTLIBRARIES += libmshvemu.la
libmshvemu_la_SOURCES =
libmshvemu_la_LIBADD = libmshvemu-core.la
libmshvemu_la_LDFLAGS = -version-info 0:0:0
