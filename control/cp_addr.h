/* SPDX-License-Identifier: ISC */
/*
 * cp_addr: the control plane's own small address vocabulary, shared by
 * the ITR, ETR and probing modules, and the seam between the pure engine
 * and its I/O.
 *
 * An EID is (instance-id, prefix); a prefix and an RLOC both use the
 * struct dpipc_addr of the data-plane IPC (af, plen, 16 bytes), so that
 * map-cache messages to the data plane need no conversion.  On the LISP
 * wire an EID with a non-zero instance-id is an Instance-ID LCAF around
 * the address (IID mask-len 0); instance-id 0 is the plain AFI.  An RLOC
 * may come inside a Security Key LCAF (LISP-crypto, control/cp_crypto).
 *
 * struct cp_env is everything the engine does to the outside world: send
 * a UDP control packet (optionally from a given local address, so that an
 * RLOC-probe reply leaves from the probed RLOC), hand a message to the
 * data plane, and draw 64-bit random numbers (nonces).  The daemon fills
 * it with sockets and arc4random-quality randomness; the unit tests with
 * recorders and a counter.  Time is never read by the engine: every entry
 * point takes `now` (seconds, monotonic).
 */
#ifndef CP_ADDR_H
#define CP_ADDR_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "dpipc.h"
#include "lisp_addr.h"

#define LISP_CONTROL_PORT	4342

/* glibc's <sys/queue.h> lacks the BSD _SAFE iterators. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct cp_eid {
	uint32_t		 iid;
	struct dpipc_addr	 p;	/* host bits beyond plen are zero */
};

struct cp_env {
	/* 0 when the packet left, -1 otherwise (counted by the caller). */
	int		(*send)(void *arg, const struct dpipc_addr *dst,
			    uint16_t dport, const struct dpipc_addr *src,
			    const uint8_t *buf, size_t len);
	void		(*dp_send)(void *arg, const struct dpipc_msg *m);
	uint64_t	(*rand64)(void *arg);
	void		*arg;
};

/* Address bytes of a family: 4, 16, or 0 for anything else. */
size_t	 cpa_alen(int af);
/* Clear the host bits beyond p->plen. */
void	 cpa_mask(struct dpipc_addr *p);
/* A host address as a full-length prefix. */
void	 cpa_host(struct dpipc_addr *p, int af, const void *bytes);
int	 cpa_addr_eq(const struct dpipc_addr *a, const struct dpipc_addr *b);
int	 cpa_eid_eq(const struct cp_eid *a, const struct cp_eid *b);
/* 1 when prefix pfx (same IID and family) contains e (prefix or host). */
int	 cpa_covers(const struct cp_eid *pfx, const struct cp_eid *e);

/*
 * Wire <-> ours.  cpa_eid_from_lisp() strips an Instance-ID LCAF and
 * accepts IPv4/IPv6 only (-1 otherwise); mlen is the record's mask-len,
 * checked against the family.  cpa_eid_to_lisp() and cpa_rloc_to_lisp()
 * fill a (overwritten, owned by the caller: lisp_addr_free()).
 */
int	 cpa_eid_from_lisp(const struct lisp_addr *a, uint8_t mlen,
	    struct cp_eid *out);
int	 cpa_eid_to_lisp(const struct cp_eid *e, struct lisp_addr *a);
int	 cpa_rloc_from_lisp(const struct lisp_addr *a, struct dpipc_addr *out);
/*
 * RFC 8061 Security Key LCAF (type 11) around an RLOC: cpa_seckey()
 * returns it (NULL for anything else); cpa_rloc_from_lisp() above reads
 * the locator inside it.  cpa_seckey_wrap() moves a into a new LCAF with
 * one key (key-id 1) of the given suite: 0 or -1 (no memory).
 */
const struct lcaf_seckey *cpa_seckey(const struct lisp_addr *a);
int	 cpa_seckey_wrap(struct lisp_addr *a, uint8_t suite,
	    const uint8_t *key, size_t len);
void	 cpa_rloc_to_lisp(const struct dpipc_addr *r, struct lisp_addr *a);

/* "[iid]addr/plen" and "addr"; always NUL-terminated, returns buf. */
#define CPA_STRLEN	80
char	*cpa_eid_fmt(const struct cp_eid *e, char *buf, size_t len);
char	*cpa_addr_fmt(const struct dpipc_addr *a, char *buf, size_t len);

/* Minimum-interval limiter keyed by the caller (a timestamp per key). */
int	 cpa_interval_ok(double *last, double now, double min_interval);

/*
 * Token bucket: `rate` tokens per second, at most `burst`.  Returns 1 and
 * takes a token when one is available.
 */
struct cpa_bucket {
	double		 tokens;
	double		 stamp;
	int		 primed;
};
int	 cpa_bucket_take(struct cpa_bucket *b, double rate, double burst,
	    double now);

#endif /* CP_ADDR_H */
