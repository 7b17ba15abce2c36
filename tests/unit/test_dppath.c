/* SPDX-License-Identifier: ISC */
/*
 * dp_itr_burst() against dp_itr_frame(): the daemon's workers send their
 * captured batches through the burst (lookups together, prefetches ahead
 * of the finish pass), lisp-replay and the golden replays through the
 * one-packet function.  dp_path.h promises the same outcome, output and
 * counters; here both run the same mixed traffic (IPv4 and IPv6 inner
 * packets, hits on entries with 1-4 RLOCs of both families, negative
 * entries, Send-Map-Request entries and misses into the miss queue,
 * foreign sources, inner packets that are not IP, batches of 1 to 150 frames)
 * from the same nonce seed, and every emitted packet, every path counter
 * and every entry's packet and byte counters must be equal.
 */
#include <sys/socket.h>

#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "dbmap.h"
#include "dp_path.h"
#include "dp_tables.h"
#include "lisp_net.h"
#include "log.h"
#include "mapcache.h"
#include "pkt.h"
#include "testutil.h"

#define IID		7
#define NPFX4		300
#define NPFX6		100
#define NPKT		4000
#define PKTMAX		128

struct out_rec {
	int		 af;
	int		 oif;
	uint8_t		 dst[16];
	size_t		 len;
	uint8_t		 data[PKTMAX + 100];
};

struct sink {
	uint8_t		 slot[2][DP_SLOT_SIZE];
	struct out_rec	*rec;
	size_t		 n, cap;
	unsigned int	 resolves;
};

struct world {
	struct mapcache	*mc;
	struct dp_path	*p;
	struct sink	 sk;
};

static uint64_t		 rng;
static struct dp_tables	 tab;
static struct dp_ifinfo	 ifi;
static struct mapcache_prefix pfx4[NPFX4], pfx6[NPFX6];
static uint8_t		*frames;
static size_t		 flen[NPKT];

static uint64_t
rnd(void)
{
	return tu_xorshift(&rng);
}

static uint8_t *
io_slot(void *arg, int af)
{
	struct sink	*sk = arg;

	return sk->slot[af == AF_INET6];
}

static void
io_emit(void *arg, int af, const uint8_t *dst, int oif, const uint8_t *data,
    size_t len)
{
	struct sink	*sk = arg;
	struct out_rec	*r;

	if (sk->n == sk->cap) {
		sk->cap = sk->cap ? 2 * sk->cap : 1024;
		sk->rec = realloc(sk->rec, sk->cap * sizeof(*sk->rec));
		ck_assert_ptr_nonnull(sk->rec);
	}
	ck_assert_uint_le(len, sizeof(r->data));
	r = &sk->rec[sk->n++];
	memset(r, 0, sizeof(*r));
	r->af = af;
	r->oif = oif;
	memcpy(r->dst, dst, af == AF_INET ? 4 : 16);
	r->len = len;
	memcpy(r->data, data, len);
}

static void
io_resolve(void *arg, uint32_t iid, uint8_t afi, const uint8_t *src,
    const uint8_t *dst, unsigned int ci)
{
	struct sink	*sk = arg;

	(void)iid;
	(void)afi;
	(void)src;
	(void)dst;
	(void)ci;
	sk->resolves++;
}

/* An RLOC set of 1-4 RLOCs, some IPv6, weights unequal or equal. */
static size_t
rlocs(struct mapcache_rloc *r)
{
	size_t	 n = 1 + rnd() % 4, k;

	memset(r, 0, 4 * sizeof(*r));
	for (k = 0; k < n; k++) {
		if (rnd() % 4 == 0) {
			r[k].afi = MAPCACHE_AF_IPV6;
			r[k].addr[0] = 0x20;
			r[k].addr[1] = 0x01;
			r[k].addr[2] = 0x0d;
			r[k].addr[3] = 0xb8;
			r[k].addr[15] = (uint8_t)(1 + rnd() % 200);
		} else {
			r[k].afi = MAPCACHE_AF_IPV4;
			r[k].addr[0] = 198;
			r[k].addr[1] = 51;
			r[k].addr[2] = 100;
			r[k].addr[3] = (uint8_t)(1 + rnd() % 200);
		}
		r[k].priority = 1;
		r[k].weight = (uint8_t)(rnd() % 2 ? 50 : 1 + rnd() % 100);
		r[k].up = 1;
		r[k].key_slot = MAPCACHE_NO_KEY;
	}
	return n;
}

static void
fill(struct mapcache *mc)
{
	struct mapcache_rloc	 r[4];
	uint64_t		 save = rng;
	size_t			 i, n;
	uint8_t			 st;

	/* The same sequence for both map-caches. */
	rng = 0x1234567;
	for (i = 0; i < NPFX4 + NPFX6; i++) {
		const struct mapcache_prefix *p = i < NPFX4 ? &pfx4[i] :
		    &pfx6[i - NPFX4];

		switch (rnd() % 10) {
		case 0:
			st = MAPCACHE_NEG_DROP;
			break;
		case 1:
			st = MAPCACHE_NEG_NATIVE;
			break;
		case 2:
			st = MAPCACHE_NEG_SEND_MR;
			break;
		default:
			st = MAPCACHE_POSITIVE;
			break;
		}
		n = st == MAPCACHE_POSITIVE ? rlocs(r) : 0;
		ck_assert_int_eq(mapcache_insert(mc, p, st, 600, n ? r : NULL,
		    n, 0), 0);
	}
	rng = save;
}

/* Prefixes: IPv4 /16 .. /32 in 10.0.0.0/8, IPv6 /32 .. /128 in 2001:db8::/32. */
static void
prefixes(void)
{
	size_t	 i;

	for (i = 0; i < NPFX4; i++) {
		memset(&pfx4[i], 0, sizeof(pfx4[i]));
		pfx4[i].iid = IID;
		pfx4[i].afi = MAPCACHE_AF_IPV4;
		pfx4[i].plen = (uint8_t)(i % 3 == 0 ? 16 : i % 3 == 1 ? 24 :
		    32);
		pfx4[i].addr[0] = 10;
		pfx4[i].addr[1] = (uint8_t)(i % 50);
		pfx4[i].addr[2] = (uint8_t)rnd();
		pfx4[i].addr[3] = (uint8_t)rnd();
	}
	for (i = 0; i < NPFX6; i++) {
		memset(&pfx6[i], 0, sizeof(pfx6[i]));
		pfx6[i].iid = IID;
		pfx6[i].afi = MAPCACHE_AF_IPV6;
		pfx6[i].plen = (uint8_t)(i % 2 == 0 ? 48 : 128);
		pfx6[i].addr[0] = 0x20;
		pfx6[i].addr[1] = 0x01;
		pfx6[i].addr[2] = 0x0d;
		pfx6[i].addr[3] = 0xb8;
		pfx6[i].addr[4] = (uint8_t)(i % 20);
		memset(pfx6[i].addr + 5, (int)(i & 0xff), 11);
		pfx6[i].addr[15] = (uint8_t)rnd();
	}
}

/* An inner UDP packet of len bytes into p; returns len. */
static size_t
mkpkt(uint8_t *p, int v6, const uint8_t *src, const uint8_t *dst, size_t len)
{
	uint16_t	 ck;
	size_t		 ih = v6 ? 40 : 20;

	memset(p, 0, len);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
	} else {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		ck = lisp_net_cksum(p, 20);
		p[10] = (uint8_t)(ck >> 8);
		p[11] = (uint8_t)ck;
	}
	p[ih] = (uint8_t)rnd();
	p[ih + 1] = (uint8_t)rnd();
	p[ih + 2] = 0x10;
	p[ih + 3] = 0xf6;
	p[ih + 4] = (uint8_t)((len - ih) >> 8);
	p[ih + 5] = (uint8_t)(len - ih);
	return len;
}

static void
traffic(void)
{
	uint8_t		 src[16], dst[16];
	size_t		 i, len;
	unsigned int	 x;
	int		 v6;

	frames = calloc(NPKT, PKTMAX);
	ck_assert_ptr_nonnull(frames);
	for (i = 0; i < NPKT; i++) {
		uint8_t *p = frames + i * PKTMAX;

		x = (unsigned int)(rnd() % 100);
		v6 = x >= 70;
		len = (v6 ? 48 : 28) + rnd() % 64;
		memset(src, 0, sizeof(src));
		memset(dst, 0, sizeof(dst));
		if (v6) {
			memcpy(dst, pfx6[rnd() % NPFX6].addr, 16);
			dst[15] ^= (uint8_t)(rnd() % 2);
			src[0] = 0x20;
			src[1] = 0x01;
			src[2] = 0x0d;
			src[3] = 0xb8;
			src[4] = 0xff;	/* 2001:db8:ff00::/40 is local */
			src[15] = (uint8_t)rnd();
		} else {
			memcpy(dst, pfx4[rnd() % NPFX4].addr, 4);
			dst[3] ^= (uint8_t)(rnd() % 4);
			if (x < 5)		/* nothing covers 11/8: miss */
				dst[0] = 11;
			src[0] = 192;
			src[2] = 2;
			src[3] = (uint8_t)(1 + rnd() % 250);
		}
		if (x % 17 == 3)	/* not a local source */
			src[v6 ? 4 : 0] ^= 0x40;
		flen[i] = mkpkt(p, v6, src, dst, len);
		if (x == 42)		/* not IP at all */
			p[0] = 0x20;
	}
}

static void
world_new(struct world *w)
{
	struct mapcache_config	 mcc;
	struct dp_path_io	 io;

	memset(w, 0, sizeof(*w));
	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = 1;
	ck_assert_ptr_nonnull(w->mc = mapcache_new(&mcc));
	fill(w->mc);
	memset(&io, 0, sizeof(io));
	io.slot = io_slot;
	io.emit = io_emit;
	io.resolve = io_resolve;
	io.arg = &w->sk;
	ck_assert_ptr_nonnull(w->p = dp_path_new(w->mc, 0, &io));
	w->p->t = &tab;
	w->p->now = 1000000000ULL;
}

static void
world_free(struct world *w)
{
	dp_path_free(w->p);
	mapcache_free(w->mc);
	free(w->sk.rec);
}

static void
setup(void)
{
	uint8_t	 net4[4] = { 192, 0, 2, 0 };
	uint8_t	 net6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff };
	uint8_t	 key[16];

	log_setquiet(1);
	rng = 0x9e3779b97f4a7c15ULL;
	memset(key, 0x42, sizeof(key));
	pkt_flow_hash_setkey(key);
	rcu_register_thread();
	rcu_thread_offline();
	memset(&tab, 0, sizeof(tab));
	ck_assert_ptr_nonnull(tab.db = dbmap_new());
	ck_assert_int_eq(dbmap_add(tab.db, IID, AF_INET, net4, 24), 0);
	ck_assert_int_eq(dbmap_add(tab.db, IID, AF_INET6, net6, 40), 0);
	memset(&ifi, 0, sizeof(ifi));
	ifi.iid = IID;
	ifi.has_iid = 1;
	tab.ifs = &ifi;
	tab.nifs = 1;
	tab.src4[0] = 203;
	tab.src4[2] = 113;
	tab.src4[3] = 1;
	tab.has_src4 = 1;
	tab.src6[0] = 0x20;
	tab.src6[1] = 0x01;
	tab.src6[2] = 0x0d;
	tab.src6[3] = 0xb8;
	tab.src6[15] = 1;
	tab.has_src6 = 1;
	prefixes();
	traffic();
}

static void
teardown(void)
{
	free(frames);
	dbmap_free(tab.db);
	rcu_unregister_thread();
}

/*
 * min: the fewest packets a must have emitted (the traffic is mostly
 * good); mixed: the traffic has foreign sources and non-IP frames too.
 */
static void
compare(struct world *a, struct world *b, size_t min, int mixed)
{
	struct mapcache_counters ca, cb;
	const struct mapcache_entry *ea, *eb;
	size_t			 i;
	unsigned int		 k;

	ck_assert_uint_gt(a->sk.n, min);
	ck_assert_uint_eq(a->sk.n, b->sk.n);
	for (i = 0; i < a->sk.n; i++) {
		const struct out_rec *x = &a->sk.rec[i], *y = &b->sk.rec[i];

		ck_assert_msg(x->af == y->af && x->oif == y->oif &&
		    x->len == y->len && memcmp(x->dst, y->dst, 16) == 0 &&
		    memcmp(x->data, y->data, x->len) == 0,
		    "output %zu differs", i);
	}
	ck_assert_uint_eq(a->sk.resolves, b->sk.resolves);
	for (k = 0; k < DPC_MAX; k++)
		ck_assert_msg(dp_path_counter(a->p, k) ==
		    dp_path_counter(b->p, k), "counter %s: %llu != %llu",
		    dp_ctr_name(k),
		    (unsigned long long)dp_path_counter(a->p, k),
		    (unsigned long long)dp_path_counter(b->p, k));
	ck_assert_uint_gt(dp_path_counter(a->p, DPC_ITR_PACKETS), min);
	ck_assert_uint_gt(dp_path_counter(a->p, DPC_QUEUED), 0);
	ck_assert_uint_gt(dp_path_counter(a->p, DP_DROP_NEGATIVE), 0);
	if (mixed) {
		ck_assert_uint_gt(dp_path_counter(a->p,
		    DP_DROP_SOURCE_NOT_LOCAL), 0);
		ck_assert_uint_gt(dp_path_counter(a->p, DP_DROP_BAD_INNER),
		    0);
	} else {
		ck_assert_uint_eq(dp_path_counter(a->p,
		    DP_DROP_SOURCE_NOT_LOCAL), 0);
		ck_assert_uint_eq(dp_path_counter(a->p, DP_DROP_BAD_INNER),
		    0);
	}
	for (i = 0; i < NPFX4 + NPFX6; i++) {
		const struct mapcache_prefix *p = i < NPFX4 ? &pfx4[i] :
		    &pfx6[i - NPFX4];

		ea = mapcache_find(a->mc, p);
		eb = mapcache_find(b->mc, p);
		if (ea == NULL) {
			/* A duplicate prefix replaced an earlier one. */
			ck_assert_ptr_null(eb);
			continue;
		}
		ck_assert_ptr_nonnull(eb);
		mapcache_counters(a->mc, ea, &ca, NULL);
		mapcache_counters(b->mc, eb, &cb, NULL);
		ck_assert_uint_eq(ca.packets, cb.packets);
		ck_assert_uint_eq(ca.bytes, cb.bytes);
	}
}

/* The frames idx[0 .. cnt) one at a time into a, in bursts into b. */
static void
run_both(struct world *a, struct world *b, const size_t *idx, size_t cnt)
{
	struct dp_frame		 f[150];
	size_t			 i, k, n;

	pkt_rand_seed(77);
	for (i = 0; i < cnt; i++)
		dp_itr_frame(a->p, 0, DLT_RAW, frames + idx[i] * PKTMAX,
		    flen[idx[i]], flen[idx[i]]);
	pkt_rand_seed(77);
	for (i = 0; i < cnt; i += n) {
		/* 1 .. 150: single frames, short, full and split batches. */
		n = 1 + rnd() % 150;
		if (n > cnt - i)
			n = cnt - i;
		for (k = 0; k < n; k++) {
			f[k].data = frames + idx[i + k] * PKTMAX;
			f[k].caplen = f[k].len = (uint32_t)flen[idx[i + k]];
		}
		dp_itr_burst(b->p, 0, DLT_RAW, f, (unsigned int)n);
	}
}

/*
 * The frames idx[0..cnt) through two worlds, one frame at a time and in
 * bursts, compared (at least cnt / 2 packets out; mixed as for compare()).
 */
static void
burst_vs_frames(const size_t *idx, size_t cnt, int mixed)
{
	struct world		 a, b;

	world_new(&a);
	world_new(&b);
	rcu_thread_online();
	run_both(&a, &b, idx, cnt);
	compare(&a, &b, cnt / 2, mixed);
	rcu_thread_offline();
	world_free(&a);
	world_free(&b);
}

START_TEST(test_burst_equals_frames)
{
	static size_t		 idx[NPKT];
	size_t			 i;

	for (i = 0; i < NPKT; i++)
		idx[i] = i;
	burst_vs_frames(idx, NPKT, 1);
}
END_TEST

/*
 * The same with the IPv4 frames from local sources alone: bursts of only
 * good IPv4 packets, which dp_itr_burst() looks up straight into packet
 * order (hits, misses, negative entries still mixed).
 */
START_TEST(test_burst_equals_frames_v4)
{
	static size_t		 idx[NPKT];
	size_t			 i, cnt = 0;
	const uint8_t		*q;

	for (i = 0; i < NPKT; i++) {
		q = frames + i * PKTMAX;
		if (q[0] >> 4 == 4 && q[12] == 192)
			idx[cnt++] = i;
	}
	ck_assert_uint_gt(cnt, NPKT / 2);
	burst_vs_frames(idx, cnt, 0);
}
END_TEST

static Suite *
dppath_suite(void)
{
	Suite	*s = suite_create("dppath");
	TCase	*tc = tcase_create("burst");

	/*
	 * Check's default of 4 s is too short under ASan (2-7 s there,
	 * most of it mapping the map-cache's reservations), also when run
	 * without `make sanitize`'s CK_TIMEOUT_MULTIPLIER.
	 */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_burst_equals_frames);
	tcase_add_test(tc, test_burst_equals_frames_v4);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(dppath_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
