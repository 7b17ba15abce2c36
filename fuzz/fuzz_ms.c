/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: ms_input() on a map-server with two sites.  Input:
 * one control byte (bit 0: source family, bits 1-7: clock step in
 * seconds), then the UDP payload.  The same map-server lives across
 * inputs, so registrations made by one input are looked up by later
 * ones; every answer it sends is decoded again and must be valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "config.h"
#include "lisp_msg.h"
#include "log.h"
#include "ms.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char conf_text[] =
    "# lispers.net lisp.config file, last changed: now\n"
    "lisp enable {\n    map-server = yes\n    map-resolver = yes\n"
    "    ddt-node = yes\n}\n"
    "lisp site {\n    site-name = s1\n"
    "    authentication-key = [1]key-one [2]second-key\n"
    "    allowed-prefix {\n        instance-id = 1001\n"
    "        eid-prefix = 10.1.0.0/16\n        accept-more-specifics = yes\n"
    "    }\n    allowed-prefix {\n        instance-id = 1000-1002\n"
    "        eid-prefix = fd00::/8\n        accept-more-specifics = yes\n"
    "    }\n}\n"
    "lisp site {\n    site-name = s2\n    authentication-key = password\n"
    "    allowed-prefix {\n        eid-prefix = 0.0.0.0/0\n"
    "        accept-more-specifics = yes\n        force-proxy-reply = yes\n"
    "    }\n    allowed-prefix {\n        eid-prefix = 0000-0000-0000/0\n"
    "        accept-more-specifics = yes\n    }\n}\n";

static struct ms	*ms;
static uint64_t		 now;

static int
check_send(void *arg, const uint8_t *p, size_t len,
    const struct sockaddr_storage *to)
{
	struct lisp_msg	 m;

	(void)arg;
	if (to->ss_family != AF_INET && to->ss_family != AF_INET6)
		abort();
	memset(&m, 0, sizeof(m));
	if (lisp_msg_decode(p, len, &m, NULL, NULL) != 0)
		abort();
	lisp_msg_free(&m);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss;
	struct lisp_config	*cfg;
	uint8_t			*pkt;
	int			 nerr;

	if (ms == NULL) {
		log_init(1, LOG_LVL_WARN, 0);
		log_setquiet(1);
		cfg = config_parse_buffer("fuzz", conf_text,
		    sizeof(conf_text) - 1, &nerr);
		if (cfg == NULL || nerr != 0 || (ms = ms_new(cfg)) == NULL)
			abort();
		config_free(cfg);
		ms_set_ratelimit(ms, 0, 0);
	}
	if (size < 1)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (data[0] & 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(4342);
		((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[15] = 1;
	} else {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(4342);
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(0xC0000201);
	}
	now += (uint64_t)(data[0] >> 1) * 1000;
	/* An exact-size heap copy, so ASan sees any overread. */
	if ((pkt = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(pkt, data + 1, size - 1);
	(void)ms_input(ms, pkt, size - 1, &ss, now, check_send, NULL);
	free(pkt);
	/* Cap the state so that a long run stays fast. */
	if (ms_nregs(ms) > 2000)
		(void)ms_expire(ms, UINT64_MAX - 1);
	return 0;
}
