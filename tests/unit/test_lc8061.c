/* SPDX-License-Identifier: ISC */
/*
 * RFC 8061 LISP-crypto data packets (crypto/lc8061.c), and the lcrypto
 * handle that forwards to them (lcrypto_key_new_rfc8061).
 *
 * Independent checks: every packet layout claim is verified by opening
 * lc8061's output with a separate implementation built from the
 * documented layout alone (header 8 || IV || ciphertext || tag 16, AAD =
 * header || IV): a fresh one-shot OpenSSL EVP AES-128-GCM context for
 * suite 5, libsodium's combined-mode crypto_aead_chacha20poly1305_decrypt
 * for suite 6; and packets sealed by those are opened by lc8061.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "lc8061.h"
#include "lcrypto.h"

#define BUFSZ	2048
#define MAXIN	1500

static const uint8_t key16[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
static const uint8_t key32[32] = {
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
};

static const unsigned int suites[] = {
	LC8061_SUITE_AES128_GCM, LC8061_SUITE_CHACHA20,
};

static const uint8_t *
key_of(unsigned int suite, size_t *len)
{
	*len = suite == LC8061_SUITE_AES128_GCM ? 16 : 32;
	return suite == LC8061_SUITE_AES128_GCM ? key16 : key32;
}

static size_t
ivl_of(unsigned int suite)
{
	return suite == LC8061_SUITE_AES128_GCM ? 12 : 8;
}

static struct lc8061_key *
mkkey(unsigned int id, unsigned int suite, unsigned int nslots)
{
	struct lc8061_key	*k;
	const uint8_t		*key;
	size_t			 klen;
	int			 err = 0;

	key = key_of(suite, &klen);
	k = lc8061_key_new(id, suite, key, klen, LC8061_ENCAP | LC8061_DECAP,
	    nslots, &err);
	ck_assert_msg(k != NULL, "key_new: %s", lc8061_strerror(err));
	return k;
}

/* LISP header: N, I, KK = id, nonce 0xabcdef, IID 0x123456. */
static void
mkhdr(uint8_t h[8], unsigned int id)
{
	h[0] = (uint8_t)(0x88 | id);
	h[1] = 0xab;
	h[2] = 0xcd;
	h[3] = 0xef;
	h[4] = 0x12;
	h[5] = 0x34;
	h[6] = 0x56;
	h[7] = 0x00;
}

static void
fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

/* Open a packet with a fresh EVP context from the documented layout. */
static int
evp_open(const uint8_t *key, const uint8_t *pkt, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx = EVP_CIPHER_CTX_new();
	size_t		 ctlen = len - 8 - 12 - 16;
	int		 n, ok;

	ck_assert_ptr_nonnull(ctx);
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key,
	    pkt + 8) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, pkt, 8 + 12) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &n, pkt + 20, (int)ctlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
	    (void *)(uintptr_t)(pkt + len - 16)) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + ctlen, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? (int)ctlen : -1;
}

/* Seal with a fresh EVP context: hdr || iv || ct || tag. */
static size_t
evp_seal(const uint8_t *key, const uint8_t hdr[8], const uint8_t iv[12],
    const uint8_t *in, size_t len, uint8_t *pkt)
{
	EVP_CIPHER_CTX	*ctx = EVP_CIPHER_CTX_new();
	int		 n;

	memcpy(pkt, hdr, 8);
	memcpy(pkt + 8, iv, 12);
	ck_assert(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key,
	    iv) == 1);
	ck_assert(EVP_EncryptUpdate(ctx, NULL, &n, pkt, 20) == 1);
	ck_assert(EVP_EncryptUpdate(ctx, pkt + 20, &n, in, (int)len) == 1);
	ck_assert(EVP_EncryptFinal_ex(ctx, pkt + 20 + len, &n) == 1);
	ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
	    pkt + 20 + len) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return 20 + len + 16;
}

/* libsodium combined mode: c = ciphertext || tag, nonce = the IV. */
static int
sodium_open(const uint8_t *key, const uint8_t *pkt, size_t len, uint8_t *out)
{
	unsigned long long	 mlen;

	if (crypto_aead_chacha20poly1305_decrypt(out, &mlen, NULL, pkt + 16,
	    len - 16, pkt, 16, pkt + 8, key) != 0)
		return -1;
	return (int)mlen;
}

START_TEST(roundtrip_all_sizes)
{
	unsigned int		 si, slot;
	size_t			 len, ivl, klen;
	uint8_t			 in[MAXIN], pkt[BUFSZ], out[BUFSZ], ref[BUFSZ];
	uint8_t			 hdr[8];
	const uint8_t		*key;
	struct lc8061_key	*k;
	int			 n;

	for (si = 0; si < 2; si++) {
		k = mkkey(2, suites[si], 2);
		key = key_of(suites[si], &klen);
		ivl = ivl_of(suites[si]);
		ck_assert_uint_eq(lc8061_iv_len(k), ivl);
		ck_assert_uint_eq(lc8061_prefix_len(k), 8 + ivl);
		ck_assert_uint_eq(lc8061_overhead(k), 8 + ivl + 16);
		mkhdr(hdr, 2);
		for (len = 0; len <= MAXIN; len++) {
			slot = (unsigned int)(len & 1);
			fill(in, len, (unsigned int)len);
			/* Out of place, exactly enough room. */
			n = lc8061_encrypt(k, slot, hdr, in, len, pkt,
			    len + 8 + ivl + 16);
			ck_assert_int_eq(n, (int)(len + 8 + ivl + 16));
			ck_assert_mem_eq(pkt, hdr, 8);
			ck_assert_uint_eq(pkt[8], slot);
			/* Opened by the independent implementation. */
			if (suites[si] == LC8061_SUITE_AES128_GCM)
				ck_assert_int_eq(evp_open(key, pkt,
				    (size_t)n, ref), (int)len);
			else
				ck_assert_int_eq(sodium_open(key, pkt,
				    (size_t)n, ref), (int)len);
			if (len > 0)
				ck_assert_mem_eq(ref, in, len);
			/* Out of place decrypt, exact cap. */
			memset(out, 0xee, sizeof(out));
			ck_assert_int_eq(lc8061_decrypt(k, slot ^ 1, pkt,
			    (size_t)n, out, len), (int)len);
			if (len > 0)
				ck_assert_mem_eq(out, in, len);
			/* In place both ways. */
			memcpy(pkt + 8 + ivl, in, len);
			n = lc8061_encrypt(k, slot, hdr, pkt + 8 + ivl, len,
			    pkt, len + 8 + ivl + 16);
			ck_assert_int_eq(n, (int)(len + 8 + ivl + 16));
			ck_assert_int_eq(lc8061_decrypt(k, slot, pkt,
			    (size_t)n, pkt + 8 + ivl, len), (int)len);
			if (len > 0)
				ck_assert_mem_eq(pkt + 8 + ivl, in, len);
			/* One byte short of room. */
			ck_assert_int_eq(lc8061_encrypt(k, slot, hdr, in,
			    len, pkt, len + 8 + ivl + 15), -LC8061_E_SPACE);
		}
		lc8061_key_free(k);
	}
}
END_TEST

/* Packets sealed by the independent implementations open in lc8061. */
START_TEST(open_foreign_packets)
{
	struct lc8061_key	*k;
	uint8_t			 in[300], pkt[BUFSZ], out[BUFSZ], hdr[8];
	uint8_t			 iv[12];
	unsigned long long	 clen;
	size_t			 n;

	fill(in, sizeof(in), 5);
	mkhdr(hdr, 3);
	randombytes_buf(iv, sizeof(iv));

	k = mkkey(3, LC8061_SUITE_AES128_GCM, 1);
	n = evp_seal(key16, hdr, iv, in, sizeof(in), pkt);
	ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, n, out, sizeof(out)),
	    (int)sizeof(in));
	ck_assert_mem_eq(out, in, sizeof(in));
	lc8061_key_free(k);

	k = mkkey(3, LC8061_SUITE_CHACHA20, 1);
	memcpy(pkt, hdr, 8);
	memcpy(pkt + 8, iv, 8);
	ck_assert_int_eq(crypto_aead_chacha20poly1305_encrypt(pkt + 16, &clen,
	    in, sizeof(in), pkt, 16, NULL, iv, key32), 0);
	ck_assert_uint_eq(clen, sizeof(in) + 16);
	ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, 16 + (size_t)clen, out,
	    sizeof(out)), (int)sizeof(in));
	ck_assert_mem_eq(out, in, sizeof(in));
	lc8061_key_free(k);
}
END_TEST

/*
 * Every byte of the packet (header with KK, IV, ciphertext, tag) is
 * covered: one flipped bit anywhere is refused, and nothing decrypted is
 * left in the output.
 */
START_TEST(tamper_every_byte)
{
	struct lc8061_key	*k, *k3;
	uint8_t			 in[64], pkt[BUFSZ], bad[BUFSZ], out[BUFSZ];
	uint8_t			 zero[BUFSZ], hdr[8];
	unsigned int		 si, bit;
	size_t			 i, ivl;
	int			 n, rc;

	memset(zero, 0, sizeof(zero));
	fill(in, sizeof(in), 9);
	for (si = 0; si < 2; si++) {
		k = mkkey(1, suites[si], 1);
		/* The same key material under key-id 3. */
		k3 = mkkey(3, suites[si], 1);
		ivl = ivl_of(suites[si]);
		mkhdr(hdr, 1);
		n = lc8061_encrypt(k, 0, hdr, in, sizeof(in), pkt,
		    sizeof(pkt));
		ck_assert_int_gt(n, 0);
		for (i = 0; i < (size_t)n; i++) {
			for (bit = 0; bit < 8; bit += 3) {
				memcpy(bad, pkt, (size_t)n);
				bad[i] ^= (uint8_t)(1u << bit);
				memset(out, 0, sizeof(out));
				rc = lc8061_decrypt(k, 0, bad, (size_t)n, out,
				    sizeof(out));
				if (i == 0 && bit == 0)
					/* KK 1 -> 0: not this key's id. */
					ck_assert_int_eq(rc, -LC8061_E_KEYID);
				else
					ck_assert_msg(rc == -LC8061_E_TAG,
					    "suite %u byte %zu bit %u: %d",
					    suites[si], i, bit, rc);
				ck_assert_mem_eq(out, zero, sizeof(in));
			}
		}
		/* KK rewritten to 3, tried with key-id 3: the AAD differs. */
		memcpy(bad, pkt, (size_t)n);
		bad[0] = (uint8_t)((bad[0] & ~3u) | 3);
		ck_assert_int_eq(lc8061_decrypt(k3, 0, bad, (size_t)n, out,
		    sizeof(out)), -LC8061_E_TAG);
		ck_assert_mem_eq(out, zero, sizeof(in));
		/* Truncated or extended by one byte. */
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, (size_t)n - 1, out,
		    sizeof(out)), -LC8061_E_TAG);
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, (size_t)n + 1, out,
		    sizeof(out)), -LC8061_E_TAG);
		/* Shorter than header + IV + tag. */
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, 8 + ivl + 15, out,
		    sizeof(out)), -LC8061_E_LEN);
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, 0, out,
		    sizeof(out)), -LC8061_E_LEN);
		/* Output too small: refused before anything is written. */
		memset(out, 0x5a, sizeof(out));
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, (size_t)n, out,
		    sizeof(in) - 1), -LC8061_E_SPACE);
		ck_assert_uint_eq(out[0], 0x5a);
		/* Intact, it still opens. */
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, (size_t)n, out,
		    sizeof(out)), (int)sizeof(in));
		ck_assert_mem_eq(out, in, sizeof(in));
		lc8061_key_free(k);
		lc8061_key_free(k3);
	}
}
END_TEST

START_TEST(wrong_key)
{
	struct lc8061_key	*k, *w;
	uint8_t			 in[100], pkt[BUFSZ], out[BUFSZ], hdr[8];
	uint8_t			 other[32], zero[100];
	const uint8_t		*key;
	unsigned int		 si;
	size_t			 klen;
	int			 n;

	memset(zero, 0, sizeof(zero));
	fill(in, sizeof(in), 1);
	mkhdr(hdr, 1);
	for (si = 0; si < 2; si++) {
		k = mkkey(1, suites[si], 1);
		key = key_of(suites[si], &klen);
		memcpy(other, key, klen);
		other[klen - 1] ^= 0x01;
		w = lc8061_key_new(1, suites[si], other, klen, LC8061_DECAP, 1,
		    NULL);
		ck_assert_ptr_nonnull(w);
		n = lc8061_encrypt(k, 0, hdr, in, sizeof(in), pkt,
		    sizeof(pkt));
		ck_assert_int_gt(n, 0);
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(lc8061_decrypt(w, 0, pkt, (size_t)n, out,
		    sizeof(out)), -LC8061_E_TAG);
		ck_assert_mem_eq(out, zero, sizeof(zero));
		/* A decap-only key does not encrypt. */
		ck_assert_int_eq(lc8061_encrypt(w, 0, hdr, in, sizeof(in),
		    pkt, sizeof(pkt)), -LC8061_E_DIR);
		lc8061_key_free(w);
		lc8061_key_free(k);
	}
	/* The other suite's packet never opens. */
	k = mkkey(1, LC8061_SUITE_AES128_GCM, 1);
	w = mkkey(1, LC8061_SUITE_CHACHA20, 1);
	n = lc8061_encrypt(k, 0, hdr, in, sizeof(in), pkt, sizeof(pkt));
	ck_assert_int_eq(lc8061_decrypt(w, 0, pkt, (size_t)n, out,
	    sizeof(out)), -LC8061_E_TAG);
	n = lc8061_encrypt(w, 0, hdr, in, sizeof(in), pkt, sizeof(pkt));
	ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, (size_t)n, out,
	    sizeof(out)), -LC8061_E_TAG);
	lc8061_key_free(w);
	lc8061_key_free(k);
}
END_TEST

/* Big-endian value of iv[1..ivl) (the counter), low 64 bits. */
static uint64_t
ctr_of(const uint8_t *iv, size_t ivl)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = ivl > 9 ? ivl - 8 : 1; i < ivl; i++)
		v = v << 8 | iv[i];
	return v;
}

START_TEST(iv_rule)
{
	struct lc8061_key	*k;
	uint8_t			 pkt[BUFSZ], hdr[8], in[10], iv[12], prev[12];
	uint8_t			 first[4][12];
	unsigned int		 si, s, j;
	size_t			 ivl;
	uint64_t		 c0;

	fill(in, sizeof(in), 3);
	mkhdr(hdr, 1);
	for (si = 0; si < 2; si++) {
		k = mkkey(1, suites[si], 4);
		ivl = ivl_of(suites[si]);
		for (s = 0; s < 4; s++) {
			/* The IV announced is the IV sent; slot byte first. */
			ck_assert_int_eq(lc8061_key_peek_iv(k, s, iv), 0);
			ck_assert_int_gt(lc8061_encrypt(k, s, hdr, in,
			    sizeof(in), pkt, sizeof(pkt)), 0);
			ck_assert_mem_eq(pkt + 8, iv, ivl);
			ck_assert_uint_eq(pkt[8], s);
			memcpy(first[s], iv, ivl);
			memcpy(prev, iv, ivl);
			c0 = ctr_of(iv, ivl);
			for (j = 1; j < 300; j++) {
				ck_assert_int_gt(lc8061_encrypt(k, s, hdr, in,
				    sizeof(in), pkt, sizeof(pkt)), 0);
				ck_assert_uint_eq(pkt[8], s);
				ck_assert_mem_ne(pkt + 8, prev, ivl);
				/* +1 per packet (mod the field). */
				if (suites[si] == LC8061_SUITE_CHACHA20)
					ck_assert_uint_eq(ctr_of(pkt + 8, ivl),
					    (c0 + j) & ((1ULL << 56) - 1));
				else
					ck_assert_uint_eq(ctr_of(pkt + 8, ivl),
					    c0 + j);
				memcpy(prev, pkt + 8, ivl);
			}
		}
		/* Different slots: different IVs, whatever the starts. */
		for (s = 1; s < 4; s++)
			ck_assert_mem_ne(first[s], first[0], ivl);
		/* Random starts: two keys do not begin alike. */
		{
			struct lc8061_key *k2 = mkkey(1, suites[si], 1);

			ck_assert_int_eq(lc8061_key_peek_iv(k2, 0, iv), 0);
			ck_assert_mem_ne(iv + 1, first[0] + 1, ivl - 1);
			lc8061_key_free(k2);
		}
		/* A set start, and the carries. */
		ck_assert_int_eq(lc8061_key_set_iv(k, 2, 0x0102030405060708ULL),
		    0);
		ck_assert_int_gt(lc8061_encrypt(k, 2, hdr, in, sizeof(in), pkt,
		    sizeof(pkt)), 0);
		if (suites[si] == LC8061_SUITE_CHACHA20) {
			static const uint8_t want[8] = { 2, 0x02, 0x03, 0x04,
			    0x05, 0x06, 0x07, 0x08 };

			ck_assert_mem_eq(pkt + 8, want, 8);
			ck_assert_int_eq(lc8061_key_set_iv(k, 2,
			    0x00ffffffffffffffULL), 0);
			ck_assert_int_gt(lc8061_encrypt(k, 2, hdr, in,
			    sizeof(in), pkt, sizeof(pkt)), 0);
			ck_assert_int_gt(lc8061_encrypt(k, 2, hdr, in,
			    sizeof(in), pkt + 100, sizeof(pkt) - 100), 0);
			ck_assert_mem_eq(pkt + 8, ((const uint8_t[8]){ 2,
			    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }), 8);
			ck_assert_mem_eq(pkt + 108, ((const uint8_t[8]){ 2,
			    0, 0, 0, 0, 0, 0, 0 }), 8);
		} else {
			static const uint8_t want[12] = { 2, 0, 0, 0, 0x01,
			    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

			ck_assert_mem_eq(pkt + 8, want, 12);
			ck_assert_int_eq(lc8061_key_set_iv(k, 2, UINT64_MAX),
			    0);
			ck_assert_int_gt(lc8061_encrypt(k, 2, hdr, in,
			    sizeof(in), pkt, sizeof(pkt)), 0);
			ck_assert_int_gt(lc8061_encrypt(k, 2, hdr, in,
			    sizeof(in), pkt + 100, sizeof(pkt) - 100), 0);
			ck_assert_mem_eq(pkt + 8, ((const uint8_t[12]){ 2,
			    0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			    0xff }), 12);
			ck_assert_mem_eq(pkt + 108, ((const uint8_t[12]){ 2,
			    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }), 12);
		}
		ck_assert_int_eq(lc8061_key_set_iv(k, 4, 0), -LC8061_E_KEY);
		ck_assert_int_eq(lc8061_key_peek_iv(k, 4, iv), -LC8061_E_KEY);
		lc8061_key_free(k);
	}
}
END_TEST

/* A slot that has used its IV space refuses; the others go on. */
START_TEST(iv_exhaustion)
{
	struct lc8061_key	*k;
	uint8_t			 in[10], pkt[BUFSZ], hdr[8];
	uint64_t		 limit[2] = { UINT64_MAX, (1ULL << 56) - 1 };
	unsigned int		 si;

	fill(in, sizeof(in), 7);
	mkhdr(hdr, 1);
	for (si = 0; si < 2; si++) {
		k = mkkey(1, suites[si], 2);
		ck_assert_int_eq(lc8061_key_set_iv_used(k, 1, limit[si] - 2),
		    0);
		ck_assert_int_gt(lc8061_encrypt(k, 1, hdr, in, sizeof(in), pkt,
		    sizeof(pkt)), 0);
		ck_assert_int_gt(lc8061_encrypt(k, 1, hdr, in, sizeof(in), pkt,
		    sizeof(pkt)), 0);
		ck_assert_int_eq(lc8061_encrypt(k, 1, hdr, in, sizeof(in), pkt,
		    sizeof(pkt)), -LC8061_E_IV);
		ck_assert_int_eq(lc8061_encrypt(k, 1, hdr, in, sizeof(in), pkt,
		    sizeof(pkt)), -LC8061_E_IV);
		/* The other slot goes on. */
		ck_assert_int_gt(lc8061_encrypt(k, 0, hdr, in, sizeof(in), pkt,
		    sizeof(pkt)), 0);
		ck_assert_int_eq(lc8061_key_set_iv_used(k, 2, 0),
		    -LC8061_E_KEY);
		lc8061_key_free(k);
	}
}
END_TEST

START_TEST(bad_arguments)
{
	struct lc8061_key	*k;
	uint8_t			 pkt[BUFSZ], hdr[8], in[10];
	int			 err;

	/* Suites, key lengths, key-ids, directions, slots. */
	err = 0;
	ck_assert_ptr_null(lc8061_key_new(1, 4, key16, 16, LC8061_ENCAP, 1,
	    &err));
	ck_assert_int_eq(err, LC8061_E_KEY);
	ck_assert_ptr_null(lc8061_key_new(1, 0, key16, 16, LC8061_ENCAP, 1,
	    NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_AES128_GCM, key32,
	    32, LC8061_ENCAP, 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_CHACHA20, key16,
	    16, LC8061_ENCAP, 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(0, LC8061_SUITE_CHACHA20, key32,
	    32, LC8061_ENCAP, 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(4, LC8061_SUITE_CHACHA20, key32,
	    32, LC8061_ENCAP, 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_CHACHA20, key32,
	    32, 0, 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_CHACHA20, key32,
	    32, 4, 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_CHACHA20, key32,
	    32, LC8061_ENCAP, 0, NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_CHACHA20, key32,
	    32, LC8061_ENCAP, LC8061_MAX_SLOTS + 1, NULL));
	ck_assert_ptr_null(lc8061_key_new(1, LC8061_SUITE_CHACHA20, NULL,
	    32, LC8061_ENCAP, 1, NULL));
	k = lc8061_key_new(1, LC8061_SUITE_CHACHA20, key32, 32, LC8061_ENCAP,
	    LC8061_MAX_SLOTS, NULL);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(lc8061_key_id(k), 1);
	ck_assert_uint_eq(lc8061_key_suite(k), LC8061_SUITE_CHACHA20);
	/* The last slot's IVs start with byte 255. */
	mkhdr(hdr, 1);
	fill(in, sizeof(in), 0);
	ck_assert_int_gt(lc8061_encrypt(k, LC8061_MAX_SLOTS - 1, hdr, in,
	    sizeof(in), pkt, sizeof(pkt)), 0);
	ck_assert_uint_eq(pkt[8], 255);
	ck_assert_int_eq(lc8061_encrypt(k, LC8061_MAX_SLOTS, hdr, in,
	    sizeof(in), pkt, sizeof(pkt)), -LC8061_E_KEY);
	/* KK must be the key-id; an encap-only key does not decrypt. */
	mkhdr(hdr, 2);
	ck_assert_int_eq(lc8061_encrypt(k, 0, hdr, in, sizeof(in), pkt,
	    sizeof(pkt)), -LC8061_E_KEYID);
	mkhdr(hdr, 1);
	ck_assert_int_eq(lc8061_encrypt(k, 0, hdr, in, sizeof(in), pkt,
	    sizeof(pkt)), (int)sizeof(in) + 32);
	ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, sizeof(in) + 32, pkt + 16,
	    sizeof(in)), -LC8061_E_DIR);
	lc8061_key_free(k);
	lc8061_key_free(NULL);

	ck_assert_str_eq(lc8061_suite_name(5), "aes-128-gcm");
	ck_assert_str_eq(lc8061_suite_name(6), "chacha20-poly1305");
	ck_assert_str_eq(lc8061_suite_name(2), "unknown");
	ck_assert_str_eq(lc8061_strerror(-LC8061_E_TAG),
	    "AEAD tag does not verify");
	ck_assert_str_eq(lc8061_strerror(LC8061_E_MAX), "unknown error");
}
END_TEST

static int		 nfreed, freed_wiped;

static void
free_hook(const struct lc8061_key *k)
{
	nfreed++;
	freed_wiped = lc8061_key_is_wiped(k);
}

/* Keys are wiped: by lc8061_key_wipe(), and on free before release. */
START_TEST(wipe)
{
	struct lc8061_key	*k;
	uint8_t			 in[32], pkt[BUFSZ], hdr[8], iv[12];
	unsigned int		 si;
	int			 n;

	fill(in, sizeof(in), 2);
	mkhdr(hdr, 1);
	for (si = 0; si < 2; si++) {
		k = mkkey(1, suites[si], 3);
		ck_assert(!lc8061_key_is_wiped(k));
		n = lc8061_encrypt(k, 2, hdr, in, sizeof(in), pkt,
		    sizeof(pkt));
		ck_assert_int_gt(n, 0);
		lc8061_key_wipe(k);
		ck_assert(lc8061_key_is_wiped(k));
		ck_assert_int_eq(lc8061_encrypt(k, 0, hdr, in, sizeof(in),
		    pkt, sizeof(pkt)), -LC8061_E_KEY);
		ck_assert_int_eq(lc8061_decrypt(k, 0, pkt, (size_t)n,
		    pkt + 100, sizeof(pkt) - 100), -LC8061_E_KEY);
		ck_assert_int_eq(lc8061_key_set_iv(k, 0, 1), -LC8061_E_KEY);
		ck_assert_int_eq(lc8061_key_peek_iv(k, 0, iv), -LC8061_E_KEY);
		lc8061_key_free(k);
		/* Free alone wipes first. */
		nfreed = freed_wiped = 0;
		lc8061_free_hook = free_hook;
		k = mkkey(1, suites[si], 2);
		lc8061_key_free(k);
		lc8061_free_hook = NULL;
		ck_assert_int_eq(nfreed, 1);
		ck_assert_int_eq(freed_wiped, 1);
	}
}
END_TEST

/* The lcrypto handle forwards to lc8061 and maps the error codes. */
START_TEST(lcrypto_handle)
{
	struct lcrypto_key	*k;
	uint8_t			 in[200], pkt[BUFSZ], hdr[8], ctr[16];
	unsigned int		 si;
	size_t			 klen, ivl;
	const uint8_t		*key;
	uint64_t		 refused;
	int			 n, err;

	fill(in, sizeof(in), 4);
	mkhdr(hdr, 2);
	for (si = 0; si < 2; si++) {
		key = key_of(suites[si], &klen);
		ivl = ivl_of(suites[si]);
		k = lcrypto_key_new_rfc8061(2, suites[si], key, klen,
		    LCRYPTO_ENCAP | LCRYPTO_DECAP, 2, &err);
		ck_assert_ptr_nonnull(k);
		ck_assert_uint_eq(lcrypto_key_id(k), 2);
		ck_assert_int_eq(lcrypto_key_cipher(k), si == 0 ?
		    LCRYPTO_RFC8061_AES128_GCM : LCRYPTO_RFC8061_CHACHA20);
		ck_assert_uint_eq(lcrypto_prefix_len(k), 8 + ivl);
		/* No padding: growth is the same for every length. */
		ck_assert_uint_eq(lcrypto_overhead(k), 8 + ivl + 16);
		ck_assert_uint_eq(lcrypto_encap_len(k, 1), 1 + 8 + ivl + 16);
		ck_assert_uint_eq(lcrypto_encap_len(k, 1400),
		    1400 + 8 + ivl + 16);
		ck_assert_uint_eq(lcrypto_iv_len_of(k, 8 + ivl + 16), ivl);
		ck_assert_uint_eq(lcrypto_iv_len_of(k, 8 + ivl + 15), 0);
		/* c starts at hi << 32 ^ lo: 0x00000005_00000042. */
		memset(ctr, 0, sizeof(ctr));
		ctr[15] = 0x42;
		ctr[7] = 0x05;
		ctr[0] = 0xff;	/* shifted out */
		ck_assert_int_eq(lcrypto_key_set_iv(k, 1, ctr), 0);
		n = lcrypto_encrypt(k, 1, hdr, in, sizeof(in), pkt,
		    sizeof(pkt));
		ck_assert_int_eq(n, (int)(sizeof(in) + 8 + ivl + 16));
		ck_assert_uint_eq(pkt[8], 1);
		ck_assert_mem_eq(pkt + 8 + ivl - 7, ((const uint8_t[7]){ 0, 0,
		    0x05, 0, 0, 0, 0x42 }), 7);
		ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, (size_t)n,
		    pkt + 8 + ivl, sizeof(in)), (int)sizeof(in));
		ck_assert_mem_eq(pkt + 8 + ivl, in, sizeof(in));
		/* Empty inner packets are fine with an AEAD. */
		ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, 0, pkt,
		    sizeof(pkt)), (int)(8 + ivl + 16));
		ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, 8 + ivl + 16,
		    pkt + 8 + ivl, 0), 0);
		/* Tag failure is ICV-error; the other codes map by name. */
		n = lcrypto_encrypt(k, 0, hdr, in, sizeof(in), pkt,
		    sizeof(pkt));
		pkt[n - 1] ^= 0x80;
		ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, (size_t)n,
		    pkt + 8 + ivl, sizeof(in)), -LCRYPTO_E_ICV);
		ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, 10, pkt + 100,
		    100), -LCRYPTO_E_LEN);
		ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in),
		    pkt, 10), -LCRYPTO_E_SPACE);
		mkhdr(hdr, 3);
		ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in),
		    pkt, sizeof(pkt)), -LCRYPTO_E_KEYID);
		mkhdr(hdr, 2);
		/* Wipe: the lc8061 key is wiped and freed, calls fail. */
		nfreed = freed_wiped = 0;
		lc8061_free_hook = free_hook;
		lcrypto_key_wipe(k);
		lc8061_free_hook = NULL;
		ck_assert_int_eq(nfreed, 1);
		ck_assert_int_eq(freed_wiped, 1);
		ck_assert(lcrypto_key_is_wiped(k));
		ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in),
		    pkt, sizeof(pkt)), -LCRYPTO_E_KEY);
		lcrypto_key_free(k);
	}
	/* A bad key is refused and counted like lcrypto's own. */
	refused = lcrypto_refused(LCRYPTO_E_KEY);
	err = 0;
	ck_assert_ptr_null(lcrypto_key_new_rfc8061(1, 6, key16, 16,
	    LCRYPTO_DECAP, 1, &err));
	ck_assert_int_eq(err, LCRYPTO_E_KEY);
	ck_assert_uint_eq(lcrypto_refused(LCRYPTO_E_KEY), refused + 1);
	ck_assert_str_eq(lcrypto_cipher_name(LCRYPTO_RFC8061_CHACHA20),
	    "rfc8061-chacha20-poly1305");
	ck_assert_str_eq(lcrypto_strerror(-LCRYPTO_E_IV),
	    "IV space used up (rekey)");
}
END_TEST

static Suite *
lc8061_suite(void)
{
	Suite	*s = suite_create("lc8061");
	TCase	*tc = tcase_create("lc8061");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, roundtrip_all_sizes);
	tcase_add_test(tc, open_foreign_packets);
	tcase_add_test(tc, tamper_every_byte);
	tcase_add_test(tc, wrong_key);
	tcase_add_test(tc, iv_rule);
	tcase_add_test(tc, iv_exhaustion);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, wipe);
	tcase_add_test(tc, lcrypto_handle);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfail;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	sr = srunner_create(lc8061_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
