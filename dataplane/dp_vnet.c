/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/filter.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_path.h"
#include "dp_vnet.h"
#include "gso.h"
#include "log.h"

#define DP_VNET_SOCKBUF		(16 * 1024 * 1024)

struct dp_vnet {
	struct mmsghdr	 msg[DP_VNET_BATCH];
	struct iovec	 iov[DP_VNET_BATCH];
	uint8_t		*buf;		/* DP_VNET_BATCH * DP_VNET_FRAME_MAX */
};

/*
 * The capture filter: the packet type (outgoing or not, per direction)
 * and the ethertype from the skb, so that neither depends on a link
 * header.  Accepted frames are taken whole.
 */
static int
dp_vnet_filter(int s, int outgoing)
{
	struct sock_filter	 f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		/* 2: outgoing wanted: jt accept-check, jf drop. */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING,
		    outgoing ? 0 : 4, outgoing ? 4 : 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x7fffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog	 fp;

	fp.len = (unsigned short)(sizeof(f) / sizeof(f[0]));
	fp.filter = f;
	return setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

int
dp_vnet_open(const char *dev, int fanout_id, int fanout, int outgoing,
    int *linkdlt)
{
	struct sockaddr_ll	 sll;
	socklen_t		 sl;
	unsigned int		 ifi;
	int			 s, one = 1, v = DP_VNET_SOCKBUF, arg;

	if ((ifi = if_nametoindex(dev)) == 0) {
		log_warn("vnet capture %s", dev);
		return -1;
	}
	/*
	 * SOCK_RAW: the kernel offers vnet headers on those only.  Protocol
	 * 0: nothing is queued before the filter is in place.
	 */
	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		log_warn("vnet capture %s: socket", dev);
		return -1;
	}
	if (dp_vnet_filter(s, outgoing) == -1) {
		log_warn("vnet capture %s: SO_ATTACH_FILTER", dev);
		goto fail;
	}
	if (setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one,
	    sizeof(one)) == -1) {
		log_warn("vnet capture %s: PACKET_VNET_HDR", dev);
		goto fail;
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifi;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		log_warn("vnet capture %s: bind", dev);
		goto fail;
	}
	/* The link header in front of the IP header, by hardware type. */
	sl = sizeof(sll);
	if (getsockname(s, (struct sockaddr *)&sll, &sl) == -1) {
		log_warn("vnet capture %s: getsockname", dev);
		goto fail;
	}
	if (sll.sll_hatype == ARPHRD_ETHER)
		*linkdlt = DLT_EN10MB;
	else if (sll.sll_hatype == ARPHRD_NONE)
		*linkdlt = DLT_RAW;
	else {
		log_warnx("vnet capture %s: link type %u not supported", dev,
		    (unsigned int)sll.sll_hatype);
		goto fail;
	}
	if (fanout) {
		/* One hash group per interface, as for the pcap captures. */
		arg = (fanout_id & 0xffff) | (PACKET_FANOUT_HASH << 16);
		if (setsockopt(s, SOL_PACKET, PACKET_FANOUT, &arg,
		    sizeof(arg)) == -1) {
			log_warn("vnet capture %s: PACKET_FANOUT", dev);
			goto fail;
		}
	}
	return s;
fail:
	close(s);
	return -1;
}

/*
 * The batch's buffers, set once: with no address and no control buffer
 * recvmmsg() writes only msg_len and msg_flags, so nothing needs
 * re-arming between calls.
 */
static void
dp_vnet_arm(struct dp_vnet *vn)
{
	unsigned int	 k;

	for (k = 0; k < DP_VNET_BATCH; k++) {
		vn->iov[k].iov_base = vn->buf + (size_t)k * DP_VNET_FRAME_MAX;
		vn->iov[k].iov_len = DP_VNET_FRAME_MAX;
		vn->msg[k].msg_hdr.msg_iov = &vn->iov[k];
		vn->msg[k].msg_hdr.msg_iovlen = 1;
	}
}

struct dp_vnet *
dp_vnet_new(void)
{
	struct dp_vnet	*vn;

	if ((vn = calloc(1, sizeof(*vn))) == NULL)
		return NULL;
	if ((vn->buf = malloc((size_t)DP_VNET_BATCH * DP_VNET_FRAME_MAX)) ==
	    NULL) {
		free(vn);
		return NULL;
	}
	dp_vnet_arm(vn);
	return vn;
}

void
dp_vnet_free(struct dp_vnet *vn)
{
	if (vn == NULL)
		return;
	free(vn->buf);
	free(vn);
}

/*
 * The vnet header's offsets count from the link header; gso_segment()
 * wants them from the IP header.
 */
static enum gso_err
dp_vnet_ip(int linkdlt, const uint8_t *frame, size_t len, struct gso_vnet *v,
    size_t *off)
{
	if (dp_link_ip(linkdlt, frame, len, off) == -1)
		return GSO_ERR_SHORT;
	if (v->flags & GSO_F_NEEDS_CSUM) {
		if (v->csum_start < *off)
			return GSO_ERR_CSUM;
		v->csum_start = (uint16_t)(v->csum_start - *off);
	}
	if (v->hdr_len > len)
		return GSO_ERR_HDR_LEN;
	v->hdr_len = v->hdr_len > *off ? (uint16_t)(v->hdr_len - *off) : 0;
	return GSO_OK;
}

void
dp_vnet_frame(const uint8_t *p, size_t len, int trunc, int linkdlt,
    const char *dev, const struct gso_out *out, struct dp_vnet_stats *st)
{
	struct gso_vnet	 v;
	enum gso_err	 e;
	unsigned int	 n = 0;
	size_t		 off = 0;

	memset(&v, 0, sizeof(v));
	st->frames++;
	if (trunc)
		e = GSO_ERR_SHORT;
	else if ((e = gso_vnet_parse(p, len, &v)) == GSO_OK &&
	    (e = dp_vnet_ip(linkdlt, p + GSO_VNET_HDR_LEN,
	    len - GSO_VNET_HDR_LEN, &v, &off)) == GSO_OK)
		e = gso_segment(&v, p + GSO_VNET_HDR_LEN + off,
		    len - GSO_VNET_HDR_LEN - off, out, &n);
	if (e != GSO_OK) {
		st->rejected++;
		LOG_RL(LOG_LVL_DEBUG, "vnet capture %s: frame of %zu bytes "
		    "refused: %s", dev, len, gso_err_name(e));
		return;
	}
	if ((v.gso_type & ~GSO_T_ECN) != GSO_T_NONE) {
		st->super++;
		st->segments += n;
		if (n > DP_VNET_LONG_SEGS)
			st->longer++;
	} else if (v.flags & GSO_F_NEEDS_CSUM)
		st->csum++;
}

void
dp_vnet_drain(struct dp_vnet *vn, int fd, int linkdlt, const char *dev,
    const struct gso_out *out, unsigned int rounds,
    struct dp_vnet_stats *st)
{
	unsigned int	 r;
	int		 n, k;

	for (r = 0; r < rounds; r++) {
		n = recvmmsg(fd, vn->msg, DP_VNET_BATCH, MSG_DONTWAIT, NULL);
		st->syscalls++;
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			/*
			 * The kernel could not describe a frame in a vnet
			 * header (a GSO type virtio has no name for): it
			 * is gone, the next one may be fine.
			 */
			st->rejected++;
			LOG_RL(LOG_LVL_DEBUG, "vnet capture %s: recvmmsg: %s",
			    dev, strerror(errno));
			continue;
		}
		for (k = 0; k < n; k++)
			dp_vnet_frame(vn->iov[k].iov_base, vn->msg[k].msg_len,
			    (vn->msg[k].msg_hdr.msg_flags & MSG_TRUNC) != 0,
			    linkdlt, dev, out, st);
		if (n < DP_VNET_BATCH)
			return;
	}
}

uint64_t
dp_vnet_drops(int fd)
{
	struct tpacket_stats	 ts;
	socklen_t		 len = sizeof(ts);

	memset(&ts, 0, sizeof(ts));
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ts, &len) == -1)
		return 0;
	return ts.tp_drops;
}
