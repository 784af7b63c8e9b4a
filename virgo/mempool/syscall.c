// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - virgo_malloc/set/get/free(2)
 *
 * Work in progress: an allocation is one chunk (at most 1 MiB) on the
 * node the balancer picks; the VUID names that node, and every call goes
 * to it. Striping larger allocations over nodes comes next.
 */

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include "mempool.h"

/* "OK [words]" is 0, "ERROR <errno> ..." its errno, anything else -EPROTO. */
static int virgo_mempool_status(char *reply)
{
	if (!strcmp(reply, "OK") || !strncmp(reply, "OK ", 3))
		return 0;
	if (!strncmp(reply, "ERROR ", 6)) {
		reply[6 + strcspn(reply + 6, " ")] = '\0';
		return virgo_errno_parse(reply + 6);
	}
	return -EPROTO;
}

/* One exchange with node @node's mempool service. */
static int virgo_mempool_call(u32 node, struct virgo_request *req)
{
	int ret = virgo_call_request(node, VIRGO_PORT_MEMPOOL, req);

	if (ret)
		return ret == -ERESTARTSYS ? -EINTR : ret;
	if (!strncmp(req->reply, "DATA ", 5))
		return 0;
	return virgo_mempool_status(req->reply);
}

static int virgo_mempool_owner(u64 vuid, u32 *node)
{
	struct virgo_vuid v;

	if (virgo_vuid_decode(vuid, &v))
		return -EINVAL;
	*node = v.node;
	return 0;
}

SYSCALL_DEFINE2(virgo_malloc, u64, size, u64 __user *, uvuid)
{
	char line[64], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u64 vuid;
	int node, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!size)
		return -EINVAL;
	if (size > VIRGO_CHUNK_MAX)
		return -E2BIG;
	node = virgo_balancer_pick();
	if (node < 0)
		return node;
	snprintf(line, sizeof(line), "alloc %llu", size);
	ret = virgo_mempool_call(node, &req);
	if (ret)
		return ret;
	if (virgo_parse_u64(reply + 3, U64_MAX, &vuid))
		return -EPROTO;
	if (put_user(vuid, uvuid)) {
		/* The caller cannot learn it: give the memory back. */
		snprintf(line, sizeof(line), "free %llu", vuid);
		virgo_mempool_call(node, &req);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE4(virgo_set, u64, vuid, const void __user *, ubuf, u64, len, u64, off)
{
	char line[96], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	void *buf;
	u32 node;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = virgo_mempool_owner(vuid, &node);
	if (ret)
		return ret;
	if (len > VIRGO_CHUNK_MAX)
		return -E2BIG;
	buf = vmemdup_user(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	snprintf(line, sizeof(line), "write %llu %llu %llu", vuid, off, len);
	req.data = buf;
	req.data_len = len;
	ret = virgo_mempool_call(node, &req);
	kvfree(buf);
	return ret ?: len;
}

SYSCALL_DEFINE4(virgo_get, u64, vuid, void __user *, ubuf, u64, len, u64, off)
{
	char line[96], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u32 node;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = virgo_mempool_owner(vuid, &node);
	if (ret)
		return ret;
	if (len > VIRGO_CHUNK_MAX)
		return -E2BIG;
	req.rdata = kvmalloc(len ?: 1, GFP_KERNEL);
	if (!req.rdata)
		return -ENOMEM;
	req.rdata_max = len;
	snprintf(line, sizeof(line), "read %llu %llu %llu", vuid, off, len);
	ret = virgo_mempool_call(node, &req);
	if (!ret && req.rdata_len != len)
		ret = -EPROTO;
	if (!ret && copy_to_user(ubuf, req.rdata, len))
		ret = -EFAULT;
	kvfree(req.rdata);
	return ret ?: len;
}

SYSCALL_DEFINE1(virgo_free, u64, vuid)
{
	char line[64], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u32 node;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = virgo_mempool_owner(vuid, &node);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "free %llu", vuid);
	return virgo_mempool_call(node, &req);
}
