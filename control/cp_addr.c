/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_addr.h"

size_t
cpa_alen(int af)
{
	switch (af) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

void
cpa_mask(struct dpipc_addr *p)
{
	size_t	 alen = cpa_alen(p->af), i;
	unsigned int bits = p->plen;

	for (i = 0; i < sizeof(p->a); i++) {
		if (i >= alen || bits == 0)
			p->a[i] = 0;
		else if (bits < 8) {
			p->a[i] &= (uint8_t)(0xFF << (8 - bits));
			bits = 0;
		} else
			bits -= 8;
	}
}

void
cpa_host(struct dpipc_addr *p, int af, const void *bytes)
{
	memset(p, 0, sizeof(*p));
	p->af = af;
	p->plen = (uint8_t)(cpa_alen(af) * 8);
	memcpy(p->a, bytes, cpa_alen(af));
}

int
cpa_addr_eq(const struct dpipc_addr *a, const struct dpipc_addr *b)
{
	return a->af == b->af && a->plen == b->plen &&
	    memcmp(a->a, b->a, cpa_alen(a->af)) == 0;
}

int
cpa_eid_eq(const struct cp_eid *a, const struct cp_eid *b)
{
	return a->iid == b->iid && cpa_addr_eq(&a->p, &b->p);
}

int
cpa_covers(const struct cp_eid *pfx, const struct cp_eid *e)
{
	unsigned int	 bits = pfx->p.plen, i;
	uint8_t		 m;

	if (pfx->iid != e->iid || pfx->p.af != e->p.af ||
	    pfx->p.plen > e->p.plen)
		return 0;
	for (i = 0; bits > 0; i++) {
		m = bits >= 8 ? 0xFF : (uint8_t)(0xFF << (8 - bits));
		if ((pfx->p.a[i] & m) != (e->p.a[i] & m))
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

int
cpa_eid_from_lisp(const struct lisp_addr *a, uint8_t mlen, struct cp_eid *out)
{
	const struct lisp_addr	*in;
	uint32_t		 iid;

	memset(out, 0, sizeof(*out));
	in = lisp_addr_strip_iid(a, &iid);
	out->iid = iid;
	switch (in->afi) {
	case LISP_AFI_IPV4:
		if (mlen > 32)
			return -1;
		cpa_host(&out->p, AF_INET, &in->u.v4);
		break;
	case LISP_AFI_IPV6:
		if (mlen > 128)
			return -1;
		cpa_host(&out->p, AF_INET6, &in->u.v6);
		break;
	default:
		return -1;
	}
	out->p.plen = mlen;
	cpa_mask(&out->p);
	return 0;
}

const struct lcaf_seckey *
cpa_seckey(const struct lisp_addr *a)
{
	if (a->afi == LISP_AFI_LCAF && a->u.lcaf != NULL &&
	    a->u.lcaf->type == LCAF_SECKEY)
		return &a->u.lcaf->u.seckey;
	return NULL;
}

int
cpa_seckey_wrap(struct lisp_addr *a, uint8_t suite, const uint8_t *key,
    size_t len)
{
	struct lcaf	*l;

	if (len == 0 || len > LCAF_SECKEY_MAX_LEN ||
	    (l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	if ((l->u.seckey.key[0] = malloc(len)) == NULL) {
		free(l);
		return -1;
	}
	l->type = LCAF_SECKEY;
	l->u.seckey.key_count = 1;
	l->u.seckey.cipher_suite = suite;
	l->u.seckey.key_len[0] = (uint16_t)len;
	memcpy(l->u.seckey.key[0], key, len);
	l->u.seckey.addr = *a;		/* moved */
	memset(a, 0, sizeof(*a));
	a->afi = LISP_AFI_LCAF;
	a->u.lcaf = l;
	return 0;
}

int
cpa_rloc_from_lisp(const struct lisp_addr *a, struct dpipc_addr *out)
{
	const struct lcaf_seckey *k;

	/* A Security Key LCAF (RFC 8061) wraps the locator: unwrap it. */
	if ((k = cpa_seckey(a)) != NULL)
		a = &k->addr;
	memset(out, 0, sizeof(*out));
	switch (a->afi) {
	case LISP_AFI_IPV4:
		cpa_host(out, AF_INET, &a->u.v4);
		return 0;
	case LISP_AFI_IPV6:
		cpa_host(out, AF_INET6, &a->u.v6);
		return 0;
	default:
		return -1;
	}
}

void
cpa_rloc_to_lisp(const struct dpipc_addr *r, struct lisp_addr *a)
{
	struct in_addr	 v4;
	struct in6_addr	 v6;

	memset(a, 0, sizeof(*a));
	if (r->af == AF_INET) {
		memcpy(&v4, r->a, 4);
		lisp_addr_set_v4(a, v4);
	} else if (r->af == AF_INET6) {
		memcpy(&v6, r->a, 16);
		lisp_addr_set_v6(a, &v6);
	}
}

int
cpa_eid_to_lisp(const struct cp_eid *e, struct lisp_addr *a)
{
	struct lisp_addr	 in;

	cpa_rloc_to_lisp(&e->p, &in);
	if (in.afi == LISP_AFI_NONE)
		return -1;
	if (e->iid == 0) {
		*a = in;
		return 0;
	}
	return lisp_addr_set_iid(a, e->iid, 0, &in);
}

char *
cpa_addr_fmt(const struct dpipc_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (inet_ntop(a->af, a->a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "af%d", a->af);
	return buf;
}

char *
cpa_eid_fmt(const struct cp_eid *e, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	cpa_addr_fmt(&e->p, a, sizeof(a));
	snprintf(buf, len, "[%u]%s/%u", e->iid, a, e->p.plen);
	return buf;
}

int
cpa_interval_ok(double *last, double now, double min_interval)
{
	if (*last != 0 && now - *last < min_interval && now >= *last)
		return 0;
	*last = now;
	return 1;
}

int
cpa_bucket_take(struct cpa_bucket *b, double rate, double burst, double now)
{
	if (!b->primed) {
		b->tokens = burst;
		b->stamp = now;
		b->primed = 1;
	}
	if (now > b->stamp) {
		b->tokens += (now - b->stamp) * rate;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->stamp = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}
