/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int		 log_to_stderr = 1;
static int		 log_level = LOG_LVL_INFO;
static int		 log_quiet;
static const char	*log_procname = "lisp-ztr";

/* A log line is at most one syslog record; longer lines are cut. */
#define LOG_LINE_MAX	1024

void
log_init(int to_stderr, int level, int facility)
{
	log_to_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog(log_procname, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_procname = procname;
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_quiet ? -1 : log_level;
}

void
log_setquiet(int quiet)
{
	log_quiet = quiet;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 line[LOG_LINE_MAX];
	int	 saved_errno = errno;

	if (log_quiet && pri != LOG_CRIT) {
		errno = saved_errno;
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_procname, line);
	else
		syslog(pri, "%s", line);
	errno = saved_errno;
}

static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];
	int	 saved_errno = errno;

	if (fmt == NULL) {
		errno = saved_errno;
		/* Format string is fixed; no user data reaches it. */
		log_warnx("%s", strerror(saved_errno));
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	errno = saved_errno;
	if (pri == LOG_CRIT)
		log_warnx("fatal: %s: %s", msg, strerror(saved_errno));
	else
		log_warnx("%s: %s", msg, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
vfatalc(int code, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];
	const char *sep = "", *err = "";

	if (fmt != NULL) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
	} else
		msg[0] = '\0';
	if (code) {
		sep = ": ";
		err = strerror(code);
	}
	log_quiet = 0;
	if (log_to_stderr)
		fprintf(stderr, "%s: fatal: %s%s%s\n", log_procname, msg, sep,
		    err);
	else
		syslog(LOG_CRIT, "fatal: %s%s%s", msg, sep, err);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatalc(errno, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatalc(0, fmt, ap);
	va_end(ap);
}

#define RL_BURST	10
#define RL_PER_SEC	5

int
log_rl_allow(struct log_rl *rl, uint32_t *suppressed)
{
	struct timespec	 ts;
	uint64_t	 now, refill;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (rl->last_ns == 0) {
		rl->tokens = RL_BURST;
		rl->last_ns = now;
	}
	refill = (now - rl->last_ns) * RL_PER_SEC / 1000000000ULL;
	if (refill > 0) {
		rl->tokens = refill + rl->tokens > RL_BURST ? RL_BURST :
		    rl->tokens + (uint32_t)refill;
		rl->last_ns = now;
	}
	*suppressed = 0;
	if (rl->tokens == 0) {
		rl->suppressed++;
		return 0;
	}
	rl->tokens--;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}
