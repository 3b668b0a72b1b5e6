/* SPDX-License-Identifier: MIT */
/*
 * mshv-emud --trace FILE --fault SPEC through the fake kernel
 * (fake_kernel.h): the client's calls land in FILE.PID in the same format
 * as the in-process face, and the injected failures reach the client with
 * the errno and status the spec names, marked in the trace.
 */
#define _GNU_SOURCE
#include <config.h>

#include "fake_kernel.h"

#include <errno.h>
#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/check_cuse_trace.XXXXXX", prefix[64], path[96];

	if (!mkdtemp(dir))
		return 1;
	snprintf(prefix, sizeof prefix, "%s/trace", dir);
	struct mshvd_opts o = { .name = "mshv", .mode = -1, .uid = (uid_t)-1, .gid = (gid_t)-1,
				.log_level = MSHVD_LOG_ERR, .trace = prefix,
				.faults = "ioctl=SET_GUEST_MEMORY:errno=ENOSPC:nth=1,"
					  "hvcall=GET_PARTITION_PROPERTY:status=INVALID_PARTITION_STATE:nth=2" };
	if (fk_start(&o))
		return 77;

	struct fk_vm vm;
	CHECK(fk_vm_create(&vm, 1000) == 0, "partition and VP bound under a tap");

	size_t size = 0x10000;
	void *ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned rw = (1u << MSHV_SET_MEM_BIT_WRITABLE) | (1u << MSHV_SET_MEM_BIT_EXECUTABLE);
	CHECK(set_mem(vm.pt, 0, size, ram, rw) == -ENOSPC, "1st SET_GUEST_MEMORY: injected ENOSPC");
	CHECK(set_mem(vm.pt, 0, size, ram, rw) == 0, "2nd SET_GUEST_MEMORY: done");

	static struct hv_input_get_partition_property in;
	static struct hv_output_get_partition_property out;
	static struct mshv_root_hvcall hc;
	in.property_code = HV_PARTITION_PROPERTY_PHYSICAL_ADDRESS_WIDTH;
	hc.code = HVCALL_GET_PARTITION_PROPERTY;
	hc.in_sz = sizeof in;
	hc.out_sz = sizeof out;
	hc.in_ptr = (uintptr_t)&in;
	hc.out_ptr = (uintptr_t)&out;
	CHECK(do_ioctl(vm.pt, MSHV_ROOT_HVCALL, &hc) == 0 && hc.status == 0,
	      "1st GET_PARTITION_PROPERTY: done");
	hc.status = 0;
	long rc = do_ioctl(vm.pt, MSHV_ROOT_HVCALL, &hc);
	CHECK(rc == -EIO && hc.status == HV_STATUS_INVALID_PARTITION_STATE,
	      "2nd: injected INVALID_PARTITION_STATE, EIO (rc %ld status 0x%x)", rc, hc.status);

	fk_vm_release(&vm);
	CHECK(wait_stats(0, 0, 0, 0) == 0, "all released");
	fk_stop();

	snprintf(path, sizeof path, "%s.%d", prefix, (int)me);
	const char *t = slurp(path);
	CHECK(strstr(t, " ioctl dev CREATE_PARTITION pt_flags=0x0 isolation=0 = partition "),
	      "trace: CREATE_PARTITION line in %s", path);
	CHECK(strstr(t, " ioctl pt CREATE_VP vp_index=0 = vp 0\n"), "trace: CREATE_VP line");
	CHECK(strstr(t, " ioctl pt SET_GUEST_MEMORY gfn=0x0 size=0x10000 ") &&
	      strstr(t, "flags=WRITABLE|EXECUTABLE = -1 ENOSPC (injected)\n"),
	      "trace: the injected SET_GUEST_MEMORY failure is marked");
	CHECK(strstr(t, " hvcall GET_PARTITION_PROPERTY property=PHYSICAL_ADDRESS_WIDTH = SUCCESS "
			"reps=0 value=0x"), "trace: the hypercall, decoded");
	CHECK(strstr(t, " hvcall GET_PARTITION_PROPERTY property=PHYSICAL_ADDRESS_WIDTH = "
			"INVALID_PARTITION_STATE reps=0 (injected)\n"),
	      "trace: the injected status is marked");
	CHECK(strstr(t, " ioctl pt ROOT_HVCALL code=GET_PARTITION_PROPERTY reps=0 in_sz=16 "
			"out_sz=8 = -1 EIO\n"), "trace: the ioctl's errno");
	if (failures)
		fputs(t, stdout);
	unlink(path);
	rmdir(dir);
	munmap(ram, size);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
