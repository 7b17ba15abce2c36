/* SPDX-License-Identifier: ISC */
#include <sodium.h>
#include <string.h>

#include "lc8061_kx.h"

static const char kx_label[] = "lisp-crypto";	/* sent with its NUL */

int
lc8061_kx_suite_ok(uint8_t suite)
{
	return lc8061_kx_key_len(suite) != 0;
}

size_t
lc8061_kx_key_len(uint8_t suite)
{
	switch (suite) {
	case LC8061_KX_SUITE_AES128_GCM:
		return 16;
	case LC8061_KX_SUITE_CHACHA20:
		return 32;
	default:
		return 0;
	}
}

int
lc8061_kx_keypair(struct lc8061_kx_pair *kp)
{
	if (sodium_init() == -1)
		return -1;
	if (crypto_box_keypair(kp->pub, kp->sec) != 0) {
		lc8061_kx_pair_wipe(kp);
		return -1;
	}
	return 0;
}

void
lc8061_kx_pair_wipe(struct lc8061_kx_pair *kp)
{
	if (kp != NULL)
		sodium_memzero(kp, sizeof(*kp));
}

int
lc8061_kx_shared(uint8_t out[LC8061_KX_SECLEN],
    const uint8_t sec[LC8061_KX_SECLEN], const uint8_t peer[LC8061_KX_PUBLEN])
{
	/*
	 * crypto_scalarmult() returns -1 for an all-zero result (a peer
	 * key of small order); check again ourselves so that a libsodium
	 * built without that test cannot hand out a predictable key.
	 */
	if (crypto_scalarmult(out, sec, peer) != 0 ||
	    sodium_is_zero(out, LC8061_KX_SECLEN)) {
		sodium_memzero(out, LC8061_KX_SECLEN);
		return -1;
	}
	return 0;
}

void
lc8061_kx_context(uint8_t out[LC8061_KX_CTXLEN], uint16_t i,
    uint64_t itr_nonce, uint16_t lbits)
{
	size_t	 o = 0;
	int	 k;

	out[o++] = (uint8_t)(i >> 8);
	out[o++] = (uint8_t)i;
	memcpy(out + o, kx_label, sizeof(kx_label));	/* NUL included */
	o += sizeof(kx_label);
	for (k = 7; k >= 0; k--)
		out[o++] = (uint8_t)(itr_nonce >> (8 * k));
	out[o++] = (uint8_t)(lbits >> 8);
	out[o++] = (uint8_t)lbits;
}

void
lc8061_kx_kdf(uint8_t out[LC8061_KX_MATLEN],
    const uint8_t shared[LC8061_KX_SECLEN], uint64_t itr_nonce)
{
	crypto_auth_hmacsha256_state	 st;
	uint8_t				 ctx[LC8061_KX_CTXLEN];

	/* L = 256 = one HMAC output: only counter 1. */
	lc8061_kx_context(ctx, 1, itr_nonce, LC8061_KX_MATLEN * 8);
	crypto_auth_hmacsha256_init(&st, shared, LC8061_KX_SECLEN);
	crypto_auth_hmacsha256_update(&st, ctx, sizeof(ctx));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

int
lc8061_kx_key(uint8_t key[LC8061_KX_KEYMAX], uint8_t suite,
    const uint8_t shared[LC8061_KX_SECLEN], uint64_t itr_nonce)
{
	uint8_t	 mat[LC8061_KX_MATLEN];
	size_t	 len = lc8061_kx_key_len(suite);

	if (len == 0)
		return -1;
	lc8061_kx_kdf(mat, shared, itr_nonce);
	/* The most significant bits: the first bytes of K_1. */
	memcpy(key, mat, len);
	sodium_memzero(mat, sizeof(mat));
	return (int)len;
}

int
lc8061_kx_derive(uint8_t key[LC8061_KX_KEYMAX], uint8_t suite,
    const uint8_t sec[LC8061_KX_SECLEN], const uint8_t peer[LC8061_KX_PUBLEN],
    uint64_t itr_nonce)
{
	uint8_t	 shared[LC8061_KX_SECLEN];
	int	 rc = -1;

	if (lc8061_kx_key_len(suite) == 0)
		return -1;
	if (lc8061_kx_shared(shared, sec, peer) == -1)
		goto out;
	rc = lc8061_kx_key(key, suite, shared, itr_nonce);
out:
	sodium_memzero(shared, sizeof(shared));
	return rc;
}
