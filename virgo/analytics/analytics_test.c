// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO analytics - KUnit tests of the store: its keys, values and bounds
 */

#include <kunit/test.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include "analytics.h"

static bool key_ok(const char *key)
{
	return virgo_analytics_key_ok(key, strlen(key));
}

static void virgo_test_analytics_keys(struct kunit *test)
{
	char key[VIRGO_ANALYTICS_KEY_MAX + 2];

	KUNIT_EXPECT_TRUE(test, key_ok("balancer.weight.3"));
	KUNIT_EXPECT_TRUE(test, key_ok("MaxNetworkBandwidth"));
	KUNIT_EXPECT_TRUE(test, key_ok("a_b-c.9"));
	KUNIT_EXPECT_TRUE(test, key_ok("..."));
	KUNIT_EXPECT_TRUE(test, key_ok(".a"));
	memset(key, 'k', VIRGO_ANALYTICS_KEY_MAX);
	key[VIRGO_ANALYTICS_KEY_MAX] = '\0';
	KUNIT_EXPECT_TRUE(test, key_ok(key));
	key[VIRGO_ANALYTICS_KEY_MAX] = 'k';
	key[VIRGO_ANALYTICS_KEY_MAX + 1] = '\0';
	KUNIT_EXPECT_FALSE(test, key_ok(key));

	KUNIT_EXPECT_FALSE(test, key_ok(""));
	KUNIT_EXPECT_FALSE(test, key_ok("."));
	KUNIT_EXPECT_FALSE(test, key_ok(".."));
	KUNIT_EXPECT_FALSE(test, key_ok("a b"));
	KUNIT_EXPECT_FALSE(test, key_ok("a=b"));
	KUNIT_EXPECT_FALSE(test, key_ok("a,b"));
	KUNIT_EXPECT_FALSE(test, key_ok("a/b"));
	KUNIT_EXPECT_FALSE(test, key_ok("a\nb"));
	KUNIT_EXPECT_FALSE(test, key_ok("caf\xc3\xa9"));
	KUNIT_EXPECT_FALSE(test, key_ok("\xc3"));	/* a Latin-1 letter */
	KUNIT_EXPECT_FALSE(test, virgo_analytics_key_ok("a\0b", 3));
}

static void virgo_test_analytics_values(struct kunit *test)
{
	char v[VIRGO_ANALYTICS_VALUE_MAX + 1];

	memset(v, 'v', sizeof(v));
	KUNIT_EXPECT_TRUE(test, virgo_analytics_value_ok(v, VIRGO_ANALYTICS_VALUE_MAX));
	KUNIT_EXPECT_FALSE(test, virgo_analytics_value_ok(v, VIRGO_ANALYTICS_VALUE_MAX + 1));
	KUNIT_EXPECT_TRUE(test, virgo_analytics_value_ok("", 0));
	KUNIT_EXPECT_TRUE(test, virgo_analytics_value_ok("a = b, c", 8));
	KUNIT_EXPECT_TRUE(test, virgo_analytics_value_ok("caf\xc3\xa9", 5));
	KUNIT_EXPECT_FALSE(test, virgo_analytics_value_ok("a\nb", 3));
	KUNIT_EXPECT_FALSE(test, virgo_analytics_value_ok("a\0b", 3));
	KUNIT_EXPECT_FALSE(test, virgo_analytics_value_ok("a\tb", 3));
	KUNIT_EXPECT_FALSE(test, virgo_analytics_value_ok("a\x7f", 2));
}

static struct virgo_analytics_store *new_store(struct kunit *test, unsigned int max)
{
	struct virgo_analytics_store *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	virgo_analytics_store_init(s, max, false);
	return s;
}

static void virgo_test_analytics_store(struct kunit *test)
{
	struct virgo_analytics_store *s = new_store(test, VIRGO_ANALYTICS_KEYS);
	char buf[VIRGO_ANALYTICS_VALUE_MAX + 1];

	/* A key without a value: there, but readers find nothing. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_add(s, "k"), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_add(s, "k"), -EEXIST);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_add(s, "bad key"), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, sizeof(buf)), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "nokey", buf, sizeof(buf)), -ENOENT);

	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "k", "255xyz", 3), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, sizeof(buf)), 3);
	KUNIT_EXPECT_STREQ(test, buf, "255");
	/* A new value replaces the old whole; a new key is added. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "k", "1", 1), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, sizeof(buf)), 1);
	KUNIT_EXPECT_STREQ(test, buf, "1");
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "other", "", 0), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "other", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, s->count, 2);

	/* A buffer must hold the value and its NUL: else nothing is copied. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "k", "abcd", 4), 0);
	strscpy(buf, "xy", sizeof(buf));
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, 4), -EOVERFLOW);
	KUNIT_EXPECT_STREQ(test, buf, "xy");
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, 5), 4);
	KUNIT_EXPECT_STREQ(test, buf, "abcd");

	/* Bad values change nothing. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "k", "a\nb", 3), -EINVAL);
	memset(buf, 'v', sizeof(buf));
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "k", buf,
							VIRGO_ANALYTICS_VALUE_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "k", buf,
							VIRGO_ANALYTICS_VALUE_MAX), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "a key", "1", 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, sizeof(buf)),
			VIRGO_ANALYTICS_VALUE_MAX);

	KUNIT_EXPECT_EQ(test, virgo_analytics_store_delete(s, "k"), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_delete(s, "k"), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "k", buf, sizeof(buf)), -ENOENT);
	KUNIT_EXPECT_EQ(test, s->count, 1);
	virgo_analytics_store_clear(s);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "other", buf, sizeof(buf)), -ENOENT);
}

/* The original's bound: 500 keys, then ENOSPC; a deleted key makes room. */
static void virgo_test_analytics_bound(struct kunit *test)
{
	struct virgo_analytics_store *s = new_store(test, VIRGO_ANALYTICS_KEYS);
	char key[16], buf[8];
	unsigned int i;

	for (i = 0; i < VIRGO_ANALYTICS_KEYS; i++) {
		snprintf(key, sizeof(key), "key%u", i);
		KUNIT_ASSERT_EQ(test, virgo_analytics_store_set(s, key, key, 3), 0);
	}
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "one.more", "1", 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_add(s, "one.more"), -ENOSPC);
	/* A key there already takes a new value. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "key7", "new", 3), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "key7", buf, sizeof(buf)), 3);
	KUNIT_EXPECT_STREQ(test, buf, "new");
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_get(s, "key499", buf, sizeof(buf)), 3);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_delete(s, "key0"), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(s, "one.more", "1", 1), 0);
	KUNIT_EXPECT_EQ(test, s->count, VIRGO_ANALYTICS_KEYS);
	virgo_analytics_store_clear(s);
}

/* What the test notifier heard: "<action>:<key>=<value>[!]" each time. */
static char heard[256];

static int test_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct virgo_analytics_change *c = data;
	size_t n = strlen(heard);

	if (strncmp(c->key, "kunit.", 6))
		return NOTIFY_DONE;
	if (action == VIRGO_ANALYTICS_CHECK && !strcmp(c->key, "kunit.veto"))
		return notifier_from_errno(-EINVAL);
	snprintf(heard + n, sizeof(heard) - n, "%lu:%s=%s%s ", action, c->key,
		 c->value ?: "", c->fresh ? "!" : "");
	return NOTIFY_OK;
}

static struct notifier_block test_nb = { .notifier_call = test_notify };

/*
 * The kernel-wide store's notifier: CHECK, SET (fresh the first time) and
 * DELETE in order, a veto that changes nothing; and the balancer's keys
 * through it, as userspace would set them.
 */
static void virgo_test_analytics_notifier(struct kunit *test)
{
	enum virgo_policy policy = virgo_balancer_policy();
	char buf[8];
	u64 v;
	bool b;

	heard[0] = '\0';
	KUNIT_ASSERT_EQ(test, virgo_analytics_register_notifier(&test_nb), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "kunit.a", "1", 1), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "kunit.a", "2", 1), 0);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "kunit.veto", "1", 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_analytics_get("kunit.veto", buf, sizeof(buf)), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_analytics_get_u64("kunit.a", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 2);
	KUNIT_EXPECT_EQ(test, virgo_analytics_get_bool("kunit.a", &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_delete(&virgo_analytics, "kunit.a"), 0);
	KUNIT_EXPECT_STREQ(test, heard, "0:kunit.a=1 1:kunit.a=1! 0:kunit.a=2 1:kunit.a=2 2:kunit.a= ");
	virgo_analytics_unregister_notifier(&test_nb);

	/* The balancer's keys: weights (one key a node), the policy. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "balancer.weight.2",
							"7", 1), 0);
	KUNIT_EXPECT_EQ(test, virgo_balancer_weight(2), 7);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "balancer.weight.02",
							"5", 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "balancer.weight.2",
							"1001", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_balancer_weight(2), 7);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_delete(&virgo_analytics, "balancer.weight.2"), 0);
	KUNIT_EXPECT_EQ(test, virgo_balancer_weight(2), 1);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "balancer.policy",
							"random", 6), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_balancer_policy(), policy);
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_set(&virgo_analytics, "balancer.policy",
							"round-robin", 11), 0);
	KUNIT_EXPECT_EQ(test, virgo_balancer_policy(), VIRGO_POLICY_ROUND_ROBIN);
	/* Deleted: the policy from before the key. */
	KUNIT_EXPECT_EQ(test, virgo_analytics_store_delete(&virgo_analytics, "balancer.policy"), 0);
	KUNIT_EXPECT_EQ(test, virgo_balancer_policy(), policy);
}

static struct kunit_case virgo_analytics_cases[] = {
	KUNIT_CASE(virgo_test_analytics_keys),
	KUNIT_CASE(virgo_test_analytics_values),
	KUNIT_CASE(virgo_test_analytics_store),
	KUNIT_CASE(virgo_test_analytics_bound),
	KUNIT_CASE(virgo_test_analytics_notifier),
	{}
};

static struct kunit_suite virgo_analytics_suite = {
	.name = "virgo_analytics",
	.test_cases = virgo_analytics_cases,
};

kunit_test_suite(virgo_analytics_suite);
