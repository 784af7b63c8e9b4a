// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - virgo_malloc/set/get/free(2)
 *
 * An allocation of at most chunk_size bytes (configfs, 1 MiB by default)
 * is one chunk on the node the balancer picks. A larger one is striped:
 * each chunk on the node the balancer picks for it, and a map (struct
 * virgo_stripe_map and the chunks' VUIDs) on one more; its VUID is the
 * map's, marked as such. The caller's kernel reads the map and talks to
 * each chunk's node itself, so an access that needs a node that is down
 * fails with -EHOSTDOWN and never yields stale or zeroed bytes.
 *
 * Callers need CAP_SYS_ADMIN or the group in configfs mempool/caller_gid:
 * the node's cluster key speaks for every caller.
 */

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <trace/events/virgo.h>
#include "mempool.h"

static int virgo_mempool_node(u64 vuid, u32 *node)
{
	struct virgo_vuid v;

	if (virgo_vuid_decode(vuid, &v))
		return -EINVAL;
	*node = v.node;
	return 0;
}

/*
 * A chunk (or map) of @size bytes on a node the balancer picks. A node
 * that never saw the request is marked unreachable and another one is
 * picked, three tries in all; a request that was sent is never resent.
 */
static int virgo_mempool_alloc(u64 size, bool map, u64 *vuid)
{
	char line[64], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	int node, tries = 3, ret;

	snprintf(line, sizeof(line), "alloc %llu%s", size, map ? " map" : "");
	req.op = "malloc";
	do {
		node = virgo_balancer_pick();
		if (node < 0)
			return node;
		ret = virgo_call_status(node, VIRGO_PORT_MEMPOOL, &req);
		if (ret && !req.sent)
			virgo_node_unreachable(node);
	} while (ret && !req.sent && --tries);
	if (!ret && (strncmp(reply, "OK ", 3) || virgo_parse_u64(reply + 3, U64_MAX, vuid)))
		ret = -EPROTO;
	return ret;
}

/* Read or write [off, off + len) of one chunk (or map) @vuid. */
static int virgo_mempool_io(u64 vuid, u64 off, void *buf, u64 len, bool write)
{
	char line[96], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u32 node;
	int ret;

	ret = virgo_mempool_node(vuid, &node);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "%s %llu %llu %llu", write ? "write" : "read",
		 vuid, off, len);
	req.op = write ? "set" : "get";
	/*
	 * A chunk is up to a MiB: its deadline grows with it, 4 ms a KiB
	 * past the second every call has (256 KiB/s at the least: an
	 * emulated debug node under load moves a few MB/s).
	 */
	req.timeout_ms = VIRGO_CALL_TIMEOUT_MS + 4 * div_u64(len, SZ_1K);
	if (write) {
		req.data = buf;
		req.data_len = len;
	} else {
		req.rdata = buf;
		req.rdata_max = len;
	}
	ret = virgo_call_status(node, VIRGO_PORT_MEMPOOL, &req);
	if (!ret && !write && req.rdata_len != len)
		ret = -EPROTO;
	return ret;
}

static int virgo_mempool_free_one(u64 vuid)
{
	char line[64], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u32 node;
	int ret;

	ret = virgo_mempool_node(vuid, &node);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "free %llu", vuid);
	req.op = "free";
	return virgo_call_status(node, VIRGO_PORT_MEMPOOL, &req);
}

/* A striped allocation's map head, checked. */
static int virgo_mempool_map_head(u64 vuid, struct virgo_stripe_map *head)
{
	int ret = virgo_mempool_io(vuid, 0, head, sizeof(*head), false);

	if (ret)
		return ret;
	if (head->chunk_size < VIRGO_CHUNK_MIN || head->chunk_size > VIRGO_CHUNK_MAX ||
	    head->size > VIRGO_MALLOC_MAX || !head->nchunks ||
	    head->nchunks != virgo_stripe_chunks(head->size, head->chunk_size))
		return -EPROTO;
	return 0;
}

/* The VUIDs of chunks [first, first + n) of a striped allocation. */
static int virgo_mempool_map_chunks(u64 vuid, u64 first, u64 n, u64 **chunks)
{
	int ret;

	*chunks = kvcalloc(n, sizeof(u64), GFP_KERNEL);
	if (!*chunks)
		return -ENOMEM;
	ret = virgo_mempool_io(vuid, sizeof(struct virgo_stripe_map) + first * sizeof(u64),
			       *chunks, n * sizeof(u64), false);
	if (ret)
		kvfree(*chunks);
	return ret;
}

/*
 * Free an allocation. A chunk already gone is no error (a retried free);
 * a chunk that cannot be reached keeps the map, so the free can be
 * retried.
 */
static int virgo_mempool_release(u64 vuid)
{
	struct virgo_stripe_map head;
	u64 *chunks, i;
	int ret, err = 0;

	if (!virgo_vuid_is_map(vuid))
		return virgo_mempool_free_one(vuid);
	ret = virgo_mempool_map_head(vuid, &head);
	if (!ret)
		ret = virgo_mempool_map_chunks(vuid, 0, head.nchunks, &chunks);
	if (ret)
		return ret;
	for (i = 0; i < head.nchunks; i++) {
		ret = virgo_mempool_free_one(chunks[i]);
		if (ret && ret != -ENOENT && !err)
			err = ret;
	}
	kvfree(chunks);
	return err ?: virgo_mempool_free_one(vuid);
}

/* @size bytes striped in chunks of @chunk_size; on error nothing is left. */
static int virgo_mempool_stripe(u64 size, u64 chunk_size, u64 *vuid)
{
	u64 n = virgo_stripe_chunks(size, chunk_size), i, len;
	size_t map_len = sizeof(struct virgo_stripe_map) + n * sizeof(u64);
	struct virgo_stripe_map *head;
	u64 *chunks;
	int ret = 0;

	head = kvzalloc(map_len, GFP_KERNEL);
	if (!head)
		return -ENOMEM;
	chunks = (u64 *)(head + 1);
	head->size = size;
	head->chunk_size = chunk_size;
	head->nchunks = n;
	for (i = 0; i < n && !ret; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		len = min(chunk_size, size - i * chunk_size);
		ret = virgo_mempool_alloc(len, false, &chunks[i]);
	}
	if (!ret) {
		ret = virgo_mempool_alloc(map_len, true, vuid);
		if (!ret) {
			ret = virgo_mempool_io(*vuid, 0, head, map_len, true);
			if (ret)
				virgo_mempool_free_one(*vuid);
		}
	}
	if (ret)
		while (i--)
			if (chunks[i])
				virgo_mempool_free_one(chunks[i]);
	kvfree(head);
	return ret;
}

VIRGO_SYSCALL_DEFINE2(virgo_malloc, u64, size, u64 __user *, uvuid)
{
	u64 vuid, chunk_size = READ_ONCE(virgo_chunk_size);
	int ret;

	if (!virgo_caller_permitted(READ_ONCE(virgo_mempool_caller_gid)))
		return -EPERM;
	if (!size)
		return -EINVAL;
	if (size > VIRGO_MALLOC_MAX)
		return -E2BIG;
	if (size > chunk_size)
		ret = virgo_mempool_stripe(size, chunk_size, &vuid);
	else
		ret = virgo_mempool_alloc(size, false, &vuid);
	if (ret)
		return ret;
	if (put_user(vuid, uvuid)) {
		/* The caller cannot learn it: give the memory back. */
		virgo_mempool_release(vuid);
		return -EFAULT;
	}
	return 0;
}

/*
 * set or get [off, off + len) of an allocation, chunk by chunk. A single
 * chunk's node checks the range itself; a striped allocation's range is
 * checked against its map, and only the VUIDs of the chunks it touches
 * are read.
 */
static long virgo_mempool_rw(u64 vuid, void __user *ubuf, u64 len, u64 off,
			     bool write)
{
	struct virgo_stripe_map head = {
		.size = VIRGO_CHUNK_MAX, .chunk_size = VIRGO_CHUNK_MAX, .nchunks = 1,
	};
	struct virgo_stripe_step step;
	u64 *chunks = &vuid, first = 0, pos = 0, left = len, done = 0;
	void *buf;
	int ret;

	if (!virgo_caller_permitted(READ_ONCE(virgo_mempool_caller_gid)))
		return -EPERM;
	if (len > VIRGO_MALLOC_MAX)
		return -E2BIG;
	if (virgo_vuid_is_map(vuid)) {
		ret = virgo_mempool_map_head(vuid, &head);
		if (!ret)
			ret = virgo_stripe_check(head.size, off, len);
		if (ret)
			return ret;
		first = div64_u64(off, head.chunk_size);
		pos = off;
		if (len) {
			ret = virgo_mempool_map_chunks(vuid, first,
						       div64_u64(off + len - 1, head.chunk_size) -
						       first + 1, &chunks);
			if (ret)
				return ret;
		}
	} else if (len > VIRGO_CHUNK_MAX) {
		return -EINVAL;		/* past the end of any chunk */
	}
	buf = kvmalloc(max(min(len, head.chunk_size), 1ULL), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = 0;
	while (!ret && virgo_stripe_next(head.chunk_size, &pos, &left, &step)) {
		/* A single chunk: @pos started at 0, its node gets @off. */
		u64 at = chunks == &vuid ? off : step.offset;

		if (fatal_signal_pending(current))
			ret = -EINTR;
		else if (write && copy_from_user(buf, ubuf + done, step.len))
			ret = -EFAULT;
		if (!ret)
			ret = virgo_mempool_io(chunks[step.chunk - first], at, buf,
					       step.len, write);
		if (!ret && !write && copy_to_user(ubuf + done, buf, step.len))
			ret = -EFAULT;
		done += step.len;
	}
	if (!ret && !len)	/* an empty range still names a live allocation */
		ret = virgo_mempool_io(virgo_vuid_is_map(vuid) ? vuid : chunks[0],
				       virgo_vuid_is_map(vuid) ? 0 : off, buf, 0, write);
	kvfree(buf);
out:
	if (chunks != &vuid)
		kvfree(chunks);
	return ret ?: len;
}

VIRGO_SYSCALL_DEFINE4(virgo_set, u64, vuid, const void __user *, ubuf, u64, len, u64, off)
{
	return virgo_mempool_rw(vuid, (void __user *)ubuf, len, off, true);
}

VIRGO_SYSCALL_DEFINE4(virgo_get, u64, vuid, void __user *, ubuf, u64, len, u64, off)
{
	return virgo_mempool_rw(vuid, ubuf, len, off, false);
}

VIRGO_SYSCALL_DEFINE1(virgo_free, u64, vuid)
{
	if (!virgo_caller_permitted(READ_ONCE(virgo_mempool_caller_gid)))
		return -EPERM;
	return virgo_mempool_release(vuid);
}
