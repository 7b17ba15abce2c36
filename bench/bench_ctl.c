/* SPDX-License-Identifier: ISC */
/*
 * Control socket: how fast a 1M-entry map-cache dump streams, and what
 * it does to a worker's lookups meanwhile.
 *
 * Set-up, all in one process and with the daemon's code: a map-cache of
 * 1M IPv4 /32 entries (16 distinct RLOC sets); the data-plane main
 * thread's role (libev loop + dp_ctl, the map-cache writer) on the main
 * thread; a client thread that asks for `show map-cache` on the UNIX
 * socket and reads the whole reply, counting records; a worker-like
 * thread (RCU reader, quiescent state every 64 lookups, as dp_worker)
 * timing every single lookup with clock_gettime.
 *
 * The lookup latencies are measured twice for the same duration: once
 * with the loop idle (baseline) and once while the dump runs.  The worst
 * case includes scheduler preemption of the lookup thread (3 busy
 * threads on however many cores there are), so p99.9 is printed next to
 * it.  Output: "name: value unit" lines.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <ev.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "dp.h"
#include "dp_ctl.h"
#include "log.h"
#include "mapcache.h"

#define NENT		(1u << 20)
#define HIST_NS		(1u << 20)	/* histogram cap: 1 ms, 1 ns bins */

static struct mapcache	*mc;
static volatile int	 lookups_run;
static char		 sockpath[108];
static struct ev_loop	*loop;
static ev_async		 done_ev;

struct lat {
	uint64_t	 n, worst;
	uint32_t	*hist;		/* [HIST_NS], overflow in the last */
};

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t
lat_pct(const struct lat *l, double p)
{
	uint64_t	 want = (uint64_t)(l->n * p), acc = 0;
	uint32_t	 k;

	for (k = 0; k < HIST_NS; k++) {
		acc += l->hist[k];
		if (acc > want)
			return k;
	}
	return HIST_NS;
}

static void *
lookup_thread(void *arg)
{
	struct lat	*l = arg;
	uint64_t	 x = 88172645463325252ULL, t0, d;
	uint8_t		 a[4];
	unsigned int	 k = 0;

	rcu_register_thread();
	while (__atomic_load_n(&lookups_run, __ATOMIC_RELAXED)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* 10.0.0.0 .. 10.31.255.255: about half hit. */
		a[0] = 10;
		a[1] = (uint8_t)((x >> 8) & 31);
		a[2] = (uint8_t)(x >> 16);
		a[3] = (uint8_t)(x >> 24);
		t0 = now_ns();
		(void)mapcache_lookup(mc, 1, MAPCACHE_AF_IPV4, a);
		d = now_ns() - t0;
		l->n++;
		l->hist[d < HIST_NS ? d : HIST_NS - 1]++;
		if (d > l->worst)
			l->worst = d;
		if (++k % 64 == 0)
			mapcache_quiescent(mc, 0);
	}
	rcu_unregister_thread();
	return NULL;
}

struct client {
	uint64_t	 records;
	double		 secs;
	int		 ok;
};

static void *
client_thread(void *arg)
{
	static char		 buf[1 << 16];
	static const char	 req[] = "{\"command\":\"show map-cache\"}\n";
	struct client		*c = arg;
	struct sockaddr_un	 sun;
	uint64_t		 t0;
	ssize_t			 n, k;
	int			 fd;
	char			 last[32];
	size_t			 ll = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto out;
	t0 = now_ns();
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		goto out;
	/* Lines until the status line: {"status":... */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (k = 0; k < n; k++) {
			if (ll < sizeof(last))
				last[ll++] = buf[k];
			if (buf[k] != '\n')
				continue;
			if (ll >= 10 && memcmp(last, "{\"status\"", 9) == 0) {
				c->secs = (now_ns() - t0) / 1e9;
				c->ok = 1;
				goto out;
			}
			c->records++;
			ll = 0;
		}
	}
out:
	if (fd != -1)
		close(fd);
	ev_async_send(loop, &done_ev);
	return NULL;
}

static void
done_cb(struct ev_loop *l, ev_async *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(l, EVBREAK_ALL);
}

static void
idle_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(l, EVBREAK_ALL);
}

/* Lookups for `secs` with the loop idle, or during a dump (secs 0). */
static void
measure(struct lat *l, double secs, struct client *c)
{
	pthread_t	 lt, ct;
	ev_timer	 t;

	memset(l->hist, 0, HIST_NS * sizeof(*l->hist));
	l->n = l->worst = 0;
	lookups_run = 1;
	pthread_create(&lt, NULL, lookup_thread, l);
	if (c != NULL) {
		pthread_create(&ct, NULL, client_thread, c);
		ev_run(loop, 0);
		pthread_join(ct, NULL);
	} else {
		ev_timer_init(&t, idle_cb, secs, 0.);
		ev_timer_start(loop, &t);
		ev_run(loop, 0);
		ev_timer_stop(loop, &t);
	}
	lookups_run = 0;
	pthread_join(lt, NULL);
}

int
main(void)
{
	struct mapcache_config	 mcc;
	struct mapcache_prefix	 p;
	struct mapcache_rloc	 r;
	struct sockaddr_un	 sun;
	struct client		 c;
	struct lat		 base, dump;
	char			 dir[] = "/tmp/bench_ctl.XXXXXX";
	uint32_t		 k;
	int			 fd;

	log_init(1, LOG_LVL_WARN, 0);
	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = 1;
	mcc.max_per_iid = NENT + 1;
	if ((mc = mapcache_new(&mcc)) == NULL)
		return 1;
	rcu_register_thread();
	rcu_thread_offline();
	memset(&r, 0, sizeof(r));
	r.afi = MAPCACHE_AF_IPV4;
	r.priority = 1;
	r.weight = 100;
	r.up = 1;
	r.key_slot = MAPCACHE_NO_KEY;
	memset(&p, 0, sizeof(p));
	p.iid = 1;
	p.afi = MAPCACHE_AF_IPV4;
	p.plen = 32;
	for (k = 0; k < NENT; k++) {
		/* 10.0.0.0/32 and up, every other address (hits and misses). */
		uint32_t a = (10u << 24) | (k * 2);

		p.addr[0] = (uint8_t)(a >> 24);
		p.addr[1] = (uint8_t)(a >> 16);
		p.addr[2] = (uint8_t)(a >> 8);
		p.addr[3] = (uint8_t)a;
		r.addr[0] = 198;
		r.addr[1] = 51;
		r.addr[2] = 100;
		r.addr[3] = (uint8_t)(1 + k % 16);
		if (mapcache_insert(mc, &p, MAPCACHE_POSITIVE, 86400, &r, 1,
		    0) == -1) {
			fprintf(stderr, "insert %u: %s\n", k, strerror(errno));
			return 1;
		}
	}
	dp_g.mc = mc;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(sockpath, sizeof(sockpath), "%s/ctl.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 8) == -1) {
		perror("control socket");
		return 1;
	}
	loop = ev_default_loop(0);
	ev_async_init(&done_ev, done_cb);
	ev_async_start(loop, &done_ev);
	dp_ctl_init(loop, NULL);
	dp_ctl_listen(fd);

	base.hist = calloc(HIST_NS, sizeof(uint32_t));
	dump.hist = calloc(HIST_NS, sizeof(uint32_t));
	if (base.hist == NULL || dump.hist == NULL)
		return 1;
	memset(&c, 0, sizeof(c));
	measure(&dump, 0, &c);
	if (!c.ok || c.records != NENT) {
		fprintf(stderr, "dump: %llu records, ok %d\n",
		    (unsigned long long)c.records, c.ok);
		return 1;
	}
	measure(&base, c.secs, NULL);

	printf("ctl.dump.entries: %u count\n", NENT);
	printf("ctl.dump.seconds: %.3f s\n", c.secs);
	printf("ctl.dump.entries_per_s: %.0f entries/s\n", NENT / c.secs);
	printf("ctl.dump.worst_lookup_us: %.1f us\n", dump.worst / 1e3);
	printf("ctl.dump.p999_lookup_us: %.2f us\n",
	    lat_pct(&dump, 0.999) / 1e3);
	printf("ctl.dump.lookups: %llu count\n", (unsigned long long)dump.n);
	printf("ctl.idle.worst_lookup_us: %.1f us (baseline, same duration, "
	    "no dump)\n", base.worst / 1e3);
	printf("ctl.idle.p999_lookup_us: %.2f us (baseline)\n",
	    lat_pct(&base, 0.999) / 1e3);
	printf("ctl.idle.lookups: %llu count (baseline)\n",
	    (unsigned long long)base.n);

	dp_ctl_stop();
	unlink(sockpath);
	rmdir(dir);
	free(base.hist);
	free(dump.hist);
	rcu_thread_online();
	mapcache_free(mc);
	rcu_unregister_thread();
	return 0;
}
