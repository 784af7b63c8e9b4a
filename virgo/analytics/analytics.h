/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO analytics - the kernel-wide key=value store
 */
#ifndef _VIRGO_ANALYTICS_H
#define _VIRGO_ANALYTICS_H

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include "../core/core.h"

/**
 * struct virgo_analytics_value - a value, replaced whole, never changed
 * @rcu: freed after the readers that may hold it
 * @len: its length
 * @data: the value, NUL-terminated
 */
struct virgo_analytics_value {
	struct rcu_head rcu;
	size_t len;
	char data[];
};

/**
 * struct virgo_analytics_entry - a key
 * @hash: in the store's table (RCU)
 * @rcu: freed after the readers that may hold it
 * @value: its value; NULL until one is set
 * @key: the key, NUL-terminated
 */
struct virgo_analytics_entry {
	struct hlist_node hash;
	struct rcu_head rcu;
	struct virgo_analytics_value __rcu *value;
	char key[VIRGO_ANALYTICS_KEY_MAX + 1];
};

/**
 * struct virgo_analytics_store - keys and their values
 * @lock: serialises the writers (and the notifier's calls)
 * @table: the keys; readers walk it under RCU
 * @count: keys in it
 * @max: keys at most
 * @notify: call the notifier chain (the kernel-wide store only)
 */
struct virgo_analytics_store {
	struct mutex lock;
	DECLARE_HASHTABLE(table, 9);
	unsigned int count;
	unsigned int max;
	bool notify;
};

extern struct virgo_analytics_store virgo_analytics;

void virgo_analytics_store_init(struct virgo_analytics_store *s, unsigned int max,
				bool notify);
void virgo_analytics_store_clear(struct virgo_analytics_store *s);
int virgo_analytics_store_add(struct virgo_analytics_store *s, const char *key);
int virgo_analytics_store_set(struct virgo_analytics_store *s, const char *key,
			      const char *value, size_t len);
int virgo_analytics_store_delete(struct virgo_analytics_store *s, const char *key);
int virgo_analytics_store_get(struct virgo_analytics_store *s, const char *key,
			      char *buf, size_t len);
bool virgo_analytics_key_ok(const char *key, size_t len);
bool virgo_analytics_value_ok(const char *value, size_t len);

int virgo_analytics_config_init(void);

#endif /* _VIRGO_ANALYTICS_H */
