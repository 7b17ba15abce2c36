/* SPDX-License-Identifier: ISC */
/*
 * lisp.config: lispers.net's configuration syntax (see
 * lispers-net-compat.md section 4 and lispers.net's lisp-config-commands.txt).
 *
 *	# lispers.net lisp.config file, last changed: <date>
 *	#-----------------------------------------------------------------
 *	lisp <command> {
 *	    key = value
 *	    sub-clause {
 *	        key = value
 *	    }
 *	}
 *	#-----------------------------------------------------------------#
 *
 * Rules we follow (and where we are more tolerant than lispers.net, we
 * warn, because lispers.net may run next to us on the same file):
 *
 *  - A line whose first non-blank character is '#' is a comment; in body
 *    lines everything from '#' to the end of the line is dropped, as
 *    lispers.net does (a value therefore cannot contain '#').
 *  - Processing stops at the first line that starts with "#---------" and
 *    ends with '#'.
 *  - A clause opens with "lisp <command> {" (lispers.net wants it in the
 *    first column with exactly one space before '{'; other spacing is
 *    accepted with a warning) and closes with a line holding only '}'.
 *  - Body lines are "key = value", split at the FIRST '=' (base64 values
 *    end in "=="); surrounding blanks are dropped; values are never
 *    quoted, except distinguished-name EIDs, which are written 'name'.
 *    A value that contains braces (JSON) must balance them on its line.
 *  - Sub-clauses ("prefix {", "rloc {", "allowed-prefix {", ...) nest one
 *    level deep; repeated sub-clauses and repeated clauses accumulate,
 *    except that "lisp enable", "lisp debug", "lisp xtr-parameters" and
 *    "lisp rtr-list" clauses merge into one (a later key wins).
 *  - Values of lispers.net's sample configs that are unfilled template
 *    placeholders ("<iid>", "240.?.?.?/32") are ignored with a warning.
 *
 * Diagnostics are "file:line: message".  Hard errors (malformed lines,
 * unbalanced braces, bad addresses, prefixes, numbers or yes/no values)
 * are counted in *nerrors and parsing continues, so that one run reports
 * every error; the caller must treat nerrors > 0 as a failed parse (the
 * returned config then holds what was understood, for `-n` output).
 * Unknown or unsupported commands and keys are warnings: the clause or
 * key is skipped.
 *
 * ipc-data-plane: lispers.net's lisp-core decides once at start whether to
 * leave UDP 4341 to an external data plane by searching the file for the
 * literal text "ipc-data-plane = yes" (single spaces).  We accept any
 * spacing around '=', but record whether the literal text is present
 * (lisp_config.ipc_literal) and warn when the key is set to yes without it.
 *
 * Ownership: config_parse_*() return a struct lisp_config owned by the
 * caller and released with config_free(), which accepts NULL and wipes
 * every secret (authentication keys, encryption keys, passwords) with
 * explicit_bzero() before freeing it.
 */
#ifndef LISP_CONFIG_H
#define LISP_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lisp_addr.h"		/* LISP_AFI_*, LISP_DN_MAX (constants only) */

/* Longest accepted line, bytes, without the newline. */
#define CONFIG_LINE_MAX		8192
/* Largest accepted file. */
#define CONFIG_FILE_MAX		(4 * 1024 * 1024)

/*
 * An address: afi is LISP_AFI_IPV4, LISP_AFI_IPV6 or LISP_AFI_MAC
 * (written "xxxx-xxxx-xxxx"), or LISP_AFI_NONE when the key was absent.
 */
struct config_addr {
	uint16_t		 afi;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
		uint8_t		 mac[6];
	} u;
};

/*
 * A prefix: addr/plen, with the host bits cleared.  afi LISP_AFI_DN is a
 * distinguished name ('name' in the file, dn holds it without quotes, plen
 * is 0).  A bare address is a host prefix (/32, /128, /48).
 */
struct config_prefix {
	struct config_addr	 addr;
	uint8_t			 plen;
	char			 dn[LISP_DN_MAX + 1];
};

/* "[<key-id>]<string>"; without brackets the key-id is 0. */
struct config_key {
	uint8_t			 id;
	char			*key;		/* owned, secret (wiped) */
};

/*
 * Presence bits.  Every struct below has a `set` word; bit CONFIG_BIT(k)
 * is set when key k was given in the file.  Booleans and numbers are only
 * meaningful when their bit is set (lispers.net's default applies
 * otherwise: "no" for every yes/no key).  The enum order is the order in
 * which config_print() writes the keys.
 */
#define CONFIG_BIT(k)		(1U << (k))
#define CONFIG_ISSET(obj, k)	(((obj)->set & CONFIG_BIT(k)) != 0)

/* lisp enable: which lispers.net components run (roles). */
enum {
	CONFIG_ENABLE_ITR, CONFIG_ENABLE_ETR, CONFIG_ENABLE_RTR,
	CONFIG_ENABLE_MS, CONFIG_ENABLE_MR, CONFIG_ENABLE_DDT,
};
struct config_enable {
	uint32_t	set;
	int		itr;		/* itr = yes|no */
	int		etr;		/* etr = yes|no */
	int		rtr;		/* rtr = yes|no */
	int		map_server;	/* map-server = yes|no */
	int		map_resolver;	/* map-resolver = yes|no */
	int		ddt_node;	/* ddt-node = yes|no */
};

/* lisp debug: detailed logging per component. */
enum {
	CONFIG_DEBUG_CORE, CONFIG_DEBUG_ITR, CONFIG_DEBUG_ETR,
	CONFIG_DEBUG_RTR, CONFIG_DEBUG_MS, CONFIG_DEBUG_MR, CONFIG_DEBUG_DDT,
};
struct config_debug {
	uint32_t	set;
	int		core, itr, etr, rtr;	/* same-named keys, yes|no */
	int		map_server;		/* map-server = yes|no */
	int		map_resolver;		/* map-resolver = yes|no */
	int		ddt_node;		/* ddt-node = yes|no */
};

/* lisp user-account (web UI/API login of lispers.net; kept, unused). */
enum { CONFIG_USER_NAME, CONFIG_USER_PASSWORD, CONFIG_USER_SUPER };
struct config_user {
	uint32_t	 set;
	char		*username;	/* username */
	char		*password;	/* password, may be ""; secret */
	int		 super_user;	/* super-user = yes|no */
};

/* lisp xtr-parameters. */
enum {
	CONFIG_XTR_RLOC_PROBING, CONFIG_XTR_NONCE_ECHOING,
	CONFIG_XTR_DP_SECURITY, CONFIG_XTR_DP_LOGGING,
	CONFIG_XTR_FRAME_LOGGING, CONFIG_XTR_FLOW_LOGGING,
	CONFIG_XTR_NAT_TRAVERSAL, CONFIG_XTR_DECENT_NAT,
	CONFIG_XTR_CHECKPOINT, CONFIG_XTR_IPC_DP, CONFIG_XTR_REG_RTRS,
	CONFIG_XTR_DECENT_XTR, CONFIG_XTR_DECENT_PUSH,
	CONFIG_XTR_DECENT_MODULUS, CONFIG_XTR_DECENT_SUFFIX,
	CONFIG_XTR_PROGRAM_HW,
};
struct config_xtr {
	uint32_t	 set;
	int		 rloc_probing;		/* rloc-probing */
	int		 nonce_echoing;		/* nonce-echoing */
	int		 data_plane_security;	/* data-plane-security (lisp-crypto) */
	int		 data_plane_logging;	/* data-plane-logging */
	int		 frame_logging;		/* frame-logging */
	int		 flow_logging;		/* flow-logging */
	int		 nat_traversal;		/* nat-traversal (Info-Request) */
	int		 decentralized_nat;	/* decentralized-nat */
	int		 checkpoint_map_cache;	/* checkpoint-map-cache */
	int		 ipc_data_plane;	/* ipc-data-plane: external DP */
	int		 register_reachable_rtrs; /* register-reachable-rtrs */
	int		 decentralized_xtr;	/* decentralized-xtr (0.488) */
	int		 decentralized_push_xtr; /* decentralized-push-xtr */
	uint8_t		 decentralized_pull_modulus; /* ...-pull-xtr-modulus 1-255 */
	char		*decentralized_pull_dns_suffix; /* ...-pull-xtr-dns-suffix */
	int		 program_hardware;	/* program-hardware (0.488) */
};

/* lisp json: a named JSON object, registered as an RLOC record. */
enum { CONFIG_JSON_NAME, CONFIG_JSON_STRING };
struct config_json {
	uint32_t	 set;
	char		*name;		/* json-name */
	char		*string;	/* json-string, verbatim, one line */
};

/* lisp interface: binds a Linux device to an instance-ID. */
enum {
	CONFIG_IF_NAME, CONFIG_IF_DEVICE, CONFIG_IF_IID,
	CONFIG_IF_DYN_EID, CONFIG_IF_DYN_DEVICE, CONFIG_IF_DYN_TIMEOUT,
	CONFIG_IF_MT_EID, CONFIG_IF_LISP_NAT,
};
struct config_iface {
	uint32_t		 set;
	char			*name;		/* interface-name */
	char			*device;	/* device (Linux device name) */
	uint32_t		 iid;		/* instance-id */
	struct config_prefix	 dynamic_eid;	/* dynamic-eid */
	char			*dynamic_eid_device; /* dynamic-eid-device */
	uint32_t		 dynamic_eid_timeout; /* dynamic-eid-timeout, s */
	struct config_prefix	 multi_tenant_eid; /* multi-tenant-eid */
	int			 lisp_nat;	/* lisp-nat = yes|no */
};

/*
 * A "prefix { }" sub-clause of lisp database-mapping or lisp map-cache.
 * Keys marked (db) exist only in database-mapping, (mc) only in map-cache.
 * An IID list "instance-id = 1 2 3" (extranet) keeps only the first IID.
 */
enum {
	CONFIG_EID_MR_NAME, CONFIG_EID_MS_NAME, CONFIG_EID_IID,
	CONFIG_EID_PREFIX, CONFIG_EID_GROUP, CONFIG_EID_DYNAMIC,
	CONFIG_EID_SECONDARY_IID, CONFIG_EID_SIGNATURE, CONFIG_EID_REG_TTL,
	CONFIG_EID_SEND_MREQ, CONFIG_EID_SUBSCRIBE,
};
struct config_eid {
	uint32_t		 set;
	char			*mr_name;	/* mr-name (db) */
	char			*ms_name;	/* ms-name (db): register to it only */
	uint32_t		 iid;		/* instance-id */
	struct config_prefix	 eid;		/* eid-prefix */
	struct config_prefix	 group;		/* group-prefix (multicast) */
	int			 dynamic_eid;	/* dynamic-eid = yes|no (db) */
	uint32_t		 secondary_iid;	/* secondary-instance-id (db) */
	int			 signature_eid;	/* signature-eid = yes|no (db) */
	uint32_t		 register_ttl;	/* register-ttl, minutes (db) */
	int			 send_map_request; /* send-map-request (mc) */
	int			 subscribe_request; /* subscribe-request (mc) */
};

/*
 * An "rloc { }" sub-clause (database-mapping, map-cache) or an
 * "allowed-rloc { }" sub-clause (site).  (db) marks keys of
 * database-mapping only; allowed-rloc has address, priority, weight.
 */
enum {
	CONFIG_RLOC_ADDRESS, CONFIG_RLOC_INTERFACE, CONFIG_RLOC_NAME,
	CONFIG_RLOC_GEO, CONFIG_RLOC_ELP, CONFIG_RLOC_RLE, CONFIG_RLOC_JSON,
	CONFIG_RLOC_PRIORITY, CONFIG_RLOC_WEIGHT,
};
struct config_rloc {
	uint32_t		 set;
	struct config_addr	 address;	/* address */
	char			*interface;	/* interface (db): device's address */
	char			*record_name;	/* rloc-record-name */
	char			*geo_name;	/* geo-name (db) */
	char			*elp_name;	/* elp-name */
	char			*rle_name;	/* rle-name */
	char			*json_name;	/* json-name (db) */
	uint8_t			 priority;	/* priority 0-255 */
	uint8_t			 weight;	/* weight 0-100 */
};

/* lisp database-mapping: the EIDs this ETR registers, with their RLOCs. */
struct config_dbmap {
	int			 line;		/* line of "lisp database-mapping {" */
	struct config_eid	*prefixes;	/* prefix { } in file order */
	size_t			 nprefixes;
	struct config_rloc	*rlocs;		/* rloc { }, shared by all prefixes */
	size_t			 nrlocs;
};

/* lisp map-cache: static entries, or send-map-request ranges. */
struct config_mapcache {
	int			 line;
	struct config_eid	*prefixes;
	size_t			 nprefixes;
	struct config_rloc	*rlocs;
	size_t			 nrlocs;
};

/* authentication-type: absent means HMAC-SHA-256 when a key is set. */
enum config_auth_type {
	CONFIG_AUTH_DEFAULT = 0, CONFIG_AUTH_SHA1 = 1, CONFIG_AUTH_SHA2 = 2,
};

/* lisp map-server (ETR side: where to register). */
enum {
	CONFIG_MS_NAME, CONFIG_MS_ADDRESS, CONFIG_MS_DNS, CONFIG_MS_AUTH_TYPE,
	CONFIG_MS_AUTH_KEY, CONFIG_MS_ENC_KEY, CONFIG_MS_PROXY_REPLY,
	CONFIG_MS_MERGE, CONFIG_MS_REFRESH, CONFIG_MS_WANT_NOTIFY,
	CONFIG_MS_SITE_ID,
};
struct config_ms {
	uint32_t		 set;
	int			 line;
	char			*name;		/* ms-name */
	struct config_addr	*addrs;		/* address, repeatable */
	size_t			 naddrs;
	char			**dns_names;	/* dns-name, repeatable */
	size_t			 ndns_names;
	int			 auth_type;	/* authentication-type, enum config_auth_type */
	struct config_key	 auth_key;	/* authentication-key */
	struct config_key	 enc_key;	/* encryption-key */
	int			 proxy_reply;	/* proxy-reply */
	int			 merge_registrations;	/* merge-registrations */
	int			 refresh_registrations;	/* refresh-registrations */
	int			 want_map_notify;	/* want-map-notify (M bit) */
	uint64_t		 site_id;	/* site-id */
};

/* lisp map-resolver: each clause adds resolvers. */
enum { CONFIG_MR_NAME, CONFIG_MR_ADDRESS, CONFIG_MR_DNS };
struct config_mr {
	uint32_t		 set;
	int			 line;
	char			*name;		/* mr-name */
	struct config_addr	*addrs;		/* address, repeatable */
	size_t			 naddrs;
	char			**dns_names;	/* dns-name, repeatable */
	size_t			 ndns_names;
};

/* proxy-reply-action of an allowed-prefix. */
enum config_pr_action {
	CONFIG_PRA_UNSET = 0, CONFIG_PRA_NATIVE_FORWARD, CONFIG_PRA_DROP,
	CONFIG_PRA_NOT_REGISTERED_YET,
};

/* allowed-prefix { } of lisp site.  iid..iid_hi is an IID range. */
enum {
	CONFIG_AP_IID, CONFIG_AP_EID, CONFIG_AP_GROUP, CONFIG_AP_MORE_SPECIFICS,
	CONFIG_AP_FORCE_PROXY, CONFIG_AP_FORCE_NAT_PROXY, CONFIG_AP_PITR_DROP,
	CONFIG_AP_PR_ACTION, CONFIG_AP_FORCE_TTL, CONFIG_AP_ECHO_NONCE,
	CONFIG_AP_REQUIRE_SIG, CONFIG_AP_ENCRYPT_JSON, CONFIG_AP_POLICY,
};
struct config_allowed {
	uint32_t		 set;
	uint32_t		 iid;		/* instance-id = a or a-b */
	uint32_t		 iid_hi;	/* == iid unless a range */
	struct config_prefix	 eid;		/* eid-prefix */
	struct config_prefix	 group;		/* group-prefix */
	int			 accept_more_specifics;
	int			 force_proxy_reply;
	int			 force_nat_proxy_reply;
	int			 pitr_proxy_reply_drop;
	int			 proxy_reply_action;	/* enum config_pr_action */
	uint32_t		 force_ttl;		/* force-ttl, seconds */
	int			 echo_nonce_capable;
	int			 require_signature;
	int			 encrypt_json;
	char			*policy_name;		/* policy-name */
};

/* lisp site (map-server role): who may register what. */
enum {
	CONFIG_SITE_NAME, CONFIG_SITE_DESCR, CONFIG_SITE_SHUTDOWN,
	CONFIG_SITE_AUTH_KEY,
};
struct config_site {
	uint32_t		 set;
	int			 line;
	char			*name;		/* site-name */
	char			*description;	/* description */
	int			 shutdown;	/* shutdown = yes|no */
	struct config_key	*keys;		/* authentication-key list */
	size_t			 nkeys;
	struct config_allowed	*allowed;	/* allowed-prefix { } */
	size_t			 nallowed;
	struct config_rloc	*allowed_rlocs;	/* allowed-rloc { } */
	size_t			 nallowed_rlocs;
};

/* lisp rtr-list (map-server role): RTRs returned in Info-Replies. */
enum { CONFIG_RTRS_ADDRESS };
struct config_rtr_list {
	uint32_t		 set;
	struct config_addr	*addrs;		/* address, repeatable */
	size_t			 naddrs;
};

/* lisp eid-crypto-hash (map-server role). "instance-id = *": any_iid. */
enum { CONFIG_ECH_IID, CONFIG_ECH_EID };
struct config_crypto_hash {
	uint32_t		 set;
	uint32_t		 iid;		/* 0..UINT32_MAX with iid_hi for "*" */
	uint32_t		 iid_hi;
	struct config_prefix	 eid;		/* eid-prefix (IPv6) */
};

/*
 * A clause of a lispers.net command that lisp-ztr knows but does not
 * implement (policy, DDT, ELP, RLE, geo, group-mapping, glean-mapping,
 * encryption-keys, ...).  It is kept so that config_print() writes it
 * back; the text is the clause as read, comments dropped, re-indented.
 */
struct config_raw {
	int			 line;
	char			*text;		/* owned, NUL-terminated */
};

struct lisp_config {
	struct config_enable	 enable;
	struct config_debug	 debug;
	struct config_xtr	 xtr;
	struct config_user	*users;
	size_t			 nusers;
	struct config_json	*json;
	size_t			 njson;
	struct config_iface	*ifaces;
	size_t			 nifaces;
	struct config_dbmap	*dbmaps;
	size_t			 ndbmaps;
	struct config_mapcache	*mapcaches;
	size_t			 nmapcaches;
	struct config_ms	*ms;
	size_t			 nms;
	struct config_mr	*mr;
	size_t			 nmr;
	struct config_site	*sites;
	size_t			 nsites;
	struct config_rtr_list	 rtr_list;
	struct config_crypto_hash *crypto_hashes;
	size_t			 ncrypto_hashes;
	struct config_raw	*raw;		/* known, unsupported clauses */
	size_t			 nraw;

	int			 has_marker;	/* "# lispers.net lisp.config file" */
	int			 ipc_literal;	/* literal "ipc-data-plane = yes" */
	unsigned int		 nwarnings;	/* warnings reported by the parse */
};

/*
 * Diagnostics hook.  By default every diagnostic goes to log_warnx() as
 * "file:line: message" (warnings as "file:line: warning: message").
 * config_set_diag() installs fn instead (tests capture messages with it);
 * NULL restores the default.  The hook is process-wide.
 */
enum config_diag_level {
	CONFIG_DIAG_WARN = 0,
	CONFIG_DIAG_ERROR = 1,
};
void	 config_set_diag(void (*fn)(void *arg, int level, const char *file,
	    int line, const char *msg), void *arg);

/*
 * Parse a file.  Returns NULL when the file cannot be read (the reason is
 * logged with log_warn) or memory runs out; *nerrors is then 1.  Otherwise
 * returns the config and sets *nerrors to the number of hard errors;
 * nerrors > 0 means the file must not be used.  nerrors may be NULL.
 */
struct lisp_config *config_parse_file(const char *path, int *nerrors);
/* Same for a buffer (need not be NUL-terminated); name labels messages. */
struct lisp_config *config_parse_buffer(const char *name, const char *buf,
	    size_t len, int *nerrors);
void	 config_free(struct lisp_config *cfg);

/*
 * Write cfg as canonical lisp.config text: a marker line, the dashed
 * line, the clauses in a fixed order (names defined before their users),
 * keys in the order of the enums above, and a closing dashed line.
 * Parsing the output gives back an equal config.  CONFIG_PRINT_REDACT
 * writes "<redacted>" for keys and passwords (for lispctl show config).
 */
#define CONFIG_PRINT_REDACT	0x01
void	 config_print(FILE *fp, const struct lisp_config *cfg);
void	 config_print_flags(FILE *fp, const struct lisp_config *cfg,
	    int flags);

#endif /* LISP_CONFIG_H */
