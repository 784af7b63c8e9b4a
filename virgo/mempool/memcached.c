// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - the memcached ASCII protocol, on the mempool's port
 *
 * The parser is pure and tested by KUnit. The server answers each command
 * as memcached 1.6 does, from this node's items (kvstore.c), and a bad
 * request with memcached's error line: "ERROR" for an unknown command or
 * a wrong number of words, a CLIENT_ERROR for a bad key or number; the
 * connection goes on (after a bad storage line, as with memcached, the
 * data is read as requests). A value longer than VIRGO_MC_VALUE_MAX, or
 * one the pool has no room for, is read and dropped and gets a
 * SERVER_ERROR. testing/scenarios/memcached.sh compares the replies with
 * memcached's own.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include "mempool.h"

static const struct {
	const char *name;
	enum virgo_mc_cmd cmd;
} virgo_mc_cmds[] = {
	{ "set", VIRGO_MC_SET }, { "add", VIRGO_MC_ADD },
	{ "replace", VIRGO_MC_REPLACE }, { "append", VIRGO_MC_APPEND },
	{ "prepend", VIRGO_MC_PREPEND }, { "cas", VIRGO_MC_CAS },
	{ "get", VIRGO_MC_GET }, { "gets", VIRGO_MC_GETS },
	{ "gat", VIRGO_MC_GAT }, { "gats", VIRGO_MC_GATS },
	{ "delete", VIRGO_MC_DELETE }, { "incr", VIRGO_MC_INCR },
	{ "decr", VIRGO_MC_DECR }, { "touch", VIRGO_MC_TOUCH },
	{ "stats", VIRGO_MC_STATS }, { "version", VIRGO_MC_VERSION },
	{ "quit", VIRGO_MC_QUIT }, { "flush_all", VIRGO_MC_FLUSH_ALL },
	{ "verbosity", VIRGO_MC_VERBOSITY }, { "mn", VIRGO_MC_MN },
};

/* memcached's answers to requests it cannot take */
#define VIRGO_MC_ERROR		"ERROR"
#define VIRGO_MC_BAD_FORMAT	"CLIENT_ERROR bad command line format"
#define VIRGO_MC_BAD_DELTA	"CLIENT_ERROR invalid numeric delta argument"
#define VIRGO_MC_BAD_EXPTIME	"CLIENT_ERROR invalid exptime argument"
#define VIRGO_MC_BAD_DELETE	VIRGO_MC_BAD_FORMAT ".  Usage: delete <key> [noreply]"

/* The table's index of @line's first word, or -1. */
static int virgo_mc_find_cmd(const char *line)
{
	size_t n = strcspn(line, " ");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(virgo_mc_cmds); i++)
		if (strlen(virgo_mc_cmds[i].name) == n &&
		    !strncmp(line, virgo_mc_cmds[i].name, n))
			return i;
	return -1;
}

/* Is @line (leading spaces skipped) a memcached command? */
bool virgo_mc_command(const char *line)
{
	return virgo_mc_find_cmd(line + strspn(line, " ")) >= 0;
}

/*
 * 1..250 bytes (memcached's rule). The tokenizer already split at spaces;
 * every other byte, control bytes included, is memcached's to accept.
 */
bool virgo_mc_key_ok(const char *key)
{
	size_t len = strnlen(key, VIRGO_MC_KEY_MAX + 1);

	return len && len <= VIRGO_MC_KEY_MAX && !strchr(key, ' ');
}

/* Split @line at spaces only, as memcached does; -E2BIG past @max words. */
static int virgo_mc_split(char *line, char **w, int max)
{
	char *word;
	int n = 0;

	while ((word = strsep(&line, " "))) {
		if (!*word)
			continue;
		if (n == max)
			return -E2BIG;
		w[n++] = word;
	}
	return n;
}

/* Fail with memcached's reply @text. */
static int virgo_mc_fail(struct virgo_mc_req *req, const char *text)
{
	req->error = text;
	return -EINVAL;
}

/* A signed decimal as memcached's safe_strtol takes it (no spaces). */
static bool virgo_mc_s64(const char *s, s64 *v)
{
	return *s && !kstrtos64(s, 10, v);
}

/*
 * A last word "noreply" silences the reply, an error's too, as memcached
 * decides it before it reads the numbers.
 */
static void virgo_mc_noreply(char **w, int n, struct virgo_mc_req *req)
{
	req->noreply = n >= 2 && !strcmp(w[n - 1], "noreply");
}

static int virgo_mc_storage(char **w, int n, u64 max_bytes,
			    struct virgo_mc_req *req)
{
	int words = req->cmd == VIRGO_MC_CAS ? 6 : 5;
	s64 flags, bytes;

	if (n != words && n != words + 1)
		return virgo_mc_fail(req, VIRGO_MC_ERROR);
	virgo_mc_noreply(w, n, req);
	if (!virgo_mc_key_ok(w[1]) || !virgo_mc_s64(w[2], &flags) ||
	    flags < 0 || flags > U32_MAX || !virgo_mc_s64(w[3], &req->exptime) ||
	    !virgo_mc_s64(w[4], &bytes) || bytes < 0 ||
	    (req->cmd == VIRGO_MC_CAS && kstrtou64(w[5], 10, &req->cas)))
		return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
	req->flags = flags;
	req->bytes = bytes;
	req->keys[0] = w[1];
	req->nkeys = 1;
	/* Too large, but well formed: the caller can skip the data. */
	return req->bytes > max_bytes ? -E2BIG : 0;
}

/*
 * The keys of a retrieval from @p on, as many as the line holds: each
 * checked, the first VIRGO_MC_KEYS_MAX in req->keys, the rest left for
 * the server.
 */
static int virgo_mc_get_keys(char *p, struct virgo_mc_req *req)
{
	char *end = p + strlen(p), *key;
	int n = 0;

	req->end = end;
	while ((key = strsep(&p, " "))) {
		if (!*key)
			continue;
		if (!virgo_mc_key_ok(key))
			return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
		if (n < VIRGO_MC_KEYS_MAX)
			req->keys[n] = key;
		else if (!req->more)
			req->more = key;
		n++;
	}
	req->nkeys = min(n, VIRGO_MC_KEYS_MAX);
	return 0;
}

/* get/gets <key>+, gat/gats <exptime> <key>* */
static int virgo_mc_retrieval(char *args, struct virgo_mc_req *req)
{
	bool touch = req->cmd == VIRGO_MC_GAT || req->cmd == VIRGO_MC_GATS;
	char *exptime;
	int ret;

	args += strspn(args, " ");
	if (!*args)
		return virgo_mc_fail(req, VIRGO_MC_ERROR);
	if (touch) {
		exptime = strsep(&args, " ");
		if (!virgo_mc_s64(exptime, &req->exptime))
			return virgo_mc_fail(req, VIRGO_MC_BAD_EXPTIME);
		if (!args)
			args = exptime + strlen(exptime);	/* no keys: END */
	}
	ret = virgo_mc_get_keys(args, req);
	if (!ret && !touch && !req->nkeys)
		return virgo_mc_fail(req, VIRGO_MC_ERROR);
	return ret;
}

/**
 * virgo_mc_parse() - parse one memcached request line, in place
 * @line: the line without its line end; it is cut into words
 * @max_bytes: the largest value a storage command may announce
 * @req: set to the request
 *
 * Words are separated by spaces only, as memcached separates them; a
 * wrong number of them gets "ERROR", a bad key or number a CLIENT_ERROR,
 * both in @req->error, the replies of memcached 1.6.
 *
 * Return: 0; -EOPNOTSUPP for an unknown command; -EINVAL with
 * @req->error set; -E2BIG for a value longer than @max_bytes. Except
 * after -EOPNOTSUPP, req->cmd is set.
 */
int virgo_mc_parse(char *line, u64 max_bytes, struct virgo_mc_req *req)
{
	char *w[VIRGO_MC_KEYS_MAX + 2];
	s64 v = 0;
	int i, n;

	memset(req, 0, sizeof(*req));
	line += strspn(line, " ");
	i = virgo_mc_find_cmd(line);
	if (i < 0)
		return -EOPNOTSUPP;
	req->cmd = virgo_mc_cmds[i].cmd;
	if (req->cmd >= VIRGO_MC_GET && req->cmd <= VIRGO_MC_GATS)
		return virgo_mc_retrieval(line + strlen(virgo_mc_cmds[i].name), req);
	n = virgo_mc_split(line, w, ARRAY_SIZE(w));
	if (n < 0)
		return virgo_mc_fail(req, VIRGO_MC_ERROR);

	switch (req->cmd) {
	case VIRGO_MC_SET: case VIRGO_MC_ADD: case VIRGO_MC_REPLACE:
	case VIRGO_MC_APPEND: case VIRGO_MC_PREPEND: case VIRGO_MC_CAS:
		return virgo_mc_storage(w, n, max_bytes, req);
	case VIRGO_MC_DELETE:
		if (n < 2 || n > 4)
			return virgo_mc_fail(req, VIRGO_MC_ERROR);
		/* "delete <key> 0" is an old client's form of the same. */
		virgo_mc_noreply(w, n, req);
		if ((n == 3 && strcmp(w[2], "0") && !req->noreply) ||
		    (n == 4 && (strcmp(w[2], "0") || !req->noreply)))
			return virgo_mc_fail(req, VIRGO_MC_BAD_DELETE);
		break;
	case VIRGO_MC_INCR: case VIRGO_MC_DECR:
		if (n != 3 && n != 4)
			return virgo_mc_fail(req, VIRGO_MC_ERROR);
		virgo_mc_noreply(w, n, req);
		if (!virgo_mc_key_ok(w[1]))
			return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
		if (*w[2] == '-' || *w[2] == '+' || kstrtou64(w[2], 10, &req->delta))
			return virgo_mc_fail(req, VIRGO_MC_BAD_DELTA);
		break;
	case VIRGO_MC_TOUCH:
		if (n != 3 && n != 4)
			return virgo_mc_fail(req, VIRGO_MC_ERROR);
		virgo_mc_noreply(w, n, req);
		if (!virgo_mc_key_ok(w[1]))
			return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
		if (!virgo_mc_s64(w[2], &req->exptime))
			return virgo_mc_fail(req, VIRGO_MC_BAD_EXPTIME);
		break;
	case VIRGO_MC_VERBOSITY:
		if (n != 2 && n != 3)
			return virgo_mc_fail(req, VIRGO_MC_ERROR);
		virgo_mc_noreply(w, n, req);
		if (!virgo_mc_s64(w[1], &v))
			return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
		return 0;
	case VIRGO_MC_FLUSH_ALL:
		if (n > 3)
			return virgo_mc_fail(req, VIRGO_MC_ERROR);
		virgo_mc_noreply(w, n, req);
		if (n - req->noreply == 2 && !virgo_mc_s64(w[1], &v))
			return virgo_mc_fail(req, VIRGO_MC_BAD_EXPTIME);
		/* A delay of 0 is now; later flushes are not offered. */
		if (n - req->noreply == 2 && v)
			return virgo_mc_fail(req, "CLIENT_ERROR flush_all with a delay is not offered");
		return 0;
	case VIRGO_MC_STATS:
		/* No slabs nor settings to show: those lists are empty. */
		if (n == 1)
			return 0;
		if (n == 2 && !strcmp(w[1], "reset")) {
			req->nkeys = -2;
			return 0;
		}
		if (!strcmp(w[1], "items") || !strcmp(w[1], "slabs") ||
		    !strcmp(w[1], "sizes") || !strcmp(w[1], "conns") ||
		    !strcmp(w[1], "settings") || !strcmp(w[1], "detail")) {
			req->nkeys = -1;	/* an empty list */
			return 0;
		}
		return virgo_mc_fail(req, VIRGO_MC_ERROR);
	default:	/* version, quit, mn: what follows is ignored */
		return 0;
	}

	req->keys[0] = w[1];
	req->nkeys = 1;
	return virgo_mc_key_ok(w[1]) ? 0 : virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
}

/* ------------------------------------------------------------ server */

/* "VALUE <key> <flags> <bytes> <cas>\r\n" */
#define VIRGO_MC_HEAD_MAX	(VIRGO_MC_KEY_MAX + 64)

static const char *const virgo_mc_results[] = {
	[VIRGO_MC_STORED] = "STORED",
	[VIRGO_MC_NOT_STORED] = "NOT_STORED",
	[VIRGO_MC_EXISTS] = "EXISTS",
	[VIRGO_MC_NOT_FOUND] = "NOT_FOUND",
};

static time64_t virgo_mc_started;

static int virgo_mc_reply(struct virgo_conn *conn, const struct virgo_mc_req *req,
			  const char *text)
{
	return req->noreply ? 0 : virgo_conn_printf(conn, "%s\r\n", text);
}

/* A new item for a storage command; a full pool first drops expired items. */
static struct virgo_mc_item *virgo_mc_new(const struct virgo_mc_req *req, int peer)
{
	static unsigned long next_reclaim;
	struct virgo_mc_item *it;

	it = virgo_mc_item_new(req->keys[0], req->flags, req->exptime, req->bytes, peer);
	/* At most once a second: a sweep walks every item. */
	if (IS_ERR(it) && time_after_eq(jiffies, READ_ONCE(next_reclaim))) {
		WRITE_ONCE(next_reclaim, jiffies + HZ);
		virgo_mc_reclaim();
		it = virgo_mc_item_new(req->keys[0], req->flags, req->exptime,
				       req->bytes, peer);
	}
	return it;
}

static int virgo_mc_storage_cmd(struct virgo_conn *conn,
				const struct virgo_mc_req *req)
{
	/* Only stores charge memory: only they look up the peer's share. */
	int peer = virgo_pool_peer(conn->peer);
	struct virgo_mc_item *it = peer < 0 ? ERR_PTR(peer) : virgo_mc_new(req, peer);
	int ret;

	/* The key points into the line buffer, which the data may overwrite:
	 * the item took its copy above.
	 */
	if (IS_ERR(it)) {
		ret = virgo_conn_skip_data(conn, req->bytes);
		return ret ?: virgo_mc_reply(conn, req,
					     "SERVER_ERROR out of memory storing object");
	}
	ret = virgo_conn_read_data(conn, it->data, req->bytes);
	if (ret) {
		virgo_mc_item_put(it);
		return ret;
	}
	ret = virgo_mc_store(req->cmd, it, req->cas);
	if (ret == -E2BIG)
		return virgo_mc_reply(conn, req, "SERVER_ERROR object too large for cache");
	if (ret < 0)
		return virgo_mc_reply(conn, req, "SERVER_ERROR out of memory storing object");
	return virgo_mc_reply(conn, req, virgo_mc_results[ret]);
}

/* A get's reply: per item, its VALUE line and its value; then END. */
struct virgo_mc_out {
	struct virgo_mc_item *items[VIRGO_MC_KEYS_MAX];
	struct kvec iov[2 * VIRGO_MC_KEYS_MAX + 1];
	char heads[][VIRGO_MC_HEAD_MAX];	/* one per key asked for */
};

/*
 * One batch of a retrieval: the VALUE blocks of its live items (touched
 * to @exptime first for gat/gats, @touch), and END if @last.
 */
static int virgo_mc_values(struct virgo_conn *conn, const char *const *keys,
			   int nkeys, bool gets, bool touch, s64 exptime, bool last)
{
	struct virgo_mc_out *out;
	struct virgo_mc_item *it;
	int i, n = 0, ret;

	out = kmalloc(struct_size(out, heads, nkeys), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	atomic64_add(nkeys, &virgo_mc_stats.cmd_get);
	for (i = 0; i < nkeys; i++) {
		if (touch && virgo_mc_touch(keys[i], exptime))
			continue;
		it = virgo_mc_get(keys[i]);
		if (!it)
			continue;
		out->items[n] = it;
		out->iov[2 * n].iov_base = out->heads[n];
		if (gets)
			out->iov[2 * n].iov_len =
				scnprintf(out->heads[n], VIRGO_MC_HEAD_MAX,
					  "VALUE %s %u %u %llu\r\n", it->key,
					  it->flags, it->bytes, it->cas);
		else
			out->iov[2 * n].iov_len =
				scnprintf(out->heads[n], VIRGO_MC_HEAD_MAX,
					  "VALUE %s %u %u\r\n", it->key,
					  it->flags, it->bytes);
		out->iov[2 * n + 1].iov_base = it->data;
		out->iov[2 * n + 1].iov_len = it->bytes + 2;
		n++;
	}
	out->iov[2 * n].iov_base = "END\r\n";
	out->iov[2 * n].iov_len = last ? 5 : 0;
	ret = virgo_sock_writev(&conn->vs, out->iov, 2 * n + 1);
	while (n--)
		virgo_mc_item_put(out->items[n]);
	kfree(out);
	return ret;
}

/* get/gets/gat/gats: every live item of the keys, a batch at a time, END. */
static int virgo_mc_retrieve(struct virgo_conn *conn, const struct virgo_mc_req *req)
{
	bool gets = req->cmd == VIRGO_MC_GETS || req->cmd == VIRGO_MC_GATS;
	bool touch = req->cmd == VIRGO_MC_GAT || req->cmd == VIRGO_MC_GATS;
	const char *keys[VIRGO_MC_KEYS_MAX];
	const char *p = req->more;
	int n, ret;

	ret = virgo_mc_values(conn, req->keys, req->nkeys, gets, touch, req->exptime, !p);
	while (!ret && p) {
		for (n = 0; p < req->end && n < VIRGO_MC_KEYS_MAX; p++) {
			if (*p) {
				keys[n++] = p;
				p += strlen(p);
			}
		}
		while (p < req->end && !*p)
			p++;
		if (p >= req->end)
			p = NULL;
		ret = virgo_mc_values(conn, keys, n, gets, touch, req->exptime, !p);
	}
	return ret;
}

static int virgo_mc_arith_cmd(struct virgo_conn *conn, const struct virgo_mc_req *req)
{
	char num[24];
	u64 v;
	int ret;

	ret = virgo_mc_arith(req->keys[0], req->cmd == VIRGO_MC_INCR, req->delta, &v);
	switch (ret) {
	case 0:
		snprintf(num, sizeof(num), "%llu", v);
		return virgo_mc_reply(conn, req, num);
	case -ENOENT:
		return virgo_mc_reply(conn, req, "NOT_FOUND");
	case -EINVAL:
		return virgo_mc_reply(conn, req,
				      "CLIENT_ERROR cannot increment or decrement non-numeric value");
	default:
		return virgo_mc_reply(conn, req, "SERVER_ERROR out of memory");
	}
}

static int virgo_mc_stats_cmd(struct virgo_conn *conn)
{
	time64_t now = ktime_get_real_seconds();

	return virgo_conn_printf(conn,
		"STAT uptime %lld\r\nSTAT time %lld\r\nSTAT version %s\r\n"
		"STAT pointer_size %zu\r\nSTAT curr_items %lld\r\n"
		"STAT total_items %lld\r\nSTAT bytes %lld\r\n"
		"STAT cmd_get %lld\r\nSTAT cmd_set %lld\r\n"
		"STAT get_hits %lld\r\nSTAT get_misses %lld\r\n"
		"STAT limit_maxbytes %llu\r\nSTAT pool_bytes %llu\r\n"
		"STAT threads 1\r\nEND\r\n",
		now - virgo_mc_started, now, VIRGO_MC_PROTOCOL, 8 * sizeof(void *),
		atomic64_read(&virgo_mc_stats.items),
		atomic64_read(&virgo_mc_stats.total_items),
		atomic64_read(&virgo_mc_stats.bytes),
		atomic64_read(&virgo_mc_stats.cmd_get),
		atomic64_read(&virgo_mc_stats.cmd_set),
		atomic64_read(&virgo_mc_stats.get_hits),
		atomic64_read(&virgo_mc_stats.get_misses),
		READ_ONCE(virgo_pool_max), virgo_pool_used_bytes());
}

/**
 * virgo_mc_line() - serve one memcached request line
 * @conn: the connection
 * @line: the line; it is cut into words
 *
 * Return: 0, or a negative errno that closes the connection (quit, a
 * value too large to skip, a broken stream).
 */
int virgo_mc_line(struct virgo_conn *conn, char *line)
{
	struct virgo_mc_req req;
	int ret;

	ret = virgo_mc_parse(line, VIRGO_MC_VALUE_MAX, &req);
	if (ret == -E2BIG) {
		/* memcached reads the value and drops it; so do we, up to a bound. */
		if (req.bytes > VIRGO_MALLOC_MAX)
			return -EMSGSIZE;
		ret = virgo_conn_skip_data(conn, req.bytes);
		return ret ?: virgo_mc_reply(conn, &req,
					     "SERVER_ERROR object too large for cache");
	}
	/*
	 * As memcached: the reply, and the connection goes on; after a bad
	 * storage line, what the client meant as data is read as requests.
	 */
	if (ret) {
		if (req.noreply && strcmp(req.error, VIRGO_MC_ERROR))
			return 0;
		return virgo_conn_printf(conn, "%s\r\n", req.error ?: VIRGO_MC_ERROR);
	}

	switch (req.cmd) {
	case VIRGO_MC_SET: case VIRGO_MC_ADD: case VIRGO_MC_REPLACE:
	case VIRGO_MC_APPEND: case VIRGO_MC_PREPEND: case VIRGO_MC_CAS:
		return virgo_mc_storage_cmd(conn, &req);
	case VIRGO_MC_GET: case VIRGO_MC_GETS:
	case VIRGO_MC_GAT: case VIRGO_MC_GATS:
		return virgo_mc_retrieve(conn, &req);
	case VIRGO_MC_DELETE:
		ret = virgo_mc_delete(req.keys[0]);
		return virgo_mc_reply(conn, &req, ret ? "NOT_FOUND" : "DELETED");
	case VIRGO_MC_INCR: case VIRGO_MC_DECR:
		return virgo_mc_arith_cmd(conn, &req);
	case VIRGO_MC_TOUCH:
		ret = virgo_mc_touch(req.keys[0], req.exptime);
		return virgo_mc_reply(conn, &req, ret ? "NOT_FOUND" : "TOUCHED");
	case VIRGO_MC_STATS:
		if (req.nkeys < 0)
			return virgo_conn_printf(conn, "END\r\n");
		if (req.nkeys == -2) {
			atomic64_set(&virgo_mc_stats.cmd_get, 0);
			atomic64_set(&virgo_mc_stats.cmd_set, 0);
			atomic64_set(&virgo_mc_stats.get_hits, 0);
			atomic64_set(&virgo_mc_stats.get_misses, 0);
			atomic64_set(&virgo_mc_stats.total_items, 0);
			return virgo_conn_printf(conn, "RESET\r\n");
		}
		return virgo_mc_stats_cmd(conn);
	case VIRGO_MC_VERSION:
		return virgo_conn_printf(conn, "VERSION %s\r\n", VIRGO_MC_PROTOCOL);
	case VIRGO_MC_FLUSH_ALL:
		virgo_mc_flush();
		return virgo_mc_reply(conn, &req, "OK");
	case VIRGO_MC_VERBOSITY:
		return virgo_mc_reply(conn, &req, "OK");	/* nothing to log */
	case VIRGO_MC_MN:
		return virgo_conn_printf(conn, "MN\r\n");
	case VIRGO_MC_QUIT:
	default:
		return -ECONNRESET;
	}
}

int __init virgo_mc_server_init(void)
{
	virgo_mc_started = ktime_get_real_seconds();
	return virgo_mc_init();
}
