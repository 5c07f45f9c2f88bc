// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "u64map.h"

static inline size_t slot_of(const struct u64map *m, uint64_t key)
{
	/* Fibonacci hashing: consecutive page numbers spread out */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (m->cap - 1);
}

void u64map_init(struct u64map *m)
{
	m->keys = m->vals = NULL;
	m->cap = m->count = 0;
}

void u64map_destroy(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m);
}

static size_t find(const struct u64map *m, uint64_t key, bool *found)
{
	size_t i = slot_of(m, key);

	while (m->keys[i]) {
		if (m->keys[i] == key + 1) {
			*found = true;
			return i;
		}
		i = (i + 1) & (m->cap - 1);
	}
	*found = false;
	return i;
}

static int grow(struct u64map *m)
{
	struct u64map bigger;
	size_t i;

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.count = 0;
	bigger.keys = calloc(bigger.cap, sizeof(uint64_t));
	bigger.vals = malloc(bigger.cap * sizeof(uint64_t));
	if (!bigger.keys || !bigger.vals) {
		free(bigger.keys);
		free(bigger.vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i]) {
			bool found;
			size_t j = find(&bigger, m->keys[i] - 1, &found);

			bigger.keys[j] = m->keys[i];
			bigger.vals[j] = m->vals[i];
			bigger.count++;
		}
	}
	free(m->keys);
	free(m->vals);
	*m = bigger;
	return 0;
}

int u64map_store(struct u64map *m, uint64_t key, uint64_t val)
{
	bool found = false;
	size_t i = 0;

	if (m->cap)
		i = find(m, key, &found);
	if (found) {
		m->vals[i] = val;
		return 0;
	}
	/* keep the load under 1/2 so probe runs stay short */
	if ((m->count + 1) * 2 > m->cap) {
		if (grow(m))
			return -ENOMEM;
		i = find(m, key, &found);
	}
	m->keys[i] = key + 1;
	m->vals[i] = val;
	m->count++;
	return 0;
}

bool u64map_load(const struct u64map *m, uint64_t key, uint64_t *val)
{
	bool found = false;
	size_t i;

	if (!m->count)
		return false;
	i = find(m, key, &found);
	if (found && val)
		*val = m->vals[i];
	return found;
}

bool u64map_erase(struct u64map *m, uint64_t key)
{
	bool found = false;
	size_t i, j;

	if (!m->count)
		return false;
	i = find(m, key, &found);
	if (!found)
		return false;
	/* backward shift: pull later entries of the run into the hole */
	for (j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		size_t home = slot_of(m, m->keys[j] - 1);

		/* entry j may move to i if i lies cyclically in [home, j) */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->count--;
	return true;
}
