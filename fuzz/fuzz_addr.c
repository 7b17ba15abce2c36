/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lisp_addr_decode() on an address at the top level
 * (first byte: how many leading bytes to skip, so addresses start at
 * odd offsets too).  A decoded address must re-encode to exactly the
 * bytes it was read from, have that wire length, copy deeply, compare
 * equal to its copy and format without overflowing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 out[65536 + 16];
	char			 txt[LISP_ADDR_STRLEN];
	struct lisp_codec_stats	 st;
	struct lisp_addr	 a, c;
	struct rbuf		 rb;
	struct wbuf		 wb;
	size_t			 skip, start, used;

	if (size < 1)
		return 0;
	skip = data[0] & 0x07;
	if (size < 1 + skip)
		return 0;
	rbuf_init(&rb, data, size);
	(void)rbuf_skip(&rb, 1 + skip);
	start = rbuf_offset(&rb);
	memset(&st, 0, sizeof(st));
	if (lisp_addr_decode(&rb, &a, &st) != 0) {
		if (a.afi != LISP_AFI_NONE)
			abort();	/* must be left freed */
		return 0;
	}
	used = rbuf_offset(&rb) - start;
	wbuf_init(&wb, out, sizeof(out));
	lisp_addr_encode(&wb, &a);
	if (wbuf_failed(&wb) || wbuf_len(&wb) != used ||
	    memcmp(out, data + start, used) != 0 ||
	    lisp_addr_wire_len(&a) != used)
		abort();
	if (lisp_addr_copy(&c, &a) == 0) {
		if (lisp_addr_cmp(&a, &c) != 0)
			abort();
		lisp_addr_free(&c);
	}
	lisp_addr_fmt(&a, txt, sizeof(txt));
	if (strlen(txt) >= sizeof(txt))
		abort();
	(void)lisp_addr_strip_iid(&a, NULL);
	lisp_addr_free(&a);
	lisp_addr_free(&a);		/* free twice is allowed */
	return 0;
}
