/* SPDX-License-Identifier: ISC */
/*
 * lc8061_kx: the key exchange of RFC 8061 (LISP-crypto) for the X25519
 * cipher suites, as our own control plane runs it (wire-formats.md 11).
 *
 * The ITR puts its X25519 public key in a Security Key LCAF ITR-RLOC of
 * a Map-Request, the ETR answers with its own in the RLOC-records of the
 * Map-Reply; both compute the shared secret and derive the data key with
 * the KDF of RFC 8061 section 7, a NIST SP 800-108 counter-mode KDF with
 * HMAC-SHA-256 as PRF (not HKDF):
 *
 *   shared  = X25519(own secret, peer public)      refused when all zero
 *   K_1     = HMAC-SHA-256(key = shared, msg = context_1)
 *
 *     0                   1                   2
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3  (bytes)
 *    +---+-----------------------+-+---------------+---+
 *    | i |     "lisp-crypto"     |0|   ITR nonce   | L |  context_i
 *    +---+-----------------------+-+---------------+---+
 *     u16be       11 bytes      NUL   8 bytes BE   u16be, bits
 *
 * L = 256 bits, so one call (i = 1) gives all the key material.  Suite 6
 * (ChaCha20-Poly1305) takes the whole 256 bits, suite 5 (AES-128-GCM)
 * the most significant 128 bits (the first 16 bytes).  The ITR nonce is
 * the nonce of the Map-Request that carried the ITR's key, in network
 * order as on the wire.
 *
 * Secret keys and shared secrets are wiped (sodium_memzero) as soon as
 * they are not needed; lc8061_kx_pair_wipe() clears a key pair.
 */
#ifndef LC8061_KX_H
#define LC8061_KX_H

#include <stddef.h>
#include <stdint.h>

#define LC8061_KX_SUITE_AES128_GCM	5	/* LISP_256_EC25519_AES128_GCM */
#define LC8061_KX_SUITE_CHACHA20	6	/* ..._CHACHA20_POLY1305 */

#define LC8061_KX_PUBLEN	32	/* X25519 public key */
#define LC8061_KX_SECLEN	32
#define LC8061_KX_MATLEN	32	/* L = 256 bits of key material */
#define LC8061_KX_KEYMAX	32
#define LC8061_KX_CTXLEN	24	/* 2 + 11 + 1 + 8 + 2 */

struct lc8061_kx_pair {
	uint8_t		pub[LC8061_KX_PUBLEN];
	uint8_t		sec[LC8061_KX_SECLEN];
};

/* 1 for the suites we can run (5 and 6), 0 otherwise. */
int	 lc8061_kx_suite_ok(uint8_t suite);
/* Data key bytes of a suite: 16 (suite 5), 32 (suite 6), 0 otherwise. */
size_t	 lc8061_kx_key_len(uint8_t suite);

/* A fresh key pair (libsodium's CSPRNG).  0 or -1. */
int	 lc8061_kx_keypair(struct lc8061_kx_pair *);
void	 lc8061_kx_pair_wipe(struct lc8061_kx_pair *);

/*
 * X25519 shared secret.  -1 when the peer key is of low order (the
 * result would be all zero, libsodium refuses it) or the secret is zero.
 */
int	 lc8061_kx_shared(uint8_t out[LC8061_KX_SECLEN],
	    const uint8_t sec[LC8061_KX_SECLEN],
	    const uint8_t peer[LC8061_KX_PUBLEN]);
/* The KDF context for counter i (exposed for the tests). */
void	 lc8061_kx_context(uint8_t out[LC8061_KX_CTXLEN], uint16_t i,
	    uint64_t itr_nonce, uint16_t lbits);
/* 256 bits of key material from a shared secret and the ITR nonce. */
void	 lc8061_kx_kdf(uint8_t out[LC8061_KX_MATLEN],
	    const uint8_t shared[LC8061_KX_SECLEN], uint64_t itr_nonce);
/*
 * KDF + the suite's cut from a shared secret already computed (a
 * session keeps it to derive one key per Map-Request nonce without a
 * new X25519): writes lc8061_kx_key_len(suite) bytes to key.  Returns
 * that length, or -1 (unknown suite).
 */
int	 lc8061_kx_key(uint8_t key[LC8061_KX_KEYMAX], uint8_t suite,
	    const uint8_t shared[LC8061_KX_SECLEN], uint64_t itr_nonce);
/*
 * shared secret + KDF + the suite's cut: writes lc8061_kx_key_len(suite)
 * bytes to key.  Returns that length, or -1 (unknown suite, low-order
 * peer key).  Nothing secret is left on the stack.
 */
int	 lc8061_kx_derive(uint8_t key[LC8061_KX_KEYMAX], uint8_t suite,
	    const uint8_t sec[LC8061_KX_SECLEN],
	    const uint8_t peer[LC8061_KX_PUBLEN], uint64_t itr_nonce);

#endif /* LC8061_KX_H */
