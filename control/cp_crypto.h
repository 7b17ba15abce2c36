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
 *                                                  same I.pub: keep session
 *                                                  else new pair E,
 *                                                  K = KDF(X25519(E, I), N)
 *                                                  --> DP decap-keys(addr, K)
 *   <-- Map-Reply (nonce N), our RLOCs = SecKey(suite, E.pub, locator) ---
 *   per remote RLOC: same E.pub: keep K, else K = KDF(X25519(I, E), N)
 *   --> DP map-cache RLOC keys [{key-id 1, suite, encrypt-key K}]
 *
 * Session rule (RFC 8061 section 10): sending the same key material
 * means "no rekey".  So the ITR keeps one key pair for the lifetime of
 * the control process: an ETR that sees an unchanged ITR public key keeps
 * its session, and probes or refreshes every minute do not rekey the data
 * plane.  A restarted ITR has a new key and so starts new sessions.  The
 * ETR makes one key pair per session; its secret is wiped as soon as the
 * key is derived.  All ITR-RLOCs of one Map-Request that carry the same
 * ITR key share one session (IPv4 and IPv6 RLOCs of the same ITR), so
 * every locator of the reply carries the same ETR key.
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
 * for `idle` seconds expire.  Eviction and expiry forget only the
 * control state: the data plane keeps the last key until the next
 * Map-Request from that ITR replaces it.
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
};

#define CPC_DEF_SUITE		LC8061_KX_SUITE_AES128_GCM
#define CPC_DEF_MAX_SESSIONS	1024
#define CPC_DEF_IDLE		3600.0
#define CPC_KEY_ID		1	/* lispers.net and we use key-id 1 */

enum cpc_counter {
	CPC_C_ITR_OFFERED,	/* Map-Requests/probes carrying our key */
	CPC_C_ITR_NEW,		/* encrypt keys derived (new or rekey) */
	CPC_C_ITR_KEPT,		/* reply with the same ETR key */
	CPC_C_ITR_DROPPED,	/* the ETR answered without keys */
	CPC_C_ITR_EVICTED,
	CPC_C_ETR_NEW,		/* decrypt keys derived (new or rekey) */
	CPC_C_ETR_KEPT,		/* request with the same ITR key */
	CPC_C_ETR_DECAP_SENT,	/* decap-keys messages to the data plane */
	CPC_C_ETR_EVICTED,
	CPC_C_ETR_EXPIRED,
	CPC_C_REFUSED_SUITE,	/* cipher suite other than 5 or 6 */
	CPC_C_REFUSED_KEY,	/* key count 0 or key length not 32 */
	CPC_C_REFUSED_LOW_ORDER, /* all-zero shared secret */
	CPC_C_REFUSED_ADDR,	/* locator in the LCAF not IPv4/IPv6 */
	CPC_C_SUITE_MISMATCH,	/* reply in a suite we did not offer */
	CPC_C_MAX
};

struct cpc_sess {
	TAILQ_ENTRY(cpc_sess)	 link;		/* most recently used first */
	struct dpipc_addr	 addr;		/* ITR RLOC / remote RLOC */
	uint8_t			 suite;
	uint8_t			 key_len;
	uint8_t			 peer_pub[LC8061_KX_PUBLEN];
	uint8_t			 own_pub[LC8061_KX_PUBLEN]; /* ETR table */
	uint8_t			 key[LC8061_KX_KEYMAX];
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

/*
 * ETR: the ITR-RLOCs of Map-Request mr that we answer to dst.  Keeps or
 * makes the session, sends decap-keys for new keys, and says with which
 * key to answer.
 */
void	 cpc_etr_request(struct cpc *, const struct lisp_map_request *mr,
	    const struct dpipc_addr *dst, double now, struct cpc_answer *);
/* Wrap every locator of rec that has L set in the answer's key LCAF. */
int	 cpc_wrap_record(const struct cpc_answer *,
	    struct lisp_eid_record *rec);

/* Expire idle ETR sessions. */
void	 cpc_tick(struct cpc *, double now);

const char *cpc_counter_name(enum cpc_counter);
void	 cpc_dump(const struct cpc *, double now,
	    void (*line)(void *, const char *), void *arg);

#endif /* CP_CRYPTO_H */
