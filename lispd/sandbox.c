/* SPDX-License-Identifier: ISC */
/*
 * Sandboxes of the parent, the data plane and the control plane (see
 * sandbox.h for the order, docs/SECURITY.md for the reasons).
 *
 * The seccomp lists are by name and resolved at run time, so that a
 * syscall a given architecture lacks (open, poll on arm64) is simply
 * skipped.  The children are forked without exec: they run under the
 * parent's filter before their own is stacked on top, so the parent's
 * list is the union of all three (its own needs, plus what a child does
 * between fork and its own sandbox: setresuid, capset, prctl, seccomp).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>
#include <linux/sockios.h>
#include <net/if.h>

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

/* Which roles allow a syscall. */
#define R_P	(1u << SANDBOX_PARENT)
#define R_D	(1u << SANDBOX_DP)
#define R_C	(1u << SANDBOX_CP)
#define R_ALL	(R_P | R_D | R_C)

struct sandbox_sys {
	const char	*name;
	unsigned int	 roles;
};

/*
 * Allowed without argument checks.  socket, ioctl and clone are handled
 * separately below (argument filters per role).
 */
static const struct sandbox_sys sandbox_sys[] = {
	/* I/O on descriptors we hold. */
	{ "read", R_ALL }, { "write", R_ALL }, { "readv", R_ALL },
	{ "writev", R_ALL }, { "pread64", R_ALL }, { "pwrite64", R_ALL },
	{ "close", R_ALL }, { "close_range", R_ALL }, { "lseek", R_ALL },
	{ "fcntl", R_ALL }, { "dup", R_ALL }, { "dup2", R_ALL },
	{ "dup3", R_ALL }, { "pipe2", R_ALL }, { "fstat", R_ALL },
	{ "newfstatat", R_ALL }, { "statx", R_ALL }, { "stat", R_ALL },
	{ "lstat", R_ALL }, { "fstatfs", R_ALL }, { "fsync", R_ALL },
	{ "fdatasync", R_ALL }, { "ftruncate", R_ALL },
	/*
	 * Files: the data plane writes <lisp-dir>/show-ztr (temporary file
	 * and rename) and stats lispers.net's socket in IPC mode; sysconf()
	 * reads /sys and /proc.  No path restriction is possible here:
	 * that is the uid's job (-u).
	 */
	{ "open", R_ALL }, { "openat", R_ALL }, { "rename", R_ALL },
	{ "renameat", R_ALL }, { "renameat2", R_ALL }, { "unlink", R_ALL },
	{ "unlinkat", R_ALL }, { "readlink", R_ALL }, { "readlinkat", R_ALL },
	{ "access", R_ALL }, { "faccessat", R_ALL }, { "faccessat2", R_ALL },
	{ "getdents64", R_ALL },
	/* Memory: glibc malloc, liburcu, libpcap rings, memfd configs. */
	{ "mmap", R_ALL }, { "munmap", R_ALL }, { "mremap", R_ALL },
	{ "mprotect", R_ALL }, { "madvise", R_ALL }, { "brk", R_ALL },
	{ "membarrier", R_ALL },
	/* Threads, time, identity. */
	{ "futex", R_ALL }, { "set_robust_list", R_ALL }, { "rseq", R_ALL },
	{ "set_tid_address", R_ALL }, { "sched_yield", R_ALL },
	{ "sched_getaffinity", R_ALL }, { "getcpu", R_ALL },
	{ "clock_gettime", R_ALL }, { "clock_getres", R_ALL },
	{ "clock_nanosleep", R_ALL }, { "nanosleep", R_ALL },
	{ "gettimeofday", R_ALL }, { "time", R_ALL },
	{ "getpid", R_ALL }, { "gettid", R_ALL }, { "getppid", R_ALL },
	{ "getuid", R_ALL }, { "geteuid", R_ALL }, { "getgid", R_ALL },
	{ "getegid", R_ALL }, { "getresuid", R_ALL }, { "getresgid", R_ALL },
	{ "getgroups", R_ALL }, { "uname", R_ALL }, { "sysinfo", R_ALL },
	{ "getrlimit", R_ALL }, { "prlimit64", R_ALL }, { "getrandom", R_ALL },
	/* Signals (libev signalfd or pipe, abort()). */
	{ "rt_sigaction", R_ALL }, { "rt_sigprocmask", R_ALL },
	{ "rt_sigreturn", R_ALL }, { "sigaltstack", R_ALL },
	{ "rt_sigtimedwait", R_ALL }, { "tgkill", R_ALL }, { "tkill", R_ALL },
	{ "exit", R_ALL }, { "exit_group", R_ALL },
	/* Event loops (libev epoll, workers poll). */
	{ "epoll_create", R_ALL }, { "epoll_create1", R_ALL },
	{ "epoll_ctl", R_ALL }, { "epoll_wait", R_ALL },
	{ "epoll_pwait", R_ALL }, { "epoll_pwait2", R_ALL },
	{ "poll", R_ALL }, { "ppoll", R_ALL }, { "select", R_ALL },
	{ "pselect6", R_ALL }, { "eventfd", R_ALL }, { "eventfd2", R_ALL },
	{ "signalfd", R_ALL }, { "signalfd4", R_ALL },
	{ "timerfd_create", R_ALL }, { "timerfd_settime", R_ALL },
	/* Sockets we hold or open unprivileged (socket() is filtered). */
	{ "connect", R_ALL }, { "bind", R_ALL }, { "listen", R_ALL },
	{ "accept", R_ALL }, { "accept4", R_ALL },
	{ "getsockname", R_ALL }, { "getpeername", R_ALL },
	{ "getsockopt", R_ALL }, { "setsockopt", R_ALL },
	{ "shutdown", R_ALL }, { "sendto", R_ALL }, { "recvfrom", R_ALL },
	{ "sendmsg", R_ALL }, { "recvmsg", R_ALL }, { "sendmmsg", R_ALL },
	{ "recvmmsg", R_ALL },

	/*
	 * Parent only: supervision, config snapshots, and what a freshly
	 * forked child does before its own filter is in place.
	 */
	{ "wait4", R_P }, { "waitid", R_P }, { "kill", R_P },
	{ "memfd_create", R_P }, { "socketpair", R_P },
	{ "chmod", R_P }, { "fchmod", R_P }, { "fchmodat", R_P },
	{ "fchown", R_P }, { "mkdir", R_P }, { "mkdirat", R_P },
	{ "setresuid", R_P }, { "setresgid", R_P }, { "setgroups", R_P },
	{ "setuid", R_P }, { "setgid", R_P },
	{ "capget", R_P }, { "capset", R_P }, { "prctl", R_P },
	{ "seccomp", R_P },
	{ NULL, 0 }
};

/* Socket families a role may create (the privileged ones: parent only). */
static const struct {
	int		 af;
	unsigned int	 roles;
} sandbox_af[] = {
	{ AF_UNIX, R_ALL },	/* syslog(3) reconnects, IPC mode peers */
	{ AF_INET, R_ALL },	/* route lookups, UDP_SEGMENT sockets */
	{ AF_INET6, R_ALL },	/* the same for IPv6 */
	{ AF_NETLINK, R_ALL },	/* getifaddrs, if_nametoindex, monitoring */
	{ AF_PACKET, R_P },	/* captures */
};

/* ioctls the children use: interface lookups and FIONREAD. */
static const unsigned long sandbox_ioctl[] = {
	FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, TCGETS,
	SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFMTU, SIOCGIFADDR,
	SIOCGIFCONF, SIOCGIFHWADDR,
};

static struct {
	int		 initialised;
	int		 have_user;
	uid_t		 uid;
	gid_t		 gid;
	char		 user[64];
	enum sandbox_mode mode;
	int		 forbidden;	/* role of the test hook, or -1 */
	volatile int	*fired;		/* MAP_SHARED: once per lifetime */
} sb = { .forbidden = -1 };

static const char *const sandbox_names[SANDBOX_ROLE_MAX] = {
	[SANDBOX_PARENT] = "parent",
	[SANDBOX_DP] = "dp",
	[SANDBOX_CP] = "cp",
};

const char *
sandbox_role_name(enum sandbox_role role)
{
	return role < SANDBOX_ROLE_MAX ? sandbox_names[role] : "?";
}

int
sandbox_mode_parse(const char *s, enum sandbox_mode *mode)
{
	static const char *const names[] = {
		[SANDBOX_KILL] = "kill", [SANDBOX_LOG] = "log",
		[SANDBOX_TRAP] = "trap", [SANDBOX_OFF] = "off",
	};
	unsigned int	 k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(s, names[k]) == 0) {
			*mode = (enum sandbox_mode)k;
			return 0;
		}
	return -1;
}

size_t
sandbox_caps(enum sandbox_role role, int with_user, unsigned int *caps,
    size_t max)
{
	unsigned int	 want[8];
	size_t		 n = 0, k;

	if (role == SANDBOX_PARENT) {
		/* AF_PACKET captures and SOCK_RAW sockets at DP (re)start. */
		want[n++] = CAP_NET_RAW;
		/* Offloads off (SIOCETHTOOL), SO_RCVBUFFORCE/SNDBUFFORCE. */
		want[n++] = CAP_NET_ADMIN;
		if (with_user) {
			/* Each new child switches to the user itself... */
			want[n++] = CAP_SETUID;
			want[n++] = CAP_SETGID;
			/* ...and then runs under another uid than ours. */
			want[n++] = CAP_KILL;
		}
	}
	/* Children: nothing; their privileged fds are open already. */
	for (k = 0; k < n && k < max; k++)
		caps[k] = want[k];
	return n;
}

/* --- seccomp ------------------------------------------------------------ */

static void
put_str(char *buf, size_t *off, size_t len, const char *s)
{
	while (*s != '\0' && *off + 1 < len)
		buf[(*off)++] = *s++;
}

static void
put_num(char *buf, size_t *off, size_t len, long v)
{
	char	 tmp[24];
	size_t	 n = 0;

	if (v < 0) {
		put_str(buf, off, len, "-");
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < sizeof(tmp));
	while (n > 0 && *off + 1 < len)
		buf[(*off)++] = tmp[--n];
}

/*
 * Trap mode (discovery): log the refused syscall with write(2) only
 * (async-signal-safe), then return ENOSYS from it and go on.
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char		 line[128];
	size_t		 off = 0;
	ucontext_t	*uc = ctx;
	int		 saved = errno;

	(void)sig;
	put_str(line, &off, sizeof(line), "lisp-ztr: seccomp: pid ");
	put_num(line, &off, sizeof(line), (long)getpid());
	put_str(line, &off, sizeof(line), " refused syscall ");
	put_num(line, &off, sizeof(line), (long)si->si_syscall);
	put_str(line, &off, sizeof(line), "\n");
	(void)write(STDERR_FILENO, line, off);
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#else
	(void)uc;
	_exit(128 + SIGSYS);
#endif
	errno = saved;
}

static int
sandbox_rule(scmp_filter_ctx ctx, const char *name, unsigned int argc,
    const struct scmp_arg_cmp *arg)
{
	int	 nr, r;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return 0;		/* not on this architecture */
	if ((r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, argc,
	    arg)) < 0) {
		errno = -r;
		log_warn("seccomp rule for %s", name);
		return -1;
	}
	return 0;
}

static uint32_t
sandbox_default_action(enum sandbox_mode mode)
{
	switch (mode) {
	case SANDBOX_LOG:
		return SCMP_ACT_LOG;
	case SANDBOX_TRAP:
		return SCMP_ACT_TRAP;
	default:
		return SCMP_ACT_KILL_PROCESS;
	}
}

int
sandbox_seccomp(enum sandbox_role role, enum sandbox_mode mode)
{
	scmp_filter_ctx		 ctx;
	struct scmp_arg_cmp	 a;
	unsigned int		 bit = 1u << role, k;
	int			 r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if (mode == SANDBOX_OFF)
		return 0;
	if (mode == SANDBOX_TRAP) {
		struct sigaction	 sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) == -1)
			return -1;
	}
	/* seccomp_init() puts the native architecture in the filter only. */
	if ((ctx = seccomp_init(sandbox_default_action(mode))) == NULL) {
		log_warnx("seccomp_init failed");
		return -1;
	}
	/* Any other architecture (i386 on x86_64, x32) is killed outright. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0)
		goto fail;
	for (k = 0; sandbox_sys[k].name != NULL; k++)
		if ((sandbox_sys[k].roles & bit) &&
		    sandbox_rule(ctx, sandbox_sys[k].name, 0, NULL) == -1)
			goto fail;
	for (k = 0; k < sizeof(sandbox_af) / sizeof(sandbox_af[0]); k++) {
		if (!(sandbox_af[k].roles & bit))
			continue;
		a = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)sandbox_af[k].af);
		if (sandbox_rule(ctx, "socket", 1, &a) == -1)
			goto fail;
	}
	if (role == SANDBOX_PARENT) {
		if (sandbox_rule(ctx, "ioctl", 0, NULL) == -1 ||
		    sandbox_rule(ctx, "clone", 0, NULL) == -1 ||
		    sandbox_rule(ctx, "clone3", 0, NULL) == -1 ||
		    sandbox_rule(ctx, "fork", 0, NULL) == -1)
			goto fail;
	} else {
		for (k = 0; k < sizeof(sandbox_ioctl) /
		    sizeof(sandbox_ioctl[0]); k++) {
			a = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)sandbox_ioctl[k]);
			if (sandbox_rule(ctx, "ioctl", 1, &a) == -1)
				goto fail;
		}
		/*
		 * Threads yes, processes no.  clone3's flags live in memory
		 * the filter cannot read: ENOSYS makes glibc fall back to
		 * clone(2), whose flags it can.
		 */
#if defined(__s390__) || defined(__s390x__)
		a = SCMP_A1(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
#else
		a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
#endif
		if (sandbox_rule(ctx, "clone", 1, &a) == -1)
			goto fail;
		if ((r = seccomp_syscall_resolve_name("clone3")) !=
		    __NR_SCMP_ERROR && seccomp_rule_add(ctx,
		    SCMP_ACT_ERRNO(ENOSYS), r, 0) < 0)
			goto fail;
	}
	if ((r = seccomp_load(ctx)) < 0) {
		errno = -r;
		log_warn("seccomp_load");
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

/* --- the steps ---------------------------------------------------------- */

int
sandbox_init(const char *user)
{
	const char	*s;
	struct passwd	*pw;

	sb.initialised = 1;
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			log_warnx("unknown user %s", user);
			return -1;
		}
		if (pw->pw_uid == 0) {
			log_warnx("-u %s: the children must not run as uid 0",
			    user);
			return -1;
		}
		sb.have_user = 1;
		sb.uid = pw->pw_uid;
		sb.gid = pw->pw_gid;
		snprintf(sb.user, sizeof(sb.user), "%s", user);
	}
	if ((s = getenv("LISP_ZTR_SECCOMP")) != NULL &&
	    sandbox_mode_parse(s, &sb.mode) == -1) {
		log_warnx("LISP_ZTR_SECCOMP=%s: kill, log, trap or off", s);
		return -1;
	}
#ifdef SANDBOX_SANITIZER
	/*
	 * ASan/LSan/TSan need syscalls of their own (LSan even ptrace()s
	 * the process at exit): sanitizer builds run without seccomp.
	 */
	if (sb.mode != SANDBOX_OFF)
		log_info("sanitizer build: seccomp off");
	sb.mode = SANDBOX_OFF;
#endif
	if (sb.mode != SANDBOX_KILL && sb.mode != SANDBOX_OFF)
		log_warnx("seccomp in %s mode: violations are NOT fatal",
		    sb.mode == SANDBOX_LOG ? "log" : "trap");
	else if (sb.mode == SANDBOX_OFF)
		log_warnx("seccomp off (LISP_ZTR_SECCOMP)");
	if ((s = getenv("LISP_ZTR_TEST_FORBIDDEN")) != NULL) {
		if (strcmp(s, "dp") == 0)
			sb.forbidden = SANDBOX_DP;
		else if (strcmp(s, "cp") == 0)
			sb.forbidden = SANDBOX_CP;
		else {
			log_warnx("LISP_ZTR_TEST_FORBIDDEN=%s: dp or cp", s);
			return -1;
		}
		sb.fired = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sb.fired == MAP_FAILED) {
			log_warn("mmap");
			return -1;
		}
		*sb.fired = 0;
		log_warnx("test hook: the first %s process will call a "
		    "forbidden syscall", s);
	}
	return 0;
}

/* Capabilities are per thread: a thread created earlier would keep them. */
static void
sandbox_single_threaded(const char *who)
{
	FILE	*fp;
	char	 line[128];
	int	 threads = -1;

	if ((fp = fopen("/proc/self/status", "re")) == NULL)
		fatal("%s: /proc/self/status", who);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "Threads: %d", &threads) == 1)
			break;
	fclose(fp);
	if (threads != 1)
		fatalx("%s: %d threads before the sandbox", who, threads);
}

static void
sandbox_setuser(const char *who)
{
	if (!sb.have_user)
		return;
	if (setgroups(1, &sb.gid) == -1 ||
	    setresgid(sb.gid, sb.gid, sb.gid) == -1 ||
	    setresuid(sb.uid, sb.uid, sb.uid) == -1)
		fatal("%s: switching to user %s", who, sb.user);
	/* No way back: a saved set-user-ID 0 would allow one. */
	if (setresuid(0, 0, 0) != -1)
		fatalx("%s: could regain uid 0", who);
}

static void
sandbox_setcaps(enum sandbox_role role, const char *who)
{
	unsigned int	 caps[8];
	size_t		 n, k;

	n = sandbox_caps(role, sb.have_user, caps, 8);
	capng_clear(CAPNG_SELECT_BOTH);
	for (k = 0; k < n; k++)
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    CAPNG_BOUNDING_SET, caps[k]) == -1)
			fatalx("%s: capng_update", who);
	/*
	 * The parent (root, CAP_SETPCAP) shrinks the bounding set too; the
	 * children inherit that bounding set and could not change it
	 * (no CAP_SETPCAP), so they clear their effective, permitted and
	 * inheritable sets only.
	 */
	if (capng_apply(role == SANDBOX_PARENT ? CAPNG_SELECT_BOTH :
	    CAPNG_SELECT_CAPS) != 0)
		fatalx("%s: capng_apply failed", who);
	/* Ambient capabilities would survive; there must be none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal("%s: PR_CAP_AMBIENT_CLEAR_ALL", who);
}

static void
sandbox_role(enum sandbox_role role)
{
	const char	*who = sandbox_role_name(role);

	if (!sb.initialised)
		fatalx("%s: sandbox_init was not called", who);
	sandbox_single_threaded(who);
	if (role != SANDBOX_PARENT)
		sandbox_setuser(who);
	sandbox_setcaps(role, who);
	if (sandbox_seccomp(role, sb.mode) == -1)
		fatalx("%s: seccomp filter not installed", who);
	log_debug("%s sandboxed: uid %d, %zu capabilities, seccomp %s", who,
	    (int)getuid(), sandbox_caps(role, sb.have_user, NULL, 0),
	    sb.mode == SANDBOX_KILL ? "kill" : sb.mode == SANDBOX_LOG ?
	    "log" : sb.mode == SANDBOX_TRAP ? "trap" : "off");
	if ((int)role == sb.forbidden && sb.fired != NULL &&
	    __atomic_exchange_n(sb.fired, 1, __ATOMIC_SEQ_CST) == 0) {
		log_warnx("test hook: calling mount(2), which the sandbox "
		    "forbids");
		(void)syscall(SYS_mount, NULL, NULL, NULL, 0UL, NULL);
		log_warnx("test hook: mount(2) returned (%s)",
		    strerror(errno));
	}
}

void
sandbox_parent(void)
{
	sandbox_role(SANDBOX_PARENT);
}

void
sandbox_dp(void)
{
	sandbox_role(SANDBOX_DP);
}

void
sandbox_cp(void)
{
	sandbox_role(SANDBOX_CP);
}
