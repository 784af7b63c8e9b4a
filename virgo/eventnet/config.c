// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - settings in configfs
 *
 * /sys/kernel/config/virgo/eventnet/
 *	dir		rw  the files' directory (default /var/log/eventnet).
 *			    Writing it loads the files there, looked up in
 *			    the writer's namespace, and EventNet keeps them
 *			    from then on. Once open it cannot change (EBUSY)
 *	max_vertices	rw  vertices at most (default 8192)
 *	max_edges	rw  edges at most (default 32768)
 *	max_convs	rw  conversations of one vertex at most (default 256)
 *	max_kb		rw  both files together, KiB at most (default and
 *			    most 1024)
 *	trace		rw  1: the calls of the cluster's components become
 *			    events (log.c); 0 (default): not
 *	collector	rw  the node that records this node's events (0, the
 *			    default: this one)
 *	queue_len	rw  events waiting to be sent at most (default 256,
 *			    at most 1024); more are dropped
 *	flush_ms	rw  the trace's changes reach the files within this
 *			    (default 1000, at most 60000; 0: at once)
 *	status		r   "open" or "closed", then "vertices", "edges",
 *			    "bytes" (of the files), "messages" applied,
 *			    "refused", "write_errors", then this node's
 *			    events "logged", "dropped" (the ring was full)
 *			    and "lost" (messages the collector did not
 *			    take), one count a line
 * A message that would pass a cap is refused (ENOSPC); lowering a cap
 * removes nothing.
 */

#include <linux/configfs.h>
#include <linux/slab.h>
#include "eventnet.h"

struct virgo_enet_settings virgo_enet_set = {
	.dir = VIRGO_ENET_DIR_DEFAULT,
	.max_vertices = 8192,
	.max_edges = 32768,
	.max_convs = 256,
	.max_kb = VIRGO_ENET_KB_MAX,
	.queue_len = 256,
	.flush_ms = 1000,
};

static DEFINE_MUTEX(virgo_enet_dir_lock);	/* protects virgo_enet_set.dir */

static ssize_t virgo_enet_dir_show(struct config_item *item, char *page)
{
	ssize_t n;

	mutex_lock(&virgo_enet_dir_lock);
	n = sprintf(page, "%s\n", virgo_enet_set.dir);
	mutex_unlock(&virgo_enet_dir_lock);
	return n;
}

static ssize_t virgo_enet_dir_store(struct config_item *item,
				    const char *page, size_t len)
{
	size_t n = strcspn(page, "\n");
	char *dir;
	int ret;

	if (!n || n >= VIRGO_ENET_DIR_MAX || page[0] != '/')
		return -EINVAL;
	dir = kstrndup(page, n, GFP_KERNEL);
	if (!dir)
		return -ENOMEM;
	ret = virgo_eventnet_open(dir);
	if (!ret) {
		mutex_lock(&virgo_enet_dir_lock);
		strscpy(virgo_enet_set.dir, dir, sizeof(virgo_enet_set.dir));
		mutex_unlock(&virgo_enet_dir_lock);
	}
	kfree(dir);
	return ret ?: len;
}

static ssize_t virgo_enet_status_show(struct config_item *item, char *page)
{
	int n = virgo_eventnet_show(page, PAGE_SIZE);

	return n + virgo_eventnet_log_show(page + n, PAGE_SIZE - n);
}

static ssize_t virgo_enet_trace_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(virgo_eventnet_tracing));
}

static ssize_t virgo_enet_trace_store(struct config_item *item,
				      const char *page, size_t len)
{
	u64 v;
	int ret = virgo_config_parse(page, 0, 1, &v);

	if (ret)
		return ret;
	WRITE_ONCE(virgo_eventnet_tracing, v);
	atomic_inc(&virgo_enet_chain_gen);	/* a new trace: a new chain */
	return len;
}

static ssize_t virgo_enet_collector_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n", READ_ONCE(virgo_enet_set.collector));
}

static ssize_t virgo_enet_collector_store(struct config_item *item,
					  const char *page, size_t len)
{
	u64 v;
	int ret = virgo_config_parse(page, 0, VIRGO_MAX_NODES, &v);

	if (ret)
		return ret;
	WRITE_ONCE(virgo_enet_set.collector, v);
	atomic_inc(&virgo_enet_chain_gen);
	return len;
}

CONFIGFS_ATTR(virgo_enet_, dir);
CONFIGFS_ATTR(virgo_enet_, trace);
CONFIGFS_ATTR(virgo_enet_, collector);
VIRGO_CONFIG_U32_ATTR(virgo_enet_, queue_len, virgo_enet_set.queue_len, 1, VIRGO_ENET_RING);
VIRGO_CONFIG_U32_ATTR(virgo_enet_, flush_ms, virgo_enet_set.flush_ms, 0, VIRGO_ENET_FLUSH_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_enet_, max_vertices, virgo_enet_set.max_vertices, 1,
		      VIRGO_ENET_VERTICES_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_enet_, max_edges, virgo_enet_set.max_edges, 1,
		      VIRGO_ENET_EDGES_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_enet_, max_convs, virgo_enet_set.max_convs, 1,
		      VIRGO_ENET_CONVS_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_enet_, max_kb, virgo_enet_set.max_kb, 1, VIRGO_ENET_KB_MAX);
CONFIGFS_ATTR_RO(virgo_enet_, status);

static struct configfs_attribute *virgo_enet_attrs[] = {
	&virgo_enet_attr_dir,
	&virgo_enet_attr_max_vertices,
	&virgo_enet_attr_max_edges,
	&virgo_enet_attr_max_convs,
	&virgo_enet_attr_max_kb,
	&virgo_enet_attr_trace,
	&virgo_enet_attr_collector,
	&virgo_enet_attr_queue_len,
	&virgo_enet_attr_flush_ms,
	&virgo_enet_attr_status,
	NULL,
};

static const struct config_item_type virgo_enet_type = {
	.ct_attrs = virgo_enet_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_enet_group;

int virgo_enet_config_init(void)
{
	config_group_init_type_name(&virgo_enet_group, "eventnet", &virgo_enet_type);
	return virgo_config_register_group(&virgo_enet_group);
}

void virgo_enet_config_exit(void)
{
	virgo_config_unregister_group(&virgo_enet_group);
}
