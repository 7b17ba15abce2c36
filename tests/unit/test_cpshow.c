/* SPDX-License-Identifier: ISC */
/*
 * control/cp_show: the records of lispctl's show sites and show rlocs,
 * from a map-server fed real Map-Registers on a fake clock and from ITR
 * and ETR engines in known states; the cp_ctl round trip with the
 * callbacks registered.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cp_ctl.h"
#include "cp_etr.h"
#include "cp_itr.h"
#include "cp_show.h"
#include "lisp_auth.h"
#include "log.h"
#include "ms.h"
#include "ms_testlib.h"

static const char *conf_text =
    "# lispers.net lisp.config file, last changed: now\n"
    "#-------------------------------------------------\n"
    "lisp enable {\n"
    "    map-server = yes\n"
    "}\n"
    "lisp site {\n"
    "    site-name = s1\n"
    "    description = the first site\n"
    "    authentication-key = [2]key-two\n"
    "    allowed-prefix {\n"
    "        instance-id = 1001\n"
    "        eid-prefix = 10.1.0.0/16\n"
    "        accept-more-specifics = yes\n"
    "    }\n"
    "}\n"
    "lisp site {\n"
    "    site-name = s2\n"
    "    authentication-key = other\n"
    "    allowed-prefix {\n"
    "        eid-prefix = 198.51.100.0/24\n"
    "    }\n"
    "}\n";

static int
nop_send(void *arg, const uint8_t *p, size_t len,
    const struct sockaddr_storage *to)
{
	(void)arg;
	(void)p;
	(void)len;
	(void)to;
	return 0;
}

static struct ms *
ms_conf(void)
{
	struct lisp_config	*cfg;
	struct ms		*ms;
	int			 nerr = 0;

	cfg = config_parse_buffer("t", conf_text, strlen(conf_text), &nerr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(nerr, 0);
	ck_assert_ptr_nonnull(ms = ms_new(cfg));
	config_free(cfg);
	return ms;
}

static void
reg(struct ms *ms, uint16_t flags, const char *key, uint64_t now_ms)
{
	static const char *const locs[] = { "192.0.2.1", "2001:db8::1" };
	static const uint8_t prio[] = { 1, 2 };
	struct lisp_eid_record	 rec;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	uint8_t			 buf[1024], xtr[LISP_XTR_ID_LEN];
	size_t			 n, i;

	for (i = 0; i < sizeof(xtr); i++)
		xtr[i] = (uint8_t)(0xa0 + i);
	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(4342);
	inet_pton(AF_INET, "198.51.100.7", &s4->sin_addr);
	ck_assert_int_eq(tl_record(&rec, "[1001]10.1.2.0/24", 1440, locs,
	    prio, 2), 0);
	rec.locs[1].flags = LISP_LOC_R;
	n = tl_register(buf, sizeof(buf), flags | LISP_MREG_I, 1, 2,
	    LISP_AUTH_HMAC_SHA256, key, &rec, 1, xtr, 9);
	lisp_eid_record_free(&rec);
	ck_assert_uint_gt(n, 0);
	(void)ms_input(ms, buf, n, &ss, now_ms, nop_send, NULL);
}

static const char *
sget(json_object *o, const char *k)
{
	json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s in %s", k,
	    json_object_to_json_string(o));
	return json_object_get_string(v);
}

static int64_t
iget(json_object *o, const char *k)
{
	json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s in %s", k,
	    json_object_to_json_string(o));
	return json_object_get_int64(v);
}

static int
has(json_object *o, const char *k)
{
	return json_object_object_get_ex(o, k, NULL);
}

START_TEST(sites_records)
{
	struct ms	*ms = ms_conf();
	json_object	*recs, *r, *rl;
	char		 err[128];

	/* A wrong key is refused: s1 stays unregistered. */
	reg(ms, LISP_MREG_P | LISP_MREG_M, "bad-key", 1000000);
	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_sites(ms, 1010.0, recs, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(json_object_array_length(recs), 2);
	r = json_object_array_get_idx(recs, 0);
	ck_assert_str_eq(sget(r, "site"), "s1");
	ck_assert_str_eq(sget(r, "registered"), "false");
	ck_assert(!has(r, "eid-prefix"));
	json_object_put(recs);

	reg(ms, LISP_MREG_P | LISP_MREG_M, "key-two", 1000000);
	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_sites(ms, 1010.5, recs, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(json_object_array_length(recs), 2);
	r = json_object_array_get_idx(recs, 0);
	ck_assert_str_eq(sget(r, "site"), "s1");
	ck_assert_str_eq(sget(r, "description"), "the first site");
	ck_assert_str_eq(sget(r, "registered"), "true");
	ck_assert_int_eq(iget(r, "iid"), 1001);
	ck_assert_str_eq(sget(r, "eid-prefix"), "10.1.2.0/24");
	ck_assert_str_eq(sget(r, "source"), "198.51.100.7:4342");
	ck_assert_str_eq(sget(r, "xtr-id"),
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	ck_assert_int_eq(iget(r, "site-id"), 9);
	ck_assert_int_eq(iget(r, "ttl"), 1440);
	ck_assert_int_eq(iget(r, "last-registered"), 10);
	/* No T flag: the 3-minute default, 169.5 s left (floored). */
	ck_assert_int_eq(iget(r, "expires-in"), 169);
	ck_assert_str_eq(sget(r, "proxy-reply"), "true");
	ck_assert_str_eq(sget(r, "want-map-notify"), "true");
	ck_assert_str_eq(sget(r, "auth-alg"), "hmac-sha256");
	ck_assert_int_eq(iget(r, "key-id"), 2);
	ck_assert(json_object_object_get_ex(r, "rlocs", &rl));
	ck_assert_uint_eq(json_object_array_length(rl), 2);
	ck_assert_str_eq(sget(json_object_array_get_idx(rl, 0), "address"),
	    "192.0.2.1");
	ck_assert_str_eq(sget(json_object_array_get_idx(rl, 0), "local"),
	    "true");
	ck_assert_str_eq(sget(json_object_array_get_idx(rl, 1), "address"),
	    "2001:db8::1");
	ck_assert_int_eq(iget(json_object_array_get_idx(rl, 1), "priority"),
	    2);
	ck_assert_str_eq(sget(json_object_array_get_idx(rl, 1), "local"),
	    "false");
	r = json_object_array_get_idx(recs, 1);
	ck_assert_str_eq(sget(r, "site"), "s2");
	ck_assert_str_eq(sget(r, "registered"), "false");
	json_object_put(recs);

	/* Expired: back to not registered. */
	(void)ms_expire(ms, 1000000 + MS_REG_TIMEOUT_MS + 1);
	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_sites(ms, 1200.0, recs, err, sizeof(err)),
	    0);
	ck_assert_str_eq(sget(json_object_array_get_idx(recs, 0),
	    "registered"), "false");
	json_object_put(recs);
	ms_free(ms);

	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_sites(NULL, 1.0, recs, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "not a map-server"));
	json_object_put(recs);
}
END_TEST

static int
fake_send(void *arg, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len)
{
	(void)arg;
	(void)dst;
	(void)dport;
	(void)src;
	(void)buf;
	(void)len;
	return 0;
}

static void
fake_dp(void *arg, const struct dpipc_msg *m)
{
	(void)arg;
	(void)m;
}

static uint64_t
fake_rand(void *arg)
{
	(void)arg;
	return 42;
}

static const struct cp_env env = { fake_send, fake_dp, fake_rand, NULL };

static void
addr(struct dpipc_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->af = AF_INET;
		a->plen = 32;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, a->a), 1);
		a->af = AF_INET6;
		a->plen = 128;
	}
}

START_TEST(rlocs_records)
{
	struct itr_params	 pp;
	struct itr		*itr;
	struct etr		*etr;
	struct itr_entry	*e;
	struct itr_rloc		 srl;
	struct cp_eid		 eid;
	struct dpipc_addr	 msa;
	struct etr_db		 db;
	struct etr_rloc		 erl;
	json_object		*recs, *r;
	char			 err[128];

	memset(&pp, 0, sizeof(pp));
	pp.probing = 1;
	itr_params_default(&pp);
	ck_assert_ptr_nonnull(itr = itr_new(&pp, &env));
	/* A configured entry: not probed, up from its R bit. */
	memset(&eid, 0, sizeof(eid));
	eid.iid = 7;
	addr(&eid.p, "10.9.0.0");
	eid.p.plen = 16;
	memset(&srl, 0, sizeof(srl));
	addr(&srl.addr, "203.0.113.5");
	srl.priority = 1;
	srl.weight = 100;
	srl.reach = 1;
	ck_assert_int_eq(itr_add_config(itr, &eid, &srl, 1), 0);
	/* A learnt entry in a known probe state: one up, one down. */
	ck_assert_ptr_nonnull(e = calloc(1, sizeof(*e)));
	ck_assert_ptr_nonnull(e->rlocs = calloc(2, sizeof(*e->rlocs)));
	e->nrlocs = 2;
	e->eid.iid = 1000;
	addr(&e->eid.p, "2001:db8:e1d::");
	e->eid.p.plen = 48;
	addr(&e->rlocs[0].addr, "198.51.100.2");
	e->rlocs[0].priority = 1;
	e->rlocs[0].weight = 50;
	e->rlocs[0].reach = 1;
	e->rlocs[0].probe.up = 1;
	e->rlocs[0].probe.rtt = 0.0004;
	e->rlocs[0].probe.srtt = 0.00125;
	e->rlocs[0].probe.sent_at = 96.5;
	e->rlocs[0].probe.sent = 5;
	e->rlocs[0].probe.replies = 5;
	addr(&e->rlocs[1].addr, "2001:db8:ffff::2");
	e->rlocs[1].priority = 2;
	e->rlocs[1].weight = 50;
	e->rlocs[1].reach = 1;
	e->rlocs[1].probe.missed = 3;
	e->rlocs[1].probe.sent_at = 99.0;
	e->rlocs[1].probe.sent = 3;
	e->rlocs[1].probe.timeouts = 3;
	TAILQ_INSERT_TAIL(&itr->entries, e, link);

	ck_assert_ptr_nonnull(etr = etr_new(NULL, &env));
	addr(&msa, "198.51.100.100");
	ck_assert_int_eq(etr_add_ms(etr, &msa, "ms-a", 0,
	    LISP_AUTH_HMAC_SHA1, "k", 1, 1, 0, 50.0), 0);

	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_rlocs(itr, etr, 100.0, recs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(json_object_array_length(recs), 4);
	r = json_object_array_get_idx(recs, 0);
	ck_assert_int_eq(iget(r, "iid"), 7);
	ck_assert_str_eq(sget(r, "eid-prefix"), "10.9.0.0/16");
	ck_assert_str_eq(sget(r, "rloc"), "203.0.113.5");
	ck_assert_str_eq(sget(r, "state"), "up");
	ck_assert_str_eq(sget(r, "probing"), "false");
	ck_assert(!has(r, "rtt-last-ms") && !has(r, "missed"));
	r = json_object_array_get_idx(recs, 1);
	ck_assert_int_eq(iget(r, "iid"), 1000);
	ck_assert_str_eq(sget(r, "eid-prefix"), "2001:db8:e1d::/48");
	ck_assert_str_eq(sget(r, "rloc"), "198.51.100.2");
	ck_assert_str_eq(sget(r, "state"), "up");
	ck_assert_str_eq(sget(r, "probing"), "true");
	ck_assert_int_eq(iget(r, "weight"), 50);
	/* Serialised with three decimals, read back as numbers. */
	ck_assert_str_eq(json_object_to_json_string_ext(
	    json_object_object_get(r, "rtt-last-ms"), JSON_C_TO_STRING_PLAIN),
	    "0.400");
	ck_assert_double_eq_tol(json_object_get_double(
	    json_object_object_get(r, "rtt-avg-ms")), 1.25, 1e-9);
	ck_assert_int_eq(iget(r, "last-probe"), 3);
	ck_assert_int_eq(iget(r, "missed"), 0);
	ck_assert_int_eq(iget(r, "probe-replies"), 5);
	r = json_object_array_get_idx(recs, 2);
	ck_assert_str_eq(sget(r, "rloc"), "2001:db8:ffff::2");
	ck_assert_str_eq(sget(r, "state"), "down");
	ck_assert_int_eq(iget(r, "missed"), 3);
	ck_assert_int_eq(iget(r, "probe-timeouts"), 3);
	ck_assert(!has(r, "rtt-last-ms") && !has(r, "rtt-avg-ms"));
	r = json_object_array_get_idx(recs, 3);
	ck_assert_str_eq(sget(r, "map-server"), "198.51.100.100");
	ck_assert_str_eq(sget(r, "name"), "ms-a");
	ck_assert_str_eq(sget(r, "state"), "idle");
	ck_assert_str_eq(sget(r, "auth-alg"), "hmac-sha1");
	ck_assert_int_eq(iget(r, "notifies"), 0);
	ck_assert(!has(r, "last-map-notify") && !has(r, "last-registered"));
	json_object_put(recs);

	/* Register a database-mapping: waiting for the Map-Notify. */
	memset(&db, 0, sizeof(db));
	db.eid = eid;
	db.nrlocs = 1;
	db.rlocs = &erl;
	memset(&erl, 0, sizeof(erl));
	addr(&erl.addr, "192.0.2.9");
	erl.priority = 1;
	erl.weight = 100;
	ck_assert_int_ne(etr_set_db(etr, &db, 1, 100.5), -1);
	etr_tick(etr, 101.0);
	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_rlocs(NULL, etr, 101.0, recs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(json_object_array_length(recs), 1);
	r = json_object_array_get_idx(recs, 0);
	ck_assert_str_eq(sget(r, "state"), "waiting");
	ck_assert_int_eq(iget(r, "registers"), 1);
	json_object_put(recs);

	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_rlocs(NULL, NULL, 1.0, recs, err,
	    sizeof(err)), -1);
	json_object_put(recs);
	itr_free(itr);
	etr_free(etr);
}
END_TEST

/* Through cp_ctl, as the process answers the data plane. */
START_TEST(ctl_roundtrip)
{
	static const char q[] =
	    "{\"type\":\"ztr-ctl-request\",\"id\":5,\"command\":\"show sites\"}";
	struct itr	*itr = NULL;
	struct etr	*etr = NULL;
	struct ms	*ms = NULL;
	struct cpc	*crypto = NULL;
	char		*rep;
	size_t		 len;

	cp_ctl_register(NULL);
	ck_assert_ptr_nonnull(rep = cp_ctl_request(q, sizeof(q) - 1, &len));
	ck_assert_ptr_nonnull(strstr(rep, "no control-plane engine"));
	free(rep);
	cp_show_register(EV_DEFAULT, &itr, &etr, &ms, &crypto);
	ck_assert_ptr_nonnull(rep = cp_ctl_request(q, sizeof(q) - 1, &len));
	ck_assert_ptr_nonnull(strstr(rep, "not a map-server"));
	free(rep);
	/* The engine is read at each request: a reload replaces it. */
	ms = ms_conf();
	ck_assert_ptr_nonnull(rep = cp_ctl_request(q, sizeof(q) - 1, &len));
	ck_assert_ptr_nonnull(strstr(rep, "\"status\":\"ok\""));
	ck_assert_ptr_nonnull(strstr(rep,
	    "{\"site\":\"s2\",\"registered\":false}"));
	free(rep);
	ms_free(ms);
	cp_ctl_register(NULL);
}
END_TEST

static Suite *
cpshow_suite(void)
{
	Suite	*s = suite_create("cp_show");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, sites_records);
	tcase_add_test(tc, rlocs_records);
	tcase_add_test(tc, ctl_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(cpshow_suite());
	int	 nfail;

	log_init(1, LOG_LVL_WARN, 0);
	log_setquiet(1);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
