// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - virgo_open/close/read/write(2)
 *
 * virgo_open() sends the path to the node the caller names
 * (VIRGO_OPEN_NODE(id) in the flags' upper half) or the balancer picks;
 * the descriptor it returns names that node, and every later call on it
 * goes there. A call moves at most VIRGO_FS_IO_MAX bytes; read and write
 * return how many, as pread and pwrite do.
 *
 * Work in progress: descriptors belong to the calling node, not to the
 * calling process; callers need CAP_SYS_ADMIN.
 */

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include "cloudfs.h"

/* One exchange with @node's cloudfs service; transport errors: EHOSTDOWN. */
static int virgo_fs_call(u32 node, struct virgo_request *req)
{
	int ret = virgo_call_request(node, VIRGO_PORT_CLOUDFS, req);

	switch (ret) {
	case 0:
		if (!strncmp(req->reply, "OK", 2) || !strncmp(req->reply, "DATA ", 5))
			return 0;
		return virgo_reply_error(req->reply) ?: -EPROTO;
	case -ERESTARTSYS:
		return -EINTR;
	case -ECONNREFUSED: case -ECONNRESET: case -ETIMEDOUT:
	case -ENETUNREACH: case -ENOTCONN: case -EPIPE:
		return -EHOSTDOWN;
	default:
		return ret;
	}
}

/* The node a descriptor names, or -EBADF. */
static int virgo_fs_node(s64 fd, u32 *node)
{
	struct virgo_fd v;

	if (virgo_fd_decode(fd, &v))
		return -EBADF;
	*node = v.node;
	return 0;
}

SYSCALL_DEFINE3(virgo_open, const char __user *, upath, u64, flags, u32, mode)
{
	u32 node = flags >> 32;
	char line[96], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	int oflags, ret;
	char *path;
	u64 fd;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = virgo_fs_flags(flags & U32_MAX, &oflags);
	if (ret)
		return ret;
	if (mode & ~0777 || node > VIRGO_MAX_NODES)
		return -EINVAL;
	if (!node) {
		ret = virgo_balancer_pick();
		if (ret < 0)
			return ret;
		node = ret;
	}
	path = strndup_user(upath, VIRGO_FS_PATH_MAX);
	if (IS_ERR(path))
		return PTR_ERR(path) == -EINVAL ? -ENAMETOOLONG : PTR_ERR(path);
	snprintf(line, sizeof(line), "open %d %u %zu", oflags, mode, strlen(path));
	req.data = path;
	req.data_len = strlen(path);
	ret = *path ? virgo_fs_call(node, &req) : -ENOENT;
	kfree(path);
	if (ret)
		return ret;
	if (strncmp(reply, "OK ", 3) || virgo_parse_u64(reply + 3, S64_MAX, &fd))
		return -EPROTO;
	return fd;
}

SYSCALL_DEFINE1(virgo_close, s64, fd)
{
	char line[64], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u32 node;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = virgo_fs_node(fd, &node);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "close %lld", fd);
	return virgo_fs_call(node, &req);
}

/* read or write: one exchange of at most VIRGO_FS_IO_MAX bytes. */
static long virgo_fs_rw(s64 fd, void __user *ubuf, u64 count, s64 pos, bool write)
{
	char line[96], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u64 n;
	u32 node;
	void *buf;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = virgo_fs_node(fd, &node);
	if (ret)
		return ret;
	if (pos < 0)
		return -EINVAL;
	count = min_t(u64, count, VIRGO_FS_IO_MAX);
	buf = kvmalloc(count ?: 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	snprintf(line, sizeof(line), "%s %lld %lld %llu", write ? "write" : "read",
		 fd, pos, count);
	if (write) {
		ret = copy_from_user(buf, ubuf, count) ? -EFAULT : 0;
		req.data = buf;
		req.data_len = count;
	} else {
		req.rdata = buf;
		req.rdata_max = count;
	}
	if (!ret)
		ret = virgo_fs_call(node, &req);
	if (!ret && write && (strncmp(reply, "OK ", 3) ||
			      virgo_parse_u64(reply + 3, count, &n)))
		ret = -EPROTO;
	if (!ret && !write) {
		n = req.rdata_len;
		if (copy_to_user(ubuf, buf, n))
			ret = -EFAULT;
	}
	kvfree(buf);
	return ret ?: n;
}

SYSCALL_DEFINE4(virgo_read, s64, fd, void __user *, ubuf, u64, count, s64, pos)
{
	return virgo_fs_rw(fd, ubuf, count, pos, false);
}

SYSCALL_DEFINE4(virgo_write, s64, fd, const void __user *, ubuf, u64, count, s64, pos)
{
	return virgo_fs_rw(fd, (void __user *)ubuf, count, pos, true);
}
