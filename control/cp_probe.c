/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "cp_probe.h"

void
probe_params_default(struct probe_params *pp)
{
	if (pp->interval <= 0)
		pp->interval = PROBE_DEF_INTERVAL;
	if (pp->timeout <= 0)
		pp->timeout = PROBE_DEF_TIMEOUT;
	if (pp->timeout > pp->interval)
		pp->timeout = pp->interval;
	if (pp->misses == 0)
		pp->misses = PROBE_DEF_MISSES;
}

void
probe_init(struct probe_state *ps, double now, double first)
{
	memset(ps, 0, sizeof(*ps));
	ps->up = 1;
	ps->next_at = now + first;
}

enum probe_event
probe_tick(const struct probe_params *pp, struct probe_state *ps, double now)
{
	if (ps->outstanding && now >= ps->sent_at + pp->timeout) {
		ps->outstanding = 0;
		ps->timeouts++;
		ps->missed++;
		/* Re-probe at once after a miss: failover must be quick. */
		ps->next_at = now;
		if (ps->up && ps->missed >= pp->misses) {
			ps->up = 0;
			return PROBE_WENT_DOWN;
		}
		if (!ps->up)
			ps->next_at = ps->sent_at + pp->interval;
	}
	if (!ps->outstanding && now >= ps->next_at)
		return PROBE_SEND;
	return PROBE_NONE;
}

void
probe_sent(const struct probe_params *pp, struct probe_state *ps,
    uint64_t nonce, double now)
{
	ps->nonce = nonce;
	ps->outstanding = 1;
	ps->sent_at = now;
	ps->next_at = now + pp->interval;
	ps->sent++;
}

int
probe_reply(const struct probe_params *pp, struct probe_state *ps,
    uint64_t nonce, double now)
{
	double	 sample;
	int	 was_up = ps->up;

	(void)pp;
	if (!ps->outstanding || nonce != ps->nonce)
		return -1;
	ps->outstanding = 0;
	ps->replies++;
	ps->missed = 0;
	sample = now - ps->sent_at;
	if (sample < 0)
		sample = 0;
	ps->rtt = sample;
	ps->srtt = ps->srtt == 0 ? sample : ps->srtt + (sample - ps->srtt) / 8;
	ps->up = 1;
	return was_up ? PROBE_NONE : PROBE_WENT_UP;
}

double
probe_next(const struct probe_params *pp, const struct probe_state *ps)
{
	if (ps->outstanding)
		return ps->sent_at + pp->timeout;
	return ps->next_at;
}
