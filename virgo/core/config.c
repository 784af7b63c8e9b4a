// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - configuration through configfs
 *
 * The virgo CLI (`virgo config load`) reads /etc and writes here; the
 * kernel never opens a configuration file.
 *
 * /sys/kernel/config/virgo/
 *	node_id		rw  this node's id (0: not configured)
 *	key		w   cluster key, 32-128 hex digits; "none" clears it;
 *			    either closes every connection made under the old
 *	auth		r   "virgo-auth-v2" with a key (the handshake), "none" without
 *	balancer	rw  prg | least-loaded | round-robin
 *	pick		r   the node the balancer would choose now
 *	listen		rw  1: services listen; 0: stopped, connections closed
 *	idle_ms		rw  a served connection without a request is closed
 *			    after this (blank lines do not count); pooled
 *			    client connections idle half of it at most
 *	lamport		r   this node's Lamport clock
 *	nodes/<id>/	mkdir adds node <id> (1-64), rmdir removes it
 *		address	rw  IPv4 address
 *		client	rw  1: the balancer may choose this node (default)
 *		state	r   unknown | up | suspect | down
 *		load	r   "<runq> <load1> <free KiB>", load1 as in /proc/loadavg
 *		rtt_us	r   round trip of the last poll, microseconds
 */

#include <linux/configfs.h>
#include <linux/hex.h>
#include <linux/inet.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "core.h"

/* ------------------------------------------------------------ nodes */

struct virgo_node_item {
	struct config_item item;
	struct virgo_node *node;
};

static struct virgo_node *to_node(struct config_item *item)
{
	return container_of(item, struct virgo_node_item, item)->node;
}

static ssize_t virgo_node_address_show(struct config_item *item, char *page)
{
	__be32 addr = READ_ONCE(to_node(item)->addr);

	return addr ? sprintf(page, "%pI4\n", &addr) : sprintf(page, "\n");
}

static ssize_t virgo_node_address_store(struct config_item *item,
					const char *page, size_t len)
{
	__be32 addr;
	int ret;

	if (!in4_pton(page, strcspn(page, "\n"), (u8 *)&addr, -1, NULL))
		return -EINVAL;
	if (!addr || ipv4_is_loopback(addr) || ipv4_is_multicast(addr) ||
	    ipv4_is_lbcast(addr))
		return -EINVAL;
	ret = virgo_node_set_addr(to_node(item), addr);
	return ret ?: len;
}

static ssize_t virgo_node_client_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(to_node(item)->client));
}

static ssize_t virgo_node_client_store(struct config_item *item,
				       const char *page, size_t len)
{
	bool client;
	int ret = kstrtobool(page, &client);

	if (ret)
		return ret;
	WRITE_ONCE(to_node(item)->client, client);
	return len;
}

static ssize_t virgo_node_state_show(struct config_item *item, char *page)
{
	struct virgo_node *node = to_node(item);
	enum virgo_node_state state;

	spin_lock_bh(&node->lock);
	state = node->state;
	spin_unlock_bh(&node->lock);
	return sprintf(page, "%s\n", virgo_node_state_name(state));
}

static ssize_t virgo_node_load_show(struct config_item *item, char *page)
{
	struct virgo_node *node = to_node(item);
	struct virgo_load load;

	spin_lock_bh(&node->lock);
	load = node->load;
	spin_unlock_bh(&node->lock);
	return sprintf(page, "%u %u.%02u %llu\n", load.runq, load.load1 / 100,
		       load.load1 % 100, load.freemem_kb);
}

static ssize_t virgo_node_rtt_us_show(struct config_item *item, char *page)
{
	struct virgo_node *node = to_node(item);
	u32 rtt;

	spin_lock_bh(&node->lock);
	rtt = node->rtt_us;
	spin_unlock_bh(&node->lock);
	return sprintf(page, "%u\n", rtt);
}

CONFIGFS_ATTR(virgo_node_, address);
CONFIGFS_ATTR(virgo_node_, client);
CONFIGFS_ATTR_RO(virgo_node_, state);
CONFIGFS_ATTR_RO(virgo_node_, load);
CONFIGFS_ATTR_RO(virgo_node_, rtt_us);

static struct configfs_attribute *virgo_node_attrs[] = {
	&virgo_node_attr_address,
	&virgo_node_attr_client,
	&virgo_node_attr_state,
	&virgo_node_attr_load,
	&virgo_node_attr_rtt_us,
	NULL,
};

static void virgo_node_item_release(struct config_item *item)
{
	struct virgo_node_item *ni = container_of(item, struct virgo_node_item, item);

	virgo_node_remove(ni->node);
	kfree(ni);
}

static struct configfs_item_operations virgo_node_item_ops = {
	.release = virgo_node_item_release,
};

static const struct config_item_type virgo_node_type = {
	.ct_item_ops = &virgo_node_item_ops,
	.ct_attrs = virgo_node_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *virgo_nodes_make_item(struct config_group *group,
						 const char *name)
{
	struct virgo_node_item *ni;
	struct virgo_node *node;
	u32 id;

	if (kstrtou32(name, 10, &id) || !id || id > VIRGO_MAX_NODES)
		return ERR_PTR(-EINVAL);
	ni = kzalloc(sizeof(*ni), GFP_KERNEL);
	if (!ni)
		return ERR_PTR(-ENOMEM);
	node = virgo_node_create(id);
	if (IS_ERR(node)) {
		kfree(ni);
		return ERR_CAST(node);
	}
	ni->node = node;
	config_item_init_type_name(&ni->item, name, &virgo_node_type);
	return &ni->item;
}

static void virgo_nodes_drop_item(struct config_group *group,
				  struct config_item *item)
{
	config_item_put(item);
}

static struct configfs_group_operations virgo_nodes_group_ops = {
	.make_item = virgo_nodes_make_item,
	.drop_item = virgo_nodes_drop_item,
};

static const struct config_item_type virgo_nodes_type = {
	.ct_group_ops = &virgo_nodes_group_ops,
	.ct_owner = THIS_MODULE,
};

/* ------------------------------------------------------------ root */

static ssize_t virgo_root_node_id_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n", virgo_local_id());
}

static ssize_t virgo_root_node_id_store(struct config_item *item,
					const char *page, size_t len)
{
	u32 id, was = virgo_local_id();
	int ret = kstrtou32(page, 10, &id);

	if (!ret)
		ret = virgo_set_local_id(id);
	if (ret)
		return ret;
	/* Connections authenticated under the old id end with it. */
	if (id != was) {
		virgo_services_revoke(0);
		virgo_nodes_drain_pools();
	}
	return len;
}

/*
 * A new key (or none) closes every connection made under the old one,
 * served or pooled: a revoked key keeps nothing open.
 */
static ssize_t virgo_root_key_store(struct config_item *item,
				    const char *page, size_t len)
{
	size_t hex = strcspn(page, "\n");
	u8 key[VIRGO_KEY_MAX];
	int ret;

	if (sysfs_streq(page, "none")) {
		ret = virgo_auth_set_key(NULL, 0);
	} else {
		if (hex % 2 || hex / 2 < VIRGO_KEY_MIN || hex / 2 > VIRGO_KEY_MAX)
			return -EINVAL;
		ret = hex2bin(key, page, hex / 2);
		if (!ret)
			ret = virgo_auth_set_key(key, hex / 2);
		memzero_explicit(key, sizeof(key));
	}
	if (ret)
		return ret;
	virgo_services_revoke(0);
	virgo_nodes_drain_pools();
	return len;
}

static ssize_t virgo_root_auth_show(struct config_item *item, char *page)
{
	return sprintf(page, "%s\n", virgo_auth_enabled() ? VIRGO_AUTH_LABEL : "none");
}

static ssize_t virgo_root_balancer_show(struct config_item *item, char *page)
{
	return sprintf(page, "%s\n", virgo_policy_name(virgo_balancer_policy()));
}

static ssize_t virgo_root_balancer_store(struct config_item *item,
					 const char *page, size_t len)
{
	int policy = virgo_policy_parse(page);

	if (policy < 0)
		return policy;
	virgo_balancer_set_policy(policy);
	return len;
}

static ssize_t virgo_root_pick_show(struct config_item *item, char *page)
{
	int id = virgo_balancer_pick();

	return id < 0 ? id : sprintf(page, "%d\n", id);
}

static ssize_t virgo_root_listen_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", virgo_services_listening());
}

static ssize_t virgo_root_listen_store(struct config_item *item,
				       const char *page, size_t len)
{
	bool on;
	int ret = kstrtobool(page, &on);

	if (ret)
		return ret;
	if (on && !virgo_local_id())
		return -EDESTADDRREQ;	/* set node_id first */
	return virgo_services_set_listening(on) ?: len;
}

static ssize_t virgo_root_lamport_show(struct config_item *item, char *page)
{
	return sprintf(page, "%llu\n", virgo_clock_now());
}

VIRGO_CONFIG_U32_ATTR(virgo_root_, idle_ms, virgo_idle_ms, 1000, 3600000);
CONFIGFS_ATTR(virgo_root_, node_id);
CONFIGFS_ATTR_RO(virgo_root_, lamport);
CONFIGFS_ATTR_WO(virgo_root_, key);
CONFIGFS_ATTR_RO(virgo_root_, auth);
CONFIGFS_ATTR(virgo_root_, balancer);
CONFIGFS_ATTR_RO(virgo_root_, pick);
CONFIGFS_ATTR(virgo_root_, listen);

static struct configfs_attribute *virgo_root_attrs[] = {
	&virgo_root_attr_node_id,
	&virgo_root_attr_key,
	&virgo_root_attr_auth,
	&virgo_root_attr_balancer,
	&virgo_root_attr_pick,
	&virgo_root_attr_listen,
	&virgo_root_attr_idle_ms,
	&virgo_root_attr_lamport,
	NULL,
};

static const struct config_item_type virgo_root_type = {
	.ct_attrs = virgo_root_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_nodes_group;

static struct configfs_subsystem virgo_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "virgo",
			.ci_type = &virgo_root_type,
		},
	},
};

int virgo_config_init(void)
{
	config_group_init(&virgo_subsys.su_group);
	mutex_init(&virgo_subsys.su_mutex);
	config_group_init_type_name(&virgo_nodes_group, "nodes", &virgo_nodes_type);
	configfs_add_default_group(&virgo_nodes_group, &virgo_subsys.su_group);
	return configfs_register_subsystem(&virgo_subsys);
}

void virgo_config_exit(void)
{
	configfs_unregister_subsystem(&virgo_subsys);
}

/**
 * virgo_config_parse() - a number written to a component's attribute
 * @page: what was written (a trailing newline is fine)
 * @min: the smallest value allowed
 * @max: the largest
 * @val: set to the number
 *
 * Return: 0, -EINVAL outside [@min, @max], or kstrtou64()'s error.
 */
int virgo_config_parse(const char *page, u64 min, u64 max, u64 *val)
{
	int ret = kstrtou64(page, 10, val);

	if (ret)
		return ret;
	return *val < min || *val > max ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(virgo_config_parse);

/**
 * virgo_config_register_group() - add a component's directory
 * @group: initialised with config_group_init_type_name(); it appears as
 *	/sys/kernel/config/virgo/<name>/
 *
 * Return: 0 or an errno from configfs.
 */
int virgo_config_register_group(struct config_group *group)
{
	return configfs_register_group(&virgo_subsys.su_group, group);
}
EXPORT_SYMBOL_GPL(virgo_config_register_group);

void virgo_config_unregister_group(struct config_group *group)
{
	configfs_unregister_group(group);
}
EXPORT_SYMBOL_GPL(virgo_config_unregister_group);
