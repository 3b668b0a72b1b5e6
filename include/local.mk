nobase_include_HEADERS += \
	include/linux/mshv.h \
	include/hyperv/hv_all.h include/hyperv/hv_hypercall.h \
	include/hyperv/hv_message.h include/hyperv/hv_partition.h \
	include/hyperv/hv_regs.h include/hyperv/hv_status.h \
	include/hyperv/hv_vp_state.h \
	include/mshv-emu/emu.h
