/* SPDX-License-Identifier: ISC */
/*
 * LISP data-plane header (RFC 9300 section 5.3; RFC 9305 LISP-GPE P bit;
 * RFC 8061 KK key-id bits).  Eight bytes after the outer UDP header:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |N|L|E|V|I|P|K|K|            Nonce/Map-Version                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                 Instance ID/Locator-Status-Bits               |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * N and V together are invalid; as RFC 9300 says, bytes 1-3 are then
 * read as a nonce.  With I set, bytes 4-6 are the 24-bit Instance ID and
 * byte 7 the 8 low locator-status bits.  With P set (GPE), byte 3 is the
 * Next Protocol.
 *
 * Inline because every data packet goes through it.
 */
#ifndef LISP_DATA_H
#define LISP_DATA_H

#include <stdint.h>

#include "buf.h"

#define LISP_DATA_PORT		4341
#define LISP_CONTROL_PORT	4342
#define LISP_DATA_HDR_LEN	8

#define LISP_DATA_N		0x80	/* nonce present */
#define LISP_DATA_L		0x40	/* locator-status-bits */
#define LISP_DATA_E		0x20	/* echo-nonce request */
#define LISP_DATA_V		0x10	/* map-version present */
#define LISP_DATA_I		0x08	/* instance-id present */
#define LISP_DATA_P		0x04	/* GPE next-protocol (RFC 9300: R) */
#define LISP_DATA_KK		0x03	/* LISP-crypto key-id */

#define LISP_IID_MAX		0xFFFFFF
/* lispers.net tunnels control messages in data packets with this IID. */
#define LISP_IID_CONTROL	0xFFFFFF

/* GPE next protocols (RFC 9305 section 3). */
#define LISP_GPE_IPV4		0x01
#define LISP_GPE_IPV6		0x02
#define LISP_GPE_ETHERNET	0x03
#define LISP_GPE_NSH		0x04

struct lisp_data_hdr {
	uint8_t		flags;		/* the whole first byte */
	uint32_t	nonce;		/* 24 bits, when N */
	uint16_t	src_version;	/* 12 bits, when V and not N */
	uint16_t	dst_version;	/* 12 bits, when V and not N */
	uint8_t		next_proto;	/* when P */
	uint32_t	iid;		/* 24 bits, when I */
	uint32_t	lsb;		/* 32 bits, or 8 when I */
};

static inline int
lisp_data_hdr_decode(struct rbuf *rb, struct lisp_data_hdr *h)
{
	uint32_t	 w0, w1;

	if (rbuf_get_u32(rb, &w0) == -1 || rbuf_get_u32(rb, &w1) == -1)
		return -1;
	h->flags = (uint8_t)(w0 >> 24);
	h->nonce = 0;
	h->src_version = h->dst_version = 0;
	h->next_proto = 0;
	if (h->flags & LISP_DATA_N)
		h->nonce = w0 & 0xFFFFFF;
	else if (h->flags & LISP_DATA_V) {
		h->src_version = (uint16_t)((w0 >> 12) & 0x0FFF);
		h->dst_version = (uint16_t)(w0 & 0x0FFF);
	}
	if (h->flags & LISP_DATA_P)
		h->next_proto = (uint8_t)w0;
	if (h->flags & LISP_DATA_I) {
		h->iid = w1 >> 8;
		h->lsb = w1 & 0xFF;
	} else {
		h->iid = 0;
		h->lsb = w1;
	}
	return 0;
}

static inline void
lisp_data_hdr_encode(struct wbuf *wb, const struct lisp_data_hdr *h)
{
	uint32_t	 w0 = (uint32_t)h->flags << 24, w1;

	if (h->flags & LISP_DATA_N)
		w0 |= h->nonce & 0xFFFFFF;
	else if (h->flags & LISP_DATA_V)
		w0 |= (uint32_t)(h->src_version & 0x0FFF) << 12 |
		    (h->dst_version & 0x0FFF);
	else if (h->flags & LISP_DATA_P)
		w0 |= h->next_proto;
	if (h->flags & LISP_DATA_I)
		w1 = (h->iid & LISP_IID_MAX) << 8 | (h->lsb & 0xFF);
	else
		w1 = h->lsb;
	wbuf_put_u32(wb, w0);
	wbuf_put_u32(wb, w1);
}

#endif /* LISP_DATA_H */
