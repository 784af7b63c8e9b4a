// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - start-up, /sys/kernel/virgo/ and the core service
 *
 * The core is what every VIRGO component stands on: the node table, the
 * service and client layers and the load balancer. Its own service, on
 * VIRGO_PORT_CORE, answers the liveness and load polls of the peers:
 *	ping	-> pong <node id>
 *	load	-> load <node id> <runq> <load1 in hundredths> <free KiB>
 *	version	-> virgo <ABI version> <kernel release>
 *	quit	-> (closes the connection)
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/cred.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <generated/utsrelease.h>
#include <uapi/linux/virgo.h>
#include "core.h"

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

/**
 * virgo_cred_unprivileged() - make @cred the identity remote work runs as
 * @cred: new credentials (prepare_creds(), prepare_kernel_cred())
 * @uid: the user, from a component's settings; never root
 * @gid: the group
 *
 * Every id becomes @uid or @gid; no supplementary groups, no capabilities
 * in any set; the user's own accounting.
 *
 * Return: 0, -EPERM for an invalid or root @uid, -ENOMEM. On error @cred
 * is left to the caller to put.
 */
int virgo_cred_unprivileged(struct cred *cred, kuid_t uid, kgid_t gid)
{
	struct group_info *groups;
	struct user_struct *user;

	if (!uid_valid(uid) || !gid_valid(gid) || uid_eq(uid, GLOBAL_ROOT_UID))
		return -EPERM;
	user = alloc_uid(uid);
	groups = groups_alloc(0);
	if (!user || !groups) {
		if (user)
			free_uid(user);
		if (groups)
			put_group_info(groups);
		return -ENOMEM;
	}
	free_uid(cred->user);
	cred->user = user;
	cred->uid = uid;
	cred->euid = uid;
	cred->suid = uid;
	cred->fsuid = uid;
	cred->gid = gid;
	cred->egid = gid;
	cred->sgid = gid;
	cred->fsgid = gid;
	set_groups(cred, groups);
	put_group_info(groups);
	cred->cap_inheritable = CAP_EMPTY_SET;
	cred->cap_permitted = CAP_EMPTY_SET;
	cred->cap_effective = CAP_EMPTY_SET;
	cred->cap_bset = CAP_EMPTY_SET;
	cred->cap_ambient = CAP_EMPTY_SET;
	return set_cred_ucounts(cred);
}
EXPORT_SYMBOL_GPL(virgo_cred_unprivileged);

static int virgo_core_line(struct virgo_conn *conn, char *line, size_t len)
{
	struct virgo_load load;

	if (!strcmp(line, "ping"))
		return virgo_conn_printf(conn, "pong %u\n", virgo_local_id());
	if (!strcmp(line, "load")) {
		virgo_local_load(&load);
		return virgo_conn_printf(conn, "load %u %u %u %llu\n",
					 virgo_local_id(), load.runq,
					 load.load1, load.freemem_kb);
	}
	if (!strcmp(line, "version"))
		return virgo_conn_printf(conn, "virgo %u %s\n", VIRGO_ABI_VERSION,
					 UTS_RELEASE);
	if (!strcmp(line, "quit"))
		return -ECONNRESET;
	return virgo_conn_error(conn, -EINVAL,
				"unknown command (ping, load, version, quit)");
}

static const struct virgo_service_ops virgo_core_ops = {
	.line = virgo_core_line,
};

static struct virgo_service virgo_core_service = {
	.name = "core",
	.port = VIRGO_PORT_CORE,
	.ops = &virgo_core_ops,
};

/*
 * /sys/kernel/debug/virgo/connections: a line per connection a service
 * holds ("conn <service> <peer> plain|serving|handshake age_ms <ms> rx
 * <bytes> tx <bytes>"), then per idle pooled client connection ("pool
 * node <id> <addr>:<port> age_ms <ms> idle_ms <ms> rx <bytes> tx <bytes>").
 */
static int virgo_connections_show(struct seq_file *m, void *unused)
{
	virgo_services_show(m);
	virgo_nodes_show_pools(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(virgo_connections);

static int __init virgo_init(void)
{
	int ret;

	ret = virgo_auth_init();
	if (ret)
		return ret;
	ret = virgo_nodes_init();
	if (ret)
		goto err_auth;
	ret = virgo_service_register(&virgo_core_service);
	if (ret)
		goto err_nodes;
	ret = virgo_config_init();
	if (ret)
		goto err_service;

	virgo_kobj = kobject_create_and_add("virgo", kernel_kobj);
	if (!virgo_kobj) {
		ret = -ENOMEM;
		goto err_config;
	}
	ret = sysfs_create_group(virgo_kobj, &virgo_attr_group);
	if (ret)
		goto err_kobj;

	/* The balancer's analytics keys: registering cannot fail. */
	virgo_balancer_analytics_init();
	/* Nothing depends on it: debugfs may be off, or fail. */
	debugfs_create_file("connections", 0400, debugfs_create_dir("virgo", NULL),
			    NULL, &virgo_connections_fops);
	pr_info("VIRGO cloud kernel core, ABI %u\n", VIRGO_ABI_VERSION);
	return 0;

err_kobj:
	kobject_put(virgo_kobj);
err_config:
	virgo_config_exit();
err_service:
	virgo_service_unregister(&virgo_core_service);
err_nodes:
	virgo_nodes_exit();
err_auth:
	virgo_auth_exit();
	return ret;
}
late_initcall(virgo_init);
