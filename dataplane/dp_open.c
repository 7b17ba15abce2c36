/* SPDX-License-Identifier: ISC */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dp_open.h"
#include "dp_vnet.h"
#include "dp_tun.h"
#include "lisp_data.h"
#include "log.h"

#ifndef UDP_NO_CHECK6_RX
#define UDP_NO_CHECK6_RX	102
#endif

/* Room for bursts while a worker is busy: 8 MiB of ring per capture. */
#define DP_PCAP_BUFFER		(8 * 1024 * 1024)
#define DP_PCAP_SNAPLEN		65535
#define DP_SOCK_BUFFER		(4 * 1024 * 1024)

int
dp_capture_device(const char *device, char *out, size_t outlen)
{
	char	 sister[IFNAMSIZ + 1];

	if (strncmp(device, "dbo1x", 5) != 0 &&
	    (size_t)snprintf(sister, sizeof(sister), "s%s", device) <
	    IFNAMSIZ && if_nametoindex(sister) != 0) {
		snprintf(out, outlen, "%s", sister);
		return 1;
	}
	snprintf(out, outlen, "%s", device);
	return 0;
}

static int
dp_if_noarp(const char *dev)
{
	struct ifreq	 ifr;
	int		 s, noarp = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		noarp = (ifr.ifr_flags & IFF_NOARP) != 0;
	close(s);
	return noarp;
}

/*
 * Captured frames must be real packets: with segmentation or checksum
 * offload on the captured device the ring sees 64 KB super-packets with
 * unfinished checksums.  The legacy data plane ran "ethtool -K <dev> tx
 * off sg off tso off gso off" for the same reason; receive offload
 * (GRO) matters for devices captured inbound.  Failures are logged
 * only: a device without the feature has nothing to turn off.  The vnet
 * captures (dp_vnet.h) want the opposite and turn them back on (`on`),
 * also after an earlier pcap-mode run left them off.
 */
static void
dp_offload_set(const char *dev, uint32_t on)
{
	static const uint32_t	 cmds[] = { ETHTOOL_STSO, ETHTOOL_SGSO,
	    ETHTOOL_SGRO, ETHTOOL_SSG, ETHTOOL_STXCSUM };
	struct ethtool_value	 ev;
	struct ifreq		 ifr;
	size_t			 k;
	int			 s;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		memset(&ifr, 0, sizeof(ifr));
		memset(&ev, 0, sizeof(ev));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		ev.cmd = cmds[k];
		ev.data = on;
		ifr.ifr_data = (void *)&ev;
		if (ioctl(s, SIOCETHTOOL, &ifr) == -1)
			log_debug("%s: ethtool command %#x: %s", dev,
			    cmds[k], strerror(errno));
	}
	close(s);
}

static pcap_t *
dp_pcap_open(const char *dev, int fanout_id, int fanout, int *dlt)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program	 prog;
	pcap_t			*p;
	int			 fd, arg;

	errbuf[0] = '\0';
	if ((p = pcap_create(dev, errbuf)) == NULL) {
		log_warnx("pcap_create %s: %s", dev, errbuf);
		return NULL;
	}
	if (pcap_set_snaplen(p, DP_PCAP_SNAPLEN) != 0 ||
	    pcap_set_promisc(p, 0) != 0 ||
	    pcap_set_immediate_mode(p, 1) != 0 ||
	    pcap_set_buffer_size(p, DP_PCAP_BUFFER) != 0)
		goto fail;
	if (pcap_activate(p) < 0)
		goto fail;
	if (pcap_setdirection(p, dp_if_noarp(dev) ? PCAP_D_OUT : PCAP_D_IN)
	    != 0)
		goto fail;
	*dlt = pcap_datalink(p);
	if (*dlt != DLT_EN10MB && *dlt != DLT_RAW &&
	    *dlt != DLT_LINUX_SLL) {
		log_warnx("%s: unsupported link type %d", dev, *dlt);
		pcap_close(p);
		return NULL;
	}
	if (pcap_compile(p, &prog, "ip or ip6", 1, PCAP_NETMASK_UNKNOWN)
	    != 0)
		goto fail;
	if (pcap_setfilter(p, &prog) != 0) {
		pcap_freecode(&prog);
		goto fail;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(p, 1, errbuf) != 0)
		goto fail;
	fd = pcap_get_selectable_fd(p);
	if (fanout) {
		/*
		 * One group per interface: the kernel spreads flows over the
		 * workers' rings by the skb flow hash, so a flow stays on
		 * one worker and in order.
		 */
		arg = (fanout_id & 0xffff) | (PACKET_FANOUT_HASH << 16);
		if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg,
		    sizeof(arg)) == -1) {
			log_warn("%s: PACKET_FANOUT", dev);
			pcap_close(p);
			return NULL;
		}
	}
	return p;
fail:
	log_warnx("pcap %s: %s", dev, pcap_geterr(p));
	pcap_close(p);
	return NULL;
}

/*
 * Interface i captured by vnet sockets (dp_vnet.h), its offloads turned
 * (back) on: 0, or -1 (logged, nothing left open) and pcap takes over.
 */
static int
dp_captures_vnet(struct dp_captures *dc, unsigned int i, int fanout_id)
{
	unsigned int	 w, n = dc->nifaces;
	int		 out = dp_if_noarp(dc->capdev[i]), fd;

	dp_offload_set(dc->capdev[i], 1);
	for (w = 0; w < dc->nworkers; w++) {
		struct dp_capture *c = &dc->cap[w * n + i];

		if ((fd = dp_vnet_open(dc->capdev[i], fanout_id,
		    dc->nworkers > 1, out, &c->vnet_dlt)) == -1)
			goto fail;
		c->fd = fd;
		c->vnet = 1;
		c->dlt = DLT_RAW;
	}
	log_info("capturing on %s for lisp interface %s%s with offloads "
	    "(vnet, %s)", dc->capdev[i], dc->device[i],
	    strcmp(dc->capdev[i], dc->device[i]) ? " (sister)" : "",
	    out ? "outgoing" : "incoming");
	return 0;
fail:
	for (w = 0; w < dc->nworkers; w++) {
		struct dp_capture *c = &dc->cap[w * n + i];

		if (c->fd != -1)
			close(c->fd);
		c->fd = -1;
		c->vnet = 0;
	}
	log_warnx("%s: vnet capture unavailable, capturing with pcap",
	    dc->capdev[i]);
	return -1;
}

struct dp_captures *
dp_captures_open(const struct lisp_config *cfg, unsigned int nworkers)
{
	struct dp_captures	*dc;
	unsigned int		 w, i, n = 0;
	size_t			 k;
	int			 vnet = (dp_offloads() & DP_OFFLOAD_VNET) != 0;

	if ((dc = calloc(1, sizeof(*dc))) == NULL)
		return NULL;
	dc->nworkers = nworkers;
	dc->device = calloc(cfg->nifaces + 1, sizeof(*dc->device));
	dc->capdev = calloc(cfg->nifaces + 1, sizeof(*dc->capdev));
	if (dc->device == NULL || dc->capdev == NULL)
		goto fail;
	for (k = 0; k < cfg->nifaces; k++) {
		const char	*dev = cfg->ifaces[k].device;

		if (dev == NULL || *dev == '\0') {
			log_warnx("lisp interface %s: no device, not captured",
			    cfg->ifaces[k].name ? cfg->ifaces[k].name : "?");
			continue;
		}
		if (strlen(dev) >= IFNAMSIZ) {
			log_warnx("lisp interface device %s: name too long",
			    dev);
			goto fail;
		}
		for (i = 0; i < n; i++)
			if (strcmp(dc->device[i], dev) == 0)
				break;
		if (i < n)
			continue;	/* same device twice: capture once */
		snprintf(dc->device[n], IFNAMSIZ, "%s", dev);
		dp_capture_device(dev, dc->capdev[n], IFNAMSIZ);
		n++;
	}
	dc->nifaces = n;
	if ((dc->cap = calloc((size_t)nworkers * (n + 1), sizeof(*dc->cap)))
	    == NULL)
		goto fail;
	for (w = 0; w < nworkers; w++)
		for (i = 0; i < n; i++)
			dc->cap[w * n + i].fd = -1;
	for (i = 0; i < n; i++) {
		int	 fanout_id = (int)((getpid() * 31 + i) & 0xffff);

		/*
		 * Before the rings are made: in immediate mode libpcap uses
		 * a TPACKET_V2 ring of fixed-size frames, sized for the MTU
		 * only when the device has no offloads and for the 64 KB
		 * snap length otherwise -- 128 frames in 8 MiB instead of
		 * 5000, and a burst of 128 packets overflowed the ring.
		 */
		if (vnet && dp_captures_vnet(dc, i, fanout_id) == 0)
			continue;
		dp_offload_set(dc->capdev[i], 0);
		for (w = 0; w < nworkers; w++) {
			struct dp_capture *c = &dc->cap[w * n + i];
			pcap_t		  *p;

			p = dp_pcap_open(dc->capdev[i], fanout_id,
			    nworkers > 1, &c->dlt);
			if (p == NULL)
				goto fail;
			c->pcap = p;
			c->fd = pcap_get_selectable_fd(p);
		}
		log_info("capturing on %s for lisp interface %s%s",
		    dc->capdev[i], dc->device[i],
		    strcmp(dc->capdev[i], dc->device[i]) ? " (sister)" : "");
	}
	return dc;
fail:
	dp_captures_free(dc);
	return NULL;
}

void
dp_captures_free(struct dp_captures *dc)
{
	unsigned int	 k;

	if (dc == NULL)
		return;
	if (dc->cap != NULL)
		for (k = 0; k < dc->nworkers * dc->nifaces; k++) {
			if (dc->cap[k].pcap != NULL)
				pcap_close(dc->cap[k].pcap);
			else if (dc->cap[k].vnet && dc->cap[k].fd != -1)
				close(dc->cap[k].fd);
		}
	free(dc->cap);
	free(dc->device);
	free(dc->capdev);
	free(dc);
}

static void
dp_sockbuf(int s, int opt_force, int opt)
{
	int	 v = DP_SOCK_BUFFER;

	/* Root may exceed rmem_max/wmem_max; fall back quietly. */
	if (setsockopt(s, SOL_SOCKET, opt_force, &v, sizeof(v)) == -1)
		(void)setsockopt(s, SOL_SOCKET, opt, &v, sizeof(v));
}

unsigned int
dp_offloads(void)
{
	const char	*v = getenv("LISP_ZTR_OFFLOAD");
	unsigned int	 m = 0;

	if (v == NULL)
		return DP_OFFLOAD_GRO | DP_OFFLOAD_GSO;
	if (strstr(v, "gro") != NULL)
		m |= DP_OFFLOAD_GRO;
	if (strstr(v, "gso") != NULL)
		m |= DP_OFFLOAD_GSO;
	if (strstr(v, "vnet") != NULL)
		m |= DP_OFFLOAD_VNET;
	if (strstr(v, "tun") != NULL)
		m |= DP_OFFLOAD_TUN;
	return m;
}

/*
 * UDP_GRO: the kernel may hand over several datagrams of one sender,
 * equal-sized but the last, as one, with their size in a cmsg
 * (dp_worker.c splits them).  GSO datagrams of a peer then arrive
 * whole instead of being segmented on the way into the socket.
 */
static void
dp_udp_gro(int s)
{
	static int	 warned;
	int		 one = 1;

	if ((dp_offloads() & DP_OFFLOAD_GRO) == 0)
		return;
	if (setsockopt(s, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == -1 &&
	    !warned) {
		warned = 1;
		log_warn("UDP_GRO on the 4341 sockets; receiving unbatched");
	}
}

static int
dp_udp_open(int af)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	int			 s, one = 1;

	if ((s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_UDP)) == -1)
		return -1;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		goto fail;
	dp_sockbuf(s, SO_RCVBUFFORCE, SO_RCVBUF);
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(LISP_DATA_PORT);
		/* Outer TTL and TOS feed the decapsulation rules. */
		if (setsockopt(s, IPPROTO_IP, IP_RECVTTL, &one,
		    sizeof(one)) == -1 ||
		    setsockopt(s, IPPROTO_IP, IP_RECVTOS, &one,
		    sizeof(one)) == -1)
			goto fail;
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			goto fail;
		dp_udp_gro(s);
	} else {
		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) == -1)
			goto fail;
		/*
		 * RFC 6935/6936: LISP encapsulators may send IPv6 UDP with
		 * a zero checksum (the legacy lisp-ztr always did); Linux
		 * drops those unless told otherwise.
		 */
		if (setsockopt(s, IPPROTO_UDP, UDP_NO_CHECK6_RX, &one,
		    sizeof(one)) == -1)
			goto fail;
		if (setsockopt(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
		    sizeof(one)) == -1 ||
		    setsockopt(s, IPPROTO_IPV6, IPV6_RECVTCLASS, &one,
		    sizeof(one)) == -1)
			goto fail;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(LISP_DATA_PORT);
		if (bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) == -1)
			goto fail;
		dp_udp_gro(s);
	}
	return s;
fail:
	close(s);
	return -1;
}

static int
dp_raw_open(int af)
{
	int	 s, off = IP_PMTUDISC_DONT;

	/* IPPROTO_RAW: send-only, the header is ours (HDRINCL implied). */
	if ((s = socket(af, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_RAW)) == -1)
		return -1;
	dp_sockbuf(s, SO_SNDBUFFORCE, SO_SNDBUF);
	if (af == AF_INET)
		(void)setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &off,
		    sizeof(off));
	return s;
}

/*
 * The TUN output (dp_tun.h), optional: a queue for each family the
 * kernel forwards, nothing (raw sockets) when it cannot be had.
 */
static void
dp_tun_fds(int fds[PROC_SOCK_MAX])
{
	static int	 warned;
	int		 fwd4, fwd6, fd;

	fwd4 = dp_tun_forwarding(AF_INET);
	fwd6 = dp_tun_forwarding(AF_INET6);
	if (!fwd4 && !fwd6) {
		if (!warned)
			log_warnx("TUN output: kernel forwarding is off; "
			    "decapsulated packets go through raw sockets");
		warned = 1;
		return;
	}
	if ((fd = dp_tun_open(DP_TUN_NAME)) == -1)
		return;
	if (fwd4)
		fds[PROC_SOCK_TUN4] = fd;
	if (fwd6)
		fds[PROC_SOCK_TUN6] = fwd4 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) :
		    fd;
	if (!warned)
		log_info("TUN output %s:%s%s", DP_TUN_NAME,
		    fwd4 ? " IPv4" : "", fwd6 ? " IPv6" : "");
	warned = 1;
}

int
dp_sockets_open(int fds[PROC_SOCK_MAX])
{
	int	 k;

	for (k = 0; k < PROC_SOCK_MAX; k++)
		fds[k] = -1;
	if ((fds[PROC_SOCK_RAW4] = dp_raw_open(AF_INET)) == -1) {
		log_warn("raw IPv4 socket");
		goto fail;
	}
	if ((fds[PROC_SOCK_RAW6] = dp_raw_open(AF_INET6)) == -1) {
		log_warn("raw IPv6 socket");
		goto fail;
	}
	if ((fds[PROC_SOCK_UDP4] = dp_udp_open(AF_INET)) == -1) {
		log_warn("UDP 0.0.0.0:%d", LISP_DATA_PORT);
		goto fail;
	}
	if ((fds[PROC_SOCK_UDP6] = dp_udp_open(AF_INET6)) == -1) {
		log_warn("UDP [::]:%d", LISP_DATA_PORT);
		goto fail;
	}
	if (dp_offloads() & DP_OFFLOAD_TUN)
		dp_tun_fds(fds);
	return 0;
fail:
	for (k = 0; k < PROC_SOCK_MAX; k++)
		if (fds[k] != -1) {
			close(fds[k]);
			fds[k] = -1;
		}
	return -1;
}

/* ETR NAT capture (dp_open.h). */
static int
dp_natcap_one(const struct sock_fprog *fp, int *fanout_arg, int n)
{
	struct sockaddr_ll	 sll;
	socklen_t		 len;
	int			 s, one = 1, v;

	/* Protocol 0: nothing is queued before the filter is in place. */
	if ((s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		log_warn("NAT capture: socket");
		return -1;
	}
	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, fp,
	    sizeof(*fp)) == -1) {
		log_warn("NAT capture: SO_ATTACH_FILTER");
		goto fail;
	}
	/* The checksum state: locally built frames carry partial sums. */
	if (setsockopt(s, SOL_PACKET, PACKET_AUXDATA, &one,
	    sizeof(one)) == -1) {
		log_warn("NAT capture: PACKET_AUXDATA");
		goto fail;
	}
	dp_sockbuf(s, SO_RCVBUFFORCE, SO_RCVBUF);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = 0;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		log_warn("NAT capture: bind");
		goto fail;
	}
	if (n > 1) {
		/*
		 * The first socket asks the kernel for an unused group id;
		 * the others join it.  Flows stay on one worker, in order.
		 */
		if (setsockopt(s, SOL_PACKET, PACKET_FANOUT, fanout_arg,
		    sizeof(*fanout_arg)) == -1) {
			log_warn("NAT capture: PACKET_FANOUT");
			goto fail;
		}
		if ((*fanout_arg >> 16) & PACKET_FANOUT_FLAG_UNIQUEID) {
			len = sizeof(v);
			if (getsockopt(s, SOL_PACKET, PACKET_FANOUT, &v,
			    &len) == -1) {
				log_warn("NAT capture: PACKET_FANOUT id");
				goto fail;
			}
			*fanout_arg = (v & 0xffff) | (PACKET_FANOUT_HASH << 16);
		}
	}
	return s;
fail:
	close(s);
	return -1;
}

int
dp_natcap_open(uint16_t port, unsigned int n, int *fds)
{
	char			 expr[64];
	struct bpf_program	 prog;
	struct sock_fprog	 fp;
	pcap_t			*dead;
	unsigned int		 k;
	int			 arg;

	if (port == 0 || n == 0)
		return -1;
	for (k = 0; k < n; k++)
		fds[k] = -1;
	/*
	 * SOCK_DGRAM packet sockets run the filter on the network header:
	 * compile for raw IP (DLT_RAW covers IPv4 and IPv6 underlays).
	 */
	if ((dead = pcap_open_dead(DLT_RAW, DP_PCAP_SNAPLEN)) == NULL)
		return -1;
	snprintf(expr, sizeof(expr), "udp dst port %u and udp src port %u",
	    (unsigned int)port, (unsigned int)LISP_DATA_PORT);
	if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		log_warnx("NAT capture: %s: %s", expr, pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	pcap_close(dead);
	memset(&fp, 0, sizeof(fp));
	fp.len = (unsigned short)prog.bf_len;
	/* struct bpf_insn and struct sock_filter have the same layout. */
	fp.filter = (struct sock_filter *)(void *)prog.bf_insns;
	arg = (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
	for (k = 0; k < n; k++)
		if ((fds[k] = dp_natcap_one(&fp, &arg, (int)n)) == -1)
			break;
	pcap_freecode(&prog);
	if (k < n) {
		for (k = 0; k < n; k++)
			if (fds[k] != -1) {
				close(fds[k]);
				fds[k] = -1;
			}
		return -1;
	}
	log_info("NAT capture: \"%s\" on all devices, %u socket(s)", expr, n);
	return 0;
}
