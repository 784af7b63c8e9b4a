// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - virgo_eventnet_log(), and the trace of the cluster's calls
 *
 * Components log events from wherever they are: virgo_eventnet_log()
 * copies the event into a ring (configfs eventnet/queue_len entries, at
 * most VIRGO_ENET_RING) under a spinlock and queues the worker; it never
 * sleeps, allocates or fails. When the ring is full the event is dropped
 * and counted. The worker
 * turns each event into EventNet messages for the collector node
 * (configfs eventnet/collector; this node by default):
 *
 *	VERTEX <op>@<node>.<time> node<a> node<b>
 *		the event, with the conversation between the caller's node
 *		<a> and the server's node <b>
 *	EDGE <the node's previous event> <op>@<node>.<time>
 *		this node's order of events
 *	EDGE <op>@<caller>.<cause> <op>@<node>.<time>
 *		on a server: from the caller's event, named by the Lamport
 *		time of the frame that carried the request (both ends know it)
 *
 * A message the collector does not take is counted as lost. With configfs
 * eventnet/trace on, the core logs every request that a component marked
 * (struct virgo_request's op on the caller, virgo_conn_trace() on the
 * server): virgo_clone, malloc/set/get/free, open/read/write/close, queue
 * publish and reply. The messages to the collector are not traced.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>
#include "eventnet.h"


struct virgo_enet_event {
	char op[VIRGO_EVENT_OP_MAX + 1];
	u32 node;
	u32 peer;
	u64 time;
	u64 cause;
	bool served;
};

bool virgo_eventnet_tracing;

static struct {
	spinlock_t lock;	/* protects head, len, ring */
	unsigned int head;
	unsigned int len;
	struct virgo_enet_event ring[VIRGO_ENET_RING];
} virgo_enet_ring = {
	.lock = __SPIN_LOCK_UNLOCKED(virgo_enet_ring.lock),
};

static atomic64_t virgo_enet_logged = ATOMIC64_INIT(0);
static atomic64_t virgo_enet_dropped = ATOMIC64_INIT(0);
static atomic64_t virgo_enet_lost = ATOMIC64_INIT(0);

static void virgo_enet_log_work(struct work_struct *work);
static DECLARE_WORK(virgo_enet_work, virgo_enet_log_work);

/**
 * virgo_eventnet_log() - log an event for EventNet's graph
 * @ev: the event; copied
 *
 * Any context: never sleeps, never fails its caller. An event that finds
 * the ring full is dropped and counted (configfs eventnet/status).
 */
void virgo_eventnet_log(const struct virgo_event *ev)
{
	struct virgo_enet_event *e;
	unsigned long flags;
	u32 self = virgo_local_id();

	if (!self)
		return;		/* no node id: no name for its events */
	spin_lock_irqsave(&virgo_enet_ring.lock, flags);
	if (virgo_enet_ring.len >= READ_ONCE(virgo_enet_set.queue_len)) {
		spin_unlock_irqrestore(&virgo_enet_ring.lock, flags);
		atomic64_inc(&virgo_enet_dropped);
		return;
	}
	e = &virgo_enet_ring.ring[(virgo_enet_ring.head + virgo_enet_ring.len++) %
				  VIRGO_ENET_RING];
	strscpy(e->op, ev->op, sizeof(e->op));
	e->node = self;
	e->peer = ev->peer;
	/* After its cause, on this node's clock, when it has no time of its own. */
	e->time = ev->time ?: virgo_clock_stamp();
	e->cause = ev->cause;
	e->served = ev->served;
	spin_unlock_irqrestore(&virgo_enet_ring.lock, flags);
	atomic64_inc(&virgo_enet_logged);
	queue_work(virgo_wq, &virgo_enet_work);
}
EXPORT_SYMBOL_GPL(virgo_eventnet_log);

/* Send @msg to the collector, or apply it here. */
static int virgo_enet_deliver(const struct virgo_enet_msg *msg)
{
	u32 collector = READ_ONCE(virgo_enet_set.collector);
	char line[48], reply[64], names[3 * VIRGO_ENET_NAME_MAX], *p = names;
	struct virgo_request req = {
		.line = line, .data = names, .reply = reply, .reply_len = sizeof(reply),
	};
	unsigned int i, n = virgo_enet_names(msg->kind);
	int ret;

	if (!collector || collector == virgo_local_id())
		return virgo_eventnet_submit(msg);
	ret = snprintf(line, sizeof(line), "%s", n == 2 ? "EDGE" : "VERTEX");
	for (i = 0; i < n; i++) {
		ret += snprintf(line + ret, sizeof(line) - ret, " %zu", msg->len[i]);
		memcpy(p, msg->name[i], msg->len[i]);
		p += msg->len[i];
	}
	req.data_len = p - names;
	ret = virgo_call_request(collector, VIRGO_PORT_EVENTNET, &req);
	if (!ret && strcmp(reply, "OK"))
		ret = virgo_reply_error(reply) ?: -EPROTO;
	return ret;
}

static void virgo_enet_msg(struct virgo_enet_msg *msg, enum virgo_enet_kind kind,
			   const char *a, const char *b, const char *c)
{
	const char *names[3] = { a, b, c };
	unsigned int i;

	msg->kind = kind;
	for (i = 0; i < virgo_enet_names(kind); i++) {
		msg->name[i] = names[i];
		msg->len[i] = strlen(names[i]);
	}
}

/* The previous event of this node: its order is one chain. */
static char virgo_enet_last[VIRGO_ENET_NAME_MAX + 1];

static void virgo_enet_send(const struct virgo_enet_event *e)
{
	char id[VIRGO_ENET_NAME_MAX + 1], cause[VIRGO_ENET_NAME_MAX + 1];
	char a[16], b[16];
	struct virgo_enet_msg msg;
	int lost = 0;

	snprintf(id, sizeof(id), "%s@%u.%llu", e->op, e->node, e->time);
	/* The conversation: from the caller's node to the server's. */
	snprintf(a, sizeof(a), "node%u", e->served ? (e->peer ?: e->node) : e->node);
	snprintf(b, sizeof(b), "node%u", e->served ? e->node : (e->peer ?: e->node));
	virgo_enet_msg(&msg, VIRGO_ENET_VERTEX, id, a, b);
	lost += !!virgo_enet_deliver(&msg);
	if (virgo_enet_last[0]) {
		virgo_enet_msg(&msg, VIRGO_ENET_EDGE, virgo_enet_last, id, NULL);
		lost += !!virgo_enet_deliver(&msg);
	}
	strscpy(virgo_enet_last, id, sizeof(virgo_enet_last));
	if (e->served && e->cause && e->peer) {
		snprintf(cause, sizeof(cause), "%s@%u.%llu", e->op, e->peer, e->cause);
		virgo_enet_msg(&msg, VIRGO_ENET_EDGE, cause, id, NULL);
		lost += !!virgo_enet_deliver(&msg);
	}
	if (lost)
		atomic64_add(lost, &virgo_enet_lost);
}

/* One worker at a time (a work item never runs twice at once). */
static void virgo_enet_log_work(struct work_struct *work)
{
	struct virgo_enet_event e;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&virgo_enet_ring.lock, flags);
		if (!virgo_enet_ring.len) {
			spin_unlock_irqrestore(&virgo_enet_ring.lock, flags);
			return;
		}
		e = virgo_enet_ring.ring[virgo_enet_ring.head];
		virgo_enet_ring.head = (virgo_enet_ring.head + 1) % VIRGO_ENET_RING;
		virgo_enet_ring.len--;
		spin_unlock_irqrestore(&virgo_enet_ring.lock, flags);
		virgo_enet_send(&e);
		cond_resched();
	}
}

int virgo_eventnet_log_show(char *page, size_t size)
{
	return scnprintf(page, size, "logged %lld\ndropped %lld\nlost %lld\n",
			 atomic64_read(&virgo_enet_logged),
			 atomic64_read(&virgo_enet_dropped),
			 atomic64_read(&virgo_enet_lost));
}
