// SPDX-License-Identifier: GPL-2.0
/*
 * virgo - the VIRGO cluster command-line tool
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "libvirgo.h"

#define VIRGO_STR2(x) #x
#define VIRGO_STR(x) VIRGO_STR2(x)

#define QUEUE_WAIT_MS	10000	/* queue wait's default --timeout */

static const char usage[] =
"usage: virgo COMMAND [ARGS]\n"
"\n"
"  config load [--cloud FILE] [--client FILE] [--key FILE|none] [--self ADDR]\n"
"              [--queue-dir DIR] [--eventnet-dir DIR]\n"
"        read the node lists (default " VIRGO_CLOUD_CONF ", " VIRGO_CLIENT_CONF ")\n"
"        and the cluster key (default " VIRGO_KEY_FILE ", if present), check\n"
"        them all, then load them into the kernel and start the services.\n"
"        Bad files change nothing. --self: this node's address (default:\n"
"        the listed address this machine has). The queue opens its log in\n"
"        --queue-dir (default: its log_dir, " VIRGO_QUEUE_LOG_DIR "), made if\n"
"        missing, and services again what it had not answered. EventNet\n"
"        keeps its files in --eventnet-dir (default: its dir,\n"
"        /var/log/eventnet), made if missing.\n"
"  status\n"
"        the node table: id, address, state, load, round trip; the policy.\n"
"  balancer [POLICY]\n"
"        show or set the policy: prg, least-loaded, round-robin.\n"
"  pick [COUNT]\n"
"        ask the balancer COUNT times (default 1); print each node's share.\n"
"  send [--node ID | --addr ADDR] [--source ADDR] [--key FILE|none] SERVICE LINE...\n"
"        send each LINE to SERVICE (core, cpupool, mempool, cloudfs, queue,\n"
"        eventnet, cloudsync or a port) on a node (default 127.0.0.1), over a\n"
"        protected connection when a key is set, and print the replies.\n"
"        Exits 1 if a\n"
"        reply is an ERROR line.\n"
"  clone [--node ID] [--exec] [--timeout MS] [--stdin] [-v] [--count N]\n"
"        [--async] FUNC [ARG...] [--node ID]\n"
"        run the kernel function FUNC on the node the balancer picks (or\n"
"        ID); with --exec, the program FUNC from that node's allow-listed\n"
"        directory. The result (a program's standard output) goes to\n"
"        stdout. A function's argument is the ARGs joined by spaces, or\n"
"        with --stdin standard input; a program's are the ARGs. Exits with\n"
"        the program's status; for a function 0 if it returned 0, else 1.\n"
"        -v: print where it ran, its status and result size to stderr.\n"
"        --count N: run it N times; print how many ran on each node instead.\n"
"        --async: do not wait: queue the call on that node (the service\n"
"        clone, or exec) and print the message's id; queue wait collects\n"
"        the result.\n"
"  malloc SIZE\n"
"        allocate SIZE bytes of cluster memory; print its VUID.\n"
"  set VUID DATA|--stdin [OFFSET]\n"
"        store DATA (or standard input, binary-safe) at OFFSET (default 0).\n"
"  get VUID LENGTH [OFFSET]\n"
"        write LENGTH bytes from OFFSET (default 0) to stdout.\n"
"  free VUID\n"
"        release the allocation on every node that holds part of it.\n"
"  fs cat [--node ID] PATH\n"
"        copy the file PATH of a node's export (default: the balancer's\n"
"        pick) to stdout.\n"
"  fs put [--node ID] PATH\n"
"        copy standard input to PATH there (created or truncated, 0644).\n"
"  fs open [--node ID] PATH [r|w|rw|create] -- COMMAND [ARG...]\n"
"        open PATH there (default r) as descriptor 3 (VIRGO_FS_FD=3) and\n"
"        run COMMAND with it: the file closes when the last process that\n"
"        holds it does.\n"
"  fs read FD COUNT [POS] | fs write FD DATA [POS] | fs close FD\n"
"        pread, pwrite or close a descriptor from fs open.\n"
"  queue publish [--node ID] SERVICE [DATA|--stdin]\n"
"        send a request for the KingCobra service SERVICE (echo,\n"
"        problem-report, suggestion, clone, exec) with DATA (or standard\n"
"        input, binary-safe; default none) to the node the balancer picks\n"
"        (or ID); print its id, NODE:EPOCH:SEQ, once that node has it on\n"
"        disk.\n"
"  queue wait ID [--timeout MS] [-v]\n"
"        collect the reply to the message ID, published from this node,\n"
"        waiting up to MS ms (default " VIRGO_STR(QUEUE_WAIT_MS) ", 0: do not wait); a reply is\n"
"        handed out once. Its payload goes to stdout. Exits 0 if the\n"
"        service's status is 0, else prints it to stderr and exits 1.\n"
"        -v: print where it ran, its status and size to stderr.\n"
"  queue list\n"
"        the messages this node holds: id, role, state, service, peer node,\n"
"        size.\n"
"  queue log [FILE]\n"
"        print the records of the queue's log FILE (default:\n"
"        " VIRGO_QUEUE_LOG_NAME " in configfs queue/log_dir), checking each\n"
"        one's crc; a payload as text, or escaped (\\xHH) if it has a byte\n"
"        that is not printable. Exits 1 if a line is torn or damaged.\n"
"  lock [--timeout MS | --try] NAME -- COMMAND [ARG...]\n"
"        take the cluster lock NAME (waiting at most MS, default and most\n"
"        " VIRGO_STR(VIRGO_LOCK_TIMEOUT_MAX_MS) "; --try: not at all), run COMMAND holding it, as\n"
"        flock(1) does, with VIRGO_LOCK_NAME and VIRGO_LOCK_TOKEN (the\n"
"        fencing token) in its environment, and release it when COMMAND\n"
"        ends. Exits with COMMAND's status (128+N if signal N ended it);\n"
"        1 if the lock was not taken, or its lease was lost: then COMMAND\n"
"        (its process group) is killed (SIGKILL) at once. COMMAND runs in\n"
"        a process group of its own, gets the terminal and the signals\n"
"        INT, TERM, HUP and QUIT that reach virgo lock, and dies with it.\n"
"  lock status\n"
"        the lock master, on it the locks it serves, and the locks this\n"
"        node holds.\n"
"  eventnet edge [--node ID] FROM TO\n"
"  eventnet vertex [--node ID] EVENT A B\n"
"        add the edge FROM -> TO, or the conversation (A,B) to EVENT, to\n"
"        the event graph of this node (or ID).\n"
"  eventnet dot [--node ID | --all]\n"
"        the event graph of this node (or ID, or of every node, merged)\n"
"        as a Graphviz digraph: dot -Tsvg draws it.\n"
"  eventnet order [--node ID | --all]\n"
"        its events in an order where every edge goes forward, as\n"
"        AsFer's EventNetOrdering.txt: \"<n> - <event>\", n from 0. A\n"
"        cycle is printed to stderr with the events it holds back; exit 1.\n"
"  analytics load [FILE]\n"
"        set the keys of FILE (default " VIRGO_ANALYTICS_CONF "), the\n"
"        original's format: key=value pairs split by commas, on one line or\n"
"        many, '#' comments. All of them, or none: a bad line (FILE:LINE:),\n"
"        a value the kernel refuses or more than 500 keys change nothing.\n"
"  analytics set KEY=VALUE...\n"
"  analytics get KEY\n"
"  analytics list\n"
"        the keys with their values, KEY=VALUE, sorted.\n"
"  analytics delete KEY...\n"
"  analytics stream\n"
"        set the pairs of each line of standard input as it comes\n"
"        (tail -f FILE | virgo analytics stream); a bad line is reported\n"
"        (stdin:LINE:) and changes nothing. Exits 1 if one was.\n"
"  help\n";

static int fail(const char *what, int err)
{
	fprintf(stderr, "virgo: %s: %s\n", what, strerror(-err));
	return 1;
}

/* The key from @path ("none": no key); 0 when absent and optional. */
static int load_key(const char *path, int required, uint8_t *key)
{
	char text[512];
	int n;

	if (!strcmp(path, "none"))
		return 0;
	n = virgo_read_file(path, text, sizeof(text));
	if (n == -ENOENT && !required)
		return 0;
	if (n < 0) {
		fprintf(stderr, "virgo: %s: %s\n", path, strerror(-n));
		return -1;
	}
	n = virgo_key_parse(text, key, VIRGO_KEY_MAX);
	if (n < 0) {
		fprintf(stderr, "virgo: %s: a key is %d to %d hex digits\n", path,
			2 * VIRGO_KEY_MIN, 2 * VIRGO_KEY_MAX);
		return -1;
	}
	return n;
}

static int read_conf(const char *path, int required, struct virgo_addrs *addrs)
{
	char text[16384], err[160];
	int n = virgo_read_file(path, text, sizeof(text));

	if (n == -ENOENT && !required)
		return 1;
	if (n < 0) {
		fprintf(stderr, "virgo: %s: %s\n", path, strerror(-n));
		return -1;
	}
	if (virgo_conf_parse(text, path, addrs, err, sizeof(err))) {
		fprintf(stderr, "virgo: %s\n", err);
		return -1;
	}
	return 0;
}

static int local_address(uint32_t addr)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr;
	freeifaddrs(ifa);
	return found;
}

/*
 * The queue opens its log, EventNet its files, when told where they are:
 * DIR, or the kernel's default (@dir_rel), made if missing. Nothing to do
 * without the component, or when it is open already (@state_rel does not
 * start with "closed"). A directory that cannot open leaves the component
 * closed (its calls answer ENOENT) and the node serving.
 */
static void open_dir(const char *what, const char *state_rel, const char *dir_rel,
		     const char *dir)
{
	char state[256], path[256], *p;
	int ret;

	if (virgo_cfs_read(state_rel, state, sizeof(state)) < 0 ||
	    strncmp(state, "closed", 6))
		return;
	if (dir)
		snprintf(path, sizeof(path), "%s", dir);
	else if ((ret = virgo_cfs_read(dir_rel, path, sizeof(path))) <= 0)
		goto fail;
	ret = 0;
	for (p = path + 1; !ret && (p = strchr(p, '/')); *p++ = '/') {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			ret = -errno;
	}
	if (!ret && mkdir(path, 0700) && errno != EEXIST)
		ret = -errno;
	if (!ret)
		ret = virgo_cfs_write(dir_rel, path);
	if (!ret)
		return;
fail:
	fprintf(stderr, "virgo: %s in %s: %s; it stays closed\n", what,
		dir ? dir : dir_rel, strerror(ret < 0 ? -ret : EIO));
}

static int cmd_config_load(int argc, char **argv)
{
	const char *cloud = VIRGO_CLOUD_CONF, *client = VIRGO_CLIENT_CONF;
	const char *keyfile = VIRGO_KEY_FILE, *self_arg = NULL, *queue_dir = NULL;
	const char *eventnet_dir = NULL;
	int key_required = 0, have_client, key_len, i, j, self = 0, ret;
	struct virgo_addrs nodes, clients;
	uint8_t key[VIRGO_KEY_MAX];
	char rel[320], text[320], addr[INET_ADDRSTRLEN];
	struct in_addr self_addr;
	struct dirent *d;
	DIR *dir;

	for (i = 0; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--cloud"))
			cloud = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--client"))
			client = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--key"))
			keyfile = argv[++i], key_required = 1;
		else if (i + 1 < argc && !strcmp(argv[i], "--self"))
			self_arg = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--queue-dir"))
			queue_dir = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--eventnet-dir"))
			eventnet_dir = argv[++i];
		else
			return fputs(usage, stderr), 2;
	}

	/* Read and check everything before touching the kernel. */
	if (read_conf(cloud, 1, &nodes) < 0)
		return 1;
	ret = read_conf(client, 0, &clients);
	if (ret < 0)
		return 1;
	have_client = !ret;
	if (have_client) {
		for (i = 0; i < clients.n; i++) {
			for (j = 0; j < nodes.n && nodes.addr[j] != clients.addr[i]; j++)
				;
			if (j == nodes.n) {
				if (nodes.n == VIRGO_NODES_MAX)
					return fprintf(stderr, "virgo: more than %d nodes\n",
						       VIRGO_NODES_MAX), 1;
				nodes.addr[nodes.n++] = clients.addr[i];
			}
		}
	}
	if (!nodes.n)
		return fprintf(stderr, "virgo: %s lists no node\n", cloud), 1;
	key_len = load_key(keyfile, key_required, key);
	if (key_len < 0)
		return 1;
	if (queue_dir && (queue_dir[0] != '/' || strlen(queue_dir) >= 256))
		return fprintf(stderr, "virgo: --queue-dir %s: not an absolute path under 256 bytes\n",
			       queue_dir), 1;
	if (eventnet_dir && (eventnet_dir[0] != '/' || strlen(eventnet_dir) >= 256))
		return fprintf(stderr, "virgo: --eventnet-dir %s: not an absolute path under 256 bytes\n",
			       eventnet_dir), 1;
	if (self_arg && inet_pton(AF_INET, self_arg, &self_addr) != 1)
		return fprintf(stderr, "virgo: --self %s: not an IPv4 address\n", self_arg), 1;
	for (i = 0; i < nodes.n && !self; i++)
		if (self_arg ? nodes.addr[i] == self_addr.s_addr : local_address(nodes.addr[i]))
			self = i + 1;
	if (!self)
		return fprintf(stderr, "virgo: %s\n", self_arg ?
			       "--self is not a listed node" :
			       "this machine has none of the listed addresses (use --self)"), 1;

	/* Nodes that are gone or moved first, so that addresses stay unique. */
	dir = opendir(VIRGO_CONFIGFS "/nodes");
	if (!dir)
		return fail(VIRGO_CONFIGFS "/nodes (is CONFIG_VIRGO on, configfs mounted?)",
			    -errno);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		i = atoi(d->d_name);
		snprintf(rel, sizeof(rel), "nodes/%s/address", d->d_name);
		if (virgo_cfs_read(rel, text, sizeof(text)) < 0)
			text[0] = '\0';
		if (i >= 1 && i <= nodes.n &&
		    !strcmp(text, inet_ntop(AF_INET, &nodes.addr[i - 1], addr, sizeof(addr))))
			continue;
		snprintf(text, sizeof(text), "%s/nodes/%s", VIRGO_CONFIGFS, d->d_name);
		if (rmdir(text))
			return closedir(dir), fail(text, -errno);
	}
	closedir(dir);

	if (key_len) {
		for (i = 0; i < key_len; i++)
			sprintf(text + 2 * i, "%02x", key[i]);
		ret = virgo_cfs_write("key", text);
	} else {
		ret = virgo_cfs_write("key", "none");
	}
	if (ret)
		return fail("key", ret);
	snprintf(text, sizeof(text), "%d", self);
	ret = virgo_cfs_write("node_id", text);
	if (ret)
		return fail("node_id", ret);

	for (i = 0; i < nodes.n; i++) {
		snprintf(text, sizeof(text), "%s/nodes/%d", VIRGO_CONFIGFS, i + 1);
		if (mkdir(text, 0755) && errno != EEXIST)
			return fail(text, -errno);
		snprintf(rel, sizeof(rel), "nodes/%d/address", i + 1);
		ret = virgo_cfs_write(rel, inet_ntop(AF_INET, &nodes.addr[i], addr, sizeof(addr)));
		if (ret)
			return fail(rel, ret);
		for (j = 0; have_client && j < clients.n && clients.addr[j] != nodes.addr[i]; j++)
			;
		snprintf(rel, sizeof(rel), "nodes/%d/client", i + 1);
		ret = virgo_cfs_write(rel, !have_client || j < clients.n ? "1" : "0");
		if (ret)
			return fail(rel, ret);
	}
	open_dir("the queue's log", "queue/state", "queue/log_dir", queue_dir);
	open_dir("EventNet's files", "eventnet/status", "eventnet/dir", eventnet_dir);
	ret = virgo_cfs_write("listen", "1");
	if (ret)
		return fail("listen", ret);
	printf("virgo: %d nodes, this is node %d, %s\n", nodes.n, self,
	       key_len ? "keyed (handshake v" VIRGO_STR(VIRGO_AUTH_VERSION) ", protected frames)" : "unauthenticated (lab mode)");
	return 0;
}

static int cmd_status(void)
{
	char rel[64], addr[64], state[32], load[96], rtt[32], client[8], v[64];
	int id, self, runq;
	unsigned long long free_kb;
	char load1[16];

	if (virgo_cfs_read("node_id", v, sizeof(v)) < 0)
		return fail(VIRGO_CONFIGFS, -errno ? -errno : -ENOENT);
	self = atoi(v);
	printf("%-5s %-15s %-8s %5s %6s %9s %8s %s\n", "node", "address", "state",
	       "runq", "load1", "free-MiB", "rtt-us", "client");
	for (id = 1; id <= VIRGO_NODES_MAX; id++) {
		snprintf(rel, sizeof(rel), "nodes/%d/address", id);
		if (virgo_cfs_read(rel, addr, sizeof(addr)) < 0)
			continue;
		snprintf(rel, sizeof(rel), "nodes/%d/state", id);
		virgo_cfs_read(rel, state, sizeof(state));
		snprintf(rel, sizeof(rel), "nodes/%d/load", id);
		virgo_cfs_read(rel, load, sizeof(load));
		snprintf(rel, sizeof(rel), "nodes/%d/rtt_us", id);
		virgo_cfs_read(rel, rtt, sizeof(rtt));
		snprintf(rel, sizeof(rel), "nodes/%d/client", id);
		virgo_cfs_read(rel, client, sizeof(client));
		if (sscanf(load, "%d %15s %llu", &runq, load1, &free_kb) != 3)
			runq = 0, strcpy(load1, "-"), free_kb = 0;
		printf("%-5s %-15s %-8s %5d %6s %9llu %8s %s\n",
		       id == self ? (snprintf(v, sizeof(v), "%d*", id), v) :
		       (snprintf(v, sizeof(v), "%d", id), v),
		       addr, state, runq, load1, free_kb / 1024, rtt,
		       atoi(client) ? "yes" : "no");
	}
	virgo_cfs_read("balancer", v, sizeof(v));
	printf("balancer: %s", v);
	virgo_cfs_read("auth", v, sizeof(v));
	printf("   auth: %s", v);
	virgo_cfs_read("listen", v, sizeof(v));
	printf("   listening: %s\n", atoi(v) ? "yes" : "no");
	return 0;
}

static int cmd_balancer(int argc, char **argv)
{
	char v[64];
	int ret;

	if (argc > 1)
		return fputs(usage, stderr), 2;
	if (argc == 1) {
		ret = virgo_cfs_write("balancer", argv[0]);
		if (ret)
			return fprintf(stderr, "virgo: balancer %s: %s (prg, least-loaded, round-robin)\n",
				       argv[0], strerror(-ret)), 1;
	}
	ret = virgo_cfs_read("balancer", v, sizeof(v));
	if (ret < 0)
		return fail("balancer", ret);
	printf("%s\n", v);
	return 0;
}

static int cmd_pick(int argc, char **argv)
{
	unsigned long count = 1, i, hits[VIRGO_NODES_MAX + 1] = {};
	char v[32];
	int id, ret;

	if (argc > 1 || (argc && (count = strtoul(argv[0], NULL, 10)) == 0))
		return fputs(usage, stderr), 2;
	for (i = 0; i < count; i++) {
		ret = virgo_cfs_read("pick", v, sizeof(v));
		if (ret < 0)
			return fail("pick", ret);
		id = atoi(v);
		if (id < 1 || id > VIRGO_NODES_MAX)
			return fail("pick", -EPROTO);
		hits[id]++;
	}
	if (count == 1)
		return printf("%d\n", id), 0;
	for (id = 1; id <= VIRGO_NODES_MAX; id++)
		if (hits[id])
			printf("node %d: %lu\n", id, hits[id]);
	return 0;
}

/* A number from configfs attribute @rel; 0 when there is none. */
static uint32_t cfs_u32(const char *rel)
{
	char v[32];

	return virgo_cfs_read(rel, v, sizeof(v)) > 0 ? (uint32_t)strtoul(v, NULL, 10) : 0;
}

/* The id of the node at @addr (a loopback address: @self); 0 if none. */
static uint32_t node_of(uint32_t addr, uint32_t self)
{
	char rel[64], v[32];
	struct in_addr a;
	uint32_t id;

	if ((ntohl(addr) >> 24) == 127)
		return self;
	for (id = 1; id <= VIRGO_NODES_MAX; id++) {
		snprintf(rel, sizeof(rel), "nodes/%u/address", id);
		if (virgo_cfs_read(rel, v, sizeof(v)) > 0 &&
		    inet_pton(AF_INET, v, &a) == 1 && a.s_addr == addr)
			return id;
	}
	return 0;
}

/*
 * Connect @link to @port of the node @node (an id; NULL: the address
 * @target), from @source if not NULL, with the key in @keyfile (needed
 * only if @key_required). Returns 0, or an exit status after saying why.
 */
static int connect_node(struct virgo_link *link, const char *node, const char *target,
			const char *source, const char *keyfile, int key_required,
			unsigned int port)
{
	char rel[64], addr_text[64];
	uint32_t self_id = 0, peer_id = 0;
	uint8_t key[VIRGO_KEY_MAX];
	struct in_addr addr;
	int key_len, ret;

	snprintf(addr_text, sizeof(addr_text), "%s", target);
	if (node) {
		snprintf(rel, sizeof(rel), "nodes/%s/address", node);
		if (virgo_cfs_read(rel, addr_text, sizeof(addr_text)) <= 0)
			return fprintf(stderr, "virgo: no node %s\n", node), 1;
	}
	if (inet_pton(AF_INET, addr_text, &addr) != 1)
		return fprintf(stderr, "virgo: '%s' is not an IPv4 address\n", addr_text), 2;
	key_len = load_key(keyfile, key_required, key);
	if (key_len < 0)
		return 1;

	/* The handshake names both ends: this node, and the node dialled. */
	if (key_len) {
		self_id = cfs_u32("node_id");
		peer_id = node ? (uint32_t)atoi(node) : node_of(addr.s_addr, self_id);
		if (!self_id || !peer_id)
			return fprintf(stderr, "virgo: %s is not a node of this cluster\n",
				       self_id ? addr_text : "this machine"), 1;
	}
	ret = virgo_link_connect(link, addr.s_addr, port, source, key, key_len,
				 self_id, peer_id, 5000);
	return ret ? fail(addr_text, ret) : 0;
}

static int cmd_send(int argc, char **argv)
{
	const char *keyfile = VIRGO_KEY_FILE, *source = NULL, *node = NULL;
	int key_required = 0, ret, i, errors = 0;
	static struct virgo_link link;
	char target[64] = "127.0.0.1", buf[4096];
	unsigned int port;
	size_t n, col = 0;
	ssize_t r;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--node"))
			node = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--addr"))
			snprintf(target, sizeof(target), "%s", argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--source"))
			source = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--key"))
			keyfile = argv[++i], key_required = 1;
		else
			return fputs(usage, stderr), 2;
	}
	if (argc - i < 2)
		return fputs(usage, stderr), 2;
	port = virgo_service_port(argv[i]);
	if (!port)
		return fprintf(stderr, "virgo: unknown service '%s'\n", argv[i]), 2;
	ret = connect_node(&link, node, target, source, keyfile, key_required, port);
	if (ret)
		return ret;
	/*
	 * A server that refuses us says why and hangs up: a failed write is
	 * not the end, what it said is still to be read.
	 */
	for (i++; i < argc; i++) {
		n = strlen(argv[i]);
		if (n >= sizeof(buf))
			return virgo_link_close(&link), fprintf(stderr, "virgo: line too long\n"), 2;
		memcpy(buf, argv[i], n);
		buf[n++] = '\n';
		if (virgo_link_write(&link, buf, n))
			break;
	}
	virgo_link_shutdown(&link);
	/* Print every reply; note the lines that start with "ERROR ". */
	while ((r = virgo_link_read(&link, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, r, stdout);
		for (n = 0; n < (size_t)r; n++) {
			if (buf[n] == '\n')
				col = 0;		/* a new line starts */
			else if (col >= 6)
				continue;		/* decided for this line */
			else if (buf[n] != "ERROR "[col])
				col = 7;		/* not an error line */
			else if (++col == 6)
				errors++;
		}
	}
	virgo_link_close(&link);
	if (r < 0)
		return fail("receive", r);
	return errors ? 1 : 0;
}

/* Standard input, whole, at most @max bytes; NULL on error. */
static char *read_stdin(size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	ssize_t r = 1;

	*len = 0;
	while (buf && *len <= max && (r = read(0, buf + *len, max + 1 - *len)) > 0)
		*len += r;
	if (buf && (r < 0 || *len > max)) {
		fprintf(stderr, "virgo: standard input: %s\n",
			r < 0 ? strerror(errno) : "longer than the argument limit");
		free(buf);
		buf = NULL;
	}
	return buf;
}

static int cmd_clone(int argc, char **argv)
{
	unsigned long hits[VIRGO_NODES_MAX + 1] = { 0 };
	struct virgo_clone_args args = { 0 };
	int i, verbose = 0, from_stdin = 0, count = 1;
	char *arg, *result, id[VIRGO_MSG_ID_SIZE];
	size_t len = 0;
	long n;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--node"))
			args.flags |= VIRGO_CLONE_NODE, args.node = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--timeout"))
			args.timeout_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--exec"))
			args.flags |= VIRGO_CLONE_EXEC;
		else if (!strcmp(argv[i], "--async"))
			args.flags |= VIRGO_CLONE_ASYNC;
		else if (!strcmp(argv[i], "--stdin"))
			from_stdin = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (i + 1 < argc && !strcmp(argv[i], "--count"))
			count = atoi(argv[++i]);
		else
			return fputs(usage, stderr), 2;
	}
	/* "virgo clone FUNC [ARG...] --node N" works too. */
	if (argc - i >= 3 && !strcmp(argv[argc - 2], "--node")) {
		args.flags |= VIRGO_CLONE_NODE;
		args.node = atoi(argv[argc - 1]);
		argc -= 2;
	}
	if (i == argc || count < 1 || (from_stdin && (i + 1 < argc || args.flags & VIRGO_CLONE_EXEC)))
		return fputs(usage, stderr), 2;
	args.func = (uintptr_t)argv[i++];

	if (from_stdin) {
		arg = read_stdin(VIRGO_CLONE_ARG_MAX, &len);
		if (!arg)
			return 1;
	} else {
		/* Words joined by spaces, or each ended by a NUL for a program. */
		arg = malloc(VIRGO_CLONE_ARG_MAX + 1);
		if (!arg)
			return fail("clone", -ENOMEM);
		for (; i < argc; i++) {
			size_t w = strlen(argv[i]) + 1;

			if (len + w > VIRGO_CLONE_ARG_MAX)
				return fprintf(stderr, "virgo: arguments too long\n"), 2;
			memcpy(arg + len, argv[i], w);
			len += w;
			if (!(args.flags & VIRGO_CLONE_EXEC))
				arg[len - 1] = ' ';
		}
		if (len && !(args.flags & VIRGO_CLONE_EXEC))
			len--;		/* no space after the last word */
	}
	result = malloc(VIRGO_CLONE_RESULT_MAX);
	if (!result)
		return fail("clone", -ENOMEM);
	args.arg = (uintptr_t)arg;
	args.arg_len = len;
	args.result = (uintptr_t)result;
	args.result_len = VIRGO_CLONE_RESULT_MAX;

	for (i = 0; i < count; i++) {
		n = virgo_clone(&args);
		if (n < 0)
			return fail((char *)(uintptr_t)args.func, n);
		if (args.flags & VIRGO_CLONE_ASYNC) {
			virgo_msg_id_format(&args.msg_id, id, sizeof(id));
			printf("%s\n", id);
		} else if (args.ran_on <= VIRGO_NODES_MAX) {
			hits[args.ran_on]++;
		}
	}
	if (args.flags & VIRGO_CLONE_ASYNC) {
		free(result);
		free(arg);
		return 0;
	}
	if (count > 1) {
		for (i = 1; i <= VIRGO_NODES_MAX; i++)
			if (hits[i])
				printf("node %d: %lu\n", i, hits[i]);
	} else {
		fwrite(result, 1, n, stdout);
	}
	fflush(stdout);
	if (verbose)
		fprintf(stderr, "virgo: ran on node %u, status %lld, %llu bytes\n",
			args.ran_on, (long long)args.status,
			(unsigned long long)args.result_size);
	free(result);
	free(arg);
	if (args.flags & VIRGO_CLONE_EXEC)
		return args.status >= 0 && args.status <= 255 ? args.status : 1;
	return args.status ? 1 : 0;
}

/* A decimal number for @what, or exit with the usage. */
static uint64_t number(const char *what, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *s == '-') {
		fprintf(stderr, "virgo: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return v;
}

/* virgo malloc|set|get|free ... */
static int cmd_mem(const char *op, int argc, char **argv)
{
	uint64_t vuid, len, off = 0;
	size_t n;
	char *buf;
	long ret;
	int err;

	if (!strcmp(op, "malloc") && argc == 1) {
		err = virgo_malloc(number("size", argv[0]), &vuid);
		if (err)
			return fail("malloc", err);
		printf("%llu\n", (unsigned long long)vuid);
		return 0;
	}
	if (!strcmp(op, "free") && argc == 1) {
		err = virgo_free(number("VUID", argv[0]));
		return err ? fail("free", err) : 0;
	}
	if (argc < 2 || argc > 3 || !strcmp(op, "malloc") || !strcmp(op, "free"))
		return fputs(usage, stderr), 2;
	vuid = number("VUID", argv[0]);
	if (argc == 3)
		off = number("offset", argv[2]);
	if (!strcmp(op, "set")) {
		if (!strcmp(argv[1], "--stdin")) {
			buf = read_stdin(VIRGO_MALLOC_MAX, &n);
			if (!buf)
				return 1;
		} else {
			buf = strdup(argv[1]);
			n = strlen(argv[1]);
		}
		ret = buf ? virgo_set(vuid, buf, n, off) : -ENOMEM;
		free(buf);
		return ret < 0 ? fail("set", ret) : 0;
	}
	len = number("length", argv[1]);
	if (len > VIRGO_MALLOC_MAX)
		return fail("get", -E2BIG);
	buf = malloc(len ?: 1);
	ret = buf ? virgo_get(vuid, buf, len, off) : -ENOMEM;
	if (ret >= 0 && fwrite(buf, 1, ret, stdout) != (size_t)ret)
		ret = -EIO;
	free(buf);
	return ret < 0 ? fail("get", ret) : 0;
}

/* virgo fs cat|put|open|read|write|close ... */
static int cmd_fs(int argc, char **argv)
{
	static char buf[VIRGO_IO_MAX];
	uint64_t flags = 0, pos = 0;
	const char *op;
	int64_t fd;
	long n;
	int ret = 0;

	if (argc < 2)
		return fputs(usage, stderr), 2;
	op = argv[0];
	argc--, argv++;
	if (argc >= 3 && !strcmp(argv[0], "--node")) {
		flags = VIRGO_OPEN_NODE(number("node", argv[1]));
		argc -= 2, argv += 2;
	}
	if (!strcmp(op, "cat") && argc == 1) {
		fd = virgo_open(argv[0], flags | O_RDONLY, 0);
		if (fd < 0)
			return fail(argv[0], fd);
		while ((n = virgo_read(fd, buf, sizeof(buf), pos)) > 0) {
			if (fwrite(buf, 1, n, stdout) != (size_t)n) {
				n = -EIO;
				break;
			}
			pos += n;
		}
		virgo_close(fd);
		return n < 0 ? fail(argv[0], n) : 0;
	}
	if (!strcmp(op, "put") && argc == 1) {
		fd = virgo_open(argv[0], flags | O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail(argv[0], fd);
		while (!ret && (n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
			long w, done;

			/* A write cut short: the rest, and the error if any. */
			for (done = 0; !ret && done < n; done += w) {
				w = virgo_write(fd, buf + done, n - done, pos + done);
				ret = w < 0 ? (int)w : !w ? -EIO : 0;
			}
			pos += n;
		}
		if (!ret && ferror(stdin))
			ret = -EIO;
		n = virgo_close(fd);
		ret = ret ?: (int)n;
		return ret ? fail(argv[0], ret) : 0;
	}
	if (!strcmp(op, "open")) {
		int sep = argc >= 3 && !strcmp(argv[1], "--") ? 1 :
			  argc >= 4 && !strcmp(argv[2], "--") ? 2 : 0;
		const char *m = sep == 2 ? argv[1] : "r";

		flags |= !strcmp(m, "r") ? O_RDONLY : !strcmp(m, "w") ? O_WRONLY :
			 !strcmp(m, "rw") ? O_RDWR : !strcmp(m, "create") ?
			 O_RDWR | O_CREAT : ~0ULL;
		if (!sep || flags == ~0ULL)
			return fputs(usage, stderr), 2;
		fd = virgo_open(argv[0], flags, 0644);
		if (fd < 0)
			return fail(argv[0], fd);
		/* Descriptor 3, open across exec: the command holds the file. */
		if (fd != 3 && (dup2(fd, 3) < 0 || close(fd)))
			return fail("dup2", -errno);
		if (setenv("VIRGO_FS_FD", "3", 1))
			return fail("setenv", -errno);
		execvp(argv[sep + 1], argv + sep + 1);
		return fail(argv[sep + 1], -errno);
	}
	if (flags)
		return fputs(usage, stderr), 2;
	fd = number("descriptor", argv[0]);
	if (!strcmp(op, "close") && argc == 1)
		return (ret = virgo_close(fd)) ? fail("close", ret) : 0;
	if (argc == 3)
		pos = number("position", argv[2]);
	if (!strcmp(op, "read") && (argc == 2 || argc == 3)) {
		n = virgo_read(fd, buf, number("count", argv[1]) > sizeof(buf) ?
			       sizeof(buf) : number("count", argv[1]), pos);
		if (n < 0)
			return fail("read", n);
		fwrite(buf, 1, n, stdout);
		return 0;
	}
	if (!strcmp(op, "write") && (argc == 2 || argc == 3)) {
		n = virgo_write(fd, argv[1], strlen(argv[1]), pos);
		return n < 0 ? fail("write", n) : 0;
	}
	return fputs(usage, stderr), 2;
}

/* virgo queue publish [--node ID] SERVICE [DATA|--stdin] */
static int cmd_publish(int argc, char **argv)
{
	struct virgo_publish_args args = { 0 };
	char id[VIRGO_MSG_ID_SIZE], *data = NULL;
	uint64_t node;
	size_t len = 0;
	int ret;

	if (argc >= 3 && !strcmp(argv[0], "--node")) {
		node = number("node", argv[1]);
		if (!node || node > VIRGO_NODES_MAX)
			return fprintf(stderr, "virgo: node: 1 to %d: %s\n",
				       VIRGO_NODES_MAX, argv[1]), 2;
		args.flags = VIRGO_PUBLISH_NODE;
		args.node = node;
		argc -= 2, argv += 2;
	}
	if (argc < 1 || argc > 2 || argv[0][0] == '-')
		return fputs(usage, stderr), 2;
	if (argc == 2 && !strcmp(argv[1], "--stdin")) {
		data = read_stdin(VIRGO_QUEUE_DATA_MAX, &len);
		if (!data)
			return 1;
		args.data = (uintptr_t)data;
	} else if (argc == 2) {
		args.data = (uintptr_t)argv[1];
		len = strlen(argv[1]);
	}
	args.service = (uintptr_t)argv[0];
	args.data_len = len;
	ret = virgo_publish(&args);
	free(data);
	if (ret)
		return fail(argv[0], ret);
	virgo_msg_id_format(&args.id, id, sizeof(id));
	printf("%s\n", id);
	return 0;
}

/* virgo queue wait ID [--timeout MS] [-v] */
static int cmd_wait(int argc, char **argv)
{
	static char result[VIRGO_QUEUE_DATA_MAX];
	struct virgo_wait_args args = { .timeout_ms = QUEUE_WAIT_MS };
	const char *id = NULL;
	int i, verbose = 0;
	uint64_t ms;
	long n;

	for (i = 0; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--timeout")) {
			ms = number("timeout", argv[++i]);
			if (ms > VIRGO_WAIT_TIMEOUT_MAX_MS)
				return fprintf(stderr, "virgo: timeout: at most %d ms\n",
					       VIRGO_WAIT_TIMEOUT_MAX_MS), 2;
			args.timeout_ms = ms;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!id && argv[i][0] != '-') {
			id = argv[i];
		} else {
			return fputs(usage, stderr), 2;
		}
	}
	if (!id)
		return fputs(usage, stderr), 2;
	if (virgo_msg_id_parse(id, &args.id))
		return fprintf(stderr, "virgo: %s: not a message id (NODE:EPOCH:SEQ)\n", id), 2;
	args.result = (uintptr_t)result;
	args.result_len = sizeof(result);
	n = virgo_wait(&args);
	switch (n) {
	case -ENOENT:
		return fprintf(stderr, "virgo: %s: not a message of this node, or its reply was collected already\n",
			       id), 1;
	case -EAGAIN:
		return fprintf(stderr, "virgo: %s: no reply yet\n", id), 1;
	case -ETIMEDOUT:
		return fprintf(stderr, "virgo: %s: no reply within %u ms\n", id,
			       args.timeout_ms), 1;
	case -EACCES:
		return fprintf(stderr, "virgo: %s: another user's message\n", id), 1;
	}
	if (n < 0)
		return fail(id, n);
	if (fwrite(result, 1, n, stdout) != (size_t)n || fflush(stdout))
		return fail("standard output", -EIO);
	if (verbose || args.status) {
		fprintf(stderr, "virgo: %s: ran on node %u, status %lld", id,
			args.ran_on, (long long)args.status);
		if (args.status < 0 && args.status >= -4095)
			fprintf(stderr, " (%s)", strerror(-args.status));
		fprintf(stderr, ", %llu bytes\n", (unsigned long long)args.result_size);
	}
	return args.status ? 1 : 0;
}

/* Print @len bytes of @s, each that is not printable ASCII as \xHH. */
static void put_escaped(const char *s, size_t len)
{
	for (; len; s++, len--) {
		if (*s >= 0x20 && *s <= 0x7e)
			putchar(*s);
		else
			printf("\\x%02x", (unsigned char)*s);
	}
}

static void put_record(const struct virgo_record *rec, uint8_t *data)
{
	static const char *const names[] = {
		[VIRGO_RECORD_REQUEST] = "REQUEST", [VIRGO_RECORD_REPLY] = "REPLY",
		[VIRGO_RECORD_DELIVERED] = "DELIVERED", [VIRGO_RECORD_TAKEN] = "TAKEN",
		[VIRGO_RECORD_EPOCH] = "EPOCH", [VIRGO_RECORD_PUBLISHED] = "PUBLISHED",
	};
	char id[VIRGO_MSG_ID_SIZE];
	size_t i;

	virgo_msg_id_format(&rec->id, id, sizeof(id));
	printf("%-9s %s lamport=%llu", names[rec->type], id,
	       (unsigned long long)rec->lamport);
	if (rec->type == VIRGO_RECORD_REQUEST)
		printf(" service=%s", rec->service);
	else if (rec->type == VIRGO_RECORD_REPLY)
		printf(" status=%lld", (long long)rec->status);
	else if (rec->type == VIRGO_RECORD_PUBLISHED && rec->uid == UINT32_MAX)
		printf(" node=%u", rec->node);
	else if (rec->type == VIRGO_RECORD_PUBLISHED)
		printf(" node=%u uid=%u", rec->node, rec->uid);
	if (rec->type == VIRGO_RECORD_REQUEST || rec->type == VIRGO_RECORD_REPLY) {
		virgo_record_unescape(rec, data);
		for (i = 0; i < rec->data_len && data[i] >= 0x20 && data[i] <= 0x7e; i++)
			;
		printf(" %zu bytes", rec->data_len);
		if (i < rec->data_len)
			printf(" escaped: %.*s", (int)rec->payload_len, rec->payload);
		else if (rec->data_len)
			printf(": %.*s", (int)rec->data_len, (char *)data);
	}
	putchar('\n');
}

/* virgo queue log [FILE] */
static int cmd_queue_log(int argc, char **argv)
{
	static uint8_t data[VIRGO_QUEUE_DATA_MAX];
	char dir[256], path[320];
	unsigned long lines = 0, bad = 0;
	struct virgo_record rec;
	size_t size = 0;
	char *line = NULL;
	ssize_t len;
	int ret, torn;
	FILE *f;

	if (argc > 1)
		return fputs(usage, stderr), 2;
	if (argc == 1) {
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else {
		if (virgo_cfs_read("queue/log_dir", dir, sizeof(dir)) <= 0)
			strcpy(dir, VIRGO_QUEUE_LOG_DIR);
		snprintf(path, sizeof(path), "%s/%s", dir, VIRGO_QUEUE_LOG_NAME);
	}
	f = fopen(path, "re");
	if (!f)
		return fail(path, -errno);
	/* Each record on its line; a line that is not one is shown escaped. */
	while ((len = getline(&line, &size, f)) > 0) {
		lines++;
		torn = line[len - 1] != '\n';	/* cut short by a crash */
		if (!torn)
			line[--len] = '\0';
		ret = torn ? 0 : virgo_record_parse(line, len, &rec);
		if (!torn && !ret) {
			put_record(&rec, data);
			continue;
		}
		bad++;
		printf("line %lu: %s: ", lines, torn ?
		       "torn, no newline at the end of the file" :
		       ret == -EBADMSG ? "bad crc" : "not a record");
		put_escaped(line, len < 80 ? len : 80);
		printf("%s\n", len < 80 ? "" : "...");
	}
	ret = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	if (ret)
		return fail(path, ret);
	if (bad)
		fprintf(stderr, "virgo: %s: %lu of %lu lines torn or damaged\n",
			path, bad, lines);
	return bad ? 1 : 0;
}

/* virgo queue publish|wait|list|log ... */
static int cmd_queue(int argc, char **argv)
{
	static char list[1 << 16];
	int n;

	if (argc >= 1 && !strcmp(argv[0], "publish"))
		return cmd_publish(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "wait"))
		return cmd_wait(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "log"))
		return cmd_queue_log(argc - 1, argv + 1);
	if (argc != 1 || strcmp(argv[0], "list"))
		return fputs(usage, stderr), 2;
	n = virgo_queue_messages(list, sizeof(list));
	if (n < 0)
		return fail(VIRGO_CONFIGFS "/queue/messages (is the queue built, configfs mounted?)",
			    n);
	fputs(list, stdout);
	return 0;
}

/* The command's process group, for the signals virgo lock passes on. */
static volatile pid_t lock_child_group;

static void lock_forward(int sig)
{
	if (lock_child_group > 0)
		kill(-lock_child_group, sig);
}

/* virgo lock [--timeout MS | --try] NAME -- COMMAND [ARG...] */
static int cmd_lock(int argc, char **argv)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = lock_forward };
	int tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	unsigned int i;
	unsigned long timeout = VIRGO_LOCK_TIMEOUT_MAX_MS;
	unsigned int flags = VIRGO_LOCK_CLOEXEC;
	struct pollfd p[2] = { { .events = POLLIN }, { .events = POLLIN } };
	char text[32], *end;
	uint64_t token;
	int fd, status, ret;
	pid_t child;

	if (argc == 1 && !strcmp(argv[0], "status")) {
		static char buf[1 << 16];

		ret = virgo_read_file(VIRGO_CONFIGFS "/cloudsync/status", buf, sizeof(buf));
		if (ret < 0)
			return fail(VIRGO_CONFIGFS "/cloudsync/status (is cloudsync built?)", ret);
		fputs(buf, stdout);
		return 0;
	}
	for (; argc && argv[0][0] == '-' && strcmp(argv[0], "--"); argc--, argv++) {
		if (!strcmp(argv[0], "--try")) {
			flags |= VIRGO_LOCK_TRY;
		} else if (!strcmp(argv[0], "--timeout") && argc > 1) {
			errno = 0;
			timeout = strtoul(argv[1], &end, 10);
			if (errno || *end || end == argv[1] || timeout > VIRGO_LOCK_TIMEOUT_MAX_MS)
				return fail("--timeout", -EINVAL);
			argc--, argv++;
		} else {
			return fputs(usage, stderr), 2;
		}
	}
	if (argc < 3 || strcmp(argv[1], "--"))
		return fputs(usage, stderr), 2;
	fd = virgo_lock(argv[0], timeout, flags, &token);
	if (fd == -EAGAIN || fd == -ETIMEDOUT) {
		fprintf(stderr, "virgo: %s: %s\n", argv[0], fd == -EAGAIN ?
			"taken by another holder" : "not granted within the timeout");
		return 1;
	}
	if (fd < 0)
		return fail(argv[0], fd);
	/*
	 * The command runs in a process group of its own, so that a lost
	 * lease stops all of it, and dies with virgo lock; it gets the
	 * terminal, and the signals that reach virgo lock.
	 */
	signal(SIGTTOU, SIG_IGN);
	child = fork();
	if (child < 0)
		return fail("fork", -errno);
	if (!child) {
		setpgid(0, 0);
		if (tty)
			tcsetpgrp(STDIN_FILENO, getpgrp());
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);	/* virgo lock is gone already */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTTOU, SIG_DFL);
		snprintf(text, sizeof(text), "%llu", (unsigned long long)token);
		setenv("VIRGO_LOCK_NAME", argv[0], 1);
		setenv("VIRGO_LOCK_TOKEN", text, 1);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "virgo: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	lock_child_group = child;
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	/* Wait for the command, or for the lock to be lost. */
	p[0].fd = fd;
	p[1].fd = syscall(SYS_pidfd_open, child, 0);
	if (p[1].fd < 0)
		p[1].events = 0;	/* no pidfd: the poll's timeout checks */
	for (;;) {
		ret = waitpid(child, &status, WNOHANG);
		if (ret == child)
			break;
		if (poll(p, 2, p[1].fd < 0 ? 100 : -1) < 0 && errno != EINTR)
			return fail("poll", -errno);
		if (p[0].revents) {
			kill(-child, SIGKILL);
			waitpid(child, &status, 0);
			if (tty)
				tcsetpgrp(STDIN_FILENO, getpgrp());
			fprintf(stderr, "virgo: %s: the lease was lost; %s killed\n",
				argv[0], argv[2]);
			virgo_unlock(fd);
			return 1;
		}
	}
	if (tty)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	ret = virgo_unlock(fd);
	close(fd);
	if (ret == -ESTALE) {
		fprintf(stderr, "virgo: %s: the lease was lost before %s ended\n",
			argv[0], argv[2]);
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Send @req to the EventNet service of @node (NULL: this one); the whole
 * answer, at most a DUMP's, in a malloc'd *@reply. Returns 0 or an exit
 * status after saying why.
 */
static int eventnet_request(const char *node, const char *req, size_t len,
			    char **reply, size_t *reply_len)
{
	static struct virgo_link link;
	size_t max = (1 << 20) + 4096;
	ssize_t r = 0;
	int ret;

	ret = connect_node(&link, node, "127.0.0.1", NULL, VIRGO_KEY_FILE, 0,
			   VIRGO_PORT_EVENTNET);
	if (ret)
		return ret;
	*reply = malloc(max + 1);
	*reply_len = 0;
	if (!*reply)
		return virgo_link_close(&link), fail("eventnet", -ENOMEM);
	if (!virgo_link_write(&link, req, len))
		virgo_link_shutdown(&link);
	while (*reply_len < max &&
	       (r = virgo_link_read(&link, *reply + *reply_len, max - *reply_len)) > 0)
		*reply_len += r;
	virgo_link_close(&link);
	(*reply)[*reply_len] = '\0';
	if (r < 0 || *reply_len == max) {
		free(*reply);
		return fail(node ? node : "eventnet", r < 0 ? r : -EMSGSIZE);
	}
	return 0;
}

/* An edge or vertex message, in the binary-safe form. */
static int eventnet_send(const char *node, int argc, char **argv)
{
	char req[512], *reply;
	size_t len, n, reply_len;
	int i, ret;

	len = snprintf(req, sizeof(req), argc == 2 ? "EDGE" : "VERTEX");
	for (i = 0; i < argc; i++)
		len += snprintf(req + len, sizeof(req) - len, " %zu", strlen(argv[i]));
	req[len++] = '\n';
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (n > 64)
			return fprintf(stderr, "virgo: '%s': longer than 64 bytes\n", argv[i]), 1;
		memcpy(req + len, argv[i], n);
		len += n;
	}
	req[len++] = '\n';
	ret = eventnet_request(node, req, len, &reply, &reply_len);
	if (ret)
		return ret;
	ret = strcmp(reply, "OK\n") != 0;
	if (ret)
		fprintf(stderr, "virgo: %s", reply_len ? reply : "no answer\n");
	free(reply);
	return ret;
}

/* Merge the graph of @node (NULL: this one) into @g. */
static int eventnet_fetch(const char *node, struct virgo_egraph *g)
{
	unsigned long long len, vbytes;
	char *reply, *nl;
	size_t reply_len;
	int ret;

	ret = eventnet_request(node, "DUMP\n", 5, &reply, &reply_len);
	if (ret)
		return ret;
	nl = strchr(reply, '\n');
	if (!nl || sscanf(reply, "DATA %llu %llu", &len, &vbytes) != 2 ||
	    len > reply_len - (nl + 1 - reply)) {
		fprintf(stderr, "virgo: eventnet of node %s: %s", node ? node : "here",
			nl ? reply : "bad answer\n");
		free(reply);
		return 1;
	}
	ret = virgo_egraph_add(g, nl + 1, len, vbytes);
	free(reply);
	return ret ? fail("eventnet", ret) : 0;
}

static int cmd_eventnet(int argc, char **argv)
{
	struct virgo_egraph g = { 0 };
	size_t *order, *cycle, ncycle, i;
	const char *node = NULL;
	char rel[64], id[16], v[64];
	int all = 0, ret = 0, n;
	long count;

	if (argc < 1)
		return fputs(usage, stderr), 2;
	for (i = 1; i < (size_t)argc && argv[i][0] == '-'; i++) {
		if (i + 1 < (size_t)argc && !strcmp(argv[i], "--node"))
			node = argv[++i];
		else if (!strcmp(argv[i], "--all"))
			all = 1;
		else
			return fputs(usage, stderr), 2;
	}
	n = argc - i;
	if (!strcmp(argv[0], "edge") && n == 2 && !all)
		return eventnet_send(node, 2, argv + i);
	if (!strcmp(argv[0], "vertex") && n == 3 && !all)
		return eventnet_send(node, 3, argv + i);
	if ((strcmp(argv[0], "dot") && strcmp(argv[0], "order")) || n || (all && node))
		return fputs(usage, stderr), 2;

	if (!all) {
		ret = eventnet_fetch(node, &g);
	} else {
		/* Every node of the table; one that does not answer is said. */
		for (i = 1; i <= VIRGO_NODES_MAX; i++) {
			snprintf(rel, sizeof(rel), "nodes/%zu/address", i);
			if (virgo_cfs_read(rel, v, sizeof(v)) <= 0)
				continue;
			snprintf(id, sizeof(id), "%zu", i);
			if (eventnet_fetch(id, &g))
				ret = 1;
		}
	}
	if (ret == 2 || (ret && !g.nv)) {
		virgo_egraph_free(&g);
		return ret;
	}
	if (!strcmp(argv[0], "dot")) {
		virgo_egraph_dot(&g, stdout);
		virgo_egraph_free(&g);
		return ret ? 1 : 0;
	}
	count = virgo_egraph_order(&g, &order, &cycle, &ncycle);
	if (count < 0)
		return virgo_egraph_free(&g), fail("order", -ENOMEM);
	/* AsFer's EventNetOrdering.txt: "<n> - <event>", n from 0. */
	for (i = 0; i < (size_t)count; i++)
		printf("%zu - %s\n", i, g.v[order[i]].name);
	if (cycle) {
		fprintf(stderr, "virgo: the graph has a cycle:");
		for (i = 0; i < ncycle; i++)
			fprintf(stderr, " %s ->", g.v[cycle[i]].name);
		fprintf(stderr, " %s; %zu events are not ordered\n", g.v[cycle[0]].name,
			g.nv - count);
		ret = 1;
	}
	free(order);
	free(cycle);
	virgo_egraph_free(&g);
	return ret ? 1 : 0;
}

/* ------------------------------------------------------------ analytics */

#define ANALYTICS_FILE_MAX	(1024 * 1024)
#define ANALYTICS_LINE_MAX	4096

/* Set @set's pairs, all or none; say which failed, from @name. */
static int analytics_apply(const char *name, const struct virgo_kv_set *set)
{
	size_t failed = 0, i, fresh = 0, keys;
	char v[sizeof(((struct virgo_kv *)0)->value)];
	struct virgo_kv_set have = {};
	const struct virgo_kv *kv;
	int ret;

	/* Room for the new keys: else the store would refuse one midway. */
	ret = virgo_analytics_list(&have);
	keys = have.n;
	virgo_kv_set_free(&have);
	if (ret)
		return fail("analytics", ret);
	for (i = 0; i < set->n; i++)
		fresh += virgo_analytics_get(set->kv[i].key, v, sizeof(v)) == -ENOENT;
	if (keys + fresh > VIRGO_ANALYTICS_KEYS) {
		fprintf(stderr, "virgo: %s: %zu new keys would pass the kernel's %d; nothing set\n",
			name, fresh, VIRGO_ANALYTICS_KEYS);
		return 1;
	}
	ret = virgo_analytics_apply(set, &failed);
	if (!ret)
		return 0;
	kv = &set->kv[failed];
	fprintf(stderr, "virgo: %s:%zu: %s=%s: %s; nothing set\n", name, kv->line, kv->key,
		kv->value, ret == -EINVAL ? "refused (a value the kernel cannot take)" :
		strerror(-ret));
	return 1;
}

static int analytics_load(const char *path)
{
	struct virgo_kv_set set = {};
	size_t bad = 0;
	char *text;
	int n, ret;

	text = malloc(ANALYTICS_FILE_MAX + 1);
	if (!text)
		return fail("analytics", -ENOMEM);
	n = virgo_read_file(path, text, ANALYTICS_FILE_MAX + 1);
	if (n < 0) {
		free(text);
		fprintf(stderr, "virgo: %s: %s\n", path,
			n == -EFBIG ? "over 1 MiB" : strerror(-n));
		return 1;
	}
	ret = virgo_analytics_parse(text, n, 1, &set, &bad);
	free(text);
	if (ret == -EINVAL)
		fprintf(stderr, "virgo: %s:%zu: not key=value pairs (keys of [A-Za-z0-9_.-], at most %d bytes; values at most %d, no control byte); nothing set\n",
			path, bad, VIRGO_ANALYTICS_KEY_MAX, VIRGO_ANALYTICS_VALUE_MAX);
	else if (ret)
		fail("analytics", ret);
	else
		ret = analytics_apply(path, &set);
	virgo_kv_set_free(&set);
	return ret ? 1 : 0;
}

static int analytics_stream(void)
{
	char line[ANALYTICS_LINE_MAX + 2];	/* the bytes, a line end, a NUL */
	struct virgo_kv_set set;
	size_t line_no = 0, bad, len;
	int c, ret, status = 0;

	while (fgets(line, sizeof(line), stdin)) {
		line_no++;
		len = strlen(line);
		if (len > ANALYTICS_LINE_MAX && line[len - 1] != '\n') {
			while ((c = getchar()) != EOF && c != '\n')
				;
			fprintf(stderr, "virgo: stdin:%zu: over %d bytes; skipped\n", line_no,
				ANALYTICS_LINE_MAX);
			status = 1;
			continue;
		}
		set = (struct virgo_kv_set){};
		ret = virgo_analytics_parse(line, len, line_no, &set, &bad);
		if (ret == -EINVAL) {
			fprintf(stderr, "virgo: stdin:%zu: not key=value pairs; skipped\n", line_no);
			status = 1;
		} else if (ret) {
			status = fail("analytics", ret);
		} else if (analytics_apply("stdin", &set)) {
			status = 1;
		}
		virgo_kv_set_free(&set);
	}
	return status;
}

static int cmd_analytics(int argc, char **argv)
{
	char v[sizeof(((struct virgo_kv *)0)->value)];
	struct virgo_kv_set set = {};
	size_t i;
	int ret = 0, n;

	if (argc < 1)
		return fputs(usage, stderr), 2;
	if (!strcmp(argv[0], "load") && argc <= 2)
		return analytics_load(argc == 2 ? argv[1] : VIRGO_ANALYTICS_CONF);
	if (!strcmp(argv[0], "stream") && argc == 1)
		return analytics_stream();
	if (!strcmp(argv[0], "get") && argc == 2) {
		n = virgo_analytics_get(argv[1], v, sizeof(v));
		if (n == -ENOENT) {
			fprintf(stderr, "virgo: analytics: %s: no such key\n", argv[1]);
			return 1;
		}
		if (n < 0)
			return fail(argv[1], n);
		printf("%s\n", v);
		return 0;
	}
	if (!strcmp(argv[0], "list") && argc == 1) {
		ret = virgo_analytics_list(&set);
		for (i = 0; !ret && i < set.n; i++)
			printf("%s=%s\n", set.kv[i].key, set.kv[i].value);
		virgo_kv_set_free(&set);
		return ret ? fail("analytics", ret) : 0;
	}
	if (!strcmp(argv[0], "set") && argc >= 2) {
		/* Each argument one pair: a value may hold commas here. */
		for (i = 1; i < (size_t)argc && !ret; i++) {
			struct virgo_kv kv = { .line = i };

			ret = virgo_analytics_parse_pair(argv[i], strlen(argv[i]), &kv);
			if (ret) {
				fprintf(stderr, "virgo: analytics: '%s' is not key=value (keys of [A-Za-z0-9_.-], at most %d bytes; values at most %d, no control byte); nothing set\n",
					argv[i], VIRGO_ANALYTICS_KEY_MAX, VIRGO_ANALYTICS_VALUE_MAX);
				break;
			}
			ret = virgo_kv_set_add(&set, &kv);
			if (ret)
				fail("analytics", ret);
		}
		ret = ret ? 1 : analytics_apply("argument", &set);
		virgo_kv_set_free(&set);
		return ret;
	}
	if (!strcmp(argv[0], "delete") && argc >= 2) {
		for (i = 1; i < (size_t)argc; i++) {
			n = virgo_analytics_delete(argv[i]);
			if (n == -ENOENT)
				fprintf(stderr, "virgo: analytics: %s: no such key\n", argv[i]);
			else if (n)
				fail(argv[i], n);
			ret |= !!n;
		}
		return ret;
	}
	return fputs(usage, stderr), 2;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);	/* a peer's hang-up is an error, not death */
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return fputs(usage, argc < 2 ? stderr : stdout), argc < 2 ? 2 : 0;
	if (!strcmp(argv[1], "config") && argc >= 3 && !strcmp(argv[2], "load"))
		return cmd_config_load(argc - 3, argv + 3);
	if (!strcmp(argv[1], "status") && argc == 2)
		return cmd_status();
	if (!strcmp(argv[1], "balancer"))
		return cmd_balancer(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pick"))
		return cmd_pick(argc - 2, argv + 2);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "clone"))
		return cmd_clone(argc - 2, argv + 2);
	if (!strcmp(argv[1], "fs"))
		return cmd_fs(argc - 2, argv + 2);
	if (!strcmp(argv[1], "queue"))
		return cmd_queue(argc - 2, argv + 2);
	if (!strcmp(argv[1], "lock"))
		return cmd_lock(argc - 2, argv + 2);
	if (!strcmp(argv[1], "eventnet"))
		return cmd_eventnet(argc - 2, argv + 2);
	if (!strcmp(argv[1], "analytics"))
		return cmd_analytics(argc - 2, argv + 2);
	if (!strcmp(argv[1], "malloc") || !strcmp(argv[1], "set") ||
	    !strcmp(argv[1], "get") || !strcmp(argv[1], "free"))
		return cmd_mem(argv[1], argc - 2, argv + 2);
	fputs(usage, stderr);
	return 2;
}
