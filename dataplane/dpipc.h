/* SPDX-License-Identifier: ISC */
/*
 * dpipc: the messages of the lispers.net external data-plane IPC, decoded
 * into typed structs and encoded back, without any I/O.
 *
 * Control plane and data plane exchange one JSON object per AF_UNIX
 * datagram (lispers-net-compat.md section 1).  The data plane receives
 *
 *	map-cache, entire-map-cache, database-mappings, interfaces,
 *	decap-keys, etr-nat-port, itr-crypto-port, xtr-parameters
 *
 * and sends
 *
 *	restart, discovery, statistics, decap-statistics.
 *
 * Our own control plane speaks the same vocabulary to our data plane, so
 * every type can be both decoded and encoded; decode(encode(m)) == m.
 *
 * Decoding is lenient where lispers.net is inconsistent and strict where
 * a value matters:
 *   - any key order and spacing; unknown keys are ignored;
 *   - a decimal may come as a JSON string or a JSON integer, anywhere;
 *   - an unknown "type" returns DPIPC_UNKNOWN (the caller counts and
 *     ignores it), a broken message DPIPC_EPARSE or DPIPC_EINVAL with a
 *     reason in err that names the offending field;
 *   - every value is range-checked: instance-id 0..2^32-1 (the data
 *     header carries the low 24 bits), priority and weight 0..255 (the
 *     IPC document says weight 0..100; the LISP wire field is 8 bits and
 *     so is ours), ports 1..65535, prefix lengths within the family, key
 *     ids 1..3, keys exactly 32 hex digits, ICV keys 40 or 32 (an
 *     optional "cipher-suite" 5 or 6 selects an RFC 8061 key instead:
 *     32 or 64 hex digits and no ICV key, see struct dpipc_key);
 *   - bounded counts: DPIPC_MAX_RLOCS per entry (the 8-bit locator count
 *     of a Map-Reply), DPIPC_MAX_KEYS per RLOC (the 2-bit key-id),
 *     DPIPC_MAX_LIST elements in a list message, nesting depth 16;
 *   - a datagram of any length is accepted (entire-map-cache can be
 *     hundreds of kilobytes).
 *
 * List messages that always carry a complete set (entire-map-cache,
 * database-mappings, interfaces, statistics) skip an element they cannot
 * use and count it in nskipped, with the first reason in err: one entry
 * of an unsupported form must not cost the data plane its whole cache.
 * Inside one map-cache entry nothing is skipped: a bad RLOC rejects the
 * entry, since a partial RLOC set is not what the control plane meant.
 *
 * Defaults for fields lispers.net may leave out: opcode "add", RLOC port
 * 4341, priority 0 and weight 0 (what lispers.net sends for RLOCs
 * configured without them).  An address without "/length" is a host
 * prefix.  A MAC EID "0001-0002-0003/48" is decoded with af DPIPC_AF_MAC.
 *
 * Ownership: dpipc_decode() fills a struct dpipc_msg that owns its
 * arrays; dpipc_msg_free() releases them, wipes key material and leaves
 * the message zeroed (type DPIPC_NONE); it is safe on a zeroed or already
 * freed message.  Encoders return malloc'ed, NUL-terminated text; free it
 * with dpipc_text_free(), which wipes it first (it may hold keys).
 */
#ifndef DPIPC_H
#define DPIPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Return codes of dpipc_decode(). */
#define DPIPC_OK	0
#define DPIPC_UNKNOWN	1	/* well-formed, unknown "type": ignore */
#define DPIPC_EPARSE	(-1)	/* not a JSON object */
#define DPIPC_EINVAL	(-2)	/* JSON, but a field is missing or bad */
#define DPIPC_ENOMEM	(-3)

/* Limits (see above). */
#define DPIPC_MAX_RLOCS		255
#define DPIPC_MAX_KEYS		3
#define DPIPC_MAX_LIST		(1u << 20)
#define DPIPC_MAX_DEPTH		16
#define DPIPC_IFNAMSIZ		16	/* IFNAMSIZ: 15 characters + NUL */
/* lisp-itr reads DP -> CP datagrams with recvfrom(4000). */
#define DPIPC_DP_MAXLEN		3999
#define DPIPC_PORT_DATA		4341

/* Address family of a MAC EID (the family of link-layer addresses). */
#define DPIPC_AF_MAC		AF_PACKET

enum dpipc_type {
	DPIPC_NONE = 0,
	/* control plane -> data plane */
	DPIPC_MAP_CACHE,
	DPIPC_ENTIRE_MAP_CACHE,
	DPIPC_DATABASE_MAPPINGS,
	DPIPC_INTERFACES,
	DPIPC_DECAP_KEYS,
	DPIPC_ETR_NAT_PORT,
	DPIPC_ITR_CRYPTO_PORT,
	DPIPC_XTR_PARAMETERS,
	/* data plane -> control plane */
	DPIPC_RESTART,
	DPIPC_DISCOVERY,
	DPIPC_STATISTICS,
	DPIPC_DECAP_STATISTICS,
	DPIPC_TYPE_MAX
};

/*
 * An address or prefix: af AF_INET (4 bytes), AF_INET6 (16) or
 * DPIPC_AF_MAC (6).  plen is the full length for a plain address.  Host
 * bits beyond plen are kept as received, so that statistics can report a
 * prefix exactly as the control plane sent it.
 */
struct dpipc_addr {
	int		af;
	uint8_t		plen;
	uint8_t		a[16];
};

/*
 * One LISP-crypto key ("encrypt-key" in map-cache, "decrypt-key" in
 * decap-keys) in one of two constructions, told apart by suite:
 *
 *   DPIPC_SUITE_LISPERS (no "cipher-suite" member: what lispers.net
 *	sends, compat 2.11): a 128-bit data key (key_len 16) and an ICV
 *	key of 20 bytes (HMAC-SHA-256/160) or 16 bytes (Poly1305);
 *   DPIPC_SUITE_AES128_GCM ("cipher-suite" 5, RFC 8061
 *	LISP_256_EC25519_AES128_GCM): a 128-bit AEAD key, key_len 16;
 *   DPIPC_SUITE_CHACHA20 ("cipher-suite" 6, RFC 8061
 *	LISP_256_EC25519_CHACHA20_POLY1305): a 256-bit AEAD key, key_len 32.
 *
 * The RFC 8061 suites carry no ICV key (icv_len 0): the AEAD tag is
 * the integrity check.  Bytes beyond key_len and icv_len are zero.
 */
#define DPIPC_SUITE_LISPERS	0
#define DPIPC_SUITE_AES128_GCM	5
#define DPIPC_SUITE_CHACHA20	6

struct dpipc_key {
	uint8_t		key_id;		/* 1..3 */
	uint8_t		suite;		/* DPIPC_SUITE_* */
	uint8_t		key_len;	/* 16, or 32 for suite 6 */
	uint8_t		icv_len;	/* 20 or 16; 0 for suites 5 and 6 */
	uint8_t		key[32];
	uint8_t		icv[20];
};

/* An RLOC of a unicast entry or an RLE of a multicast entry. */
struct dpipc_rloc {
	struct dpipc_addr	addr;
	uint16_t		port;
	uint8_t			priority;	/* not used for RLEs */
	uint8_t			weight;		/* not used for RLEs */
	uint8_t			nkeys;
	struct dpipc_key	keys[DPIPC_MAX_KEYS];
};

enum dpipc_opcode {
	DPIPC_OP_ADD = 0,
	DPIPC_OP_DELETE,
};

/* One map-cache entry ("map-cache" message, entire-map-cache element). */
struct dpipc_mapping {
	enum dpipc_opcode	 opcode;
	uint32_t		 iid;
	struct dpipc_addr	 eid;		/* group prefix if multicast */
	int			 multicast;	/* rles[] instead of rlocs[] */
	size_t			 nrlocs;
	struct dpipc_rloc	*rlocs;
};

struct dpipc_dbmapping {
	uint32_t		 iid;
	struct dpipc_addr	 eid;
};

struct dpipc_iface {
	char			 name[DPIPC_IFNAMSIZ];
	uint32_t		 iid;
};

/*
 * decap-keys: keys for packets from a remote ITR.  port is 0 when the
 * message has none; the data plane then keys them by rloc alone.
 * "keys": [] (nkeys 0) is our extension: it deletes the entry of that
 * rloc and port (our control plane sends it, with no port, when an
 * RFC 8061 session at the ETR is evicted or expires).  lispers.net
 * never sends it (compat: "never sent when a key is removed").
 */
struct dpipc_decap_keys {
	struct dpipc_addr	 rloc;
	uint16_t		 port;
	uint8_t			 nkeys;
	struct dpipc_key	 keys[DPIPC_MAX_KEYS];
};

/* xtr-parameters: each flag with a "present" bit. */
#define DPIPC_XP_CP_LOGGING	0x01	/* control-plane-logging */
#define DPIPC_XP_DP_LOGGING	0x02	/* data-plane-logging */
#define DPIPC_XP_RTR		0x04	/* rtr */
struct dpipc_xtr_params {
	uint8_t			 present;	/* DPIPC_XP_* */
	uint8_t			 value;		/* DPIPC_XP_* */
};

/*
 * discovery: interface is required ("" allowed); instance-id only matters
 * when interface is "" and may be -1 (control traffic).  The EIDs are
 * plain addresses (no "/length" on the wire).
 */
struct dpipc_discovery {
	char			 interface[DPIPC_IFNAMSIZ];
	int			 has_iid;
	int64_t			 iid;		/* -1 .. 2^32-1 */
	int			 has_source;
	int			 has_dest;
	struct dpipc_addr	 source;
	struct dpipc_addr	 dest;
};

/* Counters: deltas since the previous message. */
struct dpipc_counter {
	uint64_t		 packets;
	uint64_t		 bytes;
	uint64_t		 secs_last;	/* seconds since the last packet */
};

struct dpipc_stat_rloc {
	struct dpipc_addr	 rloc;
	struct dpipc_counter	 c;
};

struct dpipc_stat_entry {
	uint32_t		 iid;
	struct dpipc_addr	 eid;
	size_t			 nrlocs;
	struct dpipc_stat_rloc	*rlocs;
};

/* decap-statistics keys, in the order lispers.net documents them. */
enum dpipc_dstat {
	DPIPC_DS_GOOD = 0,		/* good-packets */
	DPIPC_DS_ICV,			/* ICV-error */
	DPIPC_DS_CHECKSUM,		/* checksum-error */
	DPIPC_DS_LISP_HEADER,		/* lisp-header-error */
	DPIPC_DS_NO_DECRYPT_KEY,	/* no-decrypt-key */
	DPIPC_DS_BAD_INNER,		/* bad-inner-version */
	DPIPC_DS_OUTER_HEADER,		/* outer-header-error */
	DPIPC_DS_MAX
};

struct dpipc_decap_stats {
	uint32_t		 present;	/* bit (1 << enum dpipc_dstat) */
	struct dpipc_counter	 c[DPIPC_DS_MAX];
};

struct dpipc_msg {
	enum dpipc_type		 type;
	size_t			 nskipped;	/* list elements skipped */
	union {
		struct dpipc_mapping	 mc;		/* MAP_CACHE */
		struct {
			size_t			 n;
			struct dpipc_mapping	*v;
		}			 emc;		/* ENTIRE_MAP_CACHE */
		struct {
			size_t			 n;
			struct dpipc_dbmapping	*v;
		}			 dbm;		/* DATABASE_MAPPINGS */
		struct {
			size_t			 n;
			struct dpipc_iface	*v;
		}			 ifs;		/* INTERFACES */
		struct dpipc_decap_keys	 dk;		/* DECAP_KEYS */
		uint16_t		 port;		/* *_PORT */
		struct dpipc_xtr_params	 xp;		/* XTR_PARAMETERS */
		struct dpipc_discovery	 disc;		/* DISCOVERY */
		struct {
			size_t			 n;
			struct dpipc_stat_entry	*v;
		}			 stats;		/* STATISTICS */
		struct dpipc_decap_stats ds;		/* DECAP_STATISTICS */
	} u;
};

/*
 * Decode one datagram of len bytes (no NUL needed) into out, which the
 * caller provides and which is overwritten.  Returns DPIPC_OK,
 * DPIPC_UNKNOWN, DPIPC_EPARSE, DPIPC_EINVAL or DPIPC_ENOMEM; err (may be
 * NULL) gets a one-line, printable reason for anything but a clean
 * DPIPC_OK (with nskipped > 0: why the first element was skipped).
 * out is zeroed on failure; dpipc_msg_free() is safe on any return.
 *
 * Key hygiene: key strings are wiped inside the json-c tree before it is
 * freed, and decoded keys when the message is freed.  json-c's tokener
 * scratch buffer and the caller's datagram are not wiped here; the
 * caller wipes its receive buffer.
 */
int		 dpipc_decode(const char *buf, size_t len, struct dpipc_msg *out,
		    char *err, size_t errlen);
void		 dpipc_msg_free(struct dpipc_msg *);
/* 1 when two messages carry the same content (nskipped is ignored). */
int		 dpipc_msg_equal(const struct dpipc_msg *,
		    const struct dpipc_msg *);

/*
 * Encode m as one JSON object.  Returns malloc'ed NUL-terminated text
 * and its length in *lenp, or NULL (bad content, e.g. an out-of-range
 * prefix length, or no memory).  Statistics come out as one message
 * whatever their size: a data plane sending to lispers.net must use
 * dpipc_encode_statistics() instead.
 */
char		*dpipc_encode(const struct dpipc_msg *m, size_t *lenp);
void		 dpipc_text_free(char *, size_t len);

/*
 * Encode statistics as complete "statistics" messages of at most maxlen
 * bytes each (DPIPC_DP_MAXLEN for lispers.net; at least 512), calling
 * emit(text, len, arg) for each; text is NUL-terminated and valid only
 * during the call.  An entry whose RLOCs do not fit in one message is
 * split into several entries with the same instance-id and prefix
 * (lispers.net adds the deltas).  n == 0 emits one message with
 * "entries": [].  Returns the number of messages, or -1 (bad input, no
 * memory, or emit returned non-zero).
 */
int		 dpipc_encode_statistics(const struct dpipc_stat_entry *,
		    size_t n, size_t maxlen,
		    int (*emit)(const char *, size_t, void *), void *arg);

/* Names: "map-cache", ...; "good-packets", ...  NULL when out of range. */
const char	*dpipc_type_name(enum dpipc_type);
const char	*dpipc_dstat_name(enum dpipc_dstat);

/*
 * Format an address as the IPC carries it: "10.1.0.5/32", "fd00::/8",
 * "0001-0002-0003/48", or without "/length" when with_len is 0.
 * Returns the length, or -1 when it does not fit or is invalid.
 */
#define DPIPC_ADDRSTRLEN	64
int		 dpipc_addr_fmt(const struct dpipc_addr *, int with_len,
		    char *, size_t);
/* Parse the same forms; an address without "/length" is a host route. */
int		 dpipc_addr_parse(const char *, struct dpipc_addr *);

#endif /* DPIPC_H */
