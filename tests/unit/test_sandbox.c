/* SPDX-License-Identifier: ISC */
/*
 * lispd/sandbox: the capability set of each role, and the seccomp
 * filters themselves, loaded in a forked child per case (a filter can
 * never be removed) that then makes allowed and forbidden calls.  The
 * child reports by its exit status; a forbidden call must end it with
 * SIGSYS.  Children leave with _exit(): nothing of the test runner's
 * exit path runs under a filter.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <net/if.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#ifndef AF_PACKET
#define AF_PACKET	17
#endif

static int
has_cap(const unsigned int *caps, size_t n, unsigned int cap)
{
	for (size_t k = 0; k < n; k++)
		if (caps[k] == cap)
			return 1;
	return 0;
}

START_TEST(test_caps_parent)
{
	unsigned int	 caps[8];
	size_t		 n;

	n = sandbox_caps(SANDBOX_PARENT, 0, caps, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert(has_cap(caps, n, CAP_NET_RAW));
	ck_assert(has_cap(caps, n, CAP_NET_ADMIN));

	/* With -u: switch each child's ids, and signal them afterwards. */
	n = sandbox_caps(SANDBOX_PARENT, 1, caps, 8);
	ck_assert_uint_eq(n, 5);
	ck_assert(has_cap(caps, n, CAP_NET_RAW));
	ck_assert(has_cap(caps, n, CAP_NET_ADMIN));
	ck_assert(has_cap(caps, n, CAP_SETUID));
	ck_assert(has_cap(caps, n, CAP_SETGID));
	ck_assert(has_cap(caps, n, CAP_KILL));
	ck_assert(!has_cap(caps, n, CAP_SYS_ADMIN));
	ck_assert(!has_cap(caps, n, CAP_DAC_OVERRIDE));

	/* A short array: the count is still the full one, nothing overrun. */
	caps[1] = 12345;
	ck_assert_uint_eq(sandbox_caps(SANDBOX_PARENT, 1, caps, 1), 5);
	ck_assert_uint_eq(caps[0], CAP_NET_RAW);
	ck_assert_uint_eq(caps[1], 12345);
}
END_TEST

START_TEST(test_caps_children)
{
	unsigned int	 caps[8];

	ck_assert_uint_eq(sandbox_caps(SANDBOX_DP, 0, caps, 8), 0);
	ck_assert_uint_eq(sandbox_caps(SANDBOX_DP, 1, caps, 8), 0);
	ck_assert_uint_eq(sandbox_caps(SANDBOX_CP, 0, caps, 8), 0);
	ck_assert_uint_eq(sandbox_caps(SANDBOX_CP, 1, caps, 8), 0);
}
END_TEST

START_TEST(test_mode_parse)
{
	enum sandbox_mode	 m = SANDBOX_OFF;

	ck_assert_int_eq(sandbox_mode_parse("kill", &m), 0);
	ck_assert_int_eq(m, SANDBOX_KILL);
	ck_assert_int_eq(sandbox_mode_parse("log", &m), 0);
	ck_assert_int_eq(m, SANDBOX_LOG);
	ck_assert_int_eq(sandbox_mode_parse("trap", &m), 0);
	ck_assert_int_eq(m, SANDBOX_TRAP);
	ck_assert_int_eq(sandbox_mode_parse("off", &m), 0);
	ck_assert_int_eq(m, SANDBOX_OFF);
	ck_assert_int_eq(sandbox_mode_parse("", &m), -1);
	ck_assert_int_eq(sandbox_mode_parse("Kill", &m), -1);
	ck_assert_int_eq(sandbox_mode_parse("kill ", &m), -1);
	ck_assert_int_eq(m, SANDBOX_OFF);	/* untouched on error */
}
END_TEST

/* --- filters ------------------------------------------------------------ */

enum probe {
	P_ALLOWED,	/* what a worker does: must all succeed */
	P_MOUNT,
	P_EXECVE,
	P_PTRACE,
	P_PACKET,	/* socket(AF_PACKET) */
	P_FORK,
	P_ETHTOOL,	/* ioctl(SIOCETHTOOL) */
	P_SETUID,
};

static void *
thread_fn(void *arg)
{
	return arg;
}

/* Allowed calls; exit 0 if each behaved, 10 + step otherwise. */
static int
probe_allowed(void)
{
	struct timespec	 ts;
	pthread_t	 th;
	void		*ret = NULL;
	char		 buf[16];
	int		 fd, n = -1, pfd[2];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 10;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 11;
	if (ioctl(fd, FIONREAD, &n) == -1 || n != 0)
		return 12;
	close(fd);
	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 13;
	close(fd);
	/* A thread: clone3 gets ENOSYS, glibc falls back to clone. */
	if (pthread_create(&th, NULL, thread_fn, buf) != 0 ||
	    pthread_join(th, &ret) != 0 || ret != buf)
		return 14;
	if (pipe2(pfd, O_CLOEXEC) == -1 || write(pfd[1], "x", 1) != 1 ||
	    read(pfd[0], buf, 1) != 1)
		return 15;
	free(malloc(1 << 20));		/* mmap'ed by malloc */
	return 0;
}

static int
probe(enum probe p)
{
	struct ifreq	 ifr;
	char		*argv[] = { "/bin/true", NULL };
	int		 fd;

	switch (p) {
	case P_ALLOWED:
		return probe_allowed();
	case P_MOUNT:
		(void)syscall(SYS_mount, NULL, NULL, NULL, 0UL, NULL);
		break;
	case P_EXECVE:
		execv(argv[0], argv);
		break;
	case P_PTRACE:
		(void)syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
		break;
	case P_PACKET:
		fd = socket(AF_PACKET, SOCK_RAW, 0);
		/* The parent may: EPERM without root is an answer too. */
		if (fd != -1)
			close(fd);
		return fd != -1 || errno == EPERM ? 0 : 20;
	case P_FORK:
		/* The child of a fork that got through exits 0 at once. */
		if (fork() == 0)
			_exit(0);
		return 0;
	case P_ETHTOOL:
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
			return 21;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		(void)ioctl(fd, SIOCETHTOOL, &ifr);
		return 0;
	case P_SETUID:
		(void)setresuid(65534, 65534, 65534);
		return 0;
	}
	return 0;
}

/*
 * Fork; the child loads the filters of roles[0..n) (stacked, as a data
 * plane forked by a sandboxed parent does) and runs probe p.  Returns
 * the wait status.
 */
static int
run_probe(const enum sandbox_role *roles, int n, enum sandbox_mode mode,
    enum probe p)
{
	pid_t	 pid;
	int	 st, k;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		for (k = 0; k < n; k++)
			if (sandbox_seccomp(roles[k], mode) == -1)
				_exit(99);
		_exit(probe(p));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static void
expect_exit0(int st)
{
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "expected exit 0, got %s %d", WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void
expect_sigsys(int st)
{
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "expected SIGSYS, got %s %d", WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static const enum sandbox_role dp_only[] = { SANDBOX_DP };
static const enum sandbox_role cp_only[] = { SANDBOX_CP };
static const enum sandbox_role parent_only[] = { SANDBOX_PARENT };
static const enum sandbox_role parent_dp[] = { SANDBOX_PARENT, SANDBOX_DP };

START_TEST(test_filter_allows_worker_calls)
{
	expect_exit0(run_probe(dp_only, 1, SANDBOX_KILL, P_ALLOWED));
	expect_exit0(run_probe(cp_only, 1, SANDBOX_KILL, P_ALLOWED));
	expect_exit0(run_probe(parent_only, 1, SANDBOX_KILL, P_ALLOWED));
	expect_exit0(run_probe(parent_dp, 2, SANDBOX_KILL, P_ALLOWED));
}
END_TEST

START_TEST(test_filter_kills_forbidden)
{
	static const enum probe bad[] = { P_MOUNT, P_EXECVE, P_PTRACE };
	const enum sandbox_role *sets[] = { dp_only, cp_only, parent_only };
	unsigned int	 i, k;

	/* Forbidden for every role, stacked or not. */
	for (i = 0; i < 3; i++)
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			expect_sigsys(run_probe(sets[i], 1, SANDBOX_KILL,
			    bad[k]));
	expect_sigsys(run_probe(parent_dp, 2, SANDBOX_KILL, P_MOUNT));
}
END_TEST

START_TEST(test_filter_per_role)
{
	/* The parent opens captures and forks; the children may not. */
	expect_exit0(run_probe(parent_only, 1, SANDBOX_KILL, P_PACKET));
	expect_sigsys(run_probe(dp_only, 1, SANDBOX_KILL, P_PACKET));
	expect_sigsys(run_probe(cp_only, 1, SANDBOX_KILL, P_PACKET));
	expect_exit0(run_probe(parent_only, 1, SANDBOX_KILL, P_FORK));
	expect_sigsys(run_probe(dp_only, 1, SANDBOX_KILL, P_FORK));
	expect_sigsys(run_probe(cp_only, 1, SANDBOX_KILL, P_FORK));
	/* The stacked data plane is as strict as its own filter. */
	expect_sigsys(run_probe(parent_dp, 2, SANDBOX_KILL, P_FORK));
	expect_sigsys(run_probe(parent_dp, 2, SANDBOX_KILL, P_PACKET));
	/* ioctl: interface lookups yes, ethtool (offloads) no. */
	expect_exit0(run_probe(parent_only, 1, SANDBOX_KILL, P_ETHTOOL));
	expect_sigsys(run_probe(dp_only, 1, SANDBOX_KILL, P_ETHTOOL));
	/* Switching ids happens before the child's own filter. */
	expect_exit0(run_probe(parent_only, 1, SANDBOX_KILL, P_SETUID));
	expect_sigsys(run_probe(dp_only, 1, SANDBOX_KILL, P_SETUID));
}
END_TEST

START_TEST(test_filter_trap_mode)
{
	/* Discovery mode: the refused call fails, the process goes on. */
	expect_exit0(run_probe(dp_only, 1, SANDBOX_TRAP, P_MOUNT));
	expect_exit0(run_probe(dp_only, 1, SANDBOX_OFF, P_FORK));
}
END_TEST

static Suite *
sandbox_suite(void)
{
	Suite	*s = suite_create("sandbox");
	TCase	*tc = tcase_create("caps");

	tcase_add_test(tc, test_caps_parent);
	tcase_add_test(tc, test_caps_children);
	tcase_add_test(tc, test_mode_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("seccomp");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_filter_allows_worker_calls);
	tcase_add_test(tc, test_filter_kills_forbidden);
	tcase_add_test(tc, test_filter_per_role);
	tcase_add_test(tc, test_filter_trap_mode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sandbox_suite());
	int	 nfail;

	log_setquiet(1);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
