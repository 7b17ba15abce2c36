/* SPDX-License-Identifier: ISC */
/*
 * Authentication data of Map-Register, Map-Notify, Map-Notify-Ack and
 * Info-Request/Reply (RFC 9301 section 5.6):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Type=3 |P|S|I|R|        Reserved               |M| Record Count  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Nonce . . .                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         . . . Nonce                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Key ID      |  Algorithm ID |  Authentication Data Length   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    ~                     Authentication Data                       ~
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The MAC is HMAC(PSK, whole UDP payload with the Authentication Data
 * bytes set to zero).  Every deployed implementation (Cisco, lispers.net,
 * OOR, OpenDaylight) covers the whole payload, xTR-ID/Site-ID trailer
 * included, and sends the untruncated digest (20 bytes for SHA-1, 32 for
 * SHA-256) although the RFC algorithm names say 96/128 bits.  So we sign
 * with the full digest and accept both the full and the truncated length
 * on receipt (wire-formats.md section 14 items 2 and 3).
 *
 * Algorithm 3 (HMAC-SHA-256-128 + HKDF-SHA-256) is refused: RFC 9301 does
 * not fix HKDF's info and output length nor whether the salt string ends
 * in a NUL, and no implementation exists to interoperate with, so any
 * choice we made would be a private protocol.
 *
 * Functions return 0 or a negated enum lisp_err: -LISP_E_VALUE for an
 * unknown or unsupported algorithm or an empty key, -LISP_E_LEN when the
 * authentication data length or offset does not fit the algorithm or the
 * message, -LISP_E_AUTH when the MAC does not verify.
 */
#ifndef LISP_AUTH_H
#define LISP_AUTH_H

#include <stddef.h>
#include <stdint.h>

enum lisp_auth_alg {
	LISP_AUTH_NONE		= 0,
	LISP_AUTH_HMAC_SHA1	= 1,	/* HMAC-SHA-1-96-None */
	LISP_AUTH_HMAC_SHA256	= 2,	/* HMAC-SHA-256-128-None */
	LISP_AUTH_HMAC_SHA256_HKDF = 3,	/* refused, see above */
};

#define LISP_AUTH_SHA1_LEN	20
#define LISP_AUTH_SHA1_TRUNC	12
#define LISP_AUTH_SHA256_LEN	32
#define LISP_AUTH_SHA256_TRUNC	16

/* Full digest length: 20, 32, 0 for none, -1 for unknown/unsupported. */
int		 lisp_auth_len(uint8_t alg);
const char	*lisp_auth_alg_name(uint8_t alg);

/*
 * Sign msg in place: the Authentication Data Length field (the two bytes
 * before auth_off) must already hold the full digest length.  The auth
 * bytes are zeroed, the MAC computed and written there.  For alg 0 the
 * length must be 0 and nothing is written.
 */
int	 lisp_auth_sign(uint8_t *msg, size_t len, size_t auth_off,
	    uint8_t alg, const uint8_t *key, size_t keylen);

/*
 * Verify a received message without modifying it.  auth_len is the
 * length field as received: 12 or 20 for alg 1, 16 or 32 for alg 2; that
 * many leading bytes of the MAC are compared in constant time.  Alg 0
 * (no authentication) never verifies: a receiver that holds a key wants
 * a MAC.
 */
int	 lisp_auth_verify(const uint8_t *msg, size_t len, size_t auth_off,
	    size_t auth_len, uint8_t alg, const uint8_t *key, size_t keylen);

#endif /* LISP_AUTH_H */
