/* SPDX-License-Identifier: ISC */
/*
 * Least privilege for the three lisp-ztr processes, one function per
 * role, always in the same order (docs/SECURITY.md):
 *
 *	every descriptor the role needs is open
 *	-> setgroups / setresgid / setresuid to the -u user (children only)
 *	-> keep only the role's capabilities (libcap-ng), bounding set too
 *	-> PR_SET_NO_NEW_PRIVS
 *	-> seccomp allowlist (libseccomp), native architecture only,
 *	   SCMP_ACT_KILL_PROCESS for everything else
 *
 * The parent keeps CAP_NET_RAW and CAP_NET_ADMIN because it reopens the
 * captures and raw sockets whenever the data plane restarts; the
 * children keep no capability.  Children are forked without exec, so
 * they inherit the parent's filter and add their own (filters stack:
 * the child's allowed set is the intersection).
 *
 * Environment (read once by sandbox_init(), i.e. only by whoever starts
 * the daemon as root; nothing received from the network or a sibling
 * process can change it):
 *	LISP_ZTR_SECCOMP=kill|log|trap|off	default kill
 *	LISP_ZTR_TEST_FORBIDDEN=dp|cp		test hook: the first process
 *		of that role calls mount(2) right after its sandbox is in
 *		place, once per daemon lifetime.
 */
#ifndef LISP_SANDBOX_H
#define LISP_SANDBOX_H

#include <stddef.h>

enum sandbox_role {
	SANDBOX_PARENT = 0,
	SANDBOX_DP,
	SANDBOX_CP,
	SANDBOX_ROLE_MAX
};

enum sandbox_mode {
	SANDBOX_KILL = 0,	/* SCMP_ACT_KILL_PROCESS (production) */
	SANDBOX_LOG,		/* SCMP_ACT_LOG: allowed, logged by the kernel */
	SANDBOX_TRAP,		/* SIGSYS handler logs the number, ENOSYS */
	SANDBOX_OFF,		/* no seccomp (uid and capabilities still) */
};

/*
 * In the parent, before anything else: resolve user (NULL: no switch),
 * read the environment.  Returns -1 (logged) on an unknown user or a
 * bad environment value.
 */
int	sandbox_init(const char *user);

/* Each fatal()s when a step fails: a half-sandboxed process must not run. */
void	sandbox_parent(void);
void	sandbox_dp(void);
void	sandbox_cp(void);

/*
 * Capabilities (CAP_* numbers) a role keeps, with_user when -u is in
 * effect; at most max are written, the count is returned.
 */
size_t	sandbox_caps(enum sandbox_role, int with_user, unsigned int *caps,
	    size_t max);
/* Sets PR_SET_NO_NEW_PRIVS and loads the role's filter; -1 on error. */
int	sandbox_seccomp(enum sandbox_role, enum sandbox_mode);
int	sandbox_mode_parse(const char *, enum sandbox_mode *);
const char *sandbox_role_name(enum sandbox_role);

#endif /* LISP_SANDBOX_H */
