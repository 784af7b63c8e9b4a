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
 *	used		r   bytes held now
 *	items		r   memcached items held now
 */

#include <linux/configfs.h>
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

CONFIGFS_ATTR(virgo_mempool_, pool_max);
CONFIGFS_ATTR(virgo_mempool_, peer_max);
CONFIGFS_ATTR_RO(virgo_mempool_, used);
CONFIGFS_ATTR_RO(virgo_mempool_, items);

static struct configfs_attribute *virgo_mempool_attrs[] = {
	&virgo_mempool_attr_pool_max,
	&virgo_mempool_attr_peer_max,
	&virgo_mempool_attr_chunk_size,
	&virgo_mempool_attr_caller_gid,
	&virgo_mempool_attr_used,
	&virgo_mempool_attr_items,
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
