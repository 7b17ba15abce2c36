/* SPDX-License-Identifier: ISC */
/*
 * rig: walk LISP-DDT (RFC 8111) from a DDT node (the lispers.net command
 * line and output, lispers-net-compat.md section 5).
 *
 *	rig [<iid>]<dest-eid> to <ddt-node> [debug] [follow-all-referrals]
 *
 * Sends an ECM Map-Request with D=1 and nonce 0 from an ephemeral port
 * (also the inner source port), waits up to 3 x 2 s for a Map-Referral,
 * prints it, and follows NODE-REFERRAL/MS-REFERRAL answers (one referral
 * at random, or all with follow-all-referrals) for at most 8 steps.  It
 * stops at MS-ACK, MS-NOT-REGISTERED, DELEGATION-HOLE and
 * NOT-AUTHORITATIVE.  Exit 0 when a Map-Referral was received, 1
 * otherwise.  NO_COLOR in the environment drops the ANSI colours.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ligrig.h"
#include "lisp_addr.h"
#include "lisp_msg.h"

#define USAGE	"Usage: rig [<iid>]<dest-eid> to <ddt-node> [debug]"
#define DEPTH	8
#define MAXQ	64

static const char *const ref_names[] = {
	"node-referral", "ms-referral", "ms-ack", "ms-not-registered",
	"delegation-hole", "not-authoritative",
};

static struct sockaddr_storage	 queue[MAXQ];
static int			 nq;

static void
push(const struct lisp_addr *a)
{
	struct sockaddr_storage	 ss;

	memset(&ss, 0, sizeof(ss));
	if (nq == MAXQ)
		return;
	if (a->afi == LISP_AFI_IPV4) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr = a->u.v4;
		((struct sockaddr_in *)&ss)->sin_port = htons(4342);
	} else if (a->afi == LISP_AFI_IPV6) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_addr = a->u.v6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(4342);
	} else
		return;
	queue[nq++] = ss;
}

/* Print a Map-Referral; queue the next nodes.  1 when the walk ends. */
static int
referral(const struct lisp_map_referral *mr, int follow_all)
{
	const struct lisp_eid_record	*r;
	char				 e[LISP_ADDR_STRLEN], g[LISP_ADDR_STRLEN + 32];
	char				 t[32], b[64], a[LISP_ADDR_STRLEN];
	size_t				 i, j, pick;
	int				 done = 1;

	for (i = 0; i < mr->rec_count; i++) {
		r = &mr->recs[i];
		lr_fmt_eid(&r->eid, r->mask_len, e, sizeof(e));
		printf("EID-prefix: %s, ttl: %s, referral-type: %s\n",
		    lr_green(e, g, sizeof(g)), lr_fmt_ttl(r->ttl, t,
		    sizeof(t)), lr_bold(r->act < 6 ? ref_names[r->act] :
		    "unknown", b, sizeof(b)));
		printf("  Referrals:");
		for (j = 0; j < r->loc_count; j++)
			printf("%s %s", j ? "," : "", lisp_addr_fmt(
			    &r->locs[j].addr, a, sizeof(a)));
		printf("\n\n");
		if ((r->act == LISP_REF_NODE_REFERRAL ||
		    r->act == LISP_REF_MS_REFERRAL) && r->loc_count > 0) {
			done = 0;
			if (follow_all)
				for (j = 0; j < r->loc_count; j++)
					push(&r->locs[j].addr);
			else {
				pick = (size_t)arc4random_uniform(
				    (uint32_t)r->loc_count);
				push(&r->locs[pick].addr);
			}
		}
	}
	return done;
}

int
main(int argc, char *argv[])
{
	struct lisp_addr	 eid;
	struct sockaddr_storage	 node, local, me, from;
	struct lisp_msg		 m;
	struct pollfd		 pfd;
	socklen_t		 sl;
	const char		*dest = NULL, *nodes = NULL;
	char			 e[LISP_ADDR_STRLEN], g[LISP_ADDR_STRLEN + 32];
	char			 a[INET6_ADDRSTRLEN], f[INET6_ADDRSTRLEN];
	uint8_t			 buf[65536];
	uint32_t		 iid;
	uint16_t		 sport;
	double			 t0, left;
	ssize_t			 n;
	size_t			 len;
	int			 k, s, rc, debug = 0, follow_all = 0, got = 0;
	int			 depth = 0, qi = 0, answered;

	if (argc >= 2)
		dest = argv[1];
	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "to") == 0 && k + 1 < argc)
			nodes = argv[++k];
		else if (strcmp(argv[k], "debug") == 0)
			debug = 1;
		else if (strcmp(argv[k], "follow-all-referrals") == 0)
			follow_all = 1;
		else {
			printf("%s\n", USAGE);
			return 1;
		}
	}
	if (dest == NULL || nodes == NULL) {
		printf("%s\n", USAGE);
		return 1;
	}
	if ((rc = lr_parse_eid(dest, 1, &eid, &iid)) != 0) {
		if (rc == -2)
			printf("Cannot resolve EID name '%s'\n", dest);
		else
			printf("Invalid EID address %s\n", dest);
		return 1;
	}
	if (lr_resolve(nodes, 4342, &node) == -1) {
		printf("Cannot resolve DDT-node name '%s'\n", nodes);
		return 1;
	}
	queue[nq++] = node;
	snprintf(e, sizeof(e), "[%u]%s", iid, lisp_addr_fmt(&eid, g,
	    sizeof(g)));
	s = -1;
	while (qi < nq) {
		node = queue[qi++];
		if (depth++ == DEPTH) {
			printf("Reached depth limit for LISP-DDT traversal\n");
			break;
		}
		if (s != -1)
			close(s);
		if (lr_local_addr(&node, &local) == -1 ||
		    (s = socket(node.ss_family, SOCK_DGRAM, 0)) == -1) {
			printf("Cannot obtain a local address\n");
			return 1;
		}
		memset(&me, 0, sizeof(me));
		me.ss_family = node.ss_family;
		sl = sizeof(me);
		if (bind(s, (struct sockaddr *)&me, node.ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == -1 ||
		    getsockname(s, (struct sockaddr *)&me, &sl) == -1) {
			printf("Cannot obtain a local address\n");
			return 1;
		}
		sport = ntohs(((struct sockaddr_in *)&me)->sin_port);
		len = lr_build_request(buf, sizeof(buf), &eid, iid, NULL, 0,
		    &local, &node, sport, 0, 1);
		if (len == 0) {
			printf("Invalid EID address %s\n", dest);
			return 1;
		}
		lr_fmt_ss(&node, a, sizeof(a));
		printf("Send rig map-request to %s for EID %s ...\n", a,
		    lr_green(e, g, sizeof(g)));
		if (debug)
			printf("Map-Request -> flags: 0x0, itr-rloc-count: 1 "
			    "(%s), record-count: 1, nonce: 0x0, ECM D-bit, "
			    "inner source port %u\n", lr_fmt_ss(&local, f,
			    sizeof(f)), sport);
		fflush(stdout);
		t0 = lr_now();
		if (sendto(s, buf, len, 0, (struct sockaddr *)&node,
		    node.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == -1) {
			perror("sendto");
			continue;
		}
		pfd.fd = s;
		pfd.events = POLLIN;
		answered = 0;
		while (!answered && (left = 6.0 - (lr_now() - t0)) > 0 &&
		    poll(&pfd, 1, (int)(left * 1000) + 1) == 1) {
			sl = sizeof(from);
			if ((n = recvfrom(s, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &sl)) <= 0)
				continue;
			if (buf[0] >> 4 != LISP_MAP_REFERRAL) {
				printf("Map-Referral not returned, packet "
				    "type %u returned\n", buf[0] >> 4);
				continue;
			}
			memset(&m, 0, sizeof(m));
			if (lisp_msg_decode(buf, (size_t)n, &m, NULL,
			    NULL) != 0) {
				printf("Could not decode Map-Referral "
				    "packet\n");
				continue;
			}
			printf("Received map-referral from %s with rtt %.3f "
			    "secs:\n", lr_fmt_ss(&from, f, sizeof(f)),
			    lr_now() - t0);
			if (debug)
				printf("Map-Referral -> record-count: %zu, "
				    "nonce: 0x%016llx\n", m.u.mref.rec_count,
				    (unsigned long long)m.u.mref.nonce);
			(void)referral(&m.u.mref, follow_all);
			lisp_msg_free(&m);
			got = answered = 1;
		}
		fflush(stdout);
	}
	if (!got)
		printf("*** No map-referral received ***\n");
	if (s != -1)
		close(s);
	lisp_addr_free(&eid);
	return got ? 0 : 1;
}
