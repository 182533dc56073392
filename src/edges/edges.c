/* SPDX-License-Identifier: Apache-2.0 */
#include "edges/edges.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/hash.h"

#define MIN_HASH 1024

/* The kernel's counter kinds, in struct ctopo_edge_counts order. */
enum { K_OPENED, K_REFUSED, K_TIMED_OUT, K_FAILED, K_CLOSED, K_MAX };

struct edge_node {
	struct edge_record rec;
	size_t cap;             /* of rec.buckets */
	uint64_t ring[K_MAX];   /* what the ring delivered, since the edge was made */
	uint64_t kernel[K_MAX]; /* what the kernel counted, since the edge was made */
	uint64_t added[K_MAX];  /* of the difference, what was added without detail */
	struct edge_node *hash_next;
	struct edge_node *lru_prev, *lru_next; /* least recently active first */
};

struct edges {
	struct edges_options o;
	struct edge_node **hash;
	size_t nhash; /* a power of two */
	size_t count;
	struct edge_node *lru_head, *lru_tail;
	struct edges_stats stats;
	uint64_t buckets;
};

/* ---- bucket arithmetic -------------------------------------------------------------------- */

void edge_counters_add(struct edge_counters *into, const struct edge_counters *c)
{
	into->opened += c->opened;
	into->closed += c->closed;
	into->refused += c->refused;
	into->timed_out += c->timed_out;
	into->failed += c->failed;
	into->bytes_sent += c->bytes_sent;
	into->bytes_received += c->bytes_received;
	into->duration_sum_ns += c->duration_sum_ns;
	if (c->duration_max_ns > into->duration_max_ns)
		into->duration_max_ns = c->duration_max_ns;
	into->not_itemised += c->not_itemised;
}

bool edge_window_sum(const struct edge_bucket *b, size_t n, uint64_t since_ns, uint64_t now_ns,
		     struct edge_counters *sum, uint64_t *first, uint64_t *last)
{
	uint64_t from = since_ns && since_ns < now_ns ? now_ns - since_ns : 0;
	uint64_t f = 0, l = 0;
	bool any = false;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < n; i++) {
		if (b[i].start_ns + b[i].width_ns <= from || b[i].start_ns > now_ns)
			continue;
		edge_counters_add(sum, &b[i].c);
		if (b[i].first_ns && (!f || b[i].first_ns < f))
			f = b[i].first_ns;
		if (b[i].last_ns > l)
			l = b[i].last_ns;
		any = true;
	}
	if (first)
		*first = f;
	if (last)
		*last = l;
	return any;
}

/* ---- keys --------------------------------------------------------------------------------- */

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void edge_key_normalize(struct ctopo_edge_key *key)
{
	size_t len = strnlen(key->comm, sizeof(key->comm));

	memset(key->comm + len, 0, sizeof(key->comm) - len);
	memset(key->pad, 0, sizeof(key->pad));
	if (key->family == AF_INET6 && !memcmp(key->addr, v4_mapped_prefix, 12)) {
		key->family = AF_INET;
		memmove(key->addr, key->addr + 12, 4);
	}
	if (key->family == AF_INET)
		memset(key->addr + 4, 0, 12);
	/* a server is its local port: a dual-stack listener's IPv4 clients arrive on an AF_INET6
	 * socket, which the ring's events call AF_INET */
	if (key->role == CTOPO_EDGE_SERVER) {
		key->family = 0;
		memset(key->addr, 0, sizeof(key->addr));
	}
}

int edge_key_from_event(const struct ctopo_event *ev, struct ctopo_edge_key *ret)
{
	struct ctopo_edge_key k = {
		.cgroup_id = ev->cgroup_id, .netns = ev->netns, .mntns = ev->mntns, .family = ev->family
	};

	switch (ev->type) {
	case CTOPO_EV_CONNECT:
	case CTOPO_EV_CONNECT_FAILED:
		k.role = CTOPO_EDGE_CLIENT;
		break;
	case CTOPO_EV_ACCEPT:
		k.role = CTOPO_EDGE_SERVER;
		break;
	case CTOPO_EV_CLOSE:
		if (ev->direction == CTOPO_DIR_OUTBOUND)
			k.role = CTOPO_EDGE_CLIENT;
		else if (ev->direction == CTOPO_DIR_INBOUND)
			k.role = CTOPO_EDGE_SERVER;
		else
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (k.role == CTOPO_EDGE_CLIENT) {
		memcpy(k.addr, ev->daddr, sizeof(k.addr));
		k.port = ev->dport;
	} else {
		k.port = ev->sport;
	}
	memcpy(k.comm, ev->comm, sizeof(k.comm));
	k.comm[sizeof(k.comm) - 1] = '\0';
	edge_key_normalize(&k);
	*ret = k;
	return 0;
}

/* ---- the store ---------------------------------------------------------------------------- */

static uint64_t key_hash(const struct ctopo_edge_key *key)
{
	return hash_bytes(hash_seed(), key, sizeof(*key));
}

int edges_new(const struct edges_options *o, struct edges **ret)
{
	struct edges *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->o = o ? *o : (struct edges_options){ 0 };
	if (!s->o.max_edges)
		s->o.max_edges = EDGES_DEFAULT_MAX;
	if (!s->o.history_ns)
		s->o.history_ns = EDGES_DEFAULT_HISTORY_NS;
	s->nhash = MIN_HASH;
	s->hash = calloc(s->nhash, sizeof(*s->hash));
	if (!s->hash) {
		free(s);
		return -ENOMEM;
	}
	s->stats.max_edges = s->o.max_edges;
	*ret = s;
	return 0;
}

void edges_free(struct edges *s)
{
	struct edge_node *n, *next;

	if (!s)
		return;
	for (n = s->lru_head; n; n = next) {
		next = n->lru_next;
		free(n->rec.buckets);
		free(n);
	}
	free(s->hash);
	free(s);
}

uint64_t edges_history_ns(const struct edges *s)
{
	return s->o.history_ns;
}

static struct edge_node *find(const struct edges *s, const struct ctopo_edge_key *key)
{
	struct edge_node *n = s->hash[key_hash(key) & (s->nhash - 1)];

	for (; n; n = n->hash_next)
		if (!memcmp(&n->rec.key, key, sizeof(*key)))
			return n;
	return NULL;
}

const struct edge_record *edges_lookup(const struct edges *s, const struct ctopo_edge_key *key)
{
	struct edge_node *n = find(s, key);

	return n ? &n->rec : NULL;
}

static void lru_unlink(struct edges *s, struct edge_node *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else
		s->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else
		s->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = NULL;
}

static void lru_append(struct edges *s, struct edge_node *n)
{
	n->lru_prev = s->lru_tail;
	n->lru_next = NULL;
	if (s->lru_tail)
		s->lru_tail->lru_next = n;
	else
		s->lru_head = n;
	s->lru_tail = n;
}

static void touch(struct edges *s, struct edge_node *n)
{
	if (s->lru_tail == n)
		return;
	lru_unlink(s, n);
	lru_append(s, n);
}

static void remove_node(struct edges *s, struct edge_node *n)
{
	struct edge_node **pp = &s->hash[key_hash(&n->rec.key) & (s->nhash - 1)];

	for (; *pp; pp = &(*pp)->hash_next)
		if (*pp == n) {
			*pp = n->hash_next;
			break;
		}
	lru_unlink(s, n);
	s->buckets -= n->rec.n_buckets;
	s->count--;
	free(n->rec.buckets);
	free(n);
}

/* Double the hash when chains would grow past 1 on average; failing to is harmless. */
static void maybe_grow(struct edges *s)
{
	size_t nh = s->nhash * 2;
	struct edge_node **h;

	if (s->count < s->nhash)
		return;
	h = calloc(nh, sizeof(*h));
	if (!h)
		return;
	for (size_t i = 0; i < s->nhash; i++) {
		struct edge_node *n = s->hash[i];

		while (n) {
			struct edge_node *next = n->hash_next;
			size_t j = key_hash(&n->rec.key) & (nh - 1);

			n->hash_next = h[j];
			h[j] = n;
			n = next;
		}
	}
	free(s->hash);
	s->hash = h;
	s->nhash = nh;
}

static struct edge_node *get_node(struct edges *s, const struct ctopo_edge_key *key)
{
	struct edge_node *n = find(s, key);
	size_t b;

	if (n)
		return n;
	while (s->count >= s->o.max_edges && s->lru_head) {
		remove_node(s, s->lru_head);
		s->stats.evicted++;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->rec.key = *key;
	b = key_hash(key) & (s->nhash - 1);
	n->hash_next = s->hash[b];
	s->hash[b] = n;
	lru_append(s, n);
	s->count++;
	maybe_grow(s);
	return n;
}

/* The fine bucket holding ts, made when missing (kept in start order). */
static struct edge_bucket *bucket_at(struct edges *s, struct edge_node *n, uint64_t ts)
{
	uint64_t start = ts - ts % EDGES_FINE_NS;
	size_t i = n->rec.n_buckets;
	struct edge_bucket *b;

	/* events come nearly in order: look from the newest end */
	while (i > 0 && n->rec.buckets[i - 1].start_ns > start)
		i--;
	if (i > 0 && n->rec.buckets[i - 1].start_ns == start && n->rec.buckets[i - 1].width_ns == EDGES_FINE_NS)
		return &n->rec.buckets[i - 1];
	if (n->rec.n_buckets == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct edge_bucket *grown = realloc(n->rec.buckets, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		n->rec.buckets = grown;
		n->cap = cap;
	}
	memmove(&n->rec.buckets[i + 1], &n->rec.buckets[i], (n->rec.n_buckets - i) * sizeof(*b));
	b = &n->rec.buckets[i];
	*b = (struct edge_bucket){ .start_ns = start, .width_ns = EDGES_FINE_NS };
	n->rec.n_buckets++;
	s->buckets++;
	return b;
}

static void note_time(struct edge_node *n, struct edge_bucket *b, uint64_t ts)
{
	if (!b->first_ns || ts < b->first_ns)
		b->first_ns = ts;
	if (ts > b->last_ns)
		b->last_ns = ts;
	if (!n->rec.first_ns || ts < n->rec.first_ns)
		n->rec.first_ns = ts;
	if (ts > n->rec.last_ns)
		n->rec.last_ns = ts;
}

static int failure_kind(int error)
{
	if (error == ECONNREFUSED)
		return K_REFUSED;
	if (error == ETIMEDOUT)
		return K_TIMED_OUT;
	return K_FAILED;
}

int edges_fold_event(struct edges *s, const struct ctopo_event *ev, const struct edge_nat *nat)
{
	struct ctopo_edge_key key;
	struct edge_node *n;
	struct edge_bucket *b;
	int r = edge_key_from_event(ev, &key);

	if (r < 0)
		return r;
	n = get_node(s, &key);
	if (!n)
		return -ENOMEM;
	b = bucket_at(s, n, ev->ts_ns);
	if (!b)
		return -ENOMEM;
	touch(s, n);
	note_time(n, b, ev->ts_ns);
	s->stats.folded++;
	switch (ev->type) {
	case CTOPO_EV_CONNECT:
	case CTOPO_EV_ACCEPT:
		b->c.opened++;
		n->ring[K_OPENED]++;
		if (ev->pid)
			n->rec.last_pid = ev->pid;
		if (nat && nat->nat)
			n->rec.nat = *nat;
		break;
	case CTOPO_EV_CONNECT_FAILED:
		switch (failure_kind(ev->error)) {
		case K_REFUSED:
			b->c.refused++;
			n->ring[K_REFUSED]++;
			break;
		case K_TIMED_OUT:
			b->c.timed_out++;
			n->ring[K_TIMED_OUT]++;
			break;
		default:
			b->c.failed++;
			n->ring[K_FAILED]++;
			break;
		}
		if (ev->pid)
			n->rec.last_pid = ev->pid;
		b->c.duration_sum_ns += ev->duration_ns;
		if (ev->duration_ns > b->c.duration_max_ns)
			b->c.duration_max_ns = ev->duration_ns;
		break;
	case CTOPO_EV_CLOSE:
		b->c.closed++;
		n->ring[K_CLOSED]++;
		b->c.bytes_sent += ev->bytes_sent;
		b->c.bytes_received += ev->bytes_received;
		b->c.duration_sum_ns += ev->duration_ns;
		if (ev->duration_ns > b->c.duration_max_ns)
			b->c.duration_max_ns = ev->duration_ns;
		break;
	}
	return 0;
}

int edges_apply_kernel(struct edges *s, const struct ctopo_edge_key *key, const struct ctopo_edge_counts *delta,
		       uint64_t now_ns)
{
	const uint64_t d[K_MAX] = { delta->opened, delta->refused, delta->timed_out, delta->failed, delta->closed };
	struct ctopo_edge_key k = *key;
	struct edge_node *n;
	struct edge_bucket *b = NULL;

	edge_key_normalize(&k);
	n = get_node(s, &k);
	if (!n)
		return -ENOMEM;
	s->stats.kernel_keys++;
	for (int t = 0; t < K_MAX; t++) {
		uint64_t want, extra;

		n->kernel[t] += d[t];
		/* the ring runs ahead of the counters (they are read an interval late), never behind
		 * except by what it lost: what the kernel counted beyond it is the loss so far */
		want = n->kernel[t] > n->ring[t] ? n->kernel[t] - n->ring[t] : 0;
		if (want <= n->added[t])
			continue;
		extra = want - n->added[t];
		n->added[t] = want;
		if (!b) {
			b = bucket_at(s, n, now_ns);
			if (!b)
				return -ENOMEM;
			touch(s, n);
			note_time(n, b, now_ns);
		}
		switch (t) {
		case K_OPENED:
			b->c.opened += extra;
			break;
		case K_REFUSED:
			b->c.refused += extra;
			break;
		case K_TIMED_OUT:
			b->c.timed_out += extra;
			break;
		case K_FAILED:
			b->c.failed += extra;
			break;
		case K_CLOSED:
			b->c.closed += extra;
			break;
		}
		if (t != K_OPENED) {
			b->c.not_itemised += extra;
			s->stats.not_itemised += extra;
		}
	}
	return 0;
}

/* Merge fine buckets older than the fine span into minute buckets and drop what is past the
 * history; buckets stay in start order. */
static void compact(struct edges *s, struct edge_node *n, uint64_t now_ns)
{
	uint64_t fine_from = now_ns > EDGES_FINE_SPAN_NS ? now_ns - EDGES_FINE_SPAN_NS : 0;
	uint64_t keep_from = now_ns > s->o.history_ns ? now_ns - s->o.history_ns : 0;
	struct edge_bucket *v = n->rec.buckets;
	size_t out = 0;

	for (size_t i = 0; i < n->rec.n_buckets; i++) {
		struct edge_bucket b = v[i];

		if (b.start_ns + b.width_ns <= keep_from)
			continue;
		if (b.width_ns == EDGES_FINE_NS && b.start_ns + b.width_ns <= fine_from) {
			uint64_t start = b.start_ns - b.start_ns % EDGES_COARSE_NS;

			b.start_ns = start;
			b.width_ns = EDGES_COARSE_NS;
			/* fine buckets of one minute are adjacent and come after their minute's coarse one */
			if (out > 0 && v[out - 1].width_ns == EDGES_COARSE_NS && v[out - 1].start_ns == start) {
				struct edge_bucket *m = &v[out - 1];

				edge_counters_add(&m->c, &b.c);
				if (b.first_ns && (!m->first_ns || b.first_ns < m->first_ns))
					m->first_ns = b.first_ns;
				if (b.last_ns > m->last_ns)
					m->last_ns = b.last_ns;
				continue;
			}
		}
		v[out++] = b;
	}
	s->buckets -= n->rec.n_buckets - out;
	n->rec.n_buckets = out;
}

void edges_maintain(struct edges *s, uint64_t now_ns)
{
	uint64_t fine_from = now_ns > EDGES_FINE_SPAN_NS ? now_ns - EDGES_FINE_SPAN_NS : 0;
	uint64_t keep_from = now_ns > s->o.history_ns ? now_ns - s->o.history_ns : 0;
	struct edge_node *n, *next;

	for (n = s->lru_head; n; n = next) {
		const struct edge_bucket *oldest = n->rec.n_buckets ? &n->rec.buckets[0] : NULL;
		bool old_fine = false;

		next = n->lru_next;
		/* most edges are idle: compact only those with something to merge or drop (the oldest
		 * fine bucket follows the coarse ones) */
		for (size_t i = 0; i < n->rec.n_buckets; i++)
			if (n->rec.buckets[i].width_ns == EDGES_FINE_NS) {
				old_fine = n->rec.buckets[i].start_ns + EDGES_FINE_NS <= fine_from;
				break;
			}
		if (old_fine || (oldest && oldest->start_ns + oldest->width_ns <= keep_from))
			compact(s, n, now_ns);
		if (n->rec.n_buckets == 0) {
			remove_node(s, n);
			s->stats.expired++;
		}
	}
}

void edges_records_free(struct edge_record *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		free(r[i].buckets);
	free(r);
}

int edges_snapshot(const struct edges *s, struct edge_record **ret, size_t *ret_n)
{
	struct edge_record *v = calloc(s->count ? s->count : 1, sizeof(*v));
	size_t i = 0;

	if (!v)
		return -ENOMEM;
	for (const struct edge_node *n = s->lru_head; n; n = n->lru_next, i++) {
		v[i] = n->rec;
		v[i].buckets = NULL;
		if (!n->rec.n_buckets)
			continue;
		v[i].buckets = malloc(n->rec.n_buckets * sizeof(*v[i].buckets));
		if (!v[i].buckets) {
			edges_records_free(v, i);
			return -ENOMEM;
		}
		memcpy(v[i].buckets, n->rec.buckets, n->rec.n_buckets * sizeof(*v[i].buckets));
	}
	*ret = v;
	*ret_n = i;
	return 0;
}

void edges_get_stats(const struct edges *s, struct edges_stats *ret)
{
	*ret = s->stats;
	ret->edges = s->count;
	ret->buckets = s->buckets;
	ret->memory_bytes = sizeof(*s) + s->nhash * sizeof(*s->hash);
	for (const struct edge_node *n = s->lru_head; n; n = n->lru_next)
		ret->memory_bytes += sizeof(*n) + n->cap * sizeof(struct edge_bucket);
}
