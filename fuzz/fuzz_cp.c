/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the control plane's input path (control/cp.c's
 * dispatch through the harness of control/cp.h) on two control planes
 * that live across inputs: an xTR (ITR + ETR with RLOC probing, a
 * map-resolver and a map-server) and a map-server/map-resolver.
 *
 * Input: one control byte, then the payload.
 *   bit 0     which control plane (0 xTR, 1 map-server)
 *   bit 1     source family (IPv4 from 198.51.100.100, the resolver and
 *             map-server of the xTR, or IPv6)
 *   bit 2     the payload is a data-plane record (JSON), not UDP 4342
 *   bits 3-7  clock step in tenths of a second, then one tick
 * Nonces come from a counter, so that answers to what the xTR sent can
 * be found.  Every control packet sent must decode again, and every
 * record for the data plane must be valid lispers.net IPC.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cp.h"
#include "dpipc.h"
#include "lisp_msg.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char xtr_conf[] =
    "lisp xtr-parameters {\n    rloc-probing = yes\n"
    "    data-plane-security = yes\n}\n"
    "lisp map-resolver {\n    address = 198.51.100.100\n}\n"
    "lisp map-server {\n    address = 198.51.100.100\n"
    "    authentication-key = fuzz-key\n    want-map-notify = yes\n}\n"
    "lisp interface {\n    interface-name = a\n    device = eid0\n"
    "    instance-id = 100\n}\n"
    "lisp database-mapping {\n"
    "    prefix {\n        instance-id = 100\n"
    "        eid-prefix = 192.0.2.16/28\n    }\n"
    "    prefix {\n        instance-id = 100\n"
    "        eid-prefix = 2001:db8:e1d:1::/64\n    }\n"
    "    rloc {\n        address = 198.51.100.1\n        priority = 1\n"
    "        weight = 100\n    }\n"
    "    rloc {\n        address = 2001:db8:ffff::1\n        priority = 2\n"
    "        weight = 100\n    }\n}\n"
    "lisp map-cache {\n    prefix {\n        instance-id = 100\n"
    "        eid-prefix = 192.0.2.0/24\n        send-map-request = yes\n"
    "    }\n}\n";

static const char ms_conf[] =
    "lisp enable {\n    itr = no\n    etr = no\n    map-server = yes\n"
    "    map-resolver = yes\n    ddt-node = yes\n}\n"
    "lisp site {\n    site-name = s\n    authentication-key = fuzz-key\n"
    "    allowed-prefix {\n        instance-id = 100\n"
    "        eid-prefix = 192.0.2.0/24\n        accept-more-specifics = yes\n"
    "    }\n    allowed-prefix {\n        instance-id = 100\n"
    "        eid-prefix = 2001:db8:e1d::/48\n"
    "        accept-more-specifics = yes\n    }\n}\n";

static struct cp	*cps[2];
static double		 now = 1000;
static uint64_t		 nonce;

static int
check_udp(void *arg, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len)
{
	struct lisp_msg	 m;

	(void)arg;
	(void)dst;
	(void)dport;
	(void)src;
	memset(&m, 0, sizeof(m));
	if (lisp_msg_decode(buf, len, &m, NULL, NULL) != 0)
		abort();
	lisp_msg_free(&m);
	return 0;
}

static void
check_dp(void *arg, const char *text, size_t len)
{
	struct dpipc_msg	 m;
	char			 err[128];

	(void)arg;
	if (dpipc_decode(text, len, &m, err, sizeof(err)) != 0)
		abort();
	dpipc_msg_free(&m);
}

static uint64_t
count_rand(void *arg)
{
	(void)arg;
	return ++nonce;
}

static struct cp *
start(const char *text, size_t len)
{
	struct cp_harness_io	 io = { check_udp, check_dp, count_rand,
	    NULL };
	struct lisp_config	*cfg;
	struct cp		*cp;
	int			 nerr;

	cfg = config_parse_buffer("fuzz", text, len, &nerr);
	if (cfg == NULL || nerr != 0)
		abort();
	if ((cp = cp_harness_new(cfg, now, &io)) == NULL)
		abort();
	return cp;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char disc[] = "{\"type\":\"discovery\","
	    "\"interface\":\"eid0\",\"instance-id\":100,"
	    "\"source-eid\":\"192.0.2.18\",\"dest-eid\":\"192.0.2.34\"}";
	struct sockaddr_storage	 ss;
	struct cp		*cp;
	char			*text;

	if (cps[0] == NULL) {
		log_init(1, LOG_LVL_WARN, 0);
		log_setquiet(1);
		cps[0] = start(xtr_conf, sizeof(xtr_conf) - 1);
		cps[1] = start(ms_conf, sizeof(ms_conf) - 1);
		/* Something to resolve: a pending Map-Request. */
		cp_harness_dp(cps[0], disc, sizeof(disc) - 1, now);
	}
	if (size < 1)
		return 0;
	cp = cps[data[0] & 1];
	now += (double)(data[0] >> 3) / 10;
	if (data[0] & 4) {
		/* A record is text; keep it NUL-free as the channel does. */
		if ((text = malloc(size)) == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		cp_harness_dp(cp, text, size - 1, now);
		free(text);
	} else {
		memset(&ss, 0, sizeof(ss));
		if (data[0] & 2) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(4342);
			(void)inet_pton(AF_INET6, "2001:db8:ffff::2",
			    &s6->sin6_addr);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(4342);
			(void)inet_pton(AF_INET, "198.51.100.100",
			    &s4->sin_addr);
		}
		cp_harness_input(cp, data + 1, size - 1, &ss, NULL, now);
	}
	cp_harness_tick(cp, now);
	return 0;
}
