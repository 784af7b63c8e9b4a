// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO system call ABI tests
 *
 * The generated <asm/unistd.h> comes from the kernel's syscall table, so the
 * numbers it names prove that the table holds the VIRGO entries; the uapi
 * header must agree with it. A call whose component is not built answers
 * -ENOSYS and nothing else.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <asm/unistd.h>

#define VIRGO_NCALLS	13

/*
 * Read the table's numbers, then forget them, so that <linux/virgo.h>
 * defines its own and the two can be compared.
 */
#ifdef __NR_virgo_clone
static const long table_nr[VIRGO_NCALLS] = {
	__NR_virgo_clone, __NR_virgo_malloc, __NR_virgo_set,
	__NR_virgo_get, __NR_virgo_free, __NR_virgo_open,
	__NR_virgo_close, __NR_virgo_read, __NR_virgo_write,
#ifdef __NR_virgo_publish
	__NR_virgo_publish, __NR_virgo_wait,
#endif
#ifdef __NR_virgo_lock
	__NR_virgo_lock, __NR_virgo_unlock,
#endif
};

#define TABLE_HAS_VIRGO 1
#undef __NR_virgo_clone
#undef __NR_virgo_malloc
#undef __NR_virgo_set
#undef __NR_virgo_get
#undef __NR_virgo_free
#undef __NR_virgo_open
#undef __NR_virgo_close
#undef __NR_virgo_read
#undef __NR_virgo_write
#undef __NR_virgo_publish
#undef __NR_virgo_wait
#undef __NR_virgo_lock
#undef __NR_virgo_unlock
#else
static const long table_nr[VIRGO_NCALLS];
#define TABLE_HAS_VIRGO 0
#endif

#include <linux/virgo.h>

#include "../kselftest_harness.h"

static const struct {
	const char *name;
	long nr;
} virgo_calls[VIRGO_NCALLS] = {
	{ "virgo_clone", __NR_virgo_clone },
	{ "virgo_malloc", __NR_virgo_malloc },
	{ "virgo_set", __NR_virgo_set },
	{ "virgo_get", __NR_virgo_get },
	{ "virgo_free", __NR_virgo_free },
	{ "virgo_open", __NR_virgo_open },
	{ "virgo_close", __NR_virgo_close },
	{ "virgo_read", __NR_virgo_read },
	{ "virgo_write", __NR_virgo_write },
	{ "virgo_publish", __NR_virgo_publish },
	{ "virgo_wait", __NR_virgo_wait },
	{ "virgo_lock", __NR_virgo_lock },
	{ "virgo_unlock", __NR_virgo_unlock },
};

#define NCALLS ARRAY_SIZE(virgo_calls)

TEST(uapi_numbers_follow_the_seed_order)
{
	unsigned int i;

	for (i = 0; i < NCALLS; i++)
		EXPECT_EQ(548 + i, virgo_calls[i].nr)
			TH_LOG("call %ld", virgo_calls[i].nr);
}

TEST(syscall_table_has_every_virgo_call)
{
	unsigned int i;

	ASSERT_TRUE(TABLE_HAS_VIRGO)
		TH_LOG("<asm/unistd.h> has no __NR_virgo_*: table not patched");
	for (i = 0; i < NCALLS; i++)
		EXPECT_EQ(virgo_calls[i].nr, table_nr[i])
			TH_LOG("call %ld", virgo_calls[i].nr);
}

/* ------------------------------------------------------------ virgo_clone */

/*
 * These run on a configured node (the harness's, or any VIRGO node with
 * its node table loaded), calling the kernel function "echo" on itself.
 */
FIXTURE(clone) {
	struct virgo_clone_args args;
	char arg[64];
	char result[128];
};

FIXTURE_SETUP(clone)
{
	struct virgo_clone_args probe = { .func = (__u64)(unsigned long)"echo" };
	FILE *f;
	unsigned int id = 0;

	errno = 0;
	if (syscall(__NR_virgo_clone, &probe, sizeof(probe)) < 0 && errno == ENOSYS)
		SKIP(return, "virgo_clone not built (CONFIG_VIRGO_CPUPOOL=n)");
	f = fopen("/sys/kernel/config/virgo/node_id", "r");
	if (!f || fscanf(f, "%u", &id) != 1 || !id)
		SKIP(return, "this node is not configured (virgo config load)");
	fclose(f);

	memset(&self->args, 0, sizeof(self->args));
	strcpy(self->arg, "hello, cluster");
	self->args.func = (__u64)(unsigned long)"echo";
	self->args.arg = (__u64)(unsigned long)self->arg;
	self->args.arg_len = strlen(self->arg);
	self->args.result = (__u64)(unsigned long)self->result;
	self->args.result_len = sizeof(self->result);
	self->args.flags = VIRGO_CLONE_NODE;
	self->args.node = id;
}

FIXTURE_TEARDOWN(clone)
{
}

static long vclone(struct virgo_clone_args *args, size_t size)
{
	errno = 0;
	return syscall(__NR_virgo_clone, args, size);
}

#define EXPECT_ERRNO(err, call) do {		\
	EXPECT_EQ(-1, (call));			\
	EXPECT_EQ(err, errno);			\
} while (0)

TEST_F(clone, echo_returns_its_argument)
{
	long n = vclone(&self->args, sizeof(self->args));

	ASSERT_EQ((long)strlen(self->arg), n) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, memcmp(self->result, self->arg, n));
	EXPECT_EQ(0, self->args.status);
	EXPECT_EQ(n, self->args.result_size);
	EXPECT_EQ(self->args.node, self->args.ran_on);
}

TEST_F(clone, binary_argument_comes_back_intact)
{
	unsigned int i;

	for (i = 0; i < sizeof(self->arg); i++)
		self->arg[i] = i * 37;		/* NULs and newlines included */
	self->args.arg_len = sizeof(self->arg);
	ASSERT_EQ(sizeof(self->arg), vclone(&self->args, sizeof(self->args)));
	EXPECT_EQ(0, memcmp(self->result, self->arg, sizeof(self->arg)));
}

TEST_F(clone, short_result_buffer_gets_the_head_and_the_size)
{
	self->args.result_len = 5;
	self->result[5] = 'X';
	ASSERT_EQ(5, vclone(&self->args, sizeof(self->args)));
	EXPECT_EQ(0, memcmp(self->result, "hello", 5));
	EXPECT_EQ('X', self->result[5]);
	EXPECT_EQ(strlen(self->arg), self->args.result_size);
}

TEST_F(clone, balancer_picks_a_node)
{
	self->args.flags = 0;
	self->args.node = 0;
	ASSERT_EQ((long)strlen(self->arg), vclone(&self->args, sizeof(self->args)));
	EXPECT_NE(0, self->args.ran_on);
}

TEST_F(clone, larger_struct_with_zero_tail_is_accepted)
{
	struct {
		struct virgo_clone_args args;
		char tail[64];
	} big = { .args = self->args };

	EXPECT_EQ((long)strlen(self->arg), vclone(&big.args, sizeof(big)));
	big.tail[10] = 1;
	EXPECT_ERRNO(E2BIG, vclone(&big.args, sizeof(big)));
}

TEST_F(clone, bad_sizes)
{
	EXPECT_ERRNO(EINVAL, vclone(&self->args, VIRGO_CLONE_ARGS_SIZE_VER0 - 8));
	EXPECT_ERRNO(EINVAL, vclone(&self->args, 0));
	EXPECT_ERRNO(E2BIG, vclone(&self->args, 1 << 20));
	self->args.arg_len = VIRGO_CLONE_ARG_MAX + 1;
	EXPECT_ERRNO(E2BIG, vclone(&self->args, sizeof(self->args)));
}

/* A caller built before msg_id was added passes the first size. */
TEST_F(clone, callers_of_the_first_size_still_work)
{
	EXPECT_EQ((long)strlen(self->arg), vclone(&self->args, VIRGO_CLONE_ARGS_SIZE_VER0));
	EXPECT_EQ(0, memcmp(self->result, self->arg, strlen(self->arg)));
	EXPECT_EQ(0, self->args.status);
}

TEST_F(clone, unknown_flags_and_reserved_bits)
{
	self->args.flags |= 1ULL << 3;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	self->args.flags = 1ULL << 63;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	self->args.flags = VIRGO_CLONE_NODE;
	self->args.__reserved = 1;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	self->args.__reserved = 0;
	self->args.timeout_ms = VIRGO_CLONE_TIMEOUT_MAX_MS + 1;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
}

TEST_F(clone, bad_nodes)
{
	self->args.node = 0;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	self->args.node = 65;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	/* A node id without VIRGO_CLONE_NODE is a mistake. */
	self->args.flags = 0;
	self->args.node = 1;
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	/* Not in the node table. */
	self->args.flags = VIRGO_CLONE_NODE;
	self->args.node = 64;
	EXPECT_ERRNO(EHOSTUNREACH, vclone(&self->args, sizeof(self->args)));
}

TEST_F(clone, bad_pointers)
{
	EXPECT_ERRNO(EFAULT, vclone(NULL, sizeof(self->args)));
	EXPECT_ERRNO(EFAULT, vclone((void *)-4096L, sizeof(self->args)));
	self->args.func = 0;
	EXPECT_ERRNO(EFAULT, vclone(&self->args, sizeof(self->args)));
	self->args.func = (__u64)(unsigned long)"echo";
	self->args.arg = 8;
	EXPECT_ERRNO(EFAULT, vclone(&self->args, sizeof(self->args)));
	self->args.arg = (__u64)(unsigned long)self->arg;
	self->args.result = 8;
	EXPECT_ERRNO(EFAULT, vclone(&self->args, sizeof(self->args)));
}

TEST_F(clone, bad_and_unknown_names)
{
	char name[VIRGO_FUNC_NAME_MAX + 1];

	self->args.func = (__u64)(unsigned long)"no_such_function";
	EXPECT_ERRNO(ENOENT, vclone(&self->args, sizeof(self->args)));
	self->args.func = (__u64)(unsigned long)"../../bin/sh";
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	self->args.func = (__u64)(unsigned long)"";
	EXPECT_ERRNO(EINVAL, vclone(&self->args, sizeof(self->args)));
	memset(name, 'x', VIRGO_FUNC_NAME_MAX);
	name[VIRGO_FUNC_NAME_MAX] = '\0';
	self->args.func = (__u64)(unsigned long)name;
	EXPECT_ERRNO(ENAMETOOLONG, vclone(&self->args, sizeof(self->args)));
	/* Programs are looked up in the allow-listed directory only. */
	self->args.flags |= VIRGO_CLONE_EXEC;
	self->args.func = (__u64)(unsigned long)"sh";
	self->args.arg_len = 0;
	EXPECT_ERRNO(ENOENT, vclone(&self->args, sizeof(self->args)));
}

TEST_F(clone, unprivileged_callers_are_refused)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Not CAP_SYS_ADMIN, not in caller_gid (0): refused. */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		_exit(vclone(&self->args, sizeof(self->args)) == -1 &&
		      errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(clone, function_errors_come_back_as_status)
{
	/* sleep wants a number: the function fails, the call does not. */
	self->args.func = (__u64)(unsigned long)"sleep";
	EXPECT_EQ(0, vclone(&self->args, sizeof(self->args)));
	EXPECT_EQ(-EINVAL, self->args.status);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A 5 s function with a 300 ms deadline: ETIMEDOUT, at the deadline. */
TEST_F(clone, deadline_bounds_the_wait)
{
	long long start, took;

	strcpy(self->arg, "5000");
	self->args.func = (__u64)(unsigned long)"sleep";
	self->args.arg_len = 4;
	self->args.timeout_ms = 300;
	start = now_ms();
	EXPECT_ERRNO(ETIMEDOUT, vclone(&self->args, sizeof(self->args)));
	took = now_ms() - start;
	EXPECT_LE(280, took);
	EXPECT_GT(1300, took) TH_LOG("the call took %lld ms", took);
}

/* ------------------------------------------------------------ mempool */

FIXTURE(mem) {
	__u64 vuid;
};

FIXTURE_SETUP(mem)
{
	unsigned int id = 0;
	FILE *f;

	errno = 0;
	if (syscall(__NR_virgo_free, 0ULL) < 0 && errno == ENOSYS)
		SKIP(return, "virgo_malloc not built (CONFIG_VIRGO_MEMPOOL=n)");
	f = fopen("/sys/kernel/config/virgo/node_id", "r");
	if (!f || fscanf(f, "%u", &id) != 1 || !id)
		SKIP(return, "this node is not configured (virgo config load)");
	fclose(f);
	ASSERT_EQ(0, syscall(__NR_virgo_malloc, 100ULL, &self->vuid))
		TH_LOG("errno %d", errno);
}

FIXTURE_TEARDOWN(mem)
{
	syscall(__NR_virgo_free, self->vuid);
}

static long vmem(long nr, __u64 a, const void *b, __u64 c, __u64 d)
{
	errno = 0;
	return syscall(nr, a, b, c, d);
}

TEST_F(mem, set_and_get_any_range)
{
	char buf[16] = { 1 };

	EXPECT_EQ(10, vmem(__NR_virgo_set, self->vuid, "0123456789", 10, 90));
	EXPECT_EQ(12, vmem(__NR_virgo_get, self->vuid, buf, 12, 88));
	EXPECT_EQ(0, memcmp(buf, "\0\0" "0123456789", 12));
	EXPECT_EQ(0, vmem(__NR_virgo_get, self->vuid, buf, 0, 100));
}

TEST_F(mem, ranges_past_the_end)
{
	char buf[16];

	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_set, self->vuid, "01", 2, 99));
	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_get, self->vuid, buf, 1, 100));
	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_get, self->vuid, buf, 2, ~0ULL));
	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_get, self->vuid, buf, (1 << 20) + 1, 0));
}

TEST_F(mem, sizes)
{
	__u64 v;

	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_malloc, 0, &v, 0, 0));
	EXPECT_ERRNO(E2BIG, vmem(__NR_virgo_malloc, ~0ULL, &v, 0, 0));
}

TEST_F(mem, bad_pointers)
{
	EXPECT_ERRNO(EFAULT, vmem(__NR_virgo_malloc, 10, NULL, 0, 0));
	EXPECT_ERRNO(EFAULT, vmem(__NR_virgo_set, self->vuid, (void *)8, 4, 0));
	EXPECT_ERRNO(EFAULT, vmem(__NR_virgo_get, self->vuid, (void *)8, 4, 0));
}

TEST_F(mem, stale_forged_and_foreign_vuids)
{
	char buf[4];

	EXPECT_ERRNO(ENOENT, vmem(__NR_virgo_get, self->vuid ^ 1, buf, 1, 0));
	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_get, 0, buf, 1, 0));
	/* Node 64 is not in the table. */
	EXPECT_ERRNO(EHOSTUNREACH, vmem(__NR_virgo_get, ~0ULL, buf, 1, 0));
	EXPECT_EQ(0, vmem(__NR_virgo_free, self->vuid, NULL, 0, 0));
	EXPECT_ERRNO(ENOENT, vmem(__NR_virgo_get, self->vuid, buf, 1, 0));
	EXPECT_ERRNO(ENOENT, vmem(__NR_virgo_set, self->vuid, "x", 1, 0));
	EXPECT_ERRNO(ENOENT, vmem(__NR_virgo_free, self->vuid, NULL, 0, 0));
}

/* Larger than a chunk (1 MiB): striped, ranges across chunk edges. */
TEST_F(mem, striped_allocation)
{
	const size_t size = (3 << 20) + 1, len = 2 << 20;
	unsigned char *in = malloc(len), *out = malloc(len);
	__u64 v;
	size_t i;

	ASSERT_TRUE(in && out);
	for (i = 0; i < len; i++)
		in[i] = i * 131 + (i >> 12);
	ASSERT_EQ(0, vmem(__NR_virgo_malloc, size, &v, 0, 0)) TH_LOG("errno %d", errno);
	EXPECT_EQ((long)len, vmem(__NR_virgo_set, v, in, len, (1 << 20) - 100));
	memset(out, 0, len);
	EXPECT_EQ((long)len, vmem(__NR_virgo_get, v, out, len, (1 << 20) - 100));
	EXPECT_EQ(0, memcmp(in, out, len));
	/* The last byte is there; one past it is not. */
	EXPECT_EQ(1, vmem(__NR_virgo_set, v, "z", 1, size - 1));
	EXPECT_ERRNO(EINVAL, vmem(__NR_virgo_get, v, out, 2, size - 1));
	EXPECT_EQ(0, vmem(__NR_virgo_get, v, out, 0, size));
	EXPECT_EQ(0, vmem(__NR_virgo_free, v, NULL, 0, 0));
	EXPECT_ERRNO(ENOENT, vmem(__NR_virgo_get, v, out, 1, 0));
	EXPECT_ERRNO(ENOENT, vmem(__NR_virgo_free, v, NULL, 0, 0));
	EXPECT_ERRNO(E2BIG, vmem(__NR_virgo_malloc, (64 << 20) + 1, &v, 0, 0));
	free(in);
	free(out);
}

TEST_F(mem, unprivileged_callers_are_refused)
{
	char buf[4];
	int status;
	pid_t pid;
	__u64 v;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Not CAP_SYS_ADMIN, not in caller_gid (0): refused. */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		_exit(vmem(__NR_virgo_malloc, 1, &v, 0, 0) == -1 && errno == EPERM &&
		      vmem(__NR_virgo_get, self->vuid, buf, 1, 0) == -1 && errno == EPERM &&
		      vmem(__NR_virgo_set, self->vuid, buf, 1, 0) == -1 && errno == EPERM &&
		      vmem(__NR_virgo_free, self->vuid, NULL, 0, 0) == -1 && errno == EPERM ?
		      0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(1, vmem(__NR_virgo_get, self->vuid, buf, 1, 0));
}

/* The original VIRGO's test: two processes, 100 rounds each, own data. */
static int mem_rounds(int who)
{
	char in[200], out[200];
	int i, n, bad = 0;
	__u64 v;

	for (i = 0; i < 100; i++) {
		n = snprintf(in, sizeof(in), "process %d round %d: %0*d", who, i,
			     50 + i, who * 1000 + i);
		if (syscall(__NR_virgo_malloc, (__u64)n, &v) ||
		    syscall(__NR_virgo_set, v, in, (__u64)n, 0ULL) != n ||
		    syscall(__NR_virgo_get, v, out, (__u64)n, 0ULL) != n ||
		    memcmp(in, out, n) || syscall(__NR_virgo_free, v)) {
			fprintf(stderr, "# process %d round %d: %s\n", who, i,
				strerror(errno));
			bad++;
		}
	}
	return bad;
}

TEST_F(mem, two_processes_100_rounds_each)
{
	int who, status;
	pid_t pid[2];

	for (who = 0; who < 2; who++) {
		pid[who] = fork();
		ASSERT_LE(0, pid[who]);
		if (!pid[who])
			_exit(mem_rounds(who + 1) ? 1 : 0);
	}
	for (who = 0; who < 2; who++) {
		ASSERT_EQ(pid[who], waitpid(pid[who], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

/* ------------------------------------------------------------ cloudfs */

FIXTURE(fs) {
	long fd;
	unsigned int node;
};

FIXTURE_SETUP(fs)
{
	unsigned int id = 0;
	FILE *f;

	errno = 0;
	if (syscall(__NR_virgo_close, -1L) < 0 && errno == ENOSYS)
		SKIP(return, "virgo_open not built (CONFIG_VIRGO_CLOUDFS=n)");
	f = fopen("/sys/kernel/config/virgo/node_id", "r");
	if (!f || fscanf(f, "%u", &id) != 1 || !id)
		SKIP(return, "this node is not configured (virgo config load)");
	fclose(f);
	self->node = id;
	/* This node's own export, by name: the test knows where it is. */
	self->fd = syscall(__NR_virgo_open, "kselftest.bin",
			   VIRGO_OPEN_NODE(id) | O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, self->fd) TH_LOG("errno %d", errno);
}

FIXTURE_TEARDOWN(fs)
{
	syscall(__NR_virgo_close, self->fd);
}

static long vfs(long nr, long a, const void *b, unsigned long c, long d)
{
	errno = 0;
	return syscall(nr, a, b, c, d);
}

static long vopen(long path, unsigned long long flags, unsigned int mode)
{
	errno = 0;
	return syscall(__NR_virgo_open, path, flags, mode);
}

TEST_F(fs, read_and_write_like_pread_and_pwrite)
{
	char in[100], out[200];
	int i;

	for (i = 0; i < 100; i++)
		in[i] = i * 7;
	EXPECT_EQ(100, vfs(__NR_virgo_write, self->fd, in, 100, 0));
	EXPECT_EQ(100, vfs(__NR_virgo_read, self->fd, out, 200, 0));
	EXPECT_EQ(0, memcmp(in, out, 100));
	EXPECT_EQ(10, vfs(__NR_virgo_read, self->fd, out, 200, 90));
	EXPECT_EQ(0, vfs(__NR_virgo_read, self->fd, out, 200, 1000));
	EXPECT_EQ(0, vfs(__NR_virgo_read, self->fd, out, 0, 0));
}

TEST_F(fs, bad_descriptors)
{
	char buf[4];

	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_read, -1, buf, 1, 0));
	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_read, 1L << 40, buf, 1, 0));
	/* Not a cloudfs file: standard input is left open. */
	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_read, 0, buf, 1, 0));
	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_close, 0, NULL, 0, 0));
	EXPECT_NE(-1, fcntl(0, F_GETFD));
	EXPECT_EQ(0, vfs(__NR_virgo_close, self->fd, NULL, 0, 0));
	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_read, self->fd, buf, 1, 0));
	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_close, self->fd, NULL, 0, 0));
}

TEST_F(fs, bad_arguments)
{
	char name[1100];

	EXPECT_ERRNO(EFAULT, vopen(0, O_RDONLY, 0));
	ASSERT_EQ(4, vfs(__NR_virgo_write, self->fd, "data", 4, 0));
	EXPECT_ERRNO(EFAULT, vfs(__NR_virgo_read, self->fd, (void *)8, 4, 0));
	EXPECT_ERRNO(EFAULT, vfs(__NR_virgo_write, self->fd, (void *)8, 4, 0));
	EXPECT_ERRNO(EINVAL, vfs(__NR_virgo_read, self->fd, name, 4, -1));
	EXPECT_ERRNO(EINVAL, vopen((long)"x", O_RDONLY | O_DIRECT, 0));
	EXPECT_ERRNO(EINVAL, vopen((long)"x", O_CREAT | O_RDWR, 01000));
	EXPECT_ERRNO(EINVAL, vopen((long)"x", VIRGO_OPEN_NODE(65), 0));
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	EXPECT_ERRNO(ENAMETOOLONG, vopen((long)name, O_RDONLY, 0));
	EXPECT_ERRNO(ENOENT, vopen((long)"", O_RDONLY, 0));
}

/* A write that fails part way returns what it wrote, as pwrite does. */
TEST_F(fs, a_write_cut_short_counts_what_was_written)
{
	static char buf[256 << 10];
	long long pos = 0x7fffffffffffffffLL - (200 << 10);
	long n;

	memset(buf, 'v', sizeof(buf));
	/* The end passes the largest offset: only the start fits. */
	n = vfs(__NR_virgo_write, self->fd, buf, sizeof(buf), pos);
	EXPECT_EQ(200 << 10, n) TH_LOG("errno %d", errno);
	if (n <= 0)
		return;
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(n, vfs(__NR_virgo_read, self->fd, buf, n, pos));
	EXPECT_EQ('v', buf[n - 1]);
	EXPECT_EQ(8, vfs(__NR_virgo_write, self->fd, buf, 16, 0x7fffffffffffffffLL - 8));
	EXPECT_ERRNO(EINVAL, vfs(__NR_virgo_write, self->fd, buf, 16,
				 0x7fffffffffffffffLL));
	/* The connection went on: the next call is answered. */
	EXPECT_EQ(4, vfs(__NR_virgo_write, self->fd, "next", 4, 0));
}

/* Write @gid to @component's configfs caller_gid. */
static int caller_gid(const char *component, const char *gid)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/kernel/config/virgo/%s/caller_gid", component);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(gid, f) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/*
 * Exit status 0 if opening gives nobody @want (0: it works). The file
 * root opened works for nobody either way: it is the process's, as an
 * open file is.
 */
static int fs_as_nobody(long fd, unsigned int node, int want)
{
	char buf[4];
	long c;
	int ok;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 2;
	c = vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(node) | O_RDONLY, 0);
	ok = want ? c == -1 && errno == want : c >= 0;
	return ok && vfs(__NR_virgo_read, fd, buf, 1, 0) == 1 ? 0 : 1;
}

TEST_F(fs, unprivileged_callers_are_refused_unless_in_caller_gid)
{
	int want[2] = { EPERM, 0 }, i, status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	ASSERT_EQ(1, vfs(__NR_virgo_write, self->fd, "x", 1, 0));
	for (i = 0; i < 2; i++) {
		/* First not in caller_gid (0), then in it (65534). */
		ASSERT_EQ(0, caller_gid("cloudfs", i ? "65534" : "0"));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(fs_as_nobody(self->fd, self->node, want[i]));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("caller_gid %s", i ? "65534" : "0");
	}
	ASSERT_EQ(0, caller_gid("cloudfs", "0"));
	EXPECT_EQ(1, vfs(__NR_virgo_read, self->fd, (char [1]){}, 1, 0));
}

/* The files of this node's peers open here: "<address> <count>" lines. */
static int open_here(void)
{
	FILE *f = fopen("/sys/kernel/config/virgo/cloudfs/open", "r");
	unsigned int n;
	int total = 0;
	char addr[64];

	if (!f)
		return -1;
	while (fscanf(f, "%63s %u", addr, &n) == 2)
		total += n;
	fclose(f);
	return total;
}

/* Wait up to 5 s for open_here() to be @want; return what it is. */
static int open_here_becomes(int want)
{
	int i, n = open_here();

	for (i = 0; i < 50 && n != want; i++) {
		usleep(100000);
		n = open_here();
	}
	return n;
}

TEST_F(fs, the_descriptor_is_a_file_of_the_callers)
{
	char buf[16] = "", path[64];
	int d, p, status;
	long c;
	pid_t pid;

	ASSERT_EQ(10, vfs(__NR_virgo_write, self->fd, "0123456789", 10, 0));
	/* read(2), pread(2), lseek(2), write(2): the position is the file's. */
	EXPECT_EQ(4, pread(self->fd, buf, 4, 2));
	EXPECT_EQ(0, memcmp(buf, "2345", 4));
	EXPECT_EQ(3, read(self->fd, buf, 3));
	EXPECT_EQ(3, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(7, lseek(self->fd, 7, SEEK_SET));
	EXPECT_EQ(2, write(self->fd, "ab", 2));
	EXPECT_EQ(9, lseek(self->fd, 0, SEEK_CUR));
	/* virgo_read() reads at its own position, and leaves the file's. */
	EXPECT_EQ(10, vfs(__NR_virgo_read, self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "0123456ab9", 10));
	EXPECT_EQ(9, lseek(self->fd, 0, SEEK_CUR));

	/* dup(2): the copy works once the first is closed. */
	d = dup(self->fd);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, close(self->fd));
	self->fd = d;
	EXPECT_EQ(2, vfs(__NR_virgo_read, d, buf, 2, 8));

	/* fork(2): the child has it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(vfs(__NR_virgo_read, d, buf, 1, 0) == 1 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/*
	 * O_APPEND set later cannot make the node's descriptor append: a
	 * write is refused, not made somewhere else than asked.
	 */
	EXPECT_EQ(0, fcntl(d, F_SETFL, O_APPEND));
	EXPECT_EQ(0, lseek(d, 0, SEEK_SET));
	EXPECT_EQ(-1, write(d, "AB", 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_ERRNO(EINVAL, vfs(__NR_virgo_write, d, "AB", 2, 0));
	EXPECT_EQ(0, fcntl(d, F_SETFL, 0));
	EXPECT_EQ(2, write(d, "AB", 2));
	EXPECT_EQ(2, write(d, "CD", 2));
	EXPECT_EQ(4, vfs(__NR_virgo_read, d, buf, 4, 0));
	EXPECT_EQ(0, memcmp(buf, "ABCD", 4));

	/* /proc/self/fd/N opens another file on the same node's file. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", d);
	p = open(path, O_RDONLY);
	EXPECT_LE(0, p) TH_LOG("open %s: errno %d", path, errno);
	if (p >= 0) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(10, read(p, buf, sizeof(buf)));
		EXPECT_EQ(0, memcmp(buf, "ABCD456ab9", 10));
		EXPECT_EQ(-1, write(p, "x", 1));	/* opened for reading */
		EXPECT_EQ(EBADF, errno);
		close(p);
	}

	/* O_CLOEXEC, as open(2) takes it. */
	c = vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(self->node) | O_RDONLY | O_CLOEXEC, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(FD_CLOEXEC, fcntl(c, F_GETFD));
	EXPECT_ERRNO(EBADF, vfs(__NR_virgo_write, c, "x", 1, 0));	/* read-only */
	/* A reopen gets no more access than the file had. */
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", c);
	EXPECT_EQ(-1, open(path, O_RDWR));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, vfs(__NR_virgo_close, c, NULL, 0, 0));
	c = vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(self->node) | O_RDONLY, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(0, fcntl(c, F_GETFD));
	EXPECT_EQ(0, close(c));
}

/* O_APPEND: every write goes to the end, wherever the file is. */
TEST_F(fs, append_writes_at_the_end)
{
	char buf[16] = "", path[64];
	long a;
	int r;

	ASSERT_EQ(3, vfs(__NR_virgo_write, self->fd, "one", 3, 0));
	a = vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(self->node) | O_WRONLY | O_APPEND, 0);
	ASSERT_LE(0, a);
	EXPECT_EQ(3, write(a, "two", 3));
	EXPECT_EQ(5, vfs(__NR_virgo_write, a, "three", 5, 0));
	/* A reopen appends as the node's descriptor does. */
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", a);
	r = open(path, O_WRONLY);
	ASSERT_LE(0, r);
	EXPECT_EQ(O_APPEND, fcntl(r, F_GETFL) & O_APPEND);
	EXPECT_EQ(0, close(r));
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(11, vfs(__NR_virgo_read, self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "onetwothree", 11));
}

/* The node's file closes when the last reference to it goes, however. */
TEST_F(fs, the_nodes_file_closes_with_the_last_reference)
{
	int before, p[2], status, i, r;
	char c, path[64];
	pid_t pid;
	long d;

	/* The fixture's file alone, once the earlier tests' have closed. */
	before = open_here_becomes(1);
	ASSERT_EQ(1, before) TH_LOG("cloudfs/open counts %d files", before);
	/*
	 * close(2) of one of two references keeps it; of the last, closes
	 * it before close(2) returns (the task that lets it go closes it).
	 * A file reopened through /proc is a reference too.
	 */
	d = dup(self->fd);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(before, open_here());
	EXPECT_EQ(1, vfs(__NR_virgo_write, d, "x", 1, 0));
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", d);
	r = open(path, O_RDONLY);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, close(d));
	EXPECT_EQ(before, open_here());
	EXPECT_EQ(1, read(r, &c, 1));
	EXPECT_EQ(0, close(r));
	EXPECT_EQ(before - 1, open_here());
	self->fd = vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(self->node) | O_RDWR, 0);
	ASSERT_LE(0, self->fd);

	/* A process killed holding three: none stays open. */
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < 3; i++)
			if (vopen((long)"kselftest.bin",
				  VIRGO_OPEN_NODE(self->node) | O_RDONLY, 0) < 0)
				_exit(1);
		if (write(p[1], "!", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1));
	close(p[0]);
	EXPECT_EQ(before + 3, open_here());
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(before, open_here_becomes(before));
}

/* A refused open leaves neither a descriptor here nor a file there. */
TEST_F(fs, a_refused_open_gives_its_descriptor_back)
{
	int next = dup(0), here = open_here();

	ASSERT_LE(0, next);
	close(next);
	EXPECT_ERRNO(ENOENT, vopen((long)"no-such-file", VIRGO_OPEN_NODE(self->node) | O_RDONLY, 0));
	EXPECT_ERRNO(EXDEV, vopen((long)"../etc/passwd", VIRGO_OPEN_NODE(self->node) | O_RDONLY, 0));
	EXPECT_ERRNO(EHOSTUNREACH, vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(64) | O_RDONLY, 0));
	EXPECT_EQ(next, dup(0));
	close(next);
	EXPECT_EQ(here, open_here());
}

/*
 * Opening /proc/PID/fd/N is an open: a caller no longer in caller_gid is
 * refused, and keeps the file it has.
 */
TEST_F(fs, a_reopen_through_proc_needs_the_right_to_open)
{
	int up[2], down[2], status;
	char c, path[64];
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	ASSERT_EQ(0, caller_gid("cloudfs", "65534"));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long f;
		int r;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		f = vopen((long)"kselftest.bin", VIRGO_OPEN_NODE(self->node) | O_RDONLY, 0);
		if (f < 0 || write(up[1], "!", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(3);
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", f);
		r = open(path, O_RDONLY);
		_exit(r == -1 && errno == EPERM &&
		      vfs(__NR_virgo_read, f, &c, 1, 0) >= 0 ? 0 : 1);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ(0, caller_gid("cloudfs", "0"));
	ASSERT_EQ(1, write(down[1], "!", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
}

TEST_F(fs, paths_stay_in_the_export)
{
	EXPECT_ERRNO(EXDEV, vopen((long)"../etc/passwd", O_RDONLY, 0));
	EXPECT_ERRNO(EXDEV, vopen((long)"/etc/passwd", O_RDONLY, 0));
}

/* ------------------------------------------------------------ queue */

#define PTR(p)	((__u64)(unsigned long)(p))

/*
 * These publish to this node's own queue (the harness's, or any VIRGO
 * node with its node table loaded) and collect the REPLY here.
 */
FIXTURE(queue) {
	unsigned int node;
	struct virgo_publish_args pub;
	struct virgo_wait_args wait;
	char data[64];
	char result[256];
};

FIXTURE_SETUP(queue)
{
	FILE *f;

	errno = 0;
	if (syscall(__NR_virgo_wait, NULL, 0UL) < 0 && errno == ENOSYS)
		SKIP(return, "virgo_publish not built (the queue is off)");
	f = fopen("/sys/kernel/config/virgo/node_id", "r");
	if (!f || fscanf(f, "%u", &self->node) != 1 || !self->node)
		SKIP(return, "this node is not configured (virgo config load)");
	fclose(f);

	strcpy(self->data, "hello, queue");
	self->pub.service = PTR("echo");
	self->pub.data = PTR(self->data);
	self->pub.data_len = strlen(self->data);
	self->pub.flags = VIRGO_PUBLISH_NODE;
	self->pub.node = self->node;
	self->wait.result = PTR(self->result);
	self->wait.result_len = sizeof(self->result);
	self->wait.timeout_ms = 10000;
}

FIXTURE_TEARDOWN(queue)
{
}

static long vpublish(struct virgo_publish_args *args, size_t size)
{
	errno = 0;
	return syscall(__NR_virgo_publish, args, size);
}

static long vwait(struct virgo_wait_args *args, size_t size)
{
	errno = 0;
	return syscall(__NR_virgo_wait, args, size);
}

/* Publish self->pub; self->wait then collects its REPLY. */
static long publish(FIXTURE_DATA(queue) *self)
{
	long ret = vpublish(&self->pub, sizeof(self->pub));

	self->wait.id = self->pub.id;
	return ret;
}

static long collect(FIXTURE_DATA(queue) *self)
{
	return vwait(&self->wait, sizeof(self->wait));
}

/* virgo_clone(@func, @arg) queued on this node; self->wait collects it. */
static long async_clone(FIXTURE_DATA(queue) *self, struct virgo_clone_args *c,
			const char *func, const char *arg)
{
	long ret;

	memset(c, 0, sizeof(*c));
	c->func = PTR(func);
	c->arg = PTR(arg);
	c->arg_len = strlen(arg);
	c->flags = VIRGO_CLONE_ASYNC | VIRGO_CLONE_NODE;
	c->node = self->node;
	errno = 0;
	ret = syscall(__NR_virgo_clone, c, sizeof(*c));
	self->wait.id = c->msg_id;
	return ret;
}

TEST_F(queue, echo_comes_back_exactly_once)
{
	unsigned int i;

	for (i = 0; i < sizeof(self->data); i++)
		self->data[i] = i * 37;
	memcpy(self->data, "#\\\n\0", 4);	/* what the log escapes */
	self->pub.data_len = sizeof(self->data);
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(self->node, self->pub.id.node);
	EXPECT_NE(0, self->pub.id.epoch);
	EXPECT_NE(0, self->pub.id.seq);
	EXPECT_NE(0, self->pub.lamport);
	EXPECT_EQ(self->node, self->pub.queued_on);
	ASSERT_EQ(sizeof(self->data), collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, memcmp(self->result, self->data, sizeof(self->data)));
	EXPECT_EQ(0, self->wait.status);
	EXPECT_EQ(sizeof(self->data), self->wait.result_size);
	EXPECT_EQ(self->node, self->wait.ran_on);
	/* The request caused the reply. */
	EXPECT_LT(self->pub.lamport, self->wait.lamport);
	/* Handed out once. */
	EXPECT_ERRNO(ENOENT, collect(self));
	self->wait.timeout_ms = 0;
	EXPECT_ERRNO(ENOENT, collect(self));
}

TEST_F(queue, ids_are_unique_and_grow)
{
	struct virgo_msg_id first;
	__u64 lamport;

	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	first = self->pub.id;
	lamport = self->pub.lamport;
	EXPECT_EQ(strlen(self->data), collect(self));
	ASSERT_EQ(0, publish(self));
	EXPECT_EQ(first.node, self->pub.id.node);
	EXPECT_EQ(first.epoch, self->pub.id.epoch);
	EXPECT_LT(first.seq, self->pub.id.seq);
	EXPECT_LT(lamport, self->pub.lamport);
	EXPECT_EQ(strlen(self->data), collect(self));
}

/* Timeout 0 answers at once: EAGAIN until the REPLY is here, then it. */
TEST_F(queue, timeout_0_never_waits)
{
	long long start, took, longest = 0;
	int tries;
	long n;

	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	self->wait.timeout_ms = 0;
	for (tries = 0; tries < 500; tries++) {
		start = now_ms();
		n = collect(self);
		took = now_ms() - start;
		longest = took > longest ? took : longest;
		if (n >= 0 || errno != EAGAIN)
			break;
		usleep(10000);
	}
	EXPECT_EQ(strlen(self->data), n) TH_LOG("errno %d after %d tries", errno, tries);
	EXPECT_GT(500, longest) TH_LOG("a call took %lld ms", longest);
}

TEST_F(queue, a_short_buffer_gets_emsgsize_and_the_reply_stays)
{
	size_t len = strlen(self->data);

	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	memset(self->result, 'X', sizeof(self->result));
	self->wait.result_len = 5;
	EXPECT_ERRNO(EMSGSIZE, collect(self));
	EXPECT_EQ(len, self->wait.result_size);
	EXPECT_EQ(0, self->wait.status);
	EXPECT_EQ('X', self->result[0]);
	/* No buffer at all: the size, first. */
	self->wait.result = 0;
	self->wait.result_len = 0;
	self->wait.timeout_ms = 0;
	EXPECT_ERRNO(EMSGSIZE, collect(self));
	EXPECT_EQ(len, self->wait.result_size);
	self->wait.result = PTR(self->result);
	self->wait.result_len = self->wait.result_size;
	EXPECT_EQ(len, collect(self));
	EXPECT_EQ(0, memcmp(self->result, self->data, len));
	EXPECT_ERRNO(ENOENT, collect(self));
}

TEST_F(queue, empty_and_largest_payloads)
{
	static char big[VIRGO_QUEUE_DATA_MAX], back[VIRGO_QUEUE_DATA_MAX];
	unsigned int i;

	self->pub.data_len = 0;
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, self->wait.result_size);
	EXPECT_EQ(0, self->wait.status);

	for (i = 0; i < sizeof(big); i++)
		big[i] = i * 131 + (i >> 8);
	self->pub.data = PTR(big);
	self->pub.data_len = sizeof(big);
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	self->wait.result = PTR(back);
	self->wait.result_len = sizeof(back);
	EXPECT_EQ(sizeof(big), collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, memcmp(big, back, sizeof(big)));
}

TEST_F(queue, an_unknown_service_is_queued_and_answered_enoent)
{
	self->pub.service = PTR("no-such-service");
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	EXPECT_LT(0, collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(-ENOENT, self->wait.status);
}

/* The service "clone": "<function> [<timeout_ms>]\n", then the argument. */
TEST_F(queue, the_clone_service_runs_a_function)
{
	static const char req[] = "echo 5000\nbin\0ary\n";

	self->pub.service = PTR("clone");
	self->pub.data = PTR(req);
	self->pub.data_len = sizeof(req) - 1;
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	ASSERT_EQ(8, collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, memcmp(self->result, "bin\0ary\n", 8));
	EXPECT_EQ(0, self->wait.status);
	EXPECT_EQ(self->node, self->wait.ran_on);
}

TEST_F(queue, publish_unknown_flags_and_reserved_fields)
{
	self->pub.flags |= 1ULL << 1;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
	self->pub.flags = VIRGO_PUBLISH_NODE | 1ULL << 63;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
	self->pub.flags = VIRGO_PUBLISH_NODE;
	self->pub.__reserved = 1;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
	self->pub.__reserved = 0;
	self->pub.__reserved2 = 1;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
}

TEST_F(queue, publish_bad_sizes)
{
	struct {
		struct virgo_publish_args args;
		char tail[64];
	} big = { .args = self->pub };

	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, VIRGO_PUBLISH_ARGS_SIZE_VER0 - 8));
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, 0));
	EXPECT_ERRNO(E2BIG, vpublish(&self->pub, 1 << 20));
	big.tail[10] = 1;
	EXPECT_ERRNO(E2BIG, vpublish(&big.args, sizeof(big)));
	self->pub.data_len = VIRGO_QUEUE_DATA_MAX + 1;
	EXPECT_ERRNO(E2BIG, vpublish(&self->pub, sizeof(self->pub)));
	self->pub.data_len = ~0ULL;
	EXPECT_ERRNO(E2BIG, vpublish(&self->pub, sizeof(self->pub)));
	/* A larger structure with a zero tail is a publish like any other. */
	big.tail[10] = 0;
	ASSERT_EQ(0, vpublish(&big.args, sizeof(big))) TH_LOG("errno %d", errno);
	self->wait.id = big.args.id;
	EXPECT_EQ(strlen(self->data), collect(self));
}

TEST_F(queue, publish_bad_service_names)
{
	static const char *const bad[] = {
		"", "../echo", "a/b", "a b", "echo\n", "a#b", "a\\b", "a:b",
		"\xc3\xa9",
	};
	char name[VIRGO_SERVICE_NAME_MAX + 1];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		self->pub.service = PTR(bad[i]);
		EXPECT_EQ(-1, vpublish(&self->pub, sizeof(self->pub)))
			TH_LOG("name '%s'", bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	memset(name, 'x', VIRGO_SERVICE_NAME_MAX);
	name[VIRGO_SERVICE_NAME_MAX] = '\0';
	self->pub.service = PTR(name);
	EXPECT_ERRNO(ENAMETOOLONG, vpublish(&self->pub, sizeof(self->pub)));
	/* 63 bytes is the longest: an unknown service, answered ENOENT. */
	name[VIRGO_SERVICE_NAME_MAX - 1] = '\0';
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	EXPECT_LT(0, collect(self));
	EXPECT_EQ(-ENOENT, self->wait.status);
}

TEST_F(queue, publish_bad_nodes)
{
	self->pub.node = 0;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
	self->pub.node = 65;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
	/* A node id without VIRGO_PUBLISH_NODE is a mistake. */
	self->pub.flags = 0;
	self->pub.node = 1;
	EXPECT_ERRNO(EINVAL, vpublish(&self->pub, sizeof(self->pub)));
	/* Not in the node table. */
	self->pub.flags = VIRGO_PUBLISH_NODE;
	self->pub.node = 64;
	EXPECT_ERRNO(EHOSTUNREACH, vpublish(&self->pub, sizeof(self->pub)));
}

TEST_F(queue, publish_bad_pointers)
{
	EXPECT_ERRNO(EFAULT, vpublish(NULL, sizeof(self->pub)));
	EXPECT_ERRNO(EFAULT, vpublish((void *)-4096L, sizeof(self->pub)));
	self->pub.service = 0;
	EXPECT_ERRNO(EFAULT, vpublish(&self->pub, sizeof(self->pub)));
	self->pub.service = PTR("echo");
	self->pub.data = 8;
	EXPECT_ERRNO(EFAULT, vpublish(&self->pub, sizeof(self->pub)));
}

TEST_F(queue, wait_bad_ids)
{
	self->wait.timeout_ms = 0;
	self->wait.id = (struct virgo_msg_id){ 0, 1, 1 };
	EXPECT_ERRNO(EINVAL, collect(self));
	self->wait.id = (struct virgo_msg_id){ self->node, 0, 1 };
	EXPECT_ERRNO(EINVAL, collect(self));
	self->wait.id = (struct virgo_msg_id){ self->node, 1, 0 };
	EXPECT_ERRNO(EINVAL, collect(self));
	/* Never published here: answered at once, however long the wait. */
	self->wait.timeout_ms = VIRGO_WAIT_TIMEOUT_MAX_MS;
	self->wait.id = (struct virgo_msg_id){ self->node, 1, ~0ULL };
	EXPECT_ERRNO(ENOENT, collect(self));
	self->wait.id = (struct virgo_msg_id){ self->node, ~0U, 1 };
	EXPECT_ERRNO(ENOENT, collect(self));
	self->wait.id = (struct virgo_msg_id){ self->node == 1 ? 2 : 1, 1, 1 };
	EXPECT_ERRNO(ENOENT, collect(self));
}

TEST_F(queue, wait_bad_flags_reserved_and_timeouts)
{
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	self->wait.flags = 1;
	EXPECT_ERRNO(EINVAL, collect(self));
	self->wait.flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, collect(self));
	self->wait.flags = 0;
	self->wait.__reserved = 1;
	EXPECT_ERRNO(EINVAL, collect(self));
	self->wait.__reserved = 0;
	self->wait.timeout_ms = VIRGO_WAIT_TIMEOUT_MAX_MS + 1;
	EXPECT_ERRNO(EINVAL, collect(self));
	self->wait.timeout_ms = ~0U;
	EXPECT_ERRNO(EINVAL, collect(self));
	/* None of them took the REPLY. */
	self->wait.timeout_ms = VIRGO_WAIT_TIMEOUT_MAX_MS;
	EXPECT_EQ(strlen(self->data), collect(self)) TH_LOG("errno %d", errno);
}

TEST_F(queue, wait_bad_sizes)
{
	struct {
		struct virgo_wait_args args;
		char tail[64];
	} big;

	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	memset(&big, 0, sizeof(big));
	big.args = self->wait;
	EXPECT_ERRNO(EINVAL, vwait(&self->wait, VIRGO_WAIT_ARGS_SIZE_VER0 - 8));
	EXPECT_ERRNO(EINVAL, vwait(&self->wait, 0));
	EXPECT_ERRNO(E2BIG, vwait(&self->wait, 1 << 20));
	big.tail[10] = 1;
	EXPECT_ERRNO(E2BIG, vwait(&big.args, sizeof(big)));
	big.tail[10] = 0;
	EXPECT_EQ(strlen(self->data), vwait(&big.args, sizeof(big)))
		TH_LOG("errno %d", errno);
}

TEST_F(queue, wait_bad_pointers)
{
	EXPECT_ERRNO(EFAULT, vwait(NULL, sizeof(self->wait)));
	EXPECT_ERRNO(EFAULT, vwait((void *)-4096L, sizeof(self->wait)));
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	self->wait.result = 8;
	EXPECT_ERRNO(EFAULT, collect(self));
	/* A REPLY is not taken when its copy fails. */
	self->wait.result = PTR(self->result);
	EXPECT_EQ(strlen(self->data), collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, memcmp(self->result, self->data, strlen(self->data)));
}

/* A 2 s function: no REPLY at once, nor within 300 ms; then it comes. */
TEST_F(queue, timeouts_bound_the_wait)
{
	struct virgo_clone_args c;
	long long start, took;

	ASSERT_EQ(0, async_clone(self, &c, "sleep", "2000")) TH_LOG("errno %d", errno);
	self->wait.timeout_ms = 0;
	EXPECT_ERRNO(EAGAIN, collect(self));
	self->wait.timeout_ms = 300;
	start = now_ms();
	EXPECT_ERRNO(ETIMEDOUT, collect(self));
	took = now_ms() - start;
	EXPECT_LE(280, took);
	EXPECT_GT(1300, took) TH_LOG("the call took %lld ms", took);
	self->wait.timeout_ms = 10000;
	EXPECT_EQ(strlen("slept 2000 ms\n"), collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, self->wait.status);
}

static void on_alarm(int sig)
{
}

TEST_F(queue, a_signal_interrupts_the_wait_and_the_reply_stays)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct virgo_clone_args c;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, async_clone(self, &c, "sleep", "1000")) TH_LOG("errno %d", errno);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERRNO(EINTR, collect(self));
	EXPECT_EQ(strlen("slept 1000 ms\n"), collect(self)) TH_LOG("errno %d", errno);
}

TEST_F(queue, async_clone_result_comes_back_through_wait)
{
	struct virgo_clone_args c;
	char want[32];

	ASSERT_EQ(0, async_clone(self, &c, "node_info", "")) TH_LOG("errno %d", errno);
	EXPECT_EQ(self->node, c.msg_id.node);
	EXPECT_EQ(self->node, c.ran_on);	/* the node that queued it */
	EXPECT_NE(0, c.msg_id.epoch);
	EXPECT_NE(0, c.msg_id.seq);
	ASSERT_LT(0, collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, self->wait.status);
	EXPECT_EQ(self->node, self->wait.ran_on);
	snprintf(want, sizeof(want), "node=%u ", self->node);
	EXPECT_EQ(0, strncmp(self->result, want, strlen(want)));
	EXPECT_ERRNO(ENOENT, collect(self));
}

TEST_F(queue, async_clone_status_is_the_functions)
{
	struct virgo_clone_args c;

	/* sleep wants a number: the function fails, the call does not. */
	ASSERT_EQ(0, async_clone(self, &c, "sleep", "x")) TH_LOG("errno %d", errno);
	EXPECT_LE(0, collect(self)) TH_LOG("errno %d", errno);
	EXPECT_EQ(-EINVAL, self->wait.status);
}

TEST_F(queue, async_clone_abi)
{
	struct virgo_clone_args c;

	memset(&c, 0, sizeof(c));
	c.func = PTR("echo");
	c.flags = VIRGO_CLONE_ASYNC | VIRGO_CLONE_NODE;
	c.node = self->node;
	/* Without room for msg_id. */
	EXPECT_ERRNO(EINVAL, vclone(&c, VIRGO_CLONE_ARGS_SIZE_VER0));
	c.flags |= 1ULL << 3;
	EXPECT_ERRNO(EINVAL, vclone(&c, sizeof(c)));
}

/* Exit status 0 if publish and wait give @want (0: they work) to nobody. */
static int queue_as_nobody(FIXTURE_DATA(queue) *self, int want)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 2;
	if (want)
		return vpublish(&self->pub, sizeof(self->pub)) == -1 && errno == want &&
		       collect(self) == -1 && errno == want ? 0 : 1;
	return publish(self) == 0 && collect(self) == (long)strlen(self->data) ? 0 : 1;
}

TEST_F(queue, unprivileged_callers_are_refused_unless_in_caller_gid)
{
	int want[2] = { EPERM, 0 }, i, status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	self->wait.id = (struct virgo_msg_id){ self->node, 1, 1 };
	for (i = 0; i < 2; i++) {
		/* First not in caller_gid (0), then in it (65534). */
		ASSERT_EQ(0, caller_gid("queue", i ? "65534" : "0"));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(queue_as_nobody(self, want[i]));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("caller_gid %s", i ? "65534" : "0");
	}
	ASSERT_EQ(0, caller_gid("queue", "0"));
}

TEST_F(queue, another_users_reply_is_refused)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	ASSERT_EQ(0, publish(self)) TH_LOG("errno %d", errno);
	ASSERT_EQ(0, caller_gid("queue", "65534"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		_exit(collect(self) == -1 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, caller_gid("queue", "0"));
	/* Still there for its own user. */
	EXPECT_EQ(strlen(self->data), collect(self)) TH_LOG("errno %d", errno);
}

/* ------------------------------------------------------------ virgo_lock */

/*
 * These take locks of the node's cluster (the harness's single node is
 * its own lock master, once it has been elected: the first lock waits).
 */
FIXTURE(lock) {
	struct virgo_lock_args args;
	char name[80];
};

static long vlock(struct virgo_lock_args *args, size_t size)
{
	return syscall(__NR_virgo_lock, args, size);
}

static long vunlock(int fd, unsigned int flags)
{
	return syscall(__NR_virgo_unlock, fd, flags);
}

FIXTURE_SETUP(lock)
{
	FILE *f;
	unsigned int id = 0;

	f = fopen("/sys/kernel/config/virgo/node_id", "r");
	if (!f || fscanf(f, "%u", &id) != 1 || !id)
		SKIP(return, "this node is not configured (virgo config load)");
	fclose(f);
	snprintf(self->name, sizeof(self->name), "ks-%d", getpid());
	memset(&self->args, 0, sizeof(self->args));
	self->args.name = PTR(self->name);
	self->args.name_len = strlen(self->name);
	self->args.timeout_ms = 30000;	/* the first waits for the election */
}

FIXTURE_TEARDOWN(lock)
{
}

TEST_F(lock, lock_then_unlock)
{
	struct pollfd p = { .events = POLLIN };
	int fd = vlock(&self->args, sizeof(self->args));

	ASSERT_LE(0, fd) TH_LOG("errno %d", errno);
	EXPECT_LT(0, self->args.token);
	EXPECT_LE(1000, self->args.lease_ms);
	p.fd = fd;
	EXPECT_EQ(0, poll(&p, 1, 0)) TH_LOG("a held lock polls quiet");
	EXPECT_EQ(0, vunlock(fd, 0)) TH_LOG("errno %d", errno);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLHUP);
	EXPECT_ERRNO(ESTALE, vunlock(fd, 0));
	EXPECT_EQ(0, close(fd));
}

TEST_F(lock, a_held_lock_is_refused_then_granted_with_a_larger_token)
{
	struct virgo_lock_args other = self->args;
	struct timespec t0, t1;
	long ms;
	int fd, fd2;

	fd = vlock(&self->args, sizeof(self->args));
	ASSERT_LE(0, fd) TH_LOG("errno %d", errno);
	other.flags = VIRGO_LOCK_TRY;
	EXPECT_ERRNO(EAGAIN, vlock(&other, sizeof(other)));
	other.flags = 0;
	other.timeout_ms = 500;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_ERRNO(ETIMEDOUT, vlock(&other, sizeof(other)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_LE(450, ms);
	EXPECT_GT(3000, ms);
	/* Closing the descriptor releases the lock. */
	EXPECT_EQ(0, close(fd));
	other.timeout_ms = 10000;
	fd2 = vlock(&other, sizeof(other));
	ASSERT_LE(0, fd2) TH_LOG("errno %d", errno);
	EXPECT_LT(self->args.token, other.token);
	EXPECT_EQ(0, vunlock(fd2, 0));
	EXPECT_EQ(0, close(fd2));
}

TEST_F(lock, cloexec_and_fdinfo)
{
	char path[64], info[512];
	FILE *f;
	size_t n;
	int fd;

	self->args.flags = VIRGO_LOCK_CLOEXEC;
	fd = vlock(&self->args, sizeof(self->args));
	ASSERT_LE(0, fd) TH_LOG("errno %d", errno);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	n = fread(info, 1, sizeof(info) - 1, f);
	info[n] = '\0';
	fclose(f);
	EXPECT_NE(NULL, strstr(info, self->name));
	EXPECT_EQ(0, close(fd));

	self->args.flags = 0;
	self->args.token = 0;
	self->args.lease_ms = 0;
	fd = vlock(&self->args, sizeof(self->args));
	ASSERT_LE(0, fd) TH_LOG("errno %d", errno);
	EXPECT_FALSE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, close(fd));
}

TEST_F(lock, bad_flags_fields_and_sizes)
{
	struct {
		struct virgo_lock_args a;
		char tail[8];
	} big = { .a = self->args };

	self->args.flags = 1U << 2;
	EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	self->args.flags = 0;
	self->args.__reserved = 1;
	EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	self->args.__reserved = 0;
	self->args.__reserved2 = 1;
	EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	self->args.__reserved2 = 0;
	self->args.token = 1;		/* out fields come in zero */
	EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	self->args.token = 0;
	self->args.timeout_ms = VIRGO_LOCK_TIMEOUT_MAX_MS + 1;
	EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	self->args.timeout_ms = 0;
	EXPECT_ERRNO(EINVAL, vlock(&self->args, VIRGO_LOCK_ARGS_SIZE_VER0 - 1));
	EXPECT_ERRNO(E2BIG, vlock(&self->args, 8192));
	big.tail[3] = 1;
	EXPECT_ERRNO(E2BIG, vlock(&big.a, sizeof(big)));
	EXPECT_ERRNO(EFAULT, vlock((void *)8, sizeof(self->args)));
	EXPECT_EQ(VIRGO_LOCK_ARGS_SIZE_VER0, sizeof(struct virgo_lock_args));
}

TEST_F(lock, bad_names)
{
	static const char *const bad[] = { "a b", "a#b", "a\nb", "\xe9t\xe9", "a\0b" };
	char long_name[VIRGO_LOCK_NAME_MAX + 2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		self->args.name = PTR(bad[i]);
		self->args.name_len = i == 4 ? 3 : strlen(bad[i]);
		EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	}
	self->args.name_len = 0;
	EXPECT_ERRNO(EINVAL, vlock(&self->args, sizeof(self->args)));
	memset(long_name, 'n', sizeof(long_name));
	self->args.name = PTR(long_name);
	self->args.name_len = VIRGO_LOCK_NAME_MAX + 1;
	EXPECT_ERRNO(ENAMETOOLONG, vlock(&self->args, sizeof(self->args)));
	self->args.name = 8;
	self->args.name_len = 4;
	EXPECT_ERRNO(EFAULT, vlock(&self->args, sizeof(self->args)));
}

TEST_F(lock, unlock_of_what_is_not_a_lock)
{
	int fd = open("/dev/null", O_RDONLY);

	EXPECT_ERRNO(EBADF, vunlock(-1, 0));
	EXPECT_ERRNO(EBADF, vunlock(1 << 20, 0));
	EXPECT_ERRNO(EINVAL, vunlock(fd, 0));
	EXPECT_ERRNO(EINVAL, vunlock(fd, 1));
	close(fd);
}

TEST_F(lock, a_child_shares_the_lock_until_the_last_close)
{
	struct virgo_lock_args other = self->args;
	int fd, status;
	pid_t pid;

	fd = vlock(&self->args, sizeof(self->args));
	ASSERT_LE(0, fd) TH_LOG("errno %d", errno);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(close(fd) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	other.flags = VIRGO_LOCK_TRY;
	EXPECT_ERRNO(EAGAIN, vlock(&other, sizeof(other)));
	EXPECT_EQ(0, vunlock(fd, 0));
	EXPECT_EQ(0, close(fd));
}

TEST_F(lock, unprivileged_callers_are_refused_unless_in_caller_gid)
{
	int want[2] = { EPERM, 0 }, i, status, fd;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop to an unprivileged user");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, caller_gid("cloudsync", i ? "65534" : "0"));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
				_exit(2);
			fd = vlock(&self->args, sizeof(self->args));
			if (want[i])
				_exit(fd == -1 && errno == want[i] ? 0 : 1);
			_exit(fd >= 0 && vunlock(fd, 0) == 0 ? 0 : 1);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("caller_gid %s", i ? "65534" : "0");
	}
	ASSERT_EQ(0, caller_gid("cloudsync", "0"));
}

TEST(sysfs_reports_the_abi_version)
{
	unsigned int version = 0;
	FILE *f;

	f = fopen("/sys/kernel/virgo/abi_version", "r");
	if (!f)
		SKIP(return, "no /sys/kernel/virgo: kernel built without CONFIG_VIRGO");
	ASSERT_EQ(1, fscanf(f, "%u", &version));
	fclose(f);
	EXPECT_EQ(VIRGO_ABI_VERSION, version);
}

TEST_HARNESS_MAIN
