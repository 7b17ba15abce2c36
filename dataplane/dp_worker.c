/* SPDX-License-Identifier: ISC */
/*
 * Data-plane worker threads.  Each worker owns one capture per lisp
 * interface (a member of that interface's PACKET_FANOUT group), a UDP
 * 4341 socket per family (SO_REUSEPORT group) and a raw socket per
 * family, and runs
 *
 *	poll -> drain captures (pcap_dispatch on the mmap ring) and
 *	recvmmsg the UDP sockets -> encapsulate / decapsulate into per-family
 *	send batches -> sendmmsg -> quiescent state
 *
 * so that a batch of up to DP_BATCH packets costs a handful of system
 * calls.  In lispers.net IPC mode a worker may also get, at run time, a
 * NAT capture (dp_open.h: etr-nat-port) handed over by the main thread
 * through a one-descriptor mailbox; its poll slot is there from the start
 * (fd -1, ignored by poll) and takes the descriptor at the next round.  Map-cache and tables are read without locks (liburcu QSBR): the
 * worker is offline while it sleeps in poll() and announces a quiescent
 * state after every round.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "buf.h"
#include "dbmap.h"
#include "decap.h"
#include "dp.h"
#include "dp_cpchan.h"
#include "dp_open.h"
#include "dp_path.h"
#include "dp_tables.h"
#include "dp_vnet.h"
#include "encap.h"
#include "gro.h"
#include "gso.h"
#include "log.h"
#include "mapcache.h"
#include "pkt.h"

#define DP_BATCH		64
_Static_assert(DP_BATCH == DP_VNET_LONG_SEGS,
    "vnet-gso-long-frames counts super-packets longer than a batch");
#define DP_RX_SIZE		(DP_PKT_MAX + 64)
/* With UDP_GRO a datagram may hold up to 64 KB of coalesced segments. */
#define DP_RX_GRO_SIZE		65536
/* UDP_SEGMENT limits: segments per send, bytes of UDP payload. */
#define DP_GSO_SEGS		64
#define DP_GSO_BYTES		(65535 - 8 - 20)
/* Per-(source, RLOC, source port) UDP sockets for UDP_SEGMENT sends. */
#define DP_GSO_SOCKS		64
#define DP_IP4_UDP		28		/* IPv4 20 + UDP 8 */
#define DP_IP6_UDP		48		/* IPv6 40 + UDP 8 */

/*
 * The IPv6 flow label manager's request (linux/in6.h, which cannot be
 * included after glibc's netinet/in.h without losing in6_pktinfo).
 */
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR	32
#endif
#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND	33
#endif
#define DP_FL_A_GET		0
#define DP_FL_F_CREATE		1
#define DP_FL_S_ANY		255
struct dp_flowlabel_req {
	struct in6_addr	 flr_dst;
	uint32_t	 flr_label;	/* network order */
	uint8_t		 flr_action;
	uint8_t		 flr_share;
	uint16_t	 flr_flags;
	uint16_t	 flr_expires;
	uint16_t	 flr_linger;
	uint32_t	 flr_pad;
};
/* Captured frames up to this size are staged for dp_itr_burst(). */
#define DP_STAGE_SIZE		2048

struct dp_txq {
	int			 fd;
	int			 af;
	unsigned int		 n;
	struct mmsghdr		 msg[DP_BATCH];
	struct iovec		 iov[DP_BATCH];
	struct sockaddr_storage	 to[DP_BATCH];
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cmsg[DP_BATCH];
	uint8_t			*slot[DP_BATCH];	/* DP_SLOT_SIZE each */
	uint8_t			 encap[DP_BATCH];	/* emit_encap() */
};

/* What the packets of one UDP_SEGMENT send share (see gso_key_of()). */
struct gso_key {
	int		 af;
	uint8_t		 tos;		/* IPv4 TOS, IPv6 traffic class */
	uint8_t		 ttl;		/* TTL, hop limit */
	uint32_t	 flow;		/* IPv6 flow label */
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint16_t	 sport;
	uint16_t	 dport;
};

/*
 * A UDP socket bound to (src, sport) and connected to (dst, dport) (and,
 * for IPv6, holding the flow label): the kernel then writes the outer
 * IP/UDP headers of a UDP_SEGMENT send as encap_packet() would (the
 * differences: above gso_key_of()).  fd -1 with failed set: this flow
 * goes the raw way until retry (ns).
 */
#define DP_GSO_RETRY_NS		(10ULL * 1000000000ULL)
struct dp_gso_sock {
	int			 fd;
	int			 failed;
	uint64_t		 retry;
	struct gso_key		 key;		/* tos, ttl unused */
};

struct dp_rxq {
	struct mmsghdr		 msg[DP_BATCH];
	struct iovec		 iov[DP_BATCH];
	struct sockaddr_storage	 from[DP_BATCH];
	char			 cmsg[DP_BATCH][128];
	uint8_t			*buf;		/* DP_BATCH * size */
	size_t			 size;		/* per message */
};

struct dp_worker {
	unsigned int		 id;
	pthread_t		 th;
	int			 started;
	int			 fd[PROC_SOCK_MAX];
	struct dp_capture	*cap;		/* [ncap] */
	unsigned int		 ncap;
	struct dp_path		*path;		/* per-packet work, counters */
	unsigned int		 cur_ci;	/* capture being drained */
	/*
	 * Frames of the current pcap_dispatch(), copied (libpcap hands a
	 * ring frame back to the kernel when the callback returns) so that
	 * the batch goes through dp_itr_burst() in one piece.
	 */
	uint8_t			*stage;		/* DP_BATCH * DP_STAGE_SIZE */
	struct dp_frame		 staged[DP_BATCH];
	unsigned int		 nstaged;
	/*
	 * vnet captures (dp_vnet.h): receive buffers, and a buffer for a
	 * segment too large for a stage slot (jumbo MSS).
	 */
	struct dp_vnet		*vnet;
	uint8_t			*big;		/* DP_PKT_MAX */
	struct dp_txq		 tx4, tx6;
	struct dp_rxq		 rx;
	uint32_t		 seen_mc_gen;
	int			 natfd;		/* NAT capture, -1 */
	int			 natfd_next;	/* mailbox from main, -1 */
	int			 gso;		/* UDP_SEGMENT in use */
	struct dp_gso_sock	 gsock[DP_GSO_SOCKS];
	struct iovec		 gso_iov[DP_GSO_SEGS];
	struct gro		*gro;		/* TUN output (dp_tun.h), NULL */
};

static inline void
ctr_add(struct dp_worker *w, unsigned int k, uint64_t v)
{
	dp_path_count(w->path, k, v);
}

uint64_t
dp_worker_counter(const struct dp_worker *w, unsigned int k)
{
	return dp_path_counter(w->path, k);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- send batches ------------------------------------------------------ */

/* sendmmsg of q->msg[from..to): raw sockets, one message a packet. */
static void
txq_send_raw(struct dp_worker *w, struct dp_txq *q, unsigned int from,
    unsigned int to)
{
	unsigned int	 off = from;
	int		 r;

	while (off < to) {
		r = sendmmsg(q->fd, q->msg + off, to - off, MSG_DONTWAIT);
		ctr_add(w, DPC_TX_BATCHES, 1);
		if (r <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			/* The first message failed: count it, go on. */
			LOG_RL(LOG_LVL_DEBUG, "worker %u: sendmmsg: %s", w->id,
			    strerror(errno));
			ctr_add(w, DPC_SEND_ERROR, 1);
			off++;
			continue;
		}
		off += (unsigned int)r;
	}
}

/* --- UDP_SEGMENT ------------------------------------------------------- */

/*
 * What of an encapsulated packet a UDP_SEGMENT send must repeat, IPv4:
 *
 *     0                   1                   2                   3
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Ver=4| IHL=5 |  TOS (key)    |     Total Length = len        |
 *    |        Identification         |DF |    Fragment Offset = 0    |
 *    |   TTL (key)   |  Proto = 17   |        Header Checksum        |
 *    |                    Source RLOC (key)                          |
 *    |                  Destination RLOC (key)                       |
 *    |     Source Port (key)         |    Destination Port (key)     |
 *    |          UDP Length           |         UDP Checksum          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * and IPv6:
 *
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Ver=6| Class (key)   |          Flow Label (key)             |
 *    |   Payload Length = len - 40   |  Next = 17    | Hops (key)    |
 *    |                    Source RLOC (key, 16 bytes)                |
 *    |                 Destination RLOC (key, 16 bytes)              |
 *    |     Source Port (key)         |    Destination Port (key)     |
 *    |          UDP Length           |         UDP Checksum          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Packets of a run share every (key) field; the kernel rebuilds the
 * rest per segment: lengths, for IPv4 a fresh Identification (RFC 6864:
 * an atomic datagram's ID carries nothing) and DF (IP_PMTUDISC_PROBE),
 * and a computed UDP checksum (GSO needs one; RFC 9300 5.3 allows a
 * correct non-zero checksum, the ETR accepts both, and for IPv6 it is
 * the RFC 8200 default).  The IPv6 flow label is encap's, held by the
 * socket (a flow label lease), so that a flow keeps one label whichever
 * way its packets leave.
 */
static int
gso_key_of(int af, const uint8_t *pkt, size_t len, struct gso_key *k)
{
	struct rbuf	 rb;
	uint32_t	 w0;
	uint16_t	 totlen, frag, ulen;
	uint8_t		 vihl, proto;

	rbuf_init(&rb, pkt, len);
	k->af = af;
	k->flow = 0;
	if (af == AF_INET) {
		memset(k->src + 4, 0, 12);
		memset(k->dst + 4, 0, 12);
		if (rbuf_get_u8(&rb, &vihl) == -1 || vihl != 0x45 ||
		    rbuf_get_u8(&rb, &k->tos) == -1 ||
		    rbuf_get_u16(&rb, &totlen) == -1 || totlen != len ||
		    rbuf_skip(&rb, 2) == -1 ||
		    rbuf_get_u16(&rb, &frag) == -1 || frag != 0x4000 ||
		    rbuf_get_u8(&rb, &k->ttl) == -1 || k->ttl == 0 ||
		    rbuf_get_u8(&rb, &proto) == -1 || proto != 17 ||
		    rbuf_skip(&rb, 2) == -1 ||
		    rbuf_get_bytes(&rb, k->src, 4) == -1 ||
		    rbuf_get_bytes(&rb, k->dst, 4) == -1 ||
		    len <= DP_IP4_UDP)
			return -1;
		totlen = (uint16_t)(len - 20);
	} else {
		if (rbuf_get_u32(&rb, &w0) == -1 || w0 >> 28 != 6 ||
		    rbuf_get_u16(&rb, &totlen) == -1 || totlen != len - 40 ||
		    rbuf_get_u8(&rb, &proto) == -1 || proto != 17 ||
		    rbuf_get_u8(&rb, &k->ttl) == -1 || k->ttl == 0 ||
		    rbuf_get_bytes(&rb, k->src, 16) == -1 ||
		    rbuf_get_bytes(&rb, k->dst, 16) == -1 ||
		    len <= DP_IP6_UDP)
			return -1;
		k->tos = (uint8_t)(w0 >> 20);
		k->flow = w0 & 0xFFFFF;
	}
	if (rbuf_get_u16(&rb, &k->sport) == -1 ||
	    rbuf_get_u16(&rb, &k->dport) == -1 ||
	    rbuf_get_u16(&rb, &ulen) == -1 || ulen != totlen)
		return -1;
	/*
	 * Flow-hash ports only: a fixed source port (NAT traversal sends
	 * from 4341) belongs to the 4341 sockets, and a socket connected
	 * from it would take the peer's packets away from them.
	 */
	if (k->sport < ENCAP_SPORT_BASE)
		return -1;
	return 0;
}

/* Same socket: addresses, ports, flow label. */
static int
gso_key_sock_eq(const struct gso_key *a, const struct gso_key *b)
{
	return a->af == b->af && a->sport == b->sport &&
	    a->dport == b->dport && a->flow == b->flow &&
	    memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

/* Same run: the socket and TTL, TOS. */
static int
gso_key_eq(const struct gso_key *a, const struct gso_key *b)
{
	return a->tos == b->tos && a->ttl == b->ttl && gso_key_sock_eq(a, b);
}

static size_t
gso_hdr_len(int af)
{
	return af == AF_INET ? DP_IP4_UDP : DP_IP6_UDP;
}

static void
gso_sock_close(struct dp_gso_sock *g)
{
	if (g->fd != -1)
		close(g->fd);
	memset(g, 0, sizeof(*g));
	g->fd = -1;
}

static struct dp_gso_sock *
gso_slot(struct dp_worker *w, const struct gso_key *k)
{
	return &w->gsock[((unsigned int)k->sport * 31u + k->dst[15] +
	    k->dst[3] * 7u + k->flow) % DP_GSO_SOCKS];
}

/* Key k's flow goes the raw way until its slot is reused. */
static void
gso_sock_fail(struct dp_worker *w, const struct gso_key *k)
{
	struct dp_gso_sock	*g = gso_slot(w, k);

	if (g->fd != -1)
		close(g->fd);
	g->fd = -1;
	g->failed = 1;
	g->retry = w->path->now + DP_GSO_RETRY_NS;
}

/*
 * IPv6: lease encap's flow label for dst (share "any": the sockets of
 * other workers may hold it too) and send with it.  The label then
 * goes into the socket's address at connect().
 */
static int
gso_sock_flowlabel(int fd, const struct gso_key *k)
{
	struct dp_flowlabel_req		 fr;
	int				 one = 1;

	memset(&fr, 0, sizeof(fr));
	memcpy(&fr.flr_dst, k->dst, 16);
	fr.flr_label = htonl(k->flow);
	fr.flr_action = DP_FL_A_GET;
	fr.flr_share = DP_FL_S_ANY;
	fr.flr_flags = DP_FL_F_CREATE;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &fr,
	    sizeof(fr)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, &one,
	    sizeof(one)) == -1)
		return -1;
	return 0;
}

/*
 * The socket of key k, opened on first use (in the sandbox: AF_INET and
 * AF_INET6 sockets, bind and connect are allowed to the data plane).
 * Datagrams sent to it are dropped by a filter: it only sends.  Returns
 * -1 when it cannot be had (the port is taken, the source is not ours,
 * no flow label lease): the packets then go the raw way, and so does
 * this flow for DP_GSO_RETRY_NS or until the slot is taken by another
 * flow.
 */
static int
gso_sock(struct dp_worker *w, const struct gso_key *k)
{
	static struct sock_filter	 drop[] = {
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog		 fp = { 1, drop };
	struct dp_gso_sock		*g;
	struct sockaddr_storage		 ss;
	struct sockaddr_in		*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6		*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t			 sl;
	int				 fd, one = 1, v;

	g = gso_slot(w, k);
	if ((g->fd != -1 || (g->failed && w->path->now < g->retry)) &&
	    gso_key_sock_eq(&g->key, k))
		return g->fd;
	gso_sock_close(g);
	g->key = *k;
	g->failed = 1;
	g->retry = w->path->now + DP_GSO_RETRY_NS;
	if ((fd = socket(k->af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_UDP)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
	    sizeof(fp)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail_close;
	if (k->af == AF_INET) {
		/* DF, and the path MTU is encap's business. */
		v = IP_PMTUDISC_PROBE;
		if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v,
		    sizeof(v)) == -1)
			goto fail_close;
	} else {
		v = IPV6_PMTUDISC_PROBE;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v,
		    sizeof(v)) == -1 ||
		    gso_sock_flowlabel(fd, k) == -1)
			goto fail_close;
	}
	memset(&ss, 0, sizeof(ss));
	if (k->af == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, k->src, 4);
		sin->sin_port = htons(k->sport);
		sl = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, k->src, 16);
		sin6->sin6_port = htons(k->sport);
		sl = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail_close;
	if (k->af == AF_INET) {
		memcpy(&sin->sin_addr, k->dst, 4);
		sin->sin_port = htons(k->dport);
	} else {
		memcpy(&sin6->sin6_addr, k->dst, 16);
		sin6->sin6_port = htons(k->dport);
		sin6->sin6_flowinfo = htonl(k->flow);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail_close;
	g->fd = fd;
	g->failed = 0;
	return fd;
fail_close:
	close(fd);
fail:
	LOG_RL(LOG_LVL_DEBUG, "worker %u: UDP socket for source port %u: %s",
	    w->id, (unsigned int)k->sport, strerror(errno));
	return -1;
}

/*
 * Send q->msg[from..to) (one run: same key, equal sizes, the last one
 * possibly shorter) as one UDP_SEGMENT datagram.  The iovecs point at
 * the UDP payloads where encap_packet() built them: nothing is copied.
 * Returns 0 when sent, -1 when the run must go the raw way.
 */
static int
gso_send(struct dp_worker *w, struct dp_txq *q, unsigned int from,
    unsigned int to, const struct gso_key *k)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(uint16_t)) +
				     2 * CMSG_SPACE(sizeof(int))];
	}			 cb;
	struct msghdr		 m;
	struct cmsghdr		*c;
	size_t			 hl = gso_hdr_len(k->af);
	uint16_t		 seg;
	unsigned int		 i;
	int			 fd, v;

	if ((fd = gso_sock(w, k)) == -1)
		return -1;
	for (i = from; i < to; i++) {
		w->gso_iov[i - from].iov_base =
		    (uint8_t *)q->iov[i].iov_base + hl;
		w->gso_iov[i - from].iov_len = q->iov[i].iov_len - hl;
	}
	seg = (uint16_t)(q->iov[from].iov_len - hl);
	memset(&m, 0, sizeof(m));
	memset(&cb, 0, sizeof(cb));
	m.msg_iov = w->gso_iov;
	m.msg_iovlen = to - from;
	m.msg_control = cb.buf;
	m.msg_controllen = sizeof(cb.buf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	/* Outer TTL and TOS (DSCP and ECN) as encap_packet() set them. */
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = k->af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = k->af == AF_INET ? IP_TTL : IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	v = k->ttl;
	memcpy(CMSG_DATA(c), &v, sizeof(v));
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = k->af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = k->af == AF_INET ? IP_TOS : IPV6_TCLASS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	v = k->tos;
	memcpy(CMSG_DATA(c), &v, sizeof(v));
	ctr_add(w, DPC_TX_BATCHES, 1);
	while (sendmsg(fd, &m, MSG_DONTWAIT) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EIO || errno == EOPNOTSUPP) {
			/* The device cannot (no checksum offload): off. */
			log_warn("worker %u: UDP_SEGMENT send; sending "
			    "unbatched", w->id);
			w->gso = 0;
		} else if (errno == EINVAL || errno == EMSGSIZE) {
			/*
			 * The route's MTU is below the configured path MTU
			 * (the kernel refuses segments that do not fit):
			 * this flow goes the raw way, as before.
			 */
			LOG_RL(LOG_LVL_DEBUG, "worker %u: UDP_SEGMENT send "
			    "to source port %u: %s", w->id,
			    (unsigned int)k->sport, strerror(errno));
			gso_sock_fail(w, k);
		} else
			LOG_RL(LOG_LVL_DEBUG, "worker %u: UDP_SEGMENT send: "
			    "%s", w->id, strerror(errno));
		return -1;
	}
	ctr_add(w, DPC_TX_GSO_BATCHES, 1);
	ctr_add(w, DPC_TX_GSO_SEGMENTS, to - from);
	return 0;
}

/*
 * Runs of consecutive encapsulated packets of one flow (gso_key) with
 * equal sizes, the last possibly shorter, go out as one UDP_SEGMENT
 * datagram each; everything else, in order between them,
 * through the raw socket.
 */
static void
txq_flush_gso(struct dp_worker *w, struct dp_txq *q)
{
	struct gso_key	 k, k2;
	unsigned int	 i = 0, j, rs = 0;
	size_t		 seg, bytes, hl = gso_hdr_len(q->af);

	while (i < q->n) {
		if (!q->encap[i] || gso_key_of(q->af, q->iov[i].iov_base,
		    q->iov[i].iov_len, &k) == -1) {
			i++;
			continue;
		}
		seg = q->iov[i].iov_len;
		bytes = seg - hl;
		for (j = i + 1; j < q->n && j - i < DP_GSO_SEGS; j++) {
			if (!q->encap[j] || q->iov[j].iov_len > seg ||
			    bytes + q->iov[j].iov_len - hl > DP_GSO_BYTES ||
			    gso_key_of(q->af, q->iov[j].iov_base,
			    q->iov[j].iov_len, &k2) == -1 ||
			    !gso_key_eq(&k, &k2))
				break;
			bytes += q->iov[j].iov_len - hl;
			if (q->iov[j].iov_len < seg) {
				j++;		/* a shorter one ends the run */
				break;
			}
		}
		if (j - i < 2) {
			i = j;
			continue;
		}
		/* In order: what came before goes first. */
		if (rs < i)
			txq_send_raw(w, q, rs, i);
		if (gso_send(w, q, i, j, &k) == -1)
			txq_send_raw(w, q, i, j);
		rs = i = j;
		if (!w->gso)
			break;
	}
	if (rs < q->n)
		txq_send_raw(w, q, rs, q->n);
}

static void
txq_flush(struct dp_worker *w, struct dp_txq *q)
{
	if (w->gso && q->n > 1)
		txq_flush_gso(w, q);
	else
		txq_send_raw(w, q, 0, q->n);
	q->n = 0;
}

static void
tx_flush_all(struct dp_worker *w)
{
	if (w->gro != NULL)
		gro_flush(w->gro);
	if (w->tx4.n > 0)
		txq_flush(w, &w->tx4);
	if (w->tx6.n > 0)
		txq_flush(w, &w->tx6);
}

/*
 * Queue data[0..len) (it may live in a slot of q or elsewhere until the
 * flush) to `to` of family af, optionally out of interface oif.
 */
static void
txq_add(struct dp_worker *w, struct dp_txq *q, int af, const uint8_t *dst,
    int oif, const uint8_t *data, size_t len, int encap)
{
	struct msghdr	*m = &q->msg[q->n].msg_hdr;
	struct cmsghdr	*c;

	memset(m, 0, sizeof(*m));
	memset(&q->to[q->n], 0, sizeof(q->to[q->n]));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&q->to[q->n];

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, dst, 4);
		m->msg_namelen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 =
		    (struct sockaddr_in6 *)&q->to[q->n];

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, dst, 16);
		m->msg_namelen = sizeof(*sin6);
	}
	m->msg_name = &q->to[q->n];
	q->encap[q->n] = (uint8_t)encap;
	q->iov[q->n].iov_base = (void *)(uintptr_t)data;
	q->iov[q->n].iov_len = len;
	m->msg_iov = &q->iov[q->n];
	m->msg_iovlen = 1;
	if (oif > 0) {
		/*
		 * The output interface of a re-injected packet: the lisp
		 * interface's device, so that overlapping EID prefixes of
		 * different instance-ids reach their own hosts.
		 */
		m->msg_control = q->cmsg[q->n].buf;
		if (af == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_ifindex = oif;
			m->msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(m);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi6;

			memset(&pi6, 0, sizeof(pi6));
			pi6.ipi6_ifindex = (unsigned int)oif;
			m->msg_controllen = CMSG_SPACE(sizeof(pi6));
			c = CMSG_FIRSTHDR(m);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi6));
			memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
		}
	}
	q->n++;
	if (q->n == DP_BATCH)
		txq_flush(w, q);
}

static struct dp_txq *
txq_of(struct dp_worker *w, int af)
{
	return af == AF_INET ? &w->tx4 : &w->tx6;
}

/* A free slot buffer of the queue for af (flushing when full). */
static uint8_t *
txq_slot(struct dp_worker *w, int af)
{
	struct dp_txq	*q = txq_of(w, af);

	if (q->n == DP_BATCH)
		txq_flush(w, q);
	return q->slot[q->n];
}

/* --- dp_path output ---------------------------------------------------- */

static uint8_t *
io_slot(void *arg, int af)
{
	return txq_slot(arg, af);
}

/*
 * The TUN output takes what the ETR decapsulated in place in the receive
 * buffer (it stays there until tx_flush_all()); ICMP errors and packets
 * from other buffers go the raw way, as does what gro refuses.  The
 * kernel routes what comes out of the TUN by its tables alone, so only
 * packets without an output device (oif 0), or with the only one there
 * is (one IID output), take it: instance-ids with overlapping EID
 * prefixes keep the raw path's per-IID output device.
 */
static void
io_emit(void *arg, int af, const uint8_t *dst, int oif, const uint8_t *data,
    size_t len)
{
	struct dp_worker	*w = arg;

	if (w->gro != NULL && (oif == 0 || w->path->t->niidout == 1) &&
	    data >= w->rx.buf &&
	    data + len <= w->rx.buf + (size_t)DP_BATCH * w->rx.size &&
	    gro_add(w->gro, (uint8_t *)(uintptr_t)data, len) == 0)
		return;
	txq_add(w, txq_of(w, af), af, dst, oif, data, len, 0);
}

static void
io_emit_encap(void *arg, int af, const uint8_t *dst, const uint8_t *data,
    size_t len)
{
	struct dp_worker	*w = arg;

	txq_add(w, txq_of(w, af), af, dst, 0, data, len, 1);
}

/* One TUN write (gro.h): a super-packet or a single packet. */
static void
tun_emit(void *arg, const struct iovec *iov, int iovcnt, unsigned int nseg)
{
	struct dp_worker	*w = arg;
	const uint8_t		*ip = iov[1].iov_base;
	int			 fd;

	fd = w->fd[(ip[0] >> 4) == 4 ? PROC_SOCK_TUN4 : PROC_SOCK_TUN6];
	while (writev(fd, iov, iovcnt) == -1) {
		if (errno == EINTR)
			continue;
		LOG_RL(LOG_LVL_DEBUG, "worker %u: TUN write: %s", w->id,
		    strerror(errno));
		ctr_add(w, DPC_TUN_ERROR, 1);
		return;
	}
	if (nseg > 1) {
		ctr_add(w, DPC_TUN_SUPER, 1);
		ctr_add(w, DPC_TUN_MERGED, nseg);
	} else
		ctr_add(w, DPC_TUN_SINGLE, 1);
}

/* A miss: a `discovery` punt to the control plane (dp_cpchan.c). */
static void
io_resolve(void *arg, uint32_t iid, uint8_t afi, const uint8_t *src,
    const uint8_t *dst, unsigned int ci)
{
	struct dp_worker	*w = arg;

	dp_cpchan_miss(w->id, iid, afi, src, dst, ci);
}

/* --- ITR --------------------------------------------------------------- */

static void
itr_stage_flush(struct dp_worker *w)
{
	if (w->nstaged == 0)
		return;
	dp_itr_burst(w->path, w->cur_ci, w->cap[w->cur_ci].dlt, w->staged,
	    w->nstaged);
	w->nstaged = 0;
}

/* One captured frame of capture w->cur_ci: staged, or (large) at once. */
static void
itr_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *frame)
{
	struct dp_worker	*w = (struct dp_worker *)arg;
	struct dp_frame		*f;
	uint8_t			*b;

	if (h->caplen > DP_STAGE_SIZE || w->nstaged == DP_BATCH) {
		/* In order: what is staged goes first. */
		itr_stage_flush(w);
		if (h->caplen > DP_STAGE_SIZE) {
			dp_itr_frame(w->path, w->cur_ci,
			    w->cap[w->cur_ci].dlt, frame, h->caplen, h->len);
			return;
		}
	}
	b = w->stage + (size_t)w->nstaged * DP_STAGE_SIZE;
	memcpy(b, frame, h->caplen);
	f = &w->staged[w->nstaged++];
	f->data = b;
	f->caplen = h->caplen;
	f->len = h->len;
}

/*
 * Segments of a vnet capture's frames (gso.h) are written straight into
 * the stage, so that a 64 KB super-packet's ~45 segments go through
 * dp_itr_burst() together (and its encapsulations into one run of the
 * send batch); a full stage is flushed in the middle, in order.
 */
static uint8_t *
itr_seg_buf(void *arg, size_t len)
{
	struct dp_worker	*w = arg;

	if (len > DP_STAGE_SIZE)
		return len <= DP_PKT_MAX ? w->big : NULL;
	if (w->nstaged == DP_BATCH)
		itr_stage_flush(w);
	return w->stage + (size_t)w->nstaged * DP_STAGE_SIZE;
}

static void
itr_seg_done(void *arg, uint8_t *pkt, size_t len)
{
	struct dp_worker	*w = arg;
	struct dp_frame		*f;

	if (pkt == w->big) {
		itr_stage_flush(w);
		dp_itr_frame(w->path, w->cur_ci, w->cap[w->cur_ci].dlt, pkt,
		    len, len);
		return;
	}
	f = &w->staged[w->nstaged++];
	f->data = pkt;
	f->caplen = (uint32_t)len;
	f->len = (uint32_t)len;
}

static void
itr_vnet(struct dp_worker *w, unsigned int k)
{
	struct dp_vnet_stats	 st;
	struct gso_out		 out;

	memset(&st, 0, sizeof(st));
	out.buf = itr_seg_buf;
	out.done = itr_seg_done;
	out.arg = w;
	w->cur_ci = k;
	dp_vnet_drain(w->vnet, w->cap[k].fd, w->cap[k].vnet_dlt,
	    dp_g.caps->capdev[k], &out, 4, &st);
	itr_stage_flush(w);
	ctr_add(w, DPC_RX_BATCHES, st.syscalls);
	ctr_add(w, DPC_VNET_FRAMES, st.frames);
	ctr_add(w, DPC_VNET_GSO_FRAMES, st.super);
	ctr_add(w, DPC_VNET_GSO_SEGMENTS, st.segments);
	ctr_add(w, DPC_VNET_LONG, st.longer);
	ctr_add(w, DPC_VNET_CSUM, st.csum);
	ctr_add(w, DPC_VNET_REJECTED, st.rejected);
}

/* --- ETR --------------------------------------------------------------- */

/*
 * What the socket told about a datagram's outer header (source, port,
 * TTL, TOS); the same for every segment of a UDP_GRO datagram.
 */
static void
etr_outer(int af, const struct msghdr *m, struct decap_outer *op)
{
	struct decap_outer	 o;
	struct cmsghdr		*c;
	int			 v;

	memset(&o, 0, sizeof(o));
	o.af = af;
	o.ttl = 64;
	o.dport = 4341;
	if (af == AF_INET) {
		const struct sockaddr_in *sin = m->msg_name;

		memcpy(o.src, &sin->sin_addr, 4);
		o.sport = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = m->msg_name;

		memcpy(o.src, &sin6->sin6_addr, 16);
		o.sport = ntohs(sin6->sin6_port);
	}
	/* Outer TTL and TOS: the inner header inherits from them. */
	for (c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			o.ttl = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
			o.tos = *(const uint8_t *)CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			o.ttl = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_TCLASS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			o.tos = (uint8_t)v;
		}
	}
	*op = o;
}

/* The UDP_GRO segment size of a received datagram; 0 when not coalesced. */
static size_t
etr_gro_size(const struct msghdr *m)
{
	struct cmsghdr	*c;
	int		 v;

	for (c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)m, c))
		if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	return 0;
}

/*
 * Point every message of the receive batch at its buffer, address and
 * control space again: recvmmsg() overwrote the lengths and flags.
 */
static void
rxq_arm(struct dp_rxq *rx)
{
	struct msghdr	*m;
	int		 k;

	for (k = 0; k < DP_BATCH; k++) {
		m = &rx->msg[k].msg_hdr;
		rx->iov[k].iov_base = rx->buf + (size_t)k * rx->size;
		rx->iov[k].iov_len = rx->size;
		m->msg_name = &rx->from[k];
		m->msg_namelen = sizeof(rx->from[k]);
		m->msg_iov = &rx->iov[k];
		m->msg_iovlen = 1;
		m->msg_control = rx->cmsg[k];
		m->msg_controllen = sizeof(rx->cmsg[k]);
		m->msg_flags = 0;
	}
}

static void
etr_drain(struct dp_worker *w, int fd, int af)
{
	struct dp_rxq		*rx = &w->rx;
	struct decap_outer	 o;
	uint8_t			*p;
	size_t			 len, seg, n1;
	int			 n, k, rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		rxq_arm(rx);
		n = recvmmsg(fd, rx->msg, DP_BATCH, MSG_DONTWAIT, NULL);
		ctr_add(w, DPC_RX_BATCHES, 1);
		if (n <= 0)
			return;
		for (k = 0; k < n; k++) {
			struct msghdr *m = &rx->msg[k].msg_hdr;

			if (m->msg_flags & MSG_TRUNC) {
				ctr_add(w, DP_DROP_NO_BUFFER, 1);
				continue;
			}
			/*
			 * The inner packets stay in the receive buffer until
			 * the flush below.
			 */
			p = rx->iov[k].iov_base;
			len = rx->msg[k].msg_len;
			etr_outer(af, m, &o);
			seg = etr_gro_size(m);
			if (seg == 0 || seg >= len) {
				dp_etr_packet(w->path, &o, p, len);
				continue;
			}
			/*
			 * UDP_GRO: datagrams of one sender with the same
			 * outer header but the length, seg bytes each but
			 * the last; each is decapsulated on its own.
			 */
			ctr_add(w, DPC_RX_GRO_DATAGRAMS, 1);
			ctr_add(w, DPC_RX_GRO_SEGMENTS, (len + seg - 1) / seg);
			for (; len > 0; p += n1, len -= n1) {
				n1 = len < seg ? len : seg;
				dp_etr_packet(w->path, &o, p, n1);
			}
		}
		/* Re-injected packets point into rx->buf: send them now. */
		tx_flush_all(w);
		if (n < DP_BATCH)
			return;
	}
}

/*
 * NAT-translated data (dp_open.h): whole IP packets as AF_PACKET saw
 * them on the way in, already filtered to UDP 4341 -> etr-nat-port.  The
 * outer headers are parsed here (the kernel has not checked anything
 * yet) and the payload goes the way of UDP 4341's: dp_etr_packet(),
 * LISP-crypto included.
 */
static int
nat_csum_state(const struct msghdr *m)
{
	struct cmsghdr			*c;
	struct tpacket_auxdata		 aux;

	for (c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)m, c))
		if (c->cmsg_level == SOL_PACKET &&
		    c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(aux))) {
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			return (aux.tp_status & (TP_STATUS_CSUMNOTREADY |
			    TP_STATUS_CSUM_VALID)) != 0;
		}
	return 0;
}

/*
 * The kernel vouches for the UDP checksum (TP_STATUS_CSUM_VALID), or the
 * frame was built on this host and only carries the pseudo-header sum
 * (TP_STATUS_CSUMNOTREADY, veth and loopback): zero the field so that
 * decap_outer_parse() does not check it.  The offset is read through
 * rbuf and bounds-checked; nothing is written when it does not fit.
 */
static void
nat_csum_skip(uint8_t *pkt, size_t len)
{
	struct rbuf	 rb;
	uint8_t		 b;
	size_t		 off;

	rbuf_init(&rb, pkt, len);
	if (rbuf_peek_u8(&rb, &b) == -1)
		return;
	if (b >> 4 == 4)
		off = (size_t)(b & 0x0F) * 4;
	else if (b >> 4 == 6)
		off = PKT_IP6_HDR_LEN;
	else
		return;
	if (off + 8 > len)
		return;
	pkt[off + 6] = 0;
	pkt[off + 7] = 0;
}

static void
nat_drain(struct dp_worker *w)
{
	struct dp_rxq		*rx = &w->rx;
	struct decap_outer	 o;
	size_t			 off, plen;
	enum dp_drop		 d;
	int			 n, k, rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		rxq_arm(rx);
		n = recvmmsg(w->natfd, rx->msg, DP_BATCH, MSG_DONTWAIT, NULL);
		ctr_add(w, DPC_RX_BATCHES, 1);
		if (n <= 0)
			return;
		for (k = 0; k < n; k++) {
			struct msghdr		*m = &rx->msg[k].msg_hdr;
			const struct sockaddr_ll *sll = m->msg_name;
			uint8_t			*pkt = rx->iov[k].iov_base;
			size_t			 len = rx->msg[k].msg_len;

			/* Sent by this host: not for the ETR. */
			if (m->msg_namelen >= sizeof(*sll) &&
			    sll->sll_pkttype == PACKET_OUTGOING)
				continue;
			ctr_add(w, DPC_NAT_CAPTURED, 1);
			if (m->msg_flags & MSG_TRUNC) {
				ctr_add(w, DP_DROP_NO_BUFFER, 1);
				continue;
			}
			if (nat_csum_state(m))
				nat_csum_skip(pkt, len);
			d = decap_outer_parse(pkt, len, &o, &off, &plen);
			if (d != DP_DROP_NONE) {
				ctr_add(w, d, 1);
				continue;
			}
			dp_etr_packet(w->path, &o, pkt + off, plen);
		}
		tx_flush_all(w);
		if (n < DP_BATCH)
			return;
	}
}

/* A new NAT capture from the main thread replaces ours. */
static void
nat_take(struct dp_worker *w, struct pollfd *slot)
{
	int	 fd;

	if (__atomic_load_n(&w->natfd_next, __ATOMIC_RELAXED) == -1)
		return;
	fd = __atomic_exchange_n(&w->natfd_next, -1, __ATOMIC_ACQ_REL);
	if (fd == -1)
		return;
	if (w->natfd != -1)
		close(w->natfd);
	w->natfd = fd;
	slot->fd = fd;
	slot->revents = 0;
}

void
dp_worker_natcap(struct dp_worker *w, int fd)
{
	int	 old;

	old = __atomic_exchange_n(&w->natfd_next, fd, __ATOMIC_ACQ_REL);
	/* Never taken: the worker did not run since the last hand-over. */
	if (old != -1)
		close(old);
}

/* --- the loop ---------------------------------------------------------- */

/*
 * Drops the kernel counts for us, read once a second: the capture rings
 * (full ring) and the UDP 4341 sockets (full receive queue, from the
 * socket's SK_MEMINFO_DROPS).  Both are totals since the descriptors
 * were opened, so the counters are set, not added to.
 */
static void
worker_kernel_drops(struct dp_worker *w)
{
	struct pcap_stat	 ps;
	uint32_t		 mi[SK_MEMINFO_VARS];
	socklen_t		 len;
	uint64_t		 drops = 0, udrops = 0;
	unsigned int		 k;
	int			 fd;

	for (k = 0; k < w->ncap; k++) {
		if (w->cap[k].vnet) {
			w->cap[k].vnet_drops += dp_vnet_drops(w->cap[k].fd);
			drops += w->cap[k].vnet_drops;
		} else if (pcap_stats(w->cap[k].pcap, &ps) == 0)
			drops += ps.ps_drop;
	}
	__atomic_store_n(&w->path->ctr[DPC_PCAP_DROPS], drops,
	    __ATOMIC_RELAXED);
	for (k = 0; k < 2; k++) {
		fd = w->fd[k == 0 ? PROC_SOCK_UDP4 : PROC_SOCK_UDP6];
		len = sizeof(mi);
		memset(mi, 0, sizeof(mi));
		if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof(mi[0]))
			udrops += mi[SK_MEMINFO_DROPS];
	}
	__atomic_store_n(&w->path->ctr[DPC_UDP_DROPS], udrops,
	    __ATOMIC_RELAXED);
}

static void *
worker_main(void *arg)
{
	struct dp_worker	*w = arg;
	struct pollfd		 pfd[64 + 4];
	unsigned int		 k, npfd = 0, wake = 0, nat;
	uint64_t		 ev;
	uint64_t		 last_tick = 0;
	int			 r, rounds;

	rcu_register_thread();
	for (k = 0; k < w->ncap && k < 64; k++) {
		pfd[npfd].fd = w->cap[k].fd;
		pfd[npfd++].events = POLLIN;
	}
	pfd[npfd].fd = w->fd[PROC_SOCK_UDP4];
	pfd[npfd++].events = POLLIN;
	pfd[npfd].fd = w->fd[PROC_SOCK_UDP6];
	pfd[npfd++].events = POLLIN;
	/* Woken by the main thread after map-cache changes. */
	if (dp_cpchan_wakefd(w->id) != -1) {
		wake = npfd;
		pfd[npfd].fd = dp_cpchan_wakefd(w->id);
		pfd[npfd++].events = POLLIN;
	}
	/* The NAT capture's slot: fd -1 (ignored) until one arrives. */
	nat = npfd;
	pfd[npfd].fd = w->natfd;
	pfd[npfd++].events = POLLIN;

	while (!__atomic_load_n(&dp_g.stop, __ATOMIC_RELAXED)) {
		nat_take(w, &pfd[nat]);
		rcu_thread_offline();
		r = poll(pfd, npfd, 200);
		rcu_thread_online();
		if (r == -1 && errno != EINTR) {
			log_warn("worker %u: poll", w->id);
			break;
		}
		w->path->now = now_ns();
		w->path->t = rcu_dereference(dp_g.tables);
		if (w->path->t == NULL)
			goto quiesce;
		for (k = 0; k < w->ncap; k++) {
			if ((pfd[k].revents & (POLLIN | POLLERR)) == 0)
				continue;
			if (w->cap[k].vnet) {
				itr_vnet(w, k);
				continue;
			}
			w->cur_ci = k;
			for (rounds = 0; rounds < 4; rounds++) {
				r = pcap_dispatch(w->cap[k].pcap, DP_BATCH,
				    itr_frame, (u_char *)w);
				itr_stage_flush(w);
				ctr_add(w, DPC_RX_BATCHES, 1);
				if (r < DP_BATCH)
					break;
			}
			if (r == PCAP_ERROR)
				LOG_RL(LOG_LVL_WARN, "capture %s: %s",
				    dp_g.caps->capdev[k],
				    pcap_geterr(w->cap[k].pcap));
		}
		tx_flush_all(w);
		if (pfd[w->ncap].revents & POLLIN)
			etr_drain(w, w->fd[PROC_SOCK_UDP4], AF_INET);
		if (pfd[w->ncap + 1].revents & POLLIN)
			etr_drain(w, w->fd[PROC_SOCK_UDP6], AF_INET6);
		if (pfd[nat].fd != -1 && (pfd[nat].revents & POLLIN))
			nat_drain(w);
		if (wake > 0 && (pfd[wake].revents & POLLIN))
			(void)read(pfd[wake].fd, &ev, sizeof(ev));
		if (__atomic_load_n(&dp_g.mc_gen, __ATOMIC_ACQUIRE) !=
		    w->seen_mc_gen ||
		    w->path->now - last_tick > 1000000000ULL) {
			w->seen_mc_gen = __atomic_load_n(&dp_g.mc_gen,
			    __ATOMIC_ACQUIRE);
			dp_path_pending_run(w->path);
			tx_flush_all(w);
			if (w->path->now - last_tick > 1000000000ULL) {
				worker_kernel_drops(w);
				last_tick = w->path->now;
			}
		}
quiesce:
		w->path->t = NULL;
		mapcache_quiescent(dp_g.mc, w->id);
	}
	rcu_unregister_thread();
	return NULL;
}

static int
txq_init(struct dp_txq *q, int fd, int af)
{
	unsigned int	 k;

	q->fd = fd;
	q->af = af;
	for (k = 0; k < DP_BATCH; k++)
		if ((q->slot[k] = malloc(DP_SLOT_SIZE)) == NULL)
			return -1;
	return 0;
}

static void
txq_free(struct dp_txq *q)
{
	unsigned int	 k;

	for (k = 0; k < DP_BATCH; k++)
		free(q->slot[k]);
}

/*
 * UDP_SEGMENT known to this kernel (4.18+)?  An older one would ignore
 * the cmsg and send the whole run as one datagram: probe once.
 */
static int
worker_gso(void)
{
	static int	 warned;
	int		 fd, v = 1400, ok;

	if ((dp_offloads() & DP_OFFLOAD_GSO) == 0)
		return 0;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP)) ==
	    -1)
		return 0;
	ok = setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &v, sizeof(v)) == 0;
	if (!ok && !warned) {
		warned = 1;
		log_warn("UDP_SEGMENT; sending unbatched");
	}
	close(fd);
	return ok;
}

/* UDP_GRO on (one of) the 4341 sockets: receive buffers for 64 KB. */
static int
worker_gro(const struct dp_worker *w)
{
	socklen_t	 len;
	int		 v, k;

	for (k = 0; k < 2; k++) {
		v = 0;
		len = sizeof(v);
		if (getsockopt(w->fd[k == 0 ? PROC_SOCK_UDP4 : PROC_SOCK_UDP6],
		    IPPROTO_UDP, UDP_GRO, &v, &len) == 0 && v != 0)
			return 1;
	}
	return 0;
}

struct dp_worker *
dp_worker_new(unsigned int id)
{
	struct dp_worker	*w;
	struct dp_path_io	 io;
	unsigned int		 k;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->id = id;
	w->natfd = w->natfd_next = -1;
	memset(&io, 0, sizeof(io));
	io.slot = io_slot;
	io.emit = io_emit;
	io.emit_encap = io_emit_encap;
	io.resolve = io_resolve;
	io.arg = w;
	for (k = 0; k < PROC_SOCK_MAX; k++)
		w->fd[k] = dp_g.fds[id][k];
	w->ncap = dp_g.caps->nifaces;
	w->cap = &dp_g.caps->cap[id * dp_g.caps->nifaces];
	for (k = 0; k < DP_GSO_SOCKS; k++)
		w->gsock[k].fd = -1;
	for (k = 0; k < w->ncap; k++)
		if (w->cap[k].vnet && w->vnet == NULL &&
		    (w->vnet = dp_vnet_new()) == NULL) {
			dp_worker_free(w);
			return NULL;
		}
	w->gso = worker_gso();
	w->rx.size = worker_gro(w) ? DP_RX_GRO_SIZE : DP_RX_SIZE;
	if (w->fd[PROC_SOCK_TUN4] != -1 || w->fd[PROC_SOCK_TUN6] != -1) {
		/* TTL raised for the kernel's forwarding hop: gro.h. */
		w->gro = gro_new(GRO_TTL_INC |
		    (w->fd[PROC_SOCK_TUN4] != -1 ? GRO_INET : 0) |
		    (w->fd[PROC_SOCK_TUN6] != -1 ? GRO_INET6 : 0),
		    tun_emit, w);
		if (w->gro == NULL) {
			dp_worker_free(w);
			return NULL;
		}
	}
	if ((w->path = dp_path_new(dp_g.mc, id, &io)) == NULL ||
	    txq_init(&w->tx4, w->fd[PROC_SOCK_RAW4], AF_INET) == -1 ||
	    txq_init(&w->tx6, w->fd[PROC_SOCK_RAW6], AF_INET6) == -1 ||
	    (w->rx.buf = malloc((size_t)DP_BATCH * w->rx.size)) == NULL ||
	    (w->stage = malloc((size_t)DP_BATCH * DP_STAGE_SIZE)) == NULL ||
	    (w->big = malloc(DP_PKT_MAX)) == NULL) {
		dp_worker_free(w);
		return NULL;
	}
	return w;
}

int
dp_worker_start(struct dp_worker *w)
{
	if ((errno = pthread_create(&w->th, NULL, worker_main, w)) != 0)
		return -1;
	w->started = 1;
	return 0;
}

void
dp_worker_join(struct dp_worker *w)
{
	if (w != NULL && w->started) {
		pthread_join(w->th, NULL);
		w->started = 0;
	}
}

void
dp_worker_free(struct dp_worker *w)
{
	unsigned int	 k;

	if (w == NULL)
		return;
	if (w->natfd != -1)
		close(w->natfd);
	if (w->natfd_next != -1)
		close(w->natfd_next);
	for (k = 0; k < DP_GSO_SOCKS; k++)
		if (w->gsock[k].fd != -1)
			close(w->gsock[k].fd);
	txq_free(&w->tx4);
	txq_free(&w->tx6);
	gro_free(w->gro);
	free(w->rx.buf);
	free(w->stage);
	free(w->big);
	dp_vnet_free(w->vnet);
	dp_path_free(w->path);
	free(w);
}
