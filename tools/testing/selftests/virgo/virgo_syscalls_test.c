// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO system call ABI tests
 *
 * The generated <asm/unistd.h> comes from the kernel's syscall table, so the
 * numbers it names prove that the table holds the VIRGO entries; the uapi
 * header must agree with it. A call whose component is not built answers
 * -ENOSYS and nothing else.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <asm/unistd.h>

/* Read the table's numbers before <linux/virgo.h> can supply its own. */
#ifdef __NR_virgo_clone
static const long table_nr[] = {
	__NR_virgo_clone, __NR_virgo_malloc, __NR_virgo_set,
	__NR_virgo_get, __NR_virgo_free, __NR_virgo_open,
	__NR_virgo_close, __NR_virgo_read, __NR_virgo_write,
};

#define TABLE_HAS_VIRGO 1
#else
static const long table_nr[9];
#define TABLE_HAS_VIRGO 0
#endif

#include <linux/virgo.h>

#include "../kselftest_harness.h"

static const struct {
	const char *name;
	long nr;
} virgo_calls[] = {
	{ "virgo_clone", __NR_virgo_clone },
	{ "virgo_malloc", __NR_virgo_malloc },
	{ "virgo_set", __NR_virgo_set },
	{ "virgo_get", __NR_virgo_get },
	{ "virgo_free", __NR_virgo_free },
	{ "virgo_open", __NR_virgo_open },
	{ "virgo_close", __NR_virgo_close },
	{ "virgo_read", __NR_virgo_read },
	{ "virgo_write", __NR_virgo_write },
};

#define NCALLS ARRAY_SIZE(virgo_calls)

TEST(uapi_numbers_follow_the_seed_order)
{
	unsigned int i;

	for (i = 0; i < NCALLS; i++)
		EXPECT_EQ(548 + i, virgo_calls[i].nr)
			TH_LOG("call %ld", virgo_calls[i].nr);
}

TEST(syscall_table_has_every_virgo_call)
{
	unsigned int i;

	ASSERT_TRUE(TABLE_HAS_VIRGO)
		TH_LOG("<asm/unistd.h> has no __NR_virgo_*: table not patched");
	for (i = 0; i < NCALLS; i++)
		EXPECT_EQ(virgo_calls[i].nr, table_nr[i])
			TH_LOG("call %ld", virgo_calls[i].nr);
}

/*
 * No component implements a call yet: each must answer ENOSYS whatever its
 * arguments, without touching them.
 */
TEST(unimplemented_calls_answer_enosys)
{
	char buf[16] = "untouched";
	unsigned int i;
	long ret;

	for (i = 0; i < NCALLS; i++) {
		errno = 0;
		ret = syscall(virgo_calls[i].nr, 0, 0, 0, 0, 0, 0);
		EXPECT_EQ(-1, ret) TH_LOG("call %ld", virgo_calls[i].nr);
		EXPECT_EQ(ENOSYS, errno) TH_LOG("call %ld", virgo_calls[i].nr);

		errno = 0;
		ret = syscall(virgo_calls[i].nr, (long)buf, sizeof(buf),
			      -1L, (long)buf, ~0UL, ~0UL);
		EXPECT_EQ(-1, ret) TH_LOG("call %ld", virgo_calls[i].nr);
		EXPECT_EQ(ENOSYS, errno) TH_LOG("call %ld", virgo_calls[i].nr);
		EXPECT_STREQ("untouched", buf);
	}
}

TEST(sysfs_reports_the_abi_version)
{
	unsigned int version = 0;
	FILE *f;

	f = fopen("/sys/kernel/virgo/abi_version", "r");
	if (!f)
		SKIP(return, "no /sys/kernel/virgo: kernel built without CONFIG_VIRGO");
	ASSERT_EQ(1, fscanf(f, "%u", &version));
	fclose(f);
	EXPECT_EQ(VIRGO_ABI_VERSION, version);
}

TEST_HARNESS_MAIN
