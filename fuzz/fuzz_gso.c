/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: gso_segment() (dataplane/gso.h) on a virtio-net
 * header (the first 10 bytes) and the frame after it, as a vnet capture
 * would hand them over.  Whatever is refused must produce no segment
 * past what was produced; every segment must fit the frame it was cut
 * from, and for a TCP/UDP cut, carry the frame's headers and a payload
 * slice so that headers plus payloads add up to the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gso.h"
#include "gso_sink.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sink	 s;
	struct gso_out		 out = { sink_buf, sink_done, &s };
	struct gso_vnet		 v;
	unsigned int		 nseg = 0;
	enum gso_err		 e;
	const uint8_t		*frame;
	size_t			 len;

	if (gso_vnet_parse(data, size, &v) != GSO_OK)
		return 0;
	frame = data + GSO_VNET_HDR_LEN;
	len = size - GSO_VNET_HDR_LEN;
	memset(&s, 0, sizeof(s));
	e = gso_segment(&v, frame, len, &out, &nseg);
	if (s.pending || nseg != s.n || (e != GSO_OK && e != GSO_ERR_NOBUF &&
	    nseg != 0))
		abort();
	if (s.maxlen > len)
		abort();
	if (e == GSO_OK && (v.gso_type & 0x7f) == GSO_T_NONE &&
	    (nseg != 1 || s.total != len))
		abort();
	if (gso_err_name(e) == NULL)
		abort();
	return 0;
}
