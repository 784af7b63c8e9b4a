// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo - the queue: message ids as text, the messages a node holds,
 * and the records of its log, REQUEST_REPLY.queue (libvirgo.h gives the
 * format). The log is read as the kernel wrote it or as a crash left it:
 * every field is bounded and checked, nothing is taken from a line
 * whose crc does not match. Only the text the kernel writes is a record:
 * its reader (virgo/queue/record.c) also takes leading zeros and "\x41"
 * for 'A', which no log holds unless written by hand.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "libvirgo.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define LAMPORT_MAX	INT64_MAX	/* the kernel's VIRGO_CLOCK_MAX */

uint32_t virgo_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = ~0U;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

/*
 * The decimal number that is all of the @n bytes at @s, at most @max: no
 * sign, space or leading zero. 0 or -EINVAL.
 */
static int parse_dec(const char *s, size_t n, uint64_t max, uint64_t *val)
{
	uint64_t v = 0;
	unsigned int d;
	size_t i;

	if (!n || (s[0] == '0' && n > 1))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		d = (unsigned char)s[i] - '0';
		if (d > 9 || d > max || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*val = v;
	return 0;
}

/*
 * "<node>:<epoch>:<seq>" in the @n bytes at @s. A message's seq is not 0;
 * an EPOCH record's (@epoch_record) is.
 */
static int parse_id(const char *s, size_t n, bool epoch_record,
		    struct virgo_msg_id *id)
{
	const char *end = s + n, *c1, *c2;
	uint64_t node, epoch, seq;

	c1 = memchr(s, ':', n);
	c2 = c1 ? memchr(c1 + 1, ':', end - c1 - 1) : NULL;
	if (!c2 || parse_dec(s, c1 - s, VIRGO_NODES_MAX, &node) ||
	    parse_dec(c1 + 1, c2 - c1 - 1, UINT32_MAX, &epoch) ||
	    parse_dec(c2 + 1, end - c2 - 1, UINT64_MAX, &seq))
		return -EINVAL;
	if (!node || !epoch || !seq != epoch_record)
		return -EINVAL;
	id->node = node;
	id->epoch = epoch;
	id->seq = seq;
	return 0;
}

int virgo_msg_id_parse(const char *text, struct virgo_msg_id *id)
{
	return parse_id(text, strlen(text), false, id);
}

int virgo_msg_id_format(const struct virgo_msg_id *id, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u:%u:%llu", id->node, id->epoch,
			 (unsigned long long)id->seq);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int virgo_queue_messages(char *buf, size_t len)
{
	return virgo_read_file(VIRGO_CONFIGFS "/queue/messages", buf, len);
}

static bool lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A byte the log writes as \xHH. */
static bool escaped_byte(uint8_t c)
{
	return c < 0x20 || c > 0x7e || c == '#' || c == '\\';
}

/*
 * The unescaped length of the @n bytes at @s, or -1 if they are not
 * escaped exactly as the log escapes a payload.
 */
static long payload_len(const char *s, size_t n)
{
	size_t i = 0;
	long len;

	for (len = 0; i < n; len++) {
		if (s[i] != '\\') {
			if (escaped_byte(s[i]))
				return -1;
			i++;
			continue;
		}
		if (n - i < 4 || s[i + 1] != 'x' || !lower_hex(s[i + 2]) ||
		    !lower_hex(s[i + 3]) ||
		    !escaped_byte(virgo_hexval(s[i + 2]) << 4 | virgo_hexval(s[i + 3])))
			return -1;
		i += 4;
	}
	return len;
}

static const struct {
	const char *name;
	int fields;
} records[] = {
	[VIRGO_RECORD_REQUEST] = { "REQUEST", 6 },
	[VIRGO_RECORD_REPLY] = { "REPLY", 6 },
	[VIRGO_RECORD_DELIVERED] = { "DELIVERED", 4 },
	[VIRGO_RECORD_TAKEN] = { "TAKEN", 4 },
	[VIRGO_RECORD_EPOCH] = { "EPOCH", 4 },
	[VIRGO_RECORD_PUBLISHED] = { "PUBLISHED", 6 },
};

/* A service name: 1 to VIRGO_SERVICE_NAME_MAX - 1 of [A-Za-z0-9_.-]. */
static bool service_name(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= VIRGO_SERVICE_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_.-", s[i])))
			return false;
	return true;
}

/* A status: a decimal number in int64_t's range, '-' for a negative one. */
static int parse_status(const char *s, size_t n, int64_t *status)
{
	bool neg = n && s[0] == '-';
	uint64_t v;

	if (parse_dec(s + neg, n - neg, neg ? 1ULL << 63 : INT64_MAX, &v) ||
	    (neg && !v))
		return -EINVAL;
	*status = neg ? (int64_t)-(v - 1) - 1 : (int64_t)v;
	return 0;
}

int virgo_record_parse(const char *line, size_t len, struct virgo_record *rec)
{
	const char *field[6], *p, *hash;
	size_t flen[6], head;
	uint32_t crc = 0;
	int n, t, i;
	long data;

	/* The crc first: a damaged line says nothing. */
	for (head = len; head && line[head - 1] != '#'; head--)
		;
	if (!head || len - head != 8)
		return -EINVAL;
	for (i = 0; i < 8; i++) {
		if (!lower_hex(line[head + i]))
			return -EINVAL;
		crc = crc << 4 | virgo_hexval(line[head + i]);
	}
	if (crc != virgo_crc32(line, head - 1))
		return -EBADMSG;

	/* Then the fields, split on '#': a payload has none. */
	for (n = 0, p = line; n < 6; n++) {
		hash = memchr(p, '#', line + len - p);
		field[n] = p;
		flen[n] = (hash ? hash : line + len) - p;
		if (!hash)
			break;
		p = hash + 1;
	}
	if (n == 6)
		return -EINVAL;
	for (t = 0; t < (int)ARRAY_SIZE(records); t++)
		if (flen[0] == strlen(records[t].name) &&
		    !memcmp(field[0], records[t].name, flen[0]))
			break;
	if (t == (int)ARRAY_SIZE(records) || n + 1 != records[t].fields)
		return -EINVAL;

	memset(rec, 0, sizeof(*rec));
	rec->type = t;
	if (parse_id(field[1], flen[1], t == VIRGO_RECORD_EPOCH, &rec->id) ||
	    parse_dec(field[2], flen[2], LAMPORT_MAX, &rec->lamport))
		return -EINVAL;
	if (t == VIRGO_RECORD_PUBLISHED) {
		uint64_t node, uid;

		if (parse_dec(field[3], flen[3], 64, &node) || !node ||
		    parse_dec(field[4], flen[4], UINT32_MAX, &uid))
			return -EINVAL;
		rec->node = node;
		rec->uid = uid;
		return 0;
	}
	if (t != VIRGO_RECORD_REQUEST && t != VIRGO_RECORD_REPLY)
		return 0;
	if (t == VIRGO_RECORD_REQUEST) {
		if (!service_name(field[3], flen[3]))
			return -EINVAL;
		memcpy(rec->service, field[3], flen[3]);
	} else if (parse_status(field[3], flen[3], &rec->status)) {
		return -EINVAL;
	}
	data = payload_len(field[4], flen[4]);
	if (data < 0 || data > VIRGO_QUEUE_DATA_MAX)
		return -EINVAL;
	rec->payload = field[4];
	rec->payload_len = flen[4];
	rec->data_len = data;
	return 0;
}

void virgo_record_unescape(const struct virgo_record *rec, uint8_t *out)
{
	const char *s = rec->payload, *end = s + rec->payload_len;

	while (s < end) {
		if (*s == '\\') {
			*out++ = virgo_hexval(s[2]) << 4 | virgo_hexval(s[3]);
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
}
