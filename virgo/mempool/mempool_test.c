// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - KUnit tests: VUIDs, striping arithmetic, the pool, the
 * memcached parser against malformed input and the memcached item store
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/string.h>
#include "mempool.h"

static void virgo_test_vuid_roundtrip(struct kunit *test)
{
	static const struct virgo_vuid cases[] = {
		{ 1, 0, 1 },
		{ 64, VIRGO_VUID_SLOTS - 1, (1ULL << VIRGO_VUID_TAG_BITS) - 1 },
		{ 3, 12345, 0xabcdef1234ULL },
	};
	struct virgo_vuid v;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_ASSERT_EQ(test, virgo_vuid_decode(virgo_vuid_encode(&cases[i]), &v), 0);
		KUNIT_EXPECT_EQ(test, v.node, cases[i].node);
		KUNIT_EXPECT_EQ(test, v.slot, cases[i].slot);
		KUNIT_EXPECT_EQ(test, v.tag, cases[i].tag);
	}
	/* Every 64-bit value decodes to a node in range; tag 0 never exists. */
	KUNIT_ASSERT_EQ(test, virgo_vuid_decode(~0ULL, &v), 0);
	KUNIT_EXPECT_EQ(test, v.node, 64);
	KUNIT_EXPECT_EQ(test, virgo_vuid_decode(0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_vuid_decode(1ULL << 40, &v), -EINVAL);
}

static void virgo_test_stripe_check(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, virgo_stripe_check(100, 0, 100), 0);
	KUNIT_EXPECT_EQ(test, virgo_stripe_check(100, 100, 0), 0);
	KUNIT_EXPECT_EQ(test, virgo_stripe_check(100, 99, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_stripe_check(100, 101, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_stripe_check(100, U64_MAX, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_stripe_check(U64_MAX, 1, U64_MAX), -EINVAL);

	KUNIT_EXPECT_EQ(test, virgo_stripe_chunks(1, 4096), 1);
	KUNIT_EXPECT_EQ(test, virgo_stripe_chunks(4096, 4096), 1);
	KUNIT_EXPECT_EQ(test, virgo_stripe_chunks(4097, 4096), 2);
	KUNIT_EXPECT_EQ(test, virgo_stripe_chunks(1 << 20, 65536), 16);
}

static void virgo_test_stripe_walk(struct kunit *test)
{
	struct virgo_stripe_step s;
	u64 off = 4000, len = 10000;

	/* 4000..14000 over 4096-byte chunks: 96 + 4096 + 4096 + 1712. */
	KUNIT_ASSERT_TRUE(test, virgo_stripe_next(4096, &off, &len, &s));
	KUNIT_EXPECT_EQ(test, s.chunk, 0);
	KUNIT_EXPECT_EQ(test, s.offset, 4000);
	KUNIT_EXPECT_EQ(test, s.len, 96);
	KUNIT_ASSERT_TRUE(test, virgo_stripe_next(4096, &off, &len, &s));
	KUNIT_EXPECT_EQ(test, s.chunk, 1);
	KUNIT_EXPECT_EQ(test, s.offset, 0);
	KUNIT_EXPECT_EQ(test, s.len, 4096);
	KUNIT_ASSERT_TRUE(test, virgo_stripe_next(4096, &off, &len, &s));
	KUNIT_EXPECT_EQ(test, s.chunk, 2);
	KUNIT_ASSERT_TRUE(test, virgo_stripe_next(4096, &off, &len, &s));
	KUNIT_EXPECT_EQ(test, s.chunk, 3);
	KUNIT_EXPECT_EQ(test, s.len, 1712);
	KUNIT_EXPECT_FALSE(test, virgo_stripe_next(4096, &off, &len, &s));
	KUNIT_EXPECT_EQ(test, off, 14000);

	/* Exactly on a chunk edge: one step. */
	off = 8192;
	len = 4096;
	KUNIT_ASSERT_TRUE(test, virgo_stripe_next(4096, &off, &len, &s));
	KUNIT_EXPECT_EQ(test, s.chunk, 2);
	KUNIT_EXPECT_EQ(test, s.len, 4096);
	KUNIT_EXPECT_FALSE(test, virgo_stripe_next(4096, &off, &len, &s));
}

static int mc(struct kunit *test, const char *text, struct virgo_mc_req *req)
{
	char *line = kunit_kstrdup(test, text, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, line);
	return virgo_mc_parse(line, 1 << 20, req);
}

static void virgo_test_mc_commands(struct kunit *test)
{
	struct virgo_mc_req r;

	KUNIT_ASSERT_EQ(test, mc(test, "set foo 7 0 5", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cmd, VIRGO_MC_SET);
	KUNIT_ASSERT_EQ(test, r.nkeys, 1);
	KUNIT_EXPECT_STREQ(test, r.keys[0], "foo");
	KUNIT_EXPECT_EQ(test, r.flags, 7);
	KUNIT_EXPECT_EQ(test, r.bytes, 5);
	KUNIT_EXPECT_FALSE(test, r.noreply);

	KUNIT_ASSERT_EQ(test, mc(test, "add k 0 -1 0 noreply", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, -1);
	KUNIT_EXPECT_TRUE(test, r.noreply);

	KUNIT_ASSERT_EQ(test, mc(test, "cas k 1 2 3 99", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cas, 99);

	KUNIT_ASSERT_EQ(test, mc(test, "gets a b c", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cmd, VIRGO_MC_GETS);
	KUNIT_EXPECT_EQ(test, r.nkeys, 3);
	KUNIT_EXPECT_STREQ(test, r.keys[2], "c");

	KUNIT_ASSERT_EQ(test, mc(test, "incr n 18446744073709551615", &r), 0);
	KUNIT_EXPECT_EQ(test, r.delta, U64_MAX);
	KUNIT_ASSERT_EQ(test, mc(test, "touch k 100 noreply", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, 100);
	KUNIT_ASSERT_EQ(test, mc(test, "delete k", &r), 0);
	KUNIT_ASSERT_EQ(test, mc(test, "stats", &r), 0);
	KUNIT_ASSERT_EQ(test, mc(test, "version", &r), 0);
	KUNIT_ASSERT_EQ(test, mc(test, "quit", &r), 0);
	KUNIT_ASSERT_EQ(test, mc(test, "flush_all noreply", &r), 0);
}

/* What memcached 1.6.18 answers (checked against it by memcached.sh). */
static void virgo_test_mc_malformed(struct kunit *test)
{
	static const struct {
		const char *line;
		const char *reply;
	} bad[] = {
		{ "set", "ERROR" }, { "set k", "ERROR" }, { "set k 0 0", "ERROR" },
		{ "cas k 0 0 1", "ERROR" }, { "get", "ERROR" }, { "gets  ", "ERROR" },
		{ "gat", "ERROR" }, { "delete", "ERROR" }, { "incr k", "ERROR" },
		{ "touch k", "ERROR" }, { "verbosity", "ERROR" },
		{ "set k 0 0 1 noreply x", "ERROR" },
		{ "set k x 0 1", "CLIENT_ERROR bad command line format" },
		{ "set k 0 x 1", "CLIENT_ERROR bad command line format" },
		{ "set k 0 0 -1", "CLIENT_ERROR bad command line format" },
		{ "set k 4294967296 0 1", "CLIENT_ERROR bad command line format" },
		{ "cas k 0 0 1 x", "CLIENT_ERROR bad command line format" },
		{ "verbosity x", "CLIENT_ERROR bad command line format" },
		{ "incr k -1", "CLIENT_ERROR invalid numeric delta argument" },
		{ "incr k 18446744073709551616", "CLIENT_ERROR invalid numeric delta argument" },
		{ "touch k x", "CLIENT_ERROR invalid exptime argument" },
		{ "gat x k", "CLIENT_ERROR invalid exptime argument" },
		{ "flush_all x", "CLIENT_ERROR invalid exptime argument" },
		{ "delete k 1", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]" },
		{ "delete k 0 0", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]" },
	};
	static const char *const good[] = {
		"set k 0 0 1 maybe", "stats items", "version 2", "quit now", "mn",
		"get a\x01b", "  get k", "verbosity 1 noreply", "delete k noreply",
		"delete k 0 noreply", "gat 10", "flush_all 0",
	};
	struct virgo_mc_req r;
	char key[VIRGO_MC_KEY_MAX + 8] = "get ";
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mc(test, bad[i].line, &r), -EINVAL,
				    "line \"%s\"", bad[i].line);
		KUNIT_EXPECT_STREQ_MSG(test, r.error, bad[i].reply, "line \"%s\"", bad[i].line);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++)
		KUNIT_EXPECT_EQ_MSG(test, mc(test, good[i], &r), 0, "line \"%s\"", good[i]);
	KUNIT_EXPECT_EQ(test, mc(test, "", &r), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mc(test, "virgo_cloud_get(5)", &r), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mc(test, "GET k", &r), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mc(test, "ms k 9", &r), -EOPNOTSUPP);

	/* Values past the limit: the command is known, so is its data. */
	KUNIT_EXPECT_EQ(test, mc(test, "set k 0 0 1048577", &r), -E2BIG);
	KUNIT_EXPECT_EQ(test, r.cmd, VIRGO_MC_SET);
	KUNIT_EXPECT_EQ(test, r.bytes, 1048577);

	/* Keys: 250 bytes pass, 251 do not; a batch holds 24 keys. */
	memset(key + 4, 'k', VIRGO_MC_KEY_MAX);
	key[4 + VIRGO_MC_KEY_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, mc(test, key, &r), 0);
	key[4 + VIRGO_MC_KEY_MAX] = 'k';
	key[5 + VIRGO_MC_KEY_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, mc(test, key, &r), -EINVAL);
	KUNIT_EXPECT_STREQ(test, r.error, "CLIENT_ERROR bad command line format");
	KUNIT_EXPECT_EQ(test, mc(test, "get 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
				  "21 22 23 24", &r), 0);
	KUNIT_EXPECT_EQ(test, r.nkeys, 24);
	KUNIT_EXPECT_NULL(test, r.more);
	/* More keys than a batch: the rest are left for the server. */
	KUNIT_EXPECT_EQ(test, mc(test, "get 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
				  "21 22 23 24  25 26", &r), 0);
	KUNIT_EXPECT_EQ(test, r.nkeys, 24);
	KUNIT_EXPECT_STREQ(test, r.more, "25");
	/* Only spaces separate words: a tab is part of a key, as in memcached. */
	KUNIT_EXPECT_EQ(test, mc(test, "get a b\tc", &r), 0);
	KUNIT_EXPECT_EQ(test, r.nkeys, 2);
	KUNIT_EXPECT_STREQ(test, r.keys[1], "b\tc");
	KUNIT_EXPECT_EQ(test, mc(test, "gats 100 x y", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cmd, VIRGO_MC_GATS);
	KUNIT_EXPECT_EQ(test, r.exptime, 100);
	KUNIT_EXPECT_EQ(test, r.nkeys, 2);
	KUNIT_EXPECT_EQ(test, mc(test, "flush_all 0 noreply", &r), 0);
	KUNIT_EXPECT_TRUE(test, r.noreply);
	KUNIT_EXPECT_EQ(test, mc(test, "set k 0 0 1048577 noreply", &r), -E2BIG);
	KUNIT_EXPECT_TRUE(test, r.noreply);
}

static void restore_node_id(void *id)
{
	virgo_set_local_id((uintptr_t)id);
}

static void restore_pool_max(void *max)
{
	virgo_pool_max = *(u64 *)max;
}

/* Pool tests run as node 7; the node id is restored however they end. */
static void with_node_id(struct kunit *test, void (*fn)(struct kunit *test))
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_node_id,
			(void *)(uintptr_t)virgo_local_id()), 0);
	KUNIT_ASSERT_EQ(test, virgo_set_local_id(7), 0);
	fn(test);
}

static void pool_roundtrip(struct kunit *test)
{
	u8 buf[16], zero[16] = { 0 };
	struct virgo_vuid v;
	u64 vuid, other;

	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(0, &vuid), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(VIRGO_CHUNK_MAX + 1, &vuid), -EINVAL);
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(100, &vuid), 0);
	KUNIT_ASSERT_EQ(test, virgo_vuid_decode(vuid, &v), 0);
	KUNIT_EXPECT_EQ(test, v.node, 7);
	KUNIT_EXPECT_EQ(test, virgo_pool_size(vuid), 100);

	/* Zeroed; written bytes come back, at any offset, up to the end. */
	KUNIT_ASSERT_EQ(test, virgo_pool_read(vuid, 84, buf, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf, zero, 16), 0);
	KUNIT_ASSERT_EQ(test, virgo_pool_write(vuid, 90, "0123456789", 10), 0);
	KUNIT_ASSERT_EQ(test, virgo_pool_read(vuid, 88, buf, 12), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "\0\0" "0123456789", 12), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_write(vuid, 91, "0123456789", 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_pool_read(vuid, U64_MAX, buf, 2), -EINVAL);

	/* Another node's VUID, a wrong tag, a slot never used. */
	v.node = 8;
	KUNIT_EXPECT_EQ(test, virgo_pool_read(virgo_vuid_encode(&v), 0, buf, 1), -EINVAL);
	v.node = 7;
	v.tag ^= 1;
	KUNIT_EXPECT_EQ(test, virgo_pool_read(virgo_vuid_encode(&v), 0, buf, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(virgo_vuid_encode(&v)), -ENOENT);
	v.slot = VIRGO_VUID_SLOTS - 1;
	KUNIT_EXPECT_EQ(test, virgo_pool_size(virgo_vuid_encode(&v)), -ENOENT);

	/* Freed: gone, and a new chunk in the same slot does not answer to it. */
	KUNIT_ASSERT_EQ(test, virgo_pool_free(vuid), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_read(vuid, 0, buf, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(vuid), -ENOENT);
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(100, &other), 0);
	KUNIT_EXPECT_NE(test, other, vuid);
	KUNIT_EXPECT_EQ(test, virgo_pool_write(vuid, 0, "x", 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(other), 0);
}

static void pool_cap(struct kunit *test)
{
	u64 *saved = kunit_kmalloc(test, sizeof(*saved), GFP_KERNEL);
	u64 a, b;

	KUNIT_ASSERT_NOT_NULL(test, saved);
	*saved = virgo_pool_max;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_pool_max, saved), 0);
	virgo_pool_max = virgo_pool_used_bytes() + 150;
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(100, &a), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(100, &b), -ENOMEM);
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(50, &b), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(1, &b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(b), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(a), 0);
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(150, &a), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(a), 0);
}

static void no_node_id(struct kunit *test)
{
	u64 vuid;

	virgo_set_local_id(0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(1, &vuid), -EDESTADDRREQ);
}

static void virgo_test_pool(struct kunit *test)
{
	with_node_id(test, no_node_id);
	with_node_id(test, pool_roundtrip);
}

static void restore_peer_max(void *max)
{
	virgo_peer_max = *(u64 *)max;
}

/* Each peer has its own share of the pool: peer_max. */
static void pool_peer_cap(struct kunit *test)
{
	u64 *saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);
	int a = virgo_pool_peer(htonl(0xc6120063));	/* 198.18.0.99 */
	int b = virgo_pool_peer(htonl(0xc6120064));
	u64 v1, v2;

	KUNIT_ASSERT_NOT_NULL(test, saved);
	KUNIT_ASSERT_GT(test, a, 0);
	KUNIT_ASSERT_GT(test, b, 0);
	KUNIT_EXPECT_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, virgo_pool_peer(htonl(0xc6120063)), a);
	KUNIT_EXPECT_EQ(test, virgo_pool_peer(htonl(INADDR_LOOPBACK)), 0);
	*saved = virgo_peer_max;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_peer_max, saved), 0);
	virgo_peer_max = 100;
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc_kind(80, false, a, &v1), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc_kind(80, false, a, &v2), -ENOMEM);
	KUNIT_EXPECT_EQ(test, virgo_pool_peer_used(a), 80);
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc_kind(80, false, b, &v2), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(v1), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(v2), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_peer_used(a), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_peer_used(b), 0);
}

static void virgo_test_pool_cap(struct kunit *test)
{
	with_node_id(test, pool_cap);
}

static void virgo_test_pool_peer_cap(struct kunit *test)
{
	with_node_id(test, pool_peer_cap);
}

/* A storage command on the item store, as the server makes one. */
static int kv_store(struct kunit *test, enum virgo_mc_cmd cmd, const char *key,
		    const char *value, s64 exptime, u64 cas)
{
	struct virgo_mc_item *it;

	it = virgo_mc_item_new(key, 42, exptime, strlen(value), 0);
	if (IS_ERR(it))
		return PTR_ERR(it);
	memcpy(it->data, value, strlen(value));
	return virgo_mc_store(cmd, it, cas);
}

/* The value under @key, NUL-terminated, or "(none)". */
static const char *kv_value(struct kunit *test, const char *key, u64 *cas)
{
	struct virgo_mc_item *it = virgo_mc_get(key);
	char *v;

	if (!it)
		return "(none)";
	KUNIT_EXPECT_EQ(test, it->flags, 42);
	KUNIT_EXPECT_EQ(test, memcmp(it->data + it->bytes, "\r\n", 2), 0);
	v = kunit_kzalloc(test, it->bytes + 1, GFP_KERNEL);
	memcpy(v, it->data, it->bytes);
	if (cas)
		*cas = it->cas;
	virgo_mc_item_put(it);
	return v;
}

static void kv_cleanup(void *unused)
{
	static const char *const keys[] = { "kunit-a", "kunit-n", "kunit-x" };
	int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		virgo_mc_delete(keys[i]);
}

static void virgo_test_kv_store(struct kunit *test)
{
	u64 cas, cas2, v;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kv_cleanup, NULL), 0);
	kv_cleanup(NULL);

	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_REPLACE, "kunit-a", "x", 0, 0),
			VIRGO_MC_NOT_STORED);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_APPEND, "kunit-a", "x", 0, 0),
			VIRGO_MC_NOT_STORED);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_ADD, "kunit-a", "one", 0, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_ADD, "kunit-a", "two", 0, 0),
			VIRGO_MC_NOT_STORED);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-a", NULL), "one");
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_APPEND, "kunit-a", ">", 0, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_PREPEND, "kunit-a", "<", 0, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-a", &cas), "<one>");

	/* cas: the unique read last stores once; after that it is stale. */
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_CAS, "kunit-a", "c1", 0, cas),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_CAS, "kunit-a", "c2", 0, cas),
			VIRGO_MC_EXISTS);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-a", &cas2), "c1");
	KUNIT_EXPECT_NE(test, cas, cas2);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_CAS, "kunit-x", "c", 0, cas2),
			VIRGO_MC_NOT_FOUND);

	/* incr wraps at 2^64, decr stops at 0, text is refused. */
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-n", true, 1, &v), -ENOENT);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-n", "10", 0, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-n", true, 5, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 15);
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-n", false, 100, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0);
	/* Shorter, so padded to the old length, as memcached stores it. */
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-n", NULL), "0 ");
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-n", true, 41, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 41);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-n", NULL), "41");
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-n",
				       "18446744073709551615", 0, 0), VIRGO_MC_STORED);
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-n", true, 2, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 1);
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-a", true, 1, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-n", "", 0, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_EQ(test, virgo_mc_arith("kunit-n", true, 1, &v), -EINVAL);

	/* Expiry: negative is gone at once; touch to the past ends an item. */
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-x", "x", -1, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-x", NULL), "(none)");
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-x", "x", 3600, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-x", NULL), "x");
	KUNIT_EXPECT_EQ(test, virgo_mc_touch("kunit-x", 1000000000), 0);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-x", NULL), "(none)");
	KUNIT_EXPECT_EQ(test, virgo_mc_touch("kunit-x", 0), -ENOENT);

	KUNIT_EXPECT_EQ(test, virgo_mc_delete("kunit-a"), 0);
	KUNIT_EXPECT_EQ(test, virgo_mc_delete("kunit-a"), -ENOENT);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-a", NULL), "(none)");
}

/* Items count against pool_max, and give their bytes back when deleted. */
static void virgo_test_kv_cap(struct kunit *test)
{
	u64 *saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);
	u64 used = virgo_pool_used_bytes();

	KUNIT_ASSERT_NOT_NULL(test, saved);
	*saved = virgo_pool_max;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_pool_max, saved), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kv_cleanup, NULL), 0);
	virgo_pool_max = used + 1000;
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-a", "v", 0, 0),
			VIRGO_MC_STORED);
	KUNIT_EXPECT_GT(test, virgo_pool_used_bytes(), used);
	KUNIT_EXPECT_PTR_EQ(test, virgo_mc_item_new("kunit-x", 0, 0, 1000, 0),
			    ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_EQ(test, virgo_mc_delete("kunit-a"), 0);
	/* Only the item struct waits for RCU; its bytes come back now. */
	KUNIT_EXPECT_EQ(test, virgo_pool_used_bytes(), used);
}

static struct kunit_case virgo_mempool_cases[] = {
	KUNIT_CASE(virgo_test_pool),
	KUNIT_CASE(virgo_test_pool_cap),
	KUNIT_CASE(virgo_test_pool_peer_cap),
	KUNIT_CASE(virgo_test_vuid_roundtrip),
	KUNIT_CASE(virgo_test_stripe_check),
	KUNIT_CASE(virgo_test_stripe_walk),
	KUNIT_CASE(virgo_test_mc_commands),
	KUNIT_CASE(virgo_test_mc_malformed),
	KUNIT_CASE(virgo_test_kv_store),
	KUNIT_CASE(virgo_test_kv_cap),
	{}
};

static struct kunit_suite virgo_mempool_suite = {
	.name = "virgo_mempool",
	.test_cases = virgo_mempool_cases,
};

kunit_test_suite(virgo_mempool_suite);
