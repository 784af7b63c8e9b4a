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

/**
 * virgo_sock_protect() - carry every further byte in protected frames
 * @vs: a connection whose handshake just ended
 * @tx_key: session key of what we send
 * @rx_key: session key of what we receive
 *
 * Return: 0 or -ENOMEM.
 */
int virgo_sock_protect(struct virgo_sock *vs, const u8 *tx_key, const u8 *rx_key)
{
	struct virgo_frames *fr = kzalloc(sizeof(*fr), GFP_KERNEL);

	if (!fr)
		return -ENOMEM;
	fr->tx = kmalloc(VIRGO_FRAME_SIZE, GFP_KERNEL);
	fr->rx = kmalloc(VIRGO_FRAME_SIZE, GFP_KERNEL);
	if (!fr->tx || !fr->rx) {
		kfree(fr->tx);
		kfree(fr->rx);
		kfree(fr);
		return -ENOMEM;
	}
	memcpy(fr->tx_key, tx_key, sizeof(fr->tx_key));
	memcpy(fr->rx_key, rx_key, sizeof(fr->rx_key));
	vs->fr = fr;
	return 0;
}

/**
 * virgo_sock_close() - shut a connection down and free it, keys wiped
 * @vs: the connection
 */
void virgo_sock_close(struct virgo_sock *vs)
{
	struct virgo_frames *fr = vs->fr;

	kernel_sock_shutdown(vs->sock, SHUT_RDWR);
	sock_release(vs->sock);
	vs->sock = NULL;
	if (fr) {
		kfree_sensitive(fr->tx);
		kfree_sensitive(fr->rx);
		kfree_sensitive(fr);
		vs->fr = NULL;
	}
}

/**
 * virgo_sock_send_close() - end a protected stream with the close frame
 * @vs: the connection; nothing for one in clear text
 *
 * Best effort, without waiting: the peer may be gone.
 */
void virgo_sock_send_close(struct virgo_sock *vs)
{
	struct virgo_frames *fr = vs->fr;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = fr ? fr->tx : NULL };

	if (!fr || fr->tx_seq == U64_MAX)
		return;
	iov.iov_len = virgo_frame_seal(fr->tx, 0, fr->tx_seq++,
					 virgo_clock_stamp(), fr->tx_key);
	kernel_sendmsg(vs->sock, &msg, &iov, 1, iov.iov_len);
}

/* Has the peer sent bytes nobody has read yet? */
bool virgo_sock_pending(struct virgo_sock *vs)
{
	return vs->lb.start != vs->lb.end ||
	       (vs->fr && (vs->fr->rx_start != vs->fr->rx_end ||
			   vs->fr->raw_end != vs->fr->raw_used)) ||
	       !skb_queue_empty_lockless(&vs->sock->sk->sk_receive_queue);
}

/* Receive whatever is there, at most @len bytes; 0 means end of stream. */
static int virgo_sock_recv_raw(struct virgo_sock *vs, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	long left;
	int ret;

	if (vs->deadline) {
		left = (long)(vs->deadline - jiffies);
		if (left <= 0)
			return -ETIMEDOUT;
		WRITE_ONCE(vs->sock->sk->sk_rcvtimeo, left);
	}
	ret = kernel_recvmsg(vs->sock, &msg, &iov, 1, len, msg.msg_flags);
	if (ret == -EAGAIN)
		return -ETIMEDOUT;
	if (ret > 0)
		vs->rx_bytes += ret;
	return ret;
}

/*
 * Until vs->fr->rx holds @need bytes, receive what is there (often the
 * next frames too, so that a frame usually costs one receive).
 */
static int virgo_sock_fill(struct virgo_sock *vs, size_t need)
{
	struct virgo_frames *fr = vs->fr;
	int ret;

	while (fr->raw_end < need) {
		ret = virgo_sock_recv_raw(vs, fr->rx + fr->raw_end,
					  VIRGO_FRAME_SIZE - fr->raw_end);
		if (ret < 0)
			return ret;
		if (!ret)
			return -EPROTO;	/* ended without the close frame: cut */
		fr->raw_end += ret;
	}
	return 0;
}

/*
 * The next frame's data into vs->fr->rx: its length; 0 after the close
 * frame; -EPROTO for a stream that ends without one (cut short).
 */
static int virgo_sock_recv_frame(struct virgo_sock *vs)
{
	struct virgo_frames *fr = vs->fr;
	int ret, body;

	if (fr->eof)
		return 0;
	/* The bytes received past the last frame start the next one. */
	fr->raw_end -= fr->raw_used;
	memmove(fr->rx, fr->rx + fr->raw_used, fr->raw_end);
	fr->raw_used = 0;

	ret = virgo_sock_fill(vs, VIRGO_FRAME_HEAD);
	if (ret)
		return ret;
	body = virgo_frame_body(fr->rx);
	if (body < 0)
		return body;
	ret = virgo_sock_fill(vs, VIRGO_FRAME_HEAD + body);
	if (ret)
		return ret;
	if (fr->rx_seq == U64_MAX)
		return -EPROTO;		/* never reuse a nonce */
	ret = virgo_frame_open(fr->rx, body, fr->rx_seq, fr->rx_key);
	if (ret < 0)
		return ret;
	vs->rx_time = virgo_frame_time(fr->rx);
	virgo_clock_merge(vs->rx_time);
	fr->rx_seq++;
	fr->raw_used = VIRGO_FRAME_HEAD + body;
	fr->rx_start = VIRGO_FRAME_HEAD;
	fr->rx_end = VIRGO_FRAME_HEAD + ret;
	fr->eof = !ret;
	return ret;
}

/*
 * Receive whatever is there, at most @len bytes; 0 means end of stream.
 * On a protected connection: -EBADMSG for a frame that fails to open,
 * -EPROTO for one that cannot be a frame or is cut short.
 */
static int virgo_sock_recv(struct virgo_sock *vs, void *buf, size_t len)
{
	struct virgo_frames *fr = vs->fr;
	size_t n;
	int ret;

	if (!fr)
		return virgo_sock_recv_raw(vs, buf, len);
	if (fr->rx_start == fr->rx_end) {
		ret = virgo_sock_recv_frame(vs);
		if (ret <= 0)
			return ret;
	}
	n = min(len, fr->rx_end - fr->rx_start);
	memcpy(buf, fr->rx + fr->rx_start, n);
	fr->rx_start += n;
	return n;
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
		if (ret > 0)
			vs->read_bytes += *len + 1;
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
	vs->read_bytes += len;
	return 0;
}

static int virgo_sock_send_raw(struct virgo_sock *vs, struct msghdr *msg)
{
	int ret;

	while (msg_data_left(msg)) {
		ret = sock_sendmsg(vs->sock, msg);
		if (ret == -EAGAIN)
			return -ETIMEDOUT;
		if (ret < 0)
			return ret;
		if (!ret)
			return -ENOTCONN;
		vs->tx_bytes += ret;
	}
	return 0;
}

/* @iter's bytes in as few frames as they fit. */
static int virgo_sock_send_frames(struct virgo_sock *vs, struct iov_iter *iter)
{
	struct virgo_frames *fr = vs->fr;
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = fr->tx };
	size_t n;
	u64 time;
	int ret;

	while (iov_iter_count(iter)) {
		if (fr->tx_seq == U64_MAX)
			return -EPROTO;		/* never reuse a nonce */
		n = min_t(size_t, iov_iter_count(iter), VIRGO_FRAME_DATA_MAX);
		if (copy_from_iter(fr->tx + VIRGO_FRAME_HEAD, n, iter) != n)
			return -EFAULT;
		/* A traced request's first frame: its event's time. */
		time = vs->next_time ?: virgo_clock_stamp();
		vs->next_time = 0;
		iov.iov_len = virgo_frame_seal(fr->tx, n, fr->tx_seq++, time, fr->tx_key);
		iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, iov.iov_len);
		ret = virgo_sock_send_raw(vs, &msg);
		if (ret)
			return ret;
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
	struct iov_iter iter;
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	iov_iter_kvec(&iter, ITER_SOURCE, iov, n, total);
	if (vs->fr)
		return virgo_sock_send_frames(vs, &iter);
	msg.msg_iter = iter;
	return virgo_sock_send_raw(vs, &msg);
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
