// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO queue - KUnit tests of log records, message ids and the dedup window
 */

#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/string.h>
#include "queue.h"

struct virgo_qtest {
	char *line;
	void *payload;
	struct virgo_qrec rec;
};

static struct virgo_qtest *virgo_qtest_new(struct kunit *test)
{
	struct virgo_qtest *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->line = kunit_kzalloc(test, VIRGO_QUEUE_REC_MAX, GFP_KERNEL);
	t->payload = kunit_kzalloc(test, VIRGO_QUEUE_DATA_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->line);
	KUNIT_ASSERT_NOT_NULL(test, t->payload);
	return t;
}

/* Decode @s (one line, its newline excluded). */
static int decode(struct virgo_qtest *t, const char *s)
{
	return virgo_qrec_decode(s, strlen(s), &t->rec, t->payload);
}

static void virgo_test_round_trip(struct kunit *test)
{
	struct virgo_qtest *t = virgo_qtest_new(test);
	struct virgo_qrec rec = {
		.type = VIRGO_QREC_REQUEST,
		.id = { 3, 1764390000, 17 },
		.lamport = 42,
		.service = "problem-report",
	};
	u8 *all = kunit_kzalloc(test, 256, GFP_KERNEL);
	size_t n;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, all);
	for (i = 0; i < 256; i++)
		all[i] = i;
	rec.payload = all;
	rec.len = 256;
	n = virgo_qrec_encode(t->line, VIRGO_QUEUE_REC_MAX, &rec);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, t->line[n - 1], '\n');
	/* One line, no NUL, no raw '#' or newline from the payload. */
	KUNIT_EXPECT_NULL(test, memchr(t->line, '\0', n));
	KUNIT_EXPECT_PTR_EQ(test, memchr(t->line, '\n', n), t->line + n - 1);
	KUNIT_EXPECT_TRUE(test, !strncmp(t->line, "REQUEST#3:1764390000:17#42#problem-report#", 42));
	KUNIT_ASSERT_EQ(test, virgo_qrec_decode(t->line, n - 1, &t->rec, t->payload), 0);
	KUNIT_EXPECT_EQ(test, t->rec.type, VIRGO_QREC_REQUEST);
	KUNIT_EXPECT_TRUE(test, virgo_qid_eq(&t->rec.id, &rec.id));
	KUNIT_EXPECT_EQ(test, t->rec.lamport, 42);
	KUNIT_EXPECT_STREQ(test, t->rec.service, "problem-report");
	KUNIT_ASSERT_EQ(test, t->rec.len, 256);
	KUNIT_EXPECT_EQ(test, memcmp(t->payload, all, 256), 0);

	/* A REPLY with a negative status and an empty payload. */
	rec.type = VIRGO_QREC_REPLY;
	rec.status = -2;
	rec.len = 0;
	n = virgo_qrec_encode(t->line, VIRGO_QUEUE_REC_MAX, &rec);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_ASSERT_EQ(test, virgo_qrec_decode(t->line, n - 1, &t->rec, t->payload), 0);
	KUNIT_EXPECT_EQ(test, t->rec.type, VIRGO_QREC_REPLY);
	KUNIT_EXPECT_EQ(test, t->rec.status, -2);
	KUNIT_EXPECT_EQ(test, t->rec.len, 0);

	/* The largest payload, every byte escaped, fits a record. */
	rec.payload = kunit_kzalloc(test, VIRGO_QUEUE_DATA_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rec.payload);
	rec.len = VIRGO_QUEUE_DATA_MAX;
	n = virgo_qrec_encode(t->line, VIRGO_QUEUE_REC_MAX, &rec);
	KUNIT_ASSERT_GT(test, n, 4 * VIRGO_QUEUE_DATA_MAX);
	KUNIT_EXPECT_EQ(test, virgo_qrec_decode(t->line, n - 1, &t->rec, t->payload), 0);
	KUNIT_EXPECT_EQ(test, t->rec.len, VIRGO_QUEUE_DATA_MAX);
	/* ...and a record that does not fit is not written at all. */
	KUNIT_EXPECT_EQ(test, virgo_qrec_encode(t->line, n - 1, &rec), 0);

	rec.type = VIRGO_QREC_EPOCH;
	rec.id.seq = 0;
	n = virgo_qrec_encode(t->line, VIRGO_QUEUE_REC_MAX, &rec);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, virgo_qrec_decode(t->line, n - 1, &t->rec, t->payload), 0);
	KUNIT_EXPECT_EQ(test, t->rec.type, VIRGO_QREC_EPOCH);
}

static void virgo_test_torn(struct kunit *test)
{
	struct virgo_qtest *t = virgo_qtest_new(test);
	struct virgo_qrec rec = {
		.type = VIRGO_QREC_REPLY,
		.id = { 1, 7, 9 },
		.lamport = 1234,
		.status = 0,
		.payload = "hello # world \\ \n",
		.len = 17,
	};
	size_t n = virgo_qrec_encode(t->line, VIRGO_QUEUE_REC_MAX, &rec), cut;

	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_ASSERT_EQ(test, virgo_qrec_decode(t->line, n - 1, &t->rec, t->payload), 0);
	KUNIT_EXPECT_EQ(test, memcmp(t->payload, rec.payload, 17), 0);
	/* Every prefix of a record is refused, never read as another. */
	for (cut = 0; cut < n - 1; cut++)
		KUNIT_EXPECT_EQ(test, virgo_qrec_decode(t->line, cut, &t->rec, t->payload),
				-EBADMSG);
	/* A flipped byte anywhere fails the CRC. */
	for (cut = 0; cut < n - 1; cut++) {
		t->line[cut] ^= 0x01;
		KUNIT_EXPECT_EQ(test, virgo_qrec_decode(t->line, n - 1, &t->rec, t->payload),
				-EBADMSG);
		t->line[cut] ^= 0x01;
	}
}

/* A valid CRC over @body, so that the field checks themselves are tested. */
static const char *sealed(struct kunit *test, const char *body)
{
	size_t n = strlen(body) + 10;
	char *s = kunit_kmalloc(test, n, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	snprintf(s, n, "%s#%08x", body, ~crc32_le(~0, body, strlen(body)));
	return s;
}

static void virgo_test_hostile(struct kunit *test)
{
	static const char *const bad[] = {
		"REQUEST#1:1:1#1#echo#a\\x4",		/* short escape */
		"REQUEST#1:1:1#1#echo#a\\q00",		/* not \x */
		"REQUEST#1:1:1#1#echo#\\xzz",		/* not hex */
		"REQUEST#1:1:1#1#echo#\\x4A",		/* uppercase hex */
		"REQUEST#1:1:1#1#echo#\\X41",
		"REQUEST#1:1:1#1#echo#tab\there",	/* raw control byte */
		"REQUEST#1:1:1#1#echo#caf\xe9",		/* raw byte >= 0x80 */
		"REQUEST#1:1:1#1#echo#a#b",		/* raw '#': 6 fields */
		"REQUEST#1:1:1#1#echo",			/* too few */
		"REQUEST#1:1:1#1#ec ho#x",		/* bad service */
		"REQUEST#1:1:1#1##x",
		"REQUEST#0:1:1#1#echo#x",		/* node 0 */
		"REQUEST#65:1:1#1#echo#x",		/* node past 64 */
		"REQUEST#1:0:1#1#echo#x",		/* epoch 0 */
		"REQUEST#1:1:0#1#echo#x",		/* seq 0 */
		"REQUEST#1:4294967296:1#1#echo#x",	/* epoch past u32 */
		"REQUEST#1:1#1#echo#x",
		"REQUEST#1:1:1:1#1#echo#x",
		"REQUEST#+1:1:1#1#echo#x",
		"REQUEST#1:1:1#-1#echo#x",		/* negative time */
		"REQUEST#1:1:1#9223372036854775808#echo#x",	/* past VIRGO_CLOCK_MAX */
		"PUBLISHED#1:1:1#1#0#0",		/* node 0 */
		"PUBLISHED#1:1:1#1#2#4294967296",	/* uid past u32 */
		"PUBLISHED#1:1:1#1#2",
		"REPLY#1:1:1#1#--1#x",
		"REPLY#1:1:1#1#9223372036854775808#x",	/* past s64 */
		"REPLY#1:1:1#1##x",			/* no status */
		"EPOCH#1:5:1#1",			/* EPOCH has seq 0 */
		"TAKEN#1:5:1#1#extra",
		"BOGUS#1:1:1#1",
		"request#1:1:1#1#echo#x",
		"",
	};
	struct virgo_qtest *t = virgo_qtest_new(test);
	char nul[32];
	const char *s;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s = sealed(test, bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, decode(t, s), -EBADMSG, "accepted: %s", bad[i]);
	}
	/* The same checks let these through. */
	KUNIT_EXPECT_EQ(test, decode(t, sealed(test, "REQUEST#1:1:1#0#echo#")), 0);
	KUNIT_EXPECT_EQ(test, decode(t, sealed(test, "REPLY#1:1:1#5#-9223372036854775808#\\x00")), 0);
	KUNIT_EXPECT_EQ(test, t->rec.status, S64_MIN);
	KUNIT_EXPECT_EQ(test, t->rec.len, 1);
	KUNIT_EXPECT_EQ(test, decode(t, sealed(test, "EPOCH#2:9:0#3")), 0);
	KUNIT_EXPECT_EQ(test, decode(t, sealed(test, "PUBLISHED#2:9:4#3#64#1000")), 0);
	KUNIT_EXPECT_EQ(test, t->rec.node, 64);
	KUNIT_EXPECT_EQ(test, t->rec.uid, 1000);

	/* A NUL inside, with a CRC that covers it. */
	memcpy(nul, "TAKEN#1:1:1#1", 13);
	nul[5] = '\0';
	snprintf(nul + 13, sizeof(nul) - 13, "#%08x", ~crc32_le(~0, nul, 13));
	KUNIT_EXPECT_EQ(test, virgo_qrec_decode(nul, 22, &t->rec, t->payload), -EBADMSG);
	/* A CRC in uppercase, short, or missing. */
	KUNIT_EXPECT_EQ(test, decode(t, "TAKEN#1:1:1#1#ABCDEF01"), -EBADMSG);
	KUNIT_EXPECT_EQ(test, decode(t, "TAKEN#1:1:1#1#abc"), -EBADMSG);
	KUNIT_EXPECT_EQ(test, decode(t, "TAKEN#1:1:1#1"), -EBADMSG);
}

static void virgo_test_ids(struct kunit *test)
{
	static const char *const bad[] = {
		"", "1", "1:1", "1:1:1:1", "0:1:1", "65:1:1", "1:0:1", "1:1:0",
		"1:4294967296:1", "1:1:18446744073709551616", " 1:1:1", "1:1:1 ",
		"+1:1:1", "1:-1:1", "1::1", ":1:1", "1:1:", "1:1:1x",
	};
	struct virgo_msg_id id;
	int i;

	KUNIT_ASSERT_EQ(test, virgo_qid_parse("64:4294967295:18446744073709551615", &id), 0);
	KUNIT_EXPECT_EQ(test, id.node, 64);
	KUNIT_EXPECT_EQ(test, id.epoch, U32_MAX);
	KUNIT_EXPECT_EQ(test, id.seq, U64_MAX);
	KUNIT_EXPECT_TRUE(test, virgo_qid_ok(&id));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, virgo_qid_parse(bad[i], &id), -EINVAL,
				    "accepted: '%s'", bad[i]);
	KUNIT_EXPECT_FALSE(test, virgo_qid_ok(&(struct virgo_msg_id){ 1, 1, 0 }));
	KUNIT_EXPECT_FALSE(test, virgo_qid_ok(&(struct virgo_msg_id){ 65, 1, 1 }));

	KUNIT_EXPECT_TRUE(test, virgo_qservice_ok("problem-report"));
	KUNIT_EXPECT_FALSE(test, virgo_qservice_ok(""));
	KUNIT_EXPECT_FALSE(test, virgo_qservice_ok("a b"));
	KUNIT_EXPECT_FALSE(test, virgo_qservice_ok("a#b"));
	KUNIT_EXPECT_FALSE(test, virgo_qservice_ok(
		"0123456789012345678901234567890123456789012345678901234567890123"));
}

static void virgo_test_dedup(struct kunit *test)
{
	struct virgo_qdedup d = { .size = 4 };
	struct virgo_msg_id id = { 1, 1, 0 };
	int i;

	d.ids = kunit_kcalloc(test, d.size, sizeof(*d.ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d.ids);
	id.seq = 1;
	KUNIT_EXPECT_FALSE(test, virgo_qdedup_has(&d, &id));
	for (i = 1; i <= 6; i++) {
		id.seq = i;
		virgo_qdedup_add(&d, &id);
		KUNIT_EXPECT_TRUE(test, virgo_qdedup_has(&d, &id));
	}
	/* The newest four are remembered; the oldest made way. */
	for (i = 1; i <= 6; i++) {
		id.seq = i;
		KUNIT_EXPECT_EQ_MSG(test, virgo_qdedup_has(&d, &id), i > 2, "seq %d", i);
	}
	id.seq = 6;
	id.epoch = 2;
	KUNIT_EXPECT_FALSE(test, virgo_qdedup_has(&d, &id));
}

static struct kunit_case virgo_queue_cases[] = {
	KUNIT_CASE(virgo_test_round_trip),
	KUNIT_CASE(virgo_test_torn),
	KUNIT_CASE(virgo_test_hostile),
	KUNIT_CASE(virgo_test_ids),
	KUNIT_CASE(virgo_test_dedup),
	{}
};

static struct kunit_suite virgo_queue_suite = {
	.name = "virgo_queue",
	.test_cases = virgo_queue_cases,
};

kunit_test_suite(virgo_queue_suite);
