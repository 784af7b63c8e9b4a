// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - reading and writing lines and payloads on kernel sockets
 */

#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "core.h"

void virgo_sock_set_timeout(struct virgo_sock *vs, unsigned int ms)
{
	struct sock *sk = vs->sock->sk;
	long t = msecs_to_jiffies(ms);

	lock_sock(sk);
	WRITE_ONCE(sk->sk_rcvtimeo, t);
	WRITE_ONCE(sk->sk_sndtimeo, t);
	release_sock(sk);
}

/* Receive whatever is there, at most @len bytes; 0 means end of stream. */
static int virgo_sock_recv(struct virgo_sock *vs, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret;

	ret = kernel_recvmsg(vs->sock, &msg, &iov, 1, len, msg.msg_flags);
	if (ret == -EAGAIN)
		return -ETIMEDOUT;
	return ret;
}

/**
 * virgo_sock_read_line() - the next line from the peer
 * @vs: the connection
 * @line: set to the line (valid until the next read)
 * @len: set to its length
 *
 * Return: 0; -ENOTCONN at end of stream; -E2BIG for an overlong line,
 * -EINVAL for a line with a NUL byte (consumed); -ETIMEDOUT; other
 * socket errors.
 */
int virgo_sock_read_line(struct virgo_sock *vs, char **line, size_t *len)
{
	char *where;
	size_t room;
	int ret;

	for (;;) {
		ret = virgo_linebuf_take(&vs->lb, line, len);
		if (ret)
			return ret < 0 ? ret : 0;
		room = virgo_linebuf_room(&vs->lb, &where);
		ret = virgo_sock_recv(vs, where, room);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ENOTCONN;
		virgo_linebuf_fill(&vs->lb, ret);
	}
}

/**
 * virgo_sock_read_exact() - exactly @len payload bytes
 * @vs: the connection
 * @buf: where to put them
 * @len: how many; the caller bounds it
 *
 * Return: 0, -ENOTCONN if the stream ends first, or a socket error.
 */
int virgo_sock_read_exact(struct virgo_sock *vs, void *buf, size_t len)
{
	size_t got = virgo_linebuf_take_bytes(&vs->lb, buf, len);
	int ret;

	while (got < len) {
		ret = virgo_sock_recv(vs, buf + got, len - got);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ENOTCONN;
		got += ret;
	}
	return 0;
}

/**
 * virgo_sock_writev() - send every byte of @n buffers, in one go if it fits
 * @vs: the connection
 * @iov: the buffers
 * @n: how many
 *
 * Return: 0, -ETIMEDOUT, -ENOTCONN or another socket error.
 */
int virgo_sock_writev(struct virgo_sock *vs, struct kvec *iov, unsigned int n)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	size_t total = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, iov, n, total);
	while (msg_data_left(&msg)) {
		ret = sock_sendmsg(vs->sock, &msg);
		if (ret == -EAGAIN)
			return -ETIMEDOUT;
		if (ret < 0)
			return ret;
		if (!ret)
			return -ENOTCONN;
	}
	return 0;
}

int virgo_sock_write(struct virgo_sock *vs, const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	return virgo_sock_writev(vs, &iov, 1);
}

int virgo_sock_vprintf(struct virgo_sock *vs, const char *fmt, va_list args)
{
	char *text = kvasprintf(GFP_KERNEL, fmt, args);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = virgo_sock_write(vs, text, strlen(text));
	kfree(text);
	return ret;
}

int virgo_sock_printf(struct virgo_sock *vs, const char *fmt, ...)
{
	va_list args;
	int ret;

	va_start(args, fmt);
	ret = virgo_sock_vprintf(vs, fmt, args);
	va_end(args);
	return ret;
}
