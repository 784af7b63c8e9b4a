// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - settings in configfs
 *
 * /sys/kernel/config/virgo/cpupool/
 *	exec_dir	rw  the only directory programs run from; empty: none
 *			    (default /usr/libexec/virgo/clone)
 *	exec_cgroup	rw  a cgroup v2 directory every program joins before
 *			    it execs (its pids.max and memory.max bound what
 *			    programs may take); looked up when written, in
 *			    the writer's namespace, and refused unless it is
 *			    a directory of a cgroup2 filesystem. A program
 *			    that cannot join does not run (EACCES). Empty
 *			    (default): none
 *	exec_uid	rw  the user they run as, never 0 (default 65534)
 *	exec_gid	rw  the group, never 0 (default 65534)
 *	max_jobs	rw  jobs running at once on this node, 1-512 (default 16);
 *			    analytics cpupool.max_jobs sets it too, live (and
 *			    deleted, gives back the value from before it)
 *	max_programs	rw  of them, programs, 1-32 (default 8)
 *	caller_gid	rw  besides CAP_SYS_ADMIN, members of this group may call
 *			    virgo_clone() here (default 0: no group)
 *	exec_lab	rw  1: programs run in lab mode too (no cluster key,
 *			    so any local user could ask); default 0: only in
 *			    a keyed cluster
 *	jobs		r   jobs running now
 *	functions	r   the kernel functions this node offers
 */

#include <linux/configfs.h>
#include <linux/magic.h>
#include <linux/namei.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include "cpupool.h"

struct virgo_cpupool_settings virgo_cpupool = {
	.lock = __MUTEX_INITIALIZER(virgo_cpupool.lock),
	.exec_dir = VIRGO_EXEC_DIR_DEFAULT,
	.exec_uid = VIRGO_EXEC_ID_DEFAULT,
	.exec_gid = VIRGO_EXEC_ID_DEFAULT,
	.max_jobs = VIRGO_JOBS_DEFAULT,
	.max_programs = VIRGO_PROGRAMS_DEFAULT,
	.caller_gid = 0,
};

static ssize_t virgo_cpupool_path_show(const char *path, char *page)
{
	ssize_t n;

	mutex_lock(&virgo_cpupool.lock);
	n = sprintf(page, "%s\n", path);
	mutex_unlock(&virgo_cpupool.lock);
	return n;
}

static ssize_t virgo_cpupool_path_store(char *path, const char *page, size_t len)
{
	size_t n = strcspn(page, "\n");

	/* An absolute path without "..", or nothing to turn it off. */
	if (n >= VIRGO_EXEC_DIR_MAX || (n && page[0] != '/') ||
	    strnstr(page, "/..", n))
		return -EINVAL;
	mutex_lock(&virgo_cpupool.lock);
	memcpy(path, page, n);
	path[n] = '\0';
	mutex_unlock(&virgo_cpupool.lock);
	return len;
}

static ssize_t virgo_cpupool_exec_dir_show(struct config_item *item, char *page)
{
	return virgo_cpupool_path_show(virgo_cpupool.exec_dir, page);
}

static ssize_t virgo_cpupool_exec_dir_store(struct config_item *item,
					    const char *page, size_t len)
{
	return virgo_cpupool_path_store(virgo_cpupool.exec_dir, page, len);
}

static ssize_t virgo_cpupool_exec_cgroup_show(struct config_item *item, char *page)
{
	return virgo_cpupool_path_show(virgo_cpupool.exec_cgroup, page);
}

static ssize_t virgo_cpupool_exec_cgroup_store(struct config_item *item,
					       const char *page, size_t len)
{
	struct path path = {}, old;
	size_t n = strcspn(page, "\n");
	char *name;
	int ret;

	if (n >= VIRGO_EXEC_DIR_MAX || (n && page[0] != '/'))
		return -EINVAL;
	if (n) {
		name = kstrndup(page, n, GFP_KERNEL);
		if (!name)
			return -ENOMEM;
		ret = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
		kfree(name);
		if (ret)
			return ret;
		if (path.dentry->d_sb->s_magic != CGROUP2_SUPER_MAGIC) {
			path_put(&path);
			return -EINVAL;
		}
	}
	mutex_lock(&virgo_cpupool.lock);
	old = virgo_cpupool.exec_cgroup_path;
	virgo_cpupool.exec_cgroup_path = path;
	memcpy(virgo_cpupool.exec_cgroup, page, n);
	virgo_cpupool.exec_cgroup[n] = '\0';
	mutex_unlock(&virgo_cpupool.lock);
	path_put(&old);
	return len;
}

VIRGO_CONFIG_U32_ATTR(virgo_cpupool_, exec_uid, virgo_cpupool.exec_uid, 1, U32_MAX - 1);
VIRGO_CONFIG_U32_ATTR(virgo_cpupool_, exec_gid, virgo_cpupool.exec_gid, 1, U32_MAX - 1);
VIRGO_CONFIG_U32_ATTR(virgo_cpupool_, max_jobs, virgo_cpupool.max_jobs, 1, VIRGO_JOBS_MAX);
VIRGO_CONFIG_U32_ATTR(virgo_cpupool_, caller_gid, virgo_cpupool.caller_gid, 0, U32_MAX - 1);
VIRGO_CONFIG_U32_ATTR(virgo_cpupool_, exec_lab, virgo_cpupool.exec_lab, 0, 1);
VIRGO_CONFIG_U32_ATTR(virgo_cpupool_, max_programs, virgo_cpupool.max_programs, 1,
		      VIRGO_PROGRAMS_MAX);

static ssize_t virgo_cpupool_jobs_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n", virgo_jobs_running());
}

static ssize_t virgo_cpupool_functions_show(struct config_item *item, char *page)
{
	size_t n = virgo_functions_list(page, PAGE_SIZE - 1);

	page[n] = '\n';
	return n + 1;
}

CONFIGFS_ATTR(virgo_cpupool_, exec_dir);
CONFIGFS_ATTR(virgo_cpupool_, exec_cgroup);
CONFIGFS_ATTR_RO(virgo_cpupool_, jobs);
CONFIGFS_ATTR_RO(virgo_cpupool_, functions);

static struct configfs_attribute *virgo_cpupool_attrs[] = {
	&virgo_cpupool_attr_exec_dir,
	&virgo_cpupool_attr_exec_cgroup,
	&virgo_cpupool_attr_exec_uid,
	&virgo_cpupool_attr_exec_gid,
	&virgo_cpupool_attr_max_jobs,
	&virgo_cpupool_attr_caller_gid,
	&virgo_cpupool_attr_exec_lab,
	&virgo_cpupool_attr_max_programs,
	&virgo_cpupool_attr_jobs,
	&virgo_cpupool_attr_functions,
	NULL,
};

static const struct config_item_type virgo_cpupool_type = {
	.ct_attrs = virgo_cpupool_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_cpupool_group;

/*
 * Analytics cpupool.max_jobs (1 to VIRGO_JOBS_MAX) sets max_jobs; a value
 * out of range is refused before it is set. Deleted, max_jobs is what it
 * was before the key was set. The notifier's calls are serialised.
 */
static u32 virgo_cpupool_saved_jobs;

static int virgo_cpupool_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct virgo_analytics_change *c = data;
	u32 v;

	if (strcmp(c->key, "cpupool.max_jobs"))
		return NOTIFY_DONE;
	if (!c->value) {
		if (virgo_cpupool_saved_jobs)
			WRITE_ONCE(virgo_cpupool.max_jobs, virgo_cpupool_saved_jobs);
		virgo_cpupool_saved_jobs = 0;
		return NOTIFY_OK;
	}
	if (kstrtou32(c->value, 10, &v) || !v || v > VIRGO_JOBS_MAX)
		return notifier_from_errno(-EINVAL);
	if (action != VIRGO_ANALYTICS_SET)
		return NOTIFY_OK;
	if (c->fresh)
		virgo_cpupool_saved_jobs = READ_ONCE(virgo_cpupool.max_jobs);
	WRITE_ONCE(virgo_cpupool.max_jobs, v);
	return NOTIFY_OK;
}

static struct notifier_block virgo_cpupool_nb = {
	.notifier_call = virgo_cpupool_notify,
};

int virgo_cpupool_config_init(void)
{
	config_group_init_type_name(&virgo_cpupool_group, "cpupool",
				    &virgo_cpupool_type);
	virgo_analytics_register_notifier(&virgo_cpupool_nb);
	return virgo_config_register_group(&virgo_cpupool_group);
}

void virgo_cpupool_config_exit(void)
{
	virgo_analytics_unregister_notifier(&virgo_cpupool_nb);
	virgo_config_unregister_group(&virgo_cpupool_group);
}
