/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO EventNet - the cluster's event graph: the service on
 * VIRGO_PORT_EVENTNET and the AsFer-readable files it keeps.
 */
#ifndef _VIRGO_EVENTNET_H
#define _VIRGO_EVENTNET_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/spinlock.h>
#include "../core/core.h"

#define VIRGO_ENET_EDGES	"EventNetEdges.txt"
#define VIRGO_ENET_VERTICES	"EventNetVertices.txt"
#define VIRGO_ENET_DIR_DEFAULT	"/var/log/eventnet"
#define VIRGO_ENET_DIR_MAX	256
#define VIRGO_ENET_NAME_MAX	64	/* bytes in a vertex or partaker name */
#define VIRGO_ENET_PARTAKERS	32	/* partakers of one vertex */
#define VIRGO_ENET_MSG_MAX	512	/* longest message line */
/* Both files together, at most: a DUMP sends them in one payload. */
#define VIRGO_ENET_KB_MAX	(VIRGO_PAYLOAD_MAX / 1024)
/* The largest caps configfs takes; what the files hold loads under them. */
#define VIRGO_ENET_VERTICES_MAX	65536
#define VIRGO_ENET_EDGES_MAX	262144
#define VIRGO_ENET_CONVS_MAX	4096
#define VIRGO_ENET_RING		1024	/* events waiting for the worker, at most */
#define VIRGO_ENET_BATCH	64	/* events the worker sends at once */
#define VIRGO_ENET_DELAY_MS	100	/* the worker waits this long for more */
#define VIRGO_ENET_HEAD_MAX	32	/* a binary-safe message's line, at most */
/* A BATCH payload, at most: VIRGO_ENET_BATCH events of 3 messages fit. */
#define VIRGO_ENET_BATCH_MAX	(64 * 1024)
#define VIRGO_ENET_FLUSH_MAX	60000	/* ms: configfs eventnet/flush_ms */

/* ------------------------------------------------------------ messages */

enum virgo_enet_kind {
	VIRGO_ENET_EDGE,	/* name[0] -> name[1] */
	VIRGO_ENET_VERTEX,	/* vertex name[0], conversation (name[1],name[2]) */
};

/**
 * struct virgo_enet_msg - one parsed message
 * @kind: edge or vertex
 * @name: its names, not NUL-terminated; 2 for an edge, 3 for a vertex
 * @len: their lengths
 */
struct virgo_enet_msg {
	enum virgo_enet_kind kind;
	const char *name[3];
	size_t len[3];
};

static inline unsigned int virgo_enet_names(enum virgo_enet_kind kind)
{
	return kind == VIRGO_ENET_EDGE ? 2 : 3;
}

bool virgo_enet_name_ok(const char *name, size_t len);
int virgo_enet_parse_seed(const char *line, size_t len, struct virgo_enet_msg *msg);
int virgo_enet_parse_counts(char *line, struct virgo_enet_msg *msg, size_t *total);
int virgo_enet_split_data(const char *data, struct virgo_enet_msg *msg);
size_t virgo_enet_encode(char *buf, size_t size, const struct virgo_enet_msg *msg);
int virgo_enet_next(const char **data, size_t *left, struct virgo_enet_msg *msg);

/* ------------------------------------------------------------ graph */

/**
 * struct virgo_enet_vertex - one event and what it says
 * @hash: in the graph's vertex table
 * @entry: in the graph's vertex list, in order of creation
 * @parts: its partakers, comma-separated ("a,b"); not NUL-terminated
 * @parts_len: its length
 * @nparts: how many
 * @convs: its conversations, "(a,b)#(c,d)"; not NUL-terminated
 * @convs_len: its length
 * @nconvs: how many
 * @name_len: the name's length
 * @name: the name, NUL-terminated
 */
struct virgo_enet_vertex {
	struct hlist_node hash;
	struct list_head entry;
	char *parts;
	size_t parts_len;
	unsigned int nparts;
	char *convs;
	size_t convs_len;
	unsigned int nconvs;
	size_t name_len;
	char name[];
};

struct virgo_enet_edge {
	struct hlist_node hash;
	struct list_head entry;
	struct virgo_enet_vertex *from;
	struct virgo_enet_vertex *to;
};

/**
 * struct virgo_enet_graph - the graph, in memory as in its files
 * @vertices: the vertices by name
 * @edges: the edges by their ends
 * @vlist: the vertices in order of creation: the vertex file's order
 * @elist: the edges in order of creation: the edge file's order
 * @nvertices: how many vertices
 * @nedges: how many edges
 * @vbytes: the vertex file's size
 * @ebytes: the edge file's size
 * @max_vertices: caps, checked before anything changes
 * @max_edges: ...
 * @max_convs: conversations of one vertex
 * @max_bytes: both files together
 */
struct virgo_enet_graph {
	DECLARE_HASHTABLE(vertices, 10);
	DECLARE_HASHTABLE(edges, 10);
	struct list_head vlist;
	struct list_head elist;
	unsigned int nvertices;
	unsigned int nedges;
	size_t vbytes;
	size_t ebytes;
	unsigned int max_vertices;
	unsigned int max_edges;
	unsigned int max_convs;
	size_t max_bytes;
};

void virgo_enet_graph_init(struct virgo_enet_graph *g);
void virgo_enet_graph_clear(struct virgo_enet_graph *g);
int virgo_enet_apply(struct virgo_enet_graph *g, const struct virgo_enet_msg *msg);
size_t virgo_enet_render(const struct virgo_enet_graph *g, char *buf, size_t size);
int virgo_enet_load_vertex(struct virgo_enet_graph *g, const char *line, size_t len);
int virgo_enet_load_edge(struct virgo_enet_graph *g, const char *line, size_t len);

/* ------------------------------------------------------------ the store */

/**
 * struct virgo_eventnet - this node's EventNet
 * @lock: protects everything below but the files
 * @graph: the graph
 * @open: the files are in @dir
 * @dir: their directory
 * @gen: changes made to @graph
 * @write_lock: serialises writing the files
 * @written: of @gen, those in the files (under @write_lock)
 * @messages: messages applied
 * @refused: messages refused
 * @write_errors: failed writes of the files
 */
struct virgo_eventnet {
	struct mutex lock;
	struct virgo_enet_graph graph;
	bool open;
	struct path dir;
	u64 gen;
	struct mutex write_lock;
	u64 written;
	u64 messages;
	u64 refused;
	u64 write_errors;
};

extern struct virgo_eventnet virgo_eventnet;

/* Configfs settings. */
struct virgo_enet_settings {
	char dir[VIRGO_ENET_DIR_MAX];
	unsigned int max_vertices;
	unsigned int max_edges;
	unsigned int max_convs;
	unsigned int max_kb;
	u32 collector;
	u32 queue_len;
	u32 flush_ms;
};

extern struct virgo_enet_settings virgo_enet_set;

int virgo_eventnet_open(const char *dirname);
int virgo_eventnet_submit(const struct virgo_enet_msg *msg);
int virgo_eventnet_apply(const struct virgo_enet_msg *msg, u64 *gen);
int virgo_eventnet_commit(u64 gen);
int virgo_eventnet_batch(const char *data, size_t len, unsigned int *refused);
void virgo_eventnet_flush_later(void);
int virgo_eventnet_dump(void **buf, size_t *len, size_t *vbytes);
void virgo_eventnet_refused(void);
int virgo_eventnet_show(char *page, size_t size);
int virgo_eventnet_log_show(char *page, size_t size);
int virgo_enet_config_init(void);
void virgo_enet_config_exit(void);
int virgo_enet_service_init(void);
int virgo_enet_log_init(void);
extern struct workqueue_struct *virgo_enet_wq;

/* ------------------------------------------------------------ the log */

struct virgo_enet_event {
	char op[VIRGO_EVENT_OP_MAX + 1];
	u32 node;
	u32 peer;
	u64 time;
	u64 cause;
	bool served;
};

/* Events waiting for the worker, oldest at @head. */
struct virgo_enet_ring {
	spinlock_t lock;	/* protects head, len, ring */
	unsigned int head;
	unsigned int len;
	struct virgo_enet_event ring[VIRGO_ENET_RING];
};

u64 virgo_enet_ring_push(struct virgo_enet_ring *r, const struct virgo_event *ev,
			 u32 node, unsigned int cap, unsigned int *len);
bool virgo_enet_ring_pop(struct virgo_enet_ring *r, struct virgo_enet_event *e);
extern atomic_t virgo_enet_chain_gen;

#endif /* _VIRGO_EVENTNET_H */
