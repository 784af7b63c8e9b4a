/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO queue - durable request/reply messages between nodes, serviced by
 * KingCobra services: the service on VIRGO_PORT_QUEUE, virgo_publish(2),
 * virgo_wait(2) and asynchronous virgo_clone(2).
 */
#ifndef _VIRGO_QUEUE_H
#define _VIRGO_QUEUE_H

#include <linux/hashtable.h>
#include <linux/path.h>
#include <linux/virgo.h>
#include "../core/core.h"

#define VIRGO_QUEUE_LOG		"REQUEST_REPLY.queue"
#define VIRGO_QUEUE_LOG_OLD	"REQUEST_REPLY.queue.1"
#define VIRGO_QUEUE_LOG_NEW	"REQUEST_REPLY.queue.new"
#define VIRGO_QUEUE_DIR_DEFAULT	"/var/log/kingcobra"
#define VIRGO_QUEUE_DIR_MAX	256
/* The longest record: every payload byte escaped, and the fields. */
#define VIRGO_QUEUE_REC_MAX	(4 * VIRGO_QUEUE_DATA_MAX + 256)
#define VIRGO_QUEUE_DEDUP	4096	/* collected ids remembered */

/* ------------------------------------------------------------ records */

enum virgo_qrec_type {
	VIRGO_QREC_REQUEST,	/* REQUEST#<id>#<lamport>#<service>#<payload> */
	VIRGO_QREC_REPLY,	/* REPLY#<id>#<lamport>#<status>#<payload> */
	VIRGO_QREC_DELIVERED,	/* DELIVERED#<id>#<lamport>: the publisher has it */
	VIRGO_QREC_TAKEN,	/* TAKEN#<id>#<lamport>: its caller has it */
	VIRGO_QREC_EPOCH,	/* EPOCH#<node>:<epoch>:0#<lamport>: a start */
	VIRGO_QREC_PUBLISHED,	/* PUBLISHED#<id>#<lamport>#<node>#<uid> */
};

/**
 * struct virgo_qrec - one log record
 * @type: which
 * @id: the message (for EPOCH, the node and its new epoch, seq 0)
 * @lamport: Lamport time of the event it records
 * @service: REQUEST: the service's name
 * @status: REPLY: the service's status
 * @node: PUBLISHED: the node it was published to
 * @uid: PUBLISHED: the user who may collect its REPLY
 * @payload: REQUEST, REPLY: the payload
 * @len: its length
 */
struct virgo_qrec {
	enum virgo_qrec_type type;
	struct virgo_msg_id id;
	u64 lamport;
	char service[VIRGO_SERVICE_NAME_MAX];
	s64 status;
	u32 node;
	u32 uid;
	const void *payload;
	size_t len;
};

size_t virgo_qrec_encode(char *buf, size_t size, const struct virgo_qrec *rec);
int virgo_qrec_decode(const char *line, size_t len, struct virgo_qrec *rec,
		      void *payload);
int virgo_qid_parse(const char *s, struct virgo_msg_id *id);
bool virgo_qid_ok(const struct virgo_msg_id *id);
bool virgo_qservice_ok(const char *name);

static inline bool virgo_qid_eq(const struct virgo_msg_id *a,
				const struct virgo_msg_id *b)
{
	return a->node == b->node && a->epoch == b->epoch && a->seq == b->seq;
}

#define VIRGO_QID_FMT		"%u:%u:%llu"
#define VIRGO_QID_ARG(id)	(id)->node, (id)->epoch, (id)->seq

/**
 * struct virgo_qdedup - the ids whose REPLY a caller collected, newest
 *	@size of them: a REPLY sent again for one is acknowledged, not
 *	handed out twice
 * @ids: ring of @size ids
 * @size: its room
 * @next: where the next id goes
 * @count: ids in it
 */
struct virgo_qdedup {
	struct virgo_msg_id *ids;
	unsigned int size;
	unsigned int next;
	unsigned int count;
};

void virgo_qdedup_add(struct virgo_qdedup *d, const struct virgo_msg_id *id);
bool virgo_qdedup_has(const struct virgo_qdedup *d, const struct virgo_msg_id *id);

/* ------------------------------------------------------------ messages */

#define VIRGO_QMSG_REQUEST	BIT(0)	/* to service here (logged) */
#define VIRGO_QMSG_REPLY	BIT(1)	/* its REPLY is here (logged) */
#define VIRGO_QMSG_RUNNING	BIT(2)	/* a service is working on it */
#define VIRGO_QMSG_OWNED	BIT(3)	/* published by a local user: @owner */
#define VIRGO_QMSG_SENDING	BIT(4)	/* its REPLY is on its way */
#define VIRGO_QMSG_TAKING	BIT(5)	/* its REPLY is being collected */

/**
 * struct virgo_qmsg - what this node holds of one message
 * @id: the message
 * @hnode: in the table of ids
 * @run: in the requests to service, in arrival order
 * @send: in the REPLYs to send to their publisher
 * @flags: VIRGO_QMSG_*
 * @service: the service it asks for
 * @req: the request's payload, until it is serviced
 * @req_len: its length
 * @req_lamport: Lamport time of the request
 * @rep: the REPLY's payload
 * @rep_len: its length
 * @rep_lamport: Lamport time of the REPLY
 * @status: the REPLY's status
 * @target: published here: the node it went to (0: not known)
 * @ran_on: the node whose REPLY this is (0: not known)
 * @owner: with VIRGO_QMSG_OWNED, who may collect the REPLY
 * @send_at: jiffies of the next try to send the REPLY
 * @backoff_ms: the wait after the last failed try
 */
struct virgo_qmsg {
	struct virgo_msg_id id;
	struct hlist_node hnode;
	struct list_head run;
	struct list_head send;
	u32 flags;
	char service[VIRGO_SERVICE_NAME_MAX];
	void *req;
	u32 req_len;
	u64 req_lamport;
	void *rep;
	u32 rep_len;
	u64 rep_lamport;
	s64 status;
	u32 target;
	u32 ran_on;
	kuid_t owner;
	unsigned long send_at;
	unsigned int backoff_ms;
};

/* ------------------------------------------------------------ the log */

/**
 * struct virgo_qlog - the open log file
 * @dir: its directory
 * @file: the file, appended to
 * @size: its size
 * @lsn: bytes ever appended, across rotations
 * @synced: of them, those known to be on disk
 * @err: a failed write-back: sticky, every later sync and append fails
 * @sync_lock: one fsync at a time; those who wait share the next one
 * @file_lock: protects @file and @lsn for the fsync that reads them
 * @base: the size the last rotation (or the open) left it at
 * @rotations: how many rotations there were
 * @rotate_work: rotates it
 * @buf: VIRGO_QUEUE_REC_MAX bytes to encode a record in
 */
struct virgo_qlog {
	struct path dir;
	struct file *file;
	loff_t size;
	u64 lsn;
	u64 synced;
	int err;
	struct mutex sync_lock;	/* serialises fsync, nests in queue.lock */
	spinlock_t file_lock;	/* protects file and lsn for the syncer */
	loff_t base;
	unsigned int rotations;
	struct work_struct rotate_work;
	char *buf;
};

/* ------------------------------------------------------------ settings */

struct virgo_queue_settings {
	char log_dir[VIRGO_QUEUE_DIR_MAX];	/* under queue.lock */
	char default_service[VIRGO_SERVICE_NAME_MAX];
	u32 max_log_kb;
	u32 max_messages;
	u32 max_kb;
	u32 peer_messages;
	u32 peer_kb;
	u32 caller_gid;
	u32 paused;
};

extern struct virgo_queue_settings virgo_queue_set;

/**
 * struct virgo_queue - the node's queue
 * @lock: protects everything here and the log's appends
 * @open: the log is open and replayed
 * @self: this node's id when the log was opened: the queue's identity
 * @ids: every message held, by id
 * @to_run: requests not serviced yet, oldest first
 * @to_send: REPLYs whose publisher has not acknowledged them
 * @nmsgs: messages held
 * @nbytes: payload bytes held
 * @peer_msgs: of @nmsgs, those of each publisher node
 * @peer_bytes: of @nbytes, those of each publisher node
 * @epoch: this start's epoch
 * @seq: the last id's seq in @epoch
 * @dedup: collected ids
 * @log: the log file
 * @replies: woken at every new REPLY, and at every REPLY collected
 * @reply_gen: bumped with it
 * @bad_records: damaged records skipped at the last replay
 * @torn: bytes of a torn last record cut at the last replay
 */
struct virgo_queue {
	struct mutex lock;	/* the queue; nests outside log.sync_lock */
	bool open;
	u32 self;
	DECLARE_HASHTABLE(ids, 10);
	struct list_head to_run;
	struct list_head to_send;
	unsigned int nmsgs;
	size_t nbytes;
	unsigned int peer_msgs[VIRGO_MAX_NODES + 1];
	size_t peer_bytes[VIRGO_MAX_NODES + 1];
	u32 epoch;
	u64 seq;
	struct virgo_qdedup dedup;
	struct virgo_qlog log;
	wait_queue_head_t replies;
	atomic_t reply_gen;
	unsigned int bad_records;
	size_t torn;
};

extern struct virgo_queue virgo_queue;

int virgo_qlog_init(struct virgo_qlog *log);
int virgo_qlog_open(struct virgo_queue *q, const char *dir);
int virgo_qlog_append(struct virgo_queue *q, const struct virgo_qrec *rec, u64 *lsn);
int virgo_qlog_sync(struct virgo_queue *q, u64 lsn);
int virgo_qlog_put(struct virgo_queue *q, struct file *file,
		   const struct virgo_qrec *rec, loff_t *pos);
int virgo_qlog_write_state(struct virgo_queue *q, struct file *file, loff_t *pos);

/* ------------------------------------------------------------ store */

int virgo_qmsg_apply(struct virgo_queue *q, const struct virgo_qrec *rec);
void virgo_queue_reset(struct virgo_queue *q);
int virgo_queue_start(const char *dir);
void virgo_queue_resume(void);
int virgo_queue_enqueue(const struct virgo_msg_id *id, u64 lamport,
			const char *service, void *data, size_t len, u64 *ack);
int virgo_queue_receive_reply(const struct virgo_msg_id *id, u64 lamport,
			      s64 status, void *data, size_t len, u32 from);
/**
 * struct virgo_qtake - where a collected REPLY goes, and what it was
 * @owner: the collecting user; NULL: anyone (the service's local clients)
 * @buf: where its payload goes
 * @user: @buf is a user pointer
 * @room: its size
 * @status: out: the REPLY's status
 * @size: out: its payload's size
 * @lamport: out: its Lamport time
 * @ran_on: out: the node that serviced it, 0 if not known
 */
struct virgo_qtake {
	const kuid_t *owner;
	void *buf;
	bool user;
	size_t room;
	s64 status;
	size_t size;
	u64 lamport;
	u32 ran_on;
};

int virgo_queue_take(const struct virgo_msg_id *id, struct virgo_qtake *t);
int virgo_queue_wait(const struct virgo_msg_id *id, struct virgo_qtake *t,
		     unsigned int timeout_ms);
size_t virgo_queue_list(char *buf, size_t room);
int virgo_queue_init(void);

/* ------------------------------------------------------------ KingCobra */

long virgo_kingcobra_run(const struct virgo_qmsg *m, struct virgo_fn_ctx *ctx);
int virgo_kingcobra_init(void);

/* ------------------------------------------------------------ the rest */

int virgo_queue_service_init(void);
void virgo_queue_service_exit(void);
int virgo_queue_config_init(void);
void virgo_queue_config_exit(void);

#endif /* _VIRGO_QUEUE_H */
