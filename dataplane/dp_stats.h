/* SPDX-License-Identifier: ISC */
/*
 * Why the data path dropped (or ignored) a packet.  One enum for the ITR
 * and ETR paths and for the daemon's per-thread counters: every function
 * of encap, decap and pkt returns one of these, DP_DROP_NONE when the
 * packet goes on.
 *
 * Names are the counter names shown by lispctl and sent in the
 * lispers.net `decap-statistics` IPC message.  Where the legacy lisp-ztr
 * had a decap counter for the same condition, its name is kept exactly
 * (case included: `ICV-error`); dp_drop_decap_stat() says under which of
 * those seven names a reason is reported to lispers.net.
 */
#ifndef DP_STATS_H
#define DP_STATS_H

enum dp_drop {
	DP_DROP_NONE = 0,	/* good-packets */
	DP_DROP_BAD_HEADER,	/* lisp-header-error: short LISP header */
	DP_DROP_ICV,		/* ICV-error: LISP-crypto ICV mismatch */
	DP_DROP_CHECKSUM,	/* checksum-error: outer IPv4/UDP checksum */
	DP_DROP_NO_DECRYPT_KEY,	/* no-decrypt-key: KK != 0, no key */
	DP_DROP_BAD_INNER,	/* bad-inner-version: not IPv4/IPv6/GPE IP */
	DP_DROP_OUTER_HEADER,	/* outer-header-error: outer IP/UDP broken */
	DP_DROP_INNER_HEADER,	/* inner-header-error: inner IP truncated */
	DP_DROP_DECRYPT,	/* decrypt-error: AEAD open failed */
	DP_DROP_CONTROL_IID,	/* control-iid: IID 0xFFFFFF, ignored */
	DP_DROP_NOT_LOCAL_EID,	/* not-local-eid: ETR dst not ours */
	DP_DROP_SOURCE_NOT_LOCAL, /* source-not-local: ITR src not ours */
	DP_DROP_NO_MAPPING,	/* no-mapping: map-cache miss */
	DP_DROP_NEGATIVE,	/* negative-mapping: drop action */
	DP_DROP_QUEUE_FULL,	/* queue-full: miss queue overflow */
	DP_DROP_TTL_EXPIRED,	/* ttl-expired */
	DP_DROP_TOO_BIG,	/* too-big: over the path MTU */
	DP_DROP_ECN,		/* ecn-drop: Not-ECT inner, CE outer */
	DP_DROP_NO_BUFFER,	/* no-buffer: headroom or room short */
	DP_DROP_NO_ENCRYPT_KEY,	/* no-encrypt-key: RLOC keys all refused */
	DP_DROP_ENCRYPT,	/* encrypt-error: LISP-crypto encrypt failed */
	DP_DROP_MAX
};

/* Counter name of a reason ("good-packets" for DP_DROP_NONE). */
const char	*dp_drop_name(enum dp_drop);
/*
 * The lispers.net decap-statistics key a reason is reported under, or
 * NULL when it is not a decapsulation counter there.
 */
const char	*dp_drop_decap_stat(enum dp_drop);

#endif /* DP_STATS_H */
