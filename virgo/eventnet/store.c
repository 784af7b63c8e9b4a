// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO EventNet - the graph of this node and its files on disk
 *
 * The graph lives in memory; the files say the same. After a message
 * changes the graph, both files are rewritten whole (virgo_file_replace():
 * a temporary file, synced, renamed over the old), the vertex file first,
 * so an edge's ends always have their lines in the vertex file on disk.
 * The message is answered once its change is in the files. Writers share
 * the rewrites: one that finds its change written by another is done.
 * A BATCH (the trace's) is answered once applied: its changes reach the
 * files within configfs eventnet/flush_ms, in one rewrite for all the
 * batches of that time.
 *
 * Opening the directory loads the files it holds, so a restart loses
 * nothing they said; a line that is not theirs refuses the directory.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include "eventnet.h"

struct virgo_eventnet virgo_eventnet = {
	.lock = __MUTEX_INITIALIZER(virgo_eventnet.lock),
	.write_lock = __MUTEX_INITIALIZER(virgo_eventnet.write_lock),
};

/* The caps of configfs, which may have changed: the graph's, with its lock. */
static void virgo_enet_caps(struct virgo_enet_graph *g)
{
	g->max_vertices = READ_ONCE(virgo_enet_set.max_vertices);
	g->max_edges = READ_ONCE(virgo_enet_set.max_edges);
	g->max_convs = READ_ONCE(virgo_enet_set.max_convs);
	g->max_bytes = (size_t)READ_ONCE(virgo_enet_set.max_kb) * 1024;
}

/* Feed each line of @dir/@name to @load; a missing file is an empty one. */
static int virgo_enet_load(struct virgo_enet_graph *g, const struct path *dir,
			   const char *name,
			   int (*load)(struct virgo_enet_graph *g, const char *line,
				       size_t len))
{
	size_t max = VIRGO_ENET_KB_MAX * 1024, size;
	char *buf, *line, *nl;
	unsigned int lineno = 0;
	struct file *file;
	loff_t pos = 0;
	ssize_t n;
	int ret = 0;

	file = file_open_root(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			      O_LARGEFILE | O_CLOEXEC, 0);
	if (file == ERR_PTR(-ENOENT))
		return 0;
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (!S_ISREG(file_inode(file)->i_mode)) {
		fput(file);
		return -EINVAL;
	}
	buf = kvmalloc(max + 1, GFP_KERNEL);
	if (!buf) {
		fput(file);
		return -ENOMEM;
	}
	for (size = 0; size <= max; size += n) {
		n = kernel_read(file, buf + size, max + 1 - size, &pos);
		if (n <= 0)
			break;
	}
	fput(file);
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (size > max) {
		pr_warn("%s: over %zu bytes\n", name, max);
		ret = -EFBIG;
		goto out;
	}
	for (line = buf; line < buf + size; line = nl + 1) {
		lineno++;
		nl = memchr(line, '\n', buf + size - line);
		ret = nl ? load(g, line, nl - line) : -EINVAL;
		if (ret) {
			pr_warn("%s:%u: %s\n", name, lineno,
				ret == -EINVAL ? "not a line of this file" :
				ret == -ENOSPC ? "past a cap" : "cannot load");
			break;
		}
	}
out:
	kvfree(buf);
	return ret;
}

/* Write the files as @g says, @g locked. */
static int virgo_enet_write_locked(struct virgo_enet_graph *g, const struct path *dir)
{
	size_t len = g->vbytes + g->ebytes;
	char *buf = kvmalloc(len ?: 1, GFP_KERNEL);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = virgo_enet_render(g, buf, len) == len ? 0 : -EIO;
	ret = ret ?: virgo_file_replace(dir, VIRGO_ENET_VERTICES, buf, g->vbytes) ?:
	      virgo_file_replace(dir, VIRGO_ENET_EDGES, buf + g->vbytes, g->ebytes);
	kvfree(buf);
	return ret;
}

/**
 * virgo_eventnet_open() - keep the graph's files in @dirname from now on
 * @dirname: an existing directory, looked up in the caller's namespace
 *
 * Return: 0; -EBUSY when a directory is open already; or an error (a
 * file that cannot be loaded) with EventNet still closed.
 */
int virgo_eventnet_open(const char *dirname)
{
	struct virgo_eventnet *en = &virgo_eventnet;
	struct path dir;
	int ret;

	ret = kern_path(dirname, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);
	if (ret)
		return ret;
	mutex_lock(&en->write_lock);
	mutex_lock(&en->lock);
	ret = -EBUSY;
	if (en->open)
		goto out;
	/*
	 * What the files hold was taken under the caps of its time: load it
	 * under the hard limits, the caps apply to new messages.
	 */
	en->graph.max_vertices = VIRGO_ENET_VERTICES_MAX;
	en->graph.max_edges = VIRGO_ENET_EDGES_MAX;
	en->graph.max_convs = VIRGO_ENET_CONVS_MAX;
	en->graph.max_bytes = VIRGO_ENET_KB_MAX * 1024;
	ret = virgo_enet_load(&en->graph, &dir, VIRGO_ENET_VERTICES,
			      virgo_enet_load_vertex) ?:
	      virgo_enet_load(&en->graph, &dir, VIRGO_ENET_EDGES,
			      virgo_enet_load_edge) ?:
	      virgo_enet_write_locked(&en->graph, &dir);
	if (ret) {
		virgo_enet_graph_clear(&en->graph);
		goto out;
	}
	en->dir = dir;
	en->open = true;
	en->written = en->gen;
out:
	mutex_unlock(&en->lock);
	mutex_unlock(&en->write_lock);
	if (ret)
		path_put(&dir);
	return ret;
}

/* Get the changes up to @gen into the files, if no one else did. */
int virgo_eventnet_commit(u64 gen)
{
	struct virgo_eventnet *en = &virgo_eventnet;
	struct virgo_enet_graph *g = &en->graph;
	size_t len, vbytes;
	char *buf;
	u64 cur;
	int ret = 0;

	mutex_lock(&en->write_lock);
	if (en->written >= gen)
		goto out;
	mutex_lock(&en->lock);
	len = g->vbytes + g->ebytes;
	vbytes = g->vbytes;
	cur = en->gen;
	buf = kvmalloc(len ?: 1, GFP_KERNEL);
	if (buf && virgo_enet_render(g, buf, len) != len) {
		kvfree(buf);
		buf = NULL;
	}
	mutex_unlock(&en->lock);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* The directory stays: it is set once, under both locks. */
	ret = virgo_file_replace(&en->dir, VIRGO_ENET_VERTICES, buf, vbytes) ?:
	      virgo_file_replace(&en->dir, VIRGO_ENET_EDGES, buf + vbytes, len - vbytes);
	kvfree(buf);
	if (!ret)
		en->written = cur;
out:
	if (ret) {
		mutex_lock(&en->lock);
		en->write_errors++;
		mutex_unlock(&en->lock);
		pr_warn_ratelimited("the files could not be written: %d\n", ret);
	}
	mutex_unlock(&en->write_lock);
	/* The change is made: whatever went wrong, it was in the writing. */
	return ret ? -EIO : 0;
}

/**
 * virgo_eventnet_submit() - apply a message, and write it to the files
 * @msg: the message, its names checked
 *
 * Return: 0 once the files have the change (or for an edge already
 * there); -ENOENT with no directory open; -ENOSPC past a cap; -ENOMEM;
 * -EIO when the change is made but the files could not be written: it
 * reaches them with the next change that is written.
 */
int virgo_eventnet_submit(const struct virgo_enet_msg *msg)
{
	u64 gen = 0;
	int ret = virgo_eventnet_apply(msg, &gen);

	return ret ?: gen ? virgo_eventnet_commit(gen) : 0;
}

static void virgo_enet_flush_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(virgo_enet_flush, virgo_enet_flush_work);

/*
 * On virgo_wq, at the priority of the writers that wait for the locks it
 * takes. A failed write (counted and warned) is tried again a second or
 * flush_ms later: what a BATCH's OK acknowledged reaches the files.
 */
static void virgo_enet_flush_work(struct work_struct *work)
{
	u64 gen;

	mutex_lock(&virgo_eventnet.lock);
	gen = virgo_eventnet.gen;
	mutex_unlock(&virgo_eventnet.lock);
	if (virgo_eventnet_commit(gen))
		queue_delayed_work(virgo_wq, &virgo_enet_flush,
				   msecs_to_jiffies(max(READ_ONCE(virgo_enet_set.flush_ms),
							1000U)));
}

/**
 * virgo_eventnet_flush_later() - write the changes applied so far soon
 *
 * Within configfs eventnet/flush_ms, unless a write is already due.
 */
void virgo_eventnet_flush_later(void)
{
	queue_delayed_work(virgo_wq, &virgo_enet_flush,
			   msecs_to_jiffies(READ_ONCE(virgo_enet_set.flush_ms)));
}

/**
 * virgo_eventnet_batch() - apply a BATCH's messages, written later
 * @data: the payload: binary-safe messages back to back
 * @len: its length
 * @refused: set to how many of them the graph refused (a cap, memory)
 *
 * The payload is checked whole first: one that is not all messages
 * changes nothing.
 *
 * Return: 0; -EINVAL for a bad payload; -ENOENT with no directory open
 * (counted as refused).
 */
int virgo_eventnet_batch(const char *data, size_t len, unsigned int *refused)
{
	struct virgo_enet_msg msg;
	const char *p = data;
	size_t left = len;
	u64 gen = 0;
	int ret;

	while (left)
		if (virgo_enet_next(&p, &left, &msg))
			return -EINVAL;
	*refused = 0;
	for (p = data, left = len; left;) {
		virgo_enet_next(&p, &left, &msg);
		ret = virgo_eventnet_apply(&msg, &gen);
		if (ret == -ENOENT)
			return ret;
		*refused += !!ret;
		cond_resched();
	}
	if (gen)
		virgo_eventnet_flush_later();
	return 0;
}

/**
 * virgo_eventnet_apply() - apply a message, not yet written to the files
 * @msg: the message, its names checked
 * @gen: set, when the graph changed, to what virgo_eventnet_commit() must
 *	reach to write it; left as it was when nothing changed
 *
 * Return: 0, or as virgo_eventnet_submit() for a refused message.
 */
int virgo_eventnet_apply(const struct virgo_enet_msg *msg, u64 *gen)
{
	struct virgo_eventnet *en = &virgo_eventnet;
	int ret;

	mutex_lock(&en->lock);
	virgo_enet_caps(&en->graph);
	ret = en->open ? virgo_enet_apply(&en->graph, msg) : -ENOENT;
	if (ret) {
		if (ret < 0)
			en->refused++;
		else
			en->messages++;
		mutex_unlock(&en->lock);
		return ret < 0 ? ret : 0;	/* unchanged: nothing to write */
	}
	en->messages++;
	*gen = ++en->gen;
	mutex_unlock(&en->lock);
	return 0;
}

/**
 * virgo_eventnet_dump() - both files' content, as they are in memory
 * @buf: set to a buffer to kvfree(): the vertex file, then the edge file
 * @len: set to its length
 * @vbytes: set to the vertex file's part
 *
 * Return: 0, -ENOENT with no directory open, or -ENOMEM.
 */
int virgo_eventnet_dump(void **buf, size_t *len, size_t *vbytes)
{
	struct virgo_eventnet *en = &virgo_eventnet;
	int ret = -ENOENT;

	mutex_lock(&en->lock);
	if (!en->open)
		goto out;
	*len = en->graph.vbytes + en->graph.ebytes;
	*vbytes = en->graph.vbytes;
	*buf = kvmalloc(*len ?: 1, GFP_KERNEL);
	ret = -ENOMEM;
	if (*buf && virgo_enet_render(&en->graph, *buf, *len) != *len) {
		kvfree(*buf);
		*buf = NULL;
	}
	if (*buf)
		ret = 0;
out:
	mutex_unlock(&en->lock);
	return ret;
}

/* A message refused before it reached the graph (a bad line). */
void virgo_eventnet_refused(void)
{
	mutex_lock(&virgo_eventnet.lock);
	virgo_eventnet.refused++;
	mutex_unlock(&virgo_eventnet.lock);
}

int virgo_eventnet_show(char *page, size_t size)
{
	struct virgo_eventnet *en = &virgo_eventnet;
	int n;

	mutex_lock(&en->lock);
	n = scnprintf(page, size,
		      "%s\nvertices %u\nedges %u\nbytes %zu\nmessages %llu\nrefused %llu\nwrite_errors %llu\n",
		      en->open ? "open" : "closed", en->graph.nvertices,
		      en->graph.nedges, en->graph.vbytes + en->graph.ebytes,
		      en->messages, en->refused, en->write_errors);
	mutex_unlock(&en->lock);
	return n;
}
