// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - KUnit tests of the framing parsers against malformed input
 */

#include <kunit/test.h>
#include <linux/string.h>
#include "core.h"

static void feed(struct virgo_linebuf *lb, const char *data, size_t n)
{
	char *where;
	size_t room = virgo_linebuf_room(lb, &where);

	n = min(n, room);
	memcpy(where, data, n);
	virgo_linebuf_fill(lb, n);
}

static struct virgo_linebuf *new_lb(struct kunit *test)
{
	struct virgo_linebuf *lb = kunit_kzalloc(test, sizeof(*lb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, lb);
	virgo_linebuf_init(lb);
	return lb;
}

static void virgo_test_lines(struct kunit *test)
{
	struct virgo_linebuf *lb = new_lb(test);
	char *line;
	size_t len;

	feed(lb, "ping\r\nload\n\npar", 15);
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_STREQ(test, line, "ping");
	KUNIT_EXPECT_EQ(test, len, 4);
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_STREQ(test, line, "load");
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_EQ(test, len, 0);
	/* A partial line waits for the rest. */
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take(lb, &line, &len), 0);
	feed(lb, "tial\n", 5);
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_STREQ(test, line, "partial");
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take(lb, &line, &len), 0);
}

static void virgo_test_overlong_line(struct kunit *test)
{
	struct virgo_linebuf *lb = new_lb(test);
	char *big = kunit_kmalloc(test, VIRGO_LINE_MAX, GFP_KERNEL);
	char *line;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, big);
	memset(big, 'x', VIRGO_LINE_MAX);

	/* The longest line that fits: VIRGO_LINE_MAX - 1 bytes and "\n". */
	big[VIRGO_LINE_MAX - 1] = '\n';
	feed(lb, big, VIRGO_LINE_MAX);
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_EQ(test, len, VIRGO_LINE_MAX - 1);

	/* One byte more and no newline: refused, never overflowing. */
	big[VIRGO_LINE_MAX - 1] = 'x';
	feed(lb, big, VIRGO_LINE_MAX);
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take(lb, &line, &len), -E2BIG);
	KUNIT_EXPECT_EQ(test, virgo_linebuf_room(lb, &line), 0);
}

static void virgo_test_nul_in_line(struct kunit *test)
{
	struct virgo_linebuf *lb = new_lb(test);
	char *line;
	size_t len;

	feed(lb, "get\0secret\nping\n", 16);
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take(lb, &line, &len), -EINVAL);
	/* The bad line is consumed; the next one is intact. */
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_STREQ(test, line, "ping");
}

static void virgo_test_payload_bytes(struct kunit *test)
{
	struct virgo_linebuf *lb = new_lb(test);
	char buf[8] = {};
	char *line;
	size_t len;

	feed(lb, "set 3\nab\0cd", 11);
	KUNIT_ASSERT_EQ(test, virgo_linebuf_take(lb, &line, &len), 1);
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take_bytes(lb, buf, 3), 3);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "ab\0", 3), 0);
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take_bytes(lb, buf, 8), 2);
	KUNIT_EXPECT_EQ(test, virgo_linebuf_take_bytes(lb, buf, 8), 0);
}

static void virgo_test_parse_u64(struct kunit *test)
{
	u64 v = 7;

	KUNIT_EXPECT_EQ(test, virgo_parse_u64("0", 10, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("18446744073709551615", U64_MAX, &v), 0);
	KUNIT_EXPECT_EQ(test, v, U64_MAX);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("18446744073709551616", U64_MAX, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("11", 10, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("-1", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("+1", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64(" 1", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("1x", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_parse_u64("0x10", U64_MAX, &v), -EINVAL);
}

static void virgo_test_split_words(struct kunit *test)
{
	char line[] = "  set\tkey  5 ";
	char many[] = "a b c d";
	char *w[3];

	KUNIT_ASSERT_EQ(test, virgo_split_words(line, w, 3), 3);
	KUNIT_EXPECT_STREQ(test, w[0], "set");
	KUNIT_EXPECT_STREQ(test, w[1], "key");
	KUNIT_EXPECT_STREQ(test, w[2], "5");
	KUNIT_EXPECT_EQ(test, virgo_split_words(many, w, 3), -E2BIG);
}

static void virgo_test_seed_call(struct kunit *test)
{
	char call[] = "virgo_cloud_write(7,a, b),3,0)", bare[] = "virgo_cloud_open(";
	char other[] = "virgo_cloud_opened(x)", none[] = "virgo_cloud_open";
	char *args;

	KUNIT_ASSERT_TRUE(test, virgo_seed_call(call, "virgo_cloud_write", &args));
	KUNIT_EXPECT_STREQ(test, args, "7,a, b),3,0");
	KUNIT_EXPECT_FALSE(test, virgo_seed_call(bare, "virgo_cloud_open", &args));
	KUNIT_EXPECT_FALSE(test, virgo_seed_call(other, "virgo_cloud_open", &args));
	KUNIT_EXPECT_FALSE(test, virgo_seed_call(none, "virgo_cloud_open", &args));
}

static void virgo_test_errno_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, virgo_errno_name(-EACCES), "EACCES");
	KUNIT_EXPECT_STREQ(test, virgo_errno_name(EHOSTUNREACH), "EHOSTUNREACH");
	KUNIT_EXPECT_STREQ(test, virgo_errno_name(-4095), "EIO");
	/* cloudfs's open of a FIFO without a reader: documented, so named. */
	KUNIT_EXPECT_STREQ(test, virgo_errno_name(-ENXIO), "ENXIO");

	KUNIT_EXPECT_EQ(test, virgo_reply_error("ERROR EBUSY too many connections"), -EBUSY);
	KUNIT_EXPECT_EQ(test, virgo_reply_error("ERROR ENOENT"), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_reply_error("ERROR ENOSUCHERRNOATALL x"), -EIO);
	KUNIT_EXPECT_EQ(test, virgo_reply_error("ERROR NOPE x"), -EIO);
	KUNIT_EXPECT_EQ(test, virgo_reply_error("DATA 5 0 1"), 0);
	KUNIT_EXPECT_EQ(test, virgo_reply_error("ERRORS"), 0);
}

static struct kunit_case virgo_framing_cases[] = {
	KUNIT_CASE(virgo_test_lines),
	KUNIT_CASE(virgo_test_overlong_line),
	KUNIT_CASE(virgo_test_nul_in_line),
	KUNIT_CASE(virgo_test_payload_bytes),
	KUNIT_CASE(virgo_test_parse_u64),
	KUNIT_CASE(virgo_test_split_words),
	KUNIT_CASE(virgo_test_seed_call),
	KUNIT_CASE(virgo_test_errno_names),
	{}
};

static struct kunit_suite virgo_framing_suite = {
	.name = "virgo_framing",
	.test_cases = virgo_framing_cases,
};

kunit_test_suite(virgo_framing_suite);
