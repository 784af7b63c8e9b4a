// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the node's vector clock
 *
 * One counter per node id: entry i of a vector says how many events of
 * node i + 1 happened before the event the vector stamps. A local event
 * adds one to the node's own entry; a receive takes the entrywise maximum
 * with the vector received, then adds one. Two events are then ordered
 * exactly when one happened before the other, which a Lamport time alone
 * cannot tell; EventNet stamps its events with them.
 *
 * Entries stop at VIRGO_CLOCK_MAX, as the Lamport clock does.
 *
 * Text form, for files and the wire: the nonzero entries in ascending
 * node id, "<node>:<value>" joined by commas ("1:5,3:2"), and "0" for the
 * all-zero vector. Every vector has exactly one text: no zero entries, no
 * leading zeros, no spaces.
 */

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include "core.h"

/* The node's own vector. */
static struct virgo_vclock virgo_vclock_self;
static DEFINE_SPINLOCK(virgo_vclock_lock);	/* protects virgo_vclock_self */

/**
 * virgo_vclock_event() - the vector clock rule, on any vector
 * @vc: the vector of node @id, updated
 * @id: the node the event happens on, 1..VIRGO_MAX_NODES
 * @seen: for a receive event, the vector received (entries above
 *	VIRGO_CLOCK_MAX count as VIRGO_CLOCK_MAX); NULL for a local event
 *
 * What virgo_vclock_stamp() and virgo_vclock_merge() do to the node's own
 * vector, for any vector (their tests, a log replayed).
 */
void virgo_vclock_event(struct virgo_vclock *vc, u32 id,
			const struct virgo_vclock *seen)
{
	int i;

	if (WARN_ON_ONCE(!id || id > VIRGO_MAX_NODES))
		return;
	if (seen)
		for (i = 0; i < VIRGO_MAX_NODES; i++)
			vc->t[i] = max(vc->t[i], min(seen->t[i], VIRGO_CLOCK_MAX));
	vc->t[id - 1] = virgo_clock_next(vc->t[id - 1], 0);
}

static int virgo_vclock_local(const struct virgo_vclock *seen,
			      struct virgo_vclock *out)
{
	u32 id = virgo_local_id();

	if (!id)
		return -ENODEV;
	spin_lock_bh(&virgo_vclock_lock);
	virgo_vclock_event(&virgo_vclock_self, id, seen);
	if (out)
		*out = virgo_vclock_self;
	spin_unlock_bh(&virgo_vclock_lock);
	return 0;
}

/**
 * virgo_vclock_stamp() - a local event
 * @out: set to the event's vector
 *
 * Adds one to the node's own entry. Process or softirq context.
 *
 * Return: 0, or -ENODEV when the node has no id yet: nothing changes and
 * @out is not written, since an event of no node cannot be ordered.
 */
int virgo_vclock_stamp(struct virgo_vclock *out)
{
	return virgo_vclock_local(NULL, out);
}
EXPORT_SYMBOL_GPL(virgo_vclock_stamp);

/**
 * virgo_vclock_merge() - a vector came from a peer (or from the node's log)
 * @seen: that vector; entries above VIRGO_CLOCK_MAX count as VIRGO_CLOCK_MAX
 * @out: when not NULL, set to the receive event's vector
 *
 * Takes the entrywise maximum, then adds one to the node's own entry.
 * Process or softirq context.
 *
 * Return: 0, or -ENODEV when the node has no id yet (nothing changes).
 */
int virgo_vclock_merge(const struct virgo_vclock *seen, struct virgo_vclock *out)
{
	return virgo_vclock_local(seen, out);
}
EXPORT_SYMBOL_GPL(virgo_vclock_merge);

/**
 * virgo_vclock_read() - the node's vector now, without an event
 * @out: set to it
 */
void virgo_vclock_read(struct virgo_vclock *out)
{
	spin_lock_bh(&virgo_vclock_lock);
	*out = virgo_vclock_self;
	spin_unlock_bh(&virgo_vclock_lock);
}
EXPORT_SYMBOL_GPL(virgo_vclock_read);

/**
 * virgo_vclock_compare() - how two events are ordered
 * @a: one event's vector
 * @b: the other's
 *
 * Return: VIRGO_VCLOCK_BEFORE when @a happened before @b (no entry of @a
 * above @b's, one below), VIRGO_VCLOCK_AFTER for the reverse,
 * VIRGO_VCLOCK_EQUAL when every entry is the same, VIRGO_VCLOCK_CONCURRENT
 * when each has an entry above the other's.
 */
enum virgo_vclock_order virgo_vclock_compare(const struct virgo_vclock *a,
					     const struct virgo_vclock *b)
{
	bool below = false, above = false;
	int i;

	for (i = 0; i < VIRGO_MAX_NODES; i++) {
		below |= a->t[i] < b->t[i];
		above |= a->t[i] > b->t[i];
	}
	if (below && above)
		return VIRGO_VCLOCK_CONCURRENT;
	if (below)
		return VIRGO_VCLOCK_BEFORE;
	if (above)
		return VIRGO_VCLOCK_AFTER;
	return VIRGO_VCLOCK_EQUAL;
}
EXPORT_SYMBOL_GPL(virgo_vclock_compare);

/**
 * virgo_vclock_format() - a vector's text form
 * @vc: the vector; entries above VIRGO_CLOCK_MAX are written as it
 * @buf: where to write it, NUL-terminated
 * @len: room in @buf; VIRGO_VCLOCK_TEXT_MAX is always enough
 *
 * Return: the length written, without the NUL; -ENOSPC when @len is too
 * small (@buf then holds no complete text: an empty string when @len > 0).
 */
int virgo_vclock_format(const struct virgo_vclock *vc, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	if (!len)
		return -ENOSPC;
	for (i = 0; i < VIRGO_MAX_NODES; i++) {
		if (!vc->t[i])
			continue;
		n += snprintf(buf + n, len - n, "%s%d:%llu", n ? "," : "",
			      i + 1, min(vc->t[i], VIRGO_CLOCK_MAX));
		if (n >= len)
			goto nospc;
	}
	if (!n)
		n = snprintf(buf, len, "0");
	if (n >= len)
		goto nospc;
	return n;
nospc:
	buf[0] = '\0';
	return -ENOSPC;
}
EXPORT_SYMBOL_GPL(virgo_vclock_format);

/*
 * A decimal number at *@s, at most @max, without sign or leading zero
 * (so not 0 itself); *@s moves past it.
 */
static int virgo_vclock_number(const char **s, u64 max, u64 *val)
{
	const char *p = *s;
	u64 v = 0;

	if (*p < '1' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	*s = p;
	*val = v;
	return 0;
}

/**
 * virgo_vclock_parse() - a vector from its text form
 * @s: the text, NUL-terminated, from the network or a file
 * @out: set to the vector; all zero when the text is refused
 *
 * Accepts exactly what virgo_vclock_format() writes: "0", or entries
 * "<node>:<value>" joined by single commas, nodes 1..VIRGO_MAX_NODES in
 * strictly ascending order, values 1..VIRGO_CLOCK_MAX, in decimal without
 * signs, spaces or leading zeros. Stops at the first byte that cannot
 * belong to a valid text, so however long @s is, it reads at most
 * VIRGO_VCLOCK_TEXT_MAX bytes of it.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int virgo_vclock_parse(const char *s, struct virgo_vclock *out)
{
	u64 node, val, last = 0;

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "0"))
		return 0;
	for (;;) {
		if (virgo_vclock_number(&s, VIRGO_MAX_NODES, &node) ||
		    node <= last || *s++ != ':' ||
		    virgo_vclock_number(&s, VIRGO_CLOCK_MAX, &val))
			goto bad;
		out->t[node - 1] = val;
		last = node;
		if (!*s)
			return 0;
		if (*s++ != ',')
			goto bad;
	}
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(virgo_vclock_parse);
