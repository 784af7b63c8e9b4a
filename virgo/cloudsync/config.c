// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - settings in configfs
 *
 * /sys/kernel/config/virgo/cloudsync/
 *	lease_ms	rw  a lock's lease (default 10000): a holder that
 *			    does not renew it loses the lock after this
 *	max_locks	rw  names the master holds at most (default 4096)
 *	max_held	rw  locks one node may hold at once (default 256)
 *	max_waiting	rw  acquires of one node that may wait at once
 *			    (default 64)
 *	caller_gid	rw  besides CAP_SYS_ADMIN, members of this group may
 *			    call virgo_lock(2)
 *	status		r   "master <id> term <term> this-node|other
 *			    [lease <ms> [grace <ms>]]"; on the master, a line
 *			    per lock,
 *			    "lock <name> <token> <holder> <lease ms> <waiters>";
 *			    then "held <name> <token> <lease ms> [lost]" per
 *			    lock this node holds
 */

#include <linux/configfs.h>
#include "lock.h"

struct virgo_lock_settings virgo_lock_set = {
	.lease_ms = 10000,
	.max_locks = 4096,
	.max_held = 256,
	.max_waiting = 64,
};

static ssize_t virgo_lock_status_show(struct config_item *item, char *page)
{
	int n = virgo_lock_master_show(page, PAGE_SIZE);

	return n + virgo_lock_holder_show(page + n, PAGE_SIZE - n);
}

VIRGO_CONFIG_U32_ATTR(virgo_lock_, lease_ms, virgo_lock_set.lease_ms, 1000, 600000);
VIRGO_CONFIG_U32_ATTR(virgo_lock_, max_locks, virgo_lock_set.max_locks, 1, 65536);
VIRGO_CONFIG_U32_ATTR(virgo_lock_, max_held, virgo_lock_set.max_held, 1, 65535);
VIRGO_CONFIG_U32_ATTR(virgo_lock_, max_waiting, virgo_lock_set.max_waiting, 1, 64);
VIRGO_CONFIG_U32_ATTR(virgo_lock_, caller_gid, virgo_lock_set.caller_gid, 0, U32_MAX - 1);
CONFIGFS_ATTR_RO(virgo_lock_, status);

static struct configfs_attribute *virgo_lock_attrs[] = {
	&virgo_lock_attr_lease_ms,
	&virgo_lock_attr_max_locks,
	&virgo_lock_attr_max_held,
	&virgo_lock_attr_max_waiting,
	&virgo_lock_attr_caller_gid,
	&virgo_lock_attr_status,
	NULL,
};

static const struct config_item_type virgo_lock_type = {
	.ct_attrs = virgo_lock_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_lock_group;

int virgo_lock_config_init(void)
{
	config_group_init_type_name(&virgo_lock_group, "cloudsync", &virgo_lock_type);
	return virgo_config_register_group(&virgo_lock_group);
}

void virgo_lock_config_exit(void)
{
	virgo_config_unregister_group(&virgo_lock_group);
}
