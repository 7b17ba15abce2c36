/* SPDX-License-Identifier: ISC */
/*
 * Small text parsers shared by the configuration parser (lispd/config.c)
 * and the lispers.net IPC decoder (dataplane/dpipc.c), which read the
 * same lispers.net spellings.
 */
#ifndef LISP_TEXT_H
#define LISP_TEXT_H

#include <stdint.h>

/* Value of one hex digit, or -1. */
int	lisp_hexval(int c);
/*
 * lispers.net's MAC form: three dash-separated groups of exactly four
 * hex digits ("0001-0002-0003").  0, or -1 when s is not that form.
 */
int	lisp_mac_parse(const char *s, uint8_t mac[6]);

#endif /* LISP_TEXT_H */
