/* SPDX-License-Identifier: ISC */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lisp_net.h"

uint32_t
lisp_net_cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint64_t	 acc = sum;
	uint32_t	 w;
	size_t		 i = 0;

	/*
	 * 32 bits at a time (the data plane checksums an outer header per
	 * packet): a big-endian 32-bit word w1 << 16 | w2 is congruent to
	 * w1 + w2 modulo 0xFFFF, since 2^16 = 1 there, so the folded sum is
	 * the same as with 16-bit words; the 64-bit accumulator cannot
	 * overflow for any buffer that fits in memory's 32-bit-word count.
	 */
	for (; i + 4 <= len; i += 4) {
		/* One load and a byte swap, not four byte loads. */
		memcpy(&w, p + i, 4);
		acc += ntohl(w);
	}
	for (; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	/* Keep the running sum in 32 bits without losing carries. */
	while (acc >> 32)
		acc = (acc & 0xFFFFFFFF) + (acc >> 32);
	return (uint32_t)acc;
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
