// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo - connections to a node's service: the handshake of a keyed
 * cluster and its protected frames (Documentation/virgo/core.rst), the
 * same exchange as the kernel's virgo/core/auth.c and frame.c, with
 * OpenSSL's libcrypto for HMAC-SHA256 and ChaCha20-Poly1305.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "libvirgo.h"

void virgo_transcript_init(struct virgo_transcript *t, unsigned int port,
			   uint32_t server_id, uint32_t client_id)
{
	memcpy(t->label, VIRGO_AUTH_LABEL, sizeof(t->label));
	t->port = htons(port);
	t->server_id = htonl(server_id);
	t->client_id = htonl(client_id);
}

static int hmac2(const uint8_t *key, size_t key_len, const void *a, size_t a_len,
		 const char *b, uint8_t out[VIRGO_AUTH_NONCE])
{
	uint8_t msg[sizeof(struct virgo_transcript) + 16];
	size_t b_len = strlen(b);
	unsigned int len = 0;

	if (a_len + b_len > sizeof(msg))
		return -EINVAL;
	memcpy(msg, a, a_len);
	memcpy(msg + a_len, b, b_len);
	if (!HMAC(EVP_sha256(), key, key_len, msg, a_len + b_len, out, &len) ||
	    len != VIRGO_AUTH_NONCE)
		return -EIO;
	return 0;
}

int virgo_auth_derive(const uint8_t *key, size_t key_len,
		      const struct virgo_transcript *t, struct virgo_secrets *s)
{
	uint8_t session[VIRGO_AUTH_NONCE];
	int ret;

	ret = hmac2(key, key_len, t, sizeof(*t), "server", s->server_proof);
	if (!ret)
		ret = hmac2(key, key_len, t, sizeof(*t), "client", s->client_proof);
	if (!ret)
		ret = hmac2(key, key_len, t, sizeof(*t), "session", session);
	if (!ret)
		ret = hmac2(session, sizeof(session), "", 0, "client to server", s->c2s);
	if (!ret)
		ret = hmac2(session, sizeof(session), "", 0, "server to client", s->s2c);
	OPENSSL_cleanse(session, sizeof(session));
	return ret;
}

/* RFC 8439's 96-bit nonce: 32 zero bits, then the sequence number, LE. */
/* The process's Lamport clock (libvirgo.h). */
static uint64_t lamport;

static void frame_nonce(uint8_t nonce[12], uint64_t seq)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = seq >> (8 * i);
}

uint64_t virgo_lamport(void)
{
	return __atomic_load_n(&lamport, __ATOMIC_RELAXED);
}

uint64_t virgo_lamport_merge(uint64_t seen)
{
	uint64_t cur = __atomic_load_n(&lamport, __ATOMIC_RELAXED), next;

	do {
		next = cur > seen ? cur : seen;
		next = (next < VIRGO_CLOCK_MAX - 1 ? next : VIRGO_CLOCK_MAX - 1) + 1;
	} while (!__atomic_compare_exchange_n(&lamport, &cur, next, 0,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return next;
}

size_t virgo_frame_seal(uint8_t *frame, size_t len, uint64_t seq, uint64_t time,
			const uint8_t key[VIRGO_AUTH_NONCE])
{
	uint8_t nonce[12], *data = frame + VIRGO_FRAME_HEAD;
	uint32_t body = htonl(len + VIRGO_FRAME_TAG);
	EVP_CIPHER_CTX *ctx;
	int i, n, ok;

	if (len > VIRGO_FRAME_DATA_MAX)
		return 0;
	memcpy(frame, &body, sizeof(body));
	for (i = 0; i < 8; i++)
		frame[4 + i] = time >> (56 - 8 * i);
	frame_nonce(nonce, seq);
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce) &&
	     EVP_EncryptUpdate(ctx, NULL, &n, frame, VIRGO_FRAME_HEAD) &&
	     EVP_EncryptUpdate(ctx, data, &n, data, len) &&
	     EVP_EncryptFinal_ex(ctx, data + n, &n) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, VIRGO_FRAME_TAG, data + len);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? VIRGO_FRAME_HEAD + len + VIRGO_FRAME_TAG : 0;
}

int virgo_frame_body(const uint8_t *head)
{
	uint32_t body;

	memcpy(&body, head, sizeof(body));
	body = ntohl(body);
	if (body < VIRGO_FRAME_TAG || body > VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD)
		return -EPROTO;
	return body;
}

uint64_t virgo_frame_time(const uint8_t *head)
{
	uint64_t time = 0;
	int i;

	for (i = 0; i < 8; i++)
		time = time << 8 | head[4 + i];
	return time;
}

int virgo_frame_open(uint8_t *frame, size_t body, uint64_t seq,
		     const uint8_t key[VIRGO_AUTH_NONCE])
{
	uint8_t nonce[12], *data = frame + VIRGO_FRAME_HEAD;
	size_t len = body - VIRGO_FRAME_TAG;
	EVP_CIPHER_CTX *ctx;
	int n, ok;

	frame_nonce(nonce, seq);
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_DecryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce) &&
	     EVP_DecryptUpdate(ctx, NULL, &n, frame, VIRGO_FRAME_HEAD) &&
	     EVP_DecryptUpdate(ctx, data, &n, data, len) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, VIRGO_FRAME_TAG, data + len) &&
	     EVP_DecryptFinal_ex(ctx, data + n, &n) > 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? (int)len : -EBADMSG;
}

/* One clear-text line, byte by byte so that nothing after it is consumed. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!r)
			return -ECONNRESET;
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return n;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0)
			return -errno;
		p += w;
		len -= w;
	}
	return 0;
}

static void to_hex(char *out, const uint8_t *bin, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", bin[i]);
}

static int from_hex(uint8_t *bin, const char *hex, size_t n)
{
	unsigned int hi, lo;
	size_t i;

	if (strlen(hex) != 2 * n)
		return -EPROTO;
	for (i = 0; i < n; i++) {
		hi = virgo_hexval(hex[2 * i]);
		lo = virgo_hexval(hex[2 * i + 1]);
		if (hi > 15 || lo > 15)
			return -EPROTO;
		bin[i] = hi << 4 | lo;
	}
	return 0;
}

/* The errno of an "ERROR <name> ..." line, 0 for another line. */
int virgo_reply_errno(const char *line)
{
	static const struct { const char *name; int err; } names[] = {
		{ "EACCES", EACCES }, { "EBUSY", EBUSY }, { "EPROTO", EPROTO },
		{ "ESHUTDOWN", ESHUTDOWN }, { "ENOKEY", ENOKEY }, { "EINVAL", EINVAL },
		{ "ENOENT", ENOENT }, { "ENOMEM", ENOMEM }, { "E2BIG", E2BIG },
	};
	size_t i, n;

	if (strncmp(line, "ERROR ", 6))
		return 0;
	n = strcspn(line + 6, " ");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !strncmp(line + 6, names[i].name, n))
			return -names[i].err;
	return -EIO;
}

/* Read a handshake line; an ERROR line gives its errno. */
static int hs_read(int fd, char *line, size_t len)
{
	int ret = read_line(fd, line, len);

	if (ret < 0)
		return ret;
	return virgo_reply_errno(line);
}

static int handshake(struct virgo_link *link, unsigned int port, const uint8_t *key,
		     size_t key_len, uint32_t self_id, uint32_t peer_id)
{
	char line[256], hex[VIRGO_AUTH_HEX + 1], word[16], nonce_hex[VIRGO_AUTH_HEX + 2];
	struct virgo_transcript t;
	struct virgo_secrets s;
	uint8_t proof[VIRGO_AUTH_NONCE];
	unsigned int version, id;
	int ret, n;

	virgo_transcript_init(&t, port, peer_id, self_id);
	ret = hs_read(link->fd, line, sizeof(line));
	if (ret)
		return ret;
	if (!strncmp(line, "AUTH-CHALLENGE ", 15))
		return -EPROTONOSUPPORT;	/* a node of handshake v1 */
	n = 0;
	if (sscanf(line, "VIRGO-AUTH %u %u %65s%n", &version, &id, nonce_hex, &n) != 3 ||
	    line[n])
		return -EPROTO;
	if (version != VIRGO_AUTH_VERSION)
		return -EPROTONOSUPPORT;
	if (id != peer_id)
		return -EACCES;			/* not the node we dialled */
	if (from_hex(t.server_nonce, nonce_hex, VIRGO_AUTH_NONCE))
		return -EPROTO;
	if (RAND_bytes(t.client_nonce, sizeof(t.client_nonce)) != 1)
		return -EIO;
	to_hex(hex, t.client_nonce, VIRGO_AUTH_NONCE);
	snprintf(line, sizeof(line), "AUTH-HELLO %u %u %s\n", VIRGO_AUTH_VERSION, self_id, hex);
	ret = write_all(link->fd, line, strlen(line));
	if (ret)
		return ret;
	ret = virgo_auth_derive(key, key_len, &t, &s);
	if (ret)
		goto out;

	ret = hs_read(link->fd, line, sizeof(line));
	if (ret)
		goto out;
	n = 0;
	ret = -EACCES;		/* a server that cannot prove the key */
	if (sscanf(line, "%15s %65s%n", word, nonce_hex, &n) != 2 || line[n] ||
	    strcmp(word, "AUTH-SERVER") || from_hex(proof, nonce_hex, VIRGO_AUTH_NONCE) ||
	    CRYPTO_memcmp(proof, s.server_proof, VIRGO_AUTH_NONCE))
		goto out;
	to_hex(hex, s.client_proof, VIRGO_AUTH_NONCE);
	snprintf(line, sizeof(line), "AUTH-CLIENT %s\n", hex);
	ret = write_all(link->fd, line, strlen(line));
	if (ret)
		goto out;
	ret = hs_read(link->fd, line, sizeof(line));
	if (ret)
		goto out;
	if (strcmp(line, "OK")) {
		ret = -EPROTO;
		goto out;
	}
	memcpy(link->tx_key, s.c2s, sizeof(link->tx_key));
	memcpy(link->rx_key, s.s2c, sizeof(link->rx_key));
	link->tx_seq = link->rx_seq = 0;
	link->rx_start = link->rx_end = 0;
	link->framed = 1;
out:
	OPENSSL_cleanse(&s, sizeof(s));
	return ret;
}

int virgo_link_connect(struct virgo_link *link, uint32_t addr, unsigned int port,
		       const char *source, const uint8_t *key, size_t key_len,
		       uint32_t self_id, uint32_t peer_id, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = addr };
	struct timeval tv = { timeout_ms / 1000, timeout_ms % 1000 * 1000 };
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd, ret, one = 1;

	memset(link, 0, sizeof(*link));
	link->fd = -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (source) {
		if (inet_pton(AF_INET, source, &src.sin_addr) != 1) {
			ret = -EINVAL;
			goto fail;
		}
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			ret = -errno;
			goto fail;
		}
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		ret = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		goto fail;
	}
	link->fd = fd;
	if (key_len) {
		ret = handshake(link, port, key, key_len, self_id, peer_id);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	close(fd);
	memset(link, 0, sizeof(*link));
	link->fd = -1;
	return ret;
}

int virgo_link_write(struct virgo_link *link, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t n, size;
	int ret;

	if (!link->framed)
		return write_all(link->fd, buf, len);
	while (len) {
		n = len < VIRGO_FRAME_DATA_MAX ? len : VIRGO_FRAME_DATA_MAX;
		memcpy(link->tx + VIRGO_FRAME_HEAD, p, n);
		link->tx_time = virgo_lamport_merge(0);
		size = virgo_frame_seal(link->tx, n, link->tx_seq++, link->tx_time,
					link->tx_key);
		if (!size)
			return -EIO;
		ret = write_all(link->fd, link->tx, size);
		if (ret)
			return ret;
		p += n;
		len -= n;
	}
	return 0;
}

/* Exactly @len bytes; 0 at end of stream before the first, if @eof_ok. */
static int read_all(int fd, uint8_t *buf, size_t len, int eof_ok)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = read(fd, buf + got, len - got);
		if (r < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!r)
			return eof_ok && !got ? 0 : -EPROTO;
		got += r;
	}
	return 1;
}

ssize_t virgo_link_read(struct virgo_link *link, void *buf, size_t len)
{
	ssize_t r;
	size_t n;
	int ret, body;

	if (!link->framed) {
		r = read(link->fd, buf, len);
		return r < 0 ? (errno == EAGAIN ? -ETIMEDOUT : -errno) : r;
	}
	if (link->rx_start == link->rx_end) {
		if (link->eof)
			return 0;
		/* The end must come as the close frame: else it was cut. */
		ret = read_all(link->fd, link->rx, VIRGO_FRAME_HEAD, 1);
		if (!ret)
			return -EPROTO;
		if (ret < 0)
			return ret;
		body = virgo_frame_body(link->rx);
		if (body < 0)
			return body;
		ret = read_all(link->fd, link->rx + VIRGO_FRAME_HEAD, body, 0);
		if (ret < 0)
			return ret;
		ret = virgo_frame_open(link->rx, body, link->rx_seq, link->rx_key);
		if (ret < 0)
			return ret;
		link->rx_time = virgo_frame_time(link->rx);
		virgo_lamport_merge(link->rx_time);
		link->rx_seq++;
		link->rx_start = VIRGO_FRAME_HEAD;
		link->rx_end = VIRGO_FRAME_HEAD + ret;
		link->eof = !ret;
	}
	n = link->rx_end - link->rx_start;
	if (n > len)
		n = len;
	memcpy(buf, link->rx + link->rx_start, n);
	link->rx_start += n;
	return n;
}

int virgo_link_shutdown(struct virgo_link *link)
{
	size_t size;
	int ret;

	if (link->framed) {
		link->tx_time = virgo_lamport_merge(0);
		size = virgo_frame_seal(link->tx, 0, link->tx_seq++, link->tx_time,
					link->tx_key);
		ret = size ? write_all(link->fd, link->tx, size) : -EIO;
		if (ret)
			return ret;
	}
	return shutdown(link->fd, SHUT_WR) ? -errno : 0;
}

void virgo_link_close(struct virgo_link *link)
{
	if (link->fd >= 0)
		close(link->fd);
	OPENSSL_cleanse(link, sizeof(*link));
	link->fd = -1;
}
