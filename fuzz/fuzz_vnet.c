/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: dp_vnet_frame() (dataplane/dp_vnet.h), a vnet
 * capture's frame as recvmmsg() hands it over: the first input byte
 * picks the link type (bits 0-1: raw IP, Ethernet, Linux cooked) and
 * whether the read was truncated (bit 2); the rest is the virtio-net
 * header and the link frame.  This covers what fuzz_gso does not: the
 * link header step and the rebasing of the header's csum_start and
 * hdr_len onto the IP header.
 *
 * Checked: the frame is counted once, either refused or handed on; a
 * refused or truncated frame produces no segment; every segment fits
 * in the frame less its link header; segments are only produced
 * between a buf and its done.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_vnet.h"
#include "gso.h"
#include "gso_sink.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	 dlts[4] = { DLT_RAW, DLT_EN10MB,
				    DLT_LINUX_SLL, DLT_RAW };
	static const size_t	 linklen[4] = { 0, 14, 16, 0 };
	static struct sink	 s;
	struct gso_out		 out = { sink_buf, sink_done, &s };
	struct dp_vnet_stats	 st;
	const uint8_t		*frame;
	size_t			 len;
	int			 trunc, dlt;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] & 3];
	trunc = (data[0] >> 2) & 1;
	frame = data + 1;
	len = size - 1;
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	dp_vnet_frame(frame, len, trunc, dlt, "fuzz0", &out, &st);
	if (s.pending || st.frames != 1)
		abort();
	if (st.rejected > 1 || st.rejected + st.super + st.csum > 1)
		abort();
	if ((st.rejected || trunc) && s.n != 0)
		abort();
	if (trunc && st.rejected != 1)
		abort();
	if (st.super && st.segments != s.n)
		abort();
	if (st.longer > st.super || (st.longer && s.n <= DP_VNET_LONG_SEGS))
		abort();
	/*
	 * A segment repeats the headers and carries a slice of the
	 * payload: never longer than the IP packet it was cut from (with
	 * an 802.1Q tag the link header is 4 bytes longer still).
	 */
	if (s.n != 0 && (len < GSO_VNET_HDR_LEN + linklen[data[0] & 3] ||
	    s.maxlen > len - GSO_VNET_HDR_LEN - linklen[data[0] & 3]))
		abort();
	return 0;
}
