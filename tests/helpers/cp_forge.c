/* SPDX-License-Identifier: ISC */
/*
 * cp_forge DST PREFIX IID [SRC]: send one forged Map-Reply to DST:4342
 * with a random nonce, claiming that [IID]PREFIX lives at 203.0.113.66.
 * The xTR under test must ignore it (no Map-Request has that nonce).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "cp_addr.h"
#include "lisp_msg.h"

int
main(int argc, char *argv[])
{
	struct lisp_msg		 m;
	struct lisp_eid_record	 rec;
	struct lisp_locator	 loc;
	struct cp_eid		 e;
	struct dpipc_addr	 a;
	struct sockaddr_in	 sin;
	struct wbuf		 wb;
	uint8_t			 buf[512], b[4];
	char			*slash;
	int			 s;

	if (argc < 4 || sodium_init() == -1)
		return 2;
	memset(&e, 0, sizeof(e));
	if ((slash = strchr(argv[2], '/')) == NULL)
		return 2;
	*slash = '\0';
	if (inet_pton(AF_INET, argv[2], b) != 1)
		return 2;
	cpa_host(&e.p, AF_INET, b);
	e.p.plen = (uint8_t)atoi(slash + 1);
	e.iid = (uint32_t)strtoul(argv[3], NULL, 10);
	memset(&m, 0, sizeof(m));
	memset(&rec, 0, sizeof(rec));
	memset(&loc, 0, sizeof(loc));
	m.type = LISP_MAP_REPLY;
	randombytes_buf(&m.u.mrep.nonce, sizeof(m.u.mrep.nonce));
	rec.ttl = 10;
	rec.mask_len = e.p.plen;
	rec.flags = LISP_REC_A;
	if (cpa_eid_to_lisp(&e, &rec.eid) == -1)
		return 2;
	inet_pton(AF_INET, "203.0.113.66", b);
	cpa_host(&a, AF_INET, b);
	cpa_rloc_to_lisp(&a, &loc.addr);
	loc.flags = LISP_LOC_R;
	rec.loc_count = 1;
	rec.locs = &loc;
	m.u.mrep.rec_count = 1;
	m.u.mrep.recs = &rec;
	wbuf_init(&wb, buf, sizeof(buf));
	if (lisp_msg_encode(&wb, &m) != 0 || wbuf_failed(&wb))
		return 1;
	lisp_addr_free(&rec.eid);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(4342);
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return 2;
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 1;
	if (sendto(s, buf, wbuf_len(&wb), 0, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		return 1;
	close(s);
	return 0;
}
