// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - the service on port 50000: files beneath the export
 *
 *	open <flags> <mode> <len>	then <len> bytes of path and a line end;
 *					OK <fd> (flags: Linux's O_* numbers)
 *	read <fd> <pos> <count>		DATA <n> <fd>, the bytes, "\n"; n < count
 *					only at the end of the file
 *	write <fd> <pos> <len>		then <len> bytes and a line end; OK <n>
 *	close <fd>			OK
 *
 * and the original VIRGO's forms, for nc and telnet:
 *
 *	virgo_cloud_open(<path>)		OK <fd> (read and write)
 *	virgo_cloud_read(<fd>,<any>,<size>,<pos>)	as read
 *	virgo_cloud_write(<fd>,<text>,<size>,<pos>)	OK <n>: the first <size>
 *						bytes of the text
 *	virgo_cloud_close(<fd>)			OK
 *
 * Descriptors are per peer. Errors: ERROR <errno> <text>; after a malformed
 * open or write line, or an unknown command, the connection is closed.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "cloudfs.h"

static int virgo_fs_reply_err(struct virgo_conn *conn, int err)
{
	const char *why;

	switch (err) {
	case -EXDEV:
		why = "the path leaves the export";
		break;
	case -EBADF:
		why = "no such descriptor";
		break;
	case -EMFILE:
		why = "too many open files for this peer";
		break;
	case -EACCES:
	case -EPERM:
		why = "permission denied";
		break;
	case -ENOENT:
		why = "no such file";
		break;
	default:
		why = "cannot do that";
		break;
	}
	return virgo_conn_error(conn, err, why);
}

static int virgo_fs_do_open(struct virgo_conn *conn, const char *path, int flags,
			    umode_t mode)
{
	/* The slot first: an open that truncates or creates must not fail after. */
	struct virgo_fs_open *o = virgo_fds_reserve(conn->peer);
	struct file *f;

	if (IS_ERR(o))
		return virgo_fs_reply_err(conn, PTR_ERR(o));
	f = virgo_fs_open(path, flags, mode);
	if (IS_ERR(f)) {
		virgo_fds_cancel(o);
		return virgo_fs_reply_err(conn, PTR_ERR(f));
	}
	return virgo_conn_printf(conn, "OK %lld\n", virgo_fds_fill(o, f));
}

/* "open <flags> <mode> <len>" and the path as a payload. */
static int virgo_fs_open_cmd(struct virgo_conn *conn, char **w)
{
	u64 wire, mode, len;
	char *path;
	int flags, ret;

	if (virgo_parse_u64(w[0], U32_MAX, &wire) || virgo_fs_flags(wire, &flags) ||
	    virgo_parse_u64(w[1], 0777, &mode) ||
	    virgo_parse_u64(w[2], VIRGO_FS_PATH_MAX - 1, &len) || !len) {
		virgo_fs_reply_err(conn, -EINVAL);
		return -EPROTO;		/* the path cannot be found */
	}
	path = kmalloc(len + 1, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = virgo_conn_read_data(conn, path, len);
	if (!ret) {
		path[len] = '\0';
		ret = strlen(path) != len ? virgo_fs_reply_err(conn, -EINVAL) :
		      virgo_fs_do_open(conn, path, flags, mode);
	}
	kfree(path);
	return ret;
}

static int virgo_fs_read_cmd(struct virgo_conn *conn, s64 fd, u64 pos, u64 count)
{
	struct file *f = virgo_fds_get(conn->peer, fd);
	ssize_t n;
	void *buf;
	int ret;

	if (IS_ERR(f))
		return virgo_fs_reply_err(conn, PTR_ERR(f));
	buf = kvmalloc(count ?: 1, GFP_KERNEL);
	n = buf ? virgo_fs_read(f, buf, count, pos) : -ENOMEM;
	fput(f);
	ret = n < 0 ? virgo_fs_reply_err(conn, n) :
	      virgo_conn_send_data(conn, buf, n, "%lld", fd);
	kvfree(buf);
	return ret;
}

static int virgo_fs_write_buf(struct virgo_conn *conn, s64 fd, u64 pos,
			      const void *buf, u64 len)
{
	struct file *f = virgo_fds_get(conn->peer, fd);
	ssize_t n;

	if (IS_ERR(f))
		return virgo_fs_reply_err(conn, PTR_ERR(f));
	n = virgo_fs_write(f, buf, len, pos);
	fput(f);
	return n < 0 ? virgo_fs_reply_err(conn, n) :
		       virgo_conn_printf(conn, "OK %zd\n", n);
}

/*
 * "write <fd> <pos> <len>" and the bytes as a payload, written as they
 * arrive, VIRGO_FS_PART at a time: the file fills while the rest is still
 * on the wire. As pwrite: an error after some bytes were written ends the
 * write there, and the reply counts those; the rest is read and dropped.
 */
static int virgo_fs_write_cmd(struct virgo_conn *conn, char **w)
{
	u64 fd, pos, len, part, got = 0, done = 0;
	struct file *f;
	ssize_t n = 0;
	void *buf;
	int ret = 0;

	if (virgo_parse_u64(w[0], S64_MAX, &fd) || virgo_parse_u64(w[1], S64_MAX, &pos) ||
	    virgo_parse_u64(w[2], VIRGO_FS_IO_MAX, &len)) {
		virgo_fs_reply_err(conn, -EINVAL);
		return -EPROTO;		/* the payload cannot be found */
	}
	f = virgo_fds_get(conn->peer, fd);
	if (IS_ERR(f))
		return virgo_conn_skip_data(conn, len) ?:
		       virgo_fs_reply_err(conn, PTR_ERR(f));
	buf = kvmalloc(min_t(u64, len, VIRGO_FS_PART) ?: 1, GFP_KERNEL);
	n = buf ? 0 : -ENOMEM;	/* replied once the payload is dropped */
	while (buf && !ret && got < len) {
		part = min_t(u64, len - got, VIRGO_FS_PART);
		ret = virgo_conn_read_part(conn, buf, part);
		if (ret)
			break;
		got += part;
		n = virgo_fs_write(f, buf, part, pos + done);
		if (n > 0)
			done += n;
		if (n != part)
			break;
	}
	kvfree(buf);
	fput(f);
	ret = ret ?: virgo_conn_skip_data(conn, len - got);
	if (ret)
		return ret;
	return done || !len ? virgo_conn_printf(conn, "OK %llu\n", done) :
			      virgo_fs_reply_err(conn, n);
}

/* "close <fd>", "virgo_cloud_close(<fd>)" */
static int virgo_fs_close_cmd(struct virgo_conn *conn, const char *arg)
{
	u64 fd;
	int ret;

	if (virgo_parse_u64(arg, S64_MAX, &fd))
		return virgo_fs_reply_err(conn, -EBADF);
	ret = virgo_fds_close(conn->peer, fd);
	return ret ? virgo_fs_reply_err(conn, ret) : virgo_conn_printf(conn, "OK\n");
}

static int virgo_fs_seed_line(struct virgo_conn *conn, char *line)
{
	u64 fd, size, pos;
	char *args, *a[4];
	int i;

	if (virgo_seed_call(line, "virgo_cloud_open", &args))
		return virgo_fs_do_open(conn, args, O_RDWR, 0);
	if (virgo_seed_call(line, "virgo_cloud_close", &args))
		return virgo_fs_close_cmd(conn, args);
	/* read and write: 4 arguments; a write's text may hold commas. */
	if (!virgo_seed_call(line, "virgo_cloud_read", &args) &&
	    !virgo_seed_call(line, "virgo_cloud_write", &args))
		return virgo_fs_reply_err(conn, -EINVAL);
	/* From the right: pos, size; then from the left: fd; the rest, text. */
	a[0] = args;
	for (i = 3; i >= 1; i--) {
		a[i] = i == 1 ? strchr(args, ',') : strrchr(args, ',');
		if (!a[i])
			return virgo_fs_reply_err(conn, -EINVAL);
		*a[i]++ = '\0';
	}
	if (virgo_parse_u64(a[0], S64_MAX, &fd) ||
	    virgo_parse_u64(a[2], VIRGO_FS_IO_MAX, &size) ||
	    virgo_parse_u64(a[3], S64_MAX, &pos))
		return virgo_fs_reply_err(conn, -EINVAL);
	if (line[12] == 'r')	/* virgo_cloud_read */
		return virgo_fs_read_cmd(conn, fd, pos, size);
	if (size > strlen(a[1]))
		return virgo_fs_reply_err(conn, -EINVAL);
	return virgo_fs_write_buf(conn, fd, pos, a[1], size);
}

static int virgo_fs_line(struct virgo_conn *conn, char *line, size_t len)
{
	u64 fd, pos, count;
	char *w[5];
	bool known;
	int n;

	if (!strncmp(line, "virgo_cloud_", 12))
		return virgo_fs_seed_line(conn, line);

	n = virgo_split_words(line, w, ARRAY_SIZE(w));
	if (n == 4 && (!strcmp(w[0], "open") || !strcmp(w[0], "read") ||
		       !strcmp(w[0], "write")))
		virgo_conn_trace(conn, w[0][0] == 'o' ? "open" :
				       w[0][0] == 'r' ? "read" : "write");
	else if (n == 2 && !strcmp(w[0], "close"))
		virgo_conn_trace(conn, "close");
	if (n == 4 && !strcmp(w[0], "open"))
		return virgo_fs_open_cmd(conn, w + 1);
	if (n == 4 && !strcmp(w[0], "write"))
		return virgo_fs_write_cmd(conn, w + 1);
	if (n == 4 && !strcmp(w[0], "read")) {
		if (virgo_parse_u64(w[1], S64_MAX, &fd) ||
		    virgo_parse_u64(w[2], S64_MAX, &pos) ||
		    virgo_parse_u64(w[3], VIRGO_FS_IO_MAX, &count))
			return virgo_fs_reply_err(conn, -EINVAL);
		return virgo_fs_read_cmd(conn, fd, pos, count);
	}
	if (n == 2 && !strcmp(w[0], "close"))
		return virgo_fs_close_cmd(conn, w[1]);
	if (n > 0 && (!strcmp(w[0], "read") || !strcmp(w[0], "close")))
		return virgo_fs_reply_err(conn, -EINVAL);
	/* open, write and unknown commands may announce a payload: close. */
	known = n > 0 && (!strcmp(w[0], "open") || !strcmp(w[0], "write"));
	virgo_conn_error(conn, -EINVAL, known ? "malformed request" : "unknown command");
	return -EPROTO;
}

static const struct virgo_service_ops virgo_fs_ops = {
	.line = virgo_fs_line,
};

static struct virgo_service virgo_fs_service = {
	.name = "cloudfs",
	.port = VIRGO_PORT_CLOUDFS,
	.ops = &virgo_fs_ops,
};

static int __init virgo_cloudfs_init(void)
{
	int ret;

	if (!virgo_wq)
		return -ENODEV;		/* the core did not start */
	ret = virgo_rfile_init();
	if (ret)
		return ret;
	ret = virgo_cloudfs_config_init();
	if (ret)
		return ret;
	ret = virgo_service_register(&virgo_fs_service);
	if (ret) {
		virgo_cloudfs_config_exit();
		return ret;
	}
	virgo_fds_start();
	return 0;
}

/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_cloudfs_init);
