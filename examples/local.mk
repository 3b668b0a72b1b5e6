# Demo VMM: installed in $(pkglibexecdir); "mshv-emu demo" runs it.
# (Needs "pkglibexec_PROGRAMS =" in the top-level Makefile.am.)
pkglibexec_PROGRAMS += examples/demo-vmm
examples_demo_vmm_SOURCES = examples/demo-vmm.c
examples_demo_vmm_CPPFLAGS = -I$(top_srcdir)/include

# The reference VMM that boots Linux (examples/linux/): "mshv-emu demo"
# runs it with Debian's kernel and a busybox initramfs built here.
pkglibexec_PROGRAMS += examples/linux/mshv-linux
examples_linux_mshv_linux_SOURCES = examples/linux/main.c examples/linux/vcpu.c examples/linux/diag.c \
	examples/linux/hv.c examples/linux/loader.c examples/linux/mptable.c \
	examples/linux/uart.c examples/linux/ioapic.c examples/linux/pio.c \
	examples/linux/mmio.c examples/linux/dirtylog.c examples/linux/vmm.h
examples_linux_mshv_linux_CPPFLAGS = -I$(top_srcdir)/include
noinst_PROGRAMS += examples/linux/mkinitramfs
examples_linux_mkinitramfs_SOURCES = examples/linux/mkinitramfs.c
EXTRA_DIST += examples/linux/init.sh

# The demo's initramfs: busybox-static and examples/linux/init.sh.
if HAVE_BUSYBOX
noinst_DATA = examples/linux/initramfs.cpio
examples/linux/initramfs.cpio: examples/linux/mkinitramfs$(EXEEXT) $(srcdir)/examples/linux/init.sh
	$(AM_V_GEN)examples/linux/mkinitramfs $@ $(BUSYBOX) $(srcdir)/examples/linux/init.sh
CLEANFILES += examples/linux/initramfs.cpio
endif

# mshv-emud as a service: a systemd unit and a udev rule, installed as
# examples under $(docdir)/examples (docs/cuse.md "Setting it up").
systemdexampledir = $(docdir)/examples/systemd
systemdexample_DATA = examples/systemd/mshv-emud.service
udevexampledir = $(docdir)/examples/udev
dist_udevexample_DATA = examples/udev/70-mshv-emu.rules
examples/systemd/mshv-emud.service: $(srcdir)/examples/systemd/mshv-emud.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) examples/systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/examples/systemd/mshv-emud.service.in >$@.tmp && \
	mv $@.tmp $@
CLEANFILES += examples/systemd/mshv-emud.service
EXTRA_DIST += examples/systemd/mshv-emud.service.in
