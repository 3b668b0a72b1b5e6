# The faces: the shared ioctl decoder, the in-process LD_PRELOAD face and
# the mshv-emu command.
noinst_LTLIBRARIES += libmshvdev.la
libmshvdev_la_SOURCES = src/ioctl.c src/mshv_dev.h src/uaccess_self.c src/uaccess_self.h
libmshvdev_la_LIBADD = libmshvemu-core.la

pkglib_LTLIBRARIES += libmshvemu-preload.la
libmshvemu_preload_la_SOURCES = src/preload.c src/fdtable.c src/fdtable.h
libmshvemu_preload_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
libmshvemu_preload_la_LIBADD = libmshvdev.la -ldl
libmshvemu_preload_la_LDFLAGS = -module -avoid-version -shared

bin_PROGRAMS += mshv-emu
mshv_emu_SOURCES = src/mshv-emu.c
mshv_emu_CPPFLAGS = $(AM_CPPFLAGS) -DPKGLIBDIR='"$(pkglibdir)"' -DPKGLIBEXECDIR='"$(pkglibexecdir)"'
