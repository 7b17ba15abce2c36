/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto data packets as RFC 8061 section 8 builds them (wire-formats
 * 11.4), for the AEAD suites we implement:
 *
 *   5  LISP_256_EC25519_AES128_GCM: AES-128-GCM (OpenSSL EVP), 16-byte
 *	key, 12-byte IV;
 *   6  LISP_256_EC25519_CHACHA20_POLY1305: libsodium's original
 *	ChaCha20-Poly1305 construction, 32-byte key, 8-byte IV used as
 *	its 64-bit nonce (DECISIONS.md item 8).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |N|L|E|V|I|R|K|K|            Nonce/Map-Version                  | \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  |
 *    |                 Instance ID/Locator-Status-Bits               |  | AAD
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  |
 *    |         IV: 12 bytes (suite 5) or 8 bytes (suite 6)           |  |
 *    ~        slot byte || counter, big-endian (see below)           ~ /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |     AEAD ciphertext of the whole inner packet (inner IP       |
 *    ~     header included), exactly as long as it, no padding       ~
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                  AEAD tag: 16 bytes                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * KK (the low two bits of the first byte) is the key-id, 1..3.  The
 * associated data is the 8-byte LISP header exactly as sent, KK
 * included, followed by the IV; the outer IP and UDP headers are not
 * authenticated.  There is no separate ICV: the tag is the integrity
 * check (RFC 8061 section 8 "ICV is part of the AEAD ciphertext").
 *
 * IV rule (IVs never repeat for one key).  A key has nslots slots, one
 * per data-plane worker; slot s sends IVs
 *
 *	IV = s (1 byte) || c (IV length - 1 bytes), big-endian
 *
 * where c starts at a random value (randombytes_buf, or a value given by
 * lc8061_key_set_iv() for reproducible replays) and is +1 per packet,
 * modulo 2^(8 * (IV length - 1)).  The slot byte keeps the slots'
 * sequences apart whatever their starts; within a slot c takes every
 * value once before it could come back to its start, and the slot
 * refuses to encrypt (-LC8061_E_IV) after 2^56 - 1 packets (suite 6;
 * 2^64 - 1 for suite 5, which has 2^88 values), so nothing ever repeats
 * under one key object.  That is 7 * 10^16 packets per worker for suite 6: 22
 * years at 100 Mpps, long past any rekey.  RFC 8061 lets GCM and ChaCha
 * IVs "count up"; starting at 1 is not required of a sender, and a
 * random start keeps two key objects made from the same key material
 * (after a data-plane restart, before the control plane rekeys) from
 * replaying each other's IVs except by a 2^-56 chance per overlap.
 *
 * Threads: at most one thread uses a slot of a key at a time (a worker
 * passes its index).  A slot's OpenSSL contexts are keyed once at
 * lc8061_key_new(); per packet only the IV is set.  The ChaCha20 key is
 * only read.  The caller frees a key only after nobody can still use it
 * (RCU grace period).
 */
#ifndef LC8061_H
#define LC8061_H

#include <stddef.h>
#include <stdint.h>

#define LC8061_SUITE_AES128_GCM	5
#define LC8061_SUITE_CHACHA20	6

#define LC8061_HDR_LEN		8	/* LISP data header */
#define LC8061_TAG_LEN		16
#define LC8061_IV_GCM		12
#define LC8061_IV_CHACHA	8
#define LC8061_KEY_GCM		16
#define LC8061_KEY_CHACHA	32
#define LC8061_MAX_IV		LC8061_IV_GCM
/* Largest growth of an inner packet: header, IV, tag. */
#define LC8061_MAX_OVERHEAD	(LC8061_HDR_LEN + LC8061_MAX_IV + \
				 LC8061_TAG_LEN)
#define LC8061_MAX_SLOTS	256	/* the slot byte of the IV */

/* lc8061_key_new() directions, may be or'd. */
#define LC8061_ENCAP		0x01
#define LC8061_DECAP		0x02

/* Functions return these negated. */
enum lc8061_err {
	LC8061_OK = 0,
	LC8061_E_TAG,		/* tag does not verify: forged or wrong key */
	LC8061_E_LEN,		/* shorter than header + IV + tag, too long */
	LC8061_E_KEYID,		/* KK of the header != the key's key-id */
	LC8061_E_KEY,		/* bad key, suite, key-id, slot or argument */
	LC8061_E_SPACE,		/* output buffer too small */
	LC8061_E_NOMEM,		/* allocation or cipher setup failed */
	LC8061_E_DIR,		/* key not made for this direction */
	LC8061_E_IV,		/* slot's IV space used up: rekey */
	LC8061_E_CIPHER,	/* the cipher library failed */
	LC8061_E_MAX
};

struct lc8061_key;

const char	*lc8061_strerror(int err);
/* "aes-128-gcm" / "chacha20-poly1305"; "unknown" for other suites. */
const char	*lc8061_suite_name(unsigned int suite);

/*
 * New key: key_id 1..3, suite 5 with a 16-byte key or 6 with a 32-byte
 * key (the most significant bits of the KDF output, DECISIONS.md),
 * dir LC8061_ENCAP and/or LC8061_DECAP, nslots 1..LC8061_MAX_SLOTS.
 * The key bytes are copied (suite 6) or scheduled into the contexts
 * (suite 5); the caller wipes its own copy.  NULL on failure with *err a
 * positive enum lc8061_err.
 */
struct lc8061_key *lc8061_key_new(unsigned int key_id, unsigned int suite,
		    const uint8_t *key, size_t key_len, unsigned int dir,
		    unsigned int nslots, int *err);
/* Wipes every secret (lc8061_key_wipe), then releases.  Accepts NULL. */
void		 lc8061_key_free(struct lc8061_key *);
/*
 * Wipes every secret the key holds (the ChaCha20 key; the OpenSSL
 * contexts, whose free cleanses their key schedules; the IV counters)
 * and makes later calls fail with -LC8061_E_KEY.  Public so that tests
 * can check the effect (lc8061_key_is_wiped()).
 */
void		 lc8061_key_wipe(struct lc8061_key *);
int		 lc8061_key_is_wiped(const struct lc8061_key *);
/*
 * Test hook: when set, lc8061_key_free() calls it between the wipe and
 * the release, so a test can look at the struct without a use after
 * free.
 */
extern void	(*lc8061_free_hook)(const struct lc8061_key *);

unsigned int	 lc8061_key_id(const struct lc8061_key *);
unsigned int	 lc8061_key_suite(const struct lc8061_key *);
/* IV length of the key's suite: 12 or 8. */
size_t		 lc8061_iv_len(const struct lc8061_key *);
/* Bytes in front of the ciphertext: header + IV. */
size_t		 lc8061_prefix_len(const struct lc8061_key *);
/* Growth of a packet: header + IV + tag (no padding, any length). */
size_t		 lc8061_overhead(const struct lc8061_key *);

/*
 * Start slot's counter c at the low (IV length - 1) bytes of start
 * (the next packet uses it).  For known-answer tests and reproducible
 * replays (lisp-replay --seed); never needed otherwise.
 */
int		 lc8061_key_set_iv(struct lc8061_key *, unsigned int slot,
		    uint64_t start);
/*
 * Test hook: count slot as having sent `used` IVs since its start, so
 * that a test reaches the exhaustion rule (-LC8061_E_IV).
 */
int		 lc8061_key_set_iv_used(struct lc8061_key *, unsigned int slot,
		    uint64_t used);
/* The IV slot's next packet will carry (tests).  0 or -LC8061_E_KEY. */
int		 lc8061_key_peek_iv(const struct lc8061_key *,
		    unsigned int slot, uint8_t iv[LC8061_MAX_IV]);

/*
 * Encrypt one inner packet of len bytes (0 allowed): writes hdr (KK
 * equal to the key-id) || IV || ciphertext || tag to out, len +
 * lc8061_overhead() bytes, and returns that length; or -LC8061_E_KEYID,
 * -LC8061_E_SPACE, -LC8061_E_DIR, -LC8061_E_KEY, -LC8061_E_IV,
 * -LC8061_E_CIPHER.  In place: `in` may be out + lc8061_prefix_len()
 * exactly, with cap >= len + lc8061_overhead() (the tag goes after the
 * inner packet); any other overlap is undefined.
 */
int		 lc8061_encrypt(struct lc8061_key *, unsigned int slot,
		    const uint8_t hdr[LC8061_HDR_LEN], const uint8_t *in,
		    size_t len, uint8_t *out, size_t cap);

/*
 * Decrypt the UDP payload pkt (LISP header first) of len bytes: checks
 * KK, then the tag over header, IV and ciphertext; the inner packet
 * goes to out, len - lc8061_overhead() bytes, which is returned.
 * Errors: -LC8061_E_LEN, -LC8061_E_KEYID, -LC8061_E_TAG, -LC8061_E_SPACE,
 * -LC8061_E_DIR, -LC8061_E_KEY, -LC8061_E_CIPHER.  Nothing decrypted is
 * left in out on error (suite 6 verifies before it decrypts; suite 5's
 * output is zeroed when the tag fails).  In place: out may be
 * pkt + lc8061_prefix_len() exactly.
 */
int		 lc8061_decrypt(struct lc8061_key *, unsigned int slot,
		    const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

#endif /* LC8061_H */
