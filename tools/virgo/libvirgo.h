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

#include <stddef.h>
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
 * authenticated end) and returns the frame's size (0 on error);
 * virgo_frame_body() reads a head (the body's length or -EPROTO);
 * virgo_frame_open() checks and decrypts a body in place and returns the
 * data's length or -EBADMSG.
 */
size_t virgo_frame_seal(uint8_t *frame, size_t len, uint64_t seq,
			const uint8_t key[VIRGO_AUTH_NONCE]);
int virgo_frame_body(const uint8_t *head);
int virgo_frame_open(uint8_t *frame, size_t body, uint64_t seq,
		     const uint8_t key[VIRGO_AUTH_NONCE]);

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
 * descriptor that names the node (VIRGO_OPEN_NODE(id) in @flags picks
 * it); virgo_read()/virgo_write() move at most VIRGO_IO_MAX bytes at @pos
 * and return how many. Each returns a negative errno on failure.
 */
int64_t virgo_open(const char *path, uint64_t flags, unsigned int mode);
int virgo_close(int64_t fd);
long virgo_read(int64_t fd, void *buf, uint64_t count, int64_t pos);
long virgo_write(int64_t fd, const void *buf, uint64_t count, int64_t pos);

/* Read the whole file at @path (at most @len - 1 bytes), NUL-terminated. */
int virgo_read_file(const char *path, char *buf, size_t len);

/* Write @text to configfs attribute @rel under VIRGO_CONFIGFS. */
int virgo_cfs_write(const char *rel, const char *text);
int virgo_cfs_read(const char *rel, char *buf, size_t len);

#endif
