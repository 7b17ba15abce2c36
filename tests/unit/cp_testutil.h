/* SPDX-License-Identifier: ISC */
/*
 * Test-only helpers of the control-plane suites (test_cpxtr,
 * test_cpcrypto).
 */
#ifndef CP_TESTUTIL_H
#define CP_TESTUTIL_H

#include <arpa/inet.h>
#include <check.h>

#include "cp_addr.h"

/* A host address from its text form, IPv4 or IPv6 (fails the test else). */
static inline struct dpipc_addr
A(const char *s)
{
	struct dpipc_addr	 a;
	uint8_t			 b[16];

	if (inet_pton(AF_INET, s, b) == 1)
		cpa_host(&a, AF_INET, b);
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, b), 1);
		cpa_host(&a, AF_INET6, b);
	}
	return a;
}

#endif
