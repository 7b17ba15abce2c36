/* SPDX-License-Identifier: ISC */
/*
 * The local database-mappings as the data path needs them: a short list
 * of (instance-id, EID-prefix) pairs and a match function.  The ETR asks
 * "is this inner destination ours in that IID?", the ITR "is this inner
 * source ours?".  A site has a handful of prefixes, so a linear scan
 * beats any trie here.
 *
 * A table is built with dbmap_new()/dbmap_add() and then only read; to
 * change it, build a new one and swap the pointer (RCU in the daemon).
 */
#ifndef DBMAP_H
#define DBMAP_H

#include <stddef.h>
#include <stdint.h>

struct dbmap;

struct dbmap	*dbmap_new(void);
void		 dbmap_free(struct dbmap *);
/*
 * Add prefix/plen of family af (AF_INET, AF_INET6) in iid.  Host bits
 * beyond plen are ignored.  Returns 0, or -1 (bad af or plen, no memory).
 */
int		 dbmap_add(struct dbmap *, uint32_t iid, int af,
		    const uint8_t *prefix, unsigned int plen);
/* 1 when addr (4 or 16 bytes by af) falls in a prefix of iid. */
int		 dbmap_match(const struct dbmap *, uint32_t iid, int af,
		    const uint8_t *addr);
size_t		 dbmap_count(const struct dbmap *);

#endif /* DBMAP_H */
