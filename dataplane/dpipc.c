/* SPDX-License-Identifier: ISC */
/*
 * dpipc: lispers.net data-plane IPC messages (see dpipc.h).
 *
 * The decoder parses with json-c in strict mode and then walks the tree
 * with typed getters that range-check every value and name the field
 * they reject ("entries[2].rlocs[0].port: 70000 out of range 1..65535").
 * The encoder writes JSON itself into a buffer it wipes on growth and on
 * free: the text may hold LISP-crypto keys, and the statistics splitter
 * needs to know exactly how many bytes each piece takes.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <math.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpipc.h"
#include "lisp_text.h"

static const char *const dpipc_type_tab[DPIPC_TYPE_MAX] = {
	[DPIPC_MAP_CACHE] =		"map-cache",
	[DPIPC_ENTIRE_MAP_CACHE] =	"entire-map-cache",
	[DPIPC_DATABASE_MAPPINGS] =	"database-mappings",
	[DPIPC_INTERFACES] =		"interfaces",
	[DPIPC_DECAP_KEYS] =		"decap-keys",
	[DPIPC_ETR_NAT_PORT] =		"etr-nat-port",
	[DPIPC_ITR_CRYPTO_PORT] =	"itr-crypto-port",
	[DPIPC_XTR_PARAMETERS] =	"xtr-parameters",
	[DPIPC_RESTART] =		"restart",
	[DPIPC_DISCOVERY] =		"discovery",
	[DPIPC_STATISTICS] =		"statistics",
	[DPIPC_DECAP_STATISTICS] =	"decap-statistics",
};

/* Spelling and case are part of the interface (compat 1.5). */
static const char *const dpipc_dstat_tab[DPIPC_DS_MAX] = {
	[DPIPC_DS_GOOD] =		"good-packets",
	[DPIPC_DS_ICV] =		"ICV-error",
	[DPIPC_DS_CHECKSUM] =		"checksum-error",
	[DPIPC_DS_LISP_HEADER] =	"lisp-header-error",
	[DPIPC_DS_NO_DECRYPT_KEY] =	"no-decrypt-key",
	[DPIPC_DS_BAD_INNER] =		"bad-inner-version",
	[DPIPC_DS_OUTER_HEADER] =	"outer-header-error",
};

static const struct {
	const char	*name;
	uint8_t		 bit;
} dpipc_xp_tab[] = {
	{ "control-plane-logging",	DPIPC_XP_CP_LOGGING },
	{ "data-plane-logging",		DPIPC_XP_DP_LOGGING },
	{ "rtr",			DPIPC_XP_RTR },
};

const char *
dpipc_type_name(enum dpipc_type t)
{
	if ((unsigned)t >= DPIPC_TYPE_MAX)
		return NULL;
	return dpipc_type_tab[t];
}

const char *
dpipc_dstat_name(enum dpipc_dstat d)
{
	if ((unsigned)d >= DPIPC_DS_MAX)
		return NULL;
	return dpipc_dstat_tab[d];
}

/*
 * Addresses.
 */

static size_t
addr_bytes(int af)
{
	switch (af) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	case DPIPC_AF_MAC:
		return 6;
	}
	return 0;
}

int
dpipc_addr_parse(const char *s, struct dpipc_addr *a)
{
	char		 buf[DPIPC_ADDRSTRLEN];
	const char	*slash;
	size_t		 alen, i;
	unsigned int	 plen = 0, max;

	memset(a, 0, sizeof(*a));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (strchr(buf, ':') != NULL) {
		if (inet_pton(AF_INET6, buf, a->a) != 1)
			return -1;
		a->af = AF_INET6;
		max = 128;
	} else if (lisp_mac_parse(buf, a->a) == 0) {
		a->af = DPIPC_AF_MAC;
		max = 48;
	} else {
		if (inet_pton(AF_INET, buf, a->a) != 1)
			return -1;
		a->af = AF_INET;
		max = 32;
	}
	if (slash == NULL) {
		a->plen = (uint8_t)max;
		return 0;
	}
	/* One to three digits, no sign, no spaces. */
	for (i = 1; slash[i] != '\0'; i++) {
		if (i > 3 || slash[i] < '0' || slash[i] > '9')
			goto bad;
		plen = plen * 10 + (unsigned int)(slash[i] - '0');
	}
	if (i == 1 || plen > max)
		goto bad;
	a->plen = (uint8_t)plen;
	return 0;
 bad:
	memset(a, 0, sizeof(*a));
	return -1;
}

int
dpipc_addr_fmt(const struct dpipc_addr *a, int with_len, char *out,
    size_t outlen)
{
	char	 buf[INET6_ADDRSTRLEN];
	int	 n;

	switch (a->af) {
	case AF_INET:
	case AF_INET6:
		if (a->plen > addr_bytes(a->af) * 8 ||
		    inet_ntop(a->af, a->a, buf, sizeof(buf)) == NULL)
			return -1;
		break;
	case DPIPC_AF_MAC:
		if (a->plen > 48)
			return -1;
		snprintf(buf, sizeof(buf), "%02x%02x-%02x%02x-%02x%02x",
		    a->a[0], a->a[1], a->a[2], a->a[3], a->a[4], a->a[5]);
		break;
	default:
		return -1;
	}
	if (with_len)
		n = snprintf(out, outlen, "%s/%u", buf, a->plen);
	else
		n = snprintf(out, outlen, "%s", buf);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

static int
addr_is_host(const struct dpipc_addr *a)
{
	return a->plen == addr_bytes(a->af) * 8;
}

static int
addr_equal(const struct dpipc_addr *x, const struct dpipc_addr *y)
{
	return x->af == y->af && x->plen == y->plen &&
	    memcmp(x->a, y->a, addr_bytes(x->af)) == 0;
}

/* Device names as Linux allows them, and printable ASCII (compat 1.3). */
static int
ifname_ok(const char *s, size_t len, int empty_ok)
{
	size_t	 i;

	if (len >= DPIPC_IFNAMSIZ || (len == 0 && !empty_ok))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '/')
			return 0;
	return 1;
}

/*
 * Freeing and comparing.
 */

static void
mapping_free(struct dpipc_mapping *m)
{
	if (m->rlocs != NULL) {
		sodium_memzero(m->rlocs, m->nrlocs * sizeof(*m->rlocs));
		free(m->rlocs);
	}
	memset(m, 0, sizeof(*m));
}

void
dpipc_msg_free(struct dpipc_msg *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	switch (m->type) {
	case DPIPC_MAP_CACHE:
		mapping_free(&m->u.mc);
		break;
	case DPIPC_ENTIRE_MAP_CACHE:
		for (i = 0; i < m->u.emc.n; i++)
			mapping_free(&m->u.emc.v[i]);
		free(m->u.emc.v);
		break;
	case DPIPC_DATABASE_MAPPINGS:
		free(m->u.dbm.v);
		break;
	case DPIPC_INTERFACES:
		free(m->u.ifs.v);
		break;
	case DPIPC_STATISTICS:
		for (i = 0; i < m->u.stats.n; i++)
			free(m->u.stats.v[i].rlocs);
		free(m->u.stats.v);
		break;
	default:
		break;
	}
	/* decap-keys keep their keys inline: wipe the whole message. */
	sodium_memzero(m, sizeof(*m));
}

static int
key_equal(const struct dpipc_key *x, const struct dpipc_key *y)
{
	return x->key_id == y->key_id && x->suite == y->suite &&
	    x->key_len == y->key_len && x->icv_len == y->icv_len &&
	    x->key_len <= sizeof(x->key) && x->icv_len <= sizeof(x->icv) &&
	    memcmp(x->key, y->key, x->key_len) == 0 &&
	    memcmp(x->icv, y->icv, x->icv_len) == 0;
}

static int
keys_equal(const struct dpipc_key *x, uint8_t nx, const struct dpipc_key *y,
    uint8_t ny)
{
	uint8_t	 i;

	if (nx != ny || nx > DPIPC_MAX_KEYS)
		return 0;
	for (i = 0; i < nx; i++)
		if (!key_equal(&x[i], &y[i]))
			return 0;
	return 1;
}

static int
mapping_equal(const struct dpipc_mapping *x, const struct dpipc_mapping *y)
{
	size_t	 i;

	if (x->opcode != y->opcode || x->iid != y->iid ||
	    !addr_equal(&x->eid, &y->eid) || !x->multicast != !y->multicast ||
	    x->nrlocs != y->nrlocs)
		return 0;
	for (i = 0; i < x->nrlocs; i++) {
		const struct dpipc_rloc	*a = &x->rlocs[i], *b = &y->rlocs[i];

		if (!addr_equal(&a->addr, &b->addr) || a->port != b->port ||
		    !keys_equal(a->keys, a->nkeys, b->keys, b->nkeys))
			return 0;
		if (!x->multicast && (a->priority != b->priority ||
		    a->weight != b->weight))
			return 0;
	}
	return 1;
}

static int
counter_equal(const struct dpipc_counter *x, const struct dpipc_counter *y)
{
	return x->packets == y->packets && x->bytes == y->bytes &&
	    x->secs_last == y->secs_last;
}

int
dpipc_msg_equal(const struct dpipc_msg *x, const struct dpipc_msg *y)
{
	size_t	 i, j;

	if (x->type != y->type)
		return 0;
	switch (x->type) {
	case DPIPC_MAP_CACHE:
		return mapping_equal(&x->u.mc, &y->u.mc);
	case DPIPC_ENTIRE_MAP_CACHE:
		if (x->u.emc.n != y->u.emc.n)
			return 0;
		for (i = 0; i < x->u.emc.n; i++)
			if (!mapping_equal(&x->u.emc.v[i], &y->u.emc.v[i]))
				return 0;
		return 1;
	case DPIPC_DATABASE_MAPPINGS:
		if (x->u.dbm.n != y->u.dbm.n)
			return 0;
		for (i = 0; i < x->u.dbm.n; i++)
			if (x->u.dbm.v[i].iid != y->u.dbm.v[i].iid ||
			    !addr_equal(&x->u.dbm.v[i].eid, &y->u.dbm.v[i].eid))
				return 0;
		return 1;
	case DPIPC_INTERFACES:
		if (x->u.ifs.n != y->u.ifs.n)
			return 0;
		for (i = 0; i < x->u.ifs.n; i++)
			if (x->u.ifs.v[i].iid != y->u.ifs.v[i].iid ||
			    strncmp(x->u.ifs.v[i].name, y->u.ifs.v[i].name,
			    DPIPC_IFNAMSIZ) != 0)
				return 0;
		return 1;
	case DPIPC_DECAP_KEYS:
		return addr_equal(&x->u.dk.rloc, &y->u.dk.rloc) &&
		    x->u.dk.port == y->u.dk.port &&
		    keys_equal(x->u.dk.keys, x->u.dk.nkeys, y->u.dk.keys,
		    y->u.dk.nkeys);
	case DPIPC_ETR_NAT_PORT:
	case DPIPC_ITR_CRYPTO_PORT:
		return x->u.port == y->u.port;
	case DPIPC_XTR_PARAMETERS:
		return x->u.xp.present == y->u.xp.present &&
		    (x->u.xp.value & x->u.xp.present) ==
		    (y->u.xp.value & y->u.xp.present);
	case DPIPC_DISCOVERY:
		return strncmp(x->u.disc.interface, y->u.disc.interface,
		    DPIPC_IFNAMSIZ) == 0 &&
		    !x->u.disc.has_iid == !y->u.disc.has_iid &&
		    (!x->u.disc.has_iid || x->u.disc.iid == y->u.disc.iid) &&
		    !x->u.disc.has_source == !y->u.disc.has_source &&
		    (!x->u.disc.has_source ||
		    addr_equal(&x->u.disc.source, &y->u.disc.source)) &&
		    !x->u.disc.has_dest == !y->u.disc.has_dest &&
		    (!x->u.disc.has_dest ||
		    addr_equal(&x->u.disc.dest, &y->u.disc.dest));
	case DPIPC_STATISTICS:
		if (x->u.stats.n != y->u.stats.n)
			return 0;
		for (i = 0; i < x->u.stats.n; i++) {
			const struct dpipc_stat_entry *a = &x->u.stats.v[i];
			const struct dpipc_stat_entry *b = &y->u.stats.v[i];

			if (a->iid != b->iid || !addr_equal(&a->eid, &b->eid) ||
			    a->nrlocs != b->nrlocs)
				return 0;
			for (j = 0; j < a->nrlocs; j++)
				if (!addr_equal(&a->rlocs[j].rloc,
				    &b->rlocs[j].rloc) ||
				    !counter_equal(&a->rlocs[j].c,
				    &b->rlocs[j].c))
					return 0;
		}
		return 1;
	case DPIPC_DECAP_STATISTICS:
		if (x->u.ds.present != y->u.ds.present)
			return 0;
		for (i = 0; i < DPIPC_DS_MAX; i++)
			if ((x->u.ds.present & (1u << i)) &&
			    !counter_equal(&x->u.ds.c[i], &y->u.ds.c[i]))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/*
 * Decoder.
 */

struct dctx {
	char		*err;
	size_t		 errlen;
	int		 errset;	/* err holds a reason already */
	size_t		 pathlen;
	char		 path[192];
};

/* Record "path: reason" (the first one only) and return DPIPC_EINVAL. */
static int __attribute__((format(printf, 2, 3)))
bad(struct dctx *c, const char *fmt, ...)
{
	char	 msg[160];
	va_list	 ap;

	if (c->errset || c->err == NULL || c->errlen == 0)
		return DPIPC_EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->pathlen > 0)
		snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
	else
		snprintf(c->err, c->errlen, "%s", msg);
	c->errset = 1;
	return DPIPC_EINVAL;
}

static int
nomem(struct dctx *c)
{
	if (!c->errset && c->err != NULL && c->errlen > 0) {
		snprintf(c->err, c->errlen, "out of memory");
		c->errset = 1;
	}
	return DPIPC_ENOMEM;
}

/* Append ".key" or "[i]" to the path; path_pop() restores it. */
static size_t
path_push(struct dctx *c, const char *key, size_t idx)
{
	size_t	 saved = c->pathlen;
	int	 n;

	if (key != NULL)
		n = snprintf(c->path + c->pathlen, sizeof(c->path) - c->pathlen,
		    "%s%s", c->pathlen > 0 ? "." : "", key);
	else
		n = snprintf(c->path + c->pathlen, sizeof(c->path) - c->pathlen,
		    "[%zu]", idx);
	if (n > 0)
		c->pathlen += (size_t)n;
	if (c->pathlen >= sizeof(c->path))
		c->pathlen = sizeof(c->path) - 1;
	return saved;
}

static void
path_pop(struct dctx *c, size_t saved)
{
	c->pathlen = saved;
	c->path[saved] = '\0';
}

/*
 * Look a member up: 1 when present, with *v set (NULL for a JSON null,
 * which the typed getters then refuse as the wrong type).
 */
static int
field(struct json_object *o, const char *key, struct json_object **v)
{
	*v = NULL;
	return json_object_object_get_ex(o, key, v) ? 1 : 0;
}

/* Digits only, 1 to 20 of them, no overflow. */
static int
dec_parse(const char *s, size_t len, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;
	unsigned int	 d;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * A whole number from a decimal string or a JSON integer, within
 * [min, max].  A finite non-negative JSON double is accepted (and
 * truncated) only when allow_double is set: lispers.net's IPC document
 * calls seconds-last-packet "floating point seconds".
 * Returns 0, 1 when absent and optional, or DPIPC_EINVAL.
 */
static int
num_value(struct dctx *c, struct json_object *v, uint64_t min, uint64_t max,
    int allow_double, uint64_t *out)
{
	uint64_t	 n;
	double		 d;

	switch (json_object_get_type(v)) {
	case json_type_string:
		if (dec_parse(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), &n) != 0)
			return bad(c, "\"%.24s\" is not a decimal number",
			    json_object_get_string(v));
		break;
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			return bad(c, "%lld is negative",
			    (long long)json_object_get_int64(v));
		n = json_object_get_uint64(v);
		break;
	case json_type_double:
		d = json_object_get_double(v);
		if (!allow_double)
			return bad(c, "not a whole number");
		if (!isfinite(d) || d < 0 || d >= 18446744073709551616.0)
			return bad(c, "%g out of range", d);
		n = (uint64_t)d;
		break;
	default:
		return bad(c, "%s where a number is expected",
		    json_type_to_name(json_object_get_type(v)));
	}
	if (n < min || n > max)
		return bad(c, "%llu out of range %llu..%llu",
		    (unsigned long long)n, (unsigned long long)min,
		    (unsigned long long)max);
	*out = n;
	return 0;
}

static int
get_num(struct dctx *c, struct json_object *o, const char *key, int required,
    uint64_t min, uint64_t max, int allow_double, uint64_t *out)
{
	struct json_object	*v;
	size_t			 saved;
	int			 rc;

	if (!field(o, key, &v)) {
		if (required)
			return bad(c, "no \"%s\"", key);
		return 1;
	}
	saved = path_push(c, key, 0);
	rc = num_value(c, v, min, max, allow_double, out);
	path_pop(c, saved);
	return rc;
}

/* A string without embedded NULs.  Returns 0, 1 when absent, or error. */
static int
get_str(struct dctx *c, struct json_object *o, const char *key, int required,
    const char **out, size_t *lenp)
{
	struct json_object	*v;
	const char		*s;
	size_t			 len;

	if (!field(o, key, &v)) {
		if (required)
			return bad(c, "no \"%s\"", key);
		return 1;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(c, "\"%s\" is %s, not a string", key,
		    json_type_to_name(json_object_get_type(v)));
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len)
		return bad(c, "\"%s\" contains a NUL character", key);
	*out = s;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

/*
 * An address or prefix.  what: 0 any prefix, 1 an IPv4/IPv6 host
 * address (RLOCs), 2 a host address of any family (discovery EIDs).
 */
static int
get_addr(struct dctx *c, struct json_object *o, const char *key, int required,
    int what, struct dpipc_addr *a)
{
	const char	*s;
	int		 rc;

	if ((rc = get_str(c, o, key, required, &s, NULL)) != 0)
		return rc;
	if (dpipc_addr_parse(s, a) != 0)
		return bad(c, "\"%s\": \"%.48s\" is not an address or prefix",
		    key, s);
	if (what == 1 && a->af == DPIPC_AF_MAC)
		return bad(c, "\"%s\": \"%.48s\" is not an IP address",
		    key, s);
	if (what != 0 && !addr_is_host(a))
		return bad(c, "\"%s\": \"%.48s\" is a prefix, not an address",
		    key, s);
	return 0;
}

static int
get_iid(struct dctx *c, struct json_object *o, uint32_t *iid)
{
	uint64_t	 v;
	int		 rc;

	if ((rc = get_num(c, o, "instance-id", 1, 0, UINT32_MAX, 0, &v)) != 0)
		return rc;
	*iid = (uint32_t)v;
	return 0;
}

static int
get_port(struct dctx *c, struct json_object *o, int required, uint16_t def,
    uint16_t *port)
{
	uint64_t	 v;
	int		 rc;

	rc = get_num(c, o, "port", required, 1, UINT16_MAX, 0, &v);
	if (rc < 0)
		return rc;
	*port = rc == 1 ? def : (uint16_t)v;
	return 0;
}

/* An array member, at most max elements. */
static int
get_array(struct dctx *c, struct json_object *o, const char *key,
    int required, size_t max, struct json_object **arr, size_t *n)
{
	struct json_object	*v;

	*arr = NULL;
	*n = 0;
	if (!field(o, key, &v)) {
		if (required)
			return bad(c, "no \"%s\"", key);
		return 1;
	}
	if (!json_object_is_type(v, json_type_array))
		return bad(c, "\"%s\" is %s, not an array", key,
		    json_type_to_name(json_object_get_type(v)));
	*arr = v;
	*n = json_object_array_length(v);
	if (*n > max)
		return bad(c, "\"%s\" has %zu elements, more than %zu", key,
		    *n, max);
	return 0;
}

/*
 * Hex key of exactly the lengths allowed.  The JSON string is wiped in
 * place once read, so the key does not linger in json-c's heap (the
 * tokener's scratch buffer and the caller's datagram are not ours to
 * wipe).
 */
static int
get_hex(struct dctx *c, struct json_object *o, const char *key, size_t len1,
    size_t len2, uint8_t *out, uint8_t *outlen)
{
	const char	*s;
	size_t		 len, i;
	int		 rc, hi, lo;

	if ((rc = get_str(c, o, key, 1, &s, &len)) != 0)
		return rc;
	if (len != len1 && len != len2) {
		if (len1 == len2)
			rc = bad(c, "\"%s\" has %zu hex digits, not %zu", key,
			    len, len1);
		else
			rc = bad(c, "\"%s\" has %zu hex digits, not %zu or "
			    "%zu", key, len, len1, len2);
	}
	for (i = 0; rc == 0 && i < len; i += 2) {
		if ((hi = lisp_hexval(s[i])) < 0 ||
		    (lo = lisp_hexval(s[i + 1])) < 0)
			rc = bad(c, "\"%s\" is not hex", key);
		else
			out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	if (rc == 0)
		*outlen = (uint8_t)(len / 2);
	sodium_memzero((char *)(uintptr_t)s, len);
	return rc;
}

/*
 * The optional "cipher-suite" of a key: absent is lispers.net's
 * construction (DPIPC_SUITE_LISPERS), otherwise an RFC 8061 suite we
 * implement.  Returns 0 or DPIPC_EINVAL.
 */
static int
get_suite(struct dctx *c, struct json_object *k, uint8_t *suite)
{
	uint64_t	 v;
	int		 rc;

	*suite = DPIPC_SUITE_LISPERS;
	rc = get_num(c, k, "cipher-suite", 0, 0, UINT64_MAX, 0, &v);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc;
	if (v != DPIPC_SUITE_AES128_GCM && v != DPIPC_SUITE_CHACHA20)
		return bad(c, "\"cipher-suite\" %llu is not supported "
		    "(%u AES-128-GCM or %u ChaCha20-Poly1305)",
		    (unsigned long long)v, DPIPC_SUITE_AES128_GCM,
		    DPIPC_SUITE_CHACHA20);
	*suite = (uint8_t)v;
	return 0;
}

/*
 * keys[]: key-id, <keyname> (32 hex), icv-key (40 or 32 hex); or, with
 * "cipher-suite" 5 or 6, <keyname> of 32 or 64 hex and no icv-key.
 */
static int
dec_keys(struct dctx *c, struct json_object *o, const char *keyname,
    int required, struct dpipc_key *keys, uint8_t *nkeys)
{
	struct json_object	*arr, *k, *v;
	struct dpipc_key	*key;
	size_t			 n, i, j, saved, saved2, hexlen;
	uint64_t		 id;
	int			 rc;

	*nkeys = 0;
	rc = get_array(c, o, "keys", required, DPIPC_MAX_KEYS, &arr, &n);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	saved = path_push(c, "keys", 0);
	for (i = 0; i < n; i++) {
		saved2 = path_push(c, NULL, i);
		k = json_object_array_get_idx(arr, i);
		key = &keys[i];
		memset(key, 0, sizeof(*key));
		if (!json_object_is_type(k, json_type_object))
			rc = bad(c, "not an object");
		/* A 2-bit field on the wire; 0 means "not encrypted". */
		if (rc == 0)
			rc = get_num(c, k, "key-id", 1, 1, DPIPC_MAX_KEYS, 0,
			    &id);
		if (rc == 0) {
			key->key_id = (uint8_t)id;
			for (j = 0; j < i; j++)
				if (keys[j].key_id == key->key_id)
					rc = bad(c, "key-id %u repeated",
					    key->key_id);
		}
		if (rc == 0)
			rc = get_suite(c, k, &key->suite);
		/* Read both keys even after an error, so both get wiped. */
		if (json_object_is_type(k, json_type_object)) {
			int rc1, rc2 = 0;

			hexlen = key->suite == DPIPC_SUITE_CHACHA20 ? 64 : 32;
			rc1 = get_hex(c, k, keyname, hexlen, hexlen, key->key,
			    &key->key_len);
			if (key->suite == DPIPC_SUITE_LISPERS)
				rc2 = get_hex(c, k, "icv-key", 40, 32,
				    key->icv, &key->icv_len);
			else if (field(k, "icv-key", &v)) {
				/* Wipe it, though it has no use. */
				if (json_object_is_type(v, json_type_string))
					sodium_memzero((char *)(uintptr_t)
					    json_object_get_string(v),
					    (size_t)
					    json_object_get_string_len(v));
				rc2 = bad(c, "\"icv-key\" with \"cipher-suite\" "
				    "%u (an AEAD suite has no ICV key)",
				    key->suite);
			}
			if (rc == 0)
				rc = rc1 != 0 ? rc1 : rc2;
		}
		path_pop(c, saved2);
		if (rc != 0)
			break;
	}
	path_pop(c, saved);
	if (rc != 0) {
		sodium_memzero(keys, DPIPC_MAX_KEYS * sizeof(*keys));
		return rc;
	}
	*nkeys = (uint8_t)n;
	return 0;
}

static int
dec_rloc(struct dctx *c, struct json_object *o, int rle, struct dpipc_rloc *r)
{
	uint64_t	 v;
	int		 rc;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "not an object");
	if ((rc = get_addr(c, o, rle ? "rle" : "rloc", 1, 1, &r->addr)) != 0)
		return rc;
	if ((rc = get_port(c, o, 0, DPIPC_PORT_DATA, &r->port)) != 0)
		return rc;
	/* RLEs have neither; what lispers.net may add there is ignored. */
	if (!rle) {
		if ((rc = get_num(c, o, "priority", 0, 0, 255, 0, &v)) < 0)
			return rc;
		r->priority = rc == 0 ? (uint8_t)v : 0;
		if ((rc = get_num(c, o, "weight", 0, 0, 255, 0, &v)) < 0)
			return rc;
		r->weight = rc == 0 ? (uint8_t)v : 0;
	}
	return dec_keys(c, o, "encrypt-key", 0, r->keys, &r->nkeys);
}

static int
dec_mapping(struct dctx *c, struct json_object *o, int in_list,
    struct dpipc_mapping *m)
{
	struct json_object	*arr, *arr2;
	const char		*s;
	size_t			 n, n2, i, saved, saved2;
	int			 rc;

	memset(m, 0, sizeof(*m));
	if (!json_object_is_type(o, json_type_object))
		return bad(c, "not an object");
	/* Elements of entire-map-cache repeat "type": "map-cache". */
	if (in_list && (rc = get_str(c, o, "type", 0, &s, NULL)) <= 0) {
		if (rc < 0)
			return rc;
		if (strcmp(s, "map-cache") != 0)
			return bad(c, "type \"%.32s\" is not map-cache", s);
	}
	if ((rc = get_str(c, o, "opcode", 0, &s, NULL)) < 0)
		return rc;
	if (rc == 1 || strcmp(s, "add") == 0)
		m->opcode = DPIPC_OP_ADD;
	else if (strcmp(s, "delete") == 0)
		m->opcode = DPIPC_OP_DELETE;
	else
		return bad(c, "unknown opcode \"%.32s\"", s);
	if ((rc = get_iid(c, o, &m->iid)) != 0)
		return rc;
	if ((rc = get_addr(c, o, "eid-prefix", 1, 0, &m->eid)) != 0)
		return rc;

	if ((rc = get_array(c, o, "rlocs", 0, DPIPC_MAX_RLOCS, &arr, &n)) < 0)
		return rc;
	if ((rc = get_array(c, o, "rles", 0, DPIPC_MAX_RLOCS, &arr2,
	    &n2)) < 0)
		return rc;
	if (arr != NULL && arr2 != NULL)
		return bad(c, "both \"rlocs\" and \"rles\"");
	if (arr2 != NULL) {
		m->multicast = 1;
		arr = arr2;
		n = n2;
	}
	if (n == 0)
		return 0;
	if ((m->rlocs = calloc(n, sizeof(*m->rlocs))) == NULL)
		return nomem(c);
	saved = path_push(c, m->multicast ? "rles" : "rlocs", 0);
	for (i = 0; i < n; i++) {
		saved2 = path_push(c, NULL, i);
		rc = dec_rloc(c, json_object_array_get_idx(arr, i),
		    m->multicast, &m->rlocs[i]);
		path_pop(c, saved2);
		if (rc != 0)
			break;
		m->nrlocs++;
	}
	path_pop(c, saved);
	if (rc != 0) {
		m->nrlocs = n;	/* wipe all of it */
		mapping_free(m);
	}
	return rc;
}

/*
 * Walk a list message's array, calling fn for each element into the
 * slot at base + k * size.  A failing element is skipped and counted.
 */
static int
dec_list(struct dctx *c, struct json_object *o, const char *key,
    size_t size, void **vp, size_t *np, size_t *skipped,
    int (*fn)(struct dctx *, struct json_object *, void *))
{
	struct json_object	*arr;
	uint8_t			*v;
	size_t			 n, i, saved, saved2;
	int			 rc;

	*vp = NULL;
	*np = 0;
	if ((rc = get_array(c, o, key, 1, DPIPC_MAX_LIST, &arr, &n)) != 0)
		return rc;
	if (n == 0)
		return 0;
	if ((v = calloc(n, size)) == NULL)
		return nomem(c);
	*vp = v;
	saved = path_push(c, key, 0);
	for (i = 0; i < n; i++) {
		saved2 = path_push(c, NULL, i);
		rc = fn(c, json_object_array_get_idx(arr, i), v + *np * size);
		path_pop(c, saved2);
		if (rc == DPIPC_ENOMEM)
			break;
		if (rc != 0) {
			(*skipped)++;
			rc = 0;
			continue;
		}
		(*np)++;
	}
	path_pop(c, saved);
	return rc;
}

static int
dec_emc_entry(struct dctx *c, struct json_object *o, void *slot)
{
	return dec_mapping(c, o, 1, slot);
}

static int
dec_dbm_entry(struct dctx *c, struct json_object *o, void *slot)
{
	struct dpipc_dbmapping	*d = slot;
	int			 rc;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "not an object");
	if ((rc = get_iid(c, o, &d->iid)) != 0)
		return rc;
	return get_addr(c, o, "eid-prefix", 1, 0, &d->eid);
}

static int
dec_if_entry(struct dctx *c, struct json_object *o, void *slot)
{
	struct dpipc_iface	*f = slot;
	const char		*s;
	size_t			 len;
	int			 rc;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "not an object");
	if ((rc = get_str(c, o, "interface", 1, &s, &len)) != 0)
		return rc;
	if (!ifname_ok(s, len, 0))
		return bad(c, "\"%.32s\" is not a device name", s);
	memcpy(f->name, s, len + 1);
	return get_iid(c, o, &f->iid);
}

static int
dec_counter(struct dctx *c, struct json_object *o, struct dpipc_counter *k)
{
	int	 rc;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "not an object");
	if ((rc = get_num(c, o, "packet-count", 1, 0, UINT64_MAX, 0,
	    &k->packets)) != 0)
		return rc;
	if ((rc = get_num(c, o, "byte-count", 1, 0, UINT64_MAX, 0,
	    &k->bytes)) != 0)
		return rc;
	return get_num(c, o, "seconds-last-packet", 1, 0, UINT64_MAX, 1,
	    &k->secs_last);
}

static int
dec_stat_entry(struct dctx *c, struct json_object *o, void *slot)
{
	struct dpipc_stat_entry	*e = slot;
	struct json_object	*arr, *r;
	size_t			 n, i, saved, saved2;
	int			 rc;

	if (!json_object_is_type(o, json_type_object))
		return bad(c, "not an object");
	if ((rc = get_iid(c, o, &e->iid)) != 0)
		return rc;
	if ((rc = get_addr(c, o, "eid-prefix", 1, 0, &e->eid)) != 0)
		return rc;
	if ((rc = get_array(c, o, "rlocs", 1, DPIPC_MAX_RLOCS, &arr, &n)) != 0)
		return rc;
	if (n == 0)
		return 0;
	if ((e->rlocs = calloc(n, sizeof(*e->rlocs))) == NULL)
		return nomem(c);
	saved = path_push(c, "rlocs", 0);
	for (i = 0; i < n; i++) {
		saved2 = path_push(c, NULL, i);
		r = json_object_array_get_idx(arr, i);
		rc = dec_counter(c, r, &e->rlocs[i].c);
		if (rc == 0)
			rc = get_addr(c, r, "rloc", 1, 1, &e->rlocs[i].rloc);
		path_pop(c, saved2);
		if (rc != 0)
			break;
	}
	path_pop(c, saved);
	if (rc != 0) {
		free(e->rlocs);
		memset(e, 0, sizeof(*e));
		return rc;
	}
	e->nrlocs = n;
	return 0;
}

static int
dec_decap_keys(struct dctx *c, struct json_object *o,
    struct dpipc_decap_keys *dk)
{
	uint64_t	 v;
	int		 rc;

	/*
	 * lispers.net splits "address:port" at the first ':', so an IPv6
	 * ITR arrives as rloc "2001", port "db8": both fail here, cleanly.
	 */
	if ((rc = get_addr(c, o, "rloc", 1, 1, &dk->rloc)) != 0)
		return rc;
	if ((rc = get_num(c, o, "port", 0, 1, UINT16_MAX, 0, &v)) < 0)
		return rc;
	dk->port = rc == 0 ? (uint16_t)v : 0;
	return dec_keys(c, o, "decrypt-key", 1, dk->keys, &dk->nkeys);
}

static int
dec_bool(struct dctx *c, struct json_object *v, int *out)
{
	const char	*s;

	switch (json_object_get_type(v)) {
	case json_type_boolean:
		*out = json_object_get_boolean(v);
		return 0;
	case json_type_int:
		if (json_object_get_int64(v) == 0 ||
		    json_object_get_int64(v) == 1) {
			*out = (int)json_object_get_int64(v);
			return 0;
		}
		break;
	case json_type_string:
		/* lisp.config spells them yes/no. */
		s = json_object_get_string(v);
		if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0) {
			*out = 0;
			return 0;
		}
		break;
	default:
		break;
	}
	return bad(c, "not a boolean");
}

static int
dec_xtr_params(struct dctx *c, struct json_object *o,
    struct dpipc_xtr_params *xp)
{
	struct json_object	*v;
	size_t			 i, saved;
	int			 b = 0, rc;

	for (i = 0; i < sizeof(dpipc_xp_tab) / sizeof(dpipc_xp_tab[0]); i++) {
		if (!field(o, dpipc_xp_tab[i].name, &v))
			continue;
		saved = path_push(c, dpipc_xp_tab[i].name, 0);
		rc = dec_bool(c, v, &b);
		path_pop(c, saved);
		if (rc != 0)
			return rc;
		xp->present |= dpipc_xp_tab[i].bit;
		if (b)
			xp->value |= dpipc_xp_tab[i].bit;
	}
	return 0;
}

static int
dec_discovery(struct dctx *c, struct json_object *o, struct dpipc_discovery *d)
{
	struct json_object	*v;
	const char		*s;
	size_t			 len, saved;
	uint64_t		 iid;
	int			 rc;

	if ((rc = get_str(c, o, "interface", 1, &s, &len)) != 0)
		return rc;
	if (!ifname_ok(s, len, 1))
		return bad(c, "\"%.32s\" is not a device name", s);
	memcpy(d->interface, s, len + 1);
	/* -1 is lispers.net's "control message" IID. */
	if (field(o, "instance-id", &v)) {
		d->has_iid = 1;
		if ((json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), "-1") == 0) ||
		    (json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) == -1))
			d->iid = -1;
		else {
			saved = path_push(c, "instance-id", 0);
			rc = num_value(c, v, 0, UINT32_MAX, 0, &iid);
			path_pop(c, saved);
			if (rc != 0)
				return rc;
			d->iid = (int64_t)iid;
		}
	}
	if ((rc = get_addr(c, o, "source-eid", 0, 2, &d->source)) < 0)
		return rc;
	d->has_source = rc == 0;
	if ((rc = get_addr(c, o, "dest-eid", 0, 2, &d->dest)) < 0)
		return rc;
	d->has_dest = rc == 0;
	return 0;
}

static int
dec_decap_stats(struct dctx *c, struct json_object *o,
    struct dpipc_decap_stats *ds)
{
	struct json_object	*v;
	size_t			 i, saved;
	int			 rc;

	for (i = 0; i < DPIPC_DS_MAX; i++) {
		if (!field(o, dpipc_dstat_tab[i], &v))
			continue;
		saved = path_push(c, dpipc_dstat_tab[i], 0);
		rc = dec_counter(c, v, &ds->c[i]);
		path_pop(c, saved);
		if (rc != 0)
			return rc;
		ds->present |= 1u << i;
	}
	return 0;
}

static int
dec_body(struct dctx *c, struct json_object *o, struct dpipc_msg *m)
{
	void	*v;
	int	 rc;

	switch (m->type) {
	case DPIPC_MAP_CACHE:
		return dec_mapping(c, o, 0, &m->u.mc);
	case DPIPC_ENTIRE_MAP_CACHE:
		rc = dec_list(c, o, "entries", sizeof(struct dpipc_mapping),
		    &v, &m->u.emc.n, &m->nskipped, dec_emc_entry);
		m->u.emc.v = v;
		return rc;
	case DPIPC_DATABASE_MAPPINGS:
		rc = dec_list(c, o, "database-mappings",
		    sizeof(struct dpipc_dbmapping), &v, &m->u.dbm.n,
		    &m->nskipped, dec_dbm_entry);
		m->u.dbm.v = v;
		return rc;
	case DPIPC_INTERFACES:
		rc = dec_list(c, o, "interfaces", sizeof(struct dpipc_iface),
		    &v, &m->u.ifs.n, &m->nskipped, dec_if_entry);
		m->u.ifs.v = v;
		return rc;
	case DPIPC_STATISTICS:
		/* "entries": null is what lispers.net rejects too. */
		rc = dec_list(c, o, "entries", sizeof(struct dpipc_stat_entry),
		    &v, &m->u.stats.n, &m->nskipped, dec_stat_entry);
		m->u.stats.v = v;
		return rc;
	case DPIPC_DECAP_KEYS:
		return dec_decap_keys(c, o, &m->u.dk);
	case DPIPC_ETR_NAT_PORT:
	case DPIPC_ITR_CRYPTO_PORT:
		return get_port(c, o, 1, 0, &m->u.port);
	case DPIPC_XTR_PARAMETERS:
		return dec_xtr_params(c, o, &m->u.xp);
	case DPIPC_RESTART:
		return 0;
	case DPIPC_DISCOVERY:
		return dec_discovery(c, o, &m->u.disc);
	case DPIPC_DECAP_STATISTICS:
		return dec_decap_stats(c, o, &m->u.ds);
	default:
		return bad(c, "internal: type %d", m->type);
	}
}

int
dpipc_decode(const char *buf, size_t len, struct dpipc_msg *m, char *err,
    size_t errlen)
{
	struct json_tokener	*tok = NULL;
	struct json_object	*o = NULL;
	struct dctx		 c;
	enum json_tokener_error	 jerr;
	const char		*s;
	size_t			 end, i;
	int			 rc, t;

	memset(m, 0, sizeof(*m));
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (len > INT32_MAX) {
		rc = DPIPC_EPARSE;
		bad(&c, "datagram of %zu bytes is too long", len);
		goto out;
	}
	/* The tokener would stop at a NUL and call the rest "done". */
	if (memchr(buf, '\0', len) != NULL) {
		rc = DPIPC_EPARSE;
		bad(&c, "NUL byte in datagram");
		goto out;
	}
	if ((tok = json_tokener_new_ex(DPIPC_MAX_DEPTH)) == NULL) {
		rc = nomem(&c);
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success) {
		rc = DPIPC_EPARSE;
		bad(&c, "bad JSON at offset %zu: %s",
		    json_tokener_get_parse_end(tok),
		    jerr == json_tokener_continue ? "truncated" :
		    json_tokener_error_desc(jerr));
		goto out;
	}
	/* One object per datagram: only whitespace may follow it. */
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (strchr(" \t\r\n", buf[end]) == NULL) {
			rc = DPIPC_EPARSE;
			bad(&c, "trailing data at offset %zu", end);
			goto out;
		}
	if (!json_object_is_type(o, json_type_object)) {
		rc = DPIPC_EPARSE;
		bad(&c, "top level is %s, not an object",
		    json_type_to_name(json_object_get_type(o)));
		goto out;
	}
	if ((rc = get_str(&c, o, "type", 1, &s, NULL)) != 0)
		goto out;
	for (t = DPIPC_NONE + 1; t < DPIPC_TYPE_MAX; t++)
		if (strcmp(s, dpipc_type_tab[t]) == 0)
			break;
	if (t == DPIPC_TYPE_MAX) {
		/* Log-safe: printable ASCII only. */
		if (err != NULL && errlen > 0) {
			snprintf(err, errlen, "unknown type \"%.32s\"", s);
			for (i = 0; err[i] != '\0'; i++)
				if (err[i] < 0x20 || err[i] > 0x7e)
					err[i] = '?';
		}
		rc = DPIPC_UNKNOWN;
		goto out;
	}
	m->type = (enum dpipc_type)t;
	rc = dec_body(&c, o, m);
 out:
	if (rc != DPIPC_OK && rc != DPIPC_UNKNOWN)
		dpipc_msg_free(m);
	else if (rc == DPIPC_UNKNOWN)
		memset(m, 0, sizeof(*m));
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

/*
 * Encoder: a growable text buffer with a sticky error, wiped whenever
 * its memory is given back.
 */

struct tbuf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	int		 err;
};

static void
tb_reserve(struct tbuf *t, size_t more)
{
	size_t	 ncap;
	char	*np;

	if (t->err)
		return;
	if (more > SIZE_MAX / 2 - t->len) {
		t->err = 1;
		return;
	}
	if (t->len + more + 1 <= t->cap)
		return;
	ncap = t->cap ? t->cap : 256;
	while (ncap < t->len + more + 1)
		ncap *= 2;
	if ((np = malloc(ncap)) == NULL) {
		t->err = 1;
		return;
	}
	if (t->p != NULL) {
		memcpy(np, t->p, t->len);
		sodium_memzero(t->p, t->cap);
		free(t->p);
	}
	t->p = np;
	t->cap = ncap;
}

static void
tb_put(struct tbuf *t, const char *s, size_t n)
{
	tb_reserve(t, n);
	if (t->err)
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void
tb_puts(struct tbuf *t, const char *s)
{
	tb_put(t, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
tb_printf(struct tbuf *t, const char *fmt, ...)
{
	char	 buf[64];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		t->err = 1;
		return;
	}
	tb_put(t, buf, (size_t)n);
}

/* A JSON string; only device names can need escapes. */
static void
tb_str(struct tbuf *t, const char *s)
{
	char	 esc[8];

	tb_puts(t, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			tb_put(t, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x",
			    (unsigned char)*s);
			tb_put(t, esc, 6);
		} else
			tb_put(t, s, 1);
	}
	tb_puts(t, "\"");
}

/* ,"key": (comma unless first) */
static void
tb_key(struct tbuf *t, int first, const char *key)
{
	if (!first)
		tb_puts(t, ",");
	tb_str(t, key);
	tb_puts(t, ":");
}

static void
tb_addr(struct tbuf *t, const struct dpipc_addr *a, int with_len)
{
	char	 s[DPIPC_ADDRSTRLEN];

	if (dpipc_addr_fmt(a, with_len, s, sizeof(s)) < 0) {
		t->err = 1;
		return;
	}
	tb_str(t, s);
}

static void
tb_hex(struct tbuf *t, const uint8_t *b, size_t n)
{
	static const char	 digits[] = "0123456789abcdef";
	char			 h[2];
	size_t			 i;

	tb_puts(t, "\"");
	for (i = 0; i < n; i++) {
		h[0] = digits[b[i] >> 4];
		h[1] = digits[b[i] & 0xf];
		tb_put(t, h, 2);
	}
	sodium_memzero(h, sizeof(h));
	tb_puts(t, "\"");
}

static void
tb_done(struct tbuf *t)
{
	if (t->p != NULL) {
		sodium_memzero(t->p, t->cap);
		free(t->p);
	}
	memset(t, 0, sizeof(*t));
}

static void
enc_keys(struct tbuf *t, const struct dpipc_key *k, uint8_t n,
    const char *keyname)
{
	uint8_t	 i;
	int	 ok;

	if (n > DPIPC_MAX_KEYS) {
		t->err = 1;
		return;
	}
	tb_key(t, 0, "keys");
	tb_puts(t, "[");
	for (i = 0; i < n; i++) {
		switch (k[i].suite) {
		case DPIPC_SUITE_LISPERS:
			ok = k[i].key_len == 16 &&
			    (k[i].icv_len == 20 || k[i].icv_len == 16);
			break;
		case DPIPC_SUITE_AES128_GCM:
			ok = k[i].key_len == 16 && k[i].icv_len == 0;
			break;
		case DPIPC_SUITE_CHACHA20:
			ok = k[i].key_len == 32 && k[i].icv_len == 0;
			break;
		default:
			ok = 0;
			break;
		}
		if (!ok || k[i].key_id < 1 || k[i].key_id > DPIPC_MAX_KEYS) {
			t->err = 1;
			return;
		}
		tb_puts(t, i > 0 ? ",{" : "{");
		tb_key(t, 1, "key-id");
		tb_printf(t, "\"%u\"", k[i].key_id);
		if (k[i].suite != DPIPC_SUITE_LISPERS) {
			tb_key(t, 0, "cipher-suite");
			tb_printf(t, "\"%u\"", k[i].suite);
		}
		tb_key(t, 0, keyname);
		tb_hex(t, k[i].key, k[i].key_len);
		if (k[i].suite == DPIPC_SUITE_LISPERS) {
			tb_key(t, 0, "icv-key");
			tb_hex(t, k[i].icv, k[i].icv_len);
		}
		tb_puts(t, "}");
	}
	tb_puts(t, "]");
}

static void
enc_mapping(struct tbuf *t, const struct dpipc_mapping *m)
{
	const struct dpipc_rloc	*r;
	size_t			 i;

	if (m->nrlocs > DPIPC_MAX_RLOCS || (m->nrlocs > 0 && m->rlocs == NULL)) {
		t->err = 1;
		return;
	}
	tb_puts(t, "{");
	tb_key(t, 1, "type");
	tb_str(t, "map-cache");
	tb_key(t, 0, "opcode");
	tb_str(t, m->opcode == DPIPC_OP_DELETE ? "delete" : "add");
	tb_key(t, 0, "instance-id");
	tb_printf(t, "\"%u\"", m->iid);
	tb_key(t, 0, "eid-prefix");
	tb_addr(t, &m->eid, 1);
	tb_key(t, 0, m->multicast ? "rles" : "rlocs");
	tb_puts(t, "[");
	for (i = 0; i < m->nrlocs; i++) {
		r = &m->rlocs[i];
		if (r->addr.af == DPIPC_AF_MAC || !addr_is_host(&r->addr) ||
		    r->port == 0) {
			t->err = 1;
			return;
		}
		tb_puts(t, i > 0 ? ",{" : "{");
		tb_key(t, 1, m->multicast ? "rle" : "rloc");
		tb_addr(t, &r->addr, 0);
		if (!m->multicast) {
			tb_key(t, 0, "priority");
			tb_printf(t, "\"%u\"", r->priority);
			tb_key(t, 0, "weight");
			tb_printf(t, "\"%u\"", r->weight);
		}
		tb_key(t, 0, "port");
		tb_printf(t, "\"%u\"", r->port);
		if (r->nkeys > 0)
			enc_keys(t, r->keys, r->nkeys, "encrypt-key");
		tb_puts(t, "}");
	}
	tb_puts(t, "]}");
}

static void
enc_counter(struct tbuf *t, const struct dpipc_counter *k)
{
	tb_puts(t, "{");
	tb_key(t, 1, "packet-count");
	tb_printf(t, "%llu", (unsigned long long)k->packets);
	tb_key(t, 0, "byte-count");
	tb_printf(t, "%llu", (unsigned long long)k->bytes);
	tb_key(t, 0, "seconds-last-packet");
	tb_printf(t, "%llu", (unsigned long long)k->secs_last);
	tb_puts(t, "}");
}

/* {"rloc":"...","packet-count":N,"byte-count":N,"seconds-last-packet":N} */
static void
enc_stat_rloc(struct tbuf *t, const struct dpipc_stat_rloc *r)
{
	if (r->rloc.af == DPIPC_AF_MAC || !addr_is_host(&r->rloc)) {
		t->err = 1;
		return;
	}
	tb_puts(t, "{");
	tb_key(t, 1, "rloc");
	tb_addr(t, &r->rloc, 0);
	tb_key(t, 0, "packet-count");
	tb_printf(t, "%llu", (unsigned long long)r->c.packets);
	tb_key(t, 0, "byte-count");
	tb_printf(t, "%llu", (unsigned long long)r->c.bytes);
	tb_key(t, 0, "seconds-last-packet");
	tb_printf(t, "%llu", (unsigned long long)r->c.secs_last);
	tb_puts(t, "}");
}

/* An entry up to its "rlocs":[ (the prefix exactly as received). */
static void
enc_stat_head(struct tbuf *t, const struct dpipc_stat_entry *e)
{
	tb_puts(t, "{");
	tb_key(t, 1, "instance-id");
	tb_printf(t, "\"%u\"", e->iid);
	tb_key(t, 0, "eid-prefix");
	tb_addr(t, &e->eid, 1);
	tb_key(t, 0, "rlocs");
	tb_puts(t, "[");
}

#define STATS_HEAD	"{\"type\":\"statistics\",\"entries\":["
#define STATS_TAIL	"]}"
#define ENTRY_TAIL	"]}"

static void
enc_list_sep(struct tbuf *t, size_t i)
{
	if (i > 0)
		tb_puts(t, ",");
}

static void
enc_body(struct tbuf *t, const struct dpipc_msg *m)
{
	const char	*name;
	size_t		 i, j;

	if ((name = dpipc_type_name(m->type)) == NULL) {
		t->err = 1;
		return;
	}
	/* The same object as an entire-map-cache element. */
	if (m->type == DPIPC_MAP_CACHE) {
		enc_mapping(t, &m->u.mc);
		return;
	}
	tb_puts(t, "{");
	tb_key(t, 1, "type");
	tb_str(t, name);
	switch (m->type) {
	case DPIPC_ENTIRE_MAP_CACHE:
		tb_key(t, 0, "entries");
		tb_puts(t, "[");
		for (i = 0; i < m->u.emc.n; i++) {
			enc_list_sep(t, i);
			enc_mapping(t, &m->u.emc.v[i]);
		}
		tb_puts(t, "]");
		break;
	case DPIPC_DATABASE_MAPPINGS:
		tb_key(t, 0, "database-mappings");
		tb_puts(t, "[");
		for (i = 0; i < m->u.dbm.n; i++) {
			enc_list_sep(t, i);
			tb_puts(t, "{");
			tb_key(t, 1, "instance-id");
			tb_printf(t, "\"%u\"", m->u.dbm.v[i].iid);
			tb_key(t, 0, "eid-prefix");
			tb_addr(t, &m->u.dbm.v[i].eid, 1);
			tb_puts(t, "}");
		}
		tb_puts(t, "]");
		break;
	case DPIPC_INTERFACES:
		tb_key(t, 0, "interfaces");
		tb_puts(t, "[");
		for (i = 0; i < m->u.ifs.n; i++) {
			const char *nm = m->u.ifs.v[i].name;

			if (!ifname_ok(nm, strnlen(nm, DPIPC_IFNAMSIZ), 0)) {
				t->err = 1;
				return;
			}
			enc_list_sep(t, i);
			tb_puts(t, "{");
			tb_key(t, 1, "interface");
			tb_str(t, nm);
			tb_key(t, 0, "instance-id");
			tb_printf(t, "\"%u\"", m->u.ifs.v[i].iid);
			tb_puts(t, "}");
		}
		tb_puts(t, "]");
		break;
	case DPIPC_DECAP_KEYS:
		if (m->u.dk.rloc.af == DPIPC_AF_MAC ||
		    !addr_is_host(&m->u.dk.rloc)) {
			t->err = 1;
			return;
		}
		tb_key(t, 0, "rloc");
		tb_addr(t, &m->u.dk.rloc, 0);
		if (m->u.dk.port != 0) {
			tb_key(t, 0, "port");
			tb_printf(t, "\"%u\"", m->u.dk.port);
		}
		enc_keys(t, m->u.dk.keys, m->u.dk.nkeys, "decrypt-key");
		break;
	case DPIPC_ETR_NAT_PORT:
	case DPIPC_ITR_CRYPTO_PORT:
		/* A JSON integer here, unlike every other port. */
		if (m->u.port == 0) {
			t->err = 1;
			return;
		}
		tb_key(t, 0, "port");
		tb_printf(t, "%u", m->u.port);
		break;
	case DPIPC_XTR_PARAMETERS:
		for (i = 0; i < sizeof(dpipc_xp_tab) / sizeof(dpipc_xp_tab[0]);
		    i++) {
			if (!(m->u.xp.present & dpipc_xp_tab[i].bit))
				continue;
			tb_key(t, 0, dpipc_xp_tab[i].name);
			tb_puts(t, (m->u.xp.value & dpipc_xp_tab[i].bit) ?
			    "true" : "false");
		}
		break;
	case DPIPC_RESTART:
		break;
	case DPIPC_DISCOVERY:
		if (!ifname_ok(m->u.disc.interface,
		    strnlen(m->u.disc.interface, DPIPC_IFNAMSIZ), 1)) {
			t->err = 1;
			return;
		}
		/*
		 * Plain addresses: an IPv4 EID goes out as a dotted quad
		 * (a /32 host), never as an IPv6 form or with /128.
		 */
		if (m->u.disc.has_source) {
			if (!addr_is_host(&m->u.disc.source))
				t->err = 1;
			tb_key(t, 0, "source-eid");
			tb_addr(t, &m->u.disc.source, 0);
		}
		if (m->u.disc.has_dest) {
			if (!addr_is_host(&m->u.disc.dest))
				t->err = 1;
			tb_key(t, 0, "dest-eid");
			tb_addr(t, &m->u.disc.dest, 0);
		}
		tb_key(t, 0, "interface");
		tb_str(t, m->u.disc.interface);
		if (m->u.disc.has_iid) {
			if (m->u.disc.iid < -1 || m->u.disc.iid > UINT32_MAX)
				t->err = 1;
			tb_key(t, 0, "instance-id");
			tb_printf(t, "\"%lld\"", (long long)m->u.disc.iid);
		}
		break;
	case DPIPC_STATISTICS:
		/* Never "entries": null (compat 3, item 3). */
		tb_key(t, 0, "entries");
		tb_puts(t, "[");
		for (i = 0; i < m->u.stats.n; i++) {
			const struct dpipc_stat_entry *e = &m->u.stats.v[i];

			enc_list_sep(t, i);
			enc_stat_head(t, e);
			for (j = 0; j < e->nrlocs; j++) {
				enc_list_sep(t, j);
				enc_stat_rloc(t, &e->rlocs[j]);
			}
			tb_puts(t, ENTRY_TAIL);
		}
		tb_puts(t, "]");
		break;
	case DPIPC_DECAP_STATISTICS:
		/* Each present object carries all three counters. */
		for (i = 0; i < DPIPC_DS_MAX; i++) {
			if (!(m->u.ds.present & (1u << i)))
				continue;
			tb_key(t, 0, dpipc_dstat_tab[i]);
			enc_counter(t, &m->u.ds.c[i]);
		}
		break;
	default:
		t->err = 1;
		return;
	}
	tb_puts(t, "}");
}

char *
dpipc_encode(const struct dpipc_msg *m, size_t *lenp)
{
	struct tbuf	 t;
	char		*p;

	memset(&t, 0, sizeof(t));
	enc_body(&t, m);
	if (t.err || t.p == NULL) {
		tb_done(&t);
		return NULL;
	}
	p = t.p;
	if (lenp != NULL)
		*lenp = t.len;
	return p;
}

void
dpipc_text_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}

/*
 * Statistics split into datagrams of at most maxlen bytes.  Every piece
 * is written into a scratch buffer first so that its exact size is
 * known before it is committed to the message being built.
 */
struct ssplit {
	struct tbuf	  msg;
	size_t		  maxlen;
	size_t		  nentries;	/* entries in msg */
	int		  count;	/* messages emitted */
	int		(*emit)(const char *, size_t, void *);
	void		 *arg;
};

static int
ss_flush(struct ssplit *s)
{
	tb_puts(&s->msg, STATS_TAIL);
	if (s->msg.err || s->msg.len > s->maxlen)
		return -1;
	if (s->emit(s->msg.p, s->msg.len, s->arg) != 0)
		return -1;
	s->count++;
	s->msg.len = 0;
	s->nentries = 0;
	tb_puts(&s->msg, STATS_HEAD);
	return s->msg.err ? -1 : 0;
}

int
dpipc_encode_statistics(const struct dpipc_stat_entry *v, size_t n,
    size_t maxlen, int (*emit)(const char *, size_t, void *), void *arg)
{
	struct ssplit	 s;
	struct tbuf	 head, body, piece;
	size_t		 i, r, k, tails;
	int		 rc = -1;

	memset(&s, 0, sizeof(s));
	memset(&head, 0, sizeof(head));
	memset(&body, 0, sizeof(body));
	memset(&piece, 0, sizeof(piece));
	if (maxlen < 512 || emit == NULL || (n > 0 && v == NULL))
		return -1;
	s.maxlen = maxlen;
	s.emit = emit;
	s.arg = arg;
	tb_puts(&s.msg, STATS_HEAD);
	tails = strlen(ENTRY_TAIL) + strlen(STATS_TAIL);

	for (i = 0; i < n; i++) {
		const struct dpipc_stat_entry *e = &v[i];

		if (e->nrlocs > 0 && e->rlocs == NULL)
			goto out;
		head.len = body.len = 0;
		enc_stat_head(&head, e);
		for (k = 0; k < e->nrlocs; k++) {
			enc_list_sep(&body, k);
			enc_stat_rloc(&body, &e->rlocs[k]);
		}
		tb_puts(&body, ENTRY_TAIL);
		if (head.err || body.err)
			goto out;
		/* Keep an entry whole when it fits in a message of its own. */
		if (s.nentries > 0 && s.msg.len + 1 + head.len + body.len +
		    strlen(STATS_TAIL) > maxlen && ss_flush(&s) != 0)
			goto out;
		if (s.msg.len + 1 + head.len + body.len + strlen(STATS_TAIL) <=
		    maxlen) {
			enc_list_sep(&s.msg, s.nentries);
			tb_put(&s.msg, head.p, head.len);
			tb_put(&s.msg, body.p, body.len);
			s.nentries++;
			continue;
		}
		/*
		 * Too many RLOCs for one datagram: the message is empty now;
		 * fill it and go on in the next with the same instance-id
		 * and prefix.
		 */
		r = 0;
		while (r < e->nrlocs) {
			tb_put(&s.msg, head.p, head.len);
			s.nentries++;
			for (k = 0; r < e->nrlocs; k++, r++) {
				piece.len = 0;
				enc_list_sep(&piece, k);
				enc_stat_rloc(&piece, &e->rlocs[r]);
				if (piece.err)
					goto out;
				if (s.msg.len + piece.len + tails > maxlen)
					break;
				tb_put(&s.msg, piece.p, piece.len);
			}
			/* Head and one RLOC always fit in 512 bytes. */
			if (k == 0)
				goto out;
			tb_puts(&s.msg, ENTRY_TAIL);
			if (r < e->nrlocs && ss_flush(&s) != 0)
				goto out;
		}
	}
	if (s.nentries > 0 || s.count == 0)
		if (ss_flush(&s) != 0)
			goto out;
	rc = s.count;
 out:
	tb_done(&s.msg);
	tb_done(&head);
	tb_done(&body);
	tb_done(&piece);
	return rc;
}
