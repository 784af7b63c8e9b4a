// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - KUnit tests of the Lamport clock's rules
 *
 * virgo_clock_next() is the rule itself and is tested on any value, up to
 * where the clock stops. The node's clock is one global counter that the
 * node keeps using after the tests, so on it only relative steps are
 * tested, a thousand ahead at most.
 */

#include <kunit/test.h>
#include "core.h"

static void virgo_test_clock_next(struct kunit *test)
{
	/* A local event, and a time received behind, equal or ahead. */
	KUNIT_EXPECT_EQ(test, virgo_clock_next(0, 0), 1);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(41, 0), 42);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(41, 7), 42);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(41, 41), 42);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(41, 42), 43);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(41, 1000), 1001);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(0, 1000), 1001);
}

static void virgo_test_clock_saturates(struct kunit *test)
{
	const u64 max = VIRGO_CLOCK_MAX;

	KUNIT_EXPECT_EQ(test, virgo_clock_next(max - 2, 0), max - 1);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(max - 1, 0), max);
	/* Stopped: it stays there, and never wraps to a small or negative time. */
	KUNIT_EXPECT_EQ(test, virgo_clock_next(max, 0), max);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(max, max), max);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(0, max - 1), max);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(0, max), max);
	/* A time past the stop counts as the stop. */
	KUNIT_EXPECT_EQ(test, virgo_clock_next(0, max + 1), max);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(5, U64_MAX), max);
	KUNIT_EXPECT_EQ(test, virgo_clock_next(U64_MAX, 0), max);
}

static void virgo_test_clock_stamp(struct kunit *test)
{
	u64 a = virgo_clock_stamp(), b = virgo_clock_stamp();

	KUNIT_EXPECT_GT(test, a, 0);
	KUNIT_EXPECT_GT(test, b, a);
	KUNIT_EXPECT_GE(test, virgo_clock_now(), b);
}

static void virgo_test_clock_merge(struct kunit *test)
{
	u64 now = virgo_clock_now(), t;

	/* Ahead: the clock jumps past what was seen. */
	t = virgo_clock_merge(now + 1000);
	KUNIT_EXPECT_EQ(test, t, now + 1001);
	KUNIT_EXPECT_GE(test, virgo_clock_now(), t);
	/* Behind, or equal: still past every earlier local time. */
	KUNIT_EXPECT_GT(test, virgo_clock_merge(0), t);
	now = virgo_clock_now();
	KUNIT_EXPECT_GT(test, virgo_clock_merge(now), now);
	KUNIT_EXPECT_GT(test, virgo_clock_merge(now - 10), now);
}

static struct kunit_case virgo_lamport_cases[] = {
	KUNIT_CASE(virgo_test_clock_next),
	KUNIT_CASE(virgo_test_clock_saturates),
	KUNIT_CASE(virgo_test_clock_stamp),
	KUNIT_CASE(virgo_test_clock_merge),
	{}
};

static struct kunit_suite virgo_lamport_suite = {
	.name = "virgo_lamport",
	.test_cases = virgo_lamport_cases,
};

kunit_test_suite(virgo_lamport_suite);
