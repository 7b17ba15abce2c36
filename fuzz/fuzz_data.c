/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lisp_data_hdr_decode().  Any 8 bytes decode.  The
 * re-encoding keeps the flags byte and bytes 4-7, and of bytes 1-3 what
 * the flags give a meaning to (all three with N or V, byte 3 with P
 * alone; otherwise they are reserved and sent as zero).  The encoding
 * decodes to the same structure and is a fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_data.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
roundtrip(const struct lisp_data_hdr *h, uint8_t out[LISP_DATA_HDR_LEN])
{
	struct wbuf	 wb;

	wbuf_init(&wb, out, LISP_DATA_HDR_LEN);
	lisp_data_hdr_encode(&wb, h);
	if (wbuf_failed(&wb) || wbuf_len(&wb) != LISP_DATA_HDR_LEN)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lisp_data_hdr	 h, h2;
	struct rbuf		 rb;
	uint8_t			 o1[LISP_DATA_HDR_LEN], o2[LISP_DATA_HDR_LEN];

	rbuf_init(&rb, data, size);
	if (lisp_data_hdr_decode(&rb, &h) != 0) {
		if (size >= LISP_DATA_HDR_LEN)
			abort();
		return 0;
	}
	if (rbuf_offset(&rb) != LISP_DATA_HDR_LEN)
		abort();
	roundtrip(&h, o1);
	if (o1[0] != data[0] || memcmp(o1 + 4, data + 4, 4) != 0)
		abort();
	if (h.flags & (LISP_DATA_N | LISP_DATA_V)) {
		if (memcmp(o1 + 1, data + 1, 3) != 0)
			abort();
	} else if (h.flags & LISP_DATA_P) {
		if (o1[1] != 0 || o1[2] != 0 || o1[3] != data[3])
			abort();
	} else if (o1[1] != 0 || o1[2] != 0 || o1[3] != 0)
		abort();
	rbuf_init(&rb, o1, sizeof(o1));
	if (lisp_data_hdr_decode(&rb, &h2) != 0)
		abort();
	if (h2.flags != h.flags || h2.nonce != h.nonce ||
	    h2.src_version != h.src_version ||
	    h2.dst_version != h.dst_version || h2.iid != h.iid ||
	    h2.lsb != h.lsb ||
	    ((h.flags & (LISP_DATA_N | LISP_DATA_V)) == 0 &&
	    h2.next_proto != h.next_proto))
		abort();
	roundtrip(&h2, o2);
	if (memcmp(o1, o2, sizeof(o1)) != 0)
		abort();
	return 0;
}
