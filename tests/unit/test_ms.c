/* SPDX-License-Identifier: ISC */
/*
 * control/ms: registration (keys, algorithms, allowed prefixes), Map-Notify,
 * expiry on a fake clock, negative Map-Reply prefixes against a brute-force
 * reference, proxy reply vs forwarding, Map-Referral actions, merging per
 * xTR-ID, rate limiting, reconfiguration and hostile input.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lisp_auth.h"
#include "lisp_err.h"
#include "log.h"
#include "ms.h"
#include "ms_testlib.h"

#define KEY1	"key-one"		/* site s1, key-id 1 */
#define KEY2	"second-key"		/* site s1, key-id 2 */
#define KEYS2	"other"			/* site s2, key-id 0 */
#define MIN	60000ULL

static const char *conf_text =
    "# lispers.net lisp.config file, last changed: now\n"
    "#-------------------------------------------------\n"
    "lisp enable {\n"
    "    map-server = yes\n"
    "    map-resolver = yes\n"
    "    ddt-node = yes\n"
    "}\n"
    "lisp site {\n"
    "    site-name = s1\n"
    "    authentication-key = [1]" KEY1 " [2]" KEY2 "\n"
    "    allowed-prefix {\n"
    "        instance-id = 1001\n"
    "        eid-prefix = 10.1.0.0/16\n"
    "        accept-more-specifics = yes\n"
    "    }\n"
    "    allowed-prefix {\n"
    "        instance-id = 1000\n"
    "        eid-prefix = fd00::/8\n"
    "        accept-more-specifics = yes\n"
    "    }\n"
    "    allowed-prefix {\n"
    "        eid-prefix = 192.0.2.0/24\n"
    "    }\n"
    "}\n"
    "lisp site {\n"
    "    site-name = s2\n"
    "    authentication-key = " KEYS2 "\n"
    "    allowed-prefix {\n"
    "        instance-id = 5\n"
    "        eid-prefix = 198.51.100.0/24\n"
    "        force-proxy-reply = yes\n"
    "    }\n"
    "}\n";

struct sent {
	uint8_t			 pkt[2048];
	size_t			 len;
	struct sockaddr_storage	 to;
};

struct cap {
	struct sent		 s[64];
	size_t			 n;
};

static int
cap_send(void *arg, const uint8_t *p, size_t len,
    const struct sockaddr_storage *to)
{
	struct cap	*c = arg;

	ck_assert_uint_lt(c->n, 64);
	ck_assert_uint_le(len, sizeof(c->s[0].pkt));
	memcpy(c->s[c->n].pkt, p, len);
	c->s[c->n].len = len;
	c->s[c->n].to = *to;
	c->n++;
	return 0;
}

static struct sockaddr_storage
mk_ss(const char *a, uint16_t port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	}
	return ss;
}

static void
ck_ss(const struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	char		 t[INET6_ADDRSTRLEN];
	uint16_t	 p;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    t, sizeof(t));
		p = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, t, sizeof(t));
		p = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
	ck_assert_str_eq(t, a);
	ck_assert_uint_eq(p, port);
}

static struct lisp_config *
conf(const char *text)
{
	struct lisp_config	*cfg;
	int			 nerr = 0;

	cfg = config_parse_buffer("test.config", text, strlen(text), &nerr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(nerr, 0);
	return cfg;
}

static struct ms *
ms_conf(const char *text)
{
	struct lisp_config	*cfg = conf(text);
	struct ms		*ms = ms_new(cfg);

	ck_assert_ptr_nonnull(ms);
	config_free(cfg);
	return ms;
}

/* Register one record "eid" with one RLOC; returns ms_input's result. */
static int
reg1(struct ms *ms, struct cap *c, uint16_t flags, uint8_t key_id,
    uint8_t alg, const char *key, const char *eid, uint32_t ttl,
    const char *rloc, const char *from, uint64_t now, const uint8_t *xtr)
{
	struct lisp_eid_record	 rec;
	struct sockaddr_storage	 ss = mk_ss(from, 4342);
	uint8_t			 buf[1024];
	size_t			 n;
	int			 rc;

	ck_assert_int_eq(tl_record(&rec, eid, ttl, &rloc, NULL,
	    rloc != NULL), 0);
	n = tl_register(buf, sizeof(buf), flags | (xtr ? LISP_MREG_I : 0),
	    0x1122334455667788ULL, key_id, alg, key, &rec, 1, xtr, 7);
	ck_assert_uint_gt(n, 0);
	lisp_eid_record_free(&rec);
	rc = ms_input(ms, buf, n, &ss, now, cap_send, c);
	return rc;
}

static int
req(struct ms *ms, struct cap *c, int ddt, const char *eid, const char *itr,
    uint64_t now)
{
	struct sockaddr_storage	 ss = mk_ss(itr, 40000);
	uint8_t			 buf[1024];
	size_t			 n;

	n = tl_ecm_request(buf, sizeof(buf), ddt, 0, 0xABCD, eid, itr, 50000);
	ck_assert_uint_gt(n, 0);
	return ms_input(ms, buf, n, &ss, now, cap_send, c);
}

/* Decode the one record of a sent Map-Reply or Map-Referral. */
static void
decode_sent(const struct sent *s, uint8_t type, struct lisp_msg *m)
{
	ck_assert_int_eq(lisp_msg_decode(s->pkt, s->len, m, NULL, NULL), 0);
	ck_assert_uint_eq(m->type, type);
}

static void
ck_rec_eid(const struct lisp_eid_record *r, const char *want_addr,
    uint32_t want_iid, uint8_t want_len)
{
	char		 t[LISP_ADDR_STRLEN];
	uint32_t	 iid;
	const struct lisp_addr *a = lisp_addr_strip_iid(&r->eid, &iid);

	lisp_addr_fmt(a, t, sizeof(t));
	ck_assert_str_eq(t, want_addr);
	ck_assert_uint_eq(iid, want_iid);
	ck_assert_uint_eq(r->mask_len, want_len);
}

static void
reg_ok_alg(uint8_t key_id, uint8_t alg, const char *key)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };
	struct lisp_msg	 m;

	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, key_id, alg, key,
	    "[1001]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9", 0,
	    NULL), MS_CONSUMED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_ACCEPTED), 1);
	ck_assert_uint_eq(ms_nregs(ms), 1);
	/* Map-Notify: to the source address and port, verifies. */
	ck_assert_uint_eq(c.n, 1);
	ck_ss(&c.s[0].to, "203.0.113.9", 4342);
	ck_assert_uint_eq(c.s[0].pkt[0] >> 4, LISP_MAP_NOTIFY);
	ck_assert_int_eq(lisp_auth_verify(c.s[0].pkt, c.s[0].len, 16,
	    (size_t)lisp_auth_len(alg), alg, (const uint8_t *)key,
	    strlen(key)), 0);
	ck_assert_int_eq(lisp_auth_verify(c.s[0].pkt, c.s[0].len, 16,
	    (size_t)lisp_auth_len(alg), alg, (const uint8_t *)"wrong", 5),
	    -LISP_E_AUTH);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_NOTIFY, &m);
	ck_assert_uint_eq(m.u.mreg.nonce, 0x1122334455667788ULL);
	ck_assert_uint_eq(m.u.mreg.key_id, key_id);
	ck_assert_uint_eq(m.u.mreg.alg_id, alg);
	ck_assert_uint_eq(m.u.mreg.rec_count, 1);
	ck_rec_eid(&m.u.mreg.recs[0], "10.1.1.0", 1001, 24);
	ck_assert_uint_eq(m.u.mreg.recs[0].loc_count, 1);
	lisp_msg_free(&m);
	/* No M: no Map-Notify. */
	c.n = 0;
	ck_assert_int_eq(reg1(ms, &c, 0, key_id, alg, key,
	    "[1001]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9", 0,
	    NULL), MS_CONSUMED);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(ms_nregs(ms), 1);	/* a refresh, same entry */
	ms_free(ms);
}

START_TEST(test_reg_sha1)
{
	reg_ok_alg(1, LISP_AUTH_HMAC_SHA1, KEY1);
}
END_TEST

START_TEST(test_reg_sha256)
{
	reg_ok_alg(2, LISP_AUTH_HMAC_SHA256, KEY2);
}
END_TEST

START_TEST(test_reg_rejects)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };

	/* Wrong key for key-id 1. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY2, "[1001]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_BAD_AUTH), 1);
	/* Key-id 3 does not exist in s1. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 3, LISP_AUTH_HMAC_SHA256,
	    KEY1, "[1001]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_UNKNOWN_KEY_ID), 1);
	/* Key-id 1 of s1 is not a key of s2 (key-id 0 there). */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY1, "[5]198.51.100.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_UNKNOWN_KEY_ID), 2);
	/* Outside every allowed prefix: wrong IID, wrong prefix. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY1, "[1002]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY1, "[1001]10.2.0.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	/* Less specific than the allowed prefix. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY1, "[1001]10.0.0.0/8", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_NOT_ALLOWED), 3);
	/* 192.0.2.0/24 has no accept-more-specifics. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY1, "192.0.2.128/25", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_MORE_SPECIFIC), 1);
	/* Algorithm 0 is refused. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_NONE,
	    KEY1, "192.0.2.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_BAD_ALG), 1);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(ms_nregs(ms), 0);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_ACCEPTED), 0);
	/* The exact prefix is fine without accept-more-specifics. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_M, 1, LISP_AUTH_HMAC_SHA1,
	    KEY1, "192.0.2.0/24", 1440, "198.51.100.1", "203.0.113.9",
	    0, NULL), MS_CONSUMED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_RECEIVED), 9);
	ck_assert_uint_eq(c.n, 1);
	ms_free(ms);
}
END_TEST

START_TEST(test_reg_tampered)
{
	struct ms		*ms = ms_conf(conf_text);
	struct cap		 c = { .n = 0 };
	struct lisp_eid_record	 rec;
	struct sockaddr_storage	 ss = mk_ss("203.0.113.9", 4342);
	const char		*rloc = "198.51.100.1";
	uint8_t			 buf[512];
	size_t			 n, i;

	ck_assert_int_eq(tl_record(&rec, "[1001]10.1.1.0/24", 1440, &rloc,
	    NULL, 1), 0);
	n = tl_register(buf, sizeof(buf), LISP_MREG_M, 9, 1,
	    LISP_AUTH_HMAC_SHA1, KEY1, &rec, 1, NULL, 0);
	lisp_eid_record_free(&rec);
	/* Flip each bit of the RLOC address: the MAC must catch it. */
	for (i = 0; i < 32; i++) {
		buf[n - 4 + i / 8] ^= (uint8_t)(1 << (i % 8));
		ck_assert_int_eq(ms_input(ms, buf, n, &ss, 0, cap_send, &c),
		    MS_DROPPED);
		buf[n - 4 + i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_BAD_AUTH), 32);
	ck_assert_int_eq(ms_input(ms, buf, n, &ss, 0, cap_send, &c),
	    MS_CONSUMED);
	ms_free(ms);
}
END_TEST

START_TEST(test_expiry)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };
	struct lisp_msg	 m;

	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24",
	    1440, "198.51.100.1", "203.0.113.9", 1000, NULL), MS_CONSUMED);
	/* T: the record TTL (2 minutes here) times it out. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_T, 1, 1, KEY1,
	    "[1001]10.1.2.0/24", 2, "198.51.100.1", "203.0.113.9", 1000,
	    NULL), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 2);
	ck_assert_uint_eq(ms_next_expiry(ms), 1000 + 2 * MIN);
	ck_assert_uint_eq(ms_expire(ms, 1000 + 2 * MIN - 1), 0);
	ck_assert_uint_eq(ms_expire(ms, 1000 + 2 * MIN), 1);
	ck_assert_uint_eq(ms_next_expiry(ms), 1000 + 3 * MIN);
	/* A refresh at 2 minutes moves the 3-minute deadline. */
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24",
	    1440, "198.51.100.1", "203.0.113.9", 1000 + 2 * MIN, NULL),
	    MS_CONSUMED);
	ck_assert_uint_eq(ms_expire(ms, 1000 + 3 * MIN), 0);
	ck_assert_uint_eq(ms_expire(ms, 1000 + 5 * MIN - 1), 0);
	ck_assert_uint_eq(ms_nregs(ms), 1);
	/* ms_input expires on its own: the request sees unregistered space. */
	c.n = 0;
	ck_assert_int_eq(req(ms, &c, 0, "[1001]10.1.1.7", "203.0.113.50",
	    1000 + 5 * MIN), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 0);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_EXPIRED), 2);
	ck_assert_uint_eq(c.n, 1);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REPLY, &m);
	ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 0);
	ck_assert_uint_eq(m.u.mrep.recs[0].ttl, 1);
	ck_rec_eid(&m.u.mrep.recs[0], "10.1.0.0", 1001, 16);
	lisp_msg_free(&m);
	/* TTL 0 withdraws. */
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24",
	    1440, "198.51.100.1", "203.0.113.9", 0, NULL), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 1);
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24",
	    0, "198.51.100.1", "203.0.113.9", 0, NULL), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 0);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_DEREGISTERED), 1);
	ms_free(ms);
}
END_TEST

START_TEST(test_proxy_vs_forward)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };
	struct lisp_msg	 m;
	uint8_t		 buf[1024];
	size_t		 n;

	/* P: the map-server answers. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_P, 1, 1, KEY1,
	    "[1001]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9", 0,
	    NULL), MS_CONSUMED);
	ck_assert_int_eq(req(ms, &c, 0, "[1001]10.1.1.7", "203.0.113.50", 0),
	    MS_CONSUMED);
	ck_assert_uint_eq(c.n, 1);
	ck_ss(&c.s[0].to, "203.0.113.50", 50000);	/* ITR-RLOC, inner port */
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REPLY, &m);
	ck_assert_uint_eq(m.u.mrep.nonce, 0xABCD);
	ck_assert_uint_eq(m.u.mrep.rec_count, 1);
	ck_rec_eid(&m.u.mrep.recs[0], "10.1.1.0", 1001, 24);
	ck_assert_uint_eq(m.u.mrep.recs[0].ttl, 1440);
	ck_assert_uint_eq(m.u.mrep.recs[0].flags & LISP_REC_A, 0);
	ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 1);
	ck_assert_uint_eq(m.u.mrep.recs[0].locs[0].flags, LISP_LOC_R);
	ck_assert_uint_eq(m.u.mrep.recs[0].locs[0].priority, 1);
	ck_assert_uint_eq(m.u.mrep.recs[0].locs[0].weight, 100);
	lisp_msg_free(&m);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REQ_PROXY_REPLY), 1);

	/* No P: the ECM goes to the ETR's RLOC, unchanged. */
	c.n = 0;
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1000]fd00::/64",
	    1440, "2001:db8::1", "2001:db8::1", 0, NULL), MS_CONSUMED);
	n = tl_ecm_request(buf, sizeof(buf), 0, 0, 77, "[1000]fd00::5",
	    "2001:db8::99", 50001);
	{
		struct sockaddr_storage ss = mk_ss("2001:db8::99", 50001);

		ck_assert_int_eq(ms_input(ms, buf, n, &ss, 0, cap_send, &c),
		    MS_CONSUMED);
	}
	ck_assert_uint_eq(c.n, 1);
	ck_ss(&c.s[0].to, "2001:db8::1", 4342);
	ck_assert_uint_eq(c.s[0].len, n);
	ck_assert_mem_eq(c.s[0].pkt, buf, n);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REQ_FORWARDED), 1);

	/* force-proxy-reply on s2's prefix: proxy without P. */
	c.n = 0;
	ck_assert_int_eq(reg1(ms, &c, 0, 0, 2, KEYS2, "[5]198.51.100.0/24",
	    10, "192.0.2.1", "192.0.2.1", 0, NULL), MS_CONSUMED);
	ck_assert_int_eq(req(ms, &c, 0, "[5]198.51.100.3", "203.0.113.50",
	    0), MS_CONSUMED);
	ck_assert_uint_eq(c.n, 1);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REPLY, &m);
	ck_rec_eid(&m.u.mrep.recs[0], "198.51.100.0", 5, 24);
	ck_assert_uint_eq(m.u.mrep.recs[0].ttl, 10);
	lisp_msg_free(&m);

	/* An RLOC-probe through the mapping system is dropped. */
	c.n = 0;
	n = tl_ecm_request(buf, sizeof(buf), 0, 1, 1, "[5]198.51.100.3",
	    "203.0.113.50", 50000);
	{
		struct sockaddr_storage ss = mk_ss("203.0.113.50", 4342);

		ck_assert_int_eq(ms_input(ms, buf, n, &ss, 0, cap_send, &c),
		    MS_DROPPED);
	}
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REQ_PROBE_DROPPED), 1);
	ms_free(ms);
}
END_TEST

START_TEST(test_referrals)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };
	struct lisp_msg	 m;

	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_P, 1, 1, KEY1,
	    "[1001]10.1.1.0/24", 1440, "198.51.100.1", "203.0.113.9", 0,
	    NULL), MS_CONSUMED);

	/* Registered: MS-ACK to the DDT client, and the request is served. */
	ck_assert_int_eq(req(ms, &c, 1, "[1001]10.1.1.7", "203.0.113.50", 0),
	    MS_CONSUMED);
	ck_assert_uint_eq(c.n, 2);
	ck_ss(&c.s[0].to, "203.0.113.50", 40000);	/* the ECM's source */
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REFERRAL, &m);
	ck_assert_uint_eq(m.u.mref.nonce, 0xABCD);
	ck_assert_uint_eq(m.u.mref.recs[0].act, LISP_REF_MS_ACK);
	ck_assert_uint_eq(m.u.mref.recs[0].ttl, 1440);
	ck_assert_uint_eq(m.u.mref.recs[0].loc_count, 0);
	ck_rec_eid(&m.u.mref.recs[0], "10.1.1.0", 1001, 24);
	lisp_msg_free(&m);
	ck_assert_uint_eq(c.s[1].pkt[0] >> 4, LISP_MAP_REPLY);

	/* In the site, not registered: 10.1.2.0/23 (cpl with .1.0 is 22). */
	c.n = 0;
	ck_assert_int_eq(req(ms, &c, 1, "[1001]10.1.2.5", "203.0.113.50", 0),
	    MS_CONSUMED);
	ck_assert_uint_eq(c.n, 1);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REFERRAL, &m);
	ck_assert_uint_eq(m.u.mref.recs[0].act, LISP_REF_MS_NOT_REG);
	ck_assert_uint_eq(m.u.mref.recs[0].ttl, 1);
	ck_rec_eid(&m.u.mref.recs[0], "10.1.2.0", 1001, 23);
	lisp_msg_free(&m);

	/* Outside the sites: 10.9.9.9 vs 10.1.0.0/16, cpl 12 -> /13. */
	c.n = 0;
	ck_assert_int_eq(req(ms, &c, 1, "[1001]10.9.9.9", "203.0.113.50", 0),
	    MS_CONSUMED);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REFERRAL, &m);
	ck_assert_uint_eq(m.u.mref.recs[0].act, LISP_REF_DELEGATION_HOLE);
	ck_assert_uint_eq(m.u.mref.recs[0].ttl, 15);
	ck_assert_uint_eq(m.u.mref.recs[0].flags & LISP_REC_I, 0);
	ck_rec_eid(&m.u.mref.recs[0], "10.8.0.0", 1001, 13);
	lisp_msg_free(&m);

	/* IID 7 has no site at all: the whole family is a hole. */
	c.n = 0;
	ck_assert_int_eq(req(ms, &c, 1, "[7]10.9.9.9", "203.0.113.50", 0),
	    MS_CONSUMED);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[0], LISP_MAP_REFERRAL, &m);
	ck_rec_eid(&m.u.mref.recs[0], "0.0.0.0", 7, 0);
	lisp_msg_free(&m);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REF_MS_ACK), 1);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REF_NOT_REGISTERED), 1);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REF_DELEGATION_HOLE), 2);
	ms_free(ms);
}
END_TEST

START_TEST(test_merge)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };
	struct lisp_msg	 m;
	uint8_t		 x1[16] = { 1 }, x2[16] = { 2 };
	char		 t[64];

	/* Two xTRs of one site, no merge: the newest answer wins. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_P, 1, 1, KEY1,
	    "[1001]10.1.1.0/24", 1440, "198.51.100.1", "198.51.100.1", 10,
	    x1), MS_CONSUMED);
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_P, 1, 1, KEY1,
	    "[1001]10.1.1.0/24", 1440, "198.51.100.2", "198.51.100.2", 20,
	    x2), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 2);
	ck_assert_int_eq(req(ms, &c, 0, "[1001]10.1.1.7", "203.0.113.50",
	    30), MS_CONSUMED);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[c.n - 1], LISP_MAP_REPLY, &m);
	ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 1);
	lisp_addr_fmt(&m.u.mrep.recs[0].locs[0].addr, t, sizeof(t));
	ck_assert_str_eq(t, "198.51.100.2");
	lisp_msg_free(&m);
	/* x1 refreshes with the merge bit: union of both. */
	ck_assert_int_eq(reg1(ms, &c, LISP_MREG_P | LISP_MREG_MERGE, 1, 1,
	    KEY1, "[1001]10.1.1.0/24", 1440, "198.51.100.1", "198.51.100.1",
	    40, x1), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 2);
	ck_assert_int_eq(req(ms, &c, 0, "[1001]10.1.1.7", "203.0.113.50",
	    50), MS_CONSUMED);
	memset(&m, 0, sizeof(m));
	decode_sent(&c.s[c.n - 1], LISP_MAP_REPLY, &m);
	ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 2);
	lisp_msg_free(&m);
	/* x2 withdraws: only x1's RLOC is left. */
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24", 0,
	    "198.51.100.2", "198.51.100.2", 60, x2), MS_CONSUMED);
	ck_assert_uint_eq(ms_nregs(ms), 1);
	ms_free(ms);
}
END_TEST

START_TEST(test_ratelimit)
{
	struct ms	*ms = ms_conf(conf_text);
	struct cap	 c = { .n = 0 };
	int		 i;

	ms_set_ratelimit(ms, 5, 2);
	for (i = 0; i < 8; i++)
		(void)req(ms, &c, 0, "[1001]10.9.9.9", "203.0.113.50", 1000);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_uint_eq(ms_counter(ms, MS_C_RATE_LIMITED), 3);
	/* Another source has its own bucket. */
	(void)req(ms, &c, 0, "[1001]10.9.9.9", "203.0.113.51", 1000);
	ck_assert_uint_eq(c.n, 6);
	/* 2 per second: one more after 500 ms. */
	(void)req(ms, &c, 0, "[1001]10.9.9.9", "203.0.113.50", 1499);
	ck_assert_uint_eq(c.n, 6);
	(void)req(ms, &c, 0, "[1001]10.9.9.9", "203.0.113.50", 1500);
	ck_assert_uint_eq(c.n, 7);
	ms_free(ms);
}
END_TEST

struct walk {
	int	 sites_empty;
	int	 regs;
	char	 last_site[32];
};

static void
walk_cb(void *arg, const struct ms_reg_view *v)
{
	struct walk	*w = arg;

	snprintf(w->last_site, sizeof(w->last_site), "%s", v->site_name);
	if (v->rec == NULL)
		w->sites_empty++;
	else
		w->regs++;
}

START_TEST(test_walk_reconfigure)
{
	struct ms		*ms = ms_conf(conf_text);
	struct cap		 c = { .n = 0 };
	struct walk		 w;
	struct lisp_config	*cfg;
	char			*text, *p;

	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24",
	    1440, "198.51.100.1", "198.51.100.1", 0, NULL), MS_CONSUMED);
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1000]fd00::/64",
	    1440, "2001:db8::1", "2001:db8::1", 0, NULL), MS_CONSUMED);
	memset(&w, 0, sizeof(w));
	ms_walk_sites(ms, walk_cb, &w);
	ck_assert_int_eq(w.regs, 2);
	ck_assert_int_eq(w.sites_empty, 1);	/* s2 */
	ck_assert_str_eq(w.last_site, "s2");
	/* Reload without fd00::/8: its registration goes, 10.1/16 stays. */
	text = strdup(conf_text);
	ck_assert_ptr_nonnull(p = strstr(text, "fd00::/8"));
	memcpy(p, "fc00::/8", 8);
	cfg = conf(text);
	ck_assert_int_eq(ms_reconfigure(ms, cfg), 0);
	config_free(cfg);
	free(text);
	ck_assert_uint_eq(ms_nregs(ms), 1);
	memset(&w, 0, sizeof(w));
	ms_walk_sites(ms, walk_cb, &w);
	ck_assert_int_eq(w.regs, 1);
	ms_free(ms);
}
END_TEST

/*
 * Negative prefixes against a brute force.  Random sites (IIDs 0-2, with
 * accept-more-specifics) and random registrations inside them (proxy
 * replies on); random EIDs, many near a known prefix.  Expected:
 *  - a registration contains e: a positive reply for the longest one;
 *  - else the least-specific prefix P of e, at least as long as the
 *    longest allowed-prefix containing e, that neither contains nor is
 *    contained in any allowed or registered prefix not containing e;
 *    TTL 1 inside a site, 15 outside.
 */
struct bpfx {
	uint32_t	 iid;
	int		 plen;
	uint8_t		 a[16];
};

static int
bbit(const uint8_t *a, int i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

/* p contains q: every one of p's bits, one by one. */
static int
bcontains(const struct bpfx *p, const struct bpfx *q)
{
	int	 i;

	if (p->iid != q->iid || p->plen > q->plen)
		return 0;
	for (i = 0; i < p->plen; i++)
		if (bbit(p->a, i) != bbit(q->a, i))
			return 0;
	return 1;
}

static void
bmask(struct bpfx *p, int bytes)
{
	int	 i;

	for (i = p->plen; i < bytes * 8; i++)
		p->a[i / 8] &= (uint8_t)~(1 << (7 - i % 8));
}

static void
bfmt(const struct bpfx *p, int v6, char *buf, size_t len)
{
	char	 t[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, p->a, t, sizeof(t));
	snprintf(buf, len, "[%u]%s/%d", p->iid, t, p->plen);
}

static void
random_negative(int v6, unsigned int seed)
{
	struct bpfx	 al[12], rg[40], e, best, P;
	int		 bytes = v6 ? 16 : 4, bits = bytes * 8;
	int		 nal = 12, nrg = 0, i, j, q, L, min, ok, inside;
	char		*text, line[512], eid[192], pfx[128];
	size_t		 tl = 0;
	struct ms	*ms;
	struct cap	 c;
	struct lisp_msg	 m;
	char		 got[160], want[160];
	uint32_t	 iid;
	int		 npos = 0, nin = 0, nout = 0;

	srandom(seed);
	text = calloc(1, 65536);
	ck_assert_ptr_nonnull(text);
	tl += (size_t)snprintf(text + tl, 65536 - tl,
	    "# lispers.net lisp.config file, last changed: now\n"
	    "lisp enable {\n    map-server = yes\n    map-resolver = yes\n"
	    "}\nlisp site {\n    site-name = r\n"
	    "    authentication-key = k\n");
	for (i = 0; i < nal; i++) {
		memset(&al[i], 0, sizeof(al[i]));
		al[i].iid = (uint32_t)(random() % 3);
		al[i].plen = v6 ? 8 + (int)(random() % 40) :
		    2 + (int)(random() % 18);
		for (j = 0; j < bytes; j++)
			al[i].a[j] = (uint8_t)random();
		if (v6)		/* keep them in a few /8s: more nesting */
			al[i].a[0] = (uint8_t)(0xfc + random() % 2);
		bmask(&al[i], bytes);
		bfmt(&al[i], v6, pfx, sizeof(pfx));
		snprintf(line, sizeof(line), "    allowed-prefix {\n"
		    "        instance-id = %u\n        eid-prefix = %s\n"
		    "        accept-more-specifics = yes\n    }\n", al[i].iid,
		    strchr(pfx, ']') + 1);
		tl += (size_t)snprintf(text + tl, 65536 - tl, "%s", line);
	}
	tl += (size_t)snprintf(text + tl, 65536 - tl, "}\n");
	ms = ms_conf(text);
	free(text);
	ms_set_ratelimit(ms, 0, 0);

	/* Registrations inside random allowed prefixes. */
	for (i = 0; i < 40; i++) {
		const char *rloc = "192.0.2.1";

		j = (int)(random() % nal);
		rg[nrg] = al[j];
		for (q = al[j].plen; q < bits; q++)
			if (random() & 1)
				rg[nrg].a[q / 8] ^= (uint8_t)(1 << (7 - q % 8));
		rg[nrg].plen = al[j].plen + (int)(random() % 14);
		if (rg[nrg].plen > bits)
			rg[nrg].plen = bits;
		bmask(&rg[nrg], bytes);
		bfmt(&rg[nrg], v6, pfx, sizeof(pfx));
		c.n = 0;
		ck_assert_int_eq(reg1(ms, &c, LISP_MREG_P, 0, 1, "k", pfx, 60,
		    rloc, "192.0.2.1", 0, NULL), MS_CONSUMED);
		nrg++;
	}

	for (q = 0; q < 3000; q++) {
		/* e: near a known prefix (flip one bit), or anywhere. */
		memset(&e, 0, sizeof(e));
		if (q % 4 == 0) {
			e.iid = (uint32_t)(random() % 4);
			for (j = 0; j < bytes; j++)
				e.a[j] = (uint8_t)random();
		} else {
			const struct bpfx *b = q % 2 ? &rg[random() % nrg] :
			    &al[random() % nal];
			int k;

			e = *b;
			for (j = b->plen; j < bits; j++)
				if (random() & 1)
					e.a[j / 8] ^= (uint8_t)(1 << (7 - j % 8));
			if (b->plen > 0 && q % 3) {
				k = (int)(random() % b->plen);
				e.a[k / 8] ^= (uint8_t)(1 << (7 - k % 8));
			}
		}
		e.plen = bits;

		/* Reference. */
		memset(&best, 0, sizeof(best));
		best.plen = -1;
		for (i = 0; i < nrg; i++)
			if (bcontains(&rg[i], &e) && rg[i].plen > best.plen)
				best = rg[i];
		min = 0;
		inside = 0;
		for (i = 0; i < nal; i++)
			if (bcontains(&al[i], &e) && al[i].plen >= min) {
				min = al[i].plen;
				inside = 1;
			}
		L = -1;
		if (best.plen < 0) {
			for (L = min; L <= bits; L++) {
				P = e;
				P.plen = L;
				bmask(&P, bytes);
				ok = 1;
				for (i = 0; i < nal + nrg && ok; i++) {
					const struct bpfx *s = i < nal ?
					    &al[i] : &rg[i - nal];
					if (bcontains(s, &e))
						continue;
					if (bcontains(&P, s) ||
					    bcontains(s, &P))
						ok = 0;
				}
				if (ok)
					break;
			}
			ck_assert_int_le(L, bits);
		}

		/* The map-server. */
		inet_ntop(v6 ? AF_INET6 : AF_INET, e.a, pfx, sizeof(pfx));
		snprintf(eid, sizeof(eid), "[%u]%s", e.iid, pfx);
		c.n = 0;
		ck_assert_int_eq(req(ms, &c, 0, eid, "203.0.113.50", 0),
		    MS_CONSUMED);
		ck_assert_uint_eq(c.n, 1);
		memset(&m, 0, sizeof(m));
		decode_sent(&c.s[0], LISP_MAP_REPLY, &m);
		{
			const struct lisp_addr *a = lisp_addr_strip_iid(
			    &m.u.mrep.recs[0].eid, &iid);
			struct bpfx g;

			memset(&g, 0, sizeof(g));
			g.iid = iid;
			g.plen = m.u.mrep.recs[0].mask_len;
			memcpy(g.a, v6 ? (const void *)&a->u.v6 :
			    (const void *)&a->u.v4, bytes);
			bfmt(&g, v6, got, sizeof(got));
		}
		if (best.plen >= 0) {
			bfmt(&best, v6, want, sizeof(want));
			ck_assert_msg(strcmp(got, want) == 0,
			    "%s: got %s, want registration %s", eid, got,
			    want);
			ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 1);
			npos++;
		} else {
			if (inside)
				nin++;
			else
				nout++;
			P = e;
			P.plen = L;
			bmask(&P, bytes);
			bfmt(&P, v6, want, sizeof(want));
			ck_assert_msg(strcmp(got, want) == 0,
			    "%s: got %s, want negative %s", eid, got, want);
			ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 0);
			ck_assert_uint_eq(m.u.mrep.recs[0].act,
			    LISP_ACT_NATIVE_FWD);
			ck_assert_uint_eq(m.u.mrep.recs[0].ttl,
			    inside ? 1 : 15);
		}
		lisp_msg_free(&m);
	}
	/* Every branch of the reference was exercised. */
	ck_assert_int_gt(npos, 100);
	ck_assert_int_gt(nin, 100);
	ck_assert_int_gt(nout, 100);
	ms_free(ms);
}

START_TEST(test_negative_v4)
{
	random_negative(0, 1000 + (unsigned)_i);
}
END_TEST

START_TEST(test_negative_v6)
{
	random_negative(1, 2000 + (unsigned)_i);
}
END_TEST

static int
null_send(void *arg, const uint8_t *p, size_t len,
    const struct sockaddr_storage *to)
{
	size_t	*n = arg;

	(void)p;
	(void)to;
	ck_assert_uint_le(len, 65536);
	(*n)++;
	return 0;
}

START_TEST(test_garbage)
{
	struct ms		*ms = ms_conf(conf_text);
	struct sockaddr_storage	 ss = mk_ss("203.0.113.50", 4342);
	struct lisp_eid_record	 rec;
	const char		*rloc = "198.51.100.1";
	uint8_t			 good[2][512], buf[512];
	size_t			 glen[2], sent = 0, n, i, k;
	uint64_t		 before;

	ck_assert_int_eq(tl_record(&rec, "[1001]10.1.1.0/24", 1440, &rloc,
	    NULL, 1), 0);
	glen[0] = tl_register(good[0], sizeof(good[0]), LISP_MREG_M |
	    LISP_MREG_P, 1, 1, LISP_AUTH_HMAC_SHA1, KEY1, &rec, 1, NULL, 0);
	lisp_eid_record_free(&rec);
	glen[1] = tl_ecm_request(good[1], sizeof(good[1]), 1, 0, 5,
	    "[1001]10.1.1.7", "203.0.113.50", 4342);
	ck_assert_int_eq(ms_input(ms, buf, 0, &ss, 0, null_send, &sent),
	    MS_DROPPED);
	srandom(7);
	for (i = 0; i < 20000; i++) {
		k = i % 2;
		n = (size_t)random() % (glen[k] + 8);
		if (n > glen[k])
			n = glen[k];
		memcpy(buf, good[k], glen[k]);
		/* Truncate, and flip a few random bits. */
		if (n > 0)
			buf[(size_t)random() % n] ^=
			    (uint8_t)(1 << (random() % 8));
		if (i % 3 == 0 && n > 1)
			buf[1 + random() % (n - 1)] = (uint8_t)random();
		(void)ms_input(ms, buf, n, &ss, i, null_send, &sent);
	}
	for (i = 0; i < 5000; i++) {
		n = 1 + (size_t)random() % sizeof(buf);
		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)random();
		buf[0] = (uint8_t)((i % 2 ? LISP_ECM : LISP_MAP_REGISTER) << 4 |
		    (buf[0] & 0x0F));
		(void)ms_input(ms, buf, n, &ss, i, null_send, &sent);
	}
	ck_assert_uint_gt(ms_counter(ms, MS_C_DECODE_ERROR), 1000);
	/* Still works. */
	before = ms_counter(ms, MS_C_REG_ACCEPTED);
	ck_assert_int_eq(ms_input(ms, good[0], glen[0], &ss, 30000,
	    null_send, &sent), MS_CONSUMED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_REG_ACCEPTED), before + 1);
	/* Types the map-server does not own are handed back. */
	buf[0] = LISP_MAP_REPLY << 4;
	ck_assert_int_eq(ms_input(ms, buf, 12, &ss, 0, null_send, &sent),
	    MS_NOT_MINE);
	ms_free(ms);
}
END_TEST

START_TEST(test_roles)
{
	struct ms	*ms;
	struct cap	 c = { .n = 0 };
	char		*text = strdup(conf_text), *p;

	/* Only the map-resolver: registrations are refused. */
	ck_assert_ptr_nonnull(p = strstr(text, "map-server = yes"));
	memcpy(p + 13, "no ", 3);
	ms = ms_conf(text);
	free(text);
	ck_assert_int_eq(reg1(ms, &c, 0, 1, 1, KEY1, "[1001]10.1.1.0/24",
	    1440, "198.51.100.1", "198.51.100.1", 0, NULL), MS_DROPPED);
	ck_assert_uint_eq(ms_counter(ms, MS_C_ROLE_DISABLED), 1);
	ck_assert_int_eq(req(ms, &c, 0, "[1001]10.1.1.7", "203.0.113.50", 0),
	    MS_CONSUMED);
	ck_assert_uint_eq(c.n, 1);
	ms_free(ms);
}
END_TEST

static Suite *
ms_suite(void)
{
	Suite	*s = suite_create("ms");
	TCase	*tc = tcase_create("ms");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reg_sha1);
	tcase_add_test(tc, test_reg_sha256);
	tcase_add_test(tc, test_reg_rejects);
	tcase_add_test(tc, test_reg_tampered);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_proxy_vs_forward);
	tcase_add_test(tc, test_referrals);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_ratelimit);
	tcase_add_test(tc, test_walk_reconfigure);
	tcase_add_loop_test(tc, test_negative_v4, 0, 4);
	tcase_add_loop_test(tc, test_negative_v6, 0, 4);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_roles);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ms_suite());
	int	 nf;

	log_init(1, LOG_LVL_WARN, 0);
	log_setquiet(1);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
