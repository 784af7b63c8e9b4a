// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the node's Lamport clock
 *
 * One counter per node. Every event a component stamps takes the next
 * value; every time received from a peer moves the clock past it, so an
 * event that caused another has the smaller time everywhere. The clock
 * stops at VIRGO_CLOCK_MAX instead of wrapping: a peer that sends a huge
 * time can spoil the order from then on, never make a time unreadable.
 */

#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include "core.h"

static atomic64_t virgo_clock = ATOMIC64_INIT(0);

/* The clock's value now, without an event. */
u64 virgo_clock_now(void)
{
	return atomic64_read(&virgo_clock);
}
EXPORT_SYMBOL_GPL(virgo_clock_now);

/**
 * virgo_clock_next() - the clock rule, without the clock
 * @cur: a clock's value
 * @seen: a time received, or 0 for a local event
 *
 * Return: the time of the event: past both @cur and @seen, stopping at
 * VIRGO_CLOCK_MAX (which is also what anything above it counts as).
 */
u64 virgo_clock_next(u64 cur, u64 seen)
{
	return min(max(cur, seen), VIRGO_CLOCK_MAX - 1) + 1;
}

/**
 * virgo_clock_merge() - a time came from a peer (or from the node's log)
 * @seen: that time; more than VIRGO_CLOCK_MAX counts as VIRGO_CLOCK_MAX
 *
 * Return: the time of the receive event, past both @seen and every
 * earlier local time (until the clock stops at VIRGO_CLOCK_MAX).
 */
u64 virgo_clock_merge(u64 seen)
{
	s64 cur = atomic64_read(&virgo_clock), next;

	do {
		next = virgo_clock_next(cur, seen);
	} while (!atomic64_try_cmpxchg(&virgo_clock, &cur, next));
	return next;
}
EXPORT_SYMBOL_GPL(virgo_clock_merge);

/* The time of a new local event. */
u64 virgo_clock_stamp(void)
{
	return virgo_clock_merge(0);
}
EXPORT_SYMBOL_GPL(virgo_clock_stamp);
