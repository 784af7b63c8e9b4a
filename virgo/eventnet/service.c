// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - the service on port 20000
 *
 * Requests (documented in eventnet.rst):
 *	eventnet_edgemsg#<from>#<to>[#]			-> OK
 *	eventnet_vertexmsg#<id>#<a>#<b>[#]		-> OK
 *	EDGE <from-len> <to-len>, the names, "\n"	-> OK
 *	VERTEX <id-len> <a-len> <b-len>, the names, "\n" -> OK
 *	BATCH <len>, then <len> bytes of binary-safe messages back to
 *		back, "\n"		-> OK <refused>
 *	DUMP	-> DATA <len> <vertex-bytes>, the vertex file then the edge
 *		   file, "\n"
 * OK comes once the change is in the files; a BATCH's once it is applied
 * (the files follow within eventnet/flush_ms). Errors: ERROR <errno-name>
 * <text>, and the connection goes on; but a binary-safe line with a bad
 * length ends it (the bytes that follow cannot be told apart), and so
 * does a line longer than the core reads (VIRGO_LINE_MAX).
 */

#include <linux/slab.h>
#include "eventnet.h"

static const char *virgo_enet_why(int err)
{
	switch (err) {
	case -ENOENT:
		return "EventNet has no directory yet (configfs eventnet/dir)";
	case -ENOSPC:
		return "a cap would be passed (configfs eventnet/)";
	case -ENOMEM:
		return "out of memory";
	case -E2BIG:
		return "message longer than " __stringify(VIRGO_ENET_MSG_MAX) " bytes";
	case -EINVAL:
		return "a name is empty, too long, or holds a control byte, - , # ( ) or an outer space; or fields are missing; or a BATCH holds something else than messages";
	default:
		return "the change is made, but the files could not be written: they get it with the next one";
	}
}

/* OK, or the error; a message refused before the graph saw it is counted. */
static int virgo_enet_reply(struct virgo_conn *conn, int ret, bool counted)
{
	if (!ret)
		return virgo_conn_printf(conn, "OK\n");
	if (!counted)
		virgo_eventnet_refused();
	return virgo_conn_error(conn, ret, virgo_enet_why(ret));
}

static int virgo_enet_dump(struct virgo_conn *conn)
{
	size_t len, vbytes;
	void *buf;
	int ret;

	ret = virgo_eventnet_dump(&buf, &len, &vbytes);
	if (ret)
		return virgo_conn_error(conn, ret, virgo_enet_why(ret));
	ret = virgo_conn_send_data(conn, buf, len, "%zu", vbytes);
	kvfree(buf);
	return ret;
}

/* BATCH <len>: many messages in one payload, as the trace sends them. */
static int virgo_enet_batch(struct virgo_conn *conn, char *line)
{
	unsigned int refused;
	char *words[3];
	void *buf;
	u64 len;
	int ret;

	if (virgo_split_words(line, words, ARRAY_SIZE(words)) != 2 ||
	    virgo_parse_u64(words[1], VIRGO_ENET_BATCH_MAX, &len) || !len) {
		virgo_eventnet_refused();
		virgo_conn_error(conn, -EPROTO, "bad BATCH length");
		return -EPROTO;
	}
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf) {
		ret = virgo_conn_skip_data(conn, len);
		return ret ?: virgo_enet_reply(conn, -ENOMEM, false);
	}
	ret = virgo_conn_read_data(conn, buf, len);
	if (!ret) {
		ret = virgo_eventnet_batch(buf, len, &refused);
		/* ENOENT came from the graph, which counted it. */
		ret = ret ? virgo_enet_reply(conn, ret, ret == -ENOENT) :
			    virgo_conn_printf(conn, "OK %u\n", refused);
	}
	kvfree(buf);
	return ret;
}

/* Submit a parsed message, or refuse it for @ret. */
static int virgo_enet_submit(struct virgo_conn *conn, int ret,
			     const struct virgo_enet_msg *msg)
{
	if (ret)
		return virgo_enet_reply(conn, ret, false);
	return virgo_enet_reply(conn, virgo_eventnet_submit(msg), true);
}

static int virgo_enet_line(struct virgo_conn *conn, char *line, size_t len)
{
	char names[3 * VIRGO_ENET_NAME_MAX];
	struct virgo_enet_msg msg;
	size_t total;
	int ret;

	if (len > VIRGO_ENET_MSG_MAX) {
		/* Names may follow a binary-safe line: they are not requests. */
		if (!strncmp(line, "EDGE ", 5) || !strncmp(line, "VERTEX ", 7) ||
		    !strncmp(line, "BATCH ", 6)) {
			virgo_eventnet_refused();
			virgo_conn_error(conn, -EPROTO, "bad name length");
			return -EPROTO;
		}
		return virgo_enet_reply(conn, -E2BIG, false);
	}
	ret = virgo_enet_parse_seed(line, len, &msg);
	if (ret != -ENOENT)
		return virgo_enet_submit(conn, ret, &msg);
	if (!strcmp(line, "DUMP"))
		return virgo_enet_dump(conn);
	if (!strncmp(line, "BATCH ", 6))
		return virgo_enet_batch(conn, line);

	ret = virgo_enet_parse_counts(line, &msg, &total);
	if (ret == -ENOENT) {
		virgo_eventnet_refused();
		return virgo_conn_error(conn, -EINVAL, "unknown message");
	}
	if (ret) {
		virgo_eventnet_refused();
		virgo_conn_error(conn, -EPROTO, "bad name length");
		return -EPROTO;
	}
	ret = virgo_conn_read_data(conn, names, total);
	if (ret)
		return ret;
	return virgo_enet_submit(conn, virgo_enet_split_data(names, &msg), &msg);
}

static const struct virgo_service_ops virgo_enet_ops = {
	.line = virgo_enet_line,
};

static struct virgo_service virgo_enet_service = {
	.name = "eventnet",
	.port = VIRGO_PORT_EVENTNET,
	.ops = &virgo_enet_ops,
};

int virgo_enet_service_init(void)
{
	return virgo_service_register(&virgo_enet_service);
}
