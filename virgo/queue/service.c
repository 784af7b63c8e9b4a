// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - the service on port 60000
 *
 * From local clients and any node (documented in queue.rst):
 *	PUBLISH <service> <len> [<node> [<wait_ms>]]	then <len> bytes, "\n"
 *		-> QUEUED <id> <lamport> <node>; with <wait_ms>, then the
 *		   REPLY as for WAIT
 *	WAIT <id> [<timeout_ms>]
 *		-> DATA <len> <id> <status> <node>, <len> bytes, "\n"
 *	LIST	-> DATA <len> <count>, one line per message held
 *	any other line: a request to the default service, as the original
 *		queue took telnet lines -> QUEUED <id> <lamport> <node>
 * Between nodes (refused from anyone else):
 *	REQUEST <id> <lamport> <service> <len>	then the payload
 *		-> QUEUED <id> <lamport> <node>, once it is on disk
 *	REPLY <id> <lamport> <status> <len>	then the payload
 *		-> OK, once it is on disk (also for a REPLY that came before)
 * Errors: ERROR <errno-name> <text>. A bad length closes the connection
 * (the stream is lost); any other bad request leaves it open.
 */

#include <linux/inet.h>
#include <linux/slab.h>
#include "queue.h"

#define VIRGO_QWAIT_SLICE_MS	250

static const char *virgo_queue_why(int err)
{
	switch (err) {
	case -EAGAIN:
		return "the queue is full, try later";
	case -ENOENT:
		return "no such message, or the queue has no log yet";
	case -EMSGSIZE:
		return "payload too long";
	case -EPERM:
		return "only the cluster's nodes may send this";
	case -ETIMEDOUT:
		return "no REPLY before the deadline";
	case -EHOSTUNREACH:
	case -ECONNREFUSED:
		return "the node cannot be reached";
	case -ENOMEM:
		return "out of memory";
	case -EIO:
		return "the log could not be written";
	default:
		return "malformed request";
	}
}

static int virgo_queue_err(struct virgo_conn *conn, int err)
{
	return virgo_conn_error(conn, err, virgo_queue_why(err));
}

/*
 * Read the payload of <len> (the text @count) into a new buffer. A bad
 * length is fatal; a payload over VIRGO_QUEUE_DATA_MAX is refused and
 * skipped. Return: 0 with *@data set, 1 when refused and skipped, or a
 * negative error that closes the connection.
 */
static int virgo_queue_payload(struct virgo_conn *conn, const char *count,
			       void **data, size_t *len)
{
	u64 n;
	int ret;

	if (virgo_parse_u64(count, VIRGO_PAYLOAD_MAX, &n)) {
		virgo_conn_error(conn, -EPROTO, "bad payload length");
		return -EPROTO;
	}
	if (n > VIRGO_QUEUE_DATA_MAX) {
		virgo_queue_err(conn, -EMSGSIZE);
		return virgo_conn_skip_data(conn, n) ?: 1;
	}
	*data = kvmalloc(n ?: 1, GFP_KERNEL);
	if (!*data) {
		virgo_queue_err(conn, -ENOMEM);
		return virgo_conn_skip_data(conn, n) ?: 1;
	}
	ret = virgo_conn_read_data(conn, *data, n);
	if (ret) {
		kvfree(*data);
		return ret;
	}
	*len = n;
	return 0;
}

/* The node a node-to-node command came from, or 0. */
static u32 virgo_queue_peer_node(struct virgo_conn *conn)
{
	u32 id;

	if (conn->plain || ipv4_is_loopback(conn->addr))
		return 0;
	id = virgo_node_id_by_addr(conn->addr);
	return id == virgo_local_id() ? 0 : id;
}

static int virgo_queue_send_reply(struct virgo_conn *conn,
				  const struct virgo_msg_id *id,
				  unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	struct virgo_qtake t = { .room = VIRGO_QUEUE_DATA_MAX };
	unsigned int slice;
	int ret;

	t.buf = kvmalloc(VIRGO_QUEUE_DATA_MAX, GFP_KERNEL);
	if (!t.buf)
		return virgo_queue_err(conn, -ENOMEM);
	/* In slices: a client that left or a stopping service ends the wait. */
	do {
		slice = min_t(unsigned long, VIRGO_QWAIT_SLICE_MS,
			      jiffies_to_msecs(max_t(long, deadline - jiffies, 0)));
		ret = virgo_queue_wait(id, &t, slice);
	} while (ret == -ETIMEDOUT && time_before(jiffies, deadline) &&
		 !virgo_conn_peer_gone(conn) && !virgo_conn_stopping(conn));
	if (ret == -EAGAIN)
		ret = -ETIMEDOUT;
	if (ret >= 0)
		ret = virgo_conn_send_data(conn, t.buf, t.size, VIRGO_QID_FMT " %lld %u",
					   VIRGO_QID_ARG(id), t.status, t.ran_on);
	else
		ret = virgo_queue_err(conn, ret);
	kvfree(t.buf);
	return ret;
}

static int virgo_queue_publish_line(struct virgo_conn *conn, const char *service,
				    const void *data, size_t len, u32 node,
				    unsigned int wait_ms)
{
	struct virgo_msg_id id;
	u32 queued_on;
	u64 lamport;
	int ret;

	ret = virgo_queue_publish(node, service, data, len, NULL, &id, &lamport,
				  &queued_on);
	if (ret)
		return virgo_queue_err(conn, ret);
	ret = virgo_conn_printf(conn, "QUEUED " VIRGO_QID_FMT " %llu %u\n",
				VIRGO_QID_ARG(&id), lamport, queued_on);
	if (ret || !wait_ms)
		return ret;
	return virgo_queue_send_reply(conn, &id, wait_ms);
}

/* PUBLISH <service> <len> [<node> [<wait_ms>]] */
static int virgo_queue_cmd_publish(struct virgo_conn *conn, char **w, int n)
{
	char service[VIRGO_SERVICE_NAME_MAX];
	u64 node = 0, wait_ms = 0;
	void *data = NULL;
	size_t len = 0;
	int ret, bad;

	if (n < 3) {
		virgo_conn_error(conn, -EPROTO, "PUBLISH <service> <len> [<node> [<wait_ms>]]");
		return -EPROTO;		/* a payload may follow */
	}
	bad = n > 5 || !virgo_qservice_ok(w[1]) ||
	      (n > 3 && virgo_parse_u64(w[3], VIRGO_MAX_NODES, &node)) ||
	      (n > 4 && virgo_parse_u64(w[4], VIRGO_WAIT_TIMEOUT_MAX_MS, &wait_ms));
	if (!bad)
		strscpy(service, w[1], sizeof(service));
	ret = virgo_queue_payload(conn, w[2], &data, &len);
	if (ret)
		return ret < 0 ? ret : 0;
	if (bad)
		ret = virgo_queue_err(conn, -EINVAL);
	else
		ret = virgo_queue_publish_line(conn, service, data, len, node, wait_ms);
	kvfree(data);
	return ret;
}

/* REQUEST <id> <lamport> <service> <len> */
static int virgo_queue_cmd_request(struct virgo_conn *conn, char **w, int n)
{
	char service[VIRGO_SERVICE_NAME_MAX];
	u32 from = virgo_queue_peer_node(conn);
	struct virgo_msg_id id;
	u64 lamport, ack;
	void *data;
	size_t len;
	int ret, bad;

	if (n != 5) {
		virgo_conn_error(conn, -EPROTO, "REQUEST takes 4 words");
		return -EPROTO;		/* a payload may follow: out of sync */
	}
	bad = virgo_qid_parse(w[1], &id) ?:
	      virgo_parse_u64(w[2], VIRGO_CLOCK_MAX, &lamport) ?:
	      !virgo_qservice_ok(w[3]) ? -EINVAL :
	      !from || id.node != from ? -EPERM : 0;
	if (!bad)
		strscpy(service, w[3], sizeof(service));
	ret = virgo_queue_payload(conn, w[4], &data, &len);
	if (ret)
		return ret < 0 ? ret : 0;
	if (bad) {
		kvfree(data);
		return virgo_queue_err(conn, bad == -EPERM ? -EPERM : -EINVAL);
	}
	ret = virgo_queue_enqueue(&id, lamport, service, data, len, &ack);
	if (ret)
		return virgo_queue_err(conn, ret);
	return virgo_conn_printf(conn, "QUEUED " VIRGO_QID_FMT " %llu %u\n",
				 VIRGO_QID_ARG(&id), ack, virgo_local_id());
}

/* REPLY <id> <lamport> <status> <len> */
static int virgo_queue_cmd_reply(struct virgo_conn *conn, char **w, int n)
{
	u32 from = virgo_queue_peer_node(conn);
	struct virgo_msg_id id;
	u64 lamport;
	s64 status;
	void *data;
	size_t len;
	int ret, bad;

	if (n != 5) {
		virgo_conn_error(conn, -EPROTO, "REPLY takes 4 words");
		return -EPROTO;
	}
	bad = virgo_qid_parse(w[1], &id) ?:
	      virgo_parse_u64(w[2], VIRGO_CLOCK_MAX, &lamport) ?:
	      kstrtos64(w[3], 10, &status) ? -EINVAL :
	      !from ? -EPERM : 0;
	ret = virgo_queue_payload(conn, w[4], &data, &len);
	if (ret)
		return ret < 0 ? ret : 0;
	if (bad) {
		kvfree(data);
		return virgo_queue_err(conn, bad == -EPERM ? -EPERM : -EINVAL);
	}
	ret = virgo_queue_receive_reply(&id, lamport, status, data, len, from);
	if (ret)
		return virgo_queue_err(conn, ret);
	return virgo_conn_printf(conn, "OK\n");
}

/* WAIT <id> [<timeout_ms>] */
static int virgo_queue_cmd_wait(struct virgo_conn *conn, char **w, int n)
{
	struct virgo_msg_id id;
	u64 timeout = 0;

	if (n < 2 || n > 3 || virgo_qid_parse(w[1], &id) ||
	    (n == 3 && virgo_parse_u64(w[2], VIRGO_WAIT_TIMEOUT_MAX_MS, &timeout)))
		return virgo_queue_err(conn, -EINVAL);
	return virgo_queue_send_reply(conn, &id, timeout);
}

static int virgo_queue_cmd_list(struct virgo_conn *conn)
{
	size_t room = 256 * 1024, len, lines = 0, i;
	char *buf = kvmalloc(room, GFP_KERNEL);
	int ret;

	if (!buf)
		return virgo_queue_err(conn, -ENOMEM);
	len = virgo_queue_list(buf, room);
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	ret = virgo_conn_send_data(conn, buf, len, "%zu", lines);
	kvfree(buf);
	return ret;
}

static int virgo_queue_line(struct virgo_conn *conn, char *line, size_t len)
{
	static const char *const cmds[] = { "PUBLISH", "REQUEST", "REPLY", "WAIT", "LIST" };
	char service[VIRGO_SERVICE_NAME_MAX], *w[6];
	size_t skip = strspn(line, " \t"), word = strcspn(line + skip, " \t");
	int i, n;

	if (skip == len)
		return 0;			/* only blanks */
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (word == strlen(cmds[i]) && !strncmp(line + skip, cmds[i], word))
			break;
	if (i == ARRAY_SIZE(cmds)) {
		/* The plain-text form: the line, as it came, to the default service. */
		mutex_lock(&virgo_queue.lock);
		strscpy(service, virgo_queue_set.default_service, sizeof(service));
		mutex_unlock(&virgo_queue.lock);
		return virgo_queue_publish_line(conn, service, line, len,
						virgo_local_id(), 0);
	}
	n = virgo_split_words(line, w, ARRAY_SIZE(w));
	if (n < 0 && i < 3) {
		/* Its length may be anywhere: the stream is lost. */
		virgo_conn_error(conn, -EPROTO, "too many words");
		return -EPROTO;
	}
	if (n < 0)
		return virgo_queue_err(conn, -EINVAL);
	switch (i) {
	case 0:
		return virgo_queue_cmd_publish(conn, w, n);
	case 1:
		virgo_conn_trace(conn, "publish");
		return virgo_queue_cmd_request(conn, w, n);
	case 2:
		virgo_conn_trace(conn, "reply");
		return virgo_queue_cmd_reply(conn, w, n);
	case 3:
		return virgo_queue_cmd_wait(conn, w, n);
	default:
		return n == 1 ? virgo_queue_cmd_list(conn) :
				virgo_queue_err(conn, -EINVAL);
	}
}

static const struct virgo_service_ops virgo_queue_ops = {
	.line = virgo_queue_line,
};

static struct virgo_service virgo_queue_service = {
	.name = "queue",
	.port = VIRGO_PORT_QUEUE,
	.ops = &virgo_queue_ops,
};

int virgo_queue_service_init(void)
{
	return virgo_service_register(&virgo_queue_service);
}

void virgo_queue_service_exit(void)
{
	virgo_service_unregister(&virgo_queue_service);
}
