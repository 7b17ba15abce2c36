/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lcrypto_decrypt() with a fixed key (the decap key of
 * the lispers.net vectors, cipher chosen per packet).  Input: one control
 * byte, then the UDP payload.  Control bit 0: re-sign the payload's ICV
 * with the key first (OpenSSL HMAC, not the code under test), so that
 * the length classification, the ciphers, the GCM tag and the inner
 * length trimming are reached, not only the ICV check.  Bit 1: decrypt
 * in place.  Nothing may read outside the payload; a result must fit in
 * the ciphertext; a payload decrypts only if its ICV is valid, and a
 * valid ICV never gives an ICV-error.
 * Seeds: tests/data/lcrypto/seed-* (the recorded packets, control 0/1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lcrypto.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t icv_key[20] = {
	0x00, 0x00, 0x00, 0x00, 0x98, 0xfc, 0x72, 0xe9, 0x37, 0x90,
	0x12, 0x11, 0xf0, 0x25, 0x30, 0xc1, 0x7e, 0xd9, 0x2d, 0xbf
};
static const uint8_t aes_key[16] = {
	0x3a, 0x50, 0x50, 0x95, 0xbd, 0xb0, 0x95, 0xe4,
	0xd7, 0xae, 0x03, 0x62, 0xe2, 0xb0, 0x51, 0x95
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lcrypto_key *k;
	uint8_t		*pkt, *out, mac[32];
	unsigned int	 mlen = sizeof(mac);
	size_t		 len, ivl, cap;
	int		 n, valid;

	if (k == NULL) {
		log_setquiet(1);
		k = lcrypto_key_new(1, aes_key, icv_key, sizeof(icv_key),
		    LCRYPTO_AUTO, LCRYPTO_DECAP, 1, NULL);
		if (k == NULL)
			abort();
	}
	if (size < 1)
		return 0;
	len = size - 1;
	/* Exact-size heap copies, so ASan sees any overread. */
	if ((pkt = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(pkt, data + 1, len);
	valid = 0;
	if (len >= 28) {
		if (HMAC(EVP_sha256(), icv_key, sizeof(icv_key), pkt, len - 20,
		    mac, &mlen) == NULL)
			abort();
		if (data[0] & 1)
			memcpy(pkt + len - 20, mac, 20);
		valid = memcmp(pkt + len - 20, mac, 20) == 0;
	}
	ivl = lcrypto_iv_len_of(k, len);
	if ((data[0] & 2) && ivl != 0) {
		out = pkt + 8 + ivl;
		cap = len - 8 - ivl;
		n = lcrypto_decrypt(k, 0, pkt, len, out, cap);
		out = NULL;
	} else {
		cap = len;
		if ((out = malloc(cap ? cap : 1)) == NULL) {
			free(pkt);
			return 0;
		}
		n = lcrypto_decrypt(k, 0, pkt, len, out, cap);
	}
	if (n >= 0 && (ivl == 0 || (size_t)n > len - 28 - ivl))
		abort();
	/* Oracle: decrypted only with a valid ICV; a valid ICV never fails
	 * as an ICV-error. */
	if ((n >= 0 && !valid) || (valid && n == -LCRYPTO_E_ICV))
		abort();
	free(out);
	free(pkt);
	return 0;
}
