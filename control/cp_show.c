/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ev.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cp_crypto.h"
#include "cp_ctl.h"
#include "cp_etr.h"
#include "cp_itr.h"
#include "cp_show.h"
#include "lisp_addr.h"
#include "lisp_auth.h"
#include "lisp_msg.h"
#include "ms.h"

/*
 * cp_ctl's callbacks take no argument: the process has one engine, so
 * the pointers to it live here.
 */
static struct {
	struct ev_loop		*loop;
	struct itr *const	*itr;
	struct etr *const	*etr;
	struct ms *const	*ms;
	struct cpc *const	*crypto;
} show;

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
add_bool(json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v != 0));
}

/* Seconds, rounded down, never negative: clocks may step. */
static int64_t
secs(double d)
{
	return d > 0 ? (int64_t)d : 0;
}

/* Milliseconds with three decimals, printed as such (no 0.21299999). */
static void
add_ms(json_object *o, const char *k, double seconds)
{
	char	 s[32];
	double	 v = seconds * 1000;

	snprintf(s, sizeof(s), "%.3f", v);
	json_object_object_add(o, k, json_object_new_double_s(v, s));
}

static const char *
alg_name(uint8_t alg)
{
	switch (alg) {
	case LISP_AUTH_HMAC_SHA1:
		return "hmac-sha1";
	case LISP_AUTH_HMAC_SHA256:
		return "hmac-sha256";
	default:
		return "none";
	}
}

/* "198.51.100.1:4342", "[2001:db8::1]:4342". */
static void
ss_fmt(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;
	char				 a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	else if (ss->ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	else
		snprintf(buf, len, "-");
}

/* --- show sites --------------------------------------------------------- */

struct sites_arg {
	json_object	*recs;
	uint64_t	 now_ms;
	int		 nomem;
};

static int64_t
ms_ago(uint64_t now_ms, uint64_t t)
{
	return now_ms > t ? (int64_t)((now_ms - t) / 1000) : 0;
}

static void
site_rec(void *arg, const struct ms_reg_view *v)
{
	struct sites_arg		*sa = arg;
	const struct lisp_addr		*eid;
	json_object			*r, *rl, *l;
	char				 a[LISP_ADDR_STRLEN], b[LISP_ADDR_STRLEN];
	char				 x[2 * LISP_XTR_ID_LEN + 1];
	uint32_t			 iid;
	size_t				 i;

	if ((r = json_object_new_object()) == NULL) {
		sa->nomem = 1;
		return;
	}
	add_str(r, "site", v->site_name[0] != '\0' ? v->site_name : "-");
	if (v->site_descr != NULL)
		add_str(r, "description", v->site_descr);
	if (v->site_shutdown)
		add_bool(r, "shutdown", 1);
	add_bool(r, "registered", v->rec != NULL);
	if (v->rec == NULL)
		goto out;
	eid = lisp_addr_strip_iid(&v->rec->eid, &iid);
	add_int(r, "iid", v->iid);
	snprintf(b, sizeof(b), "%s/%u", lisp_addr_fmt(eid, a, sizeof(a)),
	    v->rec->mask_len);
	add_str(r, "eid-prefix", b);
	ss_fmt(v->src, a, sizeof(a));
	add_str(r, "source", a);
	if (v->has_xtr_id) {
		for (i = 0; i < LISP_XTR_ID_LEN; i++)
			snprintf(x + 2 * i, 3, "%02x", v->xtr_id[i]);
		add_str(r, "xtr-id", x);
		add_int(r, "site-id", (int64_t)v->site_id);
	}
	add_int(r, "ttl", v->rec->ttl);
	add_int(r, "first-registered", ms_ago(sa->now_ms, v->first_ms));
	add_int(r, "last-registered", ms_ago(sa->now_ms, v->last_ms));
	add_int(r, "expires-in", v->expires_ms > sa->now_ms ?
	    (int64_t)((v->expires_ms - sa->now_ms) / 1000) : 0);
	add_int(r, "registers", (int64_t)v->registers);
	add_bool(r, "proxy-reply", v->flags & LISP_MREG_P);
	add_bool(r, "want-map-notify", v->flags & LISP_MREG_M);
	add_str(r, "auth-alg", alg_name(v->alg_id));
	add_int(r, "key-id", v->key_id);
	if ((rl = json_object_new_array()) == NULL) {
		sa->nomem = 1;
		goto out;
	}
	json_object_object_add(r, "rlocs", rl);
	for (i = 0; i < v->rec->loc_count; i++) {
		const struct lisp_locator *lc = &v->rec->locs[i];

		if ((l = json_object_new_object()) == NULL) {
			sa->nomem = 1;
			break;
		}
		add_str(l, "address", lisp_addr_fmt(&lc->addr, a, sizeof(a)));
		add_int(l, "priority", lc->priority);
		add_int(l, "weight", lc->weight);
		add_bool(l, "reachable", lc->flags & LISP_LOC_R);
		add_bool(l, "local", lc->flags & LISP_LOC_L);
		json_object_array_add(rl, l);
	}
out:
	json_object_array_add(sa->recs, r);
}

int
cp_show_sites(const struct ms *ms, double now, json_object *recs, char *err,
    size_t errlen)
{
	struct sites_arg	 sa;

	if (ms == NULL) {
		snprintf(err, errlen, "not a map-server (no map-server role "
		    "in lisp enable)");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.recs = recs;
	sa.now_ms = now > 0 ? (uint64_t)(now * 1000) : 0;
	ms_walk_sites(ms, site_rec, &sa);
	if (sa.nomem) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* --- show rlocs --------------------------------------------------------- */

static int
rloc_rec(const struct itr *itr, const struct itr_entry *e,
    const struct itr_rloc *r, double now, json_object *recs)
{
	json_object	*o;
	char		 a[CPA_STRLEN], b[CPA_STRLEN + 4];
	int		 probing;
	const char	*state;

	/* Static entries are the configuration's; cp_itr does not probe. */
	probing = itr->p.probing && !e->is_static && !e->negative &&
	    r->priority != 255;
	if (r->priority == 255)
		state = "unused";
	else if (probing)
		state = r->probe.up ? "up" : "down";
	else
		state = r->reach ? "up" : "down";
	if ((o = json_object_new_object()) == NULL)
		return -1;
	add_int(o, "iid", e->eid.iid);
	snprintf(b, sizeof(b), "%s/%u", cpa_addr_fmt(&e->eid.p, a,
	    sizeof(a)), e->eid.p.plen);
	add_str(o, "eid-prefix", b);
	add_str(o, "rloc", cpa_addr_fmt(&r->addr, a, sizeof(a)));
	add_int(o, "priority", r->priority);
	add_int(o, "weight", r->weight);
	add_str(o, "state", state);
	if (itr->crypto != NULL) {
		struct dpipc_key k;

		/* Opportunistic: 0 = this RLOC gets plaintext. */
		add_int(o, "cipher-suite", cpc_itr_key(itr->crypto, &r->addr,
		    &k) ? k.suite : 0);
		sodium_memzero(&k, sizeof(k));
	}
	add_bool(o, "probing", probing);
	if (probing) {
		if (r->probe.rtt > 0) {
			add_ms(o, "rtt-last-ms", r->probe.rtt);
			add_ms(o, "rtt-avg-ms", r->probe.srtt);
		}
		if (r->probe.sent > 0)
			add_int(o, "last-probe", secs(now - r->probe.sent_at));
		add_int(o, "missed", r->probe.missed);
		add_int(o, "probes", (int64_t)r->probe.sent);
		add_int(o, "probe-replies", (int64_t)r->probe.replies);
		add_int(o, "probe-timeouts", (int64_t)r->probe.timeouts);
	}
	json_object_array_add(recs, o);
	return 0;
}

static int
ms_rec(const struct etr_ms *m, double now, json_object *recs)
{
	static const char *const st[] = { "idle", "waiting", "registered" };
	json_object	*o;
	char		 a[CPA_STRLEN];

	if ((o = json_object_new_object()) == NULL)
		return -1;
	add_str(o, "map-server", cpa_addr_fmt(&m->addr, a, sizeof(a)));
	if (m->name[0] != '\0')
		add_str(o, "name", m->name);
	add_str(o, "state", (size_t)m->state < sizeof(st) / sizeof(st[0]) ?
	    st[m->state] : "?");
	add_int(o, "registers", (int64_t)m->sent);
	add_bool(o, "want-map-notify", m->want_notify);
	add_bool(o, "proxy-reply", m->proxy_reply);
	add_str(o, "auth-alg", alg_name(m->alg));
	if (m->want_notify)
		add_int(o, "notifies", (int64_t)m->ok);
	if (m->registered_at > 0)
		add_int(o, m->want_notify ? "last-map-notify" :
		    "last-registered", secs(now - m->registered_at));
	add_int(o, "next-register-in", secs(m->next_at - now));
	json_object_array_add(recs, o);
	return 0;
}

int
cp_show_rlocs(const struct itr *itr, const struct etr *etr, double now,
    json_object *recs, char *err, size_t errlen)
{
	const struct itr_entry	*e;
	const struct etr_ms	*m;
	size_t			 i;

	if (itr == NULL && etr == NULL) {
		snprintf(err, errlen, "neither an ITR nor an ETR");
		return -1;
	}
	if (itr != NULL)
		TAILQ_FOREACH(e, &itr->entries, link)
			for (i = 0; i < e->nrlocs; i++)
				if (rloc_rec(itr, e, &e->rlocs[i], now,
				    recs) == -1)
					goto nomem;
	if (etr != NULL)
		TAILQ_FOREACH(m, &etr->ms, link)
			if (ms_rec(m, now, recs) == -1)
				goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* --- lisp-crypto ---------------------------------------------------------- */

int
cp_show_crypto(const struct cpc *c, json_object *recs, char *err,
    size_t errlen)
{
	json_object	*r, *o;
	int		 i;

	if (c == NULL)
		return 0;
	if ((r = json_object_new_object()) == NULL ||
	    (o = json_object_new_object()) == NULL) {
		json_object_put(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	add_int(o, "cipher-suite", c->p.suite);
	add_int(o, "encrypt-sessions", (int64_t)c->nitr);
	add_int(o, "decrypt-sessions", (int64_t)c->netr);
	add_int(o, "max-sessions", (int64_t)c->p.max_sessions);
	for (i = 0; i < CPC_C_MAX; i++)
		add_int(o, cpc_counter_name(i), (int64_t)c->c[i]);
	json_object_object_add(r, "lisp-crypto", o);
	json_object_array_add(recs, r);
	return 0;
}

/* --- cp_ctl glue -------------------------------------------------------- */

static int
cb_sites(json_object *recs, char *err, size_t errlen)
{
	return cp_show_sites(*show.ms, ev_now(show.loop), recs, err, errlen);
}

static int
cb_rlocs(json_object *recs, char *err, size_t errlen)
{
	if (cp_show_rlocs(*show.itr, *show.etr, ev_now(show.loop), recs,
	    err, errlen) == -1)
		return -1;
	return cp_show_crypto(*show.crypto, recs, err, errlen);
}

void
cp_show_register(struct ev_loop *loop, struct itr *const *itr,
    struct etr *const *etr, struct ms *const *ms, struct cpc *const *crypto)
{
	struct cp_ctl_ops	 ops;

	show.loop = loop;
	show.itr = itr;
	show.etr = etr;
	show.ms = ms;
	show.crypto = crypto;
	memset(&ops, 0, sizeof(ops));
	ops.show_sites = cb_sites;
	ops.show_rlocs = cb_rlocs;
	cp_ctl_register(&ops);
}
