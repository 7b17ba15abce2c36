/* SPDX-License-Identifier: ISC */
/*
 * LISP data header (lib/lisp_data.h).  Vectors come from wire-formats.md
 * section 2.2 and the tshark-verified probes of validators.md section 1.3
 * (e.g. N+L+I, nonce 0x123456, IID 100, LSB8 0x03 is c8 12 34 56 00 00 64
 * 03 and tshark shows lisp-data.flags 0xc8, nonce 1193046, iid 100).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lisp_data.h"

struct vec {
	const char	*name;
	uint8_t		 wire[8];
	uint8_t		 flags;
	uint32_t	 nonce;
	uint16_t	 src_version, dst_version;
	uint8_t		 next_proto;
	uint32_t	 iid;
	uint32_t	 lsb;
};

static const struct vec vecs[] = {
	{ "N+L+I nonce 0x123456 iid 100 lsb8 3",
	  { 0xc8, 0x12, 0x34, 0x56, 0x00, 0x00, 0x64, 0x03 },
	  0xc8, 0x123456, 0, 0, 0, 100, 0x03 },
	{ "V src 5 dst 7",
	  { 0x10, 0x00, 0x50, 0x07, 0x00, 0x00, 0x00, 0x00 },
	  0x10, 0, 5, 7, 0, 0, 0 },
	{ "V src 0xabc dst 0xfff (12+12 split)",
	  { 0x10, 0xab, 0xcf, 0xff, 0x00, 0x00, 0x00, 0x00 },
	  0x10, 0, 0xabc, 0xfff, 0, 0, 0 },
	{ "L only, 32 LSBs",
	  { 0x40, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef },
	  0x40, 0, 0, 0, 0, 0, 0xdeadbeef },
	{ "I without L, control IID",
	  { 0x08, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00 },
	  0x08, 0, 0, 0, 0, LISP_IID_CONTROL, 0 },
	{ "N+E echo request",
	  { 0xa0, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00 },
	  0xa0, 0xfffffe, 0, 0, 0, 0, 0 },
	/* N and V together: bytes 1-3 are a nonce (RFC 9300 5.3). */
	{ "N+V read as nonce",
	  { 0x90, 0x00, 0x50, 0x07, 0x00, 0x00, 0x00, 0x00 },
	  0x90, 0x005007, 0, 0, 0, 0, 0 },
	{ "GPE P, next proto Ethernet, I",
	  { 0x0c, 0x00, 0x00, 0x03, 0xab, 0xcd, 0xef, 0x00 },
	  0x0c, 0, 0, 0, LISP_GPE_ETHERNET, 0xabcdef, 0 },
	{ "N + KK=3 (LISP-crypto key 3)",
	  { 0x83, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 },
	  0x83, 1, 0, 0, 0, 0, 0 },
	{ "no flags (LISP-Project Click sample)",
	  { 0x00, 0x45, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x00 },
	  0x00, 0, 0, 0, 0, 0, 0x3a000000 },
};
#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

START_TEST(test_decode)
{
	const struct vec	*v = &vecs[_i];
	struct lisp_data_hdr	 h;
	struct rbuf		 rb;

	memset(&h, 0xee, sizeof(h));
	rbuf_init(&rb, v->wire, sizeof(v->wire));
	ck_assert_int_eq(lisp_data_hdr_decode(&rb, &h), 0);
	ck_assert_uint_eq(rbuf_left(&rb), 0);
	ck_assert_msg(h.flags == v->flags, "%s: flags", v->name);
	ck_assert_msg(h.nonce == v->nonce, "%s: nonce %#x", v->name, h.nonce);
	ck_assert_msg(h.src_version == v->src_version, "%s: src_version %u",
	    v->name, h.src_version);
	ck_assert_msg(h.dst_version == v->dst_version, "%s: dst_version %u",
	    v->name, h.dst_version);
	ck_assert_msg(h.iid == v->iid, "%s: iid %#x", v->name, h.iid);
	ck_assert_msg(h.lsb == v->lsb, "%s: lsb %#x", v->name, h.lsb);
	if (v->flags & LISP_DATA_P)
		ck_assert_msg(h.next_proto == v->next_proto, "%s: np",
		    v->name);
	else
		ck_assert_uint_eq(h.next_proto, 0);
}
END_TEST

START_TEST(test_round_trip)
{
	const struct vec	*v = &vecs[_i];
	struct lisp_data_hdr	 h;
	struct rbuf		 rb;
	struct wbuf		 wb;
	uint8_t			 out[8];

	rbuf_init(&rb, v->wire, sizeof(v->wire));
	ck_assert_int_eq(lisp_data_hdr_decode(&rb, &h), 0);
	wbuf_init(&wb, out, sizeof(out));
	lisp_data_hdr_encode(&wb, &h);
	ck_assert(!wbuf_failed(&wb));
	ck_assert_uint_eq(wbuf_len(&wb), LISP_DATA_HDR_LEN);
	/* Without N, V or P, bytes 1-3 are ignored and sent as 0. */
	if (!(v->flags & (LISP_DATA_N | LISP_DATA_V | LISP_DATA_P)))
		ck_assert_uint_eq(out[1] | out[2] | out[3], 0);
	else
		ck_assert_mem_eq(out, v->wire, 4);
	ck_assert_mem_eq(out + 4, v->wire + 4, 4);
	ck_assert_uint_eq(out[0], v->wire[0]);
}
END_TEST

START_TEST(test_encode_fields)
{
	struct lisp_data_hdr	 h;
	struct wbuf		 wb;
	uint8_t			 out[8];
	static const uint8_t	 want[] =
	    { 0xc8, 0x12, 0x34, 0x56, 0x00, 0x00, 0x64, 0x03 };
	static const uint8_t	 want_v[] =
	    { 0x10, 0x00, 0x50, 0x07, 0x00, 0x00, 0x00, 0x00 };

	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_N | LISP_DATA_L | LISP_DATA_I;
	/* Out-of-range values are masked to their wire width. */
	h.nonce = 0xff123456;
	h.iid = 0x7f000064;
	h.lsb = 0x103;
	wbuf_init(&wb, out, sizeof(out));
	lisp_data_hdr_encode(&wb, &h);
	ck_assert(!wbuf_failed(&wb));
	ck_assert_mem_eq(out, want, 8);

	memset(&h, 0, sizeof(h));
	h.flags = LISP_DATA_V;
	h.src_version = 0xf005;
	h.dst_version = 0x7;
	wbuf_init(&wb, out, sizeof(out));
	lisp_data_hdr_encode(&wb, &h);
	ck_assert_mem_eq(out, want_v, 8);

	/* No room: the writer fails, nothing half-written counts. */
	wbuf_init(&wb, out, 7);
	lisp_data_hdr_encode(&wb, &h);
	ck_assert(wbuf_failed(&wb));
}
END_TEST

START_TEST(test_truncated)
{
	static const uint8_t	 wire[8] =
	    { 0xc8, 0x12, 0x34, 0x56, 0x00, 0x00, 0x64, 0x03 };
	struct lisp_data_hdr	 h;
	struct rbuf		 rb;

	rbuf_init(&rb, wire, (size_t)_i);
	ck_assert_int_eq(lisp_data_hdr_decode(&rb, &h), -1);
	/* A short header is rejected, never read past its end. */
	ck_assert_uint_le(rbuf_offset(&rb), 4);
}
END_TEST

START_TEST(test_payload_follows)
{
	static const uint8_t	 pkt[] = { 0x88, 0, 0, 1, 0, 0, 5, 0,
	    0x45, 0x00 };
	struct lisp_data_hdr	 h;
	struct rbuf		 rb;
	uint8_t			 b;

	rbuf_init(&rb, pkt, sizeof(pkt));
	ck_assert_int_eq(lisp_data_hdr_decode(&rb, &h), 0);
	ck_assert_uint_eq(h.nonce, 1);
	ck_assert_uint_eq(h.iid, 5);
	ck_assert_uint_eq(rbuf_offset(&rb), LISP_DATA_HDR_LEN);
	ck_assert_int_eq(rbuf_get_u8(&rb, &b), 0);
	ck_assert_uint_eq(b >> 4, 4);
}
END_TEST

static Suite *
data_suite(void)
{
	Suite	*s = suite_create("data");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_decode, 0, NVECS);
	tcase_add_loop_test(tc, test_round_trip, 0, NVECS);
	tcase_add_test(tc, test_encode_fields);
	tcase_add_loop_test(tc, test_truncated, 0, LISP_DATA_HDR_LEN);
	tcase_add_test(tc, test_payload_follows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(data_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
