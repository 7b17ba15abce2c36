/* SPDX-License-Identifier: ISC */
/*
 * Map-cache concurrency stress: two worker threads look up, select RLOCs
 * and count without locks while the control thread inserts, replaces,
 * deletes, expires, evicts, flips RLOC states and walks.  Readers check
 * that every entry they get is consistent (its prefix covers the address,
 * its iid and family match, its RLOC set belongs to it), which catches
 * torn publication and early reuse.
 *
 * Run normally in `make check`, and under ThreadSanitizer by `make tsan`
 * (tests/sh/mapcache_tsan.sh).  liburcu is not instrumented, so TSan
 * cannot see its grace periods; mapcache.c makes the ordering visible
 * with release/acquire pairs (see gc_cb()), so no suppressions are used.
 * MAPCACHE_STRESS_MS sets the duration (default 1500 ms).
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "mapcache.h"
#include "testutil.h"

#define NIID	3
#define NBIG	1200	/* static prefixes per family in iid NIID */

static struct mapcache *mc;
static int stop;
static unsigned long lookups[2], hits[2];

static int
covers(const uint8_t *p, unsigned plen, const uint8_t *a)
{
	unsigned i;

	for (i = 0; i < plen / 8; i++)
		if (p[i] != a[i])
			return 0;
	return plen % 8 == 0 || ((p[i] ^ a[i]) & (0xff00 >> (plen % 8))) == 0;
}

/*
 * Addresses come from a small space so that lookups hit: IPv4
 * 10.0.x.y and IPv6 2001:db8::x:y with x, y < 32.
 */
static void
mkaddr(uint64_t r, int v6, uint8_t *a)
{
	memset(a, 0, 16);
	if (v6) {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[13] = r % 32;
		a[15] = (r >> 8) % 32;
		if (r & 0x10000)
			a[15] |= 0x80;
	} else {
		a[0] = 10;
		a[2] = r % 32;
		a[3] = (r >> 8) % 32;
		if (r & 0x10000)
			a[3] |= 0x80;
	}
}

/*
 * Prefix j (a /24 or /48) of the big table in iid NIID, or an address
 * in it (host bits from h).
 */
static void
mkbig(unsigned j, int v6, uint64_t h, uint8_t *a)
{
	memset(a, 0, 16);
	if (v6) {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[4] = 0x80 | ((j >> 8) & 0x7f);
		a[5] = j & 0xff;
		a[15] = h;
	} else {
		a[0] = 10;
		a[1] = 0x80 | ((j >> 8) & 0x3f);
		a[2] = j & 0xff;
		a[3] = h;
	}
}

static void
burst_check(uint32_t iid, int v6, const uint8_t *a, uint64_t x)
{
	const struct mapcache_entry *res[8];
	const uint8_t *ap[8];
	uint8_t b[8][16];
	unsigned j;

	for (j = 0; j < 8; j++) {
		if (j == x % 8)
			memcpy(b[j], a, 16);
		else if (iid == NIID)
			mkbig((x >> (8 + j)) % NBIG, v6, x >> (40 + j), b[j]);
		else
			mkaddr(x >> (8 + j), v6, b[j]);
		ap[j] = b[j];
	}
	mapcache_lookup_burst(mc, iid, v6 ? MAPCACHE_AF_IPV6 :
	    MAPCACHE_AF_IPV4, ap, 8, res);
	for (j = 0; j < 8; j++) {
		if (res[j] == NULL)
			continue;
		ck_assert_uint_eq(mapcache_entry_iid(res[j]), iid);
		ck_assert_uint_eq(res[j]->afi, v6 ? MAPCACHE_AF_IPV6 :
		    MAPCACHE_AF_IPV4);
		ck_assert(covers(res[j]->eid, res[j]->plen, b[j]));
	}
}

static void *
worker(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg, i;
	const struct mapcache_entry *e;
	struct mapcache_use u;
	const struct mapcache_rloc *r;
	uint64_t s = 0x1234567 + w;
	uint8_t a[16];
	uint32_t iid;
	int v6, k, j, tries;

	rcu_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < 64; i++) {
			uint64_t x = tu_xorshift(&s);

			v6 = x & 1;
			iid = (x >> 1) % (NIID + 1);
			if (iid == NIID)
				mkbig((x >> 8) % NBIG, v6, x >> 40, a);
			else
				mkaddr(x >> 8, v6, a);
			/*
			 * Every 16th address also through the burst lookup,
			 * among 7 others of the same table: its answer must
			 * cover its address as well (the writer may change
			 * the answer between the two calls).
			 */
			if (i % 16 == 0)
				burst_check(iid, v6, a, x);
			e = mapcache_lookup(mc, iid, v6 ? MAPCACHE_AF_IPV6 :
			    MAPCACHE_AF_IPV4, a);
			lookups[w]++;
			if (e == NULL)
				continue;
			hits[w]++;
			ck_assert_uint_eq(mapcache_entry_iid(e), iid);
			ck_assert_uint_eq(e->afi, v6 ? MAPCACHE_AF_IPV6 :
			    MAPCACHE_AF_IPV4);
			ck_assert(covers(e->eid, e->plen, a));
			k = mapcache_rloc_select(e, (uint32_t)x);
			if (e->state != MAPCACHE_POSITIVE) {
				ck_assert_int_eq(k, -1);
				ck_assert_ptr_null(mapcache_entry_rlocs(e));
			} else {
				ck_assert_uint_ge(mapcache_rloc_count(e), 1);
				/* The writer tags RLOCs with the entry's plen. */
				r = mapcache_rloc_get(e, 0);
				ck_assert_uint_eq(r->addr[2], e->plen);
				if (k >= 0)
					ck_assert_uint_lt(k,
					    mapcache_rloc_count(e));
			}
			if (w & 1) {
				/*
				 * Odd workers count through mapcache_use(),
				 * whose state and set come from their own
				 * cells once counted: they must still be
				 * the entry's while ids are reused.
				 */
				mapcache_use(mc, w, e, &u);
				ck_assert_uint_eq(u.state, e->state);
				ck_assert_ptr_eq(u.set,
				    mapcache_entry_rlocs(e));
				/*
				 * The writer flips RLOC states (every 64 of
				 * its operations), which may change the
				 * choice between the two calls: on a
				 * difference, both again, back to back, a
				 * bounded number of times (a real mismatch
				 * differs every time).
				 */
				j = mapcache_use_select(&u, (uint32_t)x);
				for (tries = 0; j != k && tries < 64;
				    tries++) {
					k = mapcache_rloc_select(e,
					    (uint32_t)x);
					j = mapcache_use_select(&u,
					    (uint32_t)x);
				}
				ck_assert_int_eq(j, k);
				mapcache_use_count(mc, w, &u, k, 100);
			} else
				mapcache_count(mc, w, e, k, 100);
		}
		mapcache_quiescent(mc, w);
	}
	rcu_unregister_thread();
	return NULL;
}

static int
walk_cb(const struct mapcache_entry *e, void *arg)
{
	unsigned *n = arg;

	ck_assert(e->plen <= 128);
	(*n)++;
	return 0;
}

static long
env_ms(void)
{
	const char *s = getenv("MAPCACHE_STRESS_MS");

	return s != NULL ? atol(s) : 1500;
}

START_TEST(stress)
{
	struct mapcache_config cf = { 2, 300, 1u << 16 };
	struct mapcache_rloc rl[3];
	struct mapcache_prefix p;
	struct mapcache_cursor cur = { 0 };
	struct mapcache_info info;
	struct timespec t0, t;
	pthread_t th[2];
	uint64_t s = 42, x;
	uint32_t now = 1;
	unsigned i, walked = 0, ops = 0, big = 0, bigdone = ~0u - 128;
	long ms = env_ms();

	rcu_register_thread();
	rcu_thread_offline();
	mc = mapcache_new(&cf);
	ck_assert_ptr_nonnull(mc);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker,
		    (void *)(uintptr_t)i), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		x = tu_xorshift(&s);
		/*
		 * A static table in one more iid, filled while the workers
		 * look it up, so that its direct arrays are rebuilt wider
		 * (at 512 prefixes) under their feet; later emptied again.
		 * Four changes per round: the writer is slow under TSan.
		 */
		for (i = 0; i < 4 && (big < 2 * NBIG ||
		    (ops >= bigdone + 128 && big < 4 * NBIG)); i++, big++) {
			memset(&p, 0, sizeof(p));
			p.iid = NIID;
			p.afi = big & 1 ? MAPCACHE_AF_IPV6 : MAPCACHE_AF_IPV4;
			p.plen = big & 1 ? 48 : 24;
			mkbig((big % (2 * NBIG)) / 2, big & 1, 0, p.addr);
			memset(&rl[0], 0, sizeof(rl[0]));
			rl[0].afi = MAPCACHE_AF_IPV4;
			rl[0].addr[0] = 192;
			rl[0].addr[2] = p.plen;
			rl[0].priority = 1;
			rl[0].weight = 10;
			rl[0].up = 1;
			if (big < 2 * NBIG)
				ck_assert_int_eq(mapcache_insert(mc, &p,
				    MAPCACHE_POSITIVE, 1, rl, 1,
				    MAPCACHE_F_STATIC), 0);
			else
				ck_assert_int_eq(mapcache_delete(mc, &p), 0);
			if (big == 2 * NBIG - 1)
				bigdone = ops;
		}
		memset(&p, 0, sizeof(p));
		p.iid = (x >> 1) % NIID;
		p.afi = x & 1 ? MAPCACHE_AF_IPV6 : MAPCACHE_AF_IPV4;
		mkaddr(x >> 8, x & 1, p.addr);
		p.plen = (x & 1 ? 96 : 0) + (x >> 32) % 33;
		switch ((x >> 40) % 8) {
		case 0:
		case 1:
			(void)mapcache_delete(mc, &p);
			break;
		case 2:
			ck_assert_int_eq(mapcache_insert(mc, &p,
			    1 + (x >> 48) % 4, (x >> 52) % 4, NULL, 0, 0), 0);
			break;
		default:
			for (i = 0; i < 3; i++) {
				memset(&rl[i], 0, sizeof(rl[i]));
				rl[i].afi = MAPCACHE_AF_IPV4;
				rl[i].addr[0] = 192;
				rl[i].addr[1] = 0;
				rl[i].addr[2] = p.plen;
				rl[i].addr[3] = i + (x >> 56) % 4;
				rl[i].priority = 1 + i % 2;
				rl[i].weight = 10;
				rl[i].up = 1;
			}
			ck_assert_int_eq(mapcache_insert(mc, &p,
			    MAPCACHE_POSITIVE, 1 + (x >> 50) % 5, rl,
			    1 + (x >> 58) % 3, (x >> 61) == 0 ?
			    MAPCACHE_F_STATIC : 0), 0);
			break;
		}
		if (++ops % 64 == 0) {
			uint8_t ra[4] = { 192, 0, 33, (x >> 20) % 8 };

			ra[2] = (x >> 24) % 33;
			(void)mapcache_rloc_state(mc, MAPCACHE_AF_IPV4, ra,
			    (x >> 23) & 1);
			if (!mapcache_walk(mc, &cur, 50, walk_cb, &walked))
				cur.next_id = 0;
		}
		if (ops % 512 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			(void)mapcache_expire(mc, ++now, 0);
			if ((t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000 > ms &&
			    big == 4 * NBIG)
				break;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	mapcache_info(mc, &info);
	ck_assert_uint_gt(lookups[0], 1000);
	ck_assert_uint_gt(lookups[1], 1000);
	ck_assert_uint_gt(hits[0] + hits[1], 100);
	ck_assert_uint_gt(info.evictions + info.expirations, 0);
	ck_assert_uint_gt(walked, 0);
	ck_assert_uint_eq(big, 4 * NBIG);	/* the big table came and went */
	mapcache_free(mc);
	rcu_unregister_thread();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mapcache_stress");
	TCase *tc = tcase_create("stress");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stress);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
