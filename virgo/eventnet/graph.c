// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - the graph, and its two files
 *
 *	EventNetEdges.txt	"<from>,<to>" per edge
 *	EventNetVertices.txt	"<id> - <partakers> - <conversations>" per vertex,
 *				the partakers comma-separated ("a,b"), the
 *				conversations "(a,b)#(c,d)"; both may be empty
 *
 * Every line ends with "\n", and the files hold nothing else. An edge
 * adds a vertex line for each end that has none; a vertex message adds
 * its two partakers (once) and appends its conversation. An edge given
 * twice is kept once. A message that would pass a cap changes nothing.
 * Nothing here sleeps but the allocations; the caller locks.
 */

#include <linux/slab.h>
#include <linux/stringhash.h>
#include "eventnet.h"

#define VIRGO_ENET_SEP		" - "
#define VIRGO_ENET_SEP_LEN	3

void virgo_enet_graph_init(struct virgo_enet_graph *g)
{
	hash_init(g->vertices);
	hash_init(g->edges);
	INIT_LIST_HEAD(&g->vlist);
	INIT_LIST_HEAD(&g->elist);
	g->nvertices = 0;
	g->nedges = 0;
	g->vbytes = 0;
	g->ebytes = 0;
}

void virgo_enet_graph_clear(struct virgo_enet_graph *g)
{
	struct virgo_enet_vertex *v, *vn;
	struct virgo_enet_edge *e, *en;

	list_for_each_entry_safe(e, en, &g->elist, entry)
		kfree(e);
	list_for_each_entry_safe(v, vn, &g->vlist, entry) {
		kfree(v->parts);
		kfree(v->convs);
		kfree(v);
	}
	virgo_enet_graph_init(g);
}

static u32 virgo_enet_hash(const char *name, size_t len)
{
	return full_name_hash(NULL, name, len);
}

static struct virgo_enet_vertex *
virgo_enet_find(const struct virgo_enet_graph *g, const char *name, size_t len)
{
	struct virgo_enet_vertex *v;

	hash_for_each_possible(g->vertices, v, hash, virgo_enet_hash(name, len))
		if (v->name_len == len && !memcmp(v->name, name, len))
			return v;
	return NULL;
}

/* Asymmetric: a -> b and b -> a, and loops, fall in different buckets. */
static u32 virgo_enet_edge_hash(const struct virgo_enet_vertex *from,
				const struct virgo_enet_vertex *to)
{
	return hash_64((u64)hash_ptr(from, 32) << 32 | hash_ptr(to, 32), 32);
}

static struct virgo_enet_edge *
virgo_enet_find_edge(const struct virgo_enet_graph *g,
		     const struct virgo_enet_vertex *from,
		     const struct virgo_enet_vertex *to)
{
	struct virgo_enet_edge *e;

	hash_for_each_possible(g->edges, e, hash, virgo_enet_edge_hash(from, to))
		if (e->from == from && e->to == to)
			return e;
	return NULL;
}

/* The vertex line's length, "\n" included. */
static size_t virgo_enet_vline(size_t name_len, size_t parts_len, size_t convs_len)
{
	return name_len + VIRGO_ENET_SEP_LEN + parts_len + VIRGO_ENET_SEP_LEN +
	       convs_len + 1;
}

/* Is @name one of @v's partakers? */
static bool virgo_enet_partaker(const struct virgo_enet_vertex *v,
				const char *name, size_t len)
{
	const char *p = v->parts, *end = v->parts + v->parts_len, *comma;

	while (p < end) {
		comma = memchr(p, ',', end - p) ?: end;
		if (comma - p == len && !memcmp(p, name, len))
			return true;
		p = comma + 1;
	}
	return false;
}

/*
 * A new vertex, not yet in the graph: virgo_enet_insert() adds it once
 * nothing else can fail.
 */
static struct virgo_enet_vertex *virgo_enet_vertex_new(const char *name, size_t len)
{
	struct virgo_enet_vertex *v = kzalloc(struct_size(v, name, len + 1), GFP_KERNEL);

	if (!v)
		return NULL;
	memcpy(v->name, name, len);
	v->name_len = len;
	INIT_LIST_HEAD(&v->entry);
	return v;
}

static void virgo_enet_insert(struct virgo_enet_graph *g, struct virgo_enet_vertex *v)
{
	hash_add(g->vertices, &v->hash, virgo_enet_hash(v->name, v->name_len));
	list_add_tail(&v->entry, &g->vlist);
	g->nvertices++;
	g->vbytes += virgo_enet_vline(v->name_len, v->parts_len, v->convs_len);
}

/* Append @len bytes of @s to the buffer @buf of *@have bytes. */
static int virgo_enet_append(char **buf, size_t *have, const char *s, size_t len)
{
	char *n = krealloc(*buf, *have + len, GFP_KERNEL);

	if (!n)
		return -ENOMEM;
	memcpy(n + *have, s, len);
	*buf = n;
	*have += len;
	return 0;
}

static int virgo_enet_edge(struct virgo_enet_graph *g, const struct virgo_enet_msg *msg)
{
	bool loop = msg->len[0] == msg->len[1] &&
		    !memcmp(msg->name[0], msg->name[1], msg->len[0]);
	struct virgo_enet_vertex *from, *to, *fresh_from = NULL, *fresh_to = NULL;
	size_t line = msg->len[0] + 1 + msg->len[1] + 1;
	size_t bytes = g->vbytes + g->ebytes + line;
	unsigned int nfresh = 0;
	struct virgo_enet_edge *e;

	from = virgo_enet_find(g, msg->name[0], msg->len[0]);
	to = loop ? from : virgo_enet_find(g, msg->name[1], msg->len[1]);
	if (from && to && virgo_enet_find_edge(g, from, to))
		return 1;
	if (!from) {
		nfresh++;
		bytes += virgo_enet_vline(msg->len[0], 0, 0);
	}
	if (!to && !loop) {
		nfresh++;
		bytes += virgo_enet_vline(msg->len[1], 0, 0);
	}
	if (g->nedges >= g->max_edges || g->nvertices + nfresh > g->max_vertices ||
	    bytes > g->max_bytes)
		return -ENOSPC;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	if (!from) {
		from = fresh_from = virgo_enet_vertex_new(msg->name[0], msg->len[0]);
		if (!from)
			goto nomem;
	}
	if (loop) {
		to = from;
	} else if (!to) {
		to = fresh_to = virgo_enet_vertex_new(msg->name[1], msg->len[1]);
		if (!to)
			goto nomem;
	}
	if (fresh_from)
		virgo_enet_insert(g, fresh_from);
	if (fresh_to)
		virgo_enet_insert(g, fresh_to);
	e->from = from;
	e->to = to;
	hash_add(g->edges, &e->hash, virgo_enet_edge_hash(from, to));
	list_add_tail(&e->entry, &g->elist);
	g->nedges++;
	g->ebytes += line;
	return 0;

nomem:
	kfree(fresh_from);
	kfree(e);
	return -ENOMEM;
}

static int virgo_enet_vertex(struct virgo_enet_graph *g, const struct virgo_enet_msg *msg)
{
	struct virgo_enet_vertex *v = virgo_enet_find(g, msg->name[0], msg->len[0]);
	struct virgo_enet_vertex *fresh = NULL;
	size_t parts_len, convs_len, old_line = 0, new_line, conv_len;
	bool same = msg->len[1] == msg->len[2] &&
		    !memcmp(msg->name[1], msg->name[2], msg->len[1]);
	bool has_a = v && virgo_enet_partaker(v, msg->name[1], msg->len[1]);
	bool has_b = same ? has_a : v && virgo_enet_partaker(v, msg->name[2], msg->len[2]);
	unsigned int nparts = v ? v->nparts : 0, nconvs = v ? v->nconvs : 0;
	char conv[2 * VIRGO_ENET_NAME_MAX + 4], *c = conv;
	int ret;

	parts_len = v ? v->parts_len : 0;
	convs_len = v ? v->convs_len : 0;
	if (v)
		old_line = virgo_enet_vline(v->name_len, parts_len, convs_len);
	if (!has_a) {
		parts_len += (nparts ? 1 : 0) + msg->len[1];
		nparts++;
	}
	if (!has_b && !same) {
		parts_len += (nparts ? 1 : 0) + msg->len[2];
		nparts++;
	}
	/* "#(a,b)", or "(a,b)" for the first: the names are checked, <= 64. */
	if (WARN_ON_ONCE(msg->len[1] > VIRGO_ENET_NAME_MAX || msg->len[2] > VIRGO_ENET_NAME_MAX))
		return -EINVAL;
	if (nconvs)
		*c++ = '#';
	*c++ = '(';
	c = memcpy(c, msg->name[1], msg->len[1]) + msg->len[1];
	*c++ = ',';
	c = memcpy(c, msg->name[2], msg->len[2]) + msg->len[2];
	*c++ = ')';
	conv_len = c - conv;
	convs_len += conv_len;
	new_line = virgo_enet_vline(msg->len[0], parts_len, convs_len);
	if (nparts > VIRGO_ENET_PARTAKERS || nconvs >= g->max_convs ||
	    (!v && g->nvertices >= g->max_vertices) ||
	    g->vbytes + g->ebytes - old_line + new_line > g->max_bytes)
		return -ENOSPC;

	if (!v) {
		v = fresh = virgo_enet_vertex_new(msg->name[0], msg->len[0]);
		if (!v)
			return -ENOMEM;
	}
	/* Grow both buffers first: then nothing can fail half-way. */
	ret = -ENOMEM;
	if (parts_len > v->parts_len) {
		char *p = krealloc(v->parts, parts_len, GFP_KERNEL);

		if (!p)
			goto fail;
		v->parts = p;
	}
	ret = virgo_enet_append(&v->convs, &v->convs_len, conv, conv_len);
	if (ret)
		goto fail;
	v->nconvs++;
	if (!has_a) {
		if (v->nparts++)
			v->parts[v->parts_len++] = ',';
		memcpy(v->parts + v->parts_len, msg->name[1], msg->len[1]);
		v->parts_len += msg->len[1];
	}
	if (!has_b && !same) {
		if (v->nparts++)
			v->parts[v->parts_len++] = ',';
		memcpy(v->parts + v->parts_len, msg->name[2], msg->len[2]);
		v->parts_len += msg->len[2];
	}
	if (fresh) {
		virgo_enet_insert(g, v);
	} else {
		g->vbytes += new_line - old_line;
	}
	return 0;

fail:
	if (fresh) {
		kfree(fresh->parts);
		kfree(fresh);
	}
	return ret;
}

/**
 * virgo_enet_apply() - apply a message to the graph
 * @g: the graph, locked by the caller
 * @msg: the message, its names checked
 *
 * Return: 0; 1 for an edge already there (nothing changed); -ENOSPC when
 * a cap would be passed; -ENOMEM. On an error the graph is as it was.
 */
int virgo_enet_apply(struct virgo_enet_graph *g, const struct virgo_enet_msg *msg)
{
	return msg->kind == VIRGO_ENET_EDGE ? virgo_enet_edge(g, msg) :
					      virgo_enet_vertex(g, msg);
}

/**
 * virgo_enet_render() - write both files' content into @buf
 * @g: the graph, locked by the caller
 * @buf: room for g->vbytes + g->ebytes bytes: the vertex file, then the
 *	edge file
 * @size: its size
 *
 * Return: the bytes written, g->vbytes + g->ebytes; 0 if @size is short
 * (or the accounting is wrong: a bug, warned about).
 */
size_t virgo_enet_render(const struct virgo_enet_graph *g, char *buf, size_t size)
{
	const struct virgo_enet_vertex *v;
	const struct virgo_enet_edge *e;
	size_t n = 0;

	/* Every copy is bounded: the accounting says how much, not the buffer. */
#define PUT(s, len) do {						\
		if (size - n < (len))					\
			return 0;					\
		if (len)						\
			memcpy(buf + n, (s), (len));			\
		n += (len);						\
	} while (0)
	if (size < g->vbytes + g->ebytes)
		return 0;
	list_for_each_entry(v, &g->vlist, entry) {
		PUT(v->name, v->name_len);
		PUT(VIRGO_ENET_SEP, VIRGO_ENET_SEP_LEN);
		PUT(v->parts, v->parts_len);
		PUT(VIRGO_ENET_SEP, VIRGO_ENET_SEP_LEN);
		PUT(v->convs, v->convs_len);
		PUT("\n", 1);
	}
	list_for_each_entry(e, &g->elist, entry) {
		PUT(e->from->name, e->from->name_len);
		PUT(",", 1);
		PUT(e->to->name, e->to->name_len);
		PUT("\n", 1);
	}
#undef PUT
	return WARN_ON_ONCE(n != g->vbytes + g->ebytes) ? 0 : n;
}

/* Split @s (of @len bytes) at the first @sep; the part before it. */
static size_t virgo_enet_field(const char *s, size_t len, const char *sep, size_t sep_len)
{
	size_t i;

	for (i = 0; i + sep_len <= len; i++)
		if (!memcmp(s + i, sep, sep_len))
			return i;
	return len;
}

/**
 * virgo_enet_load_vertex() - take a line of an existing vertex file
 * @g: the graph, locked
 * @line: the line, without "\n"
 * @len: its length
 *
 * The line's conversations are replayed as vertex messages, so the
 * vertex comes back as it was written: its partakers are checked to be
 * those its conversations name, in their order.
 *
 * Return: 0, -EINVAL for a line that is not one this file holds (or a
 * vertex given twice), -ENOSPC or -ENOMEM.
 */
int virgo_enet_load_vertex(struct virgo_enet_graph *g, const char *line, size_t len)
{
	struct virgo_enet_msg msg = { .kind = VIRGO_ENET_VERTEX };
	const char *parts, *convs, *end = line + len, *p, *close;
	struct virgo_enet_vertex *v;
	size_t n, parts_len;
	int ret;

	n = virgo_enet_field(line, len, VIRGO_ENET_SEP, VIRGO_ENET_SEP_LEN);
	if (n == len || !virgo_enet_name_ok(line, n) || virgo_enet_find(g, line, n))
		return -EINVAL;
	msg.name[0] = line;
	msg.len[0] = n;
	parts = line + n + VIRGO_ENET_SEP_LEN;
	n = virgo_enet_field(parts, end - parts, VIRGO_ENET_SEP, VIRGO_ENET_SEP_LEN);
	if (parts + n == end)
		return -EINVAL;
	parts_len = n;
	convs = parts + n + VIRGO_ENET_SEP_LEN;

	if (convs == end) {
		/* No conversation, no partaker: an edge's end. */
		if (parts_len)
			return -EINVAL;
		if (g->nvertices >= g->max_vertices ||
		    g->vbytes + g->ebytes + virgo_enet_vline(msg.len[0], 0, 0) > g->max_bytes)
			return -ENOSPC;
		v = virgo_enet_vertex_new(msg.name[0], msg.len[0]);
		if (!v)
			return -ENOMEM;
		virgo_enet_insert(g, v);
		return 0;
	}
	for (p = convs; p < end; p = close + 2) {
		if (*p != '(')
			return -EINVAL;
		close = memchr(p, ')', end - p);
		if (!close || (close + 1 != end && (close[1] != '#' || close + 2 == end)))
			return -EINVAL;
		n = virgo_enet_field(p + 1, close - p - 1, ",", 1);
		if (p + 1 + n == close)
			return -EINVAL;
		msg.name[1] = p + 1;
		msg.len[1] = n;
		msg.name[2] = p + 2 + n;
		msg.len[2] = close - msg.name[2];
		if (!virgo_enet_name_ok(msg.name[1], msg.len[1]) ||
		    !virgo_enet_name_ok(msg.name[2], msg.len[2]))
			return -EINVAL;
		ret = virgo_enet_apply(g, &msg);
		if (ret)
			return ret;
		if (close + 1 == end)
			break;
	}
	v = virgo_enet_find(g, msg.name[0], msg.len[0]);
	if (!v || v->parts_len != parts_len || memcmp(v->parts, parts, parts_len))
		return -EINVAL;
	return 0;
}

/**
 * virgo_enet_load_edge() - take a line of an existing edge file
 * @g: the graph, locked, its vertex file loaded
 * @line: the line, without "\n"
 * @len: its length
 *
 * Return: 0, -EINVAL for a bad line, -ENOSPC or -ENOMEM.
 */
int virgo_enet_load_edge(struct virgo_enet_graph *g, const char *line, size_t len)
{
	struct virgo_enet_msg msg = { .kind = VIRGO_ENET_EDGE };
	size_t n = virgo_enet_field(line, len, ",", 1);
	int ret;

	if (n == len)
		return -EINVAL;
	msg.name[0] = line;
	msg.len[0] = n;
	msg.name[1] = line + n + 1;
	msg.len[1] = len - n - 1;
	if (!virgo_enet_name_ok(msg.name[0], msg.len[0]) ||
	    !virgo_enet_name_ok(msg.name[1], msg.len[1]))
		return -EINVAL;
	ret = virgo_enet_apply(g, &msg);
	return ret == 1 ? -EINVAL : ret;	/* the file never repeats an edge */
}
