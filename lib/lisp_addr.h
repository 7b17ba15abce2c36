/* SPDX-License-Identifier: ISC */
/*
 * LISP addresses: AFI-prefixed values and LISP Canonical Address Format
 * (LCAF, RFC 8060).
 *
 * Every address on the LISP control wire is a 16-bit AFI followed by the
 * address bytes.  AFI 16387 (LCAF) introduces a typed, length-prefixed
 * body that may nest further addresses:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           AFI = 16387         |     Rsvd1     |     Flags     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |    Type       |     Rsvd2     |            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                      type-specific body ...                   |
 *
 * Length counts the bytes after the Length field.  The body is parsed
 * from a sub-reader of exactly Length bytes, and nesting is limited to
 * LCAF_MAX_DEPTH levels.  Unknown LCAF types are kept as raw bytes (so a
 * message re-encodes byte-identically) and counted.
 *
 * Ownership: a decoded struct lisp_addr may own heap memory (LCAF bodies).
 * lisp_addr_free() releases it and leaves the address as AFI 0; it is
 * safe on a zeroed or already freed address.  lisp_addr_copy() makes a
 * deep copy.
 */
#ifndef LISP_ADDR_H
#define LISP_ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf;
struct wbuf;

enum lisp_afi {
	LISP_AFI_NONE	= 0,
	LISP_AFI_IPV4	= 1,
	LISP_AFI_IPV6	= 2,
	LISP_AFI_MAC	= 6,
	LISP_AFI_DN	= 17,
	LISP_AFI_ASN	= 18,
	LISP_AFI_LCAF	= 16387,
};

enum lcaf_type {
	LCAF_NULL	= 0,
	LCAF_AFI_LIST	= 1,
	LCAF_IID	= 2,
	LCAF_ASN	= 3,
	LCAF_APP_DATA	= 4,
	LCAF_GEO	= 5,
	LCAF_OPAQUE_KEY	= 6,
	LCAF_NATT	= 7,
	LCAF_NONCE_LOC	= 8,
	LCAF_MCAST_INFO	= 9,
	LCAF_ELP	= 10,
	LCAF_SECKEY	= 11,
	LCAF_SRCDST	= 12,
	LCAF_RLE	= 13,
	LCAF_JSON	= 14,
	LCAF_KV		= 15,
	LCAF_ENCAP	= 16,
	LCAF_VENDOR	= 255,
};

/* Limits applied while decoding untrusted input. */
#define LCAF_MAX_DEPTH		4	/* nested LCAF levels */
#define LCAF_LIST_MAX		32	/* AFI-list, ELP hops, RLE, RTRs */
#define LISP_DN_MAX		255	/* distinguished name, without NUL */
#define LCAF_SECKEY_MAX_KEYS	3
#define LCAF_SECKEY_MAX_LEN	512	/* 3072-bit MODP public value = 384 */

/* ELP hop flags (RFC 8060 section 4.9). */
#define LCAF_ELP_L		0x0004	/* lookup */
#define LCAF_ELP_P		0x0002	/* RLOC-probe */
#define LCAF_ELP_S		0x0001	/* strict */

struct lcaf;

struct lisp_addr {
	uint16_t		 afi;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 mac[6];
		char		 dn[LISP_DN_MAX + 1];	/* NUL-terminated */
		uint32_t	 asn;
		struct lcaf	*lcaf;			/* owned */
	} u;
};

struct lcaf_elp_hop {
	uint16_t		 flags;		/* LCAF_ELP_* (13 reserved bits kept) */
	struct lisp_addr	 addr;
};

struct lcaf_rle_entry {
	uint8_t			 rsvd[3];
	uint8_t			 level;
	struct lisp_addr	 addr;
};

struct lcaf_seckey {
	uint8_t			 key_count;
	uint8_t			 rsvd3;
	uint8_t			 cipher_suite;
	uint8_t			 flags;		/* R = 0x01 (revoke) */
	uint16_t		 key_len[LCAF_SECKEY_MAX_KEYS];
	uint8_t			*key[LCAF_SECKEY_MAX_KEYS];	/* owned */
	struct lisp_addr	 addr;		/* locator, AFI 0 allowed */
};

struct lcaf_natt {
	uint16_t		 ms_port;
	uint16_t		 etr_port;
	struct lisp_addr	 global_etr;
	struct lisp_addr	 ms;
	struct lisp_addr	 private_etr;
	size_t			 n_rtr;
	struct lisp_addr	*rtr;		/* owned array */
};

struct lcaf {
	uint8_t			 type;		/* enum lcaf_type */
	uint8_t			 rsvd1;
	uint8_t			 flags;
	uint8_t			 rsvd2;		/* IID mask-len for LCAF_IID */
	union {
		struct {
			uint32_t		 iid;
			struct lisp_addr	 addr;
		} iid;
		struct {
			uint32_t		 asn;
			struct lisp_addr	 addr;
		} asn;
		struct {
			size_t			 n;
			struct lisp_addr	*addrs;	/* owned array */
		} list;
		struct lcaf_natt		 natt;
		struct {
			size_t			 n;
			struct lcaf_elp_hop	*hops;	/* owned array */
		} elp;
		struct lcaf_seckey		 seckey;
		struct {
			uint16_t		 rsvd;
			uint8_t			 src_mlen;
			uint8_t			 dst_mlen;
			struct lisp_addr	 src;
			struct lisp_addr	 dst;
		} srcdst;
		struct {
			size_t			 n;
			struct lcaf_rle_entry	*entries; /* owned array */
		} rle;
		struct {
			uint16_t		 len;
			char			*text;	/* owned, NUL-terminated */
			struct lisp_addr	 addr;	/* AFI 0 when absent */
		} json;
		struct {
			struct lisp_addr	 key;
			struct lisp_addr	 value;
		} kv;
		struct {
			uint32_t		 iid;
			uint16_t		 rsvd;
			uint8_t			 src_mlen;
			uint8_t			 grp_mlen;
			struct lisp_addr	 src;
			struct lisp_addr	 grp;
		} mcast;
		/*
		 * Geo, Encapsulation-Format, Vendor and every unknown type:
		 * the body is kept as bytes.
		 */
		struct {
			uint16_t		 len;
			uint8_t			*bytes;	/* owned */
		} raw;
	} u;
};

/* Per-decoder counters; the caller owns and may share one instance. */
struct lisp_codec_stats {
	uint64_t	unknown_lcaf;	/* LCAF types kept as raw bytes */
};

/*
 * Decode an AFI-prefixed address from rb.  Returns 0 or a negative
 * enum lisp_err (lisp_err.h); on error rb's position is unspecified and
 * *a is left freed (AFI 0).  stats may be NULL.
 */
int	 lisp_addr_decode(struct rbuf *rb, struct lisp_addr *a,
	    struct lisp_codec_stats *stats);
/* Encode a; errors are recorded in wb (sticky). */
void	 lisp_addr_encode(struct wbuf *wb, const struct lisp_addr *a);
/* Bytes lisp_addr_encode() would write (AFI included). */
size_t	 lisp_addr_wire_len(const struct lisp_addr *a);

void	 lisp_addr_free(struct lisp_addr *a);
/* Deep copy into dst (overwritten, not freed): 0 or a negative lisp_err. */
int	 lisp_addr_copy(struct lisp_addr *dst, const struct lisp_addr *src);
/* Total order: AFI first, then bytes (RFC 8060 section 3 sort rule). */
int	 lisp_addr_cmp(const struct lisp_addr *a, const struct lisp_addr *b);

void	 lisp_addr_set_v4(struct lisp_addr *a, struct in_addr v4);
void	 lisp_addr_set_v6(struct lisp_addr *a, const struct in6_addr *v6);
/*
 * Wrap inner (moved, not copied; inner is zeroed and may be a) in an
 * Instance-ID LCAF with IID mask-len mlen.  a is overwritten, not freed.
 * 0 or -1 (ENOMEM).
 */
int	 lisp_addr_set_iid(struct lisp_addr *a, uint32_t iid, uint8_t mlen,
	    struct lisp_addr *inner);

/*
 * Unwrap an Instance-ID LCAF: returns the innermost non-IID address and
 * stores the IID (0 when there is none) in *iid.
 */
const struct lisp_addr *lisp_addr_strip_iid(const struct lisp_addr *a,
	    uint32_t *iid);

/* Address bytes length for a plain AFI (4, 16, 6 ...), -1 if variable. */
int	 lisp_afi_addr_len(uint16_t afi);
const char *lisp_afi_name(uint16_t afi);
const char *lcaf_type_name(uint8_t type);

/*
 * Text form: "10.0.0.1", "2001:db8::1", "0001-0002-0003" (MAC, as
 * lispers.net writes it), "'name'" (DN), "AS65000", "[100]10.0.0.0",
 * "(s,g)" for source/dest, "no-address" for AFI 0, "lcaf-N(len)" for raw.
 * Always NUL-terminates; returns buf.
 */
char	*lisp_addr_fmt(const struct lisp_addr *a, char *buf, size_t len);
#define LISP_ADDR_STRLEN	512

#endif /* LISP_ADDR_H */
