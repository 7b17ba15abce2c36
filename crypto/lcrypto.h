/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto data packets exactly as lispers.net builds them (compat
 * reference 2.11-2.13, wire-formats 11.5), for keys received over the
 * external data-plane IPC ("keys" of map-cache RLOCs, "decap-keys").
 * This is NOT the RFC 8061 AEAD construction; the two do not interoperate.
 *
 * A key may instead be an RFC 8061 key (lcrypto_key_new_rfc8061(),
 * crypto/lc8061.h: header || IV || AEAD ciphertext || tag, no ICV, no
 * padding): every function below then forwards to lc8061, so the data
 * path (encap.c, dp_crypto.c, dp_keys.c) handles one key type and one
 * set of error codes whatever the construction.  Mapping: a tag that
 * does not verify is -LCRYPTO_E_ICV (counted as ICV-error, as the tag
 * is the ICV of an AEAD), a used-up IV space -LCRYPTO_E_IV, a cipher
 * library failure -LCRYPTO_E_DECRYPT; the other codes keep their names.
 * Such a key takes inner packets of any length, 0 included.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |N|L|E|V|I|R|K|K|            Nonce/Map-Version                  | \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  |
 *    |                 Instance ID/Locator-Status-Bits               |  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  |
 *    |      IV: 16 bytes (AES-128-CBC) or 12 bytes (AES-128-GCM)     |  |
 *    ~          (counter bytes in little-endian order, below)        ~  | ICV
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  | covers
 *    |   ciphertext of the inner packet padded with ASCII spaces     |  |
 *    ~   (0x20) to a multiple of 16 (no padding if already one)      ~  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  |
 *    |   GCM only: 16-byte GCM tag (GCM runs with no AAD)            | /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   ICV: HMAC-SHA-256(icv-key, everything above)[0..19]         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The IV is a 128-bit counter c, +1 per packet, sent in x86 host order:
 * CBC = LE64(c >> 64) || LE64(c), GCM = LE32(c >> 64) || LE64(c).
 * Keys: "encrypt-key"/"decrypt-key" = 32 hex = the AES-128 key;
 * "icv-key" = 40 hex = the 20-byte HMAC key (4 leading zero bytes
 * included, used as they are).
 *
 * Refused, with a distinct error code (the caller logs and counts):
 *  - a 32-hex icv-key: lispers.net's LISP_USE_POLY ICV, which is not
 *    Poly1305-AES (unclamped r from ASCII hex, AES-256 keyed with ASCII
 *    hex); no library computes it (-LCRYPTO_E_POLY1305);
 *  - LISP_USE_CHACHA: raw 8-round ChaCha keyed with the ASCII hex string,
 *    offered by no maintained library (-LCRYPTO_E_CHACHA).
 *
 * GCM or CBC?  The IPC cannot say: the key strings are identical for
 * both (same KDF, see the vectors), and no message carries the suite.
 *  - Encapsulation: lispers.net encrypts with the suite its environment
 *    selected when it started: LISP_USE_CHACHA present -> ChaCha8, else
 *    LISP_USE_AES_GCM present -> AES-128-GCM (EVE), else AES-128-CBC
 *    (lispers.net's default).  The data plane must use the same suite;
 *    lcrypto_cipher_from_env() applies that rule to our own environment,
 *    and the daemon passes its choice to lcrypto_key_new().  (EVE starts
 *    lisp-ztr outside RUN-LISP, so the daemon should default to GCM and
 *    let configuration override it.)
 *  - Decapsulation: a lispers.net ETR decrypts with the suite the remote
 *    ITR offered, not with its own, so a decap key can be either.  Use
 *    LCRYPTO_AUTO: after the ICV has verified, the length decides.  With
 *    B = bytes between the LISP header and the ICV and the plaintext a
 *    multiple of 16, CBC gives B = 16 + 16n (B mod 16 = 0), GCM gives
 *    12 + 16n + 16 (12), ChaCha8 8 + 16n (8): never ambiguous.  A ChaCha8
 *    packet authenticates (its ICV is HMAC too) and is then refused.
 *
 * Receive order: ICV first, in constant time (a lispers.net receiver does
 * the same, so ICV-error counts agree with it); then decryption; then the
 * GCM tag, which lispers.net never checks but we do.
 *
 * Threads.  A key holds `nslots` slots; slot i has its own OpenSSL cipher
 * contexts (keyed once at lcrypto_key_new(), only the IV is set per
 * packet) and its own IV counter.  The HMAC state is keyed once and only
 * read (copied to the stack per packet), so it is shared.  Rule: at most
 * one thread uses a given slot of a given key at a time; a data-plane
 * worker passes its worker index, so keys need nslots = number of
 * workers.  Freeing is the caller's business: a key reachable from a
 * published map-cache entry is freed only after an RCU grace period.
 *
 * How the data path calls it:
 *
 *   map-cache add with keys[] (control thread):
 *	k = lcrypto_key_new(dk->key_id, dk->key, dk->icv, dk->icv_len,
 *	    dp_cipher, LCRYPTO_ENCAP, nworkers, &err);
 *	  (or lcrypto_key_from_hex() on the JSON strings)
 *	NULL: lcrypto already logged the reason and counted it
 *	(lcrypto_refused()); do not fall back to plaintext for an RLOC the
 *	peer expects encrypted traffic from: treat the RLOC as unusable.
 *   decap-keys (control thread): the same with LCRYPTO_AUTO and
 *	LCRYPTO_DECAP, stored under (rloc, port) and key-id.
 *   replacement: publish the new key, synchronize_rcu() (or call_rcu),
 *	then lcrypto_key_free(old), which wipes it.
 *
 *   ITR worker w, inner packet at `in` (len bytes):
 *	hdr[0] = 0x88 | key_id  (N, I, KK = key-id), nonce, IID as usual;
 *	n = lcrypto_encrypt(k, w, hdr, in, len, out, cap);
 *	n < 0: drop and count (-LCRYPTO_E_SPACE: cap too small).
 *	out[0..n) is the UDP payload; send it from the itr-crypto-port.
 *	In place: `in` may be out + LCRYPTO_PREFIX(k) exactly, with
 *	lcrypto_overhead(k) bytes of room in total (prefix + tail).
 *
 *   ETR worker w, UDP payload p (p[0] & 3 != 0):
 *	k = lookup(outer src, sport, p[0] & 3); none -> no-decrypt-key;
 *	n = lcrypto_decrypt(k, w, p, len, out, cap);
 *	-LCRYPTO_E_ICV -> ICV-error; other negatives -> drop, count
 *	(see lcrypto_err); n >= 0: out[0..n) is the inner packet, trimmed
 *	to its IP length when that fits; hand it to decap as the payload
 *	after the LISP header.  In place: out = p + 8 + IV length, which
 *	lcrypto_iv_len_of() gives before the call.
 */
#ifndef LCRYPTO_H
#define LCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define LCRYPTO_KEY_LEN		16	/* AES-128 */
#define LCRYPTO_ICV_KEY_LEN	20	/* HMAC key, "icv-key" 40 hex */
#define LCRYPTO_POLY_KEY_LEN	16	/* "icv-key" 32 hex: refused */
#define LCRYPTO_ICV_LEN		20	/* HMAC-SHA-256 truncated */
#define LCRYPTO_TAG_LEN		16	/* GCM tag */
#define LCRYPTO_IV_CBC		16
#define LCRYPTO_IV_GCM		12
#define LCRYPTO_IV_CHACHA	8
#define LCRYPTO_HDR_LEN		8	/* LISP data header */
#define LCRYPTO_BLOCK		16
#define LCRYPTO_PAD_BYTE	0x20	/* lispers.net pads with spaces */
/* Largest growth of a packet: header, IV, 15 padding, tag, ICV. */
#define LCRYPTO_MAX_OVERHEAD	(LCRYPTO_HDR_LEN + LCRYPTO_IV_CBC + 15 + \
				 LCRYPTO_TAG_LEN + LCRYPTO_ICV_LEN)

enum lcrypto_cipher {
	LCRYPTO_AUTO = 0,	/* decap only: chosen per packet by length */
	LCRYPTO_AES128_CBC,	/* suite 2, lispers.net's default */
	LCRYPTO_AES128_GCM,	/* suite 5, EVE's setting */
	LCRYPTO_CHACHA8,	/* suite 6 as lispers.net does it: refused */
	LCRYPTO_RFC8061_AES128_GCM,	/* RFC 8061 suite 5 (lc8061.h) */
	LCRYPTO_RFC8061_CHACHA20,	/* RFC 8061 suite 6 (lc8061.h) */
};

/* Functions return these negated. */
enum lcrypto_err {
	LCRYPTO_OK = 0,
	LCRYPTO_E_ICV,		/* ICV does not verify (ICV-error) */
	LCRYPTO_E_DECRYPT,	/* GCM tag mismatch or cipher failure */
	LCRYPTO_E_LEN,		/* length impossible for the cipher */
	LCRYPTO_E_KEYID,	/* KK of the header != the key's key-id */
	LCRYPTO_E_POLY1305,	/* lispers.net Poly1305 ICV key: refused */
	LCRYPTO_E_CHACHA,	/* lispers.net ChaCha8: refused */
	LCRYPTO_E_KEY,		/* malformed key, bad key-id, bad argument */
	LCRYPTO_E_SPACE,	/* output buffer too small */
	LCRYPTO_E_NOMEM,	/* allocation or library setup failed */
	LCRYPTO_E_DIR,		/* key not created for this direction */
	LCRYPTO_E_IV,		/* RFC 8061 key: IV space used up, rekey */
	LCRYPTO_E_MAX
};

/* lcrypto_key_new() directions, may be or'd. */
#define LCRYPTO_ENCAP		0x01
#define LCRYPTO_DECAP		0x02

#define LCRYPTO_MAX_SLOTS	256

struct lcrypto_key;

const char	*lcrypto_strerror(int err);
const char	*lcrypto_cipher_name(enum lcrypto_cipher);

/*
 * lispers.net's selection rule applied to our environment (presence
 * matters, not the value): LISP_USE_CHACHA -> LCRYPTO_CHACHA8, else
 * LISP_USE_AES_GCM -> LCRYPTO_AES128_GCM, else LCRYPTO_AES128_CBC.
 */
enum lcrypto_cipher lcrypto_cipher_from_env(void);

/*
 * New key from decoded bytes (struct dpipc_key: key_id, key, icv,
 * icv_len).  key_id 1..3; icv_len 20, or 16 for the refused Poly1305
 * ICV.  cipher: CBC or GCM for LCRYPTO_ENCAP, CBC, GCM or AUTO for
 * LCRYPTO_DECAP only.  nslots 1..LCRYPTO_MAX_SLOTS.  On failure NULL
 * with *err set to a positive enum lcrypto_err.  The caller wipes its
 * own copy of the bytes.  Every slot's IV counter starts at a random
 * value.
 */
struct lcrypto_key *lcrypto_key_new(unsigned int key_id, const uint8_t *key,
		    const uint8_t *icv, size_t icv_len, enum lcrypto_cipher,
		    unsigned int dir, unsigned int nslots, int *err);

/*
 * New RFC 8061 key (struct dpipc_key with suite 5 or 6: key_id, suite,
 * key, key_len), for lc8061_key_new(); dir and nslots as above.  A bad
 * key is refused (logged, lcrypto_refused(LCRYPTO_E_KEY) counts it).
 */
struct lcrypto_key *lcrypto_key_new_rfc8061(unsigned int key_id,
		    unsigned int suite, const uint8_t *key, size_t key_len,
		    unsigned int dir, unsigned int nslots, int *err);

/* The same from the IPC strings ("1", 32 hex, 40 hex; case-insensitive). */
struct lcrypto_key *lcrypto_key_from_hex(const char *key_id,
		    const char *key_hex, const char *icv_hex,
		    enum lcrypto_cipher, unsigned int dir, unsigned int nslots,
		    int *err);

/*
 * Keys refused so far by lcrypto_key_new() for reason err
 * (LCRYPTO_E_POLY1305, LCRYPTO_E_CHACHA, LCRYPTO_E_KEY); each refusal
 * also logs one line.  Process-wide, atomic.
 */
uint64_t	 lcrypto_refused(int err);

/* Wipes (lcrypto_key_wipe) and releases.  Accepts NULL. */
void		 lcrypto_key_free(struct lcrypto_key *);

/*
 * Wipes every secret the key holds (HMAC state, OpenSSL contexts reset
 * and cleansed) and makes later encrypt/decrypt calls fail with
 * -LCRYPTO_E_KEY.  lcrypto_key_free() calls it first; it is public so
 * that tests can check the effect (lcrypto_key_is_wiped()).
 */
void		 lcrypto_key_wipe(struct lcrypto_key *);
int		 lcrypto_key_is_wiped(const struct lcrypto_key *);
/*
 * Test hook: when set, lcrypto_key_free() calls it between the wipe and
 * the release, so a test can look at the struct a free is about to hand
 * back (with lcrypto_key_is_wiped()) without a use after free.
 */
extern void	(*lcrypto_free_hook)(const struct lcrypto_key *);

unsigned int	 lcrypto_key_id(const struct lcrypto_key *);
enum lcrypto_cipher lcrypto_key_cipher(const struct lcrypto_key *);

/* Bytes in front of the ciphertext on encap: header + IV. */
size_t		 lcrypto_prefix_len(const struct lcrypto_key *);
/* Worst-case growth of an encapsulated packet with this key. */
size_t		 lcrypto_overhead(const struct lcrypto_key *);
/* Exact size lcrypto_encrypt() produces for an inner packet of len. */
size_t		 lcrypto_encap_len(const struct lcrypto_key *, size_t len);
/*
 * Largest inner packet whose encapsulation with this key needs at most
 * room bytes after the LISP header (IV, ciphertext with any padding,
 * tag, ICV); 0 if none fits.  For the too-big MTU.
 */
size_t		 lcrypto_max_inner(const struct lcrypto_key *, size_t room);
/*
 * IV length of a received payload of len bytes (LISP header included),
 * decided by length as lcrypto_decrypt() does; 0 if none fits.
 */
size_t		 lcrypto_iv_len_of(const struct lcrypto_key *, size_t len);

/*
 * Set slot's IV counter (the next packet uses it, then +1): 16 bytes,
 * the 128-bit counter big-endian, as the vectors write iv_counter.  For
 * known-answer tests and reproducible replays; never needed otherwise.
 * An RFC 8061 key starts its counter at hi << 32 ^ lo of the two
 * 64-bit halves (lc8061_key_set_iv() keeps the low 56 or 64 bits of
 * that), so that both dp_keys_iv_seed()'s seed (high half) and key
 * number (low half) show in the IVs.
 */
int		 lcrypto_key_set_iv(struct lcrypto_key *, unsigned int slot,
		    const uint8_t ctr[16]);

/*
 * Encrypt one inner packet of len bytes: writes hdr (8 bytes, KK already
 * equal to the key-id) || IV || ciphertext [|| tag] || ICV to out.
 * Returns the length written, or -LCRYPTO_E_KEYID, -LCRYPTO_E_SPACE,
 * -LCRYPTO_E_LEN (len 0), -LCRYPTO_E_DIR, -LCRYPTO_E_KEY,
 * -LCRYPTO_E_DECRYPT (cipher failure).
 * `in` may be out + lcrypto_prefix_len() (in place); any other overlap
 * is undefined.
 */
int		 lcrypto_encrypt(struct lcrypto_key *, unsigned int slot,
		    const uint8_t hdr[LCRYPTO_HDR_LEN], const uint8_t *in,
		    size_t len, uint8_t *out, size_t cap);

/*
 * Decrypt the UDP payload pkt (LISP header first) of len bytes.  Checks
 * KK, then the ICV (constant time), then decrypts into out and checks the
 * GCM tag.  Returns the inner packet length: the IPv4 total length or
 * IPv6 payload length + 40 when the inner header says so and fits,
 * otherwise the whole padded plaintext (decap then judges the inner).
 * Errors: -LCRYPTO_E_LEN (shorter than header + ICV, or a length that
 * fits no allowed cipher), -LCRYPTO_E_ICV, -LCRYPTO_E_CHACHA,
 * -LCRYPTO_E_DECRYPT, -LCRYPTO_E_KEYID, -LCRYPTO_E_SPACE, -LCRYPTO_E_DIR,
 * -LCRYPTO_E_KEY.  out may be pkt + 8 + IV length (in place); on error
 * out holds no plaintext.
 */
int		 lcrypto_decrypt(struct lcrypto_key *, unsigned int slot,
		    const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

#endif /* LCRYPTO_H */
