/* SPDX-License-Identifier: ISC */
/*
 * Test-only packet builders and checksum oracle for the data-path suites
 * and tests/helpers/gen_encap.c.  Written independently of the code
 * under test (its own RFC 1071 sum, byte offsets spelled out), so that
 * the suites do not check the data path against itself.
 */
#ifndef INET_TEST_H
#define INET_TEST_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t
t_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t
t_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t
t_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
t_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Pseudo-header sum for an L4 checksum (RFC 768 / RFC 8200 8.1). */
static inline uint32_t
t_pseudo(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    size_t len)
{
	uint8_t	 b[4] = { 0, 0, 0, 0 };
	uint32_t sum = 0;

	sum = t_sum(sum, src, v6 ? 16 : 4);
	sum = t_sum(sum, dst, v6 ? 16 : 4);
	b[3] = proto;
	sum = t_sum(sum, b, 4);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xFFFF);
	return sum;
}

/* 1 when the L4 checksum of a v4/v6 segment (checksum in place) holds. */
static inline int
t_l4_ok(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *l4, size_t len)
{
	return t_fold(t_sum(t_pseudo(v6, src, dst, proto, len), l4, len)) == 0;
}

static inline void
t_addr(int v6, const char *s, uint8_t *out)
{
	memset(out, 0, 16);
	(void)inet_pton(v6 ? AF_INET6 : AF_INET, s, out);
}

struct t_pkt {
	int		 v6;
	const char	*src, *dst;
	uint8_t		 proto;		/* 17 UDP, 6 TCP, 1/58 ICMP echo */
	uint8_t		 ttl;
	uint8_t		 tos;
	uint16_t	 fragw;		/* IPv4 flags + offset word */
	uint16_t	 id;
	uint16_t	 sport, dport;	/* UDP/TCP; ICMP: id, seq */
	size_t		 datalen;	/* bytes after the L4 header */
	uint32_t	 flow;		/* IPv6 flow label */
};

/*
 * Build an IPv4 or IPv6 packet with a UDP, TCP (20-byte header, no
 * options) or ICMP echo request header and datalen pattern bytes, with
 * every checksum right.  Returns its length.
 */
static inline size_t
t_build(uint8_t *b, const struct t_pkt *t)
{
	uint8_t		 src[16], dst[16], *l4;
	size_t		 hl = t->v6 ? 40 : 20, l4h, len, i;

	t_addr(t->v6, t->src, src);
	t_addr(t->v6, t->dst, dst);
	l4h = t->proto == 6 ? 20 : 8;
	len = hl + l4h + t->datalen;
	memset(b, 0, len);
	l4 = b + hl;
	if (t->v6) {
		b[0] = (uint8_t)(0x60 | t->tos >> 4);
		b[1] = (uint8_t)(t->tos << 4 | (t->flow >> 16 & 0x0F));
		t_put16(b + 2, (uint16_t)t->flow);
		t_put16(b + 4, (uint16_t)(len - hl));
		b[6] = t->proto;
		b[7] = t->ttl;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
	} else {
		b[0] = 0x45;
		b[1] = t->tos;
		t_put16(b + 2, (uint16_t)len);
		t_put16(b + 4, t->id);
		t_put16(b + 6, t->fragw);
		b[8] = t->ttl;
		b[9] = t->proto;
		memcpy(b + 12, src, 4);
		memcpy(b + 16, dst, 4);
		t_put16(b + 10, t_fold(t_sum(0, b, 20)));
	}
	for (i = 0; i < t->datalen; i++)
		l4[l4h + i] = (uint8_t)(i * 7 + 1);
	switch (t->proto) {
	case 17:
		t_put16(l4, t->sport);
		t_put16(l4 + 2, t->dport);
		t_put16(l4 + 4, (uint16_t)(l4h + t->datalen));
		t_put16(l4 + 6, t_fold(t_sum(t_pseudo(t->v6, src, dst, 17,
		    l4h + t->datalen), l4, l4h + t->datalen)));
		break;
	case 6:
		t_put16(l4, t->sport);
		t_put16(l4 + 2, t->dport);
		l4[12] = 0x50;
		l4[13] = 0x02;			/* SYN */
		t_put16(l4 + 14, 65535);
		t_put16(l4 + 16, t_fold(t_sum(t_pseudo(t->v6, src, dst, 6,
		    l4h + t->datalen), l4, l4h + t->datalen)));
		break;
	case 1:
	case 58:
		l4[0] = t->v6 ? 128 : 8;	/* echo request */
		t_put16(l4 + 4, t->sport);
		t_put16(l4 + 6, t->dport);
		if (t->v6)
			t_put16(l4 + 2, t_fold(t_sum(t_pseudo(1, src, dst, 58,
			    l4h + t->datalen), l4, l4h + t->datalen)));
		else
			t_put16(l4 + 2, t_fold(t_sum(0, l4,
			    l4h + t->datalen)));
		break;
	}
	return len;
}

#endif /* INET_TEST_H */
