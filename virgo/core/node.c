// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the node table, liveness and load
 *
 * Userspace fills the table through configfs (config.c). Every node polls
 * each peer's core service every VIRGO_POLL_MS for its load; the answer
 * also measures the round trip. A peer silent for VIRGO_SUSPECT_MS is
 * suspect, for VIRGO_DOWN_MS down, and up again at its next answer.
 */

#include <linux/seq_file.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/loadavg.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <trace/events/virgo.h>
#include "core.h"

struct workqueue_struct *virgo_wq;

static DEFINE_MUTEX(virgo_nodes_lock);
static struct virgo_node *virgo_nodes[VIRGO_MAX_NODES + 1];
static u32 virgo_self;

static const char *const virgo_state_names[] = {
	[VIRGO_NODE_UNKNOWN] = "unknown",
	[VIRGO_NODE_UP] = "up",
	[VIRGO_NODE_SUSPECT] = "suspect",
	[VIRGO_NODE_DOWN] = "down",
};

const char *virgo_node_state_name(enum virgo_node_state state)
{
	return virgo_state_names[state];
}

void virgo_local_load(struct virgo_load *load)
{
	load->runq = nr_running();
	load->load1 = LOAD_INT(avenrun[0]) * 100 + LOAD_FRAC(avenrun[0]);
	load->freemem_kb = global_zone_page_state(NR_FREE_PAGES) << (PAGE_SHIFT - 10);
}

/* Parse "load <id> <runq> <load1> <freemem_kb>", the core's answer. */
static int virgo_parse_load(char *reply, u32 id, struct virgo_load *load)
{
	char *w[6];
	u64 v[4];
	int i;

	if (virgo_split_words(reply, w, ARRAY_SIZE(w)) != 5 || strcmp(w[0], "load"))
		return -EPROTO;
	for (i = 0; i < 4; i++)
		if (virgo_parse_u64(w[i + 1], U64_MAX >> 10, &v[i]))
			return -EPROTO;
	if (v[0] != id || v[1] > U32_MAX || v[2] > U32_MAX)
		return -EPROTO;
	load->runq = v[1];
	load->load1 = v[2];
	load->freemem_kb = v[3];
	return 0;
}

static void virgo_node_poll(struct work_struct *work)
{
	struct virgo_node *node = container_of(to_delayed_work(work),
					       struct virgo_node, poll_work);
	char reply[128];
	struct virgo_load load;
	ktime_t start = ktime_get();
	enum virgo_node_state old;
	unsigned long silent;
	int ret;

	if (node->id == READ_ONCE(virgo_self)) {
		virgo_local_load(&load);
		ret = 0;
	} else {
		ret = virgo_call(node->id, VIRGO_PORT_CORE, "load", reply, sizeof(reply));
		if (!ret)
			ret = virgo_parse_load(reply, node->id, &load);
	}

	spin_lock_bh(&node->lock);
	old = node->state;
	if (!ret) {
		node->load = load;
		node->rtt_us = ktime_us_delta(ktime_get(), start);
		node->last_seen = jiffies;
		node->state = VIRGO_NODE_UP;
	} else {
		silent = jiffies - node->last_seen;
		if (silent >= msecs_to_jiffies(VIRGO_DOWN_MS))
			node->state = VIRGO_NODE_DOWN;
		else if (silent >= msecs_to_jiffies(VIRGO_SUSPECT_MS) &&
			 node->state == VIRGO_NODE_UP)
			node->state = VIRGO_NODE_SUSPECT;
	}
	if (node->state != old)
		trace_virgo_node_state(node->id, virgo_node_state_name(old),
				       virgo_node_state_name(node->state));
	spin_unlock_bh(&node->lock);

	queue_delayed_work(virgo_wq, &node->poll_work, msecs_to_jiffies(VIRGO_POLL_MS));
}

/* Every node's pool of idle client connections, for debugfs. */
void virgo_nodes_show_pools(struct seq_file *m)
{
	struct virgo_node *node;
	u32 id;

	mutex_lock(&virgo_nodes_lock);
	for (id = 1; id <= VIRGO_MAX_NODES; id++) {
		node = virgo_nodes[id];
		if (!node)
			continue;
		spin_lock_bh(&node->lock);
		virgo_pool_show(m, node);
		spin_unlock_bh(&node->lock);
	}
	mutex_unlock(&virgo_nodes_lock);
}

/**
 * virgo_node_failed() - a caller could not reach the node
 * @node: the node
 *
 * An up node turns suspect at once, so that the balancer stops choosing
 * it, and is polled now: one answer makes it up again.
 */
void virgo_node_failed(struct virgo_node *node)
{
	spin_lock_bh(&node->lock);
	if (node->state == VIRGO_NODE_UP) {
		node->state = VIRGO_NODE_SUSPECT;
		trace_virgo_node_state(node->id, "up", "suspect");
	}
	spin_unlock_bh(&node->lock);

	/* Not once virgo_node_remove() took it out: it cancels the poll. */
	mutex_lock(&virgo_nodes_lock);
	if (virgo_nodes[node->id] == node)
		mod_delayed_work(virgo_wq, &node->poll_work, 0);
	mutex_unlock(&virgo_nodes_lock);
}

/**
 * virgo_node_create() - a new node, not yet in the table
 * @id: 1..VIRGO_MAX_NODES
 *
 * Return: the node (one reference) or an ERR_PTR.
 */
struct virgo_node *virgo_node_create(u32 id)
{
	struct virgo_node *node;

	if (!id || id > VIRGO_MAX_NODES)
		return ERR_PTR(-EINVAL);
	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return ERR_PTR(-ENOMEM);
	node->id = id;
	node->client = true;
	kref_init(&node->ref);
	spin_lock_init(&node->lock);
	INIT_LIST_HEAD(&node->pool);
	INIT_DELAYED_WORK(&node->poll_work, virgo_node_poll);
	/* "unknown" turns "down" if never heard from within VIRGO_DOWN_MS. */
	node->last_seen = jiffies;

	mutex_lock(&virgo_nodes_lock);
	if (virgo_nodes[id]) {
		mutex_unlock(&virgo_nodes_lock);
		kfree(node);
		return ERR_PTR(-EEXIST);
	}
	kref_get(&node->ref);
	virgo_nodes[id] = node;
	mutex_unlock(&virgo_nodes_lock);
	return node;
}

/**
 * virgo_node_set_addr() - give a node its address and start polling it
 * @node: the node
 * @addr: IPv4, network order; unique in the table
 *
 * Return: 0, or -EEXIST when another node has that address.
 */
int virgo_node_set_addr(struct virgo_node *node, __be32 addr)
{
	__be32 old = 0;
	int i, ret = 0;

	mutex_lock(&virgo_nodes_lock);
	for (i = 1; i <= VIRGO_MAX_NODES; i++) {
		if (virgo_nodes[i] && virgo_nodes[i] != node &&
		    virgo_nodes[i]->addr == addr) {
			ret = -EEXIST;
			goto out;
		}
	}
	old = node->addr;
	WRITE_ONCE(node->addr, addr);
	mod_delayed_work(virgo_wq, &node->poll_work, 0);
out:
	mutex_unlock(&virgo_nodes_lock);
	if (!ret && old && old != addr) {
		/* What the old address holds is no longer this node's. */
		virgo_services_revoke(old);
		virgo_pool_drain(node);
	}
	return ret;
}

static void virgo_node_release(struct kref *ref)
{
	struct virgo_node *node = container_of(ref, struct virgo_node, ref);

	virgo_pool_drain(node);
	kfree(node);
}

void virgo_node_put(struct virgo_node *node)
{
	if (node)
		kref_put(&node->ref, virgo_node_release);
}

/**
 * virgo_node_remove() - take a node out of the table
 * @node: the node; the caller's reference is dropped
 */
void virgo_node_remove(struct virgo_node *node)
{
	mutex_lock(&virgo_nodes_lock);
	if (virgo_nodes[node->id] == node) {
		virgo_nodes[node->id] = NULL;
		kref_put(&node->ref, virgo_node_release);	/* the table's */
	}
	mutex_unlock(&virgo_nodes_lock);
	/* Its connections end now, not when the last reference goes. */
	if (node->addr)
		virgo_services_revoke(node->addr);
	cancel_delayed_work_sync(&node->poll_work);
	virgo_pool_drain(node);
	virgo_node_put(node);
}

/**
 * virgo_node_get() - a node by id, referenced
 * @id: the node id
 *
 * Return: the node (put it with virgo_node_put()) or NULL.
 */
struct virgo_node *virgo_node_get(u32 id)
{
	struct virgo_node *node = NULL;

	if (!id || id > VIRGO_MAX_NODES)
		return NULL;
	mutex_lock(&virgo_nodes_lock);
	node = virgo_nodes[id];
	if (node)
		kref_get(&node->ref);
	mutex_unlock(&virgo_nodes_lock);
	return node;
}

/* Is @addr one of the cluster's nodes? */
bool virgo_node_addr_known(__be32 addr)
{
	bool known = false;
	int i;

	mutex_lock(&virgo_nodes_lock);
	for (i = 1; i <= VIRGO_MAX_NODES && !known; i++)
		known = virgo_nodes[i] && virgo_nodes[i]->addr == addr;
	mutex_unlock(&virgo_nodes_lock);
	return known;
}

/**
 * virgo_node_id_by_addr() - which node a peer is
 * @addr: the peer's address; a loopback address is this node
 *
 * Return: the node's id, or 0 for an address not in the table.
 */
u32 virgo_node_id_by_addr(__be32 addr)
{
	u32 id = 0;
	int i;

	if (ipv4_is_loopback(addr))
		return virgo_local_id();
	mutex_lock(&virgo_nodes_lock);
	for (i = 1; i <= VIRGO_MAX_NODES && !id; i++)
		if (virgo_nodes[i] && virgo_nodes[i]->addr == addr)
			id = i;
	mutex_unlock(&virgo_nodes_lock);
	return id;
}

/* Is @addr this node's own address in the table? */
bool virgo_node_addr_is_local(__be32 addr)
{
	u32 self = virgo_local_id();
	bool local;

	mutex_lock(&virgo_nodes_lock);
	local = self && virgo_nodes[self] && virgo_nodes[self]->addr == addr;
	mutex_unlock(&virgo_nodes_lock);
	return local;
}

/* Close every node's idle client connections (the key changed). */
void virgo_nodes_drain_pools(void)
{
	struct virgo_node *node;
	int i;

	mutex_lock(&virgo_nodes_lock);
	for (i = 1; i <= VIRGO_MAX_NODES; i++) {
		node = virgo_nodes[i];
		if (node)
			virgo_pool_drain(node);
	}
	mutex_unlock(&virgo_nodes_lock);
}

/* Is @addr one of the cluster's nodes, and not marked down? */
bool virgo_node_addr_up(__be32 addr)
{
	struct virgo_node *node;
	bool up = false;
	int i;

	mutex_lock(&virgo_nodes_lock);
	for (i = 1; i <= VIRGO_MAX_NODES && !up; i++) {
		node = virgo_nodes[i];
		if (!node || node->addr != addr)
			continue;
		spin_lock_bh(&node->lock);
		up = node->state != VIRGO_NODE_DOWN;
		spin_unlock_bh(&node->lock);
	}
	mutex_unlock(&virgo_nodes_lock);
	return up;
}
EXPORT_SYMBOL_GPL(virgo_node_addr_up);

u32 virgo_local_id(void)
{
	return READ_ONCE(virgo_self);
}

int virgo_set_local_id(u32 id)
{
	if (id > VIRGO_MAX_NODES)
		return -EINVAL;
	WRITE_ONCE(virgo_self, id);
	return 0;
}

/* A snapshot of the nodes for the balancer; returns how many. */
unsigned int virgo_nodes_snapshot(struct virgo_candidate *cands)
{
	struct virgo_node *node;
	unsigned int n = 0;
	int i;

	mutex_lock(&virgo_nodes_lock);
	for (i = 1; i <= VIRGO_MAX_NODES; i++) {
		node = virgo_nodes[i];
		if (!node || !node->client)
			continue;
		spin_lock_bh(&node->lock);
		cands[n].id = node->id;
		cands[n].up = node->state == VIRGO_NODE_UP;
		cands[n].load = node->load;
		cands[n].weight = virgo_balancer_weight(node->id);
		spin_unlock_bh(&node->lock);
		n++;
	}
	mutex_unlock(&virgo_nodes_lock);
	return n;
}

int virgo_nodes_init(void)
{
	/*
	 * Every connection of every service is a work item here, besides the
	 * polls and the accept loops; each service bounds its connections.
	 */
	virgo_wq = alloc_workqueue("virgo", WQ_UNBOUND | WQ_MEM_RECLAIM,
				   WQ_UNBOUND_MAX_ACTIVE);
	return virgo_wq ? 0 : -ENOMEM;
}

void virgo_nodes_exit(void)
{
	destroy_workqueue(virgo_wq);
	virgo_wq = NULL;
}
