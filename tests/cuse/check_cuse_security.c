/* SPDX-License-Identifier: MIT */
/*
 * The daemon's defences (docs/security.md "CUSE daemon") through the fake
 * kernel (fake_kernel.h), no kernel CUSE needed: guest RAM is granted only
 * with the caller's own VMA rights (read-only file, PROT_NONE, mixed VMAs,
 * write-sealed memfds), a memfd truncated under a running guest makes
 * RUN_VP fail with EFAULT instead of killing the daemon, every per-user and
 * daemon-wide cap answers its errno and frees up again, refused BINDs are
 * answered but logged at a bounded rate, and malformed requests get errnos.
 * The kernel path, as a second unprivileged user, is tests/uml/.
 */
#define _GNU_SOURCE
#include <config.h>

#include "fake_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/mshv.h>
#include <hyperv/hv_all.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define W (1u << MSHV_SET_MEM_BIT_WRITABLE)
#define X (1u << MSHV_SET_MEM_BIT_EXECUTABLE)
#define PG 4096ul
#define RESET_GPA 0xffff0000ull	/* 64 KiB of code ending at the reset vector */
#define RESET_SIZE 0x10000ull

enum { UID_VMM = 1000, UID_OPENS = 2001, UID_PARTS = 2002, UID_MAPS = 2003 };

static const struct mshvd_limits limits = {
	.per_user = { [MSHVD_RES_OPENS] = 8, [MSHVD_RES_PARTITIONS] = 2, [MSHVD_RES_MAPS] = 6 },
	.total = { [MSHVD_RES_OPENS] = 40, [MSHVD_RES_PARTITIONS] = 8, [MSHVD_RES_MAPS] = 64 },
};

static void *shared_anon(size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* Real-mode code at the reset vector (16 bytes at most), in shared RAM. */
static uint8_t *reset_code(struct fk_vm *vm, const uint8_t *code, size_t len)
{
	uint8_t *ram = shared_anon(RESET_SIZE, PROT_READ | PROT_WRITE);

	memcpy(ram + 0xfff0, code, len);
	if (set_mem(vm->pt, RESET_GPA, RESET_SIZE, ram, W | X))
		printf("FAIL - mapping the reset vector\n"), failures++;
	return ram;
}

static long run(struct fk_vm *vm, struct hv_message *msg)
{
	memset(msg, 0, sizeof *msg);
	return do_ioctl(vm->vp, MSHV_RUN_VP, msg);
}

/* A root-owned read-only file, mapped MAP_SHARED PROT_READ by the client. */
static void read_only_file(void)
{
	char path[] = "/tmp/check_cuse_security.XXXXXX";
	struct fk_vm vm;
	uint8_t buf[PG];
	int fd = mkstemp(path);

	memset(buf, 'O', sizeof buf);
	if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fchmod(fd, 0444)) {
		printf("FAIL - cannot make the file\n"), failures++;
		return;
	}
	close(fd);
	fd = open(path, O_RDONLY);
	uint8_t *file = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);

	CHECK(fk_vm_create(&vm, UID_VMM) == 0, "a VM");
	CHECK(set_mem(vm.pt, 0, PG, file, W | X) == -EFAULT,
	      "read-only file registered writable: EFAULT");
	CHECK(set_mem(vm.pt, 0, PG, file, W) == -EFAULT,
	      "read-only file registered writable, not executable: EFAULT");
	/* The driver pins for writing whatever the region's flags. */
	CHECK(set_mem(vm.pt, 0, PG, file, X) == -EFAULT,
	      "read-only file registered read-only: EFAULT too");
	CHECK(set_mem(vm.pt, 0, PG, file, 0) == -EFAULT,
	      "read-only file registered with no access: EFAULT");
	fk_vm_release(&vm);
	CHECK(file[0] == 'O' && memchr(file, 'X', PG) == NULL, "the file is unchanged");
	munmap(file, PG);
	unlink(path);
}

/* Write seals, PROT_NONE, ranges over several VMAs, holes, foreign ranges. */
static void vma_rights(void)
{
	struct fk_vm vm;

	CHECK(fk_vm_create(&vm, UID_VMM) == 0, "a VM");
	int mfd = memfd_create("sealed", MFD_ALLOW_SEALING);
	CHECK(mfd >= 0 && ftruncate(mfd, 4 * PG) == 0, "a memfd");
	uint8_t *rw = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(fcntl(mfd, F_ADD_SEALS, 0x0010 /* F_SEAL_FUTURE_WRITE */) == 0,
	      "F_SEAL_FUTURE_WRITE with a writable mapping left");
	CHECK(set_mem(vm.pt, 0, 2 * PG, rw, W | X) == -EFAULT,
	      "future-write-sealed memfd registered writable: EFAULT");
	CHECK(set_mem(vm.pt, 0, 2 * PG, rw, X) == 0, "... registered read-only: mapped");
	munmap(rw, 2 * PG);
	close(mfd);

	mfd = memfd_create("sealed2", MFD_ALLOW_SEALING);
	CHECK(mfd >= 0 && ftruncate(mfd, PG) == 0 && fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE) == 0,
	      "an F_SEAL_WRITE memfd");
	uint8_t *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, mfd, 0);
	CHECK(set_mem(vm.pt, 0x10000, PG, ro, W) == -EFAULT,
	      "F_SEAL_WRITE memfd registered writable: EFAULT");
	close(mfd);

	uint8_t *none = shared_anon(PG, PROT_NONE);
	CHECK(set_mem(vm.pt, 0x20000, PG, none, 0) == -EFAULT, "PROT_NONE memory: EFAULT");

	uint8_t *two = shared_anon(4 * PG, PROT_READ | PROT_WRITE);
	mprotect(two + 2 * PG, 2 * PG, PROT_READ);
	CHECK(set_mem(vm.pt, 0x30000, 4 * PG, two, W) == -EFAULT,
	      "writable over a half read-only range (two VMAs): EFAULT");
	CHECK(set_mem(vm.pt, 0x30000, 4 * PG, two, 0) == -EFAULT,
	      "the same range read-only: EFAULT too (pinned for writing)");
	CHECK(wait_stats(3, 1, 1, 0) == 0, "no mapping left behind by the refusals");
	/* Two VMAs the caller can write (two files side by side). */
	int fa = memfd_create("a", 0), fb = memfd_create("b", 0);
	CHECK(fa >= 0 && fb >= 0 && !ftruncate(fa, 2 * PG) && !ftruncate(fb, 2 * PG) &&
	      mmap(two, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fa, 0) == two &&
	      mmap(two + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fb, 0) ==
		      two + 2 * PG, "two memfds side by side");
	close(fa), close(fb);
	CHECK(set_mem(vm.pt, 0x30000, 4 * PG, two, 0) == 0, "a range over two writable VMAs: mapped");
	long used[MSHVD_RES_N];
	mshvd_quota_usage(UID_VMM, used);
	CHECK(used[MSHVD_RES_MAPS] == 3, "one daemon mapping per VMA charged (%ld)",
	      used[MSHVD_RES_MAPS]);

	uint8_t *holed = shared_anon(3 * PG, PROT_READ | PROT_WRITE);
	munmap(holed + PG, PG);
	CHECK(set_mem(vm.pt, 0x40000, 3 * PG, holed, W) == -EFAULT, "a hole inside: EFAULT");
	CHECK(set_mem(vm.pt, 0x40000, PG, holed + PG, W) == -EINVAL,
	      "no VMA at the start (an address of another process, say): EINVAL");
	CHECK(set_mem(vm.pt, 0x40000, 0x2000, (void *)(uintptr_t)-0x1000, W) == -EINVAL,
	      "a range past the end of the address space: EINVAL");
	fk_vm_release(&vm);
	CHECK(wait_stats(0, 0, 0, 0) == 0, "all gone with the VM");
	mshvd_quota_usage(UID_VMM, used);
	CHECK(!used[0] && !used[1] && !used[2], "nothing left charged to the user");
	munmap(ro, PG);
	munmap(none, PG);
	munmap(two, 4 * PG);
	munmap(holed, PG);
	munmap(holed + 2 * PG, PG);
}

/* A file on a mount the client detached (umount -l) is not opened: the
 * daemon cannot tell it from a FUSE mount whose server the client runs.
 * Needs a mount namespace of its own: a single-threaded child does it. */
static void detached_mount(void)
{
	struct mshv_user_mem_region *m = shared_anon(PG, PROT_READ | PROT_WRITE);
	char dir[] = "/tmp/check_cuse_security_mnt.XXXXXX";
	int go[2], done[2];
	struct fk_vm vm;
	char c = 0;

	if (!mkdtemp(dir) || pipe(go) || pipe(done))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char f[64];
		int fd;
		snprintf(f, sizeof f, "%s/ram", dir);
		if (unshare(CLONE_NEWNS) || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=1m") ||
		    (fd = open(f, O_RDWR | O_CREAT, 0600)) < 0 || ftruncate(fd, PG))
			_exit(77);
		void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		*m = (struct mshv_user_mem_region){ .guest_pfn = 0x50, .size = PG,
						    .userspace_addr = (uintptr_t)p, .flags = W };
		if (write(done[1], "m", 1) != 1 || read(go[0], &c, 1) != 1 || umount2(dir, MNT_DETACH))
			_exit(1);
		if (write(done[1], "d", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	CHECK(fk_vm_create(&vm, UID_VMM) == 0, "a VM");
	if (read(done[0], &c, 1) != 1) {
		int st;
		waitpid(pid, &st, 0);
		printf("ok - # SKIP a detached mount: cannot mount here (status %#x)\n", st);
	} else {
		CHECK(do_ioctl_as(vm.pt, MSHV_SET_GUEST_MEMORY, m, pid, UID_VMM) == 0,
		      "a file on a (listed) tmpfs mount: mapped");
		m->flags |= 1u << MSHV_SET_MEM_BIT_UNMAP;
		CHECK(do_ioctl_as(vm.pt, MSHV_SET_GUEST_MEMORY, m, pid, UID_VMM) == 0, "unmapped");
		m->flags = W;
		CHECK(write(go[1], "u", 1) == 1 && read(done[0], &c, 1) == 1, "umount -l");
		CHECK(do_ioctl_as(vm.pt, MSHV_SET_GUEST_MEMORY, m, pid, UID_VMM) == -EOPNOTSUPP,
		      "the same file once its mount is detached: EOPNOTSUPP");
		CHECK(write(go[1], "x", 1) == 1 && waitpid(pid, NULL, 0) == pid, "child done");
	}
	fk_vm_release(&vm);
	rmdir(dir);
	munmap(m, PG);
	close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

/* The VMM truncates the memfd behind a running guest's RAM. */
static void truncated_memfd(void)
{
	static const uint8_t spin[] = { 0xa0, 0x00, 0x00, 0xeb, 0xfb };	/* 1: mov al,[0]; jmp 1b */
	static const uint8_t hlt[] = { 0xf4 };
	static struct hv_message msg;
	struct fk_vm vm;

	CHECK(fk_vm_create(&vm, UID_VMM) == 0, "a VM");
	int mfd = memfd_create("guest", 0);
	CHECK(mfd >= 0 && ftruncate(mfd, 4 * PG) == 0, "a memfd of 4 pages");
	uint8_t *data = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(set_mem(vm.pt, 0, 4 * PG, data, W | X) == 0, "mapped as guest RAM");
	uint8_t *ram = reset_code(&vm, spin, sizeof spin);
	uint64_t u = ioctl_send(vm.vp, MSHV_RUN_VP, &msg, me, UID_VMM);
	CHECK(ioctl_wait(u, 300) == -ETIMEDOUT, "the guest spins reading the memfd");
	CHECK(ftruncate(mfd, 0) == 0, "the VMM truncates the memfd to 0");
	long rc = ioctl_wait(u, 5000);
	CHECK(rc == -EFAULT, "the running RUN_VP fails with EFAULT (%ld)", rc);
	CHECK(run(&vm, &msg) == -EFAULT, "and so does the next one");
	fk_vm_release(&vm);
	munmap(data, 4 * PG);
	munmap(ram, RESET_SIZE);
	close(mfd);

	CHECK(fk_vm_create(&vm, UID_VMM) == 0, "the daemon lives on: a new VM");
	ram = reset_code(&vm, hlt, sizeof hlt);
	CHECK(run(&vm, &msg) == 0 && msg.header.message_type == HVMSG_X64_HALT,
	      "which runs to its HLT");
	fk_vm_release(&vm);
	munmap(ram, RESET_SIZE);
	CHECK(wait_stats(0, 0, 0, 0) == 0, "all gone");
}

static void caps(void)
{
	int64_t fh[64];
	int n = 0;
	long rc;

	/* Opens per user: EMFILE, and a release makes room again. */
	while (n < 20 && (fh[n] = try_open(me, UID_OPENS)) >= 0)
		n++;
	CHECK(n == 8 && fh[n] == -EMFILE, "the 9th open of a user: EMFILE (%d opens, %d)", n,
	      (int)fh[n]);
	do_release((uint64_t)fh[--n]);
	CHECK((fh[n] = try_open(me, UID_OPENS)) >= 0, "after a release it opens again");
	n++;
	int64_t other = try_open(me, UID_OPENS + 1);
	CHECK(other >= 0, "another user still opens");
	if (other >= 0)
		do_release((uint64_t)other);
	/* Opens of the whole daemon: ENFILE. */
	int64_t more[64];
	int m = 0;
	for (uid_t uid = 3000; m < 64; uid++) {
		int64_t r = try_open(me, uid);
		if (r < 0) {
			CHECK(r == -ENFILE, "opens of the whole daemon: ENFILE (%d)", (int)r);
			break;
		}
		more[m++] = r;
		if (m % 4 == 0)
			uid++;
	}
	while (m)
		do_release((uint64_t)more[--m]);
	while (n)
		do_release((uint64_t)fh[--n]);

	/* Partitions per user: ENOMEM before the engine is asked. */
	struct fk_vm a, b;
	CHECK(fk_vm_create(&a, UID_PARTS) == 0 && fk_vm_create(&b, UID_PARTS) == 0,
	      "two partitions of one user");
	uint64_t dev = do_open(me, UID_PARTS), pt = do_open(me, UID_PARTS);
	struct mshv_create_partition cp = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	uint32_t kind;
	uint64_t h = whoami(dev, &kind);
	CHECK(bind_as(pt, h, MSHV_CREATE_PARTITION, &cp, sizeof cp, me, UID_PARTS) == -ENOMEM,
	      "the third: ENOMEM");
	fk_vm_release(&b);
	CHECK(wait_stats(5, 1, 0, 0) == 0, "one released");
	CHECK(bind_as(pt, h, MSHV_CREATE_PARTITION, &cp, sizeof cp, me, UID_PARTS) == 0,
	      "then the third is made");
	do_release(pt);
	do_release(dev);

	/* Guest RAM mappings per user: ENOMEM, nothing mapped. */
	uint8_t *r = shared_anon(8 * PG, PROT_READ | PROT_WRITE);
	struct fk_vm c;
	CHECK(fk_vm_create(&c, UID_MAPS) == 0, "a VM of a third user");
	for (int i = 0; i < 6; i++)
		if ((rc = set_mem(c.pt, (uint64_t)i * PG, PG, r + i * PG, W)))
			break;
	CHECK(rc == 0, "6 mappings (%ld)", rc);
	CHECK(set_mem(c.pt, 6 * PG, PG, r + 6 * PG, W) == -ENOMEM, "the 7th: ENOMEM");
	CHECK(set_mem(c.pt, 0, PG, r, W | (1u << MSHV_SET_MEM_BIT_UNMAP)) == 0, "unmap one");
	CHECK(set_mem(c.pt, 6 * PG, PG, r + 6 * PG, W) == 0, "then the 7th maps");
	fk_vm_release(&c);
	fk_vm_release(&a);
	CHECK(wait_stats(0, 0, 0, 0) == 0, "all gone");
	munmap(r, 8 * PG);
}

/* A flood of refused BINDs: each answered EPERM, few log lines. */
static void bind_flood(void)
{
	char path[] = "/tmp/check_cuse_security_log.XXXXXX";
	int lf = mkstemp(path), saved = dup(2);
	struct mshv_create_partition cp = { .pt_isolation = MSHV_PT_ISOLATION_NONE };
	uint64_t fh = do_open(me, UID_VMM);
	int eperm = 0;

	struct timespec t0, t1;

	mshvd_set_log_level(MSHVD_LOG_WARN);
	dup2(lf, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2000; i++)
		eperm += bind_as(fh, 0x1234567ull * (uint64_t)(i + 1), MSHV_CREATE_PARTITION, &cp,
				 sizeof cp, me, UID_VMM) == -EPERM;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dup2(saved, 2);
	close(saved);
	/* 5 lines per 10 s window: as many windows as the flood spanned (slow
	 * under valgrind), plus the one it started in. */
	int allowed = 5 * (int)((t1.tv_sec - t0.tv_sec) / 10 + 2);
	mshvd_set_log_level(MSHVD_LOG_ERR);
	CHECK(eperm == 2000, "2000 BINDs with guessed handles: EPERM each (%d)", eperm);
	char log[16384];
	ssize_t n = pread(lf, log, sizeof log - 1, 0);
	int lines = 0;
	log[n > 0 ? n : 0] = 0;
	for (char *p = log; (p = strstr(p, "BIND refused")); p++)
		lines++;
	CHECK(lines >= 1 && lines <= allowed, "... logged %d times (at most %d)", lines, allowed);
	close(lf);
	unlink(path);
	do_release(fh);
}

/* Malformed private and mshv requests. */
static void hostile_requests(void)
{
	static struct mshvd_bind b;
	uint64_t fh = do_open(me, UID_VMM), dev = do_open(me, UID_VMM);
	uint32_t kind;

	memset(&b, 0, sizeof b);
	b.parent_handle = whoami(dev, &kind);
	b.request = MSHV_CREATE_PARTITION;
	b.arg_size = 65;
	CHECK(do_ioctl(fh, MSHVD_IOC_BIND, &b) == -EINVAL, "BIND with arg_size 65: EINVAL");
	b.arg_size = 16;
	b.rsvd = 1;
	CHECK(do_ioctl(fh, MSHVD_IOC_BIND, &b) == -EINVAL, "BIND with rsvd set: EINVAL");
	b.rsvd = 0;
	b.request = MSHV_RUN_VP;
	CHECK(do_ioctl(fh, MSHVD_IOC_BIND, &b) == -EINVAL, "BIND of another request: EINVAL");
	CHECK(do_ioctl(fh, MSHVD_IOC_BIND, (void *)16) == -EFAULT, "BIND from a bad pointer: EFAULT");
	CHECK(do_ioctl(fh, MSHV_SET_GUEST_MEMORY, NULL) == -ENOTTY,
	      "SET_GUEST_MEMORY on a device open: ENOTTY");
	{
		struct fuse_ioctl_in in = { .fh = fh, .flags = FUSE_IOCTL_UNRESTRICTED |
					    FUSE_IOCTL_COMPAT, .cmd = MSHVD_IOC_WHOAMI };
		uint64_t u = send_req(FUSE_IOCTL, 0, me, UID_VMM, &in, sizeof in, NULL, 0);
		CHECK(ioctl_wait(u, 2000) == -ENOTTY, "a 32-bit (compat) caller: ENOTTY");
	}
	struct fk_vm vm;
	CHECK(fk_vm_create(&vm, UID_VMM) == 0, "a VM");
	CHECK(do_ioctl(vm.pt, MSHV_SET_GUEST_MEMORY, (void *)8) == -EFAULT,
	      "SET_GUEST_MEMORY from a bad pointer: EFAULT");
	CHECK(do_ioctl(vm.vp, MSHV_RUN_VP, (void *)8) == -EFAULT, "RUN_VP to a bad pointer: EFAULT");
	fk_vm_release(&vm);
	do_release(fh);
	do_release(dev);
	CHECK(wait_stats(0, 0, 0, 0) == 0, "all gone");
}

int main(void)
{
	struct mshvd_opts o = { .name = "mshv", .mode = -1, .uid = (uid_t)-1, .gid = (gid_t)-1,
				.log_level = MSHVD_LOG_ERR, .limits = &limits };

	if (fk_start(&o))
		return 77;
	read_only_file();
	vma_rights();
	detached_mount();
	truncated_memfd();
	caps();
	bind_flood();
	hostile_requests();
	fk_stop();
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
