/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto key tables of the data plane, independent of any cipher:
 * what the control plane (decap-keys, the "keys" of map-cache RLOCs)
 * handed over, as bytes, for the crypto module to use.
 *
 *   - encapsulation: one key set per (RLOC address, port) "slot".  A
 *     map-cache RLOC refers to its slot by mapcache_rloc.key_slot; a key
 *     update replaces the slot's content and the RLOC set stays the same.
 *     A slot changes meaning only once no map-cache entry refers to it
 *     (dp_keys_encap_gc(), when the slots run out) and a grace period
 *     has passed.
 *   - decapsulation: key sets of remote ITRs keyed by (address, UDP
 *     source port) as lispers.net stores them; a lookup falls back to
 *     the address alone (port 0 entries and any entry of that address)
 *     because a NAT may change the port (compat section 3, item 6).
 *
 * One writer (the data-plane main thread), lock-free readers (workers,
 * liburcu QSBR): the writer copies the table, changes the copy,
 * publishes it with rcu_assign_pointer and wipes and frees the old one
 * after synchronize_rcu().  Reader results are valid until the reader's
 * next quiescent state.
 *
 * Crypto objects: the writer turns every key into a struct lcrypto_key
 * (crypto/lcrypto.h: keyed cipher contexts, one slot per worker) when
 * the key arrives, by its suite: lispers.net's construction
 * (lcrypto_key_new) for suite 0, RFC 8061 (lcrypto_key_new_rfc8061,
 * crypto/lc8061.h) for suites 5 and 6; NULL when it was refused (logged
 * and counted there: Poly1305 ICV, ChaCha8, malformed).  A table copy shares the
 * objects of the entries it did not change; the objects of a replaced
 * or removed entry are wiped and freed (lcrypto_key_free) after the
 * same grace period as the table that held them, so a worker that
 * found a key before its quiescent state can still use it.
 */
#ifndef DP_KEYS_H
#define DP_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "lcrypto.h"

#define DP_KEYS_PER_SET		3	/* key-id 1..3 */
#define DP_KEYS_MAX_SLOTS	4096	/* encapsulation slots */
#define DP_KEYS_MAX_DECAP	4096	/* remote ITRs */

/* suite and lengths as in struct dpipc_key (dataplane/dpipc.h). */
struct dp_key {
	uint8_t		 key_id;	/* 1..3 */
	uint8_t		 suite;		/* DPIPC_SUITE_* */
	uint8_t		 key_len;	/* bytes of key[] used: 16 or 32 */
	uint8_t		 icv_len;	/* bytes of icv[] used: 20, 16 or 0 */
	uint8_t		 key[32];	/* encrypt-key / decrypt-key */
	uint8_t		 icv[20];	/* icv-key (suite 0 only) */
	struct lcrypto_key *lk;		/* made by dp_keys; NULL: refused */
};

struct dp_keyset {
	uint8_t		 afi;		/* MAPCACHE_AF_IPV4 / _IPV6 */
	uint8_t		 nkeys;
	uint8_t		 unused;	/* encap slot free for reuse (gc) */
	uint16_t	 port;		/* host order; 0 = any */
	uint8_t		 addr[16];
	struct dp_key	 keys[DP_KEYS_PER_SET];
};

/*
 * Before the first key: lcrypto slots per key (one per worker, the
 * worker index is the slot) and the cipher of encapsulation keys
 * (decapsulation keys are LCRYPTO_AUTO).  Defaults: 1 slot, AES-128-GCM.
 */
void		 dp_keys_setup(unsigned int nslots, enum lcrypto_cipher encap);
/*
 * Deterministic IV counters for the keys made from now on (lisp-replay):
 * slot s of the n-th key made starts at seed << 64 | n << 16 | s.
 */
void		 dp_keys_iv_seed(uint64_t seed);

/* Writer side: main thread (registered with liburcu, offline). */
void		 dp_keys_free_all(void);
/*
 * Set the encapsulation keys of (afi, addr, port): returns its slot,
 * or MAPCACHE_NO_KEY (0xffff) when nkeys is 0 and no slot exists, or
 * when the slots are exhausted (no slot left, none marked by the gc;
 * logged).
 */
uint16_t	 dp_keys_encap_set(const struct dp_keyset *);
/*
 * Encapsulation slots no map-cache RLOC refers to any more: used[] has a
 * bit per slot (slot k: used[k / 8] & 1 << k % 8) set for the slots the
 * map-cache references (the caller walks it on the map-cache's writer
 * thread, with no change between the walk and this call).  The others
 * are marked reusable and published (a grace period): readers that
 * found them through an entry deleted before keep their keys, and
 * dp_keys_encap_set() hands a marked slot to a new RLOC only after that
 * grace period, so no reader sees a slot change meaning under it.
 * Returns the number of slots marked.
 */
size_t		 dp_keys_encap_gc(const uint8_t *used);
/*
 * Store (replace) the decapsulation keys of a remote ITR (afi, addr,
 * port).  A set with nkeys 0 deletes that entry (only that port; 0 is
 * the port-less entry) and frees its slot: lispers.net never sends one,
 * our control plane does when it forgets a session (DECISIONS, RFC 8061
 * key exchange).  0 (also when there was nothing to delete) or -1.
 */
int		 dp_keys_decap_set(const struct dp_keyset *);
size_t		 dp_keys_decap_count(void);
size_t		 dp_keys_encap_count(void);
/* Writer-side iteration over the decapsulation key sets (show-ztr). */
const struct dp_keyset *dp_keys_decap_get(size_t);

/* [reader] NULL when none. */
const struct dp_keyset *dp_keys_encap(uint16_t slot);
const struct dp_keyset *dp_keys_decap(uint8_t afi, const uint8_t *addr,
		    uint16_t port);
/*
 * [reader] The key to encrypt with towards an RLOC's key slot: 0 when the
 * slot holds no keys (send in the clear), 1 with *k set (the first key
 * lcrypto accepted), -1 when it holds keys but lcrypto refused them all
 * (the peer expects encrypted traffic: do not send in the clear).
 */
int		 dp_keys_encap_key(uint16_t slot, struct lcrypto_key **k);
/*
 * [reader] The decapsulation key with key-id kid of the remote ITR
 * (afi, addr, port), with dp_keys_decap()'s fallback; NULL when there is
 * none or it was refused.
 */
struct lcrypto_key *dp_keys_decap_key(uint8_t afi, const uint8_t *addr,
		    uint16_t port, unsigned int kid);

#endif /* DP_KEYS_H */
