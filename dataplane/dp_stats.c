/* SPDX-License-Identifier: ISC */
#include <stddef.h>

#include "dp_stats.h"

static const struct {
	const char	*name;
	const char	*decap_stat;
} dp_drop_tab[DP_DROP_MAX] = {
	[DP_DROP_NONE] =		{ "good-packets", "good-packets" },
	[DP_DROP_BAD_HEADER] =		{ "lisp-header-error",
					  "lisp-header-error" },
	[DP_DROP_ICV] =			{ "ICV-error", "ICV-error" },
	[DP_DROP_CHECKSUM] =		{ "checksum-error", "checksum-error" },
	[DP_DROP_NO_DECRYPT_KEY] =	{ "no-decrypt-key", "no-decrypt-key" },
	[DP_DROP_BAD_INNER] =		{ "bad-inner-version",
					  "bad-inner-version" },
	[DP_DROP_OUTER_HEADER] =	{ "outer-header-error",
					  "outer-header-error" },
	/*
	 * lispers.net has no counter for a truncated inner packet; it is
	 * "not a usable inner IP packet", like a bad version.
	 */
	[DP_DROP_INNER_HEADER] =	{ "inner-header-error",
					  "bad-inner-version" },
	/* The legacy DP dropped AEAD failures uncounted; ICV is closest. */
	[DP_DROP_DECRYPT] =		{ "decrypt-error", "ICV-error" },
	[DP_DROP_CONTROL_IID] =		{ "control-iid", NULL },
	[DP_DROP_NOT_LOCAL_EID] =	{ "not-local-eid", NULL },
	[DP_DROP_SOURCE_NOT_LOCAL] =	{ "source-not-local", NULL },
	[DP_DROP_NO_MAPPING] =		{ "no-mapping", NULL },
	[DP_DROP_NEGATIVE] =		{ "negative-mapping", NULL },
	[DP_DROP_QUEUE_FULL] =		{ "queue-full", NULL },
	[DP_DROP_TTL_EXPIRED] =		{ "ttl-expired", NULL },
	[DP_DROP_TOO_BIG] =		{ "too-big", NULL },
	[DP_DROP_ECN] =			{ "ecn-drop", NULL },
	[DP_DROP_NO_BUFFER] =		{ "no-buffer", NULL },
	[DP_DROP_NO_ENCRYPT_KEY] =	{ "no-encrypt-key", NULL },
	[DP_DROP_ENCRYPT] =		{ "encrypt-error", NULL },
};

const char *
dp_drop_name(enum dp_drop d)
{
	if ((unsigned)d >= DP_DROP_MAX)
		return "unknown";
	return dp_drop_tab[d].name;
}

const char *
dp_drop_decap_stat(enum dp_drop d)
{
	if ((unsigned)d >= DP_DROP_MAX)
		return NULL;
	return dp_drop_tab[d].decap_stat;
}
