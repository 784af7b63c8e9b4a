// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - VUIDs: the opaque handles of cluster allocations
 *
 *	63      58 57            40 39                           0
 *	| node-1  |      slot      |              tag             |
 *
 * Never a kernel address. Every use decodes and checks the VUID, then the
 * owner compares the tag with the slot's: a stale (freed, reused) or
 * forged VUID fails.
 */

#include <linux/bits.h>
#include <linux/errno.h>
#include "mempool.h"

#define VIRGO_VUID_TAG_SHIFT	0
#define VIRGO_VUID_SLOT_SHIFT	VIRGO_VUID_TAG_BITS
#define VIRGO_VUID_NODE_SHIFT	(VIRGO_VUID_TAG_BITS + VIRGO_VUID_SLOT_BITS)

u64 virgo_vuid_encode(const struct virgo_vuid *v)
{
	return (u64)(v->node - 1) << VIRGO_VUID_NODE_SHIFT |
	       (u64)v->slot << VIRGO_VUID_SLOT_SHIFT |
	       (v->tag & GENMASK_ULL(VIRGO_VUID_TAG_BITS - 1, 0));
}

/**
 * virgo_vuid_decode() - split a VUID from userspace or the network
 * @raw: the VUID
 * @v: set to its parts
 *
 * Return: 0, or -EINVAL for a VUID that no node ever hands out (tag 0).
 */
int virgo_vuid_decode(u64 raw, struct virgo_vuid *v)
{
	v->node = (raw >> VIRGO_VUID_NODE_SHIFT) + 1;
	v->slot = (raw >> VIRGO_VUID_SLOT_SHIFT) &
		  GENMASK(VIRGO_VUID_SLOT_BITS - 1, 0);
	v->tag = raw & GENMASK_ULL(VIRGO_VUID_TAG_BITS - 1, 0);
	return v->tag ? 0 : -EINVAL;
}
