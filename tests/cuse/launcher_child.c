/* SPDX-License-Identifier: MIT */
/*
 * The "VMM" run by check_launcher under the seccomp-notify launcher, linked
 * statically (LD_PRELOAD could not reach it). Its "device" is a memfd named
 * fake-mshv-dev; the test's fake backend binds new memfds and writes the
 * create arguments it received into them, so this program can check that
 * the injected fds are new, CLOEXEC and carry its own arguments.
 * Usage: launcher_child [ok | exit N | kill | private | filtered]
 * "private" registers private anonymous memory (private_ram.c): it must
 * come back shared, with its contents, its untouched pages untouched,
 * while another thread runs; a conversion that cannot be done is an errno
 * and leaves the memory as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/mshv.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fails;

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "child: FAIL " __VA_ARGS__); \
	fprintf(stderr, " (errno %d)\n", errno); fails++; } } while (0)

static int fd_is(int fd, const char *name)
{
	char path[64], target[256];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strstr(target, name) != NULL;
}

/* The vma holding p: its perms and path, and its Rss in KiB (-1: none). */
static long vma_of(void *p, char perms[5], char *path, size_t len)
{
	char line[512];
	long rss = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;
		int at = 0;

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &s, &e, perms, &at) >= 3 && at) {
			in = (uintptr_t)p >= s && (uintptr_t)p < e;
			if (in) {
				line[strcspn(line, "\n")] = 0;
				snprintf(path, len, "%s", line + at);
			}
		} else if (in && sscanf(line, "Rss: %ld kB", &rss) == 1) {
			break;
		}
	}
	fclose(f);
	return rss;
}

static atomic_long spins;
static atomic_int stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		atomic_fetch_add(&spins, 1);
	return NULL;
}

static int private_case(void)
{
	const size_t big = 8ull << 30, pg = 4096;
	char perms[5] = "", path[256] = "";
	int dev = memfd_create("fake-mshv-dev", 0);
	struct mshv_create_partition cp = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	int pt = ioctl(dev, MSHV_CREATE_PARTITION, &cp);
	pthread_t th;

	CHECK(pt > dev, "CREATE_PARTITION gave fd %d", pt);
	/* 8 GiB, never reserved; three pages written before registration. */
	uint8_t *m = mmap(NULL, big, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(m != MAP_FAILED, "mmap 8 GiB");
	if (m == MAP_FAILED)
		return 1;
	m[0] = 0x11, m[big / 2 + 5] = 0x22, m[big - 1] = 0x33;
	CHECK(pthread_create(&th, NULL, spinner, NULL) == 0, "thread");
	long before = atomic_load(&spins);
	struct mshv_user_mem_region r = { .size = big, .guest_pfn = 0,
					  .userspace_addr = (uintptr_t)m,
					  .flags = 1u << MSHV_SET_MEM_BIT_WRITABLE };
	/* The fake partition (a memfd) answers the restarted ioctl. */
	errno = 0;
	CHECK(ioctl(pt, MSHV_SET_GUEST_MEMORY, &r) == -1 && errno == ENOTTY,
	      "SET_GUEST_MEMORY went through after the conversion");
	/* The launcher opened a userfaultfd here for the daemon and kept
	 * none of it in this process. */
	for (int f = 0; f < 1024; f++)
		CHECK(!fd_is(f, "[userfaultfd]"), "fd %d is a userfaultfd left behind", f);
	long rss = vma_of(m + big / 2, perms, path, sizeof path);
	CHECK(perms[3] == 's' && strstr(path, "memfd:mshv-guest-ram"),
	      "the range is shared now (%s %s)", perms, path);
	CHECK(m[0] == 0x11 && m[big / 2 + 5] == 0x22 && m[big - 1] == 0x33 && m[pg] == 0,
	      "contents kept");
	CHECK(rss >= 0 && rss <= 64, "untouched pages stay untouched (Rss %ld KiB)", rss);
	/* One memory: a write through the VMM's pointer is in the file. */
	char mf[96];
	snprintf(mf, sizeof mf, "/proc/self/map_files/%lx-%lx", (unsigned long)(uintptr_t)m,
		 (unsigned long)(uintptr_t)(m + big));
	int fd = open(mf, O_RDWR);
	uint8_t b = 0;
	m[3 * pg] = 0x44;
	CHECK(fd >= 0 && pread(fd, &b, 1, 3 * pg) == 1 && b == 0x44, "VMM write seen in the file");
	b = 0x55;
	CHECK(fd >= 0 && pwrite(fd, &b, 1, 5 * pg) == 1 && m[5 * pg] == 0x55,
	      "file write seen by the VMM");
	if (fd >= 0)
		close(fd);
	while (atomic_load(&spins) == before)
		;	/* the other thread was never stopped for good */
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	/* Registering shared memory again is not trapped into a copy. */
	errno = 0;
	CHECK(ioctl(pt, MSHV_SET_GUEST_MEMORY, &r) == -1 && errno == ENOTTY, "second time");

	/* No fd left for the memfd: the errno, and the memory as it was. */
	uint8_t *q = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, "mmap");
	q[0] = 0x66;
	struct rlimit old, rl;
	getrlimit(RLIMIT_NOFILE, &old);
	int hole = dup(dev);	/* the lowest free slot: none free below the limit */
	rl = (struct rlimit){ (rlim_t)hole, old.rlim_max };
	setrlimit(RLIMIT_NOFILE, &rl);
	r.userspace_addr = (uintptr_t)q;
	r.size = 4 * pg;
	r.guest_pfn = 0x100000;
	errno = 0;
	CHECK(ioctl(pt, MSHV_SET_GUEST_MEMORY, &r) == -1 && errno == EMFILE,
	      "failed conversion: EMFILE");
	setrlimit(RLIMIT_NOFILE, &old);
	close(hole);
	vma_of(q, perms, path, sizeof path);
	CHECK(perms[3] == 'p' && !strstr(path, "memfd") && q[0] == 0x66,
	      "failed conversion left the memory private (%s %s)", perms, path);

	/* Huge pages where the VMM uses them (skipped with no pool). */
	const size_t hp = 2u << 20;
	uint8_t *h = mmap(NULL, hp, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (h == MAP_FAILED) {
		fprintf(stderr, "child: no huge pages (vm.nr_hugepages): hugetlb case skipped\n");
		return fails ? 1 : 0;
	}
	h[0] = 0x77, h[hp - 1] = 0x78;
	r.userspace_addr = (uintptr_t)h;
	r.size = hp;
	r.guest_pfn = 0x200000;
	errno = 0;
	CHECK(ioctl(pt, MSHV_SET_GUEST_MEMORY, &r) == -1 && (errno == ENOTTY || errno == ENOMEM),
	      "hugetlb SET_GUEST_MEMORY");
	int e = errno;
	vma_of(h, perms, path, sizeof path);
	if (e == ENOMEM)	/* a pool of one page: the conversion needs two */
		CHECK(perms[3] == 'p' && h[0] == 0x77, "hugetlb ENOMEM left it private");
	else
		CHECK(perms[3] == 's' && strstr(path, "mshv-guest-ram") && h[0] == 0x77 &&
		      h[hp - 1] == 0x78, "hugetlb converted (%s %s)", perms, path);
	fprintf(stderr, "child: hugetlb case: %s\n", e == ENOMEM ? "ENOMEM, left private" :
		"converted");
	return fails ? 1 : 0;
}

/* A VMM with a seccomp filter of its own that kills for userfaultfd (as
 * Cloud Hypervisor's kills or traps whatever it does not list): the
 * launcher must not run that call here for the write watch. */
static int filtered_case(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_userfaultfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
	int dev = memfd_create("fake-mshv-dev", 0);
	struct mshv_create_partition cp = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	int pt = ioctl(dev, MSHV_CREATE_PARTITION, &cp);

	CHECK(pt > dev, "CREATE_PARTITION gave fd %d", pt);
	CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0, "own filter");
	uint8_t *m =
		mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "mmap");
	struct mshv_user_mem_region r = { .size = 16 * 4096,
					  .userspace_addr = (uintptr_t)m,
					  .flags = 1u << MSHV_SET_MEM_BIT_WRITABLE };
	errno = 0;
	CHECK(ioctl(pt, MSHV_SET_GUEST_MEMORY, &r) == -1 && errno == ENOTTY,
	      "SET_GUEST_MEMORY let through to the fake partition");
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "kill"))
		raise(SIGKILL);
	if (argc > 1 && !strcmp(argv[1], "private"))
		return private_case();
	if (argc > 1 && !strcmp(argv[1], "filtered"))
		return filtered_case();

	int dev = memfd_create("fake-mshv-dev", 0);
	struct mshv_create_partition cp = { .pt_flags = 1ull << MSHV_PT_BIT_LAPIC,
					    .pt_isolation = MSHV_PT_ISOLATION_NONE };
	int pt = ioctl(dev, MSHV_CREATE_PARTITION, &cp);
	CHECK(pt > dev && fd_is(pt, "fake-mshv-pt"), "CREATE_PARTITION gave fd %d", pt);
	CHECK((fcntl(pt, F_GETFD) & FD_CLOEXEC) != 0, "partition fd not CLOEXEC");
	struct mshv_create_partition got;
	CHECK(pread(pt, &got, sizeof got, 0) == sizeof got && !memcmp(&got, &cp, sizeof cp),
	      "the supervisor did not pass the create arguments");

	/* Sign-extended request numbers are trapped as well. */
	struct mshv_create_vp cv = { .vp_index = 7 };
	long req = (long)(int)MSHV_CREATE_VP;
	int vp = ioctl(pt, (unsigned long)req, &cv);
	CHECK(vp > pt && fd_is(vp, "fake-mshv-vp"), "CREATE_VP gave fd %d", vp);
	struct mshv_create_vp gv;
	CHECK(pread(vp, &gv, sizeof gv, 0) == sizeof gv && gv.vp_index == 7, "VP arguments");

	/* CREATE_DEVICE: 0, and the new fd in the argument's fd field. */
	struct mshv_create_device cd = { .type = MSHV_DEV_TYPE_VFIO, .fd = 12345 };
	CHECK(ioctl(pt, MSHV_CREATE_DEVICE, &cd) == 0, "CREATE_DEVICE returns 0");
	CHECK((int)cd.fd > vp && fd_is((int)cd.fd, "fake-mshv-vfio") &&
	      (fcntl((int)cd.fd, F_GETFD) & FD_CLOEXEC), "CREATE_DEVICE gave fd %u", cd.fd);
	/* The TEST flag creates nothing: let through (here: memfd ENOTTY). */
	cd = (struct mshv_create_device){ .flags = MSHV_CREATE_DEVICE_TEST, .fd = 12345 };
	errno = 0;
	CHECK(ioctl(pt, MSHV_CREATE_DEVICE, &cd) == -1 && errno == ENOTTY && cd.fd == 12345,
	      "CREATE_DEVICE_TEST let through");

	/* Not on the device: let through, the kernel answers. */
	errno = 0;
	CHECK(ioctl(dev, MSHV_CREATE_VP, &cv) == -1 && errno == ENOTTY, "CREATE_VP on a device fd");
	int null = open("/dev/null", O_RDWR);
	errno = 0;
	CHECK(ioctl(null, MSHV_CREATE_PARTITION, &cp) == -1 && errno == ENOTTY,
	      "CREATE_PARTITION on /dev/null");
	errno = 0;
	CHECK(ioctl(999, MSHV_CREATE_PARTITION, &cp) == -1 && errno == EBADF, "bad fd");
	/* A bad argument pointer: EFAULT, as from the driver. */
	errno = 0;
	CHECK(ioctl(dev, MSHV_CREATE_PARTITION, (void *)16) == -1 && errno == EFAULT,
	      "bad argument pointer");
	/* The backend's refusal comes back as the ioctl's errno. */
	struct mshv_create_vp bad = { .vp_index = 9999 };
	errno = 0;
	CHECK(ioctl(pt, MSHV_CREATE_VP, &bad) == -1 && errno == EINVAL, "refused create");
	/* Untrapped ioctls are untouched. */
	int avail = -1;
	CHECK(ioctl(null, FIONREAD, &avail) == -1 || avail >= 0, "FIONREAD");
	return fails ? 1 : 0;
}
