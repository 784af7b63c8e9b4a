// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - KUnit tests of the request parser and argument handling
 */

#include <kunit/test.h>
#include <linux/string.h>
#include "cpupool.h"

/* Parse a copy of @text (the parser cuts its line). */
static int parse(struct kunit *test, const char *text, struct virgo_cpupool_req *req)
{
	char *line = kunit_kstrdup(test, text, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, line);
	return virgo_cpupool_parse(line, req);
}

static void virgo_test_names(struct kunit *test)
{
	char long_name[VIRGO_FUNC_NAME_MAX + 1];

	KUNIT_EXPECT_TRUE(test, virgo_cpupool_name_ok("virgo_cloud_test_kernelspace"));
	KUNIT_EXPECT_TRUE(test, virgo_cpupool_name_ok("a.b-c_9"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok(""));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok(".."));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok(".hidden"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("caf\xe9"));	/* Latin-1 */
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("\xc0\xff"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("-rf"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("../bin/sh"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("/bin/sh"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("a b"));
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok("a\tb"));

	memset(long_name, 'x', VIRGO_FUNC_NAME_MAX - 1);
	long_name[VIRGO_FUNC_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_TRUE(test, virgo_cpupool_name_ok(long_name));
	long_name[VIRGO_FUNC_NAME_MAX - 1] = 'x';
	long_name[VIRGO_FUNC_NAME_MAX] = '\0';
	KUNIT_EXPECT_FALSE(test, virgo_cpupool_name_ok(long_name));
}

static void virgo_test_text_forms(struct kunit *test)
{
	struct virgo_cpupool_req req;

	KUNIT_ASSERT_EQ(test, parse(test, "virgo_cloud_test_kernelspace", &req), 0);
	KUNIT_EXPECT_EQ(test, req.cmd, VIRGO_CPUPOOL_CALL);
	KUNIT_EXPECT_STREQ(test, req.name, "virgo_cloud_test_kernelspace");
	KUNIT_EXPECT_EQ(test, req.len, 0);
	KUNIT_EXPECT_FALSE(test, req.payload);
	KUNIT_EXPECT_EQ(test, req.timeout_ms, VIRGO_CLONE_TIMEOUT_MS);

	KUNIT_ASSERT_EQ(test, parse(test, "call echo two  spaces kept", &req), 0);
	KUNIT_EXPECT_STREQ(test, req.name, "echo");
	KUNIT_EXPECT_STREQ(test, req.text, "two  spaces kept");
	KUNIT_EXPECT_EQ(test, req.len, 16);

	KUNIT_ASSERT_EQ(test, parse(test, "call node_info", &req), 0);
	KUNIT_EXPECT_STREQ(test, req.text, "");

	KUNIT_ASSERT_EQ(test, parse(test, "exec hello a b", &req), 0);
	KUNIT_EXPECT_EQ(test, req.cmd, VIRGO_CPUPOOL_EXEC);
	KUNIT_EXPECT_STREQ(test, req.name, "hello");
	KUNIT_EXPECT_STREQ(test, req.text, "a b");

	KUNIT_ASSERT_EQ(test, parse(test, "functions", &req), 0);
	KUNIT_EXPECT_EQ(test, req.cmd, VIRGO_CPUPOOL_LIST);
}

static void virgo_test_binary_forms(struct kunit *test)
{
	struct virgo_cpupool_req req;

	KUNIT_ASSERT_EQ(test, parse(test, "callb echo 64", &req), 0);
	KUNIT_EXPECT_TRUE(test, req.payload);
	KUNIT_EXPECT_EQ(test, req.len, 64);
	KUNIT_EXPECT_EQ(test, req.timeout_ms, VIRGO_CLONE_TIMEOUT_MS);

	KUNIT_ASSERT_EQ(test, parse(test, "execb hello 0 2500", &req), 0);
	KUNIT_EXPECT_EQ(test, req.cmd, VIRGO_CPUPOOL_EXEC);
	KUNIT_EXPECT_EQ(test, req.len, 0);
	KUNIT_EXPECT_EQ(test, req.timeout_ms, 2500);

	/* A zero timeout means the default. */
	KUNIT_ASSERT_EQ(test, parse(test, "callb echo 1 0", &req), 0);
	KUNIT_EXPECT_EQ(test, req.timeout_ms, VIRGO_CLONE_TIMEOUT_MS);

	KUNIT_ASSERT_EQ(test, parse(test, "callb echo 65536", &req), 0);
	/* Nothing of one parse is left in the next... */
	KUNIT_ASSERT_EQ(test, parse(test, "functions", &req), 0);
	KUNIT_EXPECT_FALSE(test, req.payload);
	/* ...so this payload flag is the too-long line's own: skip its payload. */
	KUNIT_EXPECT_EQ(test, parse(test, "callb echo 65537", &req), -E2BIG);
	KUNIT_EXPECT_TRUE(test, req.payload);
	KUNIT_EXPECT_EQ(test, parse(test, "callb echo 99999999999999999999999", &req),
			-E2BIG);
}

static void virgo_test_malformed(struct kunit *test)
{
	static const char *const bad[] = {
		"", " ", "call", "call ", "exec", "callb echo", "callb echo x",
		"callb echo -1", "callb echo 1 x", "callb echo 1 600001",
		"callb echo 1 2 3", "callb ../x 1", "exec ../../bin/sh",
		"exec /bin/sh", "call .. x", "functions now", "nosuch command",
		"virgo_cloud_malloc(64)", "CALL echo",
	};
	struct virgo_cpupool_req req;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, parse(test, bad[i], &req), -EINVAL,
				    "line \"%s\"", bad[i]);
}

static void virgo_test_args(struct kunit *test)
{
	char out[32], *argv[4];
	char buf[] = "a\0bc\0\0d";

	KUNIT_EXPECT_EQ(test, virgo_cpupool_words_to_args("  a bc\t d ", 10, out), 7);
	KUNIT_EXPECT_EQ(test, memcmp(out, "a\0bc\0d\0", 7), 0);
	KUNIT_EXPECT_EQ(test, virgo_cpupool_words_to_args("   ", 3, out), 0);

	KUNIT_ASSERT_EQ(test, virgo_cpupool_split_args(buf, 6, argv, 4), 3);
	KUNIT_EXPECT_STREQ(test, argv[0], "a");
	KUNIT_EXPECT_STREQ(test, argv[1], "bc");
	KUNIT_EXPECT_STREQ(test, argv[2], "");
	KUNIT_EXPECT_EQ(test, virgo_cpupool_split_args(buf, 0, argv, 4), 0);
	KUNIT_EXPECT_EQ(test, virgo_cpupool_split_args(buf, 8, argv, 4), 4);
	/* Not ended by a NUL. */
	KUNIT_EXPECT_EQ(test, virgo_cpupool_split_args(buf, 7, argv, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_cpupool_split_args(buf, 6, argv, 2), -E2BIG);
}

static struct kunit_case virgo_cpupool_cases[] = {
	KUNIT_CASE(virgo_test_names),
	KUNIT_CASE(virgo_test_text_forms),
	KUNIT_CASE(virgo_test_binary_forms),
	KUNIT_CASE(virgo_test_malformed),
	KUNIT_CASE(virgo_test_args),
	{}
};

static struct kunit_suite virgo_cpupool_suite = {
	.name = "virgo_cpupool",
	.test_cases = virgo_cpupool_cases,
};

kunit_test_suite(virgo_cpupool_suite);
