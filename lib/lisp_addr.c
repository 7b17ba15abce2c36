/* SPDX-License-Identifier: ISC */
/*
 * LISP addresses and LCAF (RFC 8060, RFC 8061 section 6, RFC 9306).
 *
 * Decoding rule: every LCAF body is parsed from a sub-reader of exactly
 * the Length its header declares, so a nested element can never run past
 * its container.  Types with a fixed shape must consume the body exactly
 * (LISP_E_LCAF otherwise); list types (AFI-list, NAT-T RTRs, ELP, RLE)
 * read elements until the body is used up.  Types we do not interpret
 * are kept as raw bytes so every message re-encodes byte-identically.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_err.h"

static int	addr_decode(struct rbuf *, struct lisp_addr *,
		    struct lisp_codec_stats *, int);
static void	lcaf_free(struct lcaf *);
static size_t	lcaf_body_len(const struct lcaf *);

int
lisp_afi_addr_len(uint16_t afi)
{
	switch (afi) {
	case LISP_AFI_NONE:
		return 0;
	case LISP_AFI_IPV4:
	case LISP_AFI_ASN:
		return 4;
	case LISP_AFI_IPV6:
		return 16;
	case LISP_AFI_MAC:
		return 6;
	default:
		return -1;
	}
}

const char *
lisp_afi_name(uint16_t afi)
{
	switch (afi) {
	case LISP_AFI_NONE:	return "none";
	case LISP_AFI_IPV4:	return "ipv4";
	case LISP_AFI_IPV6:	return "ipv6";
	case LISP_AFI_MAC:	return "mac";
	case LISP_AFI_DN:	return "distinguished-name";
	case LISP_AFI_ASN:	return "asn";
	case LISP_AFI_LCAF:	return "lcaf";
	default:		return "unknown";
	}
}

const char *
lcaf_type_name(uint8_t type)
{
	switch (type) {
	case LCAF_NULL:		return "null";
	case LCAF_AFI_LIST:	return "afi-list";
	case LCAF_IID:		return "instance-id";
	case LCAF_ASN:		return "asn";
	case LCAF_APP_DATA:	return "application-data";
	case LCAF_GEO:		return "geo-coordinates";
	case LCAF_OPAQUE_KEY:	return "opaque-key";
	case LCAF_NATT:		return "nat-traversal";
	case LCAF_NONCE_LOC:	return "nonce-locator";
	case LCAF_MCAST_INFO:	return "multicast-info";
	case LCAF_ELP:		return "elp";
	case LCAF_SECKEY:	return "security-key";
	case LCAF_SRCDST:	return "source-dest";
	case LCAF_RLE:		return "rle";
	case LCAF_JSON:		return "json";
	case LCAF_KV:		return "key-value";
	case LCAF_ENCAP:	return "encap-format";
	case LCAF_VENDOR:	return "vendor";
	default:		return "unknown";
	}
}

/* Raw-kept LCAF types that are known (not counted as unknown). */
static int
lcaf_is_known_raw(uint8_t type)
{
	return type == LCAF_NULL || type == LCAF_GEO || type == LCAF_ENCAP ||
	    type == LCAF_VENDOR;
}

void
lisp_addr_free(struct lisp_addr *a)
{
	if (a == NULL)
		return;
	if (a->afi == LISP_AFI_LCAF)
		lcaf_free(a->u.lcaf);
	memset(a, 0, sizeof(*a));
}

static void
addr_array_free(struct lisp_addr *v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		lisp_addr_free(&v[i]);
	free(v);
}

static void
lcaf_free(struct lcaf *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	switch (l->type) {
	case LCAF_AFI_LIST:
		addr_array_free(l->u.list.addrs, l->u.list.n);
		break;
	case LCAF_IID:
		lisp_addr_free(&l->u.iid.addr);
		break;
	case LCAF_ASN:
		lisp_addr_free(&l->u.asn.addr);
		break;
	case LCAF_NATT:
		lisp_addr_free(&l->u.natt.global_etr);
		lisp_addr_free(&l->u.natt.ms);
		lisp_addr_free(&l->u.natt.private_etr);
		addr_array_free(l->u.natt.rtr, l->u.natt.n_rtr);
		break;
	case LCAF_MCAST_INFO:
		lisp_addr_free(&l->u.mcast.src);
		lisp_addr_free(&l->u.mcast.grp);
		break;
	case LCAF_ELP:
		if (l->u.elp.hops != NULL) {
			for (i = 0; i < l->u.elp.n; i++)
				lisp_addr_free(&l->u.elp.hops[i].addr);
			free(l->u.elp.hops);
		}
		break;
	case LCAF_SECKEY:
		for (i = 0; i < LCAF_SECKEY_MAX_KEYS; i++) {
			/* Public values, but wipe them anyway: cheap. */
			if (l->u.seckey.key[i] != NULL)
				explicit_bzero(l->u.seckey.key[i],
				    l->u.seckey.key_len[i]);
			free(l->u.seckey.key[i]);
		}
		lisp_addr_free(&l->u.seckey.addr);
		break;
	case LCAF_SRCDST:
		lisp_addr_free(&l->u.srcdst.src);
		lisp_addr_free(&l->u.srcdst.dst);
		break;
	case LCAF_RLE:
		if (l->u.rle.entries != NULL) {
			for (i = 0; i < l->u.rle.n; i++)
				lisp_addr_free(&l->u.rle.entries[i].addr);
			free(l->u.rle.entries);
		}
		break;
	case LCAF_JSON:
		free(l->u.json.text);
		lisp_addr_free(&l->u.json.addr);
		break;
	case LCAF_KV:
		lisp_addr_free(&l->u.kv.key);
		lisp_addr_free(&l->u.kv.value);
		break;
	default:
		free(l->u.raw.bytes);
		break;
	}
	free(l);
}

/*
 * Grow-as-you-go array for list bodies.  The element count is bounded
 * by LCAF_LIST_MAX, so reallocating one element at a time is fine.
 */
static void *
array_grow(void *v, size_t n, size_t size)
{
	if (n >= LCAF_LIST_MAX)
		return NULL;
	return reallocarray(v, n + 1, size);
}

static int
addr_list_decode(struct rbuf *rb, struct lisp_addr **out, size_t *np,
    struct lisp_codec_stats *stats, int depth)
{
	struct lisp_addr	*v;
	int			 rc;

	while (rbuf_left(rb) > 0) {
		if (*np >= LCAF_LIST_MAX)
			return -LISP_E_COUNT;
		if ((v = array_grow(*out, *np, sizeof(*v))) == NULL)
			return -LISP_E_NOMEM;
		*out = v;
		memset(&v[*np], 0, sizeof(v[*np]));
		/* Count it first so that a failed element is freed too. */
		(*np)++;
		if ((rc = addr_decode(rb, &v[*np - 1], stats, depth)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Security Key body (RFC 8060 section 4.7, RFC 8061 section 6):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Key Count   |     Rsvd3     | Cipher Suite  |   Rsvd4     |R|
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        Key Length             |   Public Key Material ...     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |      ... (Key Length, Key Material) x (Key Count - 1) ...     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |              AFI = x          |       Locator Address ...     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
seckey_decode(struct rbuf *rb, struct lcaf_seckey *k,
    struct lisp_codec_stats *stats, int depth)
{
	uint8_t		 i;

	if (rbuf_get_u8(rb, &k->key_count) == -1 ||
	    rbuf_get_u8(rb, &k->rsvd3) == -1 ||
	    rbuf_get_u8(rb, &k->cipher_suite) == -1 ||
	    rbuf_get_u8(rb, &k->flags) == -1)
		return -LISP_E_TRUNC;
	if (k->key_count > LCAF_SECKEY_MAX_KEYS)
		return -LISP_E_COUNT;
	for (i = 0; i < k->key_count; i++) {
		if (rbuf_get_u16(rb, &k->key_len[i]) == -1)
			return -LISP_E_TRUNC;
		if (k->key_len[i] > LCAF_SECKEY_MAX_LEN)
			return -LISP_E_LEN;
		if (k->key_len[i] > rbuf_left(rb))
			return -LISP_E_TRUNC;
		if (k->key_len[i] == 0)
			continue;
		if ((k->key[i] = malloc(k->key_len[i])) == NULL)
			return -LISP_E_NOMEM;
		(void)rbuf_get_bytes(rb, k->key[i], k->key_len[i]);
	}
	return addr_decode(rb, &k->addr, stats, depth);
}

static int
lcaf_body_decode(struct rbuf *rb, struct lcaf *l,
    struct lisp_codec_stats *stats, int depth)
{
	size_t		 n;
	uint16_t	 u16;
	int		 rc;

	switch (l->type) {
	case LCAF_AFI_LIST:
		return addr_list_decode(rb, &l->u.list.addrs, &l->u.list.n,
		    stats, depth);
	case LCAF_IID:
		if (rbuf_get_u32(rb, &l->u.iid.iid) == -1)
			return -LISP_E_TRUNC;
		return addr_decode(rb, &l->u.iid.addr, stats, depth);
	case LCAF_ASN:
		if (rbuf_get_u32(rb, &l->u.asn.asn) == -1)
			return -LISP_E_TRUNC;
		return addr_decode(rb, &l->u.asn.addr, stats, depth);
	case LCAF_NATT:
		if (rbuf_get_u16(rb, &l->u.natt.ms_port) == -1 ||
		    rbuf_get_u16(rb, &l->u.natt.etr_port) == -1)
			return -LISP_E_TRUNC;
		if ((rc = addr_decode(rb, &l->u.natt.global_etr, stats,
		    depth)) != 0 ||
		    (rc = addr_decode(rb, &l->u.natt.ms, stats, depth)) != 0 ||
		    (rc = addr_decode(rb, &l->u.natt.private_etr, stats,
		    depth)) != 0)
			return rc;
		return addr_list_decode(rb, &l->u.natt.rtr, &l->u.natt.n_rtr,
		    stats, depth);
	case LCAF_MCAST_INFO:
		if (rbuf_get_u32(rb, &l->u.mcast.iid) == -1 ||
		    rbuf_get_u16(rb, &l->u.mcast.rsvd) == -1 ||
		    rbuf_get_u8(rb, &l->u.mcast.src_mlen) == -1 ||
		    rbuf_get_u8(rb, &l->u.mcast.grp_mlen) == -1)
			return -LISP_E_TRUNC;
		if ((rc = addr_decode(rb, &l->u.mcast.src, stats, depth)) != 0)
			return rc;
		return addr_decode(rb, &l->u.mcast.grp, stats, depth);
	case LCAF_ELP:
		while (rbuf_left(rb) > 0) {
			struct lcaf_elp_hop	*h;

			n = l->u.elp.n;
			if (n >= LCAF_LIST_MAX)
				return -LISP_E_COUNT;
			if ((h = array_grow(l->u.elp.hops, n,
			    sizeof(*h))) == NULL)
				return -LISP_E_NOMEM;
			l->u.elp.hops = h;
			memset(&h[n], 0, sizeof(h[n]));
			l->u.elp.n++;
			if (rbuf_get_u16(rb, &h[n].flags) == -1)
				return -LISP_E_TRUNC;
			if ((rc = addr_decode(rb, &h[n].addr, stats,
			    depth)) != 0)
				return rc;
		}
		return 0;
	case LCAF_SECKEY:
		return seckey_decode(rb, &l->u.seckey, stats, depth);
	case LCAF_SRCDST:
		if (rbuf_get_u16(rb, &l->u.srcdst.rsvd) == -1 ||
		    rbuf_get_u8(rb, &l->u.srcdst.src_mlen) == -1 ||
		    rbuf_get_u8(rb, &l->u.srcdst.dst_mlen) == -1)
			return -LISP_E_TRUNC;
		if ((rc = addr_decode(rb, &l->u.srcdst.src, stats,
		    depth)) != 0)
			return rc;
		return addr_decode(rb, &l->u.srcdst.dst, stats, depth);
	case LCAF_RLE:
		while (rbuf_left(rb) > 0) {
			struct lcaf_rle_entry	*e;

			n = l->u.rle.n;
			if (n >= LCAF_LIST_MAX)
				return -LISP_E_COUNT;
			if ((e = array_grow(l->u.rle.entries, n,
			    sizeof(*e))) == NULL)
				return -LISP_E_NOMEM;
			l->u.rle.entries = e;
			memset(&e[n], 0, sizeof(e[n]));
			l->u.rle.n++;
			if (rbuf_get_bytes(rb, e[n].rsvd, 3) == -1 ||
			    rbuf_get_u8(rb, &e[n].level) == -1)
				return -LISP_E_TRUNC;
			if ((rc = addr_decode(rb, &e[n].addr, stats,
			    depth)) != 0)
				return rc;
		}
		return 0;
	case LCAF_JSON:
		/*
		 * lispers.net layout: JSON length, JSON text, then an AFI
		 * and address that are always present (AFI 0 for none).
		 */
		if (rbuf_get_u16(rb, &u16) == -1)
			return -LISP_E_TRUNC;
		if (u16 > rbuf_left(rb))
			return -LISP_E_TRUNC;
		if ((l->u.json.text = malloc((size_t)u16 + 1)) == NULL)
			return -LISP_E_NOMEM;
		(void)rbuf_get_bytes(rb, l->u.json.text, u16);
		l->u.json.text[u16] = '\0';
		l->u.json.len = u16;
		return addr_decode(rb, &l->u.json.addr, stats, depth);
	case LCAF_KV:
		if ((rc = addr_decode(rb, &l->u.kv.key, stats, depth)) != 0)
			return rc;
		return addr_decode(rb, &l->u.kv.value, stats, depth);
	default:
		if (!lcaf_is_known_raw(l->type) && stats != NULL)
			stats->unknown_lcaf++;
		n = rbuf_left(rb);
		l->u.raw.len = (uint16_t)n;
		if (rbuf_get_dup(rb, n, &l->u.raw.bytes) != 0)
			return -LISP_E_NOMEM;
		return 0;
	}
}

static int
lcaf_decode(struct rbuf *rb, struct lisp_addr *a,
    struct lisp_codec_stats *stats, int depth)
{
	struct lcaf	*l;
	struct rbuf	 body;
	uint16_t	 len;
	int		 rc;

	if (depth >= LCAF_MAX_DEPTH)
		return -LISP_E_DEPTH;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -LISP_E_NOMEM;
	a->afi = LISP_AFI_LCAF;
	a->u.lcaf = l;
	if (rbuf_get_u8(rb, &l->rsvd1) == -1 ||
	    rbuf_get_u8(rb, &l->flags) == -1 ||
	    rbuf_get_u8(rb, &l->type) == -1 ||
	    rbuf_get_u8(rb, &l->rsvd2) == -1 ||
	    rbuf_get_u16(rb, &len) == -1 ||
	    rbuf_sub(rb, len, &body) == -1)
		return -LISP_E_TRUNC;
	if ((rc = lcaf_body_decode(&body, l, stats, depth + 1)) != 0)
		return rc;
	if (rbuf_left(&body) != 0)
		return -LISP_E_LCAF;
	return 0;
}

static int
addr_decode(struct rbuf *rb, struct lisp_addr *a,
    struct lisp_codec_stats *stats, int depth)
{
	const uint8_t	*p, *nul;
	size_t		 n;
	uint16_t	 afi;

	memset(a, 0, sizeof(*a));
	if (rbuf_get_u16(rb, &afi) == -1)
		return -LISP_E_TRUNC;
	switch (afi) {
	case LISP_AFI_NONE:
		return 0;
	case LISP_AFI_IPV4:
		if (rbuf_get_bytes(rb, &a->u.v4, 4) == -1)
			return -LISP_E_TRUNC;
		break;
	case LISP_AFI_IPV6:
		if (rbuf_get_bytes(rb, &a->u.v6, 16) == -1)
			return -LISP_E_TRUNC;
		break;
	case LISP_AFI_MAC:
		if (rbuf_get_bytes(rb, a->u.mac, 6) == -1)
			return -LISP_E_TRUNC;
		break;
	case LISP_AFI_ASN:
		if (rbuf_get_u32(rb, &a->u.asn) == -1)
			return -LISP_E_TRUNC;
		break;
	case LISP_AFI_DN:
		/* Look for the NUL within LISP_DN_MAX + 1 bytes only. */
		p = rbuf_ptr(rb);
		n = rbuf_left(rb);
		if (n > LISP_DN_MAX + 1)
			n = LISP_DN_MAX + 1;
		if ((nul = memchr(p, '\0', n)) == NULL)
			return n == LISP_DN_MAX + 1 ? -LISP_E_LEN :
			    -LISP_E_TRUNC;
		n = (size_t)(nul - p);
		memcpy(a->u.dn, p, n);
		a->u.dn[n] = '\0';
		(void)rbuf_skip(rb, n + 1);
		break;
	case LISP_AFI_LCAF:
		return lcaf_decode(rb, a, stats, depth);
	default:
		/* RFC 9301 section 5.1: unknown AFI, drop the message. */
		return -LISP_E_AFI;
	}
	a->afi = afi;
	return 0;
}

int
lisp_addr_decode(struct rbuf *rb, struct lisp_addr *a,
    struct lisp_codec_stats *stats)
{
	int	 rc;

	if ((rc = addr_decode(rb, a, stats, 0)) != 0)
		lisp_addr_free(a);
	return rc;
}

/* Encoding */

static void
seckey_encode(struct wbuf *wb, const struct lcaf_seckey *k)
{
	uint8_t		 i;

	if (k->key_count > LCAF_SECKEY_MAX_KEYS) {
		wb->err = 1;
		return;
	}
	wbuf_put_u8(wb, k->key_count);
	wbuf_put_u8(wb, k->rsvd3);
	wbuf_put_u8(wb, k->cipher_suite);
	wbuf_put_u8(wb, k->flags);
	for (i = 0; i < k->key_count; i++) {
		if (k->key_len[i] > 0 && k->key[i] == NULL) {
			wb->err = 1;
			return;
		}
		wbuf_put_u16(wb, k->key_len[i]);
		wbuf_put_bytes(wb, k->key[i], k->key_len[i]);
	}
	lisp_addr_encode(wb, &k->addr);
}

static void
lcaf_body_encode(struct wbuf *wb, const struct lcaf *l)
{
	size_t	 i;

	switch (l->type) {
	case LCAF_AFI_LIST:
		for (i = 0; i < l->u.list.n; i++)
			lisp_addr_encode(wb, &l->u.list.addrs[i]);
		break;
	case LCAF_IID:
		wbuf_put_u32(wb, l->u.iid.iid);
		lisp_addr_encode(wb, &l->u.iid.addr);
		break;
	case LCAF_ASN:
		wbuf_put_u32(wb, l->u.asn.asn);
		lisp_addr_encode(wb, &l->u.asn.addr);
		break;
	case LCAF_NATT:
		wbuf_put_u16(wb, l->u.natt.ms_port);
		wbuf_put_u16(wb, l->u.natt.etr_port);
		lisp_addr_encode(wb, &l->u.natt.global_etr);
		lisp_addr_encode(wb, &l->u.natt.ms);
		lisp_addr_encode(wb, &l->u.natt.private_etr);
		for (i = 0; i < l->u.natt.n_rtr; i++)
			lisp_addr_encode(wb, &l->u.natt.rtr[i]);
		break;
	case LCAF_MCAST_INFO:
		wbuf_put_u32(wb, l->u.mcast.iid);
		wbuf_put_u16(wb, l->u.mcast.rsvd);
		wbuf_put_u8(wb, l->u.mcast.src_mlen);
		wbuf_put_u8(wb, l->u.mcast.grp_mlen);
		lisp_addr_encode(wb, &l->u.mcast.src);
		lisp_addr_encode(wb, &l->u.mcast.grp);
		break;
	case LCAF_ELP:
		for (i = 0; i < l->u.elp.n; i++) {
			wbuf_put_u16(wb, l->u.elp.hops[i].flags);
			lisp_addr_encode(wb, &l->u.elp.hops[i].addr);
		}
		break;
	case LCAF_SECKEY:
		seckey_encode(wb, &l->u.seckey);
		break;
	case LCAF_SRCDST:
		wbuf_put_u16(wb, l->u.srcdst.rsvd);
		wbuf_put_u8(wb, l->u.srcdst.src_mlen);
		wbuf_put_u8(wb, l->u.srcdst.dst_mlen);
		lisp_addr_encode(wb, &l->u.srcdst.src);
		lisp_addr_encode(wb, &l->u.srcdst.dst);
		break;
	case LCAF_RLE:
		for (i = 0; i < l->u.rle.n; i++) {
			wbuf_put_bytes(wb, l->u.rle.entries[i].rsvd, 3);
			wbuf_put_u8(wb, l->u.rle.entries[i].level);
			lisp_addr_encode(wb, &l->u.rle.entries[i].addr);
		}
		break;
	case LCAF_JSON:
		if (l->u.json.len > 0 && l->u.json.text == NULL) {
			wb->err = 1;
			break;
		}
		wbuf_put_u16(wb, l->u.json.len);
		wbuf_put_bytes(wb, l->u.json.text, l->u.json.len);
		lisp_addr_encode(wb, &l->u.json.addr);
		break;
	case LCAF_KV:
		lisp_addr_encode(wb, &l->u.kv.key);
		lisp_addr_encode(wb, &l->u.kv.value);
		break;
	default:
		if (l->u.raw.len > 0 && l->u.raw.bytes == NULL) {
			wb->err = 1;
			break;
		}
		wbuf_put_bytes(wb, l->u.raw.bytes, l->u.raw.len);
		break;
	}
}

void
lisp_addr_encode(struct wbuf *wb, const struct lisp_addr *a)
{
	const struct lcaf	*l;
	size_t			 at, n;

	wbuf_put_u16(wb, a->afi);
	switch (a->afi) {
	case LISP_AFI_NONE:
		break;
	case LISP_AFI_IPV4:
		wbuf_put_bytes(wb, &a->u.v4, 4);
		break;
	case LISP_AFI_IPV6:
		wbuf_put_bytes(wb, &a->u.v6, 16);
		break;
	case LISP_AFI_MAC:
		wbuf_put_bytes(wb, a->u.mac, 6);
		break;
	case LISP_AFI_ASN:
		wbuf_put_u32(wb, a->u.asn);
		break;
	case LISP_AFI_DN:
		n = strnlen(a->u.dn, LISP_DN_MAX + 1);
		if (n > LISP_DN_MAX) {
			wb->err = 1;
			break;
		}
		wbuf_put_bytes(wb, a->u.dn, n + 1);
		break;
	case LISP_AFI_LCAF:
		if ((l = a->u.lcaf) == NULL) {
			wb->err = 1;
			break;
		}
		wbuf_put_u8(wb, l->rsvd1);
		wbuf_put_u8(wb, l->flags);
		wbuf_put_u8(wb, l->type);
		wbuf_put_u8(wb, l->rsvd2);
		at = wbuf_len(wb);
		wbuf_put_u16(wb, 0);		/* back-patched below */
		lcaf_body_encode(wb, l);
		if (wbuf_failed(wb))
			break;
		n = wbuf_len(wb) - at - 2;
		if (n > UINT16_MAX) {
			wb->err = 1;
			break;
		}
		wbuf_set_u16(wb, at, (uint16_t)n);
		break;
	default:
		wb->err = 1;
		break;
	}
}

static size_t
lcaf_body_len(const struct lcaf *l)
{
	size_t	 i, n = 0;

	switch (l->type) {
	case LCAF_AFI_LIST:
		for (i = 0; i < l->u.list.n; i++)
			n += lisp_addr_wire_len(&l->u.list.addrs[i]);
		return n;
	case LCAF_IID:
		return 4 + lisp_addr_wire_len(&l->u.iid.addr);
	case LCAF_ASN:
		return 4 + lisp_addr_wire_len(&l->u.asn.addr);
	case LCAF_NATT:
		n = 4 + lisp_addr_wire_len(&l->u.natt.global_etr) +
		    lisp_addr_wire_len(&l->u.natt.ms) +
		    lisp_addr_wire_len(&l->u.natt.private_etr);
		for (i = 0; i < l->u.natt.n_rtr; i++)
			n += lisp_addr_wire_len(&l->u.natt.rtr[i]);
		return n;
	case LCAF_MCAST_INFO:
		return 8 + lisp_addr_wire_len(&l->u.mcast.src) +
		    lisp_addr_wire_len(&l->u.mcast.grp);
	case LCAF_ELP:
		for (i = 0; i < l->u.elp.n; i++)
			n += 2 + lisp_addr_wire_len(&l->u.elp.hops[i].addr);
		return n;
	case LCAF_SECKEY:
		n = 4;
		for (i = 0; i < l->u.seckey.key_count &&
		    i < LCAF_SECKEY_MAX_KEYS; i++)
			n += 2 + l->u.seckey.key_len[i];
		return n + lisp_addr_wire_len(&l->u.seckey.addr);
	case LCAF_SRCDST:
		return 4 + lisp_addr_wire_len(&l->u.srcdst.src) +
		    lisp_addr_wire_len(&l->u.srcdst.dst);
	case LCAF_RLE:
		for (i = 0; i < l->u.rle.n; i++)
			n += 4 + lisp_addr_wire_len(&l->u.rle.entries[i].addr);
		return n;
	case LCAF_JSON:
		return 2 + (size_t)l->u.json.len +
		    lisp_addr_wire_len(&l->u.json.addr);
	case LCAF_KV:
		return lisp_addr_wire_len(&l->u.kv.key) +
		    lisp_addr_wire_len(&l->u.kv.value);
	default:
		return l->u.raw.len;
	}
}

size_t
lisp_addr_wire_len(const struct lisp_addr *a)
{
	switch (a->afi) {
	case LISP_AFI_DN:
		return 2 + strnlen(a->u.dn, LISP_DN_MAX) + 1;
	case LISP_AFI_LCAF:
		if (a->u.lcaf == NULL)
			return 2;
		return 8 + lcaf_body_len(a->u.lcaf);
	default:
		if (lisp_afi_addr_len(a->afi) < 0)
			return 2;
		return 2 + (size_t)lisp_afi_addr_len(a->afi);
	}
}

/*
 * Deep copy through the wire form: the codec round-trips every LCAF
 * byte-identically (tested), so this copies every type, including raw
 * ones, with no per-type code to keep in sync.
 */
int
lisp_addr_copy(struct lisp_addr *dst, const struct lisp_addr *src)
{
	struct wbuf	 wb;
	struct rbuf	 rb;
	uint8_t		*buf;
	size_t		 len;
	int		 rc;

	if (src->afi != LISP_AFI_LCAF) {
		*dst = *src;
		return 0;
	}
	len = lisp_addr_wire_len(src);
	if ((buf = malloc(len)) == NULL) {
		memset(dst, 0, sizeof(*dst));
		return -LISP_E_NOMEM;
	}
	wbuf_init(&wb, buf, len);
	lisp_addr_encode(&wb, src);
	if (wbuf_failed(&wb)) {
		free(buf);
		memset(dst, 0, sizeof(*dst));
		return -LISP_E_VALUE;
	}
	rbuf_init(&rb, buf, wbuf_len(&wb));
	rc = lisp_addr_decode(&rb, dst, NULL);
	free(buf);
	return rc;
}

int
lisp_addr_cmp(const struct lisp_addr *a, const struct lisp_addr *b)
{
	uint8_t		 sa[256], sb[256], *pa, *pb;
	struct wbuf	 wa, wb;
	size_t		 la, lb;
	int		 c;

	if (a->afi != b->afi)
		return a->afi < b->afi ? -1 : 1;
	switch (a->afi) {
	case LISP_AFI_NONE:
		return 0;
	case LISP_AFI_IPV4:
		return memcmp(&a->u.v4, &b->u.v4, 4);
	case LISP_AFI_IPV6:
		return memcmp(&a->u.v6, &b->u.v6, 16);
	case LISP_AFI_MAC:
		return memcmp(a->u.mac, b->u.mac, 6);
	case LISP_AFI_ASN:
		return a->u.asn == b->u.asn ? 0 : a->u.asn < b->u.asn ? -1 : 1;
	case LISP_AFI_DN:
		return strncmp(a->u.dn, b->u.dn, LISP_DN_MAX + 1);
	case LISP_AFI_LCAF:
		break;
	default:
		return 0;
	}

	/*
	 * LCAF: compare the wire bytes after the AFI (rsvd1, flags, type,
	 * ...).  RFC 8060 section 3 sorts LCAFs by type, and the type byte
	 * comes right after two bytes that are zero in practice.
	 */
	la = lisp_addr_wire_len(a);
	lb = lisp_addr_wire_len(b);
	pa = la <= sizeof(sa) ? sa : malloc(la);
	pb = lb <= sizeof(sb) ? sb : malloc(lb);
	if (pa == NULL || pb == NULL) {
		/* No memory: fall back to a weaker but total order. */
		c = la == lb ? 0 : la < lb ? -1 : 1;
		goto out;
	}
	wbuf_init(&wa, pa, la);
	wbuf_init(&wb, pb, lb);
	lisp_addr_encode(&wa, a);
	lisp_addr_encode(&wb, b);
	la = wbuf_len(&wa);
	lb = wbuf_len(&wb);
	c = memcmp(pa, pb, la < lb ? la : lb);
	if (c == 0 && la != lb)
		c = la < lb ? -1 : 1;
out:
	if (pa != sa)
		free(pa);
	if (pb != sb)
		free(pb);
	return c < 0 ? -1 : c > 0;
}

void
lisp_addr_set_v4(struct lisp_addr *a, struct in_addr v4)
{
	memset(a, 0, sizeof(*a));
	a->afi = LISP_AFI_IPV4;
	a->u.v4 = v4;
}

void
lisp_addr_set_v6(struct lisp_addr *a, const struct in6_addr *v6)
{
	memset(a, 0, sizeof(*a));
	a->afi = LISP_AFI_IPV6;
	a->u.v6 = *v6;
}

int
lisp_addr_set_iid(struct lisp_addr *a, uint32_t iid, uint8_t mlen,
    struct lisp_addr *inner)
{
	struct lcaf	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	l->type = LCAF_IID;
	l->rsvd2 = mlen;
	l->u.iid.iid = iid;
	l->u.iid.addr = *inner;		/* moved; inner may alias a */
	memset(inner, 0, sizeof(*inner));
	memset(a, 0, sizeof(*a));
	a->afi = LISP_AFI_LCAF;
	a->u.lcaf = l;
	return 0;
}

const struct lisp_addr *
lisp_addr_strip_iid(const struct lisp_addr *a, uint32_t *iid)
{
	uint32_t	 id = 0;

	while (a->afi == LISP_AFI_LCAF && a->u.lcaf != NULL &&
	    a->u.lcaf->type == LCAF_IID) {
		id = a->u.lcaf->u.iid.iid;
		a = &a->u.lcaf->u.iid.addr;
	}
	if (iid != NULL)
		*iid = id;
	return a;
}

/* Formatting: a bounded appender that always NUL-terminates. */

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 off;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (sb->off + 1 >= sb->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->off, sb->len - sb->off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb->off += (size_t)n;
	if (sb->off >= sb->len)
		sb->off = sb->len - 1;
}

static void	addr_fmt(struct sbuf *, const struct lisp_addr *);

static void
lcaf_fmt(struct sbuf *sb, const struct lcaf *l)
{
	size_t	 i;

	switch (l->type) {
	case LCAF_IID:
		sb_printf(sb, "[%u]", l->u.iid.iid);
		addr_fmt(sb, &l->u.iid.addr);
		break;
	case LCAF_ASN:
		sb_printf(sb, "AS%u:", l->u.asn.asn);
		addr_fmt(sb, &l->u.asn.addr);
		break;
	case LCAF_AFI_LIST:
		sb_printf(sb, "{");
		for (i = 0; i < l->u.list.n; i++) {
			sb_printf(sb, i ? "," : "");
			addr_fmt(sb, &l->u.list.addrs[i]);
		}
		sb_printf(sb, "}");
		break;
	case LCAF_SRCDST:
		sb_printf(sb, "(");
		addr_fmt(sb, &l->u.srcdst.src);
		sb_printf(sb, "/%u,", l->u.srcdst.src_mlen);
		addr_fmt(sb, &l->u.srcdst.dst);
		sb_printf(sb, "/%u)", l->u.srcdst.dst_mlen);
		break;
	case LCAF_MCAST_INFO:
		sb_printf(sb, "[%u](", l->u.mcast.iid);
		addr_fmt(sb, &l->u.mcast.src);
		sb_printf(sb, ",");
		addr_fmt(sb, &l->u.mcast.grp);
		sb_printf(sb, ")");
		break;
	case LCAF_NATT:
		sb_printf(sb, "natt(global ");
		addr_fmt(sb, &l->u.natt.global_etr);
		sb_printf(sb, ":%u, ms ", l->u.natt.etr_port);
		addr_fmt(sb, &l->u.natt.ms);
		sb_printf(sb, ":%u, private ", l->u.natt.ms_port);
		addr_fmt(sb, &l->u.natt.private_etr);
		sb_printf(sb, ", rtrs");
		for (i = 0; i < l->u.natt.n_rtr; i++) {
			sb_printf(sb, " ");
			addr_fmt(sb, &l->u.natt.rtr[i]);
		}
		sb_printf(sb, ")");
		break;
	case LCAF_ELP:
		sb_printf(sb, "elp(");
		for (i = 0; i < l->u.elp.n; i++) {
			sb_printf(sb, i ? "->" : "");
			addr_fmt(sb, &l->u.elp.hops[i].addr);
			if (l->u.elp.hops[i].flags & (LCAF_ELP_L |
			    LCAF_ELP_P | LCAF_ELP_S))
				sb_printf(sb, "%s%s%s",
				    l->u.elp.hops[i].flags & LCAF_ELP_L ?
				    "l" : "",
				    l->u.elp.hops[i].flags & LCAF_ELP_P ?
				    "p" : "",
				    l->u.elp.hops[i].flags & LCAF_ELP_S ?
				    "s" : "");
		}
		sb_printf(sb, ")");
		break;
	case LCAF_RLE:
		sb_printf(sb, "rle(");
		for (i = 0; i < l->u.rle.n; i++) {
			sb_printf(sb, i ? ", " : "");
			addr_fmt(sb, &l->u.rle.entries[i].addr);
			sb_printf(sb, "(L%u)", l->u.rle.entries[i].level);
		}
		sb_printf(sb, ")");
		break;
	case LCAF_SECKEY:
		sb_printf(sb, "seckey(cs %u, %u key%s, len %u) ",
		    l->u.seckey.cipher_suite, l->u.seckey.key_count,
		    l->u.seckey.key_count == 1 ? "" : "s",
		    l->u.seckey.key_len[0]);
		addr_fmt(sb, &l->u.seckey.addr);
		break;
	case LCAF_JSON:
		sb_printf(sb, "json(%u) ", l->u.json.len);
		addr_fmt(sb, &l->u.json.addr);
		break;
	case LCAF_KV:
		sb_printf(sb, "kv(");
		addr_fmt(sb, &l->u.kv.key);
		sb_printf(sb, "=");
		addr_fmt(sb, &l->u.kv.value);
		sb_printf(sb, ")");
		break;
	default:
		sb_printf(sb, "lcaf-%u(%u)", l->type, l->u.raw.len);
		break;
	}
}

static void
addr_fmt(struct sbuf *sb, const struct lisp_addr *a)
{
	char	 tmp[INET6_ADDRSTRLEN];
	size_t	 i;

	switch (a->afi) {
	case LISP_AFI_NONE:
		sb_printf(sb, "no-address");
		break;
	case LISP_AFI_IPV4:
		sb_printf(sb, "%s", inet_ntop(AF_INET, &a->u.v4, tmp,
		    sizeof(tmp)));
		break;
	case LISP_AFI_IPV6:
		sb_printf(sb, "%s", inet_ntop(AF_INET6, &a->u.v6, tmp,
		    sizeof(tmp)));
		break;
	case LISP_AFI_MAC:
		sb_printf(sb, "%02x%02x-%02x%02x-%02x%02x", a->u.mac[0],
		    a->u.mac[1], a->u.mac[2], a->u.mac[3], a->u.mac[4],
		    a->u.mac[5]);
		break;
	case LISP_AFI_DN:
		sb_printf(sb, "'");
		/* Names come off the wire: never print control bytes. */
		for (i = 0; i < LISP_DN_MAX && a->u.dn[i] != '\0'; i++)
			sb_printf(sb, "%c", a->u.dn[i] >= 0x20 &&
			    a->u.dn[i] < 0x7f ? a->u.dn[i] : '?');
		sb_printf(sb, "'");
		break;
	case LISP_AFI_ASN:
		sb_printf(sb, "AS%u", a->u.asn);
		break;
	case LISP_AFI_LCAF:
		if (a->u.lcaf == NULL)
			sb_printf(sb, "lcaf-null");
		else
			lcaf_fmt(sb, a->u.lcaf);
		break;
	default:
		sb_printf(sb, "afi-%u", a->afi);
		break;
	}
}

char *
lisp_addr_fmt(const struct lisp_addr *a, char *buf, size_t len)
{
	struct sbuf	 sb = { buf, len, 0 };

	if (len == 0)
		return buf;
	buf[0] = '\0';
	addr_fmt(&sb, a);
	return buf;
}
