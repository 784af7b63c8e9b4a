// SPDX-License-Identifier: GPL-2.0
/*
 * virgo-bench - round-trip latency probes for the VIRGO benchmarks
 *
 *   virgo-bench tcp-server PORT
 *   virgo-bench tcp-rtt ADDR PORT COUNT SIZE
 *   virgo-bench cmd-rtt COUNT CMD [ARG...]
 *   virgo-bench clone-rtt COUNT NODE FUNC SIZE
 *
 * Every probe times COUNT rounds after a few untimed warm-up rounds and
 * prints one line:
 *
 *   <probe> n=COUNT median_us=.. p99_us=.. mean_us=.. min_us=..
 *
 * Any error ends the run with a message on stderr and a non-zero status:
 * a benchmark never reports a number it did not measure.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/virgo.h>

#define WARMUP_NET	10	/* untimed rounds before tcp-rtt, clone-rtt */
#define WARMUP_CMD	1	/* ... and before cmd-rtt */
#define MAX_COUNT	10000000
#define MAX_SIZE	(1 << 20)

static const char *probe = "virgo-bench";

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", probe);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long parse_num(const char *what, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("bad %s '%s' (%ld..%ld)", what, s, min, max);
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------ statistics */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median, nearest-rank 99th percentile, mean and minimum, in microseconds. */
static void report(const char *name, uint64_t *ns, long n)
{
	double sum = 0, median;
	long i, p99;

	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += ns[i];
	median = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2.0;
	p99 = (n * 99 + 99) / 100 - 1;
	printf("%s n=%ld median_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f\n",
	       name, n, median / 1e3, ns[p99] / 1e3, sum / n / 1e3,
	       ns[0] / 1e3);
	fflush(stdout);
}

static uint64_t *alloc_samples(long n)
{
	uint64_t *ns = calloc(n, sizeof(*ns));

	if (!ns)
		die("out of memory");
	return ns;
}

/* ------------------------------------------------------------ tcp */

static void write_all(int fd, const char *buf, size_t len)
{
	ssize_t r;

	while (len) {
		r = write(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("write: %s", strerror(errno));
		buf += r;
		len -= r;
	}
}

static void read_full(int fd, char *buf, size_t len)
{
	ssize_t r;

	while (len) {
		r = read(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read: %s", strerror(errno));
		if (!r)
			die("read: the peer closed the connection");
		buf += r;
		len -= r;
	}
}

static void set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("TCP_NODELAY: %s", strerror(errno));
}

/* One connection: echo every byte back until the peer closes. */
static void echo_conn(int fd)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		write_all(fd, buf, r);
	}
	close(fd);
}

static int cmd_tcp_server(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, c, one = 1;

	if (argc != 1)
		die("usage: tcp-server PORT");
	sin.sin_port = htons(parse_num("port", argv[0], 1, 65535));

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16))
		die("port %s: %s", argv[0], strerror(errno));

	/* A child per connection, reaped by the kernel. */
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		set_nodelay(c);
		switch (fork()) {
		case -1:
			die("fork: %s", strerror(errno));
		case 0:
			/* A peer that resets ends its child quietly. */
			signal(SIGPIPE, SIG_DFL);
			close(fd);
			echo_conn(c);
			_exit(0);
		}
		close(c);
	}
}

static int cmd_tcp_rtt(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long count, size, i, j;
	char *out, *in;
	uint64_t *ns, t;
	int fd;

	if (argc != 4)
		die("usage: tcp-rtt ADDR PORT COUNT SIZE");
	if (inet_pton(AF_INET, argv[0], &sin.sin_addr) != 1)
		die("bad IPv4 address '%s'", argv[0]);
	sin.sin_port = htons(parse_num("port", argv[1], 1, 65535));
	count = parse_num("count", argv[2], 1, MAX_COUNT);
	size = parse_num("size", argv[3], 1, MAX_SIZE);

	ns = alloc_samples(count);
	out = malloc(size);
	in = malloc(size);
	if (!out || !in)
		die("out of memory");

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect %s:%s: %s", argv[0], argv[1], strerror(errno));
	set_nodelay(fd);

	for (i = -WARMUP_NET; i < count; i++) {
		for (j = 0; j < size; j++)
			out[j] = i + j;
		t = now_ns();
		write_all(fd, out, size);
		read_full(fd, in, size);
		t = now_ns() - t;
		if (memcmp(in, out, size))
			die("round %ld: the echo differs from what was sent", i);
		if (i >= 0)
			ns[i] = t;
	}
	close(fd);
	report("tcp-rtt", ns, count);
	return 0;
}

/* ------------------------------------------------------------ commands */

static void run_cmd(char **argv)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		die("%s: killed by signal %d", argv[0], WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		die("%s: exit status 127 (cannot run it?)", argv[0]);
	if (WEXITSTATUS(status))
		die("%s: exit status %d", argv[0], WEXITSTATUS(status));
}

static int cmd_cmd_rtt(int argc, char **argv)
{
	long count, i;
	uint64_t *ns, t;

	if (argc < 2)
		die("usage: cmd-rtt COUNT CMD [ARG...]");
	count = parse_num("count", argv[0], 1, MAX_COUNT);
	ns = alloc_samples(count);

	for (i = -WARMUP_CMD; i < count; i++) {
		t = now_ns();
		run_cmd(argv + 1);
		t = now_ns() - t;
		if (i >= 0)
			ns[i] = t;
	}
	report("cmd-rtt", ns, count);
	return 0;
}

/* ------------------------------------------------------------ virgo_clone */

static int cmd_clone_rtt(int argc, char **argv)
{
	struct virgo_clone_args args;
	long count, size, i, j, ret;
	unsigned int node;
	char *arg, *res;
	uint64_t *ns, t;

	if (argc != 4)
		die("usage: clone-rtt COUNT NODE FUNC SIZE");
	count = parse_num("count", argv[0], 1, MAX_COUNT);
	node = parse_num("node", argv[1], 1, 65535);
	if (strlen(argv[2]) >= VIRGO_FUNC_NAME_MAX)
		die("function name '%s' is too long", argv[2]);
	size = parse_num("size", argv[3], 1, VIRGO_CLONE_ARG_MAX);

	ns = alloc_samples(count);
	arg = malloc(size);
	res = malloc(size);
	if (!arg || !res)
		die("out of memory");

	for (i = -WARMUP_NET; i < count; i++) {
		for (j = 0; j < size; j++)
			arg[j] = i + j;
		memset(res, 0, size);
		memset(&args, 0, sizeof(args));
		args.func = (uintptr_t)argv[2];
		args.arg = (uintptr_t)arg;
		args.arg_len = size;
		args.result = (uintptr_t)res;
		args.result_len = size;
		args.flags = VIRGO_CLONE_NODE;
		args.node = node;

		t = now_ns();
		ret = syscall(__NR_virgo_clone, &args, sizeof(args));
		t = now_ns() - t;
		if (ret < 0)
			die("virgo_clone(node %u, \"%s\"): %s%s", node,
			    argv[2], strerror(errno),
			    errno == ENOSYS ?
			    " (this kernel has no virgo_clone)" : "");
		if (ret != size || args.result_size != (uint64_t)size)
			die("call %ld: %ld result bytes (whole result %llu), sent %ld",
			    i, ret, (unsigned long long)args.result_size, size);
		if (memcmp(res, arg, size))
			die("call %ld: the result differs from the argument", i);
		if (args.ran_on != node)
			die("call %ld: ran on node %u, not %u", i, args.ran_on,
			    node);
		if (i >= 0)
			ns[i] = t;
	}
	report("clone-rtt", ns, count);
	return 0;
}

/* ------------------------------------------------------------ main */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} probes[] = {
	{ "tcp-server", cmd_tcp_server },
	{ "tcp-rtt", cmd_tcp_rtt },
	{ "cmd-rtt", cmd_cmd_rtt },
	{ "clone-rtt", cmd_clone_rtt },
};

int main(int argc, char **argv)
{
	unsigned int i;

	/* A peer that goes away is an error message, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; argc > 1 && i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (!strcmp(argv[1], probes[i].name)) {
			probe = probes[i].name;
			return probes[i].fn(argc - 2, argv + 2);
		}
	}
	fprintf(stderr,
		"usage: virgo-bench tcp-server PORT\n"
		"       virgo-bench tcp-rtt ADDR PORT COUNT SIZE\n"
		"       virgo-bench cmd-rtt COUNT CMD [ARG...]\n"
		"       virgo-bench clone-rtt COUNT NODE FUNC SIZE\n");
	return 2;
}
