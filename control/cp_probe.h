/* SPDX-License-Identifier: ISC */
/*
 * cp_probe: the RLOC-probing state machine of one RLOC of a map-cache
 * entry (RFC 9301 section 6.1), without I/O.
 *
 *          reply (nonce ok)                     `misses` probes in a row
 *   +----+ <------------------ +------+ <---- unanswered (each re-sent
 *   | UP |                     | DOWN |       after `timeout`)
 *   +----+ ------------------> +------+
 *            misses reached
 *
 * An up RLOC is probed every `interval` seconds.  A probe unanswered
 * after `timeout` is a miss and is re-sent at once with a new nonce, so
 * a dead RLOC is declared down `interval + misses * timeout` after its
 * last good probe at the latest, which keeps failover within a few
 * probe intervals whatever the interval.  A down RLOC keeps being probed
 * every `interval` and is restored by the first good reply.  The caller
 * (cp_itr) owns the nonce and the packet; this module only says when.
 *
 * RTT: measured from send to reply of the probe whose nonce matched, as
 * an exponentially weighted average (1/8, as TCP's SRTT) and the last
 * sample.
 */
#ifndef CP_PROBE_H
#define CP_PROBE_H

#include <stdint.h>

struct probe_params {
	double		 interval;	/* seconds between probes of an up RLOC */
	double		 timeout;	/* a probe unanswered this long is a miss */
	unsigned int	 misses;	/* misses in a row that mark it down */
};

#define PROBE_DEF_INTERVAL	60.0
#define PROBE_DEF_TIMEOUT	2.0
#define PROBE_DEF_MISSES	3

struct probe_state {
	int		 up;
	unsigned int	 missed;	/* misses in a row */
	int		 outstanding;
	uint64_t	 nonce;
	double		 sent_at;
	double		 next_at;
	double		 rtt;		/* last sample, seconds; 0 = none */
	double		 srtt;
	uint64_t	 sent, replies, timeouts;
};

enum probe_event {
	PROBE_NONE = 0,
	PROBE_SEND,		/* send a probe now, then call probe_sent() */
	PROBE_WENT_DOWN,	/* state changed to down (no probe yet) */
	PROBE_WENT_UP,		/* state changed to up */
};

/* Fill defaults for zero fields. */
void	probe_params_default(struct probe_params *);
/* A new RLOC starts up (the mapping said so); first probe after `first`. */
void	probe_init(struct probe_state *, double now, double first);
/*
 * Advance the clock: returns PROBE_WENT_DOWN when a timeout made the RLOC
 * down, else PROBE_SEND when a probe is due, else PROBE_NONE.  Call again
 * after handling PROBE_WENT_DOWN (a probe is then due).
 */
enum probe_event probe_tick(const struct probe_params *, struct probe_state *,
	    double now);
void	probe_sent(const struct probe_params *, struct probe_state *,
	    uint64_t nonce, double now);
/*
 * A probe reply with nonce: PROBE_WENT_UP if the RLOC was down, PROBE_NONE
 * if it was up; -1 when the nonce is not the outstanding one (ignored).
 */
int	probe_reply(const struct probe_params *, struct probe_state *,
	    uint64_t nonce, double now);
/* When probe_tick() wants to be called next. */
double	probe_next(const struct probe_params *, const struct probe_state *);

#endif /* CP_PROBE_H */
