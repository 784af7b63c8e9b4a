// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the node's Lamport clock
 *
 * One counter per node. Every event a component stamps takes the next
 * value; every time received from a peer moves the clock past it, so an
 * event that caused another has the smaller time everywhere. A time from
 * the network is bounded: a peer cannot push the clock to its end.
 */

#include <linux/atomic.h>
#include <linux/export.h>
#include "core.h"

static atomic64_t virgo_clock = ATOMIC64_INIT(0);

/* The clock's value now, without an event. */
u64 virgo_clock_now(void)
{
	return atomic64_read(&virgo_clock);
}
EXPORT_SYMBOL_GPL(virgo_clock_now);

/* The time of a new local event. */
u64 virgo_clock_stamp(void)
{
	return atomic64_inc_return(&virgo_clock);
}
EXPORT_SYMBOL_GPL(virgo_clock_stamp);

/**
 * virgo_clock_merge() - a time came from a peer (or from the node's log)
 * @seen: that time, at most VIRGO_CLOCK_MAX
 *
 * Return: the time of the receive event, past both @seen and every
 * earlier local time; 0 when @seen is out of range (the caller refuses
 * what carried it).
 */
u64 virgo_clock_merge(u64 seen)
{
	s64 cur = atomic64_read(&virgo_clock), next;

	if (seen > VIRGO_CLOCK_MAX)
		return 0;
	do {
		next = max_t(u64, cur, seen) + 1;
	} while (!atomic64_try_cmpxchg(&virgo_clock, &cur, next));
	return next;
}
EXPORT_SYMBOL_GPL(virgo_clock_merge);
