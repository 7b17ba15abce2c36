/* SPDX-License-Identifier: ISC */
/*
 * Map-cache benchmark: 1M IPv4 and 1M IPv6 EID-prefixes with a BGP-like
 * length mix, random lookups, insert/delete rates, memory per prefix, and
 * the same lookups on a textbook path-compressed binary (Patricia) trie
 * built from the same prefixes, as the baseline.  Every lookup result is
 * cross-checked against the Patricia trie (mismatches are printed).
 *
 * Output: "name: value unit" lines.  Fixed seed; figures are wall-clock.
 *
 * Prefix mix (generated here, unique prefixes):
 *   IPv4, under 32768 random allocated /16s: 1% /8-/15, 9% /16-/20,
 *         15% /21-/23, 60% /24, 15% /32 hosts.
 *   IPv6, under 4096 random /32s in 2000::/3: 3% /32-/44, 40% /48,
 *         12% /56, 30% /64, 15% /128 hosts.
 * Lookup addresses: 90% inside a random table prefix (random host bits,
 * so deeper prefixes may match), 10% uniformly random (IPv6: in 2000::/3).
 *
 * Lookup figures, ns per lookup:
 *   lookup_ns          one mapcache_lookup() call per address, in a loop;
 *                      the calls are independent (no call's address
 *                      depends on an earlier result), as in published
 *                      LPM benchmarks, so the CPU may overlap them as far
 *                      as the walk's branches let it.  Same method as
 *                      before the branch-free IPv4 walk: the code got
 *                      faster, the figure did not change meaning.
 *   lookup_chained_ns  the same calls, each address index depending on
 *                      the previous result (a data dependency the
 *                      compiler cannot see through): latency, no overlap.
 *   lookup_burst32_ns  mapcache_lookup_burst() on 32 addresses at a time,
 *                      as a data-plane worker calls it.
 * speedup_vs_patricia uses lookup_ns (Patricia, one at a time, is timed
 * the same way).
 *
 * BENCH_MAPCACHE_PROFILE=v4 or v6[:N]: for callgrind and cachegrind
 * only.  Builds that family's table alone (the same prefixes and
 * addresses as the full run), then makes one pass of
 * mapcache_lookup_burst() 32 at a time over the 1M addresses, each
 * result checked against mapcache_lookup() (mismatches printed, exit
 * 1), and exits: no Patricia trie, no timing, no other figure.  v6:N
 * with N = 2^12..2^19 builds N IPv6 prefixes under N / 256 /32s (the
 * bench's density) instead of 1M (callgrind spends most of a full run
 * in the inserts).  With --collect-atstart=no
 * --toggle-collect=lookup_burst64_bmi2 (v6: lookup_burst_bmi2; on a
 * CPU without BMI2 both: lookup_burst_popcnt) callgrind counts the
 * burst code alone; divide by 1,048,576 for a lookup.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "mapcache.h"

#define NPFX		(1u << 20)	/* 1,048,576 per family */
#define NLOOK		(1u << 20)
#define SLICES		128		/* timing slices of NLOOK / 128 */
#define ROUNDS		384		/* each slice 9 times */

static uint64_t rng = 0x2545f4914f6cdd1dULL;

/* IPv6 prefixes and /32 blocks (BENCH_MAPCACHE_PROFILE=v6:N shrinks them). */
static unsigned v6_npfx = NPFX, v6_blocks = 4096;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct pfx {
	uint64_t	 hi, lo;
	uint8_t		 plen;
};

static void
mask(uint64_t *hi, uint64_t *lo, unsigned b)
{
	if (b == 0)
		*hi = *lo = 0;
	else if (b < 64) {
		*hi &= ~0ULL << (64 - b);
		*lo = 0;
	} else if (b == 64)
		*lo = 0;
	else if (b < 128)
		*lo &= ~0ULL << (128 - b);
}

static void
to_bytes(uint64_t hi, uint64_t lo, uint8_t *a)
{
	int i;

	for (i = 0; i < 8; i++) {
		a[i] = hi >> (56 - 8 * i);
		a[8 + i] = lo >> (56 - 8 * i);
	}
}

/* Unique-prefix set: open addressing on (hi, lo, plen). */
static struct pfx *uset;
static size_t usize;

static int
uniq_add(const struct pfx *p)
{
	uint64_t h = (p->hi * 0x9e3779b97f4a7c15ULL) ^ (p->lo * 31) ^ p->plen;
	size_t i = (h ^ (h >> 29)) & (usize - 1);

	while (uset[i].plen != 0xff) {
		if (uset[i].hi == p->hi && uset[i].lo == p->lo &&
		    uset[i].plen == p->plen)
			return 0;
		i = (i + 1) & (usize - 1);
	}
	uset[i] = *p;
	return 1;
}

static void
gen_v4(struct pfx *v)
{
	uint32_t blocks[32768];
	unsigned i, n = 0, r, len;
	struct pfx p;

	for (i = 0; i < 32768; i++)
		blocks[i] = (1 + rnd() % 223) << 8 | (rnd() & 0xff);
	while (n < NPFX) {
		r = rnd() % 100;
		if (r < 1)
			len = 8 + rnd() % 8;
		else if (r < 10)
			len = 16 + rnd() % 5;
		else if (r < 25)
			len = 21 + rnd() % 3;
		else if (r < 85)
			len = 24;
		else
			len = 32;
		p.hi = ((uint64_t)blocks[rnd() % 32768] << 48) |
		    ((rnd() & 0xffff) << 32);
		p.lo = 0;
		p.plen = len;
		mask(&p.hi, &p.lo, len);
		if (uniq_add(&p))
			v[n++] = p;
	}
}

static void
gen_v6(struct pfx *v)
{
	uint32_t blocks[4096];
	unsigned i, n = 0, r, len;
	struct pfx p;

	for (i = 0; i < 4096; i++)
		blocks[i] = 0x20000000u | (rnd() & 0x1fffffff);
	while (n < v6_npfx) {
		r = rnd() % 100;
		if (r < 3)
			len = 32 + rnd() % 13;
		else if (r < 43)
			len = 48;
		else if (r < 55)
			len = 56;
		else if (r < 85)
			len = 64;
		else
			len = 128;
		p.hi = ((uint64_t)blocks[rnd() % v6_blocks] << 32) |
		    (rnd() & 0xffffffff);
		p.lo = rnd();
		p.plen = len;
		mask(&p.hi, &p.lo, len);
		if (uniq_add(&p))
			v[n++] = p;
	}
}

static void
gen_addrs(const struct pfx *v, int v6, uint64_t *hi, uint64_t *lo)
{
	uint64_t h, l, mh, ml;
	unsigned i;
	const struct pfx *p;

	for (i = 0; i < NLOOK; i++) {
		h = rnd();
		l = v6 ? rnd() : 0;
		if (!v6)
			h &= 0xffffffff00000000ULL;
		if (rnd() % 10 == 0) {
			if (v6)
				h = (h & ~(7ULL << 61)) | (1ULL << 61);
		} else {
			p = &v[rnd() % (v6 ? v6_npfx : NPFX)];
			mh = ~0ULL;
			ml = ~0ULL;
			mask(&mh, &ml, p->plen);
			h = (h & ~mh) | p->hi;
			l = (l & ~ml) | p->lo;
		}
		hi[i] = h;
		lo[i] = l;
	}
}

/* The baseline: a textbook path-compressed binary trie. ------------------ */

struct pat {
	uint64_t	 hi, lo;
	uint8_t		 plen;
	uint8_t		 has;
	uint32_t	 val;
	struct pat	*l, *r;
};

static size_t pat_nodes;

static unsigned
pdiff(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl)
{
	if (ah != bh)
		return __builtin_clzll(ah ^ bh);
	if (al != bl)
		return 64 + __builtin_clzll(al ^ bl);
	return 128;
}

static inline int
pbit(uint64_t hi, uint64_t lo, unsigned b)
{
	return b < 64 ? (hi >> (63 - b)) & 1 : (lo >> (127 - b)) & 1;
}

static struct pat *
pat_new(uint64_t hi, uint64_t lo, unsigned plen, int has, uint32_t val)
{
	struct pat *n = calloc(1, sizeof(*n));

	if (n == NULL)
		abort();
	mask(&hi, &lo, plen);
	n->hi = hi;
	n->lo = lo;
	n->plen = plen;
	n->has = has;
	n->val = val;
	pat_nodes++;
	return n;
}

static void
pat_insert(struct pat **pp, uint64_t hi, uint64_t lo, unsigned plen,
    uint32_t val)
{
	struct pat *n, *m, *b;
	unsigned c;

	while ((n = *pp) != NULL) {
		c = pdiff(hi, lo, n->hi, n->lo);
		if (c > plen)
			c = plen;
		if (c > n->plen)
			c = n->plen;
		if (c < n->plen) {
			if (c == plen) {	/* new node above n */
				m = pat_new(hi, lo, plen, 1, val);
				if (pbit(n->hi, n->lo, plen))
					m->r = n;
				else
					m->l = n;
				*pp = m;
				return;
			}
			b = pat_new(hi, lo, c, 0, 0);
			m = pat_new(hi, lo, plen, 1, val);
			if (pbit(hi, lo, c)) {
				b->r = m;
				b->l = n;
			} else {
				b->l = m;
				b->r = n;
			}
			*pp = b;
			return;
		}
		if (n->plen == plen) {
			n->has = 1;
			n->val = val;
			return;
		}
		pp = pbit(hi, lo, n->plen) ? &n->r : &n->l;
	}
	*pp = pat_new(hi, lo, plen, 1, val);
}

static uint32_t
pat_lookup(const struct pat *n, uint64_t hi, uint64_t lo, unsigned bits)
{
	uint32_t best = 0;

	while (n != NULL) {
		if (n->plen != 0 && pdiff(hi, lo, n->hi, n->lo) < n->plen)
			break;
		if (n->has)
			best = n->val;
		if (n->plen >= bits)
			break;
		n = pbit(hi, lo, n->plen) ? n->r : n->l;
	}
	return best;
}

/* -------------------------------------------------------------------------- */

struct fam {
	const char	*name;
	int		 v6;
	uint8_t		 afi;
	unsigned	 bits;
	struct pfx	*pfx;
	uint64_t	*hi, *lo;
	uint8_t		(*abytes)[16];
	struct pat	*pat;
	double		 mc_ns, burst_ns, pat_ns, chain_ns;
};

static void
mkprefix(const struct fam *f, const struct pfx *p, struct mapcache_prefix *mp)
{
	mp->iid = 1000;
	mp->afi = f->afi;
	mp->plen = p->plen;
	to_bytes(p->hi, p->lo, mp->addr);
}

/* Walk callback: one packet for the entry, as worker 0. */
static int
count_cb(const struct mapcache_entry *e, void *arg)
{
	mapcache_count(arg, 0, e, -1, 100);
	return 0;
}

/*
 * BENCH_MAPCACHE_PROFILE: one family's table, one pass of bursts, each
 * result checked against mapcache_lookup().
 */
static int
profile(struct mapcache *mc, struct fam *f, struct mapcache_rloc (*rl)[4])
{
	struct mapcache_prefix mp;
	const uint8_t *ap[32];
	const struct mapcache_entry *res[32];
	uint64_t sum = 0, mism = 0;
	unsigned i, j, npfx = f->v6 ? v6_npfx : NPFX;

	for (i = 0; i < npfx; i++) {
		mkprefix(f, &f->pfx[i], &mp);
		if (mapcache_insert(mc, &mp, MAPCACHE_POSITIVE, 86400,
		    rl[i % 64], 1 + i % 4, 0) == -1) {
			perror("mapcache_insert");
			return 1;
		}
	}
	for (i = 0; i < NLOOK; i += 32) {
		for (j = 0; j < 32; j++)
			ap[j] = f->abytes[i + j];
		mapcache_lookup_burst(mc, 1000, f->afi, ap, 32, res);
		for (j = 0; j < 32; j++) {
			sum += res[j] != NULL ? res[j]->plen : 0;
			if (res[j] != mapcache_lookup(mc, 1000, f->afi, ap[j]))
				mism++;
		}
	}
	printf("profile.%s.prefixes: %u count\n", f->name, npfx);
	printf("profile.%s.lookups: %u count\n", f->name, NLOOK);
	printf("profile.%s.plen_sum: %llu\n", f->name,
	    (unsigned long long)sum);
	printf("mapcache.lpm_mismatches: %llu count\n",
	    (unsigned long long)mism);
	mapcache_free(mc);
	rcu_unregister_thread();
	return mism == 0 ? 0 : 1;
}

int
main(void)
{
	static struct mapcache_rloc rl[64][4];
	struct mapcache_config cf = { 1, 4u << 20, 4u << 20 };
	struct mapcache_prefix mp;
	struct mapcache_info info;
	struct mapcache *mc;
	const struct mapcache_entry *e;
	struct fam fam[2] = {
		{ "v4", 0, MAPCACHE_AF_IPV4, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "v6", 1, MAPCACHE_AF_IPV6, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct fam *f;
	const char *prof = getenv("BENCH_MAPCACHE_PROFILE");
	int only = -1;
	double t0, t;
	uint64_t sum, mism = 0, patsum;
	unsigned i, j, k, pass;
	size_t patbytes;

	if (prof != NULL && *prof != '\0') {
		only = strncmp(prof, "v6", 2) == 0;
		if (only && prof[2] == ':' &&
		    (i = strtoul(prof + 3, NULL, 0)) >= 4096 && i < NPFX) {
			v6_npfx = i;
			v6_blocks = i / 256;
		}
	}
	rcu_register_thread();
	rcu_thread_offline();
	usize = 8u << 20;
	if ((uset = malloc(usize * sizeof(*uset))) == NULL)
		return 1;
	for (i = 0; i < usize; i++)
		uset[i].plen = 0xff;
	for (i = 0; i < 64; i++)
		for (j = 0; j < 4; j++) {
			memset(&rl[i][j], 0, sizeof(rl[i][j]));
			rl[i][j].afi = MAPCACHE_AF_IPV4;
			rl[i][j].addr[0] = 198;
			rl[i][j].addr[1] = 51;
			rl[i][j].addr[2] = 100;
			rl[i][j].addr[3] = i * 4 + j;
			rl[i][j].priority = j < 2 ? 1 : 2;
			rl[i][j].weight = 50;
			rl[i][j].up = 1;
			rl[i][j].key_slot = MAPCACHE_NO_KEY;
		}
	for (k = 0; k < 2; k++) {
		f = &fam[k];
		f->pfx = malloc(NPFX * sizeof(*f->pfx));
		f->hi = malloc(NLOOK * sizeof(uint64_t));
		f->lo = malloc(NLOOK * sizeof(uint64_t));
		f->abytes = malloc(NLOOK * 16);
		if (!f->pfx || !f->hi || !f->lo || !f->abytes)
			return 1;
		if (only == 0 && f->v6)
			break;	/* IPv4 alone: its data is generated first */
		if (f->v6)
			gen_v6(f->pfx);
		else
			gen_v4(f->pfx);
		gen_addrs(f->pfx, f->v6, f->hi, f->lo);
		for (i = 0; i < NLOOK; i++)
			to_bytes(f->hi[i], f->lo[i], f->abytes[i]);
	}
	free(uset);

	if ((mc = mapcache_new(&cf)) == NULL)
		return 1;
	if (only >= 0)
		return profile(mc, &fam[only], rl);
	t0 = now_s();
	for (k = 0; k < 2; k++)
		for (i = 0; i < NPFX; i++) {
			mkprefix(&fam[k], &fam[k].pfx[i], &mp);
			if (mapcache_insert(mc, &mp, MAPCACHE_POSITIVE, 86400,
			    rl[i % 64], 1 + i % 4, 0) == -1) {
				perror("mapcache_insert");
				return 1;
			}
		}
	t = now_s() - t0;
	printf("mapcache.prefixes: %u count\n", 2 * NPFX);
	printf("mapcache.insert_per_s: %.0f ops/s\n", 2 * NPFX / t);
	mapcache_info(mc, &info);

	for (k = 0; k < 2; k++) {
		f = &fam[k];
		for (i = 0; i < NPFX; i++)
			pat_insert(&f->pat, f->pfx[i].hi, f->pfx[i].lo,
			    f->pfx[i].plen, i + 1);
	}
	patbytes = pat_nodes * sizeof(struct pat);

	/* Cross-check every lookup against the baseline. */
	for (k = 0; k < 2; k++) {
		f = &fam[k];
		for (i = 0; i < NLOOK; i++) {
			uint32_t pv = pat_lookup(f->pat, f->hi[i], f->lo[i],
			    f->bits);
			e = mapcache_lookup(mc, 1000, f->afi, f->abytes[i]);
			const uint8_t *ap = f->abytes[i];
			const struct mapcache_entry *eb;

			mapcache_lookup_burst(mc, 1000, f->afi, &ap, 1, &eb);
			if ((pv == 0) != (e == NULL) || eb != e ||
			    (e != NULL && e->plen != f->pfx[pv - 1].plen))
				mism++;
		}
	}

	/*
	 * Timing.  The VM is shared, so load from other jobs comes and goes
	 * within a run: the three methods take turns on short slices
	 * (NLOOK / SLICES = 8192 lookups, a few ms, shorter than a
	 * scheduler time slice), ROUNDS times over, and each keeps its
	 * fastest slice.  Interleaving gives all three the same chance of a
	 * quiet moment; the minimum is the figure least disturbed by other
	 * jobs.  In one round the methods use different slices, and a slice
	 * comes back only SLICES / 3 rounds later, so that no method runs on
	 * addresses whose trie path another method has just pulled into the
	 * cache.
	 */
	for (k = 0; k < 2; k++) {
		double mc_b = 1e9, bu_b = 1e9, pa_b = 1e9, ch_b = 1e9;
		unsigned lo, hi, dep;

		f = &fam[k];
		sum = 0;
		patsum = 0;
		for (pass = 0; pass < ROUNDS; pass++) {
			lo = ((pass * 3) % SLICES) * (NLOOK / SLICES);
			hi = lo + NLOOK / SLICES;
			t0 = now_s();
			for (i = lo; i < hi; i++) {
				e = mapcache_lookup(mc, 1000, f->afi,
				    f->abytes[i]);
				/* The pointer only: the entry is not read. */
				sum += (uintptr_t)e;
			}
			t = (now_s() - t0) * 1e9 / (hi - lo);
			if (t < mc_b)
				mc_b = t;
			/* Batches of 32, as a data-plane worker would. */
			lo = ((pass * 3 + 1) % SLICES) * (NLOOK / SLICES);
			hi = lo + NLOOK / SLICES;
			t0 = now_s();
			for (i = lo; i < hi; i += 32) {
				const uint8_t *ap[32];
				const struct mapcache_entry *res[32];

				for (j = 0; j < 32; j++)
					ap[j] = f->abytes[i + j];
				mapcache_lookup_burst(mc, 1000, f->afi, ap, 32,
				    res);
				for (j = 0; j < 32; j++)
					sum += (uintptr_t)res[j];
			}
			t = (now_s() - t0) * 1e9 / (hi - lo);
			if (t < bu_b)
				bu_b = t;
			/* Patricia has no batch form: one at a time. */
			lo = ((pass * 3 + 2) % SLICES) * (NLOOK / SLICES);
			hi = lo + NLOOK / SLICES;
			t0 = now_s();
			for (i = lo; i < hi; i++)
				patsum += pat_lookup(f->pat, f->hi[i],
				    f->lo[i], f->bits);
			t = (now_s() - t0) * 1e9 / (hi - lo);
			if (t < pa_b)
				pa_b = t;
			/*
			 * Chained: entries are 8-byte aligned, so dep is 0,
			 * but the next address waits for this result.  Every
			 * fourth round only: it is the slowest method.  Slice
			 * 3 * pass + 64 was last used 107 rounds ago.
			 */
			if (pass % 4 != 0)
				continue;
			lo = ((pass * 3 + 64) % SLICES) * (NLOOK / SLICES);
			hi = lo + NLOOK / SLICES;
			dep = 0;
			t0 = now_s();
			for (i = lo; i < hi; i++) {
				e = mapcache_lookup(mc, 1000, f->afi,
				    f->abytes[i + dep]);
				dep = (uintptr_t)e & 7;
				sum += (uintptr_t)e;
			}
			t = (now_s() - t0) * 1e9 / (hi - lo);
			if (t < ch_b)
				ch_b = t;
		}
		f->mc_ns = mc_b;
		f->burst_ns = bu_b;
		f->pat_ns = pa_b;
		f->chain_ns = ch_b;
		if (sum == 0 || patsum == 0)
			printf("# checksum 0?\n");
		printf("mapcache.%s.lookup_ns: %.1f ns\n", f->name, f->mc_ns);
		printf("mapcache.%s.lookup_burst32_ns: %.1f ns\n", f->name,
		    f->burst_ns);
		printf("mapcache.%s.lookup_chained_ns: %.1f ns\n", f->name,
		    f->chain_ns);
		printf("patricia.%s.lookup_ns: %.1f ns\n", f->name, f->pat_ns);
		printf("mapcache.%s.speedup_vs_patricia: %.2f x\n", f->name,
		    f->pat_ns / f->mc_ns);
	}
	printf("mapcache.speedup_vs_patricia: %.2f x\n",
	    (fam[0].pat_ns + fam[1].pat_ns) / (fam[0].mc_ns + fam[1].mc_ns));
	printf("mapcache.burst32_speedup_vs_patricia: %.2f x\n",
	    (fam[0].pat_ns + fam[1].pat_ns) /
	    (fam[0].burst_ns + fam[1].burst_ns));
	printf("mapcache.lpm_mismatches: %llu count\n",
	    (unsigned long long)mism);
	printf("mapcache.bytes_per_prefix: %.1f bytes\n",
	    (double)(info.mem_trie + info.mem_index + info.mem_entries +
	    info.mem_timers) / info.entries);
	printf("mapcache.trie_bytes_per_prefix: %.1f bytes\n",
	    (double)info.mem_trie / info.entries);
	printf("mapcache.index_bytes_per_prefix: %.1f bytes\n",
	    (double)info.mem_index / info.entries);
	printf("mapcache.trie_arena_spare_per_prefix: %.1f bytes\n",
	    (double)info.mem_trie_spare / info.entries);
	printf("mapcache.entry_bytes_per_prefix: %.1f bytes\n",
	    (double)info.mem_entries / info.entries);
	printf("mapcache.timer_bytes_per_prefix: %.1f bytes\n",
	    (double)info.mem_timers / info.entries);
	printf("mapcache.counter_bytes_per_prefix_per_worker: %.1f bytes\n",
	    (double)info.mem_counters / info.entries / cf.workers);
	/*
	 * A worker's counter cells are allocated for the chunks of ids it
	 * counts: none above, as the lookups count nothing.  With traffic
	 * to every entry, one worker's cells cost this much more.
	 */
	{
		struct mapcache_cursor cur = { 0 };
		struct mapcache_info ci;

		while (mapcache_walk(mc, &cur, 65536, count_cb, mc))
			;
		mapcache_info(mc, &ci);
		printf("mapcache.counter_bytes_per_prefix_per_worker_all_used: "
		    "%.1f bytes\n", (double)ci.mem_counters / ci.entries /
		    cf.workers);
		printf("mapcache.bytes_per_prefix_with_1worker_counters_all_used: "
		    "%.1f bytes\n", (double)(ci.mem_trie + ci.mem_index +
		    ci.mem_entries + ci.mem_timers + ci.mem_counters /
		    cf.workers) / ci.entries);
	}
	printf("mapcache.rlocsets: %llu count\n",
	    (unsigned long long)info.rlocsets);
	printf("mapcache.rlocset_bytes_total: %llu bytes\n",
	    (unsigned long long)info.mem_rlocsets);
	printf("patricia.bytes_per_prefix: %.1f bytes\n",
	    (double)patbytes / (2 * NPFX));

	t0 = now_s();
	for (k = 0; k < 2; k++)
		for (i = 0; i < NPFX; i++) {
			mkprefix(&fam[k], &fam[k].pfx[i], &mp);
			if (mapcache_delete(mc, &mp) == -1) {
				perror("mapcache_delete");
				return 1;
			}
		}
	t = now_s() - t0;
	printf("mapcache.delete_per_s: %.0f ops/s\n", 2 * NPFX / t);
	mapcache_info(mc, &info);
	printf("mapcache.trie_bytes_after_delete: %llu bytes\n",
	    (unsigned long long)info.mem_trie);
	printf("mapcache.trie_arena_spare_after_delete: %llu bytes\n",
	    (unsigned long long)info.mem_trie_spare);
	mapcache_free(mc);
	rcu_unregister_thread();
	return mism == 0 ? 0 : 1;
}
