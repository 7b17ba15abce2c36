/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the lisp.config parser: parse, print the result
 * (which must not crash on whatever the parser kept), reparse the printed
 * text (which must parse without errors: the printer writes only values
 * the parser accepted), and free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *arg, int level, const char *file, int line, const char *msg)
{
	(void)arg;
	(void)level;
	(void)file;
	(void)line;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE		*devnull;
	struct lisp_config	*cfg, *cfg2;
	char			*out = NULL;
	size_t			 outlen = 0;
	FILE			*mem;
	int			 nerrors, nerrors2;

	if (devnull == NULL) {
		config_set_diag(quiet, NULL);
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
	}
	cfg = config_parse_buffer("fuzz", (const char *)data, size, &nerrors);
	if (cfg == NULL)
		return 0;
	config_print(devnull, cfg);
	config_print_flags(devnull, cfg, CONFIG_PRINT_REDACT);

	/* Round trip: the canonical text must parse cleanly. */
	if ((mem = open_memstream(&out, &outlen)) == NULL)
		abort();
	config_print(mem, cfg);
	fclose(mem);
	cfg2 = config_parse_buffer("fuzz-printed", out, outlen, &nerrors2);
	if (cfg2 == NULL || nerrors2 != 0)
		abort();
	config_free(cfg2);
	free(out);
	config_free(cfg);
	return 0;
}
