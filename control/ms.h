/* SPDX-License-Identifier: ISC */
/*
 * Map-Server / Map-Resolver / minimal DDT Map-Server (RFC 9301 section 8,
 * RFC 8111 section 7), as a pure module: no sockets, no timers, no clock.
 * The caller (the control-plane process, tests/helpers/ms_stub, the fuzz
 * target) feeds it UDP payloads received on port 4342 together with the
 * sender's address and the current time, and gives it a send function
 * that transmits from the caller's port-4342 socket.
 *
 *   ms_input()  Map-Register          -> registration, Map-Notify (M)
 *               ECM Map-Request       -> proxy Map-Reply, forwarded ECM
 *                                        to an ETR, or negative Map-Reply
 *               ECM Map-Request, D=1  -> Map-Referral (MS-ACK,
 *                                        MS-NOT-REGISTERED, DELEGATION-HOLE)
 *   ms_expire() times registrations out (3 minutes, or the record TTL
 *               when the Map-Register had T set)
 *
 * Who may register what comes from the `lisp site` clauses of lisp.config
 * (authentication-key list, allowed-prefix, allowed-rloc); ms_new() and
 * ms_reconfigure() copy what they need, the config may be freed afterwards.
 * Secrets are wiped when they are dropped.
 *
 * Destinations (docs/DECISIONS.md, "Map-Server"):
 *   Map-Notify     -> the Map-Register's source address and port
 *   Map-Reply      -> an ITR-RLOC of the Map-Request (the first of the
 *                     family the request arrived on, else the first IPv4/
 *                     IPv6 one), port = the inner UDP source port
 *   forwarded ECM  -> an ETR RLOC of the registration, port 4342
 *   Map-Referral   -> the ECM's source address and port
 */
#ifndef LISP_MS_H
#define LISP_MS_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "lisp_msg.h"

struct lisp_config;
struct ms;

/*
 * Transmit pkt (a UDP payload) to `to` from the caller's port-4342 socket
 * of to's family.  Returns 0, or -1 (counted as send-error).  pkt is only
 * valid during the call.
 */
typedef int	 ms_send_fn(void *arg, const uint8_t *pkt, size_t len,
		    const struct sockaddr_storage *to);

/* Results of ms_input(). */
enum ms_result {
	MS_DROPPED = -1,	/* ours but refused; a counter says why */
	MS_CONSUMED = 0,	/* processed (possibly answered) */
	MS_NOT_MINE = 1,	/* not a map-server message (Map-Reply,
				   Map-Notify(-Ack), Map-Referral, Info,
				   a plain Map-Request): the caller's xTR
				   code may take it */
};

/*
 * Counters, in a fixed order; names never change, new ones are appended
 * (the same convention as dataplane/dp_stats.h).
 */
enum ms_counter {
	MS_C_DECODE_ERROR,		/* undecodable datagram */
	MS_C_ROLE_DISABLED,		/* role off in `lisp enable` */
	MS_C_REG_RECEIVED,
	MS_C_REG_ACCEPTED,
	MS_C_REG_NO_RECORDS,
	MS_C_REG_UNSUPPORTED_EID,	/* EID not IPv4/IPv6/MAC (+IID) */
	MS_C_REG_NOT_ALLOWED,		/* no allowed-prefix covers it */
	MS_C_REG_MORE_SPECIFIC,		/* covered, accept-more-specifics no */
	MS_C_REG_SITE_SHUTDOWN,
	MS_C_REG_UNKNOWN_KEY_ID,
	MS_C_REG_BAD_ALG,		/* alg 0, 3 or unknown */
	MS_C_REG_BAD_AUTH,		/* MAC does not verify */
	MS_C_REG_RLOC_NOT_ALLOWED,	/* allowed-rloc list */
	MS_C_REG_TABLE_FULL,
	MS_C_REG_DEREGISTERED,		/* record TTL 0 */
	MS_C_REG_EXPIRED,
	MS_C_NOTIFY_SENT,
	MS_C_REQ_RECEIVED,		/* ECM Map-Requests */
	MS_C_REQ_DDT_RECEIVED,		/* ... with D set */
	MS_C_REQ_PROBE_DROPPED,		/* P set: MUST be dropped */
	MS_C_REQ_NO_ITR_RLOC,		/* no usable ITR-RLOC */
	MS_C_REQ_UNSUPPORTED_EID,
	MS_C_REQ_PROXY_REPLY,
	MS_C_REQ_FORWARDED,
	MS_C_REQ_NO_ETR,		/* registered, but no RLOC to forward to */
	MS_C_REQ_NEGATIVE,		/* negative Map-Reply sent */
	MS_C_REF_MS_ACK,
	MS_C_REF_NOT_REGISTERED,
	MS_C_REF_DELEGATION_HOLE,
	MS_C_ECM_UNSUPPORTED,		/* ECM carrying anything else */
	MS_C_RATE_LIMITED,		/* answer suppressed by the limiter */
	MS_C_SEND_ERROR,
	MS_C_MAX
};

/*
 * One registration, as ms_walk_sites() shows it.  For a configured site
 * without any registration the walk calls once with rec == NULL.  All
 * pointers are valid during the callback only.
 */
struct ms_reg_view {
	const char			*site_name;	/* "" when unnamed */
	const char			*site_descr;	/* may be NULL */
	int				 site_shutdown;
	uint32_t			 iid;
	const struct lisp_eid_record	*rec;	/* as registered (TTL,
						   locators), NULL: none */
	int				 has_xtr_id;
	const uint8_t			*xtr_id;	/* 16 bytes */
	uint64_t			 site_id;
	const struct sockaddr_storage	*src;	/* Map-Register source */
	uint16_t			 flags;	/* LISP_MREG_* as received */
	uint64_t			 first_ms;	/* first registration */
	uint64_t			 last_ms;	/* last refresh */
	uint64_t			 expires_ms;
	uint64_t			 registers;	/* refreshes counted */
	uint8_t				 key_id;	/* authentication of the */
	uint8_t				 alg_id;	/* last Map-Register */
};
typedef void	 ms_walk_fn(void *arg, const struct ms_reg_view *v);

/* Defaults. */
#define MS_REG_TIMEOUT_MS	(3 * 60 * 1000)	/* RFC 9301 section 8.2 */
#define MS_NEG_TTL_HOLE		15	/* minutes: outside every site */
#define MS_NEG_TTL_UNREG	1	/* minutes: site, not registered */
#define MS_MAX_REGS		65536	/* (prefix, xTR) entries */
#define MS_MAX_XTRS		32	/* xTRs per registered prefix */
#define MS_RL_BURST		20	/* answers per source address ... */
#define MS_RL_PER_SEC		10	/* ... refilled at this rate */

/* NULL on allocation failure (logged). */
struct ms	*ms_new(const struct lisp_config *cfg);
void		 ms_free(struct ms *ms);
/*
 * New sites and roles.  Registrations whose prefix is no longer allowed
 * by a site of the same name (or is now in a shut-down site) are dropped;
 * the others keep running.  0, or -1 on allocation failure (the old
 * configuration stays).
 */
int		 ms_reconfigure(struct ms *ms, const struct lisp_config *cfg);
/* Per-source answer limiter; burst 0 disables it. */
void		 ms_set_ratelimit(struct ms *ms, uint32_t burst,
		    uint32_t per_sec);

/* One UDP payload received on port 4342.  Returns enum ms_result. */
int		 ms_input(struct ms *ms, const uint8_t *pkt, size_t len,
		    const struct sockaddr_storage *from, uint64_t now_ms,
		    ms_send_fn *send, void *arg);
/* Drop what has timed out; returns how many (prefix, xTR) entries. */
size_t		 ms_expire(struct ms *ms, uint64_t now_ms);
/* Earliest expiry, UINT64_MAX when nothing is registered. */
uint64_t	 ms_next_expiry(const struct ms *ms);

void		 ms_walk_sites(const struct ms *ms, ms_walk_fn *fn, void *arg);
/* Number of registered (prefix, xTR) entries. */
size_t		 ms_nregs(const struct ms *ms);

uint64_t	 ms_counter(const struct ms *ms, enum ms_counter c);
const char	*ms_counter_name(enum ms_counter c);

#endif /* LISP_MS_H */
