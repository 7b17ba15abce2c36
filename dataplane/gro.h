/* SPDX-License-Identifier: ISC */
/*
 * Receive-side coalescing of decapsulated inner packets for the ETR's
 * TUN output (dp_tun.h).  Over one receive batch, consecutive TCP
 * segments of one flow are merged into a super-packet that the kernel
 * takes whole (struct virtio_net_hdr with gso_type TCPV4/TCPV6) and
 * segments only if and where it has to -- usually never: a veth or a
 * TSO NIC on the EID side carries it, and the EID host's stack handles
 * one 64 KB packet instead of 45 small ones.  Every other packet goes
 * out alone, with a zero virtio header.
 *
 * Which segments merge into a run (the kernel must be able to cut the
 * super-packet back into exactly those segments):
 *   - the same IP version, addresses, TCP ports, and for IPv4 TOS, TTL
 *     and fragment field (DF or nothing; no MF, no offset), for IPv6
 *     traffic class, flow label and hop limit;
 *   - IPv4 without options, IPv6 without extension headers (next
 *     header 6), IP length = packet length;
 *   - sequence numbers contiguous, IPv4 identifications consecutive
 *     (the kernel numbers the segments of a TCPV4 super-packet id,
 *     id + 1, ...);
 *   - the same ack, window, urgent pointer, data offset and option
 *     bytes (timestamps included: a burst usually shares one TSval;
 *     when it does not, the run ends there);
 *   - flags equal, ACK set, none of SYN, FIN, RST, URG, CWR; PSH only
 *     on the last segment (the kernel puts it on the last one only);
 *   - payloads of gso_size bytes each (the first segment's), the last
 *     one possibly shorter (which ends the run); at most GRO_SEGS_MAX
 *     segments and 65535 bytes of IP packet.
 * Runs are tracked per flow (GRO_FLOWS at a time), so interleaved flows
 * each coalesce; a flow's packets never overtake each other: any packet
 * of a flow that cannot join its run first sends the run out.
 *
 * GRO_TTL_INC: the TUN output is forwarded by the kernel, which takes
 * one more TTL/hop off than a raw-socket send; the TTL (and the IPv4
 * header checksum) is raised by one so that the EID host sees what it
 * would see on the raw path.  Packets with TTL 255 are therefore
 * refused (gro_add() -1), as are those the kernel would not forward
 * (multicast, broadcast, IPv6 link-local): the caller sends them the
 * raw way.
 *
 * Packets are referenced, not copied, until they are emitted (by
 * gro_add() or gro_flush()); IPv4/IPv6 headers of the packets given are
 * modified in place (TTL) when GRO_TTL_INC is set.
 */
#ifndef GRO_H
#define GRO_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#define GRO_VNET_LEN		10	/* struct virtio_net_hdr */
#define GRO_SEGS_MAX		64
#define GRO_FLOWS		8

/* gro_new() flags */
#define GRO_INET		0x01	/* take IPv4 packets */
#define GRO_INET6		0x02	/* take IPv6 packets */
#define GRO_TTL_INC		0x04	/* see above */

/*
 * One write: iov[0] is the virtio header (GRO_VNET_LEN bytes), the rest
 * the packet (for a super-packet: the rebuilt IP/TCP header, then each
 * segment's payload).  nseg: segments in it, 1 for a single packet.
 */
typedef void	 gro_emit_fn(void *arg, const struct iovec *iov, int iovcnt,
	    unsigned int nseg);

struct gro;

struct gro	*gro_new(unsigned int flags, gro_emit_fn *emit, void *arg);
void		 gro_free(struct gro *);
/*
 * Take pkt[0..len) (an IP packet); 0 when it was taken (emitted now or
 * held until a later gro_add()/gro_flush()), -1 when it is not for this
 * output (other family, TTL 255 with GRO_TTL_INC, multicast, malformed)
 * and the caller must send it another way.
 */
int		 gro_add(struct gro *, uint8_t *pkt, size_t len);
/* Emit every held run. */
void		 gro_flush(struct gro *);

#endif /* GRO_H */
