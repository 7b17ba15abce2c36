/* SPDX-License-Identifier: ISC */
/*
 * cp_itr: the ITR half of the control plane, without I/O.
 *
 * It keeps the control plane's own view of the map-cache (EID-prefix ->
 * RLOCs with TTL and probe state; the data plane holds the forwarding
 * copy and gets every change as a dpipc map-cache add/delete), the table
 * of pending resolutions, and the nonces it sent.
 *
 *   discovery (DP miss)                Map-Reply (nonce we sent,
 *        |                              plausible source and records)
 *        v                                        |
 *   pending[dest] --ECM Map-Request--> MR ...     v
 *     retransmit 1, 2, 4, 8, 8 ... s        entry[prefix], TTL --> DP add
 *     10 retransmits -> 30 s hold-down      (the DP flushes its buffer)
 *
 * Rules (RFC 9301 sections 5.3, 6.1, wire-formats.md section 1):
 *  - one outstanding resolution per destination; its retransmissions are
 *    at least req_interval (1 s) apart and back off exponentially; after
 *    retrans_tries unanswered retransmissions the destination is held
 *    down for `holddown` seconds (discoveries are ignored meanwhile);
 *  - every Map-Request we send, to any destination, takes a token of a
 *    global bucket (global_rate per second): a flood of discoveries for
 *    random destinations cannot turn into a flood of Map-Requests; a
 *    request without a token waits for the next tick;
 *  - a Map-Reply is accepted only with the nonce of an outstanding
 *    request; its source must be one of our map-resolvers or one of the
 *    RLOCs the reply itself lists (an ETR answering for its own EIDs),
 *    and at least one record must cover the destination asked for (other
 *    records are kept when they lie inside that one: more-specifics);
 *  - probe replies (P) must come from the probed RLOC with the probe's
 *    nonce and carry A=1 on every record (RFC 9301 section 5.4);
 *  - RLOC probes go straight to the RLOC, never in an ECM and never to a
 *    map-resolver;
 *  - entries carrying traffic (statistics or discoveries) are refreshed
 *    through the mapping system shortly before they expire, others
 *    expire and are deleted from the data plane;
 *  - an SMR for a prefix we cache starts an SMR-invoked Map-Request (s)
 *    through the mapping system, at most one per smr_interval per entry.
 *
 * The RLOC set given to the data plane holds only usable RLOCs: IPv4 or
 * IPv6, priority < 255, reachable (R bit, and up when probing).  An
 * entry without any is sent with an empty set (the data plane keeps
 * punting), as lispers.net does.
 *
 * Tables are lists: an edge xTR caches tens of prefixes, not millions.
 */
#ifndef CP_ITR_H
#define CP_ITR_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_addr.h"
#include "cp_crypto.h"
#include "cp_probe.h"
#include "lisp_msg.h"

struct itr_params {
	double		 req_interval;	/* min s between requests per dest */
	double		 retrans_max;	/* backoff cap, s */
	unsigned int	 retrans_tries;	/* retransmissions before hold-down */
	double		 holddown;	/* s */
	double		 global_rate;	/* Map-Requests per second, all */
	double		 refresh_margin; /* refresh this long before expiry */
	uint32_t	 default_ttl;	/* minutes, for TTL 0xFFFFFFFF */
	double		 smr_interval;	/* SMR-invoked requests per entry */
	double		 repush_interval; /* re-send an entry on a discovery */
	int		 probing;	/* rloc-probing = yes */
	struct probe_params probe;
};

#define ITR_DEF_REQ_INTERVAL	1.0
#define ITR_DEF_RETRANS_MAX	8.0
#define ITR_DEF_RETRANS_TRIES	10
#define ITR_DEF_HOLDDOWN	30.0
#define ITR_DEF_GLOBAL_RATE	100.0
#define ITR_DEF_REFRESH_MARGIN	60.0
#define ITR_DEF_TTL		1440
#define ITR_DEF_SMR_INTERVAL	3.0
#define ITR_DEF_REPUSH		1.0

enum itr_counter {
	ITR_C_DISCOVERY,	/* discovery punts received */
	ITR_C_MISS_CACHED,	/* ... for a destination we have an entry for */
	ITR_C_MISS_PENDING,	/* ... already being resolved */
	ITR_C_MISS_HOLDDOWN,	/* ... held down after unanswered requests */
	ITR_C_REQ_SENT,		/* Map-Requests sent (first transmission) */
	ITR_C_REQ_RETRANS,	/* retransmissions */
	ITR_C_REQ_RATELIMITED,	/* deferred for lack of a global token */
	ITR_C_REQ_GIVEUP,	/* destinations held down */
	ITR_C_REQ_FAILED,	/* no resolver, no ITR-RLOC, send error */
	ITR_C_REPLY_OK,		/* Map-Replies accepted */
	ITR_C_REPLY_BAD_NONCE,	/* no outstanding request with this nonce */
	ITR_C_REPLY_BAD_SOURCE,	/* not from a resolver or a listed RLOC */
	ITR_C_REPLY_BAD_RECORD,	/* no record covers what we asked */
	ITR_C_NEGATIVE,		/* negative entries installed */
	ITR_C_POSITIVE,		/* positive entries installed */
	ITR_C_EXPIRED,		/* entries expired */
	ITR_C_REFRESH,		/* refresh requests started */
	ITR_C_SMR,		/* SMRs received */
	ITR_C_SMR_NO_ENTRY,	/* ... for nothing we cache */
	ITR_C_SMR_RATELIMITED,	/* ... too soon after the previous one */
	ITR_C_SMR_INVOKED,	/* SMR-invoked Map-Requests started */
	ITR_C_PROBE_SENT,
	ITR_C_PROBE_REPLY,	/* probe replies accepted */
	ITR_C_PROBE_BAD,	/* probe replies not matching a probe */
	ITR_C_RLOC_DOWN,
	ITR_C_RLOC_UP,
	ITR_C_DP_ADD,
	ITR_C_DP_DELETE,
	ITR_C_MAX
};

struct itr_rloc {
	struct dpipc_addr	 addr;
	uint8_t			 priority;
	uint8_t			 weight;
	int			 reach;		/* R bit as received */
	struct probe_state	 probe;
};

struct itr_entry {
	TAILQ_ENTRY(itr_entry)	 link;
	struct cp_eid		 eid;
	int			 is_static;	/* configured, never expires */
	int			 smr_range;	/* send-map-request range */
	int			 negative;
	uint8_t			 act;		/* negative entries */
	uint32_t		 ttl;		/* minutes */
	double			 installed;
	double			 expires;
	int			 used;		/* traffic since last refresh */
	int			 refreshing;
	double			 last_push;
	double			 last_smr;
	int			 smr_due;	/* SMR not yet acted on */
	size_t			 nrlocs;
	struct itr_rloc		*rlocs;
};

struct itr_pending {
	TAILQ_ENTRY(itr_pending) link;
	struct cp_eid		 dest;
	struct cp_eid		 src;		/* p.af 0 when unknown */
	uint64_t		 nonce;
	double			 first_tx;
	double			 next_tx;
	unsigned int		 tries;		/* transmissions so far */
	int			 smr_invoked;
	int			 refresh;
	int			 holddown;
};

TAILQ_HEAD(itr_entries, itr_entry);
TAILQ_HEAD(itr_pendings, itr_pending);

#define ITR_MAX_RESOLVERS	8
#define ITR_MAX_LOCAL		32

struct itr {
	struct itr_params	 p;
	struct cp_env		 env;
	struct itr_entries	 entries;
	struct itr_pendings	 pending;
	struct cpa_bucket	 global;
	struct dpipc_addr	 resolvers[ITR_MAX_RESOLVERS];
	size_t			 nresolvers;
	struct dpipc_addr	 local[ITR_MAX_LOCAL];	/* ITR-RLOCs */
	size_t			 nlocal;
	struct cp_eid		*eids;		/* local EIDs, ECM inner source */
	size_t			 neids;
	struct cpc		*crypto;	/* LISP-crypto, not owned */
	uint64_t		 c[ITR_C_MAX];
};

/* Zero fields get the defaults above. */
void		 itr_params_default(struct itr_params *);
struct itr	*itr_new(const struct itr_params *, const struct cp_env *);
void		 itr_free(struct itr *);

void	itr_set_resolvers(struct itr *, const struct dpipc_addr *, size_t);
void	itr_set_local(struct itr *, const struct dpipc_addr *, size_t);
int	itr_set_eids(struct itr *, const struct cp_eid *, size_t);
/*
 * LISP-crypto (data-plane-security = yes): our Map-Requests and probes
 * offer the key of c, RLOCs answering with keys get encrypt keys in the
 * data plane.  NULL turns it off.  c stays the caller's.
 */
void	itr_set_crypto(struct itr *, struct cpc *c);
/*
 * A configured map-cache prefix: with RLOCs a static entry (the data
 * plane installs it from the config itself; we only avoid resolving what
 * it covers), without RLOCs a send-map-request range.  itr_clear_config()
 * removes all of them (before a reload).
 */
int	itr_add_config(struct itr *, const struct cp_eid *,
	    const struct itr_rloc *, size_t nrlocs);
void	itr_clear_config(struct itr *);

/* A data-plane miss for host address dest (src may be NULL). */
void	itr_discovery(struct itr *, const struct cp_eid *dest,
	    const struct cp_eid *src, double now);
/*
 * A decoded Map-Reply from src.  Returns 0 when accepted, -1 when ignored
 * (and counted).
 */
int	itr_input_reply(struct itr *, const struct lisp_map_reply *,
	    const struct dpipc_addr *src, double now);
/* A decoded Map-Request with S (an SMR) from src. */
void	itr_input_smr(struct itr *, const struct lisp_map_request *,
	    const struct dpipc_addr *src, double now);
/* Data-plane statistics: packets > 0 marks the entry in use. */
void	itr_stat(struct itr *, const struct cp_eid *eid, uint64_t packets,
	    double now);
/* Timers: retransmissions, hold-downs, expiry, refresh, probing. */
void	itr_tick(struct itr *, double now);
/* Send every dynamic entry to the data plane (after its restart). */
void	itr_resync(struct itr *, double now);

struct itr_entry *itr_lookup(struct itr *, const struct cp_eid *);
struct itr_entry *itr_find(struct itr *, const struct cp_eid *prefix);
const char	*itr_counter_name(enum itr_counter);
/* One text line per entry and pending resolution, for the state dump. */
void	itr_dump(struct itr *, double now,
	    void (*line)(void *, const char *), void *arg);

#endif /* CP_ITR_H */
