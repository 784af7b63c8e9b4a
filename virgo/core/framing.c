// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - framing: lines, words, numbers, error names
 *
 * Pure functions over a receive buffer, shared by every service and by the
 * client layer, so that one parser, tested once, reads every byte that
 * comes from the network.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "core.h"

void virgo_linebuf_init(struct virgo_linebuf *lb)
{
	lb->start = 0;
	lb->end = 0;
}

/**
 * virgo_linebuf_take() - take the next complete line from the buffer
 * @lb: the buffer
 * @line: set to the line, NUL-terminated, without "\n" or "\r\n"
 * @len: set to its length
 *
 * Return: 1 with a line; 0 when more bytes are needed; -E2BIG when
 * VIRGO_LINE_MAX bytes hold no newline; -EINVAL for a line with a NUL
 * byte (the line is consumed, so the connection can go on).
 */
int virgo_linebuf_take(struct virgo_linebuf *lb, char **line, size_t *len)
{
	char *start = lb->buf + lb->start;
	size_t avail = lb->end - lb->start;
	char *nl = memchr(start, '\n', avail);
	size_t n;

	if (!nl) {
		if (avail >= VIRGO_LINE_MAX)
			return -E2BIG;
		/* Make room at the end for what comes next. */
		if (lb->start) {
			memmove(lb->buf, start, avail);
			lb->start = 0;
			lb->end = avail;
		}
		return 0;
	}

	n = nl - start;
	lb->start += n + 1;
	if (n && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	if (memchr(start, '\0', n))
		return -EINVAL;
	*line = start;
	*len = n;
	return 1;
}

/**
 * virgo_linebuf_room() - where to receive into, and how much fits
 * @lb: the buffer
 * @where: set to the first free byte
 *
 * Return: free bytes (0 only when a full line is buffered without newline).
 */
size_t virgo_linebuf_room(struct virgo_linebuf *lb, char **where)
{
	if (lb->start == lb->end) {
		lb->start = 0;
		lb->end = 0;
	}
	*where = lb->buf + lb->end;
	return VIRGO_LINE_MAX - lb->end;
}

void virgo_linebuf_fill(struct virgo_linebuf *lb, size_t n)
{
	lb->end += min_t(size_t, n, VIRGO_LINE_MAX - lb->end);
}

/**
 * virgo_linebuf_take_bytes() - take up to @n buffered bytes (payloads)
 * @lb: the buffer
 * @dst: where to copy them
 * @n: how many are wanted
 *
 * Return: how many were copied.
 */
size_t virgo_linebuf_take_bytes(struct virgo_linebuf *lb, void *dst, size_t n)
{
	n = min(n, lb->end - lb->start);
	memcpy(dst, lb->buf + lb->start, n);
	lb->start += n;
	return n;
}

/**
 * virgo_parse_u64() - a decimal number from the network
 * @s: the text: digits only, no sign, no spaces
 * @max: the largest value accepted
 * @val: set to the value
 *
 * Return: 0, -EINVAL for anything but digits, -ERANGE above @max.
 */
int virgo_parse_u64(const char *s, u64 max, u64 *val)
{
	u64 v;
	int ret;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	ret = kstrtou64(s, 10, &v);
	if (ret)
		return ret;
	if (v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

/**
 * virgo_split_words() - split a line at spaces and tabs, in place
 * @line: the line; spaces become NULs
 * @words: set to the words
 * @max: room in @words
 *
 * Return: the number of words, or -E2BIG when there are more than @max.
 */
int virgo_split_words(char *line, char **words, int max)
{
	int n = 0;
	char *w;

	while ((w = strsep(&line, " \t"))) {
		if (!*w)
			continue;
		if (n == max)
			return -E2BIG;
		words[n++] = w;
	}
	return n;
}

/**
 * virgo_seed_call() - match a line in the original VIRGO's call form
 * @line: the line, "<op>(<args>)"; the closing paren becomes a NUL
 * @op: the command, "virgo_cloud_open" say
 * @args: set to the text between the parens, which is not split: the
 *	service knows how many commas its arguments may hold
 *
 * Return: whether @line is a call of @op.
 */
bool virgo_seed_call(char *line, const char *op, char **args)
{
	size_t n = strlen(op), len = strlen(line);

	if (len <= n || strncmp(line, op, n) || line[n] != '(' || line[len - 1] != ')')
		return false;
	line[len - 1] = '\0';
	*args = line + n + 1;
	return true;
}
EXPORT_SYMBOL_GPL(virgo_seed_call);

static const struct {
	int err;
	const char *name;
} virgo_errnos[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EXDEV, "EXDEV" },
	{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
	{ ENOSYS, "ENOSYS" }, { EPROTO, "EPROTO" }, { EMSGSIZE, "EMSGSIZE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EHOSTUNREACH, "EHOSTUNREACH" },
	{ EHOSTDOWN, "EHOSTDOWN" }, { ECONNRESET, "ECONNRESET" },
	{ ENOTCONN, "ENOTCONN" }, { ENETUNREACH, "ENETUNREACH" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOEXEC, "ENOEXEC" },
	{ EINTR, "EINTR" }, { ESHUTDOWN, "ESHUTDOWN" },
	/* file operations (cloudfs) */
	{ EMFILE, "EMFILE" }, { ENFILE, "ENFILE" }, { EISDIR, "EISDIR" },
	{ ENOTDIR, "ENOTDIR" }, { ELOOP, "ELOOP" }, { EFBIG, "EFBIG" },
	{ EROFS, "EROFS" }, { ETXTBSY, "ETXTBSY" }, { EDQUOT, "EDQUOT" },
	{ ESPIPE, "ESPIPE" }, { EOVERFLOW, "EOVERFLOW" }, { ENXIO, "ENXIO" },
	/* cluster locks (cloudsync) */
	{ ESTALE, "ESTALE" }, { ENOLCK, "ENOLCK" }, { EREMCHG, "EREMCHG" },
};

const char *virgo_errno_name(int err)
{
	unsigned int i;

	err = abs(err);
	for (i = 0; i < ARRAY_SIZE(virgo_errnos); i++)
		if (virgo_errnos[i].err == err)
			return virgo_errnos[i].name;
	return "EIO";
}

/**
 * virgo_reply_error() - the errno of an "ERROR <errno-name> <text>" reply
 * @reply: a reply line
 *
 * Return: the negative errno it names (-EIO for an unknown name), or 0
 * when @reply is not an ERROR line.
 */
int virgo_reply_error(const char *reply)
{
	char name[16];
	size_t n;

	if (strncmp(reply, "ERROR ", 6))
		return 0;
	n = strcspn(reply + 6, " ");
	if (n >= sizeof(name))
		return -EIO;
	memcpy(name, reply + 6, n);
	name[n] = '\0';
	return virgo_errno_parse(name);
}
EXPORT_SYMBOL_GPL(virgo_reply_error);

/**
 * virgo_errno_parse() - the errno an "ERROR <name> ..." reply names
 * @name: the errno's name, as virgo_errno_name() writes it
 *
 * Return: the negative errno; -EIO for a name not in the table.
 */
int virgo_errno_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(virgo_errnos); i++)
		if (!strcmp(virgo_errnos[i].name, name))
			return -virgo_errnos[i].err;
	return -EIO;
}
EXPORT_SYMBOL_GPL(virgo_errno_parse);
