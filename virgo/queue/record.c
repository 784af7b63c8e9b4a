// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - log records, message ids and the dedup window
 *
 * A record is one line of text, its fields separated by '#', as the
 * original KingCobra log had them, with a CRC-32 of the rest as the last
 * field:
 *
 *	REQUEST#<id>#<lamport>#<service>#<payload>#<crc>
 *	REPLY#<id>#<lamport>#<status>#<payload>#<crc>
 *	DELIVERED#<id>#<lamport>#<crc>
 *	TAKEN#<id>#<lamport>#<crc>
 *	EPOCH#<node>:<epoch>:0#<lamport>#<crc>
 *	PUBLISHED#<id>#<lamport>#<node>#<uid>#<crc>
 *
 * A payload byte from ' ' to '~' other than '#' and '\' is itself; every
 * other byte is "\xhh" (lowercase hex). So a record holds no NUL, no
 * newline and no '#' of its payload, and a torn or damaged one fails its
 * CRC or its syntax instead of being read as something else.
 */

#include <linux/crc32.h>
#include <linux/ctype.h>
#include <linux/hex.h>
#include <linux/string.h>
#include "queue.h"

static const char *const virgo_qrec_names[] = {
	[VIRGO_QREC_REQUEST] = "REQUEST",
	[VIRGO_QREC_REPLY] = "REPLY",
	[VIRGO_QREC_DELIVERED] = "DELIVERED",
	[VIRGO_QREC_TAKEN] = "TAKEN",
	[VIRGO_QREC_EPOCH] = "EPOCH",
	[VIRGO_QREC_PUBLISHED] = "PUBLISHED",
};

static bool virgo_qbyte_plain(u8 c)
{
	return c >= ' ' && c <= '~' && c != '#' && c != '\\';
}

bool virgo_qservice_ok(const char *name)
{
	size_t n = strnlen(name, VIRGO_SERVICE_NAME_MAX);

	if (!n || n == VIRGO_SERVICE_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-") == n;
}

bool virgo_qid_ok(const struct virgo_msg_id *id)
{
	return id->node && id->node <= VIRGO_MAX_NODES && id->epoch && id->seq;
}

/* "<node>:<epoch>:<seq>", each part decimal; seq 0 only for EPOCH. */
static int virgo_qid_parse_any(const char *s, struct virgo_msg_id *id)
{
	char buf[48], *p = buf, *part[3];
	u64 v[3];
	int i;

	if (strscpy(buf, s, sizeof(buf)) < 0)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		part[i] = strsep(&p, ":");
		if (!part[i] || (i == 2 && p))
			return -EINVAL;
	}
	if (virgo_parse_u64(part[0], VIRGO_MAX_NODES, &v[0]) ||
	    virgo_parse_u64(part[1], U32_MAX, &v[1]) ||
	    virgo_parse_u64(part[2], U64_MAX, &v[2]) || !v[0] || !v[1])
		return -EINVAL;
	id->node = v[0];
	id->epoch = v[1];
	id->seq = v[2];
	return 0;
}

/**
 * virgo_qid_parse() - a message id from text
 * @s: "<node>:<epoch>:<seq>", NUL-terminated
 * @id: set to the id
 *
 * Return: 0, or -EINVAL unless @s is a valid id.
 */
int virgo_qid_parse(const char *s, struct virgo_msg_id *id)
{
	int ret = virgo_qid_parse_any(s, id);

	return ret ?: (id->seq ? 0 : -EINVAL);
}

/**
 * virgo_qrec_encode() - a record as its log line
 * @buf: where to write it
 * @size: room in @buf; VIRGO_QUEUE_REC_MAX is enough for any record
 * @rec: the record
 *
 * Return: the line's length, its newline included; 0 if it did not fit.
 */
size_t virgo_qrec_encode(char *buf, size_t size, const struct virgo_qrec *rec)
{
	const u8 *p = rec->payload;
	size_t n, i;
	int len;

	len = snprintf(buf, size, "%s#" VIRGO_QID_FMT "#%llu",
		       virgo_qrec_names[rec->type], VIRGO_QID_ARG(&rec->id),
		       rec->lamport);
	if (len < 0 || len >= size)
		return 0;
	n = len;
	if (rec->type == VIRGO_QREC_PUBLISHED) {
		len = snprintf(buf + n, size - n, "#%u#%u", rec->node, rec->uid);
		if (len < 0 || len >= size - n)
			return 0;
		n += len;
	} else if (rec->type == VIRGO_QREC_REQUEST || rec->type == VIRGO_QREC_REPLY) {
		if (rec->type == VIRGO_QREC_REQUEST)
			len = snprintf(buf + n, size - n, "#%s#", rec->service);
		else
			len = snprintf(buf + n, size - n, "#%lld#", rec->status);
		if (len < 0 || len >= size - n)
			return 0;
		n += len;
		for (i = 0; i < rec->len; i++) {
			if (size - n < 5)
				return 0;
			if (virgo_qbyte_plain(p[i])) {
				buf[n++] = p[i];
			} else {
				buf[n++] = '\\';
				buf[n++] = 'x';
				n = hex_byte_pack(buf + n, p[i]) - buf;
			}
		}
	}
	len = snprintf(buf + n, size - n, "#%08x\n", ~crc32_le(~0, buf, n));
	if (len < 0 || len >= size - n)
		return 0;
	return n + len;
}

static int virgo_qfield_u64(const char *f, size_t len, u64 max, u64 *val)
{
	char num[24];

	if (!len || len >= sizeof(num))
		return -EBADMSG;
	memcpy(num, f, len);
	num[len] = '\0';
	return virgo_parse_u64(num, max, val) ? -EBADMSG : 0;
}

static int virgo_qfield_s64(const char *f, size_t len, s64 *val)
{
	bool neg = len && *f == '-';
	u64 v;

	if (virgo_qfield_u64(f + neg, len - neg, neg ? BIT_ULL(63) : S64_MAX, &v))
		return -EBADMSG;
	*val = neg ? -(s64)v : (s64)v;
	return 0;
}

static int virgo_qfield_payload(const char *f, size_t len, u8 *out, size_t *n)
{
	size_t i = 0, o = 0;
	int hi, lo;

	while (i < len) {
		if (o == VIRGO_QUEUE_DATA_MAX)
			return -EBADMSG;
		if (f[i] != '\\') {
			if (!virgo_qbyte_plain(f[i]))
				return -EBADMSG;
			out[o++] = f[i++];
			continue;
		}
		if (len - i < 4 || f[i + 1] != 'x')
			return -EBADMSG;
		hi = hex_to_bin(f[i + 2]);
		lo = hex_to_bin(f[i + 3]);
		if (hi < 0 || lo < 0 || isupper(f[i + 2]) || isupper(f[i + 3]))
			return -EBADMSG;
		out[o++] = hi << 4 | lo;
		i += 4;
	}
	*n = o;
	return 0;
}

/**
 * virgo_qrec_decode() - a log line as a record
 * @line: the line, without its newline (not NUL-terminated)
 * @len: its length
 * @rec: set to the record; its payload points to @payload
 * @payload: VIRGO_QUEUE_DATA_MAX bytes for the decoded payload
 *
 * Return: 0, or -EBADMSG for anything but a whole, valid record.
 */
int virgo_qrec_decode(const char *line, size_t len, struct virgo_qrec *rec,
		      void *payload)
{
	const char *f[6], *end = line + len, *p;
	char crc[9], id[48];
	size_t flen[6];
	int nf = 0, type, want;
	u32 sum;
	u64 v;

	if (memchr(line, '\0', len))
		return -EBADMSG;
	/* The CRC covers everything before the last '#'. */
	if (len < 9 || line[len - 9] != '#')
		return -EBADMSG;
	p = line + len - 9;
	memcpy(crc, p + 1, 8);
	crc[8] = '\0';
	if (strspn(crc, "0123456789abcdef") != 8 || kstrtou32(crc, 16, &sum) ||
	    sum != ~crc32_le(~0, line, p - line))
		return -EBADMSG;
	end = p;

	for (p = line; ; p++) {
		const char *hash = memchr(p, '#', end - p);

		if (nf == ARRAY_SIZE(f))
			return -EBADMSG;	/* more fields than any record */
		f[nf] = p;
		flen[nf++] = (hash ?: end) - p;
		if (!hash)
			break;
		p = hash;
	}

	for (type = 0; type < ARRAY_SIZE(virgo_qrec_names); type++)
		if (flen[0] == strlen(virgo_qrec_names[type]) &&
		    !memcmp(f[0], virgo_qrec_names[type], flen[0]))
			break;
	if (type == ARRAY_SIZE(virgo_qrec_names))
		return -EBADMSG;
	want = type == VIRGO_QREC_REQUEST || type == VIRGO_QREC_REPLY ||
	       type == VIRGO_QREC_PUBLISHED ? 5 : 3;
	if (nf != want || flen[1] >= sizeof(id))
		return -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	rec->type = type;
	memcpy(id, f[1], flen[1]);
	id[flen[1]] = '\0';
	if (virgo_qid_parse_any(id, &rec->id) ||
	    (type == VIRGO_QREC_EPOCH) != !rec->id.seq)
		return -EBADMSG;
	if (virgo_qfield_u64(f[2], flen[2], VIRGO_CLOCK_MAX, &v))
		return -EBADMSG;
	rec->lamport = v;
	if (want == 3)
		return 0;

	if (type == VIRGO_QREC_PUBLISHED) {
		if (virgo_qfield_u64(f[3], flen[3], VIRGO_MAX_NODES, &v) || !v)
			return -EBADMSG;
		rec->node = v;
		if (virgo_qfield_u64(f[4], flen[4], U32_MAX, &v))
			return -EBADMSG;
		rec->uid = v;
		return 0;
	}
	if (type == VIRGO_QREC_REQUEST) {
		if (flen[3] >= sizeof(rec->service))
			return -EBADMSG;
		memcpy(rec->service, f[3], flen[3]);
		rec->service[flen[3]] = '\0';
		if (!virgo_qservice_ok(rec->service))
			return -EBADMSG;
	} else if (virgo_qfield_s64(f[3], flen[3], &rec->status)) {
		return -EBADMSG;
	}
	rec->payload = payload;
	return virgo_qfield_payload(f[4], flen[4], payload, &rec->len);
}

/* ------------------------------------------------------------ dedup */

void virgo_qdedup_add(struct virgo_qdedup *d, const struct virgo_msg_id *id)
{
	d->ids[d->next] = *id;
	d->next = (d->next + 1) % d->size;
	if (d->count < d->size)
		d->count++;
}

bool virgo_qdedup_has(const struct virgo_qdedup *d, const struct virgo_msg_id *id)
{
	unsigned int i;

	for (i = 0; i < d->count; i++)
		if (virgo_qid_eq(&d->ids[i], id))
			return true;
	return false;
}
