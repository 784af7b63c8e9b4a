// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the service layer
 *
 * A component registers a service (name, port, line handler); the core
 * listens on the port while the node is configured, accepts connections,
 * refuses peers outside the node table (loopback excepted, for the local
 * telnet path), caps connections per service and per peer, runs the
 * handshake when a cluster key is set (a new connection waits in a small
 * handshake pool, where the oldest of a peer makes way for its newest),
 * and then feeds the handler one line at a time. Each connection is a
 * work item on the bounded virgo workqueue; a connection without a request
 * for idle_ms is closed. Stopping a service
 * shuts every socket down and waits until every worker is gone.
 */

#include <linux/seq_file.h>
#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>
#include <trace/events/virgo.h>
#include "core.h"

unsigned int virgo_idle_ms = VIRGO_IDLE_MS;

static LIST_HEAD(virgo_services);
static DEFINE_MUTEX(virgo_services_lock);
static bool virgo_listening;

int virgo_conn_printf(struct virgo_conn *conn, const char *fmt, ...)
{
	va_list args;
	int ret;

	va_start(args, fmt);
	ret = virgo_sock_vprintf(&conn->vs, fmt, args);
	va_end(args);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_conn_printf);

/**
 * virgo_conn_error() - reply "ERROR <errno-name> <text>"
 * @conn: the connection
 * @err: a negative errno
 * @text: what went wrong, for a person
 *
 * Return: 0 or a socket error.
 */
int virgo_conn_error(struct virgo_conn *conn, int err, const char *text)
{
	conn->status = err;
	return virgo_conn_printf(conn, "ERROR %s %s\n", virgo_errno_name(err), text);
}
EXPORT_SYMBOL_GPL(virgo_conn_error);

/* After a payload: its line end, or the error that ends the connection. */
static int virgo_conn_data_end(struct virgo_conn *conn, int ret)
{
	char *line;
	size_t n;

	if (!ret)
		ret = virgo_sock_read_line(&conn->vs, &line, &n);
	if (!ret && n)
		ret = -EPROTO;
	if (ret == -EPROTO || ret == -E2BIG || ret == -EINVAL)
		virgo_conn_error(conn, -EPROTO, "payload not followed by a line end");
	return ret ? -EPROTO : 0;
}

/**
 * virgo_conn_read_data() - the payload that follows a request line
 * @conn: the connection
 * @buf: where to put it
 * @len: how many bytes the request line announced; the service bounds it
 *
 * The payload is followed by a line end ("\n" or "\r\n").
 *
 * Return: 0, or an error after which the stream cannot be trusted: the
 * service returns it, which closes the connection.
 */
int virgo_conn_read_data(struct virgo_conn *conn, void *buf, size_t len)
{
	return virgo_conn_data_end(conn, virgo_sock_read_exact(&conn->vs, buf, len));
}
EXPORT_SYMBOL_GPL(virgo_conn_read_data);

/**
 * virgo_conn_read_part() - the next @len bytes of a payload
 * @conn: the connection
 * @buf: where to put them
 * @len: how many; the caller bounds it
 *
 * For a service that takes a long payload in parts: it reads them with
 * this, then the line end with virgo_conn_read_data(@conn, NULL, 0), or
 * drops the rest with virgo_conn_skip_data().
 *
 * Return: 0, or an error after which the stream cannot be trusted.
 */
int virgo_conn_read_part(struct virgo_conn *conn, void *buf, size_t len)
{
	return virgo_sock_read_exact(&conn->vs, buf, len) ? -EPROTO : 0;
}
EXPORT_SYMBOL_GPL(virgo_conn_read_part);

/**
 * virgo_conn_skip_data() - read and drop a payload the service refuses
 * @conn: the connection
 * @len: how many bytes the request line announced; the service bounds it
 *
 * Return: as virgo_conn_read_data(); -ENOMEM too.
 */
int virgo_conn_skip_data(struct virgo_conn *conn, size_t len)
{
	void *scratch;
	size_t n;
	int ret = 0;

	if (!len)
		return virgo_conn_read_data(conn, NULL, 0);
	scratch = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	for (; len && !ret; len -= n) {
		n = min_t(size_t, len, PAGE_SIZE);
		ret = virgo_sock_read_exact(&conn->vs, scratch, n);
	}
	kfree(scratch);
	return virgo_conn_data_end(conn, ret);
}
EXPORT_SYMBOL_GPL(virgo_conn_skip_data);

/**
 * virgo_conn_send_data() - reply "DATA <len> <fmt...>", the payload, "\n"
 * @conn: the connection
 * @data: the payload
 * @len: its length, at most VIRGO_PAYLOAD_MAX
 * @fmt: the rest of the reply line, printf-style
 *
 * Return: 0 or a socket error.
 */
int virgo_conn_send_data(struct virgo_conn *conn, const void *data, size_t len,
			 const char *fmt, ...)
{
	char head[128];
	struct kvec iov[3] = {
		{ .iov_base = head },
		{ .iov_base = (void *)data, .iov_len = len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	va_list args;
	size_t n;

	if (WARN_ON_ONCE(len > VIRGO_PAYLOAD_MAX))
		return -EMSGSIZE;
	n = scnprintf(head, sizeof(head), "DATA %zu ", len);
	va_start(args, fmt);
	n += vscnprintf(head + n, sizeof(head) - n - 1, fmt, args);
	va_end(args);
	head[n++] = '\n';
	iov[0].iov_len = n;
	return virgo_sock_writev(&conn->vs, iov, ARRAY_SIZE(iov));
}
EXPORT_SYMBOL_GPL(virgo_conn_send_data);

/**
 * virgo_conn_peer_gone() - has the peer of @conn gone away?
 * @conn: the connection
 *
 * For long handlers: true once the connection was revoked, or the peer
 * reset it (the core's
 * client closes abortively whatever it gives up, a caller interrupted or
 * gone included) or its node is down, so that nobody is left to read a
 * reply. A peer that only half-closed (a telnet client at the end of its
 * input) still waits for the reply.
 */
bool virgo_conn_peer_gone(struct virgo_conn *conn)
{
	struct sock *sk = conn->vs.sock->sk;

	if (READ_ONCE(conn->revoked) || READ_ONCE(sk->sk_err) ||
	    READ_ONCE(sk->sk_state) == TCP_CLOSE)
		return true;
	return !conn->plain && !ipv4_is_loopback(conn->peer) &&
	       !virgo_node_addr_up(conn->peer);
}
EXPORT_SYMBOL_GPL(virgo_conn_peer_gone);

/* Is @conn's service stopping? Long handlers check it and give up. */
bool virgo_conn_stopping(struct virgo_conn *conn)
{
	return READ_ONCE(conn->svc->stopping);
}
EXPORT_SYMBOL_GPL(virgo_conn_stopping);

/*
 * One peer for admission: every loopback address, and this node's own,
 * is the same local user.
 */
static __be32 virgo_peer_key(__be32 addr)
{
	return ipv4_is_loopback(addr) || virgo_node_addr_is_local(addr) ?
	       htonl(INADDR_LOOPBACK) : addr;
}

/*
 * Live connections of @peer in @svc (any peer for 0), past the handshake
 * or in it; plain clients are counted apart. Under svc->lock.
 */
static unsigned int virgo_service_count_kind(struct virgo_service *svc, __be32 peer,
					     bool authed, bool plain)
{
	struct virgo_conn *conn;
	unsigned int n = 0;

	list_for_each_entry(conn, &svc->conns, entry)
		n += (!peer || conn->peer == peer) && conn->authed == authed &&
		     conn->plain == plain && !conn->revoked;
	return n;
}

static unsigned int virgo_service_count(struct virgo_service *svc, __be32 peer,
					bool authed)
{
	return virgo_service_count_kind(svc, peer, authed, false);
}

static unsigned int virgo_service_per_peer(struct virgo_service *svc)
{
	return svc->max_per_peer ?: VIRGO_CONNS_PER_PEER;
}

/* Close @conn from outside its worker; it serves nothing more. Under svc->lock. */
static void virgo_conn_revoke(struct virgo_conn *conn)
{
	WRITE_ONCE(conn->revoked, true);
	kernel_sock_shutdown(conn->vs.sock, SHUT_RDWR);
}

/*
 * Make room in the handshake pool for one more of @peer: end the oldest
 * handshake of @peer, or with @peer 0 of the peer with the most. Whoever
 * keeps connections half-open then only pushes out its own. Under
 * svc->lock.
 */
static void virgo_service_evict(struct virgo_service *svc, __be32 peer)
{
	struct virgo_conn *conn, *oldest = NULL;
	unsigned int n, most = 0;

	if (!peer) {
		list_for_each_entry(conn, &svc->conns, entry) {
			if (conn->authed || conn->revoked)
				continue;
			n = virgo_service_count(svc, conn->peer, false);
			if (n > most) {
				most = n;
				peer = conn->peer;
			}
		}
	}
	/* The newest are first on the list. */
	list_for_each_entry(conn, &svc->conns, entry)
		if (conn->peer == peer && !conn->authed && !conn->revoked)
			oldest = conn;
	if (oldest)
		virgo_conn_revoke(oldest);
}

/*
 * The peer proved the key: move @conn from the handshake pool into the
 * service's, if there is room for it there, before it is told "OK".
 */
static int virgo_conn_promote(void *arg)
{
	struct virgo_conn *conn = arg;
	struct virgo_service *svc = conn->svc;
	unsigned int max = svc->max_conns ?: VIRGO_DEFAULT_CONNS;
	int ret = 0;

	mutex_lock(&svc->lock);
	if (conn->authed)
		goto out;
	if (svc->nconns >= max ||
	    virgo_service_count(svc, conn->peer, true) >= virgo_service_per_peer(svc)) {
		ret = -EBUSY;
		goto out;
	}
	svc->nhandshake--;
	svc->nconns++;
	conn->authed = true;
out:
	mutex_unlock(&svc->lock);
	return ret;
}

/*
 * The request @conn served becomes an event, after its caller's: @cause
 * is the time of the frame that carried its line (the caller's event).
 */
static void virgo_conn_event(struct virgo_conn *conn, u64 cause)
{
	struct virgo_event ev = { .op = conn->op, .cause = cause, .served = true };

	if (!conn->plain) {
		ev.peer = ipv4_is_loopback(conn->addr) ? virgo_local_id() :
			  virgo_node_id_by_addr(conn->addr);
	}
	if (!ev.peer)
		ev.cause = 0;	/* a stranger's time means nothing */
	virgo_eventnet_log(&ev);
}

static void virgo_conn_work(struct work_struct *work)
{
	struct virgo_conn *conn = container_of(work, struct virgo_conn, work);
	struct virgo_service *svc = conn->svc;
	unsigned long idle = msecs_to_jiffies(READ_ONCE(virgo_idle_ms));
	char *line;
	size_t len;
	int ret;

	/* One deadline for the whole handshake, however the bytes trickle. */
	virgo_sock_set_timeout(&conn->vs, READ_ONCE(virgo_idle_ms));
	conn->vs.deadline = jiffies + msecs_to_jiffies(VIRGO_AUTH_TIMEOUT_MS);
	ret = conn->plain ? 0 :
	      virgo_auth_server(&conn->vs, svc->port,
				virgo_node_id_by_addr(conn->peer),
				virgo_conn_promote, conn);

	trace_virgo_conn(svc->name, conn->addr, ret ? "refuse" : "open", ret);

	/* Only a request, not a blank line, earns more time. */
	conn->vs.deadline = jiffies + idle;
	while (!ret && !READ_ONCE(conn->revoked)) {
		ret = virgo_sock_read_line(&conn->vs, &line, &len);
		if (ret == -EINVAL) {
			/* A payload may follow it: do not read that as requests. */
			virgo_conn_error(conn, -EINVAL, "NUL byte in line");
			break;
		}
		if (ret == -E2BIG) {
			/* No newline in sight: the stream cannot be resynced. */
			virgo_conn_printf(conn, "ERROR E2BIG line longer than %u bytes\n",
					  VIRGO_LINE_MAX);
			break;
		}
		if (ret || READ_ONCE(conn->revoked))
			break;
		if (len) {
			/* Before the handler reads a payload's later frames. */
			u64 cause = conn->vs.rx_time, read = conn->vs.read_bytes;
			/* No clock read per request unless someone traces. */
			ktime_t start = trace_virgo_request_enabled() ? ktime_get() : 0;

			/* A request's payload has the whole idle time, too. */
			conn->vs.deadline = jiffies + idle;
			conn->status = 0;
			conn->op = NULL;
			ret = svc->ops->line(conn, line, len);
			conn->vs.deadline = jiffies + idle;
			if (conn->op && virgo_eventnet_traced())
				virgo_conn_event(conn, cause);
			/* The request's bytes: its line, and what it read after. */
			if (trace_virgo_request_enabled())
				trace_virgo_request(svc->name, conn->addr,
						    len + 1 + conn->vs.read_bytes - read,
						    ret ?: conn->status,
						    ktime_us_delta(ktime_get(), start));
		}
	}
	/* An orderly end, authenticated: what was sent is all there is. */
	if (!READ_ONCE(conn->revoked) && !READ_ONCE(svc->stopping))
		virgo_sock_send_close(&conn->vs);
	trace_virgo_conn(svc->name, conn->addr, "close", ret);

	mutex_lock(&svc->lock);
	list_del(&conn->entry);
	if (conn->authed)
		svc->nconns--;
	else
		svc->nhandshake--;
	mutex_unlock(&svc->lock);

	virgo_sock_close(&conn->vs);
	kfree(conn);

	/*
	 * The last touch of @svc: the stopper looks at live under the same
	 * spinlock, so it cannot return (and free @svc) before this unlock.
	 */
	spin_lock(&svc->live_lock);
	if (!--svc->live)
		wake_up(&svc->drained);
	spin_unlock(&svc->live_lock);
}

static bool virgo_service_drained(struct virgo_service *svc)
{
	bool drained;

	spin_lock(&svc->live_lock);
	drained = !svc->live;
	spin_unlock(&svc->live_lock);
	return drained;
}

/*
 * May @peer open one more connection to @svc? Called with svc->lock.
 * Nothing here costs more than a table lookup: a stranger is turned away
 * before any cryptography. In a keyed cluster a new connection waits in
 * the small handshake pool; in lab mode it joins the service's at once.
 */
static int virgo_service_admit(struct virgo_service *svc, __be32 peer, bool plain,
			       bool *authed)
{
	unsigned int max = svc->max_conns ?: VIRGO_DEFAULT_CONNS;

	if (svc->stopping)
		return -ESHUTDOWN;
	if (plain) {
		*authed = true;
		return svc->nconns >= max ||
		       virgo_service_count_kind(svc, 0, true, true) >= max / 2 ||
		       virgo_service_count_kind(svc, peer, true, true) >=
		       virgo_service_per_peer(svc) ? -EBUSY : 0;
	}
	if (!ipv4_is_loopback(peer) && !virgo_node_addr_known(peer))
		return -EACCES;
	*authed = !virgo_auth_enabled();
	if (*authed)
		return svc->nconns >= max ||
		       virgo_service_count(svc, peer, true) >= virgo_service_per_peer(svc) ?
		       -EBUSY : 0;
	/* A handshake is never refused for want of room: the oldest goes. */
	if (virgo_service_count(svc, peer, false) >= VIRGO_HANDSHAKE_PER_PEER)
		virgo_service_evict(svc, peer);
	else if (virgo_service_count(svc, 0, false) >= VIRGO_HANDSHAKE_CONNS)
		virgo_service_evict(svc, 0);
	return 0;
}

/*
 * Is a client at @addr one of the service's plain clients? A listed
 * address that is no member of the node table (this node's own address
 * included); in lab mode, where loopback is served in full, not loopback
 * either. Under svc->lock.
 */
static bool virgo_conn_is_plain(struct virgo_service *svc, __be32 addr)
{
	if (!svc->ops->plain_peer || !svc->ops->plain_peer(addr) ||
	    virgo_node_addr_known(addr))
		return false;
	return virgo_auth_enabled() || !ipv4_is_loopback(addr);
}

/* Tell a refused peer why, without waiting on it, and hang up. */
static void virgo_refuse(struct socket *sock, int err)
{
	char text[80];
	struct kvec iov = { .iov_base = text };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };

	iov.iov_len = scnprintf(text, sizeof(text), "ERROR %s %s\n",
				virgo_errno_name(err),
				err == -EACCES ? "not a node of this cluster" :
				"too many connections");
	kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len);
	kernel_sock_shutdown(sock, SHUT_RDWR);
	sock_release(sock);
}

#define VIRGO_ACCEPT_BACKOFF_MAX_MS	200

static void virgo_accept_work(struct work_struct *work)
{
	struct virgo_service *svc = container_of(work, struct virgo_service,
						 accept_work);
	unsigned int backoff_ms = 0;
	struct sockaddr_in sin;
	struct virgo_conn *conn;
	struct socket *sock;
	bool authed, plain;
	__be32 peer;
	int ret;

	for (;;) {
		ret = kernel_accept(svc->listener, &sock, 0);
		if (ret) {
			if (READ_ONCE(svc->stopping))
				return;
			/* ENOMEM, EMFILE...: the listener lives on, slower. */
			backoff_ms = clamp(backoff_ms * 2, 1U, VIRGO_ACCEPT_BACKOFF_MAX_MS);
			msleep(backoff_ms);
			continue;
		}
		backoff_ms = 0;
		ret = kernel_getpeername(sock, (struct sockaddr *)&sin);
		if (ret < 0 || sin.sin_family != AF_INET) {
			sock_release(sock);
			continue;
		}
		peer = virgo_peer_key(sin.sin_addr.s_addr);
		tcp_sock_set_nodelay(sock->sk);
		conn = kzalloc(sizeof(*conn), GFP_KERNEL);
		if (!conn) {
			virgo_refuse(sock, -EBUSY);
			continue;
		}
		mutex_lock(&svc->lock);
		/* A plain client is counted under its own address. */
		plain = virgo_conn_is_plain(svc, sin.sin_addr.s_addr);
		if (plain)
			peer = sin.sin_addr.s_addr;
		ret = virgo_service_admit(svc, peer, plain, &authed);
		if (!ret) {
			conn->vs.sock = sock;
			virgo_linebuf_init(&conn->vs.lb);
			conn->svc = svc;
			conn->peer = peer;
			conn->addr = sin.sin_addr.s_addr;
			conn->plain = plain;
			conn->authed = authed;
			conn->since = jiffies;
			INIT_WORK(&conn->work, virgo_conn_work);
			list_add(&conn->entry, &svc->conns);
			if (authed)
				svc->nconns++;
			else
				svc->nhandshake++;
			spin_lock(&svc->live_lock);
			svc->live++;
			spin_unlock(&svc->live_lock);
			queue_work(virgo_wq, &conn->work);
		}
		mutex_unlock(&svc->lock);
		if (ret) {
			kfree(conn);
			trace_virgo_conn(svc->name, sin.sin_addr.s_addr, "refuse", ret);
			if (ret == -EACCES)
				pr_info_ratelimited("%s: refused %pI4, not a cluster node\n",
						    svc->name, &sin.sin_addr);
			virgo_refuse(sock, ret);
		}
	}
}

/* Every connection of every service, for debugfs. */
void virgo_services_show(struct seq_file *m)
{
	struct virgo_service *svc;
	struct virgo_conn *conn;

	mutex_lock(&virgo_services_lock);
	list_for_each_entry(svc, &virgo_services, node) {
		mutex_lock(&svc->lock);
		/* The counts move as the workers serve: a snapshot. */
		list_for_each_entry(conn, &svc->conns, entry)
			seq_printf(m, "conn %s %pI4 %s age_ms %u rx %llu tx %llu\n",
				   svc->name, &conn->addr,
				   conn->plain ? "plain" : conn->authed ? "serving" : "handshake",
				   jiffies_to_msecs(jiffies - conn->since),
				   data_race(conn->vs.rx_bytes), data_race(conn->vs.tx_bytes));
		mutex_unlock(&svc->lock);
	}
	mutex_unlock(&virgo_services_lock);
}

static int virgo_service_start(struct virgo_service *svc)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(svc->port),
	};
	int ret;

	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &svc->listener);
	if (ret)
		return ret;
	sock_set_reuseaddr(svc->listener->sk);
	ret = kernel_bind(svc->listener, (struct sockaddr *)&sin, sizeof(sin));
	if (!ret)
		ret = kernel_listen(svc->listener, 64);
	if (ret) {
		pr_err("%s: cannot listen on port %u: %d\n", svc->name, svc->port, ret);
		sock_release(svc->listener);
		svc->listener = NULL;
		return ret;
	}
	WRITE_ONCE(svc->stopping, false);
	queue_work(virgo_wq, &svc->accept_work);
	pr_info("%s: listening on port %u\n", svc->name, svc->port);
	return 0;
}

static void virgo_service_stop(struct virgo_service *svc)
{
	struct virgo_conn *conn;

	if (!svc->listener)
		return;
	mutex_lock(&svc->lock);
	WRITE_ONCE(svc->stopping, true);
	mutex_unlock(&svc->lock);

	/* Wake the accept loop, then every connection's blocked read. */
	kernel_sock_shutdown(svc->listener, SHUT_RDWR);
	flush_work(&svc->accept_work);

	mutex_lock(&svc->lock);
	list_for_each_entry(conn, &svc->conns, entry)
		virgo_conn_revoke(conn);
	mutex_unlock(&svc->lock);
	wait_event(svc->drained, virgo_service_drained(svc));

	sock_release(svc->listener);
	svc->listener = NULL;
	pr_info("%s: stopped\n", svc->name);
}

/**
 * virgo_service_register() - offer a service on every node
 * @svc: the service; name, port and ops set, the rest zeroed
 *
 * The service listens now if the node is configured, else when it is.
 *
 * Return: 0, or -EEXIST for a port already taken by another service.
 */
int virgo_service_register(struct virgo_service *svc)
{
	struct virgo_service *other;
	int ret = 0;

	INIT_LIST_HEAD(&svc->conns);
	mutex_init(&svc->lock);
	init_waitqueue_head(&svc->drained);
	spin_lock_init(&svc->live_lock);
	INIT_WORK(&svc->accept_work, virgo_accept_work);
	svc->listener = NULL;
	svc->nconns = 0;
	svc->nhandshake = 0;
	svc->live = 0;

	mutex_lock(&virgo_services_lock);
	list_for_each_entry(other, &virgo_services, node) {
		if (other->port == svc->port) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (virgo_listening)
		ret = virgo_service_start(svc);
	if (!ret)
		list_add_tail(&svc->node, &virgo_services);
out:
	mutex_unlock(&virgo_services_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_service_register);

/**
 * virgo_service_unregister() - stop a service and drop its connections
 * @svc: a registered service
 *
 * Returns when no worker of the service runs any more.
 */
void virgo_service_unregister(struct virgo_service *svc)
{
	mutex_lock(&virgo_services_lock);
	list_del(&svc->node);
	virgo_service_stop(svc);
	mutex_unlock(&virgo_services_lock);
}
EXPORT_SYMBOL_GPL(virgo_service_unregister);

/**
 * virgo_services_set_listening() - start or stop every service
 * @on: listen or not
 *
 * Return: 0, or the first error of a service that could not start (the
 * others run).
 */
int virgo_services_set_listening(bool on)
{
	struct virgo_service *svc;
	int ret = 0, err;

	mutex_lock(&virgo_services_lock);
	if (on != virgo_listening) {
		/* Listening means every service listens: set once they do. */
		if (!on)
			WRITE_ONCE(virgo_listening, false);
		if (on && !virgo_auth_enabled())
			pr_warn("no cluster key: services run unauthenticated (lab mode)\n");
		list_for_each_entry(svc, &virgo_services, node) {
			if (on) {
				err = virgo_service_start(svc);
				ret = ret ?: err;
			} else {
				virgo_service_stop(svc);
			}
		}
		if (on)
			WRITE_ONCE(virgo_listening, true);
	}
	mutex_unlock(&virgo_services_lock);
	return ret;
}

/**
 * virgo_services_revoke() - close connections a peer may no longer hold
 * @addr: the peer's address; 0 for every connection (the key changed)
 *
 * A node removed from the table or given a new address, or a new cluster
 * key: what was admitted under the old terms ends now.
 */
void virgo_services_revoke(__be32 addr)
{
	struct virgo_service *svc;
	struct virgo_conn *conn;

	mutex_lock(&virgo_services_lock);
	list_for_each_entry(svc, &virgo_services, node) {
		mutex_lock(&svc->lock);
		list_for_each_entry(conn, &svc->conns, entry)
			if (!addr || conn->peer == addr)
				virgo_conn_revoke(conn);
		mutex_unlock(&svc->lock);
	}
	mutex_unlock(&virgo_services_lock);
}

/**
 * virgo_service_revoke_plain() - the operator's list of plain clients changed
 * @svc: the service
 *
 * Plain connections from addresses no longer listed end now.
 */
void virgo_service_revoke_plain(struct virgo_service *svc)
{
	struct virgo_conn *conn;

	mutex_lock(&svc->lock);
	list_for_each_entry(conn, &svc->conns, entry)
		if (conn->plain && !virgo_conn_is_plain(svc, conn->addr))
			virgo_conn_revoke(conn);
	mutex_unlock(&svc->lock);
}
EXPORT_SYMBOL_GPL(virgo_service_revoke_plain);

bool virgo_services_listening(void)
{
	return READ_ONCE(virgo_listening);
}
