// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - KUnit tests of vector clocks: order, rules, text form
 */

#include <kunit/test.h>
#include <linux/string.h>
#include "core.h"

/* A zeroed vector that the test frees (512 bytes: not on the stack). */
static struct virgo_vclock *vc_new(struct kunit *test)
{
	struct virgo_vclock *vc = kunit_kzalloc(test, sizeof(*vc), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vc);
	return vc;
}

/* compare(a, b), and the mirror answer for compare(b, a). */
static void expect_order(struct kunit *test, const struct virgo_vclock *a,
			 const struct virgo_vclock *b, enum virgo_vclock_order want)
{
	static const enum virgo_vclock_order mirror[] = {
		[VIRGO_VCLOCK_EQUAL] = VIRGO_VCLOCK_EQUAL,
		[VIRGO_VCLOCK_BEFORE] = VIRGO_VCLOCK_AFTER,
		[VIRGO_VCLOCK_AFTER] = VIRGO_VCLOCK_BEFORE,
		[VIRGO_VCLOCK_CONCURRENT] = VIRGO_VCLOCK_CONCURRENT,
	};

	KUNIT_EXPECT_EQ(test, virgo_vclock_compare(a, b), want);
	KUNIT_EXPECT_EQ(test, virgo_vclock_compare(b, a), mirror[want]);
}

static void virgo_test_vclock_compare(struct kunit *test)
{
	struct virgo_vclock *a = vc_new(test), *b = vc_new(test);

	expect_order(test, a, b, VIRGO_VCLOCK_EQUAL);		/* all zero */
	expect_order(test, a, a, VIRGO_VCLOCK_EQUAL);
	/* All zero happened before any event. */
	b->t[0] = 1;
	expect_order(test, a, b, VIRGO_VCLOCK_BEFORE);
	a->t[0] = 1;
	expect_order(test, a, b, VIRGO_VCLOCK_EQUAL);
	/* One entry differing, the first or the last. */
	b->t[0] = 2;
	expect_order(test, a, b, VIRGO_VCLOCK_BEFORE);
	b->t[0] = 1;
	b->t[VIRGO_MAX_NODES - 1] = 1;
	expect_order(test, a, b, VIRGO_VCLOCK_BEFORE);
	a->t[VIRGO_MAX_NODES - 1] = 3;
	expect_order(test, a, b, VIRGO_VCLOCK_AFTER);
	/* Each ahead somewhere: concurrent, however far ahead elsewhere. */
	b->t[5] = 1;
	expect_order(test, a, b, VIRGO_VCLOCK_CONCURRENT);
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->t[0] = 1;
	b->t[1] = 1;
	expect_order(test, a, b, VIRGO_VCLOCK_CONCURRENT);
	a->t[2] = VIRGO_CLOCK_MAX;
	b->t[2] = VIRGO_CLOCK_MAX;
	expect_order(test, a, b, VIRGO_VCLOCK_CONCURRENT);
	/* Ahead in many entries, equal in the rest. */
	memcpy(b, a, sizeof(*a));
	b->t[1] = 0;
	b->t[10] = 7;
	a->t[10] = 9;
	a->t[63] = 1;
	expect_order(test, a, b, VIRGO_VCLOCK_AFTER);
}

static void virgo_test_vclock_rules(struct kunit *test)
{
	struct virgo_vclock *n1 = vc_new(test), *n2 = vc_new(test);
	struct virgo_vclock *n3 = vc_new(test), *sent = vc_new(test);
	struct virgo_vclock *before = vc_new(test);

	/* A local event: only the node's own entry moves, by one. */
	virgo_vclock_event(n1, 1, NULL);
	virgo_vclock_event(n1, 1, NULL);
	KUNIT_EXPECT_EQ(test, n1->t[0], 2);
	KUNIT_EXPECT_EQ(test, n1->t[1], 0);
	memcpy(sent, n1, sizeof(*n1));

	/* A receive: the entrywise maximum, then one more for the receiver. */
	n2->t[1] = 4;
	n2->t[3] = 9;
	memcpy(before, n2, sizeof(*n2));
	virgo_vclock_event(n2, 2, sent);
	KUNIT_EXPECT_EQ(test, n2->t[0], 2);
	KUNIT_EXPECT_EQ(test, n2->t[1], 5);
	KUNIT_EXPECT_EQ(test, n2->t[2], 0);
	KUNIT_EXPECT_EQ(test, n2->t[3], 9);
	expect_order(test, sent, n2, VIRGO_VCLOCK_BEFORE);
	expect_order(test, before, n2, VIRGO_VCLOCK_BEFORE);

	/* The receiver's own entry in what it receives is a maximum too. */
	memset(sent, 0, sizeof(*sent));
	sent->t[1] = 20;
	virgo_vclock_event(n2, 2, sent);
	KUNIT_EXPECT_EQ(test, n2->t[1], 21);

	/* Node 3's events, never told of node 1's, are concurrent with them. */
	virgo_vclock_event(n3, 3, NULL);
	expect_order(test, n1, n3, VIRGO_VCLOCK_CONCURRENT);
	/* Node 1 hears of node 2's: node 2's first send is before it. */
	virgo_vclock_event(n1, 1, n2);
	expect_order(test, n2, n1, VIRGO_VCLOCK_BEFORE);
	expect_order(test, n3, n1, VIRGO_VCLOCK_CONCURRENT);
	KUNIT_EXPECT_EQ(test, n1->t[0], 3);
}

static void virgo_test_vclock_saturates(struct kunit *test)
{
	struct virgo_vclock *vc = vc_new(test), *seen = vc_new(test);

	vc->t[4] = VIRGO_CLOCK_MAX - 1;
	virgo_vclock_event(vc, 5, NULL);
	KUNIT_EXPECT_EQ(test, vc->t[4], VIRGO_CLOCK_MAX);
	virgo_vclock_event(vc, 5, NULL);
	KUNIT_EXPECT_EQ(test, vc->t[4], VIRGO_CLOCK_MAX);

	/* Entries received past the stop count as the stop. */
	seen->t[0] = U64_MAX;
	seen->t[4] = U64_MAX;
	seen->t[7] = VIRGO_CLOCK_MAX + 1;
	virgo_vclock_event(vc, 5, seen);
	KUNIT_EXPECT_EQ(test, vc->t[0], VIRGO_CLOCK_MAX);
	KUNIT_EXPECT_EQ(test, vc->t[4], VIRGO_CLOCK_MAX);
	KUNIT_EXPECT_EQ(test, vc->t[7], VIRGO_CLOCK_MAX);
	seen->t[63] = VIRGO_CLOCK_MAX;
	virgo_vclock_event(vc, 64, seen);
	KUNIT_EXPECT_EQ(test, vc->t[63], VIRGO_CLOCK_MAX);
}

/* The node's own vector: at boot the node has no id, and nothing changes. */
static void virgo_test_vclock_no_id(struct kunit *test)
{
	struct virgo_vclock *vc = vc_new(test), *now = vc_new(test);
	struct virgo_vclock *out = vc_new(test);

	if (virgo_local_id())
		kunit_skip(test, "the node has an id");
	virgo_vclock_read(now);
	vc->t[0] = 5;
	out->t[1] = 77;
	KUNIT_EXPECT_EQ(test, virgo_vclock_stamp(out), -ENODEV);
	KUNIT_EXPECT_EQ(test, virgo_vclock_merge(vc, out), -ENODEV);
	KUNIT_EXPECT_EQ(test, virgo_vclock_merge(vc, NULL), -ENODEV);
	KUNIT_EXPECT_EQ(test, out->t[1], 77);
	virgo_vclock_read(vc);
	KUNIT_EXPECT_EQ(test, virgo_vclock_compare(vc, now), VIRGO_VCLOCK_EQUAL);
}

static void expect_text(struct kunit *test, const struct virgo_vclock *vc,
			const char *want)
{
	char *buf = kunit_kzalloc(test, VIRGO_VCLOCK_TEXT_MAX, GFP_KERNEL);
	struct virgo_vclock *back = vc_new(test);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, virgo_vclock_format(vc, buf, VIRGO_VCLOCK_TEXT_MAX),
			(int)strlen(want));
	KUNIT_EXPECT_STREQ(test, buf, want);
	KUNIT_ASSERT_EQ(test, virgo_vclock_parse(buf, back), 0);
	KUNIT_EXPECT_EQ(test, virgo_vclock_compare(vc, back), VIRGO_VCLOCK_EQUAL);
}

static void virgo_test_vclock_format(struct kunit *test)
{
	struct virgo_vclock *vc = vc_new(test);
	char *buf = kunit_kzalloc(test, VIRGO_VCLOCK_TEXT_MAX, GFP_KERNEL);
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	expect_text(test, vc, "0");
	vc->t[0] = 5;
	vc->t[2] = 2;
	expect_text(test, vc, "1:5,3:2");
	memset(vc, 0, sizeof(*vc));
	vc->t[63] = VIRGO_CLOCK_MAX;
	expect_text(test, vc, "64:9223372036854775807");
	vc->t[9] = 10;
	expect_text(test, vc, "10:10,64:9223372036854775807");

	/*
	 * The longest text fits VIRGO_VCLOCK_TEXT_MAX: 9 entries of 21
	 * characters, 55 of 22 and 63 commas.
	 */
	for (i = 0; i < VIRGO_MAX_NODES; i++)
		vc->t[i] = VIRGO_CLOCK_MAX;
	n = virgo_vclock_format(vc, buf, VIRGO_VCLOCK_TEXT_MAX);
	KUNIT_EXPECT_EQ(test, n, 9 * 21 + 55 * 22 + 63);
	KUNIT_EXPECT_LT(test, n, VIRGO_VCLOCK_TEXT_MAX);
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, n + 1), n);
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, n), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, buf, "");
	/* Past the stop: written as the stop. */
	vc->t[0] = U64_MAX;
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, VIRGO_VCLOCK_TEXT_MAX), n);
	KUNIT_EXPECT_TRUE(test, !strncmp(buf, "1:9223372036854775807,2:", 24));

	/* Room for the text and its NUL, and not one byte less. */
	memset(vc, 0, sizeof(*vc));
	vc->t[0] = 5;
	vc->t[2] = 2;
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, 8), 7);
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, 7), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, buf, "");
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, 2), -ENOSPC);
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, 0), -ENOSPC);
	memset(vc, 0, sizeof(*vc));
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, 2), 1);
	KUNIT_EXPECT_EQ(test, virgo_vclock_format(vc, buf, 1), -ENOSPC);
}

static void virgo_test_vclock_round_trip(struct kunit *test)
{
	struct virgo_vclock *vc = vc_new(test), *back = vc_new(test);
	char *buf = kunit_kzalloc(test, VIRGO_VCLOCK_TEXT_MAX, GFP_KERNEL);
	u64 x = 0x9e3779b97f4a7c15ULL;
	int round, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (round = 0; round < 64; round++) {
		/* Sparse to full vectors with values of every size. */
		for (i = 0; i < VIRGO_MAX_NODES; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			vc->t[i] = (x & 63) < round ? (x >> 8) >> (x & 63) : 0;
		}
		KUNIT_ASSERT_GT(test, virgo_vclock_format(vc, buf, VIRGO_VCLOCK_TEXT_MAX), 0);
		KUNIT_ASSERT_EQ(test, virgo_vclock_parse(buf, back), 0);
		KUNIT_EXPECT_EQ(test, memcmp(vc, back, sizeof(*vc)), 0);
	}
}

static void virgo_test_vclock_parse(struct kunit *test)
{
	static const char * const bad[] = {
		"", " ", "00", "0,1:1", "1:1,0", "-0",
		"1", "1:", ":1", ":", ",", "1:1,", ",1:1", "1:1,,2:1",
		"1:0", "1:00", "01:5", "1:05", "0:1", "65:1", "100:1", "640:1",
		"1:1,1:2", "2:1,1:1", "3:1,2:1,4:1", "1:1,2:1,2:1",
		"1:1 ", " 1:1", "1 :1", "1: 1", "1:1\n", "1:1\t", "1:1, 2:1",
		"+1:1", "-1:1", "1:-1", "1:+1", "1:0x10", "0x1:1", "1:1e3",
		"1:1:1", "1;1", "1=1", "1:1,2", "1:1,2:", "1:1;2:1", "a:1", "1:a",
		"1:9223372036854775808", "1:18446744073709551615",
		"1:18446744073709551616", "1:99999999999999999999999999",
		"1:00000000000000000000000000001",
		"64:1,65:1",
	};
	struct virgo_vclock *vc = vc_new(test);
	char *buf = kunit_kzalloc(test, 4 * VIRGO_VCLOCK_TEXT_MAX, GFP_KERNEL);
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		vc->t[0] = 1;
		KUNIT_EXPECT_EQ_MSG(test, virgo_vclock_parse(bad[i], vc), -EINVAL,
				    "\"%s\"", bad[i]);
		/* Refused: nothing half-parsed is left. */
		KUNIT_EXPECT_EQ_MSG(test, vc->t[0], 0, "\"%s\"", bad[i]);
	}

	KUNIT_EXPECT_EQ(test, virgo_vclock_parse("0", vc), 0);
	KUNIT_EXPECT_EQ(test, vc->t[0], 0);
	KUNIT_EXPECT_EQ(test, virgo_vclock_parse("1:9223372036854775807,64:1", vc), 0);
	KUNIT_EXPECT_EQ(test, vc->t[0], VIRGO_CLOCK_MAX);
	KUNIT_EXPECT_EQ(test, vc->t[63], 1);

	/* Every node, then one more entry: refused at the 65th. */
	for (i = 0, n = 0; i < VIRGO_MAX_NODES; i++)
		n += sprintf(buf + n, "%s%d:%d", i ? "," : "", i + 1, i + 1);
	KUNIT_EXPECT_EQ(test, virgo_vclock_parse(buf, vc), 0);
	KUNIT_EXPECT_EQ(test, vc->t[63], 64);
	strscpy(buf + n, ",64:1", 4 * VIRGO_VCLOCK_TEXT_MAX - n);
	KUNIT_EXPECT_EQ(test, virgo_vclock_parse(buf, vc), -EINVAL);

	/* A long run of digits is refused once it passes the limit. */
	memset(buf, '9', 4 * VIRGO_VCLOCK_TEXT_MAX - 1);
	buf[4 * VIRGO_VCLOCK_TEXT_MAX - 1] = '\0';
	buf[1] = ':';
	KUNIT_EXPECT_EQ(test, virgo_vclock_parse(buf, vc), -EINVAL);
	buf[1] = '9';
	KUNIT_EXPECT_EQ(test, virgo_vclock_parse(buf, vc), -EINVAL);
}

static struct kunit_case virgo_vclock_cases[] = {
	KUNIT_CASE(virgo_test_vclock_compare),
	KUNIT_CASE(virgo_test_vclock_rules),
	KUNIT_CASE(virgo_test_vclock_saturates),
	KUNIT_CASE(virgo_test_vclock_no_id),
	KUNIT_CASE(virgo_test_vclock_format),
	KUNIT_CASE(virgo_test_vclock_round_trip),
	KUNIT_CASE(virgo_test_vclock_parse),
	{}
};

static struct kunit_suite virgo_vclock_suite = {
	.name = "virgo_vclock",
	.test_cases = virgo_vclock_cases,
};

kunit_test_suite(virgo_vclock_suite);
