/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvirgo - talk to a VIRGO cluster from userspace
 *
 * Configuration files, the kernel's node table (configfs), and the
 * services' text protocols with the cluster's HMAC challenge-response.
 * Functions return 0 or a negative errno unless said otherwise.
 */
#ifndef LIBVIRGO_H
#define LIBVIRGO_H

#include <stddef.h>
#include <stdint.h>
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

/* virgo_auth_answer - the "AUTH <mac>" answer to "AUTH-CHALLENGE <nonce>". */
int virgo_auth_answer(const uint8_t *key, size_t key_len,
		      const char *nonce_hex, char mac_hex[65]);

/* virgo_service_port - "core", "mempool", ... or a number; 0 if unknown. */
unsigned int virgo_service_port(const char *name);

/*
 * virgo_connect - a TCP connection to a node's service, authenticated with
 * @key when @key_len > 0. @source, if not NULL, is the local address to
 * connect from. Returns a file descriptor or a negative errno (-EACCES:
 * the node refused us).
 */
int virgo_connect(uint32_t addr, unsigned int port, const char *source,
		  const uint8_t *key, size_t key_len, int timeout_ms);

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
