// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - this node's memcached items
 *
 * Items live in a resizable hash table keyed by their key, hashed with a
 * random seed so that a peer cannot choose keys that all collide. An item
 * never changes once it is in the table, except for its expiry (touch),
 * its cas unique (md I) and the meta state that memcached's meta commands
 * show: a store puts a new item in the old one's place, so readers take a
 * reference under RCU and send the value without holding any lock. One
 * mutex orders the writers, which makes add, replace, cas, append,
 * prepend, incr and decr atomic. Every item's memory counts against the
 * node's pool_max, as chunks do.
 */

#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include "mempool.h"

/* memcached's rule: an expiry up to 30 days is relative, else absolute. */
#define VIRGO_MC_RELATIVE_MAX	(30 * 24 * 3600)

struct virgo_mc_key {
	const char *key;
	size_t len;
};

static u32 virgo_mc_hash(const void *data, u32 len, u32 seed)
{
	const struct virgo_mc_key *k = data;

	return jhash(k->key, k->len, seed);
}

static u32 virgo_mc_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct virgo_mc_item *it = data;

	return jhash(it->key, it->keylen, seed);
}

static int virgo_mc_obj_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct virgo_mc_key *k = arg->key;
	const struct virgo_mc_item *it = obj;

	return it->keylen != k->len || memcmp(it->key, k->key, k->len);
}

static const struct rhashtable_params virgo_mc_params = {
	.head_offset = offsetof(struct virgo_mc_item, node),
	.hashfn = virgo_mc_hash,
	.obj_hashfn = virgo_mc_obj_hash,
	.obj_cmpfn = virgo_mc_obj_cmp,
	.automatic_shrinking = true,
};

static struct rhashtable virgo_mc_table;
static DEFINE_MUTEX(virgo_mc_lock);	/* orders the writers */
static atomic64_t virgo_mc_cas = ATOMIC64_INIT(0);
struct virgo_mc_stats virgo_mc_stats;

/* What an item holds: its record and its value, as the allocators round them. */
static size_t virgo_mc_charge(const struct virgo_mc_item *it)
{
	return kmalloc_size_roundup(struct_size(it, key, it->keylen + 1)) +
	       kmalloc_size_roundup(it->bytes + 2);
}

/*
 * The soonest expiry of the items in the table, or later: a reclaim
 * does nothing before it. Linking or touching an item with an expiry
 * lowers it; a reclaim's full pass sets it to what it saw (@pass_soonest),
 * if it saw every item: a pass that unlinked items or met a resize may
 * have stepped over some (@pass_dirty), and the next reclaim walks again.
 * Writers only.
 */
static time64_t virgo_mc_soonest = TIME64_MAX;
static time64_t virgo_mc_pass_soonest = TIME64_MAX;
static bool virgo_mc_pass_dirty;

static void virgo_mc_note_expiry(time64_t expires)
{
	lockdep_assert_held(&virgo_mc_lock);
	if (expires) {
		virgo_mc_soonest = min(virgo_mc_soonest, expires);
		virgo_mc_pass_soonest = min(virgo_mc_pass_soonest, expires);
	}
}

static void virgo_mc_item_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct virgo_mc_item, rcu));
}

static void virgo_mc_item_release(struct kref *ref)
{
	struct virgo_mc_item *it = container_of(ref, struct virgo_mc_item, ref);

	virgo_pool_uncharge(virgo_mc_charge(it), it->peer);
	kvfree(it->data);
	/* A reader may still be looking at it under RCU (kref_get_unless_zero). */
	call_rcu(&it->rcu, virgo_mc_item_free_rcu);
}

void virgo_mc_item_put(struct virgo_mc_item *it)
{
	kref_put(&it->ref, virgo_mc_item_release);
}

/* Seconds since the epoch at which @exptime (as a client sends it) ends. */
time64_t virgo_mc_expires(s64 exptime)
{
	if (!exptime)
		return 0;
	if (exptime < 0)
		return 1;		/* already over */
	if (exptime <= VIRGO_MC_RELATIVE_MAX)
		return ktime_get_real_seconds() + exptime;
	return exptime;
}

static bool virgo_mc_expired(const struct virgo_mc_item *it)
{
	time64_t expires = READ_ONCE(it->expires);

	return expires && expires <= ktime_get_real_seconds();
}

/**
 * virgo_mc_item_new() - a new item, its value still to be filled in
 * @key: a key that virgo_mc_key_ok() accepts
 * @flags: the client's flags
 * @exptime: the client's expiry
 * @bytes: the value's length, at most VIRGO_MC_VALUE_MAX
 * @peer: whose it is, a slot from virgo_pool_peer()
 *
 * The value goes in @it->data, which has room for "\r\n" after it.
 *
 * Return: the item, or an ERR_PTR: -ENOMEM past pool_max or without memory.
 */
struct virgo_mc_item *virgo_mc_item_new(const char *key, u32 flags, s64 exptime,
					u32 bytes, int peer)
{
	size_t keylen = strlen(key);
	struct virgo_mc_item *it;

	if (WARN_ON_ONCE(keylen > VIRGO_MC_KEY_MAX || bytes > VIRGO_MC_VALUE_MAX))
		return ERR_PTR(-EINVAL);
	it = kmalloc(struct_size(it, key, keylen + 1), GFP_KERNEL);
	if (!it)
		return ERR_PTR(-ENOMEM);
	it->keylen = keylen;
	it->bytes = bytes;
	it->peer = peer;
	if (virgo_pool_charge(virgo_mc_charge(it), peer)) {
		kfree(it);
		return ERR_PTR(-ENOMEM);
	}
	it->data = kvmalloc(bytes + 2, GFP_KERNEL);
	if (!it->data) {
		virgo_pool_uncharge(virgo_mc_charge(it), peer);
		kfree(it);
		return ERR_PTR(-ENOMEM);
	}
	memcpy(it->key, key, keylen + 1);
	memcpy(it->data + bytes, "\r\n", 2);
	kref_init(&it->ref);
	it->flags = flags;
	it->expires = virgo_mc_expires(exptime);
	it->cas = 0;
	return it;
}

/* The live item under @key, with the table's lock-free lookup; or NULL. */
static struct virgo_mc_item *virgo_mc_lookup(const char *key, size_t len)
{
	struct virgo_mc_key k = { .key = key, .len = len };

	return rhashtable_lookup(&virgo_mc_table, &k, virgo_mc_params);
}

/**
 * virgo_mc_get() - the item stored under @key
 * @key: the key
 * @len: its length
 *
 * Return: the item, referenced (virgo_mc_item_put() it), or NULL when no
 * live item has that key.
 */
struct virgo_mc_item *virgo_mc_get(const char *key, size_t len)
{
	struct virgo_mc_item *it;

	int tries = 8;

	/*
	 * An item whose count reached 0 was replaced: its successor is in
	 * the table already, so look again rather than answer a miss.
	 */
	rcu_read_lock();
	for (;;) {
		it = virgo_mc_lookup(key, len);
		if (!it || virgo_mc_expired(it)) {
			it = NULL;
			break;
		}
		if (kref_get_unless_zero(&it->ref))
			break;
		if (!--tries) {
			it = NULL;
			break;
		}
	}
	rcu_read_unlock();
	atomic64_inc(it ? &virgo_mc_stats.get_hits : &virgo_mc_stats.get_misses);
	return it;
}

/* Take @old out of the table and drop the table's reference. Writers only. */
static void virgo_mc_unlink(struct virgo_mc_item *old)
{
	lockdep_assert_held(&virgo_mc_lock);
	/* Only once: a sweep may meet an item twice while the table resizes. */
	if (rhashtable_remove_fast(&virgo_mc_table, &old->node, virgo_mc_params))
		return;
	atomic64_dec(&virgo_mc_stats.items);
	atomic64_sub(old->bytes, &virgo_mc_stats.bytes);
	virgo_mc_item_put(old);
}

/* The item under @key for a writer: expired ones go now. */
static struct virgo_mc_item *virgo_mc_find(const char *key, size_t len)
{
	struct virgo_mc_item *it;

	lockdep_assert_held(&virgo_mc_lock);
	rcu_read_lock();
	it = virgo_mc_lookup(key, len);
	rcu_read_unlock();	/* writers hold the lock: it stays */
	if (it && virgo_mc_expired(it)) {
		virgo_mc_unlink(it);
		it = NULL;
	}
	return it;
}

/* Put @it in @old's place (or in the table); takes over @it's reference. */
static int virgo_mc_link(struct virgo_mc_item *old, struct virgo_mc_item *it)
{
	int ret;

	lockdep_assert_held(&virgo_mc_lock);
	it->cas = atomic64_inc_return(&virgo_mc_cas);
	if (old)
		ret = rhashtable_replace_fast(&virgo_mc_table, &old->node,
					      &it->node, virgo_mc_params);
	else
		ret = rhashtable_insert_fast(&virgo_mc_table, &it->node,
					     virgo_mc_params);
	if (ret) {
		virgo_mc_item_put(it);
		return -ENOMEM;
	}
	virgo_mc_note_expiry(READ_ONCE(it->expires));
	atomic64_inc(&virgo_mc_stats.total_items);
	atomic64_inc(&virgo_mc_stats.items);
	atomic64_add(it->bytes, &virgo_mc_stats.bytes);
	if (old) {
		atomic64_dec(&virgo_mc_stats.items);
		atomic64_sub(old->bytes, &virgo_mc_stats.bytes);
		virgo_mc_item_put(old);
	}
	return 0;
}

/*
 * append/prepend: @it's value joined to @old's, with @old's flags and
 * expiry, in a new item whose meta state starts afresh, as memcached's.
 */
static struct virgo_mc_item *virgo_mc_join(struct virgo_mc_item *old,
					   struct virgo_mc_item *it, bool append)
{
	struct virgo_mc_item *both;
	u64 bytes = (u64)old->bytes + it->bytes;

	if (!virgo_mc_fits(it->keylen, old->flags, bytes, VIRGO_MC_VALUE_MAX))
		return ERR_PTR(-E2BIG);
	both = virgo_mc_item_new_key(it->key, it->keylen, false, old->flags, 0,
				     bytes, it->peer);
	if (IS_ERR(both))
		return both;
	both->expires = READ_ONCE(old->expires);
	if (append) {
		memcpy(both->data, old->data, old->bytes);
		memcpy(both->data + old->bytes, it->data, it->bytes);
	} else {
		memcpy(both->data, it->data, it->bytes);
		memcpy(both->data + it->bytes, old->data, old->bytes);
	}
	return both;
}

/* ms I: @it replaces @old marked stale, with @old's expiry and recache token. */
static void virgo_mc_stale(struct virgo_mc_item *old, struct virgo_mc_item *it)
{
	it->expires = READ_ONCE(old->expires);
	set_bit(VIRGO_MC_STALE, &it->meta);
	if (test_bit(VIRGO_MC_WON, &old->meta))
		set_bit(VIRGO_MC_WON, &it->meta);
}

/**
 * virgo_mc_store() - a storage command
 * @cmd: set, add, replace, append, prepend or cas
 * @it: the new item, from virgo_mc_item_new_key(); its reference is taken
 *	over
 * @cas: in: for cas, the unique the client read with gets; for append and
 *	prepend, unless 0, the unique the item must have (ms C). Out: the
 *	stored item's unique, or 0
 * @stale: a cas with a unique below the item's stores all the same, and
 *	marks the item stale (ms I)
 *
 * Return: VIRGO_MC_STORED, _NOT_STORED (add of a present key, replace,
 * append or prepend of a missing one or past memcached's item limit),
 * _EXISTS (cas after a change), _NOT_FOUND (cas of a missing key); or
 * -ENOMEM.
 */
int virgo_mc_store(enum virgo_mc_cmd cmd, struct virgo_mc_item *it, u64 *cas,
		   bool stale)
{
	struct virgo_mc_item *old, *both;
	u64 want = *cas;
	int ret;

	*cas = 0;
	atomic64_inc(&virgo_mc_stats.cmd_set);
	mutex_lock(&virgo_mc_lock);
	old = virgo_mc_find(it->key, it->keylen);
	switch (cmd) {
	case VIRGO_MC_ADD:
		ret = old ? VIRGO_MC_NOT_STORED : VIRGO_MC_STORED;
		break;
	case VIRGO_MC_REPLACE:
		ret = old ? VIRGO_MC_STORED : VIRGO_MC_NOT_STORED;
		break;
	case VIRGO_MC_APPEND:
	case VIRGO_MC_PREPEND:
		ret = !old ? VIRGO_MC_NOT_STORED :
		      want && old->cas != want ? VIRGO_MC_EXISTS : VIRGO_MC_STORED;
		break;
	case VIRGO_MC_CAS:
		ret = !old ? VIRGO_MC_NOT_FOUND :
		      old->cas == want || (stale && want < old->cas) ?
		      VIRGO_MC_STORED : VIRGO_MC_EXISTS;
		if (ret == VIRGO_MC_STORED && old->cas != want)
			virgo_mc_stale(old, it);
		break;
	default:
		ret = VIRGO_MC_STORED;
		break;
	}
	if (ret == VIRGO_MC_STORED &&
	    (cmd == VIRGO_MC_APPEND || cmd == VIRGO_MC_PREPEND)) {
		both = virgo_mc_join(old, it, cmd == VIRGO_MC_APPEND);
		virgo_mc_item_put(it);
		if (IS_ERR(both)) {
			/* memcached's answer when it has no room for both */
			mutex_unlock(&virgo_mc_lock);
			return VIRGO_MC_NOT_STORED;
		}
		it = both;
	}
	if (ret == VIRGO_MC_STORED) {
		if (READ_ONCE(it->expires) == 1) {
			/* A negative expiry: the key is gone at once. */
			if (old)
				virgo_mc_unlink(old);
			virgo_mc_item_put(it);
			*cas = atomic64_inc_return(&virgo_mc_cas);
		} else {
			ret = virgo_mc_link(old, it) ?: VIRGO_MC_STORED;
			/* Writers hold the lock: the item stays. */
			if (ret == VIRGO_MC_STORED)
				*cas = it->cas;
		}
	} else {
		virgo_mc_item_put(it);
	}
	mutex_unlock(&virgo_mc_lock);
	return ret;
}

/**
 * virgo_mc_delete() - delete the item under @key
 * @key: the key
 *
 * Return: 0, or -ENOENT when there is none.
 */
int virgo_mc_delete(const char *key)
{
	struct virgo_mc_item *old;

	mutex_lock(&virgo_mc_lock);
	old = virgo_mc_find(key, strlen(key));
	if (old)
		virgo_mc_unlink(old);
	mutex_unlock(&virgo_mc_lock);
	return old ? 0 : -ENOENT;
}

/**
 * virgo_mc_touch() - give the item under @key a new expiry
 * @key: the key
 * @exptime: the client's expiry
 *
 * As memcached's, a touch is a fetch too (virgo_mc_bump()).
 *
 * Return: 0, or -ENOENT.
 */
int virgo_mc_touch(const char *key, s64 exptime)
{
	struct virgo_mc_item *old;

	mutex_lock(&virgo_mc_lock);
	old = virgo_mc_find(key, strlen(key));
	if (old) {
		virgo_mc_bump(old);
		WRITE_ONCE(old->expires, virgo_mc_expires(exptime));
		virgo_mc_note_expiry(old->expires);
	}
	mutex_unlock(&virgo_mc_lock);
	return old ? 0 : -ENOENT;
}

/**
 * virgo_mc_arith() - incr or decr the number stored under @key
 * @key: the key
 * @incr: incr (wraps at 2^64) or decr (stops at 0)
 * @delta: by how much
 * @value: set to the new number
 *
 * Return: 0; -ENOENT; -EINVAL when the value is not a decimal number
 * below 2^64; -ENOMEM.
 */
int virgo_mc_arith(const char *key, bool incr, u64 delta, u64 *value)
{
	struct virgo_mc_delta op = { .delta = delta, .incr = incr };

	return virgo_mc_apply_delta(key, strlen(key), &op, 0, value, NULL);
}

/*
 * flush_all: drop every item, in batches. The walk only
 * collects them, with a reference each: freeing a value may sleep, which
 * the walk's RCU section may not, and while the table resizes the walk may
 * return an item twice. Between batches the walk stops, so neither the
 * RCU section nor the time without a reschedule grows with the table. A
 * walk may miss items that move during a resize; flush_all walks again.
 */
static void virgo_mc_sweep(void)
{
	struct virgo_mc_item *batch[32], *it;
	struct rhashtable_iter iter;
	unsigned int n, i, seen, rounds = 0;
	bool more;

	lockdep_assert_held(&virgo_mc_lock);
	do {
		rhashtable_walk_enter(&virgo_mc_table, &iter);
		do {
			n = 0;
			seen = 0;
			more = false;
			rhashtable_walk_start(&iter);
			while ((it = rhashtable_walk_next(&iter))) {
				if (IS_ERR(it))
					continue;	/* -EAGAIN: a resize */
				if (kref_get_unless_zero(&it->ref))
					batch[n++] = it;
				if (n == ARRAY_SIZE(batch) || ++seen == 1024) {
					more = true;
					break;
				}
			}
			rhashtable_walk_stop(&iter);
			for (i = 0; i < n; i++) {
				virgo_mc_unlink(batch[i]);
				virgo_mc_item_put(batch[i]);
			}
			cond_resched();
		} while (more);
		rhashtable_walk_exit(&iter);
	} while (atomic64_read(&virgo_mc_stats.items) && ++rounds < 8);
}

/* flush_all: every item goes. */
void virgo_mc_flush(void)
{
	mutex_lock(&virgo_mc_lock);
	virgo_mc_sweep();
	mutex_unlock(&virgo_mc_lock);
}

/*
 * When the pool is full, expired items that nobody asked for go first:
 * a reclaim walks on from where the last one stopped, VIRGO_MC_RECLAIM_STEP
 * items at most, so a store that finds no room costs a bounded walk, not
 * one of every item, however often a peer at its peer_max tries. Before
 * the soonest expiry nothing is walked at all.
 */
#define VIRGO_MC_RECLAIM_STEP	1024

static struct rhashtable_iter virgo_mc_reclaim_iter;

void virgo_mc_reclaim(void)
{
	struct virgo_mc_item *batch[32], *it;
	unsigned int n, i, seen = 0;
	time64_t now = ktime_get_real_seconds(), expires;
	bool end = false;

	mutex_lock(&virgo_mc_lock);
	if (now < virgo_mc_soonest)
		goto out;
	do {
		n = 0;
		rhashtable_walk_start(&virgo_mc_reclaim_iter);
		while (n < ARRAY_SIZE(batch) && seen < VIRGO_MC_RECLAIM_STEP) {
			it = rhashtable_walk_next(&virgo_mc_reclaim_iter);
			if (!it) {
				end = true;
				break;
			}
			if (IS_ERR(it)) {
				virgo_mc_pass_dirty = true;	/* -EAGAIN: a resize */
				continue;
			}
			seen++;
			expires = READ_ONCE(it->expires);
			if (expires && expires <= now) {
				if (kref_get_unless_zero(&it->ref))
					batch[n++] = it;
			} else if (expires) {
				virgo_mc_pass_soonest = min(virgo_mc_pass_soonest, expires);
			}
		}
		rhashtable_walk_stop(&virgo_mc_reclaim_iter);
		if (n)
			virgo_mc_pass_dirty = true;
		for (i = 0; i < n; i++) {
			virgo_mc_unlink(batch[i]);
			virgo_mc_item_put(batch[i]);
		}
	} while (!end && seen < VIRGO_MC_RECLAIM_STEP);
	if (end) {
		/* A full pass: the next one starts over, knowing the soonest. */
		rhashtable_walk_exit(&virgo_mc_reclaim_iter);
		rhashtable_walk_enter(&virgo_mc_table, &virgo_mc_reclaim_iter);
		virgo_mc_soonest = virgo_mc_pass_dirty ?
				   min(virgo_mc_pass_soonest, now) : virgo_mc_pass_soonest;
		virgo_mc_pass_soonest = TIME64_MAX;
		virgo_mc_pass_dirty = false;
	}
out:
	mutex_unlock(&virgo_mc_lock);
}

int __init virgo_mc_init(void)
{
	int ret = rhashtable_init(&virgo_mc_table, &virgo_mc_params);

	if (!ret)
		rhashtable_walk_enter(&virgo_mc_table, &virgo_mc_reclaim_iter);
	return ret;
}

/* ------------------------------------------------------------ meta commands */

/**
 * virgo_mc_item_new_key() - virgo_mc_item_new() for a key of any bytes
 * @key: the key
 * @len: its length, at most VIRGO_MC_KEY_MAX; a base64 key may hold NULs
 * @binary: the key came in base64 (ms b): mg and me show it so
 * @flags: the client's flags
 * @exptime: the client's expiry
 * @bytes: the value's length
 * @peer: whose it is
 *
 * The item's meta state starts afresh: stored now, never fetched.
 *
 * Return: as virgo_mc_item_new().
 */
struct virgo_mc_item *virgo_mc_item_new_key(const char *key, size_t len,
					    bool binary, u32 flags, s64 exptime,
					    u32 bytes, int peer)
{
	char name[VIRGO_MC_KEY_MAX + 1];
	struct virgo_mc_item *it;

	if (WARN_ON_ONCE(len > VIRGO_MC_KEY_MAX))
		return ERR_PTR(-EINVAL);
	/* virgo_mc_item_new() measures its key with strlen(): a stand-in first. */
	memset(name, 'k', len);
	name[len] = '\0';
	it = virgo_mc_item_new(name, flags, exptime, bytes, peer);
	if (IS_ERR(it))
		return it;
	memcpy(it->key, key, len);
	it->atime = ktime_get_real_seconds();
	it->meta = binary ? BIT(VIRGO_MC_BINARY) : 0;
	return it;
}

/**
 * virgo_mc_bump() - count a fetch of @it, as memcached's LRU does
 * @it: the item
 *
 * The first fetch marks it fetched (mg h); the second sets its access time
 * (mg l), as later ones do once a minute has passed.
 */
void virgo_mc_bump(struct virgo_mc_item *it)
{
	time64_t now = ktime_get_real_seconds();

	if (!test_bit(VIRGO_MC_FETCHED, &it->meta)) {
		set_bit(VIRGO_MC_FETCHED, &it->meta);
	} else if (!test_bit(VIRGO_MC_ACTIVE, &it->meta)) {
		set_bit(VIRGO_MC_ACTIVE, &it->meta);
		WRITE_ONCE(it->atime, now);
	} else if (READ_ONCE(it->atime) < now - 60) {
		WRITE_ONCE(it->atime, now);
	}
}

/**
 * virgo_mc_fetch() - the item under a key, for mg
 * @key: the key
 * @len: its length
 * @vivify: if not NULL, a miss creates an empty item with this expiry (N)
 * @peer: whose that item is
 * @created: set when it was created
 *
 * Return: the item, referenced, or NULL.
 */
struct virgo_mc_item *virgo_mc_fetch(const char *key, size_t len,
				     const s64 *vivify, int peer, bool *created)
{
	struct virgo_mc_item *it = virgo_mc_get(key, len), *old;

	*created = false;
	if (it || !vivify)
		return it;
	it = virgo_mc_item_new_key(key, len, false, 0, *vivify, 0, peer);
	if (IS_ERR(it))
		return NULL;
	mutex_lock(&virgo_mc_lock);
	old = virgo_mc_find(key, len);
	if (old) {
		/* Another client's mg created it first: theirs is the win. */
		kref_get(&old->ref);
		mutex_unlock(&virgo_mc_lock);
		virgo_mc_item_put(it);
		return old;
	}
	kref_get(&it->ref);	/* one for the table, one for the caller */
	if (virgo_mc_link(NULL, it)) {
		mutex_unlock(&virgo_mc_lock);
		virgo_mc_item_put(it);
		return NULL;
	}
	mutex_unlock(&virgo_mc_lock);
	*created = true;
	return it;
}

/* Give @it a new expiry. Writers only. */
static void virgo_mc_expire(struct virgo_mc_item *it, time64_t expires)
{
	lockdep_assert_held(&virgo_mc_lock);
	WRITE_ONCE(it->expires, expires);
	virgo_mc_note_expiry(expires);
}

/* Give @it a new expiry (mg T, ma T and N). */
void virgo_mc_set_expires(struct virgo_mc_item *it, time64_t expires)
{
	mutex_lock(&virgo_mc_lock);
	virgo_mc_expire(it, expires);
	mutex_unlock(&virgo_mc_lock);
}

/**
 * virgo_mc_meta_delete() - md: delete the item under a key, or mark it stale
 * @key: the key
 * @len: its length
 * @cas: if not NULL, the cas unique the item must have (C)
 * @stale: rather than delete the item, mark it stale, give it a new cas
 *	unique and, with @exptime, a new expiry; its next mg wins the right
 *	to recache it (I)
 * @exptime: see @stale (T)
 *
 * Return: 0; -ENOENT when there is no such item; -EEXIST when its cas
 * unique is not @cas.
 */
int virgo_mc_meta_delete(const char *key, size_t len, const u64 *cas,
			 bool stale, const s64 *exptime)
{
	struct virgo_mc_item *it;
	int ret = 0;

	mutex_lock(&virgo_mc_lock);
	it = virgo_mc_find(key, len);
	if (!it) {
		ret = -ENOENT;
	} else if (cas && it->cas != *cas) {
		ret = -EEXIST;
	} else if (stale) {
		if (exptime)
			virgo_mc_expire(it, virgo_mc_expires(*exptime));
		set_bit(VIRGO_MC_STALE, &it->meta);
		clear_bit(VIRGO_MC_WON, &it->meta);
		WRITE_ONCE(it->cas, atomic64_inc_return(&virgo_mc_cas));
	} else {
		virgo_mc_unlink(it);
	}
	mutex_unlock(&virgo_mc_lock);
	return ret;
}

/* ma N: a new item holding @op->initial. Writers only. */
static struct virgo_mc_item *virgo_mc_delta_create(const char *key, size_t len,
						   const struct virgo_mc_delta *op,
						   int peer)
{
	struct virgo_mc_item *it;
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", op->initial);

	it = virgo_mc_item_new_key(key, len, false, 0, op->exptime, n, peer);
	if (IS_ERR(it))
		return it;
	memcpy(it->data, num, n);
	return virgo_mc_link(NULL, it) ? ERR_PTR(-ENOMEM) : it;
}

/**
 * virgo_mc_apply_delta() - incr or decr the number stored under a key
 * @key: the key
 * @len: its length
 * @op: what to do
 * @peer: whose an item that @op->create makes is
 * @value: set to the new number
 * @itp: if not NULL, set to the item now under @key, referenced
 *
 * A number no longer than the value is padded with spaces to its length,
 * and the item keeps its meta state, as memcached changes such an item in
 * place; a longer one is a new item.
 *
 * Return: 0; 1 when @op->create made the item; -ENOENT; -EEXIST when the
 * item's cas unique is not @op->cas; -EINVAL when the value is not a
 * decimal number below 2^64; -ENOMEM; -ENOSPC when there was no memory for
 * the item @op->create makes.
 */
int virgo_mc_apply_delta(const char *key, size_t len,
			 const struct virgo_mc_delta *op, int peer, u64 *value,
			 struct virgo_mc_item **itp)
{
	struct virgo_mc_item *old, *it;
	char num[24];
	int ret, n;
	u64 v;

	mutex_lock(&virgo_mc_lock);
	old = virgo_mc_find(key, len);
	if (!old) {
		ret = -ENOENT;
		if (!op->create)
			goto out;
		it = virgo_mc_delta_create(key, len, op, peer);
		ret = IS_ERR(it) ? -ENOSPC : 1;
		v = op->initial;
		goto done;
	}
	ret = -EEXIST;
	if (op->cas && old->cas != op->cas)
		goto out;
	ret = -EINVAL;
	if (!old->bytes || old->bytes >= sizeof(num))
		goto out;
	memcpy(num, old->data, old->bytes);
	num[old->bytes] = '\0';
	/* Digits, then the end or a space (memcached pads with spaces). */
	num[strcspn(num, " ")] = '\0';
	if (virgo_parse_u64(num, U64_MAX, &v))
		goto out;
	v = op->incr ? v + op->delta : v - min(v, op->delta);
	n = snprintf(num, sizeof(num), "%llu", v);
	it = virgo_mc_item_new_key(key, len, false, old->flags, 0,
				   max_t(u32, n, old->bytes), old->peer);
	ret = PTR_ERR_OR_ZERO(it);
	if (ret)
		goto out;
	it->expires = READ_ONCE(old->expires);
	if (n <= old->bytes) {
		it->meta = READ_ONCE(old->meta);
		it->atime = READ_ONCE(old->atime);
	}
	memset(it->data, ' ', it->bytes);
	memcpy(it->data, num, n);
	ret = virgo_mc_link(old, it);
done:
	if (ret >= 0) {
		*value = v;
		if (itp) {
			kref_get(&it->ref);
			*itp = it;
		}
	}
out:
	mutex_unlock(&virgo_mc_lock);
	return ret;
}
