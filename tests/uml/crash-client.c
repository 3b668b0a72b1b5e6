/* SPDX-License-Identifier: MIT */
/*
 * A client that dies in the middle of MSHV_RUN_VP, then proof that the
 * device still serves: the daemon must survive any client crash, tear down
 * the dead client's partition and keep serving new ones. UAPI only; run
 * through "mshv-emu run --cuse" inside UML (tests/uml/test-uml-cuse).
 */
#include "../conformance/vmm.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

GUEST_CODE(crash_spin, ".code16\n" GUEST_LABEL(crash_loop) "jmp crash_loop\n");
GUEST_CODE(crash_hello, ".code16\n" "movb $0x42, %al\n" "outb %al, $0x10\n" "hlt\n");

static void *spin(void *arg)
{
	struct vcpu *vcpu = arg;
	struct hv_message msg;

	vcpu_run(vcpu, &msg);	/* never returns: the process is killed */
	return NULL;
}

/* The victim: a partition with a VP spinning in RUN_VP, then SIGKILL. */
static void victim(void)
{
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = vcpu_create(vm, 0);
	pthread_t th;

	GUEST_LOAD(vm, CODE_GPA, crash_spin);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	pthread_create(&th, NULL, spin, vcpu);
	usleep(200 * 1000);
	raise(SIGKILL);
}

TEST(survives_client_crash)
{
	for (int round = 0; round < 3; round++) {
		pid_t pid = fork();
		TEST_ASSERT(pid >= 0, "fork");
		if (pid == 0) {
			victim();
			_exit(1);
		}
		int st;
		TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
		TEST_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "victim status %#x", st);
	}
	/* The device still serves a fresh client end to end. */
	struct vm *vm = vm_create_default(0);
	struct vcpu *vcpu = vcpu_create(vm, 0);
	GUEST_LOAD(vm, CODE_GPA, crash_hello);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x42);
	vcpu_destroy(vcpu);
	vm_destroy(vm);
}

TEST_MAIN(TEST_ENTRY(survives_client_crash))
