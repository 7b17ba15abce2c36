/* SPDX-License-Identifier: ISC */
/*
 * Decode/encode error codes shared by every LISP codec.  Functions return
 * 0 on success or the negated code; lisp_strerror() names a code for the
 * error lines of tools and the rate-limited logs of the daemon.
 */
#ifndef LISP_ERR_H
#define LISP_ERR_H

enum lisp_err {
	LISP_OK = 0,
	LISP_E_TRUNC,		/* message shorter than a field it declares */
	LISP_E_TYPE,		/* unknown or unexpected message type */
	LISP_E_AFI,		/* unknown AFI (RFC 9301 5.1: drop) */
	LISP_E_LCAF,		/* malformed LCAF body */
	LISP_E_DEPTH,		/* LCAF nesting too deep */
	LISP_E_COUNT,		/* a count is zero or exceeds a limit */
	LISP_E_LEN,		/* a length field disagrees with the data */
	LISP_E_VALUE,		/* a field holds an impossible value */
	LISP_E_TRAILING,	/* bytes left after the last element */
	LISP_E_NOMEM,		/* allocation failed */
	LISP_E_SPACE,		/* encoder: output buffer too small */
	LISP_E_AUTH,		/* authentication data does not verify */
	LISP_E_IP,		/* bad inner IP/UDP header (ECM) */
	LISP_E_MAX
};

const char *lisp_strerror(int err);

#endif /* LISP_ERR_H */
