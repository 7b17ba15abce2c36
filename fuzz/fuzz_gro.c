/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: gro (dataplane/gro.h) over a batch of packets.  The
 * input is a series of [length (2 bytes, big endian)][packet] records;
 * each packet gets its own heap buffer, so a read past its end or after
 * it was released is caught.  Invariants: every packet taken
 * (gro_add() 0) leaves in exactly one write (the segment counts of the
 * writes add up to the packets taken), a write is a virtio header plus
 * at most 64 KB of packet, and a GSO write has a header of hdr_len bytes
 * followed by nseg payloads of gso_size bytes but a shorter last.
 * Seeds (tests/data/gro): flags byte, then six IPv4 (v4run) or IPv6
 * (v6run) segments of one flow, contiguous, the last shorter with PSH,
 * then a FIN -- one run and one single packet.
 */
#include <sys/uio.h>

#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gro.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define F_MAXPKT	256

static unsigned long	 segs_out;

static void
f_emit(void *arg, const struct iovec *iov, int iovcnt, unsigned int nseg)
{
	struct virtio_net_hdr	 h;
	volatile uint8_t	 sink = 0;
	size_t			 n = 0, k, i;

	(void)arg;
	if (iovcnt < 2 || iov[0].iov_len != GRO_VNET_LEN || nseg < 1 ||
	    nseg > GRO_SEGS_MAX)
		abort();
	memcpy(&h, iov[0].iov_base, sizeof(h));
	for (k = 1; k < (size_t)iovcnt; k++) {
		for (i = 0; i < iov[k].iov_len; i++)
			sink ^= ((const uint8_t *)iov[k].iov_base)[i];
		n += iov[k].iov_len;
	}
	(void)sink;
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (nseg != 1 || iovcnt != 2 || h.flags != 0)
			abort();
	} else {
		if (n > 65535 || (size_t)iovcnt != 2 + nseg || nseg < 2 ||
		    h.hdr_len != iov[1].iov_len || h.gso_size == 0 ||
		    h.csum_offset != 16)
			abort();
		for (k = 2; k < (size_t)iovcnt; k++)
			if (iov[k].iov_len > h.gso_size ||
			    (k + 1 < (size_t)iovcnt &&
			    iov[k].iov_len != h.gso_size))
				abort();
	}
	segs_out += nseg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		*pkt[F_MAXPKT];
	unsigned long	 taken = 0;
	struct gro	*g;
	size_t		 off = 1, len;
	unsigned int	 n = 0, k;

	if (size < 1)
		return 0;
	/* First byte: the flags (families, TTL raise). */
	if ((g = gro_new(data[0] & (GRO_INET | GRO_INET6 | GRO_TTL_INC),
	    f_emit, NULL)) == NULL)
		return 0;
	segs_out = 0;
	while (off + 2 <= size && n < F_MAXPKT) {
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		if ((pkt[n] = malloc(len ? len : 1)) == NULL)
			break;
		memcpy(pkt[n], data + off, len);
		off += len;
		if (gro_add(g, pkt[n], len) == 0)
			taken++;
		n++;
	}
	gro_flush(g);
	if (segs_out != taken)
		abort();
	for (k = 0; k < n; k++)
		free(pkt[k]);
	gro_free(g);
	return 0;
}
