/* SPDX-License-Identifier: ISC */
/*
 * Segmentation of GSO super-packets in user space.  A packet socket with
 * PACKET_VNET_HDR (dp_vnet.h) hands over what the stack transmitted
 * before the device would have segmented it: up to 64 KB of one TCP
 * flow (or of one UDP_SEGMENT send) behind one set of headers, its
 * checksum left for the device, and in front of it a virtio-net header
 * saying how to cut it:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |     Flags     |   GSO Type    |          Header Length        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           GSO Size            |       Checksum Start          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        Checksum Offset        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * (struct virtio_net_hdr, 10 bytes; the 16-bit fields in the host's
 * byte order, which is what packet sockets use on little-endian hosts
 * and on legacy big-endian ones alike.)  Flags: NEEDS_CSUM (the L4
 * checksum field holds the pseudo-header sum only; complete it over
 * [csum_start, end) and store it at csum_start + csum_offset).  GSO
 * type: NONE, TCPV4, TCPV6, UDP_L4 (UDP_SEGMENT), plus the ECN bit.
 * Header Length is only a hint of the linear part: gso_segment() finds
 * the headers itself and only checks it against the frame.
 *
 * gso_segment() produces the packets the kernel's own segmentation
 * would have put on the wire: TCP (RFC 9293) segments of gso_size
 * payload bytes each, the last one shorter, with the sequence number
 * advanced, FIN and PSH on the last segment only, CWR on the first only,
 * IPv4 identification incremented per segment, total or payload length
 * and checksums recomputed; UDP_L4 datagrams likewise (UDP length and
 * checksum, zero sent as 0xffff).  A frame without GSO gets its checksum
 * completed when NEEDS_CSUM is set.  Only IPv4 without options and IPv6
 * without extension headers are cut; anything else is refused with a
 * reason (the caller counts it), never read out of bounds.
 */
#ifndef GSO_H
#define GSO_H

#include <stddef.h>
#include <stdint.h>

#define GSO_VNET_HDR_LEN	10

/* gso_vnet.flags */
#define GSO_F_NEEDS_CSUM	0x01
#define GSO_F_DATA_VALID	0x02
/* gso_vnet.gso_type */
#define GSO_T_NONE		0
#define GSO_T_TCPV4		1
#define GSO_T_UDP		3	/* UFO: refused */
#define GSO_T_TCPV6		4
#define GSO_T_UDP_L4		5
#define GSO_T_ECN		0x80

struct gso_vnet {
	uint8_t		flags;
	uint8_t		gso_type;
	uint16_t	hdr_len;
	uint16_t	gso_size;
	uint16_t	csum_start;
	uint16_t	csum_offset;
};

/* Why a frame was refused (gso_err_name() for logs). */
enum gso_err {
	GSO_OK = 0,
	GSO_ERR_SHORT,		/* frame or header truncated */
	GSO_ERR_TYPE,		/* unknown or unsupported gso_type */
	GSO_ERR_HDR_LEN,	/* hdr_len beyond the frame */
	GSO_ERR_CSUM,		/* csum_start/offset out of range */
	GSO_ERR_SIZE,		/* gso_size 0 */
	GSO_ERR_IP,		/* IP header inconsistent with the frame */
	GSO_ERR_UNSUPP,		/* IPv4 options, IPv6 extension headers,
				   fragments, protocol not the GSO type's */
	GSO_ERR_L4,		/* TCP/UDP header inconsistent */
	GSO_ERR_NOBUF,		/* the output refused a segment */
	GSO_ERR_MAX
};

const char	*gso_err_name(enum gso_err);

/* Read the virtio-net header at p[0..len); GSO_ERR_SHORT when short. */
enum gso_err	 gso_vnet_parse(const uint8_t *p, size_t len,
		    struct gso_vnet *);

/*
 * Where segments go.  buf() lends room for one packet of len bytes
 * (NULL: no room, segmentation stops with GSO_ERR_NOBUF); done() says
 * the packet written there is complete.  Segments come in order, each
 * buf() followed by its done().
 */
struct gso_out {
	uint8_t	*(*buf)(void *arg, size_t len);
	void	 (*done)(void *arg, uint8_t *pkt, size_t len);
	void	*arg;
};

/*
 * Segment (or checksum) the IP packet pkt[0..len) described by v into
 * out.  *nseg is set to the packets produced (also on error: those that
 * were produced are complete and valid).  pkt is not modified.
 */
enum gso_err	 gso_segment(const struct gso_vnet *v, const uint8_t *pkt,
		    size_t len, const struct gso_out *out, unsigned int *nseg);

#endif /* GSO_H */
