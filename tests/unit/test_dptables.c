/* SPDX-License-Identifier: ISC */
/*
 * dataplane/dp_tables: the outer source addresses the database-mapping
 * RLOCs give (literal addresses and `rloc { interface = }` resolved by a
 * fake system callback), and that a rebuild follows a changed interface.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "dp_tables.h"
#include "log.h"

/* The fake system: device "up0" has what these say, others nothing. */
static const char	*fake_v4, *fake_v6;
static int		 fake_calls;

static void
fake_if_rloc(const char *dev, struct dp_ifinfo *ifi)
{
	fake_calls++;
	if (strcmp(dev, "up0") != 0)
		return;
	if (fake_v4 != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET, fake_v4, ifi->addr4), 1);
		ifi->has4 = 1;
	}
	if (fake_v6 != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET6, fake_v6, ifi->addr6), 1);
		ifi->has6 = 1;
	}
}

static const struct dp_tables_sys fake_sys = { .if_rloc = fake_if_rloc };

static struct lisp_config *
parse(const char *rlocs)
{
	char			 buf[2048];
	struct lisp_config	*cfg;
	int			 nerr = -1;

	snprintf(buf, sizeof(buf),
	    "lisp database-mapping {\n"
	    "    prefix {\n"
	    "        instance-id = 1\n"
	    "        eid-prefix = 192.0.2.0/28\n"
	    "    }\n"
	    "%s"
	    "}\n", rlocs);
	cfg = config_parse_buffer("test", buf, strlen(buf), &nerr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(nerr, 0);
	return cfg;
}

static void
expect(const struct dp_rlocsrc *rs, const char *v4, const char *v6)
{
	char	 a[INET6_ADDRSTRLEN];

	ck_assert_int_eq(rs->has_src4, v4 != NULL);
	ck_assert_int_eq(rs->has_src6, v6 != NULL);
	if (v4 != NULL)
		ck_assert_str_eq(inet_ntop(AF_INET, rs->src4, a, sizeof(a)),
		    v4);
	if (v6 != NULL)
		ck_assert_str_eq(inet_ntop(AF_INET6, rs->src6, a, sizeof(a)),
		    v6);
}

START_TEST(literal_lowest_priority)
{
	struct lisp_config	*cfg;
	struct dp_rlocsrc	 rs;

	cfg = parse(
	    "    rloc {\n        address = 198.51.100.9\n"
	    "        priority = 2\n    }\n"
	    "    rloc {\n        address = 198.51.100.1\n"
	    "        priority = 1\n    }\n"
	    "    rloc {\n        address = 198.51.100.5\n"
	    "        priority = 1\n    }\n"
	    "    rloc {\n        address = 2001:db8::9\n    }\n");
	fake_calls = 0;
	ck_assert_int_eq(dp_tables_rloc_src(cfg, &fake_sys, &rs), 0);
	ck_assert_int_eq(fake_calls, 0);
	/* Priority 1 beats 2; the first of two priority-1 RLOCs wins. */
	expect(&rs, "198.51.100.1", "2001:db8::9");
	config_free(cfg);
}
END_TEST

START_TEST(interface_follows)
{
	struct lisp_config	*cfg;
	struct dp_tables	*t;
	struct dp_rlocsrc	 rs;

	cfg = parse(
	    "    rloc {\n        interface = up0\n"
	    "        priority = 1\n    }\n"
	    "    rloc {\n        address = 203.0.113.7\n"
	    "        priority = 2\n    }\n");
	/* Without the callback: only the literal backup. */
	ck_assert_int_eq(dp_tables_rloc_src(cfg, NULL, &rs), 1);
	expect(&rs, "203.0.113.7", NULL);

	fake_v4 = "198.51.100.10";
	fake_v6 = "2001:db8:1::10";
	ck_assert_int_eq(dp_tables_rloc_src(cfg, &fake_sys, &rs), 1);
	expect(&rs, "198.51.100.10", "2001:db8:1::10");
	t = dp_tables_build(cfg, 1, NULL, NULL, 0, &fake_sys);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->has_src4, 1);
	ck_assert_int_eq(t->has_src6, 1);
	ck_assert_mem_eq(t->src4, rs.src4, 4);
	ck_assert_mem_eq(t->src6, rs.src6, 16);
	dp_tables_free(t);

	/* Renumbered: a rebuild takes the new addresses. */
	fake_v4 = "198.51.100.11";
	fake_v6 = "2001:db8:1::11";
	t = dp_tables_build(cfg, 2, NULL, NULL, 0, &fake_sys);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(dp_tables_rloc_src(cfg, &fake_sys, &rs), 1);
	expect(&rs, "198.51.100.11", "2001:db8:1::11");
	ck_assert_mem_eq(t->src4, rs.src4, 4);
	dp_tables_free(t);

	/* Gone (or down): the literal backup for IPv4, no IPv6 source. */
	fake_v4 = fake_v6 = NULL;
	ck_assert_int_eq(dp_tables_rloc_src(cfg, &fake_sys, &rs), 1);
	expect(&rs, "203.0.113.7", NULL);
	config_free(cfg);
}
END_TEST

static Suite *
dptables_suite(void)
{
	Suite	*s = suite_create("dptables");
	TCase	*tc = tcase_create("rloc-src");

	tcase_add_test(tc, literal_lowest_priority);
	tcase_add_test(tc, interface_follows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(dptables_suite());
	int	 nfail;

	log_setquiet(1);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
