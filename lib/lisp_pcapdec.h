/* SPDX-License-Identifier: ISC */
/*
 * Per-packet LISP decoding of captured frames, shared by lisp-decode
 * (tools/lisp-decode.c) and the fuzz_pcap target.  A frame of one of the
 * supported link types is walked down to UDP/TCP, LISP control and data
 * packets are decoded with lib/lisp_msg and lib/lisp_data.h, and one text
 * block or JSON line (docs/lisp-decode.md) is printed to stdout.  Bad
 * input gives an error line and a counter, never an exit.
 */
#ifndef LISP_PCAPDEC_H
#define LISP_PCAPDEC_H

#include <stddef.h>
#include <stdint.h>

#include "lisp_addr.h"

struct lisp_pcapdec {
	int			 json;		/* JSON lines, else text */
	const uint8_t		*key;		/* -k: verify HMACs, or NULL */
	size_t			 keylen;
	uint64_t		 frames, control, data, tcp, errors, skipped;
	struct lisp_codec_stats	 stats;
};

/* 1 when the pcap link type (DLT_*) is supported. */
int	 lisp_pcapdec_dlt_ok(int dlt);
/* Decode and print one frame; d->frames counts it (1-based numbers). */
void	 lisp_pcapdec_packet(struct lisp_pcapdec *d, int dlt,
	    const uint8_t *data, uint32_t caplen, uint32_t wirelen);

#endif /* LISP_PCAPDEC_H */
