# The public headers, under the project's own $(pkgincludedir)
# ($(includedir)/mshv-emu, the -I of mshv-emu.pc), laid out as in the tree:
# <hyperv/...> (the hypervisor ABI), <mshv-emu/emu.h> (libmshvemu's API) and
# <linux/mshv.h>, which goes to $(includedir)/linux instead when the system
# has no copy of its own (configure.ac).
hypervincdir = $(pkgincludedir)/hyperv
hypervinc_HEADERS = \
	include/hyperv/hv_all.h include/hyperv/hv_hypercall.h \
	include/hyperv/hv_message.h include/hyperv/hv_partition.h \
	include/hyperv/hv_regs.h include/hyperv/hv_status.h \
	include/hyperv/hv_vp_state.h
emuincdir = $(pkgincludedir)/mshv-emu
emuinc_HEADERS = include/mshv-emu/emu.h
if SYSTEM_MSHV_H
linuxincdir = $(pkgincludedir)/linux
else
linuxincdir = $(includedir)/linux
endif
linuxinc_HEADERS = include/linux/mshv.h

# "pkg-config --cflags --libs mshv-emu" for libmshvemu and the headers.
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = mshv-emu.pc
