/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto on the data path: the glue between the key tables
 * (dp_keys.h) and packet crypto (lcrypto.h: lispers.net's construction,
 * or RFC 8061's through lc8061.h for keys that came with cipher suite 5
 * or 6), for dp_path.c.  I/O-free; the callers are RCU readers (workers,
 * replay).  The suite is a property of the key: an RLOC whose keys are
 * RFC 8061 keys is sent that way, a decap key set's key-id (KK) picks
 * a key of either kind.  An RFC 8061 tag that does not verify counts as
 * ICV-error (the tag is the AEAD's ICV).
 *
 * ITR: an RLOC whose key slot holds keys is sent encrypted (KK = key-id,
 * lcrypto slot = worker index) from the itr-crypto-port when lispers.net
 * gave one (a lispers.net ETR stores its decap keys under "our address:
 * that port", compat 1.4); keys that lcrypto refused make the RLOC
 * unusable (no-encrypt-key), never a fallback to plaintext.
 *
 * ETR: KK != 0 -> decap key by (outer source, source port), else by the
 * source alone; none -> no-decrypt-key.  lcrypto_decrypt() checks the ICV
 * (constant time) -> ICV-error, then decrypts and checks the GCM tag ->
 * decrypt-error (reported to lispers.net as ICV-error).  The plaintext
 * replaces the ciphertext in the caller's buffer and the LISP header is
 * moved in front of it with KK cleared, so decap_packet() then runs on an
 * ordinary packet.
 *
 * Encapsulation cipher (the IPC does not say which, see DECISIONS.md):
 *   1. LISPZTR_CRYPTO_CIPHER = aes-128-gcm | aes-128-cbc, when set;
 *   2. else lispers.net's own rule when one of its variables is present
 *      (LISP_USE_CHACHA -> refused, LISP_USE_AES_GCM -> GCM): lisp-ztr
 *      started in lispers.net's environment follows it;
 *   3. else AES-128-GCM, what EVE's lispers.net uses.
 */
#ifndef DP_CRYPTO_H
#define DP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "decap.h"
#include "dp_stats.h"
#include "encap.h"
#include "lcrypto.h"

/*
 * Make and free one key of each cipher, so that libcrypto has loaded its
 * configuration and providers before the process is sandboxed.
 */
void		 dp_crypto_preload(void);

/* The rule above; *why names the source (for a log line). */
enum lcrypto_cipher dp_crypto_cipher(const char **why);

/* itr-crypto-port: UDP source of encrypted packets; 0 = flow hash. */
void		 dp_crypto_set_port(uint16_t);
uint16_t	 dp_crypto_port(void);

/*
 * ITR: prepare ep for the RLOC's key slot (MAPCACHE_NO_KEY: nothing to
 * do).  tail = bytes writable after the inner packet.  DP_DROP_NONE or
 * DP_DROP_NO_ENCRYPT_KEY.
 */
enum dp_drop	 dp_crypto_encap(unsigned int wslot, uint16_t key_slot,
		    size_t tail, struct encap_params *ep);

/*
 * ETR: *payload (writable, *len bytes, LISP header first): when KK != 0
 * (and the IID is not lispers.net's control IID), decrypt it in place.
 * On DP_DROP_NONE *payload and *len describe a plain LISP packet (header
 * with KK = 0, then the inner packet) inside the original buffer; a
 * packet without KK, or one too short for a header, is left unchanged
 * for decap_packet() to judge.
 */
enum dp_drop	 dp_crypto_decap(unsigned int wslot,
		    const struct decap_outer *o, uint8_t **payload,
		    size_t *len);

#endif /* DP_CRYPTO_H */
