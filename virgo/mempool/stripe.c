// SPDX-License-Identifier: GPL-2.0
/*
 * VIRGO mempool - striping: where the bytes of an allocation live
 *
 * An allocation of @size bytes is cut into chunks of @chunk_size bytes
 * (the last one shorter); chunk i holds bytes [i * chunk_size, ...). A
 * set or get of [off, off + len) walks the chunks it touches, one step
 * each.
 */

#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include "mempool.h"

/* Is [off, off + len) inside an allocation of @size bytes? */
int virgo_stripe_check(u64 size, u64 off, u64 len)
{
	u64 end;

	if (check_add_overflow(off, len, &end) || end > size)
		return -EINVAL;
	return 0;
}

u32 virgo_stripe_chunks(u64 size, u64 chunk_size)
{
	return div64_u64(size + chunk_size - 1, chunk_size);
}

/**
 * virgo_stripe_next() - the next chunk a range touches
 * @chunk_size: the allocation's chunk size, not 0
 * @off: the range's start; advanced past the step
 * @len: the range's length; reduced by the step
 * @step: set to the chunk, the offset in it and the length there
 *
 * Return: true with a step, false when the range is done.
 */
bool virgo_stripe_next(u64 chunk_size, u64 *off, u64 *len,
		       struct virgo_stripe_step *step)
{
	u64 in_chunk;

	if (!*len)
		return false;
	step->chunk = div64_u64_rem(*off, chunk_size, &in_chunk);
	step->offset = in_chunk;
	step->len = min(*len, chunk_size - in_chunk);
	*off += step->len;
	*len -= step->len;
	return true;
}
