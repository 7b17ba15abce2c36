/* SPDX-License-Identifier: ISC */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lisp_net.h"

/*
 * RFC 1071 in the host's byte order: 32-bit words summed into four
 * independent 64-bit accumulators (no carry to handle for any buffer
 * under 2^36 bytes, and the additions pipeline), folded to 16 bits,
 * then swapped to network order on a little-endian host (RFC 1071
 * 2(B): the sum is byte-order independent up to that swap).  The data
 * plane checksums outer headers per packet and, in GSO runs and user-
 * space segmentation (gso.c), whole payloads.  Words are loaded with
 * memcpy: no alignment is assumed.  An odd last byte is the high byte
 * of a zero-padded word, as the RFC pads it.
 */
uint32_t
lisp_net_cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint64_t	 a0 = 0, a1 = 0, a2 = 0, a3 = 0, acc;
	uint32_t	 w0, w1, w2, w3;
	uint16_t	 t;

	while (len >= 16) {
		memcpy(&w0, p, 4);
		memcpy(&w1, p + 4, 4);
		memcpy(&w2, p + 8, 4);
		memcpy(&w3, p + 12, 4);
		a0 += w0;
		a1 += w1;
		a2 += w2;
		a3 += w3;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w0, p, 4);
		a0 += w0;
		p += 4;
		len -= 4;
	}
	w0 = 0;
	memcpy(&w0, p, len);		/* the rest, zero-padded */
	a0 += w0;
	acc = a0 + a1 + a2 + a3;
	acc = (acc & 0xFFFFFFFF) + (acc >> 32);
	acc = (acc & 0xFFFF) + (acc >> 16);
	acc = (acc & 0xFFFF) + (acc >> 16);
	acc = (acc & 0xFFFF) + (acc >> 16);
	t = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	t = (uint16_t)(t << 8 | t >> 8);
#endif
	/* Keep the running sum in 32 bits without losing carries. */
	acc = (uint64_t)sum + t;
	return (uint32_t)((acc & 0xFFFFFFFF) + (acc >> 32));
}

uint16_t
lisp_net_cksum_fold(uint32_t sum)
{
	/* Two folds are enough for 32 bits: the first leaves at most
	 * 0x1FFFE, whose carry the second adds back. */
	sum = (sum & 0xFFFF) + (sum >> 16);
	sum += sum >> 16;
	return (uint16_t)~sum;
}

uint16_t
lisp_net_cksum(const void *data, size_t len)
{
	return lisp_net_cksum_fold(lisp_net_cksum_add(0, data, len));
}

static uint32_t
udp4_pseudo(struct in_addr src, struct in_addr dst, size_t len)
{
	uint8_t		 ph[12];
	uint32_t	 l = (uint32_t)len;

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	ph[10] = (uint8_t)(l >> 8);
	ph[11] = (uint8_t)l;
	return lisp_net_cksum_add(0, ph, sizeof(ph));
}

static uint32_t
udp6_pseudo(const struct in6_addr *src, const struct in6_addr *dst,
    size_t len)
{
	uint8_t		 ph[40];
	uint32_t	 l = (uint32_t)len;

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(l >> 24);
	ph[33] = (uint8_t)(l >> 16);
	ph[34] = (uint8_t)(l >> 8);
	ph[35] = (uint8_t)l;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = IPPROTO_UDP;
	return lisp_net_cksum_add(0, ph, sizeof(ph));
}

uint16_t
lisp_net_udp4_cksum(struct in_addr src, struct in_addr dst, const void *udp,
    size_t len)
{
	uint16_t	 c;

	c = lisp_net_cksum_fold(lisp_net_cksum_add(udp4_pseudo(src, dst, len),
	    udp, len));
	return c == 0 ? 0xFFFF : c;
}

uint16_t
lisp_net_udp6_cksum(const struct in6_addr *src, const struct in6_addr *dst,
    const void *udp, size_t len)
{
	uint16_t	 c;

	c = lisp_net_cksum_fold(lisp_net_cksum_add(udp6_pseudo(src, dst, len),
	    udp, len));
	return c == 0 ? 0xFFFF : c;
}

static int
udp_has_cksum(const void *udp, size_t len)
{
	const uint8_t	*p = udp;

	return len >= 8 && (p[6] != 0 || p[7] != 0);
}

int
lisp_net_udp4_ok(struct in_addr src, struct in_addr dst, const void *udp,
    size_t len)
{
	if (!udp_has_cksum(udp, len))
		return 0;
	return lisp_net_cksum_fold(lisp_net_cksum_add(udp4_pseudo(src, dst,
	    len), udp, len)) == 0;
}

int
lisp_net_udp6_ok(const struct in6_addr *src, const struct in6_addr *dst,
    const void *udp, size_t len)
{
	if (!udp_has_cksum(udp, len))
		return 0;
	return lisp_net_cksum_fold(lisp_net_cksum_add(udp6_pseudo(src, dst,
	    len), udp, len)) == 0;
}
