/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lc8061_decrypt() with fixed keys (those of
 * tests/replay/c8061-itr.ipc: suite 5 key-id 1, suite 6 key-id 3).
 * Input: one control byte, then the UDP payload (LISP header first).
 * Control bit 0: suite 6 instead of 5.  Bit 1: reseal the payload first
 * (its header and IV kept, the rest taken as plaintext) with an
 * independent implementation, a one-shot OpenSSL EVP AES-128-GCM or
 * libsodium's combined-mode ChaCha20-Poly1305, so that valid packets of
 * every length reach the decryption, not only the tag check.  Bit 2:
 * decrypt in place.
 *
 * Oracle: lc8061 accepts a payload exactly when the independent
 * implementation opens it (KK matching the key-id), with the same
 * plaintext; nothing reads outside the payload (exact-size heap copies
 * for ASan); on failure the output holds nothing decrypted.
 * Seeds: tests/data/lc8061/seed-* (packets of c8061-100.pcap).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "lc8061.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t key5[16] = {
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};
static const uint8_t key6[32] = {
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
};

/*
 * One-shot AES-128-GCM over the documented layout: seal (enc 1, in
 * place, writes the tag) or open (enc 0, into pt).  0 or -1.
 */
static int
ref_gcm(int enc, uint8_t *pkt, size_t len, uint8_t *pt)
{
	EVP_CIPHER_CTX	*ctx;
	size_t		 ctlen = len - 8 - 12 - 16;
	uint8_t		*ct = pkt + 20, *tag = pkt + len - 16;
	int		 n, ok;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		abort();
	ok = EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, key5, pkt + 8,
	    enc) == 1 && EVP_CipherUpdate(ctx, NULL, &n, pkt, 20) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
		    tag) == 1;
	if (ok && ctlen > 0)
		ok = EVP_CipherUpdate(ctx, enc ? ct : pt, &n, ct,
		    (int)ctlen) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, (enc ? ct : pt) + ctlen, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
		    tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lc8061_key *k5, *k6;
	struct lc8061_key	*k;
	unsigned long long	 clen, mlen;
	uint8_t			*pkt, *out, *ref, *msg;
	size_t			 len, ivl, pre, ctlen = 0;
	unsigned int		 kid;
	int			 n, ok, suite6;

	if (k5 == NULL) {
		log_setquiet(1);
		if (sodium_init() < 0)
			abort();
		k5 = lc8061_key_new(1, LC8061_SUITE_AES128_GCM, key5,
		    sizeof(key5), LC8061_DECAP, 1, NULL);
		k6 = lc8061_key_new(3, LC8061_SUITE_CHACHA20, key6,
		    sizeof(key6), LC8061_DECAP, 1, NULL);
		if (k5 == NULL || k6 == NULL)
			abort();
	}
	if (size < 1)
		return 0;
	suite6 = data[0] & 1;
	k = suite6 ? k6 : k5;
	kid = suite6 ? 3 : 1;
	ivl = suite6 ? LC8061_IV_CHACHA : LC8061_IV_GCM;
	pre = 8 + ivl;
	len = size - 1;
	/* Exact-size heap copies, so ASan sees any overread. */
	if ((pkt = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(pkt, data + 1, len);
	if (len >= pre + 16)
		ctlen = len - pre - 16;
	if ((ref = malloc(ctlen + 1)) == NULL ||
	    (msg = malloc(ctlen + 1)) == NULL)
		abort();

	/* Reseal: header and IV kept, the rest is the plaintext. */
	if ((data[0] & 2) && len >= pre + 16) {
		if (!suite6) {
			if (ref_gcm(1, pkt, len, NULL) != 0)
				abort();
		} else {
			memcpy(msg, pkt + pre, ctlen);
			if (crypto_aead_chacha20poly1305_encrypt(pkt + pre,
			    &clen, msg, ctlen, pkt, pre, NULL, pkt + 8,
			    key6) != 0 || clen != ctlen + 16)
				abort();
		}
	}

	/* The independent verdict. */
	ok = 0;
	if (len >= pre + 16 && (pkt[0] & 3) == kid) {
		if (!suite6)
			ok = ref_gcm(0, pkt, len, ref) == 0;
		else
			ok = crypto_aead_chacha20poly1305_decrypt(ref, &mlen,
			    NULL, pkt + pre, ctlen + 16, pkt, pre, pkt + 8,
			    key6) == 0 && mlen == ctlen;
	}

	if ((data[0] & 4) && len >= pre) {
		out = pkt + pre;
		n = lc8061_decrypt(k, 0, pkt, len, out, len - pre);
	} else {
		if ((out = malloc(len ? len : 1)) == NULL)
			abort();
		memset(out, 0, len);
		n = lc8061_decrypt(k, 0, pkt, len, out, len);
	}
	if ((n >= 0) != ok)
		abort();
	if (n >= 0 && ((size_t)n != ctlen || memcmp(out, ref, ctlen) != 0))
		abort();
	/* Out of place and refused: nothing was left in out. */
	if (n < 0 && out != pkt + pre && len > 0 && !sodium_is_zero(out, len))
		abort();
	if (out != pkt + pre)
		free(out);
	free(msg);
	free(ref);
	free(pkt);
	return 0;
}
