/* SPDX-License-Identifier: ISC */
/*
 * The data plane's control channel (dp_cpchan) with the key tables
 * (dp_keys), through the IPC messages themselves:
 *   - map-cache entries with keys for DP_KEYS_MAX_SLOTS distinct RLOCs
 *     take every encapsulation slot; once entries are deleted, a new
 *     RLOC still gets a slot (the map-cache is walked for the slots in
 *     use, the others reclaimed), one of the deleted entries' slots,
 *     and no slot still in use is handed out twice;
 *   - decap-keys with "keys": [] deletes the decapsulation entry.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "dp.h"
#include "dp_cpchan.h"
#include "dp_keys.h"
#include "log.h"
#include "mapcache.h"

#define K32	"00112233445566778899aabbccddeeff"

static void
mc_add(size_t i, size_t rloc)
{
	char	 m[512];
	int	 n;

	n = snprintf(m, sizeof(m), "{\"type\": \"map-cache\", \"opcode\": "
	    "\"add\", \"instance-id\": \"0\", \"eid-prefix\": "
	    "\"10.%zu.%zu.%zu/32\", \"rlocs\": [{\"rloc\": \"172.%zu.%zu.%zu\", "
	    "\"priority\": \"1\", \"weight\": \"100\", \"keys\": [{\"key-id\": "
	    "\"1\", \"cipher-suite\": \"5\", \"encrypt-key\": \"" K32 "\"}]}]}",
	    i >> 16, (i >> 8) & 255, i & 255, 16 + (rloc >> 16),
	    (rloc >> 8) & 255, rloc & 255);
	ck_assert_int_lt(n, (int)sizeof(m));
	ck_assert_int_eq(dp_cpchan_input(m, (size_t)n), 0);
}

static void
mc_del(size_t i)
{
	char	 m[256];
	int	 n;

	n = snprintf(m, sizeof(m), "{\"type\": \"map-cache\", \"opcode\": "
	    "\"delete\", \"instance-id\": \"0\", \"eid-prefix\": "
	    "\"10.%zu.%zu.%zu/32\"}", i >> 16, (i >> 8) & 255, i & 255);
	ck_assert_int_eq(dp_cpchan_input(m, (size_t)n), 0);
}

static uint16_t
slot_of(size_t i)
{
	struct mapcache_prefix		 p;
	const struct mapcache_entry	*e;

	memset(&p, 0, sizeof(p));
	p.afi = MAPCACHE_AF_IPV4;
	p.plen = 32;
	p.addr[0] = 10;
	p.addr[1] = (uint8_t)(i >> 16);
	p.addr[2] = (uint8_t)(i >> 8);
	p.addr[3] = (uint8_t)i;
	ck_assert_ptr_nonnull(e = mapcache_find(dp_g.mc, &p));
	ck_assert_uint_eq(mapcache_rloc_count(e), 1);
	return mapcache_rloc_get(e, 0)->key_slot;
}

static void
setup(void)
{
	struct mapcache_config	 cfg = { .workers = 1 };

	rcu_register_thread();
	rcu_thread_offline();
	log_setquiet(1);
	memset(&dp_g, 0, sizeof(dp_g));
	ck_assert_ptr_nonnull(dp_g.mc = mapcache_new(&cfg));
	dp_keys_setup(1, LCRYPTO_AES128_GCM);
}

static void
teardown(void)
{
	dp_keys_free_all();
	mapcache_free(dp_g.mc);
	dp_g.mc = NULL;
	rcu_unregister_thread();
}

START_TEST(encap_slots_reclaimed)
{
	static uint8_t	 seen[DP_KEYS_MAX_SLOTS];
	size_t		 i;
	uint16_t	 s;

	for (i = 0; i < DP_KEYS_MAX_SLOTS; i++)
		mc_add(i, i);
	ck_assert_uint_eq(dp_keys_encap_count(), DP_KEYS_MAX_SLOTS);
	for (i = 0; i < DP_KEYS_MAX_SLOTS; i++)
		ck_assert_uint_eq(slot_of(i), i);
	/* One more RLOC: no slot (none unused), sent without a key. */
	mc_add(DP_KEYS_MAX_SLOTS, DP_KEYS_MAX_SLOTS);
	ck_assert_uint_eq(slot_of(DP_KEYS_MAX_SLOTS), MAPCACHE_NO_KEY);
	/* Entries 100..109 go: their RLOCs' slots are free to reclaim. */
	for (i = 100; i < 110; i++)
		mc_del(i);
	for (i = 0; i < 10; i++) {
		mc_add(DP_KEYS_MAX_SLOTS + 1 + i, DP_KEYS_MAX_SLOTS + 1 + i);
		s = slot_of(DP_KEYS_MAX_SLOTS + 1 + i);
		ck_assert_uint_ge(s, 100);
		ck_assert_uint_lt(s, 110);
	}
	/* The eleventh: nothing left. */
	mc_add(DP_KEYS_MAX_SLOTS + 11, DP_KEYS_MAX_SLOTS + 11);
	ck_assert_uint_eq(slot_of(DP_KEYS_MAX_SLOTS + 11), MAPCACHE_NO_KEY);
	/* Every live entry has a slot of its own. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < DP_KEYS_MAX_SLOTS + 11; i++) {
		if (i >= 100 && i < 110)
			continue;
		if (i == DP_KEYS_MAX_SLOTS)
			continue;
		s = slot_of(i);
		ck_assert_uint_lt(s, DP_KEYS_MAX_SLOTS);
		ck_assert_uint_eq(seen[s], 0);
		seen[s] = 1;
	}
}
END_TEST

START_TEST(decap_keys_empty_deletes)
{
	static const char add[] = "{\"type\": \"decap-keys\", \"rloc\": "
	    "\"192.0.2.9\", \"keys\": [{\"key-id\": \"2\", \"cipher-suite\": "
	    "\"5\", \"decrypt-key\": \"" K32 "\"}]}";
	static const char del[] = "{\"type\": \"decap-keys\", \"rloc\": "
	    "\"192.0.2.9\", \"keys\": []}";
	static const uint8_t a[4] = { 192, 0, 2, 9 };

	ck_assert_int_eq(dp_cpchan_input(add, sizeof(add) - 1), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), 1);
	rcu_thread_online();
	ck_assert_ptr_nonnull(dp_keys_decap_key(MAPCACHE_AF_IPV4, a, 0, 2));
	rcu_thread_offline();
	ck_assert_int_eq(dp_cpchan_input(del, sizeof(del) - 1), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), 0);
	rcu_thread_online();
	ck_assert_ptr_null(dp_keys_decap(MAPCACHE_AF_IPV4, a, 0));
	rcu_thread_offline();
}
END_TEST

static Suite *
dpkeygc_suite(void)
{
	Suite	*s = suite_create("dpkeygc");
	TCase	*tc = tcase_create("cpchan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, encap_slots_reclaimed);
	tcase_add_test(tc, decap_keys_empty_deletes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(dpkeygc_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
