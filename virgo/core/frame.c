// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - protected frames
 *
 * After the handshake of a keyed cluster, every byte of a connection
 * travels in frames:
 *
 *	+---------------+---------------+----------------------+-----------+
 *	| length (be32) | Lamport time  | data, ChaCha20       | Poly1305  |
 *	| of data + tag | (be64)        | encrypted            | tag (16)  |
 *	+---------------+---------------+----------------------+-----------+
 *
 * sealed with ChaCha20-Poly1305 (RFC 8439) under the direction's session
 * key, the frame's sequence number (0, 1, 2... per direction) as the
 * 64-bit nonce and the head (length and time) as associated data. The
 * time is the sender's Lamport clock when it sent the frame: the
 * receiver's clock moves past it (sock.c), so that every exchange of
 * every service, liveness polls included, orders the two nodes' events.
 * A frame altered,
 * replayed, reordered, dropped or cut short fails to open, and the
 * connection ends. A frame without data is the close frame: the stream's
 * end, authenticated, so that dropping the last frames cannot pass for
 * one. Pure functions over buffers, so that KUnit checks them
 * against vectors; sock.c moves the frames.
 */

#include <crypto/chacha20poly1305.h>
#include <linux/errno.h>
#include <linux/unaligned.h>
#include "core.h"

static_assert(VIRGO_FRAME_TAG == CHACHA20POLY1305_AUTHTAG_SIZE);
static_assert(VIRGO_AUTH_NONCE == CHACHA20POLY1305_KEY_SIZE);

/**
 * virgo_frame_seal() - seal @len data bytes into a frame, in place
 * @frame: VIRGO_FRAME_HEAD bytes of room, the data, then VIRGO_FRAME_TAG
 *	bytes of room
 * @len: 0 (the close frame) to VIRGO_FRAME_DATA_MAX
 * @seq: the frame's sequence number
 * @time: the sender's Lamport time
 * @key: the direction's session key
 *
 * Return: the frame's size.
 */
size_t virgo_frame_seal(u8 *frame, size_t len, u64 seq, u64 time,
			const u8 key[VIRGO_AUTH_NONCE])
{
	u8 *data = frame + VIRGO_FRAME_HEAD;

	put_unaligned_be32(len + VIRGO_FRAME_TAG, frame);
	put_unaligned_be64(time, frame + 4);
	chacha20poly1305_encrypt(data, data, len, frame, VIRGO_FRAME_HEAD, seq, key);
	return VIRGO_FRAME_HEAD + len + VIRGO_FRAME_TAG;
}

/**
 * virgo_frame_body() - how many bytes follow a frame's head
 * @head: the VIRGO_FRAME_HEAD bytes received
 *
 * Return: the body's length, or -EPROTO for one that cannot be a frame
 * (shorter than a tag, or larger than VIRGO_FRAME_SIZE allows).
 */
int virgo_frame_body(const u8 *head)
{
	u32 body = get_unaligned_be32(head);

	if (body < VIRGO_FRAME_TAG || body > VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD)
		return -EPROTO;
	return body;
}

/* The sender's Lamport time in a frame's head: trust it once it opened. */
u64 virgo_frame_time(const u8 *head)
{
	return get_unaligned_be64(head + 4);
}

/**
 * virgo_frame_open() - check and decrypt a received frame, in place
 * @frame: the head and @body bytes after it
 * @body: as virgo_frame_body() returned
 * @seq: the sequence number the frame must have
 * @key: the direction's session key
 *
 * Return: the data's length (the data starts at @frame +
 * VIRGO_FRAME_HEAD; 0 for the close frame), or -EBADMSG when the frame is
 * not the one expected.
 */
int virgo_frame_open(u8 *frame, size_t body, u64 seq,
		     const u8 key[VIRGO_AUTH_NONCE])
{
	u8 *data = frame + VIRGO_FRAME_HEAD;

	if (!chacha20poly1305_decrypt(data, data, body, frame, VIRGO_FRAME_HEAD,
				      seq, key))
		return -EBADMSG;
	return body - VIRGO_FRAME_TAG;
}
