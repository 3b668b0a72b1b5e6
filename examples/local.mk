# Demo VMM: installed in $(pkglibexecdir); "mshv-emu demo" runs it.
# (Needs "pkglibexec_PROGRAMS =" in the top-level Makefile.am.)
pkglibexec_PROGRAMS += examples/demo-vmm
examples_demo_vmm_SOURCES = examples/demo-vmm.c
examples_demo_vmm_CPPFLAGS = -I$(top_srcdir)/include
