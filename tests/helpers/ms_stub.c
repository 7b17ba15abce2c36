/* SPDX-License-Identifier: ISC */
/*
 * ms_stub: control/ms behind plain UDP sockets, for script tests (and for
 * trying the map-server before the control-plane process hosts it).
 *
 *	ms_stub -f lisp.config [-a address]... [-p port]
 *
 * Binds every -a address (default 0.0.0.0 and ::, IPv6-only) on port
 * 4342 (-p), prints "ready" and serves until SIGTERM/SIGINT, then prints
 * one "counter <name> <value>" line per counter and one
 * "registration <site> [<iid>]<eid>/<len> rlocs <n>" line per entry to
 * stdout and exits 0.  SIGUSR1 prints the same without exiting.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ms.h"

#define MAXSOCK	8

static volatile sig_atomic_t	 quit, dump;
static int			 socks[MAXSOCK];
static sa_family_t		 fams[MAXSOCK];
static int			 nsocks;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump = 1;
	else
		quit = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
send_cb(void *arg, const uint8_t *p, size_t len,
    const struct sockaddr_storage *to)
{
	int	 i;

	(void)arg;
	for (i = 0; i < nsocks; i++) {
		if (fams[i] != to->ss_family)
			continue;
		if (sendto(socks[i], p, len, 0, (const struct sockaddr *)to,
		    to->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == -1) {
			warn("sendto");
			return -1;
		}
		return 0;
	}
	return -1;
}

static void
walk_cb(void *arg, const struct ms_reg_view *v)
{
	char	 t[LISP_ADDR_STRLEN];

	(void)arg;
	if (v->rec == NULL)
		return;
	lisp_addr_fmt(lisp_addr_strip_iid(&v->rec->eid, NULL), t, sizeof(t));
	printf("registration %s [%u]%s/%u rlocs %zu\n", v->site_name, v->iid,
	    t, v->rec->mask_len, v->rec->loc_count);
}

static void
print_state(const struct ms *ms)
{
	int	 c;

	for (c = 0; c < MS_C_MAX; c++)
		printf("counter %s %llu\n", ms_counter_name(c),
		    (unsigned long long)ms_counter(ms, c));
	ms_walk_sites(ms, walk_cb, NULL);
	fflush(stdout);
}

static void
bind_one(const char *addr, uint16_t port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	int			 s, on = 1;

	if (nsocks == MAXSOCK)
		errx(1, "too many addresses");
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else
		errx(1, "bad address %s", addr);
	if ((s = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		err(1, "IPV6_V6ONLY");
	if (bind(s, (struct sockaddr *)&ss, sl) == -1)
		err(1, "bind %s port %u", addr, port);
	socks[nsocks] = s;
	fams[nsocks++] = ss.ss_family;
}

int
main(int argc, char *argv[])
{
	struct lisp_config	*cfg;
	struct ms		*ms;
	struct pollfd		 pfd[MAXSOCK];
	struct sockaddr_storage	 from;
	socklen_t		 fl;
	const char		*file = NULL, *addrs[MAXSOCK];
	uint8_t			 buf[65536];
	uint16_t		 port = 4342;
	uint64_t		 last = 0;
	ssize_t			 n;
	int			 ch, i, naddrs = 0, nerr;

	while ((ch = getopt(argc, argv, "a:f:p:")) != -1) {
		switch (ch) {
		case 'a':
			if (naddrs == MAXSOCK)
				errx(1, "too many addresses");
			addrs[naddrs++] = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'p':
			port = (uint16_t)atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (file == NULL || optind != argc)
		goto usage;
	log_init(1, LOG_LVL_INFO, 0);
	if ((cfg = config_parse_file(file, &nerr)) == NULL || nerr > 0)
		errx(1, "%s: configuration errors", file);
	if ((ms = ms_new(cfg)) == NULL)
		errx(1, "ms_new");
	config_free(cfg);
	if (naddrs == 0) {
		addrs[naddrs++] = "0.0.0.0";
		addrs[naddrs++] = "::";
	}
	for (i = 0; i < naddrs; i++)
		bind_one(addrs[i], port);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	printf("ready\n");
	fflush(stdout);

	while (!quit) {
		for (i = 0; i < nsocks; i++) {
			pfd[i].fd = socks[i];
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)nsocks, 1000) == -1 && errno != EINTR)
			err(1, "poll");
		if (dump) {
			dump = 0;
			print_state(ms);
		}
		for (i = 0; i < nsocks; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			fl = sizeof(from);
			n = recvfrom(socks[i], buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &fl);
			if (n < 0)
				continue;
			(void)ms_input(ms, buf, (size_t)n, &from, now_ms(),
			    send_cb, NULL);
		}
		if (now_ms() - last >= 1000) {
			last = now_ms();
			(void)ms_expire(ms, last);
		}
	}
	print_state(ms);
	ms_free(ms);
	return 0;
usage:
	fprintf(stderr, "usage: ms_stub -f lisp.config [-a address]... "
	    "[-p port]\n");
	return 2;
}
