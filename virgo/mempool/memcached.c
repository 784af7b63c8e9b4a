// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - the memcached ASCII protocol's request lines
 *
 * Pure parsing, tested by KUnit. The service answers -EOPNOTSUPP with
 * memcached's "ERROR", -EINVAL with "CLIENT_ERROR bad command line
 * format" and -E2BIG with "SERVER_ERROR object too large for cache"; after
 * a bad storage line it cannot know where the data ends and closes the
 * connection, as memcached does for a bad data chunk.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "mempool.h"

static const struct {
	const char *name;
	enum virgo_mc_cmd cmd;
} virgo_mc_cmds[] = {
	{ "set", VIRGO_MC_SET }, { "add", VIRGO_MC_ADD },
	{ "replace", VIRGO_MC_REPLACE }, { "append", VIRGO_MC_APPEND },
	{ "prepend", VIRGO_MC_PREPEND }, { "cas", VIRGO_MC_CAS },
	{ "get", VIRGO_MC_GET }, { "gets", VIRGO_MC_GETS },
	{ "delete", VIRGO_MC_DELETE }, { "incr", VIRGO_MC_INCR },
	{ "decr", VIRGO_MC_DECR }, { "touch", VIRGO_MC_TOUCH },
	{ "stats", VIRGO_MC_STATS }, { "version", VIRGO_MC_VERSION },
	{ "quit", VIRGO_MC_QUIT }, { "flush_all", VIRGO_MC_FLUSH_ALL },
};

/* 1..250 bytes, no control characters and no spaces (memcached's rule). */
bool virgo_mc_key_ok(const char *key)
{
	size_t i, len = strnlen(key, VIRGO_MC_KEY_MAX + 1);

	if (!len || len > VIRGO_MC_KEY_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (iscntrl(key[i]) || key[i] == ' ')
			return false;
	return true;
}

static int virgo_mc_u64(const char *s, u64 max, u64 *v)
{
	return virgo_parse_u64(s, max, v) ? -EINVAL : 0;
}

/* An optional last word "noreply". */
static int virgo_mc_noreply(char **w, int n, int at, struct virgo_mc_req *req)
{
	if (n == at)
		return 0;
	if (n == at + 1 && !strcmp(w[at], "noreply")) {
		req->noreply = true;
		return 0;
	}
	return -EINVAL;
}

static int virgo_mc_storage(char **w, int n, u64 max_bytes,
			    struct virgo_mc_req *req)
{
	int words = req->cmd == VIRGO_MC_CAS ? 6 : 5;
	u64 v;
	int ret;

	if (n < words)
		return -EINVAL;
	if (virgo_mc_u64(w[2], U32_MAX, &v))
		return -EINVAL;
	req->flags = v;
	if (kstrtos64(w[3], 10, &req->exptime))
		return -EINVAL;
	ret = virgo_parse_u64(w[4], max_bytes, &req->bytes);
	if (ret)
		return ret == -ERANGE ? -E2BIG : -EINVAL;
	if (req->cmd == VIRGO_MC_CAS && virgo_mc_u64(w[5], U64_MAX, &req->cas))
		return -EINVAL;
	return virgo_mc_noreply(w, n, words, req);
}

/**
 * virgo_mc_parse() - parse one memcached request line, in place
 * @line: the line without its line end; it is cut into words
 * @max_bytes: the largest value a storage command may announce
 * @req: set to the request
 *
 * Return: 0; -EOPNOTSUPP for an unknown command; -EINVAL for a malformed
 * line or key; -E2BIG for a value longer than @max_bytes (req->cmd is set,
 * so the caller knows data follows).
 */
int virgo_mc_parse(char *line, u64 max_bytes, struct virgo_mc_req *req)
{
	char *w[VIRGO_MC_KEYS_MAX + 2];
	unsigned int i;
	int n, ret;

	memset(req, 0, sizeof(*req));
	n = virgo_split_words(line, w, ARRAY_SIZE(w));
	if (n == -E2BIG)
		return -EINVAL;
	if (n <= 0)
		return -EOPNOTSUPP;
	for (i = 0; i < ARRAY_SIZE(virgo_mc_cmds); i++)
		if (!strcmp(w[0], virgo_mc_cmds[i].name))
			break;
	if (i == ARRAY_SIZE(virgo_mc_cmds))
		return -EOPNOTSUPP;
	req->cmd = virgo_mc_cmds[i].cmd;

	switch (req->cmd) {
	case VIRGO_MC_SET: case VIRGO_MC_ADD: case VIRGO_MC_REPLACE:
	case VIRGO_MC_APPEND: case VIRGO_MC_PREPEND: case VIRGO_MC_CAS:
		ret = virgo_mc_storage(w, n, max_bytes, req);
		break;
	case VIRGO_MC_GET: case VIRGO_MC_GETS:
		ret = n >= 2 && n - 1 <= VIRGO_MC_KEYS_MAX ? 0 : -EINVAL;
		break;
	case VIRGO_MC_DELETE:
		ret = n >= 2 ? virgo_mc_noreply(w, n, 2, req) : -EINVAL;
		break;
	case VIRGO_MC_INCR: case VIRGO_MC_DECR:
		ret = n >= 3 && !virgo_mc_u64(w[2], U64_MAX, &req->delta) ?
		      virgo_mc_noreply(w, n, 3, req) : -EINVAL;
		break;
	case VIRGO_MC_TOUCH:
		ret = n >= 3 && !kstrtos64(w[2], 10, &req->exptime) ?
		      virgo_mc_noreply(w, n, 3, req) : -EINVAL;
		break;
	case VIRGO_MC_FLUSH_ALL:
		ret = virgo_mc_noreply(w, n, 1, req);
		break;
	default:	/* stats, version, quit */
		ret = n == 1 ? 0 : -EINVAL;
		break;
	}
	if (ret)
		return ret;

	/* Every command but these names keys: one, or up to 24 for get. */
	if (req->cmd >= VIRGO_MC_STATS)
		return 0;
	req->nkeys = req->cmd == VIRGO_MC_GET || req->cmd == VIRGO_MC_GETS ? n - 1 : 1;
	for (i = 0; i < req->nkeys; i++) {
		if (!virgo_mc_key_ok(w[i + 1]))
			return -EINVAL;
		req->keys[i] = w[i + 1];
	}
	return 0;
}
