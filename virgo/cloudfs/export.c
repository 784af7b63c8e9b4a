// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - the exported directory
 *
 * Every path a peer sends is resolved beneath the export with openat2()'s
 * RESOLVE_BENEATH: "..", absolute paths and symlinks that lead out fail
 * with -EXDEV; magic links are refused; so are other mounts, and the
 * export is a private nodev clone of its mount. Files are opened as the
 * configured identity (cloudfs/uid and gid, never 0), with no
 * capabilities, so the permissions of the export decide; reads and
 * writes then go through the opened file, as they would for a process.
 */

#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
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

/* The export as a private mount of its own; under virgo_cloudfs.lock. */
static struct path virgo_fs_root;

/**
 * virgo_fs_export_changed() - forget the export's mount
 *
 * Called with virgo_cloudfs.lock when the export changes: the next open
 * resolves it again. Files open beneath the old one stay open.
 */
void virgo_fs_export_changed(void)
{
	struct path old = virgo_fs_root;

	lockdep_assert_held(&virgo_cloudfs.lock);
	if (!old.mnt)
		return;
	virgo_fs_root = (struct path){};
	dput(old.dentry);
	kern_unmount(old.mnt);
}

/*
 * The export, referenced, on a private clone of its mount that is nodev,
 * nosuid and noexec: a device found there is refused by the open itself
 * (may_open), before its driver's open runs, however the name got there;
 * and mounts beneath the export are not in the clone, so that an NFS or
 * FUSE mount there is never entered.
 */
static int virgo_fs_export_root(struct path *root)
{
	struct vfsmount *mnt;
	struct path p;
	int ret = 0;

	mutex_lock(&virgo_cloudfs.lock);
	if (virgo_fs_root.mnt)
		goto out;
	/* No symlink on the way to the export: it cannot be moved by one. */
	ret = virgo_cloudfs.export[0] ?
	      kern_path(virgo_cloudfs.export, LOOKUP_DIRECTORY | LOOKUP_NO_SYMLINKS, &p) :
	      -ENOENT;
	if (ret)
		goto unlock;
	mnt = clone_private_mount(&p);
	path_put(&p);
	if (IS_ERR(mnt)) {
		ret = PTR_ERR(mnt);
		goto unlock;
	}
	mnt->mnt_flags |= MNT_NODEV | MNT_NOSUID | MNT_NOEXEC;
	virgo_fs_root.mnt = mnt;
	virgo_fs_root.dentry = dget(mnt->mnt_root);
out:
	*root = virgo_fs_root;
	path_get(root);
unlock:
	mutex_unlock(&virgo_cloudfs.lock);
	return ret;
}

/**
 * virgo_fs_open() - open a file beneath the export
 * @path: relative to the export; 1..VIRGO_FS_PATH_MAX - 1 bytes
 * @flags: from virgo_fs_flags()
 * @mode: the new file's mode, with O_CREAT (0..0777), less the kernel's
 *	umask (022) and a default ACL's, as for any process with that umask
 *
 * Only regular files are served. A directory or FIFO is closed again at
 * once (-EISDIR; a FIFO opened for writing without a reader fails with
 * -ENXIO), and a device is never opened (-EACCES).
 *
 * Return: the file, or an ERR_PTR: -EXDEV for a path that leaves the
 * export, -ELOOP for a symlink named last, -EACCES for one the identity
 * may not open, -ENOENT when there is no export, what openat2() returns
 * otherwise.
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
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
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
	ret = virgo_fs_export_root(&root);
	if (ret)
		return ERR_PTR(ret);
	cred = virgo_fs_cred();
	if (IS_ERR(cred)) {
		path_put(&root);
		return ERR_CAST(cred);
	}
	old = override_creds(cred);
	f = file_open_root_how(&root, path, &how);
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
	const struct cred *old;
	ssize_t n, done = 0;

	/*
	 * A range past the largest offset is cut there, as the filesystem
	 * cuts one past its largest file: what fits is written, whatever
	 * parts the service writes it in (rw_verify_area() would refuse a
	 * part whose end overflows, and the rest with it).
	 */
	if (count && pos == LLONG_MAX)
		return -EINVAL;
	if (pos >= 0 && count > (u64)(LLONG_MAX - pos))
		count = LLONG_MAX - pos;
	old = override_creds(f->f_cred);
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
