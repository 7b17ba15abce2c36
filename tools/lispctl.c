/* SPDX-License-Identifier: ISC */
/*
 * lispctl: show and change the state of a running lisp-ztr through its
 * control socket (dataplane/dp_ctl.h has the protocol: one JSON request
 * per line, a reply is record lines and a status line).
 *
 * Text output is aligned columns in the manner of ip(8) and wg(8); with
 * -j the daemon's records are printed as they come, one JSON object per
 * line (JSON Lines: `lispctl -j show map-cache | jq -s length`).
 *
 * Exit status: 0 ok, 1 the daemon answered with an error, 2 usage error
 * or no daemon to talk to.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LISPCTL_SOCKET	"/var/run/lisp-ztr.sock"
#define LISPCTL_WINDOW	64	/* batch: requests in flight */
#define LISPCTL_ARGS	64

enum out_kind {
	OUT_GENERIC, OUT_MAPCACHE, OUT_DATABASE, OUT_RLOCS, OUT_STATS,
	OUT_TEXT, OUT_NONE, OUT_SITES,
};

/* Which table's header was printed last (show rlocs has three). */
enum hdr {
	HDR_NONE, HDR_RLOCS, HDR_PROBES, HDR_MAPSERVERS, HDR_SITES, HDR_ONE,
};

struct req {
	json_object	*j;
	enum out_kind	 out;
};

static int	 jflag;
static enum hdr	 header_done;

static void __attribute__((noreturn))
usage(int rc)
{
	FILE	*fp = rc == 0 ? stdout : stderr;

	fprintf(fp,
"usage: lispctl [-hj] [-s socket] command [argument ...]\n"
"       lispctl [-hj] [-s socket] -b file\n"
"\n"
"  -b file     read commands from file (- for standard input), one per\n"
"              line, and send them over one connection\n"
"  -h          this help\n"
"  -j          print the daemon's records as JSON, one object per line\n"
"  -s socket   control socket (default " LISPCTL_SOCKET ")\n"
"\n"
"commands:\n"
"  show map-cache [iid N] [PREFIX]\n"
"  show database\n"
"  show rlocs\n"
"  show statistics\n"
"  show sites\n"
"  show config\n"
"  map-cache add [iid N] PREFIX rloc ADDRESS [priority P] [weight W]\n"
"                [rloc ADDRESS ...]\n"
"  map-cache delete [iid N] PREFIX\n"
"  map-cache flush [iid N]\n"
"  log-level warn|info|debug\n"
"  reload\n"
"  metrics\n"
"\n"
"Exit status: 0 ok, 1 the daemon refused the command, 2 usage error or\n"
"no daemon listening.\n");
	exit(rc);
}

static void __attribute__((format(printf, 1, 2)))
warnmsg(const char *fmt, ...)
{
	va_list	 ap;

	fputs("lispctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- command line -> request ------------------------------------------- */

static int
num_arg(const char *s, long long max, long long *out)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < 0 || n > max)
		return -1;
	*out = n;
	return 0;
}

/* "iid N" at argv[*k]: consumed into req. */
static int
opt_iid(int argc, char **argv, int *k, json_object *req)
{
	long long	 n;

	if (*k >= argc || strcmp(argv[*k], "iid") != 0)
		return 0;
	if (*k + 1 >= argc || num_arg(argv[*k + 1], 4294967295LL, &n) == -1) {
		warnmsg("iid: an integer 0..4294967295");
		return -1;
	}
	json_object_object_add(req, "iid", json_object_new_int64(n));
	*k += 2;
	return 0;
}

static int
parse_rlocs(int argc, char **argv, int k, json_object *req)
{
	json_object	*arr = json_object_new_array(), *r = NULL;
	long long	 n;

	json_object_object_add(req, "rlocs", arr);
	while (k < argc) {
		if (strcmp(argv[k], "rloc") == 0 && k + 1 < argc) {
			r = json_object_new_object();
			json_object_object_add(r, "address",
			    json_object_new_string(argv[k + 1]));
			json_object_array_add(arr, r);
		} else if (r != NULL && strcmp(argv[k], "priority") == 0 &&
		    k + 1 < argc && num_arg(argv[k + 1], 255, &n) == 0)
			json_object_object_add(r, "priority",
			    json_object_new_int64(n));
		else if (r != NULL && strcmp(argv[k], "weight") == 0 &&
		    k + 1 < argc && num_arg(argv[k + 1], 100, &n) == 0)
			json_object_object_add(r, "weight",
			    json_object_new_int64(n));
		else {
			warnmsg("map-cache add: bad argument \"%s\"", argv[k]);
			return -1;
		}
		k += 2;
	}
	if (json_object_array_length(arr) == 0) {
		warnmsg("map-cache add: at least one \"rloc ADDRESS\"");
		return -1;
	}
	return 0;
}

/* argv -> request; -1 on a usage error (reported). */
static int
parse_command(int argc, char **argv, struct req *rq)
{
	json_object	*req = json_object_new_object();
	char		 cmd[64];
	int		 k = 2;

	rq->j = req;
	rq->out = OUT_GENERIC;
	if (argc < 1)
		goto bad;
	if (strcmp(argv[0], "show") == 0 && argc >= 2) {
		snprintf(cmd, sizeof(cmd), "show %s", argv[1]);
		if (strcmp(argv[1], "map-cache") == 0) {
			rq->out = OUT_MAPCACHE;
			if (opt_iid(argc, argv, &k, req) == -1)
				goto bad;
			if (k < argc)
				json_object_object_add(req, "prefix",
				    json_object_new_string(argv[k++]));
			if (k < argc && opt_iid(argc, argv, &k, req) == -1)
				goto bad;
		} else if (strcmp(argv[1], "database") == 0)
			rq->out = OUT_DATABASE;
		else if (strcmp(argv[1], "rlocs") == 0)
			rq->out = OUT_RLOCS;
		else if (strcmp(argv[1], "statistics") == 0)
			rq->out = OUT_STATS;
		else if (strcmp(argv[1], "config") == 0)
			rq->out = OUT_TEXT;
		else if (strcmp(argv[1], "sites") == 0)
			rq->out = OUT_SITES;
		else {
			warnmsg("show: unknown object \"%s\"", argv[1]);
			goto bad;
		}
	} else if (strcmp(argv[0], "map-cache") == 0 && argc >= 2) {
		snprintf(cmd, sizeof(cmd), "map-cache %s", argv[1]);
		rq->out = OUT_NONE;
		if (opt_iid(argc, argv, &k, req) == -1)
			goto bad;
		if (strcmp(argv[1], "flush") == 0) {
			/* nothing more */
		} else if (strcmp(argv[1], "add") == 0 ||
		    strcmp(argv[1], "delete") == 0) {
			if (k >= argc) {
				warnmsg("map-cache %s: PREFIX missing",
				    argv[1]);
				goto bad;
			}
			json_object_object_add(req, "prefix",
			    json_object_new_string(argv[k++]));
			if (argv[1][0] == 'a' &&
			    parse_rlocs(argc, argv, k, req) == -1)
				goto bad;
			if (argv[1][0] == 'a')
				k = argc;
		} else {
			warnmsg("map-cache: add, delete or flush");
			goto bad;
		}
	} else if (strcmp(argv[0], "log-level") == 0 && argc == 2) {
		snprintf(cmd, sizeof(cmd), "log-level");
		json_object_object_add(req, "level",
		    json_object_new_string(argv[1]));
		k = 2;
		rq->out = OUT_NONE;
	} else if ((strcmp(argv[0], "reload") == 0 ||
	    strcmp(argv[0], "metrics") == 0) && argc == 1) {
		snprintf(cmd, sizeof(cmd), "%s", argv[0]);
		k = 1;
		rq->out = argv[0][0] == 'm' ? OUT_TEXT : OUT_NONE;
	} else {
		warnmsg("unknown command \"%s\"", argv[0]);
		goto bad;
	}
	if (k < argc) {
		warnmsg("%s: unexpected argument \"%s\"", cmd, argv[k]);
		goto bad;
	}
	json_object_object_add(req, "command", json_object_new_string(cmd));
	return 0;
bad:
	json_object_put(req);
	rq->j = NULL;
	return -1;
}

/* --- text output ------------------------------------------------------- */

static const char *
jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	return json_object_get_string(v);
}

/* "last-used" as "12s", or "never". */
static const char *
jago(json_object *o, const char *key, char *buf, size_t len)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "never";
	snprintf(buf, len, "%llds", (long long)json_object_get_int64(v));
	return buf;
}

static void
print_rlocs(json_object *rec, const char *indent)
{
	json_object	*arr;
	char		 ago[32];
	size_t		 k, n;

	if (!json_object_object_get_ex(rec, "rlocs", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	n = json_object_array_length(arr);
	for (k = 0; k < n; k++) {
		json_object *r = json_object_array_get_idx(arr, k);

		printf("%srloc %-39s priority %-3s weight %-3s %-4s packets "
		    "%s bytes %s last-used %s\n", indent, jstr(r, "address"),
		    jstr(r, "priority"), jstr(r, "weight"),
		    json_object_object_get_ex(r, "up", NULL) ?
		    (strcmp(jstr(r, "up"), "true") == 0 ? "up" : "down") : "",
		    jstr(r, "packets"), jstr(r, "bytes"),
		    jago(r, "last-used", ago, sizeof(ago)));
	}
}

static void
print_entry(json_object *rec)
{
	char	 pfx[80], ago[32], exp[32];
	json_object *v;

	if (!header_done) {
		printf("%-10s %-30s %-16s %10s %10s %12s %9s\n", "IID",
		    "EID-PREFIX", "STATE", "EXPIRES", "PACKETS", "BYTES",
		    "LAST-USED");
		header_done = HDR_ONE;
	}
	snprintf(pfx, sizeof(pfx), "%s", jstr(rec, "eid-prefix"));
	if (json_object_object_get_ex(rec, "expires-in", &v) && v != NULL)
		snprintf(exp, sizeof(exp), "%llds",
		    (long long)json_object_get_int64(v));
	else if (json_object_object_get_ex(rec, "static", &v) &&
	    json_object_get_boolean(v))
		snprintf(exp, sizeof(exp), "static");
	else
		snprintf(exp, sizeof(exp), "by-cp");
	printf("%-10s %-30s %-16s %10s %10s %12s %9s\n", jstr(rec, "iid"),
	    pfx, jstr(rec, "state"), exp,
	    jstr(rec, "packets"), jstr(rec, "bytes"),
	    jago(rec, "last-used", ago, sizeof(ago)));
	print_rlocs(rec, "           ");
}

static void
print_object(const char *title, json_object *o)
{
	printf("%s:\n", title);
	json_object_object_foreach(o, key, val)
		printf("  %-28s %15s\n", key, json_object_get_string(val));
}

static void
print_generic(json_object *rec)
{
	int	 first = 1;

	json_object_object_foreach(rec, key, val) {
		printf("%s%s %s", first ? "" : "  ", key,
		    json_object_get_string(val));
		first = 0;
	}
	printf("\n");
}

/* Print a table's header once; a blank line between two tables. */
static void __attribute__((format(printf, 2, 3)))
header(enum hdr h, const char *fmt, ...)
{
	va_list	 ap;

	if (header_done == h)
		return;
	if (header_done != HDR_NONE)
		printf("\n");
	header_done = h;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* A number of seconds as "12s", or dflt when absent. */
static const char *
jsecs(json_object *o, const char *key, const char *dflt, char *buf,
    size_t len)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return dflt;
	snprintf(buf, len, "%llds", (long long)json_object_get_int64(v));
	return buf;
}

/* A boolean member as yes/no ("-" when absent). */
static const char *
jyes(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	return json_object_get_boolean(v) ? "yes" : "no";
}

/* The control plane's records of show rlocs: probes, map-servers. */
static void
print_cp_rloc(json_object *rec)
{
	json_object	*v;
	char		 rl[32], ra[32], lp[32], ln[32], nr[32];

	if (json_object_object_get_ex(rec, "map-server", NULL)) {
		header(HDR_MAPSERVERS, "%-39s %-16s %-10s %9s %8s %11s "
		    "%13s\n", "MAP-SERVER", "NAME", "STATE", "REGISTERS",
		    "NOTIFIES", "LAST-NOTIFY", "NEXT-REGISTER");
		printf("%-39s %-16s %-10s %9s %8s %11s %13s\n",
		    jstr(rec, "map-server"), jstr(rec, "name"),
		    jstr(rec, "state"), jstr(rec, "registers"),
		    jstr(rec, "notifies"), jsecs(rec, "last-map-notify",
		    strcmp(jyes(rec, "want-map-notify"), "yes") == 0 ?
		    "never" : "-", ln, sizeof(ln)),
		    jsecs(rec, "next-register-in", "-", nr, sizeof(nr)));
		return;
	}
	if (json_object_object_get_ex(rec, "lisp-crypto", &v)) {
		/* RFC 8061 sessions and counters (control/cp_crypto). */
		if (header_done != HDR_NONE)
			printf("\n");
		header_done = HDR_ONE;
		print_object("lisp-crypto", v);
		return;
	}
	if (!json_object_object_get_ex(rec, "rloc", NULL)) {
		print_generic(rec);
		return;
	}
	header(HDR_PROBES, "%-10s %-30s %-39s %-6s %3s %3s %10s %10s %10s "
	    "%6s\n", "IID", "EID-PREFIX", "RLOC", "STATE", "PRI", "WGT",
	    "RTT-LAST", "RTT-AVG", "LAST-PROBE", "MISSED");
	snprintf(rl, sizeof(rl), "%sms", jstr(rec, "rtt-last-ms"));
	snprintf(ra, sizeof(ra), "%sms", jstr(rec, "rtt-avg-ms"));
	printf("%-10s %-30s %-39s %-6s %3s %3s %10s %10s %10s %6s\n",
	    jstr(rec, "iid"), jstr(rec, "eid-prefix"), jstr(rec, "rloc"),
	    jstr(rec, "state"), jstr(rec, "priority"), jstr(rec, "weight"),
	    json_object_object_get_ex(rec, "rtt-last-ms", NULL) ? rl : "-",
	    json_object_object_get_ex(rec, "rtt-avg-ms", NULL) ? ra : "-",
	    jsecs(rec, "last-probe", strcmp(jyes(rec, "probing"), "yes") ==
	    0 ? "never" : "-", lp, sizeof(lp)),
	    json_object_object_get_ex(rec, "missed", NULL) ?
	    jstr(rec, "missed") : "-");
}

static void
print_site(json_object *rec)
{
	json_object	*arr, *v;
	char		 lr[32], ex[32];
	size_t		 k, n;

	header(HDR_SITES, "%-16s %-10s %-30s %-24s %8s %8s\n", "SITE", "IID",
	    "EID-PREFIX", "SOURCE", "LAST-REG", "EXPIRES");
	if (!json_object_object_get_ex(rec, "registered", &v) ||
	    !json_object_get_boolean(v)) {
		printf("%-16s %-10s %s%s\n", jstr(rec, "site"), "-",
		    "not registered", strcmp(jyes(rec, "shutdown"), "yes") ==
		    0 ? " (shut down)" : "");
		return;
	}
	printf("%-16s %-10s %-30s %-24s %8s %8s\n", jstr(rec, "site"),
	    jstr(rec, "iid"), jstr(rec, "eid-prefix"), jstr(rec, "source"),
	    jsecs(rec, "last-registered", "-", lr, sizeof(lr)),
	    jsecs(rec, "expires-in", "-", ex, sizeof(ex)));
	printf("%-16s xtr-id %s site-id %s ttl %s auth %s key-id %s "
	    "proxy-reply %s want-map-notify %s registers %s\n", "",
	    jstr(rec, "xtr-id"), jstr(rec, "site-id"), jstr(rec, "ttl"),
	    jstr(rec, "auth-alg"), jstr(rec, "key-id"),
	    jyes(rec, "proxy-reply"), jyes(rec, "want-map-notify"),
	    jstr(rec, "registers"));
	if (!json_object_object_get_ex(rec, "rlocs", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	n = json_object_array_length(arr);
	for (k = 0; k < n; k++) {
		json_object *r = json_object_array_get_idx(arr, k);

		printf("%-16s rloc %-39s priority %-3s weight %-3s %s%s\n", "",
		    jstr(r, "address"), jstr(r, "priority"),
		    jstr(r, "weight"), strcmp(jyes(r, "reachable"), "yes") ==
		    0 ? "reachable" : "unreachable",
		    strcmp(jyes(r, "local"), "yes") == 0 ? " local" : "");
	}
}

static void
print_record(const struct req *rq, json_object *rec)
{
	json_object	*v;
	char		 ago[32];

	switch (rq->out) {
	case OUT_MAPCACHE:
		print_entry(rec);
		break;
	case OUT_DATABASE:
		if (!header_done) {
			printf("%-10s %-30s %s\n", "IID", "EID-PREFIX",
			    "RLOCS");
			header_done = HDR_ONE;
		}
		printf("%-10s %-30s\n", jstr(rec, "iid"),
		    jstr(rec, "eid-prefix"));
		print_rlocs(rec, "           ");
		break;
	case OUT_RLOCS:
		if (!json_object_object_get_ex(rec, "entries", NULL)) {
			/* The control plane's records. */
			print_cp_rloc(rec);
			break;
		}
		header(HDR_RLOCS, "%-39s %-5s %9s %12s %14s %9s\n", "RLOC",
		    "STATE", "ENTRIES", "PACKETS", "BYTES", "LAST-USED");
		printf("%-39s %-5s %9s %12s %14s %9s\n", jstr(rec, "address"),
		    strcmp(jstr(rec, "up"), "true") == 0 ? "up" : "down",
		    jstr(rec, "entries"), jstr(rec, "packets"),
		    jstr(rec, "bytes"), jago(rec, "last-used", ago,
		    sizeof(ago)));
		break;
	case OUT_STATS:
		if (json_object_object_get_ex(rec, "counters", &v))
			print_object("counters", v);
		else if (json_object_object_get_ex(rec, "decap-statistics",
		    &v))
			print_object("decap-statistics", v);
		else if (json_object_object_get_ex(rec, "eid-statistics",
		    &v)) {
			if (!header_done) {
				printf("eid-statistics:\n");
				header_done = HDR_ONE;
			}
			printf("  [%s]%-30s packets %s bytes %s last-used %s\n",
			    jstr(v, "iid"), jstr(v, "eid-prefix"),
			    jstr(v, "packets"), jstr(v, "bytes"),
			    jago(v, "last-used", ago, sizeof(ago)));
			print_rlocs(v, "    ");
		} else
			print_generic(rec);
		break;
	case OUT_SITES:
		print_site(rec);
		break;
	case OUT_TEXT:
		if (json_object_object_get_ex(rec, "text", &v))
			fputs(json_object_get_string(v), stdout);
		else
			print_generic(rec);
		break;
	case OUT_GENERIC:
	case OUT_NONE:
		print_generic(rec);
		break;
	}
}

/* --- conversation ------------------------------------------------------ */

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >=
	    sizeof(sun.sun_path)) {
		warnmsg("%s: path too long", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		warnmsg("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_req(int fd, const struct req *rq)
{
	const char	*s;

	s = json_object_to_json_string_ext(rq->j, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (send_all(fd, s, strlen(s)) == -1 || send_all(fd, "\n", 1) == -1) {
		warnmsg("send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Read one reply: records, then the status line.  Returns 0 (ok), 1
 * (error reply) or 2 (connection lost or garbage).
 */
static int
read_reply(FILE *fp, const struct req *rq)
{
	static char	*line;
	static size_t	 cap;
	json_object	*rec, *st;
	ssize_t		 n;
	int		 rc;

	header_done = HDR_NONE;
	for (;;) {
		if ((n = getline(&line, &cap, fp)) <= 0) {
			warnmsg("the daemon closed the connection");
			return 2;
		}
		/*
		 * Only the status line has a top-level "status" member; with
		 * -j a record without the word is passed on unparsed.
		 */
		if (jflag && strstr(line, "\"status\"") == NULL) {
			fwrite(line, 1, (size_t)n, stdout);
			continue;
		}
		if ((rec = json_tokener_parse(line)) == NULL ||
		    !json_object_is_type(rec, json_type_object)) {
			warnmsg("unreadable reply line");
			json_object_put(rec);
			return 2;
		}
		if (json_object_object_get_ex(rec, "status", &st))
			break;
		if (jflag)
			fwrite(line, 1, (size_t)n, stdout);
		else
			print_record(rq, rec);
		json_object_put(rec);
	}
	rc = strcmp(json_object_get_string(st), "ok") == 0 ? 0 : 1;
	if (rc != 0)
		warnmsg("%s", jstr(rec, "error"));
	else if (json_object_object_get_ex(rec, "warning", NULL))
		warnmsg("warning: %s", jstr(rec, "warning"));
	if (rc == 0 && !jflag && json_object_object_get_ex(rec, "deleted",
	    NULL))
		printf("%s entries deleted\n", jstr(rec, "deleted"));
	json_object_put(rec);
	return rc;
}

/* Split a batch line into words (no quoting: commands have none). */
static int
split(char *line, char **av, int max)
{
	int	 n = 0;
	char	*w;

	while ((w = strsep(&line, " \t\r\n")) != NULL) {
		if (*w == '\0')
			continue;
		if (n == max)
			return -1;
		av[n++] = w;
	}
	return n;
}

static int
batch(int fd, FILE *rfp, FILE *in)
{
	struct req	 win[LISPCTL_WINDOW];
	char		*line = NULL, *av[LISPCTL_ARGS];
	size_t		 cap = 0, nwin, k;
	unsigned long	 lineno = 0;
	int		 ac, rc = 0, r, eof = 0;

	while (!eof) {
		nwin = 0;
		while (nwin < LISPCTL_WINDOW) {
			if (getline(&line, &cap, in) <= 0) {
				eof = 1;
				break;
			}
			lineno++;
			if ((ac = split(line, av, LISPCTL_ARGS)) == 0 ||
			    av[0][0] == '#')
				continue;
			if (ac < 0 || parse_command(ac, av, &win[nwin]) ==
			    -1) {
				warnmsg("line %lu: not a command", lineno);
				rc = 2;
				eof = 1;
				break;
			}
			if (send_req(fd, &win[nwin]) == -1) {
				json_object_put(win[nwin].j);
				rc = 2;
				eof = 1;
				break;
			}
			nwin++;
		}
		for (k = 0; k < nwin; k++) {
			if (rc != 2 && (r = read_reply(rfp, &win[k])) > rc)
				rc = r;
			json_object_put(win[k].j);
		}
	}
	free(line);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char	*path = LISPCTL_SOCKET, *bfile = NULL;
	struct req	 rq;
	FILE		*rfp, *in;
	int		 ch, fd, rc;

	while ((ch = getopt(argc, argv, "+b:hjs:")) != -1) {
		switch (ch) {
		case 'b':
			bfile = optarg;
			break;
		case 'h':
			usage(0);
		case 'j':
			jflag = 1;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (bfile == NULL && argc == 0)
		usage(2);
	if (bfile != NULL && argc != 0)
		usage(2);
	memset(&rq, 0, sizeof(rq));
	if (bfile == NULL && parse_command(argc, argv, &rq) == -1)
		usage(2);
	if ((fd = ctl_connect(path)) == -1) {
		json_object_put(rq.j);
		return 2;
	}
	if ((rfp = fdopen(fd, "r")) == NULL) {
		warnmsg("fdopen: %s", strerror(errno));
		return 2;
	}
	if (bfile != NULL) {
		in = strcmp(bfile, "-") == 0 ? stdin : fopen(bfile, "r");
		if (in == NULL) {
			warnmsg("%s: %s", bfile, strerror(errno));
			fclose(rfp);
			return 2;
		}
		rc = batch(fd, rfp, in);
		if (in != stdin)
			fclose(in);
	} else {
		rc = send_req(fd, &rq) == -1 ? 2 : read_reply(rfp, &rq);
		json_object_put(rq.j);
	}
	fclose(rfp);
	if (fflush(stdout) == EOF)
		rc = 2;
	return rc;
}
