// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cpupool - virgo_clone(2)
 *
 * Runs a function (or, with VIRGO_CLONE_EXEC, a program) on the node the
 * load balancer picks or the one the caller names, through that node's
 * cpupool service, and returns its result. Documentation/virgo/cpupool.rst
 * lists every errno.
 */

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <trace/events/virgo.h>
#include "cpupool.h"

#define VIRGO_CLONE_FLAGS	(VIRGO_CLONE_NODE | VIRGO_CLONE_EXEC | VIRGO_CLONE_ASYNC)
#define VIRGO_CLONE_TRIES	3	/* balancer picks when a node is unreachable */

/* "DATA <len> <status> <node>" or "ERROR <errno-name> <text>" */
static int virgo_clone_parse_reply(char *reply, s64 *status, u32 *node)
{
	char *w[4];
	u64 id;
	int n;

	n = virgo_reply_error(reply);
	if (n)
		return n;
	n = virgo_split_words(reply, w, ARRAY_SIZE(w));
	if (n != 4 || strcmp(w[0], "DATA") || kstrtos64(w[2], 10, status) ||
	    virgo_parse_u64(w[3], VIRGO_MAX_NODES, &id) || !id)
		return -EPROTO;
	*node = id;
	return 0;
}

static bool virgo_clone_unreachable(int err)
{
	return err == -ECONNREFUSED || err == -ETIMEDOUT || err == -EHOSTUNREACH ||
	       err == -ENETUNREACH || err == -EHOSTDOWN;
}

/*
 * virgo_clone(2) returns only the errnos cpupool.rst documents: what the
 * core or the node said, mapped onto them.
 */
static int virgo_clone_errno(int err)
{
	switch (err) {
	case -EPERM: case -EINVAL: case -E2BIG: case -ENAMETOOLONG:
	case -EFAULT: case -ENOENT: case -EACCES: case -ENOEXEC: case -EBUSY:
	case -ETIMEDOUT: case -EHOSTUNREACH: case -ECONNREFUSED: case -EINTR:
	case -ENOTCONN: case -ESHUTDOWN: case -ENOMEM: case -EPROTO:
		return err;
	case -ERESTARTSYS:
		return -EINTR;		/* the node may have run it: no restart */
	case -ECONNRESET: case -ECONNABORTED: case -EPIPE:
		return -ENOTCONN;	/* the connection broke during the call */
	case -ENETUNREACH: case -EHOSTDOWN:
		return -EHOSTUNREACH;
	case -ENOKEY:
		return -EACCES;		/* the key was cleared meanwhile */
	default:
		return -EPROTO;		/* EMSGSIZE, EIO, EBADMSG, ... */
	}
}

/* Ask @node, or balancer picks until one is reachable. */
static int virgo_clone_call(const struct virgo_clone_args *args,
			    struct virgo_request *req)
{
	int node, tries, ret;

	for (tries = 1; ; tries++) {
		node = args->flags & VIRGO_CLONE_NODE ? args->node : virgo_balancer_pick();
		if (node < 0)
			return node;
		ret = virgo_call_request(node, VIRGO_PORT_CPUPOOL, req);
		if (!ret || !virgo_clone_unreachable(ret))
			return ret;
		/*
		 * No answer, not even the node's own ETIMEDOUT: the balancer
		 * avoids it until it answers a poll. Only a request that never
		 * left may go to another node.
		 */
		virgo_node_unreachable(node);
		if (req->sent || args->flags & VIRGO_CLONE_NODE ||
		    tries == VIRGO_CLONE_TRIES)
			return ret;
	}
}

/*
 * VIRGO_CLONE_ASYNC: publish "<name> <timeout_ms>\n<arg>" to the KingCobra
 * service clone (or exec) of the node, and hand back the message's id.
 */
static int virgo_clone_async(const struct virgo_clone_args *args,
			     struct virgo_clone_args __user *uargs,
			     const char *name, const void *arg, u32 timeout)
{
	kuid_t owner = current_fsuid();
	struct virgo_msg_id id;
	u32 queued_on;
	u64 lamport;
	char *msg;
	int head, ret;

	msg = kvmalloc(VIRGO_QUEUE_DATA_MAX, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	head = snprintf(msg, VIRGO_QUEUE_DATA_MAX, "%s %u\n", name, timeout);
	ret = -E2BIG;
	if (args->arg_len > VIRGO_QUEUE_DATA_MAX - head)
		goto out;
	memcpy(msg + head, arg, args->arg_len);
	ret = virgo_queue_publish(args->flags & VIRGO_CLONE_NODE ? args->node : 0,
				  args->flags & VIRGO_CLONE_EXEC ? "exec" : "clone",
				  msg, head + args->arg_len, &owner, &id, &lamport,
				  &queued_on);
	if (ret == -EOPNOTSUPP)
		ret = -EINVAL;		/* no queue in this kernel */
	else if (ret)
		ret = virgo_clone_errno(ret == -EAGAIN ? -EBUSY : ret);
	else if (copy_to_user(&uargs->msg_id, &id, sizeof(id)) ||
		 put_user(queued_on, &uargs->ran_on))
		ret = -EFAULT;
out:
	kvfree(msg);
	return ret;
}

VIRGO_SYSCALL_DEFINE2(virgo_clone, struct virgo_clone_args __user *, uargs,
		size_t, usize)
{
	struct virgo_clone_args args;
	char name[VIRGO_FUNC_NAME_MAX], line[128], reply[128];
	struct virgo_request req = {
		.line = line,
		.op = "clone",
		.reply = reply,
		.reply_len = sizeof(reply),
		.rdata_max = VIRGO_CLONE_RESULT_MAX,
	};
	u32 timeout, ran_on = 0;
	s64 status = 0;
	size_t copy;
	void *arg;
	long len;
	int ret;

	/* The node's key speaks for the caller: not every local user may. */
	if (!virgo_caller_permitted(READ_ONCE(virgo_cpupool.caller_gid)))
		return -EPERM;
	if (usize < VIRGO_CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&args, sizeof(args), uargs, usize);
	if (ret)
		return ret;
	if (args.flags & ~VIRGO_CLONE_FLAGS || args.__reserved ||
	    args.timeout_ms > VIRGO_CLONE_TIMEOUT_MAX_MS)
		return -EINVAL;
	if (args.flags & VIRGO_CLONE_NODE ?
	    !args.node || args.node > VIRGO_MAX_NODES : args.node)
		return -EINVAL;
	if (args.flags & VIRGO_CLONE_ASYNC && usize < VIRGO_CLONE_ARGS_SIZE_VER1)
		return -EINVAL;
	if (args.arg_len > VIRGO_CLONE_ARG_MAX)
		return -E2BIG;

	len = strncpy_from_user(name, u64_to_user_ptr(args.func), sizeof(name));
	if (len < 0)
		return len;
	if (len == sizeof(name))
		return -ENAMETOOLONG;
	if (!virgo_cpupool_name_ok(name))
		return -EINVAL;

	arg = vmemdup_user(u64_to_user_ptr(args.arg), args.arg_len);
	if (IS_ERR(arg))
		return PTR_ERR(arg);
	timeout = args.timeout_ms ?: VIRGO_CLONE_TIMEOUT_MS;
	if (args.flags & VIRGO_CLONE_ASYNC) {
		ret = virgo_clone_async(&args, uargs, name, arg, timeout);
		goto out;
	}
	req.rdata = kvmalloc(VIRGO_CLONE_RESULT_MAX, GFP_KERNEL);
	if (!req.rdata) {
		ret = -ENOMEM;
		goto out;
	}

	snprintf(line, sizeof(line), "%s %s %llu %u",
		 args.flags & VIRGO_CLONE_EXEC ? "execb" : "callb", name,
		 args.arg_len, timeout);
	req.data = arg;
	req.data_len = args.arg_len;
	/* Room for the node's own ETIMEDOUT to arrive first. */
	req.timeout_ms = timeout + VIRGO_CALL_TIMEOUT_MS;

	ret = virgo_clone_call(&args, &req);
	if (!ret)
		ret = virgo_clone_parse_reply(reply, &status, &ran_on);
	if (ret) {
		ret = virgo_clone_errno(ret);
		goto out;
	}

	copy = min_t(u64, req.rdata_len, args.result_len);
	if (copy_to_user(u64_to_user_ptr(args.result), req.rdata, copy) ||
	    put_user(status, &uargs->status) ||
	    put_user((u64)req.rdata_len, &uargs->result_size) ||
	    put_user(ran_on, &uargs->ran_on))
		ret = -EFAULT;
	else
		ret = copy;
out:
	kvfree(req.rdata);
	kvfree(arg);
	return ret;
}
