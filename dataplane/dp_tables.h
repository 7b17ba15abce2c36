/* SPDX-License-Identifier: ISC */
/*
 * What the data path needs from a configuration, built once per config:
 *
 *   - dp_tables: an immutable snapshot (local database-mappings, lisp
 *     interface -> instance-id and output interface, source RLOC and
 *     path MTU per destination RLOC).  The daemon publishes it with
 *     rcu_assign_pointer; the replay harness just holds it.
 *   - the static `lisp map-cache` entries, installed into a map-cache by
 *     dp_mapcache_load().
 *
 * Both the daemon (dp.c) and tools/lisp-replay build them here, so a
 * replay sees exactly the tables the daemon would.  What only a running
 * system can tell (the kernel's source address and MTU towards an RLOC,
 * the addresses and ifindex of a device) comes from optional callbacks
 * (struct dp_tables_sys); without them the tables hold what the config
 * alone says: the literal database-mapping RLOCs as sources (an
 * `interface` RLOC needs sys->if_rloc), the default MTU,
 * no device addresses (no ICMP errors originated), oif 0 (routing).
 * What a control plane sent over the CP <-> DP channel (database-
 * mappings, interfaces) overrides the config when given (struct
 * dp_tables_cp); the channel itself stays in dp_cpchan.c.
 */
#ifndef DP_TABLES_H
#define DP_TABLES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct dbmap;
struct dpipc_dbmapping;
struct dpipc_iface;
struct lisp_config;
struct mapcache;

/* Source RLOC and path MTU towards one destination RLOC. */
struct dp_src {
	uint8_t		 afi;		/* 1 IPv4, 2 IPv6 */
	uint8_t		 dst[16];
	uint8_t		 src[16];
	uint16_t	 mtu;
};

struct dp_ifinfo {
	uint32_t	 iid;		/* of the lisp interface */
	int		 has_iid;
	int		 oif;		/* ETR/ICMP output ifindex, 0 = routing */
	uint8_t		 addr4[4];	/* an address of the device, for ICMP */
	uint8_t		 addr6[16];
	int		 has4, has6;
};

struct dp_iidout {
	uint32_t	 iid;
	int		 oif;
};

struct dp_tables {
	uint32_t		 gen;
	struct dbmap		*db;
	struct dp_ifinfo	*ifs;		/* [nifs], capture order */
	unsigned int		 nifs;
	struct dp_iidout	*iidout;
	size_t			 niidout;
	struct dp_src		*src;
	size_t			 nsrc;
	uint8_t			 src4[4], src6[16];	/* db-mapping RLOCs */
	int			 has_src4, has_src6;
};

/*
 * The control plane's lists (dpipc.h), each only once received:
 * database-mappings replace the config's EID prefixes (the source RLOCs
 * still come from the config), interfaces replace the config's
 * device -> instance-id mapping.
 */
struct dp_tables_cp {
	int				 have_dbm;
	const struct dpipc_dbmapping	*dbm;
	size_t				 ndbm;
	int				 have_ifs;
	const struct dpipc_iface	*ifs;
	size_t				 nifs;
};

/* Questions to the running system; any member may be NULL. */
struct dp_tables_sys {
	/* Source and MTU towards dst (afi 1/2): 0, or -1 (no route). */
	int	(*route_src)(uint8_t afi, const uint8_t *dst,
		    struct dp_src *out);
	/* Fill oif (sister: 1) and addr4/addr6/has4/has6 of device. */
	void	(*if_info)(const char *device, int sister,
		    struct dp_ifinfo *ifi);
	/*
	 * The current source-worthy addresses of device for an
	 * `rloc { interface = }` (addr4/addr6/has4/has6 of ifi; nothing
	 * when the device is down or gone).
	 */
	void	(*if_rloc)(const char *device, struct dp_ifinfo *ifi);
	/* Control-plane overrides of the config. */
	const struct dp_tables_cp *cp;
};

/*
 * Build the tables for cfg.  device[0..ndev) are the lisp interface
 * devices in capture order (ifs[] follows it) and sister[i] says whether
 * device i is captured through a sister.  sys may be NULL.  Returns NULL
 * on allocation failure.
 */
struct dp_tables *dp_tables_build(const struct lisp_config *cfg,
		    uint32_t gen, const char (*device)[IFNAMSIZ],
		    const int *sister, unsigned int ndev,
		    const struct dp_tables_sys *sys);
void		 dp_tables_free(struct dp_tables *);

/* The outer source address per family the database-mappings give. */
struct dp_rlocsrc {
	uint8_t		 src4[4], src6[16];
	int		 has_src4, has_src6;
};

/*
 * Fill out with the source RLOCs cfg's database-mappings give now: per
 * family the RLOC of lowest priority that has an address of it, ties in
 * file order; a literal `address`, or the current address of an
 * `interface` (sys->if_rloc; without it such RLOCs give nothing).
 * Returns 1 when an RLOC names an interface (the answer can change
 * while the configuration stays), else 0.
 */
int		 dp_tables_rloc_src(const struct lisp_config *cfg,
		    const struct dp_tables_sys *sys, struct dp_rlocsrc *out);

/*
 * The lisp interface devices of cfg in the order the daemon captures
 * them (file order, each device once, interfaces without a device or
 * with a name too long skipped) into dev[0..max).  Returns the count.
 */
unsigned int	 dp_tables_devices(const struct lisp_config *cfg,
		    char (*dev)[IFNAMSIZ], unsigned int max);

/*
 * Install cfg's static map-cache entries (MAPCACHE_F_STATIC) and delete
 * static entries cfg no longer has.  Map-cache writer only.  Returns the
 * number of entries that could not be inserted (logged).
 */
size_t		 dp_mapcache_load(struct mapcache *mc,
		    const struct lisp_config *cfg);

#endif /* DP_TABLES_H */
