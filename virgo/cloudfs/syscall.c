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
 * Callers need CAP_SYS_ADMIN or the group in configfs cloudfs/caller_gid.
 * A descriptor is a handle of the calling node, like a VUID: any caller
 * there that may use the calls may use it.
 */

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <trace/events/virgo.h>
#include "cloudfs.h"

/* May the caller use files on the cluster? */
static bool virgo_fs_permitted(void)
{
	return virgo_caller_permitted(READ_ONCE(virgo_cloudfs.caller_gid));
}

/* One exchange with @node's service; a file system may take its time. */
static int virgo_fs_call(u32 node, struct virgo_request *req)
{
	req->timeout_ms = VIRGO_FS_TIMEOUT_MS;
	return virgo_call_status(node, VIRGO_PORT_CLOUDFS, req);
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

VIRGO_SYSCALL_DEFINE3(virgo_open, const char __user *, upath, u64, flags, u32, mode)
{
	u32 node = flags >> 32;
	char line[96], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	int oflags, target, tries = 3, first = 0, ret;
	struct virgo_fd v;
	char *path;
	u64 fd;

	if (!virgo_fs_permitted())
		return -EPERM;
	ret = virgo_fs_flags(flags & U32_MAX, &oflags);
	if (ret)
		return ret;
	if (mode & ~0777 || node > VIRGO_MAX_NODES)
		return -EINVAL;
	path = strndup_user(upath, VIRGO_FS_PATH_MAX);
	if (IS_ERR(path))
		return PTR_ERR(path) == -EINVAL ? -ENAMETOOLONG : PTR_ERR(path);
	if (!*path) {
		kfree(path);
		return -ENOENT;
	}
	snprintf(line, sizeof(line), "open %d %u %zu", oflags, mode, strlen(path));
	req.op = "open";
	req.data = path;
	req.data_len = strlen(path);
	/*
	 * The node named, or the balancer's pick: a pick that could not be
	 * reached before it saw the request is marked unreachable and another
	 * is picked, 3 tries; the first failure is the one reported.
	 */
	do {
		target = node ?: virgo_balancer_pick();
		if (target < 0) {
			ret = first ?: target;
			break;
		}
		ret = virgo_fs_call(target, &req);
		if (ret != -EHOSTDOWN || req.sent || node || signal_pending(current))
			break;
		virgo_node_unreachable(target);
		first = ret;
	} while (--tries);
	kfree(path);
	if (ret)
		return ret;
	node = target;
	/* A descriptor that names another node would send its calls astray. */
	if (strncmp(reply, "OK ", 3) || virgo_parse_u64(reply + 3, S64_MAX, &fd) ||
	    virgo_fd_decode(fd, &v) || v.node != node)
		return -EPROTO;
	return fd;
}

VIRGO_SYSCALL_DEFINE1(virgo_close, s64, fd)
{
	char line[64], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	u32 node;
	int ret;

	if (!virgo_fs_permitted())
		return -EPERM;
	ret = virgo_fs_node(fd, &node);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "close %lld", fd);
	req.op = "close";
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

	if (!virgo_fs_permitted())
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
	req.op = write ? "write" : "read";
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

VIRGO_SYSCALL_DEFINE4(virgo_read, s64, fd, void __user *, ubuf, u64, count, s64, pos)
{
	return virgo_fs_rw(fd, ubuf, count, pos, false);
}

VIRGO_SYSCALL_DEFINE4(virgo_write, s64, fd, const void __user *, ubuf, u64, count, s64, pos)
{
	return virgo_fs_rw(fd, (void __user *)ubuf, count, pos, true);
}
