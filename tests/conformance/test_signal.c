/* SPDX-License-Identifier: MIT */
/*
 * Signals: MSHV_RUN_VP of a spinning guest must return -1/EINTR promptly
 * when the thread is signalled (VMM "kicks"), and the VP must be runnable
 * afterwards (docs/abi.md §2.10).
 */
#include "vmm.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

GUEST_CODE(spin_guest,
	".code16\n"
	GUEST_LABEL(spin_loop) "jmp spin_loop\n"
	GUEST_LABEL(spin_after) "movb $0x77, %al\n"
	"outb %al, $0x10\n"
	"hlt\n");
GUEST_EXTERN(spin_loop); GUEST_EXTERN(spin_after);

static volatile sig_atomic_t sig_count;

static void on_sigusr1(int sig)
{
	(void)sig;
	sig_count++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct runner {
	struct vcpu *vcpu;
	int started;		/* __atomic: the threads synchronise on it */
	int ret, err;
	uint64_t t_return;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;
	struct hv_message msg;

	__atomic_store_n(&r->started, 1, __ATOMIC_RELEASE);
	r->ret = vcpu_run(r->vcpu, &msg);
	r->err = errno;
	r->t_return = now_ns();
	return NULL;
}

static void kick_once(struct vcpu *vcpu)
{
	struct runner r = { .vcpu = vcpu };
	pthread_t th;
	uint64_t t_kick;
	int before = sig_count;

	TEST_ASSERT_OK(pthread_create(&th, NULL, run_thread, &r));
	while (!__atomic_load_n(&r.started, __ATOMIC_ACQUIRE))
		;
	/* let it get into the guest */
	struct timespec d = { 0, 50 * 1000 * 1000 };

	nanosleep(&d, NULL);
	t_kick = now_ns();
	TEST_ASSERT_OK(pthread_kill(th, SIGUSR1));
	TEST_ASSERT_OK(pthread_join(th, NULL));
	TEST_ASSERT(r.ret == -1 && r.err == EINTR,
		    "RUN_VP returned %d errno %s instead of EINTR", r.ret,
		    strerror(r.err));
	/* Promptness is measured by bench/; here: it ends, instead of the
	 * guest spinning on (generous bound for sanitizer/valgrind runs). */
	TEST_ASSERT(r.t_return - t_kick < 2000ull * 1000 * 1000,
		    "RUN_VP took %llu ms to return after the signal",
		    (unsigned long long)((r.t_return - t_kick) / 1000000));
	TEST_ASSERT(sig_count > before, "handler did not run");
	/* the guest was stopped in its loop */
	TEST_ASSERT_EQ(vcpu_get_reg(vcpu, HV_X64_REGISTER_RIP),
		       CODE_GPA + GUEST_OFF(spin_guest, spin_loop));
	if (vcpu->regpage) {
		TEST_ASSERT_EQ(vcpu->regpage->isvalid, 1);
		TEST_ASSERT_EQ(vcpu->regpage->rip,
			       CODE_GPA + GUEST_OFF(spin_guest, spin_loop));
	}
}

static void do_test(int sa_flags)
{
	struct sigaction sa;
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = sa_flags;
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));

	GUEST_LOAD(vm, CODE_GPA, spin_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	for (int i = 0; i < 3; i++)
		kick_once(vcpu);
	/* the VP still works: leave the loop */
	vcpu_set_reg(vcpu, HV_X64_REGISTER_RIP,
		     CODE_GPA + GUEST_OFF(spin_guest, spin_after));
	TEST_ASSERT_EQ(vcpu_expect_out(vcpu, 0x10) & 0xff, 0x77);
	vm_destroy(vm);
}

TEST(eintr_with_sa_restart)
{
	do_test(SA_RESTART);
}

TEST(eintr_without_sa_restart)
{
	do_test(0);
}

TEST(pending_signal_before_run)
{
	/* a signal that arrives just before RUN_VP still interrupts it */
	struct sigaction sa;
	struct vcpu *vcpu;
	struct vm *vm = vm_create_with_one_vcpu(0, &vcpu);
	sigset_t set, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	GUEST_LOAD(vm, CODE_GPA, spin_guest);
	vcpu_setup_real_mode(vcpu, 0, CODE_GPA);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	TEST_ASSERT_OK(pthread_sigmask(SIG_BLOCK, &set, &old));
	TEST_ASSERT_OK(pthread_kill(pthread_self(), SIGUSR1));
	/* unblocking delivers it; the next RUN_VP must not hang */
	TEST_ASSERT_OK(pthread_sigmask(SIG_SETMASK, &old, NULL));
	kick_once(vcpu);
	vm_destroy(vm);
}

TEST_MAIN(
	TEST_ENTRY(eintr_with_sa_restart),
	TEST_ENTRY(eintr_without_sa_restart),
	TEST_ENTRY(pending_signal_before_run),
)
