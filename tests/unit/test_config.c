/* SPDX-License-Identifier: ISC */
/*
 * lisp.config parser: every sample and EVE example parses without error,
 * field values of the EVE examples, diagnostics (file:line) for malformed
 * input, robustness against garbage, and print/parse round trips.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define DATADIR		"tests/data/config"

/* Captured diagnostics: one "L<line> <E|W> <msg>\n" record each. */
static char	*diags;
static size_t	 diags_len;
static FILE	*diags_fp;

static void
capture(void *arg, int level, const char *file, int line, const char *msg)
{
	(void)arg;
	ck_assert_ptr_nonnull(file);
	fprintf(diags_fp, "L%d %c %s\n", line,
	    level == CONFIG_DIAG_ERROR ? 'E' : 'W', msg);
	fflush(diags_fp);
}

static void
setup(void)
{
	diags = NULL;
	diags_len = 0;
	diags_fp = open_memstream(&diags, &diags_len);
	ck_assert_ptr_nonnull(diags_fp);
	config_set_diag(capture, NULL);
}

static void
teardown(void)
{
	config_set_diag(NULL, NULL);
	fclose(diags_fp);
	free(diags);
}

/* Is there a diagnostic of this level on this line containing text? */
static int
has_diag(char level, int line, const char *text)
{
	char	 head[32];
	char	*l, *save = NULL, *copy;
	int	 found = 0;

	fflush(diags_fp);
	if (diags == NULL)
		return 0;
	snprintf(head, sizeof(head), "L%d %c ", line, level);
	copy = strdup(diags);
	for (l = strtok_r(copy, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, head, strlen(head)) == 0 &&
		    strstr(l, text) != NULL)
			found = 1;
	free(copy);
	return found;
}

static struct lisp_config *
parse_str(const char *s, int *nerr)
{
	return config_parse_buffer("t.config", s, strlen(s), nerr);
}

static char *
print_cfg(const struct lisp_config *cfg, int flags)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(fp);
	config_print_flags(fp, cfg, flags);
	fclose(fp);
	return out;
}

static const char *
v6str(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

#define HDR "# lispers.net lisp.config file, last changed: test\n" \
	"#----------------------------------------------------\n"

/* Every data file: 0 errors, and print(parse(x)) is a fixed point. */
START_TEST(test_samples_parse)
{
	DIR		*d = opendir(DATADIR);
	struct dirent	*de;
	int		 nfiles = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		struct lisp_config	*c1, *c2;
		char			 path[512], *p1, *p2;
		int			 ne = -1;

		if (strncmp(de->d_name, "lisp.config.", 12) != 0 &&
		    strncmp(de->d_name, "eve-", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", DATADIR, de->d_name);
		c1 = config_parse_file(path, &ne);
		ck_assert_msg(c1 != NULL, "%s: NULL", path);
		ck_assert_msg(ne == 0, "%s: %d errors:\n%s", path, ne, diags);
		p1 = print_cfg(c1, 0);
		c2 = config_parse_buffer("printed", p1, strlen(p1), &ne);
		ck_assert_msg(c2 != NULL && ne == 0, "%s: reparse failed", path);
		p2 = print_cfg(c2, 0);
		ck_assert_msg(strcmp(p1, p2) == 0, "%s: not a fixed point:\n"
		    "%s\n----\n%s", path, p1, p2);
		/* The printed form has the marker and opening dashes. */
		ck_assert_int_eq(c2->has_marker, 1);
		ck_assert_uint_eq(c2->nraw, c1->nraw);
		free(p1);
		free(p2);
		config_free(c1);
		config_free(c2);
		nfiles++;
	}
	closedir(d);
	/* 21 lispers.net samples + 3 EVE examples. */
	ck_assert_int_ge(nfiles, 24);
}
END_TEST

static void
check_eve_xtr(const struct lisp_config *c)
{
	const struct config_dbmap	*db;
	const struct config_eid		*e;
	const struct config_rloc	*r;
	char				 b[INET6_ADDRSTRLEN];

	ck_assert(c->enable.itr && c->enable.etr);
	ck_assert(!c->enable.rtr && !c->enable.map_server &&
	    !c->enable.map_resolver && !c->enable.ddt_node);
	ck_assert(CONFIG_ISSET(&c->enable, CONFIG_ENABLE_DDT));
	ck_assert(CONFIG_ISSET(&c->debug, CONFIG_DEBUG_CORE) &&
	    !c->debug.core);

	ck_assert_uint_eq(c->nusers, 1);
	ck_assert_str_eq(c->users[0].username, "root");
	ck_assert_str_eq(c->users[0].password, "");
	ck_assert(c->users[0].super_user);

	ck_assert(c->xtr.rloc_probing && c->xtr.data_plane_security &&
	    c->xtr.nat_traversal && c->xtr.register_reachable_rtrs &&
	    c->xtr.ipc_data_plane);
	ck_assert(!c->xtr.nonce_echoing && !c->xtr.checkpoint_map_cache &&
	    !c->xtr.flow_logging && !c->xtr.data_plane_logging);
	ck_assert(CONFIG_ISSET(&c->xtr, CONFIG_XTR_IPC_DP));
	ck_assert(!CONFIG_ISSET(&c->xtr, CONFIG_XTR_DECENT_NAT));

	ck_assert_uint_eq(c->njson, 4);
	ck_assert_str_eq(c->json[0].name, "signature");
	ck_assert_str_eq(c->json[0].string, "{ \"signature-eid\": "
	    "\"[1000]fd8a:1b2c:3d4e:5f60:7182:93a4:b5c6:d7e8\", "
	    "\"signature\" : \"c2lnbmF0dXJlLWV4YW1wbGUtb25seQ==\" }");
	ck_assert_str_eq(c->json[3].name, "additional-info-app1");

	ck_assert_uint_eq(c->nifaces, 2);
	ck_assert_str_eq(c->ifaces[0].name, "overlay-mgmt");
	ck_assert_str_eq(c->ifaces[0].device, "dbo1x1");
	ck_assert_uint_eq(c->ifaces[0].iid, 1000);
	ck_assert_str_eq(c->ifaces[1].device, "bn1");
	ck_assert_uint_eq(c->ifaces[1].iid, 1001);

	ck_assert_uint_eq(c->ndbmaps, 2);
	db = &c->dbmaps[0];
	ck_assert_uint_eq(db->nprefixes, 1);
	e = &db->prefixes[0];
	ck_assert_uint_eq(e->iid, 1000);
	ck_assert_uint_eq(e->eid.addr.afi, LISP_AFI_IPV6);
	ck_assert_uint_eq(e->eid.plen, 128);
	ck_assert_str_eq(v6str(&e->eid.addr.u.v6, b),
	    "fd8a:1b2c:3d4e:5f60:7182:93a4:b5c6:d7e8");
	ck_assert(e->signature_eid);
	ck_assert_ptr_null(e->ms_name);
	ck_assert_uint_eq(db->nrlocs, 5);
	ck_assert_str_eq(db->rlocs[0].json_name, "signature");
	ck_assert_uint_eq(db->rlocs[0].priority, 255);
	ck_assert_uint_eq(db->rlocs[0].address.afi, LISP_AFI_NONE);
	ck_assert_str_eq(db->rlocs[2].interface, "eth0");
	ck_assert(!CONFIG_ISSET(&db->rlocs[2], CONFIG_RLOC_PRIORITY));
	r = &db->rlocs[3];
	ck_assert_uint_eq(r->address.afi, LISP_AFI_IPV4);
	ck_assert_uint_eq(ntohl(r->address.u.v4.s_addr), 0xc000020a);
	ck_assert(CONFIG_ISSET(r, CONFIG_RLOC_PRIORITY));
	ck_assert_uint_eq(r->priority, 0);
	r = &db->rlocs[4];
	ck_assert_uint_eq(r->address.afi, LISP_AFI_IPV6);
	ck_assert_str_eq(v6str(&r->address.u.v6, b),
	    "fe80::211:22ff:fe33:4455");
	ck_assert_uint_eq(r->priority, 2);

	/* The second prefix came after the rlocs: it still belongs here. */
	db = &c->dbmaps[1];
	ck_assert_uint_eq(db->nprefixes, 2);
	ck_assert_uint_eq(db->nrlocs, 5);
	ck_assert_str_eq(db->prefixes[0].ms_name, "ms-1001");
	ck_assert_uint_eq(db->prefixes[1].iid, 1001);
	ck_assert_uint_eq(db->prefixes[1].eid.addr.afi, LISP_AFI_IPV4);
	ck_assert_uint_eq(ntohl(db->prefixes[1].eid.addr.u.v4.s_addr),
	    0x0a010002);
	ck_assert_uint_eq(db->prefixes[1].eid.plen, 32);
	ck_assert(!db->prefixes[1].signature_eid);

	ck_assert_uint_eq(c->nmr, 1);
	ck_assert_uint_eq(c->mr[0].ndns_names, 1);
	ck_assert_str_eq(c->mr[0].dns_names[0], "lisp.controller.example.net");
	ck_assert_uint_eq(c->nms, 2);
	ck_assert_ptr_null(c->ms[0].name);
	ck_assert_str_eq(c->ms[0].auth_key.key, "example-registration-key");
	ck_assert_uint_eq(c->ms[0].auth_key.id, 0);
	ck_assert_int_eq(c->ms[0].auth_type, CONFIG_AUTH_DEFAULT);
	ck_assert(c->ms[0].want_map_notify);
	ck_assert_uint_eq(c->ms[0].naddrs, 0);
	ck_assert_str_eq(c->ms[1].name, "ms-1001");
	ck_assert_str_eq(c->ms[1].dns_names[0], "lisp.controller.example.net");

	ck_assert_uint_eq(c->nmapcaches, 3);
	ck_assert_uint_eq(c->mapcaches[0].nprefixes, 1);
	ck_assert_uint_eq(c->mapcaches[0].nrlocs, 0);
	ck_assert_uint_eq(c->mapcaches[0].prefixes[0].iid, 1000);
	ck_assert(c->mapcaches[0].prefixes[0].send_map_request);
	ck_assert_str_eq(v6str(&c->mapcaches[1].prefixes[0].eid.addr.u.v6, b),
	    "fd00::");
	ck_assert_uint_eq(c->mapcaches[1].prefixes[0].eid.plen, 8);
	ck_assert_uint_eq(c->mapcaches[2].prefixes[0].iid, 1001);
	ck_assert_uint_eq(ntohl(c->mapcaches[2].prefixes[0].eid.addr.u.v4.s_addr),
	    0x0a010000);
	ck_assert_uint_eq(c->mapcaches[2].prefixes[0].eid.plen, 24);
	ck_assert_uint_eq(c->nsites, 0);
	ck_assert_uint_eq(c->nraw, 0);
}

START_TEST(test_eve_xtr_fields)
{
	struct lisp_config	*c, *c2;
	char			*out;
	int			 ne;

	c = config_parse_file(DATADIR "/eve-xtr.config", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert_uint_eq(c->nwarnings, 0);
	ck_assert_int_eq(c->has_marker, 1);
	ck_assert_int_eq(c->ipc_literal, 1);
	ck_assert_int_eq(c->dbmaps[0].line, 58);
	check_eve_xtr(c);

	/* Same fields after print -> parse. */
	out = print_cfg(c, 0);
	ck_assert_ptr_nonnull(strstr(out, "\n    ipc-data-plane = yes\n"));
	c2 = config_parse_buffer("printed", out, strlen(out), &ne);
	ck_assert_ptr_nonnull(c2);
	ck_assert_int_eq(ne, 0);
	ck_assert_uint_eq(c2->nwarnings, 0);
	check_eve_xtr(c2);
	free(out);
	config_free(c);
	config_free(c2);
}
END_TEST

START_TEST(test_eve_msmr_fields)
{
	struct lisp_config		*c;
	const struct config_site	*s;
	const struct config_rloc	*r;
	char				 b[INET6_ADDRSTRLEN];
	int				 ne;

	c = config_parse_file(DATADIR "/eve-msmr.config", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert_uint_eq(c->nwarnings, 0);
	ck_assert(c->enable.map_server && c->enable.map_resolver &&
	    !c->enable.itr);
	ck_assert_uint_eq(c->nsites, 1);
	s = &c->sites[0];
	ck_assert_str_eq(s->name, "edge-devices");
	ck_assert_str_eq(s->description,
	    "EVE management and application overlays");
	ck_assert_uint_eq(s->nkeys, 1);
	ck_assert_str_eq(s->keys[0].key, "example-registration-key");
	ck_assert_uint_eq(s->nallowed, 3);
	ck_assert_uint_eq(s->allowed[0].iid, 1000);
	ck_assert_uint_eq(s->allowed[0].iid_hi, 1000);
	ck_assert(s->allowed[0].accept_more_specifics);
	ck_assert_uint_eq(s->allowed[2].eid.addr.afi, LISP_AFI_IPV4);
	ck_assert_uint_eq(s->allowed[2].eid.plen, 24);
	ck_assert_uint_eq(c->rtr_list.naddrs, 1);
	ck_assert_uint_eq(ntohl(c->rtr_list.addrs[0].u.v4.s_addr), 0xc6336432);
	ck_assert_uint_eq(c->ncrypto_hashes, 1);
	ck_assert_uint_eq(c->crypto_hashes[0].iid, 1000);
	ck_assert_str_eq(v6str(&c->crypto_hashes[0].eid.addr.u.v6, b),
	    "fd00::");
	config_free(c);

	/* The static map-cache fragment (no header: warnings only). */
	c = config_parse_file(DATADIR "/eve-static-map-cache.config", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert_int_eq(c->has_marker, 0);
	ck_assert(has_diag('W', 1, "marker line"));
	ck_assert_uint_eq(c->nmapcaches, 1);
	ck_assert_uint_eq(c->mapcaches[0].nrlocs, 3);
	r = c->mapcaches[0].rlocs;
	ck_assert_uint_eq(ntohl(r[0].address.u.v4.s_addr), 0xc6336414);
	ck_assert_uint_eq(r[0].priority, 1);
	ck_assert_uint_eq(r[0].weight, 50);
	ck_assert_uint_eq(ntohl(r[1].address.u.v4.s_addr), 0xc6336415);
	ck_assert_uint_eq(r[2].address.afi, LISP_AFI_IPV6);
	ck_assert_str_eq(v6str(&r[2].address.u.v6, b), "2001:db8::21");
	ck_assert_uint_eq(r[2].priority, 2);
	ck_assert_uint_eq(r[2].weight, 100);
	ck_assert(!c->mapcaches[0].prefixes[0].send_map_request);
	ck_assert(!CONFIG_ISSET(&c->mapcaches[0].prefixes[0],
	    CONFIG_EID_SEND_MREQ));
	config_free(c);
}
END_TEST

START_TEST(test_unterminated)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp enable {\n"		/* 3 */
	    "    itr = yes\n"
	    "}\n"
	    "lisp map-server {\n"	/* 6 */
	    "    dns-name = ms.example\n", &ne);	/* 7: EOF */
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 1);
	ck_assert(has_diag('E', 7, "'lisp map-server' opened at line 6 is "
	    "not closed"));
	ck_assert(c->enable.itr);
	config_free(c);
}
END_TEST

START_TEST(test_missing_brace_recovers)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp xtr-parameters {\n"	/* 3 */
	    "    rloc-probing = yes\n"
	    "lisp enable {\n"		/* 5 */
	    "    etr = yes\n"
	    "}\n"
	    "}\n", &ne);		/* 8 */
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 2);
	ck_assert(has_diag('E', 5, "'lisp xtr-parameters' opened at line 3"));
	ck_assert(has_diag('E', 8, "'}' without an open clause"));
	ck_assert(c->xtr.rloc_probing);
	ck_assert(c->enable.etr);
	config_free(c);
}
END_TEST

START_TEST(test_bad_values)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp enable {\n"				/* 3 */
	    "    itr = maybe\n"				/* 4 */
	    "}\n"
	    "lisp map-cache {\n"			/* 6 */
	    "    prefix {\n"
	    "        instance-id = 4294967296\n"	/* 8 */
	    "        eid-prefix = 10.0.0.300/24\n"	/* 9 */
	    "        group-prefix = 224.0.0.0/33\n"	/* 10 */
	    "    }\n"
	    "    rloc {\n"
	    "        address = 2001:db8::1::2\n"	/* 13 */
	    "        priority = 256\n"			/* 14 */
	    "        weight = 101\n"			/* 15 */
	    "        weight = -1\n"			/* 16 */
	    "    }\n"
	    "    rloc {\n"
	    "        address = 198.51.100.1\n"
	    "        priority = 7\n"
	    "    }\n"
	    "}\n"
	    "lisp interface {\n"
	    "    instance-id = 12abc\n"			/* 24 */
	    "    dynamic-eid = fd00::/129\n"		/* 25 */
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 10);
	ck_assert(has_diag('E', 4, "'itr' must be yes or no"));
	ck_assert(has_diag('E', 8, "bad number '4294967296' for "
	    "'instance-id'"));
	ck_assert(has_diag('E', 9, "bad prefix '10.0.0.300/24'"));
	ck_assert(has_diag('E', 10, "bad prefix"));
	ck_assert(has_diag('E', 13, "bad address"));
	ck_assert(has_diag('E', 14, "bad number '256' for 'priority'"));
	ck_assert(has_diag('E', 15, "(0-100)"));
	ck_assert(has_diag('E', 16, "bad number '-1'"));
	ck_assert(has_diag('E', 24, "bad number"));
	ck_assert(has_diag('E', 25, "bad prefix"));
	/* What was valid is kept; bad values leave their field unset. */
	ck_assert_uint_eq(c->mapcaches[0].nrlocs, 2);
	ck_assert(!CONFIG_ISSET(&c->mapcaches[0].rlocs[0],
	    CONFIG_RLOC_PRIORITY));
	ck_assert_uint_eq(c->mapcaches[0].rlocs[1].priority, 7);
	ck_assert(!CONFIG_ISSET(&c->enable, CONFIG_ENABLE_ITR));
	config_free(c);
}
END_TEST

START_TEST(test_unknown_is_warning)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp frobnicate {\n"		/* 3 */
	    "    foo = bar\n"
	    "    sub {\n"
	    "        x = y\n"
	    "    }\n"
	    "}\n"
	    "lisp enable {\n"
	    "    itr = yes\n"
	    "    turbo = yes\n"			/* 11 */
	    "}\n"
	    "lisp database-mapping {\n"
	    "    prefix {\n"
	    "        colour = blue\n"		/* 15 */
	    "    }\n"
	    "    widget {\n"			/* 17 */
	    "        a = b\n"
	    "    }\n"
	    "}\n"
	    "lisp policy {\n"			/* 21 */
	    "    policy-name = p\n"
	    "    match {\n"
	    "        source-eid = 10.0.0.0/8\n"
	    "    }\n"
	    "    set-action = drop\n"
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert(has_diag('W', 3, "unknown command 'lisp frobnicate'"));
	ck_assert(has_diag('W', 11, "unknown key 'turbo' in 'lisp enable'"));
	ck_assert(has_diag('W', 15, "unknown key 'colour'"));
	ck_assert(has_diag('W', 17, "unknown sub-clause 'widget'"));
	ck_assert(has_diag('W', 21, "'lisp policy' is not supported"));
	ck_assert_uint_eq(c->nwarnings, 5);
	ck_assert(c->enable.itr);
	ck_assert_uint_eq(c->dbmaps[0].nprefixes, 1);
	ck_assert_uint_eq(c->nraw, 1);
	ck_assert_str_eq(c->raw[0].text, "lisp policy {\n"
	    "    policy-name = p\n"
	    "    match {\n"
	    "        source-eid = 10.0.0.0/8\n"
	    "    }\n"
	    "    set-action = drop\n"
	    "}\n");
	config_free(c);
}
END_TEST

START_TEST(test_syntax_errors_all_reported)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "itr = yes\n"			/* 3 */
	    "lisp enable {\n"
	    "    itr yes\n"			/* 5 */
	    "    = yes\n"			/* 6 */
	    "    bad key = yes\n"		/* 7 */
	    "}\n"
	    "lisp json {\n"
	    "    json-name = x\n"
	    "    json-string = { \"a\" : 1\n"	/* 11 */
	    "}\n"
	    "lisp enable foo {\n"		/* 13 */
	    "    itr = yes\n"
	    "}\n"
	    "lisp enable {\n"
	    "    etr = yes\n"
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 6);
	ck_assert(has_diag('E', 3, "expected 'lisp <command> {'"));
	ck_assert(has_diag('E', 5, "syntax error"));
	ck_assert(has_diag('E', 6, "malformed key"));
	ck_assert(has_diag('E', 7, "malformed key"));
	ck_assert(has_diag('E', 11, "unbalanced braces"));
	ck_assert(has_diag('E', 13, "malformed clause opener"));
	/* The body of the malformed opener is skipped, the next is read. */
	ck_assert(!CONFIG_ISSET(&c->enable, CONFIG_ENABLE_ITR));
	ck_assert(c->enable.etr);
	config_free(c);
}
END_TEST

START_TEST(test_comments_and_markers)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str("#\n"
	    "# lispers.net lisp.config file, last changed: x\n"
	    "#-------------------------------------------\n"
	    "# a comment\n"
	    "lisp enable {\n"
	    "#   itr = maybe\n"
	    "    itr = yes   # trailing comment\n"
	    "\t\n"
	    "    etr = no\n"
	    "}\n"
	    "#-------------------------------------------#\n"
	    "lisp enable {\n"
	    "    rtr = definitely\n"
	    "}\n"
	    "garbage after the end\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert_uint_eq(c->nwarnings, 0);
	ck_assert(c->enable.itr);
	ck_assert(CONFIG_ISSET(&c->enable, CONFIG_ENABLE_ETR));
	ck_assert(!CONFIG_ISSET(&c->enable, CONFIG_ENABLE_RTR));
	config_free(c);
}
END_TEST

START_TEST(test_lispers_net_form_warnings)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp enable{\n"			/* 3 */
	    "    itr = yes\n"
	    "}\n"
	    "  lisp  debug {\n"			/* 6 */
	    "    core = yes\n"
	    "}\n"
	    "lisp xtr-parameters {\r\n"		/* 9 */
	    "    ipc-data-plane=yes\r\n"	/* 10 */
	    "    rloc-probing = yes\n"
	    "    rloc-probing = no\n"		/* 12 */
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert(has_diag('W', 3, "only accepts 'lisp enable {'"));
	ck_assert(has_diag('W', 6, "only accepts 'lisp debug {'"));
	ck_assert(has_diag('W', 9, "CRLF"));
	ck_assert(has_diag('W', 10, "literal text 'ipc-data-plane = yes'"));
	ck_assert(has_diag('W', 12, "given again"));
	ck_assert(c->enable.itr && c->debug.core);
	ck_assert(c->xtr.ipc_data_plane);
	ck_assert_int_eq(c->ipc_literal, 0);
	ck_assert(!c->xtr.rloc_probing);
	config_free(c);
}
END_TEST

START_TEST(test_address_forms)
{
	struct lisp_config	*c;
	const struct config_eid	*e;
	int			 ne;

	c = parse_str(HDR
	    "lisp database-mapping {\n"
	    "    prefix {\n"
	    "        instance-id = 7\n"
	    "        eid-prefix = 0001-0002-0a0B/48\n"
	    "    }\n"
	    "    prefix {\n"
	    "        eid-prefix = 'san-jose'\n"
	    "    }\n"
	    "    prefix {\n"
	    "        eid-prefix = 10.1.2.3/16\n"		/* 12 */
	    "        group-prefix = 224.1.1.1\n"
	    "    }\n"
	    "    prefix {\n"
	    "        instance-id = 5 0\n"			/* 16 */
	    "        eid-prefix = 37-11-41-N-121-49-0-W/100\n"	/* 17 */
	    "    }\n"
	    "    prefix {\n"
	    "        eid-prefix = <you-fill-in>\n"		/* 20 */
	    "        instance-id = <0 - 4294967295>\n"		/* 21 */
	    "    }\n"
	    "    rloc {\n"
	    "        address = 0000-0000-0000\n"
	    "    }\n"
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	e = c->dbmaps[0].prefixes;
	ck_assert_uint_eq(e[0].iid, 7);
	ck_assert_uint_eq(e[0].eid.addr.afi, LISP_AFI_MAC);
	ck_assert_uint_eq(e[0].eid.plen, 48);
	ck_assert_uint_eq(e[0].eid.addr.u.mac[1], 0x01);
	ck_assert_uint_eq(e[0].eid.addr.u.mac[5], 0x0b);
	ck_assert_uint_eq(e[1].eid.addr.afi, LISP_AFI_DN);
	ck_assert_str_eq(e[1].eid.dn, "san-jose");
	ck_assert(has_diag('W', 12, "host bits set"));
	ck_assert_uint_eq(ntohl(e[2].eid.addr.u.v4.s_addr), 0x0a010000);
	ck_assert_uint_eq(e[2].eid.plen, 16);
	ck_assert_uint_eq(e[2].group.plen, 32);
	ck_assert(has_diag('W', 16, "instance-id lists"));
	ck_assert_uint_eq(e[3].iid, 5);
	ck_assert(has_diag('W', 17, "geo-prefix"));
	ck_assert(has_diag('W', 20, "unfilled placeholder"));
	ck_assert(has_diag('W', 21, "unfilled placeholder"));
	ck_assert(!CONFIG_ISSET(&e[4], CONFIG_EID_IID));
	ck_assert_uint_eq(c->dbmaps[0].rlocs[0].address.afi, LISP_AFI_MAC);
	config_free(c);
}
END_TEST

START_TEST(test_keys_and_ranges)
{
	struct lisp_config	*c;
	char			*out;
	int			 ne;

	c = parse_str(HDR
	    "lisp map-server {\n"
	    "    address = 192.0.2.1\n"
	    "    address = 2001:db8::1\n"
	    "    authentication-type = sha1\n"
	    "    authentication-key = [3]s3cret=key==\n"
	    "    site-id = 18446744073709551615\n"
	    "}\n"
	    "lisp site {\n"
	    "    site-name = s\n"
	    "    authentication-key = [0]open-secret [1]closed-secret\n"
	    "    allowed-prefix {\n"
	    "        instance-id = 1000-2000\n"
	    "        proxy-reply-action = not-registered-yet\n"
	    "    }\n"
	    "    allowed-prefix {\n"
	    "        instance-id = 2000-1000\n"			/* 18 */
	    "        proxy-reply-action = bounce\n"		/* 19 */
	    "    }\n"
	    "    allowed-rloc {\n"
	    "        address = 198.51.100.7\n"
	    "        weight = 10\n"
	    "    }\n"
	    "}\n"
	    "lisp site {\n"
	    "    authentication-key = one two\n"		/* 27 */
	    "}\n"
	    "lisp eid-crypto-hash {\n"
	    "    instance-id = *\n"
	    "    eid-prefix = 2001:db8:3::/48\n"
	    "}\n"
	    "lisp map-server {\n"
	    "    authentication-key = [256]x\n"		/* 34 */
	    "    authentication-type = md5\n"		/* 35 */
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 5);
	ck_assert(has_diag('E', 18, "bad instance-id '2000-1000'"));
	ck_assert(has_diag('E', 19, "bad value 'bounce'"));
	ck_assert(has_diag('E', 27, "several keys need"));
	ck_assert(has_diag('E', 34, "bad key"));
	ck_assert(has_diag('E', 35, "bad value 'md5'"));
	ck_assert_uint_eq(c->ms[0].naddrs, 2);
	ck_assert_uint_eq(c->ms[0].addrs[1].afi, LISP_AFI_IPV6);
	ck_assert_int_eq(c->ms[0].auth_type, CONFIG_AUTH_SHA1);
	ck_assert_uint_eq(c->ms[0].auth_key.id, 3);
	ck_assert_str_eq(c->ms[0].auth_key.key, "s3cret=key==");
	ck_assert(c->ms[0].site_id == UINT64_MAX);
	ck_assert_uint_eq(c->sites[0].nkeys, 2);
	ck_assert_uint_eq(c->sites[0].keys[1].id, 1);
	ck_assert_str_eq(c->sites[0].keys[1].key, "closed-secret");
	ck_assert_uint_eq(c->sites[0].allowed[0].iid, 1000);
	ck_assert_uint_eq(c->sites[0].allowed[0].iid_hi, 2000);
	ck_assert_int_eq(c->sites[0].allowed[0].proxy_reply_action,
	    CONFIG_PRA_NOT_REGISTERED_YET);
	ck_assert_uint_eq(c->sites[0].allowed_rlocs[0].weight, 10);
	ck_assert_uint_eq(c->crypto_hashes[0].iid, 0);
	ck_assert_uint_eq(c->crypto_hashes[0].iid_hi, UINT32_MAX);

	out = print_cfg(c, 0);
	ck_assert_ptr_nonnull(strstr(out, "    authentication-key = [3]s3cret=key==\n"));
	ck_assert_ptr_nonnull(strstr(out, "    authentication-key = [0]open-secret [1]closed-secret\n"));
	ck_assert_ptr_nonnull(strstr(out, "        instance-id = 1000-2000\n"));
	ck_assert_ptr_nonnull(strstr(out, "    instance-id = *\n"));
	free(out);
	out = print_cfg(c, CONFIG_PRINT_REDACT);
	ck_assert_ptr_null(strstr(out, "s3cret"));
	ck_assert_ptr_null(strstr(out, "open-secret"));
	ck_assert_ptr_nonnull(strstr(out, "authentication-key = [3]<redacted>"));
	free(out);
	config_free(c);
}
END_TEST

START_TEST(test_name_references)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp database-mapping {\n"
	    "    prefix {\n"
	    "        eid-prefix = 10.0.0.0/8\n"
	    "        ms-name = later\n"			/* 6 */
	    "        mr-name = nowhere\n"		/* 7 */
	    "    }\n"
	    "    rloc {\n"
	    "        json-name = sig\n"			/* 10 */
	    "    }\n"
	    "}\n"
	    "lisp json {\n"
	    "    json-name = sig\n"
	    "    json-string = {}\n"
	    "}\n"
	    "lisp map-server {\n"
	    "    ms-name = later\n"
	    "}\n"
	    "lisp database-mapping {\n"
	    "    prefix {\n"
	    "        ms-name = later\n"
	    "    }\n"
	    "    rloc {\n"
	    "        json-name = sig\n"
	    "    }\n"
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert(has_diag('W', 6, "names no earlier 'lisp map-server'"));
	ck_assert(has_diag('W', 7, "names no earlier 'lisp map-resolver'"));
	ck_assert(has_diag('W', 10, "names no earlier 'lisp json'"));
	ck_assert_uint_eq(c->nwarnings, 3);
	ck_assert_str_eq(c->dbmaps[0].rlocs[0].json_name, "sig");
	config_free(c);
}
END_TEST

START_TEST(test_merge_and_accumulate)
{
	struct lisp_config	*c;
	int			 ne;

	c = parse_str(HDR
	    "lisp xtr-parameters {\n"
	    "    rloc-probing = yes\n"
	    "}\n"
	    "lisp map-resolver {\n"
	    "    address = 192.0.2.53\n"
	    "    dns-name = mr1.example\n"
	    "    dns-name = mr2.example\n"
	    "}\n"
	    "lisp xtr-parameters {\n"
	    "    decentralized-pull-xtr-modulus = 4\n"
	    "    decentralized-pull-xtr-dns-suffix = ms.example\n"
	    "}\n"
	    "lisp rtr-list {\n"
	    "    address = 192.0.2.1\n"
	    "}\n"
	    "lisp rtr-list {\n"
	    "    address = 192.0.2.2\n"
	    "    address = 2001:db8::2\n"
	    "}\n"
	    "lisp map-resolver {\n"
	    "    mr-name = second\n"
	    "}\n", &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert_uint_eq(c->nwarnings, 0);
	ck_assert(c->xtr.rloc_probing);
	ck_assert_uint_eq(c->xtr.decentralized_pull_modulus, 4);
	ck_assert_str_eq(c->xtr.decentralized_pull_dns_suffix, "ms.example");
	ck_assert_uint_eq(c->nmr, 2);
	ck_assert_uint_eq(c->mr[0].naddrs, 1);
	ck_assert_uint_eq(c->mr[0].ndns_names, 2);
	ck_assert_str_eq(c->mr[0].dns_names[1], "mr2.example");
	ck_assert_str_eq(c->mr[1].name, "second");
	ck_assert_uint_eq(c->rtr_list.naddrs, 3);
	ck_assert_uint_eq(c->rtr_list.addrs[2].afi, LISP_AFI_IPV6);
	config_free(c);
}
END_TEST

START_TEST(test_empty_and_missing)
{
	struct lisp_config	*c;
	char			*out;
	int			 ne = 42;

	c = config_parse_buffer("empty", "", 0, &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 0);
	ck_assert_uint_eq(c->nwarnings, 1);
	ck_assert(has_diag('W', 1, "marker"));
	ck_assert_uint_eq(c->ndbmaps + c->nms + c->nmr + c->nmapcaches, 0);
	out = print_cfg(c, 0);
	ck_assert_ptr_null(strstr(out, "\nlisp "));
	free(out);
	config_free(c);

	c = config_parse_file("/nonexistent/lisp.config", &ne);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(ne, 1);
	config_free(NULL);
}
END_TEST

START_TEST(test_long_lines)
{
	struct lisp_config	*c;
	char			*buf, *p;
	size_t			 n = CONFIG_LINE_MAX + 100;
	int			 ne;

	buf = malloc(3 * n + 256);
	ck_assert_ptr_nonnull(buf);
	p = buf + sprintf(buf, HDR "lisp json {\n    json-name = ");
	memset(p, 'a', n);
	p += n;
	p += sprintf(p, "\n    json-string = {\"k\":\"");	/* line 5 */
	memset(p, 'b', CONFIG_LINE_MAX - 40);
	p += CONFIG_LINE_MAX - 40;
	p += sprintf(p, "\"}\n}\n");
	c = config_parse_buffer("long", buf, (size_t)(p - buf), &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 1);
	ck_assert(has_diag('E', 4, "line too long"));
	ck_assert_uint_eq(c->njson, 1);
	ck_assert_ptr_null(c->json[0].name);
	ck_assert_uint_eq(strlen(c->json[0].string), CONFIG_LINE_MAX - 40 + 8);
	config_free(c);
	free(buf);
}
END_TEST

START_TEST(test_deep_nesting)
{
	struct lisp_config	*c;
	char			*buf, *p;
	int			 i, ne, depth = 5000;

	buf = malloc((size_t)depth * 16 + 256);
	ck_assert_ptr_nonnull(buf);
	p = buf + sprintf(buf, HDR "lisp map-cache {\n    prefix {\n");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "a {\n");		/* line 5 is the first */
	for (i = 0; i < depth; i++)
		p += sprintf(p, "}\n");
	p += sprintf(p, "    }\n}\nlisp enable {\n    itr = yes\n}\n");
	c = config_parse_buffer("deep", buf, (size_t)(p - buf), &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 1);
	ck_assert(has_diag('E', 5, "only one level of sub-clauses"));
	ck_assert(c->enable.itr);
	config_free(c);

	/* Unknown clause nested deeply and never closed. */
	p = buf + sprintf(buf, HDR "lisp nosuch {\n");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "a {\n");
	c = config_parse_buffer("deep", buf, (size_t)(p - buf), &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 1);
	ck_assert(has_diag('E', depth + 3, "not closed"));
	config_free(c);
	free(buf);
}
END_TEST

/* Every prefix of a real config parses without a crash or leak. */
START_TEST(test_truncations)
{
	FILE			*fp;
	struct lisp_config	*c;
	char			 buf[8192];
	size_t			 len, i;
	const char		*cut;
	int			 ne;

	fp = fopen(DATADIR "/eve-xtr.config", "r");
	ck_assert_ptr_nonnull(fp);
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	ck_assert_uint_gt(len, 1000);
	config_set_diag(NULL, NULL);
	log_setquiet(1);
	for (i = 0; i <= len; i++) {
		c = config_parse_buffer("cut", buf, i, &ne);
		ck_assert_ptr_nonnull(c);
		ck_assert_int_ge(ne, 0);
		config_free(c);
	}
	log_setquiet(0);
	config_set_diag(capture, NULL);

	/* Cut right after a clause opener: exactly one error. */
	cut = strstr(buf, "lisp map-server {\n");
	ck_assert_ptr_nonnull(cut);
	c = config_parse_buffer("cut", buf, (size_t)(cut - buf) + 18, &ne);
	ck_assert_int_eq(ne, 1);
	ck_assert(has_diag('E', 88, "'lisp map-server' opened at line 88"));
	config_free(c);
}
END_TEST

START_TEST(test_garbage)
{
	struct lisp_config	*c;
	unsigned char		*buf;
	uint32_t		 x = 0x12345678;
	size_t			 i, n = 65536;
	int			 ne;

	buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (unsigned char)(x >> 16);
	}
	c = config_parse_buffer("garbage", (char *)buf, n, &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_gt(ne, 0);
	config_free(c);

	/* Text garbage made of the grammar's own characters. */
	for (i = 0; i < n; i++) {
		static const char alphabet[] = "lisp {}=\n#-/.:[]'<>?*0123456789"
		    "abcdefprefixrloc";

		x = x * 1103515245 + 12345;
		buf[i] = (unsigned char)alphabet[(x >> 16) %
		    (sizeof(alphabet) - 1)];
	}
	c = config_parse_buffer("garbage", (char *)buf, n, &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_gt(ne, 0);
	config_free(c);

	/* A NUL byte inside a line. */
	c = config_parse_buffer("nul", HDR "lisp enable {\n    itr = y\0s\n}\n",
	    sizeof(HDR) - 1 + 30, &ne);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ne, 1);
	ck_assert(has_diag('E', 4, "invalid character 0x00"));
	config_free(c);
	free(buf);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_samples_parse);
	tcase_add_test(tc, test_eve_xtr_fields);
	tcase_add_test(tc, test_eve_msmr_fields);
	tcase_add_test(tc, test_unterminated);
	tcase_add_test(tc, test_missing_brace_recovers);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_unknown_is_warning);
	tcase_add_test(tc, test_syntax_errors_all_reported);
	tcase_add_test(tc, test_comments_and_markers);
	tcase_add_test(tc, test_lispers_net_form_warnings);
	tcase_add_test(tc, test_address_forms);
	tcase_add_test(tc, test_keys_and_ranges);
	tcase_add_test(tc, test_name_references);
	tcase_add_test(tc, test_merge_and_accumulate);
	tcase_add_test(tc, test_empty_and_missing);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 nfailed;

	log_init(1, LOG_LVL_WARN, 0);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
