/* SPDX-License-Identifier: ISC */
/*
 * Data-path benchmark without sockets: the daemon's per-packet functions
 * (dataplane/dp_path.c, as tools/lisp-replay runs them) on one core.
 *
 *   replay.encap.mpps		ITR: 64-byte inner IPv4/UDP packets, each
 *				to a random destination inside one of 1M
 *				map-cache prefixes, in batches of 64 (the
 *				worker's batch) through dp_itr_burst()
 *   replay.encap_single.mpps	the same, one dp_itr_frame() per packet
 *   replay.encap_1prefix.mpps	the same path with a one-prefix map-cache
 *				(the lookup always in cache)
 *   replay.decap.mpps		ETR: the LISP payloads of 64-byte inner
 *				packets to random local EIDs through
 *				dp_etr_packet()
 *   replay.copy.mpps		baseline of the same run: only the copy of
 *				each packet into a send slot and the emit
 *				call, the least any user-space forwarder does
 *   replay.encap_crypto.gbps	1400-byte inner packets through the ITR
 *				path (one-prefix map-cache) to an RLOC whose
 *				key slot holds an RFC 8061 key of the default
 *				native suite, 5 (AES-128-GCM, OpenSSL EVP):
 *				the data path encrypts in place (dp_crypto.c,
 *				lcrypto.c -> lc8061.c)
 *   replay.encap_crypto_aes128gcm.gbps	the same figure, named by suite
 *   replay.encap_crypto_chacha20.gbps	the same with a suite 6 key
 *				(libsodium's original ChaCha20-Poly1305)
 *   replay.raw_aead.gbps	libsodium's AEAD alone on the same sizes
 *				(AES-256-GCM with precomputed state, else
 *				ChaCha20-Poly1305), as bench_lcrypto's
 *				raw_aead.gbps, in the same run
 *   replay.encap_crypto_over_raw_aead	the ratio (target >= 0.8)
 *   replay.raw_chacha20poly1305.gbps	libsodium's original
 *				ChaCha20-Poly1305 alone (8-byte nonce, the
 *				16-byte AAD of suite 6): suite 6's primitive
 *   replay.encap_crypto_chacha20_over_raw_chacha20poly1305	the ratio
 *   replay.raw_aes128gcm.gbps	OpenSSL AES-128-GCM alone, 1400 bytes,
 *				keyed once (suite 5's and lcrypto's cipher)
 *   replay.encap_crypto_over_raw_aes128gcm	suite 5 over its own
 *				primitive: the part of the cost that is the
 *				path's, not the cipher's
 *
 * lispers.net's format (lcrypto.c: AES-128-GCM + HMAC-SHA-256/160 ICV,
 * keys from the lispers.net IPC), the same path and sizes:
 *   replay.encap_crypto_lispers.gbps	the ITR path with such a key
 *   replay.encap_crypto_lispers_over_raw_aead	the ratio
 *   replay.raw_hmac_sha256.gbps	libsodium HMAC-SHA-256 alone, 1400
 *				bytes, keyed state copied (lcrypto's ICV)
 *   replay.encap_crypto_lispers_ceiling.gbps	1 / (1/aes + 1/hmac): the
 *				most one core can do in lispers.net's format,
 *				two passes over every byte
 *   replay.encap_crypto_lispers_ceiling_over_raw_aead	that ceiling over
 *				raw_aead: whether >= 0.8 is reachable at all
 *   replay.encap_crypto_lispers_over_ceiling	encap_crypto_lispers over
 *				the ceiling: the part of the loss that is ours
 *   replay.raw_hmac_sha256_openssl.gbps	and the ceiling with it: the
 *				same HMAC on OpenSSL's SHA-256, for comparison
 *
 * BENCH_REPLAY_CRYPTO=1: the crypto figures only (no 2^20-prefix set-up).
 * BENCH_REPLAY_ENCAP=1: the two burst encap lines only (=1prefix or
 * =full: one of them, for callgrind --toggle-collect=dp_itr_burst).
 *
 * Packets are prepared in memory first (2^20 of them, 64 MiB, so that
 * they do not sit in the caches); the map-cache holds 2^20 IPv4 prefixes
 * of one instance-id generated here (random /16 roots; 10 % /16-/20,
 * 15 % /21-/23, 60 % /24, 15 % /32) with 64 shared RLOC sets of 1-4
 * RLOCs.  Output slots are recycled like the worker's send batch; emit
 * only records the packet.  Each figure is the median of PASSES passes
 * over all packets.  Fixed seeds; wall clock, so compare with the
 * baseline of the same run.
 */
#include <sys/socket.h>

#include <netinet/in.h>

/* SHA256_Init() and friends: the HMAC comparison figure only. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pcap/pcap.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu-qsbr.h>

#include "buf.h"
#include "config.h"
#include "lcrypto.h"
#include "decap.h"
#include "dp_keys.h"
#include "dp_path.h"
#include "dp_tables.h"
#include "dpipc.h"
#include "lisp_data.h"
#include "lisp_net.h"
#include "log.h"
#include "mapcache.h"
#include "pkt.h"

/* BENCH_REPLAY_SMALL=1 (for callgrind): 2^16 prefixes and packets. */
static unsigned int	 NPFX = 1u << 20;
static unsigned int	 NPKT = 1u << 20;
#define PKTLEN		64		/* inner IP packet */
#define PLLEN		(LISP_DATA_HDR_LEN + PKTLEN)	/* UDP payload */
#define PLSTRIDE	80
#define BATCH		64		/* the worker's DP_BATCH */
#define PASSES		5
#define NSETS		64
#define IID		100
#define AEAD_LEN	1400
#define AEAD_N		20000

static const char bench_conf[] =
"# lispers.net lisp.config file, last changed: bench\n"
"#-----------------------------------------------------------------------\n"
"lisp interface {\n"
"    interface-name = overlay\n"
"    device = eid0\n"
"    instance-id = 100\n"
"}\n"
"lisp database-mapping {\n"
"    prefix {\n"
"        instance-id = 100\n"
"        eid-prefix = 192.0.2.0/24\n"
"    }\n"
"    rloc {\n"
"        address = 203.0.113.1\n"
"        priority = 1\n"
"        weight = 100\n"
"    }\n"
"}\n";

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/*
 * CPU time of this thread: the VM is shared with other jobs (load 3-6 on
 * 2 vCPUs), and wall time would count the time others ran in our place.
 */
static uint64_t
cpu_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* --- the worker's send side, without the system call --------------------- */

struct sink {
	uint8_t		*slot[2][BATCH];
	unsigned int	 n[2];
	uint64_t	 pkts, bytes;
	uint64_t	 kk;		/* packets with KK != 0 */
};

static uint8_t *
sink_slot(void *arg, int af)
{
	struct sink	*s = arg;
	int		 f = af == AF_INET6;

	if (s->n[f] == BATCH)
		s->n[f] = 0;		/* "sendmmsg" */
	return s->slot[f][s->n[f]];
}

static void
sink_emit(void *arg, int af, const uint8_t *dst, int oif,
    const uint8_t *data, size_t len)
{
	struct sink	*s = arg;
	int		 f = af == AF_INET6;

	(void)dst;
	(void)oif;
	/* Outer IPv4 20 + UDP 8, then the LISP header: KK. */
	if (af == AF_INET && len > 36 && (data[28] & 3) != 0)
		s->kk++;
	/* What txq_add() keeps: pointer and length, one slot used. */
	s->bytes += len + data[len - 1];
	s->pkts++;
	if (s->n[f] < BATCH)
		s->n[f]++;
}

/* --- input --------------------------------------------------------------- */

struct pfx {
	uint32_t	 addr;		/* host order */
	uint8_t		 plen;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A 64-byte IPv4/UDP packet src -> dst with random ports. */
static void
mkpkt(uint8_t *p, uint32_t src, uint32_t dst)
{
	uint16_t	 ck;
	uint64_t	 r = rnd();

	memset(p, 0, PKTLEN);
	p[0] = 0x45;
	p[3] = PKTLEN;
	p[4] = (uint8_t)(r >> 40);
	p[5] = (uint8_t)(r >> 48);
	p[8] = 64;
	p[9] = 17;
	put32(p + 12, src);
	put32(p + 16, dst);
	ck = lisp_net_cksum(p, 20);
	p[10] = (uint8_t)(ck >> 8);
	p[11] = (uint8_t)ck;
	p[20] = (uint8_t)(0xC0 | (r & 0x3F));
	p[21] = (uint8_t)(r >> 8);
	p[22] = (uint8_t)(r >> 16);
	p[23] = (uint8_t)(r >> 24);
	p[25] = PKTLEN - 20;
	memset(p + 28, 0x5A, PKTLEN - 28);
}

static uint32_t
pfx_mask(uint8_t plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

/* NPFX unique IPv4 prefixes (open addressing on (addr, plen)). */
static struct pfx *
gen_prefixes(void)
{
	struct pfx	*v;
	uint64_t	*set, key, r;
	uint32_t	*roots, a;
	size_t		 n = 0, h, slots = (size_t)NPFX * 4;
	unsigned int	 k, x;
	uint8_t		 plen;

	v = calloc(NPFX, sizeof(*v));
	set = calloc(slots, sizeof(*set));
	roots = calloc(32768, sizeof(*roots));
	if (v == NULL || set == NULL || roots == NULL) {
		fprintf(stderr, "bench_replay: out of memory\n");
		exit(1);
	}
	for (k = 0; k < 32768; k++)
		roots[k] = (uint32_t)(rnd() >> 32) & 0xFFFF0000u;
	while (n < NPFX) {
		r = rnd();
		x = (unsigned int)(r % 100);
		if (x < 10)
			plen = (uint8_t)(16 + (r >> 8) % 5);
		else if (x < 25)
			plen = (uint8_t)(21 + (r >> 8) % 3);
		else if (x < 85)
			plen = 24;
		else
			plen = 32;
		a = (roots[(r >> 16) % 32768] | (uint32_t)(rnd() >> 48)) &
		    pfx_mask(plen);
		key = (uint64_t)a << 8 | plen;
		h = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) % slots;
		while (set[h] != 0 && set[h] != key + 1)
			h = (h + 1) % slots;
		if (set[h] != 0)
			continue;
		set[h] = key + 1;
		v[n].addr = a;
		v[n].plen = plen;
		n++;
	}
	free(set);
	free(roots);
	return v;
}

static void
load_mapcache(struct mapcache *mc, const struct pfx *v, size_t n)
{
	struct mapcache_rloc	 sets[NSETS][4];
	struct mapcache_prefix	 p;
	unsigned int		 nr[NSETS], s, k;
	size_t			 i;

	memset(sets, 0, sizeof(sets));
	for (s = 0; s < NSETS; s++) {
		nr[s] = 1 + (unsigned int)(rnd() % 4);
		for (k = 0; k < nr[s]; k++) {
			put32(sets[s][k].addr, 0xC6336400u |
			    (uint32_t)(1 + (s * 4 + k) % 254)); /* 198.51.100.x */
			sets[s][k].afi = MAPCACHE_AF_IPV4;
			sets[s][k].priority = 1;
			sets[s][k].weight = (uint8_t)(1 + rnd() % 100);
			sets[s][k].up = 1;
			sets[s][k].key_slot = MAPCACHE_NO_KEY;
		}
	}
	for (i = 0; i < n; i++) {
		memset(&p, 0, sizeof(p));
		p.iid = IID;
		p.afi = MAPCACHE_AF_IPV4;
		p.plen = v[i].plen;
		put32(p.addr, v[i].addr);
		s = (unsigned int)(rnd() % NSETS);
		if (mapcache_insert(mc, &p, MAPCACHE_POSITIVE, 86400, sets[s],
		    nr[s], 0) == -1) {
			fprintf(stderr, "bench_replay: mapcache_insert failed "
			    "at %zu\n", i);
			exit(1);
		}
	}
}

/* --- passes -------------------------------------------------------------- */

enum mode { M_COPY, M_SINGLE, M_BURST, M_DECAP };

static double
run_pass(struct dp_path *p, struct sink *sk, enum mode m, uint8_t *pkts,
    uint8_t *pl, const uint8_t *pl0, uint64_t *out)
{
	struct decap_outer	 o;
	struct dp_frame		 fr[BATCH];
	uint64_t		 t0, t1, before = sk->pkts;
	unsigned int		 i, k, nb;
	uint8_t			*s;

	if (m == M_DECAP)	/* fresh payloads: decap rewrites in place */
		memcpy(pl, pl0, (size_t)NPKT * PLSTRIDE);
	memset(&o, 0, sizeof(o));
	o.af = AF_INET;
	put32(o.src, 0xCB007102u);	/* 203.0.113.2 */
	put32(o.dst, 0xCB007101u);
	o.dport = 4341;
	o.ttl = 64;
	t0 = cpu_ns();
	for (i = 0; i < NPKT; i += BATCH) {
		nb = NPKT - i < BATCH ? NPKT - i : BATCH;
		switch (m) {
		case M_COPY:
			for (k = 0; k < nb; k++) {
				s = sk->slot[0][k];
				memcpy(s + ENCAP_HEADROOM,
				    pkts + (size_t)(i + k) * PKTLEN, PKTLEN);
				sink_emit(sk, AF_INET, s, 0,
				    s + ENCAP_HEADROOM, PKTLEN);
			}
			break;
		case M_SINGLE:
			for (k = 0; k < nb; k++)
				dp_itr_frame(p, 0, DLT_RAW,
				    pkts + (size_t)(i + k) * PKTLEN, PKTLEN,
				    PKTLEN);
			break;
		case M_BURST:
			for (k = 0; k < nb; k++) {
				fr[k].data = pkts + (size_t)(i + k) * PKTLEN;
				fr[k].caplen = fr[k].len = PKTLEN;
			}
			dp_itr_burst(p, 0, DLT_RAW, fr, nb);
			break;
		case M_DECAP:
			for (k = 0; k < nb; k++) {
				o.sport = (uint16_t)(49152 + ((i + k) & 0x3FFF));
				dp_etr_packet(p, &o,
				    pl + (size_t)(i + k) * PLSTRIDE, PLLEN);
			}
			break;
		}
		/* The worker's flush and quiescent state after a batch. */
		sk->n[0] = sk->n[1] = 0;
		mapcache_quiescent(p->mc, 0);
	}
	t1 = cpu_ns();
	*out = sk->pkts - before;
	return (double)NPKT / ((double)(t1 - t0) / 1e9) / 1e6;
}

/*
 * The figures' passes interleave (pass 1 of every mode, then pass 2,
 * ...), so that a change of machine load hits every mode alike; each
 * figure is the median of its passes.
 */
struct fig {
	const char	*name;
	struct dp_path	*p;
	enum mode	 m;
	uint8_t		*pkts;
	double		 v[PASSES];
	int		 failed;
};

static void
figures(struct fig *fg, unsigned int nf, struct sink *sk, uint8_t *pl,
    const uint8_t *pl0)
{
	uint64_t	 out = 0;
	unsigned int	 k, f;

	for (k = 0; k < PASSES; k++)
		for (f = 0; f < nf; f++) {
			if (fg[f].failed)
				continue;
			/* A new map-cache second: first use goes to the LRU
			 * ring, as in the daemon. */
			mapcache_expire(fg[f].p->mc, 10 + k, 0);
			fg[f].v[k] = run_pass(fg[f].p, sk, fg[f].m, fg[f].pkts,
			    pl, pl0, &out);
			if (getenv("BENCH_REPLAY_DEBUG") != NULL)
				fprintf(stderr, "%s pass %u %.3f\n",
				    fg[f].name, k, fg[f].v[k]);
			if (out != NPKT) {
				printf("%s: n/a (%llu of %u packets out)\n",
				    fg[f].name, (unsigned long long)out, NPKT);
				fg[f].failed = 1;
			}
		}
	for (f = 0; f < nf; f++)
		if (!fg[f].failed)
			printf("%s: %.2f Mpps\n", fg[f].name,
			    median(fg[f].v, PASSES));
	fflush(stdout);
}

/* libsodium alone, one pass over AEAD_N 1400-byte packets: Gbit/s. */
static double
raw_aead_pass(int aes, const crypto_aead_aes256gcm_state *st,
    const uint8_t *key, uint8_t *buf)
{
	uint8_t			 nonce[12];
	unsigned long long	 clen;
	uint64_t		 t0;
	unsigned int		 i;

	memset(nonce, 0, sizeof(nonce));
	t0 = cpu_ns();
	for (i = 0; i < AEAD_N; i++) {
		sodium_increment(nonce, sizeof(nonce));
		if (aes)
			crypto_aead_aes256gcm_encrypt_afternm(buf + 1600,
			    &clen, buf, AEAD_LEN, buf + 3200, 8, NULL, nonce,
			    st);
		else
			crypto_aead_chacha20poly1305_ietf_encrypt(buf + 1600,
			    &clen, buf, AEAD_LEN, buf + 3200, 8, NULL, nonce,
			    key);
	}
	return (double)AEAD_N * AEAD_LEN * 8 / (double)(cpu_ns() - t0);
}

/*
 * libsodium's original ChaCha20-Poly1305 alone, as suite 6 (lc8061) runs
 * it: 8-byte nonce, 16 bytes of AAD (LISP header and IV), detached tag.
 */
/* noinline: callgrind --toggle-collect=NAME */
static __attribute__((noinline)) double
raw_chacha_pass(const uint8_t *key, uint8_t *buf)
{
	uint8_t			 nonce[8];
	unsigned long long	 tlen;
	uint64_t		 t0;
	unsigned int		 i;

	memset(nonce, 0, sizeof(nonce));
	t0 = cpu_ns();
	for (i = 0; i < AEAD_N; i++) {
		sodium_increment(nonce, sizeof(nonce));
		crypto_aead_chacha20poly1305_encrypt_detached(buf + 1600,
		    buf + 3200, &tlen, buf, AEAD_LEN, buf + 3300, 16, NULL,
		    nonce, key);
	}
	return (double)AEAD_N * AEAD_LEN * 8 / (double)(cpu_ns() - t0);
}

/*
 * OpenSSL's AES-128-GCM alone, as lcrypto runs it: the context keyed
 * once, per packet a new IV, the 1400 bytes, the tag.  Gbit/s, or -1.
 */
/* noinline: callgrind --toggle-collect=NAME */
static __attribute__((noinline)) double
raw_gcm_pass(EVP_CIPHER_CTX *ctx, uint8_t *buf)
{
	uint8_t		 iv[12];
	uint64_t	 t0;
	unsigned int	 i;
	int		 n;

	memset(iv, 0, sizeof(iv));
	t0 = cpu_ns();
	for (i = 0; i < AEAD_N; i++) {
		sodium_increment(iv, sizeof(iv));
		if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
		    EVP_EncryptUpdate(ctx, buf + 1600, &n, buf, AEAD_LEN) != 1 ||
		    EVP_EncryptFinal_ex(ctx, buf + 1600 + n, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
		    buf + 3200) != 1)
			return -1;
	}
	return (double)AEAD_N * AEAD_LEN * 8 / (double)(cpu_ns() - t0);
}

/*
 * HMAC-SHA-256 alone over 1400 bytes, keyed once, the state copied per
 * packet: libsodium's (what lcrypto uses for the ICV) or, for
 * comparison, OpenSSL's SHA-256 (SHA extensions when the CPU has them)
 * in the same construction.
 */
/* noinline: callgrind --toggle-collect=NAME */
static __attribute__((noinline)) double
raw_hmac_pass(const crypto_auth_hmacsha256_state *key, const SHA256_CTX *oi,
    const SHA256_CTX *oo, uint8_t *buf)
{
	crypto_auth_hmacsha256_state	 st;
	SHA256_CTX			 c;
	uint8_t				 in[32];
	uint64_t			 t0;
	unsigned int			 i;

	t0 = cpu_ns();
	for (i = 0; i < AEAD_N; i++) {
		buf[0] = (uint8_t)i;
		if (key != NULL) {
			memcpy(&st, key, sizeof(st));
			crypto_auth_hmacsha256_update(&st, buf, AEAD_LEN);
			crypto_auth_hmacsha256_final(&st, buf + 3200);
		} else {
			c = *oi;
			SHA256_Update(&c, buf, AEAD_LEN);
			SHA256_Final(in, &c);
			c = *oo;
			SHA256_Update(&c, in, sizeof(in));
			SHA256_Final(buf + 3200, &c);
		}
	}
	return (double)AEAD_N * AEAD_LEN * 8 / (double)(cpu_ns() - t0);
}

/* ITR path with LISP-crypto at 1400 bytes, one pass over AEAD_N packets. */
static double
crypto_pass(struct dp_path *p, struct sink *sk, const uint8_t *pkts)
{
	struct dp_frame	 fr[BATCH];
	uint64_t	 t0;
	unsigned int	 i, k, nb;

	t0 = cpu_ns();
	for (i = 0; i < AEAD_N; i += BATCH) {
		nb = AEAD_N - i < BATCH ? AEAD_N - i : BATCH;
		for (k = 0; k < nb; k++) {
			fr[k].data = pkts + (size_t)((i + k) % 64) * AEAD_LEN;
			fr[k].caplen = fr[k].len = AEAD_LEN;
		}
		dp_itr_burst(p, 0, DLT_RAW, fr, nb);
		sk->n[0] = sk->n[1] = 0;
		mapcache_quiescent(p->mc, 0);
	}
	return (double)AEAD_N * AEAD_LEN * 8 / (double)(cpu_ns() - t0);
}

enum cfig {
	CF_ENCAP, CF_ENCAP_GCM, CF_ENCAP_CHACHA, CF_AEAD, CF_CHACHA, CF_GCM,
	CF_HMAC, CF_HMAC_OSSL, CF_MAX
};

/*
 * A path of its own for an RFC 8061 figure: a one-prefix map-cache
 * (0.0.0.0/0) to the RLOC rloc, whose key slot holds one random key of
 * suite (DPIPC_SUITE_AES128_GCM or _CHACHA20), as a map-cache add with
 * "cipher-suite" gives.  Writer side: the caller is RCU-offline.
 */
static struct dp_path *
c8061_path_new(unsigned int suite, uint32_t rloc, struct dp_path_io *io,
    struct dp_tables *t, struct mapcache **mcp)
{
	struct mapcache_config	 mcc;
	struct mapcache_prefix	 one;
	struct mapcache_rloc	 r;
	struct dp_keyset	 ks;
	struct dp_path		*p;

	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = 1;
	mcc.max_per_iid = 16;
	mcc.max_entries = 64;
	if ((*mcp = mapcache_new(&mcc)) == NULL)
		return NULL;
	memset(&ks, 0, sizeof(ks));
	ks.afi = MAPCACHE_AF_IPV4;
	put32(ks.addr, rloc);
	ks.port = 4341;
	ks.nkeys = 1;
	ks.keys[0].key_id = 1;
	ks.keys[0].suite = (uint8_t)suite;
	ks.keys[0].key_len = suite == DPIPC_SUITE_CHACHA20 ? 32 : 16;
	randombytes_buf(ks.keys[0].key, ks.keys[0].key_len);
	memset(&r, 0, sizeof(r));
	put32(r.addr, rloc);
	r.afi = MAPCACHE_AF_IPV4;
	r.priority = 1;
	r.weight = 100;
	r.up = 1;
	r.key_slot = dp_keys_encap_set(&ks);
	sodium_memzero(&ks, sizeof(ks));
	memset(&one, 0, sizeof(one));
	one.iid = IID;
	one.afi = MAPCACHE_AF_IPV4;
	if (r.key_slot == MAPCACHE_NO_KEY ||
	    mapcache_insert(*mcp, &one, MAPCACHE_POSITIVE, 86400, &r, 1, 0) ||
	    (p = dp_path_new(*mcp, 0, io)) == NULL) {
		mapcache_free(*mcp);
		*mcp = NULL;
		return NULL;
	}
	p->t = t;
	p->now = 1;
	return p;
}

/* One ITR crypto pass of path p; -1 (and a line) unless all encrypted. */
static double
crypto_pass_checked(struct dp_path *p, struct sink *sk, const uint8_t *pkts,
    const char *name)
{
	uint64_t	 before = sk->pkts;
	double		 v;

	sk->kk = 0;
	v = crypto_pass(p, sk, pkts);
	if (sk->pkts - before != AEAD_N || sk->kk != AEAD_N) {
		printf("%s: n/a (%llu of %u packets out, %llu encrypted)\n",
		    name, (unsigned long long)(sk->pkts - before), AEAD_N,
		    (unsigned long long)sk->kk);
		return -1;
	}
	return v;
}

/*
 * The crypto figures, passes interleaved, medians.  64 different
 * 1400-byte packets (one flow each) cycle through the ITR path of p1,
 * whose one RLOC has a key slot with a lispers.net-format key (dp_keys,
 * as a lispers.net map-cache add with keys gives), and through two
 * paths of their own with RFC 8061 keys (suites 5 and 6): the data path
 * encrypts in place (dp_crypto.c, lcrypto.c, lc8061.c).  The ceiling of
 * lispers.net's format on one core is two passes over every byte,
 * AES-128-GCM then HMAC-SHA-256: 1 / (1/gcm + 1/hmac); RFC 8061's is
 * the AEAD alone, one pass.
 */
static void
crypto_figures(struct dp_path *p1, struct sink *sk, struct dp_path_io *io,
    struct dp_tables *t)
{
	static const char *const encname[] = {
		[CF_ENCAP] = "replay.encap_crypto_lispers.gbps",
		[CF_ENCAP_GCM] = "replay.encap_crypto.gbps",
		[CF_ENCAP_CHACHA] = "replay.encap_crypto_chacha20.gbps",
	};
	crypto_aead_aes256gcm_state st;
	crypto_auth_hmacsha256_state hst;
	SHA256_CTX		 oi, oo;
	EVP_CIPHER_CTX		*ctx;
	struct dp_path		*pg = NULL, *pc = NULL;
	struct mapcache		*mcg = NULL, *mcc = NULL;
	uint8_t			 k16[16], k32[32], icv[20], pad[64], *pkts;
	uint8_t			*buf;
	double			 v[CF_MAX][PASSES], m[CF_MAX], ceil, ceil_o;
	unsigned int		 k, i, f;
	int			 aes;

	pkts = malloc((size_t)64 * AEAD_LEN);
	buf = malloc(4096);
	ctx = EVP_CIPHER_CTX_new();
	if (pkts == NULL || buf == NULL || ctx == NULL) {
		printf("replay.encap_crypto.gbps: n/a (set-up failed)\n");
		goto out;
	}
	/* Key tables and map-caches are written RCU-offline. */
	rcu_thread_offline();
	pg = c8061_path_new(DPIPC_SUITE_AES128_GCM, 0xC6336402u, io, t, &mcg);
	pc = c8061_path_new(DPIPC_SUITE_CHACHA20, 0xC6336403u, io, t, &mcc);
	rcu_thread_online();
	if (pg == NULL || pc == NULL) {
		printf("replay.encap_crypto.gbps: n/a (RFC 8061 path set-up "
		    "failed)\n");
		goto out;
	}
	for (i = 0; i < 64; i++) {
		uint8_t *q = pkts + (size_t)i * AEAD_LEN;

		mkpkt(q, 0xC0000200u | (i + 1), 0xC6336400u | (i + 1));
		q[2] = AEAD_LEN >> 8;
		q[3] = AEAD_LEN & 0xFF;
		q[10] = q[11] = 0;
		{
			uint16_t ck = lisp_net_cksum(q, 20);

			q[10] = (uint8_t)(ck >> 8);
			q[11] = (uint8_t)ck;
		}
		q[24] = (AEAD_LEN - 20) >> 8;
		q[25] = (AEAD_LEN - 20) & 0xFF;
		memset(q + 28, 0x5A, AEAD_LEN - 28);
	}
	memset(buf, 0x5A, 4096);
	randombytes_buf(k16, sizeof(k16));
	randombytes_buf(k32, sizeof(k32));
	randombytes_buf(icv, sizeof(icv));
	aes = crypto_aead_aes256gcm_is_available();
	if (aes)
		crypto_aead_aes256gcm_beforenm(&st, k32);
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, k16, NULL) != 1) {
		printf("replay.raw_aes128gcm.gbps: n/a (OpenSSL set-up)\n");
		goto out;
	}
	crypto_auth_hmacsha256_init(&hst, icv, sizeof(icv));
	/* RFC 2104 with OpenSSL's SHA-256: inner and outer keyed states. */
	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < sizeof(icv); i++)
		pad[i] ^= icv[i];
	SHA256_Init(&oi);
	SHA256_Update(&oi, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < sizeof(icv); i++)
		pad[i] ^= icv[i];
	SHA256_Init(&oo);
	SHA256_Update(&oo, pad, sizeof(pad));
	sodium_memzero(pad, sizeof(pad));

	for (k = 0; k < PASSES; k++) {
		for (f = 0; f < CF_MAX; f++) {
			switch (f) {
			case CF_ENCAP:
			case CF_ENCAP_GCM:
			case CF_ENCAP_CHACHA:
				v[f][k] = crypto_pass_checked(f == CF_ENCAP ?
				    p1 : f == CF_ENCAP_GCM ? pg : pc, sk, pkts,
				    encname[f]);
				if (v[f][k] < 0)
					goto out;
				break;
			case CF_AEAD:
				v[f][k] = raw_aead_pass(aes, &st, k32, buf);
				break;
			case CF_CHACHA:
				v[f][k] = raw_chacha_pass(k32, buf);
				break;
			case CF_GCM:
				v[f][k] = raw_gcm_pass(ctx, buf);
				break;
			case CF_HMAC:
				v[f][k] = raw_hmac_pass(&hst, NULL, NULL, buf);
				break;
			case CF_HMAC_OSSL:
				v[f][k] = raw_hmac_pass(NULL, &oi, &oo, buf);
				break;
			}
		}
	}
	for (f = 0; f < CF_MAX; f++)
		m[f] = median(v[f], PASSES);
	if (m[CF_GCM] <= 0) {
		printf("replay.raw_aes128gcm.gbps: n/a (OpenSSL failed)\n");
		goto out;
	}
	ceil = 1 / (1 / m[CF_GCM] + 1 / m[CF_HMAC]);
	ceil_o = 1 / (1 / m[CF_GCM] + 1 / m[CF_HMAC_OSSL]);
	/* RFC 8061, the default native suite first. */
	printf("replay.encap_crypto.gbps: %.2f Gbit/s (RFC 8061 suite 5, "
	    "AES-128-GCM)\n", m[CF_ENCAP_GCM]);
	printf("replay.encap_crypto_aes128gcm.gbps: %.2f Gbit/s\n",
	    m[CF_ENCAP_GCM]);
	printf("replay.encap_crypto_chacha20.gbps: %.2f Gbit/s (RFC 8061 "
	    "suite 6, ChaCha20-Poly1305)\n", m[CF_ENCAP_CHACHA]);
	printf("replay.raw_aead.gbps: %.2f Gbit/s (libsodium %s)\n",
	    m[CF_AEAD], aes ? "aes256gcm" : "chacha20poly1305_ietf");
	printf("replay.encap_crypto_over_raw_aead: %.2f x\n",
	    m[CF_ENCAP_GCM] / m[CF_AEAD]);
	printf("replay.raw_chacha20poly1305.gbps: %.2f Gbit/s (libsodium "
	    "original construction)\n", m[CF_CHACHA]);
	printf("replay.encap_crypto_chacha20_over_raw_chacha20poly1305: "
	    "%.2f x\n", m[CF_ENCAP_CHACHA] / m[CF_CHACHA]);
	printf("replay.raw_aes128gcm.gbps: %.2f Gbit/s (OpenSSL EVP)\n",
	    m[CF_GCM]);
	printf("replay.encap_crypto_over_raw_aes128gcm: %.2f x\n",
	    m[CF_ENCAP_GCM] / m[CF_GCM]);
	/* lispers.net's format. */
	printf("replay.encap_crypto_lispers.gbps: %.2f Gbit/s (AES-128-GCM "
	    "+ HMAC-SHA-256/160)\n", m[CF_ENCAP]);
	printf("replay.encap_crypto_lispers_over_raw_aead: %.2f x\n",
	    m[CF_ENCAP] / m[CF_AEAD]);
	printf("replay.raw_hmac_sha256.gbps: %.2f Gbit/s (libsodium)\n",
	    m[CF_HMAC]);
	printf("replay.encap_crypto_lispers_ceiling.gbps: %.2f Gbit/s "
	    "(1/(1/aes + 1/hmac))\n", ceil);
	printf("replay.encap_crypto_lispers_ceiling_over_raw_aead: %.2f x\n",
	    ceil / m[CF_AEAD]);
	printf("replay.encap_crypto_lispers_over_ceiling: %.2f x\n",
	    m[CF_ENCAP] / ceil);
	printf("replay.raw_hmac_sha256_openssl.gbps: %.2f Gbit/s (OpenSSL "
	    "SHA-256, for comparison)\n", m[CF_HMAC_OSSL]);
	printf("replay.encap_crypto_lispers_ceiling_openssl_hmac.gbps: %.2f "
	    "Gbit/s\n", ceil_o);
	printf("replay.encap_crypto_lispers_ceiling_openssl_hmac_over_raw_aead:"
	    " %.2f x\n", ceil_o / m[CF_AEAD]);
out:
	sodium_memzero(k16, sizeof(k16));
	sodium_memzero(k32, sizeof(k32));
	sodium_memzero(icv, sizeof(icv));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(&hst, sizeof(hst));
	OPENSSL_cleanse(&oi, sizeof(oi));
	OPENSSL_cleanse(&oo, sizeof(oo));
	EVP_CIPHER_CTX_free(ctx);
	dp_path_free(pg);
	dp_path_free(pc);
	rcu_thread_offline();
	mapcache_free(mcg);
	mapcache_free(mcc);
	rcu_thread_online();
	free(pkts);
	free(buf);
}

int
main(void)
{
	static char		 dev[4][IFNAMSIZ];
	struct mapcache_config	 mcc;
	struct mapcache_prefix	 one;
	struct mapcache_rloc	 r1, r2;
	struct dp_keyset	 ks;
	struct lisp_config	*cfg;
	struct dp_tables	*t;
	struct mapcache		*mc, *mc1, *mc2;
	struct dp_path		*p, *p1, *p2;
	struct dp_path_io	 io;
	struct sink		 sk;
	struct pfx		*v;
	struct wbuf		 wb;
	struct lisp_data_hdr	 h;
	uint8_t			*pkts, *pkts1, *pl, *pl0, key[16];
	uint32_t		 dst;
	int			 sister[4] = { 0 }, nerr = 0, conly, eonly;
	unsigned int		 ndev, i, f;
	uint64_t		 t0;
	const struct pfx	*x;

	log_init(1, LOG_LVL_WARN, 0);
	if (getenv("BENCH_REPLAY_SMALL") != NULL)
		NPFX = NPKT = 1u << 16;
	if ((conly = getenv("BENCH_REPLAY_CRYPTO") != NULL))
		NPFX = NPKT = 1u << 10;
	/* Only the two burst encap lines (the ITR's profile runs). */
	eonly = getenv("BENCH_REPLAY_ENCAP") != NULL;
	if (sodium_init() < 0)
		return 1;
	cfg = config_parse_buffer("bench", bench_conf, sizeof(bench_conf) - 1,
	    &nerr);
	if (cfg == NULL || nerr > 0)
		return 1;
	ndev = dp_tables_devices(cfg, dev, 4);
	if ((t = dp_tables_build(cfg, 1, (const char (*)[IFNAMSIZ])dev,
	    sister, ndev, NULL)) == NULL)
		return 1;
	memset(key, 0x42, sizeof(key));
	pkt_flow_hash_setkey(key);
	pkt_rand_seed(1);

	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = 1;
	mcc.max_per_iid = 2 * NPFX;
	rcu_register_thread();
	rcu_thread_offline();
	if ((mc = mapcache_new(&mcc)) == NULL ||
	    (mc1 = mapcache_new(&mcc)) == NULL ||
	    (mc2 = mapcache_new(&mcc)) == NULL)
		return 1;
	v = gen_prefixes();
	t0 = mono_ns();
	load_mapcache(mc, v, NPFX);
	if (!conly) {
		printf("replay.prefixes: %u count\n", NPFX);
		printf("replay.load_s: %.1f s\n",
		    (double)(mono_ns() - t0) / 1e9);
	}

	memset(&one, 0, sizeof(one));
	one.iid = IID;
	one.afi = MAPCACHE_AF_IPV4;
	one.plen = 0;			/* 0.0.0.0/0: everything */
	memset(&r1, 0, sizeof(r1));
	put32(r1.addr, 0xC6336401u);
	r1.afi = MAPCACHE_AF_IPV4;
	r1.priority = 1;
	r1.weight = 100;
	r1.up = 1;
	r1.key_slot = MAPCACHE_NO_KEY;
	if (mapcache_insert(mc1, &one, MAPCACHE_POSITIVE, 86400, &r1, 1, 0))
		return 1;
	/* The same RLOC with a LISP-crypto key, as a map-cache add gives. */
	dp_keys_setup(1, LCRYPTO_AES128_GCM);
	memset(&ks, 0, sizeof(ks));
	ks.afi = MAPCACHE_AF_IPV4;
	memcpy(ks.addr, r1.addr, 4);
	ks.port = 4341;
	ks.nkeys = 1;
	ks.keys[0].key_id = 1;
	ks.keys[0].key_len = 16;
	ks.keys[0].icv_len = LCRYPTO_ICV_KEY_LEN;
	randombytes_buf(ks.keys[0].key, sizeof(ks.keys[0].key));
	randombytes_buf(ks.keys[0].icv, sizeof(ks.keys[0].icv));
	r2 = r1;
	r2.key_slot = dp_keys_encap_set(&ks);
	sodium_memzero(&ks, sizeof(ks));
	if (r2.key_slot == MAPCACHE_NO_KEY ||
	    mapcache_insert(mc2, &one, MAPCACHE_POSITIVE, 86400, &r2, 1, 0))
		return 1;
	rcu_thread_online();

	/* Inner packets: local source, destination in a random prefix. */
	pkts = malloc((size_t)NPKT * PKTLEN);
	pkts1 = malloc((size_t)NPKT * PKTLEN);
	pl0 = malloc((size_t)NPKT * PLSTRIDE);
	pl = malloc((size_t)NPKT * PLSTRIDE);
	if (pkts == NULL || pkts1 == NULL || pl == NULL || pl0 == NULL)
		return 1;
	for (i = 0; i < NPKT; i++) {
		x = &v[rnd() % NPFX];
		dst = x->addr | ((uint32_t)rnd() & ~pfx_mask(x->plen));
		mkpkt(pkts + (size_t)i * PKTLEN,
		    0xC0000200u | (uint32_t)(1 + rnd() % 254), dst);
	}
	memcpy(pkts1, pkts, (size_t)NPKT * PKTLEN);
	/* ETR: LISP payloads of packets from remote EIDs to local ones. */
	for (i = 0; i < NPKT; i++) {
		uint8_t *q = pl0 + (size_t)i * PLSTRIDE;

		wbuf_init(&wb, q, LISP_DATA_HDR_LEN);
		memset(&h, 0, sizeof(h));
		h.flags = LISP_DATA_N | LISP_DATA_I;
		h.nonce = (uint32_t)rnd();
		h.iid = IID;
		lisp_data_hdr_encode(&wb, &h);
		x = &v[rnd() % NPFX];
		mkpkt(q + LISP_DATA_HDR_LEN, x->addr,
		    0xC0000200u | (uint32_t)(1 + rnd() % 254));
	}
	free(v);

	memset(&sk, 0, sizeof(sk));
	for (f = 0; f < 2; f++)
		for (i = 0; i < BATCH; i++)
			if ((sk.slot[f][i] = malloc(DP_SLOT_SIZE)) == NULL)
				return 1;
	memset(&io, 0, sizeof(io));
	io.slot = sink_slot;
	io.emit = sink_emit;
	io.arg = &sk;
	if ((p = dp_path_new(mc, 0, &io)) == NULL ||
	    (p1 = dp_path_new(mc1, 0, &io)) == NULL ||
	    (p2 = dp_path_new(mc2, 0, &io)) == NULL)
		return 1;
	p->t = p1->t = p2->t = t;
	p->now = p1->now = p2->now = 1;

	if (!conly) {
		struct fig fg[] = {
			{ "replay.copy.mpps", p, M_COPY, pkts, { 0 }, 0 },
			{ "replay.encap_1prefix.mpps", p1, M_BURST, pkts1,
			    { 0 }, 0 },
			{ "replay.encap_single.mpps", p, M_SINGLE, pkts,
			    { 0 }, 0 },
			{ "replay.encap.mpps", p, M_BURST, pkts, { 0 }, 0 },
			{ "replay.decap.mpps", p, M_DECAP, pkts, { 0 }, 0 },
		};

		struct fig fe[] = {
			{ "replay.encap_1prefix.mpps", p1, M_BURST, pkts1,
			    { 0 }, 0 },
			{ "replay.encap.mpps", p, M_BURST, pkts, { 0 }, 0 },
		};

		if (eonly && strcmp(getenv("BENCH_REPLAY_ENCAP"), "1prefix") == 0)
			figures(fe, 1, &sk, pl, pl0);
		else if (eonly && strcmp(getenv("BENCH_REPLAY_ENCAP"), "full") == 0)
			figures(fe + 1, 1, &sk, pl, pl0);
		else if (eonly)
			figures(fe, sizeof(fe) / sizeof(fe[0]), &sk, pl, pl0);
		else
			figures(fg, sizeof(fg) / sizeof(fg[0]), &sk, pl, pl0);
	}
	if (!eonly)
		crypto_figures(p2, &sk, &io, t);

	dp_path_free(p);
	dp_path_free(p1);
	dp_path_free(p2);
	for (f = 0; f < 2; f++)
		for (i = 0; i < BATCH; i++)
			free(sk.slot[f][i]);
	free(pkts);
	free(pkts1);
	free(pl);
	free(pl0);
	rcu_thread_offline();
	mapcache_free(mc);
	mapcache_free(mc1);
	mapcache_free(mc2);
	dp_keys_free_all();
	rcu_unregister_thread();
	dp_tables_free(t);
	config_free(cfg);
	return 0;
}
