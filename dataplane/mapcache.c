/* SPDX-License-Identifier: ISC */
/*
 * Map-cache (see mapcache.h for the API and the threading rules).
 *
 * Longest-prefix match
 * --------------------
 * Each (instance-id, AFI) table is a path-compressed multibit trie with a
 * stride of 6 bits, so that one node's 64 slots fit the 64-bit popcount
 * tricks of Poptrie (Asai and Ohara, SIGCOMM 2015).  Nodes sit at bit
 * positions that are multiples of 6.  A prefix of length L (L > 0) lives
 * in the node at pos P = 6 * ((L - 1) / 6) on its path and covers 2^(P+6-L)
 * consecutive slots of it; /0 is a per-table field.  A node holds:
 *
 *    cvec     bit s set: slot s has a child node
 *    lvec     bit s set: a new leaf run starts at slot s (Poptrie leafvec)
 *    key      the node's bits [0, pos); a lookup whose address differs
 *             there stops (this is what makes path compression work)
 *    child[]  popcount(cvec) pointers, in slot order
 *    leaf[]   one 32-bit entry id per run: the most specific prefix of
 *             this node covering the run's slots (0: none)
 *    pfx[]    the prefixes stored in this node (writer only):
 *             id << 7 | code, code = (1 << k) | (top k slot bits), k = L - P
 *
 * A lookup walks down, remembering the last non-zero leaf id; leaves are
 * not pushed down, so an insert or delete touches the one node where the
 * prefix lives (plus, rarely, one node to add or remove a branch).
 *
 * Updates are copy-on-write: the changed node is rebuilt from its pfx[]
 * list and children into a new block, published with one release store
 * into the parent's child slot (or the table root), and the old block is
 * freed after an RCU grace period.  Readers therefore always see a whole
 * old node or a whole new one.  Our own release/acquire atomics are used
 * for publication rather than rcu_assign_pointer() so that
 * ThreadSanitizer can see the ordering.
 *
 * Entries live in a slab of fixed chunks indexed by a 32-bit id (leaves
 * store ids: 4 bytes instead of 8); per-worker counters are arrays
 * indexed by the same id.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <urcu-qsbr.h>

#include "log.h"
#include "mapcache.h"

#define CHUNK_SHIFT	12
#define CHUNK_SIZE	(1u << CHUNK_SHIFT)
#define CHUNK_MASK	(CHUNK_SIZE - 1)
#define ID_MAX		(1u << 25)	/* pfx[] packs id << 7 */
#define GRP_BUCKETS	1024
#define RING_SIZE	1024		/* LRU bump ring per worker */
#define GC_BATCH	256
#define DEFAULT_PER_IID	100000
#define DEFAULT_MAX	(1u << 22)
#define MC_F_LIVE	0x80		/* internal entry flag */
#define MAX_DEPTH	24		/* 128 / 6 + 2 */
#define ARENA_BLOCK	(2u << 20)	/* one transparent huge page */

/*
 * Under AddressSanitizer trie nodes come from malloc() so that a
 * use-after-free by a reader is still caught; otherwise from the arena.
 */
#if defined(__SANITIZE_ADDRESS__)
#define NODE_MALLOC	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NODE_MALLOC	1
#endif
#endif

#define PUBLISH(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define CONSUME(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define LOAD(p)		__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define STORE(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

struct lpm_node {
	uint64_t		 cvec;
	uint64_t		 lvec;
	uint64_t		 khi, klo;
	uint8_t			 pos;
	uint8_t			 nchild;
	uint8_t			 nleaf;
	uint8_t			 npfx;
	uint32_t		 size;
	struct lpm_node		*child[];
	/* uint32_t leaf[nleaf]; uint32_t pfx[npfx]; follow */
};

/* Largest node: 64 children, 64 leaf runs, 127 prefixes (128 codes). */
#define NODE_MAXSIZE	(sizeof(struct lpm_node) + 64 * 8 + 64 * 4 + 128 * 4)
#ifndef NODE_GRAIN
#define NODE_GRAIN	16		/* size classes of 16 bytes */
#endif
#define NODE_CLASSES	(NODE_MAXSIZE / NODE_GRAIN + 2)

/*
 * Trie nodes live in 2 MiB blocks advised as transparent huge pages: a
 * lookup at a million prefixes misses the cache on most levels, and with
 * 4 KiB pages each of those misses is also a TLB miss (a page walk that
 * itself misses).  Free nodes are kept per NODE_GRAIN size class, reused;
 * blocks are returned only by mapcache_free().  Freed nodes come back
 * from the RCU callback through `ready` (under gc_lock).
 */
struct node_arena {
	void			*free[NODE_CLASSES];
	char			*cur, *end;
	void			**blocks;
	uint32_t		 nblocks, blockcap;
	void			*ready;		/* past their grace period */
	uint64_t		 spare;		/* bytes on free lists + tail */
};

struct mc_table {
	struct lpm_node		*root;	/* pos 0, always present */
	uint32_t		 def;	/* id of the /0 entry */
	uint8_t			 bits;	/* 32, 128 or 48 */
};

struct mc_grp {
	struct mc_grp		*hnext;	/* read by workers */
	uint32_t		 iid;
	uint32_t		 idx;
	struct mc_table		 t[3];	/* IPv4, IPv6, MAC */
	uint32_t		 count;	/* non-static entries */
	uint32_t		 lru_head;	/* most recently used */
	uint32_t		 lru_tail;
};

struct mc_ctr {
	uint64_t		 pkts;
	uint64_t		 bytes;
	uint32_t		 last;
	uint32_t		 pad;
};

struct mc_sel {
	unsigned		 n;
	struct {
		uint64_t	 seed;
		double		 w;
		uint32_t	 idx;
	}			 c[];
};

struct mapcache_rlocset {
	struct mc_sel		*sel;		/* read by workers */
	struct mc_ctr		*ctr;		/* [worker] rows of rowlen */
	struct mapcache_rlocset	*hnext;		/* intern hash */
	uint64_t		 hash;
	uint32_t		 refcnt;
	uint32_t		 n;
	uint32_t		 rowlen;	/* counters per worker row */
	uint32_t		 size;
	struct mapcache_rloc	 rloc[];
};

/* One per worker, on its own cache lines. */
struct mc_worker {
	uint64_t		 epoch;		/* release-stored at quiescence */
	uint32_t		 head;		/* LRU ring producer */
	uint32_t		 drops;
	struct mc_ctr		**ctr;		/* [chunk] */
	uint32_t		*ring;
	char			 pad0[64 - 32];
	uint32_t		 tail;		/* LRU ring consumer */
	char			 pad1[64 - 4];
};

struct heap_item {
	uint32_t		 when;
	uint32_t		 id;
};

struct gc_batch {
	struct rcu_head		 rh;
	struct mapcache		*mc;
	unsigned		 nptr, nid, nnode;
	void			*ptr[GC_BATCH];
	void			*node[GC_BATCH];
	uint32_t		 id[GC_BATCH];
};

struct mapcache {
	struct mc_grp		*grp_hash[GRP_BUCKETS];	/* read by workers */
	struct mapcache_entry	**chunk;	/* [max_chunks] */
	struct mc_worker	*w;
	unsigned		 workers;
	uint32_t		 max_per_iid;
	uint32_t		 max_entries;
	uint32_t		 max_chunks;
	uint32_t		 nchunks;
	uint32_t		 now;		/* read by workers */

	struct mc_grp		**grps;
	uint32_t		 ngrps, grpcap;

	uint32_t		 next_id;	/* high-water mark */
	uint32_t		*free_ids;
	uint32_t		 nfree, freecap;

	struct heap_item	*heap;
	uint32_t		 nheap, heapcap;
	uint64_t		 nlive, nstatic;

	struct mapcache_rlocset	**set_hash;
	uint32_t		 set_buckets, nsets;

	struct gc_batch		*gc;
	struct node_arena	 na;
	uint32_t		*ready;		/* ids past their grace period */
	uint32_t		 nready, readycap;

	struct mapcache_info	 st;
};

static const uint8_t af_bits[3] = { 32, 128, 48 };

/*
 * Orders the control thread's writes before the gc callbacks (which run
 * on liburcu's call_rcu thread) and protects mc->ready.  One lock for all
 * map-caches: a callback must take it before it reads its batch.
 */
static pthread_mutex_t gc_lock = PTHREAD_MUTEX_INITIALIZER;

static int
af_index(uint8_t afi)
{
	switch (afi) {
	case MAPCACHE_AF_IPV4:
		return 0;
	case MAPCACHE_AF_IPV6:
		return 1;
	case MAPCACHE_AF_MAC:
		return 2;
	}
	return -1;
}

static inline struct mapcache_entry *
entry_of(const struct mapcache *mc, uint32_t id)
{
	return &mc->chunk[id >> CHUNK_SHIFT][id & CHUNK_MASK];
}

static inline uint64_t
be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* Address bytes -> left-aligned 128-bit key (hi, lo). */
static inline void
key_load(int ai, const uint8_t *a, uint64_t *hi, uint64_t *lo)
{
	uint32_t v4;

	switch (ai) {
	case 0:
		memcpy(&v4, a, 4);
		*hi = (uint64_t)__builtin_bswap32(v4) << 32;
		*lo = 0;
		break;
	case 1:
		*hi = be64(a);
		*lo = be64(a + 8);
		break;
	default:
		*hi = ((uint64_t)a[0] << 56) | ((uint64_t)a[1] << 48) |
		    ((uint64_t)a[2] << 40) | ((uint64_t)a[3] << 32) |
		    ((uint64_t)a[4] << 24) | ((uint64_t)a[5] << 16);
		*lo = 0;
		break;
	}
}

static void
key_store(int ai, uint64_t hi, uint64_t lo, uint8_t *a)
{
	int i;

	memset(a, 0, 16);
	for (i = 0; i < 8; i++)
		a[i] = hi >> (56 - 8 * i);
	if (ai == 1)
		for (i = 0; i < 8; i++)
			a[8 + i] = lo >> (56 - 8 * i);
	else if (ai == 0)
		memset(a + 4, 0, 4);
	else
		memset(a + 6, 0, 2);
}

static inline void
key_mask(uint64_t *hi, uint64_t *lo, unsigned bits)
{
	if (bits == 0) {
		*hi = *lo = 0;
	} else if (bits < 64) {
		*hi &= ~0ULL << (64 - bits);
		*lo = 0;
	} else if (bits == 64) {
		*lo = 0;
	} else if (bits < 128)
		*lo &= ~0ULL << (128 - bits);
}

/* The 6 bits at [p, p + 6) of the key; bits past 128 read as 0. */
static inline unsigned
bits6(uint64_t hi, uint64_t lo, unsigned p)
{
	if (p <= 58)
		return (hi >> (58 - p)) & 63;
	if (p >= 64)
		return p <= 122 ? (lo >> (122 - p)) & 63 :
		    (lo << (p - 122)) & 63;
	return ((hi << (p - 58)) | (lo >> (122 - p))) & 63;
}

/* First bit where the keys differ, 128 if equal. */
static inline unsigned
key_diff(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo)
{
	if (ahi != bhi)
		return __builtin_clzll(ahi ^ bhi);
	if (alo != blo)
		return 64 + __builtin_clzll(alo ^ blo);
	return 128;
}

static inline uint32_t *
node_leaf(const struct lpm_node *n)
{
	return (uint32_t *)(uintptr_t)(n->child + n->nchild);
}

static inline uint32_t *
node_pfx(const struct lpm_node *n)
{
	return node_leaf(n) + n->nleaf;
}

/*
 * The lookup.  `wide` is a constant at each call site so that the IPv4
 * and MAC paths compile to 64-bit arithmetic only.
 */
static inline __attribute__((always_inline)) uint32_t
lpm_lookup(const struct mc_table *t, uint64_t hi, uint64_t lo, int wide)
{
	const struct lpm_node *n;
	uint32_t best, id;
	unsigned p, s;
	uint64_t lv, cv;

	best = CONSUME(t->def);
	n = CONSUME(t->root);
	for (;;) {
		p = n->pos;
		if (!wide || p <= 64) {
			if (p != 0 && ((hi ^ n->khi) >> (64 - p)) != 0)
				break;
		} else if (hi != n->khi || ((lo ^ n->klo) >> (128 - p)) != 0)
			break;
		s = wide ? bits6(hi, lo, p) : (hi >> (58 - p)) & 63;
		lv = n->lvec;
		if (lv != 0) {
			id = node_leaf(n)[__builtin_popcountll(lv &
			    ((2ULL << s) - 1)) - 1];
			if (id != 0)
				best = id;
		}
		cv = n->cvec;
		if (((cv >> s) & 1) == 0)
			break;
		n = CONSUME(n->child[__builtin_popcountll(cv &
		    ((1ULL << s) - 1))]);
	}
	return best;
}

/* Writer side: an expanded node being edited. */
struct lpm_tmp {
	uint8_t			 pos;
	uint64_t		 khi, klo;
	unsigned		 npfx;
	struct lpm_node		*child[64];
	uint32_t		 pfx[128];
};

static void
tmp_from(struct lpm_tmp *tp, const struct lpm_node *n)
{
	unsigned s, c = 0;

	tp->pos = n->pos;
	tp->khi = n->khi;
	tp->klo = n->klo;
	for (s = 0; s < 64; s++)
		tp->child[s] = ((n->cvec >> s) & 1) ? n->child[c++] : NULL;
	tp->npfx = n->npfx;
	memcpy(tp->pfx, node_pfx(n), n->npfx * sizeof(uint32_t));
}

static void
tmp_init(struct lpm_tmp *tp, unsigned pos, uint64_t hi, uint64_t lo)
{
	memset(tp, 0, sizeof(*tp));
	tp->pos = pos;
	key_mask(&hi, &lo, pos);
	tp->khi = hi;
	tp->klo = lo;
}

/* Node memory ------------------------------------------------------------ */

static inline size_t
node_class(size_t size)
{
	return (size + NODE_GRAIN - 1) / NODE_GRAIN;
}

static struct lpm_node *
node_alloc(struct mapcache *mc, size_t size)
{
	struct node_arena *na = &mc->na;
	size_t c = node_class(size);
	void *p, *next, **nb;
	uint32_t cap;

	mc->st.mem_trie += c * NODE_GRAIN;
#ifdef NODE_MALLOC
	(void)na;
	(void)p;
	(void)next;
	(void)nb;
	(void)cap;
	if ((p = malloc(c * NODE_GRAIN)) == NULL)
		mc->st.mem_trie -= c * NODE_GRAIN;
	return p;
#else
	if (na->free[c] == NULL && LOAD(na->ready) != NULL) {
		/* Take back what the RCU callback released. */
		pthread_mutex_lock(&gc_lock);
		p = na->ready;
		STORE(na->ready, NULL);
		pthread_mutex_unlock(&gc_lock);
		for (; p != NULL; p = next) {
			size_t pc = node_class(((struct lpm_node *)p)->size);

			memcpy(&next, p, sizeof(next));
			memcpy(p, &na->free[pc], sizeof(void *));
			na->free[pc] = p;
		}
	}
	if ((p = na->free[c]) != NULL) {
		memcpy(&na->free[c], p, sizeof(void *));
		na->spare -= c * NODE_GRAIN;
		return p;
	}
	if ((size_t)(na->end - na->cur) < c * NODE_GRAIN) {
		/* The tail of the old block stays unused (counted spare). */
		if (na->nblocks == na->blockcap) {
			cap = na->blockcap ? na->blockcap * 2 : 16;
			if ((nb = realloc(na->blocks, cap * sizeof(*nb))) ==
			    NULL)
				goto fail;
			na->blocks = nb;
			na->blockcap = cap;
		}
		if (posix_memalign(&p, ARENA_BLOCK, ARENA_BLOCK) != 0)
			goto fail;
		(void)madvise(p, ARENA_BLOCK, MADV_HUGEPAGE);
		na->blocks[na->nblocks++] = p;
		na->cur = p;
		na->end = na->cur + ARENA_BLOCK;
		na->spare += ARENA_BLOCK;
		mc->st.mem_other += sizeof(void *);
	}
	p = na->cur;
	na->cur += c * NODE_GRAIN;
	na->spare -= c * NODE_GRAIN;
	return p;
 fail:
	mc->st.mem_trie -= c * NODE_GRAIN;
	return NULL;
#endif
}

/* Free a node no reader can see (never published, or at teardown). */
static void
node_free_now(struct mapcache *mc, struct lpm_node *n)
{
	size_t c = node_class(n->size);

	mc->st.mem_trie -= c * NODE_GRAIN;
#ifdef NODE_MALLOC
	free(n);
#else
	memcpy(n, &mc->na.free[c], sizeof(void *));
	mc->na.free[c] = n;
	mc->na.spare += c * NODE_GRAIN;
#endif
}

static struct lpm_node *
tmp_build(struct mapcache *mc, struct lpm_tmp *tp)
{
	struct lpm_node *n;
	uint32_t leaf[64], runs[64], x;
	uint64_t cvec = 0, lvec = 0;
	unsigned s, i, j, k, nchild = 0, nleaf = 0, span, start;
	size_t size;

	/* Paint short prefixes first: codes sort by length, then by bits. */
	for (i = 1; i < tp->npfx; i++) {
		x = tp->pfx[i];
		for (j = i; j > 0 && (tp->pfx[j - 1] & 0x7f) > (x & 0x7f); j--)
			tp->pfx[j] = tp->pfx[j - 1];
		tp->pfx[j] = x;
	}
	memset(leaf, 0, sizeof(leaf));
	for (i = 0; i < tp->npfx; i++) {
		k = 31 - __builtin_clz(tp->pfx[i] & 0x7f);
		span = 64 >> k;
		start = ((tp->pfx[i] & 0x7f) - (1u << k)) * span;
		for (s = start; s < start + span; s++)
			leaf[s] = tp->pfx[i] >> 7;
	}
	if (tp->npfx > 0) {
		for (s = 0; s < 64; s++) {
			if (s == 0 || leaf[s] != leaf[s - 1]) {
				lvec |= 1ULL << s;
				runs[nleaf++] = leaf[s];
			}
		}
	}
	for (s = 0; s < 64; s++)
		if (tp->child[s] != NULL) {
			cvec |= 1ULL << s;
			nchild++;
		}
	size = sizeof(*n) + nchild * sizeof(n->child[0]) +
	    (nleaf + tp->npfx) * sizeof(uint32_t);
	if ((n = node_alloc(mc, size)) == NULL)
		return NULL;
	n->cvec = cvec;
	n->lvec = lvec;
	n->khi = tp->khi;
	n->klo = tp->klo;
	n->pos = tp->pos;
	n->nchild = nchild;
	n->nleaf = nleaf;
	n->npfx = tp->npfx;
	n->size = size;
	for (s = 0, i = 0; s < 64; s++)
		if (tp->child[s] != NULL)
			n->child[i++] = tp->child[s];
	memcpy(node_leaf(n), runs, nleaf * sizeof(uint32_t));
	memcpy(node_pfx(n), tp->pfx, tp->npfx * sizeof(uint32_t));
	return n;
}

static struct lpm_node *
node_new(struct mapcache *mc, unsigned pos, uint64_t hi, uint64_t lo)
{
	struct lpm_tmp tp;

	tmp_init(&tp, pos, hi, lo);
	return tmp_build(mc, &tp);
}

/* Deferred free ---------------------------------------------------------- */

static void
gc_cb(struct rcu_head *rh)
{
	struct gc_batch *b = caa_container_of(rh, struct gc_batch, rh);
	struct mapcache *mc;
	uint32_t *nr;
	unsigned i, cap;

	pthread_mutex_lock(&gc_lock);
	mc = b->mc;
	/*
	 * The grace period is over, so every worker has passed
	 * mapcache_quiescent() since these objects were unlinked.  These
	 * acquire loads pair with its release store: they cost nothing and
	 * let ThreadSanitizer see that ordering, which liburcu's own
	 * barriers hide from it.
	 */
	for (i = 0; i < mc->workers; i++)
		(void)__atomic_load_n(&mc->w[i].epoch, __ATOMIC_ACQUIRE);
	for (i = 0; i < b->nptr; i++)
		free(b->ptr[i]);
	for (i = 0; i < b->nnode; i++) {
#ifdef NODE_MALLOC
		free(b->node[i]);
#else
		void *head = mc->na.ready;

		memcpy(b->node[i], &head, sizeof(head));
		STORE(mc->na.ready, b->node[i]);
#endif
	}
	if (mc->nready + b->nid > mc->readycap) {
		cap = mc->readycap ? mc->readycap * 2 : 1024;
		while (cap < mc->nready + b->nid)
			cap *= 2;
		if ((nr = realloc(mc->ready, cap * sizeof(*nr))) == NULL) {
			/* Leaking ids is better than reusing them early. */
			log_warnx("%s: out of memory, %u ids lost", __func__,
			    b->nid);
			b->nid = 0;
		} else {
			mc->ready = nr;
			mc->readycap = cap;
		}
	}
	/* memcpy() with a NULL ready array is undefined even for 0 bytes. */
	if (b->nid > 0)
		memcpy(mc->ready + mc->nready, b->id,
		    b->nid * sizeof(uint32_t));
	STORE(mc->nready, mc->nready + b->nid);	/* peeked at unlocked */
	pthread_mutex_unlock(&gc_lock);
	free(b);
}

static void
gc_flush(struct mapcache *mc)
{
	struct gc_batch *b = mc->gc;
	int offline;

	if (b == NULL)
		return;
	mc->gc = NULL;
	/* Hand our writes to the callback thread in TSan's eyes too. */
	pthread_mutex_lock(&gc_lock);
	pthread_mutex_unlock(&gc_lock);
	/* QSBR call_rcu() wants an online registered thread. */
	offline = !rcu_read_ongoing();
	if (offline)
		rcu_thread_online();
	call_rcu(&b->rh, gc_cb);
	if (offline)
		rcu_thread_offline();
}

static struct gc_batch *
gc_batch(struct mapcache *mc)
{
	if (mc->gc != NULL && (mc->gc->nptr == GC_BATCH ||
	    mc->gc->nid == GC_BATCH || mc->gc->nnode == GC_BATCH))
		gc_flush(mc);
	if (mc->gc == NULL) {
		if ((mc->gc = calloc(1, sizeof(*mc->gc))) == NULL)
			fatal("%s", __func__);	/* cannot free safely */
		mc->gc->mc = mc;
	}
	return mc->gc;
}

static void
gc_ptr(struct mapcache *mc, void *p)
{
	struct gc_batch *b;

	if (p == NULL)
		return;
	b = gc_batch(mc);
	b->ptr[b->nptr++] = p;
}

static void
gc_node(struct mapcache *mc, struct lpm_node *n)
{
	struct gc_batch *b = gc_batch(mc);
	size_t c = node_class(n->size);

	/* Counted spare from now: it is reused once the callback ran. */
	mc->st.mem_trie -= c * NODE_GRAIN;
#ifndef NODE_MALLOC
	mc->na.spare += c * NODE_GRAIN;
#endif
	b->node[b->nnode++] = n;
}

static void
gc_id(struct mapcache *mc, uint32_t id)
{
	struct gc_batch *b = gc_batch(mc);

	b->id[b->nid++] = id;
}

/* Wait until everything queued so far is released. */
static void
gc_barrier(struct mapcache *mc)
{
	int online;

	gc_flush(mc);
	/* rcu_barrier() from an online QSBR thread would wait for itself. */
	online = rcu_read_ongoing();
	if (online)
		rcu_thread_offline();
	rcu_barrier();
	if (online)
		rcu_thread_online();
}

/* Trie updates (writer) -------------------------------------------------- */

/*
 * Find the node at pos P on the path of key (hi, lo), creating it (and a
 * branching node if needed) when `create`.  Fills path[] with the slots
 * that point to each node from the root down; returns the depth (index
 * of the target in path[]) or -1.
 */
static int
lpm_reach(struct mapcache *mc, struct mc_table *t, uint64_t hi, uint64_t lo,
    unsigned P, int create, struct lpm_node **path[MAX_DEPTH])
{
	struct lpm_node **ref = &t->root, *n, *c, *m, *nn, *tn;
	struct lpm_tmp tp;
	unsigned s, d, lim, r, depth = 0, rank;

	path[depth] = ref;
	for (;;) {
		n = *ref;
		if (n->pos == P)
			return depth;
		s = bits6(hi, lo, n->pos);
		if (((n->cvec >> s) & 1) == 0) {
			if (!create)
				return -1;
			if ((tn = node_new(mc, P, hi, lo)) == NULL)
				return -1;
			tmp_from(&tp, n);
			tp.child[s] = tn;
			if ((nn = tmp_build(mc, &tp)) == NULL) {
				node_free_now(mc, tn);
				return -1;
			}
			PUBLISH(*ref, nn);
			gc_node(mc, n);
			rank = __builtin_popcountll(nn->cvec & ((1ULL << s) - 1));
			path[++depth] = &nn->child[rank];
			return depth;
		}
		ref = &n->child[__builtin_popcountll(n->cvec &
		    ((1ULL << s) - 1))];
		c = *ref;
		lim = c->pos < P ? c->pos : P;
		d = key_diff(hi, lo, c->khi, c->klo);
		if (d >= lim) {
			path[++depth] = ref;
			if (c->pos <= P)
				continue;
			/* A new node at P between n and c. */
			if (!create)
				return -1;
			tmp_init(&tp, P, hi, lo);
			tp.child[bits6(c->khi, c->klo, P)] = c;
			if ((m = tmp_build(mc, &tp)) == NULL)
				return -1;
			PUBLISH(*ref, m);
			return depth;
		}
		if (!create)
			return -1;
		/* The paths part inside c's compressed span: branch at r. */
		r = d / 6 * 6;
		if ((tn = node_new(mc, P, hi, lo)) == NULL)
			return -1;
		tmp_init(&tp, r, hi, lo);
		tp.child[bits6(c->khi, c->klo, r)] = c;
		tp.child[bits6(hi, lo, r)] = tn;
		if ((m = tmp_build(mc, &tp)) == NULL) {
			node_free_now(mc, tn);
			return -1;
		}
		PUBLISH(*ref, m);
		s = bits6(hi, lo, r);
		path[++depth] = ref;
		path[++depth] = &m->child[__builtin_popcountll(m->cvec &
		    ((1ULL << s) - 1))];
		return depth;
	}
}

static unsigned
pfx_code(uint64_t hi, uint64_t lo, unsigned P, unsigned plen)
{
	unsigned k = plen - P;

	return (1u << k) | (bits6(hi, lo, P) >> (6 - k));
}

static inline unsigned
node_pos_for(unsigned plen)
{
	return (plen - 1) / 6 * 6;
}

/* Exact match: the id stored for (key, plen), 0 if none. */
static uint32_t
lpm_find(struct mapcache *mc, struct mc_table *t, uint64_t hi, uint64_t lo,
    unsigned plen)
{
	struct lpm_node **path[MAX_DEPTH], *n;
	unsigned P, code, i;
	uint32_t *pf;
	int depth;

	if (plen == 0)
		return t->def;
	P = node_pos_for(plen);
	if ((depth = lpm_reach(mc, t, hi, lo, P, 0, path)) < 0)
		return 0;
	n = *path[depth];
	if (key_diff(hi, lo, n->khi, n->klo) < P)
		return 0;
	code = pfx_code(hi, lo, P, plen);
	pf = node_pfx(n);
	for (i = 0; i < n->npfx; i++)
		if ((pf[i] & 0x7f) == code)
			return pf[i] >> 7;
	return 0;
}

/*
 * Store id for (key, plen), replacing whatever id was there.  Returns 0
 * or -1 (ENOMEM).
 */
static int
lpm_set(struct mapcache *mc, struct mc_table *t, uint64_t hi, uint64_t lo,
    unsigned plen, uint32_t id)
{
	struct lpm_node **path[MAX_DEPTH], *n, *nn;
	struct lpm_tmp tp;
	unsigned P, code, i;
	int depth;

	if (plen == 0) {
		PUBLISH(t->def, id);
		return 0;
	}
	P = node_pos_for(plen);
	if ((depth = lpm_reach(mc, t, hi, lo, P, 1, path)) < 0) {
		errno = ENOMEM;
		return -1;
	}
	n = *path[depth];
	code = pfx_code(hi, lo, P, plen);
	tmp_from(&tp, n);
	for (i = 0; i < tp.npfx; i++)
		if ((tp.pfx[i] & 0x7f) == code)
			break;
	tp.pfx[i] = id << 7 | code;
	if (i == tp.npfx)
		tp.npfx++;
	if ((nn = tmp_build(mc, &tp)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	PUBLISH(*path[depth], nn);
	gc_node(mc, n);
	return 0;
}

/* Remove (key, plen); it must be present.  Returns 0 or -1 (ENOMEM). */
static int
lpm_del(struct mapcache *mc, struct mc_table *t, uint64_t hi, uint64_t lo,
    unsigned plen)
{
	struct lpm_node **path[MAX_DEPTH], *n, *nn, *only, *p;
	struct lpm_tmp tp;
	unsigned P, code, i, s, nchild;
	int depth;

	if (plen == 0) {
		PUBLISH(t->def, 0);
		return 0;
	}
	P = node_pos_for(plen);
	if ((depth = lpm_reach(mc, t, hi, lo, P, 0, path)) < 0)
		return 0;
	n = *path[depth];
	code = pfx_code(hi, lo, P, plen);
	tmp_from(&tp, n);
	for (i = 0; i < tp.npfx; i++)
		if ((tp.pfx[i] & 0x7f) == code)
			break;
	if (i == tp.npfx)
		return 0;
	tp.pfx[i] = tp.pfx[--tp.npfx];

	/*
	 * Keep the trie minimal: a non-root node without prefixes must have
	 * two children or more.  An empty node leaves its parent (which may
	 * cascade); a node with one child is replaced by that child.
	 */
	for (;;) {
		nchild = 0;
		only = NULL;
		for (s = 0; s < 64; s++)
			if (tp.child[s] != NULL) {
				nchild++;
				only = tp.child[s];
			}
		if (depth == 0 || tp.npfx > 0 || nchild >= 2) {
			if ((nn = tmp_build(mc, &tp)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			PUBLISH(*path[depth], nn);
			gc_node(mc, n);
			return 0;
		}
		if (nchild == 1) {
			PUBLISH(*path[depth], only);
			gc_node(mc, n);
			return 0;
		}
		/* Empty: drop it from its parent and look at the parent. */
		p = *path[depth - 1];
		tmp_from(&tp, p);
		s = bits6(n->khi, n->klo, p->pos);
		tp.child[s] = NULL;
		gc_node(mc, n);
		n = p;
		depth--;
	}
}

static void
lpm_free(struct mapcache *mc, struct lpm_node *n)
{
	unsigned i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nchild; i++)
		lpm_free(mc, n->child[i]);
	node_free_now(mc, n);
}

/* Instance-id groups ----------------------------------------------------- */

static inline uint32_t
grp_bucket(uint32_t iid)
{
	return (iid * 2654435761u) >> 22;	/* 10 bits: GRP_BUCKETS */
}

static inline const struct mc_grp *
grp_find(const struct mapcache *mc, uint32_t iid)
{
	const struct mc_grp *g;

	for (g = CONSUME(mc->grp_hash[grp_bucket(iid)]); g != NULL;
	    g = CONSUME(g->hnext))
		if (g->iid == iid)
			return g;
	return NULL;
}

/* Writer side: the group of a live entry (entries do not store it). */
static inline struct mc_grp *
grp_of(struct mapcache *mc, const struct mapcache_entry *e)
{
	return (struct mc_grp *)(uintptr_t)grp_find(mc, e->iid);
}

static struct mc_grp *
grp_get(struct mapcache *mc, uint32_t iid)
{
	struct mc_grp *g, **ng;
	uint32_t b = grp_bucket(iid), cap;
	int i;

	if ((g = (struct mc_grp *)(uintptr_t)grp_find(mc, iid)) != NULL)
		return g;
	if (mc->ngrps == mc->grpcap) {
		cap = mc->grpcap ? mc->grpcap * 2 : 16;
		if ((ng = realloc(mc->grps, cap * sizeof(*ng))) == NULL)
			return NULL;
		mc->grps = ng;
		mc->grpcap = cap;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->iid = iid;
	g->idx = mc->ngrps;
	for (i = 0; i < 3; i++) {
		g->t[i].bits = af_bits[i];
		if ((g->t[i].root = node_new(mc, 0, 0, 0)) == NULL) {
			while (--i >= 0)
				lpm_free(mc, g->t[i].root);
			free(g);
			return NULL;
		}
	}
	mc->grps[mc->ngrps++] = g;
	g->hnext = mc->grp_hash[b];
	PUBLISH(mc->grp_hash[b], g);
	mc->st.mem_other += sizeof(*g);
	return g;
}

/* RLOC sets --------------------------------------------------------------- */

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t
rloc_hash(const struct mapcache_rloc *r, int full)
{
	uint64_t h;

	h = mix64(be64(r->addr) ^ r->afi);
	h = mix64(h ^ be64(r->addr + 8) ^ ((uint64_t)r->port << 32));
	if (full)
		h = mix64(h ^ r->priority ^ (r->weight << 8) ^
		    (r->mpriority << 16) ^ ((uint64_t)r->mweight << 24) ^
		    ((uint64_t)r->key_slot << 32));
	return h;
}

static int
rloc_same(const struct mapcache_rloc *a, const struct mapcache_rloc *b)
{
	return memcmp(a->addr, b->addr, 16) == 0 && a->afi == b->afi &&
	    a->port == b->port && a->priority == b->priority &&
	    a->weight == b->weight && a->mpriority == b->mpriority &&
	    a->mweight == b->mweight && a->key_slot == b->key_slot;
}

/* Selection table for the current up/down flags. */
static struct mc_sel *
sel_build(const struct mapcache_rlocset *set)
{
	struct mc_sel *sel;
	unsigned i, minprio = 255, anyw = 0, n = 0;
	uint8_t up;

	for (i = 0; i < set->n; i++) {
		up = LOAD(set->rloc[i].up);
		if (up && set->rloc[i].priority < minprio)
			minprio = set->rloc[i].priority;
	}
	for (i = 0; i < set->n; i++)
		if (LOAD(set->rloc[i].up) && set->rloc[i].priority == minprio &&
		    set->rloc[i].weight > 0)
			anyw = 1;
	sel = malloc(sizeof(*sel) + set->n * sizeof(sel->c[0]));
	if (sel == NULL)
		return NULL;
	for (i = 0; minprio < 255 && i < set->n; i++) {
		if (!LOAD(set->rloc[i].up) ||
		    set->rloc[i].priority != minprio)
			continue;
		if (anyw && set->rloc[i].weight == 0)
			continue;
		sel->c[n].seed = rloc_hash(&set->rloc[i], 0);
		sel->c[n].w = anyw ? set->rloc[i].weight : 1;
		sel->c[n].idx = i;
		n++;
	}
	sel->n = n;
	return sel;
}

static int
set_rehash(struct mapcache *mc)
{
	struct mapcache_rlocset **nh, *s, *next;
	uint32_t nb = mc->set_buckets ? mc->set_buckets * 2 : 256, i;

	if ((nh = calloc(nb, sizeof(*nh))) == NULL)
		return -1;
	for (i = 0; i < mc->set_buckets; i++)
		for (s = mc->set_hash[i]; s != NULL; s = next) {
			next = s->hnext;
			s->hnext = nh[s->hash & (nb - 1)];
			nh[s->hash & (nb - 1)] = s;
		}
	mc->st.mem_other += (nb - mc->set_buckets) * sizeof(*nh);
	free(mc->set_hash);
	mc->set_hash = nh;
	mc->set_buckets = nb;
	return 0;
}

/* Find or create the interned set; returns it with a reference taken. */
static struct mapcache_rlocset *
set_get(struct mapcache *mc, const struct mapcache_rloc *rl, size_t n)
{
	struct mapcache_rlocset *s;
	uint64_t h = n;
	size_t i, size, row;

	for (i = 0; i < n; i++)
		h = mix64(h ^ rloc_hash(&rl[i], 1));
	if (mc->set_buckets != 0) {
		for (s = mc->set_hash[h & (mc->set_buckets - 1)]; s != NULL;
		    s = s->hnext) {
			if (s->hash != h || s->n != n)
				continue;
			for (i = 0; i < n; i++)
				if (!rloc_same(&s->rloc[i], &rl[i]))
					break;
			if (i == n) {
				s->refcnt++;
				return s;
			}
		}
	}
	if (mc->nsets >= mc->set_buckets && set_rehash(mc) == -1)
		return NULL;
	size = sizeof(*s) + n * sizeof(s->rloc[0]);
	if ((s = calloc(1, size)) == NULL)
		return NULL;
	memcpy(s->rloc, rl, n * sizeof(*rl));
	for (i = 0; i < n; i++)
		s->rloc[i].up = rl[i].up ? 1 : 0;
	s->n = n;
	s->hash = h;
	s->refcnt = 1;
	row = (n * sizeof(struct mc_ctr) + 63) & ~(size_t)63;
	s->rowlen = row / sizeof(struct mc_ctr);
	s->ctr = aligned_alloc(64, row * mc->workers);
	s->sel = sel_build(s);
	if (s->ctr == NULL || s->sel == NULL) {
		free(s->ctr);
		free(s->sel);
		free(s);
		return NULL;
	}
	memset(s->ctr, 0, row * mc->workers);
	s->size = size + row * mc->workers + sizeof(*s->sel) +
	    n * sizeof(s->sel->c[0]);
	s->hnext = mc->set_hash[h & (mc->set_buckets - 1)];
	mc->set_hash[h & (mc->set_buckets - 1)] = s;
	mc->nsets++;
	mc->st.mem_rlocsets += s->size;
	return s;
}

static void
set_put(struct mapcache *mc, struct mapcache_rlocset *s)
{
	struct mapcache_rlocset **pp;

	if (s == NULL || --s->refcnt > 0)
		return;
	for (pp = &mc->set_hash[s->hash & (mc->set_buckets - 1)]; *pp != s;
	    pp = &(*pp)->hnext)
		;
	*pp = s->hnext;
	mc->nsets--;
	mc->st.mem_rlocsets -= s->size;
	gc_ptr(mc, s->sel);
	gc_ptr(mc, s->ctr);
	gc_ptr(mc, s);
}

static void
set_free_all(struct mapcache *mc)
{
	struct mapcache_rlocset *s, *next;
	uint32_t i;

	for (i = 0; i < mc->set_buckets; i++)
		for (s = mc->set_hash[i]; s != NULL; s = next) {
			next = s->hnext;
			free(s->sel);
			free(s->ctr);
			free(s);
		}
	free(mc->set_hash);
}

/* Expiry heap (lazy: stale items are dropped when they surface) -------- */

static int
heap_push(struct mapcache *mc, uint32_t when, uint32_t id)
{
	struct heap_item *nh, it = { when, id };
	uint32_t i, p, cap;

	if (mc->nheap == mc->heapcap) {
		cap = mc->heapcap ? mc->heapcap * 2 : 1024;
		if ((nh = realloc(mc->heap, cap * sizeof(*nh))) == NULL)
			return -1;
		mc->st.mem_timers += (uint64_t)(cap - mc->heapcap) *
		    sizeof(*nh);
		mc->heap = nh;
		mc->heapcap = cap;
	}
	for (i = mc->nheap++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (mc->heap[p].when <= when)
			break;
		mc->heap[i] = mc->heap[p];
	}
	mc->heap[i] = it;
	return 0;
}

static void
heap_pop(struct mapcache *mc)
{
	struct heap_item last = mc->heap[--mc->nheap];
	uint32_t i = 0, c, n = mc->nheap;

	if (n == 0)
		return;
	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && mc->heap[c + 1].when < mc->heap[c].when)
			c++;
		if (last.when <= mc->heap[c].when)
			break;
		mc->heap[i] = mc->heap[c];
		i = c;
	}
	mc->heap[i] = last;
}

/* Rebuild the heap from live entries when stale items pile up. */
static void
heap_compact(struct mapcache *mc)
{
	struct mapcache_entry *e;
	uint32_t id, n = 0, i;

	for (id = 1; id < mc->next_id; id++) {
		e = entry_of(mc, id);
		if ((e->flags & (MC_F_LIVE | MAPCACHE_F_STATIC)) == MC_F_LIVE)
			mc->heap[n++] = (struct heap_item){ e->expires, id };
	}
	mc->nheap = 0;
	for (i = 0; i < n; i++) {
		struct heap_item it = mc->heap[i];

		(void)heap_push(mc, it.when, it.id);	/* no growth */
	}
}

/* Entries ---------------------------------------------------------------- */

static void
ready_drain(struct mapcache *mc)
{
	uint32_t cap, *nf;

	pthread_mutex_lock(&gc_lock);
	if (mc->nfree + mc->nready > mc->freecap) {
		cap = mc->freecap ? mc->freecap : 1024;
		while (cap < mc->nfree + mc->nready)
			cap *= 2;
		if ((nf = realloc(mc->free_ids, cap * sizeof(*nf))) == NULL) {
			pthread_mutex_unlock(&gc_lock);
			return;
		}
		mc->st.mem_other += (uint64_t)(cap - mc->freecap) * sizeof(*nf);
		mc->free_ids = nf;
		mc->freecap = cap;
	}
	if (mc->nready > 0)
		memcpy(mc->free_ids + mc->nfree, mc->ready,
		    mc->nready * sizeof(uint32_t));
	mc->nfree += mc->nready;
	STORE(mc->nready, 0);
	pthread_mutex_unlock(&gc_lock);
}

static int
chunk_add(struct mapcache *mc)
{
	uint32_t c = mc->nchunks;
	unsigned w;

	if (c == mc->max_chunks)
		return -1;
	mc->chunk[c] = calloc(CHUNK_SIZE, sizeof(struct mapcache_entry));
	if (mc->chunk[c] == NULL)
		return -1;
	for (w = 0; w < mc->workers; w++) {
		mc->w[w].ctr[c] = aligned_alloc(64,
		    CHUNK_SIZE * sizeof(struct mc_ctr));
		if (mc->w[w].ctr[c] == NULL) {
			while (w-- > 0)
				free(mc->w[w].ctr[c]);
			free(mc->chunk[c]);
			return -1;
		}
		memset(mc->w[w].ctr[c], 0, CHUNK_SIZE * sizeof(struct mc_ctr));
	}
	mc->st.mem_entries += CHUNK_SIZE * sizeof(struct mapcache_entry);
	mc->st.mem_counters += (uint64_t)mc->workers * CHUNK_SIZE *
	    sizeof(struct mc_ctr);
	mc->nchunks++;
	return 0;
}

static uint32_t
id_alloc(struct mapcache *mc)
{
	struct mc_ctr *c;
	uint32_t id;
	unsigned w;

	if (mc->nfree == 0 && LOAD(mc->nready) > 0)
		ready_drain(mc);
	if (mc->nfree == 0 && mc->next_id >= mc->max_entries) {
		gc_barrier(mc);
		ready_drain(mc);
	}
	if (mc->nfree > 0)
		id = mc->free_ids[--mc->nfree];
	else if (mc->next_id < mc->max_entries) {
		if ((mc->next_id >> CHUNK_SHIFT) >= mc->nchunks &&
		    chunk_add(mc) == -1)
			return 0;
		id = mc->next_id++;
	} else
		return 0;
	/* Past a grace period: no worker touches this id's counters. */
	for (w = 0; w < mc->workers; w++) {
		c = &mc->w[w].ctr[id >> CHUNK_SHIFT][id & CHUNK_MASK];
		STORE(c->pkts, 0);
		STORE(c->bytes, 0);
		STORE(c->last, 0);
	}
	return id;
}

static void
lru_unlink(struct mapcache *mc, struct mc_grp *g, struct mapcache_entry *e)
{
	if (e->lru_prev)
		entry_of(mc, e->lru_prev)->lru_next = e->lru_next;
	else
		g->lru_head = e->lru_next;
	if (e->lru_next)
		entry_of(mc, e->lru_next)->lru_prev = e->lru_prev;
	else
		g->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = 0;
}

static void
lru_push(struct mapcache *mc, struct mc_grp *g, struct mapcache_entry *e)
{
	e->lru_prev = 0;
	e->lru_next = g->lru_head;
	if (g->lru_head)
		entry_of(mc, g->lru_head)->lru_prev = e->id;
	else
		g->lru_tail = e->id;
	g->lru_head = e->id;
}

/* Unpublish and retire a live entry. */
static int
entry_remove(struct mapcache *mc, struct mapcache_entry *e)
{
	struct mc_grp *g = grp_of(mc, e);
	int ai = af_index(e->afi);
	uint64_t hi, lo;

	key_load(ai, e->eid, &hi, &lo);
	if (lpm_del(mc, &g->t[ai], hi, lo, e->plen) == -1)
		return -1;
	if (e->flags & MAPCACHE_F_STATIC)
		mc->nstatic--;
	else {
		lru_unlink(mc, g, e);
		g->count--;
	}
	mc->nlive--;
	set_put(mc, (struct mapcache_rlocset *)(uintptr_t)e->rlocs);
	STORE(e->flags, e->flags & ~MC_F_LIVE);
	gc_id(mc, e->id);
	return 0;
}

static void
lru_drain(struct mapcache *mc)
{
	struct mapcache_entry *e;
	struct mc_grp *g;
	struct mc_worker *w;
	uint32_t t, h, id;
	unsigned i;

	for (i = 0; i < mc->workers; i++) {
		w = &mc->w[i];
		t = w->tail;
		h = CONSUME(w->head);
		for (; t != h; t++) {
			id = w->ring[t & (RING_SIZE - 1)];
			if (id == 0 || id >= mc->next_id)
				continue;
			e = entry_of(mc, id);
			/* A stale id only promotes an unrelated entry. */
			if ((e->flags & (MC_F_LIVE | MAPCACHE_F_STATIC)) !=
			    MC_F_LIVE)
				continue;
			g = grp_of(mc, e);
			lru_unlink(mc, g, e);
			lru_push(mc, g, e);
		}
		PUBLISH(w->tail, h);
	}
}

static int
prefix_check(const struct mapcache_prefix *p)
{
	int ai = af_index(p->afi);

	if (ai < 0 || p->plen > af_bits[ai] ||
	    (ai == 2 && p->plen != 48))
		return -1;
	return ai;
}

int
mapcache_insert(struct mapcache *mc, const struct mapcache_prefix *p,
    uint8_t state, uint32_t ttl, const struct mapcache_rloc *rlocs,
    size_t nrlocs, unsigned flags)
{
	struct mapcache_rlocset *set = NULL;
	struct mapcache_entry *e, *old = NULL;
	struct mc_grp *g;
	uint64_t hi, lo;
	uint32_t id, oid;
	int ai;
	size_t i;
	bool stat = (flags & MAPCACHE_F_STATIC) != 0;

	if ((ai = prefix_check(p)) < 0 || state > MAPCACHE_PENDING ||
	    (state == MAPCACHE_POSITIVE &&
	    (nrlocs == 0 || nrlocs > MAPCACHE_MAX_RLOCS)) ||
	    (state != MAPCACHE_POSITIVE && nrlocs != 0)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nrlocs; i++)
		if (rlocs[i].afi != MAPCACHE_AF_IPV4 &&
		    rlocs[i].afi != MAPCACHE_AF_IPV6) {
			errno = EINVAL;
			return -1;
		}
	if ((g = grp_get(mc, p->iid)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	key_load(ai, p->addr, &hi, &lo);
	key_mask(&hi, &lo, p->plen);
	if ((oid = lpm_find(mc, &g->t[ai], hi, lo, p->plen)) != 0)
		old = entry_of(mc, oid);
	if (nrlocs > 0 && (set = set_get(mc, rlocs, nrlocs)) == NULL) {
		errno = ENOMEM;
		return -1;
	}

	if (old != NULL && old->state == state && old->rlocs == set &&
	    (old->flags & MAPCACHE_F_STATIC) == (stat ? MAPCACHE_F_STATIC : 0)) {
		/* Refresh in place. */
		set_put(mc, set);
		STORE(old->expires, mc->now + ttl);
		if (!stat) {
			if (heap_push(mc, old->expires, old->id) == -1)
				goto enomem;
			lru_unlink(mc, g, old);
			lru_push(mc, g, old);
		}
		mc->st.inserts++;
		return 0;
	}
	/* Make room: evict least recently used non-static entries. */
	if (!stat && (old == NULL || (old->flags & MAPCACHE_F_STATIC))) {
		while (g->count >= mc->max_per_iid) {
			if (g->lru_tail == 0) {
				set_put(mc, set);
				errno = ENOSPC;
				return -1;
			}
			if (entry_remove(mc, entry_of(mc, g->lru_tail)) == -1)
				goto enomem;
			mc->st.evictions++;
		}
	}
	if ((id = id_alloc(mc)) == 0) {
		set_put(mc, set);
		errno = ENOSPC;
		return -1;
	}
	e = entry_of(mc, id);
	memset(e, 0, sizeof(*e));
	key_store(ai, hi, lo, e->eid);
	e->rlocs = set;
	e->id = id;
	e->iid = p->iid;
	e->expires = mc->now + ttl;
	e->plen = p->plen;
	e->afi = p->afi;
	e->state = state;
	e->flags = (stat ? MAPCACHE_F_STATIC : 0) | MC_F_LIVE;
	if (!stat && heap_push(mc, e->expires, id) == -1)
		goto enomem_id;
	if (lpm_set(mc, &g->t[ai], hi, lo, p->plen, id) == -1)
		goto enomem_id;
	if (stat)
		mc->nstatic++;
	else {
		lru_push(mc, g, e);
		g->count++;
	}
	mc->nlive++;
	if (old != NULL) {
		/* The new id is published; retire the old one. */
		if (old->flags & MAPCACHE_F_STATIC)
			mc->nstatic--;
		else {
			lru_unlink(mc, g, old);
			g->count--;
		}
		mc->nlive--;
		set_put(mc, (struct mapcache_rlocset *)(uintptr_t)old->rlocs);
		STORE(old->flags, old->flags & ~MC_F_LIVE);
		gc_id(mc, oid);
		mc->st.replaces++;
	} else
		mc->st.inserts++;
	if (mc->nheap > 2 * (mc->nlive - mc->nstatic) + 1024)
		heap_compact(mc);
	return 0;

 enomem_id:
	e->flags = 0;
	gc_id(mc, id);
 enomem:
	set_put(mc, set);
	errno = ENOMEM;
	return -1;
}

int
mapcache_delete(struct mapcache *mc, const struct mapcache_prefix *p)
{
	const struct mapcache_entry *e;

	if ((e = mapcache_find(mc, p)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (entry_remove(mc, (struct mapcache_entry *)(uintptr_t)e) == -1) {
		errno = ENOMEM;
		return -1;
	}
	mc->st.deletes++;
	return 0;
}

const struct mapcache_entry *
mapcache_find(struct mapcache *mc, const struct mapcache_prefix *p)
{
	struct mc_grp *g;
	uint64_t hi, lo;
	uint32_t id;
	int ai;

	if ((ai = prefix_check(p)) < 0)
		return NULL;
	if ((g = (struct mc_grp *)(uintptr_t)grp_find(mc, p->iid)) == NULL)
		return NULL;
	key_load(ai, p->addr, &hi, &lo);
	key_mask(&hi, &lo, p->plen);
	if ((id = lpm_find(mc, &g->t[ai], hi, lo, p->plen)) == 0)
		return NULL;
	return entry_of(mc, id);
}

const struct mapcache_entry *
mapcache_lookup(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *addr)
{
	const struct mc_grp *g;
	uint64_t hi, lo;
	uint32_t id, v4;

	if ((g = grp_find(mc, iid)) == NULL)
		return NULL;
	switch (afi) {
	case MAPCACHE_AF_IPV4:
		memcpy(&v4, addr, 4);
		id = lpm_lookup(&g->t[0],
		    (uint64_t)__builtin_bswap32(v4) << 32, 0, 0);
		break;
	case MAPCACHE_AF_IPV6:
		id = lpm_lookup(&g->t[1], be64(addr), be64(addr + 8), 1);
		break;
	case MAPCACHE_AF_MAC:
		key_load(2, addr, &hi, &lo);
		id = lpm_lookup(&g->t[2], hi, lo, 0);
		break;
	default:
		return NULL;
	}
	return id ? entry_of(mc, id) : NULL;
}

/*
 * Burst lookup: up to BURST lookups walk the trie in lock step, each step
 * prefetching the next node, so that their cache misses overlap instead
 * of queueing one after the other.  At a million prefixes nearly every
 * level below the top misses the cache; this is where the time goes.
 */
#define BURST	16

struct burst_st {
	const struct lpm_node	*n;
	uint64_t		 hi, lo;
	uint32_t		 best;
};

static inline __attribute__((always_inline)) int
burst_step(struct burst_st *b, int wide)
{
	const struct lpm_node *n = b->n;
	unsigned p = n->pos, s;
	uint64_t lv, cv;
	uint32_t id;

	if (!wide || p <= 64) {
		if (p != 0 && ((b->hi ^ n->khi) >> (64 - p)) != 0)
			return 0;
	} else if (b->hi != n->khi || ((b->lo ^ n->klo) >> (128 - p)) != 0)
		return 0;
	s = wide ? bits6(b->hi, b->lo, p) : (b->hi >> (58 - p)) & 63;
	lv = n->lvec;
	if (lv != 0) {
		id = node_leaf(n)[__builtin_popcountll(lv &
		    ((2ULL << s) - 1)) - 1];
		if (id != 0)
			b->best = id;
	}
	cv = n->cvec;
	if (((cv >> s) & 1) == 0)
		return 0;
	n = CONSUME(n->child[__builtin_popcountll(cv & ((1ULL << s) - 1))]);
	__builtin_prefetch(n);
	__builtin_prefetch((const char *)n + 64);
	b->n = n;
	return 1;
}

static inline __attribute__((always_inline)) void
burst_run(const struct mapcache *mc, const struct mc_table *t,
    struct burst_st *b, unsigned n, const struct mapcache_entry **out,
    int wide)
{
	uint32_t active = (n == 32 ? 0 : (1u << n)) - 1, m;
	unsigned i;

	while (active != 0) {
		for (m = active; m != 0; m &= m - 1) {
			i = __builtin_ctz(m);
			if (!burst_step(&b[i], wide))
				active &= ~(1u << i);
		}
	}
	for (i = 0; i < n; i++)
		out[i] = b[i].best ? entry_of(mc, b[i].best) : NULL;
	(void)t;
}

void
mapcache_lookup_burst(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	struct burst_st b[BURST];
	const struct mc_grp *g;
	const struct mc_table *t;
	const struct lpm_node *root;
	unsigned i, j, k, ai = af_index(afi);
	uint32_t def;

	if ((int)ai < 0 || (g = grp_find(mc, iid)) == NULL) {
		for (i = 0; i < n; i++)
			out[i] = NULL;
		return;
	}
	t = &g->t[ai];
	for (i = 0; i < n; i += k) {
		k = n - i < BURST ? n - i : BURST;
		def = CONSUME(t->def);
		root = CONSUME(t->root);
		for (j = 0; j < k; j++) {
			key_load(ai, addrs[i + j], &b[j].hi, &b[j].lo);
			b[j].n = root;
			b[j].best = def;
		}
		if (ai == 1)
			burst_run(mc, t, b, k, out + i, 1);
		else
			burst_run(mc, t, b, k, out + i, 0);
	}
}

/* RLOC selection ----------------------------------------------------------- */

int
mapcache_rloc_select(const struct mapcache_entry *e, uint32_t flow_hash)
{
	const struct mapcache_rlocset *set;
	const struct mc_sel *sel;
	double score, best = -1.0, x;
	uint64_t u;
	unsigned i;
	int bi = -1;

	if (e == NULL || (set = e->rlocs) == NULL)
		return -1;
	sel = CONSUME(set->sel);
	if (sel->n == 0)
		return -1;
	if (sel->n == 1)
		return sel->c[0].idx;
	/*
	 * Weighted rendezvous hashing: each RLOC draws u in (0,1) from
	 * (flow, RLOC identity) and scores w / -ln(u); the highest score
	 * wins.  P(win) = w / sum(w), and a flow's draws do not depend on
	 * the other RLOCs, so removing one moves only its own flows.
	 */
	for (i = 0; i < sel->n; i++) {
		u = mix64(sel->c[i].seed ^ (flow_hash * 0x9e3779b97f4a7c15ULL));
		x = ((double)(u >> 11) + 0.5) * 0x1p-53;
		score = sel->c[i].w / -log(x);
		if (score > best) {
			best = score;
			bi = sel->c[i].idx;
		}
	}
	return bi;
}

unsigned
mapcache_rloc_count(const struct mapcache_entry *e)
{
	return e != NULL && e->rlocs != NULL ? e->rlocs->n : 0;
}

const struct mapcache_rloc *
mapcache_rloc_get(const struct mapcache_entry *e, unsigned idx)
{
	if (e == NULL || e->rlocs == NULL || idx >= e->rlocs->n)
		return NULL;
	return &e->rlocs->rloc[idx];
}

uint32_t
mapcache_flow_hash(const uint8_t *src, const uint8_t *dst, size_t alen,
    uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint64_t h = proto;

	if (alen == 4) {
		uint32_t s, d;

		memcpy(&s, src, 4);
		memcpy(&d, dst, 4);
		h = mix64(h ^ ((uint64_t)s << 32 | d));
	} else {
		h = mix64(h ^ be64(src));
		h = mix64(h ^ be64(src + 8));
		h = mix64(h ^ be64(dst));
		h = mix64(h ^ be64(dst + 8));
	}
	h = mix64(h ^ ((uint64_t)sport << 16 | dport));
	return (uint32_t)(h ^ (h >> 32));
}

size_t
mapcache_rloc_state(struct mapcache *mc, uint16_t afi, const uint8_t *addr,
    int up)
{
	struct mapcache_rlocset *s;
	struct mc_sel *sel, *old;
	size_t changed = 0, alen = afi == MAPCACHE_AF_IPV4 ? 4 : 16;
	uint32_t b, i;
	int hit;

	for (b = 0; b < mc->set_buckets; b++)
		for (s = mc->set_hash[b]; s != NULL; s = s->hnext) {
			hit = 0;
			for (i = 0; i < s->n; i++) {
				if (s->rloc[i].afi != afi ||
				    memcmp(s->rloc[i].addr, addr, alen) != 0 ||
				    s->rloc[i].up == (up ? 1 : 0))
					continue;
				STORE(s->rloc[i].up, up ? 1 : 0);
				hit = 1;
				changed++;
			}
			if (!hit || (sel = sel_build(s)) == NULL)
				continue;
			old = s->sel;
			PUBLISH(s->sel, sel);
			gc_ptr(mc, old);
		}
	return changed;
}

/* Counters ------------------------------------------------------------------ */

static inline void
ctr_add(struct mc_ctr *c, uint32_t bytes)
{
	/* Single writer per counter: relaxed load and store, no lock prefix. */
	STORE(c->pkts, LOAD(c->pkts) + 1);
	STORE(c->bytes, LOAD(c->bytes) + bytes);
}

void
mapcache_count(struct mapcache *mc, unsigned worker,
    const struct mapcache_entry *e, int rloc, uint32_t bytes)
{
	struct mc_worker *w = &mc->w[worker];
	const struct mapcache_rlocset *set;
	struct mc_ctr *c;
	uint32_t id = e->id, now, h;

	c = &w->ctr[id >> CHUNK_SHIFT][id & CHUNK_MASK];
	ctr_add(c, bytes);
	now = LOAD(mc->now);
	if (LOAD(c->last) != now) {
		STORE(c->last, now);
		h = w->head;
		if (h - CONSUME(w->tail) < RING_SIZE) {
			w->ring[h & (RING_SIZE - 1)] = id;
			PUBLISH(w->head, h + 1);
		} else
			STORE(w->drops, LOAD(w->drops) + 1);
	}
	if (rloc >= 0 && (set = e->rlocs) != NULL && (unsigned)rloc < set->n)
		ctr_add(&set->ctr[worker * set->rowlen + rloc], bytes);
}

void
mapcache_count_prefetch(const struct mapcache *mc, unsigned worker,
    const struct mapcache_entry *e)
{
	const struct mc_worker *w = &mc->w[worker];
	uint32_t id = e->id;

	__builtin_prefetch(&w->ctr[id >> CHUNK_SHIFT][id & CHUNK_MASK], 1);
}

void
mapcache_quiescent(struct mapcache *mc, unsigned worker)
{
	struct mc_worker *w = &mc->w[worker];

	__atomic_store_n(&w->epoch, LOAD(w->epoch) + 1, __ATOMIC_RELEASE);
	rcu_quiescent_state();
}

void
mapcache_counters(struct mapcache *mc, const struct mapcache_entry *e,
    struct mapcache_counters *ec, struct mapcache_counters *rc)
{
	const struct mapcache_rlocset *set = e->rlocs;
	const struct mc_ctr *c;
	uint32_t id = e->id, last;
	unsigned w, i;

	memset(ec, 0, sizeof(*ec));
	if (rc != NULL && set != NULL)
		memset(rc, 0, set->n * sizeof(*rc));
	for (w = 0; w < mc->workers; w++) {
		c = &mc->w[w].ctr[id >> CHUNK_SHIFT][id & CHUNK_MASK];
		ec->packets += LOAD(c->pkts);
		ec->bytes += LOAD(c->bytes);
		if ((last = LOAD(c->last)) > ec->last_used)
			ec->last_used = last;
		for (i = 0; rc != NULL && set != NULL && i < set->n; i++) {
			c = &set->ctr[w * set->rowlen + i];
			rc[i].packets += LOAD(c->pkts);
			rc[i].bytes += LOAD(c->bytes);
		}
	}
}

/* Timers, walk, info -------------------------------------------------------- */

size_t
mapcache_expire(struct mapcache *mc, uint32_t now, size_t max)
{
	struct mapcache_entry *e;
	struct heap_item it;
	size_t n = 0;

	STORE(mc->now, now);
	lru_drain(mc);
	while (mc->nheap > 0 && mc->heap[0].when <= now &&
	    (max == 0 || n < max)) {
		it = mc->heap[0];
		heap_pop(mc);
		if (it.id >= mc->next_id)
			continue;
		e = entry_of(mc, it.id);
		/* Stale item: deleted, static now, or refreshed since. */
		if ((e->flags & (MC_F_LIVE | MAPCACHE_F_STATIC)) != MC_F_LIVE ||
		    e->expires > now)
			continue;
		if (entry_remove(mc, e) == -1) {
			(void)heap_push(mc, it.when, it.id);
			break;
		}
		mc->st.expirations++;
		n++;
	}
	gc_flush(mc);
	return n;
}

int64_t
mapcache_next_expiry(struct mapcache *mc)
{
	if (mc->nheap == 0)
		return -1;
	if (mc->heap[0].when <= mc->now)
		return 0;
	return (int64_t)mc->heap[0].when - mc->now;
}

int
mapcache_walk(struct mapcache *mc, struct mapcache_cursor *cur, size_t max,
    mapcache_walk_cb *cb, void *arg)
{
	struct mapcache_entry *e;
	uint32_t id = cur->next_id ? cur->next_id : 1;
	size_t n = 0;

	for (; id < mc->next_id && n < max; id++) {
		e = entry_of(mc, id);
		if (!(e->flags & MC_F_LIVE))
			continue;
		n++;
		if (cb(e, arg) != 0) {
			cur->next_id = id + 1;
			return id + 1 < mc->next_id;
		}
	}
	cur->next_id = id;
	return id < mc->next_id;
}

void
mapcache_info(struct mapcache *mc, struct mapcache_info *info)
{
	unsigned w;

	*info = mc->st;
	info->entries = mc->nlive;
	info->iids = mc->ngrps;
	info->rlocsets = mc->nsets;
	info->mem_trie_spare = mc->na.spare;
	info->lru_ring_drops = 0;
	for (w = 0; w < mc->workers; w++)
		info->lru_ring_drops += LOAD(mc->w[w].drops);
}

/* Lifecycle ------------------------------------------------------------------ */

struct mapcache *
mapcache_new(const struct mapcache_config *cf)
{
	struct mapcache *mc;
	unsigned w;

	if (cf->workers == 0 || cf->workers > 256 ||
	    cf->max_entries > ID_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((mc = calloc(1, sizeof(*mc))) == NULL)
		return NULL;
	mc->workers = cf->workers;
	mc->max_per_iid = cf->max_per_iid ? cf->max_per_iid : DEFAULT_PER_IID;
	mc->max_entries = cf->max_entries ? cf->max_entries : DEFAULT_MAX;
	mc->max_chunks = (mc->max_entries + CHUNK_SIZE - 1) / CHUNK_SIZE;
	mc->next_id = 1;
	mc->chunk = calloc(mc->max_chunks, sizeof(*mc->chunk));
	mc->w = aligned_alloc(64, mc->workers * sizeof(*mc->w));
	if (mc->chunk == NULL || mc->w == NULL)
		goto fail;
	memset(mc->w, 0, mc->workers * sizeof(*mc->w));
	for (w = 0; w < mc->workers; w++) {
		mc->w[w].ctr = calloc(mc->max_chunks, sizeof(*mc->w[w].ctr));
		mc->w[w].ring = calloc(RING_SIZE, sizeof(uint32_t));
		if (mc->w[w].ctr == NULL || mc->w[w].ring == NULL)
			goto fail;
	}
	mc->st.mem_other = sizeof(*mc) + mc->max_chunks * sizeof(void *) *
	    (1 + mc->workers) + mc->workers * (sizeof(*mc->w) +
	    RING_SIZE * sizeof(uint32_t));
	return mc;
 fail:
	mapcache_free(mc);
	errno = ENOMEM;
	return NULL;
}

void
mapcache_free(struct mapcache *mc)
{
	uint32_t i, c;
	unsigned w;
	int t;

	if (mc == NULL)
		return;
	gc_barrier(mc);
	/* Callbacks ran under gc_lock: order their accesses before ours. */
	pthread_mutex_lock(&gc_lock);
	pthread_mutex_unlock(&gc_lock);
	for (i = 0; i < mc->ngrps; i++) {
		for (t = 0; t < 3; t++)
			lpm_free(mc, mc->grps[i]->t[t].root);
		free(mc->grps[i]);
	}
	free(mc->grps);
	for (i = 0; i < mc->na.nblocks; i++)
		free(mc->na.blocks[i]);
	free(mc->na.blocks);
	set_free_all(mc);
	for (c = 0; c < mc->nchunks; c++) {
		free(mc->chunk[c]);
		for (w = 0; w < mc->workers; w++)
			free(mc->w[w].ctr[c]);
	}
	if (mc->w != NULL)
		for (w = 0; w < mc->workers; w++) {
			free(mc->w[w].ctr);
			free(mc->w[w].ring);
		}
	free(mc->w);
	free(mc->chunk);
	free(mc->heap);
	free(mc->free_ids);
	free(mc->ready);
	free(mc);
}
