// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - the memcached ASCII protocol, on the mempool's port
 *
 * The parser is pure and tested by KUnit. The server answers each command
 * as memcached 1.6 does, from this node's items (kvstore.c), and a bad
 * request with memcached's error line: "ERROR" for an unknown command or
 * a wrong number of words, a CLIENT_ERROR for a bad key or number; the
 * connection goes on (after a bad storage line, as with memcached, the
 * data is read as requests). A value past memcached's item limit, or one
 * the pool has no room for, is read and dropped and gets a SERVER_ERROR.
 * The meta commands (mg, ms, md, ma, me, mn) are memcached 1.6.18's: their
 * flags, base64 keys, quiet mode, and errors in memcached's order.
 * testing/scenarios/memcached.sh compares the replies with memcached's own.
 */

#include <linux/base64.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
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
	{ "mg", VIRGO_MC_MG }, { "ms", VIRGO_MC_MS }, { "md", VIRGO_MC_MD },
	{ "ma", VIRGO_MC_MA }, { "me", VIRGO_MC_ME },
};

/* memcached's answers to requests it cannot take */
#define VIRGO_MC_ERROR		"ERROR"
#define VIRGO_MC_BAD_FORMAT	"CLIENT_ERROR bad command line format"
#define VIRGO_MC_BAD_DELTA	"CLIENT_ERROR invalid numeric delta argument"
#define VIRGO_MC_BAD_EXPTIME	"CLIENT_ERROR invalid exptime argument"
#define VIRGO_MC_BAD_DELETE	VIRGO_MC_BAD_FORMAT ".  Usage: delete <key> [noreply]"
#define VIRGO_MC_BAD_TOKEN	"CLIENT_ERROR bad token in command line format"
#define VIRGO_MC_TOO_LARGE	"SERVER_ERROR object too large for cache"
#define VIRGO_MC_NO_MEMORY	"SERVER_ERROR out of memory storing object"
#define VIRGO_MC_NO_NEW_ITEM	"SERVER_ERROR Out of memory allocating new item"
#define VIRGO_MC_NON_NUMERIC	"CLIENT_ERROR cannot increment or decrement non-numeric value"

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
	req->keylen = strlen(w[1]);
	/* Too large, but well formed: the caller can skip the data. */
	return virgo_mc_fits(req->keylen, flags, bytes, max_bytes) ? 0 : -E2BIG;
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

/* ------------------------------------------------------------ meta commands */

/*
 * memcached reads 19 words of a meta command at most (more: "options flags
 * too long"); an opaque token is 32 bytes at most, its 'O' included.
 */
#define VIRGO_MC_META_WORDS	(VIRGO_MC_META_FLAGS + 2)
#define VIRGO_MC_OPAQUE_MAX	32

/* isspace() in the C locale, with which memcached reads numbers */
static bool virgo_mc_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * A number of a meta command, read as C's strtoll() (@is_signed) or
 * strtoull() read it for memcached: spaces, a sign, decimal digits, then
 * the end or a space, within 64 bits. memcached then refuses an unsigned
 * number that a '-' wrapped around to its top half, and cuts a signed one
 * to 32 bits (the caller does).
 */
static bool virgo_mc_number(const char *s, bool is_signed, u64 *v)
{
	const char *digits;
	bool minus = false;
	u64 n = 0;

	while (virgo_mc_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		minus = *s++ == '-';
	for (digits = s; isdigit(*s); s++)
		if (check_mul_overflow(n, 10ULL, &n) ||
		    check_add_overflow(n, (u64)(*s - '0'), &n))
			return false;
	if (s == digits || (*s && !virgo_mc_space(*s)))
		return false;
	if (is_signed && n > (u64)S64_MAX + minus)
		return false;
	*v = minus ? -n : n;
	return is_signed || !minus || (s64)*v >= 0;
}

/* A signed token, cut to 32 bits as memcached's safe_strtol() cuts it. */
static bool virgo_mc_number32(const char *s, s64 *v)
{
	u64 n;

	if (!virgo_mc_number(s, true, &n))
		return false;
	*v = (s32)n;
	return true;
}

/* A letter of base64 ('=' counts as 0), or -1 */
static int virgo_mc_base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : c == '=' ? 0 : -1;
}

/*
 * Decode the base64 key @s of @len bytes in place, as memcached does:
 * bytes outside the alphabet are skipped, the others must come in fours,
 * and the first four with '=' padding end it.
 *
 * Return: the key's length; 0 if it is malformed.
 */
static size_t virgo_mc_unbase64(char *s, size_t len)
{
	size_t i, n = 0, out = 0;
	int pad = 0, v;
	u32 quad = 0;

	for (i = 0; i < len; i++)
		n += virgo_mc_base64_value(s[i]) >= 0;
	if (!n || n % 4)
		return 0;
	for (i = 0, n = 0; i < len; i++) {
		v = virgo_mc_base64_value(s[i]);
		if (v < 0)
			continue;
		pad += s[i] == '=';
		quad = quad << 6 | v;
		if (++n % 4)
			continue;
		/* Three bytes from four letters, ahead of where they were read. */
		s[out++] = quad >> 16;
		s[out++] = quad >> 8;
		s[out++] = quad;
		if (pad > 2)
			return 0;
		if (pad)
			return out - pad;
	}
	return out;
}

/*
 * The flags @w[0..@n) of a meta command, as memcached 1.6.18 reads them: a
 * letter each, some with a token; an unknown or repeated flag ends the
 * parse at once, a bad token once every flag was read, with the last bad
 * token's error. @key is decoded in place for flag b.
 */
static int virgo_mc_meta_flags(char **w, int n, char *key,
			       struct virgo_mc_req *req)
{
	const char *error = VIRGO_MC_BAD_FORMAT;
	bool bad = false;
	s64 *time;
	int i;
	u64 v;

	for (i = 0; i < n; i++) {
		u8 c = w[i][0];

		/* memcached's table of the flags seen ends below 127 */
		if (c >= 127 || virgo_mc_has(req, c))
			return virgo_mc_fail(req, "CLIENT_ERROR duplicate flag");
		switch (c) {
		case 'b':
			req->keylen = virgo_mc_unbase64(key, req->keylen);
			if (!req->keylen) {
				error = "CLIENT_ERROR error decoding key";
				bad = true;
			}
			break;
		case 'N': case 'R': case 'T':
			time = c == 'N' ? &req->vivify :
			       c == 'R' ? &req->recache : &req->exptime;
			if (!virgo_mc_number32(w[i] + 1, time)) {
				error = VIRGO_MC_BAD_TOKEN;
				bad = true;
			}
			break;
		case 'C':
			if (!virgo_mc_number(w[i] + 1, false, &req->cas)) {
				error = VIRGO_MC_BAD_TOKEN;
				bad = true;
			}
			break;
		case 'F':
			/* Above 2^32 - 1, memcached cuts the flags; refused here. */
			if (!virgo_mc_number(w[i] + 1, false, &v) || v > U32_MAX)
				bad = true;
			else
				req->flags = v;
			break;
		case 'M':
			if (strlen(w[i]) != 2) {
				error = "CLIENT_ERROR incorrect length for M token";
				bad = true;
			}
			req->mode = w[i][1];
			break;
		case 'J':
			if (!virgo_mc_number(w[i] + 1, false, &req->initial)) {
				error = "CLIENT_ERROR invalid numeric initial value";
				bad = true;
			}
			break;
		case 'D':
			if (!virgo_mc_number(w[i] + 1, false, &req->delta)) {
				error = "CLIENT_ERROR invalid numeric delta value";
				bad = true;
			}
			break;
		case 'I': case 'L': case 'O': case 'P': case 'c': case 'f':
		case 'h': case 'k': case 'l': case 'q': case 's': case 't':
		case 'u': case 'v':
			break;
		default:
			return virgo_mc_fail(req, "CLIENT_ERROR invalid flag");
		}
		req->mhas |= BIT_ULL(c - 'A');
		req->mflags[req->nmflags++] = w[i];
	}
	return bad ? virgo_mc_fail(req, error) : 0;
}

/* A meta command's mode (M) that its command takes? */
static bool virgo_mc_mode_ok(const struct virgo_mc_req *req)
{
	if (!virgo_mc_has(req, 'M'))
		return true;
	return strchr(req->cmd == VIRGO_MC_MS ? "EAPRS" : "I+D-", req->mode);
}

/* An opaque (O) longer than memcached copies back? */
static bool virgo_mc_opaque_long(const struct virgo_mc_req *req)
{
	int i;

	for (i = 0; i < req->nmflags; i++)
		if (req->mflags[i][0] == 'O' &&
		    strlen(req->mflags[i]) > VIRGO_MC_OPAQUE_MAX)
			return true;
	return false;
}

/*
 * mg, ms, md, ma, me: <cmd> <key> [<datalen> (ms)] <flag>*, in @w[0..@n),
 * @more when the line had more words. The checks come in memcached's
 * order, each with its reply.
 */
static int virgo_mc_meta(char **w, int n, bool more, u64 max_bytes,
			 struct virgo_mc_req *req)
{
	bool ms = req->cmd == VIRGO_MC_MS;
	s64 len;
	int ret;

	if (n < 2)
		return virgo_mc_fail(req, req->cmd == VIRGO_MC_ME ?
				     VIRGO_MC_BAD_FORMAT : VIRGO_MC_ERROR);
	req->keys[0] = w[1];
	req->nkeys = 1;
	req->keylen = strlen(w[1]);
	if (req->keylen > VIRGO_MC_KEY_MAX)
		return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
	if (req->cmd == VIRGO_MC_ME) {
		/* Its one flag: b, the third word. */
		if (n > 2 && !strcmp(w[2], "b")) {
			req->mhas |= BIT_ULL('b' - 'A');
			req->keylen = virgo_mc_unbase64(w[1], req->keylen);
			if (!req->keylen)
				return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
		}
		return 0;
	}
	if (ms && n == 2)
		return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
	if (more)
		return virgo_mc_fail(req, req->cmd == VIRGO_MC_MG ?
				     "CLIENT_ERROR options flags are too long" :
				     "CLIENT_ERROR options flags too long");
	if (ms) {
		if (!virgo_mc_number32(w[2], &len) || len < 0 || len > S32_MAX - 2)
			return virgo_mc_fail(req, VIRGO_MC_BAD_FORMAT);
		/* From here on, as memcached, an error drops the data. */
		req->bytes = len;
		req->skip = true;
	}
	if (req->cmd == VIRGO_MC_MA)
		req->delta = 1;
	ret = virgo_mc_meta_flags(w + 2 + ms, n - 2 - ms, w[1], req);
	if (ret && (req->cmd == VIRGO_MC_MD || req->cmd == VIRGO_MC_MA))
		req->error = "CLIENT_ERROR invalid or duplicate flag";
	if (ret)
		return ret;
	if (!virgo_mc_mode_ok(req))
		return virgo_mc_fail(req, ms ? "CLIENT_ERROR invalid mode for ms M token" :
				     "CLIENT_ERROR invalid mode for ma M token");
	/*
	 * memcached finds a long opaque of mg and ma after it served them, so
	 * sends the error after their effects; here there are none.
	 */
	if (virgo_mc_opaque_long(req))
		return virgo_mc_fail(req, "CLIENT_ERROR opaque token too long");
	if (ms && !virgo_mc_fits(req->keylen, req->flags, req->bytes, max_bytes))
		return -E2BIG;
	/* q silences the usual answers; memcached sends every error. */
	req->noreply = virgo_mc_has(req, 'q');
	return 0;
}

/**
 * virgo_mc_parse() - parse one memcached request line, in place
 * @line: the line without its line end; it is cut into words
 * @max_bytes: the largest item a storage command may make (with
 *	virgo_mc_fits(), as memcached counts its items)
 * @req: set to the request
 *
 * Words are separated by spaces only, as memcached separates them; a
 * wrong number of them gets "ERROR", a bad key or number a CLIENT_ERROR,
 * both in @req->error, the replies of memcached 1.6.
 *
 * Return: 0; -EOPNOTSUPP for an unknown command; -EINVAL with
 * @req->error set (and @req->skip when the data of an ms line that
 * failed after its length must be dropped); -E2BIG for a value that
 * makes an item larger than @max_bytes, memcached's limit. Except after
 * -EOPNOTSUPP, req->cmd is set.
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
	if (req->cmd >= VIRGO_MC_MG) {
		n = virgo_mc_split(line, w, VIRGO_MC_META_WORDS);
		return virgo_mc_meta(w, n < 0 ? VIRGO_MC_META_WORDS : n, n < 0,
				     max_bytes, req);
	}
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

/* ------------------------------------------------------------ meta answers */

/*
 * A meta command's answer line: its code, its flags (17 at most, none
 * longer than a key in base64 and " b"), "\r\n".
 */
#define VIRGO_MC_META_LINE	1024

struct virgo_mc_line {
	size_t len;
	char buf[VIRGO_MC_META_LINE];
};

static __printf(2, 3) void virgo_mc_add(struct virgo_mc_line *l, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	l->len += vscnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, args);
	va_end(args);
}

/* @len bytes of a key, as they are or in base64 */
static void virgo_mc_add_key(struct virgo_mc_line *l, const char *key, size_t len,
			     bool binary)
{
	size_t room = sizeof(l->buf) - l->len;

	if (room <= (binary ? DIV_ROUND_UP(len, 3) * 4 : len))
		return;		/* not with 17 flags of a key of 250 bytes */
	if (binary) {
		l->len += base64_encode((const u8 *)key, len, l->buf + l->len);
	} else {
		memcpy(l->buf + l->len, key, len);
		l->len += len;
	}
}

/* Flag k: " k<key>", and " b" after a key that came in base64 */
static void virgo_mc_add_k(struct virgo_mc_line *l, const char *key, size_t len,
			   bool binary)
{
	virgo_mc_add(l, " k");
	virgo_mc_add_key(l, key, len, binary);
	if (binary)
		virgo_mc_add(l, " b");
}

/* Flag t: the seconds left, -1 for never, as memcached's unsigned count */
static void virgo_mc_add_ttl(struct virgo_mc_line *l, time64_t expires, time64_t now)
{
	if (expires)
		virgo_mc_add(l, " t%u", (u32)(expires - now));
	else
		virgo_mc_add(l, " t-1");
}

/* @l, then the value of @it if not NULL */
static int virgo_mc_send(struct virgo_conn *conn, const struct virgo_mc_line *l,
			 const struct virgo_mc_item *it)
{
	struct kvec iov[2] = { { .iov_base = (void *)l->buf, .iov_len = l->len } };

	if (it) {
		iov[1].iov_base = it->data;
		iov[1].iov_len = it->bytes + 2;
	}
	return virgo_sock_writev(&conn->vs, iov, it ? 2 : 1);
}

/* An answer without an item: @code, then the opaque and the key, as asked. */
static int virgo_mc_meta_answer(struct virgo_conn *conn, const struct virgo_mc_req *req,
				struct virgo_mc_line *l, const char *code)
{
	int i;

	virgo_mc_add(l, "%s", code);
	for (i = 0; i < req->nmflags; i++) {
		if (req->mflags[i][0] == 'O')
			virgo_mc_add(l, " %s", req->mflags[i]);
		else if (req->mflags[i][0] == 'k')
			virgo_mc_add_k(l, req->keys[0], req->keylen,
				       virgo_mc_has(req, 'b'));
	}
	virgo_mc_add(l, "\r\n");
	return virgo_mc_send(conn, l, NULL);
}

/* What ms echoes, saved before its data may overwrite the request line */
struct virgo_mc_echo {
	char order[4];		/* 'O', 'k', 'c', as asked */
	char opaque[VIRGO_MC_OPAQUE_MAX + 1];
};

static void virgo_mc_echo_save(struct virgo_mc_echo *echo,
			       const struct virgo_mc_req *req)
{
	int i, n = 0;

	memset(echo, 0, sizeof(*echo));
	for (i = 0; i < req->nmflags; i++) {
		if (!strchr("Okc", req->mflags[i][0]))
			continue;
		echo->order[n++] = req->mflags[i][0];
		if (req->mflags[i][0] == 'O')
			strscpy(echo->opaque, req->mflags[i], sizeof(echo->opaque));
	}
}

/* ms: HD (silenced by q), NS, EX or NF, with the opaque, key and cas asked */
static int virgo_mc_ms_reply(struct virgo_conn *conn, bool quiet, int result,
			     const struct virgo_mc_echo *echo,
			     const struct virgo_mc_item *it, u64 cas)
{
	static const char *const codes[] = {
		[VIRGO_MC_STORED] = "HD", [VIRGO_MC_NOT_STORED] = "NS",
		[VIRGO_MC_EXISTS] = "EX", [VIRGO_MC_NOT_FOUND] = "NF",
	};
	struct virgo_mc_line *l;
	const char *p;
	int ret;

	if (result < 0)
		return virgo_conn_printf(conn, "%s\r\n", VIRGO_MC_NO_MEMORY);
	if (result == VIRGO_MC_STORED && quiet)
		return 0;
	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->len = 0;
	virgo_mc_add(l, "%s", codes[result]);
	for (p = echo->order; *p; p++) {
		if (*p == 'O')
			virgo_mc_add(l, " %s", echo->opaque);
		else if (*p == 'k')
			virgo_mc_add_k(l, it->key, it->keylen,
				       test_bit(VIRGO_MC_BINARY, &it->meta));
		else
			virgo_mc_add(l, " c%llu", cas);
	}
	virgo_mc_add(l, "\r\n");
	ret = virgo_mc_send(conn, l, NULL);
	kfree(l);
	return ret;
}

/*
 * mg: the item, its value (v) and what else its flags ask for, in their
 * order; on a miss EN, or with N an item made empty. T and N set the
 * expiry where they stand (t before T shows the old one); W tells the one
 * client that won the right to recache the item (N, R, or a stale item),
 * Z the others, X that it is stale.
 */
static int virgo_mc_mg(struct virgo_conn *conn, const struct virgo_mc_req *req,
		       struct virgo_mc_line *l)
{
	time64_t now = ktime_get_real_seconds(), expires;
	bool vivify = virgo_mc_has(req, 'N');
	bool created, won = false, stale, sent;
	struct virgo_mc_item *it;
	int peer = 0, i, ret;

	if (vivify) {
		peer = virgo_conn_pool_peer(conn);
		vivify = peer >= 0;
	}
	atomic64_inc(&virgo_mc_stats.cmd_get);
	it = virgo_mc_fetch(req->keys[0], req->keylen, vivify ? &req->vivify : NULL,
			    peer, &created);
	if (!it)
		return req->noreply ? 0 : virgo_mc_meta_answer(conn, req, l, "EN");

	expires = created ? 0 : READ_ONCE(it->expires);
	if (virgo_mc_has(req, 'v'))
		virgo_mc_add(l, "VA %u", it->bytes);
	else
		virgo_mc_add(l, "HD");
	for (i = 0; i < req->nmflags; i++) {
		switch (req->mflags[i][0]) {
		case 'T':
			expires = virgo_mc_expires(req->exptime);
			break;
		case 'N':
			if (created)
				expires = virgo_mc_expires(req->vivify);
			won |= created;
			break;
		case 'R':
			won |= !created && expires &&
			       expires < virgo_mc_expires(req->recache);
			break;
		case 's':
			virgo_mc_add(l, " s%u", it->bytes);
			break;
		case 't':
			virgo_mc_add_ttl(l, expires, now);
			break;
		case 'c':
			virgo_mc_add(l, " c%llu", READ_ONCE(it->cas));
			break;
		case 'f':
			virgo_mc_add(l, " f%u", it->flags);
			break;
		case 'l':
			virgo_mc_add(l, " l%u", (u32)(now - READ_ONCE(it->atime)));
			break;
		case 'h':
			virgo_mc_add(l, " h%d", test_bit(VIRGO_MC_FETCHED, &it->meta));
			break;
		case 'O':
			virgo_mc_add(l, " %s", req->mflags[i]);
			break;
		case 'k':
			virgo_mc_add_k(l, it->key, it->keylen,
				       test_bit(VIRGO_MC_BINARY, &it->meta));
			break;
		}
	}
	if (virgo_mc_has(req, 'T') || created)
		virgo_mc_set_expires(it, expires);
	/* One client wins: the first to set the bit. */
	stale = test_bit(VIRGO_MC_STALE, &it->meta);
	if (won || stale)
		sent = test_and_set_bit(VIRGO_MC_WON, &it->meta);
	else
		sent = test_bit(VIRGO_MC_WON, &it->meta);
	virgo_mc_add(l, "%s%s%s\r\n", sent ? " Z" : "", stale ? " X" : "",
		     (won || stale) && !sent ? " W" : "");
	if (!virgo_mc_has(req, 'u'))
		virgo_mc_bump(it);
	ret = virgo_mc_send(conn, l, virgo_mc_has(req, 'v') ? it : NULL);
	virgo_mc_item_put(it);
	return ret;
}

/* md: HD (silenced by q), NF or EX, with the opaque and key asked */
static int virgo_mc_md(struct virgo_conn *conn, const struct virgo_mc_req *req,
		       struct virgo_mc_line *l)
{
	int ret = virgo_mc_meta_delete(req->keys[0], req->keylen,
				       virgo_mc_has(req, 'C') ? &req->cas : NULL,
				       virgo_mc_has(req, 'I'),
				       virgo_mc_has(req, 'T') ? &req->exptime : NULL);

	if (!ret && req->noreply)
		return 0;
	return virgo_mc_meta_answer(conn, req, l,
				    !ret ? "HD" : ret == -ENOENT ? "NF" : "EX");
}

/*
 * ma: incr (or decr, MD), and HD or the number (v), with the cas, TTL,
 * opaque and key asked; T and N set the expiry where they stand. q
 * silences a success, but not the answer about an item N made.
 */
static int virgo_mc_ma(struct virgo_conn *conn, const struct virgo_mc_req *req,
		       struct virgo_mc_line *l)
{
	struct virgo_mc_delta op = {
		.delta = req->delta,
		.cas = virgo_mc_has(req, 'C') ? req->cas : 0,
		.initial = req->initial,
		.exptime = req->vivify,
		.incr = req->mode != 'D' && req->mode != '-',
		.create = virgo_mc_has(req, 'N'),
	};
	time64_t now = ktime_get_real_seconds(), expires;
	struct virgo_mc_item *it;
	char num[24];
	int peer = 0, i, ret;
	u64 value;

	if (op.create) {
		peer = virgo_conn_pool_peer(conn);
		if (peer < 0)
			return virgo_conn_printf(conn, "%s\r\n", VIRGO_MC_NO_NEW_ITEM);
	}
	ret = virgo_mc_apply_delta(req->keys[0], req->keylen, &op, peer, &value, &it);
	switch (ret) {
	case -ENOENT:
		return virgo_mc_meta_answer(conn, req, l, "NF");
	case -EEXIST:
		return virgo_mc_meta_answer(conn, req, l, "EX");
	case -EINVAL:
		return virgo_conn_printf(conn, "%s\r\n", VIRGO_MC_NON_NUMERIC);
	case -ENOSPC:
		return virgo_conn_printf(conn, "%s\r\n", VIRGO_MC_NO_NEW_ITEM);
	case 0: case 1:
		break;
	default:
		return virgo_conn_printf(conn, "SERVER_ERROR out of memory\r\n");
	}

	snprintf(num, sizeof(num), "%llu", value);
	expires = ret ? 0 : READ_ONCE(it->expires);
	if (virgo_mc_has(req, 'v'))
		virgo_mc_add(l, "VA %zu", strlen(num));
	else
		virgo_mc_add(l, "HD");
	for (i = 0; i < req->nmflags; i++) {
		switch (req->mflags[i][0]) {
		case 'T':
			expires = virgo_mc_expires(req->exptime);
			break;
		case 'N':
			if (ret)
				expires = virgo_mc_expires(req->vivify);
			break;
		case 't':
			virgo_mc_add_ttl(l, expires, now);
			break;
		case 'c':
			virgo_mc_add(l, " c%llu", READ_ONCE(it->cas));
			break;
		case 'O':
			virgo_mc_add(l, " %s", req->mflags[i]);
			break;
		case 'k':
			virgo_mc_add_k(l, req->keys[0], req->keylen,
				       virgo_mc_has(req, 'b'));
			break;
		}
	}
	if (virgo_mc_has(req, 'T') || ret)
		virgo_mc_set_expires(it, expires);
	virgo_mc_item_put(it);
	if (!ret && req->noreply)
		return 0;
	if (virgo_mc_has(req, 'v'))
		virgo_mc_add(l, "\r\n%s", num);
	virgo_mc_add(l, "\r\n");
	return virgo_mc_send(conn, l, NULL);
}

/*
 * memcached's default slab class for an item of @size bytes: 96 bytes,
 * then 1.25 times more in steps of 8, to 512 KiB, where larger items go.
 */
static unsigned int virgo_mc_slab_class(size_t size)
{
	unsigned int cls = 1;
	size_t chunk = 96;

	while (size > chunk) {
		cls++;
		chunk = chunk * 5 / 4;
		if (5 * chunk >= 4 * SZ_512K)
			break;
		chunk = ALIGN(chunk, 8);
	}
	return cls;
}

/*
 * me: what memcached's debug command shows of an item; its size and slab
 * class are memcached's for such an item, which tools that read them know.
 */
static int virgo_mc_me(struct virgo_conn *conn, const struct virgo_mc_req *req,
		       struct virgo_mc_line *l)
{
	struct virgo_mc_item *it = virgo_mc_get(req->keys[0], req->keylen);
	time64_t now = ktime_get_real_seconds(), expires;
	size_t size;

	if (!it)
		return virgo_conn_printf(conn, "EN\r\n");
	expires = READ_ONCE(it->expires);
	size = VIRGO_MC_ITEM_HEADER + it->keylen + 1 + it->bytes + 2 +
	       (it->flags ? 4 : 0);
	virgo_mc_add(l, "ME ");
	virgo_mc_add_key(l, it->key, it->keylen, test_bit(VIRGO_MC_BINARY, &it->meta));
	virgo_mc_add(l, " exp=%d la=%u cas=%llu fetch=%s cls=%u size=%zu\r\n",
		     expires ? (int)(now - expires) : -1,
		     (u32)(now - READ_ONCE(it->atime)), READ_ONCE(it->cas),
		     test_bit(VIRGO_MC_FETCHED, &it->meta) ? "yes" : "no",
		     virgo_mc_slab_class(size), size);
	virgo_mc_item_put(it);
	return virgo_mc_send(conn, l, NULL);
}

/* mg, md, ma, me */
static int virgo_mc_meta_cmd(struct virgo_conn *conn, const struct virgo_mc_req *req)
{
	struct virgo_mc_line *l = kmalloc(sizeof(*l), GFP_KERNEL);
	int ret;

	if (!l)
		return -ENOMEM;
	l->len = 0;
	if (req->cmd == VIRGO_MC_MG)
		ret = virgo_mc_mg(conn, req, l);
	else if (req->cmd == VIRGO_MC_MD)
		ret = virgo_mc_md(conn, req, l);
	else if (req->cmd == VIRGO_MC_MA)
		ret = virgo_mc_ma(conn, req, l);
	else
		ret = virgo_mc_me(conn, req, l);
	kfree(l);
	return ret;
}

/*
 * A new item for a storage command; a full pool first drops expired items
 * (a bounded walk, and none before the soonest expiry).
 */
static struct virgo_mc_item *virgo_mc_new(const struct virgo_mc_req *req, int peer)
{
	bool binary = req->cmd == VIRGO_MC_MS && virgo_mc_has(req, 'b');
	struct virgo_mc_item *it;

	it = virgo_mc_item_new_key(req->keys[0], req->keylen, binary, req->flags,
				   req->exptime, req->bytes, peer);
	if (IS_ERR(it)) {
		virgo_mc_reclaim();
		it = virgo_mc_item_new_key(req->keys[0], req->keylen, binary,
					   req->flags, req->exptime, req->bytes,
					   peer);
	}
	return it;
}

/*
 * A value memcached had no room for: it drops the key's old value too,
 * after set and ms.
 */
static int virgo_mc_no_room(struct virgo_conn *conn, const struct virgo_mc_req *req,
			    const char *text)
{
	int ret;

	if (req->cmd == VIRGO_MC_SET || req->cmd == VIRGO_MC_MS)
		virgo_mc_meta_delete(req->keys[0], req->keylen, NULL, false, NULL);
	ret = virgo_conn_skip_data(conn, req->bytes);
	if (ret)
		return ret;
	/* ms answers errors whatever q says */
	if (req->cmd == VIRGO_MC_MS)
		return virgo_conn_printf(conn, "%s\r\n", text);
	return virgo_mc_reply(conn, req, text);
}

/* ms's mode (M) and compare (C) as a storage command, its unique and I */
static enum virgo_mc_cmd virgo_mc_ms_cmd(const struct virgo_mc_req *req,
					 u64 *cas, bool *stale)
{
	enum virgo_mc_cmd cmd = req->mode == 'E' ? VIRGO_MC_ADD :
				req->mode == 'A' ? VIRGO_MC_APPEND :
				req->mode == 'P' ? VIRGO_MC_PREPEND :
				req->mode == 'R' ? VIRGO_MC_REPLACE : VIRGO_MC_SET;

	/* With C, set and replace are cas; append and prepend compare; add ignores it. */
	*cas = virgo_mc_has(req, 'C') && cmd != VIRGO_MC_ADD ? req->cas : 0;
	if (virgo_mc_has(req, 'C') && (cmd == VIRGO_MC_SET || cmd == VIRGO_MC_REPLACE))
		cmd = VIRGO_MC_CAS;
	*stale = cmd == VIRGO_MC_CAS && virgo_mc_has(req, 'I');
	return cmd;
}

static int virgo_mc_storage_cmd(struct virgo_conn *conn,
				const struct virgo_mc_req *req)
{
	/* Only stores charge memory: only they look up the peer's share. */
	int peer = virgo_conn_pool_peer(conn);
	struct virgo_mc_item *it = peer < 0 ? ERR_PTR(peer) : virgo_mc_new(req, peer);
	enum virgo_mc_cmd cmd = req->cmd;
	struct virgo_mc_echo echo;
	bool stale = false;
	u64 cas = req->cas;
	int ret;

	if (IS_ERR(it))
		return virgo_mc_no_room(conn, req, VIRGO_MC_NO_MEMORY);
	/*
	 * The line buffer holds the key and the flags, and the data may
	 * overwrite it: the item took its copy of the key, ms's answer takes
	 * what it echoes.
	 */
	if (cmd == VIRGO_MC_MS) {
		virgo_mc_echo_save(&echo, req);
		cmd = virgo_mc_ms_cmd(req, &cas, &stale);
	}
	ret = virgo_conn_read_data(conn, it->data, req->bytes);
	if (ret) {
		virgo_mc_item_put(it);
		return ret;
	}
	if (req->cmd == VIRGO_MC_MS) {
		kref_get(&it->ref);	/* for the key that ms echoes */
		ret = virgo_mc_store(cmd, it, &cas, stale);
		ret = virgo_mc_ms_reply(conn, req->noreply, ret, &echo, it, cas);
		virgo_mc_item_put(it);
		return ret;
	}
	ret = virgo_mc_store(cmd, it, &cas, false);
	if (ret < 0)
		return virgo_mc_reply(conn, req, VIRGO_MC_NO_MEMORY);
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
		it = virgo_mc_get(keys[i], strlen(keys[i]));
		if (!it)
			continue;
		if (!touch)
			virgo_mc_bump(it);	/* a touch was a fetch already */
		out->items[n] = it;
		out->iov[2 * n].iov_base = out->heads[n];
		if (gets)
			out->iov[2 * n].iov_len =
				scnprintf(out->heads[n], VIRGO_MC_HEAD_MAX,
					  "VALUE %s %u %u %llu\r\n", it->key,
					  it->flags, it->bytes, READ_ONCE(it->cas));
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
		return virgo_mc_reply(conn, req, VIRGO_MC_NON_NUMERIC);
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
	/* memcached reads a value it drops; so do we, up to a bound. */
	if ((ret == -E2BIG || req.skip) && req.bytes > VIRGO_MALLOC_MAX)
		return -EMSGSIZE;
	if (ret == -E2BIG)
		return virgo_mc_no_room(conn, &req, VIRGO_MC_TOO_LARGE);
	/*
	 * As memcached: the reply, and the connection goes on; after a bad
	 * storage line, what the client meant as data is read as requests,
	 * but after a bad ms line with a good length the data is dropped.
	 */
	if (ret) {
		if (req.skip) {
			ret = virgo_conn_skip_data(conn, req.bytes);
			if (ret)
				return ret;
		}
		if (req.noreply && strcmp(req.error, VIRGO_MC_ERROR))
			return 0;
		return virgo_conn_printf(conn, "%s\r\n", req.error ?: VIRGO_MC_ERROR);
	}

	switch (req.cmd) {
	case VIRGO_MC_SET: case VIRGO_MC_ADD: case VIRGO_MC_REPLACE:
	case VIRGO_MC_APPEND: case VIRGO_MC_PREPEND: case VIRGO_MC_CAS:
	case VIRGO_MC_MS:
		return virgo_mc_storage_cmd(conn, &req);
	case VIRGO_MC_MG: case VIRGO_MC_MD: case VIRGO_MC_MA: case VIRGO_MC_ME:
		return virgo_mc_meta_cmd(conn, &req);
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
		if (req.nkeys == -2) {
			atomic64_set(&virgo_mc_stats.cmd_get, 0);
			atomic64_set(&virgo_mc_stats.cmd_set, 0);
			atomic64_set(&virgo_mc_stats.get_hits, 0);
			atomic64_set(&virgo_mc_stats.get_misses, 0);
			atomic64_set(&virgo_mc_stats.total_items, 0);
			return virgo_conn_printf(conn, "RESET\r\n");
		}
		if (req.nkeys < 0)
			return virgo_conn_printf(conn, "END\r\n");
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
