/* SPDX-License-Identifier: ISC */
/*
 * etr_stub: the smallest ETR that answers Map-Requests forwarded by a
 * map-server.
 *
 *	etr_stub -a bind-address -e [<iid>]<eid>/<len> -r rloc
 *
 * Binds bind-address:4342, prints "ready", and answers every ECM
 * Map-Request with an authoritative Map-Reply (A=1, TTL 1440, the one
 * RLOC with priority 1 weight 100, flags L|R) sent to the request's first
 * ITR-RLOC and inner UDP source port.  Runs until killed.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/ms_testlib.h"

int
main(int argc, char *argv[])
{
	struct lisp_eid_record	 rec;
	struct lisp_msg		 ecm, mr, rep;
	struct sockaddr_storage	 ss, to;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	const char		*bind_addr = NULL, *eid = NULL, *rloc = NULL;
	const struct lisp_addr	*itr;
	uint8_t			 buf[4096], out[4096];
	struct wbuf		 wb;
	ssize_t			 n;
	int			 ch, s;

	while ((ch = getopt(argc, argv, "a:e:r:")) != -1) {
		switch (ch) {
		case 'a':
			bind_addr = optarg;
			break;
		case 'e':
			eid = optarg;
			break;
		case 'r':
			rloc = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (bind_addr == NULL || eid == NULL || rloc == NULL)
		goto usage;
	if (tl_record(&rec, eid, 1440, &rloc, NULL, 1) == -1)
		errx(2, "bad EID or RLOC");
	rec.flags = LISP_REC_A;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(4342);
	} else if (inet_pton(AF_INET6, bind_addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(4342);
	} else
		errx(2, "bad address %s", bind_addr);
	if ((s = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1)
		err(2, "socket");
	if (bind(s, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
	    sizeof(*s4) : sizeof(*s6)) == -1)
		err(2, "bind");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if ((n = recv(s, buf, sizeof(buf), 0)) <= 0)
			continue;
		memset(&ecm, 0, sizeof(ecm));
		memset(&mr, 0, sizeof(mr));
		if (lisp_msg_decode(buf, (size_t)n, &ecm, NULL, NULL) != 0 ||
		    ecm.type != LISP_ECM ||
		    lisp_msg_decode(ecm.u.ecm.payload, ecm.u.ecm.payload_len,
		    &mr, NULL, NULL) != 0 || mr.type != LISP_MAP_REQUEST)
			goto next;
		itr = &mr.u.mreq.itr_rlocs[0];
		memset(&to, 0, sizeof(to));
		if (itr->afi == LISP_AFI_IPV4 && ss.ss_family == AF_INET) {
			((struct sockaddr_in *)&to)->sin_family = AF_INET;
			((struct sockaddr_in *)&to)->sin_addr = itr->u.v4;
			((struct sockaddr_in *)&to)->sin_port =
			    htons(ecm.u.ecm.inner_sport);
		} else if (itr->afi == LISP_AFI_IPV6 &&
		    ss.ss_family == AF_INET6) {
			((struct sockaddr_in6 *)&to)->sin6_family = AF_INET6;
			((struct sockaddr_in6 *)&to)->sin6_addr = itr->u.v6;
			((struct sockaddr_in6 *)&to)->sin6_port =
			    htons(ecm.u.ecm.inner_sport);
		} else
			goto next;
		memset(&rep, 0, sizeof(rep));
		rep.type = LISP_MAP_REPLY;
		rep.u.mrep.nonce = mr.u.mreq.nonce;
		rep.u.mrep.rec_count = 1;
		rep.u.mrep.recs = &rec;
		wbuf_init(&wb, out, sizeof(out));
		if (lisp_msg_encode(&wb, &rep) == 0)
			(void)sendto(s, out, wbuf_len(&wb), 0,
			    (struct sockaddr *)&to, to.ss_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6));
next:
		lisp_msg_free(&mr);
		lisp_msg_free(&ecm);
	}
usage:
	fprintf(stderr, "usage: etr_stub -a address -e [iid]eid/len "
	    "-r rloc\n");
	return 2;
}
