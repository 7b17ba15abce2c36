/* SPDX-License-Identifier: ISC */
/*
 * lisp-replay: run the packets of a capture through the data plane's own
 * per-packet code (dataplane/dp_path.c: source-EID check, map-cache
 * lookup, RLOC choice, encapsulation, fragmentation, ICMP, miss queue;
 * decapsulation and the local-EID check), in process and without
 * sockets, and write what the daemon would have sent to a DLT_RAW pcap.
 *
 * The tables and the map-cache come from lisp.config through the same
 * functions the daemon uses (dp_tables_build(), dp_mapcache_load()),
 * without the questions only a running system can answer: the source
 * RLOC is the database-mapping RLOC, the path MTU 1500 (or --mtu), no
 * device address (so no ICMP errors are originated), oif 0.
 *
 * Determinism: the flow-hash key is a fixed constant (or --flow-key)
 * and the clock is the capture's timestamps, so with --seed (which
 * seeds the nonce / IPv4 ID generator and the LISP-crypto IV counters)
 * two runs write identical files.
 *
 * --ipc: lispers.net IPC records (map-cache with RLOC keys, decap-keys,
 * itr-crypto-port, database-mappings, interfaces, ...), one per line,
 * applied before the run by dp_cpchan_input(), the function that applies
 * the daemon's CP -> DP records, to the replay's map-cache and the
 * data plane's key tables; then the ITR encrypts towards RLOCs with keys
 * and the ETR decrypts KK != 0 packets (dataplane/dp_crypto.c).
 *
 * See docs/lisp-replay.md.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu-qsbr.h>

#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "decap.h"
#include "dp.h"
#include "dp_cpchan.h"
#include "dp_crypto.h"
#include "dp_keys.h"
#include "dp_path.h"
#include "dp_tables.h"
#include "lcrypto.h"
#include "log.h"
#include "mapcache.h"
#include "pkt.h"

#define RP_MAX_IFACES		64
#define RP_OUT_FLUSH		(4u << 20)	/* buffered output bytes */
#define RP_PROTO_UDP		17
#define RP_LISP_DATA_PORT	4341

/* Counters of the harness itself, after the data path's. */
enum rp_ctr {
	RPC_NOT_UDP,		/* etr-not-udp: outer not UDP */
	RPC_NOT_4341,		/* etr-not-4341: UDP, other port */
	RPC_IPC_RECORDS,	/* ipc-records: --ipc lines applied */
	RPC_IPC_MALFORMED,	/* ipc-malformed: --ipc lines refused */
	RPC_MAX
};

static const char *const rp_ctr_names[RPC_MAX] = {
	[RPC_NOT_UDP] = "etr-not-udp",
	[RPC_NOT_4341] = "etr-not-4341",
	[RPC_IPC_RECORDS] = "ipc-records",
	[RPC_IPC_MALFORMED] = "ipc-malformed",
};

struct rp_pkt {
	uint64_t	 ts;		/* ns */
	uint32_t	 caplen;
	uint32_t	 len;
	uint8_t		*data;
};

struct rp_out {
	uint64_t	 ts;
	uint32_t	 len;
	uint32_t	 off;		/* into the output buffer */
};

struct replay {
	int		 etr;
	unsigned int	 ci;
	int		 dlt;
	struct rp_pkt	*in;
	size_t		 nin;
	/* Output of the packets processed since the last flush. */
	uint8_t		*obuf;
	size_t		 olen, ocap;
	struct rp_out	*out;
	size_t		 nout, outcap;
	uint64_t	 cur_ts;	/* timestamp of the packet in work */
	int		 oom;
	uint64_t	 packets_out;
	uint64_t	 ctr[RPC_MAX];
	uint8_t		 slot[2][DP_SLOT_SIZE];
	uint8_t		 payload[DP_SLOT_SIZE];
	pcap_dumper_t	*dump;
};

static void
usage(void)
{
	fprintf(stderr,
"usage: lisp-replay -f lisp.config [--itr | --etr] [-i interface]\n"
"                   [--ipc FILE] [--seed N] [--flow-key HEX] [--mtu N]\n"
"                   [-n loops] [--pps] [--json] [-q] [-v]\n"
"                   in.pcap out.pcap\n"
"\n"
"Runs the packets of in.pcap through the lisp-ztr data path and writes\n"
"what the daemon would have sent to out.pcap (DLT_RAW: IPv4/IPv6 packets\n"
"without link header).  A summary goes to stderr.\n"
"\n"
"  -f, --config FILE  lisp.config: interfaces, database-mappings and\n"
"                     static map-cache entries\n"
"      --itr          in.pcap holds inner packets as captured on a lisp\n"
"                     interface; out.pcap gets them encapsulated (default)\n"
"      --etr          in.pcap holds outer packets; UDP 4341 ones are\n"
"                     decapsulated, out.pcap gets the inner packets\n"
"  -i, --interface I  ITR: the lisp interface the packets arrived on, by\n"
"                     device, interface-name or instance-id (default: the\n"
"                     first with a device)\n"
"      --ipc FILE     lispers.net IPC records, one JSON object a line\n"
"                     (map-cache with RLOC keys, decap-keys,\n"
"                     itr-crypto-port, ...), applied before the run:\n"
"                     LISP-crypto; cipher from LISPZTR_CRYPTO_CIPHER\n"
"  -s, --seed N       seed the nonce / IPv4 ID generator and the crypto\n"
"                     IV counters: output becomes byte-for-byte\n"
"                     reproducible (default: random)\n"
"      --flow-key HEX flow-hash key, 32 hex digits (default: fixed)\n"
"      --mtu N        path MTU towards every RLOC (default 1500)\n"
"  -n, --loops N      replay the input N times (default 1)\n"
"      --pps          report packets per second of the data path alone\n"
"      --json         summary as one JSON object on stdout\n"
"  -q, --quiet        no summary on stderr\n"
"  -v, --verbose      log the data path's debug lines\n"
"\n"
"Input link types: Ethernet, Linux cooked, raw IP.  Exit status 0 when\n"
"the replay ran (whatever was dropped), 1 on errors.\n");
	exit(1);
}

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- output -------------------------------------------------------------- */

static uint8_t *
rp_slot(void *arg, int af)
{
	struct replay	*rp = arg;

	/* Emitted packets are copied at once: one buffer per family. */
	return rp->slot[af == AF_INET6];
}

static void
rp_emit(void *arg, int af, const uint8_t *dst, int oif, const uint8_t *data,
    size_t len)
{
	struct replay	*rp = arg;
	struct rp_out	*no;
	uint8_t		*nb;
	size_t		 cap;

	(void)af;
	(void)dst;
	(void)oif;
	if (rp->olen + len > rp->ocap) {
		cap = rp->ocap ? rp->ocap : 65536;
		while (cap < rp->olen + len)
			cap *= 2;
		if ((nb = realloc(rp->obuf, cap)) == NULL) {
			rp->oom = 1;
			return;
		}
		rp->obuf = nb;
		rp->ocap = cap;
	}
	if (rp->nout == rp->outcap) {
		cap = rp->outcap ? rp->outcap * 2 : 1024;
		if ((no = reallocarray(rp->out, cap, sizeof(*no))) == NULL) {
			rp->oom = 1;
			return;
		}
		rp->out = no;
		rp->outcap = cap;
	}
	memcpy(rp->obuf + rp->olen, data, len);
	rp->out[rp->nout].ts = rp->cur_ts;
	rp->out[rp->nout].len = (uint32_t)len;
	rp->out[rp->nout].off = (uint32_t)rp->olen;
	rp->nout++;
	rp->olen += len;
	rp->packets_out++;
}

static void
rp_flush(struct replay *rp)
{
	struct pcap_pkthdr	 h;
	size_t			 k;

	for (k = 0; k < rp->nout; k++) {
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(rp->out[k].ts / 1000000000ULL);
		h.ts.tv_usec = (suseconds_t)(rp->out[k].ts % 1000000000ULL /
		    1000);
		h.caplen = h.len = rp->out[k].len;
		if (rp->dump != NULL)
			pcap_dump((u_char *)rp->dump, &h,
			    rp->obuf + rp->out[k].off);
	}
	rp->nout = 0;
	rp->olen = 0;
}

/* --- input --------------------------------------------------------------- */

static int
dlt_ok(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		return 1;
	}
	return 0;
}

static int
rp_read(struct replay *rp, const char *path)
{
	char			 err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*d;
	struct rp_pkt		*np;
	pcap_t			*pc;
	size_t			 cap = 0;
	int			 r;

	if ((pc = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, err)) == NULL) {
		log_warnx("%s: %s", path, err);
		return -1;
	}
	rp->dlt = pcap_datalink(pc);
	if (!dlt_ok(rp->dlt)) {
		log_warnx("%s: link type %s not supported (Ethernet, Linux "
		    "cooked, raw IP)", path, pcap_datalink_val_to_name(
		    rp->dlt) ? pcap_datalink_val_to_name(rp->dlt) : "?");
		pcap_close(pc);
		return -1;
	}
	while ((r = pcap_next_ex(pc, &h, &d)) == 1) {
		if (rp->nin == cap) {
			cap = cap ? cap * 2 : 256;
			if ((np = reallocarray(rp->in, cap, sizeof(*np))) ==
			    NULL)
				goto oom;
			rp->in = np;
		}
		np = &rp->in[rp->nin];
		np->ts = (uint64_t)h->ts.tv_sec * 1000000000ULL +
		    (uint64_t)h->ts.tv_usec;	/* nano precision */
		np->caplen = h->caplen;
		np->len = h->len;
		if ((np->data = malloc(h->caplen + 1)) == NULL)
			goto oom;
		memcpy(np->data, d, h->caplen);
		rp->nin++;
	}
	if (r == PCAP_ERROR)
		/* A cut-off capture: replay what could be read. */
		log_warnx("%s: %s (after %zu packets)", path, pcap_geterr(pc),
		    rp->nin);
	pcap_close(pc);
	return 0;
oom:
	log_warn("%s", path);
	pcap_close(pc);
	return -1;
}

/* --- one packet ---------------------------------------------------------- */

/*
 * The outer IP protocol and, for UDP that is not a fragment, the
 * destination port (else 0) of the IP packet at ip[0..len).  -1 when it
 * is neither IPv4 nor IPv6 or too short to tell.
 */
static int
outer_proto(const uint8_t *ip, size_t len, uint16_t *dport)
{
	struct rbuf	 rb;
	uint8_t		 b, proto;
	uint16_t	 frag;

	*dport = 0;
	rbuf_init(&rb, ip, len);
	if (rbuf_peek_u8(&rb, &b) == -1)
		return -1;
	if (b >> 4 == 4) {
		if (rbuf_skip(&rb, 6) == -1 || rbuf_get_u16(&rb, &frag) == -1 ||
		    rbuf_skip(&rb, 1) == -1 || rbuf_get_u8(&rb, &proto) == -1)
			return -1;
		if ((frag & 0x1FFF) != 0)
			return proto;
		rbuf_init(&rb, ip, len);
		if (rbuf_skip(&rb, (size_t)(b & 0x0F) * 4 + 2) == -1)
			return proto;
	} else if (b >> 4 == 6) {
		if (rbuf_skip(&rb, 6) == -1 || rbuf_get_u8(&rb, &proto) == -1)
			return -1;
		if (rbuf_skip(&rb, 33 + 2) == -1)
			return proto;
	} else
		return -1;
	if (proto == RP_PROTO_UDP)
		(void)rbuf_get_u16(&rb, dport);
	return proto;
}

static void
rp_etr(struct replay *rp, struct dp_path *p, const struct rp_pkt *pk)
{
	struct decap_outer	 o;
	const uint8_t		*ip;
	size_t			 off, iplen, poff, plen;
	uint16_t		 dport;
	enum dp_drop		 d;
	int			 proto;

	if (dp_link_ip(rp->dlt, pk->data, pk->caplen, &off) == -1) {
		dp_path_count(p, DPC_NOT_IP, 1);
		return;
	}
	ip = pk->data + off;
	iplen = pk->caplen - off;
	if ((proto = outer_proto(ip, iplen, &dport)) == -1) {
		dp_path_count(p, DPC_NOT_IP, 1);
		return;
	}
	if (proto != RP_PROTO_UDP) {
		rp->ctr[RPC_NOT_UDP]++;
		return;
	}
	/* Only 4341 reaches the daemon; outer fragments are errors here. */
	if (dport != 0 && dport != RP_LISP_DATA_PORT) {
		rp->ctr[RPC_NOT_4341]++;
		return;
	}
	if (pk->caplen < pk->len) {
		dp_path_count(p, DP_DROP_NO_BUFFER, 1);
		return;
	}
	if ((d = decap_outer_parse(ip, iplen, &o, &poff, &plen)) !=
	    DP_DROP_NONE) {
		dp_path_count(p, d, 1);
		return;
	}
	if (o.dport != RP_LISP_DATA_PORT) {
		rp->ctr[RPC_NOT_4341]++;
		return;
	}
	if (plen > sizeof(rp->payload)) {
		dp_path_count(p, DP_DROP_NO_BUFFER, 1);	/* MSG_TRUNC */
		return;
	}
	/* As recvmmsg would: the payload in a buffer of the worker's. */
	memcpy(rp->payload, ip + poff, plen);
	dp_etr_packet(p, &o, rp->payload, plen);
}

/* --- control-plane records ---------------------------------------------- */

/*
 * Apply the lispers.net IPC records of path, one JSON object a line
 * (blank lines and lines starting with '#' skipped), through the
 * function the daemon applies its CP -> DP records with.  The caller is
 * the map-cache writer and RCU-offline: the key tables publish with
 * synchronize_rcu().  A refused record is logged (line number),
 * counted and skipped, as the daemon would skip it.
 */
static int
rp_ipc(struct replay *rp, struct mapcache *mc, const char *path)
{
	FILE		*fp;
	char		*line = NULL;
	const char	*s;
	size_t		 cap = 0, len;
	ssize_t		 n;
	unsigned long	 lineno = 0;
	int		 rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	dp_g.mc = mc;
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		len = (size_t)n;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		for (s = line; s < line + len && (*s == ' ' || *s == '\t');
		    s++)
			;
		if (s == line + len || *s == '#')
			continue;
		if (dp_cpchan_input(line, len) == -1) {
			log_warnx("%s:%lu: IPC record refused", path, lineno);
			rp->ctr[RPC_IPC_MALFORMED]++;
		} else
			rp->ctr[RPC_IPC_RECORDS]++;
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		rc = -1;
	}
	dp_g.mc = NULL;
	/* The records carry keys. */
	if (line != NULL)
		sodium_memzero(line, cap);
	free(line);
	fclose(fp);
	return rc;
}

/* --- main ---------------------------------------------------------------- */

static int
hexkey(const char *s, uint8_t key[16])
{
	unsigned int	 k, v;

	if (strlen(s) != 32)
		return -1;
	for (k = 0; k < 16; k++) {
		if (sscanf(s + 2 * k, "%2x", &v) != 1)
			return -1;
		key[k] = (uint8_t)v;
	}
	return 0;
}

static unsigned long long
number(const char *s, unsigned long long max, const char *what)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *s == '\0' || *s == '-' || *end != '\0' || v > max) {
		fprintf(stderr, "lisp-replay: bad %s: %s\n", what, s);
		exit(1);
	}
	return v;
}

/* Index of the lisp interface named by arg (device, name or IID). */
static int
pick_iface(const struct lisp_config *cfg, char (*dev)[IFNAMSIZ],
    unsigned int ndev, const char *arg)
{
	unsigned int	 i;
	size_t		 k;
	char		*end;
	unsigned long	 iid;

	for (i = 0; i < ndev; i++)
		if (strcmp(dev[i], arg) == 0)
			return (int)i;
	for (k = 0; k < cfg->nifaces; k++) {
		const struct config_iface *c = &cfg->ifaces[k];

		if (c->name == NULL || c->device == NULL ||
		    strcmp(c->name, arg) != 0)
			continue;
		for (i = 0; i < ndev; i++)
			if (strcmp(dev[i], c->device) == 0)
				return (int)i;
	}
	iid = strtoul(arg, &end, 0);
	if (*arg != '\0' && *end == '\0')
		for (k = 0; k < cfg->nifaces; k++) {
			const struct config_iface *c = &cfg->ifaces[k];

			if (c->device == NULL || !CONFIG_ISSET(c,
			    CONFIG_IF_IID) || c->iid != iid)
				continue;
			for (i = 0; i < ndev; i++)
				if (strcmp(dev[i], c->device) == 0)
					return (int)i;
		}
	return -1;
}

/* Key-table sizes and refused keys of an --ipc run, for the summary. */
enum rp_kctr {
	RPK_ENCAP_SLOTS,
	RPK_DECAP_SETS,
	RPK_REFUSED_POLY1305,
	RPK_REFUSED_CHACHA,
	RPK_REFUSED_BAD,
	RPK_MAX
};

static const char *const rp_kctr_names[RPK_MAX] = {
	[RPK_ENCAP_SLOTS] = "crypto-encap-key-slots",
	[RPK_DECAP_SETS] = "crypto-decap-key-sets",
	[RPK_REFUSED_POLY1305] = "crypto-key-refused-poly1305",
	[RPK_REFUSED_CHACHA] = "crypto-key-refused-chacha",
	[RPK_REFUSED_BAD] = "crypto-key-refused-malformed",
};

static void
key_counters(uint64_t *v)
{
	v[RPK_ENCAP_SLOTS] = dp_keys_encap_count();
	v[RPK_DECAP_SETS] = dp_keys_decap_count();
	v[RPK_REFUSED_POLY1305] = lcrypto_refused(LCRYPTO_E_POLY1305);
	v[RPK_REFUSED_CHACHA] = lcrypto_refused(LCRYPTO_E_CHACHA);
	v[RPK_REFUSED_BAD] = lcrypto_refused(LCRYPTO_E_KEY);
}

/*
 * What the keys the records installed use, for the summary: the
 * construction of every key lcrypto accepted (lcrypto_key_cipher():
 * RFC 8061 keys by their suite, lispers.net's as enc on the ITR and
 * worked out per packet on the ETR) in the encapsulation slots (ITR)
 * or the decapsulation sets (ETR), each once, joined by '+'.  Without
 * any: enc's name.
 */
static const char *
key_ciphers(int etr, enum lcrypto_cipher enc, char *buf, size_t len)
{
	const struct dp_keyset	*ks;
	enum lcrypto_cipher	 c;
	size_t			 i, n, off = 0;
	unsigned int		 k, seen = 0;

	n = etr ? dp_keys_decap_count() : dp_keys_encap_count();
	for (i = 0; i < n; i++) {
		ks = etr ? dp_keys_decap_get(i) :
		    dp_keys_encap((uint16_t)i);
		if (ks == NULL)
			continue;
		for (k = 0; k < ks->nkeys && k < DP_KEYS_PER_SET; k++) {
			if (ks->keys[k].lk == NULL)
				continue;	/* refused: counted apart */
			c = lcrypto_key_cipher(ks->keys[k].lk);
			if (seen & 1u << c)
				continue;
			seen |= 1u << c;
			off += (size_t)snprintf(buf + off, off < len ?
			    len - off : 0, "%s%s", off ? "+" : "",
			    lcrypto_cipher_name(c));
		}
	}
	if (seen == 0 || off >= len)
		return lcrypto_cipher_name(etr ? LCRYPTO_AUTO : enc);
	return buf;
}

static void
summary(const struct replay *rp, const struct dp_path *p, const char *ifname,
    const struct dp_tables *t, unsigned long long loops, int seeded,
    unsigned long long seed, const char *cipher, int pps, double secs,
    size_t held, int json, int quiet)
{
	unsigned long long	 in = (unsigned long long)rp->nin * loops;
	double			 rate = secs > 0 ? (double)in / secs : 0;
	uint64_t		 kc[RPK_MAX];
	unsigned int		 k;
	int			 first = 1;

	memset(kc, 0, sizeof(kc));
	if (cipher != NULL)
		key_counters(kc);

	if (!quiet) {
		fprintf(stderr, "lisp-replay: mode %s", rp->etr ? "etr" :
		    "itr");
		if (!rp->etr)
			fprintf(stderr, " interface %s iid %" PRIu32, ifname,
			    t->ifs[rp->ci].iid);
		fprintf(stderr, " loops %llu", loops);
		if (seeded)
			fprintf(stderr, " seed %llu", seed);
		if (cipher != NULL)
			fprintf(stderr, " crypto %s", cipher);
		fprintf(stderr, "\n");
		fprintf(stderr, "packets-in %llu\n", in);
		fprintf(stderr, "packets-out %llu\n",
		    (unsigned long long)rp->packets_out);
		for (k = 1; k < DPC_MAX; k++)
			if (k != DPC_RX_BATCHES && k != DPC_TX_BATCHES &&
			    p->ctr[k] != 0)
				fprintf(stderr, "%s %llu\n", dp_ctr_name(k),
				    (unsigned long long)p->ctr[k]);
		for (k = 0; k < RPC_MAX; k++)
			if (rp->ctr[k] != 0)
				fprintf(stderr, "%s %llu\n", rp_ctr_names[k],
				    (unsigned long long)rp->ctr[k]);
		for (k = 0; k < RPK_MAX; k++)
			if (kc[k] != 0)
				fprintf(stderr, "%s %llu\n", rp_kctr_names[k],
				    (unsigned long long)kc[k]);
		if (held != 0)
			fprintf(stderr, "miss-held-at-end %zu\n", held);
		if (pps)
			fprintf(stderr, "pps %.0f (%llu packets in %.6f s, "
			    "data path only)\n", rate, in, secs);
	}
	if (!json)
		return;
	printf("{\"mode\":\"%s\",", rp->etr ? "etr" : "itr");
	if (!rp->etr)
		printf("\"interface\":\"%s\",\"iid\":%" PRIu32 ",", ifname,
		    t->ifs[rp->ci].iid);
	printf("\"loops\":%llu,", loops);
	if (seeded)
		printf("\"seed\":%llu,", seed);
	if (cipher != NULL)
		printf("\"crypto\":\"%s\",", cipher);
	printf("\"packets_in\":%llu,\"packets_out\":%llu,\"counters\":{", in,
	    (unsigned long long)rp->packets_out);
	for (k = 1; k < DPC_MAX; k++) {
		if (k == DPC_RX_BATCHES || k == DPC_TX_BATCHES ||
		    p->ctr[k] == 0)
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",", dp_ctr_name(k),
		    (unsigned long long)p->ctr[k]);
		first = 0;
	}
	for (k = 0; k < RPC_MAX; k++) {
		if (rp->ctr[k] == 0)
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",", rp_ctr_names[k],
		    (unsigned long long)rp->ctr[k]);
		first = 0;
	}
	for (k = 0; k < RPK_MAX; k++) {
		if (kc[k] == 0)
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",", rp_kctr_names[k],
		    (unsigned long long)kc[k]);
		first = 0;
	}
	if (held != 0)
		printf("%s\"miss-held-at-end\":%zu", first ? "" : ",", held);
	printf("}");
	if (pps)
		printf(",\"pps\":%.0f,\"seconds\":%.6f", rate, secs);
	printf("}\n");
}

enum {
	OPT_ITR = 256, OPT_ETR, OPT_FLOWKEY, OPT_MTU, OPT_PPS, OPT_JSON,
	OPT_IPC,
};

static const struct option longopts[] = {
	{ "config",	required_argument,	NULL,	'f' },
	{ "itr",	no_argument,		NULL,	OPT_ITR },
	{ "etr",	no_argument,		NULL,	OPT_ETR },
	{ "interface",	required_argument,	NULL,	'i' },
	{ "ipc",	required_argument,	NULL,	OPT_IPC },
	{ "seed",	required_argument,	NULL,	's' },
	{ "flow-key",	required_argument,	NULL,	OPT_FLOWKEY },
	{ "mtu",	required_argument,	NULL,	OPT_MTU },
	{ "loops",	required_argument,	NULL,	'n' },
	{ "pps",	no_argument,		NULL,	OPT_PPS },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * The default flow-hash key: any fixed value makes RLOC choice and UDP
 * source ports reproducible; this one spells "lisp-replay key!".
 */
static const uint8_t rp_default_key[16] = {
	'l', 'i', 's', 'p', '-', 'r', 'e', 'p',
	'l', 'a', 'y', ' ', 'k', 'e', 'y', '!',
};

int
main(int argc, char *argv[])
{
	static struct replay	 rp;
	static char		 dev[RP_MAX_IFACES][IFNAMSIZ];
	int			 sister[RP_MAX_IFACES];
	struct mapcache_config	 mcc;
	struct lisp_config	*cfg = NULL;
	struct dp_tables	*t = NULL;
	struct mapcache		*mc = NULL;
	struct dp_path		*p = NULL;
	struct dp_path_io	 io;
	pcap_t			*dead = NULL;
	struct dp_tables_sys	 sys;
	struct dp_tables_cp	 cp;
	const struct dp_cpchan_info *info;
	const char		*cfgpath = NULL, *ifarg = NULL, *ipcpath = NULL;
	const char		*cipher = NULL, *why;
	char			 ciphers[96];
	enum lcrypto_cipher	 enc;
	unsigned long long	 loops = 1, seed = 0, mtu = 0, l;
	uint64_t		 span, base, last_tick = 0, t0, busy = 0;
	uint8_t			 key[16];
	unsigned int		 ndev, i;
	size_t			 k, held;
	int			 ch, nerr = 0, seeded = 0, pps = 0, json = 0;
	int			 quiet = 0, verbose = 0, ci, rc = 1;

	memcpy(key, rp_default_key, sizeof(key));
	while ((ch = getopt_long(argc, argv, "f:i:s:n:qvh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			cfgpath = optarg;
			break;
		case OPT_ITR:
			rp.etr = 0;
			break;
		case OPT_ETR:
			rp.etr = 1;
			break;
		case 'i':
			ifarg = optarg;
			break;
		case OPT_IPC:
			ipcpath = optarg;
			break;
		case 's':
			seed = number(optarg, UINT64_MAX, "seed");
			seeded = 1;
			break;
		case OPT_FLOWKEY:
			if (hexkey(optarg, key) == -1) {
				fprintf(stderr, "lisp-replay: --flow-key "
				    "wants 32 hex digits\n");
				return 1;
			}
			break;
		case OPT_MTU:
			mtu = number(optarg, 65535, "MTU");
			if (mtu < 576) {
				fprintf(stderr, "lisp-replay: MTU below "
				    "576\n");
				return 1;
			}
			break;
		case 'n':
			loops = number(optarg, 1000000000ULL, "loop count");
			if (loops == 0)
				loops = 1;
			break;
		case OPT_PPS:
			pps = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || cfgpath == NULL)
		usage();
	log_init(1, verbose ? LOG_LVL_DEBUG : LOG_LVL_WARN, 0);
	log_procinit("lisp-replay");

	if ((cfg = config_parse_file(cfgpath, &nerr)) == NULL || nerr > 0) {
		log_warnx("%s: %d error(s)", cfgpath, nerr);
		goto out;
	}
	ndev = dp_tables_devices(cfg, dev, RP_MAX_IFACES);
	if (!rp.etr) {
		if (ndev == 0) {
			log_warnx("%s: no lisp interface with a device: "
			    "nothing to capture on (--itr)", cfgpath);
			goto out;
		}
		ci = ifarg != NULL ? pick_iface(cfg, dev, ndev, ifarg) : 0;
		if (ci < 0) {
			log_warnx("%s: no lisp interface %s", cfgpath, ifarg);
			goto out;
		}
		rp.ci = (unsigned int)ci;
	}

	pkt_flow_hash_setkey(key);
	if (seeded)
		pkt_rand_seed(seed);
	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = 1;
	if ((mc = mapcache_new(&mcc)) == NULL) {
		log_warn("mapcache_new");
		goto out;
	}
	/* One thread is the map-cache writer and its only reader. */
	rcu_register_thread();
	rcu_thread_offline();
	/*
	 * Static entries as the daemon loads them: not when lispers.net
	 * owns the map-cache (ipc-data-plane = yes and --ipc).
	 */
	if (!(ipcpath != NULL && cfg->xtr.ipc_data_plane) &&
	    dp_mapcache_load(mc, cfg) != 0)
		goto out_rcu;
	if (ipcpath != NULL) {
		/* Key slots for one worker, the daemon's cipher rule. */
		enc = dp_crypto_cipher(&why);
		dp_keys_setup(1, enc);
		if (seeded)
			dp_keys_iv_seed(seed);
		if (rp_ipc(&rp, mc, ipcpath) == -1)
			goto out_rcu;
		cipher = key_ciphers(rp.etr, enc, ciphers, sizeof(ciphers));
	}
	memset(sister, 0, sizeof(sister));
	/*
	 * The tables after the records: database-mappings and interfaces
	 * the control plane sent override the config, as in the daemon.
	 */
	info = dp_cpchan_info();
	memset(&sys, 0, sizeof(sys));
	memset(&cp, 0, sizeof(cp));
	cp.have_dbm = info->have_dbm;
	cp.dbm = info->dbm;
	cp.ndbm = info->ndbm;
	cp.have_ifs = info->have_ifs;
	cp.ifs = info->ifs;
	cp.nifs = info->nifs;
	sys.cp = &cp;
	if ((t = dp_tables_build(cfg, 1, (const char (*)[IFNAMSIZ])dev,
	    sister, ndev, &sys)) == NULL) {
		log_warn("tables");
		goto out_rcu;
	}
	if (mtu != 0) {
		/* One entry per map-cache RLOC, as routes would give. */
		for (k = 0; k < cfg->nmapcaches; k++)
			for (i = 0; i < cfg->mapcaches[k].nrlocs; i++) {
				const struct config_addr *a =
				    &cfg->mapcaches[k].rlocs[i].address;
				struct dp_src	*ns;

				if (a->afi != LISP_AFI_IPV4 &&
				    a->afi != LISP_AFI_IPV6)
					continue;
				if ((ns = reallocarray(t->src, t->nsrc + 1,
				    sizeof(*ns))) == NULL) {
					log_warn("tables");
					goto out_rcu;
				}
				t->src = ns;
				ns = &t->src[t->nsrc];
				memset(ns, 0, sizeof(*ns));
				ns->afi = (uint8_t)a->afi;
				memcpy(ns->dst, a->afi == LISP_AFI_IPV4 ?
				    (const void *)&a->u.v4 :
				    (const void *)&a->u.v6,
				    a->afi == LISP_AFI_IPV4 ? 4 : 16);
				if (a->afi == LISP_AFI_IPV4 && t->has_src4)
					memcpy(ns->src, t->src4, 4);
				else if (a->afi == LISP_AFI_IPV6 &&
				    t->has_src6)
					memcpy(ns->src, t->src6, 16);
				else
					continue;	/* no source: skip */
				ns->mtu = (uint16_t)mtu;
				t->nsrc++;
			}
	}
	rcu_thread_online();

	if (rp_read(&rp, argv[0]) == -1)
		goto out_online;
	dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (dead == NULL || (rp.dump = pcap_dump_open(dead, argv[1])) ==
	    NULL) {
		log_warnx("%s: %s", argv[1], dead ? pcap_geterr(dead) :
		    "pcap_open_dead");
		goto out_online;
	}
	memset(&io, 0, sizeof(io));
	io.slot = rp_slot;
	io.emit = rp_emit;
	io.arg = &rp;
	if ((p = dp_path_new(mc, 0, &io)) == NULL) {
		log_warn("dp_path_new");
		goto out_online;
	}
	p->t = t;

	/*
	 * The clock is the capture's: each loop is shifted by the span of
	 * the capture plus a second, never backwards.
	 */
	span = rp.nin > 0 ? rp.in[rp.nin - 1].ts - rp.in[0].ts : 0;
	if (rp.nin > 0 && rp.in[rp.nin - 1].ts < rp.in[0].ts)
		span = 0;
	span += 1000000000ULL;
	p->now = rp.nin > 0 ? rp.in[0].ts : 1;
	for (l = 0; l < loops; l++) {
		base = l * span;
		t0 = mono_ns();
		for (k = 0; k < rp.nin; k++) {
			const struct rp_pkt *pk = &rp.in[k];

			if (pk->ts + base > p->now)
				p->now = pk->ts + base;
			rp.cur_ts = p->now;
			/* The worker's once-a-second miss-queue round. */
			if (p->now - last_tick > 1000000000ULL) {
				dp_path_pending_run(p);
				last_tick = p->now;
			}
			if (rp.etr)
				rp_etr(&rp, p, pk);
			else
				dp_itr_frame(p, rp.ci, rp.dlt, pk->data,
				    pk->caplen, pk->len);
			if (rp.olen >= RP_OUT_FLUSH) {
				busy += mono_ns() - t0;
				mapcache_quiescent(mc, 0);
				rp_flush(&rp);
				t0 = mono_ns();
			}
		}
		busy += mono_ns() - t0;
		mapcache_quiescent(mc, 0);
		rp_flush(&rp);
		if (rp.oom) {
			log_warnx("out of memory for the output");
			goto out_online;
		}
	}
	held = dp_path_pending_count(p);
	if (pcap_dump_flush(rp.dump) == -1) {
		log_warnx("%s: write error", argv[1]);
		goto out_online;
	}
	summary(&rp, p, rp.etr ? "" : dev[rp.ci], t, loops, seeded, seed,
	    cipher, pps, (double)busy / 1e9, held, json, quiet);
	rc = 0;
out_online:
	rcu_thread_offline();
out_rcu:
	dp_path_free(p);
	dp_keys_free_all();
	mapcache_free(mc);
	rcu_unregister_thread();
out:
	if (rp.dump != NULL)
		pcap_dump_close(rp.dump);
	if (dead != NULL)
		pcap_close(dead);
	for (k = 0; k < rp.nin; k++)
		free(rp.in[k].data);
	free(rp.in);
	free(rp.obuf);
	free(rp.out);
	dp_tables_free(t);
	config_free(cfg);
	return rc;
}
