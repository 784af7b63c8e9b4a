/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VIRGO_SHA256_H
#define VIRGO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t len,
		 uint8_t out[SHA256_LEN]);

#endif
