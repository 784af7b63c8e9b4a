// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - virgo_eventnet_log(), and the trace of the cluster's calls
 *
 * Components log events from wherever they are: virgo_eventnet_log()
 * stamps the event with the Lamport clock and copies it into a ring
 * (configfs eventnet/queue_len entries, at most VIRGO_ENET_RING) under a
 * spinlock, and queues the worker; it never sleeps, allocates or fails.
 * When the ring is full the event is dropped and counted. The ring's
 * order is the clock's, so every edge below goes forward in time and the
 * graph has no cycle. The worker turns each event into EventNet messages
 * for the collector node (configfs eventnet/collector; this node by
 * default), and writes those it applies here once a batch:
 *
 *	VERTEX <op>@<node>.<time> node<a> node<b>
 *		the event, with the conversation between the caller's node
 *		<a> and the server's node <b>
 *	EDGE <the node's previous event> <op>@<node>.<time>
 *		this node's order of events
 *	EDGE <op>@<caller>.<cause> <op>@<node>.<time>
 *		on a server: from the caller's event, named by the Lamport
 *		time its first frame carries (both ends know it)
 *
 * A message the collector does not take is counted as lost (and an event
 * whose vertex is lost sends no edge). With configfs
 * eventnet/trace on, the core logs every request that a component marked
 * (struct virgo_request's op on the caller, virgo_conn_trace() on the
 * server): virgo_clone, malloc/set/get/free, open/read/write/close, queue
 * publish and reply. The messages to the collector are not traced.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>
#include "eventnet.h"

bool virgo_eventnet_tracing;

/* The log. Its order is the Lamport clock's: events are stamped in it. */
static struct virgo_enet_ring virgo_enet_log_ring = {
	.lock = __SPIN_LOCK_UNLOCKED(virgo_enet_log_ring.lock),
};

static atomic64_t virgo_enet_logged = ATOMIC64_INIT(0);
static atomic64_t virgo_enet_dropped = ATOMIC64_INIT(0);
static atomic64_t virgo_enet_lost = ATOMIC64_INIT(0);
/* Bumped when trace or collector change: the worker starts a new chain. */
atomic_t virgo_enet_chain_gen = ATOMIC_INIT(0);

static void virgo_enet_log_work(struct work_struct *work);
static DECLARE_WORK(virgo_enet_work, virgo_enet_log_work);

/**
 * virgo_enet_ring_push() - add an event to a ring, stamping it
 * @r: the ring
 * @ev: the event
 * @node: this node's id
 * @cap: entries at most (<= VIRGO_ENET_RING)
 *
 * Return: the event's time (stamped here, under the ring's lock, when
 * @ev has none), and whether it found room in *@added.
 */
u64 virgo_enet_ring_push(struct virgo_enet_ring *r, const struct virgo_event *ev,
			 u32 node, unsigned int cap, bool *added)
{
	struct virgo_enet_event *e;
	unsigned long flags;
	u64 time;

	spin_lock_irqsave(&r->lock, flags);
	time = ev->time ?: virgo_clock_stamp();
	*added = r->len < min_t(unsigned int, cap, VIRGO_ENET_RING);
	if (*added) {
		e = &r->ring[(r->head + r->len++) % VIRGO_ENET_RING];
		strscpy(e->op, ev->op, sizeof(e->op));
		e->node = node;
		e->peer = ev->peer;
		e->time = time;
		e->cause = ev->cause;
		e->served = ev->served;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	return time;
}

/* Take the oldest event of @r into @e: false when @r is empty. */
bool virgo_enet_ring_pop(struct virgo_enet_ring *r, struct virgo_enet_event *e)
{
	unsigned long flags;
	bool got;

	spin_lock_irqsave(&r->lock, flags);
	got = r->len;
	if (got) {
		*e = r->ring[r->head];
		r->head = (r->head + 1) % VIRGO_ENET_RING;
		r->len--;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	return got;
}

/**
 * virgo_eventnet_log() - log an event for EventNet's graph
 * @ev: the event; copied
 *
 * Any context: never sleeps, never fails its caller. An event that finds
 * the log full (configfs eventnet/queue_len) is dropped and counted.
 *
 * Return: the event's Lamport time (stamped now when @ev has none), even
 * when it was dropped; 0 when this node has no id (nothing is logged).
 */
u64 virgo_eventnet_log(const struct virgo_event *ev)
{
	u32 self = virgo_local_id();
	bool added;
	u64 time;

	if (!self)
		return 0;	/* no node id: no name for its events */
	time = virgo_enet_ring_push(&virgo_enet_log_ring, ev, self,
				    READ_ONCE(virgo_enet_set.queue_len), &added);
	if (!added) {
		atomic64_inc(&virgo_enet_dropped);
		return time;
	}
	atomic64_inc(&virgo_enet_logged);
	queue_work(virgo_wq, &virgo_enet_work);
	return time;
}
EXPORT_SYMBOL_GPL(virgo_eventnet_log);

/*
 * Send @msg to the collector, or apply it here (written with the batch:
 * *@gen is what virgo_eventnet_commit() must reach).
 */
static int virgo_enet_deliver(const struct virgo_enet_msg *msg, u32 collector, u64 *gen)
{
	char line[48], reply[64], names[3 * VIRGO_ENET_NAME_MAX], *p = names;
	struct virgo_request req = {
		.line = line, .data = names, .reply = reply, .reply_len = sizeof(reply),
	};
	unsigned int i, n = virgo_enet_names(msg->kind);
	int ret;

	if (!collector || collector == virgo_local_id())
		return virgo_eventnet_apply(msg, gen);
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

/* The previous event of this node sent: its order is one chain. */
static char virgo_enet_last[VIRGO_ENET_NAME_MAX + 1];
static int virgo_enet_last_gen;

static void virgo_enet_send(const struct virgo_enet_event *e, u32 collector, u64 *gen)
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
	if (virgo_enet_deliver(&msg, collector, gen)) {
		/* Not there: an edge to it would name a vertex nobody has. */
		atomic64_inc(&virgo_enet_lost);
		return;
	}
	if (virgo_enet_last[0]) {
		virgo_enet_msg(&msg, VIRGO_ENET_EDGE, virgo_enet_last, id, NULL);
		lost += !!virgo_enet_deliver(&msg, collector, gen);
	}
	strscpy(virgo_enet_last, id, sizeof(virgo_enet_last));
	if (e->served && e->cause && e->peer) {
		snprintf(cause, sizeof(cause), "%s@%u.%llu", e->op, e->peer, e->cause);
		virgo_enet_msg(&msg, VIRGO_ENET_EDGE, cause, id, NULL);
		lost += !!virgo_enet_deliver(&msg, collector, gen);
	}
	if (lost)
		atomic64_add(lost, &virgo_enet_lost);
}

/*
 * One worker at a time (a work item never runs twice at once). What it
 * applies here is written once for every batch it took.
 */
static void virgo_enet_log_work(struct work_struct *work)
{
	struct virgo_enet_event e;
	unsigned int n;
	u32 collector;
	u64 gen;
	int chain;

	do {
		gen = 0;
		collector = READ_ONCE(virgo_enet_set.collector);
		chain = atomic_read(&virgo_enet_chain_gen);
		if (chain != virgo_enet_last_gen) {
			virgo_enet_last[0] = '\0';	/* a new trace, or collector */
			virgo_enet_last_gen = chain;
		}
		for (n = 0; n < VIRGO_ENET_BATCH &&
		     virgo_enet_ring_pop(&virgo_enet_log_ring, &e); n++)
			virgo_enet_send(&e, collector, &gen);
		if (gen && virgo_eventnet_commit(gen))
			atomic64_inc(&virgo_enet_lost);
		cond_resched();
	} while (n == VIRGO_ENET_BATCH);
}

int virgo_eventnet_log_show(char *page, size_t size)
{
	return scnprintf(page, size, "logged %lld\ndropped %lld\nlost %lld\n",
			 atomic64_read(&virgo_enet_logged),
			 atomic64_read(&virgo_enet_dropped),
			 atomic64_read(&virgo_enet_lost));
}
