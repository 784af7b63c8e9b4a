// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - KingCobra: the services that answer queued requests
 *
 * Kernel code registers a service by name (virgo_kingcobra_register());
 * the queue's worker runs it for each REQUEST that names it and sends
 * what it wrote as the REPLY. Built in:
 *	echo		the REPLY is the request
 *	problem-report	logged in the kernel log and answered
 *	suggestion	the same
 *	clone, exec	run a cpupool kernel function (or an allow-listed
 *			program) on this node: the payload's first line is
 *			"<name> [<timeout_ms>]", the rest its argument; the
 *			REPLY is its result, with its status
 * A REQUEST for a service that is not registered gets a REPLY with
 * status -ENOENT.
 */

#include <linux/module.h>
#include <linux/mutex.h>
#include "queue.h"

static LIST_HEAD(virgo_kingcobra_services);
static DEFINE_MUTEX(virgo_kingcobra_lock);	/* protects the list */

static struct virgo_function *virgo_kingcobra_find(const char *name)
{
	struct virgo_function *f;

	list_for_each_entry(f, &virgo_kingcobra_services, entry)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/**
 * virgo_kingcobra_register() - offer a service to the cluster's requests
 * @f: its name (as a function name), handler and module
 *
 * Return: 0; -EINVAL for a bad name; -EEXIST when the name is taken.
 */
int virgo_kingcobra_register(struct virgo_function *f)
{
	int ret = 0;

	if (!f->fn || !virgo_qservice_ok(f->name))
		return -EINVAL;
	mutex_lock(&virgo_kingcobra_lock);
	if (virgo_kingcobra_find(f->name))
		ret = -EEXIST;
	else
		list_add_tail(&f->entry, &virgo_kingcobra_services);
	mutex_unlock(&virgo_kingcobra_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(virgo_kingcobra_register);

void virgo_kingcobra_unregister(struct virgo_function *f)
{
	mutex_lock(&virgo_kingcobra_lock);
	list_del(&f->entry);
	mutex_unlock(&virgo_kingcobra_lock);
}
EXPORT_SYMBOL_GPL(virgo_kingcobra_unregister);

/* The message a built-in service is running for. */
struct virgo_kingcobra_call {
	struct virgo_fn_ctx ctx;
	const struct virgo_qmsg *m;
};

long virgo_kingcobra_run(const struct virgo_qmsg *m, struct virgo_fn_ctx *ctx)
{
	struct virgo_kingcobra_call call = { .ctx = *ctx, .m = m };
	struct virgo_function *f;
	long status;

	mutex_lock(&virgo_kingcobra_lock);
	f = virgo_kingcobra_find(m->service);
	if (f && !try_module_get(f->owner))
		f = NULL;
	mutex_unlock(&virgo_kingcobra_lock);
	if (!f) {
		virgo_fn_printf(ctx, "no such service: %s", m->service);
		return -ENOENT;
	}
	status = f->fn(&call.ctx);
	module_put(f->owner);
	ctx->result_len = call.ctx.result_len;
	return status;
}

static long virgo_kingcobra_echo(struct virgo_fn_ctx *ctx)
{
	virgo_fn_write(ctx, ctx->arg, ctx->arg_len);
	return 0;
}

static long virgo_kingcobra_note(struct virgo_fn_ctx *ctx, const char *what)
{
	const struct virgo_qmsg *m = container_of(ctx, struct virgo_kingcobra_call,
						  ctx)->m;
	size_t shown = min_t(size_t, ctx->arg_len, 200);

	/* %pE: control bytes and the like are escaped, never printed raw. */
	pr_info("kingcobra: %s " VIRGO_QID_FMT " from node %u: %*pE%s\n", what,
		VIRGO_QID_ARG(&m->id), m->id.node, (int)shown, ctx->arg,
		shown < ctx->arg_len ? "..." : "");
	virgo_fn_printf(ctx, "%s " VIRGO_QID_FMT " logged", what,
			VIRGO_QID_ARG(&m->id));
	return 0;
}

static long virgo_kingcobra_problem(struct virgo_fn_ctx *ctx)
{
	return virgo_kingcobra_note(ctx, "problem report");
}

static long virgo_kingcobra_suggestion(struct virgo_fn_ctx *ctx)
{
	return virgo_kingcobra_note(ctx, "suggestion");
}

/* Run "<name> [<timeout_ms>]\n<argument>" through this node's cpupool. */
static long virgo_kingcobra_cpupool(struct virgo_fn_ctx *ctx, bool exec)
{
	const char *arg = ctx->arg, *nl = memchr(arg, '\n', ctx->arg_len);
	size_t head = nl ? nl - arg : ctx->arg_len;
	char first[128], line[160], reply[128], *w[4];
	struct virgo_request req = {
		.line = line,
		.op = "clone",
		.reply = reply,
		.reply_len = sizeof(reply),
		.rdata = ctx->result,
		.rdata_max = VIRGO_CLONE_RESULT_MAX,
	};
	u64 timeout = VIRGO_CLONE_TIMEOUT_MS;
	s64 status;
	int n, ret;

	if (head >= sizeof(first)) {
		virgo_fn_printf(ctx, "first line too long");
		return -EINVAL;
	}
	memcpy(first, arg, head);
	first[head] = '\0';
	n = virgo_split_words(first, w, 3);
	if (n < 1 || n > 2 || !virgo_qservice_ok(w[0]) ||
	    (n == 2 && virgo_parse_u64(w[1], VIRGO_CLONE_TIMEOUT_MAX_MS, &timeout))) {
		virgo_fn_printf(ctx, "expected \"<name> [<timeout_ms>]\" on the first line");
		return -EINVAL;
	}
	/* Within the service's own deadline: the queue waits for it. */
	timeout = min_t(u64, timeout ?: VIRGO_CLONE_TIMEOUT_MS,
			jiffies_to_msecs(max_t(long, ctx->deadline - jiffies, 1)));
	req.data = nl ? nl + 1 : arg + head;
	req.data_len = ctx->arg_len - (nl ? head + 1 : head);
	snprintf(line, sizeof(line), "%s %s %zu %llu", exec ? "execb" : "callb",
		 w[0], req.data_len, timeout);
	req.timeout_ms = timeout + VIRGO_CALL_TIMEOUT_MS;

	ret = virgo_call_request(virgo_local_id(), VIRGO_PORT_CPUPOOL, &req);
	if (!ret)
		ret = virgo_reply_error(reply);
	if (ret) {
		virgo_fn_printf(ctx, "%s %s: %s", exec ? "exec" : "call", w[0],
				virgo_errno_name(ret));
		return ret;
	}
	/* "DATA <len> <status> <node>" */
	if (virgo_split_words(reply, w, ARRAY_SIZE(w)) != 4 ||
	    kstrtos64(w[2], 10, &status)) {
		ctx->result_len = 0;
		return -EPROTO;
	}
	ctx->result_len = req.rdata_len;
	return status;
}

static long virgo_kingcobra_clone(struct virgo_fn_ctx *ctx)
{
	return virgo_kingcobra_cpupool(ctx, false);
}

static long virgo_kingcobra_exec(struct virgo_fn_ctx *ctx)
{
	return virgo_kingcobra_cpupool(ctx, true);
}

static struct virgo_function virgo_kingcobra_builtin[] = {
	{ .name = "echo", .fn = virgo_kingcobra_echo },
	{ .name = "problem-report", .fn = virgo_kingcobra_problem },
	{ .name = "suggestion", .fn = virgo_kingcobra_suggestion },
	{ .name = "clone", .fn = virgo_kingcobra_clone },
	{ .name = "exec", .fn = virgo_kingcobra_exec },
};

int virgo_kingcobra_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(virgo_kingcobra_builtin); i++) {
		ret = virgo_kingcobra_register(&virgo_kingcobra_builtin[i]);
		if (ret)
			return ret;
	}
	return 0;
}
