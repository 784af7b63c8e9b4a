/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO cloudsync - cluster locks: what the files of the lock service share
 *
 * table.c is the lock master's table, pure logic over an explicit time
 * (KUnit drives it); master.c elects the master and serves the table on
 * port VIRGO_LOCK_PORT; holder.c takes locks for kernel code and for
 * virgo_lock(2), and keeps their leases. Documentation/virgo/cloudsync.rst
 * gives the algorithm and its failure behaviour.
 */
#ifndef _VIRGO_CLOUDSYNC_LOCK_H
#define _VIRGO_CLOUDSYNC_LOCK_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/types.h>
#include "../core/core.h"

#define VIRGO_LOCK_PORT		VIRGO_PORT_CLOUDSYNC
#define VIRGO_LOCK_BUCKETS	64

/* A vote binds its giver for PROMISE_MS; the master counts BELIEF_MS. */
#define VIRGO_LOCK_PROMISE_MS	4000
#define VIRGO_LOCK_BELIEF_MS	3000
#define VIRGO_LOCK_CAMPAIGN_MS	1000
#define VIRGO_LOCK_TICK_MS	100
#define VIRGO_LOCK_RENEWALS	5	/* a holder renews 5 times a lease */
#define VIRGO_LOCK_SLICE_MS	3000	/* an acquire waits so long at once */
#define VIRGO_LOCK_LEASE_MAX_MS	600000

/**
 * struct virgo_lock_settings - configfs cloudsync/
 * @lease_ms: a holder that does not renew loses its lock after this
 * @max_locks: names the master holds at most
 * @max_held: locks one node may hold at once
 * @max_waiting: requests of one node that may wait at once
 * @caller_gid: besides CAP_SYS_ADMIN, members may call virgo_lock(2)
 */
struct virgo_lock_settings {
	u32 lease_ms;
	u32 max_locks;
	u32 max_held;
	u32 max_waiting;
	u32 caller_gid;
};

extern struct virgo_lock_settings virgo_lock_set;

enum virgo_lwait_state {
	VIRGO_LWAIT_WAITING,
	VIRGO_LWAIT_GRANTED,
	VIRGO_LWAIT_ABORTED,	/* the table was dropped: no longer master */
};

/**
 * struct virgo_lwaiter - an acquire that waits in the table
 * @entry: in the lock's FIFO of waiters
 * @lock: that lock
 * @node: who asks
 * @state: enum virgo_lwait_state, set under the table's owner's lock
 * @token: when granted, the fencing token
 * @granted: when granted, the time (ms): the lease counts from it
 * @lease: and the lease's length
 * @done: completed when @state leaves WAITING
 */
struct virgo_lwaiter {
	struct list_head entry;
	struct virgo_lentry *lock;
	u32 node;
	int state;
	u64 token;
	u64 granted;
	u32 lease;
	struct completion done;
};

/**
 * struct virgo_lentry - one named lock the master knows
 * @hash: in its bucket
 * @name: NUL-terminated
 * @holder: the holding node, 0 when free
 * @token: the holder's fencing token
 * @expires: when the holder's lease ends, in the table's time (ms)
 * @waiters: struct virgo_lwaiter, first come first served
 */
struct virgo_lentry {
	struct hlist_node hash;
	char name[VIRGO_LOCK_NAME_MAX + 1];
	u32 holder;
	u64 token;
	u64 expires;
	struct list_head waiters;
};

/**
 * struct virgo_ltable - the master's locks
 * @buckets: struct virgo_lentry by name
 * @nlocks: entries
 * @held: locks held per node (index: node id)
 * @waiting: waiters per node
 * @term: the master's term: the high half of every token it gives
 * @counter: the low half of the last token given
 * @grace_until: before this time (ms) only renewals are served: the
 *	holders of the previous master take their locks back
 * @limits: caps, lease length
 */
struct virgo_ltable {
	struct hlist_head buckets[VIRGO_LOCK_BUCKETS];
	unsigned int nlocks;
	u16 held[VIRGO_MAX_NODES + 1];
	u16 waiting[VIRGO_MAX_NODES + 1];
	u32 term;
	u32 counter;
	u64 grace_until;
	struct virgo_lock_settings limits;
};

bool virgo_lock_name_ok(const char *name, size_t len);
void virgo_ltable_init(struct virgo_ltable *t, u32 term, u64 now,
		       const struct virgo_lock_settings *limits, u32 grace_ms);
int virgo_ltable_acquire(struct virgo_ltable *t, const char *name, u32 node,
			 u64 now, struct virgo_lwaiter *w, u64 *token);
void virgo_ltable_cancel(struct virgo_ltable *t, struct virgo_lwaiter *w);
int virgo_ltable_renew(struct virgo_ltable *t, const char *name, u32 node,
		       u64 token, u64 now);
int virgo_ltable_release(struct virgo_ltable *t, const char *name, u32 node,
			 u64 token, u64 now);
u64 virgo_ltable_expire(struct virgo_ltable *t, u64 now);
void virgo_ltable_clear(struct virgo_ltable *t);
int virgo_ltable_show(struct virgo_ltable *t, u64 now, char *buf, size_t len);

/* master.c */
int virgo_lock_master_init(void);
void virgo_lock_master_exit(void);
u32 virgo_lock_master_guess(void);
int virgo_lock_master_show(char *buf, size_t len);

/* holder.c */
int virgo_lock_holder_show(char *buf, size_t len);

/* config.c */
int virgo_lock_config_init(void);
void virgo_lock_config_exit(void);

#endif /* _VIRGO_CLOUDSYNC_LOCK_H */
