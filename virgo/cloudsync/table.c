// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - the lock master's table
 *
 * Named locks, each free or held by one node under a fencing token and a
 * lease, with a FIFO of waiting acquires. A token is the master's term in
 * its high 32 bits and a counter in the low 32: within a term the counter
 * grows, and every new master takes a larger term (master.c), so tokens
 * grow across the cluster, master changes included. Pure logic over an
 * explicit time in milliseconds, under the caller's lock: KUnit drives it.
 */

#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "lock.h"

/* 1 to VIRGO_LOCK_NAME_MAX bytes of [A-Za-z0-9_.:/@+-]. */
bool virgo_lock_name_ok(const char *name, size_t len)
{
	size_t i;

	if (!len || len > VIRGO_LOCK_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		/* ASCII only: the kernel's isalnum() takes Latin-1 letters. */
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && !(c && strchr("_.:/@+-", c)))
			return false;
	}
	return true;
}

static struct hlist_head *virgo_ltable_bucket(struct virgo_ltable *t, const char *name)
{
	return &t->buckets[jhash(name, strlen(name), 0) % VIRGO_LOCK_BUCKETS];
}

static struct virgo_lentry *virgo_ltable_find(struct virgo_ltable *t, const char *name)
{
	struct virgo_lentry *e;

	hlist_for_each_entry(e, virgo_ltable_bucket(t, name), hash)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static struct virgo_lentry *virgo_ltable_add(struct virgo_ltable *t, const char *name)
{
	struct virgo_lentry *e;

	if (t->nlocks >= t->limits.max_locks)
		return ERR_PTR(-ENOLCK);
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	strscpy(e->name, name, sizeof(e->name));
	INIT_LIST_HEAD(&e->waiters);
	hlist_add_head(&e->hash, virgo_ltable_bucket(t, name));
	t->nlocks++;
	return e;
}

/* Forget a lock nobody holds or waits for. */
static void virgo_ltable_tidy(struct virgo_ltable *t, struct virgo_lentry *e)
{
	if (e->holder || !list_empty(&e->waiters))
		return;
	hlist_del(&e->hash);
	kfree(e);
	t->nlocks--;
}

/*
 * @grace_ms: the longest lease the previous master may have given: its
 * holders may renew until their leases end.
 */
void virgo_ltable_init(struct virgo_ltable *t, u32 term, u64 now,
		       const struct virgo_lock_settings *limits, u32 grace_ms)
{
	memset(t, 0, sizeof(*t));
	t->term = term;
	t->limits = *limits;
	t->grace_until = now + max(grace_ms, limits->lease_ms) + VIRGO_LOCK_TICK_MS;
}

static bool virgo_ltable_exhausted(struct virgo_ltable *t)
{
	return t->counter == U32_MAX;
}

static void virgo_ltable_grant(struct virgo_ltable *t, struct virgo_lentry *e,
			       u32 node, u64 now)
{
	e->holder = node;
	e->token = (u64)t->term << 32 | ++t->counter;
	e->expires = now + t->limits.lease_ms;
	t->held[node]++;
}

/* The lock is free: the first waiter gets it, once the grace is over. */
static void virgo_ltable_pass_on(struct virgo_ltable *t, struct virgo_lentry *e, u64 now)
{
	struct virgo_lwaiter *w;

	if (e->holder || now < t->grace_until || virgo_ltable_exhausted(t))
		return;
	w = list_first_entry_or_null(&e->waiters, struct virgo_lwaiter, entry);
	if (!w)
		return;
	list_del_init(&w->entry);
	t->waiting[w->node]--;
	virgo_ltable_grant(t, e, w->node, now);
	w->token = e->token;
	w->granted = now;
	w->lease = t->limits.lease_ms;
	w->state = VIRGO_LWAIT_GRANTED;
	complete(&w->done);
}

/**
 * virgo_ltable_acquire() - node @node asks for the lock @name
 * @t: the table
 * @name: a name virgo_lock_name_ok() accepts, NUL-terminated
 * @node: 1..VIRGO_MAX_NODES
 * @now: the time, ms
 * @w: where to wait when the lock is taken; NULL: do not wait
 * @token: the token, when granted at once
 *
 * Return: 0 (granted: *@token), -EINPROGRESS (@w waits in the lock's
 * FIFO: its done completes when it is granted or the table dropped),
 * -EAGAIN (taken, or in the grace period, and @w is NULL), -ENOLCK (a
 * cap: names, held or waiting per node), -EOVERFLOW (the term has no
 * token left: the master steps down), -EINVAL or -ENOMEM.
 */
int virgo_ltable_acquire(struct virgo_ltable *t, const char *name, u32 node,
			 u64 now, struct virgo_lwaiter *w, u64 *token)
{
	struct virgo_lentry *e;

	if (!node || node > VIRGO_MAX_NODES || !virgo_lock_name_ok(name, strlen(name)))
		return -EINVAL;
	if (virgo_ltable_exhausted(t))
		return -EOVERFLOW;
	e = virgo_ltable_find(t, name);
	if (!e) {
		if (!w && now < t->grace_until)
			return -EAGAIN;
		e = virgo_ltable_add(t, name);
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	if (!e->holder && list_empty(&e->waiters) && now >= t->grace_until) {
		if (t->held[node] >= t->limits.max_held) {
			virgo_ltable_tidy(t, e);
			return -ENOLCK;
		}
		virgo_ltable_grant(t, e, node, now);
		*token = e->token;
		return 0;
	}
	/* Every waiter may be granted: they count against max_held too. */
	if (!w || t->waiting[node] >= t->limits.max_waiting ||
	    t->held[node] + t->waiting[node] >= t->limits.max_held) {
		virgo_ltable_tidy(t, e);
		return w ? -ENOLCK : -EAGAIN;
	}
	w->node = node;
	w->lock = e;
	w->state = VIRGO_LWAIT_WAITING;
	w->token = 0;
	init_completion(&w->done);
	list_add_tail(&w->entry, &e->waiters);
	t->waiting[node]++;
	return -EINPROGRESS;
}

/* A waiter gives up (timeout, its peer gone); nothing if already done. */
void virgo_ltable_cancel(struct virgo_ltable *t, struct virgo_lwaiter *w)
{
	if (w->state != VIRGO_LWAIT_WAITING)
		return;
	list_del_init(&w->entry);
	t->waiting[w->node]--;
	w->state = VIRGO_LWAIT_ABORTED;
	virgo_ltable_tidy(t, w->lock);
}

/**
 * virgo_ltable_renew() - the holder of @token renews its lease
 * @t: the table
 * @name: the lock
 * @node: the node that renews
 * @token: its token
 * @now: the time, ms
 *
 * In the grace period after a master change, a token of an earlier term
 * for a lock nobody holds here is the previous master's holder taking its
 * lock back.
 *
 * Return: 0, or -ESTALE (not the holder: the lease was lost), -ENOLCK or
 * -ENOMEM (it could not be taken back).
 */
int virgo_ltable_renew(struct virgo_ltable *t, const char *name, u32 node,
		       u64 token, u64 now)
{
	struct virgo_lentry *e;

	if (!node || node > VIRGO_MAX_NODES)
		return -EINVAL;
	e = virgo_ltable_find(t, name);
	if (e && e->holder == node && e->token == token) {
		e->expires = now + t->limits.lease_ms;
		return 0;
	}
	if (now >= t->grace_until || token >> 32 >= t->term || (e && e->holder) ||
	    !virgo_lock_name_ok(name, strlen(name)))
		return -ESTALE;
	if (t->held[node] >= t->limits.max_held)
		return -ENOLCK;
	if (!e) {
		e = virgo_ltable_add(t, name);
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	e->holder = node;
	e->token = token;
	e->expires = now + t->limits.lease_ms;
	t->held[node]++;
	return 0;
}

/**
 * virgo_ltable_release() - the holder of @token gives the lock up
 * @t: the table
 * @name: the lock
 * @node: the node that releases
 * @token: its token
 * @now: the time, ms
 *
 * Return: 0, or -ESTALE: @token does not hold the lock (its lease ended,
 * and the lock may have been someone else's since). In the grace period
 * a token of an earlier term for a lock nobody holds here is released
 * with 0: its holder had not renewed with this master yet.
 */
int virgo_ltable_release(struct virgo_ltable *t, const char *name, u32 node,
			 u64 token, u64 now)
{
	struct virgo_lentry *e = virgo_ltable_find(t, name);

	/* In the grace period: a holder of the last master's lets it go. */
	if (now < t->grace_until && token >> 32 < t->term && (!e || !e->holder))
		return 0;
	if (!e || !node || e->holder != node || e->token != token)
		return -ESTALE;
	t->held[node]--;
	e->holder = 0;
	virgo_ltable_pass_on(t, e, now);
	virgo_ltable_tidy(t, e);
	return 0;
}

/**
 * virgo_ltable_expire() - end the leases that ran out, serve the waiters
 * @t: the table
 * @now: the time, ms
 *
 * Return: how many leases ended.
 */
u64 virgo_ltable_expire(struct virgo_ltable *t, u64 now)
{
	struct virgo_lentry *e;
	struct hlist_node *tmp;
	u64 ended = 0;
	int b;

	for (b = 0; b < VIRGO_LOCK_BUCKETS; b++) {
		hlist_for_each_entry_safe(e, tmp, &t->buckets[b], hash) {
			if (e->holder && e->expires <= now) {
				t->held[e->holder]--;
				e->holder = 0;
				ended++;
			}
			virgo_ltable_pass_on(t, e, now);
			virgo_ltable_tidy(t, e);
		}
	}
	return ended;
}

/* No longer master: forget every lock; the waiters learn it. */
void virgo_ltable_clear(struct virgo_ltable *t)
{
	struct virgo_lwaiter *w, *wtmp;
	struct virgo_lentry *e;
	struct hlist_node *tmp;
	int b;

	for (b = 0; b < VIRGO_LOCK_BUCKETS; b++) {
		hlist_for_each_entry_safe(e, tmp, &t->buckets[b], hash) {
			list_for_each_entry_safe(w, wtmp, &e->waiters, entry) {
				list_del_init(&w->entry);
				w->state = VIRGO_LWAIT_ABORTED;
				complete(&w->done);
			}
			hlist_del(&e->hash);
			kfree(e);
		}
	}
	t->nlocks = 0;
	memset(t->held, 0, sizeof(t->held));
	memset(t->waiting, 0, sizeof(t->waiting));
}

/* One line per lock: "<name> <token> <holder> <lease left ms> <waiters>". */
int virgo_ltable_show(struct virgo_ltable *t, u64 now, char *buf, size_t len)
{
	struct virgo_lentry *e;
	struct virgo_lwaiter *w;
	unsigned int n;
	int b, used = 0;

	for (b = 0; b < VIRGO_LOCK_BUCKETS; b++) {
		hlist_for_each_entry(e, &t->buckets[b], hash) {
			n = 0;
			list_for_each_entry(w, &e->waiters, entry)
				n++;
			used += scnprintf(buf + used, len - used, "lock %s %llu %u %llu %u\n",
					  e->name, e->token, e->holder,
					  e->holder && e->expires > now ? e->expires - now : 0, n);
		}
	}
	return used;
}
