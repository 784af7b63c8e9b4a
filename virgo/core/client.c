// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the client layer: virgo_call()
 *
 * A call takes an idle connection to the node's service from the node's
 * pool, or opens one (connect, then answer the challenge when a key is
 * set), sends one request line and reads one reply line. A connection
 * that worked goes back to the pool; one that failed is closed. After a
 * failed connect the node is not tried again before a backoff passes, so
 * a dead node costs callers nothing but the errno.
 */

#include <linux/seq_file.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>
#include "core.h"

#define VIRGO_POOL_MAX		8

/**
 * struct virgo_pconn - a pooled client connection
 * @vs: socket and receive buffer
 * @port: the service it is connected to
 * @addr: the address it is connected to
 * @gen: the cluster key's generation when it connected
 * @idle_since: jiffies when it went back to the pool
 * @since: jiffies when it connected
 * @entry: in the node's pool
 */
struct virgo_pconn {
	struct virgo_sock vs;
	u16 port;
	__be32 addr;
	u64 gen;
	unsigned long idle_since;
	unsigned long since;
	struct list_head entry;
};

/*
 * Abortively (a reset, not a FIN): a server still running our request
 * learns at once that nobody waits for it (virgo_conn_peer_gone()).
 */
static void virgo_pconn_close(struct virgo_pconn *pc)
{
	sock_no_linger(pc->vs.sock->sk);
	virgo_sock_close(&pc->vs);
	kfree(pc);
}

/* The idle connections of @node's pool, for debugfs: @node locked. */
void virgo_pool_show(struct seq_file *m, struct virgo_node *node)
{
	struct virgo_pconn *pc;

	lockdep_assert_held(&node->lock);
	list_for_each_entry(pc, &node->pool, entry)
		seq_printf(m, "pool node %u %pI4:%u age_ms %u idle_ms %u rx %llu tx %llu\n",
			   node->id, &pc->addr, pc->port,
			   jiffies_to_msecs(jiffies - pc->since),
			   jiffies_to_msecs(jiffies - pc->idle_since),
			   pc->vs.rx_bytes, pc->vs.tx_bytes);
}

void virgo_pool_drain(struct virgo_node *node)
{
	struct virgo_pconn *pc, *tmp;
	LIST_HEAD(idle);

	spin_lock_bh(&node->lock);
	list_splice_init(&node->pool, &idle);
	node->pool_len = 0;
	spin_unlock_bh(&node->lock);
	list_for_each_entry_safe(pc, tmp, &idle, entry)
		virgo_pconn_close(pc);
}

/*
 * Is a pooled connection of no further use? The peer closed it or said
 * something unasked (a refusal); it was made under another key or to the
 * node's old address; or it idled so long that the server may be closing
 * it as we speak.
 */
static bool virgo_pconn_stale(struct virgo_node *node, struct virgo_pconn *pc)
{
	struct sock *sk = pc->vs.sock->sk;

	return READ_ONCE(sk->sk_state) != TCP_ESTABLISHED ||
	       READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN || READ_ONCE(sk->sk_err) ||
	       virgo_sock_pending(&pc->vs) ||
	       pc->gen != virgo_auth_gen() || pc->addr != READ_ONCE(node->addr) ||
	       time_after(jiffies, pc->idle_since +
				  msecs_to_jiffies(READ_ONCE(virgo_idle_ms) / 2));
}

static struct virgo_pconn *virgo_pool_take(struct virgo_node *node, u16 port)
{
	struct virgo_pconn *pc, *tmp, *found = NULL;
	LIST_HEAD(stale);

	spin_lock_bh(&node->lock);
	list_for_each_entry_safe(pc, tmp, &node->pool, entry) {
		if (pc->port != port)
			continue;
		list_del(&pc->entry);
		node->pool_len--;
		if (!virgo_pconn_stale(node, pc)) {
			found = pc;
			break;
		}
		list_add(&pc->entry, &stale);
	}
	spin_unlock_bh(&node->lock);
	list_for_each_entry_safe(pc, tmp, &stale, entry)
		virgo_pconn_close(pc);
	return found;
}

static void virgo_pool_give(struct virgo_node *node, struct virgo_pconn *pc)
{
	pc->idle_since = jiffies;
	spin_lock_bh(&node->lock);
	if (node->pool_len < VIRGO_POOL_MAX && !virgo_pconn_stale(node, pc)) {
		list_add(&pc->entry, &node->pool);
		node->pool_len++;
		pc = NULL;
	}
	spin_unlock_bh(&node->lock);
	if (pc)
		virgo_pconn_close(pc);
}

static int virgo_connect(struct virgo_node *node, u16 port,
			 struct virgo_pconn **out)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = READ_ONCE(node->addr),
		.sin_port = htons(port),
	};
	struct virgo_pconn *pc;
	int ret;

	if (!sin.sin_addr.s_addr)
		return -EHOSTUNREACH;
	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	pc->port = port;
	pc->addr = sin.sin_addr.s_addr;
	pc->gen = virgo_auth_gen();
	pc->since = jiffies;
	virgo_linebuf_init(&pc->vs.lb);
	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &pc->vs.sock);
	if (ret) {
		kfree(pc);
		return ret;
	}
	tcp_sock_set_nodelay(pc->vs.sock->sk);
	/*
	 * The services' ports lie in the ephemeral range: a service that
	 * starts while a poll holds its port as a source port must still
	 * bind (the listener has SO_REUSEADDR too).
	 */
	sock_set_reuseaddr(pc->vs.sock->sk);
	virgo_sock_set_timeout(&pc->vs, VIRGO_CALL_TIMEOUT_MS);
	ret = kernel_connect(pc->vs.sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret == -EINPROGRESS || ret == -EAGAIN)
		ret = -ETIMEDOUT;
	/* The whole handshake within the call timeout, however it trickles. */
	pc->vs.deadline = jiffies + msecs_to_jiffies(VIRGO_CALL_TIMEOUT_MS);
	if (!ret)
		ret = virgo_auth_client(&pc->vs, port, node->id);
	pc->vs.deadline = 0;
	if (ret) {
		virgo_pconn_close(pc);
		return ret;
	}
	*out = pc;
	return 0;
}

/* Connect, unless a recent failure says to wait; track the backoff. */
static int virgo_connect_backoff(struct virgo_node *node, u16 port,
				 struct virgo_pconn **pc)
{
	int ret;

	spin_lock_bh(&node->lock);
	ret = node->backoff_ms && time_before(jiffies, node->retry_at) ?
		node->connect_err : 0;
	spin_unlock_bh(&node->lock);
	if (ret)
		return ret;

	ret = virgo_connect(node, port, pc);

	spin_lock_bh(&node->lock);
	if (ret == -ECONNREFUSED || ret == -ETIMEDOUT || ret == -EHOSTUNREACH ||
	    ret == -ENETUNREACH || ret == -EHOSTDOWN || ret == -EBUSY) {
		node->backoff_ms = clamp(node->backoff_ms * 2,
					 VIRGO_BACKOFF_MIN_MS, VIRGO_BACKOFF_MAX_MS);
		node->retry_at = jiffies + msecs_to_jiffies(node->backoff_ms);
		node->connect_err = ret;
	} else if (!ret) {
		node->backoff_ms = 0;
	}
	spin_unlock_bh(&node->lock);
	return ret;
}

/* After a "DATA <n> ..." reply line: the payload and its line end. */
static int virgo_read_reply_data(struct virgo_pconn *pc, struct virgo_request *req)
{
	char count[24], *line;
	size_t len, n;
	u64 bytes;
	int ret;

	n = strcspn(req->reply + 5, " ");
	if (!n || n >= sizeof(count))
		return -EPROTO;
	memcpy(count, req->reply + 5, n);
	count[n] = '\0';
	if (virgo_parse_u64(count, VIRGO_PAYLOAD_MAX, &bytes))
		return -EPROTO;
	if (bytes > req->rdata_max)
		return -EMSGSIZE;
	ret = virgo_sock_read_exact(&pc->vs, req->rdata, bytes);
	if (ret)
		return ret;
	ret = virgo_sock_read_line(&pc->vs, &line, &len);
	if (ret)
		return ret;
	if (len)
		return -EPROTO;
	req->rdata_len = bytes;
	return 0;
}

/*
 * One request (line and payload), one reply (line and payload), on @pc,
 * the reply within @timeout_ms however it trickles.
 */
static int virgo_exchange(struct virgo_pconn *pc, struct virgo_request *req,
			  unsigned int timeout_ms)
{
	struct kvec iov[4] = {
		{ .iov_base = (void *)req->line, .iov_len = strlen(req->line) },
		{ .iov_base = "\n", .iov_len = 1 },
		{ .iov_base = (void *)req->data, .iov_len = req->data_len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	char *line;
	size_t len;
	int ret;

	/* A traced request's first frame carries its event's time. */
	pc->vs.next_time = req->time;
	ret = virgo_sock_writev(&pc->vs, iov, req->data ? 4 : 2);
	pc->vs.next_time = 0;	/* lab mode: no frame took it */
	if (ret)
		return ret;
	pc->vs.deadline = jiffies + msecs_to_jiffies(timeout_ms);
	ret = virgo_sock_read_line(&pc->vs, &line, &len);
	if (!ret && len >= req->reply_len)
		ret = -EMSGSIZE;
	if (!ret) {
		memcpy(req->reply, line, len + 1);
		req->rdata_len = 0;
		if (!strncmp(req->reply, "DATA ", 5))
			ret = virgo_read_reply_data(pc, req);
	}
	pc->vs.deadline = 0;
	return ret;
}

/* Did a pooled connection fail only because the peer had closed it? */
static bool virgo_stale(int err)
{
	return err == -ENOTCONN || err == -ECONNRESET || err == -EPIPE;
}

/**
 * virgo_call_request() - one exchange with a node's service
 * @node_id: the node
 * @port: the service's port
 * @req: what to send and where the reply goes (see struct virgo_request)
 *
 * Connecting is bounded by VIRGO_CALL_TIMEOUT_MS, the reply by
 * @req->timeout_ms. A payload reply ("DATA <n> ...") is read into
 * @req->rdata.
 *
 * Return: 0; -EHOSTUNREACH for a node not in the table (or without an
 * address); -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH and the like when
 * the node cannot be reached or does not answer in time; -EACCES when it
 * refused our key; -EPROTO for a malformed exchange; -EMSGSIZE for a
 * reply longer than @req->reply_len or @req->rdata_max; -EINVAL for a
 * request line with a newline or longer than VIRGO_LINE_MAX.
 */
int virgo_call_request(u32 node_id, u16 port, struct virgo_request *req)
{
	unsigned int timeout = req->timeout_ms ?: VIRGO_CALL_TIMEOUT_MS;
	struct virgo_node *node;
	struct virgo_pconn *pc;
	int ret;

	req->sent = false;
	req->time = 0;
	if (strchr(req->line, '\n') || strlen(req->line) >= VIRGO_LINE_MAX ||
	    req->data_len > VIRGO_PAYLOAD_MAX || (req->data_len && !req->data))
		return -EINVAL;
	/*
	 * A traced request is an event before it is sent: its time, stamped
	 * as it enters EventNet's log, is its first frame's, which names it
	 * on the server (virgo_conn_event()). A retry carries the same.
	 */
	if (req->op && virgo_eventnet_traced()) {
		struct virgo_event ev = { .op = req->op, .peer = node_id };

		req->time = virgo_eventnet_log(&ev);
	}
	node = virgo_node_get(node_id);
	if (!node)
		return -EHOSTUNREACH;

	/*
	 * The peer may close a pooled connection while we write on it: only
	 * a request that may run twice is sent again on a new one.
	 */
	pc = virgo_pool_take(node, port);
	if (pc) {
		if (timeout != VIRGO_CALL_TIMEOUT_MS)
			virgo_sock_set_timeout(&pc->vs, timeout);
		ret = virgo_exchange(pc, req, timeout);
		if (!ret)
			goto done;
		virgo_pconn_close(pc);
		if (!req->retry || !virgo_stale(ret)) {
			req->sent = true;
			goto out;
		}
	}
	ret = virgo_connect_backoff(node, port, &pc);
	if (ret)
		goto out;
	if (timeout != VIRGO_CALL_TIMEOUT_MS)
		virgo_sock_set_timeout(&pc->vs, timeout);
	req->sent = true;
	ret = virgo_exchange(pc, req, timeout);
	if (ret) {
		virgo_pconn_close(pc);
		goto out;
	}
done:
	req->sent = true;
	if (timeout != VIRGO_CALL_TIMEOUT_MS)
		virgo_sock_set_timeout(&pc->vs, VIRGO_CALL_TIMEOUT_MS);
	virgo_pool_give(node, pc);
out:
	virgo_node_put(node);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_call_request);

/**
 * virgo_call() - send one request line to a node's service, read the reply
 * @node_id: the node
 * @port: the service's port
 * @request: one line, without the newline
 * @reply: set to the reply line, NUL-terminated, without the newline
 * @reply_len: room in @reply
 *
 * The line-only form of virgo_call_request(), with the default timeout, for
 * requests that may run twice (it retries once on a pooled connection the
 * peer had closed); a payload reply fails with -EMSGSIZE.
 *
 * Return: as virgo_call_request().
 */
int virgo_call(u32 node_id, u16 port, const char *request,
	       char *reply, size_t reply_len)
{
	struct virgo_request req = {
		.line = request,
		.reply = reply,
		.reply_len = reply_len,
		.retry = true,
	};

	return virgo_call_request(node_id, port, &req);
}
EXPORT_SYMBOL_GPL(virgo_call);

/**
 * virgo_caller_permitted() - may the calling task use the cluster?
 * @gid: a component's caller_gid (configfs); 0: none, root's group
 *	grants nothing without the capability
 *
 * The node's key speaks for the caller, so not every local user may:
 * CAP_SYS_ADMIN, or membership of @gid.
 */
bool virgo_caller_permitted(u32 gid)
{
	/* The group first: a member's every call would log a denial. */
	return (gid && in_group_p(make_kgid(&init_user_ns, gid))) ||
	       capable(CAP_SYS_ADMIN);
}
EXPORT_SYMBOL_GPL(virgo_caller_permitted);

/* "OK", "OK ...", "DATA ...": 0; "ERROR <errno> ...": its errno; else -EPROTO. */
static int virgo_reply_status(const char *reply)
{
	if (!strcmp(reply, "OK") || !strncmp(reply, "OK ", 3) ||
	    !strncmp(reply, "DATA ", 5))
		return 0;
	return virgo_reply_error(reply) ?: -EPROTO;
}

/**
 * virgo_call_status() - virgo_call_request() for a system call on a node
 * @node_id: the node
 * @port: the service's port
 * @req: as for virgo_call_request()
 *
 * For state that lives on one node (an allocation, an open file): when
 * that node cannot be reached, whatever the socket said, the caller gets
 * -EHOSTDOWN, and nothing is served in its place.
 *
 * Return: 0 for an "OK" or "DATA" reply; the errno of an "ERROR" reply;
 * -EPROTO for any other reply or one too long for @req; -EHOSTDOWN for a
 * node in the table that cannot be reached; -EHOSTUNREACH for one that is
 * not in the table; -EINTR when a signal stopped the call; -EINVAL for a
 * bad @req.
 */
int virgo_call_status(u32 node_id, u16 port, struct virgo_request *req)
{
	struct virgo_node *node;
	int ret = virgo_call_request(node_id, port, req);

	switch (ret) {
	case 0:
		return virgo_reply_status(req->reply);
	case -ERESTARTSYS:
		return -EINTR;
	case -ECONNREFUSED: case -ECONNRESET: case -ECONNABORTED:
	case -ETIMEDOUT: case -EHOSTUNREACH: case -ENETUNREACH:
	case -ENOTCONN: case -EPIPE:
		node = virgo_node_get(node_id);
		if (!node)
			return -EHOSTUNREACH;
		virgo_node_put(node);
		return -EHOSTDOWN;
	case -EMSGSIZE: case -EIO: case -EBADMSG:
		return -EPROTO;		/* a reply this node cannot take */
	default:
		return ret;
	}
}
EXPORT_SYMBOL_GPL(virgo_call_status);

/**
 * virgo_node_unreachable() - a caller could not reach node @node_id
 * @node_id: the node
 *
 * For callers that retry elsewhere: the balancer stops choosing the node
 * until it answers a poll again.
 */
void virgo_node_unreachable(u32 node_id)
{
	struct virgo_node *node = virgo_node_get(node_id);

	if (node) {
		virgo_node_failed(node);
		virgo_node_put(node);
	}
}
EXPORT_SYMBOL_GPL(virgo_node_unreachable);
