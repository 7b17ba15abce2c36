/* SPDX-License-Identifier: ISC */
/*
 * cp_show: the control plane's answers to lispctl (control/cp_ctl.h),
 * records built from the engine's own state.
 *
 *   show sites  one record per (site, EID-prefix, registering xTR) of
 *               the map-server role, one {"registered": false} record
 *               per configured site without any registration
 *   show rlocs  one record per (map-cache entry, RLOC) with the probe
 *               state and round-trip times, then one per configured
 *               map-server with our registration state, then with
 *               data-plane-security one {"lisp-crypto": {...}} record:
 *               suite, session counts and the cp_crypto counters
 *
 * Times in records are relative (seconds ago, seconds from now), as the
 * data plane's own records are, so that they need no clock to read.
 * The builders take the engines and `now` (ev_now(), seconds since the
 * epoch) and are usable without the process, by unit tests.
 */
#ifndef CP_SHOW_H
#define CP_SHOW_H

#include <stddef.h>

#include <json-c/json.h>

struct cpc;
struct etr;
struct ev_loop;
struct itr;
struct ms;

/*
 * Register the callbacks with cp_ctl.  The engines are read through the
 * given pointers at every request: the process replaces them on a
 * reload (NULL when the role is off).
 */
void	cp_show_register(struct ev_loop *loop, struct itr *const *itr,
	    struct etr *const *etr, struct ms *const *ms,
	    struct cpc *const *crypto);

/* Append records to the array recs; 0, or -1 with a message in err. */
int	cp_show_sites(const struct ms *ms, double now, json_object *recs,
	    char *err, size_t errlen);
int	cp_show_rlocs(const struct itr *itr, const struct etr *etr,
	    double now, json_object *recs, char *err, size_t errlen);
/* The lisp-crypto record (nothing when crypto is NULL). */
int	cp_show_crypto(const struct cpc *crypto, json_object *recs,
	    char *err, size_t errlen);

#endif /* CP_SHOW_H */
