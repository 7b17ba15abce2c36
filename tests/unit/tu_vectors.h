/* SPDX-License-Identifier: ISC */
/*
 * Helpers for the suites that read known-answer vectors from JSON
 * (tests/data/lcrypto/lispers.net-crypto-vectors.json): hex strings into
 * caller buffers and members that must exist.
 */
#ifndef TU_VECTORS_H
#define TU_VECTORS_H

#include <check.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline size_t
tu_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t		 n = strlen(s) / 2, i;
	unsigned int	 b;

	ck_assert_uint_eq(strlen(s) % 2, 0);
	ck_assert_uint_le(n, cap);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static inline struct json_object *
tu_jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return v;
}

static inline const char *
tu_jstr(struct json_object *o, const char *key)
{
	return json_object_get_string(tu_jget(o, key));
}

#endif /* TU_VECTORS_H */
