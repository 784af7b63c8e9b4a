/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VIRGO cloud kernel - userspace API
 *
 * System call numbers, structures and flags shared by the kernel and its
 * callers (libvirgo, the virgo CLI, the selftests). See
 * Documentation/virgo/ for what each call does and every errno it returns.
 */
#ifndef _UAPI_LINUX_VIRGO_H
#define _UAPI_LINUX_VIRGO_H

/*
 * VIRGO_ABI_VERSION - the revision of this interface, readable at run time
 * from /sys/kernel/virgo/abi_version. It grows when a call or structure is
 * added; nothing it names ever changes meaning.
 */
#define VIRGO_ABI_VERSION	1

/*
 * System call numbers (x86_64). 548 is the first number past the legacy
 * x32 range; the order is the original VIRGO's. They match the generated
 * <asm/unistd_64.h>, so either header may be included first.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
#ifndef __NR_virgo_clone
#define __NR_virgo_clone	548
#define __NR_virgo_malloc	549
#define __NR_virgo_set		550
#define __NR_virgo_get		551
#define __NR_virgo_free		552
#define __NR_virgo_open		553
#define __NR_virgo_close	554
#define __NR_virgo_read		555
#define __NR_virgo_write	556
#endif
#endif

/*
 * Service ports: every node's VIRGO services listen on these TCP ports.
 * Each speaks a line protocol (Documentation/virgo/core.rst).
 */
#define VIRGO_PORT_CPUPOOL	10000
#define VIRGO_PORT_EVENTNET	20000
#define VIRGO_PORT_MEMPOOL	30000
#define VIRGO_PORT_CORE		40000
#define VIRGO_PORT_CLOUDFS	50000
#define VIRGO_PORT_QUEUE	60000

/*
 * Cluster authentication: a key of VIRGO_KEY_MIN..VIRGO_KEY_MAX bytes; the
 * answer to "AUTH-CHALLENGE <nonce>" is HMAC-SHA256(key, VIRGO_AUTH_CONTEXT
 * nonce) in hex, both nonce and MAC VIRGO_AUTH_HEX hex digits.
 */
#define VIRGO_KEY_MIN		16
#define VIRGO_KEY_MAX		64
#define VIRGO_AUTH_HEX		64
#define VIRGO_AUTH_CONTEXT	"virgo-auth-v1 "

#endif /* _UAPI_LINUX_VIRGO_H */
