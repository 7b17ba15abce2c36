/* SPDX-License-Identifier: ISC */
/*
 * lig: ask a map-resolver for a mapping (RFC 6835; the lispers.net
 * command line and output, lispers-net-compat.md section 5).
 *
 *	lig [<iid>]<dest-eid> to <mr-rloc> [source <source-eid>]
 *	    [count <1-5>] [debug] [no-info]
 *
 * Sends `count` (default 1) ECM Map-Requests, one every time the previous
 * one was answered or 2 s passed, and prints every Map-Reply.  The inner
 * UDP source port is 4342 when lig can bind it, else its ephemeral port
 * (lispers.net relies on a local lisp-core to forward replies to 4342; we
 * have no such path, and RFC 9301 sends the Map-Reply to the inner source
 * port anyway).  Exit 0 when a Map-Reply was received, 1 otherwise.
 * NO_COLOR in the environment drops the ANSI colours.
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

#define USAGE	"Usage: lig [<iid>]<dest-eid> to <mr-rloc> " \
		"[source <source-eid>] [count <1-5>] [debug] [no-info]"

static const char *const act_names[] = {
	"no-action", "native-forward", "send-map-request", "drop-action",
	"policy-denied", "auth-failure",
};

static void
print_record(const struct lisp_eid_record *r)
{
	const struct lisp_locator	*l;
	char				 e[LISP_ADDR_STRLEN], g[LISP_ADDR_STRLEN + 32];
	char				 t[32], a[LISP_ADDR_STRLEN], b[64];
	size_t				 i;

	lr_fmt_eid(&r->eid, r->mask_len, e, sizeof(e));
	printf("EID-prefix: %s, ttl: %s, rloc-set:\n",
	    lr_green(e, g, sizeof(g)), lr_fmt_ttl(r->ttl, t, sizeof(t)));
	if (r->loc_count == 0)
		printf("  Empty, map-reply action: %s\n", lr_bold(r->act < 6 ?
		    act_names[r->act] : "unknown-action", b, sizeof(b)));
	for (i = 0; i < r->loc_count; i++) {
		l = &r->locs[i];
		lisp_addr_fmt(&l->addr, a, sizeof(a));
		if (l->addr.afi == LISP_AFI_LCAF && l->addr.u.lcaf != NULL &&
		    l->addr.u.lcaf->type == LCAF_JSON)
			lisp_addr_fmt(&l->addr.u.lcaf->u.json.addr, a,
			    sizeof(a));
		printf("  RLOC: %s, up/uw/mp/mw: %u/%u/%u/%u, flags: %c%c%c%s\n",
		    a, l->priority, l->weight, l->mpriority, l->mweight,
		    l->flags & LISP_LOC_L ? 'L' : 'l',
		    l->flags & LISP_LOC_P ? 'P' : 'p',
		    l->flags & LISP_LOC_R ? 'R' : 'r',
		    l->priority == 254 && l->mpriority == 255 ? ", RTR" : "");
		if (l->addr.afi == LISP_AFI_LCAF && l->addr.u.lcaf != NULL &&
		    l->addr.u.lcaf->type == LCAF_JSON &&
		    l->addr.u.lcaf->u.json.text != NULL)
			printf("        json: %s\n",
			    l->addr.u.lcaf->u.json.text);
	}
	printf("\n");
}

static char *
prompt(const char *text, char *buf, size_t len)
{
	printf("%s", text);
	fflush(stdout);
	if (fgets(buf, (int)len, stdin) == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

int
main(int argc, char *argv[])
{
	struct lisp_addr	 eid, src;
	struct sockaddr_storage	 mr, local, me, from;
	struct lisp_msg		 m;
	struct pollfd		 pfd;
	socklen_t		 sl;
	const char		*dest = NULL, *mrs = NULL, *srcs = NULL;
	char			 e[LISP_ADDR_STRLEN], g[LISP_ADDR_STRLEN + 32];
	char			 a[INET6_ADDRSTRLEN];
	char			 pd[256], pm[256], pc[16], ps[256];
	uint8_t			 buf[65536];
	uint32_t		 iid = 0, siid = 0;
	uint64_t		 nonce;
	uint16_t		 sport, rnd;
	double			 t0, left;
	ssize_t			 n;
	size_t			 len, i;
	int			 count = 1, debug = 0, s, k, rc, got = 0;

	if (argc >= 2)
		dest = argv[1];
	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "to") == 0 && k + 1 < argc)
			mrs = argv[++k];
		else if (strcmp(argv[k], "source") == 0 && k + 1 < argc)
			srcs = argv[++k];
		else if (strcmp(argv[k], "count") == 0 && k + 1 < argc)
			count = atoi(argv[++k]);
		else if (strcmp(argv[k], "debug") == 0)
			debug = 1;
		else if (strcmp(argv[k], "no-info") == 0)
			;	/* no Info-Request is sent anyway */
		else {
			printf("%s\n", USAGE);
			return 1;
		}
	}
	/* lispers.net prompts when nothing but (at most) the EID is given. */
	if (argc <= 2 && isatty(STDIN_FILENO)) {
		if (dest == NULL && (dest = prompt("Enter destination EID "
		    "(or S->G): ", pd, sizeof(pd))) == NULL)
			return 1;
		if ((mrs = prompt("Enter map-resolver address: ", pm,
		    sizeof(pm))) == NULL)
			return 1;
		if (prompt("Enter map-request tries (1-5): ", pc,
		    sizeof(pc)) != NULL && pc[0] != '\0')
			count = atoi(pc);
		if (prompt("Enter optional source EID: ", ps,
		    sizeof(ps)) != NULL && ps[0] != '\0')
			srcs = ps;
	}
	if (dest == NULL || *dest == '\0') {
		printf("No destination EID specified\n");
		return 1;
	}
	if (mrs == NULL || *mrs == '\0') {
		printf("%s\n", USAGE);
		return 1;
	}
	if (count < 1)
		count = 1;
	if (count > 5)
		count = 5;
	if ((rc = lr_parse_eid(dest, 1, &eid, &iid)) != 0) {
		if (rc == -2)
			printf("Cannot resolve EID name '%s'\n", dest);
		else
			printf("Invalid EID address %s\n", dest);
		return 1;
	}
	memset(&src, 0, sizeof(src));
	if (srcs != NULL && lr_parse_eid(srcs, 1, &src, &siid) != 0) {
		printf("Cannot resolve source EID name '%s'\n", srcs);
		return 1;
	}
	if (lr_resolve(mrs, 4342, &mr) == -1) {
		printf("Cannot resolve Map-Resolver name '%s'\n", mrs);
		return 1;
	}
	if (lr_local_addr(&mr, &local) == -1) {
		printf("Cannot obtain a local address\n");
		return 1;
	}
	if ((s = socket(mr.ss_family, SOCK_DGRAM, 0)) == -1) {
		printf("Cannot obtain a local address\n");
		return 1;
	}
	memset(&me, 0, sizeof(me));
	me.ss_family = mr.ss_family;
	sl = mr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	((struct sockaddr_in *)&me)->sin_port = htons(4342);	/* same offset in v6 */
	if (bind(s, (struct sockaddr *)&me, sl) == -1) {
		((struct sockaddr_in *)&me)->sin_port = 0;
		if (bind(s, (struct sockaddr *)&me, sl) == -1) {
			printf("Cannot obtain a local address\n");
			return 1;
		}
	}
	sl = sizeof(me);
	if (getsockname(s, (struct sockaddr *)&me, &sl) == -1) {
		printf("Cannot obtain a local address\n");
		return 1;
	}
	sport = ntohs(((struct sockaddr_in *)&me)->sin_port);

	snprintf(e, sizeof(e), "[%u]%s", iid, lisp_addr_fmt(&eid, g,
	    sizeof(g)));
	lr_fmt_ss(&mr, a, sizeof(a));
	for (k = 0; k < count; k++) {
		arc4random_buf(&rnd, sizeof(rnd));
		nonce = 0xdfdf0e1d10c10000ULL | rnd;
		len = lr_build_request(buf, sizeof(buf), &eid, iid,
		    srcs != NULL ? &src : NULL, siid, &local, &mr, sport,
		    nonce, 0);
		if (len == 0) {
			printf("Invalid EID address %s\n", dest);
			return 1;
		}
		printf("Send lig map-request to %s for EID %s ...\n", a,
		    lr_green(e, g, sizeof(g)));
		if (debug) {
			lr_fmt_ss(&local, (char *)pd, sizeof(pd));
			printf("Map-Request -> flags: 0x0, itr-rloc-count: 1 "
			    "(%s), record-count: 1, nonce: 0x%016llx, "
			    "inner source port %u\n", pd,
			    (unsigned long long)nonce, sport);
		}
		fflush(stdout);
		t0 = lr_now();
		if (sendto(s, buf, len, 0, (struct sockaddr *)&mr,
		    mr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == -1) {
			perror("sendto");
			continue;
		}
		pfd.fd = s;
		pfd.events = POLLIN;
		while ((left = 2.0 - (lr_now() - t0)) > 0 &&
		    poll(&pfd, 1, (int)(left * 1000) + 1) == 1) {
			sl = sizeof(from);
			if ((n = recvfrom(s, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &sl)) <= 0)
				continue;
			if (buf[0] >> 4 != LISP_MAP_REPLY &&
			    buf[0] >> 4 != LISP_MAP_NOTIFY) {
				printf("Expecting Map-Reply/Notify, packet "
				    "type %u returned\n", buf[0] >> 4);
				continue;
			}
			memset(&m, 0, sizeof(m));
			if (lisp_msg_decode(buf, (size_t)n, &m, NULL,
			    NULL) != 0) {
				printf("Could not decode %s packet\n",
				    buf[0] >> 4 == LISP_MAP_REPLY ?
				    "Map-Reply" : "Map-Notify");
				continue;
			}
			if (m.type != LISP_MAP_REPLY ||
			    m.u.mrep.nonce != nonce) {
				lisp_msg_free(&m);
				continue;	/* late or foreign */
			}
			printf("Received map-reply from %s with rtt %.3f "
			    "secs:\n", lr_fmt_ss(&from, pd, sizeof(pd)),
			    lr_now() - t0);
			if (debug)
				printf("Map-Reply -> flags: 0x%x, "
				    "record-count: %zu, nonce: 0x%016llx\n",
				    m.u.mrep.flags, m.u.mrep.rec_count,
				    (unsigned long long)m.u.mrep.nonce);
			for (i = 0; i < m.u.mrep.rec_count; i++)
				print_record(&m.u.mrep.recs[i]);
			lisp_msg_free(&m);
			got = 1;
			break;
		}
		fflush(stdout);
	}
	if (!got)
		printf("*** No reply received ***\n");
	close(s);
	lisp_addr_free(&eid);
	lisp_addr_free(&src);
	return got ? 0 : 1;
}
