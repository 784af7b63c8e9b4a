/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO tracepoints: events/virgo/ in tracefs.
 *
 *	echo 1 > /sys/kernel/tracing/events/virgo/enable
 *	cat /sys/kernel/tracing/trace_pipe
 *
 * See Documentation/virgo/core.rst, "Tracing".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM virgo

#if !defined(_TRACE_VIRGO_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_VIRGO_H

#include <linux/tracepoint.h>

/* A VIRGO system call, with its first two arguments. */
TRACE_EVENT(virgo_syscall_enter,
	TP_PROTO(const char *call, u64 arg0, u64 arg1),
	TP_ARGS(call, arg0, arg1),
	TP_STRUCT__entry(
		__string(call, call)
		__field(u64, arg0)
		__field(u64, arg1)
	),
	TP_fast_assign(
		__assign_str(call);
		__entry->arg0 = arg0;
		__entry->arg1 = arg1;
	),
	TP_printk("%s(0x%llx, 0x%llx)", __get_str(call), __entry->arg0, __entry->arg1)
);

/* Its result: a count, an id, or a negative errno. */
TRACE_EVENT(virgo_syscall_exit,
	TP_PROTO(const char *call, long ret),
	TP_ARGS(call, ret),
	TP_STRUCT__entry(
		__string(call, call)
		__field(long, ret)
	),
	TP_fast_assign(
		__assign_str(call);
		__entry->ret = ret;
	),
	TP_printk("%s = %ld", __get_str(call), __entry->ret)
);

/*
 * A request a service handled: the bytes it read, its status (0, or the
 * errno of the ERROR it answered or that closed the connection), and how
 * long it took.
 */
TRACE_EVENT(virgo_request,
	TP_PROTO(const char *service, __be32 peer, u64 bytes, int status, u64 usecs),
	TP_ARGS(service, peer, bytes, status, usecs),
	TP_STRUCT__entry(
		__string(service, service)
		__field(__be32, peer)
		__field(u64, bytes)
		__field(int, status)
		__field(u64, usecs)
	),
	TP_fast_assign(
		__assign_str(service);
		__entry->peer = peer;
		__entry->bytes = bytes;
		__entry->status = status;
		__entry->usecs = usecs;
	),
	TP_printk("%s peer=%pI4 bytes=%llu status=%d usecs=%llu", __get_str(service),
		  &__entry->peer, __entry->bytes, __entry->status, __entry->usecs)
);

/* A connection to a service: "open", "close" or "refuse", and why. */
TRACE_EVENT(virgo_conn,
	TP_PROTO(const char *service, __be32 peer, const char *what, int reason),
	TP_ARGS(service, peer, what, reason),
	TP_STRUCT__entry(
		__string(service, service)
		__field(__be32, peer)
		__string(what, what)
		__field(int, reason)
	),
	TP_fast_assign(
		__assign_str(service);
		__entry->peer = peer;
		__assign_str(what);
		__entry->reason = reason;
	),
	TP_printk("%s peer=%pI4 %s reason=%d", __get_str(service), &__entry->peer,
		  __get_str(what), __entry->reason)
);

/* A node of the table changed state ("up", "suspect", "down"). */
TRACE_EVENT(virgo_node_state,
	TP_PROTO(u32 node, const char *from, const char *to),
	TP_ARGS(node, from, to),
	TP_STRUCT__entry(
		__field(u32, node)
		__string(from, from)
		__string(to, to)
	),
	TP_fast_assign(
		__entry->node = node;
		__assign_str(from);
		__assign_str(to);
	),
	TP_printk("node=%u %s -> %s", __entry->node, __get_str(from), __get_str(to))
);

/* The balancer chose a node for a call (or found none: a negative errno). */
TRACE_EVENT(virgo_balancer_pick,
	TP_PROTO(const char *policy, int node),
	TP_ARGS(policy, node),
	TP_STRUCT__entry(
		__string(policy, policy)
		__field(int, node)
	),
	TP_fast_assign(
		__assign_str(policy);
		__entry->node = node;
	),
	TP_printk("policy=%s node=%d", __get_str(policy), __entry->node)
);

/* A queue message: published, queued here, serviced, REPLY taken. */
TRACE_EVENT(virgo_queue,
	TP_PROTO(const char *op, u32 node, u32 epoch, u64 seq, long status),
	TP_ARGS(op, node, epoch, seq, status),
	TP_STRUCT__entry(
		__string(op, op)
		__field(u32, node)
		__field(u32, epoch)
		__field(u64, seq)
		__field(long, status)
	),
	TP_fast_assign(
		__assign_str(op);
		__entry->node = node;
		__entry->epoch = epoch;
		__entry->seq = seq;
		__entry->status = status;
	),
	TP_printk("%s id=%u:%u:%llu status=%ld", __get_str(op), __entry->node,
		  __entry->epoch, __entry->seq, __entry->status)
);

/* A cluster lock: acquired, released or lost, with its fencing token. */
TRACE_EVENT(virgo_lock,
	TP_PROTO(const char *op, const char *name, u64 token, int ret),
	TP_ARGS(op, name, token, ret),
	TP_STRUCT__entry(
		__string(op, op)
		__string(name, name)
		__field(u64, token)
		__field(int, ret)
	),
	TP_fast_assign(
		__assign_str(op);
		__assign_str(name);
		__entry->token = token;
		__entry->ret = ret;
	),
	TP_printk("%s name=%s token=%llu ret=%d", __get_str(op), __get_str(name),
		  __entry->token, __entry->ret)
);

#endif /* _TRACE_VIRGO_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
