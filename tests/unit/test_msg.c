/* SPDX-License-Identifier: ISC */
/*
 * lisp_msg: every control message type.
 *
 *  - real captures (tests/data/captures.hex, from shared/captures and
 *    lispers.net's own output): decode, field values as tshark 4.0.17
 *    reports them (shared/captures/tshark-4.0.17, the fields.tsv files),
 *    byte-identical re-encode, truncation at every offset;
 *  - generated messages of every type with every flag and every LCAF
 *    type: encode -> decode -> encode byte-identical, truncation;
 *  - malformed input: clean error codes.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "lisp_net.h"
#include "testutil.h"

#define MAX_FRAMES	128
#define BUFSZ		4096

static struct tu_frame	 frames[MAX_FRAMES];
static size_t		 nframes;

static const struct tu_frame *
frame(const char *name)
{
	size_t	 i;

	for (i = 0; i < nframes; i++)
		if (strcmp(frames[i].name, name) == 0)
			return &frames[i];
	ck_abort_msg("no frame %s", name);
	return NULL;
}

static void
decode_ok(const char *name, struct lisp_msg *m, size_t *auth_off)
{
	const struct tu_frame	*f = frame(name);
	int			 rc;

	rc = lisp_msg_decode(f->data, f->len, m, NULL, auth_off);
	ck_assert_msg(rc == 0, "%s: %s", name, lisp_strerror(rc));
}

static void
ck_v4(const struct lisp_addr *a, const char *s)
{
	struct in_addr	 v4;

	ck_assert_uint_eq(a->afi, LISP_AFI_IPV4);
	ck_assert_int_eq(inet_pton(AF_INET, s, &v4), 1);
	ck_assert_mem_eq(&a->u.v4, &v4, 4);
}

/* Bytes at the end of a decoded message kept raw (shrink on truncation). */
static size_t
raw_tail(const struct lisp_msg *m)
{
	switch (m->type) {
	case LISP_MAP_REPLY:
		return m->u.mrep.sec_len;
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY:
	case LISP_MAP_NOTIFY_ACK:
		return m->u.mreg.trail_len;
	default:
		return 0;
	}
}

/*
 * Decode -> encode must give the input back; every shorter prefix must
 * fail, except inside a raw tail, where the tail just gets shorter.
 */
static void
roundtrip(const char *name, const uint8_t *in, size_t len, int cksum0)
{
	struct lisp_msg	 m, t;
	struct wbuf	 wb;
	uint8_t		 out[BUFSZ], *cut;
	size_t		 k, tail, ip;
	int		 rc;

	rc = lisp_msg_decode(in, len, &m, NULL, NULL);
	ck_assert_msg(rc == 0, "%s: %s", name, lisp_strerror(rc));
	wbuf_init(&wb, out, sizeof(out));
	rc = lisp_msg_encode(&wb, &m);
	ck_assert_msg(rc == 0, "%s: encode %s", name, lisp_strerror(rc));
	ck_assert_uint_eq(wbuf_len(&wb), len);
	if (cksum0) {
		/* lispers.net leaves both inner checksums 0: we fill them. */
		ck_assert_uint_eq(m.type, LISP_ECM);
		ip = 4 + m.u.ecm.sec_len;
		ck_assert_uint_eq(in[ip + 10] | in[ip + 11], 0);
		ck_assert_uint_eq(in[ip + 26] | in[ip + 27], 0);
		ck_assert_uint_eq(lisp_net_cksum(out + ip, 20), 0);
		ck_assert(lisp_net_udp4_ok(m.u.ecm.inner_src.u.v4,
		    m.u.ecm.inner_dst.u.v4, out + ip + 20, len - ip - 20));
		memcpy(out + ip + 10, in + ip + 10, 2);
		memcpy(out + ip + 26, in + ip + 26, 2);
	}
	ck_assert_msg(memcmp(out, in, len) == 0, "%s: not byte-identical",
	    name);

	/* The inner message of an ECM is a message too. */
	if (m.type == LISP_ECM)
		roundtrip(name, m.u.ecm.payload, m.u.ecm.payload_len, 0);

	tail = raw_tail(&m);
	for (k = 0; k < len; k++) {
		cut = malloc(k ? k : 1);	/* exact size: ASan sees over-reads */
		memcpy(cut, in, k);
		rc = lisp_msg_decode(cut, k, &t, NULL, NULL);
		if (k < len - tail)
			ck_assert_msg(rc < 0, "%s: truncated at %zu/%zu decoded",
			    name, k, len);
		else {
			ck_assert_msg(rc == 0, "%s: tail cut at %zu", name, k);
			ck_assert_uint_eq(raw_tail(&t), tail - (len - k));
		}
		lisp_msg_free(&t);
		free(cut);
	}
	lisp_msg_free(&m);
}

START_TEST(captures)
{
	const struct tu_frame	*f = &frames[_i];
	struct lisp_msg		 m;
	int			 rc;

	if (strcmp(f->expect, "ok") == 0 || strcmp(f->expect, "ok-cksum0") == 0) {
		roundtrip(f->name, f->data, f->len,
		    strcmp(f->expect, "ok-cksum0") == 0);
		return;
	}
	rc = lisp_msg_decode(f->data, f->len, &m, NULL, NULL);
	if (strcmp(f->expect, "trunc") == 0)
		ck_assert_msg(rc == -LISP_E_TRUNC, "%s: %d", f->name, rc);
	else if (strcmp(f->expect, "afi") == 0)
		ck_assert_msg(rc == -LISP_E_AFI, "%s: %d", f->name, rc);
	else
		ck_assert_msg(rc < 0, "%s: malformed frame decoded", f->name);
	ck_assert_uint_eq(m.type, 0);		/* freed on error */
}
END_TEST

START_TEST(capture_count)
{
	/* Guard: the loop test above must really see the whole table. */
	ck_assert_uint_ge(nframes, 60);
	ck_assert_uint_le(nframes, MAX_FRAMES);
}
END_TEST

/* ndpi_lisp_registration frame 3: Cisco Map-Register, IID 100 (tshark). */
START_TEST(ndpi_map_register)
{
	static const uint8_t	 xtr[16] = { 0xd0, 0xf4, 0xd4, 0x58, 0x14,
	    0xb6, 0xd3, 0xe3, 0x21, 0x83, 0xc9, 0x43, 0x2e, 0x4b, 0x58,
	    0xf2 };
	struct lisp_msg			 m;
	struct lisp_map_register	*r = &m.u.mreg;
	const struct lisp_addr		*eid;
	uint32_t			 iid;
	size_t				 off;

	decode_ok("ndpi_lisp_registration:3", &m, &off);
	ck_assert_uint_eq(m.type, LISP_MAP_REGISTER);
	ck_assert_uint_eq(off, 16);
	ck_assert_uint_eq(r->nonce, 0xe70430fca1809623ULL);
	ck_assert_uint_eq(r->key_id, 0);	/* tshark keyid 0x0001 */
	ck_assert_uint_eq(r->alg_id, 1);
	ck_assert_uint_eq(r->auth_len, 20);
	ck_assert_uint_eq(r->flags, LISP_MREG_I | LISP_MREG_M);
	ck_assert_uint_eq(r->rec_count, 1);
	ck_assert_uint_eq(r->recs[0].ttl, 1440);
	ck_assert_uint_eq(r->recs[0].act, 0);
	ck_assert(r->recs[0].flags & LISP_REC_A);
	ck_assert_uint_eq(r->recs[0].mask_len, 26);
	ck_assert_uint_eq(r->recs[0].eid.afi, LISP_AFI_LCAF);
	ck_assert_uint_eq(r->recs[0].eid.u.lcaf->type, LCAF_IID);
	ck_assert_uint_eq(r->recs[0].eid.u.lcaf->rsvd2, 32);	/* mask-len */
	eid = lisp_addr_strip_iid(&r->recs[0].eid, &iid);
	ck_assert_uint_eq(iid, 100);
	ck_v4(eid, "192.168.102.0");
	ck_assert_uint_eq(r->recs[0].loc_count, 1);
	ck_v4(&r->recs[0].locs[0].addr, "10.0.123.2");
	ck_assert_uint_eq(r->recs[0].locs[0].priority, 22);
	ck_assert_uint_eq(r->recs[0].locs[0].weight, 22);
	ck_assert_uint_eq(r->recs[0].locs[0].flags, 0x0005);
	ck_assert_mem_eq(r->xtr_id, xtr, 16);
	ck_assert_uint_eq(r->site_id, 0);
	ck_assert_uint_eq(r->trail_len, 0);
	lisp_msg_free(&m);

	/* Frame 7: the Map-Notify, I = 0x08 (NAT-T layout), A = 0. */
	decode_ok("ndpi_lisp_registration:7", &m, NULL);
	ck_assert_uint_eq(m.type, LISP_MAP_NOTIFY);
	ck_assert_uint_eq(r->flags, LISP_MNOT_I);
	ck_assert_uint_eq(r->nonce, 0xe70430fca1809623ULL);
	ck_assert(!(r->recs[0].flags & LISP_REC_A));
	ck_assert_uint_eq(r->recs[0].locs[0].flags, 0x0001);
	ck_assert_mem_eq(r->xtr_id, xtr, 16);
	lisp_msg_free(&m);
}
END_TEST

/* pylispnet_various_lisp_packets: SMR probe, probe reply, negative reply. */
START_TEST(various_packets)
{
	struct lisp_msg	 m;

	decode_ok("pylispnet_various_lisp_packets:2", &m, NULL);
	ck_assert_uint_eq(m.type, LISP_MAP_REQUEST);
	ck_assert_uint_eq(m.u.mreq.flags, LISP_MREQ_P | LISP_MREQ_S);
	ck_assert_uint_eq(m.u.mreq.nonce, 0xae92b5574f849cd0ULL);
	ck_v4(&m.u.mreq.src_eid, "172.16.31.3");
	ck_assert_uint_eq(m.u.mreq.itr_rloc_count, 1);	/* irc 0 */
	ck_v4(&m.u.mreq.itr_rlocs[0], "92.254.28.189");
	ck_assert_uint_eq(m.u.mreq.rec_count, 1);
	ck_assert_uint_eq(m.u.mreq.recs[0].mask_len, 32);
	ck_v4(&m.u.mreq.recs[0].eid, "172.16.31.1");
	lisp_msg_free(&m);

	decode_ok("pylispnet_various_lisp_packets:4", &m, NULL);
	ck_assert_uint_eq(m.type, LISP_MAP_REPLY);
	ck_assert_uint_eq(m.u.mrep.flags, LISP_MREP_P);
	ck_assert_uint_eq(m.u.mrep.nonce, 0xae92b5574f849cd0ULL);
	ck_v4(&m.u.mrep.recs[0].locs[0].addr, "212.26.197.3");
	ck_assert_uint_eq(m.u.mrep.recs[0].locs[0].weight, 100);
	ck_assert_uint_eq(m.u.mrep.recs[0].locs[0].flags,
	    LISP_LOC_L | LISP_LOC_P | LISP_LOC_R);
	lisp_msg_free(&m);

	decode_ok("pylispnet_various_lisp_packets:11", &m, NULL);
	ck_assert_uint_eq(m.u.mrep.recs[0].ttl, 15);
	ck_assert_uint_eq(m.u.mrep.recs[0].act, LISP_ACT_NATIVE_FWD);
	ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 0);
	ck_assert_uint_eq(m.u.mrep.recs[0].mask_len, 2);
	ck_v4(&m.u.mrep.recs[0].eid, "64.0.0.0");
	lisp_msg_free(&m);

	decode_ok("pylispnet_various_lisp_packets:1", &m, NULL);
	ck_assert_uint_eq(m.u.mreg.rec_count, 2);
	ck_assert_uint_eq(m.u.mreg.recs[1].mask_len, 24);
	ck_v4(&m.u.mreg.recs[1].eid, "172.16.42.0");
	lisp_msg_free(&m);
}
END_TEST

/* pylispnet_lcaf_instanceid frame 1: ECM, Map-Request with M and IIDs. */
START_TEST(ecm_instanceid)
{
	struct lisp_msg	 m, in;
	uint32_t	 iid;

	decode_ok("pylispnet_lcaf_instanceid:1", &m, NULL);
	ck_assert_uint_eq(m.type, LISP_ECM);
	ck_assert_uint_eq(m.u.ecm.flags, 0);
	ck_assert_int_eq(m.u.ecm.ip_version, 4);
	ck_v4(&m.u.ecm.inner_src, "172.16.75.1");
	ck_v4(&m.u.ecm.inner_dst, "172.16.42.1");
	ck_assert_uint_eq(m.u.ecm.inner_ttl, 32);
	ck_assert_uint_eq(m.u.ecm.inner_sport, 4342);
	ck_assert_uint_eq(m.u.ecm.inner_dport, 4342);
	ck_assert_uint_eq(m.u.ecm.payload_len, 104 - 8);
	ck_assert_int_eq(lisp_msg_decode(m.u.ecm.payload, m.u.ecm.payload_len,
	    &in, NULL, NULL), 0);
	ck_assert_uint_eq(in.type, LISP_MAP_REQUEST);
	ck_assert_uint_eq(in.u.mreq.nonce, 0x497f473fd8f9976cULL);
	ck_assert_uint_eq(in.u.mreq.flags, LISP_MREQ_M);
	(void)lisp_addr_strip_iid(&in.u.mreq.src_eid, &iid);
	ck_assert_uint_eq(iid, 1);
	ck_v4(lisp_addr_strip_iid(&in.u.mreq.recs[0].eid, &iid),
	    "172.16.42.1");
	ck_assert_uint_eq(iid, 1);
	ck_assert_ptr_nonnull(in.u.mreq.map_reply);
	ck_assert_uint_eq(in.u.mreq.map_reply->mask_len, 24);
	ck_assert_uint_eq(in.u.mreq.map_reply->locs[0].weight, 50);
	ck_v4(&in.u.mreq.map_reply->locs[0].addr, "212.26.196.101");
	lisp_msg_free(&in);
	lisp_msg_free(&m);
}
END_TEST

/* tcpdump's EID-notify capture: xTR-ID without I is kept as trail. */
START_TEST(notify_trailing_xtrid)
{
	struct lisp_msg	 m;

	decode_ok("tcpdump_lisp_eid_notify:4", &m, NULL);
	ck_assert_uint_eq(m.type, LISP_MAP_NOTIFY);
	ck_assert_uint_eq(m.u.mreg.flags, 0);
	ck_assert_uint_eq(m.u.mreg.rec_count, 2);
	ck_assert_uint_eq(m.u.mreg.trail_len, 24);
	ck_assert_uint_eq(m.u.mreg.trail[0], 0x97);
	lisp_msg_free(&m);

	/* Frame 2: the same with I set: parsed as xTR-ID. */
	decode_ok("tcpdump_lisp_eid_notify:2", &m, NULL);
	ck_assert_uint_eq(m.u.mreg.flags, LISP_MNOT_I);
	ck_assert_uint_eq(m.u.mreg.trail_len, 0);
	ck_assert_uint_eq(m.u.mreg.xtr_id[0], 0x97);
	lisp_msg_free(&m);

	/* lispers.net's Map-Register: key-id 0, HMAC-SHA-256, 32 bytes. */
	decode_ok("lispersnet:1", &m, NULL);
	ck_assert_uint_eq(m.u.mreg.alg_id, 2);
	ck_assert_uint_eq(m.u.mreg.auth_len, 32);
	ck_assert_uint_eq(m.u.mreg.flags, LISP_MREG_P | LISP_MREG_I |
	    LISP_MREG_M);
	ck_assert_uint_eq(m.u.mreg.xtr_id[0], 0x01);
	lisp_msg_free(&m);
}
END_TEST

/* Generated messages */

static struct lisp_addr
A(const char *hex)
{
	struct lisp_addr	 a;
	struct rbuf		 rb;
	uint8_t			*b;
	size_t			 n;

	b = tu_hex(hex, &n);
	rbuf_init(&rb, b, n);
	ck_assert_int_eq(lisp_addr_decode(&rb, &a, NULL), 0);
	ck_assert_uint_eq(rbuf_left(&rb), 0);
	free(b);
	return a;
}

#define V4(x)		"0001c00002" x
#define V6		"000220010db8000000000000000000000001"
#define DN		"0011787472312e6578616d706c6500"
#define IID		"400300000220000a000000640001c0a86600"
#define SECKEY		"400300000b00002c010006000020" \
			"000102030405060708090a0b0c0d0e0f" \
			"101112131415161718191a1b1c1d1e1f0001c0000201"
#define SRCDST		"400300000c00001000001820" V4("00") "0001c6336400"
#define ELP		"400300000a00001000040001c000020100010001c0000202"
#define RLE		"400300000d000014000000010001c0000201" \
			"000000020001c0000202"
#define AFILIST		"40030000010000180001c0000201" V6
#define NATT		"400300000700001c10f6c3500001cb0071010001c6336401" \
			"0001c00002010001cb007102"
#define MCAST		"40030000090000140000006400002020" V4("01") \
			"0001e8010101"
#define JSON		"400300000e000013000b7b226b6579223a2276227d" V4("01")
#define KV		"400300000f00000c00116b6579000001c0000201"
#define GEO		"4003000005000010800a1e1e000b28280000006400000000"
#define ENCAP		"400300001000000a000000010001c0000201"
#define VENDOR		"40030000ff0000080000000961626364"
#define UNKNOWN		"40030000c8000004deadbeef"
#define ASNL		"400300000300000a0000fde80001c0000201"
#define ASN		"00120000fde8"
#define MAC		"0006000100020003"

static const char *const loc_addrs[] = {
	V4("01"), V6, SECKEY, ELP, RLE, AFILIST, NATT, JSON, KV, GEO, ENCAP,
	VENDOR, UNKNOWN, ASNL, ASN, MAC, DN, "0000",
};
static const char *const eid_addrs[] = {
	IID, SRCDST, MCAST, V6, MAC, DN, AFILIST,
};

static struct lisp_eid_record
gen_record(size_t nloc, size_t eid, int referral)
{
	struct lisp_eid_record	 r;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	r.ttl = 0xFFFFFFFF;
	r.mask_len = eid == 0 ? 26 : eid == 3 ? 64 : 0;
	r.act = referral ? LISP_REF_MS_ACK : LISP_ACT_DROP_AUTH;
	r.flags = LISP_REC_A | LISP_REC_I | 0x07;	/* reserved bits too */
	r.rsvd = 0xa5;
	r.version = 0xABC;
	r.eid = A(eid_addrs[eid % (sizeof(eid_addrs) / sizeof(eid_addrs[0]))]);
	r.loc_count = nloc;
	r.locs = calloc(nloc ? nloc : 1, sizeof(*r.locs));
	for (i = 0; i < nloc; i++) {
		r.locs[i].priority = (uint8_t)i;
		r.locs[i].weight = 100;
		r.locs[i].mpriority = 255;
		r.locs[i].mweight = 7;
		r.locs[i].flags = (uint16_t)(0xFFF8 | i);
		r.locs[i].addr = A(loc_addrs[i %
		    (sizeof(loc_addrs) / sizeof(loc_addrs[0]))]);
	}
	if (referral) {
		r.sig_count = 2;
		r.rsvd_ver = 2;
		r.sigs = calloc(2, sizeof(*r.sigs));
		for (i = 0; i < 2; i++) {
			r.sigs[i].orig_ttl = 1440;
			r.sigs[i].expiration = 0x70000000;
			r.sigs[i].inception = 0x60000000;
			r.sigs[i].key_tag = 0x1234;
			r.sigs[i].sig_alg = 2;
			r.sigs[i].rsvd1 = 0x11;
			r.sigs[i].rsvd2 = 0x2222;
			r.sigs[i].sig_len = (uint16_t)(i * 16);
			if (i > 0) {
				r.sigs[i].sig = malloc(16);
				memset(r.sigs[i].sig, 0x5a, 16);
			}
		}
	} else
		r.rsvd_ver = 0x9;
	return r;
}

static struct lisp_eid_record *
gen_records(size_t n, int referral)
{
	struct lisp_eid_record	*v = calloc(n, sizeof(*v));
	size_t			 i;

	for (i = 0; i < n; i++)
		v[i] = gen_record(i == 0 ? 18 : i, i, referral);
	return v;
}

static size_t
encode_msg(const struct lisp_msg *m, uint8_t *out, size_t cap)
{
	struct wbuf	 wb;
	int		 rc;

	wbuf_init(&wb, out, cap);
	rc = lisp_msg_encode(&wb, m);
	ck_assert_msg(rc == 0, "encode: %s", lisp_strerror(rc));
	return wbuf_len(&wb);
}

/* Encode, then decode + encode again: both encodings must be identical. */
static void
gen_check(const char *name, struct lisp_msg *m)
{
	uint8_t		*out = malloc(BUFSZ);
	struct wbuf	 wb;
	size_t		 len, k;

	len = encode_msg(m, out, BUFSZ);
	ck_assert_uint_gt(len, 0);
	roundtrip(name, out, len, 0);
	/* Any smaller output buffer: LISP_E_SPACE, never an overflow. */
	for (k = 0; k < len; k++) {
		wbuf_init(&wb, out, k);
		ck_assert_int_eq(lisp_msg_encode(&wb, m), -LISP_E_SPACE);
	}
	lisp_msg_free(m);
	free(out);
}

START_TEST(gen_map_request)
{
	struct lisp_msg	 m;
	struct lisp_msg	 d;
	uint8_t		 out[BUFSZ];
	size_t		 len;

	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REQUEST;
	m.u.mreq.flags = LISP_MREQ_A | LISP_MREQ_M | LISP_MREQ_P |
	    LISP_MREQ_S | LISP_MREQ_PITR | LISP_MREQ_SMRI | LISP_MREQ_L |
	    LISP_MREQ_D;
	m.u.mreq.rsvd = 0x3F80;
	m.u.mreq.nonce = 0x0123456789abcdefULL;
	m.u.mreq.src_eid = A(IID);
	m.u.mreq.itr_rloc_count = LISP_MAX_ITR_RLOCS;
	m.u.mreq.itr_rlocs = calloc(LISP_MAX_ITR_RLOCS, sizeof(struct lisp_addr));
	m.u.mreq.itr_rlocs[0] = A(SECKEY);	/* LISP-crypto ITR key */
	m.u.mreq.itr_rlocs[1] = A(V6);
	m.u.mreq.itr_rlocs[31] = A(V4("09"));
	m.u.mreq.rec_count = 2;
	m.u.mreq.recs = calloc(2, sizeof(*m.u.mreq.recs));
	m.u.mreq.recs[0].mask_len = 32;
	m.u.mreq.recs[0].eid = A(V4("05"));
	m.u.mreq.recs[1].rsvd = 0xff;
	m.u.mreq.recs[1].eid = A(SRCDST);
	m.u.mreq.map_reply = calloc(1, sizeof(*m.u.mreq.map_reply));
	*m.u.mreq.map_reply = gen_record(3, 0, 0);

	/* Spot-check the wire bits against the RFC 9301 5.2 diagram. */
	len = encode_msg(&m, out, sizeof(out));
	ck_assert_uint_eq(out[0], 0x1F);
	ck_assert_uint_eq(out[1], 0xFF);
	ck_assert_uint_eq(out[2], 0x80 | 0x40 | 0x20 | 31);
	ck_assert_uint_eq(out[3], 2);
	ck_assert_int_eq(lisp_msg_decode(out, len, &d, NULL, NULL), 0);
	ck_assert_uint_eq(d.u.mreq.flags, m.u.mreq.flags);
	ck_assert_uint_eq(d.u.mreq.itr_rloc_count, 32);
	ck_assert_uint_eq(d.u.mreq.itr_rlocs[0].u.lcaf->type, LCAF_SECKEY);
	ck_assert_uint_eq(d.u.mreq.itr_rlocs[0].u.lcaf->u.seckey.cipher_suite,
	    6);
	lisp_msg_free(&d);
	gen_check("gen map-request", &m);
}
END_TEST

START_TEST(gen_map_reply)
{
	struct lisp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REPLY;
	m.u.mrep.flags = LISP_MREP_P | LISP_MREP_E | LISP_MREP_S;
	m.u.mrep.rsvd = 0x1FFFF;
	m.u.mrep.nonce = 42;
	m.u.mrep.rec_count = 3;
	m.u.mrep.recs = gen_records(3, 0);
	m.u.mrep.sec_len = 5;
	m.u.mrep.sec = malloc(5);
	memcpy(m.u.mrep.sec, "\x01\x02\x03\x04\x05", 5);
	gen_check("gen map-reply", &m);
}
END_TEST

static void
gen_mreg(struct lisp_msg *m, uint8_t type, uint16_t flags, uint32_t rsvd)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->u.mreg.flags = flags;
	m->u.mreg.rsvd = rsvd;
	m->u.mreg.nonce = 0xfedcba9876543210ULL;
	m->u.mreg.key_id = 7;
	m->u.mreg.alg_id = 2;
	m->u.mreg.auth_len = 32;
	memset(m->u.mreg.auth, 0xaa, 32);
	m->u.mreg.rec_count = 4;
	m->u.mreg.recs = gen_records(4, 0);
	memset(m->u.mreg.xtr_id, 0xd0, LISP_XTR_ID_LEN);
	m->u.mreg.site_id = 0x1122334455667788ULL;
	m->u.mreg.trail_len = 3;
	m->u.mreg.trail = malloc(3);
	memcpy(m->u.mreg.trail, "xyz", 3);
}

START_TEST(gen_map_register)
{
	struct lisp_msg	 m;
	uint8_t		 out[BUFSZ];
	size_t		 off;

	gen_mreg(&m, LISP_MAP_REGISTER, LISP_MREG_P | LISP_MREG_S |
	    LISP_MREG_I | LISP_MREG_R | LISP_MREG_E | LISP_MREG_T |
	    LISP_MREG_MERGE | LISP_MREG_MN | LISP_MREG_M, 0xFFE0);
	(void)encode_msg(&m, out, sizeof(out));
	ck_assert_mem_eq(out, "\x3f\xff\xff\x04", 4);
	ck_assert_mem_eq(out + 12, "\x07\x02\x00\x20", 4);
	gen_check("gen map-register", &m);

	/* Only M: byte 2 bit 0x01. */
	gen_mreg(&m, LISP_MAP_REGISTER, LISP_MREG_M, 0);
	(void)encode_msg(&m, out, sizeof(out));
	ck_assert_mem_eq(out, "\x30\x00\x01\x04", 4);
	{
		struct lisp_msg	 d;
		size_t		 len = encode_msg(&m, out, sizeof(out));

		ck_assert_int_eq(lisp_msg_decode(out, len, &d, NULL, &off), 0);
		ck_assert_uint_eq(off, 16);
		ck_assert_uint_eq(d.u.mreg.trail_len, 3);
		lisp_msg_free(&d);
	}
	gen_check("gen map-register M", &m);
}
END_TEST

START_TEST(gen_map_notify)
{
	struct lisp_msg	 m;
	uint8_t		 out[BUFSZ];

	gen_mreg(&m, LISP_MAP_NOTIFY, LISP_MNOT_I | LISP_MNOT_R, 0x03FFFF);
	m.u.mreg.msrtr_key_id = 0x0102;
	m.u.mreg.msrtr_auth_len = 20;
	memset(m.u.mreg.msrtr_auth, 0xbb, 20);
	(void)encode_msg(&m, out, sizeof(out));
	ck_assert_mem_eq(out, "\x4f\xff\xff\x04", 4);
	gen_check("gen map-notify", &m);

	gen_mreg(&m, LISP_MAP_NOTIFY_ACK, LISP_MNOT_I, 0);
	(void)encode_msg(&m, out, sizeof(out));
	ck_assert_mem_eq(out, "\x58\x00\x00\x04", 4);
	gen_check("gen map-notify-ack", &m);

	gen_mreg(&m, LISP_MAP_NOTIFY_ACK, 0, 0);
	m.u.mreg.auth_len = 0;
	gen_check("gen map-notify-ack no auth", &m);
}
END_TEST

START_TEST(gen_map_referral)
{
	struct lisp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REFERRAL;
	m.u.mref.rsvd = 0x0FFFFF;
	m.u.mref.nonce = 0;
	m.u.mref.rec_count = 3;
	m.u.mref.recs = gen_records(3, 1);
	gen_check("gen map-referral", &m);
}
END_TEST

START_TEST(gen_info)
{
	struct lisp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = LISP_INFO;
	m.u.info.rsvd = 0x07FFFFFF;
	m.u.info.nonce = 99;
	m.u.info.key_id = 1;
	m.u.info.alg_id = 1;
	m.u.info.auth_len = 20;
	m.u.info.ttl = 1440;
	m.u.info.rsvd2 = 0x33;
	m.u.info.mask_len = 26;
	m.u.info.eid = A(IID);
	m.u.info.info = A(DN);		/* lispers.net Info-Request */
	gen_check("gen info-request", &m);

	memset(&m, 0, sizeof(m));
	m.type = LISP_INFO;
	m.u.info.reply = 1;
	m.u.info.eid = A("0000");
	m.u.info.info = A(NATT);
	gen_check("gen info-reply", &m);
}
END_TEST

START_TEST(gen_ecm)
{
	struct lisp_msg	 m, inner;
	struct in_addr	 s4, d4;
	struct in6_addr	 s6, d6;
	uint8_t		 pl[BUFSZ];
	size_t		 plen;

	/* Inner message: a Map-Request. */
	memset(&inner, 0, sizeof(inner));
	inner.type = LISP_MAP_REQUEST;
	inner.u.mreq.nonce = 5;
	inner.u.mreq.itr_rloc_count = 1;
	inner.u.mreq.itr_rlocs = calloc(1, sizeof(struct lisp_addr));
	inner.u.mreq.itr_rlocs[0] = A(V4("01"));
	inner.u.mreq.rec_count = 1;
	inner.u.mreq.recs = calloc(1, sizeof(*inner.u.mreq.recs));
	inner.u.mreq.recs[0].mask_len = 32;
	inner.u.mreq.recs[0].eid = A(V4("07"));
	plen = encode_msg(&inner, pl, sizeof(pl));
	lisp_msg_free(&inner);

	inet_pton(AF_INET, "192.0.2.1", &s4);
	inet_pton(AF_INET, "198.51.100.7", &d4);
	memset(&m, 0, sizeof(m));
	m.type = LISP_ECM;
	m.u.ecm.flags = LISP_ECM_S | LISP_ECM_D | LISP_ECM_E | LISP_ECM_M;
	m.u.ecm.rsvd = 0xABCDEF;
	m.u.ecm.sec_len = 12;
	m.u.ecm.sec = calloc(1, 12);
	m.u.ecm.sec[0] = 1;			/* AD type */
	m.u.ecm.ip_version = 4;
	lisp_addr_set_v4(&m.u.ecm.inner_src, s4);
	lisp_addr_set_v4(&m.u.ecm.inner_dst, d4);
	m.u.ecm.inner_ttl = 32;
	m.u.ecm.inner_tos = 0xc0;
	m.u.ecm.inner_id = 0x1234;
	m.u.ecm.inner_frag = 0x4000;		/* DF */
	m.u.ecm.inner_sport = 61000;
	m.u.ecm.inner_dport = 4342;
	m.u.ecm.payload = pl;
	m.u.ecm.payload_len = plen;
	{
		uint8_t		 out[BUFSZ];
		size_t		 len = encode_msg(&m, out, sizeof(out));
		const uint8_t	*ip = out + 16;

		ck_assert_uint_eq(out[0], 0x8F);
		ck_assert_uint_eq(len, 16 + 20 + 8 + plen);
		ck_assert_uint_eq(ip[0], 0x45);
		ck_assert_uint_eq(lisp_net_cksum(ip, 20), 0);
		ck_assert_uint_ne(ip[26] | ip[27], 0);	/* RFC 9301 5.8 */
		ck_assert(lisp_net_udp4_ok(s4, d4, ip + 20, 8 + plen));
	}
	gen_check("gen ecm v4", &m);

	inet_pton(AF_INET6, "2001:db8::1", &s6);
	inet_pton(AF_INET6, "2001:db8:1::2", &d6);
	memset(&m, 0, sizeof(m));
	m.type = LISP_ECM;
	m.u.ecm.flags = LISP_ECM_D;
	m.u.ecm.ip_version = 6;
	lisp_addr_set_v6(&m.u.ecm.inner_src, &s6);
	lisp_addr_set_v6(&m.u.ecm.inner_dst, &d6);
	m.u.ecm.inner_ttl = 64;
	m.u.ecm.inner_tos = 0x20;
	m.u.ecm.inner_flow = 0xABCDE;
	m.u.ecm.inner_sport = 4342;
	m.u.ecm.inner_dport = 4342;
	m.u.ecm.payload = pl;
	m.u.ecm.payload_len = plen;
	{
		uint8_t	 out[BUFSZ];
		size_t	 len = encode_msg(&m, out, sizeof(out));

		ck_assert_uint_eq(len, 4 + 40 + 8 + plen);
		ck_assert_uint_eq(out[4] >> 4, 6);
		ck_assert(lisp_net_udp6_ok(&s6, &d6, out + 44, 8 + plen));
	}
	gen_check("gen ecm v6", &m);
}
END_TEST

/* Malformed input */

static int
dec(const char *hex)
{
	struct lisp_msg	 m;
	uint8_t		*b;
	size_t		 n;
	int		 rc;

	b = tu_hex(hex, &n);
	rc = lisp_msg_decode(b, n, &m, NULL, NULL);
	lisp_msg_free(&m);
	free(b);
	return rc;
}

#define MREQ_HDR(b2, cnt)	"10" "00" b2 cnt "0102030405060708"
#define MREG_HDR(cnt)		"30000001" "0102030405060708" "0001" "0000"

START_TEST(malformed)
{
	/* A well-formed baseline for each variant below. */
	ck_assert_int_eq(dec(MREQ_HDR("00", "01") "0000" V4("01")
	    "0020" V4("02")), 0);
	/* Map-Request with record count 0. */
	ck_assert_int_eq(dec(MREQ_HDR("00", "00") "0000" V4("01")),
	    -LISP_E_COUNT);
	/* Trailing bytes after the last Map-Request record. */
	ck_assert_int_eq(dec(MREQ_HDR("00", "01") "0000" V4("01")
	    "0020" V4("02") "00"), -LISP_E_TRAILING);
	/* IRC says 2 ITR-RLOCs, one present (then the record is read as one). */
	ck_assert_int_eq(dec(MREQ_HDR("01", "01") "0000" V4("01")),
	    -LISP_E_TRUNC);
	ck_assert_int_eq(dec(MREQ_HDR("01", "01") "0000" V4("01")
	    "0020" V4("02")), -LISP_E_AFI);
	/* Record count 200 with room for one. */
	ck_assert_int_eq(dec(MREQ_HDR("00", "c8") "0000" V4("01")
	    "0020" V4("02")), -LISP_E_TRUNC);
	/* Mask-len 33 on an IPv4 EID. */
	ck_assert_int_eq(dec(MREQ_HDR("00", "01") "0000" V4("01")
	    "0021" V4("02")), -LISP_E_VALUE);
	/* Unknown AFI as ITR-RLOC. */
	ck_assert_int_eq(dec(MREQ_HDR("00", "01") "0000" "1e000a000001"
	    "0020" V4("02")), -LISP_E_AFI);
	/* Map-Register claiming 5 records, 1 present. */
	ck_assert_int_eq(dec("30000005" "0102030405060708" "00010000"
	    "000005a0" "00" "20" "1000" "0000" V4("01")), -LISP_E_TRUNC);
	/* Locator count 255, one locator present. */
	ck_assert_int_eq(dec(MREG_HDR() "000005a0" "ff" "20" "1000" "0000"
	    V4("01") "01640000" "0005" V4("02")), -LISP_E_TRUNC);
	/* Auth length above LISP_AUTH_MAX. */
	ck_assert_int_eq(dec("30000000" "0102030405060708" "00020041"),
	    -LISP_E_LEN);
	/* I set, xTR-ID missing. */
	ck_assert_int_eq(dec("32000000" "0102030405060708" "00010000"),
	    -LISP_E_TRUNC);
	/* Map-Reply without S: trailing bytes. */
	ck_assert_int_eq(dec("20000000" "0102030405060708" "00"),
	    -LISP_E_TRAILING);
	ck_assert_int_eq(dec("22000000" "0102030405060708" "00"), 0);
	/* Map-Referral with SigCnt 1 and no signature. */
	ck_assert_int_eq(dec("60000001" "0102030405060708" "00000001" "00"
	    "20" "0000" "1000" V4("01")), -LISP_E_TRUNC);
	/* Unknown types. */
	ck_assert_int_eq(dec("00000000"), -LISP_E_TYPE);
	ck_assert_int_eq(dec("90000000"), -LISP_E_TYPE);
	ck_assert_int_eq(dec("f0000000"), -LISP_E_TYPE);
	ck_assert_int_eq(dec(""), -LISP_E_TRUNC);
	/* ECM: IHL 4, total length short/long, UDP length wrong, not UDP. */
	ck_assert_int_eq(dec("80000000" "4400001c00000000201100000a0000010a000002"
	    "10f610f6000800ff"), -LISP_E_IP);
	ck_assert_int_eq(dec("80000000" "4500001b00000000201100000a0000010a000002"
	    "10f610f6000800ff"), -LISP_E_IP);
	ck_assert_int_eq(dec("80000000" "4500001d00000000201100000a0000010a000002"
	    "10f610f6000800ff"), -LISP_E_TRUNC);
	ck_assert_int_eq(dec("80000000" "4500001c00000000201100000a0000010a000002"
	    "10f610f6000900ff"), -LISP_E_IP);
	ck_assert_int_eq(dec("80000000" "4500001c00000000200600000a0000010a000002"
	    "10f610f6000800ff"), -LISP_E_IP);
	ck_assert_int_eq(dec("80000000" "4500001c00000000201100000a0000010a000002"
	    "10f610f6000800ff"), 0);
	/* Fragment (MF) and IP version 5. */
	ck_assert_int_eq(dec("80000000" "4500001c00002000201100000a0000010a000002"
	    "10f610f6000800ff"), -LISP_E_IP);
	ck_assert_int_eq(dec("80000000" "5500001c00000000201100000a0000010a000002"
	    "10f610f6000800ff"), -LISP_E_IP);
	/* IPv6: payload length disagrees. */
	ck_assert_int_eq(dec("80000000" "6000000000091140" "20010db8000000000000"
	    "000000000001" "20010db8000000000000000000000002"
	    "10f610f6000800ff"), -LISP_E_TRUNC);
	ck_assert_int_eq(dec("80000000" "6000000000081140" "20010db8000000000000"
	    "000000000001" "20010db8000000000000000000000002"
	    "10f610f6000800ff"), 0);
}
END_TEST

START_TEST(encode_rejects)
{
	struct lisp_msg	 m;
	struct wbuf	 wb;
	uint8_t		 out[256];

	memset(&m, 0, sizeof(m));
	wbuf_init(&wb, out, sizeof(out));
	m.type = LISP_MAP_REQUEST;		/* no ITR-RLOC, no record */
	ck_assert_int_eq(lisp_msg_encode(&wb, &m), -LISP_E_COUNT);
	m.type = LISP_MAP_REGISTER;
	m.u.mreg.auth_len = LISP_AUTH_MAX + 1;
	ck_assert_int_eq(lisp_msg_encode(&wb, &m), -LISP_E_LEN);
	memset(&m, 0, sizeof(m));
	m.type = LISP_ECM;
	m.u.ecm.ip_version = 4;			/* inner addresses AFI 0 */
	ck_assert_int_eq(lisp_msg_encode(&wb, &m), -LISP_E_VALUE);
	m.type = 9;
	ck_assert_int_eq(lisp_msg_encode(&wb, &m), -LISP_E_TYPE);
	ck_assert_str_eq(lisp_msg_type_name(LISP_MAP_NOTIFY_ACK),
	    "Map-Notify-Ack");
	ck_assert_str_eq(lisp_act_name(LISP_ACT_NATIVE_FWD), "native-forward");
	ck_assert_str_eq(lisp_ref_act_name(LISP_REF_MS_ACK), "ms-ack");
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite	*s = suite_create("lisp_msg");
	TCase	*tc;

	tc = tcase_create("captures");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, capture_count);
	tcase_add_loop_test(tc, captures, 0, (int)nframes);
	tcase_add_test(tc, ndpi_map_register);
	tcase_add_test(tc, various_packets);
	tcase_add_test(tc, ecm_instanceid);
	tcase_add_test(tc, notify_trailing_xtrid);
	suite_add_tcase(s, tc);

	tc = tcase_create("generated");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, gen_map_request);
	tcase_add_test(tc, gen_map_reply);
	tcase_add_test(tc, gen_map_register);
	tcase_add_test(tc, gen_map_notify);
	tcase_add_test(tc, gen_map_referral);
	tcase_add_test(tc, gen_info);
	tcase_add_test(tc, gen_ecm);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, encode_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* Loaded before the suite is built: the loop test needs the count. */
	nframes = tu_load_captures(frames, MAX_FRAMES);
	sr = srunner_create(msg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_free_captures(frames, nframes);
	return failed == 0 ? 0 : 1;
}
