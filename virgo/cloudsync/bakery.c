// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - Lamport's Bakery lock
 *
 * Mutual exclusion among N local threads from plain loads and stores, no
 * atomic read-modify-write: a thread that enters takes a ticket one past
 * every ticket it sees, then waits until each thread holding a smaller
 * ticket (or the same one and a smaller index) is through. choosing[i]
 * covers the moment between reading the tickets and publishing one, so
 * that nobody compares its ticket with one still being chosen. Threads
 * are served first come, first served.
 *
 * The algorithm's proof assumes sequentially consistent memory; the
 * barriers below give it where it matters, each with what it pairs with.
 *
 * Waiters spin with cpu_relax() and, every VIRGO_BAKERY_SPINS turns, let
 * other threads run: the thread they wait for may be waiting for their
 * CPU. So the lock is taken in sleepable context only, and not by
 * real-time threads that may wait for lower-priority ones.
 *
 * Tickets grow while the bakery is never empty. None is larger than
 * b->ceiling: an entrant that finds the ceiling reached waits, holding no
 * ticket, until every thread has returned its own, then takes one again
 * (1, unless others were quicker). Between these drains threads are
 * served in order; around one an entrant may be overtaken.
 *
 * The arrays are allocated once, by virgo_bakery_init(); the original
 * implementation reallocated them on every lock.
 */

#include <linux/bug.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "cloudsync.h"

#define VIRGO_BAKERY_SPINS	64	/* turns of a wait between two yields */

/**
 * virgo_bakery_init() - set up a Bakery lock
 * @b: the lock
 * @nthreads: how many threads use it, 1..VIRGO_BAKERY_MAX_THREADS; each
 *	passes its own index, 0..@nthreads - 1, to lock and unlock
 *
 * Return: 0; -EINVAL for a bad @nthreads; -ENOMEM.
 */
int virgo_bakery_init(struct virgo_bakery *b, unsigned int nthreads)
{
	bool *choosing;
	u32 *number;

	if (!nthreads || nthreads > VIRGO_BAKERY_MAX_THREADS)
		return -EINVAL;
	choosing = kcalloc(nthreads, sizeof(*choosing), GFP_KERNEL);
	number = kcalloc(nthreads, sizeof(*number), GFP_KERNEL);
	if (!choosing || !number) {
		kfree(choosing);
		kfree(number);
		return -ENOMEM;
	}
	b->nthreads = nthreads;
	b->ceiling = VIRGO_BAKERY_CEILING;
	b->choosing = choosing;
	b->number = number;
	return 0;
}
EXPORT_SYMBOL_GPL(virgo_bakery_init);

/**
 * virgo_bakery_destroy() - free a Bakery lock that nobody holds or waits for
 * @b: the lock; locking it again fails with -EINVAL
 */
void virgo_bakery_destroy(struct virgo_bakery *b)
{
	kfree(b->choosing);
	kfree(b->number);
	b->choosing = NULL;
	b->number = NULL;
	b->nthreads = 0;
}
EXPORT_SYMBOL_GPL(virgo_bakery_destroy);

/*
 * One turn of a wait: spin, and every VIRGO_BAKERY_SPINS turns give the
 * CPU away. cond_resched() is not enough: without kernel preemption it
 * switches only once the tick has marked this thread, so a waiter whose
 * predecessor is runnable on the same CPU (one CPU, or more threads than
 * CPUs) spins out its whole slice for every ticket; four threads on a
 * one-vCPU node passed the lock 300 times a second. yield() lets the
 * others run now, and is a scheduling point as cond_resched() is. The
 * wait checks its condition again either way: yield() only makes it
 * quicker, it is not what makes it progress.
 */
static void virgo_bakery_relax(unsigned int *spins)
{
	if (++*spins < VIRGO_BAKERY_SPINS) {
		cpu_relax();
		return;
	}
	*spins = 0;
	yield();
}

/* The largest ticket held. */
static u32 virgo_bakery_max(const struct virgo_bakery *b)
{
	u32 top = 0;
	unsigned int j;

	for (j = 0; j < b->nthreads; j++)
		top = max(top, READ_ONCE(b->number[j]));
	return top;
}

/*
 * Wait, holding no ticket, until each thread has been seen without one.
 * The doorway is then passed again, with its barriers: this wait only
 * decides when to try.
 */
static void virgo_bakery_drain(const struct virgo_bakery *b, unsigned int *spins)
{
	unsigned int j;

	for (j = 0; j < b->nthreads; j++)
		while (READ_ONCE(b->number[j]))
			virgo_bakery_relax(spins);
}

/**
 * virgo_bakery_lock() - take a Bakery lock
 * @b: the lock
 * @i: the calling thread's index, less than b->nthreads; no two threads
 *	use the same index at once
 *
 * Waits, spinning and yielding, for every thread that came first.
 * Sleepable context only: might_sleep(). No allocation.
 *
 * Return: 0 with the lock held; -EINVAL (and a warning) for an index out
 * of range, without the lock.
 */
int virgo_bakery_lock(struct virgo_bakery *b, unsigned int i)
{
	unsigned int j, spins = 0;
	u32 ticket, theirs;

	might_sleep();
	if (WARN_ON_ONCE(i >= b->nthreads))
		return -EINVAL;

	/* The doorway: take a ticket past every one held. */
	for (;;) {
		WRITE_ONCE(b->choosing[i], true);
		/*
		 * (A) choosing[i] before the reads of the tickets: a store
		 * then loads, so a full barrier. Pairs with (B) in a thread j
		 * that holds a ticket and then reads our state: either j sees
		 * choosing[i] and waits for our ticket, or we see j's ticket
		 * and take a larger one.
		 */
		smp_mb();
		ticket = virgo_bakery_max(b);
		if (ticket < b->ceiling)
			break;
		WRITE_ONCE(b->choosing[i], false);
		virgo_bakery_drain(b, &spins);
	}
	WRITE_ONCE(b->number[i], ++ticket);
	/*
	 * (B) number[i] before choosing[i] is cleared, and before the reads
	 * of the others' state below (a store then loads: a full barrier).
	 * Pairs with the acquire of choosing[i] in a thread waiting for us,
	 * which reads number[i] once choosing[i] is false, and with (A) in a
	 * thread taking its ticket now.
	 */
	smp_mb();
	WRITE_ONCE(b->choosing[i], false);

	for (j = 0; j < b->nthreads; j++) {
		if (j == i)
			continue;
		/* Acquire: pairs with (B) in j, which published number[j]. */
		while (smp_load_acquire(&b->choosing[j]))
			virgo_bakery_relax(&spins);
		/*
		 * Acquire: pairs with the release in j's unlock, so that j's
		 * critical section is before ours (or, when j took a new
		 * ticket, with (A) before that ticket's store).
		 */
		while ((theirs = smp_load_acquire(&b->number[j])) &&
		       (theirs < ticket || (theirs == ticket && j < i)))
			virgo_bakery_relax(&spins);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(virgo_bakery_lock);

/**
 * virgo_bakery_unlock() - release a Bakery lock
 * @b: the lock, held by thread @i
 * @i: the index it was taken with
 */
void virgo_bakery_unlock(struct virgo_bakery *b, unsigned int i)
{
	if (WARN_ON_ONCE(i >= b->nthreads))
		return;
	/*
	 * Release: the critical section before the ticket's return. Pairs
	 * with the acquire of number[i] in the others' waits.
	 */
	smp_store_release(&b->number[i], 0);
}
EXPORT_SYMBOL_GPL(virgo_bakery_unlock);
