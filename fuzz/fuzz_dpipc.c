/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the lispers.net IPC decoder.  Every input must be
 * decoded or refused without a crash or a leak; what decodes must encode,
 * decode again to the same message, and re-encode to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpipc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dpipc_msg	 m, m2;
	char			 err[256];
	char			*t, *t2;
	size_t			 tlen, t2len;
	int			 rc;

	rc = dpipc_decode((const char *)data, len, &m, err, sizeof(err));
	if (rc != DPIPC_OK) {
		/* A refusal always says why. */
		if (rc != DPIPC_ENOMEM && err[0] == '\0')
			abort();
		dpipc_msg_free(&m);
		return 0;
	}
	if ((t = dpipc_encode(&m, &tlen)) == NULL) {
		fprintf(stderr, "decoded message does not encode\n");
		abort();
	}
	if (strlen(t) != tlen)
		abort();
	if (dpipc_decode(t, tlen, &m2, err, sizeof(err)) != DPIPC_OK) {
		fprintf(stderr, "re-decode failed: %s\n%s\n", err, t);
		abort();
	}
	if (m2.nskipped != 0 || !dpipc_msg_equal(&m, &m2)) {
		fprintf(stderr, "round trip differs:\n%s\n", t);
		abort();
	}
	if ((t2 = dpipc_encode(&m2, &t2len)) == NULL || t2len != tlen ||
	    memcmp(t, t2, tlen) != 0)
		abort();
	dpipc_text_free(t, tlen);
	dpipc_text_free(t2, t2len);
	dpipc_msg_free(&m);
	dpipc_msg_free(&m2);
	return 0;
}
