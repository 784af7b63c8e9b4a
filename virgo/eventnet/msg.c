// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - the messages
 *
 * The seed's text forms, one line each:
 *	eventnet_edgemsg#<from>#<to>[#]
 *	eventnet_vertexmsg#<id>#<a>#<b>[#]
 * and the binary-safe forms, the names' lengths on the line and the
 * names after it, back to back, then a line end:
 *	EDGE <from-len> <to-len>
 *	VERTEX <id-len> <a-len> <b-len>
 *
 * A name is 1 to VIRGO_ENET_NAME_MAX bytes, none of them a control byte
 * or one of "- , # ( )" (the separators of the files AsFer reads), and it
 * neither starts nor ends with a space (AsFer strips the fields).
 */

#include <linux/string.h>
#include "eventnet.h"

static const char virgo_enet_edge_prefix[] = "eventnet_edgemsg#";
static const char virgo_enet_vertex_prefix[] = "eventnet_vertexmsg#";

bool virgo_enet_name_ok(const char *name, size_t len)
{
	size_t i;

	if (!len || len > VIRGO_ENET_NAME_MAX || name[0] == ' ' || name[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c < 0x20 || c == 0x7f || strchr("-,#()", c))
			return false;
	}
	return true;
}

/**
 * virgo_enet_parse_seed() - parse a seed message
 * @line: the line, without its line end
 * @len: its length
 * @msg: set to the message; its names point into @line
 *
 * Return: 0; -ENOENT when @line is not a seed message at all; -EINVAL
 * when it is one with the wrong number of fields or a bad name.
 */
int virgo_enet_parse_seed(const char *line, size_t len, struct virgo_enet_msg *msg)
{
	const char *p, *end = line + len, *hash;
	unsigned int i, n;
	size_t plen;

	if (len >= sizeof(virgo_enet_edge_prefix) - 1 &&
	    !memcmp(line, virgo_enet_edge_prefix, sizeof(virgo_enet_edge_prefix) - 1)) {
		msg->kind = VIRGO_ENET_EDGE;
		plen = sizeof(virgo_enet_edge_prefix) - 1;
	} else if (len >= sizeof(virgo_enet_vertex_prefix) - 1 &&
		   !memcmp(line, virgo_enet_vertex_prefix,
			   sizeof(virgo_enet_vertex_prefix) - 1)) {
		msg->kind = VIRGO_ENET_VERTEX;
		plen = sizeof(virgo_enet_vertex_prefix) - 1;
	} else {
		return -ENOENT;
	}
	n = virgo_enet_names(msg->kind);
	p = line + plen;
	for (i = 0; i < n; i++) {
		hash = memchr(p, '#', end - p);
		/* The last field may end the line, or a '#' that ends it. */
		if (!hash && i + 1 < n)
			return -EINVAL;
		if (hash && i + 1 == n && hash + 1 != end)
			return -EINVAL;
		if (!hash)
			hash = end;
		msg->name[i] = p;
		msg->len[i] = hash - p;
		if (!virgo_enet_name_ok(p, hash - p))
			return -EINVAL;
		p = hash + 1;
	}
	return 0;
}

/**
 * virgo_enet_parse_counts() - parse a binary-safe message's line
 * @line: the line, NUL-terminated; split in place
 * @msg: set to its kind and lengths
 * @total: set to the bytes that follow the line (before its line end)
 *
 * Return: 0; -ENOENT when @line is not such a message; -EINVAL for a bad
 * length (the bytes announced cannot be trusted: the connection ends).
 */
int virgo_enet_parse_counts(char *line, struct virgo_enet_msg *msg, size_t *total)
{
	char *words[5];
	unsigned int i;
	u64 v;
	int n;

	n = virgo_split_words(line, words, ARRAY_SIZE(words));
	if (n < 0)		/* too many words: words[0] is set all the same */
		n = ARRAY_SIZE(words) + 1;
	if (n == 3 && !strcmp(words[0], "EDGE"))
		msg->kind = VIRGO_ENET_EDGE;
	else if (n == 4 && !strcmp(words[0], "VERTEX"))
		msg->kind = VIRGO_ENET_VERTEX;
	else if (n > 0 && (!strcmp(words[0], "EDGE") || !strcmp(words[0], "VERTEX")))
		return -EINVAL;
	else
		return -ENOENT;
	*total = 0;
	for (i = 0; i < virgo_enet_names(msg->kind); i++) {
		if (virgo_parse_u64(words[i + 1], VIRGO_ENET_NAME_MAX, &v))
			return -EINVAL;
		msg->name[i] = NULL;
		msg->len[i] = v;
		*total += v;
	}
	return 0;
}

/*
 * Point @msg's names into @data, the bytes after a binary-safe line; check
 * them. Return: 0 or -EINVAL.
 */
int virgo_enet_split_data(const char *data, struct virgo_enet_msg *msg)
{
	unsigned int i;

	for (i = 0; i < virgo_enet_names(msg->kind); i++) {
		msg->name[i] = data;
		if (!virgo_enet_name_ok(data, msg->len[i]))
			return -EINVAL;
		data += msg->len[i];
	}
	return 0;
}

/**
 * virgo_enet_encode() - a message in its binary-safe form
 * @buf: where to put it: the line, the names, a line end
 * @size: room in @buf
 * @msg: the message
 *
 * Return: the bytes written; 0 when they do not fit.
 */
size_t virgo_enet_encode(char *buf, size_t size, const struct virgo_enet_msg *msg)
{
	unsigned int i, n = virgo_enet_names(msg->kind);
	char head[VIRGO_ENET_HEAD_MAX + 1];
	size_t len, total = 0;

	len = scnprintf(head, sizeof(head), "%s", n == 2 ? "EDGE" : "VERTEX");
	for (i = 0; i < n; i++) {
		len += scnprintf(head + len, sizeof(head) - len, " %zu", msg->len[i]);
		total += msg->len[i];
	}
	if (len >= sizeof(head) - 1 || len + 1 + total + 1 > size)
		return 0;	/* no room, or lengths no message has */
	memcpy(buf, head, len);
	buf[len++] = '\n';
	for (i = 0; i < n; i++) {
		memcpy(buf + len, msg->name[i], msg->len[i]);
		len += msg->len[i];
	}
	buf[len++] = '\n';
	return len;
}

/**
 * virgo_enet_next() - the next message of a BATCH's payload
 * @data: the payload's bytes left; moved past the message
 * @left: how many; decreased
 * @msg: set to the message, its names pointing into the payload
 *
 * The payload is binary-safe messages back to back, each as it would be
 * sent alone: its line, its names, a line end ("\n" only).
 *
 * Return: 0, or -EINVAL for bytes that are not such a message.
 */
int virgo_enet_next(const char **data, size_t *left, struct virgo_enet_msg *msg)
{
	char head[VIRGO_ENET_HEAD_MAX + 1];
	const char *nl = memchr(*data, '\n', min(*left, sizeof(head)));
	size_t hlen, total, used;

	if (!nl)
		return -EINVAL;
	hlen = nl - *data;
	memcpy(head, *data, hlen);
	head[hlen] = '\0';
	if (strlen(head) != hlen || virgo_enet_parse_counts(head, msg, &total))
		return -EINVAL;
	used = hlen + 1 + total + 1;
	if (used > *left || nl[1 + total] != '\n' || virgo_enet_split_data(nl + 1, msg))
		return -EINVAL;
	*data += used;
	*left -= used;
	return 0;
}
