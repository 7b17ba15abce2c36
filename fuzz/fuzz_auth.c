/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lisp_auth_verify() with arbitrary offsets, lengths,
 * algorithms and keys.  Input: alg (1 byte), auth_off (2), auth_len (2),
 * key length (1), key, then the message.  Nothing may read outside the
 * message; a message signed with lisp_auth_sign() must verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lisp_auth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		*msg;
	const uint8_t	*key;
	size_t		 off, alen, klen, len;
	uint8_t		 alg;
	int		 full;

	if (size < 6)
		return 0;
	alg = data[0] & 0x07;
	off = (size_t)data[1] << 8 | data[2];
	alen = (size_t)data[3] << 8 | data[4];
	klen = data[5] & 0x3F;
	if (size < 6 + klen)
		return 0;
	key = data + 6;
	len = size - 6 - klen;
	/* An exact-size heap copy, so ASan sees any overread. */
	if ((msg = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(msg, data + 6 + klen, len);
	(void)lisp_auth_verify(msg, len, off, alen, alg, key, klen);
	/* Sign with the full length in place, then it must verify. */
	full = lisp_auth_len(alg);
	if (full > 0 && klen > 0 && off >= 2 && off <= len &&
	    (size_t)full <= len - off) {
		msg[off - 2] = (uint8_t)(full >> 8);
		msg[off - 1] = (uint8_t)full;
		if (lisp_auth_sign(msg, len, off, alg, key, klen) == 0 &&
		    lisp_auth_verify(msg, len, off, (size_t)full, alg, key,
		    klen) != 0)
			abort();
	}
	free(msg);
	return 0;
}
