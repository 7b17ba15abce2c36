/* SPDX-License-Identifier: ISC */
/*
 * LISP control-message codec (RFC 9301 section 5, RFC 8111 section 6,
 * NAT-T draft Info-Request/Reply).  Every field, reserved bits included,
 * is kept in the structures so that decode followed by encode gives the
 * input bytes back; the tests check that on every real capture.
 *
 * Counts from the wire are checked against the bytes left before any
 * allocation (a record is at least 12 bytes, a locator 8, ...), so an
 * input can never make us allocate more than a small multiple of its
 * own size.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "lisp_net.h"

/* Smallest wire size of the repeated elements (used to bound counts). */
#define MIN_EID_RECORD		12	/* fixed part + EID AFI 0 */
#define MIN_MREQ_RECORD		4
#define MIN_LOCATOR		8
#define MIN_REF_SIG		20
#define MIN_ADDR		2

#define LISP_REF_MAX_SIGS	15	/* SigCnt is 4 bits */

/* Reserved-bit masks of the first 32-bit word, per type. */
#define MREQ_RSVD_MASK		0x003F8000	/* b1 0x3F, b2 0x80 */
#define MREP_RSVD_MASK		0x01FFFF00	/* b0 0x01, b1, b2 */
#define MREG_RSVD_MASK		0x00FFE000	/* b1, b2 0xE0 */
#define MNOT_RSVD_MASK		0x03FFFF00	/* b0 0x03, b1, b2 */
#define MREF_RSVD_MASK		0x0FFFFF00	/* b0 0x0F, b1, b2 */
#define INFO_RSVD_MASK		0x07FFFFFF	/* all but type and R */
#define ECM_RSVD_MASK		0x00FFFFFF	/* bytes 1-3 */

const char *
lisp_msg_type_name(uint8_t type)
{
	switch (type) {
	case LISP_MAP_REQUEST:		return "Map-Request";
	case LISP_MAP_REPLY:		return "Map-Reply";
	case LISP_MAP_REGISTER:		return "Map-Register";
	case LISP_MAP_NOTIFY:		return "Map-Notify";
	case LISP_MAP_NOTIFY_ACK:	return "Map-Notify-Ack";
	case LISP_MAP_REFERRAL:		return "Map-Referral";
	case LISP_INFO:			return "Info";
	case LISP_ECM:			return "ECM";
	default:			return "unknown";
	}
}

const char *
lisp_act_name(uint8_t act)
{
	switch (act) {
	case LISP_ACT_NO_ACTION:	return "no-action";
	case LISP_ACT_NATIVE_FWD:	return "native-forward";
	case LISP_ACT_SEND_MAP_REQ:	return "send-map-request";
	case LISP_ACT_DROP:		return "drop";
	case LISP_ACT_DROP_POLICY:	return "drop-policy-denied";
	case LISP_ACT_DROP_AUTH:	return "drop-auth-failure";
	default:			return "unknown";
	}
}

const char *
lisp_ref_act_name(uint8_t act)
{
	switch (act) {
	case LISP_REF_NODE_REFERRAL:	return "node-referral";
	case LISP_REF_MS_REFERRAL:	return "ms-referral";
	case LISP_REF_MS_ACK:		return "ms-ack";
	case LISP_REF_MS_NOT_REG:	return "ms-not-registered";
	case LISP_REF_DELEGATION_HOLE:	return "delegation-hole";
	case LISP_REF_NOT_AUTH:		return "not-authoritative";
	default:			return "unknown";
	}
}

/* A prefix longer than its address family allows is an invalid field. */
static int
mask_check(const struct lisp_addr *eid, uint8_t mlen)
{
	const struct lisp_addr	*a = lisp_addr_strip_iid(eid, NULL);
	int			 max;

	switch (a->afi) {
	case LISP_AFI_IPV4:
		max = 32;
		break;
	case LISP_AFI_IPV6:
		max = 128;
		break;
	case LISP_AFI_MAC:
		max = 48;
		break;
	default:
		return 0;
	}
	return mlen > max ? -LISP_E_VALUE : 0;
}

void
lisp_eid_record_free(struct lisp_eid_record *rec)
{
	size_t	 i;

	if (rec == NULL)
		return;
	lisp_addr_free(&rec->eid);
	if (rec->locs != NULL) {
		for (i = 0; i < rec->loc_count; i++)
			lisp_addr_free(&rec->locs[i].addr);
		free(rec->locs);
	}
	if (rec->sigs != NULL) {
		for (i = 0; i < rec->sig_count; i++)
			free(rec->sigs[i].sig);
		free(rec->sigs);
	}
	memset(rec, 0, sizeof(*rec));
}

/*
 * Map-Referral signature section (RFC 8111 section 6.4.1):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                   Original Record TTL                         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                   Signature Expiration                        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                   Signature Inception                         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |            Key Tag            |           Sig Length          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | Sig-Algorithm |    Reserved   |            Reserved           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    ~                             Signature                         ~
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
sig_decode(struct rbuf *rb, struct lisp_ref_sig *s)
{
	if (rbuf_get_u32(rb, &s->orig_ttl) == -1 ||
	    rbuf_get_u32(rb, &s->expiration) == -1 ||
	    rbuf_get_u32(rb, &s->inception) == -1 ||
	    rbuf_get_u16(rb, &s->key_tag) == -1 ||
	    rbuf_get_u16(rb, &s->sig_len) == -1 ||
	    rbuf_get_u8(rb, &s->sig_alg) == -1 ||
	    rbuf_get_u8(rb, &s->rsvd1) == -1 ||
	    rbuf_get_u16(rb, &s->rsvd2) == -1)
		return -LISP_E_TRUNC;
	if (s->sig_len > rbuf_left(rb))
		return -LISP_E_TRUNC;
	if (s->sig_len == 0)
		return 0;
	if ((s->sig = malloc(s->sig_len)) == NULL)
		return -LISP_E_NOMEM;
	(void)rbuf_get_bytes(rb, s->sig, s->sig_len);
	return 0;
}

static int
rec_decode(struct rbuf *rb, struct lisp_eid_record *rec, int referral,
    struct lisp_codec_stats *stats)
{
	struct lisp_locator	*loc;
	uint16_t		 ver;
	uint8_t			 lc, b6;
	size_t			 i;
	int			 rc;

	if (rbuf_get_u32(rb, &rec->ttl) == -1 ||
	    rbuf_get_u8(rb, &lc) == -1 ||
	    rbuf_get_u8(rb, &rec->mask_len) == -1 ||
	    rbuf_get_u8(rb, &b6) == -1 ||
	    rbuf_get_u8(rb, &rec->rsvd) == -1 ||
	    rbuf_get_u16(rb, &ver) == -1)
		return -LISP_E_TRUNC;
	rec->act = b6 >> LISP_REC_ACT_SHIFT;
	rec->flags = b6 & ~LISP_REC_ACT_MASK;
	rec->rsvd_ver = ver >> 12;
	rec->version = ver & 0x0FFF;
	if ((rc = lisp_addr_decode(rb, &rec->eid, stats)) != 0)
		return rc;
	if ((rc = mask_check(&rec->eid, rec->mask_len)) != 0)
		return rc;

	if ((size_t)lc * MIN_LOCATOR > rbuf_left(rb))
		return -LISP_E_TRUNC;
	if (lc > 0 && (rec->locs = calloc(lc, sizeof(*rec->locs))) == NULL)
		return -LISP_E_NOMEM;
	rec->loc_count = lc;
	for (i = 0; i < lc; i++) {
		loc = &rec->locs[i];
		if (rbuf_get_u8(rb, &loc->priority) == -1 ||
		    rbuf_get_u8(rb, &loc->weight) == -1 ||
		    rbuf_get_u8(rb, &loc->mpriority) == -1 ||
		    rbuf_get_u8(rb, &loc->mweight) == -1 ||
		    rbuf_get_u16(rb, &loc->flags) == -1)
			return -LISP_E_TRUNC;
		if ((rc = lisp_addr_decode(rb, &loc->addr, stats)) != 0)
			return rc;
	}

	if (!referral)
		return 0;
	/* Map-Referral: the top 4 bits of bytes 8-9 are SigCnt. */
	if ((size_t)rec->rsvd_ver * MIN_REF_SIG > rbuf_left(rb))
		return -LISP_E_TRUNC;
	if (rec->rsvd_ver > 0 &&
	    (rec->sigs = calloc(rec->rsvd_ver, sizeof(*rec->sigs))) == NULL)
		return -LISP_E_NOMEM;
	rec->sig_count = rec->rsvd_ver;
	for (i = 0; i < rec->sig_count; i++)
		if ((rc = sig_decode(rb, &rec->sigs[i])) != 0)
			return rc;
	return 0;
}

int
lisp_eid_record_decode(struct rbuf *rb, struct lisp_eid_record *rec,
    int referral, struct lisp_codec_stats *stats)
{
	int	 rc;

	memset(rec, 0, sizeof(*rec));
	if ((rc = rec_decode(rb, rec, referral, stats)) != 0)
		lisp_eid_record_free(rec);
	return rc;
}

/* Decode n EID-records into a freshly allocated array. */
static int
recs_decode(struct rbuf *rb, size_t n, struct lisp_eid_record **out,
    size_t *countp, int referral, struct lisp_codec_stats *stats)
{
	size_t	 i;
	int	 rc;

	if (n * MIN_EID_RECORD > rbuf_left(rb))
		return -LISP_E_TRUNC;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -LISP_E_NOMEM;
	for (i = 0; i < n; i++) {
		/* Count before decoding: a failed record is freed too. */
		*countp = i + 1;
		if ((rc = lisp_eid_record_decode(rb, &(*out)[i], referral,
		    stats)) != 0)
			return rc;
	}
	return 0;
}

static void
recs_free(struct lisp_eid_record *recs, size_t n)
{
	size_t	 i;

	if (recs == NULL)
		return;
	for (i = 0; i < n; i++)
		lisp_eid_record_free(&recs[i]);
	free(recs);
}

/*
 * Map-Request (RFC 9301 section 5.2):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=1 |A|M|P|S|p|s|R|R|      Rsvd       |L|D|   IRC   | Rec Cnt |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Nonce (64)                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Source-EID-AFI        |   Source EID Address  ...     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         ITR-RLOC-AFI 1        |    ITR-RLOC Address 1  ...    |  x IRC+1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Reserved    | EID mask-len  |        EID-Prefix-AFI         |  x Rec Cnt
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                       EID-Prefix  ...                         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                   Map-Reply Record  ... (when M)              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
mreq_decode(struct rbuf *rb, uint32_t w0, struct lisp_map_request *m,
    struct lisp_codec_stats *stats)
{
	uint8_t		 b0 = w0 >> 24, b1 = w0 >> 16, b2 = w0 >> 8;
	size_t		 i, n;
	int		 rc;

	m->flags = (b0 & 0x08 ? LISP_MREQ_A : 0) |
	    (b0 & 0x04 ? LISP_MREQ_M : 0) |
	    (b0 & 0x02 ? LISP_MREQ_P : 0) |
	    (b0 & 0x01 ? LISP_MREQ_S : 0) |
	    (b1 & 0x80 ? LISP_MREQ_PITR : 0) |
	    (b1 & 0x40 ? LISP_MREQ_SMRI : 0) |
	    (b2 & 0x40 ? LISP_MREQ_L : 0) |
	    (b2 & 0x20 ? LISP_MREQ_D : 0);
	m->rsvd = (uint16_t)((w0 & MREQ_RSVD_MASK) >> 8);
	n = (size_t)(b2 & 0x1F) + 1;
	if (rbuf_get_u64(rb, &m->nonce) == -1)
		return -LISP_E_TRUNC;
	if ((rc = lisp_addr_decode(rb, &m->src_eid, stats)) != 0)
		return rc;

	if (n * MIN_ADDR > rbuf_left(rb))
		return -LISP_E_TRUNC;
	if ((m->itr_rlocs = calloc(n, sizeof(*m->itr_rlocs))) == NULL)
		return -LISP_E_NOMEM;
	m->itr_rloc_count = n;
	for (i = 0; i < n; i++)
		if ((rc = lisp_addr_decode(rb, &m->itr_rlocs[i], stats)) != 0)
			return rc;

	/* A sender sends exactly one record; a receiver accepts >= 1. */
	n = w0 & 0xFF;
	if (n == 0)
		return -LISP_E_COUNT;
	if (n * MIN_MREQ_RECORD > rbuf_left(rb))
		return -LISP_E_TRUNC;
	if ((m->recs = calloc(n, sizeof(*m->recs))) == NULL)
		return -LISP_E_NOMEM;
	m->rec_count = n;
	for (i = 0; i < n; i++) {
		if (rbuf_get_u8(rb, &m->recs[i].rsvd) == -1 ||
		    rbuf_get_u8(rb, &m->recs[i].mask_len) == -1)
			return -LISP_E_TRUNC;
		if ((rc = lisp_addr_decode(rb, &m->recs[i].eid, stats)) != 0)
			return rc;
		if ((rc = mask_check(&m->recs[i].eid,
		    m->recs[i].mask_len)) != 0)
			return rc;
	}

	if (m->flags & LISP_MREQ_M) {
		if ((m->map_reply = calloc(1, sizeof(*m->map_reply))) == NULL)
			return -LISP_E_NOMEM;
		if ((rc = lisp_eid_record_decode(rb, m->map_reply, 0,
		    stats)) != 0)
			return rc;
	}
	return rbuf_left(rb) ? -LISP_E_TRAILING : 0;
}

/*
 * Map-Reply (RFC 9301 section 5.4):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=2 |P|E|S|          Reserved               | Record Count  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Nonce (64)                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                 EID-records ... [LISP-SEC block when S]       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
mrep_decode(struct rbuf *rb, uint32_t w0, struct lisp_map_reply *m,
    struct lisp_codec_stats *stats)
{
	int	 rc;

	m->flags = (w0 >> 24) & (LISP_MREP_P | LISP_MREP_E | LISP_MREP_S);
	m->rsvd = (w0 & MREP_RSVD_MASK) >> 8;
	if (rbuf_get_u64(rb, &m->nonce) == -1)
		return -LISP_E_TRUNC;
	if ((rc = recs_decode(rb, w0 & 0xFF, &m->recs, &m->rec_count, 0,
	    stats)) != 0)
		return rc;
	if (rbuf_left(rb) == 0)
		return 0;
	if (!(m->flags & LISP_MREP_S))
		return -LISP_E_TRAILING;
	m->sec_len = rbuf_left(rb);
	if (rbuf_get_dup(rb, m->sec_len, &m->sec) != 0)
		return -LISP_E_NOMEM;
	return 0;
}

/*
 * Map-Register (RFC 9301 section 5.6; bit 7 R from the NAT-T draft):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=3 |P|S|I|R|      Reserved       |E|T|a|m|M| Record Count  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Nonce (64)                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |    Key ID     |  Algorithm ID |  Authentication Data Length   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    ~                     Authentication Data                       ~
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     EID-records ...                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          xTR-ID (128) + Site-ID (64), when I                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Map-Notify and Map-Notify-Ack use the NAT-T draft's first byte
 * |Type|I|R|Rsvd| and, when R, an MS-RTR block after the xTR-ID:
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        MS-RTR Key ID          |  MS-RTR Auth. Data Length     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    ~                   MS-RTR Authentication Data                  ~
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
mreg_decode(struct rbuf *rb, uint8_t type, uint32_t w0,
    struct lisp_map_register *m, struct lisp_codec_stats *stats)
{
	uint8_t		 b0 = w0 >> 24, b2 = w0 >> 8;
	int		 rc;

	if (type == LISP_MAP_REGISTER) {
		m->flags = (b0 & 0x08 ? LISP_MREG_P : 0) |
		    (b0 & 0x04 ? LISP_MREG_S : 0) |
		    (b0 & 0x02 ? LISP_MREG_I : 0) |
		    (b0 & 0x01 ? LISP_MREG_R : 0) |
		    (b2 & 0x10 ? LISP_MREG_E : 0) |
		    (b2 & 0x08 ? LISP_MREG_T : 0) |
		    (b2 & 0x04 ? LISP_MREG_MERGE : 0) |
		    (b2 & 0x02 ? LISP_MREG_MN : 0) |
		    (b2 & 0x01 ? LISP_MREG_M : 0);
		m->rsvd = (w0 & MREG_RSVD_MASK) >> 8;
	} else {
		m->flags = (b0 & 0x08 ? LISP_MNOT_I : 0) |
		    (b0 & 0x04 ? LISP_MNOT_R : 0);
		m->rsvd = (w0 & MNOT_RSVD_MASK) >> 8;
	}
	if (rbuf_get_u64(rb, &m->nonce) == -1 ||
	    rbuf_get_u8(rb, &m->key_id) == -1 ||
	    rbuf_get_u8(rb, &m->alg_id) == -1 ||
	    rbuf_get_u16(rb, &m->auth_len) == -1)
		return -LISP_E_TRUNC;
	if (m->auth_len > LISP_AUTH_MAX)
		return -LISP_E_LEN;
	if (rbuf_get_bytes(rb, m->auth, m->auth_len) == -1)
		return -LISP_E_TRUNC;
	if ((rc = recs_decode(rb, w0 & 0xFF, &m->recs, &m->rec_count, 0,
	    stats)) != 0)
		return rc;
	/* LISP_MREG_I == LISP_MNOT_I: the same word bit for every type. */
	if (m->flags & LISP_MREG_I) {
		if (rbuf_get_bytes(rb, m->xtr_id, LISP_XTR_ID_LEN) == -1 ||
		    rbuf_get_u64(rb, &m->site_id) == -1)
			return -LISP_E_TRUNC;
	}
	if (type != LISP_MAP_REGISTER && (m->flags & LISP_MNOT_R)) {
		if (rbuf_get_u16(rb, &m->msrtr_key_id) == -1 ||
		    rbuf_get_u16(rb, &m->msrtr_auth_len) == -1)
			return -LISP_E_TRUNC;
		if (m->msrtr_auth_len > LISP_AUTH_MAX)
			return -LISP_E_LEN;
		if (rbuf_get_bytes(rb, m->msrtr_auth,
		    m->msrtr_auth_len) == -1)
			return -LISP_E_TRUNC;
	}
	if (rbuf_left(rb) == 0)
		return 0;
	m->trail_len = rbuf_left(rb);
	if (rbuf_get_dup(rb, m->trail_len, &m->trail) != 0)
		return -LISP_E_NOMEM;
	return 0;
}

/*
 * Map-Referral (RFC 8111 section 6.4):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=6 |                Reserved               | Record Count  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Nonce (64)                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |     Records (SigCnt in bytes 8-9, I bit, signatures) ...      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
mref_decode(struct rbuf *rb, uint32_t w0, struct lisp_map_referral *m,
    struct lisp_codec_stats *stats)
{
	int	 rc;

	m->rsvd = (w0 & MREF_RSVD_MASK) >> 8;
	if (rbuf_get_u64(rb, &m->nonce) == -1)
		return -LISP_E_TRUNC;
	if ((rc = recs_decode(rb, w0 & 0xFF, &m->recs, &m->rec_count, 1,
	    stats)) != 0)
		return rc;
	return rbuf_left(rb) ? -LISP_E_TRAILING : 0;
}

/*
 * Info-Request / Info-Reply (NAT-T draft):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=7 |R|               Reserved                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Nonce (64)                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |    Key ID     |  Algorithm ID |  Authentication Data Length   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    ~                     Authentication Data                       ~
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                              TTL                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Reserved    | EID mask-len  |        EID-prefix-AFI         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                          EID-prefix                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   AFI (0, DN, or NAT-Traversal LCAF in a reply) + address     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
info_decode(struct rbuf *rb, uint32_t w0, struct lisp_info *m,
    struct lisp_codec_stats *stats)
{
	int	 rc;

	m->reply = (w0 >> 24) & 0x08 ? 1 : 0;
	m->rsvd = w0 & INFO_RSVD_MASK;
	if (rbuf_get_u64(rb, &m->nonce) == -1 ||
	    rbuf_get_u8(rb, &m->key_id) == -1 ||
	    rbuf_get_u8(rb, &m->alg_id) == -1 ||
	    rbuf_get_u16(rb, &m->auth_len) == -1)
		return -LISP_E_TRUNC;
	if (m->auth_len > LISP_AUTH_MAX)
		return -LISP_E_LEN;
	if (rbuf_get_bytes(rb, m->auth, m->auth_len) == -1 ||
	    rbuf_get_u32(rb, &m->ttl) == -1 ||
	    rbuf_get_u8(rb, &m->rsvd2) == -1 ||
	    rbuf_get_u8(rb, &m->mask_len) == -1)
		return -LISP_E_TRUNC;
	if ((rc = lisp_addr_decode(rb, &m->eid, stats)) != 0)
		return rc;
	if ((rc = mask_check(&m->eid, m->mask_len)) != 0)
		return rc;
	if ((rc = lisp_addr_decode(rb, &m->info, stats)) != 0)
		return rc;
	return rbuf_left(rb) ? -LISP_E_TRAILING : 0;
}

/*
 * A candidate inner header at p (len bytes to the end of the message):
 * an IPv4 header whose total length, or an IPv6 header whose payload
 * length, ends exactly at the end, carrying UDP.
 */
static int
ip_header_fits(const uint8_t *p, size_t len)
{
	size_t	 ihl;

	if (len >= 20 && (p[0] >> 4) == 4) {
		ihl = (size_t)(p[0] & 0x0F) * 4;
		return ihl >= 20 && p[9] == IPPROTO_UDP &&
		    ((size_t)p[2] << 8 | p[3]) == len;
	}
	if (len >= 40 && (p[0] >> 4) == 6)
		return p[6] == IPPROTO_UDP &&
		    ((size_t)p[4] << 8 | p[5]) + 40 == len;
	return 0;
}

/*
 * ECM (RFC 9301 section 5.8; bits 6-7 E/M per the IANA table):
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=8 |S|D|E|M|            Reserved                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          [LISP-SEC ECM Authentication Data, when S]           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                       IPv4 or IPv6 header                     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |      Source Port = xxxx       |       Dest Port = 4342        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           UDP Length          |        UDP Checksum           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     LISP control message                      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int
ecm_decode(struct rbuf *rb, uint32_t w0, struct lisp_ecm *m)
{
	size_t		 ip_start, ip_len, hlen, n;
	uint16_t	 totlen, plen, ulen, u16;
	uint32_t	 vtf;
	uint8_t		 vihl, proto;

	m->flags = (w0 >> 24) & 0x0F;
	m->rsvd = w0 & ECM_RSVD_MASK;

	if (m->flags & LISP_ECM_S) {
		/*
		 * LISP-SEC ECM authentication data (RFC 9303) sits between
		 * this header and the inner IP header.  We do not interpret
		 * it: the block is kept raw and ends where the one inner IP
		 * header that matches the rest of the message begins (at
		 * least the 4-byte AD-Type word).  See docs/DECISIONS.md.
		 */
		for (n = 4; n < rbuf_left(rb); n++)
			if (ip_header_fits(rbuf_ptr(rb) + n,
			    rbuf_left(rb) - n))
				break;
		if (n >= rbuf_left(rb))
			return -LISP_E_IP;
		m->sec_len = n;
		if (rbuf_get_dup(rb, n, &m->sec) != 0)
			return -LISP_E_NOMEM;
	}

	ip_start = rbuf_offset(rb);
	ip_len = rbuf_left(rb);
	if (rbuf_peek_u8(rb, &vihl) == -1)
		return -LISP_E_TRUNC;
	switch (vihl >> 4) {
	case 4:
		m->ip_version = 4;
		m->inner_src.afi = m->inner_dst.afi = LISP_AFI_IPV4;
		if (rbuf_get_u8(rb, &vihl) == -1 ||
		    rbuf_get_u8(rb, &m->inner_tos) == -1 ||
		    rbuf_get_u16(rb, &totlen) == -1 ||
		    rbuf_get_u16(rb, &m->inner_id) == -1 ||
		    rbuf_get_u16(rb, &m->inner_frag) == -1 ||
		    rbuf_get_u8(rb, &m->inner_ttl) == -1 ||
		    rbuf_get_u8(rb, &proto) == -1 ||
		    rbuf_get_u16(rb, &u16) == -1 ||
		    rbuf_get_bytes(rb, &m->inner_src.u.v4, 4) == -1 ||
		    rbuf_get_bytes(rb, &m->inner_dst.u.v4, 4) == -1)
			return -LISP_E_TRUNC;
		hlen = (size_t)(vihl & 0x0F) * 4;
		if (hlen < 20)
			return -LISP_E_IP;
		/* Options are skipped (and not re-encoded). */
		if (rbuf_skip(rb, hlen - 20) == -1)
			return -LISP_E_TRUNC;
		if (totlen > ip_len)
			return -LISP_E_TRUNC;
		if (totlen != ip_len || totlen < hlen + 8)
			return -LISP_E_IP;
		/* A fragment (MF or an offset) cannot hold a whole message. */
		if (proto != IPPROTO_UDP || (m->inner_frag & 0x3FFF) != 0)
			return -LISP_E_IP;
		break;
	case 6:
		m->ip_version = 6;
		m->inner_src.afi = m->inner_dst.afi = LISP_AFI_IPV6;
		if (rbuf_get_u32(rb, &vtf) == -1 ||
		    rbuf_get_u16(rb, &plen) == -1 ||
		    rbuf_get_u8(rb, &proto) == -1 ||
		    rbuf_get_u8(rb, &m->inner_ttl) == -1 ||
		    rbuf_get_bytes(rb, &m->inner_src.u.v6, 16) == -1 ||
		    rbuf_get_bytes(rb, &m->inner_dst.u.v6, 16) == -1)
			return -LISP_E_TRUNC;
		m->inner_tos = (uint8_t)(vtf >> 20);
		m->inner_flow = vtf & 0xFFFFF;
		/* No extension headers: UDP must follow directly. */
		if ((size_t)plen + 40 > ip_len)
			return -LISP_E_TRUNC;
		if ((size_t)plen + 40 != ip_len || plen < 8 ||
		    proto != IPPROTO_UDP)
			return -LISP_E_IP;
		break;
	default:
		return -LISP_E_IP;
	}

	n = ip_len - (rbuf_offset(rb) - ip_start);	/* UDP bytes */
	if (rbuf_get_u16(rb, &m->inner_sport) == -1 ||
	    rbuf_get_u16(rb, &m->inner_dport) == -1 ||
	    rbuf_get_u16(rb, &ulen) == -1 ||
	    rbuf_get_u16(rb, &u16) == -1)
		return -LISP_E_TRUNC;
	if (ulen != n || ulen < 8)
		return -LISP_E_IP;
	m->payload = rbuf_ptr(rb);
	m->payload_len = (size_t)ulen - 8;
	(void)rbuf_skip(rb, m->payload_len);
	return 0;
}

void
lisp_msg_free(struct lisp_msg *msg)
{
	size_t	 i;

	if (msg == NULL)
		return;
	switch (msg->type) {
	case LISP_MAP_REQUEST:
		lisp_addr_free(&msg->u.mreq.src_eid);
		if (msg->u.mreq.itr_rlocs != NULL) {
			for (i = 0; i < msg->u.mreq.itr_rloc_count; i++)
				lisp_addr_free(&msg->u.mreq.itr_rlocs[i]);
			free(msg->u.mreq.itr_rlocs);
		}
		if (msg->u.mreq.recs != NULL) {
			for (i = 0; i < msg->u.mreq.rec_count; i++)
				lisp_addr_free(&msg->u.mreq.recs[i].eid);
			free(msg->u.mreq.recs);
		}
		lisp_eid_record_free(msg->u.mreq.map_reply);
		free(msg->u.mreq.map_reply);
		break;
	case LISP_MAP_REPLY:
		recs_free(msg->u.mrep.recs, msg->u.mrep.rec_count);
		free(msg->u.mrep.sec);
		break;
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY:
	case LISP_MAP_NOTIFY_ACK:
		recs_free(msg->u.mreg.recs, msg->u.mreg.rec_count);
		free(msg->u.mreg.trail);
		explicit_bzero(msg->u.mreg.auth, sizeof(msg->u.mreg.auth));
		break;
	case LISP_MAP_REFERRAL:
		recs_free(msg->u.mref.recs, msg->u.mref.rec_count);
		break;
	case LISP_INFO:
		lisp_addr_free(&msg->u.info.eid);
		lisp_addr_free(&msg->u.info.info);
		break;
	case LISP_ECM:
		free(msg->u.ecm.sec);
		break;
	default:
		break;
	}
	memset(msg, 0, sizeof(*msg));
}

int
lisp_msg_decode(const uint8_t *buf, size_t len, struct lisp_msg *msg,
    struct lisp_codec_stats *stats, size_t *auth_off)
{
	struct rbuf	 rb;
	uint32_t	 w0;
	int		 rc;

	memset(msg, 0, sizeof(*msg));
	if (auth_off != NULL)
		*auth_off = 0;
	rbuf_init(&rb, buf, len);
	if (rbuf_get_u32(&rb, &w0) == -1)
		return -LISP_E_TRUNC;
	msg->type = w0 >> 28;
	switch (msg->type) {
	case LISP_MAP_REQUEST:
		rc = mreq_decode(&rb, w0, &msg->u.mreq, stats);
		break;
	case LISP_MAP_REPLY:
		rc = mrep_decode(&rb, w0, &msg->u.mrep, stats);
		break;
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY:
	case LISP_MAP_NOTIFY_ACK:
		rc = mreg_decode(&rb, msg->type, w0, &msg->u.mreg, stats);
		if (rc == 0 && auth_off != NULL)
			*auth_off = 16;
		break;
	case LISP_MAP_REFERRAL:
		rc = mref_decode(&rb, w0, &msg->u.mref, stats);
		break;
	case LISP_INFO:
		rc = info_decode(&rb, w0, &msg->u.info, stats);
		if (rc == 0 && auth_off != NULL)
			*auth_off = 16;
		break;
	case LISP_ECM:
		rc = ecm_decode(&rb, w0, &msg->u.ecm);
		break;
	default:
		rc = -LISP_E_TYPE;
		break;
	}
	if (rc != 0)
		lisp_msg_free(msg);
	return rc;
}

/* Encoding */

static int
rec_check(const struct lisp_eid_record *rec, int referral)
{
	if (rec->loc_count > LISP_MAX_LOCATORS ||
	    (rec->loc_count > 0 && rec->locs == NULL))
		return -LISP_E_COUNT;
	if (referral && (rec->sig_count > LISP_REF_MAX_SIGS ||
	    (rec->sig_count > 0 && rec->sigs == NULL)))
		return -LISP_E_COUNT;
	if (rec->act > 7 || rec->version > 0x0FFF || rec->rsvd_ver > 0x0F)
		return -LISP_E_VALUE;
	return 0;
}

void
lisp_eid_record_encode(struct wbuf *wb, const struct lisp_eid_record *rec,
    int referral)
{
	const struct lisp_ref_sig	*s;
	const struct lisp_locator	*loc;
	uint8_t				 top;
	size_t				 i;

	if (rec_check(rec, referral) != 0) {
		wb->err = 1;
		return;
	}
	top = referral ? (uint8_t)rec->sig_count : rec->rsvd_ver;
	wbuf_put_u32(wb, rec->ttl);
	wbuf_put_u8(wb, (uint8_t)rec->loc_count);
	wbuf_put_u8(wb, rec->mask_len);
	wbuf_put_u8(wb, (uint8_t)(rec->act << LISP_REC_ACT_SHIFT |
	    (rec->flags & ~LISP_REC_ACT_MASK)));
	wbuf_put_u8(wb, rec->rsvd);
	wbuf_put_u16(wb, (uint16_t)(top << 12 | rec->version));
	lisp_addr_encode(wb, &rec->eid);
	for (i = 0; i < rec->loc_count; i++) {
		loc = &rec->locs[i];
		wbuf_put_u8(wb, loc->priority);
		wbuf_put_u8(wb, loc->weight);
		wbuf_put_u8(wb, loc->mpriority);
		wbuf_put_u8(wb, loc->mweight);
		wbuf_put_u16(wb, loc->flags);
		lisp_addr_encode(wb, &loc->addr);
	}
	if (!referral)
		return;
	for (i = 0; i < rec->sig_count; i++) {
		s = &rec->sigs[i];
		if (s->sig_len > 0 && s->sig == NULL) {
			wb->err = 1;
			return;
		}
		wbuf_put_u32(wb, s->orig_ttl);
		wbuf_put_u32(wb, s->expiration);
		wbuf_put_u32(wb, s->inception);
		wbuf_put_u16(wb, s->key_tag);
		wbuf_put_u16(wb, s->sig_len);
		wbuf_put_u8(wb, s->sig_alg);
		wbuf_put_u8(wb, s->rsvd1);
		wbuf_put_u16(wb, s->rsvd2);
		wbuf_put_bytes(wb, s->sig, s->sig_len);
	}
}

static int
recs_encode(struct wbuf *wb, const struct lisp_eid_record *recs, size_t n,
    int referral)
{
	size_t	 i;
	int	 rc;

	if (n > LISP_MAX_RECORDS || (n > 0 && recs == NULL))
		return -LISP_E_COUNT;
	for (i = 0; i < n; i++) {
		if ((rc = rec_check(&recs[i], referral)) != 0)
			return rc;
		lisp_eid_record_encode(wb, &recs[i], referral);
	}
	return 0;
}

static int
mreq_encode(struct wbuf *wb, const struct lisp_map_request *m)
{
	uint8_t		 b0, b1, b2;
	size_t		 i;

	if (m->itr_rloc_count < 1 || m->itr_rloc_count > LISP_MAX_ITR_RLOCS ||
	    m->itr_rlocs == NULL)
		return -LISP_E_COUNT;
	if (m->rec_count < 1 || m->rec_count > LISP_MAX_RECORDS ||
	    m->recs == NULL)
		return -LISP_E_COUNT;
	if ((m->flags & LISP_MREQ_M) && m->map_reply == NULL)
		return -LISP_E_VALUE;
	if ((m->rsvd & ~(MREQ_RSVD_MASK >> 8)) != 0)
		return -LISP_E_VALUE;
	b0 = LISP_MAP_REQUEST << 4 |
	    (m->flags & LISP_MREQ_A ? 0x08 : 0) |
	    (m->flags & LISP_MREQ_M ? 0x04 : 0) |
	    (m->flags & LISP_MREQ_P ? 0x02 : 0) |
	    (m->flags & LISP_MREQ_S ? 0x01 : 0);
	b1 = (m->flags & LISP_MREQ_PITR ? 0x80 : 0) |
	    (m->flags & LISP_MREQ_SMRI ? 0x40 : 0) | (m->rsvd >> 8);
	b2 = (m->rsvd & 0x80) |
	    (m->flags & LISP_MREQ_L ? 0x40 : 0) |
	    (m->flags & LISP_MREQ_D ? 0x20 : 0) |
	    (uint8_t)(m->itr_rloc_count - 1);
	wbuf_put_u8(wb, b0);
	wbuf_put_u8(wb, b1);
	wbuf_put_u8(wb, b2);
	wbuf_put_u8(wb, (uint8_t)m->rec_count);
	wbuf_put_u64(wb, m->nonce);
	lisp_addr_encode(wb, &m->src_eid);
	for (i = 0; i < m->itr_rloc_count; i++)
		lisp_addr_encode(wb, &m->itr_rlocs[i]);
	for (i = 0; i < m->rec_count; i++) {
		wbuf_put_u8(wb, m->recs[i].rsvd);
		wbuf_put_u8(wb, m->recs[i].mask_len);
		lisp_addr_encode(wb, &m->recs[i].eid);
	}
	if (m->flags & LISP_MREQ_M) {
		if (rec_check(m->map_reply, 0) != 0)
			return -LISP_E_COUNT;
		lisp_eid_record_encode(wb, m->map_reply, 0);
	}
	return 0;
}

static int
mrep_encode(struct wbuf *wb, const struct lisp_map_reply *m)
{
	int	 rc;

	if ((m->rsvd & ~(MREP_RSVD_MASK >> 8)) != 0 ||
	    (m->flags & ~(LISP_MREP_P | LISP_MREP_E | LISP_MREP_S)) != 0)
		return -LISP_E_VALUE;
	if (m->sec_len > 0 && (!(m->flags & LISP_MREP_S) || m->sec == NULL))
		return -LISP_E_VALUE;
	if (m->rec_count > LISP_MAX_RECORDS)
		return -LISP_E_COUNT;
	wbuf_put_u32(wb, (uint32_t)LISP_MAP_REPLY << 28 |
	    (uint32_t)m->flags << 24 | m->rsvd << 8 | (uint32_t)m->rec_count);
	wbuf_put_u64(wb, m->nonce);
	if ((rc = recs_encode(wb, m->recs, m->rec_count, 0)) != 0)
		return rc;
	wbuf_put_bytes(wb, m->sec, m->sec_len);
	return 0;
}

static int
mreg_encode(struct wbuf *wb, uint8_t type, const struct lisp_map_register *m)
{
	uint32_t	 w0;
	uint16_t	 f = m->flags;
	int		 rc;

	if (m->auth_len > LISP_AUTH_MAX || m->msrtr_auth_len > LISP_AUTH_MAX)
		return -LISP_E_LEN;
	if (m->rec_count > LISP_MAX_RECORDS)
		return -LISP_E_COUNT;
	if (m->trail_len > 0 && m->trail == NULL)
		return -LISP_E_VALUE;
	w0 = (uint32_t)type << 28 | (uint32_t)m->rec_count;
	if (type == LISP_MAP_REGISTER) {
		if ((m->rsvd & ~(MREG_RSVD_MASK >> 8)) != 0)
			return -LISP_E_VALUE;
		w0 |= (f & LISP_MREG_P ? 0x08000000 : 0) |
		    (f & LISP_MREG_S ? 0x04000000 : 0) |
		    (f & LISP_MREG_I ? 0x02000000 : 0) |
		    (f & LISP_MREG_R ? 0x01000000 : 0) |
		    (f & LISP_MREG_E ? 0x1000 : 0) |
		    (f & LISP_MREG_T ? 0x0800 : 0) |
		    (f & LISP_MREG_MERGE ? 0x0400 : 0) |
		    (f & LISP_MREG_MN ? 0x0200 : 0) |
		    (f & LISP_MREG_M ? 0x0100 : 0);
	} else {
		if ((m->rsvd & ~(MNOT_RSVD_MASK >> 8)) != 0)
			return -LISP_E_VALUE;
		w0 |= (f & LISP_MNOT_I ? 0x08000000 : 0) |
		    (f & LISP_MNOT_R ? 0x04000000 : 0);
	}
	w0 |= m->rsvd << 8;
	wbuf_put_u32(wb, w0);
	wbuf_put_u64(wb, m->nonce);
	wbuf_put_u8(wb, m->key_id);
	wbuf_put_u8(wb, m->alg_id);
	wbuf_put_u16(wb, m->auth_len);
	wbuf_put_bytes(wb, m->auth, m->auth_len);
	if ((rc = recs_encode(wb, m->recs, m->rec_count, 0)) != 0)
		return rc;
	if (f & LISP_MREG_I) {
		wbuf_put_bytes(wb, m->xtr_id, LISP_XTR_ID_LEN);
		wbuf_put_u64(wb, m->site_id);
	}
	if (type != LISP_MAP_REGISTER && (f & LISP_MNOT_R)) {
		wbuf_put_u16(wb, m->msrtr_key_id);
		wbuf_put_u16(wb, m->msrtr_auth_len);
		wbuf_put_bytes(wb, m->msrtr_auth, m->msrtr_auth_len);
	}
	wbuf_put_bytes(wb, m->trail, m->trail_len);
	return 0;
}

static int
mref_encode(struct wbuf *wb, const struct lisp_map_referral *m)
{
	if ((m->rsvd & ~(MREF_RSVD_MASK >> 8)) != 0)
		return -LISP_E_VALUE;
	if (m->rec_count > LISP_MAX_RECORDS)
		return -LISP_E_COUNT;
	wbuf_put_u32(wb, (uint32_t)LISP_MAP_REFERRAL << 28 | m->rsvd << 8 |
	    (uint32_t)m->rec_count);
	wbuf_put_u64(wb, m->nonce);
	return recs_encode(wb, m->recs, m->rec_count, 1);
}

static int
info_encode(struct wbuf *wb, const struct lisp_info *m)
{
	if ((m->rsvd & ~INFO_RSVD_MASK) != 0)
		return -LISP_E_VALUE;
	if (m->auth_len > LISP_AUTH_MAX)
		return -LISP_E_LEN;
	wbuf_put_u32(wb, (uint32_t)LISP_INFO << 28 |
	    (m->reply ? 0x08000000 : 0) | m->rsvd);
	wbuf_put_u64(wb, m->nonce);
	wbuf_put_u8(wb, m->key_id);
	wbuf_put_u8(wb, m->alg_id);
	wbuf_put_u16(wb, m->auth_len);
	wbuf_put_bytes(wb, m->auth, m->auth_len);
	wbuf_put_u32(wb, m->ttl);
	wbuf_put_u8(wb, m->rsvd2);
	wbuf_put_u8(wb, m->mask_len);
	lisp_addr_encode(wb, &m->eid);
	lisp_addr_encode(wb, &m->info);
	return 0;
}

/*
 * Inner headers are built here, checksums included: RFC 9301 section 5.8
 * requires a non-zero inner UDP checksum.
 */
static int
ecm_encode(struct wbuf *wb, const struct lisp_ecm *m)
{
	size_t		 ip_at, udp_at, ulen;
	uint16_t	 ck;

	if ((m->flags & ~0x0F) != 0 || (m->rsvd & ~ECM_RSVD_MASK) != 0)
		return -LISP_E_VALUE;
	if (m->sec_len > 0 && (!(m->flags & LISP_ECM_S) || m->sec == NULL))
		return -LISP_E_VALUE;
	if (m->payload_len > 0 && m->payload == NULL)
		return -LISP_E_VALUE;
	ulen = 8 + m->payload_len;
	wbuf_put_u32(wb, (uint32_t)LISP_ECM << 28 | (uint32_t)m->flags << 24 |
	    m->rsvd);
	wbuf_put_bytes(wb, m->sec, m->sec_len);
	ip_at = wbuf_len(wb);
	switch (m->ip_version) {
	case 4:
		if (m->inner_src.afi != LISP_AFI_IPV4 ||
		    m->inner_dst.afi != LISP_AFI_IPV4 || 20 + ulen > 0xFFFF)
			return -LISP_E_VALUE;
		wbuf_put_u8(wb, 0x45);
		wbuf_put_u8(wb, m->inner_tos);
		wbuf_put_u16(wb, (uint16_t)(20 + ulen));
		wbuf_put_u16(wb, m->inner_id);
		wbuf_put_u16(wb, m->inner_frag);
		wbuf_put_u8(wb, m->inner_ttl);
		wbuf_put_u8(wb, IPPROTO_UDP);
		wbuf_put_u16(wb, 0);
		wbuf_put_bytes(wb, &m->inner_src.u.v4, 4);
		wbuf_put_bytes(wb, &m->inner_dst.u.v4, 4);
		if (wbuf_failed(wb))
			return -LISP_E_SPACE;
		wbuf_set_u16(wb, ip_at + 10,
		    lisp_net_cksum(wb->data + ip_at, 20));
		break;
	case 6:
		if (m->inner_src.afi != LISP_AFI_IPV6 ||
		    m->inner_dst.afi != LISP_AFI_IPV6 || ulen > 0xFFFF ||
		    m->inner_flow > 0xFFFFF)
			return -LISP_E_VALUE;
		wbuf_put_u32(wb, (uint32_t)6 << 28 |
		    (uint32_t)m->inner_tos << 20 | m->inner_flow);
		wbuf_put_u16(wb, (uint16_t)ulen);
		wbuf_put_u8(wb, IPPROTO_UDP);
		wbuf_put_u8(wb, m->inner_ttl);
		wbuf_put_bytes(wb, &m->inner_src.u.v6, 16);
		wbuf_put_bytes(wb, &m->inner_dst.u.v6, 16);
		break;
	default:
		return -LISP_E_VALUE;
	}
	udp_at = wbuf_len(wb);
	wbuf_put_u16(wb, m->inner_sport);
	wbuf_put_u16(wb, m->inner_dport);
	wbuf_put_u16(wb, (uint16_t)ulen);
	wbuf_put_u16(wb, 0);
	wbuf_put_bytes(wb, m->payload, m->payload_len);
	if (wbuf_failed(wb))
		return -LISP_E_SPACE;
	if (m->ip_version == 4)
		ck = lisp_net_udp4_cksum(m->inner_src.u.v4, m->inner_dst.u.v4,
		    wb->data + udp_at, ulen);
	else
		ck = lisp_net_udp6_cksum(&m->inner_src.u.v6,
		    &m->inner_dst.u.v6, wb->data + udp_at, ulen);
	wbuf_set_u16(wb, udp_at + 6, ck);
	return 0;
}

int
lisp_msg_encode(struct wbuf *wb, const struct lisp_msg *msg)
{
	int	 rc;

	switch (msg->type) {
	case LISP_MAP_REQUEST:
		rc = mreq_encode(wb, &msg->u.mreq);
		break;
	case LISP_MAP_REPLY:
		rc = mrep_encode(wb, &msg->u.mrep);
		break;
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY:
	case LISP_MAP_NOTIFY_ACK:
		rc = mreg_encode(wb, msg->type, &msg->u.mreg);
		break;
	case LISP_MAP_REFERRAL:
		rc = mref_encode(wb, &msg->u.mref);
		break;
	case LISP_INFO:
		rc = info_encode(wb, &msg->u.info);
		break;
	case LISP_ECM:
		rc = ecm_encode(wb, &msg->u.ecm);
		break;
	default:
		return -LISP_E_TYPE;
	}
	if (rc != 0)
		return rc;
	return wbuf_failed(wb) ? -LISP_E_SPACE : 0;
}
