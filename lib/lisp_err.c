/* SPDX-License-Identifier: ISC */
#include <stddef.h>

#include "lisp_err.h"

static const char *const lisp_errstr[LISP_E_MAX] = {
	[LISP_OK]		= "no error",
	[LISP_E_TRUNC]		= "truncated",
	[LISP_E_TYPE]		= "unknown message type",
	[LISP_E_AFI]		= "unknown AFI",
	[LISP_E_LCAF]		= "malformed LCAF",
	[LISP_E_DEPTH]		= "LCAF nested too deep",
	[LISP_E_COUNT]		= "bad count",
	[LISP_E_LEN]		= "length field disagrees with data",
	[LISP_E_VALUE]		= "impossible field value",
	[LISP_E_TRAILING]	= "trailing bytes",
	[LISP_E_NOMEM]		= "out of memory",
	[LISP_E_SPACE]		= "output buffer too small",
	[LISP_E_AUTH]		= "authentication failed",
	[LISP_E_IP]		= "bad inner IP/UDP header",
};

const char *
lisp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= LISP_E_MAX || lisp_errstr[err] == NULL)
		return "unknown error";
	return lisp_errstr[err];
}
