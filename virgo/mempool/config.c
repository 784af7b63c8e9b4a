// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - settings in configfs
 *
 * /sys/kernel/config/virgo/mempool/
 *	pool_max	rw  bytes this node holds for the cluster: chunks and
 *			    memcached items (default 64 MiB); past it, ENOMEM
 *	peer_max	rw  bytes one peer may hold of those, loopback counting
 *			    as one peer (default 32 MiB; 0: no limit)
 *	chunk_size	rw  allocations this node makes larger than this are
 *			    striped, in chunks of this size; 4096 to 1 MiB
 *			    (default 1 MiB)
 *	caller_gid	rw  besides CAP_SYS_ADMIN, members of this group may
 *			    use virgo_malloc() and friends here (default 0: no group)
 *	used		r   bytes held now (a chunk: its size rounded up to a
 *			    page, and its record)
 *	items		r   memcached items held now
 *	misses_delayed	r   requests for missing chunks that were slowed
 *			    down: their peer was guessing VUIDs
 *	memcached_clients rw  up to 16 IPv4 addresses, separated by spaces,
 *			    commas or line ends, whose clients speak memcached
 *			    without the handshake (a keyed cluster), or from
 *			    outside the node table (lab mode); they get the
 *			    memcached protocol and nothing else. Writing
 *			    replaces the list; connections of addresses no
 *			    longer listed end.
 */

#include <linux/configfs.h>
#include <linux/inet.h>
#include "mempool.h"

u32 virgo_chunk_size = VIRGO_CHUNK_MAX;
u32 virgo_mempool_caller_gid;

/* @val of one of the mempool's settings, @min to @max. */
#define VIRGO_MEMPOOL_STORE(val, min, max, page, len) ({			\
	u64 __v;								\
	int __ret = virgo_config_parse(page, min, max, &__v);			\
										\
	if (!__ret)								\
		WRITE_ONCE(val, __v);						\
	__ret ?: (ssize_t)(len);						\
})

static ssize_t virgo_mempool_pool_max_show(struct config_item *item, char *page)
{
	return sprintf(page, "%llu\n", READ_ONCE(virgo_pool_max));
}

static ssize_t virgo_mempool_pool_max_store(struct config_item *item,
					    const char *page, size_t len)
{
	return VIRGO_MEMPOOL_STORE(virgo_pool_max, 0, VIRGO_POOL_MAX_LIMIT, page, len);
}

static ssize_t virgo_mempool_peer_max_show(struct config_item *item, char *page)
{
	return sprintf(page, "%llu\n", READ_ONCE(virgo_peer_max));
}

static ssize_t virgo_mempool_peer_max_store(struct config_item *item,
					    const char *page, size_t len)
{
	return VIRGO_MEMPOOL_STORE(virgo_peer_max, 0, VIRGO_POOL_MAX_LIMIT, page, len);
}

VIRGO_CONFIG_U32_ATTR(virgo_mempool_, chunk_size, virgo_chunk_size,
		      VIRGO_CHUNK_MIN, VIRGO_CHUNK_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_mempool_, caller_gid, virgo_mempool_caller_gid,
		      0, U32_MAX - 1);

static ssize_t virgo_mempool_used_show(struct config_item *item, char *page)
{
	return sprintf(page, "%llu\n", virgo_pool_used_bytes());
}

static ssize_t virgo_mempool_items_show(struct config_item *item, char *page)
{
	return sprintf(page, "%lld\n", atomic64_read(&virgo_mc_stats.items));
}

static ssize_t virgo_mempool_misses_delayed_show(struct config_item *item,
						 char *page)
{
	return sprintf(page, "%lld\n", atomic64_read(&virgo_pool_misses_delayed));
}

static ssize_t virgo_mempool_memcached_clients_show(struct config_item *item,
						    char *page)
{
	return virgo_mempool_show_clients(page);
}

static ssize_t virgo_mempool_memcached_clients_store(struct config_item *item,
						     const char *page, size_t len)
{
	__be32 addrs[VIRGO_MC_CLIENTS_MAX];
	unsigned int n = 0;
	const char *p = page, *end = page + len, *word, *stop;
	size_t wlen;

	for (;;) {
		while (p < end && (isspace(*p) || *p == ','))
			p++;
		if (p == end)
			break;
		word = p;
		while (p < end && !isspace(*p) && *p != ',')
			p++;
		wlen = p - word;
		if (n == VIRGO_MC_CLIENTS_MAX)
			return -E2BIG;
		if (!in4_pton(word, wlen, (u8 *)&addrs[n], -1, &stop) ||
		    stop != p || !addrs[n])
			return -EINVAL;
		n++;
	}
	virgo_mempool_set_clients(addrs, n);
	return len;
}

CONFIGFS_ATTR(virgo_mempool_, pool_max);
CONFIGFS_ATTR(virgo_mempool_, peer_max);
CONFIGFS_ATTR_RO(virgo_mempool_, used);
CONFIGFS_ATTR_RO(virgo_mempool_, items);
CONFIGFS_ATTR_RO(virgo_mempool_, misses_delayed);
CONFIGFS_ATTR(virgo_mempool_, memcached_clients);

static struct configfs_attribute *virgo_mempool_attrs[] = {
	&virgo_mempool_attr_pool_max,
	&virgo_mempool_attr_peer_max,
	&virgo_mempool_attr_chunk_size,
	&virgo_mempool_attr_caller_gid,
	&virgo_mempool_attr_used,
	&virgo_mempool_attr_items,
	&virgo_mempool_attr_misses_delayed,
	&virgo_mempool_attr_memcached_clients,
	NULL,
};

static const struct config_item_type virgo_mempool_type = {
	.ct_attrs = virgo_mempool_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_mempool_group;

int virgo_mempool_config_init(void)
{
	config_group_init_type_name(&virgo_mempool_group, "mempool",
				    &virgo_mempool_type);
	return virgo_config_register_group(&virgo_mempool_group);
}
