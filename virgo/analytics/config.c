// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO analytics - the store in configfs
 *
 * /sys/kernel/config/virgo/analytics/
 *	<key>/		mkdir adds the key (no value yet: readers find
 *			none), rmdir deletes it; `ls` lists the keys
 *		value	rw  the key's value; a write replaces it whole (one
 *			    trailing line end is dropped). EINVAL for a value
 *			    too long, with a control byte, or refused by the
 *			    component that reads the key
 * mkdir answers EINVAL for a bad key and ENOSPC past the 500th. The
 * `virgo analytics` commands are made of these.
 */

#include <linux/configfs.h>
#include <linux/slab.h>
#include "analytics.h"

static ssize_t virgo_analytics_value_show(struct config_item *item, char *page)
{
	int n = virgo_analytics_get(config_item_name(item), page, PAGE_SIZE - 1);

	if (n == -ENOENT)
		return 0;	/* no value yet */
	if (n < 0)
		return n;
	page[n] = '\n';
	return n + 1;
}

static ssize_t virgo_analytics_value_store(struct config_item *item,
					   const char *page, size_t len)
{
	size_t n = len;
	int ret;

	if (n && page[n - 1] == '\n')
		n--;
	ret = virgo_analytics_store_set(&virgo_analytics, config_item_name(item), page, n);
	return ret ?: len;
}

CONFIGFS_ATTR(virgo_analytics_, value);

static struct configfs_attribute *virgo_analytics_key_attrs[] = {
	&virgo_analytics_attr_value,
	NULL,
};

static void virgo_analytics_key_release(struct config_item *item)
{
	kfree(item);
}

static struct configfs_item_operations virgo_analytics_key_ops = {
	.release = virgo_analytics_key_release,
};

static const struct config_item_type virgo_analytics_key_type = {
	.ct_item_ops = &virgo_analytics_key_ops,
	.ct_attrs = virgo_analytics_key_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *virgo_analytics_make_item(struct config_group *group,
						     const char *name)
{
	struct config_item *item = kzalloc(sizeof(*item), GFP_KERNEL);
	int ret;

	if (!item)
		return ERR_PTR(-ENOMEM);
	ret = virgo_analytics_store_add(&virgo_analytics, name);
	if (ret) {
		kfree(item);
		return ERR_PTR(ret);
	}
	config_item_init_type_name(item, name, &virgo_analytics_key_type);
	return item;
}

static void virgo_analytics_drop_item(struct config_group *group, struct config_item *item)
{
	virgo_analytics_store_delete(&virgo_analytics, config_item_name(item));
	config_item_put(item);
}

static struct configfs_group_operations virgo_analytics_group_ops = {
	.make_item = virgo_analytics_make_item,
	.drop_item = virgo_analytics_drop_item,
};

static const struct config_item_type virgo_analytics_type = {
	.ct_group_ops = &virgo_analytics_group_ops,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_analytics_group;

int virgo_analytics_config_init(void)
{
	config_group_init_type_name(&virgo_analytics_group, "analytics", &virgo_analytics_type);
	return virgo_config_register_group(&virgo_analytics_group);
}
