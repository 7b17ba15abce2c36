/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbmap.h"

struct dbmap_ent {
	uint32_t	 iid;
	int		 af;
	unsigned int	 plen;
	uint8_t		 prefix[16];
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

static int
dbmap_prefix_match(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int	 bytes = plen / 8, bits = plen % 8, i;
	uint8_t		 mask;

	/* A few bytes (the ITR checks every packet's source): no call. */
	for (i = 0; i < bytes; i++)
		if (a[i] != b[i])
			return 0;
	if (bits == 0)
		return 1;
	mask = (uint8_t)(0xFF << (8 - bits));
	return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

int
dbmap_add(struct dbmap *db, uint32_t iid, int af, const uint8_t *prefix,
    unsigned int plen)
{
	struct dbmap_ent	*e;
	size_t			 alen, ncap;

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
	e->plen = plen;
	memcpy(e->prefix, prefix, alen);
	return 0;
}

int
dbmap_match(const struct dbmap *db, uint32_t iid, int af, const uint8_t *addr)
{
	size_t	 i;

	iid &= 0xFFFFFF;
	for (i = 0; i < db->n; i++) {
		if (db->ents[i].iid == iid && db->ents[i].af == af &&
		    dbmap_prefix_match(db->ents[i].prefix, addr,
		    db->ents[i].plen))
			return 1;
	}
	return 0;
}

size_t
dbmap_count(const struct dbmap *db)
{
	return db->n;
}
