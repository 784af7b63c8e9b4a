// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - the exported directory
 *
 * Every path a peer sends is resolved beneath the export with openat2()'s
 * RESOLVE_BENEATH: "..", absolute paths and symlinks that lead out fail
 * with -EXDEV; magic links are refused. Files are opened as the
 * configured identity (cloudfs/uid and gid, never 0), with no
 * capabilities, so the permissions of the export decide; reads and
 * writes then go through the opened file, as they would for a process.
 */

#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/openat2.h>
#include <linux/slab.h>
#include "cloudfs.h"

struct virgo_cloudfs_settings virgo_cloudfs = {
	.lock = __MUTEX_INITIALIZER(virgo_cloudfs.lock),
	.export = VIRGO_FS_EXPORT_DEFAULT,
	.uid = VIRGO_FS_ID_DEFAULT,
	.gid = VIRGO_FS_ID_DEFAULT,
	.max_fds = VIRGO_FS_FDS_DEFAULT,
	.grace_ms = VIRGO_FS_GRACE_DEFAULT,
	.idle_ms = VIRGO_FS_IDLE_DEFAULT,
};

/* The open flags a peer may ask for; the wire carries Linux's values. */
#define VIRGO_FS_OFLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND)

/**
 * virgo_fs_flags() - check open flags from the wire
 * @wire: the peer's flags
 * @flags: set to them
 *
 * Return: 0, or -EINVAL for an unknown bit or access mode 3.
 */
int virgo_fs_flags(u64 wire, int *flags)
{
	if (wire & ~(u64)VIRGO_FS_OFLAGS || (wire & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	*flags = wire;
	return 0;
}

/* The credentials files are opened with: the configured ids, no caps. */
static const struct cred *virgo_fs_cred(void)
{
	struct cred *cred = prepare_kernel_cred(&init_task);
	int ret;

	if (!cred)
		return ERR_PTR(-ENOMEM);
	ret = virgo_cred_unprivileged(cred,
			make_kuid(&init_user_ns, READ_ONCE(virgo_cloudfs.uid)),
			make_kgid(&init_user_ns, READ_ONCE(virgo_cloudfs.gid)));
	if (ret) {
		put_cred(cred);
		return ERR_PTR(ret);
	}
	return cred;
}

/*
 * Look before opening, so that the open of a device or FIFO found there
 * never runs: a file that is missing is created with O_EXCL, so that
 * nothing put in its place meanwhile is opened instead (then look again).
 */
static struct file *virgo_fs_open_regular(const struct path *root,
					  const char *path, struct open_how *how)
{
	struct open_how look = {
		.flags = O_PATH | O_NOFOLLOW,
		.resolve = how->resolve,
	};
	bool creat = how->flags & O_CREAT, excl = how->flags & O_EXCL;
	u64 mode = how->mode;
	umode_t type;
	struct file *f;
	int tries = 2;

	do {
		f = file_open_root_how(root, path, &look);
		if (IS_ERR(f) && (PTR_ERR(f) != -ENOENT || !creat))
			return f;
		if (!IS_ERR(f)) {
			type = file_inode(f)->i_mode & S_IFMT;
			fput(f);
			if (type != S_IFREG)
				return ERR_PTR(type == S_IFLNK ? -ELOOP : -EISDIR);
			if (excl)
				return ERR_PTR(-EEXIST);
			how->flags &= ~(u64)(O_CREAT | O_EXCL);
			how->mode = 0;
		} else {
			how->flags |= O_CREAT | O_EXCL;
			how->mode = mode;
		}
		f = file_open_root_how(root, path, how);
	} while (PTR_ERR_OR_ZERO(f) == -EEXIST && !excl && --tries);
	return f;
}

/**
 * virgo_fs_open() - open a file beneath the export
 * @path: relative to the export; 1..VIRGO_FS_PATH_MAX - 1 bytes
 * @flags: from virgo_fs_flags()
 * @mode: the new file's mode, with O_CREAT (0..0777)
 *
 * Return: the file, or an ERR_PTR: -EXDEV for a path that leaves the
 * export, -EACCES for one the identity may not open, -ENOENT when there is
 * no export, what openat2() returns otherwise.
 */
struct file *virgo_fs_open(const char *path, int flags, umode_t mode)
{
	/*
	 * O_NONBLOCK: a FIFO someone left in the export must not hold the
	 * service (regular files, the only ones served, ignore it).
	 */
	struct open_how how = {
		.flags = flags | O_LARGEFILE | O_NOFOLLOW | O_NONBLOCK,
		.mode = flags & O_CREAT ? mode & 0777 : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	const struct cred *cred, *old;
	struct path root;
	struct file *f;
	int ret;

	if (!*path || strnlen(path, VIRGO_FS_PATH_MAX) == VIRGO_FS_PATH_MAX)
		return ERR_PTR(-EINVAL);
	/* The lookup would take "/" as the export; say what it is instead. */
	if (*path == '/')
		return ERR_PTR(-EXDEV);
	/* No symlink on the way to the export: it cannot be moved by one. */
	mutex_lock(&virgo_cloudfs.lock);
	ret = virgo_cloudfs.export[0] ?
	      kern_path(virgo_cloudfs.export, LOOKUP_DIRECTORY | LOOKUP_NO_SYMLINKS,
			&root) : -ENOENT;
	mutex_unlock(&virgo_cloudfs.lock);
	if (ret)
		return ERR_PTR(ret);
	cred = virgo_fs_cred();
	if (IS_ERR(cred)) {
		path_put(&root);
		return ERR_CAST(cred);
	}
	old = override_creds(cred);
	f = virgo_fs_open_regular(&root, path, &how);
	revert_creds(old);
	put_cred(cred);
	path_put(&root);
	if (!IS_ERR(f) && !S_ISREG(file_inode(f)->i_mode)) {
		fput(f);
		f = ERR_PTR(-EISDIR);
	}
	return f;
}

/*
 * Reads and writes run as the identity the file was opened with, like a
 * process's: no capability of the service's worker (CAP_FSETID,
 * CAP_SYS_RESOURCE) applies to them.
 */

/* pread(): fewer bytes at the end of the file, 0 past it. */
ssize_t virgo_fs_read(struct file *f, void *buf, size_t count, loff_t pos)
{
	const struct cred *old = override_creds(f->f_cred);
	ssize_t n, done = 0;

	while (done < count) {
		n = kernel_read(f, buf + done, count - done, &pos);
		if (n <= 0) {
			if (n < 0 && !done)
				done = n;
			break;
		}
		done += n;
	}
	revert_creds(old);
	return done;
}

/* pwrite(): all of it; what was written before an error; or the error. */
ssize_t virgo_fs_write(struct file *f, const void *buf, size_t count, loff_t pos)
{
	const struct cred *old = override_creds(f->f_cred);
	ssize_t n, done = 0;

	while (done < count) {
		n = kernel_write(f, buf + done, count - done, &pos);
		if (n <= 0) {
			if (!done)
				done = n ?: -EIO;
			break;
		}
		done += n;
	}
	revert_creds(old);
	return done;
}
