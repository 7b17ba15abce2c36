/* SPDX-License-Identifier: ISC */
/*
 * lisp_addr: AFI and LCAF decode/encode.  The byte vectors are written
 * by hand from the RFC 8060/8061 layouts (wire-formats.md sections 10
 * and 11.1) and from capture bytes; none is produced by the encoder.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_err.h"
#include "testutil.h"

struct vec {
	const char	*name;
	const char	*hex;
	const char	*fmt;		/* expected lisp_addr_fmt() */
	int		 unknown;	/* expected unknown_lcaf count */
};

static const struct vec vecs[] = {
	{ "afi0", "0000", "no-address", 0 },
	{ "ipv4", "0001c0000201", "192.0.2.1", 0 },
	{ "ipv6", "000220010db8000000000000000000000001", "2001:db8::1", 0 },
	{ "mac", "0006000100020003", "0001-0002-0003", 0 },
	{ "dn", "00116e616d6500", "'name'", 0 },
	{ "asn", "00120000fde8", "AS65000", 0 },
	/* IID 100, mask-len 0x20 (Cisco, ndpi capture frame 3) */
	{ "lcaf-iid", "400300000220000a000000640001c0a86600",
	    "[100]192.168.102.0", 0 },
	{ "lcaf-afi-list", "4003000001000018" "0001c0000201"
	    "000220010db8000000000000000000000001",
	    "{192.0.2.1,2001:db8::1}", 0 },
	{ "lcaf-asn", "400300000300000a0000fde80001c0000201",
	    "AS65000:192.0.2.1", 0 },
	{ "lcaf-geo", "4003000005000010" "800a1e1e000b2828000000640000"
	    "0000", "lcaf-5(16)", 0 },
	{ "lcaf-natt", "400300000700001c" "10f6c350" "0001cb007101"
	    "0001c6336401" "0001c0000201" "0001cb007102",
	    "natt(global 203.0.113.1:50000, ms 198.51.100.1:4342, "
	    "private 192.0.2.1, rtrs 203.0.113.2)", 0 },
	{ "lcaf-mcast", "4003000009000014" "00000064" "0000" "2020"
	    "0001c0000201" "0001e8010101",
	    "[100](192.0.2.1,232.1.1.1)", 0 },
	{ "lcaf-elp", "400300000a000010" "00040001c0000201"
	    "00010001c0000202", "elp(192.0.2.1l->192.0.2.2s)", 0 },
	/* RFC 8061 layout, one X25519 key, cipher suite 6 */
	{ "lcaf-seckey", "400300000b00002c" "01000600" "0020"
	    "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f" "0001c0000201",
	    "seckey(cs 6, 1 key, len 32) 192.0.2.1", 0 },
	{ "lcaf-seckey-afi0", "400300000b000006" "00000200" "0000",
	    "seckey(cs 2, 0 keys, len 0) no-address", 0 },
	{ "lcaf-srcdst", "400300000c000010" "00001820" "0001c0000200"
	    "0001c6336400", "(192.0.2.0/24,198.51.100.0/32)", 0 },
	{ "lcaf-rle", "400300000d000014" "000000010001c0000201"
	    "000000020001c0000202", "rle(192.0.2.1(L1), 192.0.2.2(L2))", 0 },
	/* lispers.net JSON: length, text, AFI (0 here) */
	{ "lcaf-json", "400300000e00000f" "000b" "7b226b6579223a2276227d"
	    "0000", "json(11) no-address", 0 },
	{ "lcaf-json-addr", "400300000e000013" "000b"
	    "7b226b6579223a2276227d" "0001c0000201", "json(11) 192.0.2.1", 0 },
	{ "lcaf-kv", "400300000f00000c" "00116b657900" "0001c0000201",
	    "kv('key'=192.0.2.1)", 0 },
	{ "lcaf-encap", "400300001000000a" "00000001" "0001c0000201",
	    "lcaf-16(10)", 0 },
	{ "lcaf-vendor", "40030000ff000008" "00000009" "61626364",
	    "lcaf-255(8)", 0 },
	{ "lcaf-null", "4003000000000000", "lcaf-0(0)", 0 },
	{ "lcaf-unknown", "40030000c8000004" "deadbeef", "lcaf-200(4)", 1 },
	/* IID around a source/dest LCAF around IID: nesting depth 3 */
	{ "lcaf-nested", "4003000002000028" "00000001"
	    "400300000c00001c" "00001818"
	    "400300000200000a000000010001c0000200" "0001c6336400",
	    "[1]([1]192.0.2.0/24,198.51.100.0/24)", 0 },
};

static void
check_vec(const struct vec *v)
{
	struct lisp_codec_stats	 st = { 0 };
	struct lisp_addr	 a, c;
	struct rbuf		 rb;
	struct wbuf		 wb;
	uint8_t			*in, out[512];
	char			 s[LISP_ADDR_STRLEN];
	size_t			 len, k;
	int			 rc;

	in = tu_hex(v->hex, &len);
	rbuf_init(&rb, in, len);
	rc = lisp_addr_decode(&rb, &a, &st);
	ck_assert_msg(rc == 0, "%s: %s", v->name, lisp_strerror(rc));
	ck_assert_msg(rbuf_left(&rb) == 0, "%s: left %zu", v->name,
	    rbuf_left(&rb));
	ck_assert_uint_eq(st.unknown_lcaf, (uint64_t)v->unknown);
	ck_assert_str_eq(lisp_addr_fmt(&a, s, sizeof(s)), v->fmt);
	ck_assert_uint_eq(lisp_addr_wire_len(&a), len);

	/* Byte-identical re-encode (LCAF length back-patched). */
	wbuf_init(&wb, out, sizeof(out));
	lisp_addr_encode(&wb, &a);
	ck_assert(!wbuf_failed(&wb));
	ck_assert_uint_eq(wbuf_len(&wb), len);
	ck_assert_msg(memcmp(out, in, len) == 0, "%s: re-encode", v->name);

	/* Deep copy compares equal and outlives the original. */
	ck_assert_int_eq(lisp_addr_copy(&c, &a), 0);
	ck_assert_int_eq(lisp_addr_cmp(&a, &c), 0);
	lisp_addr_free(&a);
	ck_assert_uint_eq(a.afi, 0);
	ck_assert_str_eq(lisp_addr_fmt(&c, s, sizeof(s)), v->fmt);
	lisp_addr_free(&c);
	lisp_addr_free(&c);		/* safe on a freed address */

	/* Truncated at every offset: an error, never a crash or over-read. */
	for (k = 0; k < len; k++) {
		uint8_t	*t = malloc(k ? k : 1);

		memcpy(t, in, k);
		rbuf_init(&rb, t, k);
		rc = lisp_addr_decode(&rb, &a, NULL);
		ck_assert_msg(rc < 0, "%s: truncated at %zu decoded", v->name,
		    k);
		ck_assert_uint_eq(a.afi, 0);
		free(t);
	}
	free(in);
}

START_TEST(vectors)
{
	check_vec(&vecs[_i]);
}
END_TEST

static int
decode_hex(const char *hex, struct lisp_codec_stats *st)
{
	struct lisp_addr	 a;
	struct rbuf		 rb;
	uint8_t			*in;
	size_t			 len;
	int			 rc;

	in = tu_hex(hex, &len);
	rbuf_init(&rb, in, len);
	rc = lisp_addr_decode(&rb, &a, st);
	if (rc == 0 && rbuf_left(&rb) != 0)
		rc = 1;
	lisp_addr_free(&a);
	free(in);
	return rc;
}

START_TEST(errors)
{
	char	 buf[2048];
	size_t	 i;

	/* RFC 9301 5.1: unknown AFI. */
	ck_assert_int_eq(decode_hex("1e000a01", NULL), -LISP_E_AFI);
	ck_assert_int_eq(decode_hex("4003000002000006000000011e00", NULL),
	    -LISP_E_AFI);
	/* Distinguished name without NUL, and longer than LISP_DN_MAX. */
	ck_assert_int_eq(decode_hex("00116e616d65", NULL), -LISP_E_TRUNC);
	strcpy(buf, "0011");
	for (i = 0; i < LISP_DN_MAX + 1; i++)
		strcat(buf, "61");
	strcat(buf, "00");
	ck_assert_int_eq(decode_hex(buf, NULL), -LISP_E_LEN);
	buf[4 + 2 * LISP_DN_MAX] = '\0';	/* exactly LISP_DN_MAX */
	strcat(buf, "00");
	ck_assert_int_eq(decode_hex(buf, NULL), 0);
	/* LCAF body bytes left over after a fixed-shape body. */
	ck_assert_int_eq(decode_hex("400300000220000c000000640001c0a86600"
	    "0000", NULL), -LISP_E_LCAF);
	/* LCAF Length beyond the data; inner address beyond Length. */
	ck_assert_int_eq(decode_hex("400300000220000b000000640001c0a86600",
	    NULL), -LISP_E_TRUNC);
	ck_assert_int_eq(decode_hex("4003000002200009000000640001c0a86600",
	    NULL), -LISP_E_TRUNC);
	/* Security Key: 4 keys > LCAF_SECKEY_MAX_KEYS; key longer than max. */
	ck_assert_int_eq(decode_hex("400300000b000006" "04000200" "0000",
	    NULL), -LISP_E_COUNT);
	ck_assert_int_eq(decode_hex("400300000b000008" "01000200" "0201"
	    "0000", NULL), -LISP_E_LEN);
	/* JSON length beyond the body. */
	ck_assert_int_eq(decode_hex("400300000e000006" "0010" "7b7d" "0000",
	    NULL), -LISP_E_TRUNC);
}
END_TEST

/* An AFI-list of n AFI-0 entries. */
static int
afi_list(size_t n)
{
	char	 buf[1024];
	size_t	 i;

	snprintf(buf, sizeof(buf), "4003000001000%03zx", 2 * n);
	for (i = 0; i < n; i++)
		strcat(buf, "0000");
	return decode_hex(buf, NULL);
}

START_TEST(list_limits)
{
	ck_assert_int_eq(afi_list(LCAF_LIST_MAX), 0);
	ck_assert_int_eq(afi_list(LCAF_LIST_MAX + 1), -LISP_E_COUNT);
}
END_TEST

/* n Instance-ID LCAFs nested around 192.0.2.1. */
static int
nested_iid(int n)
{
	char	 buf[1024], tmp[1024];
	size_t	 inner = 6, body;
	int	 i;

	strcpy(buf, "0001c0000201");
	for (i = 0; i < n; i++) {
		body = 4 + inner;
		ck_assert_int_lt(snprintf(tmp, sizeof(tmp),
		    "400300000220%04zx00000007%s", body, buf), (int)sizeof(tmp));
		strcpy(buf, tmp);
		inner = 8 + body;
	}
	return decode_hex(buf, NULL);
}

START_TEST(depth_limit)
{
	ck_assert_int_eq(nested_iid(1), 0);
	ck_assert_int_eq(nested_iid(LCAF_MAX_DEPTH), 0);
	ck_assert_int_eq(nested_iid(LCAF_MAX_DEPTH + 1), -LISP_E_DEPTH);
}
END_TEST

START_TEST(unknown_counted)
{
	struct lisp_codec_stats	 st = { 0 };

	ck_assert_int_eq(decode_hex("40030000c8000004deadbeef", &st), 0);
	ck_assert_int_eq(decode_hex("4003000004000000", &st), 0);
	ck_assert_uint_eq(st.unknown_lcaf, 2);
	/* Known raw types (Geo, Encap, Vendor) are not "unknown". */
	ck_assert_int_eq(decode_hex("40030000ff00000400000009", &st), 0);
	ck_assert_uint_eq(st.unknown_lcaf, 2);
}
END_TEST

START_TEST(iid_helpers)
{
	struct lisp_addr	 in, a, b;
	const struct lisp_addr	*p;
	struct in_addr		 v4;
	struct in6_addr		 v6;
	uint32_t		 iid = 99;
	uint8_t			 out[64];
	struct wbuf		 wb;
	char			 s[LISP_ADDR_STRLEN];

	inet_pton(AF_INET, "192.168.102.0", &v4);
	lisp_addr_set_v4(&in, v4);
	ck_assert_int_eq(lisp_addr_set_iid(&a, 100, 32, &in), 0);
	ck_assert_uint_eq(in.afi, 0);			/* moved */
	ck_assert_str_eq(lisp_addr_fmt(&a, s, sizeof(s)),
	    "[100]192.168.102.0");
	p = lisp_addr_strip_iid(&a, &iid);
	ck_assert_uint_eq(iid, 100);
	ck_assert_uint_eq(p->afi, LISP_AFI_IPV4);
	ck_assert_mem_eq(&p->u.v4, &v4, 4);
	/* Encodes as the Cisco capture bytes (mask-len 0x20 kept). */
	wbuf_init(&wb, out, sizeof(out));
	lisp_addr_encode(&wb, &a);
	ck_assert_uint_eq(wbuf_len(&wb), 18);
	ck_assert_mem_eq(out, "\x40\x03\x00\x00\x02\x20\x00\x0a\x00\x00\x00"
	    "\x64\x00\x01\xc0\xa8\x66\x00", 18);
	/* Plain address: IID 0, itself. */
	lisp_addr_set_v4(&b, v4);
	ck_assert_ptr_eq(lisp_addr_strip_iid(&b, &iid), &b);
	ck_assert_uint_eq(iid, 0);
	/* Order: AFI first, then bytes; LCAF after the plain AFIs. */
	ck_assert_int_lt(lisp_addr_cmp(&b, &a), 0);
	inet_pton(AF_INET6, "::1", &v6);
	lisp_addr_set_v6(&in, &v6);
	ck_assert_int_lt(lisp_addr_cmp(&b, &in), 0);
	v4.s_addr = htonl(ntohl(v4.s_addr) + 1);
	lisp_addr_set_v4(&in, v4);
	ck_assert_int_lt(lisp_addr_cmp(&b, &in), 0);
	ck_assert_int_gt(lisp_addr_cmp(&in, &b), 0);
	lisp_addr_free(&a);
}
END_TEST

START_TEST(fmt_truncates)
{
	struct lisp_addr	 a;
	struct in6_addr		 v6;
	char			 s[8];

	inet_pton(AF_INET6, "2001:db8::1234", &v6);
	lisp_addr_set_v6(&a, &v6);
	ck_assert_str_eq(lisp_addr_fmt(&a, s, sizeof(s)), "2001:db");
	ck_assert_str_eq(lisp_afi_name(LISP_AFI_LCAF), "lcaf");
	ck_assert_str_eq(lcaf_type_name(LCAF_SECKEY), "security-key");
	ck_assert_int_eq(lisp_afi_addr_len(LISP_AFI_IPV6), 16);
	ck_assert_int_eq(lisp_afi_addr_len(LISP_AFI_DN), -1);
}
END_TEST

START_TEST(encode_space)
{
	struct lisp_addr	 a;
	struct rbuf		 rb;
	struct wbuf		 wb;
	uint8_t			*in, out[64];
	size_t			 len, k;

	in = tu_hex(vecs[13].hex, &len);	/* seckey */
	rbuf_init(&rb, in, len);
	ck_assert_int_eq(lisp_addr_decode(&rb, &a, NULL), 0);
	for (k = 0; k < len; k++) {
		wbuf_init(&wb, out, k);
		lisp_addr_encode(&wb, &a);
		ck_assert(wbuf_failed(&wb));
	}
	lisp_addr_free(&a);
	free(in);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite	*s = suite_create("lisp_addr");
	TCase	*tc = tcase_create("codec");

	tcase_add_loop_test(tc, vectors, 0, sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_test(tc, errors);
	tcase_add_test(tc, list_limits);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, unknown_counted);
	tcase_add_test(tc, iid_helpers);
	tcase_add_test(tc, fmt_truncates);
	tcase_add_test(tc, encode_space);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(addr_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
