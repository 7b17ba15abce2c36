/* SPDX-License-Identifier: ISC */
/*
 * dpipc: the lispers.net data-plane IPC messages.
 *
 * Vectors: tests/data/ipc/observed.txt (datagrams captured from a running
 * lispers.net, and the DP -> CP messages it accepted) and
 * tests/data/ipc/constructed.txt (the examples of lispers-net-compat.md
 * 1.4/1.5 and of lispers.net's IPC document).  Expected field values are
 * read off those texts by hand; encoder output is checked with json-c's
 * own parser, independently of our decoder.
 */
#include <arpa/inet.h>
#include <check.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_stats.h"
#include "dpipc.h"

#define MAXLINES	128

struct vec {
	char	 dir[8];
	char	 node[8];
	char	 t[16];
	char	*json;
};

static struct vec	obs[MAXLINES], con[MAXLINES];
static size_t		nobs, ncon;

/* Lines "<f1> [<f2> <f3>] {json}" of a data file. */
static size_t
load(const char *path, struct vec *v, int fields)
{
	static char	 line[65536];
	FILE		*f;
	size_t		 n = 0;
	char		*j;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: run from the repository root\n", path);
		abort();
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (n >= MAXLINES || (j = strchr(line, '{')) == NULL)
			abort();
		if (fields == 3 && sscanf(line, "%7s %7s %15s", v[n].dir,
		    v[n].node, v[n].t) != 3)
			abort();
		if (fields == 1 && sscanf(line, "%7s", v[n].dir) != 1)
			abort();
		if ((v[n].json = strdup(j)) == NULL)
			abort();
		n++;
	}
	fclose(f);
	return n;
}

/* The first observed datagram of node at time t (and of type, if set). */
static const char *
obs_at(const char *node, const char *t, const char *type)
{
	char	 pat[64];
	size_t	 i;

	snprintf(pat, sizeof(pat), "\"type\": \"%s\"", type ? type : "");
	for (i = 0; i < nobs; i++)
		if (strcmp(obs[i].node, node) == 0 &&
		    strcmp(obs[i].t, t) == 0 &&
		    (type == NULL || strstr(obs[i].json, pat) != NULL))
			return obs[i].json;
	ck_abort_msg("no observed datagram %s t=%s", node, t);
	return NULL;
}

static int
dec(const char *s, struct dpipc_msg *m, char *err)
{
	return dpipc_decode(s, strlen(s), m, err, 256);
}

static void
dec_ok(const char *s, struct dpipc_msg *m)
{
	char	 err[256];
	int	 rc = dec(s, m, err);

	ck_assert_msg(rc == DPIPC_OK, "rc %d (%s) for %s", rc, err, s);
	ck_assert_msg(m->nskipped == 0, "skipped: %s", err);
}

/* Expect a refusal whose reason contains what. */
static void
dec_bad(const char *s, int want, const char *what)
{
	struct dpipc_msg	 m;
	char			 err[256];
	int			 rc;

	memset(err, 'x', sizeof(err));
	rc = dec(s, &m, err);
	ck_assert_msg(rc == want, "rc %d, want %d (%s) for %s", rc, want,
	    err, s);
	ck_assert_msg(strstr(err, what) != NULL, "err \"%s\" lacks \"%s\"",
	    err, what);
	ck_assert_int_eq(m.type, DPIPC_NONE);
	dpipc_msg_free(&m);
}

static int
addr_same(const struct dpipc_addr *x, const struct dpipc_addr *y)
{
	return x->af == y->af && x->plen == y->plen &&
	    memcmp(x->a, y->a, x->af == AF_INET ? 4 : 16) == 0;
}

static void
ck_addr(const struct dpipc_addr *a, int af, const char *s, unsigned plen)
{
	uint8_t	 b[16];

	memset(b, 0, sizeof(b));
	ck_assert_int_eq(a->af, af);
	ck_assert_uint_eq(a->plen, plen);
	ck_assert_int_eq(inet_pton(af, s, b), 1);
	ck_assert_mem_eq(a->a, b, af == AF_INET ? 4 : 16);
}

static void
hex(const char *h, uint8_t *out, size_t n)
{
	size_t	 i;
	unsigned v;

	ck_assert_uint_eq(strlen(h), n * 2);
	for (i = 0; i < n; i++) {
		ck_assert(sscanf(h + 2 * i, "%2x", &v) == 1);
		out[i] = (uint8_t)v;
	}
}

/* Encode, check with json-c, decode, compare; returns the json-c tree. */
static struct json_object *
roundtrip(const struct dpipc_msg *m)
{
	struct dpipc_msg	 m2;
	struct json_object	*o;
	char			 err[256];
	char			*t;
	size_t			 len;
	int			 rc;

	t = dpipc_encode(m, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), len);
	o = json_tokener_parse(t);
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object),
	    "not JSON: %s", t);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o,
	    "type")), dpipc_type_name(m->type));
	rc = dpipc_decode(t, len, &m2, err, sizeof(err));
	ck_assert_msg(rc == DPIPC_OK, "%s: %s", err, t);
	ck_assert_msg(dpipc_msg_equal(m, &m2), "differs: %s", t);
	dpipc_msg_free(&m2);
	dpipc_text_free(t, len);
	return o;
}

static struct json_object *
jget(struct json_object *o, const char *path)
{
	char	 buf[128], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p != NULL;
	    p = strtok_r(NULL, ".", &save)) {
		if (*p >= '0' && *p <= '9')
			o = json_object_array_get_idx(o, (size_t)atoi(p));
		else
			o = json_object_object_get(o, p);
		ck_assert_msg(o != NULL, "no %s at %s", path, p);
	}
	return o;
}

static void
jstr(struct json_object *o, const char *path, const char *want)
{
	struct json_object *v = jget(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_string),
	    "%s is not a string", path);
	ck_assert_str_eq(json_object_get_string(v), want);
}

static void
jint(struct json_object *o, const char *path, uint64_t want)
{
	struct json_object *v = jget(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_int),
	    "%s is not an integer", path);
	ck_assert_uint_eq(json_object_get_uint64(v), want);
}

/*
 * Observed datagrams.
 */

START_TEST(observed_all_decode)
{
	struct dpipc_msg	 m;
	struct json_object	*o;
	size_t			 i;

	ck_assert_uint_ge(nobs, 60);
	for (i = 0; i < nobs; i++) {
		dec_ok(obs[i].json, &m);
		/* Type as json-c reads it. */
		o = json_tokener_parse(obs[i].json);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(
		    o, "type")), dpipc_type_name(m.type));
		json_object_put(o);
		ck_assert_int_eq(m.type >= DPIPC_RESTART,
		    strcmp(obs[i].dir, "dp2cp") == 0);
		json_object_put(roundtrip(&m));
		dpipc_msg_free(&m);
	}
}
END_TEST

START_TEST(observed_fields)
{
	struct dpipc_msg	 m, mk;
	struct dpipc_mapping	*e;
	uint8_t			 key[16], icv[20];

	dec_ok(obs_at("x1", "3.52", "itr-crypto-port"), &m);
	ck_assert_int_eq(m.type, DPIPC_ITR_CRYPTO_PORT);
	ck_assert_uint_eq(m.u.port, 40958);
	dec_ok(obs_at("x1", "3.61", "etr-nat-port"), &m);
	ck_assert_int_eq(m.type, DPIPC_ETR_NAT_PORT);
	ck_assert_uint_eq(m.u.port, 60376);

	dec_ok(obs_at("x1", "3.52", "xtr-parameters"), &m);
	ck_assert_uint_eq(m.u.xp.present, DPIPC_XP_CP_LOGGING |
	    DPIPC_XP_DP_LOGGING | DPIPC_XP_RTR);
	ck_assert_uint_eq(m.u.xp.value, DPIPC_XP_CP_LOGGING |
	    DPIPC_XP_DP_LOGGING);

	dec_ok(obs_at("x1", "3.56", NULL), &m);
	ck_assert_int_eq(m.type, DPIPC_INTERFACES);
	ck_assert_uint_eq(m.u.ifs.n, 2);
	ck_assert_str_eq(m.u.ifs.v[0].name, "bn1");
	ck_assert_uint_eq(m.u.ifs.v[0].iid, 1001);
	ck_assert_str_eq(m.u.ifs.v[1].name, "dbo1x1");
	ck_assert_uint_eq(m.u.ifs.v[1].iid, 1000);
	dpipc_msg_free(&m);

	dec_ok(obs_at("x1", "3.59", NULL), &m);
	e = &m.u.mc;
	ck_assert_int_eq(m.type, DPIPC_MAP_CACHE);
	ck_assert_int_eq(e->opcode, DPIPC_OP_ADD);
	ck_assert_uint_eq(e->iid, 1001);
	ck_addr(&e->eid, AF_INET, "203.0.113.0", 24);
	ck_assert(!e->multicast);
	ck_assert_uint_eq(e->nrlocs, 2);
	ck_addr(&e->rlocs[0].addr, AF_INET, "192.0.2.2", 32);
	ck_assert_uint_eq(e->rlocs[0].priority, 1);
	ck_assert_uint_eq(e->rlocs[0].weight, 50);
	ck_assert_uint_eq(e->rlocs[0].port, 4341);
	ck_assert_uint_eq(e->rlocs[0].nkeys, 0);
	ck_addr(&e->rlocs[1].addr, AF_INET, "192.0.2.9", 32);
	ck_assert_uint_eq(e->rlocs[1].priority, 2);
	ck_assert_uint_eq(e->rlocs[1].weight, 100);
	dpipc_msg_free(&m);

	/* Resolved entry with no probed RLOC yet. */
	dec_ok(obs_at("x1", "66.16", NULL), &m);
	ck_addr(&m.u.mc.eid, AF_INET, "198.51.100.16", 28);
	ck_assert_uint_eq(m.u.mc.nrlocs, 0);
	ck_assert_ptr_null(m.u.mc.rlocs);
	dpipc_msg_free(&m);
	dec_ok(obs_at("x1", "76.26", NULL), &m);
	ck_assert_uint_eq(m.u.mc.iid, 1000);
	ck_addr(&m.u.mc.eid, AF_INET6, "2001:db8:1000::77", 128);
	dpipc_msg_free(&m);

	/* Keys agreed with x2, all-zero priority and weight. */
	hex("bbde2faf67708e1d6e29737bf6f3c5c2", key, 16);
	hex("000000008a0df59eef6555683fc92cdad0c95a56", icv, 20);
	dec_ok(obs_at("x1", "71.21", NULL), &m);
	e = &m.u.mc;
	ck_addr(&e->eid, AF_INET, "198.51.100.48", 28);
	ck_assert_uint_eq(e->nrlocs, 1);
	ck_addr(&e->rlocs[0].addr, AF_INET, "192.0.2.4", 32);
	ck_assert_uint_eq(e->rlocs[0].priority, 0);
	ck_assert_uint_eq(e->rlocs[0].weight, 0);
	ck_assert_uint_eq(e->rlocs[0].nkeys, 1);
	ck_assert_uint_eq(e->rlocs[0].keys[0].key_id, 1);
	ck_assert_uint_eq(e->rlocs[0].keys[0].icv_len, 20);
	ck_assert_mem_eq(e->rlocs[0].keys[0].key, key, 16);
	ck_assert_mem_eq(e->rlocs[0].keys[0].icv, icv, 20);

	/* x2's decap-keys hold the same keys, under x1's crypto port. */
	dec_ok(obs_at("x2", "72.85", NULL), &mk);
	ck_assert_int_eq(mk.type, DPIPC_DECAP_KEYS);
	ck_addr(&mk.u.dk.rloc, AF_INET, "192.0.2.3", 32);
	ck_assert_uint_eq(mk.u.dk.port, 40958);
	ck_assert_uint_eq(mk.u.dk.nkeys, 1);
	ck_assert_mem_eq(mk.u.dk.keys[0].key, key, 16);
	ck_assert_mem_eq(mk.u.dk.keys[0].icv, icv, 20);
	dpipc_msg_free(&mk);
	dpipc_msg_free(&m);

	dec_ok(obs_at("x1", "3.61", "database-mappings"), &m);
	ck_assert_uint_eq(m.u.dbm.n, 3);
	ck_assert_uint_eq(m.u.dbm.v[0].iid, 1001);
	ck_addr(&m.u.dbm.v[0].eid, AF_INET, "198.51.100.32", 28);
	ck_assert_uint_eq(m.u.dbm.v[1].iid, 1001);
	ck_addr(&m.u.dbm.v[1].eid, AF_INET6, "2001:db8:1001::3", 128);
	ck_assert_uint_eq(m.u.dbm.v[2].iid, 1000);
	ck_addr(&m.u.dbm.v[2].eid, AF_INET6, "2001:db8:1000::3", 128);
	dpipc_msg_free(&m);

	/* The second entire-map-cache: six entries, parsed, not a flush. */
	dec_ok(obs_at("x1", "111.40", "entire-map-cache"), &m);
	ck_assert_int_eq(m.type, DPIPC_ENTIRE_MAP_CACHE);
	ck_assert_uint_eq(m.u.emc.n, 6);
	ck_addr(&m.u.emc.v[0].eid, AF_INET, "203.0.113.0", 24);
	ck_assert_uint_eq(m.u.emc.v[0].nrlocs, 1);
	ck_addr(&m.u.emc.v[0].rlocs[0].addr, AF_INET, "192.0.2.9", 32);
	ck_assert_uint_eq(m.u.emc.v[1].nrlocs, 0);
	ck_addr(&m.u.emc.v[3].eid, AF_INET, "198.51.100.48", 28);
	ck_assert_uint_eq(m.u.emc.v[3].rlocs[0].nkeys, 1);
	ck_assert_mem_eq(m.u.emc.v[3].rlocs[0].keys[0].key, key, 16);
	ck_addr(&m.u.emc.v[4].eid, AF_INET6, "2001:db8::", 32);
	ck_assert_uint_eq(m.u.emc.v[5].iid, 1000);
	ck_addr(&m.u.emc.v[5].eid, AF_INET6, "2001:db8:1000::77", 128);
	dpipc_msg_free(&m);

	/* What lispers.net accepted from the test data plane. */
	dec_ok(obs_at("x1", "66.14", NULL), &m);
	ck_assert_int_eq(m.type, DPIPC_DISCOVERY);
	ck_assert_str_eq(m.u.disc.interface, "bn1");
	ck_assert(!m.u.disc.has_iid);
	ck_assert(m.u.disc.has_source && m.u.disc.has_dest);
	ck_addr(&m.u.disc.source, AF_INET, "198.51.100.33", 32);
	ck_addr(&m.u.disc.dest, AF_INET, "198.51.100.20", 32);
	dec_ok(obs_at("x1", "76.25", NULL), &m);
	ck_assert_str_eq(m.u.disc.interface, "dbo1x1");
	ck_addr(&m.u.disc.dest, AF_INET6, "2001:db8:1000::77", 128);

	dec_ok(obs_at("x1", "106.31", NULL), &m);
	ck_assert_int_eq(m.type, DPIPC_STATISTICS);
	ck_assert_uint_eq(m.u.stats.n, 1);
	ck_assert_uint_eq(m.u.stats.v[0].iid, 1001);
	ck_addr(&m.u.stats.v[0].eid, AF_INET, "198.51.100.48", 28);
	ck_assert_uint_eq(m.u.stats.v[0].nrlocs, 1);
	ck_addr(&m.u.stats.v[0].rlocs[0].rloc, AF_INET, "192.0.2.4", 32);
	ck_assert_uint_eq(m.u.stats.v[0].rlocs[0].c.packets, 3);
	ck_assert_uint_eq(m.u.stats.v[0].rlocs[0].c.bytes, 252);
	ck_assert_uint_eq(m.u.stats.v[0].rlocs[0].c.secs_last, 1);
	dpipc_msg_free(&m);

	dec_ok(obs_at("x1", "106.36", NULL), &m);
	ck_assert_int_eq(m.type, DPIPC_DECAP_STATISTICS);
	ck_assert_uint_eq(m.u.ds.present, 1u << DPIPC_DS_GOOD |
	    1u << DPIPC_DS_ICV);
	ck_assert_uint_eq(m.u.ds.c[DPIPC_DS_GOOD].packets, 2);
	ck_assert_uint_eq(m.u.ds.c[DPIPC_DS_GOOD].bytes, 168);
	ck_assert_uint_eq(m.u.ds.c[DPIPC_DS_GOOD].secs_last, 1);
	ck_assert_uint_eq(m.u.ds.c[DPIPC_DS_ICV].packets, 0);

	dec_ok(obs_at("x1", "46.09", NULL), &m);
	ck_assert_int_eq(m.type, DPIPC_RESTART);
}
END_TEST

/* Every proper prefix of a real datagram is refused cleanly. */
START_TEST(observed_truncated)
{
	static const char *const pick[][3] = {
		{ "x1", "111.40", "entire-map-cache" },
		{ "x1", "71.21", NULL },
		{ "x2", "72.85", NULL },
		{ "x1", "106.36", NULL },
		{ "x1", "3.52", "xtr-parameters" },
	};
	struct dpipc_msg	 m;
	char			 err[256];
	const char		*s;
	char			*cut;
	size_t			 i, len, l;
	int			 rc;

	for (i = 0; i < sizeof(pick) / sizeof(pick[0]); i++) {
		s = obs_at(pick[i][0], pick[i][1], pick[i][2]);
		len = strlen(s);
		for (l = 0; l < len; l++) {
			/* An exact-size copy, so ASan sees any over-read. */
			cut = malloc(l + 1);
			ck_assert_ptr_nonnull(cut);
			memcpy(cut, s, l);
			err[0] = '\0';
			rc = dpipc_decode(cut, l, &m, err, sizeof(err));
			ck_assert_msg(rc == DPIPC_EPARSE, "len %zu: rc %d",
			    l, rc);
			ck_assert(err[0] != '\0');
			ck_assert_int_eq(m.type, DPIPC_NONE);
			dpipc_msg_free(&m);
			free(cut);
		}
	}
}
END_TEST

/*
 * Constructed examples.
 */

START_TEST(constructed_all_decode)
{
	struct dpipc_msg	 m;
	size_t			 i;

	ck_assert_uint_ge(ncon, 18);
	for (i = 0; i < ncon; i++) {
		dec_ok(con[i].json, &m);
		json_object_put(roundtrip(&m));
		dpipc_msg_free(&m);
	}
}
END_TEST

START_TEST(constructed_fields)
{
	struct dpipc_msg	 m;
	uint8_t			 icv[20];
	static const uint8_t	 mac[6] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0x03 };

	/* compat 1.4: keys on the first RLOC only, key order shuffled. */
	dec_ok(con[0].json, &m);
	ck_assert_int_eq(m.type, DPIPC_MAP_CACHE);
	ck_assert_uint_eq(m.u.mc.iid, 1000);
	ck_addr(&m.u.mc.eid, AF_INET6, "fd11:2233:4455:6677:8899:aabb:ccdd:eeff",
	    128);
	ck_assert_uint_eq(m.u.mc.nrlocs, 2);
	ck_assert_uint_eq(m.u.mc.rlocs[0].nkeys, 1);
	hex("00000000102132435465768798a9bacbdcedfe0f", icv, 20);
	ck_assert_mem_eq(m.u.mc.rlocs[0].keys[0].icv, icv, 20);
	ck_assert_uint_eq(m.u.mc.rlocs[1].nkeys, 0);
	ck_addr(&m.u.mc.rlocs[1].addr, AF_INET, "198.51.100.4", 32);
	dpipc_msg_free(&m);

	dec_ok(con[1].json, &m);
	ck_assert_int_eq(m.u.mc.opcode, DPIPC_OP_DELETE);
	dpipc_msg_free(&m);

	dec_ok(con[5].json, &m);
	ck_assert_int_eq(m.type, DPIPC_DECAP_KEYS);
	ck_assert_uint_eq(m.u.dk.port, 51234);
	dpipc_msg_free(&m);

	/* IPC document: MAC EID, no opcode, no port. */
	dec_ok(con[13].json, &m);
	ck_assert_int_eq(m.u.mc.opcode, DPIPC_OP_ADD);
	ck_assert_uint_eq(m.u.mc.iid, 251);
	ck_assert_int_eq(m.u.mc.eid.af, DPIPC_AF_MAC);
	ck_assert_uint_eq(m.u.mc.eid.plen, 48);
	ck_assert_mem_eq(m.u.mc.eid.a, mac, 6);
	ck_assert_uint_eq(m.u.mc.nrlocs, 2);
	ck_addr(&m.u.mc.rlocs[1].addr, AF_INET6, "2001::2222", 128);
	ck_assert_uint_eq(m.u.mc.rlocs[1].port, DPIPC_PORT_DATA);
	ck_assert_uint_eq(m.u.mc.rlocs[1].weight, 50);
	dpipc_msg_free(&m);

	/* Multicast: rles. */
	dec_ok(con[14].json, &m);
	ck_assert(m.u.mc.multicast);
	ck_assert_int_eq(m.u.mc.eid.af, DPIPC_AF_MAC);
	ck_assert_uint_eq(m.u.mc.nrlocs, 2);
	ck_addr(&m.u.mc.rlocs[0].addr, AF_INET6, "dfdf::1", 128);
	dpipc_msg_free(&m);

	dec_ok(con[15].json, &m);
	ck_assert_uint_eq(m.u.dbm.n, 3);
	ck_assert_int_eq(m.u.dbm.v[1].eid.af, DPIPC_AF_MAC);
	dpipc_msg_free(&m);

	/* Empty entire-map-cache: "remove every entry", not an error. */
	dec_ok(con[17].json, &m);
	ck_assert_int_eq(m.type, DPIPC_ENTIRE_MAP_CACHE);
	ck_assert_uint_eq(m.u.emc.n, 0);
	dpipc_msg_free(&m);
}
END_TEST

/*
 * Leniency.
 */

START_TEST(string_or_integer)
{
	struct dpipc_msg	 a, b;

	dec_ok("{\"type\":\"map-cache\",\"instance-id\":\"1000\","
	    "\"eid-prefix\":\"10.1.0.0/16\",\"rlocs\":[{\"rloc\":"
	    "\"192.0.2.1\",\"priority\":\"1\",\"weight\":\"50\","
	    "\"port\":\"4341\",\"keys\":[{\"key-id\":\"1\",\"encrypt-key\":"
	    "\"00112233445566778899aabbccddeeff\",\"icv-key\":"
	    "\"00112233445566778899aabbccddeeff00112233\"}]}]}", &a);
	/* Numbers, other key order, other spacing, unknown keys. */
	dec_ok("{ \"rlocs\" : [ { \"keys\" : [ { \"icv-key\" : "
	    "\"00112233445566778899AABBCCDDEEFF00112233\", \"key-id\" : 1, "
	    "\"encrypt-key\" : \"00112233445566778899aabbccddeeff\", "
	    "\"x\" : [1] } ], \"port\" : 4341, \"weight\" : 50, \"rloc\" : "
	    "\"192.0.2.1\", \"priority\" : 1, \"state\" : {\"up\": true} } ],"
	    "\n\t\"eid-prefix\": \"10.1.0.0/16\", \"future\": null, "
	    "\"instance-id\": 1000, \"type\": \"map-cache\" }\n", &b);
	ck_assert(dpipc_msg_equal(&a, &b));
	dpipc_msg_free(&a);
	dpipc_msg_free(&b);

	dec_ok("{\"type\": \"etr-nat-port\", \"port\": \"61002\"}", &a);
	ck_assert_uint_eq(a.u.port, 61002);
	dec_ok("{\"type\": \"statistics\", \"entries\": [{\"instance-id\": "
	    "1000, \"eid-prefix\": \"10.0.0.1/32\", \"rlocs\": [{\"rloc\": "
	    "\"192.0.2.1\", \"packet-count\": \"7\", \"byte-count\": "
	    "\"18446744073709551615\", \"seconds-last-packet\": 2.75}]}]}", &a);
	ck_assert_uint_eq(a.u.stats.v[0].iid, 1000);
	ck_assert_uint_eq(a.u.stats.v[0].rlocs[0].c.packets, 7);
	ck_assert_uint_eq(a.u.stats.v[0].rlocs[0].c.bytes, UINT64_MAX);
	ck_assert_uint_eq(a.u.stats.v[0].rlocs[0].c.secs_last, 2);
	dpipc_msg_free(&a);

	dec_ok("{\"type\": \"xtr-parameters\", \"rtr\": \"yes\", "
	    "\"data-plane-logging\": 0, \"new-knob\": 3}", &a);
	ck_assert_uint_eq(a.u.xp.present, DPIPC_XP_RTR | DPIPC_XP_DP_LOGGING);
	ck_assert_uint_eq(a.u.xp.value, DPIPC_XP_RTR);

	dec_ok("{\"type\": \"discovery\", \"interface\": \"\", "
	    "\"instance-id\": \"-1\", \"dest-eid\": \"10.0.0.9\"}", &a);
	ck_assert(a.u.disc.has_iid);
	ck_assert_int_eq(a.u.disc.iid, -1);
	ck_assert(!a.u.disc.has_source);
	dec_ok("{\"type\": \"discovery\", \"interface\": \"\", "
	    "\"instance-id\": 4294967295}", &a);
	ck_assert_int_eq(a.u.disc.iid, 4294967295LL);

	/* decap-keys without a port: keyed by address alone. */
	dec_ok("{\"type\": \"decap-keys\", \"rloc\": \"2001:db8::7\", "
	    "\"keys\": [{\"key-id\": \"2\", \"decrypt-key\": "
	    "\"8899aabbccddeeff0011223344556677\", \"icv-key\": "
	    "\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"}]}", &a);
	ck_assert_uint_eq(a.u.dk.port, 0);
	ck_assert_uint_eq(a.u.dk.keys[0].key_id, 2);
	ck_assert_uint_eq(a.u.dk.keys[0].icv_len, 16);	/* Poly1305 form */
	dpipc_msg_free(&a);
}
END_TEST

START_TEST(unknown_type)
{
	struct dpipc_msg	 m;
	char			 err[256];

	ck_assert_int_eq(dec("{\"type\": \"telemetry\", \"x\": [1,2]}", &m,
	    err), DPIPC_UNKNOWN);
	ck_assert_int_eq(m.type, DPIPC_NONE);
	ck_assert_ptr_nonnull(strstr(err, "telemetry"));
	/* Not loggable bytes are masked in the reason. */
	ck_assert_int_eq(dec("{\"type\": \"a\\u0001b\"}", &m, err),
	    DPIPC_UNKNOWN);
	ck_assert_ptr_null(strchr(err, 1));
	dpipc_msg_free(&m);
}
END_TEST

/* A bad element of a complete list is skipped, not the whole list. */
START_TEST(list_skips_bad_element)
{
	struct dpipc_msg	 m;
	char			 err[256];

	ck_assert_int_eq(dec("{\"type\": \"entire-map-cache\", \"entries\": ["
	    "{\"instance-id\": \"1\", \"eid-prefix\": \"10.0.0.0/8\", "
	    "\"rlocs\": []}, {\"instance-id\": \"1\", \"eid-prefix\": "
	    "\"10.0.0.0/8\", \"rlocs\": [{\"rloc\": \"192.0.2.1\", "
	    "\"priority\": \"300\"}]}, {\"instance-id\": \"2\", "
	    "\"eid-prefix\": \"fd00::/8\", \"rlocs\": [{\"rloc\": "
	    "\"192.0.2.1\"}]}]}", &m, err), DPIPC_OK);
	ck_assert_uint_eq(m.u.emc.n, 2);
	ck_assert_uint_eq(m.nskipped, 1);
	ck_assert_str_eq(err, "entries[1].rlocs[0].priority: 300 out of "
	    "range 0..255");
	ck_assert_uint_eq(m.u.emc.v[1].iid, 2);
	dpipc_msg_free(&m);

	ck_assert_int_eq(dec("{\"type\": \"interfaces\", \"interfaces\": ["
	    "{\"interface\": \"averyveryverylongname\", \"instance-id\": 1},"
	    "7, {\"interface\": \"eth0\", \"instance-id\": 2}]}", &m, err),
	    DPIPC_OK);
	ck_assert_uint_eq(m.u.ifs.n, 1);
	ck_assert_uint_eq(m.nskipped, 2);
	ck_assert_str_eq(m.u.ifs.v[0].name, "eth0");
	dpipc_msg_free(&m);
}
END_TEST

/*
 * Hostile input.
 */

#define MC(rest)	"{\"type\": \"map-cache\", \"instance-id\": \"1\", " rest "}"
#define MCE(pfx)	MC("\"eid-prefix\": \"" pfx "\"")
#define MCR(r)		MC("\"eid-prefix\": \"10.0.0.0/8\", \"rlocs\": [" r "]")
#define KEY(id, ek, ik)	"{\"rloc\": \"192.0.2.1\", \"keys\": [{\"key-id\": " \
			id ", \"encrypt-key\": \"" ek "\", \"icv-key\": \"" \
			ik "\"}]}"
#define K32		"00112233445566778899aabbccddeeff"
#define K40		"00112233445566778899aabbccddeeff00112233"

START_TEST(malformed)
{
	static const struct {
		const char	*in;
		int		 rc;
		const char	*what;
	} t[] = {
		{ "", DPIPC_EPARSE, "truncated" },
		{ "   ", DPIPC_EPARSE, "truncated" },
		{ "[]", DPIPC_EPARSE, "not an object" },
		{ "\"map-cache\"", DPIPC_EPARSE, "not an object" },
		{ "42", DPIPC_EPARSE, "" },
		{ "null ", DPIPC_EPARSE, "top level is null, not an object" },
		{ "null", DPIPC_EPARSE, "truncated" },
		{ "{", DPIPC_EPARSE, "truncated" },
		{ "{\"type\": \"restart\"} {}", DPIPC_EPARSE,
		  "bad JSON at offset 20" },
		{ "{\"type\": \"restart\",}", DPIPC_EPARSE, "bad JSON" },
		{ "{\"type\": \"restart\"]", DPIPC_EPARSE, "bad JSON" },
		{ "{}", DPIPC_EINVAL, "no \"type\"" },
		{ "{\"type\": 7}", DPIPC_EINVAL, "not a string" },
		{ "{\"type\": null}", DPIPC_EINVAL, "not a string" },
		{ MC("\"eid-prefix\": \"10.0.0.0/8\", \"opcode\": \"replace\""),
		  DPIPC_EINVAL, "unknown opcode" },
		{ "{\"type\": \"map-cache\", \"eid-prefix\": \"10.0.0.0/8\"}",
		  DPIPC_EINVAL, "no \"instance-id\"" },
		{ "{\"type\": \"map-cache\", \"instance-id\": \"4294967296\", "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL,
		  "instance-id: 4294967296 out of range 0..4294967295" },
		{ "{\"type\": \"map-cache\", \"instance-id\": -1, "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL, "negative" },
		{ "{\"type\": \"map-cache\", \"instance-id\": \"1e3\", "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL,
		  "not a decimal" },
		{ "{\"type\": \"map-cache\", \"instance-id\": \" 1\", "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL,
		  "not a decimal" },
		{ "{\"type\": \"map-cache\", \"instance-id\": \"\", "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL,
		  "not a decimal" },
		{ "{\"type\": \"map-cache\", \"instance-id\": 1.5, "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL,
		  "not a whole number" },
		{ "{\"type\": \"map-cache\", \"instance-id\": true, "
		  "\"eid-prefix\": \"10.0.0.0/8\"}", DPIPC_EINVAL,
		  "boolean where a number" },
		{ "{\"type\": \"map-cache\", \"instance-id\": "
		  "\"99999999999999999999999\", \"eid-prefix\": \"10.0.0.0/8\"}",
		  DPIPC_EINVAL, "not a decimal" },
		{ MC("\"eid-prefix\": 10"), DPIPC_EINVAL, "not a string" },
		{ MC("\"rlocs\": []"), DPIPC_EINVAL, "no \"eid-prefix\"" },
		{ MCE("10.0.0.0/33"), DPIPC_EINVAL, "not an address" },
		{ MCE("fd00::/129"), DPIPC_EINVAL, "not an address" },
		{ MCE("0001-0002-0003/49"), DPIPC_EINVAL, "not an address" },
		{ MCE("0001-0002-003/48"), DPIPC_EINVAL, "not an address" },
		{ MCE("10.0.0.0/"), DPIPC_EINVAL, "not an address" },
		{ MCE("10.0.0.0/-1"), DPIPC_EINVAL, "not an address" },
		{ MCE("10.0.0.0/0008"), DPIPC_EINVAL, "not an address" },
		{ MCE("10.0.0.0/8/8"), DPIPC_EINVAL, "not an address" },
		{ MCE("300.1.1.1/32"), DPIPC_EINVAL, "not an address" },
		{ MCE("fd00::%eth0/8"), DPIPC_EINVAL, "not an address" },
		{ MCE("[1000]10.0.0.0/8"), DPIPC_EINVAL, "not an address" },
		{ MCE(""), DPIPC_EINVAL, "not an address" },
		{ MCE("a\\u0000b"), DPIPC_EINVAL, "NUL" },
		{ MC("\"eid-prefix\": \"10.0.0.0/8\", \"rlocs\": null"),
		  DPIPC_EINVAL, "\"rlocs\" is null, not an array" },
		{ MC("\"eid-prefix\": \"10.0.0.0/8\", \"rlocs\": {}"),
		  DPIPC_EINVAL, "not an array" },
		{ MC("\"eid-prefix\": \"10.0.0.0/8\", \"rlocs\": [], "
		  "\"rles\": []"), DPIPC_EINVAL, "both" },
		{ MCR("7"), DPIPC_EINVAL, "rlocs[0]: not an object" },
		{ MCR("{}"), DPIPC_EINVAL, "rlocs[0]: no \"rloc\"" },
		{ MCR("{\"rloc\": \"10.0.0.0/8\"}"), DPIPC_EINVAL,
		  "a prefix, not an address" },
		{ MCR("{\"rloc\": \"0001-0002-0003\"}"), DPIPC_EINVAL,
		  "not an IP address" },
		{ MCR("{\"rloc\": \"rloc.example\"}"), DPIPC_EINVAL,
		  "not an address" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"priority\": \"256\"}"),
		  DPIPC_EINVAL, "rlocs[0].priority: 256 out of range 0..255" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"weight\": -1}"),
		  DPIPC_EINVAL, "rlocs[0].weight: -1 is negative" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"port\": \"0\"}"),
		  DPIPC_EINVAL, "port: 0 out of range 1..65535" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"port\": 65536}"),
		  DPIPC_EINVAL, "port: 65536 out of range" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"port\": \"4341x\"}"),
		  DPIPC_EINVAL, "not a decimal" },
		{ MCR("{\"rloc\": \"192.0.2.1\"}, {\"rloc\": \"::\", "
		  "\"port\": []}"), DPIPC_EINVAL,
		  "rlocs[1].port: array where a number" },
		{ MCR(KEY("\"0\"", K32, K40)), DPIPC_EINVAL,
		  "keys[0].key-id: 0 out of range 1..3" },
		{ MCR(KEY("4", K32, K40)), DPIPC_EINVAL, "out of range 1..3" },
		{ MCR(KEY("1", "0011", K40)), DPIPC_EINVAL,
		  "\"encrypt-key\" has 4 hex digits, not 32" },
		{ MCR(KEY("1", K32 "0", K40)), DPIPC_EINVAL, "33 hex digits" },
		{ MCR(KEY("1", "g0112233445566778899aabbccddeeff", K40)),
		  DPIPC_EINVAL, "\"encrypt-key\" is not hex" },
		{ MCR(KEY("1", K32, "0011223344556677889900112233445566")),
		  DPIPC_EINVAL, "34 hex digits, not 40 or 32" },
		{ MCR(KEY("1", K32, K40 "00")), DPIPC_EINVAL,
		  "42 hex digits" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"keys\": [1, 2, 3, 4]}"),
		  DPIPC_EINVAL, "\"keys\" has 4 elements, more than 3" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"keys\": [{\"key-id\": 1, "
		  "\"encrypt-key\": \"" K32 "\", \"icv-key\": \"" K40 "\"}, "
		  "{\"key-id\": \"1\", \"encrypt-key\": \"" K32 "\", "
		  "\"icv-key\": \"" K40 "\"}]}"), DPIPC_EINVAL,
		  "key-id 1 repeated" },
		{ MCR("{\"rloc\": \"192.0.2.1\", \"keys\": [{\"key-id\": 1, "
		  "\"icv-key\": \"" K40 "\"}]}"), DPIPC_EINVAL,
		  "no \"encrypt-key\"" },
		{ "{\"type\": \"entire-map-cache\"}", DPIPC_EINVAL,
		  "no \"entries\"" },
		{ "{\"type\": \"entire-map-cache\", \"entries\": null}",
		  DPIPC_EINVAL, "not an array" },
		{ "{\"type\": \"database-mappings\", \"database-mappings\": {}}",
		  DPIPC_EINVAL, "not an array" },
		{ "{\"type\": \"decap-keys\", \"rloc\": \"2001\", \"port\": "
		  "\"db8\", \"keys\": []}", DPIPC_EINVAL, "not an address" },
		{ "{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.1\", "
		  "\"port\": \"db8\", \"keys\": []}", DPIPC_EINVAL,
		  "port: \"db8\" is not a decimal number" },
		{ "{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.1\", "
		  "\"port\": \"4341\"}", DPIPC_EINVAL, "no \"keys\"" },
		{ "{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.1\", "
		  "\"keys\": [{\"key-id\": 1, \"encrypt-key\": \"" K32 "\", "
		  "\"icv-key\": \"" K40 "\"}]}", DPIPC_EINVAL,
		  "no \"decrypt-key\"" },
		{ "{\"type\": \"etr-nat-port\"}", DPIPC_EINVAL, "no \"port\"" },
		{ "{\"type\": \"etr-nat-port\", \"port\": 0}", DPIPC_EINVAL,
		  "out of range" },
		{ "{\"type\": \"itr-crypto-port\", \"port\": 70000}",
		  DPIPC_EINVAL, "70000 out of range 1..65535" },
		{ "{\"type\": \"itr-crypto-port\", \"port\": \"abc\"}",
		  DPIPC_EINVAL, "not a decimal" },
		{ "{\"type\": \"xtr-parameters\", \"rtr\": \"maybe\"}",
		  DPIPC_EINVAL, "rtr: not a boolean" },
		{ "{\"type\": \"xtr-parameters\", \"rtr\": 2}", DPIPC_EINVAL,
		  "not a boolean" },
		{ "{\"type\": \"discovery\"}", DPIPC_EINVAL,
		  "no \"interface\"" },
		{ "{\"type\": \"discovery\", \"interface\": "
		  "\"sixteen-chars-xx\"}", DPIPC_EINVAL, "not a device name" },
		{ "{\"type\": \"discovery\", \"interface\": \"bn 1\"}",
		  DPIPC_EINVAL, "not a device name" },
		{ "{\"type\": \"discovery\", \"interface\": \"\", "
		  "\"instance-id\": \"-2\"}", DPIPC_EINVAL, "not a decimal" },
		{ "{\"type\": \"discovery\", \"interface\": \"\", "
		  "\"instance-id\": -2}", DPIPC_EINVAL, "negative" },
		{ "{\"type\": \"discovery\", \"interface\": \"bn1\", "
		  "\"dest-eid\": \"10.0.0.0/24\"}", DPIPC_EINVAL,
		  "a prefix, not an address" },
		{ "{\"type\": \"statistics\", \"entries\": null}",
		  DPIPC_EINVAL, "\"entries\" is null, not an array" },
		{ "{\"type\": \"decap-statistics\", \"good-packets\": "
		  "{\"packet-count\": 1, \"seconds-last-packet\": 0}}",
		  DPIPC_EINVAL, "good-packets: no \"byte-count\"" },
		{ "{\"type\": \"decap-statistics\", \"ICV-error\": 5}",
		  DPIPC_EINVAL, "ICV-error: not an object" },
		{ "{\"type\": \"decap-statistics\", \"good-packets\": "
		  "{\"packet-count\": 1, \"byte-count\": 1, "
		  "\"seconds-last-packet\": -0.5}}", DPIPC_EINVAL,
		  "out of range" },
		{ "{\"type\": \"decap-statistics\", \"good-packets\": "
		  "{\"packet-count\": 1, \"byte-count\": 1, "
		  "\"seconds-last-packet\": NaN}}", DPIPC_EINVAL,
		  "out of range" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		dec_bad(t[i].in, t[i].rc, t[i].what);
}
END_TEST

START_TEST(nul_and_nesting)
{
	static const char	 withnul[] = "{\"type\": \"restart\"}\0";
	struct dpipc_msg	 m;
	char			 err[256];
	char			*deep;
	size_t			 i, n = 100000;

	ck_assert_int_eq(dpipc_decode(withnul, sizeof(withnul) - 1, &m, err,
	    sizeof(err)), DPIPC_EPARSE);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	ck_assert_int_eq(dpipc_decode("{\"type\": \"restart\"}", 19, &m, NULL,
	    0), DPIPC_OK);

	/* 100000 nested arrays inside an ignored key. */
	deep = malloc(n * 2 + 64);
	ck_assert_ptr_nonnull(deep);
	i = (size_t)sprintf(deep, "{\"type\": \"restart\", \"x\": ");
	memset(deep + i, '[', n);
	memset(deep + i + n, ']', n);
	strcpy(deep + i + 2 * n, "}");
	dec_bad(deep, DPIPC_EPARSE, "bad JSON");
	/* Depth 16 is enough for every real message (7 levels). */
	strcpy(deep, "{\"type\": \"restart\", \"x\": "
	    "[[[[[[[[[[[[[[]]]]]]]]]]]]]]}");
	dec_ok(deep, &m);
	free(deep);
}
END_TEST

static char *
big_rlocs(size_t n, const char *type)
{
	char	*s = malloc(n * 40 + 256), *p;
	size_t	 i;

	ck_assert_ptr_nonnull(s);
	p = s + sprintf(s, "{\"type\": \"%s\", \"instance-id\": 1, "
	    "\"eid-prefix\": \"10.0.0.0/8\", \"rlocs\": [", type);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{\"rloc\": \"10.%zu.%zu.1\"}", i ? "," : "",
		    i / 256, i % 256);
	strcpy(p, "]}");
	return s;
}

START_TEST(huge_arrays)
{
	struct dpipc_msg	 m;
	char			*s, *p;
	size_t			 i, n = DPIPC_MAX_LIST + 1;

	s = big_rlocs(DPIPC_MAX_RLOCS, "map-cache");
	dec_ok(s, &m);
	ck_assert_uint_eq(m.u.mc.nrlocs, 255);
	json_object_put(roundtrip(&m));
	dpipc_msg_free(&m);
	free(s);
	s = big_rlocs(DPIPC_MAX_RLOCS + 1, "map-cache");
	dec_bad(s, DPIPC_EINVAL, "256 elements, more than 255");
	free(s);

	/* A list one over the bound, of cheap elements. */
	s = malloc(n * 2 + 64);
	ck_assert_ptr_nonnull(s);
	p = s + sprintf(s, "{\"type\": \"interfaces\", \"interfaces\": [");
	for (i = 0; i < n; i++) {
		*p++ = '0';
		*p++ = ',';
	}
	strcpy(p - 1, "]}");
	dec_bad(s, DPIPC_EINVAL, "more than 1048576");
	free(s);
}
END_TEST

/* An entire-map-cache of several hundred kilobytes. */
START_TEST(large_entire_map_cache)
{
	struct dpipc_msg	 m, m2;
	struct dpipc_mapping	*v;
	char			 err[256];
	char			*t;
	size_t			 i, len, n = 5000;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_ENTIRE_MAP_CACHE;
	v = calloc(n, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	m.u.emc.v = v;
	m.u.emc.n = n;
	for (i = 0; i < n; i++) {
		v[i].iid = (uint32_t)(1000 + i % 3);
		v[i].eid.af = AF_INET6;
		v[i].eid.plen = 128;
		v[i].eid.a[0] = 0xfd;
		v[i].eid.a[14] = (uint8_t)(i >> 8);
		v[i].eid.a[15] = (uint8_t)i;
		v[i].nrlocs = 2;
		v[i].rlocs = calloc(2, sizeof(*v[i].rlocs));
		ck_assert_ptr_nonnull(v[i].rlocs);
		v[i].rlocs[0].addr.af = AF_INET;
		v[i].rlocs[0].addr.plen = 32;
		v[i].rlocs[0].addr.a[0] = 198;
		v[i].rlocs[0].addr.a[3] = (uint8_t)i;
		v[i].rlocs[0].port = 4341;
		v[i].rlocs[1] = v[i].rlocs[0];
		v[i].rlocs[1].port = (uint16_t)(40000 + i);
		v[i].rlocs[1].weight = 100;
	}
	t = dpipc_encode(&m, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_gt(len, 256 * 1024);
	ck_assert_int_eq(dpipc_decode(t, len, &m2, err, sizeof(err)), DPIPC_OK);
	ck_assert_uint_eq(m2.u.emc.n, n);
	ck_assert(dpipc_msg_equal(&m, &m2));
	dpipc_text_free(t, len);
	dpipc_msg_free(&m2);
	dpipc_msg_free(&m);
}
END_TEST

/*
 * Encoders and round trips.
 */

static void
set_addr(struct dpipc_addr *a, int af, const char *s, unsigned plen)
{
	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(dpipc_addr_parse(s, a), 0);
	ck_assert_int_eq(a->af, af);
	a->plen = (uint8_t)plen;
}

static void
set_key(struct dpipc_key *k, uint8_t id, uint8_t icv_len, uint8_t fill)
{
	k->key_id = id;
	k->suite = DPIPC_SUITE_LISPERS;
	k->key_len = 16;
	k->icv_len = icv_len;
	memset(k->key, fill, k->key_len);
	memset(k->icv, fill ^ 0xff, icv_len);
}

/*
 * RFC 8061 keys: "cipher-suite" 5 (AES-128-GCM, 32 hex) and 6
 * (ChaCha20-Poly1305, 64 hex), no "icv-key"; a string or an integer.
 */
#define K64	K32 "8899aabbccddeeff0011223344556677"
#define SKEY(id, cs, ek)	"{\"rloc\": \"192.0.2.1\", \"keys\": " \
			"[{\"key-id\": " id ", \"cipher-suite\": " cs ", " \
			"\"encrypt-key\": \"" ek "\"}]}"

START_TEST(rfc8061_keys_decode)
{
	struct dpipc_msg	 m;
	uint8_t			 k16[16], k32[32], zero[20];

	hex(K32, k16, 16);
	hex(K64, k32, 32);
	memset(zero, 0, sizeof(zero));

	dec_ok(MCR(SKEY("1", "\"5\"", K32)), &m);
	ck_assert_uint_eq(m.u.mc.rlocs[0].nkeys, 1);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].key_id, 1);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].suite,
	    DPIPC_SUITE_AES128_GCM);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].key_len, 16);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].icv_len, 0);
	ck_assert_mem_eq(m.u.mc.rlocs[0].keys[0].key, k16, 16);
	ck_assert_mem_eq(m.u.mc.rlocs[0].keys[0].key + 16, zero, 16);
	ck_assert_mem_eq(m.u.mc.rlocs[0].keys[0].icv, zero, 20);
	dpipc_msg_free(&m);

	dec_ok(MCR(SKEY("\"3\"", "6", K64)), &m);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].key_id, 3);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].suite,
	    DPIPC_SUITE_CHACHA20);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].key_len, 32);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].icv_len, 0);
	ck_assert_mem_eq(m.u.mc.rlocs[0].keys[0].key, k32, 32);
	dpipc_msg_free(&m);

	/* Without "cipher-suite": lispers.net's construction, as before. */
	dec_ok(MCR(KEY("2", K32, K40)), &m);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].suite,
	    DPIPC_SUITE_LISPERS);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].key_len, 16);
	ck_assert_uint_eq(m.u.mc.rlocs[0].keys[0].icv_len, 20);
	dpipc_msg_free(&m);

	/* decap-keys: mixed suites in one set. */
	dec_ok("{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.9\", "
	    "\"port\": 4341, \"keys\": [{\"key-id\": 1, \"cipher-suite\": 6, "
	    "\"decrypt-key\": \"" K64 "\"}, {\"key-id\": 2, \"decrypt-key\": "
	    "\"" K32 "\", \"icv-key\": \"" K40 "\"}, {\"key-id\": 3, "
	    "\"cipher-suite\": \"5\", \"decrypt-key\": \"" K32 "\"}]}", &m);
	ck_assert_uint_eq(m.u.dk.nkeys, 3);
	ck_assert_uint_eq(m.u.dk.keys[0].suite, DPIPC_SUITE_CHACHA20);
	ck_assert_mem_eq(m.u.dk.keys[0].key, k32, 32);
	ck_assert_uint_eq(m.u.dk.keys[1].suite, DPIPC_SUITE_LISPERS);
	ck_assert_uint_eq(m.u.dk.keys[1].icv_len, 20);
	ck_assert_uint_eq(m.u.dk.keys[2].suite, DPIPC_SUITE_AES128_GCM);
	ck_assert_uint_eq(m.u.dk.keys[2].key_len, 16);
	dpipc_msg_free(&m);
}
END_TEST

START_TEST(rfc8061_keys_errors)
{
	/* Key lengths follow the suite. */
	dec_bad(MCR(SKEY("1", "5", K64)), DPIPC_EINVAL,
	    "rlocs[0].keys[0]: \"encrypt-key\" has 64 hex digits, not 32");
	dec_bad(MCR(SKEY("1", "6", K32)), DPIPC_EINVAL,
	    "\"encrypt-key\" has 32 hex digits, not 64");
	dec_bad(MCR(SKEY("1", "\"6\"", K64 "00")), DPIPC_EINVAL,
	    "66 hex digits, not 64");
	dec_bad(MCR(SKEY("1", "6", "g0" K32 "112233445566778899aabbccddeeff")),
	    DPIPC_EINVAL, "\"encrypt-key\" is not hex");
	/* Other suites, including RFC 8061's 1..4 and lispers.net's 0. */
	dec_bad(MCR(SKEY("1", "1", K32)), DPIPC_EINVAL,
	    "\"cipher-suite\" 1 is not supported (5 AES-128-GCM or 6 "
	    "ChaCha20-Poly1305)");
	dec_bad(MCR(SKEY("1", "\"0\"", K32)), DPIPC_EINVAL,
	    "\"cipher-suite\" 0 is not supported");
	dec_bad(MCR(SKEY("1", "7", K32)), DPIPC_EINVAL,
	    "\"cipher-suite\" 7 is not supported");
	dec_bad(MCR(SKEY("1", "\"five\"", K32)), DPIPC_EINVAL,
	    "cipher-suite: \"five\" is not a decimal number");
	dec_bad(MCR(SKEY("1", "-5", K32)), DPIPC_EINVAL,
	    "cipher-suite: -5 is negative");
	dec_bad(MCR(SKEY("1", "null", K32)), DPIPC_EINVAL,
	    "cipher-suite: null where a number is expected");
	/* An AEAD key has no ICV key. */
	dec_bad(MCR("{\"rloc\": \"192.0.2.1\", \"keys\": [{\"key-id\": 1, "
	    "\"cipher-suite\": 5, \"encrypt-key\": \"" K32 "\", "
	    "\"icv-key\": \"" K40 "\"}]}"), DPIPC_EINVAL,
	    "rlocs[0].keys[0]: \"icv-key\" with \"cipher-suite\" 5 (an AEAD "
	    "suite has no ICV key)");
	dec_bad("{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.1\", "
	    "\"keys\": [{\"key-id\": 1, \"cipher-suite\": \"6\", "
	    "\"decrypt-key\": \"" K64 "\", \"icv-key\": 7}]}", DPIPC_EINVAL,
	    "\"icv-key\" with \"cipher-suite\" 6");
	dec_bad("{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.1\", "
	    "\"keys\": [{\"key-id\": 1, \"cipher-suite\": 6}]}", DPIPC_EINVAL,
	    "keys[0]: no \"decrypt-key\"");
	/* Suite 0 (absent) still requires its ICV key. */
	dec_bad(MCR("{\"rloc\": \"192.0.2.1\", \"keys\": [{\"key-id\": 1, "
	    "\"encrypt-key\": \"" K32 "\"}]}"), DPIPC_EINVAL,
	    "no \"icv-key\"");
}
END_TEST

START_TEST(rfc8061_keys_roundtrip)
{
	struct dpipc_msg	 m, m2;
	struct dpipc_rloc	 r[1];
	struct json_object	*o;
	char			*t;
	size_t			 len;

	memset(&m, 0, sizeof(m));
	memset(r, 0, sizeof(r));
	m.type = DPIPC_MAP_CACHE;
	m.u.mc.iid = 7;
	set_addr(&m.u.mc.eid, AF_INET, "10.1.0.0", 16);
	set_addr(&r[0].addr, AF_INET, "192.0.2.1", 32);
	r[0].port = 4341;
	r[0].nkeys = 3;
	r[0].keys[0].key_id = 1;
	r[0].keys[0].suite = DPIPC_SUITE_AES128_GCM;
	r[0].keys[0].key_len = 16;
	memset(r[0].keys[0].key, 0xc5, 16);
	r[0].keys[1].key_id = 2;
	r[0].keys[1].suite = DPIPC_SUITE_CHACHA20;
	r[0].keys[1].key_len = 32;
	memset(r[0].keys[1].key, 0x6c, 32);
	set_key(&r[0].keys[2], 3, 16, 0x33);
	m.u.mc.rlocs = r;
	m.u.mc.nrlocs = 1;
	o = roundtrip(&m);
	jstr(o, "rlocs.0.keys.0.cipher-suite", "5");
	jstr(o, "rlocs.0.keys.0.encrypt-key",
	    "c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5");
	ck_assert(!json_object_object_get_ex(jget(o, "rlocs.0.keys.0"),
	    "icv-key", NULL));
	jstr(o, "rlocs.0.keys.1.cipher-suite", "6");
	jstr(o, "rlocs.0.keys.1.encrypt-key",
	    "6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c"
	    "6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c6c");
	ck_assert(!json_object_object_get_ex(jget(o, "rlocs.0.keys.1"),
	    "icv-key", NULL));
	/* lispers.net's keys keep their form: no "cipher-suite". */
	ck_assert(!json_object_object_get_ex(jget(o, "rlocs.0.keys.2"),
	    "cipher-suite", NULL));
	jstr(o, "rlocs.0.keys.2.icv-key", "cccccccccccccccccccccccccccccccc");
	json_object_put(o);

	/* The suite and the key bytes are part of equality. */
	t = dpipc_encode(&m, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(dpipc_decode(t, len, &m2, NULL, 0), DPIPC_OK);
	dpipc_text_free(t, len);
	m2.u.mc.rlocs[0].keys[1].suite = DPIPC_SUITE_AES128_GCM;
	ck_assert(!dpipc_msg_equal(&m, &m2));
	m2.u.mc.rlocs[0].keys[1].suite = DPIPC_SUITE_CHACHA20;
	ck_assert(dpipc_msg_equal(&m, &m2));
	m2.u.mc.rlocs[0].keys[1].key[31] ^= 1;
	ck_assert(!dpipc_msg_equal(&m, &m2));
	dpipc_msg_free(&m2);

	/* decap-keys, suite 6. */
	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_KEYS;
	set_addr(&m.u.dk.rloc, AF_INET6, "2001:db8::9", 128);
	m.u.dk.port = 40000;
	m.u.dk.nkeys = 1;
	m.u.dk.keys[0].key_id = 2;
	m.u.dk.keys[0].suite = DPIPC_SUITE_CHACHA20;
	m.u.dk.keys[0].key_len = 32;
	memset(m.u.dk.keys[0].key, 0x01, 32);
	o = roundtrip(&m);
	jstr(o, "keys.0.cipher-suite", "6");
	jstr(o, "keys.0.decrypt-key",
	    "0101010101010101010101010101010101010101010101010101010101010101");
	json_object_put(o);

	/* Inconsistent structs are not encoded. */
	m.u.dk.keys[0].key_len = 16;
	ck_assert_ptr_null(dpipc_encode(&m, &len));
	m.u.dk.keys[0].key_len = 32;
	m.u.dk.keys[0].icv_len = 16;
	ck_assert_ptr_null(dpipc_encode(&m, &len));
	m.u.dk.keys[0].icv_len = 0;
	m.u.dk.keys[0].suite = 4;
	ck_assert_ptr_null(dpipc_encode(&m, &len));
	m.u.dk.keys[0].suite = DPIPC_SUITE_AES128_GCM;
	ck_assert_ptr_null(dpipc_encode(&m, &len));
	m.u.dk.keys[0].key_len = 16;
	t = dpipc_encode(&m, &len);
	ck_assert_ptr_nonnull(t);
	dpipc_text_free(t, len);
	dpipc_msg_free(&m);
}
END_TEST

/*
 * decap-keys with "keys": [] (our extension: delete the entry of that
 * rloc) decodes as nkeys 0 and comes back out as an empty array; the
 * array itself stays required.
 */
START_TEST(decap_keys_empty_deletes)
{
	struct dpipc_msg	 a, m;
	struct json_object	*o, *v;

	dec_ok("{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.9\", "
	    "\"keys\": []}", &a);
	ck_assert_int_eq(a.type, DPIPC_DECAP_KEYS);
	ck_addr(&a.u.dk.rloc, AF_INET, "192.0.2.9", 32);
	ck_assert_uint_eq(a.u.dk.port, 0);
	ck_assert_uint_eq(a.u.dk.nkeys, 0);
	dpipc_msg_free(&a);
	dec_bad("{\"type\": \"decap-keys\", \"rloc\": \"192.0.2.9\"}",
	    DPIPC_EINVAL, "no \"keys\"");

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_KEYS;
	set_addr(&m.u.dk.rloc, AF_INET6, "2001:db8::9", 128);
	o = roundtrip(&m);
	ck_assert(json_object_object_get_ex(o, "keys", &v));
	ck_assert(json_object_is_type(v, json_type_array));
	ck_assert_uint_eq(json_object_array_length(v), 0);
	ck_assert(!json_object_object_get_ex(o, "port", &v));
	json_object_put(o);
	dpipc_msg_free(&m);
}
END_TEST

START_TEST(roundtrip_map_cache)
{
	struct dpipc_msg	 m;
	struct dpipc_rloc	 r[3];
	struct json_object	*o;

	memset(&m, 0, sizeof(m));
	memset(r, 0, sizeof(r));
	m.type = DPIPC_MAP_CACHE;
	m.u.mc.iid = 4294967295u;
	set_addr(&m.u.mc.eid, AF_INET, "10.1.0.5", 32);
	set_addr(&r[0].addr, AF_INET6, "2001:db8::1", 128);
	r[0].port = 61000;
	r[0].priority = 255;
	r[0].weight = 255;
	r[0].nkeys = 2;
	set_key(&r[0].keys[0], 1, 20, 0xa5);
	set_key(&r[0].keys[1], 3, 16, 0x5a);
	set_addr(&r[1].addr, AF_INET, "192.0.2.1", 32);
	r[1].port = 4341;
	m.u.mc.rlocs = r;
	m.u.mc.nrlocs = 2;
	o = roundtrip(&m);
	/* lispers.net's value types (compat 1.3). */
	jstr(o, "opcode", "add");
	jstr(o, "instance-id", "4294967295");
	jstr(o, "eid-prefix", "10.1.0.5/32");
	jstr(o, "rlocs.0.rloc", "2001:db8::1");
	jstr(o, "rlocs.0.priority", "255");
	jstr(o, "rlocs.0.weight", "255");
	jstr(o, "rlocs.0.port", "61000");
	jstr(o, "rlocs.0.keys.0.key-id", "1");
	jstr(o, "rlocs.0.keys.0.encrypt-key", "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5");
	jstr(o, "rlocs.0.keys.0.icv-key",
	    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
	jstr(o, "rlocs.0.keys.1.icv-key", "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5");
	ck_assert(!json_object_object_get_ex(jget(o, "rlocs.1"), "keys", NULL));
	json_object_put(o);

	/* Delete, IPv6 prefix, MAC, multicast. */
	m.u.mc.opcode = DPIPC_OP_DELETE;
	set_addr(&m.u.mc.eid, AF_INET6, "fd00::", 8);
	m.u.mc.nrlocs = 0;
	o = roundtrip(&m);
	jstr(o, "opcode", "delete");
	jstr(o, "eid-prefix", "fd00::/8");
	ck_assert_uint_eq(json_object_array_length(jget(o, "rlocs")), 0);
	json_object_put(o);

	m.u.mc.opcode = DPIPC_OP_ADD;
	set_addr(&m.u.mc.eid, DPIPC_AF_MAC, "0001-0002-00ab", 48);
	m.u.mc.multicast = 1;
	m.u.mc.nrlocs = 3;
	set_addr(&r[2].addr, AF_INET6, "dfdf::2", 128);
	r[2].port = 4341;
	o = roundtrip(&m);
	jstr(o, "eid-prefix", "0001-0002-00ab/48");
	jstr(o, "rles.2.rle", "dfdf::2");
	ck_assert(!json_object_object_get_ex(o, "rlocs", NULL));
	ck_assert(!json_object_object_get_ex(jget(o, "rles.0"), "priority",
	    NULL));
	json_object_put(o);

	/* Content the decoder would refuse does not encode. */
	r[1].port = 0;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));
	r[1].port = 4341;
	r[1].addr.plen = 24;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));
	r[1].addr.plen = 32;
	r[0].keys[1].key_id = 0;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));
	r[0].keys[1].key_id = 2;
	m.u.mc.eid.plen = 49;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));
	sodium_memzero(r, sizeof(r));
}
END_TEST

START_TEST(roundtrip_lists_and_scalars)
{
	struct dpipc_msg	 m;
	struct dpipc_dbmapping	 d[2];
	struct dpipc_iface	 f[2];
	struct dpipc_mapping	 e[2];
	struct json_object	*o;

	memset(&m, 0, sizeof(m));
	memset(d, 0, sizeof(d));
	memset(f, 0, sizeof(f));
	memset(e, 0, sizeof(e));

	m.type = DPIPC_DATABASE_MAPPINGS;
	d[0].iid = 1001;
	set_addr(&d[0].eid, AF_INET, "198.51.100.32", 28);
	d[1].iid = 0;
	set_addr(&d[1].eid, AF_INET6, "2001:db8:1000::3", 128);
	m.u.dbm.v = d;
	m.u.dbm.n = 2;
	o = roundtrip(&m);
	jstr(o, "database-mappings.0.instance-id", "1001");
	jstr(o, "database-mappings.0.eid-prefix", "198.51.100.32/28");
	jstr(o, "database-mappings.1.eid-prefix", "2001:db8:1000::3/128");
	json_object_put(o);
	m.u.dbm.n = 0;
	json_object_put(roundtrip(&m));

	m.type = DPIPC_INTERFACES;
	strcpy(f[0].name, "bn1");
	f[0].iid = 1001;
	strcpy(f[1].name, "a\"b\\c-15-chars");
	f[1].iid = 7;
	m.u.ifs.v = f;
	m.u.ifs.n = 2;
	o = roundtrip(&m);
	jstr(o, "interfaces.0.interface", "bn1");
	jstr(o, "interfaces.0.instance-id", "1001");
	jstr(o, "interfaces.1.interface", "a\"b\\c-15-chars");
	json_object_put(o);
	strcpy(f[1].name, "");
	ck_assert_ptr_null(dpipc_encode(&m, NULL));

	m.type = DPIPC_ENTIRE_MAP_CACHE;
	set_addr(&e[0].eid, AF_INET, "10.0.0.0", 8);
	e[1].iid = 3;
	e[1].opcode = DPIPC_OP_DELETE;
	set_addr(&e[1].eid, AF_INET, "0.0.0.0", 0);
	m.u.emc.v = e;
	m.u.emc.n = 2;
	o = roundtrip(&m);
	jstr(o, "entries.0.type", "map-cache");
	jstr(o, "entries.1.eid-prefix", "0.0.0.0/0");
	json_object_put(o);
	m.u.emc.n = 0;
	o = roundtrip(&m);
	ck_assert_uint_eq(json_object_array_length(jget(o, "entries")), 0);
	json_object_put(o);

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_ETR_NAT_PORT;
	m.u.port = 61002;
	o = roundtrip(&m);
	jint(o, "port", 61002);		/* an integer, not a string */
	json_object_put(o);
	m.type = DPIPC_ITR_CRYPTO_PORT;
	m.u.port = 1;
	o = roundtrip(&m);
	jint(o, "port", 1);
	json_object_put(o);
	m.u.port = 0;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_XTR_PARAMETERS;
	m.u.xp.present = DPIPC_XP_CP_LOGGING | DPIPC_XP_RTR;
	m.u.xp.value = DPIPC_XP_RTR;
	o = roundtrip(&m);
	ck_assert(json_object_is_type(jget(o, "rtr"), json_type_boolean));
	ck_assert(json_object_get_boolean(jget(o, "rtr")));
	ck_assert(!json_object_get_boolean(jget(o,
	    "control-plane-logging")));
	ck_assert(!json_object_object_get_ex(o, "data-plane-logging", NULL));
	json_object_put(o);

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_RESTART;
	o = roundtrip(&m);
	ck_assert_int_eq(json_object_object_length(o), 1);
	json_object_put(o);

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_KEYS;
	set_addr(&m.u.dk.rloc, AF_INET, "203.0.113.7", 32);
	m.u.dk.port = 51234;
	m.u.dk.nkeys = 1;
	set_key(&m.u.dk.keys[0], 1, 20, 0x11);
	o = roundtrip(&m);
	jstr(o, "rloc", "203.0.113.7");
	jstr(o, "port", "51234");
	jstr(o, "keys.0.decrypt-key", "11111111111111111111111111111111");
	ck_assert(!json_object_object_get_ex(jget(o, "keys.0"), "encrypt-key",
	    NULL));
	json_object_put(o);
	m.u.dk.port = 0;
	o = roundtrip(&m);
	ck_assert(!json_object_object_get_ex(o, "port", NULL));
	json_object_put(o);
	dpipc_msg_free(&m);
}
END_TEST

START_TEST(roundtrip_dp_to_cp)
{
	struct dpipc_msg	 m;
	struct dpipc_stat_entry	 e;
	struct dpipc_stat_rloc	 r[2];
	struct json_object	*o;
	size_t			 i;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DISCOVERY;
	strcpy(m.u.disc.interface, "bn1");
	m.u.disc.has_source = m.u.disc.has_dest = 1;
	set_addr(&m.u.disc.source, AF_INET, "198.51.100.33", 32);
	set_addr(&m.u.disc.dest, AF_INET6, "2001:db8:1000::77", 128);
	o = roundtrip(&m);
	/* An IPv4 EID goes out as the /32 host, in dotted-quad form. */
	jstr(o, "source-eid", "198.51.100.33");
	jstr(o, "dest-eid", "2001:db8:1000::77");
	jstr(o, "interface", "bn1");
	ck_assert(!json_object_object_get_ex(o, "instance-id", NULL));
	json_object_put(o);
	/* Not as a prefix: a /24 "EID" is refused, not sent as a host. */
	m.u.disc.source.plen = 24;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));
	m.u.disc.source.plen = 32;
	strcpy(m.u.disc.interface, "");
	m.u.disc.has_iid = 1;
	m.u.disc.iid = -1;
	m.u.disc.has_source = 0;
	o = roundtrip(&m);
	jstr(o, "instance-id", "-1");
	jstr(o, "interface", "");
	ck_assert(!json_object_object_get_ex(o, "source-eid", NULL));
	json_object_put(o);
	m.u.disc.iid = -2;
	ck_assert_ptr_null(dpipc_encode(&m, NULL));

	memset(&m, 0, sizeof(m));
	memset(&e, 0, sizeof(e));
	memset(r, 0, sizeof(r));
	m.type = DPIPC_STATISTICS;
	o = roundtrip(&m);
	/* Never null (compat 3, item 3). */
	ck_assert(json_object_is_type(jget(o, "entries"), json_type_array));
	json_object_put(o);
	e.iid = 1001;
	set_addr(&e.eid, AF_INET, "198.51.100.48", 28);
	set_addr(&r[0].rloc, AF_INET, "192.0.2.4", 32);
	r[0].c.packets = 3;
	r[0].c.bytes = 252;
	r[0].c.secs_last = 1;
	set_addr(&r[1].rloc, AF_INET6, "2001:db8::4", 128);
	r[1].c.packets = UINT64_MAX;
	e.rlocs = r;
	e.nrlocs = 2;
	m.u.stats.v = &e;
	m.u.stats.n = 1;
	o = roundtrip(&m);
	jstr(o, "entries.0.instance-id", "1001");
	jstr(o, "entries.0.eid-prefix", "198.51.100.48/28");
	jstr(o, "entries.0.rlocs.0.rloc", "192.0.2.4");
	jint(o, "entries.0.rlocs.0.packet-count", 3);
	jint(o, "entries.0.rlocs.0.byte-count", 252);
	jint(o, "entries.0.rlocs.0.seconds-last-packet", 1);
	jint(o, "entries.0.rlocs.1.packet-count", UINT64_MAX);
	json_object_put(o);

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_STATISTICS;
	m.u.ds.present = (1u << DPIPC_DS_MAX) - 1;
	for (i = 0; i < DPIPC_DS_MAX; i++) {
		m.u.ds.c[i].packets = i;
		m.u.ds.c[i].bytes = i * 100;
		m.u.ds.c[i].secs_last = i + 7;
	}
	o = roundtrip(&m);
	/* The seven names, spelt as lispers.net indexes them. */
	jint(o, "good-packets.packet-count", 0);
	jint(o, "ICV-error.byte-count", 100);
	jint(o, "checksum-error.seconds-last-packet", 9);
	jint(o, "lisp-header-error.packet-count", 3);
	jint(o, "no-decrypt-key.packet-count", 4);
	jint(o, "bad-inner-version.packet-count", 5);
	jint(o, "outer-header-error.byte-count", 600);
	ck_assert_int_eq(json_object_object_length(o), 8);
	json_object_put(o);
	m.u.ds.present = 1u << DPIPC_DS_NO_DECRYPT_KEY;
	o = roundtrip(&m);
	ck_assert_int_eq(json_object_object_length(o), 2);
	ck_assert_int_eq(json_object_object_length(jget(o, "no-decrypt-key")),
	    3);
	json_object_put(o);
}
END_TEST

/* Every counter the data path reports to lispers.net has a slot here. */
START_TEST(decap_stat_names)
{
	const char	*name;
	int		 d, i, found;

	for (d = 0; d < DP_DROP_MAX; d++) {
		if ((name = dp_drop_decap_stat((enum dp_drop)d)) == NULL)
			continue;
		for (found = 0, i = 0; i < DPIPC_DS_MAX; i++)
			if (strcmp(name, dpipc_dstat_name((enum dpipc_dstat)i))
			    == 0)
				found = 1;
		ck_assert_msg(found, "%s", name);
	}
	ck_assert_ptr_null(dpipc_dstat_name(DPIPC_DS_MAX));
	ck_assert_ptr_null(dpipc_type_name(DPIPC_TYPE_MAX));
}
END_TEST

/*
 * The statistics splitter.
 */

struct collect {
	size_t			 ndgrams;
	size_t			 maxseen;
	size_t			 n;		/* entries gathered */
	struct dpipc_stat_entry	 v[4096];
	struct dpipc_msg	 msgs[512];
	int			 fail_at;	/* emit fails on this one */
};

static int
collect(const char *s, size_t len, void *arg)
{
	struct collect		*c = arg;
	struct dpipc_msg	*m = &c->msgs[c->ndgrams];
	struct json_object	*o;
	char			 err[256];
	size_t			 i;

	if (c->fail_at >= 0 && (size_t)c->fail_at == c->ndgrams)
		return -1;
	ck_assert_uint_eq(strlen(s), len);
	ck_assert_uint_lt(c->ndgrams, 512);
	if (len > c->maxseen)
		c->maxseen = len;
	o = json_tokener_parse(s);
	ck_assert_msg(o != NULL, "not JSON: %s", s);
	ck_assert(json_object_is_type(jget(o, "entries"), json_type_array));
	json_object_put(o);
	ck_assert_int_eq(dpipc_decode(s, len, m, err, sizeof(err)), DPIPC_OK);
	ck_assert_int_eq(m->type, DPIPC_STATISTICS);
	for (i = 0; i < m->u.stats.n; i++) {
		ck_assert_uint_lt(c->n, 4096);
		c->v[c->n++] = m->u.stats.v[i];
	}
	c->ndgrams++;
	return 0;
}

static void
collect_free(struct collect *c)
{
	size_t	 i;

	for (i = 0; i < c->ndgrams; i++)
		dpipc_msg_free(&c->msgs[i]);
}

/* Union of the datagrams' entries == input, an entry's RLOCs in order. */
static void
ck_union(const struct collect *c, const struct dpipc_stat_entry *in, size_t n)
{
	size_t	 i, j = 0, k, r;

	for (i = 0; i < n; i++) {
		r = 0;
		do {
			ck_assert_uint_lt(j, c->n);
			ck_assert_uint_eq(c->v[j].iid, in[i].iid);
			ck_assert(addr_same(&c->v[j].eid, &in[i].eid));
			for (k = 0; k < c->v[j].nrlocs; k++, r++) {
				ck_assert_uint_lt(r, in[i].nrlocs);
				ck_assert(addr_same(&c->v[j].rlocs[k].rloc,
				    &in[i].rlocs[r].rloc));
				ck_assert(memcmp(&c->v[j].rlocs[k].c,
				    &in[i].rlocs[r].c, sizeof(in[i].rlocs[r].c))
				    == 0);
			}
			j++;
		} while (r < in[i].nrlocs);
	}
	ck_assert_uint_eq(j, c->n);
}

START_TEST(statistics_split)
{
	static struct collect	 c;
	struct dpipc_stat_entry	*in;
	struct dpipc_stat_rloc	*r;
	size_t			 i, k, n = 1000, nr = 0;
	int			 rc;

	in = calloc(n, sizeof(*in));
	r = calloc(n * 3, sizeof(*r));
	ck_assert(in != NULL && r != NULL);
	for (i = 0; i < n; i++) {
		in[i].iid = (uint32_t)(i % 5 == 0 ? 4294967295u : 1000 + i);
		if (i % 2 == 0) {
			in[i].eid.af = AF_INET;
			in[i].eid.plen = i % 4 == 0 ? 32 : 24;
			in[i].eid.a[0] = 10;
			in[i].eid.a[2] = (uint8_t)(i >> 8);
			in[i].eid.a[3] = (uint8_t)i;
		} else {
			in[i].eid.af = AF_INET6;
			in[i].eid.plen = 128;
			memset(in[i].eid.a, 0xfd, 16);
			in[i].eid.a[15] = (uint8_t)i;
		}
		in[i].rlocs = &r[nr];
		in[i].nrlocs = i % 4;		/* 0..3 RLOCs */
		for (k = 0; k < in[i].nrlocs; k++, nr++) {
			r[nr].rloc.af = k == 1 ? AF_INET : AF_INET6;
			r[nr].rloc.plen = k == 1 ? 32 : 128;
			memset(r[nr].rloc.a, 0x20 + (int)k, 16);
			r[nr].rloc.a[3] = (uint8_t)i;
			r[nr].c.packets = UINT64_MAX - i;
			r[nr].c.bytes = UINT64_MAX / 3 + i;
			r[nr].c.secs_last = i * 1000000007ull;
		}
	}
	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	rc = dpipc_encode_statistics(in, n, DPIPC_DP_MAXLEN, collect, &c);
	ck_assert_int_eq(rc, (int)c.ndgrams);
	ck_assert_uint_gt(c.ndgrams, 20);
	ck_assert_uint_lt(c.maxseen, 4000);
	ck_assert_uint_eq(c.n, n);		/* no entry had to be split */
	ck_union(&c, in, n);
	/* The datagrams are reasonably full. */
	ck_assert_uint_gt(c.maxseen, 3600);
	collect_free(&c);

	/* One entry of 255 IPv6 RLOCs: split, same prefix in each part. */
	in[1].nrlocs = 255;
	in[1].rlocs = r;
	for (k = 0; k < 255; k++) {
		r[k].rloc.af = AF_INET6;
		r[k].rloc.plen = 128;
		memset(r[k].rloc.a, 0xab, 16);
		r[k].rloc.a[15] = (uint8_t)k;
	}
	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	rc = dpipc_encode_statistics(&in[1], 1, DPIPC_DP_MAXLEN, collect, &c);
	ck_assert_int_gt(rc, 8);
	ck_assert_uint_lt(c.maxseen, 4000);
	ck_assert_uint_eq(c.n, (size_t)rc);
	ck_union(&c, &in[1], 1);
	collect_free(&c);

	/* A small limit still works. */
	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	rc = dpipc_encode_statistics(in, 100, 512, collect, &c);
	ck_assert_int_gt(rc, 0);
	ck_assert_uint_le(c.maxseen, 512);
	ck_union(&c, in, 100);
	collect_free(&c);

	/* Empty: one message with "entries": []. */
	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	ck_assert_int_eq(dpipc_encode_statistics(NULL, 0, DPIPC_DP_MAXLEN,
	    collect, &c), 1);
	ck_assert_uint_eq(c.n, 0);
	collect_free(&c);

	/* An emit failure stops it; bad arguments are refused. */
	memset(&c, 0, sizeof(c));
	c.fail_at = 2;
	ck_assert_int_eq(dpipc_encode_statistics(in, n, DPIPC_DP_MAXLEN,
	    collect, &c), -1);
	ck_assert_uint_eq(c.ndgrams, 2);
	collect_free(&c);
	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	ck_assert_int_eq(dpipc_encode_statistics(in, n, 511, collect, &c), -1);
	in[0].eid.plen = 33;
	ck_assert_int_eq(dpipc_encode_statistics(in, n, DPIPC_DP_MAXLEN,
	    collect, &c), -1);
	collect_free(&c);
	free(r);
	free(in);
}
END_TEST

/* The defect of the old data plane: an IPv4 /32 reported as /128. */
struct firstdg {
	char	 text[4096];
};

static int
first_dgram(const char *s, size_t len, void *arg)
{
	struct firstdg	*f = arg;

	ck_assert_uint_lt(len, sizeof(f->text));
	memcpy(f->text, s, len + 1);
	return 0;
}

START_TEST(statistics_ipv4_prefix)
{
	struct dpipc_stat_entry	 e;
	struct firstdg		 f;
	struct json_object	*o;

	memset(&e, 0, sizeof(e));
	e.iid = 1001;
	set_addr(&e.eid, AF_INET, "10.1.0.7", 32);
	ck_assert_int_eq(dpipc_encode_statistics(&e, 1, DPIPC_DP_MAXLEN,
	    first_dgram, &f), 1);
	o = json_tokener_parse(f.text);
	jstr(o, "entries.0.eid-prefix", "10.1.0.7/32");
	jstr(o, "entries.0.instance-id", "1001");
	ck_assert_uint_eq(json_object_array_length(jget(o, "entries.0.rlocs")),
	    0);
	json_object_put(o);
}
END_TEST

START_TEST(addr_forms)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
	} t[] = {
		{ "10.1.0.5/32", "10.1.0.5/32" },
		{ "10.1.0.5", "10.1.0.5/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "10.1.2.3/8", "10.1.2.3/8" },		/* host bits kept */
		{ "FD00:0::1/128", "fd00::1/128" },
		{ "::/0", "::/0" },
		{ "::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128" },
		{ "0001-0002-0003/48", "0001-0002-0003/48" },
		{ "FFFF-ffff-FFFF", "ffff-ffff-ffff/48" },
		{ "10.1.0.5/33", NULL },
		{ "10.1.0.5/", NULL },
		{ "/8", NULL },
		{ "01.1.0.5/8", NULL },
		{ "1.2.3/24", NULL },
		{ "0001-0002-0003-0004/48", NULL },
		{ "0001:0002:0003/48", NULL },
		{ "000g-0002-0003/48", NULL },
		{ "2001:db8::1::2", NULL },
		{ "2001:db8::1/1280", NULL },
		{ "10.1.0.5/+8", NULL },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaa/8", NULL },
	};
	struct dpipc_addr	 a;
	char			 buf[DPIPC_ADDRSTRLEN];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].out == NULL) {
			ck_assert_msg(dpipc_addr_parse(t[i].in, &a) == -1,
			    "%s accepted", t[i].in);
			continue;
		}
		ck_assert_msg(dpipc_addr_parse(t[i].in, &a) == 0, "%s",
		    t[i].in);
		ck_assert_int_gt(dpipc_addr_fmt(&a, 1, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, t[i].out);
	}
	/* Too small an output buffer. */
	ck_assert_int_eq(dpipc_addr_parse("2001:db8::1", &a), 0);
	ck_assert_int_eq(dpipc_addr_fmt(&a, 1, buf, 8), -1);
	ck_assert_int_eq(dpipc_addr_fmt(&a, 0, buf, sizeof(buf)), 11);
}
END_TEST

START_TEST(free_wipes)
{
	struct dpipc_msg	 m;
	static const uint8_t	 zero[sizeof(m)];

	/* Free accepts NULL, a zeroed and an already freed message. */
	dpipc_msg_free(NULL);
	memset(&m, 0, sizeof(m));
	dpipc_msg_free(&m);
	dec_ok(con[5].json, &m);			/* decap-keys */
	ck_assert_uint_eq(m.u.dk.nkeys, 1);
	dpipc_msg_free(&m);
	/* Inline keys are gone with the message. */
	ck_assert_mem_eq(&m, zero, sizeof(m));
	dpipc_msg_free(&m);
	dpipc_text_free(NULL, 0);
}
END_TEST

static Suite *
dpipc_suite(void)
{
	Suite	*s = suite_create("dpipc");
	TCase	*tc;

	tc = tcase_create("vectors");
	tcase_add_test(tc, observed_all_decode);
	tcase_add_test(tc, observed_fields);
	tcase_add_test(tc, observed_truncated);
	tcase_add_test(tc, constructed_all_decode);
	tcase_add_test(tc, constructed_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, string_or_integer);
	tcase_add_test(tc, unknown_type);
	tcase_add_test(tc, list_skips_bad_element);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, nul_and_nesting);
	tcase_add_test(tc, huge_arrays);
	tcase_add_test(tc, large_entire_map_cache);
	tcase_add_test(tc, addr_forms);
	tcase_add_test(tc, free_wipes);
	tcase_add_test(tc, rfc8061_keys_decode);
	tcase_add_test(tc, rfc8061_keys_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, roundtrip_map_cache);
	tcase_add_test(tc, roundtrip_lists_and_scalars);
	tcase_add_test(tc, roundtrip_dp_to_cp);
	tcase_add_test(tc, decap_stat_names);
	tcase_add_test(tc, statistics_split);
	tcase_add_test(tc, statistics_ipv4_prefix);
	tcase_add_test(tc, rfc8061_keys_roundtrip);
	tcase_add_test(tc, decap_keys_empty_deletes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;
	size_t	 i;

	nobs = load("tests/data/ipc/observed.txt", obs, 3);
	ncon = load("tests/data/ipc/constructed.txt", con, 1);
	sr = srunner_create(dpipc_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (i = 0; i < nobs; i++)
		free(obs[i].json);
	for (i = 0; i < ncon; i++)
		free(con[i].json);
	return failed == 0 ? 0 : 1;
}
