// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO core - the cluster key and the mutual handshake
 *
 * With a cluster key set, every connection opens with this exchange, one
 * clear-text line each (N: 64 hex digits of a fresh random nonce, P: 64
 * hex digits of a proof):
 *
 *	server: VIRGO-AUTH 2 <server-id> <Ns>
 *	client: AUTH-HELLO 2 <client-id> <Nc>
 *	server: AUTH-SERVER <Ps>		the server proves first
 *	client: AUTH-CLIENT <Pc>
 *	server: OK				or ERROR EACCES|EBUSY ..., and closes
 *
 * Both proofs and the session keys are HMAC-SHA256 under the cluster key
 * of one transcript (struct virgo_transcript): both nonces, the service
 * port, and the node ids each side believes in - the server's own id and
 * the id the table gives the client's address, the client's own id and
 * the id of the node it dialled. A proof taken from one connection is
 * worth nothing on another: a relay changes an id or a nonce, a
 * reflection the role. Each side checks the other's proof before it
 * sends its own, so a stranger posing as a server learns no client proof.
 *
 * After "OK" every byte is carried in frames (frame.c) under two session
 * keys, one per direction, until the close frame. Without a key the cluster runs in lab mode: no
 * handshake, clear text, and a warning in the log.
 */

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/hex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "core.h"

static DEFINE_MUTEX(virgo_key_lock);
static u8 virgo_key[VIRGO_KEY_MAX];
static size_t virgo_key_len;
static u64 virgo_key_gen;
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
 * virgo_auth_set_key() - set, change or clear the cluster key
 * @key: the key bytes
 * @len: 0 to clear, else VIRGO_KEY_MIN..VIRGO_KEY_MAX
 *
 * Connections made under the previous key are the caller's to close
 * (virgo_revoke()); virgo_auth_gen() tells them apart.
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
	WRITE_ONCE(virgo_key_len, len);
	WRITE_ONCE(virgo_key_gen, virgo_key_gen + 1);
	mutex_unlock(&virgo_key_lock);
	return 0;
}

bool virgo_auth_enabled(void)
{
	return READ_ONCE(virgo_key_len) != 0;
}

/* The key's generation: it changes with every virgo_auth_set_key(). */
u64 virgo_auth_gen(void)
{
	return READ_ONCE(virgo_key_gen);
}

/* HMAC-SHA256(@key, @a || @b) into @out. Called with virgo_key_lock. */
static int virgo_hmac2(const u8 *key, size_t key_len, const void *a, size_t a_len,
		       const void *b, size_t b_len, u8 out[VIRGO_AUTH_NONCE])
{
	SHASH_DESC_ON_STACK(desc, virgo_hmac);
	int ret;

	lockdep_assert_held(&virgo_key_lock);
	desc->tfm = virgo_hmac;
	ret = crypto_shash_setkey(virgo_hmac, key, key_len) ?:
	      crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, a, a_len) ?:
	      crypto_shash_finup(desc, b, b_len, out);
	shash_desc_zero(desc);
	return ret;
}

/**
 * virgo_auth_derive() - the proofs and session keys of a transcript
 * @key: the cluster key
 * @key_len: its length
 * @t: the transcript
 * @s: set to the secrets; the caller wipes them
 *
 * server proof = HMAC(key, T || "server"), client proof = HMAC(key, T ||
 * "client"), session = HMAC(key, T || "session"), and the frame keys
 * HMAC(session, "client to server") and HMAC(session, "server to client").
 *
 * Return: 0 or a crypto error.
 */
int virgo_auth_derive(const u8 *key, size_t key_len,
		      const struct virgo_transcript *t, struct virgo_secrets *s)
{
	static const u8 wipe[VIRGO_AUTH_NONCE];
	u8 session[VIRGO_AUTH_NONCE];
	int ret;

	mutex_lock(&virgo_key_lock);
	ret = virgo_hmac2(key, key_len, t, sizeof(*t), "server", 6, s->server_proof) ?:
	      virgo_hmac2(key, key_len, t, sizeof(*t), "client", 6, s->client_proof) ?:
	      virgo_hmac2(key, key_len, t, sizeof(*t), "session", 7, session) ?:
	      virgo_hmac2(session, sizeof(session), "client to server", 16, NULL, 0,
			  s->c2s) ?:
	      virgo_hmac2(session, sizeof(session), "server to client", 16, NULL, 0,
			  s->s2c);
	/* The shared transform keeps no connection's session key. */
	crypto_shash_setkey(virgo_hmac, wipe, sizeof(wipe));
	mutex_unlock(&virgo_key_lock);
	memzero_explicit(session, sizeof(session));
	return ret;
}

/* Derive under the cluster key; -ENOKEY when there is none any more. */
static int virgo_auth_derive_cluster(const struct virgo_transcript *t,
				     struct virgo_secrets *s)
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
	ret = virgo_auth_derive(key, len, t, s);
	memzero_explicit(key, sizeof(key));
	return ret;
}

static void virgo_transcript_init(struct virgo_transcript *t, u16 port,
				  u32 server_id, u32 client_id)
{
	memcpy(t->label, VIRGO_AUTH_LABEL, sizeof(t->label));
	t->port = cpu_to_be16(port);
	t->server_id = cpu_to_be32(server_id);
	t->client_id = cpu_to_be32(client_id);
}

/* @hex, exactly VIRGO_AUTH_HEX hex digits, into @bin. */
static int virgo_auth_unhex(const char *hex, u8 bin[VIRGO_AUTH_NONCE])
{
	if (strlen(hex) != VIRGO_AUTH_HEX || hex2bin(bin, hex, VIRGO_AUTH_NONCE))
		return -EPROTO;
	return 0;
}

/*
 * Read one handshake line and split it; an "ERROR <errno> ..." line from
 * the other side returns its errno.
 */
static int virgo_auth_read(struct virgo_sock *vs, char **words, int max, bool errors)
{
	char *line;
	size_t len;
	int ret;

	ret = virgo_sock_read_line(vs, &line, &len);
	if (ret)
		return ret;
	if (errors) {
		ret = virgo_reply_error(line);
		if (ret)
			return ret;
	}
	return virgo_split_words(line, words, max);
}

/* Handshake done: every further byte is framed under @tx and @rx. */
static int virgo_auth_protect(struct virgo_sock *vs, const u8 *tx, const u8 *rx)
{
	/* The peer sends nothing before "OK": clear text read ahead is a lie. */
	if (vs->lb.start != vs->lb.end)
		return -EPROTO;
	return virgo_sock_protect(vs, tx, rx);
}

/**
 * virgo_auth_server() - the server's side of the handshake, when keyed
 * @vs: a new connection, admitted
 * @port: the service's port
 * @client_id: the node the table gives the peer's address (this node's
 *	id for loopback)
 * @admit: called once the peer has proved the key, before "OK": 0 to
 *	let it in, or an errno (-EBUSY) to turn it away in clear text
 * @arg: for @admit
 *
 * Return: 0 when the peer may send commands (in frames, with a key);
 * -EACCES, -EPROTO or @admit's errno after telling the peer why; -ENOKEY;
 * a socket error.
 */
int virgo_auth_server(struct virgo_sock *vs, u16 port, u32 client_id,
		      int (*admit)(void *arg), void *arg)
{
	struct virgo_transcript t;
	struct virgo_secrets s;
	char *words[5];
	u32 server_id = virgo_local_id(), id;
	int ret, n;

	if (!virgo_auth_enabled())
		return 0;

	virgo_transcript_init(&t, port, server_id, client_id);
	get_random_bytes(t.server_nonce, sizeof(t.server_nonce));
	ret = virgo_sock_printf(vs, "VIRGO-AUTH %u %u %*phN\n", VIRGO_AUTH_VERSION,
				server_id, VIRGO_AUTH_NONCE, t.server_nonce);
	if (ret)
		return ret;

	n = virgo_auth_read(vs, words, ARRAY_SIZE(words), false);
	if (n < 0)
		return n;
	if (n >= 1 && !strcmp(words[0], "AUTH")) {
		virgo_sock_printf(vs, "ERROR EPROTO handshake v1 refused: this node speaks v%u\n",
				  VIRGO_AUTH_VERSION);
		return -EPROTO;
	}
	if (n != 4 || strcmp(words[0], "AUTH-HELLO") ||
	    virgo_auth_unhex(words[3], t.client_nonce)) {
		virgo_sock_printf(vs, "ERROR EPROTO expected AUTH-HELLO %u <node-id> <nonce>\n",
				  VIRGO_AUTH_VERSION);
		return -EPROTO;
	}
	if (strcmp(words[1], __stringify(VIRGO_AUTH_VERSION))) {
		virgo_sock_printf(vs, "ERROR EPROTO handshake v%.8s refused: this node speaks v%u\n",
				  words[1], VIRGO_AUTH_VERSION);
		return -EPROTO;
	}
	if (!client_id || kstrtou32(words[2], 10, &id) || id != client_id) {
		virgo_sock_printf(vs, "ERROR EACCES node id does not match the address\n");
		return -EACCES;
	}

	ret = virgo_auth_derive_cluster(&t, &s);
	if (ret)
		goto out;
	ret = virgo_sock_printf(vs, "AUTH-SERVER %*phN\n", VIRGO_AUTH_NONCE, s.server_proof);
	if (ret)
		goto out;
	n = virgo_auth_read(vs, words, ARRAY_SIZE(words), false);
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (n != 2 || strcmp(words[0], "AUTH-CLIENT") ||
	    virgo_auth_unhex(words[1], t.client_nonce) ||	/* reused as scratch */
	    crypto_memneq(t.client_nonce, s.client_proof, VIRGO_AUTH_NONCE)) {
		virgo_sock_printf(vs, "ERROR EACCES authentication failed\n");
		ret = -EACCES;
		goto out;
	}
	ret = admit(arg);
	if (ret) {
		virgo_sock_printf(vs, "ERROR %s too many connections\n",
				  virgo_errno_name(ret));
		goto out;
	}
	ret = virgo_sock_printf(vs, "OK\n") ?: virgo_auth_protect(vs, s.s2c, s.c2s);
out:
	memzero_explicit(&s, sizeof(s));
	return ret;
}

/**
 * virgo_auth_client() - the client's side of the handshake, when keyed
 * @vs: a new connection
 * @port: the service's port
 * @server_id: the node dialled
 *
 * Return: 0 (frames from now on, with a key); -EACCES when the server
 * refused us or could not prove the key (a stranger, or another node);
 * the errno of an "ERROR" line the server turned us away with (-EBUSY);
 * -EPROTO for a server that does not speak this handshake; -ENOKEY; a
 * socket error.
 */
int virgo_auth_client(struct virgo_sock *vs, u16 port, u32 server_id)
{
	struct virgo_transcript t;
	struct virgo_secrets s;
	char *words[5];
	u32 client_id = virgo_local_id(), id;
	int ret, n;

	if (!virgo_auth_enabled())
		return 0;

	virgo_transcript_init(&t, port, server_id, client_id);
	n = virgo_auth_read(vs, words, ARRAY_SIZE(words), true);
	if (n < 0)
		return n;
	if (n >= 1 && !strcmp(words[0], "AUTH-CHALLENGE")) {
		pr_warn_ratelimited("node %u speaks handshake v1, this node v%u: refused\n",
				    server_id, VIRGO_AUTH_VERSION);
		return -EPROTO;
	}
	if (n != 4 || strcmp(words[0], "VIRGO-AUTH") ||
	    strcmp(words[1], __stringify(VIRGO_AUTH_VERSION)) ||
	    virgo_auth_unhex(words[3], t.server_nonce))
		return -EPROTO;
	if (kstrtou32(words[2], 10, &id) || id != server_id)
		return -EACCES;		/* not the node we dialled */

	get_random_bytes(t.client_nonce, sizeof(t.client_nonce));
	ret = virgo_sock_printf(vs, "AUTH-HELLO %u %u %*phN\n", VIRGO_AUTH_VERSION,
				client_id, VIRGO_AUTH_NONCE, t.client_nonce);
	if (ret)
		return ret;
	ret = virgo_auth_derive_cluster(&t, &s);
	if (ret)
		goto out;

	n = virgo_auth_read(vs, words, ARRAY_SIZE(words), true);
	if (n < 0) {
		ret = n;
		goto out;
	}
	/* words[1] is checked into t.server_nonce, no longer needed. */
	if (n != 2 || strcmp(words[0], "AUTH-SERVER") ||
	    virgo_auth_unhex(words[1], t.server_nonce) ||
	    crypto_memneq(t.server_nonce, s.server_proof, VIRGO_AUTH_NONCE)) {
		ret = -EACCES;
		goto out;
	}
	ret = virgo_sock_printf(vs, "AUTH-CLIENT %*phN\n", VIRGO_AUTH_NONCE, s.client_proof);
	if (ret)
		goto out;
	n = virgo_auth_read(vs, words, ARRAY_SIZE(words), true);
	if (n < 0)
		ret = n;
	else if (n != 1 || strcmp(words[0], "OK"))
		ret = -EPROTO;
	else
		ret = virgo_auth_protect(vs, s.c2s, s.s2c);
out:
	memzero_explicit(&s, sizeof(s));
	return ret;
}
