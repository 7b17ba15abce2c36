/* SPDX-License-Identifier: ISC */
/*
 * LISP control messages (RFC 9301, RFC 8111 Map-Referral, the NAT-T
 * draft's Info-Request/Reply): decoding into owned structures and
 * encoding back to wire bytes.
 *
 * Message type is the high nibble of the first byte:
 *   1 Map-Request  2 Map-Reply  3 Map-Register  4 Map-Notify
 *   5 Map-Notify-Ack  6 Map-Referral  7 Info-Request/Reply  8 ECM
 *
 * EID-record (Map-Reply, Map-Register, Map-Notify, Map-Notify-Ack,
 * Map-Referral):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                          Record TTL                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | Locator Count | EID mask-len  | ACT |A|I|rsv|   Reserved    |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | SigCnt|   Map Version Number  |            EID-AFI            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                          EID-Prefix ...                       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Priority    |    Weight     |  M Priority   |   M Weight    |  \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   |
 *    |        Unused Flags     |L|p|R|           Loc-AFI             |   | x Loc Count
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   |
 *    |                            Locator ...                        |  /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * (SigCnt and the I bit exist only in Map-Referral records.)
 *
 * Ownership: lisp_msg_decode() fills a struct lisp_msg that owns all its
 * arrays and addresses; lisp_msg_free() releases them (safe on a zeroed
 * or freed message).  Pointers into the input buffer are kept only where
 * a field says so (ECM payload), and are valid while the input is.
 */
#ifndef LISP_MSG_H
#define LISP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "lisp_addr.h"

struct rbuf;
struct wbuf;

enum lisp_msg_type {
	LISP_MAP_REQUEST	= 1,
	LISP_MAP_REPLY		= 2,
	LISP_MAP_REGISTER	= 3,
	LISP_MAP_NOTIFY		= 4,
	LISP_MAP_NOTIFY_ACK	= 5,
	LISP_MAP_REFERRAL	= 6,
	LISP_INFO		= 7,
	LISP_ECM		= 8,
};

/* Limits applied to untrusted input. */
#define LISP_MAX_RECORDS	255	/* record count is 8 bits */
#define LISP_MAX_LOCATORS	255	/* locator count is 8 bits */
#define LISP_MAX_ITR_RLOCS	32	/* IRC is 5 bits, +1 */
#define LISP_AUTH_MAX		64	/* largest auth data we accept */
#define LISP_XTR_ID_LEN		16

/* EID-record ACT (RFC 9301 section 5.4) and Map-Referral actions. */
enum lisp_act {
	LISP_ACT_NO_ACTION	= 0,
	LISP_ACT_NATIVE_FWD	= 1,
	LISP_ACT_SEND_MAP_REQ	= 2,
	LISP_ACT_DROP		= 3,
	LISP_ACT_DROP_POLICY	= 4,
	LISP_ACT_DROP_AUTH	= 5,
};

enum lisp_ref_act {
	LISP_REF_NODE_REFERRAL	= 0,
	LISP_REF_MS_REFERRAL	= 1,
	LISP_REF_MS_ACK		= 2,
	LISP_REF_MS_NOT_REG	= 3,
	LISP_REF_DELEGATION_HOLE = 4,
	LISP_REF_NOT_AUTH	= 5,
};

/* EID-record byte 6 */
#define LISP_REC_ACT_MASK	0xE0
#define LISP_REC_ACT_SHIFT	5
#define LISP_REC_A		0x10	/* authoritative */
#define LISP_REC_I		0x08	/* incomplete (Map-Referral only) */

/* Locator flags (16 bits) */
#define LISP_LOC_L		0x0004	/* local */
#define LISP_LOC_P		0x0002	/* probed locator */
#define LISP_LOC_R		0x0001	/* reachable */

/* Map-Request flags, as our own 16-bit word (not a wire layout). */
#define LISP_MREQ_A		0x0001	/* authoritative */
#define LISP_MREQ_M		0x0002	/* map-data present */
#define LISP_MREQ_P		0x0004	/* RLOC-probe */
#define LISP_MREQ_S		0x0008	/* SMR */
#define LISP_MREQ_PITR		0x0010	/* p: sent by a PITR */
#define LISP_MREQ_SMRI		0x0020	/* s: SMR-invoked */
#define LISP_MREQ_L		0x0040	/* local xTR */
#define LISP_MREQ_D		0x0080	/* don't send a Map-Reply */

/* Map-Reply flags (byte 0 low nibble, wire positions). */
#define LISP_MREP_P		0x08	/* probe reply */
#define LISP_MREP_E		0x04	/* echo-nonce capable */
#define LISP_MREP_S		0x02	/* LISP-SEC */

/* Map-Register flags, as our own 16-bit word. */
#define LISP_MREG_P		0x0001	/* proxy Map-Reply */
#define LISP_MREG_S		0x0002	/* LISP-SEC capable */
#define LISP_MREG_I		0x0004	/* xTR-ID and Site-ID present */
#define LISP_MREG_R		0x0008	/* built for an RTR (NAT-T draft) */
#define LISP_MREG_E		0x0010	/* EID-notify */
#define LISP_MREG_T		0x0020	/* use the record TTL */
#define LISP_MREG_MERGE		0x0040	/* a: merge request */
#define LISP_MREG_MN		0x0080	/* bit 22 (OOR's LISP-MN) */
#define LISP_MREG_M		0x0100	/* want Map-Notify */

/* Map-Notify flags (NAT-T draft layout, used by Cisco). */
#define LISP_MNOT_I		0x0004	/* xTR-ID and Site-ID present */
#define LISP_MNOT_R		0x0008	/* MS-RTR auth block follows */

/* ECM flags (byte 0 low nibble, wire positions). */
#define LISP_ECM_S		0x08	/* LISP-SEC */
#define LISP_ECM_D		0x04	/* DDT-originated */
#define LISP_ECM_E		0x02	/* forward to ETR */
#define LISP_ECM_M		0x01	/* destined to Map-Server */

struct lisp_locator {
	uint8_t			 priority;
	uint8_t			 weight;
	uint8_t			 mpriority;
	uint8_t			 mweight;
	uint16_t		 flags;		/* LISP_LOC_*, unused bits kept */
	struct lisp_addr	 addr;
};

/* Map-Referral signature section (RFC 8111 section 6.4.1). */
struct lisp_ref_sig {
	uint32_t		 orig_ttl;
	uint32_t		 expiration;
	uint32_t		 inception;
	uint16_t		 key_tag;
	uint16_t		 sig_len;
	uint8_t			 sig_alg;
	uint8_t			 rsvd1;
	uint16_t		 rsvd2;
	uint8_t			*sig;		/* owned, sig_len bytes */
};

struct lisp_eid_record {
	uint32_t		 ttl;		/* minutes */
	uint8_t			 mask_len;
	uint8_t			 act;		/* enum lisp_act / lisp_ref_act */
	uint8_t			 flags;		/* LISP_REC_A, LISP_REC_I, low bits kept */
	uint8_t			 rsvd;		/* byte 7 */
	uint8_t			 rsvd_ver;	/* top 4 bits of bytes 8-9 (SigCnt in referrals) */
	uint16_t		 version;	/* 12-bit map-version */
	struct lisp_addr	 eid;
	size_t			 loc_count;
	struct lisp_locator	*locs;		/* owned array */
	size_t			 sig_count;	/* Map-Referral only */
	struct lisp_ref_sig	*sigs;		/* owned array */
};

struct lisp_mreq_record {
	uint8_t			 rsvd;
	uint8_t			 mask_len;
	struct lisp_addr	 eid;
};

struct lisp_map_request {
	uint16_t		 flags;		/* LISP_MREQ_* */
	uint16_t		 rsvd;		/* reserved bits as received */
	uint64_t		 nonce;
	struct lisp_addr	 src_eid;
	size_t			 itr_rloc_count;	/* 1..32 */
	struct lisp_addr	*itr_rlocs;		/* owned array */
	size_t			 rec_count;		/* >= 1 */
	struct lisp_mreq_record	*recs;			/* owned array */
	struct lisp_eid_record	*map_reply;		/* owned, when M */
};

struct lisp_map_reply {
	uint8_t			 flags;		/* LISP_MREP_* */
	uint32_t		 rsvd;		/* 17 reserved bits as received */
	uint64_t		 nonce;
	size_t			 rec_count;
	struct lisp_eid_record	*recs;		/* owned array */
	size_t			 sec_len;	/* LISP-SEC block (S), raw */
	uint8_t			*sec;		/* owned */
};

/* Map-Register, Map-Notify and Map-Notify-Ack share this layout. */
struct lisp_map_register {
	uint16_t		 flags;		/* LISP_MREG_* or LISP_MNOT_* */
	uint32_t		 rsvd;		/* reserved bits as received */
	uint64_t		 nonce;
	uint8_t			 key_id;
	uint8_t			 alg_id;	/* 1 HMAC-SHA-1, 2 HMAC-SHA-256 */
	uint16_t		 auth_len;
	uint8_t			 auth[LISP_AUTH_MAX];
	size_t			 rec_count;
	struct lisp_eid_record	*recs;		/* owned array */
	uint8_t			 xtr_id[LISP_XTR_ID_LEN];	/* when I */
	uint64_t		 site_id;			/* when I */
	/* Map-Notify R: MS-RTR authentication block after the xTR-ID. */
	uint16_t		 msrtr_key_id;
	uint16_t		 msrtr_auth_len;
	uint8_t			 msrtr_auth[LISP_AUTH_MAX];
	/*
	 * Bytes after the last element (records, xTR-ID, MS-RTR block).
	 * Real senders append an xTR-ID with I=0 (tcpdump's EID-notify
	 * capture); the HMAC covers them, so they are kept raw and
	 * re-encoded (docs/DECISIONS.md, trailing bytes).
	 */
	size_t			 trail_len;
	uint8_t			*trail;		/* owned */
};

struct lisp_map_referral {
	uint32_t		 rsvd;		/* bytes 1-2 as received */
	uint64_t		 nonce;
	size_t			 rec_count;
	struct lisp_eid_record	*recs;		/* owned; locators are referrals */
};

struct lisp_info {
	int			 reply;		/* R bit */
	uint32_t		 rsvd;
	uint64_t		 nonce;
	uint8_t			 key_id;
	uint8_t			 alg_id;
	uint16_t		 auth_len;
	uint8_t			 auth[LISP_AUTH_MAX];
	uint32_t		 ttl;
	uint8_t			 rsvd2;
	uint8_t			 mask_len;
	struct lisp_addr	 eid;
	/* Request: AFI 0 or a DN (lispers.net); reply: NAT-Traversal LCAF. */
	struct lisp_addr	 info;
};

/*
 * Encapsulated Control Message: LISP header, then an inner IPv4/IPv6
 * header, inner UDP, then the inner control message.
 */
struct lisp_ecm {
	uint8_t			 flags;		/* LISP_ECM_* */
	uint32_t		 rsvd;
	size_t			 sec_len;	/* S: LISP-SEC AD block, raw */
	uint8_t			*sec;		/* owned */
	int			 ip_version;	/* 4 or 6 */
	struct lisp_addr	 inner_src;	/* AFI 1 or 2 */
	struct lisp_addr	 inner_dst;
	uint8_t			 inner_ttl;	/* IPv4 TTL / IPv6 hop limit */
	uint8_t			 inner_tos;	/* IPv4 TOS / IPv6 traffic class */
	uint16_t		 inner_id;	/* IPv4 identification */
	uint16_t		 inner_frag;	/* IPv4 flags (DF) + offset (0) */
	uint32_t		 inner_flow;	/* IPv6 flow label (20 bits) */
	uint16_t		 inner_sport;
	uint16_t		 inner_dport;
	/* The inner LISP message; points into the decoded input buffer. */
	const uint8_t		*payload;
	size_t			 payload_len;
};

struct lisp_msg {
	uint8_t			 type;		/* enum lisp_msg_type */
	union {
		struct lisp_map_request		mreq;
		struct lisp_map_reply		mrep;
		struct lisp_map_register	mreg;	/* types 3, 4, 5 */
		struct lisp_map_referral	mref;
		struct lisp_info		info;
		struct lisp_ecm			ecm;
	} u;
};

/*
 * Decode one control message from buf (the UDP payload).  Returns 0 or a
 * negative enum lisp_err.  On error *msg is freed.  stats may be NULL.
 * For Map-Register/Notify/Notify-Ack and Info-Request/Reply, *auth_off
 * (may be NULL) receives the offset of the authentication data in buf
 * (16), for lisp_auth_verify(); it is 0 for the other types.
 *
 * Trailing bytes (docs/DECISIONS.md): kept raw in Map-Reply (S, the
 * LISP-SEC block) and Map-Register/Notify/Notify-Ack (trail); an error
 * (LISP_E_TRAILING) after a Map-Request, a Map-Reply without S, a
 * Map-Referral and an Info message.  The ECM's inner IP and UDP lengths
 * must match the bytes present exactly (LISP_E_IP otherwise).  The inner
 * IP/UDP checksums are not verified (lispers.net sends zeros).
 */
int	 lisp_msg_decode(const uint8_t *buf, size_t len, struct lisp_msg *msg,
	    struct lisp_codec_stats *stats, size_t *auth_off);
/*
 * Encode msg into wb.  The authentication data of Map-Register/Notify/
 * Notify-Ack is written as stored in the struct (callers sign afterwards
 * with lisp_auth_sign()).  Returns 0 or a negative enum lisp_err.
 * For ECM the inner message bytes are taken from msg->u.ecm.payload and
 * the inner IP and UDP checksums are computed.
 */
int	 lisp_msg_encode(struct wbuf *wb, const struct lisp_msg *msg);
void	 lisp_msg_free(struct lisp_msg *msg);

int	 lisp_eid_record_decode(struct rbuf *rb, struct lisp_eid_record *rec,
	    int referral, struct lisp_codec_stats *stats);
void	 lisp_eid_record_encode(struct wbuf *wb,
	    const struct lisp_eid_record *rec, int referral);
void	 lisp_eid_record_free(struct lisp_eid_record *rec);

const char *lisp_msg_type_name(uint8_t type);
const char *lisp_act_name(uint8_t act);
const char *lisp_ref_act_name(uint8_t act);

#endif /* LISP_MSG_H */
