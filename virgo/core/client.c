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

#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include "core.h"

#define VIRGO_POOL_MAX		8

/**
 * struct virgo_pconn - a pooled client connection
 * @vs: socket and receive buffer
 * @port: the service it is connected to
 * @entry: in the node's pool
 */
struct virgo_pconn {
	struct virgo_sock vs;
	u16 port;
	struct list_head entry;
};

static void virgo_pconn_close(struct virgo_pconn *pc)
{
	kernel_sock_shutdown(pc->vs.sock, SHUT_RDWR);
	sock_release(pc->vs.sock);
	kfree(pc);
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

static struct virgo_pconn *virgo_pool_take(struct virgo_node *node, u16 port)
{
	struct virgo_pconn *pc, *found = NULL;

	spin_lock_bh(&node->lock);
	list_for_each_entry(pc, &node->pool, entry) {
		if (pc->port == port) {
			list_del(&pc->entry);
			node->pool_len--;
			found = pc;
			break;
		}
	}
	spin_unlock_bh(&node->lock);
	return found;
}

static void virgo_pool_give(struct virgo_node *node, struct virgo_pconn *pc)
{
	spin_lock_bh(&node->lock);
	if (node->pool_len < VIRGO_POOL_MAX) {
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
	pc = kmalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	pc->port = port;
	virgo_linebuf_init(&pc->vs.lb);
	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &pc->vs.sock);
	if (ret) {
		kfree(pc);
		return ret;
	}
	tcp_sock_set_nodelay(pc->vs.sock->sk);
	virgo_sock_set_timeout(&pc->vs, VIRGO_CALL_TIMEOUT_MS);
	ret = kernel_connect(pc->vs.sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret == -EINPROGRESS || ret == -EAGAIN)
		ret = -ETIMEDOUT;
	if (!ret)
		ret = virgo_auth_client(&pc->vs);
	if (ret) {
		sock_release(pc->vs.sock);
		kfree(pc);
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
	    ret == -ENETUNREACH || ret == -EHOSTDOWN) {
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

/* One request, one reply line, on @pc. */
static int virgo_exchange(struct virgo_pconn *pc, const char *request,
			  char *reply, size_t reply_len)
{
	char *line;
	size_t len;
	int ret;

	ret = virgo_sock_printf(&pc->vs, "%s\n", request);
	if (ret)
		return ret;
	ret = virgo_sock_read_line(&pc->vs, &line, &len);
	if (ret)
		return ret;
	if (len >= reply_len)
		return -EMSGSIZE;
	memcpy(reply, line, len + 1);
	return 0;
}

/**
 * virgo_call() - send one request line to a node's service, read the reply
 * @node_id: the node
 * @port: the service's port
 * @request: one line, without the newline
 * @reply: set to the reply line, NUL-terminated, without the newline
 * @reply_len: room in @reply
 *
 * Every step is bounded by VIRGO_CALL_TIMEOUT_MS.
 *
 * Return: 0; -EHOSTUNREACH for a node not in the table (or without an
 * address); -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH and the like when
 * the node cannot be reached; -EACCES when it refused our key; -EPROTO
 * for a malformed exchange; -EMSGSIZE for a reply longer than @reply_len.
 */
int virgo_call(u32 node_id, u16 port, const char *request,
	       char *reply, size_t reply_len)
{
	struct virgo_node *node;
	struct virgo_pconn *pc;
	int ret;

	if (strchr(request, '\n') || strlen(request) >= VIRGO_LINE_MAX)
		return -EINVAL;
	node = virgo_node_get(node_id);
	if (!node)
		return -EHOSTUNREACH;

	/* A pooled connection may have been closed by the peer: retry once. */
	pc = virgo_pool_take(node, port);
	if (pc) {
		ret = virgo_exchange(pc, request, reply, reply_len);
		if (!ret)
			goto done;
		virgo_pconn_close(pc);
		if (ret == -EMSGSIZE)
			goto out;
	}
	ret = virgo_connect_backoff(node, port, &pc);
	if (ret)
		goto out;
	ret = virgo_exchange(pc, request, reply, reply_len);
	if (ret) {
		virgo_pconn_close(pc);
		goto out;
	}
done:
	virgo_pool_give(node, pc);
out:
	virgo_node_put(node);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_call);
