// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO analytics - the kernel-wide key=value store
 *
 * Userspace sets keys (configfs, config.c); any kernel code reads them
 * with virgo_analytics_get() and its typed helpers, and hears of changes
 * through a notifier chain. A value is never changed in place: a new one
 * replaces it under RCU, so a reader copies a whole value, old or new,
 * and takes no lock that sleeps. Writers take the store's mutex, and the
 * notifier's callbacks run under it, in the order of the changes.
 *
 * Bounds, the original's: VIRGO_ANALYTICS_KEYS keys, each of 1 to
 * VIRGO_ANALYTICS_KEY_MAX bytes of [A-Za-z0-9_.-] (not "." or ".."), and
 * values of at most VIRGO_ANALYTICS_VALUE_MAX bytes without control
 * bytes.
 */

#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include "analytics.h"

/* The kernel-wide store: ready before any initcall (an empty table). */
struct virgo_analytics_store virgo_analytics = {
	.lock = __MUTEX_INITIALIZER(virgo_analytics.lock),
	.max = VIRGO_ANALYTICS_KEYS,
	.notify = true,
};

static BLOCKING_NOTIFIER_HEAD(virgo_analytics_chain);

bool virgo_analytics_key_ok(const char *key, size_t len)
{
	size_t i;

	if (!len || len > VIRGO_ANALYTICS_KEY_MAX || !strncmp(key, ".", len) ||
	    !strncmp(key, "..", len))
		return false;
	for (i = 0; i < len; i++) {
		char c = key[i];

		/* ASCII only: the kernel's isalnum() takes Latin-1 letters. */
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

bool virgo_analytics_value_ok(const char *value, size_t len)
{
	size_t i;

	if (len > VIRGO_ANALYTICS_VALUE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return false;
	return true;
}

void virgo_analytics_store_init(struct virgo_analytics_store *s, unsigned int max,
				bool notify)
{
	mutex_init(&s->lock);
	hash_init(s->table);
	s->count = 0;
	s->max = max;
	s->notify = notify;
}

static u32 virgo_analytics_hash(const char *key)
{
	return full_name_hash(NULL, key, strlen(key));
}

/* The entry of @key, under RCU or the store's lock. */
static struct virgo_analytics_entry *virgo_analytics_find(struct virgo_analytics_store *s,
							  const char *key)
{
	struct virgo_analytics_entry *e;

	hash_for_each_possible_rcu(s->table, e, hash, virgo_analytics_hash(key),
				   lockdep_is_held(&s->lock))
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

static void virgo_analytics_entry_free(struct rcu_head *rcu)
{
	struct virgo_analytics_entry *e = container_of(rcu, struct virgo_analytics_entry, rcu);

	kfree(rcu_access_pointer(e->value));
	kfree(e);
}

/* Tell the chain; the store's lock held. */
static int virgo_analytics_call(struct virgo_analytics_store *s, unsigned long action,
				const char *key, const char *value, size_t len, bool fresh)
{
	struct virgo_analytics_change c = {
		.key = key, .value = value, .len = len, .fresh = fresh,
	};

	if (!s->notify)
		return 0;
	return notifier_to_errno(blocking_notifier_call_chain(&virgo_analytics_chain,
							      action, &c));
}

/* Add @key without a value, the store's lock held. */
static struct virgo_analytics_entry *virgo_analytics_add_locked(struct virgo_analytics_store *s,
								const char *key)
{
	struct virgo_analytics_entry *e;

	if (s->count >= s->max)
		return ERR_PTR(-ENOSPC);
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	strscpy(e->key, key, sizeof(e->key));
	hash_add_rcu(s->table, &e->hash, virgo_analytics_hash(key));
	s->count++;
	return e;
}

/**
 * virgo_analytics_store_add() - add a key without a value
 * @s: the store
 * @key: the key, NUL-terminated
 *
 * Readers find no value for it until one is set.
 *
 * Return: 0; -EINVAL for a bad key; -EEXIST; -ENOSPC when the store holds
 * its most keys; -ENOMEM.
 */
int virgo_analytics_store_add(struct virgo_analytics_store *s, const char *key)
{
	struct virgo_analytics_entry *e;

	if (!virgo_analytics_key_ok(key, strlen(key)))
		return -EINVAL;
	mutex_lock(&s->lock);
	e = virgo_analytics_find(s, key) ? ERR_PTR(-EEXIST) : virgo_analytics_add_locked(s, key);
	mutex_unlock(&s->lock);
	return PTR_ERR_OR_ZERO(e);
}

/**
 * virgo_analytics_store_set() - set a key's value, adding the key if new
 * @s: the store
 * @key: the key, NUL-terminated
 * @value: the value (need not be NUL-terminated)
 * @len: its length
 *
 * The notifier's callbacks may refuse the value first (a key a component
 * reads, with a value it cannot take).
 *
 * Return: 0; -EINVAL for a bad key or value, or one refused; -ENOSPC
 * for a new key when the store is full; -ENOMEM.
 */
int virgo_analytics_store_set(struct virgo_analytics_store *s, const char *key,
			      const char *value, size_t len)
{
	struct virgo_analytics_value *v, *old;
	struct virgo_analytics_entry *e;
	int ret;

	if (!virgo_analytics_key_ok(key, strlen(key)) || !virgo_analytics_value_ok(value, len))
		return -EINVAL;
	v = kmalloc(struct_size(v, data, len + 1), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->len = len;
	memcpy(v->data, value, len);
	v->data[len] = '\0';

	mutex_lock(&s->lock);
	ret = virgo_analytics_call(s, VIRGO_ANALYTICS_CHECK, key, v->data, len, false);
	if (ret)
		goto out;
	e = virgo_analytics_find(s, key);
	if (!e) {
		e = virgo_analytics_add_locked(s, key);
		ret = PTR_ERR_OR_ZERO(e);
		if (ret)
			goto out;
	}
	old = rcu_replace_pointer(e->value, v, lockdep_is_held(&s->lock));
	/* v stays until the next change, which takes this lock. */
	virgo_analytics_call(s, VIRGO_ANALYTICS_SET, key, v->data, len, !old);
	v = NULL;
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&s->lock);
	kfree(v);
	return ret;
}

/**
 * virgo_analytics_store_delete() - remove a key and its value
 * @s: the store
 * @key: the key
 *
 * Return: 0 or -ENOENT.
 */
int virgo_analytics_store_delete(struct virgo_analytics_store *s, const char *key)
{
	struct virgo_analytics_entry *e;

	mutex_lock(&s->lock);
	e = virgo_analytics_find(s, key);
	if (e) {
		hash_del_rcu(&e->hash);
		s->count--;
		if (rcu_access_pointer(e->value))
			virgo_analytics_call(s, VIRGO_ANALYTICS_DELETE, key, NULL, 0, false);
		call_rcu(&e->rcu, virgo_analytics_entry_free);
	}
	mutex_unlock(&s->lock);
	return e ? 0 : -ENOENT;
}

/**
 * virgo_analytics_store_get() - copy a key's value
 * @s: the store
 * @key: the key
 * @buf: where to copy it, NUL-terminated
 * @len: room in @buf
 *
 * Any context: RCU only.
 *
 * Return: the value's length; -ENOENT for a key without a value;
 * -EOVERFLOW when @buf cannot hold the value and its NUL (nothing copied).
 */
int virgo_analytics_store_get(struct virgo_analytics_store *s, const char *key,
			      char *buf, size_t len)
{
	struct virgo_analytics_entry *e;
	struct virgo_analytics_value *v;
	int ret = -ENOENT;

	rcu_read_lock();
	e = virgo_analytics_find(s, key);
	v = e ? rcu_dereference(e->value) : NULL;
	if (v) {
		ret = -EOVERFLOW;
		if (v->len < len) {
			memcpy(buf, v->data, v->len + 1);
			ret = v->len;
		}
	}
	rcu_read_unlock();
	return ret;
}

/* Empty the store (KUnit's stores; the kernel-wide one lives on). */
void virgo_analytics_store_clear(struct virgo_analytics_store *s)
{
	struct virgo_analytics_entry *e;
	struct hlist_node *tmp;
	unsigned int b;

	mutex_lock(&s->lock);
	hash_for_each_safe(s->table, b, tmp, e, hash) {
		hash_del_rcu(&e->hash);
		call_rcu(&e->rcu, virgo_analytics_entry_free);
	}
	s->count = 0;
	mutex_unlock(&s->lock);
	rcu_barrier();
}

/**
 * virgo_analytics_get() - a key's value, as userspace set it
 * @key: the key
 * @buf: where to copy it, NUL-terminated
 * @len: room in @buf (VIRGO_ANALYTICS_VALUE_MAX + 1 holds any value)
 *
 * Any context; takes no lock that sleeps.
 *
 * Return: the value's length; -ENOENT when the key has no value;
 * -EOVERFLOW when @buf is too small.
 */
int virgo_analytics_get(const char *key, char *buf, size_t len)
{
	return virgo_analytics_store_get(&virgo_analytics, key, buf, len);
}
EXPORT_SYMBOL_GPL(virgo_analytics_get);

/**
 * virgo_analytics_get_u64() - a key's value as a number
 * @key: the key
 * @val: set to it (decimal)
 *
 * Return: 0; -ENOENT; -EINVAL when the value is not such a number.
 */
int virgo_analytics_get_u64(const char *key, u64 *val)
{
	char buf[VIRGO_ANALYTICS_VALUE_MAX + 1];
	int ret = virgo_analytics_get(key, buf, sizeof(buf));

	return ret < 0 ? ret : kstrtou64(buf, 10, val) ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(virgo_analytics_get_u64);

/**
 * virgo_analytics_get_bool() - a key's value as a truth
 * @key: the key
 * @val: set to it (1/0, y/n, on/off, as kstrtobool() reads)
 *
 * Return: 0; -ENOENT; -EINVAL when the value is not such a truth.
 */
int virgo_analytics_get_bool(const char *key, bool *val)
{
	char buf[VIRGO_ANALYTICS_VALUE_MAX + 1];
	int ret = virgo_analytics_get(key, buf, sizeof(buf));

	return ret < 0 ? ret : kstrtobool(buf, val) ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(virgo_analytics_get_bool);

/**
 * virgo_analytics_register_notifier() - hear of every change
 * @nb: called with a &struct virgo_analytics_change: first
 *	VIRGO_ANALYTICS_CHECK for a value about to be set (return
 *	notifier_from_errno(-EINVAL) to refuse it), then VIRGO_ANALYTICS_SET
 *	once set (with @fresh when the key had no value), or
 *	VIRGO_ANALYTICS_DELETE, which cannot be refused. Called in process context, in
 *	the order of the changes, under the store's lock: it must not
 *	change the store.
 *
 * Return: 0.
 */
int virgo_analytics_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&virgo_analytics_chain, nb);
}
EXPORT_SYMBOL_GPL(virgo_analytics_register_notifier);

int virgo_analytics_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&virgo_analytics_chain, nb);
}
EXPORT_SYMBOL_GPL(virgo_analytics_unregister_notifier);
