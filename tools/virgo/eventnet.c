// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo - EventNet graphs: read from the files' text, merged across
 * nodes, written as Graphviz DOT and ordered topologically.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libvirgo.h"

#define SEP " - "

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull;	/* FNV-1a */

	while (len--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The slot of @name in the vertex table: its index + 1 there, or 0. */
static size_t *vslot(const struct virgo_egraph *g, const char *name, size_t len)
{
	size_t i = hash_bytes(name, len) & (g->vtab_size - 1);

	for (;; i = (i + 1) & (g->vtab_size - 1)) {
		size_t *slot = &g->vtab[i];

		if (!*slot || (strlen(g->v[*slot - 1].name) == len &&
			       !memcmp(g->v[*slot - 1].name, name, len)))
			return slot;
	}
}

static size_t *eslot(const struct virgo_egraph *g, size_t from, size_t to)
{
	size_t i = hash_bytes((const char *)(size_t[2]){ from, to }, 2 * sizeof(size_t)) &
		   (g->etab_size - 1);

	for (;; i = (i + 1) & (g->etab_size - 1)) {
		size_t *slot = &g->etab[i];

		if (!*slot || (g->e[*slot - 1].from == from && g->e[*slot - 1].to == to))
			return slot;
	}
}

/* Keep the tables at most half full. */
static int grow(size_t **tab, size_t *size, size_t count)
{
	size_t *old = *tab, n;

	if (2 * (count + 1) <= *size)
		return 0;
	n = *size ? 2 * *size : 64;
	*tab = calloc(n, sizeof(size_t));
	if (!*tab) {
		*tab = old;
		return -ENOMEM;
	}
	*size = n;
	free(old);
	return 1;	/* rehash */
}

static int vertex_tab_grow(struct virgo_egraph *g)
{
	size_t i;
	int r = grow(&g->vtab, &g->vtab_size, g->nv);

	if (r <= 0)
		return r;
	for (i = 0; i < g->nv; i++)
		*vslot(g, g->v[i].name, strlen(g->v[i].name)) = i + 1;
	return 0;
}

static int edge_tab_grow(struct virgo_egraph *g)
{
	size_t i;
	int r = grow(&g->etab, &g->etab_size, g->ne);

	if (r <= 0)
		return r;
	for (i = 0; i < g->ne; i++)
		*eslot(g, g->e[i].from, g->e[i].to) = i + 1;
	return 0;
}

static char *dup_bytes(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* The vertex @name, added (with no partaker) if new: its index, or -1. */
static long vertex(struct virgo_egraph *g, const char *name, size_t len)
{
	struct virgo_evertex *v;
	size_t *slot;

	if (vertex_tab_grow(g))
		return -1;
	slot = vslot(g, name, len);
	if (*slot)
		return *slot - 1;
	if (g->nv == g->vcap) {
		size_t n = g->vcap ? 2 * g->vcap : 64;

		v = realloc(g->v, n * sizeof(*v));
		if (!v)
			return -1;
		g->v = v;
		g->vcap = n;
	}
	v = &g->v[g->nv];
	memset(v, 0, sizeof(*v));
	v->name = dup_bytes(name, len);
	v->parts = dup_bytes("", 0);
	v->convs = dup_bytes("", 0);
	if (!v->name || !v->parts || !v->convs) {
		free(v->name);
		free(v->parts);
		free(v->convs);
		return -1;
	}
	*slot = ++g->nv;
	return g->nv - 1;
}

/* Append @sep (if @dst is not empty) and @len bytes of @s to *@dst. */
static int append(char **dst, const char *sep, const char *s, size_t len)
{
	size_t have = strlen(*dst), slen = have ? strlen(sep) : 0;
	char *n = realloc(*dst, have + slen + len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n + have, sep, slen);
	memcpy(n + have + slen, s, len);
	n[have + slen + len] = '\0';
	*dst = n;
	return 0;
}

/* Is @name in the comma-separated @list? */
static int listed(const char *list, const char *name, size_t len)
{
	const char *p = list, *comma;

	while (*p) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if ((size_t)(comma - p) == len && !memcmp(p, name, len))
			return 1;
		p = *comma ? comma + 1 : comma;
	}
	return 0;
}

static int add_edge(struct virgo_egraph *g, long from, long to)
{
	size_t *slot;

	if (from < 0 || to < 0 || edge_tab_grow(g))
		return -ENOMEM;
	slot = eslot(g, from, to);
	if (*slot)
		return 0;
	if (g->ne == g->ecap) {
		size_t n = g->ecap ? 2 * g->ecap : 64;
		struct virgo_eedge *e = realloc(g->e, n * sizeof(*e));

		if (!e)
			return -ENOMEM;
		g->e = e;
		g->ecap = n;
	}
	g->e[g->ne].from = from;
	g->e[g->ne].to = to;
	*slot = ++g->ne;
	return 0;
}

static const char *find_sep(const char *s, const char *end)
{
	for (; s + 3 <= end; s++)
		if (!memcmp(s, SEP, 3))
			return s;
	return NULL;
}

/* Take one vertex line: its partakers join, its conversations follow. */
static int vertex_line(struct virgo_egraph *g, const char *line, const char *end)
{
	const char *s1 = find_sep(line, end), *parts, *s2, *p, *comma;
	struct virgo_evertex *v;
	long i;

	if (!s1 || s1 == line)
		return -EINVAL;
	parts = s1 + 3;
	s2 = find_sep(parts, end);
	if (!s2)
		return -EINVAL;
	i = vertex(g, line, s1 - line);
	if (i < 0)
		return -ENOMEM;
	v = &g->v[i];
	for (p = parts; p < s2; p = comma + 1) {
		comma = memchr(p, ',', s2 - p);
		if (!comma)
			comma = s2;
		if (comma > p && !listed(v->parts, p, comma - p) &&
		    append(&v->parts, ",", p, comma - p))
			return -ENOMEM;
	}
	if (s2 + 3 < end && append(&v->convs, "#", s2 + 3, end - s2 - 3))
		return -ENOMEM;
	return 0;
}

/**
 * virgo_egraph_add - merge a node's files into @g
 * @text: the vertex file's content, then the edge file's
 * @len: its length
 * @vbytes: the vertex file's part
 *
 * A vertex that @g has already gains the partakers it lacked and the
 * conversations; an edge it has is not added twice. Returns 0, -EINVAL
 * for a line that is not the files' (and @g holds what came before it),
 * or -ENOMEM.
 */
int virgo_egraph_add(struct virgo_egraph *g, const char *text, size_t len, size_t vbytes)
{
	const char *line, *nl, *end = text + len, *comma;
	long from, to;
	int ret;

	/* The vertex file ends a line; no name holds a NUL. */
	if (vbytes > len || (vbytes && text[vbytes - 1] != '\n') || memchr(text, '\0', len))
		return -EINVAL;
	for (line = text; line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			return -EINVAL;
		if (line < text + vbytes) {
			ret = vertex_line(g, line, nl);
		} else {
			comma = memchr(line, ',', nl - line);
			if (!comma || comma == line || comma + 1 == nl)
				return -EINVAL;
			from = vertex(g, line, comma - line);
			to = vertex(g, comma + 1, nl - comma - 1);
			ret = add_edge(g, from, to);
		}
		if (ret)
			return ret;
	}
	return 0;
}

void virgo_egraph_free(struct virgo_egraph *g)
{
	size_t i;

	for (i = 0; i < g->nv; i++) {
		free(g->v[i].name);
		free(g->v[i].parts);
		free(g->v[i].convs);
	}
	free(g->v);
	free(g->e);
	free(g->vtab);
	free(g->etab);
	memset(g, 0, sizeof(*g));
}

/* Is @s (of @len bytes) valid UTF-8? */
static int utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			n = 1, c = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 2, c = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 3, c = s[i] & 0x07;
		else
			return 0;
		if (i + n >= len)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, past U+10FFFF. */
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * @s as text inside a DOT double-quoted string: '"' and '\' escaped, '&'
 * as an entity (Graphviz reads entities in labels); if @s is not UTF-8,
 * every byte past ASCII as an entity too (read as Latin-1).
 */
static void dot_text(FILE *out, const char *s)
{
	int utf8 = utf8_ok((const unsigned char *)s, strlen(s));

	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c >= 0x80 && !utf8)
			fprintf(out, "&#%u;", c);
		else
			fputc(c, out);
	}
}

static void csr(const struct virgo_egraph *g, int by_to, size_t *start, size_t *adj,
		size_t *fill);

/*
 * A traced event's name, "<op>@<node>.<time>" (EventNet's log.c): its
 * node and Lamport time; 0 for any other name.
 */
static unsigned int traced(const char *name, unsigned long long *time)
{
	const char *p = strrchr(name, '@');
	unsigned long long t = 0;
	unsigned int node = 0;

	if (!p || *++p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((node = node * 10 + (*p - '0')) > VIRGO_NODES_MAX)
			return 0;
	if (*p++ != '.' || *p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (t > (~0ull - 9) / 10)
			return 0;
		t = t * 10 + (*p - '0');
	}
	if (*p)
		return 0;
	*time = t;
	return node;
}

/*
 * The vector clocks of @g's traced events, derived from the graph: an
 * event's entry for node N counts node N's events that precede it, by the
 * graph's edges (the node's own order, and each request's edge). A
 * malloc'd array of g->nv x *@width (the largest node id seen), or NULL
 * (no memory, or no traced event; then no stamps are printed). Vertices
 * a cycle holds back keep zeros.
 */
static uint64_t *vclocks(const struct virgo_egraph *g, unsigned int *width)
{
	size_t *order, *cycle, ncycle, *start, *adj, *fill, i, j, v;
	unsigned long long time;
	unsigned int node, k, w = 0;
	uint64_t *vc;
	long n;

	for (i = 0; i < g->nv; i++) {
		node = traced(g->v[i].name, &time);
		if (node > w)
			w = node;
	}
	*width = w;
	if (!w)
		return NULL;
	vc = calloc(g->nv * w + 1, sizeof(uint64_t));
	n = virgo_egraph_order(g, &order, &cycle, &ncycle);

	start = malloc((g->nv + 1) * sizeof(size_t));
	adj = malloc((g->ne + 1) * sizeof(size_t));
	fill = malloc((g->nv + 1) * sizeof(size_t));
	if (n < 0 || !vc || !start || !adj || !fill) {
		free(vc);
		vc = NULL;
		goto out;
	}
	csr(g, 1, start, adj, fill);	/* in-edges */
	for (i = 0; i < (size_t)n; i++) {
		uint64_t *mine;

		v = order[i];
		mine = vc + v * w;
		for (j = start[v]; j < start[v + 1]; j++)
			for (k = 0; k < w; k++)
				if (vc[adj[j] * w + k] > mine[k])
					mine[k] = vc[adj[j] * w + k];
		node = traced(g->v[v].name, &time);
		if (node)
			mine[node - 1]++;
	}
out:
	if (n >= 0) {
		free(order);
		free(cycle);
	}
	free(start);
	free(adj);
	free(fill);
	return vc;
}

/**
 * virgo_egraph_dot - write @g as a Graphviz digraph
 *
 * A vertex is "v<index>", labelled with its name, partakers and
 * conversations, one a line, and for a traced event its stamps: "L
 * <Lamport time> V <vector clock>" (node:count,...); an edge is
 * "v<from> -> v<to>".
 */
void virgo_egraph_dot(const struct virgo_egraph *g, FILE *out)
{
	unsigned long long time;
	unsigned int k, sep, w;
	uint64_t *vc = vclocks(g, &w);
	size_t i;

	fputs("digraph eventnet {\n\tnode [shape=box];\n", out);
	for (i = 0; i < g->nv; i++) {
		fprintf(out, "\tv%zu [label=\"", i);
		dot_text(out, g->v[i].name);
		if (*g->v[i].parts) {
			fputs("\\n", out);
			dot_text(out, g->v[i].parts);
		}
		if (*g->v[i].convs) {
			fputs("\\n", out);
			dot_text(out, g->v[i].convs);
		}
		if (vc && traced(g->v[i].name, &time)) {
			fprintf(out, "\\nL %llu", time);
			/* None for an event a cycle holds back: no clock. */
			for (sep = 0, k = 0; k < w; k++)
				if (vc[i * w + k])
					fprintf(out, "%s%u:%llu", sep++ ? "," : " V ", k + 1,
						(unsigned long long)vc[i * w + k]);
		}
		fputs("\"];\n", out);
	}
	free(vc);
	for (i = 0; i < g->ne; i++)
		fprintf(out, "\tv%zu -> v%zu;\n", g->e[i].from, g->e[i].to);
	fputs("}\n", out);
}

/* A min-heap of vertex indexes: of the vertices free at once, the first. */
static void heap_push(size_t *heap, size_t *n, size_t v)
{
	size_t i = (*n)++, parent;

	for (; i && heap[parent = (i - 1) / 2] > v; i = parent)
		heap[i] = heap[parent];
	heap[i] = v;
}

static size_t heap_pop(size_t *heap, size_t *n)
{
	size_t top = heap[0], last = heap[--*n], i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && heap[c + 1] < heap[c])
			c++;
		if (heap[c] >= last)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = last;
	return top;
}

/* Edges as arrays: @start[v] .. @start[v + 1] index @adj, by @end. */
static void csr(const struct virgo_egraph *g, int by_to, size_t *start, size_t *adj,
		size_t *fill)
{
	size_t i, key;

	memset(start, 0, (g->nv + 1) * sizeof(size_t));
	memset(fill, 0, g->nv * sizeof(size_t));
	for (i = 0; i < g->ne; i++)
		start[(by_to ? g->e[i].to : g->e[i].from) + 1]++;
	for (i = 0; i < g->nv; i++)
		start[i + 1] += start[i];
	for (i = 0; i < g->ne; i++) {
		key = by_to ? g->e[i].to : g->e[i].from;
		adj[start[key] + fill[key]++] = by_to ? g->e[i].from : g->e[i].to;
	}
}

/**
 * virgo_egraph_order - order @g's vertices so that every edge goes forward
 * @order: set to a malloc'd array of the vertices' indexes, in order
 * @cycle: when @g has a cycle, set to a malloc'd array of the vertices of
 *	one cycle, in its order; else NULL
 * @ncycle: its length
 *
 * Kahn's algorithm; of the vertices free at once, the first in @g comes
 * first. With a cycle, @order holds the vertices that no cycle precedes.
 * Returns how many vertices @order holds (g->nv without a cycle), or -1
 * (no memory).
 */
long virgo_egraph_order(const struct virgo_egraph *g, size_t **order,
			size_t **cycle, size_t *ncycle)
{
	size_t nv = g->nv + 1, ne = g->ne + 1;
	size_t *indeg = calloc(nv, sizeof(size_t)), *start = malloc(nv * sizeof(size_t));
	size_t *adj = malloc(ne * sizeof(size_t)), *fill = malloc(nv * sizeof(size_t));
	size_t *out = malloc(nv * sizeof(size_t)), *heap = malloc(nv * sizeof(size_t));
	size_t *seen = NULL, *walk = NULL;
	size_t i, j, nheap = 0, n = 0, v;
	long ret = -1;

	*order = NULL;
	*cycle = NULL;
	*ncycle = 0;
	if (!indeg || !start || !adj || !fill || !out || !heap)
		goto out;
	csr(g, 0, start, adj, fill);
	for (i = 0; i < g->ne; i++)
		indeg[g->e[i].to]++;
	for (i = 0; i < g->nv; i++)
		if (!indeg[i])
			heap_push(heap, &nheap, i);
	while (nheap) {
		v = heap_pop(heap, &nheap);
		out[n++] = v;
		for (j = start[v]; j < start[v + 1]; j++)
			if (!--indeg[adj[j]])
				heap_push(heap, &nheap, adj[j]);
	}
	if (n < g->nv) {
		/*
		 * A vertex left has an edge from another vertex left (it
		 * would be free otherwise): walk such edges backwards until
		 * a vertex comes again. The edges by their end, now.
		 */
		csr(g, 1, start, adj, fill);
		seen = calloc(g->nv, sizeof(size_t));	/* step + 1 */
		walk = malloc(g->nv * sizeof(size_t));
		*cycle = malloc(g->nv * sizeof(size_t));
		if (!seen || !walk || !*cycle)
			goto out;
		for (v = 0; !indeg[v]; v++)
			;
		for (j = 0; !seen[v]; j++) {
			seen[v] = j + 1;
			walk[j] = v;
			for (i = start[v]; !indeg[adj[i]]; i++)
				;
			v = adj[i];
		}
		/* The cycle is walk[seen[v] - 1 .. j - 1], backwards. */
		*ncycle = j - (seen[v] - 1);
		for (i = 0; i < *ncycle; i++)
			(*cycle)[i] = walk[j - 1 - i];
	}
	*order = out;
	out = NULL;
	ret = n;
out:
	if (ret < 0) {
		free(*cycle);
		*cycle = NULL;
	}
	free(seen);
	free(walk);
	free(indeg);
	free(start);
	free(adj);
	free(fill);
	free(out);
	free(heap);
	return ret;
}
