/* SPDX-License-Identifier: ISC */
/*
 * lisp-decode: print the LISP packets of a pcap or pcapng file, as text
 * blocks or as one JSON object per line (schema: docs/lisp-decode.md).
 *
 *	lisp-decode [-j] [-k KEY] FILE
 *
 * The per-packet work is lib/lisp_pcapdec.c (shared with the fuzz_pcap
 * target); this file reads the capture and prints the summary.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lisp_pcapdec.h"
#include "log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: lisp-decode [-j] [-k key] file\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct lisp_pcapdec	 d;
	struct pcap_pkthdr	*hdr;
	const u_char		*data;
	char			 errbuf[PCAP_ERRBUF_SIZE];
	pcap_t			*pc;
	int			 ch, dlt, rc;

	memset(&d, 0, sizeof(d));
	log_init(1, LOG_LVL_WARN, 0);
	while ((ch = getopt(argc, argv, "jk:")) != -1) {
		switch (ch) {
		case 'j':
			d.json = 1;
			break;
		case 'k':
			d.key = (const uint8_t *)optarg;
			d.keylen = strlen(optarg);
			if (d.keylen == 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	if ((pc = pcap_open_offline(argv[0], errbuf)) == NULL) {
		fprintf(stderr, "lisp-decode: %s\n", errbuf);
		return 1;
	}
	dlt = pcap_datalink(pc);
	if (!lisp_pcapdec_dlt_ok(dlt)) {
		fprintf(stderr, "lisp-decode: %s: unsupported link type %s\n",
		    argv[0], pcap_datalink_val_to_name(dlt) != NULL ?
		    pcap_datalink_val_to_name(dlt) : "?");
		pcap_close(pc);
		return 1;
	}
	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		lisp_pcapdec_packet(&d, dlt, data, hdr->caplen, hdr->len);
	}
	if (rc == PCAP_ERROR) {
		/* A cut-off file: what was read has been reported. */
		fprintf(stderr, "lisp-decode: %s: after frame %" PRIu64
		    ": %s\n", argv[0], d.frames, pcap_geterr(pc));
	}
	pcap_close(pc);
	fflush(stdout);
	fprintf(stderr, "lisp-decode: %" PRIu64 " frames: %" PRIu64
	    " control, %" PRIu64 " data, %" PRIu64 " lisp-tcp, %" PRIu64
	    " errors, %" PRIu64 " not LISP\n", d.frames, d.control, d.data,
	    d.tcp, d.errors, d.skipped);
	return 0;
}
