/* SPDX-License-Identifier: MIT */
/*
 * u64map: a hash map from u64 to u64 (linear probing, backward-shift
 * deletion, no tombstones). Stands in for the xarrays drivers index by
 * IOVA page number, e.g. the selftest mock domain's pfns.
 */
#ifndef MODEL_U64MAP_H
#define MODEL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys; /* key + 1; 0 marks an empty slot */
	uint64_t *vals;
	size_t cap;	/* power of two, or 0 */
	size_t count;
};

void u64map_init(struct u64map *m);
void u64map_destroy(struct u64map *m);
/* 0 or -ENOMEM (map unchanged); replaces an existing value. key < 2^64-1 */
int u64map_store(struct u64map *m, uint64_t key, uint64_t val);
bool u64map_load(const struct u64map *m, uint64_t key, uint64_t *val);
/* true if the key was present */
bool u64map_erase(struct u64map *m, uint64_t key);

#endif
