// SPDX-License-Identifier: GPL-2.0
/*
 * virgo-bench - round-trip latency probes for the VIRGO benchmarks
 *
 *   virgo-bench tcp-server PORT
 *   virgo-bench tcp-rtt ADDR PORT COUNT SIZE
 *   virgo-bench cmd-rtt COUNT CMD [ARG...]
 *   virgo-bench clone-rtt COUNT NODE FUNC SIZE
 *   virgo-bench mc ADDR PORT CONNS COUNT SIZE
 *   virgo-bench mc-set ADDR PORT CONNS COUNT SIZE
 *   virgo-bench mem-get-rtt COUNT SIZE [NODE]
 *   virgo-bench queue-rtt COUNT NODE SIZE
 *   virgo-bench queue-pub COUNT NODE SIZE PUBLISHERS
 *   virgo-bench lock-rtt COUNT NAME
 *
 * Every probe times COUNT rounds after a few untimed warm-up rounds and
 * prints one line:
 *
 *   <probe> n=COUNT median_us=.. p99_us=.. mean_us=.. min_us=..
 *
 * mc and mc-set, memcached ASCII protocol clients for any server that
 * speaks it, add ops_s=.., the requests per second of wall time over all
 * CONNS connections. So does queue-pub, the acknowledged publishes per
 * second of PUBLISHERS threads together, and lock-rtt, the lock and unlock
 * pairs per second.
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
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
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

/*
 * Median, nearest-rank 99th percentile, mean and minimum, in microseconds;
 * with @wall_ns, the n rounds took that long in all: their rate too.
 */
static void report(const char *name, uint64_t *ns, long n, uint64_t wall_ns)
{
	double sum = 0, median;
	long i, p99;

	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += ns[i];
	median = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2.0;
	p99 = (n * 99 + 99) / 100 - 1;
	printf("%s n=%ld median_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f",
	       name, n, median / 1e3, ns[p99] / 1e3, sum / n / 1e3,
	       ns[0] / 1e3);
	if (wall_ns)
		printf(" ops_s=%.0f", n * 1e9 / wall_ns);
	putchar('\n');
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

/* A socket listening on every address's @port, or death. */
static int listen_on(const char *port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, one = 1;

	sin.sin_port = htons(parse_num("port", port, 1, 65535));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog))
		die("port %s: %s", port, strerror(errno));
	return fd;
}

static int cmd_tcp_server(int argc, char **argv)
{
	int fd, c;

	if (argc != 1)
		die("usage: tcp-server PORT");
	fd = listen_on(argv[0], 16);

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
	report("tcp-rtt", ns, count, 0);
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
	report("cmd-rtt", ns, count, 0);
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
	report("clone-rtt", ns, count, 0);
	return 0;
}

/* ------------------------------------------------------------ memcached */

#define MC_KEYS		100	/* keys per connection, used in turn */
#define MC_CONNS_MAX	256
#define MC_LINE_MAX	1024	/* longest reply line taken */
#define MC_TIMEOUT_S	20	/* a reply slower than this is an error */
#define MC_FLAGS	4000000000U	/* key k's client flags: MC_FLAGS + k */

/**
 * struct mc_run - what every connection of an mc or mc-set run shares
 * @sin: the server
 * @server: its ADDR:PORT, for messages
 * @size: the values' size
 * @set: time sets, not gets
 * @tag: in every key and value, so that no other run's data can pass
 * @go: the connections start the timed requests together
 */
struct mc_run {
	struct sockaddr_in sin;
	char server[64];
	long size;
	bool set;
	uint32_t tag;
	pthread_barrier_t go;
};

/**
 * struct mc_conn - one connection, its keys and its share of the requests
 * @run: the run
 * @id: 0..CONNS-1
 * @fd: the socket
 * @count: how many timed requests
 * @ns: their latencies
 * @start: when the timed requests began
 * @end: ... and ended
 * @version: which value each key holds now (mc_value())
 * @req: a request
 * @want: a value as it should come back, with its "\r\n"
 * @got: a value as it came back
 * @head: the first unread byte of @in
 * @tail: the end of what was read into @in
 * @in: reply bytes
 */
struct mc_conn {
	struct mc_run *run;
	int id;
	int fd;
	long count;
	uint64_t *ns;
	uint64_t start, end;
	unsigned int version[MC_KEYS];
	char *req, *want, *got;
	size_t head, tail;
	char in[65536];
};

static void mc_key(const struct mc_conn *c, int k, char *key, size_t size)
{
	snprintf(key, size, "virgo-bench-%08x-%d-%d", c->run->tag, c->id, k);
}

/* The bytes key @k holds in its current version: every byte value occurs. */
static void mc_value(const struct mc_conn *c, int k, char *buf)
{
	uint64_t x = c->run->tag;
	long i;

	x = ((x * 1000003 + c->id) * 1000003 + k) * 1000003 + c->version[k];
	for (i = 0; i < c->run->size; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = x >> 56;
	}
}

/* A reply line for a message: printable, at most 80 characters. */
static const char *mc_show(const char *s, size_t len, char *buf)
{
	size_t i, n = len < 80 ? len : 80;

	for (i = 0; i < n; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	if (len > n)
		memcpy(buf + n, "...", 4);
	else
		buf[n] = '\0';
	return buf;
}

/* More reply bytes into @c->in; an error, the end or a timeout is fatal. */
static void mc_fill(struct mc_conn *c)
{
	ssize_t r;

	if (c->head == c->tail) {
		c->head = 0;
		c->tail = 0;
	} else if (c->tail == sizeof(c->in)) {
		memmove(c->in, c->in + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	for (;;) {
		r = read(c->fd, c->in + c->tail, sizeof(c->in) - c->tail);
		if (r > 0)
			break;
		if (!r)
			die("conn %d: %s closed the connection", c->id,
			    c->run->server);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			die("conn %d: no reply from %s in %d s", c->id,
			    c->run->server, MC_TIMEOUT_S);
		die("conn %d: read: %s", c->id, strerror(errno));
	}
	c->tail += r;
}

/* The next reply line without its "\r\n"; valid until the next read. */
static char *mc_line(struct mc_conn *c, size_t *len)
{
	char *line, *end, show[96];
	size_t n;

	for (;;) {
		line = c->in + c->head;
		n = c->tail - c->head;
		end = memmem(line, n, "\r\n", 2);
		if (end) {
			*len = end - line;
			c->head += *len + 2;
			return line;
		}
		if (n > MC_LINE_MAX)
			die("conn %d: a reply line longer than %d bytes: '%s'",
			    c->id, MC_LINE_MAX, mc_show(line, n, show));
		mc_fill(c);
	}
}

static void mc_bytes(struct mc_conn *c, char *buf, size_t len)
{
	size_t n;

	while (len) {
		if (c->head == c->tail)
			mc_fill(c);
		n = c->tail - c->head;
		if (n > len)
			n = len;
		memcpy(buf, c->in + c->head, n);
		c->head += n;
		buf += n;
		len -= n;
	}
}

/* A reply line must be @want, and the whole reply. */
static void mc_expect(struct mc_conn *c, const char *line, size_t len,
		      const char *want, const char *cmd, const char *key)
{
	char show[96];

	if (len != strlen(want) || memcmp(line, want, len))
		die("conn %d: %s %s: wanted '%s', got '%s'", c->id, cmd, key,
		    want, mc_show(line, len, show));
	if (c->head != c->tail)
		die("conn %d: %s %s: %zu bytes more than the reply", c->id,
		    cmd, key, c->tail - c->head);
}

/* "set": STORED; the time it took in @ns, when not NULL. */
static void mc_set(struct mc_conn *c, int k, uint64_t *ns)
{
	size_t len, n;
	char key[64];
	uint64_t t;
	char *line;

	mc_key(c, k, key, sizeof(key));
	n = sprintf(c->req, "set %s %u 0 %ld\r\n", key, MC_FLAGS + k,
		    c->run->size);
	mc_value(c, k, c->req + n);
	n += c->run->size;
	memcpy(c->req + n, "\r\n", 2);
	n += 2;

	t = now_ns();
	write_all(c->fd, c->req, n);
	line = mc_line(c, &len);
	t = now_ns() - t;
	mc_expect(c, line, len, "STORED", "set", key);
	if (ns)
		*ns = t;
}

/* "get": VALUE KEY FLAGS SIZE, the value of mc_value(), END. */
static void mc_get(struct mc_conn *c, int k, uint64_t *ns)
{
	char key[64], want[128], show[96];
	size_t len, n, hlen;
	long size = c->run->size, i;
	uint64_t t;
	char *line;

	mc_key(c, k, key, sizeof(key));
	n = sprintf(c->req, "get %s\r\n", key);
	hlen = sprintf(want, "VALUE %s %u %ld", key, MC_FLAGS + k, size);

	t = now_ns();
	write_all(c->fd, c->req, n);
	line = mc_line(c, &len);
	if (len != hlen || memcmp(line, want, len)) {
		if (len == 3 && !memcmp(line, "END", 3))
			die("conn %d: get %s: not found, though it was stored",
			    c->id, key);
		die("conn %d: get %s: wanted '%s', got '%s'", c->id, key,
		    want, mc_show(line, len, show));
	}
	mc_bytes(c, c->got, size + 2);
	line = mc_line(c, &len);
	t = now_ns() - t;

	mc_value(c, k, c->want);
	if (memcmp(c->got, c->want, size + 2)) {
		for (i = 0; c->got[i] == c->want[i]; i++)
			;
		if (i < size)
			die("conn %d: get %s: byte %ld of %ld differs from what was stored",
			    c->id, key, i, size);
		die("conn %d: get %s: no \"\\r\\n\" after the %ld-byte value",
		    c->id, key, size);
	}
	mc_expect(c, line, len, "END", "get", key);
	if (ns)
		*ns = t;
}

static void mc_delete(struct mc_conn *c, int k)
{
	char key[64];
	size_t len, n;
	char *line;

	mc_key(c, k, key, sizeof(key));
	n = sprintf(c->req, "delete %s\r\n", key);
	write_all(c->fd, c->req, n);
	line = mc_line(c, &len);
	mc_expect(c, line, len, "DELETED", "delete", key);
}

/* Request @i of a connection: a get, or a set of the key's next version. */
static void mc_request(struct mc_conn *c, long i, uint64_t *ns)
{
	int k = i % MC_KEYS;

	if (!c->run->set) {
		mc_get(c, k, ns);
		return;
	}
	c->version[k]++;
	mc_set(c, k, ns);
}

static void *mc_conn_run(void *arg)
{
	struct timeval tv = { .tv_sec = MC_TIMEOUT_S };
	struct mc_conn *c = arg;
	long i;
	int k;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&c->run->sin,
		    sizeof(c->run->sin)))
		die("conn %d: connect %s: %s", c->id, c->run->server,
		    strerror(errno));
	set_nodelay(c->fd);
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO: %s", strerror(errno));

	/* Untimed: the keys this connection uses, then a warm-up. */
	for (k = 0; k < MC_KEYS; k++)
		mc_set(c, k, NULL);
	for (i = 0; i < WARMUP_NET; i++)
		mc_request(c, i, NULL);

	pthread_barrier_wait(&c->run->go);
	c->start = now_ns();
	for (i = 0; i < c->count; i++)
		mc_request(c, i, &c->ns[i]);
	c->end = now_ns();

	/* Untimed: every key still holds its last value; leave nothing. */
	for (k = 0; k < MC_KEYS; k++) {
		if (c->run->set)
			mc_get(c, k, NULL);
		mc_delete(c, k);
	}
	close(c->fd);
	return NULL;
}

/*
 * CONNS connections, a thread each with one request outstanding, share
 * COUNT timed requests; the rate is COUNT over the time from the first
 * connection's start to the last one's end.
 */
static int mc_main(int argc, char **argv, bool set)
{
	static struct mc_run run;
	uint64_t *ns, start = UINT64_MAX, end = 0;
	long nconns, count, share = 0, i;
	struct mc_conn **conns;
	pthread_t *threads;
	int err;

	if (argc != 5)
		die("usage: %s ADDR PORT CONNS COUNT SIZE", probe);
	run.sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[0], &run.sin.sin_addr) != 1)
		die("bad IPv4 address '%s'", argv[0]);
	run.sin.sin_port = htons(parse_num("port", argv[1], 1, 65535));
	nconns = parse_num("connection count", argv[2], 1, MC_CONNS_MAX);
	count = parse_num("count", argv[3], nconns, MAX_COUNT);
	run.size = parse_num("size", argv[4], 1, MAX_SIZE);
	run.set = set;
	run.tag = getpid() ^ now_ns();
	snprintf(run.server, sizeof(run.server), "%s:%s", argv[0], argv[1]);

	ns = alloc_samples(count);
	conns = calloc(nconns, sizeof(*conns));
	threads = calloc(nconns, sizeof(*threads));
	if (!conns || !threads)
		die("out of memory");
	err = pthread_barrier_init(&run.go, NULL, nconns);
	if (err)
		die("pthread_barrier_init: %s", strerror(err));

	for (i = 0; i < nconns; i++) {
		struct mc_conn *c = calloc(1, sizeof(*c));

		if (!c)
			die("out of memory");
		c->run = &run;
		c->id = i;
		c->count = count / nconns + (i < count % nconns);
		c->ns = ns + share;
		share += c->count;
		c->req = malloc(run.size + 128);
		c->want = malloc(run.size + 2);
		c->got = malloc(run.size + 2);
		if (!c->req || !c->want || !c->got)
			die("out of memory");
		memcpy(c->want + run.size, "\r\n", 2);
		conns[i] = c;
		err = pthread_create(&threads[i], NULL, mc_conn_run, c);
		if (err)
			die("pthread_create: %s", strerror(err));
	}
	for (i = 0; i < nconns; i++) {
		err = pthread_join(threads[i], NULL);
		if (err)
			die("pthread_join: %s", strerror(err));
		if (conns[i]->start < start)
			start = conns[i]->start;
		if (conns[i]->end > end)
			end = conns[i]->end;
	}
	report(probe, ns, count, end > start ? end - start : 1);
	return 0;
}

static int cmd_mc(int argc, char **argv)
{
	return mc_main(argc, argv, false);
}

static int cmd_mc_set(int argc, char **argv)
{
	return mc_main(argc, argv, true);
}

/* ------------------------------------------------------------ virgo_get */

/*
 * The node that holds a VUID: its top 6 bits are the node id - 1
 * (virgo/mempool/vuid.c). Not ABI: only a check that the bench measured
 * what it meant to.
 */
static unsigned int mem_vuid_node(uint64_t vuid)
{
	return (vuid >> 58) + 1;
}

/* A mempool call returned @ret, not @want: free @vuid and die. */
static void __attribute__((noreturn))
mem_fail(const char *call, uint64_t vuid, long ret, long want)
{
	int err = errno;

	syscall(__NR_virgo_free, vuid);
	if (ret < 0)
		die("%s(%#llx): %s", call, (unsigned long long)vuid,
		    strerror(err));
	die("%s(%#llx): %ld bytes, not %ld", call, (unsigned long long)vuid,
	    ret, want);
}

static int cmd_mem_get_rtt(int argc, char **argv)
{
	long count, size, i, j, ret;
	unsigned int node = 0;
	uint64_t *ns, t;
	char *want, *got;
	__u64 vuid;

	if (argc != 2 && argc != 3)
		die("usage: mem-get-rtt COUNT SIZE [NODE]");
	count = parse_num("count", argv[0], 1, MAX_COUNT);
	size = parse_num("size", argv[1], 1, MAX_SIZE);
	if (argc == 3)
		node = parse_num("node", argv[2], 1, 64);

	ns = alloc_samples(count);
	want = malloc(size);
	got = malloc(size);
	if (!want || !got)
		die("out of memory");
	for (j = 0; j < size; j++)
		want[j] = j * 7 + (j >> 8) + 1;

	if (syscall(__NR_virgo_malloc, (uint64_t)size, &vuid))
		die("virgo_malloc(%ld): %s%s", size, strerror(errno),
		    errno == ENOSYS ? " (this kernel has no virgo_malloc)" : "");
	if (node && mem_vuid_node(vuid) != node) {
		syscall(__NR_virgo_free, vuid);
		die("virgo_malloc(%ld) gave VUID %#llx, on node %u, not %u",
		    size, (unsigned long long)vuid, mem_vuid_node(vuid), node);
	}
	ret = syscall(__NR_virgo_set, vuid, want, size, 0);
	if (ret != size)
		mem_fail("virgo_set", vuid, ret, size);

	for (i = -WARMUP_NET; i < count; i++) {
		memset(got, 0, size);
		t = now_ns();
		ret = syscall(__NR_virgo_get, vuid, got, size, 0);
		t = now_ns() - t;
		if (ret != size)
			mem_fail("virgo_get", vuid, ret, size);
		if (memcmp(got, want, size)) {
			syscall(__NR_virgo_free, vuid);
			die("call %ld: virgo_get's bytes differ from virgo_set's",
			    i);
		}
		if (i >= 0)
			ns[i] = t;
	}
	if (syscall(__NR_virgo_free, vuid))
		die("virgo_free(%#llx): %s", (unsigned long long)vuid,
		    strerror(errno));
	report("mem-get-rtt", ns, count, 0);
	return 0;
}

/* ------------------------------------------------------------ the queue */

#define QUEUE_WAIT_MS	60000	/* a REPLY slower than this is an error */
#define QUEUE_PUB_MAX	64	/* queue-pub's publishers at most */

/*
 * The payload of publisher @p's message @i: its numbers, then letters.
 * Printable, so that the log holds it as it is (queue.rst).
 */
static void queue_payload(char *buf, long size, long p, long i)
{
	char head[48];
	long j, n;

	n = snprintf(head, sizeof(head), "%ld.%ld.", p, i);
	for (j = 0; j < size; j++)
		buf[j] = j < n ? head[j] : 'a' + (i + j) % 26;
}

/* virgo_publish() of @buf to service "echo" on @node, or death. */
static void queue_publish(unsigned int node, const char *buf, long size,
			  struct virgo_msg_id *id)
{
	struct virgo_publish_args args = {
		.service = (uintptr_t)"echo",
		.data = (uintptr_t)buf,
		.data_len = size,
		.flags = VIRGO_PUBLISH_NODE,
		.node = node,
	};

	if (syscall(__NR_virgo_publish, &args, sizeof(args)))
		die("virgo_publish(node %u, \"echo\", %ld bytes): %s%s", node,
		    size, strerror(errno), errno == ENOSYS ?
		    " (this kernel has no virgo_publish)" : "");
	if (args.queued_on != node)
		die("message %u:%u:%llu: queued on node %u, not %u",
		    args.id.node, args.id.epoch,
		    (unsigned long long)args.id.seq, args.queued_on, node);
	*id = args.id;
}

/* virgo_wait() for @id's REPLY into @got, or death. */
static void queue_wait(const struct virgo_msg_id *id, char *got, long size,
		       struct virgo_wait_args *args)
{
	long ret;

	memset(args, 0, sizeof(*args));
	args->id = *id;
	args->result = (uintptr_t)got;
	args->result_len = size;
	args->timeout_ms = QUEUE_WAIT_MS;
	ret = syscall(__NR_virgo_wait, args, sizeof(*args));
	if (ret < 0)
		die("virgo_wait(%u:%u:%llu): %s", id->node, id->epoch,
		    (unsigned long long)id->seq, strerror(errno));
	if (ret != size || args->result_size != (uint64_t)size)
		die("message %u:%u:%llu: %ld REPLY bytes (whole REPLY %llu), sent %ld",
		    id->node, id->epoch, (unsigned long long)id->seq, ret,
		    (unsigned long long)args->result_size, size);
}

/* The REPLY in @got must be echo's of @want, from @node. */
static void queue_check(const struct virgo_wait_args *args, unsigned int node,
			const char *want, const char *got, long size)
{
	const struct virgo_msg_id *id = &args->id;

	if (args->status)
		die("message %u:%u:%llu: status %lld", id->node, id->epoch,
		    (unsigned long long)id->seq, (long long)args->status);
	if (memcmp(got, want, size))
		die("message %u:%u:%llu: the REPLY differs from the request",
		    id->node, id->epoch, (unsigned long long)id->seq);
	if (args->ran_on != node)
		die("message %u:%u:%llu: serviced on node %u, not %u", id->node,
		    id->epoch, (unsigned long long)id->seq, args->ran_on, node);
}

/* One round: publish, wait for the REPLY, check it. */
static void queue_round(unsigned int node, char *buf, char *got, long size,
			long p, long i)
{
	struct virgo_wait_args wait;
	struct virgo_msg_id id;

	queue_payload(buf, size, p, i);
	queue_publish(node, buf, size, &id);
	queue_wait(&id, got, size, &wait);
	queue_check(&wait, node, buf, got, size);
}

/* queue-rtt: one sample is a whole virgo_publish + virgo_wait of the REPLY. */
static int cmd_queue_rtt(int argc, char **argv)
{
	struct virgo_wait_args wait;
	struct virgo_msg_id id;
	long count, size, i;
	unsigned int node;
	uint64_t *ns, t;
	char *buf, *got;

	if (argc != 3)
		die("usage: queue-rtt COUNT NODE SIZE");
	count = parse_num("count", argv[0], 1, MAX_COUNT);
	node = parse_num("node", argv[1], 1, 65535);
	size = parse_num("size", argv[2], 1, VIRGO_QUEUE_DATA_MAX);

	ns = alloc_samples(count);
	buf = malloc(size);
	got = malloc(size);
	if (!buf || !got)
		die("out of memory");

	for (i = -WARMUP_NET; i < 0; i++)
		queue_round(node, buf, got, size, 0, i);
	for (i = 0; i < count; i++) {
		queue_payload(buf, size, 0, i);
		t = now_ns();
		queue_publish(node, buf, size, &id);
		queue_wait(&id, got, size, &wait);
		ns[i] = now_ns() - t;
		queue_check(&wait, node, buf, got, size);
	}
	report("queue-rtt", ns, count, 0);
	return 0;
}

/**
 * struct queue_pub - one publisher of a queue-pub run
 * @id: 0..PUBLISHERS-1
 * @node: the node it publishes to
 * @size: the payloads' size
 * @count: how many timed publishes
 * @ns: their latencies, until acknowledged
 * @ids: their messages
 * @go: the publishers start the timed publishes together
 * @start: when its timed publishes began
 * @end: ... and ended
 */
struct queue_pub {
	long id;
	unsigned int node;
	long size;
	long count;
	uint64_t *ns;
	struct virgo_msg_id *ids;
	pthread_barrier_t *go;
	uint64_t start, end;
};

static void *queue_pub_run(void *arg)
{
	struct queue_pub *p = arg;
	char *buf = malloc(p->size), *got = malloc(p->size);
	uint64_t t;
	long i;

	if (!buf || !got)
		die("out of memory");
	/* Untimed: this publisher's way to the node, REPLYs collected. */
	for (i = -WARMUP_NET; i < 0; i++)
		queue_round(p->node, buf, got, p->size, p->id, i);

	pthread_barrier_wait(p->go);
	p->start = now_ns();
	for (i = 0; i < p->count; i++) {
		queue_payload(buf, p->size, p->id, i);
		t = now_ns();
		queue_publish(p->node, buf, p->size, &p->ids[i]);
		p->ns[i] = now_ns() - t;
	}
	p->end = now_ns();
	free(buf);
	free(got);
	return NULL;
}

/* One virgo_lock(2) of NAME and its virgo_unlock(2). */
static void lock_round(struct virgo_lock_args *args)
{
	long fd;

	args->token = 0;
	args->lease_ms = 0;
	fd = syscall(__NR_virgo_lock, args, sizeof(*args));
	if (fd < 0)
		die("virgo_lock: %s", strerror(errno));
	if (syscall(__NR_virgo_unlock, fd, 0) < 0)
		die("virgo_unlock: %s", strerror(errno));
	close(fd);
}

/*
 * lock-rtt: one sample is a virgo_lock(2) of NAME (waiting for it if
 * another holds it) and its virgo_unlock(2): two round trips to the lock
 * master from another node.
 */
static int cmd_lock_rtt(int argc, char **argv)
{
	struct virgo_lock_args args = { .timeout_ms = 60000 };
	uint64_t *ns, t, start;
	long count, i;

	if (argc != 2)
		die("usage: lock-rtt COUNT NAME");
	count = parse_num("count", argv[0], 1, MAX_COUNT);
	args.name = (uintptr_t)argv[1];
	args.name_len = strlen(argv[1]);
	ns = alloc_samples(count);
	for (i = -WARMUP_NET; i < 0; i++)
		lock_round(&args);
	start = now_ns();
	for (i = 0; i < count; i++) {
		t = now_ns();
		lock_round(&args);
		ns[i] = now_ns() - t;
	}
	report("lock-rtt", ns, count, now_ns() - start);
	return 0;
}

/*
 * queue-pub: PUBLISHERS threads share COUNT virgo_publish calls to NODE,
 * one outstanding each; the rate is COUNT over the time from the first
 * publisher's start to the last one's end. Only the publishes are timed:
 * every REPLY is collected and checked after the last.
 */
static int cmd_queue_pub(int argc, char **argv)
{
	uint64_t *ns, start = UINT64_MAX, end = 0;
	struct virgo_wait_args wait;
	struct virgo_msg_id *ids;
	long count, size, npubs, share = 0, i, j;
	struct queue_pub *pubs;
	pthread_barrier_t go;
	pthread_t *threads;
	unsigned int node;
	char *buf, *got;
	int err;

	if (argc != 4)
		die("usage: queue-pub COUNT NODE SIZE PUBLISHERS");
	node = parse_num("node", argv[1], 1, 65535);
	size = parse_num("size", argv[2], 1, VIRGO_QUEUE_DATA_MAX);
	npubs = parse_num("publisher count", argv[3], 1, QUEUE_PUB_MAX);
	count = parse_num("count", argv[0], npubs, MAX_COUNT);

	ns = alloc_samples(count);
	ids = calloc(count, sizeof(*ids));
	pubs = calloc(npubs, sizeof(*pubs));
	threads = calloc(npubs, sizeof(*threads));
	buf = malloc(size);
	got = malloc(size);
	if (!ids || !pubs || !threads || !buf || !got)
		die("out of memory");
	err = pthread_barrier_init(&go, NULL, npubs);
	if (err)
		die("pthread_barrier_init: %s", strerror(err));

	for (i = 0; i < npubs; i++) {
		struct queue_pub *p = &pubs[i];

		p->id = i;
		p->node = node;
		p->size = size;
		p->count = count / npubs + (i < count % npubs);
		p->ns = ns + share;
		p->ids = ids + share;
		p->go = &go;
		share += p->count;
		err = pthread_create(&threads[i], NULL, queue_pub_run, p);
		if (err)
			die("pthread_create: %s", strerror(err));
	}
	for (i = 0; i < npubs; i++) {
		err = pthread_join(threads[i], NULL);
		if (err)
			die("pthread_join: %s", strerror(err));
		if (pubs[i].start < start)
			start = pubs[i].start;
		if (pubs[i].end > end)
			end = pubs[i].end;
	}

	/* Untimed: every message's REPLY, exactly its request. */
	for (i = 0; i < npubs; i++) {
		for (j = 0; j < pubs[i].count; j++) {
			queue_payload(buf, size, i, j);
			queue_wait(&pubs[i].ids[j], got, size, &wait);
			queue_check(&wait, node, buf, got, size);
		}
	}
	report("queue-pub", ns, count, end > start ? end - start : 1);
	return 0;
}

/* ------------------------------------------------------------ main */

/* ------------------------------------------------------------ streams */

#define STREAM_CHUNK	(1 << 20)

/* "result" fields of a transfer of @bytes that took @ns. */
static void report_stream(uint64_t bytes, uint64_t ns)
{
	printf("bytes=%llu seconds=%.3f mib_s=%.2f\n", (unsigned long long)bytes,
	       ns / 1e9, bytes / 1048576.0 / (ns / 1e9));
}

/* One stream connection: "w <n>\n" drains n bytes then acks; "r <n>\n" sends n. */
static void stream_conn(int fd)
{
	static char buf[STREAM_CHUNK];
	unsigned long long n;
	char head[32] = "";
	size_t i = 0;
	ssize_t r;

	while (i < sizeof(head) - 1 && read(fd, head + i, 1) == 1 && head[i] != '\n')
		i++;
	if (sscanf(head, "%*c %llu", &n) != 1)
		return;
	if (head[0] == 'w') {
		while (n && (r = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf))) > 0)
			n -= r;
		write_all(fd, "k", 1);
	} else {
		for (; n; n -= r) {
			r = n < sizeof(buf) ? n : sizeof(buf);
			write_all(fd, buf, r);
		}
	}
}

static int cmd_stream_server(int argc, char **argv)
{
	int fd, c;

	if (argc != 1)
		die("usage: stream-server PORT");
	fd = listen_on(argv[0], 4);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		stream_conn(c);
		close(c);
	}
}

/* stream ADDR PORT w|r BYTES: raw TCP throughput, one connection. */
static int cmd_stream(int argc, char **argv)
{
	static char buf[STREAM_CHUNK];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint64_t n, left, t0;
	char head[40];
	ssize_t r;
	int fd;

	if (argc != 4 || (strcmp(argv[2], "w") && strcmp(argv[2], "r")))
		die("usage: stream ADDR PORT w|r BYTES");
	sin.sin_port = htons(parse_num("port", argv[1], 1, 65535));
	if (inet_pton(AF_INET, argv[0], &sin.sin_addr) != 1)
		die("bad address %s", argv[0]);
	n = parse_num("bytes", argv[3], 1, 1L << 40);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect %s:%s: %s", argv[0], argv[1], strerror(errno));
	snprintf(head, sizeof(head), "%s %llu\n", argv[2], (unsigned long long)n);
	t0 = now_ns();
	write_all(fd, head, strlen(head));
	if (argv[2][0] == 'w') {
		for (left = n; left; left -= r) {
			r = left < sizeof(buf) ? left : sizeof(buf);
			write_all(fd, buf, r);
		}
		read_full(fd, buf, 1);
	} else {
		for (left = n; left; left -= r) {
			r = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (r <= 0)
				die("stream: the server stopped after %llu bytes",
				    (unsigned long long)(n - left));
		}
	}
	report_stream(n, now_ns() - t0);
	close(fd);
	return 0;
}

/* fs-stream NODE PATH w|r BYTES: virgo_write/virgo_read of a file, 1 MiB a call. */
static int cmd_fs_stream(int argc, char **argv)
{
	static unsigned char buf[VIRGO_IO_MAX];
	uint64_t n, pos, t0;
	long fd, r, want;
	int write;

	if (argc != 4 || (strcmp(argv[2], "w") && strcmp(argv[2], "r")))
		die("usage: fs-stream NODE PATH w|r BYTES");
	write = argv[2][0] == 'w';
	n = parse_num("bytes", argv[3], 1, 1L << 40);
	for (pos = 0; pos < sizeof(buf); pos++)
		buf[pos] = pos * 131;
	t0 = now_ns();
	fd = syscall(__NR_virgo_open, argv[1], VIRGO_OPEN_NODE(parse_num("node", argv[0], 1, 64)) |
		     (write ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY), 0644);
	if (fd < 0)
		die("virgo_open(%s): %s", argv[1], strerror(errno));
	for (pos = 0; pos < n; pos += r) {
		want = n - pos < sizeof(buf) ? n - pos : sizeof(buf);
		r = syscall(write ? __NR_virgo_write : __NR_virgo_read, fd, buf, want, pos);
		if (r < 0)
			die("virgo_%s at %llu: %s", write ? "write" : "read",
			    (unsigned long long)pos, strerror(errno));
		if (r == 0)
			die("virgo_read: the file ends at %llu", (unsigned long long)pos);
	}
	if (syscall(__NR_virgo_close, fd))
		die("virgo_close: %s", strerror(errno));
	report_stream(n, now_ns() - t0);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} probes[] = {
	{ "tcp-server", cmd_tcp_server },
	{ "tcp-rtt", cmd_tcp_rtt },
	{ "cmd-rtt", cmd_cmd_rtt },
	{ "clone-rtt", cmd_clone_rtt },
	{ "mc", cmd_mc },
	{ "mc-set", cmd_mc_set },
	{ "mem-get-rtt", cmd_mem_get_rtt },
	{ "queue-rtt", cmd_queue_rtt },
	{ "queue-pub", cmd_queue_pub },
	{ "lock-rtt", cmd_lock_rtt },
	{ "stream-server", cmd_stream_server },
	{ "stream", cmd_stream },
	{ "fs-stream", cmd_fs_stream },
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
		"       virgo-bench clone-rtt COUNT NODE FUNC SIZE\n"
		"       virgo-bench mc ADDR PORT CONNS COUNT SIZE\n"
		"       virgo-bench mc-set ADDR PORT CONNS COUNT SIZE\n"
		"       virgo-bench mem-get-rtt COUNT SIZE [NODE]\n"
		"       virgo-bench queue-rtt COUNT NODE SIZE\n"
		"       virgo-bench queue-pub COUNT NODE SIZE PUBLISHERS\n"
		"       virgo-bench lock-rtt COUNT NAME\n"
		"       virgo-bench stream-server PORT\n"
		"       virgo-bench stream ADDR PORT w|r BYTES\n"
		"       virgo-bench fs-stream NODE PATH w|r BYTES\n");
	return 2;
}
