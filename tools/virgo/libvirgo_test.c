// SPDX-License-Identifier: GPL-2.0
/*
 * libvirgo unit tests: configuration parsing with malformed input, the key
 * file, the handshake's derivations and frames against the vectors the
 * kernel's KUnit suite uses, queue message ids and log records, good,
 * hostile and damaged.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "libvirgo.h"

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

/* The process's Lamport clock: past what it saw, never wrapping. */
static void test_lamport(void)
{
	uint64_t t = virgo_lamport();

	CHECK("a stamp advances the clock", virgo_lamport_merge(0) == t + 1);
	CHECK("an older time still advances it", virgo_lamport_merge(t) == t + 2);
	CHECK("a newer time moves it past", virgo_lamport_merge(1000 + t) == 1001 + t &&
	      virgo_lamport() == 1001 + t);
	CHECK("it stops at VIRGO_CLOCK_MAX", virgo_lamport_merge(UINT64_MAX) == VIRGO_CLOCK_MAX &&
	      virgo_lamport_merge(0) == VIRGO_CLOCK_MAX);
}

/* The vectors of the kernel's KUnit suite virgo_auth (auth_test.c). */
static void test_crypto(void)
{
	struct virgo_transcript t;
	struct virgo_secrets sec;
	uint8_t key[32], frame[64];
	char h[129];
	size_t i, n;
	int body, bad = 0;

	for (i = 0; i < 32; i++) {
		key[i] = i;
		t.server_nonce[i] = i;
		t.client_nonce[i] = 32 + i;
	}
	virgo_transcript_init(&t, 40000, 2, 1);
	CHECK("transcript is 87 bytes", sizeof(t) == 87);
	CHECK("derive", !virgo_auth_derive(key, 32, &t, &sec));
	hex(sec.server_proof, 32, h);
	CHECK("server proof vector",
	      !strcmp(h, "e4e73e74ecdea133a829946d91e96177c70b94ad53ef581dbedb24fa8b52ac97"));
	hex(sec.client_proof, 32, h);
	CHECK("client proof vector",
	      !strcmp(h, "2ab99125cca10061e247af3d8822b7c612de3180482e2a18e2da4e86140aa06d"));
	hex(sec.c2s, 32, h);
	CHECK("client-to-server key vector",
	      !strcmp(h, "deaeeef1dc79652806512d109d27fdf701b5f7baddc04c6c595a21efae3b880b"));
	hex(sec.s2c, 32, h);
	CHECK("server-to-client key vector",
	      !strcmp(h, "6fa75bbf9b7b3b2699d89ffe2bf88bba8efb38f726312d42faf2dc2f15c92fc6"));

	memcpy(frame + VIRGO_FRAME_HEAD, "load\n", 5);
	n = virgo_frame_seal(frame, 5, 7, 0x0102030405060708, sec.c2s);
	hex(frame, n, h);
	CHECK("frame 7 vector", n == 33 &&
	      !strcmp(h, "000000150102030405060708c518efb4e2b5f0cbc6d6833c92d9e72d1286dd0784"));
	body = virgo_frame_body(frame);
	CHECK("frame body", body == 21);
	CHECK("frame time", virgo_frame_time(frame) == 0x0102030405060708ULL);
	CHECK("frame opens", virgo_frame_open(frame, body, 7, sec.c2s) == 5 &&
	      !memcmp(frame + VIRGO_FRAME_HEAD, "load\n", 5));
	for (i = 0; i < 8 * n; i++) {
		memcpy(frame + VIRGO_FRAME_HEAD, "load\n", 5);
		virgo_frame_seal(frame, 5, 7, 0x0102030405060708, sec.c2s);
		frame[i / 8] ^= 1 << (i % 8);
		bad += virgo_frame_open(frame, body, 7, sec.c2s) == -EBADMSG;
	}
	CHECK("every flipped bit refused", bad == (int)(8 * n));
	memcpy(frame + VIRGO_FRAME_HEAD, "load\n", 5);
	virgo_frame_seal(frame, 5, 7, 0x0102030405060708, sec.c2s);
	CHECK("wrong sequence refused", virgo_frame_open(frame, body, 8, sec.c2s) == -EBADMSG);
	n = virgo_frame_seal(frame, 0, 3, 0, sec.c2s);
	hex(frame, n, h);
	CHECK("close frame 3 vector", n == 28 &&
	      !strcmp(h, "000000100000000000000000d5d7ef3a78a5b923b541f9e290127842"));
	CHECK("close frame opens empty", virgo_frame_body(frame) == 16 &&
	      virgo_frame_open(frame, 16, 3, sec.c2s) == 0);
	memset(frame, 0, 4);
	frame[3] = 15;
	CHECK("a frame shorter than its tag refused", virgo_frame_body(frame) == -EPROTO);
	frame[1] = 0x40;	/* 16384 */
	CHECK("oversized frame refused", virgo_frame_body(frame) == -EPROTO);
	CHECK("ERROR line errno", virgo_reply_errno("ERROR EACCES no") == -EACCES &&
	      virgo_reply_errno("OK") == 0 && virgo_reply_errno("ERROR EWHAT x") == -EIO);
}

/* A protected stream ends with the close frame; without it, it was cut. */
static void test_link_end(void)
{
	static struct virgo_link a, b;
	char buf[16];
	int sv[2];

	memset(a.tx_key, 7, sizeof(a.tx_key));
	memcpy(b.rx_key, a.tx_key, sizeof(b.rx_key));
	a.framed = b.framed = 1;
	CHECK("socketpair", !socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	a.fd = sv[0];
	b.fd = sv[1];
	CHECK("framed write", !virgo_link_write(&a, "hi", 2));
	close(sv[0]);
	CHECK("its data arrives", virgo_link_read(&b, buf, sizeof(buf)) == 2 && !memcmp(buf, "hi", 2));
	CHECK("an end without the close frame is a cut", virgo_link_read(&b, buf, sizeof(buf)) == -EPROTO);
	close(sv[1]);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.framed = b.framed = 1;
	CHECK("socketpair", !socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	a.fd = sv[0];
	b.fd = sv[1];
	CHECK("framed write, then the close frame",
	      !virgo_link_write(&a, "bye", 3) && !virgo_link_shutdown(&a));
	CHECK("its data arrives", virgo_link_read(&b, buf, sizeof(buf)) == 3);
	CHECK("then the end, authenticated", virgo_link_read(&b, buf, sizeof(buf)) == 0 &&
	      virgo_link_read(&b, buf, sizeof(buf)) == 0);
	close(sv[0]);
	close(sv[1]);
}

static int id_refused(const char *text)
{
	struct virgo_msg_id id = { 7, 7, 7 };

	return virgo_msg_id_parse(text, &id) == -EINVAL &&
	       id.node == 7 && id.epoch == 7 && id.seq == 7;
}

static void test_msg_id(void)
{
	static const char *const bad[] = {
		"", "1", "1:1", "1:1:", ":1:1", "1::1", "::", "1:1:1:1",
		"0:1:1", "1:0:1", "1:1:0", "0:0:0", "65:1:1", "4294967297:1:1",
		"1:4294967296:1", "1:99999999999:1", "1:1:18446744073709551616",
		"1:1:18446744073709551620", "1:1:99999999999999999999",
		"+1:1:1", "-1:1:1", "1:-1:1", "1:1:-0", " 1:1:1", "1:1:1 ",
		"1 :1:1", "1:1:1\n", "01:1:1", "1:01:1", "1:1:01", "1:1:00",
		"1:1:0x10", "0x1:1:1", "1:1:1e3", "1.0:1:1", "1:1:1#",
		"1;1;1", "1,1,1", "\xef\xbc\x91:1:1", "1:1:\xd9\xa1",
	};
	struct virgo_msg_id id;
	char buf[VIRGO_MSG_ID_SIZE];
	unsigned int i, refused = 0;

	CHECK("id parses", !virgo_msg_id_parse("3:12:345", &id) &&
	      id.node == 3 && id.epoch == 12 && id.seq == 345);
	CHECK("id at every field's end",
	      !virgo_msg_id_parse("64:4294967295:18446744073709551615", &id) &&
	      id.node == 64 && id.epoch == UINT32_MAX && id.seq == UINT64_MAX);
	CHECK("format", virgo_msg_id_format(&id, buf, sizeof(buf)) == 34 &&
	      !strcmp(buf, "64:4294967295:18446744073709551615"));
	CHECK("format is cut: -ENOSPC", virgo_msg_id_format(&id, buf, 34) == -ENOSPC);
	id.node = UINT32_MAX;
	CHECK("any id fits VIRGO_MSG_ID_SIZE",
	      virgo_msg_id_format(&id, buf, sizeof(buf)) == VIRGO_MSG_ID_SIZE - 1);
	id = (struct virgo_msg_id){ 1, 2, 3 };
	CHECK("format, short", virgo_msg_id_format(&id, buf, sizeof(buf)) == 5 &&
	      !strcmp(buf, "1:2:3"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (id_refused(bad[i]))
			refused++;
		else
			printf("# id '%s' was accepted\n", bad[i]);
	}
	CHECK("hostile ids refused, the id left as it was",
	      refused == sizeof(bad) / sizeof(bad[0]));
}

/* @body (@len bytes) and the crc the log puts after it; the line's length. */
static size_t record(char *line, const char *body, size_t len)
{
	memcpy(line, body, len);
	return len + sprintf(line + len, "#%08x", virgo_crc32(body, len));
}

static char line[4 * VIRGO_QUEUE_DATA_MAX + 256];

/* virgo_record_parse() of @body with its crc. */
static int rec_parse(const char *body, struct virgo_record *rec)
{
	return virgo_record_parse(line, record(line, body, strlen(body)), rec);
}

static void test_records(void)
{
	static const char *const bad[] = {
		"", "#", "REQUEST", "REQUESTS#1:2:3#4#echo#x", "request#1:2:3#4#echo#x",
		"REQUEST#1:2:3#4#echo", "REQUEST#1:2:3#4#echo#x#y",
		"TAKEN#1:2:3#4#x", "TAKEN#1:2:3", "DELIVERED#1:2:0#4",
		"EPOCH#1:2:3#4", "EPOCH#0:2:0#4", "REQUEST#1:2:0#4#echo#x",
		"REQUEST#1:2:3##echo#x", "REQUEST#1:2:3#-4#echo#x",
		"REQUEST#1:2:3#9223372036854775808#echo#x", "PUBLISHED#1:2:3#4#0#5", "PUBLISHED#1:2:3#4#65#5", "PUBLISHED#1:2:3#4#2#4294967296", "REQUEST#1:2:3#04#echo#x",
		"REQUEST#1:2:3#4##x", "REQUEST#1:2:3#4#a/b#x", "REQUEST#1:2:3#4#a b#x",
		"REQUEST#1:2:3#4#echo#\\x4", "REQUEST#1:2:3#4#echo#\\X41",
		"REQUEST#1:2:3#4#echo#\\x4g", "REQUEST#1:2:3#4#echo#\\xAB",
		"REQUEST#1:2:3#4#echo#\\x41", "REQUEST#1:2:3#4#echo#\\",
		"REQUEST#1:2:3#4#echo#a\\b", "REQUEST#1:2:3#4#echo#\x01",
		"REQUEST#1:2:3#4#echo#\x7f", "REQUEST#1:2:3#4#echo#\xc3\xa9",
		"REPLY#1:2:3#4##x", "REPLY#1:2:3#4#-0#x", "REPLY#1:2:3#4#+1#x",
		"REPLY#1:2:3#4#01#x", "REPLY#1:2:3#4#- 1#x",
		"REPLY#1:2:3#4#9223372036854775808#x",
		"REPLY#1:2:3#4#-9223372036854775809#x",
	};
	char name[VIRGO_SERVICE_NAME_MAX + 40];
	struct virgo_record rec;
	unsigned int i, refused = 0;
	uint8_t *data = malloc(VIRGO_QUEUE_DATA_MAX + 1);
	size_t n;

	CHECK("crc32 check value", virgo_crc32("123456789", 9) == 0xcbf43926);
	CHECK("REQUEST", !rec_parse("REQUEST#1:2:3#17#echo#hi\\x0aa\\x23b\\x5c\\x00\\xff", &rec) &&
	      rec.type == VIRGO_RECORD_REQUEST && rec.id.node == 1 &&
	      rec.id.epoch == 2 && rec.id.seq == 3 && rec.lamport == 17 &&
	      !strcmp(rec.service, "echo") && rec.data_len == 9 && rec.payload_len == 24);
	virgo_record_unescape(&rec, data);
	CHECK("its payload unescaped", !memcmp(data, "hi\na#b\\\0\xff", 9));
	CHECK("REPLY", !rec_parse("REPLY#2:1:9#18#-2#no service x", &rec) &&
	      rec.type == VIRGO_RECORD_REPLY && rec.status == -2 && rec.data_len == 12);
	CHECK("REPLY's status at int64's ends",
	      !rec_parse("REPLY#2:1:9#18#-9223372036854775808#", &rec) &&
	      rec.status == INT64_MIN && rec.data_len == 0 &&
	      !rec_parse("REPLY#2:1:9#18#9223372036854775807#", &rec) &&
	      rec.status == INT64_MAX);
	CHECK("the largest Lamport time", !rec_parse("TAKEN#2:1:9#9223372036854775807", &rec) &&
	      rec.lamport == INT64_MAX);
	CHECK("PUBLISHED", !rec_parse("PUBLISHED#2:1:9#21#3#1000", &rec) &&
	      rec.type == VIRGO_RECORD_PUBLISHED && rec.node == 3 && rec.uid == 1000);
	CHECK("DELIVERED, TAKEN", !rec_parse("DELIVERED#2:1:9#19", &rec) &&
	      rec.type == VIRGO_RECORD_DELIVERED && rec.lamport == 19 &&
	      !rec_parse("TAKEN#2:1:9#20", &rec) && rec.type == VIRGO_RECORD_TAKEN);
	CHECK("EPOCH has seq 0", !rec_parse("EPOCH#2:7:0#1", &rec) &&
	      rec.type == VIRGO_RECORD_EPOCH && rec.id.node == 2 &&
	      rec.id.epoch == 7 && rec.id.seq == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rec_parse(bad[i], &rec) == -EINVAL)
			refused++;
		else
			printf("# record '%s' was accepted\n", bad[i]);
	}
	CHECK("malformed records with a good crc refused", refused == sizeof(bad) / sizeof(bad[0]));

	memset(name, 'a', sizeof(name));
	memcpy(name, "REQUEST#1:2:3#4#", 16);
	strcpy(name + 16 + VIRGO_SERVICE_NAME_MAX - 1, "#x");
	CHECK("service name of 63 bytes", !rec_parse(name, &rec) &&
	      strlen(rec.service) == VIRGO_SERVICE_NAME_MAX - 1);
	memset(name + 16, 'a', sizeof(name) - 16);
	strcpy(name + 16 + VIRGO_SERVICE_NAME_MAX, "#x");
	CHECK("service name of 64 bytes refused", rec_parse(name, &rec) == -EINVAL);

	/* What a crash or a disk leaves: nothing is believed. */
	n = record(line, "REPLY#1:2:3#4#0#hello", 21);
	line[n - 9 - 1] = 'j';
	CHECK("a changed byte: bad crc", virgo_record_parse(line, n, &rec) == -EBADMSG);
	n = record(line, "REPLY#1:2:3#4#0#hello", 21);
	CHECK("cut anywhere: refused", virgo_record_parse(line, n - 1, &rec) == -EINVAL &&
	      virgo_record_parse(line, n - 9, &rec) == -EINVAL &&
	      virgo_record_parse(line, 10, &rec) == -EINVAL &&
	      virgo_record_parse(line, 0, &rec) == -EINVAL);
	line[n - 3] = 'A';
	CHECK("an upper-case crc refused", virgo_record_parse(line, n, &rec) == -EINVAL);
	memset(line, 0, 64);
	CHECK("NUL padding refused", virgo_record_parse(line, 64, &rec) == -EINVAL);
	n = record(line, "REQUEST#1:2:3#4#echo#a\0b", 24);
	CHECK("a raw NUL in a payload refused", virgo_record_parse(line, n, &rec) == -EINVAL);
	n = record(line, "TAKEN#1:2:3#4\0", 14);
	CHECK("a NUL after a field refused", virgo_record_parse(line, n, &rec) == -EINVAL);

	/* VIRGO_QUEUE_DATA_MAX bytes fit, one more does not. */
	memcpy(line, "REPLY#1:2:3#4#0#", 16);
	for (i = 0; i < VIRGO_QUEUE_DATA_MAX; i++)
		memcpy(line + 16 + 4 * i, "\\x00", 4);
	n = 16 + 4 * VIRGO_QUEUE_DATA_MAX;
	n = record(line, line, n);
	CHECK("largest payload, all escaped", !virgo_record_parse(line, n, &rec) &&
	      rec.data_len == VIRGO_QUEUE_DATA_MAX);
	memset(line + 16, 'x', VIRGO_QUEUE_DATA_MAX + 1);
	n = record(line, line, 16 + VIRGO_QUEUE_DATA_MAX + 1);
	CHECK("a payload one byte too long refused", virgo_record_parse(line, n, &rec) == -EINVAL);
	free(data);
}

static void test_ports(void)
{
	CHECK("core port", virgo_service_port("core") == 40000);
	CHECK("mempool port", virgo_service_port("mempool") == 30000);
	CHECK("numeric port", virgo_service_port("7") == 7);
	CHECK("bad port", virgo_service_port("70000") == 0 && virgo_service_port("x") == 0);
}

/* @g as DOT, in a malloc'd string. */
static char *dot(const struct virgo_egraph *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	virgo_egraph_dot(g, f);
	fclose(f);
	return buf;
}

/* The order of @g as "a b c", and its cycle as "x y". */
static void order(const struct virgo_egraph *g, char *out, char *cyc)
{
	size_t *o, *c, nc, i;
	long n = virgo_egraph_order(g, &o, &c, &nc);

	*out = *cyc = '\0';
	for (i = 0; n > 0 && i < (size_t)n; i++)
		sprintf(out + strlen(out), "%s%s", i ? " " : "", g->v[o[i]].name);
	for (i = 0; c && i < nc; i++)
		sprintf(cyc + strlen(cyc), "%s%s", i ? " " : "", g->v[c[i]].name);
	free(o);
	free(c);
}

static void test_eventnet(void)
{
	static const char one[] = "e1 - a,b - (a,b)\ne2 -  - \ne1,e2\n";
	static const char two[] = "e1 - b,c - (b,c)\ne3 - q\"\\&x - (q\"\\&x,q\"\\&x)\n"
				  "e0 -  - \ne2,e3\ne1,e2\ne0,e1\n";
	struct virgo_egraph g = { 0 };
	char out[256], cyc[256], *d;

	CHECK("a node's files load", !virgo_egraph_add(&g, one, strlen(one), 26) &&
	      g.nv == 2 && g.ne == 1);
	CHECK("another node's merge into them",
	      !virgo_egraph_add(&g, two, strlen(two), 53) && g.nv == 4 && g.ne == 3);
	CHECK("a vertex on both gains the partakers it lacked",
	      !strcmp(g.v[0].parts, "a,b,c") && !strcmp(g.v[0].convs, "(a,b)#(b,c)"));
	d = dot(&g);
	CHECK("DOT: the labels, with quote, backslash and ampersand escaped",
	      strstr(d, "\tv0 [label=\"e1\\na,b,c\\n(a,b)#(b,c)\"];\n") &&
	      strstr(d, "v2 [label=\"e3\\nq\\\"\\\\&amp;x\\n(q\\\"\\\\&amp;x,q\\\"\\\\&amp;x)\"];") &&
	      strstr(d, "\tv1 -> v2;\n") && !strncmp(d, "digraph eventnet {\n", 19));
	free(d);
	order(&g, out, cyc);
	CHECK("order: every edge forward, ties in the graph's order",
	      !strcmp(out, "e0 e1 e2 e3") && !*cyc);
	CHECK("the vertex file ends a line; no NUL",
	      virgo_egraph_add(&g, one, strlen(one), 25) == -EINVAL &&
	      virgo_egraph_add(&g, "e9,e\0\n", 6, 0) == -EINVAL);
	CHECK("a line that is not the files' is refused",
	      virgo_egraph_add(&g, "e9\n", 3, 3) == -EINVAL &&
	      virgo_egraph_add(&g, "e9,\n", 4, 0) == -EINVAL &&
	      virgo_egraph_add(&g, "e9 - a\n", 7, 7) == -EINVAL);
	virgo_egraph_free(&g);

	/* A cycle: reported, and what it holds back left out. */
	virgo_egraph_add(&g, "s,a\na,b\nb,c\nc,a\nc,d\nt,u\n", 24, 0);
	order(&g, out, cyc);
	CHECK("a cycle is found", !strcmp(cyc, "a b c") || !strcmp(cyc, "b c a") ||
	      !strcmp(cyc, "c a b"));
	CHECK("the order holds what no cycle precedes", !strcmp(out, "s t u"));
	virgo_egraph_free(&g);
	virgo_egraph_add(&g, "x,x\n", 4, 0);
	order(&g, out, cyc);
	CHECK("a loop is a cycle", !*out && !strcmp(cyc, "x"));
	virgo_egraph_free(&g);
	virgo_egraph_add(&g, "a -  - \nb -  - \nc -  - \nb,a\n", 28, 24);
	order(&g, out, cyc);
	CHECK("of the vertices free at once, the first in the graph first",
	      !strcmp(out, "b a c") && !*cyc);
	virgo_egraph_free(&g);

	/* Traced events: the vector clocks of their order and requests. */
	{
		static const char t[] = "clone@1.5 - node1,node2 - (node1,node2)\n"
					"clone@2.9 - node1,node2 - (node1,node2)\n"
					"get@2.15 - node2 - (node2,node2)\n"
					"malloc@1.12 - node1,node3 - (node1,node3)\n"
					"clone@1.5,clone@2.9\nclone@2.9,get@2.15\n"
					"clone@1.5,malloc@1.12\nx@0.1,get@2.15\n";

		virgo_egraph_add(&g, t, strlen(t), strlen(t) - 76);
		d = dot(&g);
		CHECK("DOT: a traced event's Lamport time and vector clock",
		      strstr(d, "(node1,node2)\\nL 5 V 1:1\"") &&
		      strstr(d, "(node1,node2)\\nL 9 V 1:1,2:1\"") &&
		      strstr(d, "(node2,node2)\\nL 15 V 1:1,2:2\"") &&
		      strstr(d, "(node1,node3)\\nL 12 V 1:2\"") &&
		      strstr(d, "label=\"x@0.1\"]"));
		free(d);
		virgo_egraph_free(&g);
		/* Names that only look traced: no stamps. */
		d = NULL;
		CHECK("DOT: no stamps for names not in the trace's form",
		      !virgo_egraph_add(&g, "y@1.05,y@01.5\ny@65.3,y@1.-5\ny@1.5.1,y@1.2x\n",
					43, 0) && g.nv == 6 && (d = dot(&g)) &&
		      strstr(d, "y@1.05") && !strstr(d, "\\nL "));
		free(d);
		virgo_egraph_free(&g);
	}

	/* Not UTF-8: bytes past ASCII become entities, Graphviz reads it. */
	virgo_egraph_add(&g, "\xe9t\xe9,\xc3\xa9t\xc3\xa9\n", 10, 0);
	d = dot(&g);
	CHECK("DOT: Latin-1 as entities, UTF-8 as it is",
	      strstr(d, "label=\"&#233;t&#233;\"") && strstr(d, "label=\"\xc3\xa9t\xc3\xa9\""));
	free(d);
	virgo_egraph_free(&g);
}

/* parse(TEXT): the pairs of TEXT as "k=v;k=v", or "bad N". */
static const char *analytics(const char *text)
{
	static char out[1024];
	struct virgo_kv_set set = {};
	size_t bad = 0, i, n = 0;
	int ret;

	ret = virgo_analytics_parse(text, strlen(text), 1, &set, &bad);
	if (ret == -EINVAL)
		snprintf(out, sizeof(out), "bad %zu", bad);
	else if (ret)
		snprintf(out, sizeof(out), "error %d", ret);
	else
		for (i = 0, out[0] = '\0'; i < set.n; i++)
			n += snprintf(out + n, sizeof(out) - n, "%s%s=%s@%zu", i ? ";" : "",
				      set.kv[i].key, set.kv[i].value, set.kv[i].line);
	virgo_kv_set_free(&set);
	return out;
}

static void test_analytics(void)
{
	char big[400];

	CHECK("analytics: the seed's one line",
	      !strcmp(analytics("MaxNetworkBandwidth=255,Voltage=low\n"),
		      "MaxNetworkBandwidth=255@1;Voltage=low@1"));
	CHECK("analytics: one a line, comments, blanks, CRLF, AsFer's leading comma",
	      !strcmp(analytics("# learnt\n\n a = 1 \r\n  # more\n,b=2\n,c=x y,\n"),
		      "a=1@3;b=2@5;c=x y@6"));
	CHECK("analytics: a later pair replaces an earlier",
	      !strcmp(analytics("a=1,b=2\na=3\n"), "a=3@2;b=2@1"));
	CHECK("analytics: an empty value, '=' in a value, no last line end",
	      !strcmp(analytics("e=,f=a=b"), "e=@1;f=a=b@1"));
	CHECK("analytics: empty text", !strcmp(analytics(""), ""));
	CHECK("analytics: no '='", !strcmp(analytics("a=1\nb\n"), "bad 2"));
	CHECK("analytics: a bad key", !strcmp(analytics("a=1\n\nx y=1\n"), "bad 3"));
	CHECK("analytics: an empty key", !strcmp(analytics("=1"), "bad 1"));
	CHECK("analytics: '..' is no key", !strcmp(analytics("..=1"), "bad 1"));
	CHECK("analytics: a UTF-8 key", !strcmp(analytics("caf\xc3\xa9=1"), "bad 1"));
	CHECK("analytics: a control byte in a value", !strcmp(analytics("a=b\tc"), "bad 1"));
	memset(big, 'k', sizeof(big));
	memcpy(big + VIRGO_ANALYTICS_KEY_MAX, "=1", 3);
	CHECK("analytics: a key of 64 bytes", !strncmp(analytics(big), "kkkk", 4));
	memcpy(big + VIRGO_ANALYTICS_KEY_MAX, "k=1", 4);
	CHECK("analytics: a key of 65 bytes", !strcmp(analytics(big), "bad 1"));
	memcpy(big, "v=", 2);
	memset(big + 2, 'x', VIRGO_ANALYTICS_VALUE_MAX);
	big[2 + VIRGO_ANALYTICS_VALUE_MAX] = '\0';
	CHECK("analytics: a value of 256 bytes", !strncmp(analytics(big), "v=xxx", 5));
	memcpy(big + 2 + VIRGO_ANALYTICS_VALUE_MAX, "x", 2);
	CHECK("analytics: a value of 257 bytes", !strcmp(analytics(big), "bad 1"));
}

int main(void)
{
	test_conf();
	test_limits();
	test_analytics();
	test_key();
	test_crypto();
	test_lamport();
	test_link_end();
	test_ports();
	test_msg_id();
	test_records();
	test_eventnet();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
