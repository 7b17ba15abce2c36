/* SPDX-License-Identifier: ISC */
/*
 * gen_ctrl: build a pcap of LISP packets with our own encoders and print,
 * for every frame, the field values tshark must show, as a TSV whose
 * columns are tshark field names (tests/sh/ctrl_tshark.sh compares them).
 *
 *	gen_ctrl OUT.pcap > expected.tsv
 *
 * Every message type and variant is built from the structures below with
 * lisp_msg_encode() (Map-Register/Notify signed with lisp_auth_sign()),
 * wrapped in IPv4 or IPv6 and UDP with real checksums (lib/lisp_net) and
 * written as LINKTYPE_RAW.  The expected values come from the same input
 * structures, never from decoding the bytes written; the HMACs are
 * recomputed with OpenSSL's one-shot HMAC() as an independent check of
 * lisp_auth_sign().
 *
 * TSV conventions (understood by tests/ctrl_compare.py): values of one
 * field are comma-joined in wire order (tshark -E occurrence=a); a column
 * name ending in "~" holds a substring the tshark column must contain.
 * Every frame is compared on every column, so a field we do not list for
 * a frame must be absent from tshark's decode of it.
 */
#include <arpa/inet.h>

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_auth.h"
#include "lisp_data.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "lisp_net.h"

#define MAX_COLS	256
#define MAX_FRAMES	128
#define PKT_MAX		4096
#define KEY		"password"

/*
 * The only expert messages tshark 4.0.17 may show: LCAF types it does
 * not dissect (header only), and its note on vendor-specific data.
 */
#define NOT_DISSECTED	"Not dissected yet (report to wireshark.org)"
#define VENDOR_NOTE	"Look up the vendor's OUI (IEEE 802-2001) and " \
			"contact them for support on decoding this field"

/* Expected values: frames x columns, each a comma-joined list. */
static char	*colname[MAX_COLS];
static int	 ncols;
static char	*val[MAX_FRAMES][MAX_COLS];
static int	 nframes;
static FILE	*pcap;

static int
col_index(const char *name)
{
	int	 i;

	for (i = 0; i < ncols; i++)
		if (strcmp(colname[i], name) == 0)
			return i;
	if (ncols == MAX_COLS)
		errx(1, "too many columns");
	if ((colname[ncols] = strdup(name)) == NULL)
		err(1, NULL);
	return ncols++;
}

/* Append one value of field col to the frame being built. */
static void __attribute__((format(printf, 2, 3)))
ex(const char *col, const char *fmt, ...)
{
	char	 v[1024], *n;
	char	**slot;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	slot = &val[nframes][col_index(col)];
	if (*slot == NULL)
		n = strdup(v);
	else if (asprintf(&n, "%s,%s", *slot, v) == -1)
		n = NULL;
	if (n == NULL)
		err(1, NULL);
	free(*slot);
	*slot = n;
}

static void
ex_hex(const char *col, const uint8_t *p, size_t n)
{
	char	 s[2 * PKT_MAX + 1];
	size_t	 i;

	for (i = 0; i < n && i < PKT_MAX; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * i] = '\0';
	ex(col, "%s", s);
}

static const char *
ntop4(struct in_addr a, char *b)
{
	return inet_ntop(AF_INET, &a, b, INET6_ADDRSTRLEN);
}

static const char *
ntop6(const struct in6_addr *a, char *b)
{
	return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
}

/* --- addresses ---------------------------------------------------- */

static struct lisp_addr
A4(const char *s)
{
	struct lisp_addr	 a;

	memset(&a, 0, sizeof(a));
	a.afi = LISP_AFI_IPV4;
	if (inet_pton(AF_INET, s, &a.u.v4) != 1)
		errx(1, "bad v4 %s", s);
	return a;
}

static struct lisp_addr
A6(const char *s)
{
	struct lisp_addr	 a;

	memset(&a, 0, sizeof(a));
	a.afi = LISP_AFI_IPV6;
	if (inet_pton(AF_INET6, s, &a.u.v6) != 1)
		errx(1, "bad v6 %s", s);
	return a;
}

static struct lisp_addr
LCAF(uint8_t type, uint8_t flags, uint8_t rsvd2, struct lcaf **out)
{
	struct lisp_addr	 a;

	memset(&a, 0, sizeof(a));
	a.afi = LISP_AFI_LCAF;
	if ((a.u.lcaf = calloc(1, sizeof(*a.u.lcaf))) == NULL)
		err(1, NULL);
	a.u.lcaf->type = type;
	a.u.lcaf->flags = flags;
	a.u.lcaf->rsvd2 = rsvd2;
	*out = a.u.lcaf;
	return a;
}

static struct lisp_addr
IID(uint32_t iid, struct lisp_addr inner)
{
	struct lisp_addr	 a;
	struct lcaf		*l;

	a = LCAF(LCAF_IID, 0, 0, &l);
	l->u.iid.iid = iid;
	l->u.iid.addr = inner;
	return a;
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		err(1, NULL);
	return p;
}

static struct lisp_addr *
addrs(size_t n, ...)
{
	struct lisp_addr	*v = xcalloc(n, sizeof(*v));
	va_list			 ap;
	size_t			 i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		v[i] = va_arg(ap, struct lisp_addr);
	va_end(ap);
	return v;
}

/*
 * Expected fields of a plain address in a context that has its own
 * field names (pre.afi, pre.ipv4, pre.ipv6 or the given variants).
 */
struct ctx {
	const char	*afi, *v4, *v6, *mac;
};

static void ex_lcaf(const struct lcaf *);

static void
ex_addr(const struct ctx *c, const struct lisp_addr *a)
{
	char	 b[INET6_ADDRSTRLEN];

	if (c->afi != NULL)
		ex(c->afi, "%u", a->afi);
	switch (a->afi) {
	case LISP_AFI_IPV4:
		ex(c->v4, "%s", ntop4(a->u.v4, b));
		break;
	case LISP_AFI_IPV6:
		ex(c->v6, "%s", ntop6(&a->u.v6, b));
		break;
	case LISP_AFI_MAC:
		ex(c->mac, "%02x:%02x:%02x:%02x:%02x:%02x", a->u.mac[0],
		    a->u.mac[1], a->u.mac[2], a->u.mac[3], a->u.mac[4],
		    a->u.mac[5]);
		break;
	case LISP_AFI_LCAF:
		ex_lcaf(a->u.lcaf);
		break;
	}
}

#define CTX(p)	(&(struct ctx){ p ".afi", p ".ipv4", p ".ipv6", p ".mac" })

static void
ex_lcaf(const struct lcaf *l)
{
	size_t	 i, len;
	struct lisp_addr tmp;

	tmp.afi = LISP_AFI_LCAF;
	tmp.u.lcaf = (struct lcaf *)(uintptr_t)l;
	len = lisp_addr_wire_len(&tmp) - 8;
	ex("lisp.lcaf.type", "%u", l->type);
	ex("lisp.lcaf.length", "%zu", len);
	switch (l->type) {
	case LCAF_AFI_LIST:
		for (i = 0; i < l->u.list.n; i++)
			ex_addr(CTX("lisp.lcaf.afi_list"), &l->u.list.addrs[i]);
		break;
	case LCAF_IID:
		ex("lisp.lcaf.iid", "%u", l->u.iid.iid);
		ex_addr(CTX("lisp.lcaf.iid"), &l->u.iid.addr);
		break;
	case LCAF_ASN:
		ex("lisp.lcaf.asn", "%u", l->u.asn.asn);
		ex_addr(CTX("lisp.lcaf.asn"), &l->u.asn.addr);
		break;
	case LCAF_GEO:
		/* Our codec keeps the body raw; geo_body() wrote it. */
		ex("lisp.lcaf.geo.lat.hemisphere", "1");
		ex("lisp.lcaf.geo.lat.deg", "37");
		ex("lisp.lcaf.geo.lat.min", "46");
		ex("lisp.lcaf.geo.lat.sec", "30");
		ex("lisp.lcaf.geo.lon.hemisphere", "0");
		ex("lisp.lcaf.geo.lon.deg", "122");
		ex("lisp.lcaf.geo.lon.min", "25");
		ex("lisp.lcaf.geo.lon.sec", "10");
		ex("lisp.lcaf.geo.afi", "1");
		ex("lisp.lcaf.geo.ipv4", "192.0.2.77");
		break;
	case LCAF_NATT:
		ex("lisp.lcaf.natt.msport", "%u", l->u.natt.ms_port);
		ex("lisp.lcaf.natt.etrport", "%u", l->u.natt.etr_port);
		ex_addr(CTX("lisp.lcaf.natt.rloc"), &l->u.natt.global_etr);
		ex_addr(CTX("lisp.lcaf.natt.rloc"), &l->u.natt.ms);
		ex_addr(CTX("lisp.lcaf.natt.rloc"), &l->u.natt.private_etr);
		for (i = 0; i < l->u.natt.n_rtr; i++)
			ex_addr(CTX("lisp.lcaf.natt.rloc"), &l->u.natt.rtr[i]);
		break;
	case LCAF_MCAST_INFO:
		/* RFC 8060 4.5: R/L/J are the low bits of Rsvd2. */
		ex("lisp.lcaf.mcinfo.flags", "%u", l->rsvd2);
		ex("lisp.lcaf.mcinfo.flags.rp", "%u", !!(l->rsvd2 & 0x04));
		ex("lisp.lcaf.mcinfo.flags.leave", "%u", !!(l->rsvd2 & 0x02));
		ex("lisp.lcaf_mcinfo.flags.join", "%u", !!(l->rsvd2 & 0x01));
		ex("lisp.lcaf.mcinfo_iid", "%u", l->u.mcast.iid);
		ex("lisp.lcaf.mcinfo.src.masklen", "%u", l->u.mcast.src_mlen);
		ex("lisp.lcaf.mcinfo.grp.masklen", "%u", l->u.mcast.grp_mlen);
		ex_addr(CTX("lisp.lcaf.mcinfo.src"), &l->u.mcast.src);
		ex_addr(CTX("lisp.lcaf.mcinfo.grp"), &l->u.mcast.grp);
		break;
	case LCAF_ELP:
		for (i = 0; i < l->u.elp.n; i++) {
			const struct lcaf_elp_hop *h = &l->u.elp.hops[i];

			ex("lisp.lcaf.elp_hop.flags", "%u", h->flags);
			ex("lisp.lcaf.elp_hop.flags.local", "%u",
			    !!(h->flags & LCAF_ELP_L));
			ex("lisp.lcaf.elp_hop.flags.probe", "%u",
			    !!(h->flags & LCAF_ELP_P));
			ex("lisp.lcaf_elp_hop.flags.strict", "%u",
			    !!(h->flags & LCAF_ELP_S));
			ex_addr(CTX("lisp.lcaf.elp_hop"), &h->addr);
		}
		break;
	case LCAF_SRCDST:
		ex("lisp.lcaf.srcdst.src.masklen", "%u", l->u.srcdst.src_mlen);
		ex("lisp.lcaf.srcdst.dst.masklen", "%u", l->u.srcdst.dst_mlen);
		ex_addr(CTX("lisp.lcaf.srcdst.src"), &l->u.srcdst.src);
		ex_addr(CTX("lisp.lcaf.srcdst.dst"), &l->u.srcdst.dst);
		break;
	case LCAF_RLE:
		for (i = 0; i < l->u.rle.n; i++) {
			ex("lisp.lcaf.rle_entry.level", "%u",
			    l->u.rle.entries[i].level);
			ex_addr(CTX("lisp.lcaf.rle_entry"),
			    &l->u.rle.entries[i].addr);
		}
		break;
	case LCAF_KV:
		ex_addr(CTX("lisp.lcaf.kv_key"), &l->u.kv.key);
		ex_addr(CTX("lisp.lcaf.kv_value"), &l->u.kv.value);
		break;
	case LCAF_VENDOR:
		ex("lisp.lcaf.vendor.oui", "%u", (unsigned)l->u.raw.bytes[1] <<
		    16 | (unsigned)l->u.raw.bytes[2] << 8 | l->u.raw.bytes[3]);
		ex_hex("lisp.lcaf.vendor.data", l->u.raw.bytes + 4,
		    l->u.raw.len - 4u);
		break;
	default:
		/*
		 * Security Key (11), JSON (14) and the rest: tshark 4.0
		 * shows the header only ("Not dissected yet"), see the
		 * expert column set by the caller.
		 */
		break;
	}
}

/* --- records ------------------------------------------------------- */

static struct lisp_locator
LOC(struct lisp_addr a, uint8_t prio, uint8_t w, uint16_t flags)
{
	struct lisp_locator	 l;

	memset(&l, 0, sizeof(l));
	l.priority = prio;
	l.weight = w;
	l.mpriority = 255;
	l.mweight = 0;
	l.flags = flags;
	l.addr = a;
	return l;
}

static struct lisp_eid_record
REC(struct lisp_addr eid, uint8_t mlen, uint32_t ttl, uint8_t act,
    uint8_t flags, uint16_t ver, size_t nloc, ...)
{
	struct lisp_eid_record	 r;
	va_list			 ap;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	r.eid = eid;
	r.mask_len = mlen;
	r.ttl = ttl;
	r.act = act;
	r.flags = flags;
	r.version = ver;
	r.loc_count = nloc;
	r.locs = nloc ? xcalloc(nloc, sizeof(*r.locs)) : NULL;
	va_start(ap, nloc);
	for (i = 0; i < nloc; i++)
		r.locs[i] = va_arg(ap, struct lisp_locator);
	va_end(ap);
	return r;
}

static void
ex_record(const struct lisp_eid_record *r, int referral)
{
	char			 b[INET6_ADDRSTRLEN];
	const struct lisp_locator *l;
	size_t			 i;

	ex("lisp.mapping.ttl", "%u", r->ttl);
	ex("lisp.mapping.loccnt", "%zu", r->loc_count);
	ex("lisp.mapping.eid.masklen", "%u", r->mask_len);
	ex("lisp.mapping.act", "%u", r->act);
	ex("lisp.mapping.auth", "%u", !!(r->flags & LISP_REC_A));
	if (referral) {
		ex("lisp.referral.incomplete", "%u", !!(r->flags & LISP_REC_I));
		ex("lisp.referral.sigcnt", "%zu", r->sig_count);
	}
	ex("lisp.mapping.ver", "%u", r->version);
	ex_addr(CTX("lisp.mapping.eid"), &r->eid);
	for (i = 0; i < r->loc_count; i++) {
		l = &r->locs[i];
		ex("lisp.loc.priority", "%u", l->priority);
		ex("lisp.loc.weight", "%u", l->weight);
		ex("lisp.loc.multicast_priority", "%u", l->mpriority);
		ex("lisp.loc.multicast_weight", "%u", l->mweight);
		ex("lisp.loc.flags", "%u", l->flags);
		ex("lisp.loc.flags.local", "%u", !!(l->flags & LISP_LOC_L));
		ex("lisp.loc.flags.probe", "%u", !!(l->flags & LISP_LOC_P));
		ex("lisp.loc.flags.reach", "%u", !!(l->flags & LISP_LOC_R));
		ex("lisp.loc.afi", "%u", l->addr.afi);
		if (l->addr.afi == LISP_AFI_IPV4)
			ex("lisp.loc.locator", "%s", ntop4(l->addr.u.v4, b));
		else if (l->addr.afi == LISP_AFI_IPV6)
			ex("lisp.loc.locator", "%s", ntop6(&l->addr.u.v6, b));
		else if (l->addr.afi == LISP_AFI_LCAF)
			ex_lcaf(l->addr.u.lcaf);
	}
}

/* --- packets ------------------------------------------------------- */

static void
pcap_open(const char *path)
{
	struct wbuf	 wb;
	uint8_t		 h[24];

	if ((pcap = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	/* pcap header, written big-endian (the magic says so). */
	wbuf_init(&wb, h, sizeof(h));
	wbuf_put_u32(&wb, 0xa1b2c3d4);
	wbuf_put_u16(&wb, 2);
	wbuf_put_u16(&wb, 4);
	wbuf_put_u32(&wb, 0);
	wbuf_put_u32(&wb, 0);
	wbuf_put_u32(&wb, 65535);
	wbuf_put_u32(&wb, 101);		/* LINKTYPE_RAW */
	fwrite(h, 1, sizeof(h), pcap);
}

static void
pcap_frame(const uint8_t *p, size_t n)
{
	struct wbuf	 wb;
	uint8_t		 h[16];

	wbuf_init(&wb, h, sizeof(h));
	wbuf_put_u32(&wb, 1700000000u + (uint32_t)nframes);
	wbuf_put_u32(&wb, 0);
	wbuf_put_u32(&wb, (uint32_t)n);
	wbuf_put_u32(&wb, (uint32_t)n);
	fwrite(h, 1, sizeof(h), pcap);
	fwrite(p, 1, n, pcap);
}

/*
 * Wrap payload in IPv4/IPv6 + UDP (checksums computed), write the frame
 * and the expected IP/UDP fields.  src/dst are text addresses.
 */
static void
emit_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport,
    const uint8_t *pl, size_t n)
{
	uint8_t		 pkt[PKT_MAX];
	struct wbuf	 wb;
	struct in_addr	 s4, d4;
	struct in6_addr	 s6, d6;
	size_t		 udp_at, ulen = 8 + n;
	int		 v6 = strchr(src, ':') != NULL;

	wbuf_init(&wb, pkt, sizeof(pkt));
	if (!v6) {
		inet_pton(AF_INET, src, &s4);
		inet_pton(AF_INET, dst, &d4);
		wbuf_put_u8(&wb, 0x45);
		wbuf_put_u8(&wb, 0);
		wbuf_put_u16(&wb, (uint16_t)(20 + ulen));
		wbuf_put_u16(&wb, (uint16_t)(0x1000 + nframes));
		wbuf_put_u16(&wb, 0x4000);		/* DF */
		wbuf_put_u8(&wb, 64);
		wbuf_put_u8(&wb, IPPROTO_UDP);
		wbuf_put_u16(&wb, 0);
		wbuf_put_bytes(&wb, &s4, 4);
		wbuf_put_bytes(&wb, &d4, 4);
		wbuf_set_u16(&wb, 10, lisp_net_cksum(pkt, 20));
		ex("ip.src", "%s", src);
		ex("ip.dst", "%s", dst);
		ex("ip.checksum.status", "1");
	} else {
		inet_pton(AF_INET6, src, &s6);
		inet_pton(AF_INET6, dst, &d6);
		wbuf_put_u32(&wb, 0x60000000);
		wbuf_put_u16(&wb, (uint16_t)ulen);
		wbuf_put_u8(&wb, IPPROTO_UDP);
		wbuf_put_u8(&wb, 64);
		wbuf_put_bytes(&wb, &s6, 16);
		wbuf_put_bytes(&wb, &d6, 16);
		ex("ipv6.src", "%s", src);
		ex("ipv6.dst", "%s", dst);
	}
	udp_at = wbuf_len(&wb);
	wbuf_put_u16(&wb, sport);
	wbuf_put_u16(&wb, dport);
	wbuf_put_u16(&wb, (uint16_t)ulen);
	wbuf_put_u16(&wb, 0);
	wbuf_put_bytes(&wb, pl, n);
	if (wbuf_failed(&wb))
		errx(1, "frame %d too big", nframes + 1);
	wbuf_set_u16(&wb, udp_at + 6, v6 ?
	    lisp_net_udp6_cksum(&s6, &d6, pkt + udp_at, ulen) :
	    lisp_net_udp4_cksum(s4, d4, pkt + udp_at, ulen));
	ex("udp.srcport", "%u", sport);
	ex("udp.dstport", "%u", dport);
	ex("udp.checksum.status", "1");
	pcap_frame(pkt, wbuf_len(&wb));
}

static size_t
encode(const struct lisp_msg *m, uint8_t *buf, size_t cap)
{
	struct wbuf	 wb;
	int		 rc;

	wbuf_init(&wb, buf, cap);
	if ((rc = lisp_msg_encode(&wb, m)) != 0)
		errx(1, "frame %d: encode: %s", nframes + 1,
		    lisp_strerror(rc));
	return wbuf_len(&wb);
}

/* HMAC with OpenSSL's one-shot API over the message, auth zeroed. */
static void
ex_hmac(const uint8_t *msg, size_t n, uint8_t alg, size_t alen)
{
	uint8_t		 copy[PKT_MAX], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	memcpy(copy, msg, n);
	memset(copy + 16, 0, alen);
	if (HMAC(alg == LISP_AUTH_HMAC_SHA1 ? EVP_sha1() : EVP_sha256(),
	    KEY, (int)strlen(KEY), copy, n, md, &mdlen) == NULL)
		errx(1, "HMAC");
	if (mdlen != alen || memcmp(md, msg + 16, alen) != 0)
		errx(1, "frame %d: lisp_auth_sign disagrees with HMAC()",
		    nframes + 1);
	ex_hex("lisp.auth", md, mdlen);
}

static void
next_frame(void)
{
	if (++nframes == MAX_FRAMES)
		errx(1, "too many frames");
}

/*
 * Send a control message; the caller has added the LISP fields.  after,
 * when set, adds fields that follow the outer IP/UDP ones (ECM inner).
 */
static void
send_ctrl_after(const char *src, const char *dst, struct lisp_msg *m,
    void (*after)(int), int arg)
{
	uint8_t		 buf[PKT_MAX];
	size_t		 n, alen;
	int		 rc;

	n = encode(m, buf, sizeof(buf));
	if (m->type == LISP_MAP_REGISTER || m->type == LISP_MAP_NOTIFY ||
	    m->type == LISP_MAP_NOTIFY_ACK) {
		alen = m->u.mreg.auth_len;
		if ((rc = lisp_auth_sign(buf, n, 16, m->u.mreg.alg_id,
		    (const uint8_t *)KEY, strlen(KEY))) != 0)
			errx(1, "sign: %s", lisp_strerror(rc));
		if (m->type != LISP_MAP_NOTIFY_ACK)
			ex_hmac(buf, n, m->u.mreg.alg_id, alen);
	}
	emit_udp(src, dst, m->type == LISP_MAP_REPLY ? 4342 : 61001,
	    4342, buf, n);
	if (after != NULL)
		after(arg);
	lisp_msg_free(m);
	next_frame();
}

static void
send_ctrl(const char *src, const char *dst, struct lisp_msg *m)
{
	send_ctrl_after(src, dst, m, NULL, 0);
}

/* --- messages ------------------------------------------------------ */

static void
build_mreq(struct lisp_msg *m, uint16_t flags, uint64_t nonce,
    struct lisp_addr src, size_t nitr, struct lisp_addr *itr, size_t nrec,
    struct lisp_mreq_record *recs, struct lisp_eid_record *mr)
{
	struct lisp_map_request	*q = &m->u.mreq;
	size_t			 i;

	memset(m, 0, sizeof(*m));
	m->type = LISP_MAP_REQUEST;
	q->flags = flags;
	q->nonce = nonce;
	q->src_eid = src;
	q->itr_rloc_count = nitr;
	q->itr_rlocs = itr;
	q->rec_count = nrec;
	q->recs = recs;
	q->map_reply = mr;

	ex("lisp.type", "%u", m->type);
	ex("lisp.mreq.flags.auth", "%u", !!(flags & LISP_MREQ_A));
	ex("lisp.mreq.flags.mrp", "%u", !!(flags & LISP_MREQ_M));
	ex("lisp.mreq.flags.probe", "%u", !!(flags & LISP_MREQ_P));
	ex("lisp.mreq.flags.smr", "%u", !!(flags & LISP_MREQ_S));
	ex("lisp.mreq.flags.pitr", "%u", !!(flags & LISP_MREQ_PITR));
	ex("lisp.mreq.flags.smri", "%u", !!(flags & LISP_MREQ_SMRI));
	/* tshark 4.0 has no L/D fields: they are its reserved bits 1, 0. */
	ex("lisp.mreq.res", "%u", (flags & LISP_MREQ_L ? 2 : 0) |
	    (flags & LISP_MREQ_D ? 1 : 0));
	ex("lisp.irc", "%zu", nitr - 1);
	ex("lisp.records", "%zu", nrec);
	ex("lisp.nonce", "%llu", (unsigned long long)nonce);
	ex_addr(&(struct ctx){ "lisp.mreq.srceid.afi",
	    "lisp.mreq.srceid.ipv4", "lisp.mreq.srceid_ipv6",
	    "lisp.mreq.srceid.mac" }, &src);
	for (i = 0; i < nitr; i++)
		ex_addr(&(struct ctx){ "lisp.mreq.itr_rloc.afi",
		    "lisp.mreq.itr_rloc_ipv4", "lisp.mreq.itr_rloc_ipv6",
		    NULL }, &itr[i]);
	for (i = 0; i < nrec; i++) {
		ex("lisp.mreq.record.prefix.length", "%u", recs[i].mask_len);
		ex_addr(CTX("lisp.mreq.record.prefix"), &recs[i].eid);
	}
	if (mr != NULL)
		ex_record(mr, 0);
}

static struct lisp_mreq_record *
mrecs(size_t n, ...)
{
	struct lisp_mreq_record	*v = xcalloc(n, sizeof(*v));
	va_list			 ap;
	size_t			 i;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		v[i].eid = va_arg(ap, struct lisp_addr);
		v[i].mask_len = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
	return v;
}

static void
gen_map_requests(void)
{
	struct lisp_msg		 m;
	struct lisp_eid_record	*mr;
	static const uint16_t	 fl[] = {
		0, LISP_MREQ_A, LISP_MREQ_P, LISP_MREQ_S | LISP_MREQ_SMRI,
		LISP_MREQ_PITR, LISP_MREQ_L, LISP_MREQ_D,
		LISP_MREQ_A | LISP_MREQ_P | LISP_MREQ_S | LISP_MREQ_PITR |
		    LISP_MREQ_SMRI | LISP_MREQ_L | LISP_MREQ_D,
	};
	size_t			 i;

	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		build_mreq(&m, fl[i], 0x1122334455660000ULL + i,
		    A4("192.0.2.10"), 1, addrs(1, A4("198.51.100.1")),
		    1, mrecs(1, A4("203.0.113.0"), 24), NULL);
		send_ctrl("198.51.100.1", "198.51.100.200", &m);
	}
	/* Several ITR-RLOCs (v4 + v6), IID-LCAF source and targets. */
	build_mreq(&m, LISP_MREQ_SMRI, 0xdeadbeef00000001ULL,
	    IID(1000, A4("192.0.2.10")), 4, addrs(4, A4("198.51.100.1"),
	    A6("2001:db8:1::1"), A4("198.51.100.2"), A6("2001:db8:2::2")),
	    2, mrecs(2, IID(1000, A4("203.0.113.0")), 24,
	    IID(1000, A6("2001:db8:ee::")), 48), NULL);
	send_ctrl("198.51.100.1", "198.51.100.200", &m);
	/* IPv6 outer, IPv6 source EID, no-address source. */
	build_mreq(&m, 0, 0x0102030405060708ULL, A6("2001:db8:aa::1"),
	    1, addrs(1, A6("2001:db8:1::1")), 1,
	    mrecs(1, A6("2001:db8:bb::"), 64), NULL);
	send_ctrl("2001:db8:1::1", "2001:db8:ff::1", &m);
	build_mreq(&m, LISP_MREQ_P, 7, (struct lisp_addr){ .afi = 0 },
	    1, addrs(1, A4("198.51.100.1")), 1,
	    mrecs(1, A4("192.0.2.0"), 24), NULL);
	send_ctrl("198.51.100.1", "198.51.100.200", &m);
	/* M: a Map-Reply record rides along (SMR with map data). */
	mr = xcalloc(1, sizeof(*mr));
	*mr = REC(A4("192.0.2.0"), 24, 1440, 0, LISP_REC_A, 3, 2,
	    LOC(A4("198.51.100.1"), 1, 50, LISP_LOC_L | LISP_LOC_R),
	    LOC(A6("2001:db8:1::1"), 2, 50, LISP_LOC_R));
	build_mreq(&m, LISP_MREQ_M | LISP_MREQ_S, 0xabcdef0123456789ULL,
	    A4("192.0.2.1"), 1, addrs(1, A4("198.51.100.1")), 1,
	    mrecs(1, A4("203.0.113.0"), 24), mr);
	send_ctrl("198.51.100.1", "198.51.100.200", &m);
}

static void
mrep_start(struct lisp_msg *m, uint8_t flags, uint64_t nonce, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->type = LISP_MAP_REPLY;
	m->u.mrep.flags = flags;
	m->u.mrep.nonce = nonce;
	m->u.mrep.rec_count = n;
	m->u.mrep.recs = xcalloc(n, sizeof(struct lisp_eid_record));
	ex("lisp.type", "2");
	ex("lisp.mrep.flags.probe", "%u", !!(flags & LISP_MREP_P));
	ex("lisp.mrep.flags.enlr", "%u", !!(flags & LISP_MREP_E));
	ex("lisp.mrep.flags.sec", "%u", !!(flags & LISP_MREP_S));
	ex("lisp.records", "%zu", n);
	ex("lisp.nonce", "%llu", (unsigned long long)nonce);
}

static void
mrep_done(struct lisp_msg *m, const char *src, const char *dst)
{
	size_t	 i;

	for (i = 0; i < m->u.mrep.rec_count; i++)
		ex_record(&m->u.mrep.recs[i], 0);
	send_ctrl(src, dst, m);
}

static void
geo_body(struct lcaf *l)
{
	static const uint8_t	 g[] = {
		0x80, 37, 46, 30,	/* N 37 deg 46' 30" */
		0x00, 122, 25, 10,	/* W 122 deg 25' 10" */
		0x00, 0x00, 0x00, 100,	/* altitude */
		0x00, 0x01, 192, 0, 2, 77,
	};

	l->u.raw.len = sizeof(g);
	l->u.raw.bytes = xcalloc(1, sizeof(g));
	memcpy(l->u.raw.bytes, g, sizeof(g));
}

/* One LCAF locator of each type tshark 4.0 dissects (or not). */
static struct lisp_addr
lcaf_sample(uint8_t type, const char **expert)
{
	struct lisp_addr	 a;
	struct lcaf		*l;

	*expert = NULL;
	a = LCAF(type, 0, 0, &l);
	switch (type) {
	case LCAF_AFI_LIST:
		l->u.list.n = 2;
		l->u.list.addrs = addrs(2, A4("198.51.100.7"),
		    A6("2001:db8:7::7"));
		break;
	case LCAF_IID:
		l->u.iid.iid = 0xFFFFFF;
		l->u.iid.addr = A6("2001:db8:7::8");
		break;
	case LCAF_ASN:
		l->u.asn.asn = 64496;
		l->u.asn.addr = A4("198.51.100.8");
		break;
	case LCAF_GEO:
		geo_body(l);
		break;
	case LCAF_NATT:
		l->u.natt.ms_port = 4342;
		l->u.natt.etr_port = 61002;
		l->u.natt.global_etr = A4("203.0.113.9");
		l->u.natt.ms = A4("198.51.100.200");
		l->u.natt.private_etr = A4("192.0.2.9");
		l->u.natt.n_rtr = 2;
		l->u.natt.rtr = addrs(2, A4("198.51.100.30"),
		    A4("198.51.100.31"));
		break;
	case LCAF_MCAST_INFO:
		l->rsvd2 = 0x01;		/* J */
		l->u.mcast.iid = 77;
		l->u.mcast.src_mlen = 32;
		l->u.mcast.grp_mlen = 32;
		l->u.mcast.src = A4("192.0.2.50");
		l->u.mcast.grp = A4("233.252.0.1");
		break;
	case LCAF_ELP:
		l->u.elp.n = 3;
		l->u.elp.hops = xcalloc(3, sizeof(*l->u.elp.hops));
		l->u.elp.hops[0].flags = LCAF_ELP_L;
		l->u.elp.hops[0].addr = A4("198.51.100.40");
		l->u.elp.hops[1].flags = LCAF_ELP_P | LCAF_ELP_S;
		l->u.elp.hops[1].addr = A4("198.51.100.41");
		l->u.elp.hops[2].flags = 0;
		l->u.elp.hops[2].addr = A6("2001:db8:41::1");
		break;
	case LCAF_SECKEY:
		l->u.seckey.key_count = 1;
		l->u.seckey.cipher_suite = 5;
		l->u.seckey.key_len[0] = 32;
		l->u.seckey.key[0] = xcalloc(1, 32);
		memset(l->u.seckey.key[0], 0x5a, 32);
		l->u.seckey.addr = A4("198.51.100.9");
		*expert = NOT_DISSECTED;
		break;
	case LCAF_SRCDST:
		l->u.srcdst.src_mlen = 24;
		l->u.srcdst.dst_mlen = 16;
		l->u.srcdst.src = A4("192.0.2.0");
		l->u.srcdst.dst = A4("198.51.0.0");
		break;
	case LCAF_RLE:
		l->u.rle.n = 2;
		l->u.rle.entries = xcalloc(2, sizeof(*l->u.rle.entries));
		l->u.rle.entries[0].level = 1;
		l->u.rle.entries[0].addr = A4("198.51.100.60");
		l->u.rle.entries[1].level = 2;
		l->u.rle.entries[1].addr = A6("2001:db8:60::1");
		break;
	case LCAF_JSON:
		l->u.json.len = 15;
		if ((l->u.json.text = strdup("{\"site\":\"lab\"}")) == NULL)
			err(1, NULL);
		l->u.json.len = (uint16_t)strlen(l->u.json.text);
		l->u.json.addr = A4("198.51.100.61");
		*expert = NOT_DISSECTED;
		break;
	case LCAF_KV:
		l->u.kv.key = A4("192.0.2.70");
		l->u.kv.value = A6("2001:db8:70::1");
		break;
	case LCAF_VENDOR:
		l->u.raw.len = 8;
		l->u.raw.bytes = xcalloc(1, 8);
		memcpy(l->u.raw.bytes, "\x00\x00\x00\x0c\xde\xad\xbe\xef", 8);
		*expert = VENDOR_NOTE;
		break;
	}
	return a;
}

static void
gen_map_replies(void)
{
	static const uint8_t	 types[] = {
		LCAF_AFI_LIST, LCAF_IID, LCAF_ASN, LCAF_GEO, LCAF_NATT,
		LCAF_MCAST_INFO, LCAF_ELP, LCAF_SECKEY, LCAF_SRCDST, LCAF_RLE,
		LCAF_JSON, LCAF_KV, LCAF_VENDOR,
	};
	struct lisp_msg		 m;
	struct lisp_eid_record	*r;
	const char		*expert;
	size_t			 i;
	uint8_t			 act;

	/* Positive: several locators, flags L/p/R. */
	mrep_start(&m, 0, 0x1111111111111111ULL, 2);
	r = m.u.mrep.recs;
	r[0] = REC(A4("192.0.2.0"), 24, 1440, 0, LISP_REC_A, 17, 3,
	    LOC(A4("198.51.100.1"), 1, 100, LISP_LOC_L | LISP_LOC_R),
	    LOC(A4("198.51.100.2"), 1, 0, LISP_LOC_P | LISP_LOC_R),
	    LOC(A6("2001:db8:1::1"), 255, 0, 0));
	r[1] = REC(IID(4096, A4("192.0.2.128")), 25, 60, 0, 0, 0xFFF, 1,
	    LOC(A4("198.51.100.3"), 5, 10, LISP_LOC_R));
	mrep_done(&m, "198.51.100.200", "198.51.100.1");
	/* Negative, every ACT. */
	mrep_start(&m, 0, 0x2222222222222222ULL, 6);
	for (act = 0; act <= 5; act++)
		m.u.mrep.recs[act] = REC(A4("203.0.113.0"), (uint8_t)(24 + act),
		    15, act, act & 1 ? LISP_REC_A : 0, 0, 0);
	mrep_done(&m, "198.51.100.200", "198.51.100.1");
	/* Probe reply, E bit, IPv6 everywhere, IID-LCAF v6 EID. */
	mrep_start(&m, LISP_MREP_P | LISP_MREP_E, 0x3333333333333333ULL, 2);
	r = m.u.mrep.recs;
	r[0] = REC(A6("2001:db8:aa::"), 48, 1440, 0, LISP_REC_A, 1, 2,
	    LOC(A6("2001:db8:1::1"), 1, 100, LISP_LOC_L | LISP_LOC_P |
	    LISP_LOC_R),
	    LOC(A4("198.51.100.1"), 2, 100, LISP_LOC_R));
	r[1] = REC(IID(5, A6("2001:db8:bb::")), 64, 10, 0, LISP_REC_A, 2, 1,
	    LOC(A6("2001:db8:2::2"), 1, 1, LISP_LOC_R));
	mrep_done(&m, "2001:db8:ff::1", "2001:db8:1::1");
	/* One Map-Reply per LCAF locator type. */
	for (i = 0; i < sizeof(types); i++) {
		mrep_start(&m, 0, 0x4444000000000000ULL + types[i], 1);
		m.u.mrep.recs[0] = REC(A4("192.0.2.0"), 24, 1440, 0,
		    LISP_REC_A, 0, 2,
		    LOC(A4("198.51.100.1"), 1, 100, LISP_LOC_R),
		    LOC(lcaf_sample(types[i], &expert), 1, 0, LISP_LOC_R));
		if (expert != NULL)
			ex("_ws.expert.message", "%s", expert);
		mrep_done(&m, "198.51.100.200", "198.51.100.1");
	}
}

static void
mreg_start(struct lisp_msg *m, uint8_t type, uint16_t flags, uint64_t nonce,
    uint8_t key_id, uint8_t alg, size_t nrec)
{
	struct lisp_map_register *g = &m->u.mreg;

	memset(m, 0, sizeof(*m));
	m->type = type;
	g->flags = flags;
	g->nonce = nonce;
	g->key_id = key_id;
	g->alg_id = alg;
	g->auth_len = (uint16_t)lisp_auth_len(alg);
	g->rec_count = nrec;
	g->recs = xcalloc(nrec, sizeof(struct lisp_eid_record));
	ex("lisp.type", "%u", type);
	if (type == LISP_MAP_REGISTER) {
		ex("lisp.mreg.flags.pmr", "%u", !!(flags & LISP_MREG_P));
		ex("lisp.mreg.flags.sec", "%u", !!(flags & LISP_MREG_S));
		ex("lisp.mreg.flags.xtrid", "%u", !!(flags & LISP_MREG_I));
		ex("lisp.mreg.flags.rtr", "%u", !!(flags & LISP_MREG_R));
		ex("lisp.mreg.flags.wmn", "%u", !!(flags & LISP_MREG_M));
	} else if (type == LISP_MAP_NOTIFY) {
		ex("lisp.mnot.flags.xtrid", "%u", !!(flags & LISP_MNOT_I));
		ex("lisp.mnot.flags.rtr", "%u", !!(flags & LISP_MNOT_R));
	}
	if (type == LISP_MAP_NOTIFY_ACK) {
		/* tshark 4.0 knows no type 5: only the type is decoded. */
		ex("_ws.col.Info~", "Unknown LISP Control Packet");
		return;
	}
	ex("lisp.records", "%zu", nrec);
	ex("lisp.nonce", "%llu", (unsigned long long)nonce);
	ex("lisp.keyid", "%u", (unsigned)key_id << 8 | alg);
	ex("lisp.authlen", "%u", g->auth_len);
}

static void
mreg_done(struct lisp_msg *m, const char *src, const char *dst)
{
	struct lisp_map_register *g = &m->u.mreg;
	size_t			 i;

	if (m->type != LISP_MAP_NOTIFY_ACK) {
		for (i = 0; i < g->rec_count; i++)
			ex_record(&g->recs[i], 0);
		if (g->flags & LISP_MREG_I) {	/* same bit value for notify */
			ex_hex("lisp.xtrid", g->xtr_id, LISP_XTR_ID_LEN);
			ex("lisp.siteid", "%016llx",
			    (unsigned long long)g->site_id);
		}
	}
	send_ctrl(src, dst, m);
}

static void
set_xtr(struct lisp_map_register *g)
{
	size_t	 i;

	for (i = 0; i < LISP_XTR_ID_LEN; i++)
		g->xtr_id[i] = (uint8_t)(0xa0 + i);
	g->site_id = 0x0000000000000007ULL;
}

static void
gen_registers(void)
{
	struct lisp_msg		 m;
	struct lisp_eid_record	*r;

	/* SHA-1, P and M, two records. */
	mreg_start(&m, LISP_MAP_REGISTER, LISP_MREG_P | LISP_MREG_M,
	    0x5555555555555555ULL, 0, LISP_AUTH_HMAC_SHA1, 2);
	r = m.u.mreg.recs;
	r[0] = REC(A4("192.0.2.0"), 24, 1440, 0, LISP_REC_A, 0, 2,
	    LOC(A4("198.51.100.1"), 1, 50, LISP_LOC_L | LISP_LOC_R),
	    LOC(A4("198.51.100.2"), 1, 50, LISP_LOC_R));
	r[1] = REC(IID(1000, A6("2001:db8:aa::")), 48, 1440, 0, LISP_REC_A,
	    0, 1, LOC(A6("2001:db8:1::1"), 1, 100, LISP_LOC_L | LISP_LOC_R));
	mreg_done(&m, "198.51.100.1", "198.51.100.200");
	/* SHA-256, key-id 1, I with xTR-ID and site-ID, IPv6 outer. */
	mreg_start(&m, LISP_MAP_REGISTER, LISP_MREG_I | LISP_MREG_M |
	    LISP_MREG_R, 0x6666666666666666ULL, 1, LISP_AUTH_HMAC_SHA256, 1);
	set_xtr(&m.u.mreg);
	m.u.mreg.recs[0] = REC(A4("192.0.2.0"), 24, 1440, 0, LISP_REC_A, 0,
	    1, LOC(A4("198.51.100.1"), 1, 100, LISP_LOC_L | LISP_LOC_R));
	mreg_done(&m, "2001:db8:1::1", "2001:db8:ff::1");
	/* Map-Notify: SHA-1, and SHA-256 with I and xTR-ID. */
	mreg_start(&m, LISP_MAP_NOTIFY, 0, 0x5555555555555555ULL, 0,
	    LISP_AUTH_HMAC_SHA1, 1);
	m.u.mreg.recs[0] = REC(A4("192.0.2.0"), 24, 1440, 0, LISP_REC_A, 0,
	    1, LOC(A4("198.51.100.1"), 1, 100, LISP_LOC_R));
	mreg_done(&m, "198.51.100.200", "198.51.100.1");
	mreg_start(&m, LISP_MAP_NOTIFY, LISP_MNOT_I, 0x6666666666666666ULL,
	    2, LISP_AUTH_HMAC_SHA256, 1);
	set_xtr(&m.u.mreg);
	m.u.mreg.recs[0] = REC(IID(7, A4("192.0.2.0")), 24, 1440, 0,
	    LISP_REC_A, 0, 1, LOC(A4("198.51.100.1"), 1, 100, LISP_LOC_R));
	mreg_done(&m, "198.51.100.200", "198.51.100.1");
	/* Map-Notify-Ack (RFC 9301 type 5). */
	mreg_start(&m, LISP_MAP_NOTIFY_ACK, 0, 0x5555555555555555ULL, 0,
	    LISP_AUTH_HMAC_SHA1, 1);
	m.u.mreg.recs[0] = REC(A4("192.0.2.0"), 24, 1440, 0, LISP_REC_A, 0,
	    1, LOC(A4("198.51.100.1"), 1, 100, LISP_LOC_R));
	mreg_done(&m, "198.51.100.1", "198.51.100.200");
}

static void
gen_referrals(void)
{
	struct lisp_msg		 m;
	struct lisp_eid_record	*r;
	uint8_t			 act;

	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REFERRAL;
	m.u.mref.nonce = 0x7777777777777777ULL;
	m.u.mref.rec_count = 6;
	m.u.mref.recs = r = xcalloc(6, sizeof(*r));
	ex("lisp.type", "6");
	ex("lisp.records", "6");
	ex("lisp.nonce", "%llu", (unsigned long long)m.u.mref.nonce);
	for (act = 0; act <= 5; act++) {
		if (act == LISP_REF_NODE_REFERRAL ||
		    act == LISP_REF_MS_REFERRAL)
			r[act] = REC(A4("192.0.2.0"), (uint8_t)(8 + act), 1440,
			    act, LISP_REC_A | (act ? LISP_REC_I : 0), 0, 2,
			    LOC(A4("198.51.100.50"), 1, 0, 0),
			    LOC(A6("2001:db8:50::1"), 1, 0, 0));
		else
			r[act] = REC(IID(9, A4("203.0.113.0")),
			    (uint8_t)(20 + act), 15, act,
			    act == LISP_REF_NOT_AUTH ? LISP_REC_I : LISP_REC_A,
			    0, 0);
		ex_record(&r[act], 1);
	}
	send_ctrl("198.51.100.200", "198.51.100.1", &m);
}

static void
gen_info(void)
{
	struct lisp_msg		 m;
	struct lisp_info	*in = &m.u.info;
	const char		*expert;
	int			 reply;

	for (reply = 0; reply <= 1; reply++) {
		memset(&m, 0, sizeof(m));
		m.type = LISP_INFO;
		in->reply = reply;
		in->nonce = 0x8888888888888888ULL + (uint64_t)reply;
		in->key_id = 0;
		in->alg_id = LISP_AUTH_HMAC_SHA1;
		in->auth_len = LISP_AUTH_SHA1_LEN;
		in->ttl = reply ? 1440 : 0;
		in->mask_len = 24;
		in->eid = A4("192.0.2.0");
		if (reply)
			in->info = lcaf_sample(LCAF_NATT, &expert);
		ex("lisp.type", "7");
		ex("lisp.info.r", "%d", reply);
		ex("lisp.nonce", "%llu", (unsigned long long)in->nonce);
		ex("lisp.keyid", "%u", in->key_id << 8 | in->alg_id);
		ex("lisp.authlen", "%u", in->auth_len);
		ex("lisp.info.ttl", "%u", in->ttl);
		ex("lisp.info.prefix.masklen", "%u", in->mask_len);
		ex_addr(CTX("lisp.info.prefix"), &in->eid);
		ex("lisp.info.afi", "%u", in->info.afi);
		if (reply)
			ex_lcaf(in->info.u.lcaf);
		/* Info messages are signed like Map-Registers. */
		{
			uint8_t	 buf[PKT_MAX];
			size_t	 n = encode(&m, buf, sizeof(buf));

			if (lisp_auth_sign(buf, n, 16, in->alg_id,
			    (const uint8_t *)KEY, strlen(KEY)) != 0)
				errx(1, "sign info");
			ex_hmac(buf, n, in->alg_id, in->auth_len);
			emit_udp(reply ? "198.51.100.200" : "192.0.2.9",
			    reply ? "203.0.113.9" : "198.51.100.200",
			    reply ? 4342 : 61002, reply ? 61002 : 4342,
			    buf, n);
			lisp_msg_free(&m);
			next_frame();
		}
	}
}

static void
ecm_inner(int v6)
{
	if (v6) {
		ex("ipv6.src", "2001:db8:aa::1");
		ex("ipv6.dst", "2001:db8:bb::1");
	} else {
		ex("ip.src", "192.0.2.1");
		ex("ip.dst", "203.0.113.1");
		ex("ip.checksum.status", "1");
	}
	ex("udp.srcport", "61003");
	ex("udp.dstport", "4342");
	ex("udp.checksum.status", "1");
}

static void
gen_ecm(void)
{
	struct lisp_msg		 m, inner;
	uint8_t			 ib[PKT_MAX];
	size_t			 in;
	int			 v6;

	for (v6 = 0; v6 <= 1; v6++) {
		memset(&m, 0, sizeof(m));
		m.type = LISP_ECM;
		m.u.ecm.flags = v6 ? LISP_ECM_D : 0;
		ex("lisp.type", "8");
		ex("lisp.ecm.flags.sec", "0");
		ex("lisp.ecm.flags.ddt", "%d", v6);
		m.u.ecm.ip_version = v6 ? 6 : 4;
		m.u.ecm.inner_ttl = 32;
		m.u.ecm.inner_sport = 61003;
		m.u.ecm.inner_dport = 4342;
		m.u.ecm.inner_src = v6 ? A6("2001:db8:aa::1") : A4("192.0.2.1");
		m.u.ecm.inner_dst = v6 ? A6("2001:db8:bb::1") :
		    A4("203.0.113.1");
		build_mreq(&inner, LISP_MREQ_SMRI, 0x9999999999999999ULL,
		    v6 ? A6("2001:db8:aa::1") : A4("192.0.2.1"), 2,
		    addrs(2, A4("198.51.100.1"), A6("2001:db8:1::1")), 1,
		    v6 ? mrecs(1, A6("2001:db8:bb::1"), 128) :
		    mrecs(1, A4("203.0.113.1"), 32), NULL);
		in = encode(&inner, ib, sizeof(ib));
		lisp_msg_free(&inner);
		m.u.ecm.payload = ib;
		m.u.ecm.payload_len = in;
		/* Outer IP/UDP come first in tshark's columns, then inner. */
		send_ctrl_after(v6 ? "2001:db8:1::1" : "198.51.100.1",
		    v6 ? "2001:db8:ff::1" : "198.51.100.200", &m, ecm_inner,
		    v6);
	}
}

/* Data packets: LISP data header + an inner IPv4 ICMP echo (or bytes). */
static void
send_data(const struct lisp_data_hdr *h, int encrypted)
{
	uint8_t		 buf[256];
	struct wbuf	 wb;
	size_t		 ip_at;

	wbuf_init(&wb, buf, sizeof(buf));
	lisp_data_hdr_encode(&wb, h);
	ex("lisp-data.flags", "%u", h->flags);
	ex("lisp-data.flags.nonce", "%u", !!(h->flags & LISP_DATA_N));
	ex("lisp-data.flags.lsb", "%u", !!(h->flags & LISP_DATA_L));
	ex("lisp-data.flags.enr", "%u", !!(h->flags & LISP_DATA_E));
	ex("lisp-data.flags.mv", "%u", !!(h->flags & LISP_DATA_V));
	ex("lisp-data.flags.iid", "%u", !!(h->flags & LISP_DATA_I));
	ex("lisp-data.flags.res", "%u", h->flags & 0x07);
	if (h->flags & LISP_DATA_N)
		ex("lisp-data.nonce", "%u", h->nonce);
	else if (h->flags & LISP_DATA_V) {
		ex("lisp-data.srcmapver", "%u", h->src_version);
		ex("lisp-data.dstmapver", "%u", h->dst_version);
	}
	if (h->flags & LISP_DATA_I)
		ex("lisp-data.iid", "%u", h->iid);
	/* The LSBs are shown only with L (8 bits with I, else 32). */
	if ((h->flags & (LISP_DATA_L | LISP_DATA_I)) ==
	    (LISP_DATA_L | LISP_DATA_I))
		ex("lisp-data.lsb8", "%u", h->lsb);
	else if (h->flags & LISP_DATA_L)
		ex("lisp-data.lsb", "%u", h->lsb);
	if (encrypted) {
		/* LISP-crypto: IV + ciphertext, first nibble not 4 or 6. */
		uint8_t	 ct[40];

		memset(ct, 0x11, sizeof(ct));
		wbuf_put_bytes(&wb, ct, sizeof(ct));
	} else {
		ip_at = wbuf_len(&wb);
		wbuf_put_u8(&wb, 0x45);
		wbuf_put_u8(&wb, 0);
		wbuf_put_u16(&wb, 28);
		wbuf_put_u16(&wb, 1);
		wbuf_put_u16(&wb, 0);
		wbuf_put_u8(&wb, 64);
		wbuf_put_u8(&wb, 1);		/* ICMP */
		wbuf_put_u16(&wb, 0);
		wbuf_put_bytes(&wb, "\xc0\x00\x02\x01", 4);
		wbuf_put_bytes(&wb, "\xcb\x00\x71\x01", 4);
		wbuf_set_u16(&wb, ip_at + 10, lisp_net_cksum(buf + ip_at, 20));
		wbuf_put_u32(&wb, 0x0800f7fe);	/* echo, checksum */
		wbuf_put_u32(&wb, 0x00010000);	/* id 1, seq 0 */
	}
	if (wbuf_failed(&wb))
		errx(1, "data frame");
	emit_udp("198.51.100.1", "198.51.100.2", 61010, 4341, buf,
	    wbuf_len(&wb));
	if (!encrypted) {
		ex("ip.src", "192.0.2.1");
		ex("ip.dst", "203.0.113.1");
		ex("ip.checksum.status", "1");
	}
	next_frame();
}

static void
gen_data(void)
{
	struct lisp_data_hdr	 h;

	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_N | LISP_DATA_I;
	h.nonce = 0x123456;
	h.iid = 100;
	send_data(&h, 0);
	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_N | LISP_DATA_L | LISP_DATA_E | LISP_DATA_I;
	h.nonce = 0xabcdef;
	h.iid = 0xFFFFFE;
	h.lsb = 0x03;
	send_data(&h, 0);
	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_V | LISP_DATA_L;
	h.src_version = 5;
	h.dst_version = 0xFFF;
	h.lsb = 0x80000001;
	send_data(&h, 0);
	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_V | LISP_DATA_I;
	h.src_version = 1;
	h.dst_version = 2;
	h.iid = 7;
	send_data(&h, 0);
	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_N | LISP_DATA_I | 0x01;	/* KK = 1 */
	h.nonce = 1;
	h.iid = 200;
	send_data(&h, 1);
	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_N | LISP_DATA_L | 0x02;	/* KK = 2 */
	h.nonce = 2;
	h.lsb = 0x0000000F;
	send_data(&h, 1);
}

int
main(int argc, char *argv[])
{
	int	 f, c;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_ctrl OUT.pcap > expected.tsv\n");
		return 2;
	}
	pcap_open(argv[1]);
	gen_map_requests();
	gen_map_replies();
	gen_registers();
	gen_referrals();
	gen_info();
	gen_ecm();
	gen_data();
	if (fclose(pcap) != 0)
		err(1, "%s", argv[1]);

	printf("frame.number");
	for (c = 0; c < ncols; c++)
		printf("\t%s", colname[c]);
	printf("\n");
	for (f = 0; f < nframes; f++) {
		printf("%d", f + 1);
		for (c = 0; c < ncols; c++)
			printf("\t%s", val[f][c] != NULL ? val[f][c] : "");
		printf("\n");
		for (c = 0; c < ncols; c++)
			free(val[f][c]);
	}
	for (c = 0; c < ncols; c++)
		free(colname[c]);
	return 0;
}
