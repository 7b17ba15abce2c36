/* SPDX-License-Identifier: ISC */
/*
 * The ETR's TUN output (LISP_ZTR_OFFLOAD token "tun", dp_open.h): a TUN
 * device, opened by the privileged parent with one queue per worker,
 * into which the workers write decapsulated packets -- TCP runs merged
 * by gro.h into super-packets with a virtio header, everything else
 * one by one.  The kernel forwards them to the EID hosts as if they had
 * arrived on an interface, so a veth or a TSO NIC towards the host
 * carries a 64 KB super-packet whole and the host's stack sees one
 * packet where the raw-socket path (sendmmsg, one packet each) gave it
 * dozens.
 *
 * The device: IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE,
 * vnet header size 10 (struct virtio_net_hdr), offloads CSUM, TSO4 and
 * TSO6, link up, no addresses and no routes (nothing is meant to be
 * routed into it; what the kernel might write is never read), and, set
 * by the parent for this device only: IPv4 rp_filter 0 (the sources
 * are remote EIDs, reached through the sister device, and even loose
 * filtering fails on a device without an address) and no IPv6
 * link-local address generation.  The kernel applies the larger of
 * net.ipv4.conf.all.rp_filter and the device's: with "all" on, IPv4
 * stays on the raw path (logged).  Not persistent: it goes when the last data-
 * plane queue is closed.
 *
 * Forwarding is the kernel's, so it must be on: the parent hands over
 * an IPv4 queue only with net.ipv4.ip_forward = 1 (and "all" rp_filter
 * 0) and an IPv6 one only
 * with net.ipv6.conf.all.forwarding = 1 (the same queue, duplicated).
 * It costs one TTL/hop more than the raw path; gro.h raises the TTL to
 * compensate.  Routing decides the output device: per-IID output
 * devices (the raw path's IP_PKTINFO) are not honoured, see
 * docs/ARCHITECTURE.md.
 */
#ifndef DP_TUN_H
#define DP_TUN_H

#define DP_TUN_NAME		"lztr0"

/*
 * Open one queue of the TUN device `name` (creating it with the first
 * queue); fd (non-blocking, close-on-exec) or -1 (logged once).
 */
int	dp_tun_open(const char *name);

/* Kernel forwarding on for AF_INET / AF_INET6: 1, else 0. */
int	dp_tun_forwarding(int af);

#endif /* DP_TUN_H */
