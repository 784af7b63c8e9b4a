// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the service layer
 *
 * A component registers a service (name, port, line handler); the core
 * listens on the port while the node is configured, accepts connections,
 * refuses peers outside the node table (loopback excepted, for the local
 * telnet path), caps connections per service and per peer, challenges the
 * peer when a cluster key is set, and then feeds the handler one line at
 * a time. Each connection is a work item on the bounded virgo workqueue;
 * an idle connection is closed after VIRGO_IDLE_MS. Stopping a service
 * shuts every socket down and waits until every worker is gone.
 */

#include <linux/inet.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include "core.h"

#define VIRGO_AUTH_TIMEOUT_MS	5000

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

/* Is @conn's service stopping? Long handlers check it and give up. */
bool virgo_conn_stopping(struct virgo_conn *conn)
{
	return READ_ONCE(conn->svc->stopping);
}
EXPORT_SYMBOL_GPL(virgo_conn_stopping);

static void virgo_conn_work(struct work_struct *work)
{
	struct virgo_conn *conn = container_of(work, struct virgo_conn, work);
	struct virgo_service *svc = conn->svc;
	char *line;
	size_t len;
	int ret;

	virgo_sock_set_timeout(&conn->vs, VIRGO_AUTH_TIMEOUT_MS);
	ret = virgo_auth_server(&conn->vs);
	virgo_sock_set_timeout(&conn->vs, VIRGO_IDLE_MS);

	while (!ret) {
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
		if (ret)
			break;
		if (len)
			ret = svc->ops->line(conn, line, len);
	}

	mutex_lock(&svc->lock);
	list_del(&conn->entry);
	svc->nconns--;
	mutex_unlock(&svc->lock);
	wake_up(&svc->drained);

	kernel_sock_shutdown(conn->vs.sock, SHUT_RDWR);
	sock_release(conn->vs.sock);
	kfree(conn);
}

/* May @peer open one more connection to @svc? Called with svc->lock. */
static int virgo_service_admit(struct virgo_service *svc, __be32 peer)
{
	unsigned int max = svc->max_conns ?: VIRGO_DEFAULT_CONNS;
	struct virgo_conn *conn;
	unsigned int same = 0;

	if (svc->stopping)
		return -ESHUTDOWN;
	if (!ipv4_is_loopback(peer) && !virgo_node_addr_known(peer))
		return -EACCES;
	if (svc->nconns >= max)
		return -EBUSY;
	list_for_each_entry(conn, &svc->conns, entry)
		same += conn->peer == peer;
	return same >= VIRGO_CONNS_PER_PEER ? -EBUSY : 0;
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

static void virgo_accept_work(struct work_struct *work)
{
	struct virgo_service *svc = container_of(work, struct virgo_service,
						 accept_work);
	struct sockaddr_in sin;
	struct virgo_conn *conn;
	struct socket *sock;
	int ret;

	for (;;) {
		ret = kernel_accept(svc->listener, &sock, 0);
		if (ret) {
			if (READ_ONCE(svc->stopping))
				return;
			/* ENOMEM, ECONNABORTED...: the listener lives on. */
			cond_resched();
			continue;
		}
		ret = kernel_getpeername(sock, (struct sockaddr *)&sin);
		if (ret < 0 || sin.sin_family != AF_INET) {
			sock_release(sock);
			continue;
		}
		tcp_sock_set_nodelay(sock->sk);
		conn = kzalloc(sizeof(*conn), GFP_KERNEL);
		if (!conn) {
			virgo_refuse(sock, -EBUSY);
			continue;
		}
		mutex_lock(&svc->lock);
		ret = virgo_service_admit(svc, sin.sin_addr.s_addr);
		if (!ret) {
			conn->vs.sock = sock;
			virgo_linebuf_init(&conn->vs.lb);
			conn->svc = svc;
			conn->peer = sin.sin_addr.s_addr;
			INIT_WORK(&conn->work, virgo_conn_work);
			list_add(&conn->entry, &svc->conns);
			svc->nconns++;
			queue_work(virgo_wq, &conn->work);
		}
		mutex_unlock(&svc->lock);
		if (ret) {
			kfree(conn);
			if (ret == -EACCES)
				pr_info_ratelimited("%s: refused %pI4, not a cluster node\n",
						    svc->name, &sin.sin_addr);
			virgo_refuse(sock, ret);
		}
	}
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
		kernel_sock_shutdown(conn->vs.sock, SHUT_RDWR);
	mutex_unlock(&svc->lock);
	wait_event(svc->drained, !READ_ONCE(svc->nconns));

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
	INIT_WORK(&svc->accept_work, virgo_accept_work);
	svc->listener = NULL;
	svc->nconns = 0;

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
		virgo_listening = on;
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
	}
	mutex_unlock(&virgo_services_lock);
	return ret;
}

bool virgo_services_listening(void)
{
	return READ_ONCE(virgo_listening);
}
