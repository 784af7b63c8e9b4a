// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - virgo_publish(2) and virgo_wait(2)
 *
 * Documentation/virgo/queue.rst lists every errno.
 */

#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <trace/events/virgo.h>
#include "queue.h"

#define VIRGO_PUBLISH_FLAGS	VIRGO_PUBLISH_NODE

/* Only the errnos queue.rst documents: what the core or the node said. */
static int virgo_queue_errno(int err)
{
	switch (err) {
	case -EPERM: case -EINVAL: case -E2BIG: case -EFAULT: case -EAGAIN:
	case -EHOSTUNREACH: case -ECONNREFUSED: case -ETIMEDOUT: case -EIO:
	case -ENOENT: case -ESHUTDOWN: case -EINTR: case -ENOMEM: case -EPROTO:
	case -ENOTCONN: case -EACCES: case -EMSGSIZE:
		return err;
	case -ERESTARTSYS:
		return -EINTR;		/* it may be queued: no restart */
	case -ECONNRESET: case -ECONNABORTED: case -EPIPE:
		return -ENOTCONN;
	case -ENETUNREACH: case -EHOSTDOWN:
		return -EHOSTUNREACH;
	case -ENOKEY:
		return -EACCES;
	case -ENOSPC: case -EDQUOT: case -EROFS:
		return -EIO;
	default:
		return -EPROTO;
	}
}

VIRGO_SYSCALL_DEFINE2(virgo_publish, struct virgo_publish_args __user *, uargs,
		size_t, usize)
{
	char service[VIRGO_SERVICE_NAME_MAX];
	struct virgo_publish_args args;
	kuid_t owner = current_fsuid();
	struct virgo_msg_id id;
	u32 queued_on;
	u64 lamport;
	void *data;
	long len;
	int ret;

	if (!virgo_caller_permitted(READ_ONCE(virgo_queue_set.caller_gid)))
		return -EPERM;
	if (usize < VIRGO_PUBLISH_ARGS_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&args, sizeof(args), uargs, usize);
	if (ret)
		return ret;
	if (args.flags & ~VIRGO_PUBLISH_FLAGS || args.__reserved || args.__reserved2)
		return -EINVAL;
	if (args.flags & VIRGO_PUBLISH_NODE ?
	    !args.node || args.node > VIRGO_MAX_NODES : args.node)
		return -EINVAL;
	if (args.data_len > VIRGO_QUEUE_DATA_MAX)
		return -E2BIG;
	len = strncpy_from_user(service, u64_to_user_ptr(args.service), sizeof(service));
	if (len < 0)
		return len;
	if (len == sizeof(service))
		return -ENAMETOOLONG;
	if (!virgo_qservice_ok(service))
		return -EINVAL;

	data = vmemdup_user(u64_to_user_ptr(args.data), args.data_len);
	if (IS_ERR(data))
		return PTR_ERR(data);
	ret = virgo_queue_publish(args.node, service, data, args.data_len, &owner,
				  &id, &lamport, &queued_on);
	kvfree(data);
	if (ret)
		return virgo_queue_errno(ret);
	if (copy_to_user(&uargs->id, &id, sizeof(id)) ||
	    put_user(lamport, &uargs->lamport) ||
	    put_user(queued_on, &uargs->queued_on))
		return -EFAULT;
	return 0;
}

VIRGO_SYSCALL_DEFINE2(virgo_wait, struct virgo_wait_args __user *, uargs, size_t, usize)
{
	struct virgo_wait_args args;
	kuid_t owner = current_fsuid();
	struct virgo_qtake t = {};
	int ret;

	if (!virgo_caller_permitted(READ_ONCE(virgo_queue_set.caller_gid)))
		return -EPERM;
	if (usize < VIRGO_WAIT_ARGS_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&args, sizeof(args), uargs, usize);
	if (ret)
		return ret;
	if (args.flags || args.__reserved || !virgo_qid_ok(&args.id) ||
	    args.timeout_ms > VIRGO_WAIT_TIMEOUT_MAX_MS)
		return -EINVAL;

	/* Where the results go must take them before the REPLY is taken. */
	if (put_user(0, &uargs->status) || put_user(0, &uargs->result_size) ||
	    put_user(0, &uargs->lamport) || put_user(0, &uargs->ran_on))
		return -EFAULT;

	/* CAP_SYS_ADMIN collects any REPLY; others only their own. */
	t.owner = has_capability_noaudit(current, CAP_SYS_ADMIN) ? NULL : &owner;
	t.buf = (void __force *)u64_to_user_ptr(args.result);
	t.user = true;
	t.room = args.result_len;
	ret = virgo_queue_wait(&args.id, &t, args.timeout_ms);
	if (ret >= 0 || ret == -EMSGSIZE) {
		if (put_user(t.status, &uargs->status) ||
		    put_user((u64)t.size, &uargs->result_size) ||
		    put_user(t.lamport, &uargs->lamport) ||
		    put_user(t.ran_on, &uargs->ran_on))
			return -EFAULT;
	}
	return ret >= 0 ? ret : virgo_queue_errno(ret);
}
