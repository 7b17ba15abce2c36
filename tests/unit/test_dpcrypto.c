/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto in the real data path (dp_path + dp_keys + dp_crypto +
 * lcrypto), against the packets lispers.net itself produced
 * (tests/data/lcrypto/lispers.net-crypto-vectors.json):
 *   - ETR: each recorded lispers.net packet (outer IPv4/UDP/LISP,
 *     AES-128-GCM and AES-128-CBC) given to dp_etr_packet() with the
 *     decap-keys lispers.net put in the IPC comes out as the recorded
 *     inner packet; tampered -> ICV-error, no key -> no-decrypt-key,
 *     Poly1305 ICV key -> refused (counted) and no-decrypt-key;
 *   - ITR: the recorded inner packets through dp_itr_frame() with the
 *     map-cache keys lispers.net put in the IPC and the vectors' IV
 *     counter give lispers.net's IV and ciphertext byte for byte, KK =
 *     key-id, the itr-crypto-port as source port, and decrypt back;
 *   - the path MTU includes the crypto growth;
 *   - RFC 8061 keys (suites 5 and 6): the ITR sends the RFC layout,
 *     which lc8061 opens; the ETR opens it, tamper -> ICV-error;
 *   - a replaced key is wiped and freed (after the grace period).
 */
#include <sys/socket.h>

#include <check.h>
#include <json-c/json.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "dbmap.h"
#include "decap.h"
#include "dp_crypto.h"
#include "dp_keys.h"
#include "dp_path.h"
#include "dp_tables.h"
#include "dpipc.h"
#include "encap.h"
#include "lc8061.h"
#include "lcrypto.h"
#include "log.h"
#include "tu_vectors.h"
#include "mapcache.h"

#define VECTORS	"tests/data/lcrypto/lispers.net-crypto-vectors.json"
#define PAYLOAD	"lisp_payload_hex (LISP hdr + IV + ciphertext [+tag] + ICV)"
#define CTEXT	"ciphertext_hex (incl. 16-byte GCM tag when GCM)"
#define FULL	"full_packet_hex (outer IPv4 + UDP + LISP payload)"
#define ITRKEYS	"map-cache rloc keys[] (lisp_build_json_keys, ITR side)"
#define ETRKEYS	"decap-keys keys[] (ETR side)"
#define IID	1001

static const char *const variants[] = { "aes-gcm-hmac", "aes-cbc-hmac" };
static const enum lcrypto_cipher ciphers[] = {
	LCRYPTO_AES128_GCM, LCRYPTO_AES128_CBC
};
static const uint8_t itr_rloc[4] = { 198, 51, 100, 1 };
static const uint8_t etr_rloc[4] = { 203, 0, 113, 2 };

static struct json_object *root;

/* What the path emitted last. */
static uint8_t	 slotbuf[2][DP_SLOT_SIZE];
static uint8_t	 out[DP_SLOT_SIZE];
static size_t	 outlen;
static int	 nout;

static struct mapcache	*mc;
static struct dp_tables	 tab;
static struct dp_ifinfo	 ifi;
static struct dp_path	*path;

static struct json_object *
variant(int i)
{
	return tu_jget(tu_jget(root, "variants"), variants[i]);
}

static struct json_object *
packet(int i, int k)
{
	return json_object_array_get_idx(tu_jget(variant(i), "packets"),
	    (size_t)k);
}

static uint8_t *
io_slot(void *arg, int af)
{
	(void)arg;
	return slotbuf[af == AF_INET6];
}

static void
io_emit(void *arg, int af, const uint8_t *dst, int oif, const uint8_t *data,
    size_t len)
{
	(void)arg;
	(void)af;
	(void)dst;
	(void)oif;
	ck_assert_uint_le(len, sizeof(out));
	memcpy(out, data, len);
	outlen = len;
	nout++;
}

/* A key set from the IPC strings of a variant (as dp_cpchan builds it). */
static void
keyset(struct dp_keyset *ks, const uint8_t *addr, uint16_t port,
    const char *key_hex, const char *icv_hex)
{
	memset(ks, 0, sizeof(*ks));
	ks->afi = MAPCACHE_AF_IPV4;
	memcpy(ks->addr, addr, 4);
	ks->port = port;
	ks->nkeys = 1;
	ks->keys[0].key_id = 1;
	ks->keys[0].key_len = (uint8_t)tu_unhex(key_hex, ks->keys[0].key,
	    sizeof(ks->keys[0].key));
	ks->keys[0].icv_len = (uint8_t)tu_unhex(icv_hex, ks->keys[0].icv,
	    sizeof(ks->keys[0].icv));
}

static void
setup(void)
{
	struct mapcache_config	 mcc;
	struct dp_path_io	 io;
	uint8_t			 net[4] = { 192, 0, 2, 0 };

	root = json_object_from_file(VECTORS);
	ck_assert_msg(root != NULL, "cannot read %s", VECTORS);
	log_setquiet(1);
	rcu_register_thread();
	rcu_thread_offline();
	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = 1;
	ck_assert_ptr_nonnull(mc = mapcache_new(&mcc));
	memset(&tab, 0, sizeof(tab));
	ck_assert_ptr_nonnull(tab.db = dbmap_new());
	ck_assert_int_eq(dbmap_add(tab.db, IID, AF_INET, net, 24), 0);
	memset(&ifi, 0, sizeof(ifi));
	ifi.iid = IID;
	ifi.has_iid = 1;
	tab.ifs = &ifi;
	tab.nifs = 1;
	memcpy(tab.src4, itr_rloc, 4);
	tab.has_src4 = 1;
	memset(&io, 0, sizeof(io));
	io.slot = io_slot;
	io.emit = io_emit;
	ck_assert_ptr_nonnull(path = dp_path_new(mc, 0, &io));
	path->t = &tab;
	path->now = 1;
	nout = 0;
	dp_crypto_set_port(0);
}

static void
teardown(void)
{
	dp_path_free(path);
	dp_keys_free_all();
	mapcache_free(mc);
	dbmap_free(tab.db);
	free(tab.src);
	rcu_unregister_thread();
	json_object_put(root);
}

/* The ETR side of a variant: decap-keys as lispers.net sent them. */
static void
decap_keys(int i, uint16_t port)
{
	struct json_object	*ks = tu_jget(tu_jget(variant(i), "ipc_json_as_built"),
				    ETRKEYS);
	struct dp_keyset	 set;

	keyset(&set, itr_rloc, port, tu_jstr(ks, "decrypt-key"),
	    tu_jstr(ks, "icv-key"));
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
}

/* One recorded outer packet through dp_etr_packet(); flip: byte to flip. */
static void
etr(int i, int k, long flip)
{
	struct decap_outer	 o;
	uint8_t			 pkt[2048], payload[2048];
	size_t			 n, off, plen;

	n = tu_unhex(tu_jstr(packet(i, k), FULL), pkt, sizeof(pkt));
	ck_assert_int_eq(decap_outer_parse(pkt, n, &o, &off, &plen),
	    DP_DROP_NONE);
	ck_assert_uint_eq(o.sport, 51234);
	memcpy(payload, pkt + off, plen);
	if (flip >= 0)
		payload[flip] ^= 0x01;
	rcu_thread_online();
	dp_etr_packet(path, &o, payload, plen);
	rcu_thread_offline();
}

START_TEST(test_etr_kat)
{
	uint8_t	 inner[256];
	size_t	 n;
	int	 k;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	decap_keys(_i, 51234);
	for (k = 0; k < 2; k++) {
		nout = 0;
		etr(_i, k, -1);
		ck_assert_int_eq(nout, 1);
		n = tu_unhex(tu_jstr(packet(_i, k), "inner_ipv4_hex"), inner,
		    sizeof(inner));
		/* Padding trimmed, TTL 64 = outer TTL: bytes unchanged. */
		ck_assert_uint_eq(outlen, n);
		ck_assert_mem_eq(out, inner, n);
	}
	ck_assert_uint_eq(dp_path_counter(path, DPC_ETR_PACKETS), 2);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_ICV), 0);
}
END_TEST

/* A key stored under the address alone (port 0) serves any port. */
START_TEST(test_etr_port_fallback)
{
	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	decap_keys(_i, 0);
	etr(_i, 0, -1);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(dp_path_counter(path, DPC_ETR_PACKETS), 1);
}
END_TEST

START_TEST(test_etr_errors)
{
	struct json_object	*ks;
	struct dp_keyset	 set;
	uint8_t			 other[4] = { 198, 51, 100, 9 };
	size_t			 n;
	uint8_t			 buf[2048];
	long			 b;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	/* No key at all. */
	etr(_i, 0, -1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_DECRYPT_KEY), 1);
	/* A key for another ITR only. */
	ks = tu_jget(tu_jget(variant(_i), "ipc_json_as_built"), ETRKEYS);
	keyset(&set, other, 51234, tu_jstr(ks, "decrypt-key"),
	    tu_jstr(ks, "icv-key"));
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	etr(_i, 0, -1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_DECRYPT_KEY), 2);
	/* The right key: every flipped byte after the header is caught. */
	decap_keys(_i, 51234);
	n = tu_unhex(tu_jstr(packet(_i, 0), PAYLOAD), buf, sizeof(buf));
	for (b = 8; b < (long)n; b++)
		etr(_i, 0, b);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_ICV),
	    (uint64_t)n - 8);
	ck_assert_int_eq(nout, 0);
	/* Flipped nonce bit: covered by the ICV too. */
	etr(_i, 0, 3);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_ICV), (uint64_t)n - 7);
	/* And the untouched packet still goes through. */
	etr(_i, 0, -1);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_DECRYPT), 0);
}
END_TEST

/* lispers.net's Poly1305 ICV key (32 hex): refused, counted, no key. */
START_TEST(test_etr_poly_refused)
{
	struct json_object	*v = tu_jget(tu_jget(root, "variants"),
				    "aes-cbc-poly1305");
	struct json_object	*ks = tu_jget(tu_jget(v, "ipc_json_as_built"),
				    ITRKEYS);
	struct dp_keyset	 set;
	uint64_t		 before = lcrypto_refused(LCRYPTO_E_POLY1305);

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	keyset(&set, itr_rloc, 51234, tu_jstr(ks, "encrypt-key"),
	    tu_jstr(ks, "icv-key"));
	ck_assert_uint_eq(set.keys[0].icv_len, 16);
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	ck_assert_uint_eq(lcrypto_refused(LCRYPTO_E_POLY1305), before + 1);
	etr(1, 0, -1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_DECRYPT_KEY), 1);
	ck_assert_int_eq(nout, 0);
}
END_TEST

/* Install [IID]192.0.2.20/32 -> etr_rloc with the keys of set. */
static uint16_t
encap_route_set(const struct dp_keyset *set)
{
	struct mapcache_prefix	 pfx;
	struct mapcache_rloc	 r;

	memset(&r, 0, sizeof(r));
	memcpy(r.addr, etr_rloc, 4);
	r.afi = MAPCACHE_AF_IPV4;
	r.port = 4341;
	r.priority = 1;
	r.weight = 100;
	r.mpriority = 255;
	r.up = 1;
	r.key_slot = dp_keys_encap_set(set);
	memset(&pfx, 0, sizeof(pfx));
	pfx.iid = IID;
	pfx.afi = MAPCACHE_AF_IPV4;
	pfx.plen = 32;
	pfx.addr[0] = 192;
	pfx.addr[2] = 2;
	pfx.addr[3] = 20;
	ck_assert_int_eq(mapcache_insert(mc, &pfx, MAPCACHE_POSITIVE, 3600,
	    &r, 1, 0), 0);
	return r.key_slot;
}

/* Install [IID]192.0.2.20/32 -> etr_rloc with the variant's encap keys. */
static uint16_t
encap_route(int i, const char *icv_override)
{
	struct json_object	*ks = tu_jget(tu_jget(variant(i), "ipc_json_as_built"),
				    ITRKEYS);
	struct dp_keyset	 set;

	keyset(&set, etr_rloc, 4341, tu_jstr(ks, "encrypt-key"),
	    icv_override != NULL ? icv_override : tu_jstr(ks, "icv-key"));
	return encap_route_set(&set);
}

static void
itr(const uint8_t *inner, size_t n)
{
	rcu_thread_online();
	dp_itr_frame(path, 0, DLT_RAW, inner, n, n);
	rcu_thread_offline();
}

START_TEST(test_itr_kat)
{
	struct json_object	*ks = tu_jget(tu_jget(variant(_i), "ipc_json_as_built"),
				    ETRKEYS);
	struct lcrypto_key	*k, *dk;
	uint8_t			 inner[256], ivc[16], iv[16], ct[256];
	uint8_t			 pt[512];
	size_t			 n, ivl, ctl, plen;
	uint16_t		 slot;
	int			 j, err, m;

	dp_keys_setup(1, ciphers[_i]);
	dp_crypto_set_port(51234);
	slot = encap_route(_i, NULL);
	ck_assert_uint_ne(slot, MAPCACHE_NO_KEY);
	rcu_thread_online();
	ck_assert_int_eq(dp_keys_encap_key(slot, &k), 1);
	rcu_thread_offline();
	tu_unhex(tu_jstr(packet(_i, 0), "iv_counter_int_hex"), ivc, sizeof(ivc));
	ck_assert_int_eq(lcrypto_key_set_iv(k, 0, ivc), 0);
	dk = lcrypto_key_from_hex("1", tu_jstr(ks, "decrypt-key"),
	    tu_jstr(ks, "icv-key"), LCRYPTO_AUTO, LCRYPTO_DECAP, 1, &err);
	ck_assert_ptr_nonnull(dk);

	for (j = 0; j < 2; j++) {
		nout = 0;
		n = tu_unhex(tu_jstr(packet(_i, j), "inner_ipv4_hex"), inner,
		    sizeof(inner));
		itr(inner, n);
		ck_assert_int_eq(nout, 1);
		/* Outer IPv4 to the RLOC, UDP from the crypto port. */
		ck_assert_uint_eq(out[0], 0x45);
		ck_assert_mem_eq(out + 12, itr_rloc, 4);
		ck_assert_mem_eq(out + 16, etr_rloc, 4);
		ck_assert_uint_eq((unsigned)(out[20] << 8 | out[21]), 51234);
		ck_assert_uint_eq((unsigned)(out[22] << 8 | out[23]), 4341);
		ck_assert_uint_eq((size_t)(out[2] << 8 | out[3]), outlen);
		ck_assert_uint_eq((size_t)(out[24] << 8 | out[25]),
		    outlen - 20);
		/* N, I, KK = 1; IID; the sizes lispers.net produced. */
		ck_assert_uint_eq(out[28], 0x89);
		ck_assert_uint_eq((unsigned)(out[32] << 16 | out[33] << 8 |
		    out[34]), IID);
		plen = strlen(tu_jstr(packet(_i, j), PAYLOAD)) / 2;
		ck_assert_uint_eq(outlen, 28 + plen);
		/* IV and ciphertext (+ tag) byte for byte. */
		ivl = tu_unhex(tu_jstr(packet(_i, j), "iv_wire_hex"), iv, sizeof(iv));
		ck_assert_mem_eq(out + 36, iv, ivl);
		ctl = tu_unhex(tu_jstr(packet(_i, j), CTEXT), ct, sizeof(ct));
		ck_assert_mem_eq(out + 36 + ivl, ct, ctl);
		ck_assert_uint_eq(36 + ivl + ctl + LCRYPTO_ICV_LEN, outlen);
		/* The ICV verifies under the ETR's key: back to the inner. */
		m = lcrypto_decrypt(dk, 0, out + 28, outlen - 28, pt,
		    sizeof(pt));
		ck_assert_int_eq(m, (int)n);
		ck_assert_mem_eq(pt, inner, n);
	}
	ck_assert_uint_eq(dp_path_counter(path, DPC_ITR_PACKETS), 2);
	lcrypto_key_free(dk);
}
END_TEST

/* Without the crypto port the flow hash picks the source port. */
START_TEST(test_itr_no_port)
{
	uint8_t	 inner[256];
	size_t	 n;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	(void)encap_route(0, NULL);
	n = tu_unhex(tu_jstr(packet(0, 0), "inner_ipv4_hex"), inner, sizeof(inner));
	itr(inner, n);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_ge((unsigned)(out[20] << 8 | out[21]), 49152);
	ck_assert_uint_eq(out[28] & 3, 1);
}
END_TEST

/* Refused encap keys: the RLOC is unusable, nothing in the clear. */
START_TEST(test_itr_refused)
{
	uint8_t	 inner[256];
	size_t	 n;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	(void)encap_route(0, "98fc72e937901211f02530c17ed92dbf");
	n = tu_unhex(tu_jstr(packet(0, 0), "inner_ipv4_hex"), inner, sizeof(inner));
	itr(inner, n);
	ck_assert_int_eq(nout, 0);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_ENCRYPT_KEY), 1);
}
END_TEST

/* The path MTU counts IV, padding, tag and ICV. */
START_TEST(test_itr_mtu)
{
	struct encap_params	 ep;
	struct dp_src		 s;
	uint8_t			 inner[256];
	size_t			 n;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	(void)encap_route(0, NULL);
	/* 60-byte inner, DF: 36 + 60 = 96 fits 120 in the clear, but
	 * 36 + 12 + 64 + 16 + 20 = 148 does not. */
	memset(&s, 0, sizeof(s));
	s.afi = MAPCACHE_AF_IPV4;
	memcpy(s.dst, etr_rloc, 4);
	memcpy(s.src, itr_rloc, 4);
	s.mtu = 120;
	tab.src = calloc(1, sizeof(s));
	ck_assert_ptr_nonnull(tab.src);
	tab.src[0] = s;
	tab.nsrc = 1;
	n = tu_unhex(tu_jstr(packet(0, 0), "inner_ipv4_hex"), inner, sizeof(inner));
	itr(inner, n);
	ck_assert_int_eq(nout, 0);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_TOO_BIG), 1);
	tab.src[0].mtu = 148;
	itr(inner, n);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(outlen, 148);

	/* The too-big MTU: 1500 - 36 - 12 - 16 - 20 = 1416, cut to 1408
	 * (1409..1416 pad to 1424 and would not fit). */
	memset(&ep, 0, sizeof(ep));
	ep.af = AF_INET;
	ep.mtu = 1500;
	ck_assert_uint_eq(encap_inner_mtu(&ep, 4), 1464);
	rcu_thread_online();
	ck_assert_int_eq(dp_keys_encap_key(0, &ep.ckey), 1);
	ck_assert_uint_eq(encap_inner_mtu(&ep, 4), 1408);
	ck_assert_uint_le(encap_crypto_growth(&ep, 1408) + 1408 + 36, 1500);
	ck_assert_uint_gt(encap_crypto_growth(&ep, 1409) + 1409 + 36, 1500);
	rcu_thread_offline();
}
END_TEST

static int		 nfreed, freed_wiped;
static const void	*freed;

static void
free_hook(const struct lcrypto_key *k)
{
	nfreed++;
	freed = k;
	freed_wiped = lcrypto_key_is_wiped(k);
}

/* A replaced key is wiped and freed; the slot number stays. */
START_TEST(test_key_replace)
{
	struct lcrypto_key	*k1, *k2;
	uint8_t			 inner[256];
	size_t			 n;
	uint16_t		 s1, s2;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	s1 = encap_route(0, NULL);
	rcu_thread_online();
	ck_assert_int_eq(dp_keys_encap_key(s1, &k1), 1);
	rcu_thread_offline();
	lcrypto_free_hook = free_hook;
	/* The same keys again (lispers.net repeats itself): nothing freed. */
	s2 = encap_route(0, NULL);
	ck_assert_uint_eq(s1, s2);
	ck_assert_int_eq(nfreed, 0);
	/* New keys: the old object is wiped and freed, once. */
	s2 = encap_route(0, "00000000ffffffffffffffffffffffffffffffff");
	ck_assert_uint_eq(s1, s2);
	ck_assert_int_eq(nfreed, 1);
	ck_assert_ptr_eq(freed, k1);
	ck_assert_int_eq(freed_wiped, 1);
	rcu_thread_online();
	ck_assert_int_eq(dp_keys_encap_key(s2, &k2), 1);
	rcu_thread_offline();
	n = tu_unhex(tu_jstr(packet(0, 0), "inner_ipv4_hex"), inner, sizeof(inner));
	itr(inner, n);
	ck_assert_int_eq(nout, 1);
	/* Everything at the end. */
	dp_keys_free_all();
	ck_assert_int_eq(nfreed, 2);
	ck_assert_int_eq(freed_wiped, 1);
	lcrypto_free_hook = NULL;
	(void)k2;
}
END_TEST

START_TEST(test_cipher_rule)
{
	const char	*why;

	unsetenv("LISP_USE_AES_GCM");
	unsetenv("LISP_USE_CHACHA");
	unsetenv("LISPZTR_CRYPTO_CIPHER");
	ck_assert_int_eq(dp_crypto_cipher(&why), LCRYPTO_AES128_GCM);
	setenv("LISP_USE_CHACHA", "", 1);
	ck_assert_int_eq(dp_crypto_cipher(&why), LCRYPTO_CHACHA8);
	setenv("LISPZTR_CRYPTO_CIPHER", "aes-128-cbc", 1);
	ck_assert_int_eq(dp_crypto_cipher(&why), LCRYPTO_AES128_CBC);
	setenv("LISPZTR_CRYPTO_CIPHER", "aes-128-gcm", 1);
	ck_assert_int_eq(dp_crypto_cipher(&why), LCRYPTO_AES128_GCM);
	unsetenv("LISPZTR_CRYPTO_CIPHER");
	unsetenv("LISP_USE_CHACHA");
	setenv("LISP_USE_AES_GCM", "", 1);
	ck_assert_int_eq(dp_crypto_cipher(&why), LCRYPTO_AES128_GCM);
	unsetenv("LISP_USE_AES_GCM");
}
END_TEST

/*
 * RFC 8061 keys (cipher suite 5 and 6, as our own control plane hands
 * them over): the same path, the RFC construction.
 */
static const unsigned int suites8061[] = {
	DPIPC_SUITE_AES128_GCM, DPIPC_SUITE_CHACHA20
};
static const uint8_t key8061[32] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
	0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};

static void
keyset8061(struct dp_keyset *ks, const uint8_t *addr, uint16_t port,
    unsigned int suite, unsigned int kid)
{
	memset(ks, 0, sizeof(*ks));
	ks->afi = MAPCACHE_AF_IPV4;
	memcpy(ks->addr, addr, 4);
	ks->port = port;
	ks->nkeys = 1;
	ks->keys[0].key_id = (uint8_t)kid;
	ks->keys[0].suite = (uint8_t)suite;
	ks->keys[0].key_len = suite == DPIPC_SUITE_CHACHA20 ? 32 : 16;
	memcpy(ks->keys[0].key, key8061, ks->keys[0].key_len);
}

/* [IID]192.0.2.20/32 -> etr_rloc with an RFC 8061 key. */
static uint16_t
encap_route8061(unsigned int suite, unsigned int kid)
{
	struct dp_keyset	 set;

	keyset8061(&set, etr_rloc, 4341, suite, kid);
	return encap_route_set(&set);
}

/* An emitted outer packet back through dp_etr_packet(); flip as etr(). */
static void
etr_raw(const uint8_t *pkt0, size_t n, long flip)
{
	struct decap_outer	 o;
	uint8_t			 pkt[2048], payload[2048];
	size_t			 off, plen;

	memcpy(pkt, pkt0, n);
	ck_assert_int_eq(decap_outer_parse(pkt, n, &o, &off, &plen),
	    DP_DROP_NONE);
	memcpy(payload, pkt + off, plen);
	if (flip >= 0)
		payload[flip] ^= 0x01;
	rcu_thread_online();
	dp_etr_packet(path, &o, payload, plen);
	rcu_thread_offline();
}

/*
 * ITR: RFC 8061 layout behind the outer IPv4/UDP (KK = key-id, IV of
 * the suite, no padding, 16-byte tag), opened by lc8061 on its own;
 * ETR: that packet through the path with the decap key comes out as the
 * inner packet, every flipped byte is an ICV-error, another key-id is
 * no-decrypt-key.
 */
START_TEST(test_rfc8061_path)
{
	struct lc8061_key	*dk;
	struct dp_keyset	 set;
	uint8_t			 inner[256], pkt[2048], pt[2048];
	size_t			 n, ivl, pktlen;
	unsigned int		 suite = suites8061[_i];
	uint16_t		 slot;
	long			 b;

	ivl = suite == DPIPC_SUITE_CHACHA20 ? 8 : 12;
	dp_keys_setup(1, LCRYPTO_AES128_CBC);	/* not for these keys */
	dp_crypto_set_port(51234);
	slot = encap_route8061(suite, 2);
	ck_assert_uint_ne(slot, MAPCACHE_NO_KEY);
	n = tu_unhex(tu_jstr(packet(0, 0), "inner_ipv4_hex"), inner,
	    sizeof(inner));
	itr(inner, n);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(outlen, 20 + 8 + 8 + ivl + n + 16);
	ck_assert_uint_eq((size_t)(out[2] << 8 | out[3]), outlen);
	ck_assert_uint_eq((size_t)(out[24] << 8 | out[25]), outlen - 20);
	ck_assert_uint_eq((unsigned)(out[20] << 8 | out[21]), 51234);
	ck_assert_uint_eq(out[28], 0x8a);	/* N, I, KK = 2 */
	ck_assert_uint_eq((unsigned)(out[32] << 16 | out[33] << 8 | out[34]),
	    IID);
	ck_assert_uint_eq(out[36], 0);		/* worker 0's IV */
	dk = lc8061_key_new(2, suite, key8061, suite == DPIPC_SUITE_CHACHA20 ?
	    32 : 16, LC8061_DECAP, 1, NULL);
	ck_assert_ptr_nonnull(dk);
	ck_assert_int_eq(lc8061_decrypt(dk, 0, out + 28, outlen - 28, pt,
	    sizeof(pt)), (int)n);
	ck_assert_mem_eq(pt, inner, n);
	lc8061_key_free(dk);
	memcpy(pkt, out, outlen);
	pktlen = outlen;

	/* ETR: no key yet, then the key under the ITR's address. */
	nout = 0;
	etr_raw(pkt, pktlen, -1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_DECRYPT_KEY), 1);
	keyset8061(&set, itr_rloc, 0, suite, 2);
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	etr_raw(pkt, pktlen, -1);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(outlen, n);
	ck_assert_mem_eq(out, inner, n);
	ck_assert_uint_eq(dp_path_counter(path, DPC_ETR_PACKETS), 1);
	/* Every byte after KK's byte: header, IV, ciphertext, tag. */
	for (b = 1; b < (long)(pktlen - 28); b++)
		etr_raw(pkt, pktlen, b);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_ICV),
	    (uint64_t)(pktlen - 28 - 1));
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_DECRYPT), 0);
	/* KK 2 -> 3: no key with id 3. */
	etr_raw(pkt, pktlen, 0);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_DECRYPT_KEY), 2);
	/* A key-id 3 key of the same bytes: the header is authenticated. */
	keyset8061(&set, itr_rloc, 0, suite, 3);
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	etr_raw(pkt, pktlen, 0);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_ICV),
	    (uint64_t)(pktlen - 28));
	ck_assert_int_eq(nout, 1);
}
END_TEST

/* Too-big: IV and tag only, no padding, no ICV. */
START_TEST(test_rfc8061_mtu)
{
	struct encap_params	 ep;
	unsigned int		 suite = suites8061[_i];
	size_t			 ivl = suite == DPIPC_SUITE_CHACHA20 ? 8 : 12;
	size_t			 max = 1500 - 36 - ivl - 16;
	uint16_t		 slot;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	slot = encap_route8061(suite, 1);
	memset(&ep, 0, sizeof(ep));
	ep.af = AF_INET;
	ep.mtu = 1500;
	rcu_thread_online();
	ck_assert_int_eq(dp_keys_encap_key(slot, &ep.ckey), 1);
	/* 1436 (suite 5) or 1440 (suite 6); lispers.net GCM gives 1408. */
	ck_assert_uint_eq(encap_inner_mtu(&ep, 4), max);
	ck_assert_uint_eq(encap_crypto_growth(&ep, max), ivl + 16);
	ck_assert_uint_eq(encap_crypto_growth(&ep, 1), ivl + 16);
	ck_assert_uint_eq(encap_crypto_growth(&ep, max) + max + 36, 1500);
	ep.af = AF_INET6;
	ck_assert_uint_eq(encap_inner_mtu(&ep, 6), 1500 - 56 - ivl - 16);
	rcu_thread_offline();
}
END_TEST

static int		 n8061freed, n8061wiped;

static void
free_hook8061(const struct lc8061_key *k)
{
	n8061freed++;
	n8061wiped += lc8061_key_is_wiped(k);
}

/* A replaced RFC 8061 key is wiped and freed after the grace period. */
START_TEST(test_rfc8061_replace)
{
	uint16_t	 s1, s2;

	dp_keys_setup(2, LCRYPTO_AES128_GCM);
	n8061freed = n8061wiped = 0;
	lc8061_free_hook = free_hook8061;
	s1 = encap_route8061(suites8061[_i], 1);
	/* The same key again: nothing made, nothing freed. */
	s2 = encap_route8061(suites8061[_i], 1);
	ck_assert_uint_eq(s1, s2);
	ck_assert_int_eq(n8061freed, 0);
	/* Another key-id: the old key goes, wiped. */
	s2 = encap_route8061(suites8061[_i], 2);
	ck_assert_uint_eq(s1, s2);
	ck_assert_int_eq(n8061freed, 1);
	ck_assert_int_eq(n8061wiped, 1);
	dp_keys_free_all();
	ck_assert_int_eq(n8061freed, 2);
	ck_assert_int_eq(n8061wiped, 2);
	lc8061_free_hook = NULL;
}
END_TEST

/*
 * A decap set of three RFC 8061 keys (key-ids 1..3, distinct bytes, as
 * our ETR keeps one per Map-Request nonce class): a packet with KK = 3
 * under the third key opens, KK = 2 under the third key is an
 * ICV-error (key 2 is another key), and after "keys": [] for the
 * address (the delete) the packet is no-decrypt-key.
 */
START_TEST(test_rfc8061_three_ids_and_delete)
{
	struct dp_keyset	 set;
	uint8_t			 inner[256], pkt[2048];
	size_t			 n, pktlen, k;
	unsigned int		 suite = suites8061[_i];

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	dp_crypto_set_port(51234);
	(void)encap_route8061(suite, 3);
	n = tu_unhex(tu_jstr(packet(0, 0), "inner_ipv4_hex"), inner,
	    sizeof(inner));
	itr(inner, n);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(out[28] & 0x03, 3);
	memcpy(pkt, out, outlen);
	pktlen = outlen;

	keyset8061(&set, itr_rloc, 0, suite, 1);
	set.nkeys = 3;
	for (k = 3; k-- > 0;) {
		set.keys[k] = set.keys[0];
		set.keys[k].key_id = (uint8_t)(k + 1);
		/* ids 1 and 2 differ from key8061 in one byte. */
		if (k < 2)
			set.keys[k].key[5] ^= (uint8_t)(k + 1);
	}
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), 1);
	nout = 0;
	etr_raw(pkt, pktlen, -1);
	ck_assert_int_eq(nout, 1);
	ck_assert_mem_eq(out, inner, n);
	/* KK 3 -> 2 (flip bit 0 of the flags byte): key 2 fails the tag. */
	etr_raw(pkt, pktlen, 0);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_ICV), 1);
	ck_assert_int_eq(nout, 1);

	/* Delete: an empty set for the address (no port). */
	memset(&set, 0, sizeof(set));
	set.afi = MAPCACHE_AF_IPV4;
	memcpy(set.addr, itr_rloc, 4);
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), 0);
	etr_raw(pkt, pktlen, -1);
	ck_assert_int_eq(nout, 1);
	ck_assert_uint_eq(dp_path_counter(path, DP_DROP_NO_DECRYPT_KEY), 1);
	/* Deleting what is not there is not an error. */
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
}
END_TEST

/*
 * The decap table bounded at DP_KEYS_MAX_DECAP: full, one more is
 * refused; a delete frees a slot (its key wiped and freed after the
 * grace period) that the next ITR gets; the others are untouched; a
 * delete of another port leaves the entry.
 */
START_TEST(test_decap_fill_delete_reuse)
{
	struct dp_keyset	 set;
	uint8_t			 a[4];
	size_t			 i;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	n8061freed = n8061wiped = 0;
	lc8061_free_hook = free_hook8061;
	log_setquiet(1);
	for (i = 0; i < DP_KEYS_MAX_DECAP; i++) {
		a[0] = 10;
		a[1] = (uint8_t)(i >> 16);
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		keyset8061(&set, a, 0, DPIPC_SUITE_AES128_GCM, 1);
		ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	}
	ck_assert_uint_eq(dp_keys_decap_count(), DP_KEYS_MAX_DECAP);
	keyset8061(&set, itr_rloc, 0, DPIPC_SUITE_AES128_GCM, 1);
	ck_assert_int_eq(dp_keys_decap_set(&set), -1);
	ck_assert_uint_eq(dp_keys_decap_count(), DP_KEYS_MAX_DECAP);

	/* Delete 10.0.1.0 (index 256): another port first, no effect. */
	a[0] = 10;
	a[1] = 0;
	a[2] = 1;
	a[3] = 0;
	memset(&set, 0, sizeof(set));
	set.afi = MAPCACHE_AF_IPV4;
	memcpy(set.addr, a, 4);
	set.port = 4000;
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), DP_KEYS_MAX_DECAP);
	ck_assert_int_eq(n8061freed, 0);
	set.port = 0;
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), DP_KEYS_MAX_DECAP - 1);
	ck_assert_int_eq(n8061freed, 1);
	ck_assert_int_eq(n8061wiped, 1);
	rcu_thread_online();
	ck_assert_ptr_null(dp_keys_decap(MAPCACHE_AF_IPV4, a, 0));
	a[3] = 1;
	ck_assert_ptr_nonnull(dp_keys_decap_key(MAPCACHE_AF_IPV4, a, 0, 1));
	a[2] = 15;
	a[3] = 255;
	ck_assert_ptr_nonnull(dp_keys_decap_key(MAPCACHE_AF_IPV4, a, 0, 1));
	rcu_thread_offline();

	/* The freed slot is reused. */
	keyset8061(&set, itr_rloc, 0, DPIPC_SUITE_AES128_GCM, 2);
	ck_assert_int_eq(dp_keys_decap_set(&set), 0);
	ck_assert_uint_eq(dp_keys_decap_count(), DP_KEYS_MAX_DECAP);
	rcu_thread_online();
	ck_assert_ptr_nonnull(dp_keys_decap_key(MAPCACHE_AF_IPV4, itr_rloc,
	    0, 2));
	rcu_thread_offline();
	dp_keys_free_all();
	ck_assert_int_eq(n8061freed, DP_KEYS_MAX_DECAP + 1);
	ck_assert_int_eq(n8061wiped, DP_KEYS_MAX_DECAP + 1);
	lc8061_free_hook = NULL;
	log_setquiet(0);
}
END_TEST

static void
addr_of(uint8_t a[4], size_t i)
{
	a[0] = 10;
	a[1] = (uint8_t)(i >> 16);
	a[2] = (uint8_t)(i >> 8);
	a[3] = (uint8_t)i;
}

/*
 * Encapsulation slots: a new key for an RLOC keeps its slot; when all
 * DP_KEYS_MAX_SLOTS are taken the next RLOC gets none, until the gc
 * marks the slots no map-cache RLOC uses: they keep their keys (old
 * readers) until a new RLOC takes one, and only then is the old key
 * wiped and freed; an RLOC whose marked slot is still there gets it
 * back.
 */
START_TEST(test_encap_slots_gc)
{
	static uint8_t		 used[DP_KEYS_MAX_SLOTS / 8];
	struct dp_keyset	 set;
	struct lcrypto_key	*k;
	uint8_t			 a[4];
	size_t			 i;

	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	n8061freed = n8061wiped = 0;
	lc8061_free_hook = free_hook8061;
	log_setquiet(1);
	for (i = 0; i < DP_KEYS_MAX_SLOTS; i++) {
		addr_of(a, i);
		keyset8061(&set, a, 4341, DPIPC_SUITE_AES128_GCM, 1);
		ck_assert_uint_eq(dp_keys_encap_set(&set), i);
	}
	/* A rekey of an RLOC: same slot. */
	addr_of(a, 5);
	keyset8061(&set, a, 4341, DPIPC_SUITE_AES128_GCM, 2);
	ck_assert_uint_eq(dp_keys_encap_set(&set), 5);
	ck_assert_int_eq(n8061freed, 1);
	/* Full. */
	keyset8061(&set, itr_rloc, 4341, DPIPC_SUITE_AES128_GCM, 1);
	ck_assert_uint_eq(dp_keys_encap_set(&set), MAPCACHE_NO_KEY);
	/* Slots 7 and 9 are used by no map-cache entry. */
	memset(used, 0xff, sizeof(used));
	used[0] &= (uint8_t)~(1u << 7);
	used[1] &= (uint8_t)~(1u << 1);
	ck_assert_uint_eq(dp_keys_encap_gc(used), 2);
	ck_assert_uint_eq(dp_keys_encap_gc(used), 0);	/* marked already */
	ck_assert_int_eq(n8061freed, 1);
	rcu_thread_online();
	ck_assert_int_eq(dp_keys_encap_key(7, &k), 1);	/* still there */
	rcu_thread_offline();
	/* A new RLOC takes slot 7; its old key goes, wiped. */
	ck_assert_uint_eq(dp_keys_encap_set(&set), 7);
	ck_assert_int_eq(n8061freed, 2);
	ck_assert_int_eq(n8061wiped, 2);
	rcu_thread_online();
	ck_assert_ptr_nonnull(dp_keys_encap(7));
	ck_assert_mem_eq(dp_keys_encap(7)->addr, itr_rloc, 4);
	rcu_thread_offline();
	/* The RLOC of slot 9 comes back: its own slot again. */
	addr_of(a, 9);
	keyset8061(&set, a, 4341, DPIPC_SUITE_AES128_GCM, 1);
	ck_assert_uint_eq(dp_keys_encap_set(&set), 9);
	/* Nothing left. */
	keyset8061(&set, etr_rloc, 4341, DPIPC_SUITE_AES128_GCM, 1);
	ck_assert_uint_eq(dp_keys_encap_set(&set), MAPCACHE_NO_KEY);
	ck_assert_uint_eq(dp_keys_encap_count(), DP_KEYS_MAX_SLOTS);
	dp_keys_free_all();
	ck_assert_int_eq(n8061freed, DP_KEYS_MAX_SLOTS + 3);
	ck_assert_int_eq(n8061wiped, DP_KEYS_MAX_SLOTS + 3);
	lc8061_free_hook = NULL;
	log_setquiet(0);
}
END_TEST

static Suite *
dpcrypto_suite(void)
{
	Suite	*s = suite_create("dpcrypto");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_etr_kat, 0, 2);
	tcase_add_loop_test(tc, test_etr_port_fallback, 0, 2);
	tcase_add_loop_test(tc, test_etr_errors, 0, 2);
	tcase_add_test(tc, test_etr_poly_refused);
	tcase_add_loop_test(tc, test_itr_kat, 0, 2);
	tcase_add_test(tc, test_itr_no_port);
	tcase_add_test(tc, test_itr_refused);
	tcase_add_test(tc, test_itr_mtu);
	tcase_add_test(tc, test_key_replace);
	tcase_add_test(tc, test_cipher_rule);
	tcase_add_loop_test(tc, test_rfc8061_path, 0, 2);
	tcase_add_loop_test(tc, test_rfc8061_mtu, 0, 2);
	tcase_add_loop_test(tc, test_rfc8061_replace, 0, 2);
	tcase_add_loop_test(tc, test_rfc8061_three_ids_and_delete, 0, 2);
	tcase_add_test(tc, test_decap_fill_delete_reuse);
	tcase_add_test(tc, test_encap_slots_gc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(dpcrypto_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
