// SPDX-License-Identifier: GPL-2.0
/*
 * virgo-wire - a hostile peer for the transport tests of keyed clusters
 *
 *   virgo-wire frames MODE ADDR PORT SELF PEER KEYFILE
 *	pass the handshake as node SELF to node PEER, then send "ping" in
 *	frames: MODE none (as is), flip (one bit of the data changed),
 *	replay (a frame sent twice), reorder (frames 1 and 0 swapped),
 *	truncate (a frame cut short, then the end of stream), oversize (a
 *	length no frame may have). Prints each reply line, then how the
 *	connection ended: "closed" or "open".
 *   virgo-wire hold ADDR PORT SELF PEER KEYFILE SECONDS [SOURCE]
 *	pass the handshake, ping, then wait: "closed after N ms" when the
 *	server closes the connection, "open" after SECONDS.
 *   virgo-wire time ADDR PORT SELF PEER KEYFILE TIME LINE
 *	pass the handshake, send LINE in a frame stamped with the Lamport
 *	time TIME, and print "sent TIME", then "reply R: <line>" with the
 *	time R of the frame that ended the first reply line.
 *   virgo-wire reflect ADDR PORT SELF [SOURCE]
 *	without the key: hand the server's own proof back as the client's.
 *	Prints every line the server sends (a stranger's first is a refusal).
 *   virgo-wire flood SECONDS COUNT PORT...
 *	open COUNT connections from each of 127.0.0.1-.9 to each PORT of
 *	this node, print "opened N" and hold them SECONDS.
 *   virgo-wire relay PORT TARGET COUNT [SELF]
 *	without the key: accept COUNT connections on PORT one after the
 *	other and relay each to TARGET:PORT, line by line, printing every
 *	line ("victim> ..." or "target> ..."). With SELF, rewrite the node
 *	ids in the handshake so that each side sees the ids it expects of
 *	this node. Frames would follow "OK"; the relay stops at it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "libvirgo.h"

static struct virgo_link wire;

static void die(const char *what, int err)
{
	fprintf(stderr, "virgo-wire: %s: %s\n", what, strerror(err));
	exit(2);
}

static size_t load_key(const char *path, uint8_t *key)
{
	char text[512];
	int n = virgo_read_file(path, text, sizeof(text));

	if (n < 0)
		die(path, -n);
	n = virgo_key_parse(text, key, VIRGO_KEY_MAX);
	if (n < 0)
		die(path, EINVAL);
	return n;
}

static uint32_t addr_of(const char *text)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		die(text, EINVAL);
	return a.s_addr;
}

static void send_raw(const void *buf, size_t len)
{
	if (write(wire.fd, buf, len) != (ssize_t)len)
		die("write", errno);
}

/* A sealed frame of @text with sequence number @seq, into @frame. */
static size_t seal(uint8_t *frame, const char *text, uint64_t seq)
{
	size_t len = strlen(text);

	memcpy(frame + VIRGO_FRAME_HEAD, text, len);
	return virgo_frame_seal(frame, len, seq, virgo_lamport_merge(0), wire.tx_key);
}

/* Print every reply line until the server closes or @seconds pass. */
static void replies(int seconds)
{
	char buf[4096];
	ssize_t r;
	struct pollfd p = { .fd = wire.fd, .events = POLLIN };

	for (;;) {
		if (wire.rx_start == wire.rx_end && poll(&p, 1, seconds * 1000) == 0) {
			puts("open");
			return;
		}
		r = virgo_link_read(&wire, buf, sizeof(buf) - 1);
		if (r <= 0) {
			puts("closed");
			return;
		}
		buf[r] = '\0';
		fputs(buf, stdout);
		fflush(stdout);
	}
}

static int cmd_frames(char **argv)
{
	const char *mode = argv[0];
	uint8_t key[VIRGO_KEY_MAX], f0[64], f1[64];
	size_t key_len = load_key(argv[5], key), n0, n1;
	int ret;

	ret = virgo_link_connect(&wire, addr_of(argv[1]), atoi(argv[2]), NULL, key, key_len,
				 atoi(argv[3]), atoi(argv[4]), 5000);
	if (ret)
		die("connect", -ret);
	n0 = seal(f0, "ping\n", 0);
	n1 = seal(f1, "ping\n", 1);
	if (!strcmp(mode, "none")) {
		send_raw(f0, n0);
	} else if (!strcmp(mode, "flip")) {
		f0[VIRGO_FRAME_HEAD + 1] ^= 0x04;
		send_raw(f0, n0);
	} else if (!strcmp(mode, "replay")) {
		send_raw(f0, n0);
		send_raw(f0, n0);
	} else if (!strcmp(mode, "reorder")) {
		send_raw(f1, n1);
		send_raw(f0, n0);
	} else if (!strcmp(mode, "truncate")) {
		send_raw(f0, n0 - 1);
		shutdown(wire.fd, SHUT_WR);
	} else if (!strcmp(mode, "oversize")) {
		f0[0] = 0x7f;
		send_raw(f0, n0);
	} else {
		die(mode, EINVAL);
	}
	replies(5);
	return 0;
}

static int cmd_time(char **argv)
{
	uint8_t key[VIRGO_KEY_MAX];
	size_t key_len = load_key(argv[4], key);
	unsigned long long t = strtoull(argv[5], NULL, 0);
	char line[4096];
	ssize_t r;
	size_t n = 0;
	int ret;

	ret = virgo_link_connect(&wire, addr_of(argv[0]), atoi(argv[1]), NULL, key, key_len,
				 atoi(argv[2]), atoi(argv[3]), 5000);
	if (ret)
		die("connect", -ret);
	if (t < 2 || t > VIRGO_CLOCK_MAX)
		die(argv[5], EINVAL);
	virgo_lamport_merge(t - 2);	/* the clock is t - 1: the next frame's is t */
	snprintf(line, sizeof(line), "%s\n", argv[6]);
	ret = virgo_link_write(&wire, line, strlen(line));
	if (ret)
		die("write", -ret);
	printf("sent %llu\n", (unsigned long long)wire.tx_time);
	while (n < sizeof(line) - 1 && (!n || line[n - 1] != '\n')) {
		r = virgo_link_read(&wire, line + n, 1);
		if (r <= 0)
			die("read", r ? -r : EPROTO);
		n++;
	}
	line[n] = '\0';
	printf("reply %llu: %s", (unsigned long long)wire.rx_time, line);
	return 0;
}

static int cmd_hold(char **argv)
{
	uint8_t key[VIRGO_KEY_MAX];
	size_t key_len = load_key(argv[4], key);
	struct timespec t0, t1;
	char buf[256];
	ssize_t r;
	int ret;

	ret = virgo_link_connect(&wire, addr_of(argv[0]), atoi(argv[1]), argv[6], key,
				 key_len, atoi(argv[2]), atoi(argv[3]), 5000);
	if (ret)
		die("connect", -ret);
	if (virgo_link_write(&wire, "ping\n", 5))
		die("write", EIO);
	r = virgo_link_read(&wire, buf, sizeof(buf) - 1);
	if (r <= 0)
		die("ping", r ? -r : ECONNRESET);
	buf[r] = '\0';
	fputs(buf, stdout);
	printf("holding\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	{
		struct pollfd p = { .fd = wire.fd, .events = POLLIN };

		if (poll(&p, 1, atoi(argv[5]) * 1000) == 0) {
			puts("open");
			return 0;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("closed after %ld ms\n", (long)((t1.tv_sec - t0.tv_sec) * 1000 +
						(t1.tv_nsec - t0.tv_nsec) / 1000000));
	return 0;
}

static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n') {
			buf[n] = '\0';
			return n;
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	return -1;
}

static int dial(uint32_t addr, int port, const char *source)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = addr };
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (source) {
		src.sin_addr.s_addr = addr_of(source);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)))
			die("bind", errno);
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect", errno);
	return fd;
}

static int cmd_reflect(char **argv)
{
	char line[256], hello[256], proof[128];
	int fd = dial(addr_of(argv[0]), atoi(argv[1]), argv[3]);

	if (read_line(fd, line, sizeof(line)) < 0)
		die("read", EPROTO);
	printf("%s\n", line);
	if (strncmp(line, "VIRGO-AUTH ", 11))
		return 0;
	snprintf(hello, sizeof(hello), "AUTH-HELLO %d %s %064x\n", VIRGO_AUTH_VERSION,
		 argv[2], 0x5eed);
	if (write(fd, hello, strlen(hello)) < 0 || read_line(fd, line, sizeof(line)) < 0)
		die("hello", EPROTO);
	printf("%s\n", line);
	if (sscanf(line, "AUTH-SERVER %100s", proof) != 1)
		return 1;
	snprintf(line, sizeof(line), "AUTH-CLIENT %s\n", proof);
	if (write(fd, line, strlen(line)) < 0)
		die("write", errno);
	if (read_line(fd, line, sizeof(line)) < 0)
		strcpy(line, "(closed)");
	printf("%s\n", line);
	return 0;
}

/* Replace the id (the third word) of a handshake line with @self. */
static void rewrite(char *line, size_t len, const char *self)
{
	char a[32], b[16], id[16], nonce[100];

	if (sscanf(line, "%31s %15s %15s %99s", a, b, id, nonce) == 4 &&
	    (!strcmp(a, "VIRGO-AUTH") || !strcmp(a, "AUTH-HELLO")))
		snprintf(line, len, "%s %s %s %s", a, b, self, nonce);
}

static int cmd_relay(char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[0])) };
	uint32_t target = addr_of(argv[1]);
	int count = atoi(argv[2]), one = 1, lfd, v, t, i, done;
	const char *self = argv[3];
	char line[512];

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 4))
		die("listen", errno);
	printf("relay listening on %s\n", argv[0]);
	fflush(stdout);
	for (i = 0; i < count; i++) {
		struct timeval tv = { 5, 0 };

		v = accept(lfd, NULL, NULL);
		if (v < 0)
			die("accept", errno);
		setsockopt(v, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		t = dial(target, atoi(argv[0]), NULL);
		printf("connection %d%s\n", i + 1, self ? " (ids rewritten)" : "");
		/* The handshake alternates, the target first. */
		for (done = 0; !done;) {
			if (read_line(t, line, sizeof(line)) < 0) {
				puts("target hung up");
				break;
			}
			printf("target> %s\n", line);
			if (!strcmp(line, "OK") || !strncmp(line, "ERROR", 5))
				break;
			if (self)
				rewrite(line, sizeof(line), self);
			strcat(line, "\n");
			if (write(v, line, strlen(line)) < 0)
				break;
			if (read_line(v, line, sizeof(line)) < 0) {
				puts("victim hung up");
				break;
			}
			printf("victim> %s\n", line);
			if (self)
				rewrite(line, sizeof(line), self);
			strcat(line, "\n");
			done = write(t, line, strlen(line)) < 0;
		}
		fflush(stdout);
		close(v);
		close(t);
	}
	return 0;
}

/* What a local user can do: connections from all of 127/8, held open. */
static int cmd_flood(int argc, char **argv)
{
	int seconds = atoi(argv[0]), count = atoi(argv[1]), opened = 0, a, i, p, fd;
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (p = 2; p < argc; p++) {
		dst.sin_port = htons(atoi(argv[p]));
		for (a = 1; a <= 9; a++) {
			src.sin_addr.s_addr = htonl(0x7f000000 | a);
			for (i = 0; i < count; i++) {
				fd = socket(AF_INET, SOCK_STREAM, 0);
				if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
				    connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
					die("flood", errno);
				opened++;
			}
		}
	}
	printf("opened %d\n", opened);
	fflush(stdout);
	sleep(seconds);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 8 && !strcmp(argv[1], "frames"))
		return cmd_frames(argv + 2);
	if (argc == 9 && !strcmp(argv[1], "time"))
		return cmd_time(argv + 2);
	if ((argc == 8 || argc == 9) && !strcmp(argv[1], "hold"))
		return cmd_hold(argv + 2);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "reflect"))
		return cmd_reflect(argv + 2);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "relay"))
		return cmd_relay(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "flood"))
		return cmd_flood(argc - 2, argv + 2);
	fprintf(stderr, "usage: see the head of testing/guest/virgo-wire.c\n");
	return 2;
}
