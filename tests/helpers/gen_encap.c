/* SPDX-License-Identifier: ISC */
/*
 * Writes LISP-encapsulated packets made by dataplane/encap to a DLT_RAW
 * pcap, for an independent decoder (tshark, tests/sh/encap_tshark.sh) to
 * check, and a TSV of what each frame must decode to, derived from the
 * generator's inputs (addresses, ports, IIDs, nonces), not from the
 * encoder's output.  Columns (tab separated; "*" = do not compare):
 *
 *   flowkey ip.src ip.dst ipv6.src ipv6.dst udp.dstport lisp-data.flags
 *   lisp-data.nonce lisp-data.iid ip.checksum.status icmp.type
 *   icmp.code icmp.mtu icmpv6.type icmpv6.mtu udp.checksum.status
 *
 * Multi-occurrence fields (outer and inner header of one family) are
 * listed outer first, comma separated, as tshark prints them.  Frames
 * with the same flowkey must carry the same outer UDP source port.
 *
 * Usage: gen_encap out.pcap expect.tsv
 */
#include <sys/socket.h>

#include <err.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/inet_test.h"
#include "encap.h"
#include "pkt.h"

#define HR	ENCAP_HEADROOM

static pcap_dumper_t	*dump;
static FILE		*tsv;
static int		 nframes;

static void
emit(const uint8_t *p, size_t len)
{
	struct pcap_pkthdr	 h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = 1700000000 + nframes;
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)dump, &h, p);
	nframes++;
}

static const char *
join(char *b, size_t n, const char *a, const char *c)
{
	if (a[0] && c[0])
		snprintf(b, n, "%s,%s", a, c);
	else
		snprintf(b, n, "%s%s", a, c);
	return b;
}

/*
 * One encapsulated packet: inner t in outer family out6 towards the
 * RLOC pair, with iid and nonce.
 */
static void
one(const char *flowkey, const struct t_pkt *t, int out6, uint32_t iid,
    uint32_t nonce, uint8_t eflags)
{
	static uint8_t		 buf[HR + 4096];
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	const char		*osrc = out6 ? "2001:db8:ffff::1" : "203.0.113.1";
	const char		*odst = out6 ? "2001:db8:ffff::2" : "203.0.113.2";
	char			 a[128], b[128], c[128], d[128], port[32];
	size_t			 n;

	n = t_build(buf + HR, t);
	if (pkt_parse(buf + HR, n, &pi) != DP_DROP_NONE)
		errx(1, "pkt_parse");
	memset(&ep, 0, sizeof(ep));
	ep.af = out6 ? AF_INET6 : AF_INET;
	t_addr(out6, osrc, ep.src);
	t_addr(out6, odst, ep.dst);
	ep.iid = iid;
	ep.flags = eflags;
	if (encap_packet(&ep, &pi, pkt_flow_hash(&pi), nonce, buf + HR, HR,
	    &o) != DP_DROP_NONE)
		errx(1, "encap_packet");
	emit(o.data, o.len);

	if (t->proto == 17)
		snprintf(port, sizeof(port), "4341,%u", t->dport);
	else
		snprintf(port, sizeof(port), "4341");
	fprintf(tsv, "%s\t%s\t%s\t%s\t%s\t%s\t0x88\t%u\t%u\t%s\t%s\t%s\t\t%s"
	    "\t\t%s\n",
	    flowkey,
	    join(a, sizeof(a), out6 ? "" : osrc, t->v6 ? "" : t->src),
	    join(b, sizeof(b), out6 ? "" : odst, t->v6 ? "" : t->dst),
	    join(c, sizeof(c), out6 ? osrc : "", t->v6 ? t->src : ""),
	    join(d, sizeof(d), out6 ? odst : "", t->v6 ? t->dst : ""),
	    port, nonce, iid,
	    out6 ? (t->v6 ? "" : "1") : (t->v6 ? "1" : "1,1"),
	    t->proto == 1 ? "8" : "", t->proto == 1 ? "0" : "",
	    t->proto == 58 ? "128" : "",
	    /* outer and inner UDP checksums, when both are present */
	    eflags & ENCAP_F_UDP_CSUM && t->proto == 17 ? "1,1" : "*");
}

/* An inner IPv4 packet split in two (RFC 9300 7.1). */
static void
frag(int out6, uint32_t iid)
{
	static uint8_t		 buf[HR + 4096], buf2[HR + 4096];
	struct encap_params	 ep;
	struct encap_pkt	 o[2];
	struct pkt_info		 pi;
	struct t_pkt		 t = {
		.src = "192.0.2.10", .dst = "198.51.100.10", .proto = 17,
		.ttl = 64, .sport = 7000, .dport = 7001, .datalen = 1472,
		.id = 77,
	};
	const uint32_t		 nonces[2] = { 0x0F0001, 0x0F0002 };
	size_t			 n;
	int			 i;

	t.id = (uint16_t)(77 + out6);
	n = t_build(buf + HR, &t);
	if (pkt_parse(buf + HR, n, &pi) != DP_DROP_NONE)
		errx(1, "pkt_parse");
	memset(&ep, 0, sizeof(ep));
	ep.af = out6 ? AF_INET6 : AF_INET;
	t_addr(out6, out6 ? "2001:db8:ffff::1" : "203.0.113.1", ep.src);
	t_addr(out6, out6 ? "2001:db8:ffff::2" : "203.0.113.2", ep.dst);
	ep.iid = iid;
	if (encap_packet(&ep, &pi, pkt_flow_hash(&pi), 1, buf + HR, HR,
	    o) != DP_DROP_TOO_BIG)
		errx(1, "expected too big");
	if (encap_fragment(&ep, &pi, pkt_flow_hash(&pi), nonces, buf + HR,
	    HR, buf2, sizeof(buf2), o) != DP_DROP_NONE)
		errx(1, "encap_fragment");
	for (i = 0; i < 2; i++) {
		if (o[i].len > 1500)
			errx(1, "fragment %d is %zu bytes", i, o[i].len);
		emit(o[i].data, o[i].len);
		/* The reassembled UDP shows up in the second frame only. */
		fprintf(tsv, "frag%d\t%s\t%s\t%s\t%s\t*\t0x88\t%u\t%u\t%s\t"
		    "\t\t\t\t\t*\n", out6,
		    out6 ? t.src : "203.0.113.1,192.0.2.10",
		    out6 ? t.dst : "203.0.113.2,198.51.100.10",
		    out6 ? "2001:db8:ffff::1" : "",
		    out6 ? "2001:db8:ffff::2" : "",
		    nonces[i], iid, out6 ? "1" : "1,1");
	}
}

/* ICMP too-big errors for a DF=1 IPv4 and an IPv6 packet. */
static void
too_big(void)
{
	static uint8_t		 buf[4096], out[2048];
	struct encap_params	 ep;
	struct pkt_info		 pi;
	struct t_pkt		 t4 = {
		.src = "192.0.2.20", .dst = "198.51.100.20", .proto = 17,
		.ttl = 64, .fragw = 0x4000, .sport = 1, .dport = 2,
		.datalen = 1472,
	};
	struct t_pkt		 t6 = {
		.v6 = 1, .src = "2001:db8:1::20", .dst = "2001:db8:2::20",
		.proto = 17, .ttl = 64, .sport = 1, .dport = 2,
		.datalen = 1452,
	};
	uint8_t			 me[16];
	size_t			 n;

	memset(&ep, 0, sizeof(ep));
	ep.af = AF_INET;
	ep.mtu = 1400;
	n = t_build(buf, &t4);
	if (pkt_parse(buf, n, &pi) != DP_DROP_NONE)
		errx(1, "pkt_parse");
	t_addr(0, "192.0.2.254", me);
	n = encap_icmp_too_big(&ep, &pi, buf, me, out, sizeof(out));
	if (n == 0)
		errx(1, "icmp4");
	emit(out, n);
	/* The quoted packet is decoded too: its IP header is good. */
	fprintf(tsv, "icmp4\t192.0.2.254,192.0.2.20\t192.0.2.20,198.51.100.20"
	    "\t\t\t*\t\t\t\t1,1\t3\t4\t1364\t\t\t*\n");

	ep.af = AF_INET6;
	ep.mtu = 1500;
	n = t_build(buf, &t6);
	if (pkt_parse(buf, n, &pi) != DP_DROP_NONE)
		errx(1, "pkt_parse");
	t_addr(1, "2001:db8:1::fe", me);
	n = encap_icmp_too_big(&ep, &pi, buf, me, out, sizeof(out));
	if (n == 0)
		errx(1, "icmp6");
	emit(out, n);
	fprintf(tsv, "icmp6\t\t\t2001:db8:1::fe,2001:db8:1::20\t"
	    "2001:db8:1::20,2001:db8:2::20\t*\t\t\t\t\t\t\t\t2\t1444\t*\n");
}

int
main(int argc, char *argv[])
{
	static const uint32_t	 iids[3] = { 1000, 1001, 0xABCDEF };
	struct t_pkt		 t;
	pcap_t			*pc;
	char			 key[32];
	uint32_t		 nonce = 0x100000;
	int			 in6, out6, f;

	if (argc != 3)
		errx(2, "usage: gen_encap out.pcap expect.tsv");
	if ((pc = pcap_open_dead(DLT_RAW, 65535)) == NULL)
		errx(1, "pcap_open_dead");
	if ((dump = pcap_dump_open(pc, argv[1])) == NULL)
		errx(1, "%s: %s", argv[1], pcap_geterr(pc));
	if ((tsv = fopen(argv[2], "w")) == NULL)
		err(1, "%s", argv[2]);

	for (in6 = 0; in6 < 2; in6++)
	for (out6 = 0; out6 < 2; out6++) {
		for (f = 0; f < 3; f++) {
			memset(&t, 0, sizeof(t));
			t.v6 = in6;
			t.src = in6 ? "2001:db8:1::1" : "192.0.2.1";
			t.dst = in6 ? "2001:db8:2::2" : "198.51.100.2";
			t.proto = 17;
			t.ttl = 64;
			t.tos = 0x02;
			t.sport = (uint16_t)(40000 + f);
			t.dport = 7001;
			t.datalen = 20;
			snprintf(key, sizeof(key), "u%d%d%d", in6, out6, f);
			one(key, &t, out6, iids[f], nonce++, 0);
			/* The same flow again: same source port. */
			if (f == 0) {
				t.datalen = 200;
				one(key, &t, out6, iids[f], nonce++, 0);
				/* And with the outer UDP checksum on. */
				one(key, &t, out6, iids[f], nonce++,
				    ENCAP_F_UDP_CSUM);
			}
		}
		memset(&t, 0, sizeof(t));
		t.v6 = in6;
		t.src = in6 ? "2001:db8:1::1" : "192.0.2.1";
		t.dst = in6 ? "2001:db8:2::2" : "198.51.100.2";
		t.proto = in6 ? 58 : 1;
		t.ttl = 64;
		t.sport = 0x77;
		t.dport = 1;
		t.datalen = 56;
		snprintf(key, sizeof(key), "i%d%d", in6, out6);
		one(key, &t, out6, 7, nonce++, 0);
	}
	frag(0, 5);
	frag(1, 6);
	too_big();

	pcap_dump_close(dump);
	pcap_close(pc);
	if (fclose(tsv) == EOF)
		err(1, "%s", argv[2]);
	return 0;
}
