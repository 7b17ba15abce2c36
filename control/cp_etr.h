/* SPDX-License-Identifier: ISC */
/*
 * cp_etr: the ETR half of the control plane, without I/O.
 *
 * Registration, one state machine per map-server:
 *
 *            send Map-Register (M)           Map-Notify: our key, our nonce
 *   IDLE ---------------------------> WAIT ---------------------------> OK
 *    ^  every register_interval        | no Map-Notify after 1 s, 2 s,  |
 *    |                                 | 4 s ... notify_max: re-send    |
 *    +---------------------------------+--------------------------------+
 *
 * A Map-Register carries every database-mapping for that map-server
 * (prefixes with `ms-name` go only to the map-server of that name), A=1,
 * locators L|R, I with our xTR-ID and site-ID, M when want-map-notify,
 * P when proxy-reply; it is signed with the map-server's
 * authentication-key (HMAC-SHA-1 for authentication-type sha1, else
 * HMAC-SHA-256, as lispers.net), over the whole message.  Nonces
 * increase by one per Map-Register (RFC 9301 section 5.6).  A Map-Notify
 * is accepted only from the map-server's address, signed with its key
 * and carrying the nonce of the Map-Register in flight; anything else is
 * counted and ignored.  Without want-map-notify a registration counts as
 * done when sent.
 *
 * Map-Requests for our EID-prefixes are answered with authoritative
 * Map-Replies (A=1, our RLOCs with L for our own addresses and R), to an
 * ITR-RLOC of the request and the request's source port.  A probe (P)
 * gets P in the reply, the same nonce, p on the locator that was probed
 * (the local address the probe arrived on) and leaves from that address.
 * Replies are rate-limited per (destination RLOC, prefix, probe) with a
 * token bucket (reply_rate per second, burst 3).  With LISP-crypto
 * (etr_set_crypto) the local locators of the reply carry our key, and a
 * reply that gave the data plane a new key is held ETR_KEY_SETTLE
 * seconds (below).
 *
 * When the RLOC set of a database-mapping changes (an interface address
 * came or went), every map-server is registered again at once and an SMR
 * (Map-Request with S, source EID and record = our prefix, direct, not
 * ECM) goes to each recent peer: ITRs that asked us for a mapping or that
 * we sent traffic to within peer_lifetime; at most one per smr_interval
 * per (peer, prefix).
 */
#ifndef CP_ETR_H
#define CP_ETR_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_addr.h"
#include "cp_crypto.h"
#include "lisp_msg.h"

struct etr_params {
	double		 register_interval;
	double		 notify_timeout;	/* first re-send without Notify */
	double		 notify_max;		/* backoff cap */
	uint32_t	 record_ttl;		/* minutes, in registrations */
	double		 reply_rate;		/* per key per second */
	double		 smr_interval;
	double		 peer_lifetime;
};

#define ETR_DEF_REGISTER	60.0
#define ETR_DEF_NOTIFY_TIMEOUT	1.0
#define ETR_DEF_NOTIFY_MAX	60.0
#define ETR_DEF_TTL		1440
#define ETR_DEF_REPLY_RATE	1.0
#define ETR_DEF_SMR_INTERVAL	3.0
#define ETR_DEF_PEER_LIFETIME	300.0

enum etr_counter {
	ETR_C_REGISTER_SENT,
	ETR_C_REGISTER_FAILED,	/* could not build or send */
	ETR_C_NOTIFY_OK,
	ETR_C_NOTIFY_MISSING,	/* timed out waiting: re-sent */
	ETR_C_NOTIFY_BAD_AUTH,
	ETR_C_NOTIFY_BAD_NONCE,
	ETR_C_NOTIFY_BAD_SOURCE,
	ETR_C_REQUEST,		/* Map-Requests for us */
	ETR_C_REQUEST_NOT_OURS,
	ETR_C_REQUEST_NO_RLOC,	/* no usable ITR-RLOC */
	ETR_C_REPLY_SENT,
	ETR_C_PROBE_REPLY_SENT,
	ETR_C_REPLY_RATELIMITED,
	ETR_C_RLOC_CHANGE,
	ETR_C_SMR_SENT,
	ETR_C_SMR_RATELIMITED,
	ETR_C_REPLY_DEFERRED,	/* held for the data plane's new decap key */
	ETR_C_MAX
};

struct etr_rloc {
	struct dpipc_addr	 addr;
	uint8_t			 priority;
	uint8_t			 weight;
	int			 local;		/* an address of this host */
};

#define ETR_NAME_MAX	64

struct etr_db {
	struct cp_eid		 eid;
	char			 ms_name[ETR_NAME_MAX];	/* "" = every MS */
	uint32_t		 ttl;			/* 0 = default */
	size_t			 nrlocs;
	struct etr_rloc		*rlocs;
};

enum etr_ms_state { ETR_MS_IDLE = 0, ETR_MS_WAIT, ETR_MS_OK };

struct etr_ms {
	TAILQ_ENTRY(etr_ms)	 link;
	struct dpipc_addr	 addr;
	char			 name[ETR_NAME_MAX];
	uint8_t			 key_id;
	uint8_t			 alg;
	uint8_t			*key;		/* owned, wiped on free */
	size_t			 keylen;
	int			 want_notify;
	int			 proxy_reply;
	enum etr_ms_state	 state;
	double			 next_at;
	double			 retry;		/* current Notify backoff */
	uint64_t		 nonce;		/* of the Register in flight */
	double			 registered_at;
	uint64_t		 sent, ok;
};

struct etr_peer {
	TAILQ_ENTRY(etr_peer)	 link;
	struct dpipc_addr	 addr;
	double			 seen;
	double			 last_smr;
	int			 smr_due;	/* rate-limited: send later */
};

struct etr_rl {
	TAILQ_ENTRY(etr_rl)	 link;
	struct dpipc_addr	 dst;
	struct cp_eid		 eid;
	int			 probe;
	struct cpa_bucket	 b;
};

/*
 * A Map-Reply whose key is new (every keyed exchange but a
 * retransmission: cp_crypto derives a key per nonce) waits ETR_KEY_SETTLE
 * seconds (sent by etr_tick) after the decap-keys message: the data
 * plane applies that message on its main thread, and the ITR's first
 * encrypted packet, flushed as soon as the reply arrives, must not beat
 * the key there (it would be dropped as no-decrypt-key).
 */
#define ETR_KEY_SETTLE		0.05
#define ETR_MAX_DEFERRED	64

struct etr_deferred {
	TAILQ_ENTRY(etr_deferred) link;
	struct dpipc_addr	 dst;
	uint16_t		 dport;
	int			 has_src;
	struct dpipc_addr	 src;
	double			 at;
	size_t			 len;
	uint8_t			 buf[];
};

TAILQ_HEAD(etr_mss, etr_ms);
TAILQ_HEAD(etr_peers, etr_peer);
TAILQ_HEAD(etr_rls, etr_rl);
TAILQ_HEAD(etr_deferreds, etr_deferred);

struct etr {
	struct etr_params	 p;
	struct cp_env		 env;
	struct etr_db		*db;
	size_t			 ndb;
	struct etr_mss		 ms;
	struct etr_peers	 peers;
	struct etr_rls		 rl;
	struct etr_deferreds	 deferred;
	size_t			 ndeferred;
	uint8_t			 xtr_id[LISP_XTR_ID_LEN];
	uint64_t		 site_id;
	uint64_t		 nonce;		/* last Map-Register nonce */
	struct cpc		*crypto;	/* LISP-crypto, not owned */
	uint64_t		 c[ETR_C_MAX];
};

void		 etr_params_default(struct etr_params *);
struct etr	*etr_new(const struct etr_params *, const struct cp_env *);
void		 etr_free(struct etr *);

void	etr_set_xtr_id(struct etr *, const uint8_t id[LISP_XTR_ID_LEN],
	    uint64_t site_id);
/*
 * Replace the database-mappings (deep copy).  When a prefix that stays
 * configured got a different RLOC set (not at the first call), re-register
 * at once and send SMRs.  Returns 1 on such a change, 0 otherwise, -1 on
 * no memory.
 */
int	etr_set_db(struct etr *, const struct etr_db *, size_t n, double now);
int	etr_add_ms(struct etr *, const struct dpipc_addr *addr,
	    const char *name, uint8_t key_id, uint8_t alg, const void *key,
	    size_t keylen, int want_notify, int proxy_reply, double now);
void	etr_clear_ms(struct etr *);
/*
 * LISP-crypto (data-plane-security = yes): Map-Requests whose ITR-RLOCs
 * carry a key get decap keys in the data plane and a Map-Reply whose
 * local locators carry ours.  NULL turns it off.  c stays the caller's.
 */
void	etr_set_crypto(struct etr *, struct cpc *c);

void	etr_tick(struct etr *, double now);
/*
 * A Map-Notify (decoded mn, the raw bytes buf/len and the offset of its
 * authentication data).  0 when it confirmed a registration, -1 when
 * ignored (counted).
 */
int	etr_input_notify(struct etr *, const uint8_t *buf, size_t len,
	    size_t auth_off, const struct lisp_map_register *mn,
	    const struct dpipc_addr *src, double now);
/*
 * A Map-Request (plain or from inside an ECM).  sport: the port to answer
 * to (the inner UDP source port for an ECM); src: the outer source;
 * local: the address it arrived on (NULL when unknown).  0 when answered.
 */
int	etr_input_request(struct etr *, const struct lisp_map_request *,
	    const struct dpipc_addr *src, uint16_t sport,
	    const struct dpipc_addr *local, double now);
/* An ITR we exchange traffic or mappings with (SMR target). */
void	etr_note_peer(struct etr *, const struct dpipc_addr *, double now);

/* The database-mapping covering eid, or NULL. */
const struct etr_db *etr_lookup(const struct etr *, const struct cp_eid *);
const char	*etr_counter_name(enum etr_counter);
void	etr_dump(struct etr *, double now,
	    void (*line)(void *, const char *), void *arg);

#endif /* CP_ETR_H */
