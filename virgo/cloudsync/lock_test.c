// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudsync - KUnit tests of the lock master's table
 */

#include <kunit/test.h>
#include "lock.h"

#define LEASE	5000
#define TERM	7ULL

static const struct virgo_lock_settings limits = {
	.lease_ms = LEASE, .max_locks = 4, .max_held = 2, .max_waiting = 1,
};

/* A table past its grace period, at time @now. */
static struct virgo_ltable *table(struct kunit *test, u64 *now)
{
	struct virgo_ltable *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	virgo_ltable_init(t, TERM, 0, &limits, LEASE);
	*now = t->grace_until;
	return t;
}

static void virgo_test_lock_names(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, virgo_lock_name_ok("counter", 7));
	KUNIT_EXPECT_TRUE(test, virgo_lock_name_ok("a/b:c@d+e-f_g.h", 15));
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok("", 0));
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok("a b", 3));
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok("a#b", 3));
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok("a\nb", 3));
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok("\xe9", 1));	/* Latin-1 */
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok("a\0b", 3));
	KUNIT_EXPECT_TRUE(test, virgo_lock_name_ok(
		"0123456789012345678901234567890123456789012345678901234567890123", 64));
	KUNIT_EXPECT_FALSE(test, virgo_lock_name_ok(
		"01234567890123456789012345678901234567890123456789012345678901234", 65));
}

static void virgo_test_lock_grant_release(struct kunit *test)
{
	u64 now, tok, tok2;
	struct virgo_ltable *t = table(test, &now);

	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 1, now, NULL, &tok), 0);
	KUNIT_EXPECT_EQ(test, tok, TERM << 32 | 1);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 2, now, NULL, &tok2), -EAGAIN);
	/* Another node's release, or an old token, is not the holder's. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 2, tok, now), -ESTALE);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 1, tok + 1, now), -ESTALE);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "y", 1, tok, now), -ESTALE);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 1, tok, now), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 1, tok, now), -ESTALE);
	KUNIT_EXPECT_EQ(test, t->nlocks, 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 2, now, NULL, &tok2), 0);
	KUNIT_EXPECT_GT(test, tok2, tok);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 0, now, NULL, &tok2), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 65, now, NULL, &tok2), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x y", 1, now, NULL, &tok2), -EINVAL);
	virgo_ltable_clear(t);
}

static void virgo_test_lock_fifo(struct kunit *test)
{
	struct virgo_lwaiter w2, w3;
	u64 now, tok, unused;
	struct virgo_ltable *t = table(test, &now);

	KUNIT_ASSERT_EQ(test, virgo_ltable_acquire(t, "x", 1, now, NULL, &tok), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 2, now, &w2, &unused), -EINPROGRESS);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 3, now, &w3, &unused), -EINPROGRESS);
	/* A free lock with waiters goes to them first, not to a newcomer. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 1, tok, now), 0);
	KUNIT_EXPECT_EQ(test, w2.state, VIRGO_LWAIT_GRANTED);
	KUNIT_EXPECT_TRUE(test, completion_done(&w2.done));
	KUNIT_EXPECT_EQ(test, w3.state, VIRGO_LWAIT_WAITING);
	KUNIT_EXPECT_GT(test, w2.token, tok);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 2, w2.token, now), 0);
	KUNIT_EXPECT_EQ(test, w3.state, VIRGO_LWAIT_GRANTED);
	KUNIT_EXPECT_GT(test, w3.token, w2.token);
	KUNIT_EXPECT_EQ(test, t->waiting[3], 0);
	KUNIT_EXPECT_EQ(test, t->held[3], 1);
	virgo_ltable_clear(t);
}

static void virgo_test_lock_lease(struct kunit *test)
{
	struct virgo_lwaiter w2;
	u64 now, tok, unused;
	struct virgo_ltable *t = table(test, &now);

	KUNIT_ASSERT_EQ(test, virgo_ltable_acquire(t, "x", 1, now, NULL, &tok), 0);
	KUNIT_ASSERT_EQ(test, virgo_ltable_acquire(t, "x", 2, now, &w2, &unused), -EINPROGRESS);
	/* A renewal moves the end of the lease. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "x", 1, tok, now + 1000), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_expire(t, now + LEASE), 0);
	KUNIT_EXPECT_EQ(test, w2.state, VIRGO_LWAIT_WAITING);
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "x", 2, tok, now + 1000), -ESTALE);
	/* Not renewed in time: the lock goes to the waiter. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_expire(t, now + 1000 + LEASE), 1);
	KUNIT_EXPECT_EQ(test, w2.state, VIRGO_LWAIT_GRANTED);
	KUNIT_EXPECT_GT(test, w2.token, tok);
	/* The old holder learns it: renew and release are refused. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "x", 1, tok, now + 1001 + LEASE), -ESTALE);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 1, tok, now + 1001 + LEASE), -ESTALE);
	KUNIT_EXPECT_EQ(test, t->held[1], 0);
	virgo_ltable_clear(t);
}

static void virgo_test_lock_grace(struct kunit *test)
{
	struct virgo_ltable *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u64 old = (TERM - 1) << 32 | 41, tok;
	struct virgo_lwaiter w;

	KUNIT_ASSERT_NOT_NULL(test, t);
	virgo_ltable_init(t, TERM, 1000, &limits, 2 * LEASE);
	/* The grace covers the longest lease the last master gave. */
	KUNIT_EXPECT_GE(test, t->grace_until, 1000 + 2 * LEASE);
	/* In the grace period nothing new is granted... */
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 2, 1000, NULL, &tok), -EAGAIN);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 2, 1000, &w, &tok), -EINPROGRESS);
	/* ...but the previous master's holder takes its lock back. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "x", 1, old, 7000), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "y", 1, TERM << 32 | 1, 1000), -ESTALE);
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "x", 3, old - 1, 1000), -ESTALE);
	/* A holder of the last master's that lets go before renewing: fine. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "w", 3, old - 1, 1000), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_expire(t, t->grace_until), 0);
	KUNIT_EXPECT_EQ(test, w.state, VIRGO_LWAIT_WAITING);
	/* Past the grace period an old token is only a lost lease. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_renew(t, "z", 1, old, t->grace_until), -ESTALE);
	KUNIT_EXPECT_EQ(test, virgo_ltable_release(t, "x", 1, old, t->grace_until), 0);
	KUNIT_EXPECT_EQ(test, w.state, VIRGO_LWAIT_GRANTED);
	KUNIT_EXPECT_EQ(test, w.token, TERM << 32 | 1);
	virgo_ltable_clear(t);
}

static void virgo_test_lock_caps(struct kunit *test)
{
	struct virgo_lwaiter w1, w2;
	u64 now, tok;
	struct virgo_ltable *t = table(test, &now);

	KUNIT_ASSERT_EQ(test, virgo_ltable_acquire(t, "a", 1, now, NULL, &tok), 0);
	KUNIT_ASSERT_EQ(test, virgo_ltable_acquire(t, "b", 1, now, NULL, &tok), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "c", 1, now, NULL, &tok), -ENOLCK);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "a", 2, now, &w1, &tok), -EINPROGRESS);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "b", 2, now, &w2, &tok), -ENOLCK);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "c", 3, now, NULL, &tok), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "d", 3, now, NULL, &tok), 0);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "e", 4, now, NULL, &tok), -ENOLCK);
	KUNIT_EXPECT_EQ(test, t->nlocks, 4);
	/* A waiter that gives up leaves no trace. */
	virgo_ltable_cancel(t, &w1);
	KUNIT_EXPECT_EQ(test, w1.state, VIRGO_LWAIT_ABORTED);
	KUNIT_EXPECT_EQ(test, t->waiting[2], 0);
	/* No longer master: waiters learn it, nothing is left. */
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "a", 2, now, &w2, &tok), -EINPROGRESS);
	virgo_ltable_clear(t);
	KUNIT_EXPECT_EQ(test, w2.state, VIRGO_LWAIT_ABORTED);
	KUNIT_EXPECT_TRUE(test, completion_done(&w2.done));
	KUNIT_EXPECT_EQ(test, t->nlocks, 0);
	KUNIT_EXPECT_EQ(test, t->held[1], 0);
}

static void virgo_test_lock_term_used_up(struct kunit *test)
{
	u64 now, tok;
	struct virgo_ltable *t = table(test, &now);

	t->counter = U32_MAX - 1;
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "x", 1, now, NULL, &tok), 0);
	KUNIT_EXPECT_EQ(test, tok, TERM << 32 | U32_MAX);
	KUNIT_EXPECT_EQ(test, virgo_ltable_acquire(t, "y", 1, now, NULL, &tok), -EOVERFLOW);
	virgo_ltable_clear(t);
}

static struct kunit_case virgo_lock_cases[] = {
	KUNIT_CASE(virgo_test_lock_names),
	KUNIT_CASE(virgo_test_lock_grant_release),
	KUNIT_CASE(virgo_test_lock_fifo),
	KUNIT_CASE(virgo_test_lock_lease),
	KUNIT_CASE(virgo_test_lock_grace),
	KUNIT_CASE(virgo_test_lock_caps),
	KUNIT_CASE(virgo_test_lock_term_used_up),
	{}
};

static struct kunit_suite virgo_lock_suite = {
	.name = "virgo_lock",
	.test_cases = virgo_lock_cases,
};

kunit_test_suite(virgo_lock_suite);
