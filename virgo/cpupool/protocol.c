// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - the request lines of port 10000
 *
 *	<function>				run it, no argument (the seed's form)
 *	call <function> [<text>]		run it; the rest of the line is
 *						its argument
 *	callb <function> <len> [<timeout_ms>]	run it; <len> argument bytes and
 *						a line end follow the line
 *	exec <program> [<arg>...]		run a program of the allow-listed
 *						directory with these arguments
 *	execb <program> <len> [<timeout_ms>]	the same; <len> bytes of
 *						NUL-ended arguments follow
 *	functions				list the registered functions
 *
 * Pure parsing, tested by KUnit: nothing here touches a socket.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/string.h>
#include "cpupool.h"

/**
 * virgo_cpupool_name_ok() - may @name name a function or program?
 * @name: the name
 *
 * Return: true for 1..VIRGO_FUNC_NAME_MAX-1 characters of [A-Za-z0-9_.-]
 * that do not start with '.' or '-' (so never "..", never an option).
 * ASCII only: the kernel's isalnum() also takes Latin-1 letters.
 */
bool virgo_cpupool_name_ok(const char *name)
{
	size_t i, len = strnlen(name, VIRGO_FUNC_NAME_MAX);

	if (!len || len == VIRGO_FUNC_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) || (!isalnum(name[i]) && !strchr("_.-", name[i])))
			return false;
	return true;
}

/* "<len> [<timeout_ms>]" of the binary forms */
static int virgo_cpupool_parse_sizes(char **w, int n, struct virgo_cpupool_req *req)
{
	u64 v;
	int ret;

	ret = virgo_parse_u64(w[0], VIRGO_CLONE_ARG_MAX, &v);
	if (ret)
		return ret == -ERANGE ? -E2BIG : ret;
	req->len = v;
	if (n == 2) {
		ret = virgo_parse_u64(w[1], VIRGO_CLONE_TIMEOUT_MAX_MS, &v);
		if (ret)
			return -EINVAL;
		if (v)
			req->timeout_ms = v;
	}
	return 0;
}

/**
 * virgo_cpupool_parse() - parse one request line, in place
 * @line: the line, NUL-terminated; it is cut into words
 * @req: set to the request
 *
 * Return: 0; -EINVAL for an unknown command, a bad name or number;
 * -E2BIG for an argument longer than VIRGO_CLONE_ARG_MAX.
 */
int virgo_cpupool_parse(char *line, struct virgo_cpupool_req *req)
{
	char *rest = line, *cmd, *w[4];
	int n, ret;

	memset(req, 0, sizeof(*req));
	req->timeout_ms = VIRGO_CLONE_TIMEOUT_MS;
	cmd = strsep(&rest, " ");

	if (!strcmp(cmd, "functions")) {
		req->cmd = VIRGO_CPUPOOL_LIST;
		return rest ? -EINVAL : 0;
	}
	if (!strcmp(cmd, "call") || !strcmp(cmd, "exec")) {
		req->cmd = cmd[0] == 'c' ? VIRGO_CPUPOOL_CALL : VIRGO_CPUPOOL_EXEC;
		if (!rest)
			return -EINVAL;
		req->name = strsep(&rest, " ");
		req->text = rest ?: "";
		req->len = strlen(req->text);
	} else if (!strcmp(cmd, "callb") || !strcmp(cmd, "execb")) {
		req->cmd = cmd[0] == 'c' ? VIRGO_CPUPOOL_CALL : VIRGO_CPUPOOL_EXEC;
		req->payload = true;
		n = rest ? virgo_split_words(rest, w, ARRAY_SIZE(w)) : 0;
		if (n < 2 || n > 3)
			return -EINVAL;
		req->name = w[0];
		ret = virgo_cpupool_parse_sizes(w + 1, n - 1, req);
		if (ret)
			return ret;
	} else if (!rest) {
		/* The seed's form: a function's name alone on the line. */
		req->cmd = VIRGO_CPUPOOL_CALL;
		req->name = cmd;
		req->text = "";
	} else {
		return -EINVAL;
	}
	return virgo_cpupool_name_ok(req->name) ? 0 : -EINVAL;
}

/**
 * virgo_cpupool_words_to_args() - "a b  c" to "a\0b\0c\0"
 * @text: words separated by spaces or tabs
 * @len: bytes of @text
 * @out: room for @len + 1 bytes
 *
 * Return: bytes used in @out.
 */
size_t virgo_cpupool_words_to_args(const char *text, size_t len, char *out)
{
	size_t i, n = 0;
	bool in_word = false;

	for (i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\t') {
			if (in_word)
				out[n++] = '\0';
			in_word = false;
		} else {
			out[n++] = text[i];
			in_word = true;
		}
	}
	if (in_word)
		out[n++] = '\0';
	return n;
}

/**
 * virgo_cpupool_split_args() - NUL-ended arguments to an argv array
 * @buf: the arguments, each ended by a NUL
 * @len: bytes of @buf; 0 for no arguments
 * @argv: set to the arguments
 * @max: room in @argv
 *
 * Return: the number of arguments; -EINVAL when @buf does not end with a
 * NUL; -E2BIG for more than @max.
 */
int virgo_cpupool_split_args(char *buf, size_t len, char **argv, int max)
{
	size_t i = 0;
	int n = 0;

	if (len && buf[len - 1])
		return -EINVAL;
	while (i < len) {
		if (n == max)
			return -E2BIG;
		argv[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	return n;
}
