/* SPDX-License-Identifier: ISC */
/*
 * Map-Register family authentication (see lisp_auth.h).
 *
 * libsodium 1.0.18 has no SHA-1, so algorithm 1 goes through OpenSSL's
 * EVP_MAC; algorithm 2 uses libsodium's HMAC-SHA-256, which takes keys of
 * any length.  The MAC is fed in three pieces (the bytes before the auth
 * field, zeros in its place, the bytes after it) so that a received
 * message is never copied or modified.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "buf.h"
#include "lisp_auth.h"
#include "lisp_err.h"

static const uint8_t auth_zero[LISP_AUTH_SHA256_LEN];

int
lisp_auth_len(uint8_t alg)
{
	switch (alg) {
	case LISP_AUTH_NONE:
		return 0;
	case LISP_AUTH_HMAC_SHA1:
		return LISP_AUTH_SHA1_LEN;
	case LISP_AUTH_HMAC_SHA256:
		return LISP_AUTH_SHA256_LEN;
	default:
		return -1;
	}
}

const char *
lisp_auth_alg_name(uint8_t alg)
{
	switch (alg) {
	case LISP_AUTH_NONE:
		return "none";
	case LISP_AUTH_HMAC_SHA1:
		return "hmac-sha1";
	case LISP_AUTH_HMAC_SHA256:
		return "hmac-sha256";
	case LISP_AUTH_HMAC_SHA256_HKDF:
		return "hmac-sha256-hkdf";
	default:
		return "unknown";
	}
}

static int
auth_sha1(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
    size_t auth_off, size_t auth_len, uint8_t *out)
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA1";
	size_t		 outlen = 0;
	int		 rc = -LISP_E_NOMEM;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return rc;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, msg, auth_off) != 1 ||
	    EVP_MAC_update(ctx, auth_zero, auth_len) != 1 ||
	    EVP_MAC_update(ctx, msg + auth_off + auth_len,
	    len - auth_off - auth_len) != 1 ||
	    EVP_MAC_final(ctx, out, &outlen, LISP_AUTH_SHA1_LEN) != 1 ||
	    outlen != LISP_AUTH_SHA1_LEN)
		goto out;
	rc = 0;
 out:
	/* Frees the context's copy of the key (OpenSSL cleanses it). */
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

static void
auth_sha256(const uint8_t *key, size_t keylen, const uint8_t *msg,
    size_t len, size_t auth_off, size_t auth_len, uint8_t *out)
{
	crypto_auth_hmacsha256_state	 st;

	/* Keys longer than the block size are hashed by libsodium. */
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, auth_off);
	crypto_auth_hmacsha256_update(&st, auth_zero, auth_len);
	crypto_auth_hmacsha256_update(&st, msg + auth_off + auth_len,
	    len - auth_off - auth_len);
	crypto_auth_hmacsha256_final(&st, out);
	/* The state holds the padded key. */
	sodium_memzero(&st, sizeof(st));
}

/* MAC of msg with [auth_off, auth_off + auth_len) taken as zero. */
static int
auth_compute(uint8_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *msg, size_t len, size_t auth_off, size_t auth_len,
    uint8_t *out)
{
	if (key == NULL || keylen == 0)
		return -LISP_E_VALUE;
	if (auth_off > len || auth_len > len - auth_off ||
	    auth_len > LISP_AUTH_SHA256_LEN)
		return -LISP_E_LEN;
	switch (alg) {
	case LISP_AUTH_HMAC_SHA1:
		return auth_sha1(key, keylen, msg, len, auth_off, auth_len,
		    out);
	case LISP_AUTH_HMAC_SHA256:
		if (sodium_init() < 0)
			return -LISP_E_NOMEM;
		auth_sha256(key, keylen, msg, len, auth_off, auth_len, out);
		return 0;
	default:
		return -LISP_E_VALUE;
	}
}

int
lisp_auth_sign(uint8_t *msg, size_t len, size_t auth_off, uint8_t alg,
    const uint8_t *key, size_t keylen)
{
	struct rbuf	 rb;
	uint8_t		 mac[LISP_AUTH_SHA256_LEN];
	uint16_t	 field;
	int		 dlen, rc;

	if ((dlen = lisp_auth_len(alg)) < 0)
		return -LISP_E_VALUE;
	/* The length field sits right before the data in every user. */
	if (auth_off < 2 || auth_off > len)
		return -LISP_E_LEN;
	rbuf_init(&rb, msg + auth_off - 2, 2);
	if (rbuf_get_u16(&rb, &field) == -1 || field != dlen)
		return -LISP_E_LEN;
	if (dlen == 0)
		return 0;
	if ((size_t)dlen > len - auth_off)
		return -LISP_E_LEN;
	rc = auth_compute(alg, key, keylen, msg, len, auth_off,
	    (size_t)dlen, mac);
	if (rc == 0)
		memcpy(msg + auth_off, mac, (size_t)dlen);
	sodium_memzero(mac, sizeof(mac));
	return rc;
}

int
lisp_auth_verify(const uint8_t *msg, size_t len, size_t auth_off,
    size_t auth_len, uint8_t alg, const uint8_t *key, size_t keylen)
{
	uint8_t		 mac[LISP_AUTH_SHA256_LEN];
	int		 rc;

	switch (alg) {
	case LISP_AUTH_NONE:
		return -LISP_E_AUTH;
	case LISP_AUTH_HMAC_SHA1:
		if (auth_len != LISP_AUTH_SHA1_LEN &&
		    auth_len != LISP_AUTH_SHA1_TRUNC)
			return -LISP_E_LEN;
		break;
	case LISP_AUTH_HMAC_SHA256:
		if (auth_len != LISP_AUTH_SHA256_LEN &&
		    auth_len != LISP_AUTH_SHA256_TRUNC)
			return -LISP_E_LEN;
		break;
	default:
		return -LISP_E_VALUE;
	}
	rc = auth_compute(alg, key, keylen, msg, len, auth_off, auth_len, mac);
	if (rc == 0 && CRYPTO_memcmp(mac, msg + auth_off, auth_len) != 0)
		rc = -LISP_E_AUTH;
	sodium_memzero(mac, sizeof(mac));
	return rc;
}
