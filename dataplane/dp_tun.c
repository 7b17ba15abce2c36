/* SPDX-License-Identifier: ISC */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp_tun.h"
#include "log.h"

/* Read a small integer sysctl; -1 when unreadable. */
static int
dp_tun_sysctl_get(const char *path)
{
	char	 b[16];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	return b[0] >= '0' && b[0] <= '9' ? (int)(b[0] - '0') : -1;
}

static void
dp_tun_sysctl_set(const char *fmt, const char *dev, const char *val)
{
	char	 path[128];
	int	 fd;

	snprintf(path, sizeof(path), fmt, dev);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		log_debug("%s: %s", path, strerror(errno));
		return;
	}
	if (write(fd, val, strlen(val)) == -1)
		log_debug("%s: %s", path, strerror(errno));
	close(fd);
}

int
dp_tun_forwarding(int af)
{
	if (af == AF_INET6)
		return dp_tun_sysctl_get(
		    "/proc/sys/net/ipv6/conf/all/forwarding") == 1;
	/*
	 * The kernel filters by the larger of "all" and the device's
	 * rp_filter: with "all" on, IPv4 from the TUN would be dropped.
	 */
	if (dp_tun_sysctl_get("/proc/sys/net/ipv4/conf/all/rp_filter") != 0) {
		log_warnx("TUN output: net.ipv4.conf.all.rp_filter is on; "
		    "IPv4 stays on raw sockets");
		return 0;
	}
	return dp_tun_sysctl_get("/proc/sys/net/ipv4/ip_forward") == 1;
}

/* Per-device settings and link up (again for every queue: harmless). */
static int
dp_tun_setup(const char *dev)
{
	struct ifreq	 ifr;
	int		 s, rv = -1;

	/* Before the link is up: no link-local address, no RS. */
	dp_tun_sysctl_set("/proc/sys/net/ipv6/conf/%s/addr_gen_mode", dev,
	    "1");
	/*
	 * Off: the sources are remote EIDs routed into the sister, and
	 * even loose filtering fails on a device without an address.
	 */
	dp_tun_sysctl_set("/proc/sys/net/ipv4/conf/%s/rp_filter", dev, "0");
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == 0)
			rv = 0;
	}
	if (rv == -1)
		log_warn("%s: link up", dev);
	close(s);
	return rv;
}

int
dp_tun_open(const char *name)
{
	static int	 warned;
	struct ifreq	 ifr;
	unsigned int	 off;
	int		 fd, sz = (int)sizeof(struct virtio_net_hdr);
	const char	*what;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) ==
	    -1) {
		what = "/dev/net/tun";
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		what = "TUNSETIFF";
		goto fail;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) == -1) {
		what = "TUNSETVNETHDRSZ";
		goto fail;
	}
	off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	if (ioctl(fd, TUNSETOFFLOAD, off) == -1) {
		what = "TUNSETOFFLOAD";
		goto fail;
	}
	if (dp_tun_setup(name) == -1) {
		what = "setup";
		goto fail;
	}
	return fd;
fail:
	if (!warned) {
		warned = 1;
		log_warn("TUN output %s: %s; decapsulated packets go through "
		    "raw sockets", name, what);
	}
	if (fd != -1)
		close(fd);
	return -1;
}
