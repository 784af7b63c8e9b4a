// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - KUnit tests of the HMAC-SHA256 challenge-response
 *
 * The expected MACs were computed independently (Python's hmac module);
 * tools/virgo checks its own implementation against the same values.
 */

#include <kunit/test.h>
#include "core.h"

#define NONCE "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* HMAC-SHA256 of "virgo-auth-v1 " NONCE under the keys 00..1f and 01..20 */
#define MAC_KEY0 "b54c38f6014e8d5e4c4183b7553a583ff61134819b52f2619c17569154cfe964"
#define MAC_KEY1 "eacdc3ceff6dae64dc9beea3a2d2da8dbf532f9e39197a664d69b420313b62c5"

static void key_bytes(u8 *key, u8 first)
{
	int i;

	for (i = 0; i < 32; i++)
		key[i] = first + i;
}

static void virgo_test_mac_vector(struct kunit *test)
{
	char mac[VIRGO_AUTH_HEX + 1];
	u8 key[32];

	key_bytes(key, 0);
	KUNIT_ASSERT_EQ(test, virgo_auth_mac(key, sizeof(key), NONCE, mac), 0);
	KUNIT_EXPECT_STREQ(test, mac, MAC_KEY0);

	key_bytes(key, 1);
	KUNIT_ASSERT_EQ(test, virgo_auth_mac(key, sizeof(key), NONCE, mac), 0);
	KUNIT_EXPECT_STREQ(test, mac, MAC_KEY1);
}

static void virgo_test_mac_bad_nonce(struct kunit *test)
{
	char mac[VIRGO_AUTH_HEX + 1];
	u8 key[32];

	key_bytes(key, 0);
	KUNIT_EXPECT_EQ(test, virgo_auth_mac(key, sizeof(key), "0011", mac), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_auth_mac(key, sizeof(key), NONCE "00", mac), -EINVAL);
}

static void virgo_test_key_bounds(struct kunit *test)
{
	u8 key[VIRGO_KEY_MAX + 1] = {};
	bool was = virgo_auth_enabled();

	/* Only meaningful before userspace configured a key. */
	if (was)
		kunit_skip(test, "a cluster key is already set");
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(key, VIRGO_KEY_MIN - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(key, VIRGO_KEY_MAX + 1), -EINVAL);
	KUNIT_EXPECT_FALSE(test, virgo_auth_enabled());
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(key, VIRGO_KEY_MIN), 0);
	KUNIT_EXPECT_TRUE(test, virgo_auth_enabled());
	KUNIT_EXPECT_EQ(test, virgo_auth_set_key(NULL, 0), 0);
	KUNIT_EXPECT_FALSE(test, virgo_auth_enabled());
}

static struct kunit_case virgo_auth_cases[] = {
	KUNIT_CASE(virgo_test_mac_vector),
	KUNIT_CASE(virgo_test_mac_bad_nonce),
	KUNIT_CASE(virgo_test_key_bounds),
	{}
};

static struct kunit_suite virgo_auth_suite = {
	.name = "virgo_auth",
	.test_cases = virgo_auth_cases,
};

kunit_test_suite(virgo_auth_suite);
