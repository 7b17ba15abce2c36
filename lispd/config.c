/* SPDX-License-Identifier: ISC */
/*
 * lisp.config parser and printer.  See config.h for the syntax rules.
 *
 * The parser is line based, like lispers.net's own: a clause is opened by
 * "lisp <command> {", sub-clauses by "<name> {", closed by "}", and every
 * other body line is "key = value".  Commands, sub-clauses and keys live
 * in sorted tables searched with bsearch(); each key entry names its value
 * type and the offset of its field, so one setter, one printer and one
 * destructor serve every clause.  Errors are counted and parsing goes on
 * with the next line, so a single run reports all of them.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lisp_text.h"
#include "log.h"

/* Value types of keywords. */
enum ktype {
	KT_BOOL,	/* int: yes|no */
	KT_U8,		/* uint8_t, min..max */
	KT_U32,		/* uint32_t, min..max */
	KT_U64,		/* uint64_t */
	KT_STR,		/* char * */
	KT_SECRET,	/* char *, wiped on free */
	KT_STRLIST,	/* char **, size_t count at off2 */
	KT_ADDR,	/* struct config_addr */
	KT_ADDRLIST,	/* struct config_addr *, count at off2 */
	KT_PREFIX,	/* struct config_prefix */
	KT_IIDRANGE,	/* uint32_t lo at off, hi at off2: "a" or "a-b" */
	KT_ENUM,	/* int: index in names[] + 1 */
	KT_KEY,		/* struct config_key */
	KT_KEYLIST,	/* struct config_key *, count at off2 */
};

#define KF_EMPTY_OK	0x01	/* an empty value is a value (password) */
#define KF_VERBATIM	0x02	/* no placeholder check (JSON text) */
#define KF_IIDLIST	0x04	/* "a b c": keep the first IID, warn */
#define KF_STAR		0x08	/* "*" means every IID */
#define KF_NORANGE	0x10	/* KT_IIDRANGE accepting one IID only */
#define KF_REF_JSON	0x20	/* names an earlier lisp json */
#define KF_REF_MS	0x40	/* names an earlier lisp map-server */
#define KF_REF_MR	0x80	/* names an earlier lisp map-resolver */

struct keyword {
	const char		*name;
	uint8_t			 type;		/* enum ktype */
	uint8_t			 bit;		/* presence bit, print order */
	uint8_t			 flags;		/* KF_* */
	size_t			 off;
	size_t			 off2;
	uint64_t		 min, max;
	const char *const	*names;		/* KT_ENUM, NULL-terminated */
};

struct subdesc;

struct objdesc {
	const struct keyword	*keys;
	size_t			 nkeys;
	const struct subdesc	*subs;
	size_t			 nsubs;
};

struct subdesc {
	const char		*name;
	const struct objdesc	*desc;
	size_t			 elsize;
	size_t			 arr_off;	/* element array in the parent */
	size_t			 n_off;		/* its count */
};

enum cmdkind {
	CMD_SINGLE,	/* one struct in lisp_config; clauses merge */
	CMD_LIST,	/* an array in lisp_config; each clause adds one */
	CMD_RAW,	/* known, unsupported: kept as text */
};

#define NO_LINE		((size_t)-1)

struct command {
	const char		*name;
	uint8_t			 kind;		/* enum cmdkind */
	uint8_t			 rank;		/* print order */
	const struct objdesc	*desc;
	size_t			 elsize;
	size_t			 off;		/* struct, or array pointer */
	size_t			 n_off;		/* array count */
	size_t			 line_off;	/* element's `int line`, or NO_LINE */
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define OFF(s, f)	offsetof(struct s, f)

#define K_BOOL(n, s, f, b) \
	{ n, KT_BOOL, b, 0, OFF(s, f), 0, 0, 1, NULL }
#define K_NUM(n, t, s, f, b, lo, hi) \
	{ n, t, b, 0, OFF(s, f), 0, lo, hi, NULL }
#define K_STR(n, s, f, b, fl) \
	{ n, KT_STR, b, fl, OFF(s, f), 0, 0, 0, NULL }
#define K_SECRET(n, s, f, b, fl) \
	{ n, KT_SECRET, b, fl, OFF(s, f), 0, 0, 0, NULL }
#define K_LIST(n, t, s, f, cnt, b) \
	{ n, t, b, 0, OFF(s, f), OFF(s, cnt), 0, 0, NULL }
#define K_ADDR(n, s, f, b) \
	{ n, KT_ADDR, b, 0, OFF(s, f), 0, 0, 0, NULL }
#define K_PFX(n, s, f, b) \
	{ n, KT_PREFIX, b, 0, OFF(s, f), 0, 0, 0, NULL }
#define K_IID(n, s, lo, hi, b, fl) \
	{ n, KT_IIDRANGE, b, fl, OFF(s, lo), OFF(s, hi), 0, 0, NULL }
#define K_ENUM(n, s, f, b, names) \
	{ n, KT_ENUM, b, 0, OFF(s, f), 0, 0, 0, names }
#define K_KEY(n, s, f, b) \
	{ n, KT_KEY, b, 0, OFF(s, f), 0, 0, 0, NULL }

/*
 * The tables.  Every table is sorted by name (strcmp order): lookups use
 * bsearch(), and tables_check() enforces the order once per process.
 */
static const struct keyword enable_keys[] = {
	K_BOOL("ddt-node", config_enable, ddt_node, CONFIG_ENABLE_DDT),
	K_BOOL("etr", config_enable, etr, CONFIG_ENABLE_ETR),
	K_BOOL("itr", config_enable, itr, CONFIG_ENABLE_ITR),
	K_BOOL("map-resolver", config_enable, map_resolver, CONFIG_ENABLE_MR),
	K_BOOL("map-server", config_enable, map_server, CONFIG_ENABLE_MS),
	K_BOOL("rtr", config_enable, rtr, CONFIG_ENABLE_RTR),
};

static const struct keyword debug_keys[] = {
	K_BOOL("core", config_debug, core, CONFIG_DEBUG_CORE),
	K_BOOL("ddt-node", config_debug, ddt_node, CONFIG_DEBUG_DDT),
	K_BOOL("etr", config_debug, etr, CONFIG_DEBUG_ETR),
	K_BOOL("itr", config_debug, itr, CONFIG_DEBUG_ITR),
	K_BOOL("map-resolver", config_debug, map_resolver, CONFIG_DEBUG_MR),
	K_BOOL("map-server", config_debug, map_server, CONFIG_DEBUG_MS),
	K_BOOL("rtr", config_debug, rtr, CONFIG_DEBUG_RTR),
};

static const struct keyword user_keys[] = {
	K_SECRET("password", config_user, password, CONFIG_USER_PASSWORD,
	    KF_EMPTY_OK),
	K_BOOL("super-user", config_user, super_user, CONFIG_USER_SUPER),
	K_STR("username", config_user, username, CONFIG_USER_NAME, 0),
};

static const struct keyword xtr_keys[] = {
	K_BOOL("checkpoint-map-cache", config_xtr, checkpoint_map_cache,
	    CONFIG_XTR_CHECKPOINT),
	K_BOOL("data-plane-logging", config_xtr, data_plane_logging,
	    CONFIG_XTR_DP_LOGGING),
	K_BOOL("data-plane-security", config_xtr, data_plane_security,
	    CONFIG_XTR_DP_SECURITY),
	K_BOOL("decentralized-nat", config_xtr, decentralized_nat,
	    CONFIG_XTR_DECENT_NAT),
	K_STR("decentralized-pull-xtr-dns-suffix", config_xtr,
	    decentralized_pull_dns_suffix, CONFIG_XTR_DECENT_SUFFIX, 0),
	K_NUM("decentralized-pull-xtr-modulus", KT_U8, config_xtr,
	    decentralized_pull_modulus, CONFIG_XTR_DECENT_MODULUS, 1, 255),
	K_BOOL("decentralized-push-xtr", config_xtr, decentralized_push_xtr,
	    CONFIG_XTR_DECENT_PUSH),
	K_BOOL("decentralized-xtr", config_xtr, decentralized_xtr,
	    CONFIG_XTR_DECENT_XTR),
	K_BOOL("flow-logging", config_xtr, flow_logging,
	    CONFIG_XTR_FLOW_LOGGING),
	K_BOOL("frame-logging", config_xtr, frame_logging,
	    CONFIG_XTR_FRAME_LOGGING),
	K_BOOL("ipc-data-plane", config_xtr, ipc_data_plane, CONFIG_XTR_IPC_DP),
	K_BOOL("nat-traversal", config_xtr, nat_traversal,
	    CONFIG_XTR_NAT_TRAVERSAL),
	K_BOOL("nonce-echoing", config_xtr, nonce_echoing,
	    CONFIG_XTR_NONCE_ECHOING),
	K_BOOL("program-hardware", config_xtr, program_hardware,
	    CONFIG_XTR_PROGRAM_HW),
	K_BOOL("register-reachable-rtrs", config_xtr, register_reachable_rtrs,
	    CONFIG_XTR_REG_RTRS),
	K_BOOL("rloc-probing", config_xtr, rloc_probing,
	    CONFIG_XTR_RLOC_PROBING),
};

static const struct keyword json_keys[] = {
	K_STR("json-name", config_json, name, CONFIG_JSON_NAME, 0),
	K_STR("json-string", config_json, string, CONFIG_JSON_STRING,
	    KF_VERBATIM),
};

static const struct keyword iface_keys[] = {
	K_STR("device", config_iface, device, CONFIG_IF_DEVICE, 0),
	K_PFX("dynamic-eid", config_iface, dynamic_eid, CONFIG_IF_DYN_EID),
	K_STR("dynamic-eid-device", config_iface, dynamic_eid_device,
	    CONFIG_IF_DYN_DEVICE, 0),
	K_NUM("dynamic-eid-timeout", KT_U32, config_iface, dynamic_eid_timeout,
	    CONFIG_IF_DYN_TIMEOUT, 0, UINT32_MAX),
	K_NUM("instance-id", KT_U32, config_iface, iid, CONFIG_IF_IID,
	    0, UINT32_MAX),
	K_STR("interface-name", config_iface, name, CONFIG_IF_NAME, 0),
	K_BOOL("lisp-nat", config_iface, lisp_nat, CONFIG_IF_LISP_NAT),
	K_PFX("multi-tenant-eid", config_iface, multi_tenant_eid,
	    CONFIG_IF_MT_EID),
};

static const struct keyword db_prefix_keys[] = {
	K_BOOL("dynamic-eid", config_eid, dynamic_eid, CONFIG_EID_DYNAMIC),
	K_PFX("eid-prefix", config_eid, eid, CONFIG_EID_PREFIX),
	K_PFX("group-prefix", config_eid, group, CONFIG_EID_GROUP),
	{ "instance-id", KT_U32, CONFIG_EID_IID, KF_IIDLIST,
	    OFF(config_eid, iid), 0, 0, UINT32_MAX, NULL },
	K_STR("mr-name", config_eid, mr_name, CONFIG_EID_MR_NAME, KF_REF_MR),
	K_STR("ms-name", config_eid, ms_name, CONFIG_EID_MS_NAME, KF_REF_MS),
	K_NUM("register-ttl", KT_U32, config_eid, register_ttl,
	    CONFIG_EID_REG_TTL, 1, UINT32_MAX),
	K_NUM("secondary-instance-id", KT_U32, config_eid, secondary_iid,
	    CONFIG_EID_SECONDARY_IID, 0, UINT32_MAX),
	K_BOOL("signature-eid", config_eid, signature_eid,
	    CONFIG_EID_SIGNATURE),
};

static const struct keyword mc_prefix_keys[] = {
	K_PFX("eid-prefix", config_eid, eid, CONFIG_EID_PREFIX),
	K_PFX("group-prefix", config_eid, group, CONFIG_EID_GROUP),
	K_NUM("instance-id", KT_U32, config_eid, iid, CONFIG_EID_IID,
	    0, UINT32_MAX),
	K_BOOL("send-map-request", config_eid, send_map_request,
	    CONFIG_EID_SEND_MREQ),
	K_BOOL("subscribe-request", config_eid, subscribe_request,
	    CONFIG_EID_SUBSCRIBE),
};

static const struct keyword db_rloc_keys[] = {
	K_ADDR("address", config_rloc, address, CONFIG_RLOC_ADDRESS),
	K_STR("elp-name", config_rloc, elp_name, CONFIG_RLOC_ELP, 0),
	K_STR("geo-name", config_rloc, geo_name, CONFIG_RLOC_GEO, 0),
	K_STR("interface", config_rloc, interface, CONFIG_RLOC_INTERFACE, 0),
	K_STR("json-name", config_rloc, json_name, CONFIG_RLOC_JSON,
	    KF_REF_JSON),
	K_NUM("priority", KT_U8, config_rloc, priority, CONFIG_RLOC_PRIORITY,
	    0, 255),
	K_STR("rle-name", config_rloc, rle_name, CONFIG_RLOC_RLE, 0),
	K_STR("rloc-record-name", config_rloc, record_name, CONFIG_RLOC_NAME,
	    0),
	K_NUM("weight", KT_U8, config_rloc, weight, CONFIG_RLOC_WEIGHT,
	    0, 100),
};

static const struct keyword mc_rloc_keys[] = {
	K_ADDR("address", config_rloc, address, CONFIG_RLOC_ADDRESS),
	K_STR("elp-name", config_rloc, elp_name, CONFIG_RLOC_ELP, 0),
	K_NUM("priority", KT_U8, config_rloc, priority, CONFIG_RLOC_PRIORITY,
	    0, 255),
	K_STR("rle-name", config_rloc, rle_name, CONFIG_RLOC_RLE, 0),
	K_STR("rloc-record-name", config_rloc, record_name, CONFIG_RLOC_NAME,
	    0),
	K_NUM("weight", KT_U8, config_rloc, weight, CONFIG_RLOC_WEIGHT,
	    0, 100),
};

static const struct keyword allowed_rloc_keys[] = {
	K_ADDR("address", config_rloc, address, CONFIG_RLOC_ADDRESS),
	K_NUM("priority", KT_U8, config_rloc, priority, CONFIG_RLOC_PRIORITY,
	    0, 255),
	K_NUM("weight", KT_U8, config_rloc, weight, CONFIG_RLOC_WEIGHT,
	    0, 100),
};

static const char *const auth_type_names[] = { "sha1", "sha2", NULL };

static const struct keyword ms_keys[] = {
	K_LIST("address", KT_ADDRLIST, config_ms, addrs, naddrs,
	    CONFIG_MS_ADDRESS),
	K_KEY("authentication-key", config_ms, auth_key, CONFIG_MS_AUTH_KEY),
	K_ENUM("authentication-type", config_ms, auth_type,
	    CONFIG_MS_AUTH_TYPE, auth_type_names),
	K_LIST("dns-name", KT_STRLIST, config_ms, dns_names, ndns_names,
	    CONFIG_MS_DNS),
	K_KEY("encryption-key", config_ms, enc_key, CONFIG_MS_ENC_KEY),
	K_BOOL("merge-registrations", config_ms, merge_registrations,
	    CONFIG_MS_MERGE),
	K_STR("ms-name", config_ms, name, CONFIG_MS_NAME, 0),
	K_BOOL("proxy-reply", config_ms, proxy_reply, CONFIG_MS_PROXY_REPLY),
	K_BOOL("refresh-registrations", config_ms, refresh_registrations,
	    CONFIG_MS_REFRESH),
	K_NUM("site-id", KT_U64, config_ms, site_id, CONFIG_MS_SITE_ID,
	    0, UINT64_MAX),
	K_BOOL("want-map-notify", config_ms, want_map_notify,
	    CONFIG_MS_WANT_NOTIFY),
};

static const struct keyword mr_keys[] = {
	K_LIST("address", KT_ADDRLIST, config_mr, addrs, naddrs,
	    CONFIG_MR_ADDRESS),
	K_LIST("dns-name", KT_STRLIST, config_mr, dns_names, ndns_names,
	    CONFIG_MR_DNS),
	K_STR("mr-name", config_mr, name, CONFIG_MR_NAME, 0),
};

static const char *const pr_action_names[] = {
	"native-forward", "drop", "not-registered-yet", NULL
};

static const struct keyword allowed_keys[] = {
	K_BOOL("accept-more-specifics", config_allowed, accept_more_specifics,
	    CONFIG_AP_MORE_SPECIFICS),
	K_BOOL("echo-nonce-capable", config_allowed, echo_nonce_capable,
	    CONFIG_AP_ECHO_NONCE),
	K_PFX("eid-prefix", config_allowed, eid, CONFIG_AP_EID),
	K_BOOL("encrypt-json", config_allowed, encrypt_json,
	    CONFIG_AP_ENCRYPT_JSON),
	K_BOOL("force-nat-proxy-reply", config_allowed, force_nat_proxy_reply,
	    CONFIG_AP_FORCE_NAT_PROXY),
	K_BOOL("force-proxy-reply", config_allowed, force_proxy_reply,
	    CONFIG_AP_FORCE_PROXY),
	K_NUM("force-ttl", KT_U32, config_allowed, force_ttl,
	    CONFIG_AP_FORCE_TTL, 0, UINT32_MAX),
	K_PFX("group-prefix", config_allowed, group, CONFIG_AP_GROUP),
	K_IID("instance-id", config_allowed, iid, iid_hi, CONFIG_AP_IID, 0),
	K_BOOL("pitr-proxy-reply-drop", config_allowed, pitr_proxy_reply_drop,
	    CONFIG_AP_PITR_DROP),
	K_STR("policy-name", config_allowed, policy_name, CONFIG_AP_POLICY, 0),
	K_ENUM("proxy-reply-action", config_allowed, proxy_reply_action,
	    CONFIG_AP_PR_ACTION, pr_action_names),
	K_BOOL("require-signature", config_allowed, require_signature,
	    CONFIG_AP_REQUIRE_SIG),
};

static const struct keyword site_keys[] = {
	K_LIST("authentication-key", KT_KEYLIST, config_site, keys, nkeys,
	    CONFIG_SITE_AUTH_KEY),
	K_STR("description", config_site, description, CONFIG_SITE_DESCR, 0),
	K_BOOL("shutdown", config_site, shutdown, CONFIG_SITE_SHUTDOWN),
	K_STR("site-name", config_site, name, CONFIG_SITE_NAME, 0),
};

static const struct keyword rtr_list_keys[] = {
	K_LIST("address", KT_ADDRLIST, config_rtr_list, addrs, naddrs,
	    CONFIG_RTRS_ADDRESS),
};

static const struct keyword crypto_hash_keys[] = {
	K_PFX("eid-prefix", config_crypto_hash, eid, CONFIG_ECH_EID),
	K_IID("instance-id", config_crypto_hash, iid, iid_hi, CONFIG_ECH_IID,
	    KF_STAR | KF_NORANGE),
};

#define DESC(keys)	{ keys, NELEM(keys), NULL, 0 }

static const struct objdesc db_prefix_desc = DESC(db_prefix_keys);
static const struct objdesc db_rloc_desc = DESC(db_rloc_keys);
static const struct objdesc mc_prefix_desc = DESC(mc_prefix_keys);
static const struct objdesc mc_rloc_desc = DESC(mc_rloc_keys);
static const struct objdesc allowed_desc = DESC(allowed_keys);
static const struct objdesc allowed_rloc_desc = DESC(allowed_rloc_keys);

#define SUB(n, d, et, s, arr, cnt) \
	{ n, d, sizeof(struct et), OFF(s, arr), OFF(s, cnt) }

/* Sub-clause tables, sorted; the print order is the table order. */
static const struct subdesc db_subs[] = {
	SUB("prefix", &db_prefix_desc, config_eid, config_dbmap, prefixes,
	    nprefixes),
	SUB("rloc", &db_rloc_desc, config_rloc, config_dbmap, rlocs, nrlocs),
};
static const struct subdesc mc_subs[] = {
	SUB("prefix", &mc_prefix_desc, config_eid, config_mapcache, prefixes,
	    nprefixes),
	SUB("rloc", &mc_rloc_desc, config_rloc, config_mapcache, rlocs,
	    nrlocs),
};
static const struct subdesc site_subs[] = {
	SUB("allowed-prefix", &allowed_desc, config_allowed, config_site,
	    allowed, nallowed),
	SUB("allowed-rloc", &allowed_rloc_desc, config_rloc, config_site,
	    allowed_rlocs, nallowed_rlocs),
};

static const struct objdesc enable_desc = DESC(enable_keys);
static const struct objdesc debug_desc = DESC(debug_keys);
static const struct objdesc user_desc = DESC(user_keys);
static const struct objdesc xtr_desc = DESC(xtr_keys);
static const struct objdesc json_desc = DESC(json_keys);
static const struct objdesc iface_desc = DESC(iface_keys);
static const struct objdesc db_desc = { NULL, 0, db_subs, NELEM(db_subs) };
static const struct objdesc mc_desc = { NULL, 0, mc_subs, NELEM(mc_subs) };
static const struct objdesc ms_desc = DESC(ms_keys);
static const struct objdesc mr_desc = DESC(mr_keys);
static const struct objdesc site_desc = {
	site_keys, NELEM(site_keys), site_subs, NELEM(site_subs)
};
static const struct objdesc rtr_list_desc = DESC(rtr_list_keys);
static const struct objdesc crypto_hash_desc = DESC(crypto_hash_keys);

#define C_SINGLE(n, r, d, f) \
	{ n, CMD_SINGLE, r, d, 0, OFF(lisp_config, f), 0, NO_LINE }
#define C_LIST(n, r, d, et, f, cnt, lo) \
	{ n, CMD_LIST, r, d, sizeof(struct et), OFF(lisp_config, f), \
	    OFF(lisp_config, cnt), lo }
#define C_RAW(n) \
	{ n, CMD_RAW, 255, NULL, 0, 0, 0, NO_LINE }

/*
 * Every lispers.net command.  rank is the print order: names (json,
 * map-server) are defined before the clauses that refer to them.
 */
static const struct command commands[] = {
	C_LIST("database-mapping", 8, &db_desc, config_dbmap, dbmaps, ndbmaps,
	    OFF(config_dbmap, line)),
	C_RAW("ddt-authoritative-prefix"),
	C_RAW("ddt-root"),
	C_SINGLE("debug", 1, &debug_desc, debug),
	C_RAW("delegation"),
	C_LIST("eid-crypto-hash", 12, &crypto_hash_desc, config_crypto_hash,
	    crypto_hashes, ncrypto_hashes, NO_LINE),
	C_SINGLE("enable", 0, &enable_desc, enable),
	C_RAW("encryption-keys"),
	C_RAW("explicit-locator-path"),
	C_RAW("geo-coordinates"),
	C_RAW("glean-mapping"),
	C_RAW("group-mapping"),
	C_LIST("interface", 5, &iface_desc, config_iface, ifaces, nifaces,
	    NO_LINE),
	C_RAW("itr-map-cache"),
	C_LIST("json", 4, &json_desc, config_json, json, njson, NO_LINE),
	C_LIST("map-cache", 9, &mc_desc, config_mapcache, mapcaches,
	    nmapcaches, OFF(config_mapcache, line)),
	C_LIST("map-resolver", 6, &mr_desc, config_mr, mr, nmr,
	    OFF(config_mr, line)),
	C_LIST("map-server", 7, &ms_desc, config_ms, ms, nms,
	    OFF(config_ms, line)),
	C_RAW("map-server-peer"),
	C_RAW("ms-authoritative-prefix"),
	C_RAW("policy"),
	C_RAW("referral-cache"),
	C_RAW("replication-list-entry"),
	C_SINGLE("rtr-list", 11, &rtr_list_desc, rtr_list),
	C_RAW("rtr-map-cache"),
	C_LIST("site", 10, &site_desc, config_site, sites, nsites,
	    OFF(config_site, line)),
	C_LIST("user-account", 2, &user_desc, config_user, users, nusers,
	    NO_LINE),
	C_SINGLE("xtr-parameters", 3, &xtr_desc, xtr),
};
#define MAX_RANK	12

/* The generic code finds the presence word at offset 0 of every object. */
_Static_assert(offsetof(struct config_enable, set) == 0, "set first");
_Static_assert(offsetof(struct config_debug, set) == 0, "set first");
_Static_assert(offsetof(struct config_user, set) == 0, "set first");
_Static_assert(offsetof(struct config_xtr, set) == 0, "set first");
_Static_assert(offsetof(struct config_json, set) == 0, "set first");
_Static_assert(offsetof(struct config_iface, set) == 0, "set first");
_Static_assert(offsetof(struct config_eid, set) == 0, "set first");
_Static_assert(offsetof(struct config_rloc, set) == 0, "set first");
_Static_assert(offsetof(struct config_ms, set) == 0, "set first");
_Static_assert(offsetof(struct config_mr, set) == 0, "set first");
_Static_assert(offsetof(struct config_allowed, set) == 0, "set first");
_Static_assert(offsetof(struct config_site, set) == 0, "set first");
_Static_assert(offsetof(struct config_rtr_list, set) == 0, "set first");
_Static_assert(offsetof(struct config_crypto_hash, set) == 0, "set first");

/* Diagnostics. */

static void	(*diag_fn)(void *, int, const char *, int, const char *);
static void	*diag_arg;

void
config_set_diag(void (*fn)(void *, int, const char *, int, const char *),
    void *arg)
{
	diag_fn = fn;
	diag_arg = arg;
}

/* A text buffer that grows; used for raw clauses. */
struct sbuf {
	char	*s;
	size_t	 len, cap;
	int	 oom;
};

struct parser {
	const char		*file;
	int			 lineno;
	int			 nerrors;
	int			 oom;
	struct lisp_config	*cfg;

	int			 depth;		/* open braces */
	int			 skip;		/* ignore levels >= skip (0: none) */
	int			 clause_line;
	char			 cmdname[64];
	char			 subname[64];
	const struct command	*cmd;		/* NULL: unknown command */
	void			*obj;		/* clause object */
	void			*sub;		/* sub-clause object */
	const struct objdesc	*subdesc;
	uint32_t		 seen, subseen;	/* keys seen in this (sub)clause */
	struct sbuf		 raw;		/* CMD_RAW clause text */

	int			 dashes;	/* the opening #--- line was seen */
	int			 warned_crlf;
	int			 warned_prelude;
	/* The current line, and a copy for the clause-opener check. */
	char			 buf[CONFIG_LINE_MAX + 1];
	char			 orig[CONFIG_LINE_MAX + 1];
};

static void pdiag(struct parser *, int, int, const char *, ...)
	__attribute__((format(printf, 4, 5)));

static void
pdiag(struct parser *p, int level, int line, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == CONFIG_DIAG_ERROR)
		p->nerrors++;
	else
		p->cfg->nwarnings++;
	if (diag_fn != NULL)
		diag_fn(diag_arg, level, p->file, line, msg);
	else if (level == CONFIG_DIAG_ERROR)
		log_warnx("%s:%d: %s", p->file, line, msg);
	else
		log_warnx("%s:%d: warning: %s", p->file, line, msg);
}

#define perr(p, ...)	pdiag(p, CONFIG_DIAG_ERROR, (p)->lineno, __VA_ARGS__)
#define pwarn(p, ...)	pdiag(p, CONFIG_DIAG_WARN, (p)->lineno, __VA_ARGS__)

static void
nomem(struct parser *p)
{
	if (!p->oom)
		perr(p, "out of memory");
	p->oom = 1;
}

/* Table lookups. */

static int
kw_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct keyword *)elem)->name);
}

static int
sub_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct subdesc *)elem)->name);
}

static int
cmd_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct command *)elem)->name);
}

static const struct keyword *
kw_find(const struct objdesc *d, const char *name)
{
	if (d->nkeys == 0)
		return NULL;
	return bsearch(name, d->keys, d->nkeys, sizeof(*d->keys), kw_cmp);
}

static void
desc_check(const struct objdesc *d, const char *what)
{
	size_t	 i, j;

	for (i = 1; i < d->nkeys; i++)
		if (strcmp(d->keys[i - 1].name, d->keys[i].name) >= 0)
			fatalx("config: %s keys unsorted at %s", what,
			    d->keys[i].name);
	for (i = 0; i < d->nkeys; i++)
		for (j = i + 1; j < d->nkeys; j++)
			if (d->keys[i].bit == d->keys[j].bit)
				fatalx("config: %s: %s and %s share a bit",
				    what, d->keys[i].name, d->keys[j].name);
	for (i = 1; i < d->nsubs; i++)
		if (strcmp(d->subs[i - 1].name, d->subs[i].name) >= 0)
			fatalx("config: %s sub-clauses unsorted", what);
	for (i = 0; i < d->nsubs; i++)
		desc_check(d->subs[i].desc, d->subs[i].name);
}

/* The tables are static data: a wrong order is a programming error. */
static void
tables_check(void)
{
	static int	 done;
	size_t		 i;

	if (done)
		return;
	for (i = 1; i < NELEM(commands); i++)
		if (strcmp(commands[i - 1].name, commands[i].name) >= 0)
			fatalx("config: commands unsorted at %s",
			    commands[i].name);
	for (i = 0; i < NELEM(commands); i++)
		if (commands[i].desc != NULL)
			desc_check(commands[i].desc, commands[i].name);
	done = 1;
}

/*
 * Pointer fields are read and written with memcpy(): the generic code
 * does not know the element type, and this keeps it free of aliasing
 * assumptions.
 */
static void *
get_ptr(const void *obj, size_t off)
{
	void	*ptr;

	memcpy(&ptr, (const char *)obj + off, sizeof(ptr));
	return ptr;
}

static void
set_ptr(void *obj, size_t off, void *ptr)
{
	memcpy((char *)obj + off, &ptr, sizeof(ptr));
}

#define FIELD(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))
#define CFIELD(obj, off, type)	\
	((const type *)(const void *)((const char *)(obj) + (off)))

/* Append a zeroed element to the array at arr_off (count at n_off). */
static void *
vec_push(void *obj, size_t arr_off, size_t n_off, size_t elsize)
{
	size_t	*np = FIELD(obj, n_off, size_t);
	char	*arr = get_ptr(obj, arr_off);

	if (*np >= (SIZE_MAX / elsize) - 1)
		return NULL;
	arr = reallocarray(arr, *np + 1, elsize);
	if (arr == NULL)
		return NULL;
	set_ptr(obj, arr_off, arr);
	memset(arr + *np * elsize, 0, elsize);
	return arr + (*np)++ * elsize;
}

static void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Value parsers.  They return 0, or -1 for a malformed value. */

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_addr(const char *s, struct config_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, &a->u.v6) != 1)
			return -1;
		a->afi = LISP_AFI_IPV6;
	} else if (strchr(s, '-') != NULL) {
		if (lisp_mac_parse(s, a->u.mac) == -1)
			return -1;
		a->afi = LISP_AFI_MAC;
	} else {
		if (inet_pton(AF_INET, s, &a->u.v4) != 1)
			return -1;
		a->afi = LISP_AFI_IPV4;
	}
	return 0;
}

static uint8_t *
addr_bytes(struct config_addr *a, int *bits)
{
	switch (a->afi) {
	case LISP_AFI_IPV4:
		*bits = 32;
		return (uint8_t *)&a->u.v4;
	case LISP_AFI_IPV6:
		*bits = 128;
		return a->u.v6.s6_addr;
	case LISP_AFI_MAC:
		*bits = 48;
		return a->u.mac;
	}
	*bits = 0;
	return NULL;
}

/* Geo-prefixes look like 37-11-41-N-121-49-0-W/100. */
static int
looks_geo(const char *s)
{
	int	 ns = 0, we = 0;

	for (; *s != '\0'; s++) {
		if (*s == 'N' || *s == 'S')
			ns = 1;
		else if (*s == 'W' || *s == 'E')
			we = 1;
		else if (strchr("0123456789-/.", *s) == NULL)
			return 0;
	}
	return ns && we;
}

/*
 * Returns 0, -1 (malformed: error) or 1 (a valid lispers.net EID type we
 * do not support: warning).  Host bits beyond plen are cleared with a
 * warning.
 */
static int
parse_prefix(struct parser *p, const char *key, const char *s,
    struct config_prefix *pf)
{
	char		 abuf[64];
	const char	*slash;
	size_t		 len = strlen(s), alen;
	uint64_t	 plen;
	uint8_t		*b;
	int		 bits, i, masked = 0;

	memset(pf, 0, sizeof(*pf));
	if (s[0] == '\'') {
		if (len < 3 || s[len - 1] != '\'' || len - 2 > LISP_DN_MAX ||
		    memchr(s + 1, '\'', len - 2) != NULL)
			goto bad;
		memcpy(pf->dn, s + 1, len - 2);
		pf->dn[len - 2] = '\0';
		pf->addr.afi = LISP_AFI_DN;
		return 0;
	}
	if (s[0] == '+') {
		pwarn(p, "E.164 EID '%.64s' for '%s' is not supported, ignored",
		    s, key);
		return 1;
	}
	if (looks_geo(s)) {
		pwarn(p, "geo-prefix EID '%.64s' for '%s' is not supported, "
		    "ignored", s, key);
		return 1;
	}
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : len;
	if (alen == 0 || alen >= sizeof(abuf))
		goto bad;
	memcpy(abuf, s, alen);
	abuf[alen] = '\0';
	if (parse_addr(abuf, &pf->addr) == -1)
		goto bad;
	b = addr_bytes(&pf->addr, &bits);
	if (slash == NULL)
		plen = (uint64_t)bits;
	else if (parse_u64(slash + 1, 0, (uint64_t)bits, &plen) == -1)
		goto bad;
	pf->plen = (uint8_t)plen;
	for (i = 0; i < bits / 8; i++) {
		int	 keep = (int)plen - i * 8;
		uint8_t	 mask;

		mask = keep >= 8 ? 0xff : keep <= 0 ? 0 :
		    (uint8_t)(0xff << (8 - keep));
		if (b[i] & ~mask)
			masked = 1;
		b[i] &= mask;
	}
	if (masked)
		pwarn(p, "host bits set in '%.64s' for '%s', cleared", s, key);
	return 0;
bad:
	memset(pf, 0, sizeof(*pf));
	perr(p, "bad prefix '%.64s' for '%s'", s, key);
	return -1;
}

/* "[<id>]<string>"; id 0-255.  *rest points into s. */
static int
parse_key(const char *s, uint8_t *id, const char **rest, int *bracket)
{
	const char	*close;
	char		 num[8];
	uint64_t	 v;

	*id = 0;
	*bracket = 0;
	*rest = s;
	if (s[0] != '[')
		return **rest == '\0' ? -1 : 0;
	close = strchr(s, ']');
	if (close == NULL || close - s - 1 <= 0 ||
	    (size_t)(close - s - 1) >= sizeof(num))
		return -1;
	memcpy(num, s + 1, (size_t)(close - s - 1));
	num[close - s - 1] = '\0';
	if (parse_u64(num, 0, 255, &v) == -1)
		return -1;
	*id = (uint8_t)v;
	*bracket = 1;
	*rest = close + 1;
	return **rest == '\0' ? -1 : 0;
}

/* "a" or "a-b" (a <= b), or "*" for every IID. */
static int
parse_iid_range(const char *s, int flags, uint32_t *lo, uint32_t *hi)
{
	const char	*dash;
	char		 num[16];
	uint64_t	 a, b;

	if ((flags & KF_STAR) && strcmp(s, "*") == 0) {
		*lo = 0;
		*hi = UINT32_MAX;
		return 0;
	}
	dash = strchr(s, '-');
	if (dash == NULL) {
		if (parse_u64(s, 0, UINT32_MAX, &a) == -1)
			return -1;
		*lo = *hi = (uint32_t)a;
		return 0;
	}
	if ((flags & KF_NORANGE) || (size_t)(dash - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(dash - s));
	num[dash - s] = '\0';
	if (parse_u64(num, 0, UINT32_MAX, &a) == -1 ||
	    parse_u64(dash + 1, 0, UINT32_MAX, &b) == -1 || a > b)
		return -1;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

static int
is_placeholder(const struct keyword *kw, const char *v)
{
	const char	*lt;

	if (kw->flags & KF_VERBATIM)
		return 0;
	if ((lt = strchr(v, '<')) != NULL && strchr(lt, '>') != NULL)
		return 1;
	/* "240.?.?.?/32": only in values that must be addresses/numbers. */
	return kw->type != KT_STR && kw->type != KT_STRLIST &&
	    kw->type != KT_SECRET && kw->type != KT_KEY &&
	    kw->type != KT_KEYLIST && strchr(v, '?') != NULL;
}

/*
 * lispers.net resolves names when it reads them: a json-name, ms-name or
 * mr-name must be defined by an earlier clause, or lispers.net rejects
 * the line.  We keep the value and warn.
 */
static void
check_ref(struct parser *p, const struct keyword *kw, const char *v)
{
	const struct lisp_config	*c = p->cfg;
	const char			*what = NULL;
	size_t				 i;

	if (kw->flags & KF_REF_JSON) {
		for (i = 0; i < c->njson; i++)
			if (c->json[i].name && strcmp(c->json[i].name, v) == 0)
				return;
		what = "json";
	} else if (kw->flags & KF_REF_MS) {
		for (i = 0; i < c->nms; i++)
			if (c->ms[i].name && strcmp(c->ms[i].name, v) == 0)
				return;
		what = "map-server";
	} else if (kw->flags & KF_REF_MR) {
		for (i = 0; i < c->nmr; i++)
			if (c->mr[i].name && strcmp(c->mr[i].name, v) == 0)
				return;
		what = "map-resolver";
	}
	if (what != NULL)
		pwarn(p, "'%s = %.64s' names no earlier 'lisp %s' (lispers.net "
		    "needs names defined before use)", kw->name, v, what);
}

static char *
xstrdup(struct parser *p, const char *s)
{
	char	*d = strdup(s);

	if (d == NULL)
		nomem(p);
	return d;
}

static void
set_keylist(struct parser *p, const struct keyword *kw, void *obj,
    char *v)
{
	struct config_key	*k;
	const char		*rest;
	char			*tok, *save = NULL;
	int			 bracket, nobracket = 0, n = 0;
	uint8_t			 id;

	for (tok = strtok_r(v, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (parse_key(tok, &id, &rest, &bracket) == -1) {
			perr(p, "bad key '[<key-id>]<string>' for '%s'",
			    kw->name);
			continue;
		}
		if (!bracket)
			nobracket++;
		if (++n > 1 && nobracket)
			perr(p, "'%s': several keys need a [<key-id>] each",
			    kw->name);
		k = vec_push(obj, kw->off, kw->off2, sizeof(*k));
		if (k == NULL || (k->key = xstrdup(p, rest)) == NULL) {
			nomem(p);
			return;
		}
		k->id = id;
	}
}

/*
 * Store value v (a writable copy of the line) for keyword kw in obj.
 * seen tracks the keys of the clause being parsed, to spot duplicates.
 */
static void
set_value(struct parser *p, const struct keyword *kw, void *obj,
    uint32_t *seen, char *v)
{
	uint32_t	*set = obj;
	uint64_t	 n;
	int		 r;

	if (is_placeholder(kw, v)) {
		pwarn(p, "unfilled placeholder '%.64s' for '%s', ignored", v,
		    kw->name);
		return;
	}
	if (*v == '\0' && !(kw->flags & KF_EMPTY_OK)) {
		pwarn(p, "no value for '%s', ignored", kw->name);
		return;
	}
	if ((*seen & CONFIG_BIT(kw->bit)) && kw->type != KT_STRLIST &&
	    kw->type != KT_ADDRLIST)
		pwarn(p, "'%s' given again, the last value counts", kw->name);
	*seen |= CONFIG_BIT(kw->bit);

	switch (kw->type) {
	case KT_BOOL:
		if (strcmp(v, "yes") == 0)
			*FIELD(obj, kw->off, int) = 1;
		else if (strcmp(v, "no") == 0)
			*FIELD(obj, kw->off, int) = 0;
		else {
			perr(p, "'%s' must be yes or no, not '%.64s'",
			    kw->name, v);
			return;
		}
		if (obj == &p->cfg->xtr && kw->bit == CONFIG_XTR_IPC_DP &&
		    *FIELD(obj, kw->off, int) && !p->cfg->ipc_literal)
			pwarn(p, "lispers.net's lisp-core only sees the literal "
			    "text 'ipc-data-plane = yes' and would keep UDP "
			    "4341 for itself");
		break;
	case KT_U8:
	case KT_U32:
	case KT_U64:
		if (kw->flags & KF_IIDLIST) {
			char *sp = strpbrk(v, " \t");

			if (sp != NULL) {
				*sp = '\0';
				pwarn(p, "instance-id lists (extranet) are not "
				    "supported, using %.16s only", v);
			}
		}
		if (parse_u64(v, kw->min, kw->max, &n) == -1) {
			perr(p, "bad number '%.64s' for '%s' (%llu-%llu)", v,
			    kw->name, (unsigned long long)kw->min,
			    (unsigned long long)kw->max);
			return;
		}
		if (kw->type == KT_U8)
			*FIELD(obj, kw->off, uint8_t) = (uint8_t)n;
		else if (kw->type == KT_U32)
			*FIELD(obj, kw->off, uint32_t) = (uint32_t)n;
		else
			*FIELD(obj, kw->off, uint64_t) = n;
		break;
	case KT_STR:
	case KT_SECRET: {
		char	*d = xstrdup(p, v), *old = get_ptr(obj, kw->off);

		if (d == NULL)
			return;
		check_ref(p, kw, v);
		if (kw->type == KT_SECRET)
			secret_free(old);
		else
			free(old);
		set_ptr(obj, kw->off, d);
		break;
	}
	case KT_STRLIST: {
		char	**slot, *d = xstrdup(p, v);

		if (d == NULL)
			return;
		slot = vec_push(obj, kw->off, kw->off2, sizeof(char *));
		if (slot == NULL) {
			free(d);
			nomem(p);
			return;
		}
		*slot = d;
		break;
	}
	case KT_ADDR:
	case KT_ADDRLIST: {
		struct config_addr	 a, *slot;

		if (parse_addr(v, &a) == -1) {
			perr(p, "bad address '%.64s' for '%s'", v, kw->name);
			return;
		}
		if (kw->type == KT_ADDR)
			slot = FIELD(obj, kw->off, struct config_addr);
		else if ((slot = vec_push(obj, kw->off, kw->off2,
		    sizeof(*slot))) == NULL) {
			nomem(p);
			return;
		}
		*slot = a;
		break;
	}
	case KT_PREFIX: {
		struct config_prefix	 pf;

		if ((r = parse_prefix(p, kw->name, v, &pf)) != 0)
			return;
		*FIELD(obj, kw->off, struct config_prefix) = pf;
		break;
	}
	case KT_IIDRANGE:
		if (parse_iid_range(v, kw->flags, FIELD(obj, kw->off, uint32_t),
		    FIELD(obj, kw->off2, uint32_t)) == -1) {
			perr(p, "bad instance-id '%.64s' for '%s'", v,
			    kw->name);
			return;
		}
		break;
	case KT_ENUM: {
		int	 i;

		for (i = 0; kw->names[i] != NULL; i++)
			if (strcmp(v, kw->names[i]) == 0)
				break;
		if (kw->names[i] == NULL) {
			perr(p, "bad value '%.64s' for '%s'", v, kw->name);
			return;
		}
		*FIELD(obj, kw->off, int) = i + 1;
		break;
	}
	case KT_KEY: {
		struct config_key	*k = FIELD(obj, kw->off,
		    struct config_key);
		const char		*rest;
		char			*d;
		int			 bracket;
		uint8_t			 id;

		if (parse_key(v, &id, &rest, &bracket) == -1) {
			perr(p, "bad key '[<key-id>]<string>' for '%s'",
			    kw->name);
			return;
		}
		if ((d = xstrdup(p, rest)) == NULL)
			return;
		secret_free(k->key);
		k->key = d;
		k->id = id;
		break;
	}
	case KT_KEYLIST:
		set_keylist(p, kw, obj, v);
		break;
	}
	*set |= CONFIG_BIT(kw->bit);
}

/* Freeing. */

static void
obj_free(const struct objdesc *d, void *obj)
{
	size_t	 i, j, n;

	for (i = 0; i < d->nkeys; i++) {
		const struct keyword *kw = &d->keys[i];

		switch (kw->type) {
		case KT_STR:
			free(get_ptr(obj, kw->off));
			break;
		case KT_SECRET:
			secret_free(get_ptr(obj, kw->off));
			break;
		case KT_STRLIST: {
			char	**v = get_ptr(obj, kw->off);

			n = *FIELD(obj, kw->off2, size_t);
			for (j = 0; j < n; j++)
				free(v[j]);
			free(v);
			break;
		}
		case KT_ADDRLIST:
			free(get_ptr(obj, kw->off));
			break;
		case KT_KEY:
			secret_free(FIELD(obj, kw->off,
			    struct config_key)->key);
			break;
		case KT_KEYLIST: {
			struct config_key *k = get_ptr(obj, kw->off);

			n = *FIELD(obj, kw->off2, size_t);
			for (j = 0; j < n; j++)
				secret_free(k[j].key);
			free(k);
			break;
		}
		default:
			break;
		}
	}
	for (i = 0; i < d->nsubs; i++) {
		const struct subdesc *s = &d->subs[i];
		char	*arr = get_ptr(obj, s->arr_off);

		n = *FIELD(obj, s->n_off, size_t);
		for (j = 0; j < n; j++)
			obj_free(s->desc, arr + j * s->elsize);
		free(arr);
	}
}

void
config_free(struct lisp_config *cfg)
{
	size_t	 i, j, n;

	if (cfg == NULL)
		return;
	for (i = 0; i < NELEM(commands); i++) {
		const struct command *c = &commands[i];

		if (c->kind == CMD_SINGLE)
			obj_free(c->desc, (char *)cfg + c->off);
		else if (c->kind == CMD_LIST) {
			char	*arr = get_ptr(cfg, c->off);

			n = *FIELD(cfg, c->n_off, size_t);
			for (j = 0; j < n; j++)
				obj_free(c->desc, arr + j * c->elsize);
			free(arr);
		}
	}
	for (i = 0; i < cfg->nraw; i++)
		free(cfg->raw[i].text);
	free(cfg->raw);
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
}

/* Raw (unsupported) clause text. */

/* Append indent*4 blanks, then a, b and c (b, c may be NULL), a newline. */
static void
sbuf_add3(struct sbuf *b, int indent, const char *a, const char *m,
    const char *z)
{
	size_t	 la = strlen(a), lm = m ? strlen(m) : 0, lz = z ? strlen(z) : 0;
	size_t	 need = (size_t)indent * 4 + la + lm + lz + 2;
	char	*n;

	if (b->oom)
		return;
	if (b->len + need > b->cap) {
		size_t cap = (b->cap + need) * 2;

		if ((n = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = n;
		b->cap = cap;
	}
	memset(b->s + b->len, ' ', (size_t)indent * 4);
	b->len += (size_t)indent * 4;
	memcpy(b->s + b->len, a, la);
	b->len += la;
	if (lm > 0)
		memcpy(b->s + b->len, m, lm);
	b->len += lm;
	if (lz > 0)
		memcpy(b->s + b->len, z, lz);
	b->len += lz;
	b->s[b->len++] = '\n';
	b->s[b->len] = '\0';
}

static void
sbuf_add(struct sbuf *b, int indent, const char *s)
{
	sbuf_add3(b, indent, s, NULL, NULL);
}

static void
sbuf_reset(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Clause handling. */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *
trim(char *s)
{
	char	*e;

	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		*--e = '\0';
	return s;
}

/*
 * End the current clause.  complete is 0 when the clause is cut short (a
 * missing '}', end of file): an unsupported clause is then dropped, so that
 * the text we keep always balances its braces.
 */
static void
close_clause(struct parser *p, int complete)
{
	if (p->cmd != NULL && p->cmd->kind == CMD_RAW && !p->skip &&
	    complete) {
		struct config_raw	*r;

		sbuf_add(&p->raw, 0, "}");
		if (p->raw.oom)
			nomem(p);
		else if ((r = vec_push(p->cfg, OFF(lisp_config, raw),
		    OFF(lisp_config, nraw), sizeof(*r))) == NULL)
			nomem(p);
		else {
			r->line = p->clause_line;
			r->text = p->raw.s;
			memset(&p->raw, 0, sizeof(p->raw));
		}
	}
	sbuf_reset(&p->raw);
	p->depth = 0;
	p->skip = 0;
	p->cmd = NULL;
	p->obj = p->sub = NULL;
	p->subdesc = NULL;
}

/*
 * "lisp <command> {".  orig is the line as read (comment stripped, right
 * trimmed), for the exact-form check lispers.net imposes.
 */
static void
open_clause(struct parser *p, const char *orig, char *s)
{
	const struct command	*c;
	char			 exact[128];
	char			*name, *brace;

	p->clause_line = p->lineno;
	p->depth = 1;
	p->skip = 0;
	p->seen = 0;
	p->cmd = NULL;
	p->obj = p->sub = NULL;
	brace = s + strlen(s) - 1;		/* the '{' */
	*brace = '\0';
	name = trim(s + 4);
	if (*name == '\0' || strpbrk(name, " \t{}=") != NULL) {
		perr(p, "malformed clause opener, expected "
		    "'lisp <command> {'");
		snprintf(p->cmdname, sizeof(p->cmdname), "?");
		p->skip = 1;
		return;
	}
	snprintf(p->cmdname, sizeof(p->cmdname), "%s", name);
	snprintf(exact, sizeof(exact), "lisp %s {", name);
	if (strcmp(orig, exact) != 0)
		pwarn(p, "lispers.net only accepts '%.80s' (first column, one "
		    "space before '{')", exact);
	if (!p->dashes && !p->warned_prelude) {
		p->warned_prelude = 1;
		pwarn(p, "clause before the '#-----' line that opens the "
		    "command section");
	}
	c = bsearch(name, commands, NELEM(commands), sizeof(*commands),
	    cmd_cmp);
	if (c == NULL) {
		pwarn(p, "unknown command 'lisp %.64s', clause ignored", name);
		p->skip = 1;
		return;
	}
	p->cmd = c;
	switch (c->kind) {
	case CMD_RAW:
		pwarn(p, "'lisp %s' is not supported by lisp-ztr, clause kept "
		    "but ignored", name);
		sbuf_reset(&p->raw);
		sbuf_add(&p->raw, 0, exact);
		break;
	case CMD_SINGLE:
		p->obj = (char *)p->cfg + c->off;
		break;
	case CMD_LIST:
		p->obj = vec_push(p->cfg, c->off, c->n_off, c->elsize);
		if (p->obj == NULL) {
			nomem(p);
			p->skip = 1;
			p->cmd = NULL;
			return;
		}
		if (c->line_off != NO_LINE)
			*FIELD(p->obj, c->line_off, int) = p->lineno;
		break;
	}
}

static void
open_sub(struct parser *p, char *name)
{
	const struct subdesc	*s;
	const struct objdesc	*d;

	p->depth++;
	if (p->skip)
		return;
	if (p->cmd->kind == CMD_RAW) {
		sbuf_add3(&p->raw, p->depth - 1, name, " {", NULL);
		return;
	}
	if (p->depth > 2) {
		perr(p, "sub-clause '%.64s' inside '%s': only one level of "
		    "sub-clauses is allowed", name, p->subname);
		p->skip = p->depth;
		return;
	}
	d = p->cmd->desc;
	s = d->nsubs == 0 ? NULL : bsearch(name, d->subs, d->nsubs,
	    sizeof(*d->subs), sub_cmp);
	if (s == NULL) {
		pwarn(p, "unknown sub-clause '%.64s' in 'lisp %s', ignored",
		    name, p->cmdname);
		p->skip = p->depth;
		return;
	}
	snprintf(p->subname, sizeof(p->subname), "%s", name);
	if ((p->sub = vec_push(p->obj, s->arr_off, s->n_off,
	    s->elsize)) == NULL) {
		nomem(p);
		p->skip = p->depth;
		return;
	}
	p->subdesc = s->desc;
	p->subseen = 0;
}

static void
close_level(struct parser *p)
{
	int	 skipping = p->skip != 0;

	if (p->depth == 1) {
		close_clause(p, 1);
		return;
	}
	p->depth--;
	if (p->skip > p->depth)
		p->skip = 0;
	/* The brace of a skipped block is not part of the raw text. */
	if (skipping)
		return;
	if (p->cmd != NULL && p->cmd->kind == CMD_RAW)
		sbuf_add(&p->raw, p->depth, "}");
	if (p->depth == 1) {
		p->sub = NULL;
		p->subdesc = NULL;
	}
}

static void
key_value(struct parser *p, char *line, char *eq)
{
	const struct keyword	*kw;
	const struct objdesc	*d;
	char			*key, *val, *c;
	int			 open = 0, close = 0;

	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (*key == '\0' || strpbrk(key, " \t{}") != NULL) {
		perr(p, "malformed key, expected 'key = value'");
		return;
	}
	/* lispers.net counts braces per line: JSON must balance on it. */
	for (c = val; *c != '\0'; c++) {
		if (*c == '{')
			open++;
		else if (*c == '}')
			close++;
	}
	if (open != close) {
		perr(p, "unbalanced braces in the value of '%s'", key);
		return;
	}
	if (p->skip)
		return;
	if (p->cmd->kind == CMD_RAW) {
		sbuf_add3(&p->raw, p->depth, key, " = ", val);
		return;
	}
	d = p->depth == 1 ? p->cmd->desc : p->subdesc;
	if ((kw = kw_find(d, key)) == NULL) {
		if (p->depth == 1)
			pwarn(p, "unknown key '%.64s' in 'lisp %s', ignored",
			    key, p->cmdname);
		else
			pwarn(p, "unknown key '%.64s' in 'lisp %s' %s, "
			    "ignored", key, p->cmdname, p->subname);
		return;
	}
	if (p->depth == 1)
		set_value(p, kw, p->obj, &p->seen, val);
	else
		set_value(p, kw, p->sub, &p->subseen, val);
}

static int
is_clause_opener(const char *s, size_t len)
{
	return len >= 6 && strncmp(s, "lisp", 4) == 0 && is_blank(s[4]) &&
	    s[len - 1] == '{';
}

/*
 * One line (without its newline).  Returns 1 at the end-of-commands line.
 */
static int
parse_line(struct parser *p, const char *in, size_t len)
{
	char	*buf = p->buf, *orig = p->orig;
	char	*s, *hash, *eq;
	size_t	 i, n;

	if (len > 0 && in[len - 1] == '\r') {
		len--;
		if (!p->warned_crlf) {
			p->warned_crlf = 1;
			pwarn(p, "CRLF line ends (lispers.net needs LF only)");
		}
	}
	if (len > CONFIG_LINE_MAX) {
		perr(p, "line too long (%zu bytes, at most %d)", len,
		    CONFIG_LINE_MAX);
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			perr(p, "invalid character 0x%02x", ch);
			return 0;
		}
	}
	memcpy(buf, in, len);
	buf[len] = '\0';

	if (strncmp(buf, "# lispers.net lisp.config file", 30) == 0) {
		p->cfg->has_marker = 1;
		if (strchr(buf, ':') == NULL)
			pwarn(p, "marker line without ':' (lispers.net loses "
			    "it when it rewrites the file)");
	}
	if (strncmp(buf, "#---------", 10) == 0) {
		n = len;
		while (n > 0 && is_blank(buf[n - 1]))
			n--;
		if (n > 10 && buf[n - 1] == '#')
			return 1;
	}
	if (strncmp(buf, "#---", 4) == 0)
		p->dashes = 1;

	s = buf;
	while (is_blank(*s))
		s++;
	if (*s == '#' || *s == '\0')
		return 0;
	/* As in lispers.net, a '#' starts a comment anywhere in a line. */
	if ((hash = strchr(buf, '#')) != NULL)
		*hash = '\0';
	n = strlen(buf);
	while (n > 0 && is_blank(buf[n - 1]))
		buf[--n] = '\0';
	memcpy(orig, buf, n + 1);
	s = trim(buf);
	n = strlen(s);
	if (n == 0)
		return 0;

	if (p->depth == 0) {
		if (is_clause_opener(s, n))
			open_clause(p, orig, s);
		else if (strcmp(s, "}") == 0)
			perr(p, "'}' without an open clause");
		else
			perr(p, "expected 'lisp <command> {'");
		return 0;
	}
	if (is_clause_opener(s, n) && !is_blank(orig[0])) {
		perr(p, "missing '}': 'lisp %s' opened at line %d is not "
		    "closed", p->cmdname, p->clause_line);
		close_clause(p, 0);
		open_clause(p, orig, s);
		return 0;
	}
	if (strcmp(s, "}") == 0) {
		close_level(p);
		return 0;
	}
	eq = strchr(s, '=');
	if (eq == NULL && s[n - 1] == '{') {
		s[n - 1] = '\0';
		s = trim(s);
		if (*s == '\0' || strpbrk(s, " \t{}") != NULL) {
			perr(p, "malformed sub-clause opener, expected "
			    "'<name> {'");
			/* Still a level: keep the braces balanced. */
			p->depth++;
			if (!p->skip)
				p->skip = p->depth;
			return 0;
		}
		open_sub(p, s);
		return 0;
	}
	if (eq != NULL) {
		key_value(p, s, eq);
		return 0;
	}
	perr(p, "syntax error, expected 'key = value', '<name> {' or '}'");
	return 0;
}

struct lisp_config *
config_parse_buffer(const char *name, const char *buf, size_t len,
    int *nerrors)
{
	struct parser	 p;
	const char	*line, *nl, *end = buf + len;
	int		 dummy;

	if (nerrors == NULL)
		nerrors = &dummy;
	tables_check();
	memset(&p, 0, sizeof(p));
	p.file = name != NULL ? name : "lisp.config";
	if ((p.cfg = calloc(1, sizeof(*p.cfg))) == NULL) {
		log_warn("%s", p.file);
		*nerrors = 1;
		return NULL;
	}
	p.cfg->ipc_literal = memmem(buf, len, "ipc-data-plane = yes",
	    20) != NULL;

	for (line = buf; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		p.lineno++;
		if (parse_line(&p, line, (size_t)(nl - line)))
			break;
		if (p.oom)
			break;
	}
	if (p.depth > 0) {
		pdiag(&p, CONFIG_DIAG_ERROR, p.lineno > 0 ? p.lineno : 1,
		    "unexpected end of file: 'lisp %s' opened at line %d is "
		    "not closed", p.cmdname, p.clause_line);
		close_clause(&p, 0);
	}
	if (!p.cfg->has_marker)
		pdiag(&p, CONFIG_DIAG_WARN, 1, "no '# lispers.net lisp.config "
		    "file' marker line (lispers.net rejects such a file)");
	sbuf_reset(&p.raw);
	/* The line buffers held key material. */
	explicit_bzero(p.buf, sizeof(p.buf));
	explicit_bzero(p.orig, sizeof(p.orig));
	if (p.oom) {
		config_free(p.cfg);
		*nerrors = p.nerrors > 0 ? p.nerrors : 1;
		return NULL;
	}
	*nerrors = p.nerrors;
	return p.cfg;
}

struct lisp_config *
config_parse_file(const char *path, int *nerrors)
{
	struct lisp_config	*cfg = NULL;
	struct stat		 st;
	char			*buf = NULL;
	size_t			 len = 0;
	ssize_t			 r;
	int			 fd, dummy;

	if (nerrors == NULL)
		nerrors = &dummy;
	*nerrors = 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		log_warnx("%s: not a regular file of at most %d bytes", path,
		    CONFIG_FILE_MAX);
		goto out;
	}
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		log_warn("%s", path);
		goto out;
	}
	/* Read to EOF: the size may change under us. */
	while (len <= CONFIG_FILE_MAX) {
		r = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_warn("%s", path);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONFIG_FILE_MAX) {
		log_warnx("%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		goto out;
	}
	cfg = config_parse_buffer(path, buf, len, nerrors);
out:
	/* The text holds authentication keys. */
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	return cfg;
}

/* Printing. */

static void
addr_print(FILE *fp, const struct config_addr *a)
{
	char	 s[INET6_ADDRSTRLEN];

	switch (a->afi) {
	case LISP_AFI_IPV4:
		fputs(inet_ntop(AF_INET, &a->u.v4, s, sizeof(s)), fp);
		break;
	case LISP_AFI_IPV6:
		fputs(inet_ntop(AF_INET6, &a->u.v6, s, sizeof(s)), fp);
		break;
	case LISP_AFI_MAC:
		fprintf(fp, "%02x%02x-%02x%02x-%02x%02x", a->u.mac[0],
		    a->u.mac[1], a->u.mac[2], a->u.mac[3], a->u.mac[4],
		    a->u.mac[5]);
		break;
	}
}

static void
prefix_print(FILE *fp, const struct config_prefix *pf)
{
	if (pf->addr.afi == LISP_AFI_DN) {
		fprintf(fp, "'%s'", pf->dn);
		return;
	}
	addr_print(fp, &pf->addr);
	fprintf(fp, "/%u", pf->plen);
}

static void
key_print(FILE *fp, const struct config_key *k, int force_id, int flags)
{
	/* A key that itself starts with '[' needs an explicit id. */
	if (k->id != 0 || force_id || k->key[0] == '[')
		fprintf(fp, "[%u]", k->id);
	fputs(flags & CONFIG_PRINT_REDACT ? "<redacted>" : k->key, fp);
}

static void
kw_print(FILE *fp, const struct keyword *kw, const void *obj, int ind,
    int flags)
{
	size_t	 j, n;

	if (kw->type == KT_STRLIST || kw->type == KT_ADDRLIST) {
		n = *CFIELD(obj, kw->off2, size_t);
		for (j = 0; j < n; j++) {
			fprintf(fp, "%*s%s = ", ind, "", kw->name);
			if (kw->type == KT_STRLIST)
				fputs(((char **)get_ptr(obj, kw->off))[j], fp);
			else
				addr_print(fp, (const struct config_addr *)
				    get_ptr(obj, kw->off) + j);
			fputc('\n', fp);
		}
		return;
	}
	fprintf(fp, "%*s%s =", ind, "", kw->name);
	switch (kw->type) {
	case KT_BOOL:
		fputs(*CFIELD(obj, kw->off, int) ? " yes" : " no", fp);
		break;
	case KT_U8:
		fprintf(fp, " %u", *CFIELD(obj, kw->off, uint8_t));
		break;
	case KT_U32:
		fprintf(fp, " %u", *CFIELD(obj, kw->off, uint32_t));
		break;
	case KT_U64:
		fprintf(fp, " %llu",
		    (unsigned long long)*CFIELD(obj, kw->off, uint64_t));
		break;
	case KT_STR:
		fprintf(fp, " %s", (char *)get_ptr(obj, kw->off));
		break;
	case KT_SECRET: {
		const char *s = get_ptr(obj, kw->off);

		if (*s != '\0')
			fprintf(fp, " %s", flags & CONFIG_PRINT_REDACT ?
			    "<redacted>" : s);
		break;
	}
	case KT_ADDR:
		fputc(' ', fp);
		addr_print(fp, CFIELD(obj, kw->off, struct config_addr));
		break;
	case KT_PREFIX:
		fputc(' ', fp);
		prefix_print(fp, CFIELD(obj, kw->off, struct config_prefix));
		break;
	case KT_IIDRANGE: {
		uint32_t lo = *CFIELD(obj, kw->off, uint32_t);
		uint32_t hi = *CFIELD(obj, kw->off2, uint32_t);

		if ((kw->flags & KF_STAR) && lo == 0 && hi == UINT32_MAX)
			fputs(" *", fp);
		else if (lo == hi)
			fprintf(fp, " %u", lo);
		else
			fprintf(fp, " %u-%u", lo, hi);
		break;
	}
	case KT_ENUM:
		fprintf(fp, " %s", kw->names[*CFIELD(obj, kw->off, int) - 1]);
		break;
	case KT_KEY:
		fputc(' ', fp);
		key_print(fp, CFIELD(obj, kw->off, struct config_key), 0,
		    flags);
		break;
	case KT_KEYLIST: {
		const struct config_key *k = get_ptr(obj, kw->off);

		n = *CFIELD(obj, kw->off2, size_t);
		for (j = 0; j < n; j++) {
			fputc(' ', fp);
			key_print(fp, &k[j], n > 1, flags);
		}
		break;
	}
	}
	fputc('\n', fp);
}

static void
obj_print(FILE *fp, const struct objdesc *d, const void *obj, int ind,
    int flags)
{
	uint32_t	 set = d->nkeys > 0 ? *(const uint32_t *)obj : 0;
	size_t		 i, j, n;
	unsigned int	 bit;

	/* Keys in presence-bit order, which is the grammar's order. */
	for (bit = 0; bit < 32; bit++) {
		if (!(set & CONFIG_BIT(bit)))
			continue;
		for (i = 0; i < d->nkeys; i++)
			if (d->keys[i].bit == bit)
				kw_print(fp, &d->keys[i], obj, ind, flags);
	}
	for (i = 0; i < d->nsubs; i++) {
		const struct subdesc *s = &d->subs[i];
		const char *arr = get_ptr(obj, s->arr_off);

		n = *CFIELD(obj, s->n_off, size_t);
		for (j = 0; j < n; j++) {
			fprintf(fp, "%*s%s {\n", ind, "", s->name);
			obj_print(fp, s->desc, arr + j * s->elsize, ind + 4,
			    flags);
			fprintf(fp, "%*s}\n", ind, "");
		}
	}
}

void
config_print_flags(FILE *fp, const struct lisp_config *cfg, int flags)
{
	const struct command	*c;
	size_t			 i, j, n;
	int			 rank;

	fputs("#\n# lispers.net lisp.config file, canonical form: lisp-ztr\n"
	    "#\n#---------------------------------------------------------"
	    "--------------------\n", fp);
	for (rank = 0; rank <= MAX_RANK; rank++) {
		for (i = 0; i < NELEM(commands); i++) {
			c = &commands[i];
			if (c->rank != rank)
				continue;
			if (c->kind == CMD_SINGLE) {
				const char *obj = (const char *)cfg + c->off;

				/* Every singleton has keys, set at 0. */
				if (*(const uint32_t *)(const void *)obj == 0)
					continue;
				fprintf(fp, "lisp %s {\n", c->name);
				obj_print(fp, c->desc, obj, 4, flags);
				fputs("}\n", fp);
				continue;
			}
			n = *CFIELD(cfg, c->n_off, size_t);
			for (j = 0; j < n; j++) {
				fprintf(fp, "lisp %s {\n", c->name);
				obj_print(fp, c->desc, (const char *)get_ptr(
				    cfg, c->off) + j * c->elsize, 4, flags);
				fputs("}\n", fp);
			}
		}
	}
	for (i = 0; i < cfg->nraw; i++)
		fputs(cfg->raw[i].text, fp);
	fputs("#-------------------------------------------------------------"
	    "----------------#\n", fp);
}

void
config_print(FILE *fp, const struct lisp_config *cfg)
{
	config_print_flags(fp, cfg, 0);
}
