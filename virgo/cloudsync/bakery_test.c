// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - KUnit tests of the Bakery lock
 *
 * Kernel threads increment a plain counter under the lock: read it, maybe
 * give the CPU away, write it back. Without mutual exclusion, increments
 * that another thread makes in between are lost, even on one CPU without
 * kernel preemption (the cluster's nodes).
 *
 * On one CPU, though, the memory order cannot go wrong: a lock without
 * its barriers passes there. virgo_test_bakery_smp needs two CPUs or
 * more, and is skipped on the nodes; boot the node kernel with
 * "-smp 2 -accel tcg,thread=multi" (or on hardware) to run it.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "cloudsync.h"

#define BAKERY_THREADS		4
#define BAKERY_ITERS		25000	/* per thread: 100000 increments */
#define BAKERY_NAP_EVERY	2048	/* one increment in so many sleeps */
#define BAKERY_SMP_ITERS	1000000	/* per CPU, without sleeps */
#define BAKERY_WAIT		(30 * HZ)

struct bakery_run;

struct bakery_thread {
	struct bakery_run *run;
	unsigned int index;
};

/*
 * What the threads share. Allocated apart from the test: when the threads
 * do not end, it is leaked rather than freed under them.
 */
struct bakery_run {
	struct virgo_bakery b;
	unsigned int nthreads;
	unsigned int iters;
	bool tight;		/* no sleep in or between increments */
	bool fill;		/* thread 0 waits in its first turn */
	bool stop;		/* the test gave up waiting: stop early */
	struct completion go;
	atomic_t running;
	struct completion done;
	unsigned long counter;	/* protected by b, and by b only */
	u32 max_ticket;		/* protected by b */
	struct bakery_thread thread[BAKERY_THREADS];
};

/* Does a thread other than @i hold or wait for the lock? */
static bool bakery_queued(const struct virgo_bakery *b, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < b->nthreads; j++)
		if (j != i && READ_ONCE(b->number[j]))
			return true;
	return false;
}

/*
 * Thread 0, in its first turn: wait (10 s at most) until some thread holds
 * the ceiling's ticket, so that it is reached however the threads were
 * started; a thread that comes then waits for the bakery to drain.
 */
static void bakery_fill(struct bakery_run *run)
{
	unsigned int j;
	u32 top;
	int tries;

	for (tries = 0; tries < 5000; tries++) {
		for (top = 0, j = 0; j < run->nthreads; j++)
			top = max(top, READ_ONCE(run->b.number[j]));
		if (top >= run->b.ceiling)
			return;
		usleep_range(1000, 2000);
	}
}

static int bakery_thread(void *arg)
{
	struct bakery_thread *self = arg;
	struct bakery_run *run = self->run;
	unsigned int n, i = self->index;
	unsigned long v;

	wait_for_completion(&run->go);
	for (n = 0; n < run->iters && !READ_ONCE(run->stop); n++) {
		if (virgo_bakery_lock(&run->b, i))
			break;
		if (run->fill && n == 0 && i == 0)
			bakery_fill(run);
		v = READ_ONCE(run->counter);
		/*
		 * Now and then give the CPU away between the read and the
		 * write: the others run and queue for the lock (or, were it
		 * broken, increment in between). Only now and then, and by
		 * sleeping here only: on one CPU every switch in here makes
		 * the others queue.
		 */
		if (!run->tight && n % BAKERY_NAP_EVERY == i)
			usleep_range(20, 40);
		WRITE_ONCE(run->counter, v + 1);
		run->max_ticket = max(run->max_ticket, READ_ONCE(run->b.number[i]));
		virgo_bakery_unlock(&run->b, i);
		/*
		 * Let the threads that queued during a nap through, until
		 * none holds a ticket, before taking one again. Otherwise, on
		 * one CPU, the threads take turns to the end, a context
		 * switch for every turn (seconds on the debug kernel).
		 */
		while (!run->tight && bakery_queued(&run->b, i))
			usleep_range(10, 20);
		cond_resched();
	}
	if (atomic_dec_and_test(&run->running))
		complete(&run->done);
	return 0;
}

/*
 * @nthreads threads make @iters increments each, under a lock whose
 * tickets stop at @ceiling. Returns what they shared, to bakery_free(),
 * or NULL (the test failed) when they did not end.
 */
static struct bakery_run *bakery_run(struct kunit *test, unsigned int nthreads,
				     unsigned int iters, u32 ceiling, bool tight,
				     bool fill, s64 *ms)
{
	struct bakery_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	struct task_struct *task;
	unsigned int i;
	ktime_t start;

	KUNIT_ASSERT_NOT_NULL(test, run);
	if (virgo_bakery_init(&run->b, nthreads)) {
		kfree(run);
		KUNIT_FAIL(test, "virgo_bakery_init");
		return NULL;
	}
	run->b.ceiling = ceiling;
	run->nthreads = nthreads;
	run->iters = iters;
	run->tight = tight;
	run->fill = fill;
	init_completion(&run->go);
	init_completion(&run->done);
	atomic_set(&run->running, nthreads);
	for (i = 0; i < nthreads; i++) {
		run->thread[i].run = run;
		run->thread[i].index = i;
		task = kthread_run(bakery_thread, &run->thread[i], "virgo_bakery/%u", i);
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
			/* Those started run none; the others never will. */
			run->iters = 0;
			if (atomic_sub_and_test(nthreads - i, &run->running))
				complete(&run->done);
			break;
		}
	}
	start = ktime_get();
	complete_all(&run->go);
	if (!wait_for_completion_timeout(&run->done, BAKERY_WAIT)) {
		KUNIT_FAIL(test, "the threads did not end in %d s", BAKERY_WAIT / HZ);
		WRITE_ONCE(run->stop, true);
		if (!wait_for_completion_timeout(&run->done, BAKERY_WAIT))
			return NULL;
	}
	*ms = ktime_ms_delta(ktime_get(), start);
	return run;
}

static void bakery_free(struct bakery_run *run)
{
	virgo_bakery_destroy(&run->b);
	kfree(run);
}

static void virgo_test_bakery_counter(struct kunit *test)
{
	struct bakery_run *run;
	s64 ms;

	run = bakery_run(test, BAKERY_THREADS, BAKERY_ITERS,
			 VIRGO_BAKERY_CEILING, false, false, &ms);
	if (!run)
		return;
	KUNIT_EXPECT_EQ(test, run->counter, BAKERY_THREADS * BAKERY_ITERS);
	kunit_info(test, "%lu increments by %d threads in %lld ms\n",
		   run->counter, BAKERY_THREADS, ms);
	bakery_free(run);
}

/* A tiny ceiling: the bakery drains again and again, and nothing is lost. */
static void virgo_test_bakery_ceiling(struct kunit *test)
{
	struct bakery_run *run;
	s64 ms;

	run = bakery_run(test, BAKERY_THREADS, 2000, 3, false, true, &ms);
	if (!run)
		return;
	KUNIT_EXPECT_EQ(test, run->counter, BAKERY_THREADS * 2000);
	/* The ceiling was reached, and no ticket went past it. */
	KUNIT_EXPECT_EQ(test, run->max_ticket, 3);
	kunit_info(test, "%lu increments, largest ticket %u, in %lld ms\n",
		   run->counter, run->max_ticket, ms);
	bakery_free(run);
}

/* One thread per CPU, all the time in the lock: the barriers' test. */
static void virgo_test_bakery_smp(struct kunit *test)
{
	unsigned int n = min(num_online_cpus(), BAKERY_THREADS);
	struct bakery_run *run;
	s64 ms;

	if (n < 2)
		kunit_skip(test, "one CPU: the memory order cannot go wrong");
	run = bakery_run(test, n, BAKERY_SMP_ITERS, VIRGO_BAKERY_CEILING, true, false, &ms);
	if (!run)
		return;
	KUNIT_EXPECT_EQ(test, run->counter, (unsigned long)n * BAKERY_SMP_ITERS);
	kunit_info(test, "%lu increments by %u threads on %u CPUs in %lld ms\n",
		   run->counter, n, num_online_cpus(), ms);
	bakery_free(run);
}

struct bakery_one {
	struct virgo_bakery b;
	u32 ticket;
	struct completion done;
};

static int bakery_lock_once(void *arg)
{
	struct bakery_one *one = arg;

	if (!virgo_bakery_lock(&one->b, 0)) {
		one->ticket = READ_ONCE(one->b.number[0]);
		virgo_bakery_unlock(&one->b, 0);
	}
	complete(&one->done);
	return 0;
}

/*
 * Thread 1 holds ticket @held, under a ceiling of 5, when thread 0 comes:
 * thread 0 waits with ticket @waiting (0: none, for the bakery to drain)
 * until thread 1 is through, then enters with ticket @want.
 */
static void bakery_enter_behind(struct kunit *test, u32 held, u32 waiting, u32 want)
{
	struct bakery_one *one = kzalloc(sizeof(*one), GFP_KERNEL);
	struct task_struct *task;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, one);
	if (virgo_bakery_init(&one->b, 2)) {
		kfree(one);
		KUNIT_FAIL(test, "virgo_bakery_init");
		return;
	}
	one->b.ceiling = 5;
	init_completion(&one->done);
	/* As thread 1's lock would have left it. */
	WRITE_ONCE(one->b.number[1], held);
	task = kthread_run(bakery_lock_once, one, "virgo_bakery/once");
	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		goto out;
	}
	/*
	 * Until thread 0 waits: with a ticket, until it has it (however late
	 * it was started); without, long enough to have reached the drain.
	 */
	for (i = 0; waiting && i < 5000 && READ_ONCE(one->b.number[0]) != waiting; i++)
		usleep_range(1000, 2000);
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&one->done));
	KUNIT_EXPECT_EQ(test, READ_ONCE(one->b.number[0]), waiting);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(one->b.choosing[0]));
	/* Thread 1's unlock. */
	smp_store_release(&one->b.number[1], 0);
	if (!wait_for_completion_timeout(&one->done, BAKERY_WAIT)) {
		KUNIT_FAIL(test, "thread 0 did not take the lock");
		return;		/* leaked: the thread still uses it */
	}
	KUNIT_EXPECT_EQ(test, one->ticket, want);
out:
	virgo_bakery_destroy(&one->b);
	kfree(one);
}

static void virgo_test_bakery_drain(struct kunit *test)
{
	/* Below the ceiling: the next ticket, behind the smaller one. */
	bakery_enter_behind(test, 4, 5, 5);
	/* At it: no ticket until the bakery is empty, then 1. */
	bakery_enter_behind(test, 5, 0, 1);
}

static void virgo_test_bakery_init(struct kunit *test)
{
	struct virgo_bakery *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, virgo_bakery_init(b, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_bakery_init(b, VIRGO_BAKERY_MAX_THREADS + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_bakery_init(b, UINT_MAX), -EINVAL);

	KUNIT_ASSERT_EQ(test, virgo_bakery_init(b, 1), 0);
	KUNIT_EXPECT_EQ(test, b->ceiling, VIRGO_BAKERY_CEILING);
	/* Alone, a thread always gets ticket 1. */
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, virgo_bakery_lock(b, 0), 0);
		KUNIT_EXPECT_EQ(test, b->number[0], 1);
		virgo_bakery_unlock(b, 0);
		KUNIT_EXPECT_EQ(test, b->number[0], 0);
	}
	virgo_bakery_destroy(b);
	KUNIT_EXPECT_NULL(test, b->number);

	KUNIT_ASSERT_EQ(test, virgo_bakery_init(b, VIRGO_BAKERY_MAX_THREADS), 0);
	i = VIRGO_BAKERY_MAX_THREADS - 1;
	KUNIT_ASSERT_EQ(test, virgo_bakery_lock(b, i), 0);
	KUNIT_EXPECT_EQ(test, b->number[i], 1);
	virgo_bakery_unlock(b, i);
	virgo_bakery_destroy(b);
}

static struct kunit_case virgo_bakery_cases[] = {
	KUNIT_CASE(virgo_test_bakery_init),
	KUNIT_CASE(virgo_test_bakery_drain),
	KUNIT_CASE(virgo_test_bakery_counter),
	KUNIT_CASE(virgo_test_bakery_ceiling),
	KUNIT_CASE(virgo_test_bakery_smp),
	{}
};

static struct kunit_suite virgo_bakery_suite = {
	.name = "virgo_bakery",
	.test_cases = virgo_bakery_cases,
};

kunit_test_suite(virgo_bakery_suite);
