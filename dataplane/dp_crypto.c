/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto on the data path (see dp_crypto.h).
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "buf.h"
#include "dp_crypto.h"
#include "dp_keys.h"
#include "dpipc.h"
#include "lisp_data.h"
#include "log.h"
#include "mapcache.h"

static uint16_t	dp_crypto_sport;

void
dp_crypto_preload(void)
{
	static const uint8_t	 zero[LCRYPTO_ICV_KEY_LEN];
	struct lcrypto_key	*k;
	int			 err;

	k = lcrypto_key_new(1, zero, zero, sizeof(zero), LCRYPTO_AES128_GCM,
	    LCRYPTO_ENCAP | LCRYPTO_DECAP, 1, &err);
	lcrypto_key_free(k);
	k = lcrypto_key_new(1, zero, zero, sizeof(zero), LCRYPTO_AES128_CBC,
	    LCRYPTO_ENCAP | LCRYPTO_DECAP, 1, &err);
	lcrypto_key_free(k);
	k = lcrypto_key_new_rfc8061(1, DPIPC_SUITE_AES128_GCM, zero, 16,
	    LCRYPTO_ENCAP | LCRYPTO_DECAP, 1, &err);
	lcrypto_key_free(k);
}

enum lcrypto_cipher
dp_crypto_cipher(const char **why)
{
	const char	*v = getenv("LISPZTR_CRYPTO_CIPHER");

	if (v != NULL && *v != '\0') {
		*why = "LISPZTR_CRYPTO_CIPHER";
		if (strcasecmp(v, "aes-128-cbc") == 0 ||
		    strcasecmp(v, "cbc") == 0)
			return LCRYPTO_AES128_CBC;
		if (strcasecmp(v, "aes-128-gcm") == 0 ||
		    strcasecmp(v, "gcm") == 0)
			return LCRYPTO_AES128_GCM;
		log_warnx("LISPZTR_CRYPTO_CIPHER=%s: not aes-128-gcm or "
		    "aes-128-cbc, using aes-128-gcm", v);
		return LCRYPTO_AES128_GCM;
	}
	if (getenv("LISP_USE_CHACHA") != NULL ||
	    getenv("LISP_USE_AES_GCM") != NULL) {
		*why = "lispers.net environment";
		return lcrypto_cipher_from_env();
	}
	*why = "default (EVE)";
	return LCRYPTO_AES128_GCM;
}

void
dp_crypto_set_port(uint16_t port)
{
	__atomic_store_n(&dp_crypto_sport, port, __ATOMIC_RELAXED);
}

uint16_t
dp_crypto_port(void)
{
	return __atomic_load_n(&dp_crypto_sport, __ATOMIC_RELAXED);
}

enum dp_drop
dp_crypto_encap(unsigned int wslot, uint16_t key_slot, size_t tail,
    struct encap_params *ep)
{
	struct lcrypto_key	*k;

	if (key_slot == MAPCACHE_NO_KEY)
		return DP_DROP_NONE;
	switch (dp_keys_encap_key(key_slot, &k)) {
	case 0:
		return DP_DROP_NONE;
	case 1:
		ep->ckey = k;
		ep->cslot = wslot;
		ep->ctail = tail;
		ep->sport = dp_crypto_port();
		return DP_DROP_NONE;
	default:
		return DP_DROP_NO_ENCRYPT_KEY;
	}
}

static enum dp_drop
decrypt_error(int n)
{
	switch (-n) {
	case LCRYPTO_E_ICV:
		return DP_DROP_ICV;
	case LCRYPTO_E_CHACHA:
		/* Authenticated, but a cipher we cannot run. */
		LOG_RL(LOG_LVL_WARN, "lisp-crypto packet refused: %s",
		    lcrypto_strerror(n));
		return DP_DROP_DECRYPT;
	case LCRYPTO_E_SPACE:
		return DP_DROP_NO_BUFFER;
	default:
		LOG_RL(LOG_LVL_DEBUG, "lisp-crypto decrypt: %s",
		    lcrypto_strerror(n));
		return DP_DROP_DECRYPT;
	}
}

enum dp_drop
dp_crypto_decap(unsigned int wslot, const struct decap_outer *o,
    uint8_t **payload, size_t *len)
{
	struct lisp_data_hdr	 h;
	struct lcrypto_key	*k;
	struct rbuf		 rb;
	struct wbuf		 wb;
	uint8_t			*p = *payload;
	uint8_t			 hb[LISP_DATA_HDR_LEN - 1];
	size_t			 ivl;
	int			 n;

	rbuf_init(&rb, p, *len);
	if (rbuf_skip(&rb, 1) == -1 ||
	    rbuf_get_bytes(&rb, hb, LISP_DATA_HDR_LEN - 1) == -1)
		return DP_DROP_NONE;	/* decap_packet() counts it */
	rbuf_init(&rb, p, *len);
	if (lisp_data_hdr_decode(&rb, &h) == -1 ||
	    (h.flags & LISP_DATA_KK) == 0 ||
	    (h.flags & LISP_DATA_I && h.iid == LISP_IID_CONTROL))
		return DP_DROP_NONE;	/* decap_packet() decides */
	k = dp_keys_decap_key(o->af == AF_INET ? MAPCACHE_AF_IPV4 :
	    MAPCACHE_AF_IPV6, o->src, o->sport, h.flags & LISP_DATA_KK);
	if (k == NULL)
		return DP_DROP_NO_DECRYPT_KEY;
	/*
	 * In place: the plaintext goes where the ciphertext starts.  A
	 * length no cipher fits gives ivl 0; lcrypto_decrypt() then still
	 * checks the ICV first and fails on the length without writing.
	 */
	ivl = lcrypto_iv_len_of(k, *len);
	if (*len < LISP_DATA_HDR_LEN + ivl)
		return DP_DROP_BAD_HEADER;
	n = lcrypto_decrypt(k, wslot, p, *len, p + LISP_DATA_HDR_LEN + ivl,
	    *len - LISP_DATA_HDR_LEN - ivl);
	if (n < 0)
		return decrypt_error(n);
	/*
	 * The header in front of the plaintext, as a plain packet's: the
	 * same bytes (reserved bits kept) with KK cleared.
	 */
	wbuf_init(&wb, p + ivl, LISP_DATA_HDR_LEN);
	wbuf_put_u8(&wb, (uint8_t)(h.flags & ~LISP_DATA_KK));
	wbuf_put_bytes(&wb, hb, LISP_DATA_HDR_LEN - 1);
	if (wbuf_failed(&wb))
		return DP_DROP_BAD_HEADER;
	*payload = p + ivl;
	*len = LISP_DATA_HDR_LEN + (size_t)n;
	return DP_DROP_NONE;
}
