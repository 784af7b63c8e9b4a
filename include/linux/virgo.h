/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO cloud kernel - the interface for other kernel code
 *
 * Kernel functions that virgo_clone(2) may run: a module fills in a
 * struct virgo_function and registers it; any node of the cluster can then
 * run it by name. Nothing but the name crosses the network.
 */
#ifndef _LINUX_VIRGO_H
#define _LINUX_VIRGO_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/virgo.h>

struct module;

/**
 * struct virgo_fn_ctx - one run of a kernel function
 * @arg: the argument bytes (not NUL-terminated)
 * @arg_len: how many
 * @result: where the function puts its result; use virgo_fn_write() or
 *	virgo_fn_printf()
 * @result_len: bytes of @result used so far
 * @deadline: jiffies at which the caller stops waiting; long functions
 *	check virgo_fn_expired() and return -ETIMEDOUT
 */
struct virgo_fn_ctx {
	const void *arg;
	size_t arg_len;
	char *result;
	size_t result_len;
	unsigned long deadline;
};

/**
 * struct virgo_function - a function that virgo_clone(2) may run
 * @name: 1-63 characters of [A-Za-z0-9_.-], unique on the node
 * @fn: runs in process context, may sleep; returns the status the caller
 *	sees (a negative errno by convention for failures)
 * @owner: THIS_MODULE
 * @entry: private to the registry
 */
struct virgo_function {
	const char *name;
	long (*fn)(struct virgo_fn_ctx *ctx);
	struct module *owner;
	struct list_head entry;
};

int virgo_register_function(struct virgo_function *f);
void virgo_unregister_function(struct virgo_function *f);
int virgo_fn_write(struct virgo_fn_ctx *ctx, const void *buf, size_t len);
__printf(2, 3) int virgo_fn_printf(struct virgo_fn_ctx *ctx, const char *fmt, ...);

static inline bool virgo_fn_expired(const struct virgo_fn_ctx *ctx)
{
	/* The deadline moves to now when the caller goes away. */
	return time_after_eq(jiffies, READ_ONCE(ctx->deadline));
}

/*
 * KingCobra services: the queue runs a registered service for every
 * REQUEST that names it, in arrival order, and sends what it put in
 * ctx->result back as the REPLY, with its return value as the status.
 * The same struct as for virgo_register_function(), in another registry.
 */
int virgo_kingcobra_register(struct virgo_function *f);
void virgo_kingcobra_unregister(struct virgo_function *f);

#if IS_ENABLED(CONFIG_VIRGO_QUEUE)
int virgo_queue_publish(u32 node, const char *service, const void *data,
			size_t len, const kuid_t *owner, struct virgo_msg_id *id,
			u64 *lamport, u32 *queued_on);
#else
static inline int virgo_queue_publish(u32 node, const char *service,
				      const void *data, size_t len,
				      const kuid_t *owner, struct virgo_msg_id *id,
				      u64 *lamport, u32 *queued_on)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * Cluster locks (cloudsync): virgo_lock() takes the lock @name for this
 * node, waiting at most @timeout_ms, and renews its lease until
 * virgo_unlock(); *@token is its fencing token. virgo_lock_held() turns
 * false once the lease was lost; virgo_unlock() then returns -ESTALE.
 */
struct virgo_lock_handle;

#if IS_ENABLED(CONFIG_VIRGO_CLOUDSYNC)
struct virgo_lock_handle *virgo_lock(const char *name, unsigned int timeout_ms,
				     unsigned int flags, u64 *token);
bool virgo_lock_held(struct virgo_lock_handle *h);
int virgo_unlock(struct virgo_lock_handle *h);
#else
static inline struct virgo_lock_handle *virgo_lock(const char *name,
						   unsigned int timeout_ms,
						   unsigned int flags, u64 *token)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline bool virgo_lock_held(struct virgo_lock_handle *h)
{
	return false;
}

static inline int virgo_unlock(struct virgo_lock_handle *h)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_VIRGO_H */
