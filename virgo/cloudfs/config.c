// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - settings in configfs
 *
 * /sys/kernel/config/virgo/cloudfs/
 *	export		rw  the directory this node exports; empty: none
 *			    (default /srv/virgo)
 *	uid, gid	rw  the identity files are opened as, never 0
 *			    (default 65534)
 *	max_fds		rw  open files per peer, 1-4096 (default 64)
 *	grace_ms	rw  how long a peer that left the table, or is down,
 *			    keeps its open files (default 30000)
 *	idle_ms		rw  a descriptor unused this long is closed; 0: never
 *			    (default 600000)
 *	caller_gid	rw  besides CAP_SYS_ADMIN, members of this group may
 *			    use virgo_open() and friends here (default 0: no group)
 *	open		r   "<address> <open files>" for each peer with any
 */

#include <linux/configfs.h>
#include "cloudfs.h"

static ssize_t virgo_cloudfs_export_show(struct config_item *item, char *page)
{
	ssize_t n;

	mutex_lock(&virgo_cloudfs.lock);
	n = sprintf(page, "%s\n", virgo_cloudfs.export);
	mutex_unlock(&virgo_cloudfs.lock);
	return n;
}

static ssize_t virgo_cloudfs_export_store(struct config_item *item,
					  const char *page, size_t len)
{
	size_t n = strcspn(page, "\n");

	/* An absolute path, or nothing to export nothing. */
	if (n >= sizeof(virgo_cloudfs.export) || (n && page[0] != '/'))
		return -EINVAL;
	mutex_lock(&virgo_cloudfs.lock);
	memcpy(virgo_cloudfs.export, page, n);
	virgo_cloudfs.export[n] = '\0';
	virgo_fs_export_changed();
	mutex_unlock(&virgo_cloudfs.lock);
	return len;
}

VIRGO_CONFIG_U32_ATTR(virgo_cloudfs_, uid, virgo_cloudfs.uid, 1, U32_MAX - 1);
VIRGO_CONFIG_U32_ATTR(virgo_cloudfs_, gid, virgo_cloudfs.gid, 1, U32_MAX - 1);
VIRGO_CONFIG_U32_ATTR(virgo_cloudfs_, max_fds, virgo_cloudfs.max_fds, 1,
		      VIRGO_FS_FDS_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_cloudfs_, grace_ms, virgo_cloudfs.grace_ms, 0,
		      3600000);
VIRGO_CONFIG_U32_ATTR(virgo_cloudfs_, idle_ms, virgo_cloudfs.idle_ms, 0,
		      86400000);
VIRGO_CONFIG_U32_ATTR(virgo_cloudfs_, caller_gid, virgo_cloudfs.caller_gid, 0,
		      U32_MAX - 1);
CONFIGFS_ATTR(virgo_cloudfs_, export);

static ssize_t virgo_cloudfs_open_show(struct config_item *item, char *page)
{
	return virgo_fds_list(page, PAGE_SIZE);
}

CONFIGFS_ATTR_RO(virgo_cloudfs_, open);

static struct configfs_attribute *virgo_cloudfs_attrs[] = {
	&virgo_cloudfs_attr_export,
	&virgo_cloudfs_attr_uid,
	&virgo_cloudfs_attr_gid,
	&virgo_cloudfs_attr_max_fds,
	&virgo_cloudfs_attr_grace_ms,
	&virgo_cloudfs_attr_idle_ms,
	&virgo_cloudfs_attr_caller_gid,
	&virgo_cloudfs_attr_open,
	NULL,
};

static const struct config_item_type virgo_cloudfs_type = {
	.ct_attrs = virgo_cloudfs_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_cloudfs_group;

int virgo_cloudfs_config_init(void)
{
	config_group_init_type_name(&virgo_cloudfs_group, "cloudfs",
				    &virgo_cloudfs_type);
	return virgo_config_register_group(&virgo_cloudfs_group);
}

void virgo_cloudfs_config_exit(void)
{
	virgo_config_unregister_group(&virgo_cloudfs_group);
}
