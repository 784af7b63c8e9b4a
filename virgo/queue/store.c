// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - the messages a node holds, and what moves them
 *
 * One table holds every message this node knows, by id, in one of these
 * roles (a message published to this node itself has the first and the
 * last):
 *	- a request to service here: logged REQUEST, on to_run until a
 *	  service has run; then a REPLY, logged;
 *	- a REPLY for another node's publisher: on to_send until that node
 *	  acknowledges it (DELIVERED);
 *	- a message published here: waiting for its REPLY, then holding it
 *	  until a caller collects it (TAKEN), once.
 * Every message counts against the node's and its publisher's caps.
 *
 * One worker on an ordered workqueue services requests in arrival order;
 * another sends REPLYs, retrying with backoff until they are
 * acknowledged.
 */

#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <trace/events/virgo.h>
#include "queue.h"

struct virgo_queue virgo_queue = {
	.lock = __MUTEX_INITIALIZER(virgo_queue.lock),
	.to_run = LIST_HEAD_INIT(virgo_queue.to_run),
	.to_send = LIST_HEAD_INIT(virgo_queue.to_send),
	.replies = __WAIT_QUEUE_HEAD_INITIALIZER(virgo_queue.replies),
};

#define VIRGO_QSEND_TIMEOUT_MS	5000
#define VIRGO_QSEND_BACKOFF_MIN	250
#define VIRGO_QSEND_BACKOFF_MAX	30000
#define VIRGO_QSERVICE_MS	60000	/* a service's deadline */

static struct workqueue_struct *virgo_queue_wq;
static void *virgo_queue_result;	/* the worker's result buffer */
static void virgo_queue_run(struct work_struct *work);
static void virgo_queue_send(struct work_struct *work);
static DECLARE_DELAYED_WORK(virgo_queue_run_work, virgo_queue_run);
static DECLARE_DELAYED_WORK(virgo_queue_send_work, virgo_queue_send);

static u64 virgo_qkey(const struct virgo_msg_id *id)
{
	return id->seq ^ (u64)id->epoch << 24 ^ (u64)id->node << 56;
}

static struct virgo_qmsg *virgo_qmsg_find(struct virgo_queue *q,
					  const struct virgo_msg_id *id)
{
	struct virgo_qmsg *m;

	hash_for_each_possible(q->ids, m, hnode, virgo_qkey(id))
		if (virgo_qid_eq(&m->id, id))
			return m;
	return NULL;
}

/* Count @msgs messages and @bytes payload against the caps, unless full. */
static int virgo_qcharge(struct virgo_queue *q, u32 node, unsigned int msgs,
			 size_t bytes, bool force)
{
	const struct virgo_queue_settings *set = &virgo_queue_set;

	if (!force &&
	    (q->nmsgs + msgs > READ_ONCE(set->max_messages) ||
	     q->nbytes + bytes > (size_t)READ_ONCE(set->max_kb) << 10 ||
	     q->peer_msgs[node] + msgs > READ_ONCE(set->peer_messages) ||
	     q->peer_bytes[node] + bytes > (size_t)READ_ONCE(set->peer_kb) << 10))
		return -EAGAIN;
	q->nmsgs += msgs;
	q->nbytes += bytes;
	q->peer_msgs[node] += msgs;
	q->peer_bytes[node] += bytes;
	return 0;
}

static void virgo_quncharge(struct virgo_queue *q, u32 node, unsigned int msgs,
			    size_t bytes)
{
	q->nmsgs -= msgs;
	q->nbytes -= bytes;
	q->peer_msgs[node] -= msgs;
	q->peer_bytes[node] -= bytes;
}

/* A new message, already charged for. */
static struct virgo_qmsg *virgo_qmsg_new(struct virgo_queue *q,
					 const struct virgo_msg_id *id)
{
	struct virgo_qmsg *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return NULL;
	m->id = *id;
	INIT_LIST_HEAD(&m->run);
	INIT_LIST_HEAD(&m->send);
	hash_add(q->ids, &m->hnode, virgo_qkey(id));
	return m;
}

static void virgo_qmsg_free(struct virgo_queue *q, struct virgo_qmsg *m)
{
	virgo_quncharge(q, m->id.node, 1, m->req_len + m->rep_len);
	list_del(&m->run);
	list_del(&m->send);
	hash_del(&m->hnode);
	kvfree(m->req);
	kvfree(m->rep);
	kfree(m);
}

/* Its request was serviced: drop the payload. */
static void virgo_qmsg_drop_request(struct virgo_queue *q, struct virgo_qmsg *m)
{
	virgo_quncharge(q, m->id.node, 0, m->req_len);
	kvfree(m->req);
	m->req = NULL;
	m->req_len = 0;
	list_del_init(&m->run);
}

/* Published here: its REPLY is collected here. */
static bool virgo_qmsg_local(const struct virgo_qmsg *m)
{
	return m->id.node == virgo_queue.self;
}

/* Wake whoever waits for a REPLY. */
static void virgo_queue_wake(struct virgo_queue *q)
{
	atomic_inc(&q->reply_gen);
	wake_up_all(&q->replies);
}

static void virgo_queue_kick_run(void)
{
	mod_delayed_work(virgo_queue_wq, &virgo_queue_run_work, 0);
}

static void virgo_queue_kick_send(unsigned long delay)
{
	mod_delayed_work(virgo_wq, &virgo_queue_send_work, delay);
}

/* ------------------------------------------------------------ replay */

/**
 * virgo_qmsg_apply() - replay one log record
 * @q: the queue, locked, being opened
 * @rec: the record
 *
 * What the log holds was acknowledged: it is taken whatever the caps.
 *
 * Return: 0 or -ENOMEM.
 */
int virgo_qmsg_apply(struct virgo_queue *q, const struct virgo_qrec *rec)
{
	struct virgo_qmsg *m = virgo_qmsg_find(q, &rec->id);
	u32 self = q->self;
	void *data = NULL;

	virgo_clock_merge(rec->lamport);
	if (rec->id.node == self)
		q->epoch = max(q->epoch, rec->id.epoch);
	if (rec->type == VIRGO_QREC_EPOCH)
		return 0;
	if (rec->type == VIRGO_QREC_REQUEST || rec->type == VIRGO_QREC_REPLY) {
		if (m && m->flags & (rec->type == VIRGO_QREC_REQUEST ?
				     VIRGO_QMSG_REQUEST : VIRGO_QMSG_REPLY))
			return 0;	/* written again by a rotation */
		data = kvmemdup(rec->payload, rec->len, GFP_KERNEL);
		if (!data)
			return -ENOMEM;
	}
	if (!m && (rec->type == VIRGO_QREC_PUBLISHED || data)) {
		m = virgo_qmsg_new(q, &rec->id);
		if (!m) {
			kvfree(data);
			return -ENOMEM;
		}
		virgo_qcharge(q, rec->id.node, 1, 0, true);
	}

	switch (rec->type) {
	case VIRGO_QREC_PUBLISHED:
		m->target = rec->node;
		m->req_lamport = rec->lamport;
		if (rec->uid != (u32)-1) {
			m->flags |= VIRGO_QMSG_OWNED;
			m->owner = make_kuid(&init_user_ns, rec->uid);
		}
		break;
	case VIRGO_QREC_REQUEST:
		virgo_qcharge(q, rec->id.node, 0, rec->len, true);
		m->flags |= VIRGO_QMSG_REQUEST;
		strscpy(m->service, rec->service, sizeof(m->service));
		m->req = data;
		m->req_len = rec->len;
		m->req_lamport = rec->lamport;
		if (rec->id.node == self)
			m->target = self;
		list_add_tail(&m->run, &q->to_run);
		break;
	case VIRGO_QREC_REPLY:
		virgo_qmsg_drop_request(q, m);
		virgo_qcharge(q, rec->id.node, 0, rec->len, true);
		m->flags |= VIRGO_QMSG_REPLY;
		m->rep = data;
		m->rep_len = rec->len;
		m->rep_lamport = rec->lamport;
		m->status = rec->status;
		if (rec->id.node != self) {
			m->send_at = jiffies;
			list_add_tail(&m->send, &q->to_send);
		}
		break;
	case VIRGO_QREC_DELIVERED:
		if (m && rec->id.node != self)
			virgo_qmsg_free(q, m);
		break;
	case VIRGO_QREC_TAKEN:
		if (m)
			virgo_qmsg_free(q, m);
		virgo_qdedup_add(&q->dedup, &rec->id);
		break;
	default:
		break;
	}
	return 0;
}

/* Forget every message (a failed open). */
void virgo_queue_reset(struct virgo_queue *q)
{
	struct hlist_node *tmp;
	struct virgo_qmsg *m;
	int bkt;

	hash_for_each_safe(q->ids, bkt, tmp, m, hnode)
		virgo_qmsg_free(q, m);
	q->dedup.count = 0;
	q->dedup.next = 0;
}

/**
 * virgo_qlog_write_state() - what is live, as records, for a rotation
 * @q: the queue, locked and open
 * @file: the new log
 * @pos: where to write; advanced
 *
 * Return: 0 or a write error.
 */
int virgo_qlog_write_state(struct virgo_queue *q, struct file *file, loff_t *pos)
{
	struct virgo_qrec rec = {
		.type = VIRGO_QREC_EPOCH,
		.id = { q->self, q->epoch, 0 },
		.lamport = virgo_clock_now(),
	};
	struct virgo_qdedup *d = &q->dedup;
	struct virgo_qmsg *m;
	unsigned int i;
	int bkt, ret;

	ret = virgo_qlog_put(q, file, &rec, pos);
	hash_for_each(q->ids, bkt, m, hnode) {
		if (ret)
			return ret;
		rec.id = m->id;
		if (virgo_qmsg_local(m) && m->target) {
			rec.type = VIRGO_QREC_PUBLISHED;
			rec.lamport = m->req_lamport;
			rec.node = m->target;
			rec.uid = m->flags & VIRGO_QMSG_OWNED ?
				  from_kuid(&init_user_ns, m->owner) : (u32)-1;
			ret = virgo_qlog_put(q, file, &rec, pos);
			if (ret)
				return ret;
		}
		if (m->flags & VIRGO_QMSG_REPLY) {
			rec.type = VIRGO_QREC_REPLY;
			rec.lamport = m->rep_lamport;
			rec.status = m->status;
			rec.payload = m->rep;
			rec.len = m->rep_len;
		} else if (m->flags & VIRGO_QMSG_REQUEST) {
			rec.type = VIRGO_QREC_REQUEST;
			rec.lamport = m->req_lamport;
			strscpy(rec.service, m->service, sizeof(rec.service));
			rec.payload = m->req;
			rec.len = m->req_len;
		} else {
			continue;		/* waiting for its REPLY */
		}
		ret = virgo_qlog_put(q, file, &rec, pos);
	}
	/* Oldest first, so that the replay's ring forgets the same ones. */
	rec.type = VIRGO_QREC_TAKEN;
	rec.lamport = virgo_clock_now();
	for (i = 0; i < d->count && !ret; i++) {
		rec.id = d->ids[(d->next + d->size - d->count + i) % d->size];
		ret = virgo_qlog_put(q, file, &rec, pos);
	}
	return ret;
}

/**
 * virgo_queue_start() - open the log in @dir and start serving
 * @dir: the log's directory
 *
 * Return: 0; -EBUSY when the log is open already; or why it cannot open.
 */
int virgo_queue_start(const char *dir)
{
	struct virgo_queue *q = &virgo_queue;
	int ret = -EBUSY;

	mutex_lock(&q->lock);
	if (!q->open) {
		ret = virgo_qlog_open(q, dir);
		/* q->self and the epoch first: virgo_queue_publish() acquires. */
		smp_store_release(&q->open, !ret);
	}
	mutex_unlock(&q->lock);
	if (!ret) {
		virgo_queue_kick_run();
		virgo_queue_kick_send(0);
	}
	return ret;
}

/* paused went back to 0. */
void virgo_queue_resume(void)
{
	virgo_queue_kick_run();
}

/* ------------------------------------------------------------ requests */

/* Append @rec for @m, or take @m back out. Called locked. */
static int virgo_qmsg_log(struct virgo_queue *q, struct virgo_qmsg *m,
			  const struct virgo_qrec *rec, u64 *lsn)
{
	int ret = virgo_qlog_append(q, rec, lsn);

	if (ret)
		virgo_qmsg_free(q, m);
	return ret;
}

/**
 * virgo_queue_enqueue() - a request to service here, from a publisher node
 * @id: its id
 * @lamport: the publisher's time
 * @service: the service it names (checked)
 * @data: its payload, kvmalloc()ed; the queue keeps or frees it
 * @len: the payload's length
 * @ack: set to the Lamport time of the acknowledgement
 *
 * Return: 0 once the request is on disk (or was already); -EAGAIN when
 * the publisher's or the node's caps are full; -ENOENT when the log is not
 * open; -EINVAL for a time out of range; the log's error.
 */
static int __virgo_queue_enqueue(const struct virgo_msg_id *id, u64 lamport,
				 const char *service, void *data, size_t len, u64 *ack)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qrec rec = {
		.type = VIRGO_QREC_REQUEST,
		.id = *id,
		.payload = data,
		.len = len,
	};
	struct virgo_qmsg *m;
	u64 lsn = 0;
	int ret = 0;

	mutex_lock(&q->lock);
	if (!q->open) {
		ret = -ENOENT;
		goto out_free;
	}
	m = virgo_qmsg_find(q, id);
	if (m) {
		/* Sent again: queued already, acknowledged once on disk. */
		*ack = m->req_lamport ?: virgo_clock_now();
		lsn = q->log.lsn;
		mutex_unlock(&q->lock);
		kvfree(data);
		return virgo_qlog_sync(q, lsn);
	}
	rec.lamport = virgo_clock_merge(lamport);
	ret = virgo_qcharge(q, id->node, 1, len, false);
	if (ret)
		goto out_free;
	m = virgo_qmsg_new(q, id);
	if (!m) {
		virgo_quncharge(q, id->node, 1, len);
		ret = -ENOMEM;
		goto out_free;
	}
	m->flags = VIRGO_QMSG_REQUEST;
	strscpy(m->service, service, sizeof(m->service));
	strscpy(rec.service, service, sizeof(rec.service));
	m->req = data;
	m->req_len = len;
	m->req_lamport = rec.lamport;
	ret = virgo_qmsg_log(q, m, &rec, &lsn);
	if (!ret)
		list_add_tail(&m->run, &q->to_run);
	*ack = rec.lamport;
	mutex_unlock(&q->lock);
	if (ret)
		return ret;
	ret = virgo_qlog_sync(q, lsn);
	virgo_queue_kick_run();
	return ret;

out_free:
	mutex_unlock(&q->lock);
	kvfree(data);
	return ret;
}

/*
 * Nobody will collect @m's REPLY: say so in the log (its PUBLISHED record
 * is there) and forget it. Called locked.
 */
static void virgo_queue_give_up(struct virgo_queue *q, struct virgo_qmsg *m)
{
	struct virgo_qrec gone = {
		.type = VIRGO_QREC_TAKEN,
		.id = m->id,
		.lamport = virgo_clock_stamp(),
	};
	u64 lsn;

	virgo_qlog_append(q, &gone, &lsn);
	virgo_qdedup_add(&q->dedup, &m->id);
	virgo_qmsg_free(q, m);
}

/* Publish to @node's queue over the network; @m waits here for the REPLY. */
static int virgo_queue_send_request(u32 node, const struct virgo_msg_id *id,
				    u64 lamport, const char *service,
				    const void *data, size_t len, u64 *ack)
{
	char line[160], reply[128], *w[4];
	struct virgo_msg_id got;
	struct virgo_request req = {
		.line = line,
		.data = data,
		.data_len = len,
		.reply = reply,
		.reply_len = sizeof(reply),
		.timeout_ms = VIRGO_QSEND_TIMEOUT_MS,
		.retry = true,		/* the node takes an id once */
		.op = "publish",
	};
	u64 t;
	int ret;

	snprintf(line, sizeof(line), "REQUEST " VIRGO_QID_FMT " %llu %s %zu",
		 VIRGO_QID_ARG(id), lamport, service, len);
	ret = virgo_call_request(node, VIRGO_PORT_QUEUE, &req);
	if (ret)
		return ret;
	ret = virgo_reply_error(reply);
	if (ret)
		return ret;
	/* "QUEUED <id> <lamport> <node>" */
	if (virgo_split_words(reply, w, ARRAY_SIZE(w)) != 4 ||
	    strcmp(w[0], "QUEUED") || virgo_qid_parse(w[1], &got) ||
	    !virgo_qid_eq(&got, id) || virgo_parse_u64(w[2], VIRGO_CLOCK_MAX, &t))
		return -EPROTO;
	*ack = virgo_clock_merge(t);
	return 0;
}

/**
 * virgo_queue_publish() - publish a request to a node's queue
 * @node: the node that services it; 0: the load balancer's pick
 * @service: the KingCobra service's name
 * @data: the payload
 * @len: its length, at most VIRGO_QUEUE_DATA_MAX
 * @owner: when not NULL, only this user may collect the REPLY
 * @id: set to the message's id
 * @lamport: set to the Lamport time of its acknowledgement
 * @queued_on: set to the node that queued it
 *
 * Return: 0 once @node has the request on disk; -EINVAL, -E2BIG for a bad
 * name or payload; -ENOENT when this node's log is not open; -EAGAIN when
 * a queue is full; what the call to @node failed with.
 */
static int __virgo_queue_publish(u32 node, const char *service, const void *data,
				 size_t len, const kuid_t *owner, struct virgo_msg_id *id,
				 u64 *lamport, u32 *queued_on)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qrec rec = {
		.type = VIRGO_QREC_REQUEST,
		.payload = data,
		.len = len,
	};
	struct virgo_qrec pub = { .type = VIRGO_QREC_PUBLISHED, .uid = (u32)-1 };
	struct virgo_qmsg *m;
	void *copy = NULL;
	u64 lsn = 0;
	int ret, pick;
	u32 self;

	if (!virgo_qservice_ok(service) || node > VIRGO_MAX_NODES)
		return -EINVAL;
	if (len > VIRGO_QUEUE_DATA_MAX)
		return -E2BIG;
	/* Open for good once open: its identity is set before. */
	if (!smp_load_acquire(&q->open))
		return -ENOENT;
	self = q->self;
	if (!node) {
		pick = virgo_balancer_pick();
		if (pick < 0)
			return pick;
		node = pick;
	}
	if (node == self) {
		copy = kvmemdup(data, len, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}

	mutex_lock(&q->lock);
	ret = q->open ? virgo_qcharge(q, self, 1, copy ? len : 0, false) : -ENOENT;
	if (ret)
		goto out_unlock;
	m = virgo_qmsg_new(q, &(struct virgo_msg_id){ self, q->epoch, q->seq + 1 });
	if (!m) {
		virgo_quncharge(q, self, 1, copy ? len : 0);
		ret = -ENOMEM;
		goto out_unlock;
	}
	q->seq++;
	*id = m->id;
	m->target = node;
	m->req = copy;		/* freed with @m from here on */
	m->req_len = copy ? len : 0;
	if (owner) {
		m->flags |= VIRGO_QMSG_OWNED;
		m->owner = *owner;
		pub.uid = from_kuid(&init_user_ns, *owner);
	}
	*lamport = virgo_clock_stamp();
	m->req_lamport = *lamport;
	/* Who may collect its REPLY, and from whom it comes, across a restart. */
	pub.id = m->id;
	pub.lamport = *lamport;
	pub.node = node;
	ret = virgo_qmsg_log(q, m, &pub, &lsn);
	if (!ret && copy) {
		m->flags |= VIRGO_QMSG_REQUEST;
		strscpy(m->service, service, sizeof(m->service));
		m->req_lamport = *lamport;
		rec.id = m->id;
		rec.lamport = *lamport;
		strscpy(rec.service, service, sizeof(rec.service));
		ret = virgo_qlog_append(q, &rec, &lsn);
		if (!ret)
			list_add_tail(&m->run, &q->to_run);
		else
			virgo_queue_give_up(q, m);
	}
	mutex_unlock(&q->lock);
	if (ret)
		return ret;		/* @copy went with @m */
	*queued_on = node;

	if (node == self) {
		ret = virgo_qlog_sync(q, lsn);
		virgo_queue_kick_run();
		return ret;
	}
	/* Its PUBLISHED record on disk too before the caller has the id. */
	ret = virgo_queue_send_request(node, id, *lamport, service, data, len,
				       lamport) ?: virgo_qlog_sync(q, lsn);
	if (ret) {
		/*
		 * Not queued there, or not known to be: nobody will wait for
		 * it, and a REPLY that still comes is acknowledged and dropped.
		 */
		mutex_lock(&q->lock);
		m = virgo_qmsg_find(q, id);
		if (m && !(m->flags & VIRGO_QMSG_TAKING))
			virgo_queue_give_up(q, m);
		mutex_unlock(&q->lock);
	}
	return ret;

out_unlock:
	mutex_unlock(&q->lock);
	kvfree(copy);
	return ret;
}

/* ------------------------------------------------------------ replies */

/**
 * virgo_queue_receive_reply() - a REPLY for a message published here
 * @id: the message
 * @lamport: the servicing node's time
 * @status: the service's status
 * @data: the payload, kvmalloc()ed; the queue keeps or frees it
 * @len: its length
 * @from: the node that sent it
 *
 * Return: 0 once it is on disk, or when it came before (it is not
 * handed out twice); -EINVAL for an id this node never gave out;
 * -EPERM when @from is not the node it was published to; -EAGAIN when
 * the caps are full (the sender tries again later); -ENOENT when the log
 * is not open.
 */
static int __virgo_queue_receive_reply(const struct virgo_msg_id *id, u64 lamport,
				       s64 status, void *data, size_t len, u32 from)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qrec rec = {
		.type = VIRGO_QREC_REPLY,
		.id = *id,
		.status = status,
		.payload = data,
		.len = len,
	};
	struct virgo_qmsg *m;
	u64 lsn = 0;
	int ret;

	mutex_lock(&q->lock);
	ret = -ENOENT;
	if (!q->open)
		goto out_free;
	ret = -EINVAL;
	if (id->node != q->self || id->epoch > q->epoch ||
	    (id->epoch == q->epoch && id->seq > q->seq))
		goto out_free;
	m = virgo_qmsg_find(q, id);
	ret = -EPERM;
	if (m && (m->flags & VIRGO_QMSG_REQUEST || m->target != from))
		goto out_free;	/* serviced here, or not published to @from */
	if (!m || m->flags & VIRGO_QMSG_REPLY) {
		/*
		 * Collected, given up, or came before: acknowledged (once what
		 * came before is on disk), never handed out twice.
		 */
		lsn = q->log.lsn;
		mutex_unlock(&q->lock);
		kvfree(data);
		return virgo_qlog_sync(q, lsn);
	}
	rec.lamport = virgo_clock_merge(lamport);
	ret = virgo_qcharge(q, id->node, 0, len, false);
	if (ret)
		goto out_free;
	m->flags |= VIRGO_QMSG_REPLY;
	m->rep = data;
	m->rep_len = len;
	m->rep_lamport = rec.lamport;
	m->status = status;
	m->ran_on = from;
	ret = virgo_qlog_append(q, &rec, &lsn);
	if (ret) {
		/* Not accepted: the sender tries again. */
		virgo_quncharge(q, id->node, 0, len);
		m->flags &= ~VIRGO_QMSG_REPLY;
		m->rep = NULL;
		m->rep_len = 0;
		goto out_free;
	}
	mutex_unlock(&q->lock);
	ret = virgo_qlog_sync(q, lsn);
	virgo_queue_wake(q);
	return ret;

out_free:
	mutex_unlock(&q->lock);
	kvfree(data);
	return ret;
}

/**
 * virgo_queue_take() - collect the REPLY of a message published here
 * @id: the message
 * @t: where it goes, and what it was
 *
 * Return: bytes copied; -ENOENT for a message not published here or
 * collected already; -EAGAIN when its REPLY has not come (or another
 * caller is collecting it); -EACCES when another user published it;
 * -EMSGSIZE when it does not fit (@t->size, @t->status tell, it stays);
 * -EFAULT (it stays).
 */
static int __virgo_queue_take(const struct virgo_msg_id *id, struct virgo_qtake *t)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qrec rec = { .type = VIRGO_QREC_TAKEN, .id = *id };
	struct virgo_qmsg *m;
	u64 lsn = 0;
	int ret;

	mutex_lock(&q->lock);
	m = q->open && id->node == q->self ? virgo_qmsg_find(q, id) : NULL;
	ret = -ENOENT;
	if (!m || !m->target)
		goto out_unlock;
	/* A message without an owner (published by the port) is root's. */
	ret = -EACCES;
	if (t->owner && (!(m->flags & VIRGO_QMSG_OWNED) || !uid_eq(m->owner, *t->owner)))
		goto out_unlock;
	ret = -EAGAIN;
	if (!(m->flags & VIRGO_QMSG_REPLY) || m->flags & VIRGO_QMSG_TAKING)
		goto out_unlock;
	t->status = m->status;
	t->size = m->rep_len;
	t->lamport = m->rep_lamport;
	t->ran_on = m->ran_on;
	ret = -EMSGSIZE;
	if (m->rep_len > t->room)
		goto out_unlock;
	if (t->user) {
		/* A fault may sleep long: not with the queue locked. */
		m->flags |= VIRGO_QMSG_TAKING;
		mutex_unlock(&q->lock);
		ret = copy_to_user((void __user *)t->buf, m->rep, m->rep_len) ?
		      -EFAULT : 0;
		mutex_lock(&q->lock);
		m->flags &= ~VIRGO_QMSG_TAKING;
		if (ret) {
			mutex_unlock(&q->lock);
			virgo_queue_wake(q);
			return ret;
		}
	} else {
		memcpy(t->buf, m->rep, m->rep_len);
	}
	rec.lamport = virgo_clock_stamp();
	ret = virgo_qlog_append(q, &rec, &lsn);
	if (ret)
		pr_warn_ratelimited("cannot log the collection of " VIRGO_QID_FMT ": %d\n",
				    VIRGO_QID_ARG(id), ret);
	virgo_qdedup_add(&q->dedup, id);
	virgo_qmsg_free(q, m);
	mutex_unlock(&q->lock);
	virgo_queue_wake(q);		/* a waiter in our TAKING window */
	if (lsn)
		virgo_qlog_sync(q, lsn);
	return t->size;

out_unlock:
	mutex_unlock(&q->lock);
	return ret;
}

/**
 * virgo_queue_wait() - virgo_queue_take(), waiting up to @timeout_ms
 * @id: the message
 * @t: as for virgo_queue_take()
 * @timeout_ms: 0: do not wait
 *
 * Return: as virgo_queue_take(); -ETIMEDOUT; -EINTR on a signal.
 */
int virgo_queue_wait(const struct virgo_msg_id *id, struct virgo_qtake *t,
		     unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	struct virgo_queue *q = &virgo_queue;
	long left;
	int ret, gen;

	for (;;) {
		gen = atomic_read(&q->reply_gen);
		ret = virgo_queue_take(id, t);
		if (ret != -EAGAIN || !timeout_ms)
			return ret;
		left = deadline - jiffies;
		if (left <= 0)
			return -ETIMEDOUT;
		left = wait_event_interruptible_timeout(q->replies,
				atomic_read(&q->reply_gen) != gen, left);
		if (left < 0)
			return -EINTR;
	}
}

/* ------------------------------------------------------------ workers */

/* Service the requests in arrival order. */
static void virgo_queue_run(struct work_struct *work)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qrec rec = { .type = VIRGO_QREC_REPLY };
	struct virgo_fn_ctx ctx;
	struct virgo_qmsg *m;
	bool local;
	void *rep;
	long status;
	u64 lsn;
	int ret;

	for (;;) {
		mutex_lock(&q->lock);
		if (!q->open || READ_ONCE(virgo_queue_set.paused) ||
		    list_empty(&q->to_run)) {
			mutex_unlock(&q->lock);
			return;
		}
		/*
		 * Not before the node serves: a service may call this node's
		 * other services (clone calls its cpupool), and after a restart
		 * the log opens before they listen.
		 */
		if (!virgo_services_listening()) {
			mutex_unlock(&q->lock);
			queue_delayed_work(virgo_queue_wq, &virgo_queue_run_work,
					   msecs_to_jiffies(100));
			return;
		}
		m = list_first_entry(&q->to_run, struct virgo_qmsg, run);
		list_del_init(&m->run);
		m->flags |= VIRGO_QMSG_RUNNING;
		mutex_unlock(&q->lock);

		/* Nothing frees a running message: its request stays put. */
		ctx = (struct virgo_fn_ctx){
			.arg = m->req,
			.arg_len = m->req_len,
			.result = virgo_queue_result,
			.deadline = jiffies + msecs_to_jiffies(VIRGO_QSERVICE_MS),
		};
		status = virgo_kingcobra_run(m, &ctx);
		rep = kvmemdup(ctx.result, ctx.result_len, GFP_KERNEL);
		if (!rep) {
			status = -ENOMEM;
			ctx.result_len = 0;
		}

		mutex_lock(&q->lock);
		m->flags &= ~VIRGO_QMSG_RUNNING;
		virgo_qmsg_drop_request(q, m);
		virgo_qcharge(q, m->id.node, 0, ctx.result_len, true);
		m->flags |= VIRGO_QMSG_REPLY;
		m->rep = rep;
		m->rep_len = ctx.result_len;
		m->rep_lamport = virgo_clock_stamp();
		m->status = status;
		m->ran_on = q->self;
		rec.id = m->id;
		rec.lamport = m->rep_lamport;
		rec.status = status;
		rec.payload = rep;
		rec.len = ctx.result_len;
		lsn = 0;
		ret = virgo_qlog_append(q, &rec, &lsn);
		if (ret)
			pr_warn_ratelimited("cannot log the REPLY of " VIRGO_QID_FMT ": %d\n",
					    VIRGO_QID_ARG(&m->id), ret);
		local = virgo_qmsg_local(m);
		if (!local) {
			m->send_at = jiffies;
			list_add_tail(&m->send, &q->to_send);
		}
		mutex_unlock(&q->lock);

		if (lsn)
			virgo_qlog_sync(q, lsn);
		if (local)
			virgo_queue_wake(q);
		else
			virgo_queue_kick_send(0);
		cond_resched();
	}
}

/* Send one REPLY to its publisher: 0 when it has it. */
static int virgo_queue_send_reply(const struct virgo_qmsg *m)
{
	char line[160], reply[128];
	struct virgo_request req = {
		.line = line,
		.data = m->rep,
		.data_len = m->rep_len,
		.reply = reply,
		.reply_len = sizeof(reply),
		.timeout_ms = VIRGO_QSEND_TIMEOUT_MS,
		.retry = true,		/* the publisher takes an id once */
		.op = "reply",
	};
	int ret;

	snprintf(line, sizeof(line), "REPLY " VIRGO_QID_FMT " %llu %lld %u",
		 VIRGO_QID_ARG(&m->id), m->rep_lamport, m->status, m->rep_len);
	ret = virgo_call_request(m->id.node, VIRGO_PORT_QUEUE, &req);
	if (!ret)
		ret = virgo_reply_error(reply);
	if (!ret && strcmp(reply, "OK"))
		ret = -EPROTO;
	return ret;
}

/*
 * Whether the publisher will never take this REPLY: it says the id is not
 * its own, or that another node should have sent it.
 */
static bool virgo_queue_refused(int err)
{
	return err == -EINVAL || err == -EPERM;
}

/* Send the REPLYs that are due, each until its publisher has it. */
static void virgo_queue_send(struct work_struct *work)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qrec rec = { .type = VIRGO_QREC_DELIVERED };
	unsigned long next;
	struct virgo_qmsg *m, *due;
	u64 lsn;
	int ret;

	for (;;) {
		mutex_lock(&q->lock);
		due = NULL;
		next = 0;
		list_for_each_entry(m, &q->to_send, send) {
			if (m->flags & VIRGO_QMSG_SENDING)
				continue;
			if (time_after_eq(jiffies, m->send_at)) {
				due = m;
				break;
			}
			if (!next || time_before(m->send_at, next))
				next = m->send_at;
		}
		if (!due || !q->open) {
			mutex_unlock(&q->lock);
			break;
		}
		due->flags |= VIRGO_QMSG_SENDING;
		mutex_unlock(&q->lock);

		/* Only this worker frees a message on to_send. */
		ret = virgo_queue_send_reply(due);

		mutex_lock(&q->lock);
		due->flags &= ~VIRGO_QMSG_SENDING;
		if (!ret || virgo_queue_refused(ret)) {
			if (ret)
				pr_warn_ratelimited("node %u refused the REPLY of " VIRGO_QID_FMT ": %d\n",
						    due->id.node, VIRGO_QID_ARG(&due->id), ret);
			rec.id = due->id;
			rec.lamport = virgo_clock_stamp();
			virgo_qlog_append(q, &rec, &lsn);
			virgo_qmsg_free(q, due);
		} else {
			due->backoff_ms = clamp(due->backoff_ms * 2, VIRGO_QSEND_BACKOFF_MIN,
						VIRGO_QSEND_BACKOFF_MAX);
			due->send_at = jiffies + msecs_to_jiffies(due->backoff_ms);
			list_move_tail(&due->send, &q->to_send);
		}
		mutex_unlock(&q->lock);
		cond_resched();
	}
	if (next)
		virgo_queue_kick_send(max_t(long, next - jiffies, 1));
}

/* ------------------------------------------------------------ listing */

/**
 * virgo_queue_list() - the messages held, one line each
 * @buf: where to write
 * @room: its size
 *
 * "<id> <role> <state> <service> <node> <bytes>": request queued|running
 * <service> <publisher>; reply sending <service> <publisher> (a REPLY
 * not yet acknowledged); published waiting|ready <service> <node>.
 *
 * Return: bytes written; lines that do not fit are left out.
 */
size_t virgo_queue_list(char *buf, size_t room)
{
	struct virgo_queue *q = &virgo_queue;
	const char *role, *state;
	struct virgo_qmsg *m;
	size_t n = 0;
	int bkt, len;
	u32 node;

	mutex_lock(&q->lock);
	hash_for_each(q->ids, bkt, m, hnode) {
		if (virgo_qmsg_local(m) && m->target) {
			role = "published";
			state = m->flags & VIRGO_QMSG_REPLY ? "ready" : "waiting";
			node = m->target;
		} else if (virgo_qmsg_local(m)) {
			role = "published";
			state = "ready";
			node = m->ran_on;
		} else if (m->flags & VIRGO_QMSG_REPLY) {
			role = "reply";
			state = "sending";
			node = m->id.node;
		} else {
			role = "request";
			state = m->flags & VIRGO_QMSG_RUNNING ? "running" : "queued";
			node = m->id.node;
		}
		len = snprintf(buf + n, room - n, VIRGO_QID_FMT " %s %s %s %u %u\n",
			       VIRGO_QID_ARG(&m->id), role, state,
			       m->service[0] ? m->service : "-", node,
			       m->req_len + m->rep_len);
		if (len >= room - n)
			break;
		n += len;
	}
	mutex_unlock(&q->lock);
	return n;
}


/* ------------------------------------------------------------ traced */

int virgo_queue_enqueue(const struct virgo_msg_id *id, u64 lamport,
			const char *service, void *data, size_t len, u64 *ack)
{
	int ret = __virgo_queue_enqueue(id, lamport, service, data, len, ack);

	trace_virgo_queue("queued", id->node, id->epoch, id->seq, ret);
	return ret;
}

int virgo_queue_publish(u32 node, const char *service, const void *data,
			size_t len, const kuid_t *owner, struct virgo_msg_id *id,
			u64 *lamport, u32 *queued_on)
{
	int ret = __virgo_queue_publish(node, service, data, len, owner, id,
					lamport, queued_on);

	trace_virgo_queue("publish", ret ? 0 : id->node, ret ? 0 : id->epoch,
			  ret ? 0 : id->seq, ret);
	return ret;
}

int virgo_queue_receive_reply(const struct virgo_msg_id *id, u64 lamport,
			      s64 status, void *data, size_t len, u32 from)
{
	int ret = __virgo_queue_receive_reply(id, lamport, status, data, len, from);

	trace_virgo_queue("reply", id->node, id->epoch, id->seq, ret ?: status);
	return ret;
}

int virgo_queue_take(const struct virgo_msg_id *id, struct virgo_qtake *t)
{
	int ret = __virgo_queue_take(id, t);

	trace_virgo_queue("take", id->node, id->epoch, id->seq, ret);
	return ret;
}

/* ------------------------------------------------------------ setup */

int virgo_queue_init(void)
{
	struct virgo_queue *q = &virgo_queue;
	int ret;

	hash_init(q->ids);
	q->dedup.size = VIRGO_QUEUE_DEDUP;
	q->dedup.ids = kvcalloc(VIRGO_QUEUE_DEDUP, sizeof(*q->dedup.ids), GFP_KERNEL);
	virgo_queue_result = kvmalloc(VIRGO_QUEUE_DATA_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!q->dedup.ids || !virgo_queue_result)
		goto err;
	ret = virgo_qlog_init(&q->log);
	if (ret)
		goto err;
	virgo_queue_wq = alloc_ordered_workqueue("virgo_queue", WQ_MEM_RECLAIM);
	if (virgo_queue_wq)
		return 0;
	ret = -ENOMEM;
	kvfree(q->log.buf);
err:
	kvfree(virgo_queue_result);
	kvfree(q->dedup.ids);
	return ret;
}
