/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp_addr.h"
#include "cp_netlink.h"
#include "log.h"

#define CPNL_MAX	256

struct cpnl {
	struct mnl_socket	*nl;
	unsigned int		 seq;
	struct cpnl_addr	 a[CPNL_MAX];
	size_t			 n;
	int			 changed;
};

struct attr_tb {
	const struct nlattr	*addr;
	const struct nlattr	*local;
	const struct nlattr	*flags;
};

static int
attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_tb	*tb = data;

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(attr)) {
	case IFA_ADDRESS:
		tb->addr = attr;
		break;
	case IFA_LOCAL:
		tb->local = attr;
		break;
	case IFA_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			tb->flags = attr;
		break;
	}
	return MNL_CB_OK;
}

static void
table_del(struct cpnl *c, const struct cpnl_addr *x)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (c->a[i].ifindex == x->ifindex &&
		    cpa_addr_eq(&c->a[i].addr, &x->addr)) {
			c->a[i] = c->a[--c->n];
			c->changed = 1;
			return;
		}
}

static void
table_add(struct cpnl *c, const struct cpnl_addr *x)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (c->a[i].ifindex == x->ifindex &&
		    cpa_addr_eq(&c->a[i].addr, &x->addr))
			return;
	if (c->n == CPNL_MAX) {
		LOG_RL(LOG_LVL_WARN, "netlink: more than %d addresses",
		    CPNL_MAX);
		return;
	}
	c->a[c->n++] = *x;
	c->changed = 1;
}

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cpnl		*c = data;
	struct ifaddrmsg	*ifa;
	struct attr_tb		 tb;
	struct cpnl_addr	 x;
	const struct nlattr	*at;
	uint32_t		 flags;
	size_t			 alen;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	memset(&tb, 0, sizeof(tb));
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &tb) < 0)
		return MNL_CB_OK;
	/* IFA_LOCAL is the address on point-to-point links. */
	at = tb.local != NULL ? tb.local : tb.addr;
	if (at == NULL)
		return MNL_CB_OK;
	alen = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ?
	    16 : 0;
	if (alen == 0 || mnl_attr_get_payload_len(at) != alen)
		return MNL_CB_OK;
	flags = tb.flags != NULL ? mnl_attr_get_u32(tb.flags) : ifa->ifa_flags;
	memset(&x, 0, sizeof(x));
	x.ifindex = ifa->ifa_index;
	if (if_indextoname(x.ifindex, x.ifname) == NULL)
		x.ifname[0] = '\0';
	cpa_host(&x.addr, ifa->ifa_family, mnl_attr_get_payload(at));
	if (nlh->nlmsg_type == RTM_DELADDR ||
	    (ifa->ifa_family == AF_INET6 && (ifa->ifa_scope >= RT_SCOPE_LINK ||
	    (flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED | IFA_F_DADFAILED)))) ||
	    ifa->ifa_scope == RT_SCOPE_HOST)
		table_del(c, &x);
	else
		table_add(c, &x);
	return MNL_CB_OK;
}

static int
cpnl_dump(struct cpnl *c)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct rtgenmsg		*rt;
	unsigned int		 portid = mnl_socket_get_portid(c->nl);
	ssize_t			 n;
	int			 rc;

	c->n = 0;
	c->changed = 1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++c->seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	/* The dump answer comes before we return to the loop (blocking). */
	while ((n = mnl_socket_recvfrom(c->nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, c->seq, portid, msg_cb, c);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR)
			return -1;
	}
	return -1;
}

struct cpnl *
cpnl_open(void)
{
	struct cpnl	*c;
	int		 fd, fl;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->seq = (unsigned int)time(NULL);
	if ((c->nl = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(c->nl, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	    MNL_SOCKET_AUTOPID) < 0) {
		log_warn("netlink");
		goto fail;
	}
	if (cpnl_dump(c) == -1) {
		log_warn("netlink address dump");
		goto fail;
	}
	fd = mnl_socket_get_fd(c->nl);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		goto fail;
	return c;
fail:
	cpnl_close(c);
	return NULL;
}

void
cpnl_close(struct cpnl *c)
{
	if (c == NULL)
		return;
	if (c->nl != NULL)
		mnl_socket_close(c->nl);
	free(c);
}

int
cpnl_fd(const struct cpnl *c)
{
	return mnl_socket_get_fd(c->nl);
}

int
cpnl_read(struct cpnl *c)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t		 n;
	int		 fd, fl;

	c->changed = 0;
	for (;;) {
		n = mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == -1 && errno == ENOBUFS) {
			/* Lost notifications: start over from a dump. */
			fd = mnl_socket_get_fd(c->nl);
			fl = fcntl(fd, F_GETFL);
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
			if (cpnl_dump(c) == -1)
				log_warn("netlink re-dump");
			(void)fcntl(fd, F_SETFL, fl);
			return 1;
		}
		if (n <= 0)
			return -1;
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, msg_cb, c);
	}
	return c->changed;
}

const struct cpnl_addr *
cpnl_addrs(const struct cpnl *c, size_t *n)
{
	*n = c->n;
	return c->a;
}

int
cpnl_is_local(const struct cpnl *c, const struct dpipc_addr *a)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (cpa_addr_eq(&c->a[i].addr, a))
			return 1;
	return 0;
}
