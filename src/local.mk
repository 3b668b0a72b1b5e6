# The faces: the shared ioctl decoder, the in-process LD_PRELOAD face and
# the mshv-emu command.
noinst_LTLIBRARIES += libmshvdev.la
libmshvdev_la_SOURCES = src/ioctl.c src/mshv_dev.h src/uaccess_self.c src/uaccess_self.h \
	src/vma_perm.c src/vma_perm.h
libmshvdev_la_LIBADD = libmshvemu-core.la

pkglib_LTLIBRARIES += libmshvemu-preload.la
libmshvemu_preload_la_SOURCES = src/preload.h src/preload_real.c \
	src/preload_open.c src/preload_fd.c src/preload_mem.c \
	src/preload_signal.c src/fdtable.c src/fdtable.h
libmshvemu_preload_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(PRELOAD_SAN_CFLAGS)
libmshvemu_preload_la_LIBADD = libmshvdev.la -ldl
# Only the interposed calls (PRELOAD_EXPORT) are exported into the VMM: the
# core and the decoder come from convenience archives, whose symbols stay
# local, so a VMM's own regs_get or mem_find never replaces the core's.
libmshvemu_preload_la_LDFLAGS = -module -avoid-version -shared -Wl,--exclude-libs,ALL

bin_PROGRAMS += mshv-emu
mshv_emu_SOURCES = src/mshv-emu.c src/demo.c src/cli.h
mshv_emu_CPPFLAGS = $(AM_CPPFLAGS) -DPKGLIBDIR='"$(pkglibdir)"' -DPKGLIBEXECDIR='"$(pkglibexecdir)"' \
	-DPKGDATADIR='"$(pkgdatadir)"'

# The CUSE face: the mshv-emud daemon (docs/cuse.md) and the seccomp-notify
# launcher behind "mshv-emu run --cuse".
noinst_LTLIBRARIES += libmshvcuse.la
libmshvcuse_la_SOURCES = src/cuse/daemon.c src/cuse/daemon.h src/cuse/mshvd_proto.h \
	src/cuse/caller_mem.c src/cuse/guest_map.c src/cuse/ram_guard.c src/cuse/quota.c \
	src/cuse/vp_worker.c src/procfs.c src/procfs.h
libmshvcuse_la_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
libmshvcuse_la_LIBADD = libmshvdev.la $(FUSE3_LIBS)

bin_PROGRAMS += mshv-emud
mshv_emud_SOURCES = src/cuse/main.c
mshv_emud_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
mshv_emud_LDADD = libmshvcuse.la $(FUSE3_LIBS)

mshv_emu_SOURCES += src/launcher.c src/launcher.h src/private_ram.c src/private_ram.h \
	src/procfs.c src/procfs.h
