/* SPDX-License-Identifier: ISC */
/*
 * Map-cache: EID-prefix -> RLOC-set mappings with longest-prefix match
 * per (instance-id, address family), read lock-free by the data-plane
 * workers while one control thread writes.
 *
 * Threads and RCU (liburcu, QSBR flavour)
 * ---------------------------------------
 * There is exactly one writer, the "control thread": every function not
 * marked [reader] must be called from it only.  Reader functions may be
 * called from any number of worker threads concurrently with the writer.
 *
 *  - Every thread that calls a mapcache function registers with
 *    rcu_register_thread() (urcu-qsbr.h) before and unregisters after.
 *  - A worker is "online" while it holds pointers returned by
 *    mapcache_lookup().  Between batches of packets it calls
 *    mapcache_quiescent() (which calls rcu_quiescent_state()); after that
 *    call no pointer obtained before it may be used.  Before blocking
 *    (poll, sleep) it calls rcu_thread_offline(), and
 *    rcu_thread_online() when it wakes up.  A worker that stays online
 *    without quiescent states stalls memory reclamation (not lookups).
 *  - The control thread never needs a read section (it is the writer);
 *    it should stay offline (rcu_thread_offline() after registering).
 *    mapcache functions go online briefly themselves when they hand
 *    memory to call_rcu().
 *  - Memory is never freed while a reader may see it: replaced trie
 *    nodes, RLOC sets and entry slots are queued and released by
 *    call_rcu() after a grace period.  Entries live in a slab and are
 *    addressed by a 32-bit id; an id is reused only after a grace period.
 *
 * Entries are immutable once published except expires (refreshed in
 * place) and the RLOC up/down flags; a replacement gets a new entry.
 *
 * Memory and bounds: at most max_per_iid non-static entries per
 * instance-id (all address families together, default 100000), at most
 * 65535 instance-ids.  At the bound a non-static entry of that
 * instance-id that has not been used recently is evicted, chosen by
 * CLOCK (second chance), the usual approximation of least recently used
 * (see docs/DECISIONS.md): an entry used since the clock hand last
 * passed it is skipped (and its use bit cleared), the first one not used
 * since is evicted.  "Used" means installed, refreshed, or counted by a
 * worker (mapcache_count()); worker use reaches the use bits through a
 * per-worker ring drained by mapcache_expire(), at one-second
 * granularity.  Static entries (from configuration) are never evicted
 * and never expire.
 */
#ifndef LISP_MAPCACHE_H
#define LISP_MAPCACHE_H

#include <stddef.h>
#include <stdint.h>

/* Address families, numbered as their LISP AFIs (lisp_addr.h). */
enum mapcache_af {
	MAPCACHE_AF_IPV4	= 1,
	MAPCACHE_AF_IPV6	= 2,
	MAPCACHE_AF_MAC		= 6,	/* exact match, plen 48 only */
};

/*
 * Entry state.  The negative states carry the RFC 9301 section 5.4
 * ACT action of a negative Map-Reply.
 */
enum mapcache_state {
	MAPCACHE_POSITIVE	= 0,	/* has an RLOC set */
	MAPCACHE_NEG_NATIVE	= 1,	/* Natively-Forward */
	MAPCACHE_NEG_SEND_MR	= 2,	/* Send-Map-Request */
	MAPCACHE_NEG_DROP	= 3,	/* Drop (any drop action) */
	MAPCACHE_PENDING	= 4,	/* Map-Request outstanding */
};

/* Entry flags (mapcache_insert() flags argument and entry->flags). */
#define MAPCACHE_F_STATIC	0x01	/* from config: no expiry, no eviction */

#define MAPCACHE_MAX_RLOCS	32
#define MAPCACHE_NO_KEY		0xffff

/* One locator, as given to mapcache_insert() and kept in RLOC sets. */
struct mapcache_rloc {
	uint8_t		 addr[16];	/* network order; v4 in the first 4 */
	uint16_t	 afi;		/* MAPCACHE_AF_IPV4 or _IPV6 */
	uint16_t	 port;		/* host order; 0 = default 4341 */
	uint8_t		 priority;	/* 255 = not for unicast */
	uint8_t		 weight;
	uint8_t		 mpriority;
	uint8_t		 mweight;
	uint8_t		 up;		/* reachable; see mapcache_rloc_state() */
	uint8_t		 pad;
	uint16_t	 key_slot;	/* LISP-crypto key slot, MAPCACHE_NO_KEY */
	uint32_t	 pad2;
};

struct mapcache_rlocset;
struct mapcache;

/*
 * A published entry (28 bytes: a million of them is 28 MB).  Readers
 * treat it as read-only; expires is rewritten in place by a refresh (read
 * it with an __atomic load if you care about the exact value).  The TTL
 * itself is not kept: expires is what the map-cache acts on.  Every other
 * field is immutable while the entry is published.
 *
 * Entries live in one virtual reservation aligned to 1 GB, so the slab
 * id, the instance-id and the RLOC set are derived from the entry's
 * address and a small index and need no field of their own: use
 * mapcache_entry_id(), mapcache_entry_iid() and mapcache_entry_rlocs().
 */
struct mapcache_entry {
	uint8_t		 eid[16];	/* prefix, host bits zero */
	uint32_t	 expires;	/* mapcache clock; meaningless if STATIC */
	uint32_t	 rset;		/* internal: RLOC set index, 0 = none */
	uint16_t	 grp;		/* internal: instance-id group index */
	uint8_t		 plen;
	unsigned	 afi:3;		/* enum mapcache_af */
	unsigned	 state:3;	/* enum mapcache_state */
	unsigned	 flags:2;	/* MAPCACHE_F_* */
};

/* [reader] The instance-id of an entry. */
uint32_t	 mapcache_entry_iid(const struct mapcache_entry *);
/*
 * [reader] The slab id of an entry: stable while it is published, reused
 * only after a grace period once it is gone.
 */
uint32_t	 mapcache_entry_id(const struct mapcache_entry *);
/*
 * [reader] The entry's interned RLOC set (NULL unless POSITIVE).  Entries
 * with identical RLOCs share one set, so the pointer identifies it; read
 * its contents through mapcache_rloc_count() / mapcache_rloc_get().
 */
const struct mapcache_rlocset *mapcache_entry_rlocs(
		    const struct mapcache_entry *);

/* The key of an entry for writer-side calls. */
struct mapcache_prefix {
	uint32_t	 iid;
	uint8_t		 afi;		/* enum mapcache_af */
	uint8_t		 plen;
	uint8_t		 addr[16];	/* bits beyond plen are ignored */
};

struct mapcache_config {
	unsigned	 workers;	/* worker ids 0 .. workers-1; >= 1 */
	uint32_t	 max_per_iid;	/* 0 = 100000 */
	uint32_t	 max_entries;	/* slab size, all iids; 0 = 1 << 22 */
};

struct mapcache_counters {
	uint64_t	 packets;
	uint64_t	 bytes;
	uint32_t	 last_used;	/* mapcache clock, max over workers; 0 = never */
};

struct mapcache_info {
	uint64_t	 entries;
	uint64_t	 iids;
	uint64_t	 rlocsets;
	uint64_t	 inserts, replaces, deletes, evictions, expirations;
	uint64_t	 lru_ring_drops;
	/* Bytes allocated, by structure (capacities, not just use). */
	uint64_t	 mem_trie;	/* LPM: direct arrays, nodes, leaves */
	uint64_t	 mem_index;	/* exact-match hash (writer only) */
	uint64_t	 mem_entries;	/* entry slab (allocated chunks) */
	uint64_t	 mem_timers;	/* expiry timing wheel */
	uint64_t	 mem_rlocsets;	/* RLOC sets + their counters */
	uint64_t	 mem_counters;	/* per-worker entry counters */
	uint64_t	 mem_other;	/* iid groups, intern hash, rings */
	uint64_t	 mem_trie_spare;	/* node arena: free, kept for reuse */
};

/* Lifecycle.  mapcache_free() accepts NULL. */
struct mapcache	*mapcache_new(const struct mapcache_config *);
void		 mapcache_free(struct mapcache *);

/*
 * Insert or replace the entry for an exact prefix.  state is an enum
 * mapcache_state; POSITIVE needs 1..MAPCACHE_MAX_RLOCS rlocs, the other
 * states take none.  The entry expires ttl seconds after the current
 * mapcache clock (see mapcache_expire()) unless flags has
 * MAPCACHE_F_STATIC.  RLOC sets are interned: identical sets (addresses,
 * ports, priorities, weights, key slots) are shared between entries, and
 * an existing set keeps its current up/down flags.
 *
 * A replacement that changes nothing but ttl refreshes the entry in
 * place (same id, counters kept).  Returns 0, or -1 with errno EINVAL
 * (bad prefix/state/rlocs), ENOSPC (bound reached and nothing evictable,
 * or slab full) or ENOMEM.
 */
int		 mapcache_insert(struct mapcache *, const struct mapcache_prefix *,
		    uint8_t state, uint32_t ttl, const struct mapcache_rloc *rlocs,
		    size_t nrlocs, unsigned flags);
/* Delete an exact prefix.  0, or -1 with errno ENOENT. */
int		 mapcache_delete(struct mapcache *, const struct mapcache_prefix *);
/* Exact-match find (writer side).  NULL if absent. */
const struct mapcache_entry *mapcache_find(struct mapcache *,
		    const struct mapcache_prefix *);

/*
 * [reader] Longest-prefix match of addr (4, 16 or 6 bytes, network order)
 * in (iid, afi).  The result is valid until the caller's next
 * mapcache_quiescent().  NULL if nothing matches.
 */
const struct mapcache_entry *mapcache_lookup(const struct mapcache *,
		    uint32_t iid, uint8_t afi, const uint8_t *addr);

/*
 * [reader] n lookups in one table at once (a packet batch): the same
 * results as n mapcache_lookup() calls, but the walks are interleaved
 * with prefetches so their cache misses overlap.  out[i] for addrs[i].
 */
void		 mapcache_lookup_burst(const struct mapcache *, uint32_t iid,
		    uint8_t afi, const uint8_t *const *addrs, unsigned n,
		    const struct mapcache_entry **out);

/*
 * [reader] Choose an RLOC for a flow: among the RLOCs that are up and have
 * priority < 255, the lowest priority wins; within it, weighted rendezvous
 * hashing on flow_hash spreads flows in proportion to weight.  If every
 * RLOC of the group has weight 0 they share equally; an RLOC of weight 0
 * next to non-zero weights gets no unicast flows (RFC 9301 section 5.4
 * reading: weight is the relative share of unicast traffic).  A flow keeps
 * its RLOC as long as that RLOC stays usable; removing or downing one RLOC
 * moves only the flows that used it.  Returns the index into
 * rlocs->rloc[], or -1 (negative entry, or nothing usable).
 */
int		 mapcache_rloc_select(const struct mapcache_entry *,
		    uint32_t flow_hash);
/*
 * [reader] Prefetch what mapcache_rloc_select() reads for e (NULL-safe),
 * in two stages at least a packet apart: stage 0 the RLOC set (reads e,
 * which should be in cache by then), stage 1 its selection table (reads
 * the set).
 */
void		 mapcache_rloc_prefetch(const struct mapcache_entry *,
		    int stage);
/* [reader] Accessors for an entry's RLOC set (NULL-safe: 0 / NULL). */
unsigned	 mapcache_rloc_count(const struct mapcache_entry *);
const struct mapcache_rloc *mapcache_rloc_get(const struct mapcache_entry *,
		    unsigned idx);

/* [reader] Hash of an inner 5-tuple (alen 4 or 16), for rloc_select. */
uint32_t	 mapcache_flow_hash(const uint8_t *src, const uint8_t *dst,
		    size_t alen, uint8_t proto, uint16_t sport, uint16_t dport);

/*
 * [reader] Account one packet of `bytes` for entry e sent to RLOC index
 * rloc (-1: none) by worker `worker`.  Counters are per worker (no shared
 * cache lines); reading sums them.
 */
void		 mapcache_count(struct mapcache *, unsigned worker,
		    const struct mapcache_entry *e, int rloc, uint32_t bytes);
/*
 * [reader] Prefetch the worker's counter cell of e for a coming
 * mapcache_count(): a batch calls it for all its entries first, so that
 * the cache misses of a large map-cache overlap instead of queueing.
 */
void		 mapcache_count_prefetch(const struct mapcache *,
		    unsigned worker, const struct mapcache_entry *e);
/*
 * [reader] An entry as one worker's packet path uses it: its state and
 * RLOC set, and the worker's counter cell.  Once the worker has counted
 * the entry (mapcache_use_count()), mapcache_use() takes the state and
 * set from a copy in that cell instead of the entry, so a packet touches
 * one line of a large map-cache (the cell, which counting writes anyway)
 * where it touched two (entry and cell).  The copy costs no memory (it
 * fills the cell's padding) and is the worker's own.  A mapcache_use is
 * valid until the worker's next mapcache_quiescent().
 */
struct mapcache_use {
	const struct mapcache_entry	*e;
	const struct mapcache_rlocset	*set;	/* NULL unless it has one */
	void				*cell;	/* internal */
	uint32_t			 id;	/* mapcache_entry_id(e) */
	uint32_t			 hot;	/* internal */
	uint8_t				 state;	/* enum mapcache_state */
	uint8_t				 fill;	/* MAPCACHE_USE_* */
};

#define MAPCACHE_USE_CELL	0	/* resolved from the worker's cell */
#define MAPCACHE_USE_ENTRY	1	/* from the entry; counting copies it */
#define MAPCACHE_USE_LATER	2	/* mapcache_use_end() reads the entry */

/* [reader] Resolve e (not NULL) for worker; see struct mapcache_use. */
void		 mapcache_use(const struct mapcache *, unsigned worker,
		    const struct mapcache_entry *e, struct mapcache_use *);
/*
 * [reader] mapcache_use() in two steps, for a pipeline: _start() reads
 * the worker's cell (which should be in cache by then) and, if the entry
 * is not cached there, prefetches the entry instead of waiting for it;
 * _end(), a few packets later, reads it then.  Only `e`, `id` and
 * `fill` are meaningful between the two.
 */
void		 mapcache_use_start(const struct mapcache *, unsigned worker,
		    const struct mapcache_entry *e, struct mapcache_use *);
void		 mapcache_use_entry(const struct mapcache *,
		    struct mapcache_use *);

static inline void
mapcache_use_end(const struct mapcache *mc, struct mapcache_use *u)
{
	if (u->fill == MAPCACHE_USE_LATER)
		mapcache_use_entry(mc, u);
}
/* [reader] mapcache_rloc_select() and mapcache_rloc_get() of u's entry. */
int		 mapcache_use_select(const struct mapcache_use *,
		    uint32_t flow_hash);
const struct mapcache_rloc *mapcache_use_rloc(const struct mapcache_use *,
		    unsigned idx);
/* [reader] mapcache_rloc_prefetch() of u's entry (reads neither e). */
void		 mapcache_use_prefetch(const struct mapcache_use *, int stage);
/*
 * [reader] mapcache_count() of u's entry, by the worker that resolved u;
 * the first count also keeps the entry's state and set in the cell.
 */
void		 mapcache_use_count(struct mapcache *, unsigned worker,
		    const struct mapcache_use *, int rloc, uint32_t bytes);

/* [reader] End of a batch: rcu_quiescent_state() plus bookkeeping. */
void		 mapcache_quiescent(struct mapcache *, unsigned worker);

/*
 * Timer: set the mapcache clock to now (seconds, monotonic, > 0, below
 * 2^32 - 1), fold the workers' use into the CLOCK use bits and remove
 * entries whose expiry is <= now, at most `max` of them (0 = no limit).
 * Expiry is driven by a hierarchical timing wheel of entry ids: the cost
 * is O(expired) plus at most five moves per timer, never a scan.
 * Returns the number of entries removed.
 */
size_t		 mapcache_expire(struct mapcache *, uint32_t now, size_t max);
/*
 * Seconds until the next timer slot is due (for arming the timer), -1 if
 * no timer is pending.  A lower bound of the next expiry: the slot may
 * only move timers down the wheel or hold stale ones, and then a
 * mapcache_expire() at that time removes nothing.
 */
int64_t		 mapcache_next_expiry(struct mapcache *);

/*
 * Set the reachability of every RLOC equal to (afi, addr) in every set.
 * Costs O(number of distinct RLOC sets).  Returns the number of RLOCs
 * whose state changed.
 */
size_t		 mapcache_rloc_state(struct mapcache *, uint16_t afi,
		    const uint8_t *addr, int up);

/*
 * Resumable walk in slab order (not sorted).  Start with a zeroed cursor;
 * each call visits at most max entries and returns 1 if more remain, 0 at
 * the end.  Nothing is held between calls, so a dump can stream in chunks
 * between event-loop iterations while entries come and go (an entry
 * inserted or deleted meanwhile may or may not be seen; none is seen
 * twice unless it was deleted and its id reused).  The callback returns
 * 0 to go on, non-zero to stop early (the cursor then points after it).
 */
struct mapcache_cursor {
	uint32_t	 next_id;
};
typedef int	 mapcache_walk_cb(const struct mapcache_entry *, void *);
int		 mapcache_walk(struct mapcache *, struct mapcache_cursor *,
		    size_t max, mapcache_walk_cb *, void *arg);

/*
 * Counters of an entry (summed over workers) and, if rc is not NULL, of
 * its RLOCs (rc[0 .. rlocs->n - 1]).  RLOC counters belong to the shared
 * RLOC set: they count traffic of every entry using that set.
 */
void		 mapcache_counters(struct mapcache *, const struct mapcache_entry *,
		    struct mapcache_counters *ec, struct mapcache_counters *rc);
void		 mapcache_info(struct mapcache *, struct mapcache_info *);

#endif /* LISP_MAPCACHE_H */
