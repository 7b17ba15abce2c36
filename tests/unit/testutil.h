/* SPDX-License-Identifier: ISC */
/*
 * Helpers shared by the codec unit tests: hex strings to bytes and the
 * capture table in tests/data/captures.hex.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int
tu_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse hex (spaces ignored) into a malloc'ed buffer; *len gets its size. */
static inline uint8_t *
tu_hex(const char *hex, size_t *len)
{
	uint8_t	*b = malloc(strlen(hex) / 2 + 1);
	size_t	 n = 0;
	int	 hi = -1, v;

	/*
	 * Plain checks and abort(), not ck_assert: this also runs outside
	 * a test (loading the table in main), where Check cannot report.
	 */
	if (b == NULL)
		abort();
	for (; *hex != '\0'; hex++) {
		if (*hex == ' ' || *hex == '\n')
			continue;
		if ((v = tu_nibble(*hex)) < 0) {
			fprintf(stderr, "bad hex digit '%c'\n", *hex);
			abort();
		}
		if (hi < 0)
			hi = v;
		else {
			b[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi != -1) {
		fprintf(stderr, "odd number of hex digits\n");
		abort();
	}
	*len = n;
	return b;
}

struct tu_frame {
	char	 name[64];
	char	 expect[16];
	uint8_t	*data;
	size_t	 len;
};

/* Load tests/data/captures.hex (run from the repository root). */
static inline size_t
tu_load_captures(struct tu_frame *fr, size_t max)
{
	static char	 line[8192];
	char		 hex[8192];
	FILE		*f;
	size_t		 n = 0;

	f = fopen("tests/data/captures.hex", "r");
	if (f == NULL) {
		fprintf(stderr, "tests/data/captures.hex: run from the "
		    "repository root\n");
		abort();
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (n >= max || sscanf(line, "%63s %15s %8191s", fr[n].name,
		    fr[n].expect, hex) != 3) {
			fprintf(stderr, "captures.hex: bad line %zu\n", n);
			abort();
		}
		fr[n].data = tu_hex(hex, &fr[n].len);
		n++;
	}
	fclose(f);
	return n;
}

static inline void
tu_free_captures(struct tu_frame *fr, size_t n)
{
	while (n-- > 0)
		free(fr[n].data);
}

/*
 * RFC 1071 the plain way, one 16-bit word at a time, as a reference
 * independent of the data plane's word-parallel lisp_net_cksum_add():
 * the folded, not complemented, one's complement sum of p[0..len)
 * added to sum.
 */
static inline uint16_t
tu_cksum_ref(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * xorshift64* (Vigna): reproducible test data from a fixed seed, the same
 * sequence every run; not for anything that must be unpredictable.
 */
static inline uint64_t
tu_xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

#endif /* TESTUTIL_H */
