/* SPDX-License-Identifier: ISC */
/*
 * Builders for map-server tests: Map-Registers signed with a key, ECM
 * Map-Requests, addresses from text.  Used by tests/unit/test_ms.c and the
 * test programs tests/helpers/ms_register.c and etr_stub.c.  Everything
 * goes through the codec (lisp_msg_encode) and lisp_auth_sign(), so the
 * map-server is tested against the same encoder it uses, while the
 * expected values in the tests are written out independently.
 */
#ifndef MS_TESTLIB_H
#define MS_TESTLIB_H

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_auth.h"
#include "lisp_msg.h"

/*
 * "[iid]addr" or "addr" into a (IID LCAF when iid != 0).  IPv4, IPv6 or
 * a MAC "xxxx-xxxx-xxxx".  0 or -1.
 */
static inline int
tl_addr(const char *s, struct lisp_addr *a)
{
	struct lisp_addr	 in;
	unsigned long		 iid = 0;
	unsigned int		 m[3];
	char			*end;

	memset(a, 0, sizeof(*a));
	memset(&in, 0, sizeof(in));
	if (*s == '[') {
		iid = strtoul(s + 1, &end, 10);
		if (*end != ']' || iid > UINT32_MAX)
			return -1;
		s = end + 1;
	}
	if (inet_pton(AF_INET, s, &in.u.v4) == 1)
		in.afi = LISP_AFI_IPV4;
	else if (inet_pton(AF_INET6, s, &in.u.v6) == 1)
		in.afi = LISP_AFI_IPV6;
	else if (sscanf(s, "%4x-%4x-%4x", &m[0], &m[1], &m[2]) == 3 &&
	    strlen(s) == 14) {
		in.afi = LISP_AFI_MAC;
		in.u.mac[0] = (uint8_t)(m[0] >> 8);
		in.u.mac[1] = (uint8_t)m[0];
		in.u.mac[2] = (uint8_t)(m[1] >> 8);
		in.u.mac[3] = (uint8_t)m[1];
		in.u.mac[4] = (uint8_t)(m[2] >> 8);
		in.u.mac[5] = (uint8_t)m[2];
	} else
		return -1;
	if (iid == 0) {
		*a = in;
		return 0;
	}
	return lisp_addr_set_iid(a, (uint32_t)iid, 32, &in);
}

/*
 * An EID-record "[iid]addr/len" with ttl and nloc locators "addr" (each
 * priority prio[i], weight 100, flags L|R).  0 or -1.
 */
static inline int
tl_record(struct lisp_eid_record *rec, const char *eid, uint32_t ttl,
    const char *const *locs, const uint8_t *prio, size_t nloc)
{
	char	 buf[128], *slash;
	size_t	 i;

	memset(rec, 0, sizeof(*rec));
	snprintf(buf, sizeof(buf), "%s", eid);
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	rec->mask_len = (uint8_t)atoi(slash + 1);
	rec->ttl = ttl;
	if (tl_addr(buf, &rec->eid) == -1)
		return -1;
	if (nloc > 0 && (rec->locs = calloc(nloc, sizeof(*rec->locs))) == NULL)
		return -1;
	rec->loc_count = nloc;
	for (i = 0; i < nloc; i++) {
		rec->locs[i].priority = prio != NULL ? prio[i] : 1;
		rec->locs[i].weight = 100;
		rec->locs[i].mpriority = 255;
		rec->locs[i].flags = LISP_LOC_L | LISP_LOC_R;
		if (tl_addr(locs[i], &rec->locs[i].addr) == -1)
			return -1;
	}
	return 0;
}

/*
 * A signed Map-Register (alg 1 or 2, full-length MAC) of nrec records.
 * flags: LISP_MREG_*; with LISP_MREG_I, xtr_id (16 bytes) and site_id are
 * appended.  Returns the length, 0 on error.
 */
static inline size_t
tl_register(uint8_t *buf, size_t cap, uint16_t flags, uint64_t nonce,
    uint8_t key_id, uint8_t alg, const char *key,
    struct lisp_eid_record *recs, size_t nrec, const uint8_t *xtr_id,
    uint64_t site_id)
{
	struct lisp_msg	 m;
	struct wbuf	 wb;
	int		 alen = lisp_auth_len(alg);

	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REGISTER;
	m.u.mreg.flags = flags;
	m.u.mreg.nonce = nonce;
	m.u.mreg.key_id = key_id;
	m.u.mreg.alg_id = alg;
	m.u.mreg.auth_len = (uint16_t)(alen > 0 ? alen : 0);
	m.u.mreg.rec_count = nrec;
	m.u.mreg.recs = recs;
	if (xtr_id != NULL)
		memcpy(m.u.mreg.xtr_id, xtr_id, LISP_XTR_ID_LEN);
	m.u.mreg.site_id = site_id;
	wbuf_init(&wb, buf, cap);
	if (lisp_msg_encode(&wb, &m) != 0)
		return 0;
	if (alen > 0 && lisp_auth_sign(buf, wbuf_len(&wb), 16, alg,
	    (const uint8_t *)key, strlen(key)) != 0)
		return 0;
	return wbuf_len(&wb);
}

/*
 * ECM Map-Request for "[iid]eid" (host length), ITR-RLOC itr, inner UDP
 * source port sport, D bit when ddt, P (probe) when probe.  Inner IP
 * header: itr -> eid when both are of one family, else itr -> itr.
 * Returns the length, 0 on error.
 */
static inline size_t
tl_ecm_request(uint8_t *buf, size_t cap, int ddt, int probe, uint64_t nonce,
    const char *eid, const char *itr, uint16_t sport)
{
	struct lisp_msg			 mr, ecm;
	struct lisp_mreq_record		 rec;
	struct lisp_addr		 rloc;
	const struct lisp_addr		*in;
	uint8_t				 inner[1024];
	struct wbuf			 wb;
	size_t				 n = 0;

	memset(&mr, 0, sizeof(mr));
	memset(&ecm, 0, sizeof(ecm));
	memset(&rec, 0, sizeof(rec));
	if (tl_addr(eid, &rec.eid) == -1 || tl_addr(itr, &rloc) == -1)
		goto out;
	in = lisp_addr_strip_iid(&rec.eid, NULL);
	rec.mask_len = in->afi == LISP_AFI_IPV4 ? 32 :
	    in->afi == LISP_AFI_IPV6 ? 128 : 48;
	mr.type = LISP_MAP_REQUEST;
	mr.u.mreq.flags = probe ? LISP_MREQ_P : 0;
	mr.u.mreq.nonce = nonce;
	mr.u.mreq.itr_rloc_count = 1;
	mr.u.mreq.itr_rlocs = &rloc;
	mr.u.mreq.rec_count = 1;
	mr.u.mreq.recs = &rec;
	wbuf_init(&wb, inner, sizeof(inner));
	if (lisp_msg_encode(&wb, &mr) != 0)
		goto out;
	ecm.type = LISP_ECM;
	ecm.u.ecm.flags = ddt ? LISP_ECM_D : 0;
	ecm.u.ecm.ip_version = rloc.afi == LISP_AFI_IPV4 ? 4 : 6;
	ecm.u.ecm.inner_src = rloc;
	ecm.u.ecm.inner_dst = in->afi == rloc.afi ? *in : rloc;
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
	lisp_addr_free(&rloc);
	return n;
}

#endif /* MS_TESTLIB_H */
