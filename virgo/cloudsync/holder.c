// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - taking cluster locks: virgo_lock(), virgo_lock(2)
 *
 * A handle holds one lock: the master's fencing token and a lease that
 * a worker renews every fifth of it (so that a holder outlives a change
 * of master when the lease is longer than the change takes). The lease counts from when a grant
 * or renewal was asked for, so it ends here no later than at the master.
 * When a renewal cannot reach the master before the lease ends, or the
 * master answers ESTALE, the handle is lost: virgo_lock_held() says so,
 * the descriptor of virgo_lock(2) polls hung up, and the release reports
 * -ESTALE.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/virgo.h>
#include <trace/events/virgo.h>
#include "lock.h"

enum virgo_lock_state {
	VIRGO_LOCK_HELD,
	VIRGO_LOCK_LOST,
	VIRGO_LOCK_RELEASED,
};

/**
 * struct virgo_lock_handle - one lock held by this node
 * @name: the lock's name
 * @token: its fencing token
 * @lease_ms: the lease's length, as the master gave it
 * @lease_end: jiffies when the lease ends unless renewed
 * @state: enum virgo_lock_state; under virgo_lock_handles_lock
 * @renew: renews the lease
 * @expiry: fires at @lease_end: wakes @wq even while a renewal hangs
 * @wq: poll: woken when the lock is lost
 * @entry: in virgo_lock_handles
 */
struct virgo_lock_handle {
	char name[VIRGO_LOCK_NAME_MAX + 1];
	u64 token;
	unsigned int lease_ms;
	unsigned long lease_end;
	int state;
	struct delayed_work renew;
	struct timer_list expiry;
	wait_queue_head_t wq;
	struct list_head entry;
};

static DEFINE_SPINLOCK(virgo_lock_handles_lock);
static LIST_HEAD(virgo_lock_handles);

/* One request to the master; -EREMCHG when there is no master to ask. */
static int virgo_lock_call(const char *line, char *reply, size_t len,
			   unsigned int timeout_ms)
{
	struct virgo_request req = {
		.line = line, .reply = reply, .reply_len = len,
		.timeout_ms = timeout_ms,
	};
	u32 master = virgo_lock_master_guess();
	int ret;

	if (!master)
		return -EREMCHG;
	ret = virgo_call_request(master, VIRGO_LOCK_PORT, &req);
	if (ret)
		return ret == -ERESTARTSYS ? -EINTR : ret;
	return virgo_reply_error(reply);
}

static void virgo_lock_lose(struct virgo_lock_handle *h)
{
	spin_lock(&virgo_lock_handles_lock);
	if (h->state == VIRGO_LOCK_HELD) {
		h->state = VIRGO_LOCK_LOST;
		trace_virgo_lock("lost", h->name, h->token, -ESTALE);
	}
	spin_unlock(&virgo_lock_handles_lock);
	wake_up_all(&h->wq);
}

static void virgo_lock_expiry(struct timer_list *t)
{
	struct virgo_lock_handle *h = from_timer(h, t, expiry);

	/* Not renewed in time: the lease ran out here. */
	trace_virgo_lock("expired", h->name, h->token, -ESTALE);
	wake_up_all(&h->wq);
}

static void virgo_lock_renew(struct work_struct *work)
{
	struct virgo_lock_handle *h = container_of(work, struct virgo_lock_handle,
						   renew.work);
	unsigned long asked = jiffies, next;
	unsigned int lease;
	char line[128], reply[64];
	int ret;

	if (READ_ONCE(h->state) != VIRGO_LOCK_HELD)
		return;
	if (time_after_eq(asked, h->lease_end)) {
		virgo_lock_lose(h);
		return;
	}
	snprintf(line, sizeof(line), "RENEW %s %llu", h->name, h->token);
	ret = virgo_lock_call(line, reply, sizeof(reply),
			      clamp(jiffies_to_msecs(h->lease_end - asked), 1U,
				    VIRGO_CALL_TIMEOUT_MS));
	if (!ret && sscanf(reply, "OK %u", &lease) == 1 && lease &&
	    time_before(jiffies, h->lease_end)) {
		h->lease_ms = lease;
		WRITE_ONCE(h->lease_end, asked + msecs_to_jiffies(lease));
		mod_timer(&h->expiry, h->lease_end);
		next = msecs_to_jiffies(lease / VIRGO_LOCK_RENEWALS);
	} else if (!ret) {
		/* Renewed too late: the lease had ended here, it stays lost. */
		virgo_lock_lose(h);
		return;
	} else if (ret == -ESTALE) {
		virgo_lock_lose(h);
		return;
	} else {
		/* The master moves or cannot be reached: try again soon. */
		next = msecs_to_jiffies(VIRGO_LOCK_TICK_MS * 2);
	}
	if (time_after_eq(jiffies, h->lease_end)) {
		virgo_lock_lose(h);
		return;
	}
	next = min(next, h->lease_end - jiffies);
	queue_delayed_work(virgo_wq, &h->renew, next);
}

/**
 * virgo_lock() - take a cluster-wide lock
 * @name: 1 to VIRGO_LOCK_NAME_MAX bytes of [A-Za-z0-9_.:/@+-], NUL-terminated
 * @timeout_ms: how long to wait for it, at most VIRGO_LOCK_TIMEOUT_MAX_MS
 * @flags: VIRGO_LOCK_TRY: do not wait
 * @token: the lock's fencing token
 *
 * Sleeps. The lease is renewed until virgo_unlock().
 *
 * Return: the handle, or ERR_PTR(): -EAGAIN (VIRGO_LOCK_TRY and taken),
 * -ETIMEDOUT (not granted within @timeout_ms: taken, or no master could
 * be reached), -EINTR, -ENOLCK (a cap of the master), -EINVAL, -ENOMEM.
 */
struct virgo_lock_handle *virgo_lock(const char *name, unsigned int timeout_ms,
				     unsigned int flags, u64 *token)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms), asked;
	unsigned int wait_ms, lease, waited;
	struct virgo_lock_handle *h;
	char line[128], reply[64];
	int ret;

	if (!virgo_lock_name_ok(name, strnlen(name, VIRGO_LOCK_NAME_MAX + 1)) ||
	    flags & ~VIRGO_LOCK_TRY || timeout_ms > VIRGO_LOCK_TIMEOUT_MAX_MS)
		return ERR_PTR(-EINVAL);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	strscpy(h->name, name, sizeof(h->name));
	init_waitqueue_head(&h->wq);
	INIT_DELAYED_WORK(&h->renew, virgo_lock_renew);
	timer_setup(&h->expiry, virgo_lock_expiry, 0);

	for (;;) {
		asked = jiffies;
		/* A master that fails while we wait is left after one slice. */
		wait_ms = flags & VIRGO_LOCK_TRY || time_after_eq(asked, deadline) ?
			  0 : min(jiffies_to_msecs(deadline - asked), VIRGO_LOCK_SLICE_MS);
		snprintf(line, sizeof(line), "ACQUIRE %s %u", name, wait_ms);
		ret = virgo_lock_call(line, reply, sizeof(reply),
				      wait_ms + VIRGO_CALL_TIMEOUT_MS);
		if (!ret && sscanf(reply, "GRANTED %llu %u %u", &h->token, &lease,
				   &waited) == 3 && lease)
			break;
		if (!ret)
			ret = -EPROTO;
		if (ret == -EINTR || ret == -ENOLCK || ret == -EINVAL) {
			kfree(h);
			return ERR_PTR(ret);
		}
		if (ret == -EAGAIN && flags & VIRGO_LOCK_TRY) {
			kfree(h);
			return ERR_PTR(-EAGAIN);
		}
		/* No master yet, or it moved, or it failed: ask again. */
		if (time_after_eq(jiffies, deadline) || flags & VIRGO_LOCK_TRY) {
			kfree(h);
			return ERR_PTR(-ETIMEDOUT);
		}
		if (schedule_timeout_interruptible(msecs_to_jiffies(VIRGO_LOCK_TICK_MS * 2))) {
			kfree(h);
			return ERR_PTR(-EINTR);
		}
	}
	h->lease_ms = lease;
	/* The grant came waited ms after the request: not after its reply. */
	h->lease_end = asked + min(msecs_to_jiffies(waited), jiffies - asked) +
		       msecs_to_jiffies(lease);
	h->state = VIRGO_LOCK_HELD;
	mod_timer(&h->expiry, h->lease_end);
	spin_lock(&virgo_lock_handles_lock);
	list_add_tail(&h->entry, &virgo_lock_handles);
	spin_unlock(&virgo_lock_handles_lock);
	queue_delayed_work(virgo_wq, &h->renew, msecs_to_jiffies(lease / VIRGO_LOCK_RENEWALS));
	*token = h->token;
	trace_virgo_lock("acquire", h->name, h->token, 0);
	return h;
}
EXPORT_SYMBOL_GPL(virgo_lock);

/**
 * virgo_lock_held() - does @h still hold its lock?
 * @h: a handle of virgo_lock()
 *
 * Return: false once the lease was lost (or the lock released).
 */
bool virgo_lock_held(struct virgo_lock_handle *h)
{
	return READ_ONCE(h->state) == VIRGO_LOCK_HELD &&
	       time_before(jiffies, READ_ONCE(h->lease_end));
}
EXPORT_SYMBOL_GPL(virgo_lock_held);

/* Tell the master, then forget the lock; the handle stays allocated. */
static int virgo_lock_drop(struct virgo_lock_handle *h)
{
	char line[128], reply[64];
	bool held;
	int ret;

	cancel_delayed_work_sync(&h->renew);
	timer_shutdown_sync(&h->expiry);
	held = virgo_lock_held(h);
	snprintf(line, sizeof(line), "RELEASE %s %llu", h->name, h->token);
	ret = virgo_lock_call(line, reply, sizeof(reply), 0);
	spin_lock(&virgo_lock_handles_lock);
	h->state = VIRGO_LOCK_RELEASED;
	list_del(&h->entry);
	spin_unlock(&virgo_lock_handles_lock);
	wake_up_all(&h->wq);
	ret = held && ret != -ESTALE ? 0 : -ESTALE;
	trace_virgo_lock("release", h->name, h->token, ret);
	return ret;
}

/**
 * virgo_unlock() - release a lock and free its handle
 * @h: a handle of virgo_lock()
 *
 * Sleeps.
 *
 * Return: 0 when the lock was held to the end (or the master could not be
 * told; the lease ends it then), -ESTALE when the lease had been lost.
 */
int virgo_unlock(struct virgo_lock_handle *h)
{
	int ret = virgo_lock_drop(h);

	kfree(h);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_unlock);

/* "held <name> <token> <lease left ms>|lost" for each lock of this node. */
int virgo_lock_holder_show(char *buf, size_t len)
{
	struct virgo_lock_handle *h;
	unsigned long now = jiffies;
	int used = 0;

	spin_lock(&virgo_lock_handles_lock);
	list_for_each_entry(h, &virgo_lock_handles, entry)
		used += scnprintf(buf + used, len - used, "held %s %llu %u%s\n",
				  h->name, h->token,
				  time_before(now, h->lease_end) ?
				  jiffies_to_msecs(h->lease_end - now) : 0,
				  h->state == VIRGO_LOCK_HELD ? "" : " lost");
	spin_unlock(&virgo_lock_handles_lock);
	return used;
}

/* ------------------------------------------------ virgo_lock(2) */

/*
 * The file of a lock descriptor: the lock is released by virgo_unlock(2)
 * or when the file goes; the handle lives as long as the file, for poll.
 */
struct virgo_lock_file {
	struct virgo_lock_handle *h;
	struct mutex lock;		/* protects released */
	bool released;
	struct work_struct release;
};

static void virgo_lock_file_free(struct work_struct *work)
{
	struct virgo_lock_file *lf = container_of(work, struct virgo_lock_file, release);

	if (!lf->released)
		virgo_lock_drop(lf->h);
	kfree(lf->h);
	kfree(lf);
}

static int virgo_lock_fop_release(struct inode *inode, struct file *file)
{
	struct virgo_lock_file *lf = file->private_data;

	/* Telling the master may take a round trip: not in exit's path. */
	INIT_WORK(&lf->release, virgo_lock_file_free);
	queue_work(virgo_wq, &lf->release);
	return 0;
}

static __poll_t virgo_lock_fop_poll(struct file *file, poll_table *wait)
{
	struct virgo_lock_file *lf = file->private_data;

	poll_wait(file, &lf->h->wq, wait);
	return virgo_lock_held(lf->h) ? 0 : EPOLLIN | EPOLLHUP;
}

static void virgo_lock_fop_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct virgo_lock_file *lf = file->private_data;

	seq_printf(m, "virgo-lock:\t%s\nvirgo-token:\t%llu\nvirgo-held:\t%d\n",
		   lf->h->name, lf->h->token, virgo_lock_held(lf->h));
}

static const struct file_operations virgo_lock_fops = {
	.release = virgo_lock_fop_release,
	.poll = virgo_lock_fop_poll,
	.show_fdinfo = virgo_lock_fop_show_fdinfo,
	.llseek = noop_llseek,
};

VIRGO_SYSCALL_DEFINE2(virgo_lock, struct virgo_lock_args __user *, uargs, size_t, usize)
{
	char name[VIRGO_LOCK_NAME_MAX + 1];
	struct virgo_lock_args args;
	struct virgo_lock_handle *h;
	struct virgo_lock_file *lf;
	struct file *file;
	u64 token;
	int fd, ret;

	if (!virgo_caller_permitted(READ_ONCE(virgo_lock_set.caller_gid)))
		return -EPERM;
	if (usize < VIRGO_LOCK_ARGS_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&args, sizeof(args), uargs, usize);
	if (ret)
		return ret;
	if (args.flags & ~(VIRGO_LOCK_TRY | VIRGO_LOCK_CLOEXEC) || args.__reserved ||
	    args.__reserved2 || args.token || args.lease_ms ||
	    args.timeout_ms > VIRGO_LOCK_TIMEOUT_MAX_MS)
		return -EINVAL;
	if (!args.name_len || args.name_len > VIRGO_LOCK_NAME_MAX)
		return args.name_len ? -ENAMETOOLONG : -EINVAL;
	if (copy_from_user(name, u64_to_user_ptr(args.name), args.name_len))
		return -EFAULT;
	name[args.name_len] = '\0';
	if (!virgo_lock_name_ok(name, args.name_len))
		return -EINVAL;

	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		return -ENOMEM;
	mutex_init(&lf->lock);
	fd = get_unused_fd_flags(O_RDWR | (args.flags & VIRGO_LOCK_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		kfree(lf);
		return fd;
	}
	h = virgo_lock(name, args.timeout_ms, args.flags & VIRGO_LOCK_TRY, &token);
	if (IS_ERR(h)) {
		ret = PTR_ERR(h);
		goto out_fd;
	}
	lf->h = h;
	if (put_user(token, &uargs->token) || put_user(h->lease_ms, &uargs->lease_ms)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	file = anon_inode_getfile("[virgo_lock]", &virgo_lock_fops, lf, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_unlock;
	}
	fd_install(fd, file);
	return fd;

out_unlock:
	virgo_unlock(h);
	lf->h = NULL;
out_fd:
	put_unused_fd(fd);
	kfree(lf);
	return ret;
}

VIRGO_SYSCALL_DEFINE2(virgo_unlock, int, fd, unsigned int, flags)
{
	struct virgo_lock_file *lf;
	bool released;
	struct fd f;
	int ret;

	if (flags)
		return -EINVAL;
	f = fdget(fd);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &virgo_lock_fops) {
		fdput(f);
		return -EINVAL;
	}
	lf = fd_file(f)->private_data;
	mutex_lock(&lf->lock);
	released = lf->released;
	lf->released = true;
	/* Released already: the descriptor no longer holds anything. */
	ret = released ? -ESTALE : virgo_lock_drop(lf->h);
	mutex_unlock(&lf->lock);
	fdput(f);
	return ret;
}
