// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - KUnit tests of the handshake's derivations and of frames
 *
 * The expected values were computed independently, with Python's hmac
 * module and the ChaCha20-Poly1305 of python3-cryptography (RFC 8439,
 * nonce = 4 zero bytes then the sequence number, little-endian);
 * tools/virgo checks libvirgo against the same values.
 */

#include <kunit/test.h>
#include <linux/hex.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include "core.h"

/* Port 40000, server node 2, client node 1, nonces 00..1f and 20..3f. */
#define SERVER_PROOF "e4e73e74ecdea133a829946d91e96177c70b94ad53ef581dbedb24fa8b52ac97"
#define CLIENT_PROOF "2ab99125cca10061e247af3d8822b7c612de3180482e2a18e2da4e86140aa06d"
#define C2S "deaeeef1dc79652806512d109d27fdf701b5f7baddc04c6c595a21efae3b880b"
#define S2C "6fa75bbf9b7b3b2699d89ffe2bf88bba8efb38f726312d42faf2dc2f15c92fc6"
/* "ping\n" as frame 0 at time 1, "load\n" as frame 7 at 0x0102030405060708 */
#define FRAME0 "000000150000000000000001baa1c3e4de3e23c4a7837ad738533dde552994fa6d"
#define FRAME7 "000000150102030405060708c518efb4e2b5f0cbc6d6833c92d9e72d1286dd0784"
/* the close frame (no data) as frame 3 at time 0; all under C2S */
#define CLOSE3 "000000100000000000000000d5d7ef3a78a5b923b541f9e290127842"

static void fill(u8 *buf, size_t len, u8 first)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = first + i;
}

static void transcript(struct virgo_transcript *t)
{
	memcpy(t->label, VIRGO_AUTH_LABEL, sizeof(t->label));
	t->port = cpu_to_be16(40000);
	t->server_id = cpu_to_be32(2);
	t->client_id = cpu_to_be32(1);
	fill(t->server_nonce, sizeof(t->server_nonce), 0);
	fill(t->client_nonce, sizeof(t->client_nonce), 32);
}

static void expect_hex(struct kunit *test, const u8 *bin, const char *hex)
{
	char got[2 * 64 + 1];
	size_t n = min(strlen(hex) / 2, (size_t)64);

	bin2hex(got, bin, n);
	got[2 * n] = '\0';
	KUNIT_EXPECT_STREQ(test, got, hex);
}

static void virgo_test_transcript_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct virgo_transcript), 87);
}

static void virgo_test_derive_vector(struct kunit *test)
{
	struct virgo_transcript t;
	struct virgo_secrets s;
	u8 key[32];

	fill(key, sizeof(key), 0);
	transcript(&t);
	KUNIT_ASSERT_EQ(test, virgo_auth_derive(key, sizeof(key), &t, &s), 0);
	expect_hex(test, s.server_proof, SERVER_PROOF);
	expect_hex(test, s.client_proof, CLIENT_PROOF);
	expect_hex(test, s.c2s, C2S);
	expect_hex(test, s.s2c, S2C);
}

/* Every field of the transcript changes both proofs and both keys. */
static void virgo_test_derive_binds_everything(struct kunit *test)
{
	struct virgo_secrets base, s;
	struct virgo_transcript t;
	u8 key[32];
	size_t i;

	fill(key, sizeof(key), 0);
	transcript(&t);
	KUNIT_ASSERT_EQ(test, virgo_auth_derive(key, sizeof(key), &t, &base), 0);
	for (i = 0; i < sizeof(t); i++) {
		((u8 *)&t)[i] ^= 1;
		KUNIT_ASSERT_EQ(test, virgo_auth_derive(key, sizeof(key), &t, &s), 0);
		KUNIT_EXPECT_NE(test, memcmp(s.server_proof, base.server_proof, 32), 0);
		KUNIT_EXPECT_NE(test, memcmp(s.client_proof, base.client_proof, 32), 0);
		KUNIT_EXPECT_NE(test, memcmp(s.c2s, base.c2s, 32), 0);
		KUNIT_EXPECT_NE(test, memcmp(s.s2c, base.s2c, 32), 0);
		((u8 *)&t)[i] ^= 1;
	}
	/* A reflected proof is the other role's: never equal. */
	KUNIT_EXPECT_NE(test, memcmp(base.server_proof, base.client_proof, 32), 0);
	KUNIT_EXPECT_NE(test, memcmp(base.c2s, base.s2c, 32), 0);
	/* Another key, other secrets. */
	key[31] ^= 1;
	KUNIT_ASSERT_EQ(test, virgo_auth_derive(key, sizeof(key), &t, &s), 0);
	KUNIT_EXPECT_NE(test, memcmp(s.client_proof, base.client_proof, 32), 0);
}

static void virgo_test_frame_seal_vector(struct kunit *test)
{
	u8 frame[VIRGO_FRAME_HEAD + 5 + VIRGO_FRAME_TAG], key[32];

	KUNIT_ASSERT_EQ(test, hex2bin(key, C2S, 32), 0);
	memcpy(frame + VIRGO_FRAME_HEAD, "ping\n", 5);
	KUNIT_EXPECT_EQ(test, virgo_frame_seal(frame, 5, 0, 1, key), sizeof(frame));
	expect_hex(test, frame, FRAME0);
	memcpy(frame + VIRGO_FRAME_HEAD, "load\n", 5);
	KUNIT_EXPECT_EQ(test, virgo_frame_seal(frame, 5, 7, 0x0102030405060708, key), sizeof(frame));
	expect_hex(test, frame, FRAME7);
}

static void virgo_test_frame_open(struct kunit *test)
{
	u8 frame[VIRGO_FRAME_HEAD + 5 + VIRGO_FRAME_TAG], key[32];
	int body;
	size_t i;

	KUNIT_ASSERT_EQ(test, hex2bin(key, C2S, 32), 0);
	KUNIT_ASSERT_EQ(test, hex2bin(frame, FRAME7, sizeof(frame)), 0);
	body = virgo_frame_body(frame);
	KUNIT_ASSERT_EQ(test, body, 5 + VIRGO_FRAME_TAG);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, body, 7, key), 5);
	KUNIT_EXPECT_EQ(test, memcmp(frame + VIRGO_FRAME_HEAD, "load\n", 5), 0);
	KUNIT_EXPECT_EQ(test, virgo_frame_time(frame), 0x0102030405060708ULL);

	/* Out of order or replayed: the sequence number is not the one. */
	KUNIT_ASSERT_EQ(test, hex2bin(frame, FRAME7, sizeof(frame)), 0);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, body, 6, key), -EBADMSG);
	KUNIT_ASSERT_EQ(test, hex2bin(frame, FRAME7, sizeof(frame)), 0);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, body, 8, key), -EBADMSG);

	/* Any bit flipped, in the head, the data or the tag. */
	for (i = 0; i < 8 * sizeof(frame); i++) {
		KUNIT_ASSERT_EQ(test, hex2bin(frame, FRAME7, sizeof(frame)), 0);
		frame[i / 8] ^= 1 << (i % 8);
		KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, body, 7, key), -EBADMSG);
	}

	/* The other direction's key. */
	KUNIT_ASSERT_EQ(test, hex2bin(key, S2C, 32), 0);
	KUNIT_ASSERT_EQ(test, hex2bin(frame, FRAME7, sizeof(frame)), 0);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, body, 7, key), -EBADMSG);
}

static void virgo_test_frame_body_bounds(struct kunit *test)
{
	u8 head[VIRGO_FRAME_HEAD];

	put_unaligned_be32(0, head);
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), -EPROTO);
	put_unaligned_be32(VIRGO_FRAME_TAG - 1, head);	/* not even a tag */
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), -EPROTO);
	put_unaligned_be32(VIRGO_FRAME_TAG, head);	/* the close frame */
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), VIRGO_FRAME_TAG);
	put_unaligned_be32(VIRGO_FRAME_TAG + 1, head);
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), VIRGO_FRAME_TAG + 1);
	put_unaligned_be32(VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD, head);
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD);
	put_unaligned_be32(VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD + 1, head);
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), -EPROTO);
	put_unaligned_be32(U32_MAX, head);
	KUNIT_EXPECT_EQ(test, virgo_frame_body(head), -EPROTO);
}

/* The close frame: no data, authenticated like any other. */
static void virgo_test_frame_close(struct kunit *test)
{
	u8 frame[VIRGO_FRAME_HEAD + VIRGO_FRAME_TAG], key[32];

	KUNIT_ASSERT_EQ(test, hex2bin(key, C2S, 32), 0);
	KUNIT_EXPECT_EQ(test, virgo_frame_seal(frame, 0, 3, 0, key), sizeof(frame));
	expect_hex(test, frame, CLOSE3);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, VIRGO_FRAME_TAG, 3, key), 0);
	KUNIT_ASSERT_EQ(test, hex2bin(frame, CLOSE3, sizeof(frame)), 0);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, VIRGO_FRAME_TAG, 4, key), -EBADMSG);
	KUNIT_ASSERT_EQ(test, hex2bin(frame, CLOSE3, sizeof(frame)), 0);
	frame[VIRGO_FRAME_HEAD] ^= 0x80;
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, VIRGO_FRAME_TAG, 3, key), -EBADMSG);
}

/* The largest frame seals and opens whole. */
static void virgo_test_frame_largest(struct kunit *test)
{
	u8 *frame = kunit_kmalloc(test, VIRGO_FRAME_SIZE, GFP_KERNEL);
	u8 key[32];

	KUNIT_ASSERT_NOT_NULL(test, frame);
	fill(key, sizeof(key), 9);
	memset(frame + VIRGO_FRAME_HEAD, 'v', VIRGO_FRAME_DATA_MAX);
	KUNIT_EXPECT_EQ(test, virgo_frame_seal(frame, VIRGO_FRAME_DATA_MAX, 1, 9, key),
			VIRGO_FRAME_SIZE);
	KUNIT_ASSERT_EQ(test, virgo_frame_body(frame), VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD);
	KUNIT_EXPECT_EQ(test, virgo_frame_open(frame, VIRGO_FRAME_SIZE - VIRGO_FRAME_HEAD,
					       1, key), VIRGO_FRAME_DATA_MAX);
	KUNIT_EXPECT_EQ(test, frame[VIRGO_FRAME_HEAD], 'v');
	KUNIT_EXPECT_EQ(test, frame[VIRGO_FRAME_SIZE - VIRGO_FRAME_TAG - 1], 'v');
}

static void virgo_test_key_bounds(struct kunit *test)
{
	u8 key[VIRGO_KEY_MAX + 1] = {};
	u64 gen;

	/* Only meaningful before userspace configured a key. */
	if (virgo_auth_enabled())
		kunit_skip(test, "a cluster key is already set");
	gen = virgo_auth_gen();
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(key, VIRGO_KEY_MIN - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(key, VIRGO_KEY_MAX + 1), -EINVAL);
	KUNIT_EXPECT_FALSE(test, virgo_auth_enabled());
	KUNIT_EXPECT_EQ(test, virgo_auth_gen(), gen);
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(key, VIRGO_KEY_MIN), 0);
	KUNIT_EXPECT_TRUE(test, virgo_auth_enabled());
	KUNIT_EXPECT_NE(test, virgo_auth_gen(), gen);
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(NULL, 0), 0);
	KUNIT_EXPECT_FALSE(test, virgo_auth_enabled());
}

static struct kunit_case virgo_auth_cases[] = {
	KUNIT_CASE(virgo_test_transcript_layout),
	KUNIT_CASE(virgo_test_derive_vector),
	KUNIT_CASE(virgo_test_derive_binds_everything),
	KUNIT_CASE(virgo_test_frame_seal_vector),
	KUNIT_CASE(virgo_test_frame_open),
	KUNIT_CASE(virgo_test_frame_body_bounds),
	KUNIT_CASE(virgo_test_frame_close),
	KUNIT_CASE(virgo_test_frame_largest),
	KUNIT_CASE(virgo_test_key_bounds),
	{}
};

static struct kunit_suite virgo_auth_suite = {
	.name = "virgo_auth",
	.test_cases = virgo_auth_cases,
};

kunit_test_suite(virgo_auth_suite);
