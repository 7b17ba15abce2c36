/* SPDX-License-Identifier: ISC */
/*
 * lispers.net-compatible LISP-crypto (crypto/lcrypto.c).
 *
 * Known answers: tests/data/lcrypto/lispers.net-crypto-vectors.json was
 * produced by running lispers.net's own python code (compat 2.13).  Every
 * packet of the AES-GCM and AES-CBC HMAC variants is decrypted to the
 * recorded inner packet and re-encrypted, from the recorded IV counter,
 * to the recorded bytes exactly.  The Poly1305 variants give the refusal
 * and the ICV-error lispers.net itself records.  ICVs that tests forge
 * (tag tamper, ChaCha8-shaped packets) are computed with OpenSSL's
 * one-shot HMAC(), not with the libsodium code under test.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lcrypto.h"
#include "log.h"
#include "tu_vectors.h"

#define VECTORS	"tests/data/lcrypto/lispers.net-crypto-vectors.json"
#define BUFSZ	2048

static struct json_object *root;

static struct json_object *
variant(const char *name)
{
	return tu_jget(tu_jget(root, "variants"), name);
}

static void
load(void)
{
	root = json_object_from_file(VECTORS);
	ck_assert_msg(root != NULL, "cannot read %s", VECTORS);
	log_setquiet(1);
}

static void
unload(void)
{
	json_object_put(root);
	root = NULL;
}

/* The keys lispers.net put in the IPC for this variant. */
static struct lcrypto_key *
itr_key(struct json_object *v, enum lcrypto_cipher c, int *err)
{
	struct json_object *ks = tu_jget(tu_jget(v, "ipc_json_as_built"),
	    "map-cache rloc keys[] (lisp_build_json_keys, ITR side)");

	return lcrypto_key_from_hex(tu_jstr(ks, "key-id"), tu_jstr(ks, "encrypt-key"),
	    tu_jstr(ks, "icv-key"), c, LCRYPTO_ENCAP, 2, err);
}

static struct lcrypto_key *
etr_key(struct json_object *v, enum lcrypto_cipher c, int *err)
{
	struct json_object *ks = tu_jget(tu_jget(v, "ipc_json_as_built"),
	    "decap-keys keys[] (ETR side)");

	return lcrypto_key_from_hex(tu_jstr(ks, "key-id"), tu_jstr(ks, "decrypt-key"),
	    tu_jstr(ks, "icv-key"), c, LCRYPTO_DECAP, 2, err);
}

static const char *const hmac_variants[] = { "aes-gcm-hmac", "aes-cbc-hmac" };
static const enum lcrypto_cipher hmac_ciphers[] = {
	LCRYPTO_AES128_GCM, LCRYPTO_AES128_CBC
};

#define PAYLOAD	"lisp_payload_hex (LISP hdr + IV + ciphertext [+tag] + ICV)"
#define CTEXT	"ciphertext_hex (incl. 16-byte GCM tag when GCM)"

/* Decrypt every recorded packet, with AUTO and with the fixed cipher. */
START_TEST(test_kat_decrypt)
{
	struct json_object *v, *pkts, *p;
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], want[BUFSZ], out[BUFSZ];
	size_t		 plen, wlen, i, a;
	int		 n, err;
	enum lcrypto_cipher cs[2];

	v = variant(hmac_variants[_i]);
	cs[0] = LCRYPTO_AUTO;
	cs[1] = hmac_ciphers[_i];
	for (a = 0; a < 2; a++) {
		k = etr_key(v, cs[a], &err);
		ck_assert_ptr_nonnull(k);
		pkts = tu_jget(v, "packets");
		ck_assert_uint_eq(json_object_array_length(pkts), 2);
		for (i = 0; i < json_object_array_length(pkts); i++) {
			p = json_object_array_get_idx(pkts, i);
			plen = tu_unhex(tu_jstr(p, PAYLOAD), pkt, sizeof(pkt));
			wlen = tu_unhex(tu_jstr(tu_jget(p,
			    "decrypt_by_etr_key_as_lispers_builds_it"),
			    "inner_packet_hex"), want, sizeof(want));
			ck_assert_uint_eq(wlen,
			    json_object_get_int(tu_jget(p, "inner_len")));
			memset(out, 0xaa, sizeof(out));
			n = lcrypto_decrypt(k, 1, pkt, plen, out, sizeof(out));
			ck_assert_int_eq(n, (int)wlen);
			ck_assert_mem_eq(out, want, wlen);
			ck_assert_uint_eq(lcrypto_iv_len_of(k, plen),
			    cs[1] == LCRYPTO_AES128_GCM ? 12 : 16);

			/* In place, as the ETR worker will call it. */
			n = lcrypto_decrypt(k, 0, pkt, plen,
			    pkt + 8 + lcrypto_iv_len_of(k, plen),
			    plen - 8 - lcrypto_iv_len_of(k, plen));
			ck_assert_int_eq(n, (int)wlen);
			ck_assert_mem_eq(pkt + 8 + lcrypto_iv_len_of(k, plen),
			    want, wlen);
		}
		lcrypto_key_free(k);
	}
}
END_TEST

/*
 * Encrypt the recorded inner packets from the recorded IV counter: the
 * first packet after lcrypto_key_set_iv(), the second from the counter
 * the first one left (+1), as lispers.net did.  Byte-exact.
 */
START_TEST(test_kat_encrypt)
{
	struct json_object *v, *pkts, *p;
	struct lcrypto_key *k;
	uint8_t		 inner[BUFSZ], want[BUFSZ], out[BUFSZ], hdr[8];
	uint8_t		 ctr[16], ct[BUFSZ], icv[32], buf[BUFSZ];
	size_t		 ilen, wlen, ctlen, i, pre;
	int		 n, err;

	v = variant(hmac_variants[_i]);
	k = itr_key(v, hmac_ciphers[_i], &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(lcrypto_key_id(k), 1);
	ck_assert_int_eq(lcrypto_key_cipher(k), hmac_ciphers[_i]);
	pkts = tu_jget(v, "packets");
	for (i = 0; i < json_object_array_length(pkts); i++) {
		p = json_object_array_get_idx(pkts, i);
		ilen = tu_unhex(tu_jstr(p, "inner_ipv4_hex"), inner, sizeof(inner));
		wlen = tu_unhex(tu_jstr(p, PAYLOAD), want, sizeof(want));
		ck_assert_uint_eq(tu_unhex(tu_jstr(p, "lisp_header_hex"), hdr,
		    sizeof(hdr)), 8);
		ck_assert_uint_eq(tu_unhex(tu_jstr(p, "iv_counter_int_hex"), ctr,
		    sizeof(ctr)), 16);
		if (i == 0) {
			ck_assert_int_eq(lcrypto_key_set_iv(k, 0, ctr), 0);
			ck_assert_int_eq(lcrypto_key_set_iv(k, 1, ctr), 0);
		}
		ck_assert_uint_eq(lcrypto_encap_len(k, ilen), wlen);

		memset(out, 0xaa, sizeof(out));
		n = lcrypto_encrypt(k, 0, hdr, inner, ilen, out, sizeof(out));
		ck_assert_int_eq(n, (int)wlen);
		ck_assert_mem_eq(out, want, wlen);
		/* The pieces the vector lists separately, for diagnostics. */
		ctlen = tu_unhex(tu_jstr(p, CTEXT), ct, sizeof(ct));
		ck_assert_mem_eq(out + lcrypto_prefix_len(k), ct, ctlen);
		ck_assert_uint_eq(tu_unhex(tu_jstr(p, "icv_hex"), icv, sizeof(icv)),
		    20);
		ck_assert_mem_eq(out + wlen - 20, icv, 20);

		/* Slot 1, in place: inner already behind header + IV room. */
		pre = lcrypto_prefix_len(k);
		memset(buf, 0xbb, sizeof(buf));
		memcpy(buf + pre, inner, ilen);
		n = lcrypto_encrypt(k, 1, hdr, buf + pre, ilen, buf, wlen);
		ck_assert_int_eq(n, (int)wlen);
		ck_assert_mem_eq(buf, want, wlen);
	}
	lcrypto_key_free(k);
}
END_TEST

/*
 * LISP_USE_POLY: the ITR's 32-hex icv-key is refused; the packet it sent
 * (Poly1305 ICV) fails the HMAC check of the 40-hex decap key exactly as
 * lispers.net's own ETR recorded ("ICV-error").
 */
START_TEST(test_poly_variants)
{
	static const char *const names[] = {
		"aes-cbc-poly1305", "aes-gcm-poly1305", "chacha-poly1305"
	};
	struct json_object *v, *pkts, *p, *d;
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], out[BUFSZ];
	size_t		 i, j, plen;
	uint64_t	 before;
	int		 err;

	for (i = 0; i < 3; i++) {
		v = variant(names[i]);
		before = lcrypto_refused(LCRYPTO_E_POLY1305);
		err = 0;
		k = itr_key(v, LCRYPTO_AES128_CBC, &err);
		ck_assert_ptr_null(k);
		ck_assert_int_eq(err, LCRYPTO_E_POLY1305);
		ck_assert_uint_eq(lcrypto_refused(LCRYPTO_E_POLY1305),
		    before + 1);

		k = etr_key(v, LCRYPTO_AUTO, &err);
		if (i == 2) {
			/* Offered suite 6: the ETR key is Poly1305 too. */
			ck_assert_ptr_null(k);
			ck_assert_int_eq(err, LCRYPTO_E_POLY1305);
			continue;
		}
		ck_assert_ptr_nonnull(k);
		pkts = tu_jget(v, "packets");
		for (j = 0; j < json_object_array_length(pkts); j++) {
			p = json_object_array_get_idx(pkts, j);
			if (!json_object_object_get_ex(p, PAYLOAD, NULL)) {
				/* GCM + Poly: lispers.net could not send. */
				ck_assert_ptr_nonnull(strstr(tu_jstr(p,
				    "encrypt_error"), "ValueError"));
				continue;
			}
			d = tu_jget(p, "decrypt_by_etr_key_as_lispers_builds_it");
			ck_assert_str_eq(tu_jstr(d, "error"), "ICV-error");
			plen = tu_unhex(tu_jstr(p, PAYLOAD), pkt, sizeof(pkt));
			ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out,
			    sizeof(out)), -LCRYPTO_E_ICV);
		}
		lcrypto_key_free(k);
	}
}
END_TEST

static void
kat_packet(const char *vname, int idx, uint8_t *pkt, size_t *plen,
    uint8_t *inner, size_t *ilen)
{
	struct json_object *p;

	p = json_object_array_get_idx(tu_jget(variant(vname), "packets"), idx);
	*plen = tu_unhex(tu_jstr(p, PAYLOAD), pkt, BUFSZ);
	*ilen = tu_unhex(tu_jstr(p, "inner_ipv4_hex"), inner, BUFSZ);
}

/* Any single changed bit, in header, IV, ciphertext, tag or ICV. */
START_TEST(test_tamper_every_byte)
{
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], inner[BUFSZ], out[BUFSZ];
	size_t		 plen, ilen, i;
	int		 err, bit;

	k = etr_key(variant(hmac_variants[_i]), LCRYPTO_AUTO, &err);
	ck_assert_ptr_nonnull(k);
	kat_packet(hmac_variants[_i], 0, pkt, &plen, inner, &ilen);
	for (i = 0; i < plen; i++) {
		for (bit = 0; bit < 8; bit++) {
			pkt[i] ^= (uint8_t)(1 << bit);
			/* KK bits are checked before the ICV. */
			ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out,
			    sizeof(out)), i == 0 && bit < 2 ?
			    -LCRYPTO_E_KEYID : -LCRYPTO_E_ICV);
			pkt[i] ^= (uint8_t)(1 << bit);
		}
	}
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    (int)ilen);
	lcrypto_key_free(k);
}
END_TEST

/* Re-sign pkt[0..len-20) with OpenSSL's HMAC (independent of lcrypto). */
static void
resign(const char *vname, uint8_t *pkt, size_t len)
{
	struct json_object *ks;
	uint8_t		 key[20], mac[32];
	unsigned int	 mlen = sizeof(mac);

	ks = tu_jget(tu_jget(variant(vname), "ipc_json_as_built"),
	    "decap-keys keys[] (ETR side)");
	ck_assert_uint_eq(tu_unhex(tu_jstr(ks, "icv-key"), key, sizeof(key)), 20);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, 20, pkt, len - 20, mac,
	    &mlen));
	memcpy(pkt + len - 20, mac, 20);
}

/*
 * A GCM tag that does not verify, under a valid ICV (only a key holder
 * could make one): -LCRYPTO_E_DECRYPT and no plaintext left behind.
 * Also the check that the recomputed ICV is the recorded one.
 */
START_TEST(test_gcm_tag_tamper)
{
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], orig[BUFSZ], inner[BUFSZ], out[BUFSZ];
	size_t		 plen, ilen, i, tagoff;
	int		 err;

	k = etr_key(variant("aes-gcm-hmac"), LCRYPTO_AUTO, &err);
	ck_assert_ptr_nonnull(k);
	kat_packet("aes-gcm-hmac", 1, pkt, &plen, inner, &ilen);
	memcpy(orig, pkt, plen);
	resign("aes-gcm-hmac", pkt, plen);
	ck_assert_mem_eq(pkt, orig, plen);

	tagoff = plen - 20 - 16;
	for (i = tagoff; i < tagoff + 16; i++) {
		pkt[i] ^= 0x01;
		resign("aes-gcm-hmac", pkt, plen);
		memset(out, 0xaa, sizeof(out));
		ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out,
		    sizeof(out)), -LCRYPTO_E_DECRYPT);
		ck_assert_int_eq(out[0], 0);
		ck_assert_int_eq(out[ilen - 1], 0);
		memcpy(pkt, orig, plen);
	}
	/* A ciphertext byte changed under a valid ICV: the tag catches it. */
	pkt[8 + 12 + 3] ^= 0x80;
	resign("aes-gcm-hmac", pkt, plen);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    -LCRYPTO_E_DECRYPT);
	lcrypto_key_free(k);
}
END_TEST

START_TEST(test_wrong_key)
{
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], inner[BUFSZ], out[BUFSZ];
	size_t		 plen, ilen;
	int		 err;

	kat_packet(hmac_variants[_i], 0, pkt, &plen, inner, &ilen);
	/* Another ICV key: ICV-error. */
	k = lcrypto_key_from_hex("1", "3a505095bdb095e4d7ae0362e2b05195",
	    "0000000098fc72e937901211f02530c17ed92dbe", LCRYPTO_AUTO,
	    LCRYPTO_DECAP, 1, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    -LCRYPTO_E_ICV);
	lcrypto_key_free(k);
	/* Right ICV key, another AES key: GCM's tag fails, CBC decrypts to
	 * garbage (lispers.net's construction has no other check). */
	k = lcrypto_key_from_hex("1", "3a505095bdb095e4d7ae0362e2b05194",
	    "0000000098fc72e937901211f02530c17ed92dbf", LCRYPTO_AUTO,
	    LCRYPTO_DECAP, 1, &err);
	ck_assert_ptr_nonnull(k);
	if (hmac_ciphers[_i] == LCRYPTO_AES128_GCM)
		ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out,
		    sizeof(out)), -LCRYPTO_E_DECRYPT);
	else {
		ck_assert_int_ge(lcrypto_decrypt(k, 0, pkt, plen, out,
		    sizeof(out)), 0);
		ck_assert_mem_ne(out, inner, ilen);
	}
	lcrypto_key_free(k);
	/* A key for key-id 2 does not take a KK=1 packet. */
	k = lcrypto_key_from_hex("2", "3a505095bdb095e4d7ae0362e2b05195",
	    "0000000098fc72e937901211f02530c17ed92dbf", LCRYPTO_AUTO,
	    LCRYPTO_DECAP, 1, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    -LCRYPTO_E_KEYID);
	lcrypto_key_free(k);
	/* A key fixed to the other cipher: the length does not fit it. */
	k = etr_key(variant(hmac_variants[_i]), hmac_ciphers[1 - _i], &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    -LCRYPTO_E_LEN);
	lcrypto_key_free(k);
}
END_TEST

/* Every prefix of a packet is refused; never plaintext. */
START_TEST(test_truncated)
{
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], inner[BUFSZ], out[BUFSZ], *cut;
	size_t		 plen, ilen, l;
	int		 err, n;

	k = etr_key(variant(hmac_variants[_i]), LCRYPTO_AUTO, &err);
	ck_assert_ptr_nonnull(k);
	kat_packet(hmac_variants[_i], 1, pkt, &plen, inner, &ilen);
	for (l = 0; l < plen; l++) {
		/* Exact-size heap copy so ASan sees any over-read. */
		cut = malloc(l ? l : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, pkt, l);
		n = lcrypto_decrypt(k, 0, cut, l, out, sizeof(out));
		if (l < 28)
			ck_assert_int_eq(n, -LCRYPTO_E_LEN);
		else
			ck_assert_int_eq(n, -LCRYPTO_E_ICV);
		free(cut);
	}
	/* Output buffer one byte short of the ciphertext. */
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out,
	    plen - 8 - 20 - lcrypto_iv_len_of(k, plen) -
	    (hmac_ciphers[_i] == LCRYPTO_AES128_GCM ? 16 : 0) - 1),
	    -LCRYPTO_E_SPACE);
	lcrypto_key_free(k);
}
END_TEST

/*
 * A ChaCha8-shaped packet (8-byte IV, body = 8 mod 16) with a valid HMAC
 * ICV: authenticated, then refused.  ChaCha8 keys are refused outright.
 */
START_TEST(test_chacha_refused)
{
	struct lcrypto_key *k;
	uint8_t		 pkt[8 + 8 + 48 + 20], out[BUFSZ];
	uint64_t	 before;
	int		 err = 0;

	k = etr_key(variant("aes-gcm-hmac"), LCRYPTO_AUTO, &err);
	ck_assert_ptr_nonnull(k);
	memset(pkt, 0x5a, sizeof(pkt));
	pkt[0] = 0x89;
	resign("aes-gcm-hmac", pkt, sizeof(pkt));
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, sizeof(pkt), out,
	    sizeof(out)), -LCRYPTO_E_CHACHA);
	ck_assert_uint_eq(lcrypto_iv_len_of(k, sizeof(pkt)), 0);
	/* Odd residues fit no cipher. */
	resign("aes-gcm-hmac", pkt, sizeof(pkt) - 3);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, sizeof(pkt) - 3, out,
	    sizeof(out)), -LCRYPTO_E_LEN);
	lcrypto_key_free(k);

	before = lcrypto_refused(LCRYPTO_E_CHACHA);
	k = lcrypto_key_from_hex("1", "3a505095bdb095e4d7ae0362e2b05195",
	    "0000000098fc72e937901211f02530c17ed92dbf", LCRYPTO_CHACHA8,
	    LCRYPTO_ENCAP, 1, &err);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(err, LCRYPTO_E_CHACHA);
	ck_assert_uint_eq(lcrypto_refused(LCRYPTO_E_CHACHA), before + 1);
}
END_TEST

START_TEST(test_bad_keys)
{
	static const struct {
		const char	*id, *key, *icv;
		unsigned int	 dir;
		enum lcrypto_cipher c;
		unsigned int	 nslots;
		int		 err;
	} t[] = {
#define K32	"3a505095bdb095e4d7ae0362e2b05195"
#define I40	"0000000098fc72e937901211f02530c17ed92dbf"
		{ "0", K32, I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "4", K32, I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "11", K32, I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "", K32, I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "1", K32 "00", I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 1,
		    LCRYPTO_E_KEY },
		{ "1", "3a505095bdb095e4d7ae0362e2b0519", I40, LCRYPTO_DECAP,
		    LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "1", "3a505095bdb095e4d7ae0362e2b0519g", I40, LCRYPTO_DECAP,
		    LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "1", K32, "00000000" I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 1,
		    LCRYPTO_E_KEY },
		{ "1", K32, "000000098fc72e937901211f02530c17ed92dbf",
		    LCRYPTO_DECAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "1", K32, "0000000098fc72e937901211f02530c17ed92dbx",
		    LCRYPTO_DECAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "1", K32, "98fc72e937901211f02530c17ed92dbf", LCRYPTO_ENCAP,
		    LCRYPTO_AES128_GCM, 1, LCRYPTO_E_POLY1305 },
		/* AUTO cannot encrypt: the sender must know its suite. */
		{ "1", K32, I40, LCRYPTO_ENCAP, LCRYPTO_AUTO, 1, LCRYPTO_E_KEY },
		{ "1", K32, I40, 0, LCRYPTO_AES128_GCM, 1, LCRYPTO_E_KEY },
		{ "1", K32, I40, 4, LCRYPTO_AES128_GCM, 1, LCRYPTO_E_KEY },
		{ "1", K32, I40, LCRYPTO_DECAP, (enum lcrypto_cipher)9, 1,
		    LCRYPTO_E_KEY },
		{ "1", K32, I40, LCRYPTO_DECAP, LCRYPTO_AUTO, 0, LCRYPTO_E_KEY },
		{ "1", K32, I40, LCRYPTO_DECAP, LCRYPTO_AUTO,
		    LCRYPTO_MAX_SLOTS + 1, LCRYPTO_E_KEY },
	};
	struct lcrypto_key *k;
	uint8_t		 hdr[8] = { 0x89 }, in[40] = { 0x45 }, out[BUFSZ];
	size_t		 i;
	int		 err;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = 0;
		k = lcrypto_key_from_hex(t[i].id, t[i].key, t[i].icv, t[i].c,
		    t[i].dir, t[i].nslots, &err);
		ck_assert_msg(k == NULL, "case %zu accepted", i);
		ck_assert_msg(err == t[i].err, "case %zu: err %d", i, err);
	}
	ck_assert_ptr_null(lcrypto_key_from_hex(NULL, K32, I40,
	    LCRYPTO_AUTO, LCRYPTO_DECAP, 1, NULL));
	ck_assert_ptr_null(lcrypto_key_new(1, NULL, NULL, 20, LCRYPTO_AUTO,
	    LCRYPTO_DECAP, 1, NULL));

	/* Upper-case hex is accepted; directions are enforced. */
	k = lcrypto_key_from_hex("1", "3A505095BDB095E4D7AE0362E2B05195",
	    I40, LCRYPTO_AES128_GCM, LCRYPTO_DECAP, 1, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in), out,
	    sizeof(out)), -LCRYPTO_E_DIR);
	ck_assert_int_eq(lcrypto_decrypt(k, 1, out, 100, out, sizeof(out)),
	    -LCRYPTO_E_KEY);
	lcrypto_key_free(k);
	k = lcrypto_key_from_hex("1", K32, I40, LCRYPTO_AES128_GCM,
	    LCRYPTO_ENCAP, 1, &err);
	ck_assert_ptr_nonnull(k);
	memset(out, 0, 100);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, out, 100, out, sizeof(out)),
	    -LCRYPTO_E_DIR);
	hdr[0] = 0x8a;
	ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in), out,
	    sizeof(out)), -LCRYPTO_E_KEYID);
	hdr[0] = 0x89;
	ck_assert_int_eq(lcrypto_encrypt(k, 1, hdr, in, sizeof(in), out,
	    sizeof(out)), -LCRYPTO_E_KEY);
	ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in), out,
	    lcrypto_encap_len(k, sizeof(in)) - 1), -LCRYPTO_E_SPACE);
	ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, 0, out, sizeof(out)),
	    -LCRYPTO_E_LEN);
	ck_assert_int_eq(lcrypto_encrypt(k, 0, hdr, in, sizeof(in), out,
	    lcrypto_encap_len(k, sizeof(in))),
	    (int)lcrypto_encap_len(k, sizeof(in)));
	lcrypto_key_free(k);
	lcrypto_key_free(NULL);
	ck_assert_str_eq(lcrypto_strerror(-LCRYPTO_E_ICV),
	    "ICV does not verify");
	ck_assert_str_eq(lcrypto_strerror(1000), "unknown error");
#undef K32
#undef I40
}
END_TEST

/*
 * Round trips at every inner length 1..300 and 1400, both ciphers, IPv4,
 * IPv6 and non-IP inner packets, copying and in place.  Checks sizes
 * (padding to 16 only when needed), trimming by the inner IP length, and
 * that the padding is spaces (visible for non-IP inners, which are
 * returned with their padding).
 */
START_TEST(test_round_trip)
{
	struct lcrypto_key *e, *d;
	uint8_t		 hdr[8] = { 0x89, 1, 2, 3, 0, 0, 0x2a, 0 };
	uint8_t		 in[1500], pkt[1600], out[1600], buf[1600];
	size_t		 len, want, pre, pad;
	int		 n, err, kind, rounds = 0;

	e = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", hmac_ciphers[_i],
	    LCRYPTO_ENCAP, 1, &err);
	d = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", LCRYPTO_AUTO,
	    LCRYPTO_DECAP, 1, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(d);
	for (len = 1; len <= 1400;
	    len = len < 300 ? len + 1 : len == 300 ? 1400 : 1401) {
		for (kind = 0; kind < 3; kind++) {
			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)(i * 7 + kind);
			want = len;
			if (kind == 0 && len >= 20) {
				in[0] = 0x45;
				in[2] = (uint8_t)(len >> 8);
				in[3] = (uint8_t)len;
			} else if (kind == 1 && len >= 40) {
				in[0] = 0x60;
				in[4] = (uint8_t)((len - 40) >> 8);
				in[5] = (uint8_t)(len - 40);
			} else {
				in[0] = 0x10;	/* not IP: no trimming */
				want = (len + 15) & ~(size_t)15;
			}
			n = lcrypto_encrypt(e, 0, hdr, in, len, pkt,
			    sizeof(pkt));
			ck_assert_int_eq(n, (int)lcrypto_encap_len(e, len));
			ck_assert_uint_le((size_t)n - len,
			    lcrypto_overhead(e));
			ck_assert_mem_eq(pkt, hdr, 8);
			n = lcrypto_decrypt(d, 0, pkt, (size_t)n, out,
			    sizeof(out));
			ck_assert_int_eq(n, (int)want);
			ck_assert_mem_eq(out, in, len);
			for (pad = len; pad < want; pad++)
				ck_assert_int_eq(out[pad], 0x20);

			/* In place both ways. */
			pre = lcrypto_prefix_len(e);
			memcpy(buf + pre, in, len);
			n = lcrypto_encrypt(e, 0, hdr, buf + pre, len, buf,
			    sizeof(buf));
			ck_assert_int_eq(n, (int)lcrypto_encap_len(e, len));
			n = lcrypto_decrypt(d, 0, buf, (size_t)n,
			    buf + pre, sizeof(buf) - pre);
			ck_assert_int_eq(n, (int)want);
			ck_assert_mem_eq(buf + pre, in, len);
		}
		rounds++;
	}
	ck_assert_int_eq(rounds, 301);
	lcrypto_key_free(e);
	lcrypto_key_free(d);
}
END_TEST

/*
 * IV counter: +1 per packet per slot, carry from the low into the high
 * half, in lispers.net's byte order; slots count independently; a fresh
 * key starts each slot at a random value.
 */
START_TEST(test_iv_counter)
{
	static const uint8_t ctr[16] = {
		0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	struct lcrypto_key *k, *k2;
	uint8_t		 hdr[8] = { 0x89 }, in[20] = { 0x45, 0, 0, 20 };
	uint8_t		 a[200], b[200], c[200];
	int		 n, err;

	k = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", hmac_ciphers[_i],
	    LCRYPTO_ENCAP, 2, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(lcrypto_key_set_iv(k, 0, ctr), 0);
	ck_assert_int_eq(lcrypto_key_set_iv(k, 1, ctr), 0);
	ck_assert_int_eq(lcrypto_key_set_iv(k, 2, ctr), -LCRYPTO_E_KEY);
	n = lcrypto_encrypt(k, 0, hdr, in, sizeof(in), a, sizeof(a));
	ck_assert_int_gt(n, 0);
	if (hmac_ciphers[_i] == LCRYPTO_AES128_GCM) {
		static const uint8_t w1[12] = { 0x44, 0x33, 0x22, 0x11,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		static const uint8_t w2[12] = { 0x45, 0x33, 0x22, 0x11,
		    0, 0, 0, 0, 0, 0, 0, 0 };
		ck_assert_mem_eq(a + 8, w1, 12);
		n = lcrypto_encrypt(k, 0, hdr, in, sizeof(in), b, sizeof(b));
		ck_assert_mem_eq(b + 8, w2, 12);
	} else {
		static const uint8_t w1[16] = { 0x44, 0x33, 0x22, 0x11,
		    0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		static const uint8_t w2[16] = { 0x45, 0x33, 0x22, 0x11,
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
		ck_assert_mem_eq(a + 8, w1, 16);
		n = lcrypto_encrypt(k, 0, hdr, in, sizeof(in), b, sizeof(b));
		ck_assert_mem_eq(b + 8, w2, 16);
	}
	/* Slot 1 still at the start: same bytes as slot 0's first packet. */
	n = lcrypto_encrypt(k, 1, hdr, in, sizeof(in), c, sizeof(c));
	ck_assert_mem_eq(c, a, (size_t)n);
	ck_assert_mem_ne(b, a, (size_t)n);

	/* Random starts differ between keys (fails with p = 2^-96). */
	k2 = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", hmac_ciphers[_i],
	    LCRYPTO_ENCAP, 1, &err);
	lcrypto_key_free(k);
	k = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", hmac_ciphers[_i],
	    LCRYPTO_ENCAP, 1, &err);
	lcrypto_encrypt(k, 0, hdr, in, sizeof(in), a, sizeof(a));
	lcrypto_encrypt(k2, 0, hdr, in, sizeof(in), b, sizeof(b));
	ck_assert_mem_ne(a + 8, b + 8, 12);
	lcrypto_key_free(k);
	lcrypto_key_free(k2);
}
END_TEST

static int	hook_calls, hook_saw_wiped;

static void
free_hook(const struct lcrypto_key *k)
{
	hook_calls++;
	hook_saw_wiped = lcrypto_key_is_wiped(k);
}

/* Wipe makes the key unusable and all-zero; free wipes before release. */
START_TEST(test_wipe)
{
	struct lcrypto_key *k;
	uint8_t		 pkt[BUFSZ], inner[BUFSZ], out[BUFSZ];
	size_t		 plen, ilen;
	int		 err;

	kat_packet("aes-gcm-hmac", 0, pkt, &plen, inner, &ilen);
	k = etr_key(variant("aes-gcm-hmac"), LCRYPTO_AUTO, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(lcrypto_key_is_wiped(k), 0);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    (int)ilen);
	lcrypto_key_wipe(k);
	ck_assert_int_eq(lcrypto_key_is_wiped(k), 1);
	ck_assert_int_eq(lcrypto_decrypt(k, 0, pkt, plen, out, sizeof(out)),
	    -LCRYPTO_E_KEY);
	lcrypto_key_free(k);

	/* Replacement: the old key is wiped when the new one takes over. */
	hook_calls = hook_saw_wiped = 0;
	lcrypto_free_hook = free_hook;
	k = etr_key(variant("aes-cbc-hmac"), LCRYPTO_AUTO, &err);
	ck_assert_ptr_nonnull(k);
	lcrypto_key_free(k);
	lcrypto_free_hook = NULL;
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_int_eq(hook_saw_wiped, 1);
}
END_TEST

START_TEST(test_cipher_from_env)
{
	unsetenv("LISP_USE_CHACHA");
	unsetenv("LISP_USE_AES_GCM");
	ck_assert_int_eq(lcrypto_cipher_from_env(), LCRYPTO_AES128_CBC);
	setenv("LISP_USE_AES_GCM", "", 1);	/* EVE: empty, present */
	ck_assert_int_eq(lcrypto_cipher_from_env(), LCRYPTO_AES128_GCM);
	setenv("LISP_USE_CHACHA", "", 1);
	ck_assert_int_eq(lcrypto_cipher_from_env(), LCRYPTO_CHACHA8);
	unsetenv("LISP_USE_CHACHA");
	unsetenv("LISP_USE_AES_GCM");
	ck_assert_str_eq(lcrypto_cipher_name(LCRYPTO_AES128_GCM),
	    "aes-128-gcm");
	ck_assert_str_eq(lcrypto_cipher_name(LCRYPTO_AES128_CBC),
	    "aes-128-cbc");
}
END_TEST

/* Two threads on two slots of one key pair at once (ASan/TSan food). */
struct thr {
	struct lcrypto_key	*e, *d;
	unsigned int		 slot;
	int			 bad;
};

static void *
thr_main(void *arg)
{
	struct thr	*t = arg;
	uint8_t		 hdr[8] = { 0x89 }, in[1400], pkt[1500], out[1500];
	int		 i, n;

	memset(in, (int)t->slot, sizeof(in));
	in[0] = 0x45;
	in[2] = 1400 >> 8;
	in[3] = 1400 & 0xff;
	for (i = 0; i < 2000; i++) {
		n = lcrypto_encrypt(t->e, t->slot, hdr, in, sizeof(in), pkt,
		    sizeof(pkt));
		if (n < 0 || lcrypto_decrypt(t->d, t->slot, pkt, (size_t)n,
		    out, sizeof(out)) != 1400 || memcmp(in, out, 1400) != 0)
			t->bad++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct thr	 t[2];
	pthread_t	 th[2];
	struct lcrypto_key *e, *d;
	int		 err, i;

	e = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", LCRYPTO_AES128_GCM,
	    LCRYPTO_ENCAP, 2, &err);
	d = lcrypto_key_from_hex("1", "00112233445566778899aabbccddeeff",
	    "000000000102030405060708090a0b0c0d0e0f10", LCRYPTO_AUTO,
	    LCRYPTO_DECAP, 2, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < 2; i++) {
		t[i] = (struct thr){ e, d, (unsigned int)i, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, thr_main,
		    &t[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(t[i].bad, 0);
	}
	lcrypto_key_free(e);
	lcrypto_key_free(d);
}
END_TEST

static Suite *
lcrypto_suite(void)
{
	Suite	*s = suite_create("lcrypto");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, load, unload);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_kat_decrypt, 0, 2);
	tcase_add_loop_test(tc, test_kat_encrypt, 0, 2);
	tcase_add_test(tc, test_poly_variants);
	tcase_add_loop_test(tc, test_tamper_every_byte, 0, 2);
	tcase_add_test(tc, test_gcm_tag_tamper);
	tcase_add_loop_test(tc, test_wrong_key, 0, 2);
	tcase_add_loop_test(tc, test_truncated, 0, 2);
	tcase_add_test(tc, test_chacha_refused);
	tcase_add_test(tc, test_bad_keys);
	tcase_add_loop_test(tc, test_round_trip, 0, 2);
	tcase_add_loop_test(tc, test_iv_counter, 0, 2);
	tcase_add_test(tc, test_wipe);
	tcase_add_test(tc, test_cipher_from_env);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(lcrypto_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
