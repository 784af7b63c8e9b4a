// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - settings in configfs
 *
 * /sys/kernel/config/virgo/queue/
 *	log_dir		rw  the log's directory (default /var/log/kingcobra).
 *			    Writing it opens and replays the log there,
 *			    looked up in the writer's namespace: the queue
 *			    serves from then on. Once open it cannot change
 *			    (EBUSY)
 *	state		r   "closed", or "open <epoch> <last seq>"
 *	default_service	rw  the service a plain text line asks for (echo)
 *	max_log_kb	rw  the log is rotated past this size (default 65536)
 *	max_messages	rw  messages this node holds at most (default 4096)
 *	max_kb		rw  payload KiB it holds at most (default 32768)
 *	peer_messages	rw  of them, those of one publisher node (default 1024)
 *	peer_kb		rw  of them, those of one publisher node (default 8192)
 *	caller_gid	rw  besides CAP_SYS_ADMIN, members of this group may
 *			    call virgo_publish() and virgo_wait() here
 *	paused		rw  1: queued requests wait; 0 (default): serviced
 *	messages	r   one line per message held (as the LIST command)
 *	stats		r   counts: "messages bytes bad_records torn rotations"
 */

#include <linux/configfs.h>
#include <linux/slab.h>
#include "queue.h"

struct virgo_queue_settings virgo_queue_set = {
	.log_dir = VIRGO_QUEUE_DIR_DEFAULT,
	.default_service = "echo",
	.max_log_kb = 65536,
	.max_messages = 4096,
	.max_kb = 32768,
	.peer_messages = 1024,
	.peer_kb = 8192,
};

static ssize_t virgo_queue_log_dir_show(struct config_item *item, char *page)
{
	ssize_t n;

	mutex_lock(&virgo_queue.lock);
	n = sprintf(page, "%s\n", virgo_queue_set.log_dir);
	mutex_unlock(&virgo_queue.lock);
	return n;
}

static ssize_t virgo_queue_log_dir_store(struct config_item *item,
					 const char *page, size_t len)
{
	size_t n = strcspn(page, "\n");
	char *dir;
	int ret;

	if (!n || n >= VIRGO_QUEUE_DIR_MAX || page[0] != '/' || strnstr(page, "/..", n))
		return -EINVAL;
	dir = kstrndup(page, n, GFP_KERNEL);
	if (!dir)
		return -ENOMEM;
	ret = virgo_queue_start(dir);
	if (!ret) {
		mutex_lock(&virgo_queue.lock);
		strscpy(virgo_queue_set.log_dir, dir, sizeof(virgo_queue_set.log_dir));
		mutex_unlock(&virgo_queue.lock);
	}
	kfree(dir);
	return ret ?: len;
}

static ssize_t virgo_queue_state_show(struct config_item *item, char *page)
{
	struct virgo_queue *q = &virgo_queue;
	ssize_t n;

	mutex_lock(&q->lock);
	n = q->open ? sprintf(page, "open %u %llu\n", q->epoch, q->seq) :
		      sprintf(page, "closed\n");
	mutex_unlock(&q->lock);
	return n;
}

static ssize_t virgo_queue_default_service_show(struct config_item *item, char *page)
{
	ssize_t n;

	mutex_lock(&virgo_queue.lock);
	n = sprintf(page, "%s\n", virgo_queue_set.default_service);
	mutex_unlock(&virgo_queue.lock);
	return n;
}

static ssize_t virgo_queue_default_service_store(struct config_item *item,
						 const char *page, size_t len)
{
	char name[VIRGO_SERVICE_NAME_MAX];
	size_t n = strcspn(page, "\n");

	if (n >= sizeof(name))
		return -EINVAL;
	memcpy(name, page, n);
	name[n] = '\0';
	if (!virgo_qservice_ok(name))
		return -EINVAL;
	mutex_lock(&virgo_queue.lock);
	strscpy(virgo_queue_set.default_service, name,
		sizeof(virgo_queue_set.default_service));
	mutex_unlock(&virgo_queue.lock);
	return len;
}

static ssize_t virgo_queue_paused_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n", READ_ONCE(virgo_queue_set.paused));
}

static ssize_t virgo_queue_paused_store(struct config_item *item,
					const char *page, size_t len)
{
	u64 v;
	int ret = virgo_config_parse(page, 0, 1, &v);

	if (ret)
		return ret;
	WRITE_ONCE(virgo_queue_set.paused, v);
	if (!v)
		virgo_queue_resume();
	return len;
}

static ssize_t virgo_queue_messages_show(struct config_item *item, char *page)
{
	return virgo_queue_list(page, PAGE_SIZE);
}

static ssize_t virgo_queue_stats_show(struct config_item *item, char *page)
{
	struct virgo_queue *q = &virgo_queue;
	ssize_t n;

	mutex_lock(&q->lock);
	n = sprintf(page, "%u %zu %u %zu %u\n", q->nmsgs, q->nbytes,
		    q->bad_records, q->torn, q->log.rotations);
	mutex_unlock(&q->lock);
	return n;
}

VIRGO_CONFIG_U32_ATTR(virgo_queue_, max_log_kb, virgo_queue_set.max_log_kb, 64, 4194304);
VIRGO_CONFIG_U32_ATTR(virgo_queue_, max_messages, virgo_queue_set.max_messages, 1, 65536);
VIRGO_CONFIG_U32_ATTR(virgo_queue_, max_kb, virgo_queue_set.max_kb, 64, 1048576);
VIRGO_CONFIG_U32_ATTR(virgo_queue_, peer_messages, virgo_queue_set.peer_messages, 1, 65536);
VIRGO_CONFIG_U32_ATTR(virgo_queue_, peer_kb, virgo_queue_set.peer_kb, 64, 1048576);
VIRGO_CONFIG_U32_ATTR(virgo_queue_, caller_gid, virgo_queue_set.caller_gid, 0, U32_MAX - 1);
CONFIGFS_ATTR(virgo_queue_, log_dir);
CONFIGFS_ATTR_RO(virgo_queue_, state);
CONFIGFS_ATTR(virgo_queue_, default_service);
CONFIGFS_ATTR(virgo_queue_, paused);
CONFIGFS_ATTR_RO(virgo_queue_, messages);
CONFIGFS_ATTR_RO(virgo_queue_, stats);

static struct configfs_attribute *virgo_queue_attrs[] = {
	&virgo_queue_attr_log_dir,
	&virgo_queue_attr_state,
	&virgo_queue_attr_default_service,
	&virgo_queue_attr_max_log_kb,
	&virgo_queue_attr_max_messages,
	&virgo_queue_attr_max_kb,
	&virgo_queue_attr_peer_messages,
	&virgo_queue_attr_peer_kb,
	&virgo_queue_attr_caller_gid,
	&virgo_queue_attr_paused,
	&virgo_queue_attr_messages,
	&virgo_queue_attr_stats,
	NULL,
};

static const struct config_item_type virgo_queue_type = {
	.ct_attrs = virgo_queue_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group virgo_queue_group;

int virgo_queue_config_init(void)
{
	config_group_init_type_name(&virgo_queue_group, "queue", &virgo_queue_type);
	return virgo_config_register_group(&virgo_queue_group);
}

void virgo_queue_config_exit(void)
{
	virgo_config_unregister_group(&virgo_queue_group);
}
