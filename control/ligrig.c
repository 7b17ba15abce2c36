/* SPDX-License-Identifier: ISC */
/*
 * lig/rig helpers (see ligrig.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ligrig.h"
#include "lisp_addr.h"
#include "lisp_msg.h"

int
lr_resolve(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct addrinfo	 hints, *res;
	char		 p[8];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(p, sizeof(p), "%u", port);
	if (getaddrinfo(s, p, &hints, &res) != 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static int
addr_from_ss(const struct sockaddr_storage *ss, struct lisp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->afi = LISP_AFI_IPV4;
		a->u.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		a->afi = LISP_AFI_IPV6;
		a->u.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	} else
		return -1;
	return 0;
}

int
lr_parse_eid(const char *s, int resolve, struct lisp_addr *eid, uint32_t *iid)
{
	struct sockaddr_storage	 ss;
	unsigned long		 v = 0;
	unsigned int		 m[3];
	char			*end;

	memset(eid, 0, sizeof(*eid));
	if (*s == '[') {
		v = strtoul(s + 1, &end, 10);
		if (end == s + 1 || *end != ']' || v > UINT32_MAX)
			return -1;
		s = end + 1;
	}
	*iid = (uint32_t)v;
	if (inet_pton(AF_INET, s, &eid->u.v4) == 1)
		eid->afi = LISP_AFI_IPV4;
	else if (inet_pton(AF_INET6, s, &eid->u.v6) == 1)
		eid->afi = LISP_AFI_IPV6;
	else if (strlen(s) == 14 && s[4] == '-' && s[9] == '-' &&
	    sscanf(s, "%4x-%4x-%4x", &m[0], &m[1], &m[2]) == 3) {
		eid->afi = LISP_AFI_MAC;
		eid->u.mac[0] = (uint8_t)(m[0] >> 8);
		eid->u.mac[1] = (uint8_t)m[0];
		eid->u.mac[2] = (uint8_t)(m[1] >> 8);
		eid->u.mac[3] = (uint8_t)m[1];
		eid->u.mac[4] = (uint8_t)(m[2] >> 8);
		eid->u.mac[5] = (uint8_t)m[2];
	} else if (resolve && *s != '\0') {
		if (lr_resolve(s, 0, &ss) == -1 || addr_from_ss(&ss, eid) == -1)
			return -2;
	} else
		return -1;
	return 0;
}

int
lr_local_addr(const struct sockaddr_storage *peer,
    struct sockaddr_storage *local)
{
	socklen_t	 sl = sizeof(*local);
	int		 s, rc = -1;

	if ((s = socket(peer->ss_family, SOCK_DGRAM, 0)) == -1)
		return -1;
	if (connect(s, (const struct sockaddr *)peer,
	    peer->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) == 0 &&
	    getsockname(s, (struct sockaddr *)local, &sl) == 0)
		rc = 0;
	close(s);
	return rc;
}

static int
wrap_iid(const struct lisp_addr *plain, uint32_t iid, struct lisp_addr *out)
{
	struct lisp_addr	 in = *plain;

	if (iid == 0) {
		*out = in;
		return 0;
	}
	return lisp_addr_set_iid(out, iid, 32, &in);
}

size_t
lr_build_request(uint8_t *buf, size_t cap, const struct lisp_addr *eid,
    uint32_t iid, const struct lisp_addr *src_eid, uint32_t src_iid,
    const struct sockaddr_storage *itr, const struct sockaddr_storage *mr,
    uint16_t sport, uint64_t nonce, int ddt)
{
	struct lisp_msg		 m, ecm;
	struct lisp_mreq_record	 rec;
	struct lisp_addr	 rloc, mra;
	uint8_t			 inner[1024];
	struct wbuf		 wb;
	size_t			 n = 0;

	memset(&m, 0, sizeof(m));
	memset(&ecm, 0, sizeof(ecm));
	memset(&rec, 0, sizeof(rec));
	if (addr_from_ss(itr, &rloc) == -1 || addr_from_ss(mr, &mra) == -1)
		return 0;
	rec.mask_len = eid->afi == LISP_AFI_IPV4 ? 32 :
	    eid->afi == LISP_AFI_IPV6 ? 128 : 48;
	m.type = LISP_MAP_REQUEST;
	m.u.mreq.nonce = nonce;
	m.u.mreq.itr_rloc_count = 1;
	m.u.mreq.itr_rlocs = &rloc;
	m.u.mreq.rec_count = 1;
	m.u.mreq.recs = &rec;
	if (wrap_iid(eid, iid, &rec.eid) == -1 || (src_eid != NULL &&
	    wrap_iid(src_eid, src_iid, &m.u.mreq.src_eid) == -1))
		goto out;
	wbuf_init(&wb, inner, sizeof(inner));
	if (lisp_msg_encode(&wb, &m) != 0)
		goto out;

	ecm.type = LISP_ECM;
	ecm.u.ecm.flags = ddt ? LISP_ECM_D : 0;
	if (eid->afi == LISP_AFI_IPV4 || eid->afi == LISP_AFI_IPV6) {
		ecm.u.ecm.inner_dst = *eid;
		ecm.u.ecm.inner_src = src_eid != NULL &&
		    src_eid->afi == eid->afi ? *src_eid : rloc;
		if (ecm.u.ecm.inner_src.afi != eid->afi) {
			/* e.g. an IPv6 EID asked over IPv4: unspecified. */
			memset(&ecm.u.ecm.inner_src, 0,
			    sizeof(ecm.u.ecm.inner_src));
			ecm.u.ecm.inner_src.afi = eid->afi;
		}
	} else {
		ecm.u.ecm.inner_src = rloc;
		ecm.u.ecm.inner_dst = mra;
	}
	ecm.u.ecm.ip_version = ecm.u.ecm.inner_dst.afi == LISP_AFI_IPV4 ?
	    4 : 6;
	ecm.u.ecm.inner_ttl = 32;
	ecm.u.ecm.inner_sport = sport;
	ecm.u.ecm.inner_dport = 4342;
	ecm.u.ecm.payload = inner;
	ecm.u.ecm.payload_len = wbuf_len(&wb);
	wbuf_init(&wb, buf, cap);
	if (lisp_msg_encode(&wb, &ecm) == 0)
		n = wbuf_len(&wb);
out:
	lisp_addr_free(&rec.eid);
	lisp_addr_free(&m.u.mreq.src_eid);
	return n;
}

const char *
lr_fmt_ttl(uint32_t ttl, char *buf, size_t len)
{
	if (ttl & 0x80000000U)
		snprintf(buf, len, "%u secs", ttl & 0x7FFFFFFFU);
	else if (ttl % 60 == 0)
		snprintf(buf, len, "%u hours", ttl / 60);
	else
		snprintf(buf, len, "%u mins", ttl);
	return buf;
}

const char *
lr_fmt_eid(const struct lisp_addr *eid, int plen, char *buf, size_t len)
{
	char		 t[LISP_ADDR_STRLEN];
	uint32_t	 iid;

	lisp_addr_fmt(lisp_addr_strip_iid(eid, &iid), t, sizeof(t));
	if (plen >= 0)
		snprintf(buf, len, "[%u]%s/%d", iid, t, plen);
	else
		snprintf(buf, len, "[%u]%s", iid, t);
	return buf;
}

const char *
lr_fmt_ss(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    buf, (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		    (socklen_t)len);
	else
		snprintf(buf, len, "?");
	return buf;
}

static int
color(void)
{
	return getenv("NO_COLOR") == NULL;
}

const char *
lr_green(const char *s, char *buf, size_t len)
{
	if (color())
		snprintf(buf, len, "\033[1m\033[92m%s\033[0m\033[0m", s);
	else
		snprintf(buf, len, "%s", s);
	return buf;
}

const char *
lr_bold(const char *s, char *buf, size_t len)
{
	if (color())
		snprintf(buf, len, "\033[1m%s\033[0m", s);
	else
		snprintf(buf, len, "%s", s);
	return buf;
}

double
lr_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
