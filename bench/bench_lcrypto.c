/* SPDX-License-Identifier: ISC */
/*
 * lispers.net-compatible LISP-crypto throughput (crypto/lcrypto.c), one
 * thread, one key, 1400-byte inner packets: encrypt and decrypt for
 * AES-128-GCM and AES-128-CBC (each with the HMAC-SHA-256/160 ICV), and
 * in the same run the baselines the performance issue compares with:
 * libsodium's AEAD alone (AES-256-GCM when the CPU has it, otherwise
 * ChaCha20-Poly1305-IETF) and OpenSSL's AES-128-GCM alone (no ICV), so
 * the cost of lispers.net's separate ICV is visible.
 *
 * RFC 8061's construction (crypto/lc8061.c, suites 5 and 6: one AEAD
 * pass, no ICV, no padding) is measured the same way, encrypt and
 * decrypt (lc8061.*), with libsodium's original ChaCha20-Poly1305 alone
 * (raw_chacha20poly1305_orig), suite 6's primitive.
 *
 * Output: "name: value unit" lines; Gbit/s counts inner (plaintext)
 * bits.  Best of PASSES; figures are wall-clock, never pass/fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "lc8061.h"
#include "lcrypto.h"
#include "log.h"

#define PKT		1400
#define NPKT		100000
#define PASSES		3

static uint8_t	 inner[PKT], pkt[PKT + 128], out[PKT + 128];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
gbps(double secs)
{
	return (double)NPKT * PKT * 8 / secs / 1e9;
}

static struct lcrypto_key *
key(enum lcrypto_cipher c, unsigned int dir)
{
	struct lcrypto_key *k;
	int		 err;

	k = lcrypto_key_from_hex("1", "3a505095bdb095e4d7ae0362e2b05195",
	    "0000000098fc72e937901211f02530c17ed92dbf", c, dir, 1, &err);
	if (k == NULL) {
		fprintf(stderr, "key: %s\n", lcrypto_strerror(err));
		exit(1);
	}
	return k;
}

static double
bench_encrypt(enum lcrypto_cipher c)
{
	struct lcrypto_key *k = key(c, LCRYPTO_ENCAP);
	uint8_t		 hdr[8] = { 0x89, 0xab, 0xcd, 0xef, 0, 3, 0xe9, 0 };
	double		 t, best = 1e9;
	int		 p, i;

	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++)
			if (lcrypto_encrypt(k, 0, hdr, inner, PKT, pkt,
			    sizeof(pkt)) < 0)
				exit(1);
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	lcrypto_key_free(k);
	return gbps(best);
}

static double
bench_decrypt(enum lcrypto_cipher c)
{
	struct lcrypto_key *e = key(c, LCRYPTO_ENCAP);
	struct lcrypto_key *d = key(LCRYPTO_AUTO, LCRYPTO_DECAP);
	uint8_t		 hdr[8] = { 0x89, 0xab, 0xcd, 0xef, 0, 3, 0xe9, 0 };
	double		 t, best = 1e9;
	int		 p, i, n;

	n = lcrypto_encrypt(e, 0, hdr, inner, PKT, pkt, sizeof(pkt));
	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++)
			if (lcrypto_decrypt(d, 0, pkt, (size_t)n, out,
			    sizeof(out)) != PKT)
				exit(1);
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	lcrypto_key_free(e);
	lcrypto_key_free(d);
	return gbps(best);
}

/* An RFC 8061 key of suite 5 or 6, both directions. */
static struct lc8061_key *
key8061(unsigned int suite)
{
	struct lc8061_key *k;
	uint8_t		 kb[32];
	int		 err;

	randombytes_buf(kb, sizeof(kb));
	k = lc8061_key_new(1, suite, kb, suite == LC8061_SUITE_CHACHA20 ?
	    32 : 16, LC8061_ENCAP | LC8061_DECAP, 1, &err);
	sodium_memzero(kb, sizeof(kb));
	if (k == NULL) {
		fprintf(stderr, "key8061: %s\n", lc8061_strerror(err));
		exit(1);
	}
	return k;
}

/* lc8061 encrypt (dec 0) or decrypt (dec 1), out of place. */
static double
bench_8061(unsigned int suite, int dec)
{
	struct lc8061_key *k = key8061(suite);
	uint8_t		 hdr[8] = { 0x89, 0xab, 0xcd, 0xef, 0, 3, 0xe9, 0 };
	double		 t, best = 1e9;
	int		 p, i, n;

	n = lc8061_encrypt(k, 0, hdr, inner, PKT, pkt, sizeof(pkt));
	if (n < 0)
		exit(1);
	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++) {
			if (dec ? lc8061_decrypt(k, 0, pkt, (size_t)n, out,
			    sizeof(out)) != PKT : lc8061_encrypt(k, 0, hdr,
			    inner, PKT, out, sizeof(out)) != n)
				exit(1);
		}
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	lc8061_key_free(k);
	return gbps(best);
}

/* libsodium's original ChaCha20-Poly1305 alone (suite 6's primitive). */
static double
bench_chacha_orig(void)
{
	uint8_t		 k[32], n[8] = { 0 }, tag[16];
	unsigned long long tlen;
	double		 t, best = 1e9;
	int		 p, i;

	randombytes_buf(k, sizeof(k));
	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++) {
			sodium_increment(n, sizeof(n));
			crypto_aead_chacha20poly1305_encrypt_detached(out, tag,
			    &tlen, inner, PKT, pkt, 16, NULL, n, k);
		}
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	sodium_memzero(k, sizeof(k));
	return gbps(best);
}

/* libsodium's AEAD alone: what an RFC 8061-style single pass costs. */
static double
bench_sodium(int aes)
{
	crypto_aead_aes256gcm_state st;
	uint8_t		 k[32], n[12] = { 0 };
	unsigned long long clen;
	double		 t, best = 1e9;
	int		 p, i;

	randombytes_buf(k, sizeof(k));
	if (aes)
		crypto_aead_aes256gcm_beforenm(&st, k);
	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++) {
			sodium_increment(n, sizeof(n));
			if (aes)
				crypto_aead_aes256gcm_encrypt_afternm(out,
				    &clen, inner, PKT, pkt, 8, NULL, n, &st);
			else
				crypto_aead_chacha20poly1305_ietf_encrypt(out,
				    &clen, inner, PKT, pkt, 8, NULL, n, k);
		}
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	sodium_memzero(k, sizeof(k));
	sodium_memzero(&st, sizeof(st));
	return gbps(best);
}

/* OpenSSL AES-128-GCM alone, pre-keyed context, no ICV. */
static double
bench_openssl_gcm(void)
{
	EVP_CIPHER_CTX	*ctx = EVP_CIPHER_CTX_new();
	uint8_t		 k[16], iv[12] = { 0 }, tag[16];
	double		 t, best = 1e9;
	int		 p, i, l;

	randombytes_buf(k, sizeof(k));
	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, k, NULL) != 1)
		exit(1);
	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++) {
			sodium_increment(iv, sizeof(iv));
			if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
			    EVP_EncryptUpdate(ctx, out, &l, inner, PKT) != 1 ||
			    EVP_EncryptFinal_ex(ctx, out + l, &l) != 1 ||
			    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
			    tag) != 1)
				exit(1);
		}
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	EVP_CIPHER_CTX_free(ctx);
	sodium_memzero(k, sizeof(k));
	return gbps(best);
}

/*
 * The ICV alone over one packet's worth (header + IV + ciphertext + tag,
 * 1448 bytes): libsodium's HMAC-SHA-256 (what lcrypto uses; portable C
 * SHA-256) and OpenSSL's (SHA-NI / AVX2 assembly where the CPU has it),
 * both keyed once.  Shows where the time of lcrypto_encrypt() goes.
 */
static double
bench_hmac(int openssl)
{
	crypto_auth_hmacsha256_state st, tmp;
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";
	uint8_t		 k[20], md[32];
	size_t		 mdlen;
	double		 t, best = 1e9;
	int		 p, i;

	randombytes_buf(k, sizeof(k));
	if (openssl) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, digest, 0);
		params[1] = OSSL_PARAM_construct_end();
		if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
		    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
		    EVP_MAC_init(ctx, k, sizeof(k), params) != 1)
			exit(1);
	} else
		crypto_auth_hmacsha256_init(&st, k, sizeof(k));
	for (p = 0; p < PASSES; p++) {
		t = now_s();
		for (i = 0; i < NPKT; i++) {
			if (openssl) {
				if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 ||
				    EVP_MAC_update(ctx, pkt, PKT + 48) != 1 ||
				    EVP_MAC_final(ctx, md, &mdlen,
				    sizeof(md)) != 1)
					exit(1);
			} else {
				memcpy(&tmp, &st, sizeof(tmp));
				crypto_auth_hmacsha256_update(&tmp, pkt,
				    PKT + 48);
				crypto_auth_hmacsha256_final(&tmp, md);
			}
		}
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(&tmp, sizeof(tmp));
	sodium_memzero(k, sizeof(k));
	return gbps(best);
}

int
main(void)
{
	double		 gcm_e, raw, a_e, c_e, raw_c;
	int		 aes;

	log_setquiet(1);
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(inner, sizeof(inner));
	inner[0] = 0x45;
	inner[2] = PKT >> 8;
	inner[3] = PKT & 0xff;
	aes = crypto_aead_aes256gcm_is_available();

	printf("lcrypto.packet_bytes: %d bytes\n", PKT);
	gcm_e = bench_encrypt(LCRYPTO_AES128_GCM);
	printf("lcrypto.gcm_encrypt.gbps: %.2f Gbit/s\n", gcm_e);
	printf("lcrypto.gcm_decrypt.gbps: %.2f Gbit/s\n",
	    bench_decrypt(LCRYPTO_AES128_GCM));
	printf("lcrypto.cbc_encrypt.gbps: %.2f Gbit/s\n",
	    bench_encrypt(LCRYPTO_AES128_CBC));
	printf("lcrypto.cbc_decrypt.gbps: %.2f Gbit/s\n",
	    bench_decrypt(LCRYPTO_AES128_CBC));
	raw = bench_sodium(aes);
	printf("raw_aead.gbps: %.2f Gbit/s (libsodium %s)\n", raw,
	    aes ? "aes256gcm" : "chacha20poly1305_ietf");
	if (aes)
		printf("raw_chacha20poly1305.gbps: %.2f Gbit/s\n",
		    bench_sodium(0));
	printf("raw_openssl_aes128gcm.gbps: %.2f Gbit/s\n",
	    bench_openssl_gcm());
	printf("raw_hmac_sha256.libsodium.gbps: %.2f Gbit/s\n",
	    bench_hmac(0));
	printf("raw_hmac_sha256.openssl.gbps: %.2f Gbit/s\n", bench_hmac(1));
	printf("lcrypto.gcm_encrypt_vs_raw_aead: %.2f x\n", gcm_e / raw);
	a_e = bench_8061(LC8061_SUITE_AES128_GCM, 0);
	printf("lc8061.aes128gcm_encrypt.gbps: %.2f Gbit/s\n", a_e);
	printf("lc8061.aes128gcm_decrypt.gbps: %.2f Gbit/s\n",
	    bench_8061(LC8061_SUITE_AES128_GCM, 1));
	c_e = bench_8061(LC8061_SUITE_CHACHA20, 0);
	printf("lc8061.chacha20_encrypt.gbps: %.2f Gbit/s\n", c_e);
	printf("lc8061.chacha20_decrypt.gbps: %.2f Gbit/s\n",
	    bench_8061(LC8061_SUITE_CHACHA20, 1));
	raw_c = bench_chacha_orig();
	printf("raw_chacha20poly1305_orig.gbps: %.2f Gbit/s (libsodium, "
	    "8-byte nonce)\n", raw_c);
	printf("lc8061.aes128gcm_encrypt_vs_raw_aead: %.2f x\n", a_e / raw);
	printf("lc8061.chacha20_encrypt_vs_raw_chacha20poly1305_orig: %.2f "
	    "x\n", c_e / raw_c);
	return 0;
}
