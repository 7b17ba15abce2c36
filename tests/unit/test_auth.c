/* SPDX-License-Identifier: ISC */
/*
 * Map-Register authentication: the three independent vectors of
 * tests/data/map_register_hmac_vectors.json (OpenDaylight SHA-1 and
 * SHA-256, a real 2013 testbed Map-Register), plus sign/verify behaviour.
 * Expected MACs for truncated lengths are computed with OpenSSL's one-shot
 * HMAC() on a zeroed copy, independently of lisp_auth.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lisp_auth.h"
#include "lisp_err.h"

#define VECTORS	"tests/data/map_register_hmac_vectors.json"
#define PSK	"password"

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = strlen(s) / 2, i;
	unsigned int b;

	ck_assert_uint_le(n, cap);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(v);
}

static int
jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_int(v);
}

START_TEST(test_vectors)
{
	struct json_object *root, *vecs, *v;
	uint8_t		 msg[256], copy[256], want[64];
	size_t		 len, wlen, i, off;
	int		 alg, alen;

	root = json_object_from_file(VECTORS);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "vectors", &vecs));
	ck_assert_int_eq(json_object_array_length(vecs), 3);
	for (i = 0; i < json_object_array_length(vecs); i++) {
		v = json_object_array_get_idx(vecs, i);
		len = unhex(jstr(v, "message_hex"), msg, sizeof(msg));
		wlen = unhex(jstr(v, "expected_auth_hex"), want, sizeof(want));
		off = (size_t)jint(v, "auth_offset");
		alg = jint(v, "rfc9301_alg_id");
		alen = jint(v, "auth_len");
		ck_assert_uint_eq(wlen, (size_t)alen);
		ck_assert_int_eq(lisp_auth_len((uint8_t)alg), alen);
		/* The message carries KeyID, AlgID and AuthLen as stated. */
		ck_assert_uint_eq(msg[12], (unsigned)jint(v, "rfc9301_key_id"));
		ck_assert_uint_eq(msg[13], (unsigned)alg);
		ck_assert_uint_eq((size_t)(msg[14] << 8 | msg[15]), wlen);
		ck_assert_mem_eq(msg + off, want, wlen);

		memcpy(copy, msg, len);
		ck_assert_int_eq(lisp_auth_verify(msg, len, off, wlen,
		    (uint8_t)alg, (const uint8_t *)PSK, strlen(PSK)), 0);
		/* Verification does not touch its input. */
		ck_assert_mem_eq(copy, msg, len);

		/* Signing the message with its MAC wiped reproduces it. */
		memset(copy + off, 0xAA, wlen);
		ck_assert_int_eq(lisp_auth_sign(copy, len, off, (uint8_t)alg,
		    (const uint8_t *)PSK, strlen(PSK)), 0);
		ck_assert_mem_eq(copy, msg, len);

		/* Wrong key. */
		ck_assert_int_eq(lisp_auth_verify(msg, len, off, wlen,
		    (uint8_t)alg, (const uint8_t *)"Password", 8),
		    -LISP_E_AUTH);
	}
	json_object_put(root);
}
END_TEST

/* A Map-Register-like message with an auth field of alen bytes. */
static size_t
build_msg(uint8_t *msg, uint8_t alg, size_t alen)
{
	size_t	 i, len = 16 + alen + 40;

	memset(msg, 0, len);
	msg[0] = 0x30;
	msg[3] = 1;
	for (i = 4; i < 12; i++)
		msg[i] = (uint8_t)(0x10 + i);
	msg[13] = alg;
	msg[14] = (uint8_t)(alen >> 8);
	msg[15] = (uint8_t)alen;
	for (i = 16 + alen; i < len; i++)
		msg[i] = (uint8_t)(i * 7);
	return len;
}

START_TEST(test_round_trip)
{
	static const size_t keylens[] = { 1, 8, 64, 65, 200 };
	uint8_t		 key[200], msg[128], ref[128];
	unsigned int	 rlen;
	size_t		 len, k, i;
	uint8_t		 alg;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i ^ 0x5c);
	for (alg = 1; alg <= 2; alg++) {
		for (k = 0; k < sizeof(keylens) / sizeof(keylens[0]); k++) {
			len = build_msg(msg, alg, (size_t)lisp_auth_len(alg));
			ck_assert_int_eq(lisp_auth_sign(msg, len, 16, alg, key,
			    keylens[k]), 0);
			ck_assert_int_eq(lisp_auth_verify(msg, len, 16,
			    (size_t)lisp_auth_len(alg), alg, key, keylens[k]),
			    0);
			/* Independent reference: OpenSSL HMAC() on a zeroed copy. */
			memcpy(ref, msg, len);
			memset(ref + 16, 0, (size_t)lisp_auth_len(alg));
			ck_assert_ptr_nonnull(HMAC(alg == 1 ? EVP_sha1() :
			    EVP_sha256(), key, (int)keylens[k], ref, len,
			    ref + 16, &rlen));
			ck_assert_int_eq((int)rlen, lisp_auth_len(alg));
			ck_assert_mem_eq(ref, msg, len);
		}
	}
}
END_TEST

START_TEST(test_truncated)
{
	static const struct { uint8_t alg; size_t alen; } cases[] = {
		{ 1, 12 }, { 2, 16 },
	};
	uint8_t		 msg[128], ref[128], full[EVP_MAX_MD_SIZE];
	unsigned int	 rlen;
	size_t		 len, i;

	for (i = 0; i < 2; i++) {
		len = build_msg(msg, cases[i].alg, cases[i].alen);
		memcpy(ref, msg, len);
		ck_assert_ptr_nonnull(HMAC(cases[i].alg == 1 ? EVP_sha1() :
		    EVP_sha256(), PSK, 8, ref, len, full, &rlen));
		memcpy(msg + 16, full, cases[i].alen);
		ck_assert_int_eq(lisp_auth_verify(msg, len, 16, cases[i].alen,
		    cases[i].alg, (const uint8_t *)PSK, 8), 0);
		/* Signing refuses a truncated length field. */
		ck_assert_int_eq(lisp_auth_sign(msg, len, 16, cases[i].alg,
		    (const uint8_t *)PSK, 8), -LISP_E_LEN);
		msg[16 + cases[i].alen - 1] ^= 1;
		ck_assert_int_eq(lisp_auth_verify(msg, len, 16, cases[i].alen,
		    cases[i].alg, (const uint8_t *)PSK, 8), -LISP_E_AUTH);
	}
}
END_TEST

START_TEST(test_bitflips)
{
	uint8_t		 msg[128];
	size_t		 len, bit, alen;
	uint8_t		 alg;

	for (alg = 1; alg <= 2; alg++) {
		alen = (size_t)lisp_auth_len(alg);
		len = build_msg(msg, alg, alen);
		ck_assert_int_eq(lisp_auth_sign(msg, len, 16, alg,
		    (const uint8_t *)PSK, 8), 0);
		for (bit = 0; bit < len * 8; bit++) {
			msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			/* Every bit, auth field included, is covered. */
			ck_assert_int_ne(lisp_auth_verify(msg, len, 16, alen,
			    alg, (const uint8_t *)PSK, 8), 0);
			msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		ck_assert_int_eq(lisp_auth_verify(msg, len, 16, alen, alg,
		    (const uint8_t *)PSK, 8), 0);
		/* A key one bit off does not pass. */
		ck_assert_int_eq(lisp_auth_verify(msg, len, 16, alen, alg,
		    (const uint8_t *)"passwore", 8), -LISP_E_AUTH);
	}
}
END_TEST

START_TEST(test_bad_params)
{
	uint8_t		 msg[128];
	size_t		 len;

	ck_assert_int_eq(lisp_auth_len(0), 0);
	ck_assert_int_eq(lisp_auth_len(1), 20);
	ck_assert_int_eq(lisp_auth_len(2), 32);
	ck_assert_int_eq(lisp_auth_len(3), -1);
	ck_assert_int_eq(lisp_auth_len(255), -1);

	len = build_msg(msg, 1, 20);
	/* Unknown or refused algorithms. */
	ck_assert_int_eq(lisp_auth_sign(msg, len, 16, 3,
	    (const uint8_t *)PSK, 8), -LISP_E_VALUE);
	ck_assert_int_eq(lisp_auth_verify(msg, len, 16, 16, 3,
	    (const uint8_t *)PSK, 8), -LISP_E_VALUE);
	ck_assert_int_eq(lisp_auth_verify(msg, len, 16, 20, 9,
	    (const uint8_t *)PSK, 8), -LISP_E_VALUE);
	/* Lengths that do not belong to the algorithm. */
	ck_assert_int_eq(lisp_auth_verify(msg, len, 16, 16, 1,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	ck_assert_int_eq(lisp_auth_verify(msg, len, 16, 20, 2,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	ck_assert_int_eq(lisp_auth_verify(msg, len, 16, 0, 1,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	/* Length field disagreeing with the algorithm on signing. */
	ck_assert_int_eq(lisp_auth_sign(msg, len, 16, 2,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	/* Auth field running past the end of the message. */
	ck_assert_int_eq(lisp_auth_verify(msg, 30, 16, 20, 1,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	ck_assert_int_eq(lisp_auth_sign(msg, 30, 16, 1,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	ck_assert_int_eq(lisp_auth_sign(msg, len, 1, 1,
	    (const uint8_t *)PSK, 8), -LISP_E_LEN);
	/* No key. */
	ck_assert_int_eq(lisp_auth_sign(msg, len, 16, 1, NULL, 0),
	    -LISP_E_VALUE);
	/* Algorithm 0: signing is a no-op, verification never passes. */
	len = build_msg(msg, 0, 0);
	ck_assert_int_eq(lisp_auth_sign(msg, len, 16, 0,
	    (const uint8_t *)PSK, 8), 0);
	ck_assert_int_eq(lisp_auth_verify(msg, len, 16, 0, 0,
	    (const uint8_t *)PSK, 8), -LISP_E_AUTH);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bitflips);
	tcase_add_test(tc, test_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(auth_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
