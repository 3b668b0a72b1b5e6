/* SPDX-License-Identifier: MIT */
/*
 * An unprivileged, hostile client of mshv-emud, run inside UML through the
 * kernel CUSE path as a second user (tests/uml/test-uml-cuse step 4):
 * the attacks of docs/security.md "CUSE daemon". UAPI only, plus the
 * private BIND ioctl for the flood.
 *
 *   caps            (first, on a fresh daemon started with
 *                   -L partitions-per-user=4 -L opens-per-user=32
 *                   -L mappings-per-user=64) each cap's errno, exactly at
 *                   the cap
 *   ro_file         UML_RO_FILE, a root-owned 0644 file mapped read-only:
 *                   registered with any flags → EFAULT (the driver pins
 *                   for writing); the file is unchanged
 *   sealed_memfd    write-sealed memfds registered writable → EFAULT
 *   truncated_memfd the memfd truncated under a running guest: RUN_VP
 *                   fails with EFAULT, the daemon serves a new VM
 *   crash_bystander a client SIGKILLs itself mid-RUN_VP while this one's
 *                   guest keeps running
 *   bind_flood      1000 BINDs with guessed handles: EPERM each
 */
#define _GNU_SOURCE
#include "../conformance/vmm.h"
#include "../../src/cuse/mshvd_proto.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096ul
#define TEST_GPA 0x400000ull	/* above vm_create_default's 2 MiB */
#define CAP_PARTITIONS 4
#define CAP_OPENS 32
#define CAP_MAPPINGS 64

GUEST_CODE(hc_spin_read, ".code32\n" GUEST_LABEL(hc_sr) "movb 0x400000, %al\n" "jmp hc_sr\n");
GUEST_CODE(hc_count, ".code32\n" GUEST_LABEL(hc_c) "incl 0x8000\n" "jmp hc_c\n");
GUEST_CODE(hc_hello, ".code32\n" "movb $0x42, %al\n" "outb %al, $0x10\n" "hlt\n");

static struct vcpu *vp_at(struct vm *vm, const uint8_t *code, size_t len)
{
	struct vcpu *vcpu = vcpu_create(vm, 0);

	vm_load(vm, CODE_GPA, code, len);
	vcpu_setup_protected_mode(vcpu, CODE_GPA, STACK_TOP);
	return vcpu;
}

#define VP_AT(vm, name) vp_at(vm, name##_start, GUEST_SIZE(name))

static void *shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	return p;
}

TEST(caps)
{
	struct mshv_create_partition cp = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	int dev = mshv_open(O_RDWR), pts[CAP_PARTITIONS + 1], fds[CAP_OPENS + 1];
	int np = 0, nf = 0, r;

	while (np <= CAP_PARTITIONS && (r = ioctl(dev, MSHV_CREATE_PARTITION, &cp)) >= 0)
		pts[np++] = r;
	TEST_ASSERT(np == CAP_PARTITIONS && errno == ENOMEM,
		    "partition %d of a user: %s (ENOMEM expected at %d)", np + 1, strerror(errno),
		    CAP_PARTITIONS + 1);
	/* Opens so far: the device and one per partition. */
	while (nf <= CAP_OPENS && (r = open("/dev/mshv", O_RDWR)) >= 0)
		fds[nf++] = r;
	TEST_ASSERT(nf == CAP_OPENS - 1 - CAP_PARTITIONS && errno == EMFILE,
		    "open %d of a user: %s (EMFILE expected)", nf + 2 + CAP_PARTITIONS,
		    strerror(errno));
	close(fds[--nf]);
	TEST_ASSERT((fds[nf] = open("/dev/mshv", O_RDWR)) >= 0, "a closed open makes room");
	nf++;
	while (nf)
		close(fds[--nf]);

	uint8_t *ram = shared((CAP_MAPPINGS + 1) * PG);
	int i;
	for (i = 0; i <= CAP_MAPPINGS; i++) {
		struct mshv_user_mem_region m = { .guest_pfn = (uint64_t)i, .size = PG,
						  .userspace_addr = (uintptr_t)(ram + i * PG),
						  .flags = MEM_W };
		/* Alternate protections: every page its own VMA. */
		mprotect(ram + i * PG, PG, i % 2 ? PROT_READ | PROT_WRITE | PROT_EXEC :
			 PROT_READ | PROT_WRITE);
		if (ioctl(pts[0], MSHV_SET_GUEST_MEMORY, &m))
			break;
	}
	TEST_ASSERT(i == CAP_MAPPINGS && errno == ENOMEM, "guest RAM mapping %d: %s (ENOMEM "
		    "expected at %d)", i + 1, strerror(errno), CAP_MAPPINGS + 1);
	while (np)
		close(pts[--np]);
	close(dev);
}

TEST(ro_file)
{
	const char *path = getenv("UML_RO_FILE");

	if (!path)
		test_skip("UML_RO_FILE not set");
	TEST_ASSERT(open(path, O_RDWR) < 0 && errno == EACCES, "this user cannot write %s", path);
	int fd = open(path, O_RDONLY);
	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	uint8_t *file = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	TEST_ASSERT(file != MAP_FAILED, "mmap");
	uint8_t first = file[0];

	/* The driver pins every page for writing, whatever the flags. */
	struct vm *vm = vm_create_default(0);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, TEST_GPA, PG, file, MEM_RWX), EFAULT);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, TEST_GPA, PG, file, MEM_W), EFAULT);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, TEST_GPA, PG, file, MEM_X), EFAULT);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, TEST_GPA, PG, file, 0), EFAULT);
	vm_destroy(vm);
	TEST_ASSERT(file[0] == first && !memchr(file, 'X', PG), "the file is unchanged");
	munmap(file, PG);
	close(fd);
}

TEST(sealed_memfd)
{
	struct vm *vm = vm_create_default(0);
	int mfd = memfd_create("sealed", MFD_ALLOW_SEALING);

	TEST_ASSERT(mfd >= 0 && ftruncate(mfd, 2 * PG) == 0, "memfd");
	uint8_t *rw = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	TEST_ASSERT(rw != MAP_FAILED, "mmap");
	TEST_ASSERT_OK(fcntl(mfd, F_ADD_SEALS, 0x0010 /* F_SEAL_FUTURE_WRITE */));
	TEST_ASSERT_ERRNO(vm_set_memory(vm, TEST_GPA, 2 * PG, rw, MEM_RWX), EFAULT);
	TEST_ASSERT_OK(vm_set_memory(vm, TEST_GPA, 2 * PG, rw, MEM_X));
	munmap(rw, 2 * PG);
	close(mfd);

	mfd = memfd_create("sealed2", MFD_ALLOW_SEALING);
	TEST_ASSERT(mfd >= 0 && ftruncate(mfd, PG) == 0, "memfd");
	TEST_ASSERT_OK(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE));
	uint8_t *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, mfd, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	TEST_ASSERT_ERRNO(vm_set_memory(vm, TEST_GPA + 0x10000, PG, ro, MEM_RWX), EFAULT);
	vm_destroy(vm);
	munmap(ro, PG);
	close(mfd);
}

struct runner {
	struct vcpu *vcpu;
	struct hv_message msg;
	int rc, err;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->rc = vcpu_run(r->vcpu, &r->msg);
	r->err = errno;
	return NULL;
}

TEST(truncated_memfd)
{
	struct vm *vm = vm_create_default(0);
	int mfd = memfd_create("guest", 0);
	struct runner r = { .rc = 0 };
	pthread_t th;

	TEST_ASSERT(mfd >= 0 && ftruncate(mfd, 4 * PG) == 0, "memfd");
	uint8_t *mem = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	TEST_ASSERT_OK(vm_set_memory(vm, TEST_GPA, 4 * PG, mem, MEM_RWX));
	r.vcpu = VP_AT(vm, hc_spin_read);
	pthread_create(&th, NULL, run_thread, &r);
	usleep(200 * 1000);	/* let it spin; either way the access must fault */
	TEST_ASSERT_OK(ftruncate(mfd, 0));
	pthread_join(th, NULL);
	TEST_ASSERT(r.rc == -1 && r.err == EFAULT, "RUN_VP after the truncation: %d %s", r.rc,
		    strerror(r.err));
	TEST_ASSERT_ERRNO(vcpu_run(r.vcpu, &r.msg), EFAULT);
	vcpu_destroy(r.vcpu);
	vm_destroy(vm);
	munmap(mem, 4 * PG);
	close(mfd);

	vm = vm_create_default(0);
	struct vcpu *vcpu = VP_AT(vm, hc_hello);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x42);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST(crash_bystander)
{
	struct vm *vm = vm_create_default(0);
	struct runner r = { .rc = 0 };
	volatile uint32_t *counter = vm_gpa2hva(vm, 0x8000);
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	pthread_t th;

	sigaction(SIGUSR1, &sa, NULL);
	r.vcpu = VP_AT(vm, hc_count);
	pthread_create(&th, NULL, run_thread, &r);
	for (int round = 0; round < 2; round++) {
		pid_t pid = fork();
		TEST_ASSERT(pid >= 0, "fork");
		if (pid == 0) {
			struct vm *v = vm_create_default(0);
			struct vcpu *c = VP_AT(v, hc_count);
			struct runner vr = { .vcpu = c };
			pthread_t vt;
			pthread_create(&vt, NULL, run_thread, &vr);
			usleep(100 * 1000);
			raise(SIGKILL);
		}
		int st;
		TEST_ASSERT(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "victim status %#x", st);
	}
	/* This client's guest is still running: its counter moves on. */
	uint32_t c0 = *counter;
	int i;
	for (i = 0; i < 1000 && *counter == c0; i++)
		usleep(10 * 1000);
	TEST_ASSERT(*counter != c0, "the bystander's guest stopped (counter %u)", c0);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	TEST_ASSERT(r.rc == -1 && r.err == EINTR, "the bystander's RUN_VP: %d %s", r.rc,
		    strerror(r.err));
	vcpu_destroy(r.vcpu);
	vm_destroy(vm);
}

TEST(bind_flood)
{
	int dev = mshv_open(O_RDWR), fresh = mshv_open(O_RDWR), eperm = 0;
	struct mshvd_bind b;

	memset(&b, 0, sizeof b);
	b.request = MSHV_CREATE_PARTITION;
	b.arg_size = sizeof(struct mshv_create_partition);
	for (int i = 0; i < 1000; i++) {
		TEST_ASSERT(getrandom(&b.parent_handle, sizeof b.parent_handle, 0) == 8, "random");
		eperm += ioctl(fresh, MSHVD_IOC_BIND, &b) == -1 && errno == EPERM;
	}
	TEST_ASSERT_EQ(eperm, 1000);
	/* The device still serves this user. */
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = VP_AT(vm, hc_hello);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x42);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
	close(fresh);
	close(dev);
}

TEST_MAIN(TEST_ENTRY(caps), TEST_ENTRY(ro_file), TEST_ENTRY(sealed_memfd),
	  TEST_ENTRY(truncated_memfd), TEST_ENTRY(crash_bystander), TEST_ENTRY(bind_flood))
