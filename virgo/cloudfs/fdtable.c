// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO cloudfs - descriptors: per peer, tagged, limited
 *
 * Each peer (by address) has its own table, so a descriptor works only
 * for the peer that opened it, and each table holds at most max_fds
 * files. A descriptor carries this node's id, the slot and a random tag
 * the slot must match: a stale or forged one is -EBADF.
 *
 * A peer that leaves the node table, or that the table has marked down,
 * loses its descriptors once it has been gone for grace_ms: its files are
 * closed. Any descriptor unused for idle_ms is closed too, so that those
 * a peer lost track of (a process that died, a reply that never came)
 * do not hold its share for ever. All of 127/8 is one peer, loopback.
 */

#include <linux/file.h>
#include <linux/in.h>
#include <linux/fs.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "cloudfs.h"

/* An open file of a peer; @file is NULL while its slot is only reserved. */
struct virgo_fs_open {
	u64 tag;
	struct file *file;
	unsigned long used;	/* jiffies */
	u32 slot;
	struct virgo_fs_peer *peer;
};

struct virgo_fs_peer {
	struct list_head node;
	__be32 addr;
	struct xarray fds;	/* slot -> struct virgo_fs_open */
	unsigned int nfds;
	unsigned long gone_since;	/* jiffies; 0: here */
};

static LIST_HEAD(virgo_fs_peers);
static DEFINE_MUTEX(virgo_fs_lock);	/* protects the peers and their tables */
static void virgo_fs_reclaim(struct work_struct *work);
static DECLARE_DELAYED_WORK(virgo_fs_reclaim_work, virgo_fs_reclaim);

s64 virgo_fd_encode(const struct virgo_fd *fd)
{
	return (s64)((u64)(fd->node - 1) << VIRGO_FD_NODE_SHIFT |
		     (u64)fd->slot << VIRGO_FD_SLOT_SHIFT | fd->tag);
}

/* Return: 0, or -EBADF for a negative value or a zero tag. */
int virgo_fd_decode(s64 raw, struct virgo_fd *fd)
{
	if (raw < 0 || !(raw & VIRGO_FD_TAG_MASK))
		return -EBADF;
	fd->node = (raw >> VIRGO_FD_NODE_SHIFT) + 1;
	fd->slot = (raw >> VIRGO_FD_SLOT_SHIFT) & (VIRGO_FD_SLOTS - 1);
	fd->tag = raw & VIRGO_FD_TAG_MASK;
	return 0;
}

static struct virgo_fs_peer *virgo_fs_peer(__be32 addr, bool create)
{
	struct virgo_fs_peer *p;

	lockdep_assert_held(&virgo_fs_lock);
	if (ipv4_is_loopback(addr))
		addr = htonl(INADDR_LOOPBACK);
	list_for_each_entry(p, &virgo_fs_peers, node)
		if (p->addr == addr)
			return p;
	if (!create)
		return NULL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->addr = addr;
	xa_init_flags(&p->fds, XA_FLAGS_ALLOC);
	list_add(&p->node, &virgo_fs_peers);
	return p;
}

/**
 * virgo_fds_reserve() - hold a descriptor slot of @peer for a file to come
 * @peer: the peer's address
 *
 * Before the open, so that an open that changes the file (O_TRUNC,
 * O_CREAT) never ends in -EMFILE. Fill the slot with virgo_fds_fill() or
 * give it back with virgo_fds_cancel(); until then no lookup, close or
 * reclaim sees it.
 *
 * Return: the reservation; ERR_PTR(-EMFILE) when the peer has max_fds
 * open; ERR_PTR(-EDESTADDRREQ) when this node has no id; ERR_PTR(-ENOMEM).
 */
struct virgo_fs_open *virgo_fds_reserve(__be32 peer)
{
	struct virgo_fs_open *o;
	struct virgo_fs_peer *p;
	int ret;

	if (!virgo_local_id())
		return ERR_PTR(-EDESTADDRREQ);
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return ERR_PTR(-ENOMEM);
	do {
		o->tag = get_random_u64() & VIRGO_FD_TAG_MASK;
	} while (!o->tag);

	mutex_lock(&virgo_fs_lock);
	p = virgo_fs_peer(peer, true);
	ret = !p ? -ENOMEM :
	      p->nfds >= READ_ONCE(virgo_cloudfs.max_fds) ? -EMFILE :
	      xa_alloc(&p->fds, &o->slot, o, XA_LIMIT(0, VIRGO_FD_SLOTS - 1),
		       GFP_KERNEL);
	if (!ret) {
		o->peer = p;
		p->nfds++;	/* so @p stays while the slot is held */
		p->gone_since = 0;	/* it is talking to us */
	}
	mutex_unlock(&virgo_fs_lock);
	if (ret) {
		kfree(o);
		return ERR_PTR(ret == -EBUSY ? -EMFILE : ret);
	}
	return o;
}

/**
 * virgo_fds_fill() - put an opened file in a reserved slot
 * @o: from virgo_fds_reserve()
 * @f: the file; the table takes over the reference
 *
 * Return: the descriptor that names it.
 */
s64 virgo_fds_fill(struct virgo_fs_open *o, struct file *f)
{
	struct virgo_fd v = { .node = virgo_local_id(), .slot = o->slot, .tag = o->tag };

	mutex_lock(&virgo_fs_lock);
	o->file = f;
	o->used = jiffies;
	mutex_unlock(&virgo_fs_lock);
	return virgo_fd_encode(&v);
}

/* Give back a slot that virgo_fds_reserve() held, unfilled. */
void virgo_fds_cancel(struct virgo_fs_open *o)
{
	mutex_lock(&virgo_fs_lock);
	xa_erase(&o->peer->fds, o->slot);
	o->peer->nfds--;
	mutex_unlock(&virgo_fs_lock);
	kfree(o);
}

/* The open file @fd names for @peer, in @p's slot @slot; or NULL. */
static struct virgo_fs_open *virgo_fds_find(__be32 peer, s64 fd,
					    struct virgo_fs_peer **pp, u32 *slot)
{
	struct virgo_fs_peer *p;
	struct virgo_fs_open *o;
	struct virgo_fd v;

	lockdep_assert_held(&virgo_fs_lock);
	if (virgo_fd_decode(fd, &v) || v.node != virgo_local_id())
		return NULL;
	p = virgo_fs_peer(peer, false);
	o = p ? xa_load(&p->fds, v.slot) : NULL;
	if (!o || !o->file || o->tag != v.tag)
		return NULL;
	*pp = p;
	*slot = v.slot;
	return o;
}

/**
 * virgo_fds_get() - the file behind a descriptor of @peer
 * @peer: the peer's address
 * @fd: the descriptor
 *
 * Return: the file, referenced (fput() it), or ERR_PTR(-EBADF).
 */
struct file *virgo_fds_get(__be32 peer, s64 fd)
{
	struct virgo_fs_open *o;
	struct file *f = ERR_PTR(-EBADF);
	struct virgo_fs_peer *p;
	u32 slot;

	mutex_lock(&virgo_fs_lock);
	o = virgo_fds_find(peer, fd, &p, &slot);
	if (o) {
		f = get_file(o->file);
		o->used = jiffies;
		p->gone_since = 0;	/* it is talking to us */
	}
	mutex_unlock(&virgo_fs_lock);
	return f;
}

/* Close a descriptor of @peer. Return: 0 or -EBADF. */
int virgo_fds_close(__be32 peer, s64 fd)
{
	struct virgo_fs_peer *p;
	struct virgo_fs_open *o;
	u32 slot;

	mutex_lock(&virgo_fs_lock);
	o = virgo_fds_find(peer, fd, &p, &slot);
	if (o) {
		xa_erase(&p->fds, slot);
		p->nfds--;
	}
	mutex_unlock(&virgo_fs_lock);
	if (!o)
		return -EBADF;
	fput(o->file);
	kfree(o);
	return 0;
}

/*
 * Close @p's descriptors: all of them when @all, else those unused for
 * @idle jiffies (0: none). Called with virgo_fs_lock.
 */
static unsigned int virgo_fs_close_idle(struct virgo_fs_peer *p, bool all,
					unsigned long idle)
{
	struct virgo_fs_open *o;
	unsigned long slot;
	unsigned int n = 0;

	lockdep_assert_held(&virgo_fs_lock);
	xa_for_each(&p->fds, slot, o) {
		if (!o->file)
			continue;	/* reserved: its opener fills or cancels it */
		if (!all && (!idle || time_before(jiffies, o->used + idle)))
			continue;
		xa_erase(&p->fds, slot);
		fput(o->file);
		kfree(o);
		p->nfds--;
		n++;
	}
	return n;
}

static void virgo_fs_reclaim(struct work_struct *work)
{
	unsigned long grace = msecs_to_jiffies(READ_ONCE(virgo_cloudfs.grace_ms));
	unsigned long idle = msecs_to_jiffies(READ_ONCE(virgo_cloudfs.idle_ms));
	struct virgo_fs_peer *p, *tmp;
	unsigned int n;
	bool gone;

	mutex_lock(&virgo_fs_lock);
	list_for_each_entry_safe(p, tmp, &virgo_fs_peers, node) {
		gone = !ipv4_is_loopback(p->addr) && !virgo_node_addr_up(p->addr);
		if (!gone || !p->nfds)
			p->gone_since = 0;
		else if (!p->gone_since)
			p->gone_since = jiffies ?: 1;
		gone = p->gone_since && time_after_eq(jiffies, p->gone_since + grace);
		n = virgo_fs_close_idle(p, gone, idle);
		if (n)
			pr_info("closed %u files of %pI4: %s\n", n, &p->addr,
				gone ? "gone" : "unused");
		if (!p->nfds) {
			/* Nothing to keep: a peer costs nothing while it holds nothing. */
			list_del(&p->node);
			xa_destroy(&p->fds);
			kfree(p);
		}
	}
	mutex_unlock(&virgo_fs_lock);
	queue_delayed_work(virgo_wq, &virgo_fs_reclaim_work, HZ);
}

void virgo_fds_start(void)
{
	queue_delayed_work(virgo_wq, &virgo_fs_reclaim_work, HZ);
}

/* "<address> <open files>" per peer that holds any, for configfs. */
size_t virgo_fds_list(char *buf, size_t size)
{
	struct virgo_fs_peer *p;
	size_t n = 0;

	mutex_lock(&virgo_fs_lock);
	list_for_each_entry(p, &virgo_fs_peers, node)
		if (p->nfds)
			n += scnprintf(buf + n, size - n, "%pI4 %u\n", &p->addr, p->nfds);
	mutex_unlock(&virgo_fs_lock);
	return n;
}
