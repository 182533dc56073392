/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/cgroup_ids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t cgroup_id;
	uint64_t learnt_ns;
	char container_id[CGROUP_ID_LEN + 1];
	struct entry *next;
};

struct cgroup_ids {
	struct entry **buckets;
	size_t n_buckets; /* a power of two */
	size_t n;
};

#define INITIAL_BUCKETS 256

static size_t bucket_of(uint64_t v, size_t n_buckets)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return v & (n_buckets - 1);
}

int cgroup_ids_new(struct cgroup_ids **ret)
{
	struct cgroup_ids *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->n_buckets = INITIAL_BUCKETS;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

void cgroup_ids_free(struct cgroup_ids *t)
{
	if (!t)
		return;
	for (size_t b = 0; b < t->n_buckets; b++)
		for (struct entry *e = t->buckets[b], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	free(t->buckets);
	free(t);
}

static struct entry *find(const struct cgroup_ids *t, uint64_t cgroup_id)
{
	for (struct entry *e = t->buckets[bucket_of(cgroup_id, t->n_buckets)]; e; e = e->next)
		if (e->cgroup_id == cgroup_id)
			return e;
	return NULL;
}

/* Keep chains short; without memory for a bigger table the chains grow, still correct. */
static void maybe_grow(struct cgroup_ids *t)
{
	size_t n_buckets = t->n_buckets * 2;
	struct entry **buckets;

	if (t->n < t->n_buckets * 2)
		return;
	buckets = calloc(n_buckets, sizeof(*buckets));
	if (!buckets)
		return;
	for (size_t b = 0; b < t->n_buckets; b++)
		for (struct entry *e = t->buckets[b], *next; e; e = next) {
			size_t nb = bucket_of(e->cgroup_id, n_buckets);

			next = e->next;
			e->next = buckets[nb];
			buckets[nb] = e;
		}
	free(t->buckets);
	t->buckets = buckets;
	t->n_buckets = n_buckets;
}

int cgroup_ids_learn(struct cgroup_ids *t, uint64_t cgroup_id, const char *path, bool truncated, uint64_t now_ns)
{
	char id[CGROUP_ID_LEN + 1];
	struct entry *e;
	size_t b;

	if (!cgroup_id || !path)
		return 0;
	if (truncated) {
		/* the first component is a cut one: never read an id out of a fragment */
		path = strchr(path, '/');
		if (!path)
			return 0;
	}
	if (cgroup_container_id_from_path(path, id, NULL) < 0)
		return 0;
	e = find(t, cgroup_id);
	if (e) {
		memcpy(e->container_id, id, sizeof(id));
		e->learnt_ns = now_ns;
		return 1;
	}
	if (t->n >= CGROUP_IDS_MAX)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cgroup_id = cgroup_id;
	e->learnt_ns = now_ns;
	memcpy(e->container_id, id, sizeof(id));
	b = bucket_of(cgroup_id, t->n_buckets);
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->n++;
	maybe_grow(t);
	return 1;
}

const char *cgroup_ids_lookup(const struct cgroup_ids *t, uint64_t cgroup_id)
{
	const struct entry *e = cgroup_id ? find(t, cgroup_id) : NULL;

	return e ? e->container_id : NULL;
}

size_t cgroup_ids_expire(struct cgroup_ids *t, uint64_t cutoff_ns, cgroup_ids_keep_fn keep, void *userdata)
{
	size_t removed = 0;

	for (size_t b = 0; b < t->n_buckets; b++)
		for (struct entry **pp = &t->buckets[b]; *pp;) {
			struct entry *e = *pp;

			if (e->learnt_ns < cutoff_ns && !(keep && keep(e->container_id, userdata))) {
				*pp = e->next;
				free(e);
				t->n--;
				removed++;
			} else {
				pp = &e->next;
			}
		}
	return removed;
}

size_t cgroup_ids_count(const struct cgroup_ids *t)
{
	return t->n;
}

size_t cgroup_ids_count_unknown(const struct cgroup_ids *t, uint64_t since_ns, cgroup_ids_keep_fn known, void *userdata)
{
	size_t n = 0;

	for (size_t b = 0; b < t->n_buckets; b++)
		for (const struct entry *e = t->buckets[b]; e; e = e->next)
			if (e->learnt_ns >= since_ns && !known(e->container_id, userdata))
				n++;
	return n;
}
