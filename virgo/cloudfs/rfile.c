// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - a remote descriptor as a file of the caller's own
 *
 * virgo_open() returns a descriptor in the caller's file table: an
 * anonymous-inode file, "[virgo-file]", that names the descriptor a node
 * gave (its node and id). It behaves as files do: dup(), fork(),
 * O_CLOEXEC, close() and exit work as for any file, and when the last
 * reference to it goes, the node's descriptor is closed: at once by the
 * task that let it go, so that the node's per-peer limit is free for the
 * next open; in the background when that task is exiting or killed (it
 * does not wait on the network), or when the close must be tried again.
 *
 * read(2), write(2), pread(2), pwrite(2) and lseek(2) work on it (the
 * position is the file's, shared as a regular file's is; SEEK_END is
 * refused: the size is the node's; whether writes append is the node's
 * descriptor's, and a write through a file whose O_APPEND says otherwise
 * (F_SETFL) is refused), and so do virgo_read() and
 * virgo_write(), at the position they are given. Each file has an inode
 * of its own, so that opening /proc/PID/fd/N gives another file on the
 * same node's descriptor (as `cat /proc/self/fd/3` does), with no more
 * access than the first; the descriptor is closed once the last file of
 * either kind is.
 *
 * The caller's descriptor and file are made before the node is asked, so
 * that an open the node carried out (O_CREAT, O_TRUNC, O_EXCL) is never
 * lost to a full file table.
 */

#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "cloudfs.h"

/**
 * struct virgo_rfile - a node's descriptor, shared by the files on it
 * @ref: the files that hold it
 * @inode: the inode whose i_private points here while @ref is not 0
 * @close_work: closes @rfd on @node once the last file is gone
 * @node: the node that holds the file
 * @rfd: the descriptor it gave; -1 until it did
 * @fmode: the first file's FMODE_READ and FMODE_WRITE: a reopen gets no more
 * @append: the node opened it with O_APPEND (whatever the local flags say)
 */
struct virgo_rfile {
	struct kref ref;
	struct inode *inode;
	struct work_struct close_work;
	u32 node;
	s64 rfd;
	fmode_t fmode;
	bool append;
};

#define VIRGO_RFILE_FMODE	(FMODE_READ | FMODE_WRITE)
#define VIRGO_RFILE_CLOSE_TRIES	3

/* Orders a last kref_put() with a reopen through /proc (i_private). */
static DEFINE_SPINLOCK(virgo_rfile_lock);

/*
 * The closes: a few at a time, so that a process exiting with many files
 * on one node does not open more connections than the node takes.
 */
static struct workqueue_struct *virgo_rfile_wq;

static const struct file_operations virgo_rfile_fops;

/* Is a close that failed with @err worth another try? */
static bool virgo_rfile_retry(int err)
{
	return err == -EBUSY || err == -EAGAIN || err == -EHOSTDOWN || err == -EINTR;
}

/* The close is over, for good: say why it failed, if it did, and free. */
static void virgo_rfile_closed(struct virgo_rfile *rf, int ret)
{
	/* Its node's idle_ms reclaims a descriptor whose close was lost. */
	if (ret && ret != -EBADF)
		pr_info_ratelimited("closing descriptor %lld on node %u: error %d\n",
				    rf->rfd, rf->node, ret);
	kfree(rf);
}

static void virgo_rfile_close_work(struct work_struct *work)
{
	struct virgo_rfile *rf = container_of(work, struct virgo_rfile, close_work);
	int try, ret = 0;

	for (try = 1; rf->rfd >= 0 && try <= VIRGO_RFILE_CLOSE_TRIES; try++) {
		if (try > 1)
			msleep(100 * try);
		ret = virgo_fs_remote_close(rf->node, rf->rfd);
		if (!virgo_rfile_retry(ret))
			break;
	}
	virgo_rfile_closed(rf, ret);
}

/*
 * May this task wait on the network to close? Not when it exits or is
 * being killed (its group's exit may have taken SIGKILL off the pending
 * set already, and io_uring's cancel runs before PF_EXITING is set), nor
 * as a kernel thread, nor as io_uring's worker or SQPOLL thread (which
 * runs task work holding its ring's lock).
 */
static bool virgo_rfile_may_wait(void)
{
	return !(current->flags & (PF_EXITING | PF_KTHREAD | PF_IO_WORKER)) &&
	       !(READ_ONCE(current->signal->flags) & SIGNAL_GROUP_EXIT) &&
	       !fatal_signal_pending(current);
}

/* Unhook the last file's @ref from its inode (virgo_rfile_lock held). */
static struct virgo_rfile *virgo_rfile_unhook(struct kref *ref)
	__releases(&virgo_rfile_lock)
{
	struct virgo_rfile *rf = container_of(ref, struct virgo_rfile, ref);

	if (rf->inode)
		rf->inode->i_private = NULL;
	spin_unlock(&virgo_rfile_lock);
	return rf;
}

/* The last file is gone: close at once when this task may wait. */
static void virgo_rfile_last(struct kref *ref)
	__releases(&virgo_rfile_lock)
{
	struct virgo_rfile *rf = virgo_rfile_unhook(ref);
	int ret;

	if (rf->rfd >= 0 && virgo_rfile_may_wait()) {
		ret = virgo_fs_remote_close(rf->node, rf->rfd);
		if (!virgo_rfile_retry(ret)) {
			virgo_rfile_closed(rf, ret);
			return;
		}
	}
	queue_work(virgo_rfile_wq, &rf->close_work);
}

/* As virgo_rfile_last(), always in the background. */
static void virgo_rfile_last_queued(struct kref *ref)
	__releases(&virgo_rfile_lock)
{
	struct virgo_rfile *rf = virgo_rfile_unhook(ref);

	queue_work(virgo_rfile_wq, &rf->close_work);
}

static void virgo_rfile_put(struct virgo_rfile *rf)
{
	kref_put_lock(&rf->ref, virgo_rfile_last, &virgo_rfile_lock);
}

/*
 * A refused reopen lets go of what it took: it never had the node's
 * descriptor, so it does not wait on its close (an io_uring open holds
 * its ring's lock).
 */
static void virgo_rfile_put_queued(struct virgo_rfile *rf)
{
	kref_put_lock(&rf->ref, virgo_rfile_last_queued, &virgo_rfile_lock);
}

/* What a file on the node's descriptor may do: pread/pwrite, lseek. */
static void virgo_rfile_fmode(struct file *file)
{
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE | FMODE_LSEEK | FMODE_ATOMIC_POS;
}

/* An open of /proc/PID/fd/N: another file on the same descriptor. */
static int virgo_rfile_open(struct inode *inode, struct file *file)
{
	struct virgo_rfile *rf;

	spin_lock(&virgo_rfile_lock);
	rf = inode->i_private;
	if (rf)
		kref_get(&rf->ref);
	spin_unlock(&virgo_rfile_lock);
	if (!rf)
		return -ENXIO;
	/* An open, as virgo_open() is: the caller must be allowed. */
	if (!virgo_fs_permitted()) {
		virgo_rfile_put_queued(rf);
		return -EPERM;
	}
	if (file->f_mode & VIRGO_RFILE_FMODE & ~rf->fmode) {
		virgo_rfile_put_queued(rf);
		return -EACCES;
	}
	file->private_data = rf;
	/* The node's descriptor decides whether writes append. */
	file->f_flags = (file->f_flags & ~O_APPEND) | (rf->append ? O_APPEND : 0);
	virgo_rfile_fmode(file);
	return 0;
}

static int virgo_rfile_release(struct inode *inode, struct file *file)
{
	virgo_rfile_put(file->private_data);
	return 0;
}

static ssize_t virgo_rfile_read(struct file *file, char __user *buf, size_t count,
				loff_t *ppos)
{
	struct virgo_rfile *rf = file->private_data;
	long n = virgo_fs_rw(rf->node, rf->rfd, buf, count, *ppos, false);

	if (n > 0)
		*ppos += n;
	return n;
}

static ssize_t virgo_rfile_write(struct file *file, const char __user *buf, size_t count,
				 loff_t *ppos)
{
	struct virgo_rfile *rf = file->private_data;
	long n;

	if (!(file->f_flags & O_APPEND) != !rf->append)
		return -EINVAL;
	n = virgo_fs_rw(rf->node, rf->rfd, (char __user *)buf, count, *ppos, true);
	/*
	 * With O_APPEND the node writes at the end, wherever the file is, and
	 * the end is the node's to know: the position stays.
	 */
	if (n > 0 && !rf->append)
		*ppos += n;
	return n;
}

static const struct file_operations virgo_rfile_fops = {
	.owner		= THIS_MODULE,
	.open		= virgo_rfile_open,
	.release	= virgo_rfile_release,
	.read		= virgo_rfile_read,
	.write		= virgo_rfile_write,
	.llseek		= no_seek_end_llseek,
};

/**
 * virgo_rfile_prepare() - a descriptor and a file, before the node is asked
 * @flags: the open flags (access mode, O_APPEND, O_CLOEXEC)
 * @new: the file made
 *
 * Return: the descriptor reserved (not yet in the table), or -errno.
 */
int virgo_rfile_prepare(int flags, struct file **new)
{
	struct virgo_rfile *rf;
	struct file *file;
	int fd;

	/* Without its workqueue (cloudfs did not start), no file. */
	if (!virgo_rfile_wq)
		return -ENODEV;
	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	kref_init(&rf->ref);
	INIT_WORK(&rf->close_work, virgo_rfile_close_work);
	rf->rfd = -1;
	rf->append = flags & O_APPEND;
	fd = get_unused_fd_flags(flags & O_CLOEXEC);
	if (fd < 0) {
		kfree(rf);
		return fd;
	}
	file = anon_inode_create_getfile("[virgo-file]", &virgo_rfile_fops, rf,
					 flags & O_ACCMODE, NULL);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(rf);
		return PTR_ERR(file);
	}
	rf->fmode = file->f_mode & VIRGO_RFILE_FMODE;
	file->f_flags |= flags & O_APPEND;
	virgo_rfile_fmode(file);
	*new = file;
	return fd;
}

/**
 * virgo_rfile_install() - give the caller the file virgo_rfile_prepare() made
 * @fd: the descriptor it reserved
 * @file: the file
 * @node: the node that opened the file
 * @rfd: the descriptor it gave
 */
void virgo_rfile_install(int fd, struct file *file, u32 node, s64 rfd)
{
	struct virgo_rfile *rf = file->private_data;

	rf->node = node;
	rf->rfd = rfd;
	/* Nothing else has the inode yet: a reopen finds the descriptor. */
	rf->inode = file_inode(file);
	rf->inode->i_private = rf;
	rf->inode->i_fop = &virgo_rfile_fops;
	fd_install(fd, file);
}

/**
 * virgo_rfile_abandon() - undo virgo_rfile_prepare(): the node said no
 * @fd: the descriptor it reserved
 * @file: the file
 * @node: the node, when it gave a descriptor all the same (else 0)
 * @rfd: that descriptor, closed in the background
 */
void virgo_rfile_abandon(int fd, struct file *file, u32 node, s64 rfd)
{
	struct virgo_rfile *rf = file->private_data;

	if (node) {
		rf->node = node;
		rf->rfd = rfd;
	}
	put_unused_fd(fd);
	fput(file);
}

/**
 * virgo_rfile_rw() - virgo_read() or virgo_write() on a file of the caller's
 * @fd: the caller's descriptor
 * @ubuf: the caller's bytes
 * @count: how many, at most VIRGO_FS_IO_MAX a call
 * @pos: where in the file (the file's own position is left as it is)
 * @write: write, else read
 *
 * The file is held through the call: a close by another thread does not
 * close the node's descriptor under it.
 *
 * Return: the bytes moved, or -errno; -EBADF when @fd is not a cloudfs
 * file open for reading (writing).
 */
long virgo_rfile_rw(int fd, void __user *ubuf, u64 count, s64 pos, bool write)
{
	CLASS(fd, f)(fd);
	struct virgo_rfile *rf;
	int ret;

	if (fd_empty(f) || fd_file(f)->f_op != &virgo_rfile_fops ||
	    !(fd_file(f)->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	/*
	 * The LSM's say, as read(2) has. A range past the largest offset is
	 * the node's to cut short (what fits is written, as documented).
	 */
	ret = security_file_permission(fd_file(f), write ? MAY_WRITE : MAY_READ);
	if (ret)
		return ret;
	rf = fd_file(f)->private_data;
	if (write && !(fd_file(f)->f_flags & O_APPEND) != !rf->append)
		return -EINVAL;
	return virgo_fs_rw(rf->node, rf->rfd, ubuf, count, pos, write);
}

/* Is @fd a cloudfs file of the caller's? */
bool virgo_rfile_is(int fd)
{
	CLASS(fd, f)(fd);

	return !fd_empty(f) && fd_file(f)->f_op == &virgo_rfile_fops;
}

int virgo_rfile_init(void)
{
	virgo_rfile_wq = alloc_workqueue("virgo_rfile", WQ_UNBOUND, 4);
	return virgo_rfile_wq ? 0 : -ENOMEM;
}
