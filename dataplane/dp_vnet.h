/* SPDX-License-Identifier: ISC */
/*
 * ITR capture with segmentation offloads left on (LISP_ZTR_OFFLOAD
 * token "vnet", dp_open.h): instead of libpcap on a device whose TSO,
 * GSO, SG and checksum offloads were turned off (so that the kernel cut
 * every TCP super-packet before the tap and the worker read ~1448-byte
 * packets one by one), an AF_PACKET SOCK_RAW socket (the kernel offers
 * vnet headers on those only) with PACKET_VNET_HDR sees what the stack transmitted: up to 64 KB of one
 * flow behind one set of headers and a virtio-net header (gso.h).  The
 * worker segments it in user space (gso_segment()) straight into its
 * ITR batch, so one system call brings in what took some 45 before.
 *
 * The socket, like the pcap captures (dp_open.h), is opened by the
 * privileged parent before the data plane forks, one per (worker, lisp
 * interface), in one PACKET_FANOUT hash group per interface.  A classic
 * BPF filter keeps IPv4 and IPv6 frames of the capture direction:
 * outgoing on NOARP devices (dummy, ifb: the kernel "transmits" the
 * remote-EID traffic into them), incoming otherwise, as pcap_setdirection
 * does for the pcap captures.  (PACKET_IGNORE_OUTGOING is the wrong tool:
 * it drops the outgoing packets, which are the ones wanted here.)  Frames
 * start at the link header (Ethernet, or none on a tun); the segments
 * handed on start at the IP header: link type DLT_RAW for
 * dp_itr_burst().
 */
#ifndef DP_VNET_H
#define DP_VNET_H

#include <stddef.h>
#include <stdint.h>

#include "gso.h"

/* Largest frame read: a 64 KB super-packet and its vnet header. */
#define DP_VNET_FRAME_MAX	(GSO_VNET_HDR_LEN + 65536)
/* Frames per recvmmsg(). */
#define DP_VNET_BATCH		32
/*
 * A super-packet cut into more segments than this is counted as long:
 * its segments outnumber the worker's stage, which is flushed in the
 * middle of it (dp_worker.c checks that the two agree).
 */
#define DP_VNET_LONG_SEGS	64

/*
 * [parent] Open the capture of dev; fanout_id/fanout as for pcap
 * (dp_open.c), outgoing selects the direction; *linkdlt is set to the
 * link type of the frames read (DLT_EN10MB or DLT_RAW).  -1 (logged) on
 * error.
 */
int	dp_vnet_open(const char *dev, int fanout_id, int fanout, int outgoing,
	    int *linkdlt);

/* What a drain did, for the worker's counters. */
struct dp_vnet_stats {
	uint64_t	 frames;	/* vnet-frames: frames read */
	uint64_t	 super;		/* vnet-gso-frames: cut by gso */
	uint64_t	 segments;	/* vnet-gso-segments: their pieces */
	uint64_t	 longer;	/* vnet-gso-long-frames: > LONG_SEGS */
	uint64_t	 csum;		/* vnet-csum-completed: no GSO */
	uint64_t	 rejected;	/* vnet-rejected: refused frames */
	uint64_t	 syscalls;	/* recvmmsg calls */
};

/*
 * One frame as read (p, len: virtio-net header, then the link frame of
 * type linkdlt; trunc: the read cut it): the link header is stepped
 * over, the header's offsets rebased onto the IP header, and the frame
 * segmented or checksummed into out, or refused and counted.  What
 * dp_vnet_drain() does per frame; public for the fuzz target.
 */
void		 dp_vnet_frame(const uint8_t *p, size_t len, int trunc,
		    int linkdlt, const char *dev, const struct gso_out *out,
		    struct dp_vnet_stats *st);

/* Per-worker receive buffers (DP_VNET_BATCH frames). */
struct dp_vnet;

struct dp_vnet	*dp_vnet_new(void);
void		 dp_vnet_free(struct dp_vnet *);

/*
 * Read what fd has (at most `rounds` recvmmsg calls) and hand every
 * frame, segmented or checksummed, to out in order.  Refused frames are
 * counted in st->rejected with a rate-limited log line naming dev.
 */
void		 dp_vnet_drain(struct dp_vnet *, int fd, int linkdlt,
		    const char *dev,
		    const struct gso_out *out, unsigned int rounds,
		    struct dp_vnet_stats *st);

/*
 * Frames the kernel dropped on fd (full receive queue) since the last
 * call (PACKET_STATISTICS resets on read).
 */
uint64_t	 dp_vnet_drops(int fd);

#endif /* DP_VNET_H */
