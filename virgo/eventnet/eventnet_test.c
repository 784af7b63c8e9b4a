// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - KUnit tests of the messages, the graph and its files
 */

#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "eventnet.h"

static int seed(const char *s, struct virgo_enet_msg *msg)
{
	return virgo_enet_parse_seed(s, strlen(s), msg);
}

static void virgo_test_enet_seed(struct kunit *test)
{
	struct virgo_enet_msg m;

	KUNIT_ASSERT_EQ(test, seed("eventnet_edgemsg#a#b#", &m), 0);
	KUNIT_EXPECT_EQ(test, m.kind, VIRGO_ENET_EDGE);
	KUNIT_EXPECT_EQ(test, m.len[0], 1);
	KUNIT_EXPECT_EQ(test, m.name[1][0], 'b');
	KUNIT_EXPECT_EQ(test, m.len[1], 1);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg#clone 1.7#node 2", &m), 0);
	KUNIT_EXPECT_EQ(test, m.len[0], 9);
	KUNIT_EXPECT_EQ(test, m.len[1], 6);
	KUNIT_ASSERT_EQ(test, seed("eventnet_vertexmsg#e1#alice#bob#", &m), 0);
	KUNIT_EXPECT_EQ(test, m.kind, VIRGO_ENET_VERTEX);
	KUNIT_EXPECT_EQ(test, m.len[2], 3);
	KUNIT_EXPECT_EQ(test, seed("eventnet_vertexmsg#e1#alice#bob", &m), 0);

	/* Not a seed message at all: the service tries its other forms. */
	KUNIT_EXPECT_EQ(test, seed("DUMP", &m), -ENOENT);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg", &m), -ENOENT);
	KUNIT_EXPECT_EQ(test, seed("eventnet_vertextmsg#e#a#b", &m), -ENOENT);

	/* Fields missing or too many, empty names. */
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg#", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg#a", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg#a#", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg##b", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg#a#b#c", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_edgemsg#a#b##", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_vertexmsg#e#a", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_vertexmsg#e#a#b#c#", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, seed("eventnet_vertexmsg#e#a##", &m), -EINVAL);
}

static void virgo_test_enet_names(struct kunit *test)
{
	static const char * const bad[] = {
		"a-b", "a,b", "a(b", "a)b", " a", "a ", "a\tb", "a\x7f", "a\x01",
	};
	char name[VIRGO_ENET_NAME_MAX + 1];
	unsigned int i;

	KUNIT_EXPECT_TRUE(test, virgo_enet_name_ok("clone 1.7", 9));
	KUNIT_EXPECT_TRUE(test, virgo_enet_name_ok("\xc3\xa9v\xc3\xa9nement", 11));
	KUNIT_EXPECT_FALSE(test, virgo_enet_name_ok("", 0));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE_MSG(test, virgo_enet_name_ok(bad[i], strlen(bad[i])),
				       "'%s'", bad[i]);
	/* '#' cannot reach here from a seed line; the binary form refuses it. */
	KUNIT_EXPECT_FALSE(test, virgo_enet_name_ok("a#b", 3));
	KUNIT_EXPECT_FALSE(test, virgo_enet_name_ok("a\0b", 3));
	memset(name, 'x', sizeof(name));
	KUNIT_EXPECT_TRUE(test, virgo_enet_name_ok(name, VIRGO_ENET_NAME_MAX));
	KUNIT_EXPECT_FALSE(test, virgo_enet_name_ok(name, VIRGO_ENET_NAME_MAX + 1));
}

static void virgo_test_enet_counts(struct kunit *test)
{
	struct virgo_enet_msg m;
	char line[64];
	size_t total;

	strscpy(line, "EDGE 3 64", sizeof(line));
	KUNIT_ASSERT_EQ(test, virgo_enet_parse_counts(line, &m, &total), 0);
	KUNIT_EXPECT_EQ(test, m.kind, VIRGO_ENET_EDGE);
	KUNIT_EXPECT_EQ(test, total, 67);
	KUNIT_EXPECT_EQ(test, virgo_enet_split_data("a#b", &m), -EINVAL);
	m.len[0] = 1;
	m.len[1] = 3;
	KUNIT_EXPECT_EQ(test, virgo_enet_split_data("ab c", &m), 0);
	KUNIT_EXPECT_EQ(test, m.name[1][1], ' ');
	KUNIT_EXPECT_EQ(test, virgo_enet_split_data("a b ", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_enet_split_data("ab\nc", &m), -EINVAL);

	strscpy(line, "VERTEX 1 2 3", sizeof(line));
	KUNIT_ASSERT_EQ(test, virgo_enet_parse_counts(line, &m, &total), 0);
	KUNIT_EXPECT_EQ(test, total, 6);
	KUNIT_EXPECT_EQ(test, virgo_enet_split_data("eabbcd", &m), 0);
	KUNIT_EXPECT_EQ(test, m.name[2][0], 'b');

	/* A bad length ends the connection: it cannot be skipped. */
	strscpy(line, "EDGE 3 65", sizeof(line));
	KUNIT_EXPECT_EQ(test, virgo_enet_parse_counts(line, &m, &total), -EINVAL);
	strscpy(line, "EDGE 3", sizeof(line));
	KUNIT_EXPECT_EQ(test, virgo_enet_parse_counts(line, &m, &total), -EINVAL);
	strscpy(line, "VERTEX 1 2 -3", sizeof(line));
	KUNIT_EXPECT_EQ(test, virgo_enet_parse_counts(line, &m, &total), -EINVAL);
	strscpy(line, "EDGE 1 18446744073709551617", sizeof(line));
	KUNIT_EXPECT_EQ(test, virgo_enet_parse_counts(line, &m, &total), -EINVAL);
	strscpy(line, "EDGE 1 2 3 4 5 6", sizeof(line));
	KUNIT_EXPECT_EQ(test, virgo_enet_parse_counts(line, &m, &total), -EINVAL);
	strscpy(line, "edge 1 2", sizeof(line));
	KUNIT_EXPECT_EQ(test, virgo_enet_parse_counts(line, &m, &total), -ENOENT);
}

static struct virgo_enet_graph *graph_new(struct kunit *test)
{
	struct virgo_enet_graph *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	virgo_enet_graph_init(g);
	g->max_vertices = 100;
	g->max_edges = 100;
	g->max_convs = 100;
	g->max_bytes = 65536;
	return g;
}

/* Apply the seed message @s. */
static int send(struct virgo_enet_graph *g, const char *s)
{
	struct virgo_enet_msg m;

	return seed(s, &m) ?: virgo_enet_apply(g, &m);
}

/* The files' content as one NUL-terminated string. */
static char *render(struct kunit *test, struct virgo_enet_graph *g)
{
	size_t len = g->vbytes + g->ebytes;
	char *buf = kunit_kzalloc(test, len + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, virgo_enet_render(g, buf, len), len);
	KUNIT_EXPECT_EQ(test, virgo_enet_render(g, buf, len - 1), 0);
	return buf;
}

static void virgo_test_enet_files(struct kunit *test)
{
	struct virgo_enet_graph *g = graph_new(test);

	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#e1#a#b#"), 0);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#e1#e2#"), 0);
	/* A new conversation goes in place; a known partaker is not repeated. */
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#e1#b#c#"), 0);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#e2#c#c#"), 0);
	/* An edge given twice is kept once (1: unchanged); a loop is an edge. */
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#e1#e2#"), 1);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#e3#e3#"), 0);
	KUNIT_EXPECT_STREQ(test, render(test, g),
			   "e1 - a,b,c - (a,b)#(b,c)\n"
			   "e2 - c - (c,c)\n"
			   "e3 -  - \n"
			   "e1,e2\n"
			   "e3,e3\n");
	KUNIT_EXPECT_EQ(test, g->nvertices, 3);
	KUNIT_EXPECT_EQ(test, g->nedges, 2);
	virgo_enet_graph_clear(g);
	KUNIT_EXPECT_EQ(test, g->vbytes + g->ebytes, 0);
}

/* Load the vertex and edge lines of @text into @g; the first error. */
static int load(struct virgo_enet_graph *g, const char *text)
{
	const char *line = text, *nl;
	bool edges = false;
	int ret;

	for (; (nl = strchr(line, '\n')); line = nl + 1) {
		/* Vertex lines hold " - "; the edge lines follow them. */
		edges = edges || !strnstr(line, " - ", nl - line);
		ret = edges ? virgo_enet_load_edge(g, line, nl - line) :
			      virgo_enet_load_vertex(g, line, nl - line);
		if (ret)
			return ret;
	}
	return 0;
}

static void virgo_test_enet_load(struct kunit *test)
{
	static const char text[] = "e1 - a,b,c - (a,b)#(b,c)\n"
				   "e2 - c - (c,c)\n"
				   "e3 -  - \n"
				   "e1,e2\n"
				   "e3,e3\n"
				   "e2,e4\n";
	static const char * const bad[] = {
		"e1\n", "e1 - a\n", "e1 - a - \n", "e1 -  - (a,b)\n",
		"e1 - b,a - (a,b)\n", "e1 - a,b - (a,b)#\n", "e1 - a,b - (a,b)(a,b)\n",
		"e1 - a,b - (ab)\n", "e1 - a,b - (a,b\n", "e1 - a,b - a,b\n",
		"e1 - a - (a,a)\ne1 - a - (a,a)\n", "e-1 -  - \n", "e1 -  - \ne1\n",
		"e1 -  - \ne1,\n", "e1 -  - \n,e1\n", "e1 - a - (a,a)#(a,a) \n",
	};
	struct virgo_enet_graph *g = graph_new(test);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, load(g, text), 0);
	/* An edge's end without a line gets one. */
	KUNIT_EXPECT_STREQ(test, render(test, g),
			   "e1 - a,b,c - (a,b)#(b,c)\n"
			   "e2 - c - (c,c)\n"
			   "e3 -  - \n"
			   "e4 -  - \n"
			   "e1,e2\n"
			   "e3,e3\n"
			   "e2,e4\n");
	virgo_enet_graph_clear(g);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, load(g, bad[i]), -EINVAL, "%s", bad[i]);
		virgo_enet_graph_clear(g);
	}
}

/* The longest names: every line still loads back as it was written. */
static void virgo_test_enet_long(struct kunit *test)
{
	struct virgo_enet_graph *g = graph_new(test);
	struct virgo_enet_msg m = { .kind = VIRGO_ENET_VERTEX };
	char a[VIRGO_ENET_NAME_MAX], b[VIRGO_ENET_NAME_MAX], *text;
	unsigned int i;

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	m.name[0] = a;
	m.name[1] = a;
	m.name[2] = b;
	for (i = 0; i < 3; i++)
		m.len[i] = VIRGO_ENET_NAME_MAX;
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, virgo_enet_apply(g, &m), 0);
	m.kind = VIRGO_ENET_EDGE;
	m.name[1] = b;
	KUNIT_ASSERT_EQ(test, virgo_enet_apply(g, &m), 0);
	text = render(test, g);
	/* 64 + " - " + 129 + " - " + 3 x 131 + 2 "#" + "\n", and the edge's. */
	KUNIT_EXPECT_EQ(test, g->vbytes, 64 + 3 + 129 + 3 + 3 * 131 + 2 + 1 + 64 + 7);
	virgo_enet_graph_clear(g);
	KUNIT_EXPECT_EQ(test, load(g, text), 0);
	KUNIT_EXPECT_STREQ(test, render(test, g), text);
	virgo_enet_graph_clear(g);
}

static void virgo_test_enet_caps(struct kunit *test)
{
	struct virgo_enet_graph *g = graph_new(test);
	char *before;
	char msg[64];
	unsigned int i;

	g->max_vertices = 3;
	g->max_edges = 2;
	g->max_convs = 2;
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#a#b#"), 0);
	/* Two new vertices where one fits: nothing changes. */
	before = render(test, g);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#c#d#"), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, render(test, g), before);
	KUNIT_EXPECT_EQ(test, g->nvertices, 2);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#b#c#"), 0);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#c#a#"), -ENOSPC);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#d#x#y"), -ENOSPC);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#a#x#y"), 0);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#a#x#y"), 0);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#a#x#y"), -ENOSPC);
	/* Partakers of one vertex. */
	g->max_convs = 100;
	for (i = 0; i < VIRGO_ENET_PARTAKERS; i++) {
		snprintf(msg, sizeof(msg), "eventnet_vertexmsg#b#p%u#p%u", i, i);
		KUNIT_EXPECT_EQ_MSG(test, send(g, msg), 0, "%s", msg);
	}
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#b#p0#q"), -ENOSPC);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#b#p0#p1"), 0);
	/* Bytes: the files never pass max_bytes. */
	before = render(test, g);
	g->max_bytes = g->vbytes + g->ebytes + 5;
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_vertexmsg#c#p0#p1"), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, render(test, g), before);
	KUNIT_EXPECT_EQ(test, send(g, "eventnet_edgemsg#a#b"), 1);
	KUNIT_EXPECT_LE(test, g->vbytes + g->ebytes, g->max_bytes);
	virgo_enet_graph_clear(g);
}

/* The log's ring: bounded, first in first out, stamped in order. */
static void virgo_test_enet_ring(struct kunit *test)
{
	struct virgo_enet_ring *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct virgo_event ev = { .op = "malloc", .peer = 2 };
	struct virgo_enet_event e;
	unsigned int i, in = 0, dropped = 0, len;
	u64 t, prev = 0;

	KUNIT_ASSERT_NOT_NULL(test, r);
	spin_lock_init(&r->lock);
	for (i = 0; i < 300; i++) {
		t = virgo_enet_ring_push(r, &ev, 1, 256, &len);
		/* Stamped as it comes, dropped or not: the clock's order. */
		KUNIT_EXPECT_GT(test, t, prev);
		prev = t;
		/* The ring's length with the event: the worker's cue. */
		KUNIT_EXPECT_EQ(test, len, i < 256 ? i + 1 : 0);
		if (len)
			in++;
		else
			dropped++;
	}
	KUNIT_EXPECT_EQ(test, in, 256);
	KUNIT_EXPECT_EQ(test, dropped, 44);
	for (prev = 0, i = 0; virgo_enet_ring_pop(r, &e); i++) {
		KUNIT_EXPECT_GT(test, e.time, prev);
		prev = e.time;
		KUNIT_EXPECT_STREQ(test, e.op, "malloc");
		KUNIT_EXPECT_EQ(test, e.node, 1);
		KUNIT_EXPECT_EQ(test, e.peer, 2);
	}
	KUNIT_EXPECT_EQ(test, i, 256);

	/* A smaller cap; a time given is kept; a long op is cut. */
	ev.op = "an-op-longer-than-fifteen";
	ev.time = 42;
	ev.served = true;
	for (in = 0, i = 0; i < 20; i++) {
		KUNIT_EXPECT_EQ(test, virgo_enet_ring_push(r, &ev, 3, 8, &len), 42);
		in += !!len;
	}
	KUNIT_EXPECT_EQ(test, in, 8);
	KUNIT_ASSERT_TRUE(test, virgo_enet_ring_pop(r, &e));
	KUNIT_EXPECT_STREQ(test, e.op, "an-op-longer-th");
	KUNIT_EXPECT_TRUE(test, e.served);
	while (virgo_enet_ring_pop(r, &e))
		;

	/* Around the end of the array, and past any cap above it. */
	ev.time = 0;
	for (i = 0; i < 3 * VIRGO_ENET_RING; i++) {
		virgo_enet_ring_push(r, &ev, 1, 2 * VIRGO_ENET_RING, &len);
		KUNIT_EXPECT_EQ(test, len, 1);
		KUNIT_EXPECT_TRUE(test, virgo_enet_ring_pop(r, &e));
	}
	for (in = 0, i = 0; i < VIRGO_ENET_RING + 5; i++) {
		virgo_enet_ring_push(r, &ev, 1, 2 * VIRGO_ENET_RING, &len);
		in += !!len;
	}
	KUNIT_EXPECT_EQ(test, in, VIRGO_ENET_RING);
}

/* next(): the messages of @payload (a string), or the first error. */
static int next_all(const char *payload, size_t len, struct virgo_enet_msg *msgs,
		    unsigned int max, unsigned int *n)
{
	size_t left = len;
	int ret = 0;

	for (*n = 0; left && *n < max && !ret; (*n)++)
		ret = virgo_enet_next(&payload, &left, &msgs[*n]);
	return ret;
}

#define BATCH(s) next_all(s, sizeof(s) - 1, m, ARRAY_SIZE(m), &n)

/* A BATCH's payload: the binary-safe messages, encoded and read back. */
static void virgo_test_enet_batch(struct kunit *test)
{
	char buf[256], big[70];
	struct virgo_enet_msg in = {
		.kind = VIRGO_ENET_VERTEX,
		.name = { "clone@1.7", "node 1", "a b" },
		.len = { 9, 6, 3 },
	}, m[4];
	size_t len, left;
	unsigned int n;

	len = virgo_enet_encode(buf, sizeof(buf), &in);
	KUNIT_EXPECT_EQ(test, len, 32);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "VERTEX 9 6 3\nclone@1.7node 1a b\n", 32), 0);
	in = (struct virgo_enet_msg) { .kind = VIRGO_ENET_EDGE, .name = { "x", "clone@1.7" },
				       .len = { 1, 9 } };
	len += virgo_enet_encode(buf + len, sizeof(buf) - len, &in);
	KUNIT_EXPECT_EQ(test, len, 32 + 20);
	/* Exactly the room it needs, and no less. */
	KUNIT_EXPECT_EQ(test, virgo_enet_encode(big, 20, &in), 20);
	KUNIT_EXPECT_EQ(test, virgo_enet_encode(big, 19, &in), 0);

	KUNIT_ASSERT_EQ(test, next_all(buf, len, m, ARRAY_SIZE(m), &n), 0);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, m[0].kind, VIRGO_ENET_VERTEX);
	KUNIT_EXPECT_EQ(test, m[0].len[1], 6);
	KUNIT_EXPECT_EQ(test, memcmp(m[0].name[2], "a b", 3), 0);
	KUNIT_EXPECT_EQ(test, m[1].kind, VIRGO_ENET_EDGE);
	KUNIT_EXPECT_EQ(test, memcmp(m[1].name[1], "clone@1.7", 9), 0);

	/* Every prefix that cuts a message short is refused. */
	for (left = 1; left < len; left++)
		if (left != 32)		/* the first message whole */
			KUNIT_EXPECT_NE(test, next_all(buf, left, m, ARRAY_SIZE(m), &n), 0);

	/* Hostile payloads. */
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\nab"), -EINVAL);	/* no line end */
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\nabX"), -EINVAL);	/* not a line end */
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\nab\r\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\0x\nab\n"), -EINVAL);	/* a NUL in the line */
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1\na\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 65\na\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("EDGE -1 1\nab\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\na,\n"), -EINVAL);	/* a bad name */
	KUNIT_EXPECT_EQ(test, BATCH("DUMP\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("BATCH 9\nEDGE 1 1\nab\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("eventnet_edgemsg#a#b\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("\n"), -EINVAL);
	/* Bytes after a whole message that are not one. */
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\nab\nX"), -EINVAL);
	KUNIT_EXPECT_EQ(test, n, 2);
	/* A line longer than any message's: no line end looked for past it. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "EDGE 1 1", 8);
	big[sizeof(big) - 4] = '\n';
	big[sizeof(big) - 3] = 'a';
	big[sizeof(big) - 2] = 'b';
	big[sizeof(big) - 1] = '\n';
	KUNIT_EXPECT_EQ(test, next_all(big, sizeof(big), m, ARRAY_SIZE(m), &n), -EINVAL);
	KUNIT_EXPECT_EQ(test, BATCH("EDGE 1 1\nab\nEDGE 1 1\nab\n"), 0);
	KUNIT_EXPECT_EQ(test, n, 2);
}

static struct kunit_case virgo_eventnet_cases[] = {
	KUNIT_CASE(virgo_test_enet_seed),
	KUNIT_CASE(virgo_test_enet_names),
	KUNIT_CASE(virgo_test_enet_counts),
	KUNIT_CASE(virgo_test_enet_files),
	KUNIT_CASE(virgo_test_enet_load),
	KUNIT_CASE(virgo_test_enet_long),
	KUNIT_CASE(virgo_test_enet_caps),
	KUNIT_CASE(virgo_test_enet_ring),
	KUNIT_CASE(virgo_test_enet_batch),
	{}
};

static struct kunit_suite virgo_eventnet_suite = {
	.name = "virgo_eventnet",
	.test_cases = virgo_eventnet_cases,
};

kunit_test_suite(virgo_eventnet_suite);
