/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VIRGO cloud kernel - userspace API
 *
 * System call numbers, structures and flags shared by the kernel and its
 * callers (libvirgo, the virgo CLI, the selftests). See
 * Documentation/virgo/ for what each call does and every errno it returns.
 */
#ifndef _UAPI_LINUX_VIRGO_H
#define _UAPI_LINUX_VIRGO_H

/*
 * VIRGO_ABI_VERSION - the revision of this interface, readable at run time
 * from /sys/kernel/virgo/abi_version. It grows when a call or structure is
 * added, or when one changes meaning: 7 made virgo_open()'s descriptor a
 * file descriptor of the caller's (it was a 64-bit handle of the node).
 */
#define VIRGO_ABI_VERSION	7

#include <linux/types.h>

/**
 * struct virgo_msg_id - a queue message's id, unique in the cluster
 * @node: the node that published it (where its REPLY goes)
 * @epoch: that node's boot epoch: it grows at every start of its queue
 * @seq: 1, 2, ... within the epoch
 *
 * Written "<node>:<epoch>:<seq>" in text.
 */
struct virgo_msg_id {
	__u32 node;
	__u32 epoch;
	__aligned_u64 seq;
};

/*
 * virgo_clone(2): run a function on a node of the cluster and return its
 * result.
 *
 *	long virgo_clone(struct virgo_clone_args *args, size_t size);
 *
 * @size is sizeof(struct virgo_clone_args) as the caller knows it (at
 * least VIRGO_CLONE_ARGS_SIZE_VER0); the structure only ever grows.
 * Returns how many result bytes were copied to @result, or -errno; on
 * success @status, @result_size and @ran_on are filled in.
 */
/*
 * VIRGO_CLONE_NODE: run on @node, not where the balancer picks.
 * VIRGO_CLONE_EXEC: @func is a program in the node's allow-listed
 * directory; @arg holds its arguments, each ended by a NUL.
 * VIRGO_CLONE_ASYNC: do not wait: publish the call to the chosen node's
 * queue (the KingCobra service "clone", or "exec" with VIRGO_CLONE_EXEC),
 * put the message's id in @msg_id and return 0. The result comes back as
 * the message's REPLY: collect it with virgo_wait(2). Needs @size of at
 * least VIRGO_CLONE_ARGS_SIZE_VER1.
 */
#define VIRGO_CLONE_NODE	(1ULL << 0)
#define VIRGO_CLONE_EXEC	(1ULL << 1)
#define VIRGO_CLONE_ASYNC	(1ULL << 2)

#define VIRGO_FUNC_NAME_MAX	64	/* longest name, with its NUL */
#define VIRGO_CLONE_ARG_MAX	65536	/* longest argument */
#define VIRGO_CLONE_RESULT_MAX	65536	/* longest result a node returns */
#define VIRGO_CLONE_TIMEOUT_MS	10000	/* when @timeout_ms is 0 */
#define VIRGO_CLONE_TIMEOUT_MAX_MS 600000

/**
 * struct virgo_clone_args - what to run where, and what came back
 * @func: in: pointer to the NUL-terminated function or program name
 * @arg: in: pointer to the argument bytes
 * @arg_len: in: how many
 * @result: in: pointer to a buffer for the result bytes
 * @result_len: in: its size
 * @flags: in: VIRGO_CLONE_*
 * @node: in: with VIRGO_CLONE_NODE, the node to run on
 * @timeout_ms: in: how long to wait for the result; 0: VIRGO_CLONE_TIMEOUT_MS
 * @status: out: the function's return value, or the program's exit status
 *	(128 + signal number if a signal ended it)
 * @result_size: out: the whole result's size; more than @result_len means
 *	the result was cut to fit
 * @ran_on: out: the node that ran it
 * @__reserved: zero
 * @msg_id: out: with VIRGO_CLONE_ASYNC, the id of the published message
 */
struct virgo_clone_args {
	__aligned_u64 func;
	__aligned_u64 arg;
	__aligned_u64 arg_len;
	__aligned_u64 result;
	__aligned_u64 result_len;
	__aligned_u64 flags;
	__u32 node;
	__u32 timeout_ms;
	__s64 status;
	__aligned_u64 result_size;
	__u32 ran_on;
	__u32 __reserved;
	struct virgo_msg_id msg_id;
};

#define VIRGO_CLONE_ARGS_SIZE_VER0	80
#define VIRGO_CLONE_ARGS_SIZE_VER1	96	/* + msg_id */

/*
 * Cluster memory (549-552):
 *
 *	long virgo_malloc(__u64 size, __u64 *vuid);
 *	long virgo_set(__u64 vuid, const void *buf, __u64 len, __u64 off);
 *	long virgo_get(__u64 vuid, void *buf, __u64 len, __u64 off);
 *	long virgo_free(__u64 vuid);
 *
 * A VUID is an opaque handle. set and get return @len, or -errno.
 */
#define VIRGO_MALLOC_MAX	(64ULL << 20)	/* largest allocation */

/*
 * Files on other nodes (553-556):
 *
 *	long virgo_open(const char *path, __u64 flags, __u32 mode);
 *	long virgo_close(__s64 fd);
 *	long virgo_read(__s64 fd, void *buf, __u64 count, __s64 pos);
 *	long virgo_write(__s64 fd, const void *buf, __u64 count, __s64 pos);
 *
 * @flags: O_RDONLY/O_WRONLY/O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
 * O_CLOEXEC in the lower half; VIRGO_OPEN_NODE(id) to open on node @id,
 * else the load balancer picks. The result is a file descriptor of the
 * caller's that names the node's file: read(2), write(2), pread(2),
 * pwrite(2), lseek(2) (not SEEK_END), dup(2), fork(2) and close(2) work on
 * it, and the node's file is closed when its last reference goes (at the
 * latest when the process exits). virgo_read() and virgo_write() read and
 * write it at @pos, as pread and pwrite do, at most VIRGO_IO_MAX bytes a
 * call, and return how many; virgo_close() is close(2) for these files.
 */
#define VIRGO_OPEN_NODE(id)	((__u64)(id) << 32)
#define VIRGO_IO_MAX		(1 << 20)

/*
 * The queue and KingCobra (557-558):
 *
 *	long virgo_publish(struct virgo_publish_args *args, size_t size);
 *	long virgo_wait(struct virgo_wait_args *args, size_t size);
 *
 * virgo_publish() sends a REQUEST for the KingCobra service @service to
 * the node the load balancer picks (or @node with VIRGO_PUBLISH_NODE). It
 * returns 0 once that node has the request on its disk; @id and @lamport
 * are filled in. The node services it and sends the REPLY back to this
 * node, where virgo_wait() collects it, once. Both return -errno on
 * failure (Documentation/virgo/queue.rst lists them).
 */
#define VIRGO_PUBLISH_NODE	(1ULL << 0)
#define VIRGO_SERVICE_NAME_MAX	64		/* with the NUL */
#define VIRGO_QUEUE_DATA_MAX	65536		/* request and reply payloads */
#define VIRGO_WAIT_TIMEOUT_MAX_MS 600000

/**
 * struct virgo_publish_args - a request to publish
 * @service: in: pointer to the NUL-terminated service name
 * @data: in: pointer to the payload
 * @data_len: in: its length, at most VIRGO_QUEUE_DATA_MAX
 * @flags: in: VIRGO_PUBLISH_*
 * @node: in: with VIRGO_PUBLISH_NODE, the node that services it
 * @__reserved: zero
 * @id: out: the message's id
 * @lamport: out: its Lamport time
 * @queued_on: out: the node that queued it
 * @__reserved2: zero
 */
struct virgo_publish_args {
	__aligned_u64 service;
	__aligned_u64 data;
	__aligned_u64 data_len;
	__aligned_u64 flags;
	__u32 node;
	__u32 __reserved;
	struct virgo_msg_id id;
	__aligned_u64 lamport;
	__u32 queued_on;
	__u32 __reserved2;
};

#define VIRGO_PUBLISH_ARGS_SIZE_VER0	72

/**
 * struct virgo_wait_args - collect a message's REPLY
 * @id: in: the message
 * @result: in: pointer to a buffer for the reply's payload
 * @result_len: in: its size
 * @timeout_ms: in: how long to wait; 0: do not wait (-EAGAIN if the
 *	REPLY has not come yet)
 * @flags: in: zero
 * @status: out: the service's status (a negative errno for failures)
 * @result_size: out: the payload's size. When it is more than
 *	@result_len, the call fails with -EMSGSIZE and the REPLY stays.
 * @lamport: out: the REPLY's Lamport time
 * @ran_on: out: the node that serviced it, 0 if not known (a REPLY
 *	recovered from the log after a restart)
 * @__reserved: zero
 */
struct virgo_wait_args {
	struct virgo_msg_id id;
	__aligned_u64 result;
	__aligned_u64 result_len;
	__u32 timeout_ms;
	__u32 flags;
	__s64 status;
	__aligned_u64 result_size;
	__aligned_u64 lamport;
	__u32 ran_on;
	__u32 __reserved;
};

#define VIRGO_WAIT_ARGS_SIZE_VER0	72

/*
 * Cluster locks (cloudsync):
 *
 *	int virgo_lock(struct virgo_lock_args *args, size_t size);
 *	long virgo_unlock(int fd, unsigned int flags);
 *
 * virgo_lock() takes the cluster-wide lock @name and returns a file
 * descriptor that holds it: the kernel renews the lock's lease while the
 * descriptor is open, and the lock is released when it is closed (the
 * last reference: dup and fork share it). @token, the lock's fencing
 * token, is larger than that of every earlier holder of any lock of the
 * cluster. The descriptor polls readable and hung up once the lease is
 * lost (the lock may then be someone else's). virgo_unlock() releases it
 * and says whether it was still held to the end: 0, or -ESTALE when the
 * lease had been lost. Documentation/virgo/cloudsync.rst lists the errors.
 */
#define VIRGO_LOCK_NAME_MAX	64		/* bytes, without a NUL */
#define VIRGO_LOCK_TRY		(1U << 0)	/* fail with -EAGAIN, don't wait */
#define VIRGO_LOCK_CLOEXEC	(1U << 1)	/* the descriptor's O_CLOEXEC */
#define VIRGO_LOCK_TIMEOUT_MAX_MS 600000

/**
 * struct virgo_lock_args - a lock to take
 * @name: in: pointer to the lock's name: 1 to VIRGO_LOCK_NAME_MAX bytes
 *	of [A-Za-z0-9_.:/@+-]
 * @name_len: in: its length
 * @timeout_ms: in: how long to wait for it (-ETIMEDOUT after), at most
 *	VIRGO_LOCK_TIMEOUT_MAX_MS; ignored with VIRGO_LOCK_TRY
 * @flags: in: VIRGO_LOCK_*
 * @__reserved: zero
 * @token: out: the fencing token
 * @lease_ms: out: the lease's length; the kernel renews it
 * @__reserved2: zero
 */
struct virgo_lock_args {
	__aligned_u64 name;
	__u32 name_len;
	__u32 timeout_ms;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 token;
	__u32 lease_ms;
	__u32 __reserved2;
};

#define VIRGO_LOCK_ARGS_SIZE_VER0	40

/*
 * System call numbers (x86_64). 548 is the first number past the legacy
 * x32 range; the order is the original VIRGO's. They match the generated
 * <asm/unistd_64.h>, so either header may be included first.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
#ifndef __NR_virgo_clone
#define __NR_virgo_clone	548
#define __NR_virgo_malloc	549
#define __NR_virgo_set		550
#define __NR_virgo_get		551
#define __NR_virgo_free		552
#define __NR_virgo_open		553
#define __NR_virgo_close	554
#define __NR_virgo_read		555
#define __NR_virgo_write	556
#define __NR_virgo_publish	557
#define __NR_virgo_wait		558
#define __NR_virgo_lock		559
#define __NR_virgo_unlock	560
#endif
#endif

/*
 * Service ports: every node's VIRGO services listen on these TCP ports.
 * Each speaks a line protocol (Documentation/virgo/core.rst).
 */
#define VIRGO_PORT_CPUPOOL	10000
#define VIRGO_PORT_EVENTNET	20000
#define VIRGO_PORT_MEMPOOL	30000
#define VIRGO_PORT_CORE		40000
#define VIRGO_PORT_CLOUDSYNC	45000
#define VIRGO_PORT_CLOUDFS	50000
#define VIRGO_PORT_QUEUE	60000

/*
 * Keyed clusters: a key of VIRGO_KEY_MIN..VIRGO_KEY_MAX bytes. Every
 * connection opens with handshake VIRGO_AUTH_VERSION, in which both sides
 * prove the key over a transcript of both nonces (VIRGO_AUTH_NONCE bytes),
 * the service port and both node ids, the server first. Every byte after
 * it travels in frames: a 4-byte big-endian length of what follows the
 * head and the sender's Lamport time (8 bytes, big-endian), then the data
 * sealed with ChaCha20-Poly1305 under a per-connection key per direction,
 * the frame's sequence number as nonce and the head as associated data;
 * a whole frame is at most VIRGO_FRAME_SIZE bytes.
 * Documentation/virgo/core.rst gives the exchange and the derivations.
 */
#define VIRGO_KEY_MIN		16
#define VIRGO_KEY_MAX		64
#define VIRGO_AUTH_VERSION	3
#define VIRGO_AUTH_LABEL	"virgo-auth-v3"
#define VIRGO_AUTH_NONCE	32
#define VIRGO_AUTH_HEX		(2 * VIRGO_AUTH_NONCE)	/* nonces, proofs */
#define VIRGO_FRAME_SIZE	16384
#define VIRGO_FRAME_HEAD	12	/* length, Lamport time */
#define VIRGO_FRAME_TAG		16
#define VIRGO_FRAME_DATA_MAX	(VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD - VIRGO_FRAME_TAG)

#endif /* _UAPI_LINUX_VIRGO_H */
