// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - files the components keep on the node's disk
 *
 * The queue's log and EventNet's graph files are written from the kernel
 * into a directory the administrator names. A file another program reads
 * while it changes is written whole under a temporary name and renamed
 * over the old one: a reader sees the old file or the new, never half.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include "core.h"

/**
 * virgo_file_rename() - rename @from to @to in @dir, replacing @to
 * @dir: the directory
 * @from: a name in it
 * @to: its new name
 *
 * Return: 0, -ENOENT when @from is missing, or another error.
 */
int virgo_file_rename(const struct path *dir, const char *from, const char *to)
{
	struct renamedata rd = {
		.old_mnt_idmap = mnt_idmap(dir->mnt),
		.old_dir = d_inode(dir->dentry),
		.new_mnt_idmap = mnt_idmap(dir->mnt),
		.new_dir = d_inode(dir->dentry),
	};
	struct dentry *trap;
	int ret;

	ret = mnt_want_write(dir->mnt);
	if (ret)
		return ret;
	trap = lock_rename(dir->dentry, dir->dentry);
	if (IS_ERR(trap)) {
		ret = PTR_ERR(trap);
		goto out_drop;
	}
	rd.old_dentry = lookup_one_len(from, dir->dentry, strlen(from));
	if (IS_ERR(rd.old_dentry)) {
		ret = PTR_ERR(rd.old_dentry);
		goto out_unlock;
	}
	ret = -ENOENT;
	if (d_is_negative(rd.old_dentry))
		goto out_old;
	rd.new_dentry = lookup_one_len(to, dir->dentry, strlen(to));
	if (IS_ERR(rd.new_dentry)) {
		ret = PTR_ERR(rd.new_dentry);
		goto out_old;
	}
	ret = vfs_rename(&rd);
	dput(rd.new_dentry);
out_old:
	dput(rd.old_dentry);
out_unlock:
	unlock_rename(dir->dentry, dir->dentry);
out_drop:
	mnt_drop_write(dir->mnt);
	return ret;
}

/* Remove @name from @dir, if it is there. */
static int virgo_file_unlink(const struct path *dir, const char *name)
{
	struct inode *inode = d_inode(dir->dentry);
	struct dentry *dentry;
	int ret;

	ret = mnt_want_write(dir->mnt);
	if (ret)
		return ret;
	inode_lock_nested(inode, I_MUTEX_PARENT);
	dentry = lookup_one_len(name, dir->dentry, strlen(name));
	ret = PTR_ERR_OR_ZERO(dentry);
	if (!ret) {
		if (d_is_positive(dentry))
			ret = vfs_unlink(mnt_idmap(dir->mnt), inode, dentry, NULL);
		dput(dentry);
	}
	inode_unlock(inode);
	mnt_drop_write(dir->mnt);
	return ret;
}

/* Make a directory's entries (a created or renamed file) durable. */
int virgo_dir_sync(const struct path *dir)
{
	struct file *file = dentry_open(dir, O_RDONLY | O_DIRECTORY, current_cred());
	int ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = vfs_fsync(file, 0);
	fput(file);
	return ret;
}

/* Write all of @buf at *@pos of @file, advancing *@pos. */
int virgo_file_write(struct file *file, const void *buf, size_t len, loff_t *pos)
{
	while (len) {
		ssize_t n = kernel_write(file, buf, len, pos);

		if (n <= 0)
			return n ?: -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * virgo_file_replace() - give @name in @dir the content @buf, atomically
 * @dir: the directory
 * @name: the file's name; @name ".tmp" is made anew (one left there, by a
 *	crash say, is removed first: never written through), written,
 *	synced, and renamed over it; then the directory is synced
 * @buf: the new content
 * @len: its length
 *
 * Return: 0, or an error with the old file (if any) untouched.
 */
int virgo_file_replace(const struct path *dir, const char *name,
		       const void *buf, size_t len)
{
	char tmp[NAME_MAX + 1];
	struct file *file;
	loff_t pos = 0;
	int ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	ret = virgo_file_unlink(dir, tmp);
	if (ret)
		return ret;
	file = file_open_root(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			      O_LARGEFILE | O_CLOEXEC, 0644);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = virgo_file_write(file, buf, len, &pos) ?: vfs_fsync(file, 1);
	fput(file);
	return ret ?: virgo_file_rename(dir, tmp, name) ?: virgo_dir_sync(dir);
}
