/* SPDX-License-Identifier: ISC */
/*
 * udpblast: a UDP load generator and sink for the namespace test bed and
 * the data-path benchmarks.  Both sides move packets in sendmmsg/recvmmsg
 * batches so that the generator costs far fewer system calls per packet
 * than the paths it measures.
 *
 *	udpblast send -d ADDR -p PORT [-s SIZE] [-t SECONDS] [-r PPS]
 *	    [-b BATCH] [-f FLOWS] [-j]
 *	udpblast recv -p PORT [-t SECONDS] [-i IDLE] [-b BATCH] [-B ADDR] [-j]
 *
 * SIZE is the UDP payload size.  FLOWS senders (sockets, so distinct
 * source ports) take turns batch by batch.  The receiver counts what
 * actually arrived and stops after SECONDS, or IDLE seconds after the last
 * packet once traffic has started; its rate is taken over the time between
 * the first and the last packet.  Results are "name: value" lines, or one
 * JSON object with -j.  The receiver writes "listening" to stderr once
 * bound, so that scripts can wait for it.
 *
 * Payload of every packet whose SIZE allows it (16 bytes or more):
 *
 *	 0                   1                   2                   3
 *	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                     Magic "UBL1" 0x55424c31                   |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                           Flow index                          |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                  Sequence number (64 bits)                    |
 *	+                                                               +
 *	|                                                               |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                     zero padding to SIZE ...                  |
 *
 * The receiver counts datagrams without it as "foreign", and packets whose
 * sequence number is below the next one expected from the same source
 * port as "reordered" (keyed by port rather than by the flow field so that
 * successive senders do not mix; two hosts using the same port would).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

#define UB_MAGIC	0x55424c31u
#define UB_HDRLEN	16
#define UB_MAXBATCH	1024
#define UB_MAXFLOWS	256
#define UB_MAXSIZE	65507

struct ub_opts {
	const char	*addr;
	const char	*port;
	size_t		 size;
	double		 seconds;
	double		 idle;
	double		 rate;
	unsigned int	 batch;
	unsigned int	 flows;
	int		 json;
};

struct ub_result {
	const char	*role;
	uint64_t	 packets;
	uint64_t	 bytes;
	uint64_t	 errors;	/* send: failed sendmmsg calls */
	uint64_t	 reordered;	/* recv */
	uint64_t	 foreign;	/* recv */
	uint64_t	 sockdrops;	/* recv: SO_RXQ_OVFL */
	double		 seconds;
};

static volatile sig_atomic_t	 ub_stop;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: udpblast send -d ADDR -p PORT [-s SIZE] [-t SECONDS] "
	    "[-r PPS] [-b BATCH] [-f FLOWS] [-j]\n"
	    "       udpblast recv -p PORT [-t SECONDS] [-i IDLE] [-b BATCH] "
	    "[-B ADDR] [-j]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	ub_stop = 1;
}

static double
now_sec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
parse_num(const char *s, double min, double max, const char *what)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "udpblast: bad %s '%s'\n", what, s);
		usage();
	}
	return v;
}

static int
resolve(const char *addr, const char *port, int passive,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
	    (passive ? AI_PASSIVE : 0);
	if ((rc = getaddrinfo(addr, port, &hints, &res)) != 0) {
		log_warnx("%s port %s: %s", addr ? addr : "*", port,
		    gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
print_result(const struct ub_result *r, int json)
{
	double	 pps, mbps;

	pps = r->seconds > 0 ? (double)r->packets / r->seconds : 0;
	mbps = r->seconds > 0 ? (double)r->bytes * 8 / r->seconds / 1e6 : 0;
	if (json) {
		printf("{\"role\": \"%s\", \"packets\": %llu, "
		    "\"bytes\": %llu, \"seconds\": %.6f, \"pps\": %.0f, "
		    "\"mbps\": %.3f, \"errors\": %llu, \"reordered\": %llu, "
		    "\"foreign\": %llu, \"sockdrops\": %llu}\n",
		    r->role, (unsigned long long)r->packets,
		    (unsigned long long)r->bytes, r->seconds, pps, mbps,
		    (unsigned long long)r->errors,
		    (unsigned long long)r->reordered,
		    (unsigned long long)r->foreign,
		    (unsigned long long)r->sockdrops);
		return;
	}
	printf("role: %s\n", r->role);
	printf("packets: %llu\n", (unsigned long long)r->packets);
	printf("bytes: %llu\n", (unsigned long long)r->bytes);
	printf("seconds: %.6f\n", r->seconds);
	printf("pps: %.0f\n", pps);
	printf("mbps: %.3f\n", mbps);
	if (strcmp(r->role, "send") == 0)
		printf("errors: %llu\n", (unsigned long long)r->errors);
	else {
		printf("reordered: %llu\n", (unsigned long long)r->reordered);
		printf("foreign: %llu\n", (unsigned long long)r->foreign);
		printf("sockdrops: %llu\n", (unsigned long long)r->sockdrops);
	}
}

static int
do_send(const struct ub_opts *o)
{
	struct sockaddr_storage	 dst;
	socklen_t		 dstlen;
	struct mmsghdr		*msgs = NULL;
	struct iovec		*iov = NULL;
	uint8_t			*bufs = NULL;
	int			 fds[UB_MAXFLOWS];
	uint64_t		 seq[UB_MAXFLOWS];
	struct ub_result	 r;
	unsigned int		 i, n, f, nfds = 0;
	double			 start, now, end;
	int			 sndbuf = 4 << 20, ret = 1;

	memset(&r, 0, sizeof(r));
	memset(seq, 0, sizeof(seq));
	r.role = "send";
	if (resolve(o->addr, o->port, 0, &dst, &dstlen) == -1)
		return 1;
	for (f = 0; f < o->flows; f++) {
		fds[f] = socket(dst.ss_family, SOCK_DGRAM, 0);
		if (fds[f] == -1) {
			log_warn("socket");
			goto out;
		}
		nfds++;
		(void)setsockopt(fds[f], SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
		if (connect(fds[f], (struct sockaddr *)&dst, dstlen) == -1) {
			log_warn("connect %s", o->addr);
			goto out;
		}
	}
	msgs = calloc(o->batch, sizeof(*msgs));
	iov = calloc(o->batch, sizeof(*iov));
	bufs = calloc(o->batch, o->size);
	if (msgs == NULL || iov == NULL || bufs == NULL) {
		log_warn("calloc");
		goto out;
	}
	for (i = 0; i < o->batch; i++) {
		iov[i].iov_base = bufs + (size_t)i * o->size;
		iov[i].iov_len = o->size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	start = now = now_sec();
	end = start + o->seconds;
	f = 0;
	while (!ub_stop && now < end) {
		n = o->batch;
		if (o->rate > 0) {
			double	 allowed;

			allowed = o->rate * (now - start) - (double)r.packets;
			if (allowed < 1) {
				struct timespec ts = { 0, 50000 };

				nanosleep(&ts, NULL);
				now = now_sec();
				continue;
			}
			if (allowed < n)
				n = (unsigned int)allowed;
		}
		if (o->size >= UB_HDRLEN) {
			for (i = 0; i < n; i++) {
				struct wbuf	 wb;

				wbuf_init(&wb, iov[i].iov_base, UB_HDRLEN);
				wbuf_put_u32(&wb, UB_MAGIC);
				wbuf_put_u32(&wb, f);
				wbuf_put_u64(&wb, seq[f]++);
			}
		}
		ret = sendmmsg(fds[f], msgs, n, 0);
		if (ret == -1) {
			/*
			 * ECONNREFUSED (an ICMP port unreachable came back)
			 * and ENOBUFS are part of the measurement, not
			 * reasons to stop.
			 */
			if (errno != EINTR)
				r.errors++;
			if (o->size >= UB_HDRLEN)
				seq[f] -= n;
		} else {
			r.packets += (uint64_t)ret;
			r.bytes += (uint64_t)ret * o->size;
			if (o->size >= UB_HDRLEN)
				seq[f] -= n - (unsigned int)ret;
		}
		f = (f + 1) % nfds;
		now = now_sec();
	}
	r.seconds = now - start;
	print_result(&r, o->json);
	ret = 0;
out:
	for (f = 0; f < nfds; f++)
		close(fds[f]);
	free(msgs);
	free(iov);
	free(bufs);
	return ret;
}

/* Read the payload header; -1 when the datagram is not ours. */
static int
parse_payload(const uint8_t *p, size_t len, uint32_t *flow, uint64_t *seq)
{
	struct rbuf	 rb;
	uint32_t	 magic;

	rbuf_init(&rb, p, len);
	if (rbuf_get_u32(&rb, &magic) == -1 || magic != UB_MAGIC ||
	    rbuf_get_u32(&rb, flow) == -1 || rbuf_get_u64(&rb, seq) == -1)
		return -1;
	if (*flow >= UB_MAXFLOWS)
		return -1;
	return 0;
}

static uint16_t
src_port(const struct sockaddr_storage *ss)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	if (ss->ss_family == AF_INET) {
		memcpy(&sin, ss, sizeof(sin));
		return ntohs(sin.sin_port);
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(&sin6, ss, sizeof(sin6));
		return ntohs(sin6.sin6_port);
	}
	return 0;
}

static int
do_recv(const struct ub_opts *o)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct mmsghdr		*msgs = NULL;
	struct iovec		*iov = NULL;
	uint8_t			*bufs = NULL, *ctl = NULL;
	struct sockaddr_storage	*names = NULL;
	uint64_t		*next = NULL;
	struct ub_result	 r;
	struct timeval		 tv = { 0, 100000 };
	const size_t		 bufsz = UB_MAXSIZE, ctlsz = CMSG_SPACE(4);
	double			 start, now, first = 0, last = 0;
	unsigned int		 i;
	int			 fd = -1, on = 1, off = 0, rcvbuf = 32 << 20;
	int			 n, ret = 1;

	memset(&r, 0, sizeof(r));
	r.role = "recv";
	if (resolve(o->addr != NULL ? o->addr : "::", o->port, 1, &ss,
	    &sslen) == -1)
		return 1;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1) {
		log_warn("socket");
		goto out;
	}
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off));
	/* FORCE needs CAP_NET_ADMIN; fall back to the capped size. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	(void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		log_warn("bind port %s", o->port);
		goto out;
	}

	msgs = calloc(o->batch, sizeof(*msgs));
	iov = calloc(o->batch, sizeof(*iov));
	bufs = calloc(o->batch, bufsz);
	ctl = calloc(o->batch, ctlsz);
	names = calloc(o->batch, sizeof(*names));
	next = calloc(65536, sizeof(*next));
	if (msgs == NULL || iov == NULL || bufs == NULL || ctl == NULL ||
	    names == NULL || next == NULL) {
		log_warn("calloc");
		goto out;
	}
	for (i = 0; i < o->batch; i++) {
		iov[i].iov_base = bufs + (size_t)i * bufsz;
		iov[i].iov_len = bufsz;
	}
	fprintf(stderr, "udpblast: listening on port %s\n", o->port);

	start = now = now_sec();
	while (!ub_stop && now < start + o->seconds) {
		for (i = 0; i < o->batch; i++) {
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &names[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
			msgs[i].msg_hdr.msg_control = ctl + i * ctlsz;
			msgs[i].msg_hdr.msg_controllen = ctlsz;
		}
		n = recvmmsg(fd, msgs, o->batch, 0, NULL);
		now = now_sec();
		if (n <= 0) {
			if (n == -1 && errno != EAGAIN && errno != EINTR) {
				log_warn("recvmmsg");
				goto out;
			}
			if (r.packets > 0 && now - last >= o->idle)
				break;
			continue;
		}
		if (r.packets == 0)
			first = now;
		last = now;
		for (i = 0; i < (unsigned int)n; i++) {
			struct msghdr	*mh = &msgs[i].msg_hdr;
			struct cmsghdr	*cm;
			uint32_t	 flow, drops;
			uint64_t	 seq;
			uint16_t	 sport;

			r.packets++;
			r.bytes += msgs[i].msg_len;
			sport = src_port(&names[i]);
			if (parse_payload(iov[i].iov_base, msgs[i].msg_len,
			    &flow, &seq) == -1)
				r.foreign++;
			else if (seq < next[sport])
				r.reordered++;
			else
				next[sport] = seq + 1;
			for (cm = CMSG_FIRSTHDR(mh); cm != NULL;
			    cm = CMSG_NXTHDR(mh, cm)) {
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SO_RXQ_OVFL &&
				    cm->cmsg_len >= CMSG_LEN(sizeof(drops))) {
					memcpy(&drops, CMSG_DATA(cm),
					    sizeof(drops));
					r.sockdrops = drops;
				}
			}
		}
	}
	/*
	 * The rate is over the span from the first to the last batch; a
	 * single batch has no span, so fall back to the whole wait.
	 */
	r.seconds = last > first ? last - first : now - start;
	print_result(&r, o->json);
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	free(msgs);
	free(iov);
	free(bufs);
	free(ctl);
	free(names);
	free(next);
	return ret;
}

int
main(int argc, char *argv[])
{
	struct ub_opts		 o;
	struct sigaction	 sa;
	int			 ch, sending;

	log_init(1, LOG_LVL_INFO, 0);
	log_procinit("udpblast");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "send") == 0)
		sending = 1;
	else if (strcmp(argv[1], "recv") == 0)
		sending = 0;
	else
		usage();
	argc--;
	argv++;

	memset(&o, 0, sizeof(o));
	o.size = 64;
	o.seconds = 3;
	o.idle = 1;
	o.batch = 64;
	o.flows = 1;
	while ((ch = getopt(argc, argv, "B:b:d:f:i:jp:r:s:t:")) != -1) {
		switch (ch) {
		case 'B':
		case 'd':
			o.addr = optarg;
			break;
		case 'b':
			o.batch = (unsigned int)parse_num(optarg, 1,
			    UB_MAXBATCH, "batch");
			break;
		case 'f':
			o.flows = (unsigned int)parse_num(optarg, 1,
			    UB_MAXFLOWS, "flows");
			break;
		case 'i':
			o.idle = parse_num(optarg, 0.01, 3600, "idle");
			break;
		case 'j':
			o.json = 1;
			break;
		case 'p':
			(void)parse_num(optarg, 1, 65535, "port");
			o.port = optarg;
			break;
		case 'r':
			o.rate = parse_num(optarg, 0, 1e9, "rate");
			break;
		case 's':
			o.size = (size_t)parse_num(optarg, 1, UB_MAXSIZE,
			    "size");
			break;
		case 't':
			o.seconds = parse_num(optarg, 0.01, 86400, "seconds");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.port == NULL ||
	    (sending && o.addr == NULL))
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	return sending ? do_send(&o) : do_recv(&o);
}
