/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "lisp_text.h"

int
lisp_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
lisp_mac_parse(const char *s, uint8_t mac[6])
{
	int	 i, hi, lo;

	if (strlen(s) != 14 || s[4] != '-' || s[9] != '-')
		return -1;
	for (i = 0; i < 6; i++) {
		/* Two bytes per group, groups five characters apart. */
		const char *p = s + (i / 2) * 5 + (i % 2) * 2;

		if ((hi = lisp_hexval(p[0])) < 0 || (lo = lisp_hexval(p[1])) < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
