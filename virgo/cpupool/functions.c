// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - the kernel functions every node offers
 *
 *	virgo_cloud_test_kernelspace	the original VIRGO's test function
 *	node_info	who ran it: node id, host name, release, load
 *	echo		returns its argument (round-trip benchmarks)
 *	primes		counts the primes up to its argument (CPU work)
 *	sleep		sleeps for its argument in milliseconds
 */

#include <linux/sched.h>
#include <linux/sched/loadavg.h>
#include <linux/utsname.h>
#include "cpupool.h"

/* A decimal argument, at most @max. */
static int virgo_fn_arg_u64(struct virgo_fn_ctx *ctx, u64 max, u64 *val)
{
	char text[24];
	size_t len = ctx->arg_len;

	while (len && strchr(" \t\r\n", ((const char *)ctx->arg)[len - 1]))
		len--;
	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, ctx->arg, len);
	text[len] = '\0';
	return virgo_parse_u64(text, max, val);
}

static long virgo_fn_test_kernelspace(struct virgo_fn_ctx *ctx)
{
	pr_info("virgo_cloud_test_kernelspace() ran for a remote caller\n");
	return virgo_fn_printf(ctx, "virgo_cloud_test_kernelspace: ran on node %u\n",
			       virgo_local_id());
}

static long virgo_fn_node_info(struct virgo_fn_ctx *ctx)
{
	struct virgo_load load;

	virgo_local_load(&load);
	return virgo_fn_printf(ctx,
			       "node=%u host=%s release=%s runq=%u load1=%u.%02u freemem_kb=%llu\n",
			       virgo_local_id(), utsname()->nodename,
			       utsname()->release, load.runq, load.load1 / 100,
			       load.load1 % 100, load.freemem_kb);
}

static long virgo_fn_echo(struct virgo_fn_ctx *ctx)
{
	return virgo_fn_write(ctx, ctx->arg, ctx->arg_len);
}

#define VIRGO_PRIMES_MAX	1000000000ULL

static long virgo_fn_primes(struct virgo_fn_ctx *ctx)
{
	u64 n, i, d, count = 0;
	int ret;

	ret = virgo_fn_arg_u64(ctx, VIRGO_PRIMES_MAX, &n);
	if (ret)
		return ret;
	if (n >= 2)
		count = 1;
	for (i = 3; i <= n; i += 2) {
		for (d = 3; d * d <= i; d += 2)
			if (i % d == 0)
				break;
		count += d * d > i;
		if ((i & 0x3ff) == 1) {
			if (virgo_fn_expired(ctx))
				return -ETIMEDOUT;
			cond_resched();
		}
	}
	return virgo_fn_printf(ctx, "%llu\n", count);
}

static long virgo_fn_sleep(struct virgo_fn_ctx *ctx)
{
	unsigned long end;
	u64 ms;
	int ret;

	ret = virgo_fn_arg_u64(ctx, VIRGO_CLONE_TIMEOUT_MAX_MS, &ms);
	if (ret)
		return ret;
	/* In slices: a caller that goes away moves the deadline to now. */
	end = jiffies + msecs_to_jiffies(ms);
	while (time_before(jiffies, end)) {
		if (virgo_fn_expired(ctx))
			return -ETIMEDOUT;
		schedule_timeout_interruptible(min(end - jiffies, HZ / 10UL));
	}
	return virgo_fn_printf(ctx, "slept %llu ms\n", ms);
}

static struct virgo_function virgo_builtin_functions[] = {
	{ .name = "virgo_cloud_test_kernelspace", .fn = virgo_fn_test_kernelspace },
	{ .name = "node_info", .fn = virgo_fn_node_info },
	{ .name = "echo", .fn = virgo_fn_echo },
	{ .name = "primes", .fn = virgo_fn_primes },
	{ .name = "sleep", .fn = virgo_fn_sleep },
};

int virgo_functions_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(virgo_builtin_functions); i++) {
		ret = virgo_register_function(&virgo_builtin_functions[i]);
		if (ret) {
			while (i--)
				virgo_unregister_function(&virgo_builtin_functions[i]);
			return ret;
		}
	}
	return 0;
}

void virgo_functions_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(virgo_builtin_functions); i++)
		virgo_unregister_function(&virgo_builtin_functions[i]);
}
