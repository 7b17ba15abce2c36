/* SPDX-License-Identifier: ISC */
/*
 * Internet checksum (RFC 1071) and the UDP pseudo-header checksums of
 * RFC 768 (IPv4) and RFC 8200 section 8.1 (IPv6).  Used by the ECM
 * encoder for its inner IP/UDP headers and by the data plane.
 *
 * The partial-sum helpers let a caller checksum scattered pieces: feed
 * every piece to lisp_net_cksum_add() (all but the last piece must have
 * an even length, as in every IP header layout) and finish with
 * lisp_net_cksum_fold().
 */
#ifndef LISP_NET_H
#define LISP_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Add 16-bit big-endian words of data to a running sum. */
uint32_t lisp_net_cksum_add(uint32_t sum, const void *data, size_t len);
/* Fold the carries and return the one's complement (host order). */
uint16_t lisp_net_cksum_fold(uint32_t sum);
/* Checksum of one buffer; 0 when verifying a buffer with its checksum. */
uint16_t lisp_net_cksum(const void *data, size_t len);

/*
 * UDP checksum over the pseudo-header and udp (the UDP header, with its
 * checksum field zero, followed by the payload; len = UDP length).  A
 * computed 0 is returned as 0xFFFF (RFC 768), so the result can always
 * be sent.  Verification: a correct datagram sums (with its checksum in
 * place) to 0 before the 0xFFFF substitution, see lisp_net_udp*_ok().
 */
uint16_t lisp_net_udp4_cksum(struct in_addr src, struct in_addr dst,
	    const void *udp, size_t len);
uint16_t lisp_net_udp6_cksum(const struct in6_addr *src,
	    const struct in6_addr *dst, const void *udp, size_t len);
/* 1 when the checksum field of udp is right (0 = absent is not ok). */
int	 lisp_net_udp4_ok(struct in_addr src, struct in_addr dst,
	    const void *udp, size_t len);
int	 lisp_net_udp6_ok(const struct in6_addr *src,
	    const struct in6_addr *dst, const void *udp, size_t len);

#endif /* LISP_NET_H */
