/* SPDX-License-Identifier: ISC */
/*
 * Writes the golden inputs of tests/replay/ (tests/sh/replay_golden.sh):
 * inner packets as an ITR would capture them on its lisp interfaces,
 * for the addressing of tests/replay/site1.config and site2.config,
 *
 *   itr100.pcap	Ethernet frames on interface eid0 (IID 100)
 *   itr200.pcap	raw IP packets on interface eid1 (IID 200)
 *
 * and, from the same inputs (not from the code under test), what must
 * come out of them:
 *
 *   inner100.pcap, inner200.pcap	DLT_RAW: the inner packets that are
 *	forwarded, in order, with their timestamps: what an ETR
 *	(lisp-replay --etr) must deliver after decapsulating the ITR's
 *	output
 *   expect100.tsv, expect200.tsv	one line per forwarded packet:
 *	inner source, inner destination, instance-id, the possible outer
 *	destinations (comma separated)
 *
 * Every packet is built by tests/unit/inet_test.h's builder, with its
 * checksums right.  Usage: gen_replay_in DIR
 */
#include <err.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/inet_test.h"

#define T0		1700000000

struct out {
	pcap_t		*pd, *pdraw;
	pcap_dumper_t	*in, *inner;
	FILE		*tsv;
	int		 eth;
	int		 n;
};

static void
dumpone(pcap_dumper_t *d, int n, const uint8_t *p, size_t len)
{
	struct pcap_pkthdr	 h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = T0 + n / 1000;
	h.ts.tv_usec = (n % 1000) * 1000;
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &h, p);
}

/* One captured frame; fwd: the RLOCs it must go to ("" = dropped). */
static void
frame(struct out *o, const struct t_pkt *t, uint32_t iid, const char *fwd)
{
	uint8_t		 b[14 + 2048];
	size_t		 n, hl = o->eth ? 14 : 0;

	n = t_build(b + hl, t);
	if (o->eth) {
		/* dst 02:00:00:00:00:02, src 02:00:00:00:00:01 */
		memset(b, 0, 12);
		b[0] = b[6] = 0x02;
		b[5] = 0x02;
		b[11] = 0x01;
		b[12] = t->v6 ? 0x86 : 0x08;
		b[13] = t->v6 ? 0xDD : 0x00;
	}
	dumpone(o->in, o->n, b, hl + n);
	if (fwd[0] != '\0') {
		dumpone(o->inner, o->n, b + hl, n);
		fprintf(o->tsv, "%s\t%s\t%u\t%s\n", t->src, t->dst, iid, fwd);
	}
	o->n++;
}

/* A frame that is not IP (ARP request), Ethernet captures only. */
static void
arp(struct out *o)
{
	static const uint8_t a[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01,
		0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0, 0, 0, 0, 0x01, 192, 0, 2, 17,
		0, 0, 0, 0, 0, 0, 192, 0, 2, 30,
	};

	dumpone(o->in, o->n++, a, sizeof(a));
}

static void
open_out(struct out *o, const char *dir, const char *tag, int eth)
{
	char	 p[PATH_MAX];

	memset(o, 0, sizeof(*o));
	o->eth = eth;
	o->pd = pcap_open_dead(eth ? DLT_EN10MB : DLT_RAW, 65535);
	o->pdraw = pcap_open_dead(DLT_RAW, 65535);
	snprintf(p, sizeof(p), "%s/itr%s.pcap", dir, tag);
	if ((o->in = pcap_dump_open(o->pd, p)) == NULL)
		errx(1, "%s: %s", p, pcap_geterr(o->pd));
	snprintf(p, sizeof(p), "%s/inner%s.pcap", dir, tag);
	if ((o->inner = pcap_dump_open(o->pdraw, p)) == NULL)
		errx(1, "%s: %s", p, pcap_geterr(o->pdraw));
	snprintf(p, sizeof(p), "%s/expect%s.tsv", dir, tag);
	if ((o->tsv = fopen(p, "w")) == NULL)
		err(1, "%s", p);
}

static void
close_out(struct out *o)
{
	pcap_dump_close(o->in);
	pcap_dump_close(o->inner);
	pcap_close(o->pd);
	pcap_close(o->pdraw);
	if (fclose(o->tsv) == EOF)
		err(1, "tsv");
}

int
main(int argc, char *argv[])
{
	/* site 2's RLOCs: IID 100 has both families, IID 200 one. */
	const char	*r100 = "203.0.113.2,2001:db8:ffff::2";
	const char	*r200 = "198.51.100.2";
	static char	 d4[6][32], d6[6][64];
	struct out	 o;
	int		 k;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_replay_in DIR\n");
		return 1;
	}

	/* --- IID 100, Ethernet ------------------------------------------ */
	open_out(&o, argv[1], "100", 1);
	/* A UDP flow, twice: same RLOC and source port both times. */
	for (k = 0; k < 2; k++)
		frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "192.0.2.33", 17,
		    64, 0, 0x4000, (uint16_t)(100 + k), 40001, 5001, 32, 0 },
		    100, r100);
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::17",
	    "2001:db8:e1d:2::33", 17, 64, 0, 0, 0, 40002, 443, 100, 0x12345 },
	    100, r100);
	frame(&o, &(struct t_pkt){ 0, "192.0.2.18", "192.0.2.34", 6, 63,
	    0xBA, 0x4000, 7, 50000, 80, 0, 0 }, 100, r100);
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::18",
	    "2001:db8:e1d:2::34", 6, 255, 0, 0, 0, 50001, 22, 10, 0 },
	    100, r100);
	frame(&o, &(struct t_pkt){ 0, "192.0.2.19", "192.0.2.35", 1, 64, 0,
	    0, 9, 0x1234, 1, 56, 0 }, 100, r100);
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::19",
	    "2001:db8:e1d:2::35", 58, 64, 0, 0, 0, 0x4321, 2, 56, 0 },
	    100, r100);
	/* More flows, to spread over both RLOCs. */
	for (k = 0; k < 6; k++) {
		snprintf(d4[k], sizeof(d4[k]), "192.0.2.%d", 36 + k);
		snprintf(d6[k], sizeof(d6[k]), "2001:db8:e1d:2::%d", 100 + k);
		frame(&o, &(struct t_pkt){ 0, "192.0.2.20", d4[k], 17,
		    64, 0, 0x4000, (uint16_t)(200 + k),
		    (uint16_t)(41000 + k), 9999, 20, 0 }, 100, r100);
		frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::20",
		    d6[k], 17, 64, 0, 0, 0, (uint16_t)(42000 + k), 9999,
		    20, 0 }, 100, r100);
	}
	/* Misses: no map-cache entry (3 + 1 held, 2 resolution requests). */
	for (k = 0; k < 3; k++)
		frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "198.51.100.77",
		    17, 64, 0, 0x4000, (uint16_t)(300 + k), 40003, 5001, 8, 0 },
		    100, "");
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::17",
	    "2001:db8:bbbb::1", 17, 64, 0, 0, 0, 40004, 5001, 8, 0 }, 100, "");
	/* Sources that are not local EIDs of IID 100. */
	frame(&o, &(struct t_pkt){ 0, "203.0.113.99", "192.0.2.33", 17, 64,
	    0, 0x4000, 400, 40005, 5001, 8, 0 }, 100, "");
	frame(&o, &(struct t_pkt){ 0, "192.0.2.60", "192.0.2.33", 17, 64,
	    0, 0x4000, 401, 40005, 5001, 8, 0 }, 100, "");
	frame(&o, &(struct t_pkt){ 1, "2001:db8:9::1", "2001:db8:e1d:2::33",
	    17, 64, 0, 0, 0, 40006, 5001, 8, 0 }, 100, "");
	/* Not IP. */
	arp(&o);
	/* Too big for 1500 with DF (IPv4) and as IPv6: dropped. */
	frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "192.0.2.33", 17, 64, 0,
	    0x4000, 500, 40001, 5001, 1480 - 28, 0 }, 100, "");
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::17",
	    "2001:db8:e1d:2::33", 17, 64, 0, 0, 0, 40002, 443, 1480 - 48,
	    0 }, 100, "");
	/* TTL 0: expired. */
	frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "192.0.2.33", 17, 0, 0,
	    0x4000, 501, 40001, 5001, 8, 0 }, 100, "");
	/* The first flow once more at the end. */
	frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "192.0.2.33", 17, 64, 0,
	    0x4000, 102, 40001, 5001, 32, 0 }, 100, r100);
	close_out(&o);

	/* --- IID 200, raw IP: same EIDs, other map-cache ---------------- */
	open_out(&o, argv[1], "200", 0);
	frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "192.0.2.33", 17, 64, 0,
	    0x4000, 600, 40001, 5001, 32, 0 }, 200, r200);
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::17",
	    "2001:db8:e1d:2::33", 17, 64, 0, 0, 0, 40002, 443, 64, 0 }, 200,
	    r200);
	frame(&o, &(struct t_pkt){ 0, "192.0.2.18", "192.0.2.38", 6, 64, 0,
	    0x4000, 601, 50000, 80, 0, 0 }, 200, r200);
	/* In IID 100's map-cache (.32/28), not in IID 200's (.32/29). */
	frame(&o, &(struct t_pkt){ 0, "192.0.2.17", "192.0.2.40", 17, 64, 0,
	    0x4000, 602, 40001, 5001, 8, 0 }, 200, "");
	/* IID 200's database has no IPv4 192.0.2.24/29. */
	frame(&o, &(struct t_pkt){ 0, "192.0.2.25", "192.0.2.33", 17, 64, 0,
	    0x4000, 603, 40001, 5001, 8, 0 }, 200, "");
	frame(&o, &(struct t_pkt){ 1, "2001:db8:e1d:1::99",
	    "2001:db8:e1d:2::99", 17, 64, 0, 0, 0, 40009, 5001, 16, 0 }, 200,
	    r200);
	close_out(&o);
	return 0;
}
