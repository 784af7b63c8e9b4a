// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo - configuration files, configfs and the cluster's protected
 * service connections
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include "libvirgo.h"

int virgo_conf_parse(const char *text, const char *name,
		     struct virgo_addrs *addrs, char *err, size_t err_len)
{
	const char *p = text, *end;
	char tok[64];
	int line = 1, i;
	size_t n;
	struct in_addr a;

	addrs->n = 0;
	while (*p) {
		if (*p == '\n')
			line++;
		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		if (strchr(", \t\r\n", *p)) {
			p++;
			continue;
		}
		end = p + strcspn(p, ", \t\r\n#");
		n = end - p;
		snprintf(tok, sizeof(tok), "%.*s%s", (int)(n < 40 ? n : 40), p,
			 n < 40 ? "" : "...");
		if (n >= 16 || inet_pton(AF_INET, tok, &a) != 1) {
			snprintf(err, err_len, "%s:%d: '%s' is not an IPv4 address",
				 name, line, tok);
			return -EINVAL;
		}
		if (a.s_addr == 0 || (ntohl(a.s_addr) >> 24) == 127 ||
		    (ntohl(a.s_addr) >> 28) >= 14) {
			snprintf(err, err_len, "%s:%d: '%s' cannot be a node address",
				 name, line, tok);
			return -EINVAL;
		}
		for (i = 0; i < addrs->n; i++) {
			if (addrs->addr[i] == a.s_addr) {
				snprintf(err, err_len, "%s:%d: '%s' is listed twice",
					 name, line, tok);
				return -EINVAL;
			}
		}
		if (addrs->n == VIRGO_NODES_MAX) {
			snprintf(err, err_len, "%s:%d: more than %d nodes",
				 name, line, VIRGO_NODES_MAX);
			return -EINVAL;
		}
		addrs->addr[addrs->n++] = a.s_addr;
		p = end;
	}
	return 0;
}

int virgo_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int virgo_key_parse(const char *text, uint8_t *key, size_t key_max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *text; text++) {
		if (strchr(" \t\r\n", *text))
			continue;
		v = virgo_hexval(*text);
		if (v < 0 || n == key_max)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
		} else {
			key[n++] = hi << 4 | v;
			hi = -1;
		}
	}
	if (hi >= 0 || n < VIRGO_KEY_MIN || n > VIRGO_KEY_MAX)
		return -EINVAL;
	return n;
}

static const struct {
	const char *name;
	unsigned int port;
} services[] = {
	{ "cpupool", VIRGO_PORT_CPUPOOL }, { "eventnet", VIRGO_PORT_EVENTNET },
	{ "mempool", VIRGO_PORT_MEMPOOL }, { "core", VIRGO_PORT_CORE },
	{ "cloudfs", VIRGO_PORT_CLOUDFS }, { "queue", VIRGO_PORT_QUEUE },
	{ "kingcobra", VIRGO_PORT_QUEUE }, { "cloudsync", VIRGO_PORT_CLOUDSYNC },
};

unsigned int virgo_service_port(const char *name)
{
	unsigned int i;
	char *end;
	long port;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (!strcmp(name, services[i].name))
			return services[i].port;
	port = strtol(name, &end, 10);
	if (*name && !*end && port > 0 && port < 65536)
		return port;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, buf, len);
		if (w < 0)
			return -errno;
		buf += w;
		len -= w;
	}
	return 0;
}

int virgo_read_file(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	close(fd);
	if (n + 1 >= len)
		return -EFBIG;
	buf[n] = '\0';
	return n;
}

int virgo_cfs_write(const char *rel, const char *text)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", VIRGO_CONFIGFS, rel);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, text, strlen(text));
	close(fd);
	return ret;
}

int virgo_cfs_read(const char *rel, char *buf, size_t len)
{
	char path[256];
	int n;

	snprintf(path, sizeof(path), "%s/%s", VIRGO_CONFIGFS, rel);
	n = virgo_read_file(path, buf, len);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

long virgo_clone(struct virgo_clone_args *args)
{
	long ret = syscall(__NR_virgo_clone, args, sizeof(*args));

	return ret < 0 ? -errno : ret;
}

int virgo_malloc(uint64_t size, uint64_t *vuid)
{
	return syscall(__NR_virgo_malloc, size, vuid) < 0 ? -errno : 0;
}

long virgo_set(uint64_t vuid, const void *buf, uint64_t len, uint64_t off)
{
	long ret = syscall(__NR_virgo_set, vuid, buf, len, off);

	return ret < 0 ? -errno : ret;
}

long virgo_get(uint64_t vuid, void *buf, uint64_t len, uint64_t off)
{
	long ret = syscall(__NR_virgo_get, vuid, buf, len, off);

	return ret < 0 ? -errno : ret;
}

int virgo_free(uint64_t vuid)
{
	return syscall(__NR_virgo_free, vuid) < 0 ? -errno : 0;
}

int64_t virgo_open(const char *path, uint64_t flags, unsigned int mode)
{
	long ret = syscall(__NR_virgo_open, path, flags, mode);

	return ret < 0 ? -errno : ret;
}

int virgo_close(int64_t fd)
{
	return syscall(__NR_virgo_close, fd) < 0 ? -errno : 0;
}

long virgo_read(int64_t fd, void *buf, uint64_t count, int64_t pos)
{
	long ret = syscall(__NR_virgo_read, fd, buf, count, pos);

	return ret < 0 ? -errno : ret;
}

long virgo_write(int64_t fd, const void *buf, uint64_t count, int64_t pos)
{
	long ret = syscall(__NR_virgo_write, fd, buf, count, pos);

	return ret < 0 ? -errno : ret;
}

int virgo_publish(struct virgo_publish_args *args)
{
	return syscall(__NR_virgo_publish, args, sizeof(*args)) < 0 ? -errno : 0;
}

long virgo_wait(struct virgo_wait_args *args)
{
	long ret = syscall(__NR_virgo_wait, args, sizeof(*args));

	return ret < 0 ? -errno : ret;
}

int virgo_lock(const char *name, unsigned int timeout_ms, unsigned int flags,
	       uint64_t *token)
{
	struct virgo_lock_args args = {
		.name = (uintptr_t)name,
		.name_len = strlen(name),
		.timeout_ms = timeout_ms,
		.flags = flags,
	};
	long fd = syscall(__NR_virgo_lock, &args, sizeof(args));

	if (fd < 0)
		return -errno;
	*token = args.token;
	return fd;
}

int virgo_unlock(int fd)
{
	return syscall(__NR_virgo_unlock, fd, 0) < 0 ? -errno : 0;
}
