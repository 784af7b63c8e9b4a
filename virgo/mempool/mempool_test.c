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
	KUNIT_EXPECT_EQ(test, mc(test, "mx k 9", &r), -EOPNOTSUPP);

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

/* The meta commands as memcached 1.6.18 reads them. */
static void virgo_test_mc_meta(struct kunit *test)
{
	struct virgo_mc_req r;

	KUNIT_ASSERT_EQ(test, mc(test, "mg foo s v t c k O123 q", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cmd, VIRGO_MC_MG);
	KUNIT_EXPECT_STREQ(test, r.keys[0], "foo");
	KUNIT_EXPECT_EQ(test, r.keylen, 3);
	KUNIT_ASSERT_EQ(test, r.nmflags, 7);
	KUNIT_EXPECT_STREQ(test, r.mflags[5], "O123");
	KUNIT_EXPECT_TRUE(test, virgo_mc_has(&r, 'v') && virgo_mc_has(&r, 'O'));
	KUNIT_EXPECT_FALSE(test, virgo_mc_has(&r, 'u'));
	KUNIT_EXPECT_TRUE(test, r.noreply);

	/* A base64 key is decoded in place, to any bytes. */
	KUNIT_ASSERT_EQ(test, mc(test, "ms Zm9v 5 b T-1 F7 MA C12 I", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cmd, VIRGO_MC_MS);
	KUNIT_ASSERT_EQ(test, r.keylen, 3);
	KUNIT_EXPECT_EQ(test, memcmp(r.keys[0], "foo", 3), 0);
	KUNIT_EXPECT_EQ(test, r.bytes, 5);
	KUNIT_EXPECT_EQ(test, r.exptime, -1);
	KUNIT_EXPECT_EQ(test, r.flags, 7);
	KUNIT_EXPECT_EQ(test, r.mode, 'A');
	KUNIT_EXPECT_EQ(test, r.cas, 12);
	KUNIT_EXPECT_TRUE(test, virgo_mc_has(&r, 'I') && virgo_mc_has(&r, 'b'));
	KUNIT_EXPECT_FALSE(test, r.noreply);
	KUNIT_ASSERT_EQ(test, mc(test, "mg AAAA b", &r), 0);
	KUNIT_ASSERT_EQ(test, r.keylen, 3);
	KUNIT_EXPECT_EQ(test, memcmp(r.keys[0], "\0\0\0", 3), 0);
	/* memcached's decoder skips what is not base64, and pads anywhere. */
	KUNIT_ASSERT_EQ(test, mc(test, "mg Y.W.J.j b", &r), 0);
	KUNIT_ASSERT_EQ(test, r.keylen, 3);
	KUNIT_EXPECT_EQ(test, memcmp(r.keys[0], "abc", 3), 0);
	KUNIT_ASSERT_EQ(test, mc(test, "mg YW=j b", &r), 0);
	KUNIT_ASSERT_EQ(test, r.keylen, 2);
	KUNIT_EXPECT_EQ(test, memcmp(r.keys[0], "a`", 2), 0);
	KUNIT_ASSERT_EQ(test, mc(test, "me Zm9v b", &r), 0);
	KUNIT_EXPECT_EQ(test, r.keylen, 3);
	KUNIT_EXPECT_EQ(test, mc(test, "me k x y", &r), 0);

	KUNIT_ASSERT_EQ(test, mc(test, "ma n N0 J5 D10 MD", &r), 0);
	KUNIT_EXPECT_EQ(test, r.vivify, 0);
	KUNIT_EXPECT_EQ(test, r.initial, 5);
	KUNIT_EXPECT_EQ(test, r.delta, 10);
	KUNIT_EXPECT_EQ(test, r.mode, 'D');
	KUNIT_ASSERT_EQ(test, mc(test, "ma n", &r), 0);
	KUNIT_EXPECT_EQ(test, r.delta, 1);
	KUNIT_ASSERT_EQ(test, mc(test, "md k I T30 C9 q", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, 30);
	KUNIT_EXPECT_EQ(test, r.cas, 9);
	KUNIT_EXPECT_TRUE(test, r.noreply);

	/* Numbers as C's strtol family reads them, cut to 32 bits for times. */
	KUNIT_ASSERT_EQ(test, mc(test, "mg k T+5", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, 5);
	KUNIT_ASSERT_EQ(test, mc(test, "mg k T\t5\t", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, 5);
	KUNIT_ASSERT_EQ(test, mc(test, "mg k T-4294967296", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, 0);
	KUNIT_ASSERT_EQ(test, mc(test, "mg k T2147483648", &r), 0);
	KUNIT_EXPECT_EQ(test, r.exptime, S32_MIN);
	KUNIT_ASSERT_EQ(test, mc(test, "mg k C-0 F-0", &r), 0);
	KUNIT_EXPECT_EQ(test, r.cas, 0);
	KUNIT_ASSERT_EQ(test, mc(test, "mg k D-9223372036854775809", &r), 0);
	KUNIT_EXPECT_EQ(test, r.delta, S64_MAX);
	KUNIT_ASSERT_EQ(test, mc(test, "ms k 4294967298", &r), 0);
	KUNIT_EXPECT_EQ(test, r.bytes, 2);

	/* 19 words at most; memcached's item limit counts key and flags too. */
	KUNIT_EXPECT_EQ(test, mc(test, "mg k s t c f h l k O1 q u v T0 R30 N30 C0 D0 J0",
				 &r), 0);
	KUNIT_EXPECT_EQ(test, r.nmflags, 17);
	KUNIT_EXPECT_EQ(test, mc(test, "ms k 1 s t c f h l k O1 q u v T0 R30 N30 C0 D0",
				 &r), 0);
	KUNIT_EXPECT_EQ(test, mc(test, "ms k 1048516", &r), 0);
	KUNIT_EXPECT_EQ(test, mc(test, "ms k 1048517", &r), -E2BIG);
	KUNIT_EXPECT_EQ(test, mc(test, "ms kk 1048511 F1", &r), 0);
	KUNIT_EXPECT_EQ(test, mc(test, "ms kk 1048512 F1 q", &r), -E2BIG);
	KUNIT_EXPECT_FALSE(test, r.noreply);
	KUNIT_EXPECT_EQ(test, mc(test, "set kk 1 0 1048512", &r), -E2BIG);
}

/* What memcached 1.6.18 answers (checked against it by memcached.sh). */
static void virgo_test_mc_meta_malformed(struct kunit *test)
{
	static const struct {
		const char *line;
		const char *reply;
	} bad[] = {
		{ "mg", "ERROR" }, { "ms", "ERROR" }, { "md  ", "ERROR" }, { "ma", "ERROR" },
		{ "me", "CLIENT_ERROR bad command line format" },
		{ "me k b", "CLIENT_ERROR bad command line format" },
		{ "ms k", "CLIENT_ERROR bad command line format" },
		{ "ms k x", "CLIENT_ERROR bad command line format" },
		{ "ms k -1", "CLIENT_ERROR bad command line format" },
		{ "ms k 2147483646", "CLIENT_ERROR bad command line format" },
		{ "mg k x", "CLIENT_ERROR invalid flag" },
		{ "mg k 1", "CLIENT_ERROR invalid flag" },
		{ "mg k E5", "CLIENT_ERROR invalid flag" },
		{ "mg k v vv", "CLIENT_ERROR duplicate flag" },
		{ "mg k \xc3\xa9", "CLIENT_ERROR duplicate flag" },
		{ "mg k O12345678901234567890123456789012", "CLIENT_ERROR opaque token too long" },
		{ "mg k T", "CLIENT_ERROR bad token in command line format" },
		{ "mg k N v", "CLIENT_ERROR bad token in command line format" },
		{ "mg k R0x5", "CLIENT_ERROR bad token in command line format" },
		{ "mg k T99999999999999999999", "CLIENT_ERROR bad token in command line format" },
		{ "mg k C-1", "CLIENT_ERROR bad token in command line format" },
		{ "mg k Fx", "CLIENT_ERROR bad command line format" },
		{ "mg k F-1", "CLIENT_ERROR bad command line format" },
		{ "mg k M", "CLIENT_ERROR incorrect length for M token" },
		{ "mg k MSS", "CLIENT_ERROR incorrect length for M token" },
		{ "mg k D-1", "CLIENT_ERROR invalid numeric delta value" },
		{ "mg k Jx", "CLIENT_ERROR invalid numeric initial value" },
		/* The last bad token speaks, unless an unknown flag follows. */
		{ "mg k Tx Fx", "CLIENT_ERROR bad token in command line format" },
		{ "mg k Tx Dx", "CLIENT_ERROR invalid numeric delta value" },
		{ "mg k Tx zz", "CLIENT_ERROR invalid flag" },
		{ "mg k Tx T1", "CLIENT_ERROR duplicate flag" },
		{ "mg k b", "CLIENT_ERROR error decoding key" },
		{ "mg YWJ b", "CLIENT_ERROR error decoding key" },
		{ "mg YWJjZA= b", "CLIENT_ERROR error decoding key" },
		{ "mg A=== b", "CLIENT_ERROR error decoding key" },
		{ "mg @@@@ b", "CLIENT_ERROR error decoding key" },
		{ "mg k s t c f h l k O1 q u v T0 R30 N30 C0 D0 J0 P",
		  "CLIENT_ERROR options flags are too long" },
		{ "ma k s t c f h l k O1 q u v T0 R30 N30 C0 D0 J0 P",
		  "CLIENT_ERROR options flags too long" },
		{ "md k x", "CLIENT_ERROR invalid or duplicate flag" },
		{ "md k Tx", "CLIENT_ERROR invalid or duplicate flag" },
		{ "md k b", "CLIENT_ERROR invalid or duplicate flag" },
		{ "md k O12345678901234567890123456789012", "CLIENT_ERROR opaque token too long" },
		{ "ma k MI MD", "CLIENT_ERROR invalid or duplicate flag" },
		{ "ma k D18446744073709551616", "CLIENT_ERROR invalid or duplicate flag" },
		{ "ma k Mi", "CLIENT_ERROR invalid mode for ma M token" },
		/* Not memcached's: it cuts flags above 2^32 - 1 to 32 bits. */
		{ "mg k F4294967296", "CLIENT_ERROR bad command line format" },
	};
	/* After its length, a bad ms line's data is dropped. */
	static const struct {
		const char *line;
		const char *reply;
	} bad_ms[] = {
		{ "ms k 2 x", "CLIENT_ERROR invalid flag" },
		{ "ms k 2 q zz", "CLIENT_ERROR invalid flag" },
		{ "ms k 2 MX", "CLIENT_ERROR invalid mode for ms M token" },
		{ "ms k 2 O12345678901234567890123456789012 MX",
		  "CLIENT_ERROR invalid mode for ms M token" },
		{ "ms k 2 Fx O12345678901234567890123456789012",
		  "CLIENT_ERROR bad command line format" },
		{ "ms k 2 MX Tx", "CLIENT_ERROR bad token in command line format" },
		{ "ms k 2 F1 F2", "CLIENT_ERROR duplicate flag" },
		{ "ms k 2 b", "CLIENT_ERROR error decoding key" },
	};
	char line[VIRGO_MC_KEY_MAX + 8] = "mg ";
	struct virgo_mc_req r;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mc(test, bad[i].line, &r), -EINVAL,
				    "line \"%s\"", bad[i].line);
		KUNIT_EXPECT_STREQ_MSG(test, r.error, bad[i].reply, "line \"%s\"", bad[i].line);
		KUNIT_EXPECT_FALSE_MSG(test, r.skip, "line \"%s\"", bad[i].line);
	}
	for (i = 0; i < ARRAY_SIZE(bad_ms); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mc(test, bad_ms[i].line, &r), -EINVAL,
				    "line \"%s\"", bad_ms[i].line);
		KUNIT_EXPECT_STREQ_MSG(test, r.error, bad_ms[i].reply, "line \"%s\"",
				       bad_ms[i].line);
		KUNIT_EXPECT_TRUE_MSG(test, r.skip && r.bytes == 2, "line \"%s\"",
				      bad_ms[i].line);
		/* Errors are always answered: q does not silence them. */
		KUNIT_EXPECT_FALSE(test, r.noreply);
	}
	/* Keys: 250 bytes pass, before base64 decoding; 251 do not. */
	memset(line + 3, 'k', VIRGO_MC_KEY_MAX + 1);
	line[3 + VIRGO_MC_KEY_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, mc(test, line, &r), 0);
	line[3 + VIRGO_MC_KEY_MAX] = 'k';
	line[4 + VIRGO_MC_KEY_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, mc(test, line, &r), -EINVAL);
	KUNIT_EXPECT_STREQ(test, r.error, "CLIENT_ERROR bad command line format");
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

/* What allocating @size bytes charges: the growth of the bytes held. */
static u64 pool_cost(struct kunit *test, u64 size, u64 *vuid)
{
	u64 before = virgo_pool_used_bytes();

	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(size, vuid), 0);
	return virgo_pool_used_bytes() - before;
}

/*
 * A chunk costs its size rounded up to a page, and its record: 1-byte
 * chunks cannot take every slot for a few bytes of quota.
 */
static void pool_cap(struct kunit *test)
{
	u64 *saved = kunit_kmalloc(test, sizeof(*saved), GFP_KERNEL);
	u64 a, b, one, page;

	KUNIT_ASSERT_NOT_NULL(test, saved);
	one = pool_cost(test, 1, &a);
	KUNIT_EXPECT_GT(test, one, PAGE_SIZE);
	KUNIT_EXPECT_LT(test, one, 2 * PAGE_SIZE);
	page = pool_cost(test, PAGE_SIZE, &b);
	KUNIT_EXPECT_EQ(test, page, one);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(b), 0);
	KUNIT_EXPECT_EQ(test, pool_cost(test, PAGE_SIZE + 1, &b), one + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(b), 0);
	/* kmalloc's power of two, not the pages the data needs */
	KUNIT_EXPECT_EQ(test, pool_cost(test, 5 * PAGE_SIZE, &b),
			one - PAGE_SIZE + 8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(b), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(a), 0);

	*saved = virgo_pool_max;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_pool_max, saved), 0);
	virgo_pool_max = virgo_pool_used_bytes() + 2 * one - 1;
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(100, &a), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(1, &b), -ENOMEM);
	KUNIT_EXPECT_EQ(test, virgo_pool_free(a), 0);
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc(PAGE_SIZE, &a), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc(PAGE_SIZE, &b), -ENOMEM);
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
	virgo_peer_max = 2 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, virgo_pool_alloc_kind(80, false, a, &v1), 0);
	KUNIT_EXPECT_EQ(test, virgo_pool_alloc_kind(80, false, a, &v2), -ENOMEM);
	KUNIT_EXPECT_GT(test, virgo_pool_peer_used(a), PAGE_SIZE);
	KUNIT_EXPECT_LT(test, virgo_pool_peer_used(a), 2 * PAGE_SIZE);
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

	it = virgo_mc_item_new_key(key, strlen(key), false, 42, exptime,
				   strlen(value), 0);
	if (IS_ERR(it))
		return PTR_ERR(it);
	memcpy(it->data, value, strlen(value));
	return virgo_mc_store(cmd, it, &cas, false);
}

/* The value under @key, NUL-terminated, or "(none)". */
static const char *kv_value(struct kunit *test, const char *key, u64 *cas)
{
	struct virgo_mc_item *it = virgo_mc_get(key, strlen(key));
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

static const char kv_binary_key[] = { 'k', '\0', 'b' };

static void kv_meta_cleanup(void *unused)
{
	virgo_mc_meta_delete(kv_binary_key, sizeof(kv_binary_key), NULL, false, NULL);
	virgo_mc_delete("kunit-m");
	virgo_mc_delete("kunit-n");
	virgo_mc_delete("kunit-x");
}

/* A cas unique of the item under @key, or 0. */
static u64 kv_cas(const char *key)
{
	struct virgo_mc_item *it = virgo_mc_get(key, strlen(key));
	u64 cas = it ? READ_ONCE(it->cas) : 0;

	if (it)
		virgo_mc_item_put(it);
	return cas;
}

/* The meta commands' store: keys of any bytes, stale items, ma, bumps. */
static void virgo_test_kv_meta(struct kunit *test)
{
	struct virgo_mc_delta op = { .delta = 1, .incr = true };
	struct virgo_mc_item *it;
	s64 ttl = 30;
	bool created;
	u64 cas, v;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kv_meta_cleanup, NULL), 0);
	kv_meta_cleanup(NULL);

	/* A base64 key may hold NULs: its bytes are the key. */
	it = virgo_mc_item_new_key(kv_binary_key, 3, true, 0, 0, 1, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(it));
	cas = 0;
	KUNIT_EXPECT_EQ(test, virgo_mc_store(VIRGO_MC_SET, it, &cas, false), VIRGO_MC_STORED);
	KUNIT_EXPECT_NE(test, cas, 0);
	KUNIT_EXPECT_NULL(test, virgo_mc_get("k", 1));
	it = virgo_mc_get(kv_binary_key, 3);
	KUNIT_ASSERT_NOT_NULL(test, it);
	KUNIT_EXPECT_TRUE(test, test_bit(VIRGO_MC_BINARY, &it->meta));
	KUNIT_EXPECT_EQ(test, it->cas, cas);
	virgo_mc_item_put(it);
	KUNIT_EXPECT_EQ(test, virgo_mc_meta_delete(kv_binary_key, 3, NULL, false, NULL), 0);
	KUNIT_EXPECT_NULL(test, virgo_mc_get(kv_binary_key, 3));

	/* md: a cas must match; I marks stale and gives a new unique. */
	KUNIT_EXPECT_EQ(test, virgo_mc_meta_delete("kunit-m", 7, NULL, true, NULL), -ENOENT);
	KUNIT_ASSERT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-m", "v", 0, 0),
			VIRGO_MC_STORED);
	cas = kv_cas("kunit-m");
	v = cas + 1;
	KUNIT_EXPECT_EQ(test, virgo_mc_meta_delete("kunit-m", 7, &v, false, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, virgo_mc_meta_delete("kunit-m", 7, &cas, true, NULL), 0);
	KUNIT_EXPECT_GT(test, kv_cas("kunit-m"), cas);
	it = virgo_mc_get("kunit-m", 7);
	KUNIT_ASSERT_NOT_NULL(test, it);
	KUNIT_EXPECT_TRUE(test, test_bit(VIRGO_MC_STALE, &it->meta));
	virgo_mc_item_put(it);

	/* ms I: a cas below the item's stores, stale; above it does not. */
	cas = kv_cas("kunit-m");
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_CAS, "kunit-m", "w", 0, cas + 1),
			VIRGO_MC_EXISTS);
	it = virgo_mc_item_new_key("kunit-m", 7, false, 0, 0, 1, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(it));
	v = 1;
	KUNIT_EXPECT_EQ(test, virgo_mc_store(VIRGO_MC_CAS, it, &v, true), VIRGO_MC_STORED);
	KUNIT_EXPECT_GT(test, v, cas);
	it = virgo_mc_get("kunit-m", 7);
	KUNIT_ASSERT_NOT_NULL(test, it);
	KUNIT_EXPECT_TRUE(test, test_bit(VIRGO_MC_STALE, &it->meta));
	virgo_mc_item_put(it);
	/* Append compares a cas unless it is 0. */
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_APPEND, "kunit-m", "x", 0, 1),
			VIRGO_MC_EXISTS);
	KUNIT_EXPECT_EQ(test, kv_store(test, VIRGO_MC_APPEND, "kunit-m", "x", 0, 0),
			VIRGO_MC_STORED);

	/* ma: N creates with J; a cas must match; a fetch's state is kept. */
	KUNIT_EXPECT_EQ(test, virgo_mc_apply_delta("kunit-n", 7, &op, 0, &v, NULL), -ENOENT);
	op.create = true;
	op.initial = 9;
	KUNIT_EXPECT_EQ(test, virgo_mc_apply_delta("kunit-n", 7, &op, 0, &v, NULL), 1);
	KUNIT_EXPECT_EQ(test, v, 9);
	it = virgo_mc_get("kunit-n", 7);
	KUNIT_ASSERT_NOT_NULL(test, it);
	virgo_mc_bump(it);
	KUNIT_EXPECT_TRUE(test, test_bit(VIRGO_MC_FETCHED, &it->meta));
	KUNIT_EXPECT_FALSE(test, test_bit(VIRGO_MC_ACTIVE, &it->meta));
	virgo_mc_item_put(it);
	op.cas = kv_cas("kunit-n") + 1;
	KUNIT_EXPECT_EQ(test, virgo_mc_apply_delta("kunit-n", 7, &op, 0, &v, NULL), -EEXIST);
	op.cas = 0;
	KUNIT_EXPECT_EQ(test, virgo_mc_apply_delta("kunit-n", 7, &op, 0, &v, &it), 0);
	KUNIT_EXPECT_EQ(test, v, 10);
	/* Longer: a new item, as memcached makes one, never fetched. */
	KUNIT_EXPECT_FALSE(test, test_bit(VIRGO_MC_FETCHED, &it->meta));
	virgo_mc_item_put(it);
	KUNIT_EXPECT_EQ(test, virgo_mc_apply_delta("kunit-n", 7, &op, 0, &v, &it), 0);
	virgo_mc_bump(it);
	virgo_mc_item_put(it);
	KUNIT_EXPECT_EQ(test, virgo_mc_apply_delta("kunit-n", 7, &op, 0, &v, &it), 0);
	KUNIT_EXPECT_EQ(test, v, 12);
	KUNIT_EXPECT_TRUE(test, test_bit(VIRGO_MC_FETCHED, &it->meta));
	virgo_mc_item_put(it);

	/* mg N: the first miss creates the item, the others find it. */
	it = virgo_mc_fetch("kunit-x", 7, &ttl, 0, &created);
	KUNIT_ASSERT_NOT_NULL(test, it);
	KUNIT_EXPECT_TRUE(test, created);
	KUNIT_EXPECT_EQ(test, it->bytes, 0);
	virgo_mc_item_put(it);
	it = virgo_mc_fetch("kunit-x", 7, &ttl, 0, &created);
	KUNIT_ASSERT_NOT_NULL(test, it);
	KUNIT_EXPECT_FALSE(test, created);
	virgo_mc_item_put(it);
}

/*
 * A reclaim drops the expired items (an absolute expiry long past is
 * linked, and over) and keeps the others.
 */
static void virgo_test_kv_reclaim(struct kunit *test)
{
	u64 used;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kv_cleanup, NULL), 0);
	KUNIT_ASSERT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-a", "stays", 0, 0),
			VIRGO_MC_STORED);
	used = virgo_pool_used_bytes();
	/* Past 30 days, an expiry is a time: 1970 is over. */
	KUNIT_ASSERT_EQ(test, kv_store(test, VIRGO_MC_SET, "kunit-x", "over",
				       30 * 24 * 3600 + 1, 0), VIRGO_MC_STORED);
	KUNIT_EXPECT_GT(test, virgo_pool_used_bytes(), used);
	virgo_mc_reclaim();
	KUNIT_EXPECT_EQ(test, virgo_pool_used_bytes(), used);
	KUNIT_EXPECT_STREQ(test, kv_value(test, "kunit-a", NULL), "stays");
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
	KUNIT_CASE(virgo_test_mc_meta),
	KUNIT_CASE(virgo_test_mc_meta_malformed),
	KUNIT_CASE(virgo_test_kv_store),
	KUNIT_CASE(virgo_test_kv_cap),
	KUNIT_CASE(virgo_test_kv_meta),
	KUNIT_CASE(virgo_test_kv_reclaim),
	{}
};

static struct kunit_suite virgo_mempool_suite = {
	.name = "virgo_mempool",
	.test_cases = virgo_mempool_cases,
};

kunit_test_suite(virgo_mempool_suite);
