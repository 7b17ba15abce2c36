/* SPDX-License-Identifier: ISC */
/*
 * The struct gso_out of fuzz_gso and fuzz_vnet: one buffer, handed out
 * once per segment; a second buf() before done(), a done() of another
 * buffer, or a segment larger than 64 KB aborts (a bug in gso.c).
 */
#ifndef FUZZ_GSO_SINK_H
#define FUZZ_GSO_SINK_H

#include <stdint.h>
#include <stdlib.h>

#include "gso.h"

struct sink {
	uint8_t		 buf[65536];
	size_t		 total;		/* bytes of all segments */
	size_t		 maxlen;	/* the longest segment */
	unsigned int	 n;		/* segments */
	int		 pending;	/* between buf() and done() */
};

static uint8_t *
sink_buf(void *arg, size_t len)
{
	struct sink	*s = arg;

	if (s->pending || len > sizeof(s->buf))
		abort();
	s->pending = 1;
	return s->buf;
}

static void
sink_done(void *arg, uint8_t *pkt, size_t len)
{
	struct sink	*s = arg;

	if (!s->pending || pkt != s->buf)
		abort();
	s->pending = 0;
	s->n++;
	s->total += len;
	if (len > s->maxlen)
		s->maxlen = len;
}

#endif
