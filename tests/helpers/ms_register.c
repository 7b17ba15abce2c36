/* SPDX-License-Identifier: ISC */
/*
 * ms_register: send one Map-Register, optionally wait for its Map-Notify.
 *
 *	ms_register -K key -e [<iid>]<eid>/<len> [-r rloc[,prio]]...
 *	    [-k key-id] [-a sha1|sha256] [-t ttl] [-x xtr-id-byte]
 *	    [-M] [-P] [-T] [-m] map-server
 *
 * -M sets the M bit and waits up to 2 s for a Map-Notify with the same
 * nonce, whose authentication must verify with the key: exit 0 and
 * "map-notify verified" then, exit 1 otherwise.  Without -M it exits 0
 * once the datagram is sent.  -P proxy, -T use the record TTL, -m merge,
 * -x appends an xTR-ID made of that byte (I bit).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/ms_testlib.h"

#define MAXLOC	8

int
main(int argc, char *argv[])
{
	struct lisp_eid_record	 rec;
	struct lisp_msg		 m;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct pollfd		 pfd;
	const char		*key = NULL, *eid = NULL, *locs[MAXLOC];
	char			*comma;
	uint8_t			 prio[MAXLOC], buf[4096], xid[16];
	uint8_t			 key_id = 0, alg = LISP_AUTH_HMAC_SHA256;
	uint16_t		 flags = 0;
	uint32_t		 ttl = 1440;
	uint64_t		 nonce;
	size_t			 nloc = 0, len;
	ssize_t			 n;
	int			 ch, s, xtr = 0, rc;

	while ((ch = getopt(argc, argv, "K:e:r:k:a:t:x:MPTm")) != -1) {
		switch (ch) {
		case 'K':
			key = optarg;
			break;
		case 'e':
			eid = optarg;
			break;
		case 'r':
			if (nloc == MAXLOC)
				errx(2, "too many RLOCs");
			prio[nloc] = 1;
			if ((comma = strchr(optarg, ',')) != NULL) {
				*comma = '\0';
				prio[nloc] = (uint8_t)atoi(comma + 1);
			}
			locs[nloc++] = optarg;
			break;
		case 'k':
			key_id = (uint8_t)atoi(optarg);
			break;
		case 'a':
			alg = strcmp(optarg, "sha1") == 0 ?
			    LISP_AUTH_HMAC_SHA1 : LISP_AUTH_HMAC_SHA256;
			break;
		case 't':
			ttl = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			memset(xid, atoi(optarg), sizeof(xid));
			xtr = 1;
			break;
		case 'M':
			flags |= LISP_MREG_M;
			break;
		case 'P':
			flags |= LISP_MREG_P;
			break;
		case 'T':
			flags |= LISP_MREG_T;
			break;
		case 'm':
			flags |= LISP_MREG_MERGE;
			break;
		default:
			goto usage;
		}
	}
	if (key == NULL || eid == NULL || optind + 1 != argc)
		goto usage;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[optind], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(4342);
	} else if (inet_pton(AF_INET6, argv[optind], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(4342);
	} else
		errx(2, "bad map-server address %s", argv[optind]);
	if (tl_record(&rec, eid, ttl, locs, prio, nloc) == -1)
		errx(2, "bad EID or RLOC");
	arc4random_buf(&nonce, sizeof(nonce));
	if (xtr)
		flags |= LISP_MREG_I;
	len = tl_register(buf, sizeof(buf), flags, nonce, key_id, alg, key,
	    &rec, 1, xtr ? xid : NULL, 0);
	lisp_eid_record_free(&rec);
	if (len == 0)
		errx(2, "cannot build the Map-Register");
	if ((s = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1)
		err(2, "socket");
	if (sendto(s, buf, len, 0, (struct sockaddr *)&ss,
	    ss.ss_family == AF_INET ? sizeof(*s4) : sizeof(*s6)) == -1)
		err(2, "sendto");
	if (!(flags & LISP_MREG_M))
		return 0;
	pfd.fd = s;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 2000) == 1) {
		if ((n = recv(s, buf, sizeof(buf), 0)) <= 0)
			continue;
		memset(&m, 0, sizeof(m));
		if (lisp_msg_decode(buf, (size_t)n, &m, NULL, NULL) != 0)
			continue;
		rc = m.type == LISP_MAP_NOTIFY && m.u.mreg.nonce == nonce &&
		    lisp_auth_verify(buf, (size_t)n, 16, m.u.mreg.auth_len,
		    m.u.mreg.alg_id, (const uint8_t *)key, strlen(key)) == 0;
		lisp_msg_free(&m);
		if (rc) {
			printf("map-notify verified nonce 0x%016llx\n",
			    (unsigned long long)nonce);
			return 0;
		}
	}
	printf("no map-notify\n");
	return 1;
usage:
	fprintf(stderr, "usage: ms_register -K key -e [iid]eid/len "
	    "[-r rloc[,prio]]... [-k key-id] [-a sha1|sha256] [-t ttl] "
	    "[-x xtr-id-byte] [-MPTm] map-server\n");
	return 2;
}
