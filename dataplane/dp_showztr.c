/* SPDX-License-Identifier: ISC */
/*
 * show-ztr (see dp_showztr.h).  The layout, ANSI bold escapes included,
 * is the legacy data plane's, which lispers.net displays verbatim.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "dp_cpchan.h"
#include "dp_keys.h"
#include "dp_showztr.h"
#include "dpipc.h"
#include "mapcache.h"

#define B	"\033[1m"
#define E	"\033[0m"
/* Enough for the web page; the rest is summarised. */
#define SHOW_MAX_ENTRIES	10000

struct show_walk {
	FILE	*fp;
	size_t	 n;
};

static const char *
ntop(uint8_t afi, const uint8_t *a, char *buf, size_t len)
{
	return inet_ntop(afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6, a, buf,
	    (socklen_t)len);
}

static int
show_entry(const struct mapcache_entry *e, void *arg)
{
	struct show_walk	*sw = arg;
	char			 a[INET6_ADDRSTRLEN];
	unsigned int		 k, n = mapcache_rloc_count(e);

	if (e->afi != MAPCACHE_AF_IPV4 && e->afi != MAPCACHE_AF_IPV6)
		return 0;
	if (++sw->n > SHOW_MAX_ENTRIES)
		return 0;
	fprintf(sw->fp, "EID: [%u]%s/%u\n  RLOC-set: [", mapcache_entry_iid(e),
	    ntop(e->afi, e->eid, a, sizeof(a)), e->plen);
	for (k = 0; k < n; k++) {
		const struct mapcache_rloc *r = mapcache_rloc_get(e, k);

		fprintf(sw->fp, "%s%s", k > 0 ? ", " : "",
		    ntop((uint8_t)r->afi, r->addr, a, sizeof(a)));
	}
	fprintf(sw->fp, "]\n");
	return 0;
}

void
dp_showztr_format(FILE *fp)
{
	const struct dp_cpchan_info	*ci = dp_cpchan_info();
	struct mapcache_cursor		 cur;
	struct show_walk		 sw;
	char				 date[64], a[DPIPC_ADDRSTRLEN];
	struct tm			 tm;
	time_t				 now = time(NULL);
	size_t				 k;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S UTC %Y", &tm);
	fprintf(fp, B "Zededa LISP Data-plane running at %s" E "\n", date);
	fprintf(fp, B "LISP zTR state:" E "\n");
	fprintf(fp, "  LISP dataplane debugging enabled: %s\n",
	    ci->have_xp && (ci->xp.value & DPIPC_XP_DP_LOGGING) ? "true" :
	    "false");
	fprintf(fp, "  LISP ITR crypto port: %d\n", ci->crypto_port > 0 ?
	    ci->crypto_port : 0);
	fprintf(fp, "  LISP ETR Nat port: %d\n", ci->nat_port > 0 ?
	    ci->nat_port : 0);
	fprintf(fp, "  LISP Interfaces: [ ");
	for (k = 0; k < ci->nifs; k++)
		fprintf(fp, "%s:%u ", ci->ifs[k].name, ci->ifs[k].iid);
	fprintf(fp, "]\n  LISP database mappings:\n");
	for (k = 0; k < ci->ndbm; k++) {
		const struct dpipc_addr *e = &ci->dbm[k].eid;
		int host = e->plen == (e->af == AF_INET ? 32 : 128);

		if (dpipc_addr_fmt(e, !host, a, sizeof(a)) > 0)
			fprintf(fp, "    [ %u --> %s ]\n", ci->dbm[k].iid, a);
	}
	fprintf(fp, "\n" B "Map-Cache Entries:" E "\n");
	memset(&sw, 0, sizeof(sw));
	sw.fp = fp;
	memset(&cur, 0, sizeof(cur));
	if (dp_g.mc != NULL)
		while (mapcache_walk(dp_g.mc, &cur, 4096, show_entry, &sw))
			;
	if (sw.n > SHOW_MAX_ENTRIES)
		fprintf(fp, "... %zu more entries\n", sw.n - SHOW_MAX_ENTRIES);
	fprintf(fp, "\n" B "Decap-Keys:" E "\n");
	for (k = 0; k < dp_keys_decap_count(); k++) {
		const struct dp_keyset *ks = dp_keys_decap_get(k);

		fprintf(fp, "  RLOC: %s:%u, key-ids [%u]\n", ntop(ks->afi,
		    ks->addr, a, sizeof(a)), ks->port, ks->nkeys);
	}
}

int
dp_showztr_write(const char *dir)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];
	FILE	*fp;
	int	 saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/show-ztr", dir) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.show-ztr.%d", dir, (int)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fp = fopen(tmp, "we")) == NULL)
		return -1;
	dp_showztr_format(fp);
	if (fflush(fp) == EOF || ferror(fp)) {
		saved = errno;
		fclose(fp);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fclose(fp) == EOF || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}
