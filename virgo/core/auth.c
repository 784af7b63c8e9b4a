// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - cluster key and HMAC-SHA256 challenge-response
 *
 * With a cluster key set, a server opens every connection with
 *	AUTH-CHALLENGE <64 hex digits: a random nonce>
 * and the client must answer, before any command,
 *	AUTH <64 hex digits: HMAC-SHA256(key, "virgo-auth-v1 " nonce-hex)>
 * The server replies "OK", or "ERROR EACCES ..." and closes. Without a
 * key the cluster runs in lab mode: no challenge, and a warning in the log.
 */

#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <linux/err.h>
#include <linux/hex.h>
#include <linux/random.h>
#include <linux/string.h>
#include "core.h"

#define VIRGO_NONCE_BYTES	(VIRGO_AUTH_HEX / 2)

static DEFINE_MUTEX(virgo_key_lock);
static u8 virgo_key[VIRGO_KEY_MAX];
static size_t virgo_key_len;
static struct crypto_shash *virgo_hmac;

int virgo_auth_init(void)
{
	virgo_hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	return PTR_ERR_OR_ZERO(virgo_hmac);
}

void virgo_auth_exit(void)
{
	crypto_free_shash(virgo_hmac);
	memzero_explicit(virgo_key, sizeof(virgo_key));
}

/**
 * virgo_auth_set_key() - set or clear the cluster key
 * @key: the key bytes
 * @len: 0 to clear, else VIRGO_KEY_MIN..VIRGO_KEY_MAX
 *
 * Return: 0 or -EINVAL.
 */
int virgo_auth_set_key(const u8 *key, size_t len)
{
	if (len && (len < VIRGO_KEY_MIN || len > VIRGO_KEY_MAX))
		return -EINVAL;
	mutex_lock(&virgo_key_lock);
	memzero_explicit(virgo_key, sizeof(virgo_key));
	memcpy(virgo_key, key, len);
	virgo_key_len = len;
	mutex_unlock(&virgo_key_lock);
	return 0;
}

bool virgo_auth_enabled(void)
{
	return READ_ONCE(virgo_key_len) != 0;
}

/**
 * virgo_auth_mac() - the answer to a challenge
 * @key: the key
 * @key_len: its length
 * @nonce_hex: the challenge's nonce, VIRGO_AUTH_HEX hex digits
 * @mac_hex: set to the MAC in lower-case hex, NUL-terminated
 *
 * Return: 0 or a crypto error.
 */
int virgo_auth_mac(const u8 *key, size_t key_len, const char *nonce_hex,
		   char mac_hex[VIRGO_AUTH_HEX + 1])
{
	u8 msg[sizeof(VIRGO_AUTH_CONTEXT) - 1 + VIRGO_AUTH_HEX];
	u8 mac[VIRGO_AUTH_HEX / 2];
	int ret;

	if (strlen(nonce_hex) != VIRGO_AUTH_HEX)
		return -EINVAL;
	memcpy(msg, VIRGO_AUTH_CONTEXT, sizeof(VIRGO_AUTH_CONTEXT) - 1);
	memcpy(msg + sizeof(VIRGO_AUTH_CONTEXT) - 1, nonce_hex, VIRGO_AUTH_HEX);

	mutex_lock(&virgo_key_lock);
	ret = crypto_shash_setkey(virgo_hmac, key, key_len);
	if (!ret)
		ret = crypto_shash_tfm_digest(virgo_hmac, msg, sizeof(msg), mac);
	mutex_unlock(&virgo_key_lock);
	if (ret)
		return ret;
	bin2hex(mac_hex, mac, sizeof(mac));
	mac_hex[VIRGO_AUTH_HEX] = '\0';
	memzero_explicit(mac, sizeof(mac));
	return 0;
}

/* The MAC for @nonce_hex under the cluster key. */
static int virgo_auth_mac_cluster(const char *nonce_hex, char *mac_hex)
{
	u8 key[VIRGO_KEY_MAX];
	size_t len;
	int ret;

	mutex_lock(&virgo_key_lock);
	len = virgo_key_len;
	memcpy(key, virgo_key, len);
	mutex_unlock(&virgo_key_lock);
	if (!len)
		return -ENOKEY;
	ret = virgo_auth_mac(key, len, nonce_hex, mac_hex);
	memzero_explicit(key, sizeof(key));
	return ret;
}

/**
 * virgo_auth_server() - challenge a new connection, when a key is set
 * @vs: the connection
 *
 * Return: 0 when the peer may send commands; -EACCES (after telling the
 * peer) or a socket error when it may not.
 */
int virgo_auth_server(struct virgo_sock *vs)
{
	u8 nonce[VIRGO_NONCE_BYTES];
	char nonce_hex[VIRGO_AUTH_HEX + 1], want[VIRGO_AUTH_HEX + 1];
	char *line, *words[3];
	size_t len;
	int ret, n;

	if (!virgo_auth_enabled())
		return 0;

	get_random_bytes(nonce, sizeof(nonce));
	bin2hex(nonce_hex, nonce, sizeof(nonce));
	nonce_hex[VIRGO_AUTH_HEX] = '\0';
	ret = virgo_auth_mac_cluster(nonce_hex, want);
	if (ret)
		return ret;
	ret = virgo_sock_printf(vs, "AUTH-CHALLENGE %s\n", nonce_hex);
	if (ret)
		return ret;

	ret = virgo_sock_read_line(vs, &line, &len);
	if (ret)
		return ret;
	n = virgo_split_words(line, words, ARRAY_SIZE(words));
	if (n == 2 && !strcmp(words[0], "AUTH") &&
	    strlen(words[1]) == VIRGO_AUTH_HEX &&
	    !crypto_memneq(words[1], want, VIRGO_AUTH_HEX))
		return virgo_sock_printf(vs, "OK\n");

	virgo_sock_printf(vs, "ERROR EACCES authentication failed\n");
	return -EACCES;
}

/**
 * virgo_auth_client() - answer a server's challenge, when a key is set
 * @vs: a new connection
 *
 * Return: 0, -EACCES when the server refused us, the errno of its
 * "ERROR" line when it turned us away before the challenge (-EBUSY),
 * -EPROTO for a server that did not challenge, or a socket error.
 */
int virgo_auth_client(struct virgo_sock *vs)
{
	char mac[VIRGO_AUTH_HEX + 1];
	char *line, *words[3];
	size_t len;
	int ret, n;

	if (!virgo_auth_enabled())
		return 0;

	ret = virgo_sock_read_line(vs, &line, &len);
	if (ret)
		return ret;
	ret = virgo_reply_error(line);	/* refused: busy, stranger */
	if (ret)
		return ret;
	n = virgo_split_words(line, words, ARRAY_SIZE(words));
	if (n != 2 || strcmp(words[0], "AUTH-CHALLENGE"))
		return -EPROTO;
	ret = virgo_auth_mac_cluster(words[1], mac);
	if (ret)
		return ret == -EINVAL ? -EPROTO : ret;
	ret = virgo_sock_printf(vs, "AUTH %s\n", mac);
	if (ret)
		return ret;
	ret = virgo_sock_read_line(vs, &line, &len);
	if (ret)
		return ret;
	return strcmp(line, "OK") ? -EACCES : 0;
}
