// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - the service on port 30000: this node's chunks
 *
 *	alloc <size> [map]		OK <vuid> (map: a striped allocation's map)
 *	write <vuid> <off> <len>	then <len> bytes and a line end; OK
 *	read <vuid> <off> <len>		DATA <len>, the bytes, "\n"
 *	size <vuid>			OK <size>
 *	free <vuid>			OK
 *
 * and the original VIRGO's forms, for nc and telnet:
 *
 *	virgo_cloud_malloc(<size>)	OK <vuid>
 *	virgo_cloud_set(<vuid>,<text>)	OK (the text and a NUL, at offset 0)
 *	virgo_cloud_get(<vuid>)		DATA <len>: the bytes up to the first NUL
 *					(at most 4096)
 *	virgo_cloud_free(<vuid>)	OK
 *
 * VUIDs are written in decimal. Errors: ERROR <errno> <text>. The same
 * port speaks memcached's ASCII protocol (memcached.c): a line whose
 * first word is a memcached command is one.
 */

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "mempool.h"

/*
 * Only VUID lookups miss: a guessing peer's answer waits its turn, in
 * short sleeps, so a revoked connection or a stopping service ends it.
 */
static void virgo_mempool_miss(struct virgo_conn *conn)
{
	unsigned long wait = virgo_pool_miss(virgo_conn_pool_peer(conn)), nap;

	while (wait && !virgo_conn_peer_gone(conn) && !virgo_conn_stopping(conn)) {
		nap = min(wait, msecs_to_jiffies(VIRGO_MISS_DELAY_MS));
		schedule_timeout_uninterruptible(nap);
		wait -= nap;
	}
}

static int virgo_mempool_reply_err(struct virgo_conn *conn, int err)
{
	const char *why;

	switch (err) {
	case -ENOENT:
		virgo_mempool_miss(conn);
		why = "no such allocation (freed, or never made)";
		break;
	case -ENOMEM:
		why = "this node's pool is full";
		break;
	case -E2BIG:
		why = "longer than a chunk";
		break;
	case -ENOSPC:
		why = "no free slot";
		break;
	case -EDESTADDRREQ:
		why = "this node is not configured";
		break;
	default:
		why = "malformed request, foreign VUID or range past the end";
		break;
	}
	return virgo_conn_error(conn, err, why);
}

static int virgo_mempool_alloc(struct virgo_conn *conn, const char *size_text,
			       bool map)
{
	u64 size, vuid;
	int ret;

	ret = virgo_parse_u64(size_text, VIRGO_CHUNK_MAX, &size);
	if (ret)
		return virgo_mempool_reply_err(conn, ret == -ERANGE ? -E2BIG : ret);
	ret = virgo_conn_pool_peer(conn);
	if (ret >= 0)
		ret = virgo_pool_alloc_kind(size, map, ret, &vuid);
	if (ret)
		return virgo_mempool_reply_err(conn, ret);
	return virgo_conn_printf(conn, "OK %llu\n", vuid);
}

/* read or write: "<vuid> <off> <len>" */
static int virgo_mempool_rw(struct virgo_conn *conn, char **w, bool write)
{
	u64 vuid, off, len;
	void *buf;
	int ret;

	if (virgo_parse_u64(w[0], U64_MAX, &vuid) ||
	    virgo_parse_u64(w[1], U64_MAX, &off) ||
	    virgo_parse_u64(w[2], VIRGO_CHUNK_MAX, &len)) {
		virgo_mempool_reply_err(conn, -EINVAL);
		return write ? -EPROTO : 0;	/* a payload we cannot skip */
	}
	buf = kvmalloc(len ?: 1, GFP_KERNEL);
	if (!buf) {
		virgo_mempool_reply_err(conn, -ENOMEM);
		return write ? -ENOMEM : 0;
	}
	if (write) {
		ret = virgo_conn_read_data(conn, buf, len);
		if (ret)
			goto out;
		ret = virgo_pool_write(vuid, off, buf, len);
		ret = ret ? virgo_mempool_reply_err(conn, ret) :
			    virgo_conn_printf(conn, "OK\n");
	} else {
		ret = virgo_pool_read(vuid, off, buf, len);
		ret = ret ? virgo_mempool_reply_err(conn, ret) :
			    virgo_conn_send_data(conn, buf, len, "%llu", vuid);
	}
out:
	kvfree(buf);
	return ret;
}

static int virgo_mempool_seed_line(struct virgo_conn *conn, char *line)
{
	char *args, *data, *buf;
	u64 vuid;
	s64 size;
	int ret;

	if (virgo_seed_call(line, "virgo_cloud_malloc", &args))
		return virgo_mempool_alloc(conn, args, false);
	if (virgo_seed_call(line, "virgo_cloud_set", &args)) {
		data = strchr(args, ',');
		if (!data)
			return virgo_mempool_reply_err(conn, -EINVAL);
		*data++ = '\0';
		if (virgo_parse_u64(args, U64_MAX, &vuid))
			return virgo_mempool_reply_err(conn, -EINVAL);
		ret = virgo_pool_write(vuid, 0, data, strlen(data) + 1);
		return ret ? virgo_mempool_reply_err(conn, ret) :
			     virgo_conn_printf(conn, "OK\n");
	}
	if (virgo_seed_call(line, "virgo_cloud_get", &args)) {
		if (virgo_parse_u64(args, U64_MAX, &vuid))
			return virgo_mempool_reply_err(conn, -EINVAL);
		size = virgo_pool_size(vuid);
		if (size < 0)
			return virgo_mempool_reply_err(conn, size);
		size = min_t(s64, size, VIRGO_LINE_MAX);
		buf = kmalloc(size, GFP_KERNEL);
		if (!buf)
			return virgo_mempool_reply_err(conn, -ENOMEM);
		ret = virgo_pool_read(vuid, 0, buf, size);
		ret = ret ? virgo_mempool_reply_err(conn, ret) :
			    virgo_conn_send_data(conn, buf, strnlen(buf, size), "%llu", vuid);
		kfree(buf);
		return ret;
	}
	if (virgo_seed_call(line, "virgo_cloud_free", &args)) {
		if (virgo_parse_u64(args, U64_MAX, &vuid))
			return virgo_mempool_reply_err(conn, -EINVAL);
		ret = virgo_pool_free(vuid);
		return ret ? virgo_mempool_reply_err(conn, ret) :
			     virgo_conn_printf(conn, "OK\n");
	}
	return virgo_mempool_reply_err(conn, -EINVAL);
}

static int virgo_mempool_line(struct virgo_conn *conn, char *line, size_t len)
{
	char *w[5];
	u64 vuid;
	s64 size;
	int n, ret;

	/* A listed memcached client has memcached, and nothing of the pool. */
	if (conn->plain)
		return virgo_mc_command(line) ? virgo_mc_line(conn, line) :
						virgo_conn_printf(conn, "ERROR\r\n");
	if (!strncmp(line, "virgo_cloud_", 12))
		return virgo_mempool_seed_line(conn, line);
	if (virgo_mc_command(line))
		return virgo_mc_line(conn, line);

	n = virgo_split_words(line, w, ARRAY_SIZE(w));
	if (n >= 2 && !strcmp(w[0], "alloc"))
		virgo_conn_trace(conn, "malloc");
	else if (n == 4 && (!strcmp(w[0], "read") || !strcmp(w[0], "write")))
		virgo_conn_trace(conn, w[0][0] == 'w' ? "set" : "get");
	else if (n == 2 && !strcmp(w[0], "free"))
		virgo_conn_trace(conn, "free");
	if (n == 2 && !strcmp(w[0], "alloc"))
		return virgo_mempool_alloc(conn, w[1], false);
	if (n == 3 && !strcmp(w[0], "alloc") && !strcmp(w[2], "map"))
		return virgo_mempool_alloc(conn, w[1], true);
	if (n == 4 && (!strcmp(w[0], "read") || !strcmp(w[0], "write")))
		return virgo_mempool_rw(conn, w + 1, w[0][0] == 'w');
	if (n == 2 && (!strcmp(w[0], "size") || !strcmp(w[0], "free"))) {
		if (virgo_parse_u64(w[1], U64_MAX, &vuid))
			return virgo_mempool_reply_err(conn, -EINVAL);
		if (w[0][0] == 'f') {
			ret = virgo_pool_free(vuid);
			return ret ? virgo_mempool_reply_err(conn, ret) :
				     virgo_conn_printf(conn, "OK\n");
		}
		size = virgo_pool_size(vuid);
		return size < 0 ? virgo_mempool_reply_err(conn, size) :
				  virgo_conn_printf(conn, "OK %lld\n", size);
	}
	if (n > 0 && (!strcmp(w[0], "alloc") || !strcmp(w[0], "read") ||
		      !strcmp(w[0], "size") || !strcmp(w[0], "free")))
		return virgo_mempool_reply_err(conn, -EINVAL);
	/*
	 * A malformed "write" line may announce a payload we cannot find:
	 * close rather than read it as requests. A command nobody here knows
	 * gets memcached's "ERROR", and the connection goes on, as memcached
	 * does (a client of its meta commands learns they are not served).
	 */
	if (n > 0 && !strcmp(w[0], "write")) {
		virgo_conn_error(conn, -EINVAL, "malformed write");
		return -EPROTO;
	}
	return virgo_conn_printf(conn, "ERROR\r\n");
}

/*
 * The addresses whose memcached clients are served without the handshake
 * (configfs mempool/memcached_clients): stock clients cannot answer it.
 */
static __be32 virgo_mc_clients[VIRGO_MC_CLIENTS_MAX];
static unsigned int virgo_mc_nclients;
static DEFINE_SPINLOCK(virgo_mc_clients_lock);

static bool virgo_mempool_plain_peer(__be32 addr)
{
	unsigned int i;
	bool listed = false;

	spin_lock(&virgo_mc_clients_lock);
	for (i = 0; i < virgo_mc_nclients && !listed; i++)
		listed = virgo_mc_clients[i] == addr;
	spin_unlock(&virgo_mc_clients_lock);
	return listed;
}

static const struct virgo_service_ops virgo_mempool_ops = {
	.line = virgo_mempool_line,
	.plain_peer = virgo_mempool_plain_peer,
};

static struct virgo_service virgo_mempool_service;

/**
 * virgo_mempool_set_clients() - the list of plain memcached clients
 * @addrs: @n addresses, network order
 * @n: at most VIRGO_MC_CLIENTS_MAX
 *
 * Connections of addresses no longer listed end now.
 */
void virgo_mempool_set_clients(const __be32 *addrs, unsigned int n)
{
	spin_lock(&virgo_mc_clients_lock);
	memcpy(virgo_mc_clients, addrs, n * sizeof(*addrs));
	virgo_mc_nclients = n;
	spin_unlock(&virgo_mc_clients_lock);
	virgo_service_revoke_plain(&virgo_mempool_service);
}

/* The list, as configfs shows it: one address per line. */
ssize_t virgo_mempool_show_clients(char *page)
{
	ssize_t n = 0;
	unsigned int i;

	spin_lock(&virgo_mc_clients_lock);
	for (i = 0; i < virgo_mc_nclients; i++)
		n += sysfs_emit_at(page, n, "%pI4\n", &virgo_mc_clients[i]);
	spin_unlock(&virgo_mc_clients_lock);
	return n;
}

static struct virgo_service virgo_mempool_service = {
	.name = "mempool",
	.port = VIRGO_PORT_MEMPOOL,
	/* memcached clients keep a connection per thread: room for 64 each. */
	.max_conns = 256,
	.max_per_peer = 64,
	.ops = &virgo_mempool_ops,
};

static int __init virgo_mempool_init(void)
{
	int ret;

	if (!virgo_wq)
		return -ENODEV;		/* the core did not start */
	virgo_pool_init();
	ret = virgo_mc_server_init();
	if (ret)
		return ret;
	/* The service first: its settings act on it (memcached_clients). */
	ret = virgo_service_register(&virgo_mempool_service);
	if (!ret) {
		ret = virgo_mempool_config_init();
		if (ret)
			virgo_service_unregister(&virgo_mempool_service);
	}
	return ret;
}

/* After the core's late_initcall: virgo/Makefile links core/ first. */
late_initcall(virgo_mempool_init);
