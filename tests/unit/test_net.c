/* SPDX-License-Identifier: ISC */
/*
 * lisp_net: RFC 1071 checksum and UDP pseudo-header checksums against
 * known vectors (RFC 1071 section 3 example, real capture headers, and
 * an IPv6 datagram whose checksum was computed independently with
 * Python's 16-bit one's-complement sum).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lisp_net.h"
#include "testutil.h"

#define UDP6_EXPECT	0xc1d9

START_TEST(rfc1071_example)
{
	/* RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2. */
	static const uint8_t	 d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };

	ck_assert_uint_eq(lisp_net_cksum(d, sizeof(d)), 0x220d);
	/* Partial sums over two pieces give the same result. */
	ck_assert_uint_eq(lisp_net_cksum_fold(lisp_net_cksum_add(
	    lisp_net_cksum_add(0, d, 4), d + 4, 4)), 0x220d);
	/* Odd length: the last byte is padded with a zero byte. */
	ck_assert_uint_eq(lisp_net_cksum(d, 7), (uint16_t)~(0xddf2 - 0xf7));
}
END_TEST

START_TEST(ipv4_header_from_capture)
{
	size_t	 n;
	/* Inner IPv4 header of pylispnet_lcaf_instanceid frame 1 (ECM). */
	uint8_t	*h = tu_hex("45c0007c000100002011cc8dac104b01ac102a01", &n);

	ck_assert_uint_eq(n, 20);
	ck_assert_uint_eq(lisp_net_cksum(h, n), 0);	/* verifies */
	h[10] = h[11] = 0;
	ck_assert_uint_eq(lisp_net_cksum(h, n), 0xcc8d);
	free(h);
}
END_TEST

START_TEST(udp4_from_capture)
{
	struct in_addr	 s, d;
	size_t		 n;
	/* Inner UDP datagram of pylispnet_various_lisp_packets frame 6. */
	uint8_t		*u = tu_hex("10f610f60028c0cf100000012e0d00413488e47e"
	    "0001ac101f010001d41ac50300200001ac101f03", &n);

	inet_pton(AF_INET, "172.16.31.1", &s);
	inet_pton(AF_INET, "172.16.31.3", &d);
	ck_assert_uint_eq(n, 0x28);
	ck_assert(lisp_net_udp4_ok(s, d, u, n));
	u[6] = u[7] = 0;
	ck_assert(!lisp_net_udp4_ok(s, d, u, n));	/* 0 = absent */
	ck_assert_uint_eq(lisp_net_udp4_cksum(s, d, u, n), 0xc0cf);
	u[20] ^= 1;
	ck_assert_uint_ne(lisp_net_udp4_cksum(s, d, u, n), 0xc0cf);
	free(u);
}
END_TEST

START_TEST(udp6_vector)
{
	struct in6_addr	 s, d;
	size_t		 n;
	/* 2001:db8::1 -> 2001:db8::2, 4342 -> 4342, payload "LISP!" */
	uint8_t		*u = tu_hex("10f610f6000d00004c49535021", &n);

	inet_pton(AF_INET6, "2001:db8::1", &s);
	inet_pton(AF_INET6, "2001:db8::2", &d);
	/* Expected value computed independently (Python, RFC 1071). */
	ck_assert_uint_eq(lisp_net_udp6_cksum(&s, &d, u, n), UDP6_EXPECT);
	u[6] = UDP6_EXPECT >> 8;
	u[7] = UDP6_EXPECT & 0xff;
	ck_assert(lisp_net_udp6_ok(&s, &d, u, n));
	u[12] ^= 0x20;
	ck_assert(!lisp_net_udp6_ok(&s, &d, u, n));
	free(u);
}
END_TEST

/*
 * The word-parallel sum against the plain one: every length below 100,
 * random lengths up to 70 KB at odd and even offsets, runs of carries,
 * and a buffer cut in two pieces (the first of even length) with a
 * running sum carried between them.
 */
START_TEST(cksum_random)
{
	static uint8_t	 b[70000];
	size_t		 i, off, len, cut;
	uint32_t	 r = 777;

	for (i = 0; i < sizeof(b); i++) {
		r = r * 1103515245u + 12345u;
		b[i] = (uint8_t)(r >> 16);
	}
	memset(b + 100, 0xff, 4000);	/* long runs of carries */
	for (i = 0; i < 3000; i++) {
		r = r * 1103515245u + 12345u;
		off = (r >> 8) % 64;
		len = i < 100 ? i : (r >> 4) % (sizeof(b) - 64);
		ck_assert_uint_eq(lisp_net_cksum(b + off, len),
		    (uint16_t)~tu_cksum_ref(b + off, len, 0));
		cut = (len / 2) & ~(size_t)1;
		ck_assert_uint_eq(lisp_net_cksum_fold(lisp_net_cksum_add(
		    lisp_net_cksum_add(5, b + off, cut), b + off + cut,
		    len - cut)), (uint16_t)~tu_cksum_ref(b + off, len, 5));
	}
}
END_TEST

static Suite *
net_suite(void)
{
	Suite	*s = suite_create("lisp_net");
	TCase	*tc = tcase_create("cksum");

	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, ipv4_header_from_capture);
	tcase_add_test(tc, udp4_from_capture);
	tcase_add_test(tc, udp6_vector);
	tcase_add_test(tc, cksum_random);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(net_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
