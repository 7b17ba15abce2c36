/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: lisp-decode's per-frame path (lib/lisp_pcapdec),
 * text and JSON output, with and without a key.  The first byte picks
 * the link type and mode; the rest is the captured frame.  The input is
 * a UDP payload when seeded from the captures, so one link type (6,
 * below) wraps it in IPv4/UDP to port 4342 or 4341 first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "lisp_pcapdec.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int dlts[8] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL,
	DLT_LOOP, -1, DLT_IPV6,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Output is not the point; keep libFuzzer's stderr readable. */
	if (freopen("/dev/null", "w", stdout) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	 ip[28] = {
		0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 192, 0, 2, 2,
		0xee, 0x48, 0x10, 0xf6, 0, 0, 0, 0,
	};
	struct lisp_pcapdec	 d;
	uint8_t			*buf;
	size_t			 n;
	int			 dlt, flip;

	if (size < 1)
		return 0;
	memset(&d, 0, sizeof(d));
	d.json = data[0] & 0x08;
	if (data[0] & 0x10) {
		d.key = (const uint8_t *)"password";
		d.keylen = 8;
	}
	dlt = dlts[data[0] & 0x07];
	flip = (data[0] & 0x20) != 0;	/* data port / truncated frame */
	data++;
	size--;
	if (dlt == -1) {
		/* UDP payload: wrap it (IPv4 total/UDP lengths filled in). */
		n = sizeof(ip) + size;
		if (n > 0xFFFF || (buf = malloc(n)) == NULL)
			return 0;
		memcpy(buf, ip, sizeof(ip));
		buf[2] = (uint8_t)(n >> 8);
		buf[3] = (uint8_t)n;
		buf[23] = flip ? 0xf5 : 0xf6;
		buf[24] = (uint8_t)((n - 20) >> 8);
		buf[25] = (uint8_t)(n - 20);
		memcpy(buf + sizeof(ip), data, size);
		lisp_pcapdec_packet(&d, DLT_RAW, buf, (uint32_t)n, (uint32_t)n);
		free(buf);
		return 0;
	}
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	lisp_pcapdec_packet(&d, dlt, buf, (uint32_t)size,
	    (uint32_t)size + (uint32_t)flip);
	free(buf);
	return 0;
}
