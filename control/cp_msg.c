/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <string.h>

#include "buf.h"
#include "cp_msg.h"
#include "lisp_msg.h"

ssize_t
cpm_request_encode(const struct cpm_request *r, uint8_t *buf, size_t cap)
{
	struct lisp_msg		 m;
	struct lisp_map_request	*q = &m.u.mreq;
	struct lisp_addr	 rl[LISP_MAX_ITR_RLOCS];
	struct lisp_mreq_record	 rec;
	struct wbuf		 wb;
	size_t			 n, i, v4 = 0, v6 = 0, *fam;
	ssize_t			 rc = -1;

	n = r->nitr > LISP_MAX_ITR_RLOCS ? LISP_MAX_ITR_RLOCS : r->nitr;
	if (n == 0)
		return -1;
	memset(&m, 0, sizeof(m));
	memset(&rec, 0, sizeof(rec));
	memset(rl, 0, sizeof(rl));
	m.type = LISP_MAP_REQUEST;
	q->flags = r->flags;
	q->nonce = r->nonce;
	if (r->src != NULL && cpa_eid_to_lisp(r->src, &q->src_eid) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		cpa_rloc_to_lisp(&r->itr_rlocs[i], &rl[i]);
		fam = r->itr_rlocs[i].af == AF_INET ? &v4 : &v6;
		if (r->key_pub == NULL || (*fam)++ > 0)
			continue;
		if (cpa_seckey_wrap(&rl[i], r->key_suite, r->key_pub,
		    r->key_len) == -1)
			goto out;
	}
	q->itr_rloc_count = n;
	q->itr_rlocs = rl;
	rec.mask_len = r->target->p.plen;
	if (cpa_eid_to_lisp(r->target, &rec.eid) == -1)
		goto out;
	q->rec_count = 1;
	q->recs = &rec;
	wbuf_init(&wb, buf, cap);
	if (lisp_msg_encode(&wb, &m) == 0 && !wbuf_failed(&wb))
		rc = (ssize_t)wbuf_len(&wb);
out:
	/* The arrays are ours (on the stack): free only what they own. */
	lisp_addr_free(&q->src_eid);
	lisp_addr_free(&rec.eid);
	for (i = 0; i < n; i++)
		lisp_addr_free(&rl[i]);
	return rc;
}

ssize_t
cpm_ecm_encode(const uint8_t *inner, size_t len, const struct dpipc_addr *isrc,
    const struct dpipc_addr *idst, uint8_t *buf, size_t cap)
{
	struct lisp_msg	 m;
	struct lisp_ecm	*e = &m.u.ecm;
	struct wbuf	 wb;

	if (isrc->af != idst->af)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = LISP_ECM;
	e->ip_version = idst->af == AF_INET ? 4 : 6;
	cpa_rloc_to_lisp(isrc, &e->inner_src);
	cpa_rloc_to_lisp(idst, &e->inner_dst);
	if (e->inner_src.afi == LISP_AFI_NONE)
		return -1;
	e->inner_ttl = CPM_ECM_TTL;
	e->inner_sport = LISP_CONTROL_PORT;
	e->inner_dport = LISP_CONTROL_PORT;
	e->payload = inner;
	e->payload_len = len;
	wbuf_init(&wb, buf, cap);
	if (lisp_msg_encode(&wb, &m) != 0 || wbuf_failed(&wb))
		return -1;
	return (ssize_t)wbuf_len(&wb);
}
