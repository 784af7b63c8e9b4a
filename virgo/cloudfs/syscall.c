// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - virgo_open/close/read/write(2)
 *
 * virgo_open() sends the path to the node the caller names
 * (VIRGO_OPEN_NODE(id) in the flags' upper half) or the balancer picks,
 * and returns a file descriptor of the caller's own (rfile.c) that names
 * the node's descriptor; every later call on it goes to that node. A call
 * moves at most VIRGO_FS_IO_MAX bytes; read and write return how many, as
 * pread and pwrite do.
 *
 * Opening needs CAP_SYS_ADMIN or the group in configfs cloudfs/caller_gid;
 * the file is then the caller's, as an open file is: whoever holds it
 * (after fork, or passed over a socket) may use it.
 */

#include <linux/fdtable.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <trace/events/virgo.h>
#include "cloudfs.h"

/* May the caller use files on the cluster? */
bool virgo_fs_permitted(void)
{
	return virgo_caller_permitted(READ_ONCE(virgo_cloudfs.caller_gid));
}

/* One exchange with @node's service; a file system may take its time. */
static int virgo_fs_call(u32 node, struct virgo_request *req)
{
	req->timeout_ms = VIRGO_FS_TIMEOUT_MS;
	return virgo_call_status(node, VIRGO_PORT_CLOUDFS, req);
}

VIRGO_SYSCALL_DEFINE3(virgo_open, const char __user *, upath, u64, flags, u32, mode)
{
	u32 node = flags >> 32;
	char line[96], reply[64];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	int oflags, target, tries = 3, first = 0, ret, local;
	int cloexec = flags & O_CLOEXEC;
	struct file *file;
	struct virgo_fd v;
	char *path;
	u64 fd;

	if (!virgo_fs_permitted())
		return -EPERM;
	/* O_CLOEXEC is this node's business, not the file's node's. */
	ret = virgo_fs_flags(flags & U32_MAX & ~O_CLOEXEC, &oflags);
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
	/* The caller's descriptor first: a full table must not lose the open. */
	local = virgo_rfile_prepare(oflags | cloexec, &file);
	if (local < 0) {
		kfree(path);
		return local;
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
	if (ret) {
		virgo_rfile_abandon(local, file, 0, 0);
		return ret;
	}
	node = target;
	/* A descriptor that names another node would send its calls astray. */
	if (strncmp(reply, "OK ", 3) || virgo_parse_u64(reply + 3, S64_MAX, &fd) ||
	    virgo_fd_decode(fd, &v) || v.node != node) {
		/* A descriptor it did give is closed: no one could use it. */
		if (!strncmp(reply, "OK ", 3) && !virgo_parse_u64(reply + 3, S64_MAX, &fd))
			virgo_rfile_abandon(local, file, node, fd);
		else
			virgo_rfile_abandon(local, file, 0, 0);
		return -EPROTO;
	}
	virgo_rfile_install(local, file, node, fd);
	return local;
}

/**
 * virgo_fs_remote_close() - close descriptor @rfd on @node
 * @node: the node that holds it
 * @rfd: the descriptor it gave
 *
 * Return: 0 or -errno.
 */
int virgo_fs_remote_close(u32 node, s64 rfd)
{
	char line[64], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};

	snprintf(line, sizeof(line), "close %lld", rfd);
	req.op = "close";
	return virgo_fs_call(node, &req);
}

/*
 * virgo_close() closes a file of the caller's, as close(2) does; the
 * node's descriptor is closed when the last reference to the file goes.
 */
VIRGO_SYSCALL_DEFINE1(virgo_close, s64, fd)
{
	if (fd < 0 || fd > INT_MAX || !virgo_rfile_is(fd))
		return -EBADF;
	return close_fd(fd);
}

/**
 * virgo_fs_rw() - read or write: one exchange of at most VIRGO_FS_IO_MAX bytes
 * @node: the node that holds the file
 * @rfd: its descriptor there
 * @ubuf: the caller's bytes
 * @count: how many
 * @pos: where in the file
 * @write: write, else read
 *
 * Return: the bytes moved, or -errno.
 */
long virgo_fs_rw(u32 node, s64 rfd, void __user *ubuf, u64 count, s64 pos, bool write)
{
	char line[96], reply[128];
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = sizeof(reply),
	};
	void *buf;
	int ret = 0;
	u64 n;

	if (pos < 0)
		return -EINVAL;
	count = min_t(u64, count, VIRGO_FS_IO_MAX);
	buf = kvmalloc(count ?: 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	snprintf(line, sizeof(line), "%s %lld %lld %llu", write ? "write" : "read",
		 rfd, pos, count);
	req.op = write ? "write" : "read";
	if (write) {
		if (copy_from_user(buf, ubuf, count))
			ret = -EFAULT;
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
	if (fd < 0 || fd > INT_MAX)
		return -EBADF;
	return virgo_rfile_rw(fd, ubuf, count, pos, false);
}

VIRGO_SYSCALL_DEFINE4(virgo_write, s64, fd, const void __user *, ubuf, u64, count, s64, pos)
{
	if (fd < 0 || fd > INT_MAX)
		return -EBADF;
	return virgo_rfile_rw(fd, (void __user *)ubuf, count, pos, true);
}
