// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - KUnit tests of the load balancer policies
 *
 * Chance comes from a seeded prandom state, so every run sees the same
 * numbers and a test of the distribution cannot flake.
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include "core.h"

#define PICKS 10000

static void up_nodes(struct virgo_candidate *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		c[i].id = i + 1;
		c[i].up = true;
		c[i].weight = 1;
		c[i].load = (struct virgo_load){ .runq = 1, .load1 = 50,
						 .freemem_kb = 1000 };
	}
}

/*
 * Pearson's statistic for @picks spread over @n nodes, each expecting
 * picks/n (the seed's expected requests per node), times 1000:
 * sum (c - R/N)^2 / (R/N) = sum (N c - R)^2 / (N R).
 */
static u64 chi_square_x1000(const unsigned int *count, unsigned int n,
			    unsigned int picks)
{
	u64 sum = 0;
	s64 d;
	unsigned int i;

	for (i = 0; i < n; i++) {
		d = (s64)n * count[i] - picks;
		sum += div_u64((u64)(d * d) * 1000, (u64)n * picks);
	}
	return sum;
}

static void prg_spread(struct kunit *test, unsigned int n, u64 critical_x1000)
{
	struct virgo_candidate c[8];
	unsigned int count[8] = {}, rr = 0, i;
	struct rnd_state rs;
	int pick;
	u64 chi2;

	up_nodes(c, n + 1);
	c[n].up = false;		/* a down node is never chosen */
	prandom_seed_state(&rs, 0x5eed + n);
	for (i = 0; i < PICKS; i++) {
		pick = virgo_balancer_choose(VIRGO_POLICY_PRG, c, n + 1,
					     prandom_u32_state(&rs), &rr);
		KUNIT_ASSERT_GE(test, pick, 0);
		KUNIT_ASSERT_LT(test, pick, (int)n);
		count[pick]++;
	}
	chi2 = chi_square_x1000(count, n, PICKS);
	for (i = 0; i < n; i++)
		kunit_info(test, "node %u: %u picks, expected %u\n", i + 1,
			   count[i], PICKS / n);
	kunit_info(test, "%u nodes: chi-square %llu.%03llu, p > 0.01 below %llu.%03llu\n",
		   n, chi2 / 1000, chi2 % 1000, critical_x1000 / 1000,
		   critical_x1000 % 1000);
	/* p > 0.01 at n - 1 degrees of freedom */
	KUNIT_EXPECT_LT(test, chi2, critical_x1000);
}

static void virgo_test_prg_uniform(struct kunit *test)
{
	prg_spread(test, 3, 9210);	/* chi-square 0.99 quantile, 2 dof */
	prg_spread(test, 5, 13277);	/* 4 dof */
}

/* The test must be able to fail: a skewed choice fails it. */
static void virgo_test_chi_square_detects_skew(struct kunit *test)
{
	unsigned int skewed[3] = { 3500, 3300, 3200 };
	unsigned int fair[3] = { 3334, 3333, 3333 };

	KUNIT_EXPECT_GT(test, chi_square_x1000(skewed, 3, PICKS), 9210);
	KUNIT_EXPECT_LT(test, chi_square_x1000(fair, 3, PICKS), 10);
}

static void virgo_test_least_loaded(struct kunit *test)
{
	struct virgo_candidate c[4];
	unsigned int rr = 0, hits[4] = {}, i;
	struct rnd_state rs;
	int pick;

	up_nodes(c, 4);
	c[0].load.runq = 5;
	c[1].load.load1 = 20;		/* the lightest... */
	c[2].load.load1 = 20;		/* ...tied with this one */
	c[3].load.runq = 0;		/* lighter still, but down */
	c[3].up = false;
	prandom_seed_state(&rs, 7);
	for (i = 0; i < 1000; i++) {
		pick = virgo_balancer_choose(VIRGO_POLICY_LEAST_LOADED, c, 4,
					     prandom_u32_state(&rs), &rr);
		KUNIT_ASSERT_GE(test, pick, 0);
		hits[pick]++;
	}
	KUNIT_EXPECT_EQ(test, hits[0], 0);
	KUNIT_EXPECT_EQ(test, hits[3], 0);
	/* Ties share the calls. */
	KUNIT_EXPECT_GT(test, hits[1], 400);
	KUNIT_EXPECT_GT(test, hits[2], 400);

	/* Fewer runnable tasks wins over a lower load average. */
	c[0].load = (struct virgo_load){ .runq = 0, .load1 = 900 };
	KUNIT_EXPECT_EQ(test, virgo_balancer_choose(VIRGO_POLICY_LEAST_LOADED,
						    c, 4, 0, &rr), 0);
}

static void virgo_test_round_robin(struct kunit *test)
{
	static const u32 want[] = { 1, 2, 4, 1, 2, 4 };
	struct virgo_candidate c[4];
	unsigned int rr = 0, i;
	int pick;

	up_nodes(c, 4);
	c[2].up = false;
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		pick = virgo_balancer_choose(VIRGO_POLICY_ROUND_ROBIN, c, 4, 0, &rr);
		KUNIT_ASSERT_GE(test, pick, 0);
		KUNIT_EXPECT_EQ(test, c[pick].id, want[i]);
	}
}

static void virgo_test_nobody_up(struct kunit *test)
{
	struct virgo_candidate c[2];
	unsigned int rr = 0;
	int policy;

	up_nodes(c, 2);
	c[0].up = false;
	c[1].up = false;
	for (policy = 0; policy < VIRGO_POLICY_COUNT; policy++)
		KUNIT_EXPECT_EQ(test, virgo_balancer_choose(policy, c, 2, 0, &rr),
				-EHOSTUNREACH);
	KUNIT_EXPECT_EQ(test, virgo_balancer_choose(VIRGO_POLICY_PRG, c, 0, 0, &rr),
			-EHOSTUNREACH);
}

/*
 * prg's shares follow the weights: ten random numbers that split 2^32
 * evenly pick nodes of weights 1, 1 and 8 once, once and 8 times.
 */
static void virgo_test_prg_weights(struct kunit *test)
{
	unsigned int i, rr = 0, got[4] = {};
	struct virgo_candidate c[4];
	int pick;

	up_nodes(c, 4);
	c[2].weight = 8;
	c[3].up = false;
	c[3].weight = 1000;	/* down: its weight counts for nothing */
	for (i = 0; i < 10; i++) {
		pick = virgo_balancer_choose(VIRGO_POLICY_PRG, c, 4,
					     (u32)div_u64((u64)i << 32, 10) + 1, &rr);
		KUNIT_ASSERT_GE(test, pick, 0);
		got[pick]++;
	}
	KUNIT_EXPECT_EQ(test, got[0], 1);
	KUNIT_EXPECT_EQ(test, got[1], 1);
	KUNIT_EXPECT_EQ(test, got[2], 8);
	KUNIT_EXPECT_EQ(test, got[3], 0);

	/* Weight 0: never picked while another up node has weight. */
	c[0].weight = 0;
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_NE(test, virgo_balancer_choose(VIRGO_POLICY_PRG, c, 4,
							    (u32)i << 25, &rr), 0);
	/* Every up node 0: equal shares, as if unweighted. */
	c[1].weight = c[2].weight = 0;
	memset(got, 0, sizeof(got));
	for (i = 0; i < 3; i++) {
		pick = virgo_balancer_choose(VIRGO_POLICY_PRG, c, 4,
					     (u32)div_u64((u64)i << 32, 3) + 1, &rr);
		KUNIT_ASSERT_GE(test, pick, 0);
		got[pick]++;
	}
	KUNIT_EXPECT_EQ(test, got[0], 1);
	KUNIT_EXPECT_EQ(test, got[1], 1);
	KUNIT_EXPECT_EQ(test, got[2], 1);
}

static void virgo_test_policy_names(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, virgo_policy_parse("prg\n"), VIRGO_POLICY_PRG);
	KUNIT_EXPECT_EQ(test, virgo_policy_parse("least-loaded"),
			VIRGO_POLICY_LEAST_LOADED);
	KUNIT_EXPECT_EQ(test, virgo_policy_parse("round-robin"),
			VIRGO_POLICY_ROUND_ROBIN);
	KUNIT_EXPECT_EQ(test, virgo_policy_parse("random"), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_policy_parse(""), -EINVAL);
}

static struct kunit_case virgo_balancer_cases[] = {
	KUNIT_CASE(virgo_test_prg_uniform),
	KUNIT_CASE(virgo_test_chi_square_detects_skew),
	KUNIT_CASE(virgo_test_least_loaded),
	KUNIT_CASE(virgo_test_round_robin),
	KUNIT_CASE(virgo_test_nobody_up),
	KUNIT_CASE(virgo_test_prg_weights),
	KUNIT_CASE(virgo_test_policy_names),
	{}
};

static struct kunit_suite virgo_balancer_suite = {
	.name = "virgo_balancer",
	.test_cases = virgo_balancer_cases,
};

kunit_test_suite(virgo_balancer_suite);
