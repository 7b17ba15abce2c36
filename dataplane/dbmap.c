/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbmap.h"

/*
 * A prefix as masked words, so that a match is an XOR and an AND per
 * word instead of a byte loop: pfx[] holds the prefix bytes with the
 * host bits cleared, mask[] the prefix length's bits, both in memory
 * order (an IPv4 prefix in pfx[0] and mask[0] only, as its 4 bytes).
 * The ITR matches every packet's source.
 */
struct dbmap_ent {
	uint32_t	 iid;
	int		 af;
	uint64_t	 pfx[2];
	uint64_t	 mask[2];
};

struct dbmap {
	struct dbmap_ent	*ents;
	size_t			 n;
	size_t			 cap;
};

struct dbmap *
dbmap_new(void)
{
	return calloc(1, sizeof(struct dbmap));
}

void
dbmap_free(struct dbmap *db)
{
	if (db == NULL)
		return;
	free(db->ents);
	free(db);
}

int
dbmap_add(struct dbmap *db, uint32_t iid, int af, const uint8_t *prefix,
    unsigned int plen)
{
	struct dbmap_ent	*e;
	size_t			 alen, ncap, i;
	uint8_t			 m[16], p[16];

	if (af == AF_INET)
		alen = 4;
	else if (af == AF_INET6)
		alen = 16;
	else
		return -1;
	if (plen > alen * 8)
		return -1;
	if (db->n == db->cap) {
		ncap = db->cap ? db->cap * 2 : 8;
		e = reallocarray(db->ents, ncap, sizeof(*e));
		if (e == NULL)
			return -1;
		db->ents = e;
		db->cap = ncap;
	}
	e = &db->ents[db->n++];
	memset(e, 0, sizeof(*e));
	/* The data header carries 24 bits of IID (RFC 8060 4.1). */
	e->iid = iid & 0xFFFFFF;
	e->af = af;
	memset(p, 0, sizeof(p));
	memcpy(p, prefix, alen);
	memset(m, 0, sizeof(m));
	for (i = 0; i < plen / 8; i++)
		m[i] = 0xFF;
	if (plen % 8 != 0)
		m[plen / 8] = (uint8_t)(0xFF << (8 - plen % 8));
	for (i = 0; i < sizeof(m); i++)
		p[i] &= m[i];
	memcpy(e->mask, m, sizeof(e->mask));
	memcpy(e->pfx, p, sizeof(e->pfx));
	return 0;
}

int
dbmap_match(const struct dbmap *db, uint32_t iid, int af, const uint8_t *addr)
{
	const struct dbmap_ent	*e, *end = db->ents + db->n;
	uint64_t		 a[2] = { 0, 0 };

	iid &= 0xFFFFFF;
	if (af == AF_INET) {
		/* The 4 bytes in the first word, as the entry's. */
		memcpy(a, addr, 4);
		for (e = db->ents; e < end; e++)
			if (e->iid == iid && e->af == af &&
			    ((a[0] ^ e->pfx[0]) & e->mask[0]) == 0)
				return 1;
		return 0;
	}
	memcpy(a, addr, 16);
	for (e = db->ents; e < end; e++)
		if (e->iid == iid && e->af == af &&
		    ((a[0] ^ e->pfx[0]) & e->mask[0]) == 0 &&
		    ((a[1] ^ e->pfx[1]) & e->mask[1]) == 0)
			return 1;
	return 0;
}

size_t
dbmap_count(const struct dbmap *db)
{
	return db->n;
}
