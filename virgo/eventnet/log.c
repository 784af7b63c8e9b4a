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
 * graph has no cycle. The worker runs at nice 19, VIRGO_ENET_DELAY_MS
 * after the first event it has to take (at once when the ring is half
 * full), so it costs the traced calls little: it turns up to
 * VIRGO_ENET_BATCH events into EventNet messages for the collector node
 * (configfs eventnet/collector; this node by default), sent in one BATCH
 * or applied here, and written to the files within eventnet/flush_ms:
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
 * A message the collector does not take is counted as lost (an edge to
 * an event whose vertex was lost gives it a bare vertex line, as any edge
 * does, when the caps leave room). With configfs
 * eventnet/trace on, the core logs every request that a component marked
 * (struct virgo_request's op on the caller, virgo_conn_trace() on the
 * server): virgo_clone, malloc/set/get/free, open/read/write/close, queue
 * publish and reply. The messages to the collector are not traced.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
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

/* The worker's and the flush's queue (virgo_enet_log_init()). */
struct workqueue_struct *virgo_enet_wq;

static void virgo_enet_log_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(virgo_enet_work, virgo_enet_log_work);

/**
 * virgo_enet_ring_push() - add an event to a ring, stamping it
 * @r: the ring
 * @ev: the event
 * @node: this node's id
 * @cap: entries at most (<= VIRGO_ENET_RING)
 *
 * @len: set to the ring's length with the event; 0 when it found no room
 *
 * Return: the event's time (stamped here, under the ring's lock, when
 * @ev has none).
 */
u64 virgo_enet_ring_push(struct virgo_enet_ring *r, const struct virgo_event *ev,
			 u32 node, unsigned int cap, unsigned int *len)
{
	struct virgo_enet_event *e;
	unsigned long flags;
	u64 time;

	spin_lock_irqsave(&r->lock, flags);
	time = ev->time ?: virgo_clock_stamp();
	*len = 0;
	if (r->len < min_t(unsigned int, cap, VIRGO_ENET_RING)) {
		*len = r->len + 1;
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
	unsigned int cap = READ_ONCE(virgo_enet_set.queue_len), len;
	u32 self = virgo_local_id();
	u64 time;

	if (!self)
		return 0;	/* no node id: no name for its events */
	time = virgo_enet_ring_push(&virgo_enet_log_ring, ev, self, cap, &len);
	/* No worker: EventNet did not start (or not yet). */
	if (!len || !READ_ONCE(virgo_enet_wq)) {
		atomic64_inc(&virgo_enet_dropped);
		return time;
	}
	atomic64_inc(&virgo_enet_logged);
	/* The worker takes many at once; it hurries when the ring half fills. */
	if (len == max(cap / 2, 1U))
		mod_delayed_work(virgo_enet_wq, &virgo_enet_work, 0);
	else
		queue_delayed_work(virgo_enet_wq, &virgo_enet_work,
				   msecs_to_jiffies(VIRGO_ENET_DELAY_MS));
	return time;
}
EXPORT_SYMBOL_GPL(virgo_eventnet_log);

/**
 * struct virgo_enet_batch - what the worker sends at once
 * @collector: the node that takes it; 0: this one
 * @buf: the BATCH payload for another collector
 * @len: its length
 * @msgs: the messages in it
 * @gen: applied here: there is something to write
 * @lost: messages not taken (or not made: a name the files cannot hold)
 */
struct virgo_enet_batch {
	u32 collector;
	char *buf;
	size_t len;
	unsigned int msgs;
	u64 gen;
	unsigned int lost;
};

static void virgo_enet_put(struct virgo_enet_batch *b, enum virgo_enet_kind kind,
			   const char *x, const char *y, const char *z)
{
	const char *names[3] = { x, y, z };
	struct virgo_enet_msg msg;
	unsigned int i;
	size_t n;

	msg.kind = kind;
	for (i = 0; i < virgo_enet_names(kind); i++) {
		msg.name[i] = names[i];
		msg.len[i] = strlen(names[i]);
		/* A caller's op the files cannot hold: not in a batch either. */
		if (!virgo_enet_name_ok(msg.name[i], msg.len[i])) {
			b->lost++;
			return;
		}
	}
	if (!b->collector) {
		b->lost += !!virgo_eventnet_apply(&msg, &b->gen);
		return;
	}
	/* The payload holds a whole batch's messages: this always fits. */
	n = virgo_enet_encode(b->buf + b->len, VIRGO_ENET_BATCH_MAX - b->len, &msg);
	if (WARN_ON_ONCE(!n)) {
		b->lost++;
		return;
	}
	b->len += n;
	b->msgs++;
}

/* The worker's BATCH payload (only the worker uses it). */
static char *virgo_enet_buf;

/* The previous event of this node sent: its order is one chain. */
static char virgo_enet_last[VIRGO_ENET_NAME_MAX + 1];
static int virgo_enet_last_gen;

static void virgo_enet_event_msgs(struct virgo_enet_batch *b, const struct virgo_enet_event *e)
{
	char id[VIRGO_ENET_NAME_MAX + 1], cause[VIRGO_ENET_NAME_MAX + 1];
	char from[16], to[16];

	snprintf(id, sizeof(id), "%s@%u.%llu", e->op, e->node, e->time);
	/* The conversation: from the caller's node to the server's. */
	snprintf(from, sizeof(from), "node%u", e->served ? (e->peer ?: e->node) : e->node);
	snprintf(to, sizeof(to), "node%u", e->served ? e->node : (e->peer ?: e->node));
	virgo_enet_put(b, VIRGO_ENET_VERTEX, id, from, to);
	if (virgo_enet_last[0])
		virgo_enet_put(b, VIRGO_ENET_EDGE, virgo_enet_last, id, NULL);
	strscpy(virgo_enet_last, id, sizeof(virgo_enet_last));
	if (e->served && e->cause && e->peer) {
		snprintf(cause, sizeof(cause), "%s@%u.%llu", e->op, e->peer, e->cause);
		virgo_enet_put(b, VIRGO_ENET_EDGE, cause, id, NULL);
	}
}

/* Send a batch to another collector: one request, one answer. */
static void virgo_enet_send(struct virgo_enet_batch *b)
{
	char line[32], reply[64];
	struct virgo_request req = {
		.line = line, .data = b->buf, .data_len = b->len,
		.reply = reply, .reply_len = sizeof(reply),
	};
	unsigned int refused;
	int ret;

	snprintf(line, sizeof(line), "BATCH %zu", b->len);
	ret = virgo_call_request(b->collector, VIRGO_PORT_EVENTNET, &req);
	if (!ret && (strncmp(reply, "OK ", 3) || kstrtouint(reply + 3, 10, &refused) ||
		     refused > b->msgs))
		ret = virgo_reply_error(reply) ?: -EPROTO;
	if (ret) {
		b->lost += b->msgs;
		virgo_enet_last[0] = '\0';	/* its events are not there */
	} else {
		b->lost += refused;
	}
}

/*
 * One worker at a time (a work item never runs twice at once). It takes
 * up to VIRGO_ENET_BATCH events: one BATCH to another collector, or
 * applied here and written to the files with the next flush.
 */
static void virgo_enet_log_work(struct work_struct *work)
{
	struct virgo_enet_batch b;
	struct virgo_enet_event e;
	unsigned int n;
	int chain;

	do {
		b = (struct virgo_enet_batch) {
			.collector = READ_ONCE(virgo_enet_set.collector),
		};
		if (b.collector == virgo_local_id())
			b.collector = 0;
		chain = atomic_read(&virgo_enet_chain_gen);
		if (chain != virgo_enet_last_gen) {
			virgo_enet_last[0] = '\0';	/* a new trace, or collector */
			virgo_enet_last_gen = chain;
		}
		b.buf = virgo_enet_buf;
		for (n = 0; n < VIRGO_ENET_BATCH &&
		     virgo_enet_ring_pop(&virgo_enet_log_ring, &e); n++)
			virgo_enet_event_msgs(&b, &e);
		if (b.msgs)
			virgo_enet_send(&b);
		if (b.gen)
			virgo_eventnet_flush_later();
		if (b.lost)
			atomic64_add(b.lost, &virgo_enet_lost);
		cond_resched();
	} while (n == VIRGO_ENET_BATCH);
}

/*
 * The worker's queue, at nice 19: the trace takes what the calls leave.
 * Once made it stays (virgo_eventnet_log() reads it without a lock).
 */
int virgo_enet_log_init(void)
{
	struct workqueue_attrs *attrs = alloc_workqueue_attrs();
	struct workqueue_struct *wq;
	int ret = -ENOMEM;

	virgo_enet_buf = kvmalloc(VIRGO_ENET_BATCH_MAX, GFP_KERNEL);
	wq = alloc_workqueue("virgo_eventnet", WQ_UNBOUND, 0);
	if (!virgo_enet_buf || !wq || !attrs)
		goto out;
	attrs->nice = MAX_NICE;
	ret = apply_workqueue_attrs(wq, attrs);
out:
	free_workqueue_attrs(attrs);
	if (ret) {
		if (wq)
			destroy_workqueue(wq);
		kvfree(virgo_enet_buf);
		virgo_enet_buf = NULL;
		return ret;
	}
	WRITE_ONCE(virgo_enet_wq, wq);
	return 0;
}

int virgo_eventnet_log_show(char *page, size_t size)
{
	return scnprintf(page, size, "logged %lld\ndropped %lld\nlost %lld\n",
			 atomic64_read(&virgo_enet_logged),
			 atomic64_read(&virgo_enet_dropped),
			 atomic64_read(&virgo_enet_lost));
}
