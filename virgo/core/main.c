// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - start-up and the /sys/kernel/virgo/ directory
 *
 * The core is what every VIRGO component stands on. Its directory in sysfs
 * tells userspace (the virgo CLI, libvirgo, the test harness) that it runs
 * a VIRGO kernel and which system call ABI it speaks.
 */

#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <generated/utsrelease.h>
#include <uapi/linux/virgo.h>

static struct kobject *virgo_kobj;

static ssize_t abi_version_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", VIRGO_ABI_VERSION);
}

static struct kobj_attribute virgo_attr_abi_version = __ATTR_RO(abi_version);

static ssize_t release_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", UTS_RELEASE);
}

static struct kobj_attribute virgo_attr_release = __ATTR_RO(release);

static struct attribute *virgo_attrs[] = {
	&virgo_attr_abi_version.attr,
	&virgo_attr_release.attr,
	NULL,
};

static const struct attribute_group virgo_attr_group = {
	.attrs = virgo_attrs,
};

static int __init virgo_init(void)
{
	int ret;

	virgo_kobj = kobject_create_and_add("virgo", kernel_kobj);
	if (!virgo_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(virgo_kobj, &virgo_attr_group);
	if (ret)
		goto err_put;

	pr_info("VIRGO cloud kernel core, ABI %u\n", VIRGO_ABI_VERSION);
	return 0;

err_put:
	kobject_put(virgo_kobj);
	virgo_kobj = NULL;
	return ret;
}
subsys_initcall(virgo_init);
