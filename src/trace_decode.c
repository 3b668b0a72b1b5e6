/* SPDX-License-Identifier: MIT */
/*
 * Names and decoders for the trace: ioctls with their argument structs
 * (include/linux/mshv.h), hypercalls with their inputs and outputs (the
 * layouts of include/hyperv/hv_hypercall.h, TLFS chapter "Hypercall
 * Interface") and RUN_VP exits (the intercept messages of
 * include/hyperv/hv_message.h). The hypercall, status, register, property,
 * message and interrupt-type names are generated from those headers
 * (src/hv_names.awk). Everything decoded here came from the VMM: lengths
 * are checked before every field is read.
 */
#define _GNU_SOURCE
#include "tap.h"
#include "mshv_dev.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <linux/mshv.h>
#include <hyperv/hv_all.h>

struct trace_name {
	uint32_t value;
	const char *name;
};

#include "src/hv_names.h"	/* generated: src/hv_names.awk */

#define N(t) (sizeof(t) / sizeof((t)[0]))

/* The tables are sorted by value (hv_names.awk); aliases share a value. */
static const char *lookup(const struct trace_name *t, size_t n, uint32_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo].value == v ? t[lo].name : NULL;
}

static int rlookup(const struct trace_name *t, size_t n, const char *pfx, const char *name,
		   uint32_t *v)
{
	size_t pl = strlen(pfx);

	/* The header spelling (with its prefix) is accepted too. */
	if (!strncasecmp(name, pfx, pl))
		name += pl;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(t[i].name, name)) {
			*v = t[i].value;
			return 0;
		}
	return -EINVAL;
}

const char *trace_hvcall_name(uint16_t code) { return lookup(hv_hvcall_names, N(hv_hvcall_names), code); }
const char *trace_status_name(uint16_t st) { return lookup(hv_status_names, N(hv_status_names), st); }
const char *trace_msg_name(uint32_t type) { return lookup(hv_msg_names, N(hv_msg_names), type); }

static const char *reg_name(uint32_t r) { return lookup(hv_reg_names, N(hv_reg_names), r); }
static const char *prop_name(uint32_t p) { return lookup(hv_prop_names, N(hv_prop_names), p); }

const char *trace_errno_name(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

int trace_hvcall_code(const char *name, uint16_t *code)
{
	uint32_t v = 0;
	int rc = rlookup(hv_hvcall_names, N(hv_hvcall_names), "HVCALL_", name, &v);

	*code = (uint16_t)v;
	return rc;
}

int trace_status_code(const char *name, uint16_t *st)
{
	uint32_t v = 0;
	int rc = rlookup(hv_status_names, N(hv_status_names), "HV_STATUS_", name, &v);

	*st = (uint16_t)v;
	return rc;
}

int trace_msg_type(const char *name, uint32_t *type)
{
	return rlookup(hv_msg_names, N(hv_msg_names), "HVMSG_", name, type);
}

int trace_errno_value(const char *name, int *err)
{
	for (int e = 1; e < 256; e++) {
		const char *s = strerrorname_np(e);

		if (s && !strcmp(s, name)) {
			*err = e;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- ioctls ---- */

#define K_DEV (1u << MSHV_OBJ_DEVICE)
#define K_PT (1u << MSHV_OBJ_PARTITION)
#define K_VP (1u << MSHV_OBJ_VP)
#define K_VFIO (1u << MSHV_OBJ_VFIO)

static const struct {
	unsigned kinds;
	unsigned long request;
	const char *name;
} ioctls[] = {
	{ K_DEV, MSHV_CREATE_PARTITION, "CREATE_PARTITION" },
	{ K_DEV | K_PT | K_VP, MSHV_ROOT_HVCALL, "ROOT_HVCALL" },
	{ K_PT, MSHV_INITIALIZE_PARTITION, "INITIALIZE_PARTITION" },
	{ K_PT, MSHV_CREATE_VP, "CREATE_VP" },
	{ K_PT, MSHV_SET_GUEST_MEMORY, "SET_GUEST_MEMORY" },
	{ K_PT, MSHV_IRQFD, "IRQFD" },
	{ K_PT, MSHV_IOEVENTFD, "IOEVENTFD" },
	{ K_PT, MSHV_SET_MSI_ROUTING, "SET_MSI_ROUTING" },
	{ K_PT, MSHV_GET_GPAP_ACCESS_BITMAP, "GET_GPAP_ACCESS_BITMAP" },
	{ K_VP, MSHV_RUN_VP, "RUN_VP" },
	{ K_VP, MSHV_GET_VP_STATE, "GET_VP_STATE" },
	{ K_VP, MSHV_SET_VP_STATE, "SET_VP_STATE" },
	{ K_PT, MSHV_CREATE_DEVICE, "CREATE_DEVICE" },
	{ K_VFIO, MSHV_SET_DEVICE_ATTR, "SET_DEVICE_ATTR" },
	{ K_VFIO, MSHV_GET_DEVICE_ATTR, "GET_DEVICE_ATTR" },
	{ K_VFIO, MSHV_HAS_DEVICE_ATTR, "HAS_DEVICE_ATTR" },
};

int trace_ioctl_index(const char *name)
{
	if (!strncasecmp(name, "MSHV_", 5))
		name += 5;
	for (size_t i = 0; i < N(ioctls); i++)
		if (!strcasecmp(ioctls[i].name, name))
			return (int)i;
	return -EINVAL;
}

int trace_ioctl_index_of(int kind, unsigned long request)
{
	for (size_t i = 0; i < N(ioctls); i++)
		if ((ioctls[i].kinds & (1u << kind)) && ioctls[i].request == request)
			return (int)i;
	return -EINVAL;
}

const char *trace_ioctl_name(int kind, unsigned long request)
{
	int i = trace_ioctl_index_of(kind, request);

	return i < 0 ? NULL : ioctls[i].name;
}

static void flags(struct tline *l, unsigned v, const char *const *names, unsigned n)
{
	bool any = false;

	for (unsigned b = 0; b < n; b++)
		if (v & (1u << b)) {
			tl_add(l, "%s%s", any ? "|" : "", names[b]);
			any = true;
		}
	if (v >> n)
		tl_add(l, "%s0x%x", any ? "|" : "", v >> n << n);
	else if (!any)
		tl_add(l, "0");
}

void trace_decode_ioctl(struct tline *l, int kind, unsigned long request, const void *arg,
			size_t len)
{
	static const char *const mem_flags[] = { "WRITABLE", "EXECUTABLE", "UNMAP" };
	static const char *const irqfd_flags[] = { "DEASSIGN", "RESAMPLE" };
	static const char *const ioev_flags[] = { "DATAMATCH", "PIO", "DEASSIGN" };

	if (kind == MSHV_OBJ_DEVICE && request == MSHV_CREATE_PARTITION &&
	    len >= sizeof(struct mshv_create_partition)) {
		const struct mshv_create_partition *a = arg;
		tl_add(l, " pt_flags=0x%llx isolation=%llu", (unsigned long long)a->pt_flags,
		       (unsigned long long)a->pt_isolation);
	} else if (request == MSHV_ROOT_HVCALL && len >= sizeof(struct mshv_root_hvcall)) {
		const struct mshv_root_hvcall *a = arg;
		const char *n = trace_hvcall_name(a->code);
		if (n)
			tl_add(l, " code=%s", n);
		else
			tl_add(l, " code=0x%x", a->code);
		tl_add(l, " reps=%u in_sz=%u out_sz=%u", a->reps, a->in_sz, a->out_sz);
	} else if (kind == MSHV_OBJ_PARTITION && request == MSHV_CREATE_VP && len >= 4) {
		tl_add(l, " vp_index=%u", ((const struct mshv_create_vp *)arg)->vp_index);
	} else if (kind == MSHV_OBJ_PARTITION && request == MSHV_SET_GUEST_MEMORY &&
		   len >= sizeof(struct mshv_user_mem_region)) {
		const struct mshv_user_mem_region *a = arg;
		tl_add(l, " gfn=0x%llx size=0x%llx uaddr=0x%llx flags=",
		       (unsigned long long)a->guest_pfn, (unsigned long long)a->size,
		       (unsigned long long)a->userspace_addr);
		flags(l, a->flags, mem_flags, 3);
	} else if (kind == MSHV_OBJ_PARTITION && request == MSHV_IRQFD &&
		   len >= sizeof(struct mshv_user_irqfd)) {
		const struct mshv_user_irqfd *a = arg;
		tl_add(l, " fd=%d gsi=%u resamplefd=%d flags=", a->fd, a->gsi, a->resamplefd);
		flags(l, a->flags, irqfd_flags, 2);
	} else if (kind == MSHV_OBJ_PARTITION && request == MSHV_IOEVENTFD &&
		   len >= sizeof(struct mshv_user_ioeventfd)) {
		const struct mshv_user_ioeventfd *a = arg;
		tl_add(l, " addr=0x%llx len=%u fd=%d datamatch=0x%llx flags=",
		       (unsigned long long)a->addr, a->len, a->fd, (unsigned long long)a->datamatch);
		flags(l, a->flags, ioev_flags, 3);
	} else if (kind == MSHV_OBJ_PARTITION && request == MSHV_SET_MSI_ROUTING && len >= 8) {
		tl_add(l, " nr=%u", ((const struct mshv_user_irq_table *)arg)->nr);
	} else if (kind == MSHV_OBJ_PARTITION && request == MSHV_GET_GPAP_ACCESS_BITMAP &&
		   len >= sizeof(struct mshv_gpap_access_bitmap)) {
		const struct mshv_gpap_access_bitmap *a = arg;
		tl_add(l, " type=%u op=%u base=0x%llx count=%llu", a->access_type, a->access_op,
		       (unsigned long long)a->gpap_base, (unsigned long long)a->page_count);
	} else if (kind == MSHV_OBJ_VP && (request == MSHV_GET_VP_STATE ||
					   request == MSHV_SET_VP_STATE) &&
		   len >= sizeof(struct mshv_get_set_vp_state)) {
		static const char *const types[] = { "LAPIC", "XSAVE", "SIMP", "SIEFP",
						     "SYNTHETIC_TIMERS" };
		const struct mshv_get_set_vp_state *a = arg;
		if (a->type < N(types))
			tl_add(l, " type=%s", types[a->type]);
		else
			tl_add(l, " type=%u", a->type);
		tl_add(l, " buf_sz=%u", a->buf_sz);
	}
}

/* ---- hypercalls ---- */

static void name_or_hex(struct tline *l, const char *key, const char *name, uint32_t v)
{
	if (name)
		tl_add(l, " %s=%s", key, name);
	else
		tl_add(l, " %s=0x%x", key, v);
}

void trace_decode_irq(struct tline *l, uint32_t type, uint32_t vector, uint64_t dest,
		      bool level, bool logical)
{
	name_or_hex(l, "type", lookup(hv_irq_type_names, N(hv_irq_type_names), type), type);
	tl_add(l, " vector=0x%x dest=0x%llx %s%s", vector, (unsigned long long)dest,
	       level ? "level" : "edge", logical ? " logical" : "");
}

static void reg_value(struct tline *l, uint32_t name, const struct hv_u128 *v)
{
	const char *n = reg_name(name);

	if (n)
		tl_add(l, " %s=", n);
	else
		tl_add(l, " reg0x%x=", name);
	if (name >= HV_X64_REGISTER_ES && name <= HV_X64_REGISTER_TR) {
		struct hv_x64_segment_register sg;
		memcpy(&sg, v, sizeof sg);
		tl_add(l, "{sel=0x%x base=0x%llx limit=0x%x attr=0x%x}", sg.selector,
		       (unsigned long long)sg.base, sg.limit, sg.attributes);
	} else if (name == HV_X64_REGISTER_IDTR || name == HV_X64_REGISTER_GDTR) {
		struct hv_x64_table_register t;
		memcpy(&t, v, sizeof t);
		tl_add(l, "{base=0x%llx limit=0x%x}", (unsigned long long)t.base, t.limit);
	} else if (v->high_part)
		tl_add(l, "0x%llx:%016llx", (unsigned long long)v->high_part,
		       (unsigned long long)v->low_part);
	else
		tl_add(l, "0x%llx", (unsigned long long)v->low_part);
}

/* At most this many registers or leaves per line (the rest as "..."). */
#define MAX_ITEMS 16

/* How many of a rep hypercall's reps items (size bytes each, after hdr)
 * the input really holds, at most MAX_ITEMS; *more: some left out. */
static size_t rep_items(uint16_t reps, size_t hdr, size_t size, size_t in_sz, bool *more)
{
	size_t n = in_sz > hdr ? (in_sz - hdr) / size : 0;

	if (n > reps)
		n = reps;
	*more = n > MAX_ITEMS;
	return *more ? MAX_ITEMS : n;
}

void trace_decode_hvcall_in(struct tline *l, uint16_t code, uint16_t reps, const void *in,
			    size_t in_sz)
{
	const uint8_t *p = in;
	bool more = false;

	switch (code) {
	case HVCALL_GET_PARTITION_PROPERTY:
	case HVCALL_GET_PARTITION_PROPERTY_EX:
	case HVCALL_SET_PARTITION_PROPERTY: {
		const struct hv_input_set_partition_property *a = in;
		if (in_sz < 16)
			return;
		name_or_hex(l, "property", prop_name(a->property_code), a->property_code);
		if (code == HVCALL_SET_PARTITION_PROPERTY && in_sz >= sizeof *a)
			tl_add(l, " value=0x%llx", (unsigned long long)a->property_value);
		return;
	}
	case HVCALL_GET_VP_REGISTERS: {
		const struct hv_input_get_vp_registers *a = in;
		if (in_sz < sizeof *a)
			return;
		tl_add(l, " vp_index=%u", a->vp_index);
		size_t n = rep_items(reps, sizeof *a, 4, in_sz, &more);
		for (size_t i = 0; i < n; i++) {
			uint32_t r;
			memcpy(&r, p + sizeof *a + 4 * i, 4);
			name_or_hex(l, "reg", reg_name(r), r);
		}
		break;
	}
	case HVCALL_SET_VP_REGISTERS: {
		const struct hv_input_set_vp_registers *a = in;
		if (in_sz < sizeof *a)
			return;
		tl_add(l, " vp_index=%u", a->vp_index);
		size_t n = rep_items(reps, sizeof *a, 32, in_sz, &more);
		for (size_t i = 0; i < n; i++) {
			struct hv_register_assoc e;
			memcpy(&e, p + sizeof *a + 32 * i, sizeof e);
			reg_value(l, e.name, &e.value.reg128);
		}
		break;
	}
	case HVCALL_INSTALL_INTERCEPT: {
		const struct hv_input_install_intercept *a = in;
		if (in_sz < sizeof *a)
			return;
		name_or_hex(l, "type", lookup(hv_intercept_names, N(hv_intercept_names),
					      a->intercept_type), a->intercept_type);
		tl_add(l, " access=0x%x param=0x%llx", a->access_type,
		       (unsigned long long)a->parameters.as_uint64);
		return;
	}
	case HVCALL_TRANSLATE_VIRTUAL_ADDRESS: {
		const struct hv_input_translate_virtual_address *a = in;
		if (in_sz >= sizeof *a)
			tl_add(l, " vp_index=%u gva_page=0x%llx flags=0x%llx", a->vp_index,
			       (unsigned long long)a->gva_page, (unsigned long long)a->control_flags);
		return;
	}
	case HVCALL_READ_GPA:
	case HVCALL_WRITE_GPA: {
		const struct hv_input_read_gpa *a = in;
		if (in_sz >= sizeof *a)
			tl_add(l, " vp_index=%u gpa=0x%llx count=%u", a->vp_index,
			       (unsigned long long)a->base_gpa, a->byte_count);
		return;
	}
	case HVCALL_ASSERT_VIRTUAL_INTERRUPT: {
		const struct hv_input_assert_virtual_interrupt *a = in;
		if (in_sz < sizeof *a)
			return;
		trace_decode_irq(l, a->control.interrupt_type, a->vector, a->dest_addr,
				 a->control.level_triggered, a->control.logical_dest_mode);
		return;
	}
	case HVCALL_REGISTER_INTERCEPT_RESULT: {
		const struct hv_input_register_intercept_result *a = in;
		if (in_sz >= 16)
			name_or_hex(l, "type", lookup(hv_intercept_names, N(hv_intercept_names),
						      a->intercept_type), a->intercept_type);
		return;
	}
	case HVCALL_SIGNAL_EVENT_DIRECT: {
		const struct hv_input_signal_event_direct *a = in;
		if (in_sz >= sizeof *a)
			tl_add(l, " vp=%u sint=%u flag=%u", a->target_vp, a->target_sint,
			       a->flag_number);
		return;
	}
	case HVCALL_POST_MESSAGE_DIRECT: {
		const struct hv_input_post_message_direct *a = in;
		uint32_t type;
		if (in_sz < 24 + 4)
			return;
		memcpy(&type, a->message, 4);
		tl_add(l, " vp=%u sint=%u", a->vp_index, a->sint_index);
		name_or_hex(l, "msg", trace_msg_name(type), type);
		return;
	}
	case HVCALL_GET_GPA_PAGES_ACCESS_STATES: {
		const struct hv_input_get_gpa_pages_access_state *a = in;
		if (in_sz >= sizeof *a)
			tl_add(l, " gfn=0x%llx flags=0x%llx", (unsigned long long)a->hv_gpa_page_number,
			       (unsigned long long)a->flags.as_uint64);
		return;
	}
	case HVCALL_GET_VP_CPUID_VALUES: {
		const struct hv_input_get_vp_cpuid_values *a = in;
		if (in_sz < sizeof *a)
			return;
		tl_add(l, " vp_index=%u", a->vp_index);
		size_t n = rep_items(reps, sizeof *a, 24, in_sz, &more);
		for (size_t i = 0; i < n; i++) {
			struct hv_cpuid_leaf_info c;
			memcpy(&c, p + sizeof *a + 24 * i, sizeof c);
			tl_add(l, " leaf=0x%x.%u", c.eax, c.ecx);
		}
		break;
	}
	}
	if (more)
		tl_add(l, " ...");
}

void trace_decode_hvcall_out(struct tline *l, uint16_t code, uint16_t reps, const void *in,
			     size_t in_sz, const void *out, size_t out_sz)
{
	const uint8_t *o = out;

	switch (code) {
	case HVCALL_GET_PARTITION_PROPERTY:
		if (out_sz >= 8) {
			uint64_t v;
			memcpy(&v, o, 8);
			tl_add(l, " value=0x%llx", (unsigned long long)v);
		}
		return;
	case HVCALL_GET_VP_REGISTERS: {
		const uint8_t *p = in;
		size_t hdr = sizeof(struct hv_input_get_vp_registers);
		bool more;
		size_t n = rep_items(reps, hdr, 4, in_sz, &more);
		tl_add(l, " ->");
		for (size_t i = 0; i < n && 16 * (i + 1) <= out_sz; i++) {
			uint32_t r;
			struct hv_u128 v;
			memcpy(&r, p + hdr + 4 * i, 4);
			memcpy(&v, o + 16 * i, 16);
			reg_value(l, r, &v);
		}
		if (more)
			tl_add(l, " ...");
		return;
	}
	case HVCALL_TRANSLATE_VIRTUAL_ADDRESS:
		if (out_sz >= sizeof(struct hv_output_translate_virtual_address)) {
			const struct hv_output_translate_virtual_address *t = out;
			tl_add(l, " -> result=%u gpa_page=0x%llx",
			       t->translation_result.result_code, (unsigned long long)t->gpa_page);
		}
		return;
	case HVCALL_READ_GPA:
	case HVCALL_WRITE_GPA:
		if (out_sz >= 8) {
			uint32_t rc;
			memcpy(&rc, o, 4);
			tl_add(l, " -> result=%u", rc);
		}
		return;
	}
}

/* ---- RUN_VP exits ---- */

static void hexbytes(struct tline *l, const uint8_t *b, unsigned n)
{
	tl_add(l, " bytes=");
	for (unsigned i = 0; i < n && i < 16; i++)
		tl_add(l, "%02x", b[i]);
}

static const char *access_name(uint8_t a)
{
	return a == HV_INTERCEPT_ACCESS_WRITE ? "write" :
	       a == HV_INTERCEPT_ACCESS_EXECUTE ? "execute" : "read";
}

void trace_decode_exit(struct tline *l, const struct hv_message *msg)
{
	uint32_t type = msg->header.message_type;
	const void *pl = msg->u.payload;
	const struct hv_x64_intercept_message_header *h = pl;
	const char *n = trace_msg_name(type);

	if (n)
		tl_add(l, "%s", n);
	else
		tl_add(l, "0x%x", type);
	switch (type) {
	case HVMSG_X64_IO_PORT_INTERCEPT: {
		const struct hv_x64_io_port_intercept_message *m = pl;
		tl_add(l, " port=0x%x %s size=%u%s%s rax=0x%llx", m->port_number,
		       access_name(h->intercept_access_type), m->access_info.access_size,
		       m->access_info.string_op ? " string" : "",
		       m->access_info.rep_prefix ? " rep" : "", (unsigned long long)m->rax);
		break;
	}
	case HVMSG_UNMAPPED_GPA:
	case HVMSG_GPA_INTERCEPT:
	case HVMSG_UNACCEPTED_GPA: {
		const struct hv_x64_memory_intercept_message *m = pl;
		tl_add(l, " gpa=0x%llx gva=0x%llx %s ilen=%u",
		       (unsigned long long)m->guest_physical_address,
		       (unsigned long long)m->guest_virtual_address,
		       access_name(h->intercept_access_type), h->instruction_length);
		hexbytes(l, m->instruction_bytes, m->instruction_byte_count);
		break;
	}
	case HVMSG_X64_MSR_INTERCEPT: {
		const struct hv_x64_msr_intercept_message *m = pl;
		tl_add(l, " msr=0x%x %s rdx=0x%llx rax=0x%llx", m->msr_number,
		       access_name(h->intercept_access_type), (unsigned long long)m->rdx,
		       (unsigned long long)m->rax);
		break;
	}
	case HVMSG_X64_CPUID_INTERCEPT: {
		const struct hv_x64_cpuid_intercept_message *m = pl;
		tl_add(l, " rax=0x%llx rcx=0x%llx", (unsigned long long)m->rax,
		       (unsigned long long)m->rcx);
		break;
	}
	case HVMSG_X64_EXCEPTION_INTERCEPT: {
		const struct hv_x64_exception_intercept_message *m = pl;
		tl_add(l, " vector=%u", m->exception_vector);
		if (m->exception_info.error_code_valid)
			tl_add(l, " error=0x%x", m->error_code);
		break;
	}
	case HVMSG_X64_APIC_EOI: {
		const struct hv_x64_apic_eoi_message *m = pl;
		tl_add(l, " vector=0x%x", m->interrupt_vector);
		return;		/* no intercept header */
	}
	case HVMSG_X64_SIPI_INTERCEPT: {
		const struct hv_x64_sipi_intercept_message *m = pl;
		tl_add(l, " target=%u vector=0x%x", m->target_vp_index, m->interrupt_vector);
		break;
	}
	case HVMSG_X64_INTERRUPTION_DELIVERABLE: {
		const struct hv_x64_interruption_deliverable_message *m = pl;
		tl_add(l, " deliverable=%u", m->deliverable_type);
		break;
	}
	case HVMSG_HYPERCALL_INTERCEPT: {
		const struct hv_x64_hypercall_intercept_message *m = pl;
		tl_add(l, " rcx=0x%llx", (unsigned long long)m->rcx);
		break;
	}
	case HVMSG_X64_HALT:
	case HVMSG_UNRECOVERABLE_EXCEPTION:
		break;
	default:
		return;		/* payload unknown: no header to trust */
	}
	tl_add(l, " rip=0x%llx", (unsigned long long)h->rip);
}
