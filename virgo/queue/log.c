// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - the log: <log_dir>/REQUEST_REPLY.queue
 *
 * Every request, REPLY and acknowledgement is appended as one record
 * (record.c). A request is acknowledged, a REPLY accepted, only once its
 * record is on disk: appenders share fsyncs (group commit), so N
 * publishers at once cost far fewer than N fsyncs.
 *
 * Opening the log replays it into memory. A record that fails its CRC or
 * its syntax is skipped; what follows the last good record (a record torn
 * by a crash) is cut off, so nothing is ever appended to a torn line.
 *
 * When the file grows past max_log_kb (and past twice what the last
 * rotation wrote), it is rotated: what is still live (requests not yet
 * serviced, REPLYs not yet delivered or collected, the collected ids of
 * the dedup window) is written to REQUEST_REPLY.queue.new and synced; the
 * log becomes REQUEST_REPLY.queue.1 and the new file takes its name. A
 * crash between the two renames leaves .new alone, which the next open
 * completes.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include "queue.h"

static struct file *virgo_qlog_file(const struct path *dir, const char *name,
				    int flags)
{
	return file_open_root(dir, name, flags | O_NOFOLLOW | O_LARGEFILE |
			      O_CLOEXEC, 0600);
}

/* Write @rec at *@pos of @file (a rotation's new log). */
int virgo_qlog_put(struct virgo_queue *q, struct file *file,
		   const struct virgo_qrec *rec, loff_t *pos)
{
	size_t n = virgo_qrec_encode(q->log.buf, VIRGO_QUEUE_REC_MAX, rec);

	return n ? virgo_file_write(file, q->log.buf, n, pos) : -EINVAL;
}

/**
 * virgo_qlog_append() - append a record
 * @q: the queue, locked and open
 * @rec: the record
 * @lsn: set to the log position virgo_qlog_sync() must reach for it
 *
 * Return: 0, or an error after which the record is not in the log (a
 * partial write is cut off again).
 */
int virgo_qlog_append(struct virgo_queue *q, const struct virgo_qrec *rec, u64 *lsn)
{
	struct virgo_qlog *log = &q->log;
	size_t n = virgo_qrec_encode(log->buf, VIRGO_QUEUE_REC_MAX, rec);
	loff_t pos = log->size;
	u64 cap;
	int ret;

	lockdep_assert_held(&q->lock);
	if (WARN_ON_ONCE(!n))
		return -EINVAL;
	if (READ_ONCE(log->err))
		return -EIO;
	ret = virgo_file_write(log->file, log->buf, n, &pos);
	if (ret) {
		vfs_truncate(&log->file->f_path, log->size);
		return ret;
	}
	log->size = pos;
	spin_lock(&log->file_lock);
	log->lsn += n;
	*lsn = log->lsn;
	spin_unlock(&log->file_lock);

	cap = max_t(u64, (u64)READ_ONCE(virgo_queue_set.max_log_kb) << 10,
		    2 * log->base);
	if (log->size > cap)
		queue_work(virgo_wq, &log->rotate_work);
	return 0;
}

/**
 * virgo_qlog_sync() - wait until the log is on disk up to @lsn
 * @q: the queue (not locked)
 * @lsn: what virgo_qlog_append() returned
 *
 * One fsync at a time covers everything appended before it began; those
 * who waited for it find their records covered and return at once.
 *
 * Return: 0, or the fsync's error.
 */
int virgo_qlog_sync(struct virgo_queue *q, u64 lsn)
{
	struct virgo_qlog *log = &q->log;
	struct file *file;
	u64 target;
	int ret = 0;

	/* Pairs with the releases below: a covered record was fsynced. */
	if (smp_load_acquire(&log->synced) >= lsn)
		return 0;
	mutex_lock(&log->sync_lock);
	/*
	 * After a failed write-back a later fsync of the same file may
	 * succeed without the lost pages: nothing is durable from then on.
	 */
	ret = log->err;
	if (!ret && log->synced < lsn) {
		spin_lock(&log->file_lock);
		file = get_file(log->file);
		target = log->lsn;
		spin_unlock(&log->file_lock);
		ret = vfs_fsync(file, 1);
		fput(file);
		if (!ret)	/* after the fsync: see the acquire above */
			smp_store_release(&log->synced, target);
		else
			WRITE_ONCE(log->err, ret);
	}
	mutex_unlock(&log->sync_lock);
	return ret;
}

/* Rotate the log (see the top of this file); on failure keep the old one. */
static void virgo_qlog_rotate(struct work_struct *work)
{
	struct virgo_queue *q = &virgo_queue;
	struct virgo_qlog *log = &q->log;
	struct file *file, *old;
	loff_t pos = 0;
	int ret;

	mutex_lock(&q->lock);
	if (!q->open || log->size <= max_t(u64, 2 * log->base,
			(u64)READ_ONCE(virgo_queue_set.max_log_kb) << 10))
		goto out;
	file = virgo_qlog_file(&log->dir, VIRGO_QUEUE_LOG_NEW,
			       O_WRONLY | O_CREAT | O_TRUNC);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto fail;
	}
	ret = virgo_qlog_write_state(q, file, &pos) ?: vfs_fsync(file, 0);
	if (!ret)
		ret = virgo_file_rename(&log->dir, VIRGO_QUEUE_LOG, VIRGO_QUEUE_LOG_OLD);
	if (!ret) {
		ret = virgo_file_rename(&log->dir, VIRGO_QUEUE_LOG_NEW, VIRGO_QUEUE_LOG);
		/* Back under its name, or an open would take .new for it. */
		if (ret && virgo_file_rename(&log->dir, VIRGO_QUEUE_LOG_OLD, VIRGO_QUEUE_LOG))
			WRITE_ONCE(log->err, ret);
	}
	if (ret) {
		fput(file);
		goto fail;
	}
	/*
	 * The new file has the name now: append to it. Everything appended
	 * so far is in it, synced, once the renames are on disk too; if
	 * they cannot be, nothing more counts as durable.
	 */
	ret = virgo_dir_sync(&log->dir);
	mutex_lock(&log->sync_lock);
	spin_lock(&log->file_lock);
	old = log->file;
	log->file = file;
	spin_unlock(&log->file_lock);
	if (ret)
		WRITE_ONCE(log->err, ret);
	else		/* the new file was fsynced: see virgo_qlog_sync() */
		smp_store_release(&log->synced, log->lsn);
	mutex_unlock(&log->sync_lock);
	fput(old);
	log->size = pos;
	log->base = pos;
	log->rotations++;
	goto out;
fail:
	/* Not again before the log has grown as much once more. */
	log->base = log->size;
	pr_warn_ratelimited("cannot rotate the log: %d\n", ret);
out:
	mutex_unlock(&q->lock);
}

/*
 * Replay @file into the queue. Sets *@good_end to the end of the last
 * good record and *@size to the file's size.
 */
static int virgo_qlog_replay(struct virgo_queue *q, struct file *file,
			     loff_t *good_end, loff_t *size)
{
	const size_t room = 2 * VIRGO_QUEUE_REC_MAX;
	size_t have = 0, start;
	loff_t base = 0, rpos = 0;	/* file offset of buf[0]; of the next read */
	bool skipping = false;
	struct virgo_qrec rec;
	void *payload;
	char *buf, *nl;
	ssize_t n;
	int ret = 0;

	*good_end = 0;
	buf = kvmalloc(room, GFP_KERNEL);
	payload = kvmalloc(VIRGO_QUEUE_DATA_MAX, GFP_KERNEL);
	if (!buf || !payload) {
		ret = -ENOMEM;
		goto out;
	}
	do {
		n = kernel_read(file, buf + have, room - have, &rpos);
		if (n < 0) {
			ret = n;
			goto out;
		}
		have += n;
		for (start = 0; (nl = memchr(buf + start, '\n', have - start));
		     start = nl + 1 - buf) {
			if (skipping) {		/* the end of an overlong line */
				skipping = false;
				continue;
			}
			if (virgo_qrec_decode(buf + start, nl - buf - start,
					      &rec, payload)) {
				q->bad_records++;
				continue;
			}
			ret = virgo_qmsg_apply(q, &rec);
			if (ret)
				goto out;
			*good_end = base + (nl + 1 - buf);
		}
		if (start == 0 && have == room) {
			/* No record is this long: skip to the next line. */
			q->bad_records++;
			skipping = true;
			start = have;
		}
		memmove(buf, buf + start, have - start);
		base += start;
		have -= start;
	} while (n);
	*size = base + have;
out:
	kvfree(payload);
	kvfree(buf);
	return ret;
}

/**
 * virgo_qlog_open() - open the log in @dirname, replay it, start an epoch
 * @q: the queue, locked and not open
 * @dirname: the directory, looked up in the caller's namespace
 *
 * Return: 0, or an error with the queue still closed and empty.
 */
int virgo_qlog_open(struct virgo_queue *q, const char *dirname)
{
	struct virgo_qlog *log = &q->log;
	loff_t good_end = 0, size = 0;
	struct virgo_qrec rec = { .type = VIRGO_QREC_EPOCH };
	struct file *file;
	struct path dir;
	u64 lsn, now;
	int ret;

	lockdep_assert_held(&q->lock);
	q->self = virgo_local_id();
	if (!q->self)
		return -EDESTADDRREQ;
	ret = kern_path(dirname, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);
	if (ret)
		return ret;

	/* Non-blocking: a FIFO in its place must not hang the writer. */
	file = virgo_qlog_file(&dir, VIRGO_QUEUE_LOG, O_RDONLY | O_NONBLOCK);
	if (file == ERR_PTR(-ENOENT) &&
	    !virgo_file_rename(&dir, VIRGO_QUEUE_LOG_NEW, VIRGO_QUEUE_LOG))
		file = virgo_qlog_file(&dir, VIRGO_QUEUE_LOG, O_RDONLY | O_NONBLOCK);
	if (!IS_ERR(file) && !S_ISREG(file_inode(file)->i_mode)) {
		fput(file);
		file = ERR_PTR(-EINVAL);
	}
	q->bad_records = 0;
	q->torn = 0;
	q->epoch = 0;
	if (!IS_ERR(file)) {
		ret = virgo_qlog_replay(q, file, &good_end, &size);
		fput(file);
	} else if (file != ERR_PTR(-ENOENT)) {
		ret = PTR_ERR(file);
	}
	if (ret)
		goto err;

	file = virgo_qlog_file(&dir, VIRGO_QUEUE_LOG, O_WRONLY | O_CREAT);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err;
	}
	if (size > good_end) {
		ret = vfs_truncate(&file->f_path, good_end);
		if (ret)
			goto err_file;
		q->torn = size - good_end;
	}
	log->file = file;
	log->size = good_end;
	log->base = good_end;
	log->lsn = 0;
	log->synced = 0;
	log->err = 0;

	/* Past every epoch in the log, and the wall clock when it is later. */
	now = clamp_t(u64, ktime_get_real_seconds(), 1, U32_MAX);
	if (q->epoch == U32_MAX) {
		ret = -EOVERFLOW;
		goto err_file;
	}
	q->epoch = max_t(u64, now, q->epoch + 1);
	q->seq = 0;
	rec.id.node = q->self;
	rec.id.epoch = q->epoch;
	rec.lamport = virgo_clock_stamp();
	ret = virgo_qlog_append(q, &rec, &lsn) ?: vfs_fsync(file, 1) ?:
	      virgo_dir_sync(&dir);
	if (ret)
		goto err_file;
	log->synced = log->lsn;
	log->dir = dir;
	if (q->bad_records || q->torn)
		pr_warn("log %s/%s: %u damaged records skipped, a torn record of %zu bytes cut\n",
			dirname, VIRGO_QUEUE_LOG, q->bad_records, q->torn);
	return 0;

err_file:
	fput(file);
	log->file = NULL;
err:
	virgo_queue_reset(q);
	path_put(&dir);
	return ret;
}

int virgo_qlog_init(struct virgo_qlog *log)
{
	log->buf = kvmalloc(VIRGO_QUEUE_REC_MAX, GFP_KERNEL);
	if (!log->buf)
		return -ENOMEM;
	mutex_init(&log->sync_lock);
	spin_lock_init(&log->file_lock);
	INIT_WORK(&log->rotate_work, virgo_qlog_rotate);
	return 0;
}
