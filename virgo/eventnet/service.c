// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - the service on port 20000
 *
 * Requests (documented in eventnet.rst):
 *	eventnet_edgemsg#<from>#<to>[#]			-> OK
 *	eventnet_vertexmsg#<id>#<a>#<b>[#]		-> OK
 *	EDGE <from-len> <to-len>, the names, "\n"	-> OK
 *	VERTEX <id-len> <a-len> <b-len>, the names, "\n" -> OK
 *	DUMP	-> DATA <len> <vertex-bytes>, the vertex file then the edge
 *		   file, "\n"
 * OK comes once the change is in the files. Errors: ERROR <errno-name>
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
		return "a name is empty, too long, or holds a control byte, - , # ( ) or an outer space; or fields are missing";
	default:
		return "the files could not be written";
	}
}

static int virgo_enet_reply(struct virgo_conn *conn, int ret)
{
	if (!ret)
		return virgo_conn_printf(conn, "OK\n");
	return virgo_conn_error(conn, ret, virgo_enet_why(ret));
}

static int virgo_enet_dump(struct virgo_conn *conn)
{
	size_t len, vbytes;
	void *buf = virgo_eventnet_dump(&len, &vbytes);
	int ret;

	if (!buf)
		return virgo_enet_reply(conn, -ENOMEM);
	ret = virgo_conn_send_data(conn, buf, len, "%zu", vbytes);
	kvfree(buf);
	return ret;
}

static int virgo_enet_line(struct virgo_conn *conn, char *line, size_t len)
{
	char names[3 * VIRGO_ENET_NAME_MAX];
	struct virgo_enet_msg msg;
	size_t total;
	int ret;

	if (len > VIRGO_ENET_MSG_MAX)
		return virgo_enet_reply(conn, -E2BIG);
	ret = virgo_enet_parse_seed(line, len, &msg);
	if (ret != -ENOENT)
		return virgo_enet_reply(conn, ret ?: virgo_eventnet_submit(&msg));
	if (!strcmp(line, "DUMP"))
		return virgo_enet_dump(conn);

	ret = virgo_enet_parse_counts(line, &msg, &total);
	if (ret == -ENOENT)
		return virgo_conn_error(conn, -EINVAL, "unknown message");
	if (ret) {
		virgo_conn_error(conn, -EPROTO, "bad name length");
		return -EPROTO;
	}
	ret = virgo_conn_read_data(conn, names, total);
	if (ret)
		return ret;
	ret = virgo_enet_split_data(names, &msg);
	return virgo_enet_reply(conn, ret ?: virgo_eventnet_submit(&msg));
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
