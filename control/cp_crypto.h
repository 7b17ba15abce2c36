/* SPDX-License-Identifier: ISC */
/*
 * cp_crypto: the RFC 8061 (LISP-crypto) key exchange of our own control
 * plane, without I/O, shared by the ITR and ETR engines when lisp.config
 * says `data-plane-security = yes`.  The X25519 and KDF arithmetic is
 * crypto/lc8061_kx; this module keeps the sessions.
 *
 *   ITR                          Map-Request (nonce N)            ETR
 *   key pair I (per process) --- ITR-RLOC = SecKey(suite, I.pub, addr) -->
 *                                                  per ITR RLOC address:
 *                                                  same I.pub: keep pair E
 *                                                  else new pair E,
 *                                                  S = X25519(E, I)
 *                                                  K_N = KDF(S, N) as
 *                                                  key-id f(N), set of <= 3
 *                                                  --> DP decap-keys(addr,
 *                                                      key-ids 1..3)
 *   <-- Map-Reply (nonce N), our RLOCs = SecKey(suite, E.pub, locator) ---
 *   per remote RLOC: S = X25519(I, E) (kept while E.pub is unchanged),
 *   K_N = KDF(S, N), key-id f(N)
 *   --> DP map-cache RLOC keys [{key-id f(N), suite, encrypt-key K_N}]
 *
 *   f(N) = 1 + (N mod 3)
 *
 * Key per exchange, key-id by nonce: both ends derive a key for every
 * keyed Map-Request/Map-Reply (resolution, refresh, probe), and the
 * nonce, which both ends know, names the key-id.  The ETR keeps the key
 * of the last request of each key-id class (three live at once), the
 * ITR uses the key of the last reply it got.  So a lost or overtaken
 * reply never leaves the ends with different keys for longer than the
 * next exchange: a late reply picks a key the ETR still holds, unless
 * a later request of the same class replaced it, and that request's
 * reply then fixes it.  (Before, the ETR derived once per session and
 * the ITR from the first reply it saw: a lost reply left them apart
 * until the ETR session ended.)
 *
 * Session rule (RFC 8061 section 10): the ITR keeps one key pair for
 * the lifetime of the control process, and the ETR keeps its pair (and
 * the shared secret, so a new key costs one HMAC, not an X25519) while
 * the ITR's public key is unchanged.  A restarted ITR has a new key and
 * so starts new sessions.  All ITR-RLOCs of one Map-Request that carry
 * the same ITR key share one ETR pair and get the same key (IPv4 and
 * IPv6 RLOCs of the same ITR), so every locator of the reply carries
 * the same ETR key.  Derivations are rate-limited per ITR address (a
 * token bucket, kx_burst and kx_rate): a keyed Map-Request over the
 * limit is not answered (counted), its retransmission (same nonce) is.
 *
 * RFC 8061 is opportunistic: an ETR that answers without a Security Key
 * LCAF on an RLOC gets plaintext.  A reply from the ETR itself without
 * keys ends the ITR's session with that RLOC; a reply from the mapping
 * system (a map-server's proxy reply, which never carries keys) leaves
 * it as it is.
 *
 * Suites 5 (X25519, AES-128-GCM) and 6 (X25519, ChaCha20-Poly1305) only.
 * The ITR offers the one of LISPZTR_CRYPTO_SUITE; the ETR answers in the
 * suite the ITR offered.  Anything else in a Map-Request (other suites,
 * key lengths other than 32, low-order keys) is answered without keys,
 * counted and logged rate-limited.
 *
 * Both tables are bounded (max_sessions each): the least recently used
 * session is evicted, and ETR sessions not refreshed by a Map-Request
 * for `idle` seconds, and no sooner than the record TTL we answered with
 * plus CPC_TTL_SLACK, expire.  An evicted or expired ETR session takes
 * its data-plane entry with it (decap-keys with an empty key set).
 */
#ifndef CP_CRYPTO_H
#define CP_CRYPTO_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_addr.h"
#include "lc8061_kx.h"
#include "lisp_msg.h"

struct cpc_params {
	uint8_t		 suite;		/* offered by our ITR: 5 or 6 */
	size_t		 max_sessions;	/* per table */
	double		 idle;		/* ETR session expiry, s */
	double		 kx_burst;	/* ETR derivations per ITR: burst */
	double		 kx_rate;	/* and per second */
};

#define CPC_DEF_SUITE		LC8061_KX_SUITE_AES128_GCM
#define CPC_DEF_MAX_SESSIONS	1024
#define CPC_DEF_IDLE		3600.0
/*
 * A legitimate ITR derives once per probe of each map-cache RLOC and per
 * refresh: a few a minute with the 60 s probe interval, about 4 a second
 * per ITR address in cp_crypto.sh (1 s probes, 4 entries).  The ETR's
 * reply limit (1 per second per ITR, prefix and probe flag) bounds it
 * before this does.
 */
#define CPC_DEF_KX_BURST	20.0
#define CPC_DEF_KX_RATE		10.0
#define CPC_TTL_SLACK		600.0	/* s beyond the record TTL */
#define CPC_KEY_IDS		3	/* key-ids 1..3 (the 2-bit KK) */

enum cpc_counter {
	CPC_C_ITR_OFFERED,	/* Map-Requests/probes carrying our key */
	CPC_C_ITR_NEW,		/* encrypt keys derived (new or rekey) */
	CPC_C_ITR_KEPT,		/* reply with the same ETR key */
	CPC_C_ITR_DROPPED,	/* the ETR answered without keys */
	CPC_C_ITR_EVICTED,
	CPC_C_ETR_NEW,		/* decrypt keys derived (one per request) */
	CPC_C_ETR_PAIR,		/* ETR key pairs made (new ITR key) */
	CPC_C_ETR_KEPT,		/* request with the same ITR key */
	CPC_C_ETR_DECAP_SENT,	/* decap-keys messages to the data plane */
	CPC_C_ETR_DECAP_DELETED, /* ... with no keys: entry deleted */
	CPC_C_ETR_EVICTED,
	CPC_C_ETR_EXPIRED,
	CPC_C_ETR_RATE_LIMITED,	/* keyed request over the limit: no reply */
	CPC_C_REFUSED_SUITE,	/* cipher suite other than 5 or 6 */
	CPC_C_REFUSED_KEY,	/* key count 0 or key length not 32 */
	CPC_C_REFUSED_LOW_ORDER, /* all-zero shared secret */
	CPC_C_REFUSED_ADDR,	/* locator in the LCAF not IPv4/IPv6 */
	CPC_C_SUITE_MISMATCH,	/* reply in a suite we did not offer */
	CPC_C_MAX
};

/* ETR: the key of one key-id, from the last request of its class. */
struct cpc_slot {
	int			 live;
	uint64_t		 nonce;
	uint8_t			 key[LC8061_KX_KEYMAX];
};

struct cpc_sess {
	TAILQ_ENTRY(cpc_sess)	 link;		/* most recently used first */
	struct dpipc_addr	 addr;		/* ITR RLOC / remote RLOC */
	uint8_t			 suite;
	uint8_t			 key_len;
	uint8_t			 peer_pub[LC8061_KX_PUBLEN];
	uint8_t			 own_pub[LC8061_KX_PUBLEN]; /* ETR table */
	uint8_t			 shared[LC8061_KX_SECLEN]; /* X25519 */
	/* ITR table: the encrypt key, its key-id and nonce. */
	uint8_t			 key_id;
	uint8_t			 sent_kid;	/* of the last request */
	uint64_t		 nonce;
	uint8_t			 key[LC8061_KX_KEYMAX];
	/* ETR table: decrypt keys by key-id - 1, derivation bucket. */
	struct cpc_slot		 slot[CPC_KEY_IDS];
	double			 tokens, tlast;
	double			 hold;		/* record TTL + slack, s */
	double			 created;
	double			 used;
};

TAILQ_HEAD(cpc_sessions, cpc_sess);

struct cpc {
	struct cpc_params	 p;
	struct cp_env		 env;
	struct lc8061_kx_pair	 itr;		/* wiped at cpc_free() */
	struct cpc_sessions	 etr_s, itr_s;
	size_t			 netr, nitr;
	uint64_t		 c[CPC_C_MAX];
};

/* The ETR's answer to one Map-Request. */
struct cpc_answer {
	int			 keyed;
	int			 fresh;		/* decap-keys sent just now */
	int			 refused;	/* rate-limited: do not answer */
	uint8_t			 suite;
	uint8_t			 pub[LC8061_KX_PUBLEN];
};

/*
 * The suite of LISPZTR_CRYPTO_SUITE (5 or 6; unset: 5; anything else is
 * logged and gives 5).
 */
uint8_t		 cpc_suite_from_env(void);
void		 cpc_params_default(struct cpc_params *);
/* Makes the ITR key pair.  NULL on failure. */
struct cpc	*cpc_new(const struct cpc_params *, const struct cp_env *);
void		 cpc_free(struct cpc *);

/* Map-Requests: the suite and public key our ITR-RLOCs carry. */
uint8_t		 cpc_suite(const struct cpc *);
const uint8_t	*cpc_itr_pub(const struct cpc *);
void		 cpc_note_offer(struct cpc *);

/*
 * ITR: one locator `loc` (rloc = its address) of a Map-Reply or probe
 * reply that answered our nonce.  from_etr: the reply came from the ETR
 * (not a map-resolver).  Returns 1 when the RLOC's key changed (new,
 * rekeyed or dropped: push its map-cache entries again), 0 otherwise.
 */
int	 cpc_itr_learn(struct cpc *, const struct dpipc_addr *rloc,
	    const struct lisp_addr *loc, int from_etr, uint64_t nonce,
	    double now);
/* The encrypt key of a remote RLOC for the data plane: 1, or 0 (none). */
int	 cpc_itr_key(const struct cpc *, const struct dpipc_addr *rloc,
	    struct dpipc_key *k);

/* The key-id of the key derived with Map-Request nonce N: 1 + N mod 3. */
uint8_t	 cpc_key_id(uint64_t nonce);
/*
 * ITR: the nonce n (random) of a keyed Map-Request or probe towards
 * the RLOCs rl (nrl 0: not known, a first resolution), moved within its
 * group of three so that its key-id is neither the one in use with
 * those ETRs nor the one of the last request sent to them, when such a
 * key-id is left: the ETR then never replaces the key the ITR encrypts
 * with, nor that of a request still in flight (section "RFC 8061 key
 * exchange" of DECISIONS).
 */
uint64_t cpc_itr_nonce(struct cpc *, uint64_t n, const struct dpipc_addr *rl,
	    size_t nrl);

/*
 * ETR: the ITR-RLOCs of Map-Request mr that we answer to dst with
 * records of TTL ttl_min minutes.  Keeps or makes the session, derives
 * the key of mr's nonce, sends decap-keys when the set changed, and says
 * with which key to answer (refused: rate-limited, send nothing).
 */
void	 cpc_etr_request(struct cpc *, const struct lisp_map_request *mr,
	    const struct dpipc_addr *dst, uint32_t ttl_min, double now,
	    struct cpc_answer *);
/* Wrap every locator of rec that has L set in the answer's key LCAF. */
int	 cpc_wrap_record(const struct cpc_answer *,
	    struct lisp_eid_record *rec);

/* Expire idle ETR sessions (and delete their data-plane entries). */
void	 cpc_tick(struct cpc *, double now);

const char *cpc_counter_name(enum cpc_counter);
void	 cpc_dump(const struct cpc *, double now,
	    void (*line)(void *, const char *), void *arg);

#endif /* CP_CRYPTO_H */
