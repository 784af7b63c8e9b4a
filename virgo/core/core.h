/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO core - what the core offers the components
 *
 * Node table, service layer (listen, accept, framing, peer check,
 * authentication), client layer (virgo_call) and load balancer. Every
 * component uses these and writes no socket loop, parser or config
 * reader of its own.
 */
#ifndef _VIRGO_CORE_H
#define _VIRGO_CORE_H

#include <linux/bits.h>
#include <linux/in.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/stdarg.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/virgo.h>

#define VIRGO_MAX_NODES		64	/* node ids are 1..VIRGO_MAX_NODES */
#define VIRGO_LINE_MAX		4096	/* longest request or reply line */
#define VIRGO_PAYLOAD_MAX	BIT(20)	/* longest length-prefixed payload */

/* ------------------------------------------------------------ framing */

/**
 * struct virgo_linebuf - bytes received and not yet consumed
 * @buf: the bytes; one more than VIRGO_LINE_MAX for the terminating NUL
 * @start: first unconsumed byte
 * @end: one past the last received byte
 */
struct virgo_linebuf {
	char buf[VIRGO_LINE_MAX + 1];
	size_t start;
	size_t end;
};

void virgo_linebuf_init(struct virgo_linebuf *lb);
int virgo_linebuf_take(struct virgo_linebuf *lb, char **line, size_t *len);
size_t virgo_linebuf_room(struct virgo_linebuf *lb, char **where);
void virgo_linebuf_fill(struct virgo_linebuf *lb, size_t n);
size_t virgo_linebuf_take_bytes(struct virgo_linebuf *lb, void *dst, size_t n);
int virgo_parse_u64(const char *s, u64 max, u64 *val);
int virgo_split_words(char *line, char **words, int max);
bool virgo_seed_call(char *line, const char *op, char **args);

/* ------------------------------------------------------------ sockets */

/**
 * struct virgo_frames - the protection of a keyed connection (frame.c)
 * @tx_key: session key of what we send
 * @rx_key: session key of what we receive
 * @tx_seq: sequence number of the next frame sent
 * @rx_seq: sequence number the next frame received must have
 * @tx: VIRGO_FRAME_SIZE bytes to seal a frame in
 * @rx: VIRGO_FRAME_SIZE bytes to receive and open frames in
 * @raw_used: bytes of @rx that the current frame takes
 * @raw_end: bytes received into @rx (the current frame, then the start
 *	of the next ones)
 * @rx_start: first data byte of @rx not yet taken
 * @rx_end: one past its last data byte
 * @eof: the peer's close frame came: the end of the stream, authenticated
 */
struct virgo_frames {
	u8 tx_key[VIRGO_AUTH_NONCE];
	u8 rx_key[VIRGO_AUTH_NONCE];
	u64 tx_seq;
	u64 rx_seq;
	u8 *tx;
	u8 *rx;
	size_t raw_used;
	size_t raw_end;
	size_t rx_start;
	size_t rx_end;
	bool eof;
};

/**
 * struct virgo_sock - a connected TCP socket with its receive buffer
 * @sock: the kernel socket
 * @fr: frame protection; NULL for clear text (lab mode, the handshake)
 * @deadline: when not 0, jiffies by which every read must be done, in
 *	place of the socket's receive timeout
 * @lb: received bytes not yet consumed
 * @rx_bytes: bytes received on the socket, frames' heads and tags too
 * @tx_bytes: and sent
 * @rx_time: the Lamport time of the last frame received (0: none, as in
 *	lab mode)
 * @next_time: when not 0, the Lamport time the next write's first frame
 *	carries, stamped already (a traced request's event); then 0
 * @read_bytes: bytes consumed: lines (with their ends) and payloads
 */
struct virgo_sock {
	struct socket *sock;
	struct virgo_frames *fr;
	unsigned long deadline;
	struct virgo_linebuf lb;
	u64 rx_bytes;
	u64 tx_bytes;
	u64 rx_time;
	u64 next_time;
	u64 read_bytes;
};

int virgo_sock_read_line(struct virgo_sock *vs, char **line, size_t *len);
int virgo_sock_read_exact(struct virgo_sock *vs, void *buf, size_t len);
int virgo_sock_write(struct virgo_sock *vs, const void *buf, size_t len);
int virgo_sock_writev(struct virgo_sock *vs, struct kvec *iov, unsigned int n);
__printf(2, 3) int virgo_sock_printf(struct virgo_sock *vs, const char *fmt, ...);
__printf(2, 0) int virgo_sock_vprintf(struct virgo_sock *vs, const char *fmt, va_list args);
void virgo_sock_set_timeout(struct virgo_sock *vs, unsigned int ms);
int virgo_sock_protect(struct virgo_sock *vs, const u8 *tx_key, const u8 *rx_key);
bool virgo_sock_pending(struct virgo_sock *vs);
void virgo_sock_send_close(struct virgo_sock *vs);
void virgo_sock_close(struct virgo_sock *vs);

size_t virgo_frame_seal(u8 *frame, size_t len, u64 seq, u64 time,
			const u8 key[VIRGO_AUTH_NONCE]);
int virgo_frame_body(const u8 *head);
u64 virgo_frame_time(const u8 *head);
int virgo_frame_open(u8 *frame, size_t body, u64 seq,
		     const u8 key[VIRGO_AUTH_NONCE]);

/* ------------------------------------------------------------ auth */

/**
 * struct virgo_transcript - what a handshake's proofs and keys are bound to
 * @label: VIRGO_AUTH_LABEL, without its NUL
 * @port: the service's port
 * @server_id: the server's node id
 * @client_id: the client's node id
 * @server_nonce: the server's fresh random nonce
 * @client_nonce: the client's
 *
 * Big-endian numbers, no padding: 87 bytes that userspace (libvirgo)
 * builds the same way.
 */
struct virgo_transcript {
	char label[sizeof(VIRGO_AUTH_LABEL) - 1];
	__be16 port;
	__be32 server_id;
	__be32 client_id;
	u8 server_nonce[VIRGO_AUTH_NONCE];
	u8 client_nonce[VIRGO_AUTH_NONCE];
} __packed;

/**
 * struct virgo_secrets - what a transcript and the cluster key give
 * @server_proof: the server's proof
 * @client_proof: the client's proof
 * @c2s: session key of the frames the client sends
 * @s2c: session key of the frames the server sends
 */
struct virgo_secrets {
	u8 server_proof[VIRGO_AUTH_NONCE];
	u8 client_proof[VIRGO_AUTH_NONCE];
	u8 c2s[VIRGO_AUTH_NONCE];
	u8 s2c[VIRGO_AUTH_NONCE];
};

int virgo_auth_init(void);
void virgo_auth_exit(void);
int virgo_auth_set_key(const u8 *key, size_t len);
bool virgo_auth_enabled(void);
u64 virgo_auth_gen(void);
int virgo_auth_derive(const u8 *key, size_t key_len,
		      const struct virgo_transcript *t, struct virgo_secrets *s);
int virgo_auth_server(struct virgo_sock *vs, u16 port, u32 client_id,
		      int (*admit)(void *arg), void *arg);
int virgo_auth_client(struct virgo_sock *vs, u16 port, u32 server_id);

/* ------------------------------------------------------------ nodes */

enum virgo_node_state {
	VIRGO_NODE_UNKNOWN,	/* configured, not heard from yet */
	VIRGO_NODE_UP,
	VIRGO_NODE_SUSPECT,	/* missed answers for VIRGO_SUSPECT_MS */
	VIRGO_NODE_DOWN,	/* missed answers for VIRGO_DOWN_MS */
};

/* How often a node polls each peer, and when silence makes it suspect/down. */
#define VIRGO_POLL_MS		1000
#define VIRGO_CALL_TIMEOUT_MS	1000
#define VIRGO_SUSPECT_MS	3000
#define VIRGO_DOWN_MS		6000
#define VIRGO_BACKOFF_MIN_MS	100	/* reconnect backoff doubles from... */
#define VIRGO_BACKOFF_MAX_MS	1600	/* ...up to this */

/**
 * struct virgo_load - one node's load report
 * @runq: runnable tasks
 * @load1: 1-minute load average, in hundredths
 * @freemem_kb: free memory in KiB
 */
struct virgo_load {
	u32 runq;
	u32 load1;
	u64 freemem_kb;
};

/**
 * struct virgo_node - one node of the cluster
 * @id: 1..VIRGO_MAX_NODES, the same on every node
 * @addr: IPv4 address, network order
 * @client: the load balancer may choose this node
 * @ref: held by the table and by every user outside its lock
 * @lock: protects the dynamic fields below
 * @state: enum virgo_node_state
 * @load: last load report
 * @rtt_us: round-trip time of the last poll
 * @last_seen: jiffies of the last answer
 * @pool: idle client connections to this node (struct virgo_pconn)
 * @pool_len: how many are idle
 * @retry_at: jiffies before which no new connection is tried
 * @backoff_ms: the current wait after a failed connect
 * @connect_err: why the last connect failed
 * @poll_work: the periodic liveness and load poll
 */
struct virgo_node {
	u32 id;
	__be32 addr;
	bool client;
	struct kref ref;

	spinlock_t lock;	/* protects state..connect_err */
	enum virgo_node_state state;
	struct virgo_load load;
	u32 rtt_us;
	unsigned long last_seen;
	struct list_head pool;
	unsigned int pool_len;
	unsigned long retry_at;
	unsigned int backoff_ms;
	int connect_err;

	struct delayed_work poll_work;
};

struct virgo_candidate;
struct config_group;

extern struct workqueue_struct *virgo_wq;

int virgo_nodes_init(void);
void virgo_nodes_exit(void);
struct virgo_node *virgo_node_create(u32 id);
int virgo_node_set_addr(struct virgo_node *node, __be32 addr);
void virgo_node_remove(struct virgo_node *node);
struct virgo_node *virgo_node_get(u32 id);
void virgo_node_put(struct virgo_node *node);
bool virgo_node_addr_known(__be32 addr);
u32 virgo_node_id_by_addr(__be32 addr);
bool virgo_node_addr_is_local(__be32 addr);
void virgo_nodes_drain_pools(void);
bool virgo_node_addr_up(__be32 addr);
unsigned int virgo_nodes_snapshot(struct virgo_candidate *cands);
void virgo_pool_drain(struct virgo_node *node);
struct seq_file;
void virgo_pool_show(struct seq_file *m, struct virgo_node *node);
void virgo_nodes_show_pools(struct seq_file *m);
void virgo_node_failed(struct virgo_node *node);
u32 virgo_local_id(void);
int virgo_set_local_id(u32 id);
void virgo_local_load(struct virgo_load *load);
const char *virgo_node_state_name(enum virgo_node_state state);

/* ------------------------------------------------------------ services */

struct virgo_conn;

/**
 * struct virgo_service_ops - what a service does with a connection
 * @line: handle one request line (NUL-terminated, without the newline);
 *	reply with virgo_conn_*; a negative return closes the connection
 * @plain_peer: optional: is @addr (the client's own address) one the
 *	operator lists for clients that cannot authenticate? Its connections
 *	skip the handshake even in a keyed cluster, and come from outside the
 *	node table (a member's address is never plain; in lab mode, neither
 *	is loopback). They are marked conn->plain, counted apart from the
 *	members' (at most half the service's connections, max_per_peer per
 *	address), and the service serves them only what such clients may
 *	have. Called under the service's mutex.
 */
struct virgo_service_ops {
	int (*line)(struct virgo_conn *conn, char *line, size_t len);
	bool (*plain_peer)(__be32 addr);
};

/**
 * struct virgo_service - a TCP service on every node
 * @name: short name, for logs and the CLI
 * @port: TCP port
 * @max_conns: connections at once (0: VIRGO_DEFAULT_CONNS)
 * @max_per_peer: of them, from one peer (0: VIRGO_CONNS_PER_PEER)
 * @ops: the service's handlers
 *
 * The rest is the core's.
 */
struct virgo_service {
	const char *name;
	u16 port;
	unsigned int max_conns;
	unsigned int max_per_peer;
	const struct virgo_service_ops *ops;

	/* private to the core */
	struct list_head node;
	struct socket *listener;
	struct work_struct accept_work;
	struct list_head conns;
	struct mutex lock;	/* protects conns, nconns, nhandshake, stopping */
	unsigned int nconns;
	unsigned int nhandshake;
	bool stopping;
	spinlock_t live_lock;	/* protects live; a worker's last touch */
	unsigned int live;
	wait_queue_head_t drained;
};

#define VIRGO_DEFAULT_CONNS	64	/* authenticated connections... */
#define VIRGO_CONNS_PER_PEER	16	/* ...and of them, from one peer */
#define VIRGO_HANDSHAKE_CONNS	32	/* connections in the handshake... */
#define VIRGO_HANDSHAKE_PER_PEER 4	/* ...and of them, from one peer */
#define VIRGO_AUTH_TIMEOUT_MS	5000	/* for the whole handshake */
#define VIRGO_IDLE_MS		60000	/* default idle_ms: without a request */

/* configfs idle_ms; a pooled client connection idles half of it at most */
extern unsigned int virgo_idle_ms;

/**
 * struct virgo_conn - one accepted connection
 * @vs: its socket and buffer
 * @svc: the service it belongs to
 * @peer: the peer's address, network order
 * @addr: the peer's own address (@peer is the key it is counted under:
 *	loopback for every local address)
 * @authed: past the handshake: counted in nconns, not in nhandshake
 * @plain: a client of ops->plain_peer(): no handshake, clear text
 * @revoked: closed by revocation, eviction or stop: serve nothing more
 * @status: the errno of the last ERROR answered to the request being
 *	served (for the virgo_request tracepoint); 0 if none
 * @op: what the request being served is, for EventNet's trace
 *	(virgo_conn_trace()); NULL: not traced
 * @since: jiffies when it was accepted
 * @work: runs the connection
 * @entry: in svc->conns
 */
struct virgo_conn {
	struct virgo_sock vs;
	struct virgo_service *svc;
	__be32 peer;
	__be32 addr;
	bool authed;
	bool plain;
	bool revoked;
	int status;
	const char *op;
	unsigned long since;
	struct work_struct work;
	struct list_head entry;
};

int virgo_service_register(struct virgo_service *svc);
void virgo_service_unregister(struct virgo_service *svc);
int virgo_services_set_listening(bool on);
void virgo_services_revoke(__be32 addr);
void virgo_service_revoke_plain(struct virgo_service *svc);
bool virgo_services_listening(void);
void virgo_services_show(struct seq_file *m);
__printf(2, 3) int virgo_conn_printf(struct virgo_conn *conn, const char *fmt, ...);
int virgo_conn_error(struct virgo_conn *conn, int err, const char *text);
int virgo_conn_read_data(struct virgo_conn *conn, void *buf, size_t len);
int virgo_conn_read_part(struct virgo_conn *conn, void *buf, size_t len);
int virgo_conn_skip_data(struct virgo_conn *conn, size_t len);
bool virgo_conn_stopping(struct virgo_conn *conn);

/*
 * The request @conn serves is @op ("malloc", "clone"...): with EventNet's
 * trace on, it becomes an event, joined to the caller's.
 */
static inline void virgo_conn_trace(struct virgo_conn *conn, const char *op)
{
	conn->op = op;
}
bool virgo_conn_peer_gone(struct virgo_conn *conn);
__printf(4, 5) int virgo_conn_send_data(struct virgo_conn *conn, const void *data,
					size_t len, const char *fmt, ...);

/* ------------------------------------------------------------ client */

/**
 * struct virgo_request - one exchange with a node's service
 * @line: the request line, without the newline
 * @data: when not NULL, @data_len payload bytes sent after the line, then
 *	a newline; the line itself says how many (the service's syntax)
 * @data_len: how many
 * @reply: set to the reply line, NUL-terminated, without the newline
 * @reply_len: room in @reply
 * @rdata: room for the payload of a "DATA <n> ..." reply
 * @rdata_max: its size; a longer payload fails the call with -EMSGSIZE
 * @rdata_len: out: the payload's length (0 for other replies)
 * @timeout_ms: how long to wait for the reply; 0: VIRGO_CALL_TIMEOUT_MS
 * @retry: the request may run twice: when a pooled connection fails, it is
 *	sent again on a new one
 * @sent: out: the request was handed to a connection; when false after
 *	an error the node never saw it, so another node may be asked
 * @op: what the request is ("malloc", "clone"...), for EventNet's trace:
 *	with the trace on, a request answered becomes an event; NULL: not
 *	traced
 * @time: out: the Lamport time of the traced request's event, which its
 *	first frame carries; 0 when it is not traced
 */
struct virgo_request {
	const char *line;
	const void *data;
	size_t data_len;
	char *reply;
	size_t reply_len;
	void *rdata;
	size_t rdata_max;
	size_t rdata_len;
	unsigned int timeout_ms;
	bool retry;
	bool sent;
	const char *op;
	u64 time;
};

int virgo_call(u32 node_id, u16 port, const char *request,
	       char *reply, size_t reply_len);
int virgo_call_request(u32 node_id, u16 port, struct virgo_request *req);
int virgo_call_status(u32 node_id, u16 port, struct virgo_request *req);
bool virgo_caller_permitted(u32 gid);
struct cred;
int virgo_cred_unprivileged(struct cred *cred, kuid_t uid, kgid_t gid);
void virgo_node_unreachable(u32 node_id);

/* ------------------------------------------------------------ balancer */

enum virgo_policy {
	VIRGO_POLICY_PRG,		/* uniform pseudo-random choice */
	VIRGO_POLICY_LEAST_LOADED,
	VIRGO_POLICY_ROUND_ROBIN,
	VIRGO_POLICY_COUNT,
};

/**
 * struct virgo_candidate - what the balancer knows of a node
 * @id: node id
 * @up: may be chosen
 * @load: its last load report
 */
struct virgo_candidate {
	u32 id;
	bool up;
	struct virgo_load load;
	u32 weight;	/* prg's share; when every up node's is 0, equal shares */
};

#define VIRGO_WEIGHT_MAX	1000	/* analytics balancer.weight.<id> */

int virgo_balancer_choose(enum virgo_policy policy,
			  const struct virgo_candidate *cands, unsigned int n,
			  u32 random, unsigned int *rr_cursor);
int virgo_balancer_pick(void);
enum virgo_policy virgo_balancer_policy(void);
void virgo_balancer_set_policy(enum virgo_policy policy);
u32 virgo_balancer_weight(u32 id);
int virgo_balancer_analytics_init(void);
const char *virgo_policy_name(enum virgo_policy policy);
int virgo_policy_parse(const char *name);

/* ------------------------------------------------------------ config */

int virgo_config_init(void);
void virgo_config_exit(void);
int virgo_config_register_group(struct config_group *group);
int virgo_config_parse(const char *page, u64 min, u64 max, u64 *val);
void virgo_config_unregister_group(struct config_group *group);

/*
 * A configfs attribute <prefix><name> for the u32 @var: it shows the value
 * and stores what virgo_config_parse() accepts, @min to @max.
 */
#define VIRGO_CONFIG_U32_ATTR(prefix, name, var, min, max)			\
static ssize_t prefix##name##_show(struct config_item *item, char *page)	\
{										\
	return sprintf(page, "%u\n", READ_ONCE(var));				\
}										\
static ssize_t prefix##name##_store(struct config_item *item,			\
				    const char *page, size_t len)		\
{										\
	u64 v;									\
	int ret = virgo_config_parse(page, min, max, &v);			\
										\
	if (ret)								\
		return ret;							\
	WRITE_ONCE(var, v);							\
	return len;								\
}										\
CONFIGFS_ATTR(prefix, name)

/* ------------------------------------------------------------ clock */

/* Where the clock stops: S64_MAX, so that a time prints the same signed. */
#define VIRGO_CLOCK_MAX		((u64)S64_MAX)

u64 virgo_clock_now(void);
u64 virgo_clock_stamp(void);
u64 virgo_clock_merge(u64 seen);
u64 virgo_clock_next(u64 cur, u64 seen);

/* errno name for ERROR lines ("EINVAL"), or "EIO" for unknown ones */
const char *virgo_errno_name(int err);
int virgo_errno_parse(const char *name);
int virgo_reply_error(const char *reply);

/* ------------------------------------------------------------ system calls */

/*
 * VIRGO_SYSCALL_DEFINEn(name, type, arg, ...): SYSCALL_DEFINEn, with the
 * tracepoints virgo_syscall_enter (the call and its first two arguments)
 * and virgo_syscall_exit (its result) around the body that follows. The
 * file includes <trace/events/virgo.h>.
 */
#define VIRGO_TRACE_ARG(a)	((u64)(__force unsigned long)(a))
#define VIRGO_SYSCALL_TRACED(name, a0, a1, call)			\
	{								\
		long ret;						\
									\
		trace_virgo_syscall_enter(#name, a0, a1);		\
		ret = call;						\
		trace_virgo_syscall_exit(#name, ret);			\
		return ret;						\
	}
#define VIRGO_SYSCALL_DEFINE1(name, t1, a1)				\
	static long virgo_sys_##name(t1 a1);				\
	SYSCALL_DEFINE1(name, t1, a1)					\
	VIRGO_SYSCALL_TRACED(name, VIRGO_TRACE_ARG(a1), 0,		\
			     virgo_sys_##name(a1))			\
	static long virgo_sys_##name(t1 a1)
#define VIRGO_SYSCALL_DEFINE2(name, t1, a1, t2, a2)			\
	static long virgo_sys_##name(t1 a1, t2 a2);			\
	SYSCALL_DEFINE2(name, t1, a1, t2, a2)				\
	VIRGO_SYSCALL_TRACED(name, VIRGO_TRACE_ARG(a1), VIRGO_TRACE_ARG(a2), \
			     virgo_sys_##name(a1, a2))			\
	static long virgo_sys_##name(t1 a1, t2 a2)
#define VIRGO_SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3)		\
	static long virgo_sys_##name(t1 a1, t2 a2, t3 a3);		\
	SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3)			\
	VIRGO_SYSCALL_TRACED(name, VIRGO_TRACE_ARG(a1), VIRGO_TRACE_ARG(a2), \
			     virgo_sys_##name(a1, a2, a3))		\
	static long virgo_sys_##name(t1 a1, t2 a2, t3 a3)
#define VIRGO_SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4)	\
	static long virgo_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4);	\
	SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4)		\
	VIRGO_SYSCALL_TRACED(name, VIRGO_TRACE_ARG(a1), VIRGO_TRACE_ARG(a2), \
			     virgo_sys_##name(a1, a2, a3, a4))		\
	static long virgo_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)

/* ------------------------------------------------------------ EventNet */

/**
 * struct virgo_event - an event for EventNet's graph
 * @op: what happened, at most VIRGO_EVENT_OP_MAX bytes: "clone", "malloc"...
 * @peer: the other node of a request (its server on the caller, its caller
 *	on the server); 0: none
 * @time: the event's Lamport time; 0: a new stamp of this node's clock,
 *	taken as the event enters the log, so that the log's order is the
 *	clock's (and the graph's edges all go forward in time)
 * @cause: on a server, the caller's event's time (its request's frame's):
 *	the two are joined by an edge; 0: unknown
 * @served: the server's side of a request (else the caller's, or an
 *	event of this node alone)
 *
 * The event is named "<op>@<node>.<time>" (EventNet's vertex), with the
 * conversation between the two nodes; an edge joins it to the node's
 * previous event, another to its cause.
 */
struct virgo_event {
	const char *op;
	u32 peer;
	u64 time;
	u64 cause;
	bool served;
};

#define VIRGO_EVENT_OP_MAX	15

#if IS_ENABLED(CONFIG_VIRGO_EVENTNET)
extern bool virgo_eventnet_tracing;
u64 virgo_eventnet_log(const struct virgo_event *ev);

/* Is EventNet's trace on (configfs eventnet/trace)? */
static inline bool virgo_eventnet_traced(void)
{
	return READ_ONCE(virgo_eventnet_tracing);
}
#else
static inline u64 virgo_eventnet_log(const struct virgo_event *ev)
{
	return 0;
}

static inline bool virgo_eventnet_traced(void)
{
	return false;
}
#endif

/* ------------------------------------------------------------ analytics */

#define VIRGO_ANALYTICS_KEYS		500	/* keys at most */
#define VIRGO_ANALYTICS_KEY_MAX		64	/* bytes of a key: [A-Za-z0-9_.-] */
#define VIRGO_ANALYTICS_VALUE_MAX	256	/* bytes of a value */

/**
 * struct virgo_analytics_change - what an analytics notifier is told
 * @key: the key
 * @value: its new value, NUL-terminated; NULL when the key is deleted
 * @len: the value's length
 * @fresh: the key had no value before this one
 */
struct virgo_analytics_change {
	const char *key;
	const char *value;
	size_t len;
	bool fresh;
};

/*
 * The notifier's actions, each with a struct virgo_analytics_change. Only
 * CHECK may refuse (notifier_from_errno(-EINVAL)); what SET and DELETE
 * callbacks return is not read: a deletion cannot be refused.
 */
enum virgo_analytics_action {
	VIRGO_ANALYTICS_CHECK,	/* a value about to be set */
	VIRGO_ANALYTICS_SET,	/* set */
	VIRGO_ANALYTICS_DELETE,	/* deleted (it had a value) */
};

struct notifier_block;
#if IS_ENABLED(CONFIG_VIRGO_ANALYTICS)
int virgo_analytics_get(const char *key, char *buf, size_t len);
int virgo_analytics_get_u64(const char *key, u64 *val);
int virgo_analytics_get_bool(const char *key, bool *val);
int virgo_analytics_register_notifier(struct notifier_block *nb);
int virgo_analytics_unregister_notifier(struct notifier_block *nb);
#else
static inline int virgo_analytics_get(const char *key, char *buf, size_t len)
{
	return -ENOENT;
}

static inline int virgo_analytics_get_u64(const char *key, u64 *val)
{
	return -ENOENT;
}

static inline int virgo_analytics_get_bool(const char *key, bool *val)
{
	return -ENOENT;
}

static inline int virgo_analytics_register_notifier(struct notifier_block *nb)
{
	return 0;
}

static inline int virgo_analytics_unregister_notifier(struct notifier_block *nb)
{
	return 0;
}
#endif

/* ------------------------------------------------------------ files */

struct file;
struct path;
int virgo_file_rename(const struct path *dir, const char *from, const char *to);
int virgo_dir_sync(const struct path *dir);
int virgo_file_write(struct file *file, const void *buf, size_t len, loff_t *pos);
int virgo_file_replace(const struct path *dir, const char *name,
		       const void *buf, size_t len);

/* ------------------------------------------------------------ vector clock */

/**
 * struct virgo_vclock - a vector clock: one Lamport-style counter per node
 * @t: entry i counts the events of node i + 1 that this one has seen,
 *	at most VIRGO_CLOCK_MAX
 */
struct virgo_vclock {
	u64 t[VIRGO_MAX_NODES];
};

/* How a vector clock's event relates to another's. */
enum virgo_vclock_order {
	VIRGO_VCLOCK_EQUAL,
	VIRGO_VCLOCK_BEFORE,		/* a happened before b */
	VIRGO_VCLOCK_AFTER,		/* b happened before a */
	VIRGO_VCLOCK_CONCURRENT,
};

/*
 * Room for the longest text form and its NUL: 64 entries of at most a
 * node id (2 digits), ':', a value (19 digits) and ',' (or the NUL).
 */
#define VIRGO_VCLOCK_TEXT_MAX	(VIRGO_MAX_NODES * 23)

int virgo_vclock_stamp(struct virgo_vclock *out);
int virgo_vclock_merge(const struct virgo_vclock *seen, struct virgo_vclock *out);
void virgo_vclock_read(struct virgo_vclock *out);
void virgo_vclock_event(struct virgo_vclock *vc, u32 id,
			const struct virgo_vclock *seen);
enum virgo_vclock_order virgo_vclock_compare(const struct virgo_vclock *a,
					     const struct virgo_vclock *b);
int virgo_vclock_format(const struct virgo_vclock *vc, char *buf, size_t len);
int virgo_vclock_parse(const char *s, struct virgo_vclock *out);

#endif /* _VIRGO_CORE_H */
