/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/conntable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/hash.h"
#include "common/util.h"

#define DEFAULT_MAX_ENTRIES 262144
#define MIN_BUCKETS 1024

/* Each node sits in one hash chain and in exactly one of two age lists: open entries in the order
 * they were made, closed ones in the order they closed. The heads are the eviction candidates. */
struct conn_node {
	struct conn c;
	struct conn_node *hash_next;
	struct conn_node *age_prev, *age_next;
	uint64_t snapshot_ns; /* when a snapshot last saw this socket open; 0: never */
	uint32_t sync_gen;
	bool retired; /* closed, its tuple reused: out of the hash, waiting for the report */
};

struct age_list {
	struct conn_node *head, *tail;
};

struct conntable {
	struct conn_node **buckets;
	size_t nbuckets; /* a power of two */
	size_t count, max;
	uint64_t seed;
	struct age_list open, closed;
	struct conntable_stats stats;
	uint64_t evicted_at_last_report;
	uint32_t sync_gen;
	uint64_t sync_start_ns;
	bool syncing;
	bool forget_closed;
};

const char *conn_direction_name(unsigned direction)
{
	switch (direction) {
	case CONN_DIR_OUTBOUND:
		return "outbound";
	case CONN_DIR_INBOUND:
		return "inbound";
	case CONN_DIR_LISTENING:
		return "listening";
	default:
		return "unknown";
	}
}

const char *conn_state_name(unsigned state)
{
	switch (state) {
	case CONN_ESTABLISHED:
		return "established";
	case CONN_CLOSED:
		return "closed";
	case CONN_FAILED:
		return "failed";
	default:
		return "?";
	}
}

void conn_key_init(struct conn_key *key, uint32_t netns, uint16_t family, const uint8_t local_addr[16],
		   uint16_t local_port, const uint8_t remote_addr[16], uint16_t remote_port)
{
	static const uint8_t zero[16];

	memset(key, 0, sizeof(*key));
	key->netns = netns;
	key->family = family;
	key->local_port = local_port;
	key->remote_port = remote_port;
	memcpy(key->local_addr, local_addr, 16);
	memcpy(key->remote_addr, remote_addr, 16);
	if (family == AF_INET) {
		memset(key->local_addr + 4, 0, 12);
		memset(key->remote_addr + 4, 0, 12);
		return;
	}
	/* one socket has one family: normalise only when both ends are IPv4 underneath */
	uint16_t lf = AF_INET6, rf = AF_INET6;
	uint8_t l[16], r[16];

	memcpy(l, local_addr, 16);
	memcpy(r, remote_addr, 16);
	addr_normalize(&lf, l);
	addr_normalize(&rf, r);
	if ((lf == AF_INET || !memcmp(local_addr, zero, 16)) && (rf == AF_INET || !memcmp(remote_addr, zero, 16)) &&
	    (lf == AF_INET || rf == AF_INET)) {
		key->family = AF_INET;
		memcpy(key->local_addr, l, 16);
		memcpy(key->remote_addr, r, 16);
	}
}

static uint64_t key_hash(const struct conntable *t, const struct conn_key *key)
{
	return hash_bytes(t->seed, key, sizeof(*key));
}

static void list_append(struct age_list *l, struct conn_node *n)
{
	n->age_next = NULL;
	n->age_prev = l->tail;
	if (l->tail)
		l->tail->age_next = n;
	else
		l->head = n;
	l->tail = n;
}

static void list_unlink(struct age_list *l, struct conn_node *n)
{
	if (n->age_prev)
		n->age_prev->age_next = n->age_next;
	else
		l->head = n->age_next;
	if (n->age_next)
		n->age_next->age_prev = n->age_prev;
	else
		l->tail = n->age_prev;
	n->age_prev = n->age_next = NULL;
}

static struct age_list *list_of(struct conntable *t, const struct conn_node *n)
{
	return n->c.state == CONN_ESTABLISHED ? &t->open : &t->closed;
}

int conntable_new(size_t max_entries, struct conntable **ret)
{
	_cleanup_free_ struct conntable *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->max = max_entries ? max_entries : DEFAULT_MAX_ENTRIES;
	t->nbuckets = MIN_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->seed = hash_seed();
	t->stats.max_entries = t->max;
	*ret = TAKE_PTR(t);
	return 0;
}

static void free_list(struct age_list *l)
{
	struct conn_node *n = l->head;

	while (n) {
		struct conn_node *next = n->age_next;

		free(n);
		n = next;
	}
	l->head = l->tail = NULL;
}

void conntable_free(struct conntable *t)
{
	if (!t)
		return;
	free_list(&t->open);
	free_list(&t->closed);
	free(t->buckets);
	free(t);
}

void conntable_forget_closed(struct conntable *t, bool forget)
{
	t->forget_closed = forget;
}

size_t conntable_size(const struct conntable *t)
{
	return t->count;
}

static struct conn_node *find_node(const struct conntable *t, const struct conn_key *key)
{
	struct conn_node *n = t->buckets[key_hash(t, key) & (t->nbuckets - 1)];

	for (; n; n = n->hash_next)
		if (!memcmp(&n->c.key, key, sizeof(*key)))
			return n;
	return NULL;
}

const struct conn *conntable_lookup(const struct conntable *t, const struct conn_key *key)
{
	struct conn_node *n = find_node(t, key);

	return n ? &n->c : NULL;
}

static void hash_unlink(struct conntable *t, struct conn_node *n)
{
	struct conn_node **pp = &t->buckets[key_hash(t, &n->c.key) & (t->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hash_next)
		if (*pp == n) {
			*pp = n->hash_next;
			return;
		}
}

static void remove_node(struct conntable *t, struct conn_node *n)
{
	if (!n->retired)
		hash_unlink(t, n);
	list_unlink(list_of(t, n), n);
	t->count--;
	free(n);
}

/* Double the buckets when chains would grow past 1 on average. Failure is harmless: chains get
 * longer, nothing is lost. */
static void maybe_grow(struct conntable *t)
{
	size_t nb = t->nbuckets * 2;
	struct conn_node **b;

	if (t->count < t->nbuckets)
		return;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct conn_node *n = t->buckets[i];

		while (n) {
			struct conn_node *next = n->hash_next;
			size_t j = key_hash(t, &n->c.key) & (nb - 1);

			n->hash_next = b[j];
			b[j] = n;
			n = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

/* Make room for one more: the oldest closed entry goes first, then the oldest open one. */
static void evict_one(struct conntable *t)
{
	if (t->closed.head) {
		remove_node(t, t->closed.head);
		t->stats.evicted_closed++;
	} else if (t->open.head) {
		remove_node(t, t->open.head);
		t->stats.evicted_open++;
	}
}

static struct conn_node *insert_node(struct conntable *t, const struct conn_key *key, uint8_t state)
{
	struct conn_node *n;
	size_t b;

	while (t->count >= t->max && t->count > 0)
		evict_one(t);
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->c.key = *key;
	n->c.state = state;
	b = key_hash(t, key) & (t->nbuckets - 1);
	n->hash_next = t->buckets[b];
	t->buckets[b] = n;
	list_append(state == CONN_ESTABLISHED ? &t->open : &t->closed, n);
	t->count++;
	t->stats.inserted++;
	maybe_grow(t);
	return n;
}

static void set_state(struct conntable *t, struct conn_node *n, uint8_t state)
{
	struct age_list *from = list_of(t, n);

	n->c.state = state;
	/* a close always re-queues: the closed list is ordered by the time of closing */
	if (from != list_of(t, n) || state != CONN_ESTABLISHED) {
		list_unlink(from, n);
		list_append(list_of(t, n), n);
	}
}

/* A new connection on the tuple of a closed one: the closed one must still reach the next report
 * (a loopback storm reuses ports within one interval), so it leaves the hash but keeps its place
 * in the closed list until the report takes it; the new connection gets a node of its own, with
 * nothing of the old one in it. Returns the new node, or NULL on ENOMEM. */
static struct conn_node *replace_closed(struct conntable *t, struct conn_node *old, uint8_t state)
{
	struct conn_key key = old->c.key;

	hash_unlink(t, old);
	old->retired = true;
	t->stats.replaced++;
	return insert_node(t, &key, state);
}

static void take_process(struct conn *c, const struct ctopo_event *ev)
{
	c->pid = ev->pid;
	c->mntns = ev->mntns;
	c->cgroup_id = ev->cgroup_id;
	memcpy(c->comm, ev->comm, sizeof(c->comm));
	c->comm[sizeof(c->comm) - 1] = '\0';
}

static int apply_open(struct conntable *t, struct conn_node *n, const struct conn_key *key,
		      const struct ctopo_event *ev)
{
	bool snapshot_is_newer;

	if (!n) {
		n = insert_node(t, key, CONN_ESTABLISHED);
		if (!n)
			return -ENOMEM;
	} else if (n->c.state != CONN_ESTABLISHED) {
		n = replace_closed(t, n, CONN_ESTABLISHED);
		if (!n)
			return -ENOMEM;
	}
	snapshot_is_newer = n->snapshot_ns > ev->ts_ns && n->c.pid != 0;
	/* pid, comm, mntns and cgroup always travel together, so an entry never mixes two processes;
	 * the fd holder a later snapshot found is the more current answer */
	if (ev->pid && !snapshot_is_newer)
		take_process(&n->c, ev);
	n->c.direction = ev->type == CTOPO_EV_CONNECT ? CONN_DIR_OUTBOUND : CONN_DIR_INBOUND;
	if (!n->c.first_seen_ns || ev->ts_ns < n->c.first_seen_ns)
		n->c.first_seen_ns = ev->ts_ns;
	if (ev->ts_ns > n->c.last_seen_ns)
		n->c.last_seen_ns = ev->ts_ns;
	if (!snapshot_is_newer)
		n->c.source = CONN_SRC_EVENT;
	return 0;
}

static int apply_end(struct conntable *t, struct conn_node *n, const struct conn_key *key, const struct ctopo_event *ev)
{
	uint8_t state = ev->type == CTOPO_EV_CLOSE ? CONN_CLOSED : CONN_FAILED;

	/* a snapshot that began after this event still saw the tuple open: that socket is a newer
	 * one than the one this event ends */
	if (n && n->c.state == CONN_ESTABLISHED && n->snapshot_ns > ev->ts_ns) {
		t->stats.stale_events++;
		return 0;
	}
	if (!n) {
		n = insert_node(t, key, state);
		if (!n)
			return -ENOMEM;
	} else if (n->c.state != CONN_ESTABLISHED) {
		/* a second close on the tuple: a new connection we missed opening */
		n = replace_closed(t, n, state);
		if (!n)
			return -ENOMEM;
	} else {
		set_state(t, n, state);
	}
	if (ev->pid)
		take_process(&n->c, ev);
	if (ev->direction != CTOPO_DIR_UNKNOWN)
		n->c.direction = ev->direction;
	n->c.source = CONN_SRC_EVENT;
	n->c.error = ev->error;
	n->c.bytes_sent = ev->bytes_sent;
	n->c.bytes_received = ev->bytes_received;
	n->c.duration_ns = ev->duration_ns;
	if (!n->c.first_seen_ns || (ev->duration_ns < ev->ts_ns && ev->ts_ns - ev->duration_ns < n->c.first_seen_ns))
		n->c.first_seen_ns = ev->duration_ns < ev->ts_ns ? ev->ts_ns - ev->duration_ns : ev->ts_ns;
	n->c.last_seen_ns = ev->ts_ns;
	return 0;
}

int conntable_apply_event(struct conntable *t, const struct ctopo_event *ev)
{
	struct conn_key key;
	struct conn_node *n;

	if (ev->family != AF_INET && ev->family != AF_INET6)
		return -EINVAL;
	conn_key_init(&key, ev->netns, ev->family, ev->saddr, ev->sport, ev->daddr, ev->dport);
	n = find_node(t, &key);
	switch (ev->type) {
	case CTOPO_EV_CONNECT:
	case CTOPO_EV_ACCEPT:
		return apply_open(t, n, &key, ev);
	case CTOPO_EV_CONNECT_FAILED:
	case CTOPO_EV_CLOSE: {
		int r = apply_end(t, n, &key, ev);

		n = r < 0 || !t->forget_closed ? NULL : find_node(t, &key);
		if (n && n->c.state != CONN_ESTABLISHED)
			remove_node(t, n);
		return r;
	}
	default:
		return -EINVAL;
	}
}

void conntable_sync_begin(struct conntable *t, uint64_t now_ns)
{
	t->sync_gen++;
	t->sync_start_ns = now_ns;
	t->syncing = true;
}

static void take_observation(struct conn *c, const struct conn_observation *obs)
{
	c->pid = obs->pid;
	c->mntns = obs->mntns;
	c->cgroup_id = obs->cgroup_id;
	memcpy(c->comm, obs->comm, sizeof(c->comm));
	c->comm[sizeof(c->comm) - 1] = '\0';
}

int conntable_upsert_snapshot(struct conntable *t, const struct conn_observation *obs, uint64_t now_ns)
{
	struct conn_node *n = find_node(t, &obs->key);

	if (n && n->c.state != CONN_ESTABLISHED) {
		/* closed after this snapshot began: the snapshot saw it still open, not a new one */
		if (n->c.last_seen_ns >= now_ns)
			return 0;
		n = replace_closed(t, n, CONN_ESTABLISHED);
		if (!n)
			return -ENOMEM;
		n->c.source = obs->source;
	}
	if (!n) {
		n = insert_node(t, &obs->key, CONN_ESTABLISHED);
		if (!n)
			return -ENOMEM;
		n->c.source = obs->source;
	}
	if (!n->c.first_seen_ns)
		n->c.first_seen_ns = now_ns;
	if (now_ns > n->c.last_seen_ns)
		n->c.last_seen_ns = now_ns;
	/* the tracker knows the connect() caller exactly; a snapshot only fills what is missing */
	if (obs->pid && (n->c.pid == 0 || n->c.source != CONN_SRC_EVENT)) {
		take_observation(&n->c, obs);
		n->c.source = obs->source;
	}
	if (!n->c.cgroup_id && obs->cgroup_id)
		n->c.cgroup_id = obs->cgroup_id;
	if (n->c.direction == CONN_DIR_UNKNOWN || obs->direction == CONN_DIR_LISTENING)
		n->c.direction = obs->direction;
	if (obs->inode)
		n->c.inode = obs->inode;
	n->snapshot_ns = now_ns;
	n->sync_gen = t->sync_gen;
	return 0;
}

void conntable_sync_end(struct conntable *t, bool listeners_only, uint32_t only_netns, uint64_t now_ns)
{
	struct conn_node *n, *next;

	if (!t->syncing)
		return;
	t->syncing = false;
	for (n = t->open.head; n; n = next) {
		next = n->age_next;
		if (n->sync_gen == t->sync_gen || n->c.last_seen_ns >= t->sync_start_ns)
			continue;
		if (listeners_only && n->c.direction != CONN_DIR_LISTENING)
			continue;
		if (only_netns && n->c.key.netns != only_netns)
			continue;
		set_state(t, n, CONN_CLOSED);
		n->c.last_seen_ns = now_ns;
		n->c.duration_ns = now_ns > n->c.first_seen_ns ? now_ns - n->c.first_seen_ns : 0;
		t->stats.swept++;
		if (t->forget_closed)
			remove_node(t, n);
	}
}

static int addr_cmp(const struct conn_key *a, const struct conn_key *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->local_addr, b->local_addr, 16);
	if (r)
		return r;
	if (a->local_port != b->local_port)
		return a->local_port < b->local_port ? -1 : 1;
	r = memcmp(a->remote_addr, b->remote_addr, 16);
	if (r)
		return r;
	if (a->remote_port != b->remote_port)
		return a->remote_port < b->remote_port ? -1 : 1;
	return 0;
}

static int report_order(const void *pa, const void *pb)
{
	const struct conn *a = pa, *b = pb;
	bool la = a->direction == CONN_DIR_LISTENING, lb = b->direction == CONN_DIR_LISTENING;

	if (a->key.netns != b->key.netns)
		return a->key.netns < b->key.netns ? -1 : 1;
	if (la != lb)
		return la ? -1 : 1;
	return addr_cmp(&a->key, &b->key);
}

void conntable_get_stats(const struct conntable *t, struct conntable_stats *ret)
{
	*ret = t->stats;
	ret->entries = t->count;
}

int conntable_take_report(struct conntable *t, uint64_t now_ns, struct conn_report *ret)
{
	struct conn *conns = NULL;
	uint64_t evicted;
	size_t i = 0;

	if (t->count) {
		conns = malloc(t->count * sizeof(*conns));
		if (!conns)
			return -ENOMEM;
	}
	/* count is the length of both lists together */
	for (struct conn_node *n = t->open.head; n && i < t->count; n = n->age_next)
		conns[i++] = n->c;
	for (struct conn_node *n = t->closed.head; n && i < t->count; n = n->age_next)
		conns[i++] = n->c;
	if (i)
		qsort(conns, i, sizeof(*conns), report_order);

	memset(ret, 0, sizeof(*ret));
	ret->taken_ns = now_ns;
	ret->n = i;
	ret->conns = conns;
	conntable_get_stats(t, &ret->stats);
	evicted = t->stats.evicted_closed + t->stats.evicted_open;
	ret->evicted_since_last = evicted - t->evicted_at_last_report;
	t->evicted_at_last_report = evicted;

	/* the report carries every closed entry: they have been shown once, so they go */
	while (t->closed.head)
		remove_node(t, t->closed.head);
	return 0;
}

void conn_report_free(struct conn_report *r)
{
	if (!r)
		return;
	free(r->conns);
	r->conns = NULL;
	r->n = 0;
}
