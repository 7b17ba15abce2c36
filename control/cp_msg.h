/* SPDX-License-Identifier: ISC */
/*
 * cp_msg: Map-Requests and ECMs as the control plane sends them, built
 * from cp_addr values and encoded with lib/lisp_msg.  Shared by the ITR
 * (resolution, refresh, SMR-invoked requests, RLOC probes) and the ETR
 * (SMRs).
 */
#ifndef CP_MSG_H
#define CP_MSG_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_addr.h"

/* Largest control message we build (an IPv6 path without PMTU info). */
#define CPM_BUFLEN	1280
/* Inner IP TTL of our ECMs (Cisco's value in the captures). */
#define CPM_ECM_TTL	32

struct cpm_request {
	uint16_t		 flags;		/* LISP_MREQ_* */
	uint64_t		 nonce;
	const struct cp_eid	*src;		/* NULL: Source-EID-AFI 0 */
	const struct dpipc_addr	*itr_rlocs;	/* at least one */
	size_t			 nitr;		/* capped at 32 */
	const struct cp_eid	*target;	/* the one EID-record */
	/*
	 * LISP-crypto (RFC 8061): with key_pub set, the first ITR-RLOC of
	 * each family goes in a Security Key LCAF with this suite and key.
	 */
	uint8_t			 key_suite;
	const uint8_t		*key_pub;
	size_t			 key_len;
};

/* Returns the encoded length, or -1 (nothing to send or no space). */
ssize_t	cpm_request_encode(const struct cpm_request *, uint8_t *buf,
	    size_t cap);
/*
 * An ECM around inner (a control message): inner IP isrc -> idst (same
 * family), inner UDP 4342 -> 4342, checksums computed.  Returns the
 * length or -1.
 */
ssize_t	cpm_ecm_encode(const uint8_t *inner, size_t len,
	    const struct dpipc_addr *isrc, const struct dpipc_addr *idst,
	    uint8_t *buf, size_t cap);

#endif /* CP_MSG_H */
