/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lisp_msg_decode().  A message that decodes must
 * re-encode, and the re-encoding must decode and re-encode to the same
 * bytes (encode -> decode -> encode is the identity): abort otherwise.
 * (The first encoding may differ from the input: an ECM's inner
 * checksums are recomputed.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_msg.h"

#define OUT_MAX	65536

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t
reencode(const struct lisp_msg *m, uint8_t *out)
{
	struct wbuf	 wb;

	wbuf_init(&wb, out, OUT_MAX);
	if (lisp_msg_encode(&wb, m) != 0)
		abort();		/* decoded, so it must encode */
	return wbuf_len(&wb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 e1[OUT_MAX], e2[OUT_MAX];
	struct lisp_msg		 m, m2;
	struct lisp_codec_stats	 st;
	size_t			 n1, n2, off;

	memset(&st, 0, sizeof(st));
	if (lisp_msg_decode(data, size, &m, &st, &off) != 0)
		return 0;
	n1 = reencode(&m, e1);
	if (lisp_msg_decode(e1, n1, &m2, &st, NULL) != 0)
		abort();
	n2 = reencode(&m2, e2);
	if (n1 != n2 || memcmp(e1, e2, n1) != 0)
		abort();
	/* Outside ECM (checksums recomputed), the input comes back too. */
	if (m.type != LISP_ECM && (n1 != size || memcmp(e1, data, size) != 0))
		abort();
	lisp_msg_free(&m2);
	lisp_msg_free(&m);
	return 0;
}
