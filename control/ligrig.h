/* SPDX-License-Identifier: ISC */
/*
 * Shared by the lig and rig tools (tools/lig.c, tools/rig.c): EID and
 * address parsing, the local RLOC, the ECM Map-Request they send, and the
 * lispers.net output conventions (lispers-net-compat.md section 5.3).
 */
#ifndef LISP_LIGRIG_H
#define LISP_LIGRIG_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "lisp_addr.h"

/*
 * "[<iid>]<eid>" or "<eid>": an IPv4/IPv6 address, a MAC xxxx-xxxx-xxxx,
 * or (when resolve is set) a host name.  *eid gets the address (plain),
 * *iid the instance-ID (0 without brackets).  0, -1 for a syntax error,
 * -2 when a name does not resolve.
 */
int	 lr_parse_eid(const char *s, int resolve, struct lisp_addr *eid,
	    uint32_t *iid);
/* Address or host name into ss with port.  0 or -1. */
int	 lr_resolve(const char *s, uint16_t port, struct sockaddr_storage *ss);
/* The local address the kernel would use towards peer.  0 or -1. */
int	 lr_local_addr(const struct sockaddr_storage *peer,
	    struct sockaddr_storage *local);

/*
 * ECM Map-Request for eid (plain address, wrapped in an IID LCAF when
 * iid != 0) as a host prefix.  src_eid may be NULL (Source-EID AFI 0).
 * The ITR-RLOC is itr (its port is ignored), the inner UDP source port
 * sport; the inner IP header goes from the source EID (or the ITR-RLOC)
 * to the EID (or to mr when the EID is not of that family).  ddt sets
 * the ECM D bit.  Returns the length, 0 on error.
 */
size_t	 lr_build_request(uint8_t *buf, size_t cap, const struct lisp_addr *eid,
	    uint32_t iid, const struct lisp_addr *src_eid, uint32_t src_iid,
	    const struct sockaddr_storage *itr, const struct sockaddr_storage *mr,
	    uint16_t sport, uint64_t nonce, int ddt);

/* "<n> secs" (high bit), "<n/60> hours" (multiple of 60), "<n> mins". */
const char *lr_fmt_ttl(uint32_t ttl, char *buf, size_t len);
/* "[<iid>]<address>" or "[<iid>]<address>/<len>" (plen >= 0). */
const char *lr_fmt_eid(const struct lisp_addr *eid, int plen, char *buf,
	    size_t len);
/* Address of ss without port. */
const char *lr_fmt_ss(const struct sockaddr_storage *ss, char *buf,
	    size_t len);
/* Bold green / bold, as lispers.net prints them; plain with NO_COLOR. */
const char *lr_green(const char *s, char *buf, size_t len);
const char *lr_bold(const char *s, char *buf, size_t len);
/* Seconds since an unspecified start, monotonic. */
double	 lr_now(void);

#endif /* LISP_LIGRIG_H */
