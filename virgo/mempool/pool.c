// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - this node's pool: the chunks it holds for the cluster
 *
 * A chunk is kernel memory (kvzalloc) in a slot of an allocating xarray;
 * its VUID carries this node's id, the slot and the chunk's random tag.
 * Every access looks the slot up, compares the tag and holds a reference
 * while it copies, so a freed chunk is never read or written and a VUID
 * that names a reused slot fails. The memory held is capped, in all
 * (pool_max) and per peer (peer_max), and a chunk is charged what it
 * really holds: its size rounded up to a page, and its record.
 */

#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "mempool.h"

struct virgo_chunk {
	struct kref ref;
	u64 tag;
	u64 size;
	u64 cost;	/* charged: virgo_chunk_cost() */
	void *data;
	u8 peer;	/* whose bytes, for peer_max */
};

/*
 * What a chunk of @size bytes holds: its data, at least a page, as much as
 * kvzalloc may take for it (vmalloc's pages, or kmalloc's power of two),
 * and its record. So a peer's 1-byte chunks cost a page each, and
 * peer_max runs out long before the slots do.
 */
static u64 virgo_chunk_cost(u64 size)
{
	return max_t(u64, PAGE_ALIGN(size), kmalloc_size_roundup(size)) +
	       kmalloc_size_roundup(sizeof(struct virgo_chunk));
}

static DEFINE_XARRAY_ALLOC(virgo_chunks);
static atomic64_t virgo_pool_used = ATOMIC64_INIT(0);
u64 virgo_pool_max = VIRGO_POOL_MAX_DEFAULT;

static void virgo_chunk_release(struct kref *ref)
{
	struct virgo_chunk *c = container_of(ref, struct virgo_chunk, ref);

	virgo_pool_uncharge(c->cost, c->peer);
	kvfree(c->data);
	kfree(c);
}

/* The chunk @vuid names on this node, referenced, or an ERR_PTR. */
static struct virgo_chunk *virgo_chunk_get(u64 vuid)
{
	struct virgo_chunk *c;
	struct virgo_vuid v;

	if (virgo_vuid_decode(vuid, &v) || v.node != virgo_local_id())
		return ERR_PTR(-EINVAL);
	xa_lock(&virgo_chunks);
	c = xa_load(&virgo_chunks, v.slot);
	if (c && c->tag == v.tag)
		kref_get(&c->ref);
	else
		c = NULL;
	xa_unlock(&virgo_chunks);
	return c ?: ERR_PTR(-ENOENT);
}

u64 virgo_pool_used_bytes(void)
{
	return atomic64_read(&virgo_pool_used);
}

/*
 * What each peer holds here. Peers are the node table's addresses,
 * loopback and the listed memcached clients, so VIRGO_POOL_PEERS slots
 * are enough; a slot whose peer holds nothing goes to the next new peer.
 * The miss fields slow down a peer that guesses VUIDs, virgo_pool_miss();
 * the last entry of the array is for a peer without a slot.
 */
static struct {
	__be32 addr;
	atomic64_t used;
	spinlock_t miss_lock;	/* protects the three below */
	unsigned long miss_window;	/* jiffies: this second's start */
	unsigned int misses;		/* in it */
	unsigned long miss_next;	/* jiffies: a delayed miss's turn */
} virgo_peers[VIRGO_POOL_PEERS + 1];
static DEFINE_SPINLOCK(virgo_peers_lock);
u64 virgo_peer_max = VIRGO_PEER_MAX_DEFAULT;

/* The slot of @addr, or a free one for it. */
static int virgo_pool_slot(__be32 addr)
{
	int i, free = -ENOSPC;

	spin_lock(&virgo_peers_lock);
	for (i = 1; i < VIRGO_POOL_PEERS; i++) {
		if (virgo_peers[i].addr == addr)
			break;
		/* A slot never used, else the first whose peer holds nothing. */
		if (!atomic64_read(&virgo_peers[i].used) &&
		    (free < 0 || (!virgo_peers[i].addr && virgo_peers[free].addr)))
			free = i;
	}
	if (i == VIRGO_POOL_PEERS && free > 0) {
		i = free;
		virgo_peers[i].addr = addr;
	}
	spin_unlock(&virgo_peers_lock);
	return i < VIRGO_POOL_PEERS ? i : free;
}

/**
 * virgo_pool_peer() - the accounting slot of a peer
 * @addr: its address, network order; loopback and 0 (this node's own
 *	callers, KUnit) share slot 0
 *
 * Return: the slot, or -ENOSPC when every slot holds another peer's bytes.
 */
int virgo_pool_peer(__be32 addr)
{
	if (!addr || ipv4_is_loopback(addr))
		return 0;
	return virgo_pool_slot(addr);
}

/**
 * virgo_conn_pool_peer() - the accounting slot of a connection's peer
 * @conn: the connection
 *
 * A listed memcached client (conn->plain) is a peer of its own, even at
 * 127.0.0.1: it never takes the share of this node's own callers.
 *
 * Return: as virgo_pool_peer().
 */
int virgo_conn_pool_peer(const struct virgo_conn *conn)
{
	return conn->plain ? virgo_pool_slot(conn->addr) : virgo_pool_peer(conn->peer);
}

/**
 * virgo_pool_charge() - count @bytes against pool_max and peer_max
 * @bytes: kernel memory about to be held for the cluster
 * @peer: for whom, a slot from virgo_pool_peer()
 *
 * Return: 0, or -ENOMEM when it would pass either (nothing is counted).
 */
int virgo_pool_charge(u64 bytes, int peer)
{
	atomic64_t *mine = &virgo_peers[peer].used;
	u64 peer_max = READ_ONCE(virgo_peer_max);

	if (atomic64_add_return(bytes, mine) > peer_max && peer_max) {
		atomic64_sub(bytes, mine);
		return -ENOMEM;
	}
	if (atomic64_add_return(bytes, &virgo_pool_used) > READ_ONCE(virgo_pool_max)) {
		atomic64_sub(bytes, &virgo_pool_used);
		atomic64_sub(bytes, mine);
		return -ENOMEM;
	}
	return 0;
}

/* Undo virgo_pool_charge(). */
void virgo_pool_uncharge(u64 bytes, int peer)
{
	atomic64_sub(bytes, &virgo_peers[peer].used);
	atomic64_sub(bytes, &virgo_pool_used);
}

atomic64_t virgo_pool_misses_delayed = ATOMIC64_INIT(0);

/**
 * virgo_pool_miss() - a peer named a chunk that is not here
 * @peer: the peer, a slot from virgo_pool_peer(), or negative for one
 *	without a slot
 *
 * A peer that was given a VUID does not miss often: it freed the chunk,
 * or the node restarted. One that misses more than VIRGO_MISS_BURST times
 * in a second is guessing tags: each further miss waits its turn,
 * VIRGO_MISS_DELAY_MS after the peer's previous delayed miss, whichever of
 * the peer's connections it comes on, and is counted (configfs
 * mempool/misses_delayed). So a peer guesses at most VIRGO_MISS_BURST +
 * 1000 / VIRGO_MISS_DELAY_MS tags a second.
 *
 * Return: how long (jiffies) the caller waits before it answers.
 */
unsigned long virgo_pool_miss(int peer)
{
	typeof(virgo_peers[0]) *p = &virgo_peers[peer < 0 ? VIRGO_POOL_PEERS : peer];
	unsigned long now = jiffies, wait = 0;

	spin_lock(&p->miss_lock);
	if (time_after(now, p->miss_window + HZ)) {
		p->miss_window = now;
		p->misses = 0;
	}
	if (++p->misses > VIRGO_MISS_BURST) {
		if (time_before(p->miss_next, now))
			p->miss_next = now;
		p->miss_next += msecs_to_jiffies(VIRGO_MISS_DELAY_MS);
		wait = p->miss_next - now;
		p->misses = VIRGO_MISS_BURST;	/* no overflow, however long */
	}
	spin_unlock(&p->miss_lock);
	if (wait)
		atomic64_inc(&virgo_pool_misses_delayed);
	return wait;
}

void __init virgo_pool_init(void)
{
	int i;

	for (i = 0; i <= VIRGO_POOL_PEERS; i++)
		spin_lock_init(&virgo_peers[i].miss_lock);
}

/* Bytes @peer holds here. */
u64 virgo_pool_peer_used(int peer)
{
	return atomic64_read(&virgo_peers[peer].used);
}

/**
 * virgo_pool_alloc() - a zeroed chunk of @size bytes on this node
 * @size: 1..VIRGO_CHUNK_MAX
 * @vuid: set to its VUID
 *
 * Return: 0; -EINVAL for a bad size; -ENOMEM past pool_max or when the
 * kernel has no memory; -ENOSPC when every slot is taken;
 * -EDESTADDRREQ when this node has no id yet.
 */
int virgo_pool_alloc(u64 size, u64 *vuid)
{
	return virgo_pool_alloc_kind(size, false, 0, vuid);
}

/*
 * As virgo_pool_alloc(); @map: the chunk is a striped allocation's map;
 * @peer: whose it is, a slot from virgo_pool_peer().
 */
int virgo_pool_alloc_kind(u64 size, bool map, int peer, u64 *vuid)
{
	struct virgo_vuid v = { .node = virgo_local_id() };
	struct virgo_chunk *c;
	int ret;

	if (!v.node)
		return -EDESTADDRREQ;
	if (!size || size > VIRGO_CHUNK_MAX)
		return -EINVAL;
	if (virgo_pool_charge(virgo_chunk_cost(size), peer))
		return -ENOMEM;
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (c)
		c->data = kvzalloc(size, GFP_KERNEL);
	if (!c || !c->data) {
		kfree(c);
		virgo_pool_uncharge(virgo_chunk_cost(size), peer);
		return -ENOMEM;
	}
	kref_init(&c->ref);
	c->size = size;
	c->cost = virgo_chunk_cost(size);
	c->peer = peer;
	do {
		c->tag = get_random_u64() & GENMASK_ULL(VIRGO_VUID_TAG_BITS - 2, 0);
	} while (!c->tag);
	if (map)
		c->tag |= VIRGO_VUID_MAP;

	ret = xa_alloc(&virgo_chunks, &v.slot, c,
		       XA_LIMIT(0, VIRGO_VUID_SLOTS - 1), GFP_KERNEL);
	if (ret) {
		kref_put(&c->ref, virgo_chunk_release);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	v.tag = c->tag;
	*vuid = virgo_vuid_encode(&v);
	return 0;
}

/* Copy between @buf and [off, off + len) of the chunk @vuid names. */
static int virgo_pool_copy(u64 vuid, u64 off, void *buf, u64 len, bool write)
{
	struct virgo_chunk *c = virgo_chunk_get(vuid);
	int ret;

	if (IS_ERR(c))
		return PTR_ERR(c);
	ret = virgo_stripe_check(c->size, off, len);
	if (!ret) {
		if (write)
			memcpy(c->data + off, buf, len);
		else
			memcpy(buf, c->data + off, len);
	}
	kref_put(&c->ref, virgo_chunk_release);
	return ret;
}

/**
 * virgo_pool_write() - store bytes in a chunk of this node
 * @vuid: the chunk
 * @off: where in it
 * @buf: the bytes
 * @len: how many
 *
 * Return: 0; -EINVAL for a VUID of another node or a range past the
 * chunk's end; -ENOENT for a VUID that names no live chunk here.
 */
int virgo_pool_write(u64 vuid, u64 off, const void *buf, u64 len)
{
	return virgo_pool_copy(vuid, off, (void *)buf, len, true);
}

/* As virgo_pool_write(), the other way. */
int virgo_pool_read(u64 vuid, u64 off, void *buf, u64 len)
{
	return virgo_pool_copy(vuid, off, buf, len, false);
}

/**
 * virgo_pool_size() - a chunk's size
 * @vuid: the chunk
 *
 * Return: its size, or a negative errno as virgo_pool_write().
 */
s64 virgo_pool_size(u64 vuid)
{
	struct virgo_chunk *c = virgo_chunk_get(vuid);
	s64 size;

	if (IS_ERR(c))
		return PTR_ERR(c);
	size = c->size;
	kref_put(&c->ref, virgo_chunk_release);
	return size;
}

/**
 * virgo_pool_free() - free a chunk of this node
 * @vuid: the chunk
 *
 * Accesses under way finish first; the VUID fails from now on.
 *
 * Return: 0, -EINVAL or -ENOENT as virgo_pool_write().
 */
int virgo_pool_free(u64 vuid)
{
	struct virgo_chunk *c;
	struct virgo_vuid v;

	if (virgo_vuid_decode(vuid, &v) || v.node != virgo_local_id())
		return -EINVAL;
	xa_lock(&virgo_chunks);
	c = xa_load(&virgo_chunks, v.slot);
	if (c && c->tag == v.tag)
		__xa_erase(&virgo_chunks, v.slot);
	else
		c = NULL;
	xa_unlock(&virgo_chunks);
	if (!c)
		return -ENOENT;
	kref_put(&c->ref, virgo_chunk_release);
	return 0;
}
