/* SPDX-License-Identifier: ISC */
/*
 * lispers.net-compatible LISP-crypto data packets (see lcrypto.h).
 *
 * AES-128 comes from OpenSSL's libcrypto (libsodium has no AES-128 and
 * no CBC); the ICV is libsodium's HMAC-SHA-256, which takes the 20-byte
 * key as it is.  Nothing is keyed per packet: each slot's cipher
 * contexts are keyed once when the key is made and only get a new IV per
 * packet (EVP_CipherInit_ex with a NULL key keeps the key schedule), and
 * the HMAC state is keyed once and copied to the stack per packet.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "buf.h"
#include "lc8061.h"
#include "lcrypto.h"
#include "log.h"

/*
 * One worker's state.  Aligned to a cache line so that two workers
 * bumping their IV counters never share one.
 */
struct lcrypto_slot {
	EVP_CIPHER_CTX	*enc;		/* LCRYPTO_ENCAP: the key's cipher */
	EVP_CIPHER_CTX	*dec_cbc;	/* LCRYPTO_DECAP: CBC or AUTO */
	EVP_CIPHER_CTX	*dec_gcm;	/* LCRYPTO_DECAP: GCM or AUTO */
	uint64_t	 iv_hi;		/* next IV, 128-bit counter */
	uint64_t	 iv_lo;
} __attribute__((aligned(64)));

struct lcrypto_key {
	crypto_auth_hmacsha256_state	 hmac;	/* keyed once, read-only */
	struct lcrypto_slot		*slots;
	unsigned int			 nslots;
	unsigned int			 key_id;
	unsigned int			 dir;
	enum lcrypto_cipher		 cipher;
	int				 wiped;
	struct lc8061_key		*aead;	/* RFC 8061 key: forward */
};

void		(*lcrypto_free_hook)(const struct lcrypto_key *);

static _Atomic uint64_t	lcrypto_refused_ctr[LCRYPTO_E_MAX];

static const char *const lcrypto_errstr[LCRYPTO_E_MAX] = {
	[LCRYPTO_OK] = "ok",
	[LCRYPTO_E_ICV] = "ICV does not verify",
	[LCRYPTO_E_DECRYPT] = "decryption failed (GCM tag)",
	[LCRYPTO_E_LEN] = "length impossible for the cipher",
	[LCRYPTO_E_KEYID] = "key-id does not match the header",
	[LCRYPTO_E_POLY1305] = "lispers.net Poly1305 ICV not supported",
	[LCRYPTO_E_CHACHA] = "lispers.net ChaCha8 cipher not supported",
	[LCRYPTO_E_KEY] = "bad key",
	[LCRYPTO_E_SPACE] = "output buffer too small",
	[LCRYPTO_E_NOMEM] = "out of memory or cipher setup failed",
	[LCRYPTO_E_DIR] = "key not made for this direction",
	[LCRYPTO_E_IV] = "IV space used up (rekey)",
};

const char *
lcrypto_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= LCRYPTO_E_MAX)
		return "unknown error";
	return lcrypto_errstr[err];
}

const char *
lcrypto_cipher_name(enum lcrypto_cipher c)
{
	switch (c) {
	case LCRYPTO_AUTO:
		return "auto";
	case LCRYPTO_AES128_CBC:
		return "aes-128-cbc";
	case LCRYPTO_AES128_GCM:
		return "aes-128-gcm";
	case LCRYPTO_CHACHA8:
		return "chacha8";
	case LCRYPTO_RFC8061_AES128_GCM:
		return "rfc8061-aes-128-gcm";
	case LCRYPTO_RFC8061_CHACHA20:
		return "rfc8061-chacha20-poly1305";
	}
	return "unknown";
}

enum lcrypto_cipher
lcrypto_cipher_from_env(void)
{
	/* lispers.net tests presence only; EVE exported empty strings. */
	if (getenv("LISP_USE_CHACHA") != NULL)
		return LCRYPTO_CHACHA8;
	if (getenv("LISP_USE_AES_GCM") != NULL)
		return LCRYPTO_AES128_GCM;
	return LCRYPTO_AES128_CBC;
}

uint64_t
lcrypto_refused(int err)
{
	if (err < 0)
		err = -err;
	if (err <= 0 || err >= LCRYPTO_E_MAX)
		return 0;
	return atomic_load_explicit(&lcrypto_refused_ctr[err],
	    memory_order_relaxed);
}

static void
refuse(int err, unsigned int key_id)
{
	atomic_fetch_add_explicit(&lcrypto_refused_ctr[err], 1,
	    memory_order_relaxed);
	log_warnx("lisp-crypto key-id %u refused: %s", key_id,
	    lcrypto_strerror(err));
}

static size_t
iv_len(enum lcrypto_cipher c)
{
	return c == LCRYPTO_AES128_GCM ? LCRYPTO_IV_GCM : LCRYPTO_IV_CBC;
}

static size_t
tag_len(enum lcrypto_cipher c)
{
	return c == LCRYPTO_AES128_GCM ? LCRYPTO_TAG_LEN : 0;
}

static size_t
pad_len(size_t len)
{
	return (len + LCRYPTO_BLOCK - 1) & ~(size_t)(LCRYPTO_BLOCK - 1);
}

static EVP_CIPHER_CTX *
ctx_new(enum lcrypto_cipher c, int enc, const uint8_t *key)
{
	EVP_CIPHER_CTX	*ctx;
	const EVP_CIPHER *ciph;

	ciph = c == LCRYPTO_AES128_GCM ? EVP_aes_128_gcm() : EVP_aes_128_cbc();
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	/*
	 * Key now, IV per packet.  GCM's default IV length is the 12 bytes
	 * lispers.net sends; CBC runs without OpenSSL's PKCS#7 padding
	 * because the plaintext is already padded with spaces.
	 */
	if (EVP_CipherInit_ex(ctx, ciph, NULL, key, NULL, enc) != 1 ||
	    (c == LCRYPTO_AES128_CBC && EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct lcrypto_key *
lcrypto_key_new(unsigned int key_id, const uint8_t *key, const uint8_t *icv,
    size_t icv_len, enum lcrypto_cipher cipher, unsigned int dir,
    unsigned int nslots, int *err)
{
	struct lcrypto_key	*k = NULL;
	struct lcrypto_slot	*s;
	void			*mem;
	unsigned int		 i;
	int			 e = LCRYPTO_E_KEY;

	if (key_id < 1 || key_id > 3 || key == NULL || icv == NULL)
		goto refused;
	if (icv_len == LCRYPTO_POLY_KEY_LEN) {
		e = LCRYPTO_E_POLY1305;
		goto refused;
	}
	if (icv_len != LCRYPTO_ICV_KEY_LEN)
		goto refused;
	if (cipher == LCRYPTO_CHACHA8) {
		e = LCRYPTO_E_CHACHA;
		goto refused;
	}
	if (cipher != LCRYPTO_AUTO && cipher != LCRYPTO_AES128_CBC &&
	    cipher != LCRYPTO_AES128_GCM)
		goto refused;
	if (dir == 0 || (dir & ~(LCRYPTO_ENCAP | LCRYPTO_DECAP)) != 0 ||
	    ((dir & LCRYPTO_ENCAP) && cipher == LCRYPTO_AUTO))
		goto refused;
	if (nslots < 1 || nslots > LCRYPTO_MAX_SLOTS)
		goto refused;

	e = LCRYPTO_E_NOMEM;
	if (sodium_init() < 0)
		goto fail;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		goto fail;
	if (posix_memalign(&mem, 64, nslots * sizeof(*s)) != 0)
		goto fail;
	memset(mem, 0, nslots * sizeof(*s));
	k->slots = mem;
	k->nslots = nslots;
	k->key_id = key_id;
	k->dir = dir;
	k->cipher = cipher;
	if (crypto_auth_hmacsha256_init(&k->hmac, icv, icv_len) != 0)
		goto fail;
	for (i = 0; i < nslots; i++) {
		s = &k->slots[i];
		if ((dir & LCRYPTO_ENCAP) &&
		    (s->enc = ctx_new(cipher, 1, key)) == NULL)
			goto fail;
		if ((dir & LCRYPTO_DECAP) && cipher != LCRYPTO_AES128_GCM &&
		    (s->dec_cbc = ctx_new(LCRYPTO_AES128_CBC, 0, key)) == NULL)
			goto fail;
		if ((dir & LCRYPTO_DECAP) && cipher != LCRYPTO_AES128_CBC &&
		    (s->dec_gcm = ctx_new(LCRYPTO_AES128_GCM, 0, key)) == NULL)
			goto fail;
		/* Random start, like lispers.net and the old DP. */
		randombytes_buf(&s->iv_hi, sizeof(s->iv_hi));
		randombytes_buf(&s->iv_lo, sizeof(s->iv_lo));
	}
	return k;

 refused:
	refuse(e, key_id);
	if (err != NULL)
		*err = e;
	return NULL;
 fail:
	lcrypto_key_free(k);
	if (err != NULL)
		*err = e;
	return NULL;
}

/* lc8061's error codes as lcrypto's (lcrypto.h), negated. */
static int
err_8061(int n)
{
	if (n >= 0)
		return n;
	switch (-n) {
	case LC8061_E_TAG:
		return -LCRYPTO_E_ICV;
	case LC8061_E_LEN:
		return -LCRYPTO_E_LEN;
	case LC8061_E_KEYID:
		return -LCRYPTO_E_KEYID;
	case LC8061_E_KEY:
		return -LCRYPTO_E_KEY;
	case LC8061_E_SPACE:
		return -LCRYPTO_E_SPACE;
	case LC8061_E_NOMEM:
		return -LCRYPTO_E_NOMEM;
	case LC8061_E_DIR:
		return -LCRYPTO_E_DIR;
	case LC8061_E_IV:
		return -LCRYPTO_E_IV;
	default:
		return -LCRYPTO_E_DECRYPT;
	}
}

struct lcrypto_key *
lcrypto_key_new_rfc8061(unsigned int key_id, unsigned int suite,
    const uint8_t *key, size_t key_len, unsigned int dir, unsigned int nslots,
    int *err)
{
	struct lcrypto_key	*k;
	int			 e = LCRYPTO_E_NOMEM;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		goto fail;
	/* LCRYPTO_ENCAP/DECAP have lc8061's values. */
	k->aead = lc8061_key_new(key_id, suite, key, key_len, dir, nslots,
	    &e);
	if (k->aead == NULL) {
		free(k);
		k = NULL;
		e = -err_8061(-e);
		if (e == LCRYPTO_E_KEY)
			refuse(e, key_id);
		goto fail;
	}
	k->nslots = nslots;
	k->key_id = key_id;
	k->dir = dir;
	k->cipher = suite == LC8061_SUITE_AES128_GCM ?
	    LCRYPTO_RFC8061_AES128_GCM : LCRYPTO_RFC8061_CHACHA20;
	return k;
 fail:
	if (err != NULL)
		*err = e;
	return NULL;
}

struct lcrypto_key *
lcrypto_key_from_hex(const char *key_id, const char *key_hex,
    const char *icv_hex, enum lcrypto_cipher cipher, unsigned int dir,
    unsigned int nslots, int *err)
{
	struct lcrypto_key	*k = NULL;
	uint8_t			 key[LCRYPTO_KEY_LEN];
	uint8_t			 icv[LCRYPTO_ICV_KEY_LEN];
	size_t			 klen = 0, ilen = 0, hlen;
	unsigned int		 id;
	int			 e = LCRYPTO_E_KEY;

	/* The IPC key-id is a decimal string, always "1" from lispers.net. */
	if (key_id == NULL || key_id[0] < '1' || key_id[0] > '3' ||
	    key_id[1] != '\0') {
		refuse(e, 0);
		goto out;
	}
	id = (unsigned int)(key_id[0] - '0');
	if (key_hex == NULL || icv_hex == NULL ||
	    strlen(key_hex) != 2 * LCRYPTO_KEY_LEN ||
	    sodium_hex2bin(key, sizeof(key), key_hex, 2 * LCRYPTO_KEY_LEN,
	    NULL, &klen, NULL) != 0 || klen != LCRYPTO_KEY_LEN) {
		refuse(e, id);
		goto out;
	}
	hlen = strlen(icv_hex);
	if ((hlen != 2 * LCRYPTO_ICV_KEY_LEN &&
	    hlen != 2 * LCRYPTO_POLY_KEY_LEN) ||
	    sodium_hex2bin(icv, sizeof(icv), icv_hex, hlen, NULL, &ilen,
	    NULL) != 0 || ilen != hlen / 2) {
		refuse(e, id);
		goto out;
	}
	k = lcrypto_key_new(id, key, icv, ilen, cipher, dir, nslots, &e);
 out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(icv, sizeof(icv));
	if (k == NULL && err != NULL)
		*err = e;
	return k;
}

void
lcrypto_key_wipe(struct lcrypto_key *k)
{
	struct lcrypto_slot	*s;
	unsigned int		 i;

	if (k == NULL)
		return;
	lc8061_key_free(k->aead);
	k->aead = NULL;
	/* EVP_CIPHER_CTX_free() cleanses the key schedule it held. */
	for (i = 0; k->slots != NULL && i < k->nslots; i++) {
		s = &k->slots[i];
		EVP_CIPHER_CTX_free(s->enc);
		EVP_CIPHER_CTX_free(s->dec_cbc);
		EVP_CIPHER_CTX_free(s->dec_gcm);
		s->enc = s->dec_cbc = s->dec_gcm = NULL;
		s->iv_hi = s->iv_lo = 0;
	}
	sodium_memzero(&k->hmac, sizeof(k->hmac));
	k->wiped = 1;
}

int
lcrypto_key_is_wiped(const struct lcrypto_key *k)
{
	const struct lcrypto_slot *s;
	unsigned int		 i;

	if (!k->wiped || k->aead != NULL ||
	    !sodium_is_zero((const unsigned char *)&k->hmac,
	    sizeof(k->hmac)))
		return 0;
	for (i = 0; k->slots != NULL && i < k->nslots; i++) {
		s = &k->slots[i];
		if (s->enc != NULL || s->dec_cbc != NULL ||
		    s->dec_gcm != NULL || s->iv_hi != 0 || s->iv_lo != 0)
			return 0;
	}
	return 1;
}

void
lcrypto_key_free(struct lcrypto_key *k)
{
	if (k == NULL)
		return;
	lcrypto_key_wipe(k);
	if (lcrypto_free_hook != NULL)
		lcrypto_free_hook(k);
	free(k->slots);
	free(k);
}

unsigned int
lcrypto_key_id(const struct lcrypto_key *k)
{
	return k->key_id;
}

enum lcrypto_cipher
lcrypto_key_cipher(const struct lcrypto_key *k)
{
	return k->cipher;
}

size_t
lcrypto_prefix_len(const struct lcrypto_key *k)
{
	if (k->aead != NULL)
		return lc8061_prefix_len(k->aead);
	return LCRYPTO_HDR_LEN + iv_len(k->cipher);
}

size_t
lcrypto_overhead(const struct lcrypto_key *k)
{
	if (k->aead != NULL)
		return lc8061_overhead(k->aead);
	return LCRYPTO_HDR_LEN + iv_len(k->cipher) + LCRYPTO_BLOCK - 1 +
	    tag_len(k->cipher) + LCRYPTO_ICV_LEN;
}

size_t
lcrypto_encap_len(const struct lcrypto_key *k, size_t len)
{
	if (k->aead != NULL)
		return lc8061_overhead(k->aead) + len;
	return LCRYPTO_HDR_LEN + iv_len(k->cipher) + pad_len(len) +
	    tag_len(k->cipher) + LCRYPTO_ICV_LEN;
}

/*
 * Which cipher a received payload of len bytes (header and ICV included)
 * was made with, from the length alone (see lcrypto.h); -1 if none.
 * Every cipher needs at least one block of ciphertext: the smallest inner
 * packet, a bare IPv4 header, is 20 bytes.
 */
static int
classify(const struct lcrypto_key *k, size_t len, enum lcrypto_cipher *c)
{
	size_t	 body;

	if (len < LCRYPTO_HDR_LEN + LCRYPTO_ICV_LEN)
		return -1;
	body = len - LCRYPTO_HDR_LEN - LCRYPTO_ICV_LEN;
	switch (body % LCRYPTO_BLOCK) {
	case LCRYPTO_IV_CBC % LCRYPTO_BLOCK:
		if (body < LCRYPTO_IV_CBC + LCRYPTO_BLOCK)
			return -1;
		*c = LCRYPTO_AES128_CBC;
		break;
	case (LCRYPTO_IV_GCM + LCRYPTO_TAG_LEN) % LCRYPTO_BLOCK:
		if (body < LCRYPTO_IV_GCM + LCRYPTO_BLOCK + LCRYPTO_TAG_LEN)
			return -1;
		*c = LCRYPTO_AES128_GCM;
		break;
	case LCRYPTO_IV_CHACHA:
		if (body < LCRYPTO_IV_CHACHA + LCRYPTO_BLOCK)
			return -1;
		*c = LCRYPTO_CHACHA8;
		break;
	default:
		return -1;
	}
	if (k->cipher != LCRYPTO_AUTO && k->cipher != *c)
		return -1;
	return 0;
}

size_t
lcrypto_max_inner(const struct lcrypto_key *k, size_t room)
{
	size_t	 fixed = lcrypto_encap_len(k, 0) - LCRYPTO_HDR_LEN;

	if (room < fixed)
		return 0;
	/* lispers.net pads to a block: cut to a multiple of one. */
	if (k->aead == NULL)
		return (room - fixed) & ~(size_t)(LCRYPTO_BLOCK - 1);
	return room - fixed;
}

size_t
lcrypto_iv_len_of(const struct lcrypto_key *k, size_t len)
{
	enum lcrypto_cipher c;

	if (k->aead != NULL)
		return len >= lc8061_overhead(k->aead) ?
		    lc8061_iv_len(k->aead) : 0;
	if (classify(k, len, &c) != 0 || c == LCRYPTO_CHACHA8)
		return 0;
	return iv_len(c);
}

int
lcrypto_key_set_iv(struct lcrypto_key *k, unsigned int slot,
    const uint8_t ctr[16])
{
	struct rbuf	 rb;

	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LCRYPTO_E_KEY;
	rbuf_init(&rb, ctr, 16);
	if (k->aead != NULL) {
		uint64_t hi = 0, lo = 0;

		(void)rbuf_get_u64(&rb, &hi);
		(void)rbuf_get_u64(&rb, &lo);
		return err_8061(lc8061_key_set_iv(k->aead, slot,
		    hi << 32 ^ lo));
	}
	(void)rbuf_get_u64(&rb, &k->slots[slot].iv_hi);
	(void)rbuf_get_u64(&rb, &k->slots[slot].iv_lo);
	return 0;
}

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * The slot's next IV in lispers.net's wire order (x86 host order of the
 * 128-bit counter, compat 2.13), then count up.  For GCM only bits 0-95
 * go on the wire; a repeat needs 2^96 packets from one slot.
 */
static void
iv_next(struct lcrypto_slot *s, enum lcrypto_cipher c, uint8_t *iv)
{
	if (c == LCRYPTO_AES128_GCM) {
		put_le(iv, s->iv_hi, 4);
		put_le(iv + 4, s->iv_lo, 8);
	} else {
		put_le(iv, s->iv_hi, 8);
		put_le(iv + 8, s->iv_lo, 8);
	}
	if (++s->iv_lo == 0)
		s->iv_hi++;
}

/* ICV = HMAC-SHA-256(icv-key, msg) truncated; the keyed state is copied. */
static void
icv_compute(const struct lcrypto_key *k, const uint8_t *msg, size_t len,
    uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state	 st;

	memcpy(&st, &k->hmac, sizeof(st));
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

int
lcrypto_encrypt(struct lcrypto_key *k, unsigned int slot,
    const uint8_t hdr[LCRYPTO_HDR_LEN], const uint8_t *in, size_t len,
    uint8_t *out, size_t cap)
{
	struct lcrypto_slot	*s;
	EVP_CIPHER_CTX		*ctx;
	uint8_t			 last[LCRYPTO_BLOCK];
	uint8_t			 mac[crypto_auth_hmacsha256_BYTES];
	uint8_t			*iv, *ct;
	size_t			 ivl, full, rem, padded, total;
	int			 n, rc = -LCRYPTO_E_DECRYPT;

	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LCRYPTO_E_KEY;
	if (k->aead != NULL) {
		return err_8061(lc8061_encrypt(k->aead, slot, hdr, in, len,
		    out, cap));
	}
	if (!(k->dir & LCRYPTO_ENCAP))
		return -LCRYPTO_E_DIR;
	if ((hdr[0] & 0x03) != k->key_id)
		return -LCRYPTO_E_KEYID;
	/* A receiver wants at least one block (lcrypto_decrypt). */
	if (len == 0)
		return -LCRYPTO_E_LEN;
	if (len > INT_MAX - LCRYPTO_MAX_OVERHEAD)
		return -LCRYPTO_E_SPACE;
	total = lcrypto_encap_len(k, len);
	if (total > cap)
		return -LCRYPTO_E_SPACE;

	s = &k->slots[slot];
	ctx = s->enc;
	ivl = iv_len(k->cipher);
	padded = pad_len(len);
	full = len & ~(size_t)(LCRYPTO_BLOCK - 1);
	rem = len - full;
	iv = out + LCRYPTO_HDR_LEN;
	ct = iv + ivl;

	if (in == ct) {
		/*
		 * In place (the data path): the padding goes right behind
		 * the plaintext, inside cap, and one cipher call does it
		 * all (each call costs OpenSSL's dispatch).
		 */
		memset(ct + len, LCRYPTO_PAD_BYTE, padded - len);
		full = padded;
		rem = 0;
	} else if (rem > 0) {
		/* Out of place (`in` is read-only): a padded copy. */
		memcpy(last, in + full, rem);
		memset(last + rem, LCRYPTO_PAD_BYTE, LCRYPTO_BLOCK - rem);
	}
	memmove(out, hdr, LCRYPTO_HDR_LEN);
	iv_next(s, k->cipher, iv);

	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1)
		goto out;
	if (full > 0 && (EVP_EncryptUpdate(ctx, ct, &n, in, (int)full) != 1 ||
	    (size_t)n != full))
		goto out;
	if (rem > 0 && (EVP_EncryptUpdate(ctx, ct + full, &n, last,
	    LCRYPTO_BLOCK) != 1 || n != LCRYPTO_BLOCK))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, ct + padded, &n) != 1 || n != 0)
		goto out;
	if (k->cipher == LCRYPTO_AES128_GCM &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, LCRYPTO_TAG_LEN,
	    ct + padded) != 1)
		goto out;

	icv_compute(k, out, total - LCRYPTO_ICV_LEN, mac);
	memcpy(out + total - LCRYPTO_ICV_LEN, mac, LCRYPTO_ICV_LEN);
	rc = (int)total;
 out:
	sodium_memzero(last, sizeof(last));
	sodium_memzero(mac, sizeof(mac));
	return rc;
}

/*
 * The inner packet's own length, so that the padding goes: IPv4 total
 * length, IPv6 payload length + 40, when that fits in ptlen.  Anything
 * else keeps ptlen and decap judges the inner header.
 */
static size_t
inner_len(const uint8_t *pt, size_t ptlen)
{
	struct rbuf	 rb;
	uint16_t	 v;
	uint8_t		 b;

	rbuf_init(&rb, pt, ptlen);
	if (rbuf_peek_u8(&rb, &b) != 0)
		return ptlen;
	switch (b >> 4) {
	case 4:
		if (rbuf_skip(&rb, 2) != 0 || rbuf_get_u16(&rb, &v) != 0)
			return ptlen;
		return v >= 20 && v <= ptlen ? v : ptlen;
	case 6:
		if (rbuf_skip(&rb, 4) != 0 || rbuf_get_u16(&rb, &v) != 0)
			return ptlen;
		return (size_t)v + 40 <= ptlen ? (size_t)v + 40 : ptlen;
	default:
		return ptlen;
	}
}

int
lcrypto_decrypt(struct lcrypto_key *k, unsigned int slot, const uint8_t *pkt,
    size_t len, uint8_t *out, size_t cap)
{
	struct rbuf		 rb, body;
	enum lcrypto_cipher	 c = LCRYPTO_AUTO;
	EVP_CIPHER_CTX		*ctx;
	uint8_t			 mac[crypto_auth_hmacsha256_BYTES];
	uint8_t			 iv[LCRYPTO_IV_CBC], tag[LCRYPTO_TAG_LEN];
	const uint8_t		*ct, *icv;
	size_t			 ivl, ctlen;
	uint8_t			 b0;
	int			 n, m, rc;

	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LCRYPTO_E_KEY;
	if (k->aead != NULL) {
		return err_8061(lc8061_decrypt(k->aead, slot, pkt, len, out,
		    cap));
	}
	if (!(k->dir & LCRYPTO_DECAP))
		return -LCRYPTO_E_DIR;
	if (len < LCRYPTO_HDR_LEN + LCRYPTO_ICV_LEN || len > INT_MAX)
		return -LCRYPTO_E_LEN;

	rbuf_init(&rb, pkt, len);
	(void)rbuf_peek_u8(&rb, &b0);
	if ((b0 & 0x03) != k->key_id)
		return -LCRYPTO_E_KEYID;

	/* ICV first, over everything before it, in constant time. */
	if (rbuf_sub(&rb, len - LCRYPTO_ICV_LEN, &body) != 0)
		return -LCRYPTO_E_LEN;
	icv = rbuf_ptr(&rb);
	icv_compute(k, rbuf_ptr(&body), rbuf_left(&body), mac);
	rc = CRYPTO_memcmp(mac, icv, LCRYPTO_ICV_LEN);
	sodium_memzero(mac, sizeof(mac));
	if (rc != 0)
		return -LCRYPTO_E_ICV;

	/* Authenticated: only now does the length pick the cipher. */
	if (classify(k, len, &c) != 0)
		return -LCRYPTO_E_LEN;
	if (c == LCRYPTO_CHACHA8)
		return -LCRYPTO_E_CHACHA;
	ivl = iv_len(c);
	if (rbuf_skip(&body, LCRYPTO_HDR_LEN) != 0 ||
	    rbuf_get_bytes(&body, iv, ivl) != 0)
		return -LCRYPTO_E_LEN;
	ctlen = rbuf_left(&body) - tag_len(c);
	ct = rbuf_ptr(&body);
	if (rbuf_skip(&body, ctlen) != 0 ||
	    rbuf_get_bytes(&body, tag, tag_len(c)) != 0)
		return -LCRYPTO_E_LEN;
	if (ctlen > cap)
		return -LCRYPTO_E_SPACE;

	ctx = c == LCRYPTO_AES128_GCM ? k->slots[slot].dec_gcm :
	    k->slots[slot].dec_cbc;
	rc = -LCRYPTO_E_DECRYPT;
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1)
		goto fail;
	if (c == LCRYPTO_AES128_GCM && EVP_CIPHER_CTX_ctrl(ctx,
	    EVP_CTRL_GCM_SET_TAG, LCRYPTO_TAG_LEN, tag) != 1)
		goto fail;
	if (EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) != 1 ||
	    (size_t)n != ctlen)
		goto fail;
	/* GCM: this is where the tag is checked. */
	if (EVP_DecryptFinal_ex(ctx, out + n, &m) != 1 || m != 0)
		goto fail;
	return (int)inner_len(out, ctlen);
 fail:
	/* Never leave plaintext the caller might use by mistake. */
	sodium_memzero(out, ctlen);
	return rc;
}
