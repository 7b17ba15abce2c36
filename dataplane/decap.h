/* SPDX-License-Identifier: ISC */
/*
 * ETR decapsulation (RFC 9300 sections 5.3 and 8), pure and I/O-free.
 *
 * decap_packet() takes the UDP payload of a datagram received on 4341
 * (the 8-byte LISP header, then the inner packet) and the facts the
 * socket gave about the outer header, checks the LISP header and the
 * inner packet and rewrites the inner header in place:
 *
 *   - TTL / hop limit := min(inner, outer) (RFC 9300 5.3: a loop cannot
 *     grow the TTL).  A result of 0 is dropped (ttl-expired).
 *   - ECN per RFC 6040 section 4.2 (decap_ecn()); Not-ECT inner with CE
 *     outer is dropped (ecn-drop).
 *   - DSCP copied from the outer header (RFC 9300 5.3), unless
 *     DECAP_F_KEEP_DSCP (for sites whose underlay re-marks DSCP).
 *   - IPv4 header checksum updated incrementally.
 *
 * Checks, in the legacy lisp-ztr order, each with its reason:
 * short header (lisp-header-error); IID 0xFFFFFF (control-iid:
 * lispers.net control messages inside data encapsulation, ignored
 * without counting as an error); KK != 0 (no-decrypt-key until
 * LISP-crypto keys are wired in); inner version not 4/6, or not the one
 * a LISP-GPE next protocol names (bad-inner-version); inner header
 * truncated or its IP length longer than the bytes that arrived
 * (inner-header-error); inner destination outside the local
 * database-mappings of the IID, when a table is given (not-local-eid).
 *
 * Bytes after the inner IP length are trimmed (result inner_len), not
 * rejected: lispers.net pads encrypted payloads to 16 bytes, and the
 * legacy decapsulator trimmed likewise.
 */
#ifndef DECAP_H
#define DECAP_H

#include <stddef.h>
#include <stdint.h>

#include "dp_stats.h"
#include "lisp_data.h"
#include "pkt.h"

struct dbmap;

/* What the receive path knows about the outer IP/UDP header. */
struct decap_outer {
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 src[16];	/* outer source RLOC */
	uint8_t		 dst[16];
	uint16_t	 sport;
	uint16_t	 dport;
	uint8_t		 ttl;		/* TTL / hop limit */
	uint8_t		 tos;		/* DSCP << 2 | ECN */
};

/* decap_packet() flags */
#define DECAP_F_KEEP_DSCP	0x01	/* leave the inner DSCP alone */

struct decap_result {
	struct lisp_data_hdr	 hdr;
	struct pkt_info		 pi;		/* inner, after the rewrite */
	uint8_t			*inner;		/* inside the payload */
	size_t			 inner_len;	/* padding trimmed */
	int			 ecn_unexpected; /* a (!) cell of RFC 6040 */
};

/*
 * Decapsulate payload[0..len) (writable: the inner header is rewritten
 * in place).  db may be NULL to skip the local-EID check.  Returns
 * DP_DROP_NONE with res filled, or the reason; res->hdr is valid for
 * every result but DP_DROP_BAD_HEADER.
 */
enum dp_drop	decap_packet(uint8_t *payload, size_t len,
		    const struct decap_outer *outer, unsigned int flags,
		    const struct dbmap *db, struct decap_result *res);

#define DECAP_ECN_DROP		(-1)
/*
 * RFC 6040 Figure 4: the ECN field (0-3) the inner header leaves with,
 * or DECAP_ECN_DROP.  *unexpected is set for the cells the RFC marks as
 * "should not happen" (log them), else cleared.
 */
int		decap_ecn(uint8_t inner, uint8_t outer, int *unexpected);

/*
 * Parse a whole outer IPv4/IPv6 + UDP packet (as a raw or AF_PACKET
 * capture, or the replay harness, sees it) into o and locate the UDP
 * payload.  IPv4: header checksum verified (checksum-error); IPv6: no
 * extension headers.  A non-zero UDP checksum is verified
 * (checksum-error, RFC 9300 5.3); zero is accepted.  Outer fragments,
 * non-UDP and malformed headers give outer-header-error.
 */
enum dp_drop	decap_outer_parse(const uint8_t *pkt, size_t len,
		    struct decap_outer *o, size_t *payload_off,
		    size_t *payload_len);

#endif /* DECAP_H */
