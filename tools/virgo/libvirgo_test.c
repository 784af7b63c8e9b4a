// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo unit tests: configuration parsing with malformed input, the key
 * file, SHA-256 / HMAC-SHA256 against published vectors, and the cluster
 * challenge-response against the vector the kernel's KUnit test uses.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "libvirgo.h"
#include "sha256.h"

static int passed, failed;

#define CHECK(name, cond) do {						\
	if (cond) {							\
		passed++;						\
		printf("ok %d - %s\n", passed + failed, name);		\
	} else {							\
		failed++;						\
		printf("not ok %d - %s (%s:%d)\n", passed + failed, name,	\
		       __FILE__, __LINE__);				\
	}								\
} while (0)

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int parses(const char *text, int want_n, const char *want_err)
{
	struct virgo_addrs a;
	char err[160] = "";
	int ret = virgo_conf_parse(text, "f", &a, err, sizeof(err));

	if (want_err)
		return ret == -EINVAL && strstr(err, want_err);
	return ret == 0 && a.n == want_n;
}

static void test_conf(void)
{
	struct virgo_addrs a;
	char err[160];

	CHECK("seed format: one line, commas", parses("10.0.0.1,10.0.0.2,10.0.0.3\n", 3, NULL));
	CHECK("one per line with comments",
	      parses("# cluster\n198.18.0.1\n198.18.0.2  # two\n\n", 2, NULL));
	CHECK("mixed separators", parses(" 1.2.3.4 ,\t1.2.3.5\r\n1.2.3.6", 3, NULL));
	CHECK("empty file", parses("", 0, NULL));
	CHECK("bad address names its line", parses("1.2.3.4\n\n1.2.3\n", 0, "f:3: '1.2.3'"));
	CHECK("garbage token", parses("1.2.3.4,node2", 0, "f:1: 'node2'"));
	CHECK("overlong token is cut", parses("1111111111111111111111111111111111111111111111111", 0, "..."));
	CHECK("duplicate", parses("1.2.3.4\n1.2.3.4", 0, "f:2: '1.2.3.4' is listed twice"));
	CHECK("loopback refused", parses("127.0.0.1", 0, "cannot be a node"));
	CHECK("multicast refused", parses("224.0.0.1", 0, "cannot be a node"));
	CHECK("zero refused", parses("0.0.0.0", 0, "cannot be a node"));
	CHECK("port is not an address", parses("1.2.3.4:10000", 0, "not an IPv4"));
	virgo_conf_parse("198.18.0.7", "f", &a, err, sizeof(err));
	CHECK("address in network order", a.addr[0] == inet_addr("198.18.0.7"));
}

static void test_limits(void)
{
	char text[65 * 16 + 1] = "", one[20];
	int i;

	for (i = 0; i < 65; i++) {
		snprintf(one, sizeof(one), "10.1.%d.%d\n", i / 200, i % 200 + 1);
		strcat(text, one);
	}
	CHECK("65 nodes refused", parses(text, 0, "more than 64 nodes"));
	*strrchr(text, '1') = '\0';
	*strrchr(text, '\n') = '\0';
	CHECK("64 nodes accepted", parses(text, 64, NULL));
}

static void test_key(void)
{
	uint8_t key[64];

	CHECK("key of 64 hex digits",
	      virgo_key_parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
			      key, sizeof(key)) == 32 && key[31] == 0x1f);
	CHECK("key too short", virgo_key_parse("0011", key, sizeof(key)) == -EINVAL);
	CHECK("odd digits", virgo_key_parse("000102030405060708090a0b0c0d0e0f1", key, sizeof(key)) == -EINVAL);
	CHECK("not hex", virgo_key_parse("zz0102030405060708090a0b0c0d0e0f", key, sizeof(key)) == -EINVAL);
}

static void test_crypto(void)
{
	uint8_t out[32], key[32];
	char h[65], mac[65];
	struct sha256 s;
	int i;

	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, out);
	hex(out, 32, h);
	CHECK("SHA-256 of abc (FIPS 180-4)",
	      !strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));

	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 60);
	sha256_final(&s, out);
	hex(out, 32, h);
	CHECK("SHA-256 over uneven blocks",
	      !strcmp(h, "956efae2219533b44d328242c6083c0eee503625290fc829cef07ecea6e07c23"));

	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	hex(out, 32, h);
	CHECK("HMAC-SHA256 RFC 4231 case 2",
	      !strcmp(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));

	for (i = 0; i < 32; i++)
		key[i] = i;
	CHECK("challenge answer matches the kernel's vector",
	      !virgo_auth_answer(key, 32, "00112233445566778899aabbccddeeff"
					   "00112233445566778899aabbccddeeff", mac) &&
	      !strcmp(mac, "b54c38f6014e8d5e4c4183b7553a583ff61134819b52f2619c17569154cfe964"));
	CHECK("short nonce refused", virgo_auth_answer(key, 32, "0011", mac) == -EPROTO);
}

static void test_ports(void)
{
	CHECK("core port", virgo_service_port("core") == 40000);
	CHECK("mempool port", virgo_service_port("mempool") == 30000);
	CHECK("numeric port", virgo_service_port("7") == 7);
	CHECK("bad port", virgo_service_port("70000") == 0 && virgo_service_port("x") == 0);
}

int main(void)
{
	test_conf();
	test_limits();
	test_key();
	test_crypto();
	test_ports();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
