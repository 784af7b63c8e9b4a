/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvirgo - talk to a VIRGO cluster from userspace
 *
 * Configuration files, the kernel's node table (configfs), and the
 * services' text protocols over the cluster's protected connections.
 * Functions return 0 or a negative errno unless said otherwise.
 */
#ifndef LIBVIRGO_H
#define LIBVIRGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/virgo.h>

#define VIRGO_CONFIGFS		"/sys/kernel/config/virgo"
#define VIRGO_CLOUD_CONF	"/etc/virgo_cloud.conf"
#define VIRGO_CLIENT_CONF	"/etc/virgo_client.conf"
#define VIRGO_KEY_FILE		"/etc/virgo_cluster.key"
#define VIRGO_NODES_MAX		64

/* A list of node addresses, as read from a configuration file. */
struct virgo_addrs {
	uint32_t addr[VIRGO_NODES_MAX];		/* IPv4, network order */
	int n;
};

/*
 * virgo_conf_parse - read a node list: comma- and/or newline-separated
 * IPv4 addresses, '#' starts a comment. On error, @err gets
 * "NAME:LINE: what is wrong" and the result is -EINVAL.
 */
int virgo_conf_parse(const char *text, const char *name,
		     struct virgo_addrs *addrs, char *err, size_t err_len);

/* virgo_key_parse - a key file: 2 * VIRGO_KEY_MIN..MAX hex digits; returns the length. */
int virgo_key_parse(const char *text, uint8_t *key, size_t key_max);

/* virgo_hexval - the value of a hex digit, or -1. */
int virgo_hexval(char c);

/* virgo_service_port - "core", "mempool", ... or a number; 0 if unknown. */
unsigned int virgo_service_port(const char *name);

/*
 * The handshake of a keyed cluster and its frames, as the kernel speaks
 * them (Documentation/virgo/core.rst): the transcript both proofs and the
 * session keys are bound to, and what the key makes of it.
 */
struct virgo_transcript {
	char label[sizeof(VIRGO_AUTH_LABEL) - 1];
	uint16_t port;			/* network order, as the ids */
	uint32_t server_id;
	uint32_t client_id;
	uint8_t server_nonce[VIRGO_AUTH_NONCE];
	uint8_t client_nonce[VIRGO_AUTH_NONCE];
} __attribute__((packed));

struct virgo_secrets {
	uint8_t server_proof[VIRGO_AUTH_NONCE];
	uint8_t client_proof[VIRGO_AUTH_NONCE];
	uint8_t c2s[VIRGO_AUTH_NONCE];	/* key of the frames the client sends */
	uint8_t s2c[VIRGO_AUTH_NONCE];
};

void virgo_transcript_init(struct virgo_transcript *t, unsigned int port,
			   uint32_t server_id, uint32_t client_id);
int virgo_auth_derive(const uint8_t *key, size_t key_len,
		      const struct virgo_transcript *t, struct virgo_secrets *s);

/*
 * Frames: virgo_frame_seal() seals the @len bytes at @frame +
 * VIRGO_FRAME_HEAD in place (0 bytes: the close frame, the stream's
 * authenticated end), stamped with the Lamport time @time, and returns
 * the frame's size (0 on error); virgo_frame_body() reads a head (the
 * body's length or -EPROTO); virgo_frame_time() its time;
 * virgo_frame_open() checks and decrypts a body in place and returns the
 * data's length or -EBADMSG.
 */
size_t virgo_frame_seal(uint8_t *frame, size_t len, uint64_t seq, uint64_t time,
			const uint8_t key[VIRGO_AUTH_NONCE]);
int virgo_frame_body(const uint8_t *head);
uint64_t virgo_frame_time(const uint8_t *head);
int virgo_frame_open(uint8_t *frame, size_t body, uint64_t seq,
		     const uint8_t key[VIRGO_AUTH_NONCE]);

/*
 * The process's Lamport clock, as the kernel's (VIRGO_CLOCK_MAX at most):
 * every frame a link sends carries a new time, every frame received moves
 * the clock past its time. virgo_lamport_merge() returns the receive
 * event's time.
 */
#define VIRGO_CLOCK_MAX		((uint64_t)INT64_MAX)
uint64_t virgo_lamport(void);
uint64_t virgo_lamport_merge(uint64_t seen);

/* virgo_reply_errno - the errno of an "ERROR <name> ..." line; 0 otherwise. */
int virgo_reply_errno(const char *line);

/*
 * A connection to a node's service: clear text in lab mode, protected
 * frames in a keyed cluster. The fields are the library's.
 */
struct virgo_link {
	int fd;
	int framed;
	int eof;			/* the peer's close frame came */
	uint8_t tx_key[VIRGO_AUTH_NONCE];
	uint8_t rx_key[VIRGO_AUTH_NONCE];
	uint64_t tx_seq;
	uint64_t rx_seq;
	uint64_t tx_time;		/* Lamport time of the last frame sent */
	uint64_t rx_time;		/* and of the last frame received */
	size_t rx_start;
	size_t rx_end;
	uint8_t rx[VIRGO_FRAME_SIZE];
	uint8_t tx[VIRGO_FRAME_SIZE];
};

/*
 * virgo_link_connect - connect to @port of the node @peer_id at @addr,
 * from @source if not NULL, as node @self_id; with @key_len > 0 run the
 * handshake. Returns 0, -EACCES (the node refused our key, or could not
 * prove it knows the key), -EPROTONOSUPPORT (it speaks another version
 * of the handshake), -EBUSY, or another negative errno.
 */
int virgo_link_connect(struct virgo_link *link, uint32_t addr, unsigned int port,
		       const char *source, const uint8_t *key, size_t key_len,
		       uint32_t self_id, uint32_t peer_id, int timeout_ms);
/* Send all of @buf: 0 or a negative errno. */
int virgo_link_write(struct virgo_link *link, const void *buf, size_t len);
/*
 * Receive up to @len bytes: how many, 0 at the end, or a negative errno
 * (-EBADMSG: a frame failed to open; -EPROTO: the stream was cut short,
 * it ended without the close frame).
 */
ssize_t virgo_link_read(struct virgo_link *link, void *buf, size_t len);
/* Send nothing more: the close frame (keyed), then the TCP half-close. */
int virgo_link_shutdown(struct virgo_link *link);
void virgo_link_close(struct virgo_link *link);

/*
 * virgo_clone - the virgo_clone(2) system call: run @args->func on a node.
 * Returns the number of result bytes copied, or a negative errno.
 */
long virgo_clone(struct virgo_clone_args *args);

/*
 * Cluster memory, the system calls 549-552: virgo_malloc() sets *@vuid to
 * a new allocation's handle; virgo_set()/virgo_get() copy @len bytes at
 * @off and return @len; virgo_free() releases every chunk. Each returns a
 * negative errno on failure.
 */
int virgo_malloc(uint64_t size, uint64_t *vuid);
long virgo_set(uint64_t vuid, const void *buf, uint64_t len, uint64_t off);
long virgo_get(uint64_t vuid, void *buf, uint64_t len, uint64_t off);
int virgo_free(uint64_t vuid);

/*
 * Files on other nodes, the system calls 553-556: virgo_open() returns a
 * file descriptor of the caller's that names the node's file
 * (VIRGO_OPEN_NODE(id) in @flags picks the node; O_CLOEXEC as open(2));
 * read(2), write(2), lseek(2) and close(2) work on it too, and the node's
 * file closes with its last reference. virgo_read()/virgo_write() move at
 * most VIRGO_IO_MAX bytes at @pos and return how many. Each returns a
 * negative errno on failure.
 */
int64_t virgo_open(const char *path, uint64_t flags, unsigned int mode);
int virgo_close(int64_t fd);
long virgo_read(int64_t fd, void *buf, uint64_t count, int64_t pos);
long virgo_write(int64_t fd, const void *buf, uint64_t count, int64_t pos);

/*
 * The queue and KingCobra, the system calls 557-558: virgo_publish()
 * returns 0 once the servicing node has the request on disk, with
 * @args->id, @lamport and @queued_on filled in; virgo_wait() collects the
 * REPLY to @args->id, once, and returns how many payload bytes it copied.
 * Each returns a negative errno on failure (-EMSGSIZE from virgo_wait():
 * @result_len is less than @args->result_size, the REPLY stays).
 */
int virgo_publish(struct virgo_publish_args *args);
long virgo_wait(struct virgo_wait_args *args);

/*
 * Cluster locks, the system calls 559-560: virgo_lock() takes the lock
 * @name (VIRGO_LOCK_TRY: fails with -EAGAIN rather than wait; otherwise
 * -ETIMEDOUT after @timeout_ms) and returns a descriptor that holds it,
 * with its fencing token in *@token; the kernel renews the lease while
 * the descriptor is open. virgo_unlock() releases it: 0, or -ESTALE when
 * the lease had been lost; close() after it. Each returns a negative
 * errno on failure.
 */
int virgo_lock(const char *name, unsigned int timeout_ms, unsigned int flags,
	       uint64_t *token);
int virgo_unlock(int fd);

/* "<node>:<epoch>:<seq>", as long as it gets, with its NUL */
#define VIRGO_MSG_ID_SIZE	sizeof("4294967295:4294967295:18446744073709551615")

/* virgo_msg_id_format - write @id as text; its length, or -ENOSPC. */
int virgo_msg_id_format(const struct virgo_msg_id *id, char *buf, size_t len);

/*
 * virgo_msg_id_parse - read "<node>:<epoch>:<seq>": decimal digits only,
 * no sign, space or leading zero, node 1-VIRGO_NODES_MAX, epoch and seq
 * in their fields' range and not 0. Returns 0 or -EINVAL.
 */
int virgo_msg_id_parse(const char *text, struct virgo_msg_id *id);

/*
 * virgo_queue_messages - the messages this node holds (configfs
 * queue/messages), one line each that starts with the id (today "<id>
 * <role> <state> <service> <peer> <bytes>"), NUL-terminated in @buf: its
 * length or a negative errno.
 */
int virgo_queue_messages(char *buf, size_t len);

/*
 * The queue's log, <log_dir>/REQUEST_REPLY.queue: a record a line,
 * '#'-separated, ending with the crc32 (8 lowercase hex digits) of the
 * bytes before its last '#':
 *
 *	REQUEST#<id>#<lamport>#<service>#<payload>#<crc>
 *	REPLY#<id>#<lamport>#<status>#<payload>#<crc>
 *	DELIVERED#<id>#<lamport>#<crc>
 *	TAKEN#<id>#<lamport>#<crc>
 *	EPOCH#<node>:<epoch>:0#<lamport>#<crc>
 *
 * A payload byte 0x20-0x7e other than '#' and '\' is itself, any other
 * is "\xHH" (lowercase hex).
 */
#define VIRGO_QUEUE_LOG_DIR	"/var/log/kingcobra"
#define VIRGO_QUEUE_LOG_NAME	"REQUEST_REPLY.queue"

enum virgo_record_type {
	VIRGO_RECORD_REQUEST,
	VIRGO_RECORD_REPLY,
	VIRGO_RECORD_DELIVERED,
	VIRGO_RECORD_TAKEN,
	VIRGO_RECORD_EPOCH,
	VIRGO_RECORD_PUBLISHED,
};

struct virgo_record {
	enum virgo_record_type type;
	struct virgo_msg_id id;		/* EPOCH: its node and epoch, seq 0 */
	uint64_t lamport;
	char service[VIRGO_SERVICE_NAME_MAX];	/* REQUEST */
	int64_t status;			/* REPLY */
	uint32_t node;			/* PUBLISHED: the node it went to */
	uint32_t uid;			/* PUBLISHED: its owner, or (uint32_t)-1 */
	const char *payload;		/* REQUEST, REPLY: escaped, in the line */
	size_t payload_len;		/* the escaped form's length */
	size_t data_len;		/* the payload's, unescaped */
};

/* virgo_crc32 - the CRC-32 of zlib and Ethernet: ~crc32_le(~0, buf, len). */
uint32_t virgo_crc32(const void *buf, size_t len);

/*
 * virgo_record_parse - one line of the log, @len bytes without its
 * newline. Returns 0; -EBADMSG when its crc does not match its bytes;
 * -EINVAL when it is not a record as the kernel writes them (a field
 * missing, out of range or misspelt, a number with a leading zero, a
 * payload escaped otherwise or longer than VIRGO_QUEUE_DATA_MAX).
 */
int virgo_record_parse(const char *line, size_t len, struct virgo_record *rec);

/*
 * virgo_record_unescape - decode a payload that virgo_record_parse()
 * accepted into @out, which has room for @rec->data_len bytes.
 */
void virgo_record_unescape(const struct virgo_record *rec, uint8_t *out);

/* Read the whole file at @path (at most @len - 1 bytes), NUL-terminated. */
/*
 * EventNet graphs (eventnet.c): the files of one node or more, merged.
 * Vertices and edges keep the order they came in.
 */
struct virgo_evertex {
	char *name;
	char *parts;			/* "a,b", or "" */
	char *convs;			/* "(a,b)#(c,d)", or "" */
};

struct virgo_eedge {
	size_t from;			/* vertex indexes */
	size_t to;
};

struct virgo_egraph {
	struct virgo_evertex *v;
	size_t nv, vcap;
	struct virgo_eedge *e;
	size_t ne, ecap;
	size_t *vtab, vtab_size;	/* open addressing: index + 1 */
	size_t *etab, etab_size;
};

int virgo_egraph_add(struct virgo_egraph *g, const char *text, size_t len, size_t vbytes);
void virgo_egraph_free(struct virgo_egraph *g);
void virgo_egraph_dot(const struct virgo_egraph *g, FILE *out);
long virgo_egraph_order(const struct virgo_egraph *g, size_t **order,
			size_t **cycle, size_t *ncycle);

int virgo_read_file(const char *path, char *buf, size_t len);

/* ------------------------------------------------------------ analytics */

#define VIRGO_ANALYTICS_CONF		"/etc/virgo_kernel_analytics.conf"
#define VIRGO_ANALYTICS_KEYS		500
#define VIRGO_ANALYTICS_KEY_MAX		64
#define VIRGO_ANALYTICS_VALUE_MAX	256

/* A key and its value, and the line of the file it came from. */
struct virgo_kv {
	char key[VIRGO_ANALYTICS_KEY_MAX + 1];
	char value[VIRGO_ANALYTICS_VALUE_MAX + 3];	/* read: a line end, a NUL, */
							/* and virgo_read_file's byte */
	size_t line;
};

struct virgo_kv_set {
	struct virgo_kv *kv;
	size_t n, size;
};

bool virgo_analytics_key_ok(const char *key, size_t len);
bool virgo_analytics_value_ok(const char *value, size_t len);
int virgo_analytics_parse_pair(const char *s, size_t len, struct virgo_kv *kv);
int virgo_analytics_parse(const char *text, size_t len, size_t first_line,
			  struct virgo_kv_set *set, size_t *bad);
int virgo_kv_set_add(struct virgo_kv_set *set, const struct virgo_kv *kv);
void virgo_kv_set_free(struct virgo_kv_set *set);
int virgo_analytics_get(const char *key, char *buf, size_t len);
bool virgo_analytics_exists(const char *key);
int virgo_analytics_set(const char *key, const char *value);
int virgo_analytics_delete(const char *key);
int virgo_analytics_list(struct virgo_kv_set *set);
int virgo_analytics_apply(const struct virgo_kv_set *set, size_t *failed);

/* Write @text to configfs attribute @rel under VIRGO_CONFIGFS. */
int virgo_cfs_write(const char *rel, const char *text);
int virgo_cfs_read(const char *rel, char *buf, size_t len);

#endif
