/* SPDX-License-Identifier: ISC */
/*
 * Per-packet LISP decoding for lisp-decode (tools/lisp-decode.c) and the
 * fuzz_pcap target: walk one captured frame down to its UDP payload and
 * print it as a text block or one JSON object (docs/lisp-decode.md).
 *
 * Every UDP packet with source or destination port 4341 or 4342 is
 * decoded.  As in Wireshark, destination port 4342 means control even
 * when the source port is 4341; otherwise either port 4341 means data.
 * A malformed packet gives one "frame N: reason" line and decoding goes
 * on.  All wire bytes are read through lib/buf.h cursors.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_auth.h"
#include "lisp_data.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "log.h"
#include "lisp_pcapdec.h"

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define ETH_P_QINQ	0x9100

#define IPPROTO_NUM_TCP	6
#define IPPROTO_NUM_UDP	17

/* An ECM may carry an ECM (RTR relays); deeper nesting is refused. */
#define ECM_MAX_DEPTH	2
#define MAX_VLAN_TAGS	4

/* Where a packet is, while it is walked down to its UDP payload. */
struct pkt {
	uint64_t		 frame;
	int			 truncated;	/* caplen < wire length */
	int			 ipv;
	char			 src[INET6_ADDRSTRLEN];
	char			 dst[INET6_ADDRSTRLEN];
	uint8_t			 proto;
	int			 frag_first;	/* first fragment, more follow */
	uint32_t		 frag_off;	/* bytes; non-zero: not first */
	uint16_t		 vlan[MAX_VLAN_TAGS];
	int			 nvlan;
};

/* JSON helpers: json-c keeps keys in insertion order, i.e. wire order. */
static void
jint(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
jstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
jhex(struct json_object *o, const char *k, const uint8_t *p, size_t n)
{
	char	 buf[2 * 512 + 1];
	size_t	 i;

	if (n > 512)
		n = 512;
	for (i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * n] = '\0';
	jstr(o, k, buf);
}

static void
jnonce(struct json_object *o, uint64_t nonce)
{
	char	 buf[32];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, nonce);
	jstr(o, "nonce", buf);
}

/* Flag names, as a list of letters, for the set bits. */
struct flagname {
	unsigned int	 mask;
	const char	*name;
};

static void
jflags(struct json_object *o, unsigned int v, const struct flagname *fn)
{
	struct json_object	*a = json_object_new_array();

	for (; fn->name != NULL; fn++)
		if (v & fn->mask)
			json_object_array_add(a, json_object_new_string(fn->name));
	json_object_object_add(o, "flags", a);
}

static struct json_object *addr_json(const struct lisp_addr *, int);

static struct json_object *
lcaf_json(const struct lcaf *l, int depth)
{
	struct json_object	*o = json_object_new_object(), *a, *e;
	size_t			 i;

	jint(o, "lcaf_type", l->type);
	jstr(o, "lcaf_name", lcaf_type_name(l->type));
	if (depth > LCAF_MAX_DEPTH + 1)
		return o;
	switch (l->type) {
	case LCAF_IID:
		jint(o, "iid", l->u.iid.iid);
		jint(o, "iid_mask_len", l->rsvd2);
		json_object_object_add(o, "address",
		    addr_json(&l->u.iid.addr, depth + 1));
		break;
	case LCAF_ASN:
		jint(o, "asn", l->u.asn.asn);
		json_object_object_add(o, "address",
		    addr_json(&l->u.asn.addr, depth + 1));
		break;
	case LCAF_AFI_LIST:
		a = json_object_new_array();
		for (i = 0; i < l->u.list.n; i++)
			json_object_array_add(a,
			    addr_json(&l->u.list.addrs[i], depth + 1));
		json_object_object_add(o, "addresses", a);
		break;
	case LCAF_NATT:
		jint(o, "ms_port", l->u.natt.ms_port);
		jint(o, "etr_port", l->u.natt.etr_port);
		json_object_object_add(o, "global_etr",
		    addr_json(&l->u.natt.global_etr, depth + 1));
		json_object_object_add(o, "ms",
		    addr_json(&l->u.natt.ms, depth + 1));
		json_object_object_add(o, "private_etr",
		    addr_json(&l->u.natt.private_etr, depth + 1));
		a = json_object_new_array();
		for (i = 0; i < l->u.natt.n_rtr; i++)
			json_object_array_add(a,
			    addr_json(&l->u.natt.rtr[i], depth + 1));
		json_object_object_add(o, "rtrs", a);
		break;
	case LCAF_ELP:
		a = json_object_new_array();
		for (i = 0; i < l->u.elp.n; i++) {
			e = addr_json(&l->u.elp.hops[i].addr, depth + 1);
			jint(e, "hop_flags", l->u.elp.hops[i].flags);
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "hops", a);
		break;
	case LCAF_RLE:
		a = json_object_new_array();
		for (i = 0; i < l->u.rle.n; i++) {
			e = addr_json(&l->u.rle.entries[i].addr, depth + 1);
			jint(e, "level", l->u.rle.entries[i].level);
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "entries", a);
		break;
	case LCAF_SECKEY:
		jint(o, "key_count", l->u.seckey.key_count);
		jint(o, "cipher_suite", l->u.seckey.cipher_suite);
		jint(o, "seckey_flags", l->u.seckey.flags);
		a = json_object_new_array();
		for (i = 0; i < l->u.seckey.key_count &&
		    i < LCAF_SECKEY_MAX_KEYS; i++)
			json_object_array_add(a,
			    json_object_new_int(l->u.seckey.key_len[i]));
		json_object_object_add(o, "key_lens", a);
		json_object_object_add(o, "address",
		    addr_json(&l->u.seckey.addr, depth + 1));
		break;
	case LCAF_SRCDST:
		jint(o, "src_mask_len", l->u.srcdst.src_mlen);
		json_object_object_add(o, "src",
		    addr_json(&l->u.srcdst.src, depth + 1));
		jint(o, "dst_mask_len", l->u.srcdst.dst_mlen);
		json_object_object_add(o, "dst",
		    addr_json(&l->u.srcdst.dst, depth + 1));
		break;
	case LCAF_JSON:
		jstr(o, "json", l->u.json.text != NULL ? l->u.json.text : "");
		if (l->u.json.addr.afi != LISP_AFI_NONE)
			json_object_object_add(o, "address",
			    addr_json(&l->u.json.addr, depth + 1));
		break;
	case LCAF_KV:
		json_object_object_add(o, "key",
		    addr_json(&l->u.kv.key, depth + 1));
		json_object_object_add(o, "value",
		    addr_json(&l->u.kv.value, depth + 1));
		break;
	case LCAF_MCAST_INFO:
		jint(o, "iid", l->u.mcast.iid);
		jint(o, "src_mask_len", l->u.mcast.src_mlen);
		json_object_object_add(o, "src",
		    addr_json(&l->u.mcast.src, depth + 1));
		jint(o, "grp_mask_len", l->u.mcast.grp_mlen);
		json_object_object_add(o, "grp",
		    addr_json(&l->u.mcast.grp, depth + 1));
		break;
	default:
		jint(o, "length", l->u.raw.len);
		jhex(o, "body", l->u.raw.bytes, l->u.raw.len);
		break;
	}
	return o;
}

static struct json_object *
addr_json(const struct lisp_addr *a, int depth)
{
	struct json_object	*o = json_object_new_object();
	char			 buf[LISP_ADDR_STRLEN];

	jint(o, "afi", a->afi);
	jstr(o, "address", lisp_addr_fmt(a, buf, sizeof(buf)));
	if (a->afi == LISP_AFI_LCAF && a->u.lcaf != NULL)
		json_object_object_add(o, "lcaf", lcaf_json(a->u.lcaf, depth));
	return o;
}

static const struct flagname loc_flags[] = {
	{ LISP_LOC_L, "L" }, { LISP_LOC_P, "p" }, { LISP_LOC_R, "R" },
	{ 0, NULL }
};

static struct json_object *
locator_json(const struct lisp_locator *l)
{
	struct json_object	*o = json_object_new_object();
	char			 buf[LISP_ADDR_STRLEN];

	jstr(o, "address", lisp_addr_fmt(&l->addr, buf, sizeof(buf)));
	jint(o, "afi", l->addr.afi);
	jint(o, "priority", l->priority);
	jint(o, "weight", l->weight);
	jint(o, "mpriority", l->mpriority);
	jint(o, "mweight", l->mweight);
	jint(o, "loc_flags", l->flags);
	jflags(o, l->flags, loc_flags);
	if (l->addr.afi == LISP_AFI_LCAF && l->addr.u.lcaf != NULL)
		json_object_object_add(o, "lcaf", lcaf_json(l->addr.u.lcaf, 0));
	return o;
}

/* "10.0.0.0/8" from the innermost non-IID address of an EID. */
static void
eid_fields(struct json_object *o, const struct lisp_addr *eid, int mlen)
{
	const struct lisp_addr	*in;
	char			 buf[LISP_ADDR_STRLEN], pfx[LISP_ADDR_STRLEN + 8];
	uint32_t		 iid = 0;

	in = lisp_addr_strip_iid(eid, &iid);
	lisp_addr_fmt(in, buf, sizeof(buf));
	snprintf(pfx, sizeof(pfx), "%s/%d", buf, mlen);
	jstr(o, "eid_prefix", pfx);
	if (eid->afi == LISP_AFI_LCAF && eid->u.lcaf != NULL &&
	    eid->u.lcaf->type == LCAF_IID)
		jint(o, "iid", iid);
	jint(o, "mask_len", mlen);
	json_object_object_add(o, "eid", addr_json(eid, 0));
}

static struct json_object *
record_json(const struct lisp_eid_record *r, int referral)
{
	struct json_object	*o = json_object_new_object(), *a, *s;
	size_t			 i;

	eid_fields(o, &r->eid, r->mask_len);
	jint(o, "ttl", r->ttl);
	jint(o, "act", r->act);
	jstr(o, "act_name", referral ? lisp_ref_act_name(r->act) :
	    lisp_act_name(r->act));
	jint(o, "A", (r->flags & LISP_REC_A) != 0);
	if (referral) {
		jint(o, "I", (r->flags & LISP_REC_I) != 0);
		jint(o, "sig_count", (int64_t)r->sig_count);
	}
	jint(o, "version", r->version);
	jint(o, "locator_count", (int64_t)r->loc_count);
	a = json_object_new_array();
	for (i = 0; i < r->loc_count; i++)
		json_object_array_add(a, locator_json(&r->locs[i]));
	json_object_object_add(o, "locators", a);
	if (referral && r->sig_count > 0) {
		a = json_object_new_array();
		for (i = 0; i < r->sig_count; i++) {
			s = json_object_new_object();
			jint(s, "orig_ttl", r->sigs[i].orig_ttl);
			jint(s, "expiration", r->sigs[i].expiration);
			jint(s, "inception", r->sigs[i].inception);
			jint(s, "key_tag", r->sigs[i].key_tag);
			jint(s, "sig_alg", r->sigs[i].sig_alg);
			jint(s, "sig_len", r->sigs[i].sig_len);
			json_object_array_add(a, s);
		}
		json_object_object_add(o, "signatures", a);
	}
	return o;
}

static struct json_object *
records_json(const struct lisp_eid_record *r, size_t n, int referral)
{
	struct json_object	*a = json_object_new_array();
	size_t			 i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, record_json(&r[i], referral));
	return a;
}

static const struct flagname mreq_flags[] = {
	{ LISP_MREQ_A, "A" }, { LISP_MREQ_M, "M" }, { LISP_MREQ_P, "P" },
	{ LISP_MREQ_S, "S" }, { LISP_MREQ_PITR, "p" },
	{ LISP_MREQ_SMRI, "s" }, { LISP_MREQ_L, "L" }, { LISP_MREQ_D, "D" },
	{ 0, NULL }
};
static const struct flagname mrep_flags[] = {
	{ LISP_MREP_P, "P" }, { LISP_MREP_E, "E" }, { LISP_MREP_S, "S" },
	{ 0, NULL }
};
static const struct flagname mreg_flags[] = {
	{ LISP_MREG_P, "P" }, { LISP_MREG_S, "S" }, { LISP_MREG_I, "I" },
	{ LISP_MREG_R, "R" }, { LISP_MREG_E, "E" }, { LISP_MREG_T, "T" },
	{ LISP_MREG_MERGE, "a" }, { LISP_MREG_MN, "mn" }, { LISP_MREG_M, "M" },
	{ 0, NULL }
};
static const struct flagname mnot_flags[] = {
	{ LISP_MNOT_I, "I" }, { LISP_MNOT_R, "R" }, { 0, NULL }
};
static const struct flagname ecm_flags[] = {
	{ LISP_ECM_S, "S" }, { LISP_ECM_D, "D" }, { LISP_ECM_E, "E" },
	{ LISP_ECM_M, "M" }, { 0, NULL }
};

/* Auth fields shared by Map-Register/Notify/Notify-Ack and Info. */
static void
auth_json(struct lisp_pcapdec *d, struct json_object *o, const uint8_t *buf,
    size_t len, size_t auth_off, uint8_t key_id, uint8_t alg_id,
    uint16_t auth_len, const uint8_t *auth)
{
	char	 status[96];
	int	 rc;

	jint(o, "key_id", key_id);
	jint(o, "alg_id", alg_id);
	jstr(o, "alg_name", lisp_auth_alg_name(alg_id));
	jint(o, "auth_len", auth_len);
	jhex(o, "auth_data", auth, auth_len < LISP_AUTH_MAX ? auth_len :
	    LISP_AUTH_MAX);
	if (d->key == NULL)
		return;
	if (alg_id == LISP_AUTH_NONE) {
		jstr(o, "auth", "none");
		return;
	}
	rc = lisp_auth_verify(buf, len, auth_off, auth_len, alg_id, d->key,
	    d->keylen);
	if (rc == 0)
		jstr(o, "auth", "valid");
	else if (rc == -LISP_E_AUTH)
		jstr(o, "auth", "INVALID");
	else {
		snprintf(status, sizeof(status), "INVALID (%s)",
		    rc == -LISP_E_VALUE ? "unsupported algorithm" :
		    lisp_strerror(rc));
		jstr(o, "auth", status);
	}
}

static int decode_control(struct lisp_pcapdec *, const uint8_t *, size_t,
    struct json_object **, char *, size_t, int);

static void
ecm_json(struct lisp_pcapdec *d, struct json_object *o, const struct lisp_ecm *e,
    char *err, size_t errlen, int depth, int *rc)
{
	struct json_object	*in = json_object_new_object(), *m = NULL;
	char			 buf[LISP_ADDR_STRLEN];

	jflags(o, e->flags, ecm_flags);
	if (e->sec_len > 0)
		jint(o, "sec_len", (int64_t)e->sec_len);
	jint(in, "ip_version", e->ip_version);
	jstr(in, "src", lisp_addr_fmt(&e->inner_src, buf, sizeof(buf)));
	jstr(in, "dst", lisp_addr_fmt(&e->inner_dst, buf, sizeof(buf)));
	jint(in, "ttl", e->inner_ttl);
	jint(in, "sport", e->inner_sport);
	jint(in, "dport", e->inner_dport);
	json_object_object_add(o, "inner", in);
	if (depth >= ECM_MAX_DEPTH) {
		snprintf(err, errlen, "ECM nested deeper than %d",
		    ECM_MAX_DEPTH);
		*rc = -LISP_E_DEPTH;
		return;
	}
	*rc = decode_control(d, e->payload, e->payload_len, &m, err, errlen,
	    depth + 1);
	if (m != NULL)
		json_object_object_add(o, "message", m);
}

/*
 * Decode one control message into *out.  On error returns the negative
 * code and writes the reason to err; *out may hold what was decoded.
 */
static int
decode_control(struct lisp_pcapdec *d, const uint8_t *buf, size_t len,
    struct json_object **out, char *err, size_t errlen, int depth)
{
	struct lisp_msg		 msg;
	struct json_object	*o, *a;
	char			 inner[256];
	size_t			 auth_off = 0, i;
	uint8_t			 type = 0;
	int			 rc;

	*out = NULL;
	if (len > 0)
		type = buf[0] >> 4;
	memset(&msg, 0, sizeof(msg));
	rc = lisp_msg_decode(buf, len, &msg, &d->stats, &auth_off);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", len > 0 ?
		    lisp_msg_type_name(type) : "empty message",
		    lisp_strerror(rc));
		return rc;
	}
	o = json_object_new_object();
	*out = o;
	jint(o, "type", msg.type);
	jstr(o, "type_name", lisp_msg_type_name(msg.type));
	switch (msg.type) {
	case LISP_MAP_REQUEST: {
		const struct lisp_map_request *m = &msg.u.mreq;

		jflags(o, m->flags, mreq_flags);
		jnonce(o, m->nonce);
		json_object_object_add(o, "source_eid",
		    addr_json(&m->src_eid, 0));
		jint(o, "itr_rloc_count", (int64_t)m->itr_rloc_count);
		a = json_object_new_array();
		for (i = 0; i < m->itr_rloc_count; i++)
			json_object_array_add(a, addr_json(&m->itr_rlocs[i], 0));
		json_object_object_add(o, "itr_rlocs", a);
		jint(o, "record_count", (int64_t)m->rec_count);
		a = json_object_new_array();
		for (i = 0; i < m->rec_count; i++) {
			struct json_object *r = json_object_new_object();

			eid_fields(r, &m->recs[i].eid, m->recs[i].mask_len);
			json_object_array_add(a, r);
		}
		json_object_object_add(o, "eid_records", a);
		if (m->map_reply != NULL)
			json_object_object_add(o, "map_reply",
			    record_json(m->map_reply, 0));
		break;
	}
	case LISP_MAP_REPLY:
		jflags(o, msg.u.mrep.flags, mrep_flags);
		jnonce(o, msg.u.mrep.nonce);
		jint(o, "record_count", (int64_t)msg.u.mrep.rec_count);
		json_object_object_add(o, "records",
		    records_json(msg.u.mrep.recs, msg.u.mrep.rec_count, 0));
		if (msg.u.mrep.sec_len > 0)
			jint(o, "sec_len", (int64_t)msg.u.mrep.sec_len);
		break;
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY:
	case LISP_MAP_NOTIFY_ACK: {
		const struct lisp_map_register *m = &msg.u.mreg;
		int	 has_id;

		jflags(o, m->flags, msg.type == LISP_MAP_REGISTER ?
		    mreg_flags : mnot_flags);
		jnonce(o, m->nonce);
		auth_json(d, o, buf, len, auth_off, m->key_id, m->alg_id,
		    m->auth_len, m->auth);
		jint(o, "record_count", (int64_t)m->rec_count);
		json_object_object_add(o, "records",
		    records_json(m->recs, m->rec_count, 0));
		has_id = msg.type == LISP_MAP_REGISTER ?
		    (m->flags & LISP_MREG_I) != 0 : (m->flags & LISP_MNOT_I) != 0;
		if (has_id) {
			jhex(o, "xtr_id", m->xtr_id, LISP_XTR_ID_LEN);
			jint(o, "site_id", (int64_t)m->site_id);
		}
		if (m->trail_len > 0) {
			/* Kept by the codec: covered by the HMAC. */
			jint(o, "trailing_len", (int64_t)m->trail_len);
			jhex(o, "trailing", m->trail, m->trail_len);
		}
		if (msg.type == LISP_MAP_NOTIFY && (m->flags & LISP_MNOT_R)) {
			jint(o, "msrtr_key_id", m->msrtr_key_id);
			jint(o, "msrtr_auth_len", m->msrtr_auth_len);
			jhex(o, "msrtr_auth", m->msrtr_auth,
			    m->msrtr_auth_len < LISP_AUTH_MAX ?
			    m->msrtr_auth_len : LISP_AUTH_MAX);
		}
		break;
	}
	case LISP_MAP_REFERRAL:
		jnonce(o, msg.u.mref.nonce);
		jint(o, "record_count", (int64_t)msg.u.mref.rec_count);
		json_object_object_add(o, "records",
		    records_json(msg.u.mref.recs, msg.u.mref.rec_count, 1));
		break;
	case LISP_INFO: {
		const struct lisp_info *m = &msg.u.info;

		jint(o, "R", m->reply != 0);
		jstr(o, "info", m->reply ? "Info-Reply" : "Info-Request");
		jnonce(o, m->nonce);
		auth_json(d, o, buf, len, auth_off, m->key_id, m->alg_id,
		    m->auth_len, m->auth);
		jint(o, "ttl", m->ttl);
		eid_fields(o, &m->eid, m->mask_len);
		json_object_object_add(o, "info_address",
		    addr_json(&m->info, 0));
		break;
	}
	case LISP_ECM:
		inner[0] = '\0';
		ecm_json(d, o, &msg.u.ecm, inner, sizeof(inner), depth, &rc);
		if (rc != 0)
			snprintf(err, errlen, "ECM: inner %s", inner);
		break;
	default:
		break;
	}
	lisp_msg_free(&msg);
	return rc;
}

/* Print a JSON value as indented "key: value" text. */
static int
json_is_flat(struct json_object *o)
{
	struct json_object_iterator	 it, end;
	struct json_object		*v;
	size_t				 i;

	if (json_object_get_type(o) == json_type_array) {
		for (i = 0; i < json_object_array_length(o); i++) {
			v = json_object_array_get_idx(o, i);
			if (json_object_is_type(v, json_type_object) ||
			    json_object_is_type(v, json_type_array))
				return 0;
		}
		return 1;
	}
	if (json_object_get_type(o) != json_type_object)
		return 1;
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		v = json_object_iter_peek_value(&it);
		if (json_object_is_type(v, json_type_object))
			return 0;
		if (json_object_is_type(v, json_type_array) && !json_is_flat(v))
			return 0;
	}
	return 1;
}

static void
text_scalar(struct json_object *v)
{
	size_t	 i;

	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++)
			printf("%s%s", i ? "," : "", json_object_get_string(
			    json_object_array_get_idx(v, i)));
		if (i == 0)
			printf("-");
	} else
		printf("%s", json_object_get_string(v));
}

static void text_object(struct json_object *, int);

static void
text_flat(struct json_object *o)
{
	struct json_object_iterator	 it, end;
	int				 first = 1;

	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		printf("%s%s=", first ? "" : " ", json_object_iter_peek_name(&it));
		text_scalar(json_object_iter_peek_value(&it));
		first = 0;
	}
}

static void
text_value(const char *name, struct json_object *v, int ind)
{
	size_t	 i;
	struct json_object *e;

	if (json_object_is_type(v, json_type_object)) {
		printf("%*s%s:", ind, "", name);
		if (json_is_flat(v)) {
			printf(" ");
			text_flat(v);
			printf("\n");
		} else {
			printf("\n");
			text_object(v, ind + 2);
		}
	} else if (json_object_is_type(v, json_type_array) &&
	    !json_is_flat(v)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			e = json_object_array_get_idx(v, i);
			printf("%*s%s[%zu]:", ind, "", name, i);
			if (json_is_flat(e)) {
				printf(" ");
				text_flat(e);
				printf("\n");
			} else {
				printf("\n");
				text_object(e, ind + 2);
			}
		}
	} else {
		printf("%*s%s: ", ind, "", name);
		text_scalar(v);
		printf("\n");
	}
}

static void
text_object(struct json_object *o, int ind)
{
	struct json_object_iterator	 it, end;

	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		text_value(json_object_iter_peek_name(&it),
		    json_object_iter_peek_value(&it), ind);
}

static void
emit(struct lisp_pcapdec *d, struct json_object *o)
{
	struct json_object	*v;

	if (d->json) {
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (json_object_object_get_ex(o, "error", &v)) {
		json_object_object_get_ex(o, "frame", &v);
		printf("frame %s: %s\n", json_object_get_string(v),
		    json_object_get_string(json_object_object_get(o, "error")));
	} else {
		json_object_object_get_ex(o, "frame", &v);
		printf("frame %s:\n", json_object_get_string(v));
		json_object_object_del(o, "frame");
		text_object(o, 2);
		printf("\n");
	}
	json_object_put(o);
}

static void
emit_error(struct lisp_pcapdec *d, const struct pkt *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
emit_error(struct lisp_pcapdec *d, const struct pkt *p, const char *fmt, ...)
{
	struct json_object	*o = json_object_new_object();
	char			 buf[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	jint(o, "frame", (int64_t)p->frame);
	jstr(o, "error", buf);
	d->errors++;
	emit(d, o);
}

static struct json_object *
frame_json(const struct pkt *p, const char *l4, uint16_t sport,
    uint16_t dport, const char *kind)
{
	struct json_object	*o = json_object_new_object(), *ou, *a;
	int			 i;

	jint(o, "frame", (int64_t)p->frame);
	ou = json_object_new_object();
	jint(ou, "ip_version", p->ipv);
	jstr(ou, "src", p->src);
	jstr(ou, "dst", p->dst);
	jstr(ou, "proto", l4);
	jint(ou, "sport", sport);
	jint(ou, "dport", dport);
	if (p->nvlan > 0) {
		a = json_object_new_array();
		for (i = 0; i < p->nvlan; i++)
			json_object_array_add(a, json_object_new_int(p->vlan[i]));
		json_object_object_add(ou, "vlan", a);
	}
	json_object_object_add(o, "outer", ou);
	jstr(o, "lisp", kind);
	return o;
}

struct ipinfo {
	int		 ipv;
	char		 src[INET6_ADDRSTRLEN];
	char		 dst[INET6_ADDRSTRLEN];
	uint8_t		 proto;
	uint8_t		 ttl;
	int		 frag;		/* non-zero: not a whole datagram */
	struct rbuf	 payload;
};

/*
 * Parse an IPv4 or IPv6 header (IPv6 extension headers skipped) and leave
 * the upper-layer bytes in ip->payload.  Returns NULL or an error text.
 */
static const char *
ip_parse(struct rbuf *rb, struct ipinfo *ip, uint32_t *frag_off,
    int *frag_first)
{
	uint8_t		 vhl, b, nh = 0, hlen;
	uint16_t	 tot = 0, fo = 0, plen = 0;
	uint8_t		 a[16];
	int		 n;

	*frag_off = 0;
	*frag_first = 0;
	if (rbuf_peek_u8(rb, &vhl) == -1)
		return "truncated IP header";
	ip->ipv = vhl >> 4;
	if (ip->ipv == 4) {
		hlen = (uint8_t)((vhl & 0x0F) * 4);
		if (hlen < 20)
			return "bad IPv4 header length";
		if (rbuf_left(rb) < hlen)
			return "truncated IPv4 header";
		(void)rbuf_skip(rb, 2);
		(void)rbuf_get_u16(rb, &tot);
		(void)rbuf_skip(rb, 2);
		(void)rbuf_get_u16(rb, &fo);
		(void)rbuf_get_u8(rb, &ip->ttl);
		(void)rbuf_get_u8(rb, &ip->proto);
		(void)rbuf_skip(rb, 2);
		(void)rbuf_get_bytes(rb, a, 4);
		inet_ntop(AF_INET, a, ip->src, sizeof(ip->src));
		(void)rbuf_get_bytes(rb, a, 4);
		inet_ntop(AF_INET, a, ip->dst, sizeof(ip->dst));
		(void)rbuf_skip(rb, hlen - 20u);
		if (tot < hlen)
			return "bad IPv4 total length";
		*frag_off = (uint32_t)(fo & 0x1FFF) * 8;
		*frag_first = (fo & 0x2000) && *frag_off == 0;
		ip->frag = (fo & 0x2000) || *frag_off != 0;
		/* Ethernet padding is cut; a short capture keeps what it has. */
		if (rbuf_sub(rb, tot - hlen, &ip->payload) == -1)
			rbuf_sub(rb, rbuf_left(rb), &ip->payload);
		return NULL;
	}
	if (ip->ipv != 6)
		return NULL;
	if (rbuf_left(rb) < 40)
		return "truncated IPv6 header";
	(void)rbuf_skip(rb, 4);
	(void)rbuf_get_u16(rb, &plen);
	(void)rbuf_get_u8(rb, &nh);
	(void)rbuf_get_u8(rb, &ip->ttl);
	(void)rbuf_get_bytes(rb, a, 16);
	inet_ntop(AF_INET6, a, ip->src, sizeof(ip->src));
	(void)rbuf_get_bytes(rb, a, 16);
	inet_ntop(AF_INET6, a, ip->dst, sizeof(ip->dst));
	/* Payload length 0 is a jumbogram: take what was captured. */
	if (plen == 0 || rbuf_sub(rb, plen, &ip->payload) == -1)
		rbuf_sub(rb, rbuf_left(rb), &ip->payload);
	ip->frag = 0;
	for (n = 0; n < 16; n++) {
		switch (nh) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (rbuf_get_u8(&ip->payload, &nh) == -1 ||
			    rbuf_get_u8(&ip->payload, &b) == -1 ||
			    rbuf_skip(&ip->payload, (size_t)b * 8 + 6) == -1)
				return "truncated IPv6 extension header";
			break;
		case 51:	/* AH: length in 4-byte units, minus 2 */
			if (rbuf_get_u8(&ip->payload, &nh) == -1 ||
			    rbuf_get_u8(&ip->payload, &b) == -1 ||
			    rbuf_skip(&ip->payload, (size_t)b * 4 + 6) == -1)
				return "truncated IPv6 AH header";
			break;
		case 44:	/* fragment */
			if (rbuf_get_u8(&ip->payload, &nh) == -1 ||
			    rbuf_skip(&ip->payload, 1) == -1 ||
			    rbuf_get_u16(&ip->payload, &fo) == -1 ||
			    rbuf_skip(&ip->payload, 4) == -1)
				return "truncated IPv6 fragment header";
			*frag_off = (uint32_t)(fo & 0xFFF8);
			*frag_first = (fo & 1) && *frag_off == 0;
			ip->frag = (fo & 1) || *frag_off != 0;
			break;
		default:
			ip->proto = nh;
			return NULL;
		}
	}
	return "too many IPv6 extension headers";
}

static void
decode_data(struct lisp_pcapdec *d, struct json_object *o, struct rbuf *rb)
{
	static const struct flagname data_flags[] = {
		{ LISP_DATA_N, "N" }, { LISP_DATA_L, "L" },
		{ LISP_DATA_E, "E" }, { LISP_DATA_V, "V" },
		{ LISP_DATA_I, "I" }, { LISP_DATA_P, "P" }, { 0, NULL }
	};
	struct lisp_data_hdr	 h;
	struct json_object	*dj = json_object_new_object(), *in, *m;
	struct ipinfo		 ip;
	uint32_t		 fo;
	uint16_t		 sport, dport;
	int			 ff;
	char			 fl[8], err[256];
	const char		*e;

	memset(&h, 0, sizeof(h));
	(void)lisp_data_hdr_decode(rb, &h);	/* length checked by caller */
	snprintf(fl, sizeof(fl), "0x%02x", h.flags);
	jstr(dj, "flags_byte", fl);
	jflags(dj, h.flags, data_flags);
	if (h.flags & LISP_DATA_N)
		jint(dj, "nonce", h.nonce);
	else if (h.flags & LISP_DATA_V) {
		jint(dj, "src_map_version", h.src_version);
		jint(dj, "dst_map_version", h.dst_version);
	}
	if ((h.flags & (LISP_DATA_N | LISP_DATA_V)) ==
	    (LISP_DATA_N | LISP_DATA_V))
		jstr(dj, "warning", "N and V both set, bytes 1-3 read as nonce");
	if (h.flags & LISP_DATA_P)
		jint(dj, "next_protocol", h.next_proto);
	if (h.flags & LISP_DATA_I)
		jint(dj, "iid", h.iid);
	if (h.flags & LISP_DATA_L)
		jint(dj, "lsb", h.lsb);
	jint(dj, "key_id", h.flags & LISP_DATA_KK);
	json_object_object_add(o, "data", dj);
	in = json_object_new_object();
	json_object_object_add(dj, "inner", in);
	if (h.flags & LISP_DATA_KK) {
		jstr(in, "payload", "encrypted (LISP-crypto)");
		jint(in, "length", (int64_t)rbuf_left(rb));
		return;
	}
	if ((h.flags & LISP_DATA_P) && h.next_proto != LISP_GPE_IPV4 &&
	    h.next_proto != LISP_GPE_IPV6) {
		jstr(in, "payload", "GPE, not IP");
		jint(in, "length", (int64_t)rbuf_left(rb));
		return;
	}
	memset(&ip, 0, sizeof(ip));
	if ((e = ip_parse(rb, &ip, &fo, &ff)) != NULL) {
		jstr(in, "error", e);
		return;
	}
	if (ip.ipv != 4 && ip.ipv != 6) {
		jstr(in, "payload", "not IP");
		jint(in, "ip_version", ip.ipv);
		jint(in, "length", (int64_t)rbuf_left(rb));
		return;
	}
	jint(in, "ip_version", ip.ipv);
	jstr(in, "src", ip.src);
	jstr(in, "dst", ip.dst);
	jint(in, "proto", ip.proto);
	jint(in, "ttl", ip.ttl);
	if (ip.frag || (ip.proto != IPPROTO_NUM_UDP &&
	    ip.proto != IPPROTO_NUM_TCP))
		return;
	if (rbuf_get_u16(&ip.payload, &sport) == -1 ||
	    rbuf_get_u16(&ip.payload, &dport) == -1)
		return;
	jint(in, "sport", sport);
	jint(in, "dport", dport);
	/* A control message carried in a data packet (lispers.net). */
	if (ip.proto == IPPROTO_NUM_UDP && (sport == LISP_CONTROL_PORT ||
	    dport == LISP_CONTROL_PORT) && rbuf_skip(&ip.payload, 4) == 0) {
		if (decode_control(d, rbuf_ptr(&ip.payload),
		    rbuf_left(&ip.payload), &m, err, sizeof(err), 1) != 0)
			jstr(in, "error", err);
		if (m != NULL)
			json_object_object_add(in, "message", m);
	}
}

int
lisp_pcapdec_dlt_ok(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return 0;
	}
}

void
lisp_pcapdec_packet(struct lisp_pcapdec *d, int dlt, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen)
{
	struct pkt		 p;
	struct rbuf		 rb, l4;
	struct ipinfo		 ip;
	struct json_object	*o, *m;
	uint16_t		 et, tci, sport, dport, ulen;
	uint32_t		 fam;
	uint8_t			 b;
	const char		*e;
	char			 err[512];
	int			 control, rc;

	d->frames++;
	memset(&p, 0, sizeof(p));
	p.frame = d->frames;
	p.truncated = caplen < wirelen;
	rbuf_init(&rb, data, caplen);
	et = 0;
	switch (dlt) {
	case DLT_EN10MB:
		if (rbuf_skip(&rb, 12) == -1 || rbuf_get_u16(&rb, &et) == -1)
			goto skip;
		while (et == ETH_P_8021Q || et == ETH_P_8021AD ||
		    et == ETH_P_QINQ) {
			if (rbuf_get_u16(&rb, &tci) == -1 ||
			    rbuf_get_u16(&rb, &et) == -1)
				goto skip;
			if (p.nvlan < MAX_VLAN_TAGS)
				p.vlan[p.nvlan++] = tci & 0x0FFF;
		}
		break;
	case DLT_LINUX_SLL:
		if (rbuf_skip(&rb, 14) == -1 || rbuf_get_u16(&rb, &et) == -1)
			goto skip;
		break;
	case DLT_LINUX_SLL2:
		if (rbuf_get_u16(&rb, &et) == -1 || rbuf_skip(&rb, 18) == -1)
			goto skip;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		/* The family's byte order and value vary by OS; the IP
		 * version nibble does not. */
		if (rbuf_get_u32(&rb, &fam) == -1)
			goto skip;
		/* FALLTHROUGH */
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (rbuf_peek_u8(&rb, &b) == -1)
			goto skip;
		et = (b >> 4) == 4 ? ETH_P_IPV4 : (b >> 4) == 6 ?
		    ETH_P_IPV6 : 0;
		break;
	default:
		goto skip;
	}
	if (et != ETH_P_IPV4 && et != ETH_P_IPV6)
		goto skip;

	memset(&ip, 0, sizeof(ip));
	if ((e = ip_parse(&rb, &ip, &p.frag_off, &p.frag_first)) != NULL) {
		/* Not knowing the ports, only LISP-looking frames matter. */
		goto skip;
	}
	if (ip.ipv != 4 && ip.ipv != 6)
		goto skip;
	p.ipv = ip.ipv;
	memcpy(p.src, ip.src, sizeof(p.src));
	memcpy(p.dst, ip.dst, sizeof(p.dst));
	p.proto = ip.proto;
	l4 = ip.payload;

	if (p.frag_off != 0) {
		if (p.proto == IPPROTO_NUM_UDP) {
			emit_error(d, &p, "IPv%d fragment at offset %u "
			    "(%s -> %s), not decodable without reassembly",
			    p.ipv, p.frag_off, p.src, p.dst);
			return;
		}
		goto skip;
	}
	if (p.proto == IPPROTO_NUM_TCP) {
		uint8_t	 off;

		if (rbuf_get_u16(&l4, &sport) == -1 ||
		    rbuf_get_u16(&l4, &dport) == -1)
			goto skip;
		if (sport != LISP_CONTROL_PORT && dport != LISP_CONTROL_PORT)
			goto skip;
		if (rbuf_skip(&l4, 8) == -1 || rbuf_get_u8(&l4, &off) == -1 ||
		    rbuf_skip(&l4, (size_t)(off >> 4) * 4 - 13) == -1 ||
		    rbuf_left(&l4) == 0) {
			/* Handshakes and bare ACKs carry no LISP. */
			goto skip;
		}
		o = frame_json(&p, "tcp", sport, dport, "tcp");
		jstr(o, "note", "LISP-TCP (not decoded)");
		jint(o, "length", (int64_t)rbuf_left(&l4));
		d->tcp++;
		emit(d, o);
		return;
	}
	if (p.proto != IPPROTO_NUM_UDP)
		goto skip;
	if (rbuf_get_u16(&l4, &sport) == -1 || rbuf_get_u16(&l4, &dport) == -1)
		goto skip;
	if (sport != LISP_DATA_PORT && sport != LISP_CONTROL_PORT &&
	    dport != LISP_DATA_PORT && dport != LISP_CONTROL_PORT)
		goto skip;
	/* Wireshark's rule: destination 4342 is control even from 4341. */
	control = dport == LISP_CONTROL_PORT || (dport != LISP_DATA_PORT &&
	    sport != LISP_DATA_PORT);
	if (rbuf_get_u16(&l4, &ulen) == -1 || rbuf_skip(&l4, 2) == -1) {
		emit_error(d, &p, "truncated UDP header");
		return;
	}
	if (ulen < 8) {
		emit_error(d, &p, "bad UDP length %u", ulen);
		return;
	}
	if (ulen - 8u > rbuf_left(&l4)) {
		if (p.frag_first)
			emit_error(d, &p, "first IPv%d fragment of a %u-byte "
			    "LISP datagram, not decodable without reassembly",
			    p.ipv, ulen);
		else if (p.truncated)
			emit_error(d, &p, "truncated capture (%u of %u bytes)",
			    caplen, wirelen);
		else
			emit_error(d, &p, "UDP length %u exceeds the IP "
			    "payload", ulen);
		return;
	}
	l4.len = l4.off + (ulen - 8u);

	if (!control) {
		if (rbuf_left(&l4) < LISP_DATA_HDR_LEN) {
			emit_error(d, &p, "LISP data header truncated "
			    "(%zu bytes)", rbuf_left(&l4));
			return;
		}
		o = frame_json(&p, "udp", sport, dport, "data");
		decode_data(d, o, &l4);
		d->data++;
		emit(d, o);
		return;
	}
	rc = decode_control(d, rbuf_ptr(&l4), rbuf_left(&l4), &m, err,
	    sizeof(err), 0);
	if (rc != 0) {
		json_object_put(m);
		emit_error(d, &p, "%s", err);
		return;
	}
	o = frame_json(&p, "udp", sport, dport, "control");
	json_object_object_add(o, "message", m);
	d->control++;
	emit(d, o);
	return;
 skip:
	d->skipped++;
}
