/* SPDX-License-Identifier: ISC */
/*
 * Map-cache (see mapcache.h for the API and the threading rules).
 *
 * Longest-prefix match: Poptrie
 * -----------------------------
 * Each (instance-id, AFI) table is a Poptrie (Asai and Ohara, SIGCOMM
 * 2015): a direct-pointing array indexed by the first D address bits
 * (D = 18 for IPv4 and IPv6, 16 for MAC in a full table; small tables
 * start at 8 and are rebuilt wider as they grow), then multibit nodes of
 * stride 6 at bit positions D, D + 6, D + 12, ...  A direct slot is a
 * pair:
 * the slot proper, either a leaf (bit 31 set, the low bits an entry id)
 * or the index of a node record, and the slot default, the longest
 * prefix of at most D bits covering the slot (an IPv6 slot may also
 * hold a short skip, see struct pt_dirtab).  A node record is 24 bytes
 * (IPv6: 32, see struct pt_node6):
 *
 *    vec      bit s set: slot s is an internal child
 *    leafvec  bit s set: a run of equal leaves starts at slot s (a
 *             run goes on across the child slots inside it)
 *    base0    index of the node's first leaf in the leaf array
 *    base1    index of the node's first child in the node array
 *
 * All children of a node are consecutive records of one node array,
 * so a lookup computes the child's index from base1 + popcount(vec
 * below s) without reading a pointer: one cache miss per level.  The
 * leaves of a node (32-bit entry ids) are consecutive in one leaf array,
 * one per run of equal slots.  Leaves are pushed: a leaf holds the
 * longest prefix longer than D covering its slot (0: none; then the
 * slot default, then the table's /0 apply), so the walk ends at the
 * first leaf, and a prefix of D bits or less only changes slot
 * defaults, never the subtrees below.
 *
 * Tail records.  Poptrie has no path compression, so a lone long prefix
 * (an IPv6 /64 or /128 under a /32) would need a chain of single-child
 * nodes, one dependent miss per 6 bits.  A subtree that holds one prefix
 * x over one default d is instead a record {x's key bits, x, d}: the
 * lookup compares the address with the key bits and answers x or d.
 *
 * Skip records.  For the same reason a chain of nodes that each hold
 * one child and one leaf value d elsewhere (the levels above a lone
 * IPv6 allocation, or above two /128s that share 100 bits) is one record
 * {key bits [p, q), q, d}: the walk compares the address with the key
 * bits and goes on to the record at q, or answers d.
 *
 * IPv6 only: a skip (in a direct slot or a record) over 0 whose node at
 * q has children in an aligned window of slots and 0 elsewhere is dense,
 * pointing at the children block itself (the walk skips the node); and
 * a subtree of two prefixes over one default, the shorter at most 32
 * bits deep and the longer at most 96, is a double tail record {x1, x2,
 * their key bits, d}; one of three, each at most 32 bits deep, a triple
 * tail record.  A direct slot without a skip keeps its node's children
 * block as a prefetch hint for the burst lookup.
 *
 * Node arrays (IPv4 and MAC, IPv6) and the leaf array are one virtual
 * reservation each per map-cache (MAP_NORESERVE, huge pages advised),
 * addressed by 32-bit indices, and never move.  Blocks are allocated
 * by exact size (1..64) with free lists; under AddressSanitizer free
 * blocks are poisoned.  A full direct array is on huge pages too (see
 * pt_dir_new()).  IPv4 and MAC bursts walk in burst_run64(), IPv6
 * bursts in burst_run6() (see there).
 *
 * Updates are copy-on-write.  Inserting or deleting a prefix replaces
 * one leaf value by another inside the prefix's range (insert: the old
 * cover becomes the new id; delete: the deleted id becomes the next
 * shorter cover), which changes the nodes under the prefix and the path
 * down to it.  Each changed node gets fresh child and leaf blocks; since
 * a node's record lives in its parent's child block, the parent's child
 * block is copied too, up to the direct slot, which is published with
 * one release store.  The old blocks are freed after an RCU grace
 * period.  Our own release/acquire atomics are used rather than
 * rcu_assign_pointer() so that ThreadSanitizer can see the ordering.
 * A node whose slots end up as one leaf, or as one prefix over one
 * default, folds back into a leaf or a tail record (IPv6: two or three
 * prefixes over one default, a double or triple tail record), and one
 * with a single child and one leaf value into a skip record (merged
 * with a skip below it of the same default).
 *
 * The writer finds exact prefixes through an open-addressing hash of
 * entry ids (with 7 tag bits) keyed by (iid, afi, plen, prefix); the
 * entries themselves are the keys.
 *
 * Entries live in a slab indexed by a 32-bit id (leaves store ids): one
 * virtual reservation (MAP_NORESERVE, pages committed when first
 * touched) aligned to SLAB_ALIGN, so an entry's id is its offset and the
 * slab's slot 0, never an entry, holds what readers need to resolve an
 * entry's RLOC set index and instance-id group without a pointer to the
 * map-cache.  An entry is 28 bytes:
 *
 *    0               16      20      24  26  27  (bits of byte 27)
 *    +---------------+-------+-------+---+---+-----------------+
 *    | eid           |expires| rset  |grp|len|afi:3 st:3 flg:2 |
 *    +---------------+-------+-------+---+---+-----------------+
 *
 * rset indexes a table of RLOC set pointers, grp a table of instance-ids
 * (reservations too, written before the first entry that uses an index
 * is published).  Whether an id is live and its CLOCK use bit are two
 * writer-only bitmaps, so a published entry is never written but for
 * expires.  The bound per instance-id is enforced by CLOCK: one hand per
 * instance-id sweeping the slab (see docs/DECISIONS.md).  Timers are a
 * hierarchical timing wheel of ids (struct tw_blk).  Per-worker counters
 * are arrays of CHUNK_SIZE cells indexed by id, taken by a worker from
 * its reservation the first time it counts an entry of that chunk.  A
 * cell's last 4 bytes (padding before) keep the worker's copy of the
 * entry's state and RLOC set index once it has counted the entry, so
 * that its packet path reads the cell and not the entry
 * (mapcache_use()).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <urcu-qsbr.h>

#include "log.h"
#include "mapcache.h"

#define CHUNK_SHIFT	9
#define CHUNK_SIZE	(1u << CHUNK_SHIFT)
#define CHUNK_MASK	(CHUNK_SIZE - 1)
#define ID_MAX		(1u << 25)
#define GRP_BUCKETS	1024
#define RING_SIZE	1024		/* use ring per worker (CLOCK bits) */
#define GC_BATCH	256
#define DEFAULT_PER_IID	100000
#define DEFAULT_MAX	(1u << 22)
#define GRP_MAX		65535		/* entry->grp is 16 bits */
#define SLAB_ALIGN	((uintptr_t)1 << 30)	/* ID_MAX 32-byte entries */
#define GC_SETIDX	0x80000000u	/* gc_id() value: an RLOC set index */
#define PT_LEAF		0x80000000u	/* direct slot holds a leaf */
#define PT_HUGE		((size_t)2 << 20)	/* a huge page */

/*
 * Under AddressSanitizer freed arena blocks are poisoned until they are
 * reused, so that a reader touching a block after its grace period is
 * still caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PT_ASAN		1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PT_ASAN		1
#endif
#endif
#ifdef PT_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)	do { (void)(p); (void)(n); } while (0)
#define UNPOISON(p, n)	do { (void)(p); (void)(n); } while (0)
#endif

/*
 * The lookup computes child and leaf indices with popcount.  The build
 * targets baseline x86-64, which has no POPCNT instruction, so GCC
 * would call libgcc's table-driven __popcountdi2 at every level.  The
 * lookup bodies (always_inline) are therefore compiled a second time
 * with target("popcnt"), and the entry points branch on the CPUID bit
 * libgcc caches at startup.  Not an ifunc (target_clones): musl has
 * none, and ThreadSanitizer crashes in a resolver run before it starts.
 */
#if defined(__x86_64__) && !defined(__POPCNT__) && defined(__GNUC__)
#define PT_DISPATCH	1
#endif

#define PUBLISH(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define CONSUME(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define LOAD(p)		__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define STORE(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

struct pt_node {
	uint64_t		 vec;
	uint64_t		 leafvec;
	uint32_t		 base0;
	uint32_t		 base1;
};

/*
 * IPv6 records are padded to 32 bytes, in an arena of their own, so
 * that none straddles two cache lines: with 24 bytes a quarter did, and
 * a walk read its second line unprefetched (IPv6 walks are the longer,
 * and their deep records are DRAM misses).  IPv4 and MAC keep 24.
 */
struct pt_node6 {
	struct pt_node		 r;
	uint64_t		 pad;
};

_Static_assert(sizeof(struct pt_node6) == 32, "pt_node6 size");

/*
 * One array (nodes or leaves): a reservation of cap elements of elsz
 * bytes, bumped from top; freed blocks on free lists by exact size.
 * Blocks freed by the RCU callback come back through ready (gc_lock).
 */
struct pt_range {
	uint32_t		 start;
	uint8_t			 kind;		/* 0 nodes, 1 leaves, 2 nodes6 */
	uint8_t			 n;
};

struct pt_arena {
	char			*base;
	size_t			 elsz;
	uint32_t		 top, cap;
	uint32_t		*fl[65];
	uint32_t		 fln[65], flcap[65];
	uint64_t		 flmask;	/* bit n - 1: fln[n] > 0 */
	uint64_t		 used, spare;	/* elements */
};

/*
 * A direct-pointing slot: the slot v (PT_LEAF | id, or a node index) and
 * sd, the longest prefix of at most dbits bits covering it.  Leaves below
 * hold only longer prefixes (0: none), so a short prefix changes slot
 * defaults, never the subtrees under it.
 *
 * IPv4 and MAC slots are one 64-bit word, v | sd << 32.  IPv6 slots are
 * two, v | k << 32 and sd: k != 0 is a skip held in the slot itself (see
 * the skip records below), its key bits [D, q) left-aligned in the top
 * 24 bits and q - D in the low 8, over the default 0; v is then the
 * record at q.  On the bench's IPv6 table nearly every lookup took a
 * skip record from its direct slot to the node of its /32: in the slot
 * it costs no dependent read and no step of the walk.  v and k are one
 * word so that a reader never sees one without the other.
 *
 * A dense slot goes one level further.  When the node at q has an
 * aligned window of 2^j slots (1 <= j <= 6) that all hold children and
 * every slot outside it the leaf 0, its children block is indexed by the
 * address bits [q + 6 - j, q + 6) directly, without the node's vector:
 * the slot's skip takes in the bits [q, q + 6 - j) that pick the window,
 * and v is the children block, so a walk reads no node at q.  On the
 * bench a /32 under an 18-bit slot is such a node at 30 (its 16 slots
 * under the /32 all have children, the 48 others are 0), and a /48
 * lookup reads slot -> node at 36 -> tail at 42 instead of a record more.
 * k's low byte is then m = q + 6 - j - D (the bits compared, <= 24) in
 * its low 5 bits and j in the top 3 (0: not dense).  The node at q
 * itself stays in the arena for the writer, which finds it in the high
 * half of the slot's sd word.
 *
 * A slot without a skip (k == 0) whose record is a node keeps the node's
 * children block (base1) in that high half instead, as a prefetch hint:
 * the burst lookup fetches the node and its children together, so that
 * a walk through such a slot (on the bench a slot that two /32s share,
 * a tenth of the lookups: node at 18, then a skip record under it) does
 * not wait for the node before it can fetch the child.  The hint is only
 * prefetched, never read through, and is written with the slot (any
 * change under the node copies it and republishes the slot).
 */
#define PT_KBITS	24	/* key bits a slot's skip holds */
#define PT_KLEN(k)	((k) & 0x1f)		/* bits the slot's skip compares */
#define PT_KWIN(k)	(((k) >> 5) & 7)	/* dense: window bits j */

/*
 * The direct array carries its own width: a table is rebuilt with a
 * wider array as it grows (see pt_regrow()), and a reader must see the
 * width and the array it belongs to from one pointer load.
 */
struct pt_dirtab {
	uint32_t		 dbits;
	uint32_t		 wide;	/* IPv6: two words a slot */
	uint64_t		 pad;	/* IPv6 slots on 16 bytes */
	uint64_t		 s[];	/* (1 << dbits) << wide */
};

struct mc_table {
	struct pt_dirtab	*dir;	/* NULL: empty */
	uint32_t		 def;	/* id of the /0 entry */
	uint32_t		 npfx;	/* prefixes with plen > 0 */
	uint8_t			 bits;	/* 32, 128 or 48 */
	uint8_t			 dbits;	/* writer: of dir, or of the next */
	uint32_t		 lencnt[129];	/* writer: prefixes per length */
};

struct mc_grp {
	struct mc_grp		*hnext;	/* read by workers */
	uint32_t		 iid;
	uint32_t		 idx;
	struct mc_table		 t[3];	/* IPv4, IPv6, MAC */
	uint32_t		 count;	/* non-static entries */
	uint32_t		 hand;	/* CLOCK hand: next id to look at */
};

/*
 * A counter cell.  In a worker's entry cells, hot caches what the
 * worker's packet path reads of the entry (see mapcache_use()): 0 until
 * the worker first counts the entry, then HOT_VALID | state << HOT_STSHIFT
 * | RLOC set index.  It takes what was padding, so the cache is free; it
 * is written by the worker only, reset with the cell when the id is
 * reused (id_alloc(), past a grace period), and both fields are
 * immutable while the entry is published.
 */
struct mc_ctr {
	uint64_t		 pkts;
	uint64_t		 bytes;
	uint32_t		 last;
	uint32_t		 hot;
};

#define HOT_VALID	0x80000000u
#define HOT_STSHIFT	26		/* set index < 2^26 (ID_MAX + 1) */
#define HOT_SETMASK	((1u << HOT_STSHIFT) - 1)

_Static_assert(ID_MAX < HOT_SETMASK, "hot word set index");

/*
 * The selection table of an RLOC set for its current up/down flags,
 * 64-byte aligned.  The first cache line holds all that the common
 * cases read: the mode, and for SEL_KEY4 up to SEL_SLOTS candidates
 * padded with slots that can never win (see sel_key4()).  c[] holds
 * every candidate, for the other modes and the reference.
 */
#define SEL_SLOTS	4

enum {
	SEL_NONE,		/* no usable RLOC */
	SEL_ONE,		/* one: idx[0], no hash */
	SEL_KEY4,		/* 2..SEL_SLOTS of unequal weights */
	SEL_EQ4,		/* 2..SEL_SLOTS of equal weights */
	SEL_LOOP,		/* the rest: equal weights, or more */
};

struct mc_sel {
	uint8_t			 mode;
	uint8_t			 idx[SEL_SLOTS];
	uint8_t			 nslots;	/* candidates in the slots */
	uint8_t			 pad[2];
	float			 rw[SEL_SLOTS];	/* 1 / w; padding 2^100 */
	uint64_t		 seed[SEL_SLOTS];
	uint64_t		 pad2;
	unsigned		 n;
	unsigned		 eqw;	/* every candidate has the same weight */
	struct {
		uint64_t	 seed;
		double		 w;
		double		 rw;	/* 1 / w, for sel_key() */
		uint32_t	 idx;
	}			 c[];
};

_Static_assert(offsetof(struct mc_sel, n) == 64, "mc_sel first line");

struct mapcache_rlocset {
	struct mc_sel		*sel;		/* read by workers */
	struct mc_ctr		*ctr;		/* [worker] rows of rowlen */
	struct mapcache_rlocset	*hnext;		/* intern hash */
	uint64_t		 hash;
	uint32_t		 refcnt;
	uint32_t		 n;
	uint32_t		 rowlen;	/* counters per worker row */
	uint32_t		 size;
	uint32_t		 idx;		/* in mc->sets, entry->rset */
	struct mapcache_rloc	 rloc[];
};

/* One per worker, on its own cache lines. */
struct mc_worker {
	uint64_t		 epoch;		/* release-stored at quiescence */
	uint32_t		 head;		/* use ring producer */
	uint32_t		 drops;
	struct mc_ctr		**ctr;		/* [chunk], set by the worker */
	uint32_t		*ring;
	struct mc_ctr		*ctrmem;	/* reservation for ctr[] */
	uint32_t		 nctr;		/* chunks allocated */
	char			 pad0[64 - 44];
	uint32_t		 tail;		/* use ring consumer */
	char			 pad1[64 - 4];
};

/*
 * Expiry timers: a hierarchical timing wheel of entry ids.  Level k has
 * 64 slots of 64^k seconds (level 5: the top 2 bits of the clock, 4
 * slots); an expiry time t goes to the level of the highest 6-bit group
 * in which it differs from the wheel time wt, in the slot of that group
 * of t.  Level 0 slots are exact seconds; when wt enters a higher slot's
 * range its ids move down (each id moves at most five times).  A slot is
 * a list of blocks of ids: 4 bytes per timer and no per-entry link.
 * Deletion is lazy: an id whose entry is gone, static now, or refreshed
 * to another time is dropped when its slot comes up (a refresh adds a
 * new id), and the wheel is rebuilt from the slab when such stale ids
 * outnumber the live ones.
 */
#define TW_LEVELS	6
#define TW_DUE		(TW_LEVELS * 64)	/* slot: due before wt */
#define TW_BLK		61

struct tw_blk {
	struct tw_blk		*next;
	uint32_t		 n;
	uint32_t		 id[TW_BLK];
};

struct gc_batch {
	struct rcu_head		 rh;
	struct mapcache		*mc;
	unsigned		 nptr, nid, nrng;
	void			*ptr[GC_BATCH];
	struct pt_range		 rng[GC_BATCH];
	uint32_t		 id[GC_BATCH];
};

/* Blocks of the update in progress: freed or kept when it ends. */
struct pt_oplog {
	struct pt_range		*r;
	uint32_t		 n, cap;
};

struct mapcache {
	struct mc_grp		*grp_hash[GRP_BUCKETS];	/* read by workers */
	struct mapcache_entry	*slab;		/* [max_entries], aligned */
	struct mapcache_rlocset	**sets;		/* [max_entries + 1] */
	uint64_t		*ref;		/* CLOCK use bits by id */
	uint64_t		*live;		/* published-entry bits by id */
	uint32_t		*grp_iid;	/* [GRP_MAX], read by workers */
	struct mc_worker	*w;
	unsigned		 workers;
	uint32_t		 max_per_iid;
	uint32_t		 max_entries;
	uint32_t		 max_chunks;	/* counter chunks */
	uint32_t		 now;		/* read by workers */

	struct mc_grp		**grps;
	uint32_t		 ngrps, grpcap;

	uint32_t		 next_id;	/* high-water mark */
	uint32_t		*free_ids;
	uint32_t		 nfree, freecap;
	uint32_t		 set_top;	/* set index high-water mark */
	uint32_t		*free_sets;
	uint32_t		 nfreesets, freesetcap;

	struct tw_blk		*tw[TW_DUE + 1];	/* [level * 64 + slot] */
	uint64_t		 tw_occ[TW_LEVELS];	/* non-empty slots */
	struct tw_blk		*tw_free;	/* spare blocks */
	uint32_t		 tw_time;	/* wt: next second to process */
	uint32_t		 tw_nfree;
	uint64_t		 tw_items, tw_blocks;
	uint64_t		 nlive, nstatic;

	struct mapcache_rlocset	**set_hash;
	uint32_t		 set_buckets, nsets;

	/* Poptrie arrays (read by workers through the bases). */
	struct pt_node		*nodes;
	struct pt_node6		*nodes6;	/* IPv6 */
	uint32_t		*leaves;
	struct pt_arena		 pa[3];		/* nodes, leaves, nodes6 */
	unsigned		 wk;	/* writer: node arena of the table */
	struct pt_oplog		 op_old, op_new;
	struct pt_range		*rready;	/* ranges past their grace */
	uint32_t		 nrready, rreadycap;
	uint64_t		 mem_dir;	/* direct arrays */

	/* Exact-match index (writer): entry ids, 0 = empty. */
	uint32_t		*xh;
	uint32_t		 xhcap, xhn, xhtomb;

	struct gc_batch		*gc;
	uint32_t		*ready;		/* ids past their grace period */
	uint32_t		 nready, readycap;

	struct mapcache_info	 st;
};

static const uint8_t af_bits[3] = { 32, 128, 48 };
/*
 * Direct-pointing widths.  A full table uses af_dbits (Poptrie's 18 for
 * IPv4, and IPv6, see below); a table starts at PT_DBITS_MIN, 2 KiB,
 * and is rebuilt 4 bits wider (at most af_dbits) when 1 << wider <= 8 *
 * prefixes: the wider array costs at most 64 bytes per prefix then,
 * less as the table grows on, and an instance with a handful of
 * prefixes does not cost 2 MiB.
 * A rebuild reinserts every prefix, so the steps are 4 bits (16 times
 * the prefixes) apart: on the way to a full table the rebuilds reinsert
 * 512 + 8192 + 32768 prefixes (IPv4 and IPv6; 512 + 8192 for MAC).
 * Arrays do not shrink until the table is empty.  Tail records need
 * dbits >= 8: they hold up to 128 - 8 key bits.
 *
 * IPv6 at 18 rather than 16: node levels then start at 18, 24, 30, 36,
 * 42, so an allocation (/32) sits in one level-30 node and the /48s
 * under it mostly end in a tail record at 42; at 16 (levels ... 34, 40,
 * 46) more than half of the lookups into a /48 took one node more (bench
 * table: 5.1 -> 4.6 records per lookup).  The array cost 2 MiB rather
 * than 512 KiB (4 MiB since IPv6 slots are 16 bytes), and the trie is
 * smaller (bench, IPv6 alone: 35.2 -> 32.1 trie bytes per prefix).  20
 * would cost 8 MiB, 4 bytes per prefix of the bench's 2M, for little
 * more (4.5 records per lookup).
 */
#define PT_DBITS_MIN	8
static const uint8_t af_dbits[3] = { 18, 18, 16 };

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

/*
 * Slot 0 of the slab (id 0 is never an entry) holds what a reader needs
 * to go from an entry to its RLOC set.
 */
struct mc_slabhdr {
	struct mapcache_rlocset	*const *sets;
	const uint32_t		*grp_iid;
};

static inline const struct mc_slabhdr *
slab_hdr(const struct mapcache_entry *e)
{
	return (const struct mc_slabhdr *)((uintptr_t)e & ~(SLAB_ALIGN - 1));
}

_Static_assert(sizeof(struct mapcache_entry) == 28, "entry layout");
_Static_assert(sizeof(struct mc_slabhdr) <= sizeof(struct mapcache_entry),
    "slab header");

static inline struct mapcache_entry *
entry_of(const struct mapcache *mc, uint32_t id)
{
	return &mc->slab[id];
}

static inline const struct mapcache_rlocset *
set_of(const struct mapcache_entry *e)
{
	if (e->rset == 0)
		return NULL;
	return LOAD(slab_hdr(e)->sets[e->rset]);
}

/*
 * Writer-only bits by id: live (published, not yet retired) and the
 * CLOCK use bit.  Kept out of the entries so that a published entry is
 * never written but for expires.
 */
static inline void
bit_set(uint64_t *v, uint32_t id)
{
	v[id >> 6] |= 1ULL << (id & 63);
}

static inline void
bit_clear(uint64_t *v, uint32_t id)
{
	v[id >> 6] &= ~(1ULL << (id & 63));
}

static inline int
bit_test(const uint64_t *v, uint32_t id)
{
	return (v[id >> 6] >> (id & 63)) & 1;
}

/* A live non-static entry: one with a timer and a place in the CLOCK. */
static inline int
live_dyn(const struct mapcache *mc, uint32_t id)
{
	return id < mc->next_id && bit_test(mc->live, id) &&
	    !(mc->slab[id].flags & MAPCACHE_F_STATIC);
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

/*
 * The lookup.  `wide` is a constant at each call site so that the IPv4
 * and MAC paths compile to 64-bit arithmetic only.
 */
/*
 * A tail record at bit position p stands for a subtree holding one
 * prefix x over a default d: the answer is x if the address is inside
 * x, else d.  It replaces the chain of single-child nodes a lone long
 * prefix (an IPv6 /64 or /128) would otherwise need, one dependent miss
 * per 6 bits.  The record carries what the check needs:
 *
 *    vec:leafvec  x's bits [p, plen) left-aligned (at most 120 bits,
 *                 as p >= 8), plen - p in the low 8 bits (so that a
 *                 walk compares without knowing p)
 *    base0        x
 *    base1        d | PT_TAIL (node indices stay below 2^31)
 *
 * A skip record at p stands for a chain of nodes at p, p + 6, ..., q - 6
 * that each have one child and one leaf value d elsewhere, and the
 * record at q under them: the walk goes on at q if the address has the
 * chain's key bits, else answers d.  On the bench's IPv6 table the
 * levels above an allocation (/32) hold one child each, so every lookup
 * paid three records to get from the direct array to its /32; a skip
 * record makes that one.
 *
 *    vec:leafvec  the key bits [p, q) left-aligned (at most 120), q - p
 *                 in the low 8 bits
 *    base0        a block of one record: the record at q (a node or a
 *                 tail record, never a skip record)
 *    base1        d | PT_TAIL | PT_SKIP (ids stay below 2^25)
 *
 * A skip record over d = 0 can be dense, like a direct slot (see there):
 * if the node at q has an aligned window of 2^j slots holding children
 * and the leaf 0 elsewhere, the key bits go on to q + 6 - j (the
 * window's position), their count in the low 8 bits, base0 is that
 * node's children block, indexed by the next j bits, and j is in bits
 * 25..27 of base1.  The node at q is not kept: the writer rebuilds it
 * from the window (its one leaf run reads the leaf arena's index 0,
 * never allocated, so always 0).  On the bench a direct slot holding
 * two /32s leads to a node at 18 whose children are skips to the nodes
 * at 30 of the /32s; dense, a lookup there reads four records instead
 * of five, and the deepest walk bounds a whole burst.
 */
#define PT_TAIL		0x80000000u
#define PT_SKIP		0x40000000u
#define PT_DMASK	0x01ffffffu	/* a comp record's d */
#define PT_SWIN(r)	(((r)->base1 >> 25) & 7)	/* dense skip: j */

/*
 * A double tail record (IPv6) at p stands for a subtree holding two
 * prefixes x1 and x2 over a default d, x2 at least as long as x1 (inside
 * it or beside it), x1 at most 32 bits below p and x2 at most 96: the
 * answer is x2 if the address is inside x2, else x1 if inside x1, else
 * d.  On the bench a /42 holding two prefixes (a tenth of the lookups)
 * was a node at 42 with tails at 48 under it: a walk read three
 * records, and the burst waited on that third round.  x2 may be a /128
 * beside a /48../74 (86 bits below a node at 42): with x2 limited to 32
 * bits, such pairs (3.3 % of the bench's lookups) still took the three
 * records, and about half the bursts waited for them.
 *
 *    vec          x2's bits [p, p + 64)
 *    leafvec      x2 in bits 39..63, plen2 - p in bits 8..14, plen1 - p
 *                 in bits 0..5
 *    base0        x1
 *    base1        d | PT_TAIL | PT_TAIL2
 *    pad          x2's bits [p + 64, p + 96) in the top half, x1's bits
 *                 [p, p + 32) in the low half
 *
 * The pad word is in the record's cache line (IPv6 records do not
 * straddle lines), so the answer costs no further read.  The writer
 * carries records as 24-byte struct pt_node and derives the pad from the
 * two entries when it stores the record (pt_put(): p is plen2 minus
 * the length in leafvec), so that it never has to carry or compare it.
 */
#define PT_TAIL2	0x10000000u

/*
 * A triple tail record (IPv6, a double tail with PT_TAIL3 set) at p
 * stands for a subtree holding three prefixes x1, x2, x3 (by length,
 * nested or beside one another) over d, all at most 32 bits below p:
 * the answer is the first of x3, x2, x1 whose bits the address has,
 * else d.  After the long double tails, three prefixes in a /42 (0.6 %
 * of the bench's lookups) were the commonest walk that still read node
 * 42 and a tail at 48.
 *
 *    vec          x3's bits [p, p + 32) in the top half, x2's in the low
 *    leafvec      x3 in bits 39..63, x2 in bits 14..38, plen3 - p in
 *                 bits 8..13, plen2 - p in bits 0..5
 *    base0        x1, plen1 - p in bits 25..30
 *    base1        d | PT_TAIL | PT_TAIL2 | PT_TAIL3
 *    pad          x1's bits [p, p + 32) in the low half (from the
 *                 entries, as for a double tail)
 */
#define PT_TAIL3	0x20000000u

/* A tail or a skip record: no slots, base1 & PT_DMASK the default. */
static inline int
pt_is_comp(const struct pt_node *n)
{
	return (n->base1 & PT_TAIL) != 0;
}

static inline int
pt_is_tail(const struct pt_node *n)
{
	return (n->base1 & (PT_TAIL | PT_SKIP)) == PT_TAIL;
}

static inline int
pt_is_skip(const struct pt_node *n)
{
	return (n->base1 & (PT_TAIL | PT_SKIP)) == (PT_TAIL | PT_SKIP);
}

/*
 * A double or triple tail record (a comp record, checked after
 * pt_is_comp()).
 */
static inline int
pt_is_tail2(const struct pt_node *n)
{
	return (n->base1 & (PT_TAIL2 | PT_SKIP)) == PT_TAIL2;
}

/*
 * The answer of a double tail record (in the IPv6 arena: its pad word
 * follows), khi:klo the address shifted left by p.
 */
static inline __attribute__((always_inline)) uint32_t
tail2_answer(const struct pt_node *n, uint64_t khi, uint64_t klo)
{
	uint64_t pad = ((const struct pt_node6 *)n)->pad;
	unsigned __int128 a, k;
	unsigned m1 = n->leafvec & 0x3f, m2 = (n->leafvec >> 8) & 0x7f;
	uint32_t b = (uint32_t)(khi >> 32);

	if (n->base1 & PT_TAIL3) {
		/* m1 is plen2 - p here, m2 plen3 - p (6 bits: x2 is above). */
		m2 &= 0x3f;
		if (((b ^ (uint32_t)(n->vec >> 32)) >> (32 - m2)) == 0)
			return (uint32_t)(n->leafvec >> 39);
		if (((b ^ (uint32_t)n->vec) >> (32 - m1)) == 0)
			return (uint32_t)(n->leafvec >> 14) & PT_DMASK;
		if (((b ^ (uint32_t)pad) >> (32 - (n->base0 >> 25))) == 0)
			return n->base0 & PT_DMASK;
		return n->base1 & PT_DMASK;
	}
	a = (unsigned __int128)khi << 64 | klo;
	k = (unsigned __int128)n->vec << 64 | (pad & ~0xffffffffULL);
	if (((a ^ k) >> (128 - m2)) == 0)
		return (uint32_t)(n->leafvec >> 39);
	if (((b ^ (uint32_t)pad) >> (32 - m1)) == 0)
		return n->base0;
	return n->base1 & PT_DMASK;
}

/* Does key k (the address shifted left by p) have the record's bits? */
static inline __attribute__((always_inline)) int
comp_match(const struct pt_node *n, uint64_t khi, uint64_t klo)
{
	unsigned __int128 a, k;
	unsigned m = n->leafvec & 0xff;

	a = (unsigned __int128)khi << 64 | klo;
	k = (unsigned __int128)n->vec << 64 | (n->leafvec & ~0xffULL);
	return ((a ^ k) >> (128 - m)) == 0;
}

/* Does the address have a skip record's bits? */
static inline __attribute__((always_inline)) int
skip_in(const struct pt_node *n, uint64_t hi, uint64_t lo, unsigned p)
{
	unsigned __int128 a = ((unsigned __int128)hi << 64 | lo) << p;

	return comp_match(n, (uint64_t)(a >> 64), (uint64_t)a);
}

/*
 * The answer of a tail record, or of a skip record the key misses
 * (wide: or of a double tail; IPv4 and MAC tables have none).
 */
static inline __attribute__((always_inline)) uint32_t
tail_match(const struct pt_node *n, uint64_t hi, uint64_t lo, unsigned p,
    int wide)
{
	unsigned __int128 a = ((unsigned __int128)hi << 64 | lo) << p;

	if (wide && pt_is_tail2(n))
		return tail2_answer(n, (uint64_t)(a >> 64), (uint64_t)a);
	return comp_match(n, (uint64_t)(a >> 64), (uint64_t)a) &&
	    !pt_is_skip(n) ? n->base0 : n->base1 & PT_DMASK;
}

/* A reader's node i: IPv6 (wide) tables have their own arena. */
static inline __attribute__((always_inline)) const struct pt_node *
pt_rd(const struct mapcache *mc, uint32_t i, int wide)
{
	return wide ? &mc->nodes6[i].r : &mc->nodes[i];
}

/* The writer's node i, in the node arena of the table it writes. */
static inline struct pt_node *
pt_nd(struct mapcache *mc, uint32_t i)
{
	return mc->wk ? &mc->nodes6[i].r : &mc->nodes[i];
}

/* Which node arena a table's records live in. */
static inline unsigned
pt_kind(const struct mc_table *t)
{
	return t->bits == 128 ? 2 : 0;
}

/* The writer's view of direct slot i (readers load the words themselves). */
static inline uint32_t
dir_v(const struct pt_dirtab *d, size_t i)
{
	return (uint32_t)d->s[i << d->wide];
}

static inline uint32_t
dir_k(const struct pt_dirtab *d, size_t i)
{
	return d->wide ? (uint32_t)(d->s[i << 1] >> 32) : 0;
}

/* The record at q of a slot's skip (dense: the node kept for the writer). */
static inline uint32_t
dir_rec(const struct pt_dirtab *d, size_t i)
{
	return PT_KWIN(dir_k(d, i)) ? (uint32_t)(d->s[(i << 1) + 1] >> 32) :
	    dir_v(d, i);
}

static inline uint32_t
dir_sd(const struct pt_dirtab *d, size_t i)
{
	return d->wide ? (uint32_t)d->s[(i << 1) + 1] :
	    (uint32_t)(d->s[i] >> 32);
}

static inline void
dir_set_sd(struct pt_dirtab *d, size_t i, uint32_t sd)
{
	if (d->wide)
		PUBLISH(d->s[(i << 1) + 1], (d->s[(i << 1) + 1] &
		    ~0xffffffffULL) | sd);
	else
		PUBLISH(d->s[i], (d->s[i] & 0xffffffffULL) |
		    (uint64_t)sd << 32);
}

/*
 * k: a skip in the slot (IPv6 only), 0 if none; rec: the node at q of a
 * dense slot (writer only), or the children block of the slot's node
 * (k == 0: a prefetch hint for readers, see struct pt_dirtab).
 */
static inline void
dir_set_vk(struct pt_dirtab *d, size_t i, uint32_t v, uint32_t k,
    uint32_t rec)
{
	if (d->wide) {
		STORE(d->s[(i << 1) + 1], (d->s[(i << 1) + 1] &
		    0xffffffffULL) | (uint64_t)rec << 32);
		PUBLISH(d->s[i << 1], v | (uint64_t)k << 32);
	} else
		PUBLISH(d->s[i], (d->s[i] & ~0xffffffffULL) | v);
}

static inline size_t
dir_bytes(const struct pt_dirtab *d)
{
	return sizeof(*d) + ((size_t)8 << d->dbits << d->wide);
}

/*
 * Does the key shifted left by D (khi) miss the skip k of a direct slot?
 * k != 0; PT_KLEN(k) <= PT_KBITS, so its bits are all in khi.
 */
static inline __attribute__((always_inline)) int
dir_skip_miss(uint32_t k, uint64_t khi)
{
	return ((khi ^ (uint64_t)k << 32) >> (64 - PT_KLEN(k))) != 0;
}

/*
 * The slot's skip taken (khi: the key shifted left by D): the index in
 * v's block (0 unless dense) and the bits the walk moves on, m + j.
 */
static inline __attribute__((always_inline)) uint32_t
dir_skip_idx(uint32_t k, uint64_t khi, unsigned *shift)
{
	unsigned m = PT_KLEN(k), j = PT_KWIN(k);

	*shift = m + j;
	/* j = 0: the top bit of khi << m >> 1 is 0. */
	return (uint32_t)(((khi << m) >> 1) >> (63 - j));
}

static inline __attribute__((always_inline)) uint32_t
pt_lookup(const struct mapcache *mc, const struct mc_table *t, uint64_t hi,
    uint64_t lo, int ai, int wide)
{
	const struct pt_node *n;
	const struct pt_dirtab *dir;
	const uint64_t *ds;
	uint64_t w;
	uint32_t v, k, id;
	unsigned p, s;

	(void)ai;	/* tail records need no entry read */
	if ((dir = CONSUME(t->dir)) == NULL)
		return CONSUME(t->def);
	p = dir->dbits;
	ds = &dir->s[(hi >> (64 - p)) << wide];
	w = CONSUME(*ds);
	v = (uint32_t)w;
	k = wide ? (uint32_t)(w >> 32) : 0;
	if (v & PT_LEAF)
		id = v & ~PT_LEAF;
	else if (wide && k != 0 && dir_skip_miss(k, hi << p))
		id = 0;
	else {
		if (wide && k != 0) {
			v += dir_skip_idx(k, hi << p, &s);
			p += s;
		}
		n = pt_rd(mc, v, wide);
		for (;;) {
			if (pt_is_comp(n)) {
				if (pt_is_skip(n) && skip_in(n, hi, lo, p)) {
					p += n->leafvec & 0xff;
					s = PT_SWIN(n);
					n = pt_rd(mc, n->base0 + (s ? bits6(hi,
					    lo, p) >> (6 - s) : 0), wide);
					p += s;
					continue;
				}
				id = tail_match(n, hi, lo, p, wide);
				break;
			}
			s = wide ? bits6(hi, lo, p) : (hi >> (58 - p)) & 63;
			if ((n->vec >> s) & 1) {
				n = pt_rd(mc, n->base1 + __builtin_popcountll(
				    n->vec & ((2ULL << s) - 1)) - 1, wide);
				p += 6;
				continue;
			}
			id = mc->leaves[n->base0 + __builtin_popcountll(
			    n->leafvec & ((2ULL << s) - 1)) - 1];
			break;
		}
	}
	if (id == 0 && (id = wide ? (uint32_t)CONSUME(ds[1]) :
	    (uint32_t)(w >> 32)) == 0)
		id = CONSUME(t->def);
	return id;
}

/* Arena ------------------------------------------------------------------ */

static int
pa_init(struct pt_arena *a, size_t elsz, uint64_t cap)
{
	size_t len;

	if (cap > 0x7fffffffu)
		cap = 0x7fffffffu;
	len = (size_t)cap * elsz;
	a->base = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->base == MAP_FAILED) {
		a->base = NULL;
		return -1;
	}
	(void)madvise(a->base, len, MADV_HUGEPAGE);
	a->elsz = elsz;
	a->cap = cap;
	a->top = 1;		/* index 0 is never a block */
	return 0;
}

static void
pa_fini(struct pt_arena *a)
{
	unsigned i;

	if (a->base != NULL) {
		UNPOISON(a->base, (size_t)a->cap * a->elsz);
		munmap(a->base, (size_t)a->cap * a->elsz);
	}
	for (i = 0; i < 65; i++)
		free(a->fl[i]);
}

/* Put a block no reader can see any more on its free list. */
static void
pa_put(struct pt_arena *a, uint32_t start, unsigned n)
{
	uint32_t cap, *nf;

	if (a->fln[n] == a->flcap[n]) {
		cap = a->flcap[n] ? a->flcap[n] * 2 : 64;
		if ((nf = realloc(a->fl[n], cap * sizeof(*nf))) == NULL)
			return;		/* leaked, not reused early */
		a->fl[n] = nf;
		a->flcap[n] = cap;
	}
	a->fl[n][a->fln[n]++] = start;
	a->flmask |= 1ULL << (n - 1);
	POISON(a->base + (size_t)start * a->elsz, n * a->elsz);
}

static void
rready_drain(struct mapcache *mc)
{
	uint32_t i;

	pthread_mutex_lock(&gc_lock);
	for (i = 0; i < mc->nrready; i++)
		pa_put(&mc->pa[mc->rready[i].kind], mc->rready[i].start,
		    mc->rready[i].n);
	STORE(mc->nrready, 0);
	pthread_mutex_unlock(&gc_lock);
}

static void gc_barrier(struct mapcache *);

static int
oplog_add(struct pt_oplog *l, uint32_t start, unsigned kind, unsigned n)
{
	struct pt_range *nr;
	uint32_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 256;
		if ((nr = realloc(l->r, cap * sizeof(*nr))) == NULL)
			return -1;
		l->r = nr;
		l->cap = cap;
	}
	l->r[l->n++] = (struct pt_range){ start, kind, n };
	return 0;
}

/* A block of n (1..64) elements; 0 if none left. */
static uint32_t
pa_alloc(struct mapcache *mc, unsigned kind, unsigned n)
{
	struct pt_arena *a = &mc->pa[kind];
	uint32_t start;
	uint64_t big;
	unsigned m;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (a->fln[n] == 0 && LOAD(mc->nrready) > 0)
			rready_drain(mc);
		if (a->fln[n] > 0) {
			start = a->fl[n][--a->fln[n]];
			if (a->fln[n] == 0)
				a->flmask &= ~(1ULL << (n - 1));
			a->spare -= n;
			goto got;
		}
		/*
		 * Copy-on-write frees a node's blocks and allocates blocks
		 * one larger, so blocks of exactly n are often missing while
		 * smaller and larger ones pile up.  Split the smallest larger
		 * free block rather than grow the arena.
		 */
		big = n < 64 ? a->flmask >> n : 0;
		if (big != 0) {
			m = n + 1 + __builtin_ctzll(big);
			start = a->fl[m][--a->fln[m]];
			if (a->fln[m] == 0)
				a->flmask &= ~(1ULL << (m - 1));
			pa_put(a, start + n, m - n);
			a->spare -= n;
			goto got;
		}
		if (a->cap - a->top >= n) {
			start = a->top;
			a->top += n;
			goto got;
		}
		/* Full: wait for what is queued to come back. */
		gc_barrier(mc);
	}
	return 0;
 got:
	if (oplog_add(&mc->op_new, start, kind, n) == -1) {
		pa_put(a, start, n);
		a->spare += n;
		return 0;
	}
	UNPOISON(a->base + (size_t)start * a->elsz, n * a->elsz);
	a->used += n;
	return start;
}

/* Deferred free ---------------------------------------------------------- */

static void
gc_cb(struct rcu_head *rh)
{
	struct gc_batch *b = caa_container_of(rh, struct gc_batch, rh);
	struct mapcache *mc;
	struct pt_range *nrr;
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
	if (mc->nrready + b->nrng > mc->rreadycap) {
		cap = mc->rreadycap ? mc->rreadycap * 2 : 1024;
		while (cap < mc->nrready + b->nrng)
			cap *= 2;
		if ((nrr = realloc(mc->rready, cap * sizeof(*nrr))) == NULL) {
			log_warnx("%s: out of memory, %u blocks lost",
			    __func__, b->nrng);
			b->nrng = 0;
		} else {
			mc->rready = nrr;
			mc->rreadycap = cap;
		}
	}
	if (b->nrng > 0)
		memcpy(mc->rready + mc->nrready, b->rng,
		    b->nrng * sizeof(*b->rng));
	STORE(mc->nrready, mc->nrready + b->nrng);	/* peeked at unlocked */
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
	    mc->gc->nid == GC_BATCH || mc->gc->nrng == GC_BATCH))
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
gc_range(struct mapcache *mc, struct pt_range r)
{
	struct gc_batch *b = gc_batch(mc);

	/* Counted spare from now: it is reused once the callback ran. */
	mc->pa[r.kind].used -= r.n;
	mc->pa[r.kind].spare += r.n;
	b->rng[b->nrng++] = r;
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
 * The leaf rule of one update, inside the prefix's range: leaves `from`
 * become `to`.  Insert: from is the longest prefix of length <= plen
 * covering the new one (the old id of a replacement), the only value a
 * leaf in the range can hold unless a longer prefix owns it.  Delete:
 * from is the deleted id, to the next shorter covering prefix.
 */
struct pt_op {
	uint32_t		 from, to;
	unsigned		 plen;
	int			 ins;	/* to is the prefix inserted */
};

static inline uint32_t
op_leaf(const struct mapcache *mc, const struct pt_op *op, uint32_t v)
{
	(void)mc;
	return v == op->from ? op->to : v;
}

static uint32_t	xh_find(struct mapcache *, uint32_t, unsigned, unsigned,
		    uint64_t, uint64_t);
static inline uint32_t xh_hash(uint32_t, unsigned, unsigned, uint64_t,
		    uint64_t);
static inline uint32_t xh_home(const struct mapcache *, uint32_t);

/*
 * The longest prefix covering the key whose length is in [1, L] if
 * L <= dbits (slot defaults), else in (dbits, L] (subtree leaves); 0 if
 * none.
 */
static uint32_t
pt_cover(struct mapcache *mc, struct mc_grp *g, int ai, uint64_t hi,
    uint64_t lo, unsigned L)
{
	struct mc_table *t = &g->t[ai];
	unsigned min = L <= t->dbits ? 1 : t->dbits + 1, len[129], n = 0, i;
	uint64_t h[129], l[129];
	uint32_t id;

	if (mc->xhcap == 0)
		return 0;
	/*
	 * One probe per length present, each likely a cache miss: start
	 * them all, then check from the longest.
	 */
	for (; L >= min; L--) {
		if (t->lencnt[L] == 0)
			continue;
		h[n] = hi;
		l[n] = lo;
		key_mask(&h[n], &l[n], L);
		len[n] = L;
		__builtin_prefetch(&mc->xh[xh_home(mc, xh_hash(g->iid, ai, L,
		    h[n], l[n]))]);
		n++;
	}
	for (i = 0; i < n; i++)
		if ((id = xh_find(mc, g->iid, ai, len[i], h[i], l[i])) != 0)
			return id;
	return 0;
}

/*
 * A slot as the writer sees it: a leaf, a record, or a skip record not
 * yet written (node 2: it gets its block of one record when its parent
 * is written, so that decoding and folding skips allocates nothing).
 */
struct pt_slot {
	int			 node;
	uint32_t		 leaf;		/* node 2: d */
	struct pt_node		 rec;		/* node 2: the record at q */
	uint64_t		 khi, klo;	/* node 2: bits [p, q) */
	unsigned		 q;
};

/* The tail record at p for x over d. */
static struct pt_node
tail_make(struct mapcache *mc, uint32_t x, uint32_t d, unsigned p)
{
	const struct mapcache_entry *e = entry_of(mc, x);
	struct pt_node r;
	unsigned __int128 k;
	uint64_t hi, lo;

	key_load(af_index(e->afi), e->eid, &hi, &lo);
	k = ((unsigned __int128)hi << 64 | lo) << p;
	r.vec = (uint64_t)(k >> 64);
	r.leafvec = ((uint64_t)k & ~0xffULL) | (e->plen - p);
	r.base0 = x;
	r.base1 = d | PT_TAIL;
	return r;
}

/* The 64 slots of the node at p that the tail record r stands for. */
static void
tail_decode(struct mapcache *mc, const struct pt_node *r, unsigned p,
    struct pt_slot *sl)
{
	const struct mapcache_entry *e = entry_of(mc, r->base0);
	uint32_t d = r->base1 & PT_DMASK;
	uint64_t hi, lo;
	unsigned x, k, s;

	key_load(af_index(e->afi), e->eid, &hi, &lo);
	x = bits6(hi, lo, p);
	for (s = 0; s < 64; s++) {
		sl[s].node = 0;
		sl[s].leaf = d;
	}
	if (e->plen <= p + 6) {
		k = p + 6 - e->plen;
		for (s = x >> k << k; s < (x >> k << k) + (1u << k); s++)
			sl[s].leaf = r->base0;
	} else {
		sl[x].node = 1;
		sl[x].rec = tail_make(mc, r->base0, d, p + 6);
	}
}

/*
 * Can the node at p with slots sl[] be a tail record?  Yes if its slots
 * hold one prefix x that lies inside the node (as leaves, or as one
 * tail child) and one other value d everywhere else.
 */
static int
tail_fold(struct mapcache *mc, const struct pt_slot *sl, unsigned p,
    struct pt_node *r)
{
	uint32_t x = 0, d = 0, v[2];
	unsigned s, nv = 0, i;
	int haved = 0;

	for (s = 0; s < 64; s++) {
		if (sl[s].node) {
			if (sl[s].node == 2 || !pt_is_tail(&sl[s].rec) ||
			    pt_is_tail2(&sl[s].rec) || x != 0)
				return 0;
			x = sl[s].rec.base0;
			if (haved && d != (sl[s].rec.base1 & ~PT_TAIL))
				return 0;
			d = sl[s].rec.base1 & ~PT_TAIL;
			haved = 1;
			continue;
		}
		for (i = 0; i < nv; i++)
			if (v[i] == sl[s].leaf)
				break;
		if (i == nv) {
			if (nv == 2)
				return 0;
			v[nv++] = sl[s].leaf;
		}
	}
	if (x != 0) {
		/* A tail child: every leaf is d. */
		if (nv != 1 || v[0] != d)
			return 0;
	} else {
		if (nv != 2)
			return 0;
		/* x is the value whose prefix lies inside the node. */
		if (v[0] != 0 && entry_of(mc, v[0])->plen > p) {
			x = v[0];
			d = v[1];
		} else {
			x = v[1];
			d = v[0];
		}
		if (x == 0 || entry_of(mc, x)->plen <= p ||
		    (d != 0 && entry_of(mc, d)->plen > p))
			return 0;
	}
	*r = tail_make(mc, x, d, p);
	return 1;
}

/* The double tail record at p for x1 and x2 over d; 0 if they do not fit. */
static int
tail2_make(struct mapcache *mc, uint32_t x1, uint32_t x2, uint32_t d,
    unsigned p, struct pt_node *r)
{
	const struct mapcache_entry *e1, *e2;
	uint64_t h2, l2;
	uint32_t t;

	if (entry_of(mc, x1)->plen > entry_of(mc, x2)->plen) {
		t = x1;
		x1 = x2;
		x2 = t;
	}
	e1 = entry_of(mc, x1);
	e2 = entry_of(mc, x2);
	if (e1->plen <= p || e1->plen > p + 32 || e2->plen > p + 96)
		return 0;
	key_load(af_index(e2->afi), e2->eid, &h2, &l2);
	r->vec = (uint64_t)(((unsigned __int128)h2 << 64 | l2) << p >> 64);
	r->leafvec = (uint64_t)x2 << 39 | (uint64_t)(e2->plen - p) << 8 |
	    (e1->plen - p);
	r->base0 = x1;
	r->base1 = d | PT_TAIL | PT_TAIL2;
	return 1;
}

/* The first 32 bits of x's key below p, in the low half. */
static uint32_t
tail_key32(struct mapcache *mc, uint32_t x, unsigned p)
{
	const struct mapcache_entry *e = entry_of(mc, x);
	uint64_t hi, lo;

	key_load(af_index(e->afi), e->eid, &hi, &lo);
	return (uint32_t)(((unsigned __int128)hi << 64 | lo) << p >> 96);
}

/*
 * The triple tail record at p for x[0..2] over d; 0 if they do not fit
 * (each at most 32 bits below p).
 */
static int
tail3_make(struct mapcache *mc, const uint32_t *xs, uint32_t d,
    unsigned p, struct pt_node *r)
{
	uint32_t x[3], t;
	unsigned i, j, m[3];

	memcpy(x, xs, sizeof(x));
	for (i = 1; i < 3; i++)
		for (j = i; j > 0 && entry_of(mc, x[j - 1])->plen >
		    entry_of(mc, x[j])->plen; j--) {
			t = x[j];
			x[j] = x[j - 1];
			x[j - 1] = t;
		}
	for (i = 0; i < 3; i++) {
		m[i] = entry_of(mc, x[i])->plen - p;
		if (entry_of(mc, x[i])->plen <= p || m[i] > 32)
			return 0;
	}
	r->vec = (uint64_t)tail_key32(mc, x[2], p) << 32 |
	    tail_key32(mc, x[1], p);
	r->leafvec = (uint64_t)x[2] << 39 | (uint64_t)x[1] << 14 |
	    m[2] << 8 | m[1];
	r->base0 = x[0] | m[0] << 25;
	r->base1 = d | PT_TAIL | PT_TAIL2 | PT_TAIL3;
	return 1;
}

/*
 * The pad word of the double tail record r (see PT_TAIL2): x2's bits
 * [p + 64, p + 96) and x1's [p, p + 32), p = plen2 - (plen2 - p).  Of a
 * triple tail: x1's bits [p, p + 32), p = plen3 - (plen3 - p).
 */
static uint64_t
tail2_pad(struct mapcache *mc, const struct pt_node *r)
{
	const struct mapcache_entry *e2 = entry_of(mc,
	    (uint32_t)(r->leafvec >> 39));
	unsigned p;
	uint64_t h2, l2;

	if (r->base1 & PT_TAIL3) {
		p = e2->plen - ((r->leafvec >> 8) & 0x3f);
		return tail_key32(mc, r->base0 & PT_DMASK, p);
	}
	p = e2->plen - ((r->leafvec >> 8) & 0x7f);
	key_load(af_index(e2->afi), e2->eid, &h2, &l2);
	l2 = (uint64_t)(((unsigned __int128)h2 << 64 | l2) << p);
	return (l2 & ~0xffffffffULL) | tail_key32(mc, r->base0, p);
}

/* Store record r the writer built at node i (of the table it writes). */
static void
pt_put(struct mapcache *mc, uint32_t i, const struct pt_node *r)
{
	*pt_nd(mc, i) = *r;
	if (mc->wk == 2 && pt_is_comp(r) && pt_is_tail2(r))
		mc->nodes6[i].pad = tail2_pad(mc, r);
}

/*
 * The 64 slots of the node at p that the double tail record r stands
 * for; -1 if a node at p + 6 would need both prefixes (not folded).
 */
static int
tail2_decode(struct mapcache *mc, const struct pt_node *r, unsigned p,
    struct pt_slot *sl)
{
	const struct mapcache_entry *e;
	uint32_t x[3], d = r->base1 & PT_DMASK;
	uint64_t hi, lo;
	unsigned i, s, k, a, n = 2;

	x[0] = r->base0;
	x[1] = (uint32_t)(r->leafvec >> 39);
	if (r->base1 & PT_TAIL3) {
		x[0] = r->base0 & PT_DMASK;
		x[1] = (uint32_t)(r->leafvec >> 14) & PT_DMASK;
		x[2] = (uint32_t)(r->leafvec >> 39);
		n = 3;
	}
	for (s = 0; s < 64; s++) {
		sl[s].node = 0;
		sl[s].leaf = d;
	}
	/* Shortest first: the longer, later, go over it. */
	for (i = 0; i < n; i++) {
		e = entry_of(mc, x[i]);
		key_load(af_index(e->afi), e->eid, &hi, &lo);
		a = bits6(hi, lo, p);
		if (e->plen <= p + 6) {
			k = p + 6 - e->plen;
			for (s = a >> k << k; s < (a >> k << k) + (1u << k);
			    s++)
				sl[s].leaf = x[i];
		} else if (sl[a].node)
			return -1;
		else {
			sl[a].node = 1;
			sl[a].rec = tail_make(mc, x[i], sl[a].leaf, p + 6);
		}
	}
	return 0;
}

/*
 * Can the node at p with slots sl[] be a double tail record (IPv6)?  Yes
 * if its slots hold exactly the prefixes x1, x2 inside the node and one
 * value d around them, laid out as tail2_decode() lays them out: the
 * candidate is decoded and compared slot by slot.
 */
static int
tail2_fold(struct mapcache *mc, const struct pt_slot *sl, unsigned p,
    struct pt_node *r)
{
	struct pt_slot t[64];
	uint32_t v[4], x[3], d = 0, id;
	unsigned s, nv = 0, i, j, nx = 0, nd = 0;

	for (s = 0; s < 64; s++) {
		if (sl[s].node == 2 || (sl[s].node &&
		    (!pt_is_tail(&sl[s].rec) || pt_is_tail2(&sl[s].rec))))
			return 0;
		for (j = 0; j < 2; j++) {
			if (sl[s].node)
				id = j ? sl[s].rec.base1 & PT_DMASK :
				    sl[s].rec.base0;
			else if (j == 0)
				id = sl[s].leaf;
			else
				break;
			for (i = 0; i < nv; i++)
				if (v[i] == id)
					break;
			if (i == nv) {
				if (nv == 4)
					return 0;
				v[nv++] = id;
			}
		}
	}
	for (i = 0; i < nv; i++) {
		if (v[i] != 0 && entry_of(mc, v[i])->plen > p) {
			if (nx == 3)
				return 0;
			x[nx++] = v[i];
		} else {
			d = v[i];
			nd++;
		}
	}
	if (nd != 1 || (nx == 2 ? !tail2_make(mc, x[0], x[1], d, p, r) :
	    nx != 3 || !tail3_make(mc, x, d, p, r)) ||
	    tail2_decode(mc, r, p, t) == -1)
		return 0;
	for (s = 0; s < 64; s++) {
		if (t[s].node != sl[s].node)
			return 0;
		if (!t[s].node ? t[s].leaf != sl[s].leaf :
		    memcmp(&t[s].rec, &sl[s].rec, sizeof(t[s].rec)) != 0)
			return 0;
	}
	return 1;
}

/*
 * The writer's view of a skip record r: its key bits [p, q) into khi:klo
 * (dense: without the window's), the record at q into rec (dense: the
 * node rebuilt from the window); returns q - p.
 */
static unsigned
skip_view(struct mapcache *mc, const struct pt_node *r, uint64_t *khi,
    uint64_t *klo, struct pt_node *rec)
{
	unsigned j = PT_SWIN(r), m = r->leafvec & 0xff;
	unsigned len = m - (j ? 6 - j : 0), lo = 0;
	unsigned __int128 k = (unsigned __int128)r->vec << 64 |
	    (r->leafvec & ~0xffULL);

	if (j == 0)
		*rec = *pt_nd(mc, r->base0);
	else {
		if (j < 6)
			lo = (unsigned)(k >> (128 - m)) &
			    ((1u << (6 - j)) - 1);
		lo <<= j;
		rec->vec = j == 6 ? ~0ULL : ((1ULL << (1u << j)) - 1) << lo;
		rec->leafvec = j == 6 ? 0 : lo > 0 ? 1 : 1ULL << (1u << j);
		rec->base0 = 0;
		rec->base1 = r->base0;
	}
	k &= ~(unsigned __int128)0 << (128 - len);
	*khi = (uint64_t)(k >> 64);
	*klo = (uint64_t)k;
	return len;
}

/* The 64 slots of the node at p that a skip (record or slot) stands for. */
static void
skip_decode(struct mapcache *mc, const struct pt_slot *in, unsigned p,
    struct pt_slot *sl)
{
	struct pt_node rec;
	uint64_t khi, klo;
	uint32_t d;
	unsigned s, c, q;

	if (in->node == 2) {
		khi = in->khi;
		klo = in->klo;
		q = in->q;
		d = in->leaf;
		rec = in->rec;
	} else {
		q = p + skip_view(mc, &in->rec, &khi, &klo, &rec);
		d = in->rec.base1 & PT_DMASK;
	}
	for (s = 0; s < 64; s++) {
		sl[s].node = 0;
		sl[s].leaf = d;
	}
	c = khi >> 58;
	sl[c].node = 1;
	sl[c].rec = rec;
	if (q > p + 6) {
		sl[c].node = 2;
		sl[c].leaf = d;
		sl[c].khi = khi << 6 | klo >> 58;
		sl[c].klo = klo << 6;
		sl[c].q = q;
	}
}

/*
 * Can the node at p with slots sl[] be a skip?  Yes if one slot is not a
 * leaf and the others hold one value d, which must also be the default
 * of a skip below (else the two do not merge).  A skip record below that
 * merges gives up its block (the record at q moves to the new one).
 */
static int
skip_fold(struct mapcache *mc, const struct pt_slot *sl, unsigned p,
    struct pt_slot *out)
{
	const struct pt_node *r;
	unsigned __int128 k, sub = 0;
	uint32_t d = 0;
	unsigned s, c = 64;

	for (s = 0; s < 64; s++) {
		if (sl[s].node) {
			if (c != 64)
				return 0;
			c = s;
		} else if (s == 0 || (s == 1 && c == 0))
			d = sl[s].leaf;
		else if (sl[s].leaf != d)
			return 0;
	}
	if (c == 64)
		return 0;
	r = &sl[c].rec;
	if (sl[c].node == 2) {
		if (sl[c].leaf != d)
			return 0;
		sub = (unsigned __int128)sl[c].khi << 64 | sl[c].klo;
		out->q = sl[c].q;
		out->rec = *r;
	} else if (pt_is_skip(r)) {
		uint64_t khi, klo;

		if ((r->base1 & PT_DMASK) != d)
			return 0;
		out->q = p + 6 + skip_view(mc, r, &khi, &klo, &out->rec);
		sub = (unsigned __int128)khi << 64 | klo;
		/* Its block of one record (a dense one has none). */
		if (PT_SWIN(r) == 0 &&
		    oplog_add(&mc->op_old, r->base0, mc->wk, 1) == -1)
			return -1;
	} else {
		out->q = p + 6;
		out->rec = *r;
	}
	k = (unsigned __int128)c << 122 | sub >> 6;
	k &= ~(unsigned __int128)0 << (128 - (out->q - p));
	out->node = 2;
	out->leaf = d;
	out->khi = (uint64_t)(k >> 64);
	out->klo = (uint64_t)k;
	return 1;
}

static unsigned	pt_dense(const struct mapcache *, const struct pt_node *);

/* Write a skip slot at p: its record, and the block it points to. */
static int
skip_write(struct mapcache *mc, const struct pt_slot *sl, unsigned p,
    struct pt_node *r)
{
	unsigned __int128 k;
	uint32_t blk;
	unsigned j, m, nl;

	if (mc->wk == 2 && sl->leaf == 0 && (j = pt_dense(mc,
	    &sl->rec)) != 0 && (m = sl->q + 6 - j - p) <= 120) {
		/* Dense: the node at q goes, its leaf block (all 0) too. */
		nl = __builtin_popcountll(sl->rec.leafvec);
		if (nl > 0 && sl->rec.base0 != 0 &&
		    oplog_add(&mc->op_old, sl->rec.base0, 1, nl) == -1)
			return -1;
		k = (unsigned __int128)sl->khi << 64 | sl->klo;
		if (j < 6)
			k |= (unsigned __int128)(__builtin_ctzll(sl->rec.vec) >>
			    j) << (128 - m);
		r->vec = (uint64_t)(k >> 64);
		r->leafvec = ((uint64_t)k & ~0xffULL) | m;
		r->base0 = sl->rec.base1;
		r->base1 = PT_TAIL | PT_SKIP | j << 25;
		return 0;
	}
	if ((blk = pa_alloc(mc, mc->wk, 1)) == 0)
		return -1;
	pt_put(mc, blk, &sl->rec);
	r->vec = sl->khi;
	r->leafvec = (sl->klo & ~0xffULL) | (sl->q - p);
	r->base0 = blk;
	r->base1 = sl->leaf | PT_TAIL | PT_SKIP;
	return 0;
}

/* Old blocks of a record, to free once the update is committed. */
static int
pt_retire(struct mapcache *mc, const struct pt_node *r)
{
	unsigned nc = __builtin_popcountll(r->vec);
	unsigned nl = __builtin_popcountll(r->leafvec);

	/* A dense skip's block is the children of the node at q. */
	if (pt_is_skip(r))
		return PT_SWIN(r) ? 0 :
		    oplog_add(&mc->op_old, r->base0, mc->wk, 1);
	if (pt_is_tail(r))
		return 0;	/* no blocks of its own */

	if (nc > 0 && oplog_add(&mc->op_old, r->base1, mc->wk, nc) == -1)
		return -1;
	/* base0 0: a node rebuilt from a dense skip (leaf index 0). */
	if (nl > 0 && r->base0 != 0 &&
	    oplog_add(&mc->op_old, r->base0, 1, nl) == -1)
		return -1;
	return 0;
}

/*
 * Apply op to the slot `in` at bit position p (the slot's node, if any,
 * covers bits [p, p + 6)) for the prefix (hi, lo)/op->plen; full: the
 * prefix covers the whole slot.  *out is the new slot, *changed whether
 * it differs.
 */
static int
pt_apply(struct mapcache *mc, const struct pt_slot *in, unsigned p,
    uint64_t hi, uint64_t lo, const struct pt_op *op, int full,
    struct pt_slot *out, int *changed)
{
	struct pt_slot sl[64], sub;
	uint32_t runs[64], b0 = 0, b1 = 0;
	uint64_t vec = 0, leafvec = 0;
	unsigned s, a, e, nc = 0, nl = 0, i, j, k;
	int ch = 0, c, same;

	*changed = 0;
	*out = *in;
	if (!in->node && full) {
		out->leaf = op_leaf(mc, op, in->leaf);
		*changed = out->leaf != in->leaf;
		return 0;
	}
	if (!in->node) {
		/*
		 * A leaf over a prefix that lies deeper inside it: nothing
		 * to do unless it is the inserted prefix's cover, and then
		 * the subtree is just "the new prefix, else this leaf".
		 */
		if (!op->ins || in->leaf != op->from)
			return 0;
		out->node = 1;
		out->rec = tail_make(mc, op->to, in->leaf, p);
		*changed = 1;
		return 0;
	}
	/* Decode (a leaf that must grow a node: 64 equal leaves). */
	if (in->node == 2 || (in->node && pt_is_skip(&in->rec)))
		skip_decode(mc, in, p, sl);
	else if (in->node && pt_is_tail2(&in->rec)) {
		if (tail2_decode(mc, &in->rec, p, sl) == -1)
			return -1;	/* not written so */
	} else if (in->node && pt_is_tail(&in->rec))
		tail_decode(mc, &in->rec, p, sl);
	for (s = 0, i = 0, j = 0; s < 64; s++) {
		if (in->node == 2 || (in->node && pt_is_comp(&in->rec))) {
			break;
		} else if (!in->node) {
			sl[s].node = 0;
			sl[s].leaf = in->leaf;
		} else if ((in->rec.vec >> s) & 1) {
			sl[s].node = 1;
			sl[s].rec = *pt_nd(mc, in->rec.base1 + i++);
		} else {
			sl[s].node = 0;
			if ((in->rec.leafvec >> s) & 1)
				j++;
			sl[s].leaf = mc->leaves[in->rec.base0 + j - 1];
		}
	}
	if (full) {
		a = 0;
		e = 64;
	} else if (op->plen <= p + 6) {
		k = p + 6 - op->plen;
		a = bits6(hi, lo, p) & ~((1u << k) - 1);
		e = a + (1u << k);
		full = 1;
	} else {
		a = bits6(hi, lo, p);
		e = a + 1;
	}
	for (s = a; s < e; s++) {
		if (pt_apply(mc, &sl[s], p + 6, hi, lo, op, full, &sub,
		    &c) == -1)
			return -1;
		if (c) {
			sl[s] = sub;
			ch = 1;
		}
	}
	if (!ch)
		return 0;
	/* Encode; a node of one leaf value folds into a leaf. */
	same = 1;
	for (s = 0; s < 64; s++) {
		if (sl[s].node) {
			vec |= 1ULL << s;
			nc++;
			same = 0;
		} else {
			/* A run goes on across child slots. */
			if (nl == 0 || runs[nl - 1] != sl[s].leaf) {
				leafvec |= 1ULL << s;
				runs[nl++] = sl[s].leaf;
			}
			if (sl[s].leaf != sl[0].leaf)
				same = 0;
		}
	}
	if (in->node == 1 && pt_retire(mc, &in->rec) == -1)
		return -1;
	*changed = 1;
	if (same) {
		out->node = 0;
		out->leaf = sl[0].leaf;
		return 0;
	}
	if (tail_fold(mc, sl, p, &out->rec) ||
	    (mc->wk == 2 && tail2_fold(mc, sl, p, &out->rec))) {
		out->node = 1;
		return 0;
	}
	if (nc == 1 && (c = skip_fold(mc, sl, p, out)) != 0)
		return c == 1 ? 0 : -1;
	if (nc > 0 && (b1 = pa_alloc(mc, mc->wk, nc)) == 0)
		return -1;
	if (nl > 0 && (b0 = pa_alloc(mc, 1, nl)) == 0)
		return -1;
	for (s = 0, i = 0; s < 64; s++)
		if (sl[s].node == 2) {
			if (skip_write(mc, &sl[s], p + 6,
			    pt_nd(mc, b1 + i++)) == -1)
				return -1;
		} else if (sl[s].node)
			pt_put(mc, b1 + i++, &sl[s].rec);
	memcpy(mc->leaves + b0, runs, nl * sizeof(uint32_t));
	out->node = 1;
	out->rec.vec = vec;
	out->rec.leafvec = leafvec;
	out->rec.base0 = b0;
	out->rec.base1 = b1;
	return 0;
}

/* End of an update: keep the new blocks, retire the old (or the reverse). */
static void
pt_commit(struct mapcache *mc, int ok)
{
	struct pt_oplog *keep = ok ? &mc->op_old : &mc->op_new;
	struct pt_oplog *drop = ok ? &mc->op_new : &mc->op_old;
	uint32_t i;

	for (i = 0; i < keep->n; i++) {
		if (ok)
			gc_range(mc, keep->r[i]);
		else {
			mc->pa[keep->r[i].kind].used -= keep->r[i].n;
			mc->pa[keep->r[i].kind].spare += keep->r[i].n;
			pa_put(&mc->pa[keep->r[i].kind], keep->r[i].start,
			    keep->r[i].n);
		}
	}
	keep->n = 0;
	drop->n = 0;
}

/*
 * Can a slot's skip to the node r be dense?  The window bits j if r's
 * children fill an aligned window of 2^j slots and every leaf is 0,
 * else 0.
 */
static unsigned
pt_dense(const struct mapcache *mc, const struct pt_node *r)
{
	unsigned nc, nl, j, lo, i;

	if (pt_is_comp(r) || r->vec == 0)
		return 0;
	nc = __builtin_popcountll(r->vec);
	if (nc & (nc - 1))
		return 0;
	j = __builtin_ctz(nc);
	lo = __builtin_ctzll(r->vec);
	if (j == 0 || lo & (nc - 1) || (j < 6 &&
	    r->vec != ((1ULL << nc) - 1) << lo))
		return 0;
	nl = __builtin_popcountll(r->leafvec);
	for (i = 0; i < nl; i++)
		if (mc->leaves[r->base0 + i] != 0)
			return 0;
	return j;
}

/*
 * The k of a dense slot: the skip's bits [D, q), the window's position
 * [q, q + 6 - j) after them, m = q + 6 - j - D and j.
 */
static uint32_t
dense_k(const struct pt_slot *out, unsigned D, unsigned j)
{
	unsigned lo = __builtin_ctzll(out->rec.vec), m = out->q + 6 - j - D;
	uint64_t key = out->khi;

	if (j < 6)
		key |= (uint64_t)(lo >> j) << (64 - m);
	return ((uint32_t)(key >> 32) & ~0xffu) | m | j << 5;
}

static int
pt_dir_new(struct mapcache *mc, struct mc_table *t)
{
	unsigned wide = t->bits == 128;
	size_t n = (size_t)1 << t->dbits << wide, i, len;
	void *m;
	struct pt_dirtab *d;

	/*
	 * Line-aligned: an IPv6 slot never straddles two lines.  A full
	 * array (2 MiB of IPv4 slots, 4 MiB of IPv6) is on huge pages, like
	 * the arenas: every lookup reads a slot at random, and on 4 KiB
	 * pages (512 or 1024 of them) that read missed the TLB too.
	 */
	len = sizeof(*d) + n * sizeof(d->s[0]);
	if (posix_memalign(&m, len > PT_HUGE ? PT_HUGE : 64, len) != 0)
		return -1;
	if (len > PT_HUGE)
		(void)madvise(m, len & ~(PT_HUGE - 1), MADV_HUGEPAGE);
	d = m;
	d->dbits = t->dbits;
	d->wide = wide;
	d->pad = 0;
	for (i = 0; i < n; i++)
		d->s[i] = (i & wide) ? 0 : PT_LEAF;
	mc->mem_dir += dir_bytes(d);
	PUBLISH(t->dir, d);
	return 0;
}

/*
 * Rewrite the table for op on prefix (hi, lo)/op->plen (plen > 0): each
 * direct slot in the prefix's range is rebuilt into new blocks, then
 * published.
 */
static int
pt_update(struct mapcache *mc, struct mc_table *t, uint64_t hi, uint64_t lo,
    const struct pt_op *op)
{
	struct pt_slot in, out;
	struct pt_dirtab *d;
	uint32_t first, n, i, v, k, blk, rec;
	unsigned D = t->dbits, j;
	int c;

	mc->wk = pt_kind(t);
	if (t->dir == NULL && pt_dir_new(mc, t) == -1)
		goto fail;
	d = t->dir;
	first = hi >> (64 - D);
	if (op->plen <= D) {
		/* Slot defaults only. */
		n = 1u << (D - op->plen);
		for (i = 0; i < n; i++)
			if (dir_sd(d, first + i) == op->from)
				dir_set_sd(d, first + i, op->to);
		return 0;
	}
	v = dir_v(d, first);
	k = dir_k(d, first);
	if (v & PT_LEAF) {
		in.node = 0;
		in.leaf = v & ~PT_LEAF;
	} else if (k != 0) {
		/*
		 * The slot's skip, as pt_apply() sees one not yet written
		 * (dense: without the window bits, which the node at q
		 * holds).
		 */
		in.node = 2;
		in.leaf = 0;
		in.rec = *pt_nd(mc, dir_rec(d, first));
		in.q = D + PT_KLEN(k) - (PT_KWIN(k) ? 6 - PT_KWIN(k) : 0);
		in.khi = ((uint64_t)(k & ~0xffu) << 32) &
		    ~(~0ULL >> (in.q - D));
		in.klo = 0;
	} else {
		in.node = 1;
		in.rec = *pt_nd(mc, v);
	}
	if (pt_apply(mc, &in, D, hi, lo, op, 0, &out, &c) == -1)
		goto fail;
	if (c) {
		k = 0;
		rec = 0;
		if (!out.node)
			v = PT_LEAF | out.leaf;
		else {
			if (out.node == 2 && d->wide && out.leaf == 0 &&
			    out.q - D <= PT_KBITS)
				k = (uint32_t)(out.khi >> 32) | (out.q - D);
			else if (out.node == 2 &&
			    skip_write(mc, &out, D, &out.rec) == -1)
				goto fail;
			if ((blk = pa_alloc(mc, mc->wk, 1)) == 0)
				goto fail;
			pt_put(mc, blk, &out.rec);
			v = blk;
			if (k != 0 && (j = pt_dense(mc, &out.rec)) != 0 &&
			    out.q + 6 - j - D <= PT_KBITS) {
				k = dense_k(&out, D, j);
				rec = blk;
				v = out.rec.base1;
			} else if (k == 0 && d->wide && !pt_is_comp(&out.rec))
				rec = out.rec.base1;	/* hint */
		}
		/* The slot's record, or the record at q of its skip. */
		if (!(dir_v(d, first) & PT_LEAF) &&
		    oplog_add(&mc->op_old, dir_rec(d, first), mc->wk, 1) == -1)
			goto fail;
		/* Everything is written: publish. */
		dir_set_vk(d, first, v, k, rec);
	}
	pt_commit(mc, 1);
	return 0;
 fail:
	pt_commit(mc, 0);
	errno = ENOMEM;
	return -1;
}

/*
 * Writer: the slot default (sd) or the subtree leaf (!sd) for the key,
 * 0 if none.
 */
static uint32_t
pt_walk(struct mapcache *mc, struct mc_table *t, uint64_t hi, uint64_t lo,
    int ai, int sd)
{
	const struct pt_node *n;
	unsigned p = t->dbits, s;
	uint32_t v, k;
	size_t i;

	(void)ai;
	if (t->dir == NULL)
		return 0;
	mc->wk = pt_kind(t);
	i = hi >> (64 - p);
	if (sd)
		return dir_sd(t->dir, i);
	if ((v = dir_v(t->dir, i)) & PT_LEAF)
		return v & ~PT_LEAF;
	if ((k = dir_k(t->dir, i)) != 0) {
		if (dir_skip_miss(k, hi << p))
			return 0;
		/* Dense: from the node at q, which the window implies. */
		p += PT_KLEN(k) - (PT_KWIN(k) ? 6 - PT_KWIN(k) : 0);
		v = dir_rec(t->dir, i);
	}
	for (n = pt_nd(mc, v);; p += 6) {
		if (pt_is_skip(n) && skip_in(n, hi, lo, p)) {
			p += (n->leafvec & 0xff) - 6;
			s = PT_SWIN(n);
			n = pt_nd(mc, n->base0 + (s ? bits6(hi, lo, p + 6) >>
			    (6 - s) : 0));
			p += s;
			continue;
		}
		if (pt_is_comp(n))
			return tail_match(n, hi, lo, p, 1);
		s = bits6(hi, lo, p);
		if (((n->vec >> s) & 1) == 0)
			return mc->leaves[n->base0 + __builtin_popcountll(
			    n->leafvec & ((2ULL << s) - 1)) - 1];
		n = pt_nd(mc, n->base1 + __builtin_popcountll(n->vec &
		    ((2ULL << s) - 1)) - 1);
	}
}

/*
 * Table rebuild ------------------------------------------------------------
 *
 * Growing the direct array changes which prefixes are slot defaults and
 * where every node sits, so the table is rebuilt beside the old one and
 * published with one pointer store.  The rebuild reinserts the prefixes
 * the old trie holds (every id found in a slot default, leaf or tail
 * record) from the shortest up: then the value a prefix's first address
 * maps to in the new trie is its cover, which is what an insert
 * replaces.  A prefix found nowhere is hidden under longer ones
 * everywhere and changes no lookup; it is still in the exact-match
 * index, so a later delete of what hides it uncovers it as before.
 * Except one case: a hidden prefix whose length the wider array turns
 * into a slot default must be there, since a slot default is the
 * longest short prefix whether or not leaves hide it.  It covers the
 * first address of some prefix found, so the exact-match index is
 * asked for the covers of those at the lengths in question.
 */
struct pt_ids {
	uint64_t		*v;	/* plen << 32 | id */
	size_t			 n, cap;
};

static int
ids_add(struct mapcache *mc, struct pt_ids *l, uint32_t id)
{
	uint64_t *nv;
	size_t cap;

	if (id == 0 || (l->n > 0 && (uint32_t)l->v[l->n - 1] == id))
		return 0;
	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 256;
		if ((nv = realloc(l->v, cap * sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = (uint64_t)entry_of(mc, id)->plen << 32 | id;
	return 0;
}

/*
 * The ids under record r (into l unless NULL); with retire, its blocks
 * go to op_old.
 */
static int
pt_scan(struct mapcache *mc, const struct pt_node *r, struct pt_ids *l,
    int retire)
{
	unsigned nc, nl, i;

	if (pt_is_tail(r))
		return l == NULL || (ids_add(mc, l, r->base0 & PT_DMASK) == 0 &&
		    ids_add(mc, l, r->base1 & PT_DMASK) == 0 &&
		    (!pt_is_tail2(r) || ids_add(mc, l,
		    (uint32_t)(r->leafvec >> 39)) == 0) &&
		    (!(r->base1 & PT_TAIL3) || ids_add(mc, l,
		    (uint32_t)(r->leafvec >> 14) & PT_DMASK) == 0)) ? 0 : -1;
	if (pt_is_skip(r)) {
		struct pt_node rec;
		uint64_t khi, klo;

		if ((l != NULL && ids_add(mc, l, r->base1 & PT_DMASK) == -1) ||
		    (retire && pt_retire(mc, r) == -1))
			return -1;
		(void)skip_view(mc, r, &khi, &klo, &rec);
		return pt_scan(mc, &rec, l, retire);
	}
	if (retire && pt_retire(mc, r) == -1)
		return -1;
	nc = __builtin_popcountll(r->vec);
	nl = __builtin_popcountll(r->leafvec);
	for (i = 0; l != NULL && i < nl; i++)
		if (ids_add(mc, l, mc->leaves[r->base0 + i]) == -1)
			return -1;
	for (i = 0; i < nc; i++)
		if (pt_scan(mc, pt_nd(mc, r->base1 + i), l, retire) == -1)
			return -1;
	return 0;
}

static int
pt_scan_dir(struct mapcache *mc, const struct pt_dirtab *d,
    struct pt_ids *l, int retire)
{
	size_t i, n = (size_t)1 << d->dbits;
	uint32_t v;

	mc->wk = d->wide ? 2 : 0;
	for (i = 0; i < n; i++) {
		v = dir_v(d, i);
		if (l != NULL && (ids_add(mc, l, dir_sd(d, i)) == -1 ||
		    ((v & PT_LEAF) && ids_add(mc, l, v & ~PT_LEAF) == -1)))
			return -1;
		if (v & PT_LEAF)
			continue;
		v = d->wide ? dir_rec(d, i) : v;
		if (retire && oplog_add(&mc->op_old, v, mc->wk, 1) == -1)
			return -1;
		if (pt_scan(mc, pt_nd(mc, v), l, retire) == -1)
			return -1;
	}
	return 0;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Drop a direct array and its trie once readers are done with them. */
static int
pt_drop(struct mapcache *mc, struct pt_dirtab *d)
{
	if (pt_scan_dir(mc, d, NULL, 1) == -1) {
		pt_commit(mc, 0);
		return -1;
	}
	pt_commit(mc, 1);
	mc->mem_dir -= dir_bytes(d);
	gc_ptr(mc, d);
	return 0;
}

static int
pt_regrow(struct mapcache *mc, struct mc_grp *g, int ai, unsigned nb)
{
	struct mc_table *t = &g->t[ai];
	struct pt_ids l = { NULL, 0, 0 };
	struct mc_table tmp;
	struct pt_dirtab *old = t->dir;
	const struct mapcache_entry *e;
	struct pt_op op;
	uint64_t hi, lo, h, w;
	uint32_t id;
	size_t i, n;
	unsigned L;

	if (pt_scan_dir(mc, old, &l, 0) == -1)
		goto fail;
	for (i = 0, n = l.n; i < n; i++) {
		e = entry_of(mc, (uint32_t)l.v[i]);
		if (e->plen <= old->dbits + 1)
			continue;
		key_load(ai, e->eid, &hi, &lo);
		for (L = old->dbits + 1; L <= nb && L < e->plen; L++) {
			if (t->lencnt[L] == 0)
				continue;
			h = hi;
			w = lo;
			key_mask(&h, &w, L);
			if ((id = xh_find(mc, g->iid, ai, L, h, w)) != 0 &&
			    ids_add(mc, &l, id) == -1)
				goto fail;
		}
	}
	qsort(l.v, l.n, sizeof(*l.v), u64_cmp);
	memset(&tmp, 0, sizeof(tmp));
	tmp.bits = t->bits;
	tmp.dbits = nb;
	for (i = 0; i < l.n; i++) {
		if (i > 0 && l.v[i] == l.v[i - 1])
			continue;
		e = entry_of(mc, (uint32_t)l.v[i]);
		key_load(ai, e->eid, &hi, &lo);
		key_mask(&hi, &lo, e->plen);
		op.from = pt_walk(mc, &tmp, hi, lo, ai, e->plen <= nb);
		op.to = (uint32_t)l.v[i];
		op.plen = e->plen;
		op.ins = 1;
		if (pt_update(mc, &tmp, hi, lo, &op) == -1)
			goto fail;
	}
	/* Collect the old blocks first: a failure leaves the old table. */
	if (tmp.dir == NULL || pt_scan_dir(mc, old, NULL, 1) == -1) {
		pt_commit(mc, 0);
		goto fail;
	}
	PUBLISH(t->dir, tmp.dir);
	t->dbits = nb;
	pt_commit(mc, 1);
	mc->mem_dir -= dir_bytes(old);
	gc_ptr(mc, old);
	free(l.v);
	return 0;
 fail:
	if (tmp.dir != NULL && pt_drop(mc, tmp.dir) == -1)
		log_warnx("%s: out of memory, trie blocks lost", __func__);
	free(l.v);
	return -1;
}

/* After an insert: widen the direct array once the table is big enough. */
static void
pt_grow(struct mapcache *mc, struct mc_grp *g, int ai)
{
	struct mc_table *t = &g->t[ai];
	unsigned nb = t->dbits + 4;

	if (nb > af_dbits[ai])
		nb = af_dbits[ai];
	if (t->dir == NULL || nb <= t->dbits ||
	    ((uint64_t)1 << nb) > 8ULL * t->npfx)
		return;
	if (pt_regrow(mc, g, ai, nb) == -1)
		log_warnx("%s: out of memory, table stays at %u bits",
		    __func__, t->dbits);
}

/* Exact-match index -------------------------------------------------------- */

static inline uint64_t mix64(uint64_t);

static inline uint32_t
xh_hash(uint32_t iid, unsigned ai, unsigned plen, uint64_t hi, uint64_t lo)
{
	uint64_t h;

	h = mix64(hi ^ ((uint64_t)iid << 8 | (uint64_t)ai << 40 | plen));
	h = mix64(h ^ lo);
	return (uint32_t)(h ^ (h >> 32));
}

static inline int
xh_match(struct mapcache *mc, uint32_t id, uint32_t iid, unsigned ai,
    unsigned plen, uint64_t hi, uint64_t lo)
{
	const struct mapcache_entry *e = entry_of(mc, id);
	uint64_t ehi, elo;

	if (mc->grp_iid[e->grp] != iid || e->plen != plen ||
	    af_index(e->afi) != (int)ai)
		return 0;
	key_load(ai, e->eid, &ehi, &elo);
	return ehi == hi && elo == lo;
}

/*
 * Linear probing over xhcap slots, any number of them: the home slot is
 * the hash scaled to [0, xhcap) (multiply and shift), so the table can
 * grow by a quarter at a time and stay between 68% and 85% full, about
 * 5 bytes per prefix instead of the 8 a power-of-two table at most half
 * full costs.  A slot holds id | tag << 25 (ids are below ID_MAX): the
 * tag, the low 7 bits of the hash (the home slot comes from the high
 * ones), spares most probes the read of an entry.
 *
 * Deletion leaves a tombstone (id 0, tag 1) unless the next slot is
 * empty: the backward shift of a table this full would read the entry
 * of every id after the hole to find its home slot, one cache miss
 * each.  Inserts reuse tombstones; when live ids and tombstones reach
 * the load limit the table is rebuilt, a quarter larger if the live ids
 * alone are near it.
 */
#define XH_TAG(h)	((uint32_t)(h) << 25)
#define XH_TOMB		(1u << 25)
#define XH_LOAD_NUM	17		/* at most 17/20 = 85% full */
#define XH_LOAD_DEN	20

static inline uint32_t
xh_home(const struct mapcache *mc, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * mc->xhcap) >> 32);
}

static inline uint32_t
xh_next(const struct mapcache *mc, uint32_t i)
{
	return i + 1 == mc->xhcap ? 0 : i + 1;
}

/*
 * The slot of the key, or the empty slot that ends its probe sequence;
 * *tomb (if not NULL) gets the first tombstone passed, or UINT32_MAX.
 */
static uint32_t
xh_slot(struct mapcache *mc, uint32_t iid, unsigned ai, unsigned plen,
    uint64_t hi, uint64_t lo, uint32_t *tomb)
{
	uint32_t h = xh_hash(iid, ai, plen, hi, lo), i = xh_home(mc, h);
	uint32_t x;

	if (tomb != NULL)
		*tomb = UINT32_MAX;
	while ((x = mc->xh[i]) != 0) {
		if (x == XH_TOMB) {
			if (tomb != NULL && *tomb == UINT32_MAX)
				*tomb = i;
		} else if ((x & ~(ID_MAX - 1)) == XH_TAG(h) &&
		    xh_match(mc, x & (ID_MAX - 1), iid, ai, plen, hi, lo))
			break;
		i = xh_next(mc, i);
	}
	return i;
}

static uint32_t
xh_find(struct mapcache *mc, uint32_t iid, unsigned ai, unsigned plen,
    uint64_t hi, uint64_t lo)
{
	if (mc->xhcap == 0)
		return 0;
	return mc->xh[xh_slot(mc, iid, ai, plen, hi, lo, NULL)] &
	    (ID_MAX - 1);
}

static uint32_t
xh_hash_of(struct mapcache *mc, uint32_t id)
{
	const struct mapcache_entry *e = entry_of(mc, id);
	uint64_t hi, lo;
	int ai = af_index(e->afi);

	key_load(ai, e->eid, &hi, &lo);
	return xh_hash(mc->grp_iid[e->grp], ai, e->plen, hi, lo);
}

/* Rebuild with cap slots, dropping the tombstones. */
static int
xh_rehash(struct mapcache *mc, uint32_t cap)
{
	uint32_t *nx, *old = mc->xh, i, j, oc = mc->xhcap;

	if ((nx = calloc(cap, sizeof(*nx))) == NULL)
		return -1;
	mc->xh = nx;
	mc->xhcap = cap;
	mc->xhtomb = 0;
	for (i = 0; i < oc; i++) {
		if (old[i] == 0 || old[i] == XH_TOMB)
			continue;
		j = xh_home(mc, xh_hash_of(mc, old[i] & (ID_MAX - 1)));
		while (nx[j] != 0)
			j = xh_next(mc, j);
		nx[j] = old[i];
	}
	free(old);
	return 0;
}

/* Set the id stored for the key of entry id (which must be filled in). */
static int
xh_set(struct mapcache *mc, uint32_t id, uint32_t iid, unsigned ai,
    unsigned plen, uint64_t hi, uint64_t lo)
{
	uint64_t lim = (uint64_t)XH_LOAD_NUM * mc->xhcap;
	uint32_t i, tomb, cap = mc->xhcap;

	if ((uint64_t)XH_LOAD_DEN * (mc->xhn + mc->xhtomb + 1) > lim) {
		/* Grow when live ids alone are over 80 % of the limit. */
		if (cap == 0)
			cap = 1024;
		else if ((uint64_t)XH_LOAD_DEN * (mc->xhn + 1) * 5 > lim * 4)
			cap += cap / 4;
		if (xh_rehash(mc, cap) == -1)
			return -1;
	}
	i = xh_slot(mc, iid, ai, plen, hi, lo, &tomb);
	if (mc->xh[i] == 0) {
		if (tomb != UINT32_MAX) {
			i = tomb;
			mc->xhtomb--;
		}
		mc->xhn++;
	}
	mc->xh[i] = id | XH_TAG(xh_hash(iid, ai, plen, hi, lo));
	return 0;
}

/* Remove the key (present). */
static void
xh_del(struct mapcache *mc, uint32_t iid, unsigned ai, unsigned plen,
    uint64_t hi, uint64_t lo)
{
	uint32_t i;

	i = xh_slot(mc, iid, ai, plen, hi, lo, NULL);
	if (mc->xh[i] == 0)
		return;
	if (--mc->xhn == 0) {
		free(mc->xh);
		mc->xh = NULL;
		mc->xhcap = 0;
		mc->xhtomb = 0;
		return;
	}
	/* No probe sequence goes through i if the next slot is empty. */
	if (mc->xh[xh_next(mc, i)] == 0)
		mc->xh[i] = 0;
	else {
		mc->xh[i] = XH_TOMB;
		mc->xhtomb++;
	}
}

/* LPM, writer side ---------------------------------------------------------- */

static inline struct mc_grp *grp_of(struct mapcache *,
    const struct mapcache_entry *);

/* Exact match: the id stored for (key, plen), 0 if none. */
static uint32_t
lpm_find(struct mapcache *mc, struct mc_grp *g, int ai, uint64_t hi,
    uint64_t lo, unsigned plen)
{
	if (plen == 0)
		return g->t[ai].def;
	return xh_find(mc, g->iid, ai, plen, hi, lo);
}

/*
 * Store id (a filled-in entry) for (key, plen), replacing whatever id
 * was there.  Returns 0 or -1 (ENOMEM).
 */
static int
lpm_set(struct mapcache *mc, struct mc_grp *g, int ai, uint64_t hi,
    uint64_t lo, unsigned plen, uint32_t id)
{
	struct mc_table *t = &g->t[ai];
	struct pt_op op = { 0, id, plen, 1 };
	uint32_t old;

	if (plen == 0) {
		PUBLISH(t->def, id);
		return 0;
	}
	old = xh_find(mc, g->iid, ai, plen, hi, lo);
	if (old != 0)
		op.from = old;
	else if (plen == t->dbits + 1u)
		op.from = 0;	/* pt_cover() would look at slot defaults */
	else {
		/*
		 * What the trie holds for the prefix's first address is
		 * the cover unless a longer prefix owns that address.
		 */
		op.from = pt_walk(mc, t, hi, lo, ai, plen <= t->dbits);
		if (op.from != 0 && entry_of(mc, op.from)->plen >= plen)
			op.from = pt_cover(mc, g, ai, hi, lo, plen - 1);
	}
	if (xh_set(mc, id, g->iid, ai, plen, hi, lo) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (pt_update(mc, t, hi, lo, &op) == -1) {
		if (old != 0)
			(void)xh_set(mc, old, g->iid, ai, plen, hi, lo);
		else
			xh_del(mc, g->iid, ai, plen, hi, lo);
		return -1;
	}
	if (old == 0) {
		t->lencnt[plen]++;
		t->npfx++;
		pt_grow(mc, g, ai);
	}
	return 0;
}

/* Remove (key, plen); it must be present.  Returns 0 or -1 (ENOMEM). */
static int
lpm_del(struct mapcache *mc, struct mc_grp *g, int ai, uint64_t hi,
    uint64_t lo, unsigned plen)
{
	struct mc_table *t = &g->t[ai];
	struct pt_op op = { 0, 0, plen, 0 };
	struct pt_dirtab *d;

	if (plen == 0) {
		PUBLISH(t->def, 0);
		return 0;
	}
	if ((op.from = xh_find(mc, g->iid, ai, plen, hi, lo)) == 0)
		return 0;
	/* The leaves of id fall back to the next shorter covering prefix. */
	op.to = plen == t->dbits + 1u ? 0 :
	    pt_cover(mc, g, ai, hi, lo, plen - 1);
	if (pt_update(mc, t, hi, lo, &op) == -1)
		return -1;
	xh_del(mc, g->iid, ai, plen, hi, lo);
	t->lencnt[plen]--;
	if (--t->npfx == 0 && (d = t->dir) != NULL) {
		/* Every slot is a leaf 0 again: drop the direct array. */
		PUBLISH(t->dir, NULL);
		mc->mem_dir -= dir_bytes(d);
		gc_ptr(mc, d);
		t->dbits = PT_DBITS_MIN;
	}
	return 0;
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
	return mc->grps[e->grp];
}

static struct mc_grp *
grp_get(struct mapcache *mc, uint32_t iid)
{
	struct mc_grp *g, **ng;
	uint32_t b = grp_bucket(iid), cap;
	int i;

	if ((g = (struct mc_grp *)(uintptr_t)grp_find(mc, iid)) != NULL)
		return g;
	if (mc->ngrps >= GRP_MAX)
		return NULL;
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
	/* Read by workers through entries, published with them. */
	STORE(mc->grp_iid[g->idx], iid);
	for (i = 0; i < 3; i++) {
		g->t[i].bits = af_bits[i];
		g->t[i].dbits = PT_DBITS_MIN;
	}
	mc->grps[mc->ngrps++] = g;
	g->hnext = mc->grp_hash[b];
	PUBLISH(mc->grp_hash[b], g);
	mc->st.mem_other += sizeof(*g) + sizeof(*mc->grp_iid);
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

/* Bytes of a selection table for n RLOCs (whole cache lines). */
static size_t
sel_size(size_t n)
{
	struct mc_sel *sel;

	return (sizeof(*sel) + n * sizeof(sel->c[0]) + 63) & ~(size_t)63;
}

/* Selection table for the current up/down flags. */
static struct mc_sel *
sel_build(const struct mapcache_rlocset *set)
{
	struct mc_sel *sel;
	unsigned i, minprio = 255, anyw = 0, n = 0;
	size_t size;
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
	size = sel_size(set->n);
	if ((sel = aligned_alloc(64, size)) == NULL)
		return NULL;
	memset(sel, 0, size);
	for (i = 0; minprio < 255 && i < set->n; i++) {
		if (!LOAD(set->rloc[i].up) ||
		    set->rloc[i].priority != minprio)
			continue;
		if (anyw && set->rloc[i].weight == 0)
			continue;
		sel->c[n].seed = rloc_hash(&set->rloc[i], 0);
		sel->c[n].w = anyw ? set->rloc[i].weight : 1;
		sel->c[n].rw = 1.0 / sel->c[n].w;
		sel->c[n].idx = i;
		n++;
	}
	sel->n = n;
	sel->eqw = 1;
	for (i = 1; i < n; i++)
		if (sel->c[i].w != sel->c[0].w)
			sel->eqw = 0;
	if (n == 0)
		sel->mode = SEL_NONE;
	else if (n == 1)
		sel->mode = SEL_ONE;
	else if (n <= SEL_SLOTS)
		sel->mode = sel->eqw ? SEL_EQ4 : SEL_KEY4;
	else
		sel->mode = SEL_LOOP;
	sel->nslots = n < SEL_SLOTS ? n : SEL_SLOTS;
	for (i = 0; i < SEL_SLOTS; i++) {
		sel->idx[i] = i < n ? sel->c[i].idx : 0;
		sel->seed[i] = i < n ? sel->c[i].seed : 0;
		sel->rw[i] = i < n ? (float)(1.0 / sel->c[i].w) : 0x1p100f;
	}
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

static void ready_drain(struct mapcache *);

/*
 * An index for a new set in mc->sets, 0 if none is left.  Indices come
 * back through the grace period (gc_id() with GC_SETIDX), like entry ids:
 * a reader holding a retired entry may still resolve its index.
 */
static uint32_t
setidx_alloc(struct mapcache *mc)
{
	if (mc->nfreesets == 0 && LOAD(mc->nready) > 0)
		ready_drain(mc);
	if (mc->nfreesets == 0 && mc->set_top > mc->max_entries) {
		gc_barrier(mc);
		ready_drain(mc);
	}
	if (mc->nfreesets > 0)
		return mc->free_sets[--mc->nfreesets];
	if (mc->set_top > mc->max_entries)
		return 0;
	return mc->set_top++;
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
	if ((s->idx = setidx_alloc(mc)) == 0) {
		free(s->ctr);
		free(s->sel);
		free(s);
		return NULL;
	}
	/* Published to readers by the entry that first uses the set. */
	STORE(mc->sets[s->idx], s);
	memset(s->ctr, 0, row * mc->workers);
	s->size = size + row * mc->workers + sel_size(n);
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
	gc_id(mc, GC_SETIDX | s->idx);
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

/* Expiry timing wheel (see struct tw_blk) ------------------------------- */

static void
tw_blk_put(struct mapcache *mc, struct tw_blk *b)
{
	if (mc->tw_nfree >= 64) {
		free(b);
		mc->tw_blocks--;
		return;
	}
	b->next = mc->tw_free;
	mc->tw_free = b;
	mc->tw_nfree++;
}

static int
tw_add(struct mapcache *mc, unsigned slot, uint32_t id)
{
	struct tw_blk *b = mc->tw[slot];

	if (b == NULL || b->n == TW_BLK) {
		if ((b = mc->tw_free) != NULL) {
			mc->tw_free = b->next;
			mc->tw_nfree--;
		} else if ((b = malloc(sizeof(*b))) == NULL)
			return -1;
		else
			mc->tw_blocks++;
		b->n = 0;
		b->next = mc->tw[slot];
		mc->tw[slot] = b;
	}
	b->id[b->n++] = id;
	if (slot < TW_DUE)
		mc->tw_occ[slot / 64] |= 1ULL << (slot % 64);
	mc->tw_items++;
	return 0;
}

/* The slot for expiry time t. */
static unsigned
tw_slot(const struct mapcache *mc, uint32_t t)
{
	uint32_t x = t ^ mc->tw_time;
	unsigned k;

	if (t < mc->tw_time)
		return TW_DUE;
	k = x == 0 ? 0 : (31 - __builtin_clz(x)) / 6;
	return k * 64 + ((t >> (6 * k)) & 63);
}

static int
tw_push(struct mapcache *mc, uint32_t when, uint32_t id)
{
	return tw_add(mc, tw_slot(mc, when), id);
}

/* Take one id from a slot (not empty). */
static uint32_t
tw_pop(struct mapcache *mc, unsigned slot)
{
	struct tw_blk *b = mc->tw[slot];
	uint32_t id = b->id[--b->n];

	if (b->n == 0) {
		mc->tw[slot] = b->next;
		tw_blk_put(mc, b);
		if (mc->tw[slot] == NULL && slot < TW_DUE)
			mc->tw_occ[slot / 64] &= ~(1ULL << (slot % 64));
	}
	mc->tw_items--;
	return id;
}

/* The first time >= wt at which a slot is due or moves down; none: 2^32. */
static uint64_t
tw_next(const struct mapcache *mc)
{
	uint64_t best = 1ULL << 32, m, t;
	uint32_t wt = mc->tw_time;
	unsigned k, g, sh;

	for (k = 0; k < TW_LEVELS; k++) {
		sh = 6 * k;
		g = (wt >> sh) & 63;
		/* Level 0: slot g is due now; above: slots past g only. */
		if (k == 0)
			m = mc->tw_occ[0] & (~0ULL << g);
		else
			m = g == 63 ? 0 : mc->tw_occ[k] & (~0ULL << (g + 1));
		if (m == 0)
			continue;
		t = sh + 6 >= 32 ? 0 : (uint64_t)(wt >> (sh + 6)) << (sh + 6);
		t |= (uint64_t)__builtin_ctzll(m) << sh;
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * Set wt to t, no later than the next event (tw_next()), and move down
 * the ids of the slots whose range t enters, the highest level first.
 * An id whose entry's expiry is no longer in the slot's range is stale
 * (its refresh added another id) and is dropped.
 */
static void
tw_advance(struct mapcache *mc, uint32_t t)
{
	struct mapcache_entry *e;
	struct tw_blk *b, *next;
	unsigned k, slot, i;
	uint32_t id;

	mc->tw_time = t;
	for (k = TW_LEVELS - 1; k >= 1; k--) {
		if ((t & ((1u << (6 * k)) - 1)) != 0)
			continue;
		slot = k * 64 + ((t >> (6 * k)) & 63);
		if ((b = mc->tw[slot]) == NULL)
			continue;
		mc->tw[slot] = NULL;
		mc->tw_occ[k] &= ~(1ULL << (slot % 64));
		for (; b != NULL; b = next) {
			next = b->next;
			for (i = 0; i < b->n; i++) {
				id = b->id[i];
				mc->tw_items--;
				e = entry_of(mc, id);
				if (!live_dyn(mc, id) || (e->expires >> (6 * k)) !=
				    (t >> (6 * k)))
					continue;
				if (tw_push(mc, e->expires, id) == -1)
					log_warnx("%s: out of memory, timer "
					    "of entry %u lost", __func__, id);
			}
			tw_blk_put(mc, b);
		}
	}
}

/* Rebuild the wheel from live entries when stale ids pile up. */
static void
tw_compact(struct mapcache *mc)
{
	struct mapcache_entry *e;
	struct tw_blk *b;
	unsigned s;
	uint32_t id;

	for (s = 0; s <= TW_DUE; s++)
		while ((b = mc->tw[s]) != NULL) {
			mc->tw[s] = b->next;
			b->next = mc->tw_free;
			mc->tw_free = b;
			mc->tw_nfree++;
		}
	memset(mc->tw_occ, 0, sizeof(mc->tw_occ));
	mc->tw_items = 0;
	for (id = 1; id < mc->next_id; id++) {
		e = entry_of(mc, id);
		/* Fewer ids than before: the spare blocks suffice. */
		if (live_dyn(mc, id))
			(void)tw_push(mc, e->expires, id);
	}
	while (mc->tw_nfree > 64) {
		b = mc->tw_free;
		mc->tw_free = b->next;
		mc->tw_nfree--;
		free(b);
		mc->tw_blocks--;
	}
}

static void
tw_free_all(struct mapcache *mc)
{
	struct tw_blk *b;
	unsigned s;

	for (s = 0; s <= TW_DUE; s++)
		while ((b = mc->tw[s]) != NULL) {
			mc->tw[s] = b->next;
			free(b);
		}
	while ((b = mc->tw_free) != NULL) {
		mc->tw_free = b->next;
		free(b);
	}
}

/* Entries ---------------------------------------------------------------- */

static int
ids_reserve(uint32_t **v, uint32_t *cap, uint32_t need, uint64_t *mem)
{
	uint32_t c, *nv;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	if ((nv = realloc(*v, c * sizeof(*nv))) == NULL)
		return -1;
	*mem += (uint64_t)(c - *cap) * sizeof(*nv);
	*v = nv;
	*cap = c;
	return 0;
}

/* Take the entry ids and set indices that are past their grace period. */
static void
ready_drain(struct mapcache *mc)
{
	uint32_t i, x;

	pthread_mutex_lock(&gc_lock);
	if (ids_reserve(&mc->free_ids, &mc->freecap, mc->nfree + mc->nready,
	    &mc->st.mem_other) == -1 || ids_reserve(&mc->free_sets,
	    &mc->freesetcap, mc->nfreesets + mc->nready,
	    &mc->st.mem_other) == -1) {
		pthread_mutex_unlock(&gc_lock);
		return;
	}
	for (i = 0; i < mc->nready; i++) {
		x = mc->ready[i];
		if (x & GC_SETIDX)
			mc->free_sets[mc->nfreesets++] = x & ~GC_SETIDX;
		else
			mc->free_ids[mc->nfree++] = x;
	}
	STORE(mc->nready, 0);
	pthread_mutex_unlock(&gc_lock);
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
	else if (mc->next_id < mc->max_entries)
		id = mc->next_id++;
	else
		return 0;
	/*
	 * Past a grace period: no worker touches this id's counters.  A
	 * worker may be adding the chunk right now, zeroed before it is
	 * published; then there is nothing to reset.
	 */
	for (w = 0; w < mc->workers; w++) {
		if ((c = CONSUME(mc->w[w].ctr[id >> CHUNK_SHIFT])) == NULL)
			continue;
		c += id & CHUNK_MASK;
		STORE(c->pkts, 0);
		STORE(c->bytes, 0);
		STORE(c->last, 0);
		STORE(c->hot, 0);
	}
	return id;
}

/* CLOCK use bits (writer only). */
static inline void
ref_set(struct mapcache *mc, uint32_t id)
{
	mc->ref[id >> 6] |= 1ULL << (id & 63);
}

/* Test and clear. */
static inline int
ref_take(struct mapcache *mc, uint32_t id)
{
	uint64_t m = 1ULL << (id & 63);
	int was = (mc->ref[id >> 6] & m) != 0;

	mc->ref[id >> 6] &= ~m;
	return was;
}

/* Unpublish and retire a live entry. */
static int
entry_remove(struct mapcache *mc, struct mapcache_entry *e)
{
	struct mc_grp *g = grp_of(mc, e);
	int ai = af_index(e->afi);
	uint64_t hi, lo;

	key_load(ai, e->eid, &hi, &lo);
	if (lpm_del(mc, g, ai, hi, lo, e->plen) == -1)
		return -1;
	if (e->flags & MAPCACHE_F_STATIC)
		mc->nstatic--;
	else
		g->count--;
	mc->nlive--;
	set_put(mc, e->rset ? mc->sets[e->rset] : NULL);
	bit_clear(mc->live, (uint32_t)(e - mc->slab));
	gc_id(mc, (uint32_t)(e - mc->slab));
	return 0;
}

/*
 * Evict one non-static entry of g (g->count > 0): the CLOCK hand walks
 * the slab from where it stopped, skips other instance-ids, clears the
 * use bit of entries used since it last passed them and evicts the first
 * one found unused.  Two turns at most (the first clears every bit).
 * Returns 0, or -1 (ENOMEM from the trie, ENOSPC if nothing is found).
 */
static int
clock_evict(struct mapcache *mc, struct mc_grp *g)
{
	struct mapcache_entry *e;
	uint64_t n;
	uint32_t id = g->hand;

	for (n = 0; n <= 2 * (uint64_t)mc->next_id; n++, id++) {
		if (id == 0 || id >= mc->next_id)
			id = 1;
		e = entry_of(mc, id);
		if (!live_dyn(mc, id) || e->grp != g->idx || ref_take(mc, id))
			continue;
		g->hand = id + 1;
		if (entry_remove(mc, e) == -1) {
			errno = ENOMEM;
			return -1;
		}
		return 0;
	}
	errno = ENOSPC;
	return -1;
}

static void
lru_drain(struct mapcache *mc)
{
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
			/* A stale id only marks an unrelated entry used. */
			if (!live_dyn(mc, id))
				continue;
			ref_set(mc, id);
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
	if ((oid = lpm_find(mc, g, ai, hi, lo, p->plen)) != 0)
		old = entry_of(mc, oid);
	if (nrlocs > 0 && (set = set_get(mc, rlocs, nrlocs)) == NULL) {
		errno = ENOMEM;
		return -1;
	}

	if (old != NULL && old->state == state &&
	    old->rset == (set != NULL ? set->idx : 0) &&
	    (old->flags & MAPCACHE_F_STATIC) == (stat ? MAPCACHE_F_STATIC : 0)) {
		/* Refresh in place. */
		set_put(mc, set);
		STORE(old->expires, mc->now + ttl);
		if (!stat) {
			if (tw_push(mc, old->expires, oid) == -1)
				goto enomem;
			ref_set(mc, oid);
		}
		mc->st.inserts++;
		return 0;
	}
	/* Make room: evict entries not used recently (CLOCK). */
	if (!stat && (old == NULL || (old->flags & MAPCACHE_F_STATIC))) {
		while (g->count >= mc->max_per_iid) {
			if (g->count == 0 || clock_evict(mc, g) == -1) {
				int err = g->count == 0 ? ENOSPC : errno;

				set_put(mc, set);
				errno = err;
				return -1;
			}
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
	e->rset = set != NULL ? set->idx : 0;
	e->grp = g->idx;
	e->expires = mc->now + ttl;
	e->plen = p->plen;
	e->afi = p->afi;
	e->state = state;
	e->flags = stat ? MAPCACHE_F_STATIC : 0;
	bit_set(mc->live, id);
	if (!stat && tw_push(mc, e->expires, id) == -1)
		goto enomem_id;
	if (lpm_set(mc, g, ai, hi, lo, p->plen, id) == -1)
		goto enomem_id;
	if (stat)
		mc->nstatic++;
	else {
		ref_set(mc, id);
		g->count++;
	}
	mc->nlive++;
	if (old != NULL) {
		/* The new id is published; retire the old one. */
		if (old->flags & MAPCACHE_F_STATIC)
			mc->nstatic--;
		else
			g->count--;
		mc->nlive--;
		set_put(mc, old->rset ? mc->sets[old->rset] : NULL);
		bit_clear(mc->live, oid);
		gc_id(mc, oid);
		mc->st.replaces++;
	} else
		mc->st.inserts++;
	if (mc->tw_items > 2 * (mc->nlive - mc->nstatic) + 1024)
		tw_compact(mc);
	return 0;

 enomem_id:
	bit_clear(mc->live, id);
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
	if ((id = lpm_find(mc, g, ai, hi, lo, p->plen)) == 0)
		return NULL;
	return entry_of(mc, id);
}

static inline __attribute__((always_inline)) const struct mapcache_entry *
lookup_one(const struct mapcache *mc, uint32_t iid, uint8_t afi,
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
		id = pt_lookup(mc, &g->t[0],
		    (uint64_t)__builtin_bswap32(v4) << 32, 0, 0, 0);
		break;
	case MAPCACHE_AF_IPV6:
		id = pt_lookup(mc, &g->t[1], be64(addr), be64(addr + 8), 1, 1);
		break;
	case MAPCACHE_AF_MAC:
		key_load(2, addr, &hi, &lo);
		id = pt_lookup(mc, &g->t[2], hi, lo, 2, 0);
		break;
	default:
		return NULL;
	}
	return id ? entry_of(mc, id) : NULL;
}

#ifdef PT_DISPATCH
static __attribute__((target("popcnt"), noinline))
const struct mapcache_entry *
lookup_one_popcnt(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *addr)
{
	return lookup_one(mc, iid, afi, addr);
}

/* Out of line too, so that the dispatch is a test and a jump. */
static __attribute__((noinline)) const struct mapcache_entry *
lookup_one_plain(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *addr)
{
	return lookup_one(mc, iid, afi, addr);
}
#define lookup_one	lookup_one_plain
#endif

const struct mapcache_entry *
mapcache_lookup(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *addr)
{
#ifdef PT_DISPATCH
	if (__builtin_cpu_supports("popcnt"))
		return lookup_one_popcnt(mc, iid, afi, addr);
#endif
	return lookup_one(mc, iid, afi, addr);
}

/*
 * Burst lookup: up to BURST lookups walk the trie in lock step, each step
 * prefetching the next record (node or leaf), so that their cache misses
 * overlap instead of queueing one after the other.  32 rather than 16:
 * with 16, a 32-address call ran as two bursts, the second waiting for
 * the first's misses (bench, same run: IPv4 36 -> 27 ns, IPv6 65 -> 52
 * ns).  dp_itr_burst() passes up to DP_BURST_MAX = 64 per family.
 *
 * The walk is written twice, for IPv6 tables (burst_run6()) and for
 * the 64-bit keys of IPv4 and MAC tables (burst_run64()), each with what
 * its records need and no more.  A walk carries the address shifted left
 * by its position p, so that the next slot is always the top 6 bits and
 * a tail record compares that key with its key bits directly.
 */
#define BURST	32

/*
 * The IPv6 burst: a slot loop, two mini-rounds for walks from a slot
 * without a skip, lock-step rounds, the answers.  It replaced a walk
 * shared with IPv4 (a wide flag), so that it costs fewer instructions
 * and branches: on the bench's IPv6 mix (callgrind,
 * BENCH_MAPCACHE_PROFILE=v6:65536) 174 -> 148 instructions a lookup, see
 * docs/BENCHMARKS.md, "IPv6 burst, issue 3, step code, second round".
 * Besides the pass that answers the walks after the first round (at
 * burst_run6()):
 *
 *  - the IPv6 node arena, the leaf array and the slab are read once a
 *    burst: they never move, but the compiler must reload them after
 *    every acquire load;
 *  - the walks are arrays by field (struct burst6), indexed by the
 *    walk's number with a scaled address;
 *  - a record's base1 is read once, and its kind taken from its bits;
 *  - a node's slot s is tested and counted on vec << (63 - s), where
 *    63 - s is the key's top 6 bits inverted: the bit tested is the
 *    sign bit, the popcount needs no mask;
 *  - the compares of a record's key bits (tails, skips, double tails)
 *    use 64-bit shifts and no branch (key_top_eq());
 *  - walks that end in the slot loop point at a record of their own
 *    (burst6_miss, burst6_leaf), so no answer tests which walks took
 *    a record, and the answer's fallbacks (the slot default, the
 *    table's /0) are selects.
 */
struct burst6 {
	uint64_t		 khi[BURST], klo[BURST];	/* address << p */
	const struct pt_node	*n[BURST];	/* record reached */
	const uint32_t		*leaf[BURST];	/* its leaf, if a node */
};

/*
 * Are the top m bits (1 <= m <= 127) of the 128-bit x:y all 0?  With
 * r = (64 - m) mod 64: if m <= 64 they are x >> r; else x and the top
 * m - 64 bits of y, y >> r (r = 128 - m), and x >> r is inside x.
 */
static inline __attribute__((always_inline)) int
key_top_eq(uint64_t x, uint64_t y, unsigned m)
{
	unsigned r = (64 - m) & 63;
	uint64_t big = (uint64_t)((int64_t)(64 - (int64_t)m) >> 63);

	return ((x >> r) | ((x | y >> r) & big)) == 0;
}

/* comp_match() for IPv6 walks. */
static inline __attribute__((always_inline)) int
comp_match6(const struct pt_node *n, uint64_t khi, uint64_t klo)
{
	return key_top_eq(khi ^ n->vec, klo ^ (n->leafvec & ~0xffULL),
	    n->leafvec & 0xff);
}

/* tail2_answer() with key_top_eq() for the long compare. */
static inline __attribute__((always_inline)) uint32_t
tail2_answer6(const struct pt_node *n, uint64_t khi, uint64_t klo)
{
	uint64_t pad = ((const struct pt_node6 *)n)->pad;
	unsigned m1 = n->leafvec & 0x3f, m2 = (n->leafvec >> 8) & 0x7f;
	uint32_t b = (uint32_t)(khi >> 32);

	if (n->base1 & PT_TAIL3)
		return tail2_answer(n, khi, klo);
	if (key_top_eq(khi ^ n->vec, klo ^ (pad & ~0xffffffffULL), m2))
		return (uint32_t)(n->leafvec >> 39);
	if (((b ^ (uint32_t)pad) >> (32 - m1)) == 0)
		return n->base0;
	return n->base1 & PT_DMASK;
}

/* One step of walk i of an IPv6 burst; 1 if it went on to a record. */
static inline __attribute__((always_inline)) unsigned
burst_step6(const struct pt_node6 *nd, const uint32_t *lv,
    struct burst6 *w, unsigned i)
{
	const struct pt_node *n = w->n[i];
	uint64_t khi = w->khi[i], klo = w->klo[i], x;
	uint32_t b1 = n->base1;
	unsigned t;

	if (b1 & PT_TAIL) {
		unsigned __int128 k = (unsigned __int128)khi << 64 | klo;
		unsigned j = (b1 >> 25) & 7;

		/* A tail ends the walk; so does a skip the key misses. */
		if (!(b1 & PT_SKIP) || !comp_match6(n, khi, klo))
			return 0;
		/* Dense: the next j bits index base0's block. */
		k <<= n->leafvec & 0xff;
		n = &nd[n->base0 + (uint32_t)(((uint64_t)(k >> 64) >> 1) >>
		    (63 - j))].r;
		__builtin_prefetch(n);
		k <<= j;
		w->n[i] = n;
		w->khi[i] = (uint64_t)(k >> 64);
		w->klo[i] = (uint64_t)k;
		return 1;
	}
	/* Slot s = khi >> 58: bits 0..s of vec, bit s on top. */
	t = ~khi >> 58;
	x = n->vec << t;
	if ((int64_t)x < 0) {
		n = &nd[b1 + __builtin_popcountll(x) - 1].r;
		__builtin_prefetch(n);
		w->n[i] = n;
		w->khi[i] = khi << 6 | klo >> 58;
		w->klo[i] = klo << 6;
		return 1;
	}
	w->leaf[i] = &lv[n->base0 + __builtin_popcountll(n->leafvec << t) -
	    1];
	__builtin_prefetch(w->leaf[i]);
	return 0;
}

/*
 * The records of walks that end in the slot loop, so that the answer
 * passes need no test of which walks took a record: after a slot skip
 * the key misses, a tail of 0 over 0 (0 whatever the key); after a leaf
 * slot, a node, whose answer is the walk's leaf, pointed at the slot's
 * id.  (The writer leaves leaf slots 0 today, a prefix longer than D
 * being narrower than a slot, but the format allows an id.)
 */
static const struct pt_node6 burst6_miss __attribute__((aligned(32))) = {
	{ 0, 0, 0, PT_TAIL }, 0
};
static const struct pt_node6 burst6_leaf __attribute__((aligned(32)));

/*
 * The answer of a walk that ended at record r (b1: its base1): its
 * leaf if r is a node, else a tail's, a double tail's, or the default
 * of a skip the key misses.
 */
static inline __attribute__((always_inline)) uint32_t
burst_end6(const struct pt_node *r, uint32_t b1, uint64_t khi, uint64_t klo,
    const uint32_t *leaf)
{
	if (!(b1 & PT_TAIL))
		return *leaf;
	if ((b1 & (PT_TAIL2 | PT_SKIP)) == PT_TAIL2)
		return tail2_answer6(r, khi, klo);
	return !(b1 & PT_SKIP) && comp_match6(r, khi, klo) ? r->base0 :
	    b1 & PT_DMASK;
}

/*
 * A walk's answer id, else the slot default, else the table's /0
 * (def): selects, no branch; the slot's second word is in the line the
 * slot loop read.
 */
static inline __attribute__((always_inline)) const struct mapcache_entry *
burst_out6(const struct mapcache_entry *slab, const uint64_t *ds,
    uint32_t id, uint32_t def)
{
	uint32_t sd = (uint32_t)CONSUME(ds[1]);

	sd = sd ? sd : def;
	id = id ? id : sd;
	return id ? &slab[id] : NULL;
}

/*
 * The rounds differ from the shared walk's in one place.  On the bench
 * nearly nine lookups in ten take a dense slot to a node at 36 and a
 * tail at 42: one round steps them from the node to the tail, and a
 * second only finds that the tail ends the walk, before the answers
 * read the tail again.  Here the second pass over the walks (after the
 * first round, in walk order) does both: a walk at a tail, a double
 * tail, a skip it misses or a leaf gets its answer at once; one that
 * goes on (a node, a skip it matches) takes its step and is answered
 * after the remaining rounds.  The first round is not fused, so that
 * its node steps issue the tails' misses before any answer waits for
 * one.
 */
static inline __attribute__((always_inline)) void
burst_run6(const struct mapcache *mc, const struct mc_table *t,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	struct burst6 w;
	const struct pt_node6 *nd = mc->nodes6;
	const uint32_t *lv = mc->leaves;
	const struct mapcache_entry *slab = mc->slab;
	const struct pt_dirtab *dir;
	const uint64_t *ds[BURST];
	const struct pt_node *r;
	uint32_t active = 0, late = 0, shallow = 0, m, v, k, b1, def;
	uint32_t ids[BURST];
	uint64_t hi, lo, x;
	unsigned i, D, go;

	def = CONSUME(t->def);
	if ((dir = CONSUME(t->dir)) == NULL) {
		for (i = 0; i < n; i++)
			out[i] = def ? &slab[def] : NULL;
		return;
	}
	D = dir->dbits;
	for (i = 0; i < n; i++) {
		hi = be64(addrs[i]);
		lo = be64(addrs[i] + 8);
		ds[i] = &dir->s[(hi >> (64 - D)) << 1];
		__builtin_prefetch(ds[i]);
		/* D < 64: shift the 128-bit key left by D. */
		w.khi[i] = hi << D | lo >> (64 - D);
		w.klo[i] = lo << D;
	}
	for (i = 0; i < n; i++) {
		x = CONSUME(*ds[i]);
		v = (uint32_t)x;
		k = x >> 32;
		if (v & PT_LEAF) {
			ids[i] = v & ~PT_LEAF;
			w.n[i] = &burst6_leaf.r;
			w.leaf[i] = &ids[i];
			continue;
		}
		if (k != 0) {
			/* The slot's skip (m >= 1). */
			if (dir_skip_miss(k, w.khi[i])) {
				w.n[i] = &burst6_miss.r;
				continue;
			}
			v += dir_skip_idx(k, w.khi[i], &m);
			w.khi[i] = w.khi[i] << m | w.klo[i] >> (64 - m);
			w.klo[i] <<= m;
		}
		w.n[i] = &nd[v].r;
		__builtin_prefetch(w.n[i]);
		active |= 1u << i;
		if (k == 0) {
			/*
			 * The node's first two children (the hint of struct
			 * pt_dirtab; a block may straddle two lines).
			 */
			r = &nd[(uint32_t)(CONSUME(ds[i][1]) >> 32)].r;
			__builtin_prefetch(r);
			__builtin_prefetch((const char *)r + 32);
			shallow |= 1u << i;
		}
	}
	/*
	 * Walks from an IPv6 slot without a skip (a slot that two /32s
	 * share, on the bench) start with two records the few such slots
	 * keep in cache (a node and a skip record under it): two rounds of
	 * their own take them, so that their cache misses start with the
	 * others' instead of two rounds later, when the burst's last
	 * rounds would wait for them alone.
	 */
	if (shallow != 0)
		for (v = 0; v < 2; v++)
			for (m = active & shallow; m != 0; m &= m - 1) {
				i = __builtin_ctz(m);
				active &= ~((burst_step6(nd, lv, &w, i) ^ 1) <<
				    i);
			}
	for (m = active; m != 0; m &= m - 1) {
		i = __builtin_ctz(m);
		active &= ~((burst_step6(nd, lv, &w, i) ^ 1) << i);
	}
	/* The fused pass: an answer, or a step (see above). */
	for (i = 0, m = 0; i < n; i++) {
		r = w.n[i];
		b1 = r->base1;
		/* A walk not active ended at this record (or its leaf). */
		go = b1 & PT_TAIL ? (b1 & PT_SKIP) != 0 && comp_match6(r,
		    w.khi[i], w.klo[i]) : (active >> i) & 1;
		if (go) {
			m |= burst_step6(nd, lv, &w, i) << i;
			late |= 1u << i;
		} else
			out[i] = burst_out6(slab, ds[i], burst_end6(r, b1,
			    w.khi[i], w.klo[i], w.leaf[i]), def);
	}
	active = m;
	while (active != 0)
		for (m = active; m != 0; m &= m - 1) {
			i = __builtin_ctz(m);
			active &= ~((burst_step6(nd, lv, &w, i) ^ 1) << i);
		}
	for (m = late; m != 0; m &= m - 1) {
		i = __builtin_ctz(m);
		r = w.n[i];
		out[i] = burst_out6(slab, ds[i], burst_end6(r, r->base1,
		    w.khi[i], w.klo[i], w.leaf[i]), def);
	}
}

/*
 * The burst for IPv4 and MAC tables (keys of at most 64 bits; their
 * slots hold no skip, and they have no dense skips nor double tails):
 * the lock-step walk cut down to what such a walk needs.  It shares
 * nothing with burst_run6() but BURST.
 *
 * A walk is its key (the address shifted left by p, so the next slot
 * is the top 6 bits), the record it has reached, and ap, where its
 * answer will be read: the slot's own value (copied to sv[]), a leaf,
 * or a tail or skip record's base0 or base1.  Leaf ids and the low bits
 * of base1 are all below 2^25, so the answer is *ap & PT_DMASK whatever
 * ap points at (that strips PT_LEAF from a slot's value and the flags
 * from base1).  A tail or a missed skip picks its word when the walk
 * reads the record, so the last loop reads one word per walk.  The
 * slot default is the one of the slot word the walk started from
 * (burst_run6() reads the slot again at the end).
 *
 * Instead of a bit set of walks in flight scanned with ctz and cleared
 * by shifts, live[] lists them and each round compacts it (a store and
 * an add per walk).  At a node, both the child and the leaf are
 * computed and the one the vector bit selects is prefetched, so that
 * step has no branch on where the walk goes (17 % of the node steps go
 * on to a child, at random); tail and skip records keep theirs (a
 * branch-free step computing every case cost 30 % more instructions
 * and, simulated, mispredicted more).  An answer of 0 (a quarter of
 * them on the bench) takes the slot default through a mask: as a ?:
 * GCC made it a branch on a value just loaded, often mispredicted.
 * The /0 and NULL stay ?: (rare: only slots without a default).
 * Callgrind on the bench's IPv4 mix (BENCH_MAPCACHE_PROFILE=v4): 108.9
 * instructions and 0.76 simulated mispredicts a lookup before, 103.1
 * and 0.32 after (BMI2 body; popcnt body: see docs/BENCHMARKS.md).
 */
/*
 * A 24-byte record straddles two cache lines at a quarter of the
 * indices (offsets 48 and 56 in a line), and the walk reads base1 first,
 * from the second line: prefetch both ends (the same line for the other
 * three quarters, where the second prefetch finds the first in flight).
 */
static inline __attribute__((always_inline)) void
pt_prefetch24(const struct pt_node *r)
{
	__builtin_prefetch(r);
	__builtin_prefetch((const char *)r + sizeof(*r) - 1);
}

static inline __attribute__((always_inline)) void
burst_run64(const struct mapcache *mc, const struct mc_table *t,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out, int ai)
{
	const struct mapcache_entry *slab = mc->slab;
	const struct pt_node *nodes = mc->nodes, *r, *nd[BURST];
	const uint32_t *leaves = mc->leaves, *ap[BURST], *lf;
	const struct pt_dirtab *dir;
	uint64_t key[BURST], hi, lo, w, msk;
	uint32_t sv[BURST], sd[BURST], id, def, c, v;
	uint8_t live[BURST];
	unsigned i, j, nl, k, D, s;

	def = CONSUME(t->def);
	if ((dir = CONSUME(t->dir)) == NULL) {
		for (i = 0; i < n; i++)
			out[i] = def ? entry_of(mc, def) : NULL;
		return;
	}
	D = dir->dbits;
	for (i = 0; i < n; i++) {
		key_load(ai, addrs[i], &hi, &lo);
		key[i] = hi;
		__builtin_prefetch(&dir->s[hi >> (64 - D)]);
	}
	for (i = 0, nl = 0; i < n; i++) {
		hi = key[i];
		w = CONSUME(dir->s[hi >> (64 - D)]);
		key[i] = hi << D;
		v = (uint32_t)w;
		sv[i] = v;
		sd[i] = (uint32_t)(w >> 32);
		ap[i] = &sv[i];
		nd[i] = &nodes[v & ~PT_LEAF];
		c = !(v & PT_LEAF);
		if (c)
			pt_prefetch24(nd[i]);
		live[nl] = i;
		nl += c;
	}
	/* Each round steps the walks in live[] and keeps those that go on. */
	while (nl != 0) {
		for (j = 0, k = 0; j < nl; j++) {
			i = live[j];
			r = nd[i];
			hi = key[i];
			if (r->base1 & PT_TAIL) {
				s = r->leafvec & 0xff;
				c = ((hi ^ r->vec) >> (64 - s)) == 0;
				if (c && (r->base1 & PT_SKIP)) {
					nd[i] = &nodes[r->base0];
					pt_prefetch24(nd[i]);
					key[i] = hi << s;
					live[k++] = i;
					continue;
				}
				ap[i] = c ? &r->base0 : &r->base1;
				continue;
			}
			s = hi >> 58;
			msk = (2ULL << s) - 1;
			c = (r->vec >> s) & 1;
			nd[i] = &nodes[r->base1 +
			    __builtin_popcountll(r->vec & msk) - 1];
			lf = &leaves[r->base0 +
			    __builtin_popcountll(r->leafvec & msk) - 1];
			__builtin_prefetch(c ? (const void *)nd[i] :
			    (const void *)lf);
			__builtin_prefetch(c ? (const char *)nd[i] + 23 :
			    (const char *)lf);
			ap[i] = lf;
			key[i] = hi << 6;
			live[k] = i;
			k += c;
		}
		nl = k;
	}
	/*
	 * Masks rather than ?:, which GCC turned into branches: 0 falls
	 * back to the slot default, then to the /0, then gives NULL.
	 */
	for (i = 0; i < n; i++) {
		id = *ap[i] & PT_DMASK;
		id |= sd[i] & (uint32_t)((int32_t)(id - 1) >> 31);
		id = id != 0 ? id : def;
		out[i] = id != 0 ? &slab[id] : NULL;
	}
}

static inline __attribute__((always_inline)) void
lookup_burst(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	const struct mc_grp *g;
	unsigned i, k;
	int ai = af_index(afi);

	if (ai < 0 || (g = grp_find(mc, iid)) == NULL) {
		for (i = 0; i < n; i++)
			out[i] = NULL;
		return;
	}
	for (i = 0; i < n; i += k) {
		k = n - i < BURST ? n - i : BURST;
		if (ai == 1)
			burst_run6(mc, &g->t[1], addrs + i, k, out + i);
		else
			burst_run64(mc, &g->t[ai], addrs + i, k, out + i, ai);
	}
}

#ifdef PT_DISPATCH
/*
 * IPv6 bursts on a CPU with BMI2: the IPv6 walk shifts 128-bit keys by
 * amounts it loads from the slots and records (a slot's skip, a skip
 * record's length and window, a tail's length), which baseline x86-64
 * does through CL: a move, shld and shl, a test of bit 6 and cmovs per
 * shift.  SHLX/SHRX take any register and leave the flags alone: 9 %
 * fewer instructions a lookup on the bench's IPv6 mix (callgrind), and
 * a faster IPv6 burst in the whole bench (docs/BENCHMARKS.md, "step
 * code").  IPv4 and MAC bursts have a BMI2 body of their own (below).
 */
static __attribute__((target("popcnt,bmi,bmi2"), noinline)) void
lookup_burst_bmi2(const struct mapcache *mc, uint32_t iid,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	lookup_burst(mc, iid, MAPCACHE_AF_IPV6, addrs, n, out);
}

/*
 * IPv4 and MAC bursts on a CPU with BMI2: their walk shifts by constants
 * at a node, but by the table's direct-array width at the slot and by
 * a record's length at a tail or skip, and masks by the slot; SHLX/SHRX
 * save the moves to CL: 106.2 -> 101.3 instructions a lookup on the
 * bench's IPv4 mix (callgrind, before the last loop's mask).
 */
static __attribute__((target("popcnt,bmi,bmi2"), noinline)) void
lookup_burst64_bmi2(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	lookup_burst(mc, iid, afi, addrs, n, out);
}

static __attribute__((target("popcnt"), noinline)) void
lookup_burst_popcnt(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	lookup_burst(mc, iid, afi, addrs, n, out);
}

static __attribute__((noinline)) void
lookup_burst_plain(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
	lookup_burst(mc, iid, afi, addrs, n, out);
}
#define lookup_burst	lookup_burst_plain
#endif

void
mapcache_lookup_burst(const struct mapcache *mc, uint32_t iid, uint8_t afi,
    const uint8_t *const *addrs, unsigned n,
    const struct mapcache_entry **out)
{
#ifdef PT_DISPATCH
	if (afi == MAPCACHE_AF_IPV6 && __builtin_cpu_supports("bmi2") &&
	    __builtin_cpu_supports("popcnt")) {
		lookup_burst_bmi2(mc, iid, addrs, n, out);
		return;
	}
	if (__builtin_cpu_supports("bmi2") &&
	    __builtin_cpu_supports("popcnt")) {
		lookup_burst64_bmi2(mc, iid, afi, addrs, n, out);
		return;
	}
	if (__builtin_cpu_supports("popcnt")) {
		lookup_burst_popcnt(mc, iid, afi, addrs, n, out);
		return;
	}
#endif
	lookup_burst(mc, iid, afi, addrs, n, out);
}

/* RLOC selection ----------------------------------------------------------- */

/* The draw in (0,1) of candidate i for a flow. */
static inline double
sel_draw(const struct mc_sel *sel, unsigned i, uint32_t flow_hash)
{
	uint64_t u;

	u = mix64(sel->c[i].seed ^ (flow_hash * 0x9e3779b97f4a7c15ULL));
	return ((double)(u >> 11) + 0.5) * 0x1p-53;
}

/* The reference: highest w / -ln(x), the first candidate on a tie. */
static int
sel_score(const struct mc_sel *sel, uint32_t flow_hash)
{
	double score, best = -1.0;
	unsigned i;
	int bi = -1;

	for (i = 0; i < sel->n; i++) {
		score = sel->c[i].w / -log(sel_draw(sel, i, flow_hash));
		if (score > best) {
			best = score;
			bi = sel->c[i].idx;
		}
	}
	return bi;
}

/*
 * -ln(x) for a draw x in [2^-54, 1 - 2^-54], to 2^-21 relative, without
 * libm.  Write x = 2^e m with m in [0.75, 1.5) (e from the exponent bits:
 * x below 0.75 gets e = floor(log2(x / 0.75)), x in [0.75, 1) gets e = 0,
 * so no cancellation near x = 1), then ln(m) = 2 atanh(s), s = f / (2 + f),
 * f = m - 1 (exact by Sterbenz), |s| <= 0.2.  The series cut after s^7
 * leaves at most s^8 / 9 / (1 - s^2) < 2^-21.7 of ln(m) out; the roundings
 * add a few 2^-53.  For e = 0 that is the error of the result; for e < 0
 * the result is at least ln 2 - ln 1.5 > 0.28 and |ln m| < 0.41, so the
 * relative error grows by less than 1.5.  Together: below 2^-21.
 */
static inline double
sel_nlog(double x)
{
	uint64_t b;
	int64_t e;
	double m, f, s, z;

	memcpy(&b, &x, sizeof(b));
	e = (int64_t)(b - 0x3fe8000000000000ULL) >> 52;	/* 0.75 */
	b -= (uint64_t)e << 52;
	memcpy(&m, &b, sizeof(m));
	f = m - 1.0;
	s = f / (2.0 + f);
	z = s * s;
	return -((double)e * 0x1.62e42fefa39efp-1 +	/* ln 2 */
	    s * (2.0 + z * (2.0 / 3 + z * (2.0 / 5 + z * (2.0 / 7)))));
}

/*
 * The candidates of sel_bound() it could not rule out (the bit set keep,
 * draws x): the same winner as sel_score() without a log.  Each
 * candidate gets the key k = -ln(x) / w (sel_nlog() times the reciprocal
 * weight), the true L / w within d < 2^-20.9 relative (2^-21 from
 * sel_nlog, 2^-52 from 1 / w and the product); the lowest key is the
 * highest score.  If the runner-up key exceeds the best one kb by the
 * margin, k2 > kb (1 + 2^-16) (rounding of the product included), the
 * true L / w of every other candidate exceeds the best's by a factor
 * above (1 + 2^-16)(1 - 2^-53)(1 - d) / (1 + d) > 1 + 2^-17, so its true
 * score is below the best's by more than 2^-17 relative.  The reference's
 * computed scores are within a few ulps (libm's log is within an ulp,
 * then a division): the best candidate's is strictly the highest, so
 * the reference picks it too, with no tie to settle.  Without the margin
 * (equal keys: ties, or close ones) run the reference itself; that
 * happens for about n 2^-16 of the flows.  Candidates sel_bound() ruled
 * out score strictly below its m, which is kept: they change nothing.
 */
static int
sel_key(const struct mc_sel *sel, const double *x, uint32_t keep,
    uint32_t flow_hash)
{
	double k, kb = HUGE_VAL, hi, k2 = HUGE_VAL;
	unsigned i, b = 0;

	/* Which candidate wins is random: select without branches. */
	for (i = 0; i < sel->n; i++) {
		if ((keep & (1u << i)) == 0)
			continue;
		k = sel_nlog(x[i]) * sel->c[i].rw;
		hi = k < kb ? kb : k;
		k2 = hi < k2 ? hi : k2;
		b = k < kb ? i : b;
		kb = k < kb ? k : kb;
	}
	if (k2 <= kb * (1.0 + 0x1p-16))
		return sel_score(sel, flow_hash);
	return sel->c[b].idx;
}

/*
 * The lowest of four keys (its slot; the first on a tie) and the
 * runner-up, with masks and no branch: the winner is random per flow,
 * so a branch on it mispredicts often, and compilers turn selects on
 * doubles into branches more readily than this.  Positive doubles order
 * as their bit patterns, so callers pass those.
 */
static inline unsigned
sel_min4(const uint64_t *kk, uint64_t *best, uint64_t *sec)
{
	uint64_t m, lo01, hi01, lo23, hi23, x2;
	unsigned a, c;

	m = -(uint64_t)(kk[1] < kk[0]);
	a = (unsigned)m & 1;
	lo01 = kk[0] ^ ((kk[0] ^ kk[1]) & m);
	hi01 = kk[1] ^ ((kk[0] ^ kk[1]) & m);
	m = -(uint64_t)(kk[3] < kk[2]);
	c = 2 + ((unsigned)m & 1);
	lo23 = kk[2] ^ ((kk[2] ^ kk[3]) & m);
	hi23 = kk[3] ^ ((kk[2] ^ kk[3]) & m);
	m = -(uint64_t)(lo23 < lo01);
	*best = lo01 ^ ((lo01 ^ lo23) & m);
	/*
	 * Runner-up: the lowest of the losing pair's best and the two
	 * pairs' seconds (the losing pair's second is above its best).
	 */
	*sec = lo23 ^ ((lo01 ^ lo23) & m);
	m = -(uint64_t)(hi23 < hi01);
	x2 = hi01 ^ ((hi01 ^ hi23) & m);
	m = -(uint64_t)(x2 < *sec);
	*sec ^= (*sec ^ x2) & m;
	return a ^ ((a ^ c) & (unsigned)-(lo23 < lo01));
}

/*
 * 2..SEL_SLOTS candidates of unequal weights, from the first cache line
 * and without a branch that depends on the flow (the winner is random
 * per flow, so any such branch mispredicts often, and each one costs
 * more than the arithmetic): every slot gets the key k = -ln(x) / w of
 * sel_key(), with 1 / w rounded to float (2^-24), so within
 * d < 2^-20.8 of the true L / w.  The margin argument of sel_key()
 * holds as it is: (1 + 2^-16)(1 - 2^-53)(1 - d) / (1 + d) > 1 + 2^-17.
 * A padding slot has 1 / w = 2^100, and its key at least
 * 2^-54 2^100 = 2^46, above any real key (at most 37.5, w >= 1): it
 * is never the best nor the runner-up.  The best and the runner-up of
 * the four keys come from a fixed tournament of selects.
 */
static int
sel_key4(const struct mc_sel *sel, uint32_t flow_hash)
{
	uint64_t fm = flow_hash * 0x9e3779b97f4a7c15ULL, u;
	uint64_t kk[SEL_SLOTS], best, sec;
	double k[SEL_SLOTS], kb, k2, x;
	unsigned i, b;

#pragma GCC unroll 4
	for (i = 0; i < SEL_SLOTS; i++) {
		u = mix64(sel->seed[i] ^ fm);
		x = ((double)(u >> 11) + 0.5) * 0x1p-53;	/* sel_draw() */
		k[i] = sel_nlog(x) * (double)sel->rw[i];
	}
	for (i = 0; i < SEL_SLOTS; i++)
		memcpy(&kk[i], &k[i], sizeof(kk[i]));
	b = sel_min4(kk, &best, &sec);
	memcpy(&kb, &best, sizeof(kb));
	memcpy(&k2, &sec, sizeof(k2));
	if (__builtin_expect(k2 <= kb * (1.0 + 0x1p-16), 0))
		return sel_score(sel, flow_hash);
	return sel->idx[b];
}

/*
 * 2..SEL_SLOTS candidates of equal weights: the highest draw, with the
 * margin of the loop in mapcache_rloc_select() (see there), from the
 * first cache line and without a branch on the flow.  For positive
 * doubles ~bits orders as -x; a padding slot gets ~0, the bits of +0,
 * below every draw.
 */
static int
sel_eq4(const struct mc_sel *sel, uint32_t flow_hash)
{
	uint64_t fm = flow_hash * 0x9e3779b97f4a7c15ULL, u;
	uint64_t kk[SEL_SLOTS], best, sec;
	double x, xb, x2;
	unsigned i, b;

#pragma GCC unroll 4
	for (i = 0; i < SEL_SLOTS; i++) {
		u = mix64(sel->seed[i] ^ fm);
		x = ((double)(u >> 11) + 0.5) * 0x1p-53;	/* sel_draw() */
		memcpy(&u, &x, sizeof(u));
		kk[i] = ~u | -(uint64_t)(i >= sel->nslots);
	}
	b = sel_min4(kk, &best, &sec);
	best = ~best;
	sec = ~sec;
	memcpy(&xb, &best, sizeof(xb));
	memcpy(&x2, &sec, sizeof(x2));
	if (__builtin_expect(x2 >= xb * (1.0 - 0x1p-32), 0))
		return sel_score(sel, flow_hash);
	return sel->idx[b];
}

/*
 * Unequal weights: the same winner as sel_score() with fewer logs.  For
 * x in (0,1), t = 1 - x: 2t / (1 + x) <= -ln(x) <= t (1 + x) / (2x), so
 * the score s = w / -ln(x) lies in [2wx / (t (1 + x)), w (1 + x) / (2t)].
 * Take m with the highest lower bound.  A candidate j whose upper bound
 * stays below m's lower bound by a relative margin of 2^-30,
 *	w_j (1 + x_j) t_m (1 + x_m) < 4 w_m x_m (1 - 2^-30) t_j
 * (products only, each side rounded by less than 2^-49 relative), has a
 * true score below s_m (1 - 2^-31); the computed scores are within a few
 * ulps (about 2^-50 relative) of the true ones, so j's computed score is
 * strictly below m's: j is never the reference's maximum, nor part of a
 * tie for it.  So the reference loop over the other candidates, in the
 * same order and with the same score expression, picks the same winner;
 * with no other candidate left it is m, and no log is taken at all.
 * Otherwise (about 1 flow in 7 with bench_replay's weights) sel_key()
 * decides among the candidates left, still without libm's log.
 */
static int
sel_bound(const struct mc_sel *sel, uint32_t flow_hash)
{
	double x[MAPCACHE_MAX_RLOCS], t[MAPCACHE_MAX_RLOCS], lo;
	uint32_t keep = 0;
	unsigned i, m = 0;

	for (i = 0; i < sel->n; i++) {
		x[i] = sel_draw(sel, i, flow_hash);
		t[i] = 1.0 - x[i];
		if (i > 0 && sel->c[i].w * x[i] * t[m] * (1.0 + x[m]) >
		    sel->c[m].w * x[m] * t[i] * (1.0 + x[i]))
			m = i;
	}
	lo = 4.0 * sel->c[m].w * x[m] * (1.0 - 0x1p-30);
	for (i = 0; i < sel->n; i++)
		if (i != m && sel->c[i].w * (1.0 + x[i]) * t[m] *
		    (1.0 + x[m]) >= lo * t[i])
			keep |= 1u << i;
	if (keep == 0)
		return sel->c[m].idx;
	return sel_key(sel, x, keep | 1u << m, flow_hash);
}

static inline int
rloc_select(const struct mapcache_rlocset *set, uint32_t flow_hash)
{
	const struct mc_sel *sel;
	double x, xb = -1.0, x2 = -1.0;
	unsigned i;
	int bi = -1;

	sel = CONSUME(set->sel);
	if (sel->mode == SEL_KEY4)
		return sel_key4(sel, flow_hash);
	if (sel->mode == SEL_EQ4)
		return sel_eq4(sel, flow_hash);
	if (sel->mode == SEL_ONE)
		return sel->idx[0];
	if (sel->mode == SEL_NONE)
		return -1;
	/*
	 * Weighted rendezvous hashing: each RLOC draws u in (0,1) from
	 * (flow, RLOC identity) and scores w / -ln(u); the highest score
	 * wins.  P(win) = w / sum(w), and a flow's draws do not depend on
	 * the other RLOCs, so removing one moves only its own flows.
	 */
	if (!sel->eqw)
		return sel_bound(sel, flow_hash);
	/*
	 * Equal weights (the common case): the same winner without a log.
	 * Every draw x lies in [2^-54, 1 - 2^-54], so L = -log(x) lies in
	 * (0, 37.5] and score = w / L is finite and positive.  If the best
	 * draw xb beats every other draw x by a margin, x < xb (1 - 2^-32),
	 * then the true logs differ by more than 2^-33 (after the rounding
	 * of the threshold product); libm's log is within a few ulps, and an
	 * ulp of a value below 64 is at most 2^-47, so the computed L of x
	 * stays above that of xb by more than 2^-34.  Relative to L <= 37.5
	 * that is more than 2^-40, far above the 2^-53 rounding of the
	 * division, so score(x) < score(xb) strictly: the reference has a
	 * unique maximum, at xb.  Without the margin (equal draws, or draws
	 * too close to trust log's rounding) fall back to the reference,
	 * which also settles its tie rule (the first candidate).  That
	 * happens for about n 2^-32 of the flows.
	 */
	for (i = 0; i < sel->n; i++) {
		x = sel_draw(sel, i, flow_hash);
		if (x > xb) {
			x2 = xb;
			xb = x;
			bi = sel->c[i].idx;
		} else if (x > x2)
			x2 = x;
	}
	if (x2 >= xb * (1.0 - 0x1p-32))
		return sel_score(sel, flow_hash);
	return bi;
}

int
mapcache_rloc_select(const struct mapcache_entry *e, uint32_t flow_hash)
{
	const struct mapcache_rlocset *set;

	if (e == NULL || (set = set_of(e)) == NULL)
		return -1;
	return rloc_select(set, flow_hash);
}

void
mapcache_rloc_prefetch(const struct mapcache_entry *e, int stage)
{
	const struct mapcache_rlocset *set;

	if (e == NULL || (set = set_of(e)) == NULL)
		return;
	if (stage == 0)
		__builtin_prefetch(set);
	else
		__builtin_prefetch(CONSUME(set->sel));
}

unsigned
mapcache_rloc_count(const struct mapcache_entry *e)
{
	const struct mapcache_rlocset *set;

	return e != NULL && (set = set_of(e)) != NULL ? set->n : 0;
}

const struct mapcache_rloc *
mapcache_rloc_get(const struct mapcache_entry *e, unsigned idx)
{
	const struct mapcache_rlocset *set;

	if (e == NULL || (set = set_of(e)) == NULL || idx >= set->n)
		return NULL;
	return &set->rloc[idx];
}

uint32_t
mapcache_entry_id(const struct mapcache_entry *e)
{
	return (uint32_t)(((uintptr_t)e & (SLAB_ALIGN - 1)) / sizeof(*e));
}

const struct mapcache_rlocset *
mapcache_entry_rlocs(const struct mapcache_entry *e)
{
	return set_of(e);
}

uint32_t
mapcache_entry_iid(const struct mapcache_entry *e)
{
	return LOAD(slab_hdr(e)->grp_iid[e->grp]);
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

/*
 * [worker] The worker's counter chunk for ids of chunk k, taken from its
 * reservation the first time it counts one of them: memory is only
 * committed for chunks in use (in huge pages where THP is on: one fault
 * per 2 MB, about 87k ids, instead of one per 4 KB).  Fresh anonymous
 * memory reads as zero; the chunk is published to the writer (which
 * resets cells of reused ids and sums them) before anyone else sees it.
 */
static struct mc_ctr *
ctr_chunk(struct mc_worker *w, uint32_t k)
{
	struct mc_ctr *c;

	if ((c = LOAD(w->ctr[k])) != NULL)
		return c;
	c = w->ctrmem + (size_t)k * CHUNK_SIZE;
	PUBLISH(w->ctr[k], c);
	STORE(w->nctr, LOAD(w->nctr) + 1);
	return c;
}

/*
 * Count a packet of id in its cell c, and the first use of id in this
 * second: pushed on the worker's use ring for the writer's CLOCK bits
 * (a full ring drops the push, counted).
 */
static inline void
ctr_use(struct mapcache *mc, struct mc_worker *w, struct mc_ctr *c,
    uint32_t id, uint32_t bytes)
{
	uint32_t now, h;

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
}

void
mapcache_count(struct mapcache *mc, unsigned worker,
    const struct mapcache_entry *e, int rloc, uint32_t bytes)
{
	struct mc_worker *w = &mc->w[worker];
	const struct mapcache_rlocset *set;
	struct mc_ctr *c;
	uint32_t id = mapcache_entry_id(e);

	c = ctr_chunk(w, id >> CHUNK_SHIFT) + (id & CHUNK_MASK);
	ctr_use(mc, w, c, id, bytes);
	if (rloc >= 0 && (set = e->rset ? LOAD(mc->sets[e->rset]) : NULL) !=
	    NULL && (unsigned)rloc < set->n)
		ctr_add(&set->ctr[worker * set->rowlen + rloc], bytes);
}

void
mapcache_count_prefetch(const struct mapcache *mc, unsigned worker,
    const struct mapcache_entry *e)
{
	const struct mc_worker *w = &mc->w[worker];
	const struct mc_ctr *c;
	uint32_t id = mapcache_entry_id(e);

	/*
	 * Both ends: a 24-byte cell straddles two cache lines for 2 ids of
	 * 8, and mapcache_count() writes all of it.
	 */
	if ((c = LOAD(w->ctr[id >> CHUNK_SHIFT])) != NULL) {
		c += id & CHUNK_MASK;
		__builtin_prefetch(c, 1);
		__builtin_prefetch((const uint8_t *)(c + 1) - 1, 1);
	}
}

static inline void
use_hot(const struct mapcache *mc, struct mapcache_use *u, uint32_t hot)
{
	uint32_t set = hot & HOT_SETMASK;

	u->hot = hot;
	u->state = (uint8_t)((hot >> HOT_STSHIFT) & 7);
	u->set = set != 0 ? LOAD(mc->sets[set]) : NULL;
}

void
mapcache_use_start(const struct mapcache *mc, unsigned worker,
    const struct mapcache_entry *e, struct mapcache_use *u)
{
	const struct mc_worker *w = &mc->w[worker];
	struct mc_ctr *c;
	uint32_t id = mapcache_entry_id(e), hot = 0;

	u->e = e;
	u->id = id;
	if ((c = LOAD(w->ctr[id >> CHUNK_SHIFT])) != NULL) {
		c += id & CHUNK_MASK;
		hot = LOAD(c->hot);
	}
	u->cell = c;
	if (hot & HOT_VALID) {
		u->fill = MAPCACHE_USE_CELL;
		use_hot(mc, u, hot);
		return;
	}
	/*
	 * Not counted by this worker yet: the entry is read by
	 * mapcache_use_end(); fetch the 8 bytes it reads (state, set).
	 */
	u->fill = MAPCACHE_USE_LATER;
	u->hot = 0;
	u->state = 0;
	u->set = NULL;
	__builtin_prefetch(&e->rset);
	__builtin_prefetch((const uint8_t *)(e + 1) - 1);
}

void
mapcache_use_entry(const struct mapcache *mc, struct mapcache_use *u)
{
	const struct mapcache_entry *e = u->e;

	u->fill = MAPCACHE_USE_ENTRY;
	use_hot(mc, u, HOT_VALID | (uint32_t)e->state << HOT_STSHIFT |
	    e->rset);
}

void
mapcache_use(const struct mapcache *mc, unsigned worker,
    const struct mapcache_entry *e, struct mapcache_use *u)
{
	mapcache_use_start(mc, worker, e, u);
	mapcache_use_end(mc, u);
}

int
mapcache_use_select(const struct mapcache_use *u, uint32_t flow_hash)
{
	if (u->set == NULL)
		return -1;
	return rloc_select(u->set, flow_hash);
}

const struct mapcache_rloc *
mapcache_use_rloc(const struct mapcache_use *u, unsigned idx)
{
	if (u->set == NULL || idx >= u->set->n)
		return NULL;
	return &u->set->rloc[idx];
}

void
mapcache_use_prefetch(const struct mapcache_use *u, int stage)
{
	if (u->set == NULL)
		return;
	if (stage == 0)
		__builtin_prefetch(u->set);
	else
		__builtin_prefetch(CONSUME(u->set->sel));
}

void
mapcache_use_count(struct mapcache *mc, unsigned worker,
    const struct mapcache_use *u, int rloc, uint32_t bytes)
{
	struct mc_worker *w = &mc->w[worker];
	const struct mapcache_rlocset *set = u->set;
	struct mc_ctr *c = u->cell;

	if (c == NULL)
		c = ctr_chunk(w, u->id >> CHUNK_SHIFT) + (u->id & CHUNK_MASK);
	if (u->fill == MAPCACHE_USE_ENTRY)
		STORE(c->hot, u->hot);
	ctr_use(mc, w, c, u->id, bytes);
	if (rloc >= 0 && set != NULL && (unsigned)rloc < set->n)
		ctr_add(&set->ctr[worker * set->rowlen + rloc], bytes);
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
	const struct mapcache_rlocset *set = set_of(e);
	const struct mc_ctr *c;
	uint32_t id = mapcache_entry_id(e), last;
	unsigned w, i;

	memset(ec, 0, sizeof(*ec));
	if (rc != NULL && set != NULL)
		memset(rc, 0, set->n * sizeof(*rc));
	for (w = 0; w < mc->workers; w++) {
		if ((c = CONSUME(mc->w[w].ctr[id >> CHUNK_SHIFT])) != NULL) {
			c += id & CHUNK_MASK;
			ec->packets += LOAD(c->pkts);
			ec->bytes += LOAD(c->bytes);
			if ((last = LOAD(c->last)) > ec->last_used)
				ec->last_used = last;
		}
		for (i = 0; rc != NULL && set != NULL && i < set->n; i++) {
			c = &set->ctr[w * set->rowlen + i];
			rc[i].packets += LOAD(c->pkts);
			rc[i].bytes += LOAD(c->bytes);
		}
	}
}

/* Timers, walk, info -------------------------------------------------------- */

/*
 * Expire the ids of a due slot (level 0 slot of wt, or the due list);
 * stops at max.  Returns -1 if it stopped with ids left, else 0.
 */
static int
tw_fire(struct mapcache *mc, unsigned slot, uint32_t now, size_t max,
    size_t *n)
{
	struct mapcache_entry *e;
	uint32_t id;

	while (mc->tw[slot] != NULL) {
		if (max != 0 && *n >= max)
			return -1;
		id = tw_pop(mc, slot);
		if (id >= mc->next_id)
			continue;
		e = entry_of(mc, id);
		/* Stale id: deleted, static now, or refreshed since. */
		if (!live_dyn(mc, id) || e->expires > now)
			continue;
		if (entry_remove(mc, e) == -1) {
			(void)tw_add(mc, slot, id);
			return -1;
		}
		mc->st.expirations++;
		(*n)++;
	}
	return 0;
}

size_t
mapcache_expire(struct mapcache *mc, uint32_t now, size_t max)
{
	uint64_t t;
	size_t n = 0;

	STORE(mc->now, now);
	lru_drain(mc);
	if (tw_fire(mc, TW_DUE, now, max, &n) == -1)
		goto out;
	while (mc->tw_time <= now) {
		if ((t = tw_next(mc)) > now) {
			/*
			 * Nothing due up to now; wt = now + 1 may enter the
			 * range of a slot (t == now + 1), never pass one.
			 */
			if (now + 1 != 0)
				tw_advance(mc, now + 1);
			break;
		}
		if (t > mc->tw_time) {
			tw_advance(mc, (uint32_t)t);
			continue;
		}
		if (tw_fire(mc, mc->tw_time & 63, now, max, &n) == -1)
			break;
	}
 out:
	gc_flush(mc);
	return n;
}

/*
 * Seconds until the next timer slot is due: the next expiry, or earlier
 * if that slot only moves ids down a level or holds stale ones (the
 * caller then finds nothing to do and asks again).
 */
int64_t
mapcache_next_expiry(struct mapcache *mc)
{
	uint64_t t;

	if (mc->tw_items == 0)
		return -1;
	if (mc->tw[TW_DUE] != NULL || (t = tw_next(mc)) <= mc->now)
		return 0;
	return (int64_t)t - mc->now;
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
		if (!bit_test(mc->live, id))
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
	info->mem_trie = mc->pa[0].used * sizeof(struct pt_node) +
	    mc->pa[1].used * sizeof(uint32_t) +
	    mc->pa[2].used * sizeof(struct pt_node6) + mc->mem_dir;
	info->mem_index = (uint64_t)mc->xhcap * sizeof(uint32_t);
	info->mem_trie_spare = mc->pa[0].spare * sizeof(struct pt_node) +
	    mc->pa[1].spare * sizeof(uint32_t) +
	    mc->pa[2].spare * sizeof(struct pt_node6);
	/* Slab, live and use bits up to the high-water id: touched. */
	info->mem_entries = (uint64_t)mc->next_id *
	    sizeof(struct mapcache_entry) + 2 * ((mc->next_id + 63) / 64 * 8);
	info->mem_rlocsets += (uint64_t)mc->set_top * sizeof(*mc->sets);
	info->mem_timers = mc->tw_blocks * sizeof(struct tw_blk);
	info->lru_ring_drops = 0;
	info->mem_counters = 0;
	for (w = 0; w < mc->workers; w++) {
		info->lru_ring_drops += LOAD(mc->w[w].drops);
		info->mem_counters += (uint64_t)LOAD(mc->w[w].nctr) *
		    CHUNK_SIZE * sizeof(struct mc_ctr);
	}
}

/* Lifecycle ------------------------------------------------------------------ */

/* A virtual reservation: no memory until pages are touched. */
static void *
reserve(size_t len)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* A worker's counter reservation: one chunk per CHUNK_SIZE ids. */
static size_t
ctr_len(const struct mapcache *mc)
{
	return (size_t)mc->max_chunks * CHUNK_SIZE * sizeof(struct mc_ctr);
}

/*
 * The entry slab: max_entries entries at an address aligned to
 * SLAB_ALIGN, so that an entry's id and slab header follow from its
 * address.  Reserve SLAB_ALIGN more and give back what is around it.
 */
static struct mapcache_entry *
slab_reserve(uint32_t n)
{
	size_t len = (size_t)n * sizeof(struct mapcache_entry);
	uintptr_t raw, base;
	void *p;

	if ((p = reserve(SLAB_ALIGN + len)) == NULL)
		return NULL;
	raw = (uintptr_t)p;
	base = (raw + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
	if (base > raw)
		(void)munmap(p, base - raw);
	if (raw + SLAB_ALIGN > base)
		(void)munmap((void *)(base + len), raw + SLAB_ALIGN - base);
	/* Entries are read right after the trie walk: spare the TLB. */
	(void)madvise((void *)base, len, MADV_HUGEPAGE);
	return (struct mapcache_entry *)base;
}

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
	mc->set_top = 1;
	mc->slab = slab_reserve(mc->max_entries);
	mc->sets = reserve(((size_t)mc->max_entries + 1) * sizeof(*mc->sets));
	mc->ref = reserve(((size_t)mc->max_entries / 64 + 1) * 8);
	mc->live = reserve(((size_t)mc->max_entries / 64 + 1) * 8);
	mc->grp_iid = reserve(GRP_MAX * sizeof(*mc->grp_iid));
	if ((mc->w = aligned_alloc(64, mc->workers * sizeof(*mc->w))) != NULL)
		memset(mc->w, 0, mc->workers * sizeof(*mc->w));
	if (mc->slab == NULL || mc->sets == NULL || mc->ref == NULL ||
	    mc->live == NULL || mc->grp_iid == NULL ||
	    mc->w == NULL)
		goto fail;
	((struct mc_slabhdr *)(void *)mc->slab)->sets = mc->sets;
	((struct mc_slabhdr *)(void *)mc->slab)->grp_iid = mc->grp_iid;
	/*
	 * Virtual reservations (no memory until touched): 32 node records
	 * and 64 leaves per possible entry cover the deepest tries (a /128
	 * host alone can need 19 nodes), plus room for blocks waiting for
	 * their grace period.
	 */
	if (pa_init(&mc->pa[0], sizeof(struct pt_node),
	    (uint64_t)mc->max_entries * 32 + 4096) == -1 ||
	    pa_init(&mc->pa[1], sizeof(uint32_t),
	    (uint64_t)mc->max_entries * 64 + 4096) == -1 ||
	    pa_init(&mc->pa[2], sizeof(struct pt_node6),
	    (uint64_t)mc->max_entries * 32 + 4096) == -1)
		goto fail;
	mc->nodes = (struct pt_node *)(void *)mc->pa[0].base;
	mc->nodes6 = (struct pt_node6 *)(void *)mc->pa[2].base;
	mc->leaves = (uint32_t *)(void *)mc->pa[1].base;
	for (w = 0; w < mc->workers; w++) {
		mc->w[w].ctr = calloc(mc->max_chunks, sizeof(*mc->w[w].ctr));
		mc->w[w].ring = calloc(RING_SIZE, sizeof(uint32_t));
		mc->w[w].ctrmem = reserve(ctr_len(mc));
		if (mc->w[w].ctr == NULL || mc->w[w].ring == NULL ||
		    mc->w[w].ctrmem == NULL)
			goto fail;
		/* Counted right after the entry is read: spare the TLB. */
		(void)madvise(mc->w[w].ctrmem, ctr_len(mc), MADV_HUGEPAGE);
	}
	mc->st.mem_other = sizeof(*mc) + mc->max_chunks * sizeof(void *) *
	    mc->workers + mc->workers * (sizeof(*mc->w) +
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
	uint32_t i;
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
			free(mc->grps[i]->t[t].dir);
		free(mc->grps[i]);
	}
	free(mc->grps);
	pa_fini(&mc->pa[0]);
	pa_fini(&mc->pa[1]);
	pa_fini(&mc->pa[2]);
	free(mc->op_old.r);
	free(mc->op_new.r);
	free(mc->rready);
	free(mc->xh);
	set_free_all(mc);
	if (mc->w != NULL)
		for (w = 0; w < mc->workers; w++) {
			if (mc->w[w].ctrmem != NULL)
				munmap(mc->w[w].ctrmem, ctr_len(mc));
			free(mc->w[w].ctr);
			free(mc->w[w].ring);
		}
	free(mc->w);
	if (mc->slab != NULL)
		munmap(mc->slab, (size_t)mc->max_entries *
		    sizeof(struct mapcache_entry));
	if (mc->sets != NULL)
		munmap(mc->sets, ((size_t)mc->max_entries + 1) *
		    sizeof(*mc->sets));
	if (mc->ref != NULL)
		munmap(mc->ref, ((size_t)mc->max_entries / 64 + 1) * 8);
	if (mc->live != NULL)
		munmap(mc->live, ((size_t)mc->max_entries / 64 + 1) * 8);
	if (mc->grp_iid != NULL)
		munmap(mc->grp_iid, GRP_MAX * sizeof(*mc->grp_iid));
	free(mc->free_sets);
	tw_free_all(mc);
	free(mc->free_ids);
	free(mc->ready);
	free(mc);
}
