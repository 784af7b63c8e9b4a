/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO cloudsync - what the cluster synchronisation component offers
 *
 * The Bakery lock, for up to VIRGO_BAKERY_MAX_THREADS local threads that
 * each know their index.
 */
#ifndef _VIRGO_CLOUDSYNC_H
#define _VIRGO_CLOUDSYNC_H

#include <linux/compiler_attributes.h>
#include <linux/limits.h>
#include <linux/types.h>

#define VIRGO_BAKERY_MAX_THREADS	1024
#define VIRGO_BAKERY_CEILING		U32_MAX	/* the largest ticket */

/**
 * struct virgo_bakery - Lamport's Bakery lock for @nthreads local threads
 * @nthreads: how many; thread indexes are 0..@nthreads - 1
 * @ceiling: no ticket is larger: an entrant that would need one waits for
 *	the bakery to empty and starts again from 1. VIRGO_BAKERY_CEILING
 *	after virgo_bakery_init(); a test may lower it before the first lock.
 * @choosing: choosing[i]: thread i is taking a ticket
 * @number: number[i]: thread i's ticket, 0 when it neither holds nor waits
 *	for the lock
 */
struct virgo_bakery {
	unsigned int nthreads;
	u32 ceiling;
	bool *choosing;
	u32 *number;
};

int virgo_bakery_init(struct virgo_bakery *b, unsigned int nthreads);
void virgo_bakery_destroy(struct virgo_bakery *b);
int __must_check virgo_bakery_lock(struct virgo_bakery *b, unsigned int i);
void virgo_bakery_unlock(struct virgo_bakery *b, unsigned int i);

#endif /* _VIRGO_CLOUDSYNC_H */
