/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VIRGO mempool - cluster memory: virgo_malloc/set/get/free(2), the
 * service on VIRGO_PORT_MEMPOOL and its memcached ASCII protocol.
 *
 * See Documentation/virgo/mempool.rst.
 */
#ifndef _VIRGO_MEMPOOL_H
#define _VIRGO_MEMPOOL_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/rhashtable-types.h>
#include <linux/time64.h>
#include <linux/types.h>
#include "../core/core.h"

/* ------------------------------------------------------------ VUIDs */

/*
 * A VUID is 64 bits: the owning node (6 bits, id - 1), a slot in that
 * node's table (18 bits) and a tag (40 bits) that the slot must match.
 * The tag's top bit tells a map from a chunk (VIRGO_VUID_MAP); the other
 * 39 bits are random, never all zero. A forged VUID names a slot whose
 * tag it does not know: a hit is a chance of 2^-39.
 */
#define VIRGO_VUID_NODE_BITS	6
#define VIRGO_VUID_SLOT_BITS	18
#define VIRGO_VUID_TAG_BITS	40
#define VIRGO_VUID_SLOTS	(1U << VIRGO_VUID_SLOT_BITS)

struct virgo_vuid {
	u32 node;	/* 1..VIRGO_MAX_NODES */
	u32 slot;	/* 0..VIRGO_VUID_SLOTS - 1 */
	u64 tag;	/* non-zero, below 2^VIRGO_VUID_TAG_BITS */
};

/*
 * The tag's top bit tells a striped allocation's map (struct
 * virgo_stripe_map, then its chunks' VUIDs) from a chunk of data.
 */
#define VIRGO_VUID_MAP		BIT_ULL(VIRGO_VUID_TAG_BITS - 1)

static inline bool virgo_vuid_is_map(u64 raw)
{
	return raw & VIRGO_VUID_MAP;
}

u64 virgo_vuid_encode(const struct virgo_vuid *v);
int virgo_vuid_decode(u64 raw, struct virgo_vuid *v);

/* ------------------------------------------------------------ striping */

/* The head of a map chunk; nchunks VUIDs (u64) follow. */
struct virgo_stripe_map {
	u64 size;
	u64 chunk_size;
	u64 nchunks;
};

/**
 * struct virgo_stripe_step - the part of a range that lies in one chunk
 * @chunk: the chunk's index in the allocation
 * @offset: where in the chunk the part starts
 * @len: its length
 */
struct virgo_stripe_step {
	u32 chunk;
	u64 offset;
	u64 len;
};

int virgo_stripe_check(u64 size, u64 off, u64 len);
u32 virgo_stripe_chunks(u64 size, u64 chunk_size);
bool virgo_stripe_next(u64 chunk_size, u64 *off, u64 *len,
		       struct virgo_stripe_step *step);

/* ------------------------------------------------------------ pool */

#define VIRGO_CHUNK_MAX		(1U << 20)	/* largest chunk: 1 MiB */
#define VIRGO_CHUNK_MIN		4096U		/* smallest chunk_size */
#define VIRGO_POOL_MAX_DEFAULT	(64ULL << 20)	/* bytes a node holds */
#define VIRGO_POOL_MAX_LIMIT	(1ULL << 40)
#define VIRGO_PEER_MAX_DEFAULT	(32ULL << 20)	/* bytes one peer holds here */
#define VIRGO_MC_CLIENTS_MAX	16	/* plain memcached client addresses */
/* Slot 0: loopback; then the nodes, and the listed memcached clients. */
#define VIRGO_POOL_PEERS	(VIRGO_MAX_NODES + 1 + VIRGO_MC_CLIENTS_MAX)

extern u64 virgo_pool_max;
extern u64 virgo_peer_max;
extern u32 virgo_chunk_size;
extern u32 virgo_mempool_caller_gid;

int virgo_mempool_config_init(void);

void virgo_mempool_set_clients(const __be32 *addrs, unsigned int n);
ssize_t virgo_mempool_show_clients(char *page);

int virgo_pool_alloc(u64 size, u64 *vuid);
int virgo_pool_alloc_kind(u64 size, bool map, int peer, u64 *vuid);
int virgo_pool_write(u64 vuid, u64 off, const void *buf, u64 len);
int virgo_pool_read(u64 vuid, u64 off, void *buf, u64 len);
s64 virgo_pool_size(u64 vuid);
int virgo_pool_free(u64 vuid);
u64 virgo_pool_used_bytes(void);
int virgo_pool_peer(__be32 addr);
int virgo_conn_pool_peer(const struct virgo_conn *conn);
int virgo_pool_charge(u64 bytes, int peer);
void virgo_pool_uncharge(u64 bytes, int peer);
u64 virgo_pool_peer_used(int peer);

#define VIRGO_MISS_BURST	64	/* misses a peer makes in a second... */
#define VIRGO_MISS_DELAY_MS	50	/* ...before each further one waits */
extern atomic64_t virgo_pool_misses_delayed;
unsigned long virgo_pool_miss(int peer);
void virgo_pool_init(void);

/* ------------------------------------------------------------ memcached */

#define VIRGO_MC_KEY_MAX	250	/* memcached's limit */
#define VIRGO_MC_KEYS_MAX	24	/* keys served in one batch of a get */
#define VIRGO_MC_VALUE_MAX	VIRGO_CHUNK_MAX	/* memcached's default too */
#define VIRGO_MC_PROTOCOL	"1.6.0"	/* the protocol level served */

/* Storage commands first, then those with keys, then the rest. */
enum virgo_mc_cmd {
	VIRGO_MC_SET, VIRGO_MC_ADD, VIRGO_MC_REPLACE, VIRGO_MC_APPEND,
	VIRGO_MC_PREPEND, VIRGO_MC_CAS, VIRGO_MC_GET, VIRGO_MC_GETS,
	VIRGO_MC_GAT, VIRGO_MC_GATS, VIRGO_MC_DELETE, VIRGO_MC_INCR,
	VIRGO_MC_DECR, VIRGO_MC_TOUCH, VIRGO_MC_STATS, VIRGO_MC_VERSION,
	VIRGO_MC_QUIT, VIRGO_MC_FLUSH_ALL, VIRGO_MC_VERBOSITY, VIRGO_MC_MN,
	VIRGO_MC_MG, VIRGO_MC_MS, VIRGO_MC_MD, VIRGO_MC_MA, VIRGO_MC_ME,
};

/*
 * memcached's item limit: VIRGO_MC_VALUE_MAX for its item header, the key
 * and a NUL, the value and its "\r\n", and 4 bytes of client flags unless
 * they are 0. A larger value is "too large for cache" there, so here too.
 */
#define VIRGO_MC_ITEM_HEADER	56

static inline bool virgo_mc_fits(size_t keylen, u32 flags, u64 bytes, u64 max)
{
	return VIRGO_MC_ITEM_HEADER + keylen + 1 + bytes + 2 + (flags ? 4 : 0) <= max;
}

#define VIRGO_MC_META_FLAGS	17	/* memcached takes 19 words at most */

/**
 * struct virgo_mc_req - a parsed memcached request line
 * @cmd: the command
 * @error: when parsing failed with -EINVAL, memcached's reply ("ERROR",
 *	"CLIENT_ERROR ...")
 * @keys: the keys (into the line); one except for get/gets/gat/gats
 * @nkeys: how many
 * @keylen: the length of a storage or meta command's key; a meta command's
 *	base64 key (flag b) is decoded in place, to any bytes, NULs included
 * @more: a retrieval with more than VIRGO_MC_KEYS_MAX keys: where the rest
 *	start, as NUL-separated words up to @end; else NULL
 * @end: the end of the line
 * @flags: client flags of a storage command
 * @exptime: expiry of a storage command, touch or gat/gats
 * @bytes: data bytes that follow a storage command
 * @cas: the cas unique of "cas"
 * @delta: the amount of incr/decr; of ma (D), 1 unless given
 * @noreply: the client wants no reply; of a meta command: flag q
 * @skip: an ms line that failed after its length: its data is dropped
 * @mflags: a meta command's flags, in the order given (into the line)
 * @nmflags: how many
 * @mhas: which flags were given: BIT_ULL(letter - 'A')
 * @mode: a meta command's mode (M), or 0
 * @vivify: the expiry of an item that mg or ma creates on a miss (N)
 * @recache: mg's recache time (R)
 * @initial: the value of an item that ma creates (J)
 *
 * Of a meta command, @exptime is flag T, @flags F, @cas C and @bytes the
 * length of ms's data.
 */
struct virgo_mc_req {
	enum virgo_mc_cmd cmd;
	const char *error;
	const char *keys[VIRGO_MC_KEYS_MAX];
	int nkeys;
	size_t keylen;
	const char *more;
	const char *end;
	u32 flags;
	s64 exptime;
	u64 bytes;
	u64 cas;
	u64 delta;
	bool noreply;
	bool skip;
	const char *mflags[VIRGO_MC_META_FLAGS];
	int nmflags;
	u64 mhas;
	char mode;
	s64 vivify;
	s64 recache;
	u64 initial;
};

/* Was meta flag @c given? */
static inline bool virgo_mc_has(const struct virgo_mc_req *req, char c)
{
	return c >= 'A' && c <= 'z' && (req->mhas & BIT_ULL(c - 'A'));
}

int virgo_mc_parse(char *line, u64 max_bytes, struct virgo_mc_req *req);
bool virgo_mc_key_ok(const char *key);
bool virgo_mc_command(const char *line);
int virgo_mc_line(struct virgo_conn *conn, char *line);
int virgo_mc_server_init(void);

/**
 * struct virgo_mc_item - one memcached key and its value
 * @node: in the item table
 * @ref: held by the table and by every reader
 * @rcu: frees it after lock-free readers are done
 * @expires: seconds since the epoch; 0: never; 1: already over
 * @cas: the cas unique, new with every store
 * @flags: the client's flags
 * @bytes: the value's length
 * @data: the value, then "\r\n"
 * @keylen: the key's length
 * @peer: whose bytes these are, for peer_max
 * @atime: when it was stored, or bumped by a fetch (virgo_mc_bump())
 * @meta: VIRGO_MC_FETCHED and the other bits of its meta state
 * @key: the key, NUL-terminated (a base64 key may hold NULs too)
 *
 * Once the item is in the table, only @expires (touch), @cas (md I), @atime
 * and @meta change; the bits with atomic bit operations.
 */
struct virgo_mc_item {
	struct rhash_head node;
	struct kref ref;
	struct rcu_head rcu;
	time64_t expires;
	u64 cas;
	u32 flags;
	u32 bytes;
	char *data;
	u8 keylen;
	u8 peer;
	time64_t atime;
	unsigned long meta;
	char key[];
};

/* The bits of an item's @meta, as memcached's item flags */
enum {
	VIRGO_MC_FETCHED,	/* fetched once (mg h) */
	VIRGO_MC_ACTIVE,	/* fetched twice: @atime was bumped */
	VIRGO_MC_WON,		/* a client won the right to recache it (mg W) */
	VIRGO_MC_STALE,		/* marked stale (md I, ms I) */
	VIRGO_MC_BINARY,	/* stored with a base64 key (ms b) */
};

enum virgo_mc_result {
	VIRGO_MC_STORED, VIRGO_MC_NOT_STORED, VIRGO_MC_EXISTS, VIRGO_MC_NOT_FOUND,
};

struct virgo_mc_stats {
	atomic64_t items, total_items, bytes;
	atomic64_t cmd_get, cmd_set, get_hits, get_misses;
};

extern struct virgo_mc_stats virgo_mc_stats;

int virgo_mc_init(void);
struct virgo_mc_item *virgo_mc_item_new(const char *key, u32 flags, s64 exptime,
					u32 bytes, int peer);
void virgo_mc_item_put(struct virgo_mc_item *it);
int virgo_mc_store(enum virgo_mc_cmd cmd, struct virgo_mc_item *it, u64 *cas,
		   bool stale);
struct virgo_mc_item *virgo_mc_get(const char *key, size_t len);
int virgo_mc_delete(const char *key);
int virgo_mc_touch(const char *key, s64 exptime);
int virgo_mc_arith(const char *key, bool incr, u64 delta, u64 *value);
void virgo_mc_flush(void);
void virgo_mc_reclaim(void);

/* what the meta commands add */
time64_t virgo_mc_expires(s64 exptime);
struct virgo_mc_item *virgo_mc_item_new_key(const char *key, size_t len,
					    bool binary, u32 flags, s64 exptime,
					    u32 bytes, int peer);
void virgo_mc_bump(struct virgo_mc_item *it);
struct virgo_mc_item *virgo_mc_fetch(const char *key, size_t len,
				     const s64 *vivify, int peer, bool *created);
void virgo_mc_set_expires(struct virgo_mc_item *it, time64_t expires);
int virgo_mc_meta_delete(const char *key, size_t len, const u64 *cas,
			 bool stale, const s64 *exptime);

/**
 * struct virgo_mc_delta - what ma (and incr, decr) do
 * @delta: by how much
 * @cas: unless 0, the cas unique the item must have
 * @initial: the value of an item that @create makes
 * @exptime: its expiry
 * @incr: incr (wraps at 2^64), else decr (stops at 0)
 * @create: create a missing item, with @initial
 */
struct virgo_mc_delta {
	u64 delta;
	u64 cas;
	u64 initial;
	s64 exptime;
	bool incr;
	bool create;
};

int virgo_mc_apply_delta(const char *key, size_t len,
			 const struct virgo_mc_delta *op, int peer, u64 *value,
			 struct virgo_mc_item **itp);

#endif /* _VIRGO_MEMPOOL_H */
