/* SPDX-License-Identifier: ISC */
/*
 * One logging family for every process and tool, after OpenBSD's log.c:
 * fatal/fatalx for broken internal invariants only, log_warn[x] for
 * operational problems, log_info and log_debug for the rest.  log_warn and
 * fatal append strerror(errno); errno is preserved across every call.
 *
 * Per-packet problems must go through log_ratelimited() (or the LOG_RL
 * macro) so that a hostile sender cannot flood the log.
 */
#ifndef LISP_LOG_H
#define LISP_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
	LOG_LVL_DEBUG = 2,
};

void	log_init(int to_stderr, int level, int facility);
void	log_procinit(const char *procname);
void	log_setlevel(int level);
int	log_getlevel(void);
/* Silence everything below this level (tests and tools use it). */
void	log_setquiet(int quiet);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int, const char *, va_list) __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Token-bucket rate limiter for per-packet log lines: at most `burst`
 * lines, refilled at `per_sec` lines per second.  Lines that were
 * suppressed are counted and reported with the next line let through.
 */
struct log_rl {
	uint64_t	last_ns;
	uint32_t	tokens;
	uint32_t	suppressed;
};

int	log_rl_allow(struct log_rl *, uint32_t *suppressed);

#define LOG_RL(level, ...) do {						\
	static struct log_rl _rl;					\
	uint32_t _sup;							\
	if (log_getlevel() >= (level) && log_rl_allow(&_rl, &_sup)) {	\
		if (_sup)						\
			log_info("%u similar messages suppressed", _sup);\
		if ((level) == LOG_LVL_DEBUG)				\
			log_debug(__VA_ARGS__);				\
		else if ((level) == LOG_LVL_INFO)			\
			log_info(__VA_ARGS__);				\
		else							\
			log_warnx(__VA_ARGS__);				\
	}								\
} while (0)

#endif /* LISP_LOG_H */
