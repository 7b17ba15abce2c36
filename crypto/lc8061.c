/* SPDX-License-Identifier: ISC */
/*
 * RFC 8061 LISP-crypto data packets (see lc8061.h): suite 5 through
 * OpenSSL's EVP AES-128-GCM, suite 6 through libsodium's original
 * ChaCha20-Poly1305.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "lc8061.h"

#define CHACHA_CTR_MASK		((UINT64_C(1) << 56) - 1)
#define GCM_HI_MASK		0xffffffu

struct lc8061_slot {
	EVP_CIPHER_CTX	*enc;		/* suite 5, LC8061_ENCAP */
	EVP_CIPHER_CTX	*dec;		/* suite 5, LC8061_DECAP */
	uint64_t	 ctr_lo;	/* next counter c: low 64 bits */
	uint32_t	 ctr_hi;	/* suite 5: bits 64..87 of c */
	uint64_t	 used;		/* IVs sent since the start */
} __attribute__((aligned(64)));

struct lc8061_key {
	uint8_t			 chacha[LC8061_KEY_CHACHA]; /* suite 6 */
	struct lc8061_slot	*slots;
	unsigned int		 nslots;
	unsigned int		 key_id;
	unsigned int		 suite;
	unsigned int		 dir;
	size_t			 ivlen;
	uint64_t		 iv_limit;	/* IVs per slot, then E_IV */
	int			 wiped;
};

void		(*lc8061_free_hook)(const struct lc8061_key *);

static const char *const lc8061_errstr[LC8061_E_MAX] = {
	[LC8061_OK] = "ok",
	[LC8061_E_TAG] = "AEAD tag does not verify",
	[LC8061_E_LEN] = "length impossible for the suite",
	[LC8061_E_KEYID] = "key-id does not match the header",
	[LC8061_E_KEY] = "bad key or argument",
	[LC8061_E_SPACE] = "output buffer too small",
	[LC8061_E_NOMEM] = "out of memory or cipher setup failed",
	[LC8061_E_DIR] = "key not made for this direction",
	[LC8061_E_IV] = "IV space of the slot used up (rekey)",
	[LC8061_E_CIPHER] = "cipher failure",
};

const char *
lc8061_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= LC8061_E_MAX)
		return "unknown error";
	return lc8061_errstr[err];
}

const char *
lc8061_suite_name(unsigned int suite)
{
	switch (suite) {
	case LC8061_SUITE_AES128_GCM:
		return "aes-128-gcm";
	case LC8061_SUITE_CHACHA20:
		return "chacha20-poly1305";
	default:
		return "unknown";
	}
}

/*
 * An AES-128-GCM context keyed now, with the IV length fixed; only the
 * IV is set per packet (the key schedule and GHASH key stay).
 */
static EVP_CIPHER_CTX *
gcm_ctx_new(const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX	*ctx;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, LC8061_IV_GCM,
	    NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
slot_random_start(struct lc8061_key *k, struct lc8061_slot *s)
{
	randombytes_buf(&s->ctr_lo, sizeof(s->ctr_lo));
	if (k->suite == LC8061_SUITE_AES128_GCM) {
		randombytes_buf(&s->ctr_hi, sizeof(s->ctr_hi));
		s->ctr_hi &= GCM_HI_MASK;
	} else {
		s->ctr_lo &= CHACHA_CTR_MASK;
		s->ctr_hi = 0;
	}
	s->used = 0;
}

struct lc8061_key *
lc8061_key_new(unsigned int key_id, unsigned int suite, const uint8_t *key,
    size_t key_len, unsigned int dir, unsigned int nslots, int *err)
{
	struct lc8061_key	*k = NULL;
	struct lc8061_slot	*s;
	void			*mem;
	unsigned int		 i;
	int			 e = LC8061_E_KEY;

	if (key_id < 1 || key_id > 3 || key == NULL)
		goto fail;
	if (!(suite == LC8061_SUITE_AES128_GCM && key_len == LC8061_KEY_GCM) &&
	    !(suite == LC8061_SUITE_CHACHA20 && key_len == LC8061_KEY_CHACHA))
		goto fail;
	if (dir == 0 || (dir & ~(LC8061_ENCAP | LC8061_DECAP)) != 0)
		goto fail;
	if (nslots < 1 || nslots > LC8061_MAX_SLOTS)
		goto fail;

	e = LC8061_E_NOMEM;
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
	k->suite = suite;
	k->dir = dir;
	if (suite == LC8061_SUITE_AES128_GCM) {
		k->ivlen = LC8061_IV_GCM;
		k->iv_limit = UINT64_MAX;	/* of 2^88 values */
	} else {
		k->ivlen = LC8061_IV_CHACHA;
		k->iv_limit = CHACHA_CTR_MASK;	/* 2^56 - 1 */
		memcpy(k->chacha, key, LC8061_KEY_CHACHA);
	}
	for (i = 0; i < nslots; i++) {
		s = &k->slots[i];
		if (suite == LC8061_SUITE_AES128_GCM) {
			if ((dir & LC8061_ENCAP) &&
			    (s->enc = gcm_ctx_new(key, 1)) == NULL)
				goto fail;
			if ((dir & LC8061_DECAP) &&
			    (s->dec = gcm_ctx_new(key, 0)) == NULL)
				goto fail;
		}
		slot_random_start(k, s);
	}
	return k;

 fail:
	lc8061_key_free(k);
	if (err != NULL)
		*err = e;
	return NULL;
}

void
lc8061_key_wipe(struct lc8061_key *k)
{
	struct lc8061_slot	*s;
	unsigned int		 i;

	if (k == NULL)
		return;
	/* EVP_CIPHER_CTX_free() cleanses the key schedule it held. */
	for (i = 0; k->slots != NULL && i < k->nslots; i++) {
		s = &k->slots[i];
		EVP_CIPHER_CTX_free(s->enc);
		EVP_CIPHER_CTX_free(s->dec);
	}
	if (k->slots != NULL)
		sodium_memzero(k->slots, k->nslots * sizeof(*k->slots));
	sodium_memzero(k->chacha, sizeof(k->chacha));
	k->wiped = 1;
}

int
lc8061_key_is_wiped(const struct lc8061_key *k)
{
	if (!k->wiped || !sodium_is_zero(k->chacha, sizeof(k->chacha)))
		return 0;
	return k->slots == NULL || sodium_is_zero((const unsigned char *)
	    k->slots, k->nslots * sizeof(*k->slots));
}

void
lc8061_key_free(struct lc8061_key *k)
{
	if (k == NULL)
		return;
	lc8061_key_wipe(k);
	if (lc8061_free_hook != NULL)
		lc8061_free_hook(k);
	free(k->slots);
	sodium_memzero(k, sizeof(*k));
	free(k);
}

unsigned int
lc8061_key_id(const struct lc8061_key *k)
{
	return k->key_id;
}

unsigned int
lc8061_key_suite(const struct lc8061_key *k)
{
	return k->suite;
}

size_t
lc8061_iv_len(const struct lc8061_key *k)
{
	return k->ivlen;
}

size_t
lc8061_prefix_len(const struct lc8061_key *k)
{
	return LC8061_HDR_LEN + k->ivlen;
}

size_t
lc8061_overhead(const struct lc8061_key *k)
{
	return LC8061_HDR_LEN + k->ivlen + LC8061_TAG_LEN;
}

int
lc8061_key_set_iv(struct lc8061_key *k, unsigned int slot, uint64_t start)
{
	struct lc8061_slot	*s;

	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LC8061_E_KEY;
	s = &k->slots[slot];
	s->ctr_hi = 0;
	s->ctr_lo = k->suite == LC8061_SUITE_CHACHA20 ?
	    start & CHACHA_CTR_MASK : start;
	s->used = 0;
	return 0;
}

int
lc8061_key_set_iv_used(struct lc8061_key *k, unsigned int slot, uint64_t used)
{
	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LC8061_E_KEY;
	k->slots[slot].used = used;
	return 0;
}

/* slot || c, big-endian, into iv[0..ivlen). */
static void
iv_write(const struct lc8061_key *k, unsigned int slot,
    const struct lc8061_slot *s, uint8_t *iv)
{
	uint64_t	 lo = s->ctr_lo;
	size_t		 i;

	iv[0] = (uint8_t)slot;
	for (i = k->ivlen; i-- > 1 && i + 8 >= k->ivlen; lo >>= 8)
		iv[i] = (uint8_t)lo;
	if (k->suite == LC8061_SUITE_AES128_GCM) {
		iv[1] = (uint8_t)(s->ctr_hi >> 16);
		iv[2] = (uint8_t)(s->ctr_hi >> 8);
		iv[3] = (uint8_t)s->ctr_hi;
	}
}

int
lc8061_key_peek_iv(const struct lc8061_key *k, unsigned int slot,
    uint8_t iv[LC8061_MAX_IV])
{
	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LC8061_E_KEY;
	memset(iv, 0, LC8061_MAX_IV);
	iv_write(k, slot, &k->slots[slot], iv);
	return 0;
}

/* The slot's next IV, then count up; -1 when the slot is used up. */
static int
iv_next(const struct lc8061_key *k, unsigned int slot, uint8_t *iv)
{
	struct lc8061_slot	*s = &k->slots[slot];

	if (s->used >= k->iv_limit)
		return -1;
	iv_write(k, slot, s, iv);
	s->used++;
	if (k->suite == LC8061_SUITE_CHACHA20)
		s->ctr_lo = (s->ctr_lo + 1) & CHACHA_CTR_MASK;
	else if (++s->ctr_lo == 0)
		s->ctr_hi = (s->ctr_hi + 1) & GCM_HI_MASK;
	return 0;
}

static int
gcm_seal(EVP_CIPHER_CTX *ctx, const uint8_t *aad, size_t aadlen,
    const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *ct,
    uint8_t *tag)
{
	int	 n;

	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -1;
	if (len > 0 && (EVP_EncryptUpdate(ctx, ct, &n, in, (int)len) != 1 ||
	    (size_t)n != len))
		return -1;
	if (EVP_EncryptFinal_ex(ctx, ct + len, &n) != 1 || n != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, LC8061_TAG_LEN,
	    tag) != 1)
		return -1;
	return 0;
}

int
lc8061_encrypt(struct lc8061_key *k, unsigned int slot,
    const uint8_t hdr[LC8061_HDR_LEN], const uint8_t *in, size_t len,
    uint8_t *out, size_t cap)
{
	uint8_t			*iv, *ct;
	unsigned long long	 tlen;
	size_t			 total;

	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LC8061_E_KEY;
	if (!(k->dir & LC8061_ENCAP))
		return -LC8061_E_DIR;
	if ((hdr[0] & 0x03) != k->key_id)
		return -LC8061_E_KEYID;
	if (len > INT_MAX - LC8061_MAX_OVERHEAD)
		return -LC8061_E_SPACE;
	total = len + lc8061_overhead(k);
	if (total > cap)
		return -LC8061_E_SPACE;

	iv = out + LC8061_HDR_LEN;
	ct = iv + k->ivlen;
	if (iv_next(k, slot, iv) != 0)
		return -LC8061_E_IV;
	/* hdr may be anywhere (a copy on the caller's stack): copy it. */
	memmove(out, hdr, LC8061_HDR_LEN);
	/* AAD = header || IV, adjacent in out. */
	if (k->suite == LC8061_SUITE_AES128_GCM) {
		if (gcm_seal(k->slots[slot].enc, out, LC8061_HDR_LEN +
		    k->ivlen, iv, in, len, ct, ct + len) != 0)
			goto fail;
	} else {
		if (crypto_aead_chacha20poly1305_encrypt_detached(ct, ct + len,
		    &tlen, in, len, out, LC8061_HDR_LEN + k->ivlen, NULL, iv,
		    k->chacha) != 0 || tlen != LC8061_TAG_LEN)
			goto fail;
	}
	return (int)total;
 fail:
	/* Whatever the cipher left: not a packet, and maybe plaintext. */
	sodium_memzero(ct, len + LC8061_TAG_LEN);
	return -LC8061_E_CIPHER;
}

int
lc8061_decrypt(struct lc8061_key *k, unsigned int slot, const uint8_t *pkt,
    size_t len, uint8_t *out, size_t cap)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 aad[LC8061_HDR_LEN + LC8061_MAX_IV];
	uint8_t		 tag[LC8061_TAG_LEN];
	const uint8_t	*ct;
	size_t		 ctlen, aadlen;
	int		 n, rc;

	if (k == NULL || slot >= k->nslots || k->wiped)
		return -LC8061_E_KEY;
	if (!(k->dir & LC8061_DECAP))
		return -LC8061_E_DIR;
	if (len < lc8061_overhead(k) || len > INT_MAX)
		return -LC8061_E_LEN;
	if ((pkt[0] & 0x03) != k->key_id)
		return -LC8061_E_KEYID;
	aadlen = LC8061_HDR_LEN + k->ivlen;
	ctlen = len - lc8061_overhead(k);
	if (ctlen > cap)
		return -LC8061_E_SPACE;
	/*
	 * Copies of the AAD (with the IV) and the tag: in place, the
	 * plaintext overwrites the ciphertext, and OpenSSL wants the tag
	 * before the data.
	 */
	memcpy(aad, pkt, aadlen);
	memcpy(tag, pkt + aadlen + ctlen, LC8061_TAG_LEN);
	ct = pkt + aadlen;

	if (k->suite == LC8061_SUITE_CHACHA20) {
		/* libsodium verifies the tag before it decrypts. */
		if (crypto_aead_chacha20poly1305_decrypt_detached(out, NULL,
		    ct, ctlen, tag, aad, aadlen, aad + LC8061_HDR_LEN,
		    k->chacha) != 0)
			return -LC8061_E_TAG;
		return (int)ctlen;
	}

	ctx = k->slots[slot].dec;
	rc = -LC8061_E_CIPHER;
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, aad + LC8061_HDR_LEN) !=
	    1 || EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, LC8061_TAG_LEN,
	    tag) != 1)
		goto fail;
	if (ctlen > 0 && (EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) !=
	    1 || (size_t)n != ctlen))
		goto fail;
	/* The tag is checked here; the plaintext is not used before. */
	if (EVP_DecryptFinal_ex(ctx, out + ctlen, &n) != 1 || n != 0) {
		rc = -LC8061_E_TAG;
		goto fail;
	}
	return (int)ctlen;
 fail:
	sodium_memzero(out, ctlen);
	return rc;
}
