// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - virgo_malloc/set/get/free(2)
 *
 * An allocation of at most a chunk (1 MiB) is one chunk on the node the
 * balancer picks. A larger one is striped: each chunk on the node the
 * balancer picks for it, and a map (struct virgo_stripe_map and the
 * chunks' VUIDs) on one more; its VUID is the map's, marked as such. The
 * caller's kernel reads the map and talks to each chunk's node itself, so
 * a chunk whose node is down fails the access with that node's errno and
 * never yields stale or zeroed bytes.
 *
 * Work in progress: callers need CAP_SYS_ADMIN; no caller group yet.
 */

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include "mempool.h"

#define VIRGO_MAP_CHUNKS_MAX	(VIRGO_MALLOC_MAX / VIRGO_CHUNK_MAX)

/* "OK [words]" is 0, "ERROR <errno> ..." its errno, anything else -EPROTO. */
static int virgo_mempool_status(char *reply)
{
	if (!strcmp(reply, "OK") || !strncmp(reply, "OK ", 3) ||
	    !strncmp(reply, "DATA ", 5))
		return 0;
	if (!strncmp(reply, "ERROR ", 6)) {
		reply[6 + strcspn(reply + 6, " ")] = '\0';
		return virgo_errno_parse(reply + 6);
	}
	return -EPROTO;
}

/* One exchange with the mempool service of @vuid's node (or of @node). */
static int virgo_mempool_call(u32 node, struct virgo_request *req)
{
	int ret = virgo_call_request(node, VIRGO_PORT_MEMPOOL, req);

	if (ret)
		return ret == -ERESTARTSYS ? -EINTR : ret;
	return virgo_mempool_status(req->reply);
}

static int virgo_mempool_node(u64 vuid, u32 *node)
{
	struct virgo_vuid v;

	if (virgo_vuid_decode(vuid, &v))
		return -EINVAL;
	*node = v.node;
	return 0;
}

static int virgo_mempool_alloc(u32 node, u64 size, bool map, u64 *vuid)
{
	char line[64], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	int ret;

	snprintf(line, sizeof(line), "alloc %llu%s", size, map ? " map" : "");
	ret = virgo_mempool_call(node, &req);
	if (!ret && virgo_parse_u64(reply + 3, U64_MAX, vuid))
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
	if (write) {
		req.data = buf;
		req.data_len = len;
	} else {
		req.rdata = buf;
		req.rdata_max = len;
	}
	ret = virgo_mempool_call(node, &req);
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
	return virgo_mempool_call(node, &req);
}

/* A striped allocation's map: head checked, VUIDs in a new array. */
static int virgo_mempool_map(u64 vuid, struct virgo_stripe_map *head, u64 **chunks)
{
	int ret;

	ret = virgo_mempool_io(vuid, 0, head, sizeof(*head), false);
	if (ret)
		return ret;
	if (!head->chunk_size || head->chunk_size > VIRGO_CHUNK_MAX ||
	    head->size > VIRGO_MALLOC_MAX || !head->nchunks ||
	    head->nchunks != virgo_stripe_chunks(head->size, head->chunk_size))
		return -EPROTO;
	*chunks = kcalloc(head->nchunks, sizeof(u64), GFP_KERNEL);
	if (!*chunks)
		return -ENOMEM;
	ret = virgo_mempool_io(vuid, sizeof(*head), *chunks,
			       head->nchunks * sizeof(u64), false);
	if (ret)
		kfree(*chunks);
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
	ret = virgo_mempool_map(vuid, &head, &chunks);
	if (ret)
		return ret;
	for (i = 0; i < head.nchunks; i++) {
		ret = virgo_mempool_free_one(chunks[i]);
		if (ret && ret != -ENOENT && !err)
			err = ret;
	}
	kfree(chunks);
	return err ?: virgo_mempool_free_one(vuid);
}

static int virgo_mempool_pick(void)
{
	return virgo_balancer_pick();
}

/* A striped allocation of @size bytes; on error nothing is left. */
static int virgo_mempool_stripe(u64 size, u64 *vuid)
{
	u64 n = virgo_stripe_chunks(size, VIRGO_CHUNK_MAX), i, len;
	size_t map_len = sizeof(struct virgo_stripe_map) + n * sizeof(u64);
	struct virgo_stripe_map *head;
	u64 *chunks;
	int node, ret = 0;

	head = kzalloc(map_len, GFP_KERNEL);
	if (!head)
		return -ENOMEM;
	chunks = (u64 *)(head + 1);
	head->size = size;
	head->chunk_size = VIRGO_CHUNK_MAX;
	head->nchunks = n;
	for (i = 0; i < n && !ret; i++) {
		len = min(VIRGO_CHUNK_MAX, size - i * VIRGO_CHUNK_MAX);
		node = virgo_mempool_pick();
		ret = node < 0 ? node : virgo_mempool_alloc(node, len, false, &chunks[i]);
	}
	if (!ret) {
		node = virgo_mempool_pick();
		ret = node < 0 ? node : virgo_mempool_alloc(node, map_len, true, vuid);
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
	kfree(head);
	return ret;
}

SYSCALL_DEFINE2(virgo_malloc, u64, size, u64 __user *, uvuid)
{
	u64 vuid;
	int node, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!size)
		return -EINVAL;
	if (size > VIRGO_MALLOC_MAX)
		return -E2BIG;
	if (size > VIRGO_CHUNK_MAX) {
		ret = virgo_mempool_stripe(size, &vuid);
	} else {
		node = virgo_mempool_pick();
		ret = node < 0 ? node : virgo_mempool_alloc(node, size, false, &vuid);
	}
	if (ret)
		return ret;
	if (put_user(vuid, uvuid)) {
		/* The caller cannot learn it: give the memory back. */
		virgo_mempool_release(vuid);
		return -EFAULT;
	}
	return 0;
}

/* set or get [off, off + len) of any allocation, chunk by chunk. */
static long virgo_mempool_rw(u64 vuid, void __user *ubuf, u64 len, u64 off,
			     bool write)
{
	struct virgo_stripe_map head = {
		.size = VIRGO_CHUNK_MAX, .chunk_size = VIRGO_CHUNK_MAX, .nchunks = 1,
	};
	struct virgo_stripe_step step;
	u64 *chunks = &vuid, pos = off, left = len, done = 0;
	void *buf;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (len > VIRGO_MALLOC_MAX)
		return -E2BIG;
	if (virgo_vuid_is_map(vuid)) {
		ret = virgo_mempool_map(vuid, &head, &chunks);
		if (ret)
			return ret;
		ret = virgo_stripe_check(head.size, off, len);
		if (ret)
			goto out;
	} else if (len > VIRGO_CHUNK_MAX) {
		return -E2BIG;
	} else {
		/* One chunk: its node checks the range. */
		pos = 0;
	}
	buf = kvmalloc(max(min(len, head.chunk_size), 1ULL), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = 0;
	while (!ret && virgo_stripe_next(head.chunk_size, &pos, &left, &step)) {
		u64 at = chunks == &vuid ? off : step.offset;

		if (write && copy_from_user(buf, ubuf + done, step.len))
			ret = -EFAULT;
		if (!ret)
			ret = virgo_mempool_io(chunks[step.chunk], at, buf, step.len, write);
		if (!ret && !write && copy_to_user(ubuf + done, buf, step.len))
			ret = -EFAULT;
		done += step.len;
	}
	if (!ret && !len)	/* an empty range still names a live allocation */
		ret = virgo_mempool_io(chunks[0], chunks == &vuid ? off : 0, buf, 0, write);
	kvfree(buf);
out:
	if (chunks != &vuid)
		kfree(chunks);
	return ret ?: len;
}

SYSCALL_DEFINE4(virgo_set, u64, vuid, const void __user *, ubuf, u64, len, u64, off)
{
	return virgo_mempool_rw(vuid, (void __user *)ubuf, len, off, true);
}

SYSCALL_DEFINE4(virgo_get, u64, vuid, void __user *, ubuf, u64, len, u64, off)
{
	return virgo_mempool_rw(vuid, ubuf, len, off, false);
}

SYSCALL_DEFINE1(virgo_free, u64, vuid)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return virgo_mempool_release(vuid);
}
